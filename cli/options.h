// SPDX-License-Identifier: GPL-2.0
// What every command's options share: the value syntaxes (durations, whole numbers, memory
// sizes) and the options several commands declare, each declared here once so that a flag means
// the same thing, with the same short name and syntax, in every command.
//
// Each is a CLI11 validator that refuses a value outside its range with the option's name, the
// valid range and the value given ("--budget: expected a duration > 0 ...; got '0s'"), exit 2,
// instead of wrapping (-1 as 2^64-1), clamping (2^64), or reading NaN or a negative number as
// "no limit". The absence of an option is how a command says "its default" or "no limit".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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

// --- Options several commands take. ---

// What --jobs counts. Threads share one search (explore, diff: the results do not depend on
// it); worker processes each run their own cases (campaign, verify-series).
enum class JobsAre { kThreads, kProcesses };

// Registers --jobs N, N in 1..max. The help starts with what N counts, "threads" or "worker
// processes", followed by `doc`.
CLI::Option* AddJobsOption(CLI::App* app, int* jobs, JobsAre what, const std::string& doc,
                           std::uint64_t max = 256);

// Registers --knob name=value (repeatable): overrides a knob of `whose` ("the profile", "every
// selected profile"; `mmcheck knobs` lists the knobs). `prefix` starts the help ("Main model: ").
CLI::Option* AddKnobOption(CLI::App* app, std::vector<std::string>* knobs, const std::string& whose,
                           const std::string& prefix = "");

// Registers -o,--out PATH, where the command writes its output files (`more_names` adds older
// spellings, e.g. "--output").
CLI::Option* AddOutOption(CLI::App* app, std::string* out, const std::string& doc,
                          const std::string& more_names = "");

// Registers -v,--verbose.
CLI::Option* AddVerboseFlag(CLI::App* app, bool* verbose, const std::string& doc);

// Registers --budget, a Duration() for the whole run.
CLI::Option* AddBudgetOption(CLI::App* app, double* seconds, const std::string& doc);

}  // namespace mmcheck::cli
