// SPDX-License-Identifier: GPL-2.0
#include "traces/divergence.h"

#include <chrono>

#include <fmt/format.h>

#include "model/dump.h"
#include "traces/generate.h"
#include "traces/replay.h"

namespace mmcheck::traces {

const std::vector<std::pair<DifferenceClass, std::string_view>>& DifferenceClasses() {
  static const std::vector<std::pair<DifferenceClass, std::string_view>> kClasses = {
      {kDiffEnabled, "enabled"}, {kDiffReturn, "return"},   {kDiffTiming, "timing"},
      {kDiffValue, "value"},     {kDiffCpages, "cpages"},   {kDiffSnapshot, "snapshot"},
      {kDiffEvent, "event"},     {kDiffVerdict, "verdict"}, {kDiffState, "state"},
  };
  return kClasses;
}

std::string DifferenceNames(DifferenceMask mask) {
  std::string s;
  for (const auto& [bit, name] : DifferenceClasses())
    if (mask & bit) s += (s.empty() ? "" : ",") + std::string(name);
  return s;
}

DifferenceMask ParseDifferences(std::string_view list) {
  DifferenceMask mask = 0;
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    bool known = false;
    for (const auto& [bit, name] : DifferenceClasses())
      if (item == name) {
        mask |= bit;
        known = true;
      }
    if (!known) {
      std::string accepted;
      for (const auto& [bit, name] : DifferenceClasses())
        accepted += (accepted.empty() ? "" : ", ") + std::string(name);
      throw model::ModelInputError(
          fmt::format("unknown class of difference '{}' (accepted: {})", item, accepted));
    }
  }
  return mask;
}

properties::PropertyMask HardViolations(const std::vector<properties::Violation>& v) {
  properties::PropertyMask mask = 0;
  for (const properties::Violation& x : v) mask |= properties::PropertyMask{1} << x.property;
  return mask & properties::HardProperties();
}

namespace {

// The kinds of the events a kernel developer sees (model notes left out).
std::vector<model::EventKind> VisibleEvents(const model::StepResult& r) {
  std::vector<model::EventKind> kinds;
  for (const model::KernelEvent& e : r.events)
    if (e.kind != model::EventKind::kInfo) kinds.push_back(e.kind);
  return kinds;
}

}  // namespace

DifferenceMask StepDifferences(const model::StepResult& a, properties::PropertyMask violations_a,
                               const model::StepResult& b, properties::PropertyMask violations_b) {
  const model::Outcome& x = a.outcome;
  const model::Outcome& y = b.outcome;
  DifferenceMask d = 0;
  if (x.ret != y.ret || x.signal != y.signal) d |= kDiffReturn;
  if (x.blocked != y.blocked) d |= kDiffTiming;
  if (x.value != y.value) d |= kDiffValue;
  if (x.cpages != y.cpages || x.faults != y.faults) d |= kDiffCpages;
  if (x.prot != y.prot) d |= kDiffSnapshot;
  if (VisibleEvents(a) != VisibleEvents(b)) d |= kDiffEvent;
  if (violations_a != violations_b) d |= kDiffVerdict;
  return d;
}

Divergence FirstDivergence(const model::Universe& u, const model::Knobs& a, const model::Knobs& b,
                           const std::vector<model::Op>& ops, DifferenceMask ignored) {
  model::World wa = model::World::Initial(u, a), wb = model::World::Initial(u, b);
  Divergence d;
  int i = 0;
  for (const model::Op& op : ops) {
    ++i;
    const bool ea = model::Enabled(wa, op), eb = model::Enabled(wb, op);
    if (!ea && !eb) {
      d.disabled_step = i;
      return d;
    }
    DifferenceMask classes = 0;
    if (ea != eb) {
      classes = kDiffEnabled;
    } else {
      const model::StepResult ra = model::Apply(wa, op, false), rb = model::Apply(wb, op, false);
      std::vector<properties::Violation> va, vb;
      properties::CheckStep(wa, ra, properties::HardProperties(), va);
      properties::CheckStep(wb, rb, properties::HardProperties(), vb);
      classes = StepDifferences(ra, HardViolations(va), rb, HardViolations(vb));
      // The worlds carry their knobs: compare what the pictures show.
      if (!(ignored & kDiffState) && model::DrawWorld(wa) != model::DrawWorld(wb))
        classes |= kDiffState;
    }
    classes &= ~ignored;
    if (classes) {
      d.step = i;
      d.classes = classes;
      return d;
    }
    if (ea != eb) {  // an ignored enabled-difference: nothing more to compare
      d.disabled_step = i;
      return d;
    }
  }
  return d;
}

FailureTest DivergenceTest(const model::Universe& u, const model::Knobs& a, const model::Knobs& b,
                           DifferenceMask ignored) {
  return [u, a, b, ignored](const std::vector<model::Op>& ops) {
    const Divergence d = FirstDivergence(u, a, b, ops, ignored);
    if (d.step) return CandidateCheck{CandidateOutcome::kFails, d.step};
    if (d.disabled_step) return CandidateCheck{CandidateOutcome::kDisabled, d.disabled_step};
    return CandidateCheck{CandidateOutcome::kPasses, 0};
  };
}

RandomDivergenceResult RandomDivergence(const model::Profile& a, const model::Profile& b,
                                        const RandomDivergenceOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  RandomDivergenceResult result;
  GenerateOptions g;
  g.trace_profile = a.name;
  g.profile = a;
  g.universe = options.universe;
  g.seed = options.seed;
  g.steps = options.steps;
  const FailureTest diverges = DivergenceTest(options.universe, a.knobs, b.knobs, options.ignored);
  for (uint64_t i = 0;; ++i) {
    if (options.max_traces && result.traces >= options.max_traces) break;
    if (elapsed() >= options.budget_seconds) break;
    if (options.stop && options.stop()) break;
    const Trace t = RandomTrace(g, i);
    std::vector<model::Op> ops;
    for (const TraceStep& s : t.steps) ops.push_back(s.op);
    ++result.traces;
    const CandidateCheck check = diverges(ops);
    result.steps +=
        check.outcome == CandidateOutcome::kFails ? check.step : static_cast<int64_t>(ops.size());
    if (check.outcome != CandidateOutcome::kFails) continue;
    ops.resize(static_cast<size_t>(check.step));
    result.original_steps = check.step;
    ShrinkOptions so;
    so.budget_seconds = std::max(1.0, options.budget_seconds - elapsed());
    so.stop = options.stop;
    result.ops = ShrinkOps(ops, diverges, so, &result.shrink);
    result.divergence =
        FirstDivergence(options.universe, a.knobs, b.knobs, result.ops, options.ignored);
    result.found = true;
    break;
  }
  result.seconds = elapsed();
  return result;
}

}  // namespace mmcheck::traces

namespace mmcheck::traces {

namespace {

std::string InWords(const StepRecord& rec) {
  const model::Outcome& o = rec.result.outcome;
  std::vector<std::string> parts;
  if (o.blocked)
    parts.push_back("blocks (a lock is held)");
  else if (o.signal == model::Signal::kSigsegv)
    parts.push_back("gets SIGSEGV");
  else if (o.signal == model::Signal::kSigbus)
    parts.push_back("gets SIGBUS");
  else
    parts.push_back("returns " + model::RetName(o.ret));
  if (o.value >= 0) parts.push_back(fmt::format("reads {}", o.value));
  if (o.cpages || o.faults) parts.push_back(fmt::format("cpages {} faults {}", o.cpages, o.faults));
  if (!o.prot.empty()) {
    std::string bytes;
    for (uint8_t p : o.prot) bytes += fmt::format("{}{:02x}", bytes.empty() ? "" : ",", p);
    parts.push_back("snapshot " + bytes);
  }
  for (const model::KernelEvent& e : rec.result.events) {
    switch (e.kind) {
      case model::EventKind::kBug:
        parts.push_back("the kernel BUGs");
        break;
      case model::EventKind::kCorruption:
        parts.push_back("the kernel corrupts memory");
        break;
      case model::EventKind::kWarn:
        parts.push_back("the kernel WARNs");
        break;
      case model::EventKind::kDumpPage:
        parts.push_back("the kernel dumps a page");
        break;
      case model::EventKind::kInfo:
        break;
    }
  }
  std::string violated;
  for (const properties::Violation& v : rec.violations)
    if (properties::HardProperties() >> v.property & 1)
      violated += (violated.empty() ? "" : ", ") +
                  std::string(properties::PropertyTable()[static_cast<size_t>(v.property)].name);
  if (!violated.empty()) parts.push_back("violates " + violated);
  std::string s;
  for (size_t i = 0; i < parts.size(); ++i)
    s += (i == 0 ? "" : i + 1 == parts.size() ? " and " : ", ") + parts[i];
  return s;
}

std::string OnProfile(const ReplayResult& r, size_t i) {
  if (i < r.run.steps.size())
    return fmt::format("on {} it {}", r.profile.name, InWords(r.run.steps[i]));
  return fmt::format("on {} it cannot run (its precondition does not hold there)", r.profile.name);
}

}  // namespace

std::string DescribeDivergence(const Trace& t, const ReplayResult& a, const ReplayResult& b,
                               int step) {
  if (step <= 0 || step > static_cast<int>(t.steps.size()))
    return fmt::format("{} and {} do not differ on these {} steps.", a.profile.name, b.profile.name,
                       t.steps.size());
  const size_t i = static_cast<size_t>(step - 1);
  std::string s;
  if (step == 2)
    s = fmt::format("Both run step 1 alike (`{}`). ", PrintOp(t.steps[0].op));
  else if (step > 2)
    s = fmt::format("Both run steps 1-{} alike. ", step - 1);
  s += fmt::format("At step {}, `{}`: {}; {}.", step, PrintOp(t.steps[i].op), OnProfile(a, i),
                   OnProfile(b, i));
  return s;
}

}  // namespace mmcheck::traces
