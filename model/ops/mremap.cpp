// SPDX-License-Identifier: GPL-2.0
// mremap(old, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, new): move a range.
//
// Models mm/mremap.c (linux-mm 7.x: mremap_to, move_vma, copy_vma,
// move_page_tables, move_pgt_entry, move_ptes) and mm/huge_memory.c
// move_huge_pmd (v6.15 and linux-mm 7.x):
//  * the old range must lie in one VMA (else -EFAULT) and must not overlap
//    the new one (-EINVAL); hugetlb needs PMD-aligned addresses and length
//    (-EINVAL);
//  * MREMAP_FIXED unmaps whatever is at the destination first (do_munmap);
//  * copy_vma() creates the destination VMA with the same flags (VM_HUGEPAGE
//    too) and pgoff; mmu_notifier MMU_NOTIFY_UNMAP over the old range
//    (move_page_tables), so dmirror drops its mirror entries there
//    (lib/test_hmm.c dmirror_interval_invalidate);
//  * move_page_tables(): per extent (up to the next PMD boundary of both the
//    old and the new address): a huge PMD -- present THP or hugetlb, or
//    (balbir) a device-private PMD, all pmd_is_huge() under
//    __pmd_trans_huge_lock -- moves whole when the extent is a whole PMD
//    (move_huge_pmd: get-and-clear, move_soft_dirty_pmd, set at the new
//    address); otherwise it is split first (split_huge_pmd: a
//    device-private PMD becomes device-private PTEs of the same folio);
//  * move_ptes(): every PTE -- present, swap, migration, device-private,
//    device-exclusive -- is moved as it is, with move_soft_dirty_pte()
//    setting soft-dirty; mapcounts, refcounts and RSS do not change;
//  * the old VMA is unmapped (do_vmi_munmap), which finds nothing left.
// The model does not track an anon folio's index (rmap walks visit every
// VMA), so the kernel's unchanged linear page index needs nothing here.
// Diverges: MREMAP_DONTUNMAP, growing or shrinking and VMA merging are not
// modelled; uffd-wp bits are not cleared (no uffd VMA is modelled).
#include <algorithm>

#include "model/ops/kernel.h"

namespace mmcheck::model::kernel {
namespace {

// move_ptes() for [old, old + n) -> [dst, dst + n).
void move_ptes(World& w, int mm, int old, int dst, int n) {
  Mm& m = w.MmAt(mm);
  for (int i = 0; i < n; ++i) {
    Pte pte = m.PteAt(old + i);
    m.PteAt(old + i) = Pte{};
    // move_soft_dirty_pte(): pte_mksoft_dirty / pte_swp_mksoft_dirty.
    if (pte.kind != PteKind::kNone) pte.soft_dirty = true;
    m.PteAt(dst + i) = pte;
  }
}

}  // namespace

int do_mremap(World& w, StepResult& r, int mm, int va, int npages, int newva) {
  const int end = va + npages, new_end = newva + npages;
  if (end > w.universe.pages || new_end > w.universe.pages) return kEINVAL;
  // mremap_to(): overlapping ranges.
  if (end > newva && new_end > va) return kEINVAL;
  const Vma* found = w.FindVma(mm, va);
  if (!found || end > found->end) return kEFAULT;  // vma_lookup / old_len > vm_end - addr
  const int pmd_pages = w.universe.PmdPages();
  if (found->hugetlb && (va % pmd_pages || newva % pmd_pages || npages % pmd_pages)) return kEINVAL;
  // MREMAP_FIXED: do_munmap() of the destination.
  int err = do_munmap(w, r, mm, newva, npages);
  if (err) return err;
  split_vma_at(w, mm, va);
  split_vma_at(w, mm, end);
  Vma moved = *w.FindVma(mm, va);
  // copy_vma(): same flags, new address; a shmem VMA keeps its pgoff.
  moved.start = static_cast<uint8_t>(newva);
  moved.end = static_cast<uint8_t>(new_end);
  if (moved.shared) w.ShmemAt(moved.shmem).users++;
  std::vector<Vma>& vmas = w.MmAt(mm).vmas;
  vmas.insert(std::upper_bound(vmas.begin(), vmas.end(), moved,
                               [](const Vma& a, const Vma& b) { return a.start < b.start; }),
              moved);
  mmu_notifier_invalidate(w, mm, va, end, NotifyEvent::kUnmap, -1);
  Mm& m = w.MmAt(mm);
  for (int old = va; old < end;) {
    const int dst = newva + (old - va);
    // get_extent(): to the next PMD boundary of both addresses, or the end.
    const int extent =
        std::min({pmd_pages - (old % pmd_pages), pmd_pages - (dst % pmd_pages), end - old});
    Pmd& opmd = m.PmdAt(w.PmdIndex(old));
    if (opmd.kind != PmdKind::kTable) {
      if (extent == pmd_pages) {
        // move_huge_pmd(): the destination PMD is none (unmapped above).
        m.PmdAt(w.PmdIndex(dst)) = opmd;
        opmd = Pmd{};
        old += extent;
        continue;
      }
      split_huge_pmd(w, r, mm, old);
    }
    move_ptes(w, mm, old, dst, extent);
    old += extent;
  }
  // The private logical content moves with the pages; shmem content stays
  // with its object.
  if (!moved.shared)
    for (int i = 0; i < npages; ++i) {
      m.LogicalAt(newva + i) = m.LogicalAt(va + i);
      m.LogicalAt(va + i) = 0;
    }
  // move_vma(): unmap the old range; its page tables are empty now.
  return do_munmap(w, r, mm, va, npages);
}

}  // namespace mmcheck::model::kernel
