// SPDX-License-Identifier: GPL-2.0
// mmcheck explore --bench: the devexcl-core benchmark machine (bench/devexcl-core.md).
//
//   mmcheck explore --bench devexcl-core-L --sem new --jobs 2
//
// explores the machine exhaustively and compares every verdict with spec §6, whose expected
// verdicts are data (bench/devexcl/expected.toml). By default the search stops at the end of the
// BFS level of the first violation (kBenchStopsAtViolation); OLD's full counts need --no-stop.
//
// Exit status: 0 all as expected, 1 a verdict differs (or a sanity invariant failed: a bug in
// the machine), 2 bad usage, 3 a limit stopped the search (figures are partial).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "bench/devexcl/devexcl_core.h"
#include "bench/devexcl/expected_verdicts.h"
#include "cli/commands.h"
#include "cli/explore_common.h"
#include "solver/explicit/explorer.h"
#include "solver/explicit/liveness.h"
#include "util/json_report.h"

namespace mmcheck::cli::explore {
namespace {

using bench::DevexclBenchByName;
using bench::DevexclBenchNames;
using bench::DevexclCoreModel;
using bench::DevexclSemantics;
using solver::explicit_state::CheckLivenessAll;
using solver::explicit_state::Counterexample;
using solver::explicit_state::ExplorationResult;
using solver::explicit_state::ExplorationStatus;
using solver::explicit_state::Explorer;
using solver::explicit_state::ExplorerOptions;
using solver::explicit_state::LivenessOptions;
using solver::explicit_state::LivenessResult;
using solver::explicit_state::LivenessVerdict;
using solver::explicit_state::LivenessVerdictName;
using solver::explicit_state::PropertyInfo;

// The verdict of one safety property as this run saw it.
struct SafetyVerdict {
  const PropertyInfo* info = nullptr;
  const Counterexample* counterexample = nullptr;  // owned by one of the results
  bool checked_to_the_end = false;  // no counterexample and the search reached every state
  std::string note;                 // e.g. "P1 not asserted"
};

// Everything one `mmcheck explore --bench` run found, for printing and for the exit status.
struct ExploreReport {
  std::string bench;
  DevexclSemantics semantics = DevexclSemantics::kNew;
  ExplorationResult main;                  // all properties asserted
  std::optional<ExplorationResult> no_p1;  // OLD, stopping mode: P3 searched with P1 unasserted
  std::vector<SafetyVerdict> safety;
  std::vector<LivenessResult> liveness;
  double liveness_seconds = 0;
  std::vector<std::string> mismatches;  // verdicts that differ from spec §6 (expected.toml)
  std::vector<std::string> notes;       // files written, skipped steps
  int exit_status = kExitOk;
};

// Compares every verdict with the expected ones of spec §6 (bench/devexcl/expected.toml).
void CompareWithSpec(ExploreReport* report) {
  const bench::ExpectedVerdicts expected = bench::DevexclExpectedVerdicts(report->semantics);
  for (const SafetyVerdict& verdict : report->safety) {
    const PropertyInfo& info = *verdict.info;
    const bench::ExpectedViolation* wanted = nullptr;
    for (const bench::ExpectedViolation& e : expected.violations) {
      if (info.label == e.label) wanted = &e;
    }
    if (verdict.counterexample != nullptr) {
      if (info.sanity) {
        report->mismatches.push_back(info.label + " " + info.name +
                                     " failed: a bug in the devexcl-core implementation (" +
                                     JoinOps(verdict.counterexample->op_names) + ")");
      } else if (wanted == nullptr) {
        report->mismatches.push_back(info.label + " " + info.name +
                                     " is violated; spec §6 expects it to hold");
      } else if (verdict.counterexample->op_names != wanted->ops) {
        report->mismatches.push_back(info.label + " shortest counterexample is " +
                                     JoinOps(verdict.counterexample->op_names) +
                                     "; spec §6 expects " + JoinOps(wanted->ops));
      }
    } else if (wanted != nullptr) {
      report->mismatches.push_back(info.label + " " + info.name +
                                   " was not found violated; spec §6 expects a violation");
    }
  }
  // A complete run's counts against the reference counts of spec §7 (those expected.toml gives).
  const ExplorationResult& r = report->main;
  if (r.status == ExplorationStatus::kComplete) {
    const bench::ExpectedCounts counts =
        bench::DevexclExpectedCounts(report->bench, report->semantics);
    auto compare = [&](const char* what, const std::optional<std::uint64_t>& want,
                       std::uint64_t got) {
      if (want && *want != got) {
        report->mismatches.push_back(std::string(what) + " " + std::to_string(got) +
                                     "; spec §7 counts " + std::to_string(*want));
      }
    };
    compare("states", counts.states, r.states);
    compare("edges", counts.edges, r.edges);
    compare("self-loops", counts.self_loops, r.self_loops);
    compare("diameter", counts.diameter, r.diameter);
  }
  const bool expect_violated = expected.liveness_violated;
  for (const LivenessResult& result : report->liveness) {
    if (result.verdict == LivenessVerdict::kNotChecked) continue;
    if ((result.verdict == LivenessVerdict::kViolated) != expect_violated) {
      report->mismatches.push_back(result.property + " " + LivenessVerdictName(result.verdict) +
                                   "; expected " + (expect_violated ? "violated" : "holds"));
    }
  }
}

void PrintText(const ExploreReport& report) {
  const ExplorationResult& r = report.main;
  std::printf("mmcheck explore: %s, SEM=%s (bench/devexcl-core.md v1), %d job%s\n",
              report.bench.c_str(), report.semantics == DevexclSemantics::kOld ? "OLD" : "NEW",
              r.jobs, r.jobs == 1 ? "" : "s");
  PrintSearchText(r,
                  " (at the end of the BFS level of the first violation; --no-stop explores "
                  "everything)");
  std::printf("safety (spec §6)\n");
  for (const SafetyVerdict& verdict : report.safety) {
    std::string line = verdict.info->label + " " + verdict.info->name;
    line.resize(std::max<std::size_t>(line.size(), 30), ' ');
    if (verdict.counterexample != nullptr) {
      const std::size_t n = verdict.counterexample->op_names.size();
      std::printf("  %s VIOLATED%s, shortest counterexample %zu op%s: %s\n", line.c_str(),
                  verdict.note.empty() ? "" : (" (" + verdict.note + ")").c_str(), n,
                  n == 1 ? "" : "s", JoinOps(verdict.counterexample->op_names).c_str());
    } else {
      std::printf("  %s %s\n", line.c_str(),
                  verdict.checked_to_the_end ? "holds" : "not violated before the stop");
    }
  }
  std::printf("liveness (AG EF, only migrate and device_release running)\n");
  if (report.liveness.empty()) std::printf("  not checked: the search did not complete\n");
  PrintLivenessText(report.liveness, {}, report.liveness_seconds);
  const bool old = report.semantics == DevexclSemantics::kOld;
  PrintVerdictText(r, report.exit_status, report.notes, report.mismatches,
                   std::string("spec §6: ") +
                       (report.liveness.empty()
                            ? (old ? "OLD violates P1 and P3; liveness needs --no-stop"
                                   : "NEW satisfies every property checked")
                            : (old ? "OLD violates P1, P3 and offline progress, and nothing else"
                                   : "NEW satisfies every property")));
}

// The report as JSON (format "mmcheck-explore-bench", version 1).
nlohmann::ordered_json ReportJson(const ExploreReport& report) {
  nlohmann::ordered_json j = util::ReportEnvelope("mmcheck-explore-bench", 1);
  j["bench"] = report.bench;
  j["semantics"] = report.semantics == DevexclSemantics::kOld ? "old" : "new";
  AddSearchJson(&j, report.main);
  nlohmann::ordered_json safety = nlohmann::ordered_json::array();
  for (const SafetyVerdict& verdict : report.safety) {
    nlohmann::ordered_json entry;
    entry["label"] = verdict.info->label;
    entry["name"] = verdict.info->name;
    entry["sanity"] = verdict.info->sanity;
    entry["verdict"] = verdict.counterexample != nullptr ? "violated"
                       : verdict.checked_to_the_end      ? "holds"
                                                         : "unknown";
    entry["note"] = verdict.note;
    entry["counterexample"] = verdict.counterexample != nullptr ? verdict.counterexample->op_names
                                                                : std::vector<std::string>{};
    safety.push_back(std::move(entry));
  }
  j["safety"] = std::move(safety);
  AddLivenessJson(&j, report.liveness, {});
  AddVerdictJson(&j, report.liveness_seconds, report.exit_status, report.mismatches, report.notes);
  return j;
}

}  // namespace

int RunBenchExploration(const BenchFlags& flags, const SearchFlags& search) {
  ExploreReport report;
  report.bench = flags.bench;
  if (flags.semantics == "old") {
    report.semantics = DevexclSemantics::kOld;
  } else if (flags.semantics == "new") {
    report.semantics = DevexclSemantics::kNew;
  } else {
    throw UsageError("unknown --sem '" + flags.semantics + "'; accepted: old, new");
  }
  const std::optional<bench::DevexclUniverse> universe =
      DevexclBenchByName(flags.bench, report.semantics);
  if (!universe) {
    throw UsageError("unknown --bench '" + flags.bench + "'; accepted: " + DevexclBenchNames());
  }
  CheckFormat(search);
  CheckOutputs(search, "");

  const DevexclCoreModel model(*universe);
  ExplorerOptions options = SearchOptions(search, kBenchStopsAtViolation);
  options.liveness_marks = true;  // the offline-progress goals, marked during the search
  Explorer<DevexclCoreModel> explorer(model, options);
  report.main = Search(search, model, options, explorer, &report.notes);

  // OLD, stopping at violations: P1 stops the search at level 1, so P3 is searched again with
  // P1 not asserted (spec §6). With --no-stop one search already found both.
  const std::uint64_t p1 = model.PropertyMask({"P1"});
  std::optional<Explorer<DevexclCoreModel>> without_p1;
  if (report.main.status == ExplorationStatus::kStoppedAtViolation &&
      report.main.Violation("P1") != nullptr && report.main.Violation("P3") == nullptr) {
    ExplorerOptions second = options;
    second.asserted_properties &= ~p1;
    without_p1.emplace(model, second);
    report.no_p1 = Search(search, model, second, *without_p1, &report.notes);
  }
  for (const PropertyInfo& info : model.Properties()) {
    SafetyVerdict verdict;
    verdict.info = &info;
    verdict.counterexample = report.main.Violation(info.label);
    verdict.checked_to_the_end = report.main.status == ExplorationStatus::kComplete;
    if (verdict.counterexample == nullptr && report.no_p1) {
      verdict.counterexample = report.no_p1->Violation(info.label);
      if (verdict.counterexample != nullptr) verdict.note = "P1 not asserted";
    }
    report.safety.push_back(verdict);
  }

  if (report.main.status == ExplorationStatus::kComplete && search.mpi) {
    for (const auto& property : model.LivenessProperties()) {
      report.liveness.emplace_back();
      report.liveness.back().property = property.name;
      report.liveness.back().reason = "--mpi (AG EF needs the whole graph in one process)";
    }
  } else if (report.main.status == ExplorationStatus::kComplete) {
    LivenessOptions liveness_options;
    liveness_options.max_memory_bytes = options.max_memory_bytes;
    liveness_options.jobs = options.jobs;
    report.liveness = CheckLivenessAll(explorer, model.LivenessProperties(), liveness_options);
    for (const LivenessResult& result : report.liveness) {
      report.liveness_seconds += result.seconds;
    }
  }

  std::vector<std::pair<std::string, std::vector<int>>> paths;
  for (const SafetyVerdict& verdict : report.safety) {
    if (verdict.counterexample != nullptr) {
      paths.emplace_back(verdict.info->label, verdict.counterexample->ops);
    }
  }
  for (const LivenessResult& result : report.liveness) {
    if (result.verdict != LivenessVerdict::kViolated) continue;
    std::vector<int> lasso;
    for (const std::string& name : result.stem) lasso.push_back(model.OpIndex(name));
    for (const std::string& name : result.cycle) lasso.push_back(model.OpIndex(name));
    paths.emplace_back(result.property, lasso);
  }
  WriteGraphOutputs(search, explorer, report.main.status == ExplorationStatus::kComplete, paths,
                    &report.notes);

  CompareWithSpec(&report);
  report.exit_status =
      ExitStatus(report.main.status == ExplorationStatus::kLimitReached ||
                     (report.no_p1 && report.no_p1->status == ExplorationStatus::kLimitReached),
                 report.mismatches);
  if (PrintsReport(search)) {  // with --mpi, rank 0 alone
    if (search.format == "json") {
      std::fputs(util::DumpReport(ReportJson(report)).c_str(), stdout);
    } else {
      PrintText(report);
    }
  }
  return report.exit_status;
}

void AddBenchOptions(CLI::App* explore, BenchFlags* flags) {
  explore->add_option(
      "--bench", flags->bench,
      "Benchmark machine: devexcl-core, devexcl-core-L or devexcl-core-XL (bench/devexcl-core.md)");
  explore->add_option("--sem", flags->semantics,
                      "Semantics: old (before the 6.15 device-exclusive fixes) or new");
}

}  // namespace mmcheck::cli::explore
