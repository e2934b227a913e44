// SPDX-License-Identifier: GPL-2.0
// Random operation sequences (RapidCheck) with every property checked after
// every step: linux-6.15 violates no hard property; linux-6.14 must be
// caught violating mapcount-matches-mappings. Seeds are fixed so the suite
// is deterministic; `mmcheck campaign` (issue 3) explores fresh seeds.
#include <sstream>

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include "model/dump.h"
#include "model/profile.h"
#include "properties/generators.h"
#include "properties/properties.h"

namespace mmcheck {
namespace {

using properties::PropertyMask;

// Replays `ops` (skipping disabled ones) and fails the RapidCheck case at
// the first violation of a property in `mask`.
void ReplayAndCheck(const model::Universe& u, const model::Knobs& knobs,
                    const std::vector<model::Op>& ops, PropertyMask mask) {
  model::World w = model::World::Initial(u, knobs);
  int step = 0;
  for (const model::Op& op : ops) {
    if (!model::Enabled(w, op)) continue;
    ++step;
    model::StepResult r = model::Apply(w, op);
    std::vector<properties::Violation> v;
    properties::CheckStep(w, r, mask, v);
    if (!v.empty()) {
      RC_LOG() << "step " << step << ": " << model::FormatOp(op) << "\n"
               << properties::PropertyTable()[static_cast<size_t>(v[0].property)].name << ": "
               << v[0].detail << "\n"
               << model::DrawWorld(w);
      RC_FAIL(std::string(properties::PropertyTable()[static_cast<size_t>(v[0].property)].name));
    }
  }
}

rc::detail::TestResult Check(uint64_t seed, int max_success, const model::Universe& u,
                             const model::Knobs& knobs, PropertyMask mask) {
  rc::detail::TestParams params;
  params.seed = seed;
  params.maxSuccess = max_success;
  params.maxSize = 100;
  rc::detail::TestMetadata meta;
  return rc::detail::checkTestable([=] { ReplayAndCheck(u, knobs, *properties::GenOps(u), mask); },
                                   meta, params);
}

std::string Describe(const rc::detail::TestResult& r) {
  std::ostringstream os;
  rc::detail::printResultMessage(r, os);
  return os.str();
}

model::Knobs KnobsOf(const char* name) {
  return model::ProfileSet::Builtin().Find(name)->knobs;
}

// The benchmark universe: 2 mms x 4 pages, 6 folios, 4 swap slots, 1 device.
TEST(RandomOps, Linux615HoldsEveryHardProperty) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    auto r =
        Check(seed, 150, model::Universe{}, KnobsOf("linux-6.15"), properties::HardProperties());
    EXPECT_TRUE(r.is<rc::detail::SuccessResult>()) << "seed " << seed << "\n" << Describe(r);
  }
}

// A universe with THPs of 2 pages, hugetlb and two devices.
TEST(RandomOps, Linux615HoldsOnAWiderUniverse) {
  model::Universe u = model::ParseUniverse("mms=3,pages=6,folios=6,swap=4,devices=2,pmd_order=1");
  auto r = Check(11, 150, u, KnobsOf("linux-6.15"), properties::HardProperties());
  EXPECT_TRUE(r.is<rc::detail::SuccessResult>()) << Describe(r);
}

// 6.14 must be caught: random sequences find the dropped mapcount, and
// shrinking brings the case down to the three steps that show it (map,
// write, make exclusive).
TEST(RandomOps, Linux614ViolatesMapcount) {
  auto r = Check(5, 300, model::Universe{}, KnobsOf("linux-6.14"),
                 properties::MaskOf("mapcount-matches-mappings"));
  rc::detail::FailureResult failure;
  ASSERT_TRUE(r.match(failure)) << Describe(r);
  EXPECT_NE(failure.description.find("mapcount-matches-mappings"), std::string::npos)
      << failure.description;
  std::ostringstream os;
  for (const auto& [type, value] : failure.counterExample) os << value << "\n";
  EXPECT_NE(os.str().find("dev_exclusive"), std::string::npos) << os.str();
}

// On every built-in profile, no run violates a property the profile does not
// expect before one it does: the [[expect]] lists name every root cause, and
// what follows a root violation (a corrupted entry, a leaked reference) is
// its consequence. The runs go on past violations, so they also drive the
// model through the corrupted states OLD kernels create (checked for memory
// errors by the sanitizer build).
void ReplayExplained(const model::Profile& p, const std::vector<model::Op>& ops) {
  model::World w = model::World::Initial(model::Universe{}, p.knobs);
  bool root_seen = false;
  int step = 0;
  for (const model::Op& op : ops) {
    if (!model::Enabled(w, op)) continue;
    ++step;
    model::StepResult r = model::Apply(w, op);
    std::vector<properties::Violation> v;
    properties::CheckStep(w, r, properties::HardProperties(), v);
    bool root_now = false;
    for (const properties::Violation& x : v)
      root_now |=
          p.ExpectsViolation(properties::PropertyTable()[static_cast<size_t>(x.property)].name);
    if (!root_seen && !root_now && !v.empty()) {
      RC_LOG() << "step " << step << ": " << model::FormatOp(op) << "\n"
               << v[0].detail << "\n"
               << model::DrawWorld(w);
      RC_FAIL("unexpected " +
              std::string(properties::PropertyTable()[static_cast<size_t>(v[0].property)].name) +
              " on " + p.name);
    }
    root_seen = root_seen || root_now;
  }
}

TEST(RandomOps, EveryViolationIsExplainedByTheProfile) {
  uint64_t seed = 100;
  for (const model::Profile& p : model::ProfileSet::Builtin().All()) {
    rc::detail::TestParams params;
    params.seed = seed++;
    params.maxSuccess = 40;
    params.maxSize = 100;
    rc::detail::TestMetadata meta;
    auto r = rc::detail::checkTestable(
        [&p] { ReplayExplained(p, *properties::GenOps(model::Universe{})); }, meta, params);
    EXPECT_TRUE(r.is<rc::detail::SuccessResult>()) << p.name << "\n" << Describe(r);
  }
}

// The check has teeth: 6.15 with the mapcount bug put back by a knob, but
// still declaring no expected violation, is caught.
TEST(RandomOps, UnexplainedViolationIsCaught) {
  model::Profile p = *model::ProfileSet::Builtin().Find("linux-6.15");
  model::ApplyKnobOverride(p, "device_exclusive_mapcount=dropped");
  rc::detail::TestParams params;
  params.seed = 7;
  params.maxSuccess = 200;
  params.maxSize = 100;
  rc::detail::TestMetadata meta;
  auto r = rc::detail::checkTestable(
      [&p] { ReplayExplained(p, *properties::GenOps(model::Universe{})); }, meta, params);
  rc::detail::FailureResult failure;
  ASSERT_TRUE(r.match(failure)) << Describe(r);
  EXPECT_NE(failure.description.find("unexpected mapcount-matches-mappings"), std::string::npos)
      << failure.description;
}

}  // namespace
}  // namespace mmcheck
