// model/profile and model/universe: built-in profiles, series expansion,
// and bad input answered with file:line:col.
#include <gtest/gtest.h>

#include "model/profile.h"
#include "model/universe.h"

namespace mmcheck {
namespace {

using model::ModelInputError;
using model::ProfileSet;

// The error message of `f`, or "" if it did not throw ModelInputError.
template <typename F>
std::string ErrorOf(F&& f) {
  try {
    f();
  } catch (const ModelInputError& e) {
    return e.what();
  }
  return "";
}

TEST(BuiltinProfiles, SeriesExpandIntoPrefixes) {
  const ProfileSet& s = ProfileSet::Builtin();
  for (int i = 1; i <= 17; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "hildenbrand-v2-%02d", i);
    EXPECT_NE(s.Find(name), nullptr) << name;
  }
  EXPECT_EQ(s.Find("hildenbrand-v2-18"), nullptr);
  EXPECT_NE(s.Find("hildenbrand-v1-12"), nullptr);
  // 15 -> 16 changes exactly the mapcount knob and clears three expectations.
  const model::Profile* p15 = s.Find("hildenbrand-v2-15");
  const model::Profile* p16 = s.Find("hildenbrand-v2-16");
  EXPECT_TRUE(p15->ExpectsViolation("mapcount-matches-mappings"));
  EXPECT_FALSE(p16->ExpectsViolation("mapcount-matches-mappings"));
  EXPECT_FALSE(p16->ExpectsViolation("reclaim-makes-progress"));
  model::Knobs k = p15->knobs;
  k.device_exclusive_mapcount = model::DeviceExclusiveMapcount::kKept;
  EXPECT_EQ(k, p16->knobs);
}

TEST(BuiltinProfiles, Linux615ExpectsNoPropertyViolation) {
  const model::Profile* p = ProfileSet::Builtin().Find("linux-6.15");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->expect.empty());
  EXPECT_EQ(p->knobs.restore_notifier_event, model::RestoreNotifierEvent::kClear);
  EXPECT_EQ(ProfileSet::Builtin().Find("linux-6.14")->expect.size(), 5u);
}

// linux-6.12 (Debian 6.12.118, read from linux-source-6.12): linux-6.14 plus
// the stable backports of hildenbrand-v2 01, 02 and 10 (08, uprobes, changes
// no knob); the hugetlb BUG is gone, the other four 6.14 violations remain.
TEST(BuiltinProfiles, Linux612IsLinux614WithItsStableBackports) {
  const model::Profile* p = ProfileSet::Builtin().Find("linux-6.12");
  ASSERT_NE(p, nullptr);
  model::Knobs k = ProfileSet::Builtin().Find("linux-6.14")->knobs;
  k.gup_split_pmd_hugetlb = model::GupSplitPmdHugetlb::kReject;
  k.make_exclusive_rejects_hugetlb = model::MakeExclusiveRejectsHugetlb::kYes;
  k.try_to_unmap_nonpresent = model::NonPresentPfn::kSwpOffset;
  EXPECT_EQ(p->knobs, k);
  EXPECT_EQ(p->expect.size(), 4u);
  EXPECT_FALSE(p->ExpectsViolation("no-kernel-bug"));
  for (const char* prop : {"no-memory-corruption", "mapcount-matches-mappings",
                           "reclaim-makes-progress", "migration-makes-progress"})
    EXPECT_TRUE(p->ExpectsViolation(prop)) << prop;
}

TEST(ProfileFiles, UnknownKnobNamesFileLineColumn) {
  ProfileSet s = ProfileSet::Builtin();
  std::string e = ErrorOf([&] {
    s.AddFile("my.toml", "[profile]\nname = \"x\"\ndoc = \"d\"\nkernel = \"k\"\n\n[knobs]\n"
                         "no_such_knob = \"yes\"\n");
  });
  EXPECT_EQ(e.rfind("my.toml:7:1:", 0), 0u) << e;
  EXPECT_NE(e.find("unknown knob 'no_such_knob'"), std::string::npos) << e;
}

TEST(ProfileFiles, BadValueListsAcceptedValues) {
  ProfileSet s = ProfileSet::Builtin();
  std::string e = ErrorOf([&] {
    s.AddFile("my.toml", "[profile]\nname = \"x\"\ndoc = \"d\"\nkernel = \"k\"\n[knobs]\n"
                         "device_exclusive_mapcount = \"sometimes\"\n");
  });
  EXPECT_EQ(e.rfind("my.toml:6:", 0), 0u) << e;
  EXPECT_NE(e.find("accepted: dropped, kept"), std::string::npos) << e;
}

TEST(ProfileFiles, MalformedTomlAndMissingKeys) {
  ProfileSet s = ProfileSet::Builtin();
  EXPECT_EQ(ErrorOf([&] { s.AddFile("a.toml", "[profile\nname = 1\n"); }).rfind("a.toml:1:", 0),
            0u);
  std::string e = ErrorOf([&] { s.AddFile("b.toml", "[profile]\nname = \"x\"\n"); });
  EXPECT_NE(e.find("missing key 'doc'"), std::string::npos) << e;
  e = ErrorOf([&] { s.AddFile("c.toml", "x = 1\n"); });
  EXPECT_NE(e.find("[profile] or a [series]"), std::string::npos) << e;
  e = ErrorOf([&] {
    s.AddFile("d.toml", "[profile]\nname = \"x\"\ndoc = \"d\"\nkernel = \"k\"\nbase = \"nope\"\n");
  });
  EXPECT_NE(e.find("d.toml:5:"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown base profile 'nope'"), std::string::npos) << e;
}

TEST(ProfileFiles, ContradictoryKnobsRejected) {
  ProfileSet s = ProfileSet::Builtin();
  std::string e = ErrorOf([&] {
    s.AddFile("c.toml", "[profile]\nname = \"x\"\ndoc = \"d\"\nkernel = \"k\"\n[knobs]\n"
                        "make_exclusive_lock = \"lock-retry\"\n");
  });
  EXPECT_NE(e.find("contradictory knobs"), std::string::npos) << e;
}

TEST(ProfileFiles, SeriesPatchMustFixAnExpectedViolation) {
  ProfileSet s = ProfileSet::Builtin();
  std::string e = ErrorOf([&] {
    s.AddFile("s.toml",
              "[series]\nname = \"s\"\ndoc = \"d\"\nbase = \"linux-6.15\"\n[[patch]]\nnumber = 1\n"
              "title = \"t\"\nfixes = [\"mapcount-matches-mappings\"]\n");
  });
  EXPECT_NE(e.find("s.toml:8:"), std::string::npos) << e;
  EXPECT_NE(e.find("does not expect"), std::string::npos) << e;
  e = ErrorOf([&] {
    s.AddFile("n.toml", "[series]\nname = \"s\"\ndoc = \"d\"\nbase = \"linux-6.15\"\n[[patch]]\n"
                        "number = 2\ntitle = \"t\"\n");
  });
  EXPECT_NE(e.find("out of order"), std::string::npos) << e;
}

TEST(ResolveProfile, UnknownNameListsBuiltins) {
  std::string e = ErrorOf([] { model::ResolveProfile("linux-9.99"); });
  EXPECT_NE(e.find("unknown profile 'linux-9.99'"), std::string::npos) << e;
  EXPECT_NE(e.find("linux-6.15"), std::string::npos) << e;
  e = ErrorOf([] { model::ResolveProfile("/nonexistent/x.toml"); });
  EXPECT_NE(e.find("cannot open"), std::string::npos) << e;
}

TEST(ApplyKnobOverride, ValidatesNameValueAndConsistency) {
  model::Profile p = model::ResolveProfile("linux-6.14");
  model::ApplyKnobOverride(p, "device_exclusive_entry=single");
  EXPECT_EQ(p.knobs.device_exclusive_entry, model::DeviceExclusiveEntry::kSingle);
  EXPECT_NE(ErrorOf([&] { model::ApplyKnobOverride(p, "nope=1"); }).find("unknown knob"),
            std::string::npos);
  EXPECT_NE(ErrorOf([&] { model::ApplyKnobOverride(p, "device_exclusive_entry"); })
                .find("expected name=value"),
            std::string::npos);
  EXPECT_NE(ErrorOf([&] { model::ApplyKnobOverride(p, "make_exclusive_lock=lock-retry"); })
                .find("contradictory"),
            std::string::npos);
}

TEST(Universe, ParseAndValidate) {
  model::Universe u = model::ParseUniverse("mms=1,pages=8,folios=3,swap=2,devices=1,pmd_order=1");
  EXPECT_EQ(u.mms, 1);
  EXPECT_EQ(u.pages, 8);
  EXPECT_EQ(u.PmdPages(), 2);
  EXPECT_EQ(model::ParseUniverse(u.ToString()), u);
  EXPECT_NE(ErrorOf([] { model::ParseUniverse("mms=0"); }).find("mms=0 is out of range"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] { model::ParseUniverse("pages=100000"); }).find("out of range"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] { model::ParseUniverse("pages=6"); }).find("multiple of the PMD size"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] { model::ParseUniverse("bogus=1"); }).find("unknown key"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] { model::ParseUniverse("mms=x"); }).find("not a number"),
            std::string::npos);
}

TEST(Universe, KeyGivenTwiceIsAnError) {
  EXPECT_NE(ErrorOf([] { model::ParseUniverse("mms=2,mms=1"); }).find("key 'mms' is given twice"),
            std::string::npos);
}

// min_universe: lower bounds for counts, an upper bound for pmd_order.
TEST(UniverseNeeds, ParseCoverAndMeet) {
  model::UniverseNeeds n = model::ParseUniverseNeeds("devices=2,pmd_order=1,device_pages=2");
  EXPECT_EQ(n.ToString(), "devices=2,pmd_order=1,device_pages=2");
  model::Universe u;  // devices=1, pmd_order=2, device_pages=0
  EXPECT_EQ(n.MissingIn(u), "devices=2 (has 1), pmd_order=1 (has 2), device_pages=2 (has 0)");
  EXPECT_EQ(n.MissingIn(model::ParseUniverse("devices=3,pmd_order=1,device_pages=4")), "");
  EXPECT_EQ(model::UniverseNeeds{}.MissingIn(u), "");

  model::Universe m = model::UniverseMeeting(
      {model::ParseUniverseNeeds("device_pages=1"), n, model::ParseUniverseNeeds("mms=3")});
  EXPECT_EQ(m.ToString(), "mms=3,pages=4,folios=6,swap=4,devices=2,pmd_order=1,device_pages=2");
  EXPECT_EQ(model::UniverseMeeting({}), model::Universe{});
  EXPECT_NE(ErrorOf([] { model::ParseUniverseNeeds("devices=9"); }).find("out of range"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] { model::ParseUniverseNeeds("devices=1,devices=2"); }).find("given twice"),
            std::string::npos);
}

TEST(ProfileFiles, MinUniverseIsInheritedAndChecked) {
  ProfileSet s = ProfileSet::Builtin();
  s.AddFile("a.toml",
            "[profile]\nname = \"a\"\ndoc = \"d\"\nkernel = \"k\"\nbase = \"linux-6.15\"\n"
            "min_universe = \"device_pages=1\"\n");
  s.AddFile("b.toml", "[profile]\nname = \"b\"\ndoc = \"d\"\nkernel = \"k\"\nbase = \"a\"\n");
  EXPECT_EQ(s.Find("b")->needs.ToString(), "device_pages=1");
  EXPECT_TRUE(s.Find("linux-6.15")->needs.empty());
  EXPECT_NE(ErrorOf([&] {
              s.AddFile("c.toml",
                        "[profile]\nname = \"c\"\ndoc = \"d\"\nkernel = \"k\"\n"
                        "min_universe = \"devices=x\"\n");
            }).find("c.toml:5:16: min_universe: universe: devices='x' is not a number"),
            std::string::npos);
}

// Every built-in profile that expects a violation the default universe
// cannot reach says so: the campaign's default universe meets them all.
TEST(BuiltinProfiles, DeviceMemoryProfilesNameTheirMinUniverse) {
  const ProfileSet& s = ProfileSet::Builtin();
  for (const char* name : {"niethe-v1", "niethe-v6-ttu-sync", "balbir-v6-posted", "balbir-old-free"})
    EXPECT_FALSE(s.Find(name)->needs.empty()) << name;
  std::vector<model::UniverseNeeds> needs;
  for (const model::Profile& p : s.All()) needs.push_back(p.needs);
  EXPECT_EQ(model::UniverseMeeting(needs).ToString(),
            "mms=2,pages=4,folios=6,swap=4,devices=2,pmd_order=1,device_pages=2");
}

}  // namespace
}  // namespace mmcheck
