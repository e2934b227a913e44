// SPDX-License-Identifier: GPL-2.0
// mmcheck prove: the Z3 lemmas on the kernel encodings (solver/smt/lemmas.h)
// and bounded model checking / k-induction of the model's properties on the
// symbolic transition relation (solver/smt/bmc.h), for every selected
// profile, each verdict compared with the profile's [[expect]].
//
//   mmcheck prove [--profile P]... [--lemma NAME|all]... [--knob k=v]...
//                 [--timeout T] [--budget T] [--format text|json]
//   mmcheck prove [--profile P]... [--property X]... [--depth K] [--induction]
//                 [--engine sat|explicit] [--knob k=v]... [--timeout T] [--budget T] [--out DIR]
//                 [--format text|json] [--verbose]
//   mmcheck prove --list
//
// One line (or JSON object) per (profile, lemma) or (profile, property).
// Exit status (DESIGN.md §2.5): 0 every verdict as expected; 1 a refutation
// the profile does not expect, an expected refutation that was proved, or a
// BMC counterexample the concrete model does not confirm; 3 a solver
// unknown/timeout, an expected violation not reached within the bound, or
// k-induction that did not conclude, or the whole-run --budget ran out, and
// nothing unexpected; 2 bad usage.
//
// --timeout bounds each solver query; --budget bounds the whole run: every
// query gets at most what is left of it, and what it stops is unknown.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/explore_common.h"
#include "cli/options.h"
#include "model/profile.h"
#include "solver/smt/bmc.h"
#include "solver/smt/lemmas.h"
#include "solver/smt/query.h"
#include "solver/smt/symbolic_model.h"
#include "traces/output_file.h"
#include "traces/trace.h"
#include "util/json_report.h"

namespace mmcheck::cli {
namespace {

namespace smt = mmcheck::solver::smt;

struct ProveOptions {
  std::vector<std::string> profiles;
  std::vector<std::string> lemmas;
  std::vector<std::string> knobs;
  double timeout_s = 10;
  double budget_s = 0;  // the whole run; 0: not given, no limit
  std::string format = "text";
  // Bounded model checking / k-induction (any of these selects BMC mode).
  int depth = -1;
  bool induction = false;
  std::vector<std::string> properties;
  std::string out_dir;
  bool verbose = false;
  bool list = false;
  int device_pages = 0;        // BMC universe: 0, or 1 device-private page
  std::string engine = "sat";  // BMC: sat (Z3 on the unrolling) or explicit (BFS, bmc_explicit.cpp)
  std::vector<std::string> ops;  // BMC alphabet: these op codes only (empty: every symbolic one)
  // BMC: threads solving a depth's cubes (BmcOptions::jobs); default one per core, at most one a
  // cube.
  int jobs = static_cast<int>(
      std::clamp(std::thread::hardware_concurrency(), 1u, static_cast<unsigned>(smt::kBmcCubes)));
};

// One judged result.
struct Row {
  const model::Profile* profile;
  smt::LemmaResult result;
  smt::Outcome outcome;
};

std::string_view OutcomeName(smt::Outcome o) {
  switch (o) {
    case smt::Outcome::kAsExpected:
      return "as-expected";
    case smt::Outcome::kUnexpectedRefutation:
      return "unexpected-refutation";
    case smt::Outcome::kExpectedRefutationProved:
      return "expected-refutation-proved";
    case smt::Outcome::kInconclusive:
      return "inconclusive";
  }
  return "?";
}

// The accepted lemma names, for usage errors.
std::string LemmaList() {
  std::string names;
  for (const std::string& n : smt::LemmaNames()) names += (names.empty() ? "" : ", ") + n;
  return names + ", all";
}

// Validates --lemma values; returns the names to run (empty: all).
std::vector<std::string> SelectLemmas(const std::vector<std::string>& requested) {
  std::vector<std::string> out;
  for (const std::string& name : requested) {
    if (name == "all") return {};
    if (!smt::IsLemma(name))
      throw UsageError(
          fmt::format("--lemma: unknown lemma '{}' (accepted: {})", name, LemmaList()));
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
  return out;
}

// The profiles to prove: every built-in one by default, else each --profile
// (a built-in name or a .toml path), with every --knob applied.
std::vector<model::Profile> SelectProfiles(const ProveOptions& o) {
  std::vector<model::Profile> out;
  if (o.profiles.empty()) {
    out = model::ProfileSet::Builtin().All();
  } else {
    for (const std::string& p : o.profiles) out.push_back(model::ResolveProfile(p));
  }
  for (model::Profile& p : out)
    for (const std::string& k : o.knobs) model::ApplyKnobOverride(p, k);
  return out;
}

// The text line of one row.
std::string TextLine(const Row& row, size_t profile_width, size_t lemma_width) {
  const smt::LemmaResult& r = row.result;
  const model::ExpectedViolation* exp = row.profile->Expectation(r.lemma);
  std::string line =
      fmt::format("{:<{}}  {:<{}}  ", row.profile->name, profile_width, r.lemma, lemma_width);
  auto detail = [&] {
    std::string d = fmt::format(" [{}]", r.failing_case);
    if (!r.witness.empty()) d += " witness: " + smt::FormatWitness(r.witness);
    if (!r.explanation.empty()) d += " -- " + r.explanation;
    return d;
  };
  switch (row.outcome) {
    case smt::Outcome::kAsExpected:
      if (r.verdict == smt::Verdict::kProved) return line + "proved";
      return line +
             fmt::format("refuted, expected (fixed by {}){}", exp ? exp->fixed_by : "?", detail());
    case smt::Outcome::kUnexpectedRefutation:
      return line + "REFUTED, UNEXPECTED" + detail();
    case smt::Outcome::kExpectedRefutationProved:
      return line + fmt::format("PROVED, BUT A REFUTATION IS EXPECTED (fixed by {})",
                                exp ? exp->fixed_by : "?");
    case smt::Outcome::kInconclusive:
      return line + "unknown" + detail();
  }
  return line;
}

nlohmann::ordered_json JsonRow(const Row& row) {
  const smt::LemmaResult& r = row.result;
  const model::ExpectedViolation* exp = row.profile->Expectation(r.lemma);
  nlohmann::ordered_json witness = nlohmann::ordered_json::object();
  for (const auto& value : r.witness) witness[value.name] = fmt::format("{:#x}", value.value);
  nlohmann::ordered_json j;
  j["profile"] = row.profile->name;
  j["lemma"] = r.lemma;
  j["verdict"] = smt::VerdictName(r.verdict);
  j["expected_refutation"] = exp != nullptr;
  j["fixed_by"] = exp ? nlohmann::ordered_json(exp->fixed_by) : nlohmann::ordered_json(nullptr);
  j["outcome"] = OutcomeName(row.outcome);
  j["case"] = r.failing_case;
  j["witness"] = std::move(witness);
  j["witness_replayed"] = r.witness_replayed;
  j["explanation"] = r.explanation;
  j["unsat_core"] = r.unsat_core;
  j["notes"] = r.notes;
  return j;
}

// ---- bounded model checking and k-induction ----

// How a BMC verdict compares with the profile's [[expect]].
enum class BmcOutcome : uint8_t { kAsExpected, kUnexpected, kInconclusive };

struct BmcRow {
  const model::Profile* profile;
  smt::BmcResult result;
  BmcOutcome outcome;
  std::string trace_file;  // where the counterexample was written ("" if not)
};

BmcOutcome JudgeBmc(const model::Profile& p, const smt::BmcResult& r) {
  const bool expected = p.ExpectsViolation(r.property);
  switch (r.verdict) {
    case smt::BmcVerdict::kRefuted:
      return expected ? BmcOutcome::kAsExpected : BmcOutcome::kUnexpected;
    case smt::BmcVerdict::kMismatch:
      return BmcOutcome::kUnexpected;  // the engines disagree: always news
    case smt::BmcVerdict::kInductive:
    case smt::BmcVerdict::kExhausted:
      return expected ? BmcOutcome::kUnexpected : BmcOutcome::kAsExpected;
    case smt::BmcVerdict::kBounded:
      // An expected violation not reached within the bound is not a result.
      return expected ? BmcOutcome::kInconclusive : BmcOutcome::kAsExpected;
    case smt::BmcVerdict::kUnknown:
      return BmcOutcome::kInconclusive;
  }
  return BmcOutcome::kInconclusive;
}

std::string_view BmcOutcomeName(BmcOutcome o) {
  switch (o) {
    case BmcOutcome::kAsExpected:
      return "as-expected";
    case BmcOutcome::kUnexpected:
      return "unexpected";
    case BmcOutcome::kInconclusive:
      return "inconclusive";
  }
  return "?";
}

std::string PropertyList() {
  std::string names;
  for (const std::string& n : smt::BmcProperties()) names += (names.empty() ? "" : ", ") + n;
  return names;
}

std::vector<std::string> SelectProperties(const std::vector<std::string>& requested) {
  std::vector<std::string> out;
  for (const std::string& name : requested) {
    if (name == "all") return smt::BmcProperties();
    if (!smt::IsBmcProperty(name))
      throw UsageError(
          fmt::format("--property: unknown or not symbolic property '{}' (accepted: "
                      "{}, all)",
                      name, PropertyList()));
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
  return out.empty() ? smt::BmcProperties() : out;
}

std::string BmcText(const BmcRow& row, size_t pw, size_t qw, bool verbose) {
  const smt::BmcResult& r = row.result;
  const model::ExpectedViolation* exp = row.profile->Expectation(r.property);
  std::string line = fmt::format("{:<{}}  {:<{}}  ", row.profile->name, pw, r.property, qw);
  std::string verdict;
  switch (r.verdict) {
    case smt::BmcVerdict::kBounded:
      verdict = exp ? fmt::format("NOT REACHED up to depth {} (expected, fixed by {})", r.depth,
                                  exp->fixed_by)
                    : fmt::format("proved up to depth {}", r.depth);
      if (!r.induction_note.empty()) verdict += " -- " + r.induction_note;
      break;
    case smt::BmcVerdict::kInductive:
      verdict =
          exp ? fmt::format("PROVED AT EVERY DEPTH, BUT A VIOLATION IS EXPECTED (fixed by {})",
                            exp->fixed_by)
              : fmt::format("proved at every depth ({}-inductive)", r.depth);
      break;
    case smt::BmcVerdict::kExhausted:
      verdict = exp ? fmt::format("HOLDS AT EVERY DEPTH, BUT A VIOLATION IS EXPECTED (fixed by {})",
                                  exp->fixed_by)
                    : fmt::format("proved at every depth (every reachable state seen, by depth {})",
                                  r.depth);
      break;
    case smt::BmcVerdict::kRefuted:
      verdict =
          exp ? fmt::format("refuted at depth {}, expected (fixed by {})", r.depth, exp->fixed_by)
              : fmt::format("REFUTED at depth {}, UNEXPECTED", r.depth);
      verdict += fmt::format(" -- replay confirms: {}", r.replay_detail);
      break;
    case smt::BmcVerdict::kMismatch:
      verdict = fmt::format("MODEL/ENCODING MISMATCH at depth {}: {}", r.depth, r.replay_detail);
      break;
    case smt::BmcVerdict::kUnknown:
      verdict = fmt::format("unknown (proved up to depth {} only)", r.depth);
      if (!r.induction_note.empty()) verdict += " -- " + r.induction_note;
      if (!r.reason.empty()) verdict += " -- " + r.reason;
      break;
  }
  line += verdict;
  if (!row.trace_file.empty()) line += "\n    trace: " + row.trace_file;
  if (row.trace_file.empty() && !r.ops.empty()) {
    std::string text = traces::PrintTrace(r.trace);
    std::string indented;
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      indented += "\n    | " + text.substr(start, end - start);
      start = end + 1;
    }
    line += indented;
  }
  if (verbose && !r.unsat_core.empty()) {
    std::string core;
    for (const std::string& c : r.unsat_core) core += (core.empty() ? "" : ", ") + c;
    line += "\n    unsat core: " + core;
  }
  return line;
}

nlohmann::ordered_json BmcJson(const BmcRow& row) {
  const smt::BmcResult& r = row.result;
  const model::ExpectedViolation* exp = row.profile->Expectation(r.property);
  nlohmann::ordered_json j;
  j["profile"] = row.profile->name;
  j["property"] = r.property;
  j["verdict"] = std::string(smt::BmcVerdictName(r.verdict));
  j["depth"] = r.depth;
  j["expected_violation"] = exp != nullptr;
  j["fixed_by"] = exp ? nlohmann::ordered_json(exp->fixed_by) : nlohmann::ordered_json(nullptr);
  j["outcome"] = std::string(BmcOutcomeName(row.outcome));
  j["trace_file"] = row.trace_file;
  j["trace"] = r.ops.empty() ? std::string() : traces::PrintTrace(r.trace);
  j["replay_confirmed"] = r.replay_confirmed;
  j["replay"] = r.replay_detail;
  j["unsat_core"] = r.unsat_core;
  j["induction"] = r.induction_note;
  j["reason"] = r.reason;
  return j;
}

// The end of the whole-run --budget, or time_point::max() without one.
std::chrono::steady_clock::time_point Deadline(const ProveOptions& o) {
  if (o.budget_s <= 0) return std::chrono::steady_clock::time_point::max();
  return std::chrono::steady_clock::now() +
         std::chrono::duration_cast<std::chrono::steady_clock::duration>(
             std::chrono::duration<double>(o.budget_s));
}

// "; the whole-run --budget 5s ran out" when it did, for the summary line.
std::string BudgetNote(const ProveOptions& o, std::chrono::steady_clock::time_point deadline) {
  if (std::chrono::steady_clock::now() < deadline) return "";
  return fmt::format("; the whole-run --budget {} ran out", FormatDuration(o.budget_s));
}

// The op codes of --op (empty: every symbolic op of the universe); each must be a symbolic op,
// and a device op needs --device-pages 1.
std::vector<model::OpCode> SelectOps(const ProveOptions& o) {
  std::vector<model::OpCode> out;
  for (const std::string& name : o.ops) {
    const model::OpInfo* info = model::FindOp(name);
    const bool device =
        info && std::find(smt::SymbolicDeviceOpCodes().begin(), smt::SymbolicDeviceOpCodes().end(),
                          info->code) != smt::SymbolicDeviceOpCodes().end();
    if (!info || !smt::IsSymbolicOp(info->code) || (device && o.device_pages == 0)) {
      std::string names;
      for (model::OpCode c : smt::SymbolicOpCodes())
        names += fmt::format("{}{}", names.empty() ? "" : ", ", model::InfoOf(c).name);
      for (model::OpCode c : smt::SymbolicDeviceOpCodes())
        names += fmt::format(", {} (with --device-pages 1)", model::InfoOf(c).name);
      throw UsageError(
          fmt::format("--op: '{}' is not an op of the symbolic model (accepted: {})", name, names));
    }
    if (std::find(out.begin(), out.end(), info->code) == out.end()) out.push_back(info->code);
  }
  return out;
}

int RunBmc(const ProveOptions& o) {
  if (!o.lemmas.empty())
    throw UsageError("--lemma cannot be combined with --depth/--induction/--property/--out");
  smt::BmcOptions options;
  options.depth = o.depth > 0 ? o.depth : 4;
  options.induction = o.induction;
  options.jobs = o.jobs;
  // The explicit engine stops cleanly (unknown, exit 3) where explore would: half of memory.
  options.max_memory_bytes = explore::HalfOfPhysicalMemory();
  const bool explicit_engine = o.engine == "explicit";
  if (explicit_engine && o.induction)
    throw UsageError("--induction needs --engine sat (the explicit engine searches states)");
  if (!explicit_engine && o.depth > 64)
    throw UsageError(fmt::format("--depth {}: at most 64 with --engine sat", o.depth));
  options.timeout_ms = std::max(1u, static_cast<unsigned>(std::lround(o.timeout_s * 1000)));
  if (o.device_pages == 1) options.universe = smt::BmcDeviceUniverse();
  options.ops = SelectOps(o);
  const std::vector<std::string> props = SelectProperties(o.properties);
  const std::vector<model::Profile> profiles = SelectProfiles(o);
  if (!o.out_dir.empty()) {
    try {
      traces::PrepareOutputDirectory(o.out_dir);
    } catch (const traces::OutputError& e) {
      throw UsageError(fmt::format("--out: {}", e.what()));
    }
  }
  options.deadline = Deadline(o);

  std::vector<BmcRow> rows;
  for (const model::Profile& p : profiles) {
    // Every property of the profile in one unrolling (solver/smt/bmc.h).
    std::vector<smt::BmcResult> results;
    if (std::chrono::steady_clock::now() < options.deadline) {
      if (o.verbose)
        options.progress = [&p](const std::string& line) {
          std::fprintf(stderr, "%s\n", fmt::format("{}: {}", p.name, line).c_str());
        };
      results = explicit_engine ? smt::CheckPropertiesExplicit(p, props, options)
                                : smt::CheckProperties(p, props, options);
    } else {
      for (const std::string& prop : props) {
        smt::BmcResult result;
        result.profile = p.name;
        result.property = prop;
        result.reason = fmt::format("not checked: {}", smt::kBudgetRanOut);
        results.push_back(std::move(result));
      }
    }
    for (smt::BmcResult& result : results) {
      const std::string prop = result.property;
      BmcRow row{&p, std::move(result), BmcOutcome::kInconclusive, ""};
      row.outcome = JudgeBmc(p, row.result);
      if (!o.out_dir.empty() && !row.result.ops.empty()) {
        row.trace_file =
            (std::filesystem::path(o.out_dir) / fmt::format("{}-{}.mmtrace", p.name, prop))
                .string();
        traces::WriteFileAtomically(row.trace_file, traces::PrintTrace(row.result.trace));
      }
      rows.push_back(std::move(row));
    }
  }
  int proved = 0, refuted = 0, unexpected = 0, unknown = 0;
  for (const BmcRow& row : rows) {
    if (row.outcome == BmcOutcome::kUnexpected)
      ++unexpected;
    else if (row.outcome == BmcOutcome::kInconclusive)
      ++unknown;
    else if (row.result.verdict == smt::BmcVerdict::kRefuted)
      ++refuted;
    else
      ++proved;
  }
  const int status = unexpected ? kExitUnexpected : unknown ? kExitInconclusive : kExitOk;
  const std::string universe = options.universe.ToString();
  if (o.format == "json") {
    nlohmann::ordered_json out = util::ReportEnvelope("mmcheck-prove", 1);
    out["results"] = nlohmann::ordered_json::array();
    for (const BmcRow& row : rows) out["results"].push_back(BmcJson(row));
    nlohmann::ordered_json summary;
    summary["mode"] = o.induction ? "k-induction" : "bmc";
    summary["engine"] = o.engine;
    summary["depth"] = options.depth;
    summary["universe"] = universe;
    summary["profiles"] = profiles.size();
    summary["results"] = rows.size();
    summary["proved"] = proved;
    summary["refuted_as_expected"] = refuted;
    summary["unexpected"] = unexpected;
    summary["unknown"] = unknown;
    summary["timeout_ms"] = options.timeout_ms;
    summary["jobs"] = options.jobs;
    summary["budget_seconds"] = o.budget_s;
    summary["budget_ran_out"] = !BudgetNote(o, options.deadline).empty();
    summary["exit_status"] = status;
    out["summary"] = summary;
    std::fputs(util::DumpReport(out).c_str(), stdout);
    return status;
  }
  size_t pw = 0, qw = 0;
  for (const BmcRow& row : rows) {
    pw = std::max(pw, row.profile->name.size());
    qw = std::max(qw, row.result.property.size());
  }
  for (const BmcRow& row : rows) std::printf("%s\n", BmcText(row, pw, qw, o.verbose).c_str());
  std::printf("%s\n", fmt::format("prove --depth {}{}{}: universe {} after mmap+MADV_NOHUGEPAGE, "
                                  "{} profile(s), {} result(s): {} proved, {} refuted as expected, "
                                  "{} unexpected, {} unknown (per-query timeout {} ms{})",
                                  options.depth, o.induction ? " --induction" : "",
                                  explicit_engine ? " --engine explicit" : "", universe,
                                  profiles.size(), rows.size(), proved, refuted, unexpected,
                                  unknown, options.timeout_ms, BudgetNote(o, options.deadline))
                          .c_str());
  return status;
}

int RunProve(const ProveOptions& o) {
  if (o.list) {
    for (const std::string& name : smt::LemmaNames())
      std::printf("%s\n", fmt::format("{:<32} {}", name, smt::LemmaDoc(name)).c_str());
    return kExitOk;
  }
  if (o.depth >= 0 || o.induction || !o.properties.empty() || !o.out_dir.empty() ||
      o.device_pages != 0 || !o.ops.empty() || o.engine != "sat")
    return RunBmc(o);

  smt::LemmaOptions options;
  options.lemmas = SelectLemmas(o.lemmas);
  options.timeout_ms = std::max(1u, static_cast<unsigned>(std::lround(o.timeout_s * 1000)));
  const std::vector<model::Profile> profiles = SelectProfiles(o);
  options.deadline = Deadline(o);

  std::vector<Row> rows;
  for (const model::Profile& p : profiles)
    for (smt::LemmaResult& r : smt::ProveLemmas(p, options))
      rows.push_back({&p, r, smt::Judge(p, r)});

  int proved = 0, expected_refuted = 0, unexpected = 0, unknown = 0;
  for (const Row& row : rows) {
    switch (row.outcome) {
      case smt::Outcome::kAsExpected:
        (row.result.verdict == smt::Verdict::kProved ? proved : expected_refuted)++;
        break;
      case smt::Outcome::kUnexpectedRefutation:
      case smt::Outcome::kExpectedRefutationProved:
        ++unexpected;
        break;
      case smt::Outcome::kInconclusive:
        ++unknown;
        break;
    }
  }
  const int status = unexpected ? kExitUnexpected : unknown ? kExitInconclusive : kExitOk;

  if (o.format == "json") {
    nlohmann::ordered_json out = util::ReportEnvelope("mmcheck-prove", 1);
    out["results"] = nlohmann::ordered_json::array();
    for (const Row& row : rows) out["results"].push_back(JsonRow(row));
    out["summary"] = {{"profiles", profiles.size()},
                      {"results", rows.size()},
                      {"proved", proved},
                      {"refuted_as_expected", expected_refuted},
                      {"unexpected", unexpected},
                      {"unknown", unknown},
                      {"timeout_ms", options.timeout_ms},
                      {"budget_seconds", o.budget_s},
                      {"budget_ran_out", !BudgetNote(o, options.deadline).empty()},
                      {"exit_status", status}};
    std::fputs(util::DumpReport(out).c_str(), stdout);
    return status;
  }
  size_t pw = 0, lw = 0;
  for (const Row& row : rows) {
    pw = std::max(pw, row.profile->name.size());
    lw = std::max(lw, row.result.lemma.size());
  }
  for (const Row& row : rows) std::printf("%s\n", TextLine(row, pw, lw).c_str());
  std::printf("%s\n",
              fmt::format("prove: {} profile(s), {} result(s): {} proved, {} refuted as expected, "
                          "{} unexpected, {} unknown (per-query timeout {} ms{})",
                          profiles.size(), rows.size(), proved, expected_refuted, unexpected,
                          unknown, options.timeout_ms, BudgetNote(o, options.deadline))
                  .c_str());
  return status;
}

}  // namespace

void AddProveCommand(CLI::App& app, int* status) {
  auto o = std::make_shared<ProveOptions>();
  CLI::App* cmd = app.add_subcommand(
      "prove",
      "Prove the bit-level encoding lemmas (swap entries, pvmw, check_pte/check_pmd, "
      "migrate and HMM PFNs) with Z3 for each profile; with --depth/--property/--induction, "
      "bounded model checking and k-induction of the properties on the device-exclusive "
      "operations");
  cmd->add_option("--profile", o->profiles,
                  "Profile name or .toml file (repeatable; default: every built-in profile)");
  cmd->add_option("--lemma", o->lemmas, "Lemma name or 'all' (repeatable; default: all)");
  AddKnobOption(cmd, &o->knobs, "every selected profile");
  cmd->add_option("--timeout", o->timeout_s,
                  "Per solver query: a duration, 500ms, 30s, 10m, 2h (a plain number is seconds; "
                  "at most 24h)")
      ->transform(Duration(24 * 3600.0))
      ->default_str("10s");
  AddBudgetOption(cmd, &o->budget_s,
                  "The whole run, a duration like --timeout: every query gets at most what is "
                  "left, and what it stops is unknown (exit 3); default: no limit");
  cmd->add_option("--format", o->format, "Output format: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_flag("--list", o->list, "List the lemmas with the kernel rule each captures, and exit");
  cmd->add_option("--depth", o->depth,
                  "Bounded model checking of the device-exclusive operations to this many steps, "
                  "1..64 (--engine explicit: 1..100000; default 4 when --property/--induction is "
                  "given)")
      ->check(WholeNumber(1, 100000));
  cmd->add_option("--engine", o->engine,
                  "BMC engine: sat (Z3 on the unrolled symbolic model) or explicit (breadth-first "
                  "search of the concrete model in the same universe, alphabet and properties: "
                  "shortest counterexamples, and 'proved at every depth' when it sees every "
                  "reachable state; --timeout bounds the search)")
      ->check(CLI::IsMember({"sat", "explicit"}))
      ->default_str("sat");
  cmd->add_flag("--induction", o->induction,
                "Also try k-induction (k = depth) with the model's other invariants as "
                "assumptions");
  cmd->add_option(
      "--property", o->properties,
      "Property for BMC/k-induction, or 'all' (repeatable; default: all symbolic ones)");
  AddOutOption(cmd, &o->out_dir, "Directory for counterexample .mmtrace files");
  AddVerboseFlag(cmd, &o->verbose, "Show unsat cores, and Z3 statistics per BMC depth on stderr");
  cmd->add_option("--device-pages", o->device_pages,
                  "BMC universe with this many device-private pages (0 or 1; 1 adds "
                  "dev_migrate_to_dev/_to_sys, dev_release and unlock_folio to the alphabet)")
      ->check(WholeNumber(0, 1));
  cmd->add_option("--op", o->ops,
                  "BMC/k-induction alphabet: only this op (repeatable; default: every op of the "
                  "symbolic model)");
  AddJobsOption(cmd, &o->jobs, JobsAre::kThreads,
                "solving each BMC depth's query, split into 4 cubes by the first step's op, "
                "or with --engine explicit searching (results do not depend on it; default: "
                "one per core, at most 4)",
                64);
  cmd->callback([o, status] {
    *status = RunProve(*o);
    // The results are out; Z3 freeing the contexts of stopped queries (which can take longer
    // than the queries did) is not worth waiting for, or overrunning --budget for.
    if (smt::FreeingContexts()) {
      std::fflush(stdout);
      std::fflush(stderr);
      std::_Exit(*status);
    }
  });
}

}  // namespace mmcheck::cli
