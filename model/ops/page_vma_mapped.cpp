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
#include "model/ops/kernel.h"

namespace mmcheck::model::kernel {
namespace {

// The two-sided, overflow-safe overlap of [pfn, pfn+n-1] with the walk range
// (invariant 5), or the older one-sided `(pfn - pvmw->pfn) < nr_pages`.
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

}  // namespace

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
  // Remember the VMA start in `address` semantics: the first call begins there.
  pvmw.address = -1 - v.start;
  return pvmw;
}

bool page_vma_mapped_walk(const World& w, PageVmaMappedWalk& pvmw) {
  const Mm& m = w.mms[static_cast<size_t>(pvmw.mm)];
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
    const Pmd& pmd = m.pmds[static_cast<size_t>(w.PmdIndex(addr))];
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
      if (!(pvmw.flags & kPvmwMigration) && check_pmd(w, pvmw, pmd.pfn)) {
        pvmw.address = addr;
        pvmw.pmd = true;
        return true;
      }
      addr |= pmd_pages - 1;  // skip the rest of this PMD
      continue;
    }
    const Pte& pte = m.ptes[static_cast<size_t>(addr)];
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

}  // namespace mmcheck::model::kernel
