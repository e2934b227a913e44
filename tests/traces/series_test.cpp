// SPDX-License-Identifier: GPL-2.0
// verify-series' judgement (traces/series.h): loading a series, fixes and introductions between
// prefixes, and the patch that breaks bisectability, on reports built by hand (the campaign
// itself runs in the verify_series_cli test).
#include "traces/series.h"

#include <gtest/gtest.h>

#include <string>

namespace mmcheck::traces {
namespace {

TEST(Series, LoadsTheBuiltInHildenbrandSeries) {
  const Series s = LoadSeries("hildenbrand-v2");
  EXPECT_EQ(s.base.name, "linux-6.14");
  ASSERT_EQ(s.patches.size(), 17u);
  EXPECT_EQ(s.patches[0].profile.name, "hildenbrand-v2-01");
  EXPECT_EQ(s.patches[0].title, "mm/gup: reject FOLL_SPLIT_PMD with hugetlb VMAs");
  EXPECT_EQ(s.patches[15].declared_fixes.size(), 3u);
  EXPECT_FALSE(s.patches[7].note.empty());  // uprobes are not modelled
}

TEST(Series, UnknownNamesListTheBuiltInSeries) {
  try {
    LoadSeries("no-such-series");
    FAIL();
  } catch (const model::ModelInputError& e) {
    EXPECT_NE(std::string(e.what()).find("hildenbrand-v2"), std::string::npos) << e.what();
  }
}

// A report in which each profile violates exactly `violated[profile]`.
Report ReportOf(const Series& s, const std::vector<std::vector<std::string>>& violated) {
  Report r;
  r.universe = "u";
  r.complete = true;
  std::vector<const model::Profile*> ps = {&s.base};
  for (const SeriesPatch& p : s.patches) ps.push_back(&p.profile);
  for (size_t i = 0; i < ps.size(); ++i) {
    ProfileReport pr;
    pr.name = ps[i]->name;
    pr.complete = true;
    for (const std::string& v : violated[i]) {
      PropertyResult res;
      res.property = v;
      res.expected = ps[i]->ExpectsViolation(v);
      res.status = res.expected ? ResultStatus::kFound : ResultStatus::kUnexpected;
      pr.results.push_back(res);
    }
    r.profiles.push_back(pr);
  }
  return r;
}

// What each prefix of hildenbrand-v2 expects, as the campaign would report it when it finds
// everything.
std::vector<std::vector<std::string>> Expected(const Series& s) {
  std::vector<std::vector<std::string>> out;
  std::vector<std::string> base;
  for (const auto& e : s.base.expect) base.push_back(e.property);
  out.push_back(base);
  for (const SeriesPatch& p : s.patches) {
    std::vector<std::string> v;
    for (const auto& e : p.profile.expect) v.push_back(e.property);
    out.push_back(v);
  }
  return out;
}

TEST(Series, AsExpectedWhenEveryPrefixShowsItsExpectations) {
  const Series s = LoadSeries("hildenbrand-v2");
  const SeriesVerdict v = JudgeSeries(s, ReportOf(s, Expected(s)));
  EXPECT_EQ(v.verdict, Verdict::kAsExpected);
  EXPECT_TRUE(v.breaks_bisectability.empty());
  ASSERT_EQ(v.rows.size(), 18u);
  EXPECT_EQ(v.rows[1].fixes, std::vector<std::string>{"no-kernel-bug"});
  // The garbage-subpage corruption goes with the patch the series says fixes it (10-12/17).
  size_t corruption = 0;
  for (size_t i = 0; i < s.patches.size(); ++i)
    for (const std::string& f : s.patches[i].declared_fixes)
      if (f == "no-memory-corruption") corruption = i + 1;
  ASSERT_GE(corruption, 10u);
  ASSERT_LE(corruption, 12u);
  EXPECT_EQ(v.rows[corruption].fixes, std::vector<std::string>{"no-memory-corruption"});
  EXPECT_EQ(v.rows[16].fixes.size(), 3u);
  for (const PrefixRow& r : v.rows) EXPECT_TRUE(r.introduces.empty()) << r.label;
  const std::string text = RenderSeriesText(v, false);
  size_t longest = 0, start = 0;
  for (size_t nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', start = nl + 1))
    longest = std::max(longest, nl - start);
  EXPECT_LE(longest, 75u) << text;
  EXPECT_NE(text.find("nothing introduced"), std::string::npos) << text;
}

TEST(Series, AnUnexpectedNewViolationNamesThePatch) {
  const Series s = LoadSeries("hildenbrand-v2");
  std::vector<std::vector<std::string>> seen = Expected(s);
  seen[5].push_back("no-kernel-bug");  // 05/17 brings the BUG back
  const SeriesVerdict v = JudgeSeries(s, ReportOf(s, seen));
  EXPECT_EQ(v.verdict, Verdict::kUnexpected);
  EXPECT_NE(v.breaks_bisectability.find("05/17"), std::string::npos) << v.breaks_bisectability;
  EXPECT_EQ(v.rows[5].introduces, std::vector<std::string>{"no-kernel-bug"});
  EXPECT_EQ(v.rows[6].fixes, std::vector<std::string>{"no-kernel-bug"});
  EXPECT_NE(RenderSeriesMarkdown(v).find("unexpected: no-kernel-bug"), std::string::npos);
}

TEST(Series, AnExpectationNotSeenIsNotAsExpected) {
  const Series s = LoadSeries("hildenbrand-v2");
  std::vector<std::vector<std::string>> seen = Expected(s);
  seen[0].clear();  // the base shows nothing
  const SeriesVerdict v = JudgeSeries(s, ReportOf(s, seen));
  EXPECT_EQ(v.verdict, Verdict::kUnexpected);
  EXPECT_EQ(v.rows[0].missing.size(), s.base.expect.size());
  EXPECT_TRUE(v.breaks_bisectability.empty());
}

}  // namespace
}  // namespace mmcheck::traces
