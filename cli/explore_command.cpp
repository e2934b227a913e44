// SPDX-License-Identifier: GPL-2.0
// mmcheck explore: exhaustive breadth-first exploration (solver/explicit, DESIGN.md §2.3).
//
// Two machines:
//
//   mmcheck explore --profile linux-6.14 --universe mms=2,pages=2,folios=3,swap=2 --out cx/
//
// explores the main model (model::World and the operation table, solver/explicit/main_model.h)
// on a profile: states, edges, BFS depth, rate, bytes/state, peak memory, every property's
// verdict with its shortest counterexample written as a .mmtrace into --out, and the AG EF
// liveness verdicts (memory offline / reclaim can empty every frame) with their lassos. Verdicts
// are compared with the profile's expected violations.
//
//   mmcheck explore --bench devexcl-core-L --sem new --jobs 2
//
// explores the devexcl-core benchmark machine (the devexcl-core spec shared with SPIN
// (bench/devexcl-core-vs-main-model.md)) and compares every verdict with the spec's §6.
//
// Exit status: 0 all as expected, 1 a verdict differs (or a sanity invariant failed: a model
// bug), 2 bad usage, 3 a limit stopped the search (figures are partial).
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/options.h"
#include "solver/explicit/devexcl_core.h"
#include "solver/explicit/explorer.h"
#include "solver/explicit/graph_output.h"
#include "solver/explicit/liveness.h"
#include "solver/explicit/main_model.h"
#ifdef MMCHECK_HAVE_MPI
#include "solver/explicit/distributed_explorer.h"
#endif
#include "traces/output_file.h"
#include "traces/replay.h"
#include "traces/trace.h"
#include "util/process_memory.h"
#include "util/text.h"

namespace mmcheck::cli {
namespace {

using solver::explicit_state::Counterexample;
using solver::explicit_state::DevexclBenchByName;
using solver::explicit_state::DevexclBenchNames;
using solver::explicit_state::DevexclCoreModel;
using solver::explicit_state::DevexclSemantics;
using solver::explicit_state::ExplorationResult;
using solver::explicit_state::ExplorationStatus;
using solver::explicit_state::ExplorationStatusName;
using solver::explicit_state::Explorer;
using solver::explicit_state::ExplorerOptions;
using solver::explicit_state::LivenessOptions;
using solver::explicit_state::LivenessResult;
using solver::explicit_state::LivenessVerdict;
using solver::explicit_state::LivenessVerdictName;
using solver::explicit_state::PropertyInfo;
using traces::WriteFileAtomically;
using util::EscapeQuoted;
using util::JsonStrings;
using util::WithCommas;

struct ExploreFlags {
  std::string bench;
  std::string semantics;
  int jobs = 1;
  std::uint64_t max_states = 0;
  double max_memory_mb = -1;  // -1: not given, half of physical memory
  double budget_seconds = 0;  // 0: not given, no limit
  std::string dump_states;
  std::string dot;
  std::uint64_t dot_max_states = 2000;
  bool no_stop = false;
  std::string format = "text";
  // The main model.
  std::string profile;
  std::vector<std::string> knobs;
  std::string universe;
  std::vector<std::string> properties;
  std::string symmetry = "off";  // --symmetry GROUPS ("" when given bare: swap slots)
  int values = 2;
  std::string out_dir;
  std::vector<std::string> only_ops;
  std::vector<std::string> without_ops;
  std::vector<std::string> restrictions;
  std::string alphabet;
  std::string liveness = "offline,reclaim";
  bool stop = false;
  bool mpi = false;  // --mpi: the distributed search (solver/explicit/distributed_explorer.h)
};

// The verdict of one safety property as this run saw it.
struct SafetyVerdict {
  const PropertyInfo* info = nullptr;
  const Counterexample* counterexample = nullptr;  // owned by one of the results
  bool checked_to_the_end = false;  // no counterexample and the search reached every state
  std::string note;                 // e.g. "P1 not asserted"
};

// Spec §6, as data: what each semantics is expected to show.
struct ExpectedViolation {
  const char* label;
  std::vector<std::string> ops;
};

std::vector<ExpectedViolation> ExpectedViolations(DevexclSemantics semantics) {
  if (semantics == DevexclSemantics::kNew) return {};
  return {{"P1", {"make_device_exclusive(mm0,va0)"}},
          {"P3", {"make_device_exclusive(mm0,va0)", "device_release(f0)", "reclaim(f0)"}}};
}

// The default memory limit: a search that would need more stops cleanly (exit 3) instead of
// being killed by the OOM killer.
std::uint64_t HalfOfPhysicalMemory() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size) / 2;
}

// The memory limit in bytes: --max-memory, or half of physical memory when it is not given.
std::uint64_t MaxMemoryBytes(const ExploreFlags& flags) {
  if (flags.max_memory_mb < 0) return HalfOfPhysicalMemory();
  return static_cast<std::uint64_t>(flags.max_memory_mb * 1e6);
}

// Checks before the search that every output can be written: a long run's results must not be
// lost at its end. `main_model`: --out applies.
void CheckOutputs(const ExploreFlags& flags, bool main_model) {
  auto check = [](const char* option, const std::function<void()>& f) {
    try {
      f();
    } catch (const traces::OutputError& e) {
      throw UsageError(std::string(option) + ": " + e.what());
    }
  };
  if (main_model && !flags.out_dir.empty())
    check("--out", [&] { traces::PrepareOutputDirectory(flags.out_dir); });
  if (!flags.dump_states.empty())
    check("--dump-states", [&] { traces::CheckOutputFile(flags.dump_states); });
  if (!flags.dot.empty()) check("--dot", [&] { traces::CheckOutputFile(flags.dot); });
}

std::string Fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, value);
  return buffer;
}

std::string JoinOps(const std::vector<std::string>& ops) {
  std::string out;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (i != 0) out += "; ";
    out += ops[i];
  }
  return out;
}

// Runs the search: in this process, or with --mpi on every rank of the MPI job (the result is
// the same on every rank), noting what the distribution cost.
template <typename Model>
ExplorationResult Search(const ExploreFlags& flags, const Model& model,
                         const ExplorerOptions& options, Explorer<Model>& explorer,
                         std::vector<std::string>* notes) {
  if (!flags.mpi) return explorer.Run();
#ifdef MMCHECK_HAVE_MPI
  solver::explicit_state::DistributedExplorer<Model> distributed(
      model, options, solver::explicit_state::RankGroup::World());
  ExplorationResult result = distributed.Run();
  const solver::explicit_state::DistributedStats& s = distributed.stats();
  const double states = static_cast<double>(std::max<std::uint64_t>(result.states, 1));
  notes->push_back("mpi: " + std::to_string(s.ranks) + " ranks, " + WithCommas(s.bytes_sent) +
                   " bytes sent (" + Fixed(static_cast<double>(s.bytes_sent) / states, 1) +
                   " bytes/state), " + WithCommas(s.records_sent) + " successors sent, " +
                   WithCommas(s.records_cached) + " not sent (sent before), " +
                   WithCommas(s.rounds) + " rounds, fullest rank " + WithCommas(s.max_rank_states) +
                   " states, largest rank peak " +
                   Fixed(static_cast<double>(s.max_rank_peak_rss_bytes) / 1e6, 1) + " MB");
  return result;
#else
  throw UsageError("--mpi: this mmcheck was built without MPI (libopenmpi-dev, MMCHECK_MPI)");
#endif
}

// Whether this process prints the report: with --mpi only rank 0 does.
bool PrintsReport(const ExploreFlags& flags) {
#ifdef MMCHECK_HAVE_MPI
  return !flags.mpi || solver::explicit_state::RankGroup::World().rank() == 0;
#else
  return true;
#endif
}

// --- Report pieces shared by the benchmark and main-model reports. ---

// The search figures, text: status, states, edges, diameter, time. `stop_note` follows the
// status when the search stopped at a violation.
void PrintSearchText(const ExplorationResult& r, const char* stop_note) {
  std::printf("  search       %s%s%s\n", ExplorationStatusName(r.status),
              r.status == ExplorationStatus::kLimitReached ? (": " + r.limit).c_str() : "",
              r.status == ExplorationStatus::kStoppedAtViolation ? stop_note : "");
  const char* partial = r.status == ExplorationStatus::kComplete ? "" : " (partial)";
  std::printf("  states       %s%s\n", WithCommas(r.states).c_str(), partial);
  std::printf("  edges        %s, self-loops %s%s\n", WithCommas(r.edges).c_str(),
              WithCommas(r.self_loops).c_str(), partial);
  std::printf("  diameter     %u BFS levels%s\n", r.diameter, partial);
  std::string levels;
  for (std::uint64_t size : r.level_sizes) levels += (levels.empty() ? "" : " ") + WithCommas(size);
  std::printf("  per level    %s%s\n", levels.c_str(), partial);
  std::printf(
      "  time         %s s (expand %s s, number %s s), %s states/s, %s bytes/state (tables)\n",
      Fixed(r.seconds, 3).c_str(), Fixed(r.expand_seconds, 3).c_str(),
      Fixed(r.number_seconds, 3).c_str(),
      WithCommas(static_cast<std::uint64_t>(r.states_per_second)).c_str(),
      Fixed(r.bytes_per_state, 1).c_str());
}

// The liveness verdicts, text, one line each (then the time); `trace_paths` is empty or holds
// a written lasso trace per result ("" for none).
void PrintLivenessText(const std::vector<LivenessResult>& liveness,
                       const std::vector<std::string>& trace_paths, double seconds) {
  for (std::size_t i = 0; i < liveness.size(); ++i) {
    const LivenessResult& l = liveness[i];
    const std::string trace = i < trace_paths.size() ? trace_paths[i] : "";
    std::string line = l.property;
    line.resize(std::max<std::size_t>(line.size(), 30), ' ');
    if (l.verdict == LivenessVerdict::kNotChecked) {
      std::printf("  %s not checked: %s\n", line.c_str(), l.reason.c_str());
    } else if (l.verdict == LivenessVerdict::kHolds) {
      std::printf("  %s holds\n", line.c_str());
    } else {
      std::printf("  %s VIOLATED in %s states; stem (%zu): %s | cycle (%zu): %s%s%s\n",
                  line.c_str(), WithCommas(l.failing_states).c_str(), l.stem.size(),
                  JoinOps(l.stem).c_str(), l.cycle.size(),
                  l.deadlock ? "(no allowed op enabled)" : JoinOps(l.cycle).c_str(),
                  trace.empty() ? "" : " -> ", trace.c_str());
    }
  }
  std::printf("  time         %s s\n", Fixed(seconds, 3).c_str());
}

// Peak memory, notes and the verdict, text. `as_expected` says what "as expected" means.
void PrintVerdictText(const ExplorationResult& r, int exit_status,
                      const std::vector<std::string>& notes,
                      const std::vector<std::string>& mismatches, const std::string& as_expected,
                      const std::string& inconclusive_why = "") {
  std::printf("memory         peak %s MB (VmHWM, whole run)\n",
              Fixed(static_cast<double>(util::PeakRssBytes()) / 1e6, 1).c_str());
  for (const std::string& note : notes) std::printf("note           %s\n", note.c_str());
  if (exit_status == kExitInconclusive && !inconclusive_why.empty()) {
    std::printf("verdict        INCONCLUSIVE: %s\n", inconclusive_why.c_str());
  } else if (exit_status == kExitInconclusive) {
    std::printf("verdict        INCONCLUSIVE: the %s limit stopped the search\n", r.limit.c_str());
  } else if (mismatches.empty()) {
    std::printf("verdict        as expected (%s)\n", as_expected.c_str());
  } else {
    std::printf("verdict        UNEXPECTED\n");
    for (const std::string& mismatch : mismatches) std::printf("  %s\n", mismatch.c_str());
  }
}

// The search figures, JSON members from "jobs" to "peak_rss_bytes", each line ending ",\n".
void WriteSearchJson(std::ostream& out, const ExplorationResult& r) {
  out << "  \"jobs\": " << r.jobs << ",\n  \"status\": \"" << ExplorationStatusName(r.status)
      << "\",\n  \"limit\": \"" << EscapeQuoted(r.limit) << "\",\n  \"states\": " << r.states
      << ",\n  \"edges\": " << r.edges << ",\n  \"self_loops\": " << r.self_loops
      << ",\n  \"diameter\": " << r.diameter << ",\n  \"level_sizes\": [";
  for (std::size_t i = 0; i < r.level_sizes.size(); ++i)
    out << (i == 0 ? "" : ", ") << r.level_sizes[i];
  out << "],\n  \"seconds\": " << Fixed(r.seconds, 6)
      << ",\n  \"expand_seconds\": " << Fixed(r.expand_seconds, 6)
      << ",\n  \"number_seconds\": " << Fixed(r.number_seconds, 6)
      << ",\n  \"states_per_second\": " << Fixed(r.states_per_second, 0)
      << ",\n  \"bytes_per_state\": " << Fixed(r.bytes_per_state, 2)
      << ",\n  \"peak_rss_bytes\": " << util::PeakRssBytes() << ",\n";
}

// The "liveness" array, JSON, with each result's lasso trace when `trace_paths` has one.
void WriteLivenessJson(std::ostream& out, const std::vector<LivenessResult>& liveness,
                       const std::vector<std::string>& trace_paths) {
  out << "  \"liveness\": [";
  for (std::size_t i = 0; i < liveness.size(); ++i) {
    const LivenessResult& l = liveness[i];
    out << (i == 0 ? "\n" : ",\n") << "    {\"name\": \"" << l.property << "\", \"verdict\": \""
        << LivenessVerdictName(l.verdict) << "\", \"reason\": \"" << EscapeQuoted(l.reason)
        << "\", \"failing_states\": " << l.failing_states << ", \"stem\": " << JsonStrings(l.stem)
        << ", \"cycle\": " << JsonStrings(l.cycle)
        << ", \"deadlock\": " << (l.deadlock ? "true" : "false");
    if (i < trace_paths.size()) out << ", \"trace\": \"" << EscapeQuoted(trace_paths[i]) << "\"";
    out << "}";
  }
  out << "\n  ],\n";
}

// The exit status of a run: inconclusive when a limit stopped a search, unexpected when a verdict
// differs from what the spec or profile expects.
int ExitStatus(bool limit_reached, const std::vector<std::string>& mismatches) {
  if (limit_reached) return kExitInconclusive;
  return mismatches.empty() ? kExitOk : kExitUnexpected;
}

// The closing JSON members, from "liveness_seconds" to "exit_status".
void WriteVerdictJson(std::ostream& out, double liveness_seconds, int exit_status,
                      const std::vector<std::string>& mismatches,
                      const std::vector<std::string>& notes) {
  out << "  \"liveness_seconds\": " << Fixed(liveness_seconds, 6) << ",\n  \"as_expected\": "
      << (mismatches.empty() && exit_status != kExitInconclusive ? "true" : "false")
      << ",\n  \"mismatches\": " << JsonStrings(mismatches)
      << ",\n  \"notes\": " << JsonStrings(notes) << ",\n  \"exit_status\": " << exit_status
      << "\n}\n";
}

// Everything one `mmcheck explore --bench` run found, for printing and for the exit status.
struct ExploreReport {
  std::string bench;
  DevexclSemantics semantics = DevexclSemantics::kNew;
  ExplorationResult main;                  // all properties asserted
  std::optional<ExplorationResult> no_p1;  // OLD, stopping mode: P3 searched with P1 unasserted
  std::vector<SafetyVerdict> safety;
  std::vector<LivenessResult> liveness;
  double liveness_seconds = 0;
  std::vector<std::string> mismatches;  // verdicts that differ from spec §6
  std::vector<std::string> notes;       // files written, skipped steps
  int exit_status = kExitOk;
};

void CompareWithSpec(ExploreReport* report) {
  const std::vector<ExpectedViolation> expected = ExpectedViolations(report->semantics);
  for (const SafetyVerdict& verdict : report->safety) {
    const PropertyInfo& info = *verdict.info;
    const ExpectedViolation* wanted = nullptr;
    for (const ExpectedViolation& e : expected) {
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
  const bool expect_violated = report->semantics == DevexclSemantics::kOld;
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

void PrintJson(const ExploreReport& report) {
  std::ostringstream out;
  out << "{\n  \"bench\": \"" << report.bench << "\",\n  \"semantics\": \""
      << (report.semantics == DevexclSemantics::kOld ? "old" : "new") << "\",\n";
  WriteSearchJson(out, report.main);
  out << "  \"safety\": [";
  for (std::size_t i = 0; i < report.safety.size(); ++i) {
    const SafetyVerdict& verdict = report.safety[i];
    const char* state = verdict.counterexample != nullptr ? "violated"
                        : verdict.checked_to_the_end      ? "holds"
                                                          : "unknown";
    out << (i == 0 ? "\n" : ",\n") << "    {\"label\": \"" << verdict.info->label
        << "\", \"name\": \"" << verdict.info->name
        << "\", \"sanity\": " << (verdict.info->sanity ? "true" : "false") << ", \"verdict\": \""
        << state << "\", \"note\": \"" << EscapeQuoted(verdict.note) << "\", \"counterexample\": "
        << JsonStrings(verdict.counterexample != nullptr ? verdict.counterexample->op_names
                                                         : std::vector<std::string>{})
        << "}";
  }
  out << "\n  ],\n";
  WriteLivenessJson(out, report.liveness, {});
  WriteVerdictJson(out, report.liveness_seconds, report.exit_status, report.mismatches,
                   report.notes);
  std::fputs(out.str().c_str(), stdout);
}

// Runs the benchmark exploration described by `flags` and returns the exit status.
// Writes --dump-states and --dot (the whole state graph when it has at most
// --dot-max-states states, else only `paths`), and notes each file written.
template <typename ExplorerType>
void WriteGraphOutputs(const ExploreFlags& flags, const ExplorerType& explorer, bool complete,
                       const std::vector<std::pair<std::string, std::vector<int>>>& paths,
                       std::vector<std::string>* notes) {
  const char* partial = complete ? "" : " (partial)";
  if (!flags.dump_states.empty()) {
    WriteFileAtomically(flags.dump_states,
                        [&](std::ostream& out) { WriteStateDump(explorer, out); });
    notes->push_back("wrote " + WithCommas(explorer.StateCount()) + " states" + partial + " to " +
                     flags.dump_states);
  }
  if (flags.dot.empty()) return;
  std::ostringstream dot;
  if (explorer.StateCount() <= flags.dot_max_states) {
    WriteDot(explorer, dot, flags.dot_max_states);
    notes->push_back("wrote the state graph" + std::string(partial) + " to " + flags.dot);
  } else {
    WritePathsDot(explorer, dot, paths);
    notes->push_back(WithCommas(explorer.StateCount()) + " states are more than " +
                     "--dot-max-states " + WithCommas(flags.dot_max_states) +
                     "; wrote only the counterexample paths to " + flags.dot);
  }
  WriteFileAtomically(flags.dot, dot.str());
}

int RunBenchExploration(const ExploreFlags& flags) {
  ExploreReport report;
  report.bench = flags.bench;
  if (flags.semantics == "old") {
    report.semantics = DevexclSemantics::kOld;
  } else if (flags.semantics == "new") {
    report.semantics = DevexclSemantics::kNew;
  } else {
    throw UsageError("unknown --sem '" + flags.semantics + "'; accepted: old, new");
  }
  const std::optional<solver::explicit_state::DevexclUniverse> universe =
      DevexclBenchByName(flags.bench, report.semantics);
  if (!universe) {
    throw UsageError("unknown --bench '" + flags.bench + "'; accepted: " + DevexclBenchNames());
  }
  if (flags.format != "text" && flags.format != "json") {
    throw UsageError("unknown --format '" + flags.format + "'; accepted: text, json");
  }
  CheckOutputs(flags, false);

  const DevexclCoreModel model(*universe);
  ExplorerOptions options;
  options.jobs = flags.jobs;
  options.stop_at_violation = !flags.no_stop;
  options.max_states = flags.max_states;
  options.max_memory_bytes = MaxMemoryBytes(flags);
  options.time_budget_seconds = flags.budget_seconds;
  Explorer<DevexclCoreModel> explorer(model, options);
  report.main = Search(flags, model, options, explorer, &report.notes);

  // OLD, stopping at violations: P1 stops the search at level 1, so P3 is searched again with
  // P1 not asserted (spec §6). With --no-stop one search already found both.
  const std::uint64_t p1 = model.PropertyMask({"P1"});
  std::optional<Explorer<DevexclCoreModel>> without_p1;
  if (report.main.status == ExplorationStatus::kStoppedAtViolation &&
      report.main.Violation("P1") != nullptr && report.main.Violation("P3") == nullptr) {
    ExplorerOptions second = options;
    second.asserted_properties &= ~p1;
    without_p1.emplace(model, second);
    report.no_p1 = Search(flags, model, second, *without_p1, &report.notes);
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

  if (report.main.status == ExplorationStatus::kComplete && flags.mpi) {
    for (const auto& property : model.LivenessProperties()) {
      report.liveness.emplace_back();
      report.liveness.back().property = property.name;
      report.liveness.back().reason = "--mpi (AG EF needs the whole graph in one process)";
    }
  } else if (report.main.status == ExplorationStatus::kComplete) {
    LivenessOptions liveness_options;
    liveness_options.max_memory_bytes = options.max_memory_bytes;
    for (const auto& property : model.LivenessProperties()) {
      report.liveness.push_back(CheckLiveness(explorer, property, liveness_options));
      report.liveness_seconds += report.liveness.back().seconds;
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
  WriteGraphOutputs(flags, explorer, report.main.status == ExplorationStatus::kComplete, paths,
                    &report.notes);

  CompareWithSpec(&report);
  report.exit_status =
      ExitStatus(report.main.status == ExplorationStatus::kLimitReached ||
                     (report.no_p1 && report.no_p1->status == ExplorationStatus::kLimitReached),
                 report.mismatches);
  if (PrintsReport(flags)) flags.format == "json" ? PrintJson(report) : PrintText(report);
  return report.exit_status;
}

// ---------------------------------------------------------------------------------------------
// The main model.

using solver::explicit_state::CheckSymmetry;
using solver::explicit_state::MainModel;
using solver::explicit_state::MainModelOptions;
using solver::explicit_state::ParseSymmetryGroups;
using solver::explicit_state::SymmetryCheck;

// The universe the main model explores unless --universe says otherwise: 1 mm plus its fork
// child (fork takes the lowest free mm, so mms counts the child), 2 pages (one PMD of order 1),
// 3 folio slots, 2 swap slots, 1 device.
constexpr const char* kDefaultMainUniverse = "mms=2,pages=2,folios=3,swap=2,devices=1,pmd_order=1";

struct MainSafety {
  std::string name;
  bool asserted = false;
  bool advisory = false;
  const Counterexample* counterexample = nullptr;
  std::vector<std::string>
      concrete_ops;  // the trace's steps (differs from the path under symmetry)
  std::string trace_path;
  bool expected = false;  // the profile expects a violation
  // When not expected: the step at which the path first violated an expected property at or
  // before its last step (the violation is a consequence of a known bug), 0 if none.
  int after_expected_step = 0;
};

struct MainReport {
  std::string profile;
  std::string universe;
  std::string symmetry = "off";
  std::optional<SymmetryCheck> symmetry_check;  // run whenever a renaming is on
  int values = 2;
  int op_instances = 0;
  std::size_t encoding_bytes = 0;
  ExplorationResult result;
  std::vector<MainSafety> safety;
  std::vector<LivenessResult> liveness;
  std::vector<std::string> lasso_paths;  // per liveness result, "" if none written
  std::string liveness_note;
  double liveness_seconds = 0;
  std::vector<std::string> mismatches;
  std::vector<std::string> notes;
  int exit_status = kExitOk;
};

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    if (end > pos) out.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

// Writes `t` into `dir` as `file` and returns the path.
std::string WriteTrace(const std::string& dir, const std::string& file, const traces::Trace& t) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error)
    throw std::runtime_error("cannot create --out directory " + dir + ": " + error.message());
  const std::string path = (std::filesystem::path(dir) / file).string();
  traces::WriteFileAtomically(path, traces::PrintTrace(t));
  return path;
}

void PrintMainText(const MainReport& report) {
  const ExplorationResult& r = report.result;
  std::printf("mmcheck explore: profile %s, universe %s, values 1..%d, symmetry %s, %d job%s\n",
              report.profile.c_str(), report.universe.c_str(), report.values,
              report.symmetry.c_str(), r.jobs, r.jobs == 1 ? "" : "s");
  std::printf("  alphabet     %d op instances, %zu bytes/state encoded\n", report.op_instances,
              report.encoding_bytes);
  PrintSearchText(r, " (at the end of the BFS level of the first violation)");
  std::printf("safety (shortest counterexamples, BFS)\n");
  for (const MainSafety& s : report.safety) {
    std::string line = s.name;
    line.resize(std::max<std::size_t>(line.size(), 30), ' ');
    if (!s.asserted) {
      std::printf("  %s not checked%s\n", line.c_str(),
                  s.advisory ? " (advisory; name it with --property)" : "");
    } else if (s.counterexample != nullptr) {
      const std::string standing = s.expected ? "expected"
                                   : s.after_expected_step > 0
                                       ? "a consequence: an expected property broke at step " +
                                             std::to_string(s.after_expected_step)
                                       : "UNEXPECTED";
      std::printf("  %s VIOLATED (%s), %zu ops: %s%s%s\n", line.c_str(), standing.c_str(),
                  s.concrete_ops.size(), JoinOps(s.concrete_ops).c_str(),
                  s.trace_path.empty() ? "" : " -> ", s.trace_path.c_str());
    } else {
      std::printf(
          "  %s %s%s\n", line.c_str(),
          r.status == ExplorationStatus::kComplete ? "holds" : "not violated before the stop",
          s.expected ? " (expected violated; not reachable in this universe)" : "");
    }
  }
  std::printf(
      "liveness (AG EF: only the mover runs; goal: the frame holds no folio it must move)\n");
  if (!report.liveness_note.empty())
    std::printf("  not checked: %s\n", report.liveness_note.c_str());
  PrintLivenessText(report.liveness, report.lasso_paths, report.liveness_seconds);
  std::string inconclusive_why;
  if (report.symmetry != "off" && !report.symmetry_check) {
    std::printf("symmetry       not checked: the search did not complete\n");
  } else if (report.symmetry_check) {
    const SymmetryCheck& c = *report.symmetry_check;
    if (c.renamings == 0) {
      std::printf("symmetry       trivial: these groups have no renaming in this universe\n");
    } else if (c.exact) {
      std::printf(
          "symmetry       exact: each of the %s renamings is a bisimulation on all %s "
          "states (checked in %s s)\n",
          WithCommas(c.renamings).c_str(), WithCommas(c.states).c_str(),
          Fixed(c.seconds, 3).c_str());
    } else {
      std::printf("symmetry       NOT EXACT at state %u: %s\n", c.witness_state, c.witness.c_str());
      inconclusive_why =
          "the symmetry reduction is not exact for this alphabet and universe; "
          "rerun with fewer groups (--symmetry swap) or without --symmetry";
    }
  }
  PrintVerdictText(r, report.exit_status, report.notes, report.mismatches,
                   "profile " + report.profile, inconclusive_why);
}

void PrintMainJson(const MainReport& report) {
  const ExplorationResult& r = report.result;
  std::ostringstream out;
  out << "{\n  \"profile\": \"" << EscapeQuoted(report.profile) << "\",\n  \"universe\": \""
      << report.universe << "\",\n  \"values\": " << report.values << ",\n  \"symmetry\": \""
      << report.symmetry << "\",\n";
  if (report.symmetry_check) {
    const SymmetryCheck& c = *report.symmetry_check;
    out << "  \"symmetry_check\": {\"exact\": " << (c.exact ? "true" : "false")
        << ", \"states\": " << c.states << ", \"renamings\": " << c.renamings
        << ", \"seconds\": " << Fixed(c.seconds, 6) << ", \"witness_state\": " << c.witness_state
        << ", \"witness\": \"" << EscapeQuoted(c.witness) << "\"},\n";
  }
  out << "  \"op_instances\": " << report.op_instances
      << ",\n  \"encoding_bytes\": " << report.encoding_bytes << ",\n";
  WriteSearchJson(out, r);
  out << "  \"safety\": [";
  for (std::size_t i = 0; i < report.safety.size(); ++i) {
    const MainSafety& s = report.safety[i];
    const char* verdict = !s.asserted                                ? "not-checked"
                          : s.counterexample != nullptr              ? "violated"
                          : r.status == ExplorationStatus::kComplete ? "holds"
                                                                     : "unknown";
    out << (i == 0 ? "\n" : ",\n") << "    {\"name\": \"" << s.name << "\", \"verdict\": \""
        << verdict << "\", \"expected_violated\": " << (s.expected ? "true" : "false")
        << ", \"after_expected_step\": " << s.after_expected_step
        << ", \"length\": " << s.concrete_ops.size()
        << ", \"counterexample\": " << JsonStrings(s.concrete_ops) << ", \"trace\": \""
        << EscapeQuoted(s.trace_path) << "\"}";
  }
  out << "\n  ],\n";
  WriteLivenessJson(out, report.liveness, report.lasso_paths);
  out << "  \"liveness_note\": \"" << EscapeQuoted(report.liveness_note) << "\",\n";
  WriteVerdictJson(out, report.liveness_seconds, report.exit_status, report.mismatches,
                   report.notes);
  std::fputs(out.str().c_str(), stdout);
}

// Runs the main-model exploration described by `flags` and returns the exit status.
int RunMainExploration(const ExploreFlags& flags) {
  if (flags.format != "text" && flags.format != "json") {
    throw UsageError("unknown --format '" + flags.format + "'; accepted: text, json");
  }
  if (!flags.semantics.empty()) throw UsageError("--sem applies only to --bench");
  const std::vector<std::string> movers =
      SplitList(flags.liveness.empty() ? "offline,reclaim" : flags.liveness);
  for (const std::string& m : movers) {
    if (m != "offline" && m != "reclaim" && m != "none") {
      throw UsageError("unknown --liveness '" + m + "'; accepted: offline, reclaim, none");
    }
  }

  MainReport report;
  MainModelOptions options;
  try {
    options.profile = model::ResolveProfile(flags.profile);
    for (const std::string& knob : flags.knobs) model::ApplyKnobOverride(options.profile, knob);
    options.universe =
        model::ParseUniverse(flags.universe, model::ParseUniverse(kDefaultMainUniverse));
  } catch (const model::ModelInputError& e) {
    throw UsageError(e.what());
  }
  options.trace_profile = flags.profile;
  options.knob_overrides = flags.knobs;
  options.values = flags.values;
  options.only_ops = flags.only_ops;
  options.without_ops = flags.without_ops;
  options.restrictions = flags.restrictions;
  options.alphabet = flags.alphabet;
  try {
    options.symmetry = ParseSymmetryGroups(flags.symmetry);
  } catch (const model::ModelInputError& e) {
    throw UsageError(e.what());
  }
  std::uint64_t asserted = 0;
  std::optional<MainModel> model_storage;
  try {
    // The mask of the explorer and of properties::CheckStep are the same bits.
    options.checked = properties::HardProperties();
    model_storage.emplace(options);
    asserted = flags.properties.empty() ? model_storage->DefaultAssertedMask()
                                        : model_storage->MaskOf(flags.properties);
    options.checked = static_cast<properties::PropertyMask>(asserted);
    model_storage.emplace(options);
  } catch (const model::ModelInputError& e) {
    throw UsageError(e.what());
  }
  const MainModel& model = *model_storage;
  report.profile = options.profile.name;
  report.universe = options.universe.ToString();
  report.values = options.values;
  report.symmetry = options.symmetry.Describe();
  report.op_instances = model.OpCount();
  report.encoding_bytes = model.EncodingSize();

  CheckOutputs(flags, true);

  ExplorerOptions explorer_options;
  explorer_options.jobs = flags.jobs;
  explorer_options.asserted_properties = asserted;
  explorer_options.stop_at_violation = flags.stop;
  explorer_options.max_states = flags.max_states;
  explorer_options.max_memory_bytes = MaxMemoryBytes(flags);
  explorer_options.time_budget_seconds = flags.budget_seconds;
  Explorer<MainModel> explorer(model, explorer_options);
  report.result = Search(flags, model, explorer_options, explorer, &report.notes);
  const ExplorationResult& r = report.result;
  // The reduced graph stands for the full one only if every renaming is a bisimulation on it.
  // A search cut short by a limit is inconclusive anyway and is not checked (the check costs
  // about as much as the search).
  if (options.symmetry.Any() && r.status == ExplorationStatus::kComplete)
    report.symmetry_check = CheckSymmetry(model, explorer, flags.jobs);
  const bool symmetry_refuted = report.symmetry_check && !report.symmetry_check->exact;
  const bool symmetry_unchecked = options.symmetry.Any() && !report.symmetry_check;

  for (const PropertyInfo& info : model.Properties()) {
    MainSafety s;
    s.name = info.name;
    const int index = properties::PropertyIndex(info.name);
    s.asserted = (asserted >> index & 1) != 0;
    s.advisory = properties::PropertyTable()[static_cast<std::size_t>(index)].severity ==
                 properties::Severity::kAdvisory;
    s.expected = options.profile.ExpectsViolation(info.name);
    s.counterexample = r.Violation(info.name);
    if (s.counterexample != nullptr) {
      std::vector<int> ops = s.counterexample->ops;
      try {
        ops = model.Concretize(s.counterexample->ops, s.counterexample->property);
      } catch (const solver::explicit_state::ExplorationError&) {
        // Only when the symmetry is not known exact: the reduced path has no concrete twin.
        if (!symmetry_refuted && !symmetry_unchecked) throw;
        report.notes.push_back(s.name +
                               ": the reduced path does not replay concretely (the "
                               "symmetry is not exact); its ops are the canonical states' ops");
      }
      s.concrete_ops = explorer.OpNames(ops);
      if (!flags.out_dir.empty()) {
        const traces::Trace t = model.MakeTrace(
            ops, s.name,
            "Can " + s.name + " be violated on " + options.profile.name + "? (shortest, by BFS)",
            {"Shortest counterexample found by mmcheck explore (breadth-first, exhaustive).",
             "Profile " + options.profile.name + ", universe " + report.universe + ", values 1.." +
                 std::to_string(options.values) + ", symmetry " + report.symmetry + "."});
        s.trace_path = WriteTrace(flags.out_dir, s.name + ".mmtrace", t);
      }
      if (!s.expected) {
        // Like a campaign: a violation on a path that already broke an expected property (at
        // the same step or before) is a consequence of the known bug, not news.
        std::uint64_t expected_mask = 0;
        for (const model::ExpectedViolation& e : options.profile.expect) {
          const int bit = properties::PropertyIndex(e.property);
          if (bit >= 0) expected_mask |= std::uint64_t{1} << bit;
        }
        MainModel::State state = model.InitialState(), post;
        for (std::size_t k = 0; k < ops.size() && s.after_expected_step == 0; ++k) {
          if (!model.Step(state, ops[k], &post)) break;
          if ((model.Violations(post) & expected_mask) != 0)
            s.after_expected_step = static_cast<int>(k) + 1;
          state = post;
        }
      }
      if (!s.expected && s.after_expected_step == 0) {
        report.mismatches.push_back(s.name + " is violated (" +
                                    std::to_string(s.concrete_ops.size()) + " ops); profile " +
                                    options.profile.name + " does not expect it");
      }
    }
    report.safety.push_back(std::move(s));
  }

  // Liveness: per frame, memory offline or reclaim alone. A frame's identity is what the goal
  // names, so it is not checked on a symmetry-reduced graph.
  const bool want_liveness =
      std::find(movers.begin(), movers.end(), "none") == movers.end() && !movers.empty();
  if (!want_liveness) {
    report.liveness_note = "--liveness none";
  } else if (options.symmetry.folio_slots) {
    report.liveness_note =
        "with --symmetry folios (the goal names a frame, which folio-slot renaming moves)";
  } else if (r.status != ExplorationStatus::kComplete) {
    report.liveness_note = "the search did not complete";
  } else if (flags.mpi) {
    report.liveness_note = "--mpi (AG EF needs the whole graph in one process)";
  } else if (symmetry_refuted) {
    report.liveness_note = "the symmetry reduction is not exact";
  } else {
    solver::explicit_state::LivenessOptions liveness_options;
    liveness_options.max_memory_bytes = explorer_options.max_memory_bytes;
    for (const auto& property : model.LivenessProperties()) {
      const std::string mover = property.name.substr(0, property.name.find('-'));
      if (std::find(movers.begin(), movers.end(), mover) == movers.end()) continue;
      report.liveness.push_back(CheckLiveness(explorer, property, liveness_options));
      report.lasso_paths.emplace_back();
      const LivenessResult& l = report.liveness.back();
      report.liveness_seconds += l.seconds;
      const std::string progress =
          mover == "offline" ? "migration-makes-progress" : "reclaim-makes-progress";
      const bool expected = options.profile.ExpectsViolation(progress);
      if (l.verdict == LivenessVerdict::kViolated && !expected) {
        report.mismatches.push_back(l.property + " is violated (a lasso); profile " +
                                    options.profile.name + " does not expect " + progress);
      }
      if (l.verdict == LivenessVerdict::kViolated && !flags.out_dir.empty()) {
        // The stem, then one turn of the cycle. The trace format has no loop construct: a
        // comment marks where the cycle starts, and the expectation is what the replay shows.
        std::vector<int> ops;
        for (const std::string& name : l.stem) ops.push_back(model.OpIndex(name));
        for (const std::string& name : l.cycle) ops.push_back(model.OpIndex(name));
        // Swap-slot and mm renamings leave frames in place, so the goal is the same on every
        // member of a class and the reduced graph's lasso is one of the full graph's, up to
        // renaming: one turn of the concrete cycle may end in a renamed copy of its start.
        ops = model.Concretize(ops, -1);
        traces::Trace t = model.MakeTrace(
            ops, "",
            "Can " + std::string(mover) +
                " alone empty the frame? (a lasso: stem, then a cycle that repeats forever)",
            {"Liveness lasso found by mmcheck explore: " + l.property + " (AG EF).",
             "Steps 1-" + std::to_string(l.stem.size()) + " are the stem; steps " +
                 std::to_string(l.stem.size() + 1) + "-" + std::to_string(ops.size()) +
                 " are the cycle, which repeats forever."});
        if (!l.cycle.empty()) {
          t.steps[l.stem.size()].comments.push_back("cycle: from here the steps repeat forever");
        }
        const std::string file = "lasso-" + l.property + ".mmtrace";
        const traces::ReplayResult replay = traces::Replay(t, file, options.profile);
        if (!replay.violated.empty()) t.expect = traces::Expectation{false, replay.violated};
        report.lasso_paths.back() = WriteTrace(flags.out_dir, file, t);
      }
    }
  }

  std::vector<std::pair<std::string, std::vector<int>>> paths;
  for (const MainSafety& safety : report.safety) {
    if (safety.counterexample != nullptr)
      paths.emplace_back(safety.name, safety.counterexample->ops);
  }
  WriteGraphOutputs(flags, explorer, r.status == ExplorationStatus::kComplete, paths,
                    &report.notes);
  report.exit_status = ExitStatus(r.status == ExplorationStatus::kLimitReached || symmetry_refuted,
                                  report.mismatches);
  if (PrintsReport(flags)) flags.format == "json" ? PrintMainJson(report) : PrintMainText(report);
  return report.exit_status;
}

}  // namespace

void AddExploreCommand(CLI::App& app, int* status) {
  auto flags = std::make_shared<ExploreFlags>();
  CLI::App* explore = app.add_subcommand(
      "explore",
      "Exhaustive breadth-first exploration of a bounded universe: state counts, shortest "
      "counterexamples, liveness (AG EF) by strongly connected components, DOT. Explores the "
      "main model on --profile, or the devexcl-core benchmark machine with --bench.");
  explore->add_option(
      "--profile", flags->profile,
      "Main model: a built-in profile name or a .toml file (see `mmcheck profiles`)");
  explore->add_option("--knob", flags->knobs,
                      "Main model: override a knob, name=value (repeatable)");
  explore->add_option("--universe", flags->universe,
                      std::string("Main model: key=value,... over the default ") +
                          kDefaultMainUniverse +
                          ". mms counts fork's child (fork takes the lowest free mm): 1 mm plus "
                          "fork is mms=2");
  explore->add_option("--property", flags->properties,
                      "Main model: check only these properties (repeatable; default: every hard "
                      "property; advisory ones such as no-kernel-warning only when named)");
  explore
      ->add_option("--symmetry", flags->symmetry,
                   "Main model: explore one canonical state per renaming class of these groups, "
                   "comma-separated: swap (swap slots), mms, folios (RAM folio slots), all; "
                   "--symmetry alone: swap. After the search every renaming is checked to be a "
                   "bisimulation on every explored state (exit 3 if not). Liveness is not "
                   "checked with folios (the goals name frames)")
      ->expected(0, 1);
  explore
      ->add_option("--values", flags->values,
                   "Main model: data values written by cpu_write/dev_write are 1..V. Every "
                   "value multiplies the state space; no property depends on which byte is "
                   "written, only on whether it survives, so 2 suffices for data integrity")
      ->default_val(2)
      ->check(WholeNumber(1, 255));
  explore->add_option("--op", flags->only_ops,
                      "Main model: explore only these ops of `mmcheck ops` (repeatable)");
  explore->add_option("--no-op", flags->without_ops,
                      "Main model: leave these ops out (repeatable), e.g. one that explodes the "
                      "state space");
  explore->add_option("--alphabet", flags->alphabet,
                      "Main model: a named subset of the op table; devexcl-core = the ops "
                      "standing for the benchmark machine's alphabet (map the one private rw "
                      "VMA, fork, cpu_read/cpu_write, one-page dev_exclusive and "
                      "MADV_DONTNEED, reclaim, migrate, offline)");
  explore->add_option("--restrict", flags->restrictions,
                      "Main model: ARG=v1,v2 restricts argument ARG of every op to these values "
                      "(repeatable), e.g. kind=private, prot=rw, npages=1");
  explore
      ->add_option("--liveness", flags->liveness,
                   "Main model: AG EF checks, comma-separated: offline, reclaim, none "
                   "(--liveness alone: offline,reclaim)")
      ->default_val("offline,reclaim")
      ->expected(0, 1);
  explore->add_option("--out", flags->out_dir,
                      "Main model: write every shortest counterexample (and each lasso) as a "
                      ".mmtrace into this directory");
  explore->add_flag("--stop-at-violation", flags->stop,
                    "Main model: stop at the end of the BFS level of the first violation "
                    "(default: explore everything and find every property's counterexample)");
  explore->add_option(
      "--bench", flags->bench,
      "Benchmark machine: devexcl-core or devexcl-core-L "
      "(the devexcl-core spec shared with SPIN; bench/devexcl-core-vs-main-model.md)");
  explore->add_option("--sem", flags->semantics,
                      "Semantics: old (before the 6.15 device-exclusive fixes) or new");
  explore
      ->add_option(
          "--jobs", flags->jobs,
          "Threads expanding each BFS level, 1..256; results are identical for every value")
      ->default_val(1)
      ->check(WholeNumber(1, 256));
  explore
      ->add_option("--max-states", flags->max_states,
                   "Stop (inconclusive, exit 3) after this many states; 0 = no limit (the "
                   "default)")
      ->check(WholeNumber(0, 4294967294, "0 = no limit"));
  explore
      ->add_option("--max-memory", flags->max_memory_mb,
                   "Stop (inconclusive, exit 3) before the process's memory would exceed this "
                   "many MB (or 2GB, 512MiB); 0 = no limit; default: half of physical memory, " +
                       std::to_string(HalfOfPhysicalMemory() / 1000000) + " MB here")
      ->transform(Megabytes());
  explore
      ->add_option("--budget", flags->budget_seconds,
                   "Stop (inconclusive, exit 3) after this long: 500ms, 30s, 10m, 2h (a plain "
                   "number is seconds); default: no limit")
      ->transform(Duration());
  explore->add_option("--dump-states", flags->dump_states,
                      "Write every state, sorted, one per line in the spec's §2.1 tuple order "
                      "(written atomically)");
  explore->add_option("--dot", flags->dot,
                      "Write the state graph as DOT, or only the counterexample paths when it has "
                      "more than --dot-max-states states");
  explore
      ->add_option("--dot-max-states", flags->dot_max_states,
                   "Largest state graph drawn whole in --dot")
      ->default_val(2000)
      ->check(WholeNumber(0, 4294967294));
  explore->add_flag("--no-stop", flags->no_stop,
                    "Keep exploring after violations (like SPIN pan -A): full counts, and the "
                    "shortest counterexample of every property in one search");
  explore->add_flag(
      "--mpi", flags->mpi,
      "Distributed search over the ranks of an MPI job: mpirun -np N mmcheck explore --mpi ... "
      "States are hash-partitioned over the ranks; counts and shortest counterexamples are "
      "identical to one process; rank 0 prints the report. Liveness is not checked; not with "
      "--jobs, --symmetry, --dump-states, --dot");
  explore->add_option("--format", flags->format, "Output format: text or json")
      ->default_val("text");
  explore->callback([flags, status] {
    if (flags->bench.empty() && flags->profile.empty()) {
      throw UsageError(
          "explore needs --profile NAME|FILE (the main model) or --bench devexcl-core|"
          "devexcl-core-L");
    }
    if (!flags->bench.empty() && !flags->profile.empty()) {
      throw UsageError("--profile and --bench exclude each other");
    }
    if (!flags->bench.empty() && flags->semantics.empty()) {
      throw UsageError("--sem is required: old or new");
    }
    if (flags->mpi && (flags->jobs != 1 || flags->symmetry != "off" ||
                       !flags->dump_states.empty() || !flags->dot.empty())) {
      throw UsageError("--mpi excludes --jobs, --symmetry, --dump-states and --dot");
    }
    try {
      *status = flags->bench.empty() ? RunMainExploration(*flags) : RunBenchExploration(*flags);
    } catch (const UsageError&) {
      throw;
    } catch (const std::bad_alloc&) {
      std::fprintf(stderr, "mmcheck: error: out of memory; lower --max-memory\n");
      *status = kExitInconclusive;
    } catch (const std::runtime_error& e) {
      throw UsageError(e.what());  // e.g. a --dump-states or --dot file that cannot be written
    } catch (const std::logic_error& e) {
      std::fprintf(stderr, "mmcheck: internal error: %s\n", e.what());
      *status = kExitUnexpected;
    }
  });
}

}  // namespace mmcheck::cli
