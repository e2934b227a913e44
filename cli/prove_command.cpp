// mmcheck prove: the Z3 lemmas on the kernel encodings (solver/smt/) for
// every selected profile, each verdict compared with the profile's [[expect]].
//
//   mmcheck prove [--profile P]... [--lemma NAME|all]... [--knob k=v]...
//                 [--timeout S] [--format text|json]
//   mmcheck prove --list
//
// One line (or JSON object) per (profile, lemma). Exit status (DESIGN.md §2.5):
// 0 every verdict as expected; 1 a refutation the profile does not expect, or
// an expected refutation that was proved; 3 a solver unknown/timeout and
// nothing unexpected; 2 bad usage. Bounded model checking and k-induction
// (--depth, --induction, --property) need the symbolic model, which is not
// built yet: they are rejected with exit 2.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.h"
#include "model/profile.h"
#include "solver/smt/lemmas.h"

namespace mmcheck::cli {
namespace {

namespace smt = mmcheck::solver::smt;

struct ProveOptions {
  std::vector<std::string> profiles;
  std::vector<std::string> lemmas;
  std::vector<std::string> knobs;
  double timeout_s = 10;
  std::string format = "text";
  // Not built yet; accepted only to say so.
  int depth = -1;
  bool induction = false;
  std::vector<std::string> properties;
  bool list = false;
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

std::string JsonEscape(std::string_view s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20)
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(ch)));
        else
          out += ch;
    }
  }
  return out;
}

std::string JsonString(std::string_view s) {
  return "\"" + JsonEscape(s) + "\"";
}

std::string JsonStrings(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + JsonString(v[i]);
  return out + "]";
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

std::string JsonRow(const Row& row) {
  const smt::LemmaResult& r = row.result;
  const model::ExpectedViolation* exp = row.profile->Expectation(r.lemma);
  std::string witness = "{";
  for (size_t i = 0; i < r.witness.size(); ++i)
    witness += fmt::format("{}{}: \"{:#x}\"", i ? ", " : "", JsonString(r.witness[i].name),
                           r.witness[i].value);
  witness += "}";
  return fmt::format(
      "{{\"profile\": {}, \"lemma\": {}, \"verdict\": {}, \"expected_refutation\": {}, "
      "\"fixed_by\": {}, \"outcome\": {}, \"case\": {}, \"witness\": {}, "
      "\"witness_replayed\": {}, \"explanation\": {}, \"unsat_core\": {}, \"notes\": {}}}",
      JsonString(row.profile->name), JsonString(r.lemma), JsonString(smt::VerdictName(r.verdict)),
      exp ? "true" : "false", exp ? JsonString(exp->fixed_by) : "null",
      JsonString(OutcomeName(row.outcome)), JsonString(r.failing_case), witness,
      r.witness_replayed ? "true" : "false", JsonString(r.explanation), JsonStrings(r.unsat_core),
      JsonStrings(r.notes));
}

int RunProve(const ProveOptions& o) {
  if (o.list) {
    for (const std::string& name : smt::LemmaNames())
      std::printf("%s\n", fmt::format("{:<32} {}", name, smt::LemmaDoc(name)).c_str());
    return kExitOk;
  }
  if (o.depth >= 0 || o.induction || !o.properties.empty())
    throw UsageError(
        "--depth/--induction/--property: bounded model checking and k-induction are not built "
        "yet (they need the symbolic model); `mmcheck prove` proves the encoding lemmas only");
  if (!std::isfinite(o.timeout_s) || o.timeout_s <= 0 || o.timeout_s > 86400)
    throw UsageError(fmt::format("--timeout: expected seconds in (0, 86400], got {}", o.timeout_s));

  smt::LemmaOptions options;
  options.lemmas = SelectLemmas(o.lemmas);
  options.timeout_ms = std::max(1u, static_cast<unsigned>(std::lround(o.timeout_s * 1000)));
  const std::vector<model::Profile> profiles = SelectProfiles(o);

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
    std::string out = "{\"results\": [\n";
    for (size_t i = 0; i < rows.size(); ++i)
      out += "  " + JsonRow(rows[i]) + (i + 1 < rows.size() ? ",\n" : "\n");
    out += fmt::format(
        "],\n\"summary\": {{\"profiles\": {}, \"results\": {}, \"proved\": {}, "
        "\"refuted_as_expected\": {}, \"unexpected\": {}, \"unknown\": {}, "
        "\"timeout_ms\": {}, \"exit_status\": {}}}}}\n",
        profiles.size(), rows.size(), proved, expected_refuted, unexpected, unknown,
        options.timeout_ms, status);
    std::fputs(out.c_str(), stdout);
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
                          "{} unexpected, {} unknown (per-query timeout {} ms)",
                          profiles.size(), rows.size(), proved, expected_refuted, unexpected,
                          unknown, options.timeout_ms)
                  .c_str());
  return status;
}

}  // namespace

void AddProveCommand(CLI::App& app, int* status) {
  auto o = std::make_shared<ProveOptions>();
  CLI::App* cmd = app.add_subcommand(
      "prove",
      "Prove the bit-level encoding lemmas (swap entries, pvmw, check_pte/check_pmd, "
      "migrate and HMM PFNs) with Z3 for each profile");
  cmd->add_option("--profile", o->profiles,
                  "Profile name or .toml file (repeatable; default: every built-in profile)");
  cmd->add_option("--lemma", o->lemmas, "Lemma name or 'all' (repeatable; default: all)");
  cmd->add_option("--knob", o->knobs, "Override a knob on every selected profile: name=value");
  cmd->add_option("--timeout", o->timeout_s, "Per-query solver timeout in seconds (default 10)");
  cmd->add_option("--format", o->format, "Output format: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_flag("--list", o->list, "List the lemmas with the kernel rule each captures, and exit");
  cmd->add_option("--depth", o->depth, "Bounded model checking depth (not built yet)");
  cmd->add_flag("--induction", o->induction, "k-induction (not built yet)");
  cmd->add_option("--property", o->properties, "Property for BMC/k-induction (not built yet)");
  cmd->callback([o, status] { *status = RunProve(*o); });
}

}  // namespace mmcheck::cli
