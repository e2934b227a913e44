// SPDX-License-Identifier: GPL-2.0
// MIGRATE_PFN_* (include/linux/migrate.h) and HMM_PFN_* (include/linux/hmm.h)
// layouts of model/kernel/ on concrete values.
#include <gtest/gtest.h>

#include "model/kernel/hmm_pfn.h"
#include "model/kernel/migrate_pfn.h"

namespace mmcheck::model::kernel {
namespace {

TEST(SmtPfnFlags, MigratePfnBits) {
  EXPECT_EQ(MIGRATE_PFN_VALID, 1u << 0);
  EXPECT_EQ(MIGRATE_PFN_MIGRATE, 1u << 1);
  EXPECT_EQ(MIGRATE_PFN_WRITE, 1u << 3);
  EXPECT_EQ(MIGRATE_PFN_COMPOUND, 1u << 4);
  EXPECT_EQ(MIGRATE_PFN_DEVICE_PRIVATE, 1u << 5);
  EXPECT_EQ(MIGRATE_PFN_SHIFT, 6);
  // Each layout's flags are distinct bits below the PFN.
  for (const MigratePfnLayout& l :
       {kMigratePfnLayoutV6_14, kMigratePfnLayoutBalbir, kMigratePfnLayoutNiethe}) {
    uint64_t seen = 0;
    for (const NamedMask& f : MigratePfnFlags(l)) {
      EXPECT_EQ(f.mask & seen, 0u) << f.name;
      EXPECT_EQ(f.mask & kMigratePfnPfnField, 0u) << f.name;
      seen |= f.mask;
    }
  }
  EXPECT_EQ(MigratePfnFlags(kMigratePfnLayoutV6_14).size(), 3u);
  EXPECT_EQ(MigratePfnFlags(kMigratePfnLayoutNiethe).size(), 5u);
}

TEST(SmtPfnFlags, MigratePfnRoundTrip) {
  const uint64_t pfn = (uint64_t{1} << 40) - 1;
  const uint64_t mpfn = migrate_pfn(pfn) | MIGRATE_PFN_MIGRATE | MIGRATE_PFN_WRITE;
  EXPECT_EQ(migrate_pfn_to_pfn(mpfn), pfn);
  EXPECT_EQ(mpfn & 0x3f, MIGRATE_PFN_VALID | MIGRATE_PFN_MIGRATE | MIGRATE_PFN_WRITE);
  // Niethe: the kind travels with the offset.
  const uint64_t dev = migrate_pfn_from_page(kMigratePfnLayoutNiethe, 0x100, true);
  EXPECT_EQ(dev, (0x100u << 6) | MIGRATE_PFN_VALID | MIGRATE_PFN_DEVICE_PRIVATE);
  EXPECT_EQ(migrate_pfn_from_page(kMigratePfnLayoutV6_14, 0x100, true), migrate_pfn(0x100));
  // The top MIGRATE_PFN_SHIFT bits of a PFN are lost (why PVMW_PFN_SHIFT worried Zi Yan).
  EXPECT_EQ(migrate_pfn_to_pfn(migrate_pfn(uint64_t{1} << 58)), 0u);
}

TEST(SmtPfnFlags, HmmPfnFlagBits) {
  EXPECT_EQ(HMM_PFN_VALID, uint64_t{1} << 63);
  EXPECT_EQ(HMM_PFN_WRITE, uint64_t{1} << 62);
  EXPECT_EQ(HMM_PFN_ERROR, uint64_t{1} << 61);
  EXPECT_EQ(HMM_PFN_DMA_MAPPED, uint64_t{1} << 60);
  EXPECT_EQ(HMM_PFN_P2PDMA, uint64_t{1} << 59);
  EXPECT_EQ(HMM_PFN_P2PDMA_BUS, uint64_t{1} << 58);
  EXPECT_EQ(kHmmPfnDevicePrivateBit, 57);
  EXPECT_EQ(kHmmPfnLayoutV6_14.order_shift, 56);
  EXPECT_EQ(kHmmPfnLayoutDma.order_shift, 53);
  EXPECT_EQ(kHmmPfnLayoutNietheV2.order_shift, 52);
  // HMM_PFN_FLAGS covers the order field and every flag.
  for (const HmmPfnLayout& l :
       {kHmmPfnLayoutV6_14, kHmmPfnLayoutDma, kHmmPfnLayoutNietheV1, kHmmPfnLayoutNietheV2}) {
    EXPECT_EQ(HmmPfnFlagsMask(l) & HmmPfnFlagBits(l), HmmPfnFlagBits(l));
    EXPECT_EQ(HmmPfnFlagsMask(l) & HmmPfnOrderField(l), HmmPfnOrderField(l));
    EXPECT_EQ(HmmPfnFlags(l).size(),
              3u + (l.dma_flags ? 3u : 0u) + (l.device_private_bit >= 0 ? 1u : 0u));
  }
}

TEST(SmtPfnFlags, HmmPfnRoundTripInFixedLayouts) {
  for (const HmmPfnLayout& l : {kHmmPfnLayoutV6_14, kHmmPfnLayoutDma, kHmmPfnLayoutNietheV2}) {
    for (uint64_t order : {0u, 9u, 18u, 31u}) {
      const uint64_t pfn = (uint64_t{1} << 40) - 1;
      const uint64_t flags = HMM_PFN_VALID | HMM_PFN_WRITE | HmmPfnDevicePrivate(l);
      const uint64_t v = HmmPfnEncode(l, pfn, flags, order);
      EXPECT_EQ(hmm_pfn_to_pfn(l, v), pfn);
      EXPECT_EQ(hmm_pfn_to_map_order(l, v), order);
      EXPECT_EQ(v & HmmPfnFlagBits(l), flags);
    }
  }
}

TEST(SmtPfnFlags, NietheV1DevicePrivateCollidesWithOrder) {
  // Bug 18: HMM_PFN_DEVICE_PRIVATE at BITS_PER_LONG - 7 is bit 4 of the order.
  const HmmPfnLayout& l = kHmmPfnLayoutNietheV1;
  EXPECT_EQ(HmmPfnOrderField(l) & HmmPfnDevicePrivate(l), HmmPfnDevicePrivate(l));
  // An order-0 device-private page reads back as order 16...
  const uint64_t dev = HmmPfnEncode(l, 0x1000, HMM_PFN_VALID | HmmPfnDevicePrivate(l), 0);
  EXPECT_EQ(hmm_pfn_to_map_order(l, dev), 16u);
  // ...and a PUD-order (18) system page reads back as device private.
  const uint64_t pud = HmmPfnEncode(l, 0x40000, HMM_PFN_VALID, 18);
  EXPECT_NE(pud & HmmPfnDevicePrivate(l), 0u);
  // Niethe v2 moved the order down one bit: no collision.
  const HmmPfnLayout& v2 = kHmmPfnLayoutNietheV2;
  EXPECT_EQ(HmmPfnOrderField(v2) & HmmPfnDevicePrivate(v2), 0u);
  EXPECT_EQ(hmm_pfn_to_map_order(v2, HmmPfnEncode(v2, 0x1000, HmmPfnDevicePrivate(v2), 0)), 0u);
}

}  // namespace
}  // namespace mmcheck::model::kernel
