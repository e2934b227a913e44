// SPDX-License-Identifier: GPL-2.0
// Campaign reports: one result per (profile, property), rendered as a text
// table, JSON (DIR/report.json, read back by `mmcheck merge`) and JUnit XML
// (DIR/report.xml, one testcase per (profile, property)).
//
// Everything in a report except its `timings` field is a function of the
// inputs (seed, profiles, properties, universe, knobs, shard, case limit,
// corpus): no wall-clock value, address or unordered iteration reaches it.
// With a time budget the amount of work done depends on the machine, so the
// step and case counts do too; `--cases N` makes the whole report
// reproducible.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace mmcheck::traces {

inline constexpr int kReportFormatVersion = 1;

// What a campaign concluded about one property on one profile.
enum class ResultStatus : uint8_t {
  kFound,        // expected violation, found
  kMissing,      // expected violation, not found within the budget
  kUnexpected,   // a hard property violated with no expected violation before it
  kWarning,      // an advisory property violated (reported, never a failure)
  kConsequence,  // violated only at or after an expected violation of the same run
  kClean,        // never violated in the steps run
  kIncomplete,   // expected, not found, and the search was interrupted
  kUnreachable,  // expected, not found, and the universe lacks what the profile's
                 // min_universe says its expectations need (detail: what)
};
std::string_view StatusName(ResultStatus s);  // "found", "missing", ...

struct PropertyResult {
  std::string property;
  bool expected = false;  // the profile's [[expect]] list names it
  bool advisory = false;  // Severity::kAdvisory
  ResultStatus status = ResultStatus::kClean;
  int consequences = 0;  // runs in which it was violated as a consequence
  // The evidence, for found / unexpected / warning:
  std::string source;  // "search" or "corpus"
  std::string trace;   // the .mmtrace file (relative to the report's directory when inside it)
  int trace_steps = 0;
  int step = 0;           // the step of the trace that violates the property
  std::string seed;       // the RapidCheck case seed (hex), for search results
  std::string reproduce;  // RapidCheck's reproduce string, for search results
  std::string detail;     // the violation's detail at that step
  int shard = -1;         // the shard that found it (set by merge)
  bool operator==(const PropertyResult&) const = default;
};

struct ProfileReport {
  std::string name;
  bool complete = false;  // the search ran to its budget, case limit or all found
  bool interrupted = false;
  int64_t cases = 0;                    // random cases run (searching; shrinking not counted)
  int64_t steps = 0;                    // steps run in those cases
  std::vector<PropertyResult> results;  // in property-table order
  std::string error;                    // a worker that died or failed, empty if none
  bool operator==(const ProfileReport&) const = default;
};

// Wall-clock figures; kept apart from the rest so two runs can be compared.
struct ProfileTimings {
  double seconds = 0;  // search + shrink time
  double first_counterexample_seconds =
      -1;  // first failing case found (before shrinking), -1 if none
  bool operator==(const ProfileTimings&) const = default;
};

struct Report {
  std::string command = "campaign";  // or "merge"
  uint64_t seed = 0;
  std::string budget;  // as given, e.g. "20s"
  double budget_seconds = 0;
  int64_t cases_per_profile = 0;  // 0 = no limit
  std::string universe;
  std::vector<std::string> knobs;
  int shard_count = 1;
  std::vector<int> shards;          // the shard indices this report covers
  std::vector<std::string> corpus;  // corpus traces replayed
  bool complete = false;            // every profile (and, merged, every shard) finished
  bool interrupted = false;         // SIGINT/SIGTERM stopped it
  std::vector<ProfileReport> profiles;
  // timings (not compared)
  double elapsed_seconds = 0;
  std::string finished_at;  // local time, "2025-01-31 12:00:00"
  std::map<std::string, ProfileTimings> profile_timings;
  // Which write of which run this is. report.json and report.xml written together carry the
  // same pair, so a pair that a kill between the two renames left mismatched is recognisable.
  std::string run_id;  // NewRunId() of the run that wrote it, "" if none
  int revision = 0;    // counts the reports that run has written, from 1
};

// A run id: the local start time and the process id, "20250131T120000-12345".
std::string NewRunId();

enum class Verdict : uint8_t { kAsExpected, kUnexpected, kInconclusive };
std::string_view VerdictName(Verdict v);  // "as-expected", "unexpected", "inconclusive"

// Unexpected if any result is unexpected or an expected violation is
// missing; else inconclusive if the run did not complete (interrupted, a
// worker failed, a merge without every shard); else as expected.
Verdict VerdictOf(const Report& r);

struct Counts {
  int found = 0, missing = 0, unexpected = 0, warnings = 0, consequences = 0, clean = 0,
      incomplete = 0, unreachable = 0;
  int64_t steps = 0, cases = 0;
};
Counts CountResults(const Report& r);

// The JSON report. ToJson(FromJson(j)) == j for any report ToJson wrote.
nlohmann::ordered_json ReportToJson(const Report& r);
// Parses a report (from `file`, for messages). Throws model::ModelInputError.
Report ReportFromJson(const nlohmann::json& j, std::string_view file);
Report ReadReportFile(const std::string& path);

// JUnit XML: a testsuite per profile, a testcase per (profile, property);
// unexpected and missing results are failures, incomplete and unreachable
// ones skipped. A comment after the XML declaration names the run id and
// revision.
std::string RenderJunit(const Report& r);

// The final table. Rows that need attention (found, missing, unexpected,
// warnings, consequences) are listed; clean properties are summarised per
// profile unless `all_rows`. `dir` prefixes trace file names. Every line
// fits 75 columns (mail) unless `wide`: one line a row, for a terminal.
std::string RenderText(const Report& r, const std::string& dir, bool all_rows, bool wide = false);

// Joins shard reports of one campaign (same seed, universe, knobs, shard
// count; distinct shards) into one: per (profile, property) the strongest
// result (unexpected > found > warning > consequence > clean; missing only
// if no shard found it), the shortest evidence (then the lowest shard), and
// summed steps, cases and consequences. Throws model::ModelInputError when
// the reports do not belong together. `files` name the inputs in messages.
Report MergeReports(const std::vector<Report>& shards, const std::vector<std::string>& files);

}  // namespace mmcheck::traces

namespace mmcheck::traces {

// A run compared with an earlier one, for nightly use (`mmcheck report --since OLD`). A result
// fails when it is unexpected or an expected violation is missing. Pairs (profile, property)
// are matched by name.
struct RunComparison {
  struct Row {
    std::string profile, property;
    std::string now, before;  // status names; "absent" when the run did not have the pair
  };
  std::vector<Row> news;          // failing now, not before (or absent before)
  std::vector<Row> fixed;         // failing before, in this run and not failing
  std::vector<Row> still;         // failing in both
  std::vector<std::string> gone;  // profiles the earlier run had and this one does not
};
RunComparison CompareRuns(const Report& now, const Report& before);
// `wide`: one line a row; otherwise every line fits 75 columns.
std::string RenderComparison(const RunComparison& c, const std::string& now_name,
                             const std::string& before_name, bool wide);
nlohmann::ordered_json ComparisonToJson(const RunComparison& c);

}  // namespace mmcheck::traces
