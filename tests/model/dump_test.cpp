// SPDX-License-Identifier: GPL-2.0
// model/dump: the state picture shows every World field it does not list in
// kFieldsNotDrawn.
#include "model/dump.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tests/model/field_coverage.h"

namespace mmcheck {
namespace {

// Each field path of World, changed in one instance after another: every path
// not in kFieldsNotDrawn changes the picture in some instance, and every path
// in it changes it in none. A field added to World (and so to its Fields())
// fails here until it is drawn or listed.
TEST(DrawWorld, DrawsEveryFieldButTheListedOnes) {
  const model::World w = testing::RichWorld();
  const std::set<std::string> listed(std::begin(model::kFieldsNotDrawn),
                                     std::end(model::kFieldsNotDrawn));
  const std::set<std::string> frame = {"universe", "knobs"};
  std::set<std::string> expected;
  for (const std::string& path : listed)
    if (!frame.count(path)) expected.insert(path);
  EXPECT_EQ(testing::FieldsNotReflected(
                w, [](const model::World& x) { return model::DrawWorld(x); }, frame),
            expected)
      << "a field DrawWorld ignores must be in kFieldsNotDrawn (model/dump.h), and a field it "
         "draws must not be; the world:\n"
      << model::DrawWorld(w);
}

TEST(DrawWorld, EveryListedFieldExists) {
  const std::set<std::string> paths = testing::AllFieldPaths(testing::RichWorld());
  for (std::string_view listed : model::kFieldsNotDrawn) {
    bool found = false;
    for (const std::string& p : paths)
      found = found || p == listed || p.starts_with(std::string(listed) + ".");
    EXPECT_TRUE(found) << listed << " is no field path of World";
  }
}

}  // namespace
}  // namespace mmcheck
