// SPDX-License-Identifier: GPL-2.0
// page_vma_mapped_walk(), check_pte() and check_pmd().
//
// Models mm/page_vma_mapped.c (linux-mm 7.x @ 02bd6a2b49e5; OLD check_pte at
// torvalds/linux @ 03ab8e6297ac). One hit per call, like the kernel: the
// caller loops `while (page_vma_mapped_walk(&pvmw))`.
//
// Diverges: the walk scans the whole VMA rather than the folio's linear
// address range (the model has no anon_vma index), which finds the same
// entries for the anonymous mappings the model creates. Locking, PTL
// re-checks and PVMW_PGTABLE_CROSSED are not modelled (operations are atomic).
//
// Device-private kind (issue 4): with pvmw_device_private=pfn-shift (niethe
// v2 05/11) or flags (niethe v3-v6 05/13) check_pte first compares the
// entry's kind (SWP_DEVICE_* or not) with the walk's, through the same
// encoding functions the Z3 lemmas use (model/kernel/pvmw_encoding.h), then
// the range; mainline (none) has no kind test, which is sound only while
// device-private pages have PFNs of their own.
#include <fmt/format.h>

#include "model/kernel/encoding_config.h"
#include "model/ops/kernel.h"

namespace mmcheck::model::kernel {
namespace {

// The two-sided, overflow-safe overlap of [pfn, pfn+n-1] with the walk range
// (docs/kernel-rules.md#invariant-5), or the older one-sided `(pfn - pvmw->pfn) < nr_pages`.
bool PfnOverlaps(const World& w, const PageVmaMappedWalk& pvmw, uint32_t pfn, int n) {
  if (w.knobs.check_pte_overlap == CheckPteOverlap::kOneSided)
    return pfn - pvmw.pfn < static_cast<uint32_t>(pvmw.nr_pages);
  if (pfn + static_cast<uint32_t>(n) - 1 < pvmw.pfn) return false;
  if (pfn > pvmw.pfn + static_cast<uint32_t>(pvmw.nr_pages) - 1) return false;
  return true;
}

// check_pmd(): the same overlap test with HPAGE_PMD_NR.
bool check_pmd(const World& w, const PageVmaMappedWalk& pvmw, uint32_t pfn) {
  return PfnOverlaps(w, pvmw, pfn, w.universe.PmdPages());
}

PvmwScheme SchemeOf(const World& w) {
  switch (w.knobs.pvmw_device_private) {
    case PvmwDevicePrivate::kNone:
      return PvmwScheme::kRawPfn;
    case PvmwDevicePrivate::kPfnShift:
      return PvmwScheme::kPfnShift;
    case PvmwDevicePrivate::kFlags:
      return PvmwScheme::kFlags;
  }
  return PvmwScheme::kRawPfn;
}

// The niethe check_pte()/check_pmd() kind test and range, decoded from the
// walk as the kernel decodes pvmw->pfn and pvmw->flags.
bool KindAndRangeMatch(const World& w, const PageVmaMappedWalk& pvmw, uint32_t pfn, int n,
                       bool entry_device_private) {
  const PvmwScheme s = SchemeOf(w);
  const PvmwWalk walk{pvmw.walk_pfn, static_cast<uint64_t>(pvmw.nr_pages), pvmw.flags};
  if (entry_device_private != PvmwWalkDevicePrivate(s, walk)) return false;
  const CheckPteForm form = w.knobs.check_pte_overlap == CheckPteOverlap::kOneSided
                                ? CheckPteForm::kOneSided
                                : CheckPteForm::kTwoSided;
  return CheckPteRange(form, pfn, static_cast<uint64_t>(n), PvmwWalkPfn(s, walk), walk.nr_pages);
}

}  // namespace

bool PvmwHasKind(const World& w) {
  return SchemeOf(w) != PvmwScheme::kRawPfn;
}

PageVmaMappedWalk StartFolioWalk(const World& w, int head, unsigned flags, int mm, const Vma& v) {
  const bool dp = folio_is_device_private(w, head);
  const uint32_t number = dp ? w.DevicePrivateNumber(head) : w.PfnOf(head);
  PageVmaMappedWalk pvmw = StartWalk(w, number, w.NrPages(head), flags, mm, v);
  pvmw.walk_pfn = folio_page_vma_walk_pfn(SchemeOf(w), number, dp);
  pvmw.flags = page_vma_walk_flags(SchemeOf(w), dp, flags);
  return pvmw;
}

unsigned TtuSyncFlags(const World& w, int head) {
  return TtuSyncWalkFlags(SchemeOf(w), w.knobs.ttu_sync_flags == TtuSyncFlags::kOverwrite,
                          folio_is_device_private(w, head));
}

bool check_pte(const World& w, const PageVmaMappedWalk& pvmw, const Pte& pte, int pte_nr) {
  uint32_t pfn;
  if (pvmw.flags & kPvmwMigration) {
    // OLD (before hildenbrand-v2 07/17) also let device-exclusive entries
    // through here, so remove_migration_ptes() could "restore" them.
    bool ok = IsMigration(pte.kind) ||
              (IsDeviceExclusive(pte.kind) &&
               w.knobs.pvmw_migration_accepts_exclusive == PvmwMigrationAcceptsExclusive::kYes);
    if (!ok) return false;
    pfn = pte.pfn;
  } else if (pte.kind == PteKind::kPresent) {
    if (pte.special) return false;  // the zero page maps no folio of ours
    pfn = pte.pfn;
  } else if (IsDeviceExclusive(pte.kind) || IsDevicePrivate(pte.kind)) {
    pfn = pte.pfn;  // softleaf_to_pfn()
  } else {
    return false;
  }
  // niethe: `device_private != (bool)(pvmw->flags & PVMW_DEVICE_PRIVATE)`
  // (v3+) or the pvmw->pfn bit (v2); only SWP_DEVICE_* entries are device
  // private, and in PVMW_MIGRATION mode only SWP_MIGRATION_DEVICE_* ones.
  // In PVMW_MIGRATION mode the device kind is SWP_MIGRATION_DEVICE_*.
  const bool entry_dp =
      (pvmw.flags & kPvmwMigration) ? IsDeviceMigration(pte.kind) : IsDevicePrivate(pte.kind);
  if (PvmwHasKind(w)) return KindAndRangeMatch(w, pvmw, pfn, pte_nr, entry_dp);
  return PfnOverlaps(w, pvmw, pfn, pte_nr);
}

PageVmaMappedWalk StartWalk(const World& w, uint32_t pfn, int nr_pages, unsigned flags, int mm,
                            const Vma& v) {
  PageVmaMappedWalk pvmw;
  pvmw.pfn = pfn;
  pvmw.nr_pages = nr_pages;
  pvmw.flags = flags;
  pvmw.mm = mm;
  pvmw.address = -1;
  pvmw.end = v.end;
  pvmw.pmd = false;
  pvmw.walk_pfn = folio_page_vma_walk_pfn(SchemeOf(w), pfn, false);
  // Remember the VMA start in `address` semantics: the first call begins there.
  pvmw.address = -1 - v.start;
  return pvmw;
}

bool page_vma_mapped_walk(const World& w, PageVmaMappedWalk& pvmw) {
  const Mm& m = w.MmAt(pvmw.mm);
  const int pmd_pages = w.universe.PmdPages();
  int addr;
  if (pvmw.address < 0) {
    addr = -1 - pvmw.address;  // first call: the VMA start
  } else {
    addr = pvmw.pmd ? (pvmw.address | (pmd_pages - 1)) + 1 : pvmw.address + 1;
  }
  pvmw.pmd = false;
  const Vma* v = w.FindVma(pvmw.mm, addr < pvmw.end ? addr : pvmw.end - 1);
  for (; addr < pvmw.end; ++addr) {
    const Pmd& pmd = m.PmdAt(w.PmdIndex(addr));
    if (v && v->hugetlb) {
      // hugetlb: one huge entry per PMD; check_pte(pvmw, pages_per_huge_page).
      if ((addr & (pmd_pages - 1)) != 0 || pmd.kind != PmdKind::kHuge) continue;
      if (pvmw.flags & kPvmwMigration) continue;  // hugetlb migration not modelled
      Pte huge{PteKind::kPresent, pmd.pfn, pmd.write, pmd.dirty, pmd.young};
      if (check_pte(w, pvmw, huge, pmd_pages)) {
        pvmw.address = addr;
        pvmw.pmd = true;
        return true;
      }
      continue;
    }
    if (pmd.kind == PmdKind::kHuge) {
      // A present huge PMD: not_found in PVMW_MIGRATION mode, else check_pmd.
      if ((addr & (pmd_pages - 1)) != 0) continue;
      const bool pmd_match = PvmwHasKind(w) ? KindAndRangeMatch(w, pvmw, pmd.pfn, pmd_pages, false)
                                            : check_pmd(w, pvmw, pmd.pfn);
      if (!(pvmw.flags & kPvmwMigration) && pmd_match) {
        pvmw.address = addr;
        pvmw.pmd = true;
        return true;
      }
      addr |= pmd_pages - 1;  // skip the rest of this PMD
      continue;
    }
    if (pmd.kind == PmdKind::kDevicePrivate) {
      // A device-private PMD (balbir's large device-private folios).
      if ((addr & (pmd_pages - 1)) != 0) continue;
      bool match;
      if (w.knobs.pvmw_device_private_pmd == PvmwDevicePrivatePmd::kUnchecked) {
        // 65edfda6f3f2 (6.19 .. 7.x before the 2026 fix): take the PMD lock
        // and return true for any device-private PMD: no check_pmd, even in
        // PVMW_MIGRATION mode (docs/kernel-rules.md#bug-13).
        match = true;
      } else {
        // Wei Yang's fix (linux-mm 7.x @ 02bd6a2b49e5): not_found in
        // PVMW_MIGRATION mode, otherwise check_pmd(softleaf_to_pfn()) (with
        // niethe's kind test, a device-private PMD is device private).
        match = !(pvmw.flags & kPvmwMigration) &&
                (PvmwHasKind(w) ? KindAndRangeMatch(w, pvmw, pmd.pfn, pmd_pages, true)
                                : check_pmd(w, pvmw, pmd.pfn));
      }
      if (match) {
        pvmw.address = addr;
        pvmw.pmd = true;
        return true;
      }
      addr |= pmd_pages - 1;
      continue;
    }
    const Pte& pte = m.PteAt(addr);
    // map_pte(): none never matches; in non-migration mode only present,
    // device-private and device-exclusive entries "count as a mapping".
    if (pte.kind == PteKind::kNone) continue;
    if (check_pte(w, pvmw, pte, 1)) {
      pvmw.address = addr;
      return true;
    }
  }
  pvmw.address = pvmw.end;
  return false;
}

bool DevicePrivatePmdHit(const World& w, StepResult& r, const PageVmaMappedWalk& pvmw, int head,
                         const char* walker) {
  if (!pvmw.pmd) return false;
  const Pmd& pmd = w.PmdOf(pvmw.mm, pvmw.address);
  if (pmd.kind != PmdKind::kDevicePrivate) return false;
  const int mapped = w.DevicePrivatePmdFolio(pmd);
  const bool migration = pvmw.flags & kPvmwMigration;
  if (migration || mapped != head)
    r.Event(EventKind::kCorruption,
            fmt::format("{}: page_vma_mapped_walk for folio {:#x}{} returned the device-private "
                        "PMD at mm{}:{} (device folio {:#x}) without check_pmd; the caller "
                        "treats it as {} (docs/kernel-rules.md#bug-13)",
                        walker, pvmw.pfn, migration ? " in PVMW_MIGRATION mode" : "", pvmw.mm,
                        pvmw.address, pmd.pfn,
                        migration ? "a PMD migration entry" : "a mapping of its folio"));
  return true;
}

}  // namespace mmcheck::model::kernel
