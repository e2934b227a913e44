// SPDX-License-Identifier: GPL-2.0
// The unit suite's slice of the exhaustive conformance check
// (tests/solver/smt/reachable.h, CheckAllReachable): the first states of the
// breadth-first search of the BMC universes on linux-6.15 and, with a
// device-private page, niethe-v6, every transition from them compared with
// the compiled symbolic step, a sample of them also through Z3 (the
// evaluator's cross-check and the eager numeral path); and a tampered
// concrete result is reported, so the comparison can fail.
// mmcheck_exhaustive_tests runs the whole reachable set of every profile.
#include <gtest/gtest.h>

#include "model/profile.h"
#include "solver/smt/symbolic_model.h"
#include "tests/solver/smt/reachable.h"

namespace mmcheck::solver::smt {
namespace {

using testing::CheckAllReachable;
using testing::ConcreteStep;
using testing::ExhaustiveOptions;
using testing::ExhaustiveResult;

const model::Profile& ProfileFor(const model::Universe& u) {
  const model::Profile* p =
      model::ProfileSet::Builtin().Find(u.device_pages ? "niethe-v6" : "linux-6.15");
  EXPECT_NE(p, nullptr);
  return *p;
}

TEST(SymbolicConformanceSlice, FirstStatesOfTheBreadthFirstSearch) {
  for (const model::Universe& u : {BmcUniverse(), BmcDeviceUniverse()}) {
    const model::Profile& p = ProfileFor(u);
    z3::context ctx;
    SymbolicModel sm(ctx, u, p.knobs);
    ExhaustiveOptions o;
    o.max_states = 600;
    o.z3_every = 2003;
    const ExhaustiveResult r = CheckAllReachable(sm, o);
    EXPECT_EQ(r.first_diff, "") << p.name;
    EXPECT_FALSE(r.complete);
    EXPECT_EQ(r.states, o.max_states);
    EXPECT_GE(r.levels, 3);
    EXPECT_GT(r.transitions, 3 * r.states);
    EXPECT_GE(r.z3_checked, 10u);
  }
}

// The comparison reports a changed concrete result: a field of the
// successor, enabled, leaving the subset, a progress obligation.
TEST(SymbolicConformanceSlice, ATamperedConcreteResultIsReported) {
  const model::Universe u = BmcUniverse();
  z3::context ctx;
  SymbolicModel sm(ctx, u, ProfileFor(u).knobs);
  struct Case {
    const char* what;
    std::function<bool(ConcreteStep&)> change;  // false: not applicable to this step
  };
  const std::string field = sm.layout().name(sm.layout().Pte(0, 1, SymbolicLayout::kDirty));
  const std::vector<Case> cases = {
      {"field mm0.p1.dirty",
       [&](ConcreteStep& c) {
         if (!c.enabled || !c.outside.empty()) return false;
         c.next[static_cast<size_t>(sm.layout().Pte(0, 1, SymbolicLayout::kDirty))] ^= 1;
         return true;
       }},
      {"symbolic enabled", [](ConcreteStep& c) { return c.enabled = !c.enabled, true; }},
      {"symbolic outside",
       [](ConcreteStep& c) {
         if (!c.enabled) return false;
         c.outside = c.outside.empty() ? "tampered" : "";
         return true;
       }},
      {"progress",
       [](ConcreteStep& c) {
         if (!c.enabled || !c.outside.empty()) return false;
         c.reclaim_stuck = !c.reclaim_stuck;
         return true;
       }},
  };
  for (const Case& k : cases) {
    bool changed = false;
    ExhaustiveOptions o;
    o.max_states = 200;
    o.tamper = [&](const model::Op& op, ConcreteStep& c) {
      // From the third state on (the search has started), once.
      if (!changed && op.code == model::OpCode::kCpuWrite && c.enabled) changed = k.change(c);
    };
    const ExhaustiveResult r = CheckAllReachable(sm, o);
    EXPECT_TRUE(changed) << k.what;
    EXPECT_NE(r.first_diff.find(k.what), std::string::npos) << k.what << ": " << r.first_diff;
  }
  EXPECT_EQ(field, "mm0.p1.dirty");
}

}  // namespace
}  // namespace mmcheck::solver::smt
