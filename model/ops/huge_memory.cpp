// SPDX-License-Identifier: GPL-2.0
// split_huge_pmd() and split_folio().
//
// Models mm/huge_memory.c (v6.15, __split_huge_pmd_locked and
// __folio_split): a PMD mapping becomes PTEs mapping the same folio, each
// PTE holding a reference; a large folio becomes order-0 folios after it has
// been unmapped to migration entries and is remapped from them.
// Diverges: PMD migration entries and the huge zero page are not modelled.
#include <fmt/format.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "model/ops/kernel.h"

namespace mmcheck::model::kernel {

void split_huge_pmd(World& w, StepResult& r, int mm, int va) {
  Mm& m = w.MmAt(mm);
  const int pmd_pages = w.universe.PmdPages();
  const int block = va & ~(pmd_pages - 1);
  Pmd& pmd = m.PmdAt(w.PmdIndex(va));
  if (pmd.kind == PmdKind::kDevicePrivate) return split_device_private_pmd(w, r, mm, va);
  if (pmd.kind != PmdKind::kHuge) return;
  const Vma* v = w.FindVma(mm, va);
  if (v && v->hugetlb) {
    // pmd_trans_huge() is also true for hugetlb PMDs; splitting one clears it
    // through pmdp_huge_clear_flush and page_table_check BUGs (bug 2, seen
    // with GUP(FOLL_SPLIT_PMD) before hildenbrand-v2 01/17).
    r.Event(EventKind::kBug,
            "kernel BUG at mm/page_table_check.c:87! split_huge_pmd() on a "
            "hugetlb PMD (page_table_check_clear via pmdp_huge_clear_flush)");
    return;
  }
  int head = w.FolioOf(pmd.pfn);
  if (head < 0) return;  // a dangling PMD (reported by no-dangling-entry)
  mmu_notifier_invalidate(w, mm, block, block + pmd_pages, NotifyEvent::kClear, -1);
  bool anon_exclusive = w.Folio(head).anon_exclusive;
  for (int i = 0; i < pmd_pages; ++i) {
    Pte& pte = m.PteAt(block + i);
    pte = Pte{};
    pte.kind = PteKind::kPresent;
    pte.pfn = pmd.pfn + static_cast<uint32_t>(i);
    pte.write = pmd.write;
    pte.dirty = pmd.dirty;
    pte.soft_dirty = pmd.dirty;
    pte.young = pmd.young;
    Page& p = w.PageAt(head + i);
    p.mapcount++;
    if (anon_exclusive) p.anon_exclusive = true;  // RMAP_EXCLUSIVE for every PTE
  }
  Page& f = w.Folio(head);
  f.entire_mapcount--;
  f.large_mapcount += static_cast<int16_t>(pmd_pages - 1);
  f.refcount += static_cast<int16_t>(pmd_pages - 1);  // folio_ref_add(folio, HPAGE_PMD_NR - 1)
  pmd = Pmd{};
}

void split_device_private_pmd(World& w, StepResult& r, int mm, int va) {
  // __split_huge_pmd_locked() on a device-private PMD (balbir v6
  // "mm/huge_memory: implement device-private THP splitting"; linux-mm 7.x
  // mm/huge_memory.c): every PTE of the block becomes a device-private entry
  // for its page, WRITE iff the PMD entry was, AnonExclusive on every page
  // if the head had it; folio_ref_add(HPAGE_PMD_NR - 1), the entire mapping
  // becomes PMD_NR page mappings. The folio stays large.
  Mm& m = w.MmAt(mm);
  const int pmd_pages = w.universe.PmdPages();
  const int block = va & ~(pmd_pages - 1);
  Pmd& pmd = m.PmdAt(w.PmdIndex(va));
  const int head = w.DevicePrivatePmdFolio(pmd);
  if (head < 0) return;  // dangling (reported by no-dangling-entry)
  mmu_notifier_invalidate(w, mm, block, block + pmd_pages, NotifyEvent::kClear, -1);
  const bool anon_exclusive = w.Folio(head).anon_exclusive;
  for (int i = 0; i < pmd_pages; ++i) {
    Pte& pte = m.PteAt(block + i);
    pte = Pte{};
    pte.kind = pmd.write ? PteKind::kDevicePrivateWrite : PteKind::kDevicePrivateRead;
    pte.pfn = w.DevicePrivateNumber(head + i);
    Page& p = w.PageAt(head + i);
    p.mapcount++;
    if (anon_exclusive) p.anon_exclusive = true;
  }
  Page& f = w.Folio(head);
  f.entire_mapcount--;
  f.large_mapcount += static_cast<int16_t>(pmd_pages - 1);
  f.refcount += static_cast<int16_t>(pmd_pages - 1);
  pmd = Pmd{};
  (void)r;
}

namespace {

// unmap_folio() of a mapped large device-private folio: try_to_migrate(folio,
// TTU_SPLIT_HUGE_PMD | TTU_SYNC | TTU_RMAP_LOCKED) (mm/huge_memory.c,
// linux-mm 7.x, reached from migrate_vma_split_folio -> split_folio). It is
// the one kernel walk of a device-private folio that carries TTU_SYNC:
// migrate_device_unmap calls try_to_migrate(folio, 0). try_to_migrate_one
// then replaces the walk's flags (ttu_sync_flags knob); a PTE mapping of the
// folio the walk does not return keeps its device-private entry, so the
// split's unmap is incomplete (the folio_ref_freeze that follows fails).
// The model reports each missed mapping (pvmw-sound-and-complete, bug 15)
// and, like the kernel's remap, leaves the entries as they were.
void UnmapFolioTtuSyncWalk(const World& w, StepResult& r, int head) {
  if (w.FolioMapcount(head) <= 0) return;
  const unsigned flags = TtuSyncFlags(w, head);
  std::vector<std::pair<int, int>> hits;
  ForEachVma(w, [&](int mm, const Vma& v) {
    PageVmaMappedWalk pvmw = StartFolioWalk(w, head, 0, mm, v);
    pvmw.flags = flags;  // try_to_migrate_one: `if (flags & TTU_SYNC) pvmw.flags = ...`
    while (page_vma_mapped_walk(w, pvmw)) hits.push_back({mm, pvmw.address});
  });
  const int nr = w.NrPages(head);
  ForEachVma(w, [&](int mm, const Vma& v) {
    for (int va = v.start; va < v.end; ++va) {
      if (!IsDevicePrivate(w.MmAt(mm).PteAt(va).kind)) continue;
      const int frame = w.MappedFrame(mm, va);
      if (frame < head || frame >= head + nr) continue;
      if (std::find(hits.begin(), hits.end(), std::make_pair(mm, va)) != hits.end()) continue;
      r.Event(EventKind::kInfo,
              fmt::format("{}unmap_folio: try_to_migrate_one(TTU_SYNC) walk of device-private "
                          "folio {:#x} missed its mapping at mm{}:{}",
                          kPvmwMissPrefix, w.DevicePrivateNumber(head), mm, va));
    }
  });
}

}  // namespace

void split_device_private_folio(World& w, StepResult& r, int head) {
  if (w.NrPages(head) > 1) UnmapFolioTtuSyncWalk(w, r, head);
  // __folio_split() of an unmapped-at-PMD-level device-private folio
  // (migrate_vma_split_folio / folio_split_unmapped, then
  // zone_device_private_split_cb: the driver's ->folio_split() or the pgmap
  // and mapping copied to each new folio; linux-mm 7.x mm/huge_memory.c,
  // mm/memremap.c). Each page becomes an order-0 device folio keeping its
  // PTE mappings and their references and its share of the pgmap references
  // (one per page); the head keeps the references nobody maps, and pages
  // left with no reference are freed. Diverges: the kernel unmaps to migration entries
  // and remaps; atomically that is the identity on the entries.
  const int nr = w.NrPages(head);
  if (nr == 1) return;
  Page proto = w.Folio(head);
  int mapped = 0;
  for (int i = 0; i < nr; ++i) mapped += w.PageAt(head + i).mapcount + 1;
  const int extra = proto.refcount - mapped;
  for (int i = 0; i < nr; ++i) {
    Page& p = w.PageAt(head + i);
    p.head = static_cast<int16_t>(head + i);
    p.order = 0;
    p.refcount = static_cast<int16_t>(p.mapcount + 1 + (i == 0 ? extra : 0));
    p.large_mapcount = -1;
    p.entire_mapcount = -1;
    p.anon = proto.anon;
    p.dirty = proto.dirty;
    p.swapbacked = proto.swapbacked;
    p.lru = false;
    p.locked = i == 0 && proto.locked;
    p.data = w.PageAt(head + i).data;
  }
  for (int i = 0; i < nr; ++i)
    if (w.PageAt(head + i).refcount == 0) {
      w.PageAt(head + i).refcount = 1;
      folio_put(w, r, head + i);
    }
}

int split_folio(World& w, StepResult& r, int head) {
  Page& f = w.Folio(head);
  if (f.order == 0 || f.hugetlb) return kEINVAL;
  if (w.lock_thread_folio == head) return kEAGAIN;  // the caller's folio_trylock()
  folio_get(w, head);                               // the caller's reference
  // unmap_folio(): try_to_migrate(TTU_SPLIT_HUGE_PMD | TTU_SYNC | TTU_RMAP_LOCKED).
  bool was_mapped = w.FolioMapcount(head) > 0;
  if (was_mapped) try_to_migrate(w, r, head);
  const int nr = w.NrPages(head);
  // can_split_folio(): every remaining reference must be the caller's.
  int extra = f.shmem >= 0 ? nr : 0;
  if (w.FolioMapcount(head) != 0 || w.Folio(head).refcount != 1 + extra) {
    if (was_mapped) remove_migration_ptes(w, r, head, head);
    folio_put(w, r, head);
    return kEAGAIN;
  }
  Page proto = w.Folio(head);
  for (int i = 0; i < nr; ++i) {
    Page& p = w.PageAt(head + i);
    p.head = static_cast<int16_t>(head + i);
    p.order = 0;
    p.refcount = i == 0 ? 1 : 0;  // tails start unreferenced; remap adds their mappings
    p.large_mapcount = -1;
    p.entire_mapcount = -1;
    p.anon = proto.anon;
    p.dirty = proto.dirty;
    p.swapbacked = proto.swapbacked;
    p.lru = proto.lru;
    p.hugetlb = false;
    p.shmem = proto.shmem;
    p.index = static_cast<uint8_t>(proto.index + i);
  }
  for (int i = 0; i < nr; ++i) remove_migration_ptes(w, r, head + i, head + i);
  // Tails nobody maps are freed; the head keeps the caller's reference,
  // dropped now.
  for (int i = 1; i < nr; ++i)
    if (w.PageAt(head + i).refcount == 0) {
      w.PageAt(head + i).refcount = 1;
      folio_put(w, r, head + i);
    }
  folio_put(w, r, head);
  return 0;
}

// madvise_free_huge_pmd() (mm/huge_memory.c, linux-mm 7.x; unchanged in
// logic since v6.14) for a present huge PMD at `addr`, the advised part of
// its block ending at `next`. Returns true iff the whole PMD was made
// lazyfree.
//
// The kernel's own non-present branch (VM_BUG_ON(thp_migration_supported()
// && !pmd_is_migration_entry()) since v4.14; Balbir's merged series
// 368076f52ebe "mm/huge_memory: add device-private THP support to PMD
// operations" left it so, and Usama Arif's "mm/huge_memory: skip
// device-private PMDs in madvise_free_huge_pmd" (v3 3/3, July 2026, Fixes:
// 368076f52ebe) turns it into VM_WARN_ON_ONCE accepting device-private
// PMDs) is reachable only when a device-private PMD replaces the THP between
// madvise_free_pte_range()'s unlocked pmd_trans_huge() and
// pmd_trans_huge_lock(). Model operations are atomic, so that race is not
// modelled: a device-private PMD never gets here (see madvise.cpp).
bool madvise_free_huge_pmd(World& w, StepResult& r, int mm, int addr, int next) {
  Pmd& pmd = w.MmAt(mm).PmdAt(w.PmdIndex(addr));
  if (pmd.kind != PmdKind::kHuge) return false;
  int head = w.FolioOf(pmd.pfn);
  if (head < 0) return false;  // the huge zero page (is_huge_zero_pmd), or dangling
  // folio_maybe_mapped_shared(); folio_trylock().
  if (w.FolioMapcount(head) != 1 || w.lock_thread_folio == head) return false;
  // "If user want to discard part-pages of THP, split it so MADV_FREE will
  // deactivate only them": split_folio(), then the PTE walk does the rest.
  if (next - addr != w.universe.PmdPages()) {
    split_folio(w, r, head);
    return false;
  }
  w.Folio(head).dirty = false;    // folio_clear_dirty
  pmd.young = pmd.dirty = false;  // pmd_mkold, pmd_mkclean
  Page& f = w.Folio(head);
  if (f.anon && f.swapbacked && !f.hugetlb) f.swapbacked = false;  // folio_mark_lazyfree
  return true;
}

}  // namespace mmcheck::model::kernel
