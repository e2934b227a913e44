// SPDX-License-Identifier: GPL-2.0
// The symbolic mm/gup.c, mirroring model/ops/gup.cpp:
// get_user_page_remote (v6.14/v6.15).
// Diverges: FOLL_WRITE | FOLL_SPLIT_PMD only (the one caller, the
// device-exclusive conversion); no PMD to split in the subset.
#include "solver/smt/symbolic/exec.h"

namespace mmcheck::solver::smt::symbolic {

// get_user_page_remote(FOLL_WRITE | FOLL_SPLIT_PMD) (mm/gup.c): true with
// a reference on the folio mapped at (mm, va) after the call.
z3::expr Exec::get_user_page_remote(int mm, int va) {
  z3::expr got = F(), done = F();
  If(Vma(mm, va), [&] {
    for (int attempt = 0; attempt < 4; ++attempt)
      If(!done, [&] {
        IfElse(
            AccessHits(mm, va, true),
            [&] {
              Assign(done, T());
              ForFolio(
                  Pte(mm, va, L::kPfn),
                  [&](const Ref& fr) {
                    If(!Pte(mm, va, L::kSpecial), [&] {
                      folio_get(fr);
                      Assign(got, T());
                    });
                  },
                  [] {});
            },
            [&] {
              z3::expr fok = T();
              handle_mm_fault(mm, va, true, fok);
              If(!fok, [&] { Assign(done, T()); });
            });
      });
  });
  return got;
}

}  // namespace mmcheck::solver::smt::symbolic
