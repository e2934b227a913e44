// SPDX-License-Identifier: GPL-2.0
// page_vma_mapped_walk encodings: how a walk names the PFN range (and, with
// Jordan Niethe's series, the device-private kind) it looks for, and the
// arithmetic check_pte()/check_pmd() apply to a page-table entry.
//
// Models:
//   include/linux/rmap.h   PVMW_* flags, DEFINE_FOLIO_VMA_WALK (linux-mm @ 02f574458974);
//                          niethe v2 05/11: PVMW_PFN_SHIFT, PVMW_PFN_DEVICE_PRIVATE,
//                          folio_page_vma_walk_pfn(); niethe v3-v6 05/13:
//                          PVMW_DEVICE_PRIVATE, page_vma_walk_flags()
//   mm/page_vma_mapped.c   check_pte (two-sided since "mm: make page_mapped_in_vma()
//                          hugetlb walk aware", Jane Chu 2024, stable; one-sided
//                          `(pfn - pvmw->pfn) < nr_pages` before), check_pmd
//                          (two-sided since 2aff7a4755be) (linux-mm @ 02f574458974)
//   mm/rmap.c              try_to_unmap_one/try_to_migrate_one TTU_SYNC:
//                          `pvmw.flags = PVMW_SYNC` (linux-mm @ 0014dde7e945);
//                          Jordan Niethe's follow-up in the niethe v2 thread:
//                          `pvmw.flags = page_vma_walk_flags(folio, PVMW_SYNC)`
// Diverges: only the numbers are modelled (which entry a PTE holds is the
// caller's input); HPAGE_PMD_NR is the x86-64 value.
#pragma once

#include <cstdint>

#include "model/kernel/bits.h"

namespace mmcheck::model::kernel {

// Walk flags (include/linux/rmap.h @ 02f574458974).
inline constexpr unsigned PVMW_SYNC = 1u << 0;
inline constexpr unsigned PVMW_MIGRATION = 1u << 1;
// niethe v3-v6 05/13: "pvmw::pfn is a device private offset".
inline constexpr unsigned PVMW_DEVICE_PRIVATE = 1u << 2;
// Result flag set when the walk crossed a page-table page (rmap.h @ 02f574458974).
inline constexpr unsigned PVMW_PGTABLE_CROSSED = 1u << 16;

// niethe v2 05/11 (include/linux/rmap.h): the kind is bit 0 of pvmw->pfn.
inline constexpr uint64_t PVMW_PFN_DEVICE_PRIVATE = Bit(0);
inline constexpr int PVMW_PFN_SHIFT = 1;

// HPAGE_PMD_NR on x86-64: 1 << (PMD_SHIFT 21 - PAGE_SHIFT 12).
inline constexpr uint64_t kHpagePmdNr = 512;

static_assert((PVMW_SYNC & PVMW_MIGRATION) == 0 && (PVMW_SYNC & PVMW_DEVICE_PRIVATE) == 0 &&
              (PVMW_MIGRATION & PVMW_DEVICE_PRIVATE) == 0 &&
              (PVMW_PGTABLE_CROSSED & (PVMW_SYNC | PVMW_MIGRATION | PVMW_DEVICE_PRIVATE)) == 0);
static_assert(PVMW_PFN_DEVICE_PRIVATE < Bit(PVMW_PFN_SHIFT), "the kind bit sits below the pfn");

// How a walk tells a device-private offset from a PFN.
enum class PvmwScheme : uint8_t {
  kRawPfn,    // mainline: pvmw->pfn is a PFN; device-private pages have PFNs too
  kPfnShift,  // niethe v2: pvmw->pfn = pfn << PVMW_PFN_SHIFT | PVMW_PFN_DEVICE_PRIVATE
  kFlags,     // niethe v3-v6: raw pvmw->pfn, PVMW_DEVICE_PRIVATE in pvmw->flags
};
// The range test at the end of check_pte().
enum class CheckPteForm : uint8_t {
  kOneSided,  // (pfn - pvmw->pfn) < pvmw->nr_pages, pte_nr implicitly 1
  kTwoSided,  // pfn + pte_nr - 1 < pvmw->pfn || pfn > pvmw->pfn + nr_pages - 1 -> false
};

// The fields of struct page_vma_mapped_walk that the encodings touch.
struct PvmwWalk {
  uint64_t pfn;       // pvmw->pfn (encoded per scheme)
  uint64_t nr_pages;  // pvmw->nr_pages
  unsigned flags;     // pvmw->flags

  constexpr bool operator==(const PvmwWalk&) const = default;
};

// folio_page_vma_walk_pfn(): the pvmw->pfn value for a folio whose first
// page has PFN (or, +NIETHE, device-private offset) `pfn`.
// Returns: kPfnShift: pfn << 1 | device bit (bit 63 of pfn is lost); else `pfn`.
constexpr uint64_t folio_page_vma_walk_pfn(PvmwScheme s, uint64_t pfn, bool device_private) {
  if (s != PvmwScheme::kPfnShift) return pfn;
  return (pfn << PVMW_PFN_SHIFT) | (device_private ? PVMW_PFN_DEVICE_PRIVATE : 0);
}
// page_vma_walk_flags(folio, flags): ORs PVMW_DEVICE_PRIVATE in for a
// device-private folio (kFlags only).
constexpr unsigned page_vma_walk_flags(PvmwScheme s, bool device_private, unsigned flags) {
  return (s == PvmwScheme::kFlags && device_private) ? flags | PVMW_DEVICE_PRIVATE : flags;
}
// DEFINE_FOLIO_VMA_WALK(name, folio, vma, address, flags): the walk for a folio.
constexpr PvmwWalk DefineFolioVmaWalk(PvmwScheme s, uint64_t pfn, uint64_t nr_pages,
                                      bool device_private, unsigned flags) {
  return {folio_page_vma_walk_pfn(s, pfn, device_private), nr_pages,
          page_vma_walk_flags(s, device_private, flags)};
}

// The kind the walker compares entries against: `pvmw->pfn & PVMW_PFN_DEVICE_PRIVATE`
// (v2), `pvmw->flags & PVMW_DEVICE_PRIVATE` (v3+); mainline has no kind (false).
constexpr bool PvmwWalkDevicePrivate(PvmwScheme s, const PvmwWalk& w) {
  switch (s) {
    case PvmwScheme::kRawPfn:
      return false;
    case PvmwScheme::kPfnShift:
      return (w.pfn & PVMW_PFN_DEVICE_PRIVATE) != 0;
    case PvmwScheme::kFlags:
      return (w.flags & PVMW_DEVICE_PRIVATE) != 0;
  }
  return false;
}
// The first PFN/offset the walker compares against: `pvmw->pfn >> PVMW_PFN_SHIFT`
// (v2), else pvmw->pfn.
constexpr uint64_t PvmwWalkPfn(PvmwScheme s, const PvmwWalk& w) {
  return s == PvmwScheme::kPfnShift ? w.pfn >> PVMW_PFN_SHIFT : w.pfn;
}

// pvmw.flags after the TTU_SYNC handling of try_to_unmap_one()/try_to_migrate_one():
// `pvmw.flags = PVMW_SYNC` (overwrite, mainline) or
// `pvmw.flags = page_vma_walk_flags(folio, PVMW_SYNC)` (Jordan Niethe's follow-up).
constexpr unsigned TtuSyncWalkFlags(PvmwScheme s, bool overwrite, bool folio_device_private) {
  return overwrite ? PVMW_SYNC : page_vma_walk_flags(s, folio_device_private, PVMW_SYNC);
}

// The range test of check_pte(): does the entry's [pfn, pfn + pte_nr - 1]
// overlap the walk's [walk_pfn, walk_pfn + nr_pages - 1]? In unsigned long
// arithmetic, as the kernel computes it.
constexpr bool CheckPteRange(CheckPteForm form, uint64_t pfn, uint64_t pte_nr, uint64_t walk_pfn,
                             uint64_t nr_pages) {
  if (form == CheckPteForm::kOneSided) return (pfn - walk_pfn) < nr_pages;
  if ((pfn + pte_nr - 1) < walk_pfn) return false;
  if (pfn > (walk_pfn + nr_pages - 1)) return false;
  return true;
}
// The range test of check_pmd(): the same two-sided test with HPAGE_PMD_NR.
constexpr bool CheckPmdRange(uint64_t pfn, uint64_t walk_pfn, uint64_t nr_pages) {
  return CheckPteRange(CheckPteForm::kTwoSided, pfn, kHpagePmdNr, walk_pfn, nr_pages);
}

// check_pte() after it has classified the entry: the kind test (niethe:
// `device_private != (bool)(walk kind)`; mainline has none), then the range test.
// `entry_pfn` is pte_pfn() or softleaf_to_pfn(); `entry_device_private` says the
// entry is SWP_DEVICE_* or (migration mode) SWP_MIGRATION_DEVICE_*.
constexpr bool CheckPteMatch(PvmwScheme s, CheckPteForm form, const PvmwWalk& w, uint64_t entry_pfn,
                             bool entry_device_private, uint64_t pte_nr) {
  if (s != PvmwScheme::kRawPfn && entry_device_private != PvmwWalkDevicePrivate(s, w)) return false;
  return CheckPteRange(form, entry_pfn, pte_nr, PvmwWalkPfn(s, w), w.nr_pages);
}
// check_pmd(pfn, device_private, pvmw) (niethe) / check_pmd(pfn, pvmw) (mainline).
constexpr bool CheckPmdMatch(PvmwScheme s, const PvmwWalk& w, uint64_t entry_pfn,
                             bool entry_device_private) {
  return CheckPteMatch(s, CheckPteForm::kTwoSided, w, entry_pfn, entry_device_private, kHpagePmdNr);
}

// Mathematical overlap of [a, a + an - 1] and [b, b + bn - 1], computed
// without wrapping. REQUIRES: an >= 1 and bn >= 1.
constexpr bool RangesOverlap(uint64_t a, uint64_t an, uint64_t b, uint64_t bn) {
  using u128 = unsigned __int128;
  return u128{a} <= u128{b} + bn - 1 && u128{b} <= u128{a} + an - 1;
}

// Concrete facts the lemmas prove in general.
// Bit 63 is lost by the v2 shift: two PFNs, one walk value (bug 14).
static_assert(folio_page_vma_walk_pfn(PvmwScheme::kPfnShift, Bit(63) | 5, false) ==
              folio_page_vma_walk_pfn(PvmwScheme::kPfnShift, 5, false));
// v3+ keeps the PFN raw.
static_assert(PvmwWalkPfn(PvmwScheme::kFlags, DefineFolioVmaWalk(PvmwScheme::kFlags, Bit(63) | 5, 1,
                                                                 true, 0)) == (Bit(63) | 5));
// TTU_SYNC overwrite drops PVMW_DEVICE_PRIVATE (bug 15).
static_assert(TtuSyncWalkFlags(PvmwScheme::kFlags, true, true) == PVMW_SYNC);
static_assert(TtuSyncWalkFlags(PvmwScheme::kFlags, false, true) ==
              (PVMW_SYNC | PVMW_DEVICE_PRIVATE));
// A 2 MiB hugetlb PTE at pfn 512 contains pfn 513; the one-sided form misses it (bug 23).
static_assert(CheckPteRange(CheckPteForm::kTwoSided, 512, 512, 513, 1));
static_assert(!CheckPteRange(CheckPteForm::kOneSided, 512, 512, 513, 1));

}  // namespace mmcheck::model::kernel
