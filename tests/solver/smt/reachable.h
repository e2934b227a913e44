// SPDX-License-Identifier: GPL-2.0
// Every reachable concrete state of a symbolic universe, by breadth-first
// search over model::Apply from the state after BmcPrologue(), and the
// comparison of one concrete step with the symbolic one. Shared by the
// exhaustive conformance test and the check of k-induction's strengthening
// invariants on reachable states.
//
// The search follows every op instance of SymbolicModel::Alphabet(), with
// cpu_write's value drawn from `write_values` (the subset never branches on
// data: values are only copied, so two values show every copy apart), and
// keeps only successors inside the subset (SymbolicLayout::OutsideSubset;
// the symbolic step marks the others `outside`). States are deduplicated by
// their full model::World, looked up by projection.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/container_hash/hash.hpp>

#include "solver/smt/symbolic_model.h"
#include "tests/solver/smt/expr_eval.h"

namespace mmcheck::solver::smt::testing {

// The value of a numeral Z3 expression (bool: 0/1). Throws if not a numeral.
uint64_t Numeral(const z3::expr& e);

// The op instances the search and the comparison use: the alphabet, with
// cpu_write once per value of `write_values`.
std::vector<model::Op> ConcreteAlphabet(const SymbolicModel& sm,
                                        const std::vector<int>& write_values);

struct ReachableStates {
  std::vector<model::World> states;  // BFS order; states[0] is the prologue's
  std::vector<int> depth;            // steps from states[0]
  size_t transitions = 0;            // enabled (state, op) pairs
  size_t outside = 0;                // of them, steps leaving the subset
  bool complete = true;              // false: stopped at `max_states` or `max_depth`
};

// Breadth-first search. `visit(w, op)` is called for every state and every op
// of ConcreteAlphabet (enabled or not) before the successor is taken; it may
// return false to stop the search.
ReachableStates EnumerateReachable(
    const SymbolicModel& sm, const std::vector<int>& write_values, size_t max_states, int max_depth,
    const std::function<bool(const model::World&, const model::Op&)>& visit);

// Compares the symbolic step of `op` from `w` with model::Apply: enabled,
// outside, every projected field, the progress obligations and every state
// property. Returns "" or the first difference. (Builds and simplifies Z3
// expressions: milliseconds a transition. CheckAllReachable below is the
// fast, compiled form.)
std::string CompareStep(const SymbolicModel& sm, const model::World& w, const model::Op& op);

// ---- Every reachable state, compared through compiled symbolic steps ----

// What model::Apply does with one op instance, in the projection's terms.
struct ConcreteStep {
  bool enabled = false;
  std::string outside;         // why the successor leaves the subset, or ""
  std::vector<uint64_t> next;  // the successor's projection (enabled and inside)
  bool reclaim_stuck = false;  // a reclaim-makes-progress obligation failed
  bool migrate_stuck = false;  // a migration-makes-progress obligation failed
};

// Every symbolic step of the alphabet built once over the fresh state
// "x.<field>" and cpu_write's value "value", compiled to tapes (expr_eval.h);
// the state properties and strengthening invariants likewise.
class CompiledModel {
 public:
  explicit CompiledModel(const SymbolicModel& sm);

  const SymbolicModel& model() const { return sm_; }
  // The index in SymbolicModel::Alphabet() of `op` (cpu_write: any value).
  size_t AlphabetIndex(const model::Op& op) const;
  // Outputs of Step: kEnabled, kOutside, kReclaimStuck, kMigrateStuck, then
  // the next state's fields from kNext.
  enum { kEnabled, kOutside, kReclaimStuck, kMigrateStuck, kNext };
  // The step of alphabet op `index` from projected state `s` with value
  // `value`, into `out` (kNext + layout size values).
  void Step(size_t index, std::span<const uint64_t> s, uint64_t value,
            std::span<uint64_t> out) const;
  // The same through Z3 (substitute the numerals, simplify): the evaluator's
  // cross-check.
  std::vector<uint64_t> StepByZ3(size_t index, std::span<const uint64_t> s, uint64_t value) const;
  // SymbolicModel::StateProperties() then StrengtheningInvariants(), each 0/1.
  void Properties(std::span<const uint64_t> s, std::span<uint64_t> out) const;
  std::vector<uint64_t> PropertiesByZ3(std::span<const uint64_t> s) const;
  // The roots of Step(index, ., value) with the value substituted (a
  // numeral): what a tape over the whole concrete alphabet compiles.
  std::vector<z3::expr> StepRoots(size_t index, uint64_t value) const;
  const std::vector<z3::expr>& StepRoots(size_t index) const;  // over the value's constant
  const std::vector<z3::expr>& property_roots() const { return property_roots_; }
  // The state constants and cpu_write's value, the inputs of every root.
  std::vector<z3::expr> InputConstants() const;
  size_t property_count() const { return property_names_.size(); }
  const std::string& property_name(size_t i) const { return property_names_[i]; }
  size_t tape_nodes() const;  // all tapes together

 private:
  z3::expr_vector Inputs() const;
  z3::expr_vector Numerals(std::span<const uint64_t> s, uint64_t value) const;

  const SymbolicModel& sm_;
  SymState fresh_;
  z3::expr value_;
  std::vector<std::vector<z3::expr>> step_roots_;  // per alphabet op
  std::vector<ExprTape> steps_;
  std::vector<std::string> property_names_;
  std::vector<z3::expr> property_roots_;
  std::unique_ptr<ExprTape> properties_;
  mutable ExprTape::Scratch scratch_, properties_scratch_;  // Step, Properties: one thread
  mutable std::vector<uint64_t> in_;
};

// The concrete step of `op` from `w` (`after` receives the successor).
ConcreteStep ApplyConcrete(const SymbolicLayout& lay, const model::World& w, const model::Op& op,
                           model::World& after);

// The first difference between a concrete step and the compiled symbolic
// outputs of the same step (CompiledModel::Step), or "".
std::string DiffStep(const SymbolicLayout& lay, const model::Op& op, const ConcreteStep& c,
                     std::span<const uint64_t> symbolic);

// The Z3 terms a symbolic model builds: for every op of its alphabet the
// outputs of its step (enabled, outside, the progress obligations, the next
// state) over the fresh state "x." and cpu_write's value "value", then
// every state property and strengthening invariant (CompiledModel's roots,
// in the same order).
std::vector<z3::expr> SymbolicTerms(const SymbolicModel& sm);

// Whether two term lists of one Z3 context are the same ASTs: Z3 shares
// equal terms in a context, so equal expressions have equal ids (while
// both lists hold them).
bool SameTerms(const std::vector<z3::expr>& a, const std::vector<z3::expr>& b);

// Whether `a` and `b` (one Z3 context) have the same alphabet and build the
// same Z3 ASTs for every step of it and every property.
bool SameSymbolic(const SymbolicModel& a, const SymbolicModel& b);

// A knob set checked alongside a search by equivalence (CheckAllReachable).
struct ExhaustiveFollower {
  std::string name;
  model::Knobs knobs;
};

// What became of one follower.
struct FollowerResult {
  std::string name;
  // The symbolic model of the follower's knobs builds the same expressions
  // (the same Z3 ASTs) as the search's for every step and property; if not,
  // nothing else was checked and `first_diff` says so.
  bool same_symbolic = false;
  // "" when every concrete step and state property on every state the
  // search visited is the same under the follower's knobs; else the first
  // difference.
  std::string first_diff;
  size_t compared = 0;  // (state, op) pairs stepped under its knobs
};

// What a follower's knobs give where the leader's gave a ConcreteStep, or
// the state properties under them (ExhaustiveOptions::tamper_follower).
struct FollowerOutcome {
  const model::Op* op = nullptr;  // the step; nullptr: the state's properties
  bool enabled = false;           // op: the enabled test
  model::World* after = nullptr;  // op, enabled: the successor (the follower's
                                  // knobs); a hook that enables a step gives one
  bool reclaim_stuck = false;     // op, enabled: the progress obligations
  bool migrate_stuck = false;
  std::vector<uint64_t>* properties = nullptr;  // no op: StateProperties() order, 1 holds
};

struct ExhaustiveOptions {
  std::vector<int> write_values = {1, 2};  // cpu_write's values (see below)
  size_t max_states = SIZE_MAX;            // stop, incomplete, after this many states
  // Cross-check the compiled evaluator against Z3 on every z3_every-th
  // compared transition (and state's properties), and the whole comparison
  // against CompareStep; 0: never.
  size_t z3_every = 0;
  bool check_invariants = true;  // StrengtheningInvariants hold on every state
  // Tests only: changes the concrete outcome before it is compared, to show
  // that a difference is reported.
  std::function<void(const model::Op&, ConcreteStep&)> tamper;
  // Tests only: changes what a follower's knobs give on the leader's state
  // `w` before it is compared with the leader's, to show that a follower
  // that differs is reported (and, in CheckByClasses, searched on its own).
  // Called from several threads at once when `threads` > 1.
  std::function<void(const ExhaustiveFollower&, const model::World& w, FollowerOutcome&)>
      tamper_follower;
  // Called after each BFS level with the running result (progress output).
  std::function<void(const struct ExhaustiveResult&)> on_level;
  // Worker threads comparing each BFS level's states (each its share, in
  // order; the visited set is merged after the level in that order, so the
  // states, their order and every count are the same for any number).
  // `tamper` is then called from several threads at once.
  int threads = 1;
  // Evaluate the tape lazily (ExprTape::Load, Root: only the nodes the
  // outputs need) instead of every node of it (ExprTape::Eval). The same
  // results; lazily is slower on the symbolic model's tapes (bench/README.md).
  bool lazy_tape = false;
  // Knob sets to check by equivalence with this search's (see
  // CheckAllReachable); empty: none.
  std::vector<ExhaustiveFollower> followers;
};

struct ExhaustiveResult {
  size_t states = 0;                      // distinct states (BMC's: the projection without data)
  size_t transitions = 0;                 // enabled (state, op) pairs
  size_t compared = 0;                    // (state, op) pairs compared, enabled or not
  size_t outside = 0;                     // enabled transitions leaving the subset
  size_t z3_checked = 0;                  // of them, also evaluated by Z3
  size_t tape_nodes = 0;                  // nodes of the tape (alphabet and properties)
  uint64_t nodes_computed = 0;            // node computations over all states
  int levels = 0;                         // BFS depth of the deepest state
  bool complete = true;                   // false: stopped at max_states
  std::string first_diff;                 // "" when symbolic and concrete agree everywhere
  std::vector<FollowerResult> followers;  // one per ExhaustiveOptions::followers
};

// Breadth-first search of every state reachable from the prologue under the
// concrete alphabet, comparing every transition (enabled or not) and the
// state properties of every state with the compiled symbolic model; stops at
// the first difference. States are BMC's: the projection with the data
// fields left out (BMC slices them, SymbolicLayout::IsDataField), each
// explored from the first World found with it; the data fields are still
// compared on every transition. Visited states are kept as 128-bit hashes
// of that key (a collision, probability below 2^-80 for 10^9 states, would
// skip a state).
//
// Followers: for each knob set F of `o.followers`, on every state W the
// search visits, W with F's knobs is stepped by every op of the alphabet
// and must give the same enabled test, the same exit from the subset, the
// same progress obligations, the same successor World (knobs aside) and the
// same concrete state properties; and F's symbolic model must build the
// same Z3 expressions. When the search is complete and agrees, and a
// follower has first_diff "", the search CheckAllReachable would run with
// F's knobs is this one step for step (by induction on the BFS order: same
// prologue World, same successors in the same order, so the same states and
// representatives; same symbolic and concrete outcomes on each), so F's
// conformance over its whole reachable set is proved without its own search.
ExhaustiveResult CheckAllReachable(const SymbolicModel& sm, const ExhaustiveOptions& o);

// ---- Many knob sets, most of them by equivalence ----

// One search to make: a knob set, its name, and whether the strengthening
// invariants must hold on every reachable state.
struct ConformanceSearch {
  std::string name;
  model::Knobs knobs;
  bool invariants = true;
};

// How one search of CheckByClasses was made, and what it proved.
struct SearchOutcome {
  std::string name;
  int symbolic_class = -1;  // the searches of a class build the same Z3 terms
  bool ran = false;         // false: left out (`only`)
  // "" when it was searched itself; else the search it followed step for
  // step (every concrete step on every state that search visited).
  std::string leader;
  // Each leader it was checked against and did not follow: "<leader>: <why>".
  std::vector<std::string> not_like;
  size_t states = 0;       // states of its search (its own or its leader's)
  bool complete = false;   // that search covered the whole reachable set
  std::string first_diff;  // that search's symbolic/concrete difference, or ""
  // Its conformance holds on every state reachable under its knobs.
  bool Proved() const { return ran && complete && first_diff.empty(); }
};

// Called around each leader's search (progress output, timing).
struct ClassHooks {
  // Before: may change the options of that search (not its followers nor
  // check_invariants, which the class decides).
  std::function<void(const ConformanceSearch& leader, ExhaustiveOptions& o)> before;
  // After, with its result (one FollowerResult per follower).
  std::function<void(const SearchOutcome& leader, const ExhaustiveResult& r)> after;
};

// Checks every search of `todo` in `u`, most of them by equivalence: the
// searches whose symbolic models build the same expressions (SameSymbolic)
// and that check the invariants alike form a class; the first of a class
// not yet done is searched (CheckAllReachable with `base`'s options), the
// others of its class follow it (ExhaustiveOptions::followers), and those
// that differ somewhere are left for the next round of the class, where the
// first of them leads. So every search is either searched itself or follows
// a leader that it matched on every step; a follower's outcome is its
// leader's (proved only when that search is complete and agrees).
// `only` non-empty: only the class of the search so named. Returns one
// outcome per search of `todo`, in its order.
std::vector<SearchOutcome> CheckByClasses(const model::Universe& u,
                                          const std::vector<ConformanceSearch>& todo,
                                          const ExhaustiveOptions& base,
                                          const std::string& only = "",
                                          const ClassHooks& hooks = {});

}  // namespace mmcheck::solver::smt::testing
