// SPDX-License-Identifier: GPL-2.0
// libFuzzer target: the .mmtrace parser (traces::ParseTrace) on any bytes.
//
// Asserts, beyond "no crash, no sanitizer report, no exception but
// TraceError":
//   - a rejected input gets one printable line "fuzz.mmtrace:...";
//   - an accepted one prints and re-parses to the same trace, and printing
//     is a fixed point (PrintTrace(ParseTrace(PrintTrace(t))) == PrintTrace(t));
//   - on a built-in profile, checking its steps' preconditions on the model
//     (CheckPreconditions) either passes or throws TraceError.
// Seeds: tests/corpus/*.mmtrace (scripts/fuzz.sh).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz/fuzz_checks.h"
#include "model/profile.h"
#include "traces/trace.h"

namespace {

constexpr std::string_view kFile = "fuzz.mmtrace";

[[noreturn]] void Fail(const char* what, const std::string& a, const std::string& b) {
  std::fprintf(stderr, "%s\n--- first\n%s\n--- second\n%s\n", what, a.c_str(), b.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mmcheck;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  traces::Trace t;
  try {
    t = traces::ParseTrace(kFile, text);
  } catch (const traces::TraceError& e) {
    fuzz::CheckMessage(kFile, e.what());
    return 0;
  }

  const std::string printed = traces::PrintTrace(t);
  traces::Trace again;
  try {
    again = traces::ParseTrace(kFile, printed);
  } catch (const traces::TraceError& e) {
    Fail("the printed trace does not parse", printed, e.what());
  }
  if (!(again == t)) Fail("print then parse changed the trace", printed, traces::PrintTrace(again));
  if (traces::PrintTrace(again) != printed)
    Fail("printing is not a fixed point", printed, traces::PrintTrace(again));

  // Run the steps' preconditions on the model, for built-in profiles only
  // (a path would read files).
  if (const model::Profile* builtin = model::ProfileSet::Builtin().Find(t.profile)) {
    try {
      model::Profile p = *builtin;
      traces::ApplyTraceKnobs(t, kFile, p);
      traces::CheckPreconditions(t, kFile, p);
    } catch (const traces::TraceError& e) {
      fuzz::CheckMessage(kFile, e.what());
    }
  }
  return 0;
}
