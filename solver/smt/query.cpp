// SPDX-License-Identifier: GPL-2.0
// Z3 queries and the lemma case driver; see query.h.
#include "solver/smt/query.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace mmcheck::solver::smt {

Query::Query(z3::solver& solver) : ctx_(solver.ctx()), solver_(solver) {
  solver_.push();
}

Query::~Query() {
  try {
    solver_.pop();
  } catch (const z3::exception&) {
    // Nothing to recover: the lemma's solver is dropped with its LemmaRun.
  }
}

z3::expr Query::Input(const std::string& name, unsigned bits, std::vector<uint64_t> preferred) {
  z3::expr e = ctx_.bv_const(name.c_str(), bits);
  inputs_.emplace_back(name, e);
  preferred_.push_back(std::move(preferred));
  return e;
}

z3::expr Query::BoolInput(const std::string& name) {
  z3::expr e = ctx_.bool_const(name.c_str());
  inputs_.emplace_back(name, e);
  preferred_.emplace_back();
  return e;
}

void Query::Assume(const std::string& name, const z3::expr& fact) {
  solver_.add(fact, name.c_str());
}

QueryResult Query::Refute(const std::string& goal_name, const z3::expr& goal) {
  QueryResult r;
  solver_.add(!goal, ("negated-goal:" + goal_name).c_str());
  z3::check_result answer = z3::unknown;
  try {
    answer = solver_.check();
  } catch (const z3::exception& e) {
    r.verdict = Verdict::kUnknown;
    r.reason = fmt::format("z3 error: {}", e.msg());
    return r;
  }
  switch (answer) {
    case z3::unsat: {
      r.verdict = Verdict::kProved;
      z3::expr_vector core = solver_.unsat_core();
      for (unsigned i = 0; i < core.size(); ++i) r.core.push_back(core[i].to_string());
      // Z3 quotes symbols with ':' or '-' as |name|; keep the plain name.
      for (std::string& c : r.core)
        if (c.size() >= 2 && c.front() == '|' && c.back() == '|') c = c.substr(1, c.size() - 2);
      std::sort(r.core.begin(), r.core.end());
      break;
    }
    case z3::sat: {
      r.verdict = Verdict::kRefuted;
      std::vector<uint64_t> values;
      if (!ReadModel(values, r.reason)) {
        r.verdict = Verdict::kUnknown;
        return r;
      }
      SimplifyWitness(values);
      for (size_t i = 0; i < inputs_.size(); ++i)
        r.witness.push_back({inputs_[i].first, values[i]});
      break;
    }
    case z3::unknown:
      r.verdict = Verdict::kUnknown;
      r.reason = solver_.reason_unknown();
      break;
  }
  return r;
}

bool Query::ReadModel(std::vector<uint64_t>& values, std::string& reason) {
  z3::model m = solver_.get_model();
  values.clear();
  for (const auto& [name, e] : inputs_) {
    z3::expr v = m.eval(e, /*model_completion=*/true);
    uint64_t value = 0;
    if (e.is_bool()) {
      value = v.is_true() ? 1 : 0;
    } else if (!v.is_numeral_u64(value)) {
      reason = fmt::format("witness input {} has no 64-bit value", name);
      return false;
    }
    values.push_back(value);
  }
  return true;
}

void Query::SimplifyWitness(std::vector<uint64_t>& values) {
  int pushed = 0;
  for (size_t i = 0; i < inputs_.size(); ++i) {
    const z3::expr& e = inputs_[i].second;
    // Simpler first: 0, 1, the preferred values, the value's top bit alone, top bit plus 1.
    std::vector<uint64_t> candidates = {0};
    if (!e.is_bool() && values[i] > 1) {
      const uint64_t top = uint64_t{1} << (63 - __builtin_clzll(values[i]));
      candidates.push_back(1);
      candidates.insert(candidates.end(), preferred_[i].begin(), preferred_[i].end());
      candidates.insert(candidates.end(), {top, top | 1});
    }
    for (uint64_t cand : candidates) {
      if (cand == values[i]) break;                    // already as simple as this candidate
      if (cand > values[i] && !e.is_bool()) continue;  // not simpler
      solver_.push();
      std::vector<uint64_t> pinned;
      bool kept = false;
      try {
        if (e.is_bool())
          solver_.add(!e);
        else
          solver_.add(e == ctx_.bv_val(cand, e.get_sort().bv_size()));
        std::string ignored;
        kept = solver_.check() == z3::sat && ReadModel(pinned, ignored);
      } catch (const z3::exception&) {
        kept = false;  // keep the witness found so far
      }
      if (kept) {
        ++pushed;  // keep the pin for the inputs after this one
        values = pinned;
        break;
      }
      solver_.pop();
    }
  }
  if (pushed) solver_.pop(static_cast<unsigned>(pushed));
}

Values ToValues(const std::vector<WitnessValue>& witness) {
  Values v;
  for (const WitnessValue& w : witness) v[w.name] = w.value;
  return v;
}

namespace {
thread_local std::chrono::steady_clock::time_point query_deadline =
    std::chrono::steady_clock::time_point::max();
}  // namespace

ScopedQueryDeadline::ScopedQueryDeadline(std::chrono::steady_clock::time_point deadline)
    : previous_(query_deadline) {
  query_deadline = deadline;
}

ScopedQueryDeadline::~ScopedQueryDeadline() {
  query_deadline = previous_;
}

unsigned ScopedQueryDeadline::TimeoutMs(unsigned timeout_ms) {
  if (query_deadline == std::chrono::steady_clock::time_point::max()) return timeout_ms;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        query_deadline - std::chrono::steady_clock::now())
                        .count();
  if (left <= 0) return 0;
  return static_cast<unsigned>(std::min<long long>(timeout_ms, left));
}

LemmaRun::LemmaRun(std::string lemma, const model::kernel::EncodingConfig& config,
                   unsigned timeout_ms)
    : solver_(ctx_), config_(config), timeout_ms_(timeout_ms) {
  z3::params p(ctx_);
  p.set("timeout", timeout_ms_);
  p.set("unsat_core", true);
  solver_.set(p);
  result_.lemma = std::move(lemma);
}

void LemmaRun::Case(const std::string& case_name, const std::function<z3::expr(Query&)>& build,
                    const std::function<bool(const Values&)>& holds,
                    const std::function<std::string(const Values&)>& explain) {
  if (refuted_) return;
  ++result_.cases;
  QueryResult r;
  const unsigned timeout_ms = ScopedQueryDeadline::TimeoutMs(timeout_ms_);
  if (timeout_ms == 0) {
    r.verdict = Verdict::kUnknown;
    r.reason = kBudgetRanOut;
  } else {
    try {
      if (timeout_ms != timeout_ms_) {  // the deadline is nearer than a whole timeout
        z3::params p(ctx_);
        p.set("timeout", timeout_ms);
        solver_.set(p);
      }
      Query q(solver_);
      z3::expr goal = build(q);
      r = q.Refute(result_.lemma, goal);
    } catch (const z3::exception& e) {
      r.verdict = Verdict::kUnknown;
      r.reason = fmt::format("z3 error: {}", e.msg());
    }
  }
  switch (r.verdict) {
    case Verdict::kProved: {
      std::set<std::string> core(result_.unsat_core.begin(), result_.unsat_core.end());
      core.insert(r.core.begin(), r.core.end());
      result_.unsat_core.assign(core.begin(), core.end());
      break;
    }
    case Verdict::kRefuted: {
      const Values values = ToValues(r.witness);
      const bool replayed = !holds(values);
      if (!replayed) {
        // The symbolic and concrete encodings disagree: an mmcheck bug, never a verdict.
        if (!unknown_) {
          result_.failing_case = case_name;
          result_.witness = r.witness;
          result_.explanation =
              "internal: the Z3 witness does not break the concrete encoding in model/kernel/ "
              "(symbolic and concrete encodings disagree)";
        }
        unknown_ = true;
        break;
      }
      refuted_ = true;
      result_.failing_case = case_name;
      result_.witness = r.witness;
      result_.witness_replayed = true;
      result_.explanation = explain ? explain(values) : std::string();
      break;
    }
    case Verdict::kUnknown:
      if (!unknown_) {
        result_.failing_case = case_name;
        result_.explanation = r.reason.empty() ? std::string("solver returned unknown") : r.reason;
      }
      unknown_ = true;
      break;
  }
}

LemmaResult LemmaRun::Finish() {
  if (refuted_) {
    result_.verdict = Verdict::kRefuted;
    result_.unsat_core.clear();
  } else if (unknown_) {
    result_.verdict = Verdict::kUnknown;
    result_.unsat_core.clear();
  } else {
    result_.verdict = Verdict::kProved;
  }
  return result_;
}

}  // namespace mmcheck::solver::smt
