// SPDX-License-Identifier: GPL-2.0
// What the files of the main model (main_model*.cpp) share and nothing else uses.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <mutex>
#include <string>
#include <vector>

#include "model/world.h"
#include "solver/explicit/main_model.h"

namespace mmcheck::solver::explicit_state {

// The symmetry check's record of one search (MainModel::Expanded).
struct MainModel::CheckDuringSearch {
  std::atomic<std::uint64_t> expanded{0};  // states Expanded() was called on
  std::atomic<std::uint64_t> lowest{std::numeric_limits<std::uint64_t>::max()};  // failing
  std::atomic<std::uint64_t> nanoseconds{0};  // thread time spent checking
  std::mutex mutex;                           // guards witness
  std::string witness;                        // CheckSymmetryAt's witness at `lowest`
};

}  // namespace mmcheck::solver::explicit_state

namespace mmcheck::solver::explicit_state::main_model_internal {

// The size of the encoding of every world of a search that starts at `initial` and holds at most
// `max_shmem` shmem objects (main_model_encoding.cpp).
std::size_t EncodedBytes(const model::World& initial, std::size_t max_shmem);

// The inverse of permutation `p` of 0..n-1.
std::vector<int> Inverse(const std::vector<int>& p);

// All permutations of 0..n-1 in lexicographic order (the identity first).
std::vector<std::vector<int>> Permutations(int n);

}  // namespace mmcheck::solver::explicit_state::main_model_internal
