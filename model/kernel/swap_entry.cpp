// SPDX-License-Identifier: GPL-2.0
// Swap entries and special swap types; see swap_entry.h for the kernel sources.
#include "model/kernel/swap_entry.h"

#include <algorithm>

namespace mmcheck::model::kernel {

std::string_view SwapKindName(SwapKind kind) {
  switch (kind) {
    case SwapKind::kSwap:
      return "swap";
    case SwapKind::kHwpoison:
      return "SWP_HWPOISON";
    case SwapKind::kMigrationRead:
      return "SWP_MIGRATION_READ";
    case SwapKind::kMigrationReadExclusive:
      return "SWP_MIGRATION_READ_EXCLUSIVE";
    case SwapKind::kMigrationWrite:
      return "SWP_MIGRATION_WRITE";
    case SwapKind::kDeviceWrite:
      return "SWP_DEVICE_WRITE";
    case SwapKind::kDeviceRead:
      return "SWP_DEVICE_READ";
    case SwapKind::kDeviceExclusiveWrite:
      return "SWP_DEVICE_EXCLUSIVE_WRITE";
    case SwapKind::kDeviceExclusiveRead:
      return "SWP_DEVICE_EXCLUSIVE_READ";
    case SwapKind::kDeviceExclusive:
      return "SWP_DEVICE_EXCLUSIVE";
    case SwapKind::kMigrationDeviceRead:
      return "SWP_MIGRATION_DEVICE_READ";
    case SwapKind::kMigrationDeviceReadExclusive:
      return "SWP_MIGRATION_DEVICE_READ_EXCLUSIVE";
    case SwapKind::kMigrationDeviceWrite:
      return "SWP_MIGRATION_DEVICE_WRITE";
    case SwapKind::kPteMarker:
      return "SWP_PTE_MARKER";
  }
  return "?";
}

std::vector<SwapKind> SpecialSwapKinds(const SwapLayout& l) {
  static constexpr SwapKind kAll[] = {
      SwapKind::kHwpoison,
      SwapKind::kMigrationRead,
      SwapKind::kMigrationReadExclusive,
      SwapKind::kMigrationWrite,
      SwapKind::kDeviceWrite,
      SwapKind::kDeviceRead,
      SwapKind::kDeviceExclusiveWrite,
      SwapKind::kDeviceExclusiveRead,
      SwapKind::kDeviceExclusive,
      SwapKind::kMigrationDeviceRead,
      SwapKind::kMigrationDeviceReadExclusive,
      SwapKind::kMigrationDeviceWrite,
      SwapKind::kPteMarker,
  };
  std::vector<SwapKind> out;
  for (SwapKind k : kAll)
    if (SwapType(l, k) >= 0) out.push_back(k);
  std::stable_sort(out.begin(), out.end(),
                   [&](SwapKind a, SwapKind b) { return SwapType(l, a) < SwapType(l, b); });
  return out;
}

bool SwapKindIsMigration(SwapKind kind) {
  switch (kind) {
    case SwapKind::kMigrationRead:
    case SwapKind::kMigrationReadExclusive:
    case SwapKind::kMigrationWrite:
    case SwapKind::kMigrationDeviceRead:
    case SwapKind::kMigrationDeviceReadExclusive:
    case SwapKind::kMigrationDeviceWrite:
      return true;
    default:
      return false;
  }
}

bool SwapKindHasPfn(SwapKind kind) {
  switch (kind) {
    case SwapKind::kSwap:
    case SwapKind::kPteMarker:
      return false;
    default:
      return true;
  }
}

int SwapOffsetBits(SwapKind kind, int swp_pfn_bits) {
  if (kind == SwapKind::kSwap) return kSwpTypeShift;
  if (kind == SwapKind::kPteMarker) return kPteMarkerBits;
  if (SwapKindIsMigration(kind) && MigrationEntrySupportsAd(swp_pfn_bits))
    return SwpMigTotalBits(swp_pfn_bits);
  return swp_pfn_bits;
}

}  // namespace mmcheck::model::kernel
