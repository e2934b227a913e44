// SPDX-License-Identifier: GPL-2.0
// Semantic knobs: every place where kernel versions or patches behave
// differently, as one table (name, values, default, kernel reference, doc).
//
// The model reads the typed fields of `Knobs`; listings, profile parsing,
// --knob overrides, trace knob lines, the BMC's profile summary and the
// symbolic model's refusal of knobs it does not encode iterate `KnobTable()`.
// A profile is a set of knob values (profiles/*.toml). Adding a knob means:
// one enum, one field of `Knobs`, one row in model/knobs.cpp, and the branch
// in the model/ops function it changes. A field without a row (or a row
// bound to a field twice) fails to compile (knobs.cpp static_asserts the
// table against the struct); consumers that cannot take every knob from the
// table check it in a test that iterates KnobTable().
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/fixed_list.h"

namespace mmcheck::model {

// --- Hildenbrand "mm: fixes for device-exclusive entries (hmm)" (v1, v2) ---

// GUP with FOLL_SPLIT_PMD on a hugetlb VMA (mm/gup.c check_vma_flags).
enum class GupSplitPmdHugetlb : uint8_t { kSplit, kReject };
// folio_make_device_exclusive()/make_device_exclusive() on hugetlb folios.
enum class MakeExclusiveRejectsHugetlb : uint8_t { kNo, kYes };
// How make_device_exclusive converts PTEs (mm/rmap.c).
enum class MakeExclusiveImpl : uint8_t {
  kRangeRmapWalk,    // make_device_exclusive_range(): GUP range, drop tail pages, rmap walk
  kSingleRmapWalk,   // v1/v2 03: one address, rmap walk of the whole folio
  kSingleFolioWalk,  // v1/v2 04: one address, folio_walk of one PTE
};
// How make_device_exclusive takes the folio lock / handles a changed PTE.
enum class MakeExclusiveLock : uint8_t { kTrylockEbusy, kLockRetry };
// Writability of a restored device-exclusive PTE (mm/memory.c restore_exclusive_pte).
enum class RestoreExclusiveWritable : uint8_t { kMaybeMkwriteDirty, kCanChangePteWritable };
// Device-exclusive swap types: EXCL_READ/EXCL_WRITE pair, or one SWP_DEVICE_EXCLUSIVE.
enum class DeviceExclusiveEntry : uint8_t { kReadWritePair, kSingle };
// check_pte() in PVMW_MIGRATION mode also accepting device-exclusive entries.
enum class PvmwMigrationAcceptsExclusive : uint8_t { kYes, kNo };
// How an rmap walker derives the PFN of a non-present (device-exclusive) PTE.
enum class NonPresentPfn : uint8_t { kPtePfn, kSwpOffset };
// page_vma_mkclean_one() on a non-present PTE.
enum class MkcleanNonPresent : uint8_t { kRewrite, kSkip };
// folio_referenced_one() on a non-present PTE.
enum class ReferencedNonPresent : uint8_t { kYoungHelper, kTreatOld };
// folio_referenced_one() on a PTE-mapped large folio: one PTE at a time, or
// a folio_pte_batch() batch (linux-mm 7.x).
enum class ReferencedPteBatch : uint8_t { kNone, kFolioPteBatch };
// Whether a device-exclusive entry keeps the folio mapcount.
enum class DeviceExclusiveMapcount : uint8_t { kDropped, kKept };
// MMU notifier event used by remove_device_exclusive_entry().
enum class RestoreNotifierEvent : uint8_t { kExclusive, kClear };

// --- configuration ---
// /sys/kernel/mm/transparent_hugepage/enabled.
enum class TransparentHugepage : uint8_t { kNever, kMadvise, kAlways };

// --- encodings (bit layouts; used by the Z3 lemmas, solver/smt/) ---
// Niethe: SWP_MIGRATION_DEVICE_{READ,READ_EXCLUSIVE,WRITE} swap types.
enum class DevicePrivateMigrationEntries : uint8_t { kNone, kNiethe };
// How page_vma_mapped_walk tells a device-private offset from a PFN.
enum class PvmwDevicePrivate : uint8_t { kNone, kPfnShift, kFlags };
// try_to_unmap_one/try_to_migrate_one with TTU_SYNC: pvmw.flags = PVMW_SYNC.
enum class TtuSyncFlags : uint8_t { kOverwrite, kPreserve };
// check_pte/check_pmd PFN range test.
enum class CheckPteOverlap : uint8_t { kOneSided, kTwoSided };
// HMM_PFN_ORDER_SHIFT = BITS_PER_LONG - 8 (v6.14, v6.15: VALID, WRITE, ERROR
// only), - 11 (after the HMM DMA flags, the tree Niethe's series is based
// on), or - 12 (Niethe v2+, making room for HMM_PFN_DEVICE_PRIVATE).
enum class HmmPfnOrderShift : uint8_t { kBitsMinus8, kBitsMinus11, kBitsMinus12 };
// HMM_PFN_DEVICE_PRIVATE flag (Niethe): absent, or at BITS_PER_LONG - 7.
enum class HmmPfnDevicePrivate : uint8_t { kNone, kBitsMinus7 };
// MIGRATE_PFN_DEVICE_PRIVATE (Niethe): absent, or bit 5.
enum class MigratePfnDevicePrivate : uint8_t { kNone, kBit5 };
// How many bits an architecture's PFNs (and device offsets) may use.
enum class ArchPfnBits : uint8_t { k40, k64 };
// The architecture whose non-present PTE layout and PTE helpers the rmap
// walkers meet (model/kernel/arch_pte.h).
enum class PteArch : uint8_t { kX86_64, kArm64 };

// --- device-private memory (issue 4) ---
// Where device-private struct pages live: in the physical address space
// (request_free_mem_region + memremap_pages: real PFNs next to RAM), or in
// Niethe's separate offset space (memremap_device_private_pagemap: offsets
// numerically overlapping RAM PFNs; only the entry type says which it is).
enum class DevicePrivateAddressSpace : uint8_t { kPfn, kOffset };
// How fork (copy_nonpresent_pte) and mprotect (change_pte_range) downgrade a
// writable SWP_MIGRATION_DEVICE_* entry: with the type-preserving
// make_readable[_exclusive]_migration_device_private_entry() (the series as
// posted), or with the plain make_readable[_exclusive]_migration_entry(),
// which loses the device type: softleaf_to_page() then reads the device
// offset as a PFN (niethe v3-v6, mm/memory.c copy_nonpresent_pte).
enum class DeviceMigrationDowngrade : uint8_t { kTypePreserving, kTypeLosing };

// --- large device-private folios (Balbir Singh, "mm/zone_device: support
// large zone device private folios", v6 as posted and as merged) ---
// Whether migrate_vma with MIGRATE_VMA_SELECT_COMPOUND (which lib/test_hmm.c
// asks for once the series is in) may move a PMD-sized anon THP or a
// PMD-sized hole to one compound device folio mapped by a device-private
// PMD entry, or every source is split to order 0 (before the series).
enum class DevicePrivateThp : uint8_t { kNone, kPmd };
// zone_device_folio_init(folio, order) / zone_device_page_init():
//   kPerPage: before the series, one zone_device_page_init() (one pgmap
//     ref) per page and no compound folio (a what-if for large folios);
//   kOrderGt1: balbir v6 as posted: tryget_many(1 << order), and
//     prep_compound_page only when order > 1, so an order-1 folio takes two
//     refs and frees as one page (balbir v6 01/15 mm/memremap.c);
//   kOrderNonzero: as merged (linux-mm 7.x memremap.c): any order != 0.
enum class ZoneDeviceFolioInit : uint8_t { kPerPage, kOrderGt1, kOrderNonzero };
// free_zone_device_folio(): before the series, AnonExclusive cleared on
// page 0 only, VM_BUG_ON on a large anon folio and one put_dev_pagemap();
// balbir 01: every page and percpu_ref_put_many(folio_nr_pages).
enum class ZoneDeviceFree : uint8_t { kPage0, kAllPages };
// __folio_remove_rmap on a partially unmapped large device-private folio:
// queued for deferred split like any anon THP, or skipped (balbir).
enum class DevicePrivateDeferredSplit : uint8_t { kQueued, kSkipped };
// page_vma_mapped_walk on a device-private PMD: returned with no check_pmd,
// even in PVMW_MIGRATION mode (65edfda6f3f2, balbir v6 "mm/rmap: extend rmap
// and migration support device-private entries"), or locked, re-checked,
// rejected in migration mode and range-checked (Wei Yang's 2026 fix).
enum class PvmwDevicePrivatePmd : uint8_t { kUnchecked, kChecked };
// How the dmirror driver (lib/test_hmm.c) names a device-private page in the
// dst mpfn its finalize step resolves for the mirror: with the offset-aware
// migrate_pfn_from_page() (Niethe's conversion, and the only way before the
// series, when page_to_pfn() was the PFN), or with a leftover
// migrate_pfn(page_to_pfn(dpage)), meaningless once device-private pages
// have left the PFN space (niethe v2 "mm: Remove device private pages from
// the physical address space", lib/test_hmm.c). Only changes anything
// under device_private_address_space=offset.
enum class DmirrorDeviceLookup : uint8_t { kOffset, kPageToPfn };
// Which mirror entries lib/test_hmm.c dmirror_do_update() erases for an MMU
// notifier range [start, end): exactly those, or one page more, because its
// xa_for_each_range() takes `end >> PAGE_SHIFT` as an inclusive last index
// (seen on Linux 6.12.118 by kernel/conform.sh; docs/findings/test-hmm-dmirror.md).
enum class DmirrorInvalidateRange : uint8_t { kExact, kOnePast };

// The knob values of one run. Defaults are Linux 6.14 (before the series).
struct Knobs {
  GupSplitPmdHugetlb gup_split_pmd_hugetlb = GupSplitPmdHugetlb::kSplit;
  MakeExclusiveRejectsHugetlb make_exclusive_rejects_hugetlb = MakeExclusiveRejectsHugetlb::kNo;
  MakeExclusiveImpl make_exclusive_impl = MakeExclusiveImpl::kRangeRmapWalk;
  MakeExclusiveLock make_exclusive_lock = MakeExclusiveLock::kTrylockEbusy;
  RestoreExclusiveWritable restore_exclusive_writable =
      RestoreExclusiveWritable::kMaybeMkwriteDirty;
  DeviceExclusiveEntry device_exclusive_entry = DeviceExclusiveEntry::kReadWritePair;
  PvmwMigrationAcceptsExclusive pvmw_migration_accepts_exclusive =
      PvmwMigrationAcceptsExclusive::kYes;
  NonPresentPfn try_to_unmap_nonpresent = NonPresentPfn::kPtePfn;
  NonPresentPfn try_to_migrate_nonpresent = NonPresentPfn::kPtePfn;
  MkcleanNonPresent mkclean_nonpresent = MkcleanNonPresent::kRewrite;
  ReferencedNonPresent referenced_nonpresent = ReferencedNonPresent::kYoungHelper;
  DeviceExclusiveMapcount device_exclusive_mapcount = DeviceExclusiveMapcount::kDropped;
  RestoreNotifierEvent restore_notifier_event = RestoreNotifierEvent::kExclusive;
  TransparentHugepage transparent_hugepage = TransparentHugepage::kAlways;
  DevicePrivateMigrationEntries device_private_migration_entries =
      DevicePrivateMigrationEntries::kNone;
  PvmwDevicePrivate pvmw_device_private = PvmwDevicePrivate::kNone;
  TtuSyncFlags ttu_sync_flags = TtuSyncFlags::kOverwrite;
  CheckPteOverlap check_pte_overlap = CheckPteOverlap::kTwoSided;
  HmmPfnOrderShift hmm_pfn_order_shift = HmmPfnOrderShift::kBitsMinus8;
  HmmPfnDevicePrivate hmm_pfn_device_private = HmmPfnDevicePrivate::kNone;
  MigratePfnDevicePrivate migrate_pfn_device_private = MigratePfnDevicePrivate::kNone;
  ArchPfnBits arch_pfn_bits = ArchPfnBits::k40;
  PteArch arch = PteArch::kX86_64;
  ReferencedPteBatch referenced_pte_batch = ReferencedPteBatch::kNone;
  DevicePrivateAddressSpace device_private_address_space = DevicePrivateAddressSpace::kPfn;
  DeviceMigrationDowngrade device_migration_downgrade = DeviceMigrationDowngrade::kTypePreserving;
  DevicePrivateThp device_private_thp = DevicePrivateThp::kNone;
  ZoneDeviceFolioInit zone_device_folio_init = ZoneDeviceFolioInit::kPerPage;
  ZoneDeviceFree zone_device_free = ZoneDeviceFree::kPage0;
  DevicePrivateDeferredSplit device_private_deferred_split = DevicePrivateDeferredSplit::kQueued;
  PvmwDevicePrivatePmd pvmw_device_private_pmd = PvmwDevicePrivatePmd::kUnchecked;
  DmirrorDeviceLookup dmirror_device_lookup = DmirrorDeviceLookup::kOffset;
  DmirrorInvalidateRange dmirror_invalidate_range = DmirrorInvalidateRange::kExact;

  bool operator==(const Knobs&) const = default;
};

// Whether device-private pages are named by offsets rather than PFNs: the
// knob device_private_address_space=offset, or any piece of the Niethe
// series (its encodings only exist once device-private pages left the PFN
// space). One answer for the Z3 encodings (kernel/encoding_config.h) and the
// concrete model (World::DeviceOffsets).
bool DevicePrivateOffsets(const Knobs& k);

inline constexpr int kMaxKnobValues = 4;

// One row of the knob table (a literal type: the table is constexpr).
struct KnobInfo {
  std::string_view name;                               // snake_case, stable
  FixedList<std::string_view, kMaxKnobValues> values;  // value names, in enum order
  std::string_view kernel_ref;                         // the commit/patch/file it stands for
  std::string_view doc;                                // one line
  int (*get)(const Knobs&) = nullptr;                  // current value index
  void (*set)(Knobs&, int) = nullptr;                  // set by value index
  int default_value = 0;                               // the value index in Knobs{} (Linux 6.14)
};

// The one knob table, in a stable order: one row per field of Knobs.
std::span<const KnobInfo> KnobTable();

// Looks up a knob row by name; nullptr if unknown.
const KnobInfo* FindKnob(std::string_view name);

// Index of `value` in `info.values`, or -1.
int KnobValueIndex(const KnobInfo& info, std::string_view value);

// The value name of knob `info` in `knobs`.
std::string_view KnobValueName(const KnobInfo& info, const Knobs& knobs);

// The rows whose value in `knobs` is not their default (Knobs{}), in table
// order. For a consumer that encodes only some knobs (the symbolic model):
// anything it does not know must be at its default.
std::vector<const KnobInfo*> KnobsNotAtDefault(const Knobs& knobs);

// A knob combination the model cannot express, with the reason; empty if
// `knobs` is consistent. Example: lock-retry exists only in the
// single-folio-walk implementation of make_device_exclusive().
std::string KnobContradiction(const Knobs& knobs);

}  // namespace mmcheck::model
