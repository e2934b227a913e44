// SPDX-License-Identifier: GPL-2.0
// properties/: each property holds on a consistent world and fails on a
// world broken in the way it names.
#include <set>

#include "tests/model/test_world.h"

namespace mmcheck {
namespace {

using model::OpCode;
using model::PteKind;
using testing::FillSmallPages;
using testing::TestWorld;

// The properties violated by world `w` after step result `r`.
std::set<std::string> Violated(const model::World& w, const model::StepResult& r = {}) {
  std::set<std::string> s;
  for (const properties::Violation& v : properties::CheckAll(w, r))
    s.insert(std::string(properties::PropertyTable()[static_cast<size_t>(v.property)].name));
  return s;
}

// A consistent world: two small pages, one device-exclusive, one swapped,
// a fork, a shared mapping.
TestWorld Consistent() {
  TestWorld t("linux-6.15");
  FillSmallPages(t, 0, 3);
  t.Do(OpCode::kDeviceExclusive, {0, 0, 0, 1});
  t.Do(OpCode::kMadvise, {0, 1, 1, model::kAdvicePageout});
  t.Do(OpCode::kMmap, {0, 3, 1, model::kProtReadWrite, model::kMapShared});
  t.Do(OpCode::kCpuWrite, {0, 3, 9});
  t.Do(OpCode::kDeviceRead, {0, 0, 2, 1});
  return t;
}

TEST(Properties, HoldOnAConsistentWorld) {
  TestWorld t = Consistent();
  EXPECT_EQ(Violated(t.w), std::set<std::string>{}) << t.Picture();
  EXPECT_EQ(t.Pte(0, 1).kind, PteKind::kSwap);
}

TEST(Properties, TableNamesAreKebabCaseAndUnique) {
  std::set<std::string_view> names;
  for (const properties::PropertyInfo& p : properties::PropertyTable()) {
    EXPECT_TRUE(names.insert(p.name).second);
    for (char c : p.name) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '-') << p.name;
    EXPECT_FALSE(p.rule.empty());
    EXPECT_FALSE(p.source.empty());
  }
  EXPECT_EQ(properties::HardProperties() | properties::MaskOf("no-kernel-warning"),
            properties::AllProperties());
}

TEST(Properties, EachStateInvariantCanFail) {
  int excl = Consistent().HeadAt(0, 0);
  int page2 = Consistent().HeadAt(0, 2);
  auto broken = [&](auto&& edit) {
    TestWorld t = Consistent();
    edit(t.w);
    return Violated(t.w);
  };
  using S = std::set<std::string>;
  EXPECT_EQ(broken([&](model::World& w) { w.pages[page2].mapcount++; }),
            S{"mapcount-matches-mappings"});
  EXPECT_EQ(broken([&](model::World& w) { w.pages[excl].refcount = 0; }),
            S{"refcount-covers-mappings"});
  // An exclusive swap entry with two users breaks AnonExclusive too.
  EXPECT_EQ(broken([&](model::World& w) { w.swap[0].count = 2; }),
            (S{"swap-count-matches", "anon-exclusive-consistent"}));
  EXPECT_EQ(broken([&](model::World& w) { w.mms[0].rss[model::kMmAnonPages]++; }),
            S{"rss-matches-entries"});
  EXPECT_EQ(broken([&](model::World& w) { w.pages[page2].data = 77; }), S{"data-integrity"});
  EXPECT_EQ(broken([&](model::World& w) { w.pages[page2].anon_exclusive = false; }),
            S{"anon-exclusive-consistent"});
  EXPECT_EQ(broken([&](model::World& w) { w.mms[0].ptes[2].kind = PteKind::kMigrationRead; }),
            (S{"migration-entries-temporary", "mapcount-matches-mappings"}));
  EXPECT_TRUE(
      broken([&](model::World& w) { w.mms[0].ptes[2].pfn = 0x1ff; }).count("no-dangling-entry"));
  EXPECT_TRUE(
      broken([&](model::World& w) { w.mms[0].vmas[0].end = 2; }).count("entry-kind-matches-folio"));
  EXPECT_EQ(broken([&](model::World& w) {
              w.devices[0].mirror[2] = {model::kMirrorAtomic, w.PfnOf(page2)};
            }),
            S{"device-exclusive-is-exclusive"});
  EXPECT_EQ(broken([&](model::World& w) {
              w.mms[0].ptes[0].kind = PteKind::kPresent;  // the CPU maps it behind the device
            }),
            S{"device-exclusive-is-exclusive"});
}

TEST(Properties, EachStepPropertyCanFail) {
  TestWorld t = Consistent();
  model::StepResult r;
  r.progress.push_back({model::ProgressCheck::kReclaim, 0x100, false, "kept"});
  r.progress.push_back({model::ProgressCheck::kMigration, 0x100, false, "busy"});
  r.mismatches.push_back({0, 0, 3, 1, "cpu"});
  r.Event(model::EventKind::kBug, "BUG");
  r.Event(model::EventKind::kCorruption, "bad");
  r.Event(model::EventKind::kWarn, "warn");
  r.Event(model::EventKind::kInfo, "note");
  EXPECT_EQ(
      Violated(t.w, r),
      (std::set<std::string>{"reclaim-makes-progress", "migration-makes-progress", "data-integrity",
                             "no-kernel-bug", "no-memory-corruption", "no-kernel-warning"}));
}

}  // namespace
}  // namespace mmcheck
