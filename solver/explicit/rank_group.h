// SPDX-License-Identifier: GPL-2.0
// The processes of one MPI job, seen by the distributed explorer (distributed_explorer.h): the
// few collective operations a level-synchronous search needs, and the bytes they sent.
//
// Declared here without <mpi.h> so the search itself is plain C++; rank_group_mpi.cpp
// implements it on the MPI C API and is built only when CMake finds MPI (MMCHECK_MPI).
// Every operation is COLLECTIVE: all ranks call it, in the same order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mmcheck::solver::explicit_state {

class RankGroup {
 public:
  // The job this process belongs to (MPI_COMM_WORLD). The first call initialises MPI and
  // arranges MPI_Finalize at exit; a process started without mpirun is a job of one rank.
  static RankGroup& World();

  int rank() const { return rank_; }
  int size() const { return size_; }
  // Ranks of this job on this machine: they share its memory.
  int local_size() const { return local_size_; }

  // Sends out[r] to rank r for every r != rank() (out[rank()] must be empty) and returns what
  // every rank sent to this one, concatenated in rank order; (*from)[r] is where rank r's part
  // begins, (*from)[size()] the end. REQUIRES: out.size() == size(); each part < 2 GiB.
  void AllToAll(const std::vector<std::vector<std::uint8_t>>& out, std::vector<std::uint8_t>* in,
                std::vector<std::size_t>* from);
  // Every rank's `mine`, concatenated in rank order, with offsets as in AllToAll.
  std::vector<std::uint64_t> AllGather(const std::vector<std::uint64_t>& mine,
                                       std::vector<std::size_t>* from);
  // Element-wise reductions over all ranks, in place.
  void Sum(std::vector<std::uint64_t>* values);
  void Min(std::vector<std::uint64_t>* values);
  void Max(std::vector<std::uint64_t>* values);

  // Bytes this rank sent to other ranks through AllToAll and AllGather since the start.
  std::uint64_t bytes_sent() const { return bytes_sent_; }

 private:
  RankGroup();
  int rank_ = 0;
  int size_ = 1;
  int local_size_ = 1;
  std::uint64_t bytes_sent_ = 0;
};

}  // namespace mmcheck::solver::explicit_state
