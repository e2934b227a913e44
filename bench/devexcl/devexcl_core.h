// SPDX-License-Identifier: GPL-2.0
// devexcl-core: the benchmark machine of bench/devexcl-core.md (spec v1), as a compact model for
// the explorer. The same machine exists as a SPIN model and as a plain enumerator; their state
// counts agree. It is a benchmark, not part of the checker: only `mmcheck explore --bench` and
// the tests link it.
//
// What it models: order-0 anonymous folios, one private anonymous VMA per mm (two mms, the
// second created by fork), swap, migration and one device asking for device-exclusive access,
// before (OLD) and after (NEW) David Hildenbrand's series "mm: fixes for device-exclusive
// entries (hmm)" (6.15). Every operation is one atomic transition. The spec is followed to the
// letter, including its modelling choices (§9), so that state sets match the SPIN reference
// bit for bit; where the spec and the kernel differ, the spec wins here. How the main mmcheck
// model differs from it: bench/devexcl-core-vs-main-model.md.
//
// The state is kept unpacked (bytes) while an op runs and packed into 8 bytes (16 for universes
// over 64 bits, such as -XL's 69), big-endian, fields in the spec's §2.1 tuple order, zero bits
// after them, for the explorer's table. Packing in tuple order makes byte order equal to
// integer-tuple order, so the dump sorts by memcmp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "solver/explicit/exploration_result.h"
#include "solver/explicit/model_concept.h"

namespace mmcheck::bench {

using solver::explicit_state::ExplorationError;
using solver::explicit_state::LivenessProperty;
using solver::explicit_state::PropertyInfo;
using solver::explicit_state::PropertyKind;

enum class DevexclSemantics { kOld, kNew };

// The size of one benchmark variant (spec §0). The number of mms is always 2.
struct DevexclUniverse {
  std::string name;  // "devexcl-core", "devexcl-core-L", "devexcl-core-XL", or "custom"
  int pages_per_mm;  // NPG
  int folios;        // NF
  int slots;         // NS
  DevexclSemantics semantics = DevexclSemantics::kNew;
};

// Returns the named variant ("devexcl-core", "devexcl-core-L" or "devexcl-core-XL"), or nullopt.
std::optional<DevexclUniverse> DevexclBenchByName(std::string_view name,
                                                  DevexclSemantics semantics);
// The accepted bench names, for messages: "devexcl-core, devexcl-core-L, devexcl-core-XL".
const char* DevexclBenchNames();

class DevexclCoreModel {
 public:
  static constexpr int kMaxPagesPerMm = 4;
  static constexpr int kMaxPtes = 2 * kMaxPagesPerMm;
  static constexpr int kMaxFolios = 4;
  static constexpr int kMaxSlots = 4;

  // pte[p].kind (spec §2.1 codes).
  enum PteKind : std::uint8_t { kNone = 0, kPresent = 1, kDevExclusive = 2, kSwap = 3 };

  // The spec's state variables, unpacked. `step_faults` is scratch written by Step(): the
  // in-operation sanity checks (S4, S5) that failed. It is not part of the state: not encoded,
  // not compared.
  struct State {
    std::uint8_t mm1 = 0;
    std::uint8_t kind[kMaxPtes] = {};
    std::uint8_t id[kMaxPtes] = {};
    std::uint8_t write[kMaxPtes] = {};
    std::uint8_t alloc[kMaxFolios] = {};
    std::uint8_t ref[kMaxFolios] = {};
    std::uint8_t map[kMaxFolios] = {};
    std::uint8_t anon_exclusive[kMaxFolios] = {};
    std::uint8_t dirty[kMaxFolios] = {};
    std::uint8_t grant[kMaxFolios] = {};
    std::uint8_t swap_count[kMaxSlots] = {};
    std::uint8_t step_faults = 0;
    std::uint8_t padding[2] = {};  // to whole 8-byte words, for the range check; always 0
  };
  static_assert(sizeof(State) == 56);

  // The op kinds of spec §4, in the order of the alphabet within one p or f.
  enum class OpKind {
    kCpuWrite,
    kCpuRead,
    kMakeDeviceExclusive,
    kMunmap,
    kDeviceRelease,
    kReclaim,
    kMigrate,
    kFork
  };
  struct OpInstance {
    OpKind kind;
    int arg;  // p for the PTE ops, f for the folio ops, 0 for fork
  };

  // Property indices (bit i of a property mask); see Properties() for names and meanings.
  enum PropertyIndex {
    kP1MapcountConsistency,
    kP2RefcountCoversMapcount,
    kP3Reclaimable,
    kP4NoDangling,
    kS0FieldRanges,
    kS1CanonicalForm,
    kS2RefcountExact,
    kS3SwapCountExact,
    kS4RestoreSeesExclusive,
    kS5WalkOutcome,
    kPropertyCount
  };

  // REQUIRES: 1 <= pages_per_mm <= 4, 1 <= folios <= 4, 1 <= slots <= 4 (throws
  // std::invalid_argument otherwise).
  explicit DevexclCoreModel(const DevexclUniverse& universe);

  const DevexclUniverse& universe() const { return universe_; }
  bool old_semantics() const { return old_; }
  int pte_count() const { return ptes_; }

  // --- ExplorableModel ---
  State InitialState() const { return State{}; }
  int OpCount() const { return static_cast<int>(ops_.size()); }
  // E.g. "make_device_exclusive(mm0,va0)", "device_release(f0)", "fork".
  std::string OpName(int op) const;
  const OpInstance& Op(int op) const { return ops_[op]; }
  // Index of the op instance with this name, or -1.
  int OpIndex(std::string_view name) const;
  bool Step(const State& state, int op, State* post) const;
  std::size_t EncodingSize() const { return encoding_bytes_; }
  // The bits of the packing (69 for -XL): the explorer keeps such encodings whole in its table.
  std::size_t EncodingBits() const { return static_cast<std::size_t>(total_bits_); }
  void Encode(const State& state, std::uint8_t* out) const;
  State Decode(const std::uint8_t* in) const;
  const std::vector<PropertyInfo>& Properties() const { return properties_; }
  std::uint64_t ViolatedStateProperties(const State& state, std::uint64_t mask) const;
  std::uint64_t ViolatedTransitionProperties(const State& pre, int op, const State& post,
                                             std::uint64_t mask) const;
  // One property per folio f, "offline-progress-f<f>"; see the .cpp for what it states.
  std::vector<LivenessProperty<State>> LivenessProperties() const;
  // The spec §2.1 tuple.
  void StateTuple(const State& state, std::vector<int>* tuple) const;
  // One line, e.g. "mm0[P0w X1] mm1[- S0] f0(r2 m1 ax d g) f1(r1 m1 d) f2(-) sw[1 0]".
  std::string DescribeState(const State& state) const;

  // The property mask of the given labels or names ("P1", "reclaimable"); throws
  // std::invalid_argument naming an unknown one.
  std::uint64_t PropertyMask(const std::vector<std::string>& labels_or_names) const;

 private:
  bool Exists(const State& s, int p) const { return p < pages_ || s.mm1 != 0; }
  bool HasFreeFolio(const State& s) const;
  bool HasFreeSlot(const State& s) const;
  int Mapped(const State& s, int f) const;
  bool WriteFaultGuard(const State& s, int p) const;
  int NewFolio(State* s, int anon_exclusive, int dirty) const;
  void Put(State* s, int f) const;
  void Restore(State* s, int p) const;
  void WriteFault(State* s, int p) const;
  bool WithinRanges(const State& s) const;
  void EncodePortable(const State& s, std::uint8_t* out) const;
  void EncodeBmi2(const State& s, std::uint8_t* out) const;
  void EncodeBmi2Wide(const State& s, std::uint8_t* out) const;
  State DecodeBmi2(const std::uint8_t* in) const;
  State DecodeBmi2Wide(const std::uint8_t* in) const;

  DevexclUniverse universe_;
  bool old_;
  int pages_;   // NPG
  int ptes_;    // 2 * NPG
  int folios_;  // NF
  int slots_;   // NS
  int id_bits_;
  int total_bits_;
  std::size_t encoding_bytes_;
  bool use_bmi2_;  // the CPU has pext and the state fits 128 bits (the packers agree)
  std::uint64_t lane_masks_[10];  // per field array, for pext
  int lane_widths_[10];           // bits each field array packs to
  // Bit 0 of each part in the packed word: [0] mm1, [k + 1] field array k (the bits of the
  // arrays after it; [10] = 0).
  int lane_shifts_[11];
  // Per byte of State, 127 - the largest value allowed there (S0); see WithinRanges.
  std::uint64_t range_addends_[sizeof(State) / 8];
  std::vector<OpInstance> ops_;
  std::vector<PropertyInfo> properties_;
};

static_assert(solver::explicit_state::ExplorableModel<DevexclCoreModel>);

}  // namespace mmcheck::bench
