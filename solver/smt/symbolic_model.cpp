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

const std::vector<OpCode>& SymbolicOpCodes() {
  static const std::vector<OpCode> codes = {OpCode::kMunmap,          OpCode::kFork,
                                            OpCode::kCpuRead,         OpCode::kCpuWrite,
                                            OpCode::kDeviceExclusive, OpCode::kReclaim,
                                            OpCode::kMigrate};
  return codes;
}

bool IsSymbolicOp(OpCode code) {
  const auto& c = SymbolicOpCodes();
  return std::find(c.begin(), c.end(), code) != c.end();
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

std::vector<Op> BmcPrologue(const Universe& u) {
  return {model::MakeOp(OpCode::kMmap, {0, 0, u.pages, model::kProtReadWrite, model::kMapPrivate}),
          model::MakeOp(OpCode::kMadvise, {0, 0, u.pages, model::kAdviceNohugepage})};
}

// ---------------------------------------------------------------------------
// Layout and projection.

SymbolicLayout::SymbolicLayout(const Universe& u) : u_(u) {
  static const char* kPteNames[] = {"kind", "pfn", "write", "dirty", "young", "soft_dirty",
                                    "special", "swp_exclusive"};
  static const unsigned kPteWidths[] = {4, 16, 0, 0, 0, 0, 0, 0};
  static const char* kFrameNames[] = {"alloc", "refcount", "mapcount", "anon", "dirty",
                                      "swapbacked", "lru", "anon_exclusive", "data"};
  static const unsigned kFrameWidths[] = {0, kCounterBits, kCounterBits, 0, 0, 0, 0, 0, 8};
  for (int mm = 0; mm < u.mms; ++mm) {
    Add(fmt::format("mm{}.exists", mm), 0);
    Add(fmt::format("mm{}.rss_anon", mm), kCounterBits);
    Add(fmt::format("mm{}.rss_swap", mm), kCounterBits);
    for (int va = 0; va < u.pages; ++va) {
      Add(fmt::format("mm{}.p{}.vma", mm, va), 0);
      Add(fmt::format("mm{}.p{}.logical", mm, va), 8);
      for (int f = 0; f < kPteFields; ++f)
        Add(fmt::format("mm{}.p{}.{}", mm, va, kPteNames[f]), kPteWidths[f]);
    }
    if (mm == 0) mm_stride_ = size();
  }
  frame_base_ = size();
  for (int fr = 0; fr < frames(); ++fr)
    for (int f = 0; f < kFrameFields; ++f)
      Add(fmt::format("frame{}.{}", fr, kFrameNames[f]), kFrameWidths[f]);
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
        Add(fmt::format("dev{}.mm{}.p{}.pfn", d, mm, va), 16);
      }
}

void SymbolicLayout::Add(std::string name, unsigned width) {
  names_.push_back(std::move(name));
  widths_.push_back(width);
}

std::string SymbolicLayout::OutsideSubset(const World& w) const {
  if (!(w.universe == u_)) return "universe differs from the layout's";
  if (u_.pmd_order < 1 || u_.device_pages != 0) return "universe needs pmd_order >= 1, no device pages";
  if (w.lock_thread_folio >= 0) return "a lock_folio thread holds a folio";
  for (const auto& obj : w.shmem)
    if (obj.users != 0 || !obj.folio.empty()) return "a shmem object exists";
  if (!w.pgmaps.empty()) return "a dev_pagemap exists";
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
      if (p.pfn > 0xffff) return fmt::format("mm{}:{} pfn does not fit 16 bits", mm, va);
      if (model::IsDevicePrivate(p.kind) || p.kind == PteKind::kHwpoison ||
          p.kind == PteKind::kMarker)
        return fmt::format("mm{}:{} has a {} entry", mm, va, model::PteKindName(p.kind));
    }
  }
  for (size_t fr = 0; fr < w.pages.size(); ++fr) {
    const model::Page& p = w.pages[fr];
    if (p.head >= 0 && p.head != static_cast<int>(fr)) return "a large folio exists";
    if (p.order || p.large_mapcount != -1 || p.entire_mapcount != -1 || p.hugetlb || p.locked ||
        p.shmem != -1 || p.index)
      return fmt::format("frame {} has a field outside the subset", fr);
    if (p.head < 0 && !(p == model::Page{})) return fmt::format("free frame {} is not clear", fr);
  }
  if (static_cast<int>(w.pages.size()) != frames()) return "frame count differs";
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
      if (e.device_private || e.pfn > 0xffff) return "a device-private mirror entry";
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
  for (int fr = 0; fr < frames(); ++fr) {
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
      }
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
      : c_(c), lay_(lay), k_(k), u_(lay.universe()), s_(std::move(s)), g_(c.bool_val(true)),
        eager_(eager) {}

  SymState& state() { return s_; }

  // ---- expression helpers ----
  z3::expr T() const { return c_.bool_val(true); }
  z3::expr F() const { return c_.bool_val(false); }
  z3::expr B(bool b) const { return c_.bool_val(b); }
  z3::expr K(uint64_t v, unsigned w) const { return c_.bv_val(v, w); }
  z3::expr Kind(PteKind k) const { return K(static_cast<unsigned>(k), 4); }
  z3::expr PfnK(int frame) const { return K(model::kFirstPfn + static_cast<unsigned>(frame), 16); }
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
  z3::expr IsMigration(const z3::expr& kind) const {
    return kind == Kind(PteKind::kMigrationRead) ||
           kind == Kind(PteKind::kMigrationReadExclusive) ||
           kind == Kind(PteKind::kMigrationWrite);
  }
  z3::expr IsDevExcl(const z3::expr& kind) const {
    return kind == Kind(PteKind::kDeviceExclusive) ||
           kind == Kind(PteKind::kDeviceExclusiveRead) ||
           kind == Kind(PteKind::kDeviceExclusiveWrite);
  }
  z3::expr IsDevPriv(const z3::expr& kind) const {
    return kind == Kind(PteKind::kDevicePrivateRead) ||
           kind == Kind(PteKind::kDevicePrivateWrite);
  }
  // softleaf_has_pfn() (model::HasPfn).
  z3::expr HasPfn(const z3::expr& kind) const {
    return kind == Kind(PteKind::kPresent) || IsMigration(kind) || IsDevExcl(kind) ||
           IsDevPriv(kind) || kind == Kind(PteKind::kHwpoison);
  }
  // World::MappedFrame(mm, va) == fr (no huge PMDs in the subset).
  z3::expr MapsFrame(int mm, int va, const Ref& fr) const {
    z3::expr kind = Pte(mm, va, L::kKind);
    return HasPfn(kind) && !Pte(mm, va, L::kSpecial) && Pte(mm, va, L::kPfn) == PfnR(fr);
  }
  // FolioAt(mm, va) == fr: mapped and allocated.
  z3::expr FolioAt(int mm, int va, const Ref& fr) const { return MapsFrame(mm, va, fr) && Fr(fr, L::kAlloc); }
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
    return {Pte(mm, va, L::kKind),  Pte(mm, va, L::kPfn),       Pte(mm, va, L::kWrite),
            Pte(mm, va, L::kDirty), Pte(mm, va, L::kYoung),     Pte(mm, va, L::kSoftDirty),
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
  PteVals NonePte() const { return {Kind(PteKind::kNone), K(0, 16), F(), F(), F(), F(), F(), F()}; }

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
    for (int s = 0; s < u_.swap_slots; ++s) If(index == K(static_cast<unsigned>(s), 16), [&] { body(s); });
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
    If(!(Fr(fr, L::kRef) > W16(0)), [&] { ClearFrame(fr); });
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
  void Invalidate(int mm, int va) {
    for (int d = 0; d < u_.devices; ++d) {
      Set(lay_.MirrorPerm(d, mm, va), K(model::kMirrorNone, 2));
      Set(lay_.MirrorPfn(d, mm, va), K(0, 16));
    }
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
      p.pfn = K(model::kZeroPfn, 16);
      p.special = T();
      WritePte(mm, va, p);
      return;
    }
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
                z3::expr reuse = Fr(fr, L::kAnon) && (Fr(fr, L::kAnonExcl) || Fr(fr, L::kRef) == W16(1));
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
            WritePte(mm, va, {Kind(PteKind::kPresent), PfnR(fr), w, w, T(), old.soft_dirty || w, F(), F()});
            If(w, [&] { SetFr(fr, L::kFDirty, T()); });
          },
          [&] { Assign(ok, F()); });
    });
  }

  // can_change_pte_writable() for a private anon mapping: an AnonExclusive page.
  z3::expr CanChangePteWritable(int mm, int va, const z3::expr& pfn) const {
    z3::expr any = F();
    for (int fr = 0; fr < lay_.frames(); ++fr)
      any = any || (pfn == PfnK(fr) && Fr(fr, L::kAlloc) && Fr(fr, L::kAnon) && Fr(fr, L::kAnonExcl));
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
        folio_dirty = folio_dirty || (old.pfn == PfnK(fr) && Fr(fr, L::kAlloc) && Fr(fr, L::kFDirty));
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
                          kind == Kind(PteKind::kSwap), [&] { do_swap_page_swap(mm, va, write, ok); },
                          [&] {
                            IfElse(
                                IsDevExcl(kind), [&] { remove_device_exclusive_entry(mm, va); },
                                [&] { Assign(ok, F()); });  // migration: blocked; others: SIGBUS
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
    z3::expr accepted = (kind == Kind(PteKind::kPresent) && !Pte(mm, va, L::kSpecial)) ||
                        IsDevExcl(kind) || IsDevPriv(kind);
    return Exists(mm) && Vma(mm, va) && accepted && Pte(mm, va, L::kPfn) == PfnR(fr);
  }
  z3::expr ExclusiveKind(const z3::expr& writable) const {
    if (k_.device_exclusive_entry == model::DeviceExclusiveEntry::kSingle)
      return Kind(PteKind::kDeviceExclusive);
    return z3::ite(writable, Kind(PteKind::kDeviceExclusiveWrite), Kind(PteKind::kDeviceExclusiveRead));
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
  }

  // ApplyDeviceExclusive (HMM_DMIRROR_EXCLUSIVE), per make_exclusive_impl.
  void DeviceExclusive(int dev, int mm, int va, int n) {
    if (k_.make_exclusive_impl == model::MakeExclusiveImpl::kRangeRmapWalk) {
      // make_device_exclusive_range(): GUP every page first, then convert.
      std::vector<z3::expr> got, pfn, conv;
      z3::expr stopped = F();
      for (int i = 0; i < n; ++i) {
        got.push_back(F());
        pfn.push_back(K(0, 16));
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
                ok, [&] { Assign(conv[static_cast<size_t>(i)], T()); },
                [&] { folio_put(fr); });
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
            p.pfn = K(static_cast<unsigned>(slot), 16);
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
    for (int s = 0; s < u_.swap_slots; ++s) free_slot = free_slot || Get(lay_.SlotCount(s)) == W16(0);
    z3::expr young = F();
    for (int mm = 0; mm < u_.mms; ++mm)
      for (int va = 0; va < u_.pages; ++va)
        young = young || (Exists(mm) && MapsFrame(mm, va, fr) && KindIs(mm, va, PteKind::kPresent) &&
                          Pte(mm, va, L::kYoung));
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
            p.kind = z3::ite(writable, Kind(PteKind::kMigrationWrite),
                             z3::ite(ax, Kind(PteKind::kMigrationReadExclusive),
                                     Kind(PteKind::kMigrationRead)));
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
        z3::expr ok = accepts_excl ? IsMigration(kind) || IsDevExcl(kind) : IsMigration(kind);
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
        for (int va = 0; va < u_.pages; ++va) If(Vma(src, va), [&] { Invalidate(src, va); });
        for (int va = 0; va < u_.pages; ++va) If(Vma(src, va), [&] { CopyPte(child, src, va); });
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
      Set(lay_.Pte(src, va, L::kKind), Kind(PteKind::kMigrationRead));
      WritePte(dst, va, ReadPte(src, va));
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
};

}  // namespace

// ---------------------------------------------------------------------------

SymbolicModel::SymbolicModel(z3::context& ctx, const Universe& u, const Knobs& knobs,
                             const std::vector<OpCode>& ops)
    : ctx_(ctx), layout_(u), knobs_(knobs) {
  for (const model::OpInfo& info : model::OpTable()) {
    if (!IsSymbolicOp(info.code)) continue;
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
          (info.code == OpCode::kDeviceExclusive && op.Arg(2) + op.Arg(3) > u.pages))
        continue;
      alphabet_.push_back(op);
    }
  }
}

SymState SymbolicModel::Fresh(const std::string& prefix) const {
  SymState s;
  for (int i = 0; i < layout_.size(); ++i) {
    std::string n = prefix + layout_.name(i);
    s.push_back(layout_.width(i) == 0 ? ctx_.bool_const(n.c_str())
                                      : ctx_.bv_const(n.c_str(), layout_.width(i)));
  }
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
      e.If(enabled, [&] { e.CpuAccess(op.Arg(0), op.Arg(1), op.code == OpCode::kCpuWrite, value); });
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
      e.If(enabled, [&] {
        z3::expr stuck = op.code == OpCode::kReclaim ? e.shrink_folio(folio) : e.Migrate(folio);
        if (op.code == OpCode::kReclaim)
          e.Assign(reclaim_stuck, stuck);
        else
          e.Assign(migrate_stuck, stuck);
      });
      break;
    }
    default:
      throw std::invalid_argument(fmt::format("SymbolicModel::Step: {} is not in the symbolic subset",
                                              model::FormatOp(op)));
  }
  return {std::move(e.state()), enabled, reclaim_stuck, migrate_stuck};
}

// ---------------------------------------------------------------------------
// Properties (properties/properties.cpp, restricted to the subset).

const std::vector<std::string>& SymbolicModel::StateProperties() {
  static const std::vector<std::string> names = {
      "subset-well-formed",         "mapcount-matches-mappings", "refcount-covers-mappings",
      "no-dangling-entry",          "rss-matches-entries",       "swap-count-matches",
      "migration-entries-temporary"};
  return names;
}

bool SymbolicModel::IsStepProperty(std::string_view name) {
  return name == "reclaim-makes-progress" || name == "migration-makes-progress";
}

z3::expr SymbolicModel::Holds(std::string_view property, const SymState& s) const {
  const SymbolicLayout& lay = layout_;
  const Universe& u = lay.universe();
  z3::context& c = ctx_;
  auto get = [&](int i) { return s[static_cast<size_t>(i)]; };
  auto kindk = [&](PteKind k) { return c.bv_val(static_cast<unsigned>(k), 4); };
  auto w16 = [&](int v) { return c.bv_val(static_cast<uint64_t>(v) & 0xff, kCounterBits); };
  auto pfnk = [&](int fr) { return c.bv_val(model::kFirstPfn + static_cast<unsigned>(fr), 16); };
  auto is_mig = [&](const z3::expr& k) {
    return k == kindk(PteKind::kMigrationRead) || k == kindk(PteKind::kMigrationReadExclusive) ||
           k == kindk(PteKind::kMigrationWrite);
  };
  auto is_excl = [&](const z3::expr& k) {
    return k == kindk(PteKind::kDeviceExclusive) || k == kindk(PteKind::kDeviceExclusiveRead) ||
           k == kindk(PteKind::kDeviceExclusiveWrite);
  };
  // Census (properties.cpp Take): PTE-level mapping entries per frame.
  auto frame_valid = [&](const z3::expr& pfn) {
    return z3::uge(pfn, pfnk(0)) && z3::ult(pfn, pfnk(lay.frames()));
  };
  z3::expr all = c.bool_val(true);
  if (property == "subset-well-formed") {
    for (int mm = 0; mm < u.mms; ++mm)
      for (int va = 0; va < u.pages; ++va) {
        z3::expr k = get(lay.Pte(mm, va, L::kKind));
        z3::expr pfn = get(lay.Pte(mm, va, L::kPfn));
        z3::expr subset_kind = k == kindk(PteKind::kNone) || k == kindk(PteKind::kPresent) ||
                               k == kindk(PteKind::kSwap) || is_mig(k) || is_excl(k);
        all = all && subset_kind;
        all = all && z3::implies(k == kindk(PteKind::kSwap), z3::ult(pfn, c.bv_val(static_cast<unsigned>(u.swap_slots), 16)));
        all = all && z3::implies(get(lay.Pte(mm, va, L::kSpecial)),
                                 k == kindk(PteKind::kPresent) &&
                                     pfn == c.bv_val(model::kZeroPfn, 16) &&
                                     !get(lay.Pte(mm, va, L::kWrite)));
        all = all && z3::implies(!get(lay.MmExists(mm)), k == kindk(PteKind::kNone) &&
                                                             !get(lay.VmaAt(mm, va)));
        // No entry outside a VMA (munmap zaps what it unmaps).
        all = all && z3::implies(!get(lay.VmaAt(mm, va)), k == kindk(PteKind::kNone));
        // Present PTEs are writable only through an AnonExclusive page.
      }
    all = all && get(lay.MmExists(0));
    for (int fr = 0; fr < lay.frames(); ++fr)
      all = all && z3::implies(get(lay.Frame(fr, L::kAlloc)), get(lay.Frame(fr, L::kAnon)));
    return all;
  }
  // Entries per frame and per slot, RSS per mm.
  std::vector<z3::expr> pte_maps(static_cast<size_t>(lay.frames()), w16(0));
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
            z3::ite(swap && pfn == c.bv_val(static_cast<unsigned>(s2), 16), w16(1), w16(0));
      rs = rs + z3::ite(swap, w16(1), w16(0));
      z3::expr has_pfn = k == kindk(PteKind::kPresent) || is_mig(k) || is_excl(k);
      z3::expr counted = ex && has_pfn && !special;
      z3::expr anon_or_dangling = c.bool_val(true);
      for (int fr = 0; fr < lay.frames(); ++fr) {
        z3::expr here = pfn == pfnk(fr) && get(lay.Frame(fr, L::kAlloc));
        anon_or_dangling = anon_or_dangling && z3::implies(here, get(lay.Frame(fr, L::kAnon)));
        pte_maps[static_cast<size_t>(fr)] =
            pte_maps[static_cast<size_t>(fr)] +
            z3::ite(counted && !is_mig(k) && pfn == pfnk(fr), w16(1), w16(0));
      }
      ra = ra + z3::ite(counted && anon_or_dangling, w16(1), w16(0));
      rss_file_zero = rss_file_zero && z3::implies(counted, anon_or_dangling);
    }
    rss_anon.push_back(ra);
    rss_swap.push_back(rs);
  }
  if (property == "mapcount-matches-mappings") {
    for (int fr = 0; fr < lay.frames(); ++fr)
      all = all && z3::implies(get(lay.Frame(fr, L::kAlloc)),
                               get(lay.Frame(fr, L::kMap)) + w16(1) == pte_maps[static_cast<size_t>(fr)]);
    return all;
  }
  if (property == "refcount-covers-mappings") {
    for (int fr = 0; fr < lay.frames(); ++fr)
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
          slot_ok = slot_ok || (pfn == c.bv_val(static_cast<unsigned>(s2), 16) && get(lay.SlotCount(s2)) > w16(0));
        all = all && z3::implies(ex && k == kindk(PteKind::kSwap), slot_ok);
        z3::expr folio_ok = c.bool_val(false);
        for (int fr = 0; fr < lay.frames(); ++fr)
          folio_ok = folio_ok || (pfn == pfnk(fr) && get(lay.Frame(fr, L::kAlloc)));
        z3::expr has_pfn = k == kindk(PteKind::kPresent) || is_mig(k) || is_excl(k) ||
                           k == kindk(PteKind::kDevicePrivateRead) ||
                           k == kindk(PteKind::kDevicePrivateWrite) || k == kindk(PteKind::kHwpoison);
        all = all && z3::implies(ex && has_pfn && !get(lay.Pte(mm, va, L::kSpecial)), folio_ok);
      }
    for (int d = 0; d < u.devices; ++d)
      for (int mm = 0; mm < u.mms; ++mm)
        for (int va = 0; va < u.pages; ++va) {
          z3::expr pfn = get(lay.MirrorPfn(d, mm, va));
          z3::expr folio_ok = c.bool_val(false);
          for (int fr = 0; fr < lay.frames(); ++fr)
            folio_ok = folio_ok || (pfn == pfnk(fr) && get(lay.Frame(fr, L::kAlloc)));
          all = all && z3::implies(get(lay.MirrorPerm(d, mm, va)) != c.bv_val(model::kMirrorNone, 2) &&
                                       pfn != c.bv_val(model::kZeroPfn, 16),
                                   folio_ok);
        }
    (void)frame_valid;
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
      for (int va = 0; va < u.pages; ++va)
        all = all && z3::implies(get(lay.MmExists(mm)), !is_mig(get(lay.Pte(mm, va, L::kKind))));
    return all;
  }
  throw std::invalid_argument(fmt::format("SymbolicModel::Holds: no symbolic form of '{}'", property));
}

}  // namespace mmcheck::solver::smt
