// SPDX-License-Identifier: GPL-2.0
// The Z3 mirrors (solver/smt/symbolic_encodings.h) compute what the concrete
// encodings (model/kernel/) compute: both are evaluated on seeded random
// inputs biased towards edges (0, powers of two +-1, bit 63). The seed is
// printed; rerun with MMCHECK_SEED=<seed> to replay.
#include "solver/smt/symbolic_encodings.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

namespace mmcheck::solver::smt {
namespace {

namespace k = model::kernel;

uint64_t SeedFromEnv() {
  const char* s = std::getenv("MMCHECK_SEED");
  return s ? std::strtoull(s, nullptr, 0) : 20260301;
}

class SmtSymbolicConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    seed_ = SeedFromEnv();
    rng_.seed(seed_);
    std::printf("SmtSymbolicConformance seed: %llu (replay: MMCHECK_SEED=%llu)\n",
                static_cast<unsigned long long>(seed_), static_cast<unsigned long long>(seed_));
  }

  // A 64-bit value: uniform, small, or next to a power of two.
  uint64_t Value() {
    switch (rng_() % 4) {
      case 0:
        return rng_();
      case 1:
        return rng_() % 1024;
      case 2: {
        const uint64_t p = uint64_t{1} << (rng_() % 64);
        return p + (rng_() % 3) - 1;
      }
      default:
        return rng_() & ((uint64_t{1} << (rng_() % 64)) - 1);
    }
  }
  bool Bool() { return rng_() & 1; }

  uint64_t Eval(const z3::expr& e) {
    z3::expr s = e.simplify();
    uint64_t v = 0;
    EXPECT_TRUE(s.is_numeral_u64(v)) << s.to_string() << " (seed " << seed_ << ")";
    return v;
  }
  bool EvalBool(const z3::expr& e) {
    z3::expr s = e.simplify();
    EXPECT_TRUE(s.is_true() || s.is_false()) << s.to_string() << " (seed " << seed_ << ")";
    return s.is_true();
  }
  z3::expr U64(uint64_t v) { return sym::U64(ctx_, v); }
  z3::expr U32(uint32_t v) { return sym::U32(ctx_, v); }
  z3::expr B(bool b) { return ctx_.bool_val(b); }

  static constexpr int kRounds = 300;
  z3::context ctx_;
  std::mt19937_64 rng_;
  uint64_t seed_ = 0;
};

TEST_F(SmtSymbolicConformance, SwapEntries) {
  for (int i = 0; i < kRounds; ++i) {
    const uint64_t type = rng_() % 32, offset = Value();
    const int bits = (rng_() % 2) ? 40 : 52;
    const uint64_t e = k::swp_entry(type, offset);
    SCOPED_TRACE(testing::Message()
                 << "type " << type << " offset " << offset << " seed " << seed_);
    ASSERT_EQ(Eval(sym::swp_entry(U64(type), U64(offset))), e);
    ASSERT_EQ(Eval(sym::swp_type(U64(e))), k::swp_type(e));
    ASSERT_EQ(Eval(sym::swp_offset(U64(e))), k::swp_offset(e));
    ASSERT_EQ(Eval(sym::swp_offset_pfn(U64(e), bits)), k::swp_offset_pfn(e, bits));
    ASSERT_EQ(Eval(sym::make_migration_entry_young(U64(e), bits)),
              k::make_migration_entry_young(e, bits));
    ASSERT_EQ(Eval(sym::make_migration_entry_dirty(U64(e), bits)),
              k::make_migration_entry_dirty(e, bits));
    ASSERT_EQ(EvalBool(sym::is_migration_entry_young(U64(e), bits)),
              k::is_migration_entry_young(e, bits));
    ASSERT_EQ(EvalBool(sym::is_migration_entry_dirty(U64(e), bits)),
              k::is_migration_entry_dirty(e, bits));
  }
}

TEST_F(SmtSymbolicConformance, SwapTypeNumbering) {
  for (const k::SwapLayout& l : {k::kSwapLayoutOld, k::kSwapLayoutSingleExclusive,
                                 k::kSwapLayoutNiethe, k::SwapLayout{2, 3, 7}}) {
    ASSERT_EQ(static_cast<int32_t>(Eval(sym::MaxSwapfiles(ctx_, l))), k::MaxSwapfiles(l));
    for (k::SwapKind kind : k::SpecialSwapKinds(l))
      ASSERT_EQ(static_cast<int32_t>(Eval(sym::SwapType(ctx_, l, kind))), k::SwapType(l, kind))
          << k::SwapKindName(kind);
  }
}

TEST_F(SmtSymbolicConformance, PageVmaMappedWalk) {
  for (k::PvmwScheme s :
       {k::PvmwScheme::kRawPfn, k::PvmwScheme::kPfnShift, k::PvmwScheme::kFlags}) {
    for (int i = 0; i < kRounds; ++i) {
      const uint64_t pfn = Value(), nr = Value(), entry = Value(), pte_nr = Value();
      const bool dp = Bool(), edp = Bool(), overwrite = Bool();
      const unsigned flags = static_cast<unsigned>(rng_() % 4);
      SCOPED_TRACE(testing::Message()
                   << "scheme " << int(s) << " pfn " << pfn << " nr " << nr << " entry " << entry
                   << " pte_nr " << pte_nr << " seed " << seed_);
      const k::PvmwWalk w = k::DefineFolioVmaWalk(s, pfn, nr, dp, flags);
      const sym::Walk sw = sym::DefineFolioVmaWalk(s, U64(pfn), U64(nr), B(dp), U32(flags));
      ASSERT_EQ(Eval(sw.pfn), w.pfn);
      ASSERT_EQ(Eval(sw.flags), w.flags);
      ASSERT_EQ(EvalBool(sym::PvmwWalkDevicePrivate(s, sw)), k::PvmwWalkDevicePrivate(s, w));
      ASSERT_EQ(Eval(sym::PvmwWalkPfn(s, sw)), k::PvmwWalkPfn(s, w));
      ASSERT_EQ(Eval(sym::TtuSyncWalkFlags(ctx_, s, overwrite, B(dp))),
                k::TtuSyncWalkFlags(s, overwrite, dp));
      for (k::CheckPteForm form : {k::CheckPteForm::kOneSided, k::CheckPteForm::kTwoSided}) {
        ASSERT_EQ(EvalBool(sym::CheckPteRange(form, U64(entry), U64(pte_nr), U64(pfn), U64(nr))),
                  k::CheckPteRange(form, entry, pte_nr, pfn, nr));
        ASSERT_EQ(EvalBool(sym::CheckPteMatch(s, form, sw, U64(entry), B(edp), U64(pte_nr))),
                  k::CheckPteMatch(s, form, w, entry, edp, pte_nr));
      }
      if (nr != 0 && pte_nr != 0) {
        ASSERT_EQ(EvalBool(sym::RangesOverlap(U64(entry), U64(pte_nr), U64(pfn), U64(nr))),
                  k::RangesOverlap(entry, pte_nr, pfn, nr));
      }
    }
  }
}

TEST_F(SmtSymbolicConformance, MigrateAndHmmPfns) {
  for (int i = 0; i < kRounds; ++i) {
    const uint64_t pfn = Value(), flags = Value(), order = rng_() % 32;
    const bool dp = Bool();
    SCOPED_TRACE(testing::Message()
                 << "pfn " << pfn << " flags " << flags << " order " << order << " seed " << seed_);
    ASSERT_EQ(Eval(sym::migrate_pfn(U64(pfn))), k::migrate_pfn(pfn));
    ASSERT_EQ(Eval(sym::migrate_pfn_to_pfn(U64(flags))), k::migrate_pfn_to_pfn(flags));
    for (const k::MigratePfnLayout& l : {k::kMigratePfnLayoutV6_14, k::kMigratePfnLayoutNiethe})
      ASSERT_EQ(Eval(sym::migrate_pfn_from_page(l, U64(pfn), B(dp))),
                k::migrate_pfn_from_page(l, pfn, dp));
    for (const k::HmmPfnLayout& l : {k::kHmmPfnLayoutV6_14, k::kHmmPfnLayoutDma,
                                     k::kHmmPfnLayoutNietheV1, k::kHmmPfnLayoutNietheV2}) {
      const uint64_t v = k::HmmPfnEncode(l, pfn, flags, order);
      ASSERT_EQ(Eval(sym::HmmPfnEncode(l, U64(pfn), U64(flags), U64(order))), v);
      ASSERT_EQ(Eval(sym::hmm_pfn_to_pfn(l, U64(v))), k::hmm_pfn_to_pfn(l, v));
      ASSERT_EQ(Eval(sym::hmm_pfn_to_map_order(l, U64(v))), k::hmm_pfn_to_map_order(l, v));
    }
  }
}

}  // namespace
}  // namespace mmcheck::solver::smt
