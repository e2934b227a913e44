// SPDX-License-Identifier: GPL-2.0
// mm/page_vma_mapped.c: check_pte rules and the overlap test.
#include "model/ops/kernel.h"
#include "tests/model/test_world.h"

namespace mmcheck {
namespace {

using model::OpCode;
using model::Pte;
using model::PteKind;
using model::kernel::check_pte;
using model::kernel::kPvmwMigration;
using model::kernel::PageVmaMappedWalk;
using testing::TestWorld;

PageVmaMappedWalk Walk(uint32_t pfn, int nr, unsigned flags) {
  PageVmaMappedWalk pvmw;
  pvmw.pfn = pfn;
  pvmw.nr_pages = nr;
  pvmw.flags = flags;
  return pvmw;
}

// Bug 9: before hildenbrand-v2 07/17, PVMW_MIGRATION accepted
// device-exclusive entries as if they were migration entries.
TEST(CheckPte, MigrationModeAndDeviceExclusive) {
  Pte excl{PteKind::kDeviceExclusiveWrite, 0x100};
  Pte mig{PteKind::kMigrationRead, 0x100};
  TestWorld old("hildenbrand-v2-06"), fixed("hildenbrand-v2-07");
  EXPECT_TRUE(check_pte(old.w, Walk(0x100, 1, kPvmwMigration), excl, 1));
  EXPECT_FALSE(check_pte(fixed.w, Walk(0x100, 1, kPvmwMigration), excl, 1));
  EXPECT_TRUE(check_pte(fixed.w, Walk(0x100, 1, kPvmwMigration), mig, 1));
  // Outside migration mode, device-exclusive entries count as mappings and
  // migration entries do not.
  EXPECT_TRUE(check_pte(fixed.w, Walk(0x100, 1, 0), excl, 1));
  EXPECT_FALSE(check_pte(fixed.w, Walk(0x100, 1, 0), mig, 1));
}

// The two-sided overlap test, and bug 23: the one-sided form misses a
// hugetlb entry (pte_nr > 1) when walking for a subpage PFN.
TEST(CheckPte, OverlapForHugetlbSubpage) {
  Pte huge{PteKind::kPresent, 0x100};
  TestWorld two("linux-6.15");
  model::World one = two.w;
  one.knobs.check_pte_overlap = model::CheckPteOverlap::kOneSided;
  // Walk for subpage 0x102 of the 4-page entry at 0x100.
  EXPECT_TRUE(check_pte(two.w, Walk(0x102, 1, 0), huge, 4));
  EXPECT_FALSE(check_pte(one, Walk(0x102, 1, 0), huge, 4));
  // Exact boundaries: [0x100, 0x103] vs [0x104, ...] do not overlap.
  EXPECT_FALSE(check_pte(two.w, Walk(0x104, 1, 0), huge, 4));
  EXPECT_TRUE(check_pte(two.w, Walk(0x0fd, 4, 0), huge, 4));
  EXPECT_FALSE(check_pte(two.w, Walk(0x0fc, 4, 0), huge, 4));
}

// page_vma_mapped_walk finds every PTE of a PTE-mapped THP, one per call,
// skipping the zero page and none entries.
TEST(PageVmaMappedWalk, FindsEveryPteOfAFolio) {
  TestWorld t("linux-6.15");
  t.Do(OpCode::kMmap, {0, 0, 4, model::kProtReadWrite, model::kMapPrivate});
  t.Do(OpCode::kCpuWrite, {0, 0, 1});
  t.Do(OpCode::kSplit, {0, 0});  // split the PMD: four PTEs
  t.Do(OpCode::kDeviceExclusive, {0, 0, 3, 1});
  int head = t.HeadAt(0, 0);
  PageVmaMappedWalk pvmw =
      model::kernel::StartWalk(t.w, t.w.PfnOf(head), 4, 0, 0, t.w.mms[0].vmas[0]);
  std::vector<int> hits;
  while (model::kernel::page_vma_mapped_walk(t.w, pvmw)) hits.push_back(pvmw.address);
  EXPECT_EQ(hits, (std::vector<int>{0, 1, 2, 3}));
  // In migration mode nothing matches: there are no migration entries.
  pvmw = model::kernel::StartWalk(t.w, t.w.PfnOf(head), 4, kPvmwMigration, 0, t.w.mms[0].vmas[0]);
  EXPECT_FALSE(model::kernel::page_vma_mapped_walk(t.w, pvmw));
}

}  // namespace
}  // namespace mmcheck
