// SPDX-License-Identifier: GPL-2.0
// The product of two main models (two profiles on one universe and one alphabet) as an
// ExplorableModel, for `mmcheck diff`: Explorer<DiffModel> finds the shortest operation
// sequence on which the two profiles diverge (traces/divergence.h), or, when the search
// completes without one, shows that they agree on every sequence in the universe.
//
//   * A state is a pair of worlds; its encoding is the two exact encodings side by side (no
//     symmetry: the pair is renamed as one, and the divergence check does not need it).
//   * An op steps both worlds. It is disabled when neither may run it; when only one may, the
//     step diverges (class "enabled") and both worlds stay where they were.
//   * One transition property, "divergence": the step's observable differences
//     (traces::StepDifferences, hard property verdicts included) less the ignored classes.
//     BFS order makes the first counterexample the shortest divergence.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "solver/explicit/main_model.h"
#include "traces/divergence.h"

namespace mmcheck::solver::explicit_state {

class DiffModel {
 public:
  struct State {
    model::World a, b;
    // Not part of the encoding: what the step INTO this state showed differently.
    traces::DifferenceMask divergence = 0;
    bool unchanged = false;
  };

  // `a` and `b` must have the same universe, values and alphabet options (their profiles
  // differ). kDiffState in `ignored` is implied: hidden state is not a divergence.
  DiffModel(MainModelOptions a, MainModelOptions b, traces::DifferenceMask ignored);

  const MainModel& A() const { return a_; }
  const MainModel& B() const { return b_; }

  State InitialState() const;
  int OpCount() const { return a_.OpCount(); }
  std::string OpName(int op) const { return a_.OpName(op); }
  bool Step(const State& state, int op, State* post) const;
  bool Unchanged(const State& post) const { return post.unchanged; }

  std::size_t EncodingSize() const { return 2 * a_.EncodingSize(); }
  void Encode(const State& state, std::uint8_t* out) const;
  State Decode(const std::uint8_t* in) const;

  const std::vector<PropertyInfo>& Properties() const { return properties_; }
  std::uint64_t ViolatedStateProperties(const State&, std::uint64_t) const { return 0; }
  std::uint64_t ViolatedTransitionProperties(const State&, int, const State& post,
                                             std::uint64_t mask) const {
    return post.divergence != 0 ? mask & 1 : 0;
  }
  std::vector<LivenessProperty<State>> LivenessProperties() const { return {}; }
  void StateTuple(const State& state, std::vector<int>* tuple) const;
  std::string DescribeState(const State& state) const;

 private:
  MainModel a_, b_;
  traces::DifferenceMask ignored_;
  std::vector<PropertyInfo> properties_;
};

// How SearchDivergence searches.
struct DivergenceSearchOptions {
  std::string engine = "auto";  // explore, random, or auto (BFS, then random at a limit)
  traces::DifferenceMask ignored = 0;
  double budget_seconds = 20;  // the whole search; auto gives the BFS half
  std::uint64_t max_states = 0;
  std::uint64_t max_memory_bytes = 0;
  int jobs = 1;
  std::uint64_t seed = 1;  // random search
  int steps = 12;          // per random trace
};

// What SearchDivergence found.
struct DivergenceSearch {
  std::string engine;  // the engine that decided: "explore" or "random"
  bool divergence = false;
  bool exhaustive = false;     // the BFS completed without one
  std::string inconclusive;    // why neither engine decided ("" if one did)
  std::vector<model::Op> ops;  // the divergent sequence (shortest when engine is "explore")
  bool bfs_ran = false;
  ExplorationResult bfs;
  bool random_ran = false;
  traces::RandomDivergenceResult random;
  double seconds = 0;
};

// Searches for a divergence of a.profile and b.profile (same universe and alphabet options).
// Throws model::ModelInputError for bad alphabet options.
DivergenceSearch SearchDivergence(const MainModelOptions& a, const MainModelOptions& b,
                                  const DivergenceSearchOptions& options);

// The divergent sequence as a trace on a's profile (its `expect` line says what a shows),
// with header comments naming the search.
traces::Trace DivergenceTrace(const MainModelOptions& a, const MainModelOptions& b,
                              const DivergenceSearch& search, std::uint64_t seed);

}  // namespace mmcheck::solver::explicit_state
