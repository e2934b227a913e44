// SPDX-License-Identifier: GPL-2.0
// RankGroup on the MPI C API (Open MPI from Debian; any MPI-3 library will do).
#include <mpi.h>

#include <climits>
#include <cstdlib>
#include <stdexcept>

#include "solver/explicit/rank_group.h"

namespace mmcheck::solver::explicit_state {
namespace {

void Check(int status, const char* what) {
  if (status != MPI_SUCCESS) throw std::runtime_error(std::string("MPI: ") + what + " failed");
}

void FinalizeAtExit() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

int AsCount(std::size_t n, const char* what) {
  if (n > static_cast<std::size_t>(INT_MAX)) {
    throw std::runtime_error(std::string("MPI: ") + what + " larger than 2 GiB in one message");
  }
  return static_cast<int>(n);
}

}  // namespace

RankGroup::RankGroup() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    Check(MPI_Init(nullptr, nullptr), "MPI_Init");
    std::atexit(FinalizeAtExit);
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  MPI_Comm local;
  Check(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local),
        "MPI_Comm_split_type");
  MPI_Comm_size(local, &local_size_);
  MPI_Comm_free(&local);
}

RankGroup& RankGroup::World() {
  static RankGroup world;
  return world;
}

void RankGroup::AllToAll(const std::vector<std::vector<std::uint8_t>>& out,
                         std::vector<std::uint8_t>* in, std::vector<std::size_t>* from) {
  const auto n = static_cast<std::size_t>(size_);
  std::vector<int> send_counts(n), send_offsets(n), receive_counts(n), receive_offsets(n);
  std::vector<std::uint8_t> send;
  for (std::size_t r = 0; r < n; ++r) {
    send_offsets[r] = AsCount(send.size(), "a round's successors");
    send_counts[r] = AsCount(out[r].size(), "a round's successors");
    send.insert(send.end(), out[r].begin(), out[r].end());
    if (static_cast<int>(r) != rank_) bytes_sent_ += out[r].size();
  }
  Check(MPI_Alltoall(send_counts.data(), 1, MPI_INT, receive_counts.data(), 1, MPI_INT,
                     MPI_COMM_WORLD),
        "MPI_Alltoall");
  from->assign(n + 1, 0);
  for (std::size_t r = 0; r < n; ++r) {
    receive_offsets[r] = AsCount((*from)[r], "a round's successors");
    (*from)[r + 1] = (*from)[r] + static_cast<std::size_t>(receive_counts[r]);
  }
  in->resize((*from)[n]);
  Check(MPI_Alltoallv(send.data(), send_counts.data(), send_offsets.data(), MPI_BYTE, in->data(),
                      receive_counts.data(), receive_offsets.data(), MPI_BYTE, MPI_COMM_WORLD),
        "MPI_Alltoallv");
}

std::vector<std::uint64_t> RankGroup::AllGather(const std::vector<std::uint64_t>& mine,
                                                std::vector<std::size_t>* from) {
  const auto n = static_cast<std::size_t>(size_);
  int count = AsCount(mine.size(), "a level's keys");
  std::vector<int> counts(n), offsets(n);
  Check(MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD),
        "MPI_Allgather");
  from->assign(n + 1, 0);
  for (std::size_t r = 0; r < n; ++r) {
    offsets[r] = AsCount((*from)[r], "a level's keys");
    (*from)[r + 1] = (*from)[r] + static_cast<std::size_t>(counts[r]);
  }
  std::vector<std::uint64_t> all((*from)[n]);
  Check(MPI_Allgatherv(mine.data(), count, MPI_UINT64_T, all.data(), counts.data(), offsets.data(),
                       MPI_UINT64_T, MPI_COMM_WORLD),
        "MPI_Allgatherv");
  bytes_sent_ += mine.size() * sizeof(std::uint64_t) * (n - 1);
  return all;
}

namespace {

void Reduce(std::vector<std::uint64_t>* values, MPI_Op op) {
  Check(MPI_Allreduce(MPI_IN_PLACE, values->data(), AsCount(values->size(), "a reduction"),
                      MPI_UINT64_T, op, MPI_COMM_WORLD),
        "MPI_Allreduce");
}

}  // namespace

void RankGroup::Sum(std::vector<std::uint64_t>* values) {
  Reduce(values, MPI_SUM);
}
void RankGroup::Min(std::vector<std::uint64_t>* values) {
  Reduce(values, MPI_MIN);
}
void RankGroup::Max(std::vector<std::uint64_t>* values) {
  Reduce(values, MPI_MAX);
}

}  // namespace mmcheck::solver::explicit_state
