// SPDX-License-Identifier: GPL-2.0
// Test helpers: a world on a named profile, stepping with property checks,
// and readable failure messages (the state picture of model/dump.h).
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "model/dump.h"
#include "model/operations.h"
#include "model/profile.h"
#include "properties/properties.h"

namespace mmcheck::testing {

inline model::Knobs KnobsOf(const std::string& profile) {
  const model::Profile* p = model::ProfileSet::Builtin().Find(profile);
  EXPECT_NE(p, nullptr) << profile;
  return p ? p->knobs : model::Knobs{};
}

// A world plus the step history, for tests.
struct TestWorld {
  model::World w;
  std::vector<properties::Violation> last_violations;

  explicit TestWorld(const std::string& profile, model::Universe u = {})
      : w(model::World::Initial(u, KnobsOf(profile))) {}

  // Runs one op (it must be enabled) and records the violations after it.
  model::StepResult Do(model::OpCode code, std::initializer_list<int> args) {
    model::Op op = model::MakeOp(code, args);
    EXPECT_TRUE(model::Enabled(w, op)) << model::FormatOp(op) << "\n" << model::DrawWorld(w);
    if (!model::Enabled(w, op)) return {};
    model::StepResult r = model::Apply(w, op);
    last_violations = properties::CheckAll(w, r);
    return r;
  }

  bool Violates(std::string_view property) const {
    int idx = properties::PropertyIndex(property);
    for (const properties::Violation& v : last_violations)
      if (v.property == idx) return true;
    return false;
  }

  // The hard violations after the last step, one per line (empty if none).
  std::string HardViolations() const {
    std::string s;
    for (const properties::Violation& v : last_violations)
      if (properties::PropertyTable()[static_cast<size_t>(v.property)].severity ==
          properties::Severity::kHard)
        s += std::string(properties::PropertyTable()[static_cast<size_t>(v.property)].name) + ": " +
             v.detail + "\n";
    return s;
  }

  const model::Pte& Pte(int mm, int va) const { return w.mms[mm].ptes[va]; }
  int HeadAt(int mm, int va) const {
    int f = w.MappedFrame(mm, va);
    return f < 0 ? -1 : w.pages[static_cast<size_t>(f)].head;
  }
  std::string Picture() const { return model::DrawWorld(w); }
};

// mmap [0, n) rw private, MADV_NOHUGEPAGE, and write value i+1 to page i.
inline void FillSmallPages(TestWorld& t, int mm, int n) {
  t.Do(model::OpCode::kMmap, {mm, 0, n, model::kProtReadWrite, model::kMapPrivate});
  t.Do(model::OpCode::kMadvise, {mm, 0, n, model::kAdviceNohugepage});
  for (int i = 0; i < n; ++i) t.Do(model::OpCode::kCpuWrite, {mm, i, i + 1});
}

}  // namespace mmcheck::testing
