// SPDX-License-Identifier: GPL-2.0
// Derivation of the kernel encodings from a profile's knobs.
#include "model/kernel/encoding_config.h"

#include <fmt/format.h>

namespace mmcheck::model::kernel {

EncodingConfig EncodingConfigFor(const Knobs& k) {
  EncodingConfig c;
  // include/linux/swap.h: SWP_DEVICE_NUM counts every SWP_DEVICE_* type defined.
  c.swap.device_exclusive_types =
      k.device_exclusive_entry == DeviceExclusiveEntry::kReadWritePair ? 2 : 1;
  c.swap.device_migration_types =
      k.device_private_migration_entries == DevicePrivateMigrationEntries::kNiethe ? 3 : 0;
  c.swap.swp_device_num = DeviceTypesDefined(c.swap);

  if (k.arch_pfn_bits == ArchPfnBits::k64) {
    c.pfn_bits = 64;
    c.swp_pfn_bits = SwpPfnBits(kMaxPhysmemBitsUndefined);
  } else {
    c.pfn_bits = SwpPfnBits(kX86MaxPhysmemBits);
    c.swp_pfn_bits = SwpPfnBits(kX86MaxPhysmemBits);
  }

  switch (k.pvmw_device_private) {
    case PvmwDevicePrivate::kNone:
      c.pvmw = PvmwScheme::kRawPfn;
      break;
    case PvmwDevicePrivate::kPfnShift:
      c.pvmw = PvmwScheme::kPfnShift;
      break;
    case PvmwDevicePrivate::kFlags:
      c.pvmw = PvmwScheme::kFlags;
      break;
  }
  c.ttu_sync_overwrites_flags = k.ttu_sync_flags == TtuSyncFlags::kOverwrite;
  c.check_pte = k.check_pte_overlap == CheckPteOverlap::kOneSided ? CheckPteForm::kOneSided
                                                                  : CheckPteForm::kTwoSided;

  // Any piece of the Niethe series means device-private pages left the PFN space.
  // (Or device_private_address_space=offset on its own.) The concrete model
  // reads the same function (World::DeviceOffsets).
  c.device_private_offsets = DevicePrivateOffsets(k);

  c.migrate_pfn.device_private = k.migrate_pfn_device_private == MigratePfnDevicePrivate::kBit5;
  c.migrate_pfn.compound = c.device_private_offsets;  // inferred: see the header

  switch (k.hmm_pfn_order_shift) {
    case HmmPfnOrderShift::kBitsMinus8:
      c.hmm_pfn.order_shift = kBitsPerLong - 8;
      break;
    case HmmPfnOrderShift::kBitsMinus11:
      c.hmm_pfn.order_shift = kBitsPerLong - 11;
      break;
    case HmmPfnOrderShift::kBitsMinus12:
      c.hmm_pfn.order_shift = kBitsPerLong - 12;
      break;
  }
  // v6.14/v6.15 (order at BITS_PER_LONG - 8) have no HMM DMA flags yet.
  c.hmm_pfn.dma_flags = k.hmm_pfn_order_shift != HmmPfnOrderShift::kBitsMinus8;
  c.hmm_pfn.device_private_bit =
      k.hmm_pfn_device_private == HmmPfnDevicePrivate::kBitsMinus7 ? kHmmPfnDevicePrivateBit : -1;
  c.arch = k.arch == PteArch::kArm64 ? Arch::kArm64 : Arch::kX86_64;
  return c;
}

std::string DescribeEncodingConfig(const EncodingConfig& c) {
  const char* pvmw = c.pvmw == PvmwScheme::kRawPfn     ? "raw-pfn"
                     : c.pvmw == PvmwScheme::kPfnShift ? "pfn-shift"
                                                       : "flags";
  return fmt::format(
      "swap: {} exclusive type(s), {} device-migration types, SWP_DEVICE_NUM={}, "
      "MAX_SWAPFILES={}; pfn_bits={} SWP_PFN_BITS={} device_private_offsets={}; pvmw={} "
      "ttu_sync={} check_pte={}; migrate_pfn: compound={} device_private={}; "
      "hmm_pfn: ORDER_SHIFT=BITS_PER_LONG-{} dma_flags={} DEVICE_PRIVATE={}; arch={}",
      c.swap.device_exclusive_types, c.swap.device_migration_types, c.swap.swp_device_num,
      MaxSwapfiles(c.swap), c.pfn_bits, c.swp_pfn_bits, c.device_private_offsets, pvmw,
      c.ttu_sync_overwrites_flags ? "overwrite" : "preserve",
      c.check_pte == CheckPteForm::kOneSided ? "one-sided" : "two-sided", c.migrate_pfn.compound,
      c.migrate_pfn.device_private, kBitsPerLong - c.hmm_pfn.order_shift, c.hmm_pfn.dma_flags,
      c.hmm_pfn.device_private_bit < 0 ? std::string("none")
                                       : fmt::format("bit {}", c.hmm_pfn.device_private_bit),
      ArchLayout(c.arch).name);
}

}  // namespace mmcheck::model::kernel
