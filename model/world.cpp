// SPDX-License-Identifier: GPL-2.0
#include "model/world.h"

namespace mmcheck::model {

const char* PteKindName(PteKind k) {
  switch (k) {
    case PteKind::kNone:
      return "none";
    case PteKind::kPresent:
      return "present";
    case PteKind::kSwap:
      return "swap";
    case PteKind::kMigrationRead:
      return "migration-read";
    case PteKind::kMigrationReadExclusive:
      return "migration-read-exclusive";
    case PteKind::kMigrationWrite:
      return "migration-write";
    case PteKind::kDevicePrivateRead:
      return "device-private-read";
    case PteKind::kDevicePrivateWrite:
      return "device-private-write";
    case PteKind::kDeviceExclusive:
      return "device-exclusive";
    case PteKind::kDeviceExclusiveRead:
      return "device-exclusive-read";
    case PteKind::kDeviceExclusiveWrite:
      return "device-exclusive-write";
    case PteKind::kHwpoison:
      return "hwpoison";
    case PteKind::kMarker:
      return "marker";
    case PteKind::kMigrationDeviceRead:
      return "migration-device-read";
    case PteKind::kMigrationDeviceReadExclusive:
      return "migration-device-read-exclusive";
    case PteKind::kMigrationDeviceWrite:
      return "migration-device-write";
  }
  return "?";
}

World World::Initial(const Universe& u, const Knobs& k) {
  World w;
  w.universe = u;
  w.knobs = k;
  w.mms.resize(static_cast<size_t>(u.mms));
  for (Mm& mm : w.mms) {
    mm.pmds.resize(static_cast<size_t>(u.PmdsPerMm()));
    mm.ptes.resize(static_cast<size_t>(u.pages));
    mm.logical.assign(static_cast<size_t>(u.pages), 0);
  }
  w.mms[0].exists = true;
  w.pages.resize(static_cast<size_t>(u.folios * u.PmdPages() + u.DeviceFrames()));
  if (u.device_pages > 0) {
    // dmirror_allocate_chunk(): one MEMORY_DEVICE_PRIVATE pgmap per device,
    // memremap_pages() (PFN-backed: the range right after RAM) or
    // memremap_device_private_pagemap() (niethe: the maple tree hands out
    // offsets from the bottom of the space, which RAM PFNs also use).
    // A coherent device (the last universe.coherent ones) gets a
    // MEMORY_DEVICE_COHERENT pgmap over its SPM range, always PFN-backed:
    // memremap_pages() on spm_addr_devN (lib/test_hmm.c @ 05ab51217205).
    // Private devices come first, so their offsets stay contiguous.
    for (int d = 0; d < u.devices; ++d) {
      DevPagemap pg;
      pg.type = u.DeviceCoherent(d) ? PgmapType::kCoherent : PgmapType::kPrivate;
      pg.owner = static_cast<int8_t>(d);
      pg.first_frame = static_cast<int16_t>(w.RamFrames() + d * u.device_pages);
      pg.nr_pages = static_cast<int16_t>(u.device_pages);
      pg.range_start = w.DeviceOffsets() && pg.type == PgmapType::kPrivate
                           ? kFirstPfn + static_cast<uint32_t>(d * u.device_pages)
                           : kFirstPfn + static_cast<uint32_t>(pg.first_frame);
      w.pgmaps.push_back(pg);
    }
  }
  w.swap.resize(static_cast<size_t>(u.swap_slots));
  w.devices.resize(static_cast<size_t>(u.devices));
  for (Device& d : w.devices) d.mirror.resize(static_cast<size_t>(u.mms * u.pages));
  return w;
}

int World::FrameOf(uint32_t pfn) const {
  if (pfn < kFirstPfn || pfn >= kFirstPfn + pages.size()) return -1;
  const int frame = static_cast<int>(pfn - kFirstPfn);
  // Offset-based device-private pages have no PFN: pfn_to_page() reaches
  // RAM and device-coherent pages only.
  if (DeviceOffsets() && IsDevicePrivateFrame(frame)) return -1;
  return frame;
}

uint32_t World::DevicePrivateNumber(int frame) const {
  if (!DeviceOffsets()) return PfnOf(frame);
  const DevPagemap& pg = PgmapAt(PgmapOf(frame));
  return pg.range_start + static_cast<uint32_t>(frame - pg.first_frame);
}

int World::DevicePrivateFrame(uint32_t number) const {
  for (const DevPagemap& pg : pgmaps)
    if (pg.type == PgmapType::kPrivate && number >= pg.range_start &&
        number < pg.range_start + static_cast<uint32_t>(pg.nr_pages))
      return pg.first_frame + static_cast<int>(number - pg.range_start);
  return -1;
}

int World::EntryFrame(const Pte& pte) const {
  if ((IsDevicePrivate(pte.kind) || IsDeviceMigration(pte.kind)) && DeviceOffsets())
    return DevicePrivateFrame(pte.pfn);
  return FrameOf(pte.pfn);
}

int World::MirrorFrame(const MirrorEntry& e) const {
  if (e.device_private && DeviceOffsets()) return DevicePrivateFrame(e.pfn);
  return FrameOf(e.pfn);
}

uint32_t World::EntryNumber(int frame, PteKind kind) const {
  return IsDevicePrivate(kind) ? DevicePrivateNumber(frame) : PfnOf(frame);
}

int World::DevicePrivatePmdFolio(const Pmd& pmd) const {
  if (pmd.kind != PmdKind::kDevicePrivate) return -1;
  int frame = DevicePrivateFrame(pmd.pfn);
  return frame < 0 ? -1 : PageAt(frame).head;
}

int World::FolioOf(uint32_t pfn) const {
  int f = FrameOf(pfn);
  return f < 0 ? -1 : PageAt(f).head;
}

int World::FolioMapcount(int head) const {
  const Page& p = Folio(head);
  return p.order == 0 ? p.mapcount + 1 : p.large_mapcount + 1;
}

const Vma* World::FindVma(int mm, int va) const {
  for (const Vma& v : MmAt(mm).vmas)
    if (va >= v.start && va < v.end) return &v;
  return nullptr;
}

Vma* World::FindVma(int mm, int va) {
  for (Vma& v : MmAt(mm).vmas)
    if (va >= v.start && va < v.end) return &v;
  return nullptr;
}

int World::MappedFrame(int mm, int va) const {
  const Mm& m = MmAt(mm);
  const Pmd& pmd = m.PmdAt(PmdIndex(va));
  if (pmd.kind == PmdKind::kHuge)
    return FrameOf(pmd.pfn + static_cast<uint32_t>(va & (universe.PmdPages() - 1)));
  if (pmd.kind == PmdKind::kDevicePrivate) {
    // softleaf_to_page() of the PMD entry: by the device-private number.
    int head = DevicePrivateFrame(pmd.pfn);
    return head < 0 ? -1 : head + (va & (universe.PmdPages() - 1));
  }
  const Pte& pte = m.PteAt(va);
  if (pte.kind == PteKind::kSwap || !HasPfn(pte.kind) || pte.special) return -1;
  return EntryFrame(pte);
}

uint8_t World::Logical(int mm, int va) const {
  const Vma* v = FindVma(mm, va);
  if (v && v->shared) return ShmemAt(v->shmem).logical[v->pgoff + (va - v->start)];
  return MmAt(mm).LogicalAt(va);
}

void World::SetLogical(int mm, int va, uint8_t value) {
  Vma* v = FindVma(mm, va);
  if (v && v->shared)
    ShmemAt(v->shmem).logical[v->pgoff + (va - v->start)] = value;
  else
    MmAt(mm).LogicalAt(va) = value;
}

}  // namespace mmcheck::model
