// SPDX-License-Identifier: GPL-2.0
// The verdicts bench/devexcl-core.md §6 expects of the devexcl-core machine, read from the data
// file bench/devexcl/expected.toml (built into the binary).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/devexcl/devexcl_core.h"

namespace mmcheck::bench {

// One safety property expected to be violated, with its expected shortest counterexample.
struct ExpectedViolation {
  std::string label;             // e.g. "P1"
  std::vector<std::string> ops;  // op names, from the initial state
};

struct ExpectedVerdicts {
  std::vector<ExpectedViolation> violations;  // every other property is expected to hold
  bool liveness_violated = false;             // every offline-progress-fN property
};

// Returns the expected verdicts of `semantics`. Throws std::runtime_error if the built-in data
// is malformed (a test parses it).
ExpectedVerdicts DevexclExpectedVerdicts(DevexclSemantics semantics);

// The reference counts of one variant (spec §7) for a complete run; a figure without a
// reference is nullopt.
struct ExpectedCounts {
  std::optional<std::uint64_t> states;
  std::optional<std::uint64_t> edges;
  std::optional<std::uint64_t> self_loops;
  std::optional<std::uint64_t> diameter;
};

// Returns the reference counts of `bench` ("devexcl-core-L", ...) under `semantics` (all nullopt
// when the data file gives none). Throws std::runtime_error if the built-in data is malformed.
ExpectedCounts DevexclExpectedCounts(std::string_view bench, DevexclSemantics semantics);

// The text of bench/devexcl/expected.toml, as built in.
const char* DevexclExpectedVerdictsToml();

}  // namespace mmcheck::bench
