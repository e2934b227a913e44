// SPDX-License-Identifier: GPL-2.0
// ZONE_DEVICE page lifetime: zone_device_page_init() and
// free_zone_device_folio(), with the dev_pagemap reference they move.
//
// Models mm/memremap.c: v6.15 (zone_device_page_init: one
// percpu_ref_tryget_live(&pgmap->ref), refcount 1; free_zone_device_folio:
// clear AnonExclusive, ->page_free(), put_dev_pagemap), balbir-v6 01/15
// (zone_device_folio_init(folio, order): tryget_many(1 << order), free puts
// folio_nr_pages, prep_compound_page only for order > 1) and linux-mm 7.x @
// 163177a569ab (->folio_free(), prep_compound_page for any order != 0). For
// order 0 all three agree; the knobs zone_device_folio_init and
// zone_device_free say which one a profile runs for large device folios.
//
// Diverges: memcg uncharge and the per-page state reset of CUR's
// zone_device_page_init() are not modelled; the driver's folio_free
// (dmirror_devmem_free: free the backing page, return the device page to
// the free list) is the frame becoming free again.
#include <fmt/format.h>

#include "model/ops/kernel.h"

namespace mmcheck::model::kernel {

void zone_device_page_init(World& w, int frame) {
  zone_device_folio_init(w, frame, 0);
}

void zone_device_folio_init(World& w, int frame, int order) {
  DevPagemap& pgmap = w.PgmapAt(w.PgmapOf(frame));
  const int nr = 1 << order;
  // v6.15: WARN_ON_ONCE(!percpu_ref_tryget_live(&pgmap->ref)) per
  // zone_device_page_init(), one per page; balbir v6 and 7.x:
  // percpu_ref_tryget_many(&pgmap->ref, 1 << order). Either way 1 << order.
  pgmap.ref = static_cast<int16_t>(pgmap.ref + nr);
  // 7.x clears the per-page state of all 1 << order pages first (flags,
  // mapping, share); v6.15 and balbir v6 do not, so a PG_anon_exclusive a
  // freed tail page kept (zone_device_free=page0) survives into the new folio.
  const bool clears = w.knobs.zone_device_folio_init == ZoneDeviceFolioInit::kOrderNonzero;
  for (int i = 0; i < nr; ++i) {
    Page& p = w.PageAt(frame + i);
    const bool stale_exclusive = !clears && p.anon_exclusive;
    p = Page{};
    p.head = static_cast<int16_t>(frame);
    p.anon_exclusive = stale_exclusive;
  }
  Page& f = w.PageAt(frame);
  // prep_compound_page(): balbir v6 only for order > 1, 7.x for order != 0.
  // The model keeps the order on the head either way (it lays the folio
  // out); what a skipped prep changes is folio_nr_pages() at free time
  // (ZoneDeviceFolioNrPages).
  f.order = static_cast<uint8_t>(order);
  f.refcount = 1;  // set_page_count / folio_set_count(folio, 1)
  f.lru = false;   // ZONE_DEVICE pages are never on an LRU
}

int ZoneDeviceFolioNrPages(const World& w, int head) {
  const int order = w.Folio(head).order;
  // balbir v6 as posted: order 1 skipped prep_compound_page, so
  // folio_nr_pages() reads 1 (docs/kernel-rules.md#bug-21).
  if (order == 1 && w.knobs.zone_device_folio_init == ZoneDeviceFolioInit::kOrderGt1) return 1;
  return 1 << order;
}

void free_zone_device_folio(World& w, StepResult& r, int head) {
  DevPagemap& pgmap = w.PgmapAt(w.PgmapOf(head));
  const int frames = w.NrPages(head);
  const bool all_pages = w.knobs.zone_device_free == ZoneDeviceFree::kAllPages;
  const bool anon = w.Folio(head).anon;
  // v6.15: "if (folio_test_anon(folio)) { VM_BUG_ON_FOLIO(folio_test_large(folio), folio);
  // __ClearPageAnonExclusive(folio_page(folio, 0)); }" and one
  // put_dev_pagemap(). balbir v6 01/15 and 7.x: AnonExclusive cleared on all
  // folio_nr_pages() pages, percpu_ref_put_many(&pgmap->ref, nr).
  const int nr = all_pages ? ZoneDeviceFolioNrPages(w, head) : 1;
  if (!all_pages && anon && frames > 1)
    r.Event(EventKind::kBug,
            fmt::format("VM_BUG_ON_FOLIO(folio_test_large(folio)) in free_zone_device_folio: "
                        "order-{} anon device folio {:#x} (mm/memremap.c before balbir 01/15)",
                        w.Folio(head).order, w.DevicePrivateNumber(head)));
  if (w.lock_thread_folio == head) w.lock_thread_folio = -1;
  // mapping = NULL, then ->folio_free() (dmirror_devmem_free returns the
  // pages to the device's free list): the frames become free; a page whose
  // AnonExclusive was not cleared keeps it.
  for (int i = 0; i < frames; ++i) {
    Page& p = w.PageAt(head + i);
    const bool stale = anon && p.anon_exclusive && i >= nr;
    p = Page{};
    p.anon_exclusive = stale;
  }
  pgmap.ref = static_cast<int16_t>(pgmap.ref - nr);
  if (pgmap.ref < 0)
    r.Event(EventKind::kWarn, fmt::format("percpu_ref underflow on dev{}'s pgmap (put_dev_pagemap)",
                                          static_cast<int>(pgmap.owner)));
}

}  // namespace mmcheck::model::kernel
