// SPDX-License-Identifier: GPL-2.0
// Where the explorer keeps states: fixed-size records in chunks that never move, a zero-filled
// mapping for the visited table, and the parent link of each state.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace mmcheck::solver::explicit_state::internal {

// A growable array of fixed-size byte records kept in chunks, so growing never copies and never
// needs twice the memory. Records are addressed by index and stay put.
class RecordArena {
 public:
  explicit RecordArena(std::size_t record_bytes, int chunk_shift = 16)
      : record_bytes_(record_bytes),
        chunk_shift_(chunk_shift),
        chunk_mask_((std::uint64_t{1} << chunk_shift) - 1) {}

  std::uint8_t* Append() {
    // After Reset the chunks are there already: a chunk is allocated only past the last one.
    if ((size_ >> chunk_shift_) == chunks_.size()) {
      chunks_.emplace_back(new std::uint8_t[record_bytes_ << chunk_shift_]);
    }
    std::uint8_t* record =
        chunks_[size_ >> chunk_shift_].get() + (size_ & chunk_mask_) * record_bytes_;
    ++size_;
    touched_ = std::max(touched_, size_);
    return record;
  }
  // Drops the last record. REQUIRES: size() > 0.
  void PopBack() { --size_; }
  // Drops every record; the chunks are kept for the next appends.
  void Reset() { size_ = 0; }
  const std::uint8_t* At(std::uint64_t i) const {
    return chunks_[i >> chunk_shift_].get() + (i & chunk_mask_) * record_bytes_;
  }
  std::uint8_t* MutableAt(std::uint64_t i) {
    return chunks_[i >> chunk_shift_].get() + (i & chunk_mask_) * record_bytes_;
  }
  std::uint64_t size() const { return size_; }
  std::uint64_t AllocatedBytes() const { return chunks_.size() * (record_bytes_ << chunk_shift_); }
  // Bytes of the records ever used: what is resident of the chunks (a chunk's tail is not
  // until it is used; Reset keeps the chunks, used).
  std::uint64_t TouchedBytes() const { return touched_ * record_bytes_; }
  // Bytes one more chunk would take.
  std::uint64_t ChunkBytes() const { return record_bytes_ << chunk_shift_; }

 private:
  std::size_t record_bytes_;
  int chunk_shift_;
  std::uint64_t chunk_mask_;
  std::uint64_t size_ = 0;
  std::uint64_t touched_ = 0;  // the largest size_ since the chunks were allocated
  std::vector<std::unique_ptr<std::uint8_t[]>> chunks_;
};

// A zero-filled buffer from mmap, backed by transparent huge pages where the kernel allows it:
// the visited table is probed at random, and 4 KiB pages would miss the TLB on nearly every
// probe. Throws std::bad_alloc when the mapping fails.
class ZeroedBuffer {
 public:
  ZeroedBuffer() = default;
  explicit ZeroedBuffer(std::size_t bytes);
  ZeroedBuffer(ZeroedBuffer&& other) noexcept { *this = std::move(other); }
  ZeroedBuffer& operator=(ZeroedBuffer&& other) noexcept;
  ~ZeroedBuffer();
  std::uint8_t* data() const { return data_; }
  std::size_t size() const { return bytes_; }

 private:
  std::uint8_t* data_ = nullptr;
  std::size_t bytes_ = 0;
  std::size_t mapped_ = 0;
};

// A state's encoding as the explorer hands it out: a pointer to where it is kept, or a copy of
// it (a packed table rebuilds encodings of at most 16 bytes). Converts to const std::uint8_t*,
// valid while this object lives; it is neither copied nor moved, so returning one by value from
// a call constructs it in place.
class EncodingRef {
 public:
  explicit EncodingRef(const std::uint8_t* kept) : data_(kept) {}
  enum Built { kBuilt };
  // Built by `fill(bytes)`, which writes at most 16 bytes.
  template <typename Fill>
  requires std::invocable<Fill, std::uint8_t*> EncodingRef(Built /*tag*/, Fill&& fill)
      : data_(bytes_) {
    fill(bytes_);
  }
  EncodingRef(const EncodingRef&) = delete;
  EncodingRef& operator=(const EncodingRef&) = delete;
  operator const std::uint8_t*() const { return data_; }  // NOLINT(google-explicit-constructor)
  const std::uint8_t* data() const { return data_; }

 private:
  alignas(8) std::uint8_t bytes_[16] = {};
  const std::uint8_t* data_;
};

// Where a state came from: its BFS parent and the op instance that produced it.
struct ParentLink {
  std::uint32_t parent;
  std::uint16_t op;
};

}  // namespace mmcheck::solver::explicit_state::internal
