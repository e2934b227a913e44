// SPDX-License-Identifier: GPL-2.0
// young-bit-device-exclusive: does reclaim's folio_referenced() rewrite a
// device-exclusive PTE? (issue 13; docs/findings/arm64-young-bit-device-exclusive.md)
//
// Linux 6.12 with CONFIG_TEST_HMM, swap on, run as root in a VM:
//   1. a 2 MiB THP is made, and HMM_DMIRROR_EXCLUSIVE (lib/test_hmm.c) is asked
//      for its head page: make_device_exclusive_range() GUPs with
//      FOLL_SPLIT_PMD and page_make_device_exclusive_one() turns every PTE
//      of the folio into a device-exclusive entry (mm/rmap.c, 6.12);
//   2. the CPU reads page 1: restore_exclusive_pte() maps it again, so the
//      folio is mapped (folio_mapcount 1) while page 0's PTE stays
//      device-exclusive;
//   3. memory.reclaim on the process's memcg drives shrink_folio_list /
//      shrink_active_list -> folio_referenced() -> folio_referenced_one(),
//      whose page_vma_mapped_walk returns page 0's device-exclusive entry
//      first; the young helper is applied to it;
//   4. /proc/self/pagemap shows page 0's swap type and offset before and
//      after (PM_SWAP entries carry type | offset << 5 as root).
// Expected on x86-64: type unchanged. arm64's __ptep_test_and_clear_young
// clears PTE_AF (bit 10 = the type's top bit): type 29 -> 13.
//
// Output: KTAP. Build: aarch64-linux-gnu-gcc -static -O2 (or gcc -static).
// Needs: /dev/hmm_dmirror0, cgroup2 with the memory controller, a swap
// device (it sets up zram0 itself when /sys/block/zram0 exists).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <unistd.h>

// lib/test_hmm_uapi.h (6.12)
struct hmm_dmirror_cmd {
  uint64_t addr, ptr, npages, cpages, faults;
};
#define HMM_DMIRROR_EXCLUSIVE _IOWR('H', 0x05, struct hmm_dmirror_cmd)

#define PAGE 4096UL
#define THP (2UL << 20)

static int tests, failed;

static void ok(int pass, const char *what) {
  ++tests;
  if (!pass) ++failed;
  printf("%s %d - %s\n", pass ? "ok" : "not ok", tests, what);
  fflush(stdout);
}

static int write_file(const char *path, const char *s) {
  int fd = open(path, O_WRONLY);
  if (fd < 0) return -errno;
  ssize_t n = write(fd, s, strlen(s));
  int err = n < 0 ? -errno : 0;
  close(fd);
  return err;
}

// The pagemap entry of `addr`: bit 63 present, 62 swapped, bits 0-54 the
// frame (for a swap entry: type in bits 0-4, offset above).
static uint64_t pagemap(const void *addr) {
  uint64_t e = 0;
  int fd = open("/proc/self/pagemap", O_RDONLY);
  if (fd < 0) return 0;
  if (pread(fd, &e, sizeof(e), (off_t)((uintptr_t)addr / PAGE * sizeof(e))) != sizeof(e)) e = 0;
  close(fd);
  return e;
}

static void show(const char *label, const void *addr) {
  uint64_t e = pagemap(addr);
  uint64_t frame = e & ((1ULL << 55) - 1);
  if (e >> 62 & 1)
    printf("# %s: pagemap %#018llx swapped: swap type %llu, offset %#llx\n", label,
           (unsigned long long)e, (unsigned long long)(frame & 31),
           (unsigned long long)(frame >> 5));
  else
    printf("# %s: pagemap %#018llx present=%llu pfn %#llx\n", label, (unsigned long long)e,
           (unsigned long long)(e >> 63), (unsigned long long)frame);
  fflush(stdout);
}

// How the THP's 512 PTEs look: present, or swap type N.
static void census(const char *label, const char *buf) {
  unsigned present = 0, none = 0, types[32] = {0};
  for (unsigned long i = 0; i < THP; i += PAGE) {
    uint64_t e = pagemap(buf + i);
    if (e >> 63) ++present;
    else if (e >> 62 & 1) ++types[e & 31];
    else ++none;
  }
  printf("# %s: %u present, %u none", label, present, none);
  for (int t = 0; t < 32; ++t)
    if (types[t]) printf(", %u swap type %d", types[t], t);
  printf("\n");
  fflush(stdout);
}

static unsigned swap_type(const void *addr) {
  uint64_t e = pagemap(addr);
  return (e >> 62 & 1) ? (unsigned)(e & 31) : 0xff;
}

// A zram swap device of 64 MiB with a hand-written swap header (mkswap's).
static int zram_swap(void) {
  char buf[256] = {0};
  int sfd = open("/proc/swaps", O_RDONLY);
  if (sfd >= 0) {
    ssize_t n = read(sfd, buf, sizeof(buf) - 1);
    close(sfd);
    if (n > 0 && strchr(buf, '\n') && strchr(buf, '\n')[1]) return 0;  // a swap device is on
  }
  if (access("/sys/block/zram0", F_OK) != 0) return -ENODEV;
  if (write_file("/sys/block/zram0/disksize", "64M") != 0) return -EIO;
  int fd = open("/dev/zram0", O_RDWR);
  if (fd < 0) return -errno;
  static unsigned char page[PAGE];
  memset(page, 0, sizeof(page));
  uint32_t version = 1, last_page = (64U << 20) / PAGE - 1;
  memcpy(page + 1024, &version, 4);
  memcpy(page + 1028, &last_page, 4);
  memcpy(page + PAGE - 10, "SWAPSPACE2", 10);
  ssize_t n = pwrite(fd, page, PAGE, 0);
  close(fd);
  if (n != (ssize_t)PAGE) return -EIO;
  return swapon("/dev/zram0", 0) == 0 ? 0 : -errno;
}

static volatile char *touch_addr;
static void *toucher(void *arg) {
  (void)arg;
  // A CPU access to the rewritten entry: do_swap_page() on a swap type with
  // no swap device returns without mapping anything, so this faults forever.
  (void)*touch_addr;
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("TAP version 13\n1..3\n");
  int swap = zram_swap();
  printf("# zram swap: %s\n", swap == 0 ? "on" : strerror(-swap));

  // A memcg of our own, so memory.reclaim reclaims exactly our folios.
  mkdir("/sys/fs/cgroup", 0755);
  mount("none", "/sys/fs/cgroup", "cgroup2", 0, NULL);
  write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
  mkdir("/sys/fs/cgroup/repro", 0755);
  char pid[32];
  snprintf(pid, sizeof(pid), "%d", getpid());
  int in_memcg = write_file("/sys/fs/cgroup/repro/cgroup.procs", pid) == 0;
  printf("# memcg: %s\n", in_memcg ? "/sys/fs/cgroup/repro" : "not available");

  int dev = open("/dev/hmm_dmirror0", O_RDWR);
  if (dev < 0) {
    printf("Bail out! /dev/hmm_dmirror0: %s\n", strerror(errno));
    return 2;
  }
  char *raw = mmap(NULL, 2 * THP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *buf = (char *)(((uintptr_t)raw + THP - 1) & ~(THP - 1));
  madvise(buf, THP, MADV_HUGEPAGE);
  for (unsigned long i = 0; i < THP; i += PAGE) buf[i] = (char)(i / PAGE + 1);
  show("page 0 after the write", buf);
  show("page 1 after the write", buf + PAGE);

  static char mirror[PAGE];  // dmirror_exclusive copies the page's mirror here
  struct hmm_dmirror_cmd cmd = {.addr = (uintptr_t)buf, .ptr = (uintptr_t)mirror, .npages = 1};
  int r = ioctl(dev, HMM_DMIRROR_EXCLUSIVE, &cmd);
  // 6.12 converts every PTE of the folio (the rmap walk); the entries are
  // what matter here, whatever the ioctl answers.
  printf("# HMM_DMIRROR_EXCLUSIVE: %s\n", r == 0 ? "0" : strerror(errno));
  show("page 0 after EXCLUSIVE", buf);
  show("page 1 after EXCLUSIVE", buf + PAGE);
  census("THP after EXCLUSIVE", buf);
  unsigned before = swap_type(buf);
  ok(before >= 16 && before != 0xff, "page 0 holds a device-exclusive entry (swap type >= 16)");

  // The CPU reads page 1: its entry is restored, the folio is mapped again.
  volatile char c = buf[PAGE];
  (void)c;
  show("page 1 after the CPU read", buf + PAGE);
  census("THP after the CPU read", buf);

  // Reclaim: folio_referenced() walks the folio and meets page 0's entry first.
  for (int round = 0; round < 3; ++round) {
    int e = write_file(in_memcg ? "/sys/fs/cgroup/repro/memory.reclaim" : "/proc/sys/vm/drop_caches",
                       in_memcg ? "64M" : "3");
    printf("# reclaim round %d: %s\n", round, e == 0 ? "ok" : strerror(-e));
  }
  show("page 0 after reclaim", buf);
  census("THP after reclaim", buf);
  unsigned after = swap_type(buf);
  printf("# page 0 swap type: %u before reclaim, %u after\n", before, after);
  ok(after == before, "reclaim kept page 0's device-exclusive entry (same swap type)");

  // What the CPU gets from page 0 now. In a thread: a lost entry faults forever.
  touch_addr = buf;
  pthread_t t;
  pthread_create(&t, NULL, toucher, NULL);
  sleep(2);
  show("page 0 after the CPU access (2 s)", buf);
  census("THP after the CPU access", buf);
  unsigned final_type = swap_type(buf);
  ok(final_type == 0xff, "the CPU access to page 0 restored a present PTE");
  printf("# %d of %d passed\n", tests - failed, tests);
  // exit_group() zaps the mapping: a bogus swap entry gives "Bad swap file
  // entry" / "Bad page map" / "Bad rss-counter state" in dmesg.
  _exit(failed ? 1 : 0);
}
