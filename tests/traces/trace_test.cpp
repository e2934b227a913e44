// SPDX-License-Identifier: GPL-2.0
// traces/: the .mmtrace format (strict parser, canonical printer), replay
// against expected verdicts, the corpus, and the exports.
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "properties/generators.h"
#include "tests/model/field_coverage.h"
#include "traces/replay.h"
#include "traces/trace.h"

namespace mmcheck {
namespace {

using traces::ParseTrace;
using traces::PrintTrace;
using traces::Trace;

const char* kGood =
    "# a comment before the header\n"
    "mmtrace 1\n"
    "profile linux-6.14\n"
    "universe mms=2,pages=4,folios=6,swap=4,devices=1,pmd_order=2\n"
    "knob transparent_hugepage=never\n"
    "expect violates mapcount-matches-mappings\n"
    "question Does the mapcount survive?\n"
    "\n"
    "1 mmap mm=mm0 va=0 npages=4 prot=rw kind=private\n"
    "# about step 2\n"
    "2 cpu_write mm=mm0 va=0 value=7\n"
    "3 dev_exclusive dev=dev0 mm=mm0 va=0 npages=1  # the bug\n"
    "4 reclaim folio=@mm0:p0\n";

TEST(TraceFormat, ParsesAndPrintsCanonically) {
  Trace t = ParseTrace("t.mmtrace", kGood);
  EXPECT_EQ(t.profile, "linux-6.14");
  EXPECT_EQ(t.knobs, std::vector<std::string>{"transparent_hugepage=never"});
  EXPECT_FALSE(t.expect.holds);
  ASSERT_EQ(t.steps.size(), 4u);
  EXPECT_EQ(t.steps[1].comments, std::vector<std::string>{"about step 2"});
  EXPECT_EQ(t.steps[2].trailing, "the bug");
  EXPECT_EQ(t.steps[3].op, model::MakeOp(model::OpCode::kReclaim, {0, 0}));
  EXPECT_EQ(PrintTrace(t), kGood);
}

// `mmcheck ops` lists each operation as the parser takes it: the same
// argument names in the same order (folio=@mmM:pN for the folio ops), and a
// step written that way parses.
TEST(OpListing, SyntaxIsWhatTheParserAccepts) {
  const model::Universe u;
  for (const model::OpInfo& info : model::OpTable()) {
    model::Op op;
    op.code = info.code;
    for (size_t i = 0; i < info.args.size(); ++i)
      op.args[i] = static_cast<int16_t>(model::ArgRange(info.args[i].kind, u).first);
    const std::string text = model::FormatOp(op);
    std::string keys_printed, keys_listed;
    for (std::istringstream in(text.substr(info.name.size())); in;) {
      std::string tok;
      if (in >> tok) keys_printed += tok.substr(0, tok.find('=')) + " ";
    }
    for (std::istringstream in(model::OpSyntax(info)); in;) {
      std::string tok;
      if (in >> tok) keys_listed += tok.substr(0, tok.find('=')) + " ";
    }
    EXPECT_EQ(keys_listed, keys_printed) << info.name << ": " << model::OpSyntax(info);
    const std::string trace = "mmtrace 1\nprofile linux-6.15\nuniverse " + u.ToString() +
                              "\nexpect holds\nquestion q\n\n1 " + text + "\n";
    EXPECT_EQ(ParseTrace("t", trace).steps.at(0).op, op) << text;
  }
  EXPECT_EQ(model::OpSyntax(model::InfoOf(model::OpCode::kReclaim)), " folio=@mmM:pN");
  EXPECT_EQ(model::OpSyntax(model::InfoOf(model::OpCode::kMprotect)),
            " mm=mmM va=N npages=N>=1 prot=none|r|rw");
}

TEST(OpListing, ReturnValuesAreErrnoNames) {
  EXPECT_EQ(model::RetName(0), "0");
  EXPECT_EQ(model::RetName(-16), "-EBUSY");
  EXPECT_EQ(model::RetName(-11), "-EAGAIN");
  EXPECT_EQ(model::RetName(-95), "-EOPNOTSUPP");
  EXPECT_EQ(model::RetName(-99), "-99");
  EXPECT_EQ(model::RetName(3), "3");
}

TEST(TraceFormat, AcceptsExtraSpacesButPrintsSingle) {
  std::string loose = kGood;
  loose.replace(loose.find("1 mmap mm=mm0"), 13, "1   mmap  mm=mm0");
  Trace t = ParseTrace("t.mmtrace", loose);
  EXPECT_EQ(PrintTrace(t), kGood);
}

// Replaces the first occurrence of `from` in kGood by `to` and returns the
// parse error ("" if it parsed).
std::string ErrorWith(const std::string& from, const std::string& to) {
  std::string text = kGood;
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
  try {
    ParseTrace("t.mmtrace", text);
  } catch (const traces::TraceError& e) {
    return e.what();
  }
  return "";
}

TEST(TraceFormat, StrictErrorsWithLineAndColumn) {
  struct Case {
    std::string from, to, error;
  } cases[] = {
      {"mmtrace 1", "mmtrace 2", "t.mmtrace:2:9: unsupported trace format version 2"},
      {"profile linux-6.14", "profil linux-6.14", "t.mmtrace:3:1: expected 'profile'"},
      {"mms=2,", "mms=0,", "t.mmtrace:4:10: universe: mms=0 is out of range"},
      {"knob transparent_hugepage=never", "knob transparent_hugepage=sometimes",
       "t.mmtrace:5:27: knob 'transparent_hugepage' has no value 'sometimes'"},
      {"expect violates mapcount-matches-mappings", "expect violates no-such-property",
       "t.mmtrace:6:17: unknown property 'no-such-property'"},
      {"2 cpu_write", "3 cpu_write", "t.mmtrace:11:1: step number 3 out of order (expected 2)"},
      {"2 cpu_write", "2 cpu_wrote", "t.mmtrace:11:3: unknown operation 'cpu_wrote'"},
      {"value=7", "value=seven", "t.mmtrace:11:31: value='seven' is not a number"},
      {"va=0 value=7", "va=9 value=7", "t.mmtrace:11:23: va=9 is out of range 0..3"},
      {"value=7", "value=7 value=8", "t.mmtrace:11:33: argument 'value' given twice"},
      {"value=7", "colour=7", "t.mmtrace:11:25: cpu_write has no argument 'colour'"},
      {" value=7", "", "t.mmtrace:11:24: cpu_write is missing argument 'value'"},
      {"prot=rw", "prot=rwx", "t.mmtrace:9:34: prot='rwx' is not one of: none, r, rw"},
      {"folio=@mm0:p0", "folio=mm0:p0", "t.mmtrace:13:17: folio='mm0:p0' must look like @mm0:p3"},
      {"mm=mm0 va=0 npages=4", "mm=mX va=0 npages=4", "t.mmtrace:9:11: mm='mX' must look like mm0"},
      {"question Does", "# sneaky\nquestion Does", "t.mmtrace:7:1: comments inside the header"},
      {"question Does the mapcount survive?\n", "", "t.mmtrace:8:1: expected 'question', got '1'"},
      {"2 cpu_write mm=mm0 va=0 value=7\n3 dev_exclusive dev=dev0 mm=mm0 va=0 npages=1  # the bug\n"
       "4 reclaim folio=@mm0:p0\n",
       "", "t.mmtrace:10:1: comments after the last step belong to no step"},
  };
  for (const Case& c : cases) {
    std::string e = ErrorWith(c.from, c.to);
    EXPECT_NE(e.find(c.error), std::string::npos) << "replacing '" << c.from << "' got: " << e;
  }
}

TEST(TraceFormat, PreconditionsCheckedOnTheModel) {
  std::string text = kGood;
  text.replace(text.find("4 reclaim folio=@mm0:p0"), 23, "4 reclaim folio=@mm1:p0");
  Trace t = ParseTrace("t.mmtrace", text);
  model::Profile p = traces::TraceProfile(t, "t.mmtrace");
  try {
    traces::CheckPreconditions(t, "t.mmtrace", p);
    ADD_FAILURE() << "expected a precondition error";
  } catch (const traces::TraceError& e) {
    EXPECT_NE(std::string(e.what()).find("t.mmtrace:13:1: step 4: 'reclaim folio=@mm1:p0' cannot "
                                         "run"),
              std::string::npos)
        << e.what();
  }
}

TEST(TraceFormat, UnknownProfileIsReportedAtItsLine) {
  std::string text = kGood;
  text.replace(text.find("linux-6.14"), 10, "linux-0.01");
  Trace t = ParseTrace("t.mmtrace", text);
  try {
    traces::TraceProfile(t, "t.mmtrace");
    ADD_FAILURE();
  } catch (const traces::TraceError& e) {
    EXPECT_NE(std::string(e.what()).find("t.mmtrace:3:9: unknown profile 'linux-0.01'"),
              std::string::npos)
        << e.what();
  }
}

// The parse error of `text` ("" if it parsed).
std::string ParseError(const std::string& text) {
  try {
    ParseTrace("t.mmtrace", text);
  } catch (const traces::TraceError& e) {
    return e.what();
  }
  return "";
}

// kGood with every "\n" replaced by `eol`.
std::string WithLineEnds(const std::string& eol) {
  std::string out;
  for (char c : std::string(kGood)) out += c == '\n' ? eol : std::string(1, c);
  return out;
}

// Issue 14 item 15: a line ending in "\r\r\n" lost one CR per print/parse.
// CRLF is a line ending; any other CR is refused, so printing is exact.
TEST(TraceFormat, CarriageReturnsOnlyAsCrlf) {
  EXPECT_EQ(PrintTrace(ParseTrace("t.mmtrace", WithLineEnds("\r\n"))), kGood);
  std::string text = kGood;
  text.replace(text.find("# about step 2\n"), 15, "# about step 2\r\r\n");
  EXPECT_EQ(ParseError(text),
            "t.mmtrace:10:15: carriage return (\\r) inside a line: only CRLF "
            "line endings are accepted");
  text = kGood;
  text.replace(text.find("question Does"), 13, "question Do\res");
  EXPECT_EQ(ParseError(text).rfind("t.mmtrace:7:12: carriage return", 0), 0u) << ParseError(text);
  // Whatever parses prints to a fixed point.
  for (const char* eol : {"\n", "\r\n"}) {
    const std::string once = PrintTrace(ParseTrace("t.mmtrace", WithLineEnds(eol)));
    EXPECT_EQ(PrintTrace(ParseTrace("t.mmtrace", once)), once);
  }
}

// Issue 14 item 10: a byte-order mark is skipped, a NUL byte and raw control
// bytes are reported as such, escaped.
TEST(TraceFormat, ByteOrderMarkNulAndRawBytes) {
  EXPECT_EQ(ParseTrace("t.mmtrace", "\xEF\xBB\xBF" + std::string(kGood)),
            ParseTrace("t.mmtrace", kGood));
  std::string text = kGood;
  text.replace(text.find("about step 2"), 5, std::string("ab\0ut", 5));
  EXPECT_EQ(ParseError(text), "t.mmtrace:10:5: NUL byte: a trace or profile is text");
  text = kGood;
  text.replace(text.find("2 cpu_write"), 11, "2 cpu_\x1b[2Jwrite\xff");
  EXPECT_EQ(ParseError(text),
            "t.mmtrace:11:3: unknown operation 'cpu_\\x1b[2Jwrite\\xff' (known: " +
                ParseError(text).substr(ParseError(text).find("(known: ") + 8));
  EXPECT_EQ(ParseError("\x01\x02\n"), "t.mmtrace:1:1: expected 'mmtrace', got '\\x01\\x02'");
  EXPECT_EQ(ParseError(std::string(5000, 'x')), "t.mmtrace:1:4097: line is longer than 4096 bytes");
}

// Issue 14 item 6: a knob line that contradicts the profile is reported at
// the knob line, naming the profile (also one given instead of the trace's).
TEST(TraceFormat, ContradictoryKnobIsReportedAtItsLine) {
  std::string text = kGood;
  text.replace(text.find("knob transparent_hugepage=never"), 31,
               "knob transparent_hugepage=never\nknob  make_exclusive_lock=lock-retry");
  Trace t = ParseTrace("t.mmtrace", text);
  std::string e;
  try {
    traces::TraceProfile(t, "t.mmtrace");
  } catch (const traces::TraceError& x) {
    e = x.what();
  }
  EXPECT_EQ(e.rfind("t.mmtrace:6:7: knob make_exclusive_lock=lock-retry: contradictory knobs on "
                    "profile 'linux-6.14+transparent_hugepage=never': ",
                    0),
            0u)
      << e;
  model::Profile other = model::ResolveProfile("hildenbrand-v1-01");
  e.clear();
  try {
    traces::ApplyTraceKnobs(t, "t.mmtrace", other);
  } catch (const traces::TraceError& x) {
    e = x.what();
  }
  EXPECT_EQ(e.rfind("t.mmtrace:6:7: knob make_exclusive_lock=lock-retry: contradictory knobs on "
                    "profile 'hildenbrand-v1-01+transparent_hugepage=never': ",
                    0),
            0u)
      << e;
}

// Issue 14 items 7 and 10: files are read bounded, a directory is named one.
TEST(TraceFormat, ReadTraceFileRefusesDirectoriesAndEndlessFiles) {
  auto error_of = [](const std::string& path) {
    try {
      traces::ReadTraceFile(path);
    } catch (const traces::TraceError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const std::string dir = std::filesystem::temp_directory_path().string();
  EXPECT_EQ(error_of(dir), dir + ": is a directory, not a trace file");
  EXPECT_EQ(error_of("/dev/zero"),
            "/dev/zero: trace file is larger than 1 MiB, the limit for a trace file");
}

// print(parse(t)) == t for every canonical trace, on random traces.
RC_GTEST_PROP(TraceFormat, PrintParseRoundTrip, ()) {
  model::Universe u;
  Trace t;
  t.profile = *rc::gen::element<std::string>("linux-6.14", "linux-6.15", "hildenbrand-v2-07");
  t.universe = u;
  t.question = "random question " + std::to_string(*rc::gen::inRange(0, 1000));
  if (*rc::gen::arbitrary<bool>()) t.expect = {false, "data-integrity"};
  auto words = rc::gen::container<std::string>(rc::gen::elementOf(std::string("abc xyz-09.,:")));
  for (model::Op op : *rc::gen::container<std::vector<model::Op>>(properties::GenOp(u))) {
    traces::TraceStep s{op, {}, {}, 0, {}};
    if (*rc::gen::inRange(0, 4) == 0) s.comments.push_back(*words);
    if (*rc::gen::inRange(0, 4) == 0) s.trailing = "note " + *words;
    t.steps.push_back(s);
  }
  // Comments are kept verbatim except surrounding spaces, which print drops.
  for (auto& s : t.steps) {
    for (std::string& c : s.comments)
      while (!c.empty() && c[0] == ' ') c.erase(0, 1);
    while (!s.trailing.empty() && s.trailing.back() == ' ') s.trailing.pop_back();
  }
  std::string text = PrintTrace(t);
  Trace back = ParseTrace("gen.mmtrace", text);
  RC_ASSERT(back == t);
  RC_ASSERT(PrintTrace(back) == text);
}

std::string CorpusDir() {
  return std::string(MMCHECK_SOURCE_DIR) + "/tests/corpus";
}

// Every corpus trace: canonical, its preconditions hold, and its verdict is
// the one its `expect` line states (litmus-style).
TEST(Corpus, EveryTraceMeetsItsExpectedVerdict) {
  int n = 0;
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(CorpusDir()))
    if (e.path().extension() == ".mmtrace") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  for (const std::string& f : files) {
    Trace t = traces::ReadTraceFile(f);
    std::string text = PrintTrace(t);
    std::ifstream in(f);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(text, ss.str()) << f << " is not in canonical form";
    traces::ReplayResult r = traces::Replay(t, f, traces::TraceProfile(t, f));
    EXPECT_TRUE(r.matches) << f << ": " << r.verdict << "\n" << traces::RenderStepTable(t, r);
    ++n;
  }
  EXPECT_GE(n, 15);
}

// hmm-snapshot.mmtrace (hmm-tests snapshot): the SNAPSHOT step returns the
// bytes the selftest asserts, shown in the step table, on both
// device-private address spaces.
TEST(Corpus, SnapshotTraceGivesTheSelftestsBytes) {
  const std::string f = CorpusDir() + "/hmm-snapshot.mmtrace";
  Trace t = traces::ReadTraceFile(f);
  for (const char* profile : {"mainline", "niethe-v6"}) {
    traces::ReplayResult r = traces::Replay(t, f, model::ResolveProfile(profile));
    ASSERT_EQ(r.run.steps.back().op.code, model::OpCode::kDeviceSnapshot);
    const model::Outcome& o = r.run.steps.back().result.outcome;
    EXPECT_EQ(o.ret, 0) << profile;
    EXPECT_EQ(o.cpages, 7) << profile;
    EXPECT_EQ(o.prot, (std::vector<uint8_t>{0xff, 0xff, 0x11, 0x01, 0x02, 0x22, 0x00})) << profile;
    EXPECT_NE(traces::RenderStepTable(t, r).find("prot ff,ff,11,01,02,22,00"), std::string::npos)
        << traces::RenderStepTable(t, r);
    EXPECT_TRUE(r.states[r.states.size() - 2] == r.states.back()) << "SNAPSHOT changed the world";
  }
}

TEST(Replay, SideBySideMarksTheFirstDifference) {
  Trace t = traces::ReadTraceFile(CorpusDir() + "/bug-03-mapcount-dropped.mmtrace");
  traces::ReplayResult old = traces::Replay(t, "f", model::ResolveProfile("hildenbrand-v2-15"));
  traces::ReplayResult fixed = traces::Replay(t, "f", model::ResolveProfile("hildenbrand-v2-16"));
  int first = -1;
  std::string s = traces::RenderSideBySide(t, old, fixed, first);
  EXPECT_EQ(first, 4) << s;  // dev_exclusive: the mapcount verdict differs
  EXPECT_NE(s.find("first difference: verdict"), std::string::npos) << s;
  traces::RenderSideBySide(t, fixed, fixed, first);
  EXPECT_EQ(first, 0);
}

// ITF's `world` is written from the field lists: every field of World but the universe and
// the knobs (in #meta) is in it, in every instance.
TEST(Replay, ItfWorldHasEveryField) {
  const model::World w = testing::RichWorld();
  EXPECT_EQ(testing::FieldsNotReflected(
                w, [](const model::World& x) { return traces::ItfWorld(x).dump(); },
                {"universe", "knobs"}),
            std::set<std::string>{});
  EXPECT_EQ(traces::ItfWorld(w)["mms"][0]["ptes"].size(), static_cast<size_t>(w.universe.pages));
  EXPECT_FALSE(traces::ItfWorld(w).contains("universe"));
}

TEST(Replay, ExportsItfAndDot) {
  Trace t = traces::ReadTraceFile(CorpusDir() + "/bug-03-mapcount-dropped.mmtrace");
  traces::ReplayResult r = traces::Replay(t, "f", traces::TraceProfile(t, "f"));
  nlohmann::json itf = traces::ExportItf(t, r);
  EXPECT_EQ(itf["#meta"]["format"], "ITF");
  ASSERT_EQ(itf["states"].size(), t.steps.size() + 1);
  EXPECT_EQ(itf["states"][4]["action"], "dev_exclusive dev=dev0 mm=mm0 va=0 npages=1");
  EXPECT_EQ(itf["states"][4]["violations"][0], "mapcount-matches-mappings");
  EXPECT_EQ(itf["states"][4]["ptes"]["mm0"][0]["kind"], "device-exclusive-write");
  EXPECT_EQ(itf["#meta"]["knobs"]["device_exclusive_mapcount"], "dropped");
  EXPECT_EQ(itf["states"][4]["world"], traces::ItfWorld(r.states[4]));
  std::string dot = traces::RenderDot(t, r);
  EXPECT_EQ(dot.rfind("digraph mmtrace {", 0), 0u);
  EXPECT_NE(dot.find("s4_mm0_p0 -> s4_f0"), std::string::npos) << dot;
}

}  // namespace
}  // namespace mmcheck
