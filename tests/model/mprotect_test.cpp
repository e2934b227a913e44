// mm/mprotect.c: non-present entries under mprotect.
#include "tests/model/test_world.h"

namespace mmcheck {
namespace {

using model::OpCode;
using model::PteKind;
using testing::FillSmallPages;
using testing::TestWorld;

// OLD rewrites EXCL_WRITE to EXCL_READ on any mprotect; NEW leaves the
// single SWP_DEVICE_EXCLUSIVE entry alone (hildenbrand-v2 06/17).
TEST(ChangeProtection, ExclusiveEntryDowngradeOnlyOnOld) {
  TestWorld old("linux-6.14"), fixed("linux-6.15");
  for (TestWorld* t : {&old, &fixed}) {
    FillSmallPages(*t, 0, 1);
    t->Do(OpCode::kDeviceExclusive, {0, 0, 0, 1});
    t->Do(OpCode::kMprotect, {0, 0, 1, model::kProtRead});
  }
  EXPECT_EQ(old.Pte(0, 0).kind, PteKind::kDeviceExclusiveRead);
  EXPECT_EQ(fixed.Pte(0, 0).kind, PteKind::kDeviceExclusive);
  // mprotect is an MMU notifier event: the device lost its ATOMIC entry.
  EXPECT_EQ(fixed.w.devices[0].mirror[0].perm, model::kMirrorNone);
}

// Bug 10: back to RW, the OLD restore maps read-only, NEW writable.
TEST(ChangeProtection, RestoreAfterMprotectRoundTrip) {
  TestWorld old("linux-6.14"), fixed("linux-6.15");
  for (TestWorld* t : {&old, &fixed}) {
    FillSmallPages(*t, 0, 1);
    t->Do(OpCode::kDeviceExclusive, {0, 0, 0, 1});
    t->Do(OpCode::kMprotect, {0, 0, 1, model::kProtRead});
    t->Do(OpCode::kMprotect, {0, 0, 1, model::kProtReadWrite});
    t->Do(OpCode::kCpuRead, {0, 0});
  }
  EXPECT_FALSE(old.Pte(0, 0).write);
  EXPECT_TRUE(fixed.Pte(0, 0).write);
}

// Present PTEs lose write; a later write fault reuses the exclusive page.
TEST(ChangeProtection, PresentPteWriteProtected) {
  TestWorld t("linux-6.15");
  FillSmallPages(t, 0, 1);
  int head = t.HeadAt(0, 0);
  t.Do(OpCode::kMprotect, {0, 0, 1, model::kProtRead});
  EXPECT_FALSE(t.Pte(0, 0).write);
  t.Do(OpCode::kMprotect, {0, 0, 1, model::kProtReadWrite});
  t.Do(OpCode::kCpuWrite, {0, 0, 3});
  EXPECT_EQ(t.HeadAt(0, 0), head);
  EXPECT_EQ(t.HardViolations(), "");
}

// mprotect over a hole is -ENOMEM.
TEST(ChangeProtection, HoleIsEnomem) {
  TestWorld t("linux-6.15");
  t.Do(OpCode::kMmap, {0, 0, 1, model::kProtReadWrite, model::kMapPrivate});
  EXPECT_EQ(t.Do(OpCode::kMprotect, {0, 0, 2, model::kProtRead}).outcome.ret, -12);
}

}  // namespace
}  // namespace mmcheck
