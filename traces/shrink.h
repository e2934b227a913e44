// SPDX-License-Identifier: GPL-2.0
// Minimising a failing operation sequence: delta debugging over the steps
// (Zeller's ddmin: remove chunks, halving their size), then lowering an mm,
// address or device in every step at once, then simplifying each step's
// arguments (properties::SimplerOps: fewer pages, lower indices, smaller
// values), repeated until nothing changes. Every candidate
// runs on the model from the initial state: one with a step whose
// precondition does not hold (model::Enabled) is rejected, and one is kept
// only if it still violates the same property.
//
// The result is 1-minimal: removing any single step, or simplifying any
// single argument, loses the violation or breaks a precondition (unless a
// limit stopped the shrinker first).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "model/operations.h"
#include "model/profile.h"
#include "properties/properties.h"
#include "traces/trace.h"

namespace mmcheck::traces {

// What running a candidate showed.
enum class CandidateOutcome : uint8_t {
  kFails,     // still violates the property: keep it
  kPasses,    // no longer violates it
  kDisabled,  // a step's precondition does not hold
};
struct CandidateCheck {
  CandidateOutcome outcome = CandidateOutcome::kPasses;
  int step = 0;  // the violating step (kFails) or the disabled step (kDisabled), 1-based
};
using FailureTest = std::function<CandidateCheck(const std::vector<model::Op>&)>;

// "Violates `property`": some step violates it and no property in
// `roots_before` is violated at that step or earlier (so that a property
// the profile does not expect stays a root cause, not a consequence of an
// expected violation). Runs from World::Initial(u, knobs).
FailureTest ViolationTest(const model::Universe& u, const model::Knobs& knobs, int property,
                          properties::PropertyMask roots_before);

// The properties a profile expects, less `property` itself: the roots a
// violation of `property` must not follow.
properties::PropertyMask RootsBefore(const model::Profile& p, int property);

struct ShrinkOptions {
  double budget_seconds = 30;                   // wall-clock limit
  int max_candidates = 200000;                  // a deterministic limit on the candidates run
  std::function<bool()> stop;                   // polled between candidates (SIGINT)
  std::function<void(const std::string&)> log;  // one line per candidate, for -v
};

struct ShrinkStats {
  int original_steps = 0, final_steps = 0;
  int candidates = 0, accepted = 0;
  bool limit_hit = false;  // stopped by the budget, the candidate limit or `stop`
};

// Shrinks `ops`, which must fail `fails`. Returns the smallest failing
// sequence found (`ops` itself if nothing smaller fails).
std::vector<model::Op> ShrinkOps(std::vector<model::Op> ops, const FailureTest& fails,
                                 const ShrinkOptions& options, ShrinkStats* stats = nullptr);

struct TraceShrinkResult {
  Trace trace;           // the shrunk trace, steps renumbered, step comments dropped
  std::string property;  // the property it keeps violating
  int step = 0;          // the step that violates it
  ShrinkStats stats;
};

// `mmcheck shrink FILE`: shrinks trace `t` (read from `file`) on its
// profile `p`, keeping `property` violated (default: the trace's `expect
// violates` property, else the first hard property it violates). Throws
// TraceError when a step's precondition does not hold in the original, and
// model::ModelInputError when the trace violates nothing to shrink for.
TraceShrinkResult ShrinkTrace(const Trace& t, std::string_view file, const model::Profile& p,
                              std::string_view property, const ShrinkOptions& options);

}  // namespace mmcheck::traces
