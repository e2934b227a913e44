// SPDX-License-Identifier: GPL-2.0
// Reachable states of a symbolic universe and the step comparison (see reachable.h).
#include "tests/solver/smt/reachable.h"

#include <deque>
#include <stdexcept>

#include <fmt/format.h>

#include "properties/properties.h"

namespace mmcheck::solver::smt::testing {

using model::Op;
using model::OpCode;

uint64_t Numeral(const z3::expr& e) {
  z3::expr s = e.simplify();
  if (s.is_true()) return 1;
  if (s.is_false()) return 0;
  uint64_t v = 0;
  if (!s.is_numeral_u64(v)) throw std::runtime_error("not a numeral: " + s.to_string());
  return v;
}

std::vector<Op> ConcreteAlphabet(const SymbolicModel& sm, const std::vector<int>& write_values) {
  std::vector<Op> out;
  for (const Op& op : sm.Alphabet()) {
    if (op.code != OpCode::kCpuWrite) {
      out.push_back(op);
      continue;
    }
    for (int v : write_values) {
      Op w = op;
      w.args[2] = static_cast<int16_t>(v);
      out.push_back(w);
    }
  }
  return out;
}

namespace {

struct ProjectionHash {
  size_t operator()(const std::vector<uint64_t>& v) const {
    return boost::hash_range(v.begin(), v.end());
  }
};

model::World Prologue(const model::Universe& u, const model::Knobs& k) {
  model::World w = model::World::Initial(u, k);
  for (const Op& op : BmcPrologue(u)) model::Apply(w, op);
  return w;
}

}  // namespace

ReachableStates EnumerateReachable(
    const SymbolicModel& sm, const std::vector<int>& write_values, size_t max_states, int max_depth,
    const std::function<bool(const model::World&, const model::Op&)>& visit) {
  const SymbolicLayout& lay = sm.layout();
  const std::vector<Op> alphabet = ConcreteAlphabet(sm, write_values);
  ReachableStates r;
  std::unordered_map<std::vector<uint64_t>, std::vector<size_t>, ProjectionHash> seen;
  auto add = [&](model::World w, int depth) {
    std::vector<uint64_t> key = lay.Project(w);
    std::vector<size_t>& same = seen[key];
    for (size_t i : same)
      if (r.states[i] == w) return;
    if (r.states.size() >= max_states) {
      r.complete = false;
      return;
    }
    same.push_back(r.states.size());
    r.states.push_back(std::move(w));
    r.depth.push_back(depth);
  };
  add(Prologue(lay.universe(), sm.knobs()), 0);
  for (size_t i = 0; i < r.states.size(); ++i) {
    for (const Op& op : alphabet) {
      const model::World& w = r.states[i];
      if (visit && !visit(w, op)) {
        r.complete = false;
        return r;
      }
      if (!model::Enabled(w, op)) continue;
      ++r.transitions;
      model::World after = w;
      model::Apply(after, op, false);
      if (!lay.OutsideSubset(after).empty()) {
        ++r.outside;
        continue;
      }
      if (r.depth[i] >= max_depth) {
        r.complete = false;
        continue;
      }
      add(std::move(after), r.depth[i] + 1);
    }
  }
  return r;
}

std::string CompareStep(const SymbolicModel& sm, const model::World& w, const Op& op) {
  const SymbolicLayout& lay = sm.layout();
  z3::context& c = sm.ctx();
  SymState s = sm.Constant(lay.Project(w));
  const int value = op.code == OpCode::kCpuWrite ? op.Arg(2) : 1;
  SymStep step = sm.Step(s, op, c.bv_val(static_cast<unsigned>(value), 8), true);
  const bool enabled = model::Enabled(w, op);
  if (Numeral(step.enabled) != static_cast<uint64_t>(enabled))
    return fmt::format("{}: symbolic enabled {} but concrete {}", model::FormatOp(op),
                       Numeral(step.enabled), enabled);
  if (!enabled) return {};
  model::World after = w;
  model::StepResult r = model::Apply(after, op);
  std::string why = lay.OutsideSubset(after);
  // The symbolic step says exactly when the concrete one leaves the subset.
  if (Numeral(step.outside) != static_cast<uint64_t>(!why.empty()))
    return fmt::format("{}: symbolic outside {} but the concrete step {}", model::FormatOp(op),
                       Numeral(step.outside),
                       why.empty() ? "stays in the subset" : "left it: " + why);
  if (!why.empty()) return {};
  std::vector<uint64_t> want = lay.Project(after);
  for (int i = 0; i < lay.size(); ++i) {
    uint64_t got = Numeral(step.next[static_cast<size_t>(i)]);
    if (got != want[static_cast<size_t>(i)])
      return fmt::format("{}: field {} symbolic {:#x} concrete {:#x}", model::FormatOp(op),
                         lay.name(i), got, want[static_cast<size_t>(i)]);
  }
  // Step properties: the progress obligations.
  bool reclaim_stuck = false, migrate_stuck = false;
  for (const model::ProgressCheck& p : r.progress) {
    if (p.progressed) continue;
    (p.kind == model::ProgressCheck::kReclaim ? reclaim_stuck : migrate_stuck) = true;
  }
  if (Numeral(step.reclaim_stuck) != reclaim_stuck || Numeral(step.migrate_stuck) != migrate_stuck)
    return fmt::format("{}: progress symbolic reclaim {} migrate {} concrete {} {}",
                       model::FormatOp(op), Numeral(step.reclaim_stuck),
                       Numeral(step.migrate_stuck), reclaim_stuck, migrate_stuck);
  // State properties on the concrete post-state.
  std::vector<properties::Violation> v;
  properties::CheckStep(after, model::StepResult{}, properties::AllProperties(), v);
  SymState post = sm.Constant(want);
  for (const std::string& name : SymbolicModel::StateProperties()) {
    if (name == "subset-well-formed") {
      if (!Numeral(sm.Holds(name, post))) return "reachable state is not subset-well-formed";
      continue;
    }
    bool violated = false;
    for (const auto& x : v)
      if (properties::PropertyTable()[static_cast<size_t>(x.property)].name == name)
        violated = true;
    if (Numeral(sm.Holds(name, post)) == static_cast<uint64_t>(violated))
      return fmt::format("after {}: property {} symbolic {} concrete {}", model::FormatOp(op), name,
                         !violated ? "violated" : "holds", violated ? "violated" : "holds");
  }
  return {};
}

}  // namespace mmcheck::solver::smt::testing
