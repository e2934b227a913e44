// SPDX-License-Identifier: GPL-2.0
// Lemmas on PFN words that carry flags: migrate PFNs (include/linux/migrate.h)
// and HMM PFNs (include/linux/hmm.h). Once device-private pages are named by
// offsets (niethe v6, "mm: Remove device private pages from the physical
// address space"), only a flag (MIGRATE_PFN_DEVICE_PRIVATE in
// include/linux/migrate.h, HMM_PFN_DEVICE_PRIVATE in include/linux/hmm.h)
// says a number is a device-private offset.
//
// Domain: PFNs and offsets below 2^SWP_PFN_BITS. Both words only ever carry
// numbers that also fit a PFN swap entry (migrate_vma collects them from PTEs
// and swap entries; hmm_range_fault from pte_pfn/softleaf_to_pfn), and both
// exist only on HMM architectures (migrate.h: "Watch out for PAE architecture").
#include <fmt/format.h>

#include "model/kernel/hmm_pfn.h"
#include "model/kernel/migrate_pfn.h"
#include "solver/smt/lemma_cases.h"
#include "solver/smt/symbolic_encodings.h"

namespace mmcheck::solver::smt {

namespace k = model::kernel;
using sym::U64;

void AddDisjointFieldsCase(LemmaRun& run, const std::string& case_name,
                           const std::vector<k::NamedMask>& fields) {
  const unsigned n = static_cast<unsigned>(fields.size());
  run.Case(
      case_name,
      [&](Query& q) {
        z3::context& c = q.ctx();
        z3::expr a = q.Input("field_a", 8), b = q.Input("field_b", 8), bit = q.Input("bit", 8);
        q.Assume("pre:field-a-defined", z3::ult(a, c.bv_val(n, 8)));
        q.Assume("pre:field-b-defined", z3::ult(b, c.bv_val(n, 8)));
        q.Assume("pre:bit-below-BITS_PER_LONG", z3::ult(bit, c.bv_val(k::kBitsPerLong, 8)));
        auto mask_of = [&](const z3::expr& idx) {
          z3::expr m = U64(c, fields.back().mask);
          for (unsigned i = n - 1; i-- > 0;)
            m = z3::ite(idx == c.bv_val(i, 8), U64(c, fields[i].mask), m);
          return m;
        };
        z3::expr probe = z3::shl(U64(c, 1), z3::zext(bit, 56));
        z3::expr in_a = (mask_of(a) & probe) != U64(c, 0);
        z3::expr in_b = (mask_of(b) & probe) != U64(c, 0);
        return z3::implies(a != b, !(in_a && in_b));
      },
      [&](const Values& v) {
        const uint64_t a = v.at("field_a"), b = v.at("field_b");
        const uint64_t probe = k::Bit(static_cast<int>(v.at("bit")));
        return a == b || (fields[a].mask & fields[b].mask & probe) == 0;
      },
      [&](const Values& v) {
        return fmt::format("{} and {} share bit {}", fields[v.at("field_a")].name,
                           fields[v.at("field_b")].name, v.at("bit"));
      });
}

// migrate_pfn_to_page() and the flag tests give back what was stored.
LemmaResult ProveMigratePfnRoundTrip(const EncodingConfig& config, unsigned timeout_ms) {
  LemmaRun run("migrate-pfn-round-trip", config, timeout_ms);
  const k::MigratePfnLayout l = config.migrate_pfn;
  const int pfn_bits = config.swp_pfn_bits;
  // The flags a caller ORs in beside VALID (set by migrate_pfn) and
  // DEVICE_PRIVATE (set by migrate_pfn_from_page).
  const uint64_t caller_flags =
      k::MIGRATE_PFN_MIGRATE | k::MIGRATE_PFN_WRITE | (l.compound ? k::MIGRATE_PFN_COMPOUND : 0);
  auto decoded_kind = [&](uint64_t mpfn) {
    return l.device_private && (mpfn & k::MIGRATE_PFN_DEVICE_PRIVATE) != 0;
  };
  run.Case(
      "migrate_pfn_from_page",
      [&](Query& q) {
        z3::context& c = q.ctx();
        z3::expr pfn = q.Input("pfn"), flags = q.Input("flags");
        z3::expr dp = q.BoolInput("device_private");
        q.Assume("pre:pfn-fits-SWP_PFN_BITS", sym::FitsIn(pfn, pfn_bits));
        q.Assume("pre:flags-are-migrate-pfn-flags", (flags & U64(c, ~caller_flags)) == U64(c, 0));
        if (!config.device_private_offsets) q.Assume("pre:device-private-pages-have-pfns", !dp);
        z3::expr mpfn = sym::migrate_pfn_from_page(l, pfn, dp) | flags;
        z3::expr kind = l.device_private ? sym::TestBits(mpfn, k::MIGRATE_PFN_DEVICE_PRIVATE)
                                         : c.bool_val(false);
        z3::expr stored =
            U64(c, k::MIGRATE_PFN_VALID) | flags |
            (l.device_private ? z3::ite(dp, U64(c, k::MIGRATE_PFN_DEVICE_PRIVATE), U64(c, 0))
                              : U64(c, 0));
        return sym::migrate_pfn_to_pfn(mpfn) == pfn &&
               (mpfn & U64(c, k::LowMask(k::MIGRATE_PFN_SHIFT))) == stored && kind == dp;
      },
      [&](const Values& v) {
        const bool dp = v.at("device_private") != 0;
        const uint64_t mpfn = k::migrate_pfn_from_page(l, v.at("pfn"), dp) | v.at("flags");
        const uint64_t stored = k::MIGRATE_PFN_VALID | v.at("flags") |
                                (l.device_private && dp ? k::MIGRATE_PFN_DEVICE_PRIVATE : 0);
        return k::migrate_pfn_to_pfn(mpfn) == v.at("pfn") &&
               (mpfn & k::LowMask(k::MIGRATE_PFN_SHIFT)) == stored && decoded_kind(mpfn) == dp;
      },
      [&](const Values& v) {
        const bool dp = v.at("device_private") != 0;
        const uint64_t mpfn = k::migrate_pfn_from_page(l, v.at("pfn"), dp) | v.at("flags");
        return fmt::format("{} {:#x} with flags {:#x} stores mpfn {:#x}, read back as {} {:#x}",
                           dp ? "offset" : "pfn", v.at("pfn"), v.at("flags"), mpfn,
                           decoded_kind(mpfn) ? "offset" : "pfn", k::migrate_pfn_to_pfn(mpfn));
      });
  return run.Finish();
}

LemmaResult ProveMigratePfnFlagsDisjoint(const EncodingConfig& config, unsigned timeout_ms) {
  LemmaRun run("migrate-pfn-flags-disjoint", config, timeout_ms);
  std::vector<k::NamedMask> fields = k::MigratePfnFlags(config.migrate_pfn);
  fields.push_back({"the PFN field (bits 6-63)", k::kMigratePfnPfnField});
  AddDisjointFieldsCase(run, "MIGRATE_PFN_* and the PFN field", fields);
  return run.Finish();
}

// hmm_pfn_to_page(), hmm_pfn_to_map_order() and the flag tests give back
// what hmm_range_fault() stored.
LemmaResult ProveHmmPfnRoundTrip(const EncodingConfig& config, unsigned timeout_ms) {
  LemmaRun run("hmm-pfn-round-trip", config, timeout_ms);
  const k::HmmPfnLayout l = config.hmm_pfn;
  const int pfn_bits = config.swp_pfn_bits;
  const uint64_t dp_flag = k::HmmPfnDevicePrivate(l);
  const uint64_t other_flags = k::HmmPfnFlagBits(l) & ~dp_flag;
  auto stored_flags = [&](uint64_t flags, bool dp) { return flags | (dp ? dp_flag : 0); };
  run.Case(
      "hmm_vma_handle_pte/pmd/pud",
      [&](Query& q) {
        z3::context& c = q.ctx();
        z3::expr pfn = q.Input("pfn"), flags = q.Input("flags"), order = q.Input("order");
        z3::expr dp = q.BoolInput("device_private");
        q.Assume("pre:pfn-fits-SWP_PFN_BITS", sym::FitsIn(pfn, pfn_bits));
        q.Assume("pre:flags-are-hmm-pfn-flags", (flags & U64(c, ~other_flags)) == U64(c, 0));
        q.Assume("pre:order-fits-5-bits", sym::FitsIn(order, k::kHmmPfnOrderBits));
        if (!config.device_private_offsets) q.Assume("pre:device-private-pages-have-pfns", !dp);
        z3::expr all = flags | z3::ite(dp, U64(c, dp_flag), U64(c, 0));
        z3::expr v = sym::HmmPfnEncode(l, pfn, all, order);
        z3::expr kind = dp_flag ? sym::TestBits(v, dp_flag) : c.bool_val(false);
        return sym::hmm_pfn_to_pfn(l, v) == pfn && sym::hmm_pfn_to_map_order(l, v) == order &&
               (v & U64(c, k::HmmPfnFlagBits(l))) == all && kind == dp;
      },
      [&](const Values& v) {
        const bool dp = v.at("device_private") != 0;
        const uint64_t all = stored_flags(v.at("flags"), dp);
        const uint64_t h = k::HmmPfnEncode(l, v.at("pfn"), all, v.at("order"));
        const bool kind = dp_flag != 0 && (h & dp_flag) != 0;
        return k::hmm_pfn_to_pfn(l, h) == v.at("pfn") &&
               k::hmm_pfn_to_map_order(l, h) == v.at("order") &&
               (h & k::HmmPfnFlagBits(l)) == all && kind == dp;
      },
      [&](const Values& v) {
        const bool dp = v.at("device_private") != 0;
        const uint64_t all = stored_flags(v.at("flags"), dp);
        const uint64_t h = k::HmmPfnEncode(l, v.at("pfn"), all, v.at("order"));
        return fmt::format(
            "pfn {:#x}, flags {:#x}, order {} store {:#x}, read back as pfn {:#x}, flags {:#x}, "
            "order {}",
            v.at("pfn"), all, v.at("order"), h, k::hmm_pfn_to_pfn(l, h), h & k::HmmPfnFlagBits(l),
            k::hmm_pfn_to_map_order(l, h));
      });
  return run.Finish();
}

LemmaResult ProveHmmPfnFlagsDisjoint(const EncodingConfig& config, unsigned timeout_ms) {
  LemmaRun run("hmm-pfn-flags-disjoint", config, timeout_ms);
  const k::HmmPfnLayout l = config.hmm_pfn;
  std::vector<k::NamedMask> fields = k::HmmPfnFlags(l);
  fields.push_back({"the order field", k::HmmPfnOrderField(l)});
  fields.push_back({"the PFN field", k::LowMask(l.order_shift)});
  AddDisjointFieldsCase(run, "HMM_PFN_*, the order field and the PFN field", fields);
  return run.Finish();
}

}  // namespace mmcheck::solver::smt
