// SPDX-License-Identifier: GPL-2.0
// The symbolic mm/vmscan.c, mirroring model/ops/vmscan.cpp: shrink_folio
// and ReclaimEligible (v6.14/v6.15).
// Diverges as model/ops/vmscan.cpp: one folio at a time, swap-backed
// anonymous folios only, written out at once (no writeback state).
#include "solver/smt/symbolic/exec.h"

namespace mmcheck::solver::smt::symbolic {

// shrink_folio(ignore_references = false): returns "eligible but not reclaimed".
z3::expr Exec::shrink_folio(const Ref& fr) {
  // ReclaimEligible()
  z3::expr free_slot = F();
  for (int s = 0; s < u_.swap_slots; ++s) free_slot = free_slot || Get(lay_.SlotCount(s)) == W16(0);
  z3::expr young = F();
  for (int mm = 0; mm < u_.mms; ++mm)
    for (int va = 0; va < u_.pages; ++va)
      young = young || (Exists(mm) && MapsFrame(mm, va, fr) && KindIs(mm, va, PteKind::kPresent) &&
                        Pte(mm, va, L::kYoung));
  const z3::expr eligible = Simp(Fr(fr, L::kAnon) && Fr(fr, L::kLru) && free_slot && !young);
  z3::expr stuck = F();
  auto keep = [&] {
    SetFr(fr, L::kLru, T());
    folio_put(fr);
    Assign(stuck, eligible);
  };
  IfElse(
      !Fr(fr, L::kLru) || !Fr(fr, L::kAnon), [&] { Assign(stuck, eligible); },
      [&] {
        SetFr(fr, L::kLru, F());
        folio_get(fr);  // isolation
        z3::expr referenced = folio_referenced(fr);
        IfElse(referenced, keep, [&] {
          z3::expr none_below = T();
          std::vector<z3::expr> chosen;
          for (int s = 0; s < u_.swap_slots; ++s) {
            chosen.push_back(none_below && Get(lay_.SlotCount(s)) == W16(0));
            none_below = none_below && Get(lay_.SlotCount(s)) != W16(0);
          }
          for (int s = 0; s < u_.swap_slots; ++s) {
            If(chosen[static_cast<size_t>(s)], [&] {
              folio_get(fr);  // swapcache
              If(Mapped(fr), [&] { try_to_unmap(fr, s); });
              IfElse(
                  Mapped(fr),
                  [&] {
                    folio_put(fr);
                    keep();
                  },
                  [&] {
                    Set(lay_.SlotData(s), Fr(fr, L::kData));  // pageout
                    SetFr(fr, L::kFDirty, F());
                    IfElse(
                        Fr(fr, L::kRef) != W16(2),
                        [&] {
                          folio_put(fr);
                          keep();
                        },
                        [&] {
                          SetFr(fr, L::kRef, W16(1));
                          folio_put(fr);  // freed: nothing references it any more
                        });
                  });
            });
          }
          If(none_below, keep);  // add_to_swap failed
        });
      });
  return stuck;
}

}  // namespace mmcheck::solver::smt::symbolic
