// SPDX-License-Identifier: GPL-2.0
// Device-private migration: migrate_vma_setup/_pages/_finalize as
// lib/test_hmm.c drives them (HMM_DMIRROR_MIGRATE_TO_DEV / _TO_SYS), the CPU
// fault on a device-private entry (do_swap_page -> pgmap->ops->migrate_to_ram
// = dmirror_devmem_fault), and device eviction (HMM_DMIRROR_RELEASE:
// migrate_device_range, then memunmap_pages).
//
// Models mm/migrate_device.c (v6.15; linux-mm 7.x @ 08ea4eaefa56),
// mm/memory.c do_swap_page (linux-mm 7.x @ 009857a22860), mm/rmap.c
// try_to_migrate_one for device-private folios and mm/migrate.c
// remove_migration_pte (writes device-private entries for a device-private
// destination), and lib/test_hmm.c (@ 05ab51217205): dmirror_migrate_to_device,
// dmirror_migrate_to_system, dmirror_devmem_fault, dmirror_device_evict_chunk.
//
// Diverges (README LIMITATIONS):
//   * one operation runs setup, pages and finalize atomically, so the
//     migration entries in between (and the SWP_MIGRATION_DEVICE_* kinds of
//     niethe) never outlive it: each mapping is rewritten straight from its
//     old entry to the entry remove_migration_pte() would write;
//   * large device folios (knob device_private_thp=pmd, balbir v6 and
//     later): lib/test_hmm.c asks for MIGRATE_VMA_SELECT_COMPOUND, and a
//     PMD-aligned, PMD-sized range holding a PMD-mapped anon THP mapped only
//     by PMDs, or a hole (no PTE of the block set), moves to one compound
//     device folio under device-private PMDs; back to system (or on a CPU
//     fault) a device-private PMD becomes a PMD-mapped RAM THP. Everything
//     else (PTE-mapped THPs, partial ranges, no free compound folio) is
//     split to order 0 first, as the driver's fallback does. PMD migration
//     entries are not modelled (the PMD is rewritten directly);
//   * every mapping of the source is found with the profile's
//     page_vma_mapped_walk (try_to_migrate's walk), including the one the
//     collect step finds by walking page tables: the pvmw encoding knobs
//     decide whether migration finds the mappings;
//   * FLAG_FAIL_ALLOC and the device chunk growth of test_hmm.c are not
//     modelled: each device has one fixed pgmap;
//   * MEMORY_DEVICE_COHERENT devices (universe coherent=N) move order-0
//     pages only: the kernel's migrate_vma_insert_huge_pmd_page() would map
//     a coherent THP with a huge PMD, which the model does not do; a coherent
//     device's migrations always take the page-by-page path.
//
// Device-coherent memory (lib/test_hmm.c @ 05ab51217205 with spm_addr_dev0/1,
// mm/migrate_device.c 7.x): MIGRATE_TO_DEV selects only system pages
// (SELECT_SYSTEM), so a page already on a coherent device stays; the
// destination is mapped by a present PTE (migrate_vma_insert_page /
// remove_migration_pte: not device-private) and the mirror stores the
// device page itself (BACKING_PAGE() is the page for coherent memory).
// MIGRATE_TO_SYS and the driver's fault path select with
// MIGRATE_VMA_SELECT_DEVICE_COHERENT (dmirror_select_device): present PTEs of
// this owner's coherent pages.
#include <fmt/format.h>

#include "model/ops/kernel.h"

namespace mmcheck::model::kernel {

bool folio_is_device_private(const World& w, int head) {
  return w.IsDeviceFrame(head) && w.PgmapAt(w.PgmapOf(head)).type == PgmapType::kPrivate;
}

bool folio_is_device_coherent(const World& w, int head) {
  return w.IsDeviceFrame(head) && w.PgmapAt(w.PgmapOf(head)).type == PgmapType::kCoherent;
}

namespace {

MirrorEntry& MirrorAt(World& w, int dev, int mm, int va) {
  return w.DeviceAt(dev).MirrorAt(mm * w.universe.pages + va);
}

struct Hit {
  int mm, va;
};

// The xarray entry dmirror_migrate_finalize_and_map() stores for device
// page `frame`: migrate_pfn_to_page(*dst), then BACKING_PAGE() (lib/test_hmm.c
// @ 05ab51217205). A device-coherent page is its own backing page, named by
// its PFN. A device-private page is named by its number (HMM/mpfn flag
// device-private), unless knob dmirror_device_lookup=page-to-pfn: a driver
// Niethe's series did not convert still builds the dst mpfn with
// migrate_pfn(page_to_pfn(dpage)) instead of migrate_pfn_from_page(dpage)
// (niethe v2 "mm/migrate_device: Introduce migrate_pfn_from_page() helper",
// docs/kernel-rules.md#bug-16). Once device-private pages have left the PFN
// space that number is no PFN (the model takes it equal to the offset),
// there is no MIGRATE_PFN_DEVICE_PRIVATE, and migrate_pfn_to_page() is
// pfn_to_page() of it: the mirror names the RAM page with that number.
// Diverges: the core's migrate_vma_pages() reads the same dst mpfn; the
// model keeps the core's destination right and corrupts only the mirror.
MirrorEntry dmirror_mirror_entry(const World& w, bool writable, int frame) {
  const uint8_t perm = writable ? kMirrorWrite : kMirrorRead;
  if (!w.IsDevicePrivateFrame(frame)) return MirrorEntry{perm, w.PfnOf(frame), false};
  const bool unconverted =
      w.DeviceOffsets() && w.knobs.dmirror_device_lookup == DmirrorDeviceLookup::kPageToPfn;
  return MirrorEntry{perm, w.DevicePrivateNumber(frame), !unconverted};
}

// dmirror_devmem_alloc_page(): the lowest free page of the device's pgmap,
// initialised by zone_device_page_init(). -1 when the device is full.
int dmirror_devmem_alloc_page(World& w, int dev) {
  const DevPagemap& pg = w.PgmapAt(dev);
  for (int f = pg.first_frame; f < pg.first_frame + pg.nr_pages; ++f)
    if (w.PageAt(f).head < 0) {
      zone_device_page_init(w, f);
      return f;
    }
  return -1;
}

// Moves every mapping of order-0 folio `src` to the fresh order-0 folio
// `dst`: try_to_migrate_one() (migration entry WRITE if writable,
// READ_EXCLUSIVE if AnonExclusive, else READ; mc -1, ref -1), then
// remove_migration_pte() (present PTE, or for a device-private `dst` a
// device-private entry, WRITE iff the migration entry was; RMAP_EXCLUSIVE
// unless READ; mc +1, ref +1). Mappings of (collect_mm, [start, end)) are
// invalidated with MMU_NOTIFY_MIGRATE and `owner` (the collect range), all
// others with MMU_NOTIFY_CLEAR (try_to_migrate_one).
//
// Returns false and changes nothing but `r` when the walk does not account
// for every mapping (migrate_device_unmap: "still mapped", restored) or the
// folio has references beyond its mappings and the caller's `extra`
// (migrate_vma_check_page / folio_migrate_mapping: -EAGAIN).
bool MoveMappings(World& w, StepResult& r, int src, int dst, int owner, int collect_mm, int start,
                  int end, int extra) {
  std::vector<Hit> hits;
  bool confused = false;
  ForEachVma(w, [&](int mm, const Vma& v) {
    PageVmaMappedWalk pvmw = StartFolioWalk(w, src, 0, mm, v);
    while (page_vma_mapped_walk(w, pvmw)) {
      if (DevicePrivatePmdHit(w, r, pvmw, src, "try_to_migrate_one")) {
        confused = true;
        continue;
      }
      int frame = w.MappedFrame(mm, pvmw.address);
      if (pvmw.pmd || frame < 0 || w.PageAt(frame).head != src) {
        // check_pte() matched an entry of another page: with device-private
        // offsets numerically equal to PFNs and no kind test, a walk for
        // one names the other (docs/kernel-rules.md#invariant-6).
        r.Event(EventKind::kCorruption,
                fmt::format("pfn/offset confusion: page_vma_mapped_walk for {} folio {:#x} hit "
                            "the {} entry at mm{}:{}, which maps another page",
                            folio_is_device_private(w, src) ? "device-private" : "RAM", pvmw.pfn,
                            PteKindName(w.MmAt(mm).PteAt(pvmw.address).kind), mm, pvmw.address));
        confused = true;
        continue;
      }
      hits.push_back({mm, pvmw.address});
    }
  });
  if (confused) return false;
  if (static_cast<int>(hits.size()) != w.FolioMapcount(src)) {
    r.Event(EventKind::kInfo,
            fmt::format("migrate_device_unmap: folio {:#x} still mapped after try_to_migrate "
                        "({} of {} mappings found): not migrated",
                        folio_is_device_private(w, src) ? w.DevicePrivateNumber(src) : w.PfnOf(src),
                        hits.size(), w.FolioMapcount(src)));
    return false;
  }
  if (w.Folio(src).refcount != static_cast<int>(hits.size()) + extra) return false;

  // remove_migration_pte(): a device-private entry only for a device-private
  // destination; RAM and device-coherent destinations get a present PTE.
  const bool to_device = folio_is_device_private(w, dst);
  Page& d = w.Folio(dst);
  d.anon = true;
  d.swapbacked = true;
  d.dirty = w.Folio(src).dirty;
  d.data = w.Folio(src).data;
  for (const Hit& h : hits) {
    Pte& pte = PteAt(w, h.mm, h.va);
    const Pte old = pte;
    const bool in_collect = h.mm == collect_mm && h.va >= start && h.va < end;
    mmu_notifier_invalidate(w, h.mm, h.va, h.va + 1,
                            in_collect ? NotifyEvent::kMigrate : NotifyEvent::kClear, owner);
    // try_to_migrate_one(): writable from a present PTE or a device-private
    // WRITE entry; folio_try_share_anon_rmap_pte() clears AnonExclusive.
    const bool writable =
        old.kind == PteKind::kPresent ? old.write : old.kind == PteKind::kDevicePrivateWrite;
    Page& sp = w.PageAt(src);
    const bool anon_exclusive = w.Folio(src).anon && sp.anon_exclusive;
    sp.anon_exclusive = false;
    if (old.kind == PteKind::kPresent && old.dirty) w.Folio(src).dirty = true;
    const PteKind migration = writable         ? PteKind::kMigrationWrite
                              : anon_exclusive ? PteKind::kMigrationReadExclusive
                                               : PteKind::kMigrationRead;
    folio_remove_rmap_pte(w, r, src, src);
    folio_put(w, r, src);
    // remove_migration_pte(): folio_get, then the new entry and rmap.
    folio_get(w, dst);
    Pte fresh{};
    fresh.soft_dirty = old.soft_dirty;
    fresh.uffd_wp = old.uffd_wp;
    if (to_device) {
      fresh.kind = writable ? PteKind::kDevicePrivateWrite : PteKind::kDevicePrivateRead;
      fresh.pfn = w.DevicePrivateNumber(dst);
    } else {
      fresh.kind = PteKind::kPresent;
      fresh.pfn = w.PfnOf(dst);
      fresh.write = writable;
      fresh.dirty = writable && d.dirty;
    }
    pte = fresh;
    folio_add_anon_rmap_pte(w, dst, dst, migration != PteKind::kMigrationRead);
  }
  return true;
}

// dmirror_devmem_alloc_page() for a THP (balbir v6 lib/test_hmm.c: the
// driver's free list of huge device pages): the lowest naturally aligned run
// of 1 << order free pages of the device's pgmap, initialised by
// zone_device_folio_init(folio, order). -1 when there is none.
int dmirror_devmem_alloc_folio(World& w, int dev, int order) {
  const DevPagemap& pg = w.PgmapAt(dev);
  const int n = 1 << order;
  for (int f = pg.first_frame; f + n <= pg.first_frame + pg.nr_pages; f += n) {
    bool free = true;
    for (int i = 0; i < n && free; ++i) free = w.PageAt(f + i).head < 0;
    if (!free) continue;
    zone_device_folio_init(w, f, order);
    return f;
  }
  return -1;
}

struct PmdHit {
  int mm, block;
};

// The PMD-level mappings of PMD-sized folio `head` (huge PMDs for a RAM
// folio, device-private PMDs for a device folio), or false when it is also
// mapped by PTEs (then only the split path can move it).
bool PmdMappingsOnly(const World& w, int head, std::vector<PmdHit>& hits) {
  hits.clear();
  const int pmd_pages = w.universe.PmdPages();
  for (int mm = 0; mm < static_cast<int>(w.mms.size()); ++mm) {
    if (!w.MmAt(mm).exists) continue;
    for (int block = 0; block < w.universe.pages; block += pmd_pages) {
      const Pmd& pmd = w.PmdOf(mm, block);
      const int h = pmd.kind == PmdKind::kHuge ? w.FolioOf(pmd.pfn) : w.DevicePrivatePmdFolio(pmd);
      if (h == head) hits.push_back({mm, block});
    }
  }
  const Page& f = w.Folio(head);
  const int n = static_cast<int>(hits.size());
  return f.order == w.universe.pmd_order && f.entire_mapcount + 1 == n &&
         w.FolioMapcount(head) == n;
}

// Moves PMD-sized folio `src`, mapped only by the PMDs `hits`, to the fresh
// folio `dst` of the same order: set_pmd_migration_entry() /
// try_to_migrate_one() on each PMD (folio_remove_rmap_pmd, folio_put), then
// remove_migration_pmd(): a device-private PMD entry for a device-private
// `dst` (balbir v6 "mm/rmap: extend rmap and migration support
// device-private entries"), a present huge PMD for a RAM `dst`; WRITE iff
// the old mapping was writable; folio_add_anon_rmap_pmd (RMAP_EXCLUSIVE when
// the source head was AnonExclusive), folio_get. Data moves per page.
// Returns false (nothing changed) when the source has references beyond its
// mappings and `extra` (migrate_vma_check_page).
bool MovePmdMappings(World& w, StepResult& r, int src, int dst, int owner, int collect_mm,
                     int start, int end, int extra, const std::vector<PmdHit>& hits) {
  if (w.Folio(src).refcount != static_cast<int>(hits.size()) + extra) return false;
  const int pmd_pages = w.universe.PmdPages();
  const bool to_device = folio_is_device_private(w, dst);
  const bool exclusive = w.Folio(src).anon_exclusive;
  Page& d = w.Folio(dst);
  d.anon = true;
  d.swapbacked = true;
  d.dirty = w.Folio(src).dirty;
  for (int i = 0; i < pmd_pages; ++i) w.PageAt(dst + i).data = w.PageAt(src + i).data;
  bool first = true;
  for (const PmdHit& h : hits) {
    Pmd& pmd = w.MmAt(h.mm).PmdAt(w.PmdIndex(h.block));
    const Pmd old = pmd;
    const bool in_collect = h.mm == collect_mm && h.block >= start && h.block < end;
    mmu_notifier_invalidate(w, h.mm, h.block, h.block + pmd_pages,
                            in_collect ? NotifyEvent::kMigrate : NotifyEvent::kClear, owner);
    if (old.kind == PmdKind::kHuge && old.dirty) w.Folio(src).dirty = true;
    folio_remove_rmap_pmd(w, src);
    folio_put(w, r, src);
    folio_get(w, dst);
    Pmd fresh{};
    if (to_device) {
      fresh.kind = PmdKind::kDevicePrivate;
      fresh.pfn = w.DevicePrivateNumber(dst);
      fresh.write = old.write;
    } else {
      fresh.kind = PmdKind::kHuge;
      fresh.pfn = w.PfnOf(dst);
      fresh.write = old.write;
      fresh.dirty = old.write && w.Folio(dst).dirty;
    }
    pmd = fresh;
    if (first) {
      folio_add_new_anon_rmap_pmd(w, dst);
      w.Folio(dst).anon_exclusive = exclusive;
    } else {
      folio_add_rmap_pmd(w, dst);
    }
    first = false;
  }
  w.Folio(src).anon_exclusive = false;
  return true;
}

// Splits every PMD mapping of large device folio `head`, then the folio
// (migrate_vma_split_folio / unmap_folio with TTU_SPLIT_HUGE_PMD).
void SplitDeviceFolio(World& w, StepResult& r, int head) {
  const int pmd_pages = w.universe.PmdPages();
  for (int mm = 0; mm < static_cast<int>(w.mms.size()); ++mm) {
    if (!w.MmAt(mm).exists) continue;
    for (int block = 0; block < w.universe.pages; block += pmd_pages)
      if (w.DevicePrivatePmdFolio(w.PmdOf(mm, block)) == head)
        split_device_private_pmd(w, r, mm, block);
  }
  split_device_private_folio(w, r, head);
}

// A device-private PMD at (mm, block) back to RAM as one PMD-mapped THP
// (dmirror_devmem_fault / dmirror_migrate_to_system with
// MIGRATE_VMA_SELECT_COMPOUND, migrate_vma_insert / remove_migration_pmd).
// Returns false, after splitting the device folio to order 0, when it cannot
// move as a whole (mapped by PTEs too, locked, no free RAM THP); the caller
// then goes page by page. `extra`: the caller's references.
bool MigrateDevicePmdToRam(World& w, StepResult& r, int dev, int mm, int block, int start, int end,
                           int extra) {
  const int head = w.DevicePrivatePmdFolio(w.PmdOf(mm, block));
  if (head < 0) return false;
  std::vector<PmdHit> hits;
  int dst = -1;
  if (PmdMappingsOnly(w, head, hits) && w.lock_thread_folio != head)
    dst = folio_alloc(w, w.Folio(head).order);
  if (dst >= 0) {
    folio_get(w, head);  // the collect reference
    if (MovePmdMappings(w, r, head, dst, dev, mm, start, end, extra + 1, hits)) {
      for (int i = 0; i < w.universe.PmdPages(); ++i)
        MirrorAt(w, dev, mm, block + i) = MirrorEntry{};  // xa_erase
      folio_put(w, r, head);  // migrate_vma_finalize: the source is freed
      folio_put(w, r, dst);
      return true;
    }
    folio_put(w, r, head);
    folio_put(w, r, dst);
  }
  SplitDeviceFolio(w, r, head);
  return false;
}

// dmirror_migrate_to_{device,system}() (lib/test_hmm.c, 6.12 and since the
// driver's first version) go through the range a VMA at a time (and 64 pages
// at a time, more than any universe has): each piece is checked (a VMA with
// VM_READ; migrate_vma_setup() refuses hugetlb) and migrated before the next
// is looked at, so a hole or an unreadable or hugetlb VMA fails the ioctl
// with -EINVAL after the pieces before it have moved. `piece(start, npages)`
// migrates one piece; its error ends the walk too.
template <typename Piece>
int ByVmaPiece(const World& w, int mm, int start, int npages, Piece piece) {
  const int end = start + npages;
  for (int va = start; va < end;) {
    const Vma* v = w.FindVma(mm, va);
    if (!v || !v->read || v->hugetlb) return kEINVAL;
    const int next = std::min(end, static_cast<int>(v->end));
    if (int err = piece(va, next - va)) return err;
    va = next;
  }
  return 0;
}

// MIGRATE_VMA_SELECT_COMPOUND over the PMD-aligned block at `block`, all of
// it in the range (migrate_vma_collect_pmd, balbir v6): a PMD-mapped anon THP
// mapped only by PMDs, or a hole (pmd_none: no PTE of the block set, in a
// private VMA covering the block), moves to one device folio of the PMD
// order mapped by a device-private PMD, and the mirror maps every page
// (dmirror_migrate_finalize_and_map). Returns false, changing nothing, when
// the block is neither or no compound device folio is free (the caller
// splits and goes page by page, as dmirror_migrate_alloc_and_copy falls
// back).
bool MigrateBlockToDevice(World& w, StepResult& r, int dev, int mm, int block, int start, int end) {
  const int pmd_pages = w.universe.PmdPages();
  if (w.universe.DeviceCoherent(dev)) return false;  // order 0 only (see the header)
  const Vma* v = w.FindVma(mm, block);
  const Vma* last = w.FindVma(mm, block + pmd_pages - 1);
  if (!v || v != last || v->shared || v->hugetlb) return false;
  Pmd& pmd = w.MmAt(mm).PmdAt(w.PmdIndex(block));
  bool writable;
  int dst;
  if (pmd.kind == PmdKind::kHuge) {
    const int head = w.FolioOf(pmd.pfn);
    std::vector<PmdHit> hits;
    if (head < 0 || !w.Folio(head).anon || w.lock_thread_folio == head ||
        !PmdMappingsOnly(w, head, hits))
      return false;
    dst = dmirror_devmem_alloc_folio(w, dev, w.universe.pmd_order);
    if (dst < 0) return false;
    writable = pmd.write;
    folio_get(w, head);  // the collect reference
    if (!MovePmdMappings(w, r, head, dst, dev, mm, start, end, 1, hits)) {
      folio_put(w, r, head);
      folio_put(w, r, dst);
      return false;
    }
    folio_put(w, r, head);  // migrate_vma_finalize: the source is freed
  } else if (pmd.kind == PmdKind::kTable) {
    for (int i = 0; i < pmd_pages; ++i)
      if (w.MmAt(mm).PteAt(block + i).kind != PteKind::kNone) return false;
    // migrate_vma_collect_hole() with MIGRATE_PFN_COMPOUND, then
    // migrate_vma_insert_huge_pmd_page(): a device-private PMD, WRITE iff
    // VM_WRITE, rss += HPAGE_PMD_NR, folio_add_new_anon_rmap(RMAP_EXCLUSIVE).
    dst = dmirror_devmem_alloc_folio(w, dev, w.universe.pmd_order);
    if (dst < 0) return false;
    writable = v->write;
    for (int i = 0; i < pmd_pages; ++i) w.PageAt(dst + i).data = 0;
    anon_vma_prepare(w, mm, block);
    pmd = Pmd{PmdKind::kDevicePrivate, w.DevicePrivateNumber(dst), writable, false, false};
    folio_add_new_anon_rmap_pmd(w, dst);
    folio_get(w, dst);
    w.MmAt(mm).rss[kMmAnonPages] += static_cast<int16_t>(pmd_pages);
  } else {
    return false;
  }
  for (int i = 0; i < pmd_pages; ++i)
    MirrorAt(w, dev, mm, block + i) = dmirror_mirror_entry(w, writable, dst + i);
  folio_put(w, r, dst);  // migrate_vma_finalize: unlock and put the allocation ref
  return true;
}

// One VMA piece of dmirror_migrate_to_device(): migrate_vma_setup(),
// dmirror_migrate_alloc_and_copy(), migrate_vma_pages(),
// dmirror_migrate_finalize_and_map(), migrate_vma_finalize().
void MigratePieceToDevice(World& w, StepResult& r, int dev, int mm, int start, int npages) {
  // migrate_vma_collect(): MMU_NOTIFY_MIGRATE with pgmap_owner = this device,
  // MIGRATE_VMA_SELECT_SYSTEM.
  mmu_notifier_invalidate(w, mm, start, start + npages, NotifyEvent::kMigrate, dev);
  const int pmd_pages = w.universe.PmdPages();
  const bool compound = w.knobs.device_private_thp == DevicePrivateThp::kPmd;
  for (int va = start; va < start + npages; ++va) {
    const Vma v = *w.FindVma(mm, va);
    if (compound && (va & (pmd_pages - 1)) == 0 && va + pmd_pages <= start + npages &&
        MigrateBlockToDevice(w, r, dev, mm, va, start, start + npages)) {
      va += pmd_pages - 1;
      continue;
    }
    if (w.PmdOf(mm, va).kind == PmdKind::kDevicePrivate) {
      // Already device-private (another device's, or this one's: not
      // SELECT_DEVICE_PRIVATE); the model leaves it alone.
      va |= pmd_pages - 1;
      continue;
    }
    if (w.PmdOf(mm, va).kind == PmdKind::kHuge) split_huge_pmd(w, r, mm, va);
    if (w.PmdOf(mm, va).kind == PmdKind::kHuge) continue;
    Pte& pte = PteAt(w, mm, va);
    int dst = -1;
    bool writable = false;
    if (pte.kind == PteKind::kNone || (pte.kind == PteKind::kPresent && pte.special)) {
      // migrate_vma_collect_hole / the zero pfn: MIGRATE for anonymous VMAs
      // only; migrate_vma_insert_page() maps a fresh device page.
      if (v.shared) continue;
      dst = dmirror_devmem_alloc_page(w, dev);
      if (dst < 0) continue;
      writable = v.write;  // dmirror_migrate_alloc_and_copy: !spage && VM_WRITE
      if (pte.kind == PteKind::kPresent)
        mmu_notifier_invalidate(w, mm, va, va + 1, NotifyEvent::kMigrate, dev);
      anon_vma_prepare(w, mm, va);  // migrate_vma_insert_page()
      Pte fresh{};
      if (folio_is_device_private(w, dst)) {
        fresh.kind = writable ? PteKind::kDevicePrivateWrite : PteKind::kDevicePrivateRead;
        fresh.pfn = w.DevicePrivateNumber(dst);
      } else {
        // migrate_vma_insert_page() for a device-coherent page (mm/migrate_device.c
        // 7.x): mk_pte(page, vm_page_prot), pte_mkwrite(pte_mkdirty()) iff VM_WRITE.
        fresh.kind = PteKind::kPresent;
        fresh.pfn = w.PfnOf(dst);
        fresh.write = fresh.dirty = fresh.soft_dirty = writable;
      }
      pte = fresh;
      w.Folio(dst).data = 0;  // zero-filled, like the hole or zero page it replaces
      folio_add_new_anon_rmap_pte(w, dst);
      folio_get(w, dst);
      w.MmAt(mm).rss[kMmAnonPages]++;
    } else if (pte.kind == PteKind::kPresent) {
      int frame = w.FrameOf(pte.pfn);
      int head = frame < 0 ? -1 : w.PageAt(frame).head;
      // SELECT_SYSTEM only: a zone-device page (a device-coherent one here)
      // is not collected (migrate_vma_collect_pmd, mm/migrate_device.c 7.x).
      if (head < 0 || w.IsDeviceFrame(head)) continue;
      if (w.Folio(head).order > 0) {
        // migrate_vma_split_folio(): large folios are split first.
        if (split_folio(w, r, head)) continue;
        head = w.PageAt(frame).head;
      }
      // A device destination needs an anonymous source (migrate_vma_pages:
      // "not migrated"); the folio lock is taken with trylock.
      if (!w.Folio(head).anon || w.lock_thread_folio == head) continue;
      writable = pte.write;
      dst = dmirror_devmem_alloc_page(w, dev);
      if (dst < 0) continue;
      folio_get(w, head);  // the collect reference
      if (!MoveMappings(w, r, head, dst, dev, mm, start, start + npages, 1)) {
        folio_put(w, r, head);
        folio_put(w, r, dst);  // never mapped: back to the device free list
        continue;
      }
      folio_put(w, r, head);  // migrate_vma_finalize: the source is freed
    } else {
      continue;  // device-private (not SELECT_DEVICE_PRIVATE), swap, exclusive, ...
    }
    // dmirror_migrate_finalize_and_map(): the mirror maps the device page,
    // WRITE-tagged if the destination has MIGRATE_PFN_WRITE.
    MirrorAt(w, dev, mm, va) = dmirror_mirror_entry(w, writable, dst);
    folio_put(w, r, dst);  // migrate_vma_finalize: unlock and put the allocation ref
  }
}

}  // namespace

int dmirror_migrate_to_device(World& w, StepResult& r, int dev, int mm, int start, int npages,
                              int& cpages) {
  cpages = 0;
  if (int err = ByVmaPiece(w, mm, start, npages, [&](int piece_start, int piece_npages) {
        MigratePieceToDevice(w, r, dev, mm, piece_start, piece_npages);
        return 0;
      }))
    return err;
  // "Return the migrated data for verification. Only for pages in device
  // zone": dmirror_do_read() without faulting; a missing entry is -ENOENT.
  for (int va = start; va < start + npages; ++va) {
    const MirrorEntry& e = MirrorAt(w, dev, mm, va);
    if (e.perm == kMirrorNone) return kENOENT;
    int frame = w.MirrorFrame(e);
    int got = e.pfn == kZeroPfn && !e.device_private  ? 0
              : frame < 0 || w.PageAt(frame).head < 0 ? -1
                                                      : w.PageAt(frame).data;
    if (got != w.Logical(mm, va))
      r.mismatches.push_back({mm, va, got, w.Logical(mm, va), fmt::format("dev{}", dev)});
  }
  cpages = npages;
  return 0;
}

namespace {

// One VMA piece of dmirror_migrate_to_system(); adds the pages it moved to
// cpages (dmirror_successful_migrated_pages()).
int MigratePieceToSystem(World& w, StepResult& r, int dev, int mm, int start, int npages,
                         int& cpages) {
  // MIGRATE_VMA_SELECT_DEVICE_PRIVATE with pgmap_owner = this device.
  mmu_notifier_invalidate(w, mm, start, start + npages, NotifyEvent::kMigrate, dev);
  const int pmd_pages = w.universe.PmdPages();
  // One collected device page at `va` to a new RAM page: the collect reference, the mappings
  // moved (migrate_vma_pages/finalize), the mirror entry erased (xa_erase(&dmirror->pt, addr)),
  // then the source freed (free_zone_device_folio) and dst's extra reference put. Returns
  // false on -ENOMEM (dmirror_devmem_fault_alloc_and_copy(): VM_FAULT_OOM).
  auto migrate_page = [&](int head, int va) {
    const int dst = folio_alloc(w, 0);
    if (dst < 0) return false;
    folio_get(w, head);
    const bool moved = MoveMappings(w, r, head, dst, dev, mm, start, start + npages, 1);
    if (moved) {
      MirrorAt(w, dev, mm, va) = MirrorEntry{};
      ++cpages;
    }
    folio_put(w, r, head);
    folio_put(w, r, dst);
    return true;
  };
  for (int va = start; va < start + npages; ++va) {
    if (w.PmdOf(mm, va).kind == PmdKind::kHuge) continue;
    if (w.PmdOf(mm, va).kind == PmdKind::kDevicePrivate) {
      // migrate_vma_collect_pmd() on a device-private PMD of this owner:
      // whole with SELECT_COMPOUND when the range covers the PMD, else the
      // folio is split and migrated page by page.
      const int block = va & ~(pmd_pages - 1);
      const int head = w.DevicePrivatePmdFolio(w.PmdOf(mm, va));
      if (head < 0 || w.PgmapAt(w.PgmapOf(head)).owner != dev) {
        va = block + pmd_pages - 1;
        continue;
      }
      if (block >= start && block + pmd_pages <= start + npages &&
          MigrateDevicePmdToRam(w, r, dev, mm, block, start, start + npages, 0)) {
        cpages += pmd_pages;
        va = block + pmd_pages - 1;
        continue;
      }
      if (w.PmdOf(mm, va).kind == PmdKind::kDevicePrivate) SplitDeviceFolio(w, r, head);
    }
    const Pte& pte = PteAt(w, mm, va);
    if (w.universe.DeviceCoherent(dev)) {
      // dmirror_select_device() is MIGRATE_VMA_SELECT_DEVICE_COHERENT:
      // migrate_vma_collect_pmd() takes present PTEs of coherent pages whose
      // pgmap->owner is this device, nothing else (mm/migrate_device.c 7.x).
      if (pte.kind != PteKind::kPresent || pte.special) continue;
      const int frame = w.FrameOf(pte.pfn);
      const int head = frame < 0 ? -1 : w.PageAt(frame).head;
      if (head < 0 || !folio_is_device_coherent(w, head) ||
          w.PgmapAt(w.PgmapOf(head)).owner != dev || w.lock_thread_folio == head)
        continue;
      // dmirror_devmem_fault_alloc_and_copy(): copy from the page itself.
      if (!migrate_page(head, va)) return kENOMEM;
      continue;
    }
    if (!IsDevicePrivate(pte.kind)) continue;
    int frame = w.EntryFrame(pte);
    int head = frame < 0 ? -1 : w.PageAt(frame).head;
    if (head < 0 || !w.IsDeviceFrame(head) || w.PgmapAt(w.PgmapOf(head)).owner != dev) continue;
    if (w.lock_thread_folio == head) continue;  // folio_trylock fails
    if (w.Folio(head).order > 0) {
      // A PTE-mapped large device folio: migrate_vma_split_folio().
      SplitDeviceFolio(w, r, head);
      head = w.PageAt(frame).head;
    }
    if (!migrate_page(head, va)) return kENOMEM;
  }
  return 0;
}

}  // namespace

int dmirror_migrate_to_system(World& w, StepResult& r, int dev, int mm, int start, int npages,
                              int& cpages) {
  cpages = 0;
  return ByVmaPiece(w, mm, start, npages, [&](int piece_start, int piece_npages) {
    return MigratePieceToSystem(w, r, dev, mm, piece_start, piece_npages, cpages);
  });
}

VmFault do_swap_page_device_private(World& w, StepResult& r, int mm, int va) {
  const Pte pte = PteAt(w, mm, va);
  int frame = w.EntryFrame(pte);
  int head = frame < 0 ? -1 : w.PageAt(frame).head;
  if (head < 0 || !w.IsDeviceFrame(head)) {
    r.Event(EventKind::kCorruption,
            fmt::format("do_swap_page: {} entry at mm{}:{} names {:#x}, which is no device-private "
                        "page",
                        PteKindName(pte.kind), mm, va, pte.pfn));
    return VmFault::kSigbus;
  }
  // trylock_page fails: softleaf_entry_wait_on_locked() sleeps.
  if (w.lock_thread_folio == head) return VmFault::kBlocked;
  if (w.Folio(head).order > 0) {
    // A PTE-mapped large device folio (after a partial munmap or mprotect
    // split its PMD): dmirror_devmem_fault's migrate_vma_setup collects it
    // without SELECT_COMPOUND over one page and splits it.
    SplitDeviceFolio(w, r, head);
    head = w.PageAt(frame).head;
  }
  const int dev = w.PgmapAt(w.PgmapOf(head)).owner;
  folio_get(w, head);  // get_page() around ->migrate_to_ram()
  // dmirror_devmem_fault(): migrate_vma_setup(SELECT_DEVICE_PRIVATE,
  // pgmap_owner, fault_page) over this one page.
  int dst = folio_alloc(w, 0);
  if (dst < 0) {
    folio_put(w, r, head);
    return VmFault::kOom;
  }
  mmu_notifier_invalidate(w, mm, va, va + 1, NotifyEvent::kMigrate, dev);
  folio_get(w, head);  // the collect reference; the fault page is already locked
  // migrate_vma_check_page(): extra = collect ref + (page == fault_page).
  bool moved = MoveMappings(w, r, head, dst, dev, mm, va, va + 1, 2);
  if (moved) MirrorAt(w, dev, mm, va) = MirrorEntry{};  // xa_erase in alloc_and_copy
  folio_put(w, r, head);                                // migrate_vma_finalize
  folio_put(w, r, dst);
  folio_put(w, r, head);  // put_page() after ->migrate_to_ram()
  // Not migrated: the fault returns 0 and the CPU faults again.
  return VmFault::kOk;
}

VmFault do_huge_pmd_device_private(World& w, StepResult& r, int mm, int va) {
  // do_huge_pmd_device_private() (balbir v6; linux-mm 7.x mm/huge_memory.c):
  // lock the folio, get it, pgmap->ops->migrate_to_ram(); dmirror_devmem_fault
  // migrates the whole PMD with SELECT_COMPOUND into an order-HPAGE_PMD_ORDER
  // RAM folio; the model splits and migrates the faulting page when that
  // is not possible.
  const int block = va & ~(w.universe.PmdPages() - 1);
  const int head = w.DevicePrivatePmdFolio(w.PmdOf(mm, va));
  if (head < 0) {
    r.Event(EventKind::kCorruption,
            fmt::format("do_huge_pmd_device_private: PMD at mm{}:{} names {:#x}, which is no "
                        "device-private folio",
                        mm, block, w.PmdOf(mm, va).pfn));
    return VmFault::kSigbus;
  }
  if (w.lock_thread_folio == head) return VmFault::kBlocked;
  const int dev = w.PgmapAt(w.PgmapOf(head)).owner;
  mmu_notifier_invalidate(w, mm, block, block + w.universe.PmdPages(), NotifyEvent::kMigrate, dev);
  folio_get(w, head);  // get_page() around ->migrate_to_ram()
  // migrate_vma_check_page(): extra = collect ref + (page == fault_page).
  const bool whole =
      MigrateDevicePmdToRam(w, r, dev, mm, block, block, block + w.universe.PmdPages(), 1);
  const int frame = head;  // the head page keeps our reference across a split
  folio_put(w, r, w.PageAt(frame).head);
  if (whole) return VmFault::kOk;
  // Split: the faulting PTE is now an order-0 device-private entry; the
  // retried fault migrates it (do_swap_page).
  return VmFault::kOk;
}

int migrate_device_range_unmap(World& w, StepResult& r, int dev) {
  const DevPagemap pg = w.PgmapAt(dev);
  const bool device_entries =
      w.knobs.device_private_migration_entries == DevicePrivateMigrationEntries::kNiethe;
  int n = 0;
  // migrate_device_range() marks large folios MIGRATE_PFN_COMPOUND; the
  // model evicts order 0 only, so large device folios are split first (the
  // path migrate_device_pages takes for an order-0 destination).
  for (int f = pg.first_frame; f < pg.first_frame + pg.nr_pages; ++f)
    if (w.PageAt(f).head == f && w.Folio(f).order > 0 && w.lock_thread_folio != f)
      SplitDeviceFolio(w, r, f);
  for (int f = pg.first_frame; f < pg.first_frame + pg.nr_pages; ++f) {
    if (w.PageAt(f).head != f || w.lock_thread_folio == f) continue;
    if (w.Folio(f).order > 0) continue;  // locked by the other thread, not split
    // migrate_device_range(): folio_get_nontail_page + folio_trylock
    // (migrate_device_pfn_lock, mm/migrate_device.c, linux-mm 7.x): a folio
    // still locked by an eviction in flight (an earlier dev_release whose
    // unlock_folio has not run) is skipped, its reference put back.
    if (w.Folio(f).locked) continue;
    folio_get(w, f);
    w.Folio(f).locked = true;
    w.migrating.push_back(static_cast<int16_t>(f));
    ++n;
    // migrate_device_unmap() -> try_to_migrate(folio, 0) -> try_to_migrate_one():
    // migration entries carry the device page's number; niethe 09/13 ("Begin
    // creating device private migration entries") gives them the
    // SWP_MIGRATION_DEVICE_* types.
    std::vector<Hit> hits;
    ForEachVma(w, [&](int mm, const Vma& v) {
      PageVmaMappedWalk pvmw = StartFolioWalk(w, f, 0, mm, v);
      while (page_vma_mapped_walk(w, pvmw))
        if (!DevicePrivatePmdHit(w, r, pvmw, f, "try_to_migrate_one") && !pvmw.pmd &&
            w.MappedFrame(mm, pvmw.address) == f)
          hits.push_back({mm, pvmw.address});
    });
    // A device-coherent page is mapped by present PTEs: try_to_migrate_one()
    // treats it like a RAM page (writable from pte_write, the dirty bit to
    // the folio, plain migration entries with its PFN; mm/rmap.c 7.x
    // try_to_migrate() returns early only for zone-device folios that are
    // neither private nor coherent).
    const bool coherent = folio_is_device_coherent(w, f);
    for (const Hit& h : hits) {
      Pte& pte = PteAt(w, h.mm, h.va);
      const Pte old = pte;
      mmu_notifier_invalidate(w, h.mm, h.va, h.va + 1, NotifyEvent::kClear, -1);
      const bool writable =
          old.kind == PteKind::kPresent ? old.write : old.kind == PteKind::kDevicePrivateWrite;
      if (old.kind == PteKind::kPresent && old.dirty) w.Folio(f).dirty = true;
      Page& p = w.PageAt(f);
      const bool anon_exclusive = p.anon_exclusive;
      p.anon_exclusive = false;  // folio_try_share_anon_rmap_pte
      Pte mig{};
      mig.kind = writable
                     ? (device_entries ? PteKind::kMigrationDeviceWrite : PteKind::kMigrationWrite)
                 : anon_exclusive
                     ? (device_entries ? PteKind::kMigrationDeviceReadExclusive
                                       : PteKind::kMigrationReadExclusive)
                     : (device_entries ? PteKind::kMigrationDeviceRead : PteKind::kMigrationRead);
      if (coherent)  // make_*_migration_entry(page_to_pfn(subpage))
        mig.kind = writable         ? PteKind::kMigrationWrite
                   : anon_exclusive ? PteKind::kMigrationReadExclusive
                                    : PteKind::kMigrationRead;
      mig.pfn = coherent ? w.PfnOf(f) : w.DevicePrivateNumber(f);
      mig.soft_dirty = old.soft_dirty;
      mig.uffd_wp = old.uffd_wp;
      pte = mig;
      folio_remove_rmap_pte(w, r, f, f);
      folio_put(w, r, f);
    }
  }
  return n;
}

int migrate_device_finalize_evict(World& w, StepResult& r) {
  int n = 0;
  const std::vector<int16_t> in_flight = w.migrating;
  w.migrating.clear();
  for (int src : in_flight) {
    // dmirror_device_evict_chunk(): alloc_page(__GFP_NOFAIL) and copy; the
    // model's bounded RAM may be full, and then the source is restored.
    int dst = folio_alloc(w, 0);
    const bool to_ram = dst >= 0;
    if (to_ram) {
      Page& d = w.Folio(dst);
      d.anon = true;
      d.swapbacked = true;
      d.dirty = w.Folio(src).dirty;
      d.data = w.Folio(src).data;
    } else {
      r.Event(EventKind::kInfo, "dmirror_device_evict_chunk: no free page; the source is restored");
      dst = src;
    }
    // migrate_device_finalize() -> remove_migration_ptes(src, dst): the walk
    // in PVMW_SYNC | PVMW_MIGRATION mode finds the entries by number and,
    // with niethe, by the device-migration kind.
    std::vector<Hit> hits;
    ForEachVma(w, [&](int mm, const Vma& v) {
      PageVmaMappedWalk pvmw = StartFolioWalk(w, src, kPvmwSync | kPvmwMigration, mm, v);
      while (page_vma_mapped_walk(w, pvmw))
        if (!DevicePrivatePmdHit(w, r, pvmw, src, "remove_migration_pte") && !pvmw.pmd)
          hits.push_back({mm, pvmw.address});
    });
    for (const Hit& h : hits) {
      Pte& pte = PteAt(w, h.mm, h.va);
      const Pte old = pte;
      const bool write = IsMigrationWrite(old.kind);
      folio_get(w, dst);
      Pte fresh{};
      fresh.soft_dirty = old.soft_dirty;
      fresh.uffd_wp = old.uffd_wp;
      if (to_ram) {
        fresh.kind = PteKind::kPresent;
        fresh.pfn = w.PfnOf(dst);
        fresh.write = write;
      } else if (folio_is_device_coherent(w, dst)) {
        // remove_migration_pte() restoring a device-coherent page: present.
        fresh.kind = PteKind::kPresent;
        fresh.pfn = w.PfnOf(dst);
        fresh.write = write;
      } else {
        // remove_migration_pte() for a device-private destination.
        fresh.kind = write ? PteKind::kDevicePrivateWrite : PteKind::kDevicePrivateRead;
        fresh.pfn = w.DevicePrivateNumber(dst);
      }
      pte = fresh;
      folio_add_anon_rmap_pte(w, dst, dst, !IsMigrationRead(old.kind));
    }
    w.Folio(src).locked = false;
    folio_put(w, r, src);  // the collect reference: the device page is freed
    if (to_ram) folio_put(w, r, dst);
    ++n;
  }
  return n;
}

}  // namespace mmcheck::model::kernel
