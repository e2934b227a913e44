// SPDX-License-Identifier: GPL-2.0
// Device-private memory (model/ops/migrate_device.cpp, model/ops/memremap.cpp)
// and the HMM selftests that exercise it (tools/testing/selftests/mm/hmm-tests.c,
// tools/testing/selftests/mm/hmm-tests.c), replayed through the op table
// on the PFN-backed (mainline) and offset-based (niethe) address spaces. Each
// case asserts what the selftest asserts; after every step no HARD property
// may be violated unless the profile expects it.
//
// Scaling as in hmm_tests_test.cpp: one selftest page is one model page, the
// selftests' data i is i + 1 here, the device's -i is kDevData + i.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <string>
#include <vector>

#include "model/dump.h"
#include "model/operations.h"
#include "model/ops/kernel.h"
#include "model/profile.h"
#include "properties/properties.h"
#include "tests/model/selftest_session.h"

namespace mmcheck::model {
namespace {

using namespace selftest;  // NOLINT(google-build-using-namespace)

using kernel::kEINVAL;
using kernel::kENOENT;

Universe DeviceUniverse(int pages, int devices = 1, int device_pages = 8, int folios = 16) {
  Universe u;
  u.mms = 2;
  u.pages = pages;
  u.folios = folios;
  u.devices = devices;
  u.device_pages = device_pages;
  ValidateUniverse(u);
  return u;
}

// The hmm-tests run on both device-private address spaces.
class DevicePrivate : public ::testing::TestWithParam<const char*> {
 protected:
  const Profile& profile() const { return BuiltinProfile(GetParam()); }
  // A private anonymous buffer of n small pages filled with i + 1.
  void Fill(Session& s, int mm, int n) {
    s.Mmap(mm, 0, n, kProtReadWrite);
    s.Madvise(mm, 0, n, kAdviceNohugepage);
    s.CpuWrite(mm, 0, Iota(n, 1));
  }
};

INSTANTIATE_TEST_SUITE_P(AddressSpaces, DevicePrivate,
                         ::testing::Values("mainline", "niethe-v2", "niethe-v6"));

// hmm-tests migrate: fill; MIGRATE_TO_DEV gives ret 0, cpages == npages,
// and the mirror reads back i.
TEST_P(DevicePrivate, Migrate) {
  constexpr int n = 4;
  Session s(profile(), DeviceUniverse(n));
  Fill(s, 0, n);
  StepResult r = s.MigrateToDev(0, 0, 0, n);
  EXPECT_EQ(r.outcome.ret, 0) << s.Where();
  EXPECT_EQ(r.outcome.cpages, n) << s.Where();
  EXPECT_TRUE(r.mismatches.empty()) << s.Where();
  s.ExpectDevicePrivate(0, 0, n);
  EXPECT_EQ(s.world().pgmaps[0].ref, n) << s.Where();
  s.ExpectDev(0, 0, 0, Iota(n, 1));
}

// hmm-tests migrate_fault: migrate; the CPU reads the first half (each
// read faults through migrate_to_ram); migrating the mixed range again gives
// cpages == npages; the data is intact.
TEST_P(DevicePrivate, MigrateFault) {
  constexpr int n = 4;
  Session s(profile(), DeviceUniverse(n));
  Fill(s, 0, n);
  EXPECT_EQ(s.MigrateToDev(0, 0, 0, n).outcome.cpages, n) << s.Where();
  s.ExpectCpu(0, 0, Iota(n / 2, 1));
  s.ExpectDevicePrivate(0, 0, n / 2, false);
  s.ExpectDevicePrivate(0, n / 2, n / 2);
  StepResult r = s.MigrateToDev(0, 0, 0, n);
  EXPECT_EQ(r.outcome.ret, 0) << s.Where();
  EXPECT_EQ(r.outcome.cpages, n) << s.Where();
  s.ExpectDevicePrivate(0, 0, n);
  s.ExpectDev(0, 0, 0, Iota(n, 1));
  s.ExpectCpu(0, 0, Iota(n, 1));
}

// hmm-tests migrate_release: migrate; HMM_DMIRROR_RELEASE evicts every device
// page and unmaps the pgmap; the CPU reads the first half: the data survived.
TEST_P(DevicePrivate, MigrateRelease) {
  constexpr int n = 4;
  Session s(profile(), DeviceUniverse(n));
  Fill(s, 0, n);
  EXPECT_EQ(s.MigrateToDev(0, 0, 0, n).outcome.cpages, n) << s.Where();
  StepResult r = s.Do(OpCode::kDeviceRelease, {0});
  EXPECT_EQ(r.outcome.ret, 0) << s.Where();
  EXPECT_EQ(r.outcome.cpages, 0) << s.Where();  // the ioctl returns the caller's cmd
  // in flight under migration entries
  EXPECT_EQ(s.world().migrating.size(), static_cast<size_t>(n)) << s.Where();
  r = s.Do(OpCode::kUnlockFolio, {});  // the releasing thread finishes
  EXPECT_FALSE(r.outcome.blocked) << s.Where();
  EXPECT_TRUE(s.world().migrating.empty()) << s.Where();
  EXPECT_EQ(s.world().pgmaps[0].ref, 0) << s.Where();
  s.ExpectDevicePrivate(0, 0, n, false);
  s.ExpectCpu(0, 0, Iota(n / 2, 1));
}

// hmm-tests migrate_shared: a MAP_SHARED|MAP_ANONYMOUS (shmem) buffer is not
// migrated to device-private memory: -ENOENT.
TEST_P(DevicePrivate, MigrateShared) {
  constexpr int n = 4;
  Session s(profile(), DeviceUniverse(n));
  s.Mmap(0, 0, n, kProtReadWrite, kMapShared);
  s.CpuWrite(0, 0, Iota(n, 1));
  StepResult r = s.MigrateToDev(0, 0, 0, n);
  EXPECT_EQ(r.outcome.ret, -kENOENT) << s.Where();
  s.ExpectDevicePrivate(0, 0, n, false);
  s.ExpectCpu(0, 0, Iota(n, 1));
}

// hmm-tests migrate_multiple: ten rounds of fresh buffer, migrate
// (cpages == npages), CPU read back through faults; the model runs 3 rounds
// (every round starts from the same state shape).
TEST_P(DevicePrivate, MigrateMultiple) {
  constexpr int n = 4;
  Session s(profile(), DeviceUniverse(n));
  for (int c = 0; c < 3; ++c) {
    s.Mmap(0, 0, n, kProtReadWrite);
    s.Madvise(0, 0, n, kAdviceNohugepage);
    s.CpuWrite(0, 0, Iota(n, 1 + c));
    StepResult r = s.MigrateToDev(0, 0, 0, n);
    EXPECT_EQ(r.outcome.ret, 0) << s.Where();
    EXPECT_EQ(r.outcome.cpages, n) << s.Where();
    s.ExpectCpu(0, 0, Iota(n, 1 + c));
    EXPECT_EQ(s.Do(OpCode::kMunmap, {0, 0, n}).outcome.ret, 0) << s.Where();
    EXPECT_EQ(s.world().pgmaps[0].ref, 0) << s.Where();
  }
}

// hmm-tests anon_write_child with migrate=1: the parent migrates its buffer
// to the device, forks; the child reads i (faulting the device-private pages
// back), device-writes -i through its own mirror; the parent still sees i.
TEST_P(DevicePrivate, AnonWriteChildMigrated) {
  constexpr int n = 4;
  Session s(profile(), DeviceUniverse(n));
  Fill(s, 0, n);
  EXPECT_EQ(s.MigrateToDev(0, 0, 0, n).outcome.cpages, n) << s.Where();
  int child = s.Fork(0);
  // copy_nonpresent_pte: both sides hold READ device-private entries.
  EXPECT_EQ(s.world().mms[0].ptes[0].kind, PteKind::kDevicePrivateRead) << s.Where();
  EXPECT_EQ(s.world().mms[static_cast<size_t>(child)].ptes[0].kind, PteKind::kDevicePrivateRead)
      << s.Where();
  s.ExpectCpu(child, 0, Iota(n, 1));
  StepResult r = s.DevWrite(0, child, 0, n, kDevData);
  EXPECT_EQ(r.outcome.ret, 0) << s.Where();
  EXPECT_EQ(r.outcome.cpages, n) << s.Where();
  EXPECT_EQ(r.outcome.faults, 1) << s.Where();
  s.ExpectCpu(child, 0, std::vector<int>(n, kDevData));
  s.ExpectCpu(0, 0, Iota(n, 1));
}

// hmm-tests hmm_cow_in_device: migrate 4 pages, fork; the parent writes every
// page (migrate_to_ram, then the COW break); SNAPSHOT would report WRITE: the
// parent's PTEs are writable present PTEs to its own pages.
TEST_P(DevicePrivate, HmmCowInDevice) {
  constexpr int n = 4;
  Session s(profile(), DeviceUniverse(n));
  Fill(s, 0, n);
  EXPECT_EQ(s.MigrateToDev(0, 0, 0, n).outcome.cpages, n) << s.Where();
  int child = s.Fork(0);
  s.CpuWrite(0, 0, Iota(n, 50));
  for (int p = 0; p < n; ++p) {
    const Pte& pte = s.world().mms[0].ptes[static_cast<size_t>(p)];
    EXPECT_EQ(pte.kind, PteKind::kPresent) << s.Where();
    EXPECT_TRUE(pte.write) << s.Where();
  }
  s.ExpectCpu(child, 0, Iota(n, 1));
}

// hmm-tests double_map (hmm2): read-only buffer read by both devices, then
// migrated to device 1; device 0 reads it again (faulting device 1's pages
// back through migrate_to_ram) and sees the data.
TEST_P(DevicePrivate, DoubleMap) {
  constexpr int n = 4;
  Session s(profile(), DeviceUniverse(n, 2));
  Fill(s, 0, n);
  s.Mprotect(0, 0, n, kProtRead);
  for (int dev = 0; dev < 2; ++dev) {
    StepResult r = s.DevRead(dev, 0, 0, n);
    EXPECT_EQ(r.outcome.ret, 0) << s.Where();
    EXPECT_EQ(r.outcome.cpages, n) << s.Where();
    EXPECT_EQ(r.outcome.faults, 1) << s.Where();
  }
  StepResult m = s.MigrateToDev(1, 0, 0, n);
  EXPECT_EQ(m.outcome.ret, 0) << s.Where();
  EXPECT_EQ(m.outcome.cpages, n) << s.Where();
  StepResult r = s.DevRead(0, 0, 0, n);
  EXPECT_EQ(r.outcome.ret, 0) << s.Where();
  EXPECT_EQ(r.outcome.cpages, n) << s.Where();
  EXPECT_EQ(r.outcome.faults, 1) << s.Where();
  EXPECT_TRUE(r.mismatches.empty()) << s.Where();
  s.ExpectDevicePrivate(0, 0, n, false);
  s.ExpectDev(0, 0, 0, Iota(n, 1));
}

// hmm-tests migrate_mixed (hmm2), the parts the model expresses: no VM_READ
// gives -EINVAL; a VMA hole gives -EINVAL; after migrating to device 1,
// migrating the page to device 0 gives -ENOENT (not selected: another
// owner's device-private page).
TEST_P(DevicePrivate, MigrateMixed) {
  constexpr int n = 4;
  Session s(profile(), DeviceUniverse(n, 2));
  s.Mmap(0, 0, n, kProtNone);
  EXPECT_EQ(s.MigrateToDev(1, 0, 0, n).outcome.ret, -kEINVAL) << s.Where();
  EXPECT_EQ(s.Do(OpCode::kMunmap, {0, 1, 1}).outcome.ret, 0) << s.Where();
  EXPECT_EQ(s.MigrateToDev(1, 0, 0, 3).outcome.ret, -kEINVAL) << s.Where();
  s.Mprotect(0, 2, 2, kProtReadWrite);
  s.CpuWrite(0, 2, {3, 4});
  StepResult r = s.MigrateToDev(1, 0, 2, 2);
  EXPECT_EQ(r.outcome.ret, 0) << s.Where();
  EXPECT_EQ(r.outcome.cpages, 2) << s.Where();
  EXPECT_EQ(s.MigrateToDev(0, 0, 3, 1).outcome.ret, -kENOENT) << s.Where();
}

// HMM_DMIRROR_MIGRATE_TO_SYS: device pages come back to RAM, cpages counts
// them; pages of another device are not selected.
TEST_P(DevicePrivate, MigrateToSys) {
  constexpr int n = 4;
  Session s(profile(), DeviceUniverse(n, 2));
  Fill(s, 0, n);
  EXPECT_EQ(s.MigrateToDev(0, 0, 0, 2).outcome.cpages, 2) << s.Where();
  EXPECT_EQ(s.MigrateToDev(1, 0, 2, 2).outcome.cpages, 2) << s.Where();
  StepResult r = s.MigrateToSys(0, 0, 0, n);
  EXPECT_EQ(r.outcome.ret, 0) << s.Where();
  EXPECT_EQ(r.outcome.cpages, 2) << s.Where();
  s.ExpectDevicePrivate(0, 0, 2, false);
  s.ExpectDevicePrivate(0, 2, 2);
  EXPECT_EQ(s.world().pgmaps[0].ref, 0) << s.Where();
  EXPECT_EQ(s.world().pgmaps[1].ref, 2) << s.Where();
  s.ExpectCpu(0, 0, Iota(n, 1));
}

// Holes and the zero page become zero-filled device pages (hmm-tests
// migrate_anon_huge_empty/zero, small-page form).
TEST_P(DevicePrivate, MigrateHolesAndZeroPage) {
  constexpr int n = 4;
  Session s(profile(), DeviceUniverse(n));
  s.Mmap(0, 0, n, kProtReadWrite);
  s.Madvise(0, 0, n, kAdviceNohugepage);
  s.ExpectCpu(0, 1, {0});  // the zero page at page 1; the rest pte_none
  StepResult r = s.MigrateToDev(0, 0, 0, n);
  EXPECT_EQ(r.outcome.ret, 0) << s.Where();
  EXPECT_EQ(r.outcome.cpages, n) << s.Where();
  s.ExpectDevicePrivate(0, 0, n);
  EXPECT_EQ(s.world().mms[0].rss[kMmAnonPages], n) << s.Where();
  s.ExpectCpu(0, 0, std::vector<int>(n, 0));
}

// munmap puts the device-private pages: mapcount, refcount and pgmap ref
// all go back to zero (zap_nonpresent_ptes, free_zone_device_folio).
TEST_P(DevicePrivate, MunmapFreesDevicePages) {
  constexpr int n = 4;
  Session s(profile(), DeviceUniverse(n));
  Fill(s, 0, n);
  EXPECT_EQ(s.MigrateToDev(0, 0, 0, n).outcome.cpages, n) << s.Where();
  EXPECT_EQ(s.Do(OpCode::kMunmap, {0, 0, n}).outcome.ret, 0) << s.Where();
  EXPECT_EQ(s.world().pgmaps[0].ref, 0) << s.Where();
  for (const DevPagemap& pg : s.world().pgmaps)
    for (int f = pg.first_frame; f < pg.first_frame + pg.nr_pages; ++f)
      EXPECT_LT(s.world().pages[static_cast<size_t>(f)].head, 0) << s.Where();
}

// mprotect downgrades a device-private WRITE entry to READ and keeps the
// device type (change_pte_range); a later CPU write migrates it back and maps
// it writable (the page is AnonExclusive).
TEST_P(DevicePrivate, MprotectDowngradeKeepsType) {
  constexpr int n = 2;
  Session s(profile(), DeviceUniverse(4));
  Fill(s, 0, n);
  EXPECT_EQ(s.MigrateToDev(0, 0, 0, n).outcome.cpages, n) << s.Where();
  s.Mprotect(0, 0, n, kProtRead);
  EXPECT_EQ(s.world().mms[0].ptes[0].kind, PteKind::kDevicePrivateRead) << s.Where();
  s.Mprotect(0, 0, n, kProtReadWrite);
  s.CpuWrite(0, 0, {9});
  EXPECT_EQ(s.world().mms[0].ptes[0].kind, PteKind::kPresent) << s.Where();
  s.ExpectCpu(0, 0, {9, 2});
}

// A device page held locked by another thread: the CPU fault waits
// (softleaf_entry_wait_on_locked), and RELEASE cannot evict it, so
// memunmap_pages() would wait forever.
TEST_P(DevicePrivate, LockedDevicePage) {
  constexpr int n = 2;
  Session s(profile(), DeviceUniverse(4));
  Fill(s, 0, n);
  EXPECT_EQ(s.MigrateToDev(0, 0, 0, n).outcome.cpages, n) << s.Where();
  s.Do(OpCode::kLockFolio, {0, 0});
  EXPECT_TRUE(s.Do(OpCode::kCpuRead, {0, 0}).outcome.blocked) << s.Where();
  // RELEASE evicts page 1 but cannot take page 0: memunmap_pages() waits.
  EXPECT_EQ(s.Do(OpCode::kDeviceRelease, {0}).outcome.cpages, 0) << s.Where();
  EXPECT_EQ(s.world().migrating.size(), 1u) << s.Where();
  EXPECT_TRUE(s.Do(OpCode::kUnlockFolio, {}).outcome.blocked) << s.Where();
  EXPECT_EQ(s.world().pgmaps[0].ref, 1) << s.Where();
  s.Do(OpCode::kUnlockFolio, {});  // the lock holder lets go
  s.ExpectCpu(0, 0, {1});
  s.ExpectCpu(0, 1, {2});
}

// Without device pages the device-private operations are disabled.
TEST(DevicePrivateOps, DisabledWithoutDevicePages) {
  World w = World::Initial(Universe{}, BuiltinProfile("mainline").knobs);
  EXPECT_TRUE(w.pgmaps.empty());
  EXPECT_EQ(w.pages.size(), static_cast<size_t>(w.RamFrames()));
  EXPECT_FALSE(Enabled(w, MakeOp(OpCode::kDeviceMigrateToDev, {0, 0, 0, 1})));
  EXPECT_FALSE(Enabled(w, MakeOp(OpCode::kDeviceMigrateToSys, {0, 0, 0, 1})));
  EXPECT_FALSE(Enabled(w, MakeOp(OpCode::kDeviceRelease, {0})));
}

// The two address spaces: PFN-backed device pages sit right after RAM;
// offset-based ones are numbered from the bottom, so a device offset equals a
// RAM PFN and only the entry kind tells them apart.
TEST(DevicePrivateOps, AddressSpaces) {
  const Universe u = DeviceUniverse(4, 1, 4, 4);
  World pfn = World::Initial(u, BuiltinProfile("mainline").knobs);
  World off = World::Initial(u, BuiltinProfile("niethe-v6").knobs);
  const int first = pfn.RamFrames();
  EXPECT_EQ(pfn.DevicePrivateNumber(first), kFirstPfn + static_cast<uint32_t>(first));
  EXPECT_EQ(pfn.FrameOf(pfn.DevicePrivateNumber(first)), first);
  EXPECT_EQ(off.DevicePrivateNumber(first), kFirstPfn);       // == the first RAM PFN
  EXPECT_EQ(off.FrameOf(off.DevicePrivateNumber(first)), 0);  // pfn_to_page(offset): RAM!
  EXPECT_EQ(off.DevicePrivateFrame(kFirstPfn), first);
  Pte dp{};
  dp.kind = PteKind::kDevicePrivateWrite;
  dp.pfn = kFirstPfn;
  EXPECT_EQ(off.EntryFrame(dp), first);
  Pte ram = dp;
  ram.kind = PteKind::kPresent;
  EXPECT_EQ(off.EntryFrame(ram), 0);
}

// Universe::ToString omits device_pages when 0 (older traces stay
// canonical) and round-trips it otherwise.
TEST(DevicePrivateOps, UniverseText) {
  EXPECT_EQ(Universe{}.ToString(), "mms=2,pages=4,folios=6,swap=4,devices=1,pmd_order=2");
  Universe u = ParseUniverse("device_pages=4");
  EXPECT_EQ(u.device_pages, 4);
  EXPECT_EQ(u.ToString(), "mms=2,pages=4,folios=6,swap=4,devices=1,pmd_order=2,device_pages=4");
  EXPECT_EQ(ParseUniverse(u.ToString()), u);
  EXPECT_THROW(ParseUniverse("device_pages=9"), ModelInputError);
}

}  // namespace
}  // namespace mmcheck::model

namespace mmcheck::model {
namespace {

// Random op streams in a universe with device memory (fixed seeds, drawn from
// the op table like bench/model_steps_bench.cpp): on a profile, no HARD
// property the profile does not expect is ever violated. This is what keeps
// the device-private model honest beyond the scripted cases.
class DevicePrivateRandom : public ::testing::TestWithParam<const char*> {};

TEST_P(DevicePrivateRandom, NoUnexpectedViolation) {
  const Profile& p = BuiltinProfile(GetParam());
  Universe u;
  u.device_pages = 4;
  u.devices = 2;
  u.folios = 8;
  int device_steps = 0;  // steps after which some device page was allocated
  int pmd_steps = 0;     // steps after which some device-private PMD existed
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    selftest::XorShift next(seed);
    selftest::Stream stream(p, u, fmt::format("seed {}", seed), selftest::OnExpected::kContinue);
    World& w = stream.world();
    Apply(w, MakeOp(OpCode::kMmap, {0, 0, u.pages, kProtReadWrite, kMapPrivate}));
    for (int step = 0; step < 60; ++step) {
      Op op = selftest::RandomOp(next, u);
      if (!Enabled(w, op)) continue;
      const bool holds = stream.Run(op);
      for (const DevPagemap& pg : w.pgmaps) device_steps += pg.ref > 0;
      bool pmd = false;
      for (const Mm& m : w.mms)
        for (const Pmd& x : m.pmds) pmd = pmd || x.kind == PmdKind::kDevicePrivate;
      pmd_steps += pmd;
      if (!holds) return;
    }
  }
  EXPECT_GT(device_steps, 1000) << "the streams must exercise device-private memory";
  // With large device folios (balbir), the streams also reach device-private
  // PMDs (rarely from an empty start: tests/model/device_thp_test.cpp starts
  // random streams from one). A floor, not a measurement: the op table's
  // size (mremap, MADV_FREE) shapes the streams; 12 steps with it.
  if (p.knobs.device_private_thp == DevicePrivateThp::kPmd) {
    EXPECT_GT(pmd_steps, 5) << "the streams must exercise device-private PMDs";
  }
}

INSTANTIATE_TEST_SUITE_P(Profiles, DevicePrivateRandom,
                         ::testing::Values("mainline", "niethe-v2", "niethe-v6", "balbir-v6-posted",
                                           "balbir-old-free", "balbir-deferred-split"));

}  // namespace
}  // namespace mmcheck::model

namespace mmcheck::model {
namespace {

// Bug 17 (docs/kernel-rules.md#bug-17) through mprotect: while dev_release has the
// device page under a SWP_MIGRATION_DEVICE_WRITE entry, mprotect(PROT_READ)
// downgrades it. niethe-v6 keeps the device type and the release finishes;
// the type-losing what-if leaves a plain migration entry holding the offset
// that remove_migration_ptes never finds.
TEST(DevicePrivateEviction, MprotectDowngradeDuringRelease) {
  for (const char* name : {"niethe-v6", "niethe-v6-type-losing-downgrade", "mainline"}) {
    const Profile& p = BuiltinProfile(name);
    World w = World::Initial(DeviceUniverse(4), p.knobs);
    Apply(w, MakeOp(OpCode::kMmap, {0, 0, 4, kProtReadWrite, kMapPrivate}));
    Apply(w, MakeOp(OpCode::kMadvise, {0, 0, 4, kAdviceNohugepage}));
    Apply(w, MakeOp(OpCode::kCpuWrite, {0, 0, 7}));
    Apply(w, MakeOp(OpCode::kDeviceMigrateToDev, {0, 0, 0, 1}));
    Apply(w, MakeOp(OpCode::kDeviceRelease, {0}));
    const bool niethe =
        p.knobs.device_private_migration_entries == DevicePrivateMigrationEntries::kNiethe;
    EXPECT_EQ(w.mms[0].ptes[0].kind,
              niethe ? PteKind::kMigrationDeviceWrite : PteKind::kMigrationWrite)
        << name << "\n"
        << DrawWorld(w);
    StepResult r = Apply(w, MakeOp(OpCode::kMprotect, {0, 0, 4, kProtRead}));
    const bool losing = p.knobs.device_migration_downgrade == DeviceMigrationDowngrade::kTypeLosing;
    EXPECT_EQ(w.mms[0].ptes[0].kind, niethe && !losing ? PteKind::kMigrationDeviceReadExclusive
                                                       : PteKind::kMigrationReadExclusive)
        << name << "\n"
        << DrawWorld(w);
    std::vector<properties::Violation> v;
    properties::CheckStep(w, r, properties::MaskOf("device-private-entry-kind-preserved"), v);
    EXPECT_EQ(v.empty(), !losing) << name << "\n" << DrawWorld(w);
    Apply(w, MakeOp(OpCode::kUnlockFolio, {}));
    // Finished: the page is back in RAM and readable, unless the entry lost its type.
    EXPECT_EQ(w.mms[0].ptes[0].kind, losing ? PteKind::kMigrationReadExclusive : PteKind::kPresent)
        << name << "\n"
        << DrawWorld(w);
    StepResult read = Apply(w, MakeOp(OpCode::kCpuRead, {0, 0}));
    EXPECT_EQ(read.outcome.blocked, losing) << name << "\n" << DrawWorld(w);
    if (!losing) {
      EXPECT_EQ(read.outcome.value, 7) << name;
    }
  }
}

}  // namespace
}  // namespace mmcheck::model
