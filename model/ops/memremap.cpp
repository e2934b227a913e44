// ZONE_DEVICE page lifetime: zone_device_page_init() and
// free_zone_device_folio(), with the dev_pagemap reference they move.
//
// Models mm/memremap.c: v6.15 (zone_device_page_init: one
// percpu_ref_tryget_live(&pgmap->ref), refcount 1; free_zone_device_folio:
// clear AnonExclusive, ->page_free(), put_dev_pagemap), balbir-v6 01/15
// (zone_device_folio_init(folio, order): tryget_many(1 << order), free puts
// folio_nr_pages) and linux-mm 7.x @ 163177a569ab (->folio_free()). The
// model's device folios are order 0, where all three agree.
//
// Diverges: memcg uncharge and the per-page state reset of CUR's
// zone_device_page_init() are not modelled; the driver's folio_free
// (dmirror_devmem_free: free the backing page, return the device page to
// the free list) is the frame becoming free again.
#include <fmt/format.h>

#include "model/ops/kernel.h"

namespace mmcheck::model::kernel {

void zone_device_page_init(World& w, int frame) {
  DevPagemap& pgmap = w.pgmaps[static_cast<size_t>(w.PgmapOf(frame))];
  // WARN_ON_ONCE(!percpu_ref_tryget_live(&pgmap->ref)): one ref per page
  // (balbir-v6: percpu_ref_tryget_many(&pgmap->ref, 1 << order)).
  pgmap.ref++;
  Page& p = w.pages[static_cast<size_t>(frame)];
  p = Page{};
  p.head = static_cast<int16_t>(frame);
  p.order = 0;
  p.refcount = 1;   // set_page_count(page, 1)
  p.lru = false;    // ZONE_DEVICE pages are never on an LRU
}

void free_zone_device_folio(World& w, StepResult& r, int head) {
  DevPagemap& pgmap = w.pgmaps[static_cast<size_t>(w.PgmapOf(head))];
  const int nr = w.NrPages(head);
  // "Clear AnonExclusive": all folio_nr_pages (balbir-v6; page 0 only
  // before, the same for order 0). Then mapping = NULL, ->folio_free()
  // (dmirror_devmem_free returns the page to the free list) and
  // percpu_ref_put_many(&pgmap->ref, nr).
  if (w.lock_thread_folio == head) w.lock_thread_folio = -1;
  for (int i = 0; i < nr; ++i) w.pages[static_cast<size_t>(head + i)] = Page{};
  pgmap.ref = static_cast<int16_t>(pgmap.ref - nr);
  if (pgmap.ref < 0)
    r.Event(EventKind::kWarn, fmt::format("percpu_ref underflow on dev{}'s pgmap (put_dev_pagemap)",
                                          static_cast<int>(pgmap.owner)));
}

}  // namespace mmcheck::model::kernel
