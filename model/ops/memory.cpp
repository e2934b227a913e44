// SPDX-License-Identifier: GPL-2.0
// Faults, COW, swap-in, zap, fork copy and device-exclusive restore.
//
// Models mm/memory.c (OLD v6.14, NEW v6.15, linux-mm 7.x @ 009857a22860),
// with the folio lifetime helpers of mm/page_alloc.c and mm/swap.c, the
// hugetlb fault path of mm/hugetlb.c and the shmem fault of mm/shmem.c in
// their simplest form.
//
// Diverges (see README LIMITATIONS): operations are atomic; a read fault on
// an empty THP-eligible PMD maps the small zero page, not the huge one;
// "pmd_none" is approximated by "no PTE of the block is set"; swap-in never
// finds a swapcache folio (no persistent swapcache); a PROT_NONE PTE is a
// present PTE in a VMA without VM_READ; x86-64 pte_mkdirty() also sets the
// soft-dirty bit, as the arch does with CONFIG_MEM_SOFT_DIRTY.
#include <fmt/format.h>

#include "model/ops/kernel.h"

namespace mmcheck::model::kernel {

// ---------------------------------------------------------------------------
// Folio lifetime.

bool CanAllocFolio(const World& w, int order) {
  int n = 1 << order;
  // RAM only: the device frames after it belong to their dev_pagemap.
  for (int f = 0; f + n <= w.RamFrames(); f += n) {
    bool free = true;
    for (int i = 0; i < n && free; ++i) free = w.PageAt(f + i).head < 0;
    if (free) return true;
  }
  return false;
}

int folio_alloc(World& w, int order) {
  int n = 1 << order;
  for (int f = 0; f + n <= w.RamFrames(); f += n) {
    bool free = true;
    for (int i = 0; i < n && free; ++i) free = w.PageAt(f + i).head < 0;
    if (!free) continue;
    for (int i = 0; i < n; ++i) {
      Page& p = w.PageAt(f + i);
      p = Page{};
      p.head = static_cast<int16_t>(f);
    }
    Page& head = w.PageAt(f);
    head.order = static_cast<uint8_t>(order);
    head.refcount = 1;
    head.lru = true;
    return f;
  }
  return -1;
}

void folio_get(World& w, int head, int n) {
  w.Folio(head).refcount += static_cast<int16_t>(n);
}

void folio_put(World& w, StepResult& r, int head, int n) {
  Page& f = w.Folio(head);
  f.refcount -= static_cast<int16_t>(n);
  if (f.refcount < 0)
    r.Event(EventKind::kBug, fmt::format("folio refcount underflow on pfn 0x{:x} "
                                         "(VM_BUG_ON_FOLIO in folio_put_testzero)",
                                         w.PfnOf(head)));
  if (f.refcount > 0) return;
  // __folio_put: a ZONE_DEVICE folio goes to free_zone_device_folio().
  if (w.IsDeviceFrame(head)) return free_zone_device_folio(w, r, head);
  // __folio_put -> free_unref_folios: the frames return to the allocator.
  int nr = w.NrPages(head);
  if (w.lock_thread_folio == head) w.lock_thread_folio = -1;
  for (int i = 0; i < nr; ++i) w.PageAt(head + i) = Page{};
}

int RssCounterOf(const World& w, int head) {
  const Page& f = w.Folio(head);
  if (f.anon) return kMmAnonPages;
  return f.shmem >= 0 ? kMmShmemPages : kMmFilePages;
}

// ---------------------------------------------------------------------------
// MMU notifiers: every device mirroring `mm` sees the invalidation.

void mmu_notifier_invalidate(World& w, int mm, int start, int end, NotifyEvent ev,
                             int owner_device) {
  for (int d = 0; d < static_cast<int>(w.devices.size()); ++d)
    dmirror_interval_invalidate(w, d, mm, start, end, ev, owner_device);
}

// ---------------------------------------------------------------------------
// Faults.

namespace {

Pmd& PmdAt(World& w, int mm, int va) {
  return w.MmAt(mm).PmdAt(w.PmdIndex(va));
}

// A present PTE whose PFN is no folio of ours (left by an OLD kernel's
// corruption): vm_normal_page() finds no struct page and print_bad_pte()
// complains; the access gets SIGBUS.
VmFault BadPte(StepResult& r, int mm, int va, const Pte& pte) {
  r.Event(EventKind::kCorruption,
          fmt::format("print_bad_pte: mm{}:{} maps pfn {:#x}, which is no allocated page", mm, va,
                      pte.pfn));
  return VmFault::kSigbus;
}

// A written PTE: pte_mkdirty() (x86-64 also sets _PAGE_SOFT_DIRTY).
void MakeDirty(Pte& pte) {
  pte.dirty = true;
  pte.soft_dirty = true;
}

bool BlockEmpty(const World& w, int mm, int block_start) {
  for (int i = 0; i < w.universe.PmdPages(); ++i)
    if (w.MmAt(mm).PteAt(block_start + i).kind != PteKind::kNone) return false;
  return true;
}

// thp_vma_allowable_order() for an anonymous fault at `va`.
bool ThpEligible(const World& w, const Vma& v, int mm, int va) {
  if (v.shared || v.hugetlb) return false;  // shmem THP is not modelled
  switch (w.knobs.transparent_hugepage) {
    case TransparentHugepage::kNever:
      return false;
    case TransparentHugepage::kMadvise:
      if (!v.hugepage) return false;
      break;
    case TransparentHugepage::kAlways:
      if (v.nohugepage) return false;
      break;
  }
  int block = va & ~(w.universe.PmdPages() - 1);
  if (block < v.start || block + w.universe.PmdPages() > v.end) return false;
  return BlockEmpty(w, mm, block);
}

// do_huge_pmd_anonymous_page(), write fault. Returns false to fall back.
bool do_huge_pmd_anonymous_page(World& w, int mm, int va, const Vma& v) {
  int head = folio_alloc(w, w.universe.pmd_order);
  if (head < 0) return false;  // count_vm_event(THP_FAULT_FALLBACK)
  folio_add_new_anon_rmap_pmd(w, head);
  Pmd& pmd = PmdAt(w, mm, va);
  pmd = Pmd{PmdKind::kHuge, w.PfnOf(head), v.write, true, true};
  w.MmAt(mm).rss[kMmAnonPages] += static_cast<int16_t>(w.NrPages(head));
  return true;
}

// do_anonymous_page(): the zero page on read, a fresh exclusive folio on write.
VmFault do_anonymous_page(World& w, int mm, int va, const Vma& v, bool write) {
  Pte& pte = PteAt(w, mm, va);
  if (!write) {
    pte = Pte{};
    pte.kind = PteKind::kPresent;
    pte.pfn = kZeroPfn;
    pte.special = true;
    return VmFault::kOk;
  }
  anon_vma_prepare(w, mm, va);  // vmf_anon_prepare(), before the allocation
  if (ThpEligible(w, v, mm, va) && do_huge_pmd_anonymous_page(w, mm, va, v)) return VmFault::kOk;
  int head = folio_alloc(w, 0);
  if (head < 0) return VmFault::kOom;
  folio_add_new_anon_rmap_pte(w, head);
  pte = Pte{};
  pte.kind = PteKind::kPresent;
  pte.pfn = w.PfnOf(head);
  pte.write = v.write;
  pte.young = true;
  MakeDirty(pte);
  w.MmAt(mm).rss[kMmAnonPages]++;
  return VmFault::kOk;
}

// fault_around_pages (mm/memory.c, 6.12): fault_around_bytes defaults to
// 65536, 16 pages of 4 KiB.
constexpr int kFaultAroundPages = 65536 / 4096;
static_assert(kFaultAroundPages == 16);

// set_pte_range() for a shmem folio: mk_pte(page, vma->vm_page_prot). A
// writable shared shmem VMA needs no writenotify (no ->page_mkwrite, no
// writeback accounting: vma_wants_writenotify() is false), so vm_page_prot is
// writable and even a read fault maps the page writable (6.12); a write fault
// also dirties it.
void MapShmemFolio(World& w, int mm, int va, const Vma& v, int head, bool write) {
  folio_get(w, head);
  folio_add_file_rmap_pte(w, head, head);
  w.MmAt(mm).rss[kMmShmemPages]++;
  Pte& pte = PteAt(w, mm, va);
  pte = Pte{};
  pte.kind = PteKind::kPresent;
  pte.pfn = w.PfnOf(head);
  pte.young = true;
  pte.write = v.write;
  if (write) {
    MakeDirty(pte);
    w.Folio(head).dirty = true;
  }
}

// do_fault_around() -> filemap_map_pages() (mm/memory.c, mm/filemap.c, 6.12):
// a read fault on a shmem VMA first maps every folio already in the page
// cache, and not locked, under an empty PTE of the fault_around_pages-aligned
// window around `va`, clamped to the VMA. The model's page 0 stands for a
// window-aligned address.
void do_fault_around(World& w, int mm, int va, const Vma& v) {
  const Shmem& obj = w.ShmemAt(v.shmem);
  const int from = std::max<int>(va - va % kFaultAroundPages, v.start);
  const int to = std::min<int>(from - from % kFaultAroundPages + kFaultAroundPages, v.end);
  for (int p = from; p < to; ++p) {
    if (p == va || PteAt(w, mm, p).kind != PteKind::kNone) continue;
    if (w.PmdOf(mm, p).kind != PmdKind::kTable) continue;
    const int head = obj.FolioAt(v.pgoff + (p - v.start));
    if (head < 0 || w.lock_thread_folio == head) continue;
    MapShmemFolio(w, mm, p, v, head, false);
  }
}

// shmem_fault() + finish_fault(): the page cache folio of the shmem object.
VmFault do_shared_fault(World& w, int mm, int va, const Vma& v, bool write) {
  if (!write) do_fault_around(w, mm, va, v);  // do_read_fault()
  Shmem& obj = w.ShmemAt(v.shmem);
  int idx = v.pgoff + (va - v.start);
  int head = obj.FolioAt(idx);
  if (head < 0) {
    head = folio_alloc(w, 0);
    if (head < 0) return VmFault::kOom;
    Page& f = w.Folio(head);
    f.shmem = v.shmem;
    f.index = static_cast<uint8_t>(idx);
    f.swapbacked = true;
    f.data = obj.LogicalAt(idx);
    obj.FolioAt(idx) = static_cast<int16_t>(head);  // the page cache ref
  }
  MapShmemFolio(w, mm, va, v, head, write);
  return VmFault::kOk;
}

// Whether an anonymous folio may be reused for a write (do_wp_page,
// wp_can_reuse_anon_folio in v6.15): small folios with no other reference;
// large folios whose every reference is a mapping of this mm.
bool wp_can_reuse_anon_folio(const World& w, int head, int mm) {
  const Page& f = w.Folio(head);
  if (w.lock_thread_folio == head) return false;  // folio_trylock() fails
  if (f.order == 0) return f.refcount == 1;
  if (f.refcount != w.FolioMapcount(head)) return false;
  for (int m = 0; m < static_cast<int>(w.mms.size()); ++m) {
    if (m == mm || !w.MmAt(m).exists) continue;
    for (int va = 0; va < w.universe.pages; ++va) {
      int fr = w.MappedFrame(m, va);
      if (fr >= 0 && w.PageAt(fr).head == head) return false;
    }
  }
  return true;
}

// wp_page_copy(): a private copy of the page (or of the zero page).
VmFault wp_page_copy(World& w, StepResult& r, int mm, int va, const Vma& v) {
  anon_vma_prepare(w, mm, va);  // vmf_anon_prepare()
  Pte& pte = PteAt(w, mm, va);
  int new_head = folio_alloc(w, 0);
  if (new_head < 0) return VmFault::kOom;
  mmu_notifier_invalidate(w, mm, va, va + 1, NotifyEvent::kClear, -1);
  Pte old = pte;
  int old_frame = old.special ? -1 : w.FrameOf(old.pfn);
  int old_head = old_frame < 0 ? -1 : w.PageAt(old_frame).head;
  if (!old.special && old_head < 0) {
    folio_put(w, r, new_head);
    return BadPte(r, mm, va, old);
  }
  if (!old.special) w.Folio(new_head).data = w.PageAt(old_frame).data;
  folio_add_new_anon_rmap_pte(w, new_head);
  pte = Pte{};
  pte.kind = PteKind::kPresent;
  pte.pfn = w.PfnOf(new_head);
  pte.write = v.write;
  pte.young = true;
  MakeDirty(pte);
  Mm& m = w.MmAt(mm);
  if (old.special) {
    m.rss[kMmAnonPages]++;
  } else {
    m.rss[RssCounterOf(w, old_head)]--;
    m.rss[kMmAnonPages]++;
    folio_remove_rmap_pte(w, r, old_head, old_frame);
    folio_put(w, r, old_head);
  }
  return VmFault::kOk;
}

// do_wp_page(): a write to a present, write-protected PTE.
VmFault do_wp_page(World& w, StepResult& r, int mm, int va, const Vma& v) {
  Pte& pte = PteAt(w, mm, va);
  if (pte.special) return wp_page_copy(w, r, mm, va, v);
  int frame = w.FrameOf(pte.pfn);
  int head = frame < 0 ? -1 : w.PageAt(frame).head;
  if (head < 0) return BadPte(r, mm, va, pte);
  if (v.shared) {
    // wp_page_shared(): make it writable and dirty the folio.
    pte.write = true;
    pte.young = true;
    MakeDirty(pte);
    w.Folio(head).dirty = true;
    return VmFault::kOk;
  }
  Page& page = w.PageAt(frame);
  if (w.Folio(head).anon && (page.anon_exclusive || wp_can_reuse_anon_folio(w, head, mm))) {
    // wp_page_reuse(): folio_move_anon_rmap + SetPageAnonExclusive.
    page.anon_exclusive = true;
    pte.write = true;
    pte.young = true;
    MakeDirty(pte);
    w.Folio(head).dirty = true;
    return VmFault::kOk;
  }
  return wp_page_copy(w, r, mm, va, v);
}

// do_huge_pmd_wp_page(): reuse an exclusive THP, else split and COW by PTE.
VmFault do_huge_pmd_wp_page(World& w, StepResult& r, int mm, int va) {
  Pmd& pmd = PmdAt(w, mm, va);
  int head = w.FolioOf(pmd.pfn);
  if (head < 0) return VmFault::kSigbus;  // a dangling PMD (reported by no-dangling-entry)
  Page& f = w.Folio(head);
  if (f.anon_exclusive || (f.refcount == 1 && w.lock_thread_folio != head)) {
    f.anon_exclusive = true;
    pmd.write = true;
    pmd.dirty = pmd.young = true;
    f.dirty = true;
    return VmFault::kOk;
  }
  split_huge_pmd(w, r, mm, va);  // __split_huge_pmd, VM_FAULT_FALLBACK
  return VmFault::kOk;
}

// do_swap_page() for a genuine swap entry. The model has no swapcache: the
// slot is read into a fresh folio (bench/devexcl-core.md §9 item 3).
VmFault do_swap_page_swap(World& w, int mm, int va, const Vma& v, bool write) {
  Pte& pte = PteAt(w, mm, va);
  int slot = static_cast<int>(pte.pfn);
  int head = folio_alloc(w, 0);
  if (head < 0) return VmFault::kOom;
  SwapSlot& s = w.SlotAt(slot);
  bool exclusive = pte.swp_exclusive || s.count == 1;
  Page& f = w.Folio(head);
  f.data = s.data;
  f.anon = true;
  f.swapbacked = true;
  f.mapcount = 0;
  f.anon_exclusive = exclusive;
  s.count--;
  Mm& m = w.MmAt(mm);
  m.rss[kMmSwapEnts]--;
  m.rss[kMmAnonPages]++;
  Pte old = pte;
  pte = Pte{};
  pte.kind = PteKind::kPresent;
  pte.pfn = w.PfnOf(head);
  pte.young = true;
  pte.soft_dirty = old.soft_dirty;
  pte.uffd_wp = old.uffd_wp;
  if (write && exclusive && v.write) {
    pte.write = true;
    MakeDirty(pte);
    f.dirty = true;
  }
  return VmFault::kOk;
}

// hugetlb_fault(): private anonymous hugetlb pages, mapped at PMD level.
VmFault hugetlb_fault(World& w, StepResult& r, int mm, int va, const Vma& v, bool write) {
  Pmd& pmd = PmdAt(w, mm, va);
  if (pmd.kind != PmdKind::kHuge) {
    anon_vma_prepare(w, mm, va);  // hugetlb_no_page(), a private mapping
    int head = folio_alloc(w, w.universe.pmd_order);
    if (head < 0) return VmFault::kOom;
    Page& f = w.Folio(head);
    f.hugetlb = true;
    f.lru = false;                         // hugetlb folios are never on an LRU
    folio_add_new_anon_rmap_pmd(w, head);  // hugetlb_add_new_anon_rmap
    pmd = Pmd{PmdKind::kHuge, w.PfnOf(head), write && v.write, write, true};
    if (write) f.dirty = true;
    return VmFault::kOk;
  }
  if (!write || pmd.write) {
    pmd.young = true;
    return VmFault::kOk;
  }
  // hugetlb_wp(): reuse if exclusive (or the only mapping), else copy.
  int head = w.FolioOf(pmd.pfn);
  if (head < 0) return VmFault::kSigbus;
  Page& f = w.Folio(head);
  if (f.anon_exclusive || (w.FolioMapcount(head) == 1 && f.refcount == 1)) {
    f.anon_exclusive = true;
    pmd.write = pmd.dirty = pmd.young = true;
    f.dirty = true;
    return VmFault::kOk;
  }
  int copy = folio_alloc(w, w.universe.pmd_order);
  if (copy < 0) return VmFault::kOom;
  mmu_notifier_invalidate(w, mm, va & ~(w.universe.PmdPages() - 1),
                          (va | (w.universe.PmdPages() - 1)) + 1, NotifyEvent::kClear, -1);
  for (int i = 0; i < w.NrPages(head); ++i) w.PageAt(copy + i).data = w.PageAt(head + i).data;
  w.Folio(copy).hugetlb = true;
  w.Folio(copy).lru = false;
  folio_add_new_anon_rmap_pmd(w, copy);
  w.Folio(copy).dirty = true;
  folio_remove_rmap_pmd(w, head);
  folio_put(w, r, head);
  pmd = Pmd{PmdKind::kHuge, w.PfnOf(copy), true, true, true};
  return VmFault::kOk;
}

}  // namespace

bool AccessHits(const World& w, int mm, int va, bool write) {
  const Vma* v = w.FindVma(mm, va);
  if (!v || !v->read) return false;
  if (write && !v->write) return false;
  const Pmd& pmd = w.PmdOf(mm, va);
  if (pmd.kind == PmdKind::kHuge) return !write || pmd.write;
  if (pmd.kind == PmdKind::kDevicePrivate) return false;  // non-present: faults
  if (v->hugetlb) return false;
  const Pte& pte = w.MmAt(mm).PteAt(va);
  return pte.kind == PteKind::kPresent && (!write || pte.write);
}

VmFault handle_mm_fault(World& w, StepResult& r, int mm, int va, bool write) {
  const Vma* vp = w.FindVma(mm, va);
  if (!vp) return VmFault::kSigsegv;  // no VMA: bad_area
  const Vma v = *vp;
  if (!v.read || (write && !v.write)) return VmFault::kSigsegv;  // access_error()
  if (v.hugetlb) return hugetlb_fault(w, r, mm, va, v, write);
  Pmd& pmd = PmdAt(w, mm, va);
  // __handle_mm_fault(): a non-present PMD that is a device-private entry
  // goes to do_huge_pmd_device_private() (balbir v6; linux-mm 7.x).
  if (pmd.kind == PmdKind::kDevicePrivate) return do_huge_pmd_device_private(w, r, mm, va);
  if (pmd.kind == PmdKind::kHuge) {
    if (write && !pmd.write) return do_huge_pmd_wp_page(w, r, mm, va);
    pmd.young = true;
    if (write) pmd.dirty = true;
    return VmFault::kOk;
  }
  Pte& pte = PteAt(w, mm, va);
  switch (pte.kind) {
    case PteKind::kNone:
      if (v.shared) return do_shared_fault(w, mm, va, v, write);
      return do_anonymous_page(w, mm, va, v, write);
    case PteKind::kPresent:
      if (write && !pte.write) return do_wp_page(w, r, mm, va, v);
      pte.young = true;
      return VmFault::kOk;
    case PteKind::kSwap:
      return do_swap_page_swap(w, mm, va, v, write);
    case PteKind::kMigrationRead:
    case PteKind::kMigrationReadExclusive:
    case PteKind::kMigrationWrite:
    case PteKind::kMigrationDeviceRead:
    case PteKind::kMigrationDeviceReadExclusive:
    case PteKind::kMigrationDeviceWrite: {
      // migration_entry_wait(): sleeps until the migrating thread unlocks the
      // folio. Only a device eviction (dev_evict_begin) stays in flight
      // between operations; any other migration entry here is left over and
      // the task waits forever.
      r.Event(EventKind::kInfo, fmt::format("migration_entry_wait on a stale {} entry at mm{}:{}",
                                            PteKindName(pte.kind), mm, va));
      return VmFault::kBlocked;
    }
    case PteKind::kDeviceExclusive:
    case PteKind::kDeviceExclusiveRead:
    case PteKind::kDeviceExclusiveWrite:
      return remove_device_exclusive_entry(w, r, mm, va);
    case PteKind::kDevicePrivateRead:
    case PteKind::kDevicePrivateWrite:
      // do_swap_page(): pgmap->ops->migrate_to_ram() (mm/memory.c v6.15).
      return do_swap_page_device_private(w, r, mm, va);
    case PteKind::kHwpoison:
      return VmFault::kSigbus;  // VM_FAULT_HWPOISON
    case PteKind::kMarker:
      return VmFault::kSigsegv;  // a guard marker
  }
  return VmFault::kSigbus;
}

VmFault FaultIn(World& w, StepResult& r, int mm, int va, bool write) {
  for (int attempt = 0; attempt < 4; ++attempt) {
    if (AccessHits(w, mm, va, write)) return VmFault::kOk;
    VmFault f = handle_mm_fault(w, r, mm, va, write);
    if (f != VmFault::kOk) return f;
  }
  if (AccessHits(w, mm, va, write)) return VmFault::kOk;
  r.Event(EventKind::kWarn,
          fmt::format("fault at mm{}:{} did not resolve after 4 retries", mm, va));
  return VmFault::kSigbus;
}

// ---------------------------------------------------------------------------
// Device-exclusive restore.

bool can_change_pte_writable(const World& w, int mm, int va, const Pte& pte) {
  const Vma* v = w.FindVma(mm, va);
  if (!v || !v->write || !v->read) return false;  // pte_protnone / no VM_WRITE
  if (v->shared) return pte.dirty;
  int frame = w.FrameOf(pte.pfn);
  if (frame < 0) return false;
  int head = w.PageAt(frame).head;
  return head >= 0 && w.Folio(head).anon && w.PageAt(frame).anon_exclusive;
}

void restore_exclusive_pte(World& w, StepResult& r, int mm, int va) {
  Pte& pte = PteAt(w, mm, va);
  Pte old = pte;
  int frame = w.FrameOf(old.pfn);
  int head = frame < 0 ? -1 : w.PageAt(frame).head;
  const Vma* v = w.FindVma(mm, va);
  Pte fresh{};
  fresh.kind = PteKind::kPresent;
  fresh.pfn = old.pfn;
  fresh.young = false;  // pte_mkold
  fresh.soft_dirty = old.soft_dirty;
  fresh.uffd_wp = old.uffd_wp;
  if (w.knobs.restore_exclusive_writable == RestoreExclusiveWritable::kMaybeMkwriteDirty) {
    // OLD: an EXCL_WRITE entry without uffd-wp maps maybe_mkwrite(pte_mkdirty()).
    bool write_entry = old.kind != PteKind::kDeviceExclusiveRead;
    if (!old.uffd_wp && write_entry) {
      MakeDirty(fresh);
      fresh.write = v && v->write;
    }
  } else {
    // hildenbrand-v2 05/17: dirty only if the folio is; writable iff VM_WRITE
    // and can_change_pte_writable().
    if (head >= 0 && w.Folio(head).dirty) MakeDirty(fresh);
    fresh.write = v && v->write && can_change_pte_writable(w, mm, va, fresh);
  }
  pte = fresh;
  if (head < 0) return;
  if (w.knobs.device_exclusive_mapcount == DeviceExclusiveMapcount::kDropped) {
    if (w.Folio(head).anon)
      folio_add_anon_rmap_pte(w, head, frame, false);  // RMAP_NONE
    else
      r.Event(EventKind::kWarn, "restore_exclusive_pte: non-anon folio (WARN_ON_ONCE)");
  }
}

VmFault remove_device_exclusive_entry(World& w, StepResult& r, int mm, int va) {
  Pte& pte = PteAt(w, mm, va);
  int head = w.FolioOf(pte.pfn);
  if (head < 0) return VmFault::kOk;  // folio_try_get() failed: the entry is gone
  if (w.lock_thread_folio == head) return VmFault::kBlocked;  // folio_lock_or_retry
  folio_get(w, head);
  NotifyEvent ev = w.knobs.restore_notifier_event == RestoreNotifierEvent::kClear
                       ? NotifyEvent::kClear
                       : NotifyEvent::kExclusive;
  mmu_notifier_invalidate(w, mm, va, va + 1, ev, -1);
  restore_exclusive_pte(w, r, mm, va);
  folio_put(w, r, head);
  return VmFault::kOk;
}

// ---------------------------------------------------------------------------
// Zap (unmap_page_range / zap_pte_range / zap_huge_pmd).

void zap_page_range(World& w, StepResult& r, int mm, int start, int end, NotifyEvent ev) {
  mmu_notifier_invalidate(w, mm, start, end, ev, -1);
  Mm& m = w.MmAt(mm);
  const int pmd_pages = w.universe.PmdPages();
  for (int va = start; va < end; ++va) {
    Pmd& pmd = m.PmdAt(w.PmdIndex(va));
    if (pmd.kind == PmdKind::kDevicePrivate) {
      // zap_huge_pmd() on a device-private PMD (balbir v6; linux-mm 7.x):
      // folio_remove_rmap_pmd, rss -= HPAGE_PMD_NR, folio_put. A partial
      // unmap splits it into device-private PTEs first.
      int block = va & ~(pmd_pages - 1);
      if (block >= start && block + pmd_pages <= end) {
        int head = w.DevicePrivatePmdFolio(pmd);
        pmd = Pmd{};
        if (head >= 0) {
          folio_remove_rmap_pmd(w, head);
          m.rss[RssCounterOf(w, head)] -= static_cast<int16_t>(w.NrPages(head));
          folio_put(w, r, head);
        }
        va = block + pmd_pages - 1;
        continue;
      }
      split_huge_pmd(w, r, mm, va);
    }
    if (pmd.kind == PmdKind::kHuge) {
      int block = va & ~(pmd_pages - 1);
      if (block >= start && block + pmd_pages <= end) {
        int head = w.FolioOf(pmd.pfn);
        if (head < 0) {
          pmd = Pmd{};
          va = block + pmd_pages - 1;
          continue;
        }
        folio_remove_rmap_pmd(w, head);
        if (!w.Folio(head).hugetlb)
          m.rss[RssCounterOf(w, head)] -= static_cast<int16_t>(w.NrPages(head));
        pmd = Pmd{};
        folio_put(w, r, head);
        va = block + pmd_pages - 1;
        continue;
      }
      split_huge_pmd(w, r, mm, va);              // a partial unmap splits the PMD first
      if (pmd.kind == PmdKind::kHuge) continue;  // split refused (BUG already reported)
    }
    Pte& pte = m.PteAt(va);
    Pte old = pte;
    pte = Pte{};
    switch (old.kind) {
      case PteKind::kNone:
        break;
      case PteKind::kPresent: {
        if (old.special) break;
        int frame = w.FrameOf(old.pfn);
        int head = frame < 0 ? -1 : w.PageAt(frame).head;
        if (head < 0) {
          r.Event(EventKind::kCorruption,
                  fmt::format("zap_pte_range: present PTE at mm{}:{} maps pfn 0x{:x}, which is "
                              "no allocated folio",
                              mm, va, old.pfn));
          break;
        }
        if (old.dirty && !w.Folio(head).anon) w.Folio(head).dirty = true;
        m.rss[RssCounterOf(w, head)]--;
        folio_remove_rmap_pte(w, r, head, frame);
        folio_put(w, r, head);
        break;
      }
      case PteKind::kDevicePrivateRead:
      case PteKind::kDevicePrivateWrite:
      case PteKind::kDeviceExclusive:
      case PteKind::kDeviceExclusiveRead:
      case PteKind::kDeviceExclusiveWrite: {
        // softleaf_to_folio(): device-private entries resolve by their kind.
        int frame = w.EntryFrame(old);
        int head = frame < 0 ? -1 : w.PageAt(frame).head;
        if (head < 0) break;
        if (!w.Folio(head).anon) r.Event(EventKind::kWarn, "zap_nonpresent_ptes: non-anon folio");
        m.rss[RssCounterOf(w, head)]--;
        // OLD: folio_remove_rmap_pte only for device-private entries.
        if (IsDevicePrivate(old.kind) ||
            w.knobs.device_exclusive_mapcount == DeviceExclusiveMapcount::kKept)
          folio_remove_rmap_pte(w, r, head, frame);
        folio_put(w, r, head);
        break;
      }
      case PteKind::kSwap:
        w.swap[old.pfn].count--;  // free_swap_and_cache
        m.rss[kMmSwapEnts]--;
        break;
      case PteKind::kMigrationRead:
      case PteKind::kMigrationReadExclusive:
      case PteKind::kMigrationWrite:
      case PteKind::kMigrationDeviceRead:
      case PteKind::kMigrationDeviceReadExclusive:
      case PteKind::kMigrationDeviceWrite: {
        int frame = w.EntryFrame(old);
        int head = frame < 0 ? -1 : w.PageAt(frame).head;
        m.rss[head >= 0 ? RssCounterOf(w, head) : kMmAnonPages]--;
        break;
      }
      case PteKind::kHwpoison:
      case PteKind::kMarker:
        break;
    }
  }
}

// ---------------------------------------------------------------------------
// fork: copy_page_range (copy_present_pte, copy_nonpresent_pte, copy_huge_pmd).

int copy_page_range(World& w, StepResult& r, int dst_mm, int src_mm, const Vma& v) {
  // vma_needs_copy() (mm/memory.c, 6.12): only a VMA with an anon_vma has its
  // page tables copied. A shmem VMA never has one; a private VMA has none until
  // an anonymous folio was mapped in it (a read fault maps the zero page and
  // prepares none). The child faults everything else afresh.
  if (!v.anon_vma) return 0;
  const bool is_cow = true;  // private mappings always have VM_MAYWRITE
  mmu_notifier_invalidate(w, src_mm, v.start, v.end, NotifyEvent::kProtectionPage, -1);
  Mm& src = w.MmAt(src_mm);
  Mm& dst = w.MmAt(dst_mm);
  const int pmd_pages = w.universe.PmdPages();
  for (int va = v.start; va < v.end; ++va) {
    Pmd& spmd = src.PmdAt(w.PmdIndex(va));
    if (spmd.kind == PmdKind::kDevicePrivate) {
      if ((va & (pmd_pages - 1)) != 0) continue;
      // copy_huge_pmd() on a device-private PMD (balbir v6; linux-mm 7.x):
      // folio_get, folio_try_dup_anon_rmap_pmd (clears AnonExclusive), rss
      // += HPAGE_PMD_NR; a writable entry becomes readable in the parent
      // and the child gets the readable one.
      int head = w.DevicePrivatePmdFolio(spmd);
      if (head < 0) continue;
      folio_get(w, head);
      folio_try_dup_anon_rmap_pmd(w, head);
      if (is_cow) spmd.write = false;
      dst.PmdAt(w.PmdIndex(va)) = spmd;
      dst.rss[RssCounterOf(w, head)] += static_cast<int16_t>(w.NrPages(head));
      continue;
    }
    if (spmd.kind == PmdKind::kHuge) {
      if ((va & (pmd_pages - 1)) != 0) continue;
      int head = w.FolioOf(spmd.pfn);
      if (head < 0) continue;
      // copy_huge_pmd / copy_hugetlb_page_range: COW-share, both read-only.
      folio_try_dup_anon_rmap_pmd(w, head);
      folio_get(w, head);
      spmd.write = false;
      Pmd child = spmd;
      child.young = false;
      dst.PmdAt(w.PmdIndex(va)) = child;
      if (!w.Folio(head).hugetlb)
        dst.rss[RssCounterOf(w, head)] += static_cast<int16_t>(w.NrPages(head));
      continue;
    }
    Pte& spte = src.PteAt(va);
    Pte& dpte = dst.PteAt(va);
    if (IsDeviceExclusive(spte.kind)) {
      // copy_nonpresent_pte -> try_restore_exclusive_pte(): trylock; -EBUSY
      // propagates out of copy_pte_range and fork fails (bug 12).
      int head = w.FolioOf(spte.pfn);
      if (head >= 0 && w.lock_thread_folio == head) return kEBUSY;
      restore_exclusive_pte(w, r, src_mm, va);  // -ENOENT: re-read as present
    }
    switch (spte.kind) {
      case PteKind::kNone:
        break;
      case PteKind::kPresent: {
        if (spte.special) {
          dpte = spte;
          break;
        }
        int frame = w.FrameOf(spte.pfn);
        int head = frame < 0 ? -1 : w.PageAt(frame).head;
        if (head < 0) {
          r.Event(EventKind::kCorruption,
                  fmt::format("copy_present_pte: PTE at mm{}:{} maps pfn 0x{:x}, no folio", src_mm,
                              va, spte.pfn));
          break;
        }
        if (w.Folio(head).anon)
          folio_try_dup_anon_rmap_pte(w, head, frame);
        else
          folio_add_file_rmap_pte(w, head, frame);
        folio_get(w, head);
        if (is_cow) spte.write = false;  // ptep_set_wrprotect on both sides
        dpte = spte;
        dpte.young = false;
        dst.rss[RssCounterOf(w, head)]++;
        break;
      }
      case PteKind::kSwap:
        w.swap[spte.pfn].count++;  // swap_duplicate
        spte.swp_exclusive = false;
        dpte = spte;
        dst.rss[kMmSwapEnts]++;
        break;
      case PteKind::kMigrationRead:
      case PteKind::kMigrationReadExclusive:
      case PteKind::kMigrationWrite:
      case PteKind::kMigrationDeviceRead:
      case PteKind::kMigrationDeviceReadExclusive:
      case PteKind::kMigrationDeviceWrite: {
        int frame = w.EntryFrame(spte);
        int head = frame < 0 ? -1 : w.PageAt(frame).head;
        dst.rss[head >= 0 ? RssCounterOf(w, head) : kMmAnonPages]++;
        if (!IsMigrationRead(spte.kind) && is_cow) {
          // "COW mappings require pages in both parent and child to be set
          // to read": make_readable_migration_entry(); niethe keeps the
          // device type (make_readable_migration_device_private_entry)
          // unless device_migration_downgrade=type-losing (bug 17).
          spte.kind = IsDeviceMigration(spte.kind) && w.knobs.device_migration_downgrade ==
                                                          DeviceMigrationDowngrade::kTypePreserving
                          ? PteKind::kMigrationDeviceRead
                          : PteKind::kMigrationRead;
        }
        dpte = spte;
        break;
      }
      case PteKind::kDevicePrivateRead:
      case PteKind::kDevicePrivateWrite: {
        // copy_nonpresent_pte() (mm/memory.c v6.15, linux-mm 7.x @ 009857a22860):
        // folio_get, rss +1, folio_try_dup_anon_rmap_pte (cannot fail for
        // device-private: mc +1, clears AnonExclusive); a WRITE entry in a
        // COW mapping becomes READ in the parent (uffd-wp kept, soft-dirty
        // dropped) and the child gets the same READ entry.
        int frame = w.EntryFrame(spte);
        int head = frame < 0 ? -1 : w.PageAt(frame).head;
        if (head < 0) {
          r.Event(EventKind::kCorruption,
                  fmt::format("copy_nonpresent_pte: {} entry at mm{}:{} names {:#x}, no device "
                              "page",
                              PteKindName(spte.kind), src_mm, va, spte.pfn));
          break;
        }
        folio_get(w, head);
        dst.rss[RssCounterOf(w, head)]++;
        folio_try_dup_anon_rmap_pte(w, head, frame);
        if (spte.kind == PteKind::kDevicePrivateWrite && is_cow) {
          spte.kind = PteKind::kDevicePrivateRead;
          spte.soft_dirty = false;
        }
        dpte = spte;
        break;
      }
      default:
        r.Event(EventKind::kInfo, fmt::format("copy_nonpresent_pte: {} entry not copied (not "
                                              "modelled)",
                                              PteKindName(spte.kind)));
        break;
    }
    dpte.uffd_wp = false;  // the child VMA is not uffd-wp registered
  }
  return 0;
}

}  // namespace mmcheck::model::kernel
