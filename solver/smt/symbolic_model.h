// SPDX-License-Identifier: GPL-2.0
// The model's transition relation in Z3, over a bounded universe, for the
// device-exclusive operations: cpu_read, cpu_write (anonymous fault, COW,
// swap-in, restore of a device-exclusive entry), dev_exclusive, munmap, fork,
// reclaim and migrate; and, in a universe with device pages, device-private
// migration: dev_migrate_to_dev, dev_migrate_to_sys, the CPU fault on a
// device-private entry (do_swap_page -> migrate_to_ram), dev_release and the
// unlock_folio that lets the eviction finish.
//
// The symbolic state is a projection of model::World onto the fields these
// operations touch (SymbolicLayout): per mm and page the VMA bit, the PTE
// (kind, pfn, write, dirty, young, soft-dirty, special, swp-exclusive) and
// the logical content; per mm the anon and swap RSS counters; per frame the
// order-0 folio (allocated, refcount, _mapcount, anon, dirty, swapbacked,
// lru, AnonExclusive, data); per swap slot its count and data; per device,
// mm and page the dmirror entry. Every other World field must hold its
// default (OutsideSubset says which does not). The knobs of the profile are
// parameters of the encoding: one SymbolicModel per knob set, built from the
// same code.
//
// Every operation is encoded per ground instance (op code and arguments
// fixed, only cpu_write's value symbolic), mirroring the concrete kernel
// functions of model/ops/ line by line; each encoded function names the one
// it mirrors. The conformance test (tests/solver/smt/bmc_conformance_test.cpp)
// checks that the symbolic step on a projected state equals the projection
// of model::Apply.
//
// Subset restrictions (see README LIMITATIONS): private anonymous
// read-write VMAs with MADV_NOHUGEPAGE (no THP, no hugetlb, no shmem), order-0
// folios, no lock_folio thread, no uffd-wp, one VMA per mm; device memory
// only as 1 device with 1 order-0 device-private page, and not with
// device-private offsets and a page_vma_mapped_walk without a kind test
// (niethe-v2-no-pvmw-kind: the pfn/offset confusion is not encoded). The
// data read back by the verification reads of dev_exclusive and
// dev_migrate_to_dev is not modelled (it changes no state).
#pragma once

#include <z3++.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/knobs.h"
#include "model/operations.h"
#include "model/world.h"

namespace mmcheck::solver::smt {

// The op codes the symbolic model encodes: SymbolicOpCodes() in every
// universe, SymbolicDeviceOpCodes() (device-private migration and the
// eviction's unlock_folio) only in universes with device pages.
const std::vector<model::OpCode>& SymbolicOpCodes();
const std::vector<model::OpCode>& SymbolicDeviceOpCodes();
bool IsSymbolicOp(model::OpCode code);

// BmcUniverse() with one device-private page (device_pages=1).
model::Universe BmcDeviceUniverse();

// How the symbolic model treats one knob of model::KnobTable(). Deny by
// default: a knob with no row here is refused whatever its value, so a new
// knob is refused by `prove` until someone encodes it (or shows that the
// subset never reaches the code it changes) and adds its row.
enum class SymbolicKnobUse : uint8_t {
  kEncoded,     // a parameter of the encoding: every value, each encoded
  kNotReached,  // it changes only code the subset never reaches: every value
  kOnly,        // only `values` are encoded; any other value is refused
};
struct SymbolicKnob {
  std::string_view name;                 // the model::KnobInfo name
  SymbolicKnobUse use;                   //
  std::vector<std::string_view> values;  // kOnly: the accepted value names
  std::string_view why;                  // kNotReached/kOnly: why
};
// One row per knob of model::KnobTable(); the exhaustive conformance test
// (tests/solver/smt/exhaustive_conformance_test.cpp) checks every
// kEncoded/kNotReached value against the concrete model.
const std::vector<SymbolicKnob>& SymbolicKnobTable();
const SymbolicKnob* FindSymbolicKnob(std::string_view name);

// Why the symbolic model cannot encode `knobs` in `u` (naming the knob and
// its value), or "". Iterates `table` (model::KnobTable() by default).
std::string SymbolicKnobsUnsupported(const model::Universe& u, const model::Knobs& knobs);
std::string SymbolicKnobsUnsupported(const model::Universe& u, const model::Knobs& knobs,
                                     std::span<const model::KnobInfo> table);

// The universe BMC runs in by default: 1 mm plus fork (mms=2), 2 pages (one
// PMD), 3 folio slots, 2 swap slots, 1 device.
model::Universe BmcUniverse();

// The fixed prologue creating the subset's address space: mmap(mm0, 0,
// pages, rw, private) and MADV_NOHUGEPAGE on it.
std::vector<model::Op> BmcPrologue(const model::Universe& u);

// The state vector layout: one entry per projected World field.
class SymbolicLayout {
 public:
  explicit SymbolicLayout(const model::Universe& u);

  const model::Universe& universe() const { return u_; }
  int size() const { return static_cast<int>(names_.size()); }
  // Page frames: universe.folios PMD-sized slots of order-0 frames.
  int frames() const { return u_.folios * u_.PmdPages(); }
  // Device-private frames, after the RAM frames (Frame(DevFrame(d), f)).
  int dev_frames() const { return u_.DeviceFrames(); }
  int DevFrame(int d) const { return frames() + d; }
  const std::string& name(int i) const { return names_[static_cast<size_t>(i)]; }
  unsigned width(int i) const { return widths_[static_cast<size_t>(i)]; }  // 0 = bool

  // Field indices.
  enum PteField {
    kKind,
    kPfn,
    kWrite,
    kDirty,
    kYoung,
    kSoftDirty,
    kSpecial,
    kSwpExclusive,
    kPteFields
  };
  enum FrameField {
    kAlloc,
    kRef,
    kMap,
    kAnon,
    kFDirty,
    kSwapbacked,
    kLru,
    kAnonExcl,
    kData,
    kFrameFields
  };
  int MmExists(int mm) const { return mm_base(mm); }
  int RssAnon(int mm) const { return mm_base(mm) + 1; }
  int RssSwap(int mm) const { return mm_base(mm) + 2; }
  // Whether the mm's VMA has an anon_vma (model::Vma::anon_vma; one VMA per mm here).
  int AnonVma(int mm) const { return mm_base(mm) + 3; }
  int VmaAt(int mm, int va) const { return page_base(mm, va); }
  int Logical(int mm, int va) const { return page_base(mm, va) + 1; }
  int Pte(int mm, int va, PteField f) const { return page_base(mm, va) + 2 + f; }
  int Frame(int frame, FrameField f) const { return frame_base_ + frame * kFrameFields + f; }
  int SlotCount(int s) const { return slot_base_ + 2 * s; }
  int SlotData(int s) const { return slot_base_ + 2 * s + 1; }
  int MirrorPerm(int dev, int mm, int va) const { return mirror_base(dev, mm, va); }
  int MirrorPfn(int dev, int mm, int va) const { return mirror_base(dev, mm, va) + 1; }
  int MirrorDp(int dev, int mm, int va) const { return mirror_base(dev, mm, va) + 2; }
  // Device frame d: evictions in flight holding it (entries of World::migrating).
  int Migrating(int d) const { return dev_base_ + d; }
  // Device dev's dev_pagemap ref.
  int PgmapRef(int dev) const { return dev_base_ + dev_frames() + dev; }

  // A field holding data (a page's logical content, a frame's or a swap
  // slot's data): no branch condition, enabled/outside test or property
  // reads one, they are only copied among themselves (checked by
  // tests/solver/smt/exhaustive_conformance_test.cpp), so BMC may leave them
  // out.
  bool IsDataField(int i) const;

  // Why `w` is not representable (a field outside the projection is not at
  // its default), or "" when it is.
  // `constant_fields` false: the universe and knobs are taken to be the layout's and the
  // symbolic model's (constant in a search that checked them once) and are not compared.
  std::string OutsideSubset(const model::World& w, bool constant_fields = true) const;
  // The projection of `w`. REQUIRES: OutsideSubset(w) is "".
  std::vector<uint64_t> Project(const model::World& w) const;
  // Zeroes the fields of `w` that IsDataField fields project (logical contents, frame and swap
  // slot data): BMC's slicing of data, on a concrete world.
  void SliceData(model::World& w) const;

 private:
  int mm_base(int mm) const { return mm * mm_stride_; }
  int page_base(int mm, int va) const { return mm_base(mm) + 4 + va * (2 + kPteFields); }
  int mirror_base(int dev, int mm, int va) const {
    return mirror_base_ + 3 * ((dev * u_.mms + mm) * u_.pages + va);
  }
  void Add(std::string name, unsigned width);

  model::Universe u_;
  int mm_stride_ = 0, frame_base_ = 0, slot_base_ = 0, mirror_base_ = 0, dev_base_ = 0;
  std::vector<std::string> names_;
  std::vector<unsigned> widths_;
};

using SymState = std::vector<z3::expr>;

// What one encoded step produces.
struct SymStep {
  SymState next;
  z3::expr enabled;        // model::Enabled
  z3::expr reclaim_stuck;  // a reclaim-makes-progress obligation failed
  z3::expr migrate_stuck;  // a migration-makes-progress obligation failed
  // The concrete step leaves the subset; `next` is then meaningless, and BMC
  // excludes such steps. No step of today's alphabet does (a second
  // dev_release during an eviction skips the locked page, as the kernel's
  // folio_trylock does); the conformance test keeps the two in step.
  z3::expr outside;
};

class SymbolicModel {
 public:
  // `ops`: the op codes of the alphabet (empty: every symbolic op).
  SymbolicModel(z3::context& ctx, const model::Universe& u, const model::Knobs& knobs,
                const std::vector<model::OpCode>& ops = {});

  z3::context& ctx() const { return ctx_; }
  const SymbolicLayout& layout() const { return layout_; }
  const model::Knobs& knobs() const { return knobs_; }

  // The ground op instances of the subset in this universe, in OpTable order
  // then argument order; cpu_write's value argument is 1 (it is symbolic).
  const std::vector<model::Op>& Alphabet() const { return alphabet_; }

  // A state of fresh constants named "<prefix><field>".
  SymState Fresh(const std::string& prefix) const;
  // The fresh constant "<prefix><field i>".
  z3::expr FreshField(const std::string& prefix, int i) const;
  // A state of numerals.
  SymState Constant(const std::vector<uint64_t>& values) const;

  // The step `op` from `s`; `value` is cpu_write's value (8 bits, ignored by
  // other ops). `eager` simplifies every branch condition as it is built (for
  // numeral states: the conformance test), pruning dead branches.
  SymStep Step(const SymState& s, const model::Op& op, const z3::expr& value, bool eager) const;

  // The state properties the symbolic model expresses, by kebab-case name,
  // plus "subset-well-formed" (entry kinds of the subset, swap entries name
  // a slot, allocated folios are anonymous). Reclaim/migration progress are
  // step properties (SymStep::*_stuck).
  static const std::vector<std::string>& StateProperties();
  // Invariants of the reachable states that are no model property, used
  // only to strengthen k-induction (each a tracked assumption by name):
  //   free-frames-clear   a free frame holds the cleared struct page (and no
  //                       eviction);
  //   refcount-exact      an allocated folio's refcount is its mapping
  //                       entries plus the evictions holding it (no other
  //                       reference survives an operation in the subset);
  //   mirror-tracks-ptes  a dmirror entry is cleared, or ATOMIC over the
  //                       device-exclusive entry of the same PFN, or
  //                       READ/WRITE over the device-private entry of the
  //                       same device-private page (every PTE change
  //                       invalidates it first).
  // The conformance test checks that they hold on reachable states of the
  // fixed profiles; the base case of k-induction checks them up to depth k.
  static const std::vector<std::string>& StrengtheningInvariants();
  static bool IsStepProperty(std::string_view name);
  z3::expr Holds(std::string_view property, const SymState& s) const;

 private:
  z3::context& ctx_;
  SymbolicLayout layout_;
  model::Knobs knobs_;
  std::vector<model::Op> alphabet_;
};

}  // namespace mmcheck::solver::smt
