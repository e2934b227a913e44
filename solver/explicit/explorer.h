// SPDX-License-Identifier: GPL-2.0
// Exhaustive breadth-first search of a bounded state machine (DESIGN.md §2.3).
//
// Explorer<Model> is a template over a model (the ExplorableModel concept, model_concept.h):
// the model gives an initial state, a fixed alphabet of operation instances, a deterministic
// successor for each enabled instance, a canonical compact byte encoding of a state, and named
// safety properties. The search enumerates every reachable state exactly once and reports
// (exploration_result.h):
//
//   * states, edges (one per enabled operation instance per state, self-loops included),
//     self-loops, the BFS diameter (the deepest BFS level);
//   * for every violated safety property, the shortest counterexample: the first violation in
//     BFS order, as the list of operations from the initial state.
//
// After the search the explored graph can be queried (Find, PathTo, Successors); liveness.h
// checks AG EF properties on it and graph_output.h draws it as DOT or dumps its states.
//
// Exactness: states are kept in the visited table (visited_table.h), keyed on the full
// encoding, so counts are exact. The arena keeps the encodings in state-index order, with the
// parent links (record_arena.h).
//
// Parallelism: BFS is level-synchronous. With --jobs N the frontier is cut into blocks that N
// threads expand at once, each inserting successors straight into the shared table as pending
// states that keep the smallest (parent index, op) of the edges that reached them. At the end of
// the level one thread sorts the pending states by that key and numbers them in that order,
// exactly as a one-thread BFS would. The numbering of states, the parent links, the counts and
// the counterexamples are therefore IDENTICAL for every N.
//
// Limits: max states, max memory and a time budget stop the search cleanly with partial figures
// and ExplorationStatus::kLimitReached. The memory limit is on the process: what was resident
// when the search started, the explorer's arrays and table, and the lists of new states each
// thread keeps during a level and the buffers that sort them, each counted before it grows;
// checked every kFlushEvery insertions of a thread, so the peak stays within a few percent.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "solver/explicit/exploration_result.h"
#include "solver/explicit/model_concept.h"
#include "solver/explicit/record_arena.h"
#include "solver/explicit/visited_table.h"
#include "util/process_memory.h"
#include "util/threads.h"

namespace mmcheck::solver::explicit_state {

namespace internal {

// Sorts `entries`, which are mostly in order already: a thread inserts its states in the order
// of their (parent, op) keys, and only a key another thread lowered later is out of place. The
// entries in order stay where they are, the others are sorted apart and merged back: linear
// time when few are out of place. Returns how many were.
template <typename Entry>
std::size_t SortMostlySorted(std::vector<Entry>* entries) {
  std::vector<Entry> out_of_place;
  std::size_t kept = 0;
  for (std::size_t k = 0; k < entries->size(); ++k) {
    if (kept == 0 || !((*entries)[k] < (*entries)[kept - 1])) {
      (*entries)[kept++] = (*entries)[k];
    } else {
      out_of_place.push_back((*entries)[k]);
    }
  }
  if (out_of_place.empty()) return 0;
  std::sort(out_of_place.begin(), out_of_place.end());
  // Merge from the back, into the room the out-of-place entries left (no second buffer).
  std::size_t write = entries->size();
  std::size_t in_order = kept;
  for (std::size_t rest = out_of_place.size(); rest > 0;) {
    if (in_order > 0 && out_of_place[rest - 1] < (*entries)[in_order - 1]) {
      (*entries)[--write] = (*entries)[--in_order];
    } else {
      (*entries)[--write] = out_of_place[--rest];
    }
  }
  return out_of_place.size();
}

}  // namespace internal

template <ExplorableModel Model>
class Explorer {
 public:
  using State = typename Model::State;
  static constexpr std::uint32_t kNoParent = 0xffffffffu;

  // REQUIRES: `model` outlives the explorer; OpCount() <= 65535; at most 64 properties.
  Explorer(const Model& model, ExplorerOptions options)
      : model_(model),
        options_(std::move(options)),
        encoding_bytes_(model.EncodingSize()),
        stride_((model.EncodingSize() + 7) / 8 * 8),
        op_count_(model.OpCount()),
        table_(stride_, SignificantBits(model, stride_)),
        encodings_(PositionsOnly() ? sizeof(std::uint32_t) : stride_),
        parents_(sizeof(std::uint32_t)),
        parent_ops_(sizeof(std::uint16_t)) {
    if (encoding_bytes_ == 0) throw ExplorationError("explorer: EncodingSize() must be > 0");
    if (op_count_ <= 0 || op_count_ > 65535) {
      throw ExplorationError("explorer: OpCount() must be in 1..65535");
    }
    if (model.Properties().size() > 64) throw ExplorationError("explorer: at most 64 properties");
    if (options_.jobs < 1) options_.jobs = 1;
    if (options_.liveness_marks) {
      watched_ = model.LivenessProperties();
      if (watched_.size() > kMaxWatched) watched_.resize(kMaxWatched);
      watched_allowed_.assign(op_count_, 0);
      for (std::size_t k = 0; k < watched_.size(); ++k) {
        const std::vector<bool>& allowed = watched_[k].allowed_ops;
        for (int op = 0; op < op_count_; ++op) {
          if (allowed.empty() || (static_cast<std::size_t>(op) < allowed.size() && allowed[op])) {
            watched_allowed_[op] |= static_cast<std::uint8_t>(1u << k);
          }
        }
      }
    }
    for (std::size_t i = 0; i < model.Properties().size(); ++i) {
      std::uint64_t bit = std::uint64_t{1} << i;
      if (model.Properties()[i].kind == PropertyKind::kState) {
        state_properties_ |= bit;
      } else {
        transition_properties_ |= bit;
      }
    }
  }

  // Explores every state reachable from the initial state (or until a stop condition) and
  // returns the figures. REQUIRES: called once.
  ExplorationResult Run();

  // --- Queries on the explored graph (after Run()). ---

  std::uint64_t StateCount() const { return encodings_.size(); }
  // The encoding of a state (EncodingStride() bytes), valid while the returned object lives
  // (it converts to const std::uint8_t*, e.g. for the length of a call's argument list).
  internal::EncodingRef EncodingOf(std::uint32_t index) const {
    if (!PositionsOnly()) return internal::EncodingRef(encodings_.At(index));
    return internal::EncodingRef(internal::EncodingRef::kBuilt, [&](std::uint8_t* out) {
      table_.CopyEncodingAt(PositionOf(index), out);
    });
  }
  State StateAt(std::uint32_t index) const { return model_.Decode(EncodingOf(index)); }
  // Starts fetching a state's encoding (a packed table keeps it at a random place).
  void PrefetchState(std::uint32_t index) const {
    if (PositionsOnly()) table_.Prefetch(PositionOf(index));
  }
  // The BFS level of a state.
  std::uint32_t LevelOf(std::uint32_t index) const;
  // Returns the index of `state`, or nullopt if it was not reached.
  std::optional<std::uint32_t> Find(const State& state) const;
  // Returns the ops on the BFS-tree path from the initial state to `index` (a shortest path).
  std::vector<int> PathTo(std::uint32_t index) const;
  // Returns (op, successor index) for every enabled op of a state, in op order. Successors the
  // search has not reached (after a stop) are left out.
  std::vector<std::pair<int, std::uint32_t>> Successors(std::uint32_t index) const;
  std::vector<std::string> OpNames(const std::vector<int>& ops) const;
  // The visited table's layout: packed 16-byte slots (encodings live only in the table), inline,
  // or indirect (visited_table.h).
  const char* TableLayout() const {
    return table_.packed() ? "packed" : table_.indirect() ? "indirect" : "inline";
  }

  const Model& model() const { return model_; }
  // The bit of `property` in GoalMarks(), or -1 when the search did not mark its goal: it marks
  // the model's first eight liveness properties with ExplorerOptions::liveness_marks, and knows
  // them by name and allowed ops.
  int GoalMarkBit(const LivenessProperty<State>& property) const {
    for (std::size_t k = 0; k < watched_.size(); ++k) {
      if (watched_[k].name == property.name && watched_[k].allowed_ops == property.allowed_ops) {
        return static_cast<int>(k);
      }
    }
    return -1;
  }
  // Bit k: state `index` satisfies the goal of the k-th marked liveness property, or one of its
  // allowed ops leads to a state that does. REQUIRES: Complete(), GoalMarkBit() >= 0 for k.
  std::uint8_t GoalMarks(std::uint32_t index) const { return *marks_.At(index); }
  // Whether Run() explored every reachable state (liveness needs the whole graph).
  bool Complete() const { return complete_; }
  // Encodings as the search keeps them: EncodingStride() bytes, zero-padded to whole words.
  std::size_t EncodingStride() const { return stride_; }
  std::vector<std::uint8_t> EncodePadded(const State& state) const {
    std::vector<std::uint8_t> encoding(stride_, 0);
    model_.Encode(state, encoding.data());
    return encoding;
  }
  std::uint64_t HashEncoding(const std::uint8_t* encoding) const { return table_.Hash(encoding); }
  // Batched lookups (liveness): start fetching the table slot where the lookup of an encoding
  // hashed to `hash` begins, then find it with FindEncoding.
  void PrefetchHome(std::uint64_t hash) const { table_.Prefetch(table_.HomeSlot(hash)); }
  // The index of the state with this encoding (EncodingStride() bytes, zero-padded) hashed to
  // `hash` by HashEncoding, or nullopt if it was not reached.
  std::optional<std::uint32_t> FindEncoding(std::uint64_t hash,
                                            const std::uint8_t* encoding) const {
    const std::uint32_t index = table_.Lookup(hash, encoding);
    if (index == internal::VisitedTable::kNoIndex) return std::nullopt;
    return index;
  }
  bool SameEncoding(const std::uint8_t* a, const std::uint8_t* b) const {
    return table_.SameEncoding(a, b);
  }

 private:
  struct Hit {
    int property;
    std::uint32_t state;
    int op;  // -1 for a state property
  };
  // One block of the frontier and what expanding it produced. A block is expanded by one thread
  // at a time; when the table must grow mid-level, the thread stops between two states and the
  // block is resumed from `next` after the growth.
  struct Block {
    std::uint32_t next = 0;  // the first state not expanded yet
    std::uint32_t end = 0;
    std::uint64_t edges = 0;
    std::uint64_t self_loops = 0;
    std::uint64_t hit_mask = 0;
    std::vector<Hit> hits;
  };
  static constexpr std::size_t kMaxWatched = 8;  // liveness goals marked (a byte a state)
  // Batches of successors in ExpandBlock's pipeline: being hashed, being prefetched, going into
  // the table.
  static constexpr int kStages = 3;
  // Per-thread buffers, reused across blocks and rounds.
  struct Scratch {
    std::vector<State> successors;
    std::vector<std::uint8_t> encodings;   // zero padding beyond encoding_bytes_ stays zero
    alignas(8) std::uint8_t own[16] = {};  // the expanded state's encoding, from a packed table
    std::vector<std::uint64_t> hashes;
    std::vector<int> ops;              // the enabled ops of the state being expanded
    std::vector<int> visit_ops;        // per batch: the op of each successor waiting for the table
    std::vector<std::uint64_t> fresh;  // table positions this thread inserted in this level
    std::uint64_t unflushed = 0;       // insertions not yet added to inserted_
    internal::RecordArena* pending = nullptr;  // this thread's pending_ arena
    std::uint64_t counted_bytes = 0;  // its part of transient_bytes_: `fresh` and `pending`
  };

  // The model's EncodingBits() when it declares it, else the whole stride.
  static std::size_t SignificantBits(const Model& model, std::size_t stride) {
    if constexpr (requires {
                    { model.EncodingBits() } -> std::convertible_to<std::size_t>;
                  }) {
      return std::min<std::size_t>(model.EncodingBits(), stride * 8);
    } else {
      return stride * 8;
    }
  }
  // Whether encodings_ holds table positions rather than encodings: with a packed table of
  // 16-byte encodings (the arena would take 16 bytes a state, a position takes 4). Packed 8-byte
  // encodings stay in the arena too, where expanding a level reads them in order.
  bool PositionsOnly() const { return table_.packed() && stride_ > 8; }
  // Where the packed table holds state `index` (REQUIRES: PositionsOnly()).
  std::uint64_t PositionOf(std::uint32_t index) const {
    std::uint32_t pos;
    std::memcpy(&pos, encodings_.At(index), sizeof(pos));
    return pos;
  }
  // Grows the packed table at this load (the slots are small and probed in one cache line
  // mostly); other layouts at 0.7.
  static constexpr double kPackedMaxLoad = 0.875;
  // A thread adds its insertions to the table's occupancy in batches of this many.
  static constexpr std::uint64_t kFlushEvery = 64;

  // Inserts a successor into the table (VisitedTable::Visit) and records a new one in the
  // thread's list of the level's new states.
  void Visit(std::uint64_t hash, const std::uint8_t* encoding, std::uint64_t key, Scratch* scratch);
  // Adds the thread's uncounted insertions to the table's occupancy (which asks for growth past
  // its threshold) and checks the memory limit.
  void FlushInsertions(Scratch* scratch);
  // Appends `encoding` (hashed to `hash`) to the arena as a new state, puts it in the empty
  // slot `pos` and numbers the slot. REQUIRES: one thread.
  std::uint32_t Number(std::uint64_t pos, std::uint64_t hash, const std::uint8_t* encoding,
                       std::uint32_t parent, std::uint16_t op);
  // Grows the table to `slots` slots (twice its size when 0) between rounds of a level, or
  // between levels. Pending states keep their keys; their new positions are put into
  // scratches[0].fresh.
  void GrowTable(std::vector<Scratch>* scratches, std::uint64_t slots = 0);
  // Between two levels, when the levels still grow: grows the table now to hold the next level,
  // predicted as the last one times the last growth ratio, rather than when it fills up in the
  // middle of the next level. One rehash to the size the level needs instead of several, and
  // none while the level's new states and their lists are held: the old and the new table are
  // both there while the table grows, and that is the search's peak of memory.
  void GrowAhead(std::vector<Scratch>* scratches);
  std::uint64_t StructureBytes() const {
    std::uint64_t pending = 0;
    for (const internal::RecordArena& arena : pending_) pending += arena.AllocatedBytes();
    return encodings_.AllocatedBytes() + parents_.AllocatedBytes() + parent_ops_.AllocatedBytes() +
           marks_.AllocatedBytes() + table_.Bytes() + pending + level_start_.capacity() * 4;
  }
  // Expands the block's states; with `judge_only`, only judges their state properties (the
  // last level of a search bounded by ExplorerOptions::max_depth).
  void ExpandBlock(Block* block, std::uint64_t check_mask, Scratch* scratch, bool judge_only);
  // The GoalMarks() byte of `state`, whose first `enabled` successors are in the scratch.
  std::uint8_t MarkGoals(const State& state, const Scratch& scratch, int enabled) const;
  // Numbers the level's pending states in key order (the order a one-thread BFS finds them).
  // Returns a Limit; states over a limit are dropped from the table.
  int NumberNewStates(std::vector<Scratch>* scratches);
  // Memory that lasts from level to level: the arenas' records, the table and the level index.
  std::uint64_t LastingBytes() const {
    return encodings_.TouchedBytes() + parents_.TouchedBytes() + parent_ops_.TouchedBytes() +
           marks_.TouchedBytes() + table_.Bytes() + level_start_.capacity() * 4;
  }
  // Brings the thread's part of transient_bytes_ up to date; returns whether it changed.
  // REQUIRES: the scratch's own thread, or one thread.
  bool CountTransient(Scratch* scratch) {
    // A list's capacity: while it grows, the old and the new copy are both there.
    const std::uint64_t now = scratch->fresh.capacity() * sizeof(std::uint64_t) +
                              (scratch->pending != nullptr ? scratch->pending->TouchedBytes() : 0);
    if (now == scratch->counted_bytes) return false;
    transient_bytes_.fetch_add(now - scratch->counted_bytes, std::memory_order_relaxed);
    scratch->counted_bytes = now;
    return true;
  }
  // Whether the process stays within the memory limit with `extra` more bytes allocated. Safe
  // during a level's expansion: the arenas and the table change only between rounds.
  bool RoomFor(std::uint64_t extra) const {
    return options_.max_memory_bytes == 0 ||
           baseline_bytes_ + LastingBytes() + transient_bytes_.load(std::memory_order_relaxed) +
                   extra <=
               options_.max_memory_bytes;
  }
  // Whether the memory limit allows doubling the table: the new table beside the old one, and
  // the list of the level's new states that the rehash makes (`pending` of them).
  bool RoomToGrowTable(std::uint64_t pending) const {
    return RoomFor(static_cast<std::uint64_t>(table_.SlotCount() * 2 * table_.SlotBytes()) +
                   pending * sizeof(std::uint64_t));
  }
  // Whether the memory limit allows one more state, with `sort_bytes` held by NumberNewStates.
  bool RoomForNewState(std::uint64_t sort_bytes) const {
    return RoomFor(sort_bytes + (PositionsOnly() ? sizeof(std::uint32_t) : stride_) +
                   sizeof(std::uint32_t) + sizeof(std::uint16_t) + (watched_.empty() ? 0 : 1));
  }
  // Records the first limit hit and stops the search. Safe from any thread.
  void SetLimit(int limit) {
    int expected = kNoLimit;
    limit_hit_.compare_exchange_strong(expected, limit);
    stop_.store(true);
  }
  bool OverTime() const;
  enum Limit { kNoLimit, kStateLimit, kMemoryLimit, kTimeLimit, kDepthLimit };
  static const char* LimitName(int limit) {
    switch (limit) {
      case kStateLimit:
        return "max states";
      case kMemoryLimit:
        return "max memory";
      case kTimeLimit:
        return "time budget";
      case kDepthLimit:
        return "max depth";
      default:
        return "";
    }
  }

  const Model& model_;
  ExplorerOptions options_;
  std::size_t encoding_bytes_;
  std::size_t stride_;  // encoding_bytes_ rounded up to whole 8-byte words; records are padded
  int op_count_;
  std::uint64_t state_properties_ = 0;
  std::uint64_t transition_properties_ = 0;

  internal::VisitedTable table_;
  // Per state in index order: its encoding, or with a packed table its position there (the
  // encoding lives in the table only).
  internal::RecordArena encodings_;
  // Per state: its BFS parent's index and the op instance that led from it (ParentLink, in two
  // arrays: 6 bytes a state).
  internal::RecordArena parents_;
  internal::RecordArena parent_ops_;
  // With ExplorerOptions::liveness_marks: the liveness properties whose goals the search marks,
  // per op the bits of those that allow it, and per state its GoalMarks() byte.
  std::vector<LivenessProperty<State>> watched_;
  std::vector<std::uint8_t> watched_allowed_;
  internal::RecordArena marks_{1};
  // Per thread (when the table is indirect): the encodings of the states it inserted in the
  // current level, until NumberNewStates copies them to encodings_. Reset each level, chunks kept.
  std::vector<internal::RecordArena> pending_;
  std::vector<std::uint32_t> level_start_;  // first state index of each BFS level

  std::chrono::steady_clock::time_point start_;
  std::atomic<bool> stop_{false};
  std::atomic<int> limit_hit_{kNoLimit};
  // Memory limit accounting (RoomFor): the process's resident memory when Run() started, and
  // the threads' lists of new states and pending arenas as they last counted them.
  std::uint64_t baseline_bytes_ = 0;
  std::atomic<std::uint64_t> transient_bytes_{0};
  bool complete_ = false;      // Run() explored every reachable state
  double phase1_seconds_ = 0;  // expanding frontiers
  double phase2_seconds_ = 0;  // numbering new states
  double grow_seconds_ = 0;    // growing the table
  std::uint32_t grows_mid_level_ = 0;
  std::uint32_t grows_ahead_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Explorer implementation.

template <ExplorableModel Model>
void Explorer<Model>::Visit(std::uint64_t hash, const std::uint8_t* encoding, std::uint64_t key,
                            Scratch* scratch) {
  std::uint64_t pos;
  if (table_.Visit(hash, encoding, key, scratch->pending, &pos)) {
    scratch->fresh.push_back(pos);
    if (++scratch->unflushed == kFlushEvery) FlushInsertions(scratch);
  }
}

template <ExplorableModel Model>
void Explorer<Model>::FlushInsertions(Scratch* scratch) {
  if (scratch->unflushed == 0) return;
  table_.AddUsed(scratch->unflushed);
  scratch->unflushed = 0;
  // The thread's list of new states or pending arena grew: still within the memory limit?
  if (CountTransient(scratch) && !RoomFor(0)) SetLimit(kMemoryLimit);
}

template <ExplorableModel Model>
std::uint32_t Explorer<Model>::Number(std::uint64_t pos, std::uint64_t hash,
                                      const std::uint8_t* encoding, std::uint32_t parent,
                                      std::uint16_t op) {
  const std::uint32_t index = static_cast<std::uint32_t>(encodings_.size());
  std::uint8_t* record = encodings_.Append();
  if (PositionsOnly()) {
    const auto position = static_cast<std::uint32_t>(pos);
    std::memcpy(record, &position, sizeof(position));
  } else {
    std::memcpy(record, encoding, stride_);
  }
  std::memcpy(parents_.Append(), &parent, sizeof(parent));
  std::memcpy(parent_ops_.Append(), &op, sizeof(op));
  if (!watched_.empty()) *marks_.Append() = 0;
  table_.Place(pos, hash, encoding, record, index);
  return index;
}

template <ExplorableModel Model>
void Explorer<Model>::GrowAhead(std::vector<Scratch>* scratches) {
  const std::size_t levels = level_start_.size();
  if (levels < 2) return;
  const std::uint64_t last = encodings_.size() - level_start_[levels - 1];
  const std::uint64_t previous = level_start_[levels - 1] - level_start_[levels - 2];
  if (last <= previous || previous == 0) return;  // not growing: the table grows when it fills
  // The ratio is capped: a table too big for the next level costs memory, never states.
  const double ratio = std::min(4.0, static_cast<double>(last) / static_cast<double>(previous));
  const auto next = static_cast<std::uint64_t>(static_cast<double>(last) * ratio);
  const std::uint64_t slots = table_.SlotsFor(encodings_.size() + next);
  if (slots == table_.SlotCount()) return;
  if (!RoomFor(static_cast<std::uint64_t>(static_cast<double>(slots) * table_.SlotBytes()))) {
    return;  // the level grows the table when it must, if the memory limit lets it
  }
  GrowTable(scratches, slots);
  ++grows_ahead_;
}

template <ExplorableModel Model>
void Explorer<Model>::GrowTable(std::vector<Scratch>* scratches, std::uint64_t slots) {
  std::uint64_t pending = 0;
  for (Scratch& scratch : *scratches) {
    pending += scratch.fresh.size();
    std::vector<std::uint64_t>().swap(scratch.fresh);  // freed: RoomToGrowTable counted one list
  }
  std::vector<std::uint64_t>& fresh = (*scratches)[0].fresh;
  fresh.reserve(pending);
  const auto grow_start = std::chrono::steady_clock::now();
  if (slots == 0) slots = table_.SlotCount() * 2;
  if (PositionsOnly() && slots > (std::uint64_t{1} << 32)) {
    throw ExplorationError("explorer: a packed table past 2^32 slots");
  }
  table_.Grow(slots, &fresh, [this](std::uint32_t index, std::uint64_t pos) {
    if (!PositionsOnly()) return;
    const auto position = static_cast<std::uint32_t>(pos);
    std::memcpy(encodings_.MutableAt(index), &position, sizeof(position));
  });
  grow_seconds_ +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - grow_start).count();
}

template <ExplorableModel Model>
bool Explorer<Model>::OverTime() const {
  if (options_.time_budget_seconds <= 0) return false;
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
  return elapsed.count() > options_.time_budget_seconds;
}

template <ExplorableModel Model>
void Explorer<Model>::ExpandBlock(Block* block, std::uint64_t check_mask, Scratch* scratch,
                                  bool judge_only) {
  const std::uint64_t state_mask = check_mask & state_properties_;
  const std::uint64_t transition_mask = check_mask & transition_properties_;
  const std::size_t e = stride_;
  if (scratch->successors.empty()) {
    scratch->successors.resize(op_count_);
    // kStages batches of successors in flight: see below.
    scratch->encodings.assign(kStages * e * op_count_, 0);
    scratch->hashes.resize(kStages * op_count_);
    scratch->ops.resize(op_count_);
    scratch->visit_ops.resize(kStages * op_count_);
  }
  // A pipeline over the block's states, so that a table slot's cache line has a whole state's
  // work to arrive in, and the misses are spread over the work instead of issued in a burst
  // (a burst of prefetches fills the core's line-fill buffers, and the next prefetch stalls):
  //   * the successors of state i are computed, encoded and hashed into batch i % kStages;
  //   * while state i + 1's successors are computed, one home slot of batch i is prefetched
  //     after each Step;
  //   * at the end of state i + 2, batch i goes into the table.
  // At a pause at most two batches wait: they are put into the table first.
  int count[kStages] = {};  // successors waiting in each batch
  std::uint64_t key[kStages] = {};
  auto visit_batch = [&](int b) {
    const std::size_t base = static_cast<std::size_t>(b) * op_count_;
    for (int k = 0; k < count[b]; ++k) {
      Visit(scratch->hashes[base + k], scratch->encodings.data() + e * (base + k),
            key[b] | static_cast<std::uint64_t>(scratch->visit_ops[base + k]), scratch);
    }
    count[b] = 0;
  };
  auto prefetch_batch = [&](int b, int from) {
    const std::size_t base = static_cast<std::size_t>(b) * op_count_;
    for (int k = from; k < count[b]; ++k)
      table_.Prefetch(table_.HomeSlot(scratch->hashes[base + k]));
  };
  const std::uint32_t first = block->next;
  // The batches of states i - 2 and i - 1 (at i = first, none waits).
  auto drain = [&](std::uint32_t i) {
    const int older = static_cast<int>((i + 1) % kStages);  // i - 2
    const int newer = static_cast<int>((i + 2) % kStages);  // i - 1
    prefetch_batch(newer, 0);
    visit_batch(older);
    visit_batch(newer);
  };
  for (std::uint32_t i = first; i < block->end; ++i) {
    if (table_.GrowthRequested()) {
      drain(i);
      block->next = i;  // resumed here once the table has grown
      return;
    }
    if (((i - first) & 255) == 255 && (stop_.load(std::memory_order_relaxed) || OverTime())) {
      drain(i);
      stop_.store(true);
      block->next = i;
      return;
    }
    const int mine = static_cast<int>(i % kStages);
    const int previous = static_cast<int>((i + kStages - 1) % kStages);  // state i - 1's batch
    const std::uint8_t* own;
    if (PositionsOnly()) {
      // The next states' slots are on their way while this one is expanded.
      if (i + 2 < block->end) table_.Prefetch(PositionOf(i + 2));
      table_.CopyEncodingAt(PositionOf(i), scratch->own);
      own = scratch->own;
    } else {
      own = encodings_.At(i);
    }
    const State state = model_.Decode(own);
    if (state_mask != 0) {
      std::uint64_t failed = model_.ViolatedStateProperties(state, state_mask) & ~block->hit_mask;
      block->hit_mask |= failed;
      for (; failed != 0; failed &= failed - 1) {
        block->hits.push_back(Hit{__builtin_ctzll(failed), i, -1});
      }
    }
    if (judge_only) continue;  // no batch of this state waits: nothing to drain
    // Pass 1: every enabled op's successor. Pass 2 reads them back only after all were written:
    // packing reads whole words, and a word read right after byte writes to it would stall.
    // Between Steps, home slots of the previous state's batch are prefetched.
    int enabled = 0;
    {
      const std::uint64_t* previous_hashes =
          scratch->hashes.data() + static_cast<std::size_t>(previous) * op_count_;
      const int to_fetch = count[previous];
      int fetched = 0;
      for (int op = 0; op < op_count_; ++op) {
        if (model_.Step(state, op, &scratch->successors[enabled])) scratch->ops[enabled++] = op;
        // Every other Step: a disabled op's Step is short, and prefetches issued faster than
        // the lines arrive fill the line-fill buffers (about 12 here), past which they are lost.
        if ((op & 1) != 0 && fetched < to_fetch) {
          table_.Prefetch(table_.HomeSlot(previous_hashes[fetched++]));
        }
      }
      prefetch_batch(previous, fetched);
    }
    block->edges += enabled;
    if (!watched_.empty()) *marks_.MutableAt(i) = MarkGoals(state, *scratch, enabled);
    // A model may look at every expanded state with its successors (the main model checks its
    // symmetry reduction there, instead of expanding every state again after the search).
    if constexpr (requires {
                    model_.Expanded(i, state, scratch->successors.data(), scratch->ops.data(),
                                    enabled);
                  }) {
      model_.Expanded(i, state, scratch->successors.data(), scratch->ops.data(), enabled);
    }
    int n = 0;
    const std::size_t base = static_cast<std::size_t>(mine) * op_count_;
    for (int k = 0; k < enabled; ++k) {
      const State& post = scratch->successors[k];
      const int op = scratch->ops[k];
      if (transition_mask != 0) {
        std::uint64_t failed =
            model_.ViolatedTransitionProperties(state, op, post, transition_mask) &
            ~block->hit_mask;
        block->hit_mask |= failed;
        for (; failed != 0; failed &= failed - 1) {
          block->hits.push_back(Hit{__builtin_ctzll(failed), i, op});
        }
      }
      if constexpr (requires {
                      { model_.Unchanged(post) } -> std::same_as<bool>;
                    }) {
        if (model_.Unchanged(post)) {
          ++block->self_loops;
          continue;
        }
      }
      std::uint8_t* encoding = scratch->encodings.data() + e * (base + n);
      model_.Encode(post, encoding);
      if (table_.SameEncoding(encoding, own)) {
        ++block->self_loops;
        continue;
      }
      scratch->hashes[base + n] = table_.Hash(encoding);
      scratch->visit_ops[base + n] = op;
      ++n;
    }
    count[mine] = n;
    key[mine] = std::uint64_t{i} << 16;
    // State i - 2's batch, prefetched while state i - 1 was expanded.
    visit_batch(static_cast<int>((i + 1) % kStages));
  }
  drain(block->end);
  block->next = block->end;
}

template <ExplorableModel Model>
std::uint8_t Explorer<Model>::MarkGoals(const State& state, const Scratch& scratch,
                                        int enabled) const {
  const auto all = static_cast<std::uint8_t>((1u << watched_.size()) - 1);
  std::uint8_t bits = 0;
  for (std::size_t k = 0; k < watched_.size(); ++k) {
    if (watched_[k].goal(state)) bits |= static_cast<std::uint8_t>(1u << k);
  }
  for (int s = 0; s < enabled && bits != all; ++s) {
    const std::uint8_t open = watched_allowed_[scratch.ops[s]] & ~bits;
    for (std::uint8_t rest = open; rest != 0; rest &= rest - 1) {
      const int k = __builtin_ctz(rest);
      if (watched_[k].goal(scratch.successors[s])) bits |= static_cast<std::uint8_t>(1u << k);
    }
  }
  return bits;
}

template <ExplorableModel Model>
int Explorer<Model>::NumberNewStates(std::vector<Scratch>* scratches) {
  using Entry = std::pair<std::uint64_t, std::uint64_t>;  // (key, table position)
  constexpr std::size_t kLookahead = 16;                  // slots whose lines are fetched ahead
  const int lists = static_cast<int>(scratches->size());
  std::uint64_t total = 0;
  for (const Scratch& scratch : *scratches) total += scratch.fresh.size();
  // The sort buffers: an Entry per new state, twice while two lists are merged.
  if (!RoomFor(total * sizeof(Entry) * (lists > 1 ? 2 : 1))) {
    for (Scratch& scratch : *scratches) {
      for (std::uint64_t pos : scratch.fresh) table_.MarkDead(pos);
      std::vector<std::uint64_t>().swap(scratch.fresh);
      CountTransient(&scratch);
    }
    return kMemoryLimit;
  }
  const int threads = total < 4096 ? 1 : options_.jobs;
  // Each thread reads the keys of the states one worker inserted and sorts them.
  std::vector<std::vector<Entry>> sorted(lists);
  util::RunOnThreads(std::min(threads, lists), [&](int first) {
    for (int t = first; t < lists; t += std::min(threads, lists)) {
      std::vector<std::uint64_t>& fresh = (*scratches)[t].fresh;
      std::vector<Entry>& out = sorted[t];
      out.reserve(fresh.size());
      for (std::size_t k = 0; k < fresh.size(); ++k) {
        if (k + kLookahead < fresh.size()) table_.Prefetch(fresh[k + kLookahead]);
        out.emplace_back(table_.PendingKey(fresh[k]), fresh[k]);
      }
      std::vector<std::uint64_t>().swap(fresh);  // freed, not kept for the next level
      internal::SortMostlySorted(&out);
    }
  });
  for (Scratch& scratch : *scratches) CountTransient(&scratch);
  // Keys are distinct (one (parent, op) edge leads to one state): merge into one order.
  std::vector<Entry> order = std::move(sorted[0]);
  for (int t = 1; t < lists; ++t) {
    if (sorted[t].empty()) continue;
    std::vector<Entry> merged(order.size() + sorted[t].size());
    std::merge(order.begin(), order.end(), sorted[t].begin(), sorted[t].end(), merged.begin());
    order = std::move(merged);
    sorted[t] = std::vector<Entry>();
  }
  // The first `count` get the next indices; records for them are appended here and filled in
  // by all threads.
  int limit = kNoLimit;
  const std::uint64_t base = encodings_.size();
  std::uint64_t count = order.size();
  if (options_.max_states != 0 && base + count > options_.max_states) {
    count = options_.max_states > base ? options_.max_states - base : 0;
    limit = kStateLimit;
  }
  for (std::uint64_t k = 0; k < count; ++k) {
    if (!RoomForNewState(order.capacity() * sizeof(Entry))) {
      count = k;
      limit = kMemoryLimit;
      break;
    }
    encodings_.Append();
    parents_.Append();
    parent_ops_.Append();
    if (!watched_.empty()) marks_.Append();
  }
  util::RunOnThreads(threads, [&](int t) {
    const std::uint64_t begin = count * t / threads;
    const std::uint64_t end = count * (t + 1) / threads;
    for (std::uint64_t k = begin; k < end; ++k) {
      if (k + kLookahead < end) table_.Prefetch(order[k + kLookahead].second);
      const std::uint64_t pos = order[k].second;
      const std::uint64_t key = order[k].first;
      std::uint8_t* record = encodings_.MutableAt(base + k);
      if (PositionsOnly()) {
        const auto position = static_cast<std::uint32_t>(pos);
        std::memcpy(record, &position, sizeof(position));
      } else {
        std::memcpy(record, table_.EncodingAt(pos), stride_);
        // The pending record is reused next level: point at the arena's copy.
        if (table_.indirect()) table_.Repoint(pos, record);
      }
      const auto parent = static_cast<std::uint32_t>(key >> 16);
      const auto op = static_cast<std::uint16_t>(key & 0xffff);
      std::memcpy(parents_.MutableAt(base + k), &parent, sizeof(parent));
      std::memcpy(parent_ops_.MutableAt(base + k), &op, sizeof(op));
      table_.SetIndex(pos, base + k);
    }
  });
  // The rest get no index: the search ends here, and lookups must not find them.
  for (std::uint64_t k = count; k < order.size(); ++k) {
    table_.MarkDead(order[k].second);
  }
  return limit;
}

template <ExplorableModel Model>
ExplorationResult Explorer<Model>::Run() {
  start_ = std::chrono::steady_clock::now();
  baseline_bytes_ = util::RssBytes();
  ExplorationResult result;
  result.jobs = options_.jobs;
  const std::vector<PropertyInfo>& properties = model_.Properties();
  std::vector<std::optional<Hit>> first_hit(properties.size());

  // Room for the insertions the threads have not counted yet when the table is at grow_at_:
  // each thread may be up to kFlushEvery + (kStages - 1) * op_count_ insertions (the successors of
  // two states wait in ExpandBlock's pipeline) ahead of the table's count.
  std::uint64_t slots = std::uint64_t{1} << 16;
  while (slots / 8 < static_cast<std::uint64_t>(options_.jobs) *
                         (kFlushEvery + (kStages - 1) * static_cast<std::uint64_t>(op_count_))) {
    slots *= 2;
  }
  table_.Allocate(slots, table_.packed() ? kPackedMaxLoad : 0.7);
  {
    const std::vector<std::uint8_t> initial = EncodePadded(model_.InitialState());
    const std::uint64_t hash = table_.Hash(initial.data());
    Number(table_.HomeSlot(hash), hash, initial.data(), kNoParent, 0);
    table_.SetUsed(1);
  }
  level_start_.push_back(0);

  std::uint64_t asserted = options_.asserted_properties;
  if (properties.size() < 64) asserted &= (std::uint64_t{1} << properties.size()) - 1;
  std::uint64_t found_mask = 0;
  bool stopped_at_violation = false;
  std::uint32_t level_begin = 0;
  std::vector<Scratch> scratches(options_.jobs);
  for (int t = 0; t < options_.jobs; ++t) {
    pending_.emplace_back(stride_);
  }
  for (int t = 0; t < options_.jobs; ++t) scratches[t].pending = &pending_[t];

  for (;;) {
    const std::uint32_t level_end = static_cast<std::uint32_t>(encodings_.size());
    if (level_begin == level_end) break;
    if (!RoomFor(0)) {
      SetLimit(kMemoryLimit);
      break;
    }
    const std::uint64_t check_mask = asserted & ~found_mask;
    // The level at max_depth is judged, not expanded.
    const bool judge_only = options_.max_depth > 0 &&
                            level_start_.size() - 1 >= static_cast<std::size_t>(options_.max_depth);

    const auto phase1_start = std::chrono::steady_clock::now();
    // Phase 1: expand the frontier in blocks, several threads at once, each putting the
    // successors straight into the shared table as pending states. When the table fills up the
    // threads pause between two states, it grows, and they go on (a new round).
    const std::uint32_t frontier = level_end - level_begin;
    const std::uint32_t block_size = std::max<std::uint32_t>(
        64, frontier / (static_cast<std::uint32_t>(options_.jobs) * 32) + 1);
    const std::uint32_t block_count = (frontier + block_size - 1) / block_size;
    std::vector<Block> blocks(block_count);
    for (std::uint32_t b = 0; b < block_count; ++b) {
      blocks[b].next = level_begin + b * block_size;
      blocks[b].end = std::min(level_end, blocks[b].next + block_size);
    }
    for (;;) {
      std::vector<std::uint32_t> todo;
      for (std::uint32_t b = 0; b < block_count; ++b) {
        if (blocks[b].next < blocks[b].end) todo.push_back(b);
      }
      if (todo.empty()) break;
      std::atomic<std::size_t> next_todo{0};
      auto worker = [&](Scratch* scratch) {
        for (;;) {
          const std::size_t k = next_todo.fetch_add(1);
          if (k >= todo.size() || stop_.load(std::memory_order_relaxed) ||
              table_.GrowthRequested()) {
            break;
          }
          if (OverTime()) {
            SetLimit(kTimeLimit);
            break;
          }
          ExpandBlock(&blocks[todo[k]], check_mask, scratch, judge_only);
          if (stop_.load(std::memory_order_relaxed)) {
            // ExpandBlock stops for the budget, or for the memory limit already recorded.
            SetLimit(kTimeLimit);
            break;
          }
        }
        FlushInsertions(scratch);
      };
      const int threads = static_cast<int>(
          std::min<std::size_t>(static_cast<std::size_t>(options_.jobs), todo.size()));
      util::RunOnThreads(threads, [&](int t) { worker(&scratches[t]); });
      if (stop_) break;
      while (table_.OverGrowthThreshold()) {
        std::uint64_t pending = 0;
        for (const Scratch& scratch : scratches) pending += scratch.fresh.size();
        if (!RoomToGrowTable(pending)) {
          SetLimit(kMemoryLimit);
          break;
        }
        GrowTable(&scratches);
        ++grows_mid_level_;
        for (Scratch& scratch : scratches) CountTransient(&scratch);
      }
      table_.ClearGrowthRequest();
      if (stop_) break;
    }
    for (const Block& block : blocks) {
      result.edges += block.edges;
      result.self_loops += block.self_loops;
      for (const Hit& hit : block.hits) {
        if (!first_hit[hit.property]) first_hit[hit.property] = hit;
      }
    }
    for (std::size_t p = 0; p < properties.size(); ++p) {
      if (first_hit[p]) found_mask |= std::uint64_t{1} << p;
    }
    const auto phase2_start = std::chrono::steady_clock::now();
    phase1_seconds_ += std::chrono::duration<double>(phase2_start - phase1_start).count();
    if (judge_only && !stop_) SetLimit(kDepthLimit);
    if (stop_) {
      // A partial level: its states are not numbered (the figures cover whole levels).
      for (Scratch& scratch : scratches) {
        for (std::uint64_t pos : scratch.fresh) table_.MarkDead(pos);
        scratch.fresh.clear();
      }
      break;
    }

    // Phase 2: number the new states in the order a one-thread BFS finds them.
    const int limit = NumberNewStates(&scratches);
    for (internal::RecordArena& arena : pending_) arena.Reset();
    if (encodings_.size() > level_end) {
      level_start_.push_back(level_end);
      if (options_.on_level) {
        options_.on_level(
            static_cast<std::uint32_t>(level_start_.size() - 1), encodings_.size() - level_end,
            encodings_.size(),
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
      }
    }
    phase2_seconds_ +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - phase2_start).count();
    if (limit != kNoLimit) {
      SetLimit(limit);
      break;
    }
    level_begin = level_end;
    if (options_.grow_ahead) GrowAhead(&scratches);
    if (found_mask != 0 && options_.stop_at_violation && encodings_.size() > level_end) {
      stopped_at_violation = true;
      break;
    }
  }

  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
  result.seconds = elapsed.count();
  result.expand_seconds = phase1_seconds_;
  result.number_seconds = phase2_seconds_;
  result.grow_seconds = grow_seconds_;
  result.grows_mid_level = grows_mid_level_;
  result.grows_ahead = grows_ahead_;
  if (stop_) {
    result.status = ExplorationStatus::kLimitReached;
    result.limit = LimitName(limit_hit_);
  } else if (stopped_at_violation) {
    result.status = ExplorationStatus::kStoppedAtViolation;
  } else {
    result.status = ExplorationStatus::kComplete;
  }
  complete_ = result.status == ExplorationStatus::kComplete;
  std::vector<Scratch>().swap(scratches);
  // Only dead slots (never read) still point into these.
  std::vector<internal::RecordArena>().swap(pending_);
  util::ReleaseFreeMemory();
  result.states = encodings_.size();
  result.diameter = static_cast<std::uint32_t>(level_start_.size() - 1);
  for (std::size_t l = 0; l < level_start_.size(); ++l) {
    const std::uint64_t end = l + 1 < level_start_.size() ? level_start_[l + 1] : result.states;
    result.level_sizes.push_back(end - level_start_[l]);
  }
  result.states_per_second = result.seconds > 0 ? result.states / result.seconds : 0;
  result.structure_bytes = StructureBytes();
  if constexpr (requires {
                  { model_.ExtraTableBytes() } -> std::convertible_to<std::uint64_t>;
                }) {
    result.structure_bytes += model_.ExtraTableBytes();  // tables the model keeps for its encoding
  }
  result.bytes_per_state =
      result.states > 0 ? static_cast<double>(result.structure_bytes) / result.states : 0;
  result.peak_rss_bytes = util::PeakRssBytes();
  for (std::size_t p = 0; p < properties.size(); ++p) {
    if (!first_hit[p]) continue;
    Counterexample counterexample;
    counterexample.property = static_cast<int>(p);
    counterexample.label = properties[p].label;
    counterexample.name = properties[p].name;
    counterexample.sanity = properties[p].sanity;
    counterexample.last_state = first_hit[p]->state;
    counterexample.ops = PathTo(first_hit[p]->state);
    if (first_hit[p]->op >= 0) counterexample.ops.push_back(first_hit[p]->op);
    counterexample.op_names = OpNames(counterexample.ops);
    result.violations.push_back(std::move(counterexample));
  }
  return result;
}

template <ExplorableModel Model>
std::uint32_t Explorer<Model>::LevelOf(std::uint32_t index) const {
  auto it = std::upper_bound(level_start_.begin(), level_start_.end(), index);
  return static_cast<std::uint32_t>(it - level_start_.begin()) - 1;
}

template <ExplorableModel Model>
std::optional<std::uint32_t> Explorer<Model>::Find(const State& state) const {
  const std::vector<std::uint8_t> encoding = EncodePadded(state);
  const std::uint32_t index = table_.Lookup(table_.Hash(encoding.data()), encoding.data());
  if (index == internal::VisitedTable::kNoIndex) return std::nullopt;
  return index;
}

template <ExplorableModel Model>
std::vector<int> Explorer<Model>::PathTo(std::uint32_t index) const {
  std::vector<int> ops;
  for (;;) {
    std::uint32_t parent;
    std::uint16_t op;
    std::memcpy(&parent, parents_.At(index), sizeof(parent));
    std::memcpy(&op, parent_ops_.At(index), sizeof(op));
    if (parent == kNoParent) break;
    ops.push_back(op);
    index = parent;
  }
  std::reverse(ops.begin(), ops.end());
  return ops;
}

template <ExplorableModel Model>
std::vector<std::pair<int, std::uint32_t>> Explorer<Model>::Successors(std::uint32_t index) const {
  std::vector<std::pair<int, std::uint32_t>> out;
  const State state = StateAt(index);
  State post;
  for (int op = 0; op < op_count_; ++op) {
    if (!model_.Step(state, op, &post)) continue;
    if (std::optional<std::uint32_t> target = Find(post)) out.emplace_back(op, *target);
  }
  return out;
}

template <ExplorableModel Model>
std::vector<std::string> Explorer<Model>::OpNames(const std::vector<int>& ops) const {
  std::vector<std::string> names;
  names.reserve(ops.size());
  for (int op : ops) names.emplace_back(model_.OpName(op));
  return names;
}

}  // namespace mmcheck::solver::explicit_state
