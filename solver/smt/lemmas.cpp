// SPDX-License-Identifier: GPL-2.0
// The lemma table and the per-profile driver; see lemmas.h.
#include "solver/smt/lemmas.h"

#include <map>
#include <mutex>
#include <stdexcept>
#include <tuple>

#include <fmt/format.h>

#include "model/profile.h"
#include "properties/properties.h"
#include "solver/smt/lemma_cases.h"
#include "solver/smt/query.h"

namespace mmcheck::solver::smt {
namespace {

using ProveFn = LemmaResult (*)(const EncodingConfig&, unsigned);
using KeyFn = std::string (*)(const EncodingConfig&);

// The parts of a configuration each family of lemmas reads (and nothing
// else): results are cached per (lemma, key), so a key must name every field
// its lemmas use. SmtLemmas.CacheKeysCoverWhatLemmasRead checks them.
std::string SwapKey(const EncodingConfig& c) {
  return fmt::format("swap {} {} {} swp_pfn_bits {}", c.swap.device_exclusive_types,
                     c.swap.device_migration_types, c.swap.swp_device_num, c.swp_pfn_bits);
}
std::string ArchKey(const EncodingConfig& c) {
  return fmt::format("arch {} {} {} {} swp_pfn_bits {}", static_cast<int>(c.arch),
                     c.swap.device_exclusive_types, c.swap.device_migration_types,
                     c.swap.swp_device_num, c.swp_pfn_bits);
}
std::string PvmwKey(const EncodingConfig& c) {
  return fmt::format("pvmw {} pfn_bits {} offsets {} ttu {} check_pte {}", static_cast<int>(c.pvmw),
                     c.pfn_bits, c.device_private_offsets, c.ttu_sync_overwrites_flags,
                     static_cast<int>(c.check_pte));
}
std::string MigratePfnKey(const EncodingConfig& c) {
  return fmt::format("migrate {} {} swp_pfn_bits {} offsets {}", c.migrate_pfn.compound,
                     c.migrate_pfn.device_private, c.swp_pfn_bits, c.device_private_offsets);
}
std::string HmmPfnKey(const EncodingConfig& c) {
  return fmt::format("hmm {} {} {} swp_pfn_bits {} offsets {}", c.hmm_pfn.order_shift,
                     c.hmm_pfn.dma_flags, c.hmm_pfn.device_private_bit, c.swp_pfn_bits,
                     c.device_private_offsets);
}

// One row per lemma: name, the kernel rule it captures and where, the prover,
// the configuration it reads.
struct LemmaRow {
  std::string_view name;
  std::string_view doc;
  ProveFn prove;
  KeyFn key;
};

const std::vector<LemmaRow>& LemmaTable() {
  static const std::vector<LemmaRow> table = {
      {"swap-special-types-distinct",
       "special swap types are distinct, below 1 << MAX_SWAPFILES_SHIFT and at or above "
       "MAX_SWAPFILES (include/linux/swap.h)",
       ProveSwapSpecialTypesDistinct, SwapKey},
      {"max-swapfiles-positive",
       "MAX_SWAPFILES > 0 with every special type configured in (include/linux/swap.h; "
       "invariant 13, bug 19)",
       ProveMaxSwapfilesPositive, SwapKey},
      {"swp-type-shift-covers-pfn-bits",
       "BUILD_BUG_ON(SWP_TYPE_SHIFT < SWP_PFN_BITS) (include/linux/leafops.h softleaf_has_pfn)",
       ProveSwpTypeShiftCoversPfnBits, SwapKey},
      {"swap-entry-round-trip",
       "swp_type/swp_offset/softleaf_to_pfn and the migration A/D bits give back what "
       "swp_entry() stored, for every type over its offset width (include/linux/swapops.h)",
       ProveSwapEntryRoundTrip, SwapKey},
      {"pvmw-encoding-injective",
       "DEFINE_FOLIO_VMA_WALK never gives two PFNs/offsets or kinds the same walk "
       "(include/linux/rmap.h; bug 14)",
       ProvePvmwEncodingInjective, PvmwKey},
      {"pvmw-match-sound",
       "check_pte/check_pmd accept an entry only if its kind equals the walk's and its range "
       "overlaps the folio's (mm/page_vma_mapped.c; invariant 4)",
       ProvePvmwMatchSound, PvmwKey},
      {"pvmw-match-complete",
       "check_pte/check_pmd accept every entry of the walk's kind whose range overlaps the "
       "folio's (mm/page_vma_mapped.c; invariant 4, bugs 14 and 23)",
       ProvePvmwMatchComplete, PvmwKey},
      {"pvmw-ttu-sync-keeps-kind",
       "TTU_SYNC in try_to_unmap_one/try_to_migrate_one keeps the walk's device-private kind "
       "(mm/rmap.c; bug 15)",
       ProvePvmwTtuSyncKeepsKind, PvmwKey},
      {"check-pte-overlap-exact",
       "check_pte's range test is interval overlap within the kernel's preconditions "
       "(mm/page_vma_mapped.c; invariant 5, bug 23)",
       ProveCheckPteOverlapExact, PvmwKey},
      {"check-pmd-overlap-exact",
       "check_pmd's range test is interval overlap within the kernel's preconditions "
       "(mm/page_vma_mapped.c; invariant 5)",
       ProveCheckPmdOverlapExact, PvmwKey},
      {"check-pte-pmd-no-overflow",
       "pfn + pte_nr - 1 and pvmw->pfn + nr_pages - 1 never wrap within the kernel's "
       "preconditions (mm/page_vma_mapped.c; invariant 5)",
       ProveCheckPtePmdNoOverflow, PvmwKey},
      {"migrate-pfn-round-trip",
       "migrate_pfn_to_page and the flag tests give back the PFN/offset, flags and kind "
       "migrate_pfn_from_page stored (include/linux/migrate.h; invariant 6)",
       ProveMigratePfnRoundTrip, MigratePfnKey},
      {"migrate-pfn-flags-disjoint",
       "MIGRATE_PFN_* flags are distinct bits below MIGRATE_PFN_SHIFT (include/linux/migrate.h)",
       ProveMigratePfnFlagsDisjoint, MigratePfnKey},
      {"hmm-pfn-round-trip",
       "hmm_pfn_to_page, hmm_pfn_to_map_order and the flag tests give back what "
       "hmm_range_fault stored (include/linux/hmm.h; invariant 6, bug 18)",
       ProveHmmPfnRoundTrip, HmmPfnKey},
      {"hmm-pfn-flags-disjoint",
       "HMM_PFN_* flags, the 5-bit order field and the PFN field do not overlap "
       "(include/linux/hmm.h; bug 18)",
       ProveHmmPfnFlagsDisjoint, HmmPfnKey},
      {"young-helper-keeps-swap-type",
       "the architecture's ptep_test_and_clear_young applied to a non-present device-private "
       "or device-exclusive PTE keeps its swap type (arch/x86/mm/pgtable.c, "
       "arch/arm64/include/asm/pgtable.h; mm/rmap.c folio_referenced_one; issue 13)",
       ProveYoungHelperKeepsSwapType, ArchKey},
  };
  return table;
}

const LemmaRow* FindLemma(std::string_view name) {
  for (const LemmaRow& row : LemmaTable())
    if (row.name == name) return &row;
  return nullptr;
}

// The rows selected by `options`, in table order; throws on an unknown name.
std::vector<const LemmaRow*> Select(const LemmaOptions& options) {
  for (const std::string& name : options.lemmas) {
    if (!FindLemma(name)) {
      std::string names;
      for (const LemmaRow& row : LemmaTable())
        names += (names.empty() ? "" : ", ") + std::string(row.name);
      throw std::invalid_argument(fmt::format("unknown lemma '{}' (accepted: {})", name, names));
    }
  }
  std::vector<const LemmaRow*> rows;
  for (const LemmaRow& row : LemmaTable()) {
    bool wanted = options.lemmas.empty();
    for (const std::string& name : options.lemmas) wanted = wanted || name == row.name;
    if (wanted) rows.push_back(&row);
  }
  return rows;
}

// Results by (lemma, encodings, timeout): many profiles share their encodings.
struct CacheKey {
  std::string lemma;
  std::string config;
  unsigned timeout_ms;
  bool operator<(const CacheKey& o) const {
    return std::tie(lemma, config, timeout_ms) < std::tie(o.lemma, o.config, o.timeout_ms);
  }
};

}  // namespace

std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kProved:
      return "proved";
    case Verdict::kRefuted:
      return "refuted";
    case Verdict::kUnknown:
      return "unknown";
  }
  return "?";
}

const std::vector<std::string>& LemmaNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const LemmaRow& row : LemmaTable()) out.emplace_back(row.name);
    return out;
  }();
  return names;
}

bool IsLemma(std::string_view name) {
  return FindLemma(name) != nullptr;
}

namespace {
// A profile's [[expect]] names a property or a lemma. This library sees both
// tables and the model sees neither, so it hands the model the check before
// main() runs (model::SetExpectationNameCheck): every program that can prove
// lemmas (mmcheck, the tests) rejects a misspelled expectation at load.
[[maybe_unused]] const bool kProfilesCheckExpectationNames = [] {
  model::SetExpectationNameCheck(
      [](std::string_view name) { return properties::PropertyIndex(name) >= 0 || IsLemma(name); });
  return true;
}();
}  // namespace

std::string_view LemmaDoc(std::string_view name) {
  const LemmaRow* row = FindLemma(name);
  return row ? row->doc : std::string_view();
}

std::vector<LemmaResult> ProveLemmas(const model::kernel::EncodingConfig& config,
                                     const LemmaOptions& options) {
  std::vector<LemmaResult> out;
  for (const LemmaRow* row : Select(options)) out.push_back(row->prove(config, options.timeout_ms));
  return out;
}

std::vector<LemmaResult> ProveLemmas(const model::Profile& profile, const LemmaOptions& options) {
  static std::mutex mu;
  static std::map<CacheKey, LemmaResult> cache;
  const model::kernel::EncodingConfig config = model::kernel::EncodingConfigFor(profile.knobs);
  const ScopedQueryDeadline deadline(options.deadline);
  std::vector<LemmaResult> out;
  for (const LemmaRow* row : Select(options)) {
    CacheKey key{std::string(row->name), row->key(config), options.timeout_ms};
    LemmaResult r;
    {
      std::lock_guard<std::mutex> lock(mu);
      auto it = cache.find(key);
      if (it != cache.end()) r = it->second;
    }
    if (r.lemma.empty()) {
      r = row->prove(config, options.timeout_ms);
      // A result cut short by the deadline is not the lemma's answer at this timeout.
      std::lock_guard<std::mutex> lock(mu);
      if (r.verdict != Verdict::kUnknown ||
          options.deadline == std::chrono::steady_clock::time_point::max())
        cache.emplace(key, r);
    }
    r.profile = profile.name;
    out.push_back(std::move(r));
  }
  return out;
}

Outcome Judge(const model::Profile& profile, const LemmaResult& result) {
  const bool expected = profile.ExpectsViolation(result.lemma);
  switch (result.verdict) {
    case Verdict::kProved:
      return expected ? Outcome::kExpectedRefutationProved : Outcome::kAsExpected;
    case Verdict::kRefuted:
      return expected ? Outcome::kAsExpected : Outcome::kUnexpectedRefutation;
    case Verdict::kUnknown:
      return Outcome::kInconclusive;
  }
  return Outcome::kInconclusive;
}

std::string FormatWitness(const std::vector<WitnessValue>& witness) {
  std::string out;
  for (const WitnessValue& w : witness)
    out += fmt::format("{}{}={:#x}", out.empty() ? "" : " ", w.name, w.value);
  return out;
}

}  // namespace mmcheck::solver::smt
