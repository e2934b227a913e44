// SPDX-License-Identifier: GPL-2.0
// Bounded model checking and k-induction of the model's properties on the
// symbolic transition relation (symbolic_model.h), one profile at a time.
//
// BMC unrolls the transition relation from the state after the fixed
// prologue (BmcPrologue) on one incremental solver and asks, depth by depth,
// whether any of the properties can be violated after exactly d steps (the
// disjunction of their negations under one assumption literal, expecting
// unsat); depth d+1 adds one step to what depth d built and learned. A sat answer is decoded into
// ops, written as a .mmtrace (prologue + ops) and replayed on the concrete model (traces/replay.h),
// which must show the same property violated at the same step; if it does not, the result is a
// model/encoding mismatch, never a refutation. k-induction strengthens the property with the
// model's other invariants (SymbolicModel::StateProperties and StrengtheningInvariants), each an
// assumption tracked by its name ("assume:<name>"), plus the simple-path constraint
// ("simple-path"), so the unsat core lists the ones the proof used. The step case is one query
// per op instance of the alphabet (the last step is that op's own step formula): it holds when
// every one is unsat, and an op whose query gives up is named in the reason. A solver unknown or
// timeout is reported as unknown, never as proved.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "model/profile.h"
#include "traces/trace.h"

namespace mmcheck::solver::smt {

enum class BmcVerdict : uint8_t {
  kBounded,    // no violation up to `depth` steps after the prologue, in `universe`
  kInductive,  // holds at every depth: k-inductive with the listed assumptions
  kRefuted,    // a violation after `depth` steps; `trace` replays it
  kMismatch,   // Z3 found a path the concrete model does not confirm
  kUnknown,    // the solver gave up (timeout, incomplete), or induction failed
  kExhausted,  // holds at every depth: the explicit engine's search saw every reachable state
};
std::string_view BmcVerdictName(BmcVerdict v);

// The cubes of a BMC query (BmcOptions::jobs).
inline constexpr int kBmcCubes = 4;

struct BmcOptions {
  int depth = 4;                 // steps after the prologue
  bool induction = false;        // also try k-induction with k = depth
  unsigned timeout_ms = 60'000;  // per solver query
  // The whole run's end: no query runs past it, and one it stops makes the verdict unknown.
  // With a deadline, contexts are freed on a thread of their own (FreeingContexts()).
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  model::Universe universe;  // default: BmcUniverse()
  // k-induction strengthens the property with every state invariant of
  // SymbolicModel::StateProperties(); false: only with subset-well-formed.
  // With SymbolicModel::StrengtheningInvariants() too.
  bool strengthen_with_all_invariants = true;
  // The step case's k+1 states are pairwise distinct (tracked as "simple-path").
  bool simple_path = true;
  // A proved step case's unsat core is the union of its per-op cores, each
  // from the incremental solver when it answers within 2 s (else every tracked
  // assumption of that op); false: every tracked assumption.
  bool minimize_core = true;
  // The op codes of the alphabet (empty: every op of SymbolicOpCodes()).
  std::vector<model::OpCode> ops;
  // BMC queries on the one incremental SAT solver (learned clauses kept
  // across depths); false: each query on a fresh bit-blasting solver after
  // simplification, value propagation and equation solving over the whole
  // unrolling, which the incremental solver cannot do across steps. From the
  // prologue's numeral state the fresh one is much faster at every depth
  // measured (bench/prove_bmc.sh), so it is the default.
  bool incremental = false;
  // Threads for BMC's fresh queries: each depth's query is split into kBmcCubes cubes by the op of
  // its first step, each solved in a Z3 context of its own, up to `jobs` at once. The answer
  // (and the counterexample) is the first cube's, in cube order, that is not unsat: identical for
  // every value of `jobs`.
  int jobs = 1;
  // CheckPropertiesExplicit: the process's memory limit (ExplorerOptions::max_memory_bytes; 0 =
  // none). A search that would need more stops, and its verdicts are unknown.
  std::uint64_t max_memory_bytes = 0;
  // Every step before the last (and the last, for a state property) changes
  // the state: shortest counterexamples never stutter (see bmc.cpp).
  bool no_stutter = true;
  // Called after each BMC depth with a line of solver statistics (time,
  // conflicts, decisions, memory): `prove -v`.
  std::function<void(const std::string&)> progress;
  BmcOptions();
};

struct BmcResult {
  std::string profile;
  std::string property;
  BmcVerdict verdict = BmcVerdict::kUnknown;
  int depth = 0;  // refuted/mismatch: the violating step (after the prologue); else depth checked
  // Refuted or mismatch: the decoded ops (prologue first) as a trace, and
  // what the concrete replay showed.
  traces::Trace trace;
  std::vector<model::Op> ops;
  bool replay_confirmed = false;
  std::string replay_detail;
  // kInductive: the tracked names the step case's unsat core used.
  std::vector<std::string> unsat_core;
  // Induction requested but not concluded: which conjunct fails and how
  // (the failing step's op), or why the base case failed.
  std::string induction_note;
  std::string reason;  // kUnknown: the solver's reason
};

// The properties BMC can check: the symbolic state properties (without
// subset-well-formed) and the progress properties.
const std::vector<std::string>& BmcProperties();
bool IsBmcProperty(std::string_view name);

// Whether contexts of a run with a deadline are still being freed (on a thread of their own).
// A command that has printed its results need not wait for them: see ContextReaper in bmc.cpp.
bool FreeingContexts();

// Checks every property of `properties` on `profile` with one unrolling:
// one result per property, in order. Throws like CheckProperty.
std::vector<BmcResult> CheckProperties(const model::Profile& profile,
                                       const std::vector<std::string>& properties,
                                       const BmcOptions& options);

// The same question as CheckProperties, answered by breadth-first search over the concrete
// model (bmc_explicit.cpp): the universe, prologue, alphabet and properties of the symbolic
// model, every reachable state up to `depth` steps after the prologue (with `jobs` threads,
// within the deadline and timeout_ms). Refutations are the shortest, replayed like BMC's; a
// search that exhausts the reachable set first answers kExhausted. Ignores `induction`,
// `incremental` and the solver options.
std::vector<BmcResult> CheckPropertiesExplicit(const model::Profile& profile,
                                               const std::vector<std::string>& properties,
                                               const BmcOptions& options);

// The results both engines start from: one per property, in order, naming the profile. Throws
// like CheckProperty for a property with no symbolic form. When the symbolic model does not
// encode the profile's knobs in o.universe, each result is unknown with the reason, and
// `*encoded` is false.
std::vector<BmcResult> NewResults(const model::Profile& profile,
                                  const std::vector<std::string>& properties, const BmcOptions& o,
                                  bool* encoded);

// Builds the trace of a counterexample (r.ops, prologue first) and replays it on the concrete
// model: r.verdict becomes kRefuted when the replay violates r.property at step r.depth after the
// prologue, else kMismatch. `found_by`: the trace's first comment lines.
void ReplayCounterexample(const model::Profile& profile, const BmcOptions& o,
                          const std::vector<std::string>& found_by, BmcResult& r);

// Checks `property` on `profile`. REQUIRES: IsBmcProperty(property) (else
// throws std::invalid_argument listing the accepted names).
BmcResult CheckProperty(const model::Profile& profile, const std::string& property,
                        const BmcOptions& options);

}  // namespace mmcheck::solver::smt
