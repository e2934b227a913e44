// SPDX-License-Identifier: GPL-2.0
#include "util/json_report.h"

#include <stdexcept>

namespace mmcheck::util {

nlohmann::ordered_json ReportEnvelope(std::string_view format, int version) {
  nlohmann::ordered_json report;
  report["format"] = std::string(format);
  report["version"] = version;
  return report;
}

std::string DumpReport(const nlohmann::ordered_json& report) {
  return report.dump(2) + "\n";
}

void CheckReportEnvelope(const nlohmann::json& report, std::string_view format, int version) {
  if (!report.is_object()) throw std::runtime_error("a report is a JSON object");
  const auto f = report.find("format");
  if (f == report.end() || !f->is_string() || f->get<std::string>() != format) {
    throw std::runtime_error("not a " + std::string(format) + " report");
  }
  const auto v = report.find("version");
  if (v == report.end() || !v->is_number_integer() || v->get<int>() != version) {
    throw std::runtime_error(std::string(format) + " report of another version (this mmcheck " +
                             "reads version " + std::to_string(version) + ")");
  }
}

}  // namespace mmcheck::util
