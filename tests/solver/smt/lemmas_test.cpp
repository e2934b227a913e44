// SPDX-License-Identifier: GPL-2.0
// Lemma verdicts: every built-in profile against its [[expect]] list, the
// refutations the kernel history predicts, and each refutation's witness
// evaluated with the concrete functions of model/kernel/ (never by comparing
// Z3's exact values, which may differ between Z3 versions).
#include "solver/smt/lemmas.h"

#include <gtest/gtest.h>

#include <z3++.h>

#include "model/kernel/encoding_config.h"
#include "solver/smt/query.h"
#include "tests/solver/smt/builtin_profile.h"

namespace mmcheck::solver::smt {
namespace {

namespace k = model::kernel;

using testing::Builtin;

LemmaResult ProveOne(const model::Profile& p, const std::string& lemma) {
  LemmaOptions o;
  o.lemmas = {lemma};
  return ProveLemmas(p, o).at(0);
}

LemmaResult ProveOne(const k::EncodingConfig& c, const std::string& lemma) {
  LemmaOptions o;
  o.lemmas = {lemma};
  return ProveLemmas(c, o).at(0);
}

Values W(const LemmaResult& r) {
  return ToValues(r.witness);
}

// A refutation that came with a witness Z3 found and model/kernel/ replayed.
void ExpectWitnessedRefutation(const LemmaResult& r) {
  EXPECT_EQ(r.verdict, Verdict::kRefuted) << r.lemma << ": " << r.explanation;
  EXPECT_TRUE(r.witness_replayed) << r.lemma;
  EXPECT_FALSE(r.witness.empty()) << r.lemma;
  EXPECT_TRUE(r.unsat_core.empty()) << r.lemma;
}

TEST(SmtLemmas, NamesAreStableKebabCaseWithDocs) {
  ASSERT_EQ(LemmaNames().size(), 16u);
  for (const std::string& name : LemmaNames()) {
    EXPECT_TRUE(IsLemma(name));
    EXPECT_FALSE(LemmaDoc(name).empty()) << name;
    for (char c : name) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
  }
  EXPECT_FALSE(IsLemma("mapcount-matches-mappings"));
  LemmaOptions bad;
  bad.lemmas = {"no-such-lemma"};
  EXPECT_THROW(ProveLemmas(k::EncodingConfig{}, bad), std::invalid_argument);
}

// The data test: every built-in profile gets exactly the verdicts its
// [[expect]] list predicts, and no lemma is unknown.
TEST(SmtLemmas, EveryBuiltinProfileAsExpected) {
  for (const model::Profile& p : model::ProfileSet::Builtin().All()) {
    for (const LemmaResult& r : ProveLemmas(p, LemmaOptions{})) {
      EXPECT_EQ(Judge(p, r), Outcome::kAsExpected)
          << p.name << " " << r.lemma << ": " << VerdictName(r.verdict) << " [" << r.failing_case
          << "] " << FormatWitness(r.witness) << " " << r.explanation;
      if (r.verdict == Verdict::kRefuted) {
        EXPECT_TRUE(r.witness_replayed) << p.name << r.lemma;
      }
      if (r.verdict == Verdict::kProved) {
        EXPECT_FALSE(r.unsat_core.empty()) << p.name << r.lemma;
      }
    }
  }
}

// Results are cached per lemma on the part of the configuration it reads;
// the cache must give what a fresh proof gives.
TEST(SmtLemmas, CachedEqualsUncached) {
  for (const char* name : {"linux-6.14", "niethe-v2-arch64", "niethe-v6-ttu-sync"}) {
    const model::Profile& p = Builtin(name);
    const std::vector<LemmaResult> cached = ProveLemmas(p, LemmaOptions{});
    const std::vector<LemmaResult> fresh =
        ProveLemmas(model::kernel::EncodingConfigFor(p.knobs), LemmaOptions{});
    ASSERT_EQ(cached.size(), fresh.size());
    for (size_t i = 0; i < cached.size(); ++i) {
      EXPECT_EQ(cached[i].lemma, fresh[i].lemma);
      EXPECT_EQ(cached[i].verdict, fresh[i].verdict) << name << " " << cached[i].lemma;
      EXPECT_EQ(cached[i].failing_case, fresh[i].failing_case) << name << " " << cached[i].lemma;
      EXPECT_EQ(cached[i].profile, name);
      EXPECT_EQ(fresh[i].profile, "");
    }
  }
}

TEST(SmtLemmas, ProvedResultsNameTheirAssumptions) {
  const LemmaResult r = ProveOne(Builtin("linux-6.15"), "pvmw-match-complete");
  ASSERT_EQ(r.verdict, Verdict::kProved);
  EXPECT_EQ(r.cases, 2);  // check_pte, check_pmd
  bool goal = false;
  for (const std::string& c : r.unsat_core) goal = goal || c == "negated-goal:pvmw-match-complete";
  EXPECT_TRUE(goal) << "the core must contain the negated goal";
}

TEST(SmtLemmas, NietheV2LosesBit63OnlyWith64BitPfns) {
  for (const char* lemma : {"pvmw-encoding-injective", "pvmw-match-sound", "pvmw-match-complete"}) {
    EXPECT_EQ(ProveOne(Builtin("niethe-v2"), lemma).verdict, Verdict::kProved) << lemma;
    EXPECT_EQ(ProveOne(Builtin("niethe-v6-arch64"), lemma).verdict, Verdict::kProved) << lemma;
  }
  const LemmaResult r = ProveOne(Builtin("niethe-v2-arch64"), "pvmw-encoding-injective");
  ExpectWitnessedRefutation(r);
  const Values v = W(r);
  // The witness: two different numbers (they can only differ in bit 63) with one walk.
  const uint64_t a = v.at("pfn_a"), b = v.at("pfn_b");
  const bool dp_a = v.at("device_private_a"), dp_b = v.at("device_private_b");
  EXPECT_EQ(k::DefineFolioVmaWalk(k::PvmwScheme::kPfnShift, a, 1, dp_a, 0),
            k::DefineFolioVmaWalk(k::PvmwScheme::kPfnShift, b, 1, dp_b, 0));
  EXPECT_NE(a, b);
  EXPECT_EQ(a ^ b, uint64_t{1} << 63);
}

TEST(SmtLemmas, NietheV2Arch64MatchesTheWrongFolio) {
  const LemmaResult r = ProveOne(Builtin("niethe-v2-arch64"), "pvmw-match-sound");
  ExpectWitnessedRefutation(r);
  const Values v = W(r);
  const bool pmd = r.failing_case == "check_pmd";
  const uint64_t pte_nr = pmd ? k::kHpagePmdNr : v.at("pte_nr");
  const k::PvmwWalk w = k::DefineFolioVmaWalk(k::PvmwScheme::kPfnShift, v.at("folio_pfn"),
                                              v.at("nr_pages"), v.at("folio_device_private"),
                                              static_cast<unsigned>(v.at("walk_flags")));
  EXPECT_TRUE(k::CheckPteMatch(k::PvmwScheme::kPfnShift, k::CheckPteForm::kTwoSided, w,
                               v.at("entry_pfn"), v.at("entry_device_private"), pte_nr));
  EXPECT_FALSE(k::RangesOverlap(v.at("entry_pfn"), pte_nr, v.at("folio_pfn"), v.at("nr_pages")));
  // Only possible through bit 63 of the folio's number.
  EXPECT_NE(v.at("folio_pfn") >> 63, 0u);
}

TEST(SmtLemmas, OneSidedCheckPteMissesHugetlb) {
  model::Profile p = Builtin("linux-6.15");
  model::ApplyKnobOverride(p, "check_pte_overlap=one-sided");
  const LemmaResult r = ProveOne(p, "check-pte-overlap-exact");
  ExpectWitnessedRefutation(r);
  EXPECT_EQ(Judge(p, r), Outcome::kUnexpectedRefutation);
  const Values v = W(r);
  EXPECT_GT(v.at("pte_nr"), 1u) << "bug 23 needs a hugetlb PTE";
  EXPECT_NE(
      k::CheckPteRange(k::CheckPteForm::kOneSided, v.at("entry_pfn"), v.at("pte_nr"),
                       v.at("walk_pfn"), v.at("nr_pages")),
      k::RangesOverlap(v.at("entry_pfn"), v.at("pte_nr"), v.at("walk_pfn"), v.at("nr_pages")));
  // The one-sided form is still sound and overflow-free in what it computes.
  EXPECT_EQ(ProveOne(p, "pvmw-match-sound").verdict, Verdict::kProved);
  EXPECT_EQ(ProveOne(p, "pvmw-match-complete").verdict, Verdict::kRefuted);
  const LemmaResult overflow = ProveOne(p, "check-pte-pmd-no-overflow");
  EXPECT_EQ(overflow.verdict, Verdict::kProved);
  EXPECT_EQ(overflow.notes.size(), 1u);
  // check_pmd was always two-sided.
  EXPECT_EQ(ProveOne(p, "check-pmd-overlap-exact").verdict, Verdict::kProved);
}

TEST(SmtLemmas, TtuSyncOverwriteDropsTheKind) {
  const LemmaResult r = ProveOne(Builtin("niethe-v6-ttu-sync"), "pvmw-ttu-sync-keeps-kind");
  ExpectWitnessedRefutation(r);
  const Values v = W(r);
  EXPECT_EQ(v.at("folio_device_private"), 1u);
  const k::PvmwWalk before = k::DefineFolioVmaWalk(k::PvmwScheme::kFlags, v.at("folio_pfn"), 1,
                                                   true, static_cast<unsigned>(v.at("walk_flags")));
  const k::PvmwWalk after{before.pfn, 1, k::TtuSyncWalkFlags(k::PvmwScheme::kFlags, true, true)};
  EXPECT_TRUE(k::PvmwWalkDevicePrivate(k::PvmwScheme::kFlags, before));
  EXPECT_FALSE(k::PvmwWalkDevicePrivate(k::PvmwScheme::kFlags, after));
  EXPECT_EQ(ProveOne(Builtin("niethe-v6"), "pvmw-ttu-sync-keeps-kind").verdict, Verdict::kProved);
  // v2 keeps the kind in pvmw->pfn, so the mainline overwrite is harmless there.
  EXPECT_EQ(ProveOne(Builtin("niethe-v2"), "pvmw-ttu-sync-keeps-kind").verdict, Verdict::kProved);
}

// Issue 13: x86-64's young helper tests _PAGE_ACCESSED (bit 5, outside the
// swap layout) first; arm64's clears PTE_AF, bit 10, the type's top bit.
TEST(SmtLemmas, YoungHelperKeepsSwapTypeOnlyOnX86) {
  EXPECT_EQ(ProveOne(Builtin("mainline"), "young-helper-keeps-swap-type").verdict,
            Verdict::kProved);
  EXPECT_EQ(ProveOne(Builtin("linux-6.12"), "young-helper-keeps-swap-type").verdict,
            Verdict::kProved);
  for (const char* name : {"mainline-arm64", "linux-6.12-arm64"}) {
    const model::Profile& p = Builtin(name);
    const LemmaResult r = ProveOne(p, "young-helper-keeps-swap-type");
    ExpectWitnessedRefutation(r);
    // Replay the witness on the arm64 layout: the type loses bit 4.
    const k::EncodingConfig c = k::EncodingConfigFor(p.knobs);
    ASSERT_EQ(c.arch, k::Arch::kArm64);
    const uint64_t offset = W(r).at("offset");
    bool some_type_changed = false;
    for (k::SwapKind kind : k::SpecialSwapKinds(c.swap)) {
      const uint64_t type = static_cast<uint64_t>(k::SwapType(c.swap, kind));
      const uint64_t after = k::ArchSwapType(
          k::kArm64Pte,
          k::ArchYoungHelper(k::kArm64Pte, k::ArchSwapPte(k::kArm64Pte, type, offset)));
      if (type >= 16) EXPECT_EQ(after, type - 16) << k::SwapKindName(kind);
      some_type_changed = some_type_changed || after != type;
    }
    EXPECT_TRUE(some_type_changed) << name;
  }
  // The same layouts with arch=x86-64 prove it: the architecture decides.
  k::EncodingConfig x86 = k::EncodingConfigFor(Builtin("mainline-arm64").knobs);
  x86.arch = k::Arch::kX86_64;
  EXPECT_EQ(ProveOne(x86, "young-helper-keeps-swap-type").verdict, Verdict::kProved);
}

TEST(SmtLemmas, NietheV1HmmFlagCollidesWithOrder) {
  const k::HmmPfnLayout l = k::kHmmPfnLayoutNietheV1;
  const LemmaResult r = ProveOne(Builtin("niethe-v1"), "hmm-pfn-round-trip");
  ExpectWitnessedRefutation(r);
  const Values v = W(r);
  const uint64_t flags = v.at("flags") | (v.at("device_private") ? k::HmmPfnDevicePrivate(l) : 0);
  const uint64_t h = k::HmmPfnEncode(l, v.at("pfn"), flags, v.at("order"));
  EXPECT_TRUE(k::hmm_pfn_to_map_order(l, h) != v.at("order") ||
              (h & k::HmmPfnFlagBits(l)) != flags);
  // The shared bit is bit 57 = bit 4 of the order field.
  EXPECT_TRUE(v.at("order") >= 16 || v.at("device_private") == 1);

  const LemmaResult d = ProveOne(Builtin("niethe-v1"), "hmm-pfn-flags-disjoint");
  ExpectWitnessedRefutation(d);
  EXPECT_EQ(W(d).at("bit"), 57u);
  EXPECT_NE(d.explanation.find("HMM_PFN_DEVICE_PRIVATE"), std::string::npos) << d.explanation;
  EXPECT_EQ(ProveOne(Builtin("niethe-v2"), "hmm-pfn-round-trip").verdict, Verdict::kProved);
}

TEST(SmtLemmas, HmmLayoutBeforeTheDmaSeries) {
  k::EncodingConfig c = model::kernel::EncodingConfigFor(Builtin("linux-6.15").knobs);
  c.hmm_pfn = k::kHmmPfnLayoutV6_14;  // BITS_PER_LONG - 8, no knob value names it yet
  EXPECT_EQ(ProveOne(c, "hmm-pfn-round-trip").verdict, Verdict::kProved);
  EXPECT_EQ(ProveOne(c, "hmm-pfn-flags-disjoint").verdict, Verdict::kProved);
}

TEST(SmtLemmas, SwapTypeCountThatForgetsANewTypeCollides) {
  // A Niethe-like patch adding three types but bumping SWP_DEVICE_NUM only to 5.
  k::EncodingConfig c;
  c.swap = {1, 3, 5};
  const LemmaResult r = ProveOne(c, "swap-special-types-distinct");
  ExpectWitnessedRefutation(r);
  const std::vector<k::SwapKind> kinds = k::SpecialSwapKinds(c.swap);
  const Values v = W(r);
  const int ta = k::SwapType(c.swap, kinds.at(v.at("kind_a")));
  const int tb = k::SwapType(c.swap, kinds.at(v.at("kind_b")));
  EXPECT_TRUE((v.at("kind_a") != v.at("kind_b") && ta == tb) || ta >= 32 ||
              ta < k::MaxSwapfiles(c.swap));
  EXPECT_EQ(ProveOne(k::EncodingConfig{}, "swap-special-types-distinct").verdict, Verdict::kProved);
}

TEST(SmtLemmas, SwapTypeExhaustionAndPfnBits) {
  k::EncodingConfig c;
  c.swap = {1, 26, 28};  // 28 device types: MAX_SWAPFILES = -1
  const LemmaResult r = ProveOne(c, "max-swapfiles-positive");
  ExpectWitnessedRefutation(r);
  EXPECT_EQ(static_cast<int32_t>(W(r).at("MAX_SWAPFILES")), k::MaxSwapfiles(c.swap));

  k::EncodingConfig wide;
  wide.swp_pfn_bits = 60;
  ExpectWitnessedRefutation(ProveOne(wide, "swp-type-shift-covers-pfn-bits"));
  const LemmaResult trip = ProveOne(wide, "swap-entry-round-trip");
  ExpectWitnessedRefutation(trip);
  const uint64_t pfn = W(trip).at("pfn");
  EXPECT_GE(pfn, uint64_t{1} << k::kSwpTypeShift) << "only PFNs above the offset field break";
}

TEST(SmtLemmas, JudgeComparesWithExpectations) {
  model::Profile p = Builtin("niethe-v2-arch64");
  LemmaResult proved;
  proved.lemma = "pvmw-encoding-injective";
  proved.verdict = Verdict::kProved;
  EXPECT_EQ(Judge(p, proved), Outcome::kExpectedRefutationProved);
  LemmaResult refuted = proved;
  refuted.verdict = Verdict::kRefuted;
  EXPECT_EQ(Judge(p, refuted), Outcome::kAsExpected);
  refuted.lemma = "swap-entry-round-trip";
  EXPECT_EQ(Judge(p, refuted), Outcome::kUnexpectedRefutation);
  LemmaResult unknown = refuted;
  unknown.verdict = Verdict::kUnknown;
  EXPECT_EQ(Judge(p, unknown), Outcome::kInconclusive);
}

TEST(SmtLemmas, TimeoutIsUnknownNeverProved) {
  // Factoring (2^32 - 5)(2^32 - 17) by bit-blasting does not finish in 20 ms.
  constexpr uint64_t kSemiprime = 0xffffffea00000055ULL;
  LemmaRun run("timeout-demo", k::EncodingConfig{}, /*timeout_ms=*/20);
  run.Case(
      "factor",
      [](Query& q) {
        z3::context& ctx = q.ctx();
        z3::expr x = q.Input("x"), y = q.Input("y");
        z3::expr two = ctx.bv_val(uint64_t{2}, 64), limit = ctx.bv_val(uint64_t{1} << 32, 64);
        q.Assume("pre:x-32-bit", z3::uge(x, two) && z3::ult(x, limit));
        q.Assume("pre:y-32-bit", z3::uge(y, two) && z3::ult(y, limit));
        return x * y != ctx.bv_val(kSemiprime, 64);
      },
      [](const Values& v) { return v.at("x") * v.at("y") != kSemiprime; });
  const LemmaResult r = run.Finish();
  EXPECT_NE(r.verdict, Verdict::kProved);
  if (r.verdict == Verdict::kUnknown) {
    EXPECT_FALSE(r.explanation.empty());
    EXPECT_TRUE(r.unsat_core.empty());
  } else {
    EXPECT_TRUE(r.witness_replayed);  // solved in time: then it is a real factorisation
  }
}

TEST(SmtLemmas, WitnessThatDoesNotReplayIsUnknown) {
  // A case whose concrete check disagrees with its symbolic goal is an mmcheck bug.
  LemmaRun run("disagreeing-demo", k::EncodingConfig{}, 1000);
  run.Case(
      "disagree", [](Query& q) { return q.Input("x") == q.ctx().bv_val(uint64_t{7}, 64); },
      [](const Values&) { return true; });
  const LemmaResult r = run.Finish();
  EXPECT_EQ(r.verdict, Verdict::kUnknown);
  EXPECT_FALSE(r.witness_replayed);
  EXPECT_NE(r.explanation.find("internal"), std::string::npos);
}

TEST(SmtLemmas, FormatWitnessInHex) {
  EXPECT_EQ(FormatWitness({{"pfn_a", uint64_t{1} << 63}, {"pfn_b", 0}}),
            "pfn_a=0x8000000000000000 pfn_b=0x0");
  EXPECT_EQ(FormatWitness({}), "");
}

}  // namespace
}  // namespace mmcheck::solver::smt
