// SPDX-License-Identifier: GPL-2.0
#include "solver/explicit/exploration_result.h"

namespace mmcheck::solver::explicit_state {

const char* ExplorationStatusName(ExplorationStatus status) {
  switch (status) {
    case ExplorationStatus::kComplete:
      return "complete";
    case ExplorationStatus::kStoppedAtViolation:
      return "stopped-at-violation";
    case ExplorationStatus::kLimitReached:
      return "limit-reached";
  }
  return "?";
}

const char* LivenessVerdictName(LivenessVerdict verdict) {
  switch (verdict) {
    case LivenessVerdict::kHolds:
      return "holds";
    case LivenessVerdict::kViolated:
      return "violated";
    case LivenessVerdict::kNotChecked:
      return "not-checked";
  }
  return "?";
}

const Counterexample* ExplorationResult::Violation(const std::string& property) const {
  for (const Counterexample& counterexample : violations) {
    if (counterexample.label == property || counterexample.name == property) {
      return &counterexample;
    }
  }
  return nullptr;
}

}  // namespace mmcheck::solver::explicit_state
