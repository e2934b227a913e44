// SPDX-License-Identifier: GPL-2.0
// The main model's section tables: each distinct section of the encoding (an mm's page tables,
// or the rest of the world) is kept once and named by a number, so that the explorer stores a
// state as a few section numbers instead of its whole encoding (MainModelOptions::
// intern_sections). This is the first level of the tree compression of Blom, van de Pol and
// Weber, "A Database Approach to Distributed State-Space Generation" (2008) and of LTSmin's
// tree database (Laarman, van de Pol, Weber, "Parallel recursive state compression for free",
// SPIN 2011): exact, as every section is compared whole; only the numbering depends on the
// order in which threads meet the sections.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "solver/explicit/record_arena.h"

namespace mmcheck::solver::explicit_state::main_model_internal {

// A set of byte strings of one size, numbered densely per shard. Safe for concurrent use: each
// shard has its own lock and its own open-addressing index.
class SectionTable {
 public:
  // Sections of `bytes` bytes; numbers below 2^`number_bits` (at least kShardBits + 1).
  SectionTable(std::size_t bytes, int number_bits);

  // The number of `section`, added to the table if it is new. Throws ExplorationError when the
  // numbers run out (a shard holds 2^(number_bits - kShardBits) sections).
  std::uint32_t Intern(const std::uint8_t* section);
  // Copies the section numbered `number` (a number Intern returned) to `out`.
  void Copy(std::uint32_t number, std::uint8_t* out) const;

  std::uint64_t size() const;
  // Memory the table holds: its records and its indexes.
  std::uint64_t Bytes() const;

  static constexpr int kShardBits = 6;

 private:
  struct alignas(64) Shard {
    explicit Shard(std::size_t bytes) : records(bytes, 10) {}
    mutable std::mutex mutex;
    std::vector<std::uint32_t> slots;  // per slot: local number + 1, or 0 when empty
    internal::RecordArena records;     // the sections, by local number
  };
  static constexpr std::size_t kShards = std::size_t{1} << kShardBits;

  // Where `section` (hashed to `hash`) is or would go in `shard`'s index.
  std::size_t SlotOf(const Shard& shard, std::uint64_t hash, const std::uint8_t* section) const;
  void Grow(Shard& shard) const;

  // Each thread remembers the sections it met last (Intern's cache): a step changes one or two
  // sections of a state, so most sections of its successors were met a moment ago, and a hit
  // takes no lock. Entries name their table by `id_`, unique per table for the process.
  struct Cached {
    std::uint64_t table = 0;  // 0: empty
    std::uint64_t hash = 0;
    const std::uint8_t* record = nullptr;  // records never move
    std::uint32_t number = 0;
  };
  static constexpr std::size_t kCacheEntries = 4096;

  std::uint64_t id_;
  std::size_t bytes_;
  std::uint64_t max_local_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace mmcheck::solver::explicit_state::main_model_internal
