// SPDX-License-Identifier: GPL-2.0
// Reverse mapping: rmap accounting, make_device_exclusive(), and the rmap
// walkers try_to_unmap_one(), try_to_migrate_one(), folio_referenced_one()
// and page_vma_mkclean_one().
//
// Models mm/rmap.c and include/linux/rmap.h: OLD = v6.14 (before
// hildenbrand-v2), NEW = v6.15 and linux-mm 7.x @ 0014dde7e945; the
// differences are knobs (model/knobs.h). CONFIG_PAGE_MAPCOUNT is assumed
// (per-page _mapcount kept); _nr_pages_mapped, MM-id tracking, deferred split
// and mlock are not modelled. Pins (GUP_PIN_COUNTING_BIAS) are not modelled,
// so folio_try_dup/share_anon_rmap never fail.
#include <fmt/format.h>

#include "model/kernel/arch_pte.h"
#include "model/kernel/encoding_config.h"
#include "model/ops/kernel.h"

namespace mmcheck::model::kernel {

// ---- accounting (include/linux/rmap.h, mm/rmap.c __folio_add_rmap) ----

void folio_add_new_anon_rmap_pte(World& w, int head) {
  Page& f = w.Folio(head);
  f.anon = true;
  f.swapbacked = true;
  int nr = w.NrPages(head);
  for (int i = 0; i < nr; ++i) {
    Page& p = w.PageAt(head + i);
    p.mapcount = 0;
    p.anon_exclusive = true;  // RMAP_EXCLUSIVE: every page for PTE level
  }
  if (f.order > 0) f.large_mapcount = nr - 1;
}

void folio_add_new_anon_rmap_pmd(World& w, int head) {
  Page& f = w.Folio(head);
  f.anon = true;
  f.swapbacked = true;
  f.entire_mapcount = 0;
  f.large_mapcount = 0;
  f.anon_exclusive = true;  // RMAP_EXCLUSIVE: the head page for PMD level
}

void folio_add_anon_rmap_pte(World& w, int head, int frame, bool exclusive) {
  Page& p = w.PageAt(frame);
  p.mapcount++;
  if (w.Folio(head).order > 0) w.Folio(head).large_mapcount++;
  if (exclusive) p.anon_exclusive = true;
}

void folio_add_file_rmap_pte(World& w, int head, int frame) {
  w.PageAt(frame).mapcount++;
  if (w.Folio(head).order > 0) w.Folio(head).large_mapcount++;
}

void folio_add_rmap_pmd(World& w, int head) {
  w.Folio(head).entire_mapcount++;
  w.Folio(head).large_mapcount++;
}

void folio_remove_rmap_pte(World& w, StepResult& r, int head, int frame) {
  // A frame outside the folio is the garbage subpage of OLD walkers: the
  // kernel decrements some other struct page; only the folio counter is ours.
  // For a small folio that is all that changes: the kernel decremented the
  // garbage page's _mapcount, not the folio's.
  if (frame >= head && frame < head + w.NrPages(head)) w.PageAt(frame).mapcount--;
  if (w.Folio(head).order > 0) w.Folio(head).large_mapcount--;
  // deferred_split_folio() is not modelled for RAM folios. A large
  // device-private folio left partially mapped (a page unmapped, others
  // still mapped) would be queued like any anon THP before balbir's
  // __folio_remove_rmap check; deferred_split_scan() would then split a
  // ZONE_DEVICE folio that is on no LRU, which the shrinker does not support
  // (docs/kernel-rules.md#bug-22, #invariant-12; the exact failure is not
  // stated in the sources, the model reports it as a kernel bug).
  const Page& f = w.Folio(head);
  if (f.order > 0 && f.anon && folio_is_device_private(w, head) && frame >= head &&
      frame < head + w.NrPages(head) && w.PageAt(frame).mapcount < 0 && w.FolioMapcount(head) > 0 &&
      f.entire_mapcount < 0 &&
      w.knobs.device_private_deferred_split == DevicePrivateDeferredSplit::kQueued)
    r.Event(EventKind::kBug,
            fmt::format("deferred_split_folio() queued partially mapped device-private folio {:#x} "
                        "(order {}): deferred_split_scan would split a ZONE_DEVICE folio off any "
                        "LRU",
                        w.DevicePrivateNumber(head), f.order));
}

void folio_remove_rmap_pmd(World& w, int head) {
  w.Folio(head).entire_mapcount--;
  w.Folio(head).large_mapcount--;
}

void folio_try_dup_anon_rmap_pte(World& w, int head, int frame) {
  Page& p = w.PageAt(frame);
  p.anon_exclusive = false;
  p.mapcount++;
  if (w.Folio(head).order > 0) w.Folio(head).large_mapcount++;
}

void folio_try_dup_anon_rmap_pmd(World& w, int head) {
  w.Folio(head).anon_exclusive = false;  // the head page carries it at PMD level
  folio_add_rmap_pmd(w, head);
}

namespace {

bool FolioMapped(const World& w, int head) {
  return w.FolioMapcount(head) > 0;
}

// The rmap walkers' MMU notifier range covers the folio's pages in the VMA
// (mmu_notifier_range_init over [address, address + folio_size)); the model
// invalidates exactly the entry each hit is about to change.
void InvalidateHit(World& w, const PageVmaMappedWalk& pvmw, NotifyEvent ev) {
  int n = pvmw.pmd ? w.universe.PmdPages() : 1;
  mmu_notifier_invalidate(w, pvmw.mm, pvmw.address, pvmw.address + n, ev, -1);
}

uint32_t FolioPfn(const World& w, int head) {
  return w.PfnOf(head);
}

// A walk of RAM folio `head` hit a device-private entry: only possible when
// device-private offsets overlap RAM PFNs and check_pte has no kind test
// (docs/kernel-rules.md#invariant-6). The kernel would treat the device entry as a
// mapping of `head`; the model reports the confusion and leaves it alone.
bool DevicePrivateConfusion(const World& w, StepResult& r, int head, const PageVmaMappedWalk& pvmw,
                            const char* walker) {
  if (DevicePrivatePmdHit(w, r, pvmw, head, walker)) return true;
  if (pvmw.pmd) return false;
  const Pte& pte = w.MmAt(pvmw.mm).PteAt(pvmw.address);
  if (!IsDevicePrivate(pte.kind) || folio_is_device_private(w, head)) return false;
  r.Event(
      EventKind::kCorruption,
      fmt::format("pfn/offset confusion: {} for RAM folio {:#x} hit the {} entry at mm{}:{} "
                  "(device-private offset {:#x})",
                  walker, w.PfnOf(head), PteKindName(pte.kind), pvmw.mm, pvmw.address, pte.pfn));
  return true;
}

// Kind of a new device-exclusive entry for a (writable or not) PTE.
PteKind ExclusiveKind(const World& w, bool writable) {
  if (w.knobs.device_exclusive_entry == DeviceExclusiveEntry::kSingle)
    return PteKind::kDeviceExclusive;
  return writable ? PteKind::kDeviceExclusiveWrite : PteKind::kDeviceExclusiveRead;
}

// page_make_device_exclusive_one() (v6.14 rmap walk callback) for one VMA.
// Returns false when the walk must stop (a non-present entry).
bool page_make_device_exclusive_one(World& w, StepResult& r, int head, int mm, const Vma& v,
                                    int req_mm, int req_va, bool& valid) {
  PageVmaMappedWalk pvmw = StartWalk(w, FolioPfn(w, head), w.NrPages(head), 0, mm, v);
  while (page_vma_mapped_walk(w, pvmw)) {
    InvalidateHit(w, pvmw, NotifyEvent::kExclusive);
    if (pvmw.pmd) {
      r.Event(EventKind::kBug,
              "VM_BUG_ON_FOLIO(!pvmw.pte): page_make_device_exclusive_one met "
              "a PMD-mapped folio (mm/rmap.c, v6.14)");
      return false;
    }
    Pte& pte = w.MmAt(mm).PteAt(pvmw.address);
    if (pte.kind != PteKind::kPresent) return false;
    int frame = w.FrameOf(pte.pfn);
    Pte old = pte;
    if (old.dirty) w.Folio(head).dirty = true;
    if (mm == req_mm && pvmw.address == req_va && old.write) valid = true;
    pte = Pte{};
    pte.kind = ExclusiveKind(w, old.write);
    pte.pfn = old.pfn;
    pte.soft_dirty = old.soft_dirty;
    pte.uffd_wp = old.uffd_wp;
    // "There is a reference on the page for the swap entry which has been
    // removed, so shouldn't take another": mapcount -1, ref kept.
    if (w.knobs.device_exclusive_mapcount == DeviceExclusiveMapcount::kDropped)
      folio_remove_rmap_pte(w, r, head, frame);
  }
  return true;
}

}  // namespace

// make_device_exclusive() (hildenbrand-v2 03/17 and later): one address.
// The folio is returned referenced (+1); the caller unlocks and puts it in
// the same step.
ExclusiveResult make_device_exclusive(World& w, StepResult& r, int mm, int va) {
  const Knobs& k = w.knobs;
  GupResult g = get_user_page_remote(w, r, mm, va, kFollWrite | kFollSplitPmd);
  if (g.blocked) return {0, -1, true};
  if (g.err) return {g.err, -1, false};
  int head = g.head;
  Page& f = w.Folio(head);
  // "Reject any non-anonymous or hugetlb folios early, directly after GUP."
  if (!f.anon || f.hugetlb) {
    folio_put(w, r, head);
    return {kEOPNOTSUPP, -1, false};
  }
  if (w.lock_thread_folio == head) {
    folio_put(w, r, head);
    // v2 17/17: folio_lock_killable() sleeps (and GUP is retried after).
    if (k.make_exclusive_lock == MakeExclusiveLock::kLockRetry) return {0, -1, true};
    return {kEBUSY, -1, false};  // folio_trylock() failed
  }
  if (k.make_exclusive_impl == MakeExclusiveImpl::kSingleFolioWalk) {
    // folio_walk_start() finds the PTE GUP just made present and writable
    // (operations are atomic, so the re-check always matches here).
    mmu_notifier_invalidate(w, mm, va, va + 1, NotifyEvent::kExclusive, -1);
    Pte& pte = w.MmAt(mm).PteAt(va);
    Pte old = pte;
    if (old.dirty) f.dirty = true;
    pte = Pte{};
    pte.kind = ExclusiveKind(w, true);
    pte.pfn = old.pfn;
    pte.soft_dirty = old.soft_dirty;  // uffd-wp cannot be set: the PTE was writable
    if (k.device_exclusive_mapcount == DeviceExclusiveMapcount::kDropped)
      folio_remove_rmap_pte(w, r, head, g.frame);  // the TODO removed by v2 16/17
    return {0, head, false};
  }
  // v1/v2 03/17: still the rmap walk of the whole folio.
  if (!folio_make_device_exclusive(w, r, head, mm, va)) {
    folio_put(w, r, head);
    return {kEBUSY, -1, false};
  }
  return {0, head, false};
}

std::vector<int> make_device_exclusive_range(World& w, StepResult& r, int mm, int start, int npages,
                                             int& err) {
  // GUP the whole range first (FOLL_GET | FOLL_WRITE | FOLL_SPLIT_PMD).
  err = 0;
  std::vector<GupResult> gup;
  for (int va = start; va < start + npages; ++va) {
    GupResult g = get_user_page_remote(w, r, mm, va, kFollWrite | kFollSplitPmd);
    if (g.err || g.blocked) {
      if (gup.empty()) err = g.blocked ? kEAGAIN : g.err;
      break;
    }
    gup.push_back(g);
  }
  std::vector<int> pages(gup.size(), -1);
  for (size_t i = 0; i < gup.size(); ++i) {
    int head = gup[i].head;
    if (gup[i].frame != head) {  // PageTail(): THP is not supported
      r.Event(EventKind::kInfo, fmt::format("make_device_exclusive_range: PageTail(pfn 0x{:x}) "
                                            "dropped",
                                            w.PfnOf(gup[i].frame)));
      folio_put(w, r, head);
      continue;
    }
    if (w.lock_thread_folio == head ||  // !folio_trylock()
        !folio_make_device_exclusive(w, r, head, mm, start + static_cast<int>(i))) {
      folio_put(w, r, head);
      continue;
    }
    pages[i] = gup[i].frame;
  }
  return pages;
}

bool folio_make_device_exclusive(World& w, StepResult& r, int head, int mm, int va) {
  const Page& f = w.Folio(head);
  // "Restrict to anonymous folios for now"; v1/v2 02 also rejects hugetlb.
  if (!f.anon ||
      (f.hugetlb && w.knobs.make_exclusive_rejects_hugetlb == MakeExclusiveRejectsHugetlb::kYes))
    return false;
  bool valid = false;
  bool ok = true;
  ForEachVma(w, [&](int m, const Vma& v) {
    if (ok && FolioMapped(w, head))  // rwc.done = folio_not_mapped
      ok = page_make_device_exclusive_one(w, r, head, m, v, mm, va, valid);
  });
  return ok && valid && w.FolioMapcount(head) == 0;
}

namespace {

// The swap type the profile's kernel gives a device entry of kind `kind`
// (include/linux/swap.h numbering, model/kernel/swap_entry.h).
int DeviceSwapType(const World& w, PteKind kind) {
  const SwapLayout l = EncodingConfigFor(w.knobs).swap;
  switch (kind) {
    case PteKind::kDevicePrivateRead:
      return SwapType(l, SwapKind::kDeviceRead);
    case PteKind::kDevicePrivateWrite:
      return SwapType(l, SwapKind::kDeviceWrite);
    case PteKind::kDeviceExclusive:
      return SwapType(l, SwapKind::kDeviceExclusive);
    case PteKind::kDeviceExclusiveRead:
      return SwapType(l, SwapKind::kDeviceExclusiveRead);
    case PteKind::kDeviceExclusiveWrite:
      return SwapType(l, SwapKind::kDeviceExclusiveWrite);
    default:
      return -1;
  }
}

// folio_referenced_one() without a pte_present() test (v6.12 and mainline;
// hildenbrand-v1 10/12 added one, v2 dropped it) applies the young helper
// (ptep_clear_flush_young_notify, or lru_gen_look_around's
// ptep_clear_young_notify) to a device-exclusive entry page_vma_mapped_walk
// returned. What that does is the architecture's (knob arch,
// model/kernel/arch_pte.h): x86-64's ptep_test_and_clear_young tests
// _PAGE_ACCESSED (bit 5, unused by swap PTEs) first and writes nothing;
// arm64's __ptep_test_and_clear_young clears PTE_AF (bit 10), the swap type's
// top bit, so every device type (>= 16) becomes a real swap type with the PFN
// as its offset. The model reports that as corruption and leaves its own
// entry (it has no swap slot numbered by a PFN); what follows in the kernel
// is a swap entry of a swap device that does not exist.
void YoungHelperOnNonPresent(const World& w, StepResult& r, const Pte& pte, int mm, int va) {
  const int type = DeviceSwapType(w, pte.kind);
  if (type < 0) return;
  const ArchPteLayout& arch = ArchLayout(EncodingConfigFor(w.knobs).arch);
  const uint64_t before = ArchSwapPte(arch, static_cast<uint64_t>(type), pte.pfn);
  const uint64_t after = ArchYoungHelper(arch, before);
  if (after == before) return;
  const uint64_t new_type = ArchSwapType(arch, after);
  r.Event(EventKind::kCorruption,
          fmt::format("folio_referenced_one: the {} young helper cleared bit {} of the {} entry "
                      "at mm{}:{}: swap type {} became {} ({}), offset {:#x}",
                      arch.name, arch.accessed_bit, PteKindName(pte.kind), mm, va, type, new_type,
                      static_cast<int>(new_type) < MaxSwapfiles(EncodingConfigFor(w.knobs).swap)
                          ? "a swap device's type"
                          : "another special type",
                      ArchSwapOffset(arch, after)));
}

// folio_test_lazyfree(): an anon folio MADV_FREE cleared PG_swapbacked on.
bool IsLazyfree(const World& w, int head) {
  const Page& f = w.Folio(head);
  return f.anon && !f.swapbacked && !f.hugetlb;
}

// __discard_anon_folio_pmd_locked() (mm/huge_memory.c v6.11+, linux-mm 7.x):
// a dirty folio or PMD is made swapbacked again and kept; extra references
// (ref_count != map_count + 1) keep it; else the PMD is cleared,
// MM_ANONPAGES -= HPAGE_PMD_NR, the entire mapping and its reference go.
// Returns whether it was discarded.
bool DiscardLazyfreePmd(World& w, StepResult& r, int head, int mm, int addr) {
  Mm& m = w.MmAt(mm);
  Pmd& pmd = m.PmdAt(w.PmdIndex(addr));
  Page& f = w.Folio(head);
  if (f.dirty || pmd.dirty) {
    f.swapbacked = true;
    return false;
  }
  if (f.refcount != w.FolioMapcount(head) + 1) return false;
  const int pages = w.universe.PmdPages();
  const int block = addr & ~(pages - 1);
  pmd = Pmd{};
  m.rss[kMmAnonPages] -= static_cast<int16_t>(pages);
  for (int i = 0; i < pages; ++i) m.LogicalAt(block + i) = 0;
  folio_remove_rmap_pmd(w, head);
  folio_put(w, r, head);
  return true;
}

}  // namespace

void try_to_unmap(World& w, StepResult& r, int head, const std::vector<int>& swap_slots) {
  const uint32_t folio_pfn = FolioPfn(w, head);
  const int nr = w.NrPages(head);
  bool aborted = false;  // walk_abort: ret = false, rwc stops
  ForEachVma(w, [&](int mm, const Vma& v) {
    if (aborted || !FolioMapped(w, head)) return;  // rwc.done = folio_not_mapped
    PageVmaMappedWalk pvmw = StartWalk(w, folio_pfn, nr, 0, mm, v);
    while (!aborted && page_vma_mapped_walk(w, pvmw)) {
      if (DevicePrivateConfusion(w, r, head, pvmw, "try_to_unmap_one")) continue;
      InvalidateHit(w, pvmw, NotifyEvent::kClear);
      if (pvmw.pmd && IsLazyfree(w, head)) {
        // A lazyfree PMD-mapped THP is discarded whole or kept, never split
        // (v6.11+ unmap_huge_pmd_locked -> __discard_anon_folio_pmd_locked).
        aborted = !DiscardLazyfreePmd(w, r, head, mm, pvmw.address);
        if (!aborted) pvmw.address = -1 - v.start;
        continue;
      }
      if (pvmw.pmd) {
        // TTU_SPLIT_HUGE_PMD (shrink_folio_list sets it for PMD-mappable folios).
        split_huge_pmd(w, r, mm, pvmw.address);
        pvmw.address = -1 - v.start;
        continue;
      }
      Pte& pte = w.MmAt(mm).PteAt(pvmw.address);
      Pte old = pte;
      uint32_t pfn = old.pfn;
      if (old.kind != PteKind::kPresent &&
          w.knobs.try_to_unmap_nonpresent == NonPresentPfn::kPtePfn)
        pfn = PtePfnOfNonPresent(old.pfn);
      int frame = static_cast<int>(pfn - folio_pfn) + head;
      bool garbage = pfn < folio_pfn || pfn >= folio_pfn + static_cast<uint32_t>(nr);
      if (garbage)
        r.Event(EventKind::kCorruption,
                fmt::format("try_to_unmap_one: pte_pfn() of a non-present {} entry at mm{}:{} "
                            "gives pfn 0x{:x}, outside folio 0x{:x}-0x{:x}: garbage subpage",
                            PteKindName(old.kind), mm, pvmw.address, pfn, folio_pfn,
                            folio_pfn + nr - 1));
      // The swap slot and data still follow the real page; the garbage page's
      // own fields are not ours to change.
      int real_idx = static_cast<int>(old.pfn - folio_pfn);
      if (real_idx < 0 || real_idx >= nr) real_idx = 0;
      bool anon_exclusive = !garbage && w.Folio(head).anon && w.PageAt(frame).anon_exclusive;
      if (old.kind == PteKind::kPresent && old.dirty) w.Folio(head).dirty = true;
      Mm& m = w.MmAt(mm);
      if (IsLazyfree(w, head)) {
        // MADV_FREE folio check (mm/rmap.c try_to_unmap_one, v6.15 and
        // linux-mm 7.x): a folio redirtied through a PTE (or a GUP
        // reference) is restored and made swapbacked again; extra
        // references (ref_count != 1 + map_count) keep it too; else the
        // entry is dropped, MM_ANONPAGES -1, and the data is gone (the next
        // touch reads zero).
        if (w.Folio(head).dirty) {
          pte = old;
          w.Folio(head).swapbacked = true;
          aborted = true;
          continue;
        }
        if (w.Folio(head).refcount != 1 + w.FolioMapcount(head)) {
          pte = old;
          aborted = true;
          continue;
        }
        m.rss[kMmAnonPages]--;
        pte = Pte{};
        m.LogicalAt(pvmw.address) = 0;
        folio_remove_rmap_pte(w, r, head, garbage ? head + nr : frame);
        folio_put(w, r, head);
        continue;
      }
      int slot = swap_slots[static_cast<size_t>(real_idx)];
      if (!garbage) w.PageAt(frame).anon_exclusive = false;
      // folio_try_share_anon_rmap_pte
      m.rss[kMmAnonPages]--;
      m.rss[kMmSwapEnts]++;
      pte = Pte{};
      pte.kind = PteKind::kSwap;
      pte.pfn = static_cast<uint32_t>(slot);
      pte.swp_exclusive = anon_exclusive;
      pte.soft_dirty = old.soft_dirty;
      pte.uffd_wp = old.uffd_wp;
      w.SlotAt(slot).count++;
      w.SlotAt(slot).data = w.PageAt(head + real_idx).data;
      // OLD never took a mapcount for device-exclusive entries, but the walker
      // removes one anyway.
      folio_remove_rmap_pte(w, r, head, garbage ? head + nr : frame);
      folio_put(w, r, head);
    }
  });
}

void try_to_migrate(World& w, StepResult& r, int head) {
  const uint32_t folio_pfn = FolioPfn(w, head);
  const int nr = w.NrPages(head);
  ForEachVma(w, [&](int mm, const Vma& v) {
    if (!FolioMapped(w, head)) return;
    PageVmaMappedWalk pvmw = StartWalk(w, folio_pfn, nr, 0, mm, v);
    while (page_vma_mapped_walk(w, pvmw)) {
      if (DevicePrivateConfusion(w, r, head, pvmw, "try_to_migrate_one")) continue;
      InvalidateHit(w, pvmw, NotifyEvent::kClear);
      if (pvmw.pmd) {
        // set_pmd_migration_entry() is not modelled: split and migrate PTEs.
        split_huge_pmd(w, r, mm, pvmw.address);
        pvmw.address = -1 - v.start;
        continue;
      }
      Pte& pte = w.MmAt(mm).PteAt(pvmw.address);
      Pte old = pte;
      bool present = old.kind == PteKind::kPresent;
      bool old_pfn = !present && w.knobs.try_to_migrate_nonpresent == NonPresentPfn::kPtePfn;
      uint32_t pfn = old_pfn ? PtePfnOfNonPresent(old.pfn) : old.pfn;
      // NEW: writable only from a present PTE or a device-private WRITE
      // entry. OLD read pte_write() of a swap-format PTE, which on x86-64 is
      // _PAGE_RW = _PAGE_SWP_SOFT_DIRTY.
      bool writable = present
                          ? old.write
                          : (old_pfn ? old.soft_dirty : old.kind == PteKind::kDevicePrivateWrite);
      int frame = static_cast<int>(pfn - folio_pfn) + head;
      bool garbage = pfn < folio_pfn || pfn >= folio_pfn + static_cast<uint32_t>(nr);
      if (garbage)
        r.Event(EventKind::kCorruption,
                fmt::format("try_to_migrate_one: pte_pfn() of a non-present {} entry at mm{}:{} "
                            "gives pfn 0x{:x}, outside folio 0x{:x}-0x{:x}: garbage subpage",
                            PteKindName(old.kind), mm, pvmw.address, pfn, folio_pfn,
                            folio_pfn + nr - 1));
      bool anon_exclusive = !garbage && w.Folio(head).anon && w.PageAt(frame).anon_exclusive;
      if (present && old.dirty) w.Folio(head).dirty = true;
      if (!garbage) w.PageAt(frame).anon_exclusive = false;
      pte = Pte{};
      pte.kind = writable         ? PteKind::kMigrationWrite
                 : anon_exclusive ? PteKind::kMigrationReadExclusive
                                  : PteKind::kMigrationRead;
      pte.pfn = pfn;  // page_to_pfn(subpage): garbage stays garbage
      pte.young = present && old.young;
      pte.dirty = present && old.dirty;
      pte.soft_dirty = old.soft_dirty;
      pte.uffd_wp = old.uffd_wp;
      folio_remove_rmap_pte(w, r, head, garbage ? head + nr : frame);
      folio_put(w, r, head);
    }
  });
}

int folio_referenced(World& w, StepResult& r, int head) {
  int mapcount = w.FolioMapcount(head);
  if (mapcount == 0) return 0;  // "folio_referenced() returns 0 if !folio_mapped"
  int referenced = 0;
  const uint32_t folio_pfn = FolioPfn(w, head);
  ForEachVma(w, [&](int mm, const Vma& v) {
    // pra.mapcount reaching 0 stops the rmap walk between VMAs
    // (folio_referenced_one returns false after its loop); within a VMA the
    // walk goes on to its end (mm/rmap.c, 6.12 and 7.x). Seen on arm64: one
    // reclaim pass rewrote all 511 device-exclusive entries of a THP.
    if (mapcount <= 0) return;
    PageVmaMappedWalk pvmw = StartWalk(w, folio_pfn, w.NrPages(head), 0, mm, v);
    while (page_vma_mapped_walk(w, pvmw)) {
      if (DevicePrivateConfusion(w, r, head, pvmw, "folio_referenced_one")) continue;
      Mm& m = w.MmAt(mm);
      if (pvmw.pmd) {
        Pmd& pmd = m.PmdAt(w.PmdIndex(pvmw.address));
        if (pmd.young) ++referenced;
        pmd.young = false;
      } else {
        Pte& pte = m.PteAt(pvmw.address);
        if (pte.kind == PteKind::kPresent) {
          if (pte.young) ++referenced;
          pte.young = false;  // ptep_clear_flush_young_notify
        } else if (w.knobs.referenced_nonpresent == ReferencedNonPresent::kYoungHelper) {
          // linux-mm 7.x batches a large folio's PTEs before the young
          // helper: folio_pte_batch() starts with
          // VM_WARN_ON_FOLIO(!pte_present(pte)) (mm/internal.h), a real
          // CONFIG_DEBUG_VM warning for a device-exclusive first PTE.
          if (w.knobs.referenced_pte_batch == ReferencedPteBatch::kFolioPteBatch &&
              w.Folio(head).order > 0)
            r.Event(EventKind::kWarn,
                    fmt::format("VM_WARN_ON_FOLIO(!pte_present(pte)) in folio_pte_batch: "
                                "folio_referenced_one batched the non-present {} entry at "
                                "mm{}:{} of large folio {:#x}",
                                PteKindName(pte.kind), mm, pvmw.address, folio_pfn));
          YoungHelperOnNonPresent(w, r, pte, mm, pvmw.address);
        }
      }
      --mapcount;
    }
  });
  return referenced;
}

int folio_mkclean(World& w, StepResult& r, int head) {
  if (w.FolioMapcount(head) == 0) return 0;
  int cleaned = 0;
  const uint32_t folio_pfn = FolioPfn(w, head);
  ForEachVma(w, [&](int mm, const Vma& v) {
    // invalid_mkclean_vma(): only VM_SHARED mappings are walked (mm/rmap.c,
    // v6.12 and linux-mm 7.x; mapping_wrprotect_range and pfn_mkclean_range
    // check VM_SHARED the same way). Anonymous folios, the only ones that
    // get device-exclusive entries, are mapped private, so no kernel path
    // brings page_vma_mkclean_one to such an entry (issue 13).
    if (!v.shared) return;
    PageVmaMappedWalk pvmw = StartWalk(w, folio_pfn, w.NrPages(head), kPvmwSync, mm, v);
    while (page_vma_mapped_walk(w, pvmw)) {
      if (DevicePrivateConfusion(w, r, head, pvmw, "page_vma_mkclean_one")) continue;
      InvalidateHit(w, pvmw, NotifyEvent::kProtectionPage);
      Mm& m = w.MmAt(mm);
      if (pvmw.pmd) {
        Pmd& pmd = m.PmdAt(w.PmdIndex(pvmw.address));
        if (!pmd.dirty && !pmd.write) continue;
        pmd.dirty = pmd.write = false;
        ++cleaned;
        continue;
      }
      Pte& pte = m.PteAt(pvmw.address);
      if (pte.kind != PteKind::kPresent) {
        if (w.knobs.mkclean_nonpresent == MkcleanNonPresent::kSkip) continue;
        // Unreachable for device-exclusive entries (see invalid_mkclean_vma
        // above); kept for a device-private entry of a shared mapping should
        // one ever exist. OLD: pte_dirty()/pte_write() of a swap-format PTE. On x86-64
        // pte_write() reads _PAGE_RW, which is _PAGE_SWP_SOFT_DIRTY, so a
        // soft-dirty entry is "written back" as a present PTE built from the
        // swap bits (ptep_clear_flush + pte_wrprotect + pte_mkclean).
        if (!pte.soft_dirty) continue;
        r.Event(EventKind::kCorruption,
                fmt::format("page_vma_mkclean_one: rewrote non-present {} entry at mm{}:{} as a "
                            "present PTE for pfn 0x{:x}",
                            PteKindName(pte.kind), mm, pvmw.address, PtePfnOfNonPresent(pte.pfn)));
        Pte garbage{};
        garbage.kind = PteKind::kPresent;
        garbage.pfn = PtePfnOfNonPresent(pte.pfn);
        pte = garbage;
        ++cleaned;
        continue;
      }
      if (!pte.dirty && !pte.write) continue;
      pte.dirty = false;
      pte.write = false;
      ++cleaned;
    }
  });
  return cleaned;
}

}  // namespace mmcheck::model::kernel
