// SPDX-License-Identifier: GPL-2.0
// A list of at most N elements stored inline, so that a table row holding
// one (an op's arguments, a knob's value names) is a literal type and the
// whole table can be constexpr and checked by static_assert.
#pragma once

#include <array>
#include <cstddef>
#include <initializer_list>

namespace mmcheck::model {

template <typename T, std::size_t N>
class FixedList {
 public:
  constexpr FixedList() = default;
  // REQUIRES: items.size() <= N (a compile error in a constant expression).
  constexpr FixedList(std::initializer_list<T> items) {
    if (items.size() > N) throw "FixedList: more items than its capacity";
    for (const T& item : items) items_[size_++] = item;
  }

  constexpr std::size_t size() const { return size_; }
  constexpr bool empty() const { return size_ == 0; }
  constexpr const T& operator[](std::size_t i) const { return items_[i]; }
  constexpr const T* begin() const { return items_.data(); }
  constexpr const T* end() const { return items_.data() + size_; }

 private:
  std::array<T, N> items_{};
  std::size_t size_ = 0;
};

}  // namespace mmcheck::model
