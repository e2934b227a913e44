// SPDX-License-Identifier: GPL-2.0
// The BMC universe and prologue, and the symbolic state's layout: the
// projection of model::World onto the fields the symbolic subset touches
// (SymbolicLayout), and OutsideSubset, which names the first field of a
// World the projection cannot represent.
#include <algorithm>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "solver/smt/symbolic/widths.h"
#include "solver/smt/symbolic_model.h"

namespace mmcheck::solver::smt {

using model::Op;
using model::OpCode;
using model::PteKind;
using model::Universe;
using model::World;
using symbolic::kCounterBits;
using symbolic::kPfnBits;

Universe BmcUniverse() {
  Universe u;
  u.mms = 2;
  u.pages = 2;
  u.folios = 3;
  u.swap_slots = 2;
  u.devices = 1;
  u.pmd_order = 1;
  return u;
}

Universe BmcDeviceUniverse() {
  Universe u = BmcUniverse();
  u.device_pages = 1;
  return u;
}

std::vector<Op> BmcPrologue(const Universe& u) {
  return {model::MakeOp(OpCode::kMmap, {0, 0, u.pages, model::kProtReadWrite, model::kMapPrivate}),
          model::MakeOp(OpCode::kMadvise, {0, 0, u.pages, model::kAdviceNohugepage})};
}

// ---------------------------------------------------------------------------
// Layout and projection.

SymbolicLayout::SymbolicLayout(const Universe& u) : u_(u) {
  if (model::kFirstPfn + static_cast<unsigned>(frames() + dev_frames()) >= (1u << kPfnBits))
    throw std::invalid_argument("SymbolicLayout: the universe's PFNs do not fit kPfnBits");
  static const char* kPteNames[] = {"kind",  "pfn",        "write",   "dirty",
                                    "young", "soft_dirty", "special", "swp_exclusive"};
  static const unsigned kPteWidths[] = {4, kPfnBits, 0, 0, 0, 0, 0, 0};
  static const char* kFrameNames[] = {"alloc",      "refcount", "mapcount",       "anon", "dirty",
                                      "swapbacked", "lru",      "anon_exclusive", "data"};
  static const unsigned kFrameWidths[] = {0, kCounterBits, kCounterBits, 0, 0, 0, 0, 0, 8};
  for (int mm = 0; mm < u.mms; ++mm) {
    Add(fmt::format("mm{}.exists", mm), 0);
    Add(fmt::format("mm{}.rss_anon", mm), kCounterBits);
    Add(fmt::format("mm{}.rss_swap", mm), kCounterBits);
    Add(fmt::format("mm{}.anon_vma", mm), 0);
    for (int va = 0; va < u.pages; ++va) {
      Add(fmt::format("mm{}.p{}.vma", mm, va), 0);
      Add(fmt::format("mm{}.p{}.logical", mm, va), 8);
      for (int f = 0; f < kPteFields; ++f)
        Add(fmt::format("mm{}.p{}.{}", mm, va, kPteNames[f]), kPteWidths[f]);
    }
    if (mm == 0) mm_stride_ = size();
  }
  frame_base_ = size();
  for (int fr = 0; fr < frames() + dev_frames(); ++fr)
    for (int f = 0; f < kFrameFields; ++f)
      Add(fr < frames() ? fmt::format("frame{}.{}", fr, kFrameNames[f])
                        : fmt::format("devframe{}.{}", fr - frames(), kFrameNames[f]),
          kFrameWidths[f]);
  slot_base_ = size();
  for (int s = 0; s < u.swap_slots; ++s) {
    Add(fmt::format("s{}.count", s), kCounterBits);
    Add(fmt::format("s{}.data", s), 8);
  }
  mirror_base_ = size();
  for (int d = 0; d < u.devices; ++d)
    for (int mm = 0; mm < u.mms; ++mm)
      for (int va = 0; va < u.pages; ++va) {
        Add(fmt::format("dev{}.mm{}.p{}.perm", d, mm, va), 2);
        Add(fmt::format("dev{}.mm{}.p{}.pfn", d, mm, va), kPfnBits);
        Add(fmt::format("dev{}.mm{}.p{}.device_private", d, mm, va), 0);
      }
  dev_base_ = size();
  for (int d = 0; d < dev_frames(); ++d) Add(fmt::format("devframe{}.migrating", d), kCounterBits);
  for (int d = 0; d < (u.device_pages > 0 ? u.devices : 0); ++d)
    Add(fmt::format("dev{}.pgmap_ref", d), kCounterBits);
}

bool SymbolicLayout::IsDataField(int i) const {
  for (int mm = 0; mm < u_.mms; ++mm)
    for (int va = 0; va < u_.pages; ++va)
      if (i == Logical(mm, va)) return true;
  for (int fr = 0; fr < frames() + dev_frames(); ++fr)
    if (i == Frame(fr, kData)) return true;
  for (int s = 0; s < u_.swap_slots; ++s)
    if (i == SlotData(s)) return true;
  return false;
}

void SymbolicLayout::Add(std::string name, unsigned width) {
  names_.push_back(std::move(name));
  widths_.push_back(width);
}

std::string SymbolicLayout::OutsideSubset(const World& w, bool constant_fields) const {
  if (u_.pmd_order < 1) return "universe needs pmd_order >= 1";
  if (constant_fields) {
    if (!(w.universe == u_)) return "universe differs from the layout's";
    if (std::string why = SymbolicKnobsUnsupported(u_, w.knobs); !why.empty()) return why;
  }
  if (w.lock_thread_folio >= 0) return "a lock_folio thread holds a folio";
  for (const auto& obj : w.shmem)
    if (obj.users != 0 || !obj.folio.empty()) return "a shmem object exists";
  for (const model::DevPagemap& pg : w.pgmaps)
    if (pg.type != model::PgmapType::kPrivate || pg.ref < -128 || pg.ref > 127)
      return "a dev_pagemap is not device-private or its ref does not fit 8 bits";
  for (size_t i = 0; i < w.migrating.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (w.migrating[i] == w.migrating[j])
        return fmt::format("device frame {} is evicted twice at once", w.migrating[i]);
  for (int mm = 0; mm < u_.mms; ++mm) {
    const model::Mm& m = w.mms[static_cast<size_t>(mm)];
    if (m.vmas.size() > 1) return fmt::format("mm{} has more than one VMA", mm);
    for (const model::Vma& v : m.vmas)
      if (!v.read || !v.write || v.shared || v.hugetlb || v.hugepage || !v.nohugepage)
        return fmt::format("mm{} has a VMA that is not private rw MADV_NOHUGEPAGE", mm);
    for (const model::Pmd& pmd : m.pmds)
      if (!(pmd == model::Pmd{})) return fmt::format("mm{} has a huge PMD", mm);
    if (m.rss[model::kMmFilePages] || m.rss[model::kMmShmemPages])
      return fmt::format("mm{} has file/shmem RSS", mm);
    for (int va = 0; va < u_.pages; ++va) {
      const model::Pte& p = m.ptes[static_cast<size_t>(va)];
      if (p.uffd_wp) return fmt::format("mm{}:{} is uffd-wp", mm, va);
      if (p.pfn >= (1u << kPfnBits))
        return fmt::format("mm{}:{} pfn does not fit {} bits", mm, va, kPfnBits);
      if (p.kind == PteKind::kHwpoison || p.kind == PteKind::kMarker)
        return fmt::format("mm{}:{} has a {} entry", mm, va, model::PteKindName(p.kind));
    }
  }
  for (size_t fr = 0; fr < w.pages.size(); ++fr) {
    const model::Page& p = w.pages[fr];
    if (p.head >= 0 && p.head != static_cast<int>(fr)) return "a large folio exists";
    const bool evicting = std::find(w.migrating.begin(), w.migrating.end(),
                                    static_cast<int16_t>(fr)) != w.migrating.end();
    if (p.order || p.large_mapcount != -1 || p.entire_mapcount != -1 || p.hugetlb ||
        p.locked != evicting || p.shmem != -1 || p.index)
      return fmt::format("frame {} has a field outside the subset", fr);
    if (p.head < 0 && !(p == model::Page{})) return fmt::format("free frame {} is not clear", fr);
  }
  if (static_cast<int>(w.pages.size()) != frames() + dev_frames()) return "frame count differs";
  auto small = [](int v) { return v >= -128 && v < 128; };
  for (const model::Page& p : w.pages)
    if (!small(p.refcount) || !small(p.mapcount)) return "a counter does not fit 8 bits";
  for (const model::SwapSlot& sl : w.swap)
    if (!small(sl.count)) return "a swap count does not fit 8 bits";
  for (const model::Mm& m : w.mms)
    for (int16_t x : m.rss)
      if (!small(x)) return "an RSS counter does not fit 8 bits";
  for (const model::Device& d : w.devices)
    for (const model::MirrorEntry& e : d.mirror)
      if (e.pfn >= (1u << kPfnBits)) return "a mirror entry's pfn does not fit the PFN width";
  return {};
}

void SymbolicLayout::SliceData(World& w) const {
  // The fields IsDataField names, as Project reads them.
  for (model::Mm& m : w.mms) std::fill(m.logical.begin(), m.logical.end(), 0);
  for (model::Page& p : w.pages) p.data = 0;
  for (model::SwapSlot& sl : w.swap) sl.data = 0;
}

std::vector<uint64_t> SymbolicLayout::Project(const World& w) const {
  std::string why = OutsideSubset(w);
  if (!why.empty()) throw std::invalid_argument("SymbolicLayout::Project: " + why);
  std::vector<uint64_t> v(static_cast<size_t>(size()), 0);
  auto set = [&](int i, int64_t x) {
    unsigned wd = width(i);
    v[static_cast<size_t>(i)] = wd == 0 ? (x != 0) : static_cast<uint64_t>(x) & ((1u << wd) - 1);
  };
  for (int mm = 0; mm < u_.mms; ++mm) {
    const model::Mm& m = w.mms[static_cast<size_t>(mm)];
    set(MmExists(mm), m.exists);
    set(RssAnon(mm), m.rss[model::kMmAnonPages]);
    set(RssSwap(mm), m.rss[model::kMmSwapEnts]);
    set(AnonVma(mm), m.vmas.size() == 1 && m.vmas[0].anon_vma);
    for (int va = 0; va < u_.pages; ++va) {
      set(VmaAt(mm, va), w.FindVma(mm, va) != nullptr);
      set(Logical(mm, va), m.logical[static_cast<size_t>(va)]);
      const model::Pte& p = m.ptes[static_cast<size_t>(va)];
      set(Pte(mm, va, kKind), static_cast<int>(p.kind));
      set(Pte(mm, va, kPfn), p.pfn);
      set(Pte(mm, va, kWrite), p.write);
      set(Pte(mm, va, kDirty), p.dirty);
      set(Pte(mm, va, kYoung), p.young);
      set(Pte(mm, va, kSoftDirty), p.soft_dirty);
      set(Pte(mm, va, kSpecial), p.special);
      set(Pte(mm, va, kSwpExclusive), p.swp_exclusive);
    }
  }
  for (int fr = 0; fr < frames() + dev_frames(); ++fr) {
    const model::Page& p = w.pages[static_cast<size_t>(fr)];
    set(Frame(fr, kAlloc), p.head >= 0);
    set(Frame(fr, kRef), p.refcount);
    set(Frame(fr, kMap), p.mapcount);
    set(Frame(fr, kAnon), p.anon);
    set(Frame(fr, kFDirty), p.dirty);
    set(Frame(fr, kSwapbacked), p.swapbacked);
    set(Frame(fr, kLru), p.lru);
    set(Frame(fr, kAnonExcl), p.anon_exclusive);
    set(Frame(fr, kData), p.data);
  }
  for (int s = 0; s < u_.swap_slots; ++s) {
    set(SlotCount(s), w.swap[static_cast<size_t>(s)].count);
    set(SlotData(s), w.swap[static_cast<size_t>(s)].data);
  }
  for (int d = 0; d < u_.devices; ++d)
    for (int mm = 0; mm < u_.mms; ++mm)
      for (int va = 0; va < u_.pages; ++va) {
        const int entry = mm * u_.pages + va;  // Device::mirror is per (mm, page)
        const model::MirrorEntry& e =
            w.devices[static_cast<size_t>(d)].mirror[static_cast<size_t>(entry)];
        set(MirrorPerm(d, mm, va), e.perm);
        set(MirrorPfn(d, mm, va), e.pfn);
        set(MirrorDp(d, mm, va), e.device_private);
      }
  for (int d = 0; d < dev_frames(); ++d)
    set(Migrating(d),
        std::count(w.migrating.begin(), w.migrating.end(), static_cast<int16_t>(DevFrame(d))));
  for (size_t d = 0; d < w.pgmaps.size(); ++d) set(PgmapRef(static_cast<int>(d)), w.pgmaps[d].ref);
  return v;
}

}  // namespace mmcheck::solver::smt
