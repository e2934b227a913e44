// SPDX-License-Identifier: GPL-2.0
// The symbolic model agrees with the concrete model on every reachable state
// and transition of the BMC universes (tests/solver/smt/reachable.h,
// CheckAllReachable), not on a sample: every built-in profile it accepts,
// and every value of every knob it accepts at any value. Each search is a
// breadth-first search from the prologue with no depth bound; each
// transition is compared through the symbolic step compiled once per op
// (expr_eval.h), a sample also through Z3. Its own binary, run by
// bench/symbolic_conformance.sh: the reachable sets are large (BmcUniverse on
// linux-6.15: 17,610 states within 4 steps, 276,115 within 6; see the
// script), so MMCHECK_EXHAUSTIVE_MAX_STATES may bound each search for a
// shorter run. The unit suite runs a slice (exhaustive_slice_test.cpp).
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

// MMCHECK_EXHAUSTIVE_MAX_STATES bounds each search to the first states of
// its breadth-first order (every state within some depth, and part of the
// next level). Unset: no bound, and a search must cover the whole reachable
// set; set: the line printed says INCOMPLETE where the bound was hit.
const char* MaxStatesEnv() {
  return std::getenv("MMCHECK_EXHAUSTIVE_MAX_STATES");
}
size_t MaxStates() {
  const char* env = MaxStatesEnv();
  return env ? std::strtoull(env, nullptr, 0) : SIZE_MAX;
}

// Runs the exhaustive check: every reachable state and transition, the
// strengthening invariants on every state when `invariants`.
void CheckExhaustively(const model::Universe& u, const model::Knobs& knobs, const std::string& what,
                       bool invariants) {
  z3::context ctx;
  SymbolicModel sm(ctx, u, knobs);
  testing::ExhaustiveOptions o;
  o.max_states = MaxStates();
  const auto t0 = std::chrono::steady_clock::now();
  o.on_level = [&](const testing::ExhaustiveResult& r) {
    if (std::getenv("MMCHECK_EXHAUSTIVE_VERBOSE"))
      std::printf("  %s level %d: %zu states, %zu transitions, %.1f s\n", what.c_str(), r.levels,
                  r.states, r.transitions,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  };
  o.z3_every = 100'003;  // a sample through Z3: the evaluator's cross-check
  o.check_invariants = invariants;
  const testing::ExhaustiveResult r = testing::CheckAllReachable(sm, o);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf(
      "%s, %s: %zu states, %zu levels, %zu transitions (%zu leave the subset), "
      "%zu compared (%zu also by Z3)%s, %.1f s\n",
      what.c_str(), u.ToString().c_str(), r.states, static_cast<size_t>(r.levels), r.transitions,
      r.outside, r.compared, r.z3_checked, r.complete ? "" : ", INCOMPLETE", s);
  std::fflush(stdout);
  EXPECT_EQ(r.first_diff, "") << what;
  if (!MaxStatesEnv()) {
    EXPECT_TRUE(r.complete) << what;
  }
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
      // The strengthening invariants of k-induction hold on every reachable
      // state of the profiles without the bugs they rule out.
      bool expects_symbolic_violation = false;
      for (const model::ExpectedViolation& e : p->expect)
        expects_symbolic_violation = expects_symbolic_violation || IsBmcProperty(e.property);
      CheckExhaustively(u, p->knobs, p->name, !expects_symbolic_violation);
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
        CheckExhaustively(u, knobs, fmt::format("{} {}={}", base.name, row.name, k->values[v]),
                          true);
      }
    }
  }
}

}  // namespace
}  // namespace mmcheck::solver::smt
