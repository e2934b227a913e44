// SPDX-License-Identifier: GPL-2.0
// hmm_range_fault (model/ops/hmm.cpp): what a device fault walk faults.
#include <gtest/gtest.h>

#include "model/ops/kernel.h"
#include "tests/model/test_world.h"

namespace mmcheck::model {
namespace {

using testing::TestWorld;

// hmm_vma_fault() faults from the first page that needs it to the end of the
// walk step, so the caller's own read-only device-private page after a
// missing page comes back to RAM and the write succeeds. Linux 6.12.118 under
// kernel/conform.sh: HMM_DMIRROR_WRITE returns 0 with 1 fault, and a snapshot
// after it reads the pages as ordinary writable RAM. Before this was
// modelled, the model's fault loop reported the page as it was (read-only),
// never got write access and answered -EBUSY.
TEST(HmmRangeFault, FaultsTheRestOfTheWalkStepAfterAMiss) {
  TestWorld t("linux-6.12", ParseUniverse("devices=1,device_pages=4,pmd_order=1"));
  t.Do(OpCode::kMmap, {0, 0, 2, kProtReadWrite, kMapPrivate});
  t.Do(OpCode::kMadvise, {0, 0, 2, kAdviceNohugepage});
  StepResult m = t.Do(OpCode::kDeviceMigrateToDev, {0, 0, 1, 1});  // the hole at p1
  ASSERT_EQ(m.outcome.ret, 0);
  ASSERT_EQ(t.Do(OpCode::kFork, {0}).outcome.ret, 0);
  ASSERT_EQ(t.Pte(1, 1).kind, PteKind::kDevicePrivateRead) << DrawWorld(t.w);

  StepResult r = t.Do(OpCode::kDeviceWrite, {0, 1, 0, 2, 7});
  EXPECT_EQ(r.outcome.ret, 0) << DrawWorld(t.w);
  EXPECT_EQ(r.outcome.faults, 1);
  EXPECT_EQ(t.Pte(1, 1).kind, PteKind::kPresent) << DrawWorld(t.w);
  EXPECT_TRUE(t.Pte(1, 1).write);
  EXPECT_EQ(t.HardViolations(), "");
}

// With no miss before it, the caller's own read-only device-private page is
// reported as it is, and dmirror_do_fault() answers a write fault with
// WARN_ON() and -EFAULT (6.12.118 under kernel/conform.sh, random-2-00514);
// the model's fault loop used to answer -EBUSY.
TEST(HmmRangeFault, WriteToOwnReadOnlyDevicePrivatePageIsEfault) {
  TestWorld t("linux-6.12", ParseUniverse("devices=1,device_pages=4,pmd_order=1"));
  t.Do(OpCode::kMmap, {0, 0, 2, kProtReadWrite, kMapPrivate});
  t.Do(OpCode::kMadvise, {0, 0, 2, kAdviceNohugepage});
  ASSERT_EQ(t.Do(OpCode::kDeviceMigrateToDev, {0, 0, 0, 2}).outcome.ret, 0);
  ASSERT_EQ(t.Do(OpCode::kFork, {0}).outcome.ret, 0);
  StepResult r = t.Do(OpCode::kDeviceWrite, {0, 1, 0, 2, 7});
  EXPECT_EQ(r.outcome.ret, -kernel::kEFAULT) << DrawWorld(t.w);
  EXPECT_EQ(t.Pte(1, 0).kind, PteKind::kDevicePrivateRead);
}

// Without a miss before it, the caller's own device-private page is reported
// as it is, not faulted (hmm_vma_handle_pte: "Don't fault in device private
// pages owned by the caller").
TEST(HmmRangeFault, OwnDevicePrivatePageAloneIsNotFaulted) {
  TestWorld t("linux-6.12", ParseUniverse("devices=1,device_pages=4,pmd_order=1"));
  t.Do(OpCode::kMmap, {0, 0, 2, kProtReadWrite, kMapPrivate});
  t.Do(OpCode::kMadvise, {0, 0, 2, kAdviceNohugepage});
  ASSERT_EQ(t.Do(OpCode::kDeviceMigrateToDev, {0, 0, 0, 2}).outcome.ret, 0);
  StepResult r = t.Do(OpCode::kDeviceRead, {0, 0, 0, 2});
  EXPECT_EQ(r.outcome.ret, 0);
  EXPECT_EQ(t.Pte(0, 0).kind, PteKind::kDevicePrivateWrite) << DrawWorld(t.w);
  EXPECT_EQ(t.Pte(0, 1).kind, PteKind::kDevicePrivateWrite) << DrawWorld(t.w);
}

// lib/test_hmm.c dmirror_do_update on Linux 6.12.118 erases one page past
// the invalidated range (knob dmirror_invalidate_range=one-past, set by
// linux-6.12): a CoW at p0 drops the device's entry for p1 too.
TEST(DmirrorIntervalInvalidate, OnePastErasesTheNextPageToo) {
  for (const char* profile : {"linux-6.12", "linux-6.15"}) {
    TestWorld t(profile, ParseUniverse("devices=1,device_pages=4,pmd_order=1"));
    t.Do(OpCode::kMmap, {0, 0, 4, kProtReadWrite, kMapPrivate});
    t.Do(OpCode::kMadvise, {0, 0, 4, kAdviceNohugepage});
    ASSERT_EQ(t.Do(OpCode::kDeviceRead, {0, 0, 0, 4}).outcome.ret, 0);
    const auto& mirror = t.w.devices[0].mirror;
    ASSERT_NE(mirror[1], MirrorEntry{}) << profile;
    t.Do(OpCode::kCpuWrite, {0, 0, 5});
    EXPECT_EQ(mirror[0], MirrorEntry{}) << profile;
    const bool one_past = std::string(profile) == "linux-6.12";
    EXPECT_EQ(mirror[1] == MirrorEntry{}, one_past) << profile << "\n" << DrawWorld(t.w);
    EXPECT_NE(mirror[2], MirrorEntry{}) << profile;
  }
}

}  // namespace
}  // namespace mmcheck::model
