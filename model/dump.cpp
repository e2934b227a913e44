// SPDX-License-Identifier: GPL-2.0
#include "model/dump.h"

#include <fmt/format.h>

namespace mmcheck::model {
namespace {

std::string DrawPte(const Pte& p) {
  switch (p.kind) {
    case PteKind::kNone:
      return "-";
    case PteKind::kPresent:
      if (p.special) return "Z";
      return fmt::format("P:{:#x}{}{}", p.pfn, p.write ? "w" : "", p.dirty ? "d" : "");
    case PteKind::kSwap:
      return fmt::format("S:s{}{}", p.pfn, p.swp_exclusive ? "x" : "");
    case PteKind::kMigrationRead:
      return fmt::format("Mr:{:#x}", p.pfn);
    case PteKind::kMigrationReadExclusive:
      return fmt::format("Mx:{:#x}", p.pfn);
    case PteKind::kMigrationWrite:
      return fmt::format("Mw:{:#x}", p.pfn);
    case PteKind::kDevicePrivateRead:
      return fmt::format("Dr:{:#x}", p.pfn);
    case PteKind::kDevicePrivateWrite:
      return fmt::format("Dw:{:#x}", p.pfn);
    case PteKind::kDeviceExclusive:
      return fmt::format("X:{:#x}", p.pfn);
    case PteKind::kDeviceExclusiveRead:
      return fmt::format("Xr:{:#x}", p.pfn);
    case PteKind::kDeviceExclusiveWrite:
      return fmt::format("Xw:{:#x}", p.pfn);
    case PteKind::kHwpoison:
      return fmt::format("HW:{:#x}", p.pfn);
    case PteKind::kMarker:
      return fmt::format("MK:{}", p.pfn);
    case PteKind::kMigrationDeviceRead:
      return fmt::format("MDr:{:#x}", p.pfn);
    case PteKind::kMigrationDeviceReadExclusive:
      return fmt::format("MDx:{:#x}", p.pfn);
    case PteKind::kMigrationDeviceWrite:
      return fmt::format("MDw:{:#x}", p.pfn);
  }
  return "?";
}

}  // namespace

std::string DrawFolio(const World& w, int head) {
  const Page& f = w.Folio(head);
  // A device-private folio is named by what its entries carry: its PFN, or
  // (offset-based) "dev0+0x100" for its offset.
  std::string name = !w.IsDeviceFrame(head) ? fmt::format("{:#x}", w.PfnOf(head))
                     : w.DeviceOffsets() && w.IsDevicePrivateFrame(head)
                         ? fmt::format("dev{}+{:#x}", w.PgmapOf(head), w.DevicePrivateNumber(head))
                         : fmt::format("dev{}:{:#x}", w.PgmapOf(head), w.DevicePrivateNumber(head));
  std::string s = fmt::format("folio {} o{} {} ref:{} map:{}", name, f.order,
                              f.hugetlb      ? "hugetlb"
                              : f.anon       ? "anon"
                              : f.shmem >= 0 ? "shmem"
                                             : "-",
                              f.refcount, w.FolioMapcount(head));
  if (f.order > 0) s += fmt::format(" entire:{}", f.entire_mapcount + 1);
  if (f.locked) s += " locked";
  if (f.dirty) s += " dirty";
  std::string ax, data, pm;
  for (int i = 0; i < w.NrPages(head); ++i) {
    const Page& p = w.PageAt(head + i);
    ax += p.anon_exclusive ? 'X' : '.';
    data += fmt::format("{}{}", i ? "," : "", p.data);
    pm += fmt::format("{}{}", i ? "," : "", p.mapcount + 1);
  }
  s += fmt::format(" AX:{} pagemap:[{}] data:[{}]", ax, pm, data);
  return s;
}

std::string DrawWorld(const World& w) {
  std::string s;
  for (size_t mm = 0; mm < w.mms.size(); ++mm) {
    const Mm& m = w.mms[mm];
    if (!m.exists) continue;
    s += fmt::format("mm{} rss anon:{} shmem:{} swap:{} |", mm, m.rss[kMmAnonPages],
                     m.rss[kMmShmemPages], m.rss[kMmSwapEnts]);
    for (const Vma& v : m.vmas)
      s += fmt::format(" [{},{}){}{}{}", v.start, v.end, v.read ? (v.write ? "rw" : "r") : "none",
                       v.shared    ? " shared"
                       : v.hugetlb ? " hugetlb"
                                   : "",
                       v.hugepage     ? " thp"
                       : v.nohugepage ? " nothp"
                                      : "");
    s += "\n   ";
    for (int va = 0; va < w.universe.pages; ++va) {
      const Pmd& pmd = m.PmdAt(w.PmdIndex(va));
      const uint32_t sub = static_cast<uint32_t>(va & (w.universe.PmdPages() - 1));
      std::string e = pmd.kind == PmdKind::kHuge
                          ? fmt::format("H:{:#x}{}", pmd.pfn + sub, pmd.write ? "w" : "")
                      : pmd.kind == PmdKind::kDevicePrivate
                          ? fmt::format("HD{}:{:#x}", pmd.write ? "w" : "r", pmd.pfn + sub)
                          : DrawPte(m.PteAt(va));
      s += fmt::format(" p{} {}", va, e);
    }
    s += "\n";
  }
  for (size_t f = 0; f < w.pages.size(); ++f)
    if (w.pages[f].head == static_cast<int>(f))
      s += "  " + DrawFolio(w, static_cast<int>(f)) + "\n";
  std::string swap;
  for (size_t i = 0; i < w.swap.size(); ++i)
    if (w.swap[i].count) swap += fmt::format(" s{}:{}", i, w.swap[i].count);
  if (!swap.empty()) s += "  swap" + swap + "\n";
  for (size_t d = 0; d < w.devices.size(); ++d) {
    std::string mir;
    for (size_t i = 0; i < w.devices[d].mirror.size(); ++i) {
      const MirrorEntry& e = w.devices[d].mirror[i];
      if (e.perm == kMirrorNone) continue;
      const char* p = e.perm == kMirrorRead ? "R" : e.perm == kMirrorWrite ? "W" : "A";
      mir += fmt::format(" mm{}:p{}={}:{}{:#x}", i / static_cast<size_t>(w.universe.pages),
                         i % static_cast<size_t>(w.universe.pages), p, e.device_private ? "D" : "",
                         e.pfn);
    }
    if (!mir.empty()) s += fmt::format("  dev{}{}\n", d, mir);
  }
  for (size_t d = 0; d < w.pgmaps.size(); ++d)
    s += fmt::format(
        "  pgmap dev{} {} ref:{} range {:#x}+{} ({})\n", d,
        w.pgmaps[d].type == PgmapType::kCoherent ? "coherent" : "private", w.pgmaps[d].ref,
        w.pgmaps[d].range_start, w.pgmaps[d].nr_pages,
        w.DeviceOffsets() && w.pgmaps[d].type == PgmapType::kPrivate ? "offsets" : "pfns");
  if (w.lock_thread_folio >= 0)
    s += fmt::format("  lock thread holds folio {:#x}\n", w.PfnOf(w.lock_thread_folio));
  return s;
}

}  // namespace mmcheck::model
