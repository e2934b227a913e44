// SPDX-License-Identifier: GPL-2.0
// The main model's state encoding (MainModel::Encode, EncodeExact, EncodeRenamed, Decode): a
// fixed-size serialisation of model::World, and the least encoding over the symmetry groups'
// renamings, written straight from the world.
#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>
#include <memory>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "model/ops/kernel.h"
#include "solver/explicit/main_model.h"
#include "solver/explicit/main_model_internal.h"
#include "solver/explicit/main_model_sections.h"

namespace mmcheck::solver::explicit_state {

using model::Mm;
using model::Page;
using model::Pmd;
using model::Pte;
using model::Vma;
using model::World;

using main_model_internal::EncodingLayout;
using main_model_internal::FieldRange;
using main_model_internal::Inverse;
using main_model_internal::NumberSet;

namespace {

// ---- A fixed-size, bit-packed, field-by-field serialisation of World (Encode and Decode). ----
//
// Every field takes the bits its range in the universe needs (EncodingLayout, built once per
// model from the initial world): a frame index or -1 takes bit_width(frames) bits, a PTE's
// number one of the few values a PFN, swap slot, marker or device offset can take, a count the
// bits of the universe's reference capacity, a flag one bit, a field that never changes in a
// search (a pgmap's range) none. Fields are concatenated most significant bit first, so the
// bytes of the encoding compare like the tuple of the fields' codes, and every code keeps its
// field's order. Variable-length vectors (VMAs, shmem objects and their page caches, the
// evictions in flight) take their maximum size: a count, the elements, then zero bits.

[[noreturn, gnu::cold, gnu::noinline]] void DoesNotFit(const char* what, std::int64_t v,
                                                       std::int64_t lo, std::int64_t hi) {
  throw ExplorationError(fmt::format(
      "main model: {} {} does not fit the encoding (its range in this universe is {}..{})", what, v,
      lo, hi));
}

class Writer {
 public:
  explicit Writer(std::uint8_t* out) : out_(out) {}
  // Appends the low `bits` bits of `v` (at most 32), most significant first; whole 32-bit words
  // go out as they fill.
  void Put(std::uint32_t v, int bits) {
    acc_ = acc_ << bits | v;
    held_ += bits;
    if (held_ >= 32) {
      held_ -= 32;
      const std::uint32_t word = __builtin_bswap32(static_cast<std::uint32_t>(acc_ >> held_));
      std::memcpy(out_ + pos_, &word, 4);
      pos_ += 4;
    }
  }
  // A value of `range`; one outside it is an error, never a silent wrap that would merge two
  // states.
  void Int(std::int64_t v, const FieldRange& range, const char* what) {
    const auto code = static_cast<std::uint64_t>(v - range.lo);
    if (code > static_cast<std::uint64_t>(range.hi - range.lo)) [[unlikely]]
      DoesNotFit(what, v, range.lo, range.hi);
    Put(static_cast<std::uint32_t>(code), range.bits);
  }
  void Number(std::uint32_t v, const NumberSet& numbers, const char* what) {
    std::uint32_t code = 0;
    for (const auto& [lo, hi] : numbers.intervals) {
      if (v <= hi) {
        if (v < lo) break;
        Put(code + (v - lo), numbers.bits);
        return;
      }
      code += hi - lo + 1;
    }
    DoesNotFit(what, v, numbers.intervals.front().first, numbers.intervals.back().second);
  }
  void Bit(bool b) { Put(b ? 1 : 0, 1); }
  void Bits(std::initializer_list<bool> bits) {
    std::uint32_t v = 0;
    for (bool b : bits) v = v << 1 | (b ? 1 : 0);
    Put(v, static_cast<int>(bits.size()));
  }
  // A value that is the same in every world of a search: no bits, but a check.
  template <typename T>
  void Constant(const T& v, const T& expected, const char* what) {
    if (!(v == expected)) [[unlikely]]
      throw ExplorationError(
          fmt::format("main model: {} changed, but the encoding holds it constant", what));
  }
  void Pad(std::size_t bits) {
    for (; bits > 32; bits -= 32) Put(0, 32);
    Put(0, static_cast<int>(bits));
  }
  // Pads with zero bits to the next byte, and writes out every whole byte.
  void Align() {
    Put(0, (8 - held_ % 8) % 8);
    while (held_ >= 8) {
      held_ -= 8;
      out_[pos_++] = static_cast<std::uint8_t>(acc_ >> held_);
    }
  }
  // Whole bytes written so far.
  std::size_t pos() const { return pos_; }
  // Writes the last partial byte (zero bits after the fields); returns the bits written.
  std::size_t Finish() {
    const std::size_t bits = pos_ * 8 + static_cast<std::size_t>(held_);
    Align();
    return bits;
  }

 private:
  std::uint8_t* out_;
  std::size_t pos_ = 0;
  std::uint64_t acc_ = 0;  // the last held_ bits not yet written
  int held_ = 0;
};

class Reader {
 public:
  explicit Reader(const std::uint8_t* in) : in_(in) {}
  std::uint32_t Get(int bits) {
    while (held_ < bits) {
      acc_ = acc_ << 8 | in_[pos_++];
      held_ += 8;
    }
    held_ -= bits;
    return static_cast<std::uint32_t>(acc_ >> held_) &
           static_cast<std::uint32_t>((std::uint64_t{1} << bits) - 1);
  }
  std::int32_t Int(const FieldRange& range) {
    return static_cast<std::int32_t>(range.lo + static_cast<std::int64_t>(Get(range.bits)));
  }
  template <typename T>
  T As(const FieldRange& range) {
    return static_cast<T>(Int(range));
  }
  std::uint32_t Number(const NumberSet& numbers) {
    std::uint32_t code = Get(numbers.bits);
    for (const auto& [lo, hi] : numbers.intervals) {
      if (code <= hi - lo) return lo + code;
      code -= hi - lo + 1;
    }
    throw ExplorationError("main model: an encoded number outside its set");
  }
  bool Bit() { return Get(1) != 0; }
  void Bits(std::initializer_list<bool*> bits) {
    for (bool* b : bits) *b = Bit();
  }
  void Skip(std::size_t bits) {
    for (; bits > 32; bits -= 32) Get(32);
    Get(static_cast<int>(bits));
  }
  // Skips the zero bits to the next byte (Writer::Align).
  void Align() { held_ -= held_ % 8; }

 private:
  const std::uint8_t* in_;
  std::size_t pos_ = 0;
  std::uint64_t acc_ = 0;
  int held_ = 0;
};

std::size_t Width(const FieldRange& r) {
  return static_cast<std::size_t>(r.bits);
}

std::size_t VmaBits(const EncodingLayout& l) {
  return Width(l.vma_start) + Width(l.vma_end) + 8 + Width(l.vma_shmem) + Width(l.vma_pgoff);
}

void WriteVma(Writer& w, const EncodingLayout& l, const Vma& v) {
  w.Int(v.start, l.vma_start, "VMA start");
  w.Int(v.end, l.vma_end, "VMA end");
  w.Bits({v.read, v.write, v.shared, v.hugetlb, v.hugepage, v.nohugepage, v.anon_vma,
          v.anon_vma_inherited});
  w.Int(v.shmem, l.vma_shmem, "VMA shmem object");
  w.Int(v.pgoff, l.vma_pgoff, "VMA pgoff");
}
Vma ReadVma(Reader& r, const EncodingLayout& l) {
  Vma v;
  v.start = r.As<std::uint8_t>(l.vma_start);
  v.end = r.As<std::uint8_t>(l.vma_end);
  r.Bits({&v.read, &v.write, &v.shared, &v.hugetlb, &v.hugepage, &v.nohugepage, &v.anon_vma,
          &v.anon_vma_inherited});
  v.shmem = r.As<std::int8_t>(l.vma_shmem);
  v.pgoff = r.As<std::uint8_t>(l.vma_pgoff);
  return v;
}

void WritePage(Writer& w, const EncodingLayout& l, const Page& p) {
  w.Int(p.head, l.frame, "folio head frame");
  w.Int(p.order, l.order, "folio order");
  w.Int(p.refcount, l.count, "refcount");
  w.Int(p.large_mapcount, l.count, "large mapcount");
  w.Int(p.entire_mapcount, l.count, "entire mapcount");
  w.Bits({p.anon, p.hugetlb, p.dirty, p.swapbacked, p.lru, p.locked, p.anon_exclusive});
  w.Int(p.shmem, l.shmem_object, "page cache owner");
  w.Int(p.index, l.index, "page cache index");
  w.Int(p.mapcount, l.count, "mapcount");
  w.Int(p.data, l.data, "page data");
}
Page ReadPage(Reader& r, const EncodingLayout& l) {
  Page p;
  p.head = r.As<std::int16_t>(l.frame);
  p.order = r.As<std::uint8_t>(l.order);
  p.refcount = r.As<std::int16_t>(l.count);
  p.large_mapcount = r.As<std::int16_t>(l.count);
  p.entire_mapcount = r.As<std::int16_t>(l.count);
  r.Bits({&p.anon, &p.hugetlb, &p.dirty, &p.swapbacked, &p.lru, &p.locked, &p.anon_exclusive});
  p.shmem = r.As<std::int8_t>(l.shmem_object);
  p.index = r.As<std::uint8_t>(l.index);
  p.mapcount = r.As<std::int16_t>(l.count);
  p.data = r.As<std::uint8_t>(l.data);
  return p;
}

// How WriteWorld names things: the world as it is (Identity), or as Rename() below would rename
// it (Renamed), written straight into the encoding without building the renamed World. Target
// index t of a group holds what source index Source*(t) holds; references are renamed in place.
//
// Keep(writer) is asked at section boundaries: false abandons the write (WriteWorld returns 0).
struct Identity {
  bool Keep(const Writer&) const { return true; }
  int SourceMm(int t) const { return t; }
  int SourceFrame(int t) const { return t; }
  int SourceSwap(int t) const { return t; }
  std::int16_t Frame(std::int16_t f) const { return f; }
  std::uint32_t PmdNumber(const Pmd& pmd) const { return pmd.pfn; }
  std::uint32_t PteNumber(const Pte& pte) const { return pte.pfn; }
  std::uint32_t MirrorNumber(const model::MirrorEntry& e) const { return e.pfn; }
};

// Renaming of swap slots, RAM frame blocks and mms: slot s becomes swap[s], block b becomes
// block[b], mm m becomes mm[m]. Device-private frames keep their places: an entry is renamed
// by the frame the model resolves it to (World::EntryFrame, which dispatches on the entry's
// kind like softleaf_to_page), so a device offset that equals a RAM PFN stays a device offset.
class Renamed {
 public:
  // The inverses are the permutations' inverses (see Inverse). Every vector is held by
  // reference and must outlive the Renamed.
  Renamed(const World& w, const std::vector<int>& swap, const std::vector<int>& block,
          const std::vector<int>& inverse_swap, const std::vector<int>& inverse_block,
          const std::vector<int>& inverse_mm)
      : w_(w),
        swap_(swap),
        block_(block),
        inverse_swap_(inverse_swap),
        inverse_block_(inverse_block),
        inverse_mm_(inverse_mm),
        block_pages_(w.universe.PmdPages()),
        ram_(w.RamFrames()) {
    for (std::size_t b = 0; b < block.size(); ++b) frames_moved_ |= block[b] != static_cast<int>(b);
  }
  // Makes Keep() abandon the write as soon as the bytes written so far are greater than the
  // same prefix of `best` (the least encoding found so far): this renaming cannot be the least.
  void PruneAgainst(const std::uint8_t* best, const std::uint8_t* out) {
    best_ = best;
    out_ = out;
  }
  bool Keep(const Writer& w) const {
    if (best_ == nullptr || decided_) return true;
    const int c = std::memcmp(out_ + checked_, best_ + checked_, w.pos() - checked_);
    checked_ = w.pos();
    decided_ = c < 0;  // less already: the rest cannot make it greater
    return c <= 0;
  }
  int SourceMm(int t) const { return inverse_mm_[static_cast<std::size_t>(t)]; }
  int SourceSwap(int t) const { return inverse_swap_[static_cast<std::size_t>(t)]; }
  int SourceFrame(int t) const { return Map(t, inverse_block_); }
  std::int16_t Frame(std::int16_t f) const { return static_cast<std::int16_t>(Map(f, block_)); }
  std::uint32_t PmdNumber(const Pmd& pmd) const {
    if (!frames_moved_ || pmd.kind != model::PmdKind::kHuge) return pmd.pfn;
    return Number(w_.FrameOf(pmd.pfn), pmd.pfn);
  }
  std::uint32_t PteNumber(const Pte& pte) const {
    if (pte.kind == model::PteKind::kSwap)
      return pte.pfn < swap_.size() ? static_cast<std::uint32_t>(swap_[pte.pfn]) : pte.pfn;
    if (!frames_moved_ || !model::HasPfn(pte.kind)) return pte.pfn;
    return Number(w_.EntryFrame(pte), pte.pfn);
  }
  std::uint32_t MirrorNumber(const model::MirrorEntry& e) const {
    if (!frames_moved_ || e.perm == model::kMirrorNone) return e.pfn;
    return Number(w_.MirrorFrame(e), e.pfn);
  }

 private:
  int Map(int f, const std::vector<int>& blocks) const {
    if (f < 0 || f >= ram_) return f;
    return blocks[static_cast<std::size_t>(f / block_pages_)] * block_pages_ + f % block_pages_;
  }
  // The number an entry resolved to `resolved` carries after the renaming.
  std::uint32_t Number(int resolved, std::uint32_t number) const {
    if (!frames_moved_ || resolved < 0 || resolved >= ram_) return number;
    return w_.PfnOf(Map(resolved, block_));
  }

  const World& w_;
  const std::vector<int>& swap_;
  const std::vector<int>& block_;
  const std::vector<int>& inverse_swap_;
  const std::vector<int>& inverse_block_;
  const std::vector<int>& inverse_mm_;
  int block_pages_, ram_;
  bool frames_moved_ = false;
  const std::uint8_t* best_ = nullptr;
  const std::uint8_t* out_ = nullptr;
  mutable std::size_t checked_ = 0;
  mutable bool decided_ = false;
};

// Mm section `t` of `world` renamed by `r` (mm r.SourceMm(t) of `world`), laid out by `l`,
// padded to whole bytes: l.mm_bytes bytes.
template <typename R>
void WriteMm(Writer& w, const World& world, const EncodingLayout& l, const R& r, std::size_t t) {
  const auto pages = static_cast<std::size_t>(world.universe.pages);
  const Mm& mm = world.mms[static_cast<std::size_t>(r.SourceMm(static_cast<int>(t)))];
  w.Bit(mm.exists);
  w.Int(static_cast<std::int64_t>(mm.vmas.size()), l.vma_count, "VMA count");
  for (const Vma& v : mm.vmas) WriteVma(w, l, v);
  w.Pad(VmaBits(l) * (pages - mm.vmas.size()));
  for (const Pmd& pmd : mm.pmds) {
    w.Int(static_cast<int>(pmd.kind), l.pmd_kind, "PMD kind");
    w.Number(r.PmdNumber(pmd), l.numbers, "PMD number");
    w.Bits({pmd.write, pmd.dirty, pmd.young});
  }
  for (const Pte& pte : mm.ptes) {
    w.Int(static_cast<int>(pte.kind), l.pte_kind, "PTE kind");
    w.Number(r.PteNumber(pte), l.numbers, "PTE number");
    w.Bits({pte.write, pte.dirty, pte.young, pte.soft_dirty, pte.uffd_wp, pte.special,
            pte.swp_exclusive});
  }
  for (std::int16_t c : mm.rss) w.Int(c, l.count, "RSS counter");
  for (std::uint8_t v : mm.logical) w.Int(v, l.data, "logical page data");
  w.Align();
}

// The rest of the world after the mm sections (frames, swap slots, shmem objects, mirrors,
// pgmaps, evictions in flight, the lock thread's folio). Returns false when r.Keep() abandoned
// the write.
template <typename R>
bool WriteRest(Writer& w, const World& world, const EncodingLayout& l, const R& r) {
  const auto pages = static_cast<std::size_t>(world.universe.pages);
  for (std::size_t t = 0; t < world.pages.size(); ++t) {
    Page p = world.pages[static_cast<std::size_t>(r.SourceFrame(static_cast<int>(t)))];
    if (p.head >= 0) p.head = r.Frame(p.head);
    WritePage(w, l, p);
  }
  if (!r.Keep(w)) return false;
  for (std::size_t t = 0; t < world.swap.size(); ++t) {
    const model::SwapSlot& s =
        world.swap[static_cast<std::size_t>(r.SourceSwap(static_cast<int>(t)))];
    w.Int(s.count, l.count, "swap count");
    w.Int(s.count == 0 ? 0 : s.data, l.data, "swap data");  // a free slot's data is never read
  }
  if (!r.Keep(w)) return false;
  if (world.shmem.size() > l.max_shmem) [[unlikely]]
    DoesNotFit("shmem object count", static_cast<std::int64_t>(world.shmem.size()), 0,
               static_cast<std::int64_t>(l.max_shmem));
  w.Int(static_cast<std::int64_t>(world.shmem.size()), l.shmem_count, "shmem object count");
  const std::size_t shmem_page_bits = Width(l.frame) + Width(l.data);
  for (const model::Shmem& obj : world.shmem) {
    if (obj.logical.size() != obj.folio.size()) [[unlikely]]
      throw ExplorationError("main model: a shmem object's page cache and data differ in size");
    w.Int(static_cast<std::int64_t>(obj.folio.size()), l.shmem_pages, "shmem object size");
    for (std::size_t i = 0; i < obj.folio.size(); ++i) {
      const std::int16_t h = obj.folio[i];
      w.Int(h >= 0 ? r.Frame(h) : h, l.frame, "shmem page cache frame");
      w.Int(obj.logical[i], l.data, "shmem data");
    }
    w.Pad(shmem_page_bits * (pages - obj.folio.size()));
    w.Int(obj.users, l.count, "shmem users");
  }
  w.Pad((l.max_shmem - world.shmem.size()) * l.shmem_object_bits);
  for (const model::Device& d : world.devices) {
    for (std::size_t t = 0; t < world.mms.size(); ++t) {
      const auto m = static_cast<std::size_t>(r.SourceMm(static_cast<int>(t)));
      for (std::size_t va = 0; va < pages; ++va) {
        const model::MirrorEntry& e = d.mirror[m * pages + va];
        w.Int(e.perm, l.perm, "mirror permission");
        w.Bit(e.device_private);
        w.Number(r.MirrorNumber(e), l.numbers, "mirror number");
      }
    }
  }
  for (std::size_t i = 0; i < world.pgmaps.size(); ++i) {
    // Only the reference count changes; the rest is the universe's (World::Initial).
    const model::DevPagemap& pg = world.pgmaps[i];
    model::DevPagemap fixed = l.pgmaps[i];
    fixed.ref = pg.ref;
    w.Constant(pg, fixed, "a dev_pagemap's type, owner or range");
    w.Int(pg.ref, l.pgmap_ref, "pgmap reference count");
  }
  w.Int(static_cast<std::int64_t>(world.migrating.size()), l.migrating_count,
        "evictions in flight");
  for (std::int16_t f : world.migrating) w.Int(r.Frame(f), l.frame, "eviction frame");
  w.Pad(static_cast<std::size_t>(l.frame.bits) *
        (static_cast<std::size_t>(l.migrating_count.hi) - world.migrating.size()));
  w.Int(r.Frame(world.lock_thread_folio), l.frame, "lock thread's folio");
  return true;
}

// The serialisation proper, of `world` renamed by `r`, laid out by `l`. Returns the number of
// bits written (the rest of the last byte is zero), or 0 when r.Keep() abandoned the write.
template <typename R>
std::size_t WriteWorld(const World& world, const EncodingLayout& l, const R& r, std::uint8_t* out) {
  Writer w(out);
  for (std::size_t t = 0; t < world.mms.size(); ++t) {
    WriteMm(w, world, l, r, t);
    if (w.pos() != (t + 1) * l.mm_bytes) [[unlikely]]
      throw ExplorationError("main model: an mm section does not match its layout");
    if (!r.Keep(w)) return 0;
  }
  if (!WriteRest(w, world, l, r)) return 0;
  return w.Finish();
}

// Whether two worlds of one search have the same rest section (WriteRest with Identity reads
// nothing else: the universe and the knobs are the search's).
bool SameRest(const World& a, const World& b) {
  return a.pages == b.pages && a.swap == b.swap && a.shmem == b.shmem && a.devices == b.devices &&
         a.pgmaps == b.pgmaps && a.migrating == b.migrating &&
         a.lock_thread_folio == b.lock_thread_folio;
}
static_assert(std::tuple_size_v<decltype(World::Fields())> == 10,
              "SameRest lists the fields of World that WriteRest reads: add the new one");

// The state this thread decoded last (MainModel::Decode): its world, its exact encoding and,
// with interned sections, their numbers. Encode of a successor Step made from it copies the
// sections that are the same.
struct DecodedParent {
  const void* model = nullptr;
  std::uint64_t decoded = 0;
  World world;
  std::vector<std::uint8_t> exact;
  std::vector<std::uint32_t> numbers;  // per section, or MainModel::kUnknownSection
};
thread_local DecodedParent decoded_parent;

std::uint64_t NextDecoded() {
  static std::atomic<std::uint64_t> next{0};
  return next.fetch_add(1, std::memory_order_relaxed) + 1;
}

FieldRange Range(std::int64_t lo, std::int64_t hi) {
  FieldRange r;
  r.lo = lo;
  r.hi = hi;
  r.bits = static_cast<int>(std::bit_width(static_cast<std::uint64_t>(hi - lo)));
  return r;
}

}  // namespace

std::shared_ptr<const EncodingLayout> main_model_internal::MakeEncodingLayout(const World& initial,
                                                                              std::size_t max_shmem,
                                                                              int values) {
  const model::Universe& u = initial.universe;
  auto l = std::make_shared<EncodingLayout>();
  const int pages = u.pages;
  const int frames = static_cast<int>(initial.pages.size());
  l->max_shmem = max_shmem;
  l->vma_count = Range(0, pages);
  l->vma_start = Range(0, pages - 1);
  l->vma_end = Range(1, pages);
  l->vma_shmem = Range(-1, static_cast<std::int64_t>(max_shmem) - 1);
  l->vma_pgoff = Range(0, pages - 1);
  l->shmem_object = l->vma_shmem;
  // A folio's references: one per PTE or PMD page mapping of every mm (at most mms x pages, a
  // PMD mapping takes one per page: __split_huge_pmd_locked's folio_ref_add), as many again per
  // device mirroring them, the swap cache's (one per page of a PMD-sized folio), and a few
  // taken across a step (allocation, isolation, the lock thread). Mapcounts, RSS counters and
  // swap counts are bounded by the mappings; their negative side is a buggy kernel's underflow,
  // bounded alike. A count outside is an error of the search, not a merge.
  const std::int64_t capacity = static_cast<std::int64_t>(u.mms) * pages * (1 + u.devices) +
                                2 * static_cast<std::int64_t>(u.PmdPages()) + 4;
  l->count = Range(-capacity, capacity);
  l->frame = Range(-1, frames - 1);
  l->order = Range(0, u.pmd_order);
  l->index = Range(0, pages - 1);
  l->data = Range(0, values);
  l->pte_kind = Range(0, static_cast<int>(model::PteKind::kMigrationDeviceWrite));
  l->pmd_kind = Range(0, static_cast<int>(model::PmdKind::kDevicePrivate));
  l->perm = Range(0, model::kMirrorAtomic);
  l->shmem_count = Range(0, static_cast<std::int64_t>(max_shmem));
  l->shmem_pages = Range(0, pages);
  l->shmem_object_bits = static_cast<std::size_t>(l->shmem_pages.bits) +
                         static_cast<std::size_t>(pages) * (Width(l->frame) + Width(l->data)) +
                         static_cast<std::size_t>(l->count.bits);
  l->migrating_count = Range(0, u.DeviceFrames());
  l->pgmaps = initial.pgmaps;
  const std::int64_t pgmap_refs =
      2 * static_cast<std::int64_t>(u.DeviceFrames() + u.PmdPages()) + capacity;
  l->pgmap_ref = Range(-pgmap_refs, pgmap_refs);
  // The numbers an entry can carry: small ones (a swap slot, PTE marker bits), the zero page,
  // the PFNs of every frame, and each pgmap's device-private offsets (World::Initial), closed
  // under what try_to_migrate_one() makes of a non-present entry's number before the fix
  // (PtePfnOfNonPresent, model/ops/kernel.h: x86-64's pte_pfn() of a swap-format PTE, offset >> 3,
  // kept as a migration entry's "garbage" PFN). The intervals, sorted and merged, are numbered
  // in order.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> intervals = {
      {0, static_cast<std::uint32_t>(std::max(u.swap_slots, 8)) - 1},
      {model::kZeroPfn, model::kZeroPfn},
      {model::kFirstPfn, model::kFirstPfn + static_cast<std::uint32_t>(std::max(frames, 1)) - 1}};
  for (const model::DevPagemap& pg : initial.pgmaps)
    if (pg.nr_pages > 0)
      intervals.emplace_back(pg.range_start,
                             pg.range_start + static_cast<std::uint32_t>(pg.nr_pages) - 1);
  std::uint64_t count = 0;
  for (std::uint64_t before = 1; before != count;) {
    before = count;
    const std::size_t n = intervals.size();
    for (std::size_t i = 0; i < n; ++i)
      intervals.emplace_back(model::kernel::PtePfnOfNonPresent(intervals[i].first),
                             model::kernel::PtePfnOfNonPresent(intervals[i].second));
    std::sort(intervals.begin(), intervals.end());
    std::vector<std::pair<std::uint32_t, std::uint32_t>> merged;
    count = 0;
    for (const auto& [lo, hi] : intervals) {
      if (!merged.empty() && lo <= merged.back().second + 1) {
        merged.back().second = std::max(merged.back().second, hi);
      } else {
        merged.emplace_back(lo, hi);
      }
    }
    for (const auto& [lo, hi] : merged) count += hi - lo + 1;
    intervals = std::move(merged);
  }
  l->numbers.intervals = intervals;
  l->numbers.bits = static_cast<int>(std::bit_width(count - 1));
  const auto numbers = static_cast<std::size_t>(l->numbers.bits);
  const auto upages = static_cast<std::size_t>(pages);
  const std::size_t mm_bits =
      1 + Width(l->vma_count) + upages * VmaBits(*l) +
      static_cast<std::size_t>(u.PmdsPerMm()) * (Width(l->pmd_kind) + numbers + 3) +
      upages * (Width(l->pte_kind) + numbers + 7) + model::kNrRss * Width(l->count) +
      upages * Width(l->data);
  l->mm_bytes = (mm_bits + 7) / 8;
  // The size: what the initial world takes (every world takes the same, padding included).
  std::vector<std::uint8_t> scratch(4096 + initial.pages.size() * 16 +
                                    static_cast<std::size_t>(u.mms * pages) * 64 +
                                    max_shmem * static_cast<std::size_t>(pages) * 8);
  l->bits = WriteWorld(initial, *l, Identity{}, scratch.data());
  l->bytes = (l->bits + 7) / 8;
  return l;
}

void MainModel::EncodeExact(const World& world, std::uint8_t* out) const {
  if (world.mms.size() != static_cast<std::size_t>(options_.universe.mms))
    throw ExplorationError("main model: the world's mm count is not the universe's");
  if (WriteWorld(world, *layout_, Identity{}, out) != layout_->bits)
    throw ExplorationError("main model: the encoding size does not match its layout");
}

void MainModel::EncodeRenamed(const World& world, const std::vector<int>& swap,
                              const std::vector<int>& block, const std::vector<int>& mm,
                              std::uint8_t* out) const {
  const std::vector<int> inverse_swap = Inverse(swap), inverse_block = Inverse(block),
                         inverse_mm = Inverse(mm);
  const Renamed renamed(world, swap, block, inverse_swap, inverse_block, inverse_mm);
  if (WriteWorld(world, *layout_, renamed, out) != layout_->bits)
    throw ExplorationError("main model: the encoding size does not match its layout");
}

void MainModel::EncodeRenamedAt(const World& world, const Renaming& g, std::uint8_t* out) const {
  const Renamed renamed(world, swap_perms_[g.swap], block_perms_[g.block], swap_inverses_[g.swap],
                        block_inverses_[g.block], mm_inverses_[g.mm]);
  if (WriteWorld(world, *layout_, renamed, out) != layout_->bits)
    throw ExplorationError("main model: the encoding size does not match its layout");
}

void MainModel::CanonicalSections(const State& state, std::uint8_t* out,
                                  std::uint32_t* numbers) const {
  const World& world = state.world;
  const EncodingLayout& l = *layout_;
  const std::size_t mms = world.mms.size();
  if (mms != static_cast<std::size_t>(options_.universe.mms))
    throw ExplorationError("main model: the world's mm count is not the universe's");
  const std::size_t mm_bytes = l.mm_bytes, rest_at = mms * mm_bytes;
  const std::size_t rest_bits = l.bits - rest_at * 8;
  // The identity, section by section: a section that equals the decoded parent's is its bytes.
  const DecodedParent* parent = nullptr;
  if (state.parent != 0 && decoded_parent.decoded == state.parent && decoded_parent.model == this)
    parent = &decoded_parent;
  thread_local std::vector<std::uint8_t> identity;
  thread_local std::vector<std::uint32_t> identity_numbers;
  identity.resize(exact_size_);
  identity_numbers.assign(mms + 1, kUnknownSection);
  for (std::size_t t = 0; t < mms; ++t) {
    if (parent != nullptr && world.mms[t] == parent->world.mms[t]) {
      std::memcpy(identity.data() + t * mm_bytes, parent->exact.data() + t * mm_bytes, mm_bytes);
      identity_numbers[t] = parent->numbers[t];
      continue;
    }
    Writer w(identity.data() + t * mm_bytes);
    WriteMm(w, world, l, Identity{}, t);
    if (w.pos() != mm_bytes) [[unlikely]]
      throw ExplorationError("main model: an mm section does not match its layout");
  }
  if (parent != nullptr && SameRest(world, parent->world)) {
    std::memcpy(identity.data() + rest_at, parent->exact.data() + rest_at, exact_size_ - rest_at);
    identity_numbers[mms] = parent->numbers[mms];
  } else {
    Writer w(identity.data() + rest_at);
    WriteRest(w, world, l, Identity{});
    if (w.Finish() != rest_bits)
      throw ExplorationError("main model: the encoding size does not match its layout");
  }
  std::memcpy(out, identity.data(), exact_size_);
  if (numbers != nullptr) std::copy(identity_numbers.begin(), identity_numbers.end(), numbers);
  if (!options_.symmetry.Any()) return;
  // The least encoding over the renamings, each written straight from the world (equal to
  // EncodeExact(Rename(...)), which the tests check) without building the renamed World.
  thread_local std::vector<std::uint8_t> bytes;
  bytes.resize(exact_size_);
  bool swap_in_use = false;
  for (const model::SwapSlot& slot : world.swap) swap_in_use |= slot.count != 0;
  for (const Mm& mm : world.mms)
    for (const Pte& pte : mm.ptes) swap_in_use |= pte.kind == model::PteKind::kSwap;
  // Without a renaming of frame blocks, mm section t of the world renamed by (swap k, mms m) is
  // section SourceMm(t) of the world renamed by swap k alone: those are written once per k
  // (k = 0: the identity's), and a renaming's mm sections are compared with the least encoding
  // so far before the rest (swap slots, mirror rows) is written for it.
  thread_local std::vector<std::uint8_t> swapped;  // per k: the mm sections renamed by swap k
  thread_local std::vector<char> swapped_known;
  swapped.resize(swap_perms_.size() * mms * mm_bytes);
  swapped_known.assign(swap_perms_.size(), 0);
  auto sections_of = [&](std::size_t k) -> const std::uint8_t* {
    if (k == 0) return identity.data();
    std::uint8_t* at = swapped.data() + k * mms * mm_bytes;
    if (swapped_known[k] == 0) {
      const Renamed by_swap(world, swap_perms_[k], block_perms_[0], swap_inverses_[k],
                            block_inverses_[0], mm_inverses_[0]);
      for (std::size_t t = 0; t < mms; ++t) {
        Writer w(at + t * mm_bytes);
        WriteMm(w, world, l, by_swap, t);
      }
      swapped_known[k] = 1;
    }
    return at;
  };
  for (std::size_t m = 0; m < mm_perms_.size(); ++m) {
    for (std::size_t b = 0; b < block_perms_.size(); ++b) {
      for (std::size_t k = 0; k < swap_perms_.size(); ++k) {
        if (m == 0 && b == 0 && k == 0) continue;  // the identity, written above
        if (k != 0 && !swap_in_use) continue;      // renaming free slots changes nothing
        Renamed renamed(world, swap_perms_[k], block_perms_[b], swap_inverses_[k],
                        block_inverses_[b], mm_inverses_[m]);
        if (b == 0) {
          const std::uint8_t* sections = sections_of(k);
          auto source = [&](std::size_t t) {
            return static_cast<std::size_t>(renamed.SourceMm(static_cast<int>(t)));
          };
          int c = 0;
          for (std::size_t t = 0; t < mms && c == 0; ++t)
            c = std::memcmp(sections + source(t) * mm_bytes, out + t * mm_bytes, mm_bytes);
          if (c > 0) continue;
          for (std::size_t t = 0; t < mms; ++t)
            std::memcpy(bytes.data() + t * mm_bytes, sections + source(t) * mm_bytes, mm_bytes);
          Writer w(bytes.data() + rest_at);
          WriteRest(w, world, l, renamed);
          if (w.Finish() != rest_bits)
            throw ExplorationError("main model: the encoding size does not match its layout");
          if (c == 0 &&
              std::memcmp(bytes.data() + rest_at, out + rest_at, exact_size_ - rest_at) >= 0)
            continue;
          std::memcpy(out, bytes.data(), exact_size_);
          if (numbers != nullptr) {
            for (std::size_t t = 0; t < mms; ++t)
              numbers[t] = k == 0 ? identity_numbers[source(t)] : kUnknownSection;
            numbers[mms] = kUnknownSection;
          }
          continue;
        }
        renamed.PruneAgainst(out, bytes.data());
        if (WriteWorld(world, l, renamed, bytes.data()) == 0) continue;
        if (std::memcmp(bytes.data(), out, exact_size_) < 0) {
          std::memcpy(out, bytes.data(), exact_size_);
          if (numbers != nullptr) std::fill(numbers, numbers + mms + 1, kUnknownSection);
        }
      }
    }
  }
}

void MainModel::EncodeCanonical(const State& state, std::uint8_t* out) const {
  CanonicalSections(state, out, nullptr);
}

void MainModel::Encode(const State& state, std::uint8_t* out) const {
  if (!options_.intern_sections) {
    CanonicalSections(state, out, nullptr);
    return;
  }
  thread_local std::vector<std::uint8_t> full;
  thread_local std::vector<std::uint32_t> numbers;
  full.resize(exact_size_);
  const EncodingLayout& l = *layout_;
  const std::size_t mms = state.world.mms.size();
  numbers.resize(mms + 1);
  CanonicalSections(state, full.data(), numbers.data());
  Writer w(out);
  for (std::size_t t = 0; t < mms; ++t) {
    const std::uint32_t n = numbers[t] != kUnknownSection
                                ? numbers[t]
                                : mm_sections_->Intern(full.data() + t * l.mm_bytes);
    w.Put(n, l.mm_number_bits);
  }
  w.Put(numbers[mms] != kUnknownSection ? numbers[mms]
                                        : rest_sections_->Intern(full.data() + mms * l.mm_bytes),
        l.rest_number_bits);
  w.Finish();
}

MainModel::State MainModel::Decode(const std::uint8_t* in) const {
  const EncodingLayout& l = *layout_;
  const auto mms = static_cast<std::size_t>(options_.universe.mms);
  DecodedParent& cache = decoded_parent;
  cache.model = this;
  cache.decoded = 0;  // invalid until it is filled in below
  cache.exact.resize(exact_size_);
  cache.numbers.assign(mms + 1, kUnknownSection);
  if (!options_.intern_sections) {
    std::memcpy(cache.exact.data(), in, exact_size_);
  } else {
    Reader r(in);
    for (std::size_t t = 0; t < mms; ++t) {
      cache.numbers[t] = r.Get(l.mm_number_bits);
      mm_sections_->Copy(cache.numbers[t], cache.exact.data() + t * l.mm_bytes);
    }
    cache.numbers[mms] = r.Get(l.rest_number_bits);
    rest_sections_->Copy(cache.numbers[mms], cache.exact.data() + mms * l.mm_bytes);
  }
  State state = DecodeExact(cache.exact.data());
  // The world's exact encoding is `exact`: decoding and encoding are inverse (the tests decode
  // every state of a search back), so its successors may copy its unchanged sections.
  state.decoded = NextDecoded();
  cache.world = state.world;
  cache.decoded = state.decoded;
  return state;
}

std::uint64_t MainModel::ExtraTableBytes() const {
  if (!options_.intern_sections) return 0;
  return mm_sections_->Bytes() + rest_sections_->Bytes();
}

MainModel::State MainModel::DecodeExact(const std::uint8_t* in) const {
  State state{initial_, 0};
  World& world = state.world;
  const EncodingLayout& l = *layout_;
  Reader r(in);
  const auto pages = static_cast<std::size_t>(options_.universe.pages);
  for (Mm& mm : world.mms) {
    mm.exists = r.Bit();
    const auto vmas = static_cast<std::size_t>(r.Int(l.vma_count));
    mm.vmas.clear();
    for (std::size_t i = 0; i < vmas; ++i) mm.vmas.push_back(ReadVma(r, l));
    r.Skip(VmaBits(l) * (pages - vmas));
    for (Pmd& pmd : mm.pmds) {
      pmd.kind = r.As<model::PmdKind>(l.pmd_kind);
      pmd.pfn = r.Number(l.numbers);
      r.Bits({&pmd.write, &pmd.dirty, &pmd.young});
    }
    for (Pte& pte : mm.ptes) {
      pte.kind = r.As<model::PteKind>(l.pte_kind);
      pte.pfn = r.Number(l.numbers);
      r.Bits({&pte.write, &pte.dirty, &pte.young, &pte.soft_dirty, &pte.uffd_wp, &pte.special,
              &pte.swp_exclusive});
    }
    for (std::int16_t& c : mm.rss) c = r.As<std::int16_t>(l.count);
    for (std::uint8_t& v : mm.logical) v = r.As<std::uint8_t>(l.data);
    r.Align();
  }
  for (Page& p : world.pages) p = ReadPage(r, l);
  for (model::SwapSlot& s : world.swap) {
    s.count = r.As<std::int16_t>(l.count);
    s.data = r.As<std::uint8_t>(l.data);
  }
  const auto objects = static_cast<std::size_t>(r.Int(l.shmem_count));
  world.shmem.assign(objects, model::Shmem{});
  for (model::Shmem& obj : world.shmem) {
    const auto n = static_cast<std::size_t>(r.Int(l.shmem_pages));
    for (std::size_t i = 0; i < n; ++i) {
      obj.folio.push_back(r.As<std::int16_t>(l.frame));
      obj.logical.push_back(r.As<std::uint8_t>(l.data));
    }
    r.Skip((Width(l.frame) + Width(l.data)) * (pages - n));
    obj.users = r.As<std::int16_t>(l.count);
  }
  r.Skip((l.max_shmem - objects) * l.shmem_object_bits);
  for (model::Device& d : world.devices) {
    for (model::MirrorEntry& e : d.mirror) {
      e.perm = r.As<std::uint8_t>(l.perm);
      e.device_private = r.Bit();
      e.pfn = r.Number(l.numbers);
    }
  }
  for (std::size_t i = 0; i < world.pgmaps.size(); ++i) {
    world.pgmaps[i] = l.pgmaps[i];
    world.pgmaps[i].ref = r.As<std::int16_t>(l.pgmap_ref);
  }
  const auto migrating = static_cast<std::size_t>(r.Int(l.migrating_count));
  world.migrating.clear();
  for (std::size_t i = 0; i < migrating; ++i)
    world.migrating.push_back(r.As<std::int16_t>(l.frame));
  r.Skip(static_cast<std::size_t>(l.frame.bits) *
         (static_cast<std::size_t>(l.migrating_count.hi) - migrating));
  world.lock_thread_folio = r.As<std::int16_t>(l.frame);
  return state;
}

}  // namespace mmcheck::solver::explicit_state
