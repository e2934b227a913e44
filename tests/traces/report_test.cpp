// SPDX-License-Identifier: GPL-2.0
// Campaign reports (traces/report.h): JSON round trip, JUnit XML, the
// verdict, and merging shard reports.
#include "traces/report.h"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "model/profile.h"

namespace mmcheck::traces {
namespace {

PropertyResult Result(const std::string& property, bool expected, ResultStatus status,
                      int trace_steps = 0) {
  PropertyResult x;
  x.property = property;
  x.expected = expected;
  x.status = status;
  if (trace_steps) {
    x.source = "search";
    x.trace = "p--" + property + ".mmtrace";
    x.trace_steps = trace_steps;
    x.step = trace_steps;
    x.seed = "0x0000000000000001";
    x.reproduce = "reproduce=abc";
    x.detail = "folio pfn 0x100: <detail> & more";
  }
  return x;
}

Report Shard(int index, int count, std::vector<PropertyResult> results, int64_t steps = 100) {
  Report r;
  r.seed = 5;
  r.budget = "20s";
  r.budget_seconds = 20;
  r.universe = "mms=2,pages=4,folios=6,swap=4,devices=1,pmd_order=2";
  r.shard_count = count;
  r.shards = {index};
  r.complete = true;
  ProfileReport p;
  p.name = "p";
  p.complete = true;
  p.cases = 10;
  p.steps = steps;
  p.results = std::move(results);
  r.profiles.push_back(p);
  r.profile_timings["p"] = {1.5, 0.25};
  return r;
}

TEST(Report, JsonRoundTrip) {
  Report r = Shard(
      0, 1,
      {Result("a", true, ResultStatus::kFound, 3), Result("b", false, ResultStatus::kUnexpected, 4),
       Result("c", false, ResultStatus::kWarning, 2),
       Result("d", false, ResultStatus::kConsequence), Result("e", false, ResultStatus::kClean),
       Result("f", true, ResultStatus::kMissing), Result("g", true, ResultStatus::kIncomplete),
       Result("h", true, ResultStatus::kUnreachable)});
  r.profiles[0].results[3].consequences = 7;
  r.profiles[0].results[2].advisory = true;
  r.knobs = {"device_exclusive_mapcount=dropped"};
  r.corpus = {"dir/x.mmtrace"};
  r.finished_at = "2025-01-01 00:00:00";
  r.elapsed_seconds = 3;
  nlohmann::ordered_json j = ReportToJson(r);
  EXPECT_EQ(j["verdict"], "unexpected");
  EXPECT_EQ(j["summary"]["found"], 1);
  Report back = ReportFromJson(nlohmann::json::parse(j.dump()), "report.json");
  EXPECT_EQ(back.profiles, r.profiles);
  EXPECT_EQ(back.knobs, r.knobs);
  EXPECT_EQ(back.corpus, r.corpus);
  EXPECT_EQ(back.profile_timings, r.profile_timings);
  EXPECT_EQ(ReportToJson(back).dump(), j.dump());
}

TEST(Report, BadJsonNamesTheField) {
  nlohmann::json j = nlohmann::json::parse(ReportToJson(Shard(0, 1, {})).dump());
  j.erase("universe");
  try {
    ReportFromJson(j, "x/report.json");
    ADD_FAILURE() << "no error";
  } catch (const model::ModelInputError& e) {
    EXPECT_STREQ(e.what(), "x/report.json: not a campaign report: missing field 'universe'");
  }
  j = nlohmann::json::parse(ReportToJson(Shard(0, 1, {})).dump());
  j["mmcheck_report"] = 99;
  EXPECT_THROW(ReportFromJson(j, "r"), model::ModelInputError);
}

TEST(Report, VerdictFollowsTheResults) {
  EXPECT_EQ(VerdictOf(Shard(0, 1, {Result("a", true, ResultStatus::kFound, 2)})),
            Verdict::kAsExpected);
  EXPECT_EQ(VerdictOf(Shard(0, 1, {Result("w", false, ResultStatus::kWarning, 2)})),
            Verdict::kAsExpected)
      << "advisory warnings never fail a run";
  EXPECT_EQ(VerdictOf(Shard(0, 1, {Result("d", false, ResultStatus::kConsequence)})),
            Verdict::kAsExpected);
  EXPECT_EQ(VerdictOf(Shard(0, 1, {Result("a", true, ResultStatus::kMissing)})),
            Verdict::kInconclusive)
      << "an expected violation not found: the budget may be too short, not news";
  EXPECT_EQ(VerdictOf(Shard(0, 1, {Result("a", true, ResultStatus::kUnreachable)})),
            Verdict::kAsExpected)
      << "the report names what the universe lacks";
  EXPECT_EQ(VerdictOf(Shard(0, 1, {Result("b", false, ResultStatus::kUnexpected, 2)})),
            Verdict::kUnexpected);
  Report interrupted = Shard(0, 1, {Result("a", true, ResultStatus::kIncomplete)});
  interrupted.interrupted = true;
  interrupted.complete = false;
  EXPECT_EQ(VerdictOf(interrupted), Verdict::kInconclusive);
  interrupted.profiles[0].results.push_back(Result("b", false, ResultStatus::kUnexpected, 2));
  EXPECT_EQ(VerdictOf(interrupted), Verdict::kUnexpected)
      << "an unexpected result wins over an interrupt";
}

TEST(Report, JunitHasATestcasePerResultAndFailuresForUnexpected) {
  std::string xml = RenderJunit(Shard(
      0, 1,
      {Result("a", true, ResultStatus::kFound, 3), Result("b", false, ResultStatus::kUnexpected, 4),
       Result("c", true, ResultStatus::kMissing), Result("e", false, ResultStatus::kClean)}));
  EXPECT_NE(
      xml.find("<testsuites name=\"mmcheck campaign\" tests=\"4\" failures=\"2\" skipped=\"0\">"),
      std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<testcase classname=\"p\" name=\"e\"/>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<failure type=\"unexpected\" message=\"unexpected violation of b\">"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<failure type=\"missing\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("&lt;detail&gt; &amp; more"), std::string::npos) << "escaped: " << xml;
  EXPECT_EQ(xml.find("<detail>"), std::string::npos);
}

TEST(Report, TextTableListsFindingsAndSummarisesCleanProperties) {
  std::string text = RenderText(Shard(0, 1,
                                      {Result("mapcount", true, ResultStatus::kFound, 2),
                                       Result("rss", false, ResultStatus::kConsequence),
                                       Result("swap", false, ResultStatus::kClean)}),
                                "out", false);
  EXPECT_NE(text.find("expected, found"), std::string::npos) << text;
  EXPECT_NE(text.find("traces in out/\n"), std::string::npos) << text;
  EXPECT_NE(text.find("expected, found, 2 steps\n    p--mapcount.mmtrace\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find(" 0 unexpected,\n  "), std::string::npos) << "summary wrapped: " << text;
  for (size_t at = 0, nl; at < text.size(); at = nl + 1) {
    nl = text.find('\n', at);
    EXPECT_LE(nl - at, 75u) << text.substr(at, nl - at);
  }
  EXPECT_NE(text.find("(2 more properties)"), std::string::npos) << text;
  EXPECT_NE(text.find("clean, 1 consequences"), std::string::npos) << text;
  EXPECT_EQ(text.find("swap"), std::string::npos) << text;
  EXPECT_NE(
      RenderText(Shard(0, 1, {Result("swap", false, ResultStatus::kClean)}), "", true).find("swap"),
      std::string::npos);
  const std::string wide = RenderText(
      Shard(0, 1, {Result("mapcount", true, ResultStatus::kFound, 2)}), "out", false, true);
  EXPECT_NE(wide.find("out/p--mapcount.mmtrace (2 steps)"), std::string::npos) << wide;
  EXPECT_NE(wide.find("0 unexpected, 0 warnings"), std::string::npos) << wide;
}

TEST(Report, MergeTakesTheStrongestResultAndTheShortestTrace) {
  Report s0 = Shard(
      0, 2,
      {Result("a", true, ResultStatus::kFound, 4), Result("b", true, ResultStatus::kMissing),
       Result("c", true, ResultStatus::kMissing), Result("d", false, ResultStatus::kConsequence),
       Result("e", false, ResultStatus::kClean)},
      100);
  Report s1 = Shard(
      1, 2,
      {Result("a", true, ResultStatus::kFound, 2), Result("b", true, ResultStatus::kFound, 5),
       Result("c", true, ResultStatus::kMissing), Result("d", false, ResultStatus::kConsequence),
       Result("e", false, ResultStatus::kUnexpected, 3)},
      50);
  s0.profiles[0].results[3].consequences = 2;
  s1.profiles[0].results[3].consequences = 3;
  Report m = MergeReports({s0, s1}, {"s0/report.json", "s1/report.json"});
  ASSERT_EQ(m.profiles.size(), 1u);
  const ProfileReport& p = m.profiles[0];
  EXPECT_EQ(p.steps, 150);
  EXPECT_EQ(p.cases, 20);
  EXPECT_EQ(m.shards, (std::vector<int>{0, 1}));
  EXPECT_TRUE(m.complete);
  EXPECT_EQ(p.results[0].status, ResultStatus::kFound);
  EXPECT_EQ(p.results[0].trace_steps, 2);
  EXPECT_EQ(p.results[0].shard, 1);
  EXPECT_EQ(p.results[1].status, ResultStatus::kFound);
  EXPECT_EQ(p.results[1].shard, 1);
  EXPECT_EQ(p.results[2].status, ResultStatus::kMissing);
  EXPECT_EQ(p.results[3].status, ResultStatus::kConsequence);
  EXPECT_EQ(p.results[3].consequences, 5);
  EXPECT_EQ(p.results[4].status, ResultStatus::kUnexpected);
  EXPECT_EQ(VerdictOf(m), Verdict::kUnexpected);
  // Merging is order-independent.
  Report m2 = MergeReports({s1, s0}, {});
  EXPECT_EQ(m2.profiles, m.profiles);
}

TEST(Report, MergeRejectsReportsThatDoNotBelongTogether) {
  Report s0 = Shard(0, 2, {Result("a", true, ResultStatus::kFound, 2)});
  EXPECT_THROW(MergeReports({s0, s0}, {"a", "b"}), model::ModelInputError);  // the same shard twice
  Report other = Shard(1, 2, {});
  other.seed = 6;
  EXPECT_THROW(MergeReports({s0, other}, {"a", "b"}), model::ModelInputError);
  other = Shard(1, 3, {});
  EXPECT_THROW(MergeReports({s0, other}, {"a", "b"}), model::ModelInputError);
  // One shard of two: not complete, so inconclusive.
  Report half = MergeReports({s0}, {"a"});
  EXPECT_FALSE(half.complete);
  EXPECT_EQ(VerdictOf(half), Verdict::kInconclusive);
}

// report --since: per (profile, property), new failures, fixed ones and those still failing.
Report RunOf(const std::vector<std::tuple<std::string, std::string, ResultStatus>>& rows) {
  Report r;
  for (const auto& [profile, property, status] : rows) {
    if (r.profiles.empty() || r.profiles.back().name != profile) r.profiles.push_back({});
    r.profiles.back().name = profile;
    PropertyResult res;
    res.property = property;
    res.status = status;
    r.profiles.back().results.push_back(res);
  }
  return r;
}

TEST(CompareRuns, NewFixedAndStillFailing) {
  const Report before = RunOf({{"a", "p", ResultStatus::kUnexpected},
                               {"a", "q", ResultStatus::kMissing},
                               {"a", "r", ResultStatus::kClean},
                               {"gone", "p", ResultStatus::kClean}});
  const Report now = RunOf({{"a", "p", ResultStatus::kClean},
                            {"a", "q", ResultStatus::kMissing},
                            {"a", "r", ResultStatus::kUnexpected},
                            {"b", "p", ResultStatus::kMissing}});
  const RunComparison c = CompareRuns(now, before);
  ASSERT_EQ(c.news.size(), 2u);
  EXPECT_EQ(c.news[0].property, "r");
  EXPECT_EQ(c.news[0].before, "clean");
  EXPECT_EQ(c.news[1].profile, "b");
  EXPECT_EQ(c.news[1].before, "absent");
  ASSERT_EQ(c.fixed.size(), 1u);
  EXPECT_EQ(c.fixed[0].property, "p");
  ASSERT_EQ(c.still.size(), 1u);
  EXPECT_EQ(c.still[0].property, "q");
  EXPECT_EQ(c.gone, std::vector<std::string>{"gone"});
  const std::string text = RenderComparison(c, "now", "old", false);
  EXPECT_NE(text.find("2 new, 1 fixed, 1 still failing"), std::string::npos) << text;
  // Nothing changes between a run and itself but what still fails.
  const RunComparison same = CompareRuns(now, now);
  EXPECT_TRUE(same.news.empty());
  EXPECT_TRUE(same.fixed.empty());
  EXPECT_EQ(same.still.size(), 3u);
}

}  // namespace
}  // namespace mmcheck::traces
