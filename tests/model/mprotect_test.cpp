// SPDX-License-Identifier: GPL-2.0
// mm/mprotect.c: non-present entries under mprotect.
#include "tests/model/test_world.h"

namespace mmcheck {
namespace {

using model::OpCode;
using model::PteKind;
using testing::FillSmallPages;
using testing::TestWorld;

// OLD rewrites EXCL_WRITE to EXCL_READ on any mprotect; NEW leaves the
// single SWP_DEVICE_EXCLUSIVE entry alone (hildenbrand-v2 06/17).
TEST(ChangeProtection, ExclusiveEntryDowngradeOnlyOnOld) {
  TestWorld old("linux-6.14"), fixed("linux-6.15");
  for (TestWorld* t : {&old, &fixed}) {
    FillSmallPages(*t, 0, 1);
    t->Do(OpCode::kDeviceExclusive, {0, 0, 0, 1});
    t->Do(OpCode::kMprotect, {0, 0, 1, model::kProtRead});
  }
  EXPECT_EQ(old.Pte(0, 0).kind, PteKind::kDeviceExclusiveRead);
  EXPECT_EQ(fixed.Pte(0, 0).kind, PteKind::kDeviceExclusive);
  // mprotect is an MMU notifier event: the device lost its ATOMIC entry.
  EXPECT_EQ(fixed.w.devices[0].mirror[0].perm, model::kMirrorNone);
}

// Bug 10: back to RW, the OLD restore maps read-only, NEW writable.
TEST(ChangeProtection, RestoreAfterMprotectRoundTrip) {
  TestWorld old("linux-6.14"), fixed("linux-6.15");
  for (TestWorld* t : {&old, &fixed}) {
    FillSmallPages(*t, 0, 1);
    t->Do(OpCode::kDeviceExclusive, {0, 0, 0, 1});
    t->Do(OpCode::kMprotect, {0, 0, 1, model::kProtRead});
    t->Do(OpCode::kMprotect, {0, 0, 1, model::kProtReadWrite});
    t->Do(OpCode::kCpuRead, {0, 0});
  }
  EXPECT_FALSE(old.Pte(0, 0).write);
  EXPECT_TRUE(fixed.Pte(0, 0).write);
}

// Present PTEs lose write; a later write fault reuses the exclusive page.
TEST(ChangeProtection, PresentPteWriteProtected) {
  TestWorld t("linux-6.15");
  FillSmallPages(t, 0, 1);
  int head = t.HeadAt(0, 0);
  t.Do(OpCode::kMprotect, {0, 0, 1, model::kProtRead});
  EXPECT_FALSE(t.Pte(0, 0).write);
  t.Do(OpCode::kMprotect, {0, 0, 1, model::kProtReadWrite});
  t.Do(OpCode::kCpuWrite, {0, 0, 3});
  EXPECT_EQ(t.HeadAt(0, 0), head);
  EXPECT_EQ(t.HardViolations(), "");
}

// mprotect over a hole is -ENOMEM, after the VMAs before the hole changed
// (do_mprotect_pkey); the VMA after the hole keeps its protection.
//   before: [0,1)rw  hole  [2,4)rw     after: [0,1)r  hole  [2,4)rw
TEST(ChangeProtection, HoleIsEnomemAfterTheVmasBeforeIt) {
  TestWorld t("linux-6.12");
  t.Do(OpCode::kMmap, {0, 0, 1, model::kProtReadWrite, model::kMapPrivate});
  t.Do(OpCode::kMmap, {0, 2, 2, model::kProtReadWrite, model::kMapPrivate});
  EXPECT_EQ(t.Do(OpCode::kMprotect, {0, 0, 4, model::kProtRead}).outcome.ret, -12);
  EXPECT_FALSE(t.w.FindVma(0, 0)->write);
  EXPECT_TRUE(t.w.FindVma(0, 2)->write);
  // A range starting in the hole changes nothing.
  EXPECT_EQ(t.Do(OpCode::kMprotect, {0, 1, 3, model::kProtNone}).outcome.ret, -12);
  EXPECT_TRUE(t.w.FindVma(0, 2)->read);
}

// The same protection again is no change at all: no MMU notifier (the mirror
// keeps its entry), no downgrade of a device-exclusive entry.
TEST(ChangeProtection, SameProtectionIsNoChange) {
  TestWorld t("linux-6.12");
  FillSmallPages(t, 0, 2);
  t.Do(OpCode::kDeviceExclusive, {0, 0, 1, 1});
  t.Do(OpCode::kDeviceRead, {0, 0, 0, 1});
  ASSERT_NE(t.w.devices[0].mirror[0].perm, model::kMirrorNone);
  t.Do(OpCode::kMprotect, {0, 0, 2, model::kProtReadWrite});
  EXPECT_NE(t.w.devices[0].mirror[0].perm, model::kMirrorNone);
  EXPECT_EQ(t.Pte(0, 1).kind, PteKind::kDeviceExclusiveWrite);
  // A real change still invalidates and downgrades.
  t.Do(OpCode::kMprotect, {0, 0, 2, model::kProtRead});
  EXPECT_EQ(t.w.devices[0].mirror[0].perm, model::kMirrorNone);
  EXPECT_EQ(t.Pte(0, 1).kind, PteKind::kDeviceExclusiveRead);
}

// Write granted again: an exclusive anon page and a shmem page become
// writable at once (MM_CP_TRY_CHANGE_WRITABLE; shmem's writable
// vm_page_prot); the zero page and a page shared with a fork child do not.
TEST(ChangeProtection, WriteUpgradeOnlyWhereNoFaultIsNeeded) {
  TestWorld t("linux-6.12");
  t.Do(OpCode::kMmap, {0, 0, 3, model::kProtReadWrite, model::kMapPrivate});
  t.Do(OpCode::kMmap, {0, 3, 1, model::kProtReadWrite, model::kMapShared});
  t.Do(OpCode::kCpuWrite, {0, 0, 1});
  t.Do(OpCode::kCpuRead, {0, 1});
  t.Do(OpCode::kCpuWrite, {0, 2, 2});
  t.Do(OpCode::kCpuWrite, {0, 3, 3});
  t.Do(OpCode::kFork, {0});            // p2 COW-shared with mm1 below
  t.Do(OpCode::kCpuWrite, {0, 0, 4});  // p0 exclusive again
  t.Do(OpCode::kMprotect, {0, 0, 4, model::kProtRead});
  for (int va = 0; va < 4; ++va) EXPECT_FALSE(t.Pte(0, va).write) << va;
  t.Do(OpCode::kMprotect, {0, 0, 4, model::kProtReadWrite});
  EXPECT_TRUE(t.Pte(0, 0).write);
  EXPECT_FALSE(t.Pte(0, 1).write);  // the zero page
  EXPECT_FALSE(t.Pte(0, 2).write);  // not AnonExclusive
  EXPECT_TRUE(t.Pte(0, 3).write);   // shmem
  EXPECT_EQ(t.HardViolations(), "");
}

// A hugetlb VMA is not split at an unaligned address (hugetlb_vm_op_split):
// mprotect and MADV_NOHUGEPAGE of one page of it are -EINVAL and change
// nothing; no hugetlb PMD is split.
TEST(ChangeProtection, HugetlbUnalignedSplitIsEinval) {
  TestWorld t("linux-6.15");
  t.Do(OpCode::kMmap, {0, 0, 4, model::kProtReadWrite, model::kMapHugetlb});
  t.Do(OpCode::kCpuWrite, {0, 0, 7});
  EXPECT_EQ(t.Do(OpCode::kMadvise, {0, 0, 1, model::kAdviceNohugepage}).outcome.ret, -22);
  EXPECT_EQ(t.Do(OpCode::kMprotect, {0, 0, 1, model::kProtRead}).outcome.ret, -22);
  EXPECT_EQ(t.w.mms[0].vmas.size(), 1u);
  EXPECT_EQ(t.w.PmdOf(0, 0).kind, model::PmdKind::kHuge);
  EXPECT_EQ(t.Do(OpCode::kMprotect, {0, 0, 4, model::kProtRead}).outcome.ret, 0);
  EXPECT_EQ(t.w.PmdOf(0, 0).kind, model::PmdKind::kHuge);
  EXPECT_FALSE(t.w.PmdOf(0, 0).write);
  EXPECT_EQ(t.HardViolations(), "");
}

}  // namespace
}  // namespace mmcheck
