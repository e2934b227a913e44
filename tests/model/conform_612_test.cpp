// SPDX-License-Identifier: GPL-2.0
// Model behaviours the real-kernel conformance run (kernel/conform.sh on
// Linux 6.12, pagemap and kpagecount compared after every step) showed the
// model lacked. Each also has a corpus trace, tests/corpus/linux-6.12-*.mmtrace,
// that CI runs on the kernel. (Fork without an anon_vma and shmem fault-around,
// found the same way, are in memory_test.cpp.)
#include "model/ops/kernel.h"
#include "tests/model/test_world.h"

namespace mmcheck {
namespace {

using model::OpCode;
using model::PteKind;
using testing::TestWorld;

model::Universe SmallUniverse() {
  model::Universe u;
  u.mms = 2;
  u.pages = 4;
  u.folios = 6;
  u.devices = 1;
  u.device_pages = 4;
  model::ValidateUniverse(u);
  return u;
}

// dmirror_migrate_to_device() (lib/test_hmm.c, 6.12) migrates a VMA at a
// time: the pieces before a hole have moved when it returns -EINVAL.
TEST(DmirrorMigrate, PiecesBeforeTheHoleMoveBeforeEinval) {
  TestWorld t("linux-6.12", SmallUniverse());
  t.Do(OpCode::kMmap, {0, 0, 4, model::kProtReadWrite, model::kMapPrivate});
  t.Do(OpCode::kMunmap, {0, 2, 1});
  t.Do(OpCode::kCpuWrite, {0, 0, 5});
  t.Do(OpCode::kCpuWrite, {0, 3, 6});
  model::StepResult r = t.Do(OpCode::kDeviceMigrateToDev, {0, 0, 0, 4});
  EXPECT_EQ(r.outcome.ret, -model::kernel::kEINVAL);
  EXPECT_EQ(t.Pte(0, 0).kind, PteKind::kDevicePrivateWrite) << t.Picture();
  EXPECT_EQ(t.Pte(0, 1).kind, PteKind::kDevicePrivateWrite);  // the hole, a fresh device page
  EXPECT_EQ(t.Pte(0, 3).kind, PteKind::kPresent);             // after the hole: not reached
  EXPECT_EQ(t.HardViolations(), "");
}

}  // namespace
}  // namespace mmcheck
