// SPDX-License-Identifier: GPL-2.0
#include "solver/explicit/record_arena.h"

#include <sys/mman.h>

#include <new>

namespace mmcheck::solver::explicit_state::internal {

ZeroedBuffer::ZeroedBuffer(std::size_t bytes) : bytes_(bytes) {
  constexpr std::size_t kHugePage = std::size_t{2} << 20;
  mapped_ = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* memory = mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) throw std::bad_alloc();
  if (mapped_ >= kHugePage) madvise(memory, mapped_, MADV_HUGEPAGE);  // a hint; may be ignored
  data_ = static_cast<std::uint8_t*>(memory);
}

ZeroedBuffer& ZeroedBuffer::operator=(ZeroedBuffer&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) munmap(data_, mapped_);
    data_ = other.data_;
    bytes_ = other.bytes_;
    mapped_ = other.mapped_;
    other.data_ = nullptr;
    other.bytes_ = other.mapped_ = 0;
  }
  return *this;
}

ZeroedBuffer::~ZeroedBuffer() {
  if (data_ != nullptr) munmap(data_, mapped_);
}

}  // namespace mmcheck::solver::explicit_state::internal
