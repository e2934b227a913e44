// SPDX-License-Identifier: GPL-2.0
// model/operations: the one op table.
#include "model/operations.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace mmcheck {
namespace {

// The table is indexed by OpCode (operations.cpp builds it from a switch over the enum, so an
// enumerator without a row does not compile); names are unique and FindOp finds each row.
TEST(OpTable, RowsAreInOpCodeOrderAndFoundByName) {
  std::set<std::string_view> names;
  for (size_t i = 0; i < model::OpTable().size(); ++i) {
    const model::OpInfo& row = model::OpTable()[i];
    EXPECT_EQ(static_cast<size_t>(row.code), i) << row.name;
    EXPECT_EQ(&model::InfoOf(row.code), &row) << row.name;
    EXPECT_EQ(model::FindOp(row.name), &row) << row.name;
    EXPECT_TRUE(names.insert(row.name).second) << row.name;
    EXPECT_NE(row.apply, nullptr) << row.name;
    EXPECT_LE(row.args.size(), static_cast<size_t>(model::kMaxArgs)) << row.name;
  }
  EXPECT_EQ(model::OpTable().back().code, model::OpCode::kMremap);
  EXPECT_EQ(model::FindOp("no_such_op"), nullptr);
}

// Every row has its precondition and its model/ops function (not a
// static_assert: GCC 12 does not compare function pointers in a constant
// expression under -fsanitize).
TEST(OpTable, EveryRowHasItsFunctions) {
  ASSERT_GT(model::OpTable().size(), 10u);
  for (const model::OpInfo& row : model::OpTable()) {
    EXPECT_NE(row.enabled, nullptr) << row.name;
    EXPECT_NE(row.apply, nullptr) << row.name;
  }
}

TEST(OpTable, ArgumentsAreNamedOnceEachWithASyntax) {
  for (const model::OpInfo& row : model::OpTable()) {
    std::set<std::string_view> args;
    for (const model::ArgInfo& a : row.args) EXPECT_TRUE(args.insert(a.name).second) << row.name;
    EXPECT_FALSE(model::OpSyntax(row).empty() && !row.args.empty()) << row.name;
  }
}

}  // namespace
}  // namespace mmcheck
