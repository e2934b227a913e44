// SPDX-License-Identifier: GPL-2.0
// The trace shrinker (traces/shrink.h): delta debugging over steps and
// argument simplification, every candidate re-checked on the model.
#include "traces/shrink.h"

#include <gtest/gtest.h>

#include "traces/scenarios.h"

namespace mmcheck::traces {
namespace {

using model::MakeOp;
using model::OpCode;

const model::Profile& Profile(const char* name) {
  return *model::ProfileSet::Builtin().Find(name);
}
int Index(const char* property) {
  return properties::PropertyIndex(property);
}

std::string Show(const std::vector<model::Op>& ops) {
  std::string s;
  for (const model::Op& op : ops) s += model::FormatOp(op) + "\n";
  return s;
}

// A long 6.14 sequence that breaks the mapcount, padded with noise.
std::vector<model::Op> PaddedMapcountCase() {
  return {
      MakeOp(OpCode::kMmap, {0, 0, 4, model::kProtReadWrite, model::kMapPrivate}),
      MakeOp(OpCode::kCpuRead, {0, 1}),
      MakeOp(OpCode::kMadvise, {0, 0, 4, model::kAdviceNohugepage}),
      MakeOp(OpCode::kCpuWrite, {0, 3, 200}),
      MakeOp(OpCode::kCpuWrite, {0, 2, 77}),
      MakeOp(OpCode::kDeviceRead, {0, 0, 2, 2}),
      MakeOp(OpCode::kMkclean, {0, 3}),
      MakeOp(OpCode::kDeviceExclusive, {0, 0, 2, 2}),
      MakeOp(OpCode::kCpuRead, {0, 0}),
      MakeOp(OpCode::kDeviceCheckExclusive, {0, 0, 0, 4}),
  };
}

TEST(Shrink, DeletesStepsAndSimplifiesArgumentsToTheMinimalTrace) {
  const model::Profile& p = Profile("linux-6.14");
  const int q = Index("mapcount-matches-mappings");
  FailureTest test = ViolationTest(model::Universe{}, p.knobs, q, RootsBefore(p, q));
  std::vector<model::Op> ops = PaddedMapcountCase();
  ASSERT_EQ(test(ops).outcome, CandidateOutcome::kFails);
  ShrinkStats stats;
  std::vector<model::Op> small = ShrinkOps(ops, test, ShrinkOptions{}, &stats);
  EXPECT_EQ(Show(small),
            "mmap mm=mm0 va=0 npages=1 prot=rw kind=private\n"
            "dev_exclusive dev=dev0 mm=mm0 va=0 npages=1\n");
  EXPECT_EQ(stats.original_steps, 10);
  EXPECT_EQ(stats.final_steps, 2);
  EXPECT_GT(stats.candidates, stats.accepted);
  EXPECT_FALSE(stats.limit_hit);
  EXPECT_EQ(test(small).outcome, CandidateOutcome::kFails);
}

// A candidate whose step is not enabled is rejected: the lock needs a
// mapped folio and the unlock needs the lock, so both stay.
TEST(Shrink, KeepsTheStepsPreconditionsNeed) {
  std::vector<model::Op> ops = {
      MakeOp(OpCode::kMmap, {0, 0, 4, model::kProtReadWrite, model::kMapPrivate}),
      MakeOp(OpCode::kCpuRead, {0, 3}),
      MakeOp(OpCode::kCpuWrite, {0, 2, 5}),
      MakeOp(OpCode::kLockFolio, {0, 2}),
      MakeOp(OpCode::kCpuRead, {0, 0}),
      MakeOp(OpCode::kUnlockFolio, {}),
  };
  const model::World initial =
      model::World::Initial(model::Universe{}, Profile("linux-6.15").knobs);
  int disabled_seen = 0;
  // "Fails" when an unlock runs.
  FailureTest unlock_runs = [&](const std::vector<model::Op>& c) {
    model::World w = initial;
    int step = 0;
    for (const model::Op& op : c) {
      ++step;
      if (!model::Enabled(w, op))
        return ++disabled_seen, CandidateCheck{CandidateOutcome::kDisabled, step};
      model::Apply(w, op);
      if (op.code == OpCode::kUnlockFolio) return CandidateCheck{CandidateOutcome::kFails, step};
    }
    return CandidateCheck{CandidateOutcome::kPasses, 0};
  };
  std::vector<std::string> log;
  ShrinkOptions o;
  o.log = [&](const std::string& line) { log.push_back(line); };
  std::vector<model::Op> small = ShrinkOps(ops, unlock_runs, o);
  EXPECT_EQ(Show(small),
            "mmap mm=mm0 va=0 npages=1 prot=rw kind=private\n"
            "cpu_write mm=mm0 va=0 value=1\n"
            "lock_folio folio=@mm0:p0\n"
            "unlock_folio\n");
  EXPECT_GT(disabled_seen, 0);
  bool logged_removal = false;
  for (const std::string& l : log) logged_removal |= l.starts_with("try removing");
  EXPECT_TRUE(logged_removal);
}

TEST(Shrink, StopsAtTheCandidateLimitWithAFailingSequence) {
  const model::Profile& p = Profile("linux-6.14");
  const int q = Index("mapcount-matches-mappings");
  FailureTest test = ViolationTest(model::Universe{}, p.knobs, q, 0);
  ShrinkOptions o;
  o.max_candidates = 3;
  ShrinkStats stats;
  std::vector<model::Op> small = ShrinkOps(PaddedMapcountCase(), test, o, &stats);
  EXPECT_TRUE(stats.limit_hit);
  EXPECT_EQ(stats.candidates, 3);
  EXPECT_EQ(test(small).outcome, CandidateOutcome::kFails);
}

// A property the profile does not expect must stay a root cause: the
// shrinker does not trade it for a consequence of an expected violation.
TEST(Shrink, UnexpectedPropertyStaysARootCause) {
  const model::Profile& p = Profile("linux-6.14");
  const int dangling = Index("no-dangling-entry");
  EXPECT_EQ(RootsBefore(p, Index("mapcount-matches-mappings")), 0u);
  EXPECT_NE(RootsBefore(p, dangling) & properties::MaskOf("mapcount-matches-mappings"), 0u);
  EXPECT_EQ(RootsBefore(p, dangling) & properties::MaskOf("no-dangling-entry"), 0u);
  // After the mapcount is broken, anything else is a consequence.
  FailureTest test =
      ViolationTest(model::Universe{}, p.knobs, Index("mapcount-matches-mappings"), 0);
  FailureTest rooted =
      ViolationTest(model::Universe{}, p.knobs, dangling, RootsBefore(p, dangling));
  std::vector<model::Op> ops = PaddedMapcountCase();
  EXPECT_EQ(test(ops).outcome, CandidateOutcome::kFails);
  EXPECT_EQ(rooted(ops).outcome, CandidateOutcome::kPasses);
}

TEST(Shrink, ShrinksATraceFileKeepingItsExpectation) {
  const std::string text =
      "# A padded case.\n"
      "mmtrace 1\nprofile linux-6.14\nuniverse "
      "mms=2,pages=4,folios=6,swap=4,devices=1,pmd_order=2\n"
      "expect violates reclaim-makes-progress\nquestion Can reclaim make progress?\n\n"
      "1 mmap mm=mm0 va=0 npages=4 prot=rw kind=private\n"
      "# noise\n"
      "2 cpu_read mm=mm0 va=3\n"
      "3 madvise mm=mm0 va=0 npages=4 advice=nohugepage\n"
      "4 cpu_write mm=mm0 va=1 value=7\n"
      "5 dev_exclusive dev=dev0 mm=mm0 va=1 npages=1\n"
      "6 cpu_read mm=mm0 va=0\n"
      "7 reclaim folio=@mm0:p1  # the symptom\n";
  Trace t = ParseTrace("padded.mmtrace", text);
  TraceShrinkResult r =
      ShrinkTrace(t, "padded.mmtrace", TraceProfile(t, "padded.mmtrace"), "", ShrinkOptions{});
  EXPECT_EQ(r.property, "reclaim-makes-progress");
  EXPECT_EQ(r.trace.steps.size(), 3u);
  EXPECT_EQ(r.step, 3);
  EXPECT_EQ(
      PrintTrace(r.trace),
      "# A padded case.\n"
      "# Shrunk by mmcheck shrink from 7 to 3 steps; step 3 violates reclaim-makes-progress.\n"
      "mmtrace 1\nprofile linux-6.14\nuniverse "
      "mms=2,pages=4,folios=6,swap=4,devices=1,pmd_order=2\n"
      "expect violates reclaim-makes-progress\nquestion Can reclaim make progress?\n\n"
      "1 mmap mm=mm0 va=0 npages=1 prot=rw kind=private\n"
      "2 dev_exclusive dev=dev0 mm=mm0 va=0 npages=1\n"
      "3 reclaim folio=@mm0:p0\n");
  // print(parse(t)) == t for the result.
  EXPECT_EQ(PrintTrace(ParseTrace("out", PrintTrace(r.trace))), PrintTrace(r.trace));
}

TEST(Shrink, TraceWithNothingToShrinkIsAnInputError) {
  Trace t =
      ParseTrace("holds.mmtrace",
                 "mmtrace 1\nprofile linux-6.15\nuniverse "
                 "mms=2,pages=4,folios=6,swap=4,devices=1,pmd_order=2\n"
                 "expect holds\nquestion q\n\n1 mmap mm=mm0 va=0 npages=4 prot=rw kind=private\n");
  try {
    ShrinkTrace(t, "holds.mmtrace", TraceProfile(t, "holds.mmtrace"), "", ShrinkOptions{});
    ADD_FAILURE() << "no error";
  } catch (const model::ModelInputError& e) {
    EXPECT_NE(std::string(e.what()).find("holds.mmtrace: nothing to shrink"), std::string::npos)
        << e.what();
  }
  // A step that cannot run is reported at its line.
  Trace bad = ParseTrace("bad.mmtrace",
                         "mmtrace 1\nprofile linux-6.15\nuniverse "
                         "mms=2,pages=4,folios=6,swap=4,devices=1,pmd_order=2\n"
                         "expect holds\nquestion q\n\n1 reclaim folio=@mm0:p0\n");
  EXPECT_THROW(
      ShrinkTrace(bad, "bad.mmtrace", TraceProfile(bad, "bad.mmtrace"), "", ShrinkOptions{}),
      TraceError);
}

}  // namespace
}  // namespace mmcheck::traces
