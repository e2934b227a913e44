// SPDX-License-Identifier: GPL-2.0
// The properties the symbolic model expresses (properties/properties.cpp,
// restricted to the subset), the invariants that strengthen k-induction, and
// the names of the step properties (see symbolic_model.h).
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "solver/smt/symbolic/widths.h"
#include "solver/smt/symbolic_model.h"

namespace mmcheck::solver::smt {

using model::PteKind;
using model::Universe;
using symbolic::kCounterBits;
using symbolic::kPfnBits;
using L = SymbolicLayout;

const std::vector<std::string>& SymbolicModel::StateProperties() {
  static const std::vector<std::string> names = {"subset-well-formed",
                                                 "mapcount-matches-mappings",
                                                 "refcount-covers-mappings",
                                                 "no-dangling-entry",
                                                 "rss-matches-entries",
                                                 "swap-count-matches",
                                                 "migration-entries-temporary",
                                                 "pgmap-refs-balance",
                                                 "device-private-entry-kind-preserved",
                                                 "pfn-offset-no-confusion",
                                                 "anon-exclusive-consistent"};
  return names;
}

const std::vector<std::string>& SymbolicModel::StrengtheningInvariants() {
  static const std::vector<std::string> names = {"free-frames-clear", "refcount-exact",
                                                 "mirror-tracks-ptes"};
  return names;
}

bool SymbolicModel::IsStepProperty(std::string_view name) {
  return name == "reclaim-makes-progress" || name == "migration-makes-progress";
}

z3::expr SymbolicModel::Holds(std::string_view property, const SymState& s) const {
  const SymbolicLayout& lay = layout_;
  const Universe& u = lay.universe();
  z3::context& c = ctx_;
  const bool offsets = u.device_pages > 0 && model::DevicePrivateOffsets(knobs_);
  const int nd = lay.dev_frames();
  auto get = [&](int i) { return s[static_cast<size_t>(i)]; };
  auto kindk = [&](PteKind k) { return c.bv_val(static_cast<unsigned>(k), 4); };
  auto w16 = [&](int v) { return c.bv_val(static_cast<uint64_t>(v) & 0xff, kCounterBits); };
  auto pfnk = [&](int fr) {
    return c.bv_val(model::kFirstPfn + static_cast<unsigned>(fr), kPfnBits);
  };
  // World::DevicePrivateNumber of device frame d.
  auto numk = [&](int d) {
    return c.bv_val(model::kFirstPfn + static_cast<unsigned>(offsets ? d : lay.frames() + d),
                    kPfnBits);
  };
  auto dev_alloc = [&](int d) { return get(lay.Frame(lay.DevFrame(d), L::kAlloc)); };
  auto is_devmig = [&](const z3::expr& k) {
    return k == kindk(PteKind::kMigrationDeviceRead) ||
           k == kindk(PteKind::kMigrationDeviceReadExclusive) ||
           k == kindk(PteKind::kMigrationDeviceWrite);
  };
  auto is_mig = [&](const z3::expr& k) {
    return k == kindk(PteKind::kMigrationRead) || k == kindk(PteKind::kMigrationReadExclusive) ||
           k == kindk(PteKind::kMigrationWrite) || is_devmig(k);
  };
  auto is_excl = [&](const z3::expr& k) {
    return k == kindk(PteKind::kDeviceExclusive) || k == kindk(PteKind::kDeviceExclusiveRead) ||
           k == kindk(PteKind::kDeviceExclusiveWrite);
  };
  auto is_dp = [&](const z3::expr& k) {
    return k == kindk(PteKind::kDevicePrivateRead) || k == kindk(PteKind::kDevicePrivateWrite);
  };
  // World::EntryFrame: by kind through the device-private space, else the PFN.
  auto by_kind = [&](const z3::expr& k) {
    return offsets ? is_dp(k) || is_devmig(k) : c.bool_val(false);
  };
  auto entry_ram = [&](const z3::expr& k, const z3::expr& pfn, int fr) {
    return !by_kind(k) && pfn == pfnk(fr);
  };
  auto entry_dev = [&](const z3::expr& k, const z3::expr& pfn, int d) {
    return offsets ? by_kind(k) && pfn == numk(d) : pfn == numk(d);
  };
  // World::MirrorFrame: by HMM_PFN_DEVICE_PRIVATE with offsets, else the PFN.
  auto mirror_ram = [&](const z3::expr& dp, const z3::expr& pfn, int fr) {
    return (offsets ? !dp : c.bool_val(true)) && pfn == pfnk(fr);
  };
  auto mirror_dev = [&](const z3::expr& dp, const z3::expr& pfn, int d) {
    return (offsets ? dp : c.bool_val(true)) && pfn == numk(d);
  };
  // InFlight(): an entry of a device folio whose eviction is in flight.
  auto in_flight = [&](const z3::expr& k, const z3::expr& pfn) {
    z3::expr any = c.bool_val(false);
    for (int d = 0; d < nd; ++d)
      any = any || (get(lay.Migrating(d)) != w16(0) && dev_alloc(d) && entry_dev(k, pfn, d));
    return any;
  };
  z3::expr all = c.bool_val(true);
  if (property == "subset-well-formed") {
    for (int mm = 0; mm < u.mms; ++mm)
      for (int va = 0; va < u.pages; ++va) {
        z3::expr k = get(lay.Pte(mm, va, L::kKind));
        z3::expr pfn = get(lay.Pte(mm, va, L::kPfn));
        z3::expr subset_kind = k == kindk(PteKind::kNone) || k == kindk(PteKind::kPresent) ||
                               k == kindk(PteKind::kSwap) || is_mig(k) || is_excl(k) || is_dp(k);
        all = all && subset_kind;
        all = all &&
              z3::implies(k == kindk(PteKind::kSwap),
                          z3::ult(pfn, c.bv_val(static_cast<unsigned>(u.swap_slots), kPfnBits)));
        all = all && z3::implies(get(lay.Pte(mm, va, L::kSpecial)),
                                 k == kindk(PteKind::kPresent) &&
                                     pfn == c.bv_val(model::kZeroPfn, kPfnBits) &&
                                     !get(lay.Pte(mm, va, L::kWrite)));
        all = all && z3::implies(!get(lay.MmExists(mm)),
                                 k == kindk(PteKind::kNone) && !get(lay.VmaAt(mm, va)));
        // No entry outside a VMA (munmap zaps what it unmaps).
        all = all && z3::implies(!get(lay.VmaAt(mm, va)), k == kindk(PteKind::kNone));
        // Only the zero page maps without an anon_vma (anon_vma_prepare()
        // runs before any anonymous folio is mapped).
        all = all && z3::implies(k != kindk(PteKind::kNone) && !get(lay.Pte(mm, va, L::kSpecial)),
                                 get(lay.AnonVma(mm)));
      }
    all = all && get(lay.MmExists(0));
    for (int fr = 0; fr < lay.frames() + nd; ++fr)
      all = all && z3::implies(get(lay.Frame(fr, L::kAlloc)), get(lay.Frame(fr, L::kAnon)));
    // One eviction at a time per page, of an allocated page; device pages
    // are on no LRU.
    for (int d = 0; d < nd; ++d)
      all = all && z3::ule(get(lay.Migrating(d)), w16(1)) &&
            z3::implies(get(lay.Migrating(d)) != w16(0), dev_alloc(d)) &&
            !get(lay.Frame(lay.DevFrame(d), L::kLru));
    return all;
  }
  // Census (properties.cpp Take): entries per frame and per slot, RSS per mm.
  std::vector<z3::expr> pte_maps(static_cast<size_t>(lay.frames() + nd), w16(0));
  std::vector<z3::expr> swap_refs(static_cast<size_t>(u.swap_slots), w16(0));
  std::vector<z3::expr> rss_anon, rss_swap;
  z3::expr rss_file_zero = c.bool_val(true);
  for (int mm = 0; mm < u.mms; ++mm) {
    z3::expr ra = w16(0), rs = w16(0);
    for (int va = 0; va < u.pages; ++va) {
      z3::expr ex = get(lay.MmExists(mm));
      z3::expr k = get(lay.Pte(mm, va, L::kKind));
      z3::expr pfn = get(lay.Pte(mm, va, L::kPfn));
      z3::expr special = get(lay.Pte(mm, va, L::kSpecial));
      z3::expr swap = ex && k == kindk(PteKind::kSwap);
      for (int s2 = 0; s2 < u.swap_slots; ++s2)
        swap_refs[static_cast<size_t>(s2)] =
            swap_refs[static_cast<size_t>(s2)] +
            z3::ite(swap && pfn == c.bv_val(static_cast<unsigned>(s2), kPfnBits), w16(1), w16(0));
      rs = rs + z3::ite(swap, w16(1), w16(0));
      z3::expr has_pfn = k == kindk(PteKind::kPresent) || is_mig(k) || is_excl(k) || is_dp(k);
      z3::expr counted = ex && has_pfn && !special;
      z3::expr anon_or_dangling = c.bool_val(true);
      for (int fr = 0; fr < lay.frames() + nd; ++fr) {
        z3::expr here =
            fr < lay.frames() ? entry_ram(k, pfn, fr) : entry_dev(k, pfn, fr - lay.frames());
        anon_or_dangling = anon_or_dangling && z3::implies(here && get(lay.Frame(fr, L::kAlloc)),
                                                           get(lay.Frame(fr, L::kAnon)));
        pte_maps[static_cast<size_t>(fr)] = pte_maps[static_cast<size_t>(fr)] +
                                            z3::ite(counted && !is_mig(k) && here, w16(1), w16(0));
      }
      ra = ra + z3::ite(counted && anon_or_dangling, w16(1), w16(0));
      rss_file_zero = rss_file_zero && z3::implies(counted, anon_or_dangling);
    }
    rss_anon.push_back(ra);
    rss_swap.push_back(rs);
  }
  if (property == "mapcount-matches-mappings") {
    for (int fr = 0; fr < lay.frames() + nd; ++fr)
      all = all &&
            z3::implies(get(lay.Frame(fr, L::kAlloc)),
                        get(lay.Frame(fr, L::kMap)) + w16(1) == pte_maps[static_cast<size_t>(fr)]);
    return all;
  }
  if (property == "refcount-covers-mappings") {
    for (int fr = 0; fr < lay.frames() + nd; ++fr)
      all = all && z3::implies(get(lay.Frame(fr, L::kAlloc)),
                               get(lay.Frame(fr, L::kRef)) >= pte_maps[static_cast<size_t>(fr)]);
    return all;
  }
  if (property == "no-dangling-entry") {
    for (int mm = 0; mm < u.mms; ++mm)
      for (int va = 0; va < u.pages; ++va) {
        z3::expr ex = get(lay.MmExists(mm));
        z3::expr k = get(lay.Pte(mm, va, L::kKind));
        z3::expr pfn = get(lay.Pte(mm, va, L::kPfn));
        z3::expr slot_ok = c.bool_val(false);
        for (int s2 = 0; s2 < u.swap_slots; ++s2)
          slot_ok = slot_ok || (pfn == c.bv_val(static_cast<unsigned>(s2), kPfnBits) &&
                                get(lay.SlotCount(s2)) > w16(0));
        all = all && z3::implies(ex && k == kindk(PteKind::kSwap), slot_ok);
        z3::expr folio_ok = c.bool_val(false);
        for (int fr = 0; fr < lay.frames(); ++fr)
          folio_ok = folio_ok || (entry_ram(k, pfn, fr) && get(lay.Frame(fr, L::kAlloc)));
        for (int d = 0; d < nd; ++d) folio_ok = folio_ok || (entry_dev(k, pfn, d) && dev_alloc(d));
        z3::expr has_pfn = k == kindk(PteKind::kPresent) || is_mig(k) || is_excl(k) || is_dp(k) ||
                           k == kindk(PteKind::kHwpoison);
        all = all && z3::implies(ex && has_pfn && !get(lay.Pte(mm, va, L::kSpecial)), folio_ok);
      }
    for (int d = 0; d < u.devices; ++d)
      for (int mm = 0; mm < u.mms; ++mm)
        for (int va = 0; va < u.pages; ++va) {
          z3::expr pfn = get(lay.MirrorPfn(d, mm, va));
          z3::expr dp = get(lay.MirrorDp(d, mm, va));
          z3::expr folio_ok = c.bool_val(false);
          for (int fr = 0; fr < lay.frames(); ++fr)
            folio_ok = folio_ok || (mirror_ram(dp, pfn, fr) && get(lay.Frame(fr, L::kAlloc)));
          for (int f = 0; f < nd; ++f)
            folio_ok = folio_ok || (mirror_dev(dp, pfn, f) && dev_alloc(f));
          all = all &&
                z3::implies(get(lay.MirrorPerm(d, mm, va)) != c.bv_val(model::kMirrorNone, 2) &&
                                pfn != c.bv_val(model::kZeroPfn, kPfnBits),
                            folio_ok);
        }
    return all;
  }
  if (property == "rss-matches-entries") {
    for (int mm = 0; mm < u.mms; ++mm)
      all = all && z3::implies(get(lay.MmExists(mm)),
                               get(lay.RssAnon(mm)) == rss_anon[static_cast<size_t>(mm)] &&
                                   get(lay.RssSwap(mm)) == rss_swap[static_cast<size_t>(mm)]);
    return all && rss_file_zero;
  }
  if (property == "swap-count-matches") {
    for (int s2 = 0; s2 < u.swap_slots; ++s2)
      all = all && get(lay.SlotCount(s2)) == swap_refs[static_cast<size_t>(s2)];
    return all;
  }
  if (property == "migration-entries-temporary") {
    for (int mm = 0; mm < u.mms; ++mm)
      for (int va = 0; va < u.pages; ++va) {
        z3::expr k = get(lay.Pte(mm, va, L::kKind));
        all = all && z3::implies(get(lay.MmExists(mm)) && is_mig(k),
                                 in_flight(k, get(lay.Pte(mm, va, L::kPfn))));
      }
    return all;
  }
  if (property == "refcount-exact") {
    for (int fr = 0; fr < lay.frames() + nd; ++fr) {
      z3::expr held = pte_maps[static_cast<size_t>(fr)];
      if (fr >= lay.frames()) held = held + get(lay.Migrating(fr - lay.frames()));
      all = all && z3::implies(get(lay.Frame(fr, L::kAlloc)), get(lay.Frame(fr, L::kRef)) == held);
    }
    return all;
  }
  if (property == "free-frames-clear") {
    for (int fr = 0; fr < lay.frames() + nd; ++fr) {
      auto f = [&](L::FrameField x) { return get(lay.Frame(fr, x)); };
      z3::expr clear = f(L::kRef) == w16(0) && f(L::kMap) == w16(-1) && !f(L::kAnon) &&
                       !f(L::kFDirty) && !f(L::kSwapbacked) && !f(L::kLru) && !f(L::kAnonExcl) &&
                       f(L::kData) == c.bv_val(0, 8);
      if (fr >= lay.frames()) clear = clear && get(lay.Migrating(fr - lay.frames())) == w16(0);
      all = all && z3::implies(!f(L::kAlloc), clear);
    }
    return all;
  }
  if (property == "mirror-tracks-ptes") {
    for (int dev = 0; dev < u.devices; ++dev)
      for (int mm = 0; mm < u.mms; ++mm)
        for (int va = 0; va < u.pages; ++va) {
          z3::expr perm = get(lay.MirrorPerm(dev, mm, va));
          z3::expr pfn = get(lay.MirrorPfn(dev, mm, va));
          z3::expr dp = get(lay.MirrorDp(dev, mm, va));
          z3::expr k = get(lay.Pte(mm, va, L::kKind));
          z3::expr same = get(lay.MmExists(mm)) && get(lay.Pte(mm, va, L::kPfn)) == pfn;
          all = all &&
                z3::implies(perm == c.bv_val(model::kMirrorNone, 2),
                            pfn == c.bv_val(0, kPfnBits) && !dp) &&
                z3::implies(perm == c.bv_val(model::kMirrorAtomic, 2), same && is_excl(k) && !dp) &&
                z3::implies(perm == c.bv_val(model::kMirrorRead, 2) ||
                                perm == c.bv_val(model::kMirrorWrite, 2),
                            same && is_dp(k) && dp);
        }
    return all;
  }
  if (property == "anon-exclusive-consistent") {
    // properties.cpp CheckFolios/CheckEntries, order-0 PTE mappings.
    for (int fr = 0; fr < lay.frames() + nd; ++fr)
      all = all && z3::implies(get(lay.Frame(fr, L::kAlloc)) && get(lay.Frame(fr, L::kAnon)) &&
                                   get(lay.Frame(fr, L::kAnonExcl)),
                               z3::ule(pte_maps[static_cast<size_t>(fr)], w16(1)));
    for (int mm = 0; mm < u.mms; ++mm)
      for (int va = 0; va < u.pages; ++va) {
        z3::expr k = get(lay.Pte(mm, va, L::kKind));
        z3::expr pfn = get(lay.Pte(mm, va, L::kPfn));
        z3::expr ex = get(lay.MmExists(mm));
        z3::expr needs = (k == kindk(PteKind::kPresent) && get(lay.Pte(mm, va, L::kWrite))) ||
                         is_excl(k) || k == kindk(PteKind::kDevicePrivateWrite);
        z3::expr bad = c.bool_val(false);
        for (int fr = 0; fr < lay.frames() + nd; ++fr) {
          z3::expr here =
              fr < lay.frames() ? entry_ram(k, pfn, fr) : entry_dev(k, pfn, fr - lay.frames());
          bad = bad || (here && get(lay.Frame(fr, L::kAlloc)) && get(lay.Frame(fr, L::kAnon)) &&
                        !get(lay.Frame(fr, L::kAnonExcl)));
        }
        all = all && z3::implies(ex && needs && !get(lay.Pte(mm, va, L::kSpecial)), !bad);
        z3::expr slot_bad = c.bool_val(false);
        for (int s2 = 0; s2 < u.swap_slots; ++s2)
          slot_bad = slot_bad || (pfn == c.bv_val(static_cast<unsigned>(s2), kPfnBits) &&
                                  get(lay.SlotCount(s2)) != w16(1));
        all = all && z3::implies(
                         ex && k == kindk(PteKind::kSwap) && get(lay.Pte(mm, va, L::kSwpExclusive)),
                         !slot_bad);
      }
    return all;
  }
  if (property == "pgmap-refs-balance") {
    // properties.cpp CheckPgmapRefs: the ref equals the allocated pages.
    for (int dev = 0; dev < (u.device_pages > 0 ? u.devices : 0); ++dev) {
      z3::expr held = w16(0);
      for (int d = dev * u.device_pages; d < (dev + 1) * u.device_pages; ++d)
        held = held + z3::ite(dev_alloc(d), w16(1), w16(0));
      all = all && get(lay.PgmapRef(dev)) == held;
    }
    return all;
  }
  if (property == "device-private-entry-kind-preserved") {
    // properties.cpp CheckDeviceEntryKinds.
    for (int mm = 0; mm < u.mms; ++mm)
      for (int va = 0; va < u.pages; ++va) {
        z3::expr k = get(lay.Pte(mm, va, L::kKind));
        z3::expr pfn = get(lay.Pte(mm, va, L::kPfn));
        z3::expr checked = get(lay.MmExists(mm)) &&
                           (k == kindk(PteKind::kPresent) || is_mig(k) || is_excl(k) || is_dp(k)) &&
                           !get(lay.Pte(mm, va, L::kSpecial));
        z3::expr device = c.bool_val(false), device_alloc = c.bool_val(false);
        for (int d = 0; d < nd; ++d) {
          device = device || entry_dev(k, pfn, d);
          device_alloc = device_alloc || (entry_dev(k, pfn, d) && dev_alloc(d));
        }
        z3::expr migration_ok = is_devmig(k) || (is_mig(k) && c.bool_val(!offsets));
        z3::expr ok = z3::implies(is_dp(k), device_alloc) &&
                      z3::implies(!is_dp(k) && device, migration_ok) &&
                      z3::implies(is_devmig(k), device);
        if (offsets) ok = ok && z3::implies(is_mig(k) && !is_devmig(k), in_flight(k, pfn));
        all = all && z3::implies(checked, ok);
      }
    return all;
  }
  if (property == "pfn-offset-no-confusion") {
    // properties.cpp CheckConfusion, the mirror half (the walks of the
    // subset never confuse: SymbolicKnobsUnsupported).
    for (int dev = 0; dev < u.devices; ++dev)
      for (int mm = 0; mm < u.mms; ++mm)
        for (int va = 0; va < u.pages; ++va) {
          z3::expr pfn = get(lay.MirrorPfn(dev, mm, va));
          z3::expr dp = get(lay.MirrorDp(dev, mm, va));
          z3::expr used = get(lay.MirrorPerm(dev, mm, va)) != c.bv_val(model::kMirrorNone, 2) &&
                          !(pfn == c.bv_val(model::kZeroPfn, kPfnBits) && !dp);
          z3::expr wrong = c.bool_val(false);
          // MirrorFrame() >= 0 and IsDeviceFrame() != device_private.
          for (int fr = 0; fr < lay.frames(); ++fr)
            wrong = wrong || (mirror_ram(dp, pfn, fr) && dp);
          for (int d = 0; d < nd; ++d) wrong = wrong || (mirror_dev(dp, pfn, d) && !dp);
          all = all && z3::implies(used, !wrong);
        }
    return all;
  }
  throw std::invalid_argument(
      fmt::format("SymbolicModel::Holds: no symbolic form of '{}'", property));
}

}  // namespace mmcheck::solver::smt
