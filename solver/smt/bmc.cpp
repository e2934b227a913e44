// SPDX-License-Identifier: GPL-2.0
// Bounded model checking and k-induction (see bmc.h).
#include "solver/smt/bmc.h"

#include <z3++.h>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <memory>
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
    case BmcVerdict::kExhausted:
      return "exhausted";
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
//
// Each step chooses one ground op instance by an 8-bit op index (sel[j] is
// "index == j"). A field of the next state is the previous state's own
// expression when no op of the alphabet can change it, a numeral when every
// choice gives the same numeral, and otherwise a fresh constant equal to the
// choice among the ops that change it (frame condition: unchanged under the
// others). From the prologue's numeral state this keeps the early steps
// small (their fields are numerals or narrow choices); each step is encoded
// once, and later depths only add to the solver.
class Unrolling {
 public:
  // `slice_data`: data fields (SymbolicLayout::IsDataField) keep their
  // first value, as nothing else reads them (bounded model checking of the
  // properties, none of which reads data).
  Unrolling(z3::context& ctx, const SymbolicModel& sm, z3::solver& solver, std::string tag,
            bool slice_data = false)
      : ctx_(ctx), sm_(sm), solver_(solver), tag_(std::move(tag)) {
    for (int f = 0; f < sm.layout().size(); ++f)
      sliced_.push_back(slice_data && sm.layout().IsDataField(f));
  }

  void Start(SymState s0) {
    states_.push_back(std::move(s0));
    numeral_.push_back(AllNumerals(states_.back()));
  }
  const SymState& State(int i) const { return states_[static_cast<size_t>(i)]; }
  int Steps() const { return static_cast<int>(states_.size()) - 1; }
  const z3::expr& ReclaimStuck(int i) const { return reclaim_[static_cast<size_t>(i - 1)]; }
  const z3::expr& MigrateStuck(int i) const { return migrate_[static_cast<size_t>(i - 1)]; }
  // Step i changes the state (some field differs from state i-1).
  const z3::expr& Changes(int i) const { return changes_[static_cast<size_t>(i - 1)]; }

  // Adds step Steps()+1 to the solver.
  void AddStep() {
    const int i = Steps() + 1;
    const SymState& s = states_.back();
    const auto& alphabet = sm_.Alphabet();
    // Numeral states: branch conditions simplify as they are built (dead
    // branches pruned), as in the conformance test.
    const bool eager = numeral_.back();
    z3::expr value = ctx_.bv_const(fmt::format("value{}@{}", tag_, i).c_str(), 8);
    std::vector<SymStep> steps;
    steps.reserve(alphabet.size());
    for (const Op& op : alphabet) steps.push_back(sm_.Step(s, op, value, eager));
    // The op index: sel[j] is "op j", one-hot by construction.
    z3::expr index = ctx_.bv_const(fmt::format("op{}@{}", tag_, i).c_str(), 8);
    z3::expr_vector sel(ctx_);
    for (size_t j = 0; j < alphabet.size(); ++j)
      sel.push_back(index == ctx_.bv_val(static_cast<unsigned>(j), 8));
    z3::expr_vector facts(ctx_);
    // One op of the alphabet; it is enabled and stays in the subset (SymStep::outside).
    facts.push_back(z3::ult(index, ctx_.bv_val(static_cast<unsigned>(alphabet.size()), 8)));
    facts.push_back(value != ctx_.bv_val(0, 8));
    std::vector<unsigned> live;
    for (size_t j = 0; j < steps.size(); ++j) {
      z3::expr en = steps[j].enabled.simplify();
      if (en.is_false()) {
        facts.push_back(!sel[static_cast<unsigned>(j)]);
        continue;
      }
      live.push_back(static_cast<unsigned>(j));
      if (!en.is_true()) facts.push_back(z3::implies(sel[static_cast<unsigned>(j)], en));
      if (!steps[j].outside.is_false())
        facts.push_back(z3::implies(sel[static_cast<unsigned>(j)], !steps[j].outside));
    }
    SymState next;
    next.reserve(s.size());
    z3::expr_vector differ(ctx_);
    bool all_numerals = true;
    for (size_t f = 0; f < s.size(); ++f) {
      std::vector<size_t> changers;
      for (size_t j = 0; j < steps.size() && !sliced_[f]; ++j)
        if (!z3::eq(steps[j].next[f], s[f])) changers.push_back(j);
      if (changers.empty()) {
        next.push_back(s[f]);
        all_numerals = all_numerals && IsNumeral(s[f]);
        continue;
      }
      z3::expr chain = s[f];
      for (size_t c = changers.size(); c-- > 0;)
        chain = z3::ite(sel[static_cast<unsigned>(changers[c])], steps[changers[c]].next[f], chain);
      // Simplifying a symbolic chain makes it larger to bit-blast (2.5x the
      // time on linux-6.14 reclaim at depth 2); numeral states only.
      if (eager) chain = chain.simplify();
      if (IsNumeral(chain)) {
        if (!z3::eq(chain, s[f])) differ.push_back(ctx_.bool_val(true));
        next.push_back(chain);
        continue;
      }
      all_numerals = false;
      z3::expr v = sm_.FreshField(fmt::format("s{}@{}.", tag_, i), static_cast<int>(f));
      facts.push_back(v == chain);
      next.push_back(v);
      differ.push_back(v != s[f]);
    }
    auto choose = [&](auto get) {
      z3::expr acc = ctx_.bool_val(false);
      for (size_t j = steps.size(); j-- > 0;) {
        z3::expr e = get(steps[j]);
        if (!e.is_false()) acc = z3::ite(sel[static_cast<unsigned>(j)], e, acc);
      }
      return eager ? acc.simplify() : acc;
    };
    solver_.add(z3::mk_and(facts));
    sel_.push_back(sel);
    index_.push_back(index);
    live_.push_back(std::move(live));
    value_.push_back(value);
    reclaim_.push_back(choose([](const SymStep& st) { return st.reclaim_stuck; }));
    migrate_.push_back(choose([](const SymStep& st) { return st.migrate_stuck; }));
    changes_.push_back(differ.empty() ? ctx_.bool_val(false) : z3::mk_or(differ));
    states_.push_back(std::move(next));
    numeral_.push_back(all_numerals);
  }

  // `n` cubes of any query over the unrolling: ranges of step 1's op index that together cover
  // every index, in index order, each holding about as many of the ops that simplification did
  // not disable at step 1 (from the prologue's numeral state many are). REQUIRES: Steps() >= 1,
  // n >= 1.
  std::vector<z3::expr> FirstStepCubes(int n) const {
    const std::vector<unsigned>& live = live_.front();
    const z3::expr& index = index_.front();
    // Cube c is [bound[c], bound[c+1]): bound[0] = 0, bound[n] = 256 (every 8-bit index).
    std::vector<unsigned> bound(static_cast<size_t>(n) + 1, 0);
    for (size_t c = 1; c < bound.size() - 1 && !live.empty(); ++c)
      bound[c] = live[live.size() * c / static_cast<size_t>(n)];
    bound.back() = 256;
    std::vector<z3::expr> cubes;
    for (size_t c = 0; c + 1 < bound.size(); ++c) {
      z3::expr cube = z3::uge(index, ctx_.bv_val(bound[c], 8));
      if (bound[c + 1] < 256) cube = cube && z3::ult(index, ctx_.bv_val(bound[c + 1], 8));
      cubes.push_back(cube);
    }
    return cubes;
  }

  // The op chosen at step i in `m`.
  Op Decode(const z3::model& m, int i) const {
    const z3::expr_vector& sel = sel_[static_cast<size_t>(i - 1)];
    size_t j = 0;
    for (unsigned k = 0; k < sel.size(); ++k)
      if (m.eval(sel[k], true).is_true()) j = k;
    uint64_t v = 1;
    m.eval(value_[static_cast<size_t>(i - 1)], true).is_numeral_u64(v);
    Op op = sm_.Alphabet()[j];
    if (op.code == OpCode::kCpuWrite) op.args[2] = static_cast<int16_t>(v == 0 ? 1 : v);
    return op;
  }

 private:
  static bool IsNumeral(const z3::expr& e) { return e.is_numeral() || e.is_true() || e.is_false(); }
  static bool AllNumerals(const SymState& s) {
    return std::all_of(s.begin(), s.end(), [](const z3::expr& e) { return IsNumeral(e); });
  }

  z3::context& ctx_;
  const SymbolicModel& sm_;
  z3::solver& solver_;
  std::string tag_;
  std::vector<SymState> states_;
  std::vector<bool> numeral_;
  std::vector<bool> sliced_;
  std::vector<z3::expr_vector> sel_;
  std::vector<z3::expr> index_;              // step i's op index
  std::vector<std::vector<unsigned>> live_;  // step i's ops not disabled by simplification
  std::vector<z3::expr> value_, reclaim_, migrate_, changes_;
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

// The tactic of BMC's fresh queries (CheckCubes): a non-incremental bit-blasting solver,
// simplification and propagation of values first, which the incremental SAT solver does not do
// across steps. No equation solving (solve-eqs): it substitutes each next-state constant by its
// choice chain, which more than doubles the formula Z3 bit-blasts (linux-6.15 depth 2: 93k
// expressions become 226k) while the constants are better cut points for the SAT solver;
// measured with the z3 4.8.12 command line on the dumped depth-2 query, 3.62 s of CPU with it,
// 1.95 s without. Neither Z3's own QF_BV tactic (elim-uncnstr and bit-vector sharing) nor the
// SAT solver's options (probing, SCC, phase, in-processing) were consistently faster on the
// depth-3 queries of linux-6.15 and bug 17 across four SAT seeds.
z3::tactic BitBlasting(z3::context& ctx) {
  return z3::tactic(ctx, "simplify") & z3::tactic(ctx, "propagate-values") &
         z3::tactic(ctx, "simplify") & z3::tactic(ctx, "bit-blast") & z3::tactic(ctx, "sat");
}

// Checks the assertions of `incremental` under `assumptions` with a fresh solver of Z3's own
// QF_BV tactic (it adds unconstrained-term elimination and bit-vector sharing before
// bit-blasting): on the step case of k-induction from a fully symbolic state it is faster than
// BitBlasting (dev_exclusive over 2 pages on linux-6.15: 11 s of CPU against 44 s); on BMC's
// unrollings from the prologue's numeral state it is not.
// A timeout of 0 means the whole-run deadline has passed: unknown, without asking.
z3::check_result CheckFresh(z3::context& ctx, z3::solver& incremental,
                            const z3::expr_vector& assumptions, unsigned timeout_ms,
                            std::optional<z3::model>& model, std::string& reason) {
  if (timeout_ms == 0) {
    reason = kBudgetRanOut;
    return z3::unknown;
  }
  z3::solver fresh = z3::tactic(ctx, "qfbv").mk_solver();
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

// One statistic of a query, kept as a number: the contexts that computed it may be gone when
// StatsLine writes it.
struct Stat {
  std::string key;
  double value = 0;
  bool is_uint = false;
};
using Stats = std::vector<Stat>;

Stats StatsOf(const z3::stats& st) {
  Stats out;
  for (unsigned i = 0; i < st.size(); ++i)
    out.push_back({st.key(i),
                   st.is_uint(i) ? static_cast<double>(st.uint_value(i)) : st.double_value(i),
                   st.is_uint(i)});
  return out;
}

// Adds `more` to `sum`: counts add up, memory figures (MB) take the larger.
void AddStats(Stats& sum, const Stats& more) {
  for (const Stat& m : more) {
    auto it = std::find_if(sum.begin(), sum.end(), [&](const Stat& x) { return x.key == m.key; });
    if (it == sum.end()) {
      sum.push_back(m);
    } else if (m.key.find("memory") != std::string::npos) {
      it->value = std::max(it->value, m.value);
    } else {
      it->value += m.value;
    }
  }
}

// CPU seconds of the calling thread (the one Z3 runs a query on): on a loaded
// machine the figure that wall time is not.
double ThreadCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_THREAD, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Checks the assertions of `incremental` under `assumptions` as `cubes` (BmcOptions::jobs): each
// cube's query is the assertions, the assumptions and the cube, translated into a Z3 context of
// its own and solved by a fresh BitBlasting solver, up to `jobs` cubes at once, all within
// `timeout_ms` of the call. The answer is the first cube's, in cube order, that is not unsat
// (sat, with its model translated back into `ctx`, or unknown); unsat when every cube is. So
// the answer and the model do not depend on `jobs` (each cube's solver sees the same
// formula in a context of its own, whatever ran before), only on where a timeout cuts. A cube
// after one that answered sat or unknown is interrupted: it cannot change the answer. Each cube
// bit-blasts the whole unrolling, so four cost 1.3-1.7x the CPU of one query (bench/prove_bmc.sh,
// Release, load 1-2: linux-6.15's depth 3 took 25.2 s on one thread, 15.3 s on two, 19.3 s as one
// query; bug 17 27.9 s on two threads against 33.5 s).
// `stats`: the cubes' statistics summed (memory: the largest); `cpu`: the CPU seconds of the
// threads other than the calling one that solved them.
z3::check_result CheckCubes(z3::context& ctx, z3::solver& incremental,
                            const z3::expr_vector& assumptions, const std::vector<z3::expr>& cubes,
                            unsigned timeout_ms, int jobs, std::optional<z3::model>& model,
                            std::string& reason, Stats& stats, double& cpu) {
  if (timeout_ms == 0) {
    reason = kBudgetRanOut;
    return z3::unknown;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  z3::expr_vector all = incremental.assertions();
  for (unsigned i = 0; i < assumptions.size(); ++i) all.push_back(assumptions[i]);
  struct Cube {
    std::unique_ptr<z3::context> ctx;
    z3::check_result res = z3::unknown;
    std::string reason = "not solved: a cube before it answered first";
    std::optional<z3::model> model;
    Stats stats;
  };
  std::vector<Cube> out(cubes.size());
  std::mutex mu;  // guards `ctx` (translations), the contexts' creation and `decided`
  size_t decided = cubes.size();  // the first cube known to answer sat or unknown
  size_t next = 0;
  double cpu_sum = 0;
  auto worker = [&] {
    const double cpu0 = ThreadCpuSeconds();
    for (;;) {
      size_t c;
      z3::context* cctx;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (next >= cubes.size() || next > decided) break;
        c = next++;
        out[c].ctx = std::make_unique<z3::context>();
        cctx = out[c].ctx.get();
      }
      Cube& cube = out[c];
      const auto now = std::chrono::steady_clock::now();
      bool wanted = true;
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
      if (left <= 0) {
        cube.reason = "timeout";
      } else {
        try {
          z3::expr_vector mine(*cctx);
          {
            std::lock_guard<std::mutex> lock(mu);
            // A copy of a z3::expr_vector shares the vector: a new one, element by element.
            z3::expr_vector src(ctx);
            for (unsigned i = 0; i < all.size(); ++i) src.push_back(all[i]);
            src.push_back(cubes[c]);
            mine = z3::expr_vector(*cctx, src);
            // An interrupt before the check starts may be lost: ask again here.
            wanted = c < decided;
          }
          if (!wanted) continue;
          z3::solver fresh = BitBlasting(*cctx).mk_solver();
          z3::params p(*cctx);
          p.set("timeout", static_cast<unsigned>(left));
          fresh.set(p);
          for (unsigned i = 0; i < mine.size(); ++i) fresh.add(mine[i]);
          cube.res = fresh.check();
          cube.stats = StatsOf(fresh.statistics());
          if (cube.res == z3::sat) cube.model.emplace(fresh.get_model());
          cube.reason = cube.res == z3::unknown ? fresh.reason_unknown() : "";
        } catch (const z3::exception& e) {
          // Interrupted (a cube before it answered sat or unknown) while Z3 was not in a check.
          cube.res = z3::unknown;
          cube.model.reset();
          cube.reason = e.msg();
        }
      }
      if (cube.res != z3::unsat) {
        std::lock_guard<std::mutex> lock(mu);
        if (c < decided) {
          decided = c;
          for (size_t later = c + 1; later < out.size(); ++later)
            if (out[later].ctx) out[later].ctx->interrupt();
        }
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    cpu_sum += ThreadCpuSeconds() - cpu0;
  };
  const int threads = std::max(1, std::min(jobs, static_cast<int>(cubes.size())));
  if (threads == 1) {
    worker();
    cpu_sum = 0;  // the calling thread's own: its caller counts it
  } else {
    std::vector<std::thread> pool;
    pool.reserve(static_cast<size_t>(threads));
    for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
    for (std::thread& t : pool) t.join();
  }
  cpu += cpu_sum;
  z3::check_result res = z3::unsat;
  for (size_t c = 0; c < out.size(); ++c) {
    if (out[c].ctx) AddStats(stats, out[c].stats);
    if (res != z3::unsat || out[c].res == z3::unsat) continue;
    res = out[c].res;
    if (res == z3::sat) model.emplace(*out[c].model, ctx, z3::model::translate{});
    reason = out[c].reason;
  }
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

}  // namespace

void ReplayCounterexample(const model::Profile& profile, const BmcOptions& o,
                          const std::vector<std::string>& found_by, BmcResult& r) {
  traces::Trace& t = r.trace;
  t.header_comments = found_by;
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

bool FreeingContexts() {
  return ContextReaper::Instance().Busy();
}

namespace {

// "depth 3: 1.24 s (build 0.10 s, solve 1.14 s, cpu 1.20 s), sat conflicts 1234, sat
// decisions 5678, memory 120.5": the wall time of the depth split into building the step
// (SymbolicModel::Step per op and the choice among them) and the queries, the thread's CPU
// time, and the
// statistics worth reading per depth, of the solver that answered the depth's
// last query (the fresh bit-blasting one: its SAT problem's size and search).
// `phases`: where the depth's time went, appended after the wall time.
std::string StatsLine(const Stats& st, int depth, double seconds, const std::string& phases = "") {
  std::string line = fmt::format("depth {}: {:.2f} s", depth, seconds) + phases;
  for (const Stat& stat : st) {
    const std::string& key = stat.key;
    if (key != "conflicts" && key != "decisions" && key != "propagations" && key != "memory" &&
        key != "max memory" && key != "sat conflicts" && key != "sat decisions" &&
        key != "sat propagations 2ary" && key != "sat propagations nary" && key != "sat clauses" &&
        key != "sat vars" && key != "sat restarts" && key != "sat elim vars res" &&
        key != "sat units" && key != "sat del clause" && key != "sat mk clause 2ary" &&
        key != "sat mk clause nary" && key != "sat mk var")
      continue;
    line += stat.is_uint ? fmt::format(", {} {}", key, static_cast<std::uint64_t>(stat.value))
                         : fmt::format(", {} {:.1f}", key, stat.value);
  }
  return line;
}

void Progress(const BmcOptions& o, const std::string& line) {
  if (o.progress) o.progress(line);
}

// k-induction of r.property with k = o.depth after a bounded run that
// reached it (see bmc.h); `solver`/`un` hold the BMC unrolling from the
// prologue, used for the base case of the strengthening conjuncts.
void Induction(z3::context& ctx, const SymbolicModel& sm, z3::solver& solver, Unrolling& un,
               const BmcOptions& o, BmcResult& r) {
  const std::string& property = r.property;
  z3::params params(ctx);
  params.set("timeout", o.timeout_ms);
  const int k = std::max(1, o.depth);
  std::vector<std::string> conj;  // the strengthened invariant
  for (const std::string& n : SymbolicModel::StateProperties())
    if (o.strengthen_with_all_invariants || n == "subset-well-formed" || n == property)
      conj.push_back(n);
  if (o.strengthen_with_all_invariants)
    for (const std::string& n : SymbolicModel::StrengtheningInvariants()) conj.push_back(n);
  const bool step_property = SymbolicModel::IsStepProperty(property);

  // Base case for the strengthening conjuncts (the property itself was
  // checked by BMC): every conjunct holds on the BMC paths up to depth k,
  // one query per depth for all of them (named from the model if one fails).
  for (int i = 0; i <= o.depth; ++i) {
    z3::expr any_bad = ctx.bool_val(false);
    for (const std::string& n : conj) {
      if (n == property) continue;
      z3::expr bad = !sm.Holds(n, un.State(i));
      if (i == 0 && bad.simplify().is_true()) {
        r.verdict = BmcVerdict::kUnknown;
        r.induction_note = fmt::format("strengthening invariant {} fails after the prologue", n);
        return;
      }
      any_bad = any_bad || bad;
    }
    if (i == 0) continue;
    z3::expr lit = ctx.bool_const(fmt::format("base:{}@{}", property, i).c_str());
    solver.add(z3::implies(lit, any_bad));
    z3::expr_vector a(ctx);
    a.push_back(lit);
    const unsigned t = QueryTimeout(o);
    z3::check_result res = z3::unknown;
    std::string bwhy = kBudgetRanOut;
    if (t > 0) {
      z3::params p(ctx);
      p.set("timeout", t);
      solver.set(p);
      res = solver.check(a);
      if (res == z3::unknown) bwhy = solver.reason_unknown();
    }
    if (res == z3::sat) {
      z3::model bm = solver.get_model();
      std::string broken;
      for (const std::string& n : conj)
        if (broken.empty() && n != property && bm.eval(!sm.Holds(n, un.State(i)), true).is_true())
          broken = n;
      r.verdict = BmcVerdict::kUnknown;
      r.induction_note = fmt::format(
          "not k-inductive with these assumptions: strengthening invariant {} is violated at "
          "depth {} (base case)",
          broken, i);
      return;
    }
    if (res == z3::unknown) {
      r.verdict = BmcVerdict::kUnknown;
      r.reason = fmt::format("solver unknown in the base case at depth {}: {}", i, bwhy);
      return;
    }
    solver.add(!lit);
  }

  // Step case: any k consecutive states satisfying every conjunct (and, for
  // a progress property, k-1 steps that progressed) lead to a state
  // satisfying every conjunct after a step that progressed.
  //
  // The last step is split by op instance: one query per op of the alphabet,
  // whose last step is that op's own step formula (SymbolicModel::Step) rather
  // than the choice among all of them. The step case holds iff every one of
  // them is unsat; each is a fraction of the whole (bench/prove_bmc.sh: on
  // linux-6.15 the whole step case of mapcount-matches-mappings times out at
  // 120 s, most single-op queries take seconds), and a timeout names the op
  // it stopped on.
  z3::solver prefix(ctx, "QF_BV");
  Unrolling su(ctx, sm, prefix, "'");
  su.Start(sm.Fresh("t@0."));
  for (int i = 1; i < k; ++i) su.AddStep();
  const SymState& last = su.State(k - 1);
  // The tracked assumptions over states 0..k-1, and simple-path among them.
  std::vector<std::pair<std::string, z3::expr>> tracked;  // name, its fact
  for (const std::string& n : conj) {
    z3::expr_vector holds(ctx);
    for (int i = 0; i < k; ++i) holds.push_back(sm.Holds(n, su.State(i)));
    tracked.emplace_back("assume:" + n, z3::mk_and(holds));
  }
  if (step_property) {
    z3::expr_vector progressed(ctx);
    for (int i = 1; i < k; ++i) progressed.push_back(!Bad(sm, su, property, i));
    tracked.emplace_back("assume:" + property,
                         progressed.empty() ? ctx.bool_val(true) : z3::mk_and(progressed));
  }
  const auto& alphabet = sm.Alphabet();
  z3::expr value = ctx.bv_const("value'@last", 8);
  std::vector<std::string> core_names;
  std::vector<std::string> stopped;  // ops whose query gave up
  std::string why;
  for (size_t j = 0; j < alphabet.size(); ++j) {
    const SymStep st = sm.Step(last, alphabet[j], value, /*eager=*/false);
    if (st.enabled.simplify().is_false()) continue;
    const z3::expr step_bad = property == "reclaim-makes-progress"     ? st.reclaim_stuck
                              : property == "migration-makes-progress" ? st.migrate_stuck
                                                                       : ctx.bool_val(false);
    z3::expr any_bad = step_bad;
    for (const std::string& n : conj) any_bad = any_bad || !sm.Holds(n, st.next);
    z3::solver q(ctx, "QF_BV");
    const z3::expr_vector pre = prefix.assertions();
    for (unsigned i = 0; i < pre.size(); ++i) q.add(pre[i]);
    q.add(st.enabled);
    q.add(!st.outside);
    q.add(value != ctx.bv_val(0, 8));
    z3::expr_vector assumptions(ctx);
    for (const auto& [name, fact] : tracked) {
      z3::expr lit = ctx.bool_const(name.c_str());
      q.add(z3::implies(lit, fact));
      assumptions.push_back(lit);
    }
    if (o.simple_path) {
      // Simple path: the k+1 states of the step case are pairwise distinct
      // (a path with a repeated state has a shorter one the base case covers).
      z3::expr lit = ctx.bool_const("simple-path");
      for (int a = 0; a <= k; ++a)
        for (int b = a + 1; b <= k; ++b) {
          const SymState& sa = su.State(a);
          const SymState& sb = b == k ? st.next : su.State(b);
          z3::expr_vector differ(ctx);
          for (size_t f = 0; f < sa.size(); ++f) differ.push_back(sa[f] != sb[f]);
          q.add(z3::implies(lit, z3::mk_or(differ)));
        }
      assumptions.push_back(lit);
    }
    z3::expr goal = ctx.bool_const(("negated-goal:" + property).c_str());
    q.add(z3::implies(goal, any_bad));
    assumptions.push_back(goal);
    std::optional<z3::model> fm;
    std::string op_why;
    const auto t0 = std::chrono::steady_clock::now();
    const z3::check_result res = CheckFresh(ctx, q, assumptions, QueryTimeout(o), fm, op_why);
    Progress(o, fmt::format(
                    "step case, last step {}: {} in {:.2f} s", model::FormatOp(alphabet[j]),
                    res == z3::unsat ? "unsat"
                    : res == z3::sat ? "sat"
                                     : "unknown",
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()));
    if (res == z3::unknown) {
      stopped.push_back(model::FormatOp(alphabet[j]));
      if (why.empty()) why = op_why;
      continue;
    }
    if (res == z3::sat) {
      const z3::model& m = *fm;
      std::string broken;
      if (m.eval(step_bad, true).is_true()) broken = property;
      for (const std::string& n : conj)
        if (broken.empty() && m.eval(!sm.Holds(n, st.next), true).is_true()) broken = n;
      Op op = alphabet[j];
      uint64_t v = 1;
      m.eval(value, true).is_numeral_u64(v);
      if (op.code == OpCode::kCpuWrite) op.args[2] = static_cast<int16_t>(v == 0 ? 1 : v);
      r.verdict = BmcVerdict::kUnknown;
      r.induction_note = fmt::format(
          "not {}-inductive: the step case fails at step {} ({}) which breaks {} from a "
          "state satisfying every invariant",
          k, k, model::FormatOp(op), broken);
      return;
    }
    // Unsat: this op's core, from the incremental solver when it answers
    // within 2 s, else every tracked assumption of the query.
    z3::expr_vector core = assumptions;
    const unsigned quick_ms = std::min(QueryTimeout(o), 2'000u);
    if (o.minimize_core && quick_ms > 0) {
      z3::params quick(ctx);
      quick.set("timeout", quick_ms);
      q.set(quick);
      if (q.check(assumptions) == z3::unsat) core = q.unsat_core();
    }
    for (const std::string& n : CoreNames(core)) core_names.push_back(n);
  }
  if (!stopped.empty()) {
    r.verdict = BmcVerdict::kUnknown;
    std::string ops;
    for (const std::string& op : stopped) ops += (ops.empty() ? "" : "; ") + op;
    r.reason = fmt::format("solver unknown in the step case of {} op(s) of {} ({}): {}",
                           stopped.size(), alphabet.size(), ops, why);
    return;
  }
  std::sort(core_names.begin(), core_names.end());
  core_names.erase(std::unique(core_names.begin(), core_names.end()), core_names.end());
  r.verdict = BmcVerdict::kInductive;
  r.unsat_core = core_names;
}

}  // namespace

std::vector<BmcResult> NewResults(const model::Profile& profile,
                                  const std::vector<std::string>& properties, const BmcOptions& o,
                                  bool* encoded) {
  for (const std::string& property : properties)
    if (!IsBmcProperty(property)) {
      std::string names;
      for (const std::string& n : BmcProperties()) names += (names.empty() ? "" : ", ") + n;
      throw std::invalid_argument(
          fmt::format("no symbolic form of property '{}' (accepted: {})", property, names));
    }
  std::vector<BmcResult> results(properties.size());
  for (size_t p = 0; p < properties.size(); ++p) {
    results[p].profile = profile.name;
    results[p].property = properties[p];
  }
  const std::string why = SymbolicKnobsUnsupported(o.universe, profile.knobs);
  *encoded = why.empty();
  if (!*encoded) {
    for (BmcResult& r : results) {
      r.verdict = BmcVerdict::kUnknown;
      r.reason = "not encoded: " + why;
    }
  }
  return results;
}

std::vector<BmcResult> CheckProperties(const model::Profile& profile,
                                       const std::vector<std::string>& properties,
                                       const BmcOptions& o) {
  bool encoded = false;
  std::vector<BmcResult> results = NewResults(profile, properties, o, &encoded);
  if (!encoded) return results;

  OwnedContext owner(o);
  z3::context& ctx = *owner.ctx;
  SymbolicModel sm(ctx, o.universe, profile.knobs, o.ops);

  model::World w0 = model::World::Initial(o.universe, profile.knobs);
  const std::vector<Op> prologue = BmcPrologue(o.universe);
  for (const Op& op : prologue) model::Apply(w0, op);

  // ---- bounded model checking from the prologue's state ----
  // One incremental solver (QF_BV: bit-blasting to the incremental SAT
  // solver) for every depth and property: depth i adds step i and asks, under
  // one assumption literal, whether any property still open is violated
  // after exactly i steps. A sat answer closes the properties its model
  // violates (each replayed) and the depth is asked again for the others;
  // an unsat one makes "no open property is violated at i" a fact for the
  // later depths.
  //
  // Shortest counterexamples do not stutter: a step that leaves the state
  // unchanged can be cut from any path, giving a shorter one with the same
  // last state (and the same last step, for a progress property). So every
  // step before the last changes the state, and the last one too for a
  // state property (a stuttering last step repeats a state already checked).
  z3::solver solver(ctx, "QF_BV");
  Unrolling un(ctx, sm, solver, "", /*slice_data=*/true);
  un.Start(sm.Constant(sm.layout().Project(w0)));
  std::vector<bool> open(properties.size(), true);
  size_t open_count = properties.size();
  for (int i = 1; i <= o.depth && open_count > 0; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const double cpu0 = ThreadCpuSeconds();
    if (i > 1 && o.no_stutter) solver.add(un.Changes(i - 1));
    std::optional<Stats> stats;  // of the fresh solvers of the depth's last query
    double cube_cpu = 0;         // CPU seconds of the threads that solved cubes
    bool cut = false;            // a query at this depth answered unknown
    un.AddStep();
    const auto t_built = std::chrono::steady_clock::now();
    auto phases = [&] {
      const auto now = std::chrono::steady_clock::now();
      return fmt::format(" (build {:.2f} s, solve {:.2f} s, cpu {:.2f} s)",
                         std::chrono::duration<double>(t_built - t0).count(),
                         std::chrono::duration<double>(now - t_built).count(),
                         ThreadCpuSeconds() - cpu0 + cube_cpu);
    };
    for (int attempt = 0; open_count > 0; ++attempt) {
      z3::expr_vector bad(ctx);
      for (size_t p = 0; p < properties.size(); ++p) {
        if (!open[p]) continue;
        const bool step = SymbolicModel::IsStepProperty(properties[p]);
        z3::expr b = Bad(sm, un, properties[p], i);
        bad.push_back(step || !o.no_stutter ? b : b && un.Changes(i));
      }
      z3::expr goal = ctx.bool_const(fmt::format("negated-goal@{}#{}", i, attempt).c_str());
      solver.add(z3::implies(goal, z3::mk_or(bad)));
      z3::expr_vector assumptions(ctx);
      assumptions.push_back(goal);
      const unsigned timeout = QueryTimeout(o);
      z3::check_result res = z3::unknown;
      std::string why = kBudgetRanOut;
      std::optional<z3::model> fresh_model;
      if (timeout > 0 && !o.incremental) {
        stats.emplace();
        res = CheckCubes(ctx, solver, assumptions, un.FirstStepCubes(kBmcCubes), timeout, o.jobs,
                         fresh_model, why, *stats, cube_cpu);
      } else if (timeout > 0) {
        z3::params p(ctx);
        p.set("timeout", timeout);
        solver.set(p);
        res = solver.check(assumptions);
        if (res == z3::unknown) why = solver.reason_unknown();
      }
      if (res == z3::unsat) {
        solver.add(!goal);
        for (size_t p = 0; p < properties.size(); ++p)
          if (open[p] && !SymbolicModel::IsStepProperty(properties[p]))
            solver.add(!Bad(sm, un, properties[p], i) || !un.Changes(i));
          else if (open[p])
            solver.add(!Bad(sm, un, properties[p], i));
        break;
      }
      if (res == z3::unknown) {
        for (size_t p = 0; p < properties.size(); ++p)
          if (open[p]) {
            results[p].verdict = BmcVerdict::kUnknown;
            results[p].depth = i - 1;
            results[p].reason = fmt::format("solver unknown at depth {}: {}", i, why);
            open[p] = false;
          }
        open_count = 0;
        Progress(
            o,
            StatsLine(stats ? *stats : StatsOf(solver.statistics()), i,
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                      phases()) +
                " (unknown)");
        cut = true;
        break;
      }
      z3::model m = fresh_model ? *fresh_model : solver.get_model();
      std::vector<Op> ops = prologue;
      for (int j = 1; j <= i; ++j) ops.push_back(un.Decode(m, j));
      for (size_t p = 0; p < properties.size(); ++p) {
        if (!open[p] || !m.eval(Bad(sm, un, properties[p], i), true).is_true()) continue;
        BmcResult& r = results[p];
        r.depth = i;
        r.ops = ops;
        ReplayCounterexample(
            profile, o,
            {fmt::format("Found by bounded model checking (mmcheck prove --depth {}): Z3 on the "
                         "symbolic",
                         o.depth),
             "transition relation (solver/smt/symbolic_model.cpp), replayed on the concrete "
             "model."},
            r);
        open[p] = false;
        --open_count;
      }
      solver.add(!goal);
    }
    if (cut) break;  // its line, marked "(unknown)", is written: the depth did not finish
    Progress(o,
             StatsLine(stats ? *stats : StatsOf(solver.statistics()), i,
                       std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                       phases()));
  }
  for (size_t p = 0; p < properties.size(); ++p) {
    if (!open[p]) continue;
    results[p].verdict = BmcVerdict::kBounded;
    results[p].depth = o.depth;
    if (o.induction) Induction(ctx, sm, solver, un, o, results[p]);
  }
  return results;
}

BmcResult CheckProperty(const model::Profile& profile, const std::string& property,
                        const BmcOptions& o) {
  return CheckProperties(profile, {property}, o).front();
}

}  // namespace mmcheck::solver::smt
