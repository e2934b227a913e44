// SPDX-License-Identifier: GPL-2.0
// mmcheck explore: exhaustive breadth-first exploration (solver/explicit, DESIGN.md §2.3).
//
//   mmcheck explore --profile linux-6.14 --universe mms=2,pages=2,folios=3,swap=2 --out cx/
//
// explores the main model (model::World and the operation table, solver/explicit/main_model.h)
// on a profile: states, edges, BFS depth, rate, bytes/state, peak memory, every property's
// verdict with its shortest counterexample written as a .mmtrace into --out, and the AG EF
// liveness verdicts (memory offline / reclaim can empty every frame) with their lassos. Verdicts
// are compared with the profile's expected violations. By default the whole reachable set is
// explored (kMainStopsAtViolation).
//
// With --bench the same command explores the devexcl-core benchmark machine instead
// (explore_bench_command.cpp). The options both take are in explore_common.h.
//
// Exit status: 0 all as expected, 1 a verdict differs, 2 bad usage, 3 a limit stopped the search
// (figures are partial) or the symmetry reduction is not exact.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/explore_common.h"
#include "cli/options.h"
#include "solver/explicit/explorer.h"
#include "solver/explicit/liveness.h"
#include "solver/explicit/main_model.h"
#include "traces/output_file.h"
#include "traces/replay.h"
#include "traces/trace.h"
#include "util/json_report.h"
#include "util/text.h"

namespace mmcheck::cli::explore {
namespace {

using solver::explicit_state::Counterexample;
using solver::explicit_state::ExplorationResult;
using solver::explicit_state::ExplorationStatus;
using solver::explicit_state::Explorer;
using solver::explicit_state::ExplorerOptions;
using solver::explicit_state::LivenessResult;
using solver::explicit_state::LivenessVerdict;
using solver::explicit_state::PropertyInfo;
using util::WithCommas;

// The options only the main model takes.
struct MainFlags {
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
};

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
          !s.expected ? ""
          : r.status == ExplorationStatus::kComplete
              ? " (expected violated; not reachable in this universe)"
              : " (expected violated; not reached before the stop)");
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
          "symmetry       exact: each of the %s renamings is a bisimulation on %s %s "
          "states%s (checked in %s s)\n",
          WithCommas(c.renamings).c_str(), c.swap_sampled == c.states ? "a sample of" : "all",
          WithCommas(c.states).c_str(),
          c.swap_sampled != 0 && c.swap_sampled != c.states
              ? (", swap slots (exact by construction) on a sample of " +
                 WithCommas(c.swap_sampled))
                    .c_str()
              : "",
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

// The report as JSON (format "mmcheck-explore", version 1).
nlohmann::ordered_json MainReportJson(const MainReport& report) {
  const ExplorationResult& r = report.result;
  nlohmann::ordered_json j = util::ReportEnvelope("mmcheck-explore", 1);
  j["profile"] = report.profile;
  j["universe"] = report.universe;
  j["values"] = report.values;
  j["symmetry"] = report.symmetry;
  if (report.symmetry_check) {
    const SymmetryCheck& c = *report.symmetry_check;
    j["symmetry_check"] = {
        {"exact", c.exact},         {"states", c.states},   {"swap_sampled", c.swap_sampled},
        {"renamings", c.renamings}, {"seconds", c.seconds}, {"witness_state", c.witness_state},
        {"witness", c.witness}};
  }
  j["op_instances"] = report.op_instances;
  j["encoding_bytes"] = report.encoding_bytes;
  AddSearchJson(&j, r);
  nlohmann::ordered_json safety = nlohmann::ordered_json::array();
  for (const MainSafety& s : report.safety) {
    nlohmann::ordered_json entry;
    entry["name"] = s.name;
    entry["verdict"] = !s.asserted                                ? "not-checked"
                       : s.counterexample != nullptr              ? "violated"
                       : r.status == ExplorationStatus::kComplete ? "holds"
                                                                  : "unknown";
    entry["expected_violated"] = s.expected;
    entry["after_expected_step"] = s.after_expected_step;
    entry["length"] = s.concrete_ops.size();
    entry["counterexample"] = s.concrete_ops;
    entry["trace"] = s.trace_path;
    safety.push_back(std::move(entry));
  }
  j["safety"] = std::move(safety);
  AddLivenessJson(&j, report.liveness, report.lasso_paths);
  j["liveness_note"] = report.liveness_note;
  AddVerdictJson(&j, report.liveness_seconds, report.exit_status, report.mismatches, report.notes);
  return j;
}

// Runs the main-model exploration described by `flags` and returns the exit status.
int RunMainExploration(const MainFlags& flags, const SearchFlags& search) {
  CheckFormat(search);
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
  // Section numbers are the process's own: MPI ranks exchange whole encodings.
  options.intern_sections = !search.mpi;
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

  CheckOutputs(search, flags.out_dir);

  ExplorerOptions explorer_options = SearchOptions(search, kMainStopsAtViolation);
  explorer_options.asserted_properties = asserted;
  Explorer<MainModel> explorer(model, explorer_options);
  report.result = Search(search, model, explorer_options, explorer, &report.notes);
  const ExplorationResult& r = report.result;
  // The reduced graph stands for the full one only if every renaming is a bisimulation on it.
  // A search cut short by a limit is inconclusive anyway and is not checked (the check costs
  // about as much as the search).
  if (options.symmetry.Any() && r.status == ExplorationStatus::kComplete)
    report.symmetry_check = CheckSymmetry(model, explorer, search.jobs);
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
  } else if (search.mpi) {
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
  WriteGraphOutputs(search, explorer, r.status == ExplorationStatus::kComplete, paths,
                    &report.notes);
  report.exit_status = ExitStatus(r.status == ExplorationStatus::kLimitReached || symmetry_refuted,
                                  report.mismatches);
  if (PrintsReport(search)) {  // with --mpi, rank 0 alone
    if (search.format == "json") {
      std::fputs(util::DumpReport(MainReportJson(report)).c_str(), stdout);
    } else {
      PrintMainText(report);
    }
  }
  return report.exit_status;
}

// Registers the options only the main model takes.
void AddMainOptions(CLI::App* explore, MainFlags* flags) {
  explore->add_option(
      "--profile", flags->profile,
      "Main model: a built-in profile name or a .toml file (see `mmcheck profiles`)");
  AddKnobOption(explore, &flags->knobs, "the profile", "Main model: ");
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
  AddOutOption(explore, &flags->out_dir,
               "Main model: write every shortest counterexample (and each lasso) as a .mmtrace "
               "into this directory");
}

}  // namespace
}  // namespace mmcheck::cli::explore

namespace mmcheck::cli {

void AddExploreCommand(CLI::App& app, int* status) {
  using explore::BenchFlags;
  using explore::MainFlags;
  using explore::SearchFlags;
  auto main_flags = std::make_shared<MainFlags>();
  auto bench_flags = std::make_shared<BenchFlags>();
  auto search_flags = std::make_shared<SearchFlags>();
  CLI::App* command = app.add_subcommand(
      "explore",
      "Exhaustive breadth-first exploration of a bounded universe: state counts, shortest "
      "counterexamples, liveness (AG EF) by strongly connected components, DOT. Explores the "
      "main model on --profile, or the devexcl-core benchmark machine with --bench.");
  explore::AddMainOptions(command, main_flags.get());
  explore::AddBenchOptions(command, bench_flags.get());
  explore::AddSearchOptions(command, search_flags.get());
  command->callback([main_flags, bench_flags, search_flags, status] {
    const MainFlags& flags = *main_flags;
    const BenchFlags& bench = *bench_flags;
    if (bench.bench.empty() && flags.profile.empty()) {
      throw UsageError(
          "explore needs --profile NAME|FILE (the main model) or --bench devexcl-core|"
          "devexcl-core-L");
    }
    if (!bench.bench.empty() && !flags.profile.empty()) {
      throw UsageError("--profile and --bench exclude each other");
    }
    if (!bench.bench.empty() && bench.semantics.empty()) {
      throw UsageError("--sem is required: old or new");
    }
    if (bench.bench.empty() && !bench.semantics.empty()) {
      throw UsageError("--sem applies only to --bench");
    }
    const SearchFlags& search = *search_flags;
    if (search.mpi && (search.jobs != 1 || flags.symmetry != "off" || !search.dump_states.empty() ||
                       !search.dot.empty() || search.max_depth != 0)) {
      throw UsageError("--mpi excludes --jobs, --symmetry, --dump-states, --dot and --max-depth");
    }
    try {
      *status = bench.bench.empty() ? explore::RunMainExploration(flags, *search_flags)
                                    : explore::RunBenchExploration(bench, *search_flags);
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
