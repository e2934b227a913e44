// SPDX-License-Identifier: GPL-2.0
// Large device-private folios (Balbir Singh's series;
// docs/kernel-rules.md#pmd-entries, #invariant-11, #invariant-12, #bug-13,
// #bug-20 to #bug-22; mm/migrate_device.c, mm/memremap.c) and the hmm-tests cases that exercise
// them: migrate_anon_huge_empty, _zero, _fault, _err and migrate_partial_unmap_fault, scaled to the
// model (a "PMD" is 4 pages; the selftests' 2 MiB THP is one model PMD, their 1 MiB munmap 2 pages,
// their offsets 0 / 512 KiB / 1 MiB are pages 0 / 1 / 2).
//
// Elsewhere: migrate_anon_huge_free (tests/model/madvise_free_test.cpp) and
// migrate_remap_fault (tests/model/mremap_test.cpp).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/model/selftest_session.h"

namespace mmcheck::model {
namespace {

using selftest::BuiltinProfile;
using selftest::Iota;
using selftest::Session;

constexpr int kPmd = 4;  // pages per PMD in these universes (pmd_order = 2)

Universe ThpUniverse(int devices = 1, int device_pages = 4, int pages = 4) {
  return selftest::DeviceUniverse(pages, devices, device_pages);
}

const Pmd& PmdAt(const Session& s, int mm, int va) {
  return s.world().PmdOf(mm, va);
}

// The device folio a device-private PMD at (mm, va) maps, or -1.
int DeviceFolioAt(const Session& s, int mm, int va) {
  return s.world().DevicePrivatePmdFolio(PmdAt(s, mm, va));
}

// hmm-tests migrate + migrate_anon_huge_fault on the merged series (mainline):
// a PMD-mapped THP moves to ONE order-2 device folio under a device-private
// PMD (MIGRATE_VMA_SELECT_COMPOUND), holding 1 << order pgmap references; the
// mirror maps every page; the CPU fault brings it back as one PMD-mapped THP
// and the device folio's references all go back (pgmap-refs-balance,
// checked after every step by the session).
TEST(LargeDeviceFolio, ThpMigratesWholeAndFaultsBackWhole) {
  Session s(BuiltinProfile("mainline"), ThpUniverse());
  s.Mmap(0, 0, kPmd, kProtReadWrite);
  s.Madvise(0, 0, kPmd, kAdviceHugepage);
  s.CpuWrite(0, 0, Iota(kPmd, 1));
  ASSERT_EQ(PmdAt(s, 0, 0).kind, PmdKind::kHuge) << s.Where();
  StepResult r = s.MigrateToDev(0, 0, 0, kPmd);
  EXPECT_EQ(r.outcome.ret, 0) << s.Where();
  EXPECT_EQ(r.outcome.cpages, kPmd) << s.Where();
  ASSERT_EQ(PmdAt(s, 0, 0).kind, PmdKind::kDevicePrivate) << s.Where();
  EXPECT_TRUE(PmdAt(s, 0, 0).write);
  const int head = DeviceFolioAt(s, 0, 0);
  ASSERT_GE(head, 0) << s.Where();
  const Page& f = s.world().Folio(head);
  EXPECT_EQ(f.order, 2);
  EXPECT_EQ(s.world().FolioMapcount(head), 1);
  EXPECT_EQ(f.entire_mapcount, 0);
  EXPECT_EQ(f.refcount, 1);
  EXPECT_TRUE(f.anon_exclusive);
  EXPECT_EQ(s.world().pgmaps[0].ref, kPmd);
  EXPECT_EQ(s.world().mms[0].rss[kMmAnonPages], kPmd);
  s.ExpectDev(0, 0, 0, Iota(kPmd, 1));
  // migrate_anon_huge_fault: the CPU reads everything back.
  s.ExpectCpu(0, 0, Iota(kPmd, 1));
  EXPECT_EQ(PmdAt(s, 0, 0).kind, PmdKind::kHuge) << s.Where();
  EXPECT_EQ(s.world().pgmaps[0].ref, 0) << s.Where();
}

// MIGRATE_TO_SYS of the whole PMD: one THP again (cpages == npages).
TEST(LargeDeviceFolio, MigrateToSysWhole) {
  Session s(BuiltinProfile("mainline"), ThpUniverse());
  s.Mmap(0, 0, kPmd, kProtReadWrite);
  s.CpuWrite(0, 0, Iota(kPmd, 1));
  EXPECT_EQ(s.MigrateToDev(0, 0, 0, kPmd).outcome.cpages, kPmd) << s.Where();
  StepResult r = s.MigrateToSys(0, 0, 0, kPmd);
  EXPECT_EQ(r.outcome.ret, 0) << s.Where();
  EXPECT_EQ(r.outcome.cpages, kPmd) << s.Where();
  EXPECT_EQ(PmdAt(s, 0, 0).kind, PmdKind::kHuge) << s.Where();
  EXPECT_EQ(s.world().pgmaps[0].ref, 0) << s.Where();
  s.ExpectCpu(0, 0, Iota(kPmd, 1));
}

// Before the series (linux-6.15: device_private_thp=none) the same THP is
// split and moved page by page: four order-0 device folios under PTEs.
TEST(LargeDeviceFolio, BeforeTheSeriesEveryThpIsSplit) {
  Session s(BuiltinProfile("linux-6.15"), ThpUniverse());
  s.Mmap(0, 0, kPmd, kProtReadWrite);
  s.CpuWrite(0, 0, Iota(kPmd, 1));
  ASSERT_EQ(PmdAt(s, 0, 0).kind, PmdKind::kHuge) << s.Where();
  EXPECT_EQ(s.MigrateToDev(0, 0, 0, kPmd).outcome.cpages, kPmd) << s.Where();
  EXPECT_EQ(PmdAt(s, 0, 0).kind, PmdKind::kTable) << s.Where();
  s.ExpectDevicePrivate(0, 0, kPmd);
  for (int i = 0; i < kPmd; ++i) {
    int frame = s.world().MappedFrame(0, i);
    ASSERT_GE(frame, 0);
    EXPECT_EQ(s.world().Folio(s.world().pages[static_cast<size_t>(frame)].head).order, 0);
  }
  s.ExpectCpu(0, 0, Iota(kPmd, 1));
}

// A range that covers only part of the PMD is not compound: the THP is split.
TEST(LargeDeviceFolio, PartialRangeSplits) {
  Session s(BuiltinProfile("mainline"), ThpUniverse());
  s.Mmap(0, 0, kPmd, kProtReadWrite);
  s.CpuWrite(0, 0, Iota(kPmd, 1));
  EXPECT_EQ(s.MigrateToDev(0, 0, 1, 2).outcome.cpages, 2) << s.Where();
  EXPECT_EQ(PmdAt(s, 0, 0).kind, PmdKind::kTable) << s.Where();
  s.ExpectDevicePrivate(0, 1, 2);
  s.ExpectCpu(0, 0, Iota(kPmd, 1));
}

// hmm-tests migrate_anon_huge_empty: a PROT_READ THP-eligible region never
// touched (pmd_none) migrates as one compound hole: cpages == npages, the
// mirror reads 0; the device-private PMD is read-only (no VM_WRITE).
TEST(HmmTestsHuge, MigrateAnonHugeEmpty) {
  Session s(BuiltinProfile("mainline"), ThpUniverse());
  s.Mmap(0, 0, kPmd, kProtRead);
  s.Madvise(0, 0, kPmd, kAdviceHugepage);
  StepResult r = s.MigrateToDev(0, 0, 0, kPmd);
  EXPECT_EQ(r.outcome.ret, 0) << s.Where();
  EXPECT_EQ(r.outcome.cpages, kPmd) << s.Where();
  ASSERT_EQ(PmdAt(s, 0, 0).kind, PmdKind::kDevicePrivate) << s.Where();
  EXPECT_FALSE(PmdAt(s, 0, 0).write);
  s.ExpectDev(0, 0, 0, std::vector<int>(kPmd, 0));
  s.ExpectCpu(0, 0, std::vector<int>(kPmd, 0));
}

// hmm-tests migrate_anon_huge_zero: read one int first (the model maps the
// small zero page, not the huge one: README LIMITATIONS 5), migrate
// (cpages == npages, mirror 0), and the CPU reads everything back as 0.
TEST(HmmTestsHuge, MigrateAnonHugeZero) {
  for (const char* profile : {"mainline", "balbir-v6-posted", "linux-6.15"}) {
    Session s(BuiltinProfile(profile), ThpUniverse());
    s.Mmap(0, 0, kPmd, kProtRead);
    s.Madvise(0, 0, kPmd, kAdviceHugepage);
    s.ExpectCpu(0, 0, {0});
    StepResult r = s.MigrateToDev(0, 0, 0, kPmd);
    EXPECT_EQ(r.outcome.ret, 0) << profile << s.Where();
    EXPECT_EQ(r.outcome.cpages, kPmd) << profile << s.Where();
    s.ExpectDev(0, 0, 0, std::vector<int>(kPmd, 0));
    s.ExpectCpu(0, 0, std::vector<int>(kPmd, 0));
  }
}

// hmm-tests migrate_anon_huge_err, with the device THP allocation failing
// because the device's only PMD-sized run is in use (the model's stand-in
// for HMM_DMIRROR_FLAG_FAIL_ALLOC): migration falls back to order-0 device
// pages (ret 0, cpages == npages, mirror i) and the CPU reads the data.
TEST(HmmTestsHuge, MigrateAnonHugeErrFallsBackToSmallPages) {
  Session s(BuiltinProfile("mainline"), ThpUniverse(1, 6, 8));
  s.Mmap(0, 0, 2 * kPmd, kProtReadWrite);
  s.Madvise(0, 0, kPmd, kAdviceNohugepage);
  s.CpuWrite(0, 0, {9});
  EXPECT_EQ(s.MigrateToDev(0, 0, 0, 1).outcome.cpages, 1) << s.Where();  // device page 0
  s.CpuWrite(0, kPmd, Iota(kPmd, 1));
  ASSERT_EQ(PmdAt(s, 0, kPmd).kind, PmdKind::kHuge) << s.Where();
  StepResult r = s.MigrateToDev(0, 0, kPmd, kPmd);
  EXPECT_EQ(r.outcome.ret, 0) << s.Where();
  EXPECT_EQ(r.outcome.cpages, kPmd) << s.Where();
  EXPECT_EQ(PmdAt(s, 0, kPmd).kind, PmdKind::kTable) << s.Where();
  s.ExpectDevicePrivate(0, kPmd, kPmd);
  s.ExpectDev(0, 0, kPmd, Iota(kPmd, 1));
  s.ExpectCpu(0, kPmd, Iota(kPmd, 1));
  s.ExpectCpu(0, 0, {9});
}

// hmm-tests migrate_partial_unmap_fault: for use_thp in {0, 1} and offsets
// 0, 512 KiB, 1 MiB (pages 0, 1, 2): fill, migrate (cpages == npages),
// munmap half the region at the offset (splitting the device-private PMD),
// then the CPU reads the still-mapped pages: data i. No property the profile
// does not expect is violated (the session checks every step); on mainline
// that includes no deferred split of the device folio.
TEST(HmmTestsHuge, MigratePartialUnmapFault) {
  for (bool use_thp : {false, true})
    for (int offset : {0, 1, 2}) {
      Session s(BuiltinProfile("mainline"), ThpUniverse());
      s.Mmap(0, 0, kPmd, kProtReadWrite);
      s.Madvise(0, 0, kPmd, use_thp ? kAdviceHugepage : kAdviceNohugepage);
      s.CpuWrite(0, 0, Iota(kPmd, 1));
      StepResult r = s.MigrateToDev(0, 0, 0, kPmd);
      EXPECT_EQ(r.outcome.cpages, kPmd) << s.Where();
      EXPECT_EQ(PmdAt(s, 0, 0).kind == PmdKind::kDevicePrivate, use_thp) << s.Where();
      EXPECT_EQ(s.Do(OpCode::kMunmap, {0, offset, 2}).outcome.ret, 0) << s.Where();
      EXPECT_EQ(PmdAt(s, 0, 0).kind, PmdKind::kTable) << s.Where();
      for (int i = 0; i < kPmd; ++i)
        if (i < offset || i >= offset + 2) s.ExpectCpu(0, i, {i + 1});
      // Every device page was freed or migrated back: all references returned.
      EXPECT_EQ(s.world().pgmaps[0].ref, 0) << s.Where();
    }
}

// fork over a device-private PMD (copy_huge_pmd): both mms map the device
// folio read-only (entire mapcount 2, AnonExclusive cleared); each side's
// fault brings its own copy back and both read the data.
TEST(LargeDeviceFolio, ForkSharesTheDevicePrivatePmd) {
  Session s(BuiltinProfile("mainline"), ThpUniverse());
  s.Mmap(0, 0, kPmd, kProtReadWrite);
  s.CpuWrite(0, 0, Iota(kPmd, 1));
  EXPECT_EQ(s.MigrateToDev(0, 0, 0, kPmd).outcome.cpages, kPmd) << s.Where();
  int child = s.Fork(0);
  ASSERT_EQ(PmdAt(s, child, 0).kind, PmdKind::kDevicePrivate) << s.Where();
  EXPECT_FALSE(PmdAt(s, 0, 0).write);
  EXPECT_FALSE(PmdAt(s, child, 0).write);
  const int head = DeviceFolioAt(s, 0, 0);
  EXPECT_EQ(s.world().FolioMapcount(head), 2);
  EXPECT_FALSE(s.world().Folio(head).anon_exclusive);
  s.ExpectCpu(child, 0, Iota(kPmd, 1));
  s.CpuWrite(child, 1, {77});
  s.ExpectCpu(0, 0, Iota(kPmd, 1));
  s.ExpectCpu(child, 1, {77});
}

// mprotect(PROT_READ) over the whole PMD downgrades the device-private PMD
// entry in place (change_huge_pmd); over part of it, it splits the PMD into
// device-private PTEs of the same large folio first.
TEST(LargeDeviceFolio, MprotectDowngradesOrSplits) {
  Session s(BuiltinProfile("mainline"), ThpUniverse());
  s.Mmap(0, 0, kPmd, kProtReadWrite);
  s.CpuWrite(0, 0, Iota(kPmd, 1));
  EXPECT_EQ(s.MigrateToDev(0, 0, 0, kPmd).outcome.cpages, kPmd) << s.Where();
  s.Mprotect(0, 0, kPmd, kProtRead);
  ASSERT_EQ(PmdAt(s, 0, 0).kind, PmdKind::kDevicePrivate) << s.Where();
  EXPECT_FALSE(PmdAt(s, 0, 0).write);
  s.Mprotect(0, 0, kPmd, kProtReadWrite);
  s.Mprotect(0, 2, 2, kProtRead);
  EXPECT_EQ(PmdAt(s, 0, 0).kind, PmdKind::kTable) << s.Where();
  s.ExpectDevicePrivate(0, 0, kPmd);
  const int frame = s.world().MappedFrame(0, 0);
  ASSERT_GE(frame, 0);
  EXPECT_EQ(s.world().Folio(s.world().pages[static_cast<size_t>(frame)].head).order, 2);
  s.ExpectCpu(0, 0, Iota(kPmd, 1));
}

// Device eviction (HMM_DMIRROR_RELEASE) of a large device folio: split, then
// evicted page by page; the data survives and every reference is returned.
TEST(LargeDeviceFolio, ReleaseEvictsALargeFolio) {
  Session s(BuiltinProfile("mainline"), ThpUniverse());
  s.Mmap(0, 0, kPmd, kProtReadWrite);
  s.CpuWrite(0, 0, Iota(kPmd, 1));
  EXPECT_EQ(s.MigrateToDev(0, 0, 0, kPmd).outcome.cpages, kPmd) << s.Where();
  // HMM_DMIRROR_RELEASE returns the caller's cmd: cpages 0; every page of
  // the split folio is under migration.
  EXPECT_EQ(s.Do(OpCode::kDeviceRelease, {0}).outcome.cpages, 0) << s.Where();
  EXPECT_EQ(s.world().migrating.size(), static_cast<size_t>(kPmd)) << s.Where();
  StepResult r = s.Do(OpCode::kUnlockFolio, {});
  EXPECT_FALSE(r.outcome.blocked) << s.Where();
  EXPECT_EQ(s.world().pgmaps[0].ref, 0) << s.Where();
  s.ExpectCpu(0, 0, Iota(kPmd, 1));
}

// Random op streams (fixed seeds) that start from a device-private PMD in
// mm0 and a RAM THP in its fork child, in a universe with two devices: on
// each profile with large device folios, no HARD property the profile does
// not expect is violated, and the streams keep meeting device-private PMDs
// (faults, fork, munmap/mprotect splits, migration back, release).
class LargeDeviceFolioRandom : public ::testing::TestWithParam<const char*> {};

TEST_P(LargeDeviceFolioRandom, NoUnexpectedViolation) {
  const Profile& p = BuiltinProfile(GetParam());
  Universe u = ThpUniverse(2, 4, 8);
  int pmd_steps = 0;
  for (uint64_t seed = 1; seed <= 150; ++seed) {
    selftest::XorShift next(seed);
    selftest::Stream stream(p, u, fmt::format("seed {}", seed), selftest::OnExpected::kContinue);
    World& w = stream.world();
    auto run = [&](const Op& op) { return stream.Run(op); };
    bool ok = run(MakeOp(OpCode::kMmap, {0, 0, u.pages, kProtReadWrite, kMapPrivate})) &&
              run(MakeOp(OpCode::kFork, {0})) && run(MakeOp(OpCode::kCpuWrite, {0, 0, 1})) &&
              run(MakeOp(OpCode::kCpuWrite, {1, kPmd, 2})) &&
              run(MakeOp(OpCode::kDeviceMigrateToDev, {static_cast<int>(seed % 2), 0, 0, kPmd}));
    for (int step = 0; ok && step < 40; ++step) {
      Op op = selftest::RandomOp(next, u);
      if (!Enabled(w, op)) continue;
      ok = run(op);
      bool pmd = false;
      for (const Mm& m : w.mms)
        for (const Pmd& d : m.pmds) pmd = pmd || d.kind == PmdKind::kDevicePrivate;
      pmd_steps += pmd;
    }
    if (!ok) return;
  }
  // A floor, not a measurement: the streams are drawn from the whole op
  // table, so adding an op changes them (954 once dev_snapshot joined it).
  EXPECT_GT(pmd_steps, 800) << "the streams must exercise device-private PMDs";
}

INSTANTIATE_TEST_SUITE_P(Profiles, LargeDeviceFolioRandom,
                         ::testing::Values("mainline", "balbir-v6-posted", "balbir-old-free",
                                           "balbir-deferred-split"));

// ---- bugs 13, 20, 21, 22: the symptom on the profile before the fix, none after ----

// Steps of the bug-13 scenario: a RAM THP in mm1 while mm0's THP is a
// device-private PMD; migrating mm1's folio walks mm0's VMA too.
std::vector<std::string> Bug13Events(const char* profile) {
  Session s(BuiltinProfile(profile), ThpUniverse());
  s.Mmap(0, 0, kPmd, kProtReadWrite);
  int child = s.Fork(0);
  s.CpuWrite(0, 0, {1});
  s.CpuWrite(child, 1, {2});
  EXPECT_EQ(s.MigrateToDev(0, 0, 0, kPmd).outcome.cpages, kPmd) << s.Where();
  std::vector<std::string> out;
  for (const KernelEvent& e : s.Do(OpCode::kMigrate, {child, 1}).events)
    if (e.kind == EventKind::kCorruption) out.push_back(e.text);
  s.ExpectCpu(child, 1, {2});
  s.ExpectCpu(0, 0, {1});
  return out;
}

TEST(LargeDeviceFolioBugs, Bug13DevicePrivatePmdWalk) {
  std::vector<std::string> before = Bug13Events("balbir-v6-posted");
  ASSERT_EQ(before.size(), 2u);
  EXPECT_NE(before[0].find("try_to_migrate_one"), std::string::npos) << before[0];
  EXPECT_NE(before[1].find("PVMW_MIGRATION"), std::string::npos) << before[1];
  EXPECT_TRUE(Bug13Events("mainline").empty());
}

// Bug 20: the pre-balbir free on a large device folio oopses and returns one
// pgmap reference of four; the release then waits forever. Freed through
// MIGRATE_TO_SYS (the PMD-mapped folio: AnonExclusive on the head only) and
// through munmap of the PTE-mapped folio (after a partial mprotect split the
// PMD, every page is AnonExclusive and the tails keep a stale flag).
TEST(LargeDeviceFolioBugs, Bug20OldFreeLeaksPgmapRefs) {
  for (const char* profile : {"balbir-old-free", "mainline"})
    for (bool pte_mapped : {false, true}) {
      const bool old = std::string_view(profile) == "balbir-old-free";
      Session s(BuiltinProfile(profile), ThpUniverse());
      s.Mmap(0, 0, kPmd, kProtReadWrite);
      s.CpuWrite(0, 0, Iota(kPmd, 1));
      EXPECT_EQ(s.MigrateToDev(0, 0, 0, kPmd).outcome.cpages, kPmd) << s.Where();
      StepResult r;
      if (pte_mapped) {
        s.Mprotect(0, 0, 1, kProtRead);
        r = s.Do(OpCode::kMunmap, {0, 0, kPmd});
      } else {
        r = s.MigrateToSys(0, 0, 0, kPmd);
      }
      bool bug = false;
      for (const KernelEvent& e : r.events) bug = bug || e.kind == EventKind::kBug;
      EXPECT_EQ(bug, old) << profile << s.Where();
      EXPECT_EQ(s.world().pgmaps[0].ref, old ? kPmd - 1 : 0) << profile << s.Where();
      const size_t tail = static_cast<size_t>(s.world().pgmaps[0].first_frame + 1);
      EXPECT_EQ(s.world().pages[tail].anon_exclusive, old && pte_mapped) << profile << s.Where();
      EXPECT_EQ(s.Do(OpCode::kDeviceRelease, {0}).outcome.blocked, old) << profile << s.Where();
      if (!pte_mapped) s.ExpectCpu(0, 0, Iota(kPmd, 1));
    }
}

// Bug 21: with 2-page PMDs an order-1 device folio takes two references; as
// posted, free puts one (folio_nr_pages() without prep_compound_page).
TEST(LargeDeviceFolioBugs, Bug21OrderOneDeviceFolio) {
  for (const char* profile : {"balbir-v6-posted", "mainline"}) {
    const bool posted = std::string_view(profile) == "balbir-v6-posted";
    Universe u = ThpUniverse();
    u.pmd_order = 1;
    Session s(BuiltinProfile(profile), u);
    s.Mmap(0, 0, 2, kProtReadWrite);
    s.CpuWrite(0, 0, {5, 6});
    EXPECT_EQ(s.MigrateToDev(0, 0, 0, 2).outcome.cpages, 2) << s.Where();
    ASSERT_EQ(PmdAt(s, 0, 0).kind, PmdKind::kDevicePrivate) << s.Where();
    EXPECT_EQ(s.world().pgmaps[0].ref, 2) << s.Where();
    EXPECT_EQ(s.MigrateToSys(0, 0, 0, 2).outcome.cpages, 2) << s.Where();
    EXPECT_EQ(s.world().pgmaps[0].ref, posted ? 1 : 0) << profile << s.Where();
    EXPECT_EQ(s.Do(OpCode::kDeviceRelease, {0}).outcome.blocked, posted) << profile << s.Where();
    s.ExpectCpu(0, 0, {5, 6});
  }
}

// Bug 22: a partial munmap of a device-private THP queues it for deferred
// split unless the profile has balbir's exclusion.
TEST(LargeDeviceFolioBugs, Bug22DeferredSplitOnPartialUnmap) {
  for (const char* profile : {"balbir-deferred-split", "mainline", "balbir-v6-posted"}) {
    const bool queued = std::string_view(profile) == "balbir-deferred-split";
    Session s(BuiltinProfile(profile), ThpUniverse());
    s.Mmap(0, 0, kPmd, kProtReadWrite);
    s.CpuWrite(0, 0, Iota(kPmd, 1));
    EXPECT_EQ(s.MigrateToDev(0, 0, 0, kPmd).outcome.cpages, kPmd) << s.Where();
    StepResult r = s.Do(OpCode::kMunmap, {0, 3, 1});
    bool bug = false;
    for (const KernelEvent& e : r.events)
      bug =
          bug || (e.kind == EventKind::kBug && e.text.find("deferred_split") != std::string::npos);
    EXPECT_EQ(bug, queued) << profile << s.Where();
    s.ExpectCpu(0, 0, Iota(3, 1));
  }
}

}  // namespace
}  // namespace mmcheck::model
