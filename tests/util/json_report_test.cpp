// SPDX-License-Identifier: GPL-2.0
// Tests of util/json_report.h: the envelope every JSON report starts with.
#include "util/json_report.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace mmcheck::util {
namespace {

TEST(ReportEnvelope, NamesTheFormatAndVersionFirst) {
  nlohmann::ordered_json report = ReportEnvelope("mmcheck-test", 3);
  report["states"] = 7;
  const std::string text = DumpReport(report);
  EXPECT_EQ(text, "{\n  \"format\": \"mmcheck-test\",\n  \"version\": 3,\n  \"states\": 7\n}\n");
  const nlohmann::json back = nlohmann::json::parse(text);
  EXPECT_NO_THROW(CheckReportEnvelope(back, "mmcheck-test", 3));
  EXPECT_EQ(back["states"], 7);
}

TEST(ReportEnvelope, RefusesAnotherFormatOrVersion) {
  const nlohmann::json report = nlohmann::json::parse(DumpReport(ReportEnvelope("a", 1)));
  EXPECT_THROW(CheckReportEnvelope(report, "b", 1), std::runtime_error);
  EXPECT_THROW(CheckReportEnvelope(report, "a", 2), std::runtime_error);
  EXPECT_THROW(CheckReportEnvelope(nlohmann::json::array(), "a", 1), std::runtime_error);
}

}  // namespace
}  // namespace mmcheck::util
