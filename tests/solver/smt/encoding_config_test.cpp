// SPDX-License-Identifier: GPL-2.0
// EncodingConfigFor(): which kernel layouts each built-in profile stands for.
#include "model/kernel/encoding_config.h"

#include <gtest/gtest.h>

#include "model/profile.h"

namespace mmcheck::model::kernel {
namespace {

EncodingConfig For(const char* profile) {
  const Profile* p = ProfileSet::Builtin().Find(profile);
  EXPECT_NE(p, nullptr) << profile;
  return p ? EncodingConfigFor(p->knobs) : EncodingConfig{};
}

TEST(SmtEncodingConfig, DefaultsAreLinux614) {
  const EncodingConfig c = EncodingConfigFor(Knobs{});
  EXPECT_EQ(c.swap, kSwapLayoutOld);
  EXPECT_EQ(c.pfn_bits, 40);
  EXPECT_EQ(c.swp_pfn_bits, 40);
  EXPECT_FALSE(c.device_private_offsets);
  EXPECT_EQ(c.pvmw, PvmwScheme::kRawPfn);
  EXPECT_EQ(c.check_pte, CheckPteForm::kTwoSided);
  EXPECT_EQ(c.migrate_pfn, kMigratePfnLayoutV6_14);
  EXPECT_EQ(c.hmm_pfn, kHmmPfnLayoutV6_14);  // BITS_PER_LONG - 8, no DMA flags yet
  EXPECT_EQ(For("linux-6.14"), c);
}

TEST(SmtEncodingConfig, HildenbrandPatch06SwitchesToOneExclusiveType) {
  EXPECT_EQ(For("hildenbrand-v2-05").swap, kSwapLayoutOld);
  EXPECT_EQ(For("hildenbrand-v2-06").swap, kSwapLayoutSingleExclusive);
  EXPECT_EQ(For("linux-6.15").swap, kSwapLayoutSingleExclusive);
  EXPECT_EQ(MaxSwapfiles(For("linux-6.15").swap), 24);
}

TEST(SmtEncodingConfig, NietheProfiles) {
  const EncodingConfig v1 = For("niethe-v1");
  EXPECT_EQ(v1.swap, kSwapLayoutNiethe);
  EXPECT_EQ(MaxSwapfiles(v1.swap), 21);
  EXPECT_TRUE(v1.device_private_offsets);
  EXPECT_EQ(v1.pvmw, PvmwScheme::kPfnShift);
  EXPECT_EQ(v1.hmm_pfn, kHmmPfnLayoutNietheV1);
  EXPECT_EQ(v1.migrate_pfn, kMigratePfnLayoutNiethe);

  const EncodingConfig v2 = For("niethe-v2");
  EXPECT_EQ(v2.hmm_pfn, kHmmPfnLayoutNietheV2);
  EXPECT_EQ(v2.pfn_bits, 40);

  const EncodingConfig v2_64 = For("niethe-v2-arch64");
  EXPECT_EQ(v2_64.pfn_bits, 64);
  EXPECT_EQ(v2_64.swp_pfn_bits, 52);

  const EncodingConfig v6 = For("niethe-v6");
  EXPECT_EQ(v6.pvmw, PvmwScheme::kFlags);
  EXPECT_FALSE(v6.ttu_sync_overwrites_flags);
  EXPECT_EQ(For("niethe-v3"), v6);
  EXPECT_TRUE(For("niethe-v6-ttu-sync").ttu_sync_overwrites_flags);
}

TEST(SmtEncodingConfig, DescriptionNamesTheLayout) {
  const std::string d = DescribeEncodingConfig(For("niethe-v1"));
  EXPECT_NE(d.find("MAX_SWAPFILES=21"), std::string::npos) << d;
  EXPECT_NE(d.find("pvmw=pfn-shift"), std::string::npos) << d;
  EXPECT_NE(d.find("DEVICE_PRIVATE=bit 57"), std::string::npos) << d;
}

}  // namespace
}  // namespace mmcheck::model::kernel
