// SPDX-License-Identifier: GPL-2.0
// mmcheck verify-series: every prefix of a patch series, bisect-style (traces/series.h).
//
//   mmcheck verify-series hildenbrand-v2
//
// One campaign over the base and every prefix (the budget split among them), each prefix's
// violations compared with what its profile expects and with the prefix before; --diff adds
// the behavioural diff of each patch (mmcheck diff between consecutive prefixes).
//
// Exit status: 0 every prefix as expected, 1 a prefix violates what it should not (a patch
// breaks bisectability) or misses what it should, 2 bad usage, 3 the campaign was cut short.
#include <unistd.h>

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "solver/explicit/diff_model.h"
#include "solver/explicit/main_model.h"
#include "traces/campaign.h"
#include "traces/series.h"

namespace mmcheck::cli {
namespace {

struct SeriesFlags {
  std::string series;
  std::string universe;
  std::vector<std::string> corpus;
  double budget_seconds = 30;
  std::uint64_t seed = 1;
  int jobs = 0;
  std::string format = "text";
  bool wide = false;
  bool diff = false;
  double diff_budget_seconds = 2;
  bool explore = false;
  double explore_budget_seconds = 2;
  std::string explore_universe = "mms=2,pages=2,folios=3,swap=2,devices=1,pmd_order=1";
};

// Breadth-first search of one prefix in a small universe (the explorer): the
// shortest counterexample of every property it violates there, as corpus
// traces for the campaign, which judges them with its own (expected, found /
// unexpected / consequence) rules on every prefix. Returns what was searched.
std::string ExplorePrefix(const model::Profile& profile, const model::Universe& u,
                          double budget_seconds, int jobs, std::vector<traces::CorpusTrace>& out) {
  namespace ex = solver::explicit_state;
  ex::MainModelOptions mo;
  mo.profile = profile;
  mo.trace_profile = profile.name;
  mo.universe = u;
  mo.checked = properties::HardProperties();
  const ex::MainModel model(mo);
  ex::ExplorerOptions eo;
  eo.jobs = jobs;
  eo.asserted_properties = model.DefaultAssertedMask();
  eo.stop_at_violation = false;
  eo.time_budget_seconds = budget_seconds;
  ex::Explorer<ex::MainModel> explorer(model, eo);
  const ex::ExplorationResult r = explorer.Run();
  int found = 0;
  for (const ex::PropertyInfo& info : model.Properties()) {
    const ex::Counterexample* c = r.Violation(info.name);
    if (c == nullptr) continue;
    ++found;
    out.push_back({fmt::format("explore:{}:{}", profile.name, info.name),
                   model.MakeTrace(model.Concretize(c->ops, c->property), info.name,
                                   "Can " + info.name + " be violated on " + profile.name +
                                       "? (shortest, by BFS)",
                                   {"Shortest counterexample found by verify-series --explore."})});
  }
  return fmt::format("{} {} states, {} violated",
                     r.status == ex::ExplorationStatus::kComplete ? "exhaustive," : "cut short at",
                     r.states, found);
}

// The behavioural diff of one patch, in one line.
std::string PatchDiff(const model::Profile& before, const model::Profile& after,
                      const model::Universe& u, double budget_seconds, std::uint64_t seed) {
  if (before.knobs == after.knobs) return "";
  solver::explicit_state::MainModelOptions a, b;
  a.profile = before;
  b.profile = after;
  a.universe = b.universe = u;
  solver::explicit_state::DivergenceSearchOptions so;
  so.budget_seconds = budget_seconds;
  so.seed = seed;
  const solver::explicit_state::DivergenceSearch d =
      solver::explicit_state::SearchDivergence(a, b, so);
  if (d.exhaustive) return "no divergence (exhaustive)";
  if (!d.divergence) return "inconclusive: " + d.inconclusive;
  const traces::Divergence first =
      traces::FirstDivergence(u, before.knobs, after.knobs, d.ops, traces::kDiffState);
  std::string ops;
  for (const model::Op& op : d.ops) ops += (ops.empty() ? "" : "; ") + traces::PrintOp(op);
  return fmt::format("{} in {} step{} ({}{})", traces::DifferenceNames(first.classes), d.ops.size(),
                     d.ops.size() == 1 ? "" : "s", ops,
                     d.engine == "explore" ? "" : ", shrunk from a random trace");
}

int RunSeries(const SeriesFlags& flags) {
  if (flags.format != "text" && flags.format != "json" && flags.format != "markdown")
    throw UsageError("unknown --format '" + flags.format + "'; accepted: text, json, markdown");
  const traces::Series series = traces::LoadSeries(flags.series);  // ModelInputError: exit 2
  traces::CampaignOptions o;
  o.budget_seconds = flags.budget_seconds;
  o.budget_text = FormatDuration(flags.budget_seconds);
  o.seed = flags.seed;
  o.jobs = flags.jobs > 0 ? flags.jobs
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  o.properties = properties::HardProperties();
  std::vector<model::UniverseNeeds> needs;
  auto add = [&](const model::Profile& p) {
    traces::CampaignProfile cp;
    cp.profile = p;
    cp.trace_profile = p.name;
    needs.push_back(p.needs);
    o.profiles.push_back(std::move(cp));
  };
  add(series.base);
  for (const traces::SeriesPatch& p : series.patches) add(p.profile);
  o.universe =
      flags.universe.empty() ? model::UniverseMeeting(needs) : model::ParseUniverse(flags.universe);
  o.corpus = traces::LoadCorpus("", flags.corpus);
  std::vector<std::string> explored;
  if (flags.explore) {
    const model::Universe eu = model::ParseUniverse(flags.explore_universe);
    for (const traces::CampaignProfile& cp : o.profiles)
      explored.push_back(
          ExplorePrefix(cp.profile, eu, flags.explore_budget_seconds, o.jobs, o.corpus));
  }
  const traces::Report report = traces::RunCampaign(o);
  traces::SeriesVerdict v = traces::JudgeSeries(series, report);
  for (size_t i = 0; i < explored.size() && i < v.rows.size(); ++i)
    v.rows[i].explored = explored[i];
  if (flags.explore)
    v.explore = fmt::format("breadth-first in {}, {} a prefix", flags.explore_universe,
                            FormatDuration(flags.explore_budget_seconds));
  if (flags.diff) {
    const model::Universe u =
        model::ParseUniverse("mms=2,pages=2,folios=3,swap=2,devices=1,pmd_order=1");
    for (size_t i = 1; i < v.rows.size(); ++i) {
      const model::Profile& before = i == 1 ? series.base : series.patches[i - 2].profile;
      v.rows[i].diff = PatchDiff(before, series.patches[i - 1].profile, u,
                                 flags.diff_budget_seconds, flags.seed);
    }
  }
  if (flags.format == "json")
    fmt::print("{}\n", traces::SeriesToJson(v).dump(2));
  else if (flags.format == "markdown")
    fmt::print("{}", traces::RenderSeriesMarkdown(v));
  else
    fmt::print("{}", traces::RenderSeriesText(v, flags.wide));
  return ExitOf(v.verdict);
}

}  // namespace

void AddSeriesCommand(CLI::App& app, int* status) {
  static SeriesFlags flags;
  auto* cmd = app.add_subcommand(
      "verify-series",
      "Every prefix of a patch series, bisect-style: the properties each prefix violates against "
      "what it expects, what each patch fixes and introduces (an unexpected new violation breaks "
      "bisectability); exit 0 as expected, 1 not, 3 cut short");
  cmd->add_option("series", flags.series, "a built-in series (hildenbrand-v2) or a .toml file")
      ->required();
  AddBudgetOption(cmd, &flags.budget_seconds,
                  "the campaign's time, split among the base and the prefixes")
      ->capture_default_str();
  cmd->add_option("--seed", flags.seed, "the campaign's seed")
      ->check(WholeNumber(0, UINT64_MAX))
      ->capture_default_str();
  AddJobsOption(cmd, &flags.jobs, JobsAre::kProcesses, "(default: the number of cores)");
  cmd->add_option("--universe", flags.universe,
                  "the campaign's universe (default: the smallest meeting every prefix's "
                  "min_universe)");
  cmd->add_option("--corpus", flags.corpus, "replay these traces (files or directories) first");
  cmd->add_option("--format", flags.format, "text, json or markdown")->capture_default_str();
  cmd->add_flag("--wide", flags.wide, "text for a terminal: titles and property names in full");
  cmd->add_flag("--diff", flags.diff,
                "also the behavioural diff of each patch that changes a knob (mmcheck diff of "
                "consecutive prefixes, explore's default universe)");
  cmd->add_option("--diff-budget", flags.diff_budget_seconds, "time for each patch's diff")
      ->transform(Duration())
      ->capture_default_str();
  cmd->add_flag("--explore", flags.explore,
                "also search every prefix exhaustively (breadth-first) in a small universe; its "
                "shortest counterexamples join the campaign's corpus");
  cmd->add_option("--explore-budget", flags.explore_budget_seconds, "time for each prefix's search")
      ->transform(Duration())
      ->capture_default_str();
  cmd->add_option("--explore-universe", flags.explore_universe, "the searches' universe")
      ->capture_default_str();
  cmd->callback([status] { *status = RunSeries(flags); });
}

}  // namespace mmcheck::cli
