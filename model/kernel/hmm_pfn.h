// SPDX-License-Identifier: GPL-2.0
// HMM PFNs (hmm_range->hmm_pfns[]): a PFN in the low bits, a 5-bit mapping
// order at HMM_PFN_ORDER_SHIFT, and flag bits above it.
//
// Models: include/linux/hmm.h enum hmm_pfn_flags, hmm_pfn_to_page(),
// hmm_pfn_to_map_order(); mm/hmm.c hmm_pfn_flags_order().
//   * v6.14/v6.15 (hmm.h since "mm/hmm: provide the page mapping order in
//     hmm_range_fault()"): VALID/WRITE/ERROR at BITS_PER_LONG-1/-2/-3,
//     HMM_PFN_ORDER_SHIFT = BITS_PER_LONG - 8.
//   * after Leon Romanovsky's HMM DMA series (linux-mm hmm.h @ 636388bc081c):
//     DMA_MAPPED/P2PDMA/P2PDMA_BUS at BITS_PER_LONG-4/-5/-6,
//     HMM_PFN_ORDER_SHIFT = BITS_PER_LONG - 11, HMM_PFN_FLAGS = ~((1UL << shift) - 1).
//   * niethe v1 "mm/hmm: Add flag to track device private pages":
//     HMM_PFN_DEVICE_PRIVATE = BITS_PER_LONG - 7 with the shift still at -11, so
//     the flag is bit 4 of the order field (bug 18); niethe v2 10/11 .. v6 move
//     HMM_PFN_ORDER_SHIFT to BITS_PER_LONG - 12.
// Diverges: 64-bit only; which flags are input vs output is not modelled.
#pragma once

#include <cstdint>
#include <vector>

#include "model/kernel/bits.h"

namespace mmcheck::model::kernel {

inline constexpr uint64_t HMM_PFN_VALID = Bit(kBitsPerLong - 1);
inline constexpr uint64_t HMM_PFN_WRITE = Bit(kBitsPerLong - 2);
inline constexpr uint64_t HMM_PFN_ERROR = Bit(kBitsPerLong - 3);
inline constexpr uint64_t HMM_PFN_DMA_MAPPED = Bit(kBitsPerLong - 4);  // HMM DMA series
inline constexpr uint64_t HMM_PFN_P2PDMA = Bit(kBitsPerLong - 5);      // HMM DMA series
inline constexpr uint64_t HMM_PFN_P2PDMA_BUS = Bit(kBitsPerLong - 6);  // HMM DMA series
inline constexpr int kHmmPfnDevicePrivateBit = kBitsPerLong - 7;       // niethe
// hmm_pfn_to_map_order() masks the order with 0x1F.
inline constexpr int kHmmPfnOrderBits = 5;

// One hmm.h version.
struct HmmPfnLayout {
  int order_shift;         // HMM_PFN_ORDER_SHIFT
  bool dma_flags;          // DMA_MAPPED, P2PDMA, P2PDMA_BUS exist
  int device_private_bit;  // HMM_PFN_DEVICE_PRIVATE's bit, or -1

  constexpr bool operator==(const HmmPfnLayout&) const = default;
};
inline constexpr HmmPfnLayout kHmmPfnLayoutV6_14{kBitsPerLong - 8, false, -1};
inline constexpr HmmPfnLayout kHmmPfnLayoutDma{kBitsPerLong - 11, true, -1};
inline constexpr HmmPfnLayout kHmmPfnLayoutNietheV1{kBitsPerLong - 11, true,
                                                    kHmmPfnDevicePrivateBit};
inline constexpr HmmPfnLayout kHmmPfnLayoutNietheV2{kBitsPerLong - 12, true,
                                                    kHmmPfnDevicePrivateBit};

// HMM_PFN_FLAGS = ~((1UL << HMM_PFN_ORDER_SHIFT) - 1): everything above the PFN.
constexpr uint64_t HmmPfnFlagsMask(const HmmPfnLayout& l) {
  return ~LowMask(l.order_shift);
}
// The order field: 0x1F << HMM_PFN_ORDER_SHIFT.
constexpr uint64_t HmmPfnOrderField(const HmmPfnLayout& l) {
  return LowMask(kHmmPfnOrderBits) << l.order_shift;
}
// HMM_PFN_DEVICE_PRIVATE, or 0 when the layout has none.
constexpr uint64_t HmmPfnDevicePrivate(const HmmPfnLayout& l) {
  return l.device_private_bit < 0 ? 0 : Bit(l.device_private_bit);
}
// Every flag bit of the layout.
constexpr uint64_t HmmPfnFlagBits(const HmmPfnLayout& l) {
  return HMM_PFN_VALID | HMM_PFN_WRITE | HMM_PFN_ERROR |
         (l.dma_flags ? HMM_PFN_DMA_MAPPED | HMM_PFN_P2PDMA | HMM_PFN_P2PDMA_BUS : 0) |
         HmmPfnDevicePrivate(l);
}

// hmm_pfn_flags_order(order) (mm/hmm.c): order << HMM_PFN_ORDER_SHIFT.
constexpr uint64_t hmm_pfn_flags_order(const HmmPfnLayout& l, uint64_t order) {
  return order << l.order_shift;
}
// What hmm_vma_handle_pte()/_pmd() store: the PFN, the cpu flags, the order.
constexpr uint64_t HmmPfnEncode(const HmmPfnLayout& l, uint64_t pfn, uint64_t flags,
                                uint64_t order) {
  return pfn | flags | hmm_pfn_flags_order(l, order);
}
// The PFN hmm_pfn_to_page() looks up: hmm_pfn & ~HMM_PFN_FLAGS.
constexpr uint64_t hmm_pfn_to_pfn(const HmmPfnLayout& l, uint64_t hmm_pfn) {
  return hmm_pfn & ~HmmPfnFlagsMask(l);
}
// hmm_pfn_to_map_order(): (hmm_pfn >> HMM_PFN_ORDER_SHIFT) & 0x1F.
constexpr unsigned hmm_pfn_to_map_order(const HmmPfnLayout& l, uint64_t hmm_pfn) {
  return static_cast<unsigned>((hmm_pfn >> l.order_shift) & LowMask(kHmmPfnOrderBits));
}

// The layouts as the kernel has them: flags never overlap the order field...
static_assert((HmmPfnFlagBits(kHmmPfnLayoutV6_14) & HmmPfnOrderField(kHmmPfnLayoutV6_14)) == 0);
static_assert((HmmPfnFlagBits(kHmmPfnLayoutDma) & HmmPfnOrderField(kHmmPfnLayoutDma)) == 0);
static_assert((HmmPfnFlagBits(kHmmPfnLayoutNietheV2) & HmmPfnOrderField(kHmmPfnLayoutNietheV2)) ==
              0);
// ...except niethe v1, where HMM_PFN_DEVICE_PRIVATE is bit 4 of the order (bug 18):
static_assert((HmmPfnFlagBits(kHmmPfnLayoutNietheV1) & HmmPfnOrderField(kHmmPfnLayoutNietheV1)) ==
              Bit(57));
// so a 1 GiB (PUD order 18 = 0b10010) mapping reads back as device-private.
static_assert((HmmPfnEncode(kHmmPfnLayoutNietheV1, 0x1000, HMM_PFN_VALID, 18) &
               HmmPfnDevicePrivate(kHmmPfnLayoutNietheV1)) != 0);

// The named flags of `l`, high bit first.
std::vector<NamedMask> HmmPfnFlags(const HmmPfnLayout& l);

}  // namespace mmcheck::model::kernel
