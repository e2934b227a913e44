// SPDX-License-Identifier: GPL-2.0
// Every reachable concrete state of a symbolic universe, by breadth-first
// search over model::Apply from the state after BmcPrologue(), and the
// comparison of one concrete step with the symbolic one. Shared by the
// exhaustive conformance test and the check of k-induction's strengthening
// invariants on reachable states.
//
// The search follows every op instance of SymbolicModel::Alphabet(), with
// cpu_write's value drawn from `write_values` (the subset never branches on
// data: values are only copied, so two values show every copy apart), and
// keeps only successors inside the subset (SymbolicLayout::OutsideSubset;
// the symbolic step marks the others `outside`). States are deduplicated by
// their full model::World, looked up by projection.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/container_hash/hash.hpp>

#include "solver/smt/symbolic_model.h"

namespace mmcheck::solver::smt::testing {

// The value of a numeral Z3 expression (bool: 0/1). Throws if not a numeral.
uint64_t Numeral(const z3::expr& e);

// The op instances the search and the comparison use: the alphabet, with
// cpu_write once per value of `write_values`.
std::vector<model::Op> ConcreteAlphabet(const SymbolicModel& sm,
                                        const std::vector<int>& write_values);

struct ReachableStates {
  std::vector<model::World> states;  // BFS order; states[0] is the prologue's
  std::vector<int> depth;            // steps from states[0]
  size_t transitions = 0;            // enabled (state, op) pairs
  size_t outside = 0;                // of them, steps leaving the subset
  bool complete = true;              // false: stopped at `max_states` or `max_depth`
};

// Breadth-first search. `visit(w, op)` is called for every state and every op
// of ConcreteAlphabet (enabled or not) before the successor is taken; it may
// return false to stop the search.
ReachableStates EnumerateReachable(
    const SymbolicModel& sm, const std::vector<int>& write_values, size_t max_states, int max_depth,
    const std::function<bool(const model::World&, const model::Op&)>& visit);

// Compares the symbolic step of `op` from `w` with model::Apply: enabled,
// outside, every projected field, the progress obligations and every state
// property. Returns "" or the first difference.
std::string CompareStep(const SymbolicModel& sm, const model::World& w, const model::Op& op);

}  // namespace mmcheck::solver::smt::testing
