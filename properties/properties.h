// SPDX-License-Identifier: GPL-2.0
// Named invariants over the model. Properties observe the model; they never
// drive it. Each has a stable kebab-case name (used in profiles, traces,
// reports and tests) and names the kernel rule it captures.
//
// Hard properties are invariants the kernel relies on; advisory ones report
// WARN-level oddities and never appear in profile expectations.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/operations.h"
#include "model/world.h"

namespace mmcheck::properties {

enum class Severity : uint8_t { kHard, kAdvisory };

struct PropertyInfo {
  std::string_view name;
  std::string_view rule;    // the kernel rule, in words
  std::string_view source;  // where the rule comes from
  Severity severity;
};

// The property table, in a stable order; a property's index is its bit in a
// PropertyMask.
const std::vector<PropertyInfo>& PropertyTable();
int PropertyIndex(std::string_view name);  // -1 if unknown
using PropertyMask = uint32_t;
PropertyMask AllProperties();
PropertyMask HardProperties();
PropertyMask MaskOf(std::string_view name);  // 0 if unknown
// The properties CheckStep judges on the world alone (never on the StepResult): their verdict
// after a step is a function of the state reached, so an exhaustive search may judge them once
// per state instead of once per step.
PropertyMask StateOnlyProperties();

struct Violation {
  int property;        // index into PropertyTable()
  std::string detail;  // what is wrong, with PFNs and addresses
};

// Checks the properties in `enabled` on the state after a step and on the
// step's result; appends one Violation per violated property (the first
// offending detail).
void CheckStep(const model::World& w, const model::StepResult& r, PropertyMask enabled,
               std::vector<Violation>& out);

// Convenience: all violations of all properties after a step.
std::vector<Violation> CheckAll(const model::World& w, const model::StepResult& r);

}  // namespace mmcheck::properties
