// SPDX-License-Identifier: GPL-2.0
// The swap-entry arithmetic of model/kernel/swap_entry.h, checked the way the
// kernel checks it (include/linux/swap.h, swapops.h, leafops.h).
#include "model/kernel/swap_entry.h"

#include <gtest/gtest.h>

#include <set>

namespace mmcheck::model::kernel {
namespace {

TEST(SmtSwapEntry, TypeShiftAndOffsetMask) {
  // SWP_TYPE_SHIFT = BITS_PER_XA_VALUE - MAX_SWAPFILES_SHIFT = 63 - 5.
  EXPECT_EQ(kSwpTypeShift, 58);
  EXPECT_EQ(kSwpOffsetMask, (uint64_t{1} << 58) - 1);
  // The largest entry is an xarray value: bit 63 stays clear.
  EXPECT_EQ(swp_entry(31, kSwpOffsetMask) >> 63, 0u);
}

// One row of the swap-type table, docs/kernel-rules.md#swap-types.
struct TableRow {
  const char* version;
  SwapLayout layout;
  int max_swapfiles;
  std::vector<std::pair<SwapKind, int>> types;
};

TEST(SmtSwapEntry, TypeNumberingPerVersion) {
  const TableRow rows[] = {
      {"v6.14 (OLD)",
       kSwapLayoutOld,
       23,
       {{SwapKind::kHwpoison, 23},
        {SwapKind::kMigrationRead, 24},
        {SwapKind::kMigrationReadExclusive, 25},
        {SwapKind::kMigrationWrite, 26},
        {SwapKind::kDeviceWrite, 27},
        {SwapKind::kDeviceRead, 28},
        {SwapKind::kDeviceExclusiveWrite, 29},
        {SwapKind::kDeviceExclusiveRead, 30},
        {SwapKind::kPteMarker, 31}}},
      {"v6.15 (NEW)",
       kSwapLayoutSingleExclusive,
       24,
       {{SwapKind::kHwpoison, 24},
        {SwapKind::kMigrationRead, 25},
        {SwapKind::kMigrationReadExclusive, 26},
        {SwapKind::kMigrationWrite, 27},
        {SwapKind::kDeviceWrite, 28},
        {SwapKind::kDeviceRead, 29},
        {SwapKind::kDeviceExclusive, 30},
        {SwapKind::kPteMarker, 31}}},
      {"+NIETHE",
       kSwapLayoutNiethe,
       21,
       {{SwapKind::kHwpoison, 21},
        {SwapKind::kMigrationRead, 22},
        {SwapKind::kMigrationReadExclusive, 23},
        {SwapKind::kMigrationWrite, 24},
        {SwapKind::kDeviceWrite, 25},
        {SwapKind::kDeviceRead, 26},
        {SwapKind::kDeviceExclusive, 27},
        {SwapKind::kMigrationDeviceRead, 28},
        {SwapKind::kMigrationDeviceReadExclusive, 29},
        {SwapKind::kMigrationDeviceWrite, 30},
        {SwapKind::kPteMarker, 31}}},
  };
  for (const TableRow& row : rows) {
    SCOPED_TRACE(row.version);
    EXPECT_EQ(MaxSwapfiles(row.layout), row.max_swapfiles);
    EXPECT_EQ(DeviceTypesDefined(row.layout), row.layout.swp_device_num);
    std::vector<SwapKind> kinds = SpecialSwapKinds(row.layout);
    ASSERT_EQ(kinds.size(), row.types.size());
    for (size_t i = 0; i < kinds.size(); ++i) {
      EXPECT_EQ(kinds[i], row.types[i].first) << i;
      EXPECT_EQ(SwapType(row.layout, row.types[i].first), row.types[i].second)
          << SwapKindName(row.types[i].first);
    }
    // Every number from MAX_SWAPFILES to 31 is used exactly once.
    std::set<int> used;
    for (SwapKind k : kinds) used.insert(SwapType(row.layout, k));
    EXPECT_EQ(used.size(), kinds.size());
    EXPECT_EQ(*used.begin(), row.max_swapfiles);
    EXPECT_EQ(*used.rbegin(), (1 << kMaxSwapfilesShift) - 1);
  }
  // Niethe's commit text: "24 to 21".
  EXPECT_EQ(MaxSwapfiles(kSwapLayoutSingleExclusive) - MaxSwapfiles(kSwapLayoutNiethe), 3);
}

TEST(SmtSwapEntry, LayoutsLackTheirAbsentKinds) {
  EXPECT_EQ(SwapType(kSwapLayoutOld, SwapKind::kDeviceExclusive), -1);
  EXPECT_EQ(SwapType(kSwapLayoutSingleExclusive, SwapKind::kDeviceExclusiveWrite), -1);
  EXPECT_EQ(SwapType(kSwapLayoutSingleExclusive, SwapKind::kMigrationDeviceRead), -1);
  EXPECT_EQ(SwapType(kSwapLayoutNiethe, SwapKind::kSwap), -1);
}

TEST(SmtSwapEntry, SwpPfnBitsAndBuildBugOn) {
  // x86-64 5-level: MAX_PHYSMEM_BITS 52 - PAGE_SHIFT 12.
  EXPECT_EQ(SwpPfnBits(kX86MaxPhysmemBits), 40);
  // Without MAX_PHYSMEM_BITS: min(64 - 12, SWP_TYPE_SHIFT).
  EXPECT_EQ(SwpPfnBits(kMaxPhysmemBitsUndefined), 52);
  EXPECT_TRUE(SwpTypeShiftCoversPfnBits(40));
  EXPECT_TRUE(SwpTypeShiftCoversPfnBits(58));
  EXPECT_FALSE(SwpTypeShiftCoversPfnBits(59));
  // SWP_MIG_YOUNG/DIRTY sit right above the PFN.
  EXPECT_EQ(SwpMigYoungBit(40), 40);
  EXPECT_EQ(SwpMigDirtyBit(40), 41);
  EXPECT_EQ(SwpMigTotalBits(40), 42);
  EXPECT_TRUE(MigrationEntrySupportsAd(52));
  EXPECT_FALSE(MigrationEntrySupportsAd(57));
}

TEST(SmtSwapEntry, MigrationEntryRoundTripWithYoungAndDirty) {
  const int bits = 40;
  const uint64_t pfn = (uint64_t{1} << bits) - 1;  // largest PFN
  const int write = SwapType(kSwapLayoutSingleExclusive, SwapKind::kMigrationWrite);
  uint64_t e = swp_entry(static_cast<uint64_t>(write), pfn);
  e = make_migration_entry_dirty(make_migration_entry_young(e, bits), bits);
  EXPECT_EQ(swp_type(e), static_cast<unsigned>(write));
  EXPECT_EQ(swp_offset_pfn(e, bits), pfn);
  EXPECT_TRUE(is_migration_entry_young(e, bits));
  EXPECT_TRUE(is_migration_entry_dirty(e, bits));
  // Without the mask, the A/D bits would read as part of the PFN.
  EXPECT_NE(swp_offset(e), pfn);
}

TEST(SmtSwapEntry, OffsetIsMaskedNotTypeCorrupting) {
  // A 59-bit offset loses bit 58; the type survives.
  const uint64_t e = swp_entry(5, (uint64_t{1} << 58) | 7);
  EXPECT_EQ(swp_type(e), 5u);
  EXPECT_EQ(swp_offset(e), 7u);
}

TEST(SmtSwapEntry, PteMarkers) {
  EXPECT_EQ(PTE_MARKER_UFFD_WP, 1u);
  EXPECT_EQ(PTE_MARKER_POISONED, 2u);
  EXPECT_EQ(PTE_MARKER_GUARD, 4u);
  EXPECT_EQ(PTE_MARKER_MASK, 7u);
  const uint64_t e = swp_entry(31, PTE_MARKER_GUARD);
  EXPECT_EQ(swp_offset(e), PTE_MARKER_GUARD);
}

TEST(SmtSwapEntry, OffsetWidthPerKind) {
  EXPECT_EQ(SwapOffsetBits(SwapKind::kSwap, 40), kSwpTypeShift);
  EXPECT_EQ(SwapOffsetBits(SwapKind::kPteMarker, 40), 3);
  EXPECT_EQ(SwapOffsetBits(SwapKind::kDeviceWrite, 40), 40);
  EXPECT_EQ(SwapOffsetBits(SwapKind::kMigrationDeviceWrite, 40), 42);
  EXPECT_TRUE(SwapKindHasPfn(SwapKind::kHwpoison));
  EXPECT_FALSE(SwapKindHasPfn(SwapKind::kPteMarker));
  EXPECT_TRUE(SwapKindIsMigration(SwapKind::kMigrationDeviceReadExclusive));
  EXPECT_FALSE(SwapKindIsMigration(SwapKind::kDeviceExclusive));
}

}  // namespace
}  // namespace mmcheck::model::kernel
