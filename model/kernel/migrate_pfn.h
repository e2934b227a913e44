// SPDX-License-Identifier: GPL-2.0
// Migrate PFNs (the src/dst arrays of struct migrate_vma): a PFN shifted
// left by MIGRATE_PFN_SHIFT with flag bits below it.
//
// Models: include/linux/migrate.h MIGRATE_PFN_*, migrate_pfn(),
// migrate_pfn_to_page() (linux-mm @ 280de36052cc: VALID, MIGRATE, WRITE,
// COMPOUND, SHIFT 6); COMPOUND = bit 4 from Balbir Singh's "mm/zone_device:
// support large zone device private folios" (v6.19-era; absent in v6.14/v6.15);
// niethe v2 04/11 .. v6 "mm/migrate_device: Add migrate PFN flag to track device
// private pages": MIGRATE_PFN_DEVICE_PRIVATE = bit 5, migrate_pfn_from_page().
// History (not modelled as layouts): LOCKED bit 2 removed in v5.16 ("mm/migrate.c:
// remove MIGRATE_PFN_LOCKED"); the old DEVICE bit 4 and ERROR bit 5 were removed
// earlier, so COMPOUND and DEVICE_PRIVATE reuse their positions.
// Diverges: 64-bit only.
#pragma once

#include <cstdint>
#include <vector>

#include "model/kernel/bits.h"

namespace mmcheck::model::kernel {

inline constexpr uint64_t MIGRATE_PFN_VALID = Bit(0);
inline constexpr uint64_t MIGRATE_PFN_MIGRATE = Bit(1);
inline constexpr uint64_t MIGRATE_PFN_WRITE = Bit(3);
inline constexpr uint64_t MIGRATE_PFN_COMPOUND = Bit(4);        // Balbir, v6.19-era
inline constexpr uint64_t MIGRATE_PFN_DEVICE_PRIVATE = Bit(5);  // niethe
inline constexpr int MIGRATE_PFN_SHIFT = 6;

// Every flag fits below the PFN.
static_assert((MIGRATE_PFN_VALID | MIGRATE_PFN_MIGRATE | MIGRATE_PFN_WRITE | MIGRATE_PFN_COMPOUND |
               MIGRATE_PFN_DEVICE_PRIVATE) < Bit(MIGRATE_PFN_SHIFT));

// Which optional flags a kernel defines.
struct MigratePfnLayout {
  bool compound;        // MIGRATE_PFN_COMPOUND (Balbir)
  bool device_private;  // MIGRATE_PFN_DEVICE_PRIVATE (niethe)

  constexpr bool operator==(const MigratePfnLayout&) const = default;
};
inline constexpr MigratePfnLayout kMigratePfnLayoutV6_14{false, false};
inline constexpr MigratePfnLayout kMigratePfnLayoutBalbir{true, false};
inline constexpr MigratePfnLayout kMigratePfnLayoutNiethe{true, true};

// migrate_pfn(pfn): (pfn << MIGRATE_PFN_SHIFT) | MIGRATE_PFN_VALID. Bits of
// `pfn` above 63 - MIGRATE_PFN_SHIFT are lost.
constexpr uint64_t migrate_pfn(uint64_t pfn) {
  return (pfn << MIGRATE_PFN_SHIFT) | MIGRATE_PFN_VALID;
}
// The PFN (or, with MIGRATE_PFN_DEVICE_PRIVATE, the device-private offset)
// migrate_pfn_to_page() looks up: mpfn >> MIGRATE_PFN_SHIFT.
constexpr uint64_t migrate_pfn_to_pfn(uint64_t mpfn) {
  return mpfn >> MIGRATE_PFN_SHIFT;
}
// migrate_pfn_from_page() for a page whose PFN/offset is `pfn`: niethe adds
// MIGRATE_PFN_DEVICE_PRIVATE for device-private pages.
constexpr uint64_t migrate_pfn_from_page(const MigratePfnLayout& l, uint64_t pfn,
                                         bool device_private) {
  return migrate_pfn(pfn) | (l.device_private && device_private ? MIGRATE_PFN_DEVICE_PRIVATE : 0);
}

static_assert(migrate_pfn_to_pfn(migrate_pfn(0x12345) | MIGRATE_PFN_WRITE) == 0x12345);
static_assert(migrate_pfn_to_pfn(migrate_pfn(Bit(58))) == 0, "bits above 57 are lost");

// The flags `l` defines, by kernel name, in bit order.
std::vector<NamedMask> MigratePfnFlags(const MigratePfnLayout& l);
// The PFN field: bits MIGRATE_PFN_SHIFT..63.
inline constexpr uint64_t kMigratePfnPfnField = ~LowMask(MIGRATE_PFN_SHIFT);

}  // namespace mmcheck::model::kernel
