// SPDX-License-Identifier: GPL-2.0
// What the two explorations of `mmcheck explore` share: the main model (explore_command.cpp)
// and the devexcl-core benchmark machine (explore_bench_command.cpp).
//
// Both take the same search options (threads, limits, when to stop, graph outputs, format) and
// print the same report pieces: the search figures, the liveness verdicts and the closing
// verdict, as text or as members of one JSON report.
#pragma once

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "solver/explicit/exploration_result.h"
#include "solver/explicit/explorer.h"
#include "solver/explicit/graph_output.h"
#include "traces/output_file.h"
#include "util/text.h"
#ifdef MMCHECK_HAVE_MPI
#include "solver/explicit/distributed_explorer.h"
#endif

namespace mmcheck::cli::explore {

// The search options both machines take.
struct SearchFlags {
  int jobs = 1;
  std::uint64_t max_states = 0;
  int max_depth = 0;               // 0: no limit
  double max_memory_mb = -1;       // -1: not given, half of physical memory
  double budget_seconds = 0;       // 0: not given, no limit
  bool stop_at_violation = false;  // --stop-at-violation was given
  bool no_stop = false;            // --no-stop was given
  std::string dump_states;
  std::string dot;
  std::uint64_t dot_max_states = 2000;
  std::string format = "text";
  bool mpi = false;  // --mpi: the distributed search (solver/explicit/distributed_explorer.h)
};

// Whether a search stops at the end of the BFS level of its first violation when neither
// --stop-at-violation nor --no-stop is given.
//
// The benchmark machine stops, as SPIN's pan does without -A: its verdicts are the shortest
// counterexamples of bench/devexcl-core.md §6, and one BFS level past the first violation
// finds them; its full OLD counts (§7) need --no-stop.
inline constexpr bool kBenchStopsAtViolation = true;
// The main model does not: one run finds every property's shortest counterexample, and the
// liveness lassos need the whole graph.
inline constexpr bool kMainStopsAtViolation = false;

// Registers the search options on `explore`.
void AddSearchOptions(CLI::App* explore, SearchFlags* flags);

// Returns whether the search stops at the first violation: --stop-at-violation, --no-stop, or
// `default_stop` when neither is given. Throws UsageError when both are.
bool StopAtViolation(const SearchFlags& flags, bool default_stop);

// The explorer's options from the flags: threads, the stop rule, the limits (the memory limit
// is half of physical memory unless --max-memory says otherwise).
solver::explicit_state::ExplorerOptions SearchOptions(const SearchFlags& flags, bool default_stop);

// Throws UsageError unless --format is text or json.
void CheckFormat(const SearchFlags& flags);

// Checks before the search that every output can be written: a long run's results must not be
// lost at its end. `out_dir` is the main model's --out ("" for none).
void CheckOutputs(const SearchFlags& flags, const std::string& out_dir);

// Half of physical memory: the default memory limit. A search that would need more stops
// cleanly (exit 3) instead of being killed by the OOM killer.
std::uint64_t HalfOfPhysicalMemory();

std::string Fixed(double value, int decimals);
// "a; b; c".
std::string JoinOps(const std::vector<std::string>& ops);

// The exit status of a run: inconclusive when a limit stopped a search, unexpected when a
// verdict differs from what the spec or profile expects.
int ExitStatus(bool limit_reached, const std::vector<std::string>& mismatches);

// Runs the search: in this process, or with --mpi on every rank of the MPI job (the result is
// the same on every rank), noting what the distribution cost.
template <typename Model>
solver::explicit_state::ExplorationResult Search(
    const SearchFlags& flags, const Model& model,
    const solver::explicit_state::ExplorerOptions& options,
    solver::explicit_state::Explorer<Model>& explorer, std::vector<std::string>* notes) {
  if (!flags.mpi) return explorer.Run();
#ifdef MMCHECK_HAVE_MPI
  using util::WithCommas;
  solver::explicit_state::DistributedExplorer<Model> distributed(
      model, options, solver::explicit_state::RankGroup::World());
  solver::explicit_state::ExplorationResult result = distributed.Run();
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
  (void)model;
  (void)options;
  (void)explorer;
  (void)notes;
  throw UsageError("--mpi: this mmcheck was built without MPI (libopenmpi-dev, MMCHECK_MPI)");
#endif
}

// Whether this process prints the report: with --mpi only rank 0 does.
bool PrintsReport(const SearchFlags& flags);

// --- Text. ---

// The search figures: status, states, edges, diameter, time. `stop_note` follows the status
// when the search stopped at a violation.
void PrintSearchText(const solver::explicit_state::ExplorationResult& r, const char* stop_note);
// The liveness verdicts, one line each (then the time); `trace_paths` is empty or holds a
// written lasso trace per result ("" for none).
void PrintLivenessText(const std::vector<solver::explicit_state::LivenessResult>& liveness,
                       const std::vector<std::string>& trace_paths, double seconds);
// Peak memory, notes and the verdict. `as_expected` says what "as expected" means.
void PrintVerdictText(const solver::explicit_state::ExplorationResult& r, int exit_status,
                      const std::vector<std::string>& notes,
                      const std::vector<std::string>& mismatches, const std::string& as_expected,
                      const std::string& inconclusive_why = "");

// --- JSON. ---

// Adds the search figures, "jobs" to "peak_rss_bytes", to `report`.
void AddSearchJson(nlohmann::ordered_json* report,
                   const solver::explicit_state::ExplorationResult& r);
// Adds the "liveness" array, with each result's lasso trace when `trace_paths` has one.
void AddLivenessJson(nlohmann::ordered_json* report,
                     const std::vector<solver::explicit_state::LivenessResult>& liveness,
                     const std::vector<std::string>& trace_paths);
// Adds the closing members, "liveness_seconds" to "exit_status".
void AddVerdictJson(nlohmann::ordered_json* report, double liveness_seconds, int exit_status,
                    const std::vector<std::string>& mismatches,
                    const std::vector<std::string>& notes);

// --- Graph outputs. ---

// Writes --dump-states and --dot (the whole state graph when it has at most --dot-max-states
// states, else only `paths`), and notes each file written.
template <typename Model>
void WriteGraphOutputs(const SearchFlags& flags,
                       const solver::explicit_state::Explorer<Model>& explorer, bool complete,
                       const std::vector<std::pair<std::string, std::vector<int>>>& paths,
                       std::vector<std::string>* notes) {
  using util::WithCommas;
  const char* partial = complete ? "" : " (partial)";
  if (!flags.dump_states.empty()) {
    traces::WriteFileAtomically(flags.dump_states, [&](std::ostream& out) {
      solver::explicit_state::WriteStateDump(explorer, out);
    });
    notes->push_back("wrote " + WithCommas(explorer.StateCount()) + " states" + partial + " to " +
                     flags.dump_states);
  }
  if (flags.dot.empty()) return;
  std::ostringstream dot;
  if (explorer.StateCount() <= flags.dot_max_states) {
    solver::explicit_state::WriteDot(explorer, dot, flags.dot_max_states);
    notes->push_back("wrote the state graph" + std::string(partial) + " to " + flags.dot);
  } else {
    solver::explicit_state::WritePathsDot(explorer, dot, paths);
    notes->push_back(WithCommas(explorer.StateCount()) + " states are more than " +
                     "--dot-max-states " + WithCommas(flags.dot_max_states) +
                     "; wrote only the counterexample paths to " + flags.dot);
  }
  traces::WriteFileAtomically(flags.dot, dot.str());
}

// --- The two machines. ---

// `mmcheck explore --bench NAME --sem old|new`: the devexcl-core benchmark machine.
struct BenchFlags {
  std::string bench;
  std::string semantics;
};
// Registers --bench and --sem.
void AddBenchOptions(CLI::App* explore, BenchFlags* flags);
// Runs the benchmark exploration and prints its report; returns the exit status.
int RunBenchExploration(const BenchFlags& bench, const SearchFlags& search);

}  // namespace mmcheck::cli::explore
