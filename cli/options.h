// SPDX-License-Identifier: GPL-2.0
// Option values shared by every command: durations, whole numbers and memory sizes.
//
// Each is a CLI11 validator that refuses a value outside its range with the option's name, the
// valid range and the value given ("--budget: expected a duration > 0 ...; got '0s'"), exit 2,
// instead of wrapping (-1 as 2^64-1), clamping (2^64), or reading NaN or a negative number as
// "no limit". The absence of an option is how a command says "its default" or "no limit".
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

namespace mmcheck::cli {

// The longest duration any option accepts: 30 days.
inline constexpr double kMaxDurationSeconds = 30 * 24 * 3600.0;

// A duration: a number with a unit, ms, s, m or h ("500ms", "30s", "1.5m", "2h"; units in any
// case), or a plain number, which is seconds (what explore --budget and prove --timeout always
// took). Transforms the text into seconds for a `double` option. Refused unless in (0, `max`].
CLI::Validator Duration(double max_seconds = kMaxDurationSeconds);

// The shortest exact text of `seconds` in the syntax above: 30 -> "30s", 600 -> "10m",
// 7200 -> "2h", 0.5 -> "500ms", 1.5 -> "1.5s".
std::string FormatDuration(double seconds);

// A whole number in decimal, without a sign, in [min, max]. `zero_means` explains 0 in the
// message when 0 is allowed and special ("no limit").
CLI::Validator WholeNumber(std::uint64_t min, std::uint64_t max,
                           const std::string& zero_means = "");

// A memory size in MB (10^6 bytes): a plain number is MB; units KB, MB, GB, KiB, MiB and GiB
// are accepted ("512MiB", "2GB"). Transforms the text into MB for a `double` option. Refused
// unless in [0, max_mb]; 0 means "no limit".
CLI::Validator Megabytes(double max_mb = 1e9);

}  // namespace mmcheck::cli
