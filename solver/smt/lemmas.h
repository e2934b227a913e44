// SPDX-License-Identifier: GPL-2.0
// Bit-precise lemmas on the kernel encodings (model/kernel/), proved with Z3
// for one profile at a time.
//
// Each lemma has a stable kebab-case name (the same namespace as property
// names: a profile expecting a lemma to be refuted lists it in [[expect]]).
// A lemma is proved by asserting its negation, with every assumption tracked
// by a named literal, and expecting unsat; a sat answer is a refutation whose
// witness (the input values, printed in hex) is replayed on the concrete C++
// encoding before it is reported. A timeout or a solver "unknown" is reported
// as unknown, never as proved.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/kernel/encoding_config.h"
#include "model/profile.h"

namespace mmcheck::solver::smt {

// The answer to one lemma.
enum class Verdict : uint8_t {
  kProved,   // every case unsat: holds for all inputs in its domain
  kRefuted,  // some case sat: `witness` breaks it
  kUnknown,  // a case timed out or the solver gave up, and none was refuted
};

// "proved", "refuted" or "unknown".
std::string_view VerdictName(Verdict v);

// One input of a refutation witness.
struct WitnessValue {
  std::string name;
  uint64_t value = 0;
};

struct LemmaResult {
  std::string lemma;    // kebab-case lemma name
  std::string profile;  // profile name ("" when proved for a bare EncodingConfig)
  Verdict verdict = Verdict::kUnknown;
  // Refuted or unknown: the case that failed (e.g. "SWP_DEVICE_WRITE", "check_pmd").
  std::string failing_case;
  // Refuted: the input values Z3 found, in declaration order.
  std::vector<WitnessValue> witness;
  // Refuted: the concrete encoding in model/kernel/ breaks on the witness too.
  // A witness that does not replay is reported as unknown, not refuted.
  bool witness_replayed = false;
  // Refuted: what breaks, in words. Unknown: why (timeout, solver reason).
  std::string explanation;
  // Proved: the tracked assumptions the unsat cores used, sorted, deduplicated.
  std::vector<std::string> unsat_core;
  // Cases skipped because they do not apply to this configuration, with the reason.
  std::vector<std::string> notes;
  int cases = 0;  // solver queries run
};

struct LemmaOptions {
  std::vector<std::string> lemmas;  // names to run; empty means every lemma
  unsigned timeout_ms = 10'000;     // per solver query (z3 "timeout")
  // The whole run's end: no query runs past it, and a lemma not reached is unknown.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

// Every lemma name, in a stable order (the order results are returned in).
const std::vector<std::string>& LemmaNames();

// Whether `name` is a lemma.
bool IsLemma(std::string_view name);

// One line: the kernel rule the lemma captures and its source. "" if unknown.
std::string_view LemmaDoc(std::string_view name);

// Proves the selected lemmas for `profile`'s encodings (EncodingConfigFor(knobs)).
// Results for identical encodings and options are computed once per process.
// REQUIRES: every name in options.lemmas is a lemma (else throws std::invalid_argument
// listing the accepted names).
// Returns: one result per selected lemma, in LemmaNames() order, profile set.
std::vector<LemmaResult> ProveLemmas(const model::Profile& profile, const LemmaOptions& options);

// The same for a bare encoding configuration (no cache; profile left empty).
std::vector<LemmaResult> ProveLemmas(const model::kernel::EncodingConfig& config,
                                     const LemmaOptions& options);

// How a verdict compares with what the profile expects.
enum class Outcome : uint8_t {
  kAsExpected,                // proved and not expected to fail, or refuted as expected
  kUnexpectedRefutation,      // refuted, but the profile does not list it in [[expect]]
  kExpectedRefutationProved,  // the profile expects a refutation, the lemma was proved
  kInconclusive,              // unknown
};

// Compares `result` with `profile`'s [[expect]] list.
Outcome Judge(const model::Profile& profile, const LemmaResult& result);

// "name=0x... name=0x..." for a witness; "" when there is none.
std::string FormatWitness(const std::vector<WitnessValue>& witness);

}  // namespace mmcheck::solver::smt
