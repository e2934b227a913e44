// SPDX-License-Identifier: GPL-2.0
// model/fields: one field list per model struct, checked against the struct.
#include "model/fields.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <set>
#include <string>
#include <vector>

#include "model/world.h"
#include "tests/model/field_coverage.h"

namespace mmcheck {
namespace {

using model::Field;

struct TwoListed {
  int a = 0;
  bool b = false;
  std::vector<int> c;
  static constexpr auto Fields() {
    return std::tuple{Field{"a", &TwoListed::a}, Field{"b", &TwoListed::b}};
  }
};
struct Twice {
  int a = 0;
  int b = 0;
  static constexpr auto Fields() {
    return std::tuple{Field{"a", &Twice::a}, Field{"a", &Twice::a}};
  }
};
struct Complete {
  int a = 0;
  std::array<short, 3> b{};
  std::vector<int> c;
  static constexpr auto Fields() {
    return std::tuple{Field{"a", &Complete::a}, Field{"b", &Complete::b}, Field{"c", &Complete::c}};
  }
};

// What world.h static_asserts for each of its structs, on structs that break it.
static_assert(model::FieldCount<TwoListed>() == 3);
static_assert(!model::FieldsListed<TwoListed>(), "a member left out of Fields() is caught");
static_assert(!model::FieldsListed<Twice>(), "a member listed twice is caught");
static_assert(model::FieldsListed<Complete>());
static_assert(model::FieldCount<model::World>() == 10);
static_assert(model::FieldCount<model::Page>() == 16);

TEST(Fields, ForEachFieldVisitsInListOrder) {
  Complete c;
  std::vector<std::string> names;
  model::ForEachField(c, [&](std::string_view name, auto&) { names.emplace_back(name); });
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c"}));
}

TEST(Fields, ForEachLeafNamesPathsWithoutIndices) {
  model::World w = model::World::Initial(model::Universe{}, model::Knobs{});
  const std::vector<std::string> paths = testing::LeafPaths(w);
  const std::set<std::string> unique(paths.begin(), paths.end());
  EXPECT_TRUE(unique.count("mms.ptes.pfn"));
  EXPECT_TRUE(unique.count("pages.refcount"));
  EXPECT_TRUE(unique.count("universe.pmd_order"));
  EXPECT_TRUE(unique.count("knobs"));
  EXPECT_TRUE(unique.count("lock_thread_folio"));
  // One leaf per PTE field per page per mm.
  EXPECT_EQ(std::count(paths.begin(), paths.end(), "mms.ptes.pfn"),
            w.universe.mms * w.universe.pages);
}

// World's == is the defaulted one: every field, in every instance, takes part.
TEST(Fields, EqualityComparesEveryField) {
  const model::World w = testing::RichWorld();
  const std::vector<std::string> paths = testing::LeafPaths(w);
  for (size_t i = 0; i < paths.size(); ++i)
    ASSERT_FALSE(testing::WithLeafPerturbed(w, i) == w) << paths[i];
}

// The universe text names every field: Universe::ToString() changes with each.
TEST(Fields, UniverseTextNamesEveryField) {
  const model::Universe u = model::ParseUniverse(
      "mms=2,pages=6,folios=6,swap=4,devices=2,pmd_order=1,device_pages=2,coherent=1");
  EXPECT_EQ(model::ParseUniverse(u.ToString()), u);
  model::ForEachField(u, [&](std::string_view name, const int&) {
    model::Universe changed = u;
    model::ForEachField(changed, [&](std::string_view other, int& value) {
      if (other == name) value ^= 1;
    });
    EXPECT_NE(changed.ToString(), u.ToString()) << name;
  });
}

}  // namespace
}  // namespace mmcheck
