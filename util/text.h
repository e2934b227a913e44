// SPDX-License-Identifier: GPL-2.0
// Small text helpers shared by the reports: quoting for DOT, thousands separators.
#pragma once

#include <cstdint>
#include <string>

namespace mmcheck::util {

// Returns `text` escaped for a double-quoted DOT string: quotes, backslashes, newlines and
// other control characters (as \u00XX).
std::string EscapeQuoted(const std::string& text);

// Returns `n` in decimal with a comma every three digits: 1234567 -> "1,234,567".
std::string WithCommas(std::uint64_t n);

}  // namespace mmcheck::util
