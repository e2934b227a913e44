// SPDX-License-Identifier: GPL-2.0
// Deny by default (solver/smt/symbolic_model.h SymbolicKnobTable): the
// symbolic model lists every knob of model::KnobTable() with the values it
// encodes, and refuses a knob it has no row for, or a value it does not
// encode, naming the knob and the value.
#include <gtest/gtest.h>

#include "model/profile.h"
#include "solver/smt/symbolic_model.h"
#include "tests/solver/smt/builtin_profile.h"

namespace mmcheck::solver::smt {
namespace {

using testing::Builtin;

// Every knob of model::KnobTable() has exactly one symbolic row, and every
// row names a knob (a renamed knob cannot leave a stale row behind).
TEST(SymbolicKnobs, OneRowPerKnob) {
  for (const model::KnobInfo& k : model::KnobTable())
    EXPECT_NE(FindSymbolicKnob(k.name), nullptr) << k.name << " has no SymbolicKnobTable row";
  for (const SymbolicKnob& row : SymbolicKnobTable()) {
    const model::KnobInfo* k = model::FindKnob(row.name);
    ASSERT_NE(k, nullptr) << row.name << " is no knob";
    for (std::string_view v : row.values)
      EXPECT_GE(model::KnobValueIndex(*k, v), 0) << row.name << "=" << v;
    EXPECT_EQ(row.use == SymbolicKnobUse::kOnly, !row.values.empty()) << row.name;
    EXPECT_EQ(row.use == SymbolicKnobUse::kEncoded, row.why.empty()) << row.name;
  }
  EXPECT_EQ(SymbolicKnobTable().size(), model::KnobTable().size());
}

// A knob added to the model but not to SymbolicKnobTable is refused, at any
// value, with its name: deny by default.
TEST(SymbolicKnobs, NewKnobIsRefusedUntilEncoded) {
  std::vector<model::KnobInfo> table(model::KnobTable().begin(), model::KnobTable().end());
  const model::Knobs knobs = Builtin("linux-6.15").knobs;
  EXPECT_EQ(SymbolicKnobsUnsupported(BmcUniverse(), knobs, table), "");
  model::KnobInfo added;
  added.name = "some_new_knob";
  added.values = {"old", "new"};
  added.get = [](const model::Knobs&) { return 0; };  // even at its default
  added.set = [](model::Knobs&, int) {};
  table.push_back(added);
  EXPECT_EQ(SymbolicKnobsUnsupported(BmcUniverse(), knobs, table),
            "knob some_new_knob=old is not encoded symbolically (no row in SymbolicKnobTable)");
}

// A profile whose knob has a value the symbolic model does not encode is
// refused with the knob and the value.
TEST(SymbolicKnobs, UnencodedValueIsRefusedByName) {
  model::Profile p = Builtin("mainline");
  model::ApplyKnobOverride(p, "arch=arm64");
  const std::string why = SymbolicKnobsUnsupported(BmcUniverse(), p.knobs);
  EXPECT_EQ(why.rfind("knob arch=arm64 is not encoded symbolically: ", 0), 0u) << why;
  EXPECT_NE(SymbolicKnobsUnsupported(BmcUniverse(), Builtin("mainline-arm64").knobs), "");
  EXPECT_NE(SymbolicKnobsUnsupported(BmcUniverse(), Builtin("linux-6.12").knobs)
                .find("dmirror_invalidate_range=one-past"),
            std::string::npos);
  EXPECT_NE(
      SymbolicKnobsUnsupported(BmcDeviceUniverse(), Builtin("niethe-v6-unconverted-driver").knobs)
          .find("dmirror_device_lookup=page-to-pfn"),
      std::string::npos);
  EXPECT_EQ(SymbolicKnobsUnsupported(BmcDeviceUniverse(), Builtin("niethe-v6").knobs), "");
}

}  // namespace
}  // namespace mmcheck::solver::smt
