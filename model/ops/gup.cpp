// SPDX-License-Identifier: GPL-2.0
// get_user_pages_remote() for one page: fault in until present (and
// writable for FOLL_WRITE), honour FOLL_SPLIT_PMD, take a reference.
//
// Models mm/gup.c (v6.14/v6.15: check_vma_flags, follow_page_mask,
// faultin_page). hildenbrand-v2 01/17 makes check_vma_flags() reject
// FOLL_SPLIT_PMD on hugetlb VMAs (knob gup_split_pmd_hugetlb).
#include "model/ops/kernel.h"

namespace mmcheck::model::kernel {

GupResult get_user_page_remote(World& w, StepResult& r, int mm, int va, unsigned gup_flags) {
  const Vma* v = w.FindVma(mm, va);
  if (!v) return {kEFAULT};
  bool write = gup_flags & kFollWrite;
  // check_vma_flags()
  if (write && !v->write) return {kEFAULT};
  if (!write && !v->read) return {kEFAULT};
  if ((gup_flags & kFollSplitPmd) && v->hugetlb &&
      w.knobs.gup_split_pmd_hugetlb == GupSplitPmdHugetlb::kReject)
    return {kEOPNOTSUPP};
  for (int attempt = 0; attempt < 4; ++attempt) {
    const Pmd& pmd = w.PmdOf(mm, va);
    if (pmd.kind == PmdKind::kHuge && (gup_flags & kFollSplitPmd)) {
      // follow_pmd_mask(): FOLL_SPLIT_PMD splits a huge PMD (hugetlb too,
      // since 9cb28da54643) and retries at PTE level.
      split_huge_pmd(w, r, mm, va);
      if (w.PmdOf(mm, va).kind == PmdKind::kHuge) return {kEFAULT};  // the BUG was hit
      continue;
    }
    if (AccessHits(w, mm, va, write)) {
      int frame = w.MappedFrame(mm, va);
      if (frame < 0) {
        // The zero page: FOLL_WRITE never gets here; a read GUP would return
        // it, which no modelled caller asks for.
        return {kEFAULT};
      }
      int head = w.PageAt(frame).head;
      if (head < 0) return {kEFAULT};  // no struct page behind the PTE
      folio_get(w, head);              // FOLL_GET
      return {0, head, frame, false};
    }
    VmFault f = handle_mm_fault(w, r, mm, va, write);  // faultin_page()
    if (f == VmFault::kBlocked) return {0, -1, -1, true};
    if (f == VmFault::kOom) return {kENOMEM};
    if (f != VmFault::kOk) return {kEFAULT};
  }
  return {kEFAULT};
}

}  // namespace mmcheck::model::kernel
