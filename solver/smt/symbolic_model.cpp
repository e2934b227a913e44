// SPDX-License-Identifier: GPL-2.0
// The symbolic transition relation (see symbolic_model.h). Each encoded
// function mirrors the model function of the same name in model/ops/ (and
// through it the kernel function it names, same file and version):
// handle_mm_fault, do_anonymous_page, do_wp_page, wp_page_copy,
// do_swap_page_swap, remove_device_exclusive_entry, restore_exclusive_pte,
// zap_page_range, copy_page_range (mm/memory.c v6.14/v6.15);
// get_user_page_remote (mm/gup.c); make_device_exclusive[_range],
// folio_make_device_exclusive, try_to_unmap, try_to_migrate,
// folio_referenced (mm/rmap.c); shrink_folio (mm/vmscan.c); migrate_folio,
// remove_migration_ptes (mm/migrate.c); dup_mmap, do_munmap (kernel/fork.c,
// mm/vma.c); dmirror_interval_invalidate (lib/test_hmm.c).
//
// Encoding style: straight-line code over a state vector with a path
// condition `g_`: every write is `x := ite(g_, new, x)`; If() narrows g_.
// Branches on a symbolic frame, slot or child mm are split over the (few)
// concrete candidates so the code below uses concrete indices like the
// concrete model does.
#include "solver/smt/symbolic_model.h"

#include <algorithm>
#include <functional>
#include <stdexcept>

#include <fmt/format.h>

namespace mmcheck::solver::smt {

using model::Knobs;
using model::Op;
using model::OpCode;
using model::PteKind;
using model::Universe;
using model::World;
using L = SymbolicLayout;

// Counters (refcount, _mapcount, RSS, swap counts) are 8-bit two's
// complement: exact for |value| < 128, which OutsideSubset() checks.
constexpr unsigned kCounterBits = 8;
// PFNs and the numbers non-present entries carry are 9 bits: the subset's
// are below 0x200 (model::kFirstPfn = 0x100 plus at most 7 frames,
// model::kZeroPfn, swap slot indices, and a device-exclusive entry's PFN
// shifted by PtePfnOfNonPresent), which OutsideSubset() checks. The
// narrowest width that holds them exactly: fewer bits to blast.
constexpr unsigned kPfnBits = 9;

const std::vector<OpCode>& SymbolicOpCodes() {
  static const std::vector<OpCode> codes = {
      OpCode::kMunmap,          OpCode::kFork,    OpCode::kCpuRead, OpCode::kCpuWrite,
      OpCode::kDeviceExclusive, OpCode::kReclaim, OpCode::kMigrate};
  return codes;
}

const std::vector<OpCode>& SymbolicDeviceOpCodes() {
  static const std::vector<OpCode> codes = {OpCode::kUnlockFolio, OpCode::kDeviceMigrateToDev,
                                            OpCode::kDeviceMigrateToSys, OpCode::kDeviceRelease};
  return codes;
}

bool IsSymbolicOp(OpCode code) {
  for (const auto* list : {&SymbolicOpCodes(), &SymbolicDeviceOpCodes()})
    if (std::find(list->begin(), list->end(), code) != list->end()) return true;
  return false;
}

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

const std::vector<SymbolicKnob>& SymbolicKnobTable() {
  using U = SymbolicKnobUse;
  static const std::vector<SymbolicKnob> table = {
      {"gup_split_pmd_hugetlb", U::kNotReached, {}, "no hugetlb VMA in the subset"},
      {"make_exclusive_rejects_hugetlb", U::kNotReached, {}, "no hugetlb folio in the subset"},
      {"make_exclusive_impl", U::kEncoded, {}, ""},
      {"make_exclusive_lock",
       U::kNotReached,
       {},
       "no lock_folio thread in the subset: the folio lock is never contended"},
      {"restore_exclusive_writable", U::kEncoded, {}, ""},
      {"device_exclusive_entry", U::kEncoded, {}, ""},
      {"pvmw_migration_accepts_exclusive", U::kEncoded, {}, ""},
      {"try_to_unmap_nonpresent", U::kEncoded, {}, ""},
      {"try_to_migrate_nonpresent", U::kEncoded, {}, ""},
      {"mkclean_nonpresent",
       U::kNotReached,
       {},
       "page_vma_mkclean_one() runs for shared file folios only, none in the subset"},
      {"referenced_nonpresent",
       U::kNotReached,
       {},
       "the x86-64 young helper leaves a non-present entry unchanged (arch rules out arm64)"},
      {"device_exclusive_mapcount", U::kEncoded, {}, ""},
      {"restore_notifier_event",
       U::kNotReached,
       {},
       "dmirror_interval_invalidate() (lib/test_hmm.c) clears the mirror for both events"},
      {"transparent_hugepage",
       U::kNotReached,
       {},
       "the subset's VMA has MADV_NOHUGEPAGE, so no THP at any setting"},
      {"device_private_migration_entries", U::kEncoded, {}, ""},
      {"pvmw_device_private", U::kEncoded, {}, ""},
      {"ttu_sync_flags",
       U::kNotReached,
       {},
       "the walk flags it overwrites matter only for device folios try_to_migrate() never "
       "sees in the subset"},
      {"check_pte_overlap",
       U::kNotReached,
       {},
       "one-sided and two-sided range tests agree for order-0 folios"},
      {"hmm_pfn_order_shift", U::kNotReached, {}, "HMM PFN bit layout: the Z3 lemmas' subject"},
      {"hmm_pfn_device_private", U::kEncoded, {}, ""},  // through DevicePrivateOffsets()
      {"migrate_pfn_device_private", U::kEncoded, {}, ""},
      {"arch_pfn_bits", U::kNotReached, {}, "PFN width: the Z3 lemmas' subject"},
      {"arch",
       U::kOnly,
       {"x86-64"},
       "folio_referenced_one()'s arm64 young helper rewrites device-exclusive entries "
       "(arch/arm64/include/asm/pgtable.h, 6.12): not encoded"},
      {"referenced_pte_batch", U::kNotReached, {}, "folio_pte_batch() only for large folios"},
      {"device_private_address_space", U::kEncoded, {}, ""},
      {"device_migration_downgrade", U::kEncoded, {}, ""},
      {"device_private_thp", U::kNotReached, {}, "device pages are order 0 in the subset"},
      {"zone_device_folio_init",
       U::kNotReached,
       {},
       "the three forms agree for order-0 device folios (mm/memremap.c)"},
      {"zone_device_free",
       U::kNotReached,
       {},
       "page 0 is every page of an order-0 device folio (mm/memremap.c)"},
      {"device_private_deferred_split", U::kNotReached, {}, "deferred split only for large folios"},
      {"pvmw_device_private_pmd", U::kNotReached, {}, "no device-private PMD in the subset"},
      {"dmirror_device_lookup", U::kEncoded, {}, ""},  // page-to-pfn: see the rules below
      {"dmirror_invalidate_range",
       U::kOnly,
       {"exact"},
       "test_hmm's mirror invalidation one page past the range (Linux 6.12 lib/test_hmm.c "
       "dmirror_do_update): the symbolic model invalidates page by page"},
  };
  return table;
}

const SymbolicKnob* FindSymbolicKnob(std::string_view name) {
  for (const SymbolicKnob& k : SymbolicKnobTable())
    if (k.name == name) return &k;
  return nullptr;
}

std::string SymbolicKnobsUnsupported(const Universe& u, const Knobs& k) {
  return SymbolicKnobsUnsupported(u, k, model::KnobTable());
}

std::string SymbolicKnobsUnsupported(const Universe& u, const Knobs& k,
                                     std::span<const model::KnobInfo> table) {
  for (const model::KnobInfo& info : table) {
    const std::string_view value = model::KnobValueName(info, k);
    const SymbolicKnob* row = FindSymbolicKnob(info.name);
    if (!row)
      return fmt::format("knob {}={} is not encoded symbolically (no row in SymbolicKnobTable)",
                         info.name, value);
    if (row->use == SymbolicKnobUse::kOnly &&
        std::find(row->values.begin(), row->values.end(), value) == row->values.end())
      return fmt::format("knob {}={} is not encoded symbolically: {}", info.name, value, row->why);
  }
  // Combinations of encoded knobs the device-private encoding does not follow.
  if (u.device_pages == 0) return {};
  if (u.devices != 1 || u.device_pages != 1)
    return "the symbolic model encodes device memory as 1 device with 1 device-private page";
  // With offsets and no kind test in check_pte(), a walk for one page can
  // hit an entry of another (model/ops/page_vma_mapped.cpp): not encoded.
  if (model::DevicePrivateOffsets(k) && k.pvmw_device_private == model::PvmwDevicePrivate::kNone)
    return "knob pvmw_device_private=none with device-private offsets: the pfn/offset confusion "
           "of a page_vma_mapped_walk without a kind test is not encoded symbolically";
  // The unconverted driver names the RAM page with the offset's number.
  if (model::DevicePrivateOffsets(k) &&
      k.dmirror_device_lookup == model::DmirrorDeviceLookup::kPageToPfn)
    return "knob dmirror_device_lookup=page-to-pfn with device-private offsets: the mirror "
           "naming a RAM page by a device offset is not encoded symbolically";
  return {};
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

std::string SymbolicLayout::OutsideSubset(const World& w) const {
  if (!(w.universe == u_)) return "universe differs from the layout's";
  if (u_.pmd_order < 1) return "universe needs pmd_order >= 1";
  if (std::string why = SymbolicKnobsUnsupported(u_, w.knobs); !why.empty()) return why;
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
        const model::MirrorEntry& e =
            w.devices[static_cast<size_t>(d)].mirror[static_cast<size_t>(mm * u_.pages + va)];
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

// ---------------------------------------------------------------------------
// The encoder of one step.

namespace {

// A frame: concrete, or symbolic as a one-hot vector of conditions (a frame
// chosen by the state, e.g. the folio a PTE maps or the one folio_alloc
// picks). Code on a symbolic frame is encoded once, not once per frame.
struct Ref {
  Ref(int fr) : concrete(fr) {}  // NOLINT: concrete frames convert implicitly
  explicit Ref(std::vector<z3::expr> one_hot) : is(std::move(one_hot)) {}
  int concrete = -1;
  std::vector<z3::expr> is;
};

class Exec {
 public:
  Exec(z3::context& c, const L& lay, const Knobs& k, SymState s, bool eager)
      : c_(c),
        lay_(lay),
        k_(k),
        u_(lay.universe()),
        s_(std::move(s)),
        g_(c.bool_val(true)),
        eager_(eager),
        offsets_(u_.device_pages > 0 && model::DevicePrivateOffsets(k)),
        pvmw_kind_(k.pvmw_device_private != model::PvmwDevicePrivate::kNone) {}

  SymState& state() { return s_; }

  // ---- expression helpers ----
  z3::expr T() const { return c_.bool_val(true); }
  z3::expr F() const { return c_.bool_val(false); }
  z3::expr B(bool b) const { return c_.bool_val(b); }
  z3::expr K(uint64_t v, unsigned w) const { return c_.bv_val(v, w); }
  z3::expr Kind(PteKind k) const { return K(static_cast<unsigned>(k), 4); }
  z3::expr PfnK(int frame) const {
    return K(model::kFirstPfn + static_cast<unsigned>(frame), kPfnBits);
  }
  z3::expr W16(int v) const { return K(static_cast<uint64_t>(v) & 0xff, kCounterBits); }
  z3::expr Simp(const z3::expr& e) const { return eager_ ? e.simplify() : e; }
  static bool IsFalse(const z3::expr& e) { return e.is_false(); }
  z3::expr And(const z3::expr& a, const z3::expr& b) const {
    if (a.is_true()) return b;
    if (b.is_true()) return a;
    if (a.is_false() || b.is_false()) return F();
    return a && b;
  }

  z3::expr Get(int i) const { return s_[static_cast<size_t>(i)]; }
  void Set(int i, const z3::expr& v) {
    z3::expr& x = s_[static_cast<size_t>(i)];
    if (g_.is_true()) {
      x = Simp(v);
      return;
    }
    if (z3::eq(x, v)) return;
    x = Simp(z3::ite(g_, v, x));
  }
  // A local variable written under the path condition.
  void Assign(z3::expr& var, const z3::expr& v) {
    if (g_.is_true()) {
      var = Simp(v);
      return;
    }
    if (z3::eq(var, v)) return;
    var = Simp(z3::ite(g_, v, var));
  }
  template <typename Fn>
  void If(const z3::expr& cond, Fn&& then) {
    z3::expr c = Simp(cond);
    if (c.is_false()) return;
    z3::expr saved = g_;
    g_ = Simp(And(saved, c));
    if (!g_.is_false()) then();
    g_ = saved;
  }
  template <typename Fn1, typename Fn2>
  void IfElse(const z3::expr& cond, Fn1&& then, Fn2&& otherwise) {
    z3::expr c = Simp(cond);
    If(c, then);
    If(!c, otherwise);
  }

  // ---- state accessors ----
  z3::expr Pte(int mm, int va, L::PteField f) const { return Get(lay_.Pte(mm, va, f)); }
  z3::expr Fr(const Ref& r, L::FrameField f) const {
    if (r.concrete >= 0) return Get(lay_.Frame(r.concrete, f));
    z3::expr acc = Get(lay_.Frame(lay_.frames() - 1, f));
    for (int fr = lay_.frames() - 1; fr-- > 0;)
      acc = z3::ite(r.is[static_cast<size_t>(fr)], Get(lay_.Frame(fr, f)), acc);
    return acc;
  }
  void SetFr(const Ref& r, L::FrameField f, const z3::expr& v) {
    if (r.concrete >= 0) return Set(lay_.Frame(r.concrete, f), v);
    for (int fr = 0; fr < lay_.frames(); ++fr)
      If(r.is[static_cast<size_t>(fr)], [&] { Set(lay_.Frame(fr, f), v); });
  }
  void AddFr(const Ref& r, L::FrameField f, int d) {
    if (r.concrete >= 0) return SetFr(r, f, Fr(r, f) + W16(d));
    for (int fr = 0; fr < lay_.frames(); ++fr)
      If(r.is[static_cast<size_t>(fr)], [&] { SetFr(fr, f, Fr(fr, f) + W16(d)); });
  }
  z3::expr PfnR(const Ref& r) const {
    if (r.concrete >= 0) return PfnK(r.concrete);
    z3::expr acc = PfnK(lay_.frames() - 1);
    for (int fr = lay_.frames() - 1; fr-- > 0;)
      acc = z3::ite(r.is[static_cast<size_t>(fr)], PfnK(fr), acc);
    return acc;
  }
  z3::expr Vma(int mm, int va) const { return Get(lay_.VmaAt(mm, va)); }
  z3::expr Exists(int mm) const { return Get(lay_.MmExists(mm)); }
  void AddRssAnon(int mm, int d) { Set(lay_.RssAnon(mm), Get(lay_.RssAnon(mm)) + W16(d)); }
  void AddRssSwap(int mm, int d) { Set(lay_.RssSwap(mm), Get(lay_.RssSwap(mm)) + W16(d)); }
  z3::expr KindIs(int mm, int va, PteKind k) const { return Pte(mm, va, L::kKind) == Kind(k); }
  // softleaf_is_migration(): the plain and (niethe) device migration kinds.
  z3::expr IsMigration(const z3::expr& kind) const {
    return kind == Kind(PteKind::kMigrationRead) ||
           kind == Kind(PteKind::kMigrationReadExclusive) ||
           kind == Kind(PteKind::kMigrationWrite) || IsDevMig(kind);
  }
  z3::expr IsDevMig(const z3::expr& kind) const {
    return kind == Kind(PteKind::kMigrationDeviceRead) ||
           kind == Kind(PteKind::kMigrationDeviceReadExclusive) ||
           kind == Kind(PteKind::kMigrationDeviceWrite);
  }
  z3::expr IsMigRead(const z3::expr& kind) const {
    return kind == Kind(PteKind::kMigrationRead) || kind == Kind(PteKind::kMigrationDeviceRead);
  }
  z3::expr IsMigWrite(const z3::expr& kind) const {
    return kind == Kind(PteKind::kMigrationWrite) || kind == Kind(PteKind::kMigrationDeviceWrite);
  }
  // ---- device-private pages (World::EntryFrame, DevicePrivateNumber) ----
  // The number an entry naming device frame d carries: its PFN after RAM, or
  // (offsets) kFirstPfn + its index in the device-private space.
  z3::expr NumK(int d) const {
    return K(model::kFirstPfn + static_cast<unsigned>(offsets_ ? d : lay_.frames() + d), kPfnBits);
  }
  int DevRef(int d) const { return lay_.DevFrame(d); }
  int OwnerOf(int d) const { return d / std::max(1, u_.device_pages); }
  // EntryFrame() resolves this kind through the device-private space.
  z3::expr ByKind(const z3::expr& kind) const {
    return offsets_ ? IsDevPriv(kind) || IsDevMig(kind) : F();
  }
  // EntryFrame(entry) is device frame d.
  z3::expr EntryDev(const z3::expr& kind, const z3::expr& pfn, int d) const {
    return offsets_ ? ByKind(kind) && pfn == NumK(d) : pfn == NumK(d);
  }
  z3::expr MapsDev(int mm, int va, int d) const {
    z3::expr kind = Pte(mm, va, L::kKind);
    return HasPfn(kind) && !Pte(mm, va, L::kSpecial) && EntryDev(kind, Pte(mm, va, L::kPfn), d);
  }
  z3::expr IsDevExcl(const z3::expr& kind) const {
    return kind == Kind(PteKind::kDeviceExclusive) || kind == Kind(PteKind::kDeviceExclusiveRead) ||
           kind == Kind(PteKind::kDeviceExclusiveWrite);
  }
  z3::expr IsDevPriv(const z3::expr& kind) const {
    return kind == Kind(PteKind::kDevicePrivateRead) || kind == Kind(PteKind::kDevicePrivateWrite);
  }
  // softleaf_has_pfn() (model::HasPfn).
  z3::expr HasPfn(const z3::expr& kind) const {
    return kind == Kind(PteKind::kPresent) || IsMigration(kind) || IsDevExcl(kind) ||
           IsDevPriv(kind) || kind == Kind(PteKind::kHwpoison);
  }
  // World::MappedFrame(mm, va) == fr for RAM frame fr (no huge PMDs in the subset).
  z3::expr MapsFrame(int mm, int va, const Ref& fr) const {
    z3::expr kind = Pte(mm, va, L::kKind);
    return HasPfn(kind) && !Pte(mm, va, L::kSpecial) && !ByKind(kind) &&
           Pte(mm, va, L::kPfn) == PfnR(fr);
  }
  // FolioAt(mm, va) == fr: mapped and allocated.
  z3::expr FolioAt(int mm, int va, const Ref& fr) const {
    return MapsFrame(mm, va, fr) && Fr(fr, L::kAlloc);
  }
  // folio_mapcount() > 0 (order 0: _mapcount + 1), signed.
  z3::expr Mapped(const Ref& fr) const { return (Fr(fr, L::kMap) + W16(1)) > W16(0); }
  z3::expr CanAlloc() const {
    z3::expr any = F();
    for (int fr = 0; fr < lay_.frames(); ++fr) any = any || !Fr(fr, L::kAlloc);
    return any;
  }

  struct PteVals {
    z3::expr kind, pfn, write, dirty, young, soft_dirty, special, swp_exclusive;
  };
  PteVals ReadPte(int mm, int va) const {
    return {Pte(mm, va, L::kKind),    Pte(mm, va, L::kPfn),         Pte(mm, va, L::kWrite),
            Pte(mm, va, L::kDirty),   Pte(mm, va, L::kYoung),       Pte(mm, va, L::kSoftDirty),
            Pte(mm, va, L::kSpecial), Pte(mm, va, L::kSwpExclusive)};
  }
  void WritePte(int mm, int va, const PteVals& p) {
    Set(lay_.Pte(mm, va, L::kKind), p.kind);
    Set(lay_.Pte(mm, va, L::kPfn), p.pfn);
    Set(lay_.Pte(mm, va, L::kWrite), p.write);
    Set(lay_.Pte(mm, va, L::kDirty), p.dirty);
    Set(lay_.Pte(mm, va, L::kYoung), p.young);
    Set(lay_.Pte(mm, va, L::kSoftDirty), p.soft_dirty);
    Set(lay_.Pte(mm, va, L::kSpecial), p.special);
    Set(lay_.Pte(mm, va, L::kSwpExclusive), p.swp_exclusive);
  }
  PteVals NonePte() const {
    return {Kind(PteKind::kNone), K(0, kPfnBits), F(), F(), F(), F(), F(), F()};
  }

  // ---- splits over concrete candidates ----
  // The frame `pfn` names (REQUIRES: it names one): body(frame), encoded once.
  template <typename Fn>
  void ForFrame(const z3::expr& pfn, Fn&& body) {
    std::vector<z3::expr> is;
    z3::expr any = F();
    for (int fr = 0; fr < lay_.frames(); ++fr) {
      is.push_back(pfn == PfnK(fr));
      any = any || is.back();
    }
    If(any, [&] { body(Ref(std::move(is))); });
  }
  // The allocated folio `pfn` names: body(frame), encoded once; else none()
  // (head < 0).
  template <typename Fn, typename None>
  void ForFolio(const z3::expr& pfn, Fn&& body, None&& none) {
    z3::expr any = F();
    std::vector<z3::expr> at;
    for (int fr = 0; fr < lay_.frames(); ++fr) {
      at.push_back(pfn == PfnK(fr) && Fr(fr, L::kAlloc));
      any = any || at.back();
    }
    const Ref r(std::move(at));
    If(any, [&] { body(r); });
    If(!any, none);
  }
  template <typename Fn>
  void ForSlot(const z3::expr& index, Fn&& body) {
    for (int s = 0; s < u_.swap_slots; ++s)
      If(index == K(static_cast<unsigned>(s), kPfnBits), [&] { body(s); });
  }

  // ---- folio lifetime (mm/page_alloc.c, mm/swap.c; model/ops/memory.cpp) ----
  void ClearFrame(const Ref& fr) {
    SetFr(fr, L::kAlloc, F());
    SetFr(fr, L::kRef, W16(0));
    SetFr(fr, L::kMap, W16(-1));
    SetFr(fr, L::kAnon, F());
    SetFr(fr, L::kFDirty, F());
    SetFr(fr, L::kSwapbacked, F());
    SetFr(fr, L::kLru, F());
    SetFr(fr, L::kAnonExcl, F());
    SetFr(fr, L::kData, K(0, 8));
  }
  // folio_alloc(w, 0): the lowest free frame, refcount 1, on the LRU.
  template <typename Fn, typename Oom>
  void folio_alloc(Fn&& body, Oom&& oom) {
    // The choice is decided on the state before the body runs.
    z3::expr below_all_alloc = T();
    std::vector<z3::expr> chosen;
    for (int fr = 0; fr < lay_.frames(); ++fr) {
      chosen.push_back(And(below_all_alloc, !Fr(fr, L::kAlloc)));
      below_all_alloc = And(below_all_alloc, Fr(fr, L::kAlloc));
    }
    const Ref nf(chosen);
    If(!below_all_alloc, [&] {
      ClearFrame(nf);
      SetFr(nf, L::kAlloc, T());
      SetFr(nf, L::kRef, W16(1));
      SetFr(nf, L::kLru, T());
      body(nf);
    });
    If(below_all_alloc, oom);
  }
  void folio_get(const Ref& fr, int n = 1) { AddFr(fr, L::kRef, n); }
  void folio_put(const Ref& fr, int n = 1) {
    AddFr(fr, L::kRef, -n);
    If(!(Fr(fr, L::kRef) > W16(0)), [&] {
      if (fr.concrete >= lay_.frames()) {
        // free_zone_device_folio() (mm/memremap.c v6.15): put_dev_pagemap.
        const int pg = lay_.PgmapRef(OwnerOf(fr.concrete - lay_.frames()));
        Set(pg, Get(pg) - W16(1));
      }
      ClearFrame(fr);
    });
  }
  // folio_add_new_anon_rmap_pte (mm/rmap.c), order 0.
  void folio_add_new_anon_rmap_pte(const Ref& fr) {
    SetFr(fr, L::kAnon, T());
    SetFr(fr, L::kSwapbacked, T());
    SetFr(fr, L::kMap, W16(0));
    SetFr(fr, L::kAnonExcl, T());
  }

  // mmu_notifier_invalidate of one page -> dmirror_interval_invalidate on
  // every device (no MMU_NOTIFY_MIGRATE owner events in the subset).
  // MMU_NOTIFY_MIGRATE with pgmap_owner `owner`: that device's
  // dmirror_interval_invalidate() returns early (lib/test_hmm.c).
  void Invalidate(int mm, int va, int migrate_owner = -1) {
    for (int d = 0; d < u_.devices; ++d) {
      if (d == migrate_owner) continue;
      ClearMirror(d, mm, va);
    }
  }
  void ClearMirror(int d, int mm, int va) {
    Set(lay_.MirrorPerm(d, mm, va), K(model::kMirrorNone, 2));
    Set(lay_.MirrorPfn(d, mm, va), K(0, kPfnBits));
    Set(lay_.MirrorDp(d, mm, va), F());
  }

  // ---- faults (mm/memory.c) ----
  // AccessHits(): all subset VMAs are readable and writable.
  z3::expr AccessHits(int mm, int va, bool write) const {
    z3::expr h = Vma(mm, va) && KindIs(mm, va, PteKind::kPresent);
    return write ? h && Pte(mm, va, L::kWrite) : h;
  }

  // do_anonymous_page(): the zero page on read; a fresh exclusive folio on
  // write (ThpEligible is false under MADV_NOHUGEPAGE).
  void do_anonymous_page(int mm, int va, bool write, z3::expr& ok) {
    if (!write) {
      PteVals p = NonePte();
      p.kind = Kind(PteKind::kPresent);
      p.pfn = K(model::kZeroPfn, kPfnBits);
      p.special = T();
      WritePte(mm, va, p);
      return;
    }
    Set(lay_.AnonVma(mm), T());  // anon_vma_prepare()
    folio_alloc(
        [&](const Ref& fr) {
          folio_add_new_anon_rmap_pte(fr);
          WritePte(mm, va, {Kind(PteKind::kPresent), PfnR(fr), T(), T(), T(), T(), F(), F()});
          AddRssAnon(mm, 1);
        },
        [&] { Assign(ok, F()); });
  }

  // wp_page_copy(): `old_fr` is the old page's frame, null for the zero page.
  void wp_page_copy(int mm, int va, const Ref* old_fr, z3::expr& ok) {
    Set(lay_.AnonVma(mm), T());  // anon_vma_prepare()
    folio_alloc(
        [&](const Ref& nf) {
          Invalidate(mm, va);
          if (old_fr) SetFr(nf, L::kData, Fr(*old_fr, L::kData));
          folio_add_new_anon_rmap_pte(nf);
          WritePte(mm, va, {Kind(PteKind::kPresent), PfnR(nf), T(), T(), T(), T(), F(), F()});
          if (!old_fr) {
            AddRssAnon(mm, 1);
          } else {
            // rss[RssCounterOf(old)]-- then rss[anon]++: anon folios only.
            AddFr(*old_fr, L::kMap, -1);  // folio_remove_rmap_pte
            folio_put(*old_fr);
          }
        },
        [&] { Assign(ok, F()); });
  }

  // do_wp_page(): reuse an exclusive (or solely referenced) anon page, else copy.
  void do_wp_page(int mm, int va, z3::expr& ok) {
    IfElse(
        Pte(mm, va, L::kSpecial), [&] { wp_page_copy(mm, va, nullptr, ok); },
        [&] {
          ForFolio(
              Pte(mm, va, L::kPfn),
              [&](const Ref& fr) {
                z3::expr reuse =
                    Fr(fr, L::kAnon) && (Fr(fr, L::kAnonExcl) || Fr(fr, L::kRef) == W16(1));
                IfElse(
                    reuse,
                    [&] {
                      SetFr(fr, L::kAnonExcl, T());
                      Set(lay_.Pte(mm, va, L::kWrite), T());
                      Set(lay_.Pte(mm, va, L::kYoung), T());
                      Set(lay_.Pte(mm, va, L::kDirty), T());
                      Set(lay_.Pte(mm, va, L::kSoftDirty), T());
                      SetFr(fr, L::kFDirty, T());
                    },
                    [&] { wp_page_copy(mm, va, &fr, ok); });
              },
              [&] { Assign(ok, F()); });  // BadPte: SIGBUS
        });
  }

  // do_swap_page() for a swap entry: read into a fresh folio (no swapcache).
  void do_swap_page_swap(int mm, int va, bool write, z3::expr& ok) {
    const PteVals old = ReadPte(mm, va);
    ForSlot(old.pfn, [&](int s) {
      folio_alloc(
          [&](const Ref& fr) {
            z3::expr excl = old.swp_exclusive || Get(lay_.SlotCount(s)) == W16(1);
            SetFr(fr, L::kData, Get(lay_.SlotData(s)));
            SetFr(fr, L::kAnon, T());
            SetFr(fr, L::kSwapbacked, T());
            SetFr(fr, L::kMap, W16(0));
            SetFr(fr, L::kAnonExcl, excl);
            Set(lay_.SlotCount(s), Get(lay_.SlotCount(s)) - W16(1));
            AddRssSwap(mm, -1);
            AddRssAnon(mm, 1);
            z3::expr w = write ? excl : F();
            WritePte(mm, va,
                     {Kind(PteKind::kPresent), PfnR(fr), w, w, T(), old.soft_dirty || w, F(), F()});
            If(w, [&] { SetFr(fr, L::kFDirty, T()); });
          },
          [&] { Assign(ok, F()); });
    });
  }

  // can_change_pte_writable() for a private anon mapping: an AnonExclusive page.
  z3::expr CanChangePteWritable(int mm, int va, const z3::expr& pfn) const {
    z3::expr any = F();
    for (int fr = 0; fr < lay_.frames(); ++fr)
      any =
          any || (pfn == PfnK(fr) && Fr(fr, L::kAlloc) && Fr(fr, L::kAnon) && Fr(fr, L::kAnonExcl));
    return Vma(mm, va) && any;
  }

  // restore_exclusive_pte() (knobs restore_exclusive_writable, device_exclusive_mapcount).
  void restore_exclusive_pte(int mm, int va) {
    const PteVals old = ReadPte(mm, va);
    PteVals fresh = NonePte();
    fresh.kind = Kind(PteKind::kPresent);
    fresh.pfn = old.pfn;
    if (k_.restore_exclusive_writable == model::RestoreExclusiveWritable::kMaybeMkwriteDirty) {
      z3::expr write_entry = old.kind != Kind(PteKind::kDeviceExclusiveRead);
      fresh.dirty = write_entry;
      fresh.soft_dirty = old.soft_dirty || write_entry;
      fresh.write = write_entry && Vma(mm, va);
    } else {
      z3::expr folio_dirty = F();
      for (int fr = 0; fr < lay_.frames(); ++fr)
        folio_dirty =
            folio_dirty || (old.pfn == PfnK(fr) && Fr(fr, L::kAlloc) && Fr(fr, L::kFDirty));
      fresh.dirty = folio_dirty;
      fresh.soft_dirty = old.soft_dirty || folio_dirty;
      fresh.write = CanChangePteWritable(mm, va, old.pfn);
    }
    WritePte(mm, va, fresh);
    if (k_.device_exclusive_mapcount == model::DeviceExclusiveMapcount::kDropped)
      for (int fr = 0; fr < lay_.frames(); ++fr)
        If(old.pfn == PfnK(fr) && Fr(fr, L::kAlloc) && Fr(fr, L::kAnon),
           [&] { AddFr(fr, L::kMap, 1); });  // folio_add_anon_rmap_pte(RMAP_NONE)
  }

  // remove_device_exclusive_entry(): get, notify, restore, put.
  void remove_device_exclusive_entry(int mm, int va) {
    ForFolio(
        Pte(mm, va, L::kPfn),
        [&](const Ref& fr) {
          folio_get(fr);
          Invalidate(mm, va);
          restore_exclusive_pte(mm, va);
          folio_put(fr);
        },
        [] {});
  }

  // handle_mm_fault(); `ok` := false for every fault that is not VM_FAULT ok.
  void handle_mm_fault(int mm, int va, bool write, z3::expr& ok) {
    IfElse(
        !Vma(mm, va), [&] { Assign(ok, F()); },
        [&] {
          z3::expr kind = Pte(mm, va, L::kKind);
          IfElse(
              kind == Kind(PteKind::kNone), [&] { do_anonymous_page(mm, va, write, ok); },
              [&] {
                IfElse(
                    kind == Kind(PteKind::kPresent),
                    [&] {
                      if (write)
                        IfElse(
                            !Pte(mm, va, L::kWrite), [&] { do_wp_page(mm, va, ok); },
                            [&] { Set(lay_.Pte(mm, va, L::kYoung), T()); });
                      else
                        Set(lay_.Pte(mm, va, L::kYoung), T());
                    },
                    [&] {
                      IfElse(
                          kind == Kind(PteKind::kSwap),
                          [&] { do_swap_page_swap(mm, va, write, ok); },
                          [&] {
                            IfElse(
                                IsDevExcl(kind), [&] { remove_device_exclusive_entry(mm, va); },
                                [&] {
                                  IfElse(
                                      IsDevPriv(kind),
                                      [&] { do_swap_page_device_private(mm, va, ok); },
                                      [&] { Assign(ok, F()); });  // migration: blocked
                                });
                          });
                    });
              });
        });
  }

  // FaultIn(): up to 4 faults until the access hits, then a last check.
  z3::expr FaultIn(int mm, int va, bool write) {
    z3::expr done = F(), ok = T();
    for (int attempt = 0; attempt < 4; ++attempt)
      If(!done, [&] {
        IfElse(
            AccessHits(mm, va, write), [&] { Assign(done, T()); },
            [&] {
              z3::expr fok = T();
              handle_mm_fault(mm, va, write, fok);
              If(!fok, [&] {
                Assign(ok, F());
                Assign(done, T());
              });
            });
      });
    If(!done, [&] { Assign(ok, AccessHits(mm, va, write)); });
    return ok;
  }

  // get_user_page_remote(FOLL_WRITE | FOLL_SPLIT_PMD) (mm/gup.c): true with
  // a reference on the folio mapped at (mm, va) after the call.
  z3::expr get_user_page_remote(int mm, int va) {
    z3::expr got = F(), done = F();
    If(Vma(mm, va), [&] {
      for (int attempt = 0; attempt < 4; ++attempt)
        If(!done, [&] {
          IfElse(
              AccessHits(mm, va, true),
              [&] {
                Assign(done, T());
                ForFolio(
                    Pte(mm, va, L::kPfn),
                    [&](const Ref& fr) {
                      If(!Pte(mm, va, L::kSpecial), [&] {
                        folio_get(fr);
                        Assign(got, T());
                      });
                    },
                    [] {});
              },
              [&] {
                z3::expr fok = T();
                handle_mm_fault(mm, va, true, fok);
                If(!fok, [&] { Assign(done, T()); });
              });
        });
    });
    return got;
  }

  // ---- rmap (mm/rmap.c, mm/page_vma_mapped.c) ----
  // check_pte() outside PVMW_MIGRATION for an order-0 folio at frame `fr`.
  z3::expr Hit(int mm, int va, const Ref& fr) const {
    z3::expr kind = Pte(mm, va, L::kKind);
    // niethe's kind test rejects device-private entries for a RAM walk;
    // without it they carry device PFNs (offsets are not encoded without it).
    z3::expr accepted = (kind == Kind(PteKind::kPresent) && !Pte(mm, va, L::kSpecial)) ||
                        IsDevExcl(kind) || (pvmw_kind_ ? F() : IsDevPriv(kind));
    return Exists(mm) && Vma(mm, va) && accepted && Pte(mm, va, L::kPfn) == PfnR(fr);
  }
  // The same walk (DEFINE_FOLIO_VMA_WALK, no PVMW_MIGRATION) for device frame d.
  z3::expr DevHit(int mm, int va, int d) const {
    z3::expr kind = Pte(mm, va, L::kKind);
    z3::expr accepted = pvmw_kind_
                            ? IsDevPriv(kind)
                            : (kind == Kind(PteKind::kPresent) && !Pte(mm, va, L::kSpecial)) ||
                                  IsDevExcl(kind) || IsDevPriv(kind);
    return Exists(mm) && Vma(mm, va) && accepted && Pte(mm, va, L::kPfn) == NumK(d);
  }
  // remove_migration_ptes()' walk (PVMW_SYNC | PVMW_MIGRATION) for device frame d.
  z3::expr DevMigHit(int mm, int va, int d) const {
    z3::expr kind = Pte(mm, va, L::kKind);
    z3::expr ok = IsMigration(kind) ||
                  (k_.pvmw_migration_accepts_exclusive == model::PvmwMigrationAcceptsExclusive::kYes
                       ? IsDevExcl(kind)
                       : F());
    if (pvmw_kind_) ok = ok && IsDevMig(kind);
    return Exists(mm) && Vma(mm, va) && ok && Pte(mm, va, L::kPfn) == NumK(d);
  }
  template <typename HitFn>
  std::vector<z3::expr> Hits(HitFn&& hit) {
    std::vector<z3::expr> out;
    for (int mm = 0; mm < u_.mms; ++mm)
      for (int va = 0; va < u_.pages; ++va) out.push_back(Simp(hit(mm, va)));
    return out;
  }
  z3::expr ExclusiveKind(const z3::expr& writable) const {
    if (k_.device_exclusive_entry == model::DeviceExclusiveEntry::kSingle)
      return Kind(PteKind::kDeviceExclusive);
    return z3::ite(writable, Kind(PteKind::kDeviceExclusiveWrite),
                   Kind(PteKind::kDeviceExclusiveRead));
  }
  void MakeExclusiveEntry(int mm, int va, const Ref& fr, const z3::expr& writable) {
    const PteVals old = ReadPte(mm, va);
    If(old.dirty, [&] { SetFr(fr, L::kFDirty, T()); });
    PteVals p = NonePte();
    p.kind = ExclusiveKind(writable);
    p.pfn = old.pfn;
    p.soft_dirty = old.soft_dirty;
    WritePte(mm, va, p);
    if (k_.device_exclusive_mapcount == model::DeviceExclusiveMapcount::kDropped)
      AddFr(fr, L::kMap, -1);  // folio_remove_rmap_pte
  }

  // folio_make_device_exclusive(): rmap walk with page_make_device_exclusive_one.
  z3::expr folio_make_device_exclusive(const Ref& fr, int req_mm, int req_va) {
    z3::expr result = F();
    If(Fr(fr, L::kAnon), [&] {
      z3::expr valid = F(), walk_ok = T();
      for (int mm = 0; mm < u_.mms; ++mm)
        If(walk_ok && Mapped(fr), [&] {  // rwc.done = folio_not_mapped, per VMA
          for (int va = 0; va < u_.pages; ++va)
            If(walk_ok && Hit(mm, va, fr), [&] {
              Invalidate(mm, va);
              IfElse(
                  !KindIs(mm, va, PteKind::kPresent), [&] { Assign(walk_ok, F()); },
                  [&] {
                    z3::expr w = Pte(mm, va, L::kWrite);
                    if (mm == req_mm && va == req_va) If(w, [&] { Assign(valid, T()); });
                    MakeExclusiveEntry(mm, va, fr, w);
                  });
            });
        });
      Assign(result, walk_ok && valid && (Fr(fr, L::kMap) + W16(1)) == W16(0));
    });
    return result;
  }

  void MapAtomic(int dev, int mm, int va, const z3::expr& pfn) {
    Set(lay_.MirrorPerm(dev, mm, va), K(model::kMirrorAtomic, 2));
    Set(lay_.MirrorPfn(dev, mm, va), pfn);
    Set(lay_.MirrorDp(dev, mm, va), F());
  }

  // ApplyDeviceExclusive (HMM_DMIRROR_EXCLUSIVE), per make_exclusive_impl.
  void DeviceExclusive(int dev, int mm, int va, int n) {
    if (k_.make_exclusive_impl == model::MakeExclusiveImpl::kRangeRmapWalk) {
      // make_device_exclusive_range(): GUP every page first, then convert.
      std::vector<z3::expr> got, pfn, conv;
      z3::expr stopped = F();
      for (int i = 0; i < n; ++i) {
        got.push_back(F());
        pfn.push_back(K(0, kPfnBits));
        conv.push_back(F());
        If(!stopped, [&] {
          z3::expr g = get_user_page_remote(mm, va + i);
          IfElse(
              g,
              [&] {
                Assign(got[static_cast<size_t>(i)], T());
                Assign(pfn[static_cast<size_t>(i)], Pte(mm, va + i, L::kPfn));
              },
              [&] { Assign(stopped, T()); });
        });
      }
      for (int i = 0; i < n; ++i)
        If(got[static_cast<size_t>(i)], [&] {
          ForFrame(pfn[static_cast<size_t>(i)], [&](const Ref& fr) {
            z3::expr ok = folio_make_device_exclusive(fr, mm, va + i);
            IfElse(
                ok, [&] { Assign(conv[static_cast<size_t>(i)], T()); }, [&] { folio_put(fr); });
          });
        });
      z3::expr all = T();
      for (int i = 0; i < n; ++i) all = all && conv[static_cast<size_t>(i)];
      If(all, [&] {
        for (int i = 0; i < n; ++i) MapAtomic(dev, mm, va + i, pfn[static_cast<size_t>(i)]);
      });
      for (int i = 0; i < n; ++i)
        If(conv[static_cast<size_t>(i)],
           [&] { ForFrame(pfn[static_cast<size_t>(i)], [&](const Ref& fr) { folio_put(fr); }); });
      return;
    }
    // make_device_exclusive() per address (hildenbrand-v2 03/17, 04/17).
    z3::expr stopped = F();
    for (int pos = va; pos < va + n; ++pos)
      If(!stopped, [&] {
        z3::expr g = get_user_page_remote(mm, pos);
        IfElse(
            !g, [&] { Assign(stopped, T()); },
            [&] {
              const z3::expr pfn = Pte(mm, pos, L::kPfn);
              ForFrame(pfn, [&](const Ref& fr) {
                IfElse(
                    !Fr(fr, L::kAnon),
                    [&] {
                      folio_put(fr);
                      Assign(stopped, T());  // -EOPNOTSUPP
                    },
                    [&] {
                      z3::expr ok = T();
                      if (k_.make_exclusive_impl == model::MakeExclusiveImpl::kSingleFolioWalk) {
                        Invalidate(mm, pos);
                        MakeExclusiveEntry(mm, pos, fr, T());
                      } else {
                        ok = folio_make_device_exclusive(fr, mm, pos);
                      }
                      IfElse(
                          !ok,
                          [&] {
                            folio_put(fr);
                            Assign(stopped, T());  // -EBUSY
                          },
                          [&] {
                            MapAtomic(dev, mm, pos, PfnR(fr));
                            folio_put(fr);
                          });
                    });
              });
            });
      });
  }

  // try_to_unmap() for reclaim into swap slot `slot` (knob try_to_unmap_nonpresent).
  void try_to_unmap(const Ref& fr, int slot) {
    for (int mm = 0; mm < u_.mms; ++mm)
      If(Exists(mm) && Mapped(fr), [&] {
        for (int va = 0; va < u_.pages; ++va)
          If(Hit(mm, va, fr), [&] {
            const PteVals old = ReadPte(mm, va);
            Invalidate(mm, va);
            z3::expr present = old.kind == Kind(PteKind::kPresent);
            z3::expr pfn = old.pfn;
            if (k_.try_to_unmap_nonpresent == model::NonPresentPfn::kPtePfn)
              pfn = z3::ite(present, old.pfn, z3::lshr(old.pfn, 3));  // PtePfnOfNonPresent
            z3::expr garbage = pfn != PfnR(fr);
            z3::expr ax = !garbage && Fr(fr, L::kAnon) && Fr(fr, L::kAnonExcl);
            If(present && old.dirty, [&] { SetFr(fr, L::kFDirty, T()); });
            If(!garbage, [&] { SetFr(fr, L::kAnonExcl, F()); });
            AddRssAnon(mm, -1);
            AddRssSwap(mm, 1);
            PteVals p = NonePte();
            p.kind = Kind(PteKind::kSwap);
            p.pfn = K(static_cast<unsigned>(slot), kPfnBits);
            p.swp_exclusive = ax;
            p.soft_dirty = old.soft_dirty;
            WritePte(mm, va, p);
            Set(lay_.SlotCount(slot), Get(lay_.SlotCount(slot)) + W16(1));
            Set(lay_.SlotData(slot), Fr(fr, L::kData));
            If(!garbage, [&] { AddFr(fr, L::kMap, -1); });
            folio_put(fr);
          });
      });
  }

  // folio_referenced(): any young reference found (and cleared).
  z3::expr folio_referenced(const Ref& fr) {
    z3::expr referenced = F();
    z3::expr counter = Fr(fr, L::kMap) + W16(1);
    If(counter != W16(0), [&] {
      for (int mm = 0; mm < u_.mms; ++mm)
        for (int va = 0; va < u_.pages; ++va)
          If(counter > W16(0) && Hit(mm, va, fr), [&] {
            If(KindIs(mm, va, PteKind::kPresent), [&] {
              Assign(referenced, referenced || Pte(mm, va, L::kYoung));
              Set(lay_.Pte(mm, va, L::kYoung), F());
            });
            Assign(counter, counter - W16(1));
          });
    });
    return referenced;
  }

  // shrink_folio(ignore_references = false): returns "eligible but not reclaimed".
  z3::expr shrink_folio(const Ref& fr) {
    // ReclaimEligible()
    z3::expr free_slot = F();
    for (int s = 0; s < u_.swap_slots; ++s)
      free_slot = free_slot || Get(lay_.SlotCount(s)) == W16(0);
    z3::expr young = F();
    for (int mm = 0; mm < u_.mms; ++mm)
      for (int va = 0; va < u_.pages; ++va)
        young = young || (Exists(mm) && MapsFrame(mm, va, fr) &&
                          KindIs(mm, va, PteKind::kPresent) && Pte(mm, va, L::kYoung));
    const z3::expr eligible = Simp(Fr(fr, L::kAnon) && Fr(fr, L::kLru) && free_slot && !young);
    z3::expr stuck = F();
    auto keep = [&] {
      SetFr(fr, L::kLru, T());
      folio_put(fr);
      Assign(stuck, eligible);
    };
    IfElse(
        !Fr(fr, L::kLru) || !Fr(fr, L::kAnon), [&] { Assign(stuck, eligible); },
        [&] {
          SetFr(fr, L::kLru, F());
          folio_get(fr);  // isolation
          z3::expr referenced = folio_referenced(fr);
          IfElse(referenced, keep, [&] {
            z3::expr none_below = T();
            std::vector<z3::expr> chosen;
            for (int s = 0; s < u_.swap_slots; ++s) {
              chosen.push_back(none_below && Get(lay_.SlotCount(s)) == W16(0));
              none_below = none_below && Get(lay_.SlotCount(s)) != W16(0);
            }
            for (int s = 0; s < u_.swap_slots; ++s) {
              If(chosen[static_cast<size_t>(s)], [&] {
                folio_get(fr);  // swapcache
                If(Mapped(fr), [&] { try_to_unmap(fr, s); });
                IfElse(
                    Mapped(fr),
                    [&] {
                      folio_put(fr);
                      keep();
                    },
                    [&] {
                      Set(lay_.SlotData(s), Fr(fr, L::kData));  // pageout
                      SetFr(fr, L::kFDirty, F());
                      IfElse(
                          Fr(fr, L::kRef) != W16(2),
                          [&] {
                            folio_put(fr);
                            keep();
                          },
                          [&] {
                            SetFr(fr, L::kRef, W16(1));
                            folio_put(fr);  // freed: nothing references it any more
                          });
                    });
              });
            }
            If(none_below, keep);  // add_to_swap failed
          });
        });
    return stuck;
  }

  // try_to_migrate() (knob try_to_migrate_nonpresent).
  void try_to_migrate(const Ref& fr) {
    const bool pte_pfn = k_.try_to_migrate_nonpresent == model::NonPresentPfn::kPtePfn;
    for (int mm = 0; mm < u_.mms; ++mm)
      If(Exists(mm) && Mapped(fr), [&] {
        for (int va = 0; va < u_.pages; ++va)
          If(Hit(mm, va, fr), [&] {
            const PteVals old = ReadPte(mm, va);
            Invalidate(mm, va);
            z3::expr present = old.kind == Kind(PteKind::kPresent);
            z3::expr pfn = pte_pfn ? z3::ite(present, old.pfn, z3::lshr(old.pfn, 3)) : old.pfn;
            z3::expr writable =
                z3::ite(present, old.write,
                        pte_pfn ? old.soft_dirty : old.kind == Kind(PteKind::kDevicePrivateWrite));
            z3::expr garbage = pfn != PfnR(fr);
            z3::expr ax = !garbage && Fr(fr, L::kAnon) && Fr(fr, L::kAnonExcl);
            If(present && old.dirty, [&] { SetFr(fr, L::kFDirty, T()); });
            If(!garbage, [&] { SetFr(fr, L::kAnonExcl, F()); });
            PteVals p = NonePte();
            p.kind = z3::ite(
                writable, Kind(PteKind::kMigrationWrite),
                z3::ite(ax, Kind(PteKind::kMigrationReadExclusive), Kind(PteKind::kMigrationRead)));
            p.pfn = pfn;
            p.young = present && old.young;
            p.dirty = present && old.dirty;
            p.soft_dirty = old.soft_dirty;
            WritePte(mm, va, p);
            If(!garbage, [&] { AddFr(fr, L::kMap, -1); });
            folio_put(fr);
          });
      });
  }

  // remove_migration_ptes(src, dst) (knob pvmw_migration_accepts_exclusive).
  void remove_migration_ptes(const Ref& src, const Ref& dst) {
    const bool accepts_excl =
        k_.pvmw_migration_accepts_exclusive == model::PvmwMigrationAcceptsExclusive::kYes;
    for (int mm = 0; mm < u_.mms; ++mm)
      for (int va = 0; va < u_.pages; ++va) {
        z3::expr kind = Pte(mm, va, L::kKind);
        z3::expr mig = pvmw_kind_ ? IsMigration(kind) && !IsDevMig(kind) : IsMigration(kind);
        z3::expr ok = accepts_excl ? mig || IsDevExcl(kind) : mig;
        If(Exists(mm) && Vma(mm, va) && ok && Pte(mm, va, L::kPfn) == PfnR(src), [&] {
          const PteVals old = ReadPte(mm, va);
          folio_get(dst);
          PteVals p = NonePte();
          p.kind = Kind(PteKind::kPresent);
          p.pfn = PfnR(dst);
          p.young = old.young;
          p.dirty = Fr(dst, L::kFDirty) && old.dirty;
          p.soft_dirty = old.soft_dirty;
          p.write = old.kind == Kind(PteKind::kMigrationWrite);
          WritePte(mm, va, p);
          AddFr(dst, L::kMap, 1);
          If(Fr(dst, L::kAnon) && old.kind != Kind(PteKind::kMigrationRead),
             [&] { SetFr(dst, L::kAnonExcl, T()); });
        });
      }
  }

  // MigrateWithProgress(tries = 1) / migrate_folio(): returns "eligible but not migrated".
  z3::expr Migrate(const Ref& fr) {
    z3::expr explained = W16(0);
    for (int mm = 0; mm < u_.mms; ++mm)
      for (int va = 0; va < u_.pages; ++va)
        explained = explained + z3::ite(Exists(mm) && MapsFrame(mm, va, fr) &&
                                            !IsMigration(Pte(mm, va, L::kKind)),
                                        W16(1), W16(0));
    const z3::expr eligible = Simp(Fr(fr, L::kLru) && CanAlloc() && Fr(fr, L::kRef) == explained);
    z3::expr migrated = F();
    If(Fr(fr, L::kLru), [&] {
      SetFr(fr, L::kLru, F());
      folio_get(fr);  // isolation
      auto fail = [&](bool remap_possible, const z3::expr& remap) {
        if (remap_possible) If(remap, [&] { remove_migration_ptes(fr, fr); });
        SetFr(fr, L::kLru, T());
        folio_put(fr);
      };
      IfElse(
          !CanAlloc(), [&] { fail(false, F()); },
          [&] {
            const z3::expr was_mapped = Simp(Mapped(fr));
            If(was_mapped, [&] { try_to_migrate(fr); });
            IfElse(
                Mapped(fr) || Fr(fr, L::kRef) != W16(1), [&] { fail(true, was_mapped); },
                [&] {
                  folio_alloc(
                      [&](const Ref& dst) {
                        SetFr(dst, L::kData, Fr(fr, L::kData));
                        SetFr(dst, L::kAnonExcl, Fr(fr, L::kAnonExcl));
                        SetFr(dst, L::kAnon, Fr(fr, L::kAnon));
                        SetFr(dst, L::kFDirty, Fr(fr, L::kFDirty));
                        SetFr(dst, L::kSwapbacked, Fr(fr, L::kSwapbacked));
                        If(was_mapped, [&] { remove_migration_ptes(fr, dst); });
                        folio_put(dst);
                        folio_put(fr);
                        Assign(migrated, T());
                      },
                      [] {});
                });
          });
    });
    return eligible && !migrated;
  }

  // ---- address space (mm/vma.c, mm/memory.c zap, kernel/fork.c) ----
  // zap_page_range() of one PTE.
  void ZapPte(int mm, int va) {
    const PteVals old = ReadPte(mm, va);
    WritePte(mm, va, NonePte());
    z3::expr kind = old.kind;
    If(kind == Kind(PteKind::kPresent) && !old.special, [&] {
      ForFolio(
          old.pfn,
          [&](const Ref& fr) {
            AddRssAnon(mm, -1);
            AddFr(fr, L::kMap, -1);
            folio_put(fr);
          },
          [] {});  // corruption: no folio
    });
    If(IsDevExcl(kind), [&] {
      ForFolio(
          old.pfn,
          [&](const Ref& fr) {
            AddRssAnon(mm, -1);
            if (k_.device_exclusive_mapcount == model::DeviceExclusiveMapcount::kKept)
              AddFr(fr, L::kMap, -1);
            folio_put(fr);
          },
          [] {});
    });
    If(IsDevPriv(kind), [&] {
      // softleaf_to_folio(): rss, folio_remove_rmap_pte, folio_put.
      for (int d = 0; d < lay_.dev_frames(); ++d)
        If(EntryDev(kind, old.pfn, d) && Fr(DevRef(d), L::kAlloc), [&] {
          AddRssAnon(mm, -1);
          AddFr(DevRef(d), L::kMap, -1);
          folio_put(DevRef(d));
        });
    });
    If(kind == Kind(PteKind::kSwap), [&] {
      ForSlot(old.pfn, [&](int s) { Set(lay_.SlotCount(s), Get(lay_.SlotCount(s)) - W16(1)); });
      AddRssSwap(mm, -1);
    });
    If(IsMigration(kind), [&] { AddRssAnon(mm, -1); });
  }

  void Munmap(int mm, int va, int n) {
    const int end = std::min(va + n, u_.pages);
    for (int p = va; p < end; ++p) Invalidate(mm, p);
    for (int p = va; p < end; ++p) ZapPte(mm, p);
    for (int p = va; p < end; ++p) {
      Set(lay_.VmaAt(mm, p), F());
      Set(lay_.Logical(mm, p), K(0, 8));
    }
    z3::expr any_vma = F();
    for (int p = 0; p < u_.pages; ++p) any_vma = any_vma || Vma(mm, p);
    Set(lay_.AnonVma(mm), Get(lay_.AnonVma(mm)) && any_vma);
  }

  // dup_mmap() into the lowest free mm, copy_page_range() of the VMA.
  void Fork(int src) {
    z3::expr below_exist = T();
    for (int child = 0; child < u_.mms; ++child) {
      z3::expr chosen = And(below_exist, !Exists(child));
      below_exist = And(below_exist, Exists(child));
      if (child == src) continue;
      If(chosen, [&] {
        Set(lay_.MmExists(child), T());
        Set(lay_.RssAnon(child), W16(0));
        Set(lay_.RssSwap(child), W16(0));
        for (int va = 0; va < u_.pages; ++va) {
          Set(lay_.Logical(child, va), Get(lay_.Logical(src, va)));
          Set(lay_.VmaAt(child, va), Vma(src, va));
          WritePte(child, va, NonePte());
        }
        // vma_needs_copy(): the page tables are copied only under an anon_vma.
        Set(lay_.AnonVma(child), Get(lay_.AnonVma(src)));
        const z3::expr copy = Get(lay_.AnonVma(src));
        for (int va = 0; va < u_.pages; ++va)
          If(Vma(src, va) && copy, [&] { Invalidate(src, va); });
        for (int va = 0; va < u_.pages; ++va)
          If(Vma(src, va) && copy, [&] { CopyPte(child, src, va); });
      });
    }
  }

  // copy_present_pte / copy_nonpresent_pte for one page.
  void CopyPte(int dst, int src, int va) {
    If(IsDevExcl(Pte(src, va, L::kKind)), [&] { restore_exclusive_pte(src, va); });
    z3::expr kind = Pte(src, va, L::kKind);
    If(kind == Kind(PteKind::kPresent), [&] {
      IfElse(
          Pte(src, va, L::kSpecial), [&] { WritePte(dst, va, ReadPte(src, va)); },
          [&] {
            ForFolio(
                Pte(src, va, L::kPfn),
                [&](const Ref& fr) {
                  If(Fr(fr, L::kAnon), [&] { SetFr(fr, L::kAnonExcl, F()); });
                  AddFr(fr, L::kMap, 1);
                  folio_get(fr);
                  Set(lay_.Pte(src, va, L::kWrite), F());
                  PteVals d = ReadPte(src, va);
                  d.young = F();
                  WritePte(dst, va, d);
                  AddRssAnon(dst, 1);
                },
                [] {});
          });
    });
    If(kind == Kind(PteKind::kSwap), [&] {
      ForSlot(Pte(src, va, L::kPfn),
              [&](int s) { Set(lay_.SlotCount(s), Get(lay_.SlotCount(s)) + W16(1)); });
      Set(lay_.Pte(src, va, L::kSwpExclusive), F());
      WritePte(dst, va, ReadPte(src, va));
      AddRssSwap(dst, 1);
    });
    If(IsMigration(kind), [&] {
      AddRssAnon(dst, 1);
      // make_readable_migration_entry(); niethe keeps the device type
      // (make_readable_migration_device_private_entry) unless
      // device_migration_downgrade=type-losing (bug 17).
      const bool keep =
          k_.device_migration_downgrade == model::DeviceMigrationDowngrade::kTypePreserving;
      Set(lay_.Pte(src, va, L::kKind),
          z3::ite(IsMigRead(kind), kind,
                  z3::ite(keep ? IsDevMig(kind) : F(), Kind(PteKind::kMigrationDeviceRead),
                          Kind(PteKind::kMigrationRead))));
      WritePte(dst, va, ReadPte(src, va));
    });
    If(IsDevPriv(kind), [&] {
      // copy_nonpresent_pte() for a device-private entry (mm/memory.c v6.15).
      for (int d = 0; d < lay_.dev_frames(); ++d)
        If(EntryDev(kind, Pte(src, va, L::kPfn), d) && Fr(DevRef(d), L::kAlloc), [&] {
          folio_get(DevRef(d));
          AddRssAnon(dst, 1);
          SetFr(DevRef(d), L::kAnonExcl, F());  // folio_try_dup_anon_rmap_pte
          AddFr(DevRef(d), L::kMap, 1);
          If(kind == Kind(PteKind::kDevicePrivateWrite), [&] {
            Set(lay_.Pte(src, va, L::kKind), Kind(PteKind::kDevicePrivateRead));
            Set(lay_.Pte(src, va, L::kSoftDirty), F());
          });
          WritePte(dst, va, ReadPte(src, va));
        });
    });
  }

  // ---- device-private migration (model/ops/migrate_device.cpp, memremap.cpp) ----
  // zone_device_page_init() of the lowest free page of device `dev`
  // (dmirror_devmem_alloc_page): body(d), or none().
  template <typename Fn, typename None>
  void dmirror_devmem_alloc_page(int dev, Fn&& body, None&& none) {
    z3::expr taken = T();
    for (int d = 0; d < lay_.dev_frames(); ++d) {
      if (OwnerOf(d) != dev) continue;
      z3::expr pick = And(taken, !Fr(DevRef(d), L::kAlloc));
      taken = And(taken, Fr(DevRef(d), L::kAlloc));
      If(pick, [&] {
        Set(lay_.PgmapRef(dev), Get(lay_.PgmapRef(dev)) + W16(1));
        ClearFrame(DevRef(d));
        SetFr(DevRef(d), L::kAlloc, T());
        SetFr(DevRef(d), L::kRef, W16(1));
        body(d);
      });
    }
    If(taken, none);
  }

  // MoveMappings(): every mapping of order-0 `src` (the walk's `hits`) moved
  // to `dst` (device frame dst_dev, or RAM when dst_dev < 0), unless the walk
  // misses a mapping or `src` has references beyond them and `extra`.
  z3::expr MoveMappings(const Ref& src, const std::vector<z3::expr>& hits, const Ref& dst,
                        int dst_dev, int owner, int cmm, int start, int end, int extra) {
    z3::expr count = W16(0);
    for (const z3::expr& h : hits) count = count + z3::ite(h, W16(1), W16(0));
    const z3::expr ok =
        Simp(count == Fr(src, L::kMap) + W16(1) && Fr(src, L::kRef) == count + W16(extra));
    If(ok, [&] {
      SetFr(dst, L::kAnon, T());
      SetFr(dst, L::kSwapbacked, T());
      SetFr(dst, L::kFDirty, Fr(src, L::kFDirty));
      SetFr(dst, L::kData, Fr(src, L::kData));
      const z3::expr dst_dirty = Fr(dst, L::kFDirty);
      size_t i = 0;
      for (int mm = 0; mm < u_.mms; ++mm)
        for (int va = 0; va < u_.pages; ++va, ++i)
          If(hits[i], [&] {
            const PteVals old = ReadPte(mm, va);
            const bool in_collect = mm == cmm && va >= start && va < end;
            Invalidate(mm, va, in_collect ? owner : -1);
            const z3::expr present = old.kind == Kind(PteKind::kPresent);
            const z3::expr writable =
                Simp(z3::ite(present, old.write, old.kind == Kind(PteKind::kDevicePrivateWrite)));
            const z3::expr ax = Simp(Fr(src, L::kAnon) && Fr(src, L::kAnonExcl));
            SetFr(src, L::kAnonExcl, F());
            If(present && old.dirty, [&] { SetFr(src, L::kFDirty, T()); });
            AddFr(src, L::kMap, -1);  // folio_remove_rmap_pte
            folio_put(src);
            folio_get(dst);  // remove_migration_pte()
            PteVals p = NonePte();
            p.soft_dirty = old.soft_dirty;
            if (dst_dev >= 0) {
              p.kind = z3::ite(writable, Kind(PteKind::kDevicePrivateWrite),
                               Kind(PteKind::kDevicePrivateRead));
              p.pfn = NumK(dst_dev);
            } else {
              p.kind = Kind(PteKind::kPresent);
              p.pfn = PfnR(dst);
              p.write = writable;
              p.dirty = writable && dst_dirty;
            }
            WritePte(mm, va, p);
            AddFr(dst, L::kMap, 1);  // RMAP_EXCLUSIVE unless a READ migration entry
            If(writable || ax, [&] { SetFr(dst, L::kAnonExcl, T()); });
          });
    });
    return ok;
  }

  void SetMirror(int dev, int mm, int va, const z3::expr& writable, int d) {
    Set(lay_.MirrorPerm(dev, mm, va),
        z3::ite(writable, K(model::kMirrorWrite, 2), K(model::kMirrorRead, 2)));
    Set(lay_.MirrorPfn(dev, mm, va), NumK(d));
    Set(lay_.MirrorDp(dev, mm, va), T());
  }

  // CheckRange(): every page in a VMA (subset VMAs are readable, not hugetlb).
  z3::expr RangeMapped(int mm, int start, int n) const {
    z3::expr all = T();
    for (int va = start; va < start + n; ++va) all = And(all, Vma(mm, va));
    return all;
  }

  // dmirror_migrate_to_{device,system}() go a VMA at a time and stop with
  // -EINVAL at the first page without one (lib/test_hmm.c, 6.12;
  // model/ops/migrate_device.cpp ByVmaPiece). In the subset VMAs are cut by
  // munmap only, so what moves is the one piece [start, start + len) before
  // the first hole: `piece(len)` under the condition that it ends there.
  template <typename Piece>
  void ByVmaPiece(int mm, int start, int n, Piece piece) {
    for (int len = 1; len <= n; ++len)
      If(And(RangeMapped(mm, start, len), len == n ? T() : !Vma(mm, start + len)),
         [&] { piece(len); });
  }

  // dmirror_migrate_to_device() (lib/test_hmm.c; mm/migrate_device.c v6.15).
  void MigrateToDevice(int dev, int mm, int start, int range_n) {
    ByVmaPiece(mm, start, range_n, [&](int n) {
      for (int va = start; va < start + n; ++va) Invalidate(mm, va, dev);
      for (int va = start; va < start + n; ++va) {
        const z3::expr kind = Pte(mm, va, L::kKind);
        const z3::expr special = Pte(mm, va, L::kSpecial);
        const z3::expr zero = Simp(kind == Kind(PteKind::kPresent) && special);
        If(kind == Kind(PteKind::kNone) || zero, [&] {
          // migrate_vma_collect_hole / the zero page: migrate_vma_insert_page().
          dmirror_devmem_alloc_page(
              dev,
              [&](int d) {
                If(zero, [&] { Invalidate(mm, va, dev); });
                Set(lay_.AnonVma(mm), T());  // anon_vma_prepare()
                PteVals p = NonePte();
                p.kind = Kind(PteKind::kDevicePrivateWrite);  // VM_WRITE
                p.pfn = NumK(d);
                WritePte(mm, va, p);
                SetFr(DevRef(d), L::kData, K(0, 8));
                folio_add_new_anon_rmap_pte(DevRef(d));
                folio_get(DevRef(d));
                AddRssAnon(mm, 1);
                SetMirror(dev, mm, va, T(), d);
                folio_put(DevRef(d));
              },
              [] {});
        });
        If(kind == Kind(PteKind::kPresent) && !special, [&] {
          const z3::expr writable = Pte(mm, va, L::kWrite);
          ForFolio(
              Pte(mm, va, L::kPfn),
              [&](const Ref& head) {
                If(Fr(head, L::kAnon), [&] {
                  dmirror_devmem_alloc_page(
                      dev,
                      [&](int d) {
                        folio_get(head);  // the collect reference
                        std::vector<z3::expr> hits =
                            Hits([&](int m, int v) { return Hit(m, v, head); });
                        z3::expr moved =
                            MoveMappings(head, hits, DevRef(d), d, dev, mm, start, start + n, 1);
                        IfElse(
                            moved,
                            [&] {
                              folio_put(head);
                              SetMirror(dev, mm, va, writable, d);
                              folio_put(DevRef(d));
                            },
                            [&] {
                              folio_put(head);
                              folio_put(DevRef(d));
                            });
                      },
                      [] {});
                });
              },
              [] {});
        });
      }
    });
  }

  // The device frame a device-private entry at (mm, va) names, owned by
  // `dev` (dev < 0: any owner): body(d).
  template <typename Fn>
  void ForDevEntry(int mm, int va, int dev, Fn&& body) {
    const z3::expr kind = Pte(mm, va, L::kKind), pfn = Pte(mm, va, L::kPfn);
    for (int d = 0; d < lay_.dev_frames(); ++d)
      if (dev < 0 || OwnerOf(d) == dev)
        If(EntryDev(kind, pfn, d) && Fr(DevRef(d), L::kAlloc), [&] { body(d); });
  }
  z3::expr DevEntryNamesPage(int mm, int va) const {
    const z3::expr kind = Pte(mm, va, L::kKind), pfn = Pte(mm, va, L::kPfn);
    z3::expr any = F();
    for (int d = 0; d < lay_.dev_frames(); ++d)
      any = any || (EntryDev(kind, pfn, d) && Fr(DevRef(d), L::kAlloc));
    return any;
  }

  // dmirror_migrate_to_system().
  void MigrateToSystem(int dev, int mm, int start, int range_n) {
    ByVmaPiece(mm, start, range_n, [&](int n) {
      for (int va = start; va < start + n; ++va) Invalidate(mm, va, dev);
      z3::expr stopped = F();  // -ENOMEM
      for (int va = start; va < start + n; ++va)
        If(!stopped && IsDevPriv(Pte(mm, va, L::kKind)), [&] {
          ForDevEntry(mm, va, dev, [&](int d) {
            folio_alloc(
                [&](const Ref& dst) {
                  folio_get(DevRef(d));
                  std::vector<z3::expr> hits = Hits([&](int m, int v) { return DevHit(m, v, d); });
                  z3::expr moved =
                      MoveMappings(DevRef(d), hits, dst, -1, dev, mm, start, start + n, 1);
                  If(moved, [&] { ClearMirror(dev, mm, va); });
                  folio_put(DevRef(d));
                  folio_put(dst);
                },
                [&] { Assign(stopped, T()); });
          });
        });
    });
  }

  // do_swap_page() on a device-private entry: ->migrate_to_ram() =
  // dmirror_devmem_fault() (mm/memory.c v6.15, lib/test_hmm.c).
  void do_swap_page_device_private(int mm, int va, z3::expr& ok) {
    IfElse(
        DevEntryNamesPage(mm, va),
        [&] {
          ForDevEntry(mm, va, -1, [&](int d) {
            const int dev = OwnerOf(d);
            folio_get(DevRef(d));
            folio_alloc(
                [&](const Ref& dst) {
                  Invalidate(mm, va, dev);
                  folio_get(DevRef(d));
                  std::vector<z3::expr> hits = Hits([&](int m, int v) { return DevHit(m, v, d); });
                  z3::expr moved = MoveMappings(DevRef(d), hits, dst, -1, dev, mm, va, va + 1, 2);
                  If(moved, [&] { ClearMirror(dev, mm, va); });
                  folio_put(DevRef(d));
                  folio_put(dst);
                  folio_put(DevRef(d));
                },
                [&] {
                  folio_put(DevRef(d));
                  Assign(ok, F());  // VM_FAULT_OOM
                });
          });
        },
        [&] { Assign(ok, F()); });  // corruption: SIGBUS
  }

  // HMM_DMIRROR_RELEASE: migrate_device_range_unmap().
  void DeviceRelease(int dev) {
    const bool device_entries =
        k_.device_private_migration_entries == model::DevicePrivateMigrationEntries::kNiethe;
    for (int d = 0; d < lay_.dev_frames(); ++d) {
      if (OwnerOf(d) != dev) continue;
      // migrate_device_pfn_lock's folio_trylock skips a frame an earlier
      // release still has locked (migrate_device_range_unmap in the model).
      If(Fr(DevRef(d), L::kAlloc) && Get(lay_.Migrating(d)) == W16(0), [&] {
        folio_get(DevRef(d));
        Set(lay_.Migrating(d), Get(lay_.Migrating(d)) + W16(1));
        std::vector<z3::expr> hits = Hits([&](int m, int v) { return DevHit(m, v, d); });
        size_t i = 0;
        for (int mm = 0; mm < u_.mms; ++mm)
          for (int va = 0; va < u_.pages; ++va, ++i)
            If(hits[i], [&] {
              const PteVals old = ReadPte(mm, va);
              Invalidate(mm, va);
              const z3::expr writable = old.kind == Kind(PteKind::kDevicePrivateWrite);
              const z3::expr ax = Fr(DevRef(d), L::kAnonExcl);
              SetFr(DevRef(d), L::kAnonExcl, F());
              PteVals p = NonePte();
              p.kind = z3::ite(
                  writable,
                  Kind(device_entries ? PteKind::kMigrationDeviceWrite : PteKind::kMigrationWrite),
                  z3::ite(ax,
                          Kind(device_entries ? PteKind::kMigrationDeviceReadExclusive
                                              : PteKind::kMigrationReadExclusive),
                          Kind(device_entries ? PteKind::kMigrationDeviceRead
                                              : PteKind::kMigrationRead)));
              p.pfn = NumK(d);
              p.soft_dirty = old.soft_dirty;
              WritePte(mm, va, p);
              AddFr(DevRef(d), L::kMap, -1);
              folio_put(DevRef(d));
            });
      });
    }
  }

  // unlock_folio while an eviction is in flight: migrate_device_finalize_evict().
  void FinishEviction() {
    std::vector<z3::expr> evicting;
    for (int d = 0; d < lay_.dev_frames(); ++d) {
      evicting.push_back(Get(lay_.Migrating(d)) != W16(0));
      Set(lay_.Migrating(d), W16(0));
    }
    for (int d = 0; d < lay_.dev_frames(); ++d)
      If(evicting[static_cast<size_t>(d)], [&] {
        const Ref src = DevRef(d);
        // remove_migration_ptes(src, dst): the new entries.
        auto restore = [&](const Ref& dst, bool to_ram) {
          std::vector<z3::expr> hits = Hits([&](int m, int v) { return DevMigHit(m, v, d); });
          size_t i = 0;
          for (int mm = 0; mm < u_.mms; ++mm)
            for (int va = 0; va < u_.pages; ++va, ++i)
              If(hits[i], [&] {
                const PteVals old = ReadPte(mm, va);
                const z3::expr write = IsMigWrite(old.kind);
                folio_get(dst);
                PteVals p = NonePte();
                p.soft_dirty = old.soft_dirty;
                if (to_ram) {
                  p.kind = Kind(PteKind::kPresent);
                  p.pfn = PfnR(dst);
                  p.write = write;
                } else {
                  p.kind = z3::ite(write, Kind(PteKind::kDevicePrivateWrite),
                                   Kind(PteKind::kDevicePrivateRead));
                  p.pfn = NumK(d);
                }
                If(!IsMigRead(old.kind), [&] { SetFr(dst, L::kAnonExcl, T()); });
                WritePte(mm, va, p);
                AddFr(dst, L::kMap, 1);
              });
        };
        folio_alloc(
            [&](const Ref& dst) {
              SetFr(dst, L::kAnon, T());
              SetFr(dst, L::kSwapbacked, T());
              SetFr(dst, L::kFDirty, Fr(src, L::kFDirty));
              SetFr(dst, L::kData, Fr(src, L::kData));
              restore(dst, true);
              folio_put(src);
              folio_put(dst);
            },
            [&] {
              restore(src, false);
              folio_put(src);
            });
      });
  }

  // ---- operations (model/operations.cpp) ----
  void CpuAccess(int mm, int va, bool write, const z3::expr& value) {
    z3::expr ok = FaultIn(mm, va, write);
    If(ok, [&] {
      // MarkAccessed()
      Set(lay_.Pte(mm, va, L::kYoung), T());
      if (!write) return;
      Set(lay_.Pte(mm, va, L::kDirty), T());
      Set(lay_.Pte(mm, va, L::kSoftDirty), T());
      ForFolio(
          Pte(mm, va, L::kPfn),
          [&](const Ref& fr) {
            If(!Pte(mm, va, L::kSpecial), [&] {
              SetFr(fr, L::kData, value);
              SetFr(fr, L::kFDirty, T());
              Set(lay_.Logical(mm, va), value);
            });
          },
          [] {});  // corruption: SIGBUS
    });
  }

 private:
  z3::context& c_;
  const L& lay_;
  const Knobs& k_;
  const Universe& u_;
  SymState s_;
  z3::expr g_;
  bool eager_;
  bool offsets_;    // World::DeviceOffsets()
  bool pvmw_kind_;  // check_pte() tests the device-private kind (niethe)
};

}  // namespace

// ---------------------------------------------------------------------------

SymbolicModel::SymbolicModel(z3::context& ctx, const Universe& u, const Knobs& knobs,
                             const std::vector<OpCode>& ops)
    : ctx_(ctx), layout_(u), knobs_(knobs) {
  if (std::string why = SymbolicKnobsUnsupported(u, knobs); !why.empty())
    throw std::invalid_argument("SymbolicModel: " + why);
  for (const model::OpInfo& info : model::OpTable()) {
    if (!IsSymbolicOp(info.code)) continue;
    const auto& dev_ops = SymbolicDeviceOpCodes();
    if (u.device_pages == 0 &&
        std::find(dev_ops.begin(), dev_ops.end(), info.code) != dev_ops.end())
      continue;  // never enabled without device pages
    if (!ops.empty() && std::find(ops.begin(), ops.end(), info.code) == ops.end()) continue;
    // Every argument combination in range; value fixed at 1 (symbolic).
    std::vector<std::vector<int>> combos = {{}};
    for (const model::ArgInfo& a : info.args) {
      auto [lo, hi] = model::ArgRange(a.kind, u);
      if (a.kind == model::ArgKind::kValue) lo = hi = 1;
      std::vector<std::vector<int>> next;
      for (const auto& c : combos)
        for (int v = lo; v <= hi; ++v) {
          next.push_back(c);
          next.back().push_back(v);
        }
      combos = std::move(next);
    }
    for (const auto& c : combos) {
      Op op;
      op.code = info.code;
      for (size_t i = 0; i < c.size(); ++i) op.args[i] = static_cast<int16_t>(c[i]);
      // Range preconditions that do not depend on the state.
      if ((info.code == OpCode::kMunmap && op.Arg(1) + op.Arg(2) > u.pages) ||
          ((info.code == OpCode::kDeviceExclusive || info.code == OpCode::kDeviceMigrateToDev ||
            info.code == OpCode::kDeviceMigrateToSys) &&
           op.Arg(2) + op.Arg(3) > u.pages))
        continue;
      alphabet_.push_back(op);
    }
  }
}

z3::expr SymbolicModel::FreshField(const std::string& prefix, int i) const {
  std::string n = prefix + layout_.name(i);
  return layout_.width(i) == 0 ? ctx_.bool_const(n.c_str())
                               : ctx_.bv_const(n.c_str(), layout_.width(i));
}

SymState SymbolicModel::Fresh(const std::string& prefix) const {
  SymState s;
  for (int i = 0; i < layout_.size(); ++i) s.push_back(FreshField(prefix, i));
  return s;
}

SymState SymbolicModel::Constant(const std::vector<uint64_t>& values) const {
  SymState s;
  for (int i = 0; i < layout_.size(); ++i) {
    uint64_t v = values[static_cast<size_t>(i)];
    s.push_back(layout_.width(i) == 0 ? ctx_.bool_val(v != 0) : ctx_.bv_val(v, layout_.width(i)));
  }
  return s;
}

SymStep SymbolicModel::Step(const SymState& s, const Op& op, const z3::expr& value,
                            bool eager) const {
  Exec e(ctx_, layout_, knobs_, s, eager);
  z3::expr enabled = ctx_.bool_val(true);
  z3::expr reclaim_stuck = ctx_.bool_val(false), migrate_stuck = ctx_.bool_val(false);
  z3::expr outside = ctx_.bool_val(false);
  const Universe& u = layout_.universe();
  auto mm_exists = [&](int mm) { return s[static_cast<size_t>(layout_.MmExists(mm))]; };
  switch (op.code) {
    case OpCode::kMunmap:
      enabled = mm_exists(op.Arg(0));
      e.If(enabled, [&] { e.Munmap(op.Arg(0), op.Arg(1), op.Arg(2)); });
      break;
    case OpCode::kFork:
      enabled = mm_exists(op.Arg(0));
      e.If(enabled, [&] { e.Fork(op.Arg(0)); });
      break;
    case OpCode::kCpuRead:
    case OpCode::kCpuWrite:
      enabled = mm_exists(op.Arg(0));
      e.If(enabled,
           [&] { e.CpuAccess(op.Arg(0), op.Arg(1), op.code == OpCode::kCpuWrite, value); });
      break;
    case OpCode::kDeviceExclusive:
      enabled = ctx_.bool_val(op.Arg(0) < u.devices) && mm_exists(op.Arg(1));
      e.If(enabled, [&] { e.DeviceExclusive(op.Arg(0), op.Arg(1), op.Arg(2), op.Arg(3)); });
      break;
    case OpCode::kReclaim:
    case OpCode::kMigrate: {
      int mm = op.Arg(0), va = op.Arg(1);
      enabled = ctx_.bool_val(false);
      std::vector<z3::expr> at;  // decided on the state before the step
      for (int fr = 0; fr < layout_.frames(); ++fr) {
        at.push_back(mm_exists(mm) && e.FolioAt(mm, va, fr));
        enabled = enabled || at.back();
      }
      const Ref folio(at);  // FolioAt(mm, va), encoded once
      const z3::expr ram = enabled;
      // A device-private folio is on no LRU: shrink_folio and migrate_folio
      // return at once (and it is not eligible for either).
      for (int d = 0; d < layout_.dev_frames(); ++d)
        enabled = enabled || (mm_exists(mm) && e.MapsDev(mm, va, d) &&
                              e.Get(layout_.Frame(layout_.DevFrame(d), L::kAlloc)));
      e.If(ram, [&] {
        z3::expr stuck = op.code == OpCode::kReclaim ? e.shrink_folio(folio) : e.Migrate(folio);
        if (op.code == OpCode::kReclaim)
          e.Assign(reclaim_stuck, stuck);
        else
          e.Assign(migrate_stuck, stuck);
      });
      break;
    }
    case OpCode::kDeviceMigrateToDev:
    case OpCode::kDeviceMigrateToSys:
      enabled = ctx_.bool_val(u.device_pages > 0 && op.Arg(0) < u.devices) && mm_exists(op.Arg(1));
      e.If(enabled, [&] {
        if (op.code == OpCode::kDeviceMigrateToDev)
          e.MigrateToDevice(op.Arg(0), op.Arg(1), op.Arg(2), op.Arg(3));
        else
          e.MigrateToSystem(op.Arg(0), op.Arg(1), op.Arg(2), op.Arg(3));
      });
      break;
    case OpCode::kDeviceRelease:
      enabled = ctx_.bool_val(u.device_pages > 0 && op.Arg(0) < u.devices);
      e.If(enabled, [&] { e.DeviceRelease(op.Arg(0)); });
      break;
    case OpCode::kUnlockFolio:
      // EnabledUnlock: no lock_folio thread in the subset, so an eviction.
      enabled = ctx_.bool_val(false);
      for (int d = 0; d < layout_.dev_frames(); ++d)
        enabled =
            enabled || s[static_cast<size_t>(layout_.Migrating(d))] != ctx_.bv_val(0, kCounterBits);
      e.If(enabled, [&] { e.FinishEviction(); });
      break;
    default:
      throw std::invalid_argument(fmt::format(
          "SymbolicModel::Step: {} is not in the symbolic subset", model::FormatOp(op)));
  }
  return {std::move(e.state()), enabled, reclaim_stuck, migrate_stuck, outside};
}

// ---------------------------------------------------------------------------
// Properties (properties/properties.cpp, restricted to the subset).

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
