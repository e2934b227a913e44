// SPDX-License-Identifier: GPL-2.0
// Campaigns (traces/campaign.h) and the stateful command generator
// (properties/state_commands.h). Campaigns here are bounded by a case count,
// not a time budget, so every run is deterministic.
#include "traces/campaign.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "properties/state_commands.h"
#include "traces/output_file.h"
#include "traces/scenarios.h"

namespace mmcheck::traces {
namespace {

namespace fs = std::filesystem;

std::string FreshDir(const std::string& name) {
  fs::path d = fs::path(::testing::TempDir()) / ("mmcheck_campaign_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CampaignProfile Builtin(const std::string& name, const std::vector<std::string>& knobs = {}) {
  CampaignProfile cp;
  cp.profile = *model::ProfileSet::Builtin().Find(name);
  for (const std::string& k : knobs) model::ApplyKnobOverride(cp.profile, k);
  cp.trace_profile = name;
  return cp;
}

CampaignOptions Options(std::vector<CampaignProfile> profiles, const std::string& property,
                        int64_t cases, const std::string& out) {
  CampaignOptions o;
  o.profiles = std::move(profiles);
  o.properties = property.empty() ? 0 : properties::MaskOf(property);
  o.seed = 1;
  o.budget_seconds = 600;  // the case limit ends every run here
  o.cases_per_profile = cases;
  o.out_dir = out;
  return o;
}

const PropertyResult& ResultOf(const Report& r, const std::string& profile,
                               const std::string& property) {
  for (const ProfileReport& p : r.profiles)
    if (p.name == profile)
      for (const PropertyResult& x : p.results)
        if (x.property == property) return x;
  ADD_FAILURE() << "no result for " << profile << " / " << property;
  static PropertyResult none;
  return none;
}

// Everything but the timings.
std::string Comparable(const Report& r) {
  nlohmann::ordered_json j = ReportToJson(r);
  j.erase("timings");
  return j.dump(1);
}

TEST(CampaignOptions, ParsesShards) {
  EXPECT_EQ(ParseShard("0/1"), (Shard{0, 1}));
  EXPECT_EQ(ParseShard("3/4"), (Shard{3, 4}));
  for (const char* bad : {"3/2", "2/2", "-1/2", "1/0", "a/b", "1", "1/2/3", "/2", "1/"})
    EXPECT_THROW(ParseShard(bad), model::ModelInputError) << bad;
}

TEST(CampaignOptions, ShardFromGoogleTestVariables) {
  ::setenv("GTEST_SHARD_INDEX", "1", 1);
  ::setenv("GTEST_TOTAL_SHARDS", "3", 1);
  auto s = ShardFromEnvironment();
  ::setenv("GTEST_SHARD_INDEX", "5", 1);
  EXPECT_THROW(ShardFromEnvironment(), model::ModelInputError);
  ::unsetenv("GTEST_SHARD_INDEX");
  ::unsetenv("GTEST_TOTAL_SHARDS");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(*s, (Shard{1, 3}));
  EXPECT_FALSE(ShardFromEnvironment().has_value());
}

// The seed formula is part of the output format: a changed formula changes
// every trace a seed finds.
TEST(CampaignSeeds, FormulaIsStableAndShardsAreDisjoint) {
  EXPECT_EQ(CaseSeed(1, "linux-6.14", {0, 1}, 0), CaseSeed(1, "linux-6.14", {0, 1}, 0));
  EXPECT_EQ(CaseSeed(1, "linux-6.14", {0, 1}, 0), 0xd63efa5cbf8ee135ull);
  std::set<uint64_t> seen;
  for (int shard = 0; shard < 4; ++shard)
    for (uint64_t chunk = 0; chunk < 200; ++chunk)
      EXPECT_TRUE(seen.insert(CaseSeed(7, "linux-6.15", {shard, 4}, chunk)).second);
  // Shard I of N runs chunk k with the seed of chunk k*N+I of one shard.
  EXPECT_EQ(CaseSeed(7, "p", {2, 4}, 3), CaseSeed(7, "p", {0, 1}, 3 * 4 + 2));
  EXPECT_NE(CaseSeed(7, "linux-6.14", {0, 1}, 0), CaseSeed(7, "linux-6.15", {0, 1}, 0));
  EXPECT_NE(CaseSeed(7, "linux-6.14", {0, 1}, 0), CaseSeed(8, "linux-6.14", {0, 1}, 0));
}

TEST(CampaignNames, TraceFileNames) {
  EXPECT_EQ(TraceFileName("linux-6.14", "no-kernel-bug"), "linux-6.14--no-kernel-bug.mmtrace");
  EXPECT_EQ(TraceFileName("my patch/v2", "data-integrity"), "my_patch_v2--data-integrity.mmtrace");
}

// The generator draws arguments from the state: folio ops name mapped
// entries, mm arguments name existing mms, and most draws are enabled.
TEST(StateCommands, DrawsEnabledOpsFromTheState) {
  model::World w = properties::PrologueState(model::Universe{}, model::Knobs{});
  model::Apply(w, model::MakeOp(model::OpCode::kCpuWrite, {0, 2, 9}));
  properties::GenContext ctx(w);
  ASSERT_FALSE(ctx.folio_entries.empty());
  rc::Random r(42);
  int enabled = 0, folio_ops = 0;
  std::set<model::OpCode> codes;
  for (int i = 0; i < 2000; ++i) {
    model::Op op = properties::DrawOp(ctx, r);
    codes.insert(op.code);
    enabled += model::Enabled(w, op);
    if (model::InfoOf(op.code).names_folio) {
      ++folio_ops;
      EXPECT_GE(w.MappedFrame(op.Arg(0), op.Arg(1)), 0) << model::FormatOp(op);
    }
    for (size_t a = 0; a < model::InfoOf(op.code).args.size(); ++a)
      if (model::InfoOf(op.code).args[a].kind == model::ArgKind::kMm) {
        EXPECT_EQ(op.Arg(static_cast<int>(a)), 0) << model::FormatOp(op);  // only mm0 exists
      }
  }
  EXPECT_EQ(codes.size(), model::OpTable().size()) << "every operation of the table is drawn";
  EXPECT_GT(folio_ops, 0);
  EXPECT_GT(enabled, 2000 * 8 / 10);
}

TEST(StateCommands, SimplerOpsAreSmaller) {
  model::Op op = model::MakeOp(model::OpCode::kDeviceWrite, {0, 1, 2, 2, 200});
  std::vector<model::Op> s = properties::SimplerOps(op);
  ASSERT_FALSE(s.empty());
  for (const model::Op& x : s) {
    EXPECT_NE(x, op);
    bool smaller = false;
    for (int a = 0; a < model::kMaxArgs; ++a) {
      EXPECT_LE(x.Arg(a), op.Arg(a)) << model::FormatOp(x);
      smaller |= x.Arg(a) < op.Arg(a);
    }
    EXPECT_TRUE(smaller);
  }
  EXPECT_EQ(s.front(), model::MakeOp(model::OpCode::kDeviceWrite, {0, 0, 2, 2, 200}));
  // A folio moves to a lower mapping.
  std::vector<model::Op> f = properties::SimplerOps(model::MakeOp(model::OpCode::kReclaim, {1, 1}));
  EXPECT_EQ(f.size(), 3u);  // @mm0:p0, @mm0:p1, @mm1:p0
  EXPECT_TRUE(properties::SimplerOps(model::MakeOp(model::OpCode::kReclaim, {0, 0})).empty());
}

// The 6.14 mapcount bug, found and shrunk to the shortest trace there is.
TEST(Campaign, FindsTheMapcountBugOn614AndShrinksItToTwoSteps) {
  std::string dir = FreshDir("mapcount");
  Report r = RunCampaign(Options({Builtin("linux-6.14")}, "mapcount-matches-mappings", 2000, dir));
  const PropertyResult& x = ResultOf(r, "linux-6.14", "mapcount-matches-mappings");
  ASSERT_EQ(x.status, ResultStatus::kFound) << x.detail;
  EXPECT_EQ(x.source, "search");
  EXPECT_EQ(x.trace, "linux-6.14--mapcount-matches-mappings.mmtrace");
  EXPECT_EQ(x.trace_steps, 2);
  EXPECT_EQ(x.step, 2);
  EXPECT_TRUE(x.reproduce.starts_with("reproduce=")) << x.reproduce;
  EXPECT_EQ(VerdictOf(r), Verdict::kAsExpected);
  EXPECT_TRUE(r.complete);

  std::string text = ReadFile(dir + "/" + x.trace);
  EXPECT_NE(text.find("# Reproduce: RC_PARAMS=\"reproduce="), std::string::npos) << text;
  const std::string steps =
      "expect violates mapcount-matches-mappings\n"
      "question Can mapcount-matches-mappings be violated on linux-6.14?\n\n"
      "1 mmap mm=mm0 va=0 npages=1 prot=rw kind=private\n"
      "2 dev_exclusive dev=dev0 mm=mm0 va=0 npages=1  # violates mapcount-matches-mappings\n";
  EXPECT_TRUE(text.ends_with(steps)) << text;
  // It parses, and replays to the same violation.
  Trace t = ParseTrace(x.trace, text);
  std::vector<model::Op> ops;
  for (const TraceStep& s : t.steps) ops.push_back(s.op);
  ScenarioRun run = RunSteps(t.universe, TraceProfile(t, dir + "/" + x.trace).knobs, ops);
  EXPECT_EQ(run.first_violation[static_cast<size_t>(
                properties::PropertyIndex("mapcount-matches-mappings"))],
            2);
  // And report.json / report.xml are there.
  EXPECT_NE(ReadFile(dir + "/report.json").find("\"verdict\": \"as-expected\""), std::string::npos);
  EXPECT_NE(ReadFile(dir + "/report.xml").find("<testcase classname=\"linux-6.14\""),
            std::string::npos);
}

// Nothing shorter exists: no single operation from the initial state breaks
// the mapcount (a device-exclusive entry needs a VMA first, and
// dev_exclusive then faults the page in through GUP and converts it).
TEST(Campaign, NoOneStepTraceViolatesTheMapcount) {
  const model::Universe u;
  const model::Knobs k = model::ProfileSet::Builtin().Find("linux-6.14")->knobs;
  const model::World initial = model::World::Initial(u, k);
  const int mapcount = properties::PropertyIndex("mapcount-matches-mappings");
  int tried = 0;
  for (const model::OpInfo& info : model::OpTable()) {
    // Every argument combination (values only 1 and 255: no op branches on a byte).
    std::vector<std::vector<int>> choices;
    for (const model::ArgInfo& a : info.args) {
      auto [lo, hi] = model::ArgRange(a.kind, u);
      std::vector<int> c;
      if (a.kind == model::ArgKind::kValue)
        c = {lo, hi};
      else
        for (int v = lo; v <= hi; ++v) c.push_back(v);
      choices.push_back(c);
    }
    std::vector<size_t> at(choices.size(), 0);
    for (bool more = true; more;) {
      model::Op op;
      op.code = info.code;
      for (size_t i = 0; i < at.size(); ++i) op.args[i] = static_cast<int16_t>(choices[i][at[i]]);
      if (model::Enabled(initial, op)) {
        ++tried;
        model::World w = initial;
        model::StepResult r = model::Apply(w, op);
        std::vector<properties::Violation> v;
        properties::CheckStep(w, r, properties::MaskOf("mapcount-matches-mappings"), v);
        for (const auto& x : v) EXPECT_NE(x.property, mapcount) << model::FormatOp(op);
      }
      more = false;
      for (size_t i = 0; i < at.size() && !more; ++i) {
        if (++at[i] < choices[i].size())
          more = true;
        else
          at[i] = 0;
      }
    }
  }
  EXPECT_GT(tried, 100);
}

TEST(Campaign, SameInputsGiveByteIdenticalTracesAndReports) {
  std::string a = FreshDir("det_a"), b = FreshDir("det_b");
  Report ra =
      RunCampaign(Options({Builtin("linux-6.14"), Builtin("hildenbrand-v2-16")}, "", 300, a));
  Report rb =
      RunCampaign(Options({Builtin("linux-6.14"), Builtin("hildenbrand-v2-16")}, "", 300, b));
  EXPECT_EQ(Comparable(ra), Comparable(rb));
  int traces = 0;
  for (const auto& e : fs::directory_iterator(a)) {
    if (e.path().extension() != ".mmtrace") continue;
    ++traces;
    EXPECT_EQ(ReadFile(e.path().string()), ReadFile((fs::path(b) / e.path().filename()).string()))
        << e.path();
  }
  EXPECT_GE(traces, 3);
}

// Old profiles violate other properties after an expected one: those are
// consequences, never unexpected; every expected violation is found.
TEST(Campaign, ConsequencesOfExpectedViolationsAreNotUnexpected) {
  Report r = RunCampaign(Options({Builtin("linux-6.14")}, "", 1500, ""));
  ASSERT_EQ(r.profiles.size(), 1u);
  int found = 0;
  for (const PropertyResult& x : r.profiles[0].results) {
    EXPECT_NE(x.status, ResultStatus::kUnexpected) << x.property << ": " << x.detail;
    EXPECT_NE(x.status, ResultStatus::kMissing) << x.property;
    found += x.status == ResultStatus::kFound;
  }
  EXPECT_EQ(found, 5);
  EXPECT_EQ(VerdictOf(r), Verdict::kAsExpected);
}

// The classification has teeth: 6.15 with the mapcount bug put back by
// knobs, but expecting no violation, gets an unexpected result.
TEST(Campaign, UnexpectedViolationOnAFixedProfileWithTheBugPutBack) {
  std::string dir = FreshDir("unexpected");
  CampaignOptions o = Options({Builtin("linux-6.15", {"device_exclusive_mapcount=dropped",
                                                      "make_exclusive_impl=single-folio-walk"})},
                              "mapcount-matches-mappings", 2000, dir);
  o.knobs = {"device_exclusive_mapcount=dropped", "make_exclusive_impl=single-folio-walk"};
  Report r = RunCampaign(o);
  ASSERT_EQ(r.profiles.size(), 1u);
  EXPECT_EQ(r.profiles[0].name,
            "linux-6.15+device_exclusive_mapcount=dropped+make_exclusive_impl=single-folio-walk");
  const PropertyResult& x = ResultOf(r, r.profiles[0].name, "mapcount-matches-mappings");
  EXPECT_EQ(x.status, ResultStatus::kUnexpected);
  EXPECT_EQ(x.trace_steps, 2);
  EXPECT_EQ(VerdictOf(r), Verdict::kUnexpected);
  EXPECT_EQ(x.trace,
            "linux-6.15_device_exclusive_mapcount_dropped_make_exclusive_impl_single-folio-walk"
            "--mapcount-matches-mappings.mmtrace");
  std::string text = ReadFile(dir + "/" + x.trace);
  EXPECT_NE(
      text.find("profile linux-6.15\nuniverse mms=2,pages=4,folios=6,swap=4,devices=1,pmd_order=2\n"
                "knob device_exclusive_mapcount=dropped\n"
                "knob make_exclusive_impl=single-folio-walk\n"),
      std::string::npos)
      << text;
}

TEST(Campaign, FixedProfileIsCleanForHardProperties) {
  Report r = RunCampaign(Options({Builtin("linux-6.15")}, "", 400, ""));
  ASSERT_EQ(r.profiles.size(), 1u);
  EXPECT_EQ(r.profiles[0].cases, 400);
  EXPECT_GT(r.profiles[0].steps, 400);
  for (const PropertyResult& x : r.profiles[0].results)
    if (!x.advisory) {
      EXPECT_EQ(x.status, ResultStatus::kClean) << x.property << ": " << x.detail;
    }
  EXPECT_EQ(VerdictOf(r), Verdict::kAsExpected);
}

// The corpus is replayed first: a trace found earlier counts without any
// search, on its own profile and on every other profile it applies to.
TEST(Campaign, CorpusIsReplayedFirst) {
  std::string dir = FreshDir("corpus");
  const std::string trace =
      "mmtrace 1\nprofile linux-6.14\nuniverse "
      "mms=2,pages=4,folios=6,swap=4,devices=1,pmd_order=2\n"
      "expect violates mapcount-matches-mappings\nquestion q\n\n"
      "1 mmap mm=mm0 va=0 npages=1 prot=rw kind=private\n"
      "2 dev_exclusive dev=dev0 mm=mm0 va=0 npages=1\n";
  WriteFileAtomically(dir + "/linux-6.14--mapcount-matches-mappings.mmtrace", trace);
  CampaignOptions o =
      Options({Builtin("linux-6.14"), Builtin("hildenbrand-v2-15"), Builtin("linux-6.15")},
              "mapcount-matches-mappings", 0, dir);
  o.budget_seconds = 0;  // no search at all
  o.corpus = LoadCorpus(dir, {});
  ASSERT_EQ(o.corpus.size(), 1u);
  Report r = RunCampaign(o);
  for (const char* p : {"linux-6.14", "hildenbrand-v2-15"}) {
    const PropertyResult& x = ResultOf(r, p, "mapcount-matches-mappings");
    EXPECT_EQ(x.status, ResultStatus::kFound) << p;
    EXPECT_EQ(x.source, "corpus") << p;
    EXPECT_EQ(x.trace, "linux-6.14--mapcount-matches-mappings.mmtrace") << p;
  }
  EXPECT_EQ(ResultOf(r, "linux-6.15", "mapcount-matches-mappings").status, ResultStatus::kClean);
  EXPECT_EQ(r.profiles[0].cases, 0);
  EXPECT_EQ(r.corpus.size(), 1u);
}

TEST(Campaign, BadCorpusIsAnInputError) {
  std::string dir = FreshDir("bad_corpus");
  WriteFileAtomically(dir + "/bad.mmtrace", "mmtrace 1\nprofile linux-6.14\nuniverse mms=9\n");
  try {
    LoadCorpus(dir, {});
    ADD_FAILURE() << "no error";
  } catch (const TraceError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.mmtrace:3:10: "), std::string::npos) << e.what();
  }
  EXPECT_THROW(LoadCorpus("", {dir + "/no-such.mmtrace"}), model::ModelInputError);
  EXPECT_TRUE(LoadCorpus(dir + "/not-there-yet", {}).empty());
}

// A profile whose min_universe the universe does not meet: its expectation
// is reported unreachable (with what is lacking), not missing, and the run
// is as expected; in a universe that meets it, it is found.
TEST(Campaign, ExpectationOutsideTheUniverseIsUnreachable) {
  CampaignProfile cp = Builtin("niethe-v6-unconverted-driver");
  ASSERT_EQ(cp.profile.needs.ToString(), "device_pages=1");
  Report r = RunCampaign(Options({cp}, "pfn-offset-no-confusion", 200, ""));
  const PropertyResult& x = ResultOf(r, "niethe-v6-unconverted-driver", "pfn-offset-no-confusion");
  EXPECT_EQ(x.status, ResultStatus::kUnreachable);
  EXPECT_EQ(x.detail, "device_pages=1 (has 0)");
  EXPECT_EQ(VerdictOf(r), Verdict::kAsExpected);
  EXPECT_NE(RenderText(r, "", false).find("expected, unreachable here"), std::string::npos);
  EXPECT_NE(
      RenderJunit(r).find("<skipped message=\"unreachable in this universe: the profile needs "
                          "device_pages=1 (has 0)\"/>"),
      std::string::npos);

  CampaignOptions o = Options({cp}, "pfn-offset-no-confusion", 3000, "");
  o.universe = model::UniverseMeeting({cp.profile.needs});
  EXPECT_EQ(
      ResultOf(RunCampaign(o), "niethe-v6-unconverted-driver", "pfn-offset-no-confusion").status,
      ResultStatus::kFound);
}

TEST(Campaign, InterruptedRunIsInconclusive) {
  std::string dir = FreshDir("interrupted");
  RequestStop();
  Report r = RunCampaign(Options({Builtin("linux-6.14")}, "", 100, dir));
  ResetStop();
  EXPECT_TRUE(r.interrupted);
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(VerdictOf(r), Verdict::kInconclusive);
  EXPECT_NE(ReadFile(dir + "/report.json").find("\"interrupted\": true"), std::string::npos);
}

}  // namespace
}  // namespace mmcheck::traces
