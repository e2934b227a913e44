// SPDX-License-Identifier: GPL-2.0
#include "solver/explicit/main_model.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <limits>
#include <numeric>
#include <string_view>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "model/dump.h"
#include "util/threads.h"

namespace mmcheck::solver::explicit_state {

using model::Mm;
using model::Page;
using model::Pmd;
using model::Pte;
using model::Vma;
using model::World;

namespace {

constexpr bool Constant(std::string_view field) {
  for (std::string_view c : kFieldsNotEncoded)
    if (c == field) return true;
  return false;
}

// Per field of World::Fields(): whether it is one of kFieldsNotEncoded, the same in every world
// of a search.
constexpr auto kConstantField = [] {
  constexpr auto fields = World::Fields();
  std::array<bool, std::tuple_size_v<decltype(fields)>> out{};
  std::size_t i = 0;
  std::apply([&](const auto&... f) { ((out[i++] = Constant(f.name)), ...); }, fields);
  return out;
}();

// a == b for two worlds of one search: every field but the constant ones (the knobs alone are
// some thirty compares, and most steps are compared whole).
template <std::size_t... I>
bool SameInSearch(const World& a, const World& b, std::index_sequence<I...>) {
  constexpr auto fields = World::Fields();
  return (
      (kConstantField[I] || a.*(std::get<I>(fields).member) == b.*(std::get<I>(fields).member)) &&
      ...);
}
bool SameInSearch(const World& a, const World& b) {
  return SameInSearch(a, b, std::make_index_sequence<kConstantField.size()>{});
}

}  // namespace

MainModel::State MainModel::InitialState() const {
  return State{initial_, 0};
}

bool MainModel::Step(const State& state, int op, State* post) const {
  const model::Op& o = ops_[static_cast<std::size_t>(op)];
  if (!model::Enabled(state.world, o)) return false;
  post->world = state.world;
  const model::StepResult result = model::Apply(post->world, o, /*texts=*/false);
  if (options_.normalize) options_.normalize(post->world);
  if (options_.keep && !options_.keep(post->world)) return false;
  post->step_violations = 0;
  post->decoded = 0;
  post->parent = state.decoded;
  // A step that changed nothing and reported nothing can only repeat what the state's own
  // incoming step already showed (its state properties are unchanged), and the explorer keeps
  // the first, shorter, hit: skip the check. Most enabled ops are such self-loops.
  post->unchanged = result.events.empty() && result.progress.empty() && result.mismatches.empty() &&
                    SameInSearch(post->world, state.world);
  if (post->unchanged) return true;
  thread_local std::vector<properties::Violation> violations;  // reused: no allocation a step
  violations.clear();
  properties::CheckStep(post->world, result, options_.checked & ~properties::StateOnlyProperties(),
                        violations);
  for (const properties::Violation& v : violations) post->step_violations |= 1u << v.property;
  return true;
}

std::uint64_t MainModel::ViolatedStateProperties(const State& state, std::uint64_t mask) const {
  const properties::PropertyMask judged = static_cast<properties::PropertyMask>(mask) &
                                          options_.checked & properties::StateOnlyProperties();
  if (judged == 0) return 0;
  std::vector<properties::Violation> violations;
  properties::CheckStep(state.world, model::StepResult{}, judged, violations);
  std::uint64_t failed = 0;
  for (const properties::Violation& v : violations) failed |= std::uint64_t{1} << v.property;
  return failed;
}

std::uint32_t MainModel::Violations(const State& post) const {
  return post.step_violations |
         static_cast<std::uint32_t>(ViolatedStateProperties(post, ~std::uint64_t{0}));
}

std::uint64_t MainModel::ViolatedTransitionProperties(const State&, int, const State& post,
                                                      std::uint64_t mask) const {
  return post.step_violations & mask;
}

std::uint64_t MainModel::DefaultAssertedMask() const {
  return properties::HardProperties();
}

std::uint64_t MainModel::MaskOf(const std::vector<std::string>& names) const {
  std::uint64_t mask = 0;
  for (const std::string& name : names) {
    const int index = properties::PropertyIndex(name);
    if (index < 0) {
      std::string accepted;
      for (const properties::PropertyInfo& p : properties::PropertyTable())
        accepted += (accepted.empty() ? "" : ", ") + std::string(p.name);
      throw model::ModelInputError(
          fmt::format("unknown property '{}'; accepted: {}", name, accepted));
    }
    mask |= std::uint64_t{1} << index;
  }
  return mask;
}

// Liveness (AG EF). For each frame F and each background mover (memory offline, which
// migrates; reclaim), with ONLY that mover running (every instance of its op):
//
//   offline-empties-frame-F: from every reachable state a state is reachable in which frame F
//   holds no folio that a correct kernel must be able to move.
//
// "Must be able to move" is the model's own obligation: the folio is mapped (ops name folios
// by a mapping) and a dry run of the op on it raises a ProgressCheck (the model's eligibility
// rules: an unpinned LRU folio, not held by the lock thread, with a free destination / free
// swap). So the goal is: frame F is free, or no mapping names its folio, or the folio is not
// eligible. On linux-6.14 a device-exclusive folio has mapcount 0 but is eligible, and
// offline fails on it forever: a lasso whose cycle is the offline op (bug 4,
// docs/kernel-rules.md#bug-04). Frames, not folio slots: migration allocates first-fit and may
// move a small folio to another frame of the same PMD-sized block, but never to its own frame.
std::vector<LivenessProperty<MainModel::State>> MainModel::LivenessProperties() const {
  std::vector<LivenessProperty<State>> out;
  struct Mover {
    const char* op;
    const char* property;
    model::ProgressCheck::Kind kind;
    const char* doc;
  };
  const Mover movers[] = {
      {"offline", "offline-empties-frame", model::ProgressCheck::kMigration,
       "memory offline alone can empty frame {} of every folio it must migrate"},
      {"reclaim", "reclaim-empties-frame", model::ProgressCheck::kReclaim,
       "reclaim alone can empty frame {} of every folio it must reclaim"},
  };
  const int frames = static_cast<int>(initial_.pages.size());
  for (const Mover& mover : movers) {
    const model::OpInfo* info = model::FindOp(mover.op);
    if (info == nullptr) continue;
    std::vector<bool> allowed(ops_.size(), false);
    bool any = false;
    for (std::size_t i = 0; i < ops_.size(); ++i)
      if (ops_[i].code == info->code) any = allowed[i] = true;
    if (!any) continue;  // left out with --op/--no-op
    const model::ProgressCheck::Kind kind = mover.kind;
    for (int frame = 0; frame < frames; ++frame) {
      LivenessProperty<State> p;
      p.name = fmt::format("{}-{}", mover.property, frame);
      p.description = fmt::format(fmt::runtime(mover.doc), frame);
      p.allowed_ops = allowed;
      // Only the mover's instances in the alphabet count: with --restrict a folio no op
      // instance can name is one the mover cannot be asked to move.
      std::vector<model::Op> mover_ops;
      for (std::size_t i = 0; i < ops_.size(); ++i)
        if (allowed[i]) mover_ops.push_back(ops_[i]);
      p.goal = [frame, kind, mover_ops](const State& s) {
        const World& w = s.world;
        const int head = w.pages[static_cast<std::size_t>(frame)].head;
        if (head < 0) return true;
        for (const model::Op& op : mover_ops) {
          if (!model::Enabled(w, op)) continue;
          const int mapped = w.MappedFrame(op.Arg(0), op.Arg(1));
          if (mapped < 0 || w.pages[static_cast<std::size_t>(mapped)].head != head) continue;
          World dry = w;
          const model::StepResult r = model::Apply(dry, op);
          for (const model::ProgressCheck& c : r.progress)
            if (c.kind == kind && c.pfn == w.PfnOf(head)) return false;
        }
        return true;
      };
      out.push_back(std::move(p));
    }
  }
  return out;
}

void MainModel::StateTuple(const State& state, std::vector<int>* tuple) const {
  // The exact canonical encoding, never section numbers: those depend on the order threads met
  // the sections, and the dump must be the same on every run.
  std::vector<std::uint8_t> bytes(exact_size_);
  EncodeCanonical(state, bytes.data());
  for (std::uint8_t b : bytes) tuple->push_back(b);
}

std::string MainModel::DescribeState(const State& state) const {
  return model::DrawWorld(state.world);
}

std::vector<int> MainModel::Concretize(const std::vector<int>& ops, int property) const {
  if (!options_.symmetry.Any()) return ops;
  std::vector<int> out;
  State concrete = InitialState(), post, candidate;
  std::vector<std::uint8_t> want(encoding_size_), got(encoding_size_);
  Encode(concrete, want.data());
  State canonical = Decode(want.data());  // the explorer expands decoded states
  for (std::size_t k = 0; k < ops.size(); ++k) {
    if (!Step(canonical, ops[k], &post)) throw ExplorationError("concretize: op not enabled");
    Encode(post, want.data());
    const bool last = k + 1 == ops.size();
    int found = -1;
    for (int op = 0; op < OpCount() && found < 0; ++op) {
      if (!Step(concrete, op, &candidate)) continue;
      Encode(candidate, got.data());
      if (got != want) continue;
      if (last && property >= 0 && (Violations(candidate) >> property & 1) == 0) continue;
      found = op;
      concrete = candidate;
    }
    if (found < 0) throw ExplorationError("concretize: no concrete op reaches the same class");
    out.push_back(found);
    canonical = Decode(want.data());
  }
  return out;
}

traces::Trace MainModel::MakeTrace(const std::vector<int>& ops, const std::string& property,
                                   const std::string& question,
                                   const std::vector<std::string>& comments) const {
  traces::Trace t;
  t.header_comments = comments;
  t.profile = options_.trace_profile.empty() ? options_.profile.name : options_.trace_profile;
  t.universe = options_.universe;
  t.knobs = options_.knob_overrides;
  t.expect = property.empty() ? traces::Expectation{} : traces::Expectation{false, property};
  t.question = question;
  for (int op : ops) {
    traces::TraceStep step;
    step.op = ops_[static_cast<std::size_t>(op)];
    t.steps.push_back(std::move(step));
  }
  return t;
}

}  // namespace mmcheck::solver::explicit_state
