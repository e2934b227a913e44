// SPDX-License-Identifier: GPL-2.0
// Address-space operations: mmap, munmap, mprotect, madvise and fork.
//
// Models mm/mmap.c and mm/vma.c (VMA placement and splitting), mm/mprotect.c
// do_mprotect_pkey(), mm/madvise.c (madvise_walk_vmas; MADV_HUGEPAGE,
// MADV_NOHUGEPAGE, MADV_PAGEOUT, MADV_DONTNEED, MADV_FREE) and kernel/fork.c
// dup_mmap() (v6.15; checked against 6.12.118 by kernel/conform.sh). A VMA is
// placed exactly where asked (MAP_FIXED_NOREPLACE); MAP_SHARED|MAP_ANONYMOUS
// creates a shmem object; MAP_HUGETLB needs PMD alignment, and a hugetlb VMA
// is never split at an unaligned address (hugetlb_vm_op_split).
// Diverges: VMAs are never merged; only the one effect of merging that fork
// can see is kept, the anon_vma a merged VMA shares (MergeAnonVma), and an
// anonymous VMA's pgoff is not tracked, so a VMA moved by mremap passes its
// anon_vma on as if it could merge. Page tables are never freed; the child of
// fork gets no dmirror (it opens its own device, as hmm-tests' children do).
#include <algorithm>

#include "model/ops/kernel.h"

namespace mmcheck::model::kernel {
namespace {

// Splits VMAs of `mm` so that `at` is a VMA boundary (__split_vma).
void SplitAt(World& w, int mm, int at) {
  std::vector<Vma>& vmas = w.MmAt(mm).vmas;
  for (size_t i = 0; i < vmas.size(); ++i) {
    Vma& v = vmas[i];
    if (at <= v.start || at >= v.end) continue;
    Vma tail = v;
    tail.start = static_cast<uint8_t>(at);
    tail.pgoff = static_cast<uint8_t>(v.pgoff + (at - v.start));
    v.end = static_cast<uint8_t>(at);
    if (tail.shared) w.ShmemAt(tail.shmem).users++;
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

// hugetlb_vm_op_split() (mm/hugetlb.c, 6.12), the ->may_split of a hugetlb
// VMA: __split_vma() at an address that is not huge-page aligned is -EINVAL.
// Returns 0 after splitting `at` off, or kEINVAL with nothing changed.
int SplitAtChecked(World& w, int mm, int at) {
  const Vma* v = w.FindVma(mm, at);
  if (v && v->start != at && v->hugetlb && at % w.universe.PmdPages() != 0) return kEINVAL;
  SplitAt(w, mm, at);
  return 0;
}

// vma_modify_flags() (mm/vma.c, 6.12) of [start, end) inside one VMA: split
// at start, then at end. A failed split at end leaves the one at start done,
// as the kernel does. Returns 0 or kEINVAL.
int VmaModifySplit(World& w, int mm, int start, int end) {
  if (int err = SplitAtChecked(w, mm, start)) return err;
  return SplitAtChecked(w, mm, end);
}

// Whether the kernel merges a and b, adjacent, into one VMA (is_mergeable_vma
// with the same flags and no file: private anonymous, not hugetlb).
bool SameAnonFlags(const Vma& a, const Vma& b) {
  return !a.shared && !b.shared && !a.hugetlb && !b.hugetlb && a.read == b.read &&
         a.write == b.write && a.hugepage == b.hugepage && a.nohugepage == b.nohugepage;
}

// vma_merge_new_range() and vma_merge_existing_range() (mm/vma.c, 6.12): after
// mmap, mprotect or madvise, a private anonymous VMA with the same flags as an
// adjacent one that has its own anon_vma is merged into it and so shares that
// anon_vma (is_mergeable_anon_vma: a VMA without one merges only with a VMA
// whose anon_vma_chain is singular, i.e. not inherited through fork). The model
// keeps the VMAs apart (see the header) and passes the anon_vma bit on, which
// is what fork's vma_needs_copy() later reads.
void MergeAnonVma(World& w, int mm) {
  std::vector<Vma>& vmas = w.MmAt(mm).vmas;
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i + 1 < vmas.size(); ++i) {
      Vma& a = vmas[i];
      Vma& b = vmas[i + 1];
      if (a.end != b.start || !SameAnonFlags(a, b) || a.anon_vma == b.anon_vma) continue;
      Vma& from = a.anon_vma ? a : b;
      Vma& to = a.anon_vma ? b : a;
      if (from.anon_vma_inherited) continue;
      to.anon_vma = true;
      changed = true;
    }
  }
}

}  // namespace

void split_vma_at(World& w, int mm, int at) {
  SplitAt(w, mm, at);
}

void anon_vma_prepare(World& w, int mm, int va) {
  if (Vma* v = w.FindVma(mm, va)) v->anon_vma = true;
}

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
      w.ShmemAt(slot) = std::move(obj);
    }
    v.shmem = static_cast<int8_t>(slot);
  }
  std::vector<Vma>& vmas = w.MmAt(mm).vmas;
  vmas.insert(std::upper_bound(vmas.begin(), vmas.end(), v,
                               [](const Vma& a, const Vma& b) { return a.start < b.start; }),
              v);
  MergeAnonVma(w, mm);
  for (int p = va; p < end; ++p) w.MmAt(mm).LogicalAt(p) = 0;
  return 0;
}

int do_munmap(World& w, StepResult& r, int mm, int va, int npages) {
  int end = std::min(va + npages, w.universe.pages);
  if (HugetlbMisaligned(w, mm, va, end)) return kEINVAL;
  SplitAt(w, mm, va);
  SplitAt(w, mm, end);
  zap_page_range(w, r, mm, va, end, NotifyEvent::kUnmap);
  std::vector<Vma>& vmas = w.MmAt(mm).vmas;
  for (size_t i = 0; i < vmas.size();) {
    if (vmas[i].start >= va && vmas[i].end <= end) {
      if (vmas[i].shared) {
        Shmem& obj = w.ShmemAt(vmas[i].shmem);
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
  for (int p = va; p < end; ++p) w.MmAt(mm).LogicalAt(p) = 0;
  return 0;
}

// do_mprotect_pkey() (mm/mprotect.c, 6.12): -ENOMEM when no VMA holds `va`;
// otherwise VMA by VMA in order, each through mprotect_fixup(), until a hole
// (-ENOMEM) or an error; the VMAs before it keep their new protection.
// mprotect_fixup() leaves a VMA whose flags would not change alone: no split,
// no change_protection(), no MMU notifier.
int do_mprotect(World& w, StepResult& r, int mm, int va, int npages, int prot) {
  const int end = va + npages;
  if (!w.FindVma(mm, va)) return kENOMEM;
  const bool read = prot != kProtNone;
  const bool write = prot == kProtReadWrite;
  int err = 0;
  for (int tmp = va; tmp < end;) {
    const Vma* v = w.FindVma(mm, tmp);
    if (!v) {
      err = kENOMEM;  // vma->vm_start != tmp, or no VMA up to end
      break;
    }
    const int vend = std::min<int>(v->end, end);
    if (v->read != read || v->write != write) {
      if ((err = VmaModifySplit(w, mm, tmp, vend))) break;
      Vma* changed = w.FindVma(mm, tmp);
      changed->read = read;
      changed->write = write;
      change_protection(w, r, mm, tmp, vend, write);
    }
    tmp = vend;
  }
  MergeAnonVma(w, mm);
  return err;
}

namespace {

// madvise_pageout() of [va, end) inside one VMA that can_madv_lru_vma().
void madvise_pageout(World& w, StepResult& r, int mm, int va, int end) {
  // madvise_cold_or_pageout_pte_range(): present PTEs only (device-
  // exclusive entries are skipped), not the zero page, not folios that
  // may be mapped by another mm; a large folio only when the range covers
  // it all (the kernel would try to split it).
  std::vector<int> heads;
  for (int p = va; p < end; ++p) {
    const Vma* v = w.FindVma(mm, p);
    if (v->shared) {
      // A shmem folio (6.12: root passes can_do_file_pageout()) mapped only
      // here: shrink_folio_list() unmaps it (try_to_unmap, MMU_NOTIFY_CLEAR
      // over its page), then shmem_writepage() finds no swap device and
      // redirties it: it stays in the page cache, unmapped. With swap the
      // kernel would swap it out, which the model does not model (the data
      // and the unmapping are the same).
      const Pte& pte = w.MmAt(mm).PteAt(p);
      if (pte.kind != PteKind::kPresent || pte.special) continue;
      const int frame = w.MappedFrame(mm, p);
      const int head = frame < 0 ? -1 : w.PageAt(frame).head;
      if (head < 0 || w.FolioMapcount(head) != 1 || w.lock_thread_folio == head) continue;
      zap_page_range(w, r, mm, p, p + 1, NotifyEvent::kClear);
      continue;
    }
    if (v->hugetlb) continue;
    const Pmd& pmd = w.PmdOf(mm, p);
    const Pte& pte = w.MmAt(mm).PteAt(p);
    if (pmd.kind != PmdKind::kHuge && (pte.kind != PteKind::kPresent || pte.special)) continue;
    int frame = w.MappedFrame(mm, p);
    int head = frame < 0 ? -1 : w.PageAt(frame).head;
    if (head < 0) continue;  // vm_normal_page() == NULL
    if (std::find(heads.begin(), heads.end(), head) == heads.end()) heads.push_back(head);
  }
  for (int head : heads) {
    if (w.PageAt(head).head != head) continue;  // freed meanwhile
    int nr = w.NrPages(head);
    // Mapped by this mm only, and entirely inside the range.
    bool ok = true;
    for (int m = 0; m < static_cast<int>(w.mms.size()) && ok; ++m) {
      if (!w.MmAt(m).exists) continue;
      for (int p = 0; p < w.universe.pages && ok; ++p) {
        int fr = w.MappedFrame(m, p);
        if (fr < 0 || w.PageAt(fr).head != head) continue;
        if (m != mm || p < va || p >= end) ok = false;
      }
    }
    if (ok && (nr == 1 || w.FolioMapcount(head) > 0)) shrink_folio(w, r, head, true);
  }
}

// madvise_walk_vmas() (mm/madvise.c, 6.12): `visit(start, end)` on the part
// of each VMA inside [start, end), in order. A hole is skipped and answered
// -ENOMEM at the end; no VMA at all after `start` is -ENOMEM at once; an error
// from `visit` ends the walk (the VMAs before it stay advised).
template <typename Visit>
int madvise_walk_vmas(World& w, int mm, int start, int end, Visit visit) {
  int unmapped_error = 0;
  for (int va = start; va < end;) {
    const Vma* v = nullptr;  // find_vma(): the first VMA ending after va
    for (const Vma& x : w.MmAt(mm).vmas)
      if (x.end > va) {
        v = &x;
        break;
      }
    if (!v) return kENOMEM;
    if (va < v->start) {
      unmapped_error = kENOMEM;
      va = v->start;
      if (va >= end) break;
    }
    const int tmp = std::min<int>(v->end, end);
    if (int err = visit(va, tmp)) return err;
    va = tmp;
  }
  return unmapped_error;
}

}  // namespace

int do_madvise(World& w, StepResult& r, int mm, int va, int npages, int advice) {
  const int end = va + npages;
  int err = kEINVAL;
  switch (advice) {
    case kAdviceHugepage:
    case kAdviceNohugepage:
      // hugepage_madvise() sets the flag on any VMA, hugetlb too;
      // madvise_update_vma() leaves a VMA whose flags would not change alone,
      // else vma_modify_flags() splits it (-EINVAL for an unaligned hugetlb split).
      err = madvise_walk_vmas(w, mm, va, end, [&](int s, int e) -> int {
        const Vma* v = w.FindVma(mm, s);
        const bool huge = advice == kAdviceHugepage;
        if (v->hugepage == huge && v->nohugepage == !huge) return 0;
        if (int split = VmaModifySplit(w, mm, s, e)) return split;
        Vma* changed = w.FindVma(mm, s);
        changed->hugepage = huge;
        changed->nohugepage = !huge;
        return 0;
      });
      MergeAnonVma(w, mm);
      return err;
    case kAdviceDontneed:
      return madvise_walk_vmas(w, mm, va, end, [&](int s, int e) -> int {
        const Vma* v = w.FindVma(mm, s);
        if (v->hugetlb) {
          // madvise_dontneed_free_valid_vma(): a hugetlb start must be aligned;
          // the end is rounded down to the huge page.
          const int pmd = w.universe.PmdPages();
          if (s % pmd != 0) return kEINVAL;
          e -= e % pmd;
          if (e <= s) return 0;
        }
        const bool shared = v->shared;
        zap_page_range(w, r, mm, s, e, NotifyEvent::kClear);
        if (!shared)
          for (int p = s; p < e; ++p) w.MmAt(mm).LogicalAt(p) = 0;
        return 0;
      });
    case kAdvicePageout:
      return madvise_walk_vmas(w, mm, va, end, [&](int s, int e) -> int {
        // madvise_pageout(): can_madv_lru_vma() refuses VM_HUGETLB.
        if (w.FindVma(mm, s)->hugetlb) return kEINVAL;
        madvise_pageout(w, r, mm, s, e);
        return 0;
      });
    case kAdviceFree:
      return madvise_walk_vmas(w, mm, va, end,
                               [&](int s, int e) -> int { return madvise_free(w, r, mm, s, e); });
  }
  return err;
}

int dup_mmap(World& w, StepResult& r, int mm) {
  int child = -1;
  for (int m = 0; m < static_cast<int>(w.mms.size()); ++m)
    if (!w.MmAt(m).exists) {
      child = m;
      break;
    }
  if (child < 0) return -kEAGAIN;  // no mm left in the universe (RLIMIT_NPROC-like)
  Mm& c = w.MmAt(child);
  c = Mm{};
  c.exists = true;
  c.pmds.resize(static_cast<size_t>(w.universe.PmdsPerMm()));
  c.ptes.resize(static_cast<size_t>(w.universe.pages));
  c.logical = w.MmAt(mm).logical;
  c.vmas = w.MmAt(mm).vmas;
  for (Vma& v : c.vmas) {
    if (v.shared) w.ShmemAt(v.shmem).users++;
    // anon_vma_fork(): the child's VMA chains the parent's anon_vma and its own.
    if (v.anon_vma) v.anon_vma_inherited = true;
  }
  std::vector<Vma> vmas = c.vmas;
  for (const Vma& v : vmas) {
    int err = copy_page_range(w, r, child, mm, v);
    if (err) {
      // copy_pmd_range() turns the failure into -ENOMEM; the half-built
      // child is torn down (exit_mmap).
      do_munmap(w, r, child, 0, w.universe.pages);
      w.MmAt(child) = Mm{};
      w.MmAt(child).pmds.resize(static_cast<size_t>(w.universe.PmdsPerMm()));
      w.MmAt(child).ptes.resize(static_cast<size_t>(w.universe.pages));
      w.MmAt(child).logical.assign(static_cast<size_t>(w.universe.pages), 0);
      return -kENOMEM;
    }
  }
  return child;
}

}  // namespace mmcheck::model::kernel
