// SPDX-License-Identifier: GPL-2.0
// Bit helpers shared by the kernel encodings in model/kernel/.
//
// Models: include/vdso/bits.h BIT() and include/linux/bits.h GENMASK() on a
// 64-bit kernel (BITS_PER_LONG = 64, include/asm-generic/bitsperlong.h).
// Diverges: only 64-bit architectures are modelled.
#pragma once

#include <cstdint>
#include <string_view>

namespace mmcheck::model::kernel {

// BITS_PER_LONG of every architecture modelled.
inline constexpr int kBitsPerLong = 64;

// BIT(nr): the mask with only bit `nr` set.
// REQUIRES: 0 <= nr < 64.
constexpr uint64_t Bit(int nr) {
  return uint64_t{1} << nr;
}

// The mask of the low `bits` bits ((1UL << bits) - 1 without the undefined
// shift at 64). REQUIRES: 0 <= bits <= 64. Example: LowMask(3) == 0x7.
constexpr uint64_t LowMask(int bits) {
  return bits >= 64 ? ~uint64_t{0} : Bit(bits) - 1;
}

// GENMASK(high, low): bits low..high set. REQUIRES: 0 <= low <= high < 64.
constexpr uint64_t GenMask(int high, int low) {
  return LowMask(high + 1) & ~LowMask(low);
}

static_assert(GenMask(57, 53) == 0x03e0'0000'0000'0000ULL);
static_assert(LowMask(64) == ~uint64_t{0});

// A named field or flag of an encoded word: its kernel name and its mask.
struct NamedMask {
  std::string_view name;
  uint64_t mask;
};

}  // namespace mmcheck::model::kernel
