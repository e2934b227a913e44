// SPDX-License-Identifier: GPL-2.0
// devexcl-core (bench/devexcl-core.md v1): operations §3-§5, properties §6.
#include "bench/devexcl/devexcl_core.h"

#include <immintrin.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace mmcheck::bench {

namespace {

// Step() records failed in-operation sanity checks in State::step_faults.
constexpr std::uint8_t kFaultRestoreNotExclusive = 1 << 0;  // S4: restore saw ax = 0
constexpr std::uint8_t kFaultExclusiveAfterFault = 1 << 1;  // S4: GUP left an unexpected PTE
constexpr std::uint8_t kFaultReclaimDidNotFree = 1 << 2;    // S5
constexpr std::uint8_t kFaultMigrateFailedMapped = 1 << 3;  // S5
constexpr std::uint8_t kFaultOldWalkMetExclusive = 1 << 4;  // S5
constexpr std::uint8_t kS4Faults = kFaultRestoreNotExclusive | kFaultExclusiveAfterFault;
constexpr std::uint8_t kS5Faults =
    kFaultReclaimDidNotFree | kFaultMigrateFailedMapped | kFaultOldWalkMetExclusive;

constexpr std::uint64_t Bit(int index) {
  return std::uint64_t{1} << index;
}

}  // namespace

namespace {

// The mask selecting the low `width` bits of the first `count` bytes of an 8-byte array once it
// is loaded big-endian (element 0 in the top byte), for pext.
constexpr std::uint64_t LaneMask(int count, int width) {
  std::uint64_t mask = 0;
  for (int k = 0; k < count; ++k) mask |= ((std::uint64_t{1} << width) - 1) << (56 - 8 * k);
  return mask;
}

// Loads an 8-byte array big-endian: element 0 in the top byte.
std::uint64_t LoadBigEndian(const std::uint8_t (&bytes)[8]) {
  std::uint64_t word;
  std::memcpy(&word, bytes, 8);
  return __builtin_bswap64(word);
}

// Loads a 4-byte array the same way, into the top four bytes.
std::uint64_t LoadBigEndian(const std::uint8_t (&bytes)[4]) {
  std::uint32_t word;
  std::memcpy(&word, bytes, 4);
  return std::uint64_t{__builtin_bswap32(word)} << 32;
}

}  // namespace

std::optional<DevexclUniverse> DevexclBenchByName(std::string_view name,
                                                  DevexclSemantics semantics) {
  if (name == "devexcl-core") return DevexclUniverse{"devexcl-core", 2, 3, 2, semantics};
  if (name == "devexcl-core-L") return DevexclUniverse{"devexcl-core-L", 3, 3, 3, semantics};
  if (name == "devexcl-core-XL") return DevexclUniverse{"devexcl-core-XL", 3, 4, 3, semantics};
  return std::nullopt;
}

const char* DevexclBenchNames() {
  return "devexcl-core, devexcl-core-L, devexcl-core-XL";
}

DevexclCoreModel::DevexclCoreModel(const DevexclUniverse& universe)
    : universe_(universe),
      old_(universe.semantics == DevexclSemantics::kOld),
      pages_(universe.pages_per_mm),
      ptes_(2 * universe.pages_per_mm),
      folios_(universe.folios),
      slots_(universe.slots) {
  if (pages_ < 1 || pages_ > kMaxPagesPerMm || folios_ < 1 || folios_ > kMaxFolios || slots_ < 1 ||
      slots_ > kMaxSlots) {
    throw std::invalid_argument(
        "devexcl-core universe out of range: pages per mm 1..4, folios 1..4, slots 1..4");
  }
  const int largest_id = std::max(folios_, slots_) - 1;
  id_bits_ = 1;
  while ((1 << id_bits_) <= largest_id) ++id_bits_;
  // mm1, then per PTE kind(2) id w(1), per folio alloc(1) ref(2) map(2) ax(1) dirty(1)
  // grant(1), per slot cnt(2).
  total_bits_ = 1 + ptes_ * (2 + id_bits_ + 1) + folios_ * 8 + slots_ * 2;
  // Whole 8-byte words: the explorer compares and hashes words, and a word written in one store
  // can be read back at once.
  encoding_bytes_ = static_cast<std::size_t>((total_bits_ + 63) / 64 * 8);
  use_bmi2_ = total_bits_ <= 128 && __builtin_cpu_supports("bmi2") &&
              std::getenv("MMCHECK_NO_BMI2") == nullptr;
  const int counts[10] = {ptes_,   ptes_,   ptes_,   folios_, folios_,
                          folios_, folios_, folios_, folios_, slots_};
  const int widths[10] = {2, id_bits_, 1, 1, 2, 2, 1, 1, 1, 2};
  for (int k = 0; k < 10; ++k) {
    lane_masks_[k] = LaneMask(counts[k], widths[k]);
    lane_widths_[k] = counts[k] * widths[k];
  }
  // Where each part lands in the packed word: mm1 on top, then the field arrays in order.
  lane_shifts_[10] = 0;
  for (int k = 9; k >= 0; --k) lane_shifts_[k] = lane_shifts_[k + 1] + lane_widths_[k];
  // S0 limits, byte by byte over the State layout; entries past NPG/NF/NS must stay 0.
  State limits;
  limits.mm1 = 1;
  for (int p = 0; p < ptes_; ++p) {
    limits.kind[p] = kSwap;
    limits.id[p] = static_cast<std::uint8_t>(std::max(folios_, slots_) - 1);
    limits.write[p] = 1;
  }
  for (int f = 0; f < folios_; ++f) {
    limits.alloc[f] = limits.anon_exclusive[f] = limits.dirty[f] = limits.grant[f] = 1;
    limits.ref[f] = limits.map[f] = 2;
  }
  for (int slot = 0; slot < slots_; ++slot) limits.swap_count[slot] = 2;
  limits.step_faults = 127;  // scratch, not a state field
  const auto* limit_bytes = reinterpret_cast<const std::uint8_t*>(&limits);
  for (std::size_t word = 0; word < sizeof(State) / 8; ++word) {
    range_addends_[word] = 0;
    for (int lane = 0; lane < 8; ++lane) {
      range_addends_[word] |= std::uint64_t{127u - limit_bytes[word * 8 + lane]} << (8 * lane);
    }
  }

  // The alphabet, spec §4: for every p the four PTE ops, for every f the three folio ops, fork.
  for (int p = 0; p < ptes_; ++p) {
    ops_.push_back({OpKind::kCpuWrite, p});
    ops_.push_back({OpKind::kCpuRead, p});
    ops_.push_back({OpKind::kMakeDeviceExclusive, p});
    ops_.push_back({OpKind::kMunmap, p});
  }
  for (int f = 0; f < folios_; ++f) {
    ops_.push_back({OpKind::kDeviceRelease, f});
    ops_.push_back({OpKind::kReclaim, f});
    ops_.push_back({OpKind::kMigrate, f});
  }
  ops_.push_back({OpKind::kFork, 0});

  // Must follow PropertyIndex.
  properties_ = {
      {"P1", "mapcount-consistency", PropertyKind::kState, false,
       "for every allocated folio, map = number of PRESENT or DEVEXCL PTEs naming it"},
      {"P2", "refcount-covers-mapcount", PropertyKind::kState, false,
       "for every allocated folio, ref >= map + grant"},
      {"P3", "reclaimable", PropertyKind::kTransition, false,
       "after reclaim(f) no PTE names f (kernel bug 3, unswappable exclusive memory)"},
      {"P4", "no-dangling", PropertyKind::kState, false,
       "no PRESENT/DEVEXCL PTE names a free folio, no SWAP PTE names a slot with cnt = 0"},
      {"S0", "field-ranges", PropertyKind::kTransition, true,
       "every successor's fields are within the ranges of spec §2.1 (the encoding is exact)"},
      {"S1", "canonical-form", PropertyKind::kState, true, "C1, C2 and C4 of spec §2.2"},
      {"S2", "refcount-exact", PropertyKind::kState, true,
       "for every allocated folio, ref = mapped + grant"},
      {"S3", "swap-count-exact", PropertyKind::kState, true,
       "for every slot, cnt = number of SWAP PTEs naming it"},
      {"S4", "restore-sees-exclusive", PropertyKind::kTransition, true,
       "restore sees ax = 1; make_device_exclusive after its fault sees PRESENT, w=1, ax=1, "
       "map=1, grant=0"},
      {"S5", "walk-outcome", PropertyKind::kTransition, true,
       "a reclaim walk frees f; a failing migrate has map = 0; an OLD walk never meets a "
       "DEVEXCL entry"},
  };
}

std::string DevexclCoreModel::OpName(int op) const {
  const OpInstance& instance = ops_[op];
  auto pte = [&](const char* name) {
    return std::string(name) + "(mm" + std::to_string(instance.arg / pages_) + ",va" +
           std::to_string(instance.arg % pages_) + ")";
  };
  auto folio = [&](const char* name) {
    return std::string(name) + "(f" + std::to_string(instance.arg) + ")";
  };
  switch (instance.kind) {
    case OpKind::kCpuWrite:
      return pte("cpu_write");
    case OpKind::kCpuRead:
      return pte("cpu_read");
    case OpKind::kMakeDeviceExclusive:
      return pte("make_device_exclusive");
    case OpKind::kMunmap:
      return pte("munmap");
    case OpKind::kDeviceRelease:
      return folio("device_release");
    case OpKind::kReclaim:
      return folio("reclaim");
    case OpKind::kMigrate:
      return folio("migrate");
    case OpKind::kFork:
      return "fork";
  }
  return "?";
}

int DevexclCoreModel::OpIndex(std::string_view name) const {
  for (int op = 0; op < OpCount(); ++op) {
    if (OpName(op) == name) return op;
  }
  return -1;
}

// --- Derived predicates (spec §2.4) and helpers (spec §3). ---

bool DevexclCoreModel::HasFreeFolio(const State& s) const {
  for (int f = 0; f < folios_; ++f) {
    if (s.alloc[f] == 0) return true;
  }
  return false;
}

bool DevexclCoreModel::HasFreeSlot(const State& s) const {
  for (int slot = 0; slot < slots_; ++slot) {
    if (s.swap_count[slot] == 0) return true;
  }
  return false;
}

int DevexclCoreModel::Mapped(const State& s, int f) const {
  int n = 0;
  for (int p = 0; p < ptes_; ++p) {
    if ((s.kind[p] == kPresent || s.kind[p] == kDevExclusive) && s.id[p] == f) ++n;
  }
  return n;
}

// WF(p) of the write_fault table.
bool DevexclCoreModel::WriteFaultGuard(const State& s, int p) const {
  const int id = s.id[p];
  switch (s.kind[p]) {
    case kNone:
      return HasFreeFolio(s);
    case kPresent:
      if (s.write[p] != 0 || s.anon_exclusive[id] != 0 || s.ref[id] == 1) return true;
      return HasFreeFolio(s);  // copy
    case kDevExclusive:
      return s.grant[id] == 0;
    case kSwap:
      return HasFreeFolio(s);
  }
  return false;
}

// new_folio(ax, dirty). REQUIRES: a free folio.
int DevexclCoreModel::NewFolio(State* s, int anon_exclusive, int dirty) const {
  int g = 0;
  while (s->alloc[g] != 0) ++g;
  s->alloc[g] = 1;
  s->ref[g] = 1;
  s->map[g] = 1;
  s->anon_exclusive[g] = static_cast<std::uint8_t>(anon_exclusive);
  s->dirty[g] = static_cast<std::uint8_t>(dirty);
  s->grant[g] = 0;
  return g;
}

// put(f); free(f) clears all six fields (C2).
void DevexclCoreModel::Put(State* s, int f) const {
  if (--s->ref[f] == 0) {
    s->alloc[f] = s->map[f] = s->anon_exclusive[f] = s->dirty[f] = s->grant[f] = 0;
  }
}

// restore(p), restore_exclusive_pte(): always writable; OLD re-adds the mapcount.
void DevexclCoreModel::Restore(State* s, int p) const {
  const int f = s->id[p];
  if (s->anon_exclusive[f] == 0) s->step_faults |= kFaultRestoreNotExclusive;
  s->kind[p] = kPresent;
  s->write[p] = 1;
  if (old_) ++s->map[f];
}

// write_fault(p): handle_mm_fault(FAULT_FLAG_WRITE) until present and writable, then the write.
// REQUIRES: WriteFaultGuard(p).
void DevexclCoreModel::WriteFault(State* s, int p) const {
  const int id = s->id[p];
  switch (s->kind[p]) {
    case kNone: {  // do_anonymous_page
      const int g = NewFolio(s, 1, 1);
      s->kind[p] = kPresent;
      s->id[p] = static_cast<std::uint8_t>(g);
      s->write[p] = 1;
      return;
    }
    case kPresent:
      if (s->write[p] != 0) {  // write hit
        s->dirty[id] = 1;
      } else if (s->anon_exclusive[id] != 0 || s->ref[id] == 1) {  // wp_can_reuse_anon_folio
        s->anon_exclusive[id] = 1;
        s->dirty[id] = 1;
        s->write[p] = 1;
      } else {  // copy: the new folio is allocated before the old one is put
        const int g = NewFolio(s, 1, 1);
        s->id[p] = static_cast<std::uint8_t>(g);
        s->write[p] = 1;
        --s->map[id];
        Put(s, id);
      }
      return;
    case kDevExclusive:  // do_swap_page -> remove_device_exclusive_entry, then the write
      Restore(s, p);
      s->dirty[id] = 1;
      return;
    case kSwap: {  // do_swap_page, write: always a fresh exclusive writable folio
      const int g = NewFolio(s, 1, 1);
      s->kind[p] = kPresent;
      s->id[p] = static_cast<std::uint8_t>(g);
      s->write[p] = 1;
      --s->swap_count[id];
      return;
    }
  }
}

// --- Operations (spec §4). ---

bool DevexclCoreModel::Step(const State& state, int op, State* post) const {
  const OpInstance& instance = ops_[op];
  const State& s = state;
  switch (instance.kind) {
    case OpKind::kCpuWrite: {  // 4.1
      const int p = instance.arg;
      if (!Exists(s, p) || !WriteFaultGuard(s, p)) return false;
      *post = s;
      post->step_faults = 0;
      WriteFault(post, p);
      return true;
    }
    case OpKind::kCpuRead: {  // 4.2: only DEVEXCL and SWAP reads are generated
      const int p = instance.arg;
      if (!Exists(s, p)) return false;
      if (s.kind[p] == kDevExclusive) {
        if (s.grant[s.id[p]] != 0) return false;
        *post = s;
        post->step_faults = 0;
        Restore(post, p);
        return true;
      }
      if (s.kind[p] == kSwap) {
        if (!HasFreeFolio(s)) return false;
        *post = s;
        post->step_faults = 0;
        const int slot = s.id[p];
        const int exclusive = s.swap_count[slot] == 1 ? 1 : 0;
        const int g = NewFolio(post, exclusive, 0);
        post->kind[p] = kPresent;
        post->id[p] = static_cast<std::uint8_t>(g);
        post->write[p] = 0;
        --post->swap_count[slot];
        return true;
      }
      return false;
    }
    case OpKind::kMakeDeviceExclusive: {  // 4.3
      const int p = instance.arg;
      if (!Exists(s, p) || !WriteFaultGuard(s, p)) return false;
      *post = s;
      post->step_faults = 0;
      WriteFault(post, p);  // GUP FOLL_WRITE
      const int f = post->id[p];
      if (post->kind[p] != kPresent || post->write[p] != 1 || post->anon_exclusive[f] != 1 ||
          post->map[f] != 1 || post->grant[f] != 0) {
        post->step_faults |= kFaultExclusiveAfterFault;
      }
      post->kind[p] = kDevExclusive;
      post->write[p] = 0;
      post->dirty[f] = 1;
      if (old_) --post->map[f];  // OLD: folio_remove_rmap_pte
      post->grant[f] = 1;        // returned locked and referenced
      ++post->ref[f];
      return true;
    }
    case OpKind::kMunmap: {  // 4.5: zap_pte_range of one page, the VMA stays
      const int p = instance.arg;
      if (!Exists(s, p) || s.kind[p] == kNone) return false;
      *post = s;
      post->step_faults = 0;
      const int id = s.id[p];
      switch (s.kind[p]) {
        case kPresent:
          --post->map[id];
          Put(post, id);
          break;
        case kDevExclusive:
          if (!old_) --post->map[id];  // OLD zap drops no mapcount for device-exclusive
          Put(post, id);
          break;
        case kSwap:
          --post->swap_count[id];
          break;
        default:
          break;
      }
      post->kind[p] = kNone;
      post->id[p] = 0;
      post->write[p] = 0;
      return true;
    }
    case OpKind::kDeviceRelease: {  // 4.4: folio_unlock(); folio_put()
      const int f = instance.arg;
      if (s.grant[f] == 0) return false;
      *post = s;
      post->step_faults = 0;
      post->grant[f] = 0;
      Put(post, f);
      return true;
    }
    case OpKind::kReclaim: {  // 4.7: shrink_folio_list, folio_referenced skipped
      const int f = instance.arg;
      if (s.alloc[f] == 0 || s.grant[f] != 0 || !HasFreeSlot(s)) return false;
      *post = s;
      post->step_faults = 0;
      int slot = 0;  // add_to_swap
      while (s.swap_count[slot] != 0) ++slot;
      if (s.map[f] > 0) {  // try_to_unmap only if folio_mapped
        for (int p = 0; p < ptes_; ++p) {
          if ((s.kind[p] != kPresent && s.kind[p] != kDevExclusive) || s.id[p] != f) continue;
          if (old_ && s.kind[p] == kDevExclusive) post->step_faults |= kFaultOldWalkMetExclusive;
          post->kind[p] = kSwap;
          post->id[p] = static_cast<std::uint8_t>(slot);
          post->write[p] = 0;
          ++post->swap_count[slot];
          --post->map[f];
          --post->ref[f];
        }
        if (post->ref[f] == 0) {
          post->alloc[f] = post->map[f] = post->anon_exclusive[f] = post->dirty[f] =
              post->grant[f] = 0;
        } else {
          post->step_faults |= kFaultReclaimDidNotFree;
        }
      }
      return true;  // map = 0: nothing changes, a self-loop; the slot is not consumed
    }
    case OpKind::kMigrate: {  // 4.8: migrate_pages of one folio
      const int f = instance.arg;
      if (s.alloc[f] == 0 || s.grant[f] != 0 || !HasFreeFolio(s)) return false;
      *post = s;
      post->step_faults = 0;
      int g = 0;  // the destination, allocated before the unmap
      while (s.alloc[g] != 0) ++g;
      const int n = Mapped(s, f);
      if (s.map[f] > 0 && s.ref[f] == n) {  // try_to_migrate ran; refcount as expected
        for (int p = 0; p < ptes_; ++p) {
          if ((s.kind[p] != kPresent && s.kind[p] != kDevExclusive) || s.id[p] != f) continue;
          if (old_ && s.kind[p] == kDevExclusive) post->step_faults |= kFaultOldWalkMetExclusive;
          // remove_migration_ptes; a DEVEXCL entry came back from a READ_EXCLUSIVE entry.
          post->write[p] = (s.kind[p] == kPresent && s.write[p] == 1) ? 1 : 0;
          post->kind[p] = kPresent;
          post->id[p] = static_cast<std::uint8_t>(g);
        }
        post->alloc[g] = 1;
        post->ref[g] = static_cast<std::uint8_t>(n);
        post->map[g] = static_cast<std::uint8_t>(n);
        post->anon_exclusive[g] = s.anon_exclusive[f];
        post->dirty[g] = s.dirty[f];
        post->grant[g] = 0;
        post->alloc[f] = post->ref[f] = post->map[f] = post->anon_exclusive[f] = post->dirty[f] =
            post->grant[f] = 0;
      } else if (s.map[f] != 0) {  // -EAGAIN with the folio still mapped
        post->step_faults |= kFaultMigrateFailedMapped;
      }
      return true;
    }
    case OpKind::kFork: {  // 4.6: dup_mmap of mm0 into mm1
      if (s.mm1 != 0) return false;
      for (int p = 0; p < pages_; ++p) {
        // A granted entry: try_restore_exclusive_pte's trylock fails (-ENOMEM); disabled here.
        if (s.kind[p] == kDevExclusive && s.grant[s.id[p]] != 0) return false;
      }
      *post = s;
      post->step_faults = 0;
      post->mm1 = 1;
      for (int va = 0; va < pages_; ++va) {
        const int p = va;
        const int c = pages_ + va;
        if (post->kind[p] == kDevExclusive) Restore(post, p);  // copy_nonpresent_pte
        const int id = post->id[p];
        if (post->kind[p] == kPresent) {  // copy_present_pte: COW-share, both read-only
          post->write[p] = 0;
          post->anon_exclusive[id] = 0;
          ++post->map[id];
          ++post->ref[id];
          post->kind[c] = kPresent;
          post->id[c] = static_cast<std::uint8_t>(id);
          post->write[c] = 0;
        } else if (post->kind[p] == kSwap) {  // swap_duplicate
          ++post->swap_count[id];
          post->kind[c] = kSwap;
          post->id[c] = static_cast<std::uint8_t>(id);
          post->write[c] = 0;
        }
      }
      return true;
    }
  }
  return false;
}

// --- Encoding: fields MSB-first in the spec §2.1 tuple order, left-aligned, big-endian. ---

namespace {

template <typename Word>
class BitWriter {
 public:
  void Put(unsigned value, int width) {
    word_ = (word_ << width) | static_cast<Word>(value & ((1u << width) - 1));
  }
  Word word() const { return word_; }

 private:
  Word word_ = 0;
};

template <typename Word>
class BitReader {
 public:
  BitReader(Word word, int bits) : word_(word), position_(bits) {}
  std::uint8_t Get(int width) {
    position_ -= width;
    return static_cast<std::uint8_t>((word_ >> position_) & ((Word{1} << width) - 1));
  }

 private:
  Word word_;
  int position_;
};

}  // namespace

// The portable packer: one field at a time.
void DevexclCoreModel::EncodePortable(const State& s, std::uint8_t* out) const {
  auto encode = [&](auto writer) {
    writer.Put(s.mm1, 1);
    for (int p = 0; p < ptes_; ++p) writer.Put(s.kind[p], 2);
    for (int p = 0; p < ptes_; ++p) writer.Put(s.id[p], id_bits_);
    for (int p = 0; p < ptes_; ++p) writer.Put(s.write[p], 1);
    for (int f = 0; f < folios_; ++f) writer.Put(s.alloc[f], 1);
    for (int f = 0; f < folios_; ++f) writer.Put(s.ref[f], 2);
    for (int f = 0; f < folios_; ++f) writer.Put(s.map[f], 2);
    for (int f = 0; f < folios_; ++f) writer.Put(s.anon_exclusive[f], 1);
    for (int f = 0; f < folios_; ++f) writer.Put(s.dirty[f], 1);
    for (int f = 0; f < folios_; ++f) writer.Put(s.grant[f], 1);
    for (int slot = 0; slot < slots_; ++slot) writer.Put(s.swap_count[slot], 2);
    auto word = writer.word();
    word <<= static_cast<int>(encoding_bytes_ * 8) - total_bits_;
    for (int i = static_cast<int>(encoding_bytes_) - 1; i >= 0; --i) {
      out[i] = static_cast<std::uint8_t>(word);
      word >>= 8;
    }
  };
  if (encoding_bytes_ <= 8) {
    encode(BitWriter<std::uint64_t>());
  } else {
    encode(BitWriter<unsigned __int128>());
  }
}

namespace {

// Every field array of a state into the low bits of a 64- or 128-bit word, one pext each: mm1
// highest, the last field lowest (UnpackState's inverse). Each field is shifted straight to its
// place (`shift`: the bits of the fields after it) and the parts ORed as a tree, instead of
// shifting the whole word before each field: ten dependent 128-bit shifts were the wide
// packer's latency (11 % of devexcl-core-XL's profile).
template <typename Word>
__attribute__((target("bmi2"))) inline Word Part(std::uint64_t lanes, std::uint64_t mask,
                                                 int shift) {
  return static_cast<Word>(_pext_u64(lanes, mask)) << shift;
}

template <typename Word>
__attribute__((target("bmi2"))) inline Word PackState(const DevexclCoreModel::State& s,
                                                      const int (&shift)[11],
                                                      const std::uint64_t (&mask)[10]) {
  const Word a =
      (static_cast<Word>(s.mm1) << shift[0]) | Part<Word>(LoadBigEndian(s.kind), mask[0], shift[1]);
  const Word b = Part<Word>(LoadBigEndian(s.id), mask[1], shift[2]) |
                 Part<Word>(LoadBigEndian(s.write), mask[2], shift[3]);
  const Word c = Part<Word>(LoadBigEndian(s.alloc), mask[3], shift[4]) |
                 Part<Word>(LoadBigEndian(s.ref), mask[4], shift[5]);
  const Word d = Part<Word>(LoadBigEndian(s.map), mask[5], shift[6]) |
                 Part<Word>(LoadBigEndian(s.anon_exclusive), mask[6], shift[7]);
  const Word e = Part<Word>(LoadBigEndian(s.dirty), mask[7], shift[8]) |
                 Part<Word>(LoadBigEndian(s.grant), mask[8], shift[9]);
  const Word f = Part<Word>(LoadBigEndian(s.swap_count), mask[9], shift[10]);
  return ((a | b) | (c | d)) | (e | f);
}

}  // namespace

// The fast packer: one pext per field array, same bytes as EncodePortable. REQUIRES:
// total_bits_ <= 64.
__attribute__((target("bmi2"))) void DevexclCoreModel::EncodeBmi2(const State& s,
                                                                  std::uint8_t* out) const {
  std::uint64_t word = PackState<std::uint64_t>(s, lane_shifts_, lane_masks_);
  word = __builtin_bswap64(word << (64 - total_bits_));
  std::memcpy(out, &word, 8);  // encoding_bytes_ == 8 here
}

// The fast packer for 65..128 bits: the same pexts into a 128-bit word, same bytes as
// EncodePortable. REQUIRES: total_bits_ <= 128.
__attribute__((target("bmi2"))) void DevexclCoreModel::EncodeBmi2Wide(const State& s,
                                                                      std::uint8_t* out) const {
  unsigned __int128 word = PackState<unsigned __int128>(s, lane_shifts_, lane_masks_);
  word <<= 128 - total_bits_;
  const std::uint64_t high = __builtin_bswap64(static_cast<std::uint64_t>(word >> 64));
  const std::uint64_t low = __builtin_bswap64(static_cast<std::uint64_t>(word));
  std::memcpy(out, &high, 8);  // encoding_bytes_ == 16 here
  std::memcpy(out + 8, &low, 8);
}

void DevexclCoreModel::Encode(const State& s, std::uint8_t* out) const {
  if (use_bmi2_) {
    if (total_bits_ <= 64) {
      EncodeBmi2(s, out);
    } else {
      EncodeBmi2Wide(s, out);
    }
  } else {
    EncodePortable(s, out);
  }
}

namespace {

// Takes the low `width` bits of *word (then drops them) and spreads them over the bytes of an
// 8- or 4-byte array, element 0 from the top: the inverse of pext with LaneMask.
template <typename Word, std::size_t N>
__attribute__((target("bmi2"))) inline void Unpack(Word* word, int width, std::uint64_t mask,
                                                   std::uint8_t (&bytes)[N]) {
  static_assert(N == 8 || N == 4);
  const std::uint64_t lanes = __builtin_bswap64(
      _pdep_u64(static_cast<std::uint64_t>(*word) & ((std::uint64_t{1} << width) - 1), mask));
  std::memcpy(bytes, &lanes, N);  // little-endian: the low bytes hold elements 0..N-1
  *word >>= width;
}

// Every field array of a state from the packed word (64 or 128 bits), the last field first: it
// sits in the low bits; the mm1 bit is the lowest.
template <typename Word>
__attribute__((target("bmi2"))) inline DevexclCoreModel::State UnpackState(
    Word word, const int (&widths)[10], const std::uint64_t (&masks)[10]) {
  DevexclCoreModel::State s;
  Unpack(&word, widths[9], masks[9], s.swap_count);
  Unpack(&word, widths[8], masks[8], s.grant);
  Unpack(&word, widths[7], masks[7], s.dirty);
  Unpack(&word, widths[6], masks[6], s.anon_exclusive);
  Unpack(&word, widths[5], masks[5], s.map);
  Unpack(&word, widths[4], masks[4], s.ref);
  Unpack(&word, widths[3], masks[3], s.alloc);
  Unpack(&word, widths[2], masks[2], s.write);
  Unpack(&word, widths[1], masks[1], s.id);
  Unpack(&word, widths[0], masks[0], s.kind);
  s.mm1 = static_cast<std::uint8_t>(word & 1);
  return s;
}

}  // namespace

// The inverse of EncodeBmi2: one pdep per field array. REQUIRES: total_bits_ <= 64.
__attribute__((target("bmi2"))) DevexclCoreModel::State DevexclCoreModel::DecodeBmi2(
    const std::uint8_t* in) const {
  std::uint64_t word;
  std::memcpy(&word, in, 8);
  word = __builtin_bswap64(word) >> (64 - total_bits_);
  return UnpackState(word, lane_widths_, lane_masks_);
}

// The inverse of EncodeBmi2Wide. REQUIRES: 64 < total_bits_ <= 128.
__attribute__((target("bmi2"))) DevexclCoreModel::State DevexclCoreModel::DecodeBmi2Wide(
    const std::uint8_t* in) const {
  std::uint64_t high, low;
  std::memcpy(&high, in, 8);
  std::memcpy(&low, in + 8, 8);
  unsigned __int128 word =
      (static_cast<unsigned __int128>(__builtin_bswap64(high)) << 64) | __builtin_bswap64(low);
  word >>= 128 - total_bits_;
  return UnpackState(word, lane_widths_, lane_masks_);
}

DevexclCoreModel::State DevexclCoreModel::Decode(const std::uint8_t* in) const {
  if (use_bmi2_) return total_bits_ <= 64 ? DecodeBmi2(in) : DecodeBmi2Wide(in);
  State s;
  auto decode = [&](auto word) {
    for (std::size_t i = 0; i < encoding_bytes_; ++i) word = (word << 8) | in[i];
    BitReader<decltype(word)> reader(word, static_cast<int>(encoding_bytes_ * 8));
    s.mm1 = reader.Get(1);
    for (int p = 0; p < ptes_; ++p) s.kind[p] = reader.Get(2);
    for (int p = 0; p < ptes_; ++p) s.id[p] = reader.Get(id_bits_);
    for (int p = 0; p < ptes_; ++p) s.write[p] = reader.Get(1);
    for (int f = 0; f < folios_; ++f) s.alloc[f] = reader.Get(1);
    for (int f = 0; f < folios_; ++f) s.ref[f] = reader.Get(2);
    for (int f = 0; f < folios_; ++f) s.map[f] = reader.Get(2);
    for (int f = 0; f < folios_; ++f) s.anon_exclusive[f] = reader.Get(1);
    for (int f = 0; f < folios_; ++f) s.dirty[f] = reader.Get(1);
    for (int f = 0; f < folios_; ++f) s.grant[f] = reader.Get(1);
    for (int slot = 0; slot < slots_; ++slot) s.swap_count[slot] = reader.Get(2);
  };
  if (encoding_bytes_ <= 8) {
    decode(std::uint64_t{0});
  } else {
    decode(static_cast<unsigned __int128>(0));
  }
  return s;
}

// --- Properties (spec §6). ---

std::uint64_t DevexclCoreModel::ViolatedStateProperties(const State& s, std::uint64_t mask) const {
  std::uint64_t failed = 0;
  int mapped[kMaxFolios] = {};
  for (int p = 0; p < ptes_; ++p) {
    if (s.kind[p] == kPresent || s.kind[p] == kDevExclusive) ++mapped[s.id[p]];
  }
  for (int f = 0; f < folios_; ++f) {
    if (s.alloc[f] == 0) {
      // C2: a free folio is all zero.
      if ((s.ref[f] | s.map[f] | s.anon_exclusive[f] | s.dirty[f] | s.grant[f]) != 0) {
        failed |= Bit(kS1CanonicalForm);
      }
      continue;
    }
    if (s.map[f] != mapped[f]) failed |= Bit(kP1MapcountConsistency);
    if (s.ref[f] < s.map[f] + s.grant[f]) failed |= Bit(kP2RefcountCoversMapcount);
    if (s.ref[f] != mapped[f] + s.grant[f]) failed |= Bit(kS2RefcountExact);
  }
  int swap_users[kMaxSlots] = {};
  for (int p = 0; p < ptes_; ++p) {
    switch (s.kind[p]) {
      case kNone:  // C1
        if (s.id[p] != 0 || s.write[p] != 0) failed |= Bit(kS1CanonicalForm);
        break;
      case kPresent:
        if (s.alloc[s.id[p]] == 0) failed |= Bit(kP4NoDangling);
        break;
      case kDevExclusive:
        if (s.write[p] != 0) failed |= Bit(kS1CanonicalForm);
        if (s.alloc[s.id[p]] == 0) failed |= Bit(kP4NoDangling);
        break;
      case kSwap:
        if (s.write[p] != 0) failed |= Bit(kS1CanonicalForm);
        if (s.swap_count[s.id[p]] == 0) failed |= Bit(kP4NoDangling);
        ++swap_users[s.id[p]];
        break;
    }
    if (s.mm1 == 0 && p >= pages_ && s.kind[p] != kNone) failed |= Bit(kS1CanonicalForm);  // C4
  }
  for (int slot = 0; slot < slots_; ++slot) {
    if (s.swap_count[slot] != swap_users[slot]) failed |= Bit(kS3SwapCountExact);
  }
  return failed & mask;
}

// S0: every field within the spec §2.1 ranges (ref, map and cnt at most 2, flags at most 1,
// ids within their field width), and every unused array entry 0, so the packing is exact. (An
// id naming a folio or slot past NF or NS fits its field; P4 reports it.) SWAR: adding
// 127 - limit to a byte sets its top bit iff the byte exceeds the limit; bytes >= 128 have it
// already; a carry only leaves a lane that already failed.
bool DevexclCoreModel::WithinRanges(const State& s) const {
  std::uint64_t over = 0;
  for (std::size_t word = 0; word < sizeof(State) / 8; ++word) {
    std::uint64_t bytes;
    std::memcpy(&bytes, reinterpret_cast<const std::uint8_t*>(&s) + word * 8, 8);
    over |= bytes | (bytes + range_addends_[word]);
  }
  return (over & 0x8080808080808080ull) == 0;
}

std::uint64_t DevexclCoreModel::ViolatedTransitionProperties(const State& pre, int op,
                                                             const State& post,
                                                             std::uint64_t mask) const {
  (void)pre;
  std::uint64_t failed = 0;
  const OpInstance& instance = ops_[op];
  if ((mask & Bit(kP3Reclaimable)) != 0 && instance.kind == OpKind::kReclaim) {
    for (int p = 0; p < ptes_; ++p) {
      if ((post.kind[p] == kPresent || post.kind[p] == kDevExclusive) &&
          post.id[p] == instance.arg) {
        failed |= Bit(kP3Reclaimable);
      }
    }
  }
  if ((mask & Bit(kS0FieldRanges)) != 0 && !WithinRanges(post)) failed |= Bit(kS0FieldRanges);
  if ((post.step_faults & kS4Faults) != 0) failed |= Bit(kS4RestoreSeesExclusive);
  if ((post.step_faults & kS5Faults) != 0) failed |= Bit(kS5WalkOutcome);
  return failed & mask;
}

// offline-progress-f<f>: AG EF[migrate(*), device_release(*)] (fo[f].alloc = 0 ∨ ¬FREE_F).
//
// From every reachable state, if from then on only memory offlining (migrate of any folio, the
// offline thread's retries) and the driver's device_release run -- the CPU and the rest of the
// device stay idle, as in the seed's "pause" -- the machine can still reach a state where folio f
// is free (it was migrated away, or freed), or where no folio is free at all (migrate has no
// destination; the model disables it, the kernel would fail the allocation rather than loop).
//
// OLD fails it: a DEVEXCL-only folio has map = 0, so every migrate(f) is an -EAGAIN self-loop,
// forever (kernel bug 4, "offline loops forever"). NEW holds: an ungranted allocated folio has
// map = mapped >= 1 and ref = mapped, so migrate(f) succeeds at once, and a granted one is
// released first.
std::vector<LivenessProperty<DevexclCoreModel::State>> DevexclCoreModel::LivenessProperties()
    const {
  std::vector<bool> allowed(ops_.size(), false);
  for (std::size_t op = 0; op < ops_.size(); ++op) {
    allowed[op] = ops_[op].kind == OpKind::kMigrate || ops_[op].kind == OpKind::kDeviceRelease;
  }
  std::vector<LivenessProperty<State>> properties;
  for (int f = 0; f < folios_; ++f) {
    properties.push_back(
        {"offline-progress-f" + std::to_string(f),
         "from every reachable state, with only migrate and device_release running, a state is "
         "reachable where f" +
             std::to_string(f) + " is free or no folio is free",
         [this, f](const State& s) { return s.alloc[f] == 0 || !HasFreeFolio(s); }, allowed});
  }
  return properties;
}

void DevexclCoreModel::StateTuple(const State& s, std::vector<int>* tuple) const {
  tuple->push_back(s.mm1);
  for (int p = 0; p < ptes_; ++p) tuple->push_back(s.kind[p]);
  for (int p = 0; p < ptes_; ++p) tuple->push_back(s.id[p]);
  for (int p = 0; p < ptes_; ++p) tuple->push_back(s.write[p]);
  for (int f = 0; f < folios_; ++f) tuple->push_back(s.alloc[f]);
  for (int f = 0; f < folios_; ++f) tuple->push_back(s.ref[f]);
  for (int f = 0; f < folios_; ++f) tuple->push_back(s.map[f]);
  for (int f = 0; f < folios_; ++f) tuple->push_back(s.anon_exclusive[f]);
  for (int f = 0; f < folios_; ++f) tuple->push_back(s.dirty[f]);
  for (int f = 0; f < folios_; ++f) tuple->push_back(s.grant[f]);
  for (int slot = 0; slot < slots_; ++slot) tuple->push_back(s.swap_count[slot]);
}

std::string DevexclCoreModel::DescribeState(const State& s) const {
  std::string out;
  for (int mm = 0; mm < 2; ++mm) {
    out += mm == 0 ? "mm0[" : " mm1[";
    if (mm == 1 && s.mm1 == 0) {
      out += "absent]";
      continue;
    }
    for (int va = 0; va < pages_; ++va) {
      const int p = mm * pages_ + va;
      if (va != 0) out += ' ';
      switch (s.kind[p]) {
        case kNone:
          out += '-';
          break;
        case kPresent:
          out += "P" + std::to_string(s.id[p]) + (s.write[p] != 0 ? "w" : "");
          break;
        case kDevExclusive:
          out += "X" + std::to_string(s.id[p]);
          break;
        case kSwap:
          out += "S" + std::to_string(s.id[p]);
          break;
      }
    }
    out += ']';
  }
  for (int f = 0; f < folios_; ++f) {
    out += " f" + std::to_string(f) + "(";
    if (s.alloc[f] == 0) {
      out += "-)";
      continue;
    }
    out += "r" + std::to_string(s.ref[f]) + " m" + std::to_string(s.map[f]);
    if (s.anon_exclusive[f] != 0) out += " ax";
    if (s.dirty[f] != 0) out += " d";
    if (s.grant[f] != 0) out += " g";
    out += ')';
  }
  out += " sw[";
  for (int slot = 0; slot < slots_; ++slot) {
    if (slot != 0) out += ' ';
    out += std::to_string(s.swap_count[slot]);
  }
  out += ']';
  return out;
}

std::uint64_t DevexclCoreModel::PropertyMask(
    const std::vector<std::string>& labels_or_names) const {
  std::uint64_t mask = 0;
  for (const std::string& wanted : labels_or_names) {
    bool found = false;
    for (std::size_t i = 0; i < properties_.size(); ++i) {
      if (properties_[i].label == wanted || properties_[i].name == wanted) {
        mask |= Bit(static_cast<int>(i));
        found = true;
      }
    }
    if (!found) throw std::invalid_argument("unknown devexcl-core property: " + wanted);
  }
  return mask;
}

}  // namespace mmcheck::bench
