// SPDX-License-Identifier: GPL-2.0
// Internal API of the model's kernel functions, one section per kernel
// source file (model/ops/<file>.cpp mirrors mm/<file>.c). Functions carry
// the names of the kernel functions they model; each definition says which
// kernel file and version it follows and where it knowingly diverges.
//
// Conventions: `w` is the world, `r` collects the step's events. Frames are
// indices into World::pages; a folio is named by its head frame.
#pragma once

#include <vector>

#include "model/step.h"
#include "model/world.h"

namespace mmcheck::model::kernel {

// errno values as the kernel returns them (negated by callers).
enum Errno : int {
  kEPERM = 1,
  kENOENT = 2,
  kEIO = 5,
  kEAGAIN = 11,
  kENOMEM = 12,
  kEFAULT = 14,
  kEBUSY = 16,
  kEEXIST = 17,
  kEINVAL = 22,
  kEOPNOTSUPP = 95,
};

// MMU notifier events (include/linux/mmu_notifier.h).
enum class NotifyEvent : uint8_t {
  kUnmap,
  kClear,
  kProtectionVma,
  kProtectionPage,
  kMigrate,
  kExclusive,
};

// Result of a fault (the vm_fault_t bits the model distinguishes).
enum class VmFault : uint8_t {
  kOk,  // handled; the access can retry and hit
  kSigsegv,
  kSigbus,
  kOom,      // VM_FAULT_OOM: no free folio
  kBlocked,  // would sleep on a folio lock held by another thread
};

// x86-64: pte_pfn() of a non-present (swap-format) PTE whose generic swap
// offset is `offset`. The arch stores the offset inverted from bit 9
// (SWP_OFFSET_FIRST_BIT, arch/x86/include/asm/pgtable_64.h __swp_entry) and
// pte_pfn() re-inverts non-present values (protnone_mask) and reads bits
// 12..51 (arch/x86/include/asm/pgtable.h), giving offset >> 3.
inline uint32_t PtePfnOfNonPresent(uint32_t offset) {
  return offset >> 3;
}

// ---- folio lifetime (mm/page_alloc.c, mm/swap.c) ----
// Allocates a folio of `order` at the lowest free naturally aligned frames:
// refcount 1, mapcounts -1, content 0 (__GFP_ZERO). Returns -1 if none.
int folio_alloc(World& w, int order);
// Whether folio_alloc(w, order) would succeed.
bool CanAllocFolio(const World& w, int order);
void folio_get(World& w, int head, int n = 1);
// Drops `n` references; frees the folio at 0 (clears AnonExclusive).
void folio_put(World& w, StepResult& r, int head, int n = 1);

// ---- mm/rmap.c ----
void folio_add_new_anon_rmap_pte(World& w, int head);  // order 0 or PTE-mapped
void folio_add_new_anon_rmap_pmd(World& w, int head);
void folio_add_anon_rmap_pte(World& w, int head, int frame, bool exclusive);
void folio_add_file_rmap_pte(World& w, int head, int frame);
void folio_add_rmap_pmd(World& w, int head);
void folio_remove_rmap_pte(World& w, StepResult& r, int head, int frame);
void folio_remove_rmap_pmd(World& w, int head);
// fork: mapcount +1, clears AnonExclusive (pins are not modelled, so never -EBUSY).
void folio_try_dup_anon_rmap_pte(World& w, int head, int frame);
void folio_try_dup_anon_rmap_pmd(World& w, int head);

struct ExclusiveResult {
  int err = 0;    // 0 or a positive errno
  int head = -1;  // the folio, locked and referenced on success
  bool blocked = false;
};
// make_device_exclusive() (hildenbrand-v2 03/17+), per the make_exclusive_* knobs.
ExclusiveResult make_device_exclusive(World& w, StepResult& r, int mm, int va);
// make_device_exclusive_range() (v6.14): returns the page frame made
// exclusive per address (-1 where the page was dropped); each returned page
// holds the GUP reference for the caller. `err` is set when GUP failed on the
// first page.
std::vector<int> make_device_exclusive_range(World& w, StepResult& r, int mm, int start, int npages,
                                             int& err);
// folio_make_device_exclusive() (v6.14, v1/v2 03): rmap walk converting
// every PTE of the folio; true iff (mm, va) was writable and the folio ended
// unmapped. The caller holds the folio lock and a reference.
bool folio_make_device_exclusive(World& w, StepResult& r, int head, int mm, int va);
// try_to_unmap(folio, TTU_...) for reclaim. Returns whether the walk ran.
void try_to_unmap(World& w, StepResult& r, int head, const std::vector<int>& swap_slots);
// try_to_migrate(folio, flags). Returns nothing; callers test folio_mapped().
void try_to_migrate(World& w, StepResult& r, int head);
// folio_referenced(): number of young references found (and cleared).
int folio_referenced(World& w, StepResult& r, int head);
// folio_mkclean(): page_vma_mkclean_one over every mapping of the folio.
int folio_mkclean(World& w, StepResult& r, int head);

// ---- mm/page_vma_mapped.c ----
inline constexpr unsigned kPvmwSync = 1u << 0;
inline constexpr unsigned kPvmwMigration = 1u << 1;
struct PageVmaMappedWalk {
  uint32_t pfn = 0;  // first PFN (or device-private offset) of the range looked for
  int nr_pages = 1;
  unsigned flags = 0;  // PVMW_SYNC, PVMW_MIGRATION, niethe v3+: PVMW_DEVICE_PRIVATE
  // pvmw->pfn as the profile's kernel encodes it (pvmw_device_private knob,
  // model/kernel/pvmw_encoding.h): the raw number, or niethe v2's
  // number << PVMW_PFN_SHIFT | PVMW_PFN_DEVICE_PRIVATE.
  uint64_t walk_pfn = 0;
  int mm = 0;
  int address = -1;  // current page; -1 before the first call
  int end = 0;       // vma_address_end (exclusive)
  bool pmd = false;  // hit is a huge PMD (address = PMD start)
};
// Starts a walk of folio `head` (or of a PFN range) in VMA `v` of `mm`.
PageVmaMappedWalk StartWalk(const World& w, uint32_t pfn, int nr_pages, unsigned flags, int mm,
                            const Vma& v);
// DEFINE_FOLIO_VMA_WALK(pvmw, folio, vma, 0, flags): the walk for folio
// `head`, RAM or device-private, encoded per the pvmw_device_private knob
// (folio_page_vma_walk_pfn() and page_vma_walk_flags(), niethe v3-v6 05/13).
PageVmaMappedWalk StartFolioWalk(const World& w, int head, unsigned flags, int mm, const Vma& v);
// pvmw.flags after try_to_unmap_one()/try_to_migrate_one() handle TTU_SYNC
// for folio `head` (knob ttu_sync_flags: `= PVMW_SYNC` overwrites
// PVMW_DEVICE_PRIVATE, `= page_vma_walk_flags(folio, PVMW_SYNC)` keeps it).
unsigned TtuSyncFlags(const World& w, int head);
// Whether the profile's walk looks for device-private entries only
// (the kind test of check_pte, niethe), i.e. pvmw_device_private != none.
bool PvmwHasKind(const World& w);
// page_vma_mapped_walk(): advances to the next entry mapping the range.
bool page_vma_mapped_walk(const World& w, PageVmaMappedWalk& pvmw);
// Whether walk hit `pvmw` is a device-private PMD, which the model's rmap
// callers do not operate on (they skip it). A hit in PVMW_MIGRATION mode or
// on a PMD that does not map folio `head` is the bug 13 walk (the caller
// would treat it as its own mapping or migration entry): reported as memory
// corruption in `r`.
bool DevicePrivatePmdHit(const World& w, StepResult& r, const PageVmaMappedWalk& pvmw, int head,
                         const char* walker);
// check_pte() on entry `pte` covering `pte_nr` pages.
bool check_pte(const World& w, const PageVmaMappedWalk& pvmw, const Pte& pte, int pte_nr);
// Visits every (mm, VMA) pair: the model's rmap_walk over anon_vma chains
// and i_mmap is "every VMA of every mm" (see LIMITATIONS).
template <typename Fn>
void ForEachVma(const World& w, Fn&& fn) {
  for (int mm = 0; mm < static_cast<int>(w.mms.size()); ++mm) {
    if (!w.mms[mm].exists) continue;
    for (size_t i = 0; i < w.mms[mm].vmas.size(); ++i) fn(mm, w.mms[mm].vmas[i]);
  }
}

// The PTE slot of (mm, va) in the model's page tables.
inline Pte& PteAt(World& w, int mm, int va) {
  return w.MmAt(mm).PteAt(va);
}

// ---- mm/memremap.c ----
// zone_device_page_init() (v6.15; zone_device_folio_init(folio, 0) in
// balbir-v6): takes a pgmap reference, refcount 1. Returns the frame.
void zone_device_page_init(World& w, int frame);
// zone_device_folio_init(folio, order) (balbir v6; per the
// zone_device_folio_init knob): 1 << order pgmap refs, refcount 1.
void zone_device_folio_init(World& w, int frame, int order);
// folio_nr_pages() of device folio `head` as free_zone_device_folio() sees
// it (1 for an order-1 folio whose prep_compound_page was skipped).
int ZoneDeviceFolioNrPages(const World& w, int head);
// free_zone_device_folio(): the last reference of a device folio went away.
void free_zone_device_folio(World& w, StepResult& r, int head);

// ---- mm/migrate_device.c (with lib/test_hmm.c's dmirror callers) ----
// Whether `head` is a device-private folio (folio_is_device_private).
bool folio_is_device_private(const World& w, int head);
// Whether `head` is a device-coherent folio (folio_is_device_coherent).
bool folio_is_device_coherent(const World& w, int head);
// HMM_DMIRROR_MIGRATE_TO_DEV: dmirror_migrate_to_device(). Returns 0 or a
// positive errno; `cpages` = pages readable through the mirror afterwards.
int dmirror_migrate_to_device(World& w, StepResult& r, int dev, int mm, int start, int npages,
                              int& cpages);
// HMM_DMIRROR_MIGRATE_TO_SYS: dmirror_migrate_to_system(). `cpages` =
// pages migrated.
int dmirror_migrate_to_system(World& w, StepResult& r, int dev, int mm, int start, int npages,
                              int& cpages);
// do_swap_page() on a device-private entry: pgmap->ops->migrate_to_ram()
// (dmirror_devmem_fault).
VmFault do_swap_page_device_private(World& w, StepResult& r, int mm, int va);
// do_huge_pmd_device_private(): a CPU fault on a device-private PMD.
VmFault do_huge_pmd_device_private(World& w, StepResult& r, int mm, int va);
// HMM_DMIRROR_RELEASE: dmirror_device_remove_chunks() -> dmirror_device_evict_chunk(),
// split where the driver copies (and may sleep):
// migrate_device_range() + migrate_device_unmap() leave migration entries
// (SWP_MIGRATION_DEVICE_* with niethe) and the folios locked
// (World::migrating); migrate_device_pages() + migrate_device_finalize()
// then map the new RAM pages through remove_migration_ptes().
// Returns the number of folios put in flight / finished.
int migrate_device_range_unmap(World& w, StepResult& r, int dev);
int migrate_device_finalize_evict(World& w, StepResult& r);

// ---- mm/memory.c ----
void mmu_notifier_invalidate(World& w, int mm, int start, int end, NotifyEvent ev,
                             int owner_device);
VmFault handle_mm_fault(World& w, StepResult& r, int mm, int va, bool write);
// Faults until the access hits (like a user access or GUP retry loop).
VmFault FaultIn(World& w, StepResult& r, int mm, int va, bool write);
// Whether a CPU access to (mm, va) hits without a fault.
bool AccessHits(const World& w, int mm, int va, bool write);
void zap_page_range(World& w, StepResult& r, int mm, int start, int end, NotifyEvent ev);
// copy_page_range() for one VMA at fork. Returns 0 or a positive errno.
int copy_page_range(World& w, StepResult& r, int dst_mm, int src_mm, const Vma& v);
void restore_exclusive_pte(World& w, StepResult& r, int mm, int va);
VmFault remove_device_exclusive_entry(World& w, StepResult& r, int mm, int va);
bool can_change_pte_writable(const World& w, int mm, int va, const Pte& pte);
int RssCounterOf(const World& w, int head);  // mm_counter(folio)

// ---- mm/mprotect.c ----
void change_protection(World& w, StepResult& r, int mm, int start, int end, bool write);

// ---- mm/huge_memory.c ----
void split_huge_pmd(World& w, StepResult& r, int mm, int va);
int split_folio(World& w, StepResult& r, int head);  // 0 or positive errno
// MADV_FREE on the present huge PMD at `addr` ([addr, next) advised); true
// iff the whole PMD was made lazyfree (madvise.cpp does the rest).
bool madvise_free_huge_pmd(World& w, StepResult& r, int mm, int addr, int next);
// A device-private PMD becomes device-private PTEs of the same (large) folio.
void split_device_private_pmd(World& w, StepResult& r, int mm, int va);
// A large device-private folio mapped only by PTEs becomes order-0 folios.
void split_device_private_folio(World& w, StepResult& r, int head);

// ---- mm/migrate.c ----
// migrate_pages() of one folio. Returns 0 or a positive errno; logs
// dump_page() on failure when `report_failure` (memory offline does).
int migrate_folio(World& w, StepResult& r, int head, bool report_failure);
void remove_migration_ptes(World& w, StepResult& r, int src_head, int dst_head);
// dump_page() text: "page: refcount:2 mapcount:0 mapping:... pfn:0x102".
std::string dump_page(const World& w, int head, int extra_refs, const char* reason);

// ---- mm/vmscan.c ----
// shrink_folio_list() on one folio. Records a reclaim progress obligation.
void shrink_folio(World& w, StepResult& r, int head, bool ignore_references);

// ---- mm/gup.c ----
inline constexpr unsigned kFollWrite = 1u << 0;
inline constexpr unsigned kFollSplitPmd = 1u << 1;
struct GupResult {
  int err = 0;     // positive errno
  int head = -1;   // referenced folio
  int frame = -1;  // the page
  bool blocked = false;
};
GupResult get_user_page_remote(World& w, StepResult& r, int mm, int va, unsigned gup_flags);

// ---- mm/hmm.c ----
struct HmmPfn {
  uint32_t pfn = 0;
  bool write = false;
  bool device_private = false;  // HMM_PFN_DEVICE_PRIVATE (niethe) / is_device_private_page()
};
// hmm_range_fault() with HMM_PFN_REQ_FAULT (and REQ_WRITE when `write`).
// Returns 0 or a positive errno; `out` gets one entry per page.
// `owner_device` is range->dev_private_owner: that device's own
// device-private pages are returned as they are (-1: none).
int hmm_range_fault(World& w, StepResult& r, int mm, int start, int npages, bool write,
                    std::vector<HmmPfn>& out, bool& blocked, int owner_device = -1);
// One range->hmm_pfns[] output of a non-faulting walk (include/linux/hmm.h:
// HMM_PFN_VALID, HMM_PFN_WRITE, HMM_PFN_ERROR and the map order).
struct HmmSnapshotPfn {
  bool valid = false;  // HMM_PFN_VALID; `page` names the page when set
  bool error = false;  // HMM_PFN_ERROR
  HmmPfn page;
  int order = 0;  // hmm_pfn_to_map_order(): 0, or the (model's) PMD order
};
// hmm_range_fault() with default_flags = pfn_flags_mask = 0 (no
// HMM_PFN_REQ_FAULT): reads the page tables and changes nothing. `out` gets
// one entry per page. Always succeeds in the model.
void hmm_range_snapshot(const World& w, StepResult& r, int mm, int start, int npages,
                        int owner_device, std::vector<HmmSnapshotPfn>& out);

// ---- mm/mmap.c, mm/vma.c, mm/madvise.c, kernel/fork.c ----
// mmap(MAP_FIXED_NOREPLACE) of [va, va+npages). Returns 0 or positive errno.
int do_mmap(World& w, int mm, int va, int npages, int prot, int map_kind);
int do_munmap(World& w, StepResult& r, int mm, int va, int npages);
int do_mprotect(World& w, StepResult& r, int mm, int va, int npages, int prot);
int do_madvise(World& w, StepResult& r, int mm, int va, int npages, int advice);
// MADV_FREE over the mapped range [start, end) (mm/madvise.c
// madvise_free_single_vma per VMA). Returns 0 or a positive errno.
int madvise_free(World& w, StepResult& r, int mm, int start, int end);
// fork(): dup_mmap into the lowest free mm. Returns the child or -errno.
int dup_mmap(World& w, StepResult& r, int mm);
// __split_vma(): makes `at` a VMA boundary of `mm` (if a VMA spans it).
void split_vma_at(World& w, int mm, int at);
// anon_vma_prepare() (mm/rmap.c): the VMA holding `va` gets its anon_vma, the
// first time an anonymous folio is mapped there.
void anon_vma_prepare(World& w, int mm, int va);
// mremap(va, n, n, MREMAP_MAYMOVE | MREMAP_FIXED, newva) (mm/mremap.c).
// Returns 0 or a positive errno.
int do_mremap(World& w, StepResult& r, int mm, int va, int npages, int newva);

// ---- lib/test_hmm.c ----
void dmirror_interval_invalidate(World& w, int device, int mm, int start, int end, NotifyEvent ev,
                                 int owner_device);

// HMM_DMIRROR_PROT_* (lib/test_hmm_uapi.h): the per-page byte of
// HMM_DMIRROR_SNAPSHOT. DEV_COHERENT_* (0x40, 0x50) need device-coherent
// memory, which the model does not have.
enum : uint8_t {
  kDmirrorProtError = 0xFF,
  kDmirrorProtNone = 0x00,
  kDmirrorProtRead = 0x01,
  kDmirrorProtWrite = 0x02,
  kDmirrorProtPmd = 0x04,
  kDmirrorProtPud = 0x08,
  kDmirrorProtZero = 0x10,
  kDmirrorProtDevPrivateLocal = 0x20,
  kDmirrorProtDevPrivateRemote = 0x30,
  kDmirrorProtDevCoherentLocal = 0x40,
  kDmirrorProtDevCoherentRemote = 0x50,
};
// dmirror_mkentry(): the byte device `device` reports for one snapshot entry.
uint8_t dmirror_mkentry(const World& w, int device, const HmmSnapshotPfn& e);
// HMM_DMIRROR_SNAPSHOT: dmirror_snapshot(). Returns 0 or a positive errno;
// `perm` gets one byte per page, `cpages` = npages. Changes nothing.
int dmirror_snapshot(const World& w, StepResult& r, int device, int mm, int start, int npages,
                     std::vector<uint8_t>& perm, int& cpages);

}  // namespace mmcheck::model::kernel
