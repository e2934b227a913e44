// SPDX-License-Identifier: GPL-2.0
// Profiles: named knob sets standing for a kernel version or a patch prefix,
// each declaring the properties it is expected to violate (like a litmus
// test's `Result:` line) and the patch that fixes each.
//
// Profiles are data (profiles/*.toml), embedded at build time. Two kinds of
// file:
//   [profile] name/doc/kernel/base/min_universe + [knobs] + [[expect]] property/fixed_by
//   [series]  name/doc/base/min_universe + [[patch]] number/title/knobs/fixes/min_universe
// A series file expands into one profile per patch prefix, named
// "<series>-NN", each inheriting the previous one's knobs and expectations
// minus what the patch `fixes`.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "model/knobs.h"
#include "model/universe.h"

namespace mmcheck::model {

// Bad input to the model layer (profile files, knob values, universes). The
// message is complete: "file:line:col: what is wrong" where a file is known.
class ModelInputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct EmbeddedFile {
  const char* name;
  const char* text;
};
// The profiles/*.toml files compiled into the binary (generated source).
const std::vector<EmbeddedFile>& BuiltinProfileFiles();

struct ExpectedViolation {
  std::string property;      // kebab-case property name
  std::string fixed_by;      // the patch that removes the violation
  int line = 0, column = 0;  // where its property name was declared
};

struct Profile {
  std::string name;
  std::string doc;
  std::string kernel;  // e.g. "v6.14", or "v6.14 + hildenbrand-v2 01-05"
  std::string origin;  // file it came from
  Knobs knobs;
  std::vector<ExpectedViolation> expect;
  // The smallest universe its expectations are reachable in (min_universe;
  // inherited from the base profile, replaced when a file gives its own).
  UniverseNeeds needs;

  bool ExpectsViolation(std::string_view property) const;
  const ExpectedViolation* Expectation(std::string_view property) const;
};

// A set of profiles by name, in a stable (file, then definition) order.
class ProfileSet {
 public:
  // The built-in profiles. Aborts the program if they do not parse (a
  // build-time data error caught by the test suite).
  static const ProfileSet& Builtin();

  // Parses TOML profile/series text; `file` names it in error messages.
  // Profiles may inherit (base = "...") from profiles already in this set.
  // Throws ModelInputError "file:line:col: ..." (CheckInputText's checks
  // first, then TOML, then names, knobs and property names).
  void AddFile(std::string_view file, std::string_view text);

  // Loads a profile file from disk (ReadInputFile: at most 1 MiB) into a
  // copy of the built-in set and returns the profiles it defined.
  static std::vector<Profile> LoadFile(const std::string& path);

  const Profile* Find(std::string_view name) const;
  const std::vector<Profile>& All() const { return profiles_; }

 private:
  std::vector<Profile> profiles_;
};

// The names an [[expect]] or a patch's 'fixes' may give: the properties
// (`mmcheck properties`) and the Z3 lemmas (`mmcheck prove`). Both live above
// the model (properties observe it; lemmas prove its encodings), so model/
// cannot list them: solver/smt/lemmas.cpp, which sees both, installs the
// check before main() runs. A program without that library (the fuzz
// targets) loads profiles without it. A check installed, every profile file
// is checked at load, the built-in ones too.
using ExpectationNameCheck = bool (*)(std::string_view name);
void SetExpectationNameCheck(ExpectationNameCheck check);

// Resolves --profile NAME|FILE: a built-in name, or a path to a .toml file
// (which must define exactly one profile, or a series whose last prefix is
// taken). Throws ModelInputError listing the built-in names when unknown.
Profile ResolveProfile(std::string_view name_or_file);

// Applies "--knob name=value" to `profile`, then rejects contradictions.
// Throws ModelInputError naming the knob and its accepted values, and the
// profile for a contradiction; `where` starts the message ("--knob", or
// "t.mmtrace:5:6: knob" for a trace's knob line).
void ApplyKnobOverride(Profile& profile, std::string_view assignment,
                       std::string_view where = "--knob");

}  // namespace mmcheck::model
