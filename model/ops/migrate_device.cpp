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
//   * device folios are order 0: a PMD-mapped or PTE-mapped THP source is
//     split first (no MIGRATE_VMA_SELECT_COMPOUND, no device-private PMDs);
//   * every mapping of the source is found with the profile's
//     page_vma_mapped_walk (try_to_migrate's walk), including the one the
//     collect step finds by walking page tables: the pvmw encoding knobs
//     decide whether migration finds the mappings;
//   * FLAG_FAIL_ALLOC, MEMORY_DEVICE_COHERENT and the device-private chunk
//     growth of test_hmm.c are not modelled: each device has one fixed pgmap.
#include <fmt/format.h>

#include "model/ops/kernel.h"

namespace mmcheck::model::kernel {

bool folio_is_device_private(const World& w, int head) {
  return w.IsDeviceFrame(head) &&
         w.pgmaps[static_cast<size_t>(w.PgmapOf(head))].type == PgmapType::kPrivate;
}

namespace {

Pte& PteAt(World& w, int mm, int va) {
  return w.mms[static_cast<size_t>(mm)].ptes[static_cast<size_t>(va)];
}

MirrorEntry& MirrorAt(World& w, int dev, int mm, int va) {
  return w.devices[static_cast<size_t>(dev)].mirror[static_cast<size_t>(mm * w.universe.pages + va)];
}

struct Hit {
  int mm, va;
};

// dmirror_devmem_alloc_page(): the lowest free page of the device's pgmap,
// initialised by zone_device_page_init(). -1 when the device is full.
int dmirror_devmem_alloc_page(World& w, int dev) {
  const DevPagemap& pg = w.pgmaps[static_cast<size_t>(dev)];
  for (int f = pg.first_frame; f < pg.first_frame + pg.nr_pages; ++f)
    if (w.pages[static_cast<size_t>(f)].head < 0) {
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
bool MoveMappings(World& w, StepResult& r, int src, int dst, int owner, int collect_mm,
                  int start, int end, int extra) {
  std::vector<Hit> hits;
  bool confused = false;
  ForEachVma(w, [&](int mm, const Vma& v) {
    PageVmaMappedWalk pvmw = StartFolioWalk(w, src, 0, mm, v);
    while (page_vma_mapped_walk(w, pvmw)) {
      int frame = w.MappedFrame(mm, pvmw.address);
      if (pvmw.pmd || frame < 0 || w.pages[static_cast<size_t>(frame)].head != src) {
        // check_pte() matched an entry of another page: with device-private
        // offsets numerically equal to PFNs and no kind test, a walk for
        // one names the other (kernel-semantics.md (c)6).
        r.Event(EventKind::kCorruption,
                fmt::format("pfn/offset confusion: page_vma_mapped_walk for {} folio {:#x} hit "
                            "the {} entry at mm{}:{}, which maps another page",
                            folio_is_device_private(w, src) ? "device-private" : "RAM",
                            pvmw.pfn, PteKindName(w.mms[static_cast<size_t>(mm)]
                                                      .ptes[static_cast<size_t>(pvmw.address)]
                                                      .kind),
                            mm, pvmw.address));
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

  const bool to_device = w.IsDeviceFrame(dst);
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
    Page& sp = w.pages[static_cast<size_t>(src)];
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

// The checks dmirror_migrate_to_{device,system} make per VMA chunk and
// migrate_vma_setup() makes on the VMA: -EINVAL for a hole, no VM_READ, or
// hugetlb.
int CheckRange(const World& w, int mm, int start, int npages) {
  for (int va = start; va < start + npages; ++va) {
    const Vma* v = w.FindVma(mm, va);
    if (!v || !v->read || v->hugetlb) return kEINVAL;
  }
  return 0;
}

}  // namespace

int dmirror_migrate_to_device(World& w, StepResult& r, int dev, int mm, int start, int npages,
                              int& cpages) {
  cpages = 0;
  if (int err = CheckRange(w, mm, start, npages)) return err;
  // migrate_vma_collect(): MMU_NOTIFY_MIGRATE with pgmap_owner = this device,
  // MIGRATE_VMA_SELECT_SYSTEM.
  mmu_notifier_invalidate(w, mm, start, start + npages, NotifyEvent::kMigrate, dev);
  for (int va = start; va < start + npages; ++va) {
    const Vma v = *w.FindVma(mm, va);
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
      if (pte.kind == PteKind::kPresent) mmu_notifier_invalidate(w, mm, va, va + 1, NotifyEvent::kMigrate, dev);
      Pte fresh{};
      fresh.kind = writable ? PteKind::kDevicePrivateWrite : PteKind::kDevicePrivateRead;
      fresh.pfn = w.DevicePrivateNumber(dst);
      pte = fresh;
      w.Folio(dst).data = 0;  // zero-filled, like the hole or zero page it replaces
      folio_add_new_anon_rmap_pte(w, dst);
      folio_get(w, dst);
      w.mms[static_cast<size_t>(mm)].rss[kMmAnonPages]++;
    } else if (pte.kind == PteKind::kPresent) {
      int frame = w.FrameOf(pte.pfn);
      int head = frame < 0 ? -1 : w.pages[static_cast<size_t>(frame)].head;
      if (head < 0 || w.IsDeviceFrame(head)) continue;
      if (w.Folio(head).order > 0) {
        // migrate_vma_split_folio(): large folios are split first.
        if (split_folio(w, r, head)) continue;
        head = w.pages[static_cast<size_t>(frame)].head;
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
    MirrorAt(w, dev, mm, va) =
        MirrorEntry{writable ? kMirrorWrite : kMirrorRead, w.DevicePrivateNumber(dst), true};
    folio_put(w, r, dst);  // migrate_vma_finalize: unlock and put the allocation ref
  }
  // "Return the migrated data for verification. Only for pages in device
  // zone": dmirror_do_read() without faulting; a missing entry is -ENOENT.
  for (int va = start; va < start + npages; ++va) {
    const MirrorEntry& e = MirrorAt(w, dev, mm, va);
    if (e.perm == kMirrorNone) return kENOENT;
    int frame = w.MirrorFrame(e);
    int got = e.pfn == kZeroPfn && !e.device_private ? 0
              : frame < 0 || w.pages[static_cast<size_t>(frame)].head < 0
                  ? -1
                  : w.pages[static_cast<size_t>(frame)].data;
    if (got != w.Logical(mm, va))
      r.mismatches.push_back({mm, va, got, w.Logical(mm, va), fmt::format("dev{}", dev)});
  }
  cpages = npages;
  return 0;
}

int dmirror_migrate_to_system(World& w, StepResult& r, int dev, int mm, int start, int npages,
                              int& cpages) {
  cpages = 0;
  if (int err = CheckRange(w, mm, start, npages)) return err;
  // MIGRATE_VMA_SELECT_DEVICE_PRIVATE with pgmap_owner = this device.
  mmu_notifier_invalidate(w, mm, start, start + npages, NotifyEvent::kMigrate, dev);
  for (int va = start; va < start + npages; ++va) {
    if (w.PmdOf(mm, va).kind == PmdKind::kHuge) continue;
    const Pte& pte = PteAt(w, mm, va);
    if (!IsDevicePrivate(pte.kind)) continue;
    int frame = w.EntryFrame(pte);
    int head = frame < 0 ? -1 : w.pages[static_cast<size_t>(frame)].head;
    if (head < 0 || !w.IsDeviceFrame(head) ||
        w.pgmaps[static_cast<size_t>(w.PgmapOf(head))].owner != dev)
      continue;
    if (w.lock_thread_folio == head) continue;  // folio_trylock fails
    // dmirror_devmem_fault_alloc_and_copy(): VM_FAULT_OOM -> -ENOMEM.
    int dst = folio_alloc(w, 0);
    if (dst < 0) return kENOMEM;
    folio_get(w, head);
    if (!MoveMappings(w, r, head, dst, dev, mm, start, start + npages, 1)) {
      folio_put(w, r, head);
      folio_put(w, r, dst);
      continue;
    }
    MirrorAt(w, dev, mm, va) = MirrorEntry{};  // xa_erase(&dmirror->pt, addr)
    ++cpages;
    folio_put(w, r, head);
    folio_put(w, r, dst);
  }
  return 0;
}

VmFault do_swap_page_device_private(World& w, StepResult& r, int mm, int va) {
  const Pte pte = PteAt(w, mm, va);
  int frame = w.EntryFrame(pte);
  int head = frame < 0 ? -1 : w.pages[static_cast<size_t>(frame)].head;
  if (head < 0 || !w.IsDeviceFrame(head)) {
    r.Event(EventKind::kCorruption,
            fmt::format("do_swap_page: {} entry at mm{}:{} names {:#x}, which is no device-private "
                        "page",
                        PteKindName(pte.kind), mm, va, pte.pfn));
    return VmFault::kSigbus;
  }
  // trylock_page fails: softleaf_entry_wait_on_locked() sleeps.
  if (w.lock_thread_folio == head) return VmFault::kBlocked;
  const int dev = w.pgmaps[static_cast<size_t>(w.PgmapOf(head))].owner;
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
  folio_put(w, r, head);  // migrate_vma_finalize
  folio_put(w, r, dst);
  folio_put(w, r, head);  // put_page() after ->migrate_to_ram()
  // Not migrated: the fault returns 0 and the CPU faults again.
  return VmFault::kOk;
}

int migrate_device_range_unmap(World& w, StepResult& r, int dev) {
  const DevPagemap pg = w.pgmaps[static_cast<size_t>(dev)];
  const bool device_entries =
      w.knobs.device_private_migration_entries == DevicePrivateMigrationEntries::kNiethe;
  int n = 0;
  for (int f = pg.first_frame; f < pg.first_frame + pg.nr_pages; ++f) {
    if (w.pages[static_cast<size_t>(f)].head != f || w.lock_thread_folio == f) continue;
    // migrate_device_range(): folio_get_nontail_page + folio_trylock.
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
        if (!pvmw.pmd && w.MappedFrame(mm, pvmw.address) == f) hits.push_back({mm, pvmw.address});
    });
    for (const Hit& h : hits) {
      Pte& pte = PteAt(w, h.mm, h.va);
      const Pte old = pte;
      mmu_notifier_invalidate(w, h.mm, h.va, h.va + 1, NotifyEvent::kClear, -1);
      const bool writable = old.kind == PteKind::kDevicePrivateWrite;
      Page& p = w.pages[static_cast<size_t>(f)];
      const bool anon_exclusive = p.anon_exclusive;
      p.anon_exclusive = false;  // folio_try_share_anon_rmap_pte
      Pte mig{};
      mig.kind = writable         ? (device_entries ? PteKind::kMigrationDeviceWrite
                                                    : PteKind::kMigrationWrite)
                 : anon_exclusive ? (device_entries ? PteKind::kMigrationDeviceReadExclusive
                                                    : PteKind::kMigrationReadExclusive)
                                  : (device_entries ? PteKind::kMigrationDeviceRead
                                                    : PteKind::kMigrationRead);
      mig.pfn = w.DevicePrivateNumber(f);
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
        if (!pvmw.pmd) hits.push_back({mm, pvmw.address});
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
