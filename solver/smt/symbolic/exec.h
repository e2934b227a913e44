// SPDX-License-Identifier: GPL-2.0
// The encoder of one symbolic step (private to solver/smt/): Exec holds the
// state vector, the path condition and the expression helpers; the encoded
// kernel functions are its member functions, defined in the file of
// solver/smt/symbolic/ named like the model/ops/ file they mirror:
//   memory.cpp           faults, COW, swap-in, restore, zap, fork copy (mm/memory.c)
//   gup.cpp              get_user_page_remote (mm/gup.c)
//   page_vma_mapped.cpp  check_pte of the rmap walks (mm/page_vma_mapped.c)
//   rmap.cpp             device-exclusive conversion, try_to_unmap,
//                        try_to_migrate, folio_referenced (mm/rmap.c)
//   vmscan.cpp           shrink_folio (mm/vmscan.c)
//   migrate.cpp          migrate_folio, remove_migration_ptes (mm/migrate.c)
//   mmap.cpp             do_munmap, dup_mmap (mm/vma.c, kernel/fork.c)
//   migrate_device.cpp   device-private migration (mm/migrate_device.c)
//   test_hmm.cpp         the dmirror driver's mirror and ioctls (lib/test_hmm.c)
// and the op entry points in ../symbolic_model.cpp (model/operations.cpp).
//
// Encoding style: straight-line code over a state vector with a path
// condition `g_`: every write is `x := ite(g_, new, x)`; If() narrows g_.
// Branches on a symbolic frame, slot or child mm are split over the (few)
// concrete candidates so the code below uses concrete indices like the
// concrete model does.
#pragma once

#include <z3++.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "model/knobs.h"
#include "model/world.h"
#include "solver/smt/symbolic/widths.h"
#include "solver/smt/symbolic_model.h"

namespace mmcheck::solver::smt::symbolic {

using model::Knobs;
using model::PteKind;
using model::Universe;
using L = SymbolicLayout;

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

  // The walk's hits, (mm, va) in order.
  template <typename HitFn>
  std::vector<z3::expr> Hits(HitFn&& hit) {
    std::vector<z3::expr> out;
    for (int mm = 0; mm < u_.mms; ++mm)
      for (int va = 0; va < u_.pages; ++va) out.push_back(Simp(hit(mm, va)));
    return out;
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
  // The device frame a device-private entry at (mm, va) names, owned by
  // `dev` (dev < 0: any owner): body(d).
  template <typename Fn>
  void ForDevEntry(int mm, int va, int dev, Fn&& body) {
    const z3::expr kind = Pte(mm, va, L::kKind), pfn = Pte(mm, va, L::kPfn);
    for (int d = 0; d < lay_.dev_frames(); ++d)
      if (dev < 0 || OwnerOf(d) == dev)
        If(EntryDev(kind, pfn, d) && Fr(DevRef(d), L::kAlloc), [&] { body(d); });
  }

  // ---- memory.cpp: folio lifetime (mm/page_alloc.c, mm/swap.c), the MMU notifier, faults,
  // COW, swap-in, device-exclusive restore, zap and the fork copy (mm/memory.c) ----
  void ClearFrame(const Ref& fr);
  void folio_put(const Ref& fr, int n = 1);
  void mmu_notifier_invalidate(int mm, int va, int migrate_owner = -1);
  z3::expr AccessHits(int mm, int va, bool write) const;
  void do_anonymous_page(int mm, int va, bool write, z3::expr& ok);
  void wp_page_copy(int mm, int va, const Ref* old_fr, z3::expr& ok);
  void do_wp_page(int mm, int va, z3::expr& ok);
  void do_swap_page_swap(int mm, int va, bool write, z3::expr& ok);
  z3::expr can_change_pte_writable(int mm, int va, const z3::expr& pfn) const;
  void restore_exclusive_pte(int mm, int va);
  void remove_device_exclusive_entry(int mm, int va);
  void handle_mm_fault(int mm, int va, bool write, z3::expr& ok);
  z3::expr FaultIn(int mm, int va, bool write);
  void zap_page_range(int mm, int start, int end);
  void zap_pte_range(int mm, int va);
  void copy_page_range(int dst, int src);
  void copy_pte_range(int dst, int src, int va);

  // ---- gup.cpp (mm/gup.c) ----
  z3::expr get_user_page_remote(int mm, int va);

  // ---- page_vma_mapped.cpp: the rmap walks' check_pte (mm/page_vma_mapped.c) ----
  z3::expr Hit(int mm, int va, const Ref& fr) const;
  z3::expr DevHit(int mm, int va, int d) const;
  z3::expr DevMigHit(int mm, int va, int d) const;

  // ---- rmap.cpp (mm/rmap.c) ----
  void folio_add_new_anon_rmap_pte(const Ref& fr);
  z3::expr ExclusiveKind(const z3::expr& writable) const;
  void MakeExclusiveEntry(int mm, int va, const Ref& fr, const z3::expr& writable);
  z3::expr folio_make_device_exclusive(const Ref& fr, int req_mm, int req_va);
  void make_device_exclusive(int mm, int va, z3::expr& failed,
                             const std::function<void(const Ref&)>& exclusive);
  void try_to_unmap(const Ref& fr, int slot);
  z3::expr folio_referenced(const Ref& fr);
  void try_to_migrate(const Ref& fr);

  // ---- vmscan.cpp (mm/vmscan.c) ----
  z3::expr shrink_folio(const Ref& fr);

  // ---- migrate.cpp (mm/migrate.c) ----
  void remove_migration_ptes(const Ref& src, const Ref& dst);
  z3::expr MigrateWithProgress(const Ref& fr);

  // ---- mmap.cpp (mm/vma.c, kernel/fork.c) ----
  void do_munmap(int mm, int va, int n);
  void dup_mmap(int src);

  // ---- migrate_device.cpp: device-private migration (mm/migrate_device.c, lib/test_hmm.c) ----
  z3::expr MoveMappings(const Ref& src, const std::vector<z3::expr>& hits, const Ref& dst,
                        int dst_dev, int owner, int cmm, int start, int end, int extra);
  z3::expr RangeMapped(int mm, int start, int n) const;
  void dmirror_migrate_to_device(int dev, int mm, int start, int range_n);
  z3::expr DevEntryNamesPage(int mm, int va) const;
  void dmirror_migrate_to_system(int dev, int mm, int start, int range_n);
  void do_swap_page_device_private(int mm, int va, z3::expr& ok);
  void migrate_device_range_unmap(int dev);
  void migrate_device_finalize_evict();

  // ---- test_hmm.cpp: the dmirror driver (lib/test_hmm.c) ----
  void ClearMirror(int d, int mm, int va);
  void MapAtomic(int dev, int mm, int va, const z3::expr& pfn);
  void dmirror_exclusive(int dev, int mm, int va, int n);
  void SetMirror(int dev, int mm, int va, const z3::expr& writable, int d);

  // ---- ../symbolic_model.cpp: the operations (model/operations.cpp) ----
  void CpuAccess(int mm, int va, bool write, const z3::expr& value);

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

}  // namespace mmcheck::solver::smt::symbolic
