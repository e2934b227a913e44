// SPDX-License-Identifier: GPL-2.0
// The bit-level encodings one profile's kernel uses, derived from its knobs.
//
// Every field is one of the kernel layouts in model/kernel/ (swap_entry.h,
// pvmw_encoding.h, migrate_pfn.h, hmm_pfn.h). The Z3 lemmas (solver/smt/) and
// the concrete model read the same configuration, so they cannot disagree on
// which layout a profile stands for.
//
// Where a knob is missing, the derivation infers (and says so below):
//   * MIGRATE_PFN_COMPOUND exists in trees carrying the Niethe series (their base
//     has Balbir Singh's large device-private folios); there is no Balbir knob.
//   * hmm_pfn_order_shift=bits-minus-11 is the layout after the HMM DMA series
//     (DMA_MAPPED/P2PDMA/P2PDMA_BUS); v6.14/v6.15 really had BITS_PER_LONG - 8
//     (kHmmPfnLayoutV6_14), which no knob value names yet. Verdicts agree.
#pragma once

#include <string>

#include "model/kernel/arch_pte.h"
#include "model/kernel/hmm_pfn.h"
#include "model/kernel/migrate_pfn.h"
#include "model/kernel/pvmw_encoding.h"
#include "model/kernel/swap_entry.h"
#include "model/knobs.h"

namespace mmcheck::model::kernel {

struct EncodingConfig {
  SwapLayout swap = kSwapLayoutOld;
  // Widest PFN (or device-private offset) page_vma_mapped_walk can be given:
  // knob arch_pfn_bits. pvmw->pfn is any unsigned long (Zi Yan, niethe v2 review).
  int pfn_bits = SwpPfnBits(kX86MaxPhysmemBits);
  // SWP_PFN_BITS: bounds every PFN/offset stored in a swap entry, a migrate PFN
  // or an HMM PFN. arch_pfn_bits=40: x86-64 5-level (52 - 12); arch_pfn_bits=64:
  // an arch without MAX_PHYSMEM_BITS, min(64 - PAGE_SHIFT, SWP_TYPE_SHIFT) = 52.
  int swp_pfn_bits = SwpPfnBits(kX86MaxPhysmemBits);
  // Niethe: device-private pages are named by offsets that share the numeric range
  // of PFNs; only the entry type / flag tells them apart.
  bool device_private_offsets = false;
  PvmwScheme pvmw = PvmwScheme::kRawPfn;
  // try_to_unmap_one/try_to_migrate_one: `pvmw.flags = PVMW_SYNC` on TTU_SYNC.
  bool ttu_sync_overwrites_flags = true;
  CheckPteForm check_pte = CheckPteForm::kTwoSided;
  MigratePfnLayout migrate_pfn = kMigratePfnLayoutV6_14;
  HmmPfnLayout hmm_pfn = kHmmPfnLayoutDma;
  // Knob arch: the swap-format PTE layout and the PTE helpers (arch_pte.h).
  Arch arch = Arch::kX86_64;

  bool operator==(const EncodingConfig&) const = default;
};

// The encodings of a kernel with knob values `k` (see model/knobs.h; every
// encoding knob is read, the others are ignored).
// Example: the defaults (linux-6.14) give kSwapLayoutOld, raw pvmw PFNs, the
// two-sided check_pte and 40-bit PFNs.
EncodingConfig EncodingConfigFor(const Knobs& k);

// One line naming every layout choice of `c`, for reports and witnesses.
// Example: "swap: 2 exclusive type(s), 0 device-migration types, SWP_DEVICE_NUM=4, ...".
std::string DescribeEncodingConfig(const EncodingConfig& c);

}  // namespace mmcheck::model::kernel
