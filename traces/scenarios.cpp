// SPDX-License-Identifier: GPL-2.0
#include "traces/scenarios.h"

#include <stdexcept>

#include <fmt/format.h>

#include "model/kernel/encoding_config.h"
#include "traces/trace.h"

namespace mmcheck::traces {

using namespace model;

namespace {

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

// The outcome of the last step.
const Outcome& Last(const ScenarioRun& r) {
  return r.steps.back().result.outcome;
}

// Fills the scenario's universe, question and steps from its corpus trace
// (embedded at build time): the corpus is the one place the steps are written.
Scenario FromCorpus(Scenario s) {
  for (const EmbeddedFile& f : BuiltinCorpusFiles()) {
    if (s.corpus_file != f.name) continue;
    const Trace t = ParseTrace(fmt::format("tests/corpus/{}", f.name), f.text);
    s.universe = t.universe;
    s.question = t.question;
    for (const TraceStep& step : t.steps) s.steps.push_back(step.op);
    return s;
  }
  throw std::logic_error(
      fmt::format("scenario {}: no corpus trace tests/corpus/{}", s.name, s.corpus_file));
}

// Bug 17's two scenarios: Niethe's device-private migration entries with the
// fork/mprotect downgrade that drops their type.
bool TypeLosingDowngrade(const Knobs& k) {
  return DevicePrivateOffsets(k) &&
         k.device_private_migration_entries == DevicePrivateMigrationEntries::kNiethe &&
         k.device_migration_downgrade == DeviceMigrationDowngrade::kTypeLosing;
}
constexpr const char* kTypeLosingDowngradeDoc =
    "device_private_migration_entries=niethe and device_migration_downgrade=type-losing";

// One row per scenario: its name, the corpus trace that holds its universe,
// question and steps, the kernel it stands for, and the symptom with the knob
// condition under which a profile is expected to show it. The rows cite
// docs/kernel-rules.md#bug-NN for the scenario in words.
std::vector<Scenario> Build() {
  std::vector<Scenario> v;
  v.push_back({.name = "bug-01-thp-exclusive",
               .corpus_file = "bug-01-thp-exclusive.mmtrace",
               .kernel_ref = "docs/kernel-rules.md#bug-01; hildenbrand-v2 03/17, 04/17",
               .symptom = [](const ScenarioRun& r) { return Last(r).ret == -16; },
               .symptom_doc = "HMM_DMIRROR_EXCLUSIVE on a THP tail page returns -EBUSY",
               .expected =
                   [](const Knobs& k) {
                     return k.make_exclusive_impl == MakeExclusiveImpl::kRangeRmapWalk;
                   },
               .expected_doc = "make_exclusive_impl=range-rmap-walk (PageTail pages are dropped)"});
  v.push_back(
      {.name = "bug-02-hugetlb-split-pmd",
       .corpus_file = "bug-02-hugetlb-split-pmd.mmtrace",
       .kernel_ref = "docs/kernel-rules.md#bug-02; hildenbrand-v2 01/17 (CVE-2025-22034)",
       .property = "no-kernel-bug",
       .symptom_doc = "kernel BUG at mm/page_table_check.c:87",
       .expected =
           [](const Knobs& k) { return k.gup_split_pmd_hugetlb == GupSplitPmdHugetlb::kSplit; },
       .expected_doc = "gup_split_pmd_hugetlb=split"});
  v.push_back({.name = "bug-03-unswappable-exclusive",
               .corpus_file = "bug-03-unswappable-exclusive.mmtrace",
               .kernel_ref = "docs/kernel-rules.md#bug-03; hildenbrand-v2 16/17",
               .property = "reclaim-makes-progress",
               .symptom_doc = "the folio stays mapped and resident (1 GiB RSS in the seed)",
               .expected =
                   [](const Knobs& k) {
                     return k.device_exclusive_mapcount == DeviceExclusiveMapcount::kDropped;
                   },
               .expected_doc = "device_exclusive_mapcount=dropped"});
  v.push_back({.name = "bug-03-mapcount-dropped",
               .corpus_file = "bug-03-mapcount-dropped.mmtrace",
               .kernel_ref = "docs/kernel-rules.md#invariant-1, #bug-03; hildenbrand-v2 16/17",
               .property = "mapcount-matches-mappings",
               .symptom_doc = "mapcount 0 while the device-exclusive entry maps the folio",
               .expected =
                   [](const Knobs& k) {
                     return k.device_exclusive_mapcount == DeviceExclusiveMapcount::kDropped;
                   },
               .expected_doc = "device_exclusive_mapcount=dropped"});
  v.push_back(
      {.name = "bug-04-offline-loops",
       .corpus_file = "bug-04-offline-loops.mmtrace",
       .kernel_ref = "docs/kernel-rules.md#bug-04; hildenbrand-v2 16/17",
       .property = "migration-makes-progress",
       .symptom_doc =
           "page: refcount:2 mapcount:0 ... page dumped because: migration failure, forever",
       .expected =
           [](const Knobs& k) {
             return k.device_exclusive_mapcount == DeviceExclusiveMapcount::kDropped;
           },
       .expected_doc = "device_exclusive_mapcount=dropped"});
  // Bugs 5 and 6: a PTE-mapped THP with device-exclusive PTEs while the
  // folio stays mapped: reclaim clears the PMD's young bit, EXCLUSIVE on p0
  // splits the PMD, EXCLUSIVE on p1 makes GUP restore p1 first. OLD and
  // v1/v2 03 convert all four PTEs at p0; at p1 GUP restores p1 (mapcount 1)
  // and the call fails (OLD: PageTail; 03: the rmap walk meets the
  // non-present p0), so p1 stays present. NEW converts p0 and p1 only
  // (mapcount 4). Then reclaim (bug 5) or migration (bug 6).
  v.push_back(
      {.name = "bug-05-try-to-unmap-subpage",
       .corpus_file = "bug-05-try-to-unmap-subpage.mmtrace",
       .kernel_ref = "docs/kernel-rules.md#bug-05; hildenbrand-v2 10/17",
       .property = "no-memory-corruption",
       .symptom_doc =
           "try_to_unmap_one computes a garbage subpage from pte_pfn() of a non-present PTE "
           "(on arm64 folio_referenced_one's young helper corrupts the entry first, bug 7)",
       .expected =
           [](const Knobs& k) {
             return k.try_to_unmap_nonpresent == NonPresentPfn::kPtePfn ||
                    (k.referenced_nonpresent == ReferencedNonPresent::kYoungHelper &&
                     k.arch == PteArch::kArm64);
           },
       .expected_doc = "try_to_unmap_nonpresent=pte-pfn, or referenced_nonpresent=young-helper on "
                       "arch=arm64"});
  v.push_back(
      {.name = "bug-06-try-to-migrate-subpage",
       .corpus_file = "bug-06-try-to-migrate-subpage.mmtrace",
       .kernel_ref = "docs/kernel-rules.md#bug-06; hildenbrand-v2 11/17",
       .property = "no-memory-corruption",
       .symptom_doc =
           "try_to_migrate_one computes a garbage subpage from pte_pfn() of a non-present PTE",
       .expected =
           [](const Knobs& k) { return k.try_to_migrate_nonpresent == NonPresentPfn::kPtePfn; },
       .expected_doc = "try_to_migrate_nonpresent=pte-pfn"});
  v.push_back(
      {.name = "bug-07-referenced-nonpresent",
       .corpus_file = "bug-07-referenced-arm64.mmtrace",
       .kernel_ref = "docs/kernel-rules.md#bug-07; hildenbrand-v1 10/12 (not merged); issue 13: "
                     "arch/arm64/include/asm/pgtable.h __ptep_test_and_clear_young",
       .property = "no-memory-corruption",
       .symptom_doc = "arm64's young helper clears PTE_AF (bit 10, the swap type's top bit) of the "
                      "device-exclusive entry: it becomes a swap entry of a low swap type (x86-64 "
                      "tests bit 5 first and writes nothing)",
       .expected =
           [](const Knobs& k) {
             return k.referenced_nonpresent == ReferencedNonPresent::kYoungHelper &&
                    k.arch == PteArch::kArm64 &&
                    k.device_exclusive_mapcount == DeviceExclusiveMapcount::kKept;
           },
       .expected_doc =
           "referenced_nonpresent=young-helper, arch=arm64 and device_exclusive_mapcount="
           "kept (an order-0 folio; 6.12 reaches it through a THP, "
           "tests/corpus/linux-6.12-arm64-referenced-thp.mmtrace)"});
  // Bug 8 (page_vma_mkclean_one on a device-exclusive entry, hildenbrand-v2
  // 12/17) has no scenario: the mkclean walkers skip VMAs without VM_SHARED
  // (mm/rmap.c invalid_mkclean_vma) and device-exclusive entries live only in
  // private anonymous mappings, so no kernel reaches it (issue 13;
  // tests/corpus/bug-08-*.mmtrace).
  v.push_back(
      {.name = "bug-10-mprotect-exclusive",
       .corpus_file = "bug-10-mprotect-exclusive.mmtrace",
       .kernel_ref = "docs/kernel-rules.md#bug-10; hildenbrand-v2 05/17, 06/17",
       .symptom = [](const ScenarioRun& r) { return !r.final_world.mms[0].ptes[0].write; },
       .symptom_doc = "the restored PTE is read-only in a writable VMA with an exclusive page",
       .expected =
           [](const Knobs& k) {
             return k.device_exclusive_entry == DeviceExclusiveEntry::kReadWritePair &&
                    k.restore_exclusive_writable == RestoreExclusiveWritable::kMaybeMkwriteDirty;
           },
       .expected_doc = "device_exclusive_entry=read-write-pair and "
                       "restore_exclusive_writable=maybe-mkwrite-dirty"});
  v.push_back(
      {.name = "bug-11-exclusive-ebusy",
       .corpus_file = "bug-11-exclusive-ebusy.mmtrace",
       .kernel_ref = "docs/kernel-rules.md#bug-11; hildenbrand-v2 17/17",
       .symptom = [](const ScenarioRun& r) { return Last(r).ret == -16; },
       .symptom_doc = "HMM_DMIRROR_EXCLUSIVE returns -EBUSY (v2 17/17 sleeps instead)",
       .expected =
           [](const Knobs& k) { return k.make_exclusive_lock == MakeExclusiveLock::kTrylockEbusy; },
       .expected_doc = "make_exclusive_lock=trylock-ebusy"});
  v.push_back({.name = "bug-12-fork-enomem",
               .corpus_file = "bug-12-fork-enomem.mmtrace",
               .kernel_ref = "docs/kernel-rules.md#bug-12 (read from mm/memory.c "
                             "copy_nonpresent_pte; no fix)",
               .symptom = [](const ScenarioRun& r) { return Last(r).ret == -12; },
               .symptom_doc = "fork() returns -ENOMEM",
               .expected = [](const Knobs&) { return true; },
               .expected_doc = "always (no kernel has a fix)"});
  // ---- device-private memory (issue 4; docs/kernel-rules.md#bug-13 to #bug-23) ----
  v.push_back({.name = "bug-15-ttu-sync-drops-kind",
               .corpus_file = "bug-15-ttu-sync-drops-kind.mmtrace",
               .kernel_ref =
                   "docs/kernel-rules.md#bug-15; niethe v3 05/13 with mainline `pvmw.flags = "
                   "PVMW_SYNC` (fixed by page_vma_walk_flags(folio, PVMW_SYNC)); the walk runs in "
                   "unmap_folio, splitting a mapped large device-private folio",
               .property = "pvmw-sound-and-complete",
               .symptom_doc =
                   "the split's TTU_SYNC walk misses the device-private entries (the split fails)",
               .expected =
                   [](const Knobs& k) {
                     return k.pvmw_device_private == PvmwDevicePrivate::kFlags &&
                            k.ttu_sync_flags == TtuSyncFlags::kOverwrite &&
                            k.device_private_thp == DevicePrivateThp::kPmd;
                   },
               .expected_doc = "pvmw_device_private=flags, ttu_sync_flags=overwrite and "
                               "device_private_thp=pmd"});
  v.push_back(
      {.name = "bug-17-fork-loses-device-type",
       .corpus_file = "bug-17-fork-loses-device-type.mmtrace",
       .kernel_ref = "docs/kernel-rules.md#bug-17; niethe: "
                     "make_readable_migration_device_private_entry() in copy_nonpresent_pte",
       .property = "device-private-entry-kind-preserved",
       .symptom_doc = "a plain migration entry holds the device offset; softleaf_to_page() would "
                      "pfn_to_page() it: the wrong page",
       .expected = TypeLosingDowngrade,
       .expected_doc = kTypeLosingDowngradeDoc});
  v.push_back({.name = "bug-17-stale-migration-entry",
               .corpus_file = "bug-17-fork-keeps-device-type.mmtrace",
               .kernel_ref = "docs/kernel-rules.md#bug-17, #invariant-9; niethe: type-preserving "
                             "downgrade helpers",
               .property = "migration-entries-temporary",
               .symptom_doc =
                   "remove_migration_ptes' kind test skips the type-less entries: they stay, "
                   "and a CPU access waits forever",
               .expected = TypeLosingDowngrade,
               .expected_doc = kTypeLosingDowngradeDoc});
  v.push_back(
      {.name = "bug-16-page-to-pfn-on-device-private",
       .corpus_file = "bug-16-unconverted-driver.mmtrace",
       .kernel_ref = "docs/kernel-rules.md#bug-16; niethe v2 \"mm/migrate_device: Introduce "
                     "migrate_pfn_from_page() helper\" (lib/test_hmm.c converted)",
       .property = "pfn-offset-no-confusion",
       .symptom_doc = "the mirror maps RAM pfn 0x100 (the device page's offset taken for a PFN) "
                      "where mm0 maps the device page",
       .expected =
           [](const Knobs& k) {
             return DevicePrivateOffsets(k) &&
                    k.dmirror_device_lookup == DmirrorDeviceLookup::kPageToPfn;
           },
       .expected_doc = "device-private offsets and dmirror_device_lookup=page-to-pfn"});
  v.push_back({.name = "bug-18-hmm-pfn-order-collision",
               .corpus_file = "bug-18-owner-snapshot-order.mmtrace",
               .kernel_ref =
                   "docs/kernel-rules.md#bug-18; niethe v1 \"mm/hmm: Add flag to track device "
                   "private pages\", fixed in v2 10/11 (HMM_PFN_ORDER_SHIFT = BITS_PER_LONG - 12)",
               .property = "no-memory-corruption",
               .symptom_doc =
                   "HMM_PFN_DEVICE_PRIVATE is bit 4 of the order field: hmm_pfn_to_map_order() "
                   "reads order 16 for the order-0 device page",
               .expected =
                   [](const Knobs& k) {
                     const kernel::HmmPfnLayout l = kernel::EncodingConfigFor(k).hmm_pfn;
                     return (kernel::HmmPfnDevicePrivate(l) & kernel::HmmPfnOrderField(l)) != 0;
                   },
               .expected_doc = "HMM_PFN_DEVICE_PRIVATE inside the HMM_PFN order field"});
  // ---- large device-private folios (balbir; docs/kernel-rules.md#bug-13, #bug-20 to #bug-22) ----
  v.push_back(
      {.name = "bug-13-device-private-pmd-walk",
       .corpus_file = "bug-13-device-private-pmd-walk.mmtrace",
       .kernel_ref = "docs/kernel-rules.md#bug-13; 65edfda6f3f2 (balbir v6), fixed by Wei Yang's "
                     "'Fixes: 65edfda6f3f2' (2026)",
       .property = "no-memory-corruption",
       .symptom_doc = "try_to_migrate_one and remove_migration_pte (PVMW_MIGRATION) get the "
                      "device-private PMD back with no check_pmd",
       .expected =
           [](const Knobs& k) {
             return k.device_private_thp == DevicePrivateThp::kPmd &&
                    k.pvmw_device_private_pmd == PvmwDevicePrivatePmd::kUnchecked;
           },
       .expected_doc = "device_private_thp=pmd and pvmw_device_private_pmd=unchecked"});
  v.push_back(
      {.name = "bug-13-device-private-pmd-pvmw",
       .corpus_file = "bug-13-device-private-pmd-pvmw.mmtrace",
       .kernel_ref = "docs/kernel-rules.md#bug-13, #invariant-4; 65edfda6f3f2 (balbir v6), fixed "
                     "by Wei Yang's 'Fixes: 65edfda6f3f2' (2026)",
       .property = "pvmw-sound-and-complete",
       .symptom_doc = "DEFINE_FOLIO_VMA_WALK for dev1's page hits dev0's device-private PMD",
       .expected =
           [](const Knobs& k) {
             return k.device_private_thp == DevicePrivateThp::kPmd &&
                    k.pvmw_device_private_pmd == PvmwDevicePrivatePmd::kUnchecked;
           },
       .expected_doc = "device_private_thp=pmd and pvmw_device_private_pmd=unchecked"});
  v.push_back({.name = "bug-20-large-free-bug",
               .corpus_file = "bug-20-large-free-bug.mmtrace",
               .kernel_ref = "docs/kernel-rules.md#bug-20; balbir v6 01/15",
               .property = "no-kernel-bug",
               .symptom_doc = "VM_BUG_ON_FOLIO(folio_test_large(folio)) in free_zone_device_folio",
               .expected = PreBalbirLargeFree,
               .expected_doc = "device_private_thp=pmd and zone_device_free=page0"});
  v.push_back({.name = "bug-20-large-free-pgmap-leak",
               .corpus_file = "bug-20-large-free-pgmap-leak.mmtrace",
               .kernel_ref = "docs/kernel-rules.md#bug-20, #invariant-11; balbir v6 01/15",
               .property = "pgmap-refs-balance",
               .symptom_doc =
                   "one put_dev_pagemap() for 1 << order references: memunmap_pages waits forever",
               .expected = PreBalbirLargeFree,
               .expected_doc = "device_private_thp=pmd and zone_device_free=page0"});
  v.push_back(
      {.name = "bug-21-order1-device-folio",
       .corpus_file = "bug-21-order1-device-folio.mmtrace",
       .kernel_ref = "docs/kernel-rules.md#bug-21; balbir v6 as posted (prep_compound_page only "
                     "for order > 1), merged form prepares any order != 0",
       .symptom = [](const ScenarioRun& r) { return Last(r).blocked; },
       .symptom_doc = "HMM_DMIRROR_RELEASE never returns: memunmap_pages waits on pgmap->done for "
                      "the reference free_zone_device_folio did not put",
       .expected = OrderOneRefLeak,
       .expected_doc = "device_private_thp=pmd and zone_device_folio_init=order-gt-1 (or the "
                       "pre-balbir zone_device_free=page0)"});
  v.push_back(
      {.name = "bug-21-order1-pgmap-refs",
       .corpus_file = "bug-21-order1-pgmap-refs.mmtrace",
       .kernel_ref = "docs/kernel-rules.md#bug-21, #invariant-11; balbir v6 as posted",
       .property = "pgmap-refs-balance",
       .symptom_doc = "zone_device_folio_init(folio, 1) took 2 references, free_zone_device_folio "
                      "put folio_nr_pages() = 1",
       .expected = OrderOneRefLeak,
       .expected_doc = "device_private_thp=pmd and zone_device_folio_init=order-gt-1 (or the "
                       "pre-balbir zone_device_free=page0)"});
  v.push_back(
      {.name = "bug-22-deferred-split",
       .corpus_file = "bug-22-deferred-split.mmtrace",
       .kernel_ref = "docs/kernel-rules.md#bug-22, #invariant-12; balbir: __folio_remove_rmap "
                     "skips device-private folios",
       .property = "no-kernel-bug",
       .symptom_doc = "deferred_split_folio() queues a ZONE_DEVICE folio the shrinker cannot split",
       .expected =
           [](const Knobs& k) {
             return k.device_private_thp == DevicePrivateThp::kPmd &&
                    k.device_private_deferred_split == DevicePrivateDeferredSplit::kQueued;
           },
       .expected_doc = "device_private_thp=pmd and device_private_deferred_split=queued"});
  v.push_back({.name = "dp-offset-walk-unsound",
               .corpus_file = "dp-offset-walk-unsound.mmtrace",
               .kernel_ref = "docs/kernel-rules.md#invariant-4, #invariant-6; niethe v2 05/11",
               .property = "pvmw-sound-and-complete",
               .symptom_doc = "a walk for RAM pfn 0x100 also hits device-private offset 0x100",
               .expected =
                   [](const Knobs& k) {
                     return DevicePrivateOffsets(k) &&
                            k.pvmw_device_private == PvmwDevicePrivate::kNone;
                   },
               .expected_doc = "device-private offsets with pvmw_device_private=none"});
  v.push_back(
      {.name = "dp-offset-confusion",
       .corpus_file = "dp-offset-confusion.mmtrace",
       .kernel_ref = "docs/kernel-rules.md#invariant-6; niethe v2 05/11 (PVMW_PFN_DEVICE_PRIVATE) "
                     "is what prevents it",
       .property = "pfn-offset-no-confusion",
       .symptom_doc = "the walk for device offset 0x100 hits the present PTE of RAM pfn 0x100",
       .expected =
           [](const Knobs& k) {
             // Bug 16's unconverted driver confuses the mirror already at
             // the migration, before the walk.
             return DevicePrivateOffsets(k) &&
                    (k.pvmw_device_private == PvmwDevicePrivate::kNone ||
                     k.dmirror_device_lookup == DmirrorDeviceLookup::kPageToPfn);
           },
       .expected_doc =
           "device-private offsets (device_private_address_space=offset or a niethe "
           "encoding) with pvmw_device_private=none, or dmirror_device_lookup=page-to-pfn "
           "(bug 16)"});
  for (Scenario& s : v) s = FromCorpus(std::move(s));
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
  t.question = s.question;
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
