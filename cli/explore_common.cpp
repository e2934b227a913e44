// SPDX-License-Identifier: GPL-2.0
#include "cli/explore_common.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

#include "cli/commands.h"
#include "cli/options.h"
#include "util/process_memory.h"

namespace mmcheck::cli::explore {

using solver::explicit_state::ExplorationResult;
using solver::explicit_state::ExplorationStatus;
using solver::explicit_state::ExplorationStatusName;
using solver::explicit_state::LivenessResult;
using solver::explicit_state::LivenessVerdict;
using solver::explicit_state::LivenessVerdictName;
using util::WithCommas;

void AddSearchOptions(CLI::App* explore, SearchFlags* flags) {
  AddJobsOption(explore, &flags->jobs, JobsAre::kThreads,
                "expanding each BFS level; results are identical for every value")
      ->default_val(1);
  explore
      ->add_option("--max-states", flags->max_states,
                   "Stop (inconclusive, exit 3) after this many states; 0 = no limit (the "
                   "default)")
      ->check(WholeNumber(0, 4294967294, "0 = no limit"));
  explore
      ->add_option("--max-depth", flags->max_depth,
                   "Judge the states of BFS levels 0..N and expand none of level N: a bounded "
                   "search (inconclusive, exit 3, unless every state was seen first); 0 = no "
                   "limit (the default)")
      ->check(WholeNumber(0, 1000000, "0 = no limit"));
  explore
      ->add_option("--max-memory", flags->max_memory_mb,
                   "Stop (inconclusive, exit 3) before the process's memory would exceed this "
                   "many MB (or 2GB, 512MiB); 0 = no limit; default: half of physical memory, " +
                       std::to_string(HalfOfPhysicalMemory() / 1000000) + " MB here")
      ->transform(Megabytes());
  AddBudgetOption(explore, &flags->budget_seconds,
                  "Stop (inconclusive, exit 3) after this long: 500ms, 30s, 10m, 2h (a plain "
                  "number is seconds); default: no limit");
  explore->add_flag("--stop-at-violation", flags->stop_at_violation,
                    "Stop at the end of the BFS level of the first violation. The default with "
                    "--bench (spec §6 verdicts, as SPIN's pan without -A)");
  explore->add_flag("--no-stop", flags->no_stop,
                    "Keep exploring after violations (like SPIN pan -A): full counts, and the "
                    "shortest counterexample of every property in one search. The default for "
                    "the main model");
  explore->add_flag(
      "--mpi", flags->mpi,
      "Distributed search over the ranks of an MPI job: mpirun -np N mmcheck explore --mpi ... "
      "States are hash-partitioned over the ranks; counts and shortest counterexamples are "
      "identical to one process; rank 0 prints the report. Liveness is not checked; not with "
      "--jobs, --symmetry, --dump-states, --dot");
  explore->add_option("--dump-states", flags->dump_states,
                      "Write every state, sorted, one per line as the model's state tuple (for "
                      "--bench, the tuple of bench/devexcl-core.md §2.1; written atomically)");
  explore->add_option("--dot", flags->dot,
                      "Write the state graph as DOT, or only the counterexample paths when it has "
                      "more than --dot-max-states states");
  explore
      ->add_option("--dot-max-states", flags->dot_max_states,
                   "Largest state graph drawn whole in --dot")
      ->default_val(2000)
      ->check(WholeNumber(0, 4294967294));
  explore->add_option("--format", flags->format, "Output format: text or json")
      ->default_val("text");
}

bool StopAtViolation(const SearchFlags& flags, bool default_stop) {
  if (flags.stop_at_violation && flags.no_stop)
    throw UsageError("--stop-at-violation and --no-stop exclude each other");
  if (flags.stop_at_violation) return true;
  if (flags.no_stop) return false;
  return default_stop;
}

solver::explicit_state::ExplorerOptions SearchOptions(const SearchFlags& flags, bool default_stop) {
  solver::explicit_state::ExplorerOptions options;
  options.jobs = flags.jobs;
  options.stop_at_violation = StopAtViolation(flags, default_stop);
  options.max_states = flags.max_states;
  options.max_depth = flags.max_depth;
  options.max_memory_bytes = flags.max_memory_mb < 0
                                 ? HalfOfPhysicalMemory()
                                 : static_cast<std::uint64_t>(flags.max_memory_mb * 1e6);
  options.time_budget_seconds = flags.budget_seconds;
  return options;
}

void CheckFormat(const SearchFlags& flags) {
  if (flags.format != "text" && flags.format != "json") {
    throw UsageError("unknown --format '" + flags.format + "'; accepted: text, json");
  }
}

void CheckOutputs(const SearchFlags& flags, const std::string& out_dir) {
  auto check = [](const char* option, const std::function<void()>& f) {
    try {
      f();
    } catch (const traces::OutputError& e) {
      throw UsageError(std::string(option) + ": " + e.what());
    }
  };
  if (!out_dir.empty()) check("--out", [&] { traces::PrepareOutputDirectory(out_dir); });
  if (!flags.dump_states.empty())
    check("--dump-states", [&] { traces::CheckOutputFile(flags.dump_states); });
  if (!flags.dot.empty()) check("--dot", [&] { traces::CheckOutputFile(flags.dot); });
}

bool PrintsReport(const SearchFlags& flags) {
#ifdef MMCHECK_HAVE_MPI
  return !flags.mpi || solver::explicit_state::RankGroup::World().rank() == 0;
#else
  (void)flags;
  return true;
#endif
}

std::uint64_t HalfOfPhysicalMemory() {
  return util::PhysicalMemoryBytes() / 2;
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

int ExitStatus(bool limit_reached, const std::vector<std::string>& mismatches) {
  if (limit_reached) return kExitInconclusive;
  return mismatches.empty() ? kExitOk : kExitUnexpected;
}

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

void PrintVerdictText(const ExplorationResult& r, int exit_status,
                      const std::vector<std::string>& notes,
                      const std::vector<std::string>& mismatches, const std::string& as_expected,
                      const std::string& inconclusive_why) {
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

void AddSearchJson(nlohmann::ordered_json* report, const ExplorationResult& r) {
  nlohmann::ordered_json& j = *report;
  j["jobs"] = r.jobs;
  j["status"] = ExplorationStatusName(r.status);
  j["limit"] = r.limit;
  j["states"] = r.states;
  j["edges"] = r.edges;
  j["self_loops"] = r.self_loops;
  j["diameter"] = r.diameter;
  j["level_sizes"] = r.level_sizes;
  j["seconds"] = r.seconds;
  j["expand_seconds"] = r.expand_seconds;
  j["number_seconds"] = r.number_seconds;
  j["grow_seconds"] = r.grow_seconds;
  j["states_per_second"] = static_cast<std::uint64_t>(std::llround(r.states_per_second));
  j["bytes_per_state"] = std::round(r.bytes_per_state * 100) / 100;
  j["peak_rss_bytes"] = util::PeakRssBytes();
}

void AddLivenessJson(nlohmann::ordered_json* report, const std::vector<LivenessResult>& liveness,
                     const std::vector<std::string>& trace_paths) {
  nlohmann::ordered_json array = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < liveness.size(); ++i) {
    const LivenessResult& l = liveness[i];
    nlohmann::ordered_json entry;
    entry["name"] = l.property;
    entry["verdict"] = LivenessVerdictName(l.verdict);
    entry["reason"] = l.reason;
    entry["failing_states"] = l.failing_states;
    entry["stem"] = l.stem;
    entry["cycle"] = l.cycle;
    entry["deadlock"] = l.deadlock;
    if (i < trace_paths.size()) entry["trace"] = trace_paths[i];
    array.push_back(std::move(entry));
  }
  (*report)["liveness"] = std::move(array);
}

void AddVerdictJson(nlohmann::ordered_json* report, double liveness_seconds, int exit_status,
                    const std::vector<std::string>& mismatches,
                    const std::vector<std::string>& notes) {
  nlohmann::ordered_json& j = *report;
  j["liveness_seconds"] = liveness_seconds;
  j["as_expected"] = mismatches.empty() && exit_status != kExitInconclusive;
  j["mismatches"] = mismatches;
  j["notes"] = notes;
  j["exit_status"] = exit_status;
}

}  // namespace mmcheck::cli::explore
