// SPDX-License-Identifier: GPL-2.0
// The main model's section tables (solver/explicit/main_model_sections.h): one number per
// distinct section, the same section always the same number, sections read back whole, a table
// out of numbers an error, and concurrent interning exact.
#include "solver/explicit/main_model_sections.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "solver/explicit/exploration_result.h"

namespace mmcheck::solver::explicit_state::main_model_internal {
namespace {

// A 5-byte section whose bytes spell `v` (the top byte varies least).
std::vector<std::uint8_t> SectionOf(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
          static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v), 0x5a};
}

TEST(SectionTable, NumbersEachDistinctSectionOnce) {
  SectionTable table(5, 24);
  std::map<std::uint32_t, std::uint32_t> number_of;
  std::set<std::uint32_t> numbers;
  for (std::uint32_t v = 0; v < 20000; ++v) {
    const std::uint32_t n = table.Intern(SectionOf(v * 7919u).data());
    EXPECT_LT(n, 1u << 24);
    number_of[v] = n;
    numbers.insert(n);
  }
  EXPECT_EQ(numbers.size(), 20000u);
  EXPECT_EQ(table.size(), 20000u);
  std::vector<std::uint8_t> back(5);
  for (std::uint32_t v = 0; v < 20000; v += 37) {
    EXPECT_EQ(table.Intern(SectionOf(v * 7919u).data()), number_of[v]) << v;
    table.Copy(number_of[v], back.data());
    EXPECT_EQ(back, SectionOf(v * 7919u)) << v;
  }
  EXPECT_EQ(table.size(), 20000u);
  EXPECT_GT(table.Bytes(), 20000u * 5);
  EXPECT_THROW(table.Copy(1u << 20, back.data()), ExplorationError);
}

// 7 number bits leave 2 sections a shard: the table refuses the section that does not fit.
TEST(SectionTable, RunningOutOfNumbersIsAnError) {
  SectionTable table(5, SectionTable::kShardBits + 1);
  std::uint32_t v = 0;
  try {
    for (; v < 100000; ++v) table.Intern(SectionOf(v).data());
    FAIL() << "no error";
  } catch (const ExplorationError& e) {
    EXPECT_NE(std::string(e.what()).find("do not fit"), std::string::npos) << e.what();
  }
  EXPECT_LE(v, 2u << SectionTable::kShardBits);
  EXPECT_THROW(SectionTable(5, SectionTable::kShardBits), ExplorationError);
}

// Two threads interning overlapping sets agree on every number.
TEST(SectionTable, ThreadsAgreeOnNumbers) {
  SectionTable table(5, 30);
  std::vector<std::uint32_t> a(30000), b(30000);
  std::thread first([&] {
    for (std::uint32_t v = 0; v < 30000; ++v) a[v] = table.Intern(SectionOf(v).data());
  });
  std::thread second([&] {
    for (std::uint32_t v = 30000; v-- > 0;) b[v] = table.Intern(SectionOf(v).data());
  });
  first.join();
  second.join();
  EXPECT_EQ(a, b);
  EXPECT_EQ(table.size(), 30000u);
}

}  // namespace
}  // namespace mmcheck::solver::explicit_state::main_model_internal
