// SPDX-License-Identifier: GPL-2.0
// What the symbolic model encodes (see symbolic_model.h): the op subset, and
// the knob table that says, knob by knob of model::KnobTable(), whether the
// encoding follows every value, only some, or none because the subset never
// reaches the code the knob changes. Deny by default: a knob without a row
// is refused (SymbolicKnobsUnsupported).
#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "solver/smt/symbolic_model.h"

namespace mmcheck::solver::smt {

using model::Knobs;
using model::OpCode;
using model::Universe;

const std::vector<OpCode>& SymbolicOpCodes() {
  static const std::vector<OpCode> codes = {
      OpCode::kMunmap,          OpCode::kFork,    OpCode::kCpuRead, OpCode::kCpuWrite,
      OpCode::kDeviceExclusive, OpCode::kReclaim, OpCode::kMigrate};
  return codes;
}

const std::vector<OpCode>& SymbolicDeviceOpCodes() {
  static const std::vector<OpCode> codes = {OpCode::kUnlockFolio, OpCode::kDeviceMigrateToDev,
                                            OpCode::kDeviceMigrateToSys, OpCode::kDeviceRelease};
  return codes;
}

bool IsSymbolicOp(OpCode code) {
  for (const auto* list : {&SymbolicOpCodes(), &SymbolicDeviceOpCodes()})
    if (std::find(list->begin(), list->end(), code) != list->end()) return true;
  return false;
}

const std::vector<SymbolicKnob>& SymbolicKnobTable() {
  using U = SymbolicKnobUse;
  static const std::vector<SymbolicKnob> table = {
      {"gup_split_pmd_hugetlb", U::kNotReached, {}, "no hugetlb VMA in the subset"},
      {"make_exclusive_rejects_hugetlb", U::kNotReached, {}, "no hugetlb folio in the subset"},
      {"make_exclusive_impl", U::kEncoded, {}, ""},
      {"make_exclusive_lock",
       U::kNotReached,
       {},
       "no lock_folio thread in the subset: the folio lock is never contended"},
      {"restore_exclusive_writable", U::kEncoded, {}, ""},
      {"device_exclusive_entry", U::kEncoded, {}, ""},
      {"pvmw_migration_accepts_exclusive", U::kEncoded, {}, ""},
      {"try_to_unmap_nonpresent", U::kEncoded, {}, ""},
      {"try_to_migrate_nonpresent", U::kEncoded, {}, ""},
      {"mkclean_nonpresent",
       U::kNotReached,
       {},
       "page_vma_mkclean_one() runs for shared file folios only, none in the subset"},
      {"referenced_nonpresent",
       U::kNotReached,
       {},
       "the x86-64 young helper leaves a non-present entry unchanged (arch rules out arm64)"},
      {"device_exclusive_mapcount", U::kEncoded, {}, ""},
      {"restore_notifier_event",
       U::kNotReached,
       {},
       "dmirror_interval_invalidate() (lib/test_hmm.c) clears the mirror for both events"},
      {"transparent_hugepage",
       U::kNotReached,
       {},
       "the subset's VMA has MADV_NOHUGEPAGE, so no THP at any setting"},
      {"device_private_migration_entries", U::kEncoded, {}, ""},
      {"pvmw_device_private", U::kEncoded, {}, ""},
      {"ttu_sync_flags",
       U::kNotReached,
       {},
       "the walk flags it overwrites matter only for device folios try_to_migrate() never "
       "sees in the subset"},
      {"check_pte_overlap",
       U::kNotReached,
       {},
       "one-sided and two-sided range tests agree for order-0 folios"},
      {"hmm_pfn_order_shift", U::kNotReached, {}, "HMM PFN bit layout: the Z3 lemmas' subject"},
      {"hmm_pfn_device_private", U::kEncoded, {}, ""},  // through DevicePrivateOffsets()
      {"migrate_pfn_device_private", U::kEncoded, {}, ""},
      {"arch_pfn_bits", U::kNotReached, {}, "PFN width: the Z3 lemmas' subject"},
      {"arch",
       U::kOnly,
       {"x86-64"},
       "folio_referenced_one()'s arm64 young helper rewrites device-exclusive entries "
       "(arch/arm64/include/asm/pgtable.h, 6.12): not encoded"},
      {"referenced_pte_batch", U::kNotReached, {}, "folio_pte_batch() only for large folios"},
      {"device_private_address_space", U::kEncoded, {}, ""},
      {"device_migration_downgrade", U::kEncoded, {}, ""},
      {"device_private_thp", U::kNotReached, {}, "device pages are order 0 in the subset"},
      {"zone_device_folio_init",
       U::kNotReached,
       {},
       "the three forms agree for order-0 device folios (mm/memremap.c)"},
      {"zone_device_free",
       U::kNotReached,
       {},
       "page 0 is every page of an order-0 device folio (mm/memremap.c)"},
      {"device_private_deferred_split", U::kNotReached, {}, "deferred split only for large folios"},
      {"pvmw_device_private_pmd", U::kNotReached, {}, "no device-private PMD in the subset"},
      {"dmirror_device_lookup", U::kEncoded, {}, ""},  // page-to-pfn: see the rules below
      {"dmirror_invalidate_range",
       U::kOnly,
       {"exact"},
       "test_hmm's mirror invalidation one page past the range (Linux 6.12 lib/test_hmm.c "
       "dmirror_do_update): the symbolic model invalidates page by page"},
  };
  return table;
}

const SymbolicKnob* FindSymbolicKnob(std::string_view name) {
  for (const SymbolicKnob& k : SymbolicKnobTable())
    if (k.name == name) return &k;
  return nullptr;
}

std::string SymbolicKnobsUnsupported(const Universe& u, const Knobs& k) {
  return SymbolicKnobsUnsupported(u, k, model::KnobTable());
}

std::string SymbolicKnobsUnsupported(const Universe& u, const Knobs& k,
                                     std::span<const model::KnobInfo> table) {
  for (const model::KnobInfo& info : table) {
    const std::string_view value = model::KnobValueName(info, k);
    const SymbolicKnob* row = FindSymbolicKnob(info.name);
    if (!row)
      return fmt::format("knob {}={} is not encoded symbolically (no row in SymbolicKnobTable)",
                         info.name, value);
    if (row->use == SymbolicKnobUse::kOnly &&
        std::find(row->values.begin(), row->values.end(), value) == row->values.end())
      return fmt::format("knob {}={} is not encoded symbolically: {}", info.name, value, row->why);
  }
  // Combinations of encoded knobs the device-private encoding does not follow.
  if (u.device_pages == 0) return {};
  if (u.devices != 1 || u.device_pages != 1)
    return "the symbolic model encodes device memory as 1 device with 1 device-private page";
  // With offsets and no kind test in check_pte(), a walk for one page can
  // hit an entry of another (model/ops/page_vma_mapped.cpp): not encoded.
  if (model::DevicePrivateOffsets(k) && k.pvmw_device_private == model::PvmwDevicePrivate::kNone)
    return "knob pvmw_device_private=none with device-private offsets: the pfn/offset confusion "
           "of a page_vma_mapped_walk without a kind test is not encoded symbolically";
  // The unconverted driver names the RAM page with the offset's number.
  if (model::DevicePrivateOffsets(k) &&
      k.dmirror_device_lookup == model::DmirrorDeviceLookup::kPageToPfn)
    return "knob dmirror_device_lookup=page-to-pfn with device-private offsets: the mirror "
           "naming a RAM page by a device offset is not encoded symbolically";
  return {};
}

}  // namespace mmcheck::solver::smt
