// mmcheck explore: exhaustive breadth-first exploration (solver/explicit, DESIGN.md §2.3).
//
// Today it explores the devexcl-core benchmark machine (/work/shared/bench/devexcl-core.md):
//
//   mmcheck explore --bench devexcl-core-L --sem new --jobs 2
//
// prints the state, edge, self-loop and diameter figures, the shortest counterexamples of the
// safety properties, the offline-progress liveness verdicts, time, states/s, bytes/state and peak
// memory, and compares every verdict with the spec's §6. Exit status: 0 all as expected, 1 a
// verdict differs (or a sanity invariant failed: a model bug), 2 bad usage, 3 a limit stopped the
// search (figures are partial).
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "solver/explicit/devexcl_core.h"
#include "solver/explicit/explorer.h"

namespace mmcheck::cli {
namespace {

using solver::explicit_state::Counterexample;
using solver::explicit_state::DevexclBenchByName;
using solver::explicit_state::DevexclBenchNames;
using solver::explicit_state::DevexclCoreModel;
using solver::explicit_state::DevexclSemantics;
using solver::explicit_state::EscapeQuoted;
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
using solver::explicit_state::WriteFileAtomically;

struct ExploreFlags {
  std::string bench;
  std::string semantics;
  int jobs = 1;
  std::uint64_t max_states = 0;
  double max_memory_mb = -1;  // -1: half of physical memory
  double budget_seconds = 0;
  std::string dump_states;
  std::string dot;
  std::uint64_t dot_max_states = 2000;
  bool no_stop = false;
  std::string format = "text";
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

std::string WithCommas(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
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

std::string JsonStrings(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out += ", ";
    out += "\"" + EscapeQuoted(items[i]) + "\"";
  }
  return out + "]";
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
  std::printf("  search       %s%s%s\n", ExplorationStatusName(r.status),
              r.status == ExplorationStatus::kLimitReached ? (": " + r.limit).c_str() : "",
              r.status == ExplorationStatus::kStoppedAtViolation
                  ? " (at the end of the BFS level of the first violation; --no-stop explores "
                    "everything)"
                  : "");
  const char* partial = r.status == ExplorationStatus::kComplete ? "" : " (partial)";
  std::printf("  states       %s%s\n", WithCommas(r.states).c_str(), partial);
  std::printf("  edges        %s, self-loops %s%s\n", WithCommas(r.edges).c_str(),
              WithCommas(r.self_loops).c_str(), partial);
  std::printf("  diameter     %u BFS levels%s\n", r.diameter, partial);
  std::printf("  time         %s s (expand %s s, merge %s s), %s states/s, %s bytes/state\n",
              Fixed(r.seconds, 3).c_str(), Fixed(r.expand_seconds, 3).c_str(),
              Fixed(r.merge_seconds, 3).c_str(),
              WithCommas(static_cast<std::uint64_t>(r.states_per_second)).c_str(),
              Fixed(r.bytes_per_state, 1).c_str());
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
  for (const LivenessResult& result : report.liveness) {
    std::string line = result.property;
    line.resize(std::max<std::size_t>(line.size(), 30), ' ');
    if (result.verdict == LivenessVerdict::kNotChecked) {
      std::printf("  %s not checked: %s\n", line.c_str(), result.reason.c_str());
    } else if (result.verdict == LivenessVerdict::kHolds) {
      std::printf("  %s holds\n", line.c_str());
    } else {
      std::printf("  %s VIOLATED in %s states; lasso: %s | cycle: %s\n", line.c_str(),
                  WithCommas(result.failing_states).c_str(), JoinOps(result.stem).c_str(),
                  result.deadlock ? "(no allowed op enabled)" : JoinOps(result.cycle).c_str());
    }
  }
  if (report.liveness.empty()) std::printf("  not checked: the search did not complete\n");
  std::printf("  time         %s s\n", Fixed(report.liveness_seconds, 3).c_str());
  std::printf("memory         peak %s MB (VmHWM, whole run)\n",
              Fixed(static_cast<double>(solver::explicit_state::PeakRssBytes()) / 1e6, 1).c_str());
  for (const std::string& note : report.notes) std::printf("note           %s\n", note.c_str());
  if (report.exit_status == kExitInconclusive) {
    std::printf("verdict        INCONCLUSIVE: the %s limit stopped the search\n", r.limit.c_str());
  } else if (report.mismatches.empty()) {
    const bool old = report.semantics == DevexclSemantics::kOld;
    std::printf("verdict        as expected (spec §6: %s)\n",
                report.liveness.empty()
                    ? (old ? "OLD violates P1 and P3; liveness needs --no-stop"
                           : "NEW satisfies every property checked")
                    : (old ? "OLD violates P1, P3 and offline progress, and nothing else"
                           : "NEW satisfies every property"));
  } else {
    std::printf("verdict        UNEXPECTED\n");
    for (const std::string& mismatch : report.mismatches) {
      std::printf("  %s\n", mismatch.c_str());
    }
  }
}

void PrintJson(const ExploreReport& report) {
  const ExplorationResult& r = report.main;
  std::ostringstream out;
  out << "{\n  \"bench\": \"" << report.bench << "\",\n  \"semantics\": \""
      << (report.semantics == DevexclSemantics::kOld ? "old" : "new")
      << "\",\n  \"jobs\": " << r.jobs << ",\n  \"status\": \"" << ExplorationStatusName(r.status)
      << "\",\n  \"limit\": \"" << EscapeQuoted(r.limit) << "\",\n  \"states\": " << r.states
      << ",\n  \"edges\": " << r.edges << ",\n  \"self_loops\": " << r.self_loops
      << ",\n  \"diameter\": " << r.diameter << ",\n  \"seconds\": " << Fixed(r.seconds, 6)
      << ",\n  \"expand_seconds\": " << Fixed(r.expand_seconds, 6)
      << ",\n  \"merge_seconds\": " << Fixed(r.merge_seconds, 6)
      << ",\n  \"states_per_second\": " << Fixed(r.states_per_second, 0)
      << ",\n  \"bytes_per_state\": " << Fixed(r.bytes_per_state, 2)
      << ",\n  \"peak_rss_bytes\": " << solver::explicit_state::PeakRssBytes()
      << ",\n  \"safety\": [";
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
  out << "\n  ],\n  \"liveness\": [";
  for (std::size_t i = 0; i < report.liveness.size(); ++i) {
    const LivenessResult& result = report.liveness[i];
    out << (i == 0 ? "\n" : ",\n") << "    {\"name\": \"" << result.property
        << "\", \"verdict\": \"" << LivenessVerdictName(result.verdict) << "\", \"reason\": \""
        << EscapeQuoted(result.reason) << "\", \"failing_states\": " << result.failing_states
        << ", \"stem\": " << JsonStrings(result.stem)
        << ", \"cycle\": " << JsonStrings(result.cycle)
        << ", \"deadlock\": " << (result.deadlock ? "true" : "false") << "}";
  }
  out << "\n  ],\n  \"liveness_seconds\": " << Fixed(report.liveness_seconds, 6)
      << ",\n  \"as_expected\": "
      << (report.mismatches.empty() && report.exit_status != kExitInconclusive ? "true" : "false")
      << ",\n  \"mismatches\": " << JsonStrings(report.mismatches)
      << ",\n  \"notes\": " << JsonStrings(report.notes)
      << ",\n  \"exit_status\": " << report.exit_status << "\n}\n";
  std::fputs(out.str().c_str(), stdout);
}

// Runs the benchmark exploration described by `flags` and returns the exit status.
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
  if (flags.jobs < 1 || flags.jobs > 256) throw UsageError("--jobs must be in 1..256");
  if (flags.budget_seconds < 0) throw UsageError("--budget must not be negative");

  const DevexclCoreModel model(*universe);
  ExplorerOptions options;
  options.jobs = flags.jobs;
  options.stop_at_violation = !flags.no_stop;
  options.max_states = flags.max_states;
  options.max_memory_bytes = flags.max_memory_mb < 0
                                 ? HalfOfPhysicalMemory()
                                 : static_cast<std::uint64_t>(flags.max_memory_mb * 1e6);
  options.time_budget_seconds = flags.budget_seconds;
  Explorer<DevexclCoreModel> explorer(model, options);
  report.main = explorer.Run();

  // OLD, stopping at violations: P1 stops the search at level 1, so P3 is searched again with
  // P1 not asserted (spec §6). With --no-stop one search already found both.
  const std::uint64_t p1 = model.PropertyMask({"P1"});
  std::optional<Explorer<DevexclCoreModel>> without_p1;
  if (report.main.status == ExplorationStatus::kStoppedAtViolation &&
      report.main.Violation("P1") != nullptr && report.main.Violation("P3") == nullptr) {
    ExplorerOptions second = options;
    second.asserted_properties &= ~p1;
    without_p1.emplace(model, second);
    report.no_p1 = without_p1->Run();
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

  if (report.main.status == ExplorationStatus::kComplete) {
    LivenessOptions liveness_options;
    liveness_options.max_memory_bytes = options.max_memory_bytes;
    for (const auto& property : model.LivenessProperties()) {
      report.liveness.push_back(explorer.CheckLiveness(property, liveness_options));
      report.liveness_seconds += report.liveness.back().seconds;
    }
  }

  const char* partial = report.main.status == ExplorationStatus::kComplete ? "" : " (partial)";
  if (!flags.dump_states.empty()) {
    WriteFileAtomically(flags.dump_states,
                        [&](std::ostream& out) { explorer.WriteStateDump(out); });
    report.notes.push_back("wrote " + WithCommas(explorer.StateCount()) + " states" + partial +
                           " to " + flags.dump_states);
  }
  if (!flags.dot.empty()) {
    std::ostringstream dot;
    if (explorer.StateCount() <= flags.dot_max_states) {
      explorer.WriteDot(dot, flags.dot_max_states);
      report.notes.push_back("wrote the state graph" + std::string(partial) + " to " + flags.dot);
    } else {
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
      explorer.WritePathsDot(dot, paths);
      report.notes.push_back(WithCommas(explorer.StateCount()) + " states are more than " +
                             "--dot-max-states " + WithCommas(flags.dot_max_states) +
                             "; wrote only the counterexample paths to " + flags.dot);
    }
    WriteFileAtomically(flags.dot, dot.str());
  }

  CompareWithSpec(&report);
  if (report.main.status == ExplorationStatus::kLimitReached ||
      (report.no_p1 && report.no_p1->status == ExplorationStatus::kLimitReached)) {
    report.exit_status = kExitInconclusive;
  } else if (!report.mismatches.empty()) {
    report.exit_status = kExitUnexpected;
  }
  if (flags.format == "json") {
    PrintJson(report);
  } else {
    PrintText(report);
  }
  return report.exit_status;
}

}  // namespace

void AddExploreCommand(CLI::App& app, int* status) {
  auto flags = std::make_shared<ExploreFlags>();
  CLI::App* explore = app.add_subcommand(
      "explore",
      "Exhaustive breadth-first exploration of a bounded universe: state counts, shortest "
      "counterexamples, liveness (AG EF) by strongly connected components, DOT. Today: the "
      "devexcl-core benchmark machine (--bench).");
  explore->add_option("--bench", flags->bench,
                      "Benchmark machine: devexcl-core or devexcl-core-L "
                      "(/work/shared/bench/devexcl-core.md)");
  explore->add_option("--sem", flags->semantics,
                      "Semantics: old (before the 6.15 device-exclusive fixes) or new");
  explore
      ->add_option("--jobs", flags->jobs,
                   "Threads expanding each BFS level; results are identical for every value")
      ->default_val(1);
  explore
      ->add_option("--max-states", flags->max_states,
                   "Stop (inconclusive, exit 3) after this many states; 0 = no limit")
      ->default_val(0);
  explore
      ->add_option("--max-memory", flags->max_memory_mb,
                   "Stop (inconclusive, exit 3) before the explorer's tables exceed this many "
                   "MB; 0 = no limit")
      ->default_val(0);
  explore
      ->add_option("--budget", flags->budget_seconds,
                   "Stop (inconclusive, exit 3) after this many seconds; 0 = no limit")
      ->default_val(0);
  explore->add_option("--dump-states", flags->dump_states,
                      "Write every state, sorted, one per line in the spec's §2.1 tuple order "
                      "(written atomically)");
  explore->add_option("--dot", flags->dot,
                      "Write the state graph as DOT, or only the counterexample paths when it has "
                      "more than --dot-max-states states");
  explore
      ->add_option("--dot-max-states", flags->dot_max_states,
                   "Largest state graph drawn whole in --dot")
      ->default_val(2000);
  explore->add_flag("--no-stop", flags->no_stop,
                    "Keep exploring after violations (like SPIN pan -A): full counts, and the "
                    "shortest counterexample of every property in one search");
  explore->add_option("--format", flags->format, "Output format: text or json")
      ->default_val("text");
  explore->callback([flags, status] {
    if (flags->bench.empty()) {
      throw UsageError(
          "explore of the main model is not built yet; see README LIMITATIONS (use --bench "
          "devexcl-core or --bench devexcl-core-L)");
    }
    if (flags->semantics.empty()) throw UsageError("--sem is required: old or new");
    try {
      *status = RunBenchExploration(*flags);
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
