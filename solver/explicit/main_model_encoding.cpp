// SPDX-License-Identifier: GPL-2.0
// The main model's state encoding (MainModel::Encode, EncodeExact, EncodeRenamed, Decode): a
// fixed-size serialisation of model::World, and the least encoding over the symmetry groups'
// renamings, written straight from the world.
#include <cstring>

#include <fmt/format.h>

#include "solver/explicit/main_model.h"
#include "solver/explicit/main_model_internal.h"

namespace mmcheck::solver::explicit_state {

using model::Mm;
using model::Page;
using model::Pmd;
using model::Pte;
using model::Vma;
using model::World;

using main_model_internal::Inverse;

namespace {

// ---- A fixed-size, field-by-field serialisation of World, shared by Encode and Decode. ----
//
// Every field is written big-endian so that memcmp order is the order of the byte tuple
// StateTuple() prints. Variable-length vectors (VMAs, shmem objects and their page caches)
// take their maximum size: a count byte, the elements, then zero padding.

[[noreturn, gnu::cold, gnu::noinline]] void DoesNotFit(const char* what, std::int64_t v) {
  throw ExplorationError(fmt::format("main model: {} {} does not fit the encoding", what, v));
}

class Writer {
 public:
  explicit Writer(std::uint8_t* out) : out_(out) {}
  void U8(std::uint8_t v) { out_[pos_++] = v; }
  void I8(std::int8_t v) { U8(static_cast<std::uint8_t>(v)); }
  void I16(std::int16_t v) {
    const auto u = static_cast<std::uint16_t>(v);
    U8(static_cast<std::uint8_t>(u >> 8));
    U8(static_cast<std::uint8_t>(u));
  }
  void U32(std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) U8(static_cast<std::uint8_t>(v >> shift));
  }
  // The compact fields: a small count in one signed byte, a frame number, PFN, device offset,
  // swap slot or marker in two bytes. A bounded universe keeps them far inside these ranges;
  // a value outside is an error, never a silent wrap that would merge two states.
  void S8(int v) {
    if (v < -128 || v > 127) [[unlikely]]
      DoesNotFit("count", v);
    U8(static_cast<std::uint8_t>(static_cast<std::int8_t>(v)));
  }
  void N16(std::uint32_t v) {
    if (v > 0xffff) [[unlikely]]
      DoesNotFit("number", static_cast<std::int64_t>(v));
    U8(static_cast<std::uint8_t>(v >> 8));
    U8(static_cast<std::uint8_t>(v));
  }
  void Bits(std::initializer_list<bool> bits) {
    std::uint8_t b = 0;
    for (bool bit : bits) b = static_cast<std::uint8_t>(b << 1 | (bit ? 1 : 0));
    U8(b);
  }
  void Pad(std::size_t n) {
    std::memset(out_ + pos_, 0, n);
    pos_ += n;
  }
  std::size_t pos() const { return pos_; }

 private:
  std::uint8_t* out_;
  std::size_t pos_ = 0;
};

class Reader {
 public:
  explicit Reader(const std::uint8_t* in) : in_(in) {}
  std::uint8_t U8() { return in_[pos_++]; }
  std::int8_t I8() { return static_cast<std::int8_t>(U8()); }
  std::int16_t I16() {
    const std::uint16_t hi = U8();
    return static_cast<std::int16_t>(static_cast<std::uint16_t>(hi << 8 | U8()));
  }
  std::uint32_t U32() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = v << 8 | U8();
    return v;
  }
  // A signed count (Writer::S8), sign-extended without a signed char in between.
  std::int16_t S8() {
    const int v = U8();
    return static_cast<std::int16_t>(v >= 128 ? v - 256 : v);
  }
  std::uint32_t N16() {
    const std::uint32_t hi = U8();
    return hi << 8 | U8();
  }
  // Unpacks a Bits() byte into `bits` (most significant first).
  void Bits(std::initializer_list<bool*> bits) {
    const std::uint8_t b = U8();
    int shift = static_cast<int>(bits.size()) - 1;
    for (bool* bit : bits) *bit = (b >> shift-- & 1) != 0;
  }
  void Skip(std::size_t n) { pos_ += n; }

 private:
  const std::uint8_t* in_;
  std::size_t pos_ = 0;
};

constexpr std::size_t kVmaBytes = 5;  // start, end, flags, shmem, pgoff
constexpr std::size_t kPmdBytes = 4;  // kind, pfn, flags
constexpr std::size_t kPteBytes = 4;  // kind, pfn, flags
constexpr std::size_t kPageBytes = 10;
constexpr std::size_t kMirrorBytes = 3;
constexpr std::size_t kRssBytes = 1;
constexpr std::size_t kSwapBytes = 2;
// A shmem object: the page count, a head frame and a logical byte per page, the users.
std::size_t ShmemBytes(std::size_t pages) {
  return 1 + 2 * pages + 1;
}

void WriteVma(Writer& w, const Vma& v) {
  w.U8(v.start);
  w.U8(v.end);
  w.Bits({v.read, v.write, v.shared, v.hugetlb, v.hugepage, v.nohugepage, v.anon_vma,
          v.anon_vma_inherited});
  w.I8(v.shmem);
  w.U8(v.pgoff);
}
Vma ReadVma(Reader& r) {
  Vma v;
  v.start = r.U8();
  v.end = r.U8();
  r.Bits({&v.read, &v.write, &v.shared, &v.hugetlb, &v.hugepage, &v.nohugepage, &v.anon_vma,
          &v.anon_vma_inherited});
  v.shmem = r.I8();
  v.pgoff = r.U8();
  return v;
}

void WritePage(Writer& w, const Page& p) {
  w.S8(p.head);
  w.U8(p.order);
  w.S8(p.refcount);
  w.S8(p.large_mapcount);
  w.S8(p.entire_mapcount);
  w.Bits({p.anon, p.hugetlb, p.dirty, p.swapbacked, p.lru, p.locked, p.anon_exclusive});
  w.I8(p.shmem);
  w.U8(p.index);
  w.S8(p.mapcount);
  w.U8(p.data);
}
Page ReadPage(Reader& r) {
  Page p;
  p.head = r.S8();
  p.order = r.U8();
  p.refcount = r.S8();
  p.large_mapcount = r.S8();
  p.entire_mapcount = r.S8();
  r.Bits({&p.anon, &p.hugetlb, &p.dirty, &p.swapbacked, &p.lru, &p.locked, &p.anon_exclusive});
  p.shmem = r.I8();
  p.index = r.U8();
  p.mapcount = r.S8();
  p.data = r.U8();
  return p;
}

constexpr std::size_t kPgmapBytes = 12;

// Device folios whose eviction is in flight (World::migrating, when the model has it): a
// count, then at most one head frame per device frame. Written through a template so the
// encoding follows the model as the device-private work adds the field.
template <typename W>
void WriteMigrating(Writer& w, const W& world) {
  if constexpr (requires { world.migrating; }) {
    const std::size_t most = static_cast<std::size_t>(world.universe.DeviceFrames());
    if (world.migrating.size() > most)
      throw ExplorationError("main model: more evictions in flight than device frames");
    w.U8(static_cast<std::uint8_t>(world.migrating.size()));
    for (std::int16_t f : world.migrating) w.I16(f);
    w.Pad(2 * (most - world.migrating.size()));
  }
}
template <typename W>
void ReadMigrating(Reader& r, W& world) {
  if constexpr (requires { world.migrating; }) {
    const std::size_t most = static_cast<std::size_t>(world.universe.DeviceFrames());
    const std::size_t n = r.U8();
    world.migrating.clear();
    for (std::size_t i = 0; i < n; ++i) world.migrating.push_back(r.I16());
    r.Skip(2 * (most - n));
  }
}
template <typename W>
std::size_t MigratingBytes(const W& world) {
  if constexpr (requires { world.migrating; }) {
    return 1 + 2 * static_cast<std::size_t>(world.universe.DeviceFrames());
  }
  return 0;
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

// The serialisation proper, of `world` renamed by `r`. `max_shmem` bounds World::shmem (see the
// constructor). Returns the number of bytes written.
template <typename R>
std::size_t WriteWorld(const World& world, std::size_t max_shmem, const R& r, std::uint8_t* out) {
  Writer w(out);
  const int pages = world.universe.pages;
  for (std::size_t t = 0; t < world.mms.size(); ++t) {
    const Mm& mm = world.mms[static_cast<std::size_t>(r.SourceMm(static_cast<int>(t)))];
    w.U8(mm.exists ? 1 : 0);
    w.U8(static_cast<std::uint8_t>(mm.vmas.size()));
    for (const Vma& v : mm.vmas) WriteVma(w, v);
    w.Pad(kVmaBytes * (static_cast<std::size_t>(pages) - mm.vmas.size()));
    for (const Pmd& pmd : mm.pmds) {
      w.U8(static_cast<std::uint8_t>(pmd.kind));
      w.N16(r.PmdNumber(pmd));
      w.Bits({pmd.write, pmd.dirty, pmd.young});
    }
    for (const Pte& pte : mm.ptes) {
      w.U8(static_cast<std::uint8_t>(pte.kind));
      w.N16(r.PteNumber(pte));
      w.Bits({pte.write, pte.dirty, pte.young, pte.soft_dirty, pte.uffd_wp, pte.special,
              pte.swp_exclusive});
    }
    for (std::int16_t c : mm.rss) w.S8(c);
    for (std::uint8_t v : mm.logical) w.U8(v);
    if (!r.Keep(w)) return 0;
  }
  for (std::size_t t = 0; t < world.pages.size(); ++t) {
    Page p = world.pages[static_cast<std::size_t>(r.SourceFrame(static_cast<int>(t)))];
    if (p.head >= 0) p.head = r.Frame(p.head);
    WritePage(w, p);
  }
  if (!r.Keep(w)) return 0;
  for (std::size_t t = 0; t < world.swap.size(); ++t) {
    const model::SwapSlot& s =
        world.swap[static_cast<std::size_t>(r.SourceSwap(static_cast<int>(t)))];
    w.S8(s.count);
    w.U8(s.count == 0 ? 0 : s.data);  // a free slot's stale data is never read
  }
  if (!r.Keep(w)) return 0;
  w.U8(static_cast<std::uint8_t>(world.shmem.size()));
  for (const model::Shmem& obj : world.shmem) {
    w.U8(static_cast<std::uint8_t>(obj.folio.size()));
    for (std::int16_t h : obj.folio) w.S8(h >= 0 ? r.Frame(h) : h);
    w.Pad(static_cast<std::size_t>(pages) - obj.folio.size());
    for (std::uint8_t v : obj.logical) w.U8(v);
    w.Pad(static_cast<std::size_t>(pages) - obj.logical.size());
    w.S8(obj.users);
  }
  w.Pad((max_shmem - world.shmem.size()) * ShmemBytes(static_cast<std::size_t>(pages)));
  const auto mirror_pages = static_cast<std::size_t>(pages);
  for (const model::Device& d : world.devices) {
    for (std::size_t t = 0; t < world.mms.size(); ++t) {
      const auto m = static_cast<std::size_t>(r.SourceMm(static_cast<int>(t)));
      for (std::size_t va = 0; va < mirror_pages; ++va) {
        const model::MirrorEntry& e = d.mirror[m * mirror_pages + va];
        w.U8(static_cast<std::uint8_t>(e.perm | (e.device_private ? 0x80 : 0)));
        w.N16(r.MirrorNumber(e));
      }
    }
  }
  for (const model::DevPagemap& pg : world.pgmaps) {
    w.U8(static_cast<std::uint8_t>(pg.type));
    w.I8(pg.owner);
    w.I16(pg.ref);
    w.I16(pg.first_frame);
    w.I16(pg.nr_pages);
    w.U32(pg.range_start);
  }
  WriteMigrating(w, world);
  w.I16(r.Frame(world.lock_thread_folio));
  return w.pos();
}

}  // namespace

std::size_t main_model_internal::EncodedBytes(const World& initial, std::size_t max_shmem) {
  const model::Universe& u = initial.universe;
  const auto pages = static_cast<std::size_t>(u.pages);
  const std::size_t mm = 2 + kVmaBytes * pages +
                         kPmdBytes * static_cast<std::size_t>(u.PmdsPerMm()) + kPteBytes * pages +
                         kRssBytes * model::kNrRss + pages;
  return mm * static_cast<std::size_t>(u.mms) + kPageBytes * initial.pages.size() +
         kPgmapBytes * initial.pgmaps.size() + MigratingBytes(initial) +
         kSwapBytes * static_cast<std::size_t>(u.swap_slots) + 1 + max_shmem * ShmemBytes(pages) +
         kMirrorBytes * static_cast<std::size_t>(u.devices * u.mms * u.pages) + 2;
}

void MainModel::EncodeExact(const World& world, std::uint8_t* out) const {
  if (world.shmem.size() > max_shmem_ ||
      world.mms.size() != static_cast<std::size_t>(options_.universe.mms))
    throw ExplorationError("main model: the world outgrew its encoding (shmem objects)");
  if (WriteWorld(world, max_shmem_, Identity{}, out) != encoding_size_)
    throw ExplorationError("main model: the encoding size does not match its layout");
}

void MainModel::EncodeRenamed(const World& world, const std::vector<int>& swap,
                              const std::vector<int>& block, const std::vector<int>& mm,
                              std::uint8_t* out) const {
  const std::vector<int> inverse_swap = Inverse(swap), inverse_block = Inverse(block),
                         inverse_mm = Inverse(mm);
  const Renamed renamed(world, swap, block, inverse_swap, inverse_block, inverse_mm);
  if (WriteWorld(world, max_shmem_, renamed, out) != encoding_size_)
    throw ExplorationError("main model: the encoding size does not match its layout");
}

void MainModel::EncodeRenamedAt(const World& world, const Renaming& g, std::uint8_t* out) const {
  const Renamed renamed(world, swap_perms_[g.swap], block_perms_[g.block], swap_inverses_[g.swap],
                        block_inverses_[g.block], mm_inverses_[g.mm]);
  if (WriteWorld(world, max_shmem_, renamed, out) != encoding_size_)
    throw ExplorationError("main model: the encoding size does not match its layout");
}

void MainModel::Encode(const State& state, std::uint8_t* out) const {
  EncodeExact(state.world, out);
  if (!options_.symmetry.Any()) return;
  // The least encoding over the renamings, each written straight from the world (equal to
  // EncodeExact(Rename(...)), which the tests check) without building the renamed World.
  thread_local std::vector<std::uint8_t> bytes;
  bytes.resize(encoding_size_);
  bool swap_in_use = false;
  for (const model::SwapSlot& slot : state.world.swap) swap_in_use |= slot.count != 0;
  for (const Mm& mm : state.world.mms)
    for (const Pte& pte : mm.ptes) swap_in_use |= pte.kind == model::PteKind::kSwap;
  for (std::size_t m = 0; m < mm_perms_.size(); ++m) {
    for (std::size_t b = 0; b < block_perms_.size(); ++b) {
      for (std::size_t k = 0; k < swap_perms_.size(); ++k) {
        if (m == 0 && b == 0 && k == 0) continue;  // the identity, written above
        if (k != 0 && !swap_in_use) continue;      // renaming free slots changes nothing
        Renamed renamed(state.world, swap_perms_[k], block_perms_[b], swap_inverses_[k],
                        block_inverses_[b], mm_inverses_[m]);
        renamed.PruneAgainst(out, bytes.data());
        if (WriteWorld(state.world, max_shmem_, renamed, bytes.data()) == 0) continue;
        if (std::memcmp(bytes.data(), out, encoding_size_) < 0)
          std::memcpy(out, bytes.data(), encoding_size_);
      }
    }
  }
}

MainModel::State MainModel::Decode(const std::uint8_t* in) const {
  State state{initial_, 0};
  World& world = state.world;
  Reader r(in);
  const int pages = options_.universe.pages;
  for (Mm& mm : world.mms) {
    mm.exists = r.U8() != 0;
    const std::size_t vmas = r.U8();
    mm.vmas.clear();
    for (std::size_t i = 0; i < vmas; ++i) mm.vmas.push_back(ReadVma(r));
    r.Skip(kVmaBytes * (static_cast<std::size_t>(pages) - vmas));
    for (Pmd& pmd : mm.pmds) {
      pmd.kind = static_cast<model::PmdKind>(r.U8());
      pmd.pfn = r.N16();
      r.Bits({&pmd.write, &pmd.dirty, &pmd.young});
    }
    for (Pte& pte : mm.ptes) {
      pte.kind = static_cast<model::PteKind>(r.U8());
      pte.pfn = r.N16();
      r.Bits({&pte.write, &pte.dirty, &pte.young, &pte.soft_dirty, &pte.uffd_wp, &pte.special,
              &pte.swp_exclusive});
    }
    for (std::int16_t& c : mm.rss) c = r.S8();
    for (std::uint8_t& v : mm.logical) v = r.U8();
  }
  for (Page& p : world.pages) p = ReadPage(r);
  for (model::SwapSlot& s : world.swap) {
    s.count = r.S8();
    s.data = r.U8();
  }
  const std::size_t objects = r.U8();
  world.shmem.assign(objects, model::Shmem{});
  for (model::Shmem& obj : world.shmem) {
    const std::size_t n = r.U8();
    for (std::size_t i = 0; i < n; ++i) obj.folio.push_back(r.S8());
    r.Skip(static_cast<std::size_t>(pages) - n);
    for (std::size_t i = 0; i < n; ++i) obj.logical.push_back(r.U8());
    r.Skip(static_cast<std::size_t>(pages) - n);
    obj.users = r.S8();
  }
  r.Skip((max_shmem_ - objects) * ShmemBytes(static_cast<std::size_t>(pages)));
  for (model::Device& d : world.devices) {
    for (model::MirrorEntry& e : d.mirror) {
      const std::uint8_t perm = r.U8();
      e.perm = perm & 0x7f;
      e.device_private = (perm & 0x80) != 0;
      e.pfn = r.N16();
    }
  }
  for (model::DevPagemap& pg : world.pgmaps) {
    pg.type = static_cast<model::PgmapType>(r.U8());
    pg.owner = r.I8();
    pg.ref = r.I16();
    pg.first_frame = r.I16();
    pg.nr_pages = r.I16();
    pg.range_start = r.U32();
  }
  ReadMigrating(r, world);
  world.lock_thread_folio = r.I16();
  return state;
}

}  // namespace mmcheck::solver::explicit_state
