// SPDX-License-Identifier: GPL-2.0
// Step-level expectations in .mmtrace ("=> ret=-EBUSY value=7 ..."): the parser, the printer
// (print(parse(t)) == t), replay's check of each, and replay's JSON.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "traces/replay.h"
#include "traces/trace.h"

namespace mmcheck {
namespace {

using traces::ParseTrace;
using traces::PrintTrace;
using traces::Trace;

const std::string kHeader =
    "mmtrace 1\n"
    "profile linux-6.14\n"
    "universe mms=2,pages=4,folios=6,swap=4,devices=1,pmd_order=2\n"
    "expect violates mapcount-matches-mappings\n"
    "question Does a device-exclusive entry keep its folio's mapcount?\n"
    "\n";

const std::string kSteps =
    "1 mmap mm=mm0 va=0 npages=4 prot=rw kind=private => ret=0\n"
    "2 madvise mm=mm0 va=0 npages=4 advice=nohugepage\n"
    "3 cpu_write mm=mm0 va=0 value=7 => ret=0 entry@mm0:p0=present\n"
    "4 dev_exclusive dev=dev0 mm=mm0 va=0 npages=1\n"
    "   => ret=0 cpages=1 faults=0 entry@mm0:p0=device-exclusive-write  # the bug\n"
    "5 cpu_read mm=mm0 va=0 => ret=0 value=7 event=none entry@mm0:p0=present\n";

TEST(StepExpect, ParsesAndPrintsCanonically) {
  const std::string text = kHeader + kSteps;
  const Trace t = ParseTrace("t.mmtrace", text);
  ASSERT_EQ(t.steps.size(), 5u);
  EXPECT_EQ(t.steps[0].expect.ret, 0);
  EXPECT_TRUE(t.steps[1].expect.Empty());
  EXPECT_EQ(t.steps[3].expect.cpages, 1);
  EXPECT_EQ(t.steps[3].trailing, "the bug");
  ASSERT_EQ(t.steps[3].expect.entries.size(), 1u);
  EXPECT_EQ(t.steps[3].expect.entries[0].kind, "device-exclusive-write");
  EXPECT_EQ(t.steps[4].expect.value, 7);
  EXPECT_EQ(PrintTrace(t), text);
}

// The printer keeps lines within 75 columns (mail): a step whose
// expectations would pass it continues on "=>" lines, which the parser
// joins; the one-line form reads the same and prints wrapped.
TEST(StepExpect, LongStepsContinueOnExpectationLines) {
  const std::string one_line =
      kHeader +
      "1 dev_exclusive dev=dev0 mm=mm0 va=0 npages=1 => ret=0 cpages=1 faults=0 "
      "entry@mm0:p0=device-exclusive-write entry@mm0:p1=none entry@mm0:p2=none "
      "entry@mm0:p3=none event=none  # a trailing comment\n";
  const Trace t = ParseTrace("t.mmtrace", one_line);
  const std::string printed = PrintTrace(t);
  EXPECT_EQ(printed, kHeader +
                         "1 dev_exclusive dev=dev0 mm=mm0 va=0 npages=1\n"
                         "   => ret=0 cpages=1 faults=0 event=none\n"
                         "   => entry@mm0:p0=device-exclusive-write entry@mm0:p1=none\n"
                         "   => entry@mm0:p2=none entry@mm0:p3=none  # a trailing comment\n");
  EXPECT_EQ(ParseTrace("t.mmtrace", printed), t);
  for (size_t at = 0, nl; at < printed.size(); at = nl + 1) {
    nl = printed.find('\n', at);
    EXPECT_LE(nl - at, traces::kTraceWidth) << printed.substr(at, nl - at);
  }
}

TEST(StepExpect, ContinuationLinesSayWhatIsWrong) {
  auto error_of = [](const std::string& steps) {
    try {
      ParseTrace("t.mmtrace", kHeader + steps);
    } catch (const traces::TraceError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error_of("   => ret=0\n"),
            "t.mmtrace:7:4: '=>' continues a step's expectations: it must follow the step");
  EXPECT_EQ(error_of("1 cpu_read mm=mm0 va=0\n# a comment\n   => ret=0\n"),
            "t.mmtrace:9:4: '=>' continues a step's expectations: it must follow the step");
  EXPECT_EQ(error_of("1 cpu_read mm=mm0 va=0 => ret=0\n   => value=1 ret=0\n"),
            "t.mmtrace:8:4: expectation 'ret' given twice");
  EXPECT_EQ(error_of("1 cpu_read mm=mm0 va=0 => entry@mm0:p0=none\n   => entry@mm0:p0=none\n"),
            "t.mmtrace:8:4: expectation 'entry@mm0:p0' given twice");
  EXPECT_EQ(error_of("1 cpu_read mm=mm0 va=0  # here\n   => ret=0\n"),
            "t.mmtrace:8:4: the step's trailing comment must come on its last line");
  EXPECT_EQ(error_of("1 cpu_read mm=mm0 va=0 => ret=0\n   =>\n"),
            "t.mmtrace:8:6: '=>' needs at least one expectation");
}

TEST(StepExpect, ErrnoNamesSignalsSnapshotsAndEvents) {
  const Trace t =
      ParseTrace("t.mmtrace", kHeader +
                                  "1 cpu_read mm=mm0 va=0 => ret=-EBUSY signal=SIGSEGV blocked=yes "
                                  "snapshot=ff,01,22 event=bug,warn\n");
  const traces::StepExpect& e = t.steps[0].expect;
  EXPECT_EQ(e.ret, -16);
  EXPECT_EQ(e.signal, model::Signal::kSigsegv);
  EXPECT_EQ(e.blocked, true);
  EXPECT_EQ(*e.snapshot, (std::vector<uint8_t>{0xff, 0x01, 0x22}));
  EXPECT_EQ(e.events->size(), 2u);
  // An errno the model has no name for is -N; a named one given as a number prints by name.
  EXPECT_EQ(traces::PrintStepExpect(
                ParseTrace("t", kHeader + "1 cpu_read mm=mm0 va=0 => ret=-16\n").steps[0].expect),
            "ret=-EBUSY");
}

// Bad expectations: file:line:col, the column at the offending token or value.
TEST(StepExpect, BadExpectationsSayWhere) {
  auto error_of = [](const std::string& step) {
    try {
      ParseTrace("t.mmtrace", kHeader + step);
    } catch (const traces::TraceError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error_of("1 cpu_read mm=mm0 va=0 => ret=-EWHAT\n"),
            "t.mmtrace:7:31: ret='-EWHAT' is not 0, an errno name (-EBUSY) or -N");
  EXPECT_EQ(error_of("1 cpu_read mm=mm0 va=0 => colour=red\n"),
            "t.mmtrace:7:27: unknown expectation 'colour' (known: ret, signal, blocked, value, "
            "cpages, faults, snapshot, event, entry@mmM:pN)");
  EXPECT_EQ(error_of("1 cpu_read mm=mm0 va=0 =>\n"),
            "t.mmtrace:7:26: '=>' needs at least one expectation");
  EXPECT_EQ(error_of("1 cpu_read mm=mm0 va=0 => ret=0 ret=0\n"),
            "t.mmtrace:7:33: expectation 'ret' given twice");
  EXPECT_EQ(error_of("1 cpu_read mm=mm0 va=0 => entry@mm5:p0=present\n"),
            "t.mmtrace:7:33: mm5:p0 is outside universe "
            "mms=2,pages=4,folios=6,swap=4,devices=1,pmd_order=2");
  EXPECT_EQ(error_of("1 cpu_read mm=mm0 va=0 => snapshot=ff,1\n"),
            "t.mmtrace:7:39: snapshot byte '1' is not two hex digits");
}

TEST(StepExpect, ReplayChecksEachAndSaysWhatDiffers) {
  const Trace good = ParseTrace("t", kHeader + kSteps);
  const traces::ReplayResult r = traces::Replay(good, "t", traces::TraceProfile(good, "t"));
  EXPECT_TRUE(r.step_mismatches.empty()) << r.step_mismatches[0].second;
  EXPECT_EQ(r.step_expectations, 4);
  EXPECT_TRUE(r.matches);
  // The same trace on 6.15 keeps the mapcount but the entry kind is the single type.
  const traces::ReplayResult fixed = traces::Replay(good, "t", model::ResolveProfile("linux-6.15"));
  ASSERT_FALSE(fixed.step_mismatches.empty());
  EXPECT_EQ(fixed.step_mismatches[0].first, 4);
  EXPECT_EQ(fixed.step_mismatches[0].second,
            "entry@mm0:p0 is device-exclusive, the trace expects device-exclusive-write");
  EXPECT_FALSE(fixed.matches);
  const std::string table = traces::RenderStepTable(good, fixed);
  EXPECT_NE(table.find("NOT MET: entry@mm0:p0 is device-exclusive"), std::string::npos) << table;
  // A wrong value read.
  Trace wrong = good;
  wrong.steps[4].expect.value = 8;
  const traces::ReplayResult w = traces::Replay(wrong, "t", traces::TraceProfile(wrong, "t"));
  ASSERT_EQ(w.step_mismatches.size(), 1u);
  EXPECT_EQ(w.step_mismatches[0].second, "value is 7, the trace expects 8");
  EXPECT_FALSE(w.matches);
}

TEST(StepExpect, FilledExpectationsAreMetAndJsonShowsThem) {
  Trace t = ParseTrace("t", kHeader + kSteps);
  const model::Profile p = traces::TraceProfile(t, "t");
  traces::ReplayResult r = traces::Replay(t, "t", p);
  for (size_t i = 0; i < t.steps.size(); ++i)
    t.steps[i].expect = traces::ExpectationsOf(r.run.steps[i].result);
  // Printed and parsed back, the filled trace still replays as expected.
  const Trace again = ParseTrace("t", PrintTrace(t));
  EXPECT_EQ(again, t);
  r = traces::Replay(again, "t", p);
  EXPECT_TRUE(r.matches);
  EXPECT_EQ(r.step_expectations, 5);
  const nlohmann::ordered_json j = traces::ReplayToJson(again, "t", r);
  ASSERT_EQ(j["steps"].size(), 5u);
  EXPECT_EQ(j["steps"][3]["op"], "dev_exclusive dev=dev0 mm=mm0 va=0 npages=1");
  EXPECT_EQ(j["steps"][3]["outcome"]["ret"], "0");
  EXPECT_EQ(j["steps"][3]["violations"][0]["property"], "mapcount-matches-mappings");
  EXPECT_EQ(j["steps"][4]["outcome"]["value"], 7);
  EXPECT_TRUE(j["as_expected"]);
}

// The corpus asserts outcomes the way hmm-tests does: every dmirror ioctl step states what it
// returns (and the suite's corpus test replays them all against those statements).
TEST(StepExpect, EveryCorpusDeviceStepStatesItsOutcome) {
  int checked = 0;
  for (const auto& e :
       std::filesystem::directory_iterator(std::string(MMCHECK_SOURCE_DIR) + "/tests/corpus")) {
    if (e.path().extension() != ".mmtrace") continue;
    const Trace t = traces::ReadTraceFile(e.path().string());
    for (const traces::TraceStep& step : t.steps) {
      if (!traces::PrintOp(step.op).starts_with("dev_")) continue;
      EXPECT_TRUE(step.expect.ret.has_value())
          << e.path().filename().string() << ": " << traces::PrintOp(step.op);
      ++checked;
    }
  }
  EXPECT_GT(checked, 40);
}

}  // namespace
}  // namespace mmcheck
