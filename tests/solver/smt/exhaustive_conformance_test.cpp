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
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <set>

#include <fmt/format.h>

#include "model/profile.h"
#include "solver/smt/bmc.h"
#include "solver/smt/symbolic_model.h"
#include "tests/solver/smt/builtin_profile.h"
#include "tests/solver/smt/reachable.h"

namespace mmcheck::solver::smt {
namespace {

using testing::Builtin;

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

// Worker threads a search uses: MMCHECK_EXHAUSTIVE_THREADS, default 2.
int Threads() {
  const char* env = std::getenv("MMCHECK_EXHAUSTIVE_THREADS");
  return env ? std::max(1, std::atoi(env)) : 2;
}

using Search = testing::ConformanceSearch;

// Runs every search of `todo` in `u`, most of them by equivalence
// (testing::CheckByClasses: the searches whose symbolic models build the
// same expressions form a class; the first of a class is searched, the
// others follow it, and those that differ somewhere form the next round of
// the class). A follower that agrees is proved exactly as far as its
// leader's search went (the same states in the same order: see
// CheckAllReachable), so it is complete when the leader is. Prints a line
// per leader and per follower, and one per universe.
void CheckExhaustively(const model::Universe& u, const std::vector<Search>& todo) {
  testing::ExhaustiveOptions base;
  base.max_states = MaxStates();
  base.threads = Threads();
  base.z3_every = 100'003;  // a sample through Z3: the evaluator's cross-check
  // MMCHECK_EXHAUSTIVE_LAZY=1: evaluate the tape lazily (benchmarks).
  const char* lazy = std::getenv("MMCHECK_EXHAUSTIVE_LAZY");
  base.lazy_tape = lazy != nullptr && *lazy != '\0';
  std::string what;
  std::chrono::steady_clock::time_point t0;
  std::clock_t c0 = 0;
  testing::ClassHooks hooks;
  hooks.before = [&](const Search& leader, testing::ExhaustiveOptions& o) {
    what = leader.name;
    t0 = std::chrono::steady_clock::now();
    c0 = std::clock();
    o.on_level = [&](const testing::ExhaustiveResult& r) {
      if (std::getenv("MMCHECK_EXHAUSTIVE_VERBOSE"))
        std::printf("  %s level %d: %zu states, %zu transitions, %.1f s\n", what.c_str(), r.levels,
                    r.states, r.transitions,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      std::fflush(stdout);
    };
  };
  hooks.after = [&](const testing::SearchOutcome& lead, const testing::ExhaustiveResult& r) {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    std::printf(
        "%s, %s: %zu states, %zu levels, %zu transitions (%zu leave the subset), "
        "%zu compared (%zu also by Z3), %s, %.1f s (%.1f s CPU, %d threads, peak RSS %ld MB), "
        "%zu followers, tape %zu nodes (%.0f computed a state)\n",
        what.c_str(), u.ToString().c_str(), r.states, static_cast<size_t>(r.levels), r.transitions,
        r.outside, r.compared, r.z3_checked, r.complete ? "COMPLETE" : "INCOMPLETE", s, cpu,
        Threads(), ru.ru_maxrss / 1024, r.followers.size(), r.tape_nodes,
        static_cast<double>(r.nodes_computed) / static_cast<double>(std::max<size_t>(r.states, 1)));
    for (const testing::FollowerResult& fr : r.followers) {
      if (!fr.first_diff.empty())
        std::printf("  %s: not like %s (%s): its own search\n", fr.name.c_str(), what.c_str(),
                    fr.first_diff.c_str());
      else if (!lead.first_diff.empty())
        std::printf("  %s: like %s, which differs from the symbolic model: not proved\n",
                    fr.name.c_str(), what.c_str());
      else
        std::printf("  %s: like %s on all %zu states (%zu steps), %s by equivalence\n",
                    fr.name.c_str(), what.c_str(), r.states, fr.compared,
                    r.complete ? "COMPLETE" : "INCOMPLETE");
    }
    std::fflush(stdout);
  };
  // MMCHECK_EXHAUSTIVE_ONLY=<name>: only the class of the search so named.
  const char* only = std::getenv("MMCHECK_EXHAUSTIVE_ONLY");
  const std::vector<testing::SearchOutcome> out =
      testing::CheckByClasses(u, todo, base, only ? only : "", hooks);
  int classes = 0;
  size_t ran = 0, proved = 0;
  for (const testing::SearchOutcome& s : out) {
    classes = std::max(classes, s.symbolic_class + 1);
    if (!s.ran) continue;
    ++ran;
    proved += s.Proved() ? 1 : 0;
    EXPECT_EQ(s.first_diff, "") << s.name << (s.leader.empty() ? "" : " (like " + s.leader + ")");
    if (!MaxStatesEnv()) {
      EXPECT_TRUE(s.complete) << s.name;
    }
  }
  std::printf("%s: %zu searches in %d classes of the same symbolic model, %zu run, %zu proved\n",
              u.ToString().c_str(), todo.size(), classes, ran, proved);
  std::fflush(stdout);
}

// The built-in profiles the symbolic model encodes in `u`.
std::vector<const model::Profile*> EncodedProfiles(const model::Universe& u) {
  std::vector<const model::Profile*> out;
  for (const model::Profile& p : model::ProfileSet::Builtin().All())
    if (SymbolicKnobsUnsupported(u, p.knobs).empty()) out.push_back(&p);
  return out;
}

// The searches of every built-in profile the symbolic model accepts in `u`.
std::vector<Search> ProfileSearches(const model::Universe& u) {
  const auto profiles = EncodedProfiles(u);
  EXPECT_GE(profiles.size(), 8u);
  std::vector<Search> todo;
  for (const model::Profile* p : profiles) {
    // The strengthening invariants of k-induction hold on every reachable
    // state of the profiles without the bugs they rule out.
    bool expects_symbolic_violation = false;
    for (const model::ExpectedViolation& e : p->expect)
      expects_symbolic_violation = expects_symbolic_violation || IsBmcProperty(e.property);
    todo.push_back({p->name, p->knobs, !expects_symbolic_violation});
  }
  return todo;
}

// Every built-in profile the symbolic model accepts, in both universes.
TEST(SymbolicConformanceExhaustive, EveryEncodedProfile) {
  for (const model::Universe& u : {BmcUniverse(), BmcDeviceUniverse()})
    CheckExhaustively(u, ProfileSearches(u));
}

// The searches of every value of every knob the symbolic model accepts at
// any value (kEncoded, kNotReached), set on linux-6.15 and on niethe-v6 in
// the device universe: the "not reached" claims of SymbolicKnobTable are
// checked, not trusted.
std::vector<Search> KnobSearches(const model::Universe& u) {
  const model::Profile& base = Builtin(u.device_pages ? "niethe-v6" : "linux-6.15");
  std::vector<Search> todo = {{base.name, base.knobs, true}};
  for (const SymbolicKnob& row : SymbolicKnobTable()) {
    if (row.use == SymbolicKnobUse::kOnly) continue;
    const model::KnobInfo* k = model::FindKnob(row.name);
    EXPECT_NE(k, nullptr) << row.name;
    if (k == nullptr) continue;
    for (size_t v = 0; v < k->values.size(); ++v) {
      model::Knobs knobs = base.knobs;
      k->set(knobs, static_cast<int>(v));
      if (static_cast<size_t>(k->get(base.knobs)) == v) continue;  // the base itself
      if (!model::KnobContradiction(knobs).empty()) continue;
      if (!SymbolicKnobsUnsupported(u, knobs).empty()) continue;  // a refused combination
      todo.push_back({fmt::format("{} {}={}", base.name, row.name, k->values[v]), knobs, true});
    }
  }
  return todo;
}

TEST(SymbolicConformanceExhaustive, EveryValueOfEveryAcceptedKnob) {
  for (const model::Universe& u : {BmcUniverse(), BmcDeviceUniverse()})
    CheckExhaustively(u, KnobSearches(u));
}

// A universe smaller than BMC's, whose whole reachable set CI searches (not
// a substitute for the BMC universes: an extra, complete check): one folio
// slot (two order-0 frames), one swap slot; with a device-private page when
// `device`. (One page per mm is no universe here: pages must be a multiple
// of the PMD size, model/universe.cpp, and the symbolic layout needs
// pmd_order >= 1, SymbolicLayout::OutsideSubset.)
model::Universe SmallerUniverse(bool device) {
  model::Universe u = device ? BmcDeviceUniverse() : BmcUniverse();
  u.folios = 1;
  u.swap_slots = 1;
  return u;
}

void CheckEveryProfileAndKnobValue(const model::Universe& u) {
  std::vector<Search> todo = ProfileSearches(u);
  for (Search& s : KnobSearches(u)) {
    s.name = "knob " + s.name;
    todo.push_back(std::move(s));
  }
  CheckExhaustively(u, todo);
}

// CI searches this one completely: about 30,000-42,000 states a search.
TEST(SymbolicConformanceExhaustive, SmallUniverseEveryProfileAndKnobValue) {
  CheckEveryProfileAndKnobValue(SmallerUniverse(false));
}

// With the device page the reachable set is far larger (128,516 states
// within 7 steps of linux-6.14, still growing): a bench run, not CI's.
TEST(SymbolicConformanceExhaustive, SmallDeviceUniverseEveryProfileAndKnobValue) {
  CheckEveryProfileAndKnobValue(SmallerUniverse(true));
}

}  // namespace
}  // namespace mmcheck::solver::smt
