// SPDX-License-Identifier: GPL-2.0
// What a search is asked and what it answers: the explorer's options and limits, its status,
// counts and shortest counterexamples, and the verdict of a liveness check.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mmcheck::solver::explicit_state {

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
  // 0 = no limit; else the states of BFS levels 0..max_depth are numbered and judged (state
  // properties included), the states of level max_depth are not expanded, and the search ends
  // with ExplorationStatus::kLimitReached, limit "max depth" (unless it was complete sooner).
  int max_depth = 0;
  // 0 = no limit; else the process's resident memory (what was there when Run() started plus
  // what the explorer allocates) stays at or below it.
  std::uint64_t max_memory_bytes = 0;
  double time_budget_seconds = 0;  // 0 = no limit
  // Evaluate the goals of the model's first eight LivenessProperties() while expanding each
  // state (its own and its allowed successors'), one byte a state, so that liveness (liveness.h)
  // needs no pass of its own over the states to find those that reach a goal in one step.
  bool liveness_marks = false;
  // Between two levels that grow, size the visited table for the next level predicted from the
  // last two (Explorer::GrowAhead) instead of growing it when it fills mid-level. Changes the
  // table's size only, never the states, their numbering or any figure but memory and time.
  bool grow_ahead = true;
  // Called on the calling thread after each BFS level is numbered: the level, its states, the
  // states in all, and the seconds since the search started (progress for long searches).
  std::function<void(std::uint32_t level, std::uint64_t level_states, std::uint64_t states,
                     double seconds)>
      on_level;
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
  // Growing the visited table: every rehash, mid-level (within expand_seconds) or between levels
  // (ExplorerOptions::grow_ahead, within neither), and how many there were of each.
  double grow_seconds = 0;
  std::uint32_t grows_mid_level = 0;
  std::uint32_t grows_ahead = 0;
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
  int jobs = 1;  // threads for the passes over states; results do not depend on it
  // 0 = no limit; the graph is not built if the process's resident memory with it would exceed.
  std::uint64_t max_memory_bytes = 0;
  // Take the states that reach a goal in at most one allowed step from the marks the search
  // made (ExplorerOptions::liveness_marks) when it made them for these properties; false always
  // recomputes them (the results are the same).
  bool use_search_marks = true;
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
  std::uint64_t graph_vertices = 0;  // vertices of the reduced graph (the undecided states)
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

}  // namespace mmcheck::solver::explicit_state
