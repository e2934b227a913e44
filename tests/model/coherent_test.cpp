// SPDX-License-Identifier: GPL-2.0
// Device-coherent dmirror devices (MEMORY_DEVICE_COHERENT, universe
// coherent=N) and bug 16 (a driver's leftover page_to_pfn() on a
// device-private page once those have left the PFN space).
//
// The coherent cases are the hmm-tests variants hmm_device_coherent and
// hmm2_device_coherent (tools/testing/selftests/mm/hmm-tests.c; lib/test_hmm.c
// minors 2 and 3 @ 05ab51217205; tools/testing/selftests/mm/hmm-tests.c):
// coherent pages are ordinary PFNs mapped by present PTEs, so the CPU
// reads them without a migrate_to_ram fault, and they come back only with an
// explicit MIGRATE_TO_SYS (MIGRATE_VMA_SELECT_DEVICE_COHERENT) or an eviction.
// Scaling as in hmm_tests_test.cpp: one selftest page is one model page, the
// selftests' data i is i + 1.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <string>
#include <vector>

#include "model/operations.h"
#include "model/ops/kernel.h"
#include "tests/model/selftest_session.h"

namespace mmcheck::model {
namespace {

using namespace selftest;  // NOLINT(google-build-using-namespace)

// `devices` dmirror devices with `device_pages` pages each, the last
// `coherent` of them MEMORY_DEVICE_COHERENT.
Universe CoherentUniverse(int pages, int devices, int coherent, int device_pages = 4) {
  Universe u = DeviceUniverse(pages, devices, device_pages);
  u.coherent = coherent;
  ValidateUniverse(u);
  return u;
}

// Whether (mm, va) is a present PTE mapping a device-coherent page of `dev`.
bool MapsCoherent(const World& w, int mm, int va, int dev) {
  const Pte& pte = w.mms[static_cast<size_t>(mm)].ptes[static_cast<size_t>(va)];
  if (pte.kind != PteKind::kPresent || w.PmdOf(mm, va).kind != PmdKind::kTable) return false;
  const int frame = w.FrameOf(pte.pfn);
  return frame >= 0 && w.IsDeviceCoherentFrame(frame) &&
         w.pgmaps[static_cast<size_t>(w.PgmapOf(frame))].owner == dev &&
         w.pgmaps[static_cast<size_t>(w.PgmapOf(frame))].type == PgmapType::kCoherent;
}

// Whether (mm, va) is a present PTE mapping a RAM page.
bool MapsRam(const World& w, int mm, int va) {
  const Pte& pte = w.mms[static_cast<size_t>(mm)].ptes[static_cast<size_t>(va)];
  const int frame = pte.kind == PteKind::kPresent ? w.FrameOf(pte.pfn) : -1;
  return frame >= 0 && !w.IsDeviceFrame(frame);
}

// The coherent hmm-tests on the PFN-backed and the offset-based profiles
// (Niethe's series leaves MEMORY_DEVICE_COHERENT in the PFN space).
class Coherent : public ::testing::TestWithParam<const char*> {
 protected:
  const Profile& profile() const { return BuiltinProfile(GetParam()); }
  // A private anonymous buffer of n small pages filled with i + 1.
  void Fill(Session& s, int mm, int va, int n) {
    s.Mmap(mm, va, n, kProtReadWrite);
    s.Madvise(mm, va, n, kAdviceNohugepage);
    s.CpuWrite(mm, va, Iota(n, 1));
  }
  void ExpectCoherent(const Session& s, int mm, int va, int n, int dev) {
    for (int p = va; p < va + n; ++p)
      EXPECT_TRUE(MapsCoherent(s.world(), mm, p, dev))
          << "mm" << mm << ":" << p << " should map a dev" << dev << " coherent page" << s.Where();
  }
  void ExpectRam(const Session& s, int mm, int va, int n) {
    for (int p = va; p < va + n; ++p)
      EXPECT_TRUE(MapsRam(s.world(), mm, p))
          << "mm" << mm << ":" << p << " should map RAM" << s.Where();
  }
};

INSTANTIATE_TEST_SUITE_P(Profiles, Coherent,
                         ::testing::Values("linux-6.15", "mainline", "niethe-v6"));

// hmm-tests migrate (hmm_device_coherent): MIGRATE_TO_DEV gives ret 0,
// cpages == npages and the mirror reads i; the pages are now the device's
// coherent memory under present, writable PTEs (migrate_vma_pages ->
// remove_migration_pte: not device-private, so a present PTE), no
// device-private entry anywhere, one pgmap reference per page.
TEST_P(Coherent, Migrate) {
  constexpr int n = 4;
  Session s(profile(), CoherentUniverse(n, 1, 1));
  Fill(s, 0, 0, n);
  StepResult r = s.MigrateToDev(0, 0, 0, n);
  EXPECT_EQ(r.outcome.ret, 0) << s.Where();
  EXPECT_EQ(r.outcome.cpages, n) << s.Where();
  EXPECT_TRUE(r.mismatches.empty()) << s.Where();
  ExpectCoherent(s, 0, 0, n, 0);
  s.ExpectDevicePrivate(0, 0, n, false);
  for (int p = 0; p < n; ++p) EXPECT_TRUE(s.world().mms[0].ptes[p].write) << s.Where();
  EXPECT_EQ(s.world().pgmaps[0].type, PgmapType::kCoherent);
  EXPECT_EQ(s.world().pgmaps[0].ref, n) << s.Where();
  EXPECT_EQ(s.world().mms[0].rss[kMmAnonPages], n) << s.Where();
  s.ExpectDev(0, 0, 0, Iota(n, 1));
}

// A hole migrated to a coherent device: migrate_vma_insert_page() maps the
// fresh page with a present PTE, writable and dirty iff VM_WRITE.
TEST_P(Coherent, HoleGetsPresentPte) {
  Session s(profile(), CoherentUniverse(4, 1, 1));
  s.Mmap(0, 0, 2, kProtRead);
  s.Mmap(0, 2, 2, kProtReadWrite);
  s.Madvise(0, 2, 2, kAdviceNohugepage);
  EXPECT_EQ(s.MigrateToDev(0, 0, 0, 2).outcome.cpages, 2) << s.Where();
  EXPECT_EQ(s.MigrateToDev(0, 0, 2, 2).outcome.cpages, 2) << s.Where();
  ExpectCoherent(s, 0, 0, 4, 0);
  for (int p = 0; p < 4; ++p) {
    const Pte& pte = s.world().mms[0].ptes[p];
    EXPECT_EQ(pte.write, p >= 2) << "mm0:" << p << s.Where();
    EXPECT_EQ(pte.dirty, p >= 2) << "mm0:" << p << s.Where();
  }
  s.ExpectCpu(0, 0, {0, 0, 0, 0});
}

// hmm-tests migrate_fault (coherent): the CPU reads the first half straight
// from device memory (no fault, no migrate_to_ram: the PTEs stay coherent);
// migrating the range again gives cpages == npages (the mirror still maps
// every page) and the data is intact.
TEST_P(Coherent, MigrateFault) {
  constexpr int n = 4;
  Session s(profile(), CoherentUniverse(n, 1, 1));
  Fill(s, 0, 0, n);
  EXPECT_EQ(s.MigrateToDev(0, 0, 0, n).outcome.cpages, n) << s.Where();
  s.ExpectCpu(0, 0, Iota(n / 2, 1));
  ExpectCoherent(s, 0, 0, n, 0);
  StepResult r = s.MigrateToDev(0, 0, 0, n);
  EXPECT_EQ(r.outcome.ret, 0) << s.Where();
  EXPECT_EQ(r.outcome.cpages, n) << s.Where();
  ExpectCoherent(s, 0, 0, n, 0);
  EXPECT_EQ(s.world().pgmaps[0].ref, n) << s.Where();
  s.ExpectDev(0, 0, 0, Iota(n, 1));
  s.ExpectCpu(0, 0, Iota(n, 1));
}

// hmm-tests migrate_multiple (coherent): every round migrates a fresh buffer
// to the device and explicitly back with MIGRATE_TO_SYS (cpages == npages
// both ways; coherent pages would not fault back), then the CPU reads it.
// MIGRATE_TO_SYS frees each device page: free_zone_device_folio() for a
// COHERENT folio calls ->folio_free() and puts its pgmap reference.
TEST_P(Coherent, MigrateMultiple) {
  constexpr int n = 4;
  Session s(profile(), CoherentUniverse(n, 1, 1));
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(fmt::format("round {}", round));
    Fill(s, 0, 0, n);
    StepResult r = s.MigrateToDev(0, 0, 0, n);
    EXPECT_EQ(r.outcome.ret, 0) << s.Where();
    EXPECT_EQ(r.outcome.cpages, n) << s.Where();
    ExpectCoherent(s, 0, 0, n, 0);
    r = s.MigrateToSys(0, 0, 0, n);
    EXPECT_EQ(r.outcome.ret, 0) << s.Where();
    EXPECT_EQ(r.outcome.cpages, n) << s.Where();
    ExpectRam(s, 0, 0, n);
    EXPECT_EQ(s.world().pgmaps[0].ref, 0) << s.Where();
    s.ExpectCpu(0, 0, Iota(n, 1));
    EXPECT_EQ(s.Do(OpCode::kMunmap, {0, 0, n}).outcome.ret, 0) << s.Where();
  }
}

// MIGRATE_TO_SYS selects only this owner's coherent pages
// (MIGRATE_VMA_SELECT_DEVICE_COHERENT with pgmap_owner): device 0 leaves
// device 1's pages alone (cpages 0), device 1 brings them back.
TEST_P(Coherent, MigrateToSysOwnerOnly) {
  constexpr int n = 2;
  Session s(profile(), CoherentUniverse(4, 2, 2));
  Fill(s, 0, 0, n);
  EXPECT_EQ(s.MigrateToDev(1, 0, 0, n).outcome.cpages, n) << s.Where();
  StepResult r = s.MigrateToSys(0, 0, 0, n);
  EXPECT_EQ(r.outcome.ret, 0) << s.Where();
  EXPECT_EQ(r.outcome.cpages, 0) << s.Where();
  ExpectCoherent(s, 0, 0, n, 1);
  EXPECT_EQ(s.MigrateToSys(1, 0, 0, n).outcome.cpages, n) << s.Where();
  ExpectRam(s, 0, 0, n);
  s.ExpectCpu(0, 0, Iota(n, 1));
}

// hmm-tests migrate_mixed's last step (hmm2 coherent): a page on device 1's
// coherent memory is not selected by device 0's MIGRATE_TO_DEV
// (SELECT_SYSTEM only), so device 0's mirror has no entry: -ENOENT.
TEST_P(Coherent, MigrateMixedOtherDevice) {
  Session s(profile(), CoherentUniverse(4, 2, 2));
  Fill(s, 0, 0, 2);
  EXPECT_EQ(s.MigrateToDev(1, 0, 0, 2).outcome.cpages, 2) << s.Where();
  StepResult r = s.MigrateToDev(0, 0, 1, 1);
  EXPECT_EQ(r.outcome.ret, -kernel::kENOENT) << s.Where();
  ExpectCoherent(s, 0, 0, 2, 1);
}

// hmm-tests snapshot (hmm2_device_coherent): p5 migrated to device 0 and p6
// to device 1 are present PTEs of coherent pages; through device 0,
// dmirror_mkentry() reports DEV_COHERENT_LOCAL|WRITE (0x42) and
// DEV_COHERENT_REMOTE|WRITE (0x52) (is_device_coherent_page, pgmap owner).
TEST_P(Coherent, Snapshot) {
  Session s(profile(), CoherentUniverse(8, 2, 2, 2));
  s.Mmap(0, 0, 7, kProtNone);
  EXPECT_EQ(s.Do(OpCode::kMunmap, {0, 1, 1}).outcome.ret, 0) << s.Where();
  s.Mprotect(0, 2, 1, kProtRead);
  s.ExpectCpu(0, 2, {0});
  s.Mprotect(0, 3, 1, kProtReadWrite);
  s.CpuWrite(0, 3, {3});
  s.Mprotect(0, 3, 1, kProtRead);
  s.Mprotect(0, 4, 3, kProtReadWrite);
  s.CpuWrite(0, 4, {3});
  for (int dev : {0, 1}) {
    StepResult r = s.MigrateToDev(dev, 0, 5 + dev, 1);
    EXPECT_EQ(r.outcome.ret, 0) << s.Where();
    EXPECT_EQ(r.outcome.cpages, 1) << s.Where();
  }
  const World before = s.world();
  StepResult r = s.Do(OpCode::kDeviceSnapshot, {0, 0, 0, 7});
  EXPECT_EQ(r.outcome.ret, 0) << s.Where();
  EXPECT_EQ(r.outcome.cpages, 7) << s.Where();
  EXPECT_TRUE(s.world() == before) << "the snapshot changed the world" << s.Where();
  const std::vector<uint8_t> want = {
      kernel::kDmirrorProtError,
      kernel::kDmirrorProtError,
      kernel::kDmirrorProtZero | kernel::kDmirrorProtRead,
      kernel::kDmirrorProtRead,
      kernel::kDmirrorProtWrite,
      kernel::kDmirrorProtDevCoherentLocal | kernel::kDmirrorProtWrite,
      kernel::kDmirrorProtDevCoherentRemote | kernel::kDmirrorProtWrite,
  };
  EXPECT_EQ(r.outcome.prot, want) << s.Where();
  EXPECT_EQ(r.outcome.prot[5], 0x42);
  EXPECT_EQ(r.outcome.prot[6], 0x52);
  // Through device 1 local and remote swap.
  r = s.Do(OpCode::kDeviceSnapshot, {1, 0, 5, 2});
  EXPECT_EQ(r.outcome.prot, (std::vector<uint8_t>{0x52, 0x42})) << s.Where();
}

// hmm-tests migrate_release (coherent): HMM_DMIRROR_RELEASE evicts every
// coherent page (migrate_device_range: plain migration entries with the
// page's PFN, then present PTEs of RAM copies), memunmap_pages() finds no
// reference left, and the CPU reads the data.
TEST_P(Coherent, MigrateRelease) {
  constexpr int n = 4;
  Session s(profile(), CoherentUniverse(n, 1, 1));
  Fill(s, 0, 0, n);
  EXPECT_EQ(s.MigrateToDev(0, 0, 0, n).outcome.cpages, n) << s.Where();
  StepResult r = s.Do(OpCode::kDeviceRelease, {0});
  EXPECT_EQ(r.outcome.ret, 0) << s.Where();
  EXPECT_EQ(r.outcome.cpages, 0) << s.Where();  // the ioctl returns the caller's cmd
  EXPECT_EQ(s.world().migrating.size(), static_cast<size_t>(n)) << s.Where();
  for (int p = 0; p < n; ++p) {
    const PteKind k = s.world().mms[0].ptes[p].kind;
    EXPECT_TRUE(IsMigration(k) && !IsDeviceMigration(k))
        << "mm0:" << p << " is " << PteKindName(k) << s.Where();
  }
  r = s.Do(OpCode::kUnlockFolio, {});
  EXPECT_FALSE(r.outcome.blocked) << s.Where();
  EXPECT_TRUE(s.world().migrating.empty()) << s.Where();
  EXPECT_EQ(s.world().pgmaps[0].ref, 0) << s.Where();
  ExpectRam(s, 0, 0, n);
  s.ExpectCpu(0, 0, Iota(n / 2, 1));
}

// fork copies a coherent page like any anonymous page: copy_present_pte()
// has no device-coherent case (mm/memory.c 7.x: vm_normal_page() returns it,
// folio_try_dup_anon_rmap_pte(), both PTEs write-protected). The child's
// write breaks COW into RAM; the parent keeps its coherent page and data.
TEST_P(Coherent, ForkSharesThenCows) {
  Session s(profile(), CoherentUniverse(4, 1, 1));
  Fill(s, 0, 0, 2);
  EXPECT_EQ(s.MigrateToDev(0, 0, 0, 2).outcome.cpages, 2) << s.Where();
  const int child = s.Fork(0);
  ExpectCoherent(s, child, 0, 2, 0);
  const int head = s.world().FolioOf(s.world().mms[0].ptes[0].pfn);
  EXPECT_EQ(s.world().FolioMapcount(head), 2) << s.Where();
  EXPECT_FALSE(s.world().mms[0].ptes[0].write) << s.Where();
  EXPECT_FALSE(s.world().mms[static_cast<size_t>(child)].ptes[0].write) << s.Where();
  s.ExpectCpu(child, 0, {1, 2});
  s.CpuWrite(child, 0, {77});
  ExpectRam(s, child, 0, 1);
  ExpectCoherent(s, 0, 0, 2, 0);
  s.ExpectCpu(0, 0, {1, 2});
  s.ExpectCpu(child, 0, {77, 2});
}

// Coherent pages are not on an LRU list, so reclaim cannot swap them out
// (shrink_folio_list never sees them): the PTE stays, no swap slot is used.
TEST_P(Coherent, ReclaimLeavesThem) {
  Session s(profile(), CoherentUniverse(4, 1, 1));
  Fill(s, 0, 0, 2);
  EXPECT_EQ(s.MigrateToDev(0, 0, 0, 2).outcome.cpages, 2) << s.Where();
  const int head = s.world().FolioOf(s.world().mms[0].ptes[0].pfn);
  EXPECT_FALSE(s.world().Folio(head).lru) << s.Where();
  StepResult r = s.Do(OpCode::kReclaim, {0, 0});
  EXPECT_TRUE(r.progress.empty()) << "not eligible for reclaim" << s.Where();
  ExpectCoherent(s, 0, 0, 2, 0);
  for (const SwapSlot& slot : s.world().swap) EXPECT_EQ(slot.count, 0) << s.Where();
  s.ExpectCpu(0, 0, {1, 2});
}

// The device reads and writes a coherent page through a plain PFN mirror
// entry (hmm_range_fault reports the present PTE): no device-private flag,
// and the write lands in the page the CPU maps.
TEST_P(Coherent, DeviceAccessThroughPfn) {
  Session s(profile(), CoherentUniverse(4, 2, 2));
  Fill(s, 0, 0, 2);
  EXPECT_EQ(s.MigrateToDev(1, 0, 0, 2).outcome.cpages, 2) << s.Where();
  StepResult r = s.DevWrite(0, 0, 0, 1, 99);  // the other device
  EXPECT_EQ(r.outcome.ret, 0) << s.Where();
  const MirrorEntry& e = s.world().devices[0].mirror[0];
  EXPECT_EQ(e.perm, kMirrorWrite) << s.Where();
  EXPECT_FALSE(e.device_private) << s.Where();
  EXPECT_EQ(e.pfn, s.world().mms[0].ptes[0].pfn) << s.Where();
  ExpectCoherent(s, 0, 0, 2, 1);
  s.ExpectCpu(0, 0, {99, 2});
}

// A mixed universe: device 0 device-private, device 1 coherent. Only the
// private device's pages become device-private entries; both kinds coexist
// and go back to RAM (CPU fault for the private one, MIGRATE_TO_SYS for the
// coherent one).
TEST_P(Coherent, MixedDevices) {
  Session s(profile(), CoherentUniverse(4, 2, 1));
  Fill(s, 0, 0, 4);
  EXPECT_EQ(s.MigrateToDev(0, 0, 0, 2).outcome.cpages, 2) << s.Where();
  EXPECT_EQ(s.MigrateToDev(1, 0, 2, 2).outcome.cpages, 2) << s.Where();
  s.ExpectDevicePrivate(0, 0, 2);
  ExpectCoherent(s, 0, 2, 2, 1);
  s.ExpectCpu(0, 0, Iota(4, 1));
  s.ExpectDevicePrivate(0, 0, 2, false);
  EXPECT_EQ(s.MigrateToSys(1, 0, 0, 4).outcome.cpages, 2) << s.Where();
  ExpectRam(s, 0, 0, 4);
  EXPECT_EQ(s.world().pgmaps[0].ref + s.world().pgmaps[1].ref, 0) << s.Where();
}

// Universe text: coherent=N is appended only when N > 0 (older traces stay
// canonical) and round-trips; it needs device memory and at most `devices`.
TEST(CoherentUniverse, Text) {
  Universe u = ParseUniverse("devices=2,device_pages=4");
  EXPECT_EQ(u.ToString().find("coherent"), std::string::npos);
  u = ParseUniverse("devices=2,device_pages=4,coherent=1");
  EXPECT_EQ(u.coherent, 1);
  EXPECT_EQ(u.ToString(),
            "mms=2,pages=4,folios=6,swap=4,devices=2,pmd_order=2,device_pages=4,coherent=1");
  EXPECT_EQ(ParseUniverse(u.ToString()), u);
  EXPECT_FALSE(u.DeviceCoherent(0));
  EXPECT_TRUE(u.DeviceCoherent(1));
  EXPECT_THROW(ParseUniverse("devices=1,device_pages=4,coherent=2"), ModelInputError);
  EXPECT_THROW(ParseUniverse("devices=1,coherent=1"), ModelInputError);
}

// Coherent pages keep real PFNs in the offset-based address space: a
// coherent pgmap starts at its first frame's PFN, pfn_to_page() reaches its
// pages, and no device-private number names them.
TEST(CoherentUniverse, PfnBackedInEveryAddressSpace) {
  const Universe u = CoherentUniverse(4, 2, 1);
  for (const char* name : {"mainline", "niethe-v6"}) {
    SCOPED_TRACE(name);
    const World w = World::Initial(u, BuiltinProfile(name).knobs);
    const DevPagemap& pg = w.pgmaps[1];
    EXPECT_EQ(pg.type, PgmapType::kCoherent);
    EXPECT_EQ(w.pgmaps[0].type, PgmapType::kPrivate);
    EXPECT_EQ(pg.range_start, w.PfnOf(pg.first_frame));
    EXPECT_EQ(w.FrameOf(w.PfnOf(pg.first_frame)), pg.first_frame);
    EXPECT_TRUE(w.IsDeviceCoherentFrame(pg.first_frame));
    EXPECT_FALSE(w.IsDevicePrivateFrame(pg.first_frame));
    EXPECT_EQ(w.DevicePrivateFrame(pg.range_start), -1);
  }
}

// Random op streams in universes with coherent devices (one coherent and one
// private device, and two coherent ones), fixed seeds drawn from the op table
// as in migrate_device_test.cpp: no HARD property the profile does not
// expect is ever violated, and the streams do put pages on coherent devices.
class CoherentRandom : public ::testing::TestWithParam<const char*> {};

TEST_P(CoherentRandom, NoUnexpectedViolation) {
  const Profile& p = BuiltinProfile(GetParam());
  for (int coherent : {1, 2}) {
    Universe u;
    u.device_pages = 4;
    u.devices = 2;
    u.coherent = coherent;
    u.folios = 8;
    ValidateUniverse(u);
    int coherent_steps = 0;  // steps after which some coherent page was allocated
    for (uint64_t seed = 1; seed <= 300; ++seed) {
      XorShift next(seed);
      selftest::Stream stream(p, u, fmt::format("coherent={} seed {}", coherent, seed),
                              selftest::OnExpected::kContinue);
      World& w = stream.world();
      Apply(w, MakeOp(OpCode::kMmap, {0, 0, u.pages, kProtReadWrite, kMapPrivate}));
      for (int step = 0; step < 60; ++step) {
        Op op = selftest::RandomOp(next, u);
        if (!Enabled(w, op)) continue;
        const bool holds = stream.Run(op);
        for (const DevPagemap& pg : w.pgmaps)
          coherent_steps += pg.type == PgmapType::kCoherent && pg.ref > 0;
        if (!holds) return;
      }
    }
    EXPECT_GT(coherent_steps, 1000)
        << "coherent=" << coherent << ": the streams must put pages on coherent devices";
  }
}

INSTANTIATE_TEST_SUITE_P(Profiles, CoherentRandom,
                         ::testing::Values("linux-6.15", "mainline", "niethe-v6"));

// Bug 16 (docs/kernel-rules.md#bug-16): with device-private pages outside the
// PFN space, a dmirror driver that still builds its dst mpfn with
// page_to_pfn() leaves a mirror entry naming the RAM page whose PFN equals
// the device page's offset, where the CPU maps the device page:
// pfn-offset-no-confusion fires (and the device reads the wrong page). The
// converted driver (niethe-v6) names the device page; in the PFN-backed
// address space page_to_pfn() is the right number, so the knob changes
// nothing there.
struct Bug16Run {
  bool confusion = false;
  bool mismatch = false;
  MirrorEntry entry;
};

Bug16Run RunBug16(const Knobs& knobs) {
  const Universe u = DeviceUniverse(4, 1, 4);
  World w = World::Initial(u, knobs);
  Apply(w, MakeOp(OpCode::kMmap, {0, 0, 1, kProtRead, kMapPrivate}));
  StepResult r = Apply(w, MakeOp(OpCode::kDeviceMigrateToDev, {0, 0, 0, 1}));
  Bug16Run run;
  run.entry = w.devices[0].mirror[0];
  run.mismatch = !r.mismatches.empty();
  for (const properties::Violation& v : properties::CheckAll(w, r))
    run.confusion =
        run.confusion || properties::PropertyTable()[static_cast<size_t>(v.property)].name ==
                             "pfn-offset-no-confusion";
  return run;
}

TEST(Bug16, UnconvertedDriverNamesARamPage) {
  const Profile& before = BuiltinProfile("niethe-v6-unconverted-driver");
  ASSERT_EQ(before.knobs.dmirror_device_lookup, DmirrorDeviceLookup::kPageToPfn);
  EXPECT_TRUE(before.ExpectsViolation("pfn-offset-no-confusion"));
  const Bug16Run bad = RunBug16(before.knobs);
  EXPECT_TRUE(bad.confusion);
  EXPECT_TRUE(bad.mismatch) << "the device's read-back went to the wrong page";
  EXPECT_EQ(bad.entry.perm, kMirrorRead);
  EXPECT_FALSE(bad.entry.device_private);
  EXPECT_EQ(bad.entry.pfn, kFirstPfn);  // the offset, taken for RAM pfn 0x100

  const Profile& after = BuiltinProfile("niethe-v6");
  EXPECT_EQ(after.knobs.dmirror_device_lookup, DmirrorDeviceLookup::kOffset);
  EXPECT_FALSE(after.ExpectsViolation("pfn-offset-no-confusion"));
  const Bug16Run good = RunBug16(after.knobs);
  EXPECT_FALSE(good.confusion);
  EXPECT_FALSE(good.mismatch);
  EXPECT_TRUE(good.entry.device_private);
  EXPECT_EQ(good.entry.pfn, kFirstPfn);  // the same number, flagged as an offset

  Knobs pfn_space = BuiltinProfile("mainline").knobs;
  pfn_space.dmirror_device_lookup = DmirrorDeviceLookup::kPageToPfn;
  const Bug16Run mainline = RunBug16(pfn_space);
  EXPECT_FALSE(mainline.confusion);
  EXPECT_FALSE(mainline.mismatch);
  EXPECT_NE(mainline.entry.pfn, kFirstPfn);  // a real device PFN after RAM
}

// Coherent devices are not affected by the knob: their pages are PFNs.
TEST(Bug16, CoherentPagesAreRealPfns) {
  Knobs k = BuiltinProfile("niethe-v6-unconverted-driver").knobs;
  Universe u = CoherentUniverse(4, 1, 1);
  World w = World::Initial(u, k);
  Apply(w, MakeOp(OpCode::kMmap, {0, 0, 1, kProtRead, kMapPrivate}));
  StepResult r = Apply(w, MakeOp(OpCode::kDeviceMigrateToDev, {0, 0, 0, 1}));
  EXPECT_EQ(r.outcome.cpages, 1);
  EXPECT_TRUE(r.mismatches.empty());
  EXPECT_TRUE(properties::CheckAll(w, r).empty());
}

}  // namespace
}  // namespace mmcheck::model
