// SPDX-License-Identifier: GPL-2.0
// Random traces for the real-kernel conformance run (kernel/conform.sh):
// sequences of operations drawn uniformly from the op table with arguments
// in the universe's ranges, each kept only if it may run in the state it
// reaches (its precondition) and, with `user_space`, only if a C reproducer
// can trigger it from user space (traces/c_reproducer.h). Deterministic for
// a seed: trace i of seed S is the same on every machine.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "traces/trace.h"

namespace mmcheck::traces {

struct GenerateOptions {
  std::string trace_profile;       // the `profile` line: a built-in name or a path
  model::Profile profile;          // resolved, with `knobs` applied
  std::vector<std::string> knobs;  // written as the trace's knob lines
  model::Universe universe;
  uint64_t seed = 1;
  int steps = 8;
  bool user_space = false;
};

// Trace number `index` of the run: `steps` steps (fewer only if no op can
// run), expecting the verdict the model gives on the profile.
Trace RandomTrace(const GenerateOptions& o, uint64_t index);

}  // namespace mmcheck::traces
