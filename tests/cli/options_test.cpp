// SPDX-License-Identifier: GPL-2.0
// Tests of cli/options.h: every duration, whole number and size is refused outside its range with
// the option's name and the range, instead of wrapping, clamping or meaning "no limit".
#include "cli/options.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace mmcheck::cli {
namespace {

// Parses `--opt value` into a fresh option with `validator` as a transform; returns "" or the
// error CLI11 reports.
template <typename T>
std::string Parse(const CLI::Validator& validator, const std::string& value, T* out,
                  bool transform) {
  CLI::App app;
  CLI::Option* opt = app.add_option("--opt", *out);
  if (transform) {
    opt->transform(validator);
  } else {
    opt->check(validator);
  }
  try {
    app.parse("--opt=" + value, false);
  } catch (const CLI::ParseError& e) {
    return e.what();
  }
  return "";
}

double Seconds(const std::string& text) {
  double s = -1;
  const std::string error = Parse(Duration(), text, &s, true);
  EXPECT_EQ(error, "") << text;
  return s;
}

std::string DurationError(const std::string& text) {
  double s = -1;
  return Parse(Duration(), text, &s, true);
}

TEST(Duration, TakesUnitsAndPlainSeconds) {
  EXPECT_DOUBLE_EQ(Seconds("30s"), 30);
  EXPECT_DOUBLE_EQ(Seconds("10m"), 600);
  EXPECT_DOUBLE_EQ(Seconds("2h"), 7200);
  EXPECT_DOUBLE_EQ(Seconds("500ms"), 0.5);
  EXPECT_DOUBLE_EQ(Seconds("1.5m"), 90);
  EXPECT_DOUBLE_EQ(Seconds("2H"), 7200);
  EXPECT_DOUBLE_EQ(Seconds("45"), 45);  // a plain number is seconds
  EXPECT_DOUBLE_EQ(Seconds("0.25"), 0.25);
  EXPECT_DOUBLE_EQ(Seconds("720h"), kMaxDurationSeconds);
}

TEST(Duration, RefusesNothingNegativeNotANumberAndTooLongNamingTheOption) {
  for (const char* bad : {"0s", "0", "0ms", "-1", "-5s", "nan", "NaN", "inf", "1e3s", "0x10", "10x",
                          "s", "1..2s", "ten minutes", "721h", "1e400"})
    EXPECT_NE(DurationError(bad).find("--opt: expected a duration > 0 and at most 30 days"),
              std::string::npos)
        << bad << ": " << DurationError(bad);
  EXPECT_EQ(DurationError("0s"),
            "--opt: expected a duration > 0 and at most 30 days, like 500ms, 30s, 10m or 2h (a "
            "plain number is seconds); got '0s'");
}

TEST(Duration, HasItsOwnMaximum) {
  double s = 0;
  EXPECT_EQ(Parse(Duration(86400), "24h", &s, true), "");
  EXPECT_NE(Parse(Duration(86400), "25h", &s, true).find("at most 24h"), std::string::npos);
}

TEST(FormatDuration, GivesTheShortestExactText) {
  EXPECT_EQ(FormatDuration(30), "30s");
  EXPECT_EQ(FormatDuration(600), "10m");
  EXPECT_EQ(FormatDuration(7200), "2h");
  EXPECT_EQ(FormatDuration(0.5), "500ms");
  EXPECT_EQ(FormatDuration(1.5), "1.5s");
  EXPECT_EQ(FormatDuration(90), "90s");
}

TEST(WholeNumber, RefusesSignsWrapsAndClamps) {
  std::uint64_t big = 0;
  EXPECT_EQ(Parse(WholeNumber(0, UINT64_MAX), "18446744073709551615", &big, false), "");
  EXPECT_EQ(big, UINT64_MAX);
  for (const char* bad : {"-1", "18446744073709551616", "+1", "0x10", "1.5", "nan"})
    EXPECT_NE(Parse(WholeNumber(0, UINT64_MAX), bad, &big, false)
                  .find("--opt: expected a whole number in 0..18446744073709551615; got '"),
              std::string::npos)
        << bad;
  int depth = 0;
  EXPECT_EQ(Parse(WholeNumber(1, 64), "-1", &depth, false),
            "--opt: expected a whole number in 1..64; got '-1'");
  EXPECT_EQ(Parse(WholeNumber(1, 64), "64", &depth, false), "");
  EXPECT_EQ(depth, 64);
  std::uint64_t states = 7;
  EXPECT_EQ(Parse(WholeNumber(0, 100, "0 = no limit"), "-1", &states, false),
            "--opt: expected a whole number in 0..100 (0 = no limit); got '-1'");
}

TEST(Megabytes, TakesPlainMegabytesAndUnits) {
  double mb = -1;
  EXPECT_EQ(Parse(Megabytes(), "500", &mb, true), "");
  EXPECT_DOUBLE_EQ(mb, 500);
  EXPECT_EQ(Parse(Megabytes(), "2GB", &mb, true), "");
  EXPECT_DOUBLE_EQ(mb, 2000);
  EXPECT_EQ(Parse(Megabytes(), "512MiB", &mb, true), "");
  EXPECT_NEAR(mb, 512 * 1.048576, 1e-6);
  EXPECT_EQ(Parse(Megabytes(), "0", &mb, true), "");  // no limit
  EXPECT_DOUBLE_EQ(mb, 0);
  for (const char* bad : {"-5", "nan", "inf", "5XB", "1e12", "2e9"})
    EXPECT_NE(Parse(Megabytes(), bad, &mb, true).find("--opt: expected a size in MB in 0.."),
              std::string::npos)
        << bad;
}

}  // namespace
}  // namespace mmcheck::cli
