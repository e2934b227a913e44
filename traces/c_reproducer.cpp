// SPDX-License-Identifier: GPL-2.0
#include "traces/c_reproducer.h"

#include <fmt/format.h>

#include "model/ops/kernel.h"

namespace mmcheck::traces {
namespace {

using model::ArgKind;
using model::Op;
using model::OpCode;

// The C file's fixed part: the dmirror uAPI (lib/test_hmm_uapi.h, v6.15;
// ioctl numbers 'H' 0x00-0x06 and the HMM_DMIRROR_PROT_* bytes SNAPSHOT
// uses), and the helpers every step uses.
constexpr std::string_view kPrologue = R"(#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/types.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_FREE
#define MADV_FREE 8
#endif
#ifndef MREMAP_FIXED
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2
#endif
#define KSFT_PASS 0
#define KSFT_FAIL 1
#define KSFT_SKIP 4

/* lib/test_hmm_uapi.h */
struct hmm_dmirror_cmd {
	__u64 addr;
	__u64 ptr;
	__u64 npages;
	__u64 cpages;
	__u64 faults;
};
#define HMM_DMIRROR_READ		_IOWR('H', 0x00, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_WRITE		_IOWR('H', 0x01, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_MIGRATE_TO_DEV	_IOWR('H', 0x02, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_MIGRATE_TO_SYS	_IOWR('H', 0x03, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_SNAPSHOT		_IOWR('H', 0x04, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_EXCLUSIVE		_IOWR('H', 0x05, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_CHECK_EXCLUSIVE	_IOWR('H', 0x06, struct hmm_dmirror_cmd)

#define HMM_DMIRROR_PROT_PMD		0x04

static unsigned long page_size;
static char *base;		/* model page va is at base + va * page_size */
static char *mirror;		/* the device's copy, NR_PAGES pages */
static int *turn;		/* shared by every process: the step to run next */
static int *step_failures;	/* shared too: [N] counts step N's mismatches */
static int self;		/* the model mm this process stands for */
static int dev_fd[NR_DEVICES];
static const int dev_minor[NR_DEVICES] = DEV_MINORS;
static pid_t children[NR_MMS];
static int failures;
static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_sig;
static int pagemap_fd = -2, kpagecount_fd = -2, kpageflags_fd = -2;

static char *page(int va)
{
	return base + (unsigned long)va * page_size;
}

static void expect(int step, const char *what, long got, long want)
{
	if (got == want)
		return;
	printf("# step %d (mm%d): %s is %ld, the model says %ld\n", step, self, what, got, want);
	__atomic_fetch_add(&step_failures[step], 1, __ATOMIC_RELAXED);
	failures++;
}

/* Steps run in trace order, whichever process owns them. */
static void wait_turn(int step)
{
	while (__atomic_load_n(turn, __ATOMIC_ACQUIRE) < step)
		sched_yield();
}

/* The step's process ends its turn (after fork, the parent). */
static void end_turn(int step)
{
	int expected = step;

	__atomic_compare_exchange_n(turn, &expected, step + 1, 0, __ATOMIC_RELEASE,
				    __ATOMIC_RELAXED);
}

/* A child is a new mm: the dmirror binds a file to the mm that opened it. */
static void become(int mm)
{
	int i;

	self = mm;
	/* /proc/self/pagemap is bound to the mm of the task that opened it */
	if (pagemap_fd >= 0)
		close(pagemap_fd);
	pagemap_fd = -2;
	for (i = 0; i < NR_DEVICES; i++)
		dev_fd[i] = -1;
	for (i = 0; i < NR_MMS; i++)
		children[i] = 0;
}

static void on_fault(int sig)
{
	fault_sig = sig;
	siglongjmp(fault_jmp, 1);
}

/* A CPU load or store of a whole page; returns 0 or the signal it raised. */
static int cpu_access(int va, int write, int value, int *read)
{
	fault_sig = 0;
	if (sigsetjmp(fault_jmp, 1))
		return fault_sig;
	if (write)
		memset(page(va), value, page_size);
	else
		*read = *(volatile unsigned char *)page(va);
	return 0;
}

static __attribute__((unused)) int dmirror(int dev, unsigned long request, int va, int npages,
						 struct hmm_dmirror_cmd *cmd)
{
	char name[32];
	int ret;

	if (dev_fd[dev] < 0) {
		snprintf(name, sizeof(name), "/dev/hmm_dmirror%d", dev_minor[dev]);
		dev_fd[dev] = open(name, O_RDWR, 0);
		if (dev_fd[dev] < 0) {
			printf("# %s: %s\n", name, strerror(errno));
			fflush(stdout);
			exit(KSFT_SKIP);
		}
	}
	memset(cmd, 0, sizeof(*cmd));
	cmd->addr = (uintptr_t)page(va);
	cmd->ptr = (uintptr_t)mirror;
	cmd->npages = npages;
	do {
		ret = ioctl(dev_fd[dev], request, cmd);
	} while (ret && errno == EINTR);
	return ret ? -errno : 0;
}

static __attribute__((unused)) void expect_mirror(int step, int npages, const int *want)
{
	int i;

	for (i = 0; i < npages; i++)
		expect(step, "device value read", (unsigned char)mirror[i * page_size], want[i]);
}

/*
 * HMM_DMIRROR_SNAPSHOT wrote one byte per page to the mirror buffer: each is
 * compared under its mask (the model's PMDs are scaled down, so where the
 * model maps a page with a PMD the kernel maps it with PTEs and PMD is masked
 * off); want -1 is not compared.
 */
static __attribute__((unused)) void expect_snapshot(int step, int npages, const int *want,
						  const int *mask)
{
	int i;

	for (i = 0; i < npages; i++)
		if (want[i] >= 0)
			expect(step, "snapshot byte", (unsigned char)mirror[i] & mask[i], want[i]);
}

/*
 * The kernel's page-table view of model page `va` of this process, read from
 * /proc/self/pagemap (Documentation/admin-guide/mm/pagemap.rst), as bits:
 * 1 present, 2 swap (any non-present entry), 4 file or shared-anon page,
 * 8 exclusively mapped, 16 not a swap file's slot (migration, device-private
 * or device-exclusive entry: swap type >= MAX_SWAPFILES; type 0 is the VM's
 * only swap device). For a present page, as root (PFNs shown): its
 * /proc/kpagecount, -1 for no check, and its /proc/kpageflags bits under kmask.
 */
static unsigned long long read_u64(int *fd, const char *path, unsigned long long index)
{
	unsigned long long v = 0;

	if (*fd == -2)
		*fd = open(path, O_RDONLY);
	if (*fd < 0 || pread(*fd, &v, sizeof(v), index * sizeof(v)) != sizeof(v))
		return ~0ULL;
	return v;
}

static __attribute__((unused)) void expect_page(int step, int va, int want, long mapcount,
						 unsigned long long kflags, unsigned long long kmask)
{
	unsigned long long e, pfn, v;
	char what[40];
	int got;

	e = read_u64(&pagemap_fd, "/proc/self/pagemap", (unsigned long)page(va) / page_size);
	if (e == ~0ULL) {
		expect(step, "reading /proc/self/pagemap", -1, 0);
		return;
	}
	pfn = e & ((1ULL << 55) - 1);
	got = (e >> 63 & 1) | (e >> 62 & 1) << 1 | (e >> 61 & 1) << 2 | (e >> 56 & 1) << 3;
	if (geteuid() != 0)
		want &= ~16;		/* the swap type is in the PFN field, hidden */
	else if ((e >> 62 & 1) && (pfn & 0x1f))
		got |= 16;
	snprintf(what, sizeof(what), "pagemap bits of p%d", va);
	expect(step, what, got, want);
	if (!(e >> 63 & 1) || !pfn || geteuid() != 0)
		return;
	if (mapcount >= 0) {
		v = read_u64(&kpagecount_fd, "/proc/kpagecount", pfn);
		snprintf(what, sizeof(what), "kpagecount of p%d", va);
		expect(step, what, (long)v, mapcount);
	}
	if (kmask) {
		v = read_u64(&kpageflags_fd, "/proc/kpageflags", pfn);
		snprintf(what, sizeof(what), "masked kpageflags of p%d", va);
		expect(step, what, (long)(v & kmask), (long)kflags);
	}
}

int main(void)
{
	struct hmm_dmirror_cmd cmd;
	struct sigaction sa;
	pid_t pid;
	void *p;
	int i, sig, value, status;

	(void)cmd; (void)pid; (void)p; (void)sig; (void)value;
	/* KTAP, as kselftests print it (tools/testing/selftests/kselftest.h) */
	printf("TAP version 13\n");
	for (i = 0; i < NR_DEVICES; i++) {
		char name[32];

		if (!dev_used[i])
			continue;
		snprintf(name, sizeof(name), "/dev/hmm_dmirror%d", dev_minor[i]);
		if (access(name, R_OK | W_OK)) {
			printf("1..0 # SKIP %s: %s (load lib/test_hmm.ko)\n", name, strerror(errno));
			return KSFT_SKIP;
		}
	}
	page_size = sysconf(_SC_PAGESIZE);
	turn = mmap(NULL, (NR_STEPS + 2) * sizeof(int), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	step_failures = turn + 1;
	mirror = malloc(NR_PAGES * page_size);
	/*
	 * Find room for the model's pages, at a 2 MiB boundary so that they
	 * share one page table and one fault-around window as the model's do
	 * (do_fault_around() maps a shared mapping's cached neighbours in
	 * aligned windows), then leave it free for the steps.
	 */
	p = mmap(NULL, NR_PAGES * page_size + (2UL << 20), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (turn == MAP_FAILED || !mirror || p == MAP_FAILED) {
		printf("1..0 # SKIP setup: %s\n", strerror(errno));
		return KSFT_SKIP;
	}
	munmap(p, NR_PAGES * page_size + (2UL << 20));
	base = (char *)(((unsigned long)p + (2UL << 20) - 1) & ~((2UL << 20) - 1));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	become(0);
	printf("1..%d\n", NR_STEPS);
	fflush(stdout);	/* a child's output comes after the plan */
	*turn = 1;
)";

constexpr std::string_view kEpilogue = R"(
	/* Every process lives until the last step, so its mappings count. */
	wait_turn(NR_STEPS + 1);
	for (i = 0; i < NR_MMS; i++) {
		if (children[i] <= 0)
			continue;
		if (waitpid(children[i], &status, 0) != children[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			printf("# mm%d (pid %d) did not exit 0 (wait status %#x)\n", i,
			       (int)children[i], status);
			failures++;
		}
	}
	if (self != 0) {
		fflush(stdout);	/* _exit() does not flush: a child's findings would be lost */
		_exit(failures ? KSFT_FAIL : KSFT_PASS);
	}
	/* One KTAP result a step: the outcomes the model predicted for it. */
	{
		int failed = 0, skipped = 0;

		for (i = 1; i <= NR_STEPS; i++) {
			if (step_failures[i]) {
				printf("not ok %d %s\n", i, step_names[i]);
				failed++;
			} else if (step_skipped[i]) {
				printf("ok %d %s # SKIP no user-space trigger\n", i, step_names[i]);
				skipped++;
			} else {
				printf("ok %d %s\n", i, step_names[i]);
			}
		}
		printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
		       NR_STEPS - failed - skipped, failed, skipped);
	}
	return failures ? KSFT_FAIL : KSFT_PASS;
}
)";

int ArgOf(const Op& op, std::string_view name) {
  const model::OpInfo& info = model::InfoOf(op.code);
  for (size_t i = 0; i < info.args.size(); ++i)
    if (info.args[i].name == name) return op.Arg(static_cast<int>(i));
  return -1;
}

const char* ProtFlags(int prot) {
  switch (prot) {
    case model::kProtRead:
      return "PROT_READ";
    case model::kProtReadWrite:
      return "PROT_READ | PROT_WRITE";
    default:
      return "PROT_NONE";
  }
}

const char* AdviceName(int advice) {
  switch (advice) {
    case model::kAdviceHugepage:
      return "MADV_HUGEPAGE";
    case model::kAdviceNohugepage:
      return "MADV_NOHUGEPAGE";
    case model::kAdvicePageout:
      return "MADV_PAGEOUT";
    case model::kAdviceFree:
      return "MADV_FREE";
    default:
      return "MADV_DONTNEED";
  }
}

int SignalNumber(model::Signal s) {
  // SIGBUS and SIGSEGV as on x86-64 and the generic signal numbers.
  switch (s) {
    case model::Signal::kSigsegv:
      return 11;
    case model::Signal::kSigbus:
      return 7;
    default:
      return 0;
  }
}

// The body of one step, or "" when it has no user-space trigger.
std::string StepBody(const Op& op, int n, const StepRecord& rec, const model::World& after) {
  const model::Outcome& o = rec.result.outcome;
  const int mm = ArgOf(op, "mm"), va = ArgOf(op, "va"), npages = ArgOf(op, "npages");
  const int dev = ArgOf(op, "dev");
  switch (op.code) {
    case OpCode::kMmap: {
      if (ArgOf(op, "kind") == model::kMapHugetlb) return "";  // model PMDs are scaled down
      const char* flags = ArgOf(op, "kind") == model::kMapShared ? "MAP_SHARED" : "MAP_PRIVATE";
      return fmt::format(
          "\t\tp = mmap(page({}), {} * page_size, {}, {} | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, "
          "-1, 0);\n\t\texpect({}, \"mmap\", p == MAP_FAILED ? -errno : 0, {});\n",
          va, npages, ProtFlags(ArgOf(op, "prot")), flags, n, o.ret);
    }
    case OpCode::kMunmap:
      return fmt::format(
          "\t\texpect({}, \"munmap\", munmap(page({}), {} * page_size) ? -errno : 0, {});\n", n, va,
          npages, o.ret);
    case OpCode::kMprotect:
      return fmt::format(
          "\t\texpect({}, \"mprotect\", mprotect(page({}), {} * page_size, {}) ? -errno : 0, "
          "{});\n",
          n, va, npages, ProtFlags(ArgOf(op, "prot")), o.ret);
    case OpCode::kMadvise:
      return fmt::format(
          "\t\texpect({}, \"madvise\", madvise(page({}), {} * page_size, {}) ? -errno : 0, {});\n",
          n, va, npages, AdviceName(ArgOf(op, "advice")), o.ret);
    case OpCode::kMremap:
      return fmt::format(
          "\t\tp = mremap(page({}), {} * page_size, {} * page_size, MREMAP_MAYMOVE | MREMAP_FIXED, "
          "page({}));\n\t\texpect({}, \"mremap\", p == MAP_FAILED ? -errno : 0, {});\n",
          va, npages, npages, ArgOf(op, "newva"), n, o.ret);
    case OpCode::kFork:
      if (o.ret < 0)  // the model's fork failed (-ENOMEM): a real one will not on demand
        return "";
      return fmt::format(
          "\t\tpid = fork();\n\t\tif (pid == 0) {{\n\t\t\tbecome({});\n\t\t}} else {{\n"
          "\t\t\texpect({}, \"fork\", pid < 0 ? -errno : 0, 0);\n\t\t\tchildren[{}] = "
          "pid;\n\t\t}}\n",
          o.value, n, o.value);
    case OpCode::kCpuRead: {
      std::string s = fmt::format(
          "\t\tsig = cpu_access({}, 0, 0, &value);\n\t\texpect({}, \"signal\", sig, {});\n", va, n,
          SignalNumber(o.signal));
      if (o.signal == model::Signal::kNone && o.value >= 0)
        s += fmt::format("\t\tif (!sig)\n\t\t\texpect({}, \"value read\", value, {});\n", n,
                         o.value);
      return s;
    }
    case OpCode::kCpuWrite:
      return fmt::format(
          "\t\tsig = cpu_access({}, 1, {}, NULL);\n\t\texpect({}, \"signal\", sig, {});\n", va,
          ArgOf(op, "value"), n, SignalNumber(o.signal));
    case OpCode::kDeviceSnapshot: {
      std::string s = fmt::format(
          "\t\texpect({}, \"HMM_DMIRROR_SNAPSHOT\", "
          "dmirror({}, HMM_DMIRROR_SNAPSHOT, {}, {}, &cmd), {});\n",
          n, dev, va, npages, o.ret);
      if (o.ret != 0) return s;
      s += fmt::format("\t\texpect({}, \"cpages\", cmd.cpages, {});\n", n, o.cpages);
      std::string want, mask;
      for (int i = 0; i < npages && i < static_cast<int>(o.prot.size()); ++i) {
        const int pos = va + i;
        const model::Vma* v = after.FindVma(mm, pos);
        const bool pmd = after.PmdOf(mm, pos).kind != model::PmdKind::kTable;
        int w = o.prot[static_cast<size_t>(i)], m = 0xff;
        if (v != nullptr && v->hugetlb)
          w = -1;  // hugetlb mappings are not reproduced
        else if (pmd && w == model::kernel::kDmirrorProtError)
          w = -1;  // another device's device-private PMD; PTE-mapped, the kernel says NONE
        else if (pmd)
          m = 0xff & ~model::kernel::kDmirrorProtPmd, w &= m;
        want += fmt::format("{}{}", want.empty() ? "" : ", ", w);
        mask += fmt::format("{}0x{:02x}", mask.empty() ? "" : ", ", m);
      }
      s += fmt::format(
          "\t\texpect_snapshot({}, {}, (const int[]){{ {} }}, (const int[]){{ {} }});\n", n, npages,
          want, mask);
      return s;
    }
    case OpCode::kDeviceRead:
    case OpCode::kDeviceWrite:
    case OpCode::kDeviceExclusive:
    case OpCode::kDeviceCheckExclusive:
    case OpCode::kDeviceMigrateToDev:
    case OpCode::kDeviceMigrateToSys: {
      const bool write = op.code == OpCode::kDeviceWrite;
      const bool migrate =
          op.code == OpCode::kDeviceMigrateToDev || op.code == OpCode::kDeviceMigrateToSys;
      const char* request = op.code == OpCode::kDeviceRead           ? "HMM_DMIRROR_READ"
                            : write                                  ? "HMM_DMIRROR_WRITE"
                            : op.code == OpCode::kDeviceExclusive    ? "HMM_DMIRROR_EXCLUSIVE"
                            : op.code == OpCode::kDeviceMigrateToDev ? "HMM_DMIRROR_MIGRATE_TO_DEV"
                            : op.code == OpCode::kDeviceMigrateToSys
                                ? "HMM_DMIRROR_MIGRATE_TO_SYS"
                                : "HMM_DMIRROR_CHECK_EXCLUSIVE";
      std::string s;
      if (write)
        s += fmt::format("\t\tmemset(mirror, {}, {} * page_size);\n", ArgOf(op, "value"), npages);
      s += fmt::format("\t\texpect({}, \"{}\", dmirror({}, {}, {}, {}, &cmd), {});\n", n, request,
                       dev, request, va, npages, o.ret);
      if (op.code == OpCode::kDeviceCheckExclusive || o.ret != 0) return s;
      s += fmt::format("\t\texpect({}, \"cpages\", cmd.cpages, {});\n", n, o.cpages);
      if (migrate) return s;  // dmirror counts no faults for migrations
      s += fmt::format("\t\texpect({}, \"faults\", cmd.faults, {});\n", n, o.faults);
      if (op.code == OpCode::kDeviceRead) {
        // What the device read: the logical content, unless the model saw
        // it read something else (a data-integrity violation).
        std::string want;
        for (int pos = va; pos < va + npages; ++pos) {
          int v = after.Logical(mm, pos);
          for (const model::DataMismatch& m : rec.result.mismatches)
            if (m.mm == mm && m.va == pos && m.who == fmt::format("dev{}", dev)) v = m.got;
          want += fmt::format("{}{}", want.empty() ? "" : ", ", v);
        }
        s += fmt::format("\t\texpect_mirror({}, {}, (const int[]){{ {} }});\n", n, npages, want);
      }
      return s;
    }
    default:
      return "";
  }
}

// What the kernel's /proc/self/pagemap, /proc/kpagecount and
// /proc/kpageflags say of page `va` of `mm` after a step, as expect_page()
// takes it (fs/proc/task_mmu.c pte_to_pagemap_entry() and fs/proc/page.c
// kpagecount_read() / stable_page_flags(), Linux 6.12): present; any
// non-present entry is PM_SWAP, and its swap type tells a swap slot from a
// migration or device entry; PM_FILE for a page that is not anon
// (vm_normal_page() or the entry's page); PM_MMAP_EXCLUSIVE for a present
// page whose precise page mapcount is 1. kpagecount is that mapcount;
// kpageflags' ANON and (for shmem) SWAPBACKED are the folio's, ZERO_PAGE the
// zero page's.
// Unchecked (bits < 0): PMD mappings (THP and hugetlb are not reproduced)
// and PTE markers.
struct PageView {
  int bits = -1;
  long mapcount = -1;
  unsigned long long kflags = 0, kmask = 0;
};
constexpr unsigned long long kKpfAnon = 1ULL << 12, kKpfSwapbacked = 1ULL << 14,
                             kKpfZeroPage = 1ULL << 24;

PageView ViewOf(const model::World& w, int mm, int va) {
  PageView v;
  const model::Vma* vma = w.FindVma(mm, va);
  if (vma == nullptr) return PageView{0};  // pagemap_pte_hole(): no entry
  if (vma->hugetlb || w.PmdOf(mm, va).kind != model::PmdKind::kTable) return v;
  const model::Pte& pte = w.mms[static_cast<size_t>(mm)].ptes[static_cast<size_t>(va)];
  if (pte.kind == model::PteKind::kNone) return PageView{0};
  if (pte.kind == model::PteKind::kMarker) return v;
  if (pte.kind == model::PteKind::kSwap) return PageView{2};
  const int frame = pte.special ? -1 : w.EntryFrame(pte);
  // An entry naming no folio (a corrupted state the model reports) says
  // nothing the kernel could be held to.
  const int head = frame < 0 ? -1 : w.pages[static_cast<size_t>(frame)].head;
  if (pte.kind != model::PteKind::kPresent) {
    if (head < 0) return v;
    v.bits = 2 | 16 | (w.Folio(head).anon ? 0 : 4);
    return v;
  }
  if (pte.special) {  // the zero page: vm_normal_page() is NULL
    v.bits = 1;
    v.kflags = kKpfZeroPage;
    v.kmask = kKpfZeroPage | kKpfAnon;
    return v;
  }
  if (head < 0) return v;
  const model::Page& page = w.pages[static_cast<size_t>(frame)];
  const model::Page& folio = w.Folio(head);
  // folio_precise_page_mapcount(): the page's mapcount plus the folio's
  // entire (PMD) mapcount.
  long mapcount = page.mapcount + 1 + (w.NrPages(page.head) > 1 ? folio.entire_mapcount + 1 : 0);
  v.bits = 1 | (folio.anon ? 0 : 4) | (mapcount == 1 ? 8 : 0);
  if (w.IsDeviceFrame(frame)) return v;  // ZONE_DEVICE: not an online page for /proc/kpage*
  v.mapcount = mapcount;
  // An anon folio's SWAPBACKED is not compared: MADV_FREE clears it in
  // lru_lazyfree(), when the per-CPU folio batch drains (mm/swap.c
  // folio_mark_lazyfree(), 6.12), which the model does not time.
  v.kflags = (folio.anon ? kKpfAnon : 0) | (!folio.anon && folio.swapbacked ? kKpfSwapbacked : 0);
  v.kmask = kKpfAnon | kKpfZeroPage | (folio.anon ? 0 : kKpfSwapbacked);
  return v;
}

// expect_page() calls for every page of `mm`, run by that mm's process.
std::string PageChecks(const model::World& w, int mm, int n) {
  if (mm < 0 || mm >= static_cast<int>(w.mms.size()) || !w.mms[static_cast<size_t>(mm)].exists)
    return "";
  std::string s;
  for (int va = 0; va < w.universe.pages; ++va) {
    const PageView v = ViewOf(w, mm, va);
    if (v.bits < 0) continue;
    s += fmt::format("\t\t\texpect_page({}, {}, {}, {}, 0x{:x}ULL, 0x{:x}ULL);\n", n, va, v.bits,
                     v.mapcount, v.kflags, v.kmask);
  }
  return s.empty() ? s : fmt::format("\t\tif (self == {}) {{\n{}\t\t}}\n", mm, s);
}

// Whether the step's mapping is hugetlb (its steps are not reproduced).
bool OnHugetlb(const model::World& before, const Op& op) {
  const int mm = ArgOf(op, "mm"), va = ArgOf(op, "va");
  if (mm < 0 || va < 0 || mm >= static_cast<int>(before.mms.size())) return false;
  const model::Vma* v = before.FindVma(mm, va);
  return v != nullptr && v->hugetlb;
}

}  // namespace

bool Reproducible(const StepRecord& rec, const model::World& before, const model::World& after) {
  return !OnHugetlb(before, rec.op) && !StepBody(rec.op, 1, rec, after).empty();
}

CReproducer ExportCReproducer(const Trace& t, std::string_view file, const ReplayResult& r) {
  CReproducer out;
  std::string steps, names, skipped;
  for (size_t i = 0; i < r.run.steps.size(); ++i) {
    const StepRecord& rec = r.run.steps[i];
    const int n = static_cast<int>(i) + 1;
    const int mm = std::max(0, ArgOf(rec.op, "mm"));
    const model::OpInfo& info = model::InfoOf(rec.op.code);
    std::string body =
        OnHugetlb(r.states[i], rec.op) ? "" : StepBody(rec.op, n, rec, r.states[i + 1]);
    steps += fmt::format("\n\t/* {} {} */\n\tif (self == {}) {{\n\t\twait_turn({});\n", n,
                         PrintOp(rec.op), mm, n);
    names += fmt::format("\t\"step {}: {}\",\n", n, PrintOp(rec.op));
    skipped += body.empty() ? ", 1" : ", 0";
    if (body.empty()) {
      ++out.commented_steps;
      steps += fmt::format("\t\t/* not reproduced: {} runs through {}; trigger: {} */\n", info.name,
                           info.kernel_entry, info.trigger);
    }
    steps += body;
    if (!body.empty()) steps += PageChecks(r.states[i + 1], ArgOf(rec.op, "mm"), n);
    // After fork only the parent ends the turn, once it has checked its
    // pages: a child that went on to the next step could change them.
    if (rec.op.code == OpCode::kFork)
      steps += fmt::format("\t\tif (self == {})\n\t\t\tend_turn({});\n\t}}\n", mm, n);
    else
      steps += fmt::format("\t\tend_turn({});\n\t}}\n", n);
  }

  const model::Universe& u = t.universe;
  std::string head = "// SPDX-License-Identifier: GPL-2.0\n/*\n";
  head += fmt::format(" * Generated by `mmcheck export --c` from {}.\n", file);
  if (!t.question.empty()) head += fmt::format(" * {}\n", t.question);
  head += fmt::format(" *\n * Expectations: the model on profile {}, which says: {}.\n",
                      r.profile.name, r.verdict);
  head +=
      " * Needs lib/test_hmm.ko loaded (tools/testing/selftests/mm/test_hmm.sh), run as root:\n"
      " *   gcc -O0 -o repro repro.c && ./repro\n"
      " * It prints KTAP, one result a step (\"ok 3 step 3: ...\"; a mismatch is a\n"
      " * \"# step 3 (mm0): ...\" line, then \"not ok 3\"), and exits as kselftests\n"
      " * do: 0 every outcome matched the model, 1 one did not, 4 (KSFT_SKIP) no dmirror.\n"
      " * After every step the process also compares its pages' /proc/self/pagemap\n"
      " * entries (and, as root, /proc/kpagecount and /proc/kpageflags) with the\n"
      " * model's page tables and folios (expect_page).\n";
  if (out.commented_steps)
    head += fmt::format(
        " *\n * PARTIAL: {} step(s) have no user-space trigger and are comments;\n"
        " * the outcomes after them may differ from the model's.\n",
        out.commented_steps);
  // The model's private devices are dmirror minors 0 and 1, its coherent
  // ones (the last universe.coherent) minors 2 and 3, which lib/test_hmm.c
  // creates only with spm_addr_dev0/1 set (hmm_dmirror_init @ 05ab51217205).
  std::string minors, dev_used;
  for (int d = 0; d < std::max(1, u.devices); ++d) {
    bool used = false;
    for (const StepRecord& rec : r.run.steps) used |= ArgOf(rec.op, "dev") == d;
    dev_used += fmt::format("{}{}", d ? ", " : "", used ? 1 : 0);
  }
  for (int d = 0; d < std::max(1, u.devices); ++d)
    minors += fmt::format("{}{}", d ? ", " : "",
                          u.DeviceCoherent(d) ? 2 + d - (u.devices - u.coherent) : d);
  if (u.coherent > 0)
    head +=
        " *\n * Coherent devices are /dev/hmm_dmirror2 and 3: load test_hmm with\n"
        " * spm_addr_dev0 and spm_addr_dev1 set (MEMORY_DEVICE_COHERENT).\n";
  head += " */\n";
  out.source =
      head +
      fmt::format(
          "#define NR_MMS {}\n#define NR_PAGES {}\n#define NR_DEVICES {}\n#define NR_STEPS {}\n",
          u.mms, u.pages, std::max(1, u.devices), r.run.steps.size()) +
      fmt::format("#define DEV_MINORS {{ {} }}\n", minors) +
      fmt::format(
          "\n/* KTAP names the steps; a step with no user-space trigger is skipped. */\n"
          "static const char *const step_names[NR_STEPS + 1] = {{\n\t\"\",\n{}}};\n"
          "static const char step_skipped[NR_STEPS + 1] = {{ 0{} }};\n"
          "/* the devices the steps use: missing, the program is skipped */\n"
          "static const char dev_used[NR_DEVICES] = {{ {} }};\n\n",
          names, skipped, dev_used) +
      std::string(kPrologue) + steps + std::string(kEpilogue);
  return out;
}

}  // namespace mmcheck::traces
