// SPDX-License-Identifier: GPL-2.0
#include "traces/report.h"

#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "model/input_file.h"
#include "model/profile.h"

namespace mmcheck::traces {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

constexpr ResultStatus kAllStatuses[] = {
    ResultStatus::kFound,      ResultStatus::kMissing,     ResultStatus::kUnexpected,
    ResultStatus::kWarning,    ResultStatus::kConsequence, ResultStatus::kClean,
    ResultStatus::kIncomplete, ResultStatus::kUnreachable,
};

[[noreturn]] void Bad(std::string_view file, const std::string& what) {
  throw model::ModelInputError(fmt::format("{}: not a campaign report: {}", file, what));
}

// Typed field access with a message naming the field.
template <typename T>
T Field(const json& j, const char* key, std::string_view file) {
  if (!j.is_object() || !j.contains(key)) Bad(file, fmt::format("missing field '{}'", key));
  try {
    return j.at(key).get<T>();
  } catch (const json::exception&) {
    Bad(file, fmt::format("field '{}' has the wrong type", key));
  }
}

template <typename T>
T OptField(const json& j, const char* key, T fallback, std::string_view file) {
  if (!j.is_object() || !j.contains(key)) return fallback;
  return Field<T>(j, key, file);
}

std::string XmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 forbids most control characters.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t')
          out += ' ';
        else
          out += c;
    }
  }
  return out;
}

// The order in which merged results win.
int Strength(ResultStatus s) {
  switch (s) {
    case ResultStatus::kUnexpected:
      return 7;
    case ResultStatus::kFound:
      return 6;
    case ResultStatus::kWarning:
      return 5;
    case ResultStatus::kConsequence:
      return 4;
    case ResultStatus::kClean:
      return 3;
    case ResultStatus::kIncomplete:
      return 2;  // a shard did not finish: not known missing
    case ResultStatus::kUnreachable:
      return 1;  // every shard has the same universe
    case ResultStatus::kMissing:
      return 0;
  }
  return 0;
}

bool HasEvidence(ResultStatus s) {
  return s == ResultStatus::kFound || s == ResultStatus::kUnexpected || s == ResultStatus::kWarning;
}

std::string ResultText(const PropertyResult& p) {
  switch (p.status) {
    case ResultStatus::kFound:
      return "expected, found";
    case ResultStatus::kMissing:
      return "expected, NOT FOUND";
    case ResultStatus::kUnexpected:
      return "UNEXPECTED";
    case ResultStatus::kWarning:
      return "warning (advisory)";
    case ResultStatus::kConsequence:
      return fmt::format("consequence ({} runs)", p.consequences);
    case ResultStatus::kClean:
      return "clean";
    case ResultStatus::kIncomplete:
      return "expected, interrupted";
    case ResultStatus::kUnreachable:
      return "expected, unreachable here";
  }
  return "";
}

// A result with no finding yet, for merging into.
PropertyResult Blank(const PropertyResult& x) {
  PropertyResult b;
  b.property = x.property;
  b.expected = x.expected;
  b.advisory = x.advisory;
  b.status = x.expected ? ResultStatus::kMissing : ResultStatus::kClean;
  return b;
}

}  // namespace

std::string_view StatusName(ResultStatus s) {
  switch (s) {
    case ResultStatus::kFound:
      return "found";
    case ResultStatus::kMissing:
      return "missing";
    case ResultStatus::kUnexpected:
      return "unexpected";
    case ResultStatus::kWarning:
      return "warning";
    case ResultStatus::kConsequence:
      return "consequence";
    case ResultStatus::kClean:
      return "clean";
    case ResultStatus::kIncomplete:
      return "incomplete";
    case ResultStatus::kUnreachable:
      return "unreachable";
  }
  return "?";
}

std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kAsExpected:
      return "as-expected";
    case Verdict::kUnexpected:
      return "unexpected";
    case Verdict::kInconclusive:
      return "inconclusive";
  }
  return "?";
}

Counts CountResults(const Report& r) {
  Counts c;
  for (const ProfileReport& p : r.profiles) {
    c.steps += p.steps;
    c.cases += p.cases;
    for (const PropertyResult& x : p.results) {
      switch (x.status) {
        case ResultStatus::kFound:
          ++c.found;
          break;
        case ResultStatus::kMissing:
          ++c.missing;
          break;
        case ResultStatus::kUnexpected:
          ++c.unexpected;
          break;
        case ResultStatus::kWarning:
          ++c.warnings;
          break;
        case ResultStatus::kConsequence:
          ++c.consequences;
          break;
        case ResultStatus::kClean:
          ++c.clean;
          break;
        case ResultStatus::kIncomplete:
          ++c.incomplete;
          break;
        case ResultStatus::kUnreachable:
          ++c.unreachable;
          break;
      }
    }
  }
  return c;
}

// An expected violation not found is inconclusive, not news: the budget may
// have been too short (a nightly job still fails on exit 3). One the universe
// cannot reach is neither: the report says what the universe lacks.
Verdict VerdictOf(const Report& r) {
  Counts c = CountResults(r);
  if (c.unexpected) return Verdict::kUnexpected;
  bool incomplete = !r.complete || r.interrupted || c.incomplete > 0 || c.missing > 0;
  for (const ProfileReport& p : r.profiles) incomplete |= !p.complete || !p.error.empty();
  return incomplete ? Verdict::kInconclusive : Verdict::kAsExpected;
}

ordered_json ReportToJson(const Report& r) {
  ordered_json j;
  j["mmcheck_report"] = kReportFormatVersion;
  j["command"] = r.command;
  j["seed"] = r.seed;
  j["budget"] = r.budget;
  j["budget_seconds"] = r.budget_seconds;
  j["cases_per_profile"] = r.cases_per_profile;
  j["universe"] = r.universe;
  j["knobs"] = r.knobs;
  j["shard_count"] = r.shard_count;
  j["shards"] = r.shards;
  j["corpus"] = r.corpus;
  j["complete"] = r.complete;
  j["interrupted"] = r.interrupted;
  j["verdict"] = VerdictName(VerdictOf(r));
  Counts c = CountResults(r);
  j["summary"] = {{"found", c.found},
                  {"missing", c.missing},
                  {"unexpected", c.unexpected},
                  {"warnings", c.warnings},
                  {"consequences", c.consequences},
                  {"clean", c.clean},
                  {"incomplete", c.incomplete},
                  {"unreachable", c.unreachable},
                  {"cases", c.cases},
                  {"steps", c.steps}};
  ordered_json profiles = ordered_json::array();
  for (const ProfileReport& p : r.profiles) {
    ordered_json jp;
    jp["name"] = p.name;
    jp["complete"] = p.complete;
    jp["interrupted"] = p.interrupted;
    jp["cases"] = p.cases;
    jp["steps"] = p.steps;
    if (!p.error.empty()) jp["error"] = p.error;
    ordered_json results = ordered_json::array();
    for (const PropertyResult& x : p.results) {
      ordered_json jr;
      jr["property"] = x.property;
      jr["expected"] = x.expected;
      jr["severity"] = x.advisory ? "advisory" : "hard";
      jr["status"] = StatusName(x.status);
      jr["consequences"] = x.consequences;
      if (HasEvidence(x.status)) {
        jr["source"] = x.source;
        jr["trace"] = x.trace;
        jr["trace_steps"] = x.trace_steps;
        jr["step"] = x.step;
        jr["seed"] = x.seed;
        jr["reproduce"] = x.reproduce;
        jr["detail"] = x.detail;
      }
      if (x.shard >= 0) jr["shard"] = x.shard;
      results.push_back(std::move(jr));
    }
    jp["results"] = std::move(results);
    profiles.push_back(std::move(jp));
  }
  j["profiles"] = std::move(profiles);
  ordered_json t;
  t["elapsed_seconds"] = r.elapsed_seconds;
  t["finished_at"] = r.finished_at;
  if (!r.run_id.empty()) {
    t["run_id"] = r.run_id;
    t["revision"] = r.revision;
  }
  ordered_json tp = ordered_json::object();
  for (const ProfileReport& p : r.profiles) {
    auto it = r.profile_timings.find(p.name);
    if (it == r.profile_timings.end()) continue;
    tp[p.name] = {
        {"seconds", it->second.seconds},
        {"steps_per_second",
         it->second.seconds > 0 ? static_cast<double>(p.steps) / it->second.seconds : 0.0},
        {"first_counterexample_seconds", it->second.first_counterexample_seconds}};
  }
  t["profiles"] = std::move(tp);
  j["timings"] = std::move(t);
  return j;
}

Report ReportFromJson(const json& j, std::string_view file) {
  if (!j.is_object()) Bad(file, "expected a JSON object");
  int version = Field<int>(j, "mmcheck_report", file);
  if (version != kReportFormatVersion)
    Bad(file,
        fmt::format("report format {} (this mmcheck reads {})", version, kReportFormatVersion));
  Report r;
  r.command = Field<std::string>(j, "command", file);
  r.seed = Field<uint64_t>(j, "seed", file);
  r.budget = Field<std::string>(j, "budget", file);
  r.budget_seconds = Field<double>(j, "budget_seconds", file);
  r.cases_per_profile = Field<int64_t>(j, "cases_per_profile", file);
  r.universe = Field<std::string>(j, "universe", file);
  r.knobs = Field<std::vector<std::string>>(j, "knobs", file);
  r.shard_count = Field<int>(j, "shard_count", file);
  r.shards = Field<std::vector<int>>(j, "shards", file);
  r.corpus = Field<std::vector<std::string>>(j, "corpus", file);
  r.complete = Field<bool>(j, "complete", file);
  r.interrupted = Field<bool>(j, "interrupted", file);
  if (!j.contains("profiles") || !j["profiles"].is_array()) Bad(file, "missing field 'profiles'");
  for (const json& jp : j["profiles"]) {
    ProfileReport p;
    p.name = Field<std::string>(jp, "name", file);
    p.complete = Field<bool>(jp, "complete", file);
    p.interrupted = Field<bool>(jp, "interrupted", file);
    p.cases = Field<int64_t>(jp, "cases", file);
    p.steps = Field<int64_t>(jp, "steps", file);
    p.error = OptField<std::string>(jp, "error", "", file);
    if (!jp.contains("results") || !jp["results"].is_array()) Bad(file, "missing field 'results'");
    for (const json& jr : jp["results"]) {
      PropertyResult x;
      x.property = Field<std::string>(jr, "property", file);
      x.expected = Field<bool>(jr, "expected", file);
      x.advisory = Field<std::string>(jr, "severity", file) == "advisory";
      std::string status = Field<std::string>(jr, "status", file);
      bool known = false;
      for (ResultStatus s : kAllStatuses)
        if (StatusName(s) == status) x.status = s, known = true;
      if (!known) Bad(file, fmt::format("unknown status '{}'", status));
      x.consequences = Field<int>(jr, "consequences", file);
      if (HasEvidence(x.status)) {
        x.source = Field<std::string>(jr, "source", file);
        x.trace = Field<std::string>(jr, "trace", file);
        x.trace_steps = Field<int>(jr, "trace_steps", file);
        x.step = Field<int>(jr, "step", file);
        x.seed = Field<std::string>(jr, "seed", file);
        x.reproduce = Field<std::string>(jr, "reproduce", file);
        x.detail = Field<std::string>(jr, "detail", file);
      }
      x.shard = OptField<int>(jr, "shard", -1, file);
      p.results.push_back(std::move(x));
    }
    r.profiles.push_back(std::move(p));
  }
  if (j.contains("timings") && j["timings"].is_object()) {
    const json& t = j["timings"];
    r.elapsed_seconds = OptField<double>(t, "elapsed_seconds", 0.0, file);
    r.finished_at = OptField<std::string>(t, "finished_at", "", file);
    r.run_id = OptField<std::string>(t, "run_id", "", file);
    r.revision = OptField<int>(t, "revision", 0, file);
    if (t.contains("profiles") && t["profiles"].is_object())
      for (const auto& [name, jt] : t["profiles"].items())
        r.profile_timings[name] = {
            OptField<double>(jt, "seconds", 0.0, file),
            OptField<double>(jt, "first_counterexample_seconds", -1.0, file)};
  }
  return r;
}

std::string NewRunId() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%S", &tm);
  return fmt::format("{}-{}", buf, static_cast<long>(getpid()));
}

Report ReadReportFile(const std::string& path) {
  // A report of every profile is ~100 KiB; 64 MiB stops /dev/zero, not a real report.
  const std::string text = model::ReadInputFile(path, "report", std::size_t{64} << 20);
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    throw model::ModelInputError(fmt::format("{}: not valid JSON: {}", path, e.what()));
  }
  return ReportFromJson(j, path);
}

std::string RenderJunit(const Report& r) {
  int tests = 0, failures = 0, skipped = 0;
  for (const ProfileReport& p : r.profiles)
    for (const PropertyResult& x : p.results) {
      ++tests;
      failures += x.status == ResultStatus::kUnexpected || x.status == ResultStatus::kMissing;
      skipped += x.status == ResultStatus::kIncomplete || x.status == ResultStatus::kUnreachable;
    }
  std::string s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  if (!r.run_id.empty())
    s += fmt::format(
        "<!-- mmcheck run {} revision {}: the report.json of the same run and revision "
        "belongs with this file -->\n",
        XmlEscape(r.run_id), r.revision);
  s += fmt::format("<testsuites name=\"mmcheck {}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">\n",
                   XmlEscape(r.command), tests, failures, skipped);
  for (const ProfileReport& p : r.profiles) {
    int pf = 0, ps = 0;
    for (const PropertyResult& x : p.results) {
      pf += x.status == ResultStatus::kUnexpected || x.status == ResultStatus::kMissing;
      ps += x.status == ResultStatus::kIncomplete || x.status == ResultStatus::kUnreachable;
    }
    s += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">\n",
                     XmlEscape(p.name), p.results.size(), pf, ps);
    s += fmt::format(
        "    <properties><property name=\"steps\" value=\"{}\"/><property "
        "name=\"cases\" value=\"{}\"/></properties>\n",
        p.steps, p.cases);
    for (const PropertyResult& x : p.results) {
      s += fmt::format("    <testcase classname=\"{}\" name=\"{}\"", XmlEscape(p.name),
                       XmlEscape(x.property));
      std::string evidence = x.trace.empty() ? ""
                                             : fmt::format("{} ({} steps, violated at step {})",
                                                           x.trace, x.trace_steps, x.step);
      switch (x.status) {
        case ResultStatus::kUnexpected:
          s += fmt::format(
              ">\n      <failure type=\"unexpected\" message=\"unexpected violation of "
              "{}\">{}\n{}</failure>\n    </testcase>\n",
              XmlEscape(x.property), XmlEscape(evidence), XmlEscape(x.detail));
          break;
        case ResultStatus::kMissing:
          s += fmt::format(
              ">\n      <failure type=\"missing\" message=\"expected violation of {} not found in "
              "{} steps\"/>\n    </testcase>\n",
              XmlEscape(x.property), p.steps);
          break;
        case ResultStatus::kIncomplete:
          s += ">\n      <skipped message=\"interrupted before the expected violation was "
               "found\"/>\n    </testcase>\n";
          break;
        case ResultStatus::kUnreachable:
          s += fmt::format(
              ">\n      <skipped message=\"unreachable in this universe: the profile needs "
              "{}\"/>\n    </testcase>\n",
              XmlEscape(x.detail));
          break;
        case ResultStatus::kFound:
        case ResultStatus::kWarning:
          s += fmt::format(">\n      <system-out>{}: {}\n{}</system-out>\n    </testcase>\n",
                           StatusName(x.status), XmlEscape(evidence), XmlEscape(x.detail));
          break;
        case ResultStatus::kConsequence:
          s += fmt::format(
              ">\n      <system-out>violated only after an expected violation, in {} "
              "runs</system-out>\n    </testcase>\n",
              x.consequences);
          break;
        case ResultStatus::kClean:
          s += "/>\n";
          break;
      }
    }
    s += "  </testsuite>\n";
  }
  s += "</testsuites>\n";
  return s;
}

namespace {

// The rows of `p` a table lists: all with `all_rows`, else those that need
// attention; the clean and consequence rows left out are counted.
std::vector<const PropertyResult*> ListedRows(const ProfileReport& p, bool all_rows, int& clean,
                                              int& consequences) {
  std::vector<const PropertyResult*> rows;
  for (const PropertyResult& x : p.results) {
    if (!all_rows && x.status == ResultStatus::kClean)
      ++clean;
    else if (!all_rows && x.status == ResultStatus::kConsequence)
      ++consequences;
    else
      rows.push_back(&x);
  }
  return rows;
}

// The narrow form: one block a profile, every line within 75 columns
// (property names and results are short; a trace gets a line of its own and
// is named relative to `dir`, which the first line gives once).
std::string RenderNarrow(const Report& r, const std::string& dir, bool all_rows) {
  std::string s;
  if (!dir.empty()) s += fmt::format("traces in {}/\n", dir);
  auto row = [&](std::string_view property, std::string_view result) {
    s += fmt::format("  {:<36} {}\n", property, result);
  };
  for (const ProfileReport& p : r.profiles) {
    s += fmt::format("\n{} ({} steps)\n", p.name, p.steps);
    int clean = 0, consequences = 0;
    for (const PropertyResult* row_of : ListedRows(p, all_rows, clean, consequences)) {
      const PropertyResult& x = *row_of;
      if (x.trace.empty() || x.status == ResultStatus::kUnreachable) {
        row(x.property, ResultText(x));
      } else {
        row(x.property, fmt::format("{}, {} steps", ResultText(x), x.trace_steps));
        s += fmt::format("    {}{}\n", x.trace, x.source == "corpus" ? " (corpus)" : "");
      }
      if (x.status == ResultStatus::kUnreachable) s += fmt::format("    needs {}\n", x.detail);
    }
    if (clean || consequences)
      row(fmt::format("({} more properties)", clean + consequences),
          consequences ? fmt::format("clean, {} consequences", consequences) : "clean");
    if (!p.error.empty()) s += fmt::format("  error: {}\n", p.error);
    if (p.interrupted) s += fmt::format("  (interrupted after {} steps)\n", p.steps);
  }
  return s;
}

}  // namespace

std::string RenderText(const Report& r, const std::string& dir, bool all_rows, bool wide) {
  std::string s;
  Counts c = CountResults(r);
  if (!wide) {
    s = RenderNarrow(r, dir, all_rows);
    // Two lines; the first is what scripts grep for.
    s += fmt::format(
        "\n{} profiles: {} expected violations found, {} missing, {} unexpected,\n"
        "  {} warnings, {} consequences{}; {} cases, {} steps\n",
        r.profiles.size(), c.found, c.missing, c.unexpected, c.warnings, c.consequences,
        c.unreachable ? fmt::format(", {} unreachable here", c.unreachable) : "", c.cases, c.steps);
    return s;
  }
  size_t pw = 7, qw = 8;
  for (const ProfileReport& p : r.profiles) {
    pw = std::max(pw, p.name.size());
    for (const PropertyResult& x : p.results) qw = std::max(qw, x.property.size());
  }
  s += fmt::format("{:<{}}  {:<{}}  {:<24}  {:>9}  {}\n", "profile", pw, "property", qw, "result",
                   "steps", "trace");
  auto trace_of = [&](const PropertyResult& x) {
    if (x.trace.empty()) return std::string();
    std::string path = x.trace;
    if (!dir.empty() && path.find('/') == std::string::npos) path = dir + "/" + path;
    return fmt::format("{} ({} steps{})", path, x.trace_steps,
                       x.source == "corpus" ? ", corpus" : "");
  };
  for (const ProfileReport& p : r.profiles) {
    int clean = 0, consequences = 0;
    for (const PropertyResult* row_of : ListedRows(p, all_rows, clean, consequences)) {
      const PropertyResult& x = *row_of;
      s += fmt::format("{:<{}}  {:<{}}  {:<24}  {:>9}  {}\n", p.name, pw, x.property, qw,
                       ResultText(x), p.steps,
                       x.status == ResultStatus::kUnreachable ? "needs " + x.detail : trace_of(x));
    }
    if (clean || consequences)
      s += fmt::format("{:<{}}  {:<{}}  {:<24}  {:>9}\n", p.name, pw,
                       fmt::format("({} more properties)", clean + consequences), qw,
                       consequences ? fmt::format("clean, {} consequences", consequences) : "clean",
                       p.steps);
    if (!p.error.empty()) s += fmt::format("{:<{}}  error: {}\n", p.name, pw, p.error);
    if (p.interrupted)
      s += fmt::format("{:<{}}  (interrupted after {} steps)\n", p.name, pw, p.steps);
  }
  s += fmt::format(
      "\n{} profiles: {} expected violations found, {} missing, {} unexpected, {} warnings, {} "
      "consequences{}; {} cases, {} steps\n",
      r.profiles.size(), c.found, c.missing, c.unexpected, c.warnings, c.consequences,
      c.unreachable ? fmt::format(", {} unreachable in this universe", c.unreachable) : "", c.cases,
      c.steps);
  return s;
}

Report MergeReports(const std::vector<Report>& shards, const std::vector<std::string>& files) {
  if (shards.empty()) throw model::ModelInputError("merge: no reports given");
  auto file = [&](size_t i) {
    return i < files.size() ? files[i] : fmt::format("report {}", i + 1);
  };
  const Report& first = shards[0];
  Report m;
  m.command = "merge";
  m.seed = first.seed;
  m.budget = first.budget;
  m.budget_seconds = first.budget_seconds;
  m.cases_per_profile = first.cases_per_profile;
  m.universe = first.universe;
  m.knobs = first.knobs;
  m.shard_count = first.shard_count;
  m.complete = true;
  std::set<int> seen;
  std::set<std::string> corpus;
  for (size_t i = 0; i < shards.size(); ++i) {
    const Report& r = shards[i];
    auto differs = [&](const char* what, const std::string& a, const std::string& b) {
      if (a != b)
        throw model::ModelInputError(
            fmt::format("{}: {} {} differs from {} in {}", file(i), what, a, b, file(0)));
    };
    differs("seed", std::to_string(r.seed), std::to_string(first.seed));
    differs("universe", r.universe, first.universe);
    differs("knobs", fmt::format("[{}]", fmt::join(r.knobs, ",")),
            fmt::format("[{}]", fmt::join(first.knobs, ",")));
    differs("shard count", std::to_string(r.shard_count), std::to_string(first.shard_count));
    differs("case limit", std::to_string(r.cases_per_profile),
            std::to_string(first.cases_per_profile));
    for (int s : r.shards)
      if (!seen.insert(s).second)
        throw model::ModelInputError(
            fmt::format("{}: shard {}/{} is also in another report", file(i), s, r.shard_count));
    corpus.insert(r.corpus.begin(), r.corpus.end());
    m.interrupted |= r.interrupted;
    m.complete = m.complete && r.complete;
    m.elapsed_seconds = std::max(m.elapsed_seconds, r.elapsed_seconds);
    m.finished_at = std::max(m.finished_at, r.finished_at);
  }
  m.shards.assign(seen.begin(), seen.end());
  if (static_cast<int>(m.shards.size()) != m.shard_count) m.complete = false;
  m.corpus.assign(corpus.begin(), corpus.end());
  // Profiles in the order of their first appearance.
  for (size_t i = 0; i < shards.size(); ++i) {
    const Report& r = shards[i];
    const int shard_id = r.shards.size() == 1 ? r.shards[0] : -1;
    for (const ProfileReport& p : r.profiles) {
      auto it = std::find_if(m.profiles.begin(), m.profiles.end(),
                             [&](const ProfileReport& q) { return q.name == p.name; });
      if (it == m.profiles.end()) {
        ProfileReport q = p;
        q.cases = q.steps = 0;
        q.complete = true;
        q.interrupted = false;
        for (PropertyResult& x : q.results) x = Blank(x);
        m.profiles.push_back(std::move(q));
        it = m.profiles.end() - 1;
      }
      ProfileReport& q = *it;
      q.cases += p.cases;
      q.steps += p.steps;
      q.complete = q.complete && p.complete;
      q.interrupted = q.interrupted || p.interrupted;
      if (!p.error.empty()) q.error += (q.error.empty() ? "" : "; ") + p.error;
      for (const PropertyResult& x : p.results) {
        auto jt = std::find_if(q.results.begin(), q.results.end(),
                               [&](const PropertyResult& y) { return y.property == x.property; });
        if (jt == q.results.end()) {
          q.results.push_back(Blank(x));
          jt = q.results.end() - 1;
        }
        PropertyResult& y = *jt;
        int consequences = y.consequences + x.consequences;
        const int x_shard = x.shard >= 0 ? x.shard : shard_id;
        bool better = Strength(x.status) > Strength(y.status);
        if (x.status == y.status && HasEvidence(x.status))  // the shortest, then the lowest shard
          better = x.trace_steps < y.trace_steps ||
                   (x.trace_steps == y.trace_steps && x_shard < y.shard);
        if (better) {
          y = x;
          y.shard = HasEvidence(y.status) ? x_shard : -1;
        }
        y.consequences = consequences;
      }
    }
    for (const auto& [name, t] : r.profile_timings) {
      ProfileTimings& mt = m.profile_timings[name];
      mt.seconds += t.seconds;
      if (t.first_counterexample_seconds >= 0 &&
          (mt.first_counterexample_seconds < 0 ||
           t.first_counterexample_seconds < mt.first_counterexample_seconds))
        mt.first_counterexample_seconds = t.first_counterexample_seconds;
    }
  }
  return m;
}

}  // namespace mmcheck::traces

namespace mmcheck::traces {

namespace {

bool Failing(ResultStatus s) {
  return s == ResultStatus::kUnexpected || s == ResultStatus::kMissing;
}

}  // namespace

RunComparison CompareRuns(const Report& now, const Report& before) {
  std::map<std::pair<std::string, std::string>, ResultStatus> earlier;
  std::set<std::string> profiles_now;
  for (const ProfileReport& p : before.profiles)
    for (const PropertyResult& r : p.results) earlier[{p.name, r.property}] = r.status;
  RunComparison c;
  for (const ProfileReport& p : now.profiles) {
    profiles_now.insert(p.name);
    for (const PropertyResult& r : p.results) {
      auto it = earlier.find({p.name, r.property});
      const bool was = it != earlier.end() && Failing(it->second);
      const std::string before_name =
          it == earlier.end() ? "absent" : std::string(StatusName(it->second));
      RunComparison::Row row{p.name, r.property, std::string(StatusName(r.status)), before_name};
      if (Failing(r.status))
        (was ? c.still : c.news).push_back(row);
      else if (was)
        c.fixed.push_back(row);
    }
  }
  std::set<std::string> gone;
  for (const ProfileReport& p : before.profiles)
    if (!profiles_now.count(p.name)) gone.insert(p.name);
  c.gone.assign(gone.begin(), gone.end());
  return c;
}

std::string RenderComparison(const RunComparison& c, const std::string& now_name,
                             const std::string& before_name, bool wide) {
  std::string s = fmt::format("{} since {}:\n", now_name, before_name);
  s += fmt::format("{} new, {} fixed, {} still failing\n", c.news.size(), c.fixed.size(),
                   c.still.size());
  auto rows = [&](const char* label, const std::vector<RunComparison::Row>& v) {
    for (const RunComparison::Row& r : v) {
      if (wide)
        s += fmt::format("{:<6} {:<32} {:<36} {} (before: {})\n", label, r.profile, r.property,
                         r.now, r.before);
      else
        s += fmt::format("{:<6} {} / {}\n       {} (before: {})\n", label, r.profile, r.property,
                         r.now, r.before);
    }
  };
  rows("new", c.news);
  rows("fixed", c.fixed);
  rows("still", c.still);
  for (const std::string& p : c.gone) s += fmt::format("not run now: {}\n", p);
  return s;
}

nlohmann::ordered_json ComparisonToJson(const RunComparison& c) {
  auto rows = [](const std::vector<RunComparison::Row>& v) {
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (const RunComparison::Row& r : v)
      a.push_back(
          {{"profile", r.profile}, {"property", r.property}, {"now", r.now}, {"before", r.before}});
    return a;
  };
  nlohmann::ordered_json j;
  j["new"] = rows(c.news);
  j["fixed"] = rows(c.fixed);
  j["still_failing"] = rows(c.still);
  j["not_run_now"] = c.gone;
  return j;
}

}  // namespace mmcheck::traces
