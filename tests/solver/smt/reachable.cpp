// SPDX-License-Identifier: GPL-2.0
// Reachable states of a symbolic universe and the step comparison (see reachable.h).
#include "tests/solver/smt/reachable.h"

#include <deque>
#include <memory>
#include <stdexcept>
#include <tuple>
#include <unordered_set>

#include <fmt/format.h>

#include "properties/properties.h"
#include "util/threads.h"

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

// ---- the compiled comparison ----

namespace mmcheck::solver::smt::testing {

namespace {

uint64_t Mix(uint64_t x) {  // splitmix64's finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

struct Key {
  uint64_t a, b;
  bool operator==(const Key&) const = default;
};
struct KeyHash {
  size_t operator()(const Key& k) const { return k.a; }
};

// BMC's state: the projection with the data fields (`data[i]`:
// SymbolicLayout::IsDataField(i)) zeroed, as two independent 64-bit hashes.
Key ControlKey(const std::vector<bool>& data, const std::vector<uint64_t>& p) {
  Key k{0x6d6d636865636bULL, 0x73796d636f6e66ULL};
  for (size_t i = 0; i < p.size(); ++i) {
    const uint64_t v = data[i] ? 0 : p[i];
    k.a = Mix(k.a ^ (v + 0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(i + 1)));
    k.b = Mix(k.b + v * 0xd1b54a32d192ed03ULL + static_cast<uint64_t>(i));
  }
  return k;
}

}  // namespace

CompiledModel::CompiledModel(const SymbolicModel& sm)
    : sm_(sm), fresh_(sm.Fresh("x.")), value_(sm.ctx().bv_const("value", 8)) {
  std::vector<z3::expr> inputs(fresh_.begin(), fresh_.end());
  inputs.push_back(value_);
  for (const model::Op& op : sm.Alphabet()) {
    SymStep st = sm.Step(fresh_, op, value_, false);
    std::vector<z3::expr> roots = {st.enabled, st.outside, st.reclaim_stuck, st.migrate_stuck};
    roots.insert(roots.end(), st.next.begin(), st.next.end());
    steps_.emplace_back(roots, inputs);
    step_roots_.push_back(std::move(roots));
  }
  for (const auto* names :
       {&SymbolicModel::StateProperties(), &SymbolicModel::StrengtheningInvariants()})
    for (const std::string& n : *names) {
      property_names_.push_back(n);
      property_roots_.push_back(sm.Holds(n, fresh_));
    }
  properties_ = std::make_unique<ExprTape>(property_roots_, inputs);
}

size_t CompiledModel::AlphabetIndex(const model::Op& op) const {
  const auto& alphabet = sm_.Alphabet();
  for (size_t i = 0; i < alphabet.size(); ++i) {
    model::Op a = alphabet[i];
    if (op.code == OpCode::kCpuWrite) a.args[2] = op.args[2];
    if (a == op) return i;
  }
  throw std::invalid_argument("not in the symbolic alphabet: " + model::FormatOp(op));
}

std::vector<z3::expr> CompiledModel::InputConstants() const {
  std::vector<z3::expr> v(fresh_.begin(), fresh_.end());
  v.push_back(value_);
  return v;
}

const std::vector<z3::expr>& CompiledModel::StepRoots(size_t index) const {
  return step_roots_[index];
}

std::vector<z3::expr> CompiledModel::StepRoots(size_t index, uint64_t value) const {
  z3::expr_vector from(sm_.ctx()), to(sm_.ctx());
  from.push_back(value_);
  to.push_back(sm_.ctx().bv_val(value, 8));
  std::vector<z3::expr> out;
  for (z3::expr e : step_roots_[index]) out.push_back(e.substitute(from, to));
  return out;
}

void CompiledModel::Step(size_t index, std::span<const uint64_t> s, uint64_t value,
                         std::span<uint64_t> out) const {
  in_.assign(s.begin(), s.end());
  in_.push_back(value);
  steps_[index].Eval(in_, scratch_, out);
}

void CompiledModel::Properties(std::span<const uint64_t> s, std::span<uint64_t> out) const {
  in_.assign(s.begin(), s.end());
  in_.push_back(0);
  properties_->Eval(in_, properties_scratch_, out);
}

z3::expr_vector CompiledModel::Inputs() const {
  z3::expr_vector v(sm_.ctx());
  for (const z3::expr& e : fresh_) v.push_back(e);
  v.push_back(value_);
  return v;
}

z3::expr_vector CompiledModel::Numerals(std::span<const uint64_t> s, uint64_t value) const {
  z3::expr_vector v(sm_.ctx());
  const SymState c = sm_.Constant(std::vector<uint64_t>(s.begin(), s.end()));
  for (const z3::expr& e : c) v.push_back(e);
  v.push_back(sm_.ctx().bv_val(value, 8));
  return v;
}

std::vector<uint64_t> CompiledModel::StepByZ3(size_t index, std::span<const uint64_t> s,
                                              uint64_t value) const {
  z3::expr_vector from = Inputs(), to = Numerals(s, value);
  std::vector<uint64_t> out;
  for (z3::expr e : step_roots_[index]) out.push_back(Numeral(e.substitute(from, to)));
  return out;
}

std::vector<uint64_t> CompiledModel::PropertiesByZ3(std::span<const uint64_t> s) const {
  z3::expr_vector from = Inputs(), to = Numerals(s, 0);
  std::vector<uint64_t> out;
  for (z3::expr e : property_roots_) out.push_back(Numeral(e.substitute(from, to)));
  return out;
}

size_t CompiledModel::tape_nodes() const {
  size_t n = properties_->nodes();
  for (const ExprTape& t : steps_) n += t.nodes();
  return n;
}

ConcreteStep ApplyConcrete(const SymbolicLayout& lay, const model::World& w, const Op& op,
                           model::World& after) {
  ConcreteStep c;
  c.enabled = model::Enabled(w, op);
  if (!c.enabled) return c;
  after = w;
  model::StepResult r = model::Apply(after, op, /*texts=*/false);
  // Project checks OutsideSubset itself and throws when the World is
  // outside: one check a transition (its knob check is a table walk), and
  // OutsideSubset says why only on that rarer path.
  try {
    c.next = lay.Project(after);
  } catch (const std::invalid_argument&) {
    c.outside = lay.OutsideSubset(after);
    if (c.outside.empty()) throw;  // not the subset's refusal
    return c;
  }
  for (const model::ProgressCheck& p : r.progress) {
    if (p.progressed) continue;
    (p.kind == model::ProgressCheck::kReclaim ? c.reclaim_stuck : c.migrate_stuck) = true;
  }
  return c;
}

std::string DiffStep(const SymbolicLayout& lay, const Op& op, const ConcreteStep& c,
                     std::span<const uint64_t> sym) {
  using M = CompiledModel;
  const std::string name = model::FormatOp(op);
  if (sym[M::kEnabled] != static_cast<uint64_t>(c.enabled))
    return fmt::format("{}: symbolic enabled {} but concrete {}", name, sym[M::kEnabled],
                       c.enabled);
  if (!c.enabled) return {};
  if (sym[M::kOutside] != static_cast<uint64_t>(!c.outside.empty()))
    return fmt::format("{}: symbolic outside {} but the concrete step {}", name, sym[M::kOutside],
                       c.outside.empty() ? "stays in the subset" : "left it: " + c.outside);
  if (!c.outside.empty()) return {};
  if (c.next.size() != static_cast<size_t>(lay.size()))
    return fmt::format("{}: the concrete successor has {} fields, not {}", name, c.next.size(),
                       lay.size());
  for (int i = 0; i < lay.size(); ++i) {
    const uint64_t got = sym[M::kNext + static_cast<size_t>(i)];
    if (got != c.next[static_cast<size_t>(i)])
      return fmt::format("{}: field {} symbolic {:#x} concrete {:#x}", name, lay.name(i), got,
                         c.next[static_cast<size_t>(i)]);
  }
  if (sym[M::kReclaimStuck] != static_cast<uint64_t>(c.reclaim_stuck) ||
      sym[M::kMigrateStuck] != static_cast<uint64_t>(c.migrate_stuck))
    return fmt::format("{}: progress symbolic reclaim {} migrate {} concrete {} {}", name,
                       sym[M::kReclaimStuck], sym[M::kMigrateStuck], c.reclaim_stuck,
                       c.migrate_stuck);
  return {};
}

namespace {

std::string FormatState(const SymbolicLayout& lay, const std::vector<uint64_t>& p) {
  std::string s;
  for (int i = 0; i < lay.size(); ++i)
    if (p[static_cast<size_t>(i)] != 0)
      s += fmt::format("{}{}={}", s.empty() ? "" : " ", lay.name(i), p[static_cast<size_t>(i)]);
  return s;
}

// The state properties' verdicts on `w` by properties::CheckStep, in the
// order of SymbolicModel::StateProperties() (subset-well-formed: holds).
std::vector<uint64_t> ConcreteProperties(const model::World& w) {
  std::vector<properties::Violation> v;
  properties::CheckStep(w, model::StepResult{}, properties::AllProperties(), v);
  std::vector<uint64_t> out;
  for (const std::string& name : SymbolicModel::StateProperties()) {
    bool violated = false;
    for (const auto& x : v)
      violated =
          violated || properties::PropertyTable()[static_cast<size_t>(x.property)].name == name;
    out.push_back(violated ? 0 : 1);
  }
  return out;
}

}  // namespace

std::vector<z3::expr> SymbolicTerms(const SymbolicModel& sm) {
  const SymState fresh = sm.Fresh("x.");
  const z3::expr value = sm.ctx().bv_const("value", 8);
  std::vector<z3::expr> out;
  for (const Op& op : sm.Alphabet()) {
    SymStep st = sm.Step(fresh, op, value, false);
    for (const z3::expr* e : {&st.enabled, &st.outside, &st.reclaim_stuck, &st.migrate_stuck})
      out.push_back(*e);
    out.insert(out.end(), st.next.begin(), st.next.end());
  }
  for (const auto* names :
       {&SymbolicModel::StateProperties(), &SymbolicModel::StrengtheningInvariants()})
    for (const std::string& n : *names) out.push_back(sm.Holds(n, fresh));
  return out;
}

bool SameTerms(const std::vector<z3::expr>& a, const std::vector<z3::expr>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const z3::expr& x, const z3::expr& y) { return x.id() == y.id(); });
}

bool SameSymbolic(const SymbolicModel& a, const SymbolicModel& b) {
  return a.Alphabet() == b.Alphabet() && SameTerms(SymbolicTerms(a), SymbolicTerms(b));
}

namespace {

// `w` with the knobs of `k`.
model::World WithKnobs(const model::World& w, const model::Knobs& k) {
  model::World out = w;
  out.knobs = k;
  return out;
}

// Where successor `a` differs from `b` (both with the same knobs): the
// first projected field (both inside the subset), else the first World
// field that differs.
std::string SuccessorDiff(const SymbolicLayout& lay, const model::World& a, const model::World& b) {
  const bool inside = lay.OutsideSubset(a).empty() && lay.OutsideSubset(b).empty();
  if (inside) {
    const std::vector<uint64_t> pa = lay.Project(a), pb = lay.Project(b);
    for (int i = 0; i < lay.size(); ++i)
      if (pa[static_cast<size_t>(i)] != pb[static_cast<size_t>(i)])
        return fmt::format("field {} {:#x} instead of {:#x}", lay.name(i),
                           pa[static_cast<size_t>(i)], pb[static_cast<size_t>(i)]);
  }
  std::string field;
  std::apply(
      [&](const auto&... f) {
        ((field = field.empty() && !(a.*(f.member) == b.*(f.member)) ? std::string(f.name) : field),
         ...);
      },
      model::World::Fields());
  return "World field " + field + (inside ? ", outside the projection" : "");
}

// The first difference between the concrete step of `op` from `w` (`c`,
// successor `after`) and from `wf`, which is `w` with follower `f`'s knobs,
// or "": the enabled test, the successor World (knobs aside) and, inside
// the subset, the progress obligations. The subset test and the projection
// of the successor are then the leader's: SymbolicLayout::Project reads no
// knob and OutsideSubset reads them only through SymbolicKnobsUnsupported,
// "" for both knob sets (CheckAllReachable refuses a follower it does not
// accept); `full` checks that claim too, on a sample. `tamper`: see
// ExhaustiveOptions::tamper_follower.
std::string FollowerDiff(const SymbolicLayout& lay, const ExhaustiveOptions& o,
                         const ExhaustiveFollower& f, const model::World& w, const model::World& wf,
                         const Op& op, const ConcreteStep& c, const model::World& after,
                         model::World& scratch, bool full) {
  FollowerOutcome fo;
  fo.op = &op;
  fo.enabled = model::Enabled(wf, op);
  if (fo.enabled) {
    scratch = wf;
    const model::StepResult r = model::Apply(scratch, op, /*texts=*/false);
    fo.after = &scratch;
    for (const model::ProgressCheck& p : r.progress) {
      if (p.progressed) continue;
      (p.kind == model::ProgressCheck::kReclaim ? fo.reclaim_stuck : fo.migrate_stuck) = true;
    }
  }
  if (o.tamper_follower) {
    o.tamper_follower(f, w, fo);
    if (fo.enabled && fo.after == nullptr)
      throw std::logic_error("tamper_follower: an enabled step needs a successor");
  }
  if (fo.enabled != c.enabled)
    return fmt::format("{}: enabled {} where the leader's is {}", model::FormatOp(op), fo.enabled,
                       c.enabled);
  if (!fo.enabled) return {};
  if (full) {
    const std::string outside = lay.OutsideSubset(scratch);
    if (outside.empty() != c.outside.empty())
      return fmt::format("{}: leaves the subset {} where the leader's {}", model::FormatOp(op),
                         !outside.empty(), !c.outside.empty());
    if (outside.empty() && lay.Project(scratch) != c.next)
      return model::FormatOp(op) + ": another projected successor";
  }
  scratch.knobs = w.knobs;
  if (!(scratch == after))
    return model::FormatOp(op) + ": another successor: " + SuccessorDiff(lay, scratch, after);
  if (!c.outside.empty()) return {};
  if (fo.reclaim_stuck != c.reclaim_stuck || fo.migrate_stuck != c.migrate_stuck)
    return fmt::format("{}: progress obligations reclaim {} migrate {} where the leader's {} {}",
                       model::FormatOp(op), fo.reclaim_stuck, fo.migrate_stuck, c.reclaim_stuck,
                       c.migrate_stuck);
  return {};
}

// The first state property whose verdict under a follower's knobs (`got`)
// differs from the leader's (`want`), or "".
std::string PropertiesDiff(const std::vector<uint64_t>& got, const std::vector<uint64_t>& want) {
  for (size_t i = 0; i < want.size(); ++i)
    if (got[i] != want[i])
      return fmt::format("property {} {} where the leader's {}",
                         SymbolicModel::StateProperties()[i], got[i] ? "holds" : "is violated",
                         want[i] ? "holds" : "is violated");
  return {};
}

// One worker's share of a BFS level.
struct Share {
  std::vector<std::pair<Key, model::World>> next;     // new successors, in order
  std::vector<std::pair<size_t, size_t>> z3_samples;  // (position in level, op)
  size_t transitions = 0, outside = 0, compared = 0;
  uint64_t nodes_computed = 0;
  std::string first_diff;
  std::vector<std::string> follower_diff;
  std::vector<size_t> follower_compared;
};

}  // namespace

ExhaustiveResult CheckAllReachable(const SymbolicModel& sm, const ExhaustiveOptions& o) {
  const SymbolicLayout& lay = sm.layout();
  const CompiledModel cm(sm);
  const std::vector<Op> alphabet = ConcreteAlphabet(sm, o.write_values);
  const size_t nops = alphabet.size();
  const size_t width = CompiledModel::kNext + static_cast<size_t>(lay.size());
  std::vector<size_t> index;
  std::vector<uint64_t> values;
  // One tape for the whole concrete alphabet and the properties: terms the
  // steps share are evaluated once a state.
  std::vector<z3::expr> roots;
  for (const Op& op : alphabet) {
    index.push_back(cm.AlphabetIndex(op));
    values.push_back(op.code == OpCode::kCpuWrite ? static_cast<uint64_t>(op.Arg(2)) : 1);
    // Only cpu_write reads the value: the other ops' roots as they are,
    // evaluated with value 1 as CompiledModel::Step does.
    if (op.code == OpCode::kCpuWrite)
      for (const z3::expr& e : cm.StepRoots(index.back(), values.back())) roots.push_back(e);
    else
      for (const z3::expr& e : cm.StepRoots(index.back())) roots.push_back(e);
  }
  roots.insert(roots.end(), cm.property_roots().begin(), cm.property_roots().end());
  const ExprTape tape(roots, cm.InputConstants());
  const size_t props_at = nops * width;
  const size_t nstate = SymbolicModel::StateProperties().size();
  std::vector<bool> data(static_cast<size_t>(lay.size()));
  for (int i = 0; i < lay.size(); ++i) data[static_cast<size_t>(i)] = lay.IsDataField(i);

  ExhaustiveResult r;
  r.tape_nodes = tape.nodes();
  const model::World start = Prologue(lay.universe(), sm.knobs());
  std::vector<bool> follower_live;
  // The leader's terms (SymbolicTerms) are the compiled model's roots.
  std::vector<z3::expr> terms;
  for (size_t i = 0; i < sm.Alphabet().size(); ++i)
    terms.insert(terms.end(), cm.StepRoots(i).begin(), cm.StepRoots(i).end());
  terms.insert(terms.end(), cm.property_roots().begin(), cm.property_roots().end());
  for (const ExhaustiveFollower& f : o.followers) {
    FollowerResult fr;
    fr.name = f.name;
    if (SymbolicKnobsUnsupported(lay.universe(), f.knobs).empty()) {
      const SymbolicModel fm(sm.ctx(), lay.universe(), f.knobs);
      fr.same_symbolic = fm.Alphabet() == sm.Alphabet() && SameTerms(terms, SymbolicTerms(fm));
    }
    if (std::string why = SymbolicKnobsUnsupported(lay.universe(), f.knobs); !why.empty())
      fr.first_diff = "not accepted: " + why;
    else if (!fr.same_symbolic)
      fr.first_diff = "its symbolic model builds other expressions";
    else if (!(WithKnobs(Prologue(lay.universe(), f.knobs), sm.knobs()) == start))
      fr.first_diff = "another prologue state";
    follower_live.push_back(fr.first_diff.empty());
    r.followers.push_back(std::move(fr));
  }

  std::unordered_set<Key, KeyHash> seen;
  std::vector<model::World> level, next_level;
  level.push_back(start);
  seen.insert(ControlKey(data, lay.Project(start)));
  r.states = 1;
  size_t explored = 0;  // states of the levels before this one
  const int threads = std::max(1, o.threads);
  std::vector<Share> shares(static_cast<size_t>(threads));
  for (int depth = 0; !level.empty(); ++depth) {
    r.levels = depth;
    util::RunOnThreads(threads, [&](int t) {
      Share& sh = shares[static_cast<size_t>(t)];
      sh = Share{};
      sh.follower_diff.assign(o.followers.size(), "");
      sh.follower_compared.assign(o.followers.size(), 0);
      std::unordered_set<Key, KeyHash> mine;
      ExprTape::Scratch scratch;
      std::vector<uint64_t> in(static_cast<size_t>(lay.size()) + 1), props(cm.property_count()),
          sym(width), all(o.lazy_tape ? 0 : tape.roots());
      model::World after, follower_after;
      std::vector<model::World> follower_w(o.followers.size());
      const size_t from = level.size() * static_cast<size_t>(t) / static_cast<size_t>(threads);
      const size_t to = level.size() * static_cast<size_t>(t + 1) / static_cast<size_t>(threads);
      for (size_t pos = from; pos < to && sh.first_diff.empty(); ++pos) {
        const model::World& w = level[pos];
        const std::vector<uint64_t> p = lay.Project(w);
        std::copy(p.begin(), p.end(), in.begin());
        in.back() = 1;  // the value of the ops other than cpu_write (substituted)
        // Eagerly, every node once a state; or lazily (lazy_tape).
        auto root = [&](size_t i) { return o.lazy_tape ? tape.Root(i, scratch) : all[i]; };
        if (o.lazy_tape)
          tape.Load(in, scratch);
        else
          tape.Eval(in, scratch, all);
        for (size_t i = 0; i < props.size(); ++i) props[i] = root(props_at + i);
        const std::vector<uint64_t> want = ConcreteProperties(w);
        for (size_t i = 0; i < nstate && sh.first_diff.empty(); ++i)
          if (props[i] != want[i])
            sh.first_diff = fmt::format("property {} symbolic {} concrete {} on {}",
                                        cm.property_name(i), props[i] ? "holds" : "violated",
                                        want[i] ? "holds" : "violated", FormatState(lay, p));
        if (o.check_invariants)
          for (size_t i = nstate; i < cm.property_count() && sh.first_diff.empty(); ++i)
            if (!props[i])
              sh.first_diff = fmt::format("strengthening invariant {} fails on reachable state {}",
                                          cm.property_name(i), FormatState(lay, p));
        for (size_t f = 0; f < o.followers.size(); ++f) {
          follower_w[f] = WithKnobs(w, o.followers[f].knobs);
          if (!follower_live[f] || !sh.follower_diff[f].empty()) continue;
          std::vector<uint64_t> got = ConcreteProperties(follower_w[f]);
          if (o.tamper_follower) {
            FollowerOutcome fo;
            fo.properties = &got;
            o.tamper_follower(o.followers[f], w, fo);
          }
          if (std::string d = PropertiesDiff(got, want); !d.empty())
            sh.follower_diff[f] = fmt::format("{} (on {})", d, FormatState(lay, p));
        }
        for (size_t j = 0; j < nops && sh.first_diff.empty(); ++j) {
          const Op& op = alphabet[j];
          ConcreteStep c = ApplyConcrete(lay, w, op, after);
          for (size_t f = 0; f < o.followers.size(); ++f) {
            if (!follower_live[f] || !sh.follower_diff[f].empty()) continue;
            ++sh.follower_compared[f];
            const bool full = ((explored + pos) * nops + j) % 61 == 0;
            std::string d = FollowerDiff(lay, o, o.followers[f], w, follower_w[f], op, c, after,
                                         follower_after, full);
            if (!d.empty())
              sh.follower_diff[f] = fmt::format("{} (from {})", d, FormatState(lay, p));
          }
          if (o.tamper) o.tamper(op, c);
          // DiffStep reads the rest only when both steps are enabled.
          sym[CompiledModel::kEnabled] = root(j * width + CompiledModel::kEnabled);
          for (size_t k = 1; k < width; ++k)
            sym[k] = c.enabled && sym[CompiledModel::kEnabled] ? root(j * width + k) : 0;
          const std::string diff = DiffStep(lay, op, c, sym);
          if (o.z3_every > 0 && ((explored + pos) * nops + j) % o.z3_every == 0)
            sh.z3_samples.emplace_back(pos, j);
          ++sh.compared;
          if (!diff.empty()) {
            sh.first_diff = fmt::format("{} (from {})", diff, FormatState(lay, p));
            break;
          }
          if (!c.enabled) continue;
          ++sh.transitions;
          if (!c.outside.empty()) {
            ++sh.outside;
            continue;
          }
          const Key k = ControlKey(data, c.next);
          if (seen.count(k) || !mine.insert(k).second) continue;  // `seen`: read-only now
          sh.next.emplace_back(k, after);
        }
      }
      sh.nodes_computed =
          o.lazy_tape ? scratch.computed() : tape.nodes() * static_cast<uint64_t>(to - from);
    });
    // Merge in thread order: the order a single thread would have found them.
    for (Share& sh : shares) {
      r.transitions += sh.transitions;
      r.outside += sh.outside;
      r.compared += sh.compared;
      r.nodes_computed += sh.nodes_computed;
      for (size_t f = 0; f < o.followers.size(); ++f) {
        r.followers[f].compared += sh.follower_compared[f];
        if (follower_live[f] && !sh.follower_diff[f].empty()) {
          r.followers[f].first_diff = sh.follower_diff[f];
          follower_live[f] = false;
        }
      }
      // The Z3 cross-check, on one thread (a Z3 context is not thread-safe).
      for (const auto& [pos, j] : sh.z3_samples) {
        if (!r.first_diff.empty()) break;
        const model::World& w = level[pos];
        const std::vector<uint64_t> p = lay.Project(w);
        ++r.z3_checked;
        std::vector<uint64_t> props(cm.property_count());
        cm.Properties(p, props);
        std::vector<uint64_t> sym(width);
        cm.Step(index[j], p, values[j], sym);
        if (cm.PropertiesByZ3(p) != props)
          r.first_diff =
              "the evaluator and Z3 disagree on the properties of " + FormatState(lay, p);
        else if (cm.StepByZ3(index[j], p, values[j]) != sym)
          r.first_diff = model::FormatOp(alphabet[j]) + ": the evaluator and Z3 disagree";
        else if (!o.tamper) {
          // The tape over the whole alphabet agrees with the op's own tape
          // (checked against Z3 just above), and the eager numeral path
          // agrees with the concrete step.
          std::vector<uint64_t> all(tape.roots());
          std::vector<uint64_t> in(p.begin(), p.end());
          in.push_back(1);
          ExprTape::Scratch scratch;
          tape.Eval(in, scratch, all);
          std::vector<uint64_t> lazy(tape.roots());
          ExprTape::Scratch lazy_scratch;
          tape.EvalLazy(in, lazy_scratch, lazy);
          if (!std::equal(sym.begin(), sym.end(),
                          all.begin() + static_cast<std::ptrdiff_t>(j * width)))
            r.first_diff =
                model::FormatOp(alphabet[j]) + ": the alphabet's tape and the op's disagree";
          else if (lazy != all)
            r.first_diff =
                "the lazy and the eager evaluation of the tape disagree on " + FormatState(lay, p);
          else {
            std::string d = CompareStep(sm, w, alphabet[j]);
            if (!d.empty()) r.first_diff = d;
          }
        }
      }
      if (r.first_diff.empty() && !sh.first_diff.empty()) r.first_diff = sh.first_diff;
      if (!r.first_diff.empty()) continue;
      for (auto& [k, w] : sh.next) {
        if (!seen.insert(k).second) continue;
        if (r.states >= o.max_states) {
          r.complete = false;
          continue;
        }
        ++r.states;
        next_level.push_back(std::move(w));
      }
    }
    if (!r.first_diff.empty()) return r;
    explored += level.size();
    level.swap(next_level);
    next_level.clear();
    if (o.on_level) o.on_level(r);
  }
  return r;
}

std::vector<SearchOutcome> CheckByClasses(const model::Universe& u,
                                          const std::vector<ConformanceSearch>& todo,
                                          const ExhaustiveOptions& base, const std::string& only,
                                          const ClassHooks& hooks) {
  z3::context ctx;
  std::vector<std::unique_ptr<SymbolicModel>> models;
  std::vector<std::vector<z3::expr>> terms;  // each model's, built once (SameSymbolic)
  for (const ConformanceSearch& s : todo) {
    models.push_back(std::make_unique<SymbolicModel>(ctx, u, s.knobs));
    terms.push_back(SymbolicTerms(*models.back()));
  }
  std::vector<SearchOutcome> out(todo.size());
  // The classes, numbered in the order of `todo`.
  int classes = 0;
  for (size_t i = 0; i < todo.size(); ++i) {
    out[i].name = todo[i].name;
    if (out[i].symbolic_class >= 0) continue;
    out[i].symbolic_class = classes++;
    for (size_t j = i + 1; j < todo.size(); ++j)
      if (out[j].symbolic_class < 0 && todo[j].invariants == todo[i].invariants &&
          models[i]->Alphabet() == models[j]->Alphabet() && SameTerms(terms[i], terms[j]))
        out[j].symbolic_class = out[i].symbolic_class;
  }
  int only_class = -2;  // no class
  for (size_t i = 0; i < todo.size(); ++i)
    if (todo[i].name == only) only_class = out[i].symbolic_class;
  for (size_t lead = 0; lead < todo.size(); ++lead) {
    if (out[lead].ran || (!only.empty() && out[lead].symbolic_class != only_class)) continue;
    ExhaustiveOptions o = base;
    if (hooks.before) hooks.before(todo[lead], o);
    o.check_invariants = todo[lead].invariants;
    o.followers.clear();
    std::vector<size_t> follows;
    for (size_t j = lead + 1; j < todo.size(); ++j)
      if (!out[j].ran && out[j].symbolic_class == out[lead].symbolic_class) {
        follows.push_back(j);
        o.followers.push_back({todo[j].name, todo[j].knobs});
      }
    const ExhaustiveResult r = CheckAllReachable(*models[lead], o);
    auto settle = [&](SearchOutcome& s) {
      s.ran = true;
      s.states = r.states;
      s.complete = r.complete;
      s.first_diff = r.first_diff;
    };
    settle(out[lead]);
    for (size_t f = 0; f < follows.size(); ++f) {
      SearchOutcome& s = out[follows[f]];
      if (!r.followers[f].first_diff.empty()) {
        s.not_like.push_back(todo[lead].name + ": " + r.followers[f].first_diff);
        continue;
      }
      settle(s);
      s.leader = todo[lead].name;
    }
    if (hooks.after) hooks.after(out[lead], r);
  }
  return out;
}

}  // namespace mmcheck::solver::smt::testing
