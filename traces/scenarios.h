// SPDX-License-Identifier: GPL-2.0
// Built-in bug scenarios: one short operation sequence per kernel bug of
// docs/kernel-rules.md#bug-scenarios, each with the symptom it shows and the
// knob condition under which the symptom is expected. `mmcheck scenarios`
// runs every scenario on every profile and compares expected with observed.
//
// The steps are written once, in the corpus: each scenario names a trace in
// tests/corpus/ (embedded into the binary at build time, see
// traces/CMakeLists.txt), whose universe, question and steps it runs; the
// table in scenarios.cpp adds only what a trace cannot say (the symptom and
// the knob condition, as code).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/operations.h"
#include "model/profile.h"
#include "properties/properties.h"

namespace mmcheck::traces {

struct ScenarioRun;

struct Scenario {
  std::string_view name;         // "bug-03-unswappable-exclusive"
  std::string_view corpus_file;  // "bug-03-unswappable-exclusive.mmtrace", in tests/corpus/
  std::string_view kernel_ref;
  // The property whose violation is the symptom, or empty when the symptom
  // is a kernel-visible outcome (see `symptom`).
  std::string_view property = {};
  // Outcome symptoms: whether the run shows the bug. Null for property ones.
  bool (*symptom)(const ScenarioRun&) = nullptr;
  std::string_view symptom_doc;  // the symptom in words
  // Whether a kernel with these knobs is expected to show the symptom.
  bool (*expected)(const model::Knobs&) = nullptr;
  std::string_view expected_doc;  // e.g. "device_exclusive_mapcount=dropped"
  // From the corpus trace (its profile, expect line and step expectations
  // are not used: a scenario runs on every profile).
  std::string question = {};  // one line, in words
  model::Universe universe = {};
  std::vector<model::Op> steps = {};
};

struct StepRecord {
  model::Op op;
  model::StepResult result;
  std::vector<properties::Violation> violations;
};

struct ScenarioRun {
  model::World final_world;
  std::vector<StepRecord> steps;
  // The first step (1-based) violating each property, 0 if none.
  std::vector<int> first_violation;
  bool showed_symptom = false;
  int symptom_step = 0;        // first step with the symptom (property scenarios)
  std::string symptom_detail;  // the violation text or outcome
};

const std::vector<Scenario>& BuiltinScenarios();
// The tests/corpus/*.mmtrace files compiled into the binary (generated
// source), in name order.
const std::vector<model::EmbeddedFile>& BuiltinCorpusFiles();
const Scenario* FindScenario(std::string_view name);

// Runs `s` on `profile`, checking every property after every step.
// Throws model::ModelInputError if a step's precondition does not hold.
ScenarioRun RunScenario(const Scenario& s, const model::Profile& profile);

// The scenario as a trace on `profile`: "expect violates <property>" when
// the profile is expected to show a property symptom, else "expect holds".
struct Trace;
Trace ScenarioToTrace(const Scenario& s, const model::Profile& profile);

// Runs ops from the initial state of `u` and `knobs`, checking every
// property after every step (shared by scenarios and tests).
ScenarioRun RunSteps(const model::Universe& u, const model::Knobs& knobs,
                     const std::vector<model::Op>& steps);

}  // namespace mmcheck::traces
