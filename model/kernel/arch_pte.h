// SPDX-License-Identifier: GPL-2.0
// How an architecture lays out a non-present (swap-format) PTE, and what its
// PTE helpers do to one: the facts the rmap walkers need when they apply a
// present-PTE helper to a device-exclusive or device-private entry.
//
// Models (Debian linux-source-6.12, 6.12.118):
//   arch/x86/include/asm/pgtable_64.h     SWP_TYPE_BITS, SWP_OFFSET_FIRST_BIT,
//                                         __swp_entry/__swp_type/__swp_offset
//                                         (type in bits 59-63, inverted offset
//                                         from bit 9)
//   arch/x86/include/asm/pgtable_types.h  _PAGE_BIT_ACCESSED 5, _PAGE_BIT_DIRTY 6,
//                                         _PAGE_SWP_SOFT_DIRTY = _PAGE_RW (bit 1)
//   arch/x86/mm/pgtable.c                 ptep_test_and_clear_young: clears
//                                         _PAGE_ACCESSED only `if (pte_young(*ptep))`
//   arch/arm64/include/asm/pgtable.h      __SWP_TYPE_SHIFT 6, __SWP_TYPE_BITS 5,
//                                         __SWP_OFFSET_SHIFT 12;
//                                         __ptep_test_and_clear_young: pte_mkold +
//                                         cmpxchg, no presence test
//   arch/arm64/include/asm/pgtable-hwdef.h PTE_AF bit 10, PTE_DBM (PTE_WRITE) bit 51
//   arch/arm64/include/asm/pgtable-prot.h  PTE_DIRTY bit 55 (software dirty)
// Diverges: 4K pages only (arm64 16K/64K granules shift nothing here), no
// 32-bit layouts; the arm64 contpte wrapper (ptep_clear_flush_young) is not
// modelled: it calls __ptep_clear_flush_young for any PTE without PTE_VALID |
// PTE_CONT, which a non-present PTE never has.
#pragma once

#include <cstdint>
#include <string_view>

namespace mmcheck::model::kernel {

enum class Arch : uint8_t { kX86_64, kArm64 };

struct ArchPteLayout {
  Arch arch;
  std::string_view name;
  int swp_type_shift;        // lowest bit of the 5-bit swap type in the PTE
  int swp_type_bits;         // SWP_TYPE_BITS / __SWP_TYPE_BITS
  int swp_offset_shift;      // lowest bit of the swap offset in the PTE
  bool swp_offset_inverted;  // x86-64 stores ~offset (L1TF mitigation)
  int swp_offset_bits;       // width of the offset field
  int accessed_bit;          // the bit pte_young() tests and pte_mkold() clears
  bool young_tests_first;    // ptep_test_and_clear_young() writes only if pte_young()
  int write_bit;             // the bit pte_write() tests
  int dirty_bit;             // the (software) dirty bit pte_dirty() tests
};

inline constexpr ArchPteLayout kX86_64Pte{.arch = Arch::kX86_64,
                                          .name = "x86-64",
                                          .swp_type_shift = 59,
                                          .swp_type_bits = 5,
                                          .swp_offset_shift = 9,
                                          .swp_offset_inverted = true,
                                          .swp_offset_bits = 50,
                                          .accessed_bit = 5,
                                          .young_tests_first = true,
                                          .write_bit = 1,
                                          .dirty_bit = 6};
inline constexpr ArchPteLayout kArm64Pte{.arch = Arch::kArm64,
                                         .name = "arm64",
                                         .swp_type_shift = 6,
                                         .swp_type_bits = 5,
                                         .swp_offset_shift = 12,
                                         .swp_offset_inverted = false,
                                         .swp_offset_bits = 50,
                                         .accessed_bit = 10,
                                         .young_tests_first = false,
                                         .write_bit = 51,
                                         .dirty_bit = 55};

constexpr const ArchPteLayout& ArchLayout(Arch a) {
  return a == Arch::kArm64 ? kArm64Pte : kX86_64Pte;
}

constexpr uint64_t ArchBit(int bit) {
  return uint64_t{1} << bit;
}
constexpr uint64_t ArchMask(int bits) {
  return bits >= 64 ? ~uint64_t{0} : ArchBit(bits) - 1;
}

// __swp_entry_to_pte(__swp_entry(type, offset)). REQUIRES: type < 32 and
// offset fits swp_offset_bits.
constexpr uint64_t ArchSwapPte(const ArchPteLayout& l, uint64_t type, uint64_t offset) {
  const uint64_t stored = l.swp_offset_inverted ? ~offset : offset;
  const uint64_t off = (stored & ArchMask(l.swp_offset_bits)) << l.swp_offset_shift;
  return off | ((type & ArchMask(l.swp_type_bits)) << l.swp_type_shift);
}
// __swp_type(__pte_to_swp_entry(pte)).
constexpr uint64_t ArchSwapType(const ArchPteLayout& l, uint64_t pte) {
  return (pte >> l.swp_type_shift) & ArchMask(l.swp_type_bits);
}
// __swp_offset(__pte_to_swp_entry(pte)).
constexpr uint64_t ArchSwapOffset(const ArchPteLayout& l, uint64_t pte) {
  const uint64_t off = (pte >> l.swp_offset_shift) & ArchMask(l.swp_offset_bits);
  return l.swp_offset_inverted ? ~off & ArchMask(l.swp_offset_bits) : off;
}
// The PTE ptep_test_and_clear_young() leaves behind.
constexpr uint64_t ArchYoungHelper(const ArchPteLayout& l, uint64_t pte) {
  const uint64_t af = ArchBit(l.accessed_bit);
  if (l.young_tests_first && !(pte & af)) return pte;
  return pte & ~af;
}
// pte_young(), pte_write(), pte_dirty() (software bit) read on any PTE value.
constexpr bool ArchPteYoung(const ArchPteLayout& l, uint64_t pte) {
  return (pte & ArchBit(l.accessed_bit)) != 0;
}
constexpr bool ArchPteWrite(const ArchPteLayout& l, uint64_t pte) {
  return (pte & ArchBit(l.write_bit)) != 0;
}

// The kernel's own checks: the 5-bit type field holds MAX_SWAPFILES_SHIFT
// (MAX_SWAPFILES_CHECK), and on arm64 PTE_AF is the type's top bit.
static_assert(kX86_64Pte.swp_type_shift + kX86_64Pte.swp_type_bits == 64);
static_assert(kX86_64Pte.accessed_bit < kX86_64Pte.swp_offset_shift);
static_assert(kArm64Pte.accessed_bit == kArm64Pte.swp_type_shift + kArm64Pte.swp_type_bits - 1,
              "arm64: PTE_AF (bit 10) is the top bit of __SWP_TYPE (bits 6-10)");
// The arithmetic the finding rests on: SWP_DEVICE_EXCLUSIVE_WRITE is 29 in
// 6.12 (MAX_SWAPFILES 24 + 3 migration + 2); the young helper leaves 13.
static_assert(ArchSwapType(kArm64Pte,
                           ArchYoungHelper(kArm64Pte, ArchSwapPte(kArm64Pte, 29, 0x4242))) == 13);
static_assert(ArchSwapOffset(kArm64Pte, ArchYoungHelper(kArm64Pte, ArchSwapPte(kArm64Pte, 29,
                                                                               0x4242))) == 0x4242);
static_assert(ArchYoungHelper(kX86_64Pte, ArchSwapPte(kX86_64Pte, 29, 0x4242)) ==
              ArchSwapPte(kX86_64Pte, 29, 0x4242));
static_assert(ArchSwapOffset(kX86_64Pte, ArchSwapPte(kX86_64Pte, 29, 0x4242)) == 0x4242);

}  // namespace mmcheck::model::kernel
