// SPDX-License-Identifier: GPL-2.0
// The symbolic model agrees with the concrete model on every reachable state
// and transition of the BMC universes up to a depth bound
// (tests/solver/smt/reachable.h), not on a sample: every built-in profile it
// accepts, and every value of every knob it accepts at any value. Its own
// binary, run by bench/symbolic_conformance.sh (the CI calls it): the
// universes' reachable sets are too large for the unit suite (BmcUniverse:
// 81 states within 2 steps, 4,255 within 4, 179,280 within 6, with one
// cpu_write value; every transition costs a symbolic step, 7-25 ms), so the
// depth bound is MMCHECK_EXHAUSTIVE_DEPTH (default 1). The unit suite runs
// depth 1 on two profiles (bmc_conformance_test.cpp).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>

#include <fmt/format.h>

#include "model/profile.h"
#include "solver/smt/bmc.h"
#include "solver/smt/symbolic_model.h"
#include "tests/solver/smt/reachable.h"

namespace mmcheck::solver::smt {
namespace {

using testing::CompareStep;
using testing::EnumerateReachable;
using testing::ReachableStates;

const model::Profile& Builtin(const char* name) {
  const model::Profile* p = model::ProfileSet::Builtin().Find(name);
  EXPECT_NE(p, nullptr) << name;
  return *p;
}

// The names of the constants `e` reads.
void Constants(const z3::expr& e, std::set<unsigned>& seen, std::set<std::string>& out) {
  if (!seen.insert(e.id()).second) return;
  if (e.is_const() && !e.is_numeral() && !e.is_true() && !e.is_false()) {
    out.insert(e.decl().name().str());
    return;
  }
  if (!e.is_app()) return;
  for (unsigned i = 0; i < e.num_args(); ++i) Constants(e.arg(i), seen, out);
}

// BMC leaves out the data fields (SymbolicLayout::IsDataField): sound only
// because no enabled/outside test, progress obligation, property or
// non-data field of any step reads one. Checked on the step of every op
// from a state of fresh constants, in both universes.
TEST(SymbolicKnobs, DataFieldsAreOnlyCopiedAmongThemselves) {
  for (const model::Universe& u : {BmcUniverse(), BmcDeviceUniverse()}) {
    z3::context ctx;
    SymbolicModel sm(ctx, u, Builtin(u.device_pages ? "niethe-v6" : "linux-6.15").knobs);
    const SymbolicLayout& lay = sm.layout();
    std::set<std::string> data;
    for (int i = 0; i < lay.size(); ++i)
      if (lay.IsDataField(i)) data.insert("x." + lay.name(i));
    ASSERT_EQ(data.size(), static_cast<size_t>(u.mms * u.pages + lay.frames() + lay.dev_frames() +
                                               u.swap_slots));
    const SymState s = sm.Fresh("x.");
    std::set<unsigned> seen;
    std::set<std::string> read;
    for (const model::Op& op : sm.Alphabet()) {
      SymStep st = sm.Step(s, op, ctx.bv_const("value", 8), false);
      for (const z3::expr* e : {&st.enabled, &st.outside, &st.reclaim_stuck, &st.migrate_stuck})
        Constants(*e, seen, read);
      for (int i = 0; i < lay.size(); ++i)
        if (!lay.IsDataField(i)) Constants(st.next[static_cast<size_t>(i)], seen, read);
    }
    for (const std::string& p : SymbolicModel::StateProperties())
      Constants(sm.Holds(p, s), seen, read);
    for (const std::string& n : read) EXPECT_EQ(data.count(n), 0u) << n << " is read";
    EXPECT_GT(read.size(), 20u);  // the walk saw the state
  }
}

// The depth bound: MMCHECK_EXHAUSTIVE_DEPTH, default 1 (every state within
// one step of the prologue, and every transition from them: every path of
// two ops).
int DepthBound() {
  const char* env = std::getenv("MMCHECK_EXHAUSTIVE_DEPTH");
  return env ? std::atoi(env) : 1;
}

// Runs the exhaustive check; returns the reachable states.
ReachableStates CheckExhaustively(const model::Universe& u, const model::Knobs& knobs,
                                  const std::string& what) {
  z3::context ctx;
  SymbolicModel sm(ctx, u, knobs);
  std::string first_diff;
  const auto t0 = std::chrono::steady_clock::now();
  ReachableStates r = EnumerateReachable(sm, {1, 2}, 2'000'000, DepthBound(),
                                         [&](const model::World& w, const model::Op& op) {
                                           first_diff = CompareStep(sm, w, op);
                                           return first_diff.empty();
                                         });
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%s, %s: %zu states, %zu transitions (%zu leave the subset), depth %d, %.1f s\n",
              what.c_str(), u.ToString().c_str(), r.states.size(), r.transitions, r.outside,
              r.depth.empty() ? 0 : r.depth.back(), s);
  EXPECT_EQ(first_diff, "") << what;
  return r;
}

// The built-in profiles the symbolic model encodes in `u`.
std::vector<const model::Profile*> EncodedProfiles(const model::Universe& u) {
  std::vector<const model::Profile*> out;
  for (const model::Profile& p : model::ProfileSet::Builtin().All())
    if (SymbolicKnobsUnsupported(u, p.knobs).empty()) out.push_back(&p);
  return out;
}

// Every built-in profile the symbolic model accepts, in both universes.
TEST(SymbolicConformanceExhaustive, EveryEncodedProfile) {
  for (const model::Universe& u : {BmcUniverse(), BmcDeviceUniverse()}) {
    const auto profiles = EncodedProfiles(u);
    ASSERT_GE(profiles.size(), 8u);
    for (const model::Profile* p : profiles) {
      ReachableStates r = CheckExhaustively(u, p->knobs, p->name);
      // The strengthening invariants of k-induction hold on every reachable
      // state of the profiles without the bugs they rule out.
      bool expects_symbolic_violation = false;
      for (const model::ExpectedViolation& e : p->expect)
        expects_symbolic_violation = expects_symbolic_violation || IsBmcProperty(e.property);
      if (!expects_symbolic_violation) {
        z3::context ctx;
        SymbolicModel sm(ctx, u, p->knobs);
        for (const model::World& w : r.states)
          for (const std::string& inv : SymbolicModel::StrengtheningInvariants())
            ASSERT_EQ(testing::Numeral(sm.Holds(inv, sm.Constant(sm.layout().Project(w)))), 1u)
                << p->name << ": " << inv;
      }
    }
  }
}

// Every value of every knob the symbolic model accepts at any value
// (kEncoded, kNotReached), set on linux-6.15 and on niethe-v6 in the device
// universe: the "not reached" claims of SymbolicKnobTable are checked, not
// trusted.
TEST(SymbolicConformanceExhaustive, EveryValueOfEveryAcceptedKnob) {
  for (const model::Universe& u : {BmcUniverse(), BmcDeviceUniverse()}) {
    const model::Profile& base = Builtin(u.device_pages ? "niethe-v6" : "linux-6.15");
    for (const SymbolicKnob& row : SymbolicKnobTable()) {
      if (row.use == SymbolicKnobUse::kOnly) continue;
      const model::KnobInfo* k = model::FindKnob(row.name);
      ASSERT_NE(k, nullptr) << row.name;
      for (size_t v = 0; v < k->values.size(); ++v) {
        model::Knobs knobs = base.knobs;
        k->set(knobs, static_cast<int>(v));
        if (static_cast<size_t>(k->get(base.knobs)) == v) continue;  // the base itself
        if (!model::KnobContradiction(knobs).empty()) continue;
        if (!SymbolicKnobsUnsupported(u, knobs).empty()) continue;  // a refused combination
        CheckExhaustively(u, knobs, fmt::format("{} {}={}", base.name, row.name, k->values[v]));
      }
    }
  }
}

}  // namespace
}  // namespace mmcheck::solver::smt
