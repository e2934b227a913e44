// SPDX-License-Identifier: GPL-2.0
// Tests of util/process_memory.h: the figures the memory limits and the reports rest on.
#include "util/process_memory.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>

namespace mmcheck::util {
namespace {

// The kernel sums its per-CPU RSS counters approximately for the peak (getrusage) and exactly
// for statm, so the peak may read a little below what is resident; never by megabytes.
constexpr std::uint64_t kCounterSlack = std::uint64_t{4} << 20;

// The peak covers what is resident now, and follows the process when it touches more memory
// than it ever held.
TEST(ProcessMemory, PeakCoversResidentAndFollowsATouchedBuffer) {
  const std::uint64_t resident = RssBytes();
  ASSERT_GT(resident, 0u);
  EXPECT_GE(PeakRssBytes() + kCounterSlack, resident);
  constexpr std::size_t kBytes = std::size_t{64} << 20;
  std::unique_ptr<char[]> buffer(new char[kBytes]);
  std::memset(buffer.get(), 1, kBytes);
  EXPECT_GE(PeakRssBytes() + kCounterSlack, resident + kBytes);
  EXPECT_GE(PeakRssBytes() + kCounterSlack, RssBytes());
  EXPECT_EQ(buffer[kBytes - 1], 1);
}

TEST(ProcessMemory, PhysicalMemoryIsMoreThanTheProcessHolds) {
  EXPECT_GT(PhysicalMemoryBytes(), RssBytes());
}

}  // namespace
}  // namespace mmcheck::util
