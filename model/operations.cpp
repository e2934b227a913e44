// SPDX-License-Identifier: GPL-2.0
// The operation table and the entry points: user syscalls, dmirror ioctls
// (lib/test_hmm.c as exercised by tools/testing/selftests/mm/hmm-tests.c)
// and background kernel work (reclaim, migration, memory offline, THP split).
#include "model/operations.h"

#include <fmt/format.h>

#include "model/ops/kernel.h"

namespace mmcheck::model {

using namespace kernel;

namespace {

// ---- helpers ----

bool MmExists(const World& w, int mm) {
  return mm >= 0 && mm < static_cast<int>(w.mms.size()) && w.MmAt(mm).exists;
}

// The folio an entry at (mm, va) maps or references ("@mm0:p3"), or -1.
int FolioAt(const World& w, int mm, int va) {
  int frame = w.MappedFrame(mm, va);
  return frame < 0 ? -1 : w.PageAt(frame).head;
}

void SetFault(Outcome& o, VmFault f) {
  switch (f) {
    case VmFault::kOk:
      break;
    case VmFault::kSigsegv:
      o.signal = Signal::kSigsegv;
      break;
    case VmFault::kSigbus:
      o.signal = Signal::kSigbus;
      break;
    case VmFault::kOom:
      o.ret = -kENOMEM;
      break;
    case VmFault::kBlocked:
      o.blocked = true;
      break;
  }
}

// The hardware sets the accessed bit (and, on a store, the dirty bit) of the
// entry an access goes through.
void MarkAccessed(World& w, int mm, int va, bool write) {
  Pmd& pmd = w.MmAt(mm).PmdAt(w.PmdIndex(va));
  if (pmd.kind == PmdKind::kHuge) {
    pmd.young = true;
    if (write) pmd.dirty = true;
    return;
  }
  Pte& pte = w.MmAt(mm).PteAt(va);
  pte.young = true;
  if (write) pte.dirty = pte.soft_dirty = true;
}

// The data a CPU or device access reaches through `pfn`.
int DataAt(const World& w, uint32_t pfn) {
  if (pfn == kZeroPfn) return 0;
  int frame = w.FrameOf(pfn);
  if (frame < 0 || w.PageAt(frame).head < 0) return -1;
  return w.PageAt(frame).data;
}

// The data a device access reaches through mirror entry `e`.
int MirrorData(const World& w, const MirrorEntry& e) {
  if (!e.device_private) return DataAt(w, e.pfn);
  int frame = w.MirrorFrame(e);
  if (frame < 0 || w.PageAt(frame).head < 0) return -1;
  return w.PageAt(frame).data;
}

// dmirror_do_read/dmirror_do_write with dmirror_fault() on a missing (or,
// for writes, non-WRITE) entry; `faults` counts the dmirror_fault calls.
void DeviceAccess(World& w, StepResult& r, int dev, int mm, int va, int npages, bool write,
                  int value) {
  Outcome& o = r.outcome;
  Device& d = w.DeviceAt(dev);
  const int end = va + npages;
  for (int pos = va; pos < end;) {
    MirrorEntry& e = d.MirrorAt(mm * w.universe.pages + pos);
    bool usable = e.perm != kMirrorNone && (!write || e.perm == kMirrorWrite);
    if (usable) {
      if (write) {
        int frame = w.MirrorFrame(e);
        if (frame >= 0 && w.PageAt(frame).head >= 0) {
          w.PageAt(frame).data = static_cast<uint8_t>(value);
          w.Folio(w.PageAt(frame).head).dirty = true;
        } else {
          r.Event(EventKind::kCorruption,
                  fmt::format("dev{} wrote through a mirror entry for mm{}:{} to pfn 0x{:x}, "
                              "which is no allocated folio",
                              dev, mm, pos, e.pfn));
        }
        w.SetLogical(mm, pos, static_cast<uint8_t>(value));
      } else {
        int got = MirrorData(w, e);
        int expected = w.Logical(mm, pos);
        if (got != expected)
          r.mismatches.push_back({mm, pos, got, expected, fmt::format("dev{}", dev)});
        if (pos == va) o.value = got;
      }
      ++pos;
      continue;
    }
    if (o.faults > 2 * npages + 2) {
      r.Event(EventKind::kWarn, "dmirror: the fault loop does not converge");
      o.ret = -kEBUSY;
      return;
    }
    // dmirror_fault() -> hmm_range_fault() from `pos` to the end.
    std::vector<HmmPfn> pfns;
    bool blocked = false;
    // range->dev_private_owner = dmirror->mdevice (only meaningful with device memory).
    int owner = w.universe.device_pages > 0 ? dev : -1;
    int err = hmm_range_fault(w, r, mm, pos, end - pos, write, pfns, blocked, owner);
    if (blocked) {
      o.blocked = true;
      return;
    }
    if (err) {
      o.ret = -err;
      return;
    }
    // dmirror_do_fault() stores the pages in order; a page reported without
    // write access to a write fault (the caller's own read-only
    // device-private page, which hmm_range_fault() does not fault) is
    // WARN_ON() and -EFAULT (lib/test_hmm.c, 6.12.118; seen by
    // kernel/conform.sh: HMM_DMIRROR_WRITE -EFAULT after fork).
    for (size_t i = 0; i < pfns.size(); ++i) {
      if (write && !pfns[i].write) {
        r.Event(EventKind::kWarn,
                "dmirror_do_fault: WARN_ON: a write fault got a page without write access");
        o.ret = -kEFAULT;
        return;
      }
      d.MirrorAt(mm * w.universe.pages + pos + static_cast<int>(i)) = MirrorEntry{
          pfns[i].write ? kMirrorWrite : kMirrorRead, pfns[i].pfn, pfns[i].device_private};
    }
    o.faults++;
  }
  o.cpages = npages;
}

// ---- preconditions ----

bool EnabledRange(const World& w, const Op& op) {
  return MmExists(w, op.Arg(0)) && op.Arg(1) + op.Arg(2) <= w.universe.pages;
}
bool EnabledMm(const World& w, const Op& op) {
  return MmExists(w, op.Arg(0));
}
bool EnabledDeviceRange(const World& w, const Op& op) {
  return op.Arg(0) < w.universe.devices && MmExists(w, op.Arg(1)) &&
         op.Arg(2) + op.Arg(3) <= w.universe.pages;
}
bool EnabledFolio(const World& w, const Op& op) {
  return MmExists(w, op.Arg(0)) && FolioAt(w, op.Arg(0), op.Arg(1)) >= 0;
}
bool EnabledLock(const World& w, const Op& op) {
  if (!(w.lock_thread_folio < 0 && w.migrating.empty() && EnabledFolio(w, op))) return false;
  return true;
}
// The other thread is the lock holder, or (device memory only) the thread
// evicting device pages between dev_evict_begin and its finish.
bool EnabledUnlock(const World& w, const Op&) {
  return w.lock_thread_folio >= 0 || !w.migrating.empty();
}
bool EnabledDeviceMemoryRange(const World& w, const Op& op) {
  return w.universe.device_pages > 0 && EnabledDeviceRange(w, op);
}
bool EnabledDeviceMemory(const World& w, const Op& op) {
  return w.universe.device_pages > 0 && op.Arg(0) < w.universe.devices;
}

// ---- operations ----

void ApplyMmap(World& w, const Op& op, StepResult& r) {
  r.outcome.ret = -do_mmap(w, op.Arg(0), op.Arg(1), op.Arg(2), op.Arg(3), op.Arg(4));
}
void ApplyMunmap(World& w, const Op& op, StepResult& r) {
  r.outcome.ret = -do_munmap(w, r, op.Arg(0), op.Arg(1), op.Arg(2));
}
void ApplyMprotect(World& w, const Op& op, StepResult& r) {
  r.outcome.ret = -do_mprotect(w, r, op.Arg(0), op.Arg(1), op.Arg(2), op.Arg(3));
}
void ApplyMadvise(World& w, const Op& op, StepResult& r) {
  r.outcome.ret = -do_madvise(w, r, op.Arg(0), op.Arg(1), op.Arg(2), op.Arg(3));
}
void ApplyFork(World& w, const Op& op, StepResult& r) {
  int child = dup_mmap(w, r, op.Arg(0));
  if (child < 0)
    r.outcome.ret = child;
  else
    r.outcome.value = child;
}

void ApplyCpuRead(World& w, const Op& op, StepResult& r) {
  int mm = op.Arg(0), va = op.Arg(1);
  SetFault(r.outcome, FaultIn(w, r, mm, va, false));
  if (r.outcome.signal != Signal::kNone || r.outcome.blocked || r.outcome.ret) return;
  MarkAccessed(w, mm, va, false);
  const Pmd& pmd = w.PmdOf(mm, va);
  uint32_t pfn = pmd.kind == PmdKind::kHuge
                     ? pmd.pfn + static_cast<uint32_t>(va & (w.universe.PmdPages() - 1))
                     : w.MmAt(mm).PteAt(va).pfn;
  r.outcome.value = DataAt(w, pfn);
  if (r.outcome.value != w.Logical(mm, va))
    r.mismatches.push_back({mm, va, r.outcome.value, w.Logical(mm, va), "cpu"});
}

void ApplyCpuWrite(World& w, const Op& op, StepResult& r) {
  int mm = op.Arg(0), va = op.Arg(1);
  SetFault(r.outcome, FaultIn(w, r, mm, va, true));
  if (r.outcome.signal != Signal::kNone || r.outcome.blocked || r.outcome.ret) return;
  MarkAccessed(w, mm, va, true);
  int frame = w.MappedFrame(mm, va);
  if (frame < 0 || w.PageAt(frame).head < 0) {
    // A present, writable PTE to no page of ours: a corrupted entry.
    r.Event(EventKind::kCorruption, fmt::format("cpu_write at mm{}:{} went through a PTE to "
                                                "pfn that is no allocated page",
                                                mm, va));
    r.outcome.signal = Signal::kSigbus;
    return;
  }
  w.PageAt(frame).data = static_cast<uint8_t>(op.Arg(2));
  w.Folio(w.PageAt(frame).head).dirty = true;
  w.SetLogical(mm, va, static_cast<uint8_t>(op.Arg(2)));
}

void ApplyDeviceRead(World& w, const Op& op, StepResult& r) {
  DeviceAccess(w, r, op.Arg(0), op.Arg(1), op.Arg(2), op.Arg(3), false, 0);
}
void ApplyDeviceWrite(World& w, const Op& op, StepResult& r) {
  DeviceAccess(w, r, op.Arg(0), op.Arg(1), op.Arg(2), op.Arg(3), true, op.Arg(4));
}

// HMM_DMIRROR_EXCLUSIVE: dmirror_exclusive() then dmirror_do_read().
void ApplyDeviceExclusive(World& w, const Op& op, StepResult& r) {
  int dev = op.Arg(0), mm = op.Arg(1), va = op.Arg(2), n = op.Arg(3);
  Device& d = w.DeviceAt(dev);
  auto map_atomic = [&](int pos, int frame) {
    d.MirrorAt(mm * w.universe.pages + pos) = MirrorEntry{kMirrorAtomic, w.PfnOf(frame)};
  };
  if (w.knobs.make_exclusive_impl == MakeExclusiveImpl::kRangeRmapWalk) {
    // v6.14: one make_device_exclusive_range() batch (up to 64 pages), the
    // device maps only if every page was converted, else -EBUSY.
    int err = 0;
    std::vector<int> pages = make_device_exclusive_range(w, r, mm, va, n, err);
    int converted = 0;
    for (int p : pages) converted += p >= 0;
    if (static_cast<int>(pages.size()) == n && converted == n)
      for (int i = 0; i < n; ++i) map_atomic(va + i, pages[static_cast<size_t>(i)]);
    for (int p : pages)
      if (p >= 0) folio_put(w, r, w.PageAt(p).head);  // unlock_page + put_page
    if (converted < n) {
      r.outcome.ret = -kEBUSY;
      return;
    }
  } else {
    for (int pos = va; pos < va + n; ++pos) {
      ExclusiveResult res = make_device_exclusive(w, r, mm, pos);
      if (res.blocked) {
        r.outcome.blocked = true;
        return;
      }
      if (res.err) {
        r.outcome.ret = -res.err;
        return;
      }
      map_atomic(pos, w.FrameOf(w.MmAt(mm).PteAt(pos).pfn));
      folio_put(w, r, res.head);  // folio_unlock + folio_put
    }
  }
  // "Return the migrated data for verification": a read through the mirror.
  DeviceAccess(w, r, dev, mm, va, n, false, 0);
  r.outcome.faults = 0;
}

void ApplyDeviceCheckExclusive(World& w, const Op& op, StepResult& r) {
  int dev = op.Arg(0), mm = op.Arg(1), va = op.Arg(2), n = op.Arg(3);
  const Device& d = w.DeviceAt(dev);
  for (int pos = va; pos < va + n; ++pos)
    if (d.MirrorAt(mm * w.universe.pages + pos).perm == kMirrorAtomic) {
      r.outcome.ret = -kEPERM;
      return;
    }
}

void ApplyReclaim(World& w, const Op& op, StepResult& r) {
  shrink_folio(w, r, FolioAt(w, op.Arg(0), op.Arg(1)), false);
}

// What a correct kernel needs to migrate the folio: an LRU folio nobody else
// holds locked or referenced beyond its mappings and page cache, and room
// for the destination.
bool MigrationEligible(const World& w, int head, std::string& why) {
  const Page& f = w.Folio(head);
  if (f.hugetlb || !f.lru) return why = "not an LRU folio", false;
  if (w.lock_thread_folio == head) return why = "locked by another thread", false;
  if (!CanAllocFolio(w, f.order)) return why = "no free destination folio", false;
  int explained = f.shmem >= 0 ? w.NrPages(head) : 0;
  for (int mm = 0; mm < static_cast<int>(w.mms.size()); ++mm) {
    if (!w.MmAt(mm).exists) continue;
    for (int va = 0; va < w.universe.pages; ++va) {
      int fr = w.MappedFrame(mm, va);
      if (fr < 0 || w.PageAt(fr).head != head) continue;
      const Pmd& pmd = w.PmdOf(mm, va);
      if (pmd.kind == PmdKind::kHuge && (va & (w.universe.PmdPages() - 1)) != 0) continue;
      const Pte& pte = w.MmAt(mm).PteAt(va);
      if (pmd.kind == PmdKind::kHuge || !IsMigration(pte.kind)) ++explained;
    }
  }
  if (f.refcount != explained) return why = "extra references (pinned)", false;
  return true;
}

void MigrateWithProgress(World& w, StepResult& r, int head, int tries) {
  uint32_t pfn = w.PfnOf(head);
  std::string why;
  bool eligible = MigrationEligible(w, head, why);
  int err = 0;
  for (int i = 0; i < tries; ++i) {
    err = migrate_folio(w, r, head, tries > 1);
    if (!err) break;
  }
  r.outcome.ret = -err;
  if (err && tries > 1)
    r.Event(EventKind::kInfo, fmt::format("offline_pages: gave up after {} attempts; the kernel "
                                          "retries forever",
                                          tries));
  if (eligible)
    r.progress.push_back({ProgressCheck::kMigration, pfn, err == 0,
                          err ? fmt::format("migrate_pages returned -{}", err) : ""});
}

void ApplyMigrate(World& w, const Op& op, StepResult& r) {
  MigrateWithProgress(w, r, FolioAt(w, op.Arg(0), op.Arg(1)), 1);
}

// offline_pages(): do_migrate_range() until the range is empty. The kernel
// loops forever on a folio that never migrates; the model stops after 3.
void ApplyOffline(World& w, const Op& op, StepResult& r) {
  MigrateWithProgress(w, r, FolioAt(w, op.Arg(0), op.Arg(1)), 3);
}

void ApplySplit(World& w, const Op& op, StepResult& r) {
  int mm = op.Arg(0), va = op.Arg(1);
  // split_huge_pages_pid() skips VMAs unsuitable for THP split (hugetlb).
  const Vma* v = w.FindVma(mm, va);
  if (v && v->hugetlb) {
    r.outcome.ret = -kEINVAL;
    return;
  }
  // split_huge_pages_pid() skips ZONE_DEVICE pages (is_zone_device_page),
  // and its folio_walk finds no page under a non-present device-private PMD.
  if (w.PmdOf(mm, va).kind == PmdKind::kDevicePrivate || w.IsDeviceFrame(FolioAt(w, mm, va)))
    return;
  if (w.PmdOf(mm, va).kind == PmdKind::kHuge) {
    split_huge_pmd(w, r, mm, va);
    return;
  }
  r.outcome.ret = -split_folio(w, r, FolioAt(w, mm, va));
}

void ApplyMkclean(World& w, const Op& op, StepResult& r) {
  r.outcome.value = folio_mkclean(w, r, FolioAt(w, op.Arg(0), op.Arg(1)));
}

// memunmap_pages(): percpu_ref_kill, then wait_for_completion(&pgmap->done)
// until every device page of the pgmap is freed.
void MemunmapWait(World& w, StepResult& r, int dev) {
  if (w.PgmapAt(dev).ref == 0) return;
  r.outcome.blocked = true;
  r.Event(EventKind::kInfo, fmt::format("memunmap_pages: dev{}'s pgmap still has {} references; "
                                        "wait_for_completion(&pgmap->done) never returns",
                                        dev, w.PgmapAt(dev).ref));
}

void ApplyLockFolio(World& w, const Op& op, StepResult& r) {
  int head = FolioAt(w, op.Arg(0), op.Arg(1));
  folio_get(w, head);
  w.Folio(head).locked = true;
  w.lock_thread_folio = static_cast<int16_t>(head);
}

void ApplyUnlockFolio(World& w, const Op&, StepResult& r) {
  if (!w.migrating.empty()) {
    // The releasing thread resumes: migrate_device_pages +
    // migrate_device_finalize unlock and put the device folios, then
    // memunmap_pages() waits for the pgmap (dev_release's second half).
    const int dev = w.PgmapOf(w.migrating.front());
    r.outcome.cpages = kernel::migrate_device_finalize_evict(w, r);
    MemunmapWait(w, r, dev);
    return;
  }
  int head = w.lock_thread_folio;
  w.Folio(head).locked = false;
  w.lock_thread_folio = -1;
  folio_put(w, r, head);
}

// HMM_DMIRROR_MIGRATE_TO_DEV (lib/test_hmm.c dmirror_migrate_to_device).
void ApplyDeviceMigrateToDev(World& w, const Op& op, StepResult& r) {
  r.outcome.ret = -dmirror_migrate_to_device(w, r, op.Arg(0), op.Arg(1), op.Arg(2), op.Arg(3),
                                             r.outcome.cpages);
}

// HMM_DMIRROR_MIGRATE_TO_SYS (lib/test_hmm.c dmirror_migrate_to_system).
void ApplyDeviceMigrateToSys(World& w, const Op& op, StepResult& r) {
  r.outcome.ret = -dmirror_migrate_to_system(w, r, op.Arg(0), op.Arg(1), op.Arg(2), op.Arg(3),
                                             r.outcome.cpages);
}

// HMM_DMIRROR_RELEASE (lib/test_hmm.c dmirror_device_remove_chunks ->
// dmirror_device_evict_chunk): migrate_device_range + migrate_device_unmap
// leave the device pages locked under migration entries while the driver
// copies them; unlock_folio is that thread resuming (migrate_device_pages,
// migrate_device_finalize, then memunmap_pages). Other operations may run in
// between: no mmap lock is held.
//
// The ioctl copies the caller's cmd back unchanged (cpages stays 0); the
// number of pages put under migration is an informational event.
void ApplyDeviceRelease(World& w, const Op& op, StepResult& r) {
  const int evicting = migrate_device_range_unmap(w, r, op.Arg(0));
  if (r.texts)
    r.Event(EventKind::kInfo,
            fmt::format("dmirror_device_evict_chunk: {} device page(s) under migration", evicting));
  if (w.migrating.empty()) MemunmapWait(w, r, op.Arg(0));  // nothing to copy
}

// HMM_DMIRROR_SNAPSHOT (lib/test_hmm.c dmirror_snapshot): the World is only
// read (hmm_range_fault without HMM_PFN_REQ_FAULT; the mirror is untouched).
void ApplyDeviceSnapshot(World& w, const Op& op, StepResult& r) {
  const World& read_only = w;
  r.outcome.ret = -dmirror_snapshot(read_only, r, op.Arg(0), op.Arg(1), op.Arg(2), op.Arg(3),
                                    r.outcome.prot, r.outcome.cpages);
}

// mremap: the old range inside one VMA, the ranges disjoint (the kernel's
// -EFAULT/-EINVAL cases are left out to keep the op alphabet small).
bool EnabledMremap(const World& w, const Op& op) {
  const int mm = op.Arg(0), va = op.Arg(1), n = op.Arg(2), newva = op.Arg(3);
  if (!MmExists(w, mm) || va + n > w.universe.pages || newva + n > w.universe.pages) return false;
  if (va + n > newva && newva + n > va) return false;
  const Vma* v = w.FindVma(mm, va);
  return v != nullptr && va + n <= v->end;
}

void ApplyMremap(World& w, const Op& op, StepResult& r) {
  r.outcome.ret = -do_mremap(w, r, op.Arg(0), op.Arg(1), op.Arg(2), op.Arg(3));
}

// The row of `code`: name, kernel entry point, user-space trigger, doc,
// arguments, precondition and transition. A switch with no default: an
// OpCode without a row here is a compile error (-Werror=switch). A value
// past the last OpCode has no row ({}, apply == nullptr), which is how
// kOpCount below finds the end of the enum.
constexpr OpInfo RowOf(OpCode code) {
  constexpr ArgInfo kMm{"mm", ArgKind::kMm}, kVa{"va", ArgKind::kVa},
      kNpages{"npages", ArgKind::kNpages}, kDev{"dev", ArgKind::kDevice},
      kValue{"value", ArgKind::kValue}, kProt{"prot", ArgKind::kProt},
      kKind{"kind", ArgKind::kMapKind}, kAdvice{"advice", ArgKind::kAdvice};
  switch (code) {
    case OpCode::kMmap:
      return {.name = "mmap",
              .kernel_entry = "do_mmap (mm/mmap.c)",
              .trigger = "mmap(MAP_FIXED_NOREPLACE)",
              .doc = "map [va, va+npages) private anon, shared anon (shmem) or hugetlb",
              .args = {kMm, kVa, kNpages, kProt, kKind},
              .enabled = EnabledRange,
              .apply = ApplyMmap};
    case OpCode::kMunmap:
      return {.name = "munmap",
              .kernel_entry = "do_vmi_munmap, zap_pte_range (mm/vma.c, mm/memory.c)",
              .trigger = "munmap()",
              .doc = "zap and remove the range",
              .args = {kMm, kVa, kNpages},
              .enabled = EnabledRange,
              .apply = ApplyMunmap};
    case OpCode::kMprotect:
      return {.name = "mprotect",
              .kernel_entry = "change_protection (mm/mprotect.c)",
              .trigger = "mprotect()",
              .doc = "change protection of a mapped range",
              .args = {kMm, kVa, kNpages, kProt},
              .enabled = EnabledRange,
              .apply = ApplyMprotect};
    case OpCode::kMadvise:
      return {.name = "madvise",
              .kernel_entry = "madvise_vma_behavior (mm/madvise.c)",
              .trigger = "madvise()",
              .doc =
                  "MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_PAGEOUT (reclaim, skips non-present PTEs), "
                  "MADV_DONTNEED (zap), MADV_FREE (lazyfree: clean, discarded by reclaim unless "
                  "written "
                  "again; swap entries freed)",
              .args = {kMm, kVa, kNpages, kAdvice},
              .enabled = EnabledRange,
              .apply = ApplyMadvise};
    case OpCode::kFork:
      return {
          .name = "fork",
          .kernel_entry = "dup_mmap, copy_page_range (kernel/fork.c, mm/memory.c)",
          .trigger = "fork()",
          .doc = "copy the mm into the lowest free mm; device-exclusive entries are restored first",
          .args = {kMm},
          .enabled = EnabledMm,
          .apply = ApplyFork};
    case OpCode::kCpuRead:
      return {.name = "cpu_read",
              .kernel_entry = "handle_mm_fault (mm/memory.c)",
              .trigger = "a load",
              .doc = "read a byte; faults as needed",
              .args = {kMm, kVa},
              .enabled = EnabledMm,
              .apply = ApplyCpuRead};
    case OpCode::kCpuWrite:
      return {.name = "cpu_write",
              .kernel_entry = "handle_mm_fault (mm/memory.c)",
              .trigger = "a store",
              .doc = "write a byte; faults (COW, restore of device-exclusive) as needed",
              .args = {kMm, kVa, kValue},
              .enabled = EnabledMm,
              .apply = ApplyCpuWrite};
    case OpCode::kDeviceRead:
      return {.name = "dev_read",
              .kernel_entry = "dmirror_read, hmm_range_fault (lib/test_hmm.c, mm/hmm.c)",
              .trigger = "ioctl(HMM_DMIRROR_READ)",
              .doc = "device read through the mirror, faulting missing entries",
              .args = {kDev, kMm, kVa, kNpages},
              .enabled = EnabledDeviceRange,
              .apply = ApplyDeviceRead};
    case OpCode::kDeviceWrite:
      return {.name = "dev_write",
              .kernel_entry = "dmirror_write, hmm_range_fault (lib/test_hmm.c, mm/hmm.c)",
              .trigger = "ioctl(HMM_DMIRROR_WRITE)",
              .doc = "device write; needs WRITE mirror entries",
              .args = {kDev, kMm, kVa, kNpages, kValue},
              .enabled = EnabledDeviceRange,
              .apply = ApplyDeviceWrite};
    case OpCode::kDeviceExclusive:
      return {.name = "dev_exclusive",
              .kernel_entry =
                  "dmirror_exclusive, make_device_exclusive[_range] (lib/test_hmm.c, mm/rmap.c)",
              .trigger = "ioctl(HMM_DMIRROR_EXCLUSIVE)",
              .doc = "make each page device-exclusive, map it ATOMIC in the mirror, unlock and put",
              .args = {kDev, kMm, kVa, kNpages},
              .enabled = EnabledDeviceRange,
              .apply = ApplyDeviceExclusive};
    case OpCode::kDeviceCheckExclusive:
      return {.name = "dev_check_exclusive",
              .kernel_entry = "dmirror_check_atomic (lib/test_hmm.c)",
              .trigger = "ioctl(HMM_DMIRROR_CHECK_EXCLUSIVE)",
              .doc = "-EPERM if any mirror entry is still ATOMIC",
              .args = {kDev, kMm, kVa, kNpages},
              .enabled = EnabledDeviceRange,
              .apply = ApplyDeviceCheckExclusive};
    case OpCode::kReclaim:
      return {.name = "reclaim",
              .kernel_entry = "shrink_folio_list (mm/vmscan.c)",
              .trigger = "memory pressure (no direct trigger)",
              .doc = "reclaim the folio mapped at (mm, va) to swap, honouring references",
              .args = {kMm, kVa},
              .enabled = EnabledFolio,
              .apply = ApplyReclaim,
              .names_folio = true};
    case OpCode::kMigrate:
      return {.name = "migrate",
              .kernel_entry = "migrate_pages (mm/migrate.c)",
              .trigger = "compaction (no direct trigger)",
              .doc = "migrate the folio mapped at (mm, va)",
              .args = {kMm, kVa},
              .enabled = EnabledFolio,
              .apply = ApplyMigrate,
              .names_folio = true};
    case OpCode::kOffline:
      return {.name = "offline",
              .kernel_entry = "offline_pages, do_migrate_range (mm/memory_hotplug.c)",
              .trigger = "echo offline > /sys/devices/system/memory/memoryN/state",
              .doc = "offline the memory holding the folio: migrate it, retrying (3 times here)",
              .args = {kMm, kVa},
              .enabled = EnabledFolio,
              .apply = ApplyOffline,
              .names_folio = true};
    case OpCode::kSplit:
      return {.name = "split",
              .kernel_entry = "split_huge_pmd, split_folio (mm/huge_memory.c)",
              .trigger = "debugfs split_huge_pages",
              .doc = "split the PMD mapping, or else the large folio",
              .args = {kMm, kVa},
              .enabled = EnabledFolio,
              .apply = ApplySplit,
              .names_folio = true};
    case OpCode::kMkclean:
      return {.name = "mkclean",
              .kernel_entry = "folio_mkclean, page_vma_mkclean_one (mm/rmap.c)",
              .trigger = "writeback (no direct trigger)",
              .doc =
                  "write-protect and clean every mapping of the folio (the walker; folio_mapping() "
                  "is not "
                  "checked)",
              .args = {kMm, kVa},
              .enabled = EnabledFolio,
              .apply = ApplyMkclean,
              .names_folio = true};
    case OpCode::kLockFolio:
      return {.name = "lock_folio",
              .kernel_entry = "folio_lock (another thread)",
              .trigger = "none",
              .doc = "another kernel thread takes the folio lock and a reference and holds them",
              .args = {kMm, kVa},
              .enabled = EnabledLock,
              .apply = ApplyLockFolio,
              .names_folio = true};
    case OpCode::kUnlockFolio:
      return {
          .name = "unlock_folio",
          .kernel_entry = "folio_unlock, folio_put (another thread)",
          .trigger = "none",
          .doc =
              "that thread releases the lock and its reference (or the dev_release thread finishes "
              "its eviction: migrate_device_pages, migrate_device_finalize, memunmap_pages)",
          .args = {},
          .enabled = EnabledUnlock,
          .apply = ApplyUnlockFolio};
    case OpCode::kDeviceMigrateToDev:
      return {.name = "dev_migrate_to_dev",
              .kernel_entry =
                  "dmirror_migrate_to_device, migrate_vma_setup/_pages/_finalize (lib/test_hmm.c, "
                  "mm/migrate_device.c)",
              .trigger = "ioctl(HMM_DMIRROR_MIGRATE_TO_DEV)",
              .doc =
                  "migrate anonymous pages, holes and the zero page to device-private memory and "
                  "map them "
                  "in the mirror; -ENOENT if a page is not in the mirror afterwards",
              .args = {kDev, kMm, kVa, kNpages},
              .enabled = EnabledDeviceMemoryRange,
              .apply = ApplyDeviceMigrateToDev};
    case OpCode::kDeviceMigrateToSys:
      return {.name = "dev_migrate_to_sys",
              .kernel_entry =
                  "dmirror_migrate_to_system, migrate_vma_setup/_pages/_finalize (lib/test_hmm.c, "
                  "mm/migrate_device.c)",
              .trigger = "ioctl(HMM_DMIRROR_MIGRATE_TO_SYS)",
              .doc = "migrate this device's device-private pages in the range back to RAM",
              .args = {kDev, kMm, kVa, kNpages},
              .enabled = EnabledDeviceMemoryRange,
              .apply = ApplyDeviceMigrateToSys};
    case OpCode::kDeviceRelease:
      return {.name = "dev_release",
              .kernel_entry =
                  "dmirror_device_remove_chunks, migrate_device_range, migrate_device_unmap "
                  "(lib/test_hmm.c, "
                  "mm/migrate_device.c)",
              .trigger = "ioctl(HMM_DMIRROR_RELEASE)",
              .doc =
                  "lock the device's pages under migration entries to evict them; unlock_folio "
                  "lets the "
                  "thread copy them to RAM, finish and unmap the pgmap (memunmap_pages)",
              .args = {kDev},
              .enabled = EnabledDeviceMemory,
              .apply = ApplyDeviceRelease};
    case OpCode::kDeviceSnapshot:
      return {.name = "dev_snapshot",
              .kernel_entry =
                  "dmirror_snapshot, hmm_range_fault without HMM_PFN_REQ_FAULT (lib/test_hmm.c, "
                  "mm/hmm.c)",
              .trigger = "ioctl(HMM_DMIRROR_SNAPSHOT)",
              .doc =
                  "one HMM_DMIRROR_PROT_* byte per page (ERROR, NONE, READ/WRITE, PMD, ZERO, "
                  "DEV_PRIVATE_LOCAL) from a walk that faults nothing and changes nothing",
              .args = {kDev, kMm, kVa, kNpages},
              .enabled = EnabledDeviceRange,
              .apply = ApplyDeviceSnapshot};
    case OpCode::kMremap:
      return {.name = "mremap",
              .kernel_entry =
                  "mremap_to, move_vma, move_page_tables, move_huge_pmd (mm/mremap.c, "
                  "mm/huge_memory.c)",
              .trigger = "mremap(MREMAP_MAYMOVE | MREMAP_FIXED)",
              .doc =
                  "move [va, va+npages) of one VMA to newva (unmapping the destination): PTEs of "
                  "every kind "
                  "move as they are, huge and device-private PMDs whole when aligned, else split",
              .args = {kMm, kVa, kNpages, {"newva", ArgKind::kVa}},
              .enabled = EnabledMremap,
              .apply = ApplyMremap};
  }
  return {};
}

// The number of OpCodes: the first value without a row.
constexpr size_t kOpCount = [] {
  size_t n = 0;
  while (n <= 0xff && !RowOf(static_cast<OpCode>(n)).name.empty()) ++n;
  return n;
}();

constexpr std::array<OpInfo, kOpCount> kOpTable = [] {
  std::array<OpInfo, kOpCount> table{};
  for (size_t i = 0; i < kOpCount; ++i) {
    table[i] = RowOf(static_cast<OpCode>(i));
    table[i].code = static_cast<OpCode>(i);
  }
  return table;
}();

// What every row must have; checked when the table is compiled. (That each
// row has its precondition and its function is a unit test,
// OpTable.EveryRowHasItsFunctions: a function pointer compared in a constant
// expression is not one under -fsanitize, GCC 12.)
constexpr bool RowsComplete() {
  for (size_t i = 0; i < kOpCount; ++i) {
    const OpInfo& row = kOpTable[i];
    if (row.name.empty() || row.kernel_entry.empty() || row.trigger.empty() || row.doc.empty())
      return false;
    for (size_t j = 0; j < i; ++j)
      if (kOpTable[j].name == row.name) return false;
    // A folio-naming op takes (mm, va) first.
    if (row.names_folio && (row.args.size() < 2 || row.args[0].kind != ArgKind::kMm ||
                            row.args[1].kind != ArgKind::kVa))
      return false;
  }
  return true;
}
static_assert(RowsComplete(),
              "an op row lacks a name, doc, kernel entry, trigger or precondition, "
              "or repeats a name");

}  // namespace

std::span<const OpInfo> OpTable() {
  return kOpTable;
}

const OpInfo& InfoOf(OpCode code) {
  return kOpTable[static_cast<size_t>(code)];
}

const OpInfo* FindOp(std::string_view name) {
  for (const OpInfo& o : OpTable())
    if (o.name == name) return &o;
  return nullptr;
}

std::pair<int, int> ArgRange(ArgKind kind, const Universe& u) {
  switch (kind) {
    case ArgKind::kMm:
      return {0, u.mms - 1};
    case ArgKind::kVa:
      return {0, u.pages - 1};
    case ArgKind::kNpages:
      return {1, u.pages};
    case ArgKind::kDevice:
      return {0, u.devices - 1};
    case ArgKind::kValue:
      return {1, 255};
    case ArgKind::kProt:
      return {0, 2};
    case ArgKind::kMapKind:
      return {0, 2};
    case ArgKind::kAdvice:
      return {0, 4};
  }
  return {0, 0};
}

const std::vector<std::string_view>& ArgSymbols(ArgKind kind) {
  static const std::vector<std::string_view> none, prot{"none", "r", "rw"},
      map{"private", "shared", "hugetlb"},
      advice{"hugepage", "nohugepage", "pageout", "dontneed", "free"};
  switch (kind) {
    case ArgKind::kProt:
      return prot;
    case ArgKind::kMapKind:
      return map;
    case ArgKind::kAdvice:
      return advice;
    case ArgKind::kMm:
    case ArgKind::kVa:
    case ArgKind::kNpages:
    case ArgKind::kDevice:
    case ArgKind::kValue:
      return none;
  }
  return none;
}

std::string FormatArg(ArgKind kind, int value) {
  const auto& sym = ArgSymbols(kind);
  if (!sym.empty() && value >= 0 && value < static_cast<int>(sym.size()))
    return std::string(sym[static_cast<size_t>(value)]);
  if (kind == ArgKind::kMm) return fmt::format("mm{}", value);
  if (kind == ArgKind::kDevice) return fmt::format("dev{}", value);
  return fmt::format("{}", value);
}

std::string FormatOp(const Op& op) {
  const OpInfo& info = InfoOf(op.code);
  std::string s(info.name);
  size_t first = 0;
  if (info.names_folio) {
    s += fmt::format(" folio=@mm{}:p{}", op.args[0], op.args[1]);
    first = 2;
  }
  for (size_t i = first; i < info.args.size(); ++i)
    s += fmt::format(" {}={}", info.args[i].name, FormatArg(info.args[i].kind, op.args[i]));
  return s;
}

std::string OpSyntax(const OpInfo& info) {
  std::string s;
  size_t first = 0;
  if (info.names_folio) {
    s += " folio=@mmM:pN";
    first = 2;
  }
  for (size_t i = first; i < info.args.size(); ++i) {
    const ArgInfo& a = info.args[i];
    std::string values;
    for (std::string_view v : ArgSymbols(a.kind))
      values += (values.empty() ? "" : "|") + std::string(v);
    if (values.empty()) {
      switch (a.kind) {
        case ArgKind::kMm:
          values = "mmM";
          break;
        case ArgKind::kDevice:
          values = "devD";
          break;
        case ArgKind::kValue:
          values = "1..255";
          break;
        case ArgKind::kNpages:
          values = "N>=1";
          break;
        case ArgKind::kVa:
          values = "N";
          break;
        case ArgKind::kProt:
        case ArgKind::kMapKind:
        case ArgKind::kAdvice:
          break;  // symbolic: listed above
      }
    }
    s += fmt::format(" {}={}", a.name, values);
  }
  return s;
}

std::string RetName(int ret) {
  static constexpr std::pair<int, std::string_view> kNames[] = {
      {kernel::kEPERM, "EPERM"},           {kernel::kENOENT, "ENOENT"}, {kernel::kEIO, "EIO"},
      {kernel::kEAGAIN, "EAGAIN"},         {kernel::kENOMEM, "ENOMEM"}, {kernel::kEFAULT, "EFAULT"},
      {kernel::kEBUSY, "EBUSY"},           {kernel::kEEXIST, "EEXIST"}, {kernel::kEINVAL, "EINVAL"},
      {kernel::kEOPNOTSUPP, "EOPNOTSUPP"},
  };
  for (const auto& [number, name] : kNames)
    if (ret == -number) return fmt::format("-{}", name);
  return fmt::format("{}", ret);
}

bool Enabled(const World& w, const Op& op) {
  const OpInfo& info = InfoOf(op.code);
  for (size_t i = 0; i < info.args.size(); ++i) {
    auto [lo, hi] = ArgRange(info.args[i].kind, w.universe);
    if (op.args[i] < lo || op.args[i] > hi) return false;
  }
  return info.enabled(w, op);
}

StepResult Apply(World& w, const Op& op, bool texts) {
  StepResult r;
  r.texts = texts;
  InfoOf(op.code).apply(w, op, r);
  return r;
}

Op MakeOp(OpCode code, std::initializer_list<int> args) {
  Op op;
  op.code = code;
  size_t i = 0;
  for (int a : args) op.args[i++] = static_cast<int16_t>(a);
  return op;
}

}  // namespace mmcheck::model
