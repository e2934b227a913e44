// SPDX-License-Identifier: GPL-2.0
// What the files of the main model (main_model*.cpp) share and nothing else uses.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
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

// The values one field of the encoding can take, lo..hi, in `bits` bits (bit_width(hi - lo)).
struct FieldRange {
  std::int64_t lo = 0, hi = 0;
  int bits = 0;
};

// The numbers a page-table entry or mirror entry can carry (PFNs, swap slots, marker bits,
// device offsets): disjoint inclusive intervals in increasing order, coded by their rank among
// all of them in `bits` bits.
struct NumberSet {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> intervals;
  int bits = 0;
};

// The bit layout of the main model's encoding (main_model_encoding.cpp): each field's range in
// the universe, and the size of the whole.
struct EncodingLayout {
  std::size_t max_shmem = 0;
  FieldRange vma_count, vma_start, vma_end, vma_shmem, vma_pgoff;
  FieldRange count;         // refcounts, mapcounts, RSS counters, swap counts, shmem users
  FieldRange frame;         // a frame index, or -1
  FieldRange order, index;  // a folio's order, a page cache index
  FieldRange data;          // a page's content: 0..--values
  FieldRange pte_kind, pmd_kind, perm;
  FieldRange shmem_object;  // a shmem object's number, or -1
  FieldRange shmem_count, shmem_pages;
  std::size_t shmem_object_bits = 0;  // one shmem object, padding included
  FieldRange migrating_count;
  FieldRange pgmap_ref;
  std::vector<model::DevPagemap> pgmaps;  // the initial ones: all but `ref` never change
  NumberSet numbers;
  // Each mm's section starts on a byte: mm t takes bytes [t * mm_bytes, (t + 1) * mm_bytes),
  // the rest of the world the bytes after them (MainModelOptions::intern_sections).
  std::size_t mm_bytes = 0;
  std::size_t bits = 0;   // significant bits of an exact encoding
  std::size_t bytes = 0;  // ExactEncodingSize(): bits rounded up to whole bytes
  // With intern_sections, the width of an mm section's number and of the rest's.
  int mm_number_bits = 24, rest_number_bits = 31;
};

// The layout of the encoding of every world of a search that starts at `initial`, holds at
// most `max_shmem` shmem objects and writes data values 0..`values`.
std::shared_ptr<const EncodingLayout> MakeEncodingLayout(const model::World& initial,
                                                         std::size_t max_shmem, int values);

// Whether `y` is `x` with its mms renamed, mm t of `y` being mm source[t] of `x` (mirror
// entries follow), everything else equal. True implies equal encodings (EncodeRenamed of x with
// the inverse of `source` and EncodeExact of y); exact worlds are compared, so a free swap slot's
// stale data can make it false where the encodings agree.
bool SameUnderMmRenaming(const model::World& x, const model::World& y,
                         const std::vector<int>& source);

// Rename(w, swap, block, mm) written into *out (which must not be `w`), reusing its vectors'
// capacity: no allocation once *out has had a world of the same universe.
void RenameInto(const model::World& w, const std::vector<int>& swap, const std::vector<int>& block,
                const std::vector<int>& mm, model::World* out);

// The inverse of permutation `p` of 0..n-1.
std::vector<int> Inverse(const std::vector<int>& p);

// All permutations of 0..n-1 in lexicographic order (the identity first).
std::vector<std::vector<int>> Permutations(int n);

}  // namespace mmcheck::solver::explicit_state::main_model_internal
