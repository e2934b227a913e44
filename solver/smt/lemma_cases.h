// SPDX-License-Identifier: GPL-2.0
// The lemma functions, one per lemma, grouped by kernel area:
// swap_lemmas.cpp (include/linux/swap.h, swapops.h, leafops.h),
// pvmw_lemmas.cpp (include/linux/rmap.h, mm/page_vma_mapped.c, mm/rmap.c),
// pfn_flag_lemmas.cpp (include/linux/migrate.h, include/linux/hmm.h).
// lemmas.cpp holds the table that names them.
#pragma once

#include <string>
#include <vector>

#include "model/kernel/bits.h"
#include "model/kernel/encoding_config.h"
#include "solver/smt/lemmas.h"
#include "solver/smt/query.h"

namespace mmcheck::solver::smt {

using model::kernel::EncodingConfig;

// Each proves one lemma for `config` with a per-query timeout.
LemmaResult ProveSwapSpecialTypesDistinct(const EncodingConfig& config, unsigned timeout_ms);
LemmaResult ProveMaxSwapfilesPositive(const EncodingConfig& config, unsigned timeout_ms);
LemmaResult ProveSwpTypeShiftCoversPfnBits(const EncodingConfig& config, unsigned timeout_ms);
LemmaResult ProveSwapEntryRoundTrip(const EncodingConfig& config, unsigned timeout_ms);
LemmaResult ProvePvmwEncodingInjective(const EncodingConfig& config, unsigned timeout_ms);
LemmaResult ProvePvmwMatchSound(const EncodingConfig& config, unsigned timeout_ms);
LemmaResult ProvePvmwMatchComplete(const EncodingConfig& config, unsigned timeout_ms);
LemmaResult ProvePvmwTtuSyncKeepsKind(const EncodingConfig& config, unsigned timeout_ms);
LemmaResult ProveCheckPteOverlapExact(const EncodingConfig& config, unsigned timeout_ms);
LemmaResult ProveCheckPmdOverlapExact(const EncodingConfig& config, unsigned timeout_ms);
LemmaResult ProveCheckPtePmdNoOverflow(const EncodingConfig& config, unsigned timeout_ms);
LemmaResult ProveMigratePfnRoundTrip(const EncodingConfig& config, unsigned timeout_ms);
LemmaResult ProveMigratePfnFlagsDisjoint(const EncodingConfig& config, unsigned timeout_ms);
LemmaResult ProveHmmPfnRoundTrip(const EncodingConfig& config, unsigned timeout_ms);
LemmaResult ProveHmmPfnFlagsDisjoint(const EncodingConfig& config, unsigned timeout_ms);
// arch_lemmas.cpp (arch/*/include/asm/pgtable*.h; model/kernel/arch_pte.h).
LemmaResult ProveYoungHelperKeepsSwapType(const EncodingConfig& config, unsigned timeout_ms);

// Adds to `run` the case "no two of `fields` share a bit": inputs field_a,
// field_b (indices into `fields`) and bit. Used for flag/field layouts.
void AddDisjointFieldsCase(LemmaRun& run, const std::string& case_name,
                           const std::vector<model::kernel::NamedMask>& fields);

}  // namespace mmcheck::solver::smt
