// SPDX-License-Identifier: GPL-2.0
// mmcheck replay | render | export: run a .mmtrace on the model and show it.
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "model/input_file.h"
#include "traces/c_reproducer.h"
#include "traces/generate.h"
#include "traces/output_file.h"
#include "traces/replay.h"

namespace mmcheck::cli {
namespace {

struct ReplayOptions {
  std::vector<std::string> files;
  std::vector<std::string> profiles;
  bool quiet = false;
  std::string format = "text";
  bool fill = false;
};

void RunReplay(const ReplayOptions& opt, int* status) {
  if (opt.profiles.size() > 2) throw UsageError("replay compares at most two profiles");
  if (opt.format != "text" && opt.format != "json")
    throw UsageError("unknown --format '" + opt.format + "'; accepted: text, json");
  if (opt.format == "json" && opt.profiles.size() == 2)
    throw UsageError("--format json replays on one profile");
  if (opt.fill && (opt.files.size() != 1 || opt.profiles.size() == 2))
    throw UsageError("--fill takes one trace and at most one --profile");
  int mismatched = 0;
  nlohmann::ordered_json runs = nlohmann::ordered_json::array();
  for (const std::string& file : opt.files) {
    traces::Trace t = traces::ReadTraceFile(file);
    if (opt.profiles.size() == 2) {
      model::Profile a = model::ResolveProfile(opt.profiles[0]);
      model::Profile b = model::ResolveProfile(opt.profiles[1]);
      traces::ApplyTraceKnobs(t, file, a);
      traces::ApplyTraceKnobs(t, file, b);
      traces::ReplayResult ra = traces::Replay(t, file, a), rb = traces::Replay(t, file, b);
      int first = 0;
      fmt::print("{}: {}\n{}", file, t.question, traces::RenderSideBySide(t, ra, rb, first));
      continue;
    }
    model::Profile p = opt.profiles.empty() ? traces::TraceProfile(t, file)
                                            : model::ResolveProfile(opt.profiles[0]);
    if (!opt.profiles.empty()) traces::ApplyTraceKnobs(t, file, p);
    traces::ReplayResult r = traces::Replay(t, file, p);
    if (opt.fill) {
      // Every step's outcome as its expectation (entries kept as the trace gave them).
      for (size_t i = 0; i < t.steps.size(); ++i) {
        std::vector<traces::StepExpect::Entry> entries = t.steps[i].expect.entries;
        t.steps[i].expect = traces::ExpectationsOf(r.run.steps[i].result);
        t.steps[i].expect.entries = entries;
      }
      fmt::print("{}", traces::PrintTrace(t));
      *status = kExitOk;
      return;
    }
    mismatched += !r.matches;
    if (opt.format == "json") {
      runs.push_back(traces::ReplayToJson(t, file, r));
      continue;
    }
    if (opt.quiet)
      fmt::print("{:<48} {:<44} {}\n", file, r.verdict, r.matches ? "ok" : "NOT AS EXPECTED");
    else
      fmt::print("{}: {}\n{}", file, t.question, traces::RenderStepTable(t, r));
  }
  if (opt.format == "json") {
    fmt::print("{}\n", (opt.files.size() == 1 ? runs[0] : runs).dump(2));
    *status = mismatched ? kExitUnexpected : kExitOk;
    return;
  }
  if (opt.files.size() > 1 && opt.profiles.size() < 2)
    fmt::print("{} traces: {} as expected, {} not\n", opt.files.size(),
               opt.files.size() - static_cast<size_t>(mismatched), mismatched);
  *status = mismatched ? kExitUnexpected : kExitOk;
}

struct OutputOptions {
  std::string file;
  std::string profile;
  std::vector<std::string> knobs;  // applied after the trace's own knob lines
  std::string out;
};

// Writes `text` to opt.out (atomically) or stdout.
void Emit(const OutputOptions& opt, const std::string& text) {
  if (opt.out.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return;
  }
  traces::WriteFileAtomically(opt.out, text);
}

traces::ReplayResult ReplayFor(const OutputOptions& opt, traces::Trace& t) {
  if (!opt.out.empty()) {
    try {
      traces::CheckOutputFile(opt.out);
    } catch (const traces::OutputError& e) {
      throw UsageError(fmt::format("--out: {}", e.what()));
    }
  }
  t = traces::ReadTraceFile(opt.file);
  model::Profile p =
      opt.profile.empty() ? traces::TraceProfile(t, opt.file) : model::ResolveProfile(opt.profile);
  // On another profile the trace's own knob lines still hold (as in replay);
  // --knob comes last.
  if (!opt.profile.empty())
    for (const std::string& k : t.knobs) model::ApplyKnobOverride(p, k);
  for (const std::string& k : opt.knobs) model::ApplyKnobOverride(p, k);
  // Step expectations ("=>") are the trace's profile's; on another profile or with other knobs
  // the outputs show what the model says there.
  if (!opt.profile.empty() || !opt.knobs.empty())
    for (traces::TraceStep& step : t.steps) step.expect = {};
  return traces::Replay(t, opt.file, p);
}

struct GenerateArgs {
  std::string profile = "linux-6.12";
  std::vector<std::string> knobs;
  std::string universe = "mms=2,pages=4,folios=6,swap=4,devices=2,pmd_order=2,device_pages=8";
  std::string out;
  uint64_t seed = 1;
  int count = 10, steps = 8;
  bool user_space = false;
};

struct FmtArgs {
  std::vector<std::string> files;
  bool check = false;
};

// Rewrites each trace in its canonical form (the printer's: the form
// `print(parse(t)) == t` keeps, steps wrapped at 75 columns); --check only
// names the files that are not, and exits 1. A trace that does not parse is
// an input error (exit 2) and no file is rewritten.
void RunFmt(const FmtArgs& a, int* status) {
  std::vector<std::pair<std::string, std::string>> changed;
  for (const std::string& file : a.files) {
    const std::string text = model::ReadInputFile(file, "trace file");
    const std::string canonical = traces::PrintTrace(traces::ParseTrace(file, text));
    if (canonical != text) changed.emplace_back(file, canonical);
  }
  for (const auto& [file, canonical] : changed) {
    if (a.check)
      fmt::print("{}: not in canonical form (mmcheck fmt {})\n", file, file);
    else
      traces::WriteFileAtomically(file, canonical);
  }
  *status = a.check && !changed.empty() ? kExitUnexpected : kExitOk;
}

void RunGenerate(const GenerateArgs& a) {
  traces::GenerateOptions o;
  o.trace_profile = a.profile;
  o.profile = model::ResolveProfile(a.profile);
  for (const std::string& k : a.knobs) model::ApplyKnobOverride(o.profile, k);
  o.knobs = a.knobs;
  o.universe = model::ParseUniverse(a.universe);
  o.seed = a.seed;
  o.steps = a.steps;
  o.user_space = a.user_space;
  std::error_code ec;
  std::filesystem::create_directories(a.out, ec);
  if (ec || !std::filesystem::is_directory(a.out))
    throw UsageError(fmt::format("--out {}: cannot create the directory", a.out));
  for (int i = 0; i < a.count; ++i) {
    traces::Trace t = traces::RandomTrace(o, static_cast<uint64_t>(i));
    traces::WriteFileAtomically(fmt::format("{}/random-{}-{:05}.mmtrace", a.out, a.seed, i),
                                traces::PrintTrace(t));
  }
  fmt::print("{} traces in {}\n", a.count, a.out);
}

}  // namespace

void AddTraceCommands(CLI::App& app, int* status) {
  static GenerateArgs gen;
  auto* g = app.add_subcommand(
      "generate",
      "Write random traces (for kernel/conform.sh): ops drawn from the op table, "
      "each enabled where it runs; the expect line is the model's verdict");
  g->add_option("--profile", gen.profile, "profile whose verdict the traces expect")
      ->capture_default_str();
  AddKnobOption(g, &gen.knobs, "the traces (written into each)");
  g->add_option("--universe", gen.universe, "the traces' universe")->capture_default_str();
  g->add_option("--count", gen.count, "how many traces")
      ->check(WholeNumber(1, 1000000))
      ->capture_default_str();
  g->add_option("--seed", gen.seed, "trace i of a seed is the same on every machine")
      ->check(WholeNumber(0, UINT64_MAX))
      ->capture_default_str();
  g->add_option("--steps", gen.steps, "steps per trace")
      ->check(WholeNumber(1, 1000))
      ->capture_default_str();
  g->add_flag("--user-space", gen.user_space,
              "only steps a C reproducer can trigger from user space (mmcheck export --c)");
  AddOutOption(g, &gen.out, "directory for random-SEED-NNNNN.mmtrace")->required();
  g->callback([] { RunGenerate(gen); });

  static ReplayOptions replay;
  auto* r = app.add_subcommand(
      "replay",
      "Run .mmtrace files, check every property after every step, compare with the "
      "expected verdict (exit 1 if not as expected); two --profile: side by side");
  r->add_option("files", replay.files, "trace files")->required();
  r->add_option("--profile", replay.profiles, "run on this profile instead (twice: compare)");
  r->add_flag("-q,--quiet", replay.quiet, "one line per trace");
  r->add_option("--format", replay.format,
                "text or json (per step: op, outcome, events, violations, expectations, state)")
      ->capture_default_str();
  r->add_flag("--fill", replay.fill,
              "print the trace with every step's outcome written as its expectation (=> ret=... "
              "value=...), to edit down to what the test needs");
  r->callback([status] { RunReplay(replay, status); });

  static FmtArgs fmt_args;
  auto* f = app.add_subcommand(
      "fmt", "Rewrite .mmtrace files in canonical form (steps wrapped at 75 columns)");
  f->add_option("files", fmt_args.files, "trace files")->required();
  f->add_flag("--check", fmt_args.check,
              "change nothing; list the files that are not canonical (exit 1 if any)");
  f->callback([status] { RunFmt(fmt_args, status); });

  static OutputOptions render;
  static bool dot = false;
  auto* d = app.add_subcommand("render", "Render a trace (page tables and folios per step)");
  d->add_option("file", render.file, "trace file")->required();
  d->add_flag("--dot", dot, "Graphviz DOT (the only format so far)")->required();
  d->add_option("--profile", render.profile, "run on this profile instead");
  AddOutOption(d, &render.out, "write here (atomically) instead of stdout");
  d->callback([] {
    traces::Trace t;
    traces::ReplayResult res = ReplayFor(render, t);
    Emit(render, traces::RenderDot(t, res));
  });

  static OutputOptions exp;
  static bool itf = false, c = false;
  auto* e = app.add_subcommand(
      "export",
      "Export a trace: --itf (Informal Trace Format JSON) or --c (a C reproducer in "
      "the style of hmm-tests.c, expecting what the model says on the profile)");
  e->add_option("file", exp.file, "trace file")->required();
  auto* itf_flag = e->add_flag("--itf", itf, "ITF JSON, one state per step");
  e->add_flag("--c", c, "C reproducer: dmirror ioctls, one process per mm")->excludes(itf_flag);
  e->add_option("--profile", exp.profile,
                "run on this profile instead (the C file's expectations)");
  AddKnobOption(e, &exp.knobs, "the trace, after its own knob lines")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  AddOutOption(e, &exp.out, "write here (atomically) instead of stdout");
  e->callback([] {
    if (!itf && !c) throw UsageError("export needs a format: --itf or --c");
    traces::Trace t;
    traces::ReplayResult res = ReplayFor(exp, t);
    if (itf) {
      Emit(exp, traces::ExportItf(t, res).dump(2) + "\n");
      return;
    }
    // The C file checks what the model says; a trace whose own step expectations the model
    // does not meet would export checks that contradict it.
    if (!res.step_mismatches.empty())
      throw model::ModelInputError(fmt::format(
          "{}:{}:1: step {}: {} (the C file would check the model's outcome; fix the trace or "
          "the model first)",
          exp.file, t.steps[static_cast<size_t>(res.step_mismatches[0].first - 1)].line,
          res.step_mismatches[0].first, res.step_mismatches[0].second));
    traces::CReproducer repro = traces::ExportCReproducer(t, exp.file, res);
    Emit(exp, repro.source);
    if (repro.commented_steps)
      std::fprintf(stderr,
                   "%s: %d step(s) have no user-space trigger; the C file keeps them as comments\n",
                   exp.file.c_str(), repro.commented_steps);
  });
}

}  // namespace mmcheck::cli
