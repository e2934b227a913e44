// SPDX-License-Identifier: GPL-2.0
// Tests of util/text.h: DOT quoting and thousands separators.
#include "util/text.h"

#include <gtest/gtest.h>

namespace mmcheck::util {
namespace {

TEST(EscapeQuoted, EscapesQuotesBackslashesNewlinesAndControlCharacters) {
  EXPECT_EQ(EscapeQuoted("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  EXPECT_EQ(EscapeQuoted(std::string("\x01z")), "\\u0001z");
  EXPECT_EQ(EscapeQuoted("plain"), "plain");
}

TEST(WithCommas, GroupsThreeDigits) {
  EXPECT_EQ(WithCommas(0), "0");
  EXPECT_EQ(WithCommas(999), "999");
  EXPECT_EQ(WithCommas(1000), "1,000");
  EXPECT_EQ(WithCommas(2675392), "2,675,392");
}

}  // namespace
}  // namespace mmcheck::util
