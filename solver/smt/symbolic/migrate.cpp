// SPDX-License-Identifier: GPL-2.0
// The symbolic mm/migrate.c, mirroring model/ops/migrate.cpp:
// remove_migration_ptes and migrate_folio, with the progress obligation of
// model/operations.cpp MigrateWithProgress (v6.14/v6.15).
// Diverges: one try (the migrate op; offline's retries are outside the
// subset), order-0 RAM folios.
#include "solver/smt/symbolic/exec.h"

namespace mmcheck::solver::smt::symbolic {

// remove_migration_ptes(src, dst) (knob pvmw_migration_accepts_exclusive).
void Exec::remove_migration_ptes(const Ref& src, const Ref& dst) {
  const bool accepts_excl =
      k_.pvmw_migration_accepts_exclusive == model::PvmwMigrationAcceptsExclusive::kYes;
  for (int mm = 0; mm < u_.mms; ++mm)
    for (int va = 0; va < u_.pages; ++va) {
      z3::expr kind = Pte(mm, va, L::kKind);
      z3::expr mig = pvmw_kind_ ? IsMigration(kind) && !IsDevMig(kind) : IsMigration(kind);
      z3::expr ok = accepts_excl ? mig || IsDevExcl(kind) : mig;
      If(Exists(mm) && Vma(mm, va) && ok && Pte(mm, va, L::kPfn) == PfnR(src), [&] {
        const PteVals old = ReadPte(mm, va);
        folio_get(dst);
        PteVals p = NonePte();
        p.kind = Kind(PteKind::kPresent);
        p.pfn = PfnR(dst);
        p.young = old.young;
        p.dirty = Fr(dst, L::kFDirty) && old.dirty;
        p.soft_dirty = old.soft_dirty;
        p.write = old.kind == Kind(PteKind::kMigrationWrite);
        WritePte(mm, va, p);
        AddFr(dst, L::kMap, 1);
        If(Fr(dst, L::kAnon) && old.kind != Kind(PteKind::kMigrationRead),
           [&] { SetFr(dst, L::kAnonExcl, T()); });
      });
    }
}

// MigrateWithProgress(tries = 1) / migrate_folio(): returns "eligible but not migrated".
z3::expr Exec::MigrateWithProgress(const Ref& fr) {
  z3::expr explained = W16(0);
  for (int mm = 0; mm < u_.mms; ++mm)
    for (int va = 0; va < u_.pages; ++va)
      explained = explained + z3::ite(Exists(mm) && MapsFrame(mm, va, fr) &&
                                          !IsMigration(Pte(mm, va, L::kKind)),
                                      W16(1), W16(0));
  const z3::expr eligible = Simp(Fr(fr, L::kLru) && CanAlloc() && Fr(fr, L::kRef) == explained);
  z3::expr migrated = F();
  If(Fr(fr, L::kLru), [&] {
    SetFr(fr, L::kLru, F());
    folio_get(fr);  // isolation
    auto fail = [&](bool remap_possible, const z3::expr& remap) {
      if (remap_possible) If(remap, [&] { remove_migration_ptes(fr, fr); });
      SetFr(fr, L::kLru, T());
      folio_put(fr);
    };
    IfElse(
        !CanAlloc(), [&] { fail(false, F()); },
        [&] {
          const z3::expr was_mapped = Simp(Mapped(fr));
          If(was_mapped, [&] { try_to_migrate(fr); });
          IfElse(
              Mapped(fr) || Fr(fr, L::kRef) != W16(1), [&] { fail(true, was_mapped); },
              [&] {
                folio_alloc(
                    [&](const Ref& dst) {
                      SetFr(dst, L::kData, Fr(fr, L::kData));
                      SetFr(dst, L::kAnonExcl, Fr(fr, L::kAnonExcl));
                      SetFr(dst, L::kAnon, Fr(fr, L::kAnon));
                      SetFr(dst, L::kFDirty, Fr(fr, L::kFDirty));
                      SetFr(dst, L::kSwapbacked, Fr(fr, L::kSwapbacked));
                      If(was_mapped, [&] { remove_migration_ptes(fr, dst); });
                      folio_put(dst);
                      folio_put(fr);
                      Assign(migrated, T());
                    },
                    [] {});
              });
        });
  });
  return eligible && !migrated;
}

}  // namespace mmcheck::solver::smt::symbolic
