// SPDX-License-Identifier: GPL-2.0
// prove --engine explicit (solver/smt/bmc_explicit.cpp): bounded model checking's question
// answered by breadth-first search over the concrete model in the symbolic model's universe.
// Its answers are compared with the SAT engine's (solver/smt/bmc.cpp) on every BMC property:
// same verdicts, same shortest depths; it finds linux-6.14's three bugs at their shortest
// depths with traces that replay, reports "exhausted" when it sees every reachable state, and
// a search cut by its time bound is unknown, never proved.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "model/operations.h"
#include "model/profile.h"
#include "properties/properties.h"
#include "solver/smt/bmc.h"
#include "solver/smt/symbolic_model.h"
#include "tests/solver/smt/builtin_profile.h"
#include "traces/replay.h"

namespace mmcheck::solver::smt {
namespace {

using model::OpCode;

using testing::Builtin;

// The two engines on every BMC property, profile by profile, with the alphabet cut to the ops of
// linux-6.14's counterexamples plus fork and munmap (to keep the SAT engine's depth 2 fast): the
// same verdict for each property, and a refutation at the same depth.
TEST(BmcExplicitTest, AgreesWithTheSatEngineOnEveryProperty) {
  for (const char* profile : {"linux-6.14", "linux-6.15"}) {
    BmcOptions o;
    o.depth = 2;
    o.ops = {OpCode::kDeviceExclusive, OpCode::kReclaim, OpCode::kMigrate, OpCode::kFork,
             OpCode::kMunmap};
    const std::vector<BmcResult> sat = CheckProperties(Builtin(profile), BmcProperties(), o);
    const std::vector<BmcResult> bfs =
        CheckPropertiesExplicit(Builtin(profile), BmcProperties(), o);
    ASSERT_EQ(sat.size(), BmcProperties().size());
    ASSERT_EQ(bfs.size(), sat.size());
    int refuted = 0;
    for (size_t i = 0; i < sat.size(); ++i) {
      SCOPED_TRACE(std::string(profile) + " " + sat[i].property);
      EXPECT_EQ(bfs[i].property, sat[i].property);
      ASSERT_NE(sat[i].verdict, BmcVerdict::kUnknown) << sat[i].reason;
      EXPECT_EQ(BmcVerdictName(bfs[i].verdict), BmcVerdictName(sat[i].verdict))
          << bfs[i].reason << bfs[i].replay_detail;
      EXPECT_EQ(bfs[i].depth, sat[i].depth);
      if (bfs[i].verdict == BmcVerdict::kRefuted) {
        ++refuted;
        EXPECT_TRUE(bfs[i].replay_confirmed);
      }
    }
    // linux-6.14's bugs are in this alphabet; linux-6.15 fixed them.
    EXPECT_EQ(refuted, std::string(profile) == "linux-6.14" ? 3 : 0) << profile;
  }
}

// linux-6.14 on the whole alphabet: mapcount at depth 1 (one dev_exclusive), reclaim and
// migration at depth 2 (dev_exclusive, then reclaim or migrate of the exclusive folio), the
// depths the SAT engine finds (BmcTest.Linux614ThreeBugsAtTheirShortestDepths); each trace
// parses back and replays with the violation at its last step. The search goes on to depth 4
// for the other properties.
TEST(BmcExplicitTest, Linux614ThreeBugsAtTheirShortestDepths) {
  BmcOptions o;
  o.depth = 4;
  o.jobs = 2;
  const std::vector<std::string> props = {"mapcount-matches-mappings", "reclaim-makes-progress",
                                          "migration-makes-progress", "swap-count-matches"};
  const std::vector<BmcResult> rs = CheckPropertiesExplicit(Builtin("linux-6.14"), props, o);
  ASSERT_EQ(rs.size(), props.size());
  const int want[] = {1, 2, 2};
  const OpCode last[] = {OpCode::kDeviceExclusive, OpCode::kReclaim, OpCode::kMigrate};
  for (size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(props[i]);
    ASSERT_EQ(rs[i].verdict, BmcVerdict::kRefuted) << rs[i].replay_detail << rs[i].reason;
    EXPECT_EQ(rs[i].depth, want[i]);
    EXPECT_TRUE(rs[i].replay_confirmed);
    ASSERT_EQ(rs[i].ops.size(), BmcPrologue(o.universe).size() + static_cast<size_t>(want[i]));
    EXPECT_EQ(rs[i].ops.back().code, last[i]);
    const traces::Trace t = traces::ParseTrace("<bfs>", traces::PrintTrace(rs[i].trace));
    const traces::ReplayResult rr = traces::Replay(t, "<bfs>", Builtin("linux-6.14"));
    EXPECT_EQ(rr.run.first_violation[static_cast<size_t>(properties::PropertyIndex(props[i]))],
              static_cast<int>(rs[i].ops.size()));
  }
  EXPECT_EQ(rs[3].verdict, BmcVerdict::kBounded) << rs[3].reason << rs[3].replay_detail;
  EXPECT_EQ(rs[3].depth, 4);
}

// The results do not depend on the number of threads: the explorer numbers every level as one
// thread would, so the first violation in BFS order is the same state and the same path.
TEST(BmcExplicitTest, ResultsDoNotDependOnJobs) {
  std::vector<std::vector<BmcResult>> runs;
  for (int jobs : {1, 3}) {
    BmcOptions o;
    o.depth = 3;
    o.jobs = jobs;
    runs.push_back(CheckPropertiesExplicit(Builtin("linux-6.14"), BmcProperties(), o));
  }
  for (size_t i = 0; i < runs[0].size(); ++i) {
    SCOPED_TRACE(runs[0][i].property);
    EXPECT_EQ(runs[1][i].verdict, runs[0][i].verdict);
    EXPECT_EQ(runs[1][i].depth, runs[0][i].depth);
    ASSERT_EQ(runs[1][i].ops.size(), runs[0][i].ops.size());
    for (size_t k = 0; k < runs[0][i].ops.size(); ++k)
      EXPECT_EQ(model::FormatOp(runs[1][i].ops[k]), model::FormatOp(runs[0][i].ops[k]));
  }
}

// A bound past the reachable set's depth: the search sees every state and the property holds at
// every depth; the depth reported is the last level, below the bound. With fork and munmap
// alone, linux-6.15's universe is a handful of states (the prologue's mapping, its copy, each
// unmapped).
TEST(BmcExplicitTest, ExhaustsASmallReachableSet) {
  BmcOptions o;
  o.depth = 50;
  o.ops = {OpCode::kFork, OpCode::kMunmap, OpCode::kCpuRead};
  const BmcResult r =
      CheckPropertiesExplicit(Builtin("linux-6.15"), {"mapcount-matches-mappings"}, o).front();
  EXPECT_EQ(r.verdict, BmcVerdict::kExhausted) << r.reason;
  EXPECT_GT(r.depth, 1);
  EXPECT_LT(r.depth, 50);
  // One step short of the last level: bounded, not exhausted.
  o.depth = r.depth - 1;
  const BmcResult bounded =
      CheckPropertiesExplicit(Builtin("linux-6.15"), {"mapcount-matches-mappings"}, o).front();
  EXPECT_EQ(bounded.verdict, BmcVerdict::kBounded) << bounded.reason;
  EXPECT_EQ(bounded.depth, r.depth - 1);
}

// A search its time or memory bound stops is unknown, with the depth it finished, never proved;
// with no time left it does not start.
TEST(BmcExplicitTest, AStoppedSearchIsUnknown) {
  BmcOptions o;
  o.depth = 64;
  o.timeout_ms = 50;
  const BmcResult r =
      CheckPropertiesExplicit(Builtin("linux-6.15"), {"mapcount-matches-mappings"}, o).front();
  EXPECT_EQ(r.verdict, BmcVerdict::kUnknown);
  EXPECT_LT(r.depth, 18);  // the universe's reachable set is 18 levels deep (bench/README.md)
  EXPECT_NE(r.reason.find("time budget"), std::string::npos) << r.reason;
  // A memory limit below what the process already holds stops it before the first level.
  BmcOptions tight = o;
  tight.timeout_ms = 60'000;
  tight.max_memory_bytes = 1;
  const BmcResult full =
      CheckPropertiesExplicit(Builtin("linux-6.15"), {"mapcount-matches-mappings"}, tight).front();
  EXPECT_EQ(full.verdict, BmcVerdict::kUnknown);
  EXPECT_NE(full.reason.find("max memory"), std::string::npos) << full.reason;
  o.deadline = std::chrono::steady_clock::now();
  const BmcResult late =
      CheckPropertiesExplicit(Builtin("linux-6.15"), {"mapcount-matches-mappings"}, o).front();
  EXPECT_EQ(late.verdict, BmcVerdict::kUnknown);
  EXPECT_NE(late.reason.find("--budget"), std::string::npos) << late.reason;
}

}  // namespace
}  // namespace mmcheck::solver::smt
