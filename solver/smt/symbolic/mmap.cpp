// SPDX-License-Identifier: GPL-2.0
// The symbolic address-space operations, mirroring model/ops/mmap.cpp:
// do_munmap (mm/vma.c) and dup_mmap (kernel/fork.c), v6.14/v6.15.
// Diverges: one private anonymous VMA per mm, so munmap neither splits nor
// merges VMAs; fork takes the lowest free mm.
#include "solver/smt/symbolic/exec.h"

namespace mmcheck::solver::smt::symbolic {

// do_munmap() (mm/vma.c): zap the range, then the VMA goes (one VMA per
// mm in the subset: a page is in it or not) and its anon_vma with it.
void Exec::do_munmap(int mm, int va, int n) {
  const int end = std::min(va + n, u_.pages);
  zap_page_range(mm, va, end);
  for (int p = va; p < end; ++p) {
    Set(lay_.VmaAt(mm, p), F());
    Set(lay_.Logical(mm, p), K(0, 8));
  }
  z3::expr any_vma = F();
  for (int p = 0; p < u_.pages; ++p) any_vma = any_vma || Vma(mm, p);
  Set(lay_.AnonVma(mm), Get(lay_.AnonVma(mm)) && any_vma);
}

// dup_mmap() into the lowest free mm, copy_page_range() of the VMA.
void Exec::dup_mmap(int src) {
  z3::expr below_exist = T();
  for (int child = 0; child < u_.mms; ++child) {
    z3::expr chosen = And(below_exist, !Exists(child));
    below_exist = And(below_exist, Exists(child));
    if (child == src) continue;
    If(chosen, [&] {
      Set(lay_.MmExists(child), T());
      Set(lay_.RssAnon(child), W16(0));
      Set(lay_.RssSwap(child), W16(0));
      for (int va = 0; va < u_.pages; ++va) {
        Set(lay_.Logical(child, va), Get(lay_.Logical(src, va)));
        Set(lay_.VmaAt(child, va), Vma(src, va));
        WritePte(child, va, NonePte());
      }
      Set(lay_.AnonVma(child), Get(lay_.AnonVma(src)));  // anon_vma_fork()
      copy_page_range(child, src);
    });
  }
}

}  // namespace mmcheck::solver::smt::symbolic
