// SPDX-License-Identifier: GPL-2.0
// Tests of bench/devexcl/expected_verdicts.h: the built-in expected.toml says what
// bench/devexcl-core.md §6 says, and names only properties the machine has.
#include "bench/devexcl/expected_verdicts.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace mmcheck::bench {
namespace {

TEST(ExpectedVerdicts, OldViolatesP1AndP3WithTheSpecsShortestCounterexamples) {
  const ExpectedVerdicts old = DevexclExpectedVerdicts(DevexclSemantics::kOld);
  ASSERT_EQ(old.violations.size(), 2u);
  EXPECT_EQ(old.violations[0].label, "P1");
  EXPECT_EQ(old.violations[0].ops, std::vector<std::string>{"make_device_exclusive(mm0,va0)"});
  EXPECT_EQ(old.violations[1].label, "P3");
  EXPECT_EQ(old.violations[1].ops, (std::vector<std::string>{"make_device_exclusive(mm0,va0)",
                                                             "device_release(f0)", "reclaim(f0)"}));
  EXPECT_TRUE(old.liveness_violated);
}

TEST(ExpectedVerdicts, NewSatisfiesEveryProperty) {
  const ExpectedVerdicts fixed = DevexclExpectedVerdicts(DevexclSemantics::kNew);
  EXPECT_TRUE(fixed.violations.empty());
  EXPECT_FALSE(fixed.liveness_violated);
}

// Every expected violation names a property and ops of the machine: a typo in the data would
// otherwise read as "expected violation not found".
TEST(ExpectedVerdicts, NameThePropertiesAndOpsOfTheMachine) {
  for (DevexclSemantics semantics : {DevexclSemantics::kOld, DevexclSemantics::kNew}) {
    const DevexclCoreModel model(*DevexclBenchByName("devexcl-core", semantics));
    std::set<std::string> labels;
    for (const PropertyInfo& info : model.Properties()) labels.insert(info.label);
    for (const ExpectedViolation& v : DevexclExpectedVerdicts(semantics).violations) {
      EXPECT_EQ(labels.count(v.label), 1u) << v.label;
      for (const std::string& op : v.ops) EXPECT_GE(model.OpIndex(op), 0) << op;
    }
  }
}

}  // namespace
}  // namespace mmcheck::bench
