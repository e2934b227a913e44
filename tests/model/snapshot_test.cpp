// SPDX-License-Identifier: GPL-2.0
// HMM_DMIRROR_SNAPSHOT (dev_snapshot: lib/test_hmm.c dmirror_snapshot and
// dmirror_mkentry over hmm_range_fault without HMM_PFN_REQ_FAULT, mm/hmm.c)
// and the hmm-tests that assert its bytes (tools/testing/selftests/mm/
// hmm-tests.c snapshot, compound, hmm_cow_in_device;
// tools/testing/selftests/mm/hmm-tests.c). Every case also checks that
// the snapshot changed nothing: no fault, no mirror entry, no state.
//
// Scaling as in hmm_tests_test.cpp: one selftest page is one model page; a
// "PMD" is 1 << pmd_order pages (4 here), which the byte reports as PMD.
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

constexpr uint8_t kError = kernel::kDmirrorProtError;
constexpr uint8_t kNone = kernel::kDmirrorProtNone;
constexpr uint8_t kRead = kernel::kDmirrorProtRead;
constexpr uint8_t kWrite = kernel::kDmirrorProtWrite;
constexpr uint8_t kPmd = kernel::kDmirrorProtPmd;
constexpr uint8_t kZero = kernel::kDmirrorProtZero;
constexpr uint8_t kLocal = kernel::kDmirrorProtDevPrivateLocal;
constexpr int kPmdPages = 4;

// HMM_DMIRROR_SNAPSHOT of [va, va+n) through `dev`: ret 0, cpages == n, no
// fault counted, and the world (page tables, folios, the device mirrors)
// exactly as before. Returns the bytes.
std::vector<uint8_t> Snapshot(Session& s, int dev, int mm, int va, int n) {
  const World before = s.world();
  StepResult r = s.Do(OpCode::kDeviceSnapshot, {dev, mm, va, n});
  EXPECT_EQ(r.outcome.ret, 0) << s.Where();
  EXPECT_EQ(r.outcome.cpages, n) << s.Where();
  EXPECT_EQ(r.outcome.faults, 0) << s.Where();
  EXPECT_TRUE(s.world() == before) << "the snapshot changed the world" << s.Where();
  EXPECT_EQ(r.outcome.prot.size(), static_cast<size_t>(n)) << s.Where();
  return r.outcome.prot;
}

std::string Hex(const std::vector<uint8_t>& v) {
  std::string s;
  for (uint8_t b : v) s += fmt::format("{}{:02x}", s.empty() ? "" : ",", b);
  return s;
}

class Snapshot2 : public ::testing::TestWithParam<const char*> {};

// hmm-tests snapshot (hmm2, private variant): p0 PROT_NONE, p1 a hole, p2 the
// read-only zero page, p3 read-only data, p4 RW data, p5 migrated to device
// 0, p6 migrated to device 1 (p5 and p6 never touched: holes migrated);
// SNAPSHOT through device 0 gives ERROR, ERROR, ZERO|READ, READ, WRITE,
// DEV_PRIVATE_LOCAL|WRITE and NONE (another owner's device-private page is
// not faulted in snapshot mode). On both device-private address spaces.
TEST_P(Snapshot2, HmmTestsSnapshot) {
  Session s(BuiltinProfile(GetParam()), DeviceUniverse(8, 2, 2));
  s.Mmap(0, 0, 7, kProtNone);
  EXPECT_EQ(s.Do(OpCode::kMunmap, {0, 1, 1}).outcome.ret, 0) << s.Where();
  s.Mprotect(0, 2, 1, kProtRead);
  s.ExpectCpu(0, 2, {0});  // val = *ptr + 3 == 3: the zero page
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
  const std::vector<uint8_t> want = {
      kError,           // p0: no VM_READ
      kError,           // p1: no VMA
      kZero | kRead,    // p2: the zero page
      kRead,            // p3: read-only data
      kWrite,           // p4: RW data
      kLocal | kWrite,  // p5: device 0's page
      kNone,            // p6: device 1's page, not faulted
  };
  EXPECT_EQ(Hex(Snapshot(s, 0, 0, 0, 7)), Hex(want)) << s.Where();
  // Through device 1 the roles of p5 and p6 swap.
  std::vector<uint8_t> via1 = want;
  via1[5] = kNone;
  via1[6] = kLocal | kWrite;
  EXPECT_EQ(Hex(Snapshot(s, 1, 0, 0, 7)), Hex(via1)) << s.Where();
}

INSTANTIATE_TEST_SUITE_P(AddressSpaces, Snapshot2,
                         ::testing::Values("mainline", "niethe-v2", "niethe-v6"));

// hmm-tests compound: a MAP_HUGETLB buffer of one huge page, filled; SNAPSHOT
// gives WRITE|PMD for every page; after mprotect(PROT_READ), READ|PMD.
// (hmm_vma_walk_hugetlb_entry reports huge_page_order(), the PMD order.)
TEST(Snapshot, HmmTestsCompound) {
  for (const char* profile : {"linux-6.14", "linux-6.15", "mainline"}) {
    SCOPED_TRACE(profile);
    Session s(BuiltinProfile(profile), DeviceUniverse(kPmdPages, 1, 0));
    s.Mmap(0, 0, kPmdPages, kProtReadWrite, kMapHugetlb);
    s.CpuWrite(0, 0, Iota(kPmdPages, 1));
    ASSERT_EQ(s.world().PmdOf(0, 0).kind, PmdKind::kHuge) << "premise: a hugetlb PMD" << s.Where();
    EXPECT_EQ(Hex(Snapshot(s, 0, 0, 0, kPmdPages)),
              Hex(std::vector<uint8_t>(kPmdPages, kWrite | kPmd)));
    s.Mprotect(0, 0, kPmdPages, kProtRead);
    EXPECT_EQ(Hex(Snapshot(s, 0, 0, 0, kPmdPages)),
              Hex(std::vector<uint8_t>(kPmdPages, kRead | kPmd)));
  }
}

// A PMD-mapped anonymous THP (hmm_vma_handle_pmd): WRITE|PMD; after fork
// (copy_huge_pmd write-protects both sides) READ|PMD in parent and child.
TEST(Snapshot, AnonThp) {
  Session s(BuiltinProfile("linux-6.15"), DeviceUniverse(kPmdPages, 1, 0));
  s.Mmap(0, 0, kPmdPages, kProtReadWrite);
  s.Madvise(0, 0, kPmdPages, kAdviceHugepage);
  s.CpuWrite(0, 0, {1});
  ASSERT_EQ(s.world().PmdOf(0, 0).kind, PmdKind::kHuge) << "premise: a THP" << s.Where();
  EXPECT_EQ(Hex(Snapshot(s, 0, 0, 0, kPmdPages)),
            Hex(std::vector<uint8_t>(kPmdPages, kWrite | kPmd)));
  int child = s.Fork(0);
  for (int mm : {0, child})
    EXPECT_EQ(Hex(Snapshot(s, 0, mm, 0, kPmdPages)),
              Hex(std::vector<uint8_t>(kPmdPages, kRead | kPmd)))
        << "mm" << mm;
}

// Snapshot mode faults nothing: pte_none is NONE and stays pte_none, the
// mirror stays empty (a later device READ still faults once), and
// non-present entries are NONE whatever their type: a device-exclusive entry
// (after EXCLUSIVE) and a swap entry (after MADV_PAGEOUT).
TEST(Snapshot, NoFaultAndNonPresentEntriesAreNone) {
  for (const char* profile : {"linux-6.14", "linux-6.15"}) {
    SCOPED_TRACE(profile);
    Session s(BuiltinProfile(profile), DeviceUniverse(4, 1, 0));
    s.Mmap(0, 0, 4, kProtReadWrite);
    s.Madvise(0, 0, 4, kAdviceNohugepage);
    s.CpuWrite(0, 0, {1, 2});
    EXPECT_EQ(Hex(Snapshot(s, 0, 0, 0, 4)), Hex({kWrite, kWrite, kNone, kNone}));
    EXPECT_EQ(s.world().mms[0].ptes[2].kind, PteKind::kNone);
    StepResult read = s.DevRead(0, 0, 0, 4);
    EXPECT_EQ(read.outcome.ret, 0) << s.Where();
    EXPECT_EQ(read.outcome.faults, 1) << "SNAPSHOT filled no mirror entry" << s.Where();
    EXPECT_EQ(s.DevExclusive(0, 0, 0, 1).outcome.ret, 0) << s.Where();
    ASSERT_TRUE(IsDeviceExclusive(s.world().mms[0].ptes[0].kind)) << s.Where();
    s.Madvise(0, 1, 1, kAdvicePageout);
    ASSERT_EQ(s.world().mms[0].ptes[1].kind, PteKind::kSwap) << "premise: swapped out" << s.Where();
    // p2 and p3: the device READ faulted in the zero page (read-only).
    EXPECT_EQ(Hex(Snapshot(s, 0, 0, 0, 4)), Hex({kNone, kNone, kZero | kRead, kZero | kRead}));
  }
}

// While HMM_DMIRROR_RELEASE has the device page under a migration entry, the
// snapshot reports NONE; after the releasing thread finishes, the page is an
// ordinary writable RAM page again: WRITE.
TEST_P(Snapshot2, MigrationEntryIsNone) {
  Session s(BuiltinProfile(GetParam()), DeviceUniverse(4, 1, 2));
  s.Mmap(0, 0, 2, kProtReadWrite);
  s.Madvise(0, 0, 2, kAdviceNohugepage);
  s.CpuWrite(0, 0, {1, 2});
  EXPECT_EQ(s.MigrateToDev(0, 0, 0, 2).outcome.cpages, 2) << s.Where();
  EXPECT_EQ(Hex(Snapshot(s, 0, 0, 0, 2)), Hex({kLocal | kWrite, kLocal | kWrite}));
  s.Do(OpCode::kDeviceRelease, {0});
  ASSERT_TRUE(IsMigration(s.world().mms[0].ptes[0].kind)) << "premise" << s.Where();
  EXPECT_EQ(Hex(Snapshot(s, 0, 0, 0, 2)), Hex({kNone, kNone}));
  s.Do(OpCode::kUnlockFolio, {});
  EXPECT_EQ(Hex(Snapshot(s, 0, 0, 0, 2)), Hex({kWrite, kWrite}));
}

// hmm-tests hmm_cow_in_device: four pages migrated to the device, fork, the
// parent writes every page (migrate_to_ram, then the COW break); SNAPSHOT:
// every page WRITE. The device pages fork shared went back to RAM for both
// mms (migrate_device_unmap's try_to_migrate, then remove_migration_ptes):
// the child maps them read-only, READ.
TEST_P(Snapshot2, HmmCowInDevice) {
  constexpr int n = 4;
  Session s(BuiltinProfile(GetParam()), DeviceUniverse(n, 1, 8));
  s.Mmap(0, 0, n, kProtReadWrite);
  s.Madvise(0, 0, n, kAdviceNohugepage);
  s.CpuWrite(0, 0, Iota(n, 1));
  EXPECT_EQ(s.MigrateToDev(0, 0, 0, n).outcome.cpages, n) << s.Where();
  int child = s.Fork(0);
  s.CpuWrite(0, 0, Iota(n, 50));
  EXPECT_EQ(Hex(Snapshot(s, 0, 0, 0, n)), Hex(std::vector<uint8_t>(n, kWrite)));
  EXPECT_EQ(Hex(Snapshot(s, 0, child, 0, n)), Hex(std::vector<uint8_t>(n, kRead)));
}

// A device-private PMD (balbir's large device folios, mainline):
// hmm_vma_handle_absent_pmd reports the owner's as DEV_PRIVATE_LOCAL|WRITE|PMD
// page by page; for another device it fills HMM_PFN_ERROR (unlike a
// device-private PTE of another device, which is NONE).
TEST(Snapshot, DevicePrivatePmd) {
  Session s(BuiltinProfile("mainline"), DeviceUniverse(kPmdPages, 2, kPmdPages));
  s.Mmap(0, 0, kPmdPages, kProtReadWrite);
  s.Madvise(0, 0, kPmdPages, kAdviceHugepage);
  s.CpuWrite(0, 0, Iota(kPmdPages, 1));
  EXPECT_EQ(s.MigrateToDev(0, 0, 0, kPmdPages).outcome.cpages, kPmdPages) << s.Where();
  ASSERT_EQ(s.world().PmdOf(0, 0).kind, PmdKind::kDevicePrivate) << "premise" << s.Where();
  EXPECT_EQ(Hex(Snapshot(s, 0, 0, 0, kPmdPages)),
            Hex(std::vector<uint8_t>(kPmdPages, kLocal | kWrite | kPmd)));
  EXPECT_EQ(Hex(Snapshot(s, 1, 0, 0, kPmdPages)), Hex(std::vector<uint8_t>(kPmdPages, kError)));
}

}  // namespace
}  // namespace mmcheck::model
