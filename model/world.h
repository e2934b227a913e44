// SPDX-License-Identifier: GPL-2.0
// The model's state ("the world"): physical pages and folios, page tables per
// mm at PMD and PTE level, VMAs, swap slots, shmem page caches, dmirror
// device page tables, and the logical memory a correct kernel would return.
//
// Physical memory is an array of page frames, like the kernel's struct page
// array: a folio of order k occupies 1 << k consecutive frames and keeps its
// folio-wide fields on the head frame. PFN = kFirstPfn + frame index. The
// mapcount fields are kept the way the kernel keeps them (-1 based), with
// CONFIG_PAGE_MAPCOUNT: small `_mapcount`, and for large folios
// `_large_mapcount`, `_entire_mapcount` and per-page `_mapcount`
// (include/linux/mm_types.h, include/linux/mm.h folio_mapcount, v6.15).
//
// Device-private memory (issue 4): the frames after the RAM frames are the
// device-private struct pages, universe.device_pages per device, each
// device's run owned by one MEMORY_DEVICE_PRIVATE dev_pagemap. How an entry
// names such a page depends on the address space (World::DeviceOffsets):
// PFN-backed (mainline: PFN = kFirstPfn + frame, right after RAM) or
// offset-based (Niethe: offset = kFirstPfn + index in the device-private
// space, numerically equal to RAM PFNs, so only the entry kind tells them
// apart). With device_pages = 0 there are no such frames and no pgmaps.
// The last universe.coherent devices are MEMORY_DEVICE_COHERENT instead
// (lib/test_hmm.c dmirror_allocate_chunk with spm_addr_dev0/1): their pages
// always have real PFNs right after RAM, are mapped by present PTEs and are
// never named by a device-private entry.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "model/fields.h"
#include "model/knobs.h"
#include "model/universe.h"

namespace mmcheck::model {

// The first PFN of the modelled RAM; PFNs below it belong to nothing.
inline constexpr uint32_t kFirstPfn = 0x100;
// The shared zero page (mm/memory.c my_zero_pfn); never a folio of ours.
inline constexpr uint32_t kZeroPfn = 0x10;

// Page-table entry kinds: none, present, and every non-present "softleaf"
// kind (include/linux/swapops.h, include/linux/leafops.h 6.19).
enum class PteKind : uint8_t {
  kNone,
  kPresent,
  kSwap,                    // type < MAX_SWAPFILES; pfn holds the slot
  kMigrationRead,           // SWP_MIGRATION_READ
  kMigrationReadExclusive,  // SWP_MIGRATION_READ_EXCLUSIVE
  kMigrationWrite,          // SWP_MIGRATION_WRITE
  kDevicePrivateRead,       // SWP_DEVICE_READ (issue 4)
  kDevicePrivateWrite,      // SWP_DEVICE_WRITE (issue 4)
  kDeviceExclusive,         // NEW: SWP_DEVICE_EXCLUSIVE (hildenbrand-v2 06/17)
  kDeviceExclusiveRead,     // OLD: SWP_DEVICE_EXCLUSIVE_READ
  kDeviceExclusiveWrite,    // OLD: SWP_DEVICE_EXCLUSIVE_WRITE
  kHwpoison,                // SWP_HWPOISON
  kMarker,                  // SWP_PTE_MARKER; pfn holds the marker bits
  // niethe v3-v6: SWP_MIGRATION_DEVICE_{READ,READ_EXCLUSIVE,WRITE}, migration
  // entries whose number is a device-private offset (a specialisation of
  // migration: softleaf_is_migration() is true for them).
  kMigrationDeviceRead,
  kMigrationDeviceReadExclusive,
  kMigrationDeviceWrite,
};
const char* PteKindName(PteKind k);

inline bool IsDeviceMigration(PteKind k) {
  return k == PteKind::kMigrationDeviceRead || k == PteKind::kMigrationDeviceReadExclusive ||
         k == PteKind::kMigrationDeviceWrite;
}
inline bool IsMigration(PteKind k) {
  return k == PteKind::kMigrationRead || k == PteKind::kMigrationReadExclusive ||
         k == PteKind::kMigrationWrite || IsDeviceMigration(k);
}
// softleaf_is_migration_read(): a READ migration entry of either type.
inline bool IsMigrationRead(PteKind k) {
  return k == PteKind::kMigrationRead || k == PteKind::kMigrationDeviceRead;
}
inline bool IsMigrationWrite(PteKind k) {
  return k == PteKind::kMigrationWrite || k == PteKind::kMigrationDeviceWrite;
}
inline bool IsDeviceExclusive(PteKind k) {
  return k == PteKind::kDeviceExclusive || k == PteKind::kDeviceExclusiveRead ||
         k == PteKind::kDeviceExclusiveWrite;
}
inline bool IsDevicePrivate(PteKind k) {
  return k == PteKind::kDevicePrivateRead || k == PteKind::kDevicePrivateWrite;
}
// softleaf_has_pfn(): migration, device-private, device-exclusive, hwpoison.
inline bool HasPfn(PteKind k) {
  return k == PteKind::kPresent || IsMigration(k) || IsDeviceExclusive(k) || IsDevicePrivate(k) ||
         k == PteKind::kHwpoison;
}

struct Pte {
  PteKind kind = PteKind::kNone;
  uint32_t pfn = 0;            // present/migration/device/hwpoison: PFN; swap: slot; marker: bits
  bool write = false;          // pte_write (present only)
  bool dirty = false;          // pte_dirty, or the migration entry's dirty bit
  bool young = false;          // pte_young, or the migration entry's young bit
  bool soft_dirty = false;     // pte_soft_dirty / pte_swp_soft_dirty
  bool uffd_wp = false;        // pte_uffd_wp / pte_swp_uffd_wp
  bool special = false;        // pte_special: the zero page
  bool swp_exclusive = false;  // pte_swp_exclusive (swap entries only)
  bool operator==(const Pte&) const = default;
  // Every field, in declaration order (model/fields.h).
  static constexpr auto Fields() {
    return std::tuple{Field{"kind", &Pte::kind},
                      Field{"pfn", &Pte::pfn},
                      Field{"write", &Pte::write},
                      Field{"dirty", &Pte::dirty},
                      Field{"young", &Pte::young},
                      Field{"soft_dirty", &Pte::soft_dirty},
                      Field{"uffd_wp", &Pte::uffd_wp},
                      Field{"special", &Pte::special},
                      Field{"swp_exclusive", &Pte::swp_exclusive}};
  }
};
static_assert(FieldsListed<Pte>(), "a field of Pte is missing from Pte::Fields()");

// A PMD: a pointer to a PTE table (the PTEs of the block are used), a
// present huge PMD mapping a PMD-sized folio (THP or hugetlb), or (balbir's
// large device-private folios) a device-private PMD entry,
// swp_entry_to_pmd(make_{readable,writable}_device_private_entry()): a
// non-present PMD mapping a PMD-sized device-private folio, SWP_DEVICE_WRITE
// iff `write` (include/linux/swapops.h @ 1df1ca75bc01 pmd_is_device_private_entry;
// there are no device-exclusive PMDs: make_device_exclusive() passes
// FOLL_SPLIT_PMD).
enum class PmdKind : uint8_t { kTable, kHuge, kDevicePrivate };
struct Pmd {
  PmdKind kind = PmdKind::kTable;
  uint32_t pfn = 0;  // kHuge: head PFN; kDevicePrivate: the head's device-private number
  bool write = false, dirty = false, young = false;
  bool operator==(const Pmd&) const = default;
  // Every field, in declaration order (model/fields.h).
  static constexpr auto Fields() {
    return std::tuple{Field{"kind", &Pmd::kind}, Field{"pfn", &Pmd::pfn},
                      Field{"write", &Pmd::write}, Field{"dirty", &Pmd::dirty},
                      Field{"young", &Pmd::young}};
  }
};
static_assert(FieldsListed<Pmd>(), "a field of Pmd is missing from Pmd::Fields()");

enum : uint8_t { kProtNone = 0, kProtRead = 1, kProtReadWrite = 2 };
enum : uint8_t { kMapPrivate = 0, kMapShared = 1, kMapHugetlb = 2 };
// madvise() advice, as the madvise op takes it (model/operations.h ArgKind::kAdvice).
enum : uint8_t { kAdviceHugepage, kAdviceNohugepage, kAdvicePageout, kAdviceDontneed, kAdviceFree };

struct Vma {
  uint8_t start = 0, end = 0;  // [start, end) in pages
  bool read = false, write = false;
  bool shared = false;              // MAP_SHARED|MAP_ANONYMOUS: shmem-backed, folios not anon
  bool hugetlb = false;             // MAP_HUGETLB, private: anon hugetlb folios mapped by PMDs
  bool hugepage = false;            // MADV_HUGEPAGE (VM_HUGEPAGE)
  bool nohugepage = false;          // MADV_NOHUGEPAGE (VM_NOHUGEPAGE)
  bool anon_vma = false;            // vma->anon_vma set: anon_vma_prepare() ran, or inherited
  bool anon_vma_inherited = false;  // anon_vma_fork(): the anon_vma_chain is not singular
  int8_t shmem = -1;                // shared: the shmem object; index = pgoff + (va - start)
  uint8_t pgoff = 0;
  bool operator==(const Vma&) const = default;
  // Every field, in declaration order (model/fields.h).
  static constexpr auto Fields() {
    return std::tuple{
        Field{"start", &Vma::start},       Field{"end", &Vma::end},
        Field{"read", &Vma::read},         Field{"write", &Vma::write},
        Field{"shared", &Vma::shared},     Field{"hugetlb", &Vma::hugetlb},
        Field{"hugepage", &Vma::hugepage}, Field{"nohugepage", &Vma::nohugepage},
        Field{"anon_vma", &Vma::anon_vma}, Field{"anon_vma_inherited", &Vma::anon_vma_inherited},
        Field{"shmem", &Vma::shmem},       Field{"pgoff", &Vma::pgoff}};
  }
};
static_assert(FieldsListed<Vma>(), "a field of Vma is missing from Vma::Fields()");

// mm counters (include/linux/mm_types_task.h NR_MM_COUNTERS order).
enum RssCounter : uint8_t { kMmFilePages, kMmAnonPages, kMmSwapEnts, kMmShmemPages, kNrRss };

struct Mm {
  bool exists = false;
  std::vector<Vma> vmas;              // sorted, non-overlapping
  std::vector<Pmd> pmds;              // universe.PmdsPerMm()
  std::vector<Pte> ptes;              // universe.pages
  std::array<int16_t, kNrRss> rss{};  // percpu counters, summed
  std::vector<uint8_t> logical;       // what a correct kernel returns per private page
  // Element access by the model's int indices.
  Pte& PteAt(int va) { return ptes[static_cast<size_t>(va)]; }
  const Pte& PteAt(int va) const { return ptes[static_cast<size_t>(va)]; }
  Pmd& PmdAt(int index) { return pmds[static_cast<size_t>(index)]; }
  const Pmd& PmdAt(int index) const { return pmds[static_cast<size_t>(index)]; }
  uint8_t& LogicalAt(int va) { return logical[static_cast<size_t>(va)]; }
  uint8_t LogicalAt(int va) const { return logical[static_cast<size_t>(va)]; }
  bool operator==(const Mm&) const = default;
  // Every field, in declaration order (model/fields.h).
  static constexpr auto Fields() {
    return std::tuple{Field{"exists", &Mm::exists}, Field{"vmas", &Mm::vmas},
                      Field{"pmds", &Mm::pmds},     Field{"ptes", &Mm::ptes},
                      Field{"rss", &Mm::rss},       Field{"logical", &Mm::logical}};
  }
};
static_assert(FieldsListed<Mm>(), "a field of Mm is missing from Mm::Fields()");

// One page frame (struct page). Folio-wide fields are meaningful on the head.
struct Page {
  int16_t head = -1;  // frame index of the folio head; -1 = free frame
  // --- folio fields (head frame) ---
  uint8_t order = 0;
  int16_t refcount = 0;          // _refcount
  int16_t large_mapcount = -1;   // _large_mapcount (large folios)
  int16_t entire_mapcount = -1;  // _entire_mapcount (large folios)
  bool anon = false;             // FOLIO_MAPPING_ANON
  bool hugetlb = false;
  bool dirty = false;       // PG_dirty
  bool swapbacked = false;  // PG_swapbacked
  bool lru = false;         // on an LRU list
  bool locked = false;      // PG_locked (held across steps only by the lock thread)
  int8_t shmem = -1;        // page cache owner (shmem object), -1 if none
  uint8_t index = 0;        // page cache index of the head
  // --- per-page fields ---
  int16_t mapcount = -1;        // page->_mapcount (PTE mappings of this page)
  bool anon_exclusive = false;  // PG_anon_exclusive
  uint8_t data = 0;             // the abstract content of the page
  bool operator==(const Page&) const = default;
  // Every field, in declaration order (model/fields.h).
  static constexpr auto Fields() {
    return std::tuple{Field{"head", &Page::head},
                      Field{"order", &Page::order},
                      Field{"refcount", &Page::refcount},
                      Field{"large_mapcount", &Page::large_mapcount},
                      Field{"entire_mapcount", &Page::entire_mapcount},
                      Field{"anon", &Page::anon},
                      Field{"hugetlb", &Page::hugetlb},
                      Field{"dirty", &Page::dirty},
                      Field{"swapbacked", &Page::swapbacked},
                      Field{"lru", &Page::lru},
                      Field{"locked", &Page::locked},
                      Field{"shmem", &Page::shmem},
                      Field{"index", &Page::index},
                      Field{"mapcount", &Page::mapcount},
                      Field{"anon_exclusive", &Page::anon_exclusive},
                      Field{"data", &Page::data}};
  }
};
static_assert(FieldsListed<Page>(), "a field of Page is missing from Page::Fields()");

struct SwapSlot {
  int16_t count = 0;  // swap_map count; in use iff > 0
  uint8_t data = 0;   // content written by pageout
  bool operator==(const SwapSlot&) const = default;
  // Every field, in declaration order (model/fields.h).
  static constexpr auto Fields() {
    return std::tuple{Field{"count", &SwapSlot::count}, Field{"data", &SwapSlot::data}};
  }
};
static_assert(FieldsListed<SwapSlot>(), "a field of SwapSlot is missing from SwapSlot::Fields()");

// A shmem object backing a MAP_SHARED|MAP_ANONYMOUS mapping.
struct Shmem {
  std::vector<int16_t> folio;    // page cache: index -> head frame, -1 if none
  std::vector<uint8_t> logical;  // the content a correct kernel returns per index
  int16_t users = 0;             // VMAs referring to it
  // Element access by page-cache index.
  int16_t& FolioAt(int index) { return folio[static_cast<size_t>(index)]; }
  int FolioAt(int index) const { return folio[static_cast<size_t>(index)]; }
  uint8_t& LogicalAt(int index) { return logical[static_cast<size_t>(index)]; }
  uint8_t LogicalAt(int index) const { return logical[static_cast<size_t>(index)]; }
  bool operator==(const Shmem&) const = default;
  // Every field, in declaration order (model/fields.h).
  static constexpr auto Fields() {
    return std::tuple{Field{"folio", &Shmem::folio}, Field{"logical", &Shmem::logical},
                      Field{"users", &Shmem::users}};
  }
};
static_assert(FieldsListed<Shmem>(), "a field of Shmem is missing from Shmem::Fields()");

// dmirror device page table entry (lib/test_hmm.c xarray, tags).
enum : uint8_t { kMirrorNone = 0, kMirrorRead = 1, kMirrorWrite = 2, kMirrorAtomic = 3 };
struct MirrorEntry {
  uint8_t perm = kMirrorNone;
  uint32_t pfn = 0;  // the page the device accesses
  // pfn is a device-private page's number (its PFN or, offset-based, its
  // offset): HMM_PFN_DEVICE_PRIVATE / is_device_private_page() said so.
  bool device_private = false;
  bool operator==(const MirrorEntry&) const = default;
  // Every field, in declaration order (model/fields.h).
  static constexpr auto Fields() {
    return std::tuple{Field{"perm", &MirrorEntry::perm}, Field{"pfn", &MirrorEntry::pfn},
                      Field{"device_private", &MirrorEntry::device_private}};
  }
};
static_assert(FieldsListed<MirrorEntry>(),
              "a field of MirrorEntry is missing from MirrorEntry::Fields()");
struct Device {
  std::vector<MirrorEntry> mirror;  // [mm * pages + va]
  MirrorEntry& MirrorAt(int index) { return mirror[static_cast<size_t>(index)]; }
  const MirrorEntry& MirrorAt(int index) const { return mirror[static_cast<size_t>(index)]; }
  bool operator==(const Device&) const = default;
  // Every field, in declaration order (model/fields.h).
  static constexpr auto Fields() { return std::tuple{Field{"mirror", &Device::mirror}}; }
};
static_assert(FieldsListed<Device>(), "a field of Device is missing from Device::Fields()");

// struct dev_pagemap (include/linux/memremap.h, linux-mm 7.x @ 5885d9aa9013).
enum class PgmapType : uint8_t { kPrivate = 1, kCoherent = 2 };  // MEMORY_DEVICE_*
struct DevPagemap {
  PgmapType type = PgmapType::kPrivate;
  int8_t owner = 0;         // pgmap->owner: the dmirror device
  int16_t ref = 0;          // percpu_ref pgmap->ref, as a count of outstanding gets
  int16_t first_frame = 0;  // its struct pages: frames [first_frame, first_frame + nr_pages)
  int16_t nr_pages = 0;
  uint32_t range_start = 0;  // first PFN (PFN-backed) or first offset (offset-based)
  bool operator==(const DevPagemap&) const = default;
  // Every field, in declaration order (model/fields.h).
  static constexpr auto Fields() {
    return std::tuple{
        Field{"type", &DevPagemap::type},         Field{"owner", &DevPagemap::owner},
        Field{"ref", &DevPagemap::ref},           Field{"first_frame", &DevPagemap::first_frame},
        Field{"nr_pages", &DevPagemap::nr_pages}, Field{"range_start", &DevPagemap::range_start}};
  }
};
static_assert(FieldsListed<DevPagemap>(),
              "a field of DevPagemap is missing from DevPagemap::Fields()");

struct World {
  Universe universe;
  Knobs knobs;
  std::vector<Mm> mms;
  std::vector<Page> pages;  // universe.folios * PmdPages() frames
  std::vector<SwapSlot> swap;
  std::vector<Shmem> shmem;
  std::vector<Device> devices;
  std::vector<DevPagemap> pgmaps;  // one per device when universe.device_pages > 0
  // Device folios whose eviction (migrate_device_range) is in flight: locked
  // by the migrating thread, holding its collect reference, their mappings
  // replaced by migration entries until dev_evict_end.
  std::vector<int16_t> migrating;
  int16_t lock_thread_folio = -1;  // head frame held (locked + 1 ref) by another thread

  // The initial state: mm0 exists with no VMAs; everything else empty.
  static World Initial(const Universe& u, const Knobs& k);

  // --- element access by the model's int indices ---
  Mm& MmAt(int mm) { return mms[static_cast<size_t>(mm)]; }
  const Mm& MmAt(int mm) const { return mms[static_cast<size_t>(mm)]; }
  Page& PageAt(int frame) { return pages[static_cast<size_t>(frame)]; }
  const Page& PageAt(int frame) const { return pages[static_cast<size_t>(frame)]; }
  SwapSlot& SlotAt(int slot) { return swap[static_cast<size_t>(slot)]; }
  const SwapSlot& SlotAt(int slot) const { return swap[static_cast<size_t>(slot)]; }
  Shmem& ShmemAt(int index) { return shmem[static_cast<size_t>(index)]; }
  const Shmem& ShmemAt(int index) const { return shmem[static_cast<size_t>(index)]; }
  Device& DeviceAt(int dev) { return devices[static_cast<size_t>(dev)]; }
  const Device& DeviceAt(int dev) const { return devices[static_cast<size_t>(dev)]; }
  DevPagemap& PgmapAt(int pgmap) { return pgmaps[static_cast<size_t>(pgmap)]; }
  const DevPagemap& PgmapAt(int pgmap) const { return pgmaps[static_cast<size_t>(pgmap)]; }

  // --- lookups ---
  uint32_t PfnOf(int frame) const { return kFirstPfn + static_cast<uint32_t>(frame); }
  // Frame index of `pfn` (pfn_to_page), or -1 when no struct page has that
  // PFN: RAM, device-coherent pages, and device-private pages when they
  // are PFN-backed.
  int FrameOf(uint32_t pfn) const;
  // --- device-private memory ---
  int RamFrames() const { return universe.folios * universe.PmdPages(); }
  // A ZONE_DEVICE frame (is_zone_device_page): private or coherent.
  bool IsDeviceFrame(int frame) const { return frame >= RamFrames(); }
  // is_device_private_page() / is_device_coherent_page(): by the owning
  // pgmap's type.
  bool IsDevicePrivateFrame(int frame) const {
    return IsDeviceFrame(frame) && !universe.DeviceCoherent(PgmapOf(frame));
  }
  bool IsDeviceCoherentFrame(int frame) const {
    return IsDeviceFrame(frame) && universe.DeviceCoherent(PgmapOf(frame));
  }
  // The pgmap (= device) owning a device frame.
  int PgmapOf(int frame) const {
    return (frame - RamFrames()) / (universe.device_pages > 0 ? universe.device_pages : 1);
  }
  // Device-private pages are named by offsets (knobs: DevicePrivateOffsets).
  bool DeviceOffsets() const { return universe.device_pages > 0 && DevicePrivateOffsets(knobs); }
  // The number a device-private entry carries for device frame `frame`:
  // page_to_pfn(), or device_private_page_to_offset() (niethe).
  uint32_t DevicePrivateNumber(int frame) const;
  // The device frame a device-private entry number names (pfn_to_page, or
  // device_private_offset_to_page()), or -1.
  int DevicePrivateFrame(uint32_t number) const;
  // The frame an entry resolves to, dispatching on its kind like
  // softleaf_to_page(): device-private and device-migration kinds through DevicePrivateFrame,
  // everything else (present, migration, exclusive, hwpoison) through FrameOf.
  int EntryFrame(const Pte& pte) const;
  // The frame a device mirror entry names, or -1.
  int MirrorFrame(const MirrorEntry& e) const;
  // The number an entry of kind `kind` carries for frame `frame`.
  uint32_t EntryNumber(int frame, PteKind kind) const;
  // Head frame of the folio containing `pfn`, or -1 (free frame or not RAM).
  int FolioOf(uint32_t pfn) const;
  int NrPages(int head) const { return 1 << PageAt(head).order; }
  Page& Folio(int head) { return PageAt(head); }
  const Page& Folio(int head) const { return PageAt(head); }
  // folio_mapcount(): small _mapcount + 1, large _large_mapcount + 1.
  int FolioMapcount(int head) const;
  const Vma* FindVma(int mm, int va) const;
  Vma* FindVma(int mm, int va);
  int PmdIndex(int va) const { return va >> universe.pmd_order; }
  const Pmd& PmdOf(int mm, int va) const { return MmAt(mm).PmdAt(PmdIndex(va)); }
  // Head frame of the folio a device-private PMD names, or -1.
  int DevicePrivatePmdFolio(const Pmd& pmd) const;
  // The frame an entry at (mm, va) maps or references (present PTE or huge
  // PMD, device-private PMD, device-exclusive, device-private, migration), or -1.
  int MappedFrame(int mm, int va) const;
  // The logical content of (mm, va): private pages per mm, shared per shmem.
  uint8_t Logical(int mm, int va) const;
  void SetLogical(int mm, int va, uint8_t v);

  bool operator==(const World&) const = default;
  // Every field, in declaration order (model/fields.h).
  static constexpr auto Fields() {
    return std::tuple{Field{"universe", &World::universe},
                      Field{"knobs", &World::knobs},
                      Field{"mms", &World::mms},
                      Field{"pages", &World::pages},
                      Field{"swap", &World::swap},
                      Field{"shmem", &World::shmem},
                      Field{"devices", &World::devices},
                      Field{"pgmaps", &World::pgmaps},
                      Field{"migrating", &World::migrating},
                      Field{"lock_thread_folio", &World::lock_thread_folio}};
  }
};
static_assert(FieldsListed<World>(), "a field of World is missing from World::Fields()");

}  // namespace mmcheck::model
