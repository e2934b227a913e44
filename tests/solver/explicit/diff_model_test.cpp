// SPDX-License-Identifier: GPL-2.0
// mmcheck diff's search (solver/explicit/diff_model.h, traces/divergence.h): the product BFS
// finds a shortest divergence, proves two equal profiles equal in a small universe, honours
// the ignored classes, and the random search's result still diverges and is 1-minimal.
#include "solver/explicit/diff_model.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "model/profile.h"
#include "traces/divergence.h"

namespace mmcheck::solver::explicit_state {
namespace {

const char* kTiny = "mms=1,pages=2,folios=2,swap=1,devices=1,pmd_order=1";

MainModelOptions Options(const std::string& profile, const char* universe = kTiny) {
  MainModelOptions o;
  o.profile = model::ResolveProfile(profile);
  o.trace_profile = profile;
  o.universe = model::ParseUniverse(universe);
  o.values = 1;
  return o;
}

DivergenceSearch Search(const std::string& a, const std::string& b, const std::string& engine,
                        traces::DifferenceMask ignored = 0,
                        const std::vector<std::string>& only_ops = {}) {
  DivergenceSearchOptions o;
  o.engine = engine;
  o.ignored = ignored;
  o.budget_seconds = 20;
  MainModelOptions x = Options(a), y = Options(b);
  x.only_ops = y.only_ops = only_ops;
  return SearchDivergence(x, y, o);
}

// Every op instance of the alphabet, from the initial state.
std::vector<model::Op> Alphabet(const MainModelOptions& o) {
  const MainModel m(o);
  std::vector<model::Op> ops;
  for (int i = 0; i < m.OpCount(); ++i) ops.push_back(m.OpAt(i));
  return ops;
}

TEST(DiffModel, EqualProfilesDoNotDivergeAndTheSearchIsExhaustive) {
  // The device-exclusive story's ops: a thousand states (the whole alphabet takes minutes).
  const DivergenceSearch d = Search("linux-6.14", "linux-6.14", "explore", 0,
                                    {"mmap", "cpu_write", "cpu_read", "dev_exclusive", "reclaim"});
  EXPECT_FALSE(d.divergence);
  EXPECT_TRUE(d.exhaustive);
  EXPECT_EQ(d.bfs.status, ExplorationStatus::kComplete);
  EXPECT_GT(d.bfs.states, 10u);
}

TEST(DiffModel, FindsAShortestDivergenceOf614And615) {
  const DivergenceSearch d = Search("linux-6.14", "linux-6.15", "explore");
  ASSERT_TRUE(d.divergence);
  const MainModelOptions a = Options("linux-6.14"), b = Options("linux-6.15");
  // The path replays: the two profiles diverge at its last step and not before.
  const traces::Divergence first = traces::FirstDivergence(
      a.universe, a.profile.knobs, b.profile.knobs, d.ops, traces::kDiffState);
  EXPECT_EQ(first.step, static_cast<int>(d.ops.size()));
  EXPECT_NE(first.classes, 0u);
  // Shortest: no sequence of one op fewer diverges (checked here for lengths 1 and 2 by brute
  // force over the alphabet, independently of the explorer).
  const std::vector<model::Op> alphabet = Alphabet(a);
  ASSERT_LE(d.ops.size(), 3u);
  if (d.ops.size() >= 2) {
    for (const model::Op& x : alphabet) {
      EXPECT_EQ(traces::FirstDivergence(a.universe, a.profile.knobs, b.profile.knobs, {x},
                                        traces::kDiffState)
                    .step,
                0)
          << traces::PrintOp(x);
    }
  }
  if (d.ops.size() == 3) {
    for (const model::Op& x : alphabet)
      for (const model::Op& y : alphabet)
        EXPECT_EQ(traces::FirstDivergence(a.universe, a.profile.knobs, b.profile.knobs, {x, y},
                                          traces::kDiffState)
                      .step,
                  0);
  }
}

TEST(DiffModel, IgnoredClassesAreNotDivergences) {
  const DivergenceSearch all = Search("linux-6.14", "linux-6.15", "explore");
  ASSERT_TRUE(all.divergence);
  const MainModelOptions a = Options("linux-6.14"), b = Options("linux-6.15");
  const traces::DifferenceMask seen =
      traces::FirstDivergence(a.universe, a.profile.knobs, b.profile.knobs, all.ops,
                              traces::kDiffState)
          .classes;
  // Ignoring what that divergence showed: either another one (in other classes) or none.
  const DivergenceSearch rest = Search("linux-6.14", "linux-6.15", "explore", seen);
  if (rest.divergence) {
    const traces::Divergence d = traces::FirstDivergence(
        a.universe, a.profile.knobs, b.profile.knobs, rest.ops, seen | traces::kDiffState);
    EXPECT_EQ(d.step, static_cast<int>(rest.ops.size()));
    EXPECT_EQ(d.classes & seen, 0u);
    EXPECT_GE(rest.ops.size(), all.ops.size());
  } else {
    EXPECT_TRUE(rest.exhaustive);
  }
}

TEST(DiffModel, RandomSearchShrinksToAOneMinimalDivergence) {
  const DivergenceSearch d = Search("linux-6.14", "linux-6.15", "random");
  ASSERT_TRUE(d.divergence) << d.inconclusive;
  EXPECT_EQ(d.engine, "random");
  const MainModelOptions a = Options("linux-6.14"), b = Options("linux-6.15");
  const traces::FailureTest diverges =
      traces::DivergenceTest(a.universe, a.profile.knobs, b.profile.knobs, traces::kDiffState);
  EXPECT_EQ(diverges(d.ops).outcome, traces::CandidateOutcome::kFails);
  for (size_t i = 0; i < d.ops.size(); ++i) {
    std::vector<model::Op> fewer = d.ops;
    fewer.erase(fewer.begin() + static_cast<std::ptrdiff_t>(i));
    EXPECT_NE(diverges(fewer).outcome, traces::CandidateOutcome::kFails) << "step " << i + 1;
  }
}

TEST(Divergence, ClassesParseAndPrint) {
  EXPECT_EQ(traces::ParseDifferences("event,timing"), traces::kDiffEvent | traces::kDiffTiming);
  EXPECT_EQ(traces::DifferenceNames(traces::kDiffEvent | traces::kDiffReturn), "return,event");
  EXPECT_EQ(traces::ParseDifferences(""), 0u);
  EXPECT_THROW(traces::ParseDifferences("events"), model::ModelInputError);
}

}  // namespace
}  // namespace mmcheck::solver::explicit_state
