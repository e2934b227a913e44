// SPDX-License-Identifier: GPL-2.0
// Lemmas on swap entries and the special swap types.
//
// Kernel sources: include/linux/swap.h (type numbering, MAX_SWAPFILES),
// include/linux/swapops.h (swp_entry, SWP_PFN_BITS, SWP_MIG_*, PTE markers),
// include/linux/leafops.h (softleaf_has_pfn's BUILD_BUG_ON): the special swap
// types stay distinct and below MAX_SWAPFILES in every version.
#include <fmt/format.h>

#include "model/kernel/swap_entry.h"
#include "solver/smt/lemma_cases.h"
#include "solver/smt/symbolic_encodings.h"

namespace mmcheck::solver::smt {
namespace {

namespace k = model::kernel;
using sym::U32;
using sym::U64;

// The layout's SWP_DEVICE_NUM and definitions, for explanations.
std::string LayoutName(const k::SwapLayout& l) {
  return fmt::format("SWP_DEVICE_NUM={} ({} exclusive type(s), {} device-migration types)",
                     l.swp_device_num, l.device_exclusive_types, l.device_migration_types);
}

}  // namespace

// The special types are distinct, fit the 5-bit type field, and stay at or
// above MAX_SWAPFILES (so no real swap device shares a number with them).
LemmaResult ProveSwapSpecialTypesDistinct(const EncodingConfig& config, unsigned timeout_ms) {
  LemmaRun run("swap-special-types-distinct", config, timeout_ms);
  const k::SwapLayout l = config.swap;
  const std::vector<k::SwapKind> kinds = k::SpecialSwapKinds(l);
  const unsigned n = static_cast<unsigned>(kinds.size());
  run.Case(
      "special types",
      [&](Query& q) {
        z3::context& c = q.ctx();
        z3::expr a = q.Input("kind_a", 8), b = q.Input("kind_b", 8);
        q.Assume("pre:kind-a-defined", z3::ult(a, c.bv_val(n, 8)));
        q.Assume("pre:kind-b-defined", z3::ult(b, c.bv_val(n, 8)));
        auto type_of = [&](const z3::expr& idx) {
          z3::expr t = sym::SwapType(c, l, kinds.back());
          for (unsigned i = n - 1; i-- > 0;)
            t = z3::ite(idx == c.bv_val(i, 8), sym::SwapType(c, l, kinds[i]), t);
          return t;
        };
        z3::expr ta = type_of(a), tb = type_of(b);
        z3::expr limit = z3::shl(U32(c, 1), U32(c, k::kMaxSwapfilesShift));
        return z3::implies(a != b, ta != tb) && ta < limit && ta >= sym::MaxSwapfiles(c, l);
      },
      [&](const Values& v) {
        const int ta = k::SwapType(l, kinds[v.at("kind_a")]);
        const int tb = k::SwapType(l, kinds[v.at("kind_b")]);
        return (v.at("kind_a") == v.at("kind_b") || ta != tb) &&
               ta < (1 << k::kMaxSwapfilesShift) && ta >= k::MaxSwapfiles(l);
      },
      [&](const Values& v) {
        const k::SwapKind a = kinds[v.at("kind_a")], b = kinds[v.at("kind_b")];
        return fmt::format("{} = {} and {} = {} with MAX_SWAPFILES = {}; {}", k::SwapKindName(a),
                           k::SwapType(l, a), k::SwapKindName(b), k::SwapType(l, b),
                           k::MaxSwapfiles(l), LayoutName(l));
      });
  return run.Finish();
}

// MAX_SWAPFILES > 0 with every special type configured in: each new type
// takes one swap device number away (invariant 13, bug 19).
LemmaResult ProveMaxSwapfilesPositive(const EncodingConfig& config, unsigned timeout_ms) {
  LemmaRun run("max-swapfiles-positive", config, timeout_ms);
  const k::SwapLayout l = config.swap;
  run.Case(
      "CONFIG_DEVICE_PRIVATE, CONFIG_MIGRATION, CONFIG_MEMORY_FAILURE and PTE markers on",
      [&](Query& q) {
        z3::context& c = q.ctx();
        z3::expr max = q.Input("MAX_SWAPFILES", 32);
        q.Assume("def:MAX_SWAPFILES", max == sym::MaxSwapfiles(c, l));
        return max > U32(c, 0);
      },
      [&](const Values&) { return k::MaxSwapfiles(l) > 0; },
      [&](const Values&) {
        return fmt::format("MAX_SWAPFILES = {}: no swap device can be enabled; {}",
                           k::MaxSwapfiles(l), LayoutName(l));
      });
  return run.Finish();
}

// BUILD_BUG_ON(SWP_TYPE_SHIFT < SWP_PFN_BITS) in softleaf_has_pfn().
LemmaResult ProveSwpTypeShiftCoversPfnBits(const EncodingConfig& config, unsigned timeout_ms) {
  LemmaRun run("swp-type-shift-covers-pfn-bits", config, timeout_ms);
  const int swp_pfn_bits = config.swp_pfn_bits;
  run.Case(
      "BUILD_BUG_ON in softleaf_has_pfn",
      [&](Query& q) {
        z3::context& c = q.ctx();
        z3::expr type_shift = q.Input("SWP_TYPE_SHIFT", 32);
        z3::expr pfn_bits = q.Input("SWP_PFN_BITS", 32);
        q.Assume("def:SWP_TYPE_SHIFT",
                 type_shift == U32(c, k::kBitsPerXaValue) - U32(c, k::kMaxSwapfilesShift));
        q.Assume("def:SWP_PFN_BITS", pfn_bits == U32(c, static_cast<uint32_t>(swp_pfn_bits)));
        return type_shift >= pfn_bits;
      },
      [&](const Values&) { return k::SwpTypeShiftCoversPfnBits(swp_pfn_bits); },
      [&](const Values&) {
        return fmt::format(
            "SWP_PFN_BITS = {} exceeds SWP_TYPE_SHIFT = {}: the kernel does not "
            "build",
            swp_pfn_bits, k::kSwpTypeShift);
      });
  return run.Finish();
}

// Every type gets back what swp_entry() stored, over its offset width.
LemmaResult ProveSwapEntryRoundTrip(const EncodingConfig& config, unsigned timeout_ms) {
  LemmaRun run("swap-entry-round-trip", config, timeout_ms);
  const k::SwapLayout l = config.swap;
  const int pfn_bits = config.swp_pfn_bits;
  const int max = k::MaxSwapfiles(l);

  run.Case(
      "swap type < MAX_SWAPFILES",
      [&](Query& q) {
        z3::context& c = q.ctx();
        z3::expr type = q.Input("type"), offset = q.Input("offset");
        q.Assume("pre:type-below-MAX_SWAPFILES",
                 max > 0 ? z3::ult(type, U64(c, static_cast<uint64_t>(max))) : c.bool_val(false));
        q.Assume("pre:offset-fits-SWP_OFFSET_MASK", z3::ule(offset, U64(c, k::kSwpOffsetMask)));
        z3::expr e = sym::swp_entry(type, offset);
        return sym::swp_type(e) == type && sym::swp_offset(e) == offset;
      },
      [&](const Values& v) {
        const uint64_t e = k::swp_entry(v.at("type"), v.at("offset"));
        return k::swp_type(e) == v.at("type") && k::swp_offset(e) == v.at("offset");
      });

  const bool ad = k::MigrationEntrySupportsAd(pfn_bits);
  if (!ad)
    run.Note(
        fmt::format("SWP_MIG_TOTAL_BITS = {} > SWP_TYPE_SHIFT: migration A/D bits are not "
                    "stored (migration_entry_supports_ad() is false)",
                    k::SwpMigTotalBits(pfn_bits)));
  for (k::SwapKind kind : k::SpecialSwapKinds(l)) {
    const uint64_t type = static_cast<uint64_t>(k::SwapType(l, kind));
    const std::string name(k::SwapKindName(kind));
    if (kind == k::SwapKind::kPteMarker) {
      run.Case(
          name,
          [&](Query& q) {
            z3::context& c = q.ctx();
            z3::expr marker = q.Input("marker");
            q.Assume("pre:marker-within-PTE_MARKER_MASK",
                     z3::ule(marker, U64(c, k::PTE_MARKER_MASK)));
            z3::expr e = sym::swp_entry(U64(c, type), marker);
            return sym::swp_type(e) == U64(c, type) && sym::swp_offset(e) == marker;
          },
          [&](const Values& v) {
            const uint64_t e = k::swp_entry(type, v.at("marker"));
            return k::swp_type(e) == type && k::swp_offset(e) == v.at("marker");
          });
      continue;
    }
    const bool with_ad = ad && k::SwapKindIsMigration(kind);
    run.Case(
        name,
        [&](Query& q) {
          z3::context& c = q.ctx();
          z3::expr pfn = q.Input("pfn");
          q.Assume("pre:pfn-fits-SWP_PFN_BITS", sym::FitsIn(pfn, pfn_bits));
          z3::expr e = sym::swp_entry(U64(c, type), pfn);
          if (!with_ad)
            return sym::swp_type(e) == U64(c, type) && sym::swp_offset(e) == pfn &&
                   sym::swp_offset_pfn(e, pfn_bits) == pfn;
          z3::expr young = q.BoolInput("young"), dirty = q.BoolInput("dirty");
          e = z3::ite(young, sym::make_migration_entry_young(e, pfn_bits), e);
          e = z3::ite(dirty, sym::make_migration_entry_dirty(e, pfn_bits), e);
          return sym::swp_type(e) == U64(c, type) && sym::swp_offset_pfn(e, pfn_bits) == pfn &&
                 sym::is_migration_entry_young(e, pfn_bits) == young &&
                 sym::is_migration_entry_dirty(e, pfn_bits) == dirty;
        },
        [&](const Values& v) {
          const uint64_t pfn = v.at("pfn");
          uint64_t e = k::swp_entry(type, pfn);
          if (!with_ad)
            return k::swp_type(e) == type && k::swp_offset(e) == pfn &&
                   k::swp_offset_pfn(e, pfn_bits) == pfn;
          const bool young = v.at("young") != 0, dirty = v.at("dirty") != 0;
          if (young) e = k::make_migration_entry_young(e, pfn_bits);
          if (dirty) e = k::make_migration_entry_dirty(e, pfn_bits);
          return k::swp_type(e) == type && k::swp_offset_pfn(e, pfn_bits) == pfn &&
                 k::is_migration_entry_young(e, pfn_bits) == young &&
                 k::is_migration_entry_dirty(e, pfn_bits) == dirty;
        },
        [&](const Values& v) {
          return fmt::format("{} entry for pfn {:#x} does not decode back (SWP_PFN_BITS = {})",
                             name, v.at("pfn"), pfn_bits);
        });
  }
  return run.Finish();
}

}  // namespace mmcheck::solver::smt
