// SPDX-License-Identifier: GPL-2.0
// The symbolic mm/page_vma_mapped.c, mirroring
// model/ops/page_vma_mapped.cpp: check_pte() of the rmap walks of an
// order-0 folio, per knob pvmw_device_private (niethe's kind test) and
// pvmw_migration_accepts_exclusive (v6.14/v6.15).
// Diverges: order-0 folios and PTE mappings only, so check_pmd and the
// range tests of large folios are not encoded (symbolic_model.h).
#include "solver/smt/symbolic/exec.h"

namespace mmcheck::solver::smt::symbolic {

// check_pte() outside PVMW_MIGRATION for an order-0 folio at frame `fr`.
z3::expr Exec::Hit(int mm, int va, const Ref& fr) const {
  z3::expr kind = Pte(mm, va, L::kKind);
  // niethe's kind test rejects device-private entries for a RAM walk;
  // without it they carry device PFNs (offsets are not encoded without it).
  z3::expr accepted = (kind == Kind(PteKind::kPresent) && !Pte(mm, va, L::kSpecial)) ||
                      IsDevExcl(kind) || (pvmw_kind_ ? F() : IsDevPriv(kind));
  return Exists(mm) && Vma(mm, va) && accepted && Pte(mm, va, L::kPfn) == PfnR(fr);
}

// The same walk (DEFINE_FOLIO_VMA_WALK, no PVMW_MIGRATION) for device frame d.
z3::expr Exec::DevHit(int mm, int va, int d) const {
  z3::expr kind = Pte(mm, va, L::kKind);
  z3::expr accepted = pvmw_kind_ ? IsDevPriv(kind)
                                 : (kind == Kind(PteKind::kPresent) && !Pte(mm, va, L::kSpecial)) ||
                                       IsDevExcl(kind) || IsDevPriv(kind);
  return Exists(mm) && Vma(mm, va) && accepted && Pte(mm, va, L::kPfn) == NumK(d);
}

// remove_migration_ptes()' walk (PVMW_SYNC | PVMW_MIGRATION) for device frame d.
z3::expr Exec::DevMigHit(int mm, int va, int d) const {
  z3::expr kind = Pte(mm, va, L::kKind);
  z3::expr ok = IsMigration(kind) ||
                (k_.pvmw_migration_accepts_exclusive == model::PvmwMigrationAcceptsExclusive::kYes
                     ? IsDevExcl(kind)
                     : F());
  if (pvmw_kind_) ok = ok && IsDevMig(kind);
  return Exists(mm) && Vma(mm, va) && ok && Pte(mm, va, L::kPfn) == NumK(d);
}

}  // namespace mmcheck::solver::smt::symbolic
