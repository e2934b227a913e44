// SPDX-License-Identifier: GPL-2.0
// migrate_pages() of one folio, remove_migration_ptes(), and dump_page().
//
// Models mm/migrate.c (v6.15: migrate_folio_unmap, migrate_folio_move,
// folio_migrate_mapping's expected-refcount check, remove_migration_pte) for
// MIGRATE_SYNC on an LRU folio. Diverges: hugetlb and zone-device folios are
// not migrated by this path; PMD-mapped THPs are split rather than given a
// PMD migration entry; the destination is the lowest free folio of the same
// order.
#include <fmt/format.h>

#include "model/ops/kernel.h"

namespace mmcheck::model::kernel {

std::string dump_page(const World& w, int head, int extra_refs, const char* reason) {
  const Page& f = w.Folio(head);
  std::string flags;
  auto add = [&](bool on, const char* name) {
    if (on) flags += (flags.empty() ? "" : "|") + std::string(name);
  };
  add(f.locked, "locked");
  add(f.dirty, "dirty");
  add(f.lru, "lru");
  add(f.swapbacked, "swapbacked");
  add(f.order > 0, "head");
  add(f.hugetlb, "hugetlb");
  std::string mapping = f.anon ? "anon" : (f.shmem >= 0 ? fmt::format("shmem{}", f.shmem) : "0");
  return fmt::format(
      "page: refcount:{} mapcount:{} mapping:{} index:0x{:x} pfn:0x{:x}{}\n{}flags: ({})\n"
      "page dumped because: {}",
      f.refcount + extra_refs, w.FolioMapcount(head), mapping, f.index, w.PfnOf(head),
      f.order > 0 ? fmt::format(" order:{} entire_mapcount:{}", f.order, f.entire_mapcount + 1)
                  : "",
      f.anon ? "anon " : "", flags, reason);
}

void remove_migration_ptes(World& w, StepResult& r, int src_head, int dst_head) {
  const uint32_t src_pfn = w.PfnOf(src_head);
  const int nr = 1 << w.PageAt(src_head).order;
  ForEachVma(w, [&](int mm, const Vma& v) {
    PageVmaMappedWalk pvmw = StartWalk(w, src_pfn, nr, kPvmwSync | kPvmwMigration, mm, v);
    while (page_vma_mapped_walk(w, pvmw)) {
      if (DevicePrivatePmdHit(w, r, pvmw, src_head, "remove_migration_pte")) continue;
      Mm& m = w.MmAt(mm);
      Pte& pte = m.PteAt(pvmw.address);
      Pte old = pte;
      // A RAM folio's walk that hit a device-private migration entry: its
      // number is a device offset equal to the folio's PFN, which only the
      // offset address space with no pvmw kind test allows
      // (docs/kernel-rules.md#invariant-6; niethe v2 without 05/11). The kernel
      // would map the new RAM folio there; the model reports the confusion and
      // leaves the entry alone, as for try_to_unmap_one and try_to_migrate_one
      // (rmap.cpp).
      if (IsDeviceMigration(old.kind) && !folio_is_device_private(w, src_head)) {
        r.Event(EventKind::kCorruption,
                fmt::format("pfn/offset confusion: remove_migration_pte for RAM folio {:#x} hit "
                            "the {} entry at mm{}:{} (device-private offset {:#x})",
                            src_pfn, PteKindName(old.kind), mm, pvmw.address, old.pfn));
        continue;
      }
      if (!IsMigration(old.kind))
        r.Event(EventKind::kCorruption,
                fmt::format("remove_migration_pte: treated a {} entry at mm{}:{} as a migration "
                            "entry (check_pte in PVMW_MIGRATION mode)",
                            PteKindName(old.kind), mm, pvmw.address));
      int idx = static_cast<int>(old.pfn - src_pfn);
      int frame = dst_head + idx;
      folio_get(w, dst_head);
      Pte fresh{};
      fresh.kind = PteKind::kPresent;
      fresh.pfn = w.PfnOf(frame);
      fresh.young = old.young;
      fresh.dirty = w.Folio(dst_head).dirty && old.dirty;
      fresh.soft_dirty = old.soft_dirty;
      fresh.uffd_wp = old.uffd_wp;
      fresh.write = old.kind == PteKind::kMigrationWrite;
      pte = fresh;
      if (w.Folio(dst_head).anon)
        folio_add_anon_rmap_pte(w, dst_head, frame, old.kind != PteKind::kMigrationRead);
      else
        folio_add_file_rmap_pte(w, dst_head, frame);
    }
  });
}

int migrate_folio(World& w, StepResult& r, int head, bool report_failure) {
  Page& src = w.Folio(head);
  const int order = src.order;
  if (!src.lru || src.hugetlb) return kEBUSY;  // isolate_folio_to_list() fails
  src.lru = false;
  folio_get(w, head);  // the isolation reference
  auto fail = [&](int err, const char* why, bool remap) {
    if (report_failure)
      r.Event(EventKind::kDumpPage, r.texts ? dump_page(w, head, 0, why) : std::string());
    if (remap) remove_migration_ptes(w, r, head, head);
    w.Folio(head).lru = true;  // putback
    folio_put(w, r, head);
    return err;
  };
  if (!CanAllocFolio(w, order)) return fail(kENOMEM, "migration failure", false);
  if (w.lock_thread_folio == head) return fail(kEAGAIN, "migration failure", false);
  // migrate_folio_unmap(): only a mapped folio goes through try_to_migrate.
  bool page_was_mapped = false;
  if (w.FolioMapcount(head) > 0) {
    try_to_migrate(w, r, head);
    page_was_mapped = true;
  }
  if (w.FolioMapcount(head) > 0) return fail(kEAGAIN, "migration failure", page_was_mapped);
  // folio_migrate_mapping(): refcount must be folio_expected_ref_count() + 1
  // (the isolation reference); page cache folios add one per page.
  int nr = w.NrPages(head);
  int expected = 1 + (w.Folio(head).shmem >= 0 ? nr : 0);
  if (w.Folio(head).refcount != expected)
    return fail(kEAGAIN, "migration failure", page_was_mapped);
  int dst = folio_alloc(w, order);
  Page& d = w.Folio(dst);
  const Page& s = w.Folio(head);
  for (int i = 0; i < nr; ++i) {
    w.PageAt(dst + i).data = w.PageAt(head + i).data;
    w.PageAt(dst + i).anon_exclusive = w.PageAt(head + i).anon_exclusive;
  }
  d.anon = s.anon;
  d.dirty = s.dirty;
  d.swapbacked = s.swapbacked;
  d.shmem = s.shmem;
  d.index = s.index;
  if (order > 0) {
    d.large_mapcount = -1;
    d.entire_mapcount = -1;
  }
  if (s.shmem >= 0) {
    // The page cache now points at dst and its reference moves with it.
    Shmem& obj = w.ShmemAt(s.shmem);
    for (int i = 0; i < nr; ++i) obj.FolioAt(s.index + i) = static_cast<int16_t>(dst);
    w.Folio(dst).refcount += static_cast<int16_t>(nr);
    w.Folio(head).refcount -= static_cast<int16_t>(nr);
    w.Folio(head).shmem = -1;
  }
  if (page_was_mapped) remove_migration_ptes(w, r, head, dst);
  folio_put(w, r, dst);   // the new folio's allocation reference
  folio_put(w, r, head);  // the isolation reference: the source is freed
  return 0;
}

}  // namespace mmcheck::model::kernel
