// SPDX-License-Identifier: GPL-2.0
// Lemmas on page_vma_mapped_walk: how a walk encodes the folio it looks for
// and how check_pte()/check_pmd() decide that an entry maps it.
//
// Kernel sources: include/linux/rmap.h (PVMW_*, DEFINE_FOLIO_VMA_WALK; niethe
// v2 05/11 and v3-v6 05/13), mm/page_vma_mapped.c (check_pte, check_pmd),
// mm/rmap.c (TTU_SYNC in try_to_unmap_one/try_to_migrate_one). The walk's
// encoding must be injective and check_pte()'s range test exact; the
// profiles' [[expect]] rows name the versions where they are not.
//
// Preconditions the kernel guarantees, each a tracked assumption:
//   nr_pages >= 1 and the folio's [pfn, pfn + nr_pages - 1] is a PFN range of
//   the architecture (no wrap, below 2^pfn_bits); pte_nr >= 1 is a power of
//   two (1, pages_per_huge_page, HPAGE_PMD_NR) and the entry's PFN is aligned
//   to it; walk flags are PVMW_SYNC/PVMW_MIGRATION; without device-private
//   offsets (mainline) every number is a PFN, so neither side is "device private".
#include <fmt/format.h>

#include "model/kernel/pvmw_encoding.h"
#include "solver/smt/lemma_cases.h"
#include "solver/smt/symbolic_encodings.h"

namespace mmcheck::solver::smt {
namespace {

namespace k = model::kernel;
using sym::U32;
using sym::U64;

// The inputs of one check_pte/check_pmd case.
struct MatchInputs {
  z3::expr folio_pfn, nr_pages, folio_device_private, walk_flags;
  z3::expr entry_pfn, pte_nr, entry_device_private;
};

// Declares the walk and entry inputs with the kernel's preconditions.
// `pte_nr` is an input for check_pte and HPAGE_PMD_NR for check_pmd.
MatchInputs DeclareMatchInputs(Query& q, const EncodingConfig& cfg, bool pmd) {
  z3::context& c = q.ctx();
  MatchInputs in{q.Input("folio_pfn"),
                 q.Input("nr_pages"),
                 q.BoolInput("folio_device_private"),
                 q.Input("walk_flags", 32),
                 q.Input("entry_pfn"),
                 pmd ? U64(c, k::kHpagePmdNr) : q.Input("pte_nr", 64, {k::kHpagePmdNr}),
                 q.BoolInput("entry_device_private")};
  q.Assume("pre:nr-pages-positive", in.nr_pages != U64(c, 0));
  q.Assume("pre:folio-range-fits-pfn-bits",
           sym::RangeFits(in.folio_pfn, in.nr_pages, cfg.pfn_bits));
  if (!pmd) {
    q.Assume("pre:pte-nr-positive", in.pte_nr != U64(c, 0));
    q.Assume("pre:pte-nr-power-of-two", sym::IsPowerOfTwoOrZero(in.pte_nr));
  }
  q.Assume("pre:entry-pfn-aligned-to-pte-nr",
           (in.entry_pfn & (in.pte_nr - U64(c, 1))) == U64(c, 0));
  q.Assume("pre:entry-range-fits-pfn-bits", sym::RangeFits(in.entry_pfn, in.pte_nr, cfg.pfn_bits));
  q.Assume("pre:walk-flags-sync-or-migration",
           (in.walk_flags & U32(c, ~(k::PVMW_SYNC | k::PVMW_MIGRATION))) == U32(c, 0));
  if (!cfg.device_private_offsets)
    q.Assume("pre:device-private-pages-have-pfns",
             !in.folio_device_private && !in.entry_device_private);
  return in;
}

// The concrete inputs of a witness.
struct ConcreteMatch {
  uint64_t folio_pfn, nr_pages;
  bool folio_device_private;
  unsigned walk_flags;
  uint64_t entry_pfn, pte_nr;
  bool entry_device_private;
};

ConcreteMatch ReadMatch(const Values& v, bool pmd) {
  return {v.at("folio_pfn"),
          v.at("nr_pages"),
          v.at("folio_device_private") != 0,
          static_cast<unsigned>(v.at("walk_flags")),
          v.at("entry_pfn"),
          pmd ? k::kHpagePmdNr : v.at("pte_nr"),
          v.at("entry_device_private") != 0};
}

// check_pte (form of the profile) or check_pmd on a concrete witness.
bool ConcreteCheck(const EncodingConfig& cfg, const ConcreteMatch& m, bool pmd) {
  const k::PvmwWalk w = k::DefineFolioVmaWalk(cfg.pvmw, m.folio_pfn, m.nr_pages,
                                              m.folio_device_private, m.walk_flags);
  return pmd ? k::CheckPmdMatch(cfg.pvmw, w, m.entry_pfn, m.entry_device_private)
             : k::CheckPteMatch(cfg.pvmw, cfg.check_pte, w, m.entry_pfn, m.entry_device_private,
                                m.pte_nr);
}

z3::expr SymbolicCheck(const EncodingConfig& cfg, const MatchInputs& in, bool pmd) {
  const sym::Walk w = sym::DefineFolioVmaWalk(cfg.pvmw, in.folio_pfn, in.nr_pages,
                                              in.folio_device_private, in.walk_flags);
  const k::CheckPteForm form = pmd ? k::CheckPteForm::kTwoSided : cfg.check_pte;
  return sym::CheckPteMatch(cfg.pvmw, form, w, in.entry_pfn, in.entry_device_private, in.pte_nr);
}

std::string Describe(const ConcreteMatch& m, bool pmd) {
  return fmt::format("walk for {} [{:#x}, +{:#x}) vs {} entry {} [{:#x}, +{:#x})",
                     m.folio_device_private ? "device-private offset" : "pfn", m.folio_pfn,
                     m.nr_pages, pmd ? "PMD" : "PTE",
                     m.entry_device_private ? "device-private offset" : "pfn", m.entry_pfn,
                     m.pte_nr);
}

// Adds the check_pte and check_pmd cases of a match lemma. `sound`: a match
// implies same kind and overlap; otherwise (complete): same kind and overlap
// imply a match.
void AddMatchCases(LemmaRun& run, bool sound) {
  const EncodingConfig& cfg = run.config();
  for (bool pmd : {false, true}) {
    run.Case(
        pmd ? "check_pmd" : "check_pte",
        [&, pmd](Query& q) {
          MatchInputs in = DeclareMatchInputs(q, cfg, pmd);
          z3::expr check = SymbolicCheck(cfg, in, pmd);
          z3::expr truth = in.entry_device_private == in.folio_device_private &&
                           sym::RangesOverlap(in.entry_pfn, in.pte_nr, in.folio_pfn, in.nr_pages);
          return sound ? z3::implies(check, truth) : z3::implies(truth, check);
        },
        [&, pmd](const Values& v) {
          const ConcreteMatch m = ReadMatch(v, pmd);
          const bool check = ConcreteCheck(cfg, m, pmd);
          const bool truth = m.entry_device_private == m.folio_device_private &&
                             k::RangesOverlap(m.entry_pfn, m.pte_nr, m.folio_pfn, m.nr_pages);
          return sound ? (!check || truth) : (!truth || check);
        },
        [&, pmd](const Values& v) {
          const ConcreteMatch m = ReadMatch(v, pmd);
          return fmt::format("{}: {}", Describe(m, pmd),
                             sound ? "matched although kind or range differ"
                                   : "missed although kind and range match");
        });
  }
}

}  // namespace

// Two folios (PFN or device-private offset, with their kinds) never get the same walk.
LemmaResult ProvePvmwEncodingInjective(const EncodingConfig& config, unsigned timeout_ms) {
  LemmaRun run("pvmw-encoding-injective", config, timeout_ms);
  const k::PvmwScheme s = config.pvmw;
  run.Case(
      "DEFINE_FOLIO_VMA_WALK",
      [&](Query& q) {
        z3::context& c = q.ctx();
        z3::expr pfn_a = q.Input("pfn_a"), pfn_b = q.Input("pfn_b");
        z3::expr dp_a = q.BoolInput("device_private_a"), dp_b = q.BoolInput("device_private_b");
        q.Assume("pre:pfn-a-fits-pfn-bits", sym::FitsIn(pfn_a, config.pfn_bits));
        q.Assume("pre:pfn-b-fits-pfn-bits", sym::FitsIn(pfn_b, config.pfn_bits));
        if (!config.device_private_offsets)
          q.Assume("pre:device-private-pages-have-pfns", !dp_a && !dp_b);
        const sym::Walk a = sym::DefineFolioVmaWalk(s, pfn_a, U64(c, 1), dp_a, U32(c, 0));
        const sym::Walk b = sym::DefineFolioVmaWalk(s, pfn_b, U64(c, 1), dp_b, U32(c, 0));
        return z3::implies(a.pfn == b.pfn && a.flags == b.flags, pfn_a == pfn_b && dp_a == dp_b);
      },
      [&](const Values& v) {
        const bool dp_a = v.at("device_private_a") != 0, dp_b = v.at("device_private_b") != 0;
        const k::PvmwWalk a = k::DefineFolioVmaWalk(s, v.at("pfn_a"), 1, dp_a, 0);
        const k::PvmwWalk b = k::DefineFolioVmaWalk(s, v.at("pfn_b"), 1, dp_b, 0);
        return !(a == b) || (v.at("pfn_a") == v.at("pfn_b") && dp_a == dp_b);
      },
      [&](const Values& v) {
        const bool dp_a = v.at("device_private_a") != 0, dp_b = v.at("device_private_b") != 0;
        const k::PvmwWalk a = k::DefineFolioVmaWalk(s, v.at("pfn_a"), 1, dp_a, 0);
        return fmt::format("{} {:#x} and {} {:#x} both give pvmw->pfn = {:#x}, flags = {:#x}",
                           dp_a ? "offset" : "pfn", v.at("pfn_a"), dp_b ? "offset" : "pfn",
                           v.at("pfn_b"), a.pfn, a.flags);
      });
  return run.Finish();
}

LemmaResult ProvePvmwMatchSound(const EncodingConfig& config, unsigned timeout_ms) {
  LemmaRun run("pvmw-match-sound", config, timeout_ms);
  AddMatchCases(run, /*sound=*/true);
  return run.Finish();
}

LemmaResult ProvePvmwMatchComplete(const EncodingConfig& config, unsigned timeout_ms) {
  LemmaRun run("pvmw-match-complete", config, timeout_ms);
  AddMatchCases(run, /*sound=*/false);
  return run.Finish();
}

// After the TTU_SYNC handling the walk still says what kind of number it holds.
LemmaResult ProvePvmwTtuSyncKeepsKind(const EncodingConfig& config, unsigned timeout_ms) {
  LemmaRun run("pvmw-ttu-sync-keeps-kind", config, timeout_ms);
  const k::PvmwScheme s = config.pvmw;
  const bool overwrite = config.ttu_sync_overwrites_flags;
  run.Case(
      "try_to_unmap_one/try_to_migrate_one with TTU_SYNC",
      [&](Query& q) {
        z3::context& c = q.ctx();
        z3::expr pfn = q.Input("folio_pfn");
        z3::expr dp = q.BoolInput("folio_device_private");
        z3::expr flags = q.Input("walk_flags", 32);
        q.Assume("pre:folio-pfn-fits-pfn-bits", sym::FitsIn(pfn, config.pfn_bits));
        q.Assume("pre:walk-flags-sync-or-migration",
                 (flags & U32(c, ~(k::PVMW_SYNC | k::PVMW_MIGRATION))) == U32(c, 0));
        if (!config.device_private_offsets) q.Assume("pre:device-private-pages-have-pfns", !dp);
        const sym::Walk before = sym::DefineFolioVmaWalk(s, pfn, U64(c, 1), dp, flags);
        const sym::Walk after{before.pfn, before.nr_pages,
                              sym::TtuSyncWalkFlags(c, s, overwrite, dp)};
        return sym::PvmwWalkDevicePrivate(s, after) == sym::PvmwWalkDevicePrivate(s, before) &&
               sym::PvmwWalkPfn(s, after) == sym::PvmwWalkPfn(s, before);
      },
      [&](const Values& v) {
        const bool dp = v.at("folio_device_private") != 0;
        const k::PvmwWalk before = k::DefineFolioVmaWalk(s, v.at("folio_pfn"), 1, dp,
                                                         static_cast<unsigned>(v.at("walk_flags")));
        const k::PvmwWalk after{before.pfn, before.nr_pages, k::TtuSyncWalkFlags(s, overwrite, dp)};
        return k::PvmwWalkDevicePrivate(s, after) == k::PvmwWalkDevicePrivate(s, before) &&
               k::PvmwWalkPfn(s, after) == k::PvmwWalkPfn(s, before);
      },
      [&](const Values& v) {
        return fmt::format(
            "pvmw.flags = PVMW_SYNC drops PVMW_DEVICE_PRIVATE of the {} walk for "
            "{:#x}: the offset is then compared as a PFN",
            v.at("folio_device_private") ? "device-private" : "pfn", v.at("folio_pfn"));
      });
  return run.Finish();
}

namespace {

// The range inputs of check_pte (pte_nr an input) or check_pmd (HPAGE_PMD_NR).
struct RangeInputs {
  z3::expr entry_pfn, pte_nr, walk_pfn, nr_pages;
};

// `shape`: also assume what hugetlb guarantees (pte_nr a power of two, the
// entry's PFN aligned to it); the overflow lemma holds without it.
RangeInputs DeclareRangeInputs(Query& q, const EncodingConfig& cfg, bool pmd, bool shape) {
  z3::context& c = q.ctx();
  RangeInputs in{q.Input("entry_pfn"),
                 pmd ? U64(c, k::kHpagePmdNr) : q.Input("pte_nr", 64, {k::kHpagePmdNr}),
                 q.Input("walk_pfn"), q.Input("nr_pages")};
  q.Assume("pre:nr-pages-positive", in.nr_pages != U64(c, 0));
  q.Assume("pre:walk-range-fits-pfn-bits", sym::RangeFits(in.walk_pfn, in.nr_pages, cfg.pfn_bits));
  if (!pmd) q.Assume("pre:pte-nr-positive", in.pte_nr != U64(c, 0));
  if (shape) {
    if (!pmd) q.Assume("pre:pte-nr-power-of-two", sym::IsPowerOfTwoOrZero(in.pte_nr));
    q.Assume("pre:entry-pfn-aligned-to-pte-nr",
             (in.entry_pfn & (in.pte_nr - U64(c, 1))) == U64(c, 0));
  }
  q.Assume("pre:entry-range-fits-pfn-bits", sym::RangeFits(in.entry_pfn, in.pte_nr, cfg.pfn_bits));
  return in;
}

uint64_t PteNr(const Values& v, bool pmd) {
  return pmd ? k::kHpagePmdNr : v.at("pte_nr");
}

std::string DescribeRange(const Values& v, bool pmd) {
  return fmt::format("{} [{:#x}, +{:#x}) vs walk [{:#x}, +{:#x})", pmd ? "PMD" : "PTE",
                     v.at("entry_pfn"), PteNr(v, pmd), v.at("walk_pfn"), v.at("nr_pages"));
}

LemmaResult ProveOverlapExact(const char* lemma, const EncodingConfig& config, bool pmd,
                              unsigned timeout_ms) {
  LemmaRun run(lemma, config, timeout_ms);
  const k::CheckPteForm form = pmd ? k::CheckPteForm::kTwoSided : config.check_pte;
  run.Case(
      pmd ? "check_pmd"
          : (form == k::CheckPteForm::kOneSided ? "check_pte (one-sided)"
                                                : "check_pte (two-sided)"),
      [&](Query& q) {
        RangeInputs in = DeclareRangeInputs(q, config, pmd, /*shape=*/true);
        return sym::CheckPteRange(form, in.entry_pfn, in.pte_nr, in.walk_pfn, in.nr_pages) ==
               sym::RangesOverlap(in.entry_pfn, in.pte_nr, in.walk_pfn, in.nr_pages);
      },
      [&](const Values& v) {
        const uint64_t nr = PteNr(v, pmd);
        return k::CheckPteRange(form, v.at("entry_pfn"), nr, v.at("walk_pfn"), v.at("nr_pages")) ==
               k::RangesOverlap(v.at("entry_pfn"), nr, v.at("walk_pfn"), v.at("nr_pages"));
      },
      [&](const Values& v) {
        const uint64_t nr = PteNr(v, pmd);
        const bool overlap =
            k::RangesOverlap(v.at("entry_pfn"), nr, v.at("walk_pfn"), v.at("nr_pages"));
        return fmt::format("{}: the ranges {} overlap but the test says {}", DescribeRange(v, pmd),
                           overlap ? "do" : "do not", overlap ? "no" : "yes");
      });
  return run.Finish();
}

}  // namespace

LemmaResult ProveCheckPteOverlapExact(const EncodingConfig& config, unsigned timeout_ms) {
  return ProveOverlapExact("check-pte-overlap-exact", config, /*pmd=*/false, timeout_ms);
}

LemmaResult ProveCheckPmdOverlapExact(const EncodingConfig& config, unsigned timeout_ms) {
  return ProveOverlapExact("check-pmd-overlap-exact", config, /*pmd=*/true, timeout_ms);
}

// The two-sided form's sums equal their mathematical values (no wrap).
LemmaResult ProveCheckPtePmdNoOverflow(const EncodingConfig& config, unsigned timeout_ms) {
  LemmaRun run("check-pte-pmd-no-overflow", config, timeout_ms);
  for (bool pmd : {false, true}) {
    if (!pmd && config.check_pte == k::CheckPteForm::kOneSided) {
      run.Note(
          "check_pte (one-sided) has no sums: `pfn - pvmw->pfn` wraps by design "
          "(see check-pte-overlap-exact)");
      continue;
    }
    run.Case(
        pmd ? "check_pmd" : "check_pte (two-sided)",
        [&, pmd](Query& q) {
          RangeInputs in = DeclareRangeInputs(q, config, pmd, /*shape=*/false);
          // The unsigned long sums (RangeEnd: the low 64 bits of WideEnd) equal
          // their 66-bit values: the two bits above them are clear.
          z3::expr clear = q.ctx().bv_val(0, 2);
          return sym::WideEnd(in.entry_pfn, in.pte_nr).extract(65, 64) == clear &&
                 sym::WideEnd(in.walk_pfn, in.nr_pages).extract(65, 64) == clear;
        },
        [&, pmd](const Values& v) {
          // Compared with the sums in 128-bit arithmetic.
          using u128 = unsigned __int128;
          const uint64_t nr = PteNr(v, pmd);
          const uint64_t entry_end = v.at("entry_pfn") + nr - 1;
          const uint64_t walk_end = v.at("walk_pfn") + v.at("nr_pages") - 1;
          return u128{entry_end} == u128{v.at("entry_pfn")} + nr - 1 &&
                 u128{walk_end} == u128{v.at("walk_pfn")} + v.at("nr_pages") - 1;
        },
        [&, pmd](const Values& v) { return DescribeRange(v, pmd) + ": a range end wraps"; });
  }
  return run.Finish();
}

}  // namespace mmcheck::solver::smt
