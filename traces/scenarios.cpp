// SPDX-License-Identifier: GPL-2.0
#include "traces/scenarios.h"

#include <fmt/format.h>

#include "model/kernel/encoding_config.h"
#include "traces/trace.h"

namespace mmcheck::traces {

using namespace model;

namespace {

// Shorthands for scenario steps.
Op Mmap(int mm, int va, int n, int prot = kProtReadWrite, int kind = kMapPrivate) {
  return MakeOp(OpCode::kMmap, {mm, va, n, prot, kind});
}
Op Madvise(int mm, int va, int n, int advice) {
  return MakeOp(OpCode::kMadvise, {mm, va, n, advice});
}
Op Write(int mm, int va, int value) {
  return MakeOp(OpCode::kCpuWrite, {mm, va, value});
}
Op Read(int mm, int va) {
  return MakeOp(OpCode::kCpuRead, {mm, va});
}
Op Exclusive(int mm, int va, int n) {
  return MakeOp(OpCode::kDeviceExclusive, {0, mm, va, n});
}
Op Reclaim(int mm, int va) {
  return MakeOp(OpCode::kReclaim, {mm, va});
}

Universe Small() {
  return Universe{};
}  // mms=2 pages=4 folios=6 swap=4 devices=1 pmd_order=2
// The small universe with device memory: 1 device with 4 device-private pages.
Universe SmallDevice() {
  Universe u;
  u.device_pages = 4;
  return u;
}
// 2-page PMDs, so that a device THP is an order-1 folio (bug 21).
Universe OrderOneDevice() {
  Universe u = SmallDevice();
  u.pmd_order = 1;
  return u;
}
// Bug 20: a large device folio freed by the pre-balbir free_zone_device_folio.
bool PreBalbirLargeFree(const Knobs& k) {
  return k.device_private_thp == DevicePrivateThp::kPmd &&
         k.zone_device_free == ZoneDeviceFree::kPage0;
}
// Bug 21: an order-1 device folio whose free puts fewer refs than init took.
bool OrderOneRefLeak(const Knobs& k) {
  return k.device_private_thp == DevicePrivateThp::kPmd &&
         (k.zone_device_folio_init == ZoneDeviceFolioInit::kOrderGt1 ||
          k.zone_device_free == ZoneDeviceFree::kPage0);
}
Op MigrateToDev(int mm, int va, int n) {
  return MakeOp(OpCode::kDeviceMigrateToDev, {0, mm, va, n});
}

// The outcome of the last step.
const Outcome& Last(const ScenarioRun& r) {
  return r.steps.back().result.outcome;
}

std::vector<Scenario> Build() {
  std::vector<Scenario> v;
  v.push_back(
      {"bug-01-thp-exclusive",
       "Can a device get exclusive access to a page of an anonymous THP?",
       "kernel-semantics.md (d)1; hildenbrand-v2 03/17, 04/17",
       Small(),
       {Mmap(0, 0, 4), Write(0, 1, 7), Exclusive(0, 1, 1)},
       "",
       [](const ScenarioRun& r) { return Last(r).ret == -16; },
       "HMM_DMIRROR_EXCLUSIVE on a THP tail page returns -EBUSY",
       [](const Knobs& k) { return k.make_exclusive_impl == MakeExclusiveImpl::kRangeRmapWalk; },
       "make_exclusive_impl=range-rmap-walk (PageTail pages are dropped)"});
  v.push_back({"bug-02-hugetlb-split-pmd",
               "Does EXCLUSIVE on a hugetlb page split a hugetlb PMD?",
               "kernel-semantics.md (d)2; hildenbrand-v2 01/17 (CVE-2025-22034)",
               Small(),
               {Mmap(0, 0, 4, kProtReadWrite, kMapHugetlb), Write(0, 0, 7), Exclusive(0, 0, 1)},
               "no-kernel-bug",
               nullptr,
               "kernel BUG at mm/page_table_check.c:87",
               [](const Knobs& k) { return k.gup_split_pmd_hugetlb == GupSplitPmdHugetlb::kSplit; },
               "gup_split_pmd_hugetlb=split"});
  v.push_back({"bug-03-unswappable-exclusive",
               "After EXCLUSIVE, can reclaim swap the page out?",
               "kernel-semantics.md (d)3; hildenbrand-v2 16/17",
               Small(),
               {Mmap(0, 0, 4), Madvise(0, 0, 4, kAdviceNohugepage), Write(0, 0, 7),
                Exclusive(0, 0, 1), Reclaim(0, 0)},
               "reclaim-makes-progress",
               nullptr,
               "the folio stays mapped and resident (1 GiB RSS in the seed)",
               [](const Knobs& k) {
                 return k.device_exclusive_mapcount == DeviceExclusiveMapcount::kDropped;
               },
               "device_exclusive_mapcount=dropped"});
  v.push_back(
      {"bug-03-mapcount-dropped",
       "Does a device-exclusive entry keep its folio's mapcount?",
       "kernel-semantics.md (c)1, (d)3; hildenbrand-v2 16/17",
       Small(),
       {Mmap(0, 0, 4), Madvise(0, 0, 4, kAdviceNohugepage), Write(0, 0, 7), Exclusive(0, 0, 1)},
       "mapcount-matches-mappings",
       nullptr,
       "mapcount 0 while the device-exclusive entry maps the folio",
       [](const Knobs& k) {
         return k.device_exclusive_mapcount == DeviceExclusiveMapcount::kDropped;
       },
       "device_exclusive_mapcount=dropped"});
  v.push_back({"bug-04-offline-loops",
               "After EXCLUSIVE, can memory offline migrate the page away?",
               "kernel-semantics.md (d)4; hildenbrand-v2 16/17",
               Small(),
               {Mmap(0, 0, 4), Madvise(0, 0, 4, kAdviceNohugepage), Write(0, 0, 7),
                Exclusive(0, 0, 1), MakeOp(OpCode::kOffline, {0, 0})},
               "migration-makes-progress",
               nullptr,
               "page: refcount:2 mapcount:0 ... page dumped because: migration failure, forever",
               [](const Knobs& k) {
                 return k.device_exclusive_mapcount == DeviceExclusiveMapcount::kDropped;
               },
               "device_exclusive_mapcount=dropped"});
  // A PTE-mapped THP with device-exclusive PTEs while the folio stays
  // mapped: reclaim clears the PMD's young bit, EXCLUSIVE on p0 splits the
  // PMD, EXCLUSIVE on p1 makes GUP restore p1 first. OLD and v1/v2 03 convert
  // all four PTEs at p0; at p1 GUP restores p1 (mapcount 1) and the call
  // fails (OLD: PageTail; 03: the rmap walk meets the non-present p0), so p1
  // stays present. NEW converts p0 and p1 only (mapcount 4).
  std::vector<Op> thp_mixed = {Mmap(0, 0, 4), Write(0, 0, 7), Reclaim(0, 0), Exclusive(0, 0, 1),
                               Exclusive(0, 1, 1)};
  auto with = [&](Op extra) {
    std::vector<Op> s = thp_mixed;
    s.push_back(extra);
    return s;
  };
  v.push_back({"bug-05-try-to-unmap-subpage",
               "Does reclaim of a THP with a device-exclusive PTE find the right subpage?",
               "kernel-semantics.md (d)5; hildenbrand-v2 10/17", Small(), with(Reclaim(0, 0)),
               "no-memory-corruption", nullptr,
               "try_to_unmap_one computes a garbage subpage from pte_pfn() of a non-present PTE "
               "(on arm64 folio_referenced_one's young helper corrupts the entry first, bug 7)",
               [](const Knobs& k) {
                 return k.try_to_unmap_nonpresent == NonPresentPfn::kPtePfn ||
                        (k.referenced_nonpresent == ReferencedNonPresent::kYoungHelper &&
                         k.arch == PteArch::kArm64);
               },
               "try_to_unmap_nonpresent=pte-pfn, or referenced_nonpresent=young-helper on "
               "arch=arm64"});
  v.push_back({"bug-06-try-to-migrate-subpage",
               "Does migration of a THP with a device-exclusive PTE find the right subpage?",
               "kernel-semantics.md (d)6; hildenbrand-v2 11/17", Small(),
               with(MakeOp(OpCode::kMigrate, {0, 0})), "no-memory-corruption", nullptr,
               "try_to_migrate_one computes a garbage subpage from pte_pfn() of a non-present PTE",
               [](const Knobs& k) { return k.try_to_migrate_nonpresent == NonPresentPfn::kPtePfn; },
               "try_to_migrate_nonpresent=pte-pfn"});
  v.push_back({"bug-07-referenced-nonpresent",
               "Does folio_referenced_one's young helper keep a device-exclusive entry?",
               "kernel-semantics.md (d)7; hildenbrand-v1 10/12 (not merged); issue 13: "
               "arch/arm64/include/asm/pgtable.h __ptep_test_and_clear_young",
               Small(),
               {Mmap(0, 0, 4), Madvise(0, 0, 4, kAdviceNohugepage), Write(0, 0, 7),
                Exclusive(0, 0, 1), Reclaim(0, 0)},
               "no-memory-corruption",
               nullptr,
               "arm64's young helper clears PTE_AF (bit 10, the swap type's top bit) of the "
               "device-exclusive entry: it becomes a swap entry of a low swap type (x86-64 "
               "tests bit 5 first and writes nothing)",
               [](const Knobs& k) {
                 return k.referenced_nonpresent == ReferencedNonPresent::kYoungHelper &&
                        k.arch == PteArch::kArm64 &&
                        k.device_exclusive_mapcount == DeviceExclusiveMapcount::kKept;
               },
               "referenced_nonpresent=young-helper, arch=arm64 and device_exclusive_mapcount="
               "kept (an order-0 folio; 6.12 reaches it through a THP, "
               "tests/corpus/linux-6.12-arm64-referenced-thp.mmtrace)"});
  // Bug 8 (page_vma_mkclean_one on a device-exclusive entry, hildenbrand-v2
  // 12/17) has no scenario: the mkclean walkers skip VMAs without VM_SHARED
  // (mm/rmap.c invalid_mkclean_vma) and device-exclusive entries live only in
  // private anonymous mappings, so no kernel reaches it (issue 13;
  // tests/corpus/bug-08-*.mmtrace).
  v.push_back({"bug-10-mprotect-exclusive",
               "After EXCLUSIVE, mprotect(PROT_READ) and back to RW, is the restored PTE writable?",
               "kernel-semantics.md (d)10; hildenbrand-v2 05/17, 06/17",
               Small(),
               {Mmap(0, 0, 4), Madvise(0, 0, 4, kAdviceNohugepage), Write(0, 0, 7),
                Exclusive(0, 0, 1), MakeOp(OpCode::kMprotect, {0, 0, 4, kProtRead}),
                MakeOp(OpCode::kMprotect, {0, 0, 4, kProtReadWrite}), Read(0, 0)},
               "",
               [](const ScenarioRun& r) { return !r.final_world.mms[0].ptes[0].write; },
               "the restored PTE is read-only in a writable VMA with an exclusive page",
               [](const Knobs& k) {
                 return k.device_exclusive_entry == DeviceExclusiveEntry::kReadWritePair &&
                        k.restore_exclusive_writable ==
                            RestoreExclusiveWritable::kMaybeMkwriteDirty;
               },
               "device_exclusive_entry=read-write-pair and "
               "restore_exclusive_writable=maybe-mkwrite-dirty"});
  v.push_back(
      {"bug-11-exclusive-ebusy",
       "Does EXCLUSIVE fail with -EBUSY while another thread holds the folio lock?",
       "kernel-semantics.md (d)11; hildenbrand-v2 17/17",
       Small(),
       {Mmap(0, 0, 4), Madvise(0, 0, 4, kAdviceNohugepage), Write(0, 0, 7),
        MakeOp(OpCode::kLockFolio, {0, 0}), Exclusive(0, 0, 1)},
       "",
       [](const ScenarioRun& r) { return Last(r).ret == -16; },
       "HMM_DMIRROR_EXCLUSIVE returns -EBUSY (v2 17/17 sleeps instead)",
       [](const Knobs& k) { return k.make_exclusive_lock == MakeExclusiveLock::kTrylockEbusy; },
       "make_exclusive_lock=trylock-ebusy"});
  v.push_back({"bug-12-fork-enomem",
               "Does fork fail while a device-exclusive folio is locked by another thread?",
               "kernel-semantics.md (d)12 (read from mm/memory.c copy_nonpresent_pte; no fix)",
               Small(),
               {Mmap(0, 0, 4), Madvise(0, 0, 4, kAdviceNohugepage), Write(0, 0, 7),
                Exclusive(0, 0, 1), MakeOp(OpCode::kLockFolio, {0, 0}), MakeOp(OpCode::kFork, {0})},
               "",
               [](const ScenarioRun& r) { return Last(r).ret == -12; },
               "fork() returns -ENOMEM",
               [](const Knobs&) { return true; },
               "always (no kernel has a fix)"});
  // ---- device-private memory (issue 4; kernel-semantics.md (d)13-23) ----
  v.push_back({"bug-15-ttu-sync-drops-kind",
               "Does try_to_migrate_one's TTU_SYNC walk still find a device-private folio's "
               "entries?",
               "kernel-semantics.md (d)15; niethe v3 05/13 with mainline `pvmw.flags = PVMW_SYNC` "
               "(fixed by page_vma_walk_flags(folio, PVMW_SYNC)); the walk runs in unmap_folio, "
               "splitting a mapped large device-private folio",
               SmallDevice(),
               {Mmap(0, 0, 4), Write(0, 0, 7), MigrateToDev(0, 0, 4),
                MakeOp(OpCode::kMunmap, {0, 2, 2}), Read(0, 0)},
               "pvmw-sound-and-complete",
               nullptr,
               "the split's TTU_SYNC walk misses the device-private entries (the split fails)",
               [](const Knobs& k) {
                 return k.pvmw_device_private == PvmwDevicePrivate::kFlags &&
                        k.ttu_sync_flags == TtuSyncFlags::kOverwrite &&
                        k.device_private_thp == DevicePrivateThp::kPmd;
               },
               "pvmw_device_private=flags, ttu_sync_flags=overwrite and "
               "device_private_thp=pmd"});
  v.push_back(
      {"bug-17-fork-loses-device-type",
       "Does fork during a device eviction keep the device type of the migration "
       "entry it downgrades?",
       "kernel-semantics.md (d)17; niethe: make_readable_migration_device_private_entry() "
       "in copy_nonpresent_pte",
       SmallDevice(),
       {Mmap(0, 0, 4), Madvise(0, 0, 4, kAdviceNohugepage), Write(0, 0, 7), MigrateToDev(0, 0, 1),
        MakeOp(OpCode::kDeviceRelease, {0}), MakeOp(OpCode::kFork, {0})},
       "device-private-entry-kind-preserved",
       nullptr,
       "a plain migration entry holds the device offset; softleaf_to_page() would "
       "pfn_to_page() it: the wrong page",
       [](const Knobs& k) {
         return DevicePrivateOffsets(k) &&
                k.device_private_migration_entries == DevicePrivateMigrationEntries::kNiethe &&
                k.device_migration_downgrade == DeviceMigrationDowngrade::kTypeLosing;
       },
       "device_private_migration_entries=niethe and device_migration_downgrade=type-losing"});
  v.push_back(
      {"bug-17-stale-migration-entry",
       "After fork during a device eviction, does the eviction restore every migration "
       "entry?",
       "kernel-semantics.md (d)17, (c)9; niethe: type-preserving downgrade helpers",
       SmallDevice(),
       {Mmap(0, 0, 4), Madvise(0, 0, 4, kAdviceNohugepage), Write(0, 0, 7), MigrateToDev(0, 0, 1),
        MakeOp(OpCode::kDeviceRelease, {0}), MakeOp(OpCode::kFork, {0}),
        MakeOp(OpCode::kUnlockFolio, {})},
       "migration-entries-temporary",
       nullptr,
       "remove_migration_ptes' kind test skips the type-less entries: they stay, and a "
       "CPU access waits forever",
       [](const Knobs& k) {
         return DevicePrivateOffsets(k) &&
                k.device_private_migration_entries == DevicePrivateMigrationEntries::kNiethe &&
                k.device_migration_downgrade == DeviceMigrationDowngrade::kTypeLosing;
       },
       "device_private_migration_entries=niethe and device_migration_downgrade=type-losing"});
  v.push_back(
      {"bug-16-page-to-pfn-on-device-private",
       "With device-private pages outside the PFN space, does a driver's leftover "
       "page_to_pfn() point the device at a RAM page?",
       "kernel-semantics.md (d)16; niethe v2 \"mm/migrate_device: Introduce "
       "migrate_pfn_from_page() helper\" (lib/test_hmm.c converted)",
       SmallDevice(),
       {Mmap(0, 0, 4), Madvise(0, 0, 4, kAdviceNohugepage), Write(0, 0, 7), MigrateToDev(0, 0, 1)},
       "pfn-offset-no-confusion",
       nullptr,
       "the mirror maps RAM pfn 0x100 (the device page's offset taken for a PFN) where "
       "mm0 maps the device page",
       [](const Knobs& k) {
         return DevicePrivateOffsets(k) &&
                k.dmirror_device_lookup == DmirrorDeviceLookup::kPageToPfn;
       },
       "device-private offsets and dmirror_device_lookup=page-to-pfn"});
  v.push_back({"bug-18-hmm-pfn-order-collision",
               "Does the owner's snapshot of its own device-private page read back the map "
               "order it was reported with?",
               "kernel-semantics.md (d)18; niethe v1 \"mm/hmm: Add flag to track device private "
               "pages\", fixed in v2 10/11 (HMM_PFN_ORDER_SHIFT = BITS_PER_LONG - 12)",
               SmallDevice(),
               {Mmap(0, 0, 4), Madvise(0, 0, 4, kAdviceNohugepage), Write(0, 0, 7),
                MigrateToDev(0, 0, 1), MakeOp(OpCode::kDeviceSnapshot, {0, 0, 0, 1})},
               "no-memory-corruption",
               nullptr,
               "HMM_PFN_DEVICE_PRIVATE is bit 4 of the order field: hmm_pfn_to_map_order() "
               "reads order 16 for the order-0 device page",
               [](const Knobs& k) {
                 const kernel::HmmPfnLayout l = kernel::EncodingConfigFor(k).hmm_pfn;
                 return (kernel::HmmPfnDevicePrivate(l) & kernel::HmmPfnOrderField(l)) != 0;
               },
               "HMM_PFN_DEVICE_PRIVATE inside the HMM_PFN order field"});
  // ---- large device-private folios (balbir; kernel-semantics.md (d)13, 20-22) ----
  v.push_back({"bug-13-device-private-pmd-walk",
               "Does an rmap walk for a RAM folio take another mm's device-private PMD for one of "
               "its own mappings?",
               "kernel-semantics.md (d)13; 65edfda6f3f2 (balbir v6), fixed by Wei Yang's "
               "'Fixes: 65edfda6f3f2' (2026)",
               SmallDevice(),
               {Mmap(0, 0, 4), MakeOp(OpCode::kFork, {0}), Write(0, 0, 1), Write(1, 1, 2),
                MigrateToDev(0, 0, 4), MakeOp(OpCode::kMigrate, {1, 1})},
               "no-memory-corruption",
               nullptr,
               "try_to_migrate_one and remove_migration_pte (PVMW_MIGRATION) get the "
               "device-private PMD back with no check_pmd",
               [](const Knobs& k) {
                 return k.device_private_thp == DevicePrivateThp::kPmd &&
                        k.pvmw_device_private_pmd == PvmwDevicePrivatePmd::kUnchecked;
               },
               "device_private_thp=pmd and pvmw_device_private_pmd=unchecked"});
  v.push_back({"bug-13-device-private-pmd-pvmw",
               "With two devices, does the walk for one device's folio return the other "
               "device's device-private PMD?",
               "kernel-semantics.md (d)13, (c)4; 65edfda6f3f2 (balbir v6), fixed by Wei Yang's "
               "'Fixes: 65edfda6f3f2' (2026)",
               [] {
                 Universe u = SmallDevice();
                 u.devices = 2;
                 return u;
               }(),
               {Mmap(0, 0, 4), MakeOp(OpCode::kFork, {0}),
                MakeOp(OpCode::kDeviceMigrateToDev, {1, 0, 0, 1}), MigrateToDev(1, 0, 4)},
               "pvmw-sound-and-complete",
               nullptr,
               "DEFINE_FOLIO_VMA_WALK for dev1's page hits dev0's device-private PMD",
               [](const Knobs& k) {
                 return k.device_private_thp == DevicePrivateThp::kPmd &&
                        k.pvmw_device_private_pmd == PvmwDevicePrivatePmd::kUnchecked;
               },
               "device_private_thp=pmd and pvmw_device_private_pmd=unchecked"});
  v.push_back({"bug-20-large-free-bug",
               "Freeing a large device-private folio with the pre-balbir free_zone_device_folio: "
               "does it oops?",
               "kernel-semantics.md (d)20; balbir v6 01/15",
               SmallDevice(),
               {Mmap(0, 0, 4), Write(0, 0, 7), MigrateToDev(0, 0, 4),
                MakeOp(OpCode::kDeviceMigrateToSys, {0, 0, 0, 4})},
               "no-kernel-bug",
               nullptr,
               "VM_BUG_ON_FOLIO(folio_test_large(folio)) in free_zone_device_folio",
               PreBalbirLargeFree,
               "device_private_thp=pmd and zone_device_free=page0"});
  v.push_back({"bug-20-large-free-pgmap-leak",
               "Freeing a large device-private folio with the pre-balbir free_zone_device_folio: "
               "are all its pgmap references returned?",
               "kernel-semantics.md (d)20, (c)11; balbir v6 01/15",
               SmallDevice(),
               {Mmap(0, 0, 4), Write(0, 0, 7), MigrateToDev(0, 0, 4),
                MakeOp(OpCode::kDeviceMigrateToSys, {0, 0, 0, 4})},
               "pgmap-refs-balance",
               nullptr,
               "one put_dev_pagemap() for 1 << order references: memunmap_pages waits forever",
               PreBalbirLargeFree,
               "device_private_thp=pmd and zone_device_free=page0"});
  v.push_back(
      {"bug-21-order1-device-folio",
       "With 2-page THPs, does an order-1 device folio give back both pgmap references, "
       "so that releasing the device completes?",
       "kernel-semantics.md (d)21; balbir v6 as posted (prep_compound_page only for "
       "order > 1), merged form prepares any order != 0",
       OrderOneDevice(),
       {Mmap(0, 0, 2), Write(0, 0, 7), MigrateToDev(0, 0, 2),
        MakeOp(OpCode::kDeviceMigrateToSys, {0, 0, 0, 2}), MakeOp(OpCode::kDeviceRelease, {0})},
       "",
       [](const ScenarioRun& r) { return Last(r).blocked; },
       "HMM_DMIRROR_RELEASE never returns: memunmap_pages waits on pgmap->done for the "
       "reference free_zone_device_folio did not put",
       OrderOneRefLeak,
       "device_private_thp=pmd and zone_device_folio_init=order-gt-1 (or the pre-balbir "
       "zone_device_free=page0)"});
  v.push_back({"bug-21-order1-pgmap-refs",
               "With 2-page THPs, does freeing an order-1 device folio put both pgmap "
               "references?",
               "kernel-semantics.md (d)21, (c)11; balbir v6 as posted",
               OrderOneDevice(),
               {Mmap(0, 0, 2), Write(0, 0, 7), MigrateToDev(0, 0, 2),
                MakeOp(OpCode::kDeviceMigrateToSys, {0, 0, 0, 2})},
               "pgmap-refs-balance",
               nullptr,
               "zone_device_folio_init(folio, 1) took 2 references, free_zone_device_folio put "
               "folio_nr_pages() = 1",
               OrderOneRefLeak,
               "device_private_thp=pmd and zone_device_folio_init=order-gt-1 (or the pre-balbir "
               "zone_device_free=page0)"});
  v.push_back(
      {"bug-22-deferred-split",
       "Does a partial munmap of a device-private THP queue it for deferred split?",
       "kernel-semantics.md (d)22, (c)12; balbir: __folio_remove_rmap skips "
       "device-private folios",
       SmallDevice(),
       {Mmap(0, 0, 4), Write(0, 0, 7), MigrateToDev(0, 0, 4), MakeOp(OpCode::kMunmap, {0, 3, 1})},
       "no-kernel-bug",
       nullptr,
       "deferred_split_folio() queues a ZONE_DEVICE folio the shrinker cannot split",
       [](const Knobs& k) {
         return k.device_private_thp == DevicePrivateThp::kPmd &&
                k.device_private_deferred_split == DevicePrivateDeferredSplit::kQueued;
       },
       "device_private_thp=pmd and device_private_deferred_split=queued"});
  v.push_back({"dp-offset-walk-unsound",
               "With device-private offsets overlapping RAM PFNs and no kind in "
               "page_vma_mapped_walk, does the walk for a RAM folio hit a device-private entry?",
               "kernel-semantics.md (c)4, (c)6; niethe v2 05/11",
               SmallDevice(),
               {Mmap(0, 0, 4), Madvise(0, 0, 4, kAdviceNohugepage), Write(0, 0, 7), Write(0, 1, 8),
                MigrateToDev(0, 1, 1)},
               "pvmw-sound-and-complete",
               nullptr,
               "a walk for RAM pfn 0x100 also hits device-private offset 0x100",
               [](const Knobs& k) {
                 return DevicePrivateOffsets(k) &&
                        k.pvmw_device_private == PvmwDevicePrivate::kNone;
               },
               "device-private offsets with pvmw_device_private=none"});
  v.push_back({"dp-offset-confusion",
               "With device-private offsets overlapping RAM PFNs and no kind in "
               "page_vma_mapped_walk, does a CPU fault on a device page hit a RAM mapping?",
               "kernel-semantics.md (c)6; niethe v2 05/11 (PVMW_PFN_DEVICE_PRIVATE) is what "
               "prevents it",
               SmallDevice(),
               {Mmap(0, 0, 4), Madvise(0, 0, 4, kAdviceNohugepage), Write(0, 0, 7), Write(0, 1, 8),
                MigrateToDev(0, 1, 1), Read(0, 1)},
               "pfn-offset-no-confusion",
               nullptr,
               "the walk for device offset 0x100 hits the present PTE of RAM pfn 0x100",
               [](const Knobs& k) {
                 // Bug 16's unconverted driver confuses the mirror already at
                 // the migration, before the walk.
                 return DevicePrivateOffsets(k) &&
                        (k.pvmw_device_private == PvmwDevicePrivate::kNone ||
                         k.dmirror_device_lookup == DmirrorDeviceLookup::kPageToPfn);
               },
               "device-private offsets (device_private_address_space=offset or a niethe "
               "encoding) with pvmw_device_private=none, or dmirror_device_lookup=page-to-pfn "
               "(bug 16)"});
  return v;
}

}  // namespace

const std::vector<Scenario>& BuiltinScenarios() {
  static const std::vector<Scenario> v = Build();
  return v;
}

const Scenario* FindScenario(std::string_view name) {
  for (const Scenario& s : BuiltinScenarios())
    if (s.name == name) return &s;
  return nullptr;
}

ScenarioRun RunSteps(const Universe& u, const Knobs& knobs, const std::vector<Op>& steps) {
  ScenarioRun run;
  run.final_world = World::Initial(u, knobs);
  run.first_violation.assign(properties::PropertyTable().size(), 0);
  int i = 0;
  for (const Op& op : steps) {
    ++i;
    if (!Enabled(run.final_world, op))
      throw ModelInputError(
          fmt::format("step {}: '{}' is not enabled in this state", i, FormatOp(op)));
    StepRecord rec;
    rec.op = op;
    rec.result = Apply(run.final_world, op);
    properties::CheckStep(run.final_world, rec.result, properties::AllProperties(), rec.violations);
    for (const properties::Violation& v : rec.violations)
      if (!run.first_violation[static_cast<size_t>(v.property)])
        run.first_violation[static_cast<size_t>(v.property)] = i;
    run.steps.push_back(std::move(rec));
  }
  return run;
}

Trace ScenarioToTrace(const Scenario& s, const Profile& profile) {
  Trace t;
  t.header_comments.push_back(fmt::format("{}: {}", s.name, s.kernel_ref));
  if (!s.symptom_doc.empty())
    t.header_comments.push_back(fmt::format("Symptom: {}.", s.symptom_doc));
  t.header_comments.push_back(fmt::format("Expected when {}.", s.expected_doc));
  t.profile = profile.name;
  t.universe = s.universe;
  if (!s.property.empty() && s.expected(profile.knobs)) t.expect = {false, std::string(s.property)};
  t.question = std::string(s.question);
  for (const Op& op : s.steps) t.steps.push_back(TraceStep{op, {}, {}, 0, {}});
  return t;
}

ScenarioRun RunScenario(const Scenario& s, const Profile& profile) {
  ScenarioRun run = RunSteps(s.universe, profile.knobs, s.steps);
  if (s.symptom) {
    run.showed_symptom = s.symptom(run);
    run.symptom_step = run.showed_symptom ? static_cast<int>(run.steps.size()) : 0;
    if (run.showed_symptom) run.symptom_detail = std::string(s.symptom_doc);
  } else {
    int idx = properties::PropertyIndex(s.property);
    run.symptom_step = run.first_violation[static_cast<size_t>(idx)];
    run.showed_symptom = run.symptom_step > 0;
    if (run.showed_symptom)
      for (const properties::Violation& v :
           run.steps[static_cast<size_t>(run.symptom_step - 1)].violations)
        if (v.property == idx) run.symptom_detail = v.detail;
  }
  return run;
}

}  // namespace mmcheck::traces
