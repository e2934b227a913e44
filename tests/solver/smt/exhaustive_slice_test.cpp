// SPDX-License-Identifier: GPL-2.0
// The unit suite's slice of the exhaustive conformance check
// (tests/solver/smt/reachable.h, CheckAllReachable): the first states of the
// breadth-first search of the BMC universes on linux-6.15 and, with a
// device-private page, niethe-v6, every transition from them compared with
// the compiled symbolic step, a sample of them also through Z3 (the
// evaluator's cross-check and the eager numeral path); and a tampered
// concrete result is reported, so the comparison can fail. The followers
// can fail too: in a universe small enough to search completely, a
// follower whose concrete outcome is changed on one state is reported,
// naming the state, the op and the field, and searched on its own, and a
// leader that differs proves no follower (CheckByClasses).
// mmcheck_exhaustive_tests runs the whole reachable set of every profile.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

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

// ---- Followers can fail ----

// A universe small enough to search completely in a unit test: one mm
// (no fork), one folio slot, one swap slot, one device.
model::Universe TinyUniverse() {
  model::Universe u = BmcUniverse();
  u.mms = 1;
  u.folios = 1;
  u.swap_slots = 1;
  return u;
}

// linux-6.15, a knob set it reaches identically (gup_split_pmd_hugetlb
// flipped: the subset has no hugetlb VMA), and linux-6.15 again under
// another name: both followers of the first.
std::vector<testing::ConformanceSearch> ThreeOfAClass(const model::Universe& u) {
  const model::Profile& base = ProfileFor(u);
  const model::KnobInfo* hugetlb = model::FindKnob("gup_split_pmd_hugetlb");
  EXPECT_NE(hugetlb, nullptr);
  model::Knobs unreached = base.knobs;
  hugetlb->set(unreached, 1 - hugetlb->get(base.knobs));
  return {
      {base.name, base.knobs, true}, {"unreached", unreached, true}, {"again", base.knobs, true}};
}

// The untampered run the tampered ones are compared with: both followers
// follow, the search is complete, and all three are proved.
TEST(SymbolicConformanceSlice, FollowersFollowACompleteSearch) {
  const model::Universe u = TinyUniverse();
  const auto todo = ThreeOfAClass(u);
  ExhaustiveOptions o;
  o.threads = 2;
  const std::vector<testing::SearchOutcome> out = testing::CheckByClasses(u, todo, o);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].leader, "");
  EXPECT_EQ(out[0].symbolic_class, 0);
  EXPECT_TRUE(out[0].complete) << out[0].states << " states";
  EXPECT_GT(out[0].states, 50u);
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_TRUE(out[i].Proved()) << out[i].name << ": " << out[i].first_diff;
    EXPECT_EQ(out[i].symbolic_class, 0) << out[i].name;
    EXPECT_TRUE(out[i].not_like.empty()) << out[i].name << ": " << out[i].not_like.front();
    EXPECT_EQ(out[i].states, out[0].states) << out[i].name;
  }
  EXPECT_EQ(out[1].leader, todo[0].name);
  EXPECT_EQ(out[2].leader, todo[0].name);
}

// A follower whose concrete outcome is changed on one state -- its enabled
// test, a field of its successor, a state property -- is reported with the
// state, the op and the field, is not counted as following the leader, and
// gets its own search (which agrees: the change was only made while it
// followed); the other follower still follows.
TEST(SymbolicConformanceSlice, AFollowerThatDiffersIsSearchedOnItsOwn) {
  const model::Universe u = TinyUniverse();
  const auto todo = ThreeOfAClass(u);
  const SymbolicLayout lay(u);
  const int dirty = lay.Pte(0, 1, SymbolicLayout::kDirty);
  ASSERT_EQ(lay.name(dirty), "mm0.p1.dirty");
  struct Case {
    const char* what;
    std::vector<const char*> said;                          // what the difference must name
    std::function<bool(testing::FollowerOutcome&)> change;  // false: not applicable here
  };
  const std::vector<Case> cases = {
      {"enabled",
       {"cpu_write", "enabled false where the leader's is true", "(from "},
       [](testing::FollowerOutcome& f) {
         if (f.op == nullptr || f.op->code != model::OpCode::kCpuWrite || !f.enabled) return false;
         f.enabled = false;
         return true;
       }},
      {"successor field",
       {"cpu_write", "another successor: field mm0.p1.dirty 0x", "(from "},
       [&](testing::FollowerOutcome& f) {
         if (f.op == nullptr || f.op->code != model::OpCode::kCpuWrite || !f.enabled ||
             f.op->Arg(1) != 1)
           return false;
         model::Pte& pte = f.after->mms[0].ptes[1];
         pte.dirty = !pte.dirty;
         return true;
       }},
      {"successor outside the projection",
       {"another successor: World field mms, outside the projection"},
       [](testing::FollowerOutcome& f) {
         if (f.op == nullptr || !f.enabled || f.after->mms[0].vmas.empty()) return false;
         f.after->mms[0].vmas[0].pgoff ^= 1;  // the subset does not look at it
         return true;
       }},
      {"state property",
       {"property mapcount-matches-mappings is violated where the leader's holds", "(on "},
       [](testing::FollowerOutcome& f) {
         const auto& names = SymbolicModel::StateProperties();
         const size_t i = static_cast<size_t>(
             std::find(names.begin(), names.end(), "mapcount-matches-mappings") - names.begin());
         if (f.properties == nullptr || i == names.size() || (*f.properties)[i] != 1) return false;
         (*f.properties)[i] = 0;
         return true;
       }},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.what);
    int changed = 0;
    ExhaustiveOptions o;  // one thread: the change is made once, on the first state that fits
    o.tamper_follower = [&](const testing::ExhaustiveFollower& f, const model::World&,
                            testing::FollowerOutcome& fo) {
      if (f.name == "again" && changed == 0 && k.change(fo)) ++changed;
    };
    const std::vector<testing::SearchOutcome> out = testing::CheckByClasses(u, todo, o);
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(changed, 1);
    const testing::SearchOutcome& again = out[2];
    // (a) reported against the leader, naming what differs and where.
    ASSERT_EQ(again.not_like.size(), 1u);
    EXPECT_EQ(again.not_like[0].rfind(todo[0].name + ": ", 0), 0u) << again.not_like[0];
    for (const char* said : k.said)
      EXPECT_NE(again.not_like[0].find(said), std::string::npos)
          << "no \"" << said << "\" in " << again.not_like[0];
    // (b) not counted as following; searched on its own, completely.
    EXPECT_EQ(again.leader, "");
    EXPECT_TRUE(again.ran);
    EXPECT_TRUE(again.complete);
    EXPECT_EQ(again.first_diff, "");
    EXPECT_EQ(again.states, out[0].states);
    // The leader and the other follower are as without the change.
    EXPECT_TRUE(out[0].Proved());
    EXPECT_EQ(out[1].leader, todo[0].name);
    EXPECT_TRUE(out[1].Proved());
  }
}

// A concrete result changed on the leader's side is caught: the leader's
// search reports it and stops, and its followers, which followed it as far
// as it went, are not proved either.
TEST(SymbolicConformanceSlice, ALeaderThatDiffersProvesNoFollower) {
  const model::Universe u = TinyUniverse();
  const auto todo = ThreeOfAClass(u);
  bool changed = false;
  ExhaustiveOptions o;
  o.tamper = [&](const model::Op& op, ConcreteStep& c) {
    if (!changed && op.code == model::OpCode::kCpuWrite && c.enabled && c.outside.empty()) {
      c.next[0] ^= 1;
      changed = true;
    }
  };
  const std::vector<testing::SearchOutcome> out = testing::CheckByClasses(u, todo, o);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_TRUE(changed);
  EXPECT_NE(out[0].first_diff.find("cpu_write"), std::string::npos) << out[0].first_diff;
  EXPECT_NE(out[0].first_diff.find("symbolic"), std::string::npos) << out[0].first_diff;
  for (const testing::SearchOutcome& s : out) {
    EXPECT_FALSE(s.Proved()) << s.name;
    EXPECT_EQ(s.first_diff, out[0].first_diff) << s.name;
  }
  EXPECT_EQ(out[1].leader, todo[0].name);
  EXPECT_EQ(out[2].leader, todo[0].name);
}

// CheckByClasses' `only` runs only the named search's class; a search of
// another class is left out, and says so.
TEST(SymbolicConformanceSlice, OnlyRunsTheNamedClass) {
  const model::Universe u = TinyUniverse();
  std::vector<testing::ConformanceSearch> todo = ThreeOfAClass(u);
  const model::Profile* older = model::ProfileSet::Builtin().Find("linux-6.14");
  ASSERT_NE(older, nullptr);
  todo.push_back({older->name, older->knobs, true});
  ExhaustiveOptions o;
  o.max_states = 100;
  const std::vector<testing::SearchOutcome> out = testing::CheckByClasses(u, todo, o, "linux-6.14");
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[3].symbolic_class, 1);  // another class: other symbolic terms
  EXPECT_TRUE(out[3].ran);
  EXPECT_EQ(out[3].leader, "");
  EXPECT_FALSE(out[3].Proved());  // bounded: incomplete
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_FALSE(out[i].ran) << out[i].name;
    EXPECT_FALSE(out[i].Proved()) << out[i].name;
  }
}

}  // namespace
}  // namespace mmcheck::solver::smt
