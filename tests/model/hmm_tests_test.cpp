// SPDX-License-Identifier: GPL-2.0
// The kernel's own HMM selftests (tools/testing/selftests/mm/hmm-tests.c,
// tools/testing/selftests/mm/hmm-tests.c) that the model covers, replayed
// as sequences of model operations, each asserting what the selftest asserts.
//
// Scaling: one page of the selftests' 1024-page buffer is one model page; an
// int per page is one byte per page. The selftests' data "i" is i + 1 here (a
// fresh anonymous page reads 0), and the device's "-i" is kDevData + i. The
// model's device mirror is keyed per mm, so dev0 on a child's mm is "the
// child's own /dev/hmm_dmirror0". After every step no HARD property may be
// violated, except those the profile itself declares ([[expect]]).
//
// Device-private migration (migrate*, hmm_cow_in_device, ...) is replayed in
// migrate_device_test.cpp and device_thp_test.cpp; snapshot and compound
// (HMM_DMIRROR_SNAPSHOT) in snapshot_test.cpp.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <initializer_list>
#include <string>
#include <string_view>
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

using kernel::kEBUSY;
using kernel::kEFAULT;
using kernel::kEPERM;

constexpr std::string_view kLinux615 = "linux-6.15";
constexpr std::string_view kLinux614 = "linux-6.14";

Universe MakeUniverse(int pages, int mms = 2, int devices = 1, int folios = 8) {
  Universe u;
  u.mms = mms;
  u.pages = pages;
  u.folios = folios;
  u.devices = devices;
  ValidateUniverse(u);
  return u;
}

// hmm-tests anon_read: private anon buffer, all but the first two pages
// filled, mprotect(PROT_READ), page 1 read by the CPU (the zero page; page 0
// stays pte_none); a device READ of everything gives ret 0,
// cpages == npages, faults == 1, pages 0-1 read 0 and the rest the data.
// Small pages (MADV_NOHUGEPAGE) give the pte_none/zero-page picture the
// selftest's comment describes; AnonReadThp below is the THP=always case.
TEST(HmmTests, AnonRead) {
  constexpr int n = 8;
  Session s(BuiltinProfile(kLinux615), MakeUniverse(n));
  s.Mmap(0, 0, n, kProtReadWrite, kMapPrivate);
  s.Madvise(0, 0, n, kAdviceNohugepage);
  std::vector<int> data = Iota(n, 1);
  data[0] = data[1] = 0;
  s.CpuWrite(0, 2, std::vector<int>(data.begin() + 2, data.end()));
  s.Mprotect(0, 0, n, kProtRead);
  s.ExpectCpu(0, 1, {0});  // "Populate the CPU page table with a special zero page."
  EXPECT_TRUE(s.world().mms[0].ptes[1].special) << s.Where();
  EXPECT_EQ(s.world().mms[0].ptes[0].kind, PteKind::kNone) << s.Where();

  StepResult r = s.DevRead(0, 0, 0, n);
  EXPECT_EQ(r.outcome.ret, 0) << s.Where();
  EXPECT_EQ(r.outcome.cpages, n) << s.Where();
  EXPECT_EQ(r.outcome.faults, 1) << s.Where();
  EXPECT_EQ(r.outcome.value, 0) << s.Where();
  EXPECT_TRUE(r.mismatches.empty()) << s.Where();
  s.ExpectDev(0, 0, 0, data);
}

// hmm-tests anon_read as run on a THP=always kernel (no madvise): the same
// outcome with the data in PMD-mapped THPs.
TEST(HmmTests, AnonReadThp) {
  constexpr int n = 8;
  Session s(BuiltinProfile(kLinux615), MakeUniverse(n));
  s.Mmap(0, 0, n, kProtReadWrite, kMapPrivate);
  std::vector<int> data = Iota(n, 1);
  data[0] = data[1] = 0;
  s.CpuWrite(0, 2, std::vector<int>(data.begin() + 2, data.end()));
  s.Mprotect(0, 0, n, kProtRead);
  s.ExpectCpu(0, 1, {0});

  StepResult r = s.DevRead(0, 0, 0, n);
  EXPECT_EQ(r.outcome.ret, 0) << s.Where();
  EXPECT_EQ(r.outcome.cpages, n) << s.Where();
  EXPECT_EQ(r.outcome.faults, 1) << s.Where();
  EXPECT_TRUE(r.mismatches.empty()) << s.Where();
  s.ExpectDev(0, 0, 0, data);
}

// hmm-tests anon_read_prot: fill, mprotect(PROT_NONE), device READ gives
// -EFAULT and copies nothing back (the selftest's mirror buffer keeps -i);
// after mprotect(PROT_READ) the CPU data is intact.
TEST(HmmTests, AnonReadProt) {
  constexpr int n = 8;
  Session s(BuiltinProfile(kLinux615), MakeUniverse(n));
  s.Mmap(0, 0, n, kProtReadWrite, kMapPrivate);
  s.CpuWrite(0, 0, Iota(n, 1));
  s.Mprotect(0, 0, n, kProtNone);

  StepResult r = s.DevRead(0, 0, 0, n);
  EXPECT_EQ(r.outcome.ret, -kEFAULT) << s.Where();
  EXPECT_EQ(r.outcome.cpages, 0) << "mirror buffer must stay untouched" << s.Where();
  EXPECT_EQ(r.outcome.value, -1) << "no page may be read back" << s.Where();

  s.Mprotect(0, 0, n, kProtRead);
  s.ExpectCpu(0, 0, Iota(n, 1));
}

// hmm-tests anon_write: a device WRITE into fresh anon memory gives ret 0,
// cpages == npages, faults == 1, and the CPU sees the data.
TEST(HmmTests, AnonWrite) {
  constexpr int n = 8;
  Session s(BuiltinProfile(kLinux615), MakeUniverse(n));
  s.Mmap(0, 0, n, kProtReadWrite, kMapPrivate);
  StepResult r = s.DevWrite(0, 0, 0, n, kDevFill);
  EXPECT_EQ(r.outcome.ret, 0) << s.Where();
  EXPECT_EQ(r.outcome.cpages, n) << s.Where();
  EXPECT_EQ(r.outcome.faults, 1) << s.Where();
  s.ExpectCpu(0, 0, std::vector<int>(n, kDevFill));
  // Distinct data per page through the same mirror entries.
  for (int i = 0; i < n; ++i)
    EXPECT_EQ(s.DevWrite(0, 0, i, 1, kDevData + i).outcome.ret, 0) << s.Where();
  s.ExpectCpu(0, 0, Iota(n, kDevData));
}

// hmm-tests anon_write_prot: mmap PROT_READ; a 1-page device READ of the
// zero page gives cpages == 1, faults == 1; a device WRITE gives -EPERM and
// memory stays 0; after mprotect(RW) the WRITE succeeds (cpages == npages,
// faults == 1) and the CPU sees the data.
TEST(HmmTests, AnonWriteProt) {
  constexpr int n = 8;
  Session s(BuiltinProfile(kLinux615), MakeUniverse(n));
  s.Mmap(0, 0, n, kProtRead, kMapPrivate);
  StepResult r = s.DevRead(0, 0, 0, 1);
  EXPECT_EQ(r.outcome.ret, 0) << s.Where();
  EXPECT_EQ(r.outcome.cpages, 1) << s.Where();
  EXPECT_EQ(r.outcome.faults, 1) << s.Where();
  EXPECT_EQ(r.outcome.value, 0) << s.Where();

  r = s.DevWrite(0, 0, 0, n, kDevFill);
  EXPECT_EQ(r.outcome.ret, -kEPERM) << s.Where();
  s.ExpectCpu(0, 0, std::vector<int>(n, 0));

  s.Mprotect(0, 0, n, kProtReadWrite);
  s.DevWriteRange(0, 0, 0, n);
  s.ExpectCpu(0, 0, Iota(n, kDevData));
}

// hmm-tests anon_write_child, migrate = 0: the parent fills the buffer with
// i and forks; the child sees i, device-WRITEs -i through its own mirror
// (cpages == npages, faults == 1) and then sees -i; the parent still sees i.
// use_thp = 0: a 2x-sized mapping, small pages (MADV_NOHUGEPAGE, so the
// non-THP case stays non-THP under THP=always).
TEST(HmmTests, AnonWriteChild) {
  constexpr int n = 8;
  Session s(BuiltinProfile(kLinux615), MakeUniverse(2 * n, /*mms=*/2, /*devices=*/1, /*folios=*/8));
  s.Mmap(0, 0, 2 * n, kProtReadWrite, kMapPrivate);
  s.Madvise(0, 0, 2 * n, kAdviceNohugepage);
  s.CpuWrite(0, 0, Iota(n, 1));
  int child = s.Fork(0);
  // Child: "Check that we see the parent's values."
  s.ExpectCpu(child, 0, Iota(n, 1));
  s.DevWriteRange(0, child, 0, n);
  s.ExpectCpu(child, 0, Iota(n, kDevData));
  // Parent: "Check that the parent's buffer did not change."
  s.ExpectCpu(0, 0, Iota(n, 1));
  s.ExpectCpu(child, 0, Iota(n, kDevData));
}

// hmm-tests anon_write_child, migrate = 0, use_thp = 1: one PMD at the
// PMD-aligned address inside a 2x-PMD mapping, MADV_HUGEPAGE; same asserts.
// The child's device write must COW-break the THP shared with the parent.
TEST(HmmTests, AnonWriteChildThp) {
  constexpr int n = 4;  // one PMD
  Session s(BuiltinProfile(kLinux615), MakeUniverse(12));
  s.Mmap(0, 2, 2 * n, kProtReadWrite, kMapPrivate);  // deliberately not PMD-aligned
  constexpr int map = 4;                             // ALIGN(ptr, size)
  s.Madvise(0, map, n, kAdviceHugepage);
  s.CpuWrite(0, map, Iota(n, 1));
  EXPECT_EQ(s.world().PmdOf(0, map).kind, PmdKind::kHuge) << "the premise: a THP" << s.Where();
  int child = s.Fork(0);
  s.ExpectCpu(child, map, Iota(n, 1));
  s.DevWriteRange(0, child, map, n);
  s.ExpectCpu(child, map, Iota(n, kDevData));
  s.ExpectCpu(0, map, Iota(n, 1));
  s.ExpectCpu(child, map, Iota(n, kDevData));
}

// hmm-tests anon_write_child_shared: MAP_SHARED|MAP_ANONYMOUS; the child's
// device WRITE (cpages == npages, faults == 1) is visible in the parent,
// which asserts -i.
TEST(HmmTests, AnonWriteChildShared) {
  constexpr int n = 8;
  Session s(BuiltinProfile(kLinux615), MakeUniverse(n));
  s.Mmap(0, 0, n, kProtReadWrite, kMapShared);
  s.CpuWrite(0, 0, Iota(n, 1));
  int child = s.Fork(0);
  s.ExpectCpu(child, 0, Iota(n, 1));
  s.DevWriteRange(0, child, 0, n);
  s.ExpectCpu(child, 0, Iota(n, kDevData));
  // Parent: "Check that the parent's buffer did change."
  s.ExpectCpu(0, 0, Iota(n, kDevData));
}

// hmm-tests anon_write_huge: a 2x-PMD mapping, MADV_HUGEPAGE on the
// PMD-aligned half, device WRITE of one PMD: cpages == npages, faults == 1,
// data correct. Run with THP "always" (the built-in profile) and "madvise".
TEST(HmmTests, AnonWriteHuge) {
  for (TransparentHugepage thp : {TransparentHugepage::kAlways, TransparentHugepage::kMadvise}) {
    SCOPED_TRACE(thp == TransparentHugepage::kAlways ? "transparent_hugepage=always"
                                                     : "transparent_hugepage=madvise");
    Profile p = BuiltinProfile(kLinux615);
    p.knobs.transparent_hugepage = thp;
    constexpr int n = 4;  // one PMD
    Session s(p, MakeUniverse(12));
    s.Mmap(0, 2, 2 * n, kProtReadWrite, kMapPrivate);
    constexpr int map = 4;  // ALIGN(ptr, size)
    s.Madvise(0, map, n, kAdviceHugepage);
    s.DevWriteRange(0, 0, map, n);
    EXPECT_EQ(s.world().PmdOf(0, map).kind, PmdKind::kHuge) << "the premise: a THP" << s.Where();
    s.ExpectCpu(0, map, Iota(n, kDevData));
  }
}

// hmm-tests anon_write_hugetlbfs: a MAP_HUGETLB buffer of one huge page;
// device WRITE: cpages == npages, faults == 1; the CPU sees the data.
TEST(HmmTests, AnonWriteHugetlbfs) {
  constexpr int n = 4;  // ALIGN(TWOMEG, default_hsize): one huge page
  Session s(BuiltinProfile(kLinux615), MakeUniverse(8));
  s.Mmap(0, 0, n, kProtReadWrite, kMapHugetlb);
  s.DevWriteRange(0, 0, 0, n);
  s.ExpectCpu(0, 0, Iota(n, kDevData));
}

// The exclusive* selftests do not madvise: on a THP=always kernel the buffer
// is THP-backed, which is how bug 1 (docs/kernel-rules.md#bug-01) was found.
struct ExclusiveVariant {
  std::string_view profile;
  bool thp;    // false: MADV_NOHUGEPAGE
  bool fails;  // HMM_DMIRROR_EXCLUSIVE returns -EBUSY (v6.14 with THP)
  std::string Name() const { return fmt::format("{} {}", profile, thp ? "THP" : "small pages"); }
};
constexpr ExclusiveVariant kExclusiveVariants[] = {
    {kLinux615, false, false},
    {kLinux615, true, false},
    {kLinux614, false, false},
    {kLinux614, true, true},
};

// Maps n pages, fills them with i, then HMM_DMIRROR_EXCLUSIVE: ret 0,
// cpages == npages and the mirror reads i ("Check what the device read"),
// or -EBUSY where the variant fails. Returns whether it succeeded.
bool SetUpExclusive(Session& s, const ExclusiveVariant& v, int n) {
  s.Mmap(0, 0, n, kProtReadWrite, kMapPrivate);
  if (!v.thp) s.Madvise(0, 0, n, kAdviceNohugepage);
  s.CpuWrite(0, 0, Iota(n, 1));
  if (v.thp) {
    EXPECT_EQ(s.world().PmdOf(0, 0).kind, PmdKind::kHuge) << "premise: a THP" << s.Where();
  }
  StepResult r = s.DevExclusive(0, 0, 0, n);
  if (v.fails) {
    // v6.14 make_device_exclusive_range(): tail pages are dropped, so not
    // every page is converted and dmirror_exclusive() returns -EBUSY.
    EXPECT_EQ(r.outcome.ret, -kEBUSY) << s.Where();
    return false;
  }
  EXPECT_EQ(r.outcome.ret, 0) << s.Where();
  EXPECT_EQ(r.outcome.cpages, n) << s.Where();
  EXPECT_TRUE(r.mismatches.empty()) << s.Where();
  EXPECT_EQ(r.outcome.value, 1) << s.Where();
  s.ExpectDev(0, 0, 0, Iota(n, 1));
  return true;
}

// hmm-tests exclusive: EXCLUSIVE of a filled buffer (ret 0, cpages ==
// npages, mirror == i); the CPU reads and increments every int (restoring
// the device-exclusive entries), re-reads i+1, and CHECK_EXCLUSIVE returns 0.
// With THP it fails on v6.14 (-EBUSY) and passes on v6.15.
TEST(HmmTests, Exclusive) {
  for (const ExclusiveVariant& v : kExclusiveVariants) {
    SCOPED_TRACE(v.Name());
    constexpr int n = 8;
    Session s(BuiltinProfile(v.profile), MakeUniverse(n));
    if (!SetUpExclusive(s, v, n)) {
      // Beyond the selftest (which stops at the failed ASSERT): the data
      // survives the failed attempt.
      s.ExpectCpu(0, 0, Iota(n, 1));
      continue;
    }
    s.CpuIncrement(0, 0, Iota(n, 1));
    s.ExpectCpu(0, 0, Iota(n, 2));
    EXPECT_EQ(s.DevCheckExclusive(0, 0, 0, n).outcome.ret, 0) << s.Where();
  }
}

// hmm-tests exclusive_mprotect: EXCLUSIVE (cpages == npages, mirror
// correct), mprotect(PROT_READ), then a device WRITE gives -EPERM (the
// ATOMIC entries are not WRITE entries, so the write faults and
// hmm_range_fault refuses a write to a read-only VMA).
TEST(HmmTests, ExclusiveMprotect) {
  for (const ExclusiveVariant& v : kExclusiveVariants) {
    SCOPED_TRACE(v.Name());
    constexpr int n = 8;
    Session s(BuiltinProfile(v.profile), MakeUniverse(n));
    if (!SetUpExclusive(s, v, n)) continue;
    s.Mprotect(0, 0, n, kProtRead);
    EXPECT_EQ(s.DevWrite(0, 0, 0, n, kDevFill).outcome.ret, -kEPERM) << s.Where();
    // Beyond the selftest: the refused write changed nothing.
    s.ExpectCpu(0, 0, Iota(n, 1));
  }
}

// hmm-tests exclusive_cow: EXCLUSIVE, then fork() with both processes
// continuing: each reads and increments every int and re-reads i+1 (fork
// restored the device-exclusive PTEs and COW-shared them). The model runs
// the two processes one after the other, so the child must still see i
// after the parent incremented: parent and child are isolated.
TEST(HmmTests, ExclusiveCow) {
  for (const ExclusiveVariant& v : kExclusiveVariants) {
    SCOPED_TRACE(v.Name());
    constexpr int n = 8;
    Session s(BuiltinProfile(v.profile), MakeUniverse(n));
    if (!SetUpExclusive(s, v, n)) continue;
    int child = s.Fork(0);
    // fork's copy_page_range invalidated the range (MMU_NOTIFY_PROTECTION_PAGE),
    // so the device has no ATOMIC entries left (lib/test_hmm.c semantics).
    EXPECT_EQ(s.DevCheckExclusive(0, 0, 0, n).outcome.ret, 0) << s.Where();
    s.CpuIncrement(0, 0, Iota(n, 1));      // parent
    s.CpuIncrement(child, 0, Iota(n, 1));  // child: still i
    s.ExpectCpu(0, 0, Iota(n, 2));
    s.ExpectCpu(child, 0, Iota(n, 2));
    // Beyond the selftest: a second increment in the parent stays private.
    s.CpuIncrement(0, 0, Iota(n, 2));
    s.ExpectCpu(child, 0, Iota(n, 2));
    s.ExpectCpu(0, 0, Iota(n, 3));
  }
}

// HMM_DMIRROR_CHECK_EXCLUSIVE (dmirror_check_atomic): -EPERM while any
// mirror entry in the range is ATOMIC, 0 once CPU access revoked it
// (remove_device_exclusive_entry's notifier erases the entry; EXCLUSIVE
// event on v6.14, CLEAR on v6.15). Only the pages the CPU touched lose it.
TEST(HmmTests, CheckExclusiveBeforeAndAfterCpuAccess) {
  for (const ExclusiveVariant& v : kExclusiveVariants) {
    if (v.fails) continue;
    SCOPED_TRACE(v.Name());
    constexpr int n = 4;
    Session s(BuiltinProfile(v.profile), MakeUniverse(8));
    if (!SetUpExclusive(s, v, n)) continue;
    EXPECT_EQ(s.DevCheckExclusive(0, 0, 0, n).outcome.ret, -kEPERM) << s.Where();
    s.ExpectCpu(0, 1, {2});  // a CPU read of page 1 only
    EXPECT_EQ(s.DevCheckExclusive(0, 0, 1, 1).outcome.ret, 0) << s.Where();
    EXPECT_EQ(s.DevCheckExclusive(0, 0, 0, 1).outcome.ret, -kEPERM) << s.Where();
    EXPECT_EQ(s.DevCheckExclusive(0, 0, 2, 2).outcome.ret, -kEPERM) << s.Where();
    EXPECT_EQ(s.DevCheckExclusive(0, 0, 0, n).outcome.ret, -kEPERM) << s.Where();
    s.CpuWrite(0, 0, {11});  // a CPU write of page 0
    s.ExpectCpu(0, 2, {3, 4});
    EXPECT_EQ(s.DevCheckExclusive(0, 0, 0, n).outcome.ret, 0) << s.Where();
    s.ExpectCpu(0, 0, {11, 2, 3, 4});
  }
}

}  // namespace
}  // namespace mmcheck::model
