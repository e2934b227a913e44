// SPDX-License-Identifier: GPL-2.0
// Lemmas on an architecture's swap-format PTE and its PTE helpers.
//
// Kernel sources (Linux 6.12): arch/x86/include/asm/pgtable_64.h and
// arch/x86/mm/pgtable.c (x86-64), arch/arm64/include/asm/pgtable.h (arm64);
// the layouts are the facts of model/kernel/arch_pte.h, the type numbers
// those of include/linux/swap.h (model/kernel/swap_entry.h). Issue 13: the
// young helper folio_referenced_one applies to a device-exclusive entry.
#include <fmt/format.h>

#include "model/kernel/arch_pte.h"
#include "model/kernel/swap_entry.h"
#include "solver/smt/lemma_cases.h"
#include "solver/smt/symbolic_encodings.h"

namespace mmcheck::solver::smt {
namespace {

namespace k = model::kernel;
using sym::U64;

// The device types folio_referenced_one can meet (page_vma_mapped_walk's
// check_pte returns device-private and device-exclusive entries).
std::vector<k::SwapKind> DeviceKinds(const k::SwapLayout& l) {
  std::vector<k::SwapKind> out;
  for (k::SwapKind kind : k::SpecialSwapKinds(l))
    if (kind == k::SwapKind::kDeviceWrite || kind == k::SwapKind::kDeviceRead ||
        kind == k::SwapKind::kDeviceExclusive || kind == k::SwapKind::kDeviceExclusiveWrite ||
        kind == k::SwapKind::kDeviceExclusiveRead)
      out.push_back(kind);
  return out;
}

// __swp_entry_to_pte(__swp_entry(type, offset)) as a 64-bit term.
z3::expr SwapPte(z3::context& c, const k::ArchPteLayout& a, uint64_t type, const z3::expr& offset) {
  const z3::expr stored = a.swp_offset_inverted ? ~offset : offset;
  const z3::expr off = z3::shl(stored & U64(c, k::ArchMask(a.swp_offset_bits)),
                               U64(c, static_cast<uint64_t>(a.swp_offset_shift)));
  return off | U64(c, (type & k::ArchMask(a.swp_type_bits)) << a.swp_type_shift);
}

// ptep_test_and_clear_young()'s store, as a 64-bit term.
z3::expr YoungHelper(z3::context& c, const k::ArchPteLayout& a, const z3::expr& pte) {
  const z3::expr af = U64(c, k::ArchBit(a.accessed_bit));
  const z3::expr cleared = pte & ~af;
  if (!a.young_tests_first) return cleared;
  return z3::ite((pte & af) == U64(c, 0), pte, cleared);
}

}  // namespace

// The young helper applied to a non-present device entry keeps its swap type
// (and so keeps it a device entry): what folio_referenced_one relies on
// without a pte_present() test.
LemmaResult ProveYoungHelperKeepsSwapType(const EncodingConfig& config, unsigned timeout_ms) {
  LemmaRun run("young-helper-keeps-swap-type", config, timeout_ms);
  const k::SwapLayout l = config.swap;
  const k::ArchPteLayout& a = k::ArchLayout(config.arch);
  const int offset_bits = std::min(config.swp_pfn_bits, a.swp_offset_bits);
  for (k::SwapKind kind : DeviceKinds(l)) {
    const uint64_t type = static_cast<uint64_t>(k::SwapType(l, kind));
    run.Case(
        fmt::format("ptep_test_and_clear_young on {} ({}) on {}", k::SwapKindName(kind), type,
                    a.name),
        [&, type](Query& q) {
          z3::context& c = q.ctx();
          z3::expr offset = q.Input("offset", 64);
          q.Assume("pre:offset-fits-SWP_PFN_BITS",
                   z3::ult(offset, U64(c, k::ArchBit(offset_bits))));
          const z3::expr after = YoungHelper(c, a, SwapPte(c, a, type, offset));
          const z3::expr type_after =
              z3::lshr(after, U64(c, static_cast<uint64_t>(a.swp_type_shift))) &
              U64(c, k::ArchMask(a.swp_type_bits));
          return type_after == U64(c, type);
        },
        [&, type](const Values& v) {
          const uint64_t after = k::ArchYoungHelper(a, k::ArchSwapPte(a, type, v.at("offset")));
          return k::ArchSwapType(a, after) == type;
        },
        [&, type, kind](const Values& v) {
          const uint64_t before = k::ArchSwapPte(a, type, v.at("offset"));
          const uint64_t after = k::ArchYoungHelper(a, before);
          const uint64_t t = k::ArchSwapType(a, after);
          return fmt::format(
              "{}: PTE {:#018x} -> {:#018x}: bit {} (pte_mkold) is swap type bit {}; {} {} "
              "becomes type {} ({}), offset {:#x} kept",
              a.name, before, after, a.accessed_bit, a.accessed_bit - a.swp_type_shift,
              k::SwapKindName(kind), type, t,
              static_cast<int>(t) < k::MaxSwapfiles(l) ? "a swap device's type"
                                                       : "another special type",
              k::ArchSwapOffset(a, after));
        });
  }
  return run.Finish();
}

}  // namespace mmcheck::solver::smt
