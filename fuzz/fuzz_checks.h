// SPDX-License-Identifier: GPL-2.0
// What every fuzz target asserts of a rejected input: the message is the one
// line the user will see, and it is safe to print (no raw control bytes).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "model/input_file.h"

namespace mmcheck::fuzz {

// Aborts (a libFuzzer crash, with the input saved) when `what` is not a
// one-line, printable "FILE:..." message.
inline void CheckMessage(std::string_view file, const std::string& what) {
  const bool one_line = what.find('\n') == std::string::npos;
  const bool printable = model::Printable(what) == what;
  const bool located = what.starts_with(std::string(file) + ":");
  if (one_line && printable && located) return;
  std::fprintf(stderr, "bad error message (one line %d, printable %d, starts with file %d): %s\n",
               one_line, printable, located, model::Printable(what).c_str());
  std::abort();
}

}  // namespace mmcheck::fuzz
