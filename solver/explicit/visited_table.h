// SPDX-License-Identifier: GPL-2.0
// The explorer's visited set: a flat open-addressing table keyed on the FULL encoding of a state.
//
// A slot is an 8-byte tag word (empty, pending with its key, or the state's index) and the
// state's encoding, in one of three layouts:
//   * packed (16-byte slots): encodings of 8 bytes, or of 16 bytes whose significant bits
//     (the model's optional EncodingBits()) leave the low kTagBits bits of the second word,
//     read big-endian, zero. The first word sits beside the tag; the second word's significant
//     high bits share the tag word. A slot is then exactly a quarter of a cache line, a hit costs
//     one access, and comparing is two integer compares (no memcmp).
//   * inline (8 + stride bytes): other encodings of at most 16 bytes.
//   * indirect (16-byte slots): longer encodings are kept once elsewhere (in the explorer's arena,
//     or in the inserting thread's pending arena until the level is numbered); the slot holds a
//     pointer to them with 16 hash bits.
// The 64-bit xxHash (XXH3) fingerprint only picks the home slot and filters; a probe compares
// full encodings, so counts are exact, never probabilistic. Probing is linear.
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
  // Low bits of the tag word that hold the tag; in the packed layout the rest carry encoding bits.
  static constexpr int kTagBits = 49;

  // A table of encodings of `stride` bytes (a multiple of 8, zero-padded) of which only the
  // first `significant_bits` bits may be nonzero. Allocate() before use.
  VisitedTable(std::size_t stride, std::size_t significant_bits)
      : stride_(stride),
        packed_(stride == 8 || (stride == 16 && significant_bits <= 128 - kTagBits)),
        indirect_(!packed_ && stride > kInlineBytes),
        slot_bytes_(packed_ || indirect_ ? 16 : 8 + stride) {}

  // Whether slots point at encodings kept elsewhere (longer than kInlineBytes).
  bool indirect() const { return indirect_; }
  // Whether slots hold whole encodings in 16 bytes (EncodingAt then rebuilds them).
  bool packed() const { return packed_; }
  std::uint64_t SlotCount() const { return slot_count_; }
  // Table bytes per slot: the tag and the encoding or its pointer.
  double SlotBytes() const { return static_cast<double>(slot_bytes_); }
  std::uint64_t Bytes() const { return table_.size(); }

  std::uint64_t Hash(const std::uint8_t* encoding) const {
    if (packed_) {
      const Key key = KeyOf(encoding);
      return HashKey(key);
    }
    return XXH3_64bits(encoding, stride_);
  }
  bool SameEncoding(const std::uint8_t* a, const std::uint8_t* b) const {
    // Copies of a constant size compile to register loads; a size known only at run time would
    // call the library's memcpy (4-5 % of devexcl-core-XL's profile).
    if (stride_ == 16) {
      std::uint64_t x[2], y[2];
      std::memcpy(x, a, 16);
      std::memcpy(y, b, 16);
      return x[0] == y[0] && x[1] == y[1];
    }
    if (stride_ == 8) {
      std::uint64_t x, y;
      std::memcpy(&x, a, 8);
      std::memcpy(&y, b, 8);
      return x == y;
    }
    return std::memcmp(a, b, stride_) == 0;
  }
  // The first position probed for `hash`: the first slot of a cache line when whole slots fill
  // lines. Probing is linear from there, so a state is found in the line its hash picks unless
  // that line is full: one miss, which the explorer prefetches, instead of a second one whenever
  // a probe starting mid-line runs past the line's end (a third of the lookups at the packed
  // table's load).
  std::uint64_t HomeSlot(std::uint64_t hash) const { return hash & home_mask_; }
  void Prefetch(std::uint64_t pos) const { __builtin_prefetch(SlotAt(pos)); }

  // Replaces the table by an empty one of `slots` slots (a power of two). It grows past
  // `max_load` of them occupied.
  void Allocate(std::uint64_t slots, double max_load = 0.7) {
    table_ = ZeroedBuffer(slots * slot_bytes_);
    slot_count_ = slots;
    slot_mask_ = slots - 1;
    home_mask_ = slot_mask_;
    if (kLineBytes % slot_bytes_ == 0 && slots >= kLineBytes / slot_bytes_) {
      home_mask_ &= ~(kLineBytes / slot_bytes_ - 1);
    }
    max_load_ = max_load;
    grow_at_ = static_cast<std::uint64_t>(static_cast<double>(slots) * max_load);
  }
  double MaxLoad() const { return max_load_; }

  // --- Occupancy. During a level, threads add their insertions in batches (AddUsed). ---

  void SetUsed(std::uint64_t used) { used_.store(used); }
  // Adds `inserted` occupied slots; past the growth threshold, asks for growth.
  void AddUsed(std::uint64_t inserted) {
    const std::uint64_t used = used_.fetch_add(inserted, std::memory_order_relaxed) + inserted;
    if (used > grow_at_) grow_.store(true, std::memory_order_relaxed);
  }
  bool OverGrowthThreshold() const { return used_ > grow_at_; }
  // The slots the table needs to hold `states` without growing (a power of two, at least
  // SlotCount()).
  std::uint64_t SlotsFor(std::uint64_t states) const {
    std::uint64_t slots = slot_count_;
    while (static_cast<double>(states) > static_cast<double>(slots) * max_load_) slots *= 2;
    return slots;
  }
  // Whether a thread asked for growth: the others pause between two states.
  bool GrowthRequested() const { return grow_.load(std::memory_order_relaxed); }
  void ClearGrowthRequest() { grow_ = false; }

  // --- Lookups, not during a search. ---

  // Returns the position holding this encoding, or kAbsent.
  std::uint64_t Probe(std::uint64_t hash, const std::uint8_t* encoding) const {
    const Key key = packed_ ? KeyOf(encoding) : Key{};
    for (std::uint64_t pos = HomeSlot(hash);; pos = (pos + 1) & slot_mask_) {
      const std::uint64_t word = TagAt(pos).load(std::memory_order_relaxed);
      const std::uint64_t tag = word & kTagMask;
      if (tag == kEmpty) return kAbsent;
      if (tag == kDead) continue;
      if (packed_ ? SlotHoldsKey(pos, word, key) : SlotHolds(SlotAt(pos), hash, encoding)) {
        return pos;
      }
    }
  }
  // Returns the index of the numbered state with this encoding, or kNoIndex.
  std::uint32_t Lookup(std::uint64_t hash, const std::uint8_t* encoding) const {
    const std::uint64_t pos = Probe(hash, encoding);
    if (pos == kAbsent) return kNoIndex;
    const std::uint64_t tag = TagAt(pos).load(std::memory_order_relaxed) & kTagMask;
    if (tag < kIndexBase || tag >= kDead) return kNoIndex;  // not numbered
    return static_cast<std::uint32_t>(tag - kIndexBase);
  }
  // The index of the numbered state at `pos`, or kNoIndex.
  std::uint32_t IndexAt(std::uint64_t pos) const {
    const std::uint64_t tag = TagAt(pos).load(std::memory_order_relaxed) & kTagMask;
    if (tag < kIndexBase || tag >= kDead) return kNoIndex;
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
    if (packed_) return VisitPacked(hash, KeyOf(encoding), key, inserted);
    for (std::uint64_t pos = HomeSlot(hash);; pos = (pos + 1) & slot_mask_) {
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
  // Copies the encoding the slot at `pos` holds to `out` (stride bytes).
  void CopyEncodingAt(std::uint64_t pos, std::uint8_t* out) const {
    if (packed_) {
      std::uint64_t words[2];
      std::memcpy(&words[0], SlotAt(pos) + 8, 8);
      words[1] = __builtin_bswap64(TagAt(pos).load(std::memory_order_relaxed) & ~kTagMask);
      std::memcpy(out, words, 8);
      if (stride_ == 16) std::memcpy(out + 8, &words[1], 8);
    } else {
      std::memcpy(out, EncodingInSlot(SlotAt(pos)), stride_);
    }
  }
  // The encoding the slot at `pos` holds (in the slot, or where its pointer says). REQUIRES:
  // !packed().
  const std::uint8_t* EncodingAt(std::uint64_t pos) const { return EncodingInSlot(SlotAt(pos)); }
  // Puts `encoding` (hashed to `hash`) into the EMPTY slot `pos` as the numbered state `index`,
  // pointing at `record` (its copy in the arena) when indirect(). REQUIRES: one thread.
  void Place(std::uint64_t pos, std::uint64_t hash, const std::uint8_t* encoding,
             const std::uint8_t* record, std::uint32_t index) {
    if (packed_) {
      const Key key = KeyOf(encoding);
      std::memcpy(SlotAt(pos) + 8, &key.first, 8);
      TagAt(pos).store(key.second, std::memory_order_relaxed);
    } else if (indirect_) {
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
  void SetIndex(std::uint64_t pos, std::uint64_t index) { SetTag(pos, index + kIndexBase); }
  // Marks the state at `pos` dead: found in a level that was cut short by a limit, it is never
  // numbered and never found.
  void MarkDead(std::uint64_t pos) { SetTag(pos, kDead); }

  // Grows the table to `slots` slots (a power of two, more than SlotCount()) between rounds of a
  // level or between levels. Pending states keep their keys; their new positions are appended to
  // *pending_positions. `moved(index, position)` is called for every numbered state with its new
  // position.
  template <typename Moved>
  void Grow(std::uint64_t slots, std::vector<std::uint64_t>* pending_positions, Moved&& moved) {
    ZeroedBuffer old_table = std::move(table_);
    const std::uint64_t old_count = slot_count_;
    Allocate(slots, max_load_);
    // The old slots are read in order, and each state's new home is prefetched kAhead states
    // before it is placed: the states are placed in the same order as without the lookahead,
    // so at the same positions, with their random writes overlapped.
    constexpr int kAhead = 16;
    struct Moving {
      const std::uint8_t* slot;
      std::uint64_t hash;
    };
    Moving ring[kAhead];
    int first = 0;
    int waiting = 0;
    auto place = [&](const Moving& moving) {
      std::uint64_t word;
      std::memcpy(&word, moving.slot, 8);
      const std::uint64_t tag = word & kTagMask;
      std::uint64_t pos = HomeSlot(moving.hash);
      while (TagAt(pos).load(std::memory_order_relaxed) != kEmpty) pos = (pos + 1) & slot_mask_;
      std::memcpy(SlotAt(pos), moving.slot, slot_bytes_);
      if ((tag & kPendingBit) != 0 && tag != kDead) {
        pending_positions->push_back(pos);
      } else if (tag >= kIndexBase && tag < kDead) {
        moved(static_cast<std::uint32_t>(tag - kIndexBase), pos);
      }
    };
    for (std::uint64_t old = 0; old < old_count; ++old) {
      const std::uint8_t* slot = old_table.data() + old * slot_bytes_;
      std::uint64_t word;
      std::memcpy(&word, slot, 8);
      if ((word & kTagMask) == kEmpty) continue;
      std::uint64_t hash;
      if (packed_) {
        Key key;
        std::memcpy(&key.first, slot + 8, 8);
        key.second = word & ~kTagMask;
        hash = HashKey(key);
      } else {
        hash = Hash(EncodingInSlot(slot));
      }
      Prefetch(HomeSlot(hash));
      if (waiting == kAhead) {
        place(ring[first]);
        ring[first] = Moving{slot, hash};
        first = (first + 1) % kAhead;
      } else {
        ring[(first + waiting++) % kAhead] = Moving{slot, hash};
      }
    }
    for (; waiting > 0; --waiting) {
      place(ring[first]);
      first = (first + 1) % kAhead;
    }
  }

 private:
  // A packed encoding: its first word as stored, and its second word read big-endian (its
  // significant bits on top, the low kTagBits bits zero).
  using Key = std::pair<std::uint64_t, std::uint64_t>;
  // Slot tags (the low kTagBits bits of a slot's first word). Numbered states hold
  // index + kIndexBase; states found in the current level hold kPendingBit | key.
  static constexpr std::uint64_t kTagMask = (std::uint64_t{1} << kTagBits) - 1;
  static constexpr std::uint64_t kEmpty = 0;
  static constexpr std::uint64_t kBusy = 1;  // being claimed: the encoding is being written
  static constexpr std::uint64_t kIndexBase = 2;
  static constexpr std::uint64_t kPendingBit = std::uint64_t{1} << 48;
  static constexpr std::uint64_t kKeyMask = (std::uint64_t{1} << 48) - 1;
  static constexpr std::uint64_t kDead = kPendingBit - 1;
  // Encodings longer than this are kept out of the table: a slot is the tag and a pointer to the
  // encoding with 16 hash bits. Shorter ones sit in the slot, where a hit costs one access.
  static constexpr std::size_t kInlineBytes = 16;
  static constexpr std::size_t kLineBytes = 64;  // a cache line; the table is page-aligned
  static constexpr std::uint64_t kPointerMask = (std::uint64_t{1} << 48) - 1;

  Key KeyOf(const std::uint8_t* encoding) const {
    Key key{0, 0};
    std::memcpy(&key.first, encoding, 8);
    if (stride_ == 16) {
      std::memcpy(&key.second, encoding + 8, 8);
      key.second = __builtin_bswap64(key.second);
      // The model promised these bits are zero (EncodingBits()); a packed slot has no room.
      if ((key.second & kTagMask) != 0) [[unlikely]] {
        throw ExplorationError("explorer: an encoding has bits set past EncodingBits()");
      }
    }
    return key;
  }
  // XXH3's 9-16 byte path written out for two words (the library's entry point dispatches on
  // the length and was not inlined: 5 % of devexcl-core-L's profile): the words folded by one
  // 64x64->128-bit multiply, then XXH3's avalanche. The home slot takes the low bits.
  static std::uint64_t HashKey(const Key& key) {
    const std::uint64_t low = key.first ^ 0x1cad21f72c81017cULL;
    const std::uint64_t high = key.second ^ 0xdb979083e96dd4deULL;
    const unsigned __int128 product = static_cast<unsigned __int128>(low) * high;
    std::uint64_t h =
        16 + __builtin_bswap64(low) + high +
        (static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64));
    h ^= h >> 37;
    h *= 0x165667919E3779F9ULL;
    return h ^ (h >> 32);
  }
  bool SlotHoldsKey(std::uint64_t pos, std::uint64_t word, const Key& key) const {
    if ((word & ~kTagMask) != key.second) return false;
    std::uint64_t first;
    std::memcpy(&first, SlotAt(pos) + 8, 8);
    return first == key.first;
  }
  bool VisitPacked(std::uint64_t hash, const Key& encoding, std::uint64_t key,
                   std::uint64_t* inserted) {
    for (std::uint64_t pos = HomeSlot(hash);; pos = (pos + 1) & slot_mask_) {
      std::atomic_ref<std::uint64_t> tag = TagAt(pos);
      std::uint64_t t = tag.load(std::memory_order_acquire);
      if (t == kEmpty) {  // an empty slot's whole word is 0
        if (tag.compare_exchange_strong(t, encoding.second | kBusy, std::memory_order_acquire)) {
          std::memcpy(SlotAt(pos) + 8, &encoding.first, 8);
          tag.store(encoding.second | kPendingBit | key, std::memory_order_release);
          *inserted = pos;
          return true;
        }
        // Another thread claimed the slot first; t is its word now. It may be this very state.
      }
      // The encoding's high bits are there from the claim on: most other states differ in them.
      if ((t & ~kTagMask) != encoding.second) continue;
      while ((t & kTagMask) == kBusy) {
        std::this_thread::yield();
        t = tag.load(std::memory_order_acquire);
      }
      if (SlotHoldsKey(pos, t, encoding)) {
        // Keep the smallest (parent, op): the edge a one-thread BFS meets first.
        while ((t & kPendingBit) != 0 && key < (t & kKeyMask) &&
               !tag.compare_exchange_weak(t, encoding.second | kPendingBit | key,
                                          std::memory_order_relaxed)) {
        }
        return false;
      }
    }
  }
  void SetTag(std::uint64_t pos, std::uint64_t tag) {
    std::atomic_ref<std::uint64_t> word = TagAt(pos);
    word.store((word.load(std::memory_order_relaxed) & ~kTagMask) | tag, std::memory_order_relaxed);
  }

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
  bool packed_;
  bool indirect_;
  std::size_t slot_bytes_;
  ZeroedBuffer table_;
  std::uint64_t slot_count_ = 0;  // a power of two
  std::uint64_t slot_mask_ = 0;
  std::uint64_t home_mask_ = 0;  // slot_mask_ without the slot-in-line bits (HomeSlot)
  double max_load_ = 0.7;
  // Occupied slots: exact between levels; during a level, insertions are added in batches.
  std::atomic<std::uint64_t> used_{0};
  std::uint64_t grow_at_ = 0;  // used_ above which a level pauses to grow the table
  std::atomic<bool> grow_{false};
};

}  // namespace mmcheck::solver::explicit_state::internal
