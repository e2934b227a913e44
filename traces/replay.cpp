// SPDX-License-Identifier: GPL-2.0
#include "traces/replay.h"

#include <set>
#include <sstream>
#include <type_traits>

#include <fmt/format.h>

#include "model/dump.h"
#include "model/fields.h"
#include "traces/divergence.h"

namespace mmcheck::traces {

using model::World;

namespace {

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::string OutcomeText(const model::StepResult& r) {
  const model::Outcome& o = r.outcome;
  std::string s = "ret " + model::RetName(o.ret);
  if (o.signal == model::Signal::kSigsegv) s += " SIGSEGV";
  if (o.signal == model::Signal::kSigbus) s += " SIGBUS";
  if (o.blocked) s += " blocked";
  if (o.value >= 0) s += fmt::format(" value {}", o.value);
  if (o.cpages || o.faults) s += fmt::format(" cpages {} faults {}", o.cpages, o.faults);
  if (!o.prot.empty()) {
    s += " prot";
    for (size_t i = 0; i < o.prot.size(); ++i)
      s += fmt::format("{}{:02x}", i ? "," : " ", o.prot[i]);
  }
  return s;
}

std::string PropertyName(int idx) {
  return std::string(properties::PropertyTable()[static_cast<size_t>(idx)].name);
}

std::string Verdicts(const StepRecord& rec) {
  std::string s;
  for (const properties::Violation& v : rec.violations)
    s += (s.empty() ? "" : ",") + PropertyName(v.property);
  return s.empty() ? "ok" : s;
}

// Folios whose picture line differs between two states.
std::vector<std::string> ChangedFolios(const World& before, const World& after) {
  std::vector<std::string> out;
  for (size_t f = 0; f < after.pages.size(); ++f) {
    bool head_after = after.pages[f].head == static_cast<int>(f);
    bool head_before = before.pages[f].head == static_cast<int>(f);
    std::string a = head_after ? model::DrawFolio(after, static_cast<int>(f)) : "";
    std::string b = head_before ? model::DrawFolio(before, static_cast<int>(f)) : "";
    if (a != b)
      out.push_back(
          head_after ? a : fmt::format("folio {:#x} freed", before.PfnOf(static_cast<int>(f))));
  }
  return out;
}

}  // namespace

namespace {

ReplayResult Run(const Trace& t, const model::Profile& profile, bool stop_when_disabled) {
  ReplayResult r;
  r.profile = profile;
  World w = World::Initial(t.universe, profile.knobs);
  r.states.push_back(w);
  r.run.first_violation.assign(properties::PropertyTable().size(), 0);
  int i = 0;
  for (const TraceStep& step : t.steps) {
    ++i;
    if (stop_when_disabled && !model::Enabled(w, step.op)) {
      r.disabled_step = i;
      break;
    }
    StepRecord rec;
    rec.op = step.op;
    rec.result = model::Apply(w, step.op);
    properties::CheckStep(w, rec.result, properties::AllProperties(), rec.violations);
    for (const properties::Violation& v : rec.violations) {
      if (!r.run.first_violation[static_cast<size_t>(v.property)])
        r.run.first_violation[static_cast<size_t>(v.property)] = i;
      bool hard = properties::PropertyTable()[static_cast<size_t>(v.property)].severity ==
                  properties::Severity::kHard;
      if (hard && r.violated.empty()) {
        r.violated = PropertyName(v.property);
        r.violated_step = i;
      }
    }
    if (!step.expect.Empty()) {
      ++r.step_expectations;
      for (std::string& m : StepExpectMismatches(step.expect, rec.result, w))
        r.step_mismatches.push_back({i, std::move(m)});
    }
    r.run.steps.push_back(std::move(rec));
    r.states.push_back(w);
  }
  r.run.final_world = w;
  if (t.expect.holds) {
    r.matches = r.violated.empty();
  } else {
    int idx = properties::PropertyIndex(t.expect.property);
    r.matches = r.run.first_violation[static_cast<size_t>(idx)] > 0;
  }
  r.matches = r.matches && r.step_mismatches.empty();
  if (!t.expect.holds &&
      r.run.first_violation[static_cast<size_t>(properties::PropertyIndex(t.expect.property))])
    r.verdict = fmt::format(
        "violates {} at step {}", t.expect.property,
        r.run.first_violation[static_cast<size_t>(properties::PropertyIndex(t.expect.property))]);
  else if (!r.violated.empty())
    r.verdict = fmt::format("violates {} at step {}", r.violated, r.violated_step);
  else
    r.verdict = "holds";
  return r;
}

}  // namespace

ReplayResult Replay(const Trace& t, std::string_view file, const model::Profile& profile) {
  CheckPreconditions(t, file, profile);
  return Run(t, profile, false);
}

ReplayResult ReplayUntilDisabled(const Trace& t, const model::Profile& profile) {
  return Run(t, profile, true);
}

std::string RenderStepTable(const Trace& t, const ReplayResult& r) {
  std::string s = fmt::format("profile {}  universe {}\n", r.profile.name, t.universe.ToString());
  for (size_t i = 0; i < r.run.steps.size(); ++i) {
    const StepRecord& rec = r.run.steps[i];
    s += fmt::format("{:>3} {:<52} {:<24} {}\n", i + 1, PrintOp(rec.op), OutcomeText(rec.result),
                     Verdicts(rec));
    for (const model::KernelEvent& e : rec.result.events) {
      std::string text = e.text;
      for (size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at + 1))
        text.replace(at, 1, "\n             ");
      s += "      event: " + text + "\n";
    }
    for (const properties::Violation& v : rec.violations)
      s += fmt::format("      {}: {}\n", PropertyName(v.property), v.detail);
    if (i < t.steps.size() && !t.steps[i].expect.Empty()) {
      std::string missed;
      for (const auto& [step, what] : r.step_mismatches)
        if (step == static_cast<int>(i + 1)) missed += (missed.empty() ? "" : "; ") + what;
      s += fmt::format("      expect {}: {}\n", PrintStepExpect(t.steps[i].expect),
                       missed.empty() ? "met" : "NOT MET: " + missed);
    }
    // The state change: picture lines of mms and mirrors that differ.
    std::vector<std::string> before = Lines(model::DrawWorld(r.states[i]));
    std::vector<std::string> after = Lines(model::DrawWorld(r.states[i + 1]));
    std::set<std::string> before_set(before.begin(), before.end());
    for (const std::string& l : after)
      if (!before_set.count(l) && l.rfind("  folio", 0) != 0) s += "      | " + l + "\n";
    for (const std::string& f : ChangedFolios(r.states[i], r.states[i + 1]))
      s += "      " + f + "\n";
  }
  if (r.step_expectations)
    s += fmt::format("step expectations: {} step{} checked, {} not met\n", r.step_expectations,
                     r.step_expectations == 1 ? "" : "s", r.step_mismatches.size());
  s += fmt::format("verdict: {}; expected: {} -> {}\n", r.verdict,
                   t.expect.holds ? "holds" : "violates " + t.expect.property,
                   r.matches ? "as expected" : "NOT as expected");
  return s;
}

std::string RenderSideBySide(const Trace& t, const ReplayResult& a, const ReplayResult& b,
                             int& first_difference, uint32_t ignored) {
  first_difference = 0;
  std::string s =
      fmt::format("{:>3} {:<44} | {:<34} | {}\n", "", "step", a.profile.name, b.profile.name);
  auto cell = [](const ReplayResult& r, size_t i) {
    if (i < r.run.steps.size())
      return OutcomeText(r.run.steps[i].result) + " " + Verdicts(r.run.steps[i]);
    return std::string(r.disabled_step == static_cast<int>(i + 1) ? "cannot run here" : "-");
  };
  for (size_t i = 0; i < t.steps.size(); ++i) {
    const bool ran_a = i < a.run.steps.size(), ran_b = i < b.run.steps.size();
    if (!ran_a && !ran_b) break;
    DifferenceMask classes = 0;
    if (ran_a != ran_b) {
      classes = kDiffEnabled;
    } else {
      const StepRecord& x = a.run.steps[i];
      const StepRecord& y = b.run.steps[i];
      classes = StepDifferences(x.result, HardViolations(x.violations), y.result,
                                HardViolations(y.violations));
      if (model::DrawWorld(a.states[i + 1]) != model::DrawWorld(b.states[i + 1]))
        classes |= kDiffState;
    }
    classes &= ~ignored;
    const bool first = classes != 0 && first_difference == 0;
    if (first) first_difference = static_cast<int>(i + 1);
    s += fmt::format("{:>3} {:<44} | {:<34} | {}{}\n", i + 1, PrintOp(t.steps[i].op), cell(a, i),
                     cell(b, i),
                     first ? "   <== first difference: " + DifferenceNames(classes) : "");
    if (first) {
      for (const ReplayResult* r : {&a, &b}) {
        const size_t at = std::min(i + 1, r->states.size() - 1);
        for (const std::string& l : Lines(model::DrawWorld(r->states[at])))
          s += "      " + r->profile.name + " | " + l + "\n";
      }
    }
    if (!ran_a || !ran_b) break;
  }
  s += fmt::format("{}: {}; {}: {}\n", a.profile.name, a.verdict, b.profile.name, b.verdict);
  if (!first_difference) s += "the two runs do not differ\n";
  return s;
}

nlohmann::ordered_json ReplayToJson(const Trace& t, std::string_view file, const ReplayResult& r) {
  using json = nlohmann::ordered_json;
  json j;
  j["file"] = std::string(file);
  j["profile"] = r.profile.name;
  j["universe"] = t.universe.ToString();
  j["question"] = t.question;
  j["steps"] = json::array();
  for (size_t i = 0; i < r.run.steps.size(); ++i) {
    const StepRecord& rec = r.run.steps[i];
    const model::Outcome& o = rec.result.outcome;
    json step;
    step["step"] = i + 1;
    step["op"] = PrintOp(rec.op);
    json outcome;
    outcome["ret"] = model::RetName(o.ret);
    outcome["signal"] = o.signal == model::Signal::kSigsegv  ? "SIGSEGV"
                        : o.signal == model::Signal::kSigbus ? "SIGBUS"
                                                             : "none";
    outcome["blocked"] = o.blocked;
    if (o.value >= 0) outcome["value"] = o.value;
    if (o.cpages || o.faults) {
      outcome["cpages"] = o.cpages;
      outcome["faults"] = o.faults;
    }
    if (!o.prot.empty()) outcome["snapshot"] = o.prot;
    step["outcome"] = outcome;
    step["events"] = json::array();
    for (const model::KernelEvent& e : rec.result.events)
      step["events"].push_back({{"kind", EventKindName(e.kind)}, {"text", e.text}});
    step["violations"] = json::array();
    for (const properties::Violation& v : rec.violations)
      step["violations"].push_back({{"property", PropertyName(v.property)}, {"detail", v.detail}});
    if (i < t.steps.size() && !t.steps[i].expect.Empty()) {
      step["expect"] = PrintStepExpect(t.steps[i].expect);
      json missed = json::array();
      for (const auto& [n, what] : r.step_mismatches)
        if (n == static_cast<int>(i + 1)) missed.push_back(what);
      step["expect_not_met"] = missed;
    }
    step["state"] = Lines(model::DrawWorld(r.states[i + 1]));
    j["steps"].push_back(step);
  }
  j["verdict"] = r.verdict;
  j["expected"] = t.expect.holds ? "holds" : "violates " + t.expect.property;
  j["step_expectations"] = r.step_expectations;
  j["step_expectations_not_met"] = r.step_mismatches.size();
  j["as_expected"] = r.matches;
  return j;
}

std::string RenderDot(const Trace& t, const ReplayResult& r) {
  std::string s = "digraph mmtrace {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n";
  for (size_t i = 0; i < r.states.size(); ++i) {
    const World& w = r.states[i];
    std::string label = i == 0 ? "initial" : fmt::format("{}: {}", i, PrintOp(t.steps[i - 1].op));
    s += fmt::format("  subgraph cluster_{} {{\n    label=\"{}\";\n", i, label);
    for (size_t mm = 0; mm < w.mms.size(); ++mm) {
      if (!w.mms[mm].exists) continue;
      for (int va = 0; va < w.universe.pages; ++va) {
        const model::Pte& pte = w.mms[mm].ptes[static_cast<size_t>(va)];
        bool huge = w.PmdOf(static_cast<int>(mm), va).kind == model::PmdKind::kHuge;
        if (!huge && pte.kind == model::PteKind::kNone) continue;
        std::string kind = huge ? "huge PMD" : model::PteKindName(pte.kind);
        s += fmt::format("    s{}_mm{}_p{} [label=\"mm{}:p{}\\n{}\"];\n", i, mm, va, mm, va, kind);
        int frame = w.MappedFrame(static_cast<int>(mm), va);
        if (frame >= 0 && w.pages[static_cast<size_t>(frame)].head >= 0)
          s += fmt::format("    s{}_mm{}_p{} -> s{}_f{};\n", i, mm, va, i,
                           w.pages[static_cast<size_t>(frame)].head);
      }
    }
    for (size_t f = 0; f < w.pages.size(); ++f)
      if (w.pages[f].head == static_cast<int>(f)) {
        const model::Page& p = w.pages[f];
        s +=
            fmt::format("    s{}_f{} [shape=ellipse, label=\"folio {:#x} o{}\\nref:{} map:{}\"];\n",
                        i, f, w.PfnOf(static_cast<int>(f)), p.order, p.refcount,
                        w.FolioMapcount(static_cast<int>(f)));
      }
    s += "  }\n";
  }
  s += "}\n";
  return s;
}

namespace {

template <typename T>
nlohmann::json ItfValue(const T& v) {
  using nlohmann::json;
  if constexpr (model::HasFields<T>) {
    json record = json::object();
    model::ForEachField(v, [&](std::string_view name, const auto& member) {
      record[std::string(name)] = ItfValue(member);
    });
    return record;
  } else if constexpr (requires {
                         v.begin();
                         v.end();
                       }) {
    json list = json::array();
    for (const auto& element : v) list.push_back(ItfValue(element));
    return list;
  } else if constexpr (std::is_same_v<T, bool>) {
    return v;
  } else if constexpr (std::is_enum_v<T>) {
    return static_cast<int64_t>(v);
  } else {
    static_assert(std::is_integral_v<T>, "a World field ITF cannot write");
    return static_cast<int64_t>(v);
  }
}

}  // namespace

nlohmann::json ItfWorld(const World& w) {
  nlohmann::json world = nlohmann::json::object();
  model::ForEachField(w, [&](std::string_view name, const auto& member) {
    using Member = std::remove_cvref_t<decltype(member)>;
    if constexpr (!std::is_same_v<Member, model::Universe> && !std::is_same_v<Member, model::Knobs>)
      world[std::string(name)] = ItfValue(member);
  });
  return world;
}

nlohmann::json ExportItf(const Trace& t, const ReplayResult& r) {
  using nlohmann::json;
  json itf;
  json knobs = json::object();
  for (const model::KnobInfo& k : model::KnobTable())
    knobs[std::string(k.name)] = model::KnobValueName(k, r.profile.knobs);
  itf["#meta"] = {{"format", "ITF"},
                  {"format-description", "https://apalache-mc.org/docs/adr/015adr-trace.html"},
                  {"source", "mmcheck"},
                  {"description", t.question},
                  {"profile", r.profile.name},
                  {"universe", t.universe.ToString()},
                  {"knobs", knobs}};
  itf["vars"] =
      json::array({"action", "expect", "ptes", "folios", "swap", "mirror", "violations", "world"});
  json states = json::array();
  for (size_t i = 0; i < r.states.size(); ++i) {
    const World& w = r.states[i];
    json st;
    st["#meta"] = {{"index", i}};
    st["action"] = i == 0 ? "init" : PrintOp(t.steps[i - 1].op);
    st["expect"] = i == 0 ? "" : PrintStepExpect(t.steps[i - 1].expect);
    json ptes = json::object();
    for (size_t mm = 0; mm < w.mms.size(); ++mm) {
      if (!w.mms[mm].exists) continue;
      json row = json::array();
      for (int va = 0; va < w.universe.pages; ++va) {
        const model::Pte& pte = w.mms[mm].ptes[static_cast<size_t>(va)];
        bool huge = w.PmdOf(static_cast<int>(mm), va).kind == model::PmdKind::kHuge;
        json e = {{"kind", huge ? "huge-pmd" : model::PteKindName(pte.kind)}};
        int frame = w.MappedFrame(static_cast<int>(mm), va);
        if (frame >= 0) e["pfn"] = w.PfnOf(frame);
        if (pte.kind == model::PteKind::kSwap) e["slot"] = pte.pfn;
        if (!huge && pte.kind == model::PteKind::kPresent) e["write"] = pte.write;
        row.push_back(e);
      }
      ptes[fmt::format("mm{}", mm)] = row;
    }
    st["ptes"] = ptes;
    json folios = json::array();
    for (size_t f = 0; f < w.pages.size(); ++f)
      if (w.pages[f].head == static_cast<int>(f)) {
        const model::Page& p = w.pages[f];
        folios.push_back({{"pfn", w.PfnOf(static_cast<int>(f))},
                          {"order", p.order},
                          {"refcount", p.refcount},
                          {"mapcount", w.FolioMapcount(static_cast<int>(f))},
                          {"anon", p.anon},
                          {"dirty", p.dirty}});
      }
    st["folios"] = folios;
    json swap = json::array();
    for (const model::SwapSlot& slot : w.swap) swap.push_back(slot.count);
    st["swap"] = swap;
    json mirror = json::array();
    for (size_t d = 0; d < w.devices.size(); ++d)
      for (size_t e = 0; e < w.devices[d].mirror.size(); ++e)
        if (w.devices[d].mirror[e].perm != model::kMirrorNone)
          mirror.push_back({{"dev", d},
                            {"mm", e / static_cast<size_t>(w.universe.pages)},
                            {"va", e % static_cast<size_t>(w.universe.pages)},
                            {"perm", w.devices[d].mirror[e].perm},
                            {"pfn", w.devices[d].mirror[e].pfn}});
    st["mirror"] = mirror;
    json violations = json::array();
    if (i > 0)
      for (const properties::Violation& v : r.run.steps[i - 1].violations)
        violations.push_back(PropertyName(v.property));
    st["violations"] = violations;
    st["world"] = ItfWorld(w);
    states.push_back(st);
  }
  itf["states"] = states;
  return itf;
}

}  // namespace mmcheck::traces
