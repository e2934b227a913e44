// SPDX-License-Identifier: GPL-2.0
// One assertion shared by the explorer's tests: two explorations of the same graph (other job
// counts, another table layout) give the same figures and the same shortest counterexamples.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <string>

#include "solver/explicit/explorer.h"

namespace mmcheck::solver::explicit_state {

inline void ExpectSameExploration(const ExplorationResult& got, const ExplorationResult& want,
                                  const std::string& what) {
  EXPECT_EQ(got.states, want.states) << what;
  EXPECT_EQ(got.edges, want.edges) << what;
  EXPECT_EQ(got.self_loops, want.self_loops) << what;
  EXPECT_EQ(got.level_sizes, want.level_sizes) << what;
  ASSERT_EQ(got.violations.size(), want.violations.size()) << what;
  for (std::size_t v = 0; v < want.violations.size(); ++v)
    EXPECT_EQ(got.violations[v].ops, want.violations[v].ops)
        << what << ", " << want.violations[v].name;
}

}  // namespace mmcheck::solver::explicit_state
