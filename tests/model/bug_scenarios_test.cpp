// SPDX-License-Identifier: GPL-2.0
// The bug scenarios (docs/kernel-rules.md#bug-scenarios) on every built-in
// profile: each shows its symptom exactly on the profiles before its fix.
#include <gtest/gtest.h>

#include "model/dump.h"
#include "traces/scenarios.h"
#include "traces/trace.h"

namespace mmcheck::traces {
// gtest prints parameters; print the scenario's name, not its address.
inline void PrintTo(const Scenario* s, std::ostream* os) {
  *os << s->name;
}
}  // namespace mmcheck::traces

namespace mmcheck {
namespace {

class BugScenario : public ::testing::TestWithParam<const traces::Scenario*> {};

TEST_P(BugScenario, SymptomExactlyBeforeTheFix) {
  const traces::Scenario& s = *GetParam();
  int shown = 0;
  for (const model::Profile& p : model::ProfileSet::Builtin().All()) {
    traces::ScenarioRun run = traces::RunScenario(s, p);
    bool expected = s.expected(p.knobs);
    EXPECT_EQ(run.showed_symptom, expected)
        << s.name << " on " << p.name << " (expected when " << s.expected_doc << ")\n"
        << run.symptom_detail << "\n"
        << model::DrawWorld(run.final_world);
    shown += run.showed_symptom;
  }
  // Each scenario reproduces its bug on at least one kernel.
  EXPECT_GT(shown, 0) << s.name;
}

// A hard-property scenario expected on a profile must be in the profile's
// [[expect]] list (the litmus "Result:" line), and every expectation of the
// Hildenbrand-era profiles is shown by some scenario.
TEST(BugScenarios, ProfileExpectationsAgreeWithScenarios) {
  for (const model::Profile& p : model::ProfileSet::Builtin().All()) {
    for (const traces::Scenario& s : traces::BuiltinScenarios()) {
      if (s.property.empty()) continue;
      int idx = properties::PropertyIndex(s.property);
      ASSERT_GE(idx, 0) << s.property;
      if (properties::PropertyTable()[static_cast<size_t>(idx)].severity !=
          properties::Severity::kHard)
        continue;
      if (s.expected(p.knobs)) {
        EXPECT_TRUE(p.ExpectsViolation(s.property))
            << p.name << " should list " << s.property << " (scenario " << s.name << ")";
      }
    }
    for (const model::ExpectedViolation& e : p.expect) {
      if (properties::PropertyIndex(e.property) < 0) continue;  // a lemma, checked by prove
      bool shown = false;
      for (const traces::Scenario& s : traces::BuiltinScenarios())
        shown = shown || (s.property == e.property && s.expected(p.knobs));
      EXPECT_TRUE(shown) << p.name << " expects " << e.property << " but no scenario shows it";
    }
  }
}

// The symptoms of the seeds, as the maintainers saw them.
TEST(BugScenarios, SeedSymptomsReadAsInTheThreads) {
  traces::ScenarioRun run = traces::RunScenario(*traces::FindScenario("bug-04-offline-loops"),
                                                *model::ProfileSet::Builtin().Find("linux-6.14"));
  bool dump = false;
  for (const model::KernelEvent& e : run.steps.back().result.events)
    dump = dump || e.text.find("page: refcount:2 mapcount:0") != std::string::npos;
  EXPECT_TRUE(dump);
  run = traces::RunScenario(*traces::FindScenario("bug-02-hugetlb-split-pmd"),
                            *model::ProfileSet::Builtin().Find("linux-6.14"));
  EXPECT_NE(run.symptom_detail.find("mm/page_table_check.c:87"), std::string::npos)
      << run.symptom_detail;
}

// A scenario's steps are its corpus trace's steps; the trace's own verdict
// line must agree with the scenario on the trace's profile: "expect violates"
// where the scenario expects its property symptom, and not that property
// where it does not.
TEST(BugScenarios, CorpusTraceAgreesWithTheScenario) {
  for (const traces::Scenario& s : traces::BuiltinScenarios()) {
    const model::EmbeddedFile* file = nullptr;
    for (const model::EmbeddedFile& f : traces::BuiltinCorpusFiles())
      if (s.corpus_file == f.name) file = &f;
    ASSERT_NE(file, nullptr) << s.name << ": no tests/corpus/" << s.corpus_file;
    const traces::Trace t = traces::ParseTrace(file->name, file->text);
    EXPECT_EQ(t.steps.size(), s.steps.size()) << s.name;
    EXPECT_EQ(t.question, s.question) << s.name;
    if (s.property.empty()) continue;
    const model::Profile* p = model::ProfileSet::Builtin().Find(t.profile);
    ASSERT_NE(p, nullptr) << s.corpus_file << ": profile " << t.profile;
    if (s.expected(p->knobs))
      EXPECT_FALSE(t.expect.holds) << s.corpus_file << " shows " << s.name << " on " << t.profile;
    else
      EXPECT_NE(t.expect.property, s.property)
          << s.corpus_file << " does not show " << s.name << " on " << t.profile;
  }
}

std::vector<const traces::Scenario*> AllScenarios() {
  std::vector<const traces::Scenario*> v;
  for (const traces::Scenario& s : traces::BuiltinScenarios()) v.push_back(&s);
  return v;
}

std::string ScenarioName(const ::testing::TestParamInfo<const traces::Scenario*>& info) {
  std::string n(info.param->name);
  for (char& c : n)
    if (c == '-') c = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(All, BugScenario, ::testing::ValuesIn(AllScenarios()), ScenarioName);

}  // namespace
}  // namespace mmcheck
