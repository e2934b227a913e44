// SPDX-License-Identifier: GPL-2.0
// One Z3 query of a lemma case, and the per-lemma driver that runs its cases.
//
// A case declares its inputs (they become the witness), its assumptions
// (each tracked by a named literal, so an unsat core lists them), and its
// goal; Refute() asserts the negated goal (tracked as "negated-goal:<name>")
// and checks. The driver replays every sat witness on the concrete encoding.
#pragma once

#include <z3++.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "model/kernel/encoding_config.h"
#include "solver/smt/lemmas.h"

namespace mmcheck::solver::smt {

// Witness values by input name (booleans are 0 or 1).
using Values = std::map<std::string, uint64_t>;

struct QueryResult {
  Verdict verdict = Verdict::kUnknown;
  std::vector<WitnessValue> witness;  // sat: every input, in declaration order
  std::vector<std::string> core;      // unsat: tracked literals in the core
  std::string reason;                 // unknown: the solver's reason
};

class Query {
 public:
  // A scope (push) on `solver`, popped when the query is destroyed, so the
  // cases of one lemma share a solver but none of each other's assertions.
  explicit Query(z3::solver& solver);
  ~Query();
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  z3::context& ctx() { return ctx_; }

  // Declares a bit-vector input of `bits` bits that will appear in the witness.
  // `preferred`: values a readable witness should use when it can (tried after
  // 0 and 1), e.g. HPAGE_PMD_NR for a pte_nr.
  // REQUIRES: 1 <= bits <= 64, `name` unique within the query.
  z3::expr Input(const std::string& name, unsigned bits = 64, std::vector<uint64_t> preferred = {});
  // Declares a boolean input (witness value 0 or 1).
  z3::expr BoolInput(const std::string& name);

  // Asserts `fact`, tracked by the literal `name` (kebab-case, e.g.
  // "pre:nr-pages-positive" or "def:SWP_PFN_BITS").
  void Assume(const std::string& name, const z3::expr& fact);

  // Asserts not(goal) tracked as "negated-goal:<goal_name>" and checks.
  // Returns: unsat -> kProved with the core; sat -> kRefuted with the witness;
  // anything else (timeout, incomplete) -> kUnknown with the reason.
  // A witness is made readable first: each input in turn is pinned to the
  // first of 0, 1, its preferred values, its top bit, top bit + 1 that is
  // smaller than its value and keeps the query sat.
  QueryResult Refute(const std::string& goal_name, const z3::expr& goal);

 private:
  // The current model's value of every input (booleans 0/1); false if one has none.
  bool ReadModel(std::vector<uint64_t>& values, std::string& reason);
  void SimplifyWitness(std::vector<uint64_t>& values);

  z3::context& ctx_;
  z3::solver& solver_;
  std::vector<std::pair<std::string, z3::expr>> inputs_;
  std::vector<std::vector<uint64_t>> preferred_;  // per input
};

// A deadline for the lemma queries this thread runs while the scope lives (prove's whole-run
// --budget): a case that starts after it is unknown, one that starts before it is given at most
// the time left. Scopes nest; the innermost deadline counts.
class ScopedQueryDeadline {
 public:
  explicit ScopedQueryDeadline(std::chrono::steady_clock::time_point deadline);
  ~ScopedQueryDeadline();
  ScopedQueryDeadline(const ScopedQueryDeadline&) = delete;
  ScopedQueryDeadline& operator=(const ScopedQueryDeadline&) = delete;
  // `timeout_ms`, cut to the milliseconds left before the deadline; 0 when it has passed.
  static unsigned TimeoutMs(unsigned timeout_ms);

 private:
  std::chrono::steady_clock::time_point previous_;
};

// The reason of a query not run, or cut short, because the whole-run budget ran out.
inline constexpr const char* kBudgetRanOut = "the whole-run --budget ran out";

// Runs the cases of one lemma and folds them into a LemmaResult.
class LemmaRun {
 public:
  LemmaRun(std::string lemma, const model::kernel::EncodingConfig& config, unsigned timeout_ms);

  z3::context& ctx() { return ctx_; }
  const model::kernel::EncodingConfig& config() const { return config_; }

  // One case: `build` declares inputs and assumptions on the query and returns
  // the goal; `holds` evaluates the same property on witness values with the
  // concrete functions of model/kernel/; `explain` (optional) says in words
  // what a witness breaks. Cases after the first refutation are not run.
  void Case(const std::string& case_name, const std::function<z3::expr(Query&)>& build,
            const std::function<bool(const Values&)>& holds,
            const std::function<std::string(const Values&)>& explain = {});

  // Records a case that does not apply to this configuration.
  void Note(std::string note) { result_.notes.push_back(std::move(note)); }

  // The folded verdict: refuted if a case was refuted (with a replayed witness),
  // unknown if a case was unknown or its witness did not replay, else proved.
  LemmaResult Finish();

 private:
  z3::context ctx_;
  z3::solver solver_;  // one per lemma, with the per-query timeout
  model::kernel::EncodingConfig config_;
  unsigned timeout_ms_;
  LemmaResult result_;
  bool refuted_ = false;
  bool unknown_ = false;
};

// Witness values as a map for `holds`/`explain`.
Values ToValues(const std::vector<WitnessValue>& witness);

}  // namespace mmcheck::solver::smt
