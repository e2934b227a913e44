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

// Splitting the levels among threads changes nothing: the same states in
// the same order (the same Z3 samples), the same counts.
TEST(SymbolicConformanceSlice, ThreadsGiveTheSameSearch) {
  const model::Universe u = BmcUniverse();
  z3::context ctx;
  SymbolicModel sm(ctx, u, ProfileFor(u).knobs);
  ExhaustiveOptions o;
  o.max_states = 400;
  o.z3_every = 997;
  const ExhaustiveResult one = CheckAllReachable(sm, o);
  o.threads = 3;  // an odd split of every level
  const ExhaustiveResult three = CheckAllReachable(sm, o);
  EXPECT_EQ(one.first_diff, "");
  EXPECT_EQ(three.first_diff, "");
  EXPECT_EQ(three.states, one.states);
  EXPECT_EQ(three.levels, one.levels);
  EXPECT_EQ(three.transitions, one.transitions);
  EXPECT_EQ(three.compared, one.compared);
  EXPECT_EQ(three.z3_checked, one.z3_checked);
  EXPECT_GT(one.transitions, 3 * one.states);
}

// Followers: a knob the subset never reaches (gup_split_pmd_hugetlb, no
// hugetlb VMA) follows linux-6.15 step for step; linux-6.14, whose
// device_exclusive_mapcount is encoded otherwise, builds other symbolic
// terms and is refused; a knob set the symbolic model refuses is refused.
TEST(SymbolicConformanceSlice, FollowersAreCheckedNotTrusted) {
  const model::Universe u = BmcUniverse();
  z3::context ctx;
  const model::Profile& base = ProfileFor(u);
  SymbolicModel sm(ctx, u, base.knobs);
  const model::KnobInfo* hugetlb = model::FindKnob("gup_split_pmd_hugetlb");
  ASSERT_NE(hugetlb, nullptr);
  model::Knobs unreached = base.knobs;
  hugetlb->set(unreached, 1 - hugetlb->get(base.knobs));
  const model::Profile* older = model::ProfileSet::Builtin().Find("linux-6.14");
  ASSERT_NE(older, nullptr);
  model::Knobs refused = base.knobs;
  ASSERT_TRUE(model::FindKnob("arch") != nullptr);
  model::FindKnob("arch")->set(refused, 1);  // arm64: not encoded
  ASSERT_NE(SymbolicKnobsUnsupported(u, refused), "");
  ExhaustiveOptions o;
  o.max_states = 300;
  o.threads = 2;
  o.followers = {{"unreached", unreached}, {"linux-6.14", older->knobs}, {"refused", refused}};
  const ExhaustiveResult r = CheckAllReachable(sm, o);
  EXPECT_EQ(r.first_diff, "");
  ASSERT_EQ(r.followers.size(), 3u);
  EXPECT_TRUE(r.followers[0].same_symbolic);
  EXPECT_EQ(r.followers[0].first_diff, "");
  EXPECT_EQ(r.followers[0].compared, r.compared);  // every step of every visited state
  EXPECT_FALSE(r.followers[1].same_symbolic);
  EXPECT_NE(r.followers[1].first_diff.find("other expressions"), std::string::npos);
  EXPECT_FALSE(r.followers[2].same_symbolic);
  EXPECT_NE(r.followers[2].first_diff.find("not accepted"), std::string::npos);
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
