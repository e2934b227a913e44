// SPDX-License-Identifier: GPL-2.0
// shrink_folio_list() on one folio: reclaim of an anonymous folio to swap.
//
// Models mm/vmscan.c (v6.15): isolate, trylock, folio_check_references
// (unless ignore_references, as MADV_PAGEOUT does), add_to_swap,
// try_to_unmap only if folio_mapped(), pageout, __remove_mapping's
// refcount freeze (1 isolation + nr swapcache references), free; a lazyfree
// (MADV_FREE) folio skips swap and is discarded when clean.
//
// Diverges: a large folio takes nr single swap slots rather than a cluster;
// a folio that is not freed does not stay in the swapcache (its slots are
// released unless a swap PTE now uses them); shmem and file folios are not
// reclaimed (shmem swap-out is not modelled).
#include <fmt/format.h>

#include "model/ops/kernel.h"

namespace mmcheck::model::kernel {
namespace {

// Whether some (mm, va) whose entry references a frame of folio `head` satisfies
// `pred(pmd, pte)` (the PMD and PTE at that address).
template <typename Pred>
bool AnyEntryOf(const World& w, int head, Pred pred) {
  for (int mm = 0; mm < static_cast<int>(w.mms.size()); ++mm) {
    if (!w.MmAt(mm).exists) continue;
    for (int va = 0; va < w.universe.pages; ++va) {
      int f = w.MappedFrame(mm, va);
      if (f < 0 || w.PageAt(f).head != head) continue;
      if (pred(w.PmdOf(mm, va), w.MmAt(mm).PteAt(va))) return true;
    }
  }
  return false;
}

// Whether any entry anywhere still references a frame of folio `head`.
bool StillReferenced(const World& w, int head) {
  return AnyEntryOf(w, head, [](const Pmd&, const Pte&) { return true; });
}

// What a correct kernel needs to reclaim this folio: it is an anonymous LRU
// folio, nobody else holds its lock or a reference beyond its mappings, no
// young PTE protects it, and swap space exists.
bool ReclaimEligible(const World& w, int head, bool ignore_references, std::string& why) {
  const Page& f = w.Folio(head);
  if (!f.anon || f.hugetlb || !f.lru) return why = "not an anonymous LRU folio", false;
  if (w.lock_thread_folio == head) return why = "locked by another thread", false;
  if (!f.swapbacked) {
    // Lazyfree (MADV_FREE): no swap needed, but a folio written since is
    // kept (made swapbacked again), so only a clean one must go.
    if (f.dirty) return why = "lazyfree but dirty", false;
    if (AnyEntryOf(w, head, [](const Pmd& pmd, const Pte& pte) {
          return pmd.kind == PmdKind::kHuge ? pmd.dirty : pte.dirty;
        }))
      return why = "lazyfree but written again", false;
  } else {
    int free_slots = 0;
    for (const SwapSlot& s : w.swap) free_slots += s.count == 0;
    if (free_slots < w.NrPages(head)) return why = "no free swap slots", false;
  }
  if (!ignore_references && AnyEntryOf(w, head, [](const Pmd& pmd, const Pte& pte) {
        return pmd.kind == PmdKind::kHuge ? pmd.young : pte.kind == PteKind::kPresent && pte.young;
      }))
    return why = "recently referenced", false;
  return true;
}

}  // namespace

void shrink_folio(World& w, StepResult& r, int head, bool ignore_references) {
  const uint32_t pfn = w.PfnOf(head);
  std::string why;
  bool eligible = ReclaimEligible(w, head, ignore_references, why);
  auto record = [&](bool progressed, std::string reason) {
    if (eligible)
      r.progress.push_back({ProgressCheck::kReclaim, pfn, progressed, std::move(reason)});
  };
  Page& f = w.Folio(head);
  if (!f.lru || f.hugetlb) return record(false, "not on an LRU list");
  if (w.lock_thread_folio == head) return record(false, "folio_trylock failed");
  if (!f.anon) return record(false, "shmem/file reclaim is not modelled");
  f.lru = false;
  folio_get(w, head);  // isolation
  auto keep = [&](std::string reason) {
    w.Folio(head).lru = true;
    folio_put(w, r, head);
    record(false, std::move(reason));
  };
  if (!ignore_references && folio_referenced(w, r, head) > 0)
    return keep("folio_check_references: referenced, activated");
  if (!w.Folio(head).swapbacked) {
    // Lazyfree (MADV_FREE, mm/vmscan.c v6.15 / linux-mm 7.x): no
    // add_to_swap; try_to_unmap() discards clean mappings; then
    // folio_ref_freeze(folio, 1) and !folio_test_dirty, else keep.
    if (w.FolioMapcount(head) > 0) try_to_unmap(w, r, head, {});
    if (w.FolioMapcount(head) > 0) return keep("try_to_unmap left the lazyfree folio mapped");
    if (w.Folio(head).refcount != 1 || w.Folio(head).dirty)
      return keep("lazyfree folio: folio_ref_freeze failed or redirtied");
    folio_put(w, r, head);  // PGLAZYFREED: free_it
    return record(!StillReferenced(w, head), "an entry still references the freed folio");
  }
  // add_to_swap(): one slot per page, lowest free first.
  const int nr = w.NrPages(head);
  std::vector<int> slots;
  for (int s = 0; s < static_cast<int>(w.swap.size()) && static_cast<int>(slots.size()) < nr; ++s)
    if (w.SlotAt(s).count == 0) slots.push_back(s);
  if (static_cast<int>(slots.size()) < nr) return keep("add_to_swap failed: no swap space");
  folio_get(w, head, nr);  // swapcache references
  if (w.FolioMapcount(head) > 0) try_to_unmap(w, r, head, slots);
  auto drop_swapcache = [&] { folio_put(w, r, head, nr); };
  if (w.FolioMapcount(head) > 0) {
    drop_swapcache();
    return keep("try_to_unmap left the folio mapped");
  }
  // pageout(): write every page to its slot (the data a later swap-in reads).
  for (int i = 0; i < nr; ++i)
    w.SlotAt(slots[static_cast<size_t>(i)]).data = w.PageAt(head + i).data;
  w.Folio(head).dirty = false;
  // __remove_mapping(): freeze the refcount at isolation + swapcache.
  if (w.Folio(head).refcount != 1 + nr) {
    std::string reason = fmt::format(
        "__remove_mapping: refcount {} != expected {} (mapcount {}): an unaccounted reference "
        "remains",
        w.Folio(head).refcount, 1 + nr, w.FolioMapcount(head));
    drop_swapcache();
    return keep(reason);
  }
  w.Folio(head).refcount = 1;  // delete_from_swap_cache, then the final put
  folio_put(w, r, head);
  record(!StillReferenced(w, head), "an entry still references the freed folio");
}

}  // namespace mmcheck::model::kernel
