// SPDX-License-Identifier: GPL-2.0
// The knob table. Each row names the kernel change it stands for.
#include "model/knobs.h"

#include <iterator>
#include <type_traits>

#include <fmt/format.h>

#include "model/fields.h"

namespace mmcheck::model {
namespace {

template <auto Field>
int GetKnob(const Knobs& k) {
  return static_cast<int>(k.*Field);
}
template <auto Field>
void SetKnob(Knobs& k, int v) {
  using Enum = std::remove_cvref_t<decltype(k.*Field)>;
  k.*Field = static_cast<Enum>(v);
}

// A row bound to one typed field of Knobs.
template <auto Field>
constexpr KnobInfo Row(std::string_view name, FixedList<std::string_view, kMaxKnobValues> values,
                       std::string_view kernel_ref, std::string_view doc) {
  return KnobInfo{name,
                  values,
                  kernel_ref,
                  doc,
                  &GetKnob<Field>,
                  &SetKnob<Field>,
                  static_cast<int>(Knobs{}.*Field)};
}

constexpr KnobInfo kKnobTable[] = {
    // Hildenbrand, "mm: fixes for device-exclusive entries (hmm)", v2 (merged for 6.15).
    Row<&Knobs::gup_split_pmd_hugetlb>(
        "gup_split_pmd_hugetlb", {"split", "reject"},
        "hildenbrand-v2 01/17 mm/gup: reject FOLL_SPLIT_PMD with hugetlb VMAs "
        "(mm/gup.c check_vma_flags; Fixes 9cb28da54643, CVE-2025-22034)",
        "GUP(FOLL_SPLIT_PMD) on a hugetlb VMA: split_huge_pmd on the hugetlb PMD "
        "(BUG in page_table_check) or -EOPNOTSUPP"),
    Row<&Knobs::make_exclusive_rejects_hugetlb>(
        "make_exclusive_rejects_hugetlb", {"no", "yes"},
        "hildenbrand-v2 02/17 mm/rmap: reject hugetlb folios in "
        "folio_make_device_exclusive()",
        "make_device_exclusive refuses hugetlb folios as a safety net"),
    Row<&Knobs::make_exclusive_impl>(
        "make_exclusive_impl", {"range-rmap-walk", "single-rmap-walk", "single-folio-walk"},
        "hildenbrand-v2 03/17 convert make_device_exclusive_range() to "
        "make_device_exclusive(); 04/17 implement it using folio_walk (mm/rmap.c)",
        "range GUP dropping tail pages + rmap walk of every mapping; one address + "
        "rmap walk; one address + folio_walk of one PTE"),
    Row<&Knobs::make_exclusive_lock>(
        "make_exclusive_lock", {"trylock-ebusy", "lock-retry"},
        "hildenbrand-v2 17/17 mm/rmap: avoid -EBUSY from make_device_exclusive()",
        "folio_trylock and -EBUSY on contention or a changed PTE, or "
        "folio_lock_killable and retry from GUP"),
    Row<&Knobs::restore_exclusive_writable>(
        "restore_exclusive_writable", {"maybe-mkwrite-dirty", "can-change-pte-writable"},
        "hildenbrand-v2 05/17 mm/memory: detect writability in restore_exclusive_pte() "
        "through can_change_pte_writable()",
        "restore from EXCL_WRITE maps writable iff VM_WRITE and always dirty, or "
        "writable iff can_change_pte_writable and dirty iff the folio is dirty"),
    Row<&Knobs::device_exclusive_entry>(
        "device_exclusive_entry", {"read-write-pair", "single"},
        "hildenbrand-v2 06/17 mm: use single SWP_DEVICE_EXCLUSIVE entry type "
        "(include/linux/swap.h, swapops.h, mm/mprotect.c)",
        "SWP_DEVICE_EXCLUSIVE_{READ,WRITE} (mprotect rewrites WRITE to READ) or one "
        "SWP_DEVICE_EXCLUSIVE that mprotect leaves alone"),
    Row<&Knobs::pvmw_migration_accepts_exclusive>(
        "pvmw_migration_accepts_exclusive", {"yes", "no"},
        "hildenbrand-v2 07/17 mm/page_vma_mapped: device-exclusive entries are not "
        "migration entries (mm/page_vma_mapped.c check_pte)",
        "check_pte in PVMW_MIGRATION mode accepts device-exclusive entries"),
    Row<&Knobs::try_to_unmap_nonpresent>(
        "try_to_unmap_nonpresent", {"pte-pfn", "swp-offset"},
        "hildenbrand-v2 10/17 mm/rmap: handle device-exclusive entries correctly in "
        "try_to_unmap_one()",
        "subpage of a non-present PTE from pte_pfn (garbage) or from the swap offset; "
        "non-present entries are pte_clear()ed"),
    Row<&Knobs::try_to_migrate_nonpresent>(
        "try_to_migrate_nonpresent", {"pte-pfn", "swp-offset"},
        "hildenbrand-v2 11/17 mm/rmap: handle device-exclusive entries correctly in "
        "try_to_migrate_one()",
        "subpage of a non-present PTE from pte_pfn (garbage) or from the swap offset; "
        "device-exclusive counts as not writable"),
    Row<&Knobs::mkclean_nonpresent>(
        "mkclean_nonpresent", {"rewrite", "skip"},
        "hildenbrand-v2 12/17 mm/rmap: handle device-exclusive entries correctly in "
        "page_vma_mkclean_one()",
        "page_vma_mkclean_one applies pte_dirty/pte_write to a non-present PTE and "
        "rewrites it as a garbage present PTE, or skips it (only VM_SHARED mappings "
        "are walked, so no device-exclusive entry reaches it)"),
    Row<&Knobs::referenced_nonpresent>(
        "referenced_nonpresent", {"young-helper", "treat-old"},
        "hildenbrand-v1 10/12 mm/rmap: handle device-exclusive entries correctly in "
        "folio_referenced_one() (not in v2 nor mainline)",
        "folio_referenced_one applies the young-bit helper to a non-present PTE, or "
        "treats it as old"),
    Row<&Knobs::device_exclusive_mapcount>(
        "device_exclusive_mapcount", {"dropped", "kept"},
        "hildenbrand-v2 16/17 mm/rmap: keep mapcount untouched for device-exclusive "
        "entries",
        "a device-exclusive entry drops the folio mapcount (re-added on restore) or "
        "keeps it like any mapping"),
    Row<&Knobs::restore_notifier_event>(
        "restore_notifier_event", {"exclusive", "clear"},
        "hildenbrand cleanups v2 5/5 (6.15): remove_device_exclusive_entry() uses "
        "MMU_NOTIFY_CLEAR",
        "MMU notifier event sent when the CPU revokes a device-exclusive entry"),
    Row<&Knobs::transparent_hugepage>(
        "transparent_hugepage", {"never", "madvise", "always"},
        "sysfs /sys/kernel/mm/transparent_hugepage/enabled (mm/huge_memory.c)",
        "when an anonymous fault in a PMD-aligned VMA range allocates a THP"),
    // Encodings (Niethe series and older forms); read by solver/smt lemmas.
    Row<&Knobs::device_private_migration_entries>(
        "device_private_migration_entries", {"none", "niethe"},
        "niethe v2 07/11 and later 'device private migration entries' "
        "(include/linux/swap.h SWP_MIGRATION_DEVICE_*)",
        "three extra migration swap types for device-private offsets "
        "(MAX_SWAPFILES 24 -> 21)"),
    Row<&Knobs::pvmw_device_private>(
        "pvmw_device_private", {"none", "pfn-shift", "flags"},
        "niethe v2 05/11 (PVMW_PFN_SHIFT, PVMW_PFN_DEVICE_PRIVATE); niethe v3-v6 "
        "(PVMW_DEVICE_PRIVATE in pvmw->flags)",
        "page_vma_mapped_walk: plain PFN; pfn << 1 | device bit; or a flag in "
        "pvmw->flags with the raw PFN/offset"),
    Row<&Knobs::ttu_sync_flags>(
        "ttu_sync_flags", {"overwrite", "preserve"},
        "mm/rmap.c try_to_unmap_one/try_to_migrate_one (pvmw.flags = PVMW_SYNC); "
        "Jordan Niethe's follow-up page_vma_walk_flags(folio, PVMW_SYNC)",
        "TTU_SYNC overwrites pvmw.flags (dropping PVMW_DEVICE_PRIVATE) or ORs it in"),
    Row<&Knobs::check_pte_overlap>(
        "check_pte_overlap", {"one-sided", "two-sided"},
        "mm/page_vma_mapped.c check_pte: stable fix adding pte_nr (hugetlb overlap)",
        "(pfn - pvmw->pfn) < nr_pages, or the overflow-safe two-sided interval test"),
    Row<&Knobs::hmm_pfn_order_shift>(
        "hmm_pfn_order_shift", {"bits-minus-8", "bits-minus-11", "bits-minus-12"},
        "include/linux/hmm.h HMM_PFN_ORDER_SHIFT: BITS_PER_LONG - 8 in v6.14/v6.15; "
        "- 11 after the HMM DMA flags; niethe v2 moved it to - 12",
        "position of the 5-bit order field in an hmm pfn"),
    Row<&Knobs::hmm_pfn_device_private>(
        "hmm_pfn_device_private", {"none", "bits-minus-7"},
        "niethe v1 HMM_PFN_DEVICE_PRIVATE (include/linux/hmm.h)",
        "hmm pfn flag saying the number is a device-private offset"),
    Row<&Knobs::migrate_pfn_device_private>(
        "migrate_pfn_device_private", {"none", "bit5"},
        "niethe MIGRATE_PFN_DEVICE_PRIVATE (include/linux/migrate.h)",
        "migrate pfn flag saying the number is a device-private offset"),
    Row<&Knobs::arch_pfn_bits>("arch_pfn_bits", {"40", "64"},
                               "MAX_PHYSMEM_BITS - PAGE_SHIFT (x86-64 5-level: 52 - 12); 64 for an "
                               "architecture whose PFNs may use bit 63 (Zi Yan, niethe v2 review)",
                               "how many bits a PFN or device offset may use"),
    Row<&Knobs::arch>(
        "arch", {"x86-64", "arm64"},
        "arch/x86/include/asm/pgtable_64.h, arch/x86/mm/pgtable.c; "
        "arch/arm64/include/asm/pgtable.h (Linux 6.12; model/kernel/arch_pte.h)",
        "the architecture's swap-format PTE layout and what its young/dirty/write "
        "helpers do to a non-present PTE (x86-64: the young helper tests bit 5 first; "
        "arm64: it clears PTE_AF, bit 10, the swap type's top bit)"),
    Row<&Knobs::referenced_pte_batch>(
        "referenced_pte_batch", {"none", "folio-pte-batch"},
        "linux-mm 7.x mm/rmap.c folio_referenced_one (batched young checks of large "
        "folios) with mm/internal.h folio_pte_batch's VM_WARN_ON_FOLIO(!pte_present)",
        "folio_referenced_one checks a large folio's PTEs one at a time, or batches "
        "them with folio_pte_batch, which warns (CONFIG_DEBUG_VM) on a non-present "
        "first PTE"),
    // Device-private memory (issue 4).
    Row<&Knobs::device_private_address_space>(
        "device_private_address_space", {"pfn", "offset"},
        "mm/memremap.c memremap_pages + kernel/resource.c request_free_mem_region "
        "(v6.15, linux-mm 7.x @ 163177a569ab); niethe v2 11/11 and v3-v6 13/13 "
        "memremap_device_private_pagemap (device_private_pgmap_tree)",
        "device-private pages have real PFNs next to RAM, or offsets in a separate "
        "space overlapping RAM PFNs (implied by any niethe encoding knob)"),
    Row<&Knobs::device_migration_downgrade>(
        "device_migration_downgrade", {"type-preserving", "type-losing"},
        "niethe v3-v6 (mm/memory.c copy_nonpresent_pte, mm/mprotect.c "
        "change_pte_range: make_readable_migration_device_private_entry() instead of "
        "make_readable_migration_entry(), which keeps a device offset in a plain "
        "migration entry)",
        "fork/mprotect downgrade of a SWP_MIGRATION_DEVICE_WRITE entry keeps the "
        "device type, or makes a plain migration entry holding a device offset"),
    // Large device-private folios (balbir v6 as posted, Sept 2025, and as
    // merged: linux-mm 7.x mm/memremap.c @ 163177a569ab, mm/migrate_device.c @
    // 08ea4eaefa56, mm/page_vma_mapped.c @ 02bd6a2b49e5).
    Row<&Knobs::device_private_thp>(
        "device_private_thp", {"none", "pmd"},
        "balbir v6 (mm/migrate_device.c MIGRATE_VMA_SELECT_COMPOUND, "
        "migrate_vma_insert_huge_pmd_page; lib/test_hmm.c compound migration)",
        "migration to the device splits every THP, or moves a PMD-sized THP or hole "
        "to one compound device folio under a device-private PMD"),
    Row<&Knobs::zone_device_folio_init>(
        "zone_device_folio_init", {"per-page", "order-gt-1", "order-nonzero"},
        "mm/memremap.c zone_device_page_init (v6.15); balbir v6 01/15 "
        "zone_device_folio_init (prep_compound_page if order > 1); linux-mm 7.x "
        "mm/memremap.c @ 163177a569ab (order != 0)",
        "pgmap refs and compound setup of a new device folio"),
    Row<&Knobs::zone_device_free>(
        "zone_device_free", {"page0", "all-pages"},
        "mm/memremap.c free_zone_device_folio (v6.15); balbir v6 01/15 "
        "(percpu_ref_put_many(folio_nr_pages), every page's AnonExclusive cleared)",
        "a freed device folio clears AnonExclusive and puts pgmap refs for page 0, "
        "or for all folio_nr_pages"),
    Row<&Knobs::device_private_deferred_split>(
        "device_private_deferred_split", {"queued", "skipped"},
        "mm/rmap.c __folio_remove_rmap (balbir v6: no deferred split for "
        "device-private folios; linux-mm 7.x mm/rmap.c @ 0014dde7e945)",
        "a partially unmapped large device-private folio goes on the deferred-split "
        "queue, or not"),
    Row<&Knobs::pvmw_device_private_pmd>(
        "pvmw_device_private_pmd", {"unchecked", "checked"},
        "mm/page_vma_mapped.c: 65edfda6f3f2 (balbir v6) vs Wei Yang's 2026 fix "
        "'Fixes: 65edfda6f3f2' (mm/page_vma_mapped.c @ 02bd6a2b49e5)",
        "page_vma_mapped_walk returns any device-private PMD (no check_pmd, even in "
        "PVMW_MIGRATION mode), or rejects it in migration mode and range-checks it"),
    Row<&Knobs::dmirror_device_lookup>(
        "dmirror_device_lookup", {"offset", "page-to-pfn"},
        "niethe v2 'mm/migrate_device: Introduce migrate_pfn_from_page() helper' and "
        "'mm: Remove device private pages from the physical address space' "
        "(lib/test_hmm.c dmirror_migrate_alloc_and_copy converted)",
        "dmirror_migrate_alloc_and_copy builds the dst mpfn with "
        "migrate_pfn_from_page(), or with a leftover page_to_pfn() on the device-private "
        "page, which the mirror then resolves as a RAM PFN (offset address space only)"),
    Row<&Knobs::dmirror_invalidate_range>(
        "dmirror_invalidate_range", {"exact", "one-past"},
        "lib/test_hmm.c dmirror_do_update: xa_for_each_range(..., start >> PAGE_SHIFT, "
        "end >> PAGE_SHIFT) with an inclusive last index (6.12.118; "
        "docs/findings/test-hmm-dmirror.md)",
        "the dmirror test driver erases its mirror entries for exactly the invalidated "
        "range, or for one page past its end too"),
};

// The table is the struct: one row per field of Knobs (model/fields.h counts
// them), every row documented, its default named, no name twice. That no
// field is bound twice is a unit test (KnobTable.RowsAreBoundToDistinctFields):
// comparing the rows' function pointers is not a constant expression under
// -fsanitize (GCC 12).
constexpr bool TableMatchesKnobs() {
  if (std::size(kKnobTable) != FieldCount<Knobs>()) return false;
  for (size_t i = 0; i < std::size(kKnobTable); ++i) {
    const KnobInfo& row = kKnobTable[i];
    if (row.name.empty() || row.kernel_ref.empty() || row.doc.empty() || row.values.size() < 2 ||
        row.default_value >= static_cast<int>(row.values.size()))
      return false;
    for (size_t j = 0; j < i; ++j)
      if (kKnobTable[j].name == row.name) return false;
  }
  return true;
}
static_assert(TableMatchesKnobs(),
              "every field of Knobs needs exactly one row in kKnobTable (name, values, kernel "
              "reference, doc), and its default value a name");

}  // namespace

bool DevicePrivateOffsets(const Knobs& k) {
  return k.device_private_address_space == DevicePrivateAddressSpace::kOffset ||
         k.device_private_migration_entries == DevicePrivateMigrationEntries::kNiethe ||
         k.pvmw_device_private != PvmwDevicePrivate::kNone ||
         k.migrate_pfn_device_private != MigratePfnDevicePrivate::kNone ||
         k.hmm_pfn_device_private != HmmPfnDevicePrivate::kNone;
}

std::span<const KnobInfo> KnobTable() {
  return kKnobTable;
}

const KnobInfo* FindKnob(std::string_view name) {
  for (const KnobInfo& k : KnobTable())
    if (k.name == name) return &k;
  return nullptr;
}

int KnobValueIndex(const KnobInfo& info, std::string_view value) {
  for (size_t i = 0; i < info.values.size(); ++i)
    if (info.values[i] == value) return static_cast<int>(i);
  return -1;
}

std::string_view KnobValueName(const KnobInfo& info, const Knobs& knobs) {
  return info.values[static_cast<size_t>(info.get(knobs))];
}

std::vector<const KnobInfo*> KnobsNotAtDefault(const Knobs& knobs) {
  std::vector<const KnobInfo*> out;
  for (const KnobInfo& k : KnobTable())
    if (k.get(knobs) != k.default_value) out.push_back(&k);
  return out;
}

std::string KnobContradiction(const Knobs& k) {
  if (k.make_exclusive_lock == MakeExclusiveLock::kLockRetry &&
      k.make_exclusive_impl != MakeExclusiveImpl::kSingleFolioWalk)
    return "make_exclusive_lock=lock-retry requires make_exclusive_impl=single-folio-walk "
           "(hildenbrand-v2 17/17 retries the folio_walk of make_device_exclusive())";
  if (k.device_exclusive_mapcount == DeviceExclusiveMapcount::kKept &&
      k.make_exclusive_impl != MakeExclusiveImpl::kSingleFolioWalk)
    return "device_exclusive_mapcount=kept requires make_exclusive_impl=single-folio-walk (the "
           "rmap-walk implementations succeed only when the folio ends with mapcount 0)";
  if (k.pvmw_device_private != PvmwDevicePrivate::kNone &&
      k.device_private_migration_entries == DevicePrivateMigrationEntries::kNone &&
      k.pvmw_device_private == PvmwDevicePrivate::kFlags)
    return "pvmw_device_private=flags requires device_private_migration_entries=niethe "
           "(both come from niethe v3+)";
  if (k.hmm_pfn_device_private == HmmPfnDevicePrivate::kNone &&
      k.hmm_pfn_order_shift == HmmPfnOrderShift::kBitsMinus12)
    return "hmm_pfn_order_shift=bits-minus-12 only exists with hmm_pfn_device_private="
           "bits-minus-7 (niethe v2 moved the order field for the new flag)";
  return {};
}

}  // namespace mmcheck::model
