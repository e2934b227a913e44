// SPDX-License-Identifier: GPL-2.0
// The kernel encodings of model/kernel/ as Z3 bit-vector terms.
//
// Each function mirrors the concrete function of the same name in
// model/kernel/ (same constants, same operations in the same width) so a
// lemma about these terms is a lemma about the concrete code; the conformance
// test (tests/solver/smt/symbolic_conformance_test.cpp) evaluates both on
// seeded random inputs. Words are 64-bit bit-vectors, walk flags 32-bit,
// kinds and bit tests booleans.
//
// Two range computations are written for the solver rather than copied, and
// are equal to the kernel's unsigned long arithmetic for every input:
// `start + count - 1` is the low 64 bits of the 66-bit WideEnd (one adder
// shared with the overlap it is compared to), and the one-sided check_pte is
// split on whether `pfn - pvmw->pfn` wraps (see CheckPteRange). Written
// literally, bit-blasting has to prove adder/subtractor identities and takes
// seconds instead of milliseconds.
#pragma once

#include <z3++.h>

#include <cstdint>

#include "model/kernel/encoding_config.h"

namespace mmcheck::solver::smt::sym {

namespace k = mmcheck::model::kernel;

// A 64-bit constant.
z3::expr U64(z3::context& c, uint64_t v);
// A 32-bit constant (walk flags, type numbers).
z3::expr U32(z3::context& c, uint32_t v);
// x < 2^bits (true when bits >= the width of x).
z3::expr FitsIn(const z3::expr& x, int bits);
// (x & mask) != 0.
z3::expr TestBits(const z3::expr& x, uint64_t mask);
// x is zero or a power of two.
z3::expr IsPowerOfTwoOrZero(const z3::expr& x);
// start + count - 1 in 66-bit arithmetic (never wraps). REQUIRES: 64-bit operands.
z3::expr WideEnd(const z3::expr& start, const z3::expr& count);
// `start + count - 1` as the kernel computes it in unsigned long: the low 64
// bits of WideEnd (the same adder, so the solver sees one circuit).
z3::expr RangeEnd(const z3::expr& start, const z3::expr& count);
// The range [x, x + n - 1] is made of `bits`-bit numbers: WideEnd(x, n) < 2^bits.
// REQUIRES: n >= 1 (asserted separately), 64-bit operands.
z3::expr RangeFits(const z3::expr& x, const z3::expr& n, int bits);

// --- swap entries (swap_entry.h) ---
z3::expr swp_entry(const z3::expr& type, const z3::expr& offset);
z3::expr swp_type(const z3::expr& entry);
z3::expr swp_offset(const z3::expr& entry);
z3::expr swp_offset_pfn(const z3::expr& entry, int swp_pfn_bits);
z3::expr make_migration_entry_young(const z3::expr& entry, int swp_pfn_bits);
z3::expr make_migration_entry_dirty(const z3::expr& entry, int swp_pfn_bits);
z3::expr is_migration_entry_young(const z3::expr& entry, int swp_pfn_bits);
z3::expr is_migration_entry_dirty(const z3::expr& entry, int swp_pfn_bits);

// MAX_SWAPFILES of `l` built from the swap.h macro arithmetic (32-bit signed int).
z3::expr MaxSwapfiles(z3::context& c, const k::SwapLayout& l);
// The type number of `kind` from the swap.h macro arithmetic (32-bit).
// REQUIRES: k::SwapType(l, kind) >= 0.
z3::expr SwapType(z3::context& c, const k::SwapLayout& l, k::SwapKind kind);

// --- page_vma_mapped_walk (pvmw_encoding.h) ---
struct Walk {
  z3::expr pfn;       // 64-bit
  z3::expr nr_pages;  // 64-bit
  z3::expr flags;     // 32-bit
};
z3::expr folio_page_vma_walk_pfn(k::PvmwScheme s, const z3::expr& pfn,
                                 const z3::expr& device_private);
z3::expr page_vma_walk_flags(k::PvmwScheme s, const z3::expr& device_private,
                             const z3::expr& flags);
Walk DefineFolioVmaWalk(k::PvmwScheme s, const z3::expr& pfn, const z3::expr& nr_pages,
                        const z3::expr& device_private, const z3::expr& flags);
z3::expr PvmwWalkDevicePrivate(k::PvmwScheme s, const Walk& w);
z3::expr PvmwWalkPfn(k::PvmwScheme s, const Walk& w);
z3::expr TtuSyncWalkFlags(z3::context& c, k::PvmwScheme s, bool overwrite,
                          const z3::expr& folio_device_private);
z3::expr CheckPteRange(k::CheckPteForm form, const z3::expr& pfn, const z3::expr& pte_nr,
                       const z3::expr& walk_pfn, const z3::expr& nr_pages);
z3::expr CheckPteMatch(k::PvmwScheme s, k::CheckPteForm form, const Walk& w,
                       const z3::expr& entry_pfn, const z3::expr& entry_device_private,
                       const z3::expr& pte_nr);
// Mathematical overlap of [a, a + an - 1] and [b, b + bn - 1] in 66-bit arithmetic.
// REQUIRES: an >= 1 and bn >= 1.
z3::expr RangesOverlap(const z3::expr& a, const z3::expr& an, const z3::expr& b,
                       const z3::expr& bn);

// --- migrate PFNs (migrate_pfn.h) ---
z3::expr migrate_pfn(const z3::expr& pfn);
z3::expr migrate_pfn_to_pfn(const z3::expr& mpfn);
z3::expr migrate_pfn_from_page(const k::MigratePfnLayout& l, const z3::expr& pfn,
                               const z3::expr& device_private);

// --- HMM PFNs (hmm_pfn.h) ---
z3::expr HmmPfnEncode(const k::HmmPfnLayout& l, const z3::expr& pfn, const z3::expr& flags,
                      const z3::expr& order);
z3::expr hmm_pfn_to_pfn(const k::HmmPfnLayout& l, const z3::expr& hmm_pfn);
z3::expr hmm_pfn_to_map_order(const k::HmmPfnLayout& l, const z3::expr& hmm_pfn);

}  // namespace mmcheck::solver::smt::sym
