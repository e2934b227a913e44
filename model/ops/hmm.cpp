// hmm_range_fault(): snapshot a range for a device, faulting as required.
//
// Models mm/hmm.c (v6.15: hmm_vma_walk_test, hmm_vma_handle_pte,
// hmm_vma_fault) for HMM_PFN_REQ_FAULT (+REQ_WRITE): no VMA or no VM_READ is
// -EFAULT, a write to a VMA without VM_WRITE is -EPERM; a PTE that is not
// present (or not writable for a write) is faulted through handle_mm_fault,
// which restores device-exclusive entries and migrates device-private pages
// of other owners back to RAM.
#include "model/ops/kernel.h"

namespace mmcheck::model::kernel {

int hmm_range_fault(World& w, StepResult& r, int mm, int start, int npages, bool write,
                    std::vector<HmmPfn>& out, bool& blocked, int owner_device) {
  out.clear();
  blocked = false;
  for (int va = start; va < start + npages; ++va) {
    const Vma* v = w.FindVma(mm, va);
    if (!v || !v->read) return kEFAULT;  // hmm_vma_walk_test / hmm_vma_walk_hole
    if (write && !v->write) return kEPERM;
    // hmm_vma_handle_pte(): "Don't fault in device private pages owned by the
    // caller, just report the PFN" (write bit from the entry, even when a
    // write was requested); others' device-private pages are faulted, which
    // runs their ->migrate_to_ram() (mm/hmm.c v6.15, linux-mm 7.x).
    // A device-private PMD of the caller's own device (balbir v6, mm/hmm.c
    // hmm_vma_handle_absent_pmd): reported page by page, not faulted.
    if (owner_device >= 0 && w.PmdOf(mm, va).kind == PmdKind::kDevicePrivate) {
      const Pmd& pmd = w.PmdOf(mm, va);
      int head = w.DevicePrivatePmdFolio(pmd);
      if (head >= 0 && w.pgmaps[static_cast<size_t>(w.PgmapOf(head))].owner == owner_device) {
        const int i = va & (w.universe.PmdPages() - 1);
        out.push_back({w.DevicePrivateNumber(head + i), pmd.write, true});
        continue;
      }
    }
    if (owner_device >= 0 && w.PmdOf(mm, va).kind == PmdKind::kTable) {
      const Pte& pte = w.mms[static_cast<size_t>(mm)].ptes[static_cast<size_t>(va)];
      if (IsDevicePrivate(pte.kind)) {
        int frame = w.EntryFrame(pte);
        if (frame >= 0 && w.IsDeviceFrame(frame) &&
            w.pgmaps[static_cast<size_t>(w.PgmapOf(frame))].owner == owner_device) {
          out.push_back({pte.pfn, pte.kind == PteKind::kDevicePrivateWrite, true});
          continue;
        }
      }
    }
    for (int attempt = 0; attempt < 4 && !AccessHits(w, mm, va, write); ++attempt) {
      VmFault f = handle_mm_fault(w, r, mm, va, write);
      if (f == VmFault::kBlocked) {
        blocked = true;
        return 0;
      }
      if (f == VmFault::kOom) return kENOMEM;
      if (f != VmFault::kOk) return kEFAULT;
    }
    if (!AccessHits(w, mm, va, write)) return kEFAULT;
    const Pmd& pmd = w.PmdOf(mm, va);
    HmmPfn p;
    if (pmd.kind == PmdKind::kHuge) {
      p.pfn = pmd.pfn + static_cast<uint32_t>(va & (w.universe.PmdPages() - 1));
      p.write = pmd.write;
    } else {
      const Pte& pte = w.mms[static_cast<size_t>(mm)].ptes[static_cast<size_t>(va)];
      p.pfn = pte.pfn;
      p.write = pte.write;
    }
    out.push_back(p);
  }
  return 0;
}

}  // namespace mmcheck::model::kernel
