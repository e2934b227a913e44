// Address-space operations: mmap, munmap, mprotect, madvise and fork.
//
// Models mm/mmap.c and mm/vma.c (VMA placement and splitting), mm/madvise.c
// (MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_PAGEOUT, MADV_DONTNEED) and
// kernel/fork.c dup_mmap() (v6.15). A VMA is placed exactly where asked
// (MAP_FIXED_NOREPLACE); MAP_SHARED|MAP_ANONYMOUS creates a shmem object;
// MAP_HUGETLB needs PMD alignment. Diverges: VMAs are never merged; page
// tables are never freed; the child of fork gets no dmirror (it opens its own
// device, as hmm-tests' children do).
#include <algorithm>

#include "model/ops/kernel.h"

namespace mmcheck::model::kernel {
namespace {

bool RangeMapped(const World& w, int mm, int start, int end) {
  for (int va = start; va < end; ++va)
    if (!w.FindVma(mm, va)) return false;
  return true;
}

// Splits VMAs of `mm` so that `at` is a VMA boundary (__split_vma).
void SplitAt(World& w, int mm, int at) {
  std::vector<Vma>& vmas = w.mms[static_cast<size_t>(mm)].vmas;
  for (size_t i = 0; i < vmas.size(); ++i) {
    Vma& v = vmas[i];
    if (at <= v.start || at >= v.end) continue;
    Vma tail = v;
    tail.start = static_cast<uint8_t>(at);
    tail.pgoff = static_cast<uint8_t>(v.pgoff + (at - v.start));
    v.end = static_cast<uint8_t>(at);
    if (tail.shared) w.shmem[static_cast<size_t>(tail.shmem)].users++;
    vmas.insert(vmas.begin() + static_cast<std::ptrdiff_t>(i) + 1, tail);
    return;
  }
}

bool HugetlbMisaligned(const World& w, int mm, int start, int end) {
  int pmd = w.universe.PmdPages();
  for (int va = start; va < end; ++va) {
    const Vma* v = w.FindVma(mm, va);
    if (v && v->hugetlb && ((start % pmd) != 0 || (end % pmd) != 0)) return true;
  }
  return false;
}

}  // namespace

void split_vma_at(World& w, int mm, int at) { SplitAt(w, mm, at); }

int do_mmap(World& w, int mm, int va, int npages, int prot, int map_kind) {
  int end = va + npages;
  if (end > w.universe.pages) return kENOMEM;
  for (int p = va; p < end; ++p)
    if (w.FindVma(mm, p)) return kEEXIST;  // MAP_FIXED_NOREPLACE
  Vma v;
  v.start = static_cast<uint8_t>(va);
  v.end = static_cast<uint8_t>(end);
  v.read = prot != kProtNone;
  v.write = prot == kProtReadWrite;
  if (map_kind == kMapHugetlb) {
    int pmd = w.universe.PmdPages();
    if (va % pmd != 0 || npages % pmd != 0) return kEINVAL;
    v.hugetlb = true;
  } else if (map_kind == kMapShared) {
    v.shared = true;
    Shmem obj;
    obj.folio.assign(static_cast<size_t>(npages), -1);
    obj.logical.assign(static_cast<size_t>(npages), 0);
    obj.users = 1;
    // Reuse a dead shmem object slot so long runs stay bounded.
    int slot = -1;
    for (size_t i = 0; i < w.shmem.size(); ++i)
      if (w.shmem[i].users == 0) slot = static_cast<int>(i);
    if (slot < 0) {
      slot = static_cast<int>(w.shmem.size());
      w.shmem.push_back(std::move(obj));
    } else {
      w.shmem[static_cast<size_t>(slot)] = std::move(obj);
    }
    v.shmem = static_cast<int8_t>(slot);
  }
  std::vector<Vma>& vmas = w.mms[static_cast<size_t>(mm)].vmas;
  vmas.insert(std::upper_bound(vmas.begin(), vmas.end(), v,
                               [](const Vma& a, const Vma& b) { return a.start < b.start; }),
              v);
  for (int p = va; p < end; ++p) w.mms[static_cast<size_t>(mm)].logical[static_cast<size_t>(p)] = 0;
  return 0;
}

int do_munmap(World& w, StepResult& r, int mm, int va, int npages) {
  int end = std::min(va + npages, w.universe.pages);
  if (HugetlbMisaligned(w, mm, va, end)) return kEINVAL;
  SplitAt(w, mm, va);
  SplitAt(w, mm, end);
  zap_page_range(w, r, mm, va, end, NotifyEvent::kUnmap);
  std::vector<Vma>& vmas = w.mms[static_cast<size_t>(mm)].vmas;
  for (size_t i = 0; i < vmas.size();) {
    if (vmas[i].start >= va && vmas[i].end <= end) {
      if (vmas[i].shared) {
        Shmem& obj = w.shmem[static_cast<size_t>(vmas[i].shmem)];
        if (--obj.users == 0) {
          // Last user: the shmem object is truncated and its pages freed.
          for (int16_t& h : obj.folio)
            if (h >= 0) {
              int head = h;
              for (int16_t& other : obj.folio)
                if (other == head) other = -1;
              w.Folio(head).shmem = -1;
              folio_put(w, r, head);
            }
          obj = Shmem{};
        }
      }
      vmas.erase(vmas.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
  for (int p = va; p < end; ++p) w.mms[static_cast<size_t>(mm)].logical[static_cast<size_t>(p)] = 0;
  return 0;
}

int do_mprotect(World& w, StepResult& r, int mm, int va, int npages, int prot) {
  int end = va + npages;
  if (end > w.universe.pages || !RangeMapped(w, mm, va, end)) return kENOMEM;
  if (HugetlbMisaligned(w, mm, va, end)) return kEINVAL;
  SplitAt(w, mm, va);
  SplitAt(w, mm, end);
  bool write = prot == kProtReadWrite;
  for (Vma& v : w.mms[static_cast<size_t>(mm)].vmas)
    if (v.start >= va && v.end <= end) {
      v.read = prot != kProtNone;
      v.write = write;
    }
  change_protection(w, r, mm, va, end, write);
  return 0;
}

int do_madvise(World& w, StepResult& r, int mm, int va, int npages, int advice) {
  int end = va + npages;
  if (end > w.universe.pages || !RangeMapped(w, mm, va, end)) return kENOMEM;
  switch (advice) {
    case kAdviceHugepage:
    case kAdviceNohugepage:
      SplitAt(w, mm, va);
      SplitAt(w, mm, end);
      for (Vma& v : w.mms[static_cast<size_t>(mm)].vmas)
        if (v.start >= va && v.end <= end && !v.hugetlb) {
          v.hugepage = advice == kAdviceHugepage;
          v.nohugepage = advice == kAdviceNohugepage;
        }
      return 0;
    case kAdviceDontneed:
      if (HugetlbMisaligned(w, mm, va, end)) return kEINVAL;
      zap_page_range(w, r, mm, va, end, NotifyEvent::kClear);
      for (int p = va; p < end; ++p) {
        const Vma* v = w.FindVma(mm, p);
        if (!v->shared) w.mms[static_cast<size_t>(mm)].logical[static_cast<size_t>(p)] = 0;
      }
      return 0;
    case kAdvicePageout: {
      // madvise_cold_or_pageout_pte_range(): present PTEs only (device-
      // exclusive entries are skipped), not the zero page, not folios that
      // may be mapped by another mm; a large folio only when the range covers
      // it all (the kernel would try to split it).
      std::vector<int> heads;
      for (int p = va; p < end; ++p) {
        const Vma* v = w.FindVma(mm, p);
        if (v->hugetlb || v->shared) continue;
        const Pmd& pmd = w.PmdOf(mm, p);
        const Pte& pte = w.mms[static_cast<size_t>(mm)].ptes[static_cast<size_t>(p)];
        if (pmd.kind != PmdKind::kHuge && (pte.kind != PteKind::kPresent || pte.special)) continue;
        int frame = w.MappedFrame(mm, p);
        int head = frame < 0 ? -1 : w.pages[static_cast<size_t>(frame)].head;
        if (head < 0) continue;  // vm_normal_page() == NULL
        if (std::find(heads.begin(), heads.end(), head) == heads.end()) heads.push_back(head);
      }
      for (int head : heads) {
        if (w.pages[static_cast<size_t>(head)].head != head) continue;  // freed meanwhile
        int nr = w.NrPages(head);
        // Mapped by this mm only, and entirely inside the range.
        bool ok = true;
        for (int m = 0; m < static_cast<int>(w.mms.size()) && ok; ++m) {
          if (!w.mms[static_cast<size_t>(m)].exists) continue;
          for (int p = 0; p < w.universe.pages && ok; ++p) {
            int fr = w.MappedFrame(m, p);
            if (fr < 0 || w.pages[static_cast<size_t>(fr)].head != head) continue;
            if (m != mm || p < va || p >= end) ok = false;
          }
        }
        if (ok && (nr == 1 || w.FolioMapcount(head) > 0)) shrink_folio(w, r, head, true);
      }
      return 0;
    }
    case kAdviceFree:
      return madvise_free(w, r, mm, va, end);
  }
  return kEINVAL;
}

int dup_mmap(World& w, StepResult& r, int mm) {
  int child = -1;
  for (int m = 0; m < static_cast<int>(w.mms.size()); ++m)
    if (!w.mms[static_cast<size_t>(m)].exists) {
      child = m;
      break;
    }
  if (child < 0) return -kEAGAIN;  // no mm left in the universe (RLIMIT_NPROC-like)
  Mm& c = w.mms[static_cast<size_t>(child)];
  c = Mm{};
  c.exists = true;
  c.pmds.resize(static_cast<size_t>(w.universe.PmdsPerMm()));
  c.ptes.resize(static_cast<size_t>(w.universe.pages));
  c.logical = w.mms[static_cast<size_t>(mm)].logical;
  c.vmas = w.mms[static_cast<size_t>(mm)].vmas;
  for (const Vma& v : c.vmas)
    if (v.shared) w.shmem[static_cast<size_t>(v.shmem)].users++;
  std::vector<Vma> vmas = c.vmas;
  for (const Vma& v : vmas) {
    int err = copy_page_range(w, r, child, mm, v);
    if (err) {
      // copy_pmd_range() turns the failure into -ENOMEM; the half-built
      // child is torn down (exit_mmap).
      do_munmap(w, r, child, 0, w.universe.pages);
      w.mms[static_cast<size_t>(child)] = Mm{};
      w.mms[static_cast<size_t>(child)].pmds.resize(static_cast<size_t>(w.universe.PmdsPerMm()));
      w.mms[static_cast<size_t>(child)].ptes.resize(static_cast<size_t>(w.universe.pages));
      w.mms[static_cast<size_t>(child)].logical.assign(static_cast<size_t>(w.universe.pages), 0);
      return -kENOMEM;
    }
  }
  return child;
}

}  // namespace mmcheck::model::kernel
