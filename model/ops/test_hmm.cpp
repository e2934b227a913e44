// The dmirror test driver's device page table and its MMU notifier.
//
// Models lib/test_hmm.c (linux-mm 7.x @ 05ab51217205): the xarray from VPFN
// to page with WRITE/ATOMIC tags; dmirror_interval_invalidate() erases the
// invalidated range except for MMU_NOTIFY_MIGRATE events that carry this
// device as owner. The ioctls themselves are operations (model/operations.cpp).
#include "model/ops/kernel.h"

namespace mmcheck::model::kernel {

void dmirror_interval_invalidate(World& w, int device, int mm, int start, int end,
                                 NotifyEvent ev, int owner_device) {
  if (ev == NotifyEvent::kMigrate && owner_device == device) return;
  Device& d = w.devices[static_cast<size_t>(device)];
  for (int va = start; va < end; ++va)
    d.mirror[static_cast<size_t>(mm * w.universe.pages + va)] = MirrorEntry{};
}

}  // namespace mmcheck::model::kernel
