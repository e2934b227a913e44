// Bounded model checking and k-induction (see bmc.h).
#include "solver/smt/bmc.h"

#include <z3++.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "model/knobs.h"
#include "properties/properties.h"
#include "solver/smt/query.h"
#include "solver/smt/symbolic_model.h"
#include "traces/replay.h"

namespace mmcheck::solver::smt {

using model::Op;
using model::OpCode;

std::string_view BmcVerdictName(BmcVerdict v) {
  switch (v) {
    case BmcVerdict::kBounded:
      return "proved-bounded";
    case BmcVerdict::kInductive:
      return "proved";
    case BmcVerdict::kRefuted:
      return "refuted";
    case BmcVerdict::kMismatch:
      return "mismatch";
    case BmcVerdict::kUnknown:
      return "unknown";
  }
  return "?";
}

BmcOptions::BmcOptions() : universe(BmcUniverse()) {}

const std::vector<std::string>& BmcProperties() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const std::string& n : SymbolicModel::StateProperties())
      if (n != "subset-well-formed") out.push_back(n);
    out.push_back("reclaim-makes-progress");
    out.push_back("migration-makes-progress");
    return out;
  }();
  return names;
}

bool IsBmcProperty(std::string_view name) {
  const auto& p = BmcProperties();
  return std::find(p.begin(), p.end(), name) != p.end();
}

namespace {

// The unrolled transition relation on one solver.
class Unrolling {
 public:
  Unrolling(z3::context& ctx, const SymbolicModel& sm, z3::solver& solver, std::string tag)
      : ctx_(ctx),
        sm_(sm),
        solver_(solver),
        tag_(std::move(tag)),
        transition_(ctx.bool_const(("transition" + tag_).c_str())) {}

  void Start(SymState s0) { states_.push_back(std::move(s0)); }
  const SymState& State(int i) const { return states_[static_cast<size_t>(i)]; }
  int Steps() const { return static_cast<int>(states_.size()) - 1; }
  const z3::expr& TransitionLiteral() const { return transition_; }
  const z3::expr& ReclaimStuck(int i) const { return reclaim_[static_cast<size_t>(i - 1)]; }
  const z3::expr& MigrateStuck(int i) const { return migrate_[static_cast<size_t>(i - 1)]; }

  // Adds step Steps()+1, asserted under the "transition" literal.
  void AddStep() {
    const int i = Steps() + 1;
    const SymState& s = states_.back();
    const auto& alphabet = sm_.Alphabet();
    z3::expr sel = ctx_.bv_const(fmt::format("op{}@{}", tag_, i).c_str(), 8);
    z3::expr value = ctx_.bv_const(fmt::format("value{}@{}", tag_, i).c_str(), 8);
    SymState next = sm_.Fresh(fmt::format("s{}@{}.", tag_, i));
    std::vector<SymStep> steps;
    for (const Op& op : alphabet) steps.push_back(sm_.Step(s, op, value, false));
    auto is = [&](size_t j) { return sel == ctx_.bv_val(static_cast<unsigned>(j), 8); };
    z3::expr_vector facts(ctx_);
    facts.push_back(z3::ult(sel, ctx_.bv_val(static_cast<unsigned>(alphabet.size()), 8)));
    facts.push_back(value != ctx_.bv_val(0, 8));
    for (size_t j = 0; j < steps.size(); ++j) {
      facts.push_back(z3::implies(is(j), steps[j].enabled));
      // Steps the encoding does not follow (SymStep::outside) are excluded.
      if (!steps[j].outside.is_false()) facts.push_back(z3::implies(is(j), !steps[j].outside));
    }
    for (size_t f = 0; f < next.size(); ++f) {
      z3::expr chain = steps.back().next[f];
      for (size_t j = steps.size() - 1; j-- > 0;) chain = z3::ite(is(j), steps[j].next[f], chain);
      facts.push_back(next[f] == chain);
    }
    z3::expr rs = steps.back().reclaim_stuck, ms = steps.back().migrate_stuck;
    for (size_t j = steps.size() - 1; j-- > 0;) {
      rs = z3::ite(is(j), steps[j].reclaim_stuck, rs);
      ms = z3::ite(is(j), steps[j].migrate_stuck, ms);
    }
    solver_.add(z3::implies(transition_, z3::mk_and(facts)));
    sel_.push_back(sel);
    value_.push_back(value);
    reclaim_.push_back(rs);
    migrate_.push_back(ms);
    states_.push_back(std::move(next));
  }

  // The op chosen at step i in `m`.
  Op Decode(const z3::model& m, int i) const {
    uint64_t j = 0, v = 1;
    m.eval(sel_[static_cast<size_t>(i - 1)], true).is_numeral_u64(j);
    m.eval(value_[static_cast<size_t>(i - 1)], true).is_numeral_u64(v);
    Op op = sm_.Alphabet()[std::min<size_t>(j, sm_.Alphabet().size() - 1)];
    if (op.code == OpCode::kCpuWrite) op.args[2] = static_cast<int16_t>(v == 0 ? 1 : v);
    return op;
  }

 private:
  z3::context& ctx_;
  const SymbolicModel& sm_;
  z3::solver& solver_;
  std::string tag_;
  z3::expr transition_;
  std::vector<SymState> states_;
  std::vector<z3::expr> sel_, value_, reclaim_, migrate_;
};

// The timeout of the next query: the per-query one, cut to what is left before the deadline;
// 0 when the deadline has passed.
unsigned QueryTimeout(const BmcOptions& o) {
  if (o.deadline == std::chrono::steady_clock::time_point::max()) return o.timeout_ms;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        o.deadline - std::chrono::steady_clock::now())
                        .count();
  if (left <= 0) return 0;
  return static_cast<unsigned>(std::min<long long>(o.timeout_ms, left));
}

// Frees Z3 contexts on a thread of its own. Freeing a context after a long or stopped query
// can take longer than the query did (3 s after a 5 s query at depth 2, 46 s after one stopped
// at depth 3, Z3 4.8.12); a run with a deadline must not spend its budget, or overrun it,
// waiting for that. Contexts are independent, so one is freed while the next query runs.
class ContextReaper {
 public:
  // Never destroyed: its thread may still be freeing a context when the process exits.
  static ContextReaper& Instance() {
    static ContextReaper* const reaper = new ContextReaper;
    return *reaper;
  }
  // Queues `ctx` to be freed. While another one waits, waits for room until `deadline`: the
  // memory of at most three contexts (one in use, one waiting, one being freed) before it,
  // whatever runs behind after it.
  void Free(z3::context* ctx, std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    room_.wait_until(lock, deadline, [this] { return queue_.empty(); });
    queue_.push_back(ctx);
    if (!started_) {
      started_ = true;
      std::thread([this] { Loop(); }).detach();
    }
    ready_.notify_one();
  }
  bool Busy() {
    std::lock_guard<std::mutex> lock(mu_);
    return freeing_ || !queue_.empty();
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      ready_.wait(lock, [this] { return !queue_.empty(); });
      z3::context* ctx = queue_.front();
      queue_.pop_front();
      room_.notify_all();
      freeing_ = true;
      lock.unlock();
      delete ctx;
      lock.lock();
      freeing_ = false;
    }
  }
  std::mutex mu_;
  std::condition_variable ready_;
  std::condition_variable room_;
  std::deque<z3::context*> queue_;
  bool freeing_ = false;
  bool started_ = false;
};

// Owns the Z3 context of one CheckProperty: freed here without a deadline, by the
// ContextReaper with one.
struct OwnedContext {
  explicit OwnedContext(const BmcOptions& o) : options(o) {}
  ~OwnedContext() {
    if (options.deadline == std::chrono::steady_clock::time_point::max()) {
      delete ctx;
    } else {
      ContextReaper::Instance().Free(ctx, options.deadline);
    }
  }
  OwnedContext(const OwnedContext&) = delete;
  OwnedContext& operator=(const OwnedContext&) = delete;
  const BmcOptions& options;
  z3::context* ctx = new z3::context;
};

// The violation of `property` after step i (a state or a step property).
z3::expr Bad(const SymbolicModel& sm, const Unrolling& un, const std::string& property, int i) {
  if (property == "reclaim-makes-progress") return un.ReclaimStuck(i);
  if (property == "migration-makes-progress") return un.MigrateStuck(i);
  return !sm.Holds(property, un.State(i));
}

// Checks the assertions of `incremental` under `assumptions` with a fresh
// non-incremental bit-blasting solver: simplification and equation solving
// first, which the incremental SAT solver does not do across steps.
// A timeout of 0 means the whole-run deadline has passed: unknown, without asking.
z3::check_result CheckFresh(z3::context& ctx, z3::solver& incremental,
                            const z3::expr_vector& assumptions, unsigned timeout_ms,
                            std::optional<z3::model>& model, std::string& reason) {
  if (timeout_ms == 0) {
    reason = kBudgetRanOut;
    return z3::unknown;
  }
  z3::tactic t = z3::tactic(ctx, "simplify") & z3::tactic(ctx, "propagate-values") &
                 z3::tactic(ctx, "solve-eqs") & z3::tactic(ctx, "simplify") &
                 z3::tactic(ctx, "bit-blast") & z3::tactic(ctx, "sat");
  z3::solver fresh = t.mk_solver();
  z3::params p(ctx);
  p.set("timeout", timeout_ms);
  fresh.set(p);
  z3::expr_vector a = incremental.assertions();
  for (unsigned i = 0; i < a.size(); ++i) fresh.add(a[i]);
  for (unsigned i = 0; i < assumptions.size(); ++i) fresh.add(assumptions[i]);
  z3::check_result res = fresh.check();
  if (res == z3::sat) model.emplace(fresh.get_model());
  if (res == z3::unknown) reason = fresh.reason_unknown();
  return res;
}

std::vector<std::string> CoreNames(const z3::expr_vector& core) {
  std::vector<std::string> out;
  for (unsigned i = 0; i < core.size(); ++i) {
    std::string n = core[i].to_string();
    if (n.size() >= 2 && n.front() == '|' && n.back() == '|') n = n.substr(1, n.size() - 2);
    out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Knob lines for `profile` relative to the built-in profile of its name.
std::vector<std::string> KnobLines(const model::Profile& profile) {
  std::vector<std::string> out;
  const model::Profile* base = model::ProfileSet::Builtin().Find(profile.name);
  if (!base) return out;
  for (const model::KnobInfo& k : model::KnobTable())
    if (k.get(base->knobs) != k.get(profile.knobs))
      out.push_back(fmt::format("{}={}", k.name, model::KnobValueName(k, profile.knobs)));
  return out;
}

// Builds the trace of a BMC counterexample and replays it on the concrete model.
void ReplayCounterexample(const model::Profile& profile, const BmcOptions& o, BmcResult& r) {
  traces::Trace& t = r.trace;
  t.header_comments = {
      fmt::format("Found by bounded model checking (mmcheck prove --depth {}): Z3 on the symbolic",
                  o.depth),
      "transition relation (solver/smt/symbolic_model.cpp), replayed on the concrete model."};
  t.profile = profile.name;
  t.universe = o.universe;
  t.knobs = KnobLines(profile);
  t.expect = {false, r.property};
  t.question =
      fmt::format("Can {} be violated within {} steps of the {}?", r.property, o.depth,
                  o.universe.device_pages > 0 ? "device-exclusive and device-private operations"
                                              : "device-exclusive operations");
  for (const Op& op : r.ops) t.steps.push_back({op, {}, "", 0, {}});
  const int want_step = static_cast<int>(BmcPrologue(o.universe).size()) + r.depth;
  try {
    traces::ReplayResult rr = traces::Replay(t, "<bmc>", profile);
    const int idx = properties::PropertyIndex(r.property);
    const int got = rr.run.first_violation[static_cast<size_t>(idx)];
    if (got == want_step) {
      r.replay_confirmed = true;
      for (const properties::Violation& v : rr.run.steps[static_cast<size_t>(got - 1)].violations)
        if (v.property == idx) r.replay_detail = v.detail;
      r.verdict = BmcVerdict::kRefuted;
    } else {
      r.verdict = BmcVerdict::kMismatch;
      r.replay_detail =
          got ? fmt::format("the concrete model violates {} at step {}, not at step {}", r.property,
                            got, want_step)
              : fmt::format("the concrete model does not violate {} (it {})", r.property,
                            rr.verdict);
    }
  } catch (const std::exception& e) {
    r.verdict = BmcVerdict::kMismatch;
    r.replay_detail = fmt::format("the concrete model rejects the trace: {}", e.what());
  }
}

}  // namespace

bool FreeingContexts() {
  return ContextReaper::Instance().Busy();
}

BmcResult CheckProperty(const model::Profile& profile, const std::string& property,
                        const BmcOptions& o) {
  if (!IsBmcProperty(property)) {
    std::string names;
    for (const std::string& n : BmcProperties()) names += (names.empty() ? "" : ", ") + n;
    throw std::invalid_argument(
        fmt::format("no symbolic form of property '{}' (accepted: {})", property, names));
  }
  BmcResult r;
  r.profile = profile.name;
  r.property = property;
  if (std::string why = SymbolicKnobsUnsupported(o.universe, profile.knobs); !why.empty()) {
    r.verdict = BmcVerdict::kUnknown;
    r.reason = "not encoded: " + why;
    return r;
  }

  OwnedContext owner(o);
  z3::context& ctx = *owner.ctx;
  SymbolicModel sm(ctx, o.universe, profile.knobs, o.ops);
  z3::params params(ctx);
  params.set("timeout", o.timeout_ms);

  model::World w0 = model::World::Initial(o.universe, profile.knobs);
  const std::vector<Op> prologue = BmcPrologue(o.universe);
  for (const Op& op : prologue) model::Apply(w0, op);

  // ---- bounded model checking from the prologue's state ----
  // QF_BV: bit-blasting to the incremental SAT solver, which keeps
  // assumptions and cores.
  z3::solver solver(ctx, "QF_BV");
  solver.set(params);
  Unrolling un(ctx, sm, solver, "");
  un.Start(sm.Constant(sm.layout().Project(w0)));
  for (int i = 1; i <= o.depth; ++i) {
    un.AddStep();
    z3::expr goal = ctx.bool_const(fmt::format("negated-goal:{}@{}", property, i).c_str());
    solver.add(z3::implies(goal, Bad(sm, un, property, i)));
    z3::expr_vector assumptions(ctx);
    assumptions.push_back(un.TransitionLiteral());
    assumptions.push_back(goal);
    std::optional<z3::model> fm;
    std::string why;
    z3::check_result res = CheckFresh(ctx, solver, assumptions, QueryTimeout(o), fm, why);
    if (res == z3::sat) {
      z3::model m = *fm;
      r.depth = i;
      r.ops = prologue;
      for (int j = 1; j <= i; ++j) r.ops.push_back(un.Decode(m, j));
      ReplayCounterexample(profile, o, r);
      return r;
    }
    if (res == z3::unknown) {
      r.verdict = BmcVerdict::kUnknown;
      r.depth = i - 1;
      r.reason = fmt::format("solver unknown at depth {}: {}", i, why);
      return r;
    }
    solver.add(!goal);  // keep later depths' queries small
  }
  r.verdict = BmcVerdict::kBounded;
  r.depth = o.depth;
  if (!o.induction) return r;

  // ---- k-induction, k = depth ----
  const int k = std::max(1, o.depth);
  std::vector<std::string> conj;  // the strengthened invariant
  for (const std::string& n : SymbolicModel::StateProperties())
    if (o.strengthen_with_all_invariants || n == "subset-well-formed" || n == property)
      conj.push_back(n);
  if (o.strengthen_with_all_invariants)
    for (const std::string& n : SymbolicModel::StrengtheningInvariants()) conj.push_back(n);
  const bool step_property = SymbolicModel::IsStepProperty(property);

  // Base case for the strengthening conjuncts (the property itself was
  // checked above): every conjunct holds on the BMC paths up to depth k,
  // one query per depth for all of them (named from the model if one fails).
  for (int i = 0; i <= o.depth; ++i) {
    z3::expr any_bad = ctx.bool_val(false);
    for (const std::string& n : conj) {
      if (n == property) continue;
      z3::expr bad = !sm.Holds(n, un.State(i));
      if (i == 0 && bad.simplify().is_true()) {
        r.verdict = BmcVerdict::kUnknown;
        r.induction_note = fmt::format("strengthening invariant {} fails after the prologue", n);
        return r;
      }
      any_bad = any_bad || bad;
    }
    if (i == 0) continue;
    z3::expr lit = ctx.bool_const(fmt::format("base@{}", i).c_str());
    solver.add(z3::implies(lit, any_bad));
    z3::expr_vector a(ctx);
    a.push_back(un.TransitionLiteral());
    a.push_back(lit);
    std::optional<z3::model> bm;
    std::string bwhy;
    z3::check_result res = CheckFresh(ctx, solver, a, QueryTimeout(o), bm, bwhy);
    if (res == z3::sat) {
      std::string broken;
      for (const std::string& n : conj)
        if (broken.empty() && n != property && bm->eval(!sm.Holds(n, un.State(i)), true).is_true())
          broken = n;
      r.verdict = BmcVerdict::kUnknown;
      r.induction_note = fmt::format(
          "not k-inductive with these assumptions: strengthening invariant {} is violated at "
          "depth {} (base case)",
          broken, i);
      return r;
    }
    if (res == z3::unknown) {
      r.verdict = BmcVerdict::kUnknown;
      r.reason = fmt::format("solver unknown in the base case at depth {}: {}", i, bwhy);
      return r;
    }
    solver.add(!lit);
  }

  // Step case: any k consecutive states satisfying every conjunct (and, for
  // a progress property, k-1 steps that progressed) lead to a state
  // satisfying every conjunct after a step that progressed.
  z3::solver step(ctx, "QF_BV");
  step.set(params);
  Unrolling su(ctx, sm, step, "'");
  su.Start(sm.Fresh("t@0."));
  for (int i = 1; i <= k; ++i) su.AddStep();
  z3::expr_vector assumptions(ctx);
  assumptions.push_back(su.TransitionLiteral());
  for (const std::string& n : conj) {
    z3::expr lit = ctx.bool_const(("assume:" + n).c_str());
    for (int i = 0; i < k; ++i) step.add(z3::implies(lit, sm.Holds(n, su.State(i))));
    assumptions.push_back(lit);
  }
  if (step_property) {
    z3::expr lit = ctx.bool_const(("assume:" + property).c_str());
    for (int i = 1; i < k; ++i) step.add(z3::implies(lit, !Bad(sm, su, property, i)));
    assumptions.push_back(lit);
  }
  if (o.simple_path && k >= 1) {
    // Simple path: the k+1 states of the step case are pairwise distinct
    // (a path with a repeated state has a shorter one the base case covers).
    z3::expr lit = ctx.bool_const("simple-path");
    for (int i = 0; i <= k; ++i)
      for (int j = i + 1; j <= k; ++j) {
        z3::expr_vector differ(ctx);
        for (size_t f = 0; f < su.State(i).size(); ++f)
          differ.push_back(su.State(i)[f] != su.State(j)[f]);
        step.add(z3::implies(lit, z3::mk_or(differ)));
      }
    assumptions.push_back(lit);
  }
  z3::expr any_bad = step_property ? Bad(sm, su, property, k) : ctx.bool_val(false);
  for (const std::string& n : conj) any_bad = any_bad || !sm.Holds(n, su.State(k));
  z3::expr goal = ctx.bool_const(("negated-goal:" + property).c_str());
  step.add(z3::implies(goal, any_bad));
  assumptions.push_back(goal);
  // The fresh bit-blasting solver decides the step case (the incremental
  // one often times out on it). The unsat core comes from the incremental
  // solver when it answers within 2 s, else it is the tracked assumptions
  // left after deletion: each is dropped in turn and kept only if the step
  // case no longer closes (or the solver gives up) without it.
  std::optional<z3::model> fm;
  std::string why;
  z3::check_result res = CheckFresh(ctx, step, assumptions, QueryTimeout(o), fm, why);
  if (res == z3::unsat) {
    r.verdict = BmcVerdict::kInductive;
    if (!o.minimize_core) {  // every tracked assumption
      r.unsat_core = CoreNames(assumptions);
      return r;
    }
    z3::params quick(ctx);
    const unsigned quick_ms = std::min(QueryTimeout(o), 2'000u);
    quick.set("timeout", quick_ms);
    step.set(quick);
    if (quick_ms > 0 && step.check(assumptions) == z3::unsat) {
      r.unsat_core = CoreNames(step.unsat_core());
      return r;
    }
    std::vector<z3::expr> keep;
    for (unsigned i = 0; i < assumptions.size(); ++i) keep.push_back(assumptions[i]);
    for (size_t i = 0; i < keep.size();) {
      const std::string name = keep[i].to_string();
      if (name.find("transition") != std::string::npos ||
          name.find("negated-goal") != std::string::npos) {
        ++i;
        continue;
      }
      z3::expr_vector without(ctx);
      for (size_t j = 0; j < keep.size(); ++j)
        if (j != i) without.push_back(keep[j]);
      std::optional<z3::model> ignored;
      std::string ignored_why;
      if (CheckFresh(ctx, step, without, QueryTimeout(o), ignored, ignored_why) == z3::unsat)
        keep.erase(keep.begin() + static_cast<std::ptrdiff_t>(i));
      else
        ++i;
    }
    z3::expr_vector core(ctx);
    for (const z3::expr& e : keep) core.push_back(e);
    r.unsat_core = CoreNames(core);
    return r;
  }
  r.verdict = BmcVerdict::kUnknown;
  if (res == z3::unknown) {
    r.reason = fmt::format("solver unknown in the step case: {}", why);
    return r;
  }
  z3::model m = *fm;
  std::string broken;
  if (step_property && m.eval(Bad(sm, su, property, k), true).is_true()) broken = property;
  for (const std::string& n : conj)
    if (broken.empty() && m.eval(!sm.Holds(n, su.State(k)), true).is_true()) broken = n;
  r.induction_note = fmt::format(
      "not {}-inductive: the step case fails at step {} ({}) which breaks {} from a "
      "state satisfying every invariant",
      k, k, model::FormatOp(su.Decode(m, k)), broken);
  return r;
}

}  // namespace mmcheck::solver::smt
