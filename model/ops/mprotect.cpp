// SPDX-License-Identifier: GPL-2.0
// change_protection() over a range: present PTEs and PMDs lose write when
// VM_WRITE goes away; non-present entries are downgraded per entry type.
//
// Models mm/mprotect.c (v6.14 change_pte_range; 7.x change_softleaf_pte).
// OLD (device_exclusive_entry=read-write-pair) rewrites EXCL_WRITE to
// EXCL_READ on every mprotect; NEW leaves SWP_DEVICE_EXCLUSIVE alone
// (hildenbrand-v2 05/17 and 06/17). When VM_WRITE is (re)granted,
// present PTEs become writable without a write fault, as in 6.12
// change_pte_range(): in a shmem VMA by pte_modify() itself (vm_page_prot is
// writable: shmem needs no writenotify), in a private VMA through
// MM_CP_TRY_CHANGE_WRITABLE and can_change_pte_writable() (exclusive anon
// pages only; not the zero page). Diverges: soft-dirty and uffd-wp tracking
// never hold the upgrade back (VM_SOFTDIRTY is always set in the model).
#include "model/ops/kernel.h"

namespace mmcheck::model::kernel {

void change_protection(World& w, StepResult& r, int mm, int start, int end, bool write) {
  mmu_notifier_invalidate(w, mm, start, end, NotifyEvent::kProtectionVma, -1);
  Mm& m = w.MmAt(mm);
  const int pmd_pages = w.universe.PmdPages();
  for (int va = start; va < end; ++va) {
    Pmd& pmd = m.PmdAt(w.PmdIndex(va));
    if (pmd.kind == PmdKind::kDevicePrivate) {
      // change_huge_pmd() -> change_non_present_huge_pmd() (linux-mm 7.x
      // mm/huge_memory.c): a writable device-private PMD entry becomes
      // readable; a partial range splits it into device-private PTEs.
      int block = va & ~(pmd_pages - 1);
      if (block >= start && block + pmd_pages <= end) {
        if (!write) pmd.write = false;
        va = block + pmd_pages - 1;
        continue;
      }
      split_huge_pmd(w, r, mm, va);
    }
    if (pmd.kind == PmdKind::kHuge) {
      int block = va & ~(pmd_pages - 1);
      if (block >= start && block + pmd_pages <= end) {
        if (!write) pmd.write = false;  // change_huge_pmd
        // change_huge_pmd(): MM_CP_TRY_CHANGE_WRITABLE and
        // can_change_pmd_writable(), an exclusive anon THP (hugetlb's
        // hugetlb_change_protection() has no such upgrade).
        const int head = w.FolioOf(pmd.pfn);
        if (write && head >= 0 && !w.Folio(head).hugetlb && w.Folio(head).anon &&
            w.Folio(head).anon_exclusive)
          pmd.write = true;
        va = block + pmd_pages - 1;
        continue;
      }
      split_huge_pmd(w, r, mm, va);
      if (pmd.kind == PmdKind::kHuge) continue;
    }
    Pte& pte = m.PteAt(va);
    switch (pte.kind) {
      case PteKind::kPresent:
        if (!write)
          pte.write = false;
        else if (!pte.special &&
                 (w.FindVma(mm, va)->shared || can_change_pte_writable(w, mm, va, pte)))
          pte.write = true;
        break;
      case PteKind::kMigrationWrite: {
        int head = w.FolioOf(pte.pfn);
        bool anon = head >= 0 && w.Folio(head).anon;
        pte.kind = anon ? PteKind::kMigrationReadExclusive : PteKind::kMigrationRead;
        break;
      }
      case PteKind::kMigrationDeviceWrite: {
        // niethe: make_readable_exclusive_migration_device_private_entry()
        // (device folios are anon), or the plain helper losing the type (bug 17).
        bool keep = w.knobs.device_migration_downgrade == DeviceMigrationDowngrade::kTypePreserving;
        pte.kind = keep ? PteKind::kMigrationDeviceReadExclusive : PteKind::kMigrationReadExclusive;
        break;
      }
      case PteKind::kDevicePrivateWrite:
        pte.kind = PteKind::kDevicePrivateRead;
        pte.soft_dirty = false;
        break;
      case PteKind::kDeviceExclusiveWrite:
        // OLD: "A protection check is difficult so just be safe and disable
        // write" -- keeps soft-dirty and uffd-wp.
        pte.kind = PteKind::kDeviceExclusiveRead;
        break;
      default:
        break;
    }
  }
}

}  // namespace mmcheck::model::kernel
