// SPDX-License-Identifier: GPL-2.0
// mm/memory.c: restore of device-exclusive entries, zap, fork copy, COW,
// swap-in.
#include "tests/model/test_world.h"

namespace mmcheck {
namespace {

using model::OpCode;
using model::PteKind;
using testing::FillSmallPages;
using testing::TestWorld;

// restore_exclusive_pte: OLD maps EXCL_WRITE writable and always dirty and
// re-adds the mapcount; NEW keeps the mapcount and takes writability from
// can_change_pte_writable (AnonExclusive), dirty from the folio.
TEST(RestoreExclusivePte, OldAndNewWritabilityAndMapcount) {
  for (const char* profile : {"linux-6.14", "linux-6.15"}) {
    TestWorld t(profile);
    FillSmallPages(t, 0, 1);
    t.Do(OpCode::kDeviceExclusive, {0, 0, 0, 1});
    model::StepResult r = t.Do(OpCode::kCpuRead, {0, 0});
    EXPECT_EQ(r.outcome.value, 1);
    EXPECT_EQ(t.Pte(0, 0).kind, PteKind::kPresent) << profile;
    EXPECT_TRUE(t.Pte(0, 0).write) << profile;
    EXPECT_TRUE(t.Pte(0, 0).dirty) << profile;
    EXPECT_EQ(t.w.FolioMapcount(t.HeadAt(0, 0)), 1) << profile;
    // The CPU access revoked the device's access (MMU notifier).
    EXPECT_EQ(t.w.devices[0].mirror[0].perm, model::kMirrorNone);
    EXPECT_EQ(t.HardViolations(), "") << profile;
  }
}

// remove_device_exclusive_entry sleeps while another thread holds the lock.
TEST(RemoveDeviceExclusiveEntry, BlocksOnLockedFolio) {
  TestWorld t("linux-6.15");
  FillSmallPages(t, 0, 1);
  t.Do(OpCode::kDeviceExclusive, {0, 0, 0, 1});
  t.Do(OpCode::kLockFolio, {0, 0});
  model::StepResult r = t.Do(OpCode::kCpuRead, {0, 0});
  EXPECT_TRUE(r.outcome.blocked);
  EXPECT_EQ(t.Pte(0, 0).kind, PteKind::kDeviceExclusive);
  t.Do(OpCode::kUnlockFolio, {});
  EXPECT_EQ(t.Do(OpCode::kCpuRead, {0, 0}).outcome.value, 1);
}

// zap_nonpresent_ptes: OLD drops only the reference of a device-exclusive
// entry (mapcount was already 0), NEW drops mapcount and reference; both
// free the folio.
TEST(ZapNonpresentPtes, DeviceExclusiveFreed) {
  for (const char* profile : {"linux-6.14", "linux-6.15"}) {
    TestWorld t(profile);
    FillSmallPages(t, 0, 2);
    t.Do(OpCode::kDeviceExclusive, {0, 0, 0, 1});
    int head = t.HeadAt(0, 0);
    t.Do(OpCode::kMunmap, {0, 0, 1});
    EXPECT_EQ(t.w.pages[head].head, -1) << profile << "\n" << t.Picture();
    EXPECT_EQ(t.w.mms[0].rss[model::kMmAnonPages], 1) << profile;
    EXPECT_EQ(t.w.devices[0].mirror[0].perm, model::kMirrorNone);
  }
}

// copy_nonpresent_pte: fork restores device-exclusive entries, then
// COW-shares the present page (hmm-tests exclusive_cow).
TEST(CopyNonpresentPte, ForkRestoresThenShares) {
  TestWorld t("linux-6.15");
  FillSmallPages(t, 0, 2);
  t.Do(OpCode::kDeviceExclusive, {0, 0, 0, 2});
  EXPECT_EQ(t.Do(OpCode::kFork, {0}).outcome.value, 1);
  for (int mm : {0, 1})
    for (int va : {0, 1}) {
      EXPECT_EQ(t.Pte(mm, va).kind, PteKind::kPresent);
      EXPECT_FALSE(t.Pte(mm, va).write);
    }
  EXPECT_EQ(t.w.devices[0].mirror[0].perm, model::kMirrorNone);
  EXPECT_EQ(t.HardViolations(), "") << t.Picture();
  // Each side writes its own copy.
  t.Do(OpCode::kCpuWrite, {1, 0, 50});
  EXPECT_EQ(t.Do(OpCode::kCpuRead, {0, 0}).outcome.value, 1);
  EXPECT_EQ(t.Do(OpCode::kCpuRead, {1, 0}).outcome.value, 50);
  EXPECT_EQ(t.HardViolations(), "");
}

// Bug 12: try_restore_exclusive_pte's trylock fails, fork returns -ENOMEM
// and the half-built child is torn down.
TEST(CopyNonpresentPte, ForkFailsWhenExclusiveFolioLocked) {
  TestWorld t("linux-6.15");
  FillSmallPages(t, 0, 1);
  t.Do(OpCode::kDeviceExclusive, {0, 0, 0, 1});
  t.Do(OpCode::kLockFolio, {0, 0});
  EXPECT_EQ(t.Do(OpCode::kFork, {0}).outcome.ret, -12);
  EXPECT_FALSE(t.w.mms[1].exists);
  EXPECT_EQ(t.HardViolations(), "");
}

// do_wp_page: the only mapping reuses, a shared page is copied.
TEST(DoWpPage, ReuseExclusiveCopyShared) {
  TestWorld t("linux-6.15");
  FillSmallPages(t, 0, 1);
  int head = t.HeadAt(0, 0);
  t.Do(OpCode::kFork, {0});
  t.Do(OpCode::kCpuWrite, {0, 0, 5});  // parent: copy (the page is shared)
  EXPECT_NE(t.HeadAt(0, 0), head);
  t.Do(OpCode::kCpuWrite, {1, 0, 6});  // child: now the only mapping: reuse
  EXPECT_EQ(t.HeadAt(1, 0), head);
  EXPECT_TRUE(t.w.pages[head].anon_exclusive);
  EXPECT_EQ(t.HardViolations(), "");
}

// The zero page on read fault, a private copy on the first write.
TEST(DoAnonymousPage, ZeroPageThenCopy) {
  TestWorld t("linux-6.15");
  t.Do(OpCode::kMmap, {0, 0, 1, model::kProtReadWrite, model::kMapPrivate});
  EXPECT_EQ(t.Do(OpCode::kCpuRead, {0, 0}).outcome.value, 0);
  EXPECT_TRUE(t.Pte(0, 0).special);
  t.Do(OpCode::kCpuWrite, {0, 0, 4});
  EXPECT_FALSE(t.Pte(0, 0).special);
  EXPECT_EQ(t.Do(OpCode::kCpuRead, {0, 0}).outcome.value, 4);
  EXPECT_EQ(t.HardViolations(), "");
}

// do_swap_page: a slot with one user comes back exclusive and writable on a
// write fault; the slot is freed.
TEST(DoSwapPage, SwapInExclusive) {
  TestWorld t("linux-6.15");
  FillSmallPages(t, 0, 1);
  t.Do(OpCode::kMadvise, {0, 0, 1, model::kAdvicePageout});
  ASSERT_EQ(t.Pte(0, 0).kind, PteKind::kSwap) << t.Picture();
  t.Do(OpCode::kCpuWrite, {0, 0, 8});
  EXPECT_EQ(t.Pte(0, 0).kind, PteKind::kPresent);
  EXPECT_TRUE(t.Pte(0, 0).write);
  EXPECT_EQ(t.w.swap[0].count, 0);
  EXPECT_EQ(t.HardViolations(), "");
}

// PROT_NONE and unmapped accesses are SIGSEGV.
TEST(HandleMmFault, AccessErrors) {
  TestWorld t("linux-6.15");
  t.Do(OpCode::kMmap, {0, 0, 1, model::kProtNone, model::kMapPrivate});
  EXPECT_EQ(t.Do(OpCode::kCpuRead, {0, 0}).outcome.signal, model::Signal::kSigsegv);
  EXPECT_EQ(t.Do(OpCode::kCpuRead, {0, 2}).outcome.signal, model::Signal::kSigsegv);
  t.Do(OpCode::kMprotect, {0, 0, 1, model::kProtRead});
  EXPECT_EQ(t.Do(OpCode::kCpuWrite, {0, 0, 1}).outcome.signal, model::Signal::kSigsegv);
}

}  // namespace
}  // namespace mmcheck

namespace mmcheck {
namespace {

using model::OpCode;
using model::PteKind;
using testing::TestWorld;

// fork copies the page tables of a private VMA only when it has an anon_vma
// (vma_needs_copy, mm/memory.c 6.12). A read fault maps the zero page and
// prepares none; a write fault prepares one, and a new VMA merged with that
// one (same flags, adjacent) shares it.
//   [0,2)rw anon_vma  [2,3)rw merged: anon_vma  [3,4)r no anon_vma
TEST(Fork, CopiesOnlyVmasWithAnAnonVma) {
  TestWorld t("linux-6.12");
  t.Do(OpCode::kMmap, {0, 0, 4, model::kProtReadWrite, model::kMapPrivate});
  t.Do(OpCode::kCpuRead, {0, 0});
  t.Do(OpCode::kFork, {0});
  EXPECT_EQ(t.Pte(1, 0).kind, PteKind::kNone);
  EXPECT_EQ(t.Pte(0, 0).kind, PteKind::kPresent);

  TestWorld m("linux-6.12");
  m.Do(OpCode::kMmap, {0, 0, 2, model::kProtReadWrite, model::kMapPrivate});
  m.Do(OpCode::kCpuWrite, {0, 0, 5});
  m.Do(OpCode::kMmap, {0, 2, 1, model::kProtReadWrite, model::kMapPrivate});
  m.Do(OpCode::kMmap, {0, 3, 1, model::kProtRead, model::kMapPrivate});
  m.Do(OpCode::kCpuRead, {0, 1});
  m.Do(OpCode::kCpuRead, {0, 2});
  m.Do(OpCode::kCpuRead, {0, 3});
  m.Do(OpCode::kFork, {0});
  EXPECT_EQ(m.Pte(1, 0).kind, PteKind::kPresent);
  EXPECT_EQ(m.Pte(1, 1).kind, PteKind::kPresent);  // the zero page, copied
  EXPECT_EQ(m.Pte(1, 2).kind, PteKind::kPresent);  // merged into [0,2)
  EXPECT_EQ(m.Pte(1, 3).kind, PteKind::kNone);     // other flags: its own VMA
  EXPECT_EQ(m.HardViolations(), "");
}

// A read fault on a writable shmem mapping maps the page writable but clean,
// and first maps the other cached pages around it (do_fault_around); a
// read-only shmem mapping maps it read-only.
TEST(SharedFault, ReadFaultWritableAndFaultAround) {
  TestWorld t("linux-6.12");
  t.Do(OpCode::kMmap, {0, 0, 3, model::kProtReadWrite, model::kMapShared});
  t.Do(OpCode::kMmap, {0, 3, 1, model::kProtRead, model::kMapShared});
  t.Do(OpCode::kCpuRead, {0, 0});
  EXPECT_TRUE(t.Pte(0, 0).write);
  EXPECT_FALSE(t.Pte(0, 0).dirty);
  t.Do(OpCode::kCpuRead, {0, 3});
  EXPECT_FALSE(t.Pte(0, 3).write);
  t.Do(OpCode::kCpuWrite, {0, 2, 9});
  t.Do(OpCode::kMadvise, {0, 0, 3, model::kAdviceDontneed});
  ASSERT_EQ(t.Pte(0, 2).kind, PteKind::kNone);
  t.Do(OpCode::kCpuRead, {0, 1});
  EXPECT_EQ(t.Pte(0, 0).kind, PteKind::kPresent);  // still in the page cache
  EXPECT_EQ(t.Pte(0, 2).kind, PteKind::kPresent);
  EXPECT_TRUE(t.Pte(0, 2).write);
  EXPECT_EQ(t.HardViolations(), "");
}

}  // namespace
}  // namespace mmcheck
