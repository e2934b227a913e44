// SPDX-License-Identifier: GPL-2.0
// Swap entries (swp_entry_t / softleaf_t) and the special swap types, as
// facts copied from the kernel headers.
//
// Models:
//   include/linux/swap.h     MAX_SWAPFILES_SHIFT, SWP_*_NUM, the special type
//                            numbers (linux-mm @ 005bcbe4d223; v6.14 for the
//                            EXCL_WRITE/EXCL_READ pair; niethe v2 07/11 and
//                            v3-v6 for SWP_MIGRATION_DEVICE_*)
//   include/linux/swapops.h  swp_entry/swp_type/swp_offset, SWP_PFN_BITS,
//                            SWP_MIG_YOUNG/DIRTY, PTE markers (linux-mm @ 1df1ca75bc01)
//   include/linux/leafops.h  softleaf_to_pfn and BUILD_BUG_ON(SWP_TYPE_SHIFT <
//                            SWP_PFN_BITS) in softleaf_has_pfn (torvalds @ 0ac881efe164)
// Diverges: 64-bit only; the arch-specific PTE layout (__swp_entry, the swp
// exclusive/soft-dirty/uffd-wp bits) is not modelled, entries are the
// arch-independent swp_entry_t value.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "model/kernel/bits.h"

namespace mmcheck::model::kernel {

// PAGE_SHIFT on x86-64 (arch/x86/include/asm/page_types.h).
inline constexpr int kPageShift = 12;

// MAX_SWAPFILES_SHIFT (include/linux/swap.h; 5 in every version read).
inline constexpr int kMaxSwapfilesShift = 5;
// BITS_PER_XA_VALUE = BITS_PER_LONG - 1 (include/linux/xarray.h).
inline constexpr int kBitsPerXaValue = kBitsPerLong - 1;
// SWP_TYPE_SHIFT = BITS_PER_XA_VALUE - MAX_SWAPFILES_SHIFT (swapops.h @ 1df1ca75bc01).
inline constexpr int kSwpTypeShift = kBitsPerXaValue - kMaxSwapfilesShift;
// SWP_OFFSET_MASK = (1UL << SWP_TYPE_SHIFT) - 1 (swapops.h @ 1df1ca75bc01).
inline constexpr uint64_t kSwpOffsetMask = LowMask(kSwpTypeShift);

static_assert(kSwpTypeShift == 58, "swapops.h: SWP_TYPE_SHIFT is 58 on 64-bit");
static_assert(kSwpOffsetMask == 0x03ff'ffff'ffff'ffffULL);
// The 5-bit type sits right above the offset, inside an xarray value.
static_assert(kSwpTypeShift + kMaxSwapfilesShift == kBitsPerXaValue);

// With CONFIG_MIGRATION, CONFIG_MEMORY_FAILURE on (include/linux/swap.h @ 005bcbe4d223).
inline constexpr int kSwpMigrationNum = 3;  // SWP_MIGRATION_NUM
inline constexpr int kSwpHwpoisonNum = 1;   // SWP_HWPOISON_NUM
inline constexpr int kSwpPteMarkerNum = 1;  // SWP_PTE_MARKER_NUM

// What a swap type number stands for.
enum class SwapKind : uint8_t {
  kSwap,                          // a real swap device, type < MAX_SWAPFILES
  kHwpoison,                      // SWP_HWPOISON
  kMigrationRead,                 // SWP_MIGRATION_READ
  kMigrationReadExclusive,        // SWP_MIGRATION_READ_EXCLUSIVE
  kMigrationWrite,                // SWP_MIGRATION_WRITE
  kDeviceWrite,                   // SWP_DEVICE_WRITE
  kDeviceRead,                    // SWP_DEVICE_READ
  kDeviceExclusiveWrite,          // SWP_DEVICE_EXCLUSIVE_WRITE (v6.14 and older)
  kDeviceExclusiveRead,           // SWP_DEVICE_EXCLUSIVE_READ (v6.14 and older)
  kDeviceExclusive,               // SWP_DEVICE_EXCLUSIVE (hildenbrand-v2 06/17, v6.15+)
  kMigrationDeviceRead,           // SWP_MIGRATION_DEVICE_READ (niethe)
  kMigrationDeviceReadExclusive,  // SWP_MIGRATION_DEVICE_READ_EXCLUSIVE (niethe)
  kMigrationDeviceWrite,          // SWP_MIGRATION_DEVICE_WRITE (niethe)
  kPteMarker,                     // SWP_PTE_MARKER
};

// The kernel macro name of `kind` ("SWP_DEVICE_WRITE", ...; "swap" for kSwap).
std::string_view SwapKindName(SwapKind kind);

// Which special types a kernel defines. SWP_DEVICE_NUM is kept as its own
// number, like the #define, so that a layout whose count disagrees with its
// types is expressible (and caught by the swap-special-types-distinct lemma).
struct SwapLayout {
  int device_exclusive_types;  // 2: EXCL_WRITE + EXCL_READ; 1: SWP_DEVICE_EXCLUSIVE
  int device_migration_types;  // 0, or 3: SWP_MIGRATION_DEVICE_{READ,READ_EXCLUSIVE,WRITE}
  int swp_device_num;          // SWP_DEVICE_NUM as #defined

  constexpr bool operator==(const SwapLayout&) const = default;
};

// v6.14 and older: SWP_DEVICE_{WRITE,READ,EXCLUSIVE_WRITE,EXCLUSIVE_READ} (swap.h @ v6.14).
inline constexpr SwapLayout kSwapLayoutOld{2, 0, 4};
// v6.15+: one SWP_DEVICE_EXCLUSIVE (hildenbrand-v2 06/17; swap.h @ 005bcbe4d223).
inline constexpr SwapLayout kSwapLayoutSingleExclusive{1, 0, 3};
// Niethe v2 07/11 .. v6: SWP_DEVICE_NUM 6 with three SWP_MIGRATION_DEVICE_* types.
inline constexpr SwapLayout kSwapLayoutNiethe{1, 3, 6};

// MAX_SWAPFILES = (1 << MAX_SWAPFILES_SHIFT) - SWP_DEVICE_NUM - SWP_MIGRATION_NUM
//                 - SWP_HWPOISON_NUM - SWP_PTE_MARKER_NUM  (include/linux/swap.h).
constexpr int MaxSwapfiles(const SwapLayout& l) {
  return (1 << kMaxSwapfilesShift) - l.swp_device_num - kSwpMigrationNum - kSwpHwpoisonNum -
         kSwpPteMarkerNum;
}

// The type number of `kind` under layout `l`, following the swap.h macros:
// HWPOISON = MAX_SWAPFILES, then MIGRATION R/RE/W, then DEVICE W/R, the
// exclusive type(s), the Niethe device-migration types, then PTE_MARKER.
// Returns: -1 if the layout has no such type, and for kSwap (any type below
// MAX_SWAPFILES). Example: SwapType(kSwapLayoutOld, SwapKind::kPteMarker) == 31.
constexpr int SwapType(const SwapLayout& l, SwapKind kind) {
  const int max = MaxSwapfiles(l);
  const int migration = max + kSwpHwpoisonNum;      // SWP_MIGRATION_READ
  const int device = migration + kSwpMigrationNum;  // SWP_DEVICE_WRITE
  const int device_migration = device + 2 + l.device_exclusive_types;
  const bool pair = l.device_exclusive_types == 2;
  const bool niethe = l.device_migration_types == 3;
  switch (kind) {
    case SwapKind::kSwap:
      return -1;
    case SwapKind::kHwpoison:
      return max;
    case SwapKind::kMigrationRead:
      return migration;
    case SwapKind::kMigrationReadExclusive:
      return migration + 1;
    case SwapKind::kMigrationWrite:
      return migration + 2;
    case SwapKind::kDeviceWrite:
      return device;
    case SwapKind::kDeviceRead:
      return device + 1;
    case SwapKind::kDeviceExclusiveWrite:
      return pair ? device + 2 : -1;
    case SwapKind::kDeviceExclusiveRead:
      return pair ? device + 3 : -1;
    case SwapKind::kDeviceExclusive:
      return pair ? -1 : device + 2;
    case SwapKind::kMigrationDeviceRead:
      return niethe ? device_migration : -1;
    case SwapKind::kMigrationDeviceReadExclusive:
      return niethe ? device_migration + 1 : -1;
    case SwapKind::kMigrationDeviceWrite:
      return niethe ? device_migration + 2 : -1;
    case SwapKind::kPteMarker:
      return device + l.swp_device_num;
  }
  return -1;
}

// The table of docs/kernel-rules.md#swap-types (64-bit, every option on), row by row.
// OLD (v6.14): MAX_SWAPFILES 23, HWPOISON 23, MIG 24/25/26, DEV 27/28, EXCL_W 29, EXCL_R 30,
// MARKER 31.
static_assert(MaxSwapfiles(kSwapLayoutOld) == 23);
static_assert(SwapType(kSwapLayoutOld, SwapKind::kHwpoison) == 23);
static_assert(SwapType(kSwapLayoutOld, SwapKind::kMigrationRead) == 24);
static_assert(SwapType(kSwapLayoutOld, SwapKind::kMigrationReadExclusive) == 25);
static_assert(SwapType(kSwapLayoutOld, SwapKind::kMigrationWrite) == 26);
static_assert(SwapType(kSwapLayoutOld, SwapKind::kDeviceWrite) == 27);
static_assert(SwapType(kSwapLayoutOld, SwapKind::kDeviceRead) == 28);
static_assert(SwapType(kSwapLayoutOld, SwapKind::kDeviceExclusiveWrite) == 29);
static_assert(SwapType(kSwapLayoutOld, SwapKind::kDeviceExclusiveRead) == 30);
static_assert(SwapType(kSwapLayoutOld, SwapKind::kDeviceExclusive) == -1);
static_assert(SwapType(kSwapLayoutOld, SwapKind::kPteMarker) == 31);
// NEW (v6.15): MAX_SWAPFILES 24, HWPOISON 24, MIG 25/26/27, DEV 28/29, EXCLUSIVE 30, MARKER 31.
static_assert(MaxSwapfiles(kSwapLayoutSingleExclusive) == 24);
static_assert(SwapType(kSwapLayoutSingleExclusive, SwapKind::kHwpoison) == 24);
static_assert(SwapType(kSwapLayoutSingleExclusive, SwapKind::kMigrationRead) == 25);
static_assert(SwapType(kSwapLayoutSingleExclusive, SwapKind::kMigrationWrite) == 27);
static_assert(SwapType(kSwapLayoutSingleExclusive, SwapKind::kDeviceWrite) == 28);
static_assert(SwapType(kSwapLayoutSingleExclusive, SwapKind::kDeviceRead) == 29);
static_assert(SwapType(kSwapLayoutSingleExclusive, SwapKind::kDeviceExclusive) == 30);
static_assert(SwapType(kSwapLayoutSingleExclusive, SwapKind::kPteMarker) == 31);
// +NIETHE: MAX_SWAPFILES 21 ("24 to 21"), HWPOISON 21, MIG 22/23/24, DEV 25/26, EXCLUSIVE 27,
// MIG_DEV 28/29/30, MARKER 31.
static_assert(MaxSwapfiles(kSwapLayoutNiethe) == 21);
static_assert(SwapType(kSwapLayoutNiethe, SwapKind::kHwpoison) == 21);
static_assert(SwapType(kSwapLayoutNiethe, SwapKind::kMigrationRead) == 22);
static_assert(SwapType(kSwapLayoutNiethe, SwapKind::kDeviceWrite) == 25);
static_assert(SwapType(kSwapLayoutNiethe, SwapKind::kDeviceExclusive) == 27);
static_assert(SwapType(kSwapLayoutNiethe, SwapKind::kMigrationDeviceRead) == 28);
static_assert(SwapType(kSwapLayoutNiethe, SwapKind::kMigrationDeviceReadExclusive) == 29);
static_assert(SwapType(kSwapLayoutNiethe, SwapKind::kMigrationDeviceWrite) == 30);
static_assert(SwapType(kSwapLayoutNiethe, SwapKind::kPteMarker) == 31);

// The special kinds `l` defines, in type-number order (HWPOISON .. PTE_MARKER).
std::vector<SwapKind> SpecialSwapKinds(const SwapLayout& l);

// The number of SWP_DEVICE_* types `l` actually defines (2 + exclusive + device-migration);
// equals swp_device_num in every kernel layout.
constexpr int DeviceTypesDefined(const SwapLayout& l) {
  return 2 + l.device_exclusive_types + l.device_migration_types;
}
static_assert(DeviceTypesDefined(kSwapLayoutOld) == kSwapLayoutOld.swp_device_num);
static_assert(DeviceTypesDefined(kSwapLayoutSingleExclusive) ==
              kSwapLayoutSingleExclusive.swp_device_num);
static_assert(DeviceTypesDefined(kSwapLayoutNiethe) == kSwapLayoutNiethe.swp_device_num);

// --- swp_entry_t (swapops.h @ 1df1ca75bc01) ---

// swp_entry(type, offset): (type << SWP_TYPE_SHIFT) | (offset & SWP_OFFSET_MASK).
constexpr uint64_t swp_entry(uint64_t type, uint64_t offset) {
  return (type << kSwpTypeShift) | (offset & kSwpOffsetMask);
}
// swp_type(entry): entry >> SWP_TYPE_SHIFT.
constexpr unsigned swp_type(uint64_t entry) {
  return static_cast<unsigned>(entry >> kSwpTypeShift);
}
// swp_offset(entry): entry & SWP_OFFSET_MASK.
constexpr uint64_t swp_offset(uint64_t entry) {
  return entry & kSwpOffsetMask;
}

static_assert(swp_type(swp_entry(31, 0x1234)) == 31);
static_assert(swp_offset(swp_entry(31, 0x1234)) == 0x1234);
// The offset is masked: a 59-bit offset loses its top bit instead of corrupting the type.
static_assert(swp_type(swp_entry(1, Bit(58))) == 1 && swp_offset(swp_entry(1, Bit(58))) == 0);

// --- PFN swap entries (swapops.h, leafops.h) ---

// MAX_PHYSMEM_BITS on x86-64 with 5-level paging: pgtable_l5_enabled() ? 52 : 46
// (arch/x86/include/asm/sparsemem.h); the larger value bounds every PFN.
inline constexpr int kX86MaxPhysmemBits = 52;
// Passed to SwpPfnBits() for an architecture that does not define MAX_PHYSMEM_BITS.
inline constexpr int kMaxPhysmemBitsUndefined = 0;
// sizeof(phys_addr_t) * 8 on 64-bit (include/linux/types.h, CONFIG_PHYS_ADDR_T_64BIT).
inline constexpr int kPhysAddrBits = 64;

// SWP_PFN_BITS: MAX_PHYSMEM_BITS - PAGE_SHIFT, or without MAX_PHYSMEM_BITS
// min(sizeof(phys_addr_t) * 8 - PAGE_SHIFT, SWP_TYPE_SHIFT) (swapops.h @ 1df1ca75bc01).
// REQUIRES: max_physmem_bits is kMaxPhysmemBitsUndefined or > kPageShift.
constexpr int SwpPfnBits(int max_physmem_bits) {
  if (max_physmem_bits != kMaxPhysmemBitsUndefined) return max_physmem_bits - kPageShift;
  const int phys = kPhysAddrBits - kPageShift;
  return phys < kSwpTypeShift ? phys : kSwpTypeShift;
}
static_assert(SwpPfnBits(kX86MaxPhysmemBits) == 40);
static_assert(SwpPfnBits(kMaxPhysmemBitsUndefined) == 52);

// BUILD_BUG_ON(SWP_TYPE_SHIFT < SWP_PFN_BITS) in softleaf_has_pfn (leafops.h @ 0ac881efe164;
// is_pfn_swap_entry in swapops.h before 6.19): the swap offset holds every PFN.
constexpr bool SwpTypeShiftCoversPfnBits(int swp_pfn_bits) {
  return kSwpTypeShift >= swp_pfn_bits;
}
static_assert(SwpTypeShiftCoversPfnBits(SwpPfnBits(kX86MaxPhysmemBits)));
static_assert(SwpTypeShiftCoversPfnBits(SwpPfnBits(kMaxPhysmemBitsUndefined)));

// SWP_PFN_MASK = BIT(SWP_PFN_BITS) - 1.
constexpr uint64_t SwpPfnMask(int swp_pfn_bits) {
  return LowMask(swp_pfn_bits);
}
// SWP_MIG_YOUNG_BIT = SWP_PFN_BITS, SWP_MIG_DIRTY_BIT = SWP_PFN_BITS + 1,
// SWP_MIG_TOTAL_BITS = SWP_PFN_BITS + 2 (swapops.h @ 1df1ca75bc01).
constexpr int SwpMigYoungBit(int swp_pfn_bits) {
  return swp_pfn_bits;
}
constexpr int SwpMigDirtyBit(int swp_pfn_bits) {
  return swp_pfn_bits + 1;
}
constexpr int SwpMigTotalBits(int swp_pfn_bits) {
  return swp_pfn_bits + 2;
}

// migration_entry_supports_ad(): swapfile_init() sets swap_migration_ad_supported iff
// the swap offset can hold SWP_MIG_TOTAL_BITS (mm/swapfile.c). With the generic
// layout the offset has SWP_TYPE_SHIFT bits; arch PTE layouts may have fewer (not modelled).
constexpr bool MigrationEntrySupportsAd(int swp_pfn_bits) {
  return SwpMigTotalBits(swp_pfn_bits) <= kSwpTypeShift;
}
static_assert(MigrationEntrySupportsAd(40));

// softleaf_to_pfn / swp_offset_pfn: swp_offset(entry) & SWP_PFN_MASK.
constexpr uint64_t swp_offset_pfn(uint64_t entry, int swp_pfn_bits) {
  return swp_offset(entry) & SwpPfnMask(swp_pfn_bits);
}
// make_migration_entry_young/dirty, when migration_entry_supports_ad().
constexpr uint64_t make_migration_entry_young(uint64_t entry, int swp_pfn_bits) {
  return swp_entry(swp_type(entry), swp_offset(entry) | Bit(SwpMigYoungBit(swp_pfn_bits)));
}
constexpr uint64_t make_migration_entry_dirty(uint64_t entry, int swp_pfn_bits) {
  return swp_entry(swp_type(entry), swp_offset(entry) | Bit(SwpMigDirtyBit(swp_pfn_bits)));
}
// is_migration_entry_young/dirty: the A/D bit of the offset.
constexpr bool is_migration_entry_young(uint64_t entry, int swp_pfn_bits) {
  return (swp_offset(entry) & Bit(SwpMigYoungBit(swp_pfn_bits))) != 0;
}
constexpr bool is_migration_entry_dirty(uint64_t entry, int swp_pfn_bits) {
  return (swp_offset(entry) & Bit(SwpMigDirtyBit(swp_pfn_bits))) != 0;
}

// Whether entries of `kind` carry a PFN (or, +NIETHE, a device-private offset) in
// their offset: softleaf_has_pfn (leafops.h): migration, device-private,
// device-exclusive, hwpoison.
bool SwapKindHasPfn(SwapKind kind);
// Whether `kind` is a migration kind (softleaf_is_migration, incl. the Niethe device ones).
bool SwapKindIsMigration(SwapKind kind);

// --- PTE markers (swapops.h @ 1df1ca75bc01; the offset of an SWP_PTE_MARKER entry) ---
inline constexpr uint64_t PTE_MARKER_UFFD_WP = Bit(0);
inline constexpr uint64_t PTE_MARKER_POISONED = Bit(1);
inline constexpr uint64_t PTE_MARKER_GUARD = Bit(2);
inline constexpr uint64_t PTE_MARKER_MASK = Bit(3) - 1;
inline constexpr int kPteMarkerBits = 3;
static_assert(PTE_MARKER_MASK == (PTE_MARKER_UFFD_WP | PTE_MARKER_POISONED | PTE_MARKER_GUARD));

// The number of offset bits entries of `kind` use: SWP_TYPE_SHIFT for real
// swap entries, SWP_MIG_TOTAL_BITS for migration (PFN + A/D when supported),
// SWP_PFN_BITS for other PFN entries, 3 for PTE markers.
int SwapOffsetBits(SwapKind kind, int swp_pfn_bits);

}  // namespace mmcheck::model::kernel
