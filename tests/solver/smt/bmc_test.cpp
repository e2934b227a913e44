// SPDX-License-Identifier: GPL-2.0
// Bounded model checking and k-induction (solver/smt/bmc.h) on the built-in
// profiles: Z3 finds the linux-6.14 mapcount bug (hildenbrand-v2 16/17) at
// the smallest depth and its trace replays on the concrete model; linux-6.15
// has no violation within the bound; a k-induction verdict on linux-6.15.
// Depths and alphabets are kept small so each test runs in a few seconds
// (bench/prove_bmc.sh measures the deeper runs).
#include "solver/smt/bmc.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "model/operations.h"
#include "model/profile.h"
#include "properties/properties.h"
#include "solver/smt/symbolic_model.h"
#include "tests/solver/smt/builtin_profile.h"
#include "traces/replay.h"

namespace mmcheck::solver::smt {
namespace {

using model::OpCode;

using testing::Builtin;

// linux-6.14: one dev_exclusive after the prologue already breaks
// mapcount-matches-mappings: GUP faults the pages in, and the
// device-exclusive entry drops the mapcount it keeps a reference for.
TEST(BmcTest, Linux614MapcountRefutedAtDepthOneAndReplays) {
  BmcOptions o;
  o.depth = 2;
  BmcResult r = CheckProperty(Builtin("linux-6.14"), "mapcount-matches-mappings", o);
  ASSERT_EQ(r.verdict, BmcVerdict::kRefuted) << r.replay_detail << r.reason;
  EXPECT_EQ(r.depth, 1);
  EXPECT_TRUE(r.replay_confirmed);
  ASSERT_EQ(r.ops.size(), BmcPrologue(o.universe).size() + 1);
  EXPECT_EQ(r.ops.back().code, OpCode::kDeviceExclusive);
  EXPECT_NE(r.replay_detail.find("mapcount"), std::string::npos) << r.replay_detail;
  // The trace text parses back and replays with the same violation at the same step.
  const std::string text = traces::PrintTrace(r.trace);
  traces::Trace t = traces::ParseTrace("<bmc>", text);
  traces::ReplayResult rr = traces::Replay(t, "<bmc>", Builtin("linux-6.14"));
  EXPECT_TRUE(rr.matches);
  EXPECT_EQ(rr.run.first_violation[static_cast<size_t>(
                properties::PropertyIndex("mapcount-matches-mappings"))],
            static_cast<int>(r.ops.size()));
}

// linux-6.14: reclaim of the device-exclusive folio makes no progress (the
// 1 GiB unswappable memory of the hildenbrand-v1 cover letter), found with
// the alphabet cut to dev_exclusive and reclaim to keep the test fast.
TEST(BmcTest, Linux614ReclaimRefutedAndReplays) {
  BmcOptions o;
  o.depth = 2;
  o.ops = {OpCode::kDeviceExclusive, OpCode::kReclaim};
  BmcResult r = CheckProperty(Builtin("linux-6.14"), "reclaim-makes-progress", o);
  ASSERT_EQ(r.verdict, BmcVerdict::kRefuted) << r.replay_detail << r.reason;
  EXPECT_EQ(r.depth, 2);
  EXPECT_TRUE(r.replay_confirmed);
  EXPECT_EQ(r.ops.back().code, OpCode::kReclaim);
}

// linux-6.14's three symbolic bugs, every property and the whole alphabet in
// one incremental unrolling: each is found at its shortest depth (BMC asks
// depth by depth) and each counterexample replays on the concrete model.
// mapcount: one dev_exclusive; reclaim: dev_exclusive, then reclaim of the
// exclusive folio; migration: dev_exclusive, then migrate of it.
TEST(BmcTest, Linux614ThreeBugsAtTheirShortestDepths) {
  BmcOptions o;
  o.depth = 2;
  const std::vector<std::string> props = {"mapcount-matches-mappings", "reclaim-makes-progress",
                                          "migration-makes-progress"};
  std::vector<BmcResult> rs = CheckProperties(Builtin("linux-6.14"), props, o);
  ASSERT_EQ(rs.size(), 3u);
  const int want[] = {1, 2, 2};
  for (size_t i = 0; i < rs.size(); ++i) {
    EXPECT_EQ(rs[i].property, props[i]);
    ASSERT_EQ(rs[i].verdict, BmcVerdict::kRefuted)
        << props[i] << rs[i].replay_detail << rs[i].reason;
    EXPECT_EQ(rs[i].depth, want[i]) << props[i];
    EXPECT_TRUE(rs[i].replay_confirmed) << props[i];
    EXPECT_EQ(rs[i].ops.size(), BmcPrologue(o.universe).size() + static_cast<size_t>(want[i]));
  }
}

// Each depth's query is solved as kBmcCubes cubes (the first step's op),
// up to BmcOptions::jobs at once; the answer is the first cube's in cube
// order that is not unsat, so the verdicts, depths and counterexamples do
// not depend on the number of threads, even when a later cube answers
// first. linux-6.14's three bugs with the alphabet cut to the ops of their
// counterexamples, on one thread and on four (one per cube).
TEST(BmcTest, CounterexamplesDoNotDependOnJobs) {
  const std::vector<std::string> props = {"mapcount-matches-mappings", "reclaim-makes-progress",
                                          "migration-makes-progress"};
  std::vector<std::vector<BmcResult>> runs;
  for (int jobs : {1, 4}) {
    BmcOptions o;
    o.depth = 2;
    o.jobs = jobs;
    o.ops = {OpCode::kDeviceExclusive, OpCode::kReclaim, OpCode::kMigrate};
    runs.push_back(CheckProperties(Builtin("linux-6.14"), props, o));
  }
  for (size_t run = 0; run < runs.size(); ++run) {
    ASSERT_EQ(runs[run].size(), props.size());
    for (size_t i = 0; i < props.size(); ++i) {
      const BmcResult& r = runs[run][i];
      ASSERT_EQ(r.verdict, BmcVerdict::kRefuted) << props[i] << r.replay_detail << r.reason;
      EXPECT_TRUE(r.replay_confirmed) << props[i];
      EXPECT_EQ(r.depth, runs[0][i].depth) << props[i] << " run " << run;
      ASSERT_EQ(r.ops.size(), runs[0][i].ops.size()) << props[i] << " run " << run;
      for (size_t k = 0; k < r.ops.size(); ++k)
        EXPECT_EQ(model::FormatOp(r.ops[k]), model::FormatOp(runs[0][i].ops[k]))
            << props[i] << " run " << run << " step " << k;
    }
  }
}

// linux-6.15 (device-exclusive entries keep the mapcount): no violation
// within one step of any op.
TEST(BmcTest, Linux615NoMapcountViolationWithinBound) {
  BmcOptions o;
  o.depth = 1;
  BmcResult r = CheckProperty(Builtin("linux-6.15"), "mapcount-matches-mappings", o);
  EXPECT_EQ(r.verdict, BmcVerdict::kBounded) << r.reason;
  EXPECT_EQ(r.depth, 1);
  EXPECT_TRUE(r.ops.empty());
}

// k-induction on linux-6.15, alphabet {fork, munmap}: swap-count-matches,
// strengthened only with subset-well-formed, is 1-inductive — fork
// duplicates every swap entry of its VMA with swap_duplicate() into an mm
// that had none, and munmap frees every swap entry it zaps, so the counts
// follow the entries from any state where they already agree. The unsat
// core names the assumptions the proof used. The step case is one query per
// op instance of the alphabet, each reported unsat by name.
TEST(BmcTest, Linux615SwapCountInductiveForForkAndMunmap) {
  BmcOptions o;
  o.depth = 1;
  o.induction = true;
  o.strengthen_with_all_invariants = false;
  o.ops = {OpCode::kFork, OpCode::kMunmap};
  std::vector<std::string> lines;
  o.progress = [&lines](const std::string& line) {
    if (line.rfind("step case, last step ", 0) == 0) lines.push_back(line);
  };
  BmcResult r = CheckProperty(Builtin("linux-6.15"), "swap-count-matches", o);
  ASSERT_EQ(r.verdict, BmcVerdict::kInductive) << r.induction_note << r.reason;
  z3::context ctx;
  const SymbolicModel sm(ctx, o.universe, Builtin("linux-6.15").knobs, o.ops);
  ASSERT_EQ(lines.size(), sm.Alphabet().size());  // 2 forks, 6 munmaps
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i].rfind(
                  "step case, last step " + model::FormatOp(sm.Alphabet()[i]) + ": unsat in ", 0),
              0u)
        << lines[i];
  }
  EXPECT_NE(std::find(r.unsat_core.begin(), r.unsat_core.end(), "assume:swap-count-matches"),
            r.unsat_core.end());
  EXPECT_NE(std::find(r.unsat_core.begin(), r.unsat_core.end(), "negated-goal:swap-count-matches"),
            r.unsat_core.end());
}

// The same with every invariant and the strengthening invariants
// (mirror-tracks-ptes ties each dmirror entry to the PTE it was made from,
// refcount-exact and free-frames-clear rule out unreachable folio states)
// and the simple-path constraint is 1-inductive too; the (unminimized) unsat
// core lists tracked names only: the goal, the transition, the
// "assume:" conjuncts and simple-path.
TEST(BmcTest, Linux615AllInvariantsOneInductiveForForkAndMunmap) {
  BmcOptions o;
  o.depth = 1;
  o.induction = true;
  o.ops = {OpCode::kFork, OpCode::kMunmap};
  o.minimize_core = false;  // minimizing takes tens of seconds here
  BmcResult r = CheckProperty(Builtin("linux-6.15"), "swap-count-matches", o);
  ASSERT_EQ(r.verdict, BmcVerdict::kInductive) << r.induction_note << r.reason;
  for (const char* n : {"negated-goal:swap-count-matches", "assume:swap-count-matches",
                        "assume:mirror-tracks-ptes", "assume:refcount-exact", "simple-path"})
    EXPECT_NE(std::find(r.unsat_core.begin(), r.unsat_core.end(), n), r.unsat_core.end()) << n;
  for (const std::string& n : r.unsat_core)
    EXPECT_TRUE(n.rfind("assume:", 0) == 0 || n.rfind("negated-goal:", 0) == 0 ||
                n.rfind("transition", 0) == 0 || n == "simple-path")
        << n;
}

// Without the strengthening, a step case that fails names the conjunct it
// breaks, the depth and the transition: mapcount with only
// subset-well-formed on {cpu_write, munmap} is not 1-inductive (a state
// whose mapcount already disagrees with another mapping is allowed).
TEST(BmcTest, FailingStepCaseNamesConjunctDepthAndTransition) {
  BmcOptions o;
  o.depth = 1;
  o.induction = true;
  o.strengthen_with_all_invariants = false;
  o.ops = {OpCode::kCpuWrite, OpCode::kMunmap};
  BmcResult r = CheckProperty(Builtin("linux-6.15"), "refcount-covers-mappings", o);
  ASSERT_EQ(r.verdict, BmcVerdict::kUnknown) << r.induction_note << r.reason;
  EXPECT_NE(r.induction_note.find("not 1-inductive: the step case fails at step 1 ("),
            std::string::npos)
      << r.induction_note;
  EXPECT_NE(r.induction_note.find("breaks refcount-covers-mappings"), std::string::npos)
      << r.induction_note;
}

// Bug 17 (docs/kernel-rules.md#bug-17) on the type-losing what-if of niethe
// v6, in the universe with one device-private page: migrate a page to the
// device, start evicting it (dev_release leaves a SWP_MIGRATION_DEVICE_WRITE
// entry), fork: copy_nonpresent_pte downgrades it to a plain migration
// entry holding the device offset. Z3 finds it at depth 3 (the alphabet is
// cut to the three ops to keep the test fast) and the concrete model
// replays it with the same violation at the same step.
TEST(BmcTest, TypeLosingDowngradeRefutedAtDepthThreeAndReplays) {
  BmcOptions o;
  o.universe = BmcDeviceUniverse();
  o.depth = 3;
  o.ops = {OpCode::kDeviceMigrateToDev, OpCode::kDeviceRelease, OpCode::kFork};
  BmcResult r = CheckProperty(Builtin("niethe-v6-type-losing-downgrade"),
                              "device-private-entry-kind-preserved", o);
  ASSERT_EQ(r.verdict, BmcVerdict::kRefuted) << r.replay_detail << r.reason;
  EXPECT_EQ(r.depth, 3);
  EXPECT_TRUE(r.replay_confirmed);
  ASSERT_EQ(r.ops.size(), BmcPrologue(o.universe).size() + 3);
  EXPECT_EQ(r.ops[r.ops.size() - 3].code, OpCode::kDeviceMigrateToDev);
  EXPECT_EQ(r.ops[r.ops.size() - 2].code, OpCode::kDeviceRelease);
  EXPECT_EQ(r.ops.back().code, OpCode::kFork);
  EXPECT_NE(r.replay_detail.find("lost its type"), std::string::npos) << r.replay_detail;
  EXPECT_EQ(r.trace.universe.device_pages, 1);
}

// The same search on niethe-v6 (type-preserving downgrade) finds nothing.
TEST(BmcTest, NietheV6KindPreservedWithinBound) {
  BmcOptions o;
  o.universe = BmcDeviceUniverse();
  o.depth = 3;
  o.ops = {OpCode::kDeviceMigrateToDev, OpCode::kDeviceRelease, OpCode::kFork};
  BmcResult r = CheckProperty(Builtin("niethe-v6"), "device-private-entry-kind-preserved", o);
  EXPECT_EQ(r.verdict, BmcVerdict::kBounded) << r.replay_detail << r.reason;
  EXPECT_EQ(r.depth, 3);
}

// mainline with device-private migration both ways, the CPU fault and the
// eviction: the pgmap references balance within two steps of any of them.
TEST(BmcTest, MainlinePgmapRefsBalanceWithinBound) {
  BmcOptions o;
  o.universe = BmcDeviceUniverse();
  o.depth = 2;
  o.ops = {OpCode::kDeviceMigrateToDev, OpCode::kDeviceMigrateToSys, OpCode::kDeviceRelease,
           OpCode::kUnlockFolio, OpCode::kCpuRead};
  BmcResult r = CheckProperty(Builtin("mainline"), "pgmap-refs-balance", o);
  EXPECT_EQ(r.verdict, BmcVerdict::kBounded) << r.replay_detail << r.reason;
}

// The pfn/offset confusion what-if is not encoded: unknown, with the reason.
TEST(BmcTest, ConfusionWhatIfIsNotEncoded) {
  BmcOptions o;
  o.universe = BmcDeviceUniverse();
  o.depth = 1;
  BmcResult r = CheckProperty(Builtin("niethe-v2-no-pvmw-kind"), "pgmap-refs-balance", o);
  EXPECT_EQ(r.verdict, BmcVerdict::kUnknown);
  EXPECT_NE(r.reason.find("not encoded"), std::string::npos) << r.reason;
}

TEST(BmcTest, RejectsPropertiesWithoutSymbolicForm) {
  BmcOptions o;
  EXPECT_THROW(CheckProperty(Builtin("linux-6.15"), "data-integrity", o), std::invalid_argument);
}

}  // namespace
}  // namespace mmcheck::solver::smt
