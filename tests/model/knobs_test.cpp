// SPDX-License-Identifier: GPL-2.0
// model/knobs: the one knob table.
#include <set>

#include <gtest/gtest.h>

#include "model/fields.h"
#include "model/knobs.h"
#include "model/profile.h"

namespace mmcheck {
namespace {

using model::KnobTable;

TEST(KnobTable, NamesAndValuesAreUniqueAndDocumented) {
  std::set<std::string_view> names;
  for (const model::KnobInfo& k : KnobTable()) {
    EXPECT_TRUE(names.insert(k.name).second) << k.name;
    EXPECT_GE(k.values.size(), 2u) << k.name;
    std::set<std::string_view> values(k.values.begin(), k.values.end());
    EXPECT_EQ(values.size(), k.values.size()) << k.name;
    EXPECT_FALSE(k.kernel_ref.empty()) << k.name;
    EXPECT_FALSE(k.doc.empty()) << k.name;
  }
}

// Every row reads and writes its own field: setting each value of one knob
// changes only that knob.
TEST(KnobTable, RowsAreBoundToDistinctFields) {
  for (const model::KnobInfo& k : KnobTable())
    for (int v = 0; v < static_cast<int>(k.values.size()); ++v) {
      model::Knobs knobs;
      k.set(knobs, v);
      EXPECT_EQ(k.get(knobs), v) << k.name;
      for (const model::KnobInfo& other : KnobTable()) {
        if (other.name == k.name) continue;
        EXPECT_EQ(other.get(knobs), other.get(model::Knobs{})) << k.name << " moved " << other.name;
      }
    }
}

// Each row's default is the value of its field in Knobs{}, and KnobsNotAtDefault names exactly
// the rows moved away from it (what the symbolic model refuses unless it encodes them).
TEST(KnobTable, DefaultsAreTheStructsAndNonDefaultsAreListed) {
  EXPECT_EQ(KnobTable().size(), model::FieldCount<model::Knobs>());
  for (const model::KnobInfo& k : KnobTable()) {
    EXPECT_EQ(k.default_value, k.get(model::Knobs{})) << k.name;
    model::Knobs moved;
    k.set(moved, (k.default_value + 1) % static_cast<int>(k.values.size()));
    const std::vector<const model::KnobInfo*> rows = model::KnobsNotAtDefault(moved);
    ASSERT_EQ(rows.size(), 1u) << k.name;
    EXPECT_EQ(rows[0], &k);
  }
  EXPECT_TRUE(model::KnobsNotAtDefault(model::Knobs{}).empty());
  const model::Profile* mainline = model::ProfileSet::Builtin().Find("mainline");
  for (const model::KnobInfo* k : model::KnobsNotAtDefault(mainline->knobs))
    EXPECT_NE(k->get(mainline->knobs), k->default_value) << k->name;
}

TEST(KnobTable, DefaultsAreLinux614) {
  EXPECT_EQ(model::ProfileSet::Builtin().Find("linux-6.14")->knobs, model::Knobs{});
}

TEST(KnobContradiction, DetectsImpossibleCombinations) {
  model::Knobs k;
  EXPECT_EQ(model::KnobContradiction(k), "");
  k.make_exclusive_lock = model::MakeExclusiveLock::kLockRetry;
  EXPECT_NE(model::KnobContradiction(k).find("make_exclusive_impl=single-folio-walk"),
            std::string::npos);
  k.make_exclusive_impl = model::MakeExclusiveImpl::kSingleFolioWalk;
  EXPECT_EQ(model::KnobContradiction(k), "");
  k.make_exclusive_impl = model::MakeExclusiveImpl::kRangeRmapWalk;
  k.make_exclusive_lock = model::MakeExclusiveLock::kTrylockEbusy;
  k.device_exclusive_mapcount = model::DeviceExclusiveMapcount::kKept;
  EXPECT_NE(model::KnobContradiction(k), "");
}

}  // namespace
}  // namespace mmcheck
