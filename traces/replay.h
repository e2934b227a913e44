// SPDX-License-Identifier: GPL-2.0
// Replaying a trace on the model: the verdict against the trace's
// expectation, a step table with the state change after each step, a
// side-by-side comparison of two profiles, and exports (ITF JSON, DOT).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "traces/scenarios.h"
#include "traces/trace.h"

namespace mmcheck::traces {

struct ReplayResult {
  model::Profile profile;
  ScenarioRun run;                   // every step with its result and violations
  std::vector<model::World> states;  // the state after each step (states[0] = initial)
  std::string violated;              // the first hard property violated (by step), "" if none
  int violated_step = 0;             // 1-based, 0 if none
  bool matches = false;              // the outcome agrees with the trace's `expect` line
  std::string verdict;               // "holds" or "violates <property> at step N"
  // ReplayUntilDisabled only: the first step that cannot run (1-based, 0 if
  // every step ran); run.steps and states stop before it.
  int disabled_step = 0;
  // The step expectations ("=>") the run does not meet: (step, "ret is X, the
  // trace expects Y"). Replay's `matches` needs none.
  std::vector<std::pair<int, std::string>> step_mismatches;
  int step_expectations = 0;  // steps with expectations
};

// Replays `t` (read from `file`) on `profile`. Checks preconditions first
// (TraceError at the offending step's line).
ReplayResult Replay(const Trace& t, std::string_view file, const model::Profile& profile);

// Like Replay, but a step whose precondition does not hold ends the run
// (disabled_step) instead of throwing: `mmcheck diff` shows a divergence in
// which one profile can no longer run the op.
ReplayResult ReplayUntilDisabled(const Trace& t, const model::Profile& profile);

// The step table: each step, its outcome, kernel events, violations, the
// lines of the state picture that changed, and dump_folio-style lines for
// the folios the step touched.
std::string RenderStepTable(const Trace& t, const ReplayResult& r);

// Two runs side by side; marks the first step where they differ in a class
// of traces/divergence.h not in `ignored` (return value, value read,
// cpages, snapshot bytes, events, property verdict, state, or the op running
// on one only) and draws both states after it. Returns that step (0 if none)
// in `first_difference`. The runs may stop early (ReplayUntilDisabled).
std::string RenderSideBySide(const Trace& t, const ReplayResult& a, const ReplayResult& b,
                             int& first_difference, uint32_t ignored = 0);

// The run as JSON (replay --format json): per step the op, its outcome
// (return value by errno name, value, cpages/faults, snapshot, signal),
// kernel events, violations, the step expectations and what they missed, and
// the state picture after it; then the verdict.
nlohmann::ordered_json ReplayToJson(const Trace& t, std::string_view file, const ReplayResult& r);

// Graphviz: one cluster per state (page tables and folios), edges from
// entries to the folios they map.
std::string RenderDot(const Trace& t, const ReplayResult& r);

// The Informal Trace Format (ITF, Apalache/Quint): one state per step. The
// variables action, expect, ptes, folios, swap, mirror and violations are a
// reading aid; `world` is the whole state (ItfWorld). #meta names the
// profile, universe and knob values, which no step changes.
nlohmann::json ExportItf(const Trace& t, const ReplayResult& r);

// Every field of `w` as ITF values, from the model's field lists
// (model/fields.h): a struct is a record (JSON object) keyed by field name,
// a vector a list (array), a bool a boolean, a number or an enum an integer.
// World::universe and World::knobs are left out (constant over a trace; in
// ExportItf's #meta); nothing else can be.
nlohmann::json ItfWorld(const model::World& w);

}  // namespace mmcheck::traces
