// SPDX-License-Identifier: GPL-2.0
// The main model (model::World and the one operation table) as an ExplorableModel, so that
// Explorer<MainModel> enumerates every reachable world of a bounded universe (DESIGN.md §2.3).
//
//   * Alphabet: every Op instance of OpTable() over the universe's argument ranges, in table
//     order, with data values restricted to 1..values (data values multiply the state space
//     and no property depends on which byte is written, only on whether it survives).
//     Ops can be left out by name (--op / --no-op); nothing here lists ops by hand.
//   * Step: Enabled() then Apply() on a copy. The properties that read the step's result
//     (kernel events, progress, data mismatches) are judged there, as TRANSITION properties;
//     those judged on the world alone (properties::StateOnlyProperties) are STATE properties,
//     judged once per state reached rather than once per step into it: the same verdicts and
//     the same shortest counterexamples, since a state's first BFS edge is the least (parent,
//     op) edge into it. Advisory properties are present but not asserted by default (see
//     DefaultAssertedMask).
//   * Encoding: a fixed-size canonical bit string holding every World field that can
//     affect future behaviour, each in the bits of its range in the universe (the universe and
//     knobs are constant and left out; a free swap slot's stale data is dropped; a value out
//     of its range is an ExplorationError). With symmetry on, the encoding is the minimum over
//     the permutations of swap slots (and, where enabled, folio slots and mms) — see
//     SymmetryGroups for which groups are exact. With intern_sections, the explorer stores the
//     numbers of its sections instead (main_model_sections.h).
//   * Liveness (AG EF, see LivenessProperties): from every reachable state, letting only the
//     memory-offline thread run (resp. only reclaim), frame F can be emptied of every folio a
//     correct kernel must be able to move.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/operations.h"
#include "model/profile.h"
#include "model/world.h"
#include "properties/properties.h"
#include "solver/explicit/explorer.h"
#include "traces/trace.h"

namespace mmcheck::solver::explicit_state {

namespace main_model_internal {
struct EncodingLayout;
class SectionTable;
}  // namespace main_model_internal

// The World fields (field paths of model/fields.h) the encoding leaves out, constant for a
// search. Every other field is encoded, and decoded back (tests/solver/explicit/
// main_model_test.cpp changes each field of a world in turn through the field lists and
// compares encodings), but for a free swap slot's stale data byte.
inline constexpr std::string_view kFieldsNotEncoded[] = {"universe", "knobs"};

// Which renamings --symmetry applies. Swap slots are exact by construction: a free slot
// carries no state and every slot allocation takes "any free slot". Folio slots (PMD-sized
// frame blocks of RAM) and mms are not exact in general: folio_alloc() is first-fit on frame
// order and rmap walks visit mms in index order, so a renaming can merge states with different
// futures. Whether it does on a given alphabet and universe is decided by CheckSymmetry below,
// which the explore command runs after every search with symmetry: the reduced graph is used
// only when every renaming is a bisimulation on the states explored.
struct SymmetryGroups {
  bool swap_slots = false;
  bool folio_slots = false;
  bool mms = false;
  bool Any() const { return swap_slots || folio_slots || mms; }
  // "swap slots + mms", or "off".
  std::string Describe() const;
};

// Parses --symmetry's value: a comma-separated subset of swap, mms, folios, or "all" ("" means
// swap). Throws model::ModelInputError naming an unknown group.
SymmetryGroups ParseSymmetryGroups(std::string_view text);

struct MainModelOptions {
  model::Universe universe;
  model::Profile profile;     // knobs (with --knob overrides applied) and expectations
  std::string trace_profile;  // how traces name the profile (--profile as given)
  std::vector<std::string> knob_overrides;  // --knob name=value, written into traces
  int values = 2;                           // data values 1..values for kValue arguments
  std::vector<std::string> only_ops;        // --op: keep only these (empty = all)
  std::vector<std::string> without_ops;     // --no-op: drop these
  // --restrict NAME=v1,v2: argument NAME (of every op that has it, e.g. kind, prot, npages)
  // takes only these values; symbols (private, rw, ...) or numbers.
  std::vector<std::string> restrictions;
  // --alphabet NAME: a named subset of op instances (applied with --op/--no-op/--restrict).
  // "devexcl-core": the ops that stand for the benchmark machine's alphabet (see InAlphabet).
  std::string alphabet;
  // A universe given from outside (prove --engine explicit, solver/smt/bmc_explicit.cpp): the
  // search starts from World::Initial after these ops (each must be enabled), its alphabet is
  // exactly `op_list` when that is not empty (then --op/--no-op/--restrict/--alphabet must be
  // empty), every world (the initial one and each successor) is rewritten by `normalize` before
  // it is judged, and a successor `keep` rejects is not taken (Step answers "disabled").
  std::vector<model::Op> prologue;
  std::vector<model::Op> op_list;
  std::function<void(model::World&)> normalize;
  std::function<bool(const model::World&)> keep;
  SymmetryGroups symmetry;
  properties::PropertyMask checked = 0;  // properties judged by Step (0 = every property)
  // Encode keeps each distinct mm section and each distinct rest of the world once, in the
  // model's section tables, and names a state by their numbers (main_model_sections.h): a few
  // bytes a state instead of the whole encoding. The numbers depend on the order threads meet
  // the sections, so encodings (not counts, numbering or counterexamples) differ between runs
  // with several jobs, and they mean nothing in another process (not with --mpi).
  bool intern_sections = false;
};

class MainModel {
 public:
  struct State {
    model::World world;
    // Not part of the encoding: the properties the step INTO this state violated.
    std::uint32_t step_violations = 0;
    // Not part of the encoding: Step found this world equal to the one it stepped from.
    bool unchanged = false;
    // Not part of the encoding: a number unique in the process that Decode gives the state it
    // returns (0 for every other state), and the one of the state Step stepped from. Encode
    // copies the sections of the successor that equal its decoded parent's from the parent's
    // encoding instead of writing them again (the thread keeps the last state it decoded).
    std::uint64_t decoded = 0;
    std::uint64_t parent = 0;
  };

  // Throws model::ModelInputError for an unknown --op/--no-op name or a bad --values.
  explicit MainModel(MainModelOptions options);

  const MainModelOptions& Options() const { return options_; }

  State InitialState() const;
  int OpCount() const { return static_cast<int>(ops_.size()); }
  std::string OpName(int op) const { return names_[static_cast<std::size_t>(op)]; }
  const model::Op& OpAt(int op) const { return ops_[static_cast<std::size_t>(op)]; }
  // Index of the op printed as `name` (FormatOp), or -1.
  int OpIndex(std::string_view name) const;
  bool Step(const State& state, int op, State* post) const;
  bool Unchanged(const State& post) const { return post.unchanged; }
  // Every property the step into `post` violated: its transition properties (step_violations)
  // and the state properties of the world it reached, as a properties::PropertyMask.
  std::uint32_t Violations(const State& post) const;

  std::size_t EncodingSize() const { return encoding_size_; }
  // The bits of an encoding that can be nonzero (the rest of the last byte is zero): the
  // fields' widths summed, or with intern_sections the section numbers'.
  std::size_t EncodingBits() const { return encoding_bits_; }
  // The canonical encoding: EncodeCanonical's, or with intern_sections the numbers of its
  // sections.
  void Encode(const State& state, std::uint8_t* out) const;
  State Decode(const std::uint8_t* in) const;
  // Memory the section tables hold (0 without intern_sections), beside the explorer's tables.
  std::uint64_t ExtraTableBytes() const;
  // The least exact encoding over the symmetry renamings (ExactEncodingSize() bytes).
  void EncodeCanonical(const State& state, std::uint8_t* out) const;
  // The size of an exact encoding: every field, bit-packed.
  std::size_t ExactEncodingSize() const { return exact_size_; }
  // The encoding without symmetry (the identity of this exact world), ExactEncodingSize() bytes.
  void EncodeExact(const model::World& world, std::uint8_t* out) const;
  // The world of an exact encoding (EncodeExact's or EncodeCanonical's).
  State DecodeExact(const std::uint8_t* in) const;
  // EncodeExact(Rename(world, swap, block, mm)), written without building the renamed world.
  // Encode takes the least of these over the symmetry groups.
  void EncodeRenamed(const model::World& world, const std::vector<int>& swap,
                     const std::vector<int>& block, const std::vector<int>& mm,
                     std::uint8_t* out) const;

  const std::vector<PropertyInfo>& Properties() const { return properties_; }
  // Properties judged on the world alone (properties::StateOnlyProperties) are STATE
  // properties, checked once per state; the rest are judged by Step on the post-state and the
  // StepResult and reported as transition properties.
  std::uint64_t ViolatedStateProperties(const State& state, std::uint64_t mask) const;
  std::uint64_t ViolatedTransitionProperties(const State& pre, int op, const State& post,
                                             std::uint64_t mask) const;
  std::vector<LivenessProperty<State>> LivenessProperties() const;
  void StateTuple(const State& state, std::vector<int>* tuple) const;
  std::string DescribeState(const State& state) const;

  // The explorer mask of the hard properties (advisory ones are off by default).
  std::uint64_t DefaultAssertedMask() const;
  // The explorer mask of the named properties; throws ModelInputError naming an unknown one.
  std::uint64_t MaskOf(const std::vector<std::string>& names) const;

  // Whether the renamings are a bisimulation at `state` (a state the explorer reached, so a
  // canonical representative): for every renaming g of the groups, g(state) has the same set
  // of canonical successors, each with the same property violations, as `state`. Returns ""
  // when they are, else a witness naming the renaming and a successor only one side has.
  // If this holds at every reachable representative, every reachable world has the canonical
  // successors of its representative, so the reduced graph has exactly the verdicts and the
  // shortest counterexample lengths of the full one.
  // With swap_renamings false, only the renamings that leave swap slots as they are (the
  // swap-slot renamings are exact by construction; CheckSymmetry samples them).
  // `own_posts`, when given, holds per op the successor Step(state, op) gave, or nullptr where
  // the op is disabled (the explorer's successors, so that they are not computed again).
  std::string CheckSymmetryAt(const State& state, bool swap_renamings = true,
                              const State* const* own_posts = nullptr) const;

  // Explorer hook, called once per expanded state (the explorer's state `index`) with its
  // successors posts[k] = Step(state, ops[k]), k < enabled. With mm or folio renamings on, it
  // runs CheckSymmetryAt(state, false) on them, so that CheckSymmetry need not expand every state
  // again after the search; the outcome is kept for CheckSymmetry (see SymmetryCheck).
  void Expanded(std::uint32_t index, const State& state, const State* posts, const int* ops,
                int enabled) const;

  // Turns a path of the explored graph into ops that replay on the concrete model. Without
  // symmetry the path is returned as is. With symmetry each op was taken from a canonical
  // representative; this finds, step by step, the op of the concrete world that leads to the
  // same class. The last op of a transition counterexample must also violate `property`
  // (an index into Properties(), or -1). Throws ExplorationError if no such op exists.
  std::vector<int> Concretize(const std::vector<int>& ops, int property) const;

  // A .mmtrace for `ops` on this model's profile and universe, expecting a violation of
  // `property` (empty: "expect holds"). `comments` go before the steps as header comments.
  traces::Trace MakeTrace(const std::vector<int>& ops, const std::string& property,
                          const std::string& question,
                          const std::vector<std::string>& comments) const;

 private:
  // A renaming of the groups, as indices into swap_perms_, block_perms_ and mm_perms_.
  struct Renaming {
    std::size_t swap = 0, block = 0, mm = 0;
  };
  // EncodeRenamed with the renaming's precomputed permutations and inverses.
  void EncodeRenamedAt(const model::World& world, const Renaming& g, std::uint8_t* out) const;
  // EncodeCanonical, section by section: the identity's sections that equal the decoded
  // parent's are copied from its encoding, and renamings of mms alone are compared section by
  // section before anything is written for them. numbers[i] (mm sections, then the rest;
  // optional) is the section's interned number when it is known without interning it, else
  // kUnknownSection.
  void CanonicalSections(const State& state, std::uint8_t* out, std::uint32_t* numbers) const;
  static constexpr std::uint32_t kUnknownSection = ~std::uint32_t{0};
  // What each op does from a state (CheckSymmetryAt): whether it is enabled, the post-state, and
  // (filled on demand) its canonical encoding.
  struct OwnSteps {
    bool known = false;
    std::vector<State> posts;        // the posts, when computed here
    std::vector<const State*> post;  // per op: its post, nullptr if disabled
    std::vector<std::uint8_t> encoded, canonical;
  };
  // Whether, op by op, the renamed op from `renamed` does what `own` says the op does from the
  // state `renamed` is the image of under `g`: enabled alike, into the same class, with the same
  // transition violations. Sufficient for CheckSymmetryAt.
  bool OpsCommute(OwnSteps* own, const State& renamed, const Renaming& g) const;
  // Whether y is x renamed by `g` when g renames mms alone (false for any other renaming, or
  // when they differ): the renamed encoding of x equals y's exact encoding then, without writing
  // either. Exact worlds are compared, so a free swap slot's stale data can make it false where
  // the encodings agree; it is never true where they differ.
  bool SameUnderMmRenaming(const model::World& x, const model::World& y, const Renaming& g) const;
  // Per op, the op with its mm arguments renamed by `mm`, or -1 if that op is not in the
  // alphabet.
  std::vector<int> RenamedOps(const std::vector<int>& mm) const;

  MainModelOptions options_;
  model::World initial_;
  std::vector<model::Op> ops_;
  std::vector<std::string> names_;
  std::map<std::string, int, std::less<>> index_of_name_;
  std::vector<PropertyInfo> properties_;
  std::size_t encoding_size_ = 0;
  std::size_t encoding_bits_ = 0;
  std::size_t exact_size_ = 0;
  std::shared_ptr<main_model_internal::SectionTable> mm_sections_, rest_sections_;
  std::size_t max_shmem_ = 0;
  std::shared_ptr<const main_model_internal::EncodingLayout> layout_;
  std::vector<std::vector<int>> swap_perms_, block_perms_, mm_perms_;  // identity first
  std::vector<std::vector<int>> swap_inverses_, block_inverses_, mm_inverses_;
  std::vector<std::vector<int>> renamed_ops_;  // RenamedOps(mm_perms_[m]), per m

 public:
  // What Expanded() found during a search (one record per model; a second search with the same
  // model adds to it, and CheckSymmetry then sees that the counts do not match one search).
  struct CheckDuringSearch;
  const CheckDuringSearch* SearchCheck() const { return search_check_.get(); }

 private:
  std::shared_ptr<CheckDuringSearch> search_check_;  // null without mm or folio renamings
};

// Renames swap slots, RAM frame blocks and mms of `w`: slot s becomes swap[s], block b becomes
// block[b], mm m becomes mm[m]. Every reference (PTE and PMD numbers, swap PTEs, page-cache
// heads, mirror entries, the lock thread's folio) follows. Device-private frames keep their
// places: an entry is renamed by the frame the model resolves it to (World::EntryFrame, which
// dispatches on the entry's kind like softleaf_to_page), so a device offset that equals a RAM
// PFN stays a device offset.
model::World Rename(const model::World& w, const std::vector<int>& swap,
                    const std::vector<int>& block, const std::vector<int>& mm);

// The outcome of checking the renamings on every explored state.
//
// Swap-slot renamings are exact by construction (main_model_check.cpp says why): they are
// checked on a deterministic sample of the states (every n-th state, about 4096), the renamings
// of the other groups on every state. Those are checked during the search (MainModel::Expanded)
// on the successors the explorer computed anyway; CheckSymmetry then expands only the swap
// sample, or every state again if the search's record does not cover exactly the states of
// `explorer` (another explorer, or a second search with the same model).
struct SymmetryCheck {
  bool exact = true;
  std::uint64_t states = 0;         // states checked (with swap slots alone: the sample)
  std::uint64_t swap_sampled = 0;   // states on which the swap-slot renamings were checked
  std::uint64_t renamings = 0;      // renamings per state (the group's size minus one)
  std::uint32_t witness_state = 0;  // the lowest-numbered state where a renaming fails
  std::string witness;              // CheckSymmetryAt's witness there
  // The after-search wall time plus the thread time the check took during the search.
  double seconds = 0;
  bool during_search = false;  // the non-swap renamings were checked during the search
};

// Runs CheckSymmetryAt on every state the explorer numbered, on `jobs` threads. The result is
// the same for every `jobs` (the lowest failing state is reported).
SymmetryCheck CheckSymmetry(const MainModel& model, const Explorer<MainModel>& explorer, int jobs);

}  // namespace mmcheck::solver::explicit_state
