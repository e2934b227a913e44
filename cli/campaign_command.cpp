// SPDX-License-Identifier: GPL-2.0
// mmcheck campaign | merge | report | shrink: RapidCheck campaigns over profiles and
// properties, joining shard reports, comparing a run with an earlier one, and minimising a
// failing trace.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "properties/properties.h"
#include "traces/campaign.h"
#include "traces/output_file.h"
#include "traces/report.h"
#include "traces/shrink.h"
#include "traces/trace.h"

namespace mmcheck::cli {
namespace {

namespace fs = std::filesystem;

void CheckFormat(const std::string& format) {
  if (format != "text" && format != "json" && format != "junit")
    throw UsageError(fmt::format("unknown format '{}' (accepted: text, json, junit)", format));
}

// The report on stdout, in the chosen format.
void PrintReport(const traces::Report& r, const std::string& format, const std::string& dir,
                 bool all_rows, bool wide) {
  if (format == "json")
    fmt::print("{}\n", traces::ReportToJson(r).dump(2));
  else if (format == "junit")
    fmt::print("{}", traces::RenderJunit(r));
  else
    fmt::print("{}", traces::RenderText(r, dir, all_rows, wide));
  std::fflush(stdout);
}

std::string FormatSeconds(double s) {
  if (s >= 3600) return fmt::format("{:.1f}h", s / 3600);
  if (s >= 60) return fmt::format("{:.1f}m", s / 60);
  return fmt::format("{:.1f}s", s);
}

// ---------------------------------------------------------------- campaign

struct CampaignArgs {
  std::vector<std::string> profiles, properties, knobs, corpus;
  std::string universe, shard, out = "mmcheck-campaign", format = "text";
  double budget_seconds = 20;
  uint64_t seed = 0;
  bool seed_given = false;
  int jobs = 0;
  int64_t cases = 0;
  bool verbose = false, wide = false;
  bool force = false;
};

// Refuses to replace the report of an earlier run in `dir` unless `force`: a nightly job that
// reuses its directory would otherwise lose the earlier results without a word.
void CheckNoEarlierReport(const std::string& dir, bool force) {
  if (force) return;
  for (const char* name : {"report.json", "report.xml"}) {
    std::error_code ec;
    if (fs::exists(fs::path(dir) / name, ec) || fs::is_symlink(fs::path(dir) / name, ec))
      throw UsageError(fmt::format(
          "--out {}: it holds the report of an earlier run ({}); add --force to replace it (its "
          "traces stay, and a campaign replays them first), or choose another --out",
          dir, name));
  }
}

// Creates --out and checks it can be written before the run starts, and removes the temporary
// files a killed run left there.
std::vector<std::string> PrepareReportDirectory(const std::string& dir, bool force) {
  CheckNoEarlierReport(dir, force);
  try {
    traces::PrepareOutputDirectory(dir);
  } catch (const traces::OutputError& e) {
    throw UsageError(fmt::format("--out: {}", e.what()));
  }
  return traces::RemoveStaleTemporaries(dir);
}

void RunCampaignCommand(CampaignArgs& a, CLI::App* cmd, int* status) {
  CheckFormat(a.format);
  traces::CampaignOptions o;
  o.budget_text = FormatDuration(a.budget_seconds);
  o.budget_seconds = a.budget_seconds;
  if (!a.shard.empty())
    o.shard = traces::ParseShard(a.shard);
  else if (auto env = traces::ShardFromEnvironment())
    o.shard = *env;
  if (const char* f = std::getenv("GTEST_SHARD_STATUS_FILE")) std::ofstream{f};  // we shard
  if (!a.universe.empty()) o.universe = model::ParseUniverse(a.universe);        // else see below
  o.knobs = a.knobs;
  std::vector<std::string> specs = a.profiles;
  if (specs.empty())
    for (const model::Profile& p : model::ProfileSet::Builtin().All()) specs.push_back(p.name);
  for (const std::string& spec : specs) {
    traces::CampaignProfile cp;
    cp.profile = model::ResolveProfile(spec);
    for (const std::string& k : a.knobs) model::ApplyKnobOverride(cp.profile, k);
    cp.trace_profile = model::ProfileSet::Builtin().Find(spec) ? spec : fs::absolute(spec).string();
    bool duplicate = false;
    for (const traces::CampaignProfile& q : o.profiles)
      duplicate |= q.profile.name == cp.profile.name;
    if (!duplicate) o.profiles.push_back(std::move(cp));
  }
  if (a.universe.empty()) {
    // No --universe: the smallest one that reaches every selected profile's
    // expectations.
    std::vector<model::UniverseNeeds> needs;
    for (const traces::CampaignProfile& cp : o.profiles) needs.push_back(cp.profile.needs);
    o.universe = model::UniverseMeeting(needs);
  }
  for (const std::string& name : a.properties) {
    properties::PropertyMask m = properties::MaskOf(name);
    if (!m) throw UsageError(fmt::format("unknown property '{}' (see `mmcheck properties`)", name));
    o.properties |= m;
  }
  o.jobs = a.jobs > 0 ? a.jobs : std::max(1u, std::thread::hardware_concurrency());
  o.cases_per_profile = a.cases;
  o.seed = a.seed_given ? a.seed : std::random_device{}();
  o.out_dir = a.out;
  const std::vector<std::string> stale = PrepareReportDirectory(o.out_dir, a.force);
  o.corpus = traces::LoadCorpus(o.out_dir, a.corpus);  // TraceError: file:line:col

  const bool text = a.format == "text";
  const size_t n = o.profiles.size();
  const int nprops = std::popcount(o.properties ? o.properties : properties::AllProperties());
  if (text) {
    // One fact a line, so that the header fits 75 columns as the table does.
    fmt::print("campaign: {} profiles x {} properties, universe{}:\n  {}\n", n, nprops,
               a.universe.empty() ? " (the profiles' min_universe)" : "", o.universe.ToString());
    if (!o.knobs.empty()) fmt::print("  knobs {}\n", fmt::join(o.knobs, " "));
    fmt::print(
        "  seed {}, budget {} ({} per profile), {} jobs, shard {}/{}\n  out {}\n", o.seed,
        o.budget_text,
        FormatSeconds(n ? o.budget_seconds / static_cast<double>((n + o.jobs - 1) / o.jobs) : 0),
        o.jobs, o.shard.index, o.shard.count, o.out_dir);
    fmt::print("  corpus: {} traces replayed first\n", o.corpus.size());
    if (!stale.empty())
      fmt::print("  removed {} temporary file(s) a killed run left in {}: {}\n", stale.size(),
                 o.out_dir, fmt::join(stale, ", "));
    fmt::print("\n");
    std::fflush(stdout);
  }
  const bool tty = isatty(STDERR_FILENO);
  if (tty)
    o.progress = [](const traces::Progress& p) {
      double rate = p.elapsed_seconds > 0 ? static_cast<double>(p.steps) / p.elapsed_seconds : 0;
      std::fprintf(
          stderr,
          "\r\033[K  %d/%d profiles  %lld steps  %.0f steps/s  %s/%s  found %d  unexpected %d",
          p.profiles_done, p.profiles_total, static_cast<long long>(p.steps), rate,
          FormatSeconds(p.elapsed_seconds).c_str(), FormatSeconds(p.budget_seconds).c_str(),
          p.found, p.unexpected);
      std::fflush(stderr);
    };
  traces::InstallStopHandlers();
  traces::Report r = traces::RunCampaign(o);
  if (tty) std::fprintf(stderr, "\r\033[K");
  PrintReport(r, a.format, o.out_dir, a.verbose, a.wide);
  if (text) {
    traces::Counts c = traces::CountResults(r);
    fmt::print("{:.1f} s, {:.0f} steps/s\nreports: {}/report.json, report.xml\n", r.elapsed_seconds,
               r.elapsed_seconds > 0 ? static_cast<double>(c.steps) / r.elapsed_seconds : 0.0,
               o.out_dir);
  }
  *status = ExitOf(traces::VerdictOf(r));
  if (r.interrupted)
    std::fprintf(stderr, "interrupted: report as of %s in %s\n", r.finished_at.c_str(),
                 o.out_dir.c_str());
}

// ---------------------------------------------------------------- merge

struct MergeArgs {
  std::vector<std::string> inputs;
  std::string out, format = "text";
  bool verbose = false, wide = false;
  bool force = false;
};

void RunMerge(const MergeArgs& a, int* status) {
  CheckFormat(a.format);
  std::vector<traces::Report> reports;
  std::vector<std::string> files, dirs;
  for (const std::string& in : a.inputs) {
    std::string file = fs::is_directory(in) ? (fs::path(in) / "report.json").string() : in;
    reports.push_back(traces::ReadReportFile(file));
    files.push_back(file);
    dirs.push_back(fs::path(file).parent_path().string());
  }
  traces::Report m = traces::MergeReports(reports, files);
  if (!a.out.empty()) {
    PrepareReportDirectory(a.out, a.force);
    std::error_code ec;
    // Bring every trace the merged report names into the output directory,
    // so that it is a corpus of its own.
    for (traces::ProfileReport& p : m.profiles)
      for (traces::PropertyResult& x : p.results) {
        if (x.trace.empty() || x.trace.find('/') != std::string::npos) continue;
        size_t from = 0;
        for (size_t i = 0; i < reports.size(); ++i)
          for (int s : reports[i].shards)
            if (s == x.shard) from = i;
        fs::path src = fs::path(dirs[from].empty() ? "." : dirs[from]) / x.trace;
        fs::path dst = fs::path(a.out) / x.trace;
        if (fs::equivalent(src, dst, ec)) continue;
        std::ifstream in(src, std::ios::binary);
        if (!in)
          throw UsageError(fmt::format("{}: cannot read the trace the report names", src.string()));
        std::stringstream ss;
        ss << in.rdbuf();
        traces::WriteFileAtomically(dst.string(), ss.str());
      }
    m.run_id = traces::NewRunId();
    m.revision = 1;
    traces::WriteFilesAtomically(
        {{(fs::path(a.out) / "report.xml").string(), traces::RenderJunit(m)},
         {(fs::path(a.out) / "report.json").string(), traces::ReportToJson(m).dump(2) + "\n"}});
  }
  if (a.format == "text")
    fmt::print("merged {} reports: shards {} of {}{}\n\n", reports.size(), fmt::join(m.shards, ","),
               m.shard_count, m.complete ? "" : " (incomplete)");
  PrintReport(m, a.format, a.out, a.verbose, a.wide);
  *status = ExitOf(traces::VerdictOf(m));
}

// ---------------------------------------------------------------- shrink

struct ShrinkArgs {
  std::string file, output, property;
  double budget_seconds = 30;
  bool verbose = false;
};

void RunShrink(const ShrinkArgs& a, int* status) {
  traces::ShrinkOptions so;
  so.budget_seconds = a.budget_seconds;
  traces::Trace t = traces::ReadTraceFile(a.file);
  model::Profile p = traces::TraceProfile(t, a.file);
  if (!a.property.empty() && properties::PropertyIndex(a.property) < 0)
    throw UsageError(fmt::format("unknown property '{}' (see `mmcheck properties`)", a.property));
  if (a.verbose)
    so.log = [](const std::string& line) { std::fprintf(stderr, "  %s\n", line.c_str()); };
  if (!a.output.empty()) {
    try {
      traces::CheckOutputFile(a.output);
    } catch (const traces::OutputError& e) {
      throw UsageError(fmt::format("--output: {}", e.what()));
    }
  }
  traces::InstallStopHandlers();
  so.stop = traces::StopRequested;
  traces::TraceShrinkResult r = traces::ShrinkTrace(t, a.file, p, a.property, so);
  std::string text = traces::PrintTrace(r.trace);
  if (a.output.empty())
    fmt::print("{}", text);
  else
    traces::WriteFileAtomically(a.output, text);
  std::fprintf(stderr, "%s: %d -> %d steps (%d candidates tried, %d kept); step %d violates %s%s\n",
               a.file.c_str(), r.stats.original_steps, r.stats.final_steps, r.stats.candidates,
               r.stats.accepted, r.step, r.property.c_str(),
               r.stats.limit_hit ? " (limit reached: may not be minimal)" : "");
  *status = traces::StopRequested() ? kExitInconclusive : kExitOk;
}

}  // namespace

// ---------------------------------------------------------------- report --since

struct ReportArgs {
  std::string now, before, format = "text";
  bool wide = false;
};

// DIR/report.json, or the file itself.
std::string ReportPath(const std::string& p) {
  std::error_code ec;
  return fs::is_directory(p, ec) ? (fs::path(p) / "report.json").string() : p;
}

void RunReport(const ReportArgs& a, int* status) {
  if (a.format != "text" && a.format != "json")
    throw UsageError(fmt::format("unknown format '{}' (accepted: text, json)", a.format));
  const traces::Report now = traces::ReadReportFile(ReportPath(a.now));
  const traces::Report before = traces::ReadReportFile(ReportPath(a.before));
  const traces::RunComparison c = traces::CompareRuns(now, before);
  if (a.format == "json")
    fmt::print("{}\n", traces::ComparisonToJson(c).dump(2));
  else
    fmt::print("{}", traces::RenderComparison(c, a.now, a.before, a.wide));
  *status = c.news.empty() ? kExitOk : kExitUnexpected;
}

ExitStatus ExitOf(traces::Verdict v) {
  switch (v) {
    case traces::Verdict::kAsExpected:
      return kExitOk;
    case traces::Verdict::kUnexpected:
      return kExitUnexpected;
    case traces::Verdict::kInconclusive:
      return kExitInconclusive;
  }
  return kExitInconclusive;
}

void AddCampaignCommands(CLI::App& app, int* status) {
  static CampaignArgs c;
  auto* campaign = app.add_subcommand(
      "campaign",
      "RapidCheck campaign: random operation sequences on every profile, every property checked "
      "after every step; counterexamples shrunk and written as .mmtrace files");
  campaign->add_option("--profile", c.profiles,
                       "profile name or .toml file (repeatable; default: every built-in profile)");
  campaign->add_option("--property", c.properties,
                       "check and report only this property (repeatable; default: all)");
  AddKnobOption(campaign, &c.knobs, "every profile");
  campaign->add_option("--universe", c.universe,
                       "mms=2,pages=4,... (default: the smallest universe that reaches every "
                       "selected profile's expectations, from the profiles' min_universe)");
  AddBudgetOption(campaign, &c.budget_seconds,
                  "total time, split across profiles: 500ms, 30s, 10m, 2h (a plain number is "
                  "seconds)")
      ->default_str("20s");
  auto* seed =
      campaign
          ->add_option("--seed", c.seed,
                       "base seed, 0..18446744073709551615 (default: a fresh one, printed)")
          ->check(WholeNumber(0, UINT64_MAX));
  AddJobsOption(campaign, &c.jobs, JobsAre::kProcesses, "(default: one per core)", 1024);
  campaign->add_option(
      "--shard", c.shard,
      "I/N: this shard's disjoint seeds (default: GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS, else 0/1)");
  AddOutOption(campaign, &c.out,
               "directory for traces and report.json/report.xml; its traces are the corpus")
      ->capture_default_str();
  campaign->add_flag("--force", c.force,
                     "replace the report of an earlier run in --out (refused without it)");
  campaign->add_option("--corpus", c.corpus,
                       "more corpus traces: a .mmtrace file or a directory (repeatable)");
  campaign
      ->add_option("--cases", c.cases, "at most this many random cases per profile (0: no limit)")
      ->check(WholeNumber(0, INT64_MAX, "0 = no limit"));
  campaign->add_option("--format", c.format, "stdout: text, json or junit")->capture_default_str();
  AddVerboseFlag(campaign, &c.verbose, "list clean properties too");
  campaign->add_flag("--wide", c.wide, "one line a row (text; default: 75 columns, for mail)");
  campaign->callback([campaign, seed, status] {
    c.seed_given = seed->count() > 0;
    RunCampaignCommand(c, campaign, status);
  });

  static MergeArgs m;
  auto* merge = app.add_subcommand("merge", "Join the reports of campaign shards into one");
  merge->add_option("reports", m.inputs, "shard output directories or report.json files")
      ->required();
  AddOutOption(merge, &m.out, "write the merged report.json/report.xml and the traces here");
  merge->add_flag("--force", m.force,
                  "replace the report of an earlier run in --out (refused without it)");
  merge->add_option("--format", m.format, "stdout: text, json or junit")->capture_default_str();
  AddVerboseFlag(merge, &m.verbose, "list clean properties too");
  merge->add_flag("--wide", m.wide, "one line a row (text; default: 75 columns, for mail)");
  merge->callback([status] { RunMerge(m, status); });

  static ReportArgs rep;
  auto* report = app.add_subcommand(
      "report",
      "Compare a campaign's report with an earlier one: what is new, fixed, still "
      "failing (exit 1 when something new fails)");
  report->add_option("report", rep.now, "the run: its --out directory or report.json")->required();
  report->add_option("--since", rep.before, "the earlier run: its directory or report.json")
      ->required();
  report->add_option("--format", rep.format, "text or json")->capture_default_str();
  report->add_flag("--wide", rep.wide, "one line a row (text)");
  report->callback([status] { RunReport(rep, status); });

  static ShrinkArgs s;
  auto* shrink = app.add_subcommand(
      "shrink", "Minimise a failing trace: delete steps, simplify arguments, keep the violation");
  shrink->add_option("file", s.file, "the .mmtrace file")->required();
  AddOutOption(shrink, &s.output, "write the shrunk trace here (default: stdout)", "--output");
  shrink->add_option(
      "--property", s.property,
      "the property to keep violated (default: the trace's expect line, else the first violated)");
  AddBudgetOption(shrink, &s.budget_seconds,
                  "time limit: 500ms, 30s, 10m, 2h (a plain number is seconds)")
      ->default_str("30s");
  AddVerboseFlag(shrink, &s.verbose, "log every candidate tried");
  shrink->callback([status] { RunShrink(s, status); });
}

}  // namespace mmcheck::cli
