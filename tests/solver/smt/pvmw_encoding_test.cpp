// SPDX-License-Identifier: GPL-2.0
// page_vma_mapped_walk encodings of model/kernel/pvmw_encoding.h on concrete
// values (include/linux/rmap.h, mm/page_vma_mapped.c, mm/rmap.c).
#include "model/kernel/pvmw_encoding.h"

#include <gtest/gtest.h>

namespace mmcheck::model::kernel {
namespace {

constexpr uint64_t kBit63 = uint64_t{1} << 63;

TEST(SmtPvmwEncoding, FlagValues) {
  EXPECT_EQ(PVMW_SYNC, 1u);
  EXPECT_EQ(PVMW_MIGRATION, 2u);
  EXPECT_EQ(PVMW_DEVICE_PRIVATE, 4u);
  EXPECT_EQ(PVMW_PGTABLE_CROSSED, 1u << 16);
  EXPECT_EQ(PVMW_PFN_DEVICE_PRIVATE, 1u);
  EXPECT_EQ(PVMW_PFN_SHIFT, 1);
  EXPECT_EQ(kHpagePmdNr, 512u);
}

TEST(SmtPvmwEncoding, RawSchemeRoundTrips) {
  for (uint64_t pfn : {uint64_t{0}, uint64_t{0x12345}, kBit63 | 5, ~uint64_t{0}}) {
    const PvmwWalk w = DefineFolioVmaWalk(PvmwScheme::kRawPfn, pfn, 4, false, PVMW_SYNC);
    EXPECT_EQ(PvmwWalkPfn(PvmwScheme::kRawPfn, w), pfn);
    EXPECT_FALSE(PvmwWalkDevicePrivate(PvmwScheme::kRawPfn, w));
    EXPECT_EQ(w.flags, PVMW_SYNC);
  }
}

TEST(SmtPvmwEncoding, PfnShiftRoundTripsBelowBit63) {
  for (bool dp : {false, true}) {
    for (uint64_t pfn : {uint64_t{0}, uint64_t{0xff'ffff'ffff}, (kBit63 >> 1) | 3}) {
      const PvmwWalk w = DefineFolioVmaWalk(PvmwScheme::kPfnShift, pfn, 1, dp, 0);
      EXPECT_EQ(w.pfn, (pfn << 1) | (dp ? 1 : 0));
      EXPECT_EQ(PvmwWalkPfn(PvmwScheme::kPfnShift, w), pfn);
      EXPECT_EQ(PvmwWalkDevicePrivate(PvmwScheme::kPfnShift, w), dp);
      EXPECT_EQ(w.flags, 0u) << "v2 keeps the kind out of pvmw->flags";
    }
  }
}

TEST(SmtPvmwEncoding, PfnShiftLosesBit63) {
  // Bug 14: a PFN/offset with bit 63 set comes back without it...
  const PvmwWalk w = DefineFolioVmaWalk(PvmwScheme::kPfnShift, kBit63 | 0x42, 1, true, 0);
  EXPECT_EQ(PvmwWalkPfn(PvmwScheme::kPfnShift, w), 0x42u);
  // ...so two folios get one walk, and an entry at 0x42 matches the walk for kBit63 | 0x42.
  EXPECT_EQ(w, DefineFolioVmaWalk(PvmwScheme::kPfnShift, 0x42, 1, true, 0));
  EXPECT_TRUE(CheckPteMatch(PvmwScheme::kPfnShift, CheckPteForm::kTwoSided, w, 0x42, true, 1));
  EXPECT_FALSE(
      CheckPteMatch(PvmwScheme::kPfnShift, CheckPteForm::kTwoSided, w, kBit63 | 0x42, true, 1));
}

TEST(SmtPvmwEncoding, FlagsSchemeKeepsBit63AndKind) {
  const PvmwWalk w = DefineFolioVmaWalk(PvmwScheme::kFlags, kBit63 | 0x42, 1, true, PVMW_SYNC);
  EXPECT_EQ(w.pfn, kBit63 | 0x42);
  EXPECT_EQ(w.flags, PVMW_SYNC | PVMW_DEVICE_PRIVATE);
  EXPECT_TRUE(PvmwWalkDevicePrivate(PvmwScheme::kFlags, w));
  EXPECT_TRUE(
      CheckPteMatch(PvmwScheme::kFlags, CheckPteForm::kTwoSided, w, kBit63 | 0x42, true, 1));
  // Same number, other kind: a device-private offset is not that PFN.
  EXPECT_FALSE(
      CheckPteMatch(PvmwScheme::kFlags, CheckPteForm::kTwoSided, w, kBit63 | 0x42, false, 1));
}

TEST(SmtPvmwEncoding, TtuSyncOverwriteDropsKind) {
  // Bug 15: pvmw.flags = PVMW_SYNC.
  EXPECT_EQ(TtuSyncWalkFlags(PvmwScheme::kFlags, /*overwrite=*/true, true), PVMW_SYNC);
  // Jordan Niethe's follow-up: page_vma_walk_flags(folio, PVMW_SYNC).
  EXPECT_EQ(TtuSyncWalkFlags(PvmwScheme::kFlags, /*overwrite=*/false, true),
            PVMW_SYNC | PVMW_DEVICE_PRIVATE);
  EXPECT_EQ(TtuSyncWalkFlags(PvmwScheme::kFlags, false, false), PVMW_SYNC);
  // v2 keeps the kind in pvmw->pfn, which TTU_SYNC does not touch.
  EXPECT_EQ(TtuSyncWalkFlags(PvmwScheme::kPfnShift, true, true), PVMW_SYNC);
}

TEST(SmtPvmwEncoding, CheckPteTwoSidedIsOverlap) {
  // The entry's [pfn, pfn + pte_nr - 1] against the walk's [start, start + nr - 1].
  struct Case {
    uint64_t pfn, pte_nr, start, nr;
  } cases[] = {
      {100, 1, 100, 1},    {99, 1, 100, 1},
      {101, 1, 100, 1},    {512, 512, 513, 1},
      {512, 512, 1023, 1}, {512, 512, 1024, 1},
      {0, 512, 511, 2},    {~uint64_t{0}, 1, ~uint64_t{0}, 1},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(CheckPteRange(CheckPteForm::kTwoSided, c.pfn, c.pte_nr, c.start, c.nr),
              RangesOverlap(c.pfn, c.pte_nr, c.start, c.nr))
        << c.pfn << " " << c.pte_nr << " " << c.start << " " << c.nr;
  }
}

TEST(SmtPvmwEncoding, CheckPteOneSidedMissesHugetlbSubpage) {
  // Bug 23: memory-failure's page_mapped_in_vma walks for one subpage PFN of a
  // 2 MiB hugetlb page mapped by a single PTE at its head PFN.
  const uint64_t head = 0x80000, subpage = head + 7;
  EXPECT_FALSE(CheckPteRange(CheckPteForm::kOneSided, head, 512, subpage, 1));
  EXPECT_TRUE(CheckPteRange(CheckPteForm::kTwoSided, head, 512, subpage, 1));
  // For a 1-page PTE both forms agree.
  EXPECT_TRUE(CheckPteRange(CheckPteForm::kOneSided, subpage, 1, subpage, 1));
  EXPECT_FALSE(CheckPteRange(CheckPteForm::kOneSided, subpage - 1, 1, subpage, 1));
}

TEST(SmtPvmwEncoding, CheckPmdUsesHpagePmdNr) {
  EXPECT_TRUE(CheckPmdRange(512, 1000, 1));
  EXPECT_FALSE(CheckPmdRange(512, 1024, 1));
  EXPECT_TRUE(CheckPmdMatch(PvmwScheme::kRawPfn, {1000, 1, 0}, 512, false));
}

TEST(SmtPvmwEncoding, RangesOverlapNeverWraps) {
  EXPECT_TRUE(RangesOverlap(~uint64_t{0} - 1, 1, 0, ~uint64_t{0}));
  EXPECT_FALSE(RangesOverlap(~uint64_t{0}, 1, 0, ~uint64_t{0}));
  EXPECT_FALSE(RangesOverlap(0, 1, 1, ~uint64_t{0}));
  EXPECT_TRUE(RangesOverlap(5, 1, 0, 6));
}

}  // namespace
}  // namespace mmcheck::model::kernel
