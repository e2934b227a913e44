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
  params.maxSize = 60;
  rc::detail::TestMetadata meta;
  return rc::detail::checkTestable(
      [=] { ReplayAndCheck(u, knobs, *properties::GenOps(u), mask); }, meta, params);
}

std::string Describe(const rc::detail::TestResult& r) {
  std::ostringstream os;
  rc::detail::printResultMessage(r, os);
  return os.str();
}

model::Knobs KnobsOf(const char* name) { return model::ProfileSet::Builtin().Find(name)->knobs; }

// The benchmark universe: 2 mms x 4 pages, 6 folios, 4 swap slots, 1 device.
TEST(RandomOps, Linux615HoldsEveryHardProperty) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    auto r = Check(seed, 150, model::Universe{}, KnobsOf("linux-6.15"),
                   properties::HardProperties());
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

}  // namespace
}  // namespace mmcheck
