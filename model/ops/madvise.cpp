// SPDX-License-Identifier: GPL-2.0
// MADV_FREE: madvise_free_single_vma() and madvise_free_pte_range().
//
// Models mm/madvise.c (linux-mm 7.x @ 0386ed250e7b; the same logic in v6.14,
// v6.15 and the Balbir-era 6.18/6.19 trees, which spell the swap test
// !non_swap_entry() instead of softleaf_is_swap()). madvise_free_huge_pmd()
// is in huge_memory.cpp.
//
// What the kernel does, per VMA of the range:
//  * only anonymous VMAs: vma_is_anonymous() is false for MAP_SHARED|
//    MAP_ANONYMOUS (shmem) -> -EINVAL; hugetlb fails
//    madvise_dontneed_free_valid_vma() -> -EINVAL (VM_LOCKED/VM_PFNMAP are
//    not modelled);
//  * MMU_NOTIFY_CLEAR over the range (dmirror drops its mirror entries);
//  * per PMD: a present huge PMD goes to madvise_free_huge_pmd(); any other
//    non-table PMD -- a device-private PMD among them -- is not
//    pmd_trans_huge(), and pte_offset_map_lock() finds no PTE table under a
//    non-present PMD (mm/pgtable-generic.c __pte_offset_map: pmd_none ||
//    !pmd_present -> nomap), so it is left alone;
//  * per PTE: a swap entry is freed (free_swap_and_cache / swap_put_entries_direct)
//    and the PTE cleared, MM_SWAPENTS -1; hwpoison entries and poison markers
//    are cleared (the model has no poison marker); every other non-present entry (migration,
//    device-private, device-exclusive) is skipped; the zero page and ZONE_DEVICE folios are
//    skipped; a large folio not mapped whole by the batch is split first
//    (unless maybe shared); a dirty (or swapcache) folio must be mapped
//    exclusively (folio_mapcount == nr_pages) or it is skipped, then PG_dirty
//    is cleared; the PTEs are made old and clean; folio_mark_lazyfree()
//    clears PG_swapbacked (moves it to the inactive file LRU).
// Reclaim then discards a clean lazyfree folio (rmap.cpp try_to_unmap,
// vmscan.cpp shrink_folio) and the next touch reads zero; a store after
// MADV_FREE dirties the PTE and the folio is kept (set swapbacked again).
//
// Data: man madvise(2) says a read after MADV_FREE returns the old data or
// zero until the page is written again. The model's logical content stays
// the old data here, and becomes 0 exactly where the kernel drops the data:
// at a freed swap entry (this file) and at a lazyfree discard (rmap.cpp).
// So data-integrity still catches a discard of a page written after
// MADV_FREE (its dirty PTE must stop the discard) without false alarms.
//
// Diverges: the model keeps no swapcache, so a clean folio is treated as the
// kernel treats a swapcache folio: it must be mapped exclusively to become
// lazyfree. (In the kernel a clean shared anon folio outside the swapcache is
// made lazyfree and then kept at reclaim by another mapping's dirty PTE; a
// model swap-in leaves a clean folio that the kernel would find in the
// swapcache.)
#include <algorithm>

#include "model/ops/kernel.h"

namespace mmcheck::model::kernel {
namespace {

// folio_mark_lazyfree() (mm/swap.c): anon, swapbacked, not unevictable ->
// clear PG_swapbacked, to the inactive file LRU.
void folio_mark_lazyfree(World& w, int head) {
  Page& f = w.Folio(head);
  if (f.anon && f.swapbacked && !f.hugetlb) f.swapbacked = false;
}

// madvise_folio_pte_batch(): consecutive present PTEs from `va` (before
// `end`) mapping consecutive pages of folio `head`.
int FolioPteBatch(const World& w, int mm, int va, int end, int head) {
  const Mm& m = w.MmAt(mm);
  const uint32_t pfn = m.PteAt(va).pfn;
  int nr = 1;
  while (va + nr < end && w.PmdIndex(va + nr) == w.PmdIndex(va)) {
    const Pte& p = m.PteAt(va + nr);
    if (p.kind != PteKind::kPresent || p.pfn != pfn + static_cast<uint32_t>(nr)) break;
    int fr = w.FrameOf(p.pfn);
    if (fr < 0 || w.PageAt(fr).head != head) break;
    ++nr;
  }
  return nr;
}

// madvise_free_pte_range() over the PTEs of [start, end) inside one PMD.
void madvise_free_pte_range(World& w, StepResult& r, int mm, int start, int end) {
  Mm& m = w.MmAt(mm);
  const Pmd& pmd = w.PmdOf(mm, start);
  if (pmd.kind == PmdKind::kHuge) {
    if (madvise_free_huge_pmd(w, r, mm, start, end)) return;
    // Not done whole: split (then the PTEs below exist) or skipped (a huge
    // PMD is still there: pte_offset_map_lock() finds no table).
    if (w.PmdOf(mm, start).kind != PmdKind::kTable) return;
  } else if (pmd.kind != PmdKind::kTable) {
    return;  // device-private PMD: not pmd_trans_huge, no PTE table (nomap)
  }
  for (int va = start; va < end;) {
    Pte& pte = PteAt(w, mm, va);
    int nr = 1;
    if (pte.kind == PteKind::kNone) {
      ++va;
      continue;
    }
    if (pte.kind != PteKind::kPresent) {
      if (pte.kind == PteKind::kSwap) {
        // Just clear the PTE "to prevent swap-in which is more expensive
        // rather than (page allocation + zeroing)": the data is gone.
        SwapSlot& s = w.SlotAt(pte.pfn);
        if (s.count > 0) s.count--;
        m.rss[kMmSwapEnts]--;
        pte = Pte{};
        m.LogicalAt(va) = 0;
      } else if (pte.kind == PteKind::kHwpoison) {
        pte = Pte{};  // softleaf_is_hwpoison (poison markers are not modelled)
      }
      ++va;
      continue;
    }
    int frame = pte.special ? -1 : w.FrameOf(pte.pfn);
    int head = frame < 0 ? -1 : w.PageAt(frame).head;
    // vm_normal_folio() == NULL, or folio_is_zone_device().
    if (head < 0 || w.IsDeviceFrame(head)) {
      ++va;
      continue;
    }
    if (w.Folio(head).order > 0) {
      nr = FolioPteBatch(w, mm, va, end, head);
      if (nr < w.NrPages(head)) {
        // Split it unless maybe mapped shared; on success redo this PTE.
        if (w.FolioMapcount(head) > w.NrPages(head) || w.lock_thread_folio == head) {
          ++va;
          continue;
        }
        if (split_folio(w, r, head) != 0) ++va;
        continue;
      }
    }
    // folio_test_swapcache || folio_test_dirty (the model: always, see the
    // header): folio_trylock, exclusive mapping, folio_clear_dirty.
    if (w.lock_thread_folio == head || w.FolioMapcount(head) != w.NrPages(head)) {
      va += nr;
      continue;
    }
    w.Folio(head).dirty = false;
    // clear_young_dirty_ptes(CYDP_CLEAR_YOUNG | CYDP_CLEAR_DIRTY)
    for (int i = 0; i < nr; ++i) {
      Pte& p = PteAt(w, mm, va + i);
      p.young = false;
      p.dirty = false;
    }
    folio_mark_lazyfree(w, head);
    va += nr;
  }
}

}  // namespace

// madvise_free_single_vma() for each VMA of [start, end).
int madvise_free(World& w, StepResult& r, int mm, int start, int end) {
  for (int va = start; va < end;) {
    const Vma* v = w.FindVma(mm, va);
    const int vend = std::min<int>(end, v->end);
    // MADV_FREE works for only anon vma at the moment; hugetlb fails
    // madvise_dontneed_free_valid_vma(). Earlier VMAs stay advised.
    if (v->shared || v->hugetlb) return kEINVAL;
    mmu_notifier_invalidate(w, mm, va, vend, NotifyEvent::kClear, -1);
    // walk_page_range_vma(): one pmd_entry call per PMD.
    for (int p = va; p < vend;) {
      int next = std::min(vend, (w.PmdIndex(p) + 1) * w.universe.PmdPages());
      madvise_free_pte_range(w, r, mm, p, next);
      p = next;
    }
    va = vend;
  }
  return 0;
}

}  // namespace mmcheck::model::kernel
