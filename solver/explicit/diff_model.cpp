// SPDX-License-Identifier: GPL-2.0
#include "solver/explicit/diff_model.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "model/dump.h"
#include "traces/replay.h"

namespace mmcheck::solver::explicit_state {

namespace {

MainModelOptions WithoutSymmetry(MainModelOptions o) {
  o.symmetry = SymmetryGroups{};
  o.checked = properties::HardProperties();
  return o;
}

// The hard properties one step violated (transition and state ones alike).
properties::PropertyMask StepViolations(const model::World& w, const model::StepResult& r) {
  std::vector<properties::Violation> violations;
  properties::CheckStep(w, r, properties::HardProperties(), violations);
  return traces::HardViolations(violations);
}

}  // namespace

DiffModel::DiffModel(MainModelOptions a, MainModelOptions b, traces::DifferenceMask ignored)
    : a_(WithoutSymmetry(std::move(a))),
      b_(WithoutSymmetry(std::move(b))),
      ignored_(ignored | traces::kDiffState) {
  if (a_.OpCount() != b_.OpCount() || a_.EncodingSize() != b_.EncodingSize())
    throw ExplorationError("diff: the two models do not share an alphabet and a layout");
  properties_.push_back(PropertyInfo{"D", "divergence", PropertyKind::kTransition, false,
                                     "the two profiles differ in a step's observable outcome or "
                                     "property verdict"});
}

DiffModel::State DiffModel::InitialState() const {
  return State{a_.InitialState().world, b_.InitialState().world, 0, false};
}

bool DiffModel::Step(const State& state, int op, State* post) const {
  const model::Op& o = a_.OpAt(op);
  const bool ea = model::Enabled(state.a, o), eb = model::Enabled(state.b, o);
  if (!ea && !eb) return false;
  post->a = state.a;
  post->b = state.b;
  post->unchanged = false;
  if (ea != eb) {
    post->divergence = traces::kDiffEnabled & ~ignored_;
    post->unchanged = true;  // both worlds stay: the step is a self-loop of the pair
    return true;
  }
  const model::StepResult ra = model::Apply(post->a, o, /*texts=*/false);
  const model::StepResult rb = model::Apply(post->b, o, /*texts=*/false);
  post->divergence =
      traces::StepDifferences(ra, StepViolations(post->a, ra), rb, StepViolations(post->b, rb)) &
      ~ignored_;
  post->unchanged = post->a == state.a && post->b == state.b;
  return true;
}

void DiffModel::Encode(const State& state, std::uint8_t* out) const {
  a_.EncodeExact(state.a, out);
  b_.EncodeExact(state.b, out + a_.EncodingSize());
}

DiffModel::State DiffModel::Decode(const std::uint8_t* in) const {
  return State{a_.Decode(in).world, b_.Decode(in + a_.EncodingSize()).world, 0, false};
}

void DiffModel::StateTuple(const State& state, std::vector<int>* tuple) const {
  std::vector<std::uint8_t> bytes(EncodingSize());
  Encode(state, bytes.data());
  for (std::uint8_t b : bytes) tuple->push_back(b);
}

std::string DiffModel::DescribeState(const State& state) const {
  return model::DrawWorld(state.a) + " || " + model::DrawWorld(state.b);
}

DivergenceSearch SearchDivergence(const MainModelOptions& a, const MainModelOptions& b,
                                  const DivergenceSearchOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  DivergenceSearch out;
  if (options.engine != "random") {
    const DiffModel product(a, b, options.ignored);
    ExplorerOptions eo;
    eo.jobs = options.jobs;
    eo.asserted_properties = 1;
    eo.stop_at_violation = true;
    eo.max_states = options.max_states;
    eo.max_memory_bytes = options.max_memory_bytes;
    eo.time_budget_seconds =
        options.engine == "auto" ? options.budget_seconds / 2 : options.budget_seconds;
    Explorer<DiffModel> explorer(product, eo);
    out.bfs = explorer.Run();
    out.bfs_ran = true;
    out.engine = "explore";
    if (const Counterexample* cx = out.bfs.Violation("divergence")) {
      out.divergence = true;
      for (int op : cx->ops) out.ops.push_back(product.A().OpAt(op));
    } else if (out.bfs.status == ExplorationStatus::kComplete) {
      out.exhaustive = true;
    } else {
      out.inconclusive = fmt::format(
          "the breadth-first search stopped at a limit ({}) after {} "
          "states",
          out.bfs.limit, out.bfs.states);
    }
  }
  if (!out.divergence && !out.exhaustive && options.engine != "explore") {
    traces::RandomDivergenceOptions ro;
    ro.universe = a.universe;
    ro.seed = options.seed;
    ro.steps = options.steps;
    ro.budget_seconds = std::max(0.1, options.budget_seconds - elapsed());
    ro.ignored = options.ignored | traces::kDiffState;
    out.random = traces::RandomDivergence(a.profile, b.profile, ro);
    out.random_ran = true;
    out.engine = "random";
    if (out.random.found) {
      out.divergence = true;
      out.inconclusive.clear();
      out.ops = out.random.ops;
    } else {
      out.inconclusive +=
          fmt::format("{}{} random traces of {} steps found no divergence",
                      out.inconclusive.empty() ? "" : "; ", out.random.traces, ro.steps);
    }
  }
  out.seconds = elapsed();
  return out;
}

traces::Trace DivergenceTrace(const MainModelOptions& a, const MainModelOptions& b,
                              const DivergenceSearch& search, std::uint64_t seed) {
  traces::Trace t;
  t.profile = a.trace_profile.empty() ? a.profile.name : a.trace_profile;
  t.universe = a.universe;
  t.knobs = a.knob_overrides;
  t.header_comments = {
      fmt::format("Divergence of {} and {} found by mmcheck diff ({}).", a.profile.name,
                  b.profile.name,
                  search.engine == "explore" ? "breadth-first: a shortest one"
                                             : fmt::format("random, seed {}, shrunk", seed)),
      fmt::format("Both sides: mmcheck replay FILE --profile {} --profile {}",
                  a.trace_profile.empty() ? a.profile.name : a.trace_profile,
                  b.trace_profile.empty() ? b.profile.name : b.trace_profile)};
  t.question = fmt::format("What does {} change against {}?", b.profile.name, a.profile.name);
  for (const model::Op& op : search.ops) t.steps.push_back({op, {}, "", 0, {}});
  traces::ReplayResult ra = traces::ReplayUntilDisabled(t, a.profile);
  if (ra.disabled_step) {
    // The last op runs on b only: the trace is b's, so that it replays.
    t.profile = b.trace_profile.empty() ? b.profile.name : b.trace_profile;
    t.knobs = b.knob_overrides;
    ra = traces::ReplayUntilDisabled(t, b.profile);
  }
  if (!ra.violated.empty()) t.expect = traces::Expectation{false, ra.violated};
  return t;
}

}  // namespace mmcheck::solver::explicit_state
