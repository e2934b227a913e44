// SPDX-License-Identifier: GPL-2.0
// The symbolic device-private migration, mirroring
// model/ops/migrate_device.cpp: MoveMappings, dmirror_migrate_to_device,
// dmirror_migrate_to_system, do_swap_page on a device-private entry
// (->migrate_to_ram = dmirror_devmem_fault), migrate_device_range_unmap and
// migrate_device_finalize_evict (mm/migrate_device.c v6.15, mm/memory.c
// do_swap_page, lib/test_hmm.c).
// Diverges as the model does (one operation runs setup, pages and finalize
// atomically), restricted to 1 device with 1 order-0 device-private page.
#include "solver/smt/symbolic/exec.h"

namespace mmcheck::solver::smt::symbolic {

// MoveMappings(): every mapping of order-0 `src` (the walk's `hits`) moved
// to `dst` (device frame dst_dev, or RAM when dst_dev < 0), unless the walk
// misses a mapping or `src` has references beyond them and `extra`.
z3::expr Exec::MoveMappings(const Ref& src, const std::vector<z3::expr>& hits, const Ref& dst,
                            int dst_dev, int owner, int cmm, int start, int end, int extra) {
  z3::expr count = W16(0);
  for (const z3::expr& h : hits) count = count + z3::ite(h, W16(1), W16(0));
  z3::expr ok = Simp(count == Fr(src, L::kMap) + W16(1) && Fr(src, L::kRef) == count + W16(extra));
  If(ok, [&] {
    SetFr(dst, L::kAnon, T());
    SetFr(dst, L::kSwapbacked, T());
    SetFr(dst, L::kFDirty, Fr(src, L::kFDirty));
    SetFr(dst, L::kData, Fr(src, L::kData));
    const z3::expr dst_dirty = Fr(dst, L::kFDirty);
    size_t i = 0;
    for (int mm = 0; mm < u_.mms; ++mm)
      for (int va = 0; va < u_.pages; ++va, ++i)
        If(hits[i], [&] {
          const PteVals old = ReadPte(mm, va);
          const bool in_collect = mm == cmm && va >= start && va < end;
          mmu_notifier_invalidate(mm, va, in_collect ? owner : -1);
          const z3::expr present = old.kind == Kind(PteKind::kPresent);
          const z3::expr writable =
              Simp(z3::ite(present, old.write, old.kind == Kind(PteKind::kDevicePrivateWrite)));
          const z3::expr ax = Simp(Fr(src, L::kAnon) && Fr(src, L::kAnonExcl));
          SetFr(src, L::kAnonExcl, F());
          If(present && old.dirty, [&] { SetFr(src, L::kFDirty, T()); });
          AddFr(src, L::kMap, -1);  // folio_remove_rmap_pte
          folio_put(src);
          folio_get(dst);  // remove_migration_pte()
          PteVals p = NonePte();
          p.soft_dirty = old.soft_dirty;
          if (dst_dev >= 0) {
            p.kind = z3::ite(writable, Kind(PteKind::kDevicePrivateWrite),
                             Kind(PteKind::kDevicePrivateRead));
            p.pfn = NumK(dst_dev);
          } else {
            p.kind = Kind(PteKind::kPresent);
            p.pfn = PfnR(dst);
            p.write = writable;
            p.dirty = writable && dst_dirty;
          }
          WritePte(mm, va, p);
          AddFr(dst, L::kMap, 1);  // RMAP_EXCLUSIVE unless a READ migration entry
          If(writable || ax, [&] { SetFr(dst, L::kAnonExcl, T()); });
        });
  });
  return ok;
}

// CheckRange(): every page in a VMA (subset VMAs are readable, not hugetlb).
z3::expr Exec::RangeMapped(int mm, int start, int n) const {
  z3::expr all = T();
  for (int va = start; va < start + n; ++va) all = And(all, Vma(mm, va));
  return all;
}

// dmirror_migrate_to_device() (lib/test_hmm.c; mm/migrate_device.c v6.15).
void Exec::dmirror_migrate_to_device(int dev, int mm, int start, int range_n) {
  ByVmaPiece(mm, start, range_n, [&](int n) {
    for (int va = start; va < start + n; ++va) mmu_notifier_invalidate(mm, va, dev);
    for (int va = start; va < start + n; ++va) {
      const z3::expr kind = Pte(mm, va, L::kKind);
      const z3::expr special = Pte(mm, va, L::kSpecial);
      const z3::expr zero = Simp(kind == Kind(PteKind::kPresent) && special);
      If(kind == Kind(PteKind::kNone) || zero, [&] {
        // migrate_vma_collect_hole / the zero page: migrate_vma_insert_page().
        dmirror_devmem_alloc_page(
            dev,
            [&](int d) {
              If(zero, [&] { mmu_notifier_invalidate(mm, va, dev); });
              Set(lay_.AnonVma(mm), T());  // anon_vma_prepare()
              PteVals p = NonePte();
              p.kind = Kind(PteKind::kDevicePrivateWrite);  // VM_WRITE
              p.pfn = NumK(d);
              WritePte(mm, va, p);
              SetFr(DevRef(d), L::kData, K(0, 8));
              folio_add_new_anon_rmap_pte(DevRef(d));
              folio_get(DevRef(d));
              AddRssAnon(mm, 1);
              SetMirror(dev, mm, va, T(), d);
              folio_put(DevRef(d));
            },
            [] {});
      });
      If(kind == Kind(PteKind::kPresent) && !special, [&] {
        const z3::expr writable = Pte(mm, va, L::kWrite);
        ForFolio(
            Pte(mm, va, L::kPfn),
            [&](const Ref& head) {
              If(Fr(head, L::kAnon), [&] {
                dmirror_devmem_alloc_page(
                    dev,
                    [&](int d) {
                      folio_get(head);  // the collect reference
                      std::vector<z3::expr> hits =
                          Hits([&](int m, int v) { return Hit(m, v, head); });
                      z3::expr moved =
                          MoveMappings(head, hits, DevRef(d), d, dev, mm, start, start + n, 1);
                      IfElse(
                          moved,
                          [&] {
                            folio_put(head);
                            SetMirror(dev, mm, va, writable, d);
                            folio_put(DevRef(d));
                          },
                          [&] {
                            folio_put(head);
                            folio_put(DevRef(d));
                          });
                    },
                    [] {});
              });
            },
            [] {});
      });
    }
  });
}

// The device-private entry at (mm, va) names an allocated device page.
z3::expr Exec::DevEntryNamesPage(int mm, int va) const {
  const z3::expr kind = Pte(mm, va, L::kKind), pfn = Pte(mm, va, L::kPfn);
  z3::expr any = F();
  for (int d = 0; d < lay_.dev_frames(); ++d)
    any = any || (EntryDev(kind, pfn, d) && Fr(DevRef(d), L::kAlloc));
  return any;
}

// dmirror_migrate_to_system().
void Exec::dmirror_migrate_to_system(int dev, int mm, int start, int range_n) {
  ByVmaPiece(mm, start, range_n, [&](int n) {
    for (int va = start; va < start + n; ++va) mmu_notifier_invalidate(mm, va, dev);
    z3::expr stopped = F();  // -ENOMEM
    for (int va = start; va < start + n; ++va)
      If(!stopped && IsDevPriv(Pte(mm, va, L::kKind)), [&] {
        ForDevEntry(mm, va, dev, [&](int d) {
          folio_alloc(
              [&](const Ref& dst) {
                folio_get(DevRef(d));
                std::vector<z3::expr> hits = Hits([&](int m, int v) { return DevHit(m, v, d); });
                z3::expr moved =
                    MoveMappings(DevRef(d), hits, dst, -1, dev, mm, start, start + n, 1);
                If(moved, [&] { ClearMirror(dev, mm, va); });
                folio_put(DevRef(d));
                folio_put(dst);
              },
              [&] { Assign(stopped, T()); });
        });
      });
  });
}

// do_swap_page() on a device-private entry: ->migrate_to_ram() =
// dmirror_devmem_fault() (mm/memory.c v6.15, lib/test_hmm.c).
void Exec::do_swap_page_device_private(int mm, int va, z3::expr& ok) {
  IfElse(
      DevEntryNamesPage(mm, va),
      [&] {
        ForDevEntry(mm, va, -1, [&](int d) {
          const int dev = OwnerOf(d);
          folio_get(DevRef(d));
          folio_alloc(
              [&](const Ref& dst) {
                mmu_notifier_invalidate(mm, va, dev);
                folio_get(DevRef(d));
                std::vector<z3::expr> hits = Hits([&](int m, int v) { return DevHit(m, v, d); });
                z3::expr moved = MoveMappings(DevRef(d), hits, dst, -1, dev, mm, va, va + 1, 2);
                If(moved, [&] { ClearMirror(dev, mm, va); });
                folio_put(DevRef(d));
                folio_put(dst);
                folio_put(DevRef(d));
              },
              [&] {
                folio_put(DevRef(d));
                Assign(ok, F());  // VM_FAULT_OOM
              });
        });
      },
      [&] { Assign(ok, F()); });  // corruption: SIGBUS
}

// HMM_DMIRROR_RELEASE: migrate_device_range_unmap().
void Exec::migrate_device_range_unmap(int dev) {
  const bool device_entries =
      k_.device_private_migration_entries == model::DevicePrivateMigrationEntries::kNiethe;
  for (int d = 0; d < lay_.dev_frames(); ++d) {
    if (OwnerOf(d) != dev) continue;
    // migrate_device_pfn_lock's folio_trylock skips a frame an earlier
    // release still has locked (migrate_device_range_unmap in the model).
    If(Fr(DevRef(d), L::kAlloc) && Get(lay_.Migrating(d)) == W16(0), [&] {
      folio_get(DevRef(d));
      Set(lay_.Migrating(d), Get(lay_.Migrating(d)) + W16(1));
      std::vector<z3::expr> hits = Hits([&](int m, int v) { return DevHit(m, v, d); });
      size_t i = 0;
      for (int mm = 0; mm < u_.mms; ++mm)
        for (int va = 0; va < u_.pages; ++va, ++i)
          If(hits[i], [&] {
            const PteVals old = ReadPte(mm, va);
            mmu_notifier_invalidate(mm, va);
            const z3::expr writable = old.kind == Kind(PteKind::kDevicePrivateWrite);
            const z3::expr ax = Fr(DevRef(d), L::kAnonExcl);
            SetFr(DevRef(d), L::kAnonExcl, F());
            PteVals p = NonePte();
            p.kind = z3::ite(
                writable,
                Kind(device_entries ? PteKind::kMigrationDeviceWrite : PteKind::kMigrationWrite),
                z3::ite(ax,
                        Kind(device_entries ? PteKind::kMigrationDeviceReadExclusive
                                            : PteKind::kMigrationReadExclusive),
                        Kind(device_entries ? PteKind::kMigrationDeviceRead
                                            : PteKind::kMigrationRead)));
            p.pfn = NumK(d);
            p.soft_dirty = old.soft_dirty;
            WritePte(mm, va, p);
            AddFr(DevRef(d), L::kMap, -1);
            folio_put(DevRef(d));
          });
    });
  }
}

// unlock_folio while an eviction is in flight: migrate_device_finalize_evict().
void Exec::migrate_device_finalize_evict() {
  std::vector<z3::expr> evicting;
  for (int d = 0; d < lay_.dev_frames(); ++d) {
    evicting.push_back(Get(lay_.Migrating(d)) != W16(0));
    Set(lay_.Migrating(d), W16(0));
  }
  for (int d = 0; d < lay_.dev_frames(); ++d)
    If(evicting[static_cast<size_t>(d)], [&] {
      const Ref src = DevRef(d);
      // remove_migration_ptes(src, dst): the new entries.
      auto restore = [&](const Ref& dst, bool to_ram) {
        std::vector<z3::expr> hits = Hits([&](int m, int v) { return DevMigHit(m, v, d); });
        size_t i = 0;
        for (int mm = 0; mm < u_.mms; ++mm)
          for (int va = 0; va < u_.pages; ++va, ++i)
            If(hits[i], [&] {
              const PteVals old = ReadPte(mm, va);
              const z3::expr write = IsMigWrite(old.kind);
              folio_get(dst);
              PteVals p = NonePte();
              p.soft_dirty = old.soft_dirty;
              if (to_ram) {
                p.kind = Kind(PteKind::kPresent);
                p.pfn = PfnR(dst);
                p.write = write;
              } else {
                p.kind = z3::ite(write, Kind(PteKind::kDevicePrivateWrite),
                                 Kind(PteKind::kDevicePrivateRead));
                p.pfn = NumK(d);
              }
              If(!IsMigRead(old.kind), [&] { SetFr(dst, L::kAnonExcl, T()); });
              WritePte(mm, va, p);
              AddFr(dst, L::kMap, 1);
            });
      };
      folio_alloc(
          [&](const Ref& dst) {
            SetFr(dst, L::kAnon, T());
            SetFr(dst, L::kSwapbacked, T());
            SetFr(dst, L::kFDirty, Fr(src, L::kFDirty));
            SetFr(dst, L::kData, Fr(src, L::kData));
            restore(dst, true);
            folio_put(src);
            folio_put(dst);
          },
          [&] {
            restore(src, false);
            folio_put(src);
          });
    });
}

}  // namespace mmcheck::solver::smt::symbolic
