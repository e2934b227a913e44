// SPDX-License-Identifier: GPL-2.0
// mmcheck diff: what does this patch change? The shortest operation sequence on which two
// profiles diverge (traces/divergence.h).
//
//   mmcheck diff linux-6.14 linux-6.15
//
// 1. The explorer's BFS over the product of the two models (solver/explicit/diff_model.h) in a
//    bounded universe: the first divergence it meets is a shortest one; a search that completes
//    without one shows the profiles agree on every sequence of the universe ("no divergence,
//    exhaustive").
// 2. When the BFS stops at a limit (--engine auto), random traces in the same universe, the
//    first divergent one shrunk (traces::RandomDivergence).
// The divergence is shown side by side (replay's two-profile view) with a summary paragraph.
//
// Exit status: 0 no divergence (exhaustive, or not found by a search that says so), 1 a
// divergence, 2 bad usage, 3 inconclusive (a limit stopped the BFS and the random search found
// nothing).
#include <chrono>
#include <cstdio>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/explore_common.h"
#include "cli/options.h"
#include "solver/explicit/diff_model.h"
#include "traces/campaign.h"
#include "traces/divergence.h"
#include "traces/output_file.h"
#include "traces/replay.h"

namespace mmcheck::cli {
namespace {

using solver::explicit_state::DivergenceSearch;
using solver::explicit_state::MainModelOptions;

// The universe diff explores unless --universe says otherwise (explore's default).
constexpr const char* kDefaultDiffUniverse = "mms=2,pages=2,folios=3,swap=2,devices=1,pmd_order=1";

struct DiffFlags {
  std::vector<std::string> profiles;
  std::vector<std::string> knobs_a, knobs_b;
  std::string universe;
  std::string engine = "auto";
  std::string ignore;
  std::string format = "text";
  std::string out;
  double budget_seconds = 20;
  std::uint64_t max_states = 0;
  int values = 2;
  std::vector<std::string> only_ops, without_ops, restrictions;
  std::uint64_t seed = 1;
  int steps = 12;
  int jobs = 1;
};

model::Profile ProfileWith(const std::string& name, const std::vector<std::string>& knobs) {
  model::Profile p = model::ResolveProfile(name);
  for (const std::string& k : knobs) model::ApplyKnobOverride(p, k);
  return p;
}

std::string Seconds(double s) {
  return fmt::format("{:.3f} s", s);
}

int RunDiff(const DiffFlags& flags) {
  if (flags.profiles.size() != 2) throw UsageError("diff compares two profiles: mmcheck diff A B");
  if (flags.engine != "auto" && flags.engine != "explore" && flags.engine != "random")
    throw UsageError("unknown --engine '" + flags.engine + "'; accepted: auto, explore, random");
  if (flags.format != "text" && flags.format != "json")
    throw UsageError("unknown --format '" + flags.format + "'; accepted: text, json");
  if (!flags.out.empty()) {
    try {
      traces::CheckOutputFile(flags.out);
    } catch (const traces::OutputError& e) {
      throw UsageError(fmt::format("--out: {}", e.what()));
    }
  }
  MainModelOptions oa, ob;
  traces::DifferenceMask ignored = 0;
  try {
    ignored = traces::ParseDifferences(flags.ignore);
    oa.profile = ProfileWith(flags.profiles[0], flags.knobs_a);
    ob.profile = ProfileWith(flags.profiles[1], flags.knobs_b);
    oa.universe = model::ParseUniverse(flags.universe, model::ParseUniverse(kDefaultDiffUniverse));
  } catch (const model::ModelInputError& e) {
    throw UsageError(e.what());
  }
  oa.trace_profile = flags.profiles[0];
  oa.knob_overrides = flags.knobs_a;
  oa.values = flags.values;
  oa.only_ops = flags.only_ops;
  oa.without_ops = flags.without_ops;
  oa.restrictions = flags.restrictions;
  // B differs from A only in its profile.
  model::Profile b_profile = std::move(ob.profile);
  ob = oa;
  ob.profile = std::move(b_profile);
  ob.trace_profile = flags.profiles[1];
  ob.knob_overrides = flags.knobs_b;
  solver::explicit_state::DivergenceSearchOptions so;
  so.engine = flags.engine;
  so.ignored = ignored;
  so.budget_seconds = flags.budget_seconds;
  so.max_states = flags.max_states;
  so.max_memory_bytes = explore::HalfOfPhysicalMemory();
  so.jobs = flags.jobs;
  so.seed = flags.seed;
  so.steps = flags.steps;
  DivergenceSearch outcome;
  try {
    outcome = solver::explicit_state::SearchDivergence(oa, ob, so);
  } catch (const model::ModelInputError& e) {
    throw UsageError(e.what());
  }

  // The divergent trace, replayed on both profiles.
  traces::Trace t;
  int first = 0;
  traces::DifferenceMask classes = 0;
  std::string side_by_side, summary;
  if (outcome.divergence) {
    t = solver::explicit_state::DivergenceTrace(oa, ob, outcome, flags.seed);
    const traces::ReplayResult ra = traces::ReplayUntilDisabled(t, oa.profile);
    const traces::ReplayResult rb = traces::ReplayUntilDisabled(t, ob.profile);
    side_by_side = traces::RenderSideBySide(t, ra, rb, first, ignored | traces::kDiffState);
    summary = traces::DescribeDivergence(t, ra, rb, first);
    classes = traces::FirstDivergence(oa.universe, oa.profile.knobs, ob.profile.knobs, outcome.ops,
                                      ignored | traces::kDiffState)
                  .classes;
    if (!flags.out.empty()) traces::WriteFileAtomically(flags.out, traces::PrintTrace(t));
  }
  const int status = outcome.divergence   ? kExitUnexpected
                     : outcome.exhaustive ? kExitOk
                                          : kExitInconclusive;

  if (flags.format == "json") {
    nlohmann::json j;
    j["a"] = oa.profile.name;
    j["b"] = ob.profile.name;
    j["universe"] = oa.universe.ToString();
    j["values"] = oa.values;
    j["ignored"] = traces::DifferenceNames(ignored);
    j["verdict"] = outcome.divergence   ? "divergence"
                   : outcome.exhaustive ? "no-divergence"
                                        : "inconclusive";
    j["exhaustive"] = outcome.exhaustive;
    j["engine"] = outcome.engine;
    j["seconds"] = outcome.seconds;
    if (outcome.bfs_ran)
      j["explore"] = {{"status", solver::explicit_state::ExplorationStatusName(outcome.bfs.status)},
                      {"states", outcome.bfs.states},
                      {"edges", outcome.bfs.edges},
                      {"depth", outcome.bfs.diameter},
                      {"seconds", outcome.bfs.seconds}};
    if (outcome.random_ran)
      j["random"] = {{"seed", flags.seed},
                     {"traces", outcome.random.traces},
                     {"steps", outcome.random.steps},
                     {"original_steps", outcome.random.original_steps},
                     {"seconds", outcome.random.seconds}};
    if (!outcome.inconclusive.empty() && !outcome.divergence) j["why"] = outcome.inconclusive;
    if (outcome.divergence) {
      j["steps"] = outcome.ops.size();
      j["first_divergent_step"] = first;
      j["classes"] = traces::DifferenceNames(classes);
      j["summary"] = summary;
      j["trace"] = traces::PrintTrace(t);
    }
    fmt::print("{}\n", j.dump(2));
    return status;
  }

  fmt::print("mmcheck diff: {} vs {}, universe {}, values 1..{}{}\n", oa.profile.name,
             ob.profile.name, oa.universe.ToString(), oa.values,
             ignored ? ", ignoring " + traces::DifferenceNames(ignored) : "");
  if (outcome.bfs_ran)
    fmt::print("  explore   {}: {} states, {} edges, depth {}, {}\n",
               solver::explicit_state::ExplorationStatusName(outcome.bfs.status),
               outcome.bfs.states, outcome.bfs.edges, outcome.bfs.diameter,
               Seconds(outcome.bfs.seconds));
  if (outcome.random_ran)
    fmt::print("  random    seed {}: {} traces, {} steps, {}{}\n", flags.seed,
               outcome.random.traces, outcome.random.steps, Seconds(outcome.random.seconds),
               outcome.random.found
                   ? fmt::format(", shrunk {} -> {} steps", outcome.random.original_steps,
                                 outcome.random.ops.size())
                   : "");
  if (outcome.divergence) {
    fmt::print(
        "divergence in {} step{} ({}), first at step {}: {}\n\n{}\n{}\n", outcome.ops.size(),
        outcome.ops.size() == 1 ? "" : "s",
        outcome.engine == "explore" ? "shortest in this universe" : "shrunk, not proven shortest",
        first, traces::DifferenceNames(classes), side_by_side, summary);
    if (!flags.out.empty()) fmt::print("trace written to {}\n", flags.out);
  } else if (outcome.exhaustive) {
    fmt::print(
        "no divergence, exhaustive: the two profiles agree on every sequence of this "
        "universe ({} states, depth {})\n",
        outcome.bfs.states, outcome.bfs.diameter);
  } else {
    fmt::print("inconclusive: {}\n", outcome.inconclusive);
  }
  return status;
}

}  // namespace

void AddDiffCommand(CLI::App& app, int* status) {
  static DiffFlags flags;
  auto* cmd = app.add_subcommand(
      "diff",
      "What does a patch change? The shortest operation sequence on which two profiles "
      "differ (return value, values read, cpages, snapshot, kernel events, property "
      "verdicts); exit 0 none, 1 found, 3 inconclusive");
  cmd->add_option("profiles", flags.profiles, "the two profiles (names or .toml files): A B")
      ->required()
      ->expected(2);
  cmd->add_option("--knob-a", flags.knobs_a, "override a knob of A: name=value (repeatable)");
  cmd->add_option("--knob-b", flags.knobs_b, "override a knob of B: name=value (repeatable)");
  cmd->add_option("--universe", flags.universe,
                  std::string("the universe searched (default ") + kDefaultDiffUniverse + ")");
  cmd->add_option("--engine", flags.engine,
                  "explore (exhaustive BFS), random (random traces, shrunk), or auto (BFS, then "
                  "random search when the BFS stops at a limit)")
      ->capture_default_str();
  cmd->add_option("--ignore", flags.ignore,
                  "classes of difference to ignore, comma-separated: enabled, return, timing, "
                  "value, cpages, snapshot, event, verdict");
  AddBudgetOption(cmd, &flags.budget_seconds, "time for the whole search (auto: half for the BFS)")
      ->capture_default_str();
  cmd->add_option("--max-states", flags.max_states, "stop the BFS after this many states")
      ->check(WholeNumber(0, UINT64_MAX, "no limit"));
  cmd->add_option("--values", flags.values, "data values 1..V written by the BFS")
      ->check(WholeNumber(1, 255))
      ->capture_default_str();
  cmd->add_option("--op", flags.only_ops, "only these ops (repeatable)");
  cmd->add_option("--no-op", flags.without_ops, "leave out these ops (repeatable)");
  cmd->add_option("--restrict", flags.restrictions, "ARG=v1,v2: argument values (as explore)");
  cmd->add_option("--seed", flags.seed, "seed of the random search")
      ->check(WholeNumber(0, UINT64_MAX))
      ->capture_default_str();
  cmd->add_option("--steps", flags.steps, "steps per random trace")
      ->check(WholeNumber(1, 1000))
      ->capture_default_str();
  AddJobsOption(cmd, &flags.jobs, JobsAre::kThreads, "of the BFS (results do not depend on it)")
      ->capture_default_str();
  cmd->add_option("--format", flags.format, "text or json")->capture_default_str();
  AddOutOption(cmd, &flags.out, "write the divergent trace here (.mmtrace)");
  cmd->callback([status] { *status = RunDiff(flags); });
}

}  // namespace mmcheck::cli
