// SPDX-License-Identifier: GPL-2.0
// libFuzzer target: the profile and series loader (model::ProfileSet::AddFile,
// which runs toml++) on any bytes, on top of the built-in profiles as
// `--profile FILE` and a trace's profile line load them.
//
// Asserts, beyond "no crash, no sanitizer report, no exception but
// ModelInputError": a rejected input gets one printable line
// "fuzz.toml:..."; an accepted one defines profiles with names, and expects
// only known names. (The target does not link solver/smt, which installs the
// real property-or-lemma check; it installs properties plus the lemma names
// the built-in profiles use.)
//
// Debian 12's toml++ 3.3.0 reaches __builtin_unreachable() on most non-ASCII
// characters outside comments and single-line strings (upstream
// marzer/tomlplusplus#295). The loader refuses those inputs before toml++
// sees them (RejectTomlplusplus295 in model/profile.cpp), so this target,
// which goes through the loader, runs on past them; an input that got
// through that guard and reached the bug would stop it, as it should.
// Seeds: profiles/*.toml (scripts/fuzz.sh).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "fuzz/fuzz_checks.h"
#include "model/profile.h"
#include "properties/properties.h"

namespace {

// The lemma names (and properties) the built-in profiles expect.
std::set<std::string, std::less<>>& BuiltinExpectationNames() {
  static std::set<std::string, std::less<>> names;
  return names;
}

bool KnownName(std::string_view name) {
  return mmcheck::properties::PropertyIndex(name) >= 0 ||
         BuiltinExpectationNames().find(name) != BuiltinExpectationNames().end();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  using namespace mmcheck;
  for (const model::Profile& p : model::ProfileSet::Builtin().All())
    for (const model::ExpectedViolation& e : p.expect) BuiltinExpectationNames().insert(e.property);
  model::SetExpectationNameCheck(&KnownName);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mmcheck;
  constexpr std::string_view kFile = "fuzz.toml";
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  model::ProfileSet set = model::ProfileSet::Builtin();
  const std::size_t before = set.All().size();
  try {
    set.AddFile(kFile, text);
  } catch (const model::ModelInputError& e) {
    fuzz::CheckMessage(kFile, e.what());
    return 0;
  }
  for (std::size_t i = before; i < set.All().size(); ++i) {
    const model::Profile& p = set.All()[i];
    if (p.name.empty()) {
      std::fprintf(stderr, "a profile without a name was accepted\n");
      std::abort();
    }
    for (const model::ExpectedViolation& e : p.expect)
      if (!KnownName(e.property)) {
        std::fprintf(stderr, "profile %s expects unknown name %s\n", p.name.c_str(),
                     e.property.c_str());
        std::abort();
      }
  }
  return 0;
}
