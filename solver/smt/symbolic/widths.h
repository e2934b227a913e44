// SPDX-License-Identifier: GPL-2.0
// Bit widths of the symbolic state (private to solver/smt/): the layout,
// the step encoder and the properties build their numerals with them.
#pragma once

namespace mmcheck::solver::smt::symbolic {

// Counters (refcount, _mapcount, RSS, swap counts) are 8-bit two's
// complement: exact for |value| < 128, which OutsideSubset() checks.
constexpr unsigned kCounterBits = 8;
// PFNs and the numbers non-present entries carry are 9 bits: the subset's
// are below 0x200 (model::kFirstPfn = 0x100 plus at most 7 frames,
// model::kZeroPfn, swap slot indices, and a device-exclusive entry's PFN
// shifted by PtePfnOfNonPresent), which OutsideSubset() checks. The
// narrowest width that holds them exactly: fewer bits to blast.
constexpr unsigned kPfnBits = 9;

}  // namespace mmcheck::solver::smt::symbolic
