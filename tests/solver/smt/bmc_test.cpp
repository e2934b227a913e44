// Bounded model checking and k-induction (solver/smt/bmc.h) on the built-in
// profiles: Z3 finds the linux-6.14 mapcount bug (hildenbrand-v2 16/17) at
// the smallest depth and its trace replays on the concrete model; linux-6.15
// has no violation within the bound; a k-induction verdict on linux-6.15.
// Depths and alphabets are kept small so each test runs in a few seconds
// (bench/prove_bmc.sh measures the deeper runs).
#include "solver/smt/bmc.h"

#include <gtest/gtest.h>

#include "model/profile.h"
#include "properties/properties.h"
#include "solver/smt/symbolic_model.h"
#include "traces/replay.h"

namespace mmcheck::solver::smt {
namespace {

using model::OpCode;

const model::Profile& Builtin(const char* name) {
  const model::Profile* p = model::ProfileSet::Builtin().Find(name);
  EXPECT_NE(p, nullptr) << name;
  return *p;
}

// linux-6.14: one dev_exclusive after the prologue already breaks
// mapcount-matches-mappings: GUP faults the pages in, and the
// device-exclusive entry drops the mapcount it keeps a reference for.
TEST(BmcTest, Linux614MapcountRefutedAtDepthOneAndReplays) {
  BmcOptions o;
  o.depth = 2;
  BmcResult r = CheckProperty(Builtin("linux-6.14"), "mapcount-matches-mappings", o);
  ASSERT_EQ(r.verdict, BmcVerdict::kRefuted) << r.replay_detail << r.reason;
  EXPECT_EQ(r.depth, 1);
  EXPECT_TRUE(r.replay_confirmed);
  ASSERT_EQ(r.ops.size(), BmcPrologue(o.universe).size() + 1);
  EXPECT_EQ(r.ops.back().code, OpCode::kDeviceExclusive);
  EXPECT_NE(r.replay_detail.find("mapcount"), std::string::npos) << r.replay_detail;
  // The trace text parses back and replays with the same violation at the same step.
  const std::string text = traces::PrintTrace(r.trace);
  traces::Trace t = traces::ParseTrace("<bmc>", text);
  traces::ReplayResult rr = traces::Replay(t, "<bmc>", Builtin("linux-6.14"));
  EXPECT_TRUE(rr.matches);
  EXPECT_EQ(rr.run.first_violation[static_cast<size_t>(
                properties::PropertyIndex("mapcount-matches-mappings"))],
            static_cast<int>(r.ops.size()));
}

// linux-6.14: reclaim of the device-exclusive folio makes no progress (the
// 1 GiB unswappable memory of the hildenbrand-v1 cover letter), found with
// the alphabet cut to dev_exclusive and reclaim to keep the test fast.
TEST(BmcTest, Linux614ReclaimRefutedAndReplays) {
  BmcOptions o;
  o.depth = 2;
  o.ops = {OpCode::kDeviceExclusive, OpCode::kReclaim};
  BmcResult r = CheckProperty(Builtin("linux-6.14"), "reclaim-makes-progress", o);
  ASSERT_EQ(r.verdict, BmcVerdict::kRefuted) << r.replay_detail << r.reason;
  EXPECT_EQ(r.depth, 2);
  EXPECT_TRUE(r.replay_confirmed);
  EXPECT_EQ(r.ops.back().code, OpCode::kReclaim);
}

// linux-6.15 (device-exclusive entries keep the mapcount): no violation
// within one step of any op.
TEST(BmcTest, Linux615NoMapcountViolationWithinBound) {
  BmcOptions o;
  o.depth = 1;
  BmcResult r = CheckProperty(Builtin("linux-6.15"), "mapcount-matches-mappings", o);
  EXPECT_EQ(r.verdict, BmcVerdict::kBounded) << r.reason;
  EXPECT_EQ(r.depth, 1);
  EXPECT_TRUE(r.ops.empty());
}

// k-induction on linux-6.15, alphabet {fork, munmap}: swap-count-matches,
// strengthened only with subset-well-formed, is 1-inductive — fork
// duplicates every swap entry of its VMA with swap_duplicate() into an mm
// that had none, and munmap frees every swap entry it zaps, so the counts
// follow the entries from any state where they already agree. The unsat
// core names the assumptions the proof used.
TEST(BmcTest, Linux615SwapCountInductiveForForkAndMunmap) {
  BmcOptions o;
  o.depth = 1;
  o.induction = true;
  o.strengthen_with_all_invariants = false;
  o.ops = {OpCode::kFork, OpCode::kMunmap};
  BmcResult r = CheckProperty(Builtin("linux-6.15"), "swap-count-matches", o);
  ASSERT_EQ(r.verdict, BmcVerdict::kInductive) << r.induction_note << r.reason;
  EXPECT_NE(std::find(r.unsat_core.begin(), r.unsat_core.end(), "assume:swap-count-matches"),
            r.unsat_core.end());
  EXPECT_NE(std::find(r.unsat_core.begin(), r.unsat_core.end(), "negated-goal:swap-count-matches"),
            r.unsat_core.end());
}

// The same with every invariant as a conjunct is NOT 1-inductive: the
// strengthened invariant includes no-dangling-entry, and nothing ties a
// dmirror entry to the PTE it was made from (device-exclusive-is-exclusive
// only covers ATOMIC entries and is not among the symbolic invariants), so
// from an unreachable state where a mirror entry names a folio that only
// another mapping holds, munmap frees the folio and the mirror entry
// dangles. The verdict is "unknown" with the failing step's op, never "proved".
TEST(BmcTest, Linux615AllInvariantsNotOneInductiveForForkAndMunmap) {
  BmcOptions o;
  o.depth = 1;
  o.induction = true;
  o.ops = {OpCode::kFork, OpCode::kMunmap};
  BmcResult r = CheckProperty(Builtin("linux-6.15"), "swap-count-matches", o);
  EXPECT_EQ(r.verdict, BmcVerdict::kUnknown);
  EXPECT_NE(r.induction_note.find("not 1-inductive: the step case fails at step 1"),
            std::string::npos)
      << r.induction_note;
}

TEST(BmcTest, RejectsPropertiesWithoutSymbolicForm) {
  BmcOptions o;
  EXPECT_THROW(CheckProperty(Builtin("linux-6.15"), "data-integrity", o), std::invalid_argument);
}

}  // namespace
}  // namespace mmcheck::solver::smt
