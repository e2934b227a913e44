// SPDX-License-Identifier: GPL-2.0
// mm/vmscan.c: reclaim of device-exclusive folios (the 1 GiB RSS seed).
#include "tests/model/test_world.h"

namespace mmcheck {
namespace {

using model::OpCode;
using model::PteKind;
using testing::FillSmallPages;
using testing::TestWorld;

// Four pages made exclusive, then reclaimed: OLD keeps all four resident
// (RSS unchanged, the "1 GiB RSS" of the seed), NEW swaps all four out.
TEST(ShrinkFolioList, ExclusivePagesStayResidentOnOld) {
  for (const char* profile : {"linux-6.14", "linux-6.15"}) {
    TestWorld t(profile);
    FillSmallPages(t, 0, 4);
    t.Do(OpCode::kDeviceExclusive, {0, 0, 0, 4});
    int violations = 0;
    for (int va = 0; va < 4; ++va) {
      t.Do(OpCode::kReclaim, {0, va});
      violations += t.Violates("reclaim-makes-progress");
    }
    bool old = std::string(profile) == "linux-6.14";
    EXPECT_EQ(t.w.mms[0].rss[model::kMmAnonPages], old ? 4 : 0) << profile << t.Picture();
    EXPECT_EQ(t.w.mms[0].rss[model::kMmSwapEnts], old ? 0 : 4) << profile;
    EXPECT_EQ(violations, old ? 4 : 0) << profile;
  }
}

// A young PTE protects the folio once; the second pass reclaims it.
TEST(ShrinkFolioList, ReferencedFolioActivatedOnce) {
  TestWorld t("linux-6.15");
  FillSmallPages(t, 0, 1);
  t.Do(OpCode::kReclaim, {0, 0});
  EXPECT_EQ(t.Pte(0, 0).kind, PteKind::kPresent);
  EXPECT_FALSE(t.Pte(0, 0).young);
  t.Do(OpCode::kReclaim, {0, 0});
  EXPECT_EQ(t.Pte(0, 0).kind, PteKind::kSwap);
  EXPECT_EQ(t.HardViolations(), "");
}

// No swap space: reclaim fails without a progress violation.
TEST(ShrinkFolioList, NoSwapSpaceIsNotAProgressFailure) {
  model::Universe u;
  u.swap_slots = 0;
  TestWorld t("linux-6.15", u);
  FillSmallPages(t, 0, 1);
  t.Do(OpCode::kMadvise, {0, 0, 1, model::kAdvicePageout});
  EXPECT_EQ(t.Pte(0, 0).kind, PteKind::kPresent);
  EXPECT_EQ(t.HardViolations(), "");
}

// MADV_PAGEOUT skips non-present PTEs, so it never reclaims an exclusive page.
TEST(MadvisePageout, SkipsDeviceExclusiveEntries) {
  TestWorld t("linux-6.15");
  FillSmallPages(t, 0, 1);
  t.Do(OpCode::kDeviceExclusive, {0, 0, 0, 1});
  t.Do(OpCode::kMadvise, {0, 0, 1, model::kAdvicePageout});
  EXPECT_EQ(t.Pte(0, 0).kind, PteKind::kDeviceExclusive);
}

}  // namespace
}  // namespace mmcheck
