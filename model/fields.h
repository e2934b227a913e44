// SPDX-License-Identifier: GPL-2.0
// One field list per model struct: `static constexpr auto Fields()` names
// every data member, in declaration order, as (name, pointer to member).
// Whatever must see every field (equality, the explorer's state encoding,
// dump, ITF, the tests that check them) walks that list, not its own.
//
// A list cannot silently fall behind its struct: FieldsListed<S>() counts
// the struct's members by aggregate initialisation (how many initialisers
// `S{...}` accepts, as Boost.PFR does; Debian's Boost 1.74 predates PFR) and
// compares that with the list, and world.h static_asserts it for every
// struct. Adding a member without a row in Fields() is a compile error.
//
// Example:
//   struct SwapSlot {
//     int16_t count = 0;
//     uint8_t data = 0;
//     static constexpr auto Fields() {
//       return std::tuple{Field{"count", &SwapSlot::count}, Field{"data", &SwapSlot::data}};
//     }
//   };
//   static_assert(FieldsListed<SwapSlot>());
//   ForEachField(slot, [](std::string_view name, auto& value) { ... });
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace mmcheck::model {

// One row of a field list.
template <typename S, typename T>
struct Field {
  std::string_view name;
  T S::*member;
  using Struct = S;
  using Type = T;
};
template <typename S, typename T>
Field(std::string_view, T S::*) -> Field<S, T>;

// Whether S has a field list.
template <typename S>
concept HasFields = requires {
  S::Fields();
};

namespace fields_internal {

// Converts to any member type; only ever named in unevaluated contexts.
struct AnyMember {
  template <typename T>
  operator T() const;  // NOLINT(google-explicit-constructor)
};
template <std::size_t>
using AnyMemberAt = AnyMember;

template <typename S, std::size_t... I>
constexpr bool InitialisableWith(std::index_sequence<I...>) {
  return requires {
    S{AnyMemberAt<I>{}...};
  };
}

template <typename S, std::size_t N>
constexpr std::size_t CountFrom() {
  if constexpr (N > 64 || !InitialisableWith<S>(std::make_index_sequence<N + 1>{}))
    return N;
  else
    return CountFrom<S, N + 1>();
}

template <typename A, typename B>
constexpr bool SameMember(const A& a, const B& b) {
  if constexpr (std::is_same_v<A, B>)
    return a.member == b.member;
  else
    return false;
}

}  // namespace fields_internal

// The number of data members of aggregate S: the most initialisers S{...} takes.
template <typename S>
constexpr std::size_t FieldCount() {
  static_assert(std::is_aggregate_v<S>, "FieldCount needs an aggregate");
  return fields_internal::CountFrom<S, 0>();
}

// The number of rows of S::Fields().
template <HasFields S>
constexpr std::size_t ListedFieldCount() {
  return std::tuple_size_v<decltype(S::Fields())>;
}

// Whether S::Fields() names every data member of S exactly once: as many
// rows as members, no member twice. A struct's definition static_asserts it.
template <HasFields S>
constexpr bool FieldsListed() {
  constexpr auto fields = S::Fields();
  bool distinct = true;
  std::apply(
      [&](const auto&... a) {
        auto twice = [&](const auto& x) {
          int n = 0;
          ((n += fields_internal::SameMember(x, a) ? 1 : 0), ...);
          return n != 1;
        };
        ((distinct = distinct && !twice(a)), ...);
      },
      fields);
  return distinct && ListedFieldCount<S>() == FieldCount<S>();
}

// Calls f(name, member) for every field of `s`, in list order; the member is
// a (const) reference when `s` is.
template <typename S, typename F>
requires HasFields<std::remove_const_t<S>>
constexpr void ForEachField(S& s, F&& f) {
  std::apply([&](const auto&... field) { (f(field.name, s.*(field.member)), ...); },
             std::remove_const_t<S>::Fields());
}

namespace fields_internal {

template <typename T>
struct IsSequence : std::false_type {};
template <typename T, typename A>
struct IsSequence<std::vector<T, A>> : std::true_type {};
template <typename T, std::size_t N>
struct IsSequence<std::array<T, N>> : std::true_type {};

}  // namespace fields_internal

// Calls f(path, leaf) for every value reachable from `v` through field lists,
// vectors and arrays, depth first in field order. `path` is the dotted field
// path without indices ("mms.ptes.pfn"): every element of a vector shares
// it. A value of a type without a field list (a scalar, an enum, Knobs) is a
// leaf. For tests that check a consumer against every field, such as "each
// field changes the explorer's encoding".
template <typename T, typename F>
void ForEachLeaf(T& v, const std::string& path, F&& f) {
  using Plain = std::remove_const_t<T>;
  if constexpr (HasFields<Plain>) {
    ForEachField(v, [&](std::string_view name, auto& member) {
      ForEachLeaf(member, path.empty() ? std::string(name) : path + "." + std::string(name), f);
    });
  } else if constexpr (fields_internal::IsSequence<Plain>::value) {
    for (auto& element : v) ForEachLeaf(element, path, f);
  } else {
    f(path, v);
  }
}

}  // namespace mmcheck::model
