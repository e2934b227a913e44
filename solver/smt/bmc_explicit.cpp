// SPDX-License-Identifier: GPL-2.0
// prove --engine explicit: bounded model checking's question answered by breadth-first search
// over the concrete model (solver/explicit/), in the symbolic model's universe.
//
// The search is the explorer's (Explorer<MainModel>) with the symbolic model's setting: it starts
// from the state after BmcPrologue, its alphabet is SymbolicModel::Alphabet() (cpu_write with
// the value 1), data is zeroed in every world as the unrolling slices it away (none of BMC's
// properties reads data), and a successor outside the subset (SymbolicLayout::OutsideSubset) is not
// taken, as the unrolling's steps may not leave it. So the states it sees are the concrete states
// the BMC unrolling stands for (the exhaustive conformance test, tests/solver/smt/reachable.*,
// checks that the two transition relations agree on every one, and its states are these same
// data-sliced states), level k holding those first reached in k steps. BFS finds each property's
// shortest counterexample; a search that runs out of states before `depth` has seen every reachable
// state, and the property holds at every depth.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "model/world.h"
#include "properties/properties.h"
#include "solver/explicit/explorer.h"
#include "solver/explicit/main_model.h"
#include "solver/smt/bmc.h"
#include "solver/smt/query.h"
#include "solver/smt/symbolic_model.h"

namespace mmcheck::solver::smt {

namespace ex = solver::explicit_state;

std::vector<BmcResult> CheckPropertiesExplicit(const model::Profile& profile,
                                               const std::vector<std::string>& properties,
                                               const BmcOptions& o) {
  // The same subset as the symbolic engine's, knobs included: the same question.
  bool encoded = false;
  std::vector<BmcResult> results = NewResults(profile, properties, o, &encoded);
  if (!encoded) return results;
  const auto start = std::chrono::steady_clock::now();
  double seconds = o.timeout_ms / 1000.0;
  if (o.deadline != std::chrono::steady_clock::time_point::max())
    seconds = std::min(seconds, std::chrono::duration<double>(o.deadline - start).count());
  if (seconds <= 0) {
    for (BmcResult& r : results) r.reason = fmt::format("not checked: {}", kBudgetRanOut);
    return results;
  }

  ex::MainModelOptions mo;
  mo.universe = o.universe;
  mo.profile = profile;
  mo.values = 1;
  mo.prologue = BmcPrologue(o.universe);
  {
    z3::context ctx;
    const SymbolicModel sm(ctx, o.universe, profile.knobs, o.ops);
    mo.op_list = sm.Alphabet();
  }
  const SymbolicLayout layout(o.universe);
  // Data is sliced away as the unrolling slices it: no property, branch, enabled or outside test
  // of the subset reads data (SymbolicLayout::IsDataField), so two worlds that differ only in
  // data have the same futures up to data, and the search keeps one. The counterexample's ops
  // replay on the unsliced model.
  mo.normalize = [layout](model::World& w) { layout.SliceData(w); };
  // The universe and knobs are the search's own (checked above): the rest of the subset's test.
  mo.keep = [layout](const model::World& w) {
    return layout.OutsideSubset(w, /*constant_fields=*/false).empty();
  };
  mo.intern_sections = true;  // a state as its section numbers: a few bytes
  std::uint64_t asserted = 0;
  for (const std::string& p : properties)
    asserted |= std::uint64_t{1} << properties::PropertyIndex(p);
  mo.checked = static_cast<properties::PropertyMask>(asserted);
  const ex::MainModel model(mo);

  ex::ExplorerOptions eo;
  eo.jobs = std::max(1, o.jobs);
  eo.asserted_properties = asserted;
  // Every property's shortest counterexample; with one property, the search ends with the level
  // of its first.
  eo.stop_at_violation = properties.size() == 1;
  eo.max_depth = o.depth;
  eo.time_budget_seconds = seconds;
  eo.max_memory_bytes = o.max_memory_bytes;
  if (o.progress) {
    eo.on_level = [&o](std::uint32_t level, std::uint64_t level_states, std::uint64_t states,
                       double elapsed) {
      o.progress(fmt::format("explicit: level {} reached: {} states ({} in all), {:.2f} s", level,
                             level_states, states, elapsed));
    };
  }
  ex::Explorer<ex::MainModel> explorer(model, eo);
  const ex::ExplorationResult run = explorer.Run();

  // The deepest level whose states were all judged: a search stopped by time or memory was
  // judging (or expanding) its last level.
  const bool complete = run.status == ex::ExplorationStatus::kComplete;
  const bool stopped = run.status == ex::ExplorationStatus::kStoppedAtViolation;
  const bool depth_limit =
      run.status == ex::ExplorationStatus::kLimitReached && run.limit == "max depth";
  const int judged = complete || stopped || depth_limit
                         ? static_cast<int>(run.diameter)
                         : std::max(0, static_cast<int>(run.diameter) - 1);
  if (o.progress) {
    std::string levels;
    for (std::uint64_t n : run.level_sizes)
      levels += fmt::format("{}{}", levels.empty() ? "" : " ", n);
    o.progress(fmt::format(
        "explicit: {} states in {} levels ({}), {} edges, {:.2f} s with {} thread(s), {:.1f} "
        "bytes/state, peak {:.0f} MB; {}",
        run.states, run.level_sizes.size(), levels, run.edges, run.seconds, run.jobs,
        run.bytes_per_state, run.peak_rss_bytes / 1e6,
        complete  ? std::string("every reachable state seen")
        : stopped ? std::string("stopped at the first violation")
                  : fmt::format("levels 0..{} judged ({})", judged, run.limit)));
  }
  for (BmcResult& r : results) {
    const ex::Counterexample* c = run.Violation(r.property);
    if (c != nullptr) {
      r.depth = static_cast<int>(c->ops.size());
      r.ops = mo.prologue;
      for (int op : c->ops) r.ops.push_back(model.OpAt(op));
      ReplayCounterexample(
          profile, o,
          {fmt::format(
               "Found by breadth-first search (mmcheck prove --engine explicit --depth {}):",
               o.depth),
           "the shortest path, on the concrete model in the symbolic model's universe, replayed."},
          r);
    } else if (complete) {
      r.verdict = BmcVerdict::kExhausted;
      r.depth = judged;
    } else if (depth_limit) {
      r.verdict = BmcVerdict::kBounded;
      r.depth = judged;
    } else {
      r.verdict = BmcVerdict::kUnknown;
      r.depth = judged;
      const bool budget = std::chrono::steady_clock::now() >= o.deadline;
      r.reason = fmt::format("the search stopped at depth {} ({}{})", judged + 1, run.limit,
                             budget ? fmt::format(": {}", kBudgetRanOut) : "");
    }
  }
  return results;
}

}  // namespace mmcheck::solver::smt
