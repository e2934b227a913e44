// SPDX-License-Identifier: GPL-2.0
// Tests of the generic explorer (solver/explicit/explorer.h) on a toy model whose figures can be
// worked out by hand: a grid of (x, y) points with "inc_x", "inc_y" and "reset" moves.
#include "solver/explicit/explorer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "solver/explicit/graph_output.h"
#include "solver/explicit/liveness.h"
#include "tests/solver/explicit/same_exploration.h"
#include "traces/output_file.h"
#include "util/process_memory.h"

namespace mmcheck::solver::explicit_state {
namespace {

// The N x N grid. From (x, y): inc_x to (x+1, y) if x < N-1, inc_y to (x, y+1) if y < N-1,
// reset to (0, 0) always (a self-loop at the origin). Properties:
//   "sum-below-k"   (state)       x + y < k
//   "no-far-reset"  (transition)  no reset from a state with x >= 3
class GridModel {
 public:
  struct State {
    int x = 0;
    int y = 0;
  };
  enum Op { kIncX, kIncY, kReset };

  // `width`: the encoding's bytes, x and y last after a constant filler. Above the explorer's
  // inline limit (16 bytes) the table keeps encodings out of its slots. `throw_at_x`: Encode
  // throws for that x (a model error surfacing on whichever thread meets it).
  GridModel(int n, int k, std::size_t width = 2, int throw_at_x = -1)
      : n_(n), k_(k), width_(width), throw_at_x_(throw_at_x) {
    properties_ = {
        {"G1", "sum-below-k", PropertyKind::kState, false, "x + y < k"},
        {"G2", "no-far-reset", PropertyKind::kTransition, false, "no reset from x >= 3"},
    };
  }

  State InitialState() const { return State{}; }
  int OpCount() const { return 3; }
  std::string OpName(int op) const {
    return op == kIncX ? "inc_x" : op == kIncY ? "inc_y" : "reset";
  }
  bool Step(const State& s, int op, State* post) const {
    *post = s;
    switch (op) {
      case kIncX:
        if (s.x >= n_ - 1) return false;
        ++post->x;
        return true;
      case kIncY:
        if (s.y >= n_ - 1) return false;
        ++post->y;
        return true;
      default:
        *post = State{};
        return true;
    }
  }
  std::size_t EncodingSize() const { return width_; }
  // Without SetFrontLayout: no promise (every bit may be set).
  std::size_t EncodingBits() const { return claimed_bits_; }
  // 16-byte encodings with x and y in bytes 7 and 8 after a filler and zeros after them (72
  // significant bits); the model claims `bits` of them. `lie`: y is written to byte 15 as well,
  // past the claim.
  void SetFrontLayout(std::size_t bits, bool lie = false) {
    width_ = 16;
    front_ = true;
    lie_ = lie;
    claimed_bits_ = bits;
  }
  void Encode(const State& s, std::uint8_t* out) const {
    if (s.x == throw_at_x_) throw std::runtime_error("grid: encoding x = " + std::to_string(s.x));
    if (front_) {
      std::memset(out, 0, 16);
      std::memset(out, 0xa5, 7);
      out[7] = static_cast<std::uint8_t>(s.x);
      out[8] = static_cast<std::uint8_t>(s.y);
      if (lie_) out[15] = static_cast<std::uint8_t>(s.y);
      return;
    }
    std::memset(out, 0xa5, width_ - 2);
    out[width_ - 2] = static_cast<std::uint8_t>(s.x);
    out[width_ - 1] = static_cast<std::uint8_t>(s.y);
  }
  State Decode(const std::uint8_t* in) const {
    if (front_) return State{in[7], in[8]};
    return State{in[width_ - 2], in[width_ - 1]};
  }
  const std::vector<PropertyInfo>& Properties() const { return properties_; }
  std::uint64_t ViolatedStateProperties(const State& s, std::uint64_t mask) const {
    return (s.x + s.y >= k_ ? 1u : 0u) & mask;
  }
  std::uint64_t ViolatedTransitionProperties(const State& pre, int op, const State& post,
                                             std::uint64_t mask) const {
    return (op == kReset && pre.x >= 3 ? 2u : 0u) & mask;
  }
  std::vector<LivenessProperty<State>> LivenessProperties() const { return {}; }
  void StateTuple(const State& s, std::vector<int>* tuple) const {
    tuple->push_back(s.x);
    tuple->push_back(s.y);
  }
  std::string DescribeState(const State& s) const {
    return "(" + std::to_string(s.x) + "," + std::to_string(s.y) + ")";
  }

  // AG EF (x = N-1) using only the given ops.
  LivenessProperty<State> ReachRightEdge(std::vector<bool> allowed) const {
    const int n = n_;
    return {"reach-right-edge", "x reaches N-1", [n](const State& s) { return s.x == n - 1; },
            std::move(allowed)};
  }

 private:
  int n_;
  int k_;
  std::size_t width_;
  std::size_t claimed_bits_ = 8 * width_;
  bool front_ = false;
  bool lie_ = false;
  int throw_at_x_;
  std::vector<PropertyInfo> properties_;
};

static_assert(ExplorableModel<GridModel>);

ExplorerOptions NoStop() {
  ExplorerOptions options;
  options.stop_at_violation = false;
  return options;
}

TEST(ExplorerTest, CountsMatchTheGridByHand) {
  const int n = 20;
  GridModel model(n, 1000);
  ExplorerOptions options = NoStop();
  options.asserted_properties = 1;  // G1 only; it holds since x + y < 1000
  Explorer<GridModel> explorer(model, options);
  const ExplorationResult result = explorer.Run();
  EXPECT_EQ(result.status, ExplorationStatus::kComplete);
  EXPECT_EQ(result.states, std::uint64_t{n * n});
  // inc_x and inc_y are each enabled in n(n-1) states, reset in all n^2.
  EXPECT_EQ(result.edges, std::uint64_t{2 * n * (n - 1) + n * n});
  EXPECT_EQ(result.self_loops, 1u);  // reset at the origin
  EXPECT_EQ(result.diameter, std::uint32_t{2 * (n - 1)});
  ASSERT_EQ(result.level_sizes.size(), std::size_t{2 * n - 1});
  EXPECT_EQ(result.level_sizes[0], 1u);
  EXPECT_EQ(result.level_sizes[n - 1], std::uint64_t{n});  // the anti-diagonal
  EXPECT_TRUE(result.violations.empty());
}

TEST(ExplorerTest, StatesAreNumberedInBfsDiscoveryOrderWithShortestPaths) {
  GridModel model(5, 1000);
  Explorer<GridModel> explorer(model, NoStop());
  explorer.Run();
  // Level 1: inc_x first, then inc_y.
  EXPECT_EQ(model.DescribeState(explorer.StateAt(1)), "(1,0)");
  EXPECT_EQ(model.DescribeState(explorer.StateAt(2)), "(0,1)");
  const std::optional<std::uint32_t> index = explorer.Find(GridModel::State{2, 3});
  ASSERT_TRUE(index.has_value());
  EXPECT_EQ(explorer.LevelOf(*index), 5u);
  const std::vector<int> path = explorer.PathTo(*index);
  EXPECT_EQ(path.size(), 5u);
  GridModel::State state = model.InitialState();
  for (int op : path) ASSERT_TRUE(model.Step(state, op, &state));
  EXPECT_EQ(state.x, 2);
  EXPECT_EQ(state.y, 3);
  EXPECT_FALSE(explorer.Find(GridModel::State{7, 7}).has_value());
}

TEST(ExplorerTest, ShortestCounterexamplesAreTheFirstBfsHits) {
  GridModel model(10, 5);
  Explorer<GridModel> explorer(model, NoStop());
  const ExplorationResult result = explorer.Run();
  EXPECT_EQ(result.status, ExplorationStatus::kComplete);
  const Counterexample* sum = result.Violation("sum-below-k");
  ASSERT_NE(sum, nullptr);
  // The first state of level 5 is (5,0), reached by inc_x five times.
  EXPECT_EQ(sum->op_names, std::vector<std::string>(5, "inc_x"));
  const Counterexample* reset = result.Violation("G2");
  ASSERT_NE(reset, nullptr);
  EXPECT_EQ(reset->op_names, (std::vector<std::string>{"inc_x", "inc_x", "inc_x", "reset"}));
  EXPECT_EQ(model.DescribeState(explorer.StateAt(reset->last_state)), "(3,0)");
}

TEST(ExplorerTest, StopAtViolationEndsTheSearchEarlyAndUnassertedPropertiesAreIgnored) {
  GridModel model(10, 5);
  ExplorerOptions options;  // stop_at_violation by default
  Explorer<GridModel> stopping(model, options);
  const ExplorationResult stopped = stopping.Run();
  EXPECT_EQ(stopped.status, ExplorationStatus::kStoppedAtViolation);
  EXPECT_LT(stopped.states, 100u);
  // G2 fails at depth 4, before G1 at depth 5: only G2 is reported.
  EXPECT_NE(stopped.Violation("G2"), nullptr);
  EXPECT_EQ(stopped.Violation("G1"), nullptr);

  options.asserted_properties = 1;  // G1 only
  Explorer<GridModel> only_g1(model, options);
  const ExplorationResult result = only_g1.Run();
  EXPECT_EQ(result.status, ExplorationStatus::kStoppedAtViolation);
  EXPECT_EQ(result.Violation("G2"), nullptr);
  ASSERT_NE(result.Violation("G1"), nullptr);
  EXPECT_EQ(result.Violation("G1")->ops.size(), 5u);
}

TEST(ExplorerTest, ResultsDoNotDependOnTheNumberOfJobs) {
  GridModel model(200, 150);  // levels of up to 200 states: several blocks per level
  std::vector<std::string> dumps;
  std::vector<ExplorationResult> results;
  for (int jobs : {1, 2, 3}) {
    ExplorerOptions options = NoStop();
    options.jobs = jobs;
    Explorer<GridModel> explorer(model, options);
    results.push_back(explorer.Run());
    std::string order;
    for (std::uint32_t i = 0; i < explorer.StateCount(); ++i) {
      order += model.DescribeState(explorer.StateAt(i));
    }
    dumps.push_back(order);
  }
  for (std::size_t k = 1; k < results.size(); ++k) {
    ExpectSameExploration(results[k], results[0], std::to_string(results[k].jobs) + " jobs");
    EXPECT_EQ(dumps[k], dumps[0]) << "state numbering differs with " << results[k].jobs << " jobs";
  }
}

// Long encodings live outside the table (a pointer and 16 hash bits per slot): the graph, its
// numbering and the lookups are those of the inline table, for any number of jobs, and a stopped
// search's unnumbered states stay unfindable.
TEST(ExplorerTest, EncodingsOutsideTheTableGiveTheSameGraph) {
  GridModel narrow(200, 150);
  GridModel wide(200, 150, 40);
  ExplorerOptions options = NoStop();
  Explorer<GridModel> reference(narrow, options);
  const ExplorationResult expected = reference.Run();
  std::uint64_t wide_bytes = 0;
  for (int jobs : {1, 2, 3}) {
    options.jobs = jobs;
    Explorer<GridModel> explorer(wide, options);
    const ExplorationResult result = explorer.Run();
    wide_bytes = result.structure_bytes;
    ExpectSameExploration(result, expected, std::to_string(jobs) + " jobs");
    for (std::uint32_t i = 0; i < explorer.StateCount(); i += 97) {
      ASSERT_EQ(wide.DescribeState(explorer.StateAt(i)),
                narrow.DescribeState(reference.StateAt(i)));
      ASSERT_EQ(explorer.Find(explorer.StateAt(i)), std::optional<std::uint32_t>(i));
    }
    EXPECT_FALSE(explorer.Find(GridModel::State{250, 3}).has_value());
  }
  // A slot is a tag and a pointer, not the 40-byte encoding. Inline, 48-byte slots would make
  // the structures 3.2x the narrow model's (8-byte records, 16-byte slots); outside, 2.1x.
  EXPECT_LT(wide_bytes, expected.structure_bytes * 3);
  options.jobs = 2;
  options.max_states = 1000;
  Explorer<GridModel> stopped(wide, options);
  const ExplorationResult partial = stopped.Run();
  EXPECT_EQ(partial.states, 1000u);
  std::uint32_t found = 0, missing = 0;
  for (int x = 0; x < 60; ++x) {
    for (int y = 0; y < 60; ++y) {
      const std::optional<std::uint32_t> i = stopped.Find(GridModel::State{x, y});
      if (!i.has_value()) {
        ++missing;
        continue;
      }
      ++found;
      EXPECT_EQ(wide.DescribeState(stopped.StateAt(*i)), wide.DescribeState({x, y}));
    }
  }
  EXPECT_EQ(found, 1000u);
  EXPECT_GT(missing, 0u);
}

// 16-byte encodings with at most 79 significant bits sit whole in 16-byte slots ("packed"): the
// same graph as 2-byte encodings, found again by Find, with the same encodings handed back.
TEST(ExplorerTest, PackedWideEncodingsGiveTheSameGraph) {
  GridModel narrow(200, 150);
  GridModel wide(200, 150);
  wide.SetFrontLayout(72);
  ExplorerOptions options = NoStop();
  Explorer<GridModel> reference(narrow, options);
  const ExplorationResult expected = reference.Run();
  for (int jobs : {1, 2, 3}) {
    options.jobs = jobs;
    Explorer<GridModel> explorer(wide, options);
    EXPECT_STREQ(explorer.TableLayout(), "packed");
    const ExplorationResult result = explorer.Run();
    ExpectSameExploration(result, expected, std::to_string(jobs) + " jobs");
    std::vector<std::uint8_t> encoding(16);
    for (std::uint32_t i = 0; i < explorer.StateCount(); i += 89) {
      ASSERT_EQ(wide.DescribeState(explorer.StateAt(i)),
                narrow.DescribeState(reference.StateAt(i)));
      ASSERT_EQ(explorer.Find(explorer.StateAt(i)), std::optional<std::uint32_t>(i));
      wide.Encode(explorer.StateAt(i), encoding.data());
      ASSERT_EQ(0, std::memcmp(encoding.data(), explorer.EncodingOf(i), 16)) << i;
    }
    EXPECT_FALSE(explorer.Find(GridModel::State{250, 3}).has_value());
    // 16-byte slots, 4-byte positions and 6-byte parent links; an inline table would take
    // 24-byte slots and 16-byte records.
    EXPECT_LT(result.structure_bytes, expected.structure_bytes * 3 / 2);
  }
  // Without the promise the same encodings take 24-byte inline slots.
  GridModel unpromised(200, 150);
  unpromised.SetFrontLayout(128);
  EXPECT_STREQ(Explorer<GridModel>(unpromised, options).TableLayout(), "inline");
}

// A model whose encodings break its EncodingBits() promise is refused, not explored inexactly.
TEST(ExplorerTest, AnEncodingPastItsPromisedBitsIsAnError) {
  GridModel liar(20, 50);
  liar.SetFrontLayout(72, /*lie=*/true);
  for (int jobs : {1, 2}) {
    ExplorerOptions options = NoStop();
    options.jobs = jobs;
    Explorer<GridModel> explorer(liar, options);
    EXPECT_THROW(explorer.Run(), ExplorationError);
  }
}

// A model that throws on a worker thread: the error reaches Run()'s caller, never terminate().
TEST(ExplorerTest, AnErrorOnAWorkerThreadReachesTheCaller) {
  for (int jobs : {1, 2}) {
    GridModel model(200, 1000, 40, 150);
    ExplorerOptions options = NoStop();
    options.jobs = jobs;
    Explorer<GridModel> explorer(model, options);
    EXPECT_THROW(explorer.Run(), std::runtime_error) << jobs << " jobs";
  }
}

TEST(ExplorerTest, MaxStatesStopsCleanlyWithPartialFigures) {
  GridModel model(50, 1000);
  ExplorerOptions options = NoStop();
  options.max_states = 100;
  Explorer<GridModel> explorer(model, options);
  const ExplorationResult result = explorer.Run();
  EXPECT_EQ(result.status, ExplorationStatus::kLimitReached);
  EXPECT_EQ(result.limit, "max states");
  EXPECT_EQ(result.states, 100u);
  // A partial graph is not the reachable graph: liveness refuses to answer.
  const LivenessResult liveness = CheckLiveness(explorer, model.ReachRightEdge({}));
  EXPECT_EQ(liveness.verdict, LivenessVerdict::kNotChecked);
}

// --max-depth 5 on the 10 x 10 grid with "x + y < 5": levels 0..5 are numbered (the anti-diagonals
// of sums 0..5), level 5 is judged but not expanded, so the state property first violated there
// is found with its shortest path, and no state of level 6 exists. The same search bounded at
// level 4 sees no violation; one bounded past the last level is complete.
TEST(ExplorerTest, MaxDepthJudgesTheLastLevelWithoutExpandingIt) {
  GridModel model(10, 5);
  for (int jobs : {1, 2}) {
    ExplorerOptions options = NoStop();
    options.jobs = jobs;
    options.max_depth = 5;
    // Each level is announced once it is numbered: levels 1..5, with their sizes and totals.
    std::vector<std::uint64_t> announced;
    options.on_level = [&](std::uint32_t level, std::uint64_t level_states, std::uint64_t states,
                           double) {
      EXPECT_EQ(level, announced.size() + 1);
      EXPECT_EQ(states, (level + 1) * (level + 2) / 2);
      announced.push_back(level_states);
    };
    Explorer<GridModel> explorer(model, options);
    const ExplorationResult result = explorer.Run();
    EXPECT_EQ(announced, (std::vector<std::uint64_t>{2, 3, 4, 5, 6}));
    EXPECT_EQ(result.status, ExplorationStatus::kLimitReached);
    EXPECT_EQ(result.limit, "max depth");
    EXPECT_EQ(result.diameter, 5u);
    EXPECT_EQ(result.states, 1u + 2 + 3 + 4 + 5 + 6);
    // Edges out of levels 0..4 only: inc_x, inc_y and reset from each of their 15 states.
    EXPECT_EQ(result.edges, 15u * 3);
    const Counterexample* sum = result.Violation("sum-below-k");
    ASSERT_NE(sum, nullptr);
    EXPECT_EQ(sum->op_names, std::vector<std::string>(5, "inc_x"));
    // The reset from x >= 3 needs a 4th step from (3,0): an edge out of level 3.
    EXPECT_NE(result.Violation("no-far-reset"), nullptr);
  }
  ExplorerOptions options = NoStop();
  options.max_depth = 4;
  const ExplorationResult short_run = Explorer<GridModel>(model, options).Run();
  EXPECT_EQ(short_run.states, 1u + 2 + 3 + 4 + 5);
  EXPECT_EQ(short_run.Violation("sum-below-k"), nullptr);
  options.max_depth = 19;  // the 10 x 10 grid's last level is 18
  const ExplorationResult whole = Explorer<GridModel>(model, options).Run();
  EXPECT_EQ(whole.status, ExplorationStatus::kComplete);
  EXPECT_EQ(whole.states, 100u);
}

TEST(ExplorerTest, MemoryLimitStopsCleanly) {
  GridModel model(50, 1000);
  ExplorerOptions options = NoStop();
  options.max_memory_bytes = 1;
  Explorer<GridModel> explorer(model, options);
  const ExplorationResult result = explorer.Run();
  EXPECT_EQ(result.status, ExplorationStatus::kLimitReached);
  EXPECT_EQ(result.limit, "max memory");
  EXPECT_LT(result.states, 2500u);
}

// The memory limit is on the process, what it held before the search included: a limit a
// little above that stops the search at once (the table alone takes a megabyte), where a limit
// on the explorer's own tables would let this small grid finish.
TEST(ExplorerTest, MemoryLimitCountsWhatTheProcessHeldBefore) {
  GridModel model(50, 1000);
  ExplorerOptions options = NoStop();
  const std::uint64_t before = util::RssBytes();
  ASSERT_GT(before, 0u) << "no /proc/self/statm";
  options.max_memory_bytes = before + (64 << 10);
  Explorer<GridModel> explorer(model, options);
  const ExplorationResult result = explorer.Run();
  EXPECT_EQ(result.status, ExplorationStatus::kLimitReached);
  EXPECT_EQ(result.limit, "max memory");
  EXPECT_LT(result.states, 2500u);
}

// A graph whose BFS levels triple until they fill [0, n): from x, "mul_k" goes to (3x + k) mod n
// for k = 1, 2, 3 and "half" to x / 2 (edges back, into levels of other threads' states). The
// visited table starts at 2^16 slots and grows several times, mid-level or between levels.
class TripleModel {
 public:
  struct State {
    std::uint32_t x = 0;
  };
  explicit TripleModel(std::uint32_t n) : n_(n) {
    properties_ = {{"T1", "not-last", PropertyKind::kState, false, "x != n - 1"}};
  }
  State InitialState() const { return State{}; }
  int OpCount() const { return 4; }
  std::string OpName(int op) const { return op == 3 ? "half" : "mul_" + std::to_string(op + 1); }
  bool Step(const State& s, int op, State* post) const {
    post->x =
        op == 3 ? s.x / 2 : static_cast<std::uint32_t>((std::uint64_t{s.x} * 3 + op + 1) % n_);
    return true;
  }
  std::size_t EncodingSize() const { return 4; }
  void Encode(const State& s, std::uint8_t* out) const { std::memcpy(out, &s.x, 4); }
  State Decode(const std::uint8_t* in) const {
    State s;
    std::memcpy(&s.x, in, 4);
    return s;
  }
  const std::vector<PropertyInfo>& Properties() const { return properties_; }
  std::uint64_t ViolatedStateProperties(const State& s, std::uint64_t mask) const {
    return (s.x == n_ - 1 ? 1u : 0u) & mask;
  }
  std::uint64_t ViolatedTransitionProperties(const State& /*pre*/, int /*op*/,
                                             const State& /*post*/, std::uint64_t /*mask*/) const {
    return 0;
  }
  std::vector<LivenessProperty<State>> LivenessProperties() const { return {}; }
  void StateTuple(const State& s, std::vector<int>* tuple) const {
    tuple->push_back(static_cast<int>(s.x));
  }
  std::string DescribeState(const State& s) const { return std::to_string(s.x); }

 private:
  std::uint32_t n_;
  std::vector<PropertyInfo> properties_;
};

static_assert(ExplorableModel<TripleModel>);

// Growing the table between levels for the predicted next level (grow_ahead) changes its size
// and when it grows, never the graph: the same states in the same order, the same parents and
// counterexamples, found again by Find, for any number of jobs. Without it the table grows in
// the middle of levels (the threads pause with successors in flight and resume); with it, in
// this graph whose levels triple, only between levels.
TEST(ExplorerTest, GrowingTheTableAheadChangesNothingButTheTable) {
  const TripleModel model(600000);
  ExplorerOptions options = NoStop();
  options.grow_ahead = false;
  Explorer<TripleModel> reference(model, options);
  const ExplorationResult expected = reference.Run();
  ASSERT_EQ(expected.states, 600000u);
  EXPECT_EQ(expected.grows_ahead, 0u);
  EXPECT_GE(expected.grows_mid_level, 3u);  // 2^16 slots to 2^20
  ASSERT_EQ(expected.violations.size(), 1u);
  for (bool ahead : {false, true}) {
    for (int jobs : {1, 2, 3}) {
      options.grow_ahead = ahead;
      options.jobs = jobs;
      Explorer<TripleModel> explorer(model, options);
      const ExplorationResult result = explorer.Run();
      const std::string what =
          std::string(ahead ? "ahead, " : "mid-level, ") + std::to_string(jobs) + " jobs";
      ExpectSameExploration(result, expected, what);
      if (ahead) {  // levels 1, 3, 9, ..., 177147, 334280: each growth is predicted
        EXPECT_EQ(result.grows_mid_level, 0u) << what;
        EXPECT_GT(result.grows_ahead, 0u) << what;
        EXPECT_LE(result.grows_ahead, expected.grows_mid_level) << what;
      }
      for (std::uint32_t i = 0; i < explorer.StateCount(); i += 1009) {
        ASSERT_EQ(explorer.StateAt(i).x, reference.StateAt(i).x) << what << ", state " << i;
        ASSERT_EQ(explorer.PathTo(i), reference.PathTo(i)) << what << ", state " << i;
        ASSERT_EQ(explorer.Find(explorer.StateAt(i)), std::optional<std::uint32_t>(i)) << what;
      }
    }
  }
}

// After Reset the arena writes into the chunks it has: the pending arenas of a search are reset
// every level, and allocating new chunks each time kept every level's records resident.
TEST(RecordArenaTest, ResetReusesTheChunks) {
  internal::RecordArena arena(8, 4);  // 16 records a chunk
  std::vector<const std::uint8_t*> first;
  for (int i = 0; i < 40; ++i) first.push_back(arena.Append());
  const std::uint64_t allocated = arena.AllocatedBytes();
  EXPECT_EQ(allocated, 3u * 16 * 8);
  arena.Reset();
  for (int i = 0; i < 40; ++i) EXPECT_EQ(arena.Append(), first[i]) << i;
  EXPECT_EQ(arena.AllocatedBytes(), allocated);
  EXPECT_EQ(arena.At(17), first[17]);
  EXPECT_EQ(arena.TouchedBytes(), 40u * 8);
  arena.Append();
  EXPECT_EQ(arena.TouchedBytes(), 41u * 8);
}

// Numbering sorts each thread's new states by key; the list is in order but for the keys another
// thread lowered, or in table order after a growth. Every such mix sorts as std::sort does.
TEST(ExplorerTest, SortMostlySortedSortsEveryMix) {
  using Entry = std::pair<std::uint64_t, std::uint64_t>;
  std::mt19937_64 random(16);  // fixed seed: the cases are the same on every run
  for (int lowered_percent : {0, 3, 50, 100}) {
    for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{1000}}) {
      std::vector<Entry> entries;
      for (std::size_t k = 0; k < size; ++k) {
        std::uint64_t key = 10 * k + 5;
        if (static_cast<int>(random() % 100) < lowered_percent) key = random() % (10 * size + 1);
        entries.emplace_back(key, k);
      }
      std::vector<Entry> expected = entries;
      std::sort(expected.begin(), expected.end());
      const std::size_t moved = internal::SortMostlySorted(&entries);
      EXPECT_EQ(entries, expected) << lowered_percent << "% of " << size;
      if (lowered_percent == 0) {
        EXPECT_EQ(moved, 0u);
      } else if (lowered_percent == 100 && size == 1000) {
        EXPECT_GT(moved, 500u);
      }
    }
  }
}

TEST(ExplorerTest, TimeBudgetStopsCleanly) {
  GridModel model(50, 1000);
  ExplorerOptions options = NoStop();
  options.time_budget_seconds = 1e-9;
  Explorer<GridModel> explorer(model, options);
  const ExplorationResult result = explorer.Run();
  EXPECT_EQ(result.status, ExplorationStatus::kLimitReached);
  EXPECT_EQ(result.limit, "time budget");
  EXPECT_LT(result.states, 2500u);
}

TEST(ExplorerTest, LivenessHoldsWhenTheGoalIsAlwaysReachable) {
  GridModel model(6, 1000);
  Explorer<GridModel> explorer(model, NoStop());
  explorer.Run();
  // Only inc_x: every state walks right to x = N-1.
  const LivenessResult result = CheckLiveness(explorer, model.ReachRightEdge({true, false, false}));
  EXPECT_EQ(result.verdict, LivenessVerdict::kHolds);
  EXPECT_EQ(result.failing_states, 0u);
}

TEST(ExplorerTest, LivenessFailureWithADeadlockedTerminalState) {
  const int n = 6;
  GridModel model(n, 1000);
  Explorer<GridModel> explorer(model, NoStop());
  explorer.Run();
  // Only inc_y: x never changes. Every state with x < N-1 fails, and (x, N-1) is stuck. The
  // stuck state nearest the origin is (0, N-1).
  const LivenessResult result = CheckLiveness(explorer, model.ReachRightEdge({false, true, false}));
  EXPECT_EQ(result.verdict, LivenessVerdict::kViolated);
  EXPECT_EQ(result.failing_states, std::uint64_t{n * (n - 1)});
  EXPECT_TRUE(result.deadlock);
  EXPECT_TRUE(result.cycle.empty());
  EXPECT_EQ(result.stem, std::vector<std::string>(n - 1, "inc_y"));
  EXPECT_EQ(model.DescribeState(explorer.StateAt(result.lasso_state)), "(0,5)");
}

TEST(ExplorerTest, LivenessFailureWithACycle) {
  GridModel model(6, 1000);
  Explorer<GridModel> explorer(model, NoStop());
  explorer.Run();
  // inc_y and reset: the column x = 0 is a terminal component that never reaches x = N-1. Its
  // first state is the origin, whose shortest cycle is the reset self-loop.
  const LivenessResult result = CheckLiveness(explorer, model.ReachRightEdge({false, true, true}));
  EXPECT_EQ(result.verdict, LivenessVerdict::kViolated);
  EXPECT_FALSE(result.deadlock);
  EXPECT_TRUE(result.stem.empty());
  EXPECT_EQ(result.cycle, std::vector<std::string>{"reset"});
  EXPECT_EQ(result.lasso_state, 0u);
}

TEST(ExplorerTest, DotShowsEveryStateAndEdgeOfASmallGraph) {
  GridModel model(2, 1000);
  Explorer<GridModel> explorer(model, NoStop());
  explorer.Run();
  std::ostringstream dot;
  WriteDot(explorer, dot, 10);
  const std::string text = dot.str();
  EXPECT_NE(text.find("digraph states {"), std::string::npos);
  EXPECT_NE(text.find("s0 [label=\"#0 (level 0)\\n(0,0)\", penwidth=2];"), std::string::npos);
  EXPECT_NE(text.find("s0 -> s1 [label=\"inc_x\"];"), std::string::npos);
  EXPECT_NE(text.find("s0 -> s0 [label=\"reset\"];"), std::string::npos);
  EXPECT_NE(text.find("s3 -> s0 [label=\"reset\"];"), std::string::npos);
  std::ostringstream too_small;
  EXPECT_THROW(WriteDot(explorer, too_small, 3), std::runtime_error);

  std::ostringstream paths;
  WritePathsDot(explorer, paths, {{"cex", {GridModel::kIncX, GridModel::kReset}}});
  EXPECT_NE(paths.str().find("n0 -> n1 [label=\"cex: 1. inc_x\"];"), std::string::npos);
  EXPECT_NE(paths.str().find("n1 -> n0 [label=\"cex: 2. reset\"];"), std::string::npos);
}

TEST(ExplorerTest, DumpIsSortedAsIntegerTuplesAndWrittenAtomically) {
  GridModel model(3, 1000);
  Explorer<GridModel> explorer(model, NoStop());
  explorer.Run();
  const std::string path =
      (std::filesystem::temp_directory_path() / "mmcheck_explorer_dump_test.txt").string();
  traces::WriteFileAtomically(path, [&](std::ostream& out) { WriteStateDump(explorer, out); });
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  EXPECT_EQ(contents.str(), "0,0\n0,1\n0,2\n1,0\n1,1\n1,2\n2,0\n2,1\n2,2\n");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace mmcheck::solver::explicit_state
