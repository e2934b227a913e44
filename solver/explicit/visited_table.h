// SPDX-License-Identifier: GPL-2.0
// The explorer's visited set: a flat open-addressing table keyed on the FULL encoding of a state.
//
// Each slot holds an 8-byte tag (empty, pending with its key, or the state's index) and either
// the state's whole encoding (encodings of at most 16 bytes: a hit costs one memory access) or a
// pointer to it with 16 hash bits (longer ones, kept once: in the explorer's arena, or in the
// inserting thread's pending arena until the level is numbered). The 64-bit xxHash (XXH3)
// fingerprint only picks the home slot and filters; a probe compares full encodings, so counts
// are exact, never probabilistic. Probing is linear.
//
// Several threads insert at once (Visit): a compare-and-swap claims an empty slot, nothing is
// locked. A state new in the current BFS level is "pending", and its tag keeps the smallest
// (parent index, op) key of the edges that reached it, lowered with compare-and-swap: that is the
// edge a one-thread BFS meets first. Numbering (SetIndex) and growth (Grow) happen between
// rounds, on one thread.
#pragma once

#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL  // XXH3 on 8-16 bytes is a few instructions; let them inline
#endif
#include <xxhash.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

#include "solver/explicit/exploration_result.h"
#include "solver/explicit/record_arena.h"

namespace mmcheck::solver::explicit_state::internal {

class VisitedTable {
 public:
  static constexpr std::uint64_t kAbsent = ~std::uint64_t{0};  // no such position
  static constexpr std::uint32_t kNoIndex = 0xffffffffu;       // no such state

  // A table of encodings of `stride` bytes (a multiple of 8, zero-padded). Allocate() before use.
  explicit VisitedTable(std::size_t stride)
      : stride_(stride),
        indirect_(stride > kInlineBytes),
        slot_bytes_(indirect_ ? 16 : 8 + stride) {}

  // Whether slots point at encodings kept elsewhere (longer than kInlineBytes).
  bool indirect() const { return indirect_; }
  std::uint64_t SlotCount() const { return slot_count_; }
  // Table bytes per slot: the tag and the encoding or its pointer.
  double SlotBytes() const { return static_cast<double>(slot_bytes_); }
  std::uint64_t Bytes() const { return table_.size(); }

  std::uint64_t Hash(const std::uint8_t* encoding) const { return XXH3_64bits(encoding, stride_); }
  bool SameEncoding(const std::uint8_t* a, const std::uint8_t* b) const {
    if (stride_ == 8) {
      std::uint64_t x, y;
      std::memcpy(&x, a, 8);
      std::memcpy(&y, b, 8);
      return x == y;
    }
    return std::memcmp(a, b, stride_) == 0;
  }
  // The first position probed for `hash`.
  std::uint64_t HomeSlot(std::uint64_t hash) const { return hash & slot_mask_; }
  void Prefetch(std::uint64_t pos) const { __builtin_prefetch(SlotAt(pos)); }

  // Replaces the table by an empty one of `slots` slots (a power of two).
  void Allocate(std::uint64_t slots) {
    table_ = ZeroedBuffer(slots * slot_bytes_);
    slot_count_ = slots;
    slot_mask_ = slots - 1;
    grow_at_ = slots / 10 * 7;
  }

  // --- Occupancy. During a level, threads add their insertions in batches (AddUsed). ---

  void SetUsed(std::uint64_t used) { used_.store(used); }
  // Adds `inserted` occupied slots; past the growth threshold, asks for growth.
  void AddUsed(std::uint64_t inserted) {
    const std::uint64_t used = used_.fetch_add(inserted, std::memory_order_relaxed) + inserted;
    if (used > grow_at_) grow_.store(true, std::memory_order_relaxed);
  }
  bool OverGrowthThreshold() const { return used_ > grow_at_; }
  // Whether a thread asked for growth: the others pause between two states.
  bool GrowthRequested() const { return grow_.load(std::memory_order_relaxed); }
  void ClearGrowthRequest() { grow_ = false; }

  // --- Lookups, not during a search. ---

  // Returns the position holding this encoding, or kAbsent.
  std::uint64_t Probe(std::uint64_t hash, const std::uint8_t* encoding) const {
    for (std::uint64_t pos = hash & slot_mask_;; pos = (pos + 1) & slot_mask_) {
      const std::uint64_t tag = TagAt(pos).load(std::memory_order_relaxed);
      if (tag == kEmpty) return kAbsent;
      if (tag != kDead && SlotHolds(SlotAt(pos), hash, encoding)) return pos;
    }
  }
  // Returns the index of the numbered state with this encoding, or kNoIndex.
  std::uint32_t Lookup(std::uint64_t hash, const std::uint8_t* encoding) const {
    const std::uint64_t pos = Probe(hash, encoding);
    if (pos == kAbsent) return kNoIndex;
    const std::uint64_t tag = TagAt(pos).load(std::memory_order_relaxed);
    if (tag < kIndexBase || tag >= kDead) return kNoIndex;  // not numbered
    return static_cast<std::uint32_t>(tag - kIndexBase);
  }

  // --- The search. ---

  // The search's insertion, safe against other threads doing the same: adds the encoding as a
  // pending state with `key` (its record in `pending` when indirect()), sets *inserted to its
  // position and returns true; or, when it is there already, lowers a pending state's key to
  // `key` if that is smaller and returns false. Dead slots only exist after a search stopped;
  // Visit never runs then.
  bool Visit(std::uint64_t hash, const std::uint8_t* encoding, std::uint64_t key,
             RecordArena* pending, std::uint64_t* inserted) {
    for (std::uint64_t pos = hash & slot_mask_;; pos = (pos + 1) & slot_mask_) {
      std::atomic_ref<std::uint64_t> tag = TagAt(pos);
      std::uint64_t t = tag.load(std::memory_order_acquire);
      if (t == kEmpty) {
        if (tag.compare_exchange_strong(t, kBusy, std::memory_order_acquire)) {
          if (indirect_) {
            std::uint8_t* record = pending->Append();
            std::memcpy(record, encoding, stride_);
            PointSlot(SlotAt(pos), hash, record);
          } else {
            std::memcpy(SlotAt(pos) + 8, encoding, stride_);
          }
          tag.store(kPendingBit | key, std::memory_order_release);
          *inserted = pos;
          return true;
        }
        // Another thread claimed the slot first; t is its tag now. It may be this very state.
      }
      while (t == kBusy) {
        std::this_thread::yield();
        t = tag.load(std::memory_order_acquire);
      }
      if (SlotHolds(SlotAt(pos), hash, encoding)) {
        // Keep the smallest (parent, op): the edge a one-thread BFS meets first.
        while ((t & kPendingBit) != 0 && key < (t & kKeyMask) &&
               !tag.compare_exchange_weak(t, kPendingBit | key, std::memory_order_relaxed)) {
        }
        return false;
      }
    }
  }
  // The (parent << 16 | op) key of the pending state at `pos`.
  std::uint64_t PendingKey(std::uint64_t pos) const {
    return TagAt(pos).load(std::memory_order_relaxed) & kKeyMask;
  }
  // The encoding the slot at `pos` holds (in the slot, or where its pointer says).
  const std::uint8_t* EncodingAt(std::uint64_t pos) const { return EncodingInSlot(SlotAt(pos)); }
  // Puts `encoding` (hashed to `hash`) into the EMPTY slot `pos` as the numbered state `index`,
  // pointing at `record` (its copy in the arena) when indirect(). REQUIRES: one thread.
  void Place(std::uint64_t pos, std::uint64_t hash, const std::uint8_t* encoding,
             const std::uint8_t* record, std::uint32_t index) {
    if (indirect_) {
      PointSlot(SlotAt(pos), hash, record);
    } else {
      std::memcpy(SlotAt(pos) + 8, encoding, stride_);
    }
    SetIndex(pos, index);
  }
  // Points the indirect slot at `pos` at `record`, a copy of its encoding: the pending record is
  // reused next level. REQUIRES: indirect().
  void Repoint(std::uint64_t pos, const std::uint8_t* record) {
    std::uint64_t word;
    std::memcpy(&word, SlotAt(pos) + 8, 8);
    PointSlot(SlotAt(pos), word, record);
  }
  // Numbers the state at `pos`.
  void SetIndex(std::uint64_t pos, std::uint64_t index) {
    TagAt(pos).store(index + kIndexBase, std::memory_order_relaxed);
  }
  // Marks the state at `pos` dead: found in a level that was cut short by a limit, it is never
  // numbered and never found.
  void MarkDead(std::uint64_t pos) { TagAt(pos).store(kDead, std::memory_order_relaxed); }

  // Doubles the table between rounds of a level. Pending states keep their keys; their new
  // positions are appended to *pending_positions.
  void Grow(std::vector<std::uint64_t>* pending_positions) {
    ZeroedBuffer old_table = std::move(table_);
    const std::uint64_t old_count = slot_count_;
    Allocate(old_count * 2);
    for (std::uint64_t old = 0; old < old_count; ++old) {
      const std::uint8_t* slot = old_table.data() + old * slot_bytes_;
      std::uint64_t tag;
      std::memcpy(&tag, slot, 8);
      if (tag == kEmpty) continue;
      std::uint64_t pos = Hash(EncodingInSlot(slot)) & slot_mask_;
      while (TagAt(pos).load(std::memory_order_relaxed) != kEmpty) pos = (pos + 1) & slot_mask_;
      std::memcpy(SlotAt(pos), slot, slot_bytes_);
      if ((tag & kPendingBit) != 0) pending_positions->push_back(pos);
    }
  }

 private:
  // Slot tags (the first 8 bytes of a slot). Numbered states hold index + kIndexBase; states
  // found in the current level hold kPendingBit | key.
  static constexpr std::uint64_t kEmpty = 0;
  static constexpr std::uint64_t kBusy = 1;  // being claimed: the encoding is being written
  static constexpr std::uint64_t kIndexBase = 2;
  static constexpr std::uint64_t kPendingBit = std::uint64_t{1} << 63;
  static constexpr std::uint64_t kKeyMask = (std::uint64_t{1} << 48) - 1;
  static constexpr std::uint64_t kDead = kPendingBit - 1;
  // Encodings longer than this are kept out of the table: a slot is the tag and a pointer to the
  // encoding with 16 hash bits. Shorter ones sit in the slot, where a hit costs one access.
  static constexpr std::size_t kInlineBytes = 16;
  static constexpr std::uint64_t kPointerMask = (std::uint64_t{1} << 48) - 1;

  std::uint8_t* SlotAt(std::uint64_t pos) const { return table_.data() + pos * slot_bytes_; }
  const std::uint8_t* EncodingInSlot(const std::uint8_t* slot) const {
    if (!indirect_) return slot + 8;
    std::uint64_t word;
    std::memcpy(&word, slot + 8, 8);
    return reinterpret_cast<const std::uint8_t*>(word & kPointerMask);
  }
  // Points an indirect slot at `encoding`, keeping the top 16 bits of `hash` beside the pointer
  // so that most probes of other states are told apart without reading their encodings.
  static void PointSlot(std::uint8_t* slot, std::uint64_t hash, const std::uint8_t* encoding) {
    const auto address = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(encoding));
    // User-space addresses fit in 48 bits on x86-64 and arm64 (47 unless a mapping asks for
    // more); a record above that would lose its top bits here.
    if ((address & ~kPointerMask) != 0) [[unlikely]]
      throw ExplorationError("explorer: a record address does not fit in 48 bits");
    const std::uint64_t word = (hash & ~kPointerMask) | address;
    std::memcpy(slot + 8, &word, 8);
  }
  bool SlotHolds(const std::uint8_t* slot, std::uint64_t hash, const std::uint8_t* encoding) const {
    if (indirect_) {
      std::uint64_t word;
      std::memcpy(&word, slot + 8, 8);
      if ((word & ~kPointerMask) != (hash & ~kPointerMask)) return false;
    }
    return SameEncoding(EncodingInSlot(slot), encoding);
  }
  std::atomic_ref<std::uint64_t> TagAt(std::uint64_t pos) const {
    return std::atomic_ref<std::uint64_t>(*reinterpret_cast<std::uint64_t*>(SlotAt(pos)));
  }

  std::size_t stride_;
  bool indirect_;
  std::size_t slot_bytes_;
  ZeroedBuffer table_;
  std::uint64_t slot_count_ = 0;  // a power of two
  std::uint64_t slot_mask_ = 0;
  // Occupied slots: exact between levels; during a level, insertions are added in batches.
  std::atomic<std::uint64_t> used_{0};
  std::uint64_t grow_at_ = 0;  // used_ above which a level pauses to grow the table
  std::atomic<bool> grow_{false};
};

}  // namespace mmcheck::solver::explicit_state::internal
