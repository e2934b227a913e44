// SPDX-License-Identifier: GPL-2.0
// mm/rmap.c: make_device_exclusive in its three implementations, the rmap
// walkers on device-exclusive entries, and rmap accounting.
#include "model/ops/kernel.h"
#include "tests/model/test_world.h"

namespace mmcheck {
namespace {

using model::OpCode;
using model::PteKind;
using testing::FillSmallPages;
using testing::TestWorld;

// 6.14: the entry keeps the GUP/PTE reference but drops the mapcount.
//   mm0 | p0 Xw:0x100     folio 0x100 ref:1 map:0
TEST(MakeDeviceExclusive, OldDropsMapcountKeepsReference) {
  TestWorld t("linux-6.14");
  FillSmallPages(t, 0, 1);
  model::StepResult r = t.Do(OpCode::kDeviceExclusive, {0, 0, 0, 1});
  EXPECT_EQ(r.outcome.ret, 0);
  EXPECT_EQ(t.Pte(0, 0).kind, PteKind::kDeviceExclusiveWrite);
  int head = t.HeadAt(0, 0);
  EXPECT_EQ(t.w.Folio(head).refcount, 1);
  EXPECT_EQ(t.w.FolioMapcount(head), 0);
  EXPECT_TRUE(t.Violates("mapcount-matches-mappings")) << t.Picture();
}

// 6.15: one SWP_DEVICE_EXCLUSIVE entry that keeps mapcount and reference.
TEST(MakeDeviceExclusive, NewKeepsMapcount) {
  TestWorld t("linux-6.15");
  FillSmallPages(t, 0, 1);
  model::StepResult r = t.Do(OpCode::kDeviceExclusive, {0, 0, 0, 1});
  EXPECT_EQ(r.outcome.ret, 0);
  EXPECT_EQ(t.Pte(0, 0).kind, PteKind::kDeviceExclusive);
  int head = t.HeadAt(0, 0);
  EXPECT_EQ(t.w.Folio(head).refcount, 1);
  EXPECT_EQ(t.w.FolioMapcount(head), 1);
  EXPECT_EQ(t.HardViolations(), "");
  EXPECT_EQ(t.w.devices[0].mirror[0].perm, model::kMirrorAtomic);
}

// The folio_walk implementation converts one PTE of a PTE-mapped THP; the
// rmap walk (v2 03/17) converts every PTE of the folio.
TEST(MakeDeviceExclusive, FolioWalkConvertsOnePteRmapWalkConvertsAll) {
  for (const char* profile : {"hildenbrand-v2-03", "hildenbrand-v2-04"}) {
    TestWorld t(profile);
    t.Do(OpCode::kMmap, {0, 0, 4, model::kProtReadWrite, model::kMapPrivate});
    t.Do(OpCode::kCpuWrite, {0, 0, 9});  // a THP (transparent_hugepage=always)
    ASSERT_EQ(t.w.mms[0].pmds[0].kind, model::PmdKind::kHuge);
    EXPECT_EQ(t.Do(OpCode::kDeviceExclusive, {0, 0, 2, 1}).outcome.ret, 0) << profile;
    int exclusive = 0;
    for (int va = 0; va < 4; ++va) exclusive += model::IsDeviceExclusive(t.Pte(0, va).kind);
    EXPECT_EQ(exclusive, std::string(profile) == "hildenbrand-v2-03" ? 4 : 1) << t.Picture();
  }
}

// v6.14 drops PageTail pages: -EBUSY on any page but the head (bug 1).
TEST(MakeDeviceExclusive, RangeRejectsTailPages) {
  TestWorld t("linux-6.14");
  t.Do(OpCode::kMmap, {0, 0, 4, model::kProtReadWrite, model::kMapPrivate});
  t.Do(OpCode::kCpuWrite, {0, 0, 9});
  EXPECT_EQ(t.Do(OpCode::kDeviceExclusive, {0, 0, 1, 1}).outcome.ret, -16);
  EXPECT_EQ(t.w.devices[0].mirror[1].perm, model::kMirrorNone);
}

// hugetlb: 6.14 BUGs in the PMD split, 6.15 refuses with -EOPNOTSUPP (bug 2).
TEST(MakeDeviceExclusive, HugetlbBugThenRejected) {
  TestWorld old("linux-6.14"), fixed("linux-6.15");
  for (TestWorld* t : {&old, &fixed}) {
    t->Do(OpCode::kMmap, {0, 0, 4, model::kProtReadWrite, model::kMapHugetlb});
    t->Do(OpCode::kCpuWrite, {0, 0, 3});
  }
  old.Do(OpCode::kDeviceExclusive, {0, 0, 0, 1});
  EXPECT_TRUE(old.Violates("no-kernel-bug"));
  EXPECT_EQ(fixed.Do(OpCode::kDeviceExclusive, {0, 0, 0, 1}).outcome.ret, -95);
  EXPECT_EQ(fixed.HardViolations(), "");
}

// v1 trylock gives -EBUSY under contention; v2 17/17 sleeps (bug 11).
TEST(MakeDeviceExclusive, ContendedLockBusyOrSleeps) {
  TestWorld v1("hildenbrand-v1-12"), v2("hildenbrand-v2-17");
  for (TestWorld* t : {&v1, &v2}) {
    FillSmallPages(*t, 0, 1);
    t->Do(OpCode::kLockFolio, {0, 0});
  }
  model::StepResult r1 = v1.Do(OpCode::kDeviceExclusive, {0, 0, 0, 1});
  EXPECT_EQ(r1.outcome.ret, -16);
  EXPECT_FALSE(r1.outcome.blocked);
  model::StepResult r2 = v2.Do(OpCode::kDeviceExclusive, {0, 0, 0, 1});
  EXPECT_EQ(r2.outcome.ret, 0);
  EXPECT_TRUE(r2.outcome.blocked);
  // Once the other thread lets go, the retry succeeds.
  v2.Do(OpCode::kUnlockFolio, {});
  EXPECT_EQ(v2.Do(OpCode::kDeviceExclusive, {0, 0, 0, 1}).outcome.ret, 0);
}

// try_to_unmap_one (NEW) turns a device-exclusive entry into an exclusive
// swap entry via the swap offset, and pte_clear()s it.
TEST(TryToUnmapOne, DeviceExclusiveBecomesExclusiveSwapEntry) {
  TestWorld t("linux-6.15");
  FillSmallPages(t, 0, 1);
  t.Do(OpCode::kDeviceExclusive, {0, 0, 0, 1});
  model::StepResult r = t.Do(OpCode::kReclaim, {0, 0});
  EXPECT_EQ(t.Pte(0, 0).kind, PteKind::kSwap) << t.Picture();
  EXPECT_TRUE(t.Pte(0, 0).swp_exclusive);
  EXPECT_EQ(t.HardViolations(), "");
  ASSERT_EQ(r.progress.size(), 1u);
  EXPECT_TRUE(r.progress[0].progressed);
  // The data comes back on swap-in.
  EXPECT_EQ(t.Do(OpCode::kCpuRead, {0, 0}).outcome.value, 1);
}

// The x86-64 pte_pfn() of a device-exclusive entry for pfn P is P >> 3.
TEST(TryToUnmapOne, PtePfnOfNonPresentEntryIsGarbage) {
  EXPECT_EQ(model::kernel::PtePfnOfNonPresent(0x100), 0x20u);
  EXPECT_EQ(model::kernel::PtePfnOfNonPresent(0x107), 0x20u);
}

// folio_referenced() returns 0 at once for an unmapped folio
// (docs/kernel-rules.md#invariant-3): OLD device-exclusive folios are
// invisible to it.
TEST(FolioReferenced, EarlyReturnAtMapcountZero) {
  TestWorld t("linux-6.14");
  FillSmallPages(t, 0, 1);
  t.Do(OpCode::kDeviceExclusive, {0, 0, 0, 1});
  model::StepResult r;
  int head = t.HeadAt(0, 0);
  EXPECT_EQ(model::kernel::folio_referenced(t.w, r, head), 0);
  EXPECT_TRUE(r.events.empty());
}

// Issue 13: on x86-64 the young helper leaves a device-exclusive entry alone
// and nothing warns; on arm64 it clears PTE_AF, the swap type's top bit.
//   mm0 | p0 X:0x100 (mapcount kept, so reclaim's walk reaches it)
TEST(FolioReferenced, YoungHelperOnDeviceExclusiveDependsOnArch) {
  for (const char* profile : {"mainline", "mainline-arm64"}) {
    TestWorld t(profile);
    FillSmallPages(t, 0, 1);
    t.Do(OpCode::kDeviceExclusive, {0, 0, 0, 1});
    ASSERT_EQ(t.Pte(0, 0).kind, PteKind::kDeviceExclusive);
    model::StepResult r;
    model::kernel::folio_referenced(t.w, r, t.HeadAt(0, 0));
    const bool arm64 = std::string(profile) == "mainline-arm64";
    bool corruption = false, warning = false;
    for (const model::KernelEvent& e : r.events) {
      corruption = corruption || e.kind == model::EventKind::kCorruption;
      warning = warning || e.kind == model::EventKind::kWarn;
    }
    EXPECT_EQ(corruption, arm64) << profile;
    EXPECT_FALSE(warning) << profile << ": an order-0 folio is not batched";
  }
}

// linux-mm 7.x batches a large folio's PTEs: folio_pte_batch's DEBUG_VM
// check warns when the walk's PTE is device-exclusive (a real warning).
TEST(FolioReferenced, PteBatchWarnsOnDeviceExclusiveOfLargeFolio) {
  for (const char* profile : {"linux-6.15", "mainline"}) {
    TestWorld t(profile);
    t.Do(OpCode::kMmap, {0, 0, 4, model::kProtReadWrite, model::kMapPrivate});
    t.Do(OpCode::kCpuWrite, {0, 0, 9});  // a THP
    ASSERT_EQ(t.Do(OpCode::kDeviceExclusive, {0, 0, 0, 1}).outcome.ret, 0);
    ASSERT_GT(t.w.Folio(t.HeadAt(0, 1)).order, 0);
    model::StepResult r;
    model::kernel::folio_referenced(t.w, r, t.HeadAt(0, 1));
    bool warning = false;
    for (const model::KernelEvent& e : r.events)
      warning = warning || (e.kind == model::EventKind::kWarn &&
                            e.text.find("folio_pte_batch") != std::string::npos);
    EXPECT_EQ(warning, std::string(profile) == "mainline") << profile << "\n" << t.Picture();
  }
}

// Issue 13: the mkclean walkers skip VMAs without VM_SHARED
// (invalid_mkclean_vma), so even 6.12's rewrite never meets a
// device-exclusive entry; a shared mapping is still cleaned.
TEST(FolioMkclean, WalksSharedMappingsOnly) {
  TestWorld t("linux-6.12");
  FillSmallPages(t, 0, 1);
  t.Do(OpCode::kDeviceExclusive, {0, 0, 0, 1});
  t.w.mms[0].ptes[0].soft_dirty = true;  // what made OLD rewrite it
  const model::Pte before = t.Pte(0, 0);
  model::StepResult r = t.Do(OpCode::kMkclean, {0, 0});
  EXPECT_EQ(r.outcome.value, 0);
  EXPECT_EQ(t.Pte(0, 0), before) << t.Picture();
  EXPECT_FALSE(t.Violates("no-memory-corruption"));

  TestWorld s("linux-6.12");
  s.Do(OpCode::kMmap, {0, 0, 4, model::kProtReadWrite, model::kMapShared});
  s.Do(OpCode::kCpuWrite, {0, 0, 5});
  ASSERT_TRUE(s.Pte(0, 0).dirty || s.Pte(0, 0).write) << s.Picture();
  EXPECT_EQ(s.Do(OpCode::kMkclean, {0, 0}).outcome.value, 1) << s.Picture();
  EXPECT_FALSE(s.Pte(0, 0).write);
}

// Accounting: a fresh anon page is exclusive with mapcount 1; fork shares
// it (mapcount 2, AnonExclusive cleared, both read-only).
TEST(RmapAccounting, ForkDupClearsAnonExclusive) {
  TestWorld t("linux-6.15");
  FillSmallPages(t, 0, 1);
  int head = t.HeadAt(0, 0);
  EXPECT_TRUE(t.w.pages[head].anon_exclusive);
  EXPECT_EQ(t.Do(OpCode::kFork, {0}).outcome.value, 1);
  EXPECT_EQ(t.w.FolioMapcount(head), 2);
  EXPECT_EQ(t.w.Folio(head).refcount, 2);
  EXPECT_FALSE(t.w.pages[head].anon_exclusive);
  EXPECT_FALSE(t.Pte(0, 0).write);
  EXPECT_FALSE(t.Pte(1, 0).write);
  EXPECT_EQ(t.HardViolations(), "");
}

}  // namespace
}  // namespace mmcheck
