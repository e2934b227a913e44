// SPDX-License-Identifier: GPL-2.0
// The symbolic mm/rmap.c, mirroring model/ops/rmap.cpp:
// folio_add_new_anon_rmap_pte, the device-exclusive conversion
// (make_device_exclusive, folio_make_device_exclusive,
// page_make_device_exclusive_one's entry),
// try_to_unmap, try_to_migrate and folio_referenced (v6.14 before
// hildenbrand-v2, v6.15).
// Diverges: order-0 anonymous folios, so no PMD mapping, lazyfree discard
// or folio_pte_batch; the x86-64 young helper only (knob arch).
#include "solver/smt/symbolic/exec.h"

namespace mmcheck::solver::smt::symbolic {

// folio_add_new_anon_rmap_pte (mm/rmap.c), order 0.
void Exec::folio_add_new_anon_rmap_pte(const Ref& fr) {
  SetFr(fr, L::kAnon, T());
  SetFr(fr, L::kSwapbacked, T());
  SetFr(fr, L::kMap, W16(0));
  SetFr(fr, L::kAnonExcl, T());
}

// Kind of a new device-exclusive entry for a (writable or not) PTE (knob
// device_exclusive_entry).
z3::expr Exec::ExclusiveKind(const z3::expr& writable) const {
  if (k_.device_exclusive_entry == model::DeviceExclusiveEntry::kSingle)
    return Kind(PteKind::kDeviceExclusive);
  return z3::ite(writable, Kind(PteKind::kDeviceExclusiveWrite),
                 Kind(PteKind::kDeviceExclusiveRead));
}

// One PTE made device-exclusive: page_make_device_exclusive_one() (v6.14
// rmap walk callback) and make_device_exclusive()'s folio_walk (v6.15): the
// folio dirtied from the PTE, the exclusive entry, and with knob
// device_exclusive_mapcount=dropped folio_remove_rmap_pte().
void Exec::MakeExclusiveEntry(int mm, int va, const Ref& fr, const z3::expr& writable) {
  const PteVals old = ReadPte(mm, va);
  If(old.dirty, [&] { SetFr(fr, L::kFDirty, T()); });
  PteVals p = NonePte();
  p.kind = ExclusiveKind(writable);
  p.pfn = old.pfn;
  p.soft_dirty = old.soft_dirty;
  WritePte(mm, va, p);
  if (k_.device_exclusive_mapcount == model::DeviceExclusiveMapcount::kDropped)
    AddFr(fr, L::kMap, -1);  // folio_remove_rmap_pte
}

// folio_make_device_exclusive(): rmap walk with page_make_device_exclusive_one.
z3::expr Exec::folio_make_device_exclusive(const Ref& fr, int req_mm, int req_va) {
  z3::expr result = F();
  If(Fr(fr, L::kAnon), [&] {
    z3::expr valid = F(), walk_ok = T();
    for (int mm = 0; mm < u_.mms; ++mm)
      If(walk_ok && Mapped(fr), [&] {  // rwc.done = folio_not_mapped, per VMA
        for (int va = 0; va < u_.pages; ++va)
          If(walk_ok && Hit(mm, va, fr), [&] {
            mmu_notifier_invalidate(mm, va);
            IfElse(
                !KindIs(mm, va, PteKind::kPresent), [&] { Assign(walk_ok, F()); },
                [&] {
                  z3::expr w = Pte(mm, va, L::kWrite);
                  if (mm == req_mm && va == req_va) If(w, [&] { Assign(valid, T()); });
                  MakeExclusiveEntry(mm, va, fr, w);
                });
          });
      });
    Assign(result, walk_ok && valid && (Fr(fr, L::kMap) + W16(1)) == W16(0));
  });
  return result;
}

// make_device_exclusive() (hildenbrand-v2 03/17 and later; model/ops/rmap.cpp
// make_device_exclusive): one address, per knob make_exclusive_impl. On
// failure (GUP failed, -EOPNOTSUPP for a non-anonymous folio, -EBUSY when
// the rmap walk did not convert it) `failed` is set; on success
// `exclusive(folio)` runs with the folio still referenced, for the caller
// to map and put. No lock_folio thread in the subset: folio_trylock()
// always succeeds.
void Exec::make_device_exclusive(int mm, int va, z3::expr& failed,
                                 const std::function<void(const Ref&)>& exclusive) {
  z3::expr g = get_user_page_remote(mm, va);
  IfElse(
      !g, [&] { Assign(failed, T()); },
      [&] {
        const z3::expr pfn = Pte(mm, va, L::kPfn);
        ForFrame(pfn, [&](const Ref& fr) {
          IfElse(
              !Fr(fr, L::kAnon),
              [&] {
                folio_put(fr);
                Assign(failed, T());  // -EOPNOTSUPP
              },
              [&] {
                z3::expr ok = T();
                if (k_.make_exclusive_impl == model::MakeExclusiveImpl::kSingleFolioWalk) {
                  // folio_walk_start() finds the PTE GUP just made present and writable.
                  mmu_notifier_invalidate(mm, va);
                  MakeExclusiveEntry(mm, va, fr, T());
                } else {
                  ok = folio_make_device_exclusive(fr, mm, va);  // v1/v2 03/17
                }
                IfElse(
                    !ok,
                    [&] {
                      folio_put(fr);
                      Assign(failed, T());  // -EBUSY
                    },
                    [&] { exclusive(fr); });
              });
        });
      });
}

// try_to_unmap() for reclaim into swap slot `slot` (knob try_to_unmap_nonpresent).
void Exec::try_to_unmap(const Ref& fr, int slot) {
  for (int mm = 0; mm < u_.mms; ++mm)
    If(Exists(mm) && Mapped(fr), [&] {
      for (int va = 0; va < u_.pages; ++va)
        If(Hit(mm, va, fr), [&] {
          const PteVals old = ReadPte(mm, va);
          mmu_notifier_invalidate(mm, va);
          z3::expr present = old.kind == Kind(PteKind::kPresent);
          z3::expr pfn = old.pfn;
          if (k_.try_to_unmap_nonpresent == model::NonPresentPfn::kPtePfn)
            pfn = z3::ite(present, old.pfn, z3::lshr(old.pfn, 3));  // PtePfnOfNonPresent
          z3::expr garbage = pfn != PfnR(fr);
          z3::expr ax = !garbage && Fr(fr, L::kAnon) && Fr(fr, L::kAnonExcl);
          If(present && old.dirty, [&] { SetFr(fr, L::kFDirty, T()); });
          If(!garbage, [&] { SetFr(fr, L::kAnonExcl, F()); });
          AddRssAnon(mm, -1);
          AddRssSwap(mm, 1);
          PteVals p = NonePte();
          p.kind = Kind(PteKind::kSwap);
          p.pfn = K(static_cast<unsigned>(slot), kPfnBits);
          p.swp_exclusive = ax;
          p.soft_dirty = old.soft_dirty;
          WritePte(mm, va, p);
          Set(lay_.SlotCount(slot), Get(lay_.SlotCount(slot)) + W16(1));
          Set(lay_.SlotData(slot), Fr(fr, L::kData));
          If(!garbage, [&] { AddFr(fr, L::kMap, -1); });
          folio_put(fr);
        });
    });
}

// folio_referenced(): any young reference found (and cleared).
z3::expr Exec::folio_referenced(const Ref& fr) {
  z3::expr referenced = F();
  z3::expr counter = Fr(fr, L::kMap) + W16(1);
  If(counter != W16(0), [&] {
    for (int mm = 0; mm < u_.mms; ++mm)
      for (int va = 0; va < u_.pages; ++va)
        If(counter > W16(0) && Hit(mm, va, fr), [&] {
          If(KindIs(mm, va, PteKind::kPresent), [&] {
            Assign(referenced, referenced || Pte(mm, va, L::kYoung));
            Set(lay_.Pte(mm, va, L::kYoung), F());
          });
          Assign(counter, counter - W16(1));
        });
  });
  return referenced;
}

// try_to_migrate() (knob try_to_migrate_nonpresent).
void Exec::try_to_migrate(const Ref& fr) {
  const bool pte_pfn = k_.try_to_migrate_nonpresent == model::NonPresentPfn::kPtePfn;
  for (int mm = 0; mm < u_.mms; ++mm)
    If(Exists(mm) && Mapped(fr), [&] {
      for (int va = 0; va < u_.pages; ++va)
        If(Hit(mm, va, fr), [&] {
          const PteVals old = ReadPte(mm, va);
          mmu_notifier_invalidate(mm, va);
          z3::expr present = old.kind == Kind(PteKind::kPresent);
          z3::expr pfn = pte_pfn ? z3::ite(present, old.pfn, z3::lshr(old.pfn, 3)) : old.pfn;
          z3::expr writable =
              z3::ite(present, old.write,
                      pte_pfn ? old.soft_dirty : old.kind == Kind(PteKind::kDevicePrivateWrite));
          z3::expr garbage = pfn != PfnR(fr);
          z3::expr ax = !garbage && Fr(fr, L::kAnon) && Fr(fr, L::kAnonExcl);
          If(present && old.dirty, [&] { SetFr(fr, L::kFDirty, T()); });
          If(!garbage, [&] { SetFr(fr, L::kAnonExcl, F()); });
          PteVals p = NonePte();
          p.kind = z3::ite(
              writable, Kind(PteKind::kMigrationWrite),
              z3::ite(ax, Kind(PteKind::kMigrationReadExclusive), Kind(PteKind::kMigrationRead)));
          p.pfn = pfn;
          p.young = present && old.young;
          p.dirty = present && old.dirty;
          p.soft_dirty = old.soft_dirty;
          WritePte(mm, va, p);
          If(!garbage, [&] { AddFr(fr, L::kMap, -1); });
          folio_put(fr);
        });
    });
}

}  // namespace mmcheck::solver::smt::symbolic
