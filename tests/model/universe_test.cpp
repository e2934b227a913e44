// SPDX-License-Identifier: GPL-2.0
// Tests of model/universe.cpp: ParseUniverse refuses a key given twice instead of keeping the
// last value, and a base universe takes the keys given over its own.
#include "model/universe.h"

#include <string>

#include <gtest/gtest.h>

#include "model/profile.h"

namespace mmcheck::model {
namespace {

std::string ErrorOf(const std::string& text) {
  try {
    ParseUniverse(text);
  } catch (const ModelInputError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(ParseUniverse, RefusesAKeyGivenTwiceNamingIt) {
  EXPECT_EQ(ErrorOf("mms=2,mms=1"),
            "universe: key 'mms' is given twice (mms=2, then mms=1); give each key once");
  EXPECT_EQ(ErrorOf("pages=4,swap=2,pages=4"),
            "universe: key 'pages' is given twice (pages=4, then pages=4); give each key once");
}

TEST(ParseUniverse, TheKeysGivenReplaceTheBases) {
  const Universe base = ParseUniverse("mms=2,pages=2,folios=3,swap=2,devices=1,pmd_order=1");
  const Universe u = ParseUniverse("pages=4,swap=0", base);
  EXPECT_EQ(u.ToString(), "mms=2,pages=4,folios=3,swap=0,devices=1,pmd_order=1");
  EXPECT_EQ(ParseUniverse("", base), base);
  EXPECT_THROW(ParseUniverse("swap=1,swap=2", base), ModelInputError);
}

}  // namespace
}  // namespace mmcheck::model
