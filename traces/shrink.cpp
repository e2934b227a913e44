// SPDX-License-Identifier: GPL-2.0
#include "traces/shrink.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "properties/state_commands.h"
#include "traces/scenarios.h"

namespace mmcheck::traces {

using model::Op;
using properties::PropertyMask;

namespace {

std::string Range(size_t from, size_t to) {  // 0-based [from, to) as 1-based steps
  return to - from == 1 ? fmt::format("step {}", from + 1)
                        : fmt::format("steps {}-{}", from + 1, to);
}

std::string Said(const CandidateCheck& c) {
  switch (c.outcome) {
    case CandidateOutcome::kFails:
      return fmt::format("still violates (step {}): kept", c.step);
    case CandidateOutcome::kPasses:
      return "no longer violates";
    case CandidateOutcome::kDisabled:
      return fmt::format("step {} not enabled", c.step);
  }
  return "";
}

class Shrinker {
 public:
  Shrinker(const FailureTest& fails, const ShrinkOptions& o, ShrinkStats& stats)
      : fails_(fails), o_(o), stats_(stats), start_(std::chrono::steady_clock::now()) {}

  // Runs `candidate`; adopts it into `ops` when it still fails.
  bool Try(std::vector<Op>& ops, std::vector<Op> candidate, const std::string& what) {
    if (Exhausted()) return false;
    ++stats_.candidates;
    CandidateCheck c = fails_(candidate);
    if (o_.log)
      o_.log(
          fmt::format("try {} ({} -> {} steps): {}", what, ops.size(), candidate.size(), Said(c)));
    if (c.outcome != CandidateOutcome::kFails) return false;
    ++stats_.accepted;
    ops = std::move(candidate);
    return true;
  }

  bool Exhausted() {
    if (stats_.limit_hit) return true;
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (stats_.candidates >= o_.max_candidates || elapsed > o_.budget_seconds ||
        (o_.stop && o_.stop())) {
      stats_.limit_hit = true;
      if (o_.log) o_.log("shrink limit reached; keeping the smallest failing sequence so far");
    }
    return stats_.limit_hit;
  }

  // ddmin over the steps. Returns whether anything was removed.
  bool RemoveSteps(std::vector<Op>& ops) {
    bool changed = false;
    size_t n = 2;
    while (ops.size() >= 2 && !Exhausted()) {
      const size_t size = ops.size();
      n = std::min(n, size);
      const size_t chunk = (size + n - 1) / n;
      bool reduced = false;
      // Keep only one chunk.
      for (size_t from = 0; from < size && !reduced && n > 2; from += chunk) {
        size_t to = std::min(size, from + chunk);
        std::vector<Op> c(ops.begin() + static_cast<long>(from),
                          ops.begin() + static_cast<long>(to));
        if (Try(ops, std::move(c), "keeping only " + Range(from, to))) reduced = true, n = 2;
      }
      // Remove one chunk.
      for (size_t from = 0; from < size && !reduced; from += chunk) {
        size_t to = std::min(size, from + chunk);
        std::vector<Op> c(ops.begin(), ops.begin() + static_cast<long>(from));
        c.insert(c.end(), ops.begin() + static_cast<long>(to), ops.end());
        if (Try(ops, std::move(c), "removing " + Range(from, to)))
          reduced = true, n = std::max<size_t>(n - 1, 2);
      }
      changed |= reduced;
      if (!reduced) {
        if (n >= size) break;
        n = std::min(size, n * 2);
      }
    }
    return changed;
  }

  // Lowers one value of an mm, address or device argument in every step at
  // once (va=2 -> va=0 everywhere), so that steps naming the same page, mm
  // or device stay consistent where changing one step alone would not.
  bool RenameArguments(std::vector<Op>& ops) {
    bool changed = false;
    for (model::ArgKind kind :
         {model::ArgKind::kMm, model::ArgKind::kVa, model::ArgKind::kDevice}) {
      auto values = [&] {
        std::vector<int> v;
        for (const Op& op : ops) {
          const model::OpInfo& info = model::InfoOf(op.code);
          for (size_t i = 0; i < info.args.size(); ++i)
            if (info.args[i].kind == kind) v.push_back(op.Arg(static_cast<int>(i)));
        }
        std::sort(v.begin(), v.end());
        v.erase(std::unique(v.begin(), v.end()), v.end());
        return v;
      };
      const int lo = model::ArgRange(kind, model::Universe{}).first;
      for (bool again = true; again && !Exhausted();) {
        again = false;
        std::vector<int> used = values();
        for (auto from = used.rbegin(); from != used.rend() && !again && !Exhausted(); ++from)
          for (int to = lo; to < *from && !again && !Exhausted(); ++to) {
            std::vector<Op> c = ops;
            for (Op& op : c) {
              const model::OpInfo& info = model::InfoOf(op.code);
              for (size_t i = 0; i < info.args.size(); ++i)
                if (info.args[i].kind == kind && op.args[i] == *from)
                  op.args[i] = static_cast<int16_t>(to);
            }
            std::string what =
                fmt::format("renaming every {}{} to {}{}", kind == model::ArgKind::kVa ? "va=" : "",
                            model::FormatArg(kind, *from), kind == model::ArgKind::kVa ? "va=" : "",
                            model::FormatArg(kind, to));
            if (Try(ops, std::move(c), what)) again = changed = true;
          }
      }
    }
    return changed;
  }

  // Simplifies each step's arguments, first candidate that still fails.
  bool SimplifyArguments(std::vector<Op>& ops) {
    bool changed = false;
    for (size_t i = 0; i < ops.size() && !Exhausted(); ++i) {
      for (bool again = true; again && !Exhausted();) {
        again = false;
        for (const Op& simpler : properties::SimplerOps(ops[i])) {
          std::vector<Op> c = ops;
          c[i] = simpler;
          std::string what = fmt::format("step {} '{}' -> '{}'", i + 1, model::FormatOp(ops[i]),
                                         model::FormatOp(simpler));
          if (Try(ops, std::move(c), what)) {
            again = changed = true;
            break;
          }
          if (Exhausted()) break;
        }
      }
    }
    return changed;
  }

 private:
  const FailureTest& fails_;
  const ShrinkOptions& o_;
  ShrinkStats& stats_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

FailureTest ViolationTest(const model::Universe& u, const model::Knobs& knobs, int property,
                          PropertyMask roots_before) {
  const model::World initial = model::World::Initial(u, knobs);
  const PropertyMask target = PropertyMask{1} << property;
  const PropertyMask mask = target | roots_before;
  return [initial, target, mask, roots_before](const std::vector<Op>& ops) {
    model::World w = initial;
    std::vector<properties::Violation> v;
    int step = 0;
    for (const Op& op : ops) {
      ++step;
      if (!model::Enabled(w, op)) return CandidateCheck{CandidateOutcome::kDisabled, step};
      model::StepResult r = model::Apply(w, op);
      v.clear();
      properties::CheckStep(w, r, mask, v);
      PropertyMask seen = 0;
      for (const properties::Violation& x : v) seen |= PropertyMask{1} << x.property;
      if (seen & roots_before) return CandidateCheck{CandidateOutcome::kPasses, step};
      if (seen & target) return CandidateCheck{CandidateOutcome::kFails, step};
    }
    return CandidateCheck{CandidateOutcome::kPasses, 0};
  };
}

PropertyMask RootsBefore(const model::Profile& p, int property) {
  if (p.ExpectsViolation(properties::PropertyTable()[static_cast<size_t>(property)].name)) return 0;
  PropertyMask m = 0;
  for (const model::ExpectedViolation& e : p.expect) m |= properties::MaskOf(e.property);
  return m & ~(PropertyMask{1} << property);
}

std::vector<Op> ShrinkOps(std::vector<Op> ops, const FailureTest& fails,
                          const ShrinkOptions& options, ShrinkStats* stats) {
  ShrinkStats local;
  ShrinkStats& s = stats ? *stats : local;
  s = ShrinkStats{};
  s.original_steps = static_cast<int>(ops.size());
  Shrinker shrinker(fails, options, s);
  for (bool changed = true; changed && !shrinker.Exhausted();) {
    changed = shrinker.RemoveSteps(ops);
    changed |= shrinker.RenameArguments(ops);
    changed |= shrinker.SimplifyArguments(ops);
  }
  s.final_steps = static_cast<int>(ops.size());
  return ops;
}

TraceShrinkResult ShrinkTrace(const Trace& t, std::string_view file, const model::Profile& p,
                              std::string_view property, const ShrinkOptions& options) {
  CheckPreconditions(t, file, p);
  std::vector<Op> ops;
  for (const TraceStep& s : t.steps) ops.push_back(s.op);
  std::string name(property);
  if (name.empty() && !t.expect.holds) name = t.expect.property;
  if (name.empty()) {
    // The first hard property the trace violates.
    ScenarioRun run = RunSteps(t.universe, p.knobs, ops);
    int best_step = 0;
    for (size_t i = 0; i < run.first_violation.size(); ++i) {
      const auto& info = properties::PropertyTable()[i];
      if (info.severity != properties::Severity::kHard || !run.first_violation[i]) continue;
      if (!best_step || run.first_violation[i] < best_step) {
        best_step = run.first_violation[i];
        name = std::string(info.name);
      }
    }
    if (name.empty())
      throw model::ModelInputError(fmt::format(
          "{}: nothing to shrink: the trace violates no hard property on {}", file, p.name));
  }
  int idx = properties::PropertyIndex(name);
  if (idx < 0)
    throw model::ModelInputError(
        fmt::format("unknown property '{}' (see `mmcheck properties`)", name));
  FailureTest fails = ViolationTest(t.universe, p.knobs, idx, RootsBefore(p, idx));
  CandidateCheck original = fails(ops);
  if (original.outcome != CandidateOutcome::kFails)
    throw model::ModelInputError(
        fmt::format("{}: nothing to shrink: the trace does not violate {} on {}{}", file, name,
                    p.name, RootsBefore(p, idx) ? " before an expected violation" : ""));
  TraceShrinkResult result;
  result.property = name;
  std::vector<Op> small = ShrinkOps(ops, fails, options, &result.stats);
  result.step = fails(small).step;
  result.trace = t;
  result.trace.steps.clear();
  for (const Op& op : small) {
    TraceStep s;
    s.op = op;
    result.trace.steps.push_back(std::move(s));
  }
  result.trace.header_comments.push_back(
      fmt::format("Shrunk by mmcheck shrink from {} to {} steps; step {} violates {}.",
                  result.stats.original_steps, result.stats.final_steps, result.step, name));
  return result;
}

}  // namespace mmcheck::traces
