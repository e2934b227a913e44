// SPDX-License-Identifier: GPL-2.0
// mremap(MREMAP_MAYMOVE | MREMAP_FIXED) (model/ops/mremap.cpp) and the
// hmm-tests case migrate_remap_fault, scaled like device_thp_test.cpp: the
// selftests' 2 MiB is one 4-page PMD, their offsets 0 / 512 KiB / 1 MiB are
// pages 0 / 1 / 2; the 8-PMD reservation is 3 PMDs here (the buffer, then
// the hole the buffer moves into).
//
//   p: 0 1 2 3 | 4 5 6 7 | 8 9 10 11
//      buffer  | hole (unmapped)      -> buffer moves to 4 + offset
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "tests/model/selftest_session.h"

namespace mmcheck::model {
namespace {

using selftest::BuiltinProfile;
using selftest::Iota;
using selftest::Session;

constexpr int kPmd = 4;

const Pte& PteAt(const Session& s, int mm, int va) {
  return s.world().mms[static_cast<size_t>(mm)].ptes[static_cast<size_t>(va)];
}

// Present, swap and device-exclusive PTEs move as they are; the mirror's
// entries for the old range are dropped (MMU_NOTIFY_UNMAP); RSS is kept.
TEST(Mremap, MovesEveryPteKind) {
  Session s(BuiltinProfile("mainline"), selftest::DeviceUniverse(8, 1, 0));
  s.Mmap(0, 0, 3, kProtReadWrite);
  s.CpuWrite(0, 0, {1, 2, 3});
  s.Madvise(0, 1, 1, kAdvicePageout);
  ASSERT_EQ(PteAt(s, 0, 1).kind, PteKind::kSwap) << s.Where();
  ASSERT_EQ(s.DevExclusive(0, 0, 2, 1).outcome.ret, 0) << s.Where();
  ASSERT_TRUE(IsDeviceExclusive(PteAt(s, 0, 2).kind)) << s.Where();
  const auto rss = s.world().mms[0].rss;
  StepResult r = s.Do(OpCode::kMremap, {0, 0, 3, 5});
  ASSERT_EQ(r.outcome.ret, 0) << s.Where();
  EXPECT_EQ(s.world().mms[0].rss, rss);
  EXPECT_EQ(s.world().FindVma(0, 0), nullptr) << s.Where();
  ASSERT_NE(s.world().FindVma(0, 5), nullptr) << s.Where();
  EXPECT_EQ(PteAt(s, 0, 5).kind, PteKind::kPresent) << s.Where();
  EXPECT_EQ(PteAt(s, 0, 6).kind, PteKind::kSwap) << s.Where();
  EXPECT_TRUE(IsDeviceExclusive(PteAt(s, 0, 7).kind)) << s.Where();
  for (int va = 0; va < 3; ++va) EXPECT_EQ(PteAt(s, 0, va).kind, PteKind::kNone) << s.Where();
  EXPECT_EQ(s.world().devices[0].mirror[2].perm, kMirrorNone) << s.Where();
  s.ExpectCpu(0, 5, {1, 2, 3});
}

// Overlapping ranges are not an enabled mremap (the kernel says -EINVAL).
TEST(Mremap, OverlapIsNotEnabled) {
  World w = World::Initial(selftest::DeviceUniverse(8, 1, 0), BuiltinProfile("mainline").knobs);
  Apply(w, MakeOp(OpCode::kMmap, {0, 0, 4, kProtReadWrite, kMapPrivate}));
  EXPECT_FALSE(Enabled(w, MakeOp(OpCode::kMremap, {0, 0, 4, 2})));
  EXPECT_TRUE(Enabled(w, MakeOp(OpCode::kMremap, {0, 0, 4, 4})));
  EXPECT_FALSE(Enabled(w, MakeOp(OpCode::kMremap, {0, 3, 2, 6})));  // past the VMA
}

// hmm-tests migrate_remap_fault: for before in {0, 1} x use_thp in {0, 1} x
// offset in {0, 1, 2} (MREMAP_DONTUNMAP is not modelled): fill the buffer,
// mremap it to 4 + offset before or after migrating it to the device, then
// the CPU reads the new location. Asserts cpages == npages, the mirror's
// data i and the CPU's data i; and that what moved is what the kernel moves
// (a device-private PMD whole when the destination is PMD-aligned, else
// device-private PTEs of the split).
class MigrateRemapFault
    : public ::testing::TestWithParam<std::tuple<const char*, bool, bool, int>> {};

TEST_P(MigrateRemapFault, DataSurvives) {
  const auto [profile, before, use_thp, offset] = GetParam();
  Session s(BuiltinProfile(profile), selftest::DeviceUniverse(12, 1, 4));
  s.Mmap(0, 0, 3 * kPmd, kProtReadWrite);
  s.Madvise(0, 0, kPmd, use_thp ? kAdviceHugepage : kAdviceNohugepage);
  ASSERT_EQ(s.Do(OpCode::kMunmap, {0, kPmd, 2 * kPmd}).outcome.ret, 0) << s.Where();
  s.CpuWrite(0, 0, Iota(kPmd, 1));
  EXPECT_EQ(s.world().PmdOf(0, 0).kind, use_thp ? PmdKind::kHuge : PmdKind::kTable) << s.Where();
  const int dst = kPmd + offset;
  int ptr = 0;
  if (before) {
    ASSERT_EQ(s.Do(OpCode::kMremap, {0, 0, kPmd, dst}).outcome.ret, 0) << s.Where();
    ptr = dst;
  }
  StepResult m = s.MigrateToDev(0, 0, ptr, kPmd);
  ASSERT_EQ(m.outcome.ret, 0) << s.Where();
  ASSERT_EQ(m.outcome.cpages, kPmd) << s.Where();
  s.ExpectDev(0, 0, ptr, Iota(kPmd, 1));
  if (!before) {
    const bool pmd_mapped = s.world().PmdOf(0, 0).kind == PmdKind::kDevicePrivate;
    EXPECT_EQ(pmd_mapped, use_thp) << s.Where();
    ASSERT_EQ(s.Do(OpCode::kMremap, {0, 0, kPmd, dst}).outcome.ret, 0) << s.Where();
    ptr = dst;
    // move_huge_pmd() when both addresses are PMD-aligned, else the split.
    if (pmd_mapped && offset == 0) {
      EXPECT_EQ(s.world().PmdOf(0, dst).kind, PmdKind::kDevicePrivate) << s.Where();
    } else {
      s.ExpectDevicePrivate(0, dst, kPmd);
    }
    s.ExpectDevicePrivate(0, 0, kPmd, false);
  }
  s.ExpectCpu(0, ptr, Iota(kPmd, 1));
  EXPECT_EQ(s.world().pgmaps[0].ref, 0) << s.Where();
}

INSTANTIATE_TEST_SUITE_P(Selftest, MigrateRemapFault,
                         ::testing::Combine(::testing::Values("mainline", "balbir-v6-posted"),
                                            ::testing::Bool(), ::testing::Bool(),
                                            ::testing::Values(0, 1, 2)));

// Random op streams with mremap drawn often, from a device-private PMD and
// a RAM THP in its fork child: no HARD property the profile does not expect
// is violated, and mremap keeps succeeding.
class MremapRandom : public ::testing::TestWithParam<const char*> {};

TEST_P(MremapRandom, NoUnexpectedViolation) {
  const Profile& p = BuiltinProfile(GetParam());
  Universe u = selftest::DeviceUniverse(8, 2, 4);
  int moves = 0;
  for (uint64_t seed = 1; seed <= 120; ++seed) {
    selftest::XorShift next(seed);
    selftest::Stream stream(p, u, fmt::format("seed {}", seed), selftest::OnExpected::kStop);
    World& w = stream.world();
    auto run = [&](const Op& op) {
      StepResult r;
      if (!stream.Run(op, &r)) return false;
      if (op.code == OpCode::kMremap && r.outcome.ret == 0) ++moves;
      return true;
    };
    bool ok = run(MakeOp(OpCode::kMmap, {0, 0, kPmd, kProtReadWrite, kMapPrivate})) &&
              run(MakeOp(OpCode::kFork, {0})) && run(MakeOp(OpCode::kCpuWrite, {0, 0, 1})) &&
              run(MakeOp(OpCode::kCpuWrite, {1, 1, 2})) &&
              run(MakeOp(OpCode::kDeviceMigrateToDev, {static_cast<int>(seed % 2), 0, 0, kPmd}));
    for (int step = 0; ok && step < 40; ++step) {
      Op op;
      if (next() % 3 == 0) {
        op = MakeOp(OpCode::kMremap,
                    {static_cast<int>(next() % 2), static_cast<int>(next() % 8),
                     1 + static_cast<int>(next() % 4), static_cast<int>(next() % 8)});
      } else {
        op = selftest::RandomOp(next, u);
      }
      if (!Enabled(w, op)) continue;
      ok = run(op);
    }
    if (!ok && ::testing::Test::HasFailure()) return;
  }
  EXPECT_GE(moves, 50) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Profiles, MremapRandom,
                         ::testing::Values("mainline", "balbir-v6-posted", "niethe-v6",
                                           "linux-6.15"));

}  // namespace
}  // namespace mmcheck::model
