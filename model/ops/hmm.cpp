// SPDX-License-Identifier: GPL-2.0
// hmm_range_fault(): snapshot a range for a device, faulting as required.
//
// Models mm/hmm.c (v6.15: hmm_vma_walk_test, hmm_vma_handle_pte,
// hmm_vma_fault) for HMM_PFN_REQ_FAULT (+REQ_WRITE): no VMA or no VM_READ is
// -EFAULT, a write to a VMA without VM_WRITE is -EPERM; a PTE that is not
// present (or not writable for a write) is faulted through handle_mm_fault,
// which restores device-exclusive entries and migrates device-private pages
// of other owners back to RAM.
//
// hmm_range_snapshot() is the same walk without HMM_PFN_REQ_FAULT (mm/hmm.c
// as read at linux-mm 7.x @ 0a1e70b48f45; used for every profile):
// hmm_pte_need_fault() and hmm_range_need_fault() return 0, so nothing is
// faulted and the page tables are only read.
#include <algorithm>

#include <fmt/format.h>

#include "model/kernel/encoding_config.h"
#include "model/ops/kernel.h"

namespace mmcheck::model::kernel {

namespace {

// HMM_PFN_DEVICE_PRIVATE on a caller's device-private page, as a driver reads it back
// (include/linux/hmm.h of the profile's hmm.h layout, model/kernel/hmm_pfn.h). In niethe v1
// ("mm/hmm: Add flag to track device private pages") the flag is BITS_PER_LONG-7 while
// HMM_PFN_ORDER_SHIFT is still BITS_PER_LONG-11, so the flag is bit 4 of the 5-bit order:
// hmm_pfn_to_map_order() reads the order plus 16, and a driver that maps device memory by that
// order (nouveau_hmm_convert_pfn() maps 1 << order pages) maps 2^16 times the page (bug 18;
// fixed in niethe v2 10/11 by moving the shift to BITS_PER_LONG-12). `kernel_order` is the
// order hmm stores: 0 for a PTE, HPAGE_PMD_ORDER (9 on x86-64) for a device-private PMD.
void CheckDevicePrivateHmmPfn(const World& w, StepResult& r, int mm, int va, uint32_t number,
                              bool write, unsigned kernel_order) {
  const HmmPfnLayout l = EncodingConfigFor(w.knobs).hmm_pfn;
  const uint64_t flag = HmmPfnDevicePrivate(l);
  if (flag == 0) return;
  const uint64_t word =
      HmmPfnEncode(l, number, HMM_PFN_VALID | (write ? HMM_PFN_WRITE : 0) | flag, kernel_order);
  const unsigned read = hmm_pfn_to_map_order(l, word);
  if (read == kernel_order) return;
  r.Event(EventKind::kCorruption,
          fmt::format("hmm_range_fault: mm{}:{} device-private page {:#x} reported with "
                      "HMM_PFN_DEVICE_PRIVATE (bit {}), which lies in the order field at bit {}: "
                      "hmm_pfn_to_map_order() reads order {} for order {}, so a driver mapping "
                      "by order maps {} pages",
                      mm, va, number, l.device_private_bit, l.order_shift, read, kernel_order,
                      uint64_t{1} << read));
}

constexpr unsigned kKernelPmdOrder = 9;  // HPAGE_PMD_ORDER on x86-64 (4 KiB pages, 2 MiB PMDs)

}  // namespace

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
      if (head >= 0 && w.PgmapAt(w.PgmapOf(head)).owner == owner_device) {
        const int i = va & (w.universe.PmdPages() - 1);
        out.push_back({w.DevicePrivateNumber(head + i), pmd.write, true});
        CheckDevicePrivateHmmPfn(w, r, mm, va, out.back().pfn, pmd.write, kKernelPmdOrder);
        continue;
      }
    }
    if (owner_device >= 0 && w.PmdOf(mm, va).kind == PmdKind::kTable) {
      const Pte& pte = w.MmAt(mm).PteAt(va);
      if (IsDevicePrivate(pte.kind)) {
        int frame = w.EntryFrame(pte);
        if (frame >= 0 && w.IsDeviceFrame(frame) &&
            w.PgmapAt(w.PgmapOf(frame)).owner == owner_device) {
          out.push_back({pte.pfn, pte.kind == PteKind::kDevicePrivateWrite, true});
          CheckDevicePrivateHmmPfn(w, r, mm, va, pte.pfn, out.back().write, 0);
          continue;
        }
      }
    }
    if (!AccessHits(w, mm, va, write)) {
      // hmm_vma_fault() faults every page from the first one that needs it
      // to the end of the walk step (the PMD range, within the VMA and the
      // request), then the walk restarts there (-EBUSY): pages after it are
      // faulted even when they would have been reported as they are, the
      // caller's own device-private pages too, which ->migrate_to_ram()
      // brings back (mm/hmm.c hmm_vma_fault, hmm_vma_walk_pmd, 6.12.118 and
      // v6.15). Seen on 6.12 by kernel/conform.sh: a device write over
      // [none, own read-only device-private] returns 0 with the pages back in
      // RAM. The kernel's 512-page PMD is wider than every model VMA, so the
      // step ends at the VMA or the request.
      const int walk_end = std::min(start + npages, static_cast<int>(v->end));
      for (int next = va; next < walk_end; ++next) {
        VmFault f = handle_mm_fault(w, r, mm, next, write);
        if (f == VmFault::kBlocked) {
          blocked = true;
          return 0;
        }
        if (f == VmFault::kOom) return kENOMEM;
        if (f != VmFault::kOk) return kEFAULT;
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
      const Pte& pte = w.MmAt(mm).PteAt(va);
      p.pfn = pte.pfn;
      p.write = pte.write;
    }
    out.push_back(p);
  }
  return 0;
}

void hmm_range_snapshot(const World& w, StepResult& r, int mm, int start, int npages,
                        int owner_device, std::vector<HmmSnapshotPfn>& out) {
  out.assign(static_cast<size_t>(npages), HmmSnapshotPfn{});
  const int pmd_pages = w.universe.PmdPages();
  // The caller's device-private page: page_pgmap(page)->owner ==
  // range->dev_private_owner (the dmirror device).
  auto own = [&](int frame) {
    return frame >= 0 && w.IsDeviceFrame(frame) &&
           w.PgmapAt(w.PgmapOf(frame)).owner == owner_device;
  };
  bool noted_hugetlb_table = false;
  for (int i = 0; i < npages; ++i) {
    const int va = start + i;
    HmmSnapshotPfn& e = out[static_cast<size_t>(i)];
    const Vma* v = w.FindVma(mm, va);
    // No VMA: walk_page_range() calls pte_hole with walk->vma == NULL, and
    // hmm_vma_walk_hole() fills HMM_PFN_ERROR. No VM_READ (PROT_NONE):
    // hmm_vma_walk_test() fills HMM_PFN_ERROR and skips the VMA.
    if (!v || !v->read) {
      e.error = true;
      continue;
    }
    const Pmd& pmd = w.PmdOf(mm, va);
    const int index = va & (pmd_pages - 1);
    if (pmd.kind == PmdKind::kHuge) {
      // THP: hmm_vma_handle_pmd(), pmd_to_hmm_pfn_flags() with the order
      // PMD_SHIFT - PAGE_SHIFT; hugetlb: hmm_vma_walk_hugetlb_entry(),
      // pte_to_hmm_pfn_flags() with huge_page_order(), the PMD order here.
      // VALID, and WRITE from pmd_write()/pte_write().
      e.valid = true;
      e.page = {pmd.pfn + static_cast<uint32_t>(index), pmd.write, false};
      e.order = w.universe.pmd_order;
      continue;
    }
    if (pmd.kind == PmdKind::kDevicePrivate) {
      // hmm_vma_handle_absent_pmd() (balbir's series; linux-mm 7.x): the
      // caller's own device-private PMD is reported page by page at PMD
      // order; any other non-present PMD, with no fault required, is
      // hmm_pfns_fill(HMM_PFN_ERROR).
      const int head = w.DevicePrivatePmdFolio(pmd);
      if (head >= 0 && own(head)) {
        e.valid = true;
        e.page = {w.DevicePrivateNumber(head + index), pmd.write, true};
        e.order = w.universe.pmd_order;
        CheckDevicePrivateHmmPfn(w, r, mm, va, e.page.pfn, pmd.write, kKernelPmdOrder);
      } else {
        e.error = true;
      }
      continue;
    }
    const Pte& pte = w.MmAt(mm).PteAt(va);
    if (v->hugetlb && pte.kind != PteKind::kNone && !noted_hugetlb_table) {
      // Only after a split hugetlb PMD (bug 2): the kernel's hugetlb walk
      // would read the table entry as a huge PTE; the model reports the PTEs.
      noted_hugetlb_table = true;
      r.Event(EventKind::kInfo, fmt::format("hmm_range_fault: mm{}:{} is a hugetlb VMA mapped "
                                            "through a PTE table; the snapshot reports its PTEs",
                                            mm, va));
    }
    if (pte.kind == PteKind::kPresent) {
      // pte_to_hmm_pfn_flags(): VALID, WRITE iff pte_write(). The zero page
      // is not vm_normal_page() but is_zero_pfn(), so it is reported like a
      // normal page; the model has no other special PTE.
      e.valid = true;
      e.page = {pte.pfn, pte.write, false};
      continue;
    }
    if (IsDevicePrivate(pte.kind) && own(w.EntryFrame(pte))) {
      // hmm_vma_handle_pte(): "Don't fault in device private pages owned by
      // the caller, just report the PFN": VALID, WRITE iff the entry is
      // SWP_DEVICE_WRITE.
      e.valid = true;
      e.page = {pte.pfn, pte.kind == PteKind::kDevicePrivateWrite, true};
      CheckDevicePrivateHmmPfn(w, r, mm, va, pte.pfn, e.page.write, 0);
      continue;
    }
    // pte_none, and every other non-present entry (swap, migration,
    // device-exclusive, another owner's device-private page, hwpoison,
    // markers): hmm_pte_need_fault() is 0, so hmm_vma_handle_pte() leaves
    // the entry 0 (no HMM_PFN_VALID) before looking at the entry's type.
  }
}

}  // namespace mmcheck::model::kernel
