// SPDX-License-Identifier: GPL-2.0
// The envelope of every JSON report mmcheck prints with --format json.
//
// A report is one JSON object whose first two members name it and its version, so that a script
// can tell what it reads and refuse a version it does not know:
//
//   {"format": "mmcheck-explore", "version": 1, "states": 57110, ...}
//
// A report's version changes when a member it had is removed or changes meaning; new members
// may be added without a new version.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mmcheck::util {

// Returns {"format": format, "version": version}, to which the report adds its members in the
// order they are printed.
nlohmann::ordered_json ReportEnvelope(std::string_view format, int version);

// Returns `report` as printed: two-space indentation and a final newline.
std::string DumpReport(const nlohmann::ordered_json& report);

// Checks that `report` is an object with this format and version. Throws std::runtime_error
// naming what differs.
void CheckReportEnvelope(const nlohmann::json& report, std::string_view format, int version);

}  // namespace mmcheck::util
