// SPDX-License-Identifier: GPL-2.0
// Z3 mirrors of the model/kernel/ encodings; see symbolic_encodings.h.
#include "solver/smt/symbolic_encodings.h"

namespace mmcheck::solver::smt::sym {

z3::expr U64(z3::context& c, uint64_t v) {
  return c.bv_val(v, 64);
}
z3::expr U32(z3::context& c, uint32_t v) {
  return c.bv_val(static_cast<unsigned>(v), 32);
}

z3::expr FitsIn(const z3::expr& x, int bits) {
  const unsigned width = x.get_sort().bv_size();
  if (bits >= static_cast<int>(width)) return x.ctx().bool_val(true);
  return z3::ult(x, x.ctx().bv_val(static_cast<uint64_t>(k::Bit(bits)), width));
}

z3::expr TestBits(const z3::expr& x, uint64_t mask) {
  const unsigned width = x.get_sort().bv_size();
  return (x & x.ctx().bv_val(mask, width)) != x.ctx().bv_val(uint64_t{0}, width);
}

z3::expr IsPowerOfTwoOrZero(const z3::expr& x) {
  const unsigned width = x.get_sort().bv_size();
  z3::expr one = x.ctx().bv_val(uint64_t{1}, width);
  return (x & (x - one)) == x.ctx().bv_val(uint64_t{0}, width);
}

z3::expr WideEnd(const z3::expr& start, const z3::expr& count) {
  return z3::zext(start, 2) + z3::zext(count, 2) - start.ctx().bv_val(uint64_t{1}, 66);
}

z3::expr RangeEnd(const z3::expr& start, const z3::expr& count) {
  return WideEnd(start, count).extract(63, 0);
}

z3::expr RangeFits(const z3::expr& x, const z3::expr& n, int bits) {
  z3::context& c = x.ctx();
  z3::expr limit = z3::shl(c.bv_val(uint64_t{1}, 66), c.bv_val(static_cast<unsigned>(bits), 66));
  return z3::ult(WideEnd(x, n), limit);
}

// --- swap entries ---

z3::expr swp_entry(const z3::expr& type, const z3::expr& offset) {
  z3::context& c = type.ctx();
  return z3::shl(type, U64(c, k::kSwpTypeShift)) | (offset & U64(c, k::kSwpOffsetMask));
}
z3::expr swp_type(const z3::expr& entry) {
  return z3::lshr(entry, U64(entry.ctx(), k::kSwpTypeShift));
}
z3::expr swp_offset(const z3::expr& entry) {
  return entry & U64(entry.ctx(), k::kSwpOffsetMask);
}
z3::expr swp_offset_pfn(const z3::expr& entry, int swp_pfn_bits) {
  return swp_offset(entry) & U64(entry.ctx(), k::SwpPfnMask(swp_pfn_bits));
}
z3::expr make_migration_entry_young(const z3::expr& entry, int swp_pfn_bits) {
  return swp_entry(swp_type(entry),
                   swp_offset(entry) | U64(entry.ctx(), k::Bit(k::SwpMigYoungBit(swp_pfn_bits))));
}
z3::expr make_migration_entry_dirty(const z3::expr& entry, int swp_pfn_bits) {
  return swp_entry(swp_type(entry),
                   swp_offset(entry) | U64(entry.ctx(), k::Bit(k::SwpMigDirtyBit(swp_pfn_bits))));
}
z3::expr is_migration_entry_young(const z3::expr& entry, int swp_pfn_bits) {
  return TestBits(swp_offset(entry), k::Bit(k::SwpMigYoungBit(swp_pfn_bits)));
}
z3::expr is_migration_entry_dirty(const z3::expr& entry, int swp_pfn_bits) {
  return TestBits(swp_offset(entry), k::Bit(k::SwpMigDirtyBit(swp_pfn_bits)));
}

z3::expr MaxSwapfiles(z3::context& c, const k::SwapLayout& l) {
  return z3::shl(U32(c, 1), U32(c, k::kMaxSwapfilesShift)) -
         U32(c, static_cast<uint32_t>(l.swp_device_num)) - U32(c, k::kSwpMigrationNum) -
         U32(c, k::kSwpHwpoisonNum) - U32(c, k::kSwpPteMarkerNum);
}

z3::expr SwapType(z3::context& c, const k::SwapLayout& l, k::SwapKind kind) {
  using K = k::SwapKind;
  z3::expr max = MaxSwapfiles(c, l);
  z3::expr migration = max + U32(c, k::kSwpHwpoisonNum);
  z3::expr device = migration + U32(c, k::kSwpMigrationNum);
  z3::expr device_migration =
      device + U32(c, 2) + U32(c, static_cast<uint32_t>(l.device_exclusive_types));
  switch (kind) {
    case K::kHwpoison:
      return max;
    case K::kMigrationRead:
      return migration;
    case K::kMigrationReadExclusive:
      return migration + U32(c, 1);
    case K::kMigrationWrite:
      return migration + U32(c, 2);
    case K::kDeviceWrite:
      return device;
    case K::kDeviceRead:
      return device + U32(c, 1);
    case K::kDeviceExclusiveWrite:
    case K::kDeviceExclusive:
      return device + U32(c, 2);
    case K::kDeviceExclusiveRead:
      return device + U32(c, 3);
    case K::kMigrationDeviceRead:
      return device_migration;
    case K::kMigrationDeviceReadExclusive:
      return device_migration + U32(c, 1);
    case K::kMigrationDeviceWrite:
      return device_migration + U32(c, 2);
    case K::kPteMarker:
      return device + U32(c, static_cast<uint32_t>(l.swp_device_num));
    case K::kSwap:
      break;
  }
  return U32(c, 0xffffffffu);
}

// --- page_vma_mapped_walk ---

z3::expr folio_page_vma_walk_pfn(k::PvmwScheme s, const z3::expr& pfn,
                                 const z3::expr& device_private) {
  if (s != k::PvmwScheme::kPfnShift) return pfn;
  z3::context& c = pfn.ctx();
  return z3::shl(pfn, U64(c, k::PVMW_PFN_SHIFT)) |
         z3::ite(device_private, U64(c, k::PVMW_PFN_DEVICE_PRIVATE), U64(c, 0));
}

z3::expr page_vma_walk_flags(k::PvmwScheme s, const z3::expr& device_private,
                             const z3::expr& flags) {
  if (s != k::PvmwScheme::kFlags) return flags;
  return z3::ite(device_private, flags | U32(flags.ctx(), k::PVMW_DEVICE_PRIVATE), flags);
}

Walk DefineFolioVmaWalk(k::PvmwScheme s, const z3::expr& pfn, const z3::expr& nr_pages,
                        const z3::expr& device_private, const z3::expr& flags) {
  return {folio_page_vma_walk_pfn(s, pfn, device_private), nr_pages,
          page_vma_walk_flags(s, device_private, flags)};
}

z3::expr PvmwWalkDevicePrivate(k::PvmwScheme s, const Walk& w) {
  switch (s) {
    case k::PvmwScheme::kRawPfn:
      return w.pfn.ctx().bool_val(false);
    case k::PvmwScheme::kPfnShift:
      return TestBits(w.pfn, k::PVMW_PFN_DEVICE_PRIVATE);
    case k::PvmwScheme::kFlags:
      return TestBits(w.flags, k::PVMW_DEVICE_PRIVATE);
  }
  return w.pfn.ctx().bool_val(false);
}

z3::expr PvmwWalkPfn(k::PvmwScheme s, const Walk& w) {
  if (s != k::PvmwScheme::kPfnShift) return w.pfn;
  return z3::lshr(w.pfn, U64(w.pfn.ctx(), k::PVMW_PFN_SHIFT));
}

z3::expr TtuSyncWalkFlags(z3::context& c, k::PvmwScheme s, bool overwrite,
                          const z3::expr& folio_device_private) {
  if (overwrite) return U32(c, k::PVMW_SYNC);
  return page_vma_walk_flags(s, folio_device_private, U32(c, k::PVMW_SYNC));
}

z3::expr CheckPteRange(k::CheckPteForm form, const z3::expr& pfn, const z3::expr& pte_nr,
                       const z3::expr& walk_pfn, const z3::expr& nr_pages) {
  if (form == k::CheckPteForm::kOneSided) {
    // `(pfn - walk_pfn) < nr_pages` in unsigned long, split on whether the
    // subtraction wraps so the solver compares against the same WideEnd
    // circuit as the overlap it is checked against. For every input:
    //   pfn >= walk_pfn: pfn - walk_pfn < nr  <=>  pfn <= walk_pfn + nr - 1   (nr >= 1)
    //   pfn <  walk_pfn: 2^64 + pfn - walk_pfn < nr  <=>  2^64 + pfn <= walk_pfn + nr - 1
    //   nr == 0: false.
    z3::context& c = pfn.ctx();
    z3::expr two64 = z3::shl(c.bv_val(uint64_t{1}, 66), c.bv_val(64u, 66));
    z3::expr end = WideEnd(walk_pfn, nr_pages);
    return nr_pages != U64(c, 0) && z3::ite(z3::uge(pfn, walk_pfn), z3::ule(z3::zext(pfn, 2), end),
                                            z3::ule(z3::zext(pfn, 2) + two64, end));
  }
  return !z3::ult(RangeEnd(pfn, pte_nr), walk_pfn) && !z3::ugt(pfn, RangeEnd(walk_pfn, nr_pages));
}

z3::expr CheckPteMatch(k::PvmwScheme s, k::CheckPteForm form, const Walk& w,
                       const z3::expr& entry_pfn, const z3::expr& entry_device_private,
                       const z3::expr& pte_nr) {
  z3::expr range = CheckPteRange(form, entry_pfn, pte_nr, PvmwWalkPfn(s, w), w.nr_pages);
  if (s == k::PvmwScheme::kRawPfn) return range;
  return (entry_device_private == PvmwWalkDevicePrivate(s, w)) && range;
}

z3::expr RangesOverlap(const z3::expr& a, const z3::expr& an, const z3::expr& b,
                       const z3::expr& bn) {
  return z3::ule(z3::zext(a, 2), WideEnd(b, bn)) && z3::ule(z3::zext(b, 2), WideEnd(a, an));
}

// --- migrate PFNs ---

z3::expr migrate_pfn(const z3::expr& pfn) {
  z3::context& c = pfn.ctx();
  return z3::shl(pfn, U64(c, k::MIGRATE_PFN_SHIFT)) | U64(c, k::MIGRATE_PFN_VALID);
}
z3::expr migrate_pfn_to_pfn(const z3::expr& mpfn) {
  return z3::lshr(mpfn, U64(mpfn.ctx(), k::MIGRATE_PFN_SHIFT));
}
z3::expr migrate_pfn_from_page(const k::MigratePfnLayout& l, const z3::expr& pfn,
                               const z3::expr& device_private) {
  if (!l.device_private) return migrate_pfn(pfn);
  z3::context& c = pfn.ctx();
  return migrate_pfn(pfn) |
         z3::ite(device_private, U64(c, k::MIGRATE_PFN_DEVICE_PRIVATE), U64(c, 0));
}

// --- HMM PFNs ---

z3::expr HmmPfnEncode(const k::HmmPfnLayout& l, const z3::expr& pfn, const z3::expr& flags,
                      const z3::expr& order) {
  return pfn | flags | z3::shl(order, U64(pfn.ctx(), static_cast<uint64_t>(l.order_shift)));
}
z3::expr hmm_pfn_to_pfn(const k::HmmPfnLayout& l, const z3::expr& hmm_pfn) {
  return hmm_pfn & U64(hmm_pfn.ctx(), ~k::HmmPfnFlagsMask(l));
}
z3::expr hmm_pfn_to_map_order(const k::HmmPfnLayout& l, const z3::expr& hmm_pfn) {
  z3::context& c = hmm_pfn.ctx();
  return z3::lshr(hmm_pfn, U64(c, static_cast<uint64_t>(l.order_shift))) &
         U64(c, k::LowMask(k::kHmmPfnOrderBits));
}

}  // namespace mmcheck::solver::smt::sym
