// SPDX-License-Identifier: GPL-2.0
// The dmirror test driver's device page table and its MMU notifier.
//
// Models lib/test_hmm.c (linux-mm 7.x @ 05ab51217205): the xarray from VPFN
// to page with WRITE/ATOMIC tags; dmirror_interval_invalidate() erases the
// invalidated range except for MMU_NOTIFY_MIGRATE events that carry this
// device as owner. The ioctls themselves are operations (model/operations.cpp);
// HMM_DMIRROR_SNAPSHOT's dmirror_snapshot() and dmirror_mkentry() are here.
#include <algorithm>

#include "model/ops/kernel.h"

namespace mmcheck::model::kernel {

void dmirror_interval_invalidate(World& w, int device, int mm, int start, int end, NotifyEvent ev,
                                 int owner_device) {
  if (ev == NotifyEvent::kMigrate && owner_device == device) return;
  Device& d = w.DeviceAt(device);
  // knob dmirror_invalidate_range=one-past: xa_for_each_range's last index is
  // inclusive, and dmirror_do_update passes the exclusive end.
  const int last = w.knobs.dmirror_invalidate_range == DmirrorInvalidateRange::kOnePast
                       ? std::min(end + 1, w.universe.pages)
                       : end;
  for (int va = start; va < last; ++va) d.MirrorAt(mm * w.universe.pages + va) = MirrorEntry{};
}

// dmirror_mkentry() (lib/test_hmm.c @ 05ab51217205): ERROR, or NONE without
// HMM_PFN_VALID; else the page's kind (device-private or -coherent, of this device or of
// another, the zero page, or NONE for an ordinary page), then exactly one of
// WRITE or READ, then PMD when the map order is PMD_SHIFT - PAGE_SHIFT (PUD
// for PUD_SHIFT, which the model never maps).
uint8_t dmirror_mkentry(const World& w, int device, const HmmSnapshotPfn& e) {
  if (e.error) return kDmirrorProtError;
  if (!e.valid) return kDmirrorProtNone;
  // hmm_pfn_to_page(): resolved like a mirror entry holding the same HMM PFN.
  const int frame = w.MirrorFrame(MirrorEntry{kMirrorRead, e.page.pfn, e.page.device_private});
  uint8_t perm = kDmirrorProtNone;
  if (frame >= 0 && w.IsDevicePrivateFrame(frame))  // is_device_private_page()
    perm = w.PgmapAt(w.PgmapOf(frame)).owner == device ? kDmirrorProtDevPrivateLocal
                                                       : kDmirrorProtDevPrivateRemote;
  else if (frame >= 0 && w.IsDeviceCoherentFrame(frame))  // is_device_coherent_page()
    perm = w.PgmapAt(w.PgmapOf(frame)).owner == device ? kDmirrorProtDevCoherentLocal
                                                       : kDmirrorProtDevCoherentRemote;
  else if (!e.page.device_private && e.page.pfn == kZeroPfn)  // is_zero_pfn()
    perm = kDmirrorProtZero;
  perm |= e.page.write ? kDmirrorProtWrite : kDmirrorProtRead;
  if (e.order > 0 && e.order == w.universe.pmd_order) perm |= kDmirrorProtPmd;
  return perm;
}

// dmirror_snapshot() -> dmirror_range_snapshot() per 32-page window: a
// temporary interval notifier (dmirror_snapshot_invalidate only bumps its
// sequence), hmm_range_fault() with no fault flags until the sequence is
// stable, then dmirror_mkentry() per page, copied to cmd->ptr; cpages +=
// the window. The mirror's xarray (dmirror->pt) is not touched. Operations
// are atomic here, so one walk of the whole range gives the same bytes.
int dmirror_snapshot(const World& w, StepResult& r, int device, int mm, int start, int npages,
                     std::vector<uint8_t>& perm, int& cpages) {
  std::vector<HmmSnapshotPfn> pfns;
  hmm_range_snapshot(w, r, mm, start, npages, device, pfns);
  perm.clear();
  for (const HmmSnapshotPfn& e : pfns) perm.push_back(dmirror_mkentry(w, device, e));
  cpages = npages;
  return 0;
}

}  // namespace mmcheck::model::kernel
