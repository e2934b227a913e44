// SPDX-License-Identifier: GPL-2.0
#include "solver/explicit/main_model.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <limits>
#include <numeric>

#include <fmt/format.h>

#include "model/dump.h"
#include "util/threads.h"

namespace mmcheck::solver::explicit_state {

using model::Mm;
using model::Page;
using model::Pmd;
using model::Pte;
using model::Vma;
using model::World;

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
  std::int8_t S8() { return I8(); }
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

std::size_t EncodedBytes(const World& initial, std::size_t max_shmem) {
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

std::vector<int> Inverse(const std::vector<int>& p) {
  std::vector<int> inverse(p.size());
  for (std::size_t i = 0; i < p.size(); ++i)
    inverse[static_cast<std::size_t>(p[i])] = static_cast<int>(i);
  return inverse;
}

// All permutations of 0..n-1 in lexicographic order (the identity first).
std::vector<std::vector<int>> Permutations(int n) {
  std::vector<int> p(static_cast<std::size_t>(n));
  std::iota(p.begin(), p.end(), 0);
  std::vector<std::vector<int>> out;
  do out.push_back(p);
  while (std::next_permutation(p.begin(), p.end()));
  return out;
}

}  // namespace

World Rename(const World& w, const std::vector<int>& swap, const std::vector<int>& block,
             const std::vector<int>& mm) {
  const int block_pages = w.universe.PmdPages();
  const int ram = w.RamFrames();
  auto frame = [&](int f) {
    return f < 0 || f >= ram
               ? f
               : block[static_cast<std::size_t>(f / block_pages)] * block_pages + f % block_pages;
  };
  auto renamed_number = [&](int resolved, std::uint32_t number) {
    return resolved < 0 || resolved >= ram ? number : w.PfnOf(frame(resolved));
  };
  World out = w;
  for (std::size_t f = 0; f < w.pages.size(); ++f) {
    Page p = w.pages[f];
    if (p.head >= 0) p.head = static_cast<std::int16_t>(frame(p.head));
    out.pages[static_cast<std::size_t>(frame(static_cast<int>(f)))] = p;
  }
  for (std::size_t s = 0; s < w.swap.size(); ++s)
    out.swap[static_cast<std::size_t>(swap[s])] = w.swap[s];
  for (std::size_t m = 0; m < w.mms.size(); ++m) {
    Mm copy = w.mms[m];
    for (Pmd& pmd : copy.pmds)
      if (pmd.kind == model::PmdKind::kHuge) pmd.pfn = renamed_number(w.FrameOf(pmd.pfn), pmd.pfn);
    for (Pte& pte : copy.ptes) {
      if (pte.kind == model::PteKind::kSwap) {
        if (pte.pfn < swap.size()) pte.pfn = static_cast<std::uint32_t>(swap[pte.pfn]);
      } else if (model::HasPfn(pte.kind)) {
        pte.pfn = renamed_number(w.EntryFrame(pte), pte.pfn);
      }
    }
    out.mms[static_cast<std::size_t>(mm[m])] = std::move(copy);
  }
  for (model::Shmem& obj : out.shmem)
    for (std::int16_t& h : obj.folio)
      if (h >= 0) h = static_cast<std::int16_t>(frame(h));
  const auto pages = static_cast<std::size_t>(w.universe.pages);
  for (std::size_t d = 0; d < w.devices.size(); ++d) {
    for (std::size_t m = 0; m < w.mms.size(); ++m) {
      for (std::size_t va = 0; va < pages; ++va) {
        model::MirrorEntry e = w.devices[d].mirror[m * pages + va];
        if (e.perm != model::kMirrorNone) e.pfn = renamed_number(w.MirrorFrame(e), e.pfn);
        out.devices[d].mirror[static_cast<std::size_t>(mm[m]) * pages + va] = e;
      }
    }
  }
  out.lock_thread_folio = static_cast<std::int16_t>(frame(w.lock_thread_folio));
  return out;
}

namespace {

// A successor as the symmetry check compares them: its canonical encoding and the properties
// the step into it violated.
struct ClassStep {
  std::vector<std::uint8_t> encoding;
  std::uint32_t violations = 0;
  int op = 0;  // the op that took it (for the witness; not compared)
  // Encodings all have the model's EncodingSize(); memcmp orders them like the byte tuples
  // (and spares GCC 12's false -Wstringop-overread on vector<uint8_t>::operator<).
  int Compare(const ClassStep& o) const {
    const int c = std::memcmp(encoding.data(), o.encoding.data(), encoding.size());
    return c != 0 ? c : (violations < o.violations ? -1 : violations > o.violations ? 1 : 0);
  }
  bool SameClass(const ClassStep& o) const { return Compare(o) == 0; }
  bool operator<(const ClassStep& o) const { return Compare(o) < 0; }
};

std::string PermutationText(const char* what, const std::vector<int>& perm) {
  std::string out;
  for (std::size_t i = 0; i < perm.size(); ++i) {
    if (perm[i] == static_cast<int>(i)) continue;
    out += fmt::format("{}{} {}->{}", out.empty() ? "" : ", ", what, i, perm[i]);
  }
  return out;
}

// --alphabet devexcl-core: the main model's ops that stand for the alphabet of the benchmark
// machine (bench/devexcl-core.md §4), so that the main model can be explored on the
// benchmark's universe with the benchmark's question. The spec's universe has one private
// read-write VMA per mm from the start; here mm0 starts empty, so mmap of exactly that VMA is
// in the alphabet (the child inherits it at fork). The spec's ops map as follows:
//   cpu_write(p), cpu_read(p)      -> cpu_write, cpu_read on every (mm, va)
//   make_device_exclusive(p)       -> dev_exclusive of one page (the dmirror ioctl is atomic:
//                                     no grant window, so no device_release, §9.1)
//   munmap(p), which zaps one page -> madvise MADV_DONTNEED of one page (§9.9: the main model's
//                                     munmap removes the VMA)
//   reclaim(f), migrate(f)         -> reclaim, migrate of the folio mapped at (mm, va)
//   fork                           -> fork
// plus memory offline, the mover of the seeds' liveness question. Everything else of the op
// table (mprotect, other mmap kinds, THP, devices' reads and writes, the lock thread, device
// memory) is left out, as the spec leaves it out (§0).
bool InAlphabet(const std::string& alphabet, const model::Op& op, const model::Universe& u) {
  if (alphabet != "devexcl-core") return false;
  using model::OpCode;
  switch (op.code) {
    case OpCode::kMmap:
      return op.Arg(1) == 0 && op.Arg(2) == u.pages && op.Arg(3) == model::kProtReadWrite &&
             op.Arg(4) == model::kMapPrivate;
    case OpCode::kMadvise:
      return op.Arg(2) == 1 && op.Arg(3) == model::kAdviceDontneed;
    case OpCode::kDeviceExclusive:
      return op.Arg(0) == 0 && op.Arg(3) == 1;
    case OpCode::kFork:
    case OpCode::kCpuRead:
    case OpCode::kCpuWrite:
    case OpCode::kReclaim:
    case OpCode::kMigrate:
    case OpCode::kOffline:
      return true;
    case OpCode::kMunmap:
    case OpCode::kMprotect:
    case OpCode::kDeviceRead:
    case OpCode::kDeviceWrite:
    case OpCode::kDeviceCheckExclusive:
    case OpCode::kSplit:
    case OpCode::kMkclean:
    case OpCode::kLockFolio:
    case OpCode::kUnlockFolio:
    case OpCode::kDeviceMigrateToDev:
    case OpCode::kDeviceMigrateToSys:
    case OpCode::kDeviceRelease:
    case OpCode::kDeviceSnapshot:
    case OpCode::kMremap:
      return false;
  }
  return false;
}

}  // namespace

MainModel::MainModel(MainModelOptions options) : options_(std::move(options)) {
  const model::Universe& u = options_.universe;
  model::ValidateUniverse(u);
  if (options_.values < 1 || options_.values > 255) {
    throw model::ModelInputError(fmt::format(
        "--values {} is out of range (data values 1..V; V in 1..255)", options_.values));
  }
  auto known = [](const std::string& name) {
    if (model::FindOp(name) != nullptr) return;
    std::string accepted;
    for (const model::OpInfo& info : model::OpTable())
      accepted += (accepted.empty() ? "" : ", ") + std::string(info.name);
    throw model::ModelInputError(
        fmt::format("unknown op '{}' in --op/--no-op; accepted: {}", name, accepted));
  };
  if (!options_.alphabet.empty() && options_.alphabet != "devexcl-core") {
    throw model::ModelInputError(
        fmt::format("unknown --alphabet '{}'; accepted: devexcl-core", options_.alphabet));
  }
  for (const std::string& name : options_.only_ops) known(name);
  for (const std::string& name : options_.without_ops) known(name);
  initial_ = World::Initial(u, options_.profile.knobs);

  // --restrict: argument name -> allowed values.
  std::map<std::string, std::vector<int>> allowed_values;
  for (const std::string& text : options_.restrictions) {
    const std::size_t eq = text.find('=');
    const std::string name = text.substr(0, eq == std::string::npos ? 0 : eq);
    const model::ArgInfo* arg = nullptr;
    std::string names;
    for (const model::OpInfo& info : model::OpTable()) {
      for (const model::ArgInfo& a : info.args) {
        if (a.name == name) arg = &a;
        if (names.find(std::string(a.name) + ",") == std::string::npos)
          names += std::string(a.name) + ",";
      }
    }
    if (eq == std::string::npos || arg == nullptr) {
      names.pop_back();
      throw model::ModelInputError(
          fmt::format("--restrict '{}' must be ARG=v1,v2 with ARG one of: {}", text, names));
    }
    // The values the explorer gives an argument of this name: its range in the
    // universe (data values: 1..--values). A value outside it would silently
    // leave every op with this argument out of the search.
    auto [lo, hi] = model::ArgRange(arg->kind, u);
    if (arg->kind == model::ArgKind::kValue) hi = std::min(hi, lo + options_.values - 1);
    std::vector<int>& values = allowed_values[name];
    std::size_t pos = eq + 1;
    while (pos <= text.size()) {
      std::size_t end = text.find(',', pos);
      if (end == std::string::npos) end = text.size();
      const std::string item = text.substr(pos, end - pos);
      int value = -1;
      const auto& symbols = model::ArgSymbols(arg->kind);
      for (std::size_t i = 0; i < symbols.size(); ++i)
        if (symbols[i] == item) value = static_cast<int>(i);
      // Numbers, and mm1/dev0 for mms and devices, as in traces.
      std::string_view digits = item;
      if (arg->kind == model::ArgKind::kMm && digits.starts_with("mm")) digits.remove_prefix(2);
      if (arg->kind == model::ArgKind::kDevice && digits.starts_with("dev"))
        digits.remove_prefix(3);
      bool number = false;
      if (value < 0 && symbols.empty() && !digits.empty() &&
          digits.find_first_not_of("0123456789") == std::string_view::npos) {
        number = true;
        // More than 9 digits is out of every range; std::stoi would throw.
        value =
            digits.size() > 9 ? std::numeric_limits<int>::max() : std::stoi(std::string(digits));
      }
      if (value < 0) {
        std::string accepted;
        for (std::string_view sym : symbols)
          accepted += (accepted.empty() ? "" : ", ") + std::string(sym);
        throw model::ModelInputError(fmt::format("--restrict {}: '{}' is not a value of {}{}{}",
                                                 name, item, name,
                                                 accepted.empty() ? "" : "; accepted: ", accepted));
      }
      if (number && (value < lo || value > hi)) {
        throw model::ModelInputError(fmt::format(
            "--restrict {}={}: {} is out of range {}..{} for universe {}{}", name,
            text.substr(eq + 1), item, lo, hi, u.ToString(),
            arg->kind == model::ArgKind::kValue ? fmt::format(" and --values {}", options_.values)
                                                : ""));
      }
      values.push_back(value);
      pos = end + 1;
    }
  }

  // The alphabet: every instance of every op of the table, arguments over their ranges.
  for (const model::OpInfo& info : model::OpTable()) {
    const std::string name(info.name);
    if (!options_.only_ops.empty() && std::find(options_.only_ops.begin(), options_.only_ops.end(),
                                                name) == options_.only_ops.end())
      continue;
    if (std::find(options_.without_ops.begin(), options_.without_ops.end(), name) !=
        options_.without_ops.end())
      continue;
    model::Op op;
    op.code = info.code;
    // The values each argument takes: its range, data values 1..values, --restrict.
    std::vector<std::vector<int>> domains;
    for (const model::ArgInfo& arg : info.args) {
      auto [lo, hi] = model::ArgRange(arg.kind, u);
      if (arg.kind == model::ArgKind::kValue) hi = std::min(hi, lo + options_.values - 1);
      std::vector<int> domain;
      for (int v = lo; v <= hi; ++v) domain.push_back(v);
      auto restricted = allowed_values.find(std::string(arg.name));
      if (restricted != allowed_values.end()) {
        std::erase_if(domain, [&](int v) {
          return std::find(restricted->second.begin(), restricted->second.end(), v) ==
                 restricted->second.end();
        });
      }
      domains.push_back(std::move(domain));
    }
    bool empty = false;
    for (std::size_t i = 0; i < domains.size(); ++i) {
      if (!domains[i].empty()) continue;
      empty = true;
      // An op asked for by name that cannot run at all is a mistake, not a choice.
      if (!options_.only_ops.empty()) {
        throw model::ModelInputError(
            fmt::format("--op {}: no instance in universe {}: its argument {} has no value there",
                        name, u.ToString(), info.args[i].name));
      }
    }
    if (empty) continue;  // e.g. no devices in the universe
    // An odometer over the argument domains, the last argument turning fastest.
    std::vector<std::size_t> digit(domains.size(), 0);
    for (bool done = false; !done;) {
      for (std::size_t i = 0; i < domains.size(); ++i)
        op.args[i] = static_cast<std::int16_t>(domains[i][digit[i]]);
      if (options_.alphabet.empty() || InAlphabet(options_.alphabet, op, u)) ops_.push_back(op);
      done = true;
      for (std::size_t i = domains.size(); i-- > 0;) {
        if (digit[i] + 1 < domains[i].size()) {
          ++digit[i];
          done = false;
          break;
        }
        digit[i] = 0;
      }
    }
  }
  if (ops_.empty()) {
    throw model::ModelInputError("--op/--no-op/--restrict/--alphabet left no operation to explore");
  }
  if (ops_.size() > 65535) throw model::ModelInputError("too many op instances; lower --values");
  for (std::size_t i = 0; i < ops_.size(); ++i) {
    names_.push_back(model::FormatOp(ops_[i]));
    index_of_name_.emplace(names_.back(), static_cast<int>(i));
  }

  for (const properties::PropertyInfo& p : properties::PropertyTable()) {
    PropertyInfo info;
    info.label = std::string(p.name);
    info.name = std::string(p.name);
    // A property judged on the world alone is a state property, checked once per state
    // reached; the others read the step's result (events, progress, data mismatches).
    const int index = static_cast<int>(properties_.size());
    info.kind = (properties::StateOnlyProperties() >> index & 1) != 0 ? PropertyKind::kState
                                                                      : PropertyKind::kTransition;
    info.description = std::string(p.rule);
    properties_.push_back(std::move(info));
  }
  if (options_.checked == 0) options_.checked = properties::AllProperties();

  // Live shmem objects are at most one per mapped page of every mm; dead slots are reused,
  // so World::shmem never grows beyond that.
  max_shmem_ = static_cast<std::size_t>(u.mms * u.pages);
  encoding_size_ = EncodedBytes(initial_, max_shmem_);

  swap_perms_ = Permutations(options_.symmetry.swap_slots ? u.swap_slots : 0);
  block_perms_ = Permutations(options_.symmetry.folio_slots ? u.folios : 0);
  mm_perms_ = Permutations(options_.symmetry.mms ? u.mms : 0);
  auto identity = [](int n) {
    std::vector<int> p(static_cast<std::size_t>(n));
    std::iota(p.begin(), p.end(), 0);
    return p;
  };
  if (!options_.symmetry.swap_slots) swap_perms_ = {identity(u.swap_slots)};
  if (!options_.symmetry.folio_slots) block_perms_ = {identity(u.folios)};
  if (!options_.symmetry.mms) mm_perms_ = {identity(u.mms)};
  for (const auto& p : swap_perms_) swap_inverses_.push_back(Inverse(p));
  for (const auto& p : block_perms_) block_inverses_.push_back(Inverse(p));
  for (const auto& p : mm_perms_) mm_inverses_.push_back(Inverse(p));
}

MainModel::State MainModel::InitialState() const {
  return State{initial_, 0};
}

int MainModel::OpIndex(std::string_view name) const {
  auto it = index_of_name_.find(name);
  return it == index_of_name_.end() ? -1 : it->second;
}

bool MainModel::Step(const State& state, int op, State* post) const {
  const model::Op& o = ops_[static_cast<std::size_t>(op)];
  if (!model::Enabled(state.world, o)) return false;
  post->world = state.world;
  const model::StepResult result = model::Apply(post->world, o, /*texts=*/false);
  post->step_violations = 0;
  // A step that changed nothing and reported nothing can only repeat what the state's own
  // incoming step already showed (its state properties are unchanged), and the explorer keeps
  // the first, shorter, hit: skip the check. Most enabled ops are such self-loops.
  post->unchanged = result.events.empty() && result.progress.empty() && result.mismatches.empty() &&
                    post->world == state.world;
  if (post->unchanged) return true;
  std::vector<properties::Violation> violations;
  properties::CheckStep(post->world, result, options_.checked & ~properties::StateOnlyProperties(),
                        violations);
  for (const properties::Violation& v : violations) post->step_violations |= 1u << v.property;
  return true;
}

std::uint64_t MainModel::ViolatedStateProperties(const State& state, std::uint64_t mask) const {
  const properties::PropertyMask judged = static_cast<properties::PropertyMask>(mask) &
                                          options_.checked & properties::StateOnlyProperties();
  if (judged == 0) return 0;
  std::vector<properties::Violation> violations;
  properties::CheckStep(state.world, model::StepResult{}, judged, violations);
  std::uint64_t failed = 0;
  for (const properties::Violation& v : violations) failed |= std::uint64_t{1} << v.property;
  return failed;
}

std::uint32_t MainModel::Violations(const State& post) const {
  return post.step_violations |
         static_cast<std::uint32_t>(ViolatedStateProperties(post, ~std::uint64_t{0}));
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

std::string MainModel::CheckSymmetryAt(const State& state) const {
  auto successors = [&](const State& from) {
    std::vector<ClassStep> out;
    State post;
    for (int op = 0; op < OpCount(); ++op) {
      if (!Step(from, op, &post)) continue;
      ClassStep step;
      step.encoding.resize(encoding_size_);
      Encode(post, step.encoding.data());
      step.violations = Violations(post);
      step.op = op;
      out.push_back(std::move(step));
    }
    std::stable_sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end(),
                          [](const ClassStep& a, const ClassStep& b) { return a.SameClass(b); }),
              out.end());
    return out;
  };
  std::vector<ClassStep> mine;
  bool mine_known = false;
  std::vector<std::uint8_t> exact(encoding_size_), renamed_bytes(encoding_size_);
  EncodeExact(state.world, exact.data());
  const std::uint64_t own = ViolatedStateProperties(state, ~std::uint64_t{0});
  std::vector<OwnStep> own_steps;  // per op, filled at the first renaming that needs it
  for (const auto& mm : mm_perms_) {
    for (const auto& block : block_perms_) {
      for (const auto& swap : swap_perms_) {
        // A renaming that leaves this world as it is (say, of swap slots none of which is in
        // use) trivially has the same successors.
        EncodeRenamed(state.world, swap, block, mm, renamed_bytes.data());
        if (renamed_bytes == exact) continue;
        std::string renaming;
        for (const std::string& part : {PermutationText("mm", mm), PermutationText("block", block),
                                        PermutationText("swap", swap)}) {
          if (!part.empty()) renaming += (renaming.empty() ? "" : ", ") + part;
        }
        if (renaming.empty()) continue;  // the identity
        const State renamed{Rename(state.world, swap, block, mm), 0};
        // The renaming must keep the state properties: the search judges them on the
        // representative only.
        const std::uint64_t twin = ViolatedStateProperties(renamed, ~std::uint64_t{0});
        if (own != twin) {
          return fmt::format(
              "renaming [{}]: the renamed state violates properties 0x{:x}, the "
              "explored state 0x{:x}",
              renaming, twin, own);
        }
        // Fast, sufficient: op by op, the renamed op from the renamed state reaches the class
        // the op reaches from the state, with the same transition violations. The renaming
        // of mms is a bijection on the alphabet, so the two have the same successor classes.
        if (own_steps.empty()) {
          State post;
          own_steps.resize(static_cast<std::size_t>(OpCount()));
          for (int op = 0; op < OpCount(); ++op) {
            OwnStep& step = own_steps[static_cast<std::size_t>(op)];
            step.enabled = Step(state, op, &post);
            if (!step.enabled) continue;
            step.violations = post.step_violations;
            step.encoding.resize(encoding_size_);
            Encode(post, step.encoding.data());
          }
        }
        if (OpsCommute(own_steps, renamed, mm)) continue;
        if (!mine_known) {
          mine = successors(state);
          mine_known = true;
        }
        const std::vector<ClassStep> theirs = successors(renamed);
        // The first class (in encoding order) that only one side reaches.
        std::size_t i = 0;
        while (i < mine.size() && i < theirs.size() && mine[i].SameClass(theirs[i])) ++i;
        if (i == mine.size() && i == theirs.size()) continue;
        const bool mine_only = i < mine.size() && (i == theirs.size() || mine[i] < theirs[i]);
        const ClassStep& lone = mine_only ? mine[i] : theirs[i];
        return fmt::format(
            "renaming [{}]: `{}` from the {} state reaches a class{} that the {} state does not "
            "reach ({} vs {} successor classes)",
            renaming, names_[static_cast<std::size_t>(lone.op)], mine_only ? "explored" : "renamed",
            lone.violations != 0 ? fmt::format(" (violations 0x{:x})", lone.violations) : "",
            mine_only ? "renamed" : "explored", mine.size(), theirs.size());
      }
    }
  }
  return "";
}

bool MainModel::OpsCommute(const std::vector<OwnStep>& own, const State& renamed,
                           const std::vector<int>& mm) const {
  std::vector<std::uint8_t> got(encoding_size_);
  State twin;
  for (int op = 0; op < OpCount(); ++op) {
    const OwnStep& mine = own[static_cast<std::size_t>(op)];
    const int renamed_op = RenamedOp(op, mm);
    if (renamed_op < 0) return false;  // the alphabet is not closed under the renaming
    if (Step(renamed, renamed_op, &twin) != mine.enabled) return false;
    if (!mine.enabled) continue;
    if (twin.step_violations != mine.violations) return false;
    Encode(twin, got.data());
    if (got != mine.encoding) return false;
  }
  return true;
}

int MainModel::RenamedOp(int op, const std::vector<int>& mm) const {
  model::Op o = ops_[static_cast<std::size_t>(op)];
  const model::OpInfo& info = model::InfoOf(o.code);
  for (std::size_t a = 0; a < info.args.size(); ++a) {
    if (info.args[a].kind == model::ArgKind::kMm)
      o.args[a] = static_cast<std::int16_t>(mm[static_cast<std::size_t>(o.args[a])]);
  }
  return OpIndex(model::FormatOp(o));
}

SymmetryCheck CheckSymmetry(const MainModel& model, const Explorer<MainModel>& explorer, int jobs) {
  const auto start = std::chrono::steady_clock::now();
  SymmetryCheck check;
  check.states = explorer.StateCount();
  const SymmetryGroups& g = model.Options().symmetry;
  const model::Universe& u = model.Options().universe;
  auto factorial = [](int n) {
    std::uint64_t f = 1;
    for (int i = 2; i <= n; ++i) f *= static_cast<std::uint64_t>(i);
    return f;
  };
  check.renamings = (g.swap_slots ? factorial(u.swap_slots) : 1) *
                        (g.folio_slots ? factorial(u.folios) : 1) * (g.mms ? factorial(u.mms) : 1) -
                    1;
  if (!g.Any()) return check;
  // Thread t checks states t, t + jobs, ... and stops at its first failure; the lowest of
  // those is the lowest failing state overall.
  std::vector<std::uint64_t> first(static_cast<std::size_t>(jobs), check.states);
  std::vector<std::string> witness(static_cast<std::size_t>(jobs));
  std::atomic<std::uint64_t> lowest{check.states};
  util::RunOnThreads(jobs, [&](int t) {
    for (std::uint64_t i = static_cast<std::uint64_t>(t); i < check.states;
         i += static_cast<std::uint64_t>(jobs)) {
      if (i > lowest.load(std::memory_order_relaxed)) return;
      std::string w = model.CheckSymmetryAt(explorer.StateAt(static_cast<std::uint32_t>(i)));
      if (w.empty()) continue;
      first[static_cast<std::size_t>(t)] = i;
      witness[static_cast<std::size_t>(t)] = std::move(w);
      std::uint64_t seen = lowest.load();
      while (i < seen && !lowest.compare_exchange_weak(seen, i)) {
      }
      return;
    }
  });
  for (int t = 0; t < jobs; ++t) {
    if (first[static_cast<std::size_t>(t)] < check.states &&
        (check.exact || first[static_cast<std::size_t>(t)] < check.witness_state)) {
      check.exact = false;
      check.witness_state = static_cast<std::uint32_t>(first[static_cast<std::size_t>(t)]);
      check.witness = witness[static_cast<std::size_t>(t)];
    }
  }
  check.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return check;
}

std::string SymmetryGroups::Describe() const {
  std::string out;
  if (swap_slots) out += "swap slots";
  if (mms) out += std::string(out.empty() ? "" : " + ") + "mms";
  if (folio_slots) out += std::string(out.empty() ? "" : " + ") + "folio slots";
  return out.empty() ? "off" : out;
}

SymmetryGroups ParseSymmetryGroups(std::string_view text) {
  SymmetryGroups g;
  if (text.empty()) {
    g.swap_slots = true;
    return g;
  }
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find(',', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view item = text.substr(pos, end - pos);
    if (item == "swap") {
      g.swap_slots = true;
    } else if (item == "mms") {
      g.mms = true;
    } else if (item == "folios") {
      g.folio_slots = true;
    } else if (item == "all") {
      g.swap_slots = g.mms = g.folio_slots = true;
    } else if (item != "off" || text != "off") {
      throw model::ModelInputError(
          fmt::format("--symmetry '{}': unknown group '{}'; accepted: swap, mms, folios, all "
                      "(comma-separated), "
                      "off",
                      text, item));
    }
    pos = end + 1;
  }
  return g;
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

std::uint64_t MainModel::ViolatedTransitionProperties(const State&, int, const State& post,
                                                      std::uint64_t mask) const {
  return post.step_violations & mask;
}

std::uint64_t MainModel::DefaultAssertedMask() const {
  return properties::HardProperties();
}

std::uint64_t MainModel::MaskOf(const std::vector<std::string>& names) const {
  std::uint64_t mask = 0;
  for (const std::string& name : names) {
    const int index = properties::PropertyIndex(name);
    if (index < 0) {
      std::string accepted;
      for (const properties::PropertyInfo& p : properties::PropertyTable())
        accepted += (accepted.empty() ? "" : ", ") + std::string(p.name);
      throw model::ModelInputError(
          fmt::format("unknown property '{}'; accepted: {}", name, accepted));
    }
    mask |= std::uint64_t{1} << index;
  }
  return mask;
}

// Liveness (AG EF). For each frame F and each background mover (memory offline, which
// migrates; reclaim), with ONLY that mover running (every instance of its op):
//
//   offline-empties-frame-F: from every reachable state a state is reachable in which frame F
//   holds no folio that a correct kernel must be able to move.
//
// "Must be able to move" is the model's own obligation: the folio is mapped (ops name folios
// by a mapping) and a dry run of the op on it raises a ProgressCheck (the model's eligibility
// rules: an unpinned LRU folio, not held by the lock thread, with a free destination / free
// swap). So the goal is: frame F is free, or no mapping names its folio, or the folio is not
// eligible. On linux-6.14 a device-exclusive folio has mapcount 0 but is eligible, and
// offline fails on it forever: a lasso whose cycle is the offline op (bug 4,
// docs/kernel-rules.md#bug-04). Frames, not folio slots: migration allocates first-fit and may
// move a small folio to another frame of the same PMD-sized block, but never to its own frame.
std::vector<LivenessProperty<MainModel::State>> MainModel::LivenessProperties() const {
  std::vector<LivenessProperty<State>> out;
  struct Mover {
    const char* op;
    const char* property;
    model::ProgressCheck::Kind kind;
    const char* doc;
  };
  const Mover movers[] = {
      {"offline", "offline-empties-frame", model::ProgressCheck::kMigration,
       "memory offline alone can empty frame {} of every folio it must migrate"},
      {"reclaim", "reclaim-empties-frame", model::ProgressCheck::kReclaim,
       "reclaim alone can empty frame {} of every folio it must reclaim"},
  };
  const int frames = static_cast<int>(initial_.pages.size());
  for (const Mover& mover : movers) {
    const model::OpInfo* info = model::FindOp(mover.op);
    if (info == nullptr) continue;
    std::vector<bool> allowed(ops_.size(), false);
    bool any = false;
    for (std::size_t i = 0; i < ops_.size(); ++i)
      if (ops_[i].code == info->code) any = allowed[i] = true;
    if (!any) continue;  // left out with --op/--no-op
    const model::ProgressCheck::Kind kind = mover.kind;
    for (int frame = 0; frame < frames; ++frame) {
      LivenessProperty<State> p;
      p.name = fmt::format("{}-{}", mover.property, frame);
      p.description = fmt::format(fmt::runtime(mover.doc), frame);
      p.allowed_ops = allowed;
      // Only the mover's instances in the alphabet count: with --restrict a folio no op
      // instance can name is one the mover cannot be asked to move.
      std::vector<model::Op> mover_ops;
      for (std::size_t i = 0; i < ops_.size(); ++i)
        if (allowed[i]) mover_ops.push_back(ops_[i]);
      p.goal = [frame, kind, mover_ops](const State& s) {
        const World& w = s.world;
        const int head = w.pages[static_cast<std::size_t>(frame)].head;
        if (head < 0) return true;
        for (const model::Op& op : mover_ops) {
          if (!model::Enabled(w, op)) continue;
          const int mapped = w.MappedFrame(op.Arg(0), op.Arg(1));
          if (mapped < 0 || w.pages[static_cast<std::size_t>(mapped)].head != head) continue;
          World dry = w;
          const model::StepResult r = model::Apply(dry, op);
          for (const model::ProgressCheck& c : r.progress)
            if (c.kind == kind && c.pfn == w.PfnOf(head)) return false;
        }
        return true;
      };
      out.push_back(std::move(p));
    }
  }
  return out;
}

void MainModel::StateTuple(const State& state, std::vector<int>* tuple) const {
  std::vector<std::uint8_t> bytes(encoding_size_);
  Encode(state, bytes.data());
  for (std::uint8_t b : bytes) tuple->push_back(b);
}

std::string MainModel::DescribeState(const State& state) const {
  return model::DrawWorld(state.world);
}

std::vector<int> MainModel::Concretize(const std::vector<int>& ops, int property) const {
  if (!options_.symmetry.Any()) return ops;
  std::vector<int> out;
  State concrete = InitialState(), post, candidate;
  std::vector<std::uint8_t> want(encoding_size_), got(encoding_size_);
  Encode(concrete, want.data());
  State canonical = Decode(want.data());  // the explorer expands decoded states
  for (std::size_t k = 0; k < ops.size(); ++k) {
    if (!Step(canonical, ops[k], &post)) throw ExplorationError("concretize: op not enabled");
    Encode(post, want.data());
    const bool last = k + 1 == ops.size();
    int found = -1;
    for (int op = 0; op < OpCount() && found < 0; ++op) {
      if (!Step(concrete, op, &candidate)) continue;
      Encode(candidate, got.data());
      if (got != want) continue;
      if (last && property >= 0 && (Violations(candidate) >> property & 1) == 0) continue;
      found = op;
      concrete = candidate;
    }
    if (found < 0) throw ExplorationError("concretize: no concrete op reaches the same class");
    out.push_back(found);
    canonical = Decode(want.data());
  }
  return out;
}

traces::Trace MainModel::MakeTrace(const std::vector<int>& ops, const std::string& property,
                                   const std::string& question,
                                   const std::vector<std::string>& comments) const {
  traces::Trace t;
  t.header_comments = comments;
  t.profile = options_.trace_profile.empty() ? options_.profile.name : options_.trace_profile;
  t.universe = options_.universe;
  t.knobs = options_.knob_overrides;
  t.expect = property.empty() ? traces::Expectation{} : traces::Expectation{false, property};
  t.question = question;
  for (int op : ops) {
    traces::TraceStep step;
    step.op = ops_[static_cast<std::size_t>(op)];
    t.steps.push_back(std::move(step));
  }
  return t;
}

}  // namespace mmcheck::solver::explicit_state
