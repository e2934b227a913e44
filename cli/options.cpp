// SPDX-License-Identifier: GPL-2.0
#include "cli/options.h"

#include <charconv>
#include <cmath>
#include <map>

#include <fmt/format.h>

namespace mmcheck::cli {
namespace {

// Splits "12.5ms" into its number and its unit; false unless the number is digits with at most
// one point (no sign, exponent, hex, "nan" or "inf": CLI11's own conversion takes all of them).
bool SplitNumberAndUnit(const std::string& text, std::string* number, std::string* unit) {
  std::size_t end = 0;
  int points = 0;
  while (end < text.size() && (std::isdigit(static_cast<unsigned char>(text[end])) ||
                               (text[end] == '.' && ++points == 1)))
    ++end;
  *number = text.substr(0, end);
  *unit = text.substr(end);
  for (char c : *unit)
    if (!std::isalpha(static_cast<unsigned char>(c))) return false;
  return !number->empty() && *number != ".";
}

// Converts "number[unit]" with the factors of `units` (lower-case keys; units match in any
// case); false if the text is not that or the value is not finite. CLI11's AsNumberWithUnit
// does the same but (in Debian 12's CLI11 2.1) prints its result with six significant digits:
// 512MiB would become 536.871 MB and 123456789ms 123457 s.
bool ConvertWithUnits(const std::map<std::string, double>& units, const std::string& text,
                      double* value) {
  std::string number, unit;
  if (!SplitNumberAndUnit(text, &number, &unit)) return false;
  double factor = 1;  // no unit: the option's own
  if (!unit.empty()) {
    auto it = units.find(CLI::detail::to_lower(unit));
    if (it == units.end()) return false;
    factor = it->second;
  }
  double n = 0;
  if (!CLI::detail::lexical_cast(number, n)) return false;
  *value = n * factor;
  return std::isfinite(*value);
}

}  // namespace

CLI::Validator Duration(double max_seconds) {
  const std::string range = fmt::format(
      "expected a duration > 0 and at most {}, like 500ms, 30s, 10m or 2h (a plain "
      "number is seconds)",
      max_seconds == kMaxDurationSeconds ? "30 days" : FormatDuration(max_seconds));
  return CLI::Validator(
      [max_seconds, range](std::string& text) -> std::string {
        static const std::map<std::string, double> kUnits = {
            {"ms", 1e-3}, {"s", 1}, {"m", 60}, {"h", 3600}};
        double seconds = 0;
        if (!ConvertWithUnits(kUnits, text, &seconds) || seconds <= 0 || seconds > max_seconds)
          return fmt::format("{}; got '{}'", range, text);
        text = fmt::format("{}", seconds);  // shortest exact text
        return "";
      },
      "DURATION");
}

std::string FormatDuration(double seconds) {
  auto whole = [](double x) { return std::floor(x) == x; };
  if (seconds >= 3600 && whole(seconds / 3600)) return fmt::format("{}h", seconds / 3600);
  if (seconds >= 60 && whole(seconds / 60)) return fmt::format("{}m", seconds / 60);
  if (whole(seconds)) return fmt::format("{}s", seconds);
  if (seconds < 1 && whole(seconds * 1000)) return fmt::format("{}ms", seconds * 1000);
  return fmt::format("{}s", seconds);
}

CLI::Validator WholeNumber(std::uint64_t min, std::uint64_t max, const std::string& zero_means) {
  const std::string range = fmt::format("expected a whole number in {}..{}{}", min, max,
                                        zero_means.empty() ? "" : " (" + zero_means + ")");
  return CLI::Validator(
      [min, max, range](std::string& text) -> std::string {
        std::uint64_t value = 0;
        const char* end = text.data() + text.size();
        auto [stop, error] = std::from_chars(text.data(), end, value);
        if (text.empty() || error != std::errc() || stop != end || value < min || value > max)
          return fmt::format("{}; got '{}'", range, text);
        return "";
      },
      fmt::format("INT in {}..{}", min, max));
}

CLI::Validator Megabytes(double max_mb) {
  const std::string range = fmt::format(
      "expected a size in MB in 0..{} (0 = no limit), a plain number or with a unit: 500MB, "
      "2GB, 512MiB",
      max_mb);
  return CLI::Validator(
      [max_mb, range](std::string& text) -> std::string {
        static const std::map<std::string, double> kUnits = {{"kb", 1e-3},
                                                             {"mb", 1},
                                                             {"gb", 1e3},
                                                             {"kib", 1024 / 1e6},
                                                             {"mib", 1048576 / 1e6},
                                                             {"gib", 1073741824 / 1e6}};
        double mb = 0;
        if (!ConvertWithUnits(kUnits, text, &mb) || mb < 0 || mb > max_mb)
          return fmt::format("{}; got '{}'", range, text);
        text = fmt::format("{}", mb);
        return "";
      },
      "MB");
}

CLI::Option* AddJobsOption(CLI::App* app, int* jobs, JobsAre what, const std::string& doc,
                           std::uint64_t max) {
  const char* counts = what == JobsAre::kThreads ? "threads" : "worker processes";
  return app->add_option("--jobs", *jobs, fmt::format("{} {}", counts, doc))
      ->check(WholeNumber(1, max));
}

CLI::Option* AddKnobOption(CLI::App* app, std::vector<std::string>* knobs, const std::string& whose,
                           const std::string& prefix) {
  return app->add_option(
      "--knob", *knobs,
      fmt::format("{}override a knob of {}, name=value (repeatable; `mmcheck knobs` lists them)",
                  prefix, whose));
}

CLI::Option* AddOutOption(CLI::App* app, std::string* out, const std::string& doc,
                          const std::string& more_names) {
  return app->add_option("-o,--out" + (more_names.empty() ? "" : "," + more_names), *out, doc);
}

CLI::Option* AddVerboseFlag(CLI::App* app, bool* verbose, const std::string& doc) {
  return app->add_flag("-v,--verbose", *verbose, doc);
}

CLI::Option* AddBudgetOption(CLI::App* app, double* seconds, const std::string& doc) {
  return app->add_option("--budget", *seconds, doc)->transform(Duration());
}

}  // namespace mmcheck::cli
