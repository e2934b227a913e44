// SPDX-License-Identifier: GPL-2.0
#include "properties/properties.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "model/dump.h"
#include "model/kernel/pvmw_encoding.h"
#include "model/ops/kernel.h"

namespace mmcheck::properties {

using namespace model;

namespace {

enum PropertyId : int {
  kMapcountMatchesMappings,
  kRefcountCoversMappings,
  kNoDanglingEntry,
  kEntryKindMatchesFolio,
  kMigrationEntriesTemporary,
  kAnonExclusiveConsistent,
  kDeviceExclusiveIsExclusive,
  kReclaimMakesProgress,
  kMigrationMakesProgress,
  kRssMatchesEntries,
  kSwapCountMatches,
  kDataIntegrity,
  kNoKernelBug,
  kNoMemoryCorruption,
  kNoKernelWarning,
  kPfnOffsetNoConfusion,
  kPvmwSoundAndComplete,
  kPgmapRefsBalance,
  kDevicePrivateEntryKindPreserved,
  kNumProperties,
};

const std::vector<PropertyInfo>& Table() {
  static const std::vector<PropertyInfo> t = {
      {"mapcount-matches-mappings",
       "folio_mapcount equals the page-table entries mapping the folio: present PTEs and PMDs, "
       "device-private entries and device-exclusive entries; per-page _mapcount counts PTE "
       "mappings, _entire_mapcount PMD mappings",
       "include/linux/mm.h folio_mapcount (v6.15); docs/kernel-rules.md#invariant-1; violated "
       "before "
       "hildenbrand-v2 16/17",
       Severity::kHard},
      {"refcount-covers-mappings",
       "every mapping holds a reference: refcount >= mapping entries (device-exclusive "
       "included) + page-cache references + other holders",
       "include/linux/mm.h folio_mapcount doc (each mapping paired with one reference); "
       "docs/kernel-rules.md#invariant-2",
       Severity::kHard},
      {"no-dangling-entry",
       "no page-table entry, swap entry or device mirror entry points at a freed folio or slot",
       "mm/memory.c zap/copy paths; lib/test_hmm.c invalidation; docs/kernel-rules.md#invariant-3",
       Severity::kHard},
      {"entry-kind-matches-folio",
       "device-exclusive entries point at anonymous non-hugetlb folios, hugetlb folios are "
       "mapped only by huge entries, a huge PMD maps a PMD-sized folio from its head, every "
       "entry lies inside a VMA, swap entries only in private VMAs",
       "mm/rmap.c make_device_exclusive (anon only); mm/hugetlb.c; "
       "docs/kernel-rules.md#what-each-entry-holds",
       Severity::kHard},
      {"migration-entries-temporary",
       "migration entries exist only while their folio is being migrated (locked by the "
       "migrating thread); none survives an operation",
       "mm/migrate.c; docs/kernel-rules.md#invariant-9", Severity::kHard},
      {"anon-exclusive-consistent",
       "a writable anon PTE/PMD or a device-exclusive entry maps a PageAnonExclusive page; a page "
       "mapped by two entries is not AnonExclusive; an exclusive swap entry has swap count 1",
       "mm/rmap.c try_to_migrate_one VM_WARN; mm/memory.c do_swap_page; "
       "docs/kernel-rules.md#invariant-7",
       Severity::kHard},
      {"device-exclusive-is-exclusive",
       "while a device holds an ATOMIC mapping of a page, the CPU PTE is the device-exclusive "
       "entry for that page and no present entry maps it",
       "mm/rmap.c make_device_exclusive contract; lib/test_hmm.c dmirror_atomic_map; hmm-tests "
       "exclusive",
       Severity::kHard},
      {"reclaim-makes-progress",
       "reclaim of an anonymous LRU folio that nobody holds, pins or recently referenced, with "
       "swap space free, unmaps and frees it",
       "mm/vmscan.c shrink_folio_list; the 1 GiB unswappable device-exclusive memory "
       "(hildenbrand-v1 cover letter)",
       Severity::kHard},
      {"migration-makes-progress",
       "migration of an LRU folio with no references beyond its mappings and page cache, and a "
       "free destination, succeeds",
       "mm/migrate.c migrate_folio_unmap/folio_migrate_mapping; the memory offline that loops "
       "forever (hildenbrand-v1 cover letter)",
       Severity::kHard},
      {"rss-matches-entries",
       "per-mm RSS counters equal the entries: present/device/migration entries per folio "
       "type, swap entries in MM_SWAPENTS",
       "mm/memory.c zap_nonpresent_ptes, copy_nonpresent_pte; docs/kernel-rules.md#invariant-10",
       Severity::kHard},
      {"swap-count-matches", "a swap slot's count equals the swap entries that reference it",
       "mm/swapfile.c swap_duplicate/free_swap_and_cache", Severity::kHard},
      {"data-integrity",
       "every CPU and device read returns the last value written to that address; what every "
       "entry resolves to holds that value",
       "every page's data tracked by the model; hmm-tests exclusive, anon_write_child",
       Severity::kHard},
      {"no-kernel-bug", "no BUG_ON/VM_BUG_ON fires",
       "e.g. mm/page_table_check.c:87 (hildenbrand-v2 01/17)", Severity::kHard},
      {"no-memory-corruption",
       "the kernel never reads or writes through a wrong page or a misinterpreted entry",
       "hildenbrand-v2 07/17, 10-12/17", Severity::kHard},
      {"no-kernel-warning", "no WARN_ON fires (advisory)", "mm/rmap.c, mm/memory.c WARNs",
       Severity::kAdvisory},
      {"pfn-offset-no-confusion",
       "a device-private offset is never looked up as a PFN nor a PFN as an offset: no walker "
       "or lookup hits a page other than the one it was given, and every device mirror entry "
       "says (HMM_PFN_DEVICE_PRIVATE) whether it names a device-private page",
       "docs/kernel-rules.md#invariant-6; niethe v2 00/11 cover letter (offsets share the numeric "
       "range of PFNs; only the entry type or flag tells them apart)",
       Severity::kHard},
      {"pvmw-sound-and-complete",
       "page_vma_mapped_walk for a folio, as DEFINE_FOLIO_VMA_WALK starts it (every state) and "
       "as try_to_migrate_one with TTU_SYNC starts it where the kernel does (unmap_folio, the "
       "split of a mapped large device-private folio), hits exactly the present, "
       "device-private, device-exclusive and huge entries that map the folio (checked in "
       "universes with device memory)",
       "mm/page_vma_mapped.c check_pte (linux-mm 7.x @ 02bd6a2b49e5); "
       "docs/kernel-rules.md#invariant-4; niethe v3-v6 05/13 PVMW_DEVICE_PRIVATE and the TTU_SYNC "
       "overwrite (docs/kernel-rules.md#bug-15)",
       Severity::kHard},
      {"pgmap-refs-balance",
       "each dev_pagemap's percpu ref count equals the pages of its allocated device folios "
       "(1 << order each), so memunmap_pages() can complete once they are freed",
       "mm/memremap.c zone_device_page_init/free_zone_device_folio (v6.15); balbir-v6 01/15; "
       "docs/kernel-rules.md#invariant-11",
       Severity::kHard},
      {"device-private-entry-kind-preserved",
       "every entry naming a device-private page is a device-private entry (SWP_DEVICE_READ/"
       "WRITE), every device-private entry names an allocated device-private page, and a "
       "writable one maps a PageAnonExclusive page",
       "mm/memory.c copy_nonpresent_pte, mm/mprotect.c change_pte_range (type-preserving "
       "downgrades); docs/kernel-rules.md#invariant-6, #invariant-7, #bug-17",
       Severity::kHard},
  };
  return t;
}

// One pass over the world: what every frame, folio, slot and mm should hold.
struct Census {
  std::vector<int16_t> pte_maps;   // per frame: PTE-level mapping entries
  std::vector<int16_t> pmd_maps;   // per head: huge PMD mappings
  std::vector<int16_t> page_maps;  // per frame: PTE + PMD mappings (for AnonExclusive)
  std::vector<int16_t> swap_refs;  // per slot
  std::vector<std::array<int16_t, kNrRss>> rss;  // per mm
};

void Take(const World& w, Census& c) {
  const size_t frames = w.pages.size();
  c.pte_maps.assign(frames, 0);
  c.pmd_maps.assign(frames, 0);
  c.page_maps.assign(frames, 0);
  c.swap_refs.assign(w.swap.size(), 0);
  c.rss.assign(w.mms.size(), {});
  const int pmd_pages = w.universe.PmdPages();
  for (size_t mm = 0; mm < w.mms.size(); ++mm) {
    const Mm& m = w.mms[mm];
    if (!m.exists) continue;
    for (int va = 0; va < w.universe.pages; ++va) {
      const Pmd& pmd = m.pmds[static_cast<size_t>(va >> w.universe.pmd_order)];
      if (pmd.kind == PmdKind::kHuge || pmd.kind == PmdKind::kDevicePrivate) {
        // A present huge PMD, or a device-private PMD (balbir): one entire
        // mapping of a PMD-sized folio (docs/kernel-rules.md#invariant-1),
        // HPAGE_PMD_NR of rss.
        int frame = w.MappedFrame(static_cast<int>(mm), va);
        if (frame < 0) continue;
        c.page_maps[static_cast<size_t>(frame)]++;
        int head = w.pages[static_cast<size_t>(frame)].head;
        if ((va & (pmd_pages - 1)) == 0 && head >= 0) {
          c.pmd_maps[static_cast<size_t>(head)]++;
          if (!w.pages[static_cast<size_t>(head)].hugetlb)
            c.rss[mm][w.pages[static_cast<size_t>(head)].anon ? kMmAnonPages : kMmShmemPages] +=
                static_cast<int16_t>(pmd_pages);
        }
        continue;
      }
      const Pte& pte = m.ptes[static_cast<size_t>(va)];
      if (pte.kind == PteKind::kSwap) {
        if (pte.pfn < c.swap_refs.size()) c.swap_refs[pte.pfn]++;
        c.rss[mm][kMmSwapEnts]++;
        continue;
      }
      if (!HasPfn(pte.kind) || pte.special || pte.kind == PteKind::kHwpoison) continue;
      int frame = w.EntryFrame(pte);  // softleaf_to_page(): by the entry's kind
      int head = frame < 0 ? -1 : w.pages[static_cast<size_t>(frame)].head;
      if (head >= 0) {
        const Page& f = w.pages[static_cast<size_t>(head)];
        c.rss[mm][f.anon ? kMmAnonPages : f.shmem >= 0 ? kMmShmemPages : kMmFilePages]++;
      } else {
        c.rss[mm][kMmAnonPages]++;  // a dangling entry still counts (reported elsewhere)
      }
      if (IsMigration(pte.kind) || frame < 0) continue;
      c.pte_maps[static_cast<size_t>(frame)]++;
      c.page_maps[static_cast<size_t>(frame)]++;
    }
  }
}

// Mapping entries holding a reference on folio `head` (PTEs of its frames, PMDs).
int EntryRefs(const World& w, const Census& c, int head) {
  int n = c.pmd_maps[static_cast<size_t>(head)];
  for (int i = 0; i < w.NrPages(head); ++i) n += c.pte_maps[static_cast<size_t>(head + i)];
  return n;
}

template <typename... Args>
void Fail(std::vector<Violation>& out, int id, fmt::format_string<Args...> f, Args&&... args) {
  out.push_back({id, fmt::format(f, std::forward<Args>(args)...)});
}

void CheckFolios(const World& w, const Census& c, PropertyMask en, std::vector<Violation>& out) {
  bool mc = en & (1u << kMapcountMatchesMappings), rc = en & (1u << kRefcountCoversMappings);
  bool ax = en & (1u << kAnonExclusiveConsistent);
  bool mc_done = false, rc_done = false, ax_done = false;
  for (size_t h = 0; h < w.pages.size(); ++h) {
    const Page& f = w.pages[h];
    if (f.head != static_cast<int>(h)) continue;
    int head = static_cast<int>(h);
    int nr = w.NrPages(head);
    if (mc && !mc_done) {
      int ptes = 0;
      for (int i = 0; i < nr; ++i) ptes += c.pte_maps[h + static_cast<size_t>(i)];
      int pmds = c.pmd_maps[h];
      if (w.FolioMapcount(head) != ptes + pmds) {
        Fail(out, kMapcountMatchesMappings,
             "folio pfn {:#x}: mapcount {} but {} entries map it ({} PTE, {} PMD)", w.PfnOf(head),
             w.FolioMapcount(head), ptes + pmds, ptes, pmds);
        mc_done = true;
      } else if (f.order > 0 && f.entire_mapcount + 1 != pmds) {
        Fail(out, kMapcountMatchesMappings, "folio pfn {:#x}: entire mapcount {} but {} PMDs",
             w.PfnOf(head), f.entire_mapcount + 1, pmds);
        mc_done = true;
      } else {
        for (int i = 0; i < nr && !mc_done; ++i) {
          const Page& p = w.pages[h + static_cast<size_t>(i)];
          if (p.mapcount + 1 != c.pte_maps[h + static_cast<size_t>(i)]) {
            Fail(out, kMapcountMatchesMappings, "page pfn {:#x}: _mapcount+1 = {} but {} PTEs",
                 w.PfnOf(head + i), p.mapcount + 1, c.pte_maps[h + static_cast<size_t>(i)]);
            mc_done = true;
          }
        }
      }
    }
    if (rc && !rc_done) {
      int need = EntryRefs(w, c, head) + (f.shmem >= 0 ? nr : 0) + (w.lock_thread_folio == head);
      if (f.refcount < need) {
        Fail(out, kRefcountCoversMappings,
             "folio pfn {:#x}: refcount {} < {} (mappings + page cache + lock holder)",
             w.PfnOf(head), f.refcount, need);
        rc_done = true;
      }
    }
    if (ax && !ax_done && f.anon) {
      for (int i = 0; i < nr && !ax_done; ++i) {
        const Page& p = w.pages[h + static_cast<size_t>(i)];
        // At PMD level the head page carries the bit for the whole folio.
        bool exclusive = p.anon_exclusive || (c.pmd_maps[h] > 0 && f.anon_exclusive);
        if (exclusive && c.page_maps[h + static_cast<size_t>(i)] > 1) {
          Fail(out, kAnonExclusiveConsistent,
               "page pfn {:#x} is AnonExclusive but mapped by {} entries", w.PfnOf(head + i),
               c.page_maps[h + static_cast<size_t>(i)]);
          ax_done = true;
        }
      }
    }
  }
}

// A migration entry of a device folio whose eviction is in flight
// (dev_evict_begin .. dev_evict_end): legitimately still there.
bool InFlight(const World& w, const Pte& pte) {
  if (w.migrating.empty()) return false;
  int frame = w.EntryFrame(pte);
  if (frame < 0) return false;
  for (int m : w.migrating)
    if (m == w.pages[static_cast<size_t>(frame)].head) return true;
  return false;
}

void CheckEntries(const World& w, PropertyMask en, std::vector<Violation>& out) {
  bool dangling = en & (1u << kNoDanglingEntry), kind = en & (1u << kEntryKindMatchesFolio);
  bool mig = en & (1u << kMigrationEntriesTemporary), ax = en & (1u << kAnonExclusiveConsistent);
  bool d_done = false, k_done = false, m_done = false, ax_done = false;
  const int pmd_pages = w.universe.PmdPages();
  for (size_t mm = 0; mm < w.mms.size(); ++mm) {
    const Mm& m = w.mms[mm];
    if (!m.exists) continue;
    for (int va = 0; va < w.universe.pages; ++va) {
      const Vma* v = w.FindVma(static_cast<int>(mm), va);
      const Pmd& pmd = m.pmds[static_cast<size_t>(va >> w.universe.pmd_order)];
      if (pmd.kind == PmdKind::kDevicePrivate) {
        if ((va & (pmd_pages - 1)) != 0) continue;
        int head = w.DevicePrivatePmdFolio(pmd);
        if (head < 0) {
          if (dangling && !d_done) {
            Fail(out, kNoDanglingEntry, "mm{}:{} device-private PMD names freed {:#x}", mm, va,
                 pmd.pfn);
            d_done = true;
          }
          continue;
        }
        const Page& f = w.pages[static_cast<size_t>(head)];
        if (kind && !k_done &&
            (w.DevicePrivateNumber(head) != pmd.pfn || f.order != w.universe.pmd_order || !v ||
             !f.anon)) {
          Fail(out, kEntryKindMatchesFolio,
               "mm{}:{} device-private PMD {:#x} is not a PMD-sized "
               "anon device folio head inside a VMA",
               mm, va, pmd.pfn);
          k_done = true;
        }
        if (ax && !ax_done && pmd.write && !f.anon_exclusive) {
          Fail(out, kAnonExclusiveConsistent,
               "mm{}:{} writable device-private PMD of a non-exclusive folio", mm, va);
          ax_done = true;
        }
        continue;
      }
      if (pmd.kind == PmdKind::kHuge) {
        if ((va & (pmd_pages - 1)) != 0) continue;
        int head = w.FolioOf(pmd.pfn);
        if (head < 0) {
          if (dangling && !d_done) {
            Fail(out, kNoDanglingEntry, "mm{}:{} huge PMD maps freed pfn {:#x}", mm, va, pmd.pfn);
            d_done = true;
          }
          continue;
        }
        if (kind && !k_done &&
            (w.PfnOf(head) != pmd.pfn ||
             w.pages[static_cast<size_t>(head)].order != w.universe.pmd_order || !v)) {
          Fail(out, kEntryKindMatchesFolio,
               "mm{}:{} huge PMD pfn {:#x} is not a PMD-sized folio "
               "head inside a VMA",
               mm, va, pmd.pfn);
          k_done = true;
        }
        if (ax && !ax_done && pmd.write && w.pages[static_cast<size_t>(head)].anon &&
            !w.pages[static_cast<size_t>(head)].anon_exclusive) {
          Fail(out, kAnonExclusiveConsistent, "mm{}:{} writable huge PMD of a non-exclusive folio",
               mm, va);
          ax_done = true;
        }
        continue;
      }
      const Pte& pte = m.ptes[static_cast<size_t>(va)];
      if (pte.kind == PteKind::kNone) continue;
      if (kind && !k_done && !v) {
        Fail(out, kEntryKindMatchesFolio, "mm{}:{} {} entry outside any VMA", mm, va,
             PteKindName(pte.kind));
        k_done = true;
      }
      if (pte.kind == PteKind::kSwap) {
        if (dangling && !d_done && (pte.pfn >= w.swap.size() || w.swap[pte.pfn].count <= 0)) {
          Fail(out, kNoDanglingEntry, "mm{}:{} swap entry names free slot s{}", mm, va, pte.pfn);
          d_done = true;
        }
        if (kind && !k_done && v && v->shared) {
          Fail(out, kEntryKindMatchesFolio, "mm{}:{} swap PTE in a shared mapping", mm, va);
          k_done = true;
        }
        if (ax && !ax_done && pte.swp_exclusive && pte.pfn < w.swap.size() &&
            w.swap[pte.pfn].count != 1) {
          Fail(out, kAnonExclusiveConsistent, "mm{}:{} exclusive swap entry with count {}", mm, va,
               w.swap[pte.pfn].count);
          ax_done = true;
        }
        continue;
      }
      if (mig && !m_done && IsMigration(pte.kind) && !InFlight(w, pte)) {
        Fail(out, kMigrationEntriesTemporary,
             "mm{}:{} {} entry for pfn {:#x} outlived its "
             "migration",
             mm, va, PteKindName(pte.kind), pte.pfn);
        m_done = true;
      }
      if (!HasPfn(pte.kind) || pte.special) continue;
      int frame = w.EntryFrame(pte);
      int head = frame < 0 ? -1 : w.pages[static_cast<size_t>(frame)].head;
      if (head < 0) {
        if (dangling && !d_done) {
          Fail(out, kNoDanglingEntry, "mm{}:{} {} entry points at pfn {:#x}, no allocated folio",
               mm, va, PteKindName(pte.kind), pte.pfn);
          d_done = true;
        }
        continue;
      }
      const Page& f = w.pages[static_cast<size_t>(head)];
      const Page& p = w.pages[static_cast<size_t>(frame)];
      if (kind && !k_done && f.hugetlb) {
        Fail(out, kEntryKindMatchesFolio, "mm{}:{} PTE-level {} entry maps hugetlb pfn {:#x}", mm,
             va, PteKindName(pte.kind), pte.pfn);
        k_done = true;
      }
      if (kind && !k_done && IsDeviceExclusive(pte.kind) && !f.anon) {
        Fail(out, kEntryKindMatchesFolio, "mm{}:{} device-exclusive entry for non-anon pfn {:#x}",
             mm, va, pte.pfn);
        k_done = true;
      }
      if (ax && !ax_done && f.anon &&
          ((pte.kind == PteKind::kPresent && pte.write) || IsDeviceExclusive(pte.kind) ||
           pte.kind == PteKind::kDevicePrivateWrite) &&
          !p.anon_exclusive) {
        Fail(out, kAnonExclusiveConsistent, "mm{}:{} {} {} entry maps non-AnonExclusive pfn {:#x}",
             mm, va, pte.write ? "writable" : "", PteKindName(pte.kind), pte.pfn);
        ax_done = true;
      }
    }
  }
  if (dangling && !d_done) {
    for (size_t d = 0; d < w.devices.size() && !d_done; ++d)
      for (size_t i = 0; i < w.devices[d].mirror.size() && !d_done; ++i) {
        const MirrorEntry& e = w.devices[d].mirror[i];
        if (e.perm == kMirrorNone || e.pfn == kZeroPfn) continue;
        int mf = w.MirrorFrame(e);
        if (mf < 0 || w.pages[static_cast<size_t>(mf)].head < 0) {
          Fail(out, kNoDanglingEntry, "dev{} mirror entry mm{}:p{} points at freed pfn {:#x}", d,
               i / static_cast<size_t>(w.universe.pages), i % static_cast<size_t>(w.universe.pages),
               e.pfn);
          d_done = true;
        }
      }
  }
}

void CheckDeviceExclusive(const World& w, const Census& c, std::vector<Violation>& out) {
  for (size_t d = 0; d < w.devices.size(); ++d)
    for (size_t i = 0; i < w.devices[d].mirror.size(); ++i) {
      const MirrorEntry& e = w.devices[d].mirror[i];
      if (e.perm != kMirrorAtomic) continue;
      int mm = static_cast<int>(i / static_cast<size_t>(w.universe.pages));
      int va = static_cast<int>(i % static_cast<size_t>(w.universe.pages));
      const Pte& pte = w.mms[static_cast<size_t>(mm)].ptes[static_cast<size_t>(va)];
      if (!IsDeviceExclusive(pte.kind) || pte.pfn != e.pfn) {
        Fail(out, kDeviceExclusiveIsExclusive,
             "dev{} holds ATOMIC mm{}:p{} -> pfn {:#x} but the CPU entry is {} {:#x}", d, mm, va,
             e.pfn, PteKindName(pte.kind), pte.pfn);
        return;
      }
      int frame = w.FrameOf(e.pfn);
      if (frame < 0) continue;
      // Any present entry for the page besides device-exclusive ones?
      int present = 0;
      for (size_t m = 0; m < w.mms.size(); ++m) {
        if (!w.mms[m].exists) continue;
        for (int p = 0; p < w.universe.pages; ++p) {
          const Pte& q = w.mms[m].ptes[p];
          int f = w.MappedFrame(static_cast<int>(m), p);
          if (f == frame &&
              (w.mms[m].pmds[static_cast<size_t>(w.PmdIndex(p))].kind == PmdKind::kHuge ||
               q.kind == PteKind::kPresent))
            ++present;
        }
      }
      (void)c;
      if (present > 0) {
        Fail(out, kDeviceExclusiveIsExclusive,
             "dev{} holds ATOMIC pfn {:#x} while {} present CPU entries map it", d, e.pfn, present);
        return;
      }
    }
}

void CheckRss(const World& w, const Census& c, std::vector<Violation>& out) {
  static const char* kNames[] = {"file", "anon", "swap", "shmem"};
  for (size_t mm = 0; mm < w.mms.size(); ++mm) {
    if (!w.mms[mm].exists) continue;
    for (int k = 0; k < kNrRss; ++k)
      if (w.mms[mm].rss[static_cast<size_t>(k)] != c.rss[mm][static_cast<size_t>(k)]) {
        Fail(out, kRssMatchesEntries, "mm{} rss {} is {} but {} entries count", mm, kNames[k],
             w.mms[mm].rss[static_cast<size_t>(k)], c.rss[mm][static_cast<size_t>(k)]);
        return;
      }
  }
}

void CheckSwap(const World& w, const Census& c, std::vector<Violation>& out) {
  for (size_t s = 0; s < w.swap.size(); ++s)
    if (w.swap[s].count != c.swap_refs[s]) {
      Fail(out, kSwapCountMatches, "slot s{} count {} but {} swap entries", s, w.swap[s].count,
           c.swap_refs[s]);
      return;
    }
}

void CheckData(const World& w, const StepResult& r, std::vector<Violation>& out) {
  if (!r.mismatches.empty()) {
    const DataMismatch& d = r.mismatches.front();
    Fail(out, kDataIntegrity, "{} read {} at mm{}:{} but {} was last written", d.who, d.got, d.mm,
         d.va, d.expected);
    return;
  }
  for (size_t mm = 0; mm < w.mms.size(); ++mm) {
    const Mm& m = w.mms[mm];
    if (!m.exists) continue;
    for (const Vma& v : m.vmas)
      for (int va = v.start; va < v.end; ++va) {
        int expected = w.Logical(static_cast<int>(mm), va);
        const Pmd& pmd = m.pmds[static_cast<size_t>(w.PmdIndex(va))];
        const Pte& pte = m.ptes[static_cast<size_t>(va)];
        int got;
        const bool huge = pmd.kind == PmdKind::kHuge || pmd.kind == PmdKind::kDevicePrivate;
        if (huge || (HasPfn(pte.kind) && !IsMigration(pte.kind))) {
          int frame = w.MappedFrame(static_cast<int>(mm), va);
          if (pte.special && !huge)
            got = 0;
          else if (frame < 0 || w.pages[static_cast<size_t>(frame)].head < 0)
            continue;  // dangling
          else
            got = w.pages[static_cast<size_t>(frame)].data;
        } else if (pte.kind == PteKind::kSwap) {
          if (pte.pfn >= w.swap.size() || w.swap[pte.pfn].count <= 0) continue;
          got = w.swap[pte.pfn].data;
        } else if (pte.kind == PteKind::kNone) {
          if (v.shared) {
            int head = w.shmem[static_cast<size_t>(v.shmem)].folio[v.pgoff + (va - v.start)];
            got = head >= 0 ? w.pages[static_cast<size_t>(head)].data : 0;
          } else {
            got = 0;  // a fresh zero-filled page on the next touch
          }
        } else {
          continue;
        }
        if (got != expected) {
          Fail(out, kDataIntegrity, "mm{}:{} resolves to {} but {} was last written", mm, va, got,
               expected);
          return;
        }
      }
  }
}

void CheckEvents(const StepResult& r, PropertyMask en, std::vector<Violation>& out) {
  bool seen[3] = {false, false, false};
  for (const KernelEvent& e : r.events) {
    int id = e.kind == EventKind::kBug          ? kNoKernelBug
             : e.kind == EventKind::kCorruption ? kNoMemoryCorruption
             : e.kind == EventKind::kWarn       ? kNoKernelWarning
                                                : -1;
    if (id < 0 || !(en & (1u << id)) || seen[id - kNoKernelBug]) continue;
    seen[id - kNoKernelBug] = true;
    out.push_back({id, e.text});
  }
}

void CheckProgress(const StepResult& r, PropertyMask en, std::vector<Violation>& out) {
  for (const ProgressCheck& p : r.progress) {
    if (p.progressed) continue;
    int id = p.kind == ProgressCheck::kReclaim ? kReclaimMakesProgress : kMigrationMakesProgress;
    if (!(en & (1u << id))) continue;
    Fail(out, id, "folio pfn {:#x} was eligible but {}: {}", p.pfn,
         p.kind == ProgressCheck::kReclaim ? "not reclaimed" : "not migrated", p.why);
  }
}

// pvmw-sound-and-complete, the walks a step ran: a kernel walk that missed a
// mapping of its folio (the TTU_SYNC walk of unmap_folio, bug 15).
void CheckPvmwEvents(const StepResult& r, std::vector<Violation>& out) {
  const std::string_view prefix = kPvmwMissPrefix;
  for (const KernelEvent& e : r.events)
    if (e.kind == EventKind::kInfo && std::string_view(e.text).substr(0, prefix.size()) == prefix) {
      Fail(out, kPvmwSoundAndComplete, "{}", e.text.substr(prefix.size()));
      return;
    }
}

// pfn-offset-no-confusion: the step's lookups, and the mirror's flags.
void CheckConfusion(const World& w, const StepResult& r, std::vector<Violation>& out) {
  for (const KernelEvent& e : r.events)
    if (e.text.rfind("pfn/offset confusion", 0) == 0) {
      Fail(out, kPfnOffsetNoConfusion, "{}", e.text);
      return;
    }
  for (size_t d = 0; d < w.devices.size(); ++d)
    for (size_t i = 0; i < w.devices[d].mirror.size(); ++i) {
      const MirrorEntry& e = w.devices[d].mirror[i];
      if (e.perm == kMirrorNone || (e.pfn == kZeroPfn && !e.device_private)) continue;
      int frame = w.MirrorFrame(e);
      const int mm = static_cast<int>(i / static_cast<size_t>(w.universe.pages));
      const int va = static_cast<int>(i % static_cast<size_t>(w.universe.pages));
      if (frame >= 0 && w.IsDevicePrivateFrame(frame) != e.device_private) {
        Fail(out, kPfnOffsetNoConfusion,
             "dev{} mirror entry mm{}:p{} names {:#x} as a {} but it is a {} page", d, mm, va,
             e.pfn, e.device_private ? "device-private offset" : "PFN",
             w.IsDevicePrivateFrame(frame) ? "device-private" : "RAM");
        return;
      }
      // The mirror only holds what the CPU page table maps (the MMU notifier
      // erases it otherwise): an entry taken for a PFN where the mm holds a
      // device-private entry is a device-private page's number used as a PFN
      // (page_to_pfn() on a device-private page, docs/kernel-rules.md#bug-16).
      if (!e.device_private && mm < static_cast<int>(w.mms.size()) &&
          w.mms[static_cast<size_t>(mm)].exists) {
        const Pmd& pmd = w.PmdOf(mm, va);
        const Pte& pte = w.mms[static_cast<size_t>(mm)].ptes[static_cast<size_t>(va)];
        const bool device_entry = pmd.kind == PmdKind::kDevicePrivate ||
                                  (pmd.kind == PmdKind::kTable && IsDevicePrivate(pte.kind));
        const int mapped = w.MappedFrame(mm, va);
        if (device_entry && mapped != frame) {
          Fail(out, kPfnOffsetNoConfusion,
               "dev{} mirror entry mm{}:p{} names PFN {:#x} ({} page) where mm{} maps "
               "device-private page {:#x}: a device-private number taken for a PFN",
               d, mm, va, e.pfn, frame >= 0 ? "a RAM" : "no", mm,
               mapped >= 0 ? w.DevicePrivateNumber(mapped) : 0u);
          return;
        }
      }
    }
}

// device-private-entry-kind-preserved.
void CheckDeviceEntryKinds(const World& w, std::vector<Violation>& out) {
  for (size_t mm = 0; mm < w.mms.size(); ++mm) {
    const Mm& m = w.mms[mm];
    if (!m.exists) continue;
    for (int va = 0; va < w.universe.pages; ++va) {
      const Pmd& pmd = m.pmds[static_cast<size_t>(w.PmdIndex(va))];
      if (pmd.kind == PmdKind::kHuge) continue;
      if (pmd.kind == PmdKind::kDevicePrivate) {
        int frame = w.MappedFrame(static_cast<int>(mm), va);
        if (frame < 0 || !w.IsDevicePrivateFrame(frame) ||
            w.pages[static_cast<size_t>(frame)].head < 0) {
          Fail(out, kDevicePrivateEntryKindPreserved,
               "mm{}:{} device-private PMD names {:#x}, which is no allocated device-private page",
               mm, va, pmd.pfn);
          return;
        }
        continue;
      }
      const Pte& pte = m.ptes[static_cast<size_t>(va)];
      if (!HasPfn(pte.kind) || pte.special || pte.kind == PteKind::kHwpoison) continue;
      int frame = w.EntryFrame(pte);
      // Device-coherent pages are mapped by present PTEs like RAM.
      bool device = frame >= 0 && w.IsDevicePrivateFrame(frame);
      if (IsDevicePrivate(pte.kind) && (!device || w.pages[static_cast<size_t>(frame)].head < 0)) {
        Fail(out, kDevicePrivateEntryKindPreserved,
             "mm{}:{} {} entry names {:#x}, which is no allocated device-private page", mm, va,
             PteKindName(pte.kind), pte.pfn);
        return;
      }
      // Migration entries of device pages: SWP_MIGRATION_DEVICE_* with
      // offsets; with PFN-backed device pages mainline's plain migration
      // entries carry the device PFN.
      const bool migration_ok =
          IsDeviceMigration(pte.kind) || (IsMigration(pte.kind) && !w.DeviceOffsets());
      if (!IsDevicePrivate(pte.kind) && device && !migration_ok) {
        Fail(out, kDevicePrivateEntryKindPreserved,
             "mm{}:{} {} entry names device-private page {:#x}: the device type was lost", mm, va,
             PteKindName(pte.kind), pte.pfn);
        return;
      }
      if (IsDeviceMigration(pte.kind) && !device) {
        Fail(out, kDevicePrivateEntryKindPreserved,
             "mm{}:{} {} entry names {:#x}, which is no device-private page", mm, va,
             PteKindName(pte.kind), pte.pfn);
        return;
      }
      // With offsets, a plain migration entry must name a RAM folio being
      // migrated: one naming anything else is a device offset that lost its
      // type (softleaf_to_page() then does pfn_to_page(offset)).
      if (w.DeviceOffsets() && IsMigration(pte.kind) && !IsDeviceMigration(pte.kind) &&
          !InFlight(w, pte)) {
        Fail(out, kDevicePrivateEntryKindPreserved,
             "mm{}:{} plain {} entry holds {:#x}, which no migration in flight owns: a "
             "device-private offset that lost its type names RAM pfn {:#x}",
             mm, va, PteKindName(pte.kind), pte.pfn, pte.pfn);
        return;
      }
    }
  }
}

// pgmap-refs-balance.
void CheckPgmapRefs(const World& w, std::vector<Violation>& out) {
  for (size_t d = 0; d < w.pgmaps.size(); ++d) {
    const DevPagemap& pg = w.pgmaps[d];
    int held = 0;
    for (int f = pg.first_frame; f < pg.first_frame + pg.nr_pages; ++f)
      if (w.pages[static_cast<size_t>(f)].head == f) held += w.NrPages(f);
    if (pg.ref != held) {
      Fail(out, kPgmapRefsBalance, "dev{}'s pgmap ref is {} but its allocated folios hold {} pages",
           d, pg.ref, held);
      return;
    }
  }
}

// pvmw-sound-and-complete: folios' walks against the entries mapping them.
// Device-private folios are always checked; RAM folios only when device
// pages are offset-based (with PFN-backed device pages a RAM walk cannot
// meet a device-private number). Skipped while no device page is allocated.
void CheckPvmw(const World& w, std::vector<Violation>& out) {
  bool any_device = false;
  for (const DevPagemap& pg : w.pgmaps) any_device = any_device || pg.ref != 0;
  if (!any_device) return;
  const int pmd_pages = w.universe.PmdPages();
  // Every mapping entry (mm, va) once, with the folio it maps: PTE-level
  // mappings and huge PMDs (at their block start); migration entries are
  // not mappings here.
  struct Mapping {
    int mm, va, head;
  };
  std::vector<Mapping> mappings;
  for (size_t mm = 0; mm < w.mms.size(); ++mm) {
    const Mm& m = w.mms[mm];
    if (!m.exists) continue;
    for (const Vma& v : m.vmas)
      for (int va = v.start; va < v.end; ++va) {
        const PmdKind pk = m.pmds[static_cast<size_t>(w.PmdIndex(va))].kind;
        const bool huge = pk == PmdKind::kHuge || pk == PmdKind::kDevicePrivate;
        if (huge && (va & (pmd_pages - 1)) != 0) continue;
        if (!huge && IsMigration(m.ptes[static_cast<size_t>(va)].kind)) continue;
        int frame = w.MappedFrame(static_cast<int>(mm), va);
        if (frame < 0 || w.pages[static_cast<size_t>(frame)].head < 0) continue;
        mappings.push_back({static_cast<int>(mm), va, w.pages[static_cast<size_t>(frame)].head});
      }
  }
  const bool check_ram = w.DeviceOffsets();
  std::vector<std::pair<int, int>> hits;
  for (size_t h = 0; h < w.pages.size(); ++h) {
    if (w.pages[h].head != static_cast<int>(h)) continue;
    const int head = static_cast<int>(h);
    if (!w.IsDeviceFrame(head) && !check_ram) continue;
    auto name = [&] {
      std::string d = DrawFolio(w, head);
      return d.substr(6, d.find(' ', 6) - 6);
    };
    // DEFINE_FOLIO_VMA_WALK. The TTU_SYNC walk is judged where the kernel
    // runs it, the split of a mapped large device-private folio
    // (unmap_folio in model/ops/huge_memory.cpp): see CheckPvmwEvents.
    hits.clear();
    kernel::ForEachVma(w, [&](int mm, const Vma& v) {
      kernel::PageVmaMappedWalk pvmw = kernel::StartFolioWalk(w, head, 0, mm, v);
      while (kernel::page_vma_mapped_walk(w, pvmw)) hits.push_back({mm, pvmw.address});
    });
    const char* walk = "DEFINE_FOLIO_VMA_WALK";
    for (const auto& hit : hits) {
      bool maps = false;
      for (const Mapping& m : mappings)
        maps = maps || (m.mm == hit.first && m.va == hit.second && m.head == head);
      if (!maps) {
        Fail(out, kPvmwSoundAndComplete, "{} for folio {} hit mm{}:{}, which does not map it", walk,
             name(), hit.first, hit.second);
        return;
      }
    }
    for (const Mapping& m : mappings)
      if (m.head == head &&
          std::find(hits.begin(), hits.end(), std::make_pair(m.mm, m.va)) == hits.end()) {
        Fail(out, kPvmwSoundAndComplete, "{} for folio {} missed its mapping at mm{}:{}", walk,
             name(), m.mm, m.va);
        return;
      }
  }
}

}  // namespace

const std::vector<PropertyInfo>& PropertyTable() {
  return Table();
}

int PropertyIndex(std::string_view name) {
  const auto& t = Table();
  for (size_t i = 0; i < t.size(); ++i)
    if (t[i].name == name) return static_cast<int>(i);
  return -1;
}

PropertyMask AllProperties() {
  return (1u << kNumProperties) - 1;
}

PropertyMask HardProperties() {
  PropertyMask m = 0;
  const auto& t = Table();
  for (size_t i = 0; i < t.size(); ++i)
    if (t[i].severity == Severity::kHard) m |= 1u << i;
  return m;
}

PropertyMask StateOnlyProperties() {
  // Exactly the properties whose checks below take no StepResult: CheckFolios, CheckEntries,
  // CheckDeviceExclusive, CheckRss, CheckSwap, CheckDeviceEntryKinds, CheckPgmapRefs.
  // pvmw-sound-and-complete also reads the step's walks (CheckPvmwEvents).
  return (1u << kMapcountMatchesMappings) | (1u << kRefcountCoversMappings) |
         (1u << kAnonExclusiveConsistent) | (1u << kNoDanglingEntry) |
         (1u << kEntryKindMatchesFolio) | (1u << kMigrationEntriesTemporary) |
         (1u << kDeviceExclusiveIsExclusive) | (1u << kRssMatchesEntries) |
         (1u << kSwapCountMatches) | (1u << kDevicePrivateEntryKindPreserved) |
         (1u << kPgmapRefsBalance);
}

PropertyMask MaskOf(std::string_view name) {
  int i = PropertyIndex(name);
  return i < 0 ? 0 : 1u << i;
}

void CheckStep(const World& w, const StepResult& r, PropertyMask en, std::vector<Violation>& out) {
  static_assert(kNumProperties <= 32, "PropertyMask is 32 bits");
  // Reused per thread: the explorer checks millions of steps, and Take() refills every vector.
  thread_local Census c;
  constexpr PropertyMask kNeedsCensus =
      (1u << kMapcountMatchesMappings) | (1u << kRefcountCoversMappings) |
      (1u << kAnonExclusiveConsistent) | (1u << kRssMatchesEntries) | (1u << kSwapCountMatches) |
      (1u << kDeviceExclusiveIsExclusive);
  if (en & kNeedsCensus) Take(w, c);
  if (en & ((1u << kMapcountMatchesMappings) | (1u << kRefcountCoversMappings) |
            (1u << kAnonExclusiveConsistent)))
    CheckFolios(w, c, en, out);
  if (en & ((1u << kNoDanglingEntry) | (1u << kEntryKindMatchesFolio) |
            (1u << kMigrationEntriesTemporary) | (1u << kAnonExclusiveConsistent)))
    CheckEntries(w, en, out);
  if (en & (1u << kDeviceExclusiveIsExclusive)) CheckDeviceExclusive(w, c, out);
  if (en & ((1u << kReclaimMakesProgress) | (1u << kMigrationMakesProgress)))
    CheckProgress(r, en, out);
  if (en & (1u << kRssMatchesEntries)) CheckRss(w, c, out);
  if (en & (1u << kSwapCountMatches)) CheckSwap(w, c, out);
  if (en & (1u << kDataIntegrity)) CheckData(w, r, out);
  if (en & ((1u << kNoKernelBug) | (1u << kNoMemoryCorruption) | (1u << kNoKernelWarning)))
    CheckEvents(r, en, out);
  // Device-private memory: vacuous (and skipped) without device pages.
  if (w.universe.device_pages > 0) {
    if (en & (1u << kPfnOffsetNoConfusion)) CheckConfusion(w, r, out);
    if (en & (1u << kDevicePrivateEntryKindPreserved)) CheckDeviceEntryKinds(w, out);
    if (en & (1u << kPgmapRefsBalance)) CheckPgmapRefs(w, out);
    if (en & (1u << kPvmwSoundAndComplete)) {
      CheckPvmwEvents(r, out);
      CheckPvmw(w, out);
    }
  }
  // One violation per property: keep the first detail.
  PropertyMask seen = 0;
  size_t kept = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    PropertyMask bit = 1u << out[i].property;
    if (seen & bit) continue;
    seen |= bit;
    if (kept != i) out[kept] = std::move(out[i]);
    ++kept;
  }
  out.resize(kept);
}

std::vector<Violation> CheckAll(const World& w, const StepResult& r) {
  std::vector<Violation> out;
  CheckStep(w, r, AllProperties(), out);
  return out;
}

}  // namespace mmcheck::properties
