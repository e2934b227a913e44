// SPDX-License-Identifier: GPL-2.0
// RapidCheck stateful commands generated from the one operation table
// (rapidcheck/state, doc/state.md): one command type holding a model::Op,
// arguments drawn from the current model state, every precondition in
// checkPreconditions (model::Enabled), apply() = model::Apply on the model,
// run() = the same step on a StepChecker that checks the properties after it.
//
// The model is the only system: there is no separate implementation to
// compare with, so the "system under test" (StepChecker) is a second copy of
// the model whose every step is judged by the properties. Campaigns run the
// commands through a StepChecker directly rather than rc::state::runAll (which
// would apply each op to a third copy).
//
// Sequences start from the Prologue, the mmap of all of mm0 read-write. Its
// mapping kind is drawn (private half the time, shared or hugetlb a quarter
// each) so that shmem and hugetlb mappings are reachable without first
// unmapping what the prologue mapped; the commands then run from the state
// after it, so RapidCheck never shrinks the prologue away (it shrinks its
// kind towards private).
#pragma once

#include <algorithm>
#include <memory>
#include <ostream>
#include <utility>
#include <vector>

#include <rapidcheck.h>
#include <rapidcheck/state.h>

#include "model/operations.h"
#include "properties/generators.h"
#include "properties/properties.h"

namespace mmcheck::properties {

// The system under test of a stateful check: the model run step by step,
// the properties in `mask` checked after every step.
struct StepChecker {
  model::World world;
  PropertyMask mask = 0;
  int steps = 0;                     // steps run so far
  std::vector<int> first_violation;  // per property: first step (1-based) violating it, 0 if none
  std::vector<Violation> last;       // the violations of the last step

  StepChecker(model::World initial, PropertyMask m, int steps_before = 0)
      : world(std::move(initial)),
        mask(m),
        steps(steps_before),
        first_violation(PropertyTable().size(), 0) {}

  // Runs `op` (REQUIRES: Enabled(world, op)) and checks the properties.
  void Step(const model::Op& op) {
    ++steps;
    model::StepResult r = model::Apply(world, op);
    last.clear();
    CheckStep(world, r, mask, last);
    for (const Violation& v : last)
      if (!first_violation[static_cast<size_t>(v.property)])
        first_violation[static_cast<size_t>(v.property)] = steps;
  }
};

using OpCommandBase = rc::state::Command<model::World, StepChecker>;
using OpCommandPtr = std::shared_ptr<const OpCommandBase>;

// One operation of the table with its arguments. Immutable.
class OpCommand final : public OpCommandBase {
 public:
  explicit OpCommand(const model::Op& op) : op_(op) {}
  const model::Op& op() const { return op_; }

  void checkPreconditions(const model::World& s0) const override {
    RC_PRE(model::Enabled(s0, op_));
  }
  void apply(model::World& s0) const override { model::Apply(s0, op_); }
  void run(const model::World&, StepChecker& sut) const override { sut.Step(op_); }
  void show(std::ostream& os) const override { os << model::FormatOp(op_); }

 private:
  model::Op op_;
};

inline const model::Op& OpOf(const OpCommandPtr& cmd) {
  return static_cast<const OpCommand&>(*cmd).op();
}

// Simpler variants of `op`, simplest first: a lower mm or device, a lower
// address, fewer pages, a smaller value, an earlier symbol (prot none < r <
// rw). A folio named by (mm, va) moves to a lower mapping. Used by
// RapidCheck's shrinking of one command and by the trace shrinker; the
// caller re-checks preconditions (a candidate may not be enabled).
inline std::vector<model::Op> SimplerOps(const model::Op& op) {
  std::vector<model::Op> out;
  const model::OpInfo& info = model::InfoOf(op.code);
  auto with = [&](size_t i, int v) {
    model::Op o = op;
    o.args[i] = static_cast<int16_t>(v);
    out.push_back(o);
  };
  size_t first = 0;
  if (info.names_folio) {
    // A mapping at a lower mm and a lower (or equal) address, lowest first.
    for (int mm = 0; mm <= op.Arg(0); ++mm)
      for (int va = 0; va <= op.Arg(1); ++va) {
        if (mm == op.Arg(0) && va == op.Arg(1)) continue;
        model::Op o = op;
        o.args[0] = static_cast<int16_t>(mm);
        o.args[1] = static_cast<int16_t>(va);
        out.push_back(o);
      }
    first = 2;
  }
  for (size_t i = first; i < info.args.size(); ++i) {
    const int v = op.Arg(static_cast<int>(i));
    const int lo = info.args[i].kind == model::ArgKind::kNpages  ? 1
                   : info.args[i].kind == model::ArgKind::kValue ? 1
                                                                 : 0;
    if (v <= lo) continue;
    if (info.args[i].kind == model::ArgKind::kValue) {
      // A byte: the smallest, then halfway, then one less.
      std::vector<int> c{lo, lo + (v - lo) / 2, v - 1};
      c.erase(std::unique(c.begin(), c.end()), c.end());
      for (int x : c)
        if (x < v) with(i, x);
      continue;
    }
    for (int x = lo; x < v; ++x) with(i, x);
  }
  return out;
}

// What the generator needs to know of a state: the mms, their VMAs, and
// the (mm, va) entries that map or reference a folio.
struct GenContext {
  model::Universe universe;
  std::vector<int> mms;                                // existing mms
  std::vector<std::vector<std::pair<int, int>>> vmas;  // per mm: [start, end)
  std::vector<std::vector<std::pair<int, int>>> gaps;  // per mm: unmapped [start, end)
  std::vector<std::pair<int, int>> folio_entries;      // (mm, va) naming a folio

  explicit GenContext(const model::World& w)
      : universe(w.universe), vmas(w.mms.size()), gaps(w.mms.size()) {
    for (int mm = 0; mm < static_cast<int>(w.mms.size()); ++mm) {
      const model::Mm& m = w.mms[static_cast<size_t>(mm)];
      if (!m.exists) continue;
      mms.push_back(mm);
      int end = 0;  // VMAs are sorted
      for (const model::Vma& v : m.vmas) {
        vmas[static_cast<size_t>(mm)].push_back({v.start, v.end});
        if (v.start > end) gaps[static_cast<size_t>(mm)].push_back({end, v.start});
        end = v.end;
      }
      if (end < w.universe.pages) gaps[static_cast<size_t>(mm)].push_back({end, w.universe.pages});
      for (int va = 0; va < w.universe.pages; ++va)
        if (w.MappedFrame(mm, va) >= 0) folio_entries.push_back({mm, va});
    }
  }
};

// Draws one operation for a state described by `ctx`: the op uniformly from
// the table, mm arguments among existing mms, a folio's (mm, va) among the
// entries that map one, an address (and page count) inside an existing VMA
// five times out of eight, inside an unmapped gap two out of eight (where
// mmap succeeds), anywhere otherwise; other arguments uniformly in their
// ranges. The result may still be disabled; RapidCheck then draws again.
inline model::Op DrawOp(const GenContext& ctx, rc::Random& r) {
  const auto& table = model::OpTable();
  auto below = [&r](int n) {
    return n <= 1 ? 0 : static_cast<int>(r.next() % static_cast<uint64_t>(n));
  };
  const model::OpInfo& info = table[static_cast<size_t>(below(static_cast<int>(table.size())))];
  model::Op op;
  op.code = info.code;
  int mm = ctx.mms.empty() ? 0 : ctx.mms[0];
  std::pair<int, int> vma{0, ctx.universe.pages};  // the range va was drawn in
  int va = 0;
  size_t i = 0;
  if (info.names_folio && !ctx.folio_entries.empty()) {
    auto [m, v] =
        ctx.folio_entries[static_cast<size_t>(below(static_cast<int>(ctx.folio_entries.size())))];
    op.args[0] = static_cast<int16_t>(m);
    op.args[1] = static_cast<int16_t>(v);
    i = 2;
  }
  for (; i < info.args.size(); ++i) {
    const model::ArgKind kind = info.args[i].kind;
    auto [lo, hi] = model::ArgRange(kind, ctx.universe);
    int value = lo;
    switch (kind) {
      case model::ArgKind::kMm:
        mm = ctx.mms.empty()
                 ? lo
                 : ctx.mms[static_cast<size_t>(below(static_cast<int>(ctx.mms.size())))];
        value = mm;
        break;
      case model::ArgKind::kVa: {
        const auto& vs = ctx.vmas[static_cast<size_t>(mm)];
        const auto& gs = ctx.gaps[static_cast<size_t>(mm)];
        const int where = below(8);
        if (where < 5 && !vs.empty())
          vma = vs[static_cast<size_t>(below(static_cast<int>(vs.size())))];
        else if (where < 7 && !gs.empty())
          vma = gs[static_cast<size_t>(below(static_cast<int>(gs.size())))];
        else
          vma = {lo, hi + 1};
        va = vma.first + below(vma.second - vma.first);
        value = va;
        break;
      }
      case model::ArgKind::kNpages: {
        int max = std::max(1, vma.second - va);
        value = 1 + below(max);
        break;
      }
      default:
        value = lo + below(hi - lo + 1);
        break;
    }
    op.args[i] = static_cast<int16_t>(value);
  }
  return op;
}

// The command generator for state `s`: an op drawn by DrawOp, shrinking
// through SimplerOps.
inline rc::Gen<OpCommandPtr> GenCommand(const model::World& s) {
  return rc::Gen<OpCommandPtr>([ctx = GenContext(s)](const rc::Random& random, int) {
    rc::Random r = random;
    model::Op op = DrawOp(ctx, r);
    return rc::shrinkable::map(
        rc::shrinkable::shrinkRecur(
            op, [](const model::Op& o) { return rc::seq::fromContainer(SimplerOps(o)); }),
        [](const model::Op& o) -> OpCommandPtr { return std::make_shared<const OpCommand>(o); });
  });
}

// The Prologue with mapping kind `kind` (model::kMapPrivate, ...): mmap of
// all of mm0, read-write.
inline model::Op PrologueOp(const model::Universe& u, int kind) {
  return model::MakeOp(model::OpCode::kMmap, {0, 0, u.pages, model::kProtReadWrite, kind});
}

// The prologue's mapping kind: private half the time, shared or hugetlb a
// quarter each; shrinks towards private.
inline rc::Gen<int> GenPrologueKind() {
  return rc::gen::weightedElement<int>(
      {{2, model::kMapPrivate}, {1, model::kMapShared}, {1, model::kMapHugetlb}});
}

// The state a stateful sequence starts from: the initial world of `u` and
// `knobs` after the prologue of mapping kind `kind`.
inline model::World PrologueState(const model::Universe& u, const model::Knobs& knobs,
                                  int kind = model::kMapPrivate) {
  model::World w = model::World::Initial(u, knobs);
  model::Apply(w, PrologueOp(u, kind));
  return w;
}

// A stateful sequence of commands from PrologueState (RapidCheck shrinks it
// by removing commands and shrinking each one, regenerating the ones whose
// preconditions no longer hold).
inline auto GenCommands(const model::World& initial) {
  return rc::state::gen::commands([initial] { return initial; }, &GenCommand);
}

// The ops of a command sequence, after the prologue of kind `kind`.
inline std::vector<model::Op> OpsOf(const model::Universe& u, int kind,
                                    const rc::state::Commands<OpCommandBase>& cmds) {
  std::vector<model::Op> ops = {PrologueOp(u, kind)};
  for (const OpCommandPtr& c : cmds) ops.push_back(OpOf(c));
  return ops;
}

}  // namespace mmcheck::properties
