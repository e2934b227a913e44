// SPDX-License-Identifier: GPL-2.0
// Divergence between two profiles: what `mmcheck diff` searches for and
// `replay --profile A --profile B` marks. Two runs of the same operation
// diverge at a step when something a user or a property can observe differs:
//
//   enabled   the op may run on one profile only (its precondition: a folio
//             named by a mapping that one kernel no longer has there)
//   return    the return value or signal
//   timing    the op would block on one only (a lock held elsewhere)
//   value     the value read
//   cpages    the dmirror ioctl's cpages/faults
//   snapshot  HMM_DMIRROR_SNAPSHOT bytes
//   event     the kernel events' kinds (BUG, corruption, WARN, dump_page)
//   verdict   the hard properties the step violates
//   state     the page tables and folios (not observable; replay shows it,
//             diff ignores it unless asked)
//
// The shortest divergence is found exhaustively by the explorer over the
// product of the two models (solver/explicit/diff_model.h) or, in larger
// universes, by RandomDivergence below: random traces, the first divergent
// one shrunk (traces/shrink.h) with "diverges" as the failure it keeps.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "model/operations.h"
#include "model/profile.h"
#include "properties/properties.h"
#include "traces/shrink.h"
#include "traces/trace.h"

namespace mmcheck::traces {

enum DifferenceClass : uint32_t {
  kDiffEnabled = 1u << 0,
  kDiffReturn = 1u << 1,
  kDiffTiming = 1u << 2,
  kDiffValue = 1u << 3,
  kDiffCpages = 1u << 4,
  kDiffSnapshot = 1u << 5,
  kDiffEvent = 1u << 6,
  kDiffVerdict = 1u << 7,
  kDiffState = 1u << 8,
};
using DifferenceMask = uint32_t;
inline constexpr DifferenceMask kAllDifferences = (1u << 9) - 1;

// The classes in order with their names ("enabled", "return", ...).
const std::vector<std::pair<DifferenceClass, std::string_view>>& DifferenceClasses();
// "return,verdict"; "" for 0.
std::string DifferenceNames(DifferenceMask mask);
// Parses "event,timing" (--ignore). Throws model::ModelInputError naming an
// unknown class and the accepted ones.
DifferenceMask ParseDifferences(std::string_view list);

// The hard properties a step violated, as a mask.
properties::PropertyMask HardViolations(const std::vector<properties::Violation>& v);

// The observable differences of one step run on two profiles (both enabled).
// `violations_*` are the hard properties each step violated. kDiffState is
// not judged here (it needs the worlds).
DifferenceMask StepDifferences(const model::StepResult& a, properties::PropertyMask violations_a,
                               const model::StepResult& b, properties::PropertyMask violations_b);

// Where two profiles first diverge on `ops`, run from the initial world of
// `u` on each.
struct Divergence {
  int step = 0;                // 1-based; 0: no divergence (or disabled first)
  DifferenceMask classes = 0;  // what differs there (after the ignored ones)
  int disabled_step = 0;       // 1-based: the op cannot run on either profile
};
Divergence FirstDivergence(const model::Universe& u, const model::Knobs& a, const model::Knobs& b,
                           const std::vector<model::Op>& ops, DifferenceMask ignored);

// "Diverges" as a shrinker failure test: kFails when the two profiles
// diverge (in a class not ignored), kDisabled when a step cannot run on
// either before that.
FailureTest DivergenceTest(const model::Universe& u, const model::Knobs& a, const model::Knobs& b,
                           DifferenceMask ignored);

struct RandomDivergenceOptions {
  model::Universe universe;
  uint64_t seed = 1;
  int steps = 12;              // per random trace
  double budget_seconds = 10;  // search and shrinking together
  int64_t max_traces = 0;      // 0: until the budget
  DifferenceMask ignored = 0;
  std::function<bool()> stop;  // polled between traces (SIGINT)
};
struct RandomDivergenceResult {
  bool found = false;
  std::vector<model::Op> ops;  // shrunk: 1-minimal for "diverges"
  Divergence divergence;
  int64_t traces = 0, steps = 0;
  int original_steps = 0;  // of the divergent random trace, before shrinking
  ShrinkStats shrink;
  double seconds = 0;
};
// Random traces drawn on profile `a` (traces/generate.h, trace i of the
// seed), each run on `b` in lockstep; the first divergent one is shrunk.
RandomDivergenceResult RandomDivergence(const model::Profile& a, const model::Profile& b,
                                        const RandomDivergenceOptions& options);

}  // namespace mmcheck::traces

namespace mmcheck::traces {

struct ReplayResult;

// One paragraph, in words, of where runs `a` and `b` of trace `t`
// (ReplayUntilDisabled) first diverge, at `step` (1-based): what both did
// before it and what each did there. E.g. "Both run steps 1-1 alike (mmap
// ...). At step 2, dev_exclusive ...: on linux-6.14 it returns 0 and
// violates mapcount-matches-mappings; on linux-6.15 it returns 0."
std::string DescribeDivergence(const Trace& t, const ReplayResult& a, const ReplayResult& b,
                               int step);

}  // namespace mmcheck::traces
