// Exhaustive breadth-first explorer of a bounded state machine (DESIGN.md §2.3).
//
// The explorer is a template over a model (the ExplorableModel concept below): the model gives
// an initial state, a fixed alphabet of operation instances, a deterministic successor for each
// enabled instance, a canonical compact byte encoding of a state, and named safety properties.
// The explorer enumerates every reachable state exactly once and reports:
//
//   * states, edges (one per enabled operation instance per state, self-loops included),
//     self-loops, the BFS diameter (the deepest BFS level);
//   * for every violated safety property, the shortest counterexample: the first violation in
//     BFS order, as the list of operations from the initial state;
//   * AG EF liveness verdicts ("from every reachable state a goal state is reachable") with a
//     lasso (stem + cycle) when they fail, computed with Boost.Graph's strong_components;
//   * DOT output of the state graph and of paths, and a sorted dump of every state.
//
// Exactness: states are kept in a flat open-addressing table keyed on the FULL encoding: each
// slot holds an 8-byte tag (empty, pending, or the state's index) and either the state's whole
// encoding (encodings of at most 16 bytes: a hit costs one memory access) or a pointer to it
// with 16 hash bits (longer ones, kept once: in the arena, or in the inserting thread's pending
// arena until the level is numbered). The 64-bit xxHash (XXH3) fingerprint only picks the home
// slot and filters; a probe compares full encodings, so counts are exact, never probabilistic.
// The arena keeps the encodings in state-index order, with the parent links.
//
// Parallelism: BFS is level-synchronous. With --jobs N the frontier is cut into blocks that N
// threads expand at once, each inserting successors straight into the shared table (a
// compare-and-swap claims an empty slot; nothing is locked). A state new in this level is
// "pending" and its tag keeps the smallest (parent index, op) of the edges that reached it,
// lowered with compare-and-swap: that is the edge a one-thread BFS meets first. At the end of
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

#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL  // XXH3 on 8-16 bytes is a few instructions; let them inline
#endif
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/strong_components.hpp>

namespace mmcheck::solver::explicit_state {

// ---------------------------------------------------------------------------------------------
// What a model declares.

enum class PropertyKind {
  kState,       // checked on every reachable state
  kTransition,  // checked on every (pre, op, post) edge
};

// One named safety property of a model. Properties are numbered by their position in the
// model's Properties() list; bit i of a property mask stands for property i (at most 64).
struct PropertyInfo {
  std::string label;  // short label used by the spec and in reports, e.g. "P1"
  std::string name;   // stable kebab-case name, e.g. "mapcount-consistency"
  PropertyKind kind = PropertyKind::kState;
  bool sanity = false;  // a violation means the model implementation is wrong, not the kernel
  std::string description;
};

// A liveness property of the form AG EF goal: from every reachable state, some state satisfying
// `goal` is reachable using only the operations in `allowed_ops` (all operations when empty).
// The restriction models "only these actors keep running", e.g. the memory-offline thread.
template <typename State>
struct LivenessProperty {
  std::string name;
  std::string description;
  std::function<bool(const State&)> goal;
  std::vector<bool> allowed_ops;  // indexed by op instance; empty = every op is allowed
};

// The model interface. All functions are const and deterministic; the explorer calls them from
// several threads at once.
//
//   InitialState()              the initial state.
//   OpCount(), OpName(op)       the alphabet of operation instances 0..OpCount()-1 (at most
//                               65535), in the fixed order the explorer tries them.
//   Step(s, op, &post)          false if op is disabled in s; otherwise writes the unique
//                               successor to post and returns true.
//   EncodingSize(), Encode, Decode
//                               a canonical fixed-size byte encoding: two states are equal iff
//                               their encodings are equal, and Decode(Encode(s)) == s. The
//                               encoding must also be ORDER-PRESERVING: memcmp order of two
//                               encodings equals the integer-tuple order of their StateTuple()s
//                               (the dump is sorted by it).
//   Properties()                the safety properties; ViolatedStateProperties(s, mask) and
//                               ViolatedTransitionProperties(pre, op, post, mask) return the
//                               mask bits of the properties that fail (only bits in mask need be
//                               computed).
//   LivenessProperties()        AG EF properties (may be empty).
//   StateTuple(s, &tuple)       the state as integers, for the dump; DescribeState(s) a short
//                               one-line picture, for DOT.
//   Unchanged(post)             OPTIONAL: true when Step already knows post equals the state it
//                               stepped from; the explorer then counts a self-loop without
//                               encoding post. False is always allowed.
template <typename M>
concept ExplorableModel = requires(const M& m, const typename M::State& s, typename M::State* post,
                                   int op, std::uint8_t* out_bytes, const std::uint8_t* in_bytes,
                                   std::uint64_t mask, std::vector<int>* tuple) {
  { m.InitialState() } -> std::same_as<typename M::State>;
  { m.OpCount() } -> std::same_as<int>;
  { m.OpName(op) } -> std::convertible_to<std::string>;
  { m.Step(s, op, post) } -> std::same_as<bool>;
  { m.EncodingSize() } -> std::same_as<std::size_t>;
  { m.Encode(s, out_bytes) } -> std::same_as<void>;
  { m.Decode(in_bytes) } -> std::same_as<typename M::State>;
  { m.Properties() } -> std::same_as<const std::vector<PropertyInfo>&>;
  { m.ViolatedStateProperties(s, mask) } -> std::same_as<std::uint64_t>;
  { m.ViolatedTransitionProperties(s, op, s, mask) } -> std::same_as<std::uint64_t>;
  { m.LivenessProperties() } -> std::same_as<std::vector<LivenessProperty<typename M::State>>>;
  { m.StateTuple(s, tuple) } -> std::same_as<void>;
  { m.DescribeState(s) } -> std::same_as<std::string>;
};

// ---------------------------------------------------------------------------------------------
// Options and results.

struct ExplorerOptions {
  int jobs = 1;  // threads expanding the frontier; results do not depend on it
  // Properties that are checked (bit i = Properties()[i]). Unasserted properties are not
  // checked at all, like an assertion left out of a SPIN model.
  std::uint64_t asserted_properties = ~std::uint64_t{0};
  // Stop at the end of the BFS level in which the first asserted property failed. When false
  // the search continues over the whole reachable set (like SPIN's pan -A) and still records
  // the shortest counterexample of every property.
  bool stop_at_violation = true;
  std::uint64_t max_states = 0;  // 0 = no limit
  // 0 = no limit; else the process's resident memory (what was there when Run() started plus
  // what the explorer allocates) stays at or below it.
  std::uint64_t max_memory_bytes = 0;
  double time_budget_seconds = 0;  // 0 = no limit
};

enum class ExplorationStatus {
  kComplete,            // every reachable state was expanded
  kStoppedAtViolation,  // stop_at_violation and an asserted property failed
  kLimitReached,        // max states, max memory or the time budget; figures are partial
};

const char* ExplorationStatusName(ExplorationStatus status);

// The shortest counterexample of one property: the operations from the initial state. For a
// state property the last state of the path violates it; for a transition property the last
// operation is the violating edge.
struct Counterexample {
  int property = -1;  // index into Properties()
  std::string label;
  std::string name;
  bool sanity = false;
  std::uint32_t last_state = 0;  // the violating state, or the pre-state of the violating edge
  std::vector<int> ops;
  std::vector<std::string> op_names;
};

struct ExplorationResult {
  ExplorationStatus status = ExplorationStatus::kComplete;
  std::string limit;  // which limit stopped the search, when kLimitReached
  std::uint64_t states = 0;
  std::uint64_t edges = 0;  // enabled op instances summed over the EXPANDED states
  std::uint64_t self_loops = 0;
  std::uint32_t diameter = 0;              // deepest BFS level reached (the initial state is 0)
  std::vector<std::uint64_t> level_sizes;  // states per BFS level
  int jobs = 1;
  double seconds = 0;
  double expand_seconds = 0;  // of which: expanding frontiers (parallel)
  double number_seconds = 0;  // and numbering their new states
  double states_per_second = 0;
  std::uint64_t structure_bytes = 0;       // the explorer's arrays and table at the end
  double bytes_per_state = 0;              // structure_bytes / states
  std::uint64_t peak_rss_bytes = 0;        // the process's VmHWM (whole process, all phases)
  std::vector<Counterexample> violations;  // one per violated property, in property order

  // Returns the counterexample of the property labelled or named `property`, or nullptr.
  const Counterexample* Violation(const std::string& property) const;
};

enum class LivenessVerdict { kHolds, kViolated, kNotChecked };

const char* LivenessVerdictName(LivenessVerdict verdict);

struct LivenessOptions {
  // 0 = no limit; the graph is not built if the process's resident memory with it would exceed.
  std::uint64_t max_memory_bytes = 0;
};

// The verdict of one AG EF property. When it fails, the lasso is: `stem` from the initial state
// to a state in a terminal strongly connected component (of the graph restricted to the allowed
// ops) none of whose states can reach the goal, then `cycle`, a shortest cycle through that
// state inside the component. An empty cycle with `deadlock` set means no allowed op is
// enabled there at all.
struct LivenessResult {
  std::string property;
  LivenessVerdict verdict = LivenessVerdict::kNotChecked;
  std::string reason;                // why it was not checked
  std::uint64_t failing_states = 0;  // reachable states from which the goal is unreachable
  std::uint64_t graph_vertices = 0;  // vertices of the reduced graph given to strong_components
  std::uint64_t graph_edges = 0;
  std::uint64_t components = 0;
  std::uint32_t lasso_state = 0;
  std::vector<std::string> stem;
  std::vector<std::string> cycle;
  bool deadlock = false;
  double seconds = 0;
};

// Errors that mean the explorer or the model broke its own contract.
class ExplorationError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// Returns the process's peak resident set size (VmHWM) in bytes, 0 if unknown.
std::uint64_t PeakRssBytes();

// Returns the process's resident set size now (VmRSS) in bytes, 0 if unknown.
std::uint64_t RssBytes();

// Returns `text` escaped for a double-quoted DOT or JSON string.
std::string EscapeQuoted(const std::string& text);

// Returns `items` as a JSON array of strings: ["a", "b"].
std::string JsonStrings(const std::vector<std::string>& items);

// ---------------------------------------------------------------------------------------------
// Implementation details.

namespace internal {

// A growable array of fixed-size byte records kept in chunks, so growing never copies and never
// needs twice the memory. Records are addressed by index and stay put.
class RecordArena {
 public:
  explicit RecordArena(std::size_t record_bytes, int chunk_shift = 16)
      : record_bytes_(record_bytes),
        chunk_shift_(chunk_shift),
        chunk_mask_((std::uint64_t{1} << chunk_shift) - 1) {}

  std::uint8_t* Append() {
    // After Reset the chunks are there already: a chunk is allocated only past the last one.
    if ((size_ >> chunk_shift_) == chunks_.size()) {
      chunks_.emplace_back(new std::uint8_t[record_bytes_ << chunk_shift_]);
    }
    std::uint8_t* record =
        chunks_[size_ >> chunk_shift_].get() + (size_ & chunk_mask_) * record_bytes_;
    ++size_;
    touched_ = std::max(touched_, size_);
    return record;
  }
  // Drops the last record. REQUIRES: size() > 0.
  void PopBack() { --size_; }
  // Drops every record; the chunks are kept for the next appends.
  void Reset() { size_ = 0; }
  const std::uint8_t* At(std::uint64_t i) const {
    return chunks_[i >> chunk_shift_].get() + (i & chunk_mask_) * record_bytes_;
  }
  std::uint8_t* MutableAt(std::uint64_t i) {
    return chunks_[i >> chunk_shift_].get() + (i & chunk_mask_) * record_bytes_;
  }
  std::uint64_t size() const { return size_; }
  std::uint64_t AllocatedBytes() const { return chunks_.size() * (record_bytes_ << chunk_shift_); }
  // Bytes of the records ever used: what is resident of the chunks (a chunk's tail is not
  // until it is used; Reset keeps the chunks, used).
  std::uint64_t TouchedBytes() const { return touched_ * record_bytes_; }
  // Bytes one more chunk would take.
  std::uint64_t ChunkBytes() const { return record_bytes_ << chunk_shift_; }

 private:
  std::size_t record_bytes_;
  int chunk_shift_;
  std::uint64_t chunk_mask_;
  std::uint64_t size_ = 0;
  std::uint64_t touched_ = 0;  // the largest size_ since the chunks were allocated
  std::vector<std::unique_ptr<std::uint8_t[]>> chunks_;
};

// A zero-filled buffer from mmap, backed by transparent huge pages where the kernel allows it:
// the visited table is probed at random, and 4 KiB pages would miss the TLB on nearly every
// probe. Throws std::bad_alloc when the mapping fails.
class ZeroedBuffer {
 public:
  ZeroedBuffer() = default;
  explicit ZeroedBuffer(std::size_t bytes);
  ZeroedBuffer(ZeroedBuffer&& other) noexcept { *this = std::move(other); }
  ZeroedBuffer& operator=(ZeroedBuffer&& other) noexcept;
  ~ZeroedBuffer();
  std::uint8_t* data() const { return data_; }
  std::size_t size() const { return bytes_; }

 private:
  std::uint8_t* data_ = nullptr;
  std::size_t bytes_ = 0;
  std::size_t mapped_ = 0;
};

// Returns freed heap memory to the kernel. The worker threads' lists of new states are freed
// into their own malloc arenas, which would otherwise keep them resident after the search.
void ReleaseFreeMemory();

// Runs fn(0) .. fn(threads - 1), each on its own thread (fn(0) on the calling one). An
// exception thrown by any of them is rethrown here once all have ended (the lowest thread's
// when several throw), instead of terminating the process from a worker thread.
template <typename Fn>
void RunOnThreads(int threads, const Fn& fn) {
  if (threads <= 1) {
    fn(0);
    return;
  }
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
  auto run = [&fn, &errors](int t) {
    try {
      fn(t);
    } catch (...) {
      errors[static_cast<std::size_t>(t)] = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (int t = 1; t < threads; ++t) pool.emplace_back(run, t);
  run(0);
  for (std::thread& thread : pool) thread.join();
  for (const std::exception_ptr& error : errors)
    if (error) std::rethrow_exception(error);
}

// Where a state came from: its BFS parent and the op instance that produced it.
struct ParentLink {
  std::uint32_t parent;
  std::uint16_t op;
};

}  // namespace internal

// ---------------------------------------------------------------------------------------------
// The explorer.

template <ExplorableModel Model>
class Explorer {
 public:
  using State = typename Model::State;
  static constexpr std::uint32_t kNoParent = 0xffffffffu;

  // REQUIRES: `model` outlives the explorer; OpCount() <= 65535; at most 64 properties.
  Explorer(const Model& model, ExplorerOptions options)
      : model_(model),
        options_(options),
        encoding_bytes_(model.EncodingSize()),
        stride_((model.EncodingSize() + 7) / 8 * 8),
        indirect_(stride_ > kInlineBytes),
        slot_bytes_(indirect_ ? 16 : 8 + stride_),
        op_count_(model.OpCount()),
        encodings_(stride_),
        parents_(sizeof(internal::ParentLink)) {
    if (encoding_bytes_ == 0) throw ExplorationError("explorer: EncodingSize() must be > 0");
    if (op_count_ <= 0 || op_count_ > 65535) {
      throw ExplorationError("explorer: OpCount() must be in 1..65535");
    }
    if (model.Properties().size() > 64) throw ExplorationError("explorer: at most 64 properties");
    if (options_.jobs < 1) options_.jobs = 1;
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
  const std::uint8_t* EncodingOf(std::uint32_t index) const { return encodings_.At(index); }
  State StateAt(std::uint32_t index) const { return model_.Decode(encodings_.At(index)); }
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

  // Checks the AG EF property `property` on the explored graph.
  // REQUIRES: Run() returned kComplete (otherwise the verdict is kNotChecked).
  LivenessResult CheckLiveness(const LivenessProperty<State>& property,
                               const LivenessOptions& options = {}) const;

  // Writes every reached state, one per line, as comma-separated decimals of StateTuple(),
  // sorted as integer tuples.
  void WriteStateDump(std::ostream& out) const;
  // Writes the state graph as DOT: every state (labelled with its index, BFS level and
  // DescribeState) and every edge labelled with its op. REQUIRES: StateCount() <= max_states,
  // else throws std::runtime_error.
  void WriteDot(std::ostream& out, std::uint64_t max_states) const;
  // Writes DOT of paths from the initial state: each path is a (title, ops) pair; states shared
  // by several paths are drawn once.
  void WritePathsDot(std::ostream& out,
                     const std::vector<std::pair<std::string, std::vector<int>>>& paths) const;

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
  // Per-thread buffers, reused across blocks and rounds.
  struct Scratch {
    std::vector<State> successors;
    std::vector<std::uint8_t> encodings;  // zero padding beyond encoding_bytes_ stays zero
    std::vector<std::uint64_t> hashes;
    std::vector<int> ops;
    std::vector<std::uint64_t> fresh;          // table positions this thread inserted in this level
    std::uint64_t unflushed = 0;               // insertions not yet added to inserted_
    internal::RecordArena* pending = nullptr;  // this thread's pending_ arena
    std::uint64_t counted_bytes = 0;  // its part of transient_bytes_: `fresh` and `pending`
  };

  // Slot tags (the first 8 bytes of a slot). Numbered states hold index + kIndexBase; states
  // found in the current level hold kPendingBit | key, key = parent << 16 | op of the first
  // edge that reached them in (parent, op) order, which is the edge a one-thread BFS would
  // have met first.
  static constexpr std::uint64_t kEmpty = 0;
  static constexpr std::uint64_t kBusy = 1;  // being claimed: the encoding is being written
  static constexpr std::uint64_t kIndexBase = 2;
  static constexpr std::uint64_t kPendingBit = std::uint64_t{1} << 63;
  static constexpr std::uint64_t kKeyMask = (std::uint64_t{1} << 48) - 1;
  // A state found in a level that was cut short by a limit: never numbered, never found.
  static constexpr std::uint64_t kDead = kPendingBit - 1;
  // A thread adds its insertions to table_used_ in batches of this many.
  static constexpr std::uint64_t kFlushEvery = 64;

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
  std::uint8_t* SlotAt(std::uint64_t pos) const { return table_.data() + pos * slot_bytes_; }
  // The encoding a slot holds: in the slot, or (indirect_) where the slot's pointer says.
  static constexpr std::uint64_t kPointerMask = (std::uint64_t{1} << 48) - 1;
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
  // Returns the table position holding this encoding, or kAbsent. Not during a search.
  std::uint64_t Probe(std::uint64_t hash, const std::uint8_t* encoding) const;
  // Returns the index of the state with this encoding, or kNoParent if absent.
  std::uint32_t Lookup(std::uint64_t hash, const std::uint8_t* encoding) const;
  // The search's insertion, safe against other threads doing the same: adds the encoding as a
  // pending state with `key` and returns true, or, when it is there already, lowers a pending
  // state's key to `key` if that is smaller and returns false.
  bool Visit(std::uint64_t hash, const std::uint8_t* encoding, std::uint64_t key, Scratch* scratch);
  // Adds the thread's uncounted insertions to table_used_; asks for growth past grow_at_.
  void FlushInsertions(Scratch* scratch);
  // Appends `encoding` (hashed to `hash`) to the arena as a new state, puts it in the empty
  // slot `pos` and numbers the slot. REQUIRES: one thread.
  std::uint32_t Number(std::uint64_t pos, std::uint64_t hash, const std::uint8_t* encoding,
                       std::uint32_t parent, std::uint16_t op);
  void AllocateTable(std::uint64_t slots);
  // Doubles the table between rounds of a level. Pending states keep their keys; their new
  // positions are put into scratches[0].fresh.
  void GrowTable(std::vector<Scratch>* scratches);
  // Table bytes per slot: the tag and the encoding.
  double SlotBytes() const { return static_cast<double>(slot_bytes_); }
  std::uint64_t StructureBytes() const {
    std::uint64_t pending = 0;
    for (const internal::RecordArena& arena : pending_) pending += arena.AllocatedBytes();
    return encodings_.AllocatedBytes() + parents_.AllocatedBytes() + table_.size() + pending +
           level_start_.capacity() * 4;
  }
  void ExpandBlock(Block* block, std::uint64_t check_mask, Scratch* scratch);
  // Numbers the level's pending states in key order (the order a one-thread BFS finds them).
  // Returns a Limit; states over a limit are dropped from the table.
  int NumberNewStates(std::vector<Scratch>* scratches);
  // Memory that lasts from level to level: the arenas' records, the table and the level index.
  std::uint64_t LastingBytes() const {
    return encodings_.TouchedBytes() + parents_.TouchedBytes() + table_.size() +
           level_start_.capacity() * 4;
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
    return RoomFor(static_cast<std::uint64_t>(slot_count_ * 2 * SlotBytes()) +
                   pending * sizeof(std::uint64_t));
  }
  // Whether the memory limit allows one more state, with `sort_bytes` held by NumberNewStates.
  bool RoomForNewState(std::uint64_t sort_bytes) const {
    return RoomFor(sort_bytes + stride_ + sizeof(internal::ParentLink));
  }
  // Records the first limit hit and stops the search. Safe from any thread.
  void SetLimit(int limit) {
    int expected = kNoLimit;
    limit_hit_.compare_exchange_strong(expected, limit);
    stop_.store(true);
  }
  // Encodes `state` into a zero-padded stride_-byte buffer.
  std::vector<std::uint8_t> EncodePadded(const State& state) const {
    std::vector<std::uint8_t> encoding(stride_, 0);
    model_.Encode(state, encoding.data());
    return encoding;
  }
  bool OverTime() const;
  enum Limit { kNoLimit, kStateLimit, kMemoryLimit, kTimeLimit };
  static const char* LimitName(int limit) {
    switch (limit) {
      case kStateLimit:
        return "max states";
      case kMemoryLimit:
        return "max memory";
      case kTimeLimit:
        return "time budget";
      default:
        return "";
    }
  }

  const Model& model_;
  ExplorerOptions options_;
  std::size_t encoding_bytes_;
  std::size_t stride_;  // encoding_bytes_ rounded up to whole 8-byte words; records are padded
  // Encodings longer than this are kept out of the table (indirect_): a slot is the tag and a
  // pointer to the encoding (in the arena, or in a thread's pending_ arena while the state is
  // pending) with 16 hash bits. Shorter ones sit in the slot, where a hit costs one access.
  static constexpr std::size_t kInlineBytes = 16;
  bool indirect_;
  std::size_t slot_bytes_;  // a table slot: the 8-byte tag, then the encoding or its pointer
  int op_count_;
  std::uint64_t state_properties_ = 0;
  std::uint64_t transition_properties_ = 0;

  internal::RecordArena encodings_;
  internal::RecordArena parents_;
  // Per thread (indirect_ only): the encodings of the states it inserted in the current level,
  // until NumberNewStates copies them to encodings_. Reset each level, chunks kept.
  std::vector<internal::RecordArena> pending_;
  // The visited set: open addressing with linear probing over slot_count_ slots. A slot holds a
  // tag (empty, pending with its key, or the state's index) and the state's encoding or, when
  // indirect_, a pointer to it (see kInlineBytes); lookups after the search need nothing else.
  static constexpr std::uint64_t kAbsent = ~std::uint64_t{0};
  internal::ZeroedBuffer table_;
  std::uint64_t slot_count_ = 0;  // a power of two
  std::uint64_t slot_mask_ = 0;
  // Occupied slots: exact between levels; during a level, insertions are added in batches.
  std::atomic<std::uint64_t> table_used_{0};
  std::uint64_t grow_at_ = 0;  // table_used_ above which a level pauses to grow the table
  std::atomic<bool> grow_{false};
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
};

// ---------------------------------------------------------------------------------------------
// Explorer implementation.

template <ExplorableModel Model>
std::uint64_t Explorer<Model>::Probe(std::uint64_t hash, const std::uint8_t* encoding) const {
  for (std::uint64_t pos = hash & slot_mask_;; pos = (pos + 1) & slot_mask_) {
    const std::uint64_t tag = TagAt(pos).load(std::memory_order_relaxed);
    if (tag == kEmpty) return kAbsent;
    if (tag != kDead && SlotHolds(SlotAt(pos), hash, encoding)) return pos;
  }
}

template <ExplorableModel Model>
std::uint32_t Explorer<Model>::Lookup(std::uint64_t hash, const std::uint8_t* encoding) const {
  const std::uint64_t pos = Probe(hash, encoding);
  if (pos == kAbsent) return kNoParent;
  const std::uint64_t tag = TagAt(pos).load(std::memory_order_relaxed);
  if (tag < kIndexBase || tag >= kDead) return kNoParent;  // not numbered
  return static_cast<std::uint32_t>(tag - kIndexBase);
}

template <ExplorableModel Model>
bool Explorer<Model>::Visit(std::uint64_t hash, const std::uint8_t* encoding, std::uint64_t key,
                            Scratch* scratch) {
  // Dead slots only exist after a search stopped; Visit never runs then.
  for (std::uint64_t pos = hash & slot_mask_;; pos = (pos + 1) & slot_mask_) {
    std::atomic_ref<std::uint64_t> tag = TagAt(pos);
    std::uint64_t t = tag.load(std::memory_order_acquire);
    if (t == kEmpty) {
      if (tag.compare_exchange_strong(t, kBusy, std::memory_order_acquire)) {
        if (indirect_) {
          std::uint8_t* record = scratch->pending->Append();
          std::memcpy(record, encoding, stride_);
          PointSlot(SlotAt(pos), hash, record);
        } else {
          std::memcpy(SlotAt(pos) + 8, encoding, stride_);
        }
        tag.store(kPendingBit | key, std::memory_order_release);
        scratch->fresh.push_back(pos);
        if (++scratch->unflushed == kFlushEvery) FlushInsertions(scratch);
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

template <ExplorableModel Model>
void Explorer<Model>::FlushInsertions(Scratch* scratch) {
  if (scratch->unflushed == 0) return;
  const std::uint64_t used =
      table_used_.fetch_add(scratch->unflushed, std::memory_order_relaxed) + scratch->unflushed;
  scratch->unflushed = 0;
  if (used > grow_at_) grow_.store(true, std::memory_order_relaxed);
  // The thread's list of new states or pending arena grew: still within the memory limit?
  if (CountTransient(scratch) && !RoomFor(0)) SetLimit(kMemoryLimit);
}

template <ExplorableModel Model>
std::uint32_t Explorer<Model>::Number(std::uint64_t pos, std::uint64_t hash,
                                      const std::uint8_t* encoding, std::uint32_t parent,
                                      std::uint16_t op) {
  const std::uint32_t index = static_cast<std::uint32_t>(encodings_.size());
  std::uint8_t* record = encodings_.Append();
  std::memcpy(record, encoding, stride_);
  if (indirect_) {
    PointSlot(SlotAt(pos), hash, record);
  } else {
    std::memcpy(SlotAt(pos) + 8, encoding, stride_);
  }
  const internal::ParentLink link{parent, op};
  std::memcpy(parents_.Append(), &link, sizeof(link));
  TagAt(pos).store(index + kIndexBase, std::memory_order_relaxed);
  return index;
}

template <ExplorableModel Model>
void Explorer<Model>::AllocateTable(std::uint64_t slots) {
  table_ = internal::ZeroedBuffer(slots * slot_bytes_);
  slot_count_ = slots;
  slot_mask_ = slots - 1;
  grow_at_ = slots / 10 * 7;
}

template <ExplorableModel Model>
void Explorer<Model>::GrowTable(std::vector<Scratch>* scratches) {
  internal::ZeroedBuffer old_table = std::move(table_);
  const std::uint64_t old_count = slot_count_;
  AllocateTable(old_count * 2);
  std::uint64_t pending = 0;
  for (Scratch& scratch : *scratches) {
    pending += scratch.fresh.size();
    std::vector<std::uint64_t>().swap(scratch.fresh);  // freed: RoomToGrowTable counted one list
  }
  std::vector<std::uint64_t>& fresh = (*scratches)[0].fresh;
  fresh.reserve(pending);
  for (std::uint64_t old = 0; old < old_count; ++old) {
    const std::uint8_t* slot = old_table.data() + old * slot_bytes_;
    std::uint64_t tag;
    std::memcpy(&tag, slot, 8);
    if (tag == kEmpty) continue;
    std::uint64_t pos = Hash(EncodingInSlot(slot)) & slot_mask_;
    while (TagAt(pos).load(std::memory_order_relaxed) != kEmpty) pos = (pos + 1) & slot_mask_;
    std::memcpy(SlotAt(pos), slot, slot_bytes_);
    if ((tag & kPendingBit) != 0) fresh.push_back(pos);
  }
}

template <ExplorableModel Model>
bool Explorer<Model>::OverTime() const {
  if (options_.time_budget_seconds <= 0) return false;
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
  return elapsed.count() > options_.time_budget_seconds;
}

template <ExplorableModel Model>
void Explorer<Model>::ExpandBlock(Block* block, std::uint64_t check_mask, Scratch* scratch) {
  const std::uint64_t state_mask = check_mask & state_properties_;
  const std::uint64_t transition_mask = check_mask & transition_properties_;
  const std::size_t e = stride_;
  if (scratch->successors.empty()) {
    scratch->successors.resize(op_count_);
    scratch->encodings.assign(e * op_count_, 0);
    scratch->hashes.resize(op_count_);
    scratch->ops.resize(op_count_);
  }
  const std::uint32_t first = block->next;
  for (std::uint32_t i = first; i < block->end; ++i) {
    if (grow_.load(std::memory_order_relaxed)) {
      block->next = i;  // resumed here once the table has grown
      return;
    }
    if (((i - first) & 255) == 255 && (stop_.load(std::memory_order_relaxed) || OverTime())) {
      stop_.store(true);
      block->next = i;
      return;
    }
    const std::uint8_t* own = encodings_.At(i);
    const State state = model_.Decode(own);
    if (state_mask != 0) {
      std::uint64_t failed = model_.ViolatedStateProperties(state, state_mask) & ~block->hit_mask;
      block->hit_mask |= failed;
      for (; failed != 0; failed &= failed - 1) {
        block->hits.push_back(Hit{__builtin_ctzll(failed), i, -1});
      }
    }
    // Pass 1: every enabled op's successor. Pass 2 reads them back only after all were written:
    // packing reads whole words, and a word read right after byte writes to it would stall.
    int enabled = 0;
    for (int op = 0; op < op_count_; ++op) {
      if (model_.Step(state, op, &scratch->successors[enabled])) scratch->ops[enabled++] = op;
    }
    block->edges += enabled;
    int n = 0;
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
      std::uint8_t* encoding = scratch->encodings.data() + e * n;
      model_.Encode(post, encoding);
      if (SameEncoding(encoding, own)) {
        ++block->self_loops;
        continue;
      }
      const std::uint64_t hash = Hash(encoding);
      __builtin_prefetch(SlotAt(hash & slot_mask_));
      scratch->hashes[n] = hash;
      scratch->ops[n] = op;  // n <= k: entry k was read above
      ++n;
    }
    // Pass 3: into the table, by then the slots' cache lines are on their way.
    const std::uint64_t parent_key = std::uint64_t{i} << 16;
    for (int k = 0; k < n; ++k) {
      Visit(scratch->hashes[k], scratch->encodings.data() + e * k,
            parent_key | static_cast<std::uint64_t>(scratch->ops[k]), scratch);
    }
  }
  block->next = block->end;
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
      for (std::uint64_t pos : scratch.fresh) TagAt(pos).store(kDead, std::memory_order_relaxed);
      std::vector<std::uint64_t>().swap(scratch.fresh);
      CountTransient(&scratch);
    }
    return kMemoryLimit;
  }
  const int threads = total < 4096 ? 1 : options_.jobs;
  // Each thread reads the keys of the states one worker inserted and sorts them.
  std::vector<std::vector<Entry>> sorted(lists);
  internal::RunOnThreads(std::min(threads, lists), [&](int first) {
    for (int t = first; t < lists; t += std::min(threads, lists)) {
      std::vector<std::uint64_t>& fresh = (*scratches)[t].fresh;
      std::vector<Entry>& out = sorted[t];
      out.reserve(fresh.size());
      for (std::size_t k = 0; k < fresh.size(); ++k) {
        if (k + kLookahead < fresh.size()) __builtin_prefetch(SlotAt(fresh[k + kLookahead]));
        out.emplace_back(TagAt(fresh[k]).load(std::memory_order_relaxed) & kKeyMask, fresh[k]);
      }
      std::vector<std::uint64_t>().swap(fresh);  // freed, not kept for the next level
      std::sort(out.begin(), out.end());
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
  }
  internal::RunOnThreads(threads, [&](int t) {
    const std::uint64_t begin = count * t / threads;
    const std::uint64_t end = count * (t + 1) / threads;
    for (std::uint64_t k = begin; k < end; ++k) {
      if (k + kLookahead < end) __builtin_prefetch(SlotAt(order[k + kLookahead].second));
      const std::uint64_t pos = order[k].second;
      const std::uint64_t key = order[k].first;
      std::uint8_t* record = encodings_.MutableAt(base + k);
      std::memcpy(record, EncodingInSlot(SlotAt(pos)), stride_);
      if (indirect_) {  // the pending record is reused next level: point at the arena's copy
        std::uint64_t word;
        std::memcpy(&word, SlotAt(pos) + 8, 8);
        PointSlot(SlotAt(pos), word, record);
      }
      const internal::ParentLink link{static_cast<std::uint32_t>(key >> 16),
                                      static_cast<std::uint16_t>(key & 0xffff)};
      std::memcpy(parents_.MutableAt(base + k), &link, sizeof(link));
      TagAt(pos).store(base + k + kIndexBase, std::memory_order_relaxed);
    }
  });
  // The rest get no index: the search ends here, and lookups must not find them.
  for (std::uint64_t k = count; k < order.size(); ++k) {
    TagAt(order[k].second).store(kDead, std::memory_order_relaxed);
  }
  return limit;
}

template <ExplorableModel Model>
ExplorationResult Explorer<Model>::Run() {
  start_ = std::chrono::steady_clock::now();
  baseline_bytes_ = RssBytes();
  ExplorationResult result;
  result.jobs = options_.jobs;
  const std::vector<PropertyInfo>& properties = model_.Properties();
  std::vector<std::optional<Hit>> first_hit(properties.size());

  // Room for the insertions the threads have not counted yet when the table is at grow_at_:
  // each thread may be up to kFlushEvery + op_count_ insertions ahead of table_used_.
  std::uint64_t slots = std::uint64_t{1} << 16;
  while (slots / 4 < static_cast<std::uint64_t>(options_.jobs) * (kFlushEvery + op_count_)) {
    slots *= 2;
  }
  AllocateTable(slots);
  {
    const std::vector<std::uint8_t> initial = EncodePadded(model_.InitialState());
    const std::uint64_t hash = Hash(initial.data());
    Number(hash & slot_mask_, hash, initial.data(), kNoParent, 0);
    table_used_ = 1;
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
              grow_.load(std::memory_order_relaxed)) {
            break;
          }
          if (OverTime()) {
            SetLimit(kTimeLimit);
            break;
          }
          ExpandBlock(&blocks[todo[k]], check_mask, scratch);
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
      internal::RunOnThreads(threads, [&](int t) { worker(&scratches[t]); });
      if (stop_) break;
      while (table_used_ > grow_at_) {
        std::uint64_t pending = 0;
        for (const Scratch& scratch : scratches) pending += scratch.fresh.size();
        if (!RoomToGrowTable(pending)) {
          SetLimit(kMemoryLimit);
          break;
        }
        GrowTable(&scratches);
        for (Scratch& scratch : scratches) CountTransient(&scratch);
      }
      grow_ = false;
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
    if (stop_) {
      // A partial level: its states are not numbered (the figures cover whole levels).
      for (Scratch& scratch : scratches) {
        for (std::uint64_t pos : scratch.fresh) TagAt(pos).store(kDead, std::memory_order_relaxed);
        scratch.fresh.clear();
      }
      break;
    }

    // Phase 2: number the new states in the order a one-thread BFS finds them.
    const int limit = NumberNewStates(&scratches);
    for (internal::RecordArena& arena : pending_) arena.Reset();
    if (encodings_.size() > level_end) level_start_.push_back(level_end);
    phase2_seconds_ +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - phase2_start).count();
    if (limit != kNoLimit) {
      SetLimit(limit);
      break;
    }
    level_begin = level_end;
    if (found_mask != 0 && options_.stop_at_violation && encodings_.size() > level_end) {
      stopped_at_violation = true;
      break;
    }
  }

  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
  result.seconds = elapsed.count();
  result.expand_seconds = phase1_seconds_;
  result.number_seconds = phase2_seconds_;
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
  internal::ReleaseFreeMemory();
  result.states = encodings_.size();
  result.diameter = static_cast<std::uint32_t>(level_start_.size() - 1);
  for (std::size_t l = 0; l < level_start_.size(); ++l) {
    const std::uint64_t end = l + 1 < level_start_.size() ? level_start_[l + 1] : result.states;
    result.level_sizes.push_back(end - level_start_[l]);
  }
  result.states_per_second = result.seconds > 0 ? result.states / result.seconds : 0;
  result.structure_bytes = StructureBytes();
  result.bytes_per_state =
      result.states > 0 ? static_cast<double>(result.structure_bytes) / result.states : 0;
  result.peak_rss_bytes = PeakRssBytes();
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
  const std::uint32_t index = Lookup(Hash(encoding.data()), encoding.data());
  if (index == kNoParent) return std::nullopt;
  return index;
}

template <ExplorableModel Model>
std::vector<int> Explorer<Model>::PathTo(std::uint32_t index) const {
  std::vector<int> ops;
  for (;;) {
    internal::ParentLink link;
    std::memcpy(&link, parents_.At(index), sizeof(link));
    if (link.parent == kNoParent) break;
    ops.push_back(link.op);
    index = link.parent;
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

template <ExplorableModel Model>
LivenessResult Explorer<Model>::CheckLiveness(const LivenessProperty<State>& property,
                                              const LivenessOptions& options) const {
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
  const auto start = std::chrono::steady_clock::now();
  LivenessResult result;
  result.property = property.name;
  auto finish = [&] {
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    result.seconds = elapsed.count();
    return result;
  };
  if (!complete_) {
    // After a stop some successors are missing: the graph is not the reachable graph.
    result.reason = "the exploration did not complete";
    return finish();
  }
  const std::uint64_t n = encodings_.size();
  auto allowed = [&](int op) {
    return property.allowed_ops.empty() ||
           (static_cast<std::size_t>(op) < property.allowed_ops.size() && property.allowed_ops[op]);
  };

  // Pass 1: goal states, and "exit" states with an allowed edge straight into a goal state.
  // Both can reach the goal; only the remaining "undecided" states go into the graph.
  std::vector<bool> good(n, false);
  State post;
  for (std::uint32_t i = 0; i < n; ++i) {
    const State state = StateAt(i);
    if (property.goal(state)) {
      good[i] = true;
      continue;
    }
    for (int op = 0; op < op_count_ && !good[i]; ++op) {
      if (allowed(op) && model_.Step(state, op, &post) && property.goal(post)) good[i] = true;
    }
  }
  // Vertices are the undecided states, in index order.
  std::vector<std::uint32_t> state_of;
  for (std::uint32_t i = 0; i < n; ++i) {
    if (!good[i]) state_of.push_back(i);
  }
  const std::uint64_t vertices = state_of.size();
  result.graph_vertices = vertices;
  // Bound the graph before building it, on top of what the process holds now (the explorer's
  // tables, `good`, `state_of`). Per vertex: the vertex table (2 to 4 slots of 4 bytes), the
  // adjacency_list<vecS, vecS>'s vector of out-edges (24 bytes, 16 more for malloc's header and
  // rounding) and at most one edge per allowed op (8 bytes, 16 with the vector's slack), the
  // component number (4), strong_components' root, discovery-time and color arrays and its
  // stack (28), the condensation's lists (24, and 4 per edge). The search's arrays stay
  // allocated. Measured on devexcl-core-L: 133 bytes per vertex with about one edge each.
  std::uint64_t allowed_count = 0;
  for (int op = 0; op < op_count_; ++op) allowed_count += allowed(op) ? 1 : 0;
  const std::uint64_t estimate =
      RssBytes() + vertices * (16 + 40 + 4 + 28 + 24 + 20 * allowed_count);
  if (options.max_memory_bytes != 0 && estimate > options.max_memory_bytes) {
    result.reason = "the liveness graph would exceed the memory limit";
    return finish();
  }

  // A small table from encoding to vertex. The search was complete, so every successor of a
  // reached state was reached: a successor that is not a vertex is a good state.
  std::uint64_t vertex_slots = 16;
  while (vertex_slots < vertices * 2) vertex_slots *= 2;
  std::vector<std::uint32_t> vertex_table(vertex_slots, kNoParent);
  for (std::uint32_t v = 0; v < vertices; ++v) {
    std::uint64_t pos = Hash(encodings_.At(state_of[v])) & (vertex_slots - 1);
    while (vertex_table[pos] != kNoParent) pos = (pos + 1) & (vertex_slots - 1);
    vertex_table[pos] = v;
  }
  auto vertex_of = [&](const std::uint8_t* encoding) {
    std::uint64_t pos = Hash(encoding) & (vertex_slots - 1);
    for (; vertex_table[pos] != kNoParent; pos = (pos + 1) & (vertex_slots - 1)) {
      if (SameEncoding(encodings_.At(state_of[vertex_table[pos]]), encoding)) {
        return vertex_table[pos];
      }
    }
    return kNoParent;
  };

  // Pass 2: the graph of undecided states under the allowed ops. An edge to a good state makes
  // its source good-by-exit (recorded per vertex, not as an edge).
  Graph graph(vertices);
  std::vector<bool> exits(vertices, false);
  std::vector<std::uint8_t> encoding(stride_, 0);
  for (std::uint32_t v = 0; v < vertices; ++v) {
    const State state = StateAt(state_of[v]);
    for (int op = 0; op < op_count_; ++op) {
      if (!allowed(op) || !model_.Step(state, op, &post)) continue;
      model_.Encode(post, encoding.data());
      const std::uint32_t target = vertex_of(encoding.data());
      if (target == kNoParent) {
        exits[v] = true;
      } else {
        boost::add_edge(v, target, graph);
        ++result.graph_edges;
      }
    }
  }

  std::vector<std::uint32_t> component(vertices);
  const std::uint32_t components =
      vertices == 0 ? 0
                    : static_cast<std::uint32_t>(boost::strong_components(
                          graph, boost::make_iterator_property_map(
                                     component.begin(), boost::get(boost::vertex_index, graph))));
  result.components = components;

  // A component reaches the goal if one of its vertices exits, or it has an edge into a
  // component that does. Propagate backwards over the condensation.
  std::vector<bool> component_good(components, false);
  std::vector<bool> component_has_out(components, false);
  std::vector<std::vector<std::uint32_t>> reverse_condensation(components);
  for (std::uint32_t v = 0; v < vertices; ++v) {
    if (exits[v]) component_good[component[v]] = true;
    for (auto [it, end] = boost::out_edges(v, graph); it != end; ++it) {
      const std::uint32_t w = static_cast<std::uint32_t>(boost::target(*it, graph));
      if (component[w] != component[v]) {
        component_has_out[component[v]] = true;
        reverse_condensation[component[w]].push_back(component[v]);
      }
    }
  }
  std::vector<std::uint32_t> work;
  for (std::uint32_t c = 0; c < components; ++c) {
    if (component_good[c]) work.push_back(c);
  }
  while (!work.empty()) {
    const std::uint32_t c = work.back();
    work.pop_back();
    for (std::uint32_t pred : reverse_condensation[c]) {
      if (!component_good[pred]) {
        component_good[pred] = true;
        work.push_back(pred);
      }
    }
  }
  reverse_condensation.clear();
  reverse_condensation.shrink_to_fit();

  std::uint32_t lasso_vertex = kNoParent;
  for (std::uint32_t v = 0; v < vertices; ++v) {
    if (component_good[component[v]]) continue;
    ++result.failing_states;
    // Vertices are in state (BFS) order, so the first bottom one has the shortest stem.
    if (lasso_vertex == kNoParent && !component_has_out[component[v]]) lasso_vertex = v;
  }
  if (result.failing_states == 0) {
    result.verdict = LivenessVerdict::kHolds;
    return finish();
  }
  if (lasso_vertex == kNoParent) {
    throw ExplorationError("liveness: failing states but no terminal failing component");
  }
  result.verdict = LivenessVerdict::kViolated;
  result.lasso_state = state_of[lasso_vertex];
  result.stem = OpNames(PathTo(result.lasso_state));

  // Shortest cycle through the lasso vertex inside its component: BFS from it until an edge
  // returns to it.
  const std::uint32_t home = lasso_vertex;
  std::vector<std::uint32_t> previous(vertices, kNoParent);
  std::deque<std::uint32_t> queue{home};
  std::uint32_t closing = kNoParent;  // the vertex whose edge returns home
  std::vector<bool> seen(vertices, false);
  seen[home] = true;
  while (!queue.empty() && closing == kNoParent) {
    const std::uint32_t v = queue.front();
    queue.pop_front();
    for (auto [it, end] = boost::out_edges(v, graph); it != end; ++it) {
      const std::uint32_t w = static_cast<std::uint32_t>(boost::target(*it, graph));
      if (w == home) {
        closing = v;
        break;
      }
      if (!seen[w] && component[w] == component[home]) {
        seen[w] = true;
        previous[w] = v;
        queue.push_back(w);
      }
    }
  }
  if (closing == kNoParent) {
    result.deadlock = true;  // a single vertex with no allowed op enabled
    return finish();
  }
  std::vector<std::uint32_t> cycle{home};
  for (std::uint32_t v = closing; v != home; v = previous[v]) cycle.push_back(v);
  std::reverse(cycle.begin() + 1, cycle.end());
  cycle.push_back(home);
  // Name each hop by the first allowed op that makes it.
  for (std::size_t k = 0; k + 1 < cycle.size(); ++k) {
    const State state = StateAt(state_of[cycle[k]]);
    const std::uint8_t* to = encodings_.At(state_of[cycle[k + 1]]);
    for (int op = 0; op < op_count_; ++op) {
      if (!allowed(op) || !model_.Step(state, op, &post)) continue;
      model_.Encode(post, encoding.data());
      if (SameEncoding(encoding.data(), to)) {
        result.cycle.emplace_back(model_.OpName(op));
        break;
      }
    }
  }
  return finish();
}

template <ExplorableModel Model>
void Explorer<Model>::WriteStateDump(std::ostream& out) const {
  std::vector<std::uint32_t> order(encodings_.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return std::memcmp(encodings_.At(a), encodings_.At(b), stride_) < 0;
  });
  std::vector<int> tuple;
  std::string line;
  for (std::uint32_t index : order) {
    tuple.clear();
    model_.StateTuple(StateAt(index), &tuple);
    line.clear();
    for (std::size_t k = 0; k < tuple.size(); ++k) {
      if (k != 0) line += ',';
      line += std::to_string(tuple[k]);
    }
    line += '\n';
    out << line;
  }
}

template <ExplorableModel Model>
void Explorer<Model>::WriteDot(std::ostream& out, std::uint64_t max_states) const {
  if (encodings_.size() > max_states) {
    throw std::runtime_error("the state graph has " + std::to_string(encodings_.size()) +
                             " states, more than the " + std::to_string(max_states) +
                             " a DOT drawing is useful for");
  }
  out << "digraph states {\n  node [shape=box, fontname=\"monospace\", fontsize=10];\n";
  for (std::uint32_t i = 0; i < encodings_.size(); ++i) {
    out << "  s" << i << " [label=\"#" << i << " (level " << LevelOf(i) << ")\\n"
        << EscapeQuoted(model_.DescribeState(StateAt(i))) << "\"" << (i == 0 ? ", penwidth=2" : "")
        << "];\n";
  }
  for (std::uint32_t i = 0; i < encodings_.size(); ++i) {
    for (const auto& [op, target] : Successors(i)) {
      out << "  s" << i << " -> s" << target << " [label=\"" << EscapeQuoted(model_.OpName(op))
          << "\"];\n";
    }
  }
  out << "}\n";
}

template <ExplorableModel Model>
void Explorer<Model>::WritePathsDot(
    std::ostream& out, const std::vector<std::pair<std::string, std::vector<int>>>& paths) const {
  out << "digraph paths {\n  node [shape=box, fontname=\"monospace\", fontsize=10];\n";
  std::vector<std::vector<std::uint8_t>> drawn;  // encodings already drawn, in drawing order
  auto node_of = [&](const State& state, bool* fresh) {
    std::vector<std::uint8_t> encoding = EncodePadded(state);
    for (std::size_t k = 0; k < drawn.size(); ++k) {
      if (drawn[k] == encoding) {
        *fresh = false;
        return k;
      }
    }
    drawn.push_back(std::move(encoding));
    *fresh = true;
    return drawn.size() - 1;
  };
  for (const auto& [title, ops] : paths) {
    State state = model_.InitialState();
    bool fresh = false;
    std::size_t node = node_of(state, &fresh);
    if (fresh) {
      out << "  n" << node << " [label=\"" << EscapeQuoted(model_.DescribeState(state))
          << "\", penwidth=2];\n";
    }
    for (std::size_t k = 0; k < ops.size(); ++k) {
      State post;
      if (!model_.Step(state, ops[k], &post)) {
        throw ExplorationError("paths DOT: op " + std::string(model_.OpName(ops[k])) +
                               " is not enabled on the path");
      }
      const std::size_t next = node_of(post, &fresh);
      if (fresh) {
        out << "  n" << next << " [label=\"" << EscapeQuoted(model_.DescribeState(post))
            << "\"];\n";
      }
      out << "  n" << node << " -> n" << next << " [label=\"" << EscapeQuoted(title) << ": "
          << (k + 1) << ". " << EscapeQuoted(model_.OpName(ops[k])) << "\"];\n";
      node = next;
      state = post;
    }
  }
  out << "}\n";
}

}  // namespace mmcheck::solver::explicit_state
