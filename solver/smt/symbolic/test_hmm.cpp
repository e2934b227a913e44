// SPDX-License-Identifier: GPL-2.0
// The symbolic dmirror driver, mirroring model/ops/test_hmm.cpp and
// model/operations.cpp ApplyDeviceExclusive: the mirror entries
// (dmirror_interval_invalidate, the ATOMIC entry of dmirror_exclusive, the
// entries of a migration) and HMM_DMIRROR_EXCLUSIVE (lib/test_hmm.c).
// Diverges: knob dmirror_invalidate_range=exact only; the verification read
// of HMM_DMIRROR_EXCLUSIVE is not modelled (it changes no state).
#include "solver/smt/symbolic/exec.h"

namespace mmcheck::solver::smt::symbolic {

// dmirror_interval_invalidate() of one page of device d: the entry erased
// (knob dmirror_invalidate_range=exact; one-past is refused).
void Exec::ClearMirror(int d, int mm, int va) {
  Set(lay_.MirrorPerm(d, mm, va), K(model::kMirrorNone, 2));
  Set(lay_.MirrorPfn(d, mm, va), K(0, kPfnBits));
  Set(lay_.MirrorDp(d, mm, va), F());
}

// dmirror_exclusive() -> dmirror_atomic_map(): the ATOMIC entry of a
// device-exclusive page (model/operations.cpp ApplyDeviceExclusive map_atomic).
void Exec::MapAtomic(int dev, int mm, int va, const z3::expr& pfn) {
  Set(lay_.MirrorPerm(dev, mm, va), K(model::kMirrorAtomic, 2));
  Set(lay_.MirrorPfn(dev, mm, va), pfn);
  Set(lay_.MirrorDp(dev, mm, va), F());
}

// HMM_DMIRROR_EXCLUSIVE: dmirror_exclusive() (model/operations.cpp
// ApplyDeviceExclusive, without the verification read, which changes no
// state): make_device_exclusive_range() (v6.14) or make_device_exclusive()
// per address (v6.15), per knob make_exclusive_impl.
void Exec::dmirror_exclusive(int dev, int mm, int va, int n) {
  if (k_.make_exclusive_impl == model::MakeExclusiveImpl::kRangeRmapWalk) {
    // make_device_exclusive_range(): GUP every page first, then convert.
    std::vector<z3::expr> got, pfn, conv;
    z3::expr stopped = F();
    for (int i = 0; i < n; ++i) {
      got.push_back(F());
      pfn.push_back(K(0, kPfnBits));
      conv.push_back(F());
      If(!stopped, [&] {
        z3::expr g = get_user_page_remote(mm, va + i);
        IfElse(
            g,
            [&] {
              Assign(got[static_cast<size_t>(i)], T());
              Assign(pfn[static_cast<size_t>(i)], Pte(mm, va + i, L::kPfn));
            },
            [&] { Assign(stopped, T()); });
      });
    }
    for (int i = 0; i < n; ++i)
      If(got[static_cast<size_t>(i)], [&] {
        ForFrame(pfn[static_cast<size_t>(i)], [&](const Ref& fr) {
          z3::expr ok = folio_make_device_exclusive(fr, mm, va + i);
          IfElse(
              ok, [&] { Assign(conv[static_cast<size_t>(i)], T()); }, [&] { folio_put(fr); });
        });
      });
    z3::expr all = T();
    for (int i = 0; i < n; ++i) all = all && conv[static_cast<size_t>(i)];
    If(all, [&] {
      for (int i = 0; i < n; ++i) MapAtomic(dev, mm, va + i, pfn[static_cast<size_t>(i)]);
    });
    for (int i = 0; i < n; ++i)
      If(conv[static_cast<size_t>(i)],
         [&] { ForFrame(pfn[static_cast<size_t>(i)], [&](const Ref& fr) { folio_put(fr); }); });
    return;
  }
  // make_device_exclusive() per address (hildenbrand-v2 03/17, 04/17); the
  // folio comes back referenced: the ATOMIC entry, then folio_unlock +
  // folio_put.
  z3::expr stopped = F();
  for (int pos = va; pos < va + n; ++pos)
    If(!stopped, [&] {
      make_device_exclusive(mm, pos, stopped, [&](const Ref& fr) {
        MapAtomic(dev, mm, pos, PfnR(fr));
        folio_put(fr);
      });
    });
}

// dmirror_migrate_finalize_and_map(): the READ/WRITE entry
// dmirror_mirror_entry() gives device-private page d (model/ops/migrate_device.cpp).
void Exec::SetMirror(int dev, int mm, int va, const z3::expr& writable, int d) {
  Set(lay_.MirrorPerm(dev, mm, va),
      z3::ite(writable, K(model::kMirrorWrite, 2), K(model::kMirrorRead, 2)));
  Set(lay_.MirrorPfn(dev, mm, va), NumK(d));
  Set(lay_.MirrorDp(dev, mm, va), T());
}

}  // namespace mmcheck::solver::smt::symbolic
