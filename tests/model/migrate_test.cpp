// SPDX-License-Identifier: GPL-2.0
// mm/migrate.c: migration of device-exclusive folios, dump_page.
#include "tests/model/test_world.h"

namespace mmcheck {
namespace {

using model::OpCode;
using model::PteKind;
using testing::FillSmallPages;
using testing::TestWorld;

// NEW: a device-exclusive entry becomes a READ_EXCLUSIVE migration entry and
// comes back as a read-only present PTE on the new folio with AnonExclusive
// kept; the device's access was revoked by the notifier.
TEST(MigratePages, DeviceExclusiveComesBackReadOnlyExclusive) {
  TestWorld t("linux-6.15");
  FillSmallPages(t, 0, 1);
  t.Do(OpCode::kDeviceExclusive, {0, 0, 0, 1});
  int old_head = t.HeadAt(0, 0);
  model::StepResult r = t.Do(OpCode::kMigrate, {0, 0});
  EXPECT_EQ(r.outcome.ret, 0);
  int head = t.HeadAt(0, 0);
  EXPECT_NE(head, old_head);
  EXPECT_EQ(t.Pte(0, 0).kind, PteKind::kPresent);
  EXPECT_FALSE(t.Pte(0, 0).write);
  EXPECT_TRUE(t.w.pages[head].anon_exclusive);
  EXPECT_EQ(t.w.devices[0].mirror[0].perm, model::kMirrorNone);
  EXPECT_EQ(t.HardViolations(), "") << t.Picture();
  EXPECT_EQ(t.Do(OpCode::kCpuRead, {0, 0}).outcome.value, 1);
}

// OLD: the seed's offline loop. The dump shows the entry's reference plus
// the isolation reference and mapcount 0.
TEST(MigratePages, OldOfflineDumpsRefcount2Mapcount0) {
  TestWorld t("linux-6.14");
  FillSmallPages(t, 0, 1);
  t.Do(OpCode::kDeviceExclusive, {0, 0, 0, 1});
  model::StepResult r = t.Do(OpCode::kOffline, {0, 0});
  EXPECT_EQ(r.outcome.ret, -11);
  int dumps = 0;
  for (const model::KernelEvent& e : r.events)
    if (e.kind == model::EventKind::kDumpPage) {
      ++dumps;
      EXPECT_NE(e.text.find("page: refcount:2 mapcount:0"), std::string::npos) << e.text;
      EXPECT_NE(e.text.find("page dumped because: migration failure"), std::string::npos);
    }
  EXPECT_EQ(dumps, 3);
  EXPECT_TRUE(t.Violates("migration-makes-progress"));
}

// Without texts (how the explorer steps) the same step leaves the dumps empty and changes
// nothing else: the same world, events of the same kinds, the same progress records.
TEST(MigratePages, WithoutTextsOnlyTheDumpTextsAreLeftOut) {
  TestWorld t("linux-6.14");
  FillSmallPages(t, 0, 1);
  t.Do(OpCode::kDeviceExclusive, {0, 0, 0, 1});
  model::World quiet = t.w;
  const model::Op offline = model::MakeOp(OpCode::kOffline, {0, 0});
  const model::StepResult with = model::Apply(t.w, offline);
  const model::StepResult without = model::Apply(quiet, offline, /*texts=*/false);
  EXPECT_TRUE(quiet == t.w);
  ASSERT_EQ(without.events.size(), with.events.size());
  for (std::size_t i = 0; i < with.events.size(); ++i) {
    EXPECT_EQ(without.events[i].kind, with.events[i].kind);
    if (with.events[i].kind == model::EventKind::kDumpPage) {
      EXPECT_FALSE(with.events[i].text.empty());
      EXPECT_TRUE(without.events[i].text.empty());
    } else {
      EXPECT_EQ(without.events[i].text, with.events[i].text);
    }
  }
  ASSERT_EQ(without.progress.size(), with.progress.size());
  EXPECT_EQ(without.outcome.ret, with.outcome.ret);
}

// A folio held by another thread is not eligible: no progress violation.
TEST(MigratePages, LockedFolioIsNotAProgressFailure) {
  TestWorld t("linux-6.15");
  FillSmallPages(t, 0, 1);
  t.Do(OpCode::kLockFolio, {0, 0});
  EXPECT_EQ(t.Do(OpCode::kMigrate, {0, 0}).outcome.ret, -11);
  EXPECT_EQ(t.HardViolations(), "");
}

// A COW-shared page migrates with both mappings and stays shared.
TEST(MigratePages, SharedPageKeepsBothMappings) {
  TestWorld t("linux-6.15");
  FillSmallPages(t, 0, 1);
  t.Do(OpCode::kFork, {0});
  EXPECT_EQ(t.Do(OpCode::kMigrate, {0, 0}).outcome.ret, 0);
  EXPECT_EQ(t.HeadAt(0, 0), t.HeadAt(1, 0));
  EXPECT_EQ(t.w.FolioMapcount(t.HeadAt(0, 0)), 2);
  EXPECT_EQ(t.HardViolations(), "") << t.Picture();
}

}  // namespace
}  // namespace mmcheck
