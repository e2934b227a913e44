// SPDX-License-Identifier: GPL-2.0
// mmcheck scenarios: every built-in bug scenario on every profile, the
// expected and the observed verdict side by side.
#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "model/dump.h"
#include "properties/properties.h"
#include "traces/output_file.h"
#include "traces/scenarios.h"
#include "traces/trace.h"

namespace mmcheck::cli {
namespace {

struct Options {
  std::vector<std::string> profiles;
  std::vector<std::string> knobs;
  std::vector<std::string> scenarios;
  std::string universe;
  std::string emit;
  bool verbose = false;
  bool show = false;
};

// Re-runs `s` step by step, printing each step, its outcome, its events and
// violations, and the state picture after it.
void Show(const traces::Scenario& s, const model::Profile& p) {
  model::World w = model::World::Initial(s.universe, p.knobs);
  fmt::print("    universe {}\n", s.universe.ToString());
  int i = 0;
  for (const model::Op& op : s.steps) {
    ++i;
    if (!model::Enabled(w, op)) {
      fmt::print("    {}. {}  -- not enabled in this state\n", i, model::FormatOp(op));
      return;
    }
    model::StepResult r = model::Apply(w, op);
    fmt::print("    {}. {}  => ret {}{}{}\n", i, model::FormatOp(op), model::RetName(r.outcome.ret),
               r.outcome.blocked ? " blocked" : "",
               r.outcome.value >= 0 ? fmt::format(" value {}", r.outcome.value) : "");
    for (const model::KernelEvent& e : r.events) {
      std::string text = e.text;
      for (size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at + 1))
        text.replace(at, 1, "\n              ");
      fmt::print("       event: {}\n", text);
    }
    for (const properties::Violation& v : properties::CheckAll(w, r))
      fmt::print("       VIOLATES {}: {}\n", properties::PropertyTable()[v.property].name,
                 v.detail);
    std::string pic = model::DrawWorld(w);
    size_t pos = 0;
    while (pos < pic.size()) {
      size_t nl = pic.find('\n', pos);
      fmt::print("       | {}\n", pic.substr(pos, nl - pos));
      pos = nl + 1;
    }
  }
}

void Run(const Options& opt, int* status) {
  std::vector<model::Profile> profiles;
  if (opt.profiles.empty()) {
    profiles = model::ProfileSet::Builtin().All();
  } else {
    for (const std::string& p : opt.profiles) profiles.push_back(model::ResolveProfile(p));
  }
  for (model::Profile& p : profiles)
    for (const std::string& k : opt.knobs) model::ApplyKnobOverride(p, k);
  std::vector<const traces::Scenario*> scenarios;
  if (opt.scenarios.empty()) {
    for (const traces::Scenario& s : traces::BuiltinScenarios()) scenarios.push_back(&s);
  } else {
    for (const std::string& name : opt.scenarios) {
      const traces::Scenario* s = traces::FindScenario(name);
      if (!s) {
        std::string names;
        for (const traces::Scenario& t : traces::BuiltinScenarios())
          names += (names.empty() ? "" : ", ") + std::string(t.name);
        throw UsageError(fmt::format("unknown scenario '{}' (built-in: {})", name, names));
      }
      scenarios.push_back(s);
    }
  }
  // --universe reruns the scenarios in another universe.
  std::vector<traces::Scenario> resized;
  if (!opt.universe.empty()) {
    model::Universe u = model::ParseUniverse(opt.universe);
    for (const traces::Scenario* s : scenarios) {
      resized.push_back(*s);
      resized.back().universe = u;
    }
    scenarios.clear();
    for (const traces::Scenario& s : resized) scenarios.push_back(&s);
  }
  if (!opt.emit.empty()) {
    try {
      traces::PrepareOutputDirectory(opt.emit);
    } catch (const traces::OutputError& e) {
      throw UsageError(fmt::format("--emit: {}", e.what()));
    }
    // Write each scenario as a trace on each profile: <scenario>--<profile>.mmtrace.
    for (const traces::Scenario* s : scenarios)
      for (const model::Profile& p : profiles) {
        std::string path = fmt::format("{}/{}--{}.mmtrace", opt.emit, s->name, p.name);
        traces::WriteFileAtomically(path, traces::PrintTrace(traces::ScenarioToTrace(*s, p)));
        fmt::print("wrote {}\n", path);
      }
    return;
  }
  int mismatches = 0, runs = 0;
  for (const traces::Scenario* s : scenarios) {
    fmt::print("{}: {}\n  symptom: {}{}\n  expected when: {}\n", s->name, s->question,
               s->property.empty() ? "" : fmt::format("{} violated: ", s->property), s->symptom_doc,
               s->expected_doc);
    fmt::print("  {:<24} {:<10} {:<10} {}\n", "profile", "expected", "observed", "");
    for (const model::Profile& p : profiles) {
      if (opt.show) Show(*s, p);
      traces::ScenarioRun run;
      try {
        run = traces::RunScenario(*s, p);
      } catch (const model::ModelInputError& e) {
        throw UsageError(fmt::format("scenario {} in universe {}: {}", s->name,
                                     s->universe.ToString(), e.what()));
      }
      bool expected = s->expected(p.knobs);
      bool ok = expected == run.showed_symptom;
      ++runs;
      if (!ok) ++mismatches;
      std::string where = run.showed_symptom ? fmt::format("step {}", run.symptom_step) : "";
      fmt::print("  {:<24} {:<10} {:<10} {}{}\n", p.name, expected ? "symptom" : "clean",
                 run.showed_symptom ? "symptom" : "clean", ok ? "ok" : "MISMATCH ",
                 where.empty() ? "" : "  (" + where + ")");
      if (opt.verbose && run.showed_symptom && !run.symptom_detail.empty())
        fmt::print("      {}\n", run.symptom_detail);
    }
  }
  fmt::print("\n{} scenario runs: {} as expected, {} mismatched\n", runs, runs - mismatches,
             mismatches);
  *status = mismatches ? kExitUnexpected : kExitOk;
}

}  // namespace

void AddScenariosCommand(CLI::App& app, int* status) {
  static Options opt;
  auto* cmd = app.add_subcommand(
      "scenarios", "Run every built-in bug scenario on every profile: expected vs observed");
  cmd->add_option("--profile", opt.profiles, "profile name or .toml file (repeatable)");
  AddKnobOption(cmd, &opt.knobs, "the profile(s)");
  cmd->add_option("--scenario", opt.scenarios, "run only this scenario (repeatable)");
  cmd->add_option("--universe", opt.universe,
                  "run in this universe: mms=2,pages=4,folios=6,swap=4,devices=1,pmd_order=2");
  cmd->add_option("--emit", opt.emit,
                  "write each scenario on each profile as DIR/<scenario>--<profile>.mmtrace "
                  "instead of running");
  AddVerboseFlag(cmd, &opt.verbose, "print violation details");
  cmd->add_flag("--show", opt.show, "print every step and the state after it");
  cmd->callback([status] { Run(opt, status); });
}

}  // namespace mmcheck::cli
