// SPDX-License-Identifier: GPL-2.0
// The symbolic mm/memory.c, mirroring model/ops/memory.cpp function by
// function: the folio lifetime (folio_put, mm/swap.c; free_zone_device_folio,
// mm/memremap.c), the MMU notifier, handle_mm_fault and its handlers
// (do_anonymous_page, do_wp_page, wp_page_copy, do_swap_page for a swap
// entry, remove_device_exclusive_entry, restore_exclusive_pte), FaultIn,
// zap_page_range and copy_page_range (mm/memory.c v6.14/v6.15).
// Diverges as the model does, restricted to the subset (symbolic_model.h):
// order-0 anonymous folios in one private VMA per mm, no THP, hugetlb,
// shmem or uffd-wp, no swapcache; a migration entry blocks the fault.
#include "solver/smt/symbolic/exec.h"

namespace mmcheck::solver::smt::symbolic {

// A freed frame: the cleared struct page of a free frame (model::Page{}).
void Exec::ClearFrame(const Ref& fr) {
  SetFr(fr, L::kAlloc, F());
  SetFr(fr, L::kRef, W16(0));
  SetFr(fr, L::kMap, W16(-1));
  SetFr(fr, L::kAnon, F());
  SetFr(fr, L::kFDirty, F());
  SetFr(fr, L::kSwapbacked, F());
  SetFr(fr, L::kLru, F());
  SetFr(fr, L::kAnonExcl, F());
  SetFr(fr, L::kData, K(0, 8));
}

// folio_put() (mm/swap.c): the last reference frees the folio.
void Exec::folio_put(const Ref& fr, int n) {
  AddFr(fr, L::kRef, -n);
  If(!(Fr(fr, L::kRef) > W16(0)), [&] {
    if (fr.concrete >= lay_.frames()) {
      // free_zone_device_folio() (mm/memremap.c v6.15): put_dev_pagemap.
      const int pg = lay_.PgmapRef(OwnerOf(fr.concrete - lay_.frames()));
      Set(pg, Get(pg) - W16(1));
    }
    ClearFrame(fr);
  });
}

// mmu_notifier_invalidate() of one page -> dmirror_interval_invalidate on
// every device (no MMU_NOTIFY_MIGRATE owner events in the subset).
// MMU_NOTIFY_MIGRATE with pgmap_owner `owner`: that device's
// dmirror_interval_invalidate() returns early (lib/test_hmm.c).
void Exec::mmu_notifier_invalidate(int mm, int va, int migrate_owner) {
  for (int d = 0; d < u_.devices; ++d) {
    if (d == migrate_owner) continue;
    ClearMirror(d, mm, va);
  }
}

// AccessHits(): all subset VMAs are readable and writable.
z3::expr Exec::AccessHits(int mm, int va, bool write) const {
  z3::expr h = Vma(mm, va) && KindIs(mm, va, PteKind::kPresent);
  return write ? h && Pte(mm, va, L::kWrite) : h;
}

// do_anonymous_page(): the zero page on read; a fresh exclusive folio on
// write (ThpEligible is false under MADV_NOHUGEPAGE).
void Exec::do_anonymous_page(int mm, int va, bool write, z3::expr& ok) {
  if (!write) {
    PteVals p = NonePte();
    p.kind = Kind(PteKind::kPresent);
    p.pfn = K(model::kZeroPfn, kPfnBits);
    p.special = T();
    WritePte(mm, va, p);
    return;
  }
  Set(lay_.AnonVma(mm), T());  // anon_vma_prepare()
  folio_alloc(
      [&](const Ref& fr) {
        folio_add_new_anon_rmap_pte(fr);
        WritePte(mm, va, {Kind(PteKind::kPresent), PfnR(fr), T(), T(), T(), T(), F(), F()});
        AddRssAnon(mm, 1);
      },
      [&] { Assign(ok, F()); });
}

// wp_page_copy(): `old_fr` is the old page's frame, null for the zero page.
void Exec::wp_page_copy(int mm, int va, const Ref* old_fr, z3::expr& ok) {
  Set(lay_.AnonVma(mm), T());  // anon_vma_prepare()
  folio_alloc(
      [&](const Ref& nf) {
        mmu_notifier_invalidate(mm, va);
        if (old_fr) SetFr(nf, L::kData, Fr(*old_fr, L::kData));
        folio_add_new_anon_rmap_pte(nf);
        WritePte(mm, va, {Kind(PteKind::kPresent), PfnR(nf), T(), T(), T(), T(), F(), F()});
        if (!old_fr) {
          AddRssAnon(mm, 1);
        } else {
          // rss[RssCounterOf(old)]-- then rss[anon]++: anon folios only.
          AddFr(*old_fr, L::kMap, -1);  // folio_remove_rmap_pte
          folio_put(*old_fr);
        }
      },
      [&] { Assign(ok, F()); });
}

// do_wp_page(): reuse an exclusive (or solely referenced) anon page, else copy.
void Exec::do_wp_page(int mm, int va, z3::expr& ok) {
  IfElse(
      Pte(mm, va, L::kSpecial), [&] { wp_page_copy(mm, va, nullptr, ok); },
      [&] {
        ForFolio(
            Pte(mm, va, L::kPfn),
            [&](const Ref& fr) {
              z3::expr reuse =
                  Fr(fr, L::kAnon) && (Fr(fr, L::kAnonExcl) || Fr(fr, L::kRef) == W16(1));
              IfElse(
                  reuse,
                  [&] {
                    SetFr(fr, L::kAnonExcl, T());
                    Set(lay_.Pte(mm, va, L::kWrite), T());
                    Set(lay_.Pte(mm, va, L::kYoung), T());
                    Set(lay_.Pte(mm, va, L::kDirty), T());
                    Set(lay_.Pte(mm, va, L::kSoftDirty), T());
                    SetFr(fr, L::kFDirty, T());
                  },
                  [&] { wp_page_copy(mm, va, &fr, ok); });
            },
            [&] { Assign(ok, F()); });  // BadPte: SIGBUS
      });
}

// do_swap_page() for a swap entry: read into a fresh folio (no swapcache).
void Exec::do_swap_page_swap(int mm, int va, bool write, z3::expr& ok) {
  const PteVals old = ReadPte(mm, va);
  ForSlot(old.pfn, [&](int s) {
    folio_alloc(
        [&](const Ref& fr) {
          z3::expr excl = old.swp_exclusive || Get(lay_.SlotCount(s)) == W16(1);
          SetFr(fr, L::kData, Get(lay_.SlotData(s)));
          SetFr(fr, L::kAnon, T());
          SetFr(fr, L::kSwapbacked, T());
          SetFr(fr, L::kMap, W16(0));
          SetFr(fr, L::kAnonExcl, excl);
          Set(lay_.SlotCount(s), Get(lay_.SlotCount(s)) - W16(1));
          AddRssSwap(mm, -1);
          AddRssAnon(mm, 1);
          z3::expr w = write ? excl : F();
          WritePte(mm, va,
                   {Kind(PteKind::kPresent), PfnR(fr), w, w, T(), old.soft_dirty || w, F(), F()});
          If(w, [&] { SetFr(fr, L::kFDirty, T()); });
        },
        [&] { Assign(ok, F()); });
  });
}

// can_change_pte_writable() for a private anon mapping: an AnonExclusive page.
z3::expr Exec::can_change_pte_writable(int mm, int va, const z3::expr& pfn) const {
  z3::expr any = F();
  for (int fr = 0; fr < lay_.frames(); ++fr)
    any = any || (pfn == PfnK(fr) && Fr(fr, L::kAlloc) && Fr(fr, L::kAnon) && Fr(fr, L::kAnonExcl));
  return Vma(mm, va) && any;
}

// restore_exclusive_pte() (knobs restore_exclusive_writable, device_exclusive_mapcount).
void Exec::restore_exclusive_pte(int mm, int va) {
  const PteVals old = ReadPte(mm, va);
  PteVals fresh = NonePte();
  fresh.kind = Kind(PteKind::kPresent);
  fresh.pfn = old.pfn;
  if (k_.restore_exclusive_writable == model::RestoreExclusiveWritable::kMaybeMkwriteDirty) {
    z3::expr write_entry = old.kind != Kind(PteKind::kDeviceExclusiveRead);
    fresh.dirty = write_entry;
    fresh.soft_dirty = old.soft_dirty || write_entry;
    fresh.write = write_entry && Vma(mm, va);
  } else {
    z3::expr folio_dirty = F();
    for (int fr = 0; fr < lay_.frames(); ++fr)
      folio_dirty = folio_dirty || (old.pfn == PfnK(fr) && Fr(fr, L::kAlloc) && Fr(fr, L::kFDirty));
    fresh.dirty = folio_dirty;
    fresh.soft_dirty = old.soft_dirty || folio_dirty;
    fresh.write = can_change_pte_writable(mm, va, old.pfn);
  }
  WritePte(mm, va, fresh);
  if (k_.device_exclusive_mapcount == model::DeviceExclusiveMapcount::kDropped)
    for (int fr = 0; fr < lay_.frames(); ++fr)
      If(old.pfn == PfnK(fr) && Fr(fr, L::kAlloc) && Fr(fr, L::kAnon),
         [&] { AddFr(fr, L::kMap, 1); });  // folio_add_anon_rmap_pte(RMAP_NONE)
}

// remove_device_exclusive_entry(): get, notify, restore, put.
void Exec::remove_device_exclusive_entry(int mm, int va) {
  ForFolio(
      Pte(mm, va, L::kPfn),
      [&](const Ref& fr) {
        folio_get(fr);
        mmu_notifier_invalidate(mm, va);
        restore_exclusive_pte(mm, va);
        folio_put(fr);
      },
      [] {});
}

// handle_mm_fault(); `ok` := false for every fault that is not VM_FAULT ok.
void Exec::handle_mm_fault(int mm, int va, bool write, z3::expr& ok) {
  IfElse(
      !Vma(mm, va), [&] { Assign(ok, F()); },
      [&] {
        z3::expr kind = Pte(mm, va, L::kKind);
        IfElse(
            kind == Kind(PteKind::kNone), [&] { do_anonymous_page(mm, va, write, ok); },
            [&] {
              IfElse(
                  kind == Kind(PteKind::kPresent),
                  [&] {
                    if (write)
                      IfElse(
                          !Pte(mm, va, L::kWrite), [&] { do_wp_page(mm, va, ok); },
                          [&] { Set(lay_.Pte(mm, va, L::kYoung), T()); });
                    else
                      Set(lay_.Pte(mm, va, L::kYoung), T());
                  },
                  [&] {
                    IfElse(
                        kind == Kind(PteKind::kSwap), [&] { do_swap_page_swap(mm, va, write, ok); },
                        [&] {
                          IfElse(
                              IsDevExcl(kind), [&] { remove_device_exclusive_entry(mm, va); },
                              [&] {
                                IfElse(
                                    IsDevPriv(kind),
                                    [&] { do_swap_page_device_private(mm, va, ok); },
                                    [&] { Assign(ok, F()); });  // migration: blocked
                              });
                        });
                  });
            });
      });
}

// FaultIn(): up to 4 faults until the access hits, then a last check.
z3::expr Exec::FaultIn(int mm, int va, bool write) {
  z3::expr done = F(), ok = T();
  for (int attempt = 0; attempt < 4; ++attempt)
    If(!done, [&] {
      IfElse(
          AccessHits(mm, va, write), [&] { Assign(done, T()); },
          [&] {
            z3::expr fok = T();
            handle_mm_fault(mm, va, write, fok);
            If(!fok, [&] {
              Assign(ok, F());
              Assign(done, T());
            });
          });
    });
  If(!done, [&] { Assign(ok, AccessHits(mm, va, write)); });
  return ok;
}

// zap_page_range() (unmap_page_range / zap_pte_range): the MMU notifier
// for the range, then every PTE of [start, end).
void Exec::zap_page_range(int mm, int start, int end) {
  for (int p = start; p < end; ++p) mmu_notifier_invalidate(mm, p);
  for (int p = start; p < end; ++p) zap_pte_range(mm, p);
}

// zap_pte_range() of one PTE.
void Exec::zap_pte_range(int mm, int va) {
  const PteVals old = ReadPte(mm, va);
  WritePte(mm, va, NonePte());
  z3::expr kind = old.kind;
  If(kind == Kind(PteKind::kPresent) && !old.special, [&] {
    ForFolio(
        old.pfn,
        [&](const Ref& fr) {
          AddRssAnon(mm, -1);
          AddFr(fr, L::kMap, -1);
          folio_put(fr);
        },
        [] {});  // corruption: no folio
  });
  If(IsDevExcl(kind), [&] {
    ForFolio(
        old.pfn,
        [&](const Ref& fr) {
          AddRssAnon(mm, -1);
          if (k_.device_exclusive_mapcount == model::DeviceExclusiveMapcount::kKept)
            AddFr(fr, L::kMap, -1);
          folio_put(fr);
        },
        [] {});
  });
  If(IsDevPriv(kind), [&] {
    // softleaf_to_folio(): rss, folio_remove_rmap_pte, folio_put.
    for (int d = 0; d < lay_.dev_frames(); ++d)
      If(EntryDev(kind, old.pfn, d) && Fr(DevRef(d), L::kAlloc), [&] {
        AddRssAnon(mm, -1);
        AddFr(DevRef(d), L::kMap, -1);
        folio_put(DevRef(d));
      });
  });
  If(kind == Kind(PteKind::kSwap), [&] {
    ForSlot(old.pfn, [&](int s) { Set(lay_.SlotCount(s), Get(lay_.SlotCount(s)) - W16(1)); });
    AddRssSwap(mm, -1);
  });
  If(IsMigration(kind), [&] { AddRssAnon(mm, -1); });
}

// copy_page_range() of the VMA into `dst`: vma_needs_copy() copies the page
// tables only under an anon_vma; the MMU notifier for the range, then every
// PTE.
void Exec::copy_page_range(int dst, int src) {
  const z3::expr copy = Get(lay_.AnonVma(src));
  for (int va = 0; va < u_.pages; ++va)
    If(Vma(src, va) && copy, [&] { mmu_notifier_invalidate(src, va); });
  for (int va = 0; va < u_.pages; ++va)
    If(Vma(src, va) && copy, [&] { copy_pte_range(dst, src, va); });
}

// copy_pte_range(): copy_present_pte / copy_nonpresent_pte for one page.
void Exec::copy_pte_range(int dst, int src, int va) {
  If(IsDevExcl(Pte(src, va, L::kKind)), [&] { restore_exclusive_pte(src, va); });
  z3::expr kind = Pte(src, va, L::kKind);
  If(kind == Kind(PteKind::kPresent), [&] {
    IfElse(
        Pte(src, va, L::kSpecial), [&] { WritePte(dst, va, ReadPte(src, va)); },
        [&] {
          ForFolio(
              Pte(src, va, L::kPfn),
              [&](const Ref& fr) {
                If(Fr(fr, L::kAnon), [&] { SetFr(fr, L::kAnonExcl, F()); });
                AddFr(fr, L::kMap, 1);
                folio_get(fr);
                Set(lay_.Pte(src, va, L::kWrite), F());
                PteVals d = ReadPte(src, va);
                d.young = F();
                WritePte(dst, va, d);
                AddRssAnon(dst, 1);
              },
              [] {});
        });
  });
  If(kind == Kind(PteKind::kSwap), [&] {
    ForSlot(Pte(src, va, L::kPfn),
            [&](int s) { Set(lay_.SlotCount(s), Get(lay_.SlotCount(s)) + W16(1)); });
    Set(lay_.Pte(src, va, L::kSwpExclusive), F());
    WritePte(dst, va, ReadPte(src, va));
    AddRssSwap(dst, 1);
  });
  If(IsMigration(kind), [&] {
    AddRssAnon(dst, 1);
    // make_readable_migration_entry(); niethe keeps the device type
    // (make_readable_migration_device_private_entry) unless
    // device_migration_downgrade=type-losing (bug 17).
    const bool keep =
        k_.device_migration_downgrade == model::DeviceMigrationDowngrade::kTypePreserving;
    Set(lay_.Pte(src, va, L::kKind),
        z3::ite(IsMigRead(kind), kind,
                z3::ite(keep ? IsDevMig(kind) : F(), Kind(PteKind::kMigrationDeviceRead),
                        Kind(PteKind::kMigrationRead))));
    WritePte(dst, va, ReadPte(src, va));
  });
  If(IsDevPriv(kind), [&] {
    // copy_nonpresent_pte() for a device-private entry (mm/memory.c v6.15).
    for (int d = 0; d < lay_.dev_frames(); ++d)
      If(EntryDev(kind, Pte(src, va, L::kPfn), d) && Fr(DevRef(d), L::kAlloc), [&] {
        folio_get(DevRef(d));
        AddRssAnon(dst, 1);
        SetFr(DevRef(d), L::kAnonExcl, F());  // folio_try_dup_anon_rmap_pte
        AddFr(DevRef(d), L::kMap, 1);
        If(kind == Kind(PteKind::kDevicePrivateWrite), [&] {
          Set(lay_.Pte(src, va, L::kKind), Kind(PteKind::kDevicePrivateRead));
          Set(lay_.Pte(src, va, L::kSoftDirty), F());
        });
        WritePte(dst, va, ReadPte(src, va));
      });
  });
}

}  // namespace mmcheck::solver::smt::symbolic
