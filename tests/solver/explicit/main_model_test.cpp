// SPDX-License-Identifier: GPL-2.0
// The main model under the exhaustive explorer (solver/explicit/main_model.h): encoding,
// determinism across --jobs, symmetry reduction, shortest counterexamples replayed by the
// concrete replay, and the memory-offline liveness lasso of bug 4.
//
// Universes are tiny (1-2 mms of 2 pages, 1-2 folio slots) so that each test explores
// exhaustively in well under a second in a RelWithDebInfo build.
#include "solver/explicit/main_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "model/profile.h"
#include "solver/explicit/graph_output.h"
#include "solver/explicit/liveness.h"
#include "solver/explicit/main_model_internal.h"
#include "tests/model/field_coverage.h"
#include "tests/solver/explicit/same_exploration.h"
#include "traces/replay.h"
#include "traces/trace.h"

namespace mmcheck::solver::explicit_state {
namespace {

// The ops of the device-exclusive story (map, touch, make exclusive, the movers), read-write
// mappings only: a few thousand states in the tiny universe.
const std::vector<std::string> kStoryOps = {"mmap",    "cpu_write", "cpu_read", "dev_exclusive",
                                            "offline", "reclaim",   "migrate"};

MainModelOptions Options(const std::string& profile, const std::string& universe,
                         std::vector<std::string> only_ops = kStoryOps) {
  MainModelOptions o;
  o.restrictions = {"prot=rw"};
  o.profile = model::ResolveProfile(profile);
  o.trace_profile = profile;
  o.universe = model::ParseUniverse(universe);
  o.values = 1;
  o.only_ops = std::move(only_ops);
  return o;
}

const char* kTiny = "mms=1,pages=2,folios=2,swap=1,devices=1,pmd_order=1";

ExplorationResult Explore(const MainModel& model, int jobs, bool stop = false) {
  ExplorerOptions options;
  options.jobs = jobs;
  options.stop_at_violation = stop;
  options.asserted_properties = model.DefaultAssertedMask();
  Explorer<MainModel> explorer(model, options);
  return explorer.Run();
}

std::set<std::string> ViolatedNames(const ExplorationResult& r) {
  std::set<std::string> names;
  for (const Counterexample& c : r.violations) names.insert(c.name);
  return names;
}

TEST(MainModel, EncodingRoundTripsEveryReachedState) {
  const MainModel model(Options("linux-6.14", kTiny));
  ExplorerOptions options;
  options.stop_at_violation = false;
  Explorer<MainModel> explorer(model, options);
  const ExplorationResult r = explorer.Run();
  ASSERT_EQ(r.status, ExplorationStatus::kComplete);
  ASSERT_GT(r.states, 100u);
  std::vector<std::uint8_t> again(model.EncodingSize());
  for (std::uint32_t i = 0; i < explorer.StateCount(); ++i) {
    const MainModel::State s = explorer.StateAt(i);
    model.Encode(s, again.data());
    ASSERT_EQ(0, std::memcmp(again.data(), explorer.EncodingOf(i), model.EncodingSize()))
        << "state " << i;
  }
  // A concrete world decodes to itself (up to the stale data of free swap slots).
  MainModel::State s = model.InitialState();
  MainModel::State post;
  for (const char* name :
       {"mmap mm=mm0 va=0 npages=2 prot=rw kind=private", "cpu_write mm=mm0 va=1 value=1",
        "dev_exclusive dev=dev0 mm=mm0 va=1 npages=1"}) {
    const int op = model.OpIndex(name);
    ASSERT_GE(op, 0) << name;
    ASSERT_TRUE(model.Step(s, op, &post)) << name;
    s = post;
  }
  std::vector<std::uint8_t> bytes(model.EncodingSize());
  model.Encode(s, bytes.data());
  EXPECT_EQ(model.Decode(bytes.data()).world, s.world);
}

// Names the first part of two worlds that differs, for a readable failure.
std::string FirstDifference(const model::World& a, const model::World& b) {
  for (std::size_t m = 0; m < a.mms.size(); ++m) {
    if (a.mms[m].vmas != b.mms[m].vmas) return "mm" + std::to_string(m) + " vmas";
    if (a.mms[m].pmds != b.mms[m].pmds) return "mm" + std::to_string(m) + " pmds";
    if (a.mms[m].ptes != b.mms[m].ptes) return "mm" + std::to_string(m) + " ptes";
    if (!(a.mms[m] == b.mms[m])) return "mm" + std::to_string(m) + " (rss, logical, exists)";
  }
  for (std::size_t f = 0; f < a.pages.size(); ++f)
    if (!(a.pages[f] == b.pages[f])) return "page frame " + std::to_string(f);
  if (a.swap != b.swap) return "swap";
  if (a.shmem != b.shmem) return "shmem";
  if (a.devices != b.devices) return "device mirrors";
  if (a.pgmaps != b.pgmaps) return "pgmaps";
  if (!(a == b)) return "another World field (not in the encoding?)";
  return "";
}

// Every field of World that changes must be in the encoding: a long deterministic walk over
// EVERY op of the table (device memory included) decodes back to the same world. A field the
// model gains and the encoding forgets fails here.
// The same with the sections interned (the exact encoding, then its sections' numbers).
class EncodingWalk : public ::testing::TestWithParam<bool> {};

TEST_P(EncodingWalk, KeepsEveryFieldOnAWalkOverAllOps) {
  MainModelOptions o = Options(
      "linux-6.15", "mms=2,pages=2,folios=2,swap=2,devices=1,pmd_order=1,device_pages=2", {});
  o.restrictions.clear();
  o.intern_sections = GetParam();
  const MainModel model(o);
  MainModel::State s = model.InitialState(), post;
  std::vector<std::uint8_t> bytes(model.EncodingSize());
  int steps = 0;
  for (int k = 0; k < 600; ++k) {
    for (int i = 0; i < model.OpCount(); ++i) {
      const int op = (k * 37 + 11 + i) % model.OpCount();
      if (!model.Step(s, op, &post)) continue;
      s = post;
      ++steps;
      break;
    }
    model::World expected = s.world;
    for (model::SwapSlot& slot : expected.swap)
      if (slot.count == 0) slot.data = 0;  // a free slot's stale data is not state
    model.Encode(s, bytes.data());
    const model::World decoded = model.Decode(bytes.data()).world;
    ASSERT_TRUE(decoded == expected)
        << "after step " << k << ": " << FirstDifference(decoded, expected);
  }
  EXPECT_GT(steps, 500);
}

INSTANTIATE_TEST_SUITE_P(MainModel, EncodingWalk, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Interned" : "Exact";
                         });

// The encoding holds every field of the field lists (model/fields.h) but those in
// kFieldsNotEncoded: in a world where every struct of World has instances, each field path
// changes the encoding in some instance, and every such world decodes back to itself. A field
// added to World (and so to its Fields(), which world.h static_asserts) fails here until the
// encoder writes and reads it: distinct states can no longer merge silently.
TEST(MainModel, EncodingCoversTheFieldLists) {
  const model::World w = testing::RichWorld();
  MainModelOptions o;
  o.profile = model::ResolveProfile("mainline");
  o.trace_profile = "mainline";
  o.universe = w.universe;
  o.values = 9;                       // RichWorld writes data values up to 8
  o.only_ops = {"cpu_read", "mmap"};  // mmap kind=shared: the encoding has shmem objects
  ASSERT_EQ(o.profile.knobs, w.knobs);
  const MainModel model(o);
  // A value outside its field's range in the universe is refused (ExplorationError), which
  // merges nothing either: the refusal stands for the encoding here.
  std::set<std::string> refused;
  auto encode = [&](const model::World& x) {
    std::string bytes(model.EncodingSize(), '\0');
    try {
      model.EncodeExact(x, reinterpret_cast<std::uint8_t*>(bytes.data()));
    } catch (const ExplorationError& e) {
      return std::string("refused: ") + e.what();
    }
    return bytes;
  };
  const std::set<std::string> skipped(std::begin(kFieldsNotEncoded), std::end(kFieldsNotEncoded));
  EXPECT_EQ(testing::FieldsNotReflected(w, encode, skipped), std::set<std::string>{})
      << "World fields the explorer's encoding drops (solver/explicit/main_model.cpp)";
  const std::string before = encode(w);
  ASSERT_EQ(model.Decode(reinterpret_cast<const std::uint8_t*>(before.data())).world, w);
  const std::vector<std::string> paths = testing::LeafPaths(w);
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (skipped.count(paths[i].substr(0, paths[i].find('.')))) continue;
    model::World changed = testing::WithLeafPerturbed(w, i);
    const std::string bytes = encode(changed);
    if (bytes == before) continue;  // e.g. a free swap slot's data
    if (bytes.starts_with("refused: ")) {
      refused.insert(paths[i] + " (" + bytes + ")");
      continue;
    }
    for (model::SwapSlot& slot : changed.swap)
      if (slot.count == 0) slot.data = 0;  // a free slot's stale data is not state
    EXPECT_TRUE(model.Decode(reinterpret_cast<const std::uint8_t*>(bytes.data())).world == changed)
        << paths[i] << " (leaf " << i << ") is written but not read back";
  }
  // Refused are only values outside their range (a perturbation past a bound of the universe)
  // and the pgmap fields the encoding holds constant.
  for (const std::string& r : refused) {
    EXPECT_TRUE(r.find("does not fit the encoding") != std::string::npos ||
                (r.starts_with("pgmaps.") && r.find("holds it constant") != std::string::npos))
        << r;
  }
}

// Only a shared mmap makes a shmem object: without one in the alphabet the encoding has no
// shmem section, and a world that has one all the same is refused, never encoded inexactly.
TEST(MainModel, EncodingLeavesOutShmemWithoutASharedMmap) {
  const model::World w = testing::RichWorld();
  ASSERT_FALSE(w.shmem.empty());
  MainModelOptions o;
  o.profile = model::ResolveProfile("mainline");
  o.trace_profile = "mainline";
  o.universe = w.universe;
  o.values = 9;  // RichWorld writes data values up to 8
  o.only_ops = {"cpu_read", "mmap"};
  const MainModel with_shared(o);
  o.restrictions = {"kind=private,hugetlb"};
  const MainModel without(o);
  const std::size_t pages = static_cast<std::size_t>(w.universe.pages);
  // Each of the mms x pages objects at least: its size, a page cache frame and data per page.
  EXPECT_GT(with_shared.EncodingBits() - without.EncodingBits(),
            static_cast<std::size_t>(w.universe.mms) * pages * (1 + 2 * pages));
  std::vector<std::uint8_t> bytes(without.EncodingSize());
  EXPECT_THROW(without.EncodeExact(w, bytes.data()), ExplorationError);
  model::World no_shmem = without.InitialState().world;
  without.EncodeExact(no_shmem, bytes.data());
  EXPECT_EQ(without.Decode(bytes.data()).world, no_shmem);
}

TEST(MainModel, JobsDoNotChangeTheResult) {
  const MainModel model(Options("linux-6.14", kTiny));
  const ExplorationResult one = Explore(model, 1), two = Explore(model, 2);
  ExpectSameExploration(two, one, "2 jobs");
}

// A universe with fork, device-exclusive entries and reclaim, under mm and swap symmetry, for
// comparing searches with and without interned sections.
MainModelOptions InterningOptions(bool intern) {
  MainModelOptions o = Options("linux-6.14", "mms=2,pages=2,folios=2,swap=2,devices=1,pmd_order=1",
                               {"mmap", "fork", "cpu_write", "dev_exclusive", "reclaim"});
  o.restrictions = {"prot=rw", "kind=private", "va=0"};
  o.symmetry.swap_slots = o.symmetry.mms = true;
  o.intern_sections = intern;
  return o;
}

// intern_sections: a state is the numbers of its sections in the model's section tables. The
// search is the same graph (states, edges, levels, counterexamples) on 1 and 2 jobs, with mm
// and swap symmetry, and every explored state's numbers decode to a world whose encoding is
// those numbers again and whose exact encoding is the state's canonical one.
TEST(MainModel, InternedSectionsExploreTheSameGraph) {
  const MainModel plain(InterningOptions(false));
  const MainModel interned(InterningOptions(true));
  // Two mm numbers of 24 bits and a rest number of 31: 79 bits, the explorer's packed slots.
  EXPECT_EQ(interned.EncodingBits(), 79u);
  EXPECT_EQ(interned.EncodingSize(), 10u);
  EXPECT_EQ(plain.ExtraTableBytes(), 0u);
  const ExplorationResult want = Explore(plain, 1);
  ASSERT_EQ(want.status, ExplorationStatus::kComplete);
  ASSERT_GT(want.states, 1000u);
  ExpectSameExploration(Explore(interned, 1), want, "interned sections");
  ExpectSameExploration(Explore(interned, 2), want, "interned sections, 2 jobs");
  EXPECT_GT(interned.ExtraTableBytes(), 0u);

  ExplorerOptions options;
  options.stop_at_violation = false;
  Explorer<MainModel> explorer(interned, options);
  ASSERT_EQ(explorer.Run().states, want.states);
  std::vector<std::uint8_t> again(interned.EncodingSize());
  std::vector<std::uint8_t> exact(interned.ExactEncodingSize());
  std::vector<std::uint8_t> canonical(plain.EncodingSize());
  ASSERT_EQ(plain.EncodingSize(), interned.ExactEncodingSize());
  for (std::uint32_t i = 0; i < explorer.StateCount(); ++i) {
    const MainModel::State s = explorer.StateAt(i);
    interned.Encode(s, again.data());
    ASSERT_EQ(0, std::memcmp(again.data(), explorer.EncodingOf(i), again.size())) << "state " << i;
    interned.EncodeCanonical(s, exact.data());
    plain.Encode(s, canonical.data());
    ASSERT_EQ(exact, canonical) << "state " << i;
    ASSERT_EQ(interned.DecodeExact(exact.data()).world, s.world) << "state " << i;
  }
}

// The state dump is the same with and without interned sections, on 1 and 2 threads: it prints
// and sorts exact encodings, never section numbers (which follow the order threads met them).
TEST(MainModel, StateDumpDoesNotDependOnInterningOrThreads) {
  const MainModel plain(InterningOptions(false));
  const MainModel interned(InterningOptions(true));
  auto dump = [](const MainModel& model, int jobs) {
    ExplorerOptions options;
    options.stop_at_violation = false;
    options.jobs = jobs;
    Explorer<MainModel> explorer(model, options);
    EXPECT_EQ(explorer.Run().status, ExplorationStatus::kComplete);
    std::ostringstream out;
    WriteStateDump(explorer, out);
    return out.str();
  };
  const std::string want = dump(plain, 1);
  ASSERT_GT(std::count(want.begin(), want.end(), '\n'), 1000);
  EXPECT_EQ(dump(interned, 1), want);
  EXPECT_EQ(dump(interned, 2), want);
  EXPECT_EQ(dump(plain, 2), want);
}

// Explores `universe` on linux-6.14 without symmetry and with `groups`, and checks that the
// reduced search has fewer states, the same verdicts and counterexample lengths, exactly one
// explored state per class of the full graph (nothing merged that has another future), that
// the renamings pass CheckSymmetry, and that each reduced counterexample replays concretely.
void ExpectExactReduction(const char* universe, const std::vector<std::string>& ops,
                          SymmetryGroups groups, const std::vector<std::string>& restrictions) {
  MainModelOptions po = Options("linux-6.14", universe, ops);
  po.restrictions.insert(po.restrictions.end(), restrictions.begin(), restrictions.end());
  const MainModel plain(po);
  MainModelOptions so = po;
  so.symmetry = groups;
  const MainModel symmetric(so);
  ExplorerOptions options;
  options.stop_at_violation = false;
  options.asserted_properties = plain.DefaultAssertedMask();
  Explorer<MainModel> full(plain, options);
  Explorer<MainModel> reduced(symmetric, options);
  const ExplorationResult a = full.Run();
  const ExplorationResult b = reduced.Run();
  ASSERT_EQ(a.status, ExplorationStatus::kComplete);
  ASSERT_EQ(b.status, ExplorationStatus::kComplete);
  EXPECT_LT(b.states, a.states);
  EXPECT_FALSE(b.violations.empty());
  EXPECT_EQ(ViolatedNames(a), ViolatedNames(b));
  for (const Counterexample& c : a.violations) {
    const Counterexample* d = b.Violation(c.name);
    ASSERT_NE(d, nullptr) << c.name;
    EXPECT_EQ(c.ops.size(), d->ops.size()) << c.name;
  }
  std::set<std::vector<std::uint8_t>> classes;
  std::vector<std::uint8_t> bytes(symmetric.EncodingSize());
  for (std::uint32_t i = 0; i < full.StateCount(); ++i) {
    symmetric.Encode(full.StateAt(i), bytes.data());
    classes.insert(bytes);
  }
  EXPECT_EQ(classes.size(), b.states);
  const SymmetryCheck check = CheckSymmetry(symmetric, reduced, 2);
  EXPECT_TRUE(check.exact) << check.witness;
  // Swap-slot renamings are checked on a sample; the other groups' on every state.
  const bool others = groups.mms || groups.folio_slots;
  EXPECT_EQ(check.states, others ? b.states : check.swap_sampled);
  // The other groups' renamings were checked during the search; a model whose record does not
  // cover `reduced` checks every state after it, with the same outcome.
  EXPECT_EQ(check.during_search, others);
  const MainModel fresh(so);
  const SymmetryCheck after = CheckSymmetry(fresh, reduced, 1);
  EXPECT_FALSE(after.during_search);
  EXPECT_TRUE(after.exact) << after.witness;
  EXPECT_EQ(after.states, check.states);
  if (groups.swap_slots && symmetric.Options().universe.swap_slots > 1) {
    EXPECT_GT(check.swap_sampled, 0u);
    EXPECT_LE(check.swap_sampled, b.states);
  }
  for (const Counterexample& c : b.violations) {
    const std::vector<int> concrete = symmetric.Concretize(c.ops, c.property);
    EXPECT_EQ(concrete.size(), c.ops.size());
  }
}

TEST(MainModel, SwapSymmetryReducesStatesAndKeepsVerdicts) {
  SymmetryGroups groups;
  groups.swap_slots = true;
  ExpectExactReduction("mms=1,pages=2,folios=2,swap=2,devices=1,pmd_order=1", kStoryOps, groups,
                       {});
}

// mm renaming after fork: the child and the parent are interchangeable on this alphabet (the
// rmap walks' mm order does not change any outcome here), and CheckSymmetry confirms it.
TEST(MainModel, MmSymmetryAfterForkIsExactOnTheStoryAlphabet) {
  const std::vector<std::string> ops = {"mmap",    "fork",    "cpu_write", "dev_exclusive",
                                        "offline", "reclaim", "migrate"};
  SymmetryGroups groups;
  groups.swap_slots = groups.mms = true;
  ExpectExactReduction("mms=2,pages=2,folios=2,swap=1,devices=1,pmd_order=1", ops, groups,
                       {"kind=private", "npages=2", "va=0"});
}

// Folio-slot renaming is not exact: migration takes the lowest free frame, so a folio and its
// renamed twin migrate to frames of different standing. The check must say so, with a witness.
TEST(MainModel, FolioSymmetryIsRefutedWhereFirstFitAllocationBreaksIt) {
  MainModelOptions so = Options("linux-6.15", "mms=1,pages=2,folios=2,swap=1,devices=1,pmd_order=1",
                                {"mmap", "cpu_write", "migrate"});
  so.symmetry.folio_slots = true;
  const MainModel symmetric(so);
  ExplorerOptions options;
  options.asserted_properties = symmetric.DefaultAssertedMask();
  Explorer<MainModel> reduced(symmetric, options);
  ASSERT_EQ(reduced.Run().status, ExplorationStatus::kComplete);
  const SymmetryCheck one = CheckSymmetry(symmetric, reduced, 1);
  const SymmetryCheck two = CheckSymmetry(symmetric, reduced, 2);
  EXPECT_FALSE(one.exact);
  EXPECT_NE(one.witness.find("block 0->1"), std::string::npos) << one.witness;
  EXPECT_NE(one.witness.find("migrate"), std::string::npos) << one.witness;
  // The lowest failing state, whatever the thread count.
  EXPECT_EQ(one.witness_state, two.witness_state);
  EXPECT_EQ(one.witness, two.witness);
  // Found during the search; checking every state after it (a model whose record does not
  // cover `reduced`) finds the same state and witness.
  EXPECT_TRUE(one.during_search);
  const MainModel fresh(so);
  const SymmetryCheck after = CheckSymmetry(fresh, reduced, 2);
  EXPECT_FALSE(after.during_search);
  EXPECT_FALSE(after.exact);
  EXPECT_EQ(after.witness_state, one.witness_state);
  EXPECT_EQ(after.witness, one.witness);
}

// CheckSymmetry trusts swap-slot renamings (exact by construction: no op or property names a
// slot, a free slot holds nothing, add_to_swap takes the lowest FREE slots) and only samples
// them. This checks the claim on every state of a full, unreduced graph in which both slots are
// used: for every op, the op from the renamed world reaches the class the op reaches from the
// world, with the same transition and state violations.
TEST(MainModel, SwapRenamingCommutesWithEveryStep) {
  MainModelOptions o =
      Options("linux-6.14", "mms=1,pages=2,folios=1,swap=2,devices=1,pmd_order=1",
              {"mmap", "cpu_write", "cpu_read", "dev_exclusive", "reclaim", "migrate", "madvise"});
  o.restrictions = {"prot=rw", "kind=private", "npages=2"};
  const MainModel plain(o);
  ExplorerOptions options;
  options.stop_at_violation = false;
  Explorer<MainModel> full(plain, options);
  ASSERT_EQ(full.Run().status, ExplorationStatus::kComplete);
  o.symmetry.swap_slots = true;
  const MainModel symmetric(o);
  const std::vector<int> swapped = {1, 0}, same = {0, 1}, mm = {0, 1};
  std::vector<std::uint8_t> mine(symmetric.EncodingSize()), theirs(symmetric.EncodingSize());
  int both_slots_used = 0, steps = 0;
  for (std::uint32_t i = 0; i < full.StateCount(); ++i) {
    const MainModel::State state = full.StateAt(i);
    both_slots_used += state.world.swap[0].count > 0 && state.world.swap[1].count > 0;
    const MainModel::State renamed{Rename(state.world, swapped, same, mm)};
    ASSERT_EQ(symmetric.ViolatedStateProperties(state, ~0ull),
              symmetric.ViolatedStateProperties(renamed, ~0ull));
    MainModel::State a, b;
    for (int op = 0; op < plain.OpCount(); ++op) {
      const bool enabled = plain.Step(state, op, &a);
      ASSERT_EQ(plain.Step(renamed, op, &b), enabled) << plain.OpName(op) << " state " << i;
      if (!enabled) continue;
      ++steps;
      ASSERT_EQ(symmetric.Violations(a), symmetric.Violations(b)) << plain.OpName(op);
      symmetric.Encode(a, mine.data());
      symmetric.Encode(b, theirs.data());
      ASSERT_EQ(mine, theirs) << plain.OpName(op) << " from state " << i;
    }
  }
  EXPECT_GT(both_slots_used, 10);
  EXPECT_GT(steps, 1000);
}

// Two mms, two swap slots, two blocks: fork, write, make exclusive, reclaim and migrate at va 0.
MainModelOptions ForkedSwappedTwoBlocks() {
  MainModelOptions o =
      Options("linux-6.15", "mms=2,pages=2,folios=2,swap=2,devices=1,pmd_order=1",
              {"mmap", "fork", "cpu_write", "dev_exclusive", "reclaim", "migrate"});
  o.restrictions = {"prot=rw", "kind=private", "va=0"};
  return o;
}

// Rename is built from the field lists (every field has a role, static_asserted in
// main_model_symmetry.cpp). The identity renames nothing, and a renaming applied twice with its
// inverse gives the world back, on every state of a forked, swapped, two-block universe.
TEST(MainModel, RenameIsAGroupAction) {
  MainModelOptions o = ForkedSwappedTwoBlocks();
  const MainModel model(o);
  ExplorerOptions options;
  options.stop_at_violation = false;
  Explorer<MainModel> explorer(model, options);
  ASSERT_EQ(explorer.Run().status, ExplorationStatus::kComplete);
  const std::vector<int> id = {0, 1}, flip = {1, 0};
  int moved = 0;
  for (std::uint32_t i = 0; i < explorer.StateCount(); i += 5) {
    const model::World w = explorer.StateAt(i).world;
    ASSERT_EQ(Rename(w, id, id, id), w) << "state " << i;
    const model::World once = Rename(w, flip, flip, flip);
    moved += once == w ? 0 : 1;
    ASSERT_EQ(Rename(once, flip, flip, flip), w) << "state " << i;
  }
  EXPECT_GT(moved, 100);
}

// Runs `explorer` over its whole universe, which the tests below sample: more than 1,000 states.
void ExploreWhole(Explorer<MainModel>& explorer) {
  ASSERT_EQ(explorer.Run().status, ExplorationStatus::kComplete);
  ASSERT_GT(explorer.StateCount(), 1000u);
}

// Encode's renamed encodings are written straight from the world, without building the renamed
// World: on every state of a two-mm, two-swap-slot, two-block universe (forked, swapped, made
// exclusive), each renaming of all three groups writes exactly EncodeExact(Rename(...)), and
// Encode is the least of them.
TEST(MainModel, RenamedEncodingsAreThoseOfTheRenamedWorlds) {
  MainModelOptions o = ForkedSwappedTwoBlocks();
  const MainModel model(o);
  ExplorerOptions options;
  options.stop_at_violation = false;
  Explorer<MainModel> explorer(model, options);
  ASSERT_NO_FATAL_FAILURE(ExploreWhole(explorer));
  const std::vector<std::vector<int>> two = {{0, 1}, {1, 0}};
  std::vector<std::uint8_t> direct(model.EncodingSize()), built(model.EncodingSize());
  std::vector<std::uint8_t> least(model.EncodingSize()), canonical(model.EncodingSize());
  o.symmetry.swap_slots = o.symmetry.mms = o.symmetry.folio_slots = true;
  const MainModel symmetric(o);
  int renamed_differently = 0;
  for (std::uint32_t i = 0; i < explorer.StateCount(); i += 7) {
    const model::World world = explorer.StateAt(i).world;
    model.EncodeExact(world, least.data());
    for (const auto& swap : two) {
      for (const auto& block : two) {
        for (const auto& mm : two) {
          model.EncodeRenamed(world, swap, block, mm, direct.data());
          model.EncodeExact(Rename(world, swap, block, mm), built.data());
          ASSERT_EQ(direct, built) << "state " << i << ", swap " << swap[0] << ", block "
                                   << block[0] << ", mm " << mm[0];
          // memcmp, not vector's <: GCC 12 warns falsely (-Wstringop-overread) on the latter.
          const int order = std::memcmp(built.data(), least.data(), built.size());
          if (order != 0) ++renamed_differently;
          if (order < 0) least = built;
        }
      }
    }
    symmetric.Encode(MainModel::State{world}, canonical.data());
    ASSERT_EQ(canonical, least) << "state " << i;
  }
  EXPECT_GT(renamed_differently, 1000);
}

// Encode copies the sections a successor shares with the state it was stepped from when that
// state came from Decode (MainModel::State::decoded/parent), and compares renamings of mms by
// their sections: the encodings must be those written from scratch, for every successor of every
// state of a forked, swapped, two-block universe, with each symmetry option, with and without
// interned sections. A second Decode in between (another state) must not be mistaken for the
// parent.
TEST(MainModel, EncodingFromTheDecodedParentIsTheFreshOne) {
  for (int groups = 0; groups < 3; ++groups) {
    for (bool intern : {false, true}) {
      MainModelOptions o = ForkedSwappedTwoBlocks();
      o.symmetry.swap_slots = o.symmetry.mms = groups >= 1;
      o.symmetry.folio_slots = groups >= 2;
      o.intern_sections = intern;
      const MainModel model(o);
      ExplorerOptions options;
      options.stop_at_violation = false;
      Explorer<MainModel> explorer(model, options);
      ASSERT_NO_FATAL_FAILURE(ExploreWhole(explorer));
      std::vector<std::uint8_t> cached(model.EncodingSize()), fresh(model.EncodingSize());
      std::vector<std::uint8_t> exact(model.ExactEncodingSize()), exact_fresh(exact.size());
      MainModel::State post;
      int copied_from_parent = 0;
      for (std::uint32_t i = 0; i < explorer.StateCount(); i += 3) {
        const MainModel::State state = explorer.StateAt(i);
        ASSERT_NE(state.decoded, 0u);
        for (int op = 0; op < model.OpCount(); ++op) {
          if (!model.Step(state, op, &post) || post.unchanged) continue;
          ASSERT_EQ(post.parent, state.decoded);
          model.Encode(post, cached.data());
          model.EncodeCanonical(post, exact.data());
          MainModel::State alone = post;
          alone.parent = 0;
          model.Encode(alone, fresh.data());
          model.EncodeCanonical(alone, exact_fresh.data());
          ASSERT_EQ(cached, fresh) << "groups " << groups << ", intern " << intern << ", state "
                                   << i << ", op " << model.OpName(op);
          ASSERT_EQ(exact, exact_fresh)
              << "groups " << groups << ", state " << i << ", op " << model.OpName(op);
          copied_from_parent += post.world.mms[1] == state.world.mms[1] ? 1 : 0;
        }
        // Another state decoded in between: the successors of the first are written whole.
        if (i + 1 < explorer.StateCount() && i % 96 == 0) {
          const MainModel::State other = explorer.StateAt(i + 1);
          ASSERT_NE(other.decoded, state.decoded);
          for (int op = 0; op < model.OpCount(); ++op) {
            if (!model.Step(state, op, &post) || post.unchanged) continue;
            model.Encode(post, cached.data());
            MainModel::State alone = post;
            alone.parent = 0;
            model.Encode(alone, fresh.data());
            ASSERT_EQ(cached, fresh) << "state " << i << " after another decode";
          }
        }
      }
      EXPECT_GT(copied_from_parent, 300);
    }
  }
}

// The compact encoding holds counts in a byte: a count beyond it is an error naming the value,
// never a silent wrap that would merge two states.
// The symmetry check's shortcut (main_model_internal::SameUnderMmRenaming) says "same" for a
// world and its mm-renamed copy, and never where the encodings differ.
TEST(MainModel, MmRenamedWorldsCompareLikeTheirEncodings) {
  const MainModel model(ForkedSwappedTwoBlocks());
  ExplorerOptions options;
  options.stop_at_violation = false;
  Explorer<MainModel> explorer(model, options);
  ASSERT_EQ(explorer.Run().status, ExplorationStatus::kComplete);
  const std::vector<int> same = {0, 1}, swapped = {1, 0};
  std::vector<std::uint8_t> renamed(model.EncodingSize()), other(model.EncodingSize());
  int forked = 0;
  for (std::uint32_t i = 0; i + 1 < explorer.StateCount(); i += 5) {
    const model::World x = explorer.StateAt(i).world;
    EXPECT_TRUE(
        main_model_internal::SameUnderMmRenaming(x, Rename(x, same, same, swapped), swapped))
        << "state " << i;
    EXPECT_TRUE(main_model_internal::SameUnderMmRenaming(x, x, same)) << "state " << i;
    forked += x.mms[1].exists ? 1 : 0;
    for (const std::uint32_t j :
         {i + 1, static_cast<std::uint32_t>((i * 7919u) % explorer.StateCount())}) {
      const model::World y = explorer.StateAt(j).world;
      model.EncodeRenamed(x, same, same, swapped, renamed.data());
      model.EncodeExact(y, other.data());
      if (main_model_internal::SameUnderMmRenaming(x, y, swapped)) {
        EXPECT_EQ(renamed, other) << "states " << i << ", " << j;
      }
    }
  }
  EXPECT_GT(forked, 100);
}

TEST(MainModel, ACountBeyondTheEncodingIsAnError) {
  const MainModel model(Options("linux-6.15", kTiny));
  MainModel::State s = model.InitialState();
  s.world.pages[0].refcount = 300;
  std::vector<std::uint8_t> bytes(model.EncodingSize());
  try {
    model.Encode(s, bytes.data());
    FAIL() << "no error";
  } catch (const ExplorationError& e) {
    EXPECT_NE(std::string(e.what()).find("300"), std::string::npos) << e.what();
  }
  s = model.InitialState();
  s.world.mms[0].ptes[0].kind = model::PteKind::kPresent;
  s.world.mms[0].ptes[0].pfn = 0x12345;
  EXPECT_THROW(model.Encode(s, bytes.data()), ExplorationError);
}

// Issue 14 item 3: --restrict va=99 outside the universe left every op with a
// va out of the search (1 state, every property "holds", exit 0).
TEST(MainModel, RestrictOutsideTheUniverseIsAnError) {
  auto error_of = [](std::vector<std::string> restrictions) {
    MainModelOptions o = Options("linux-6.15", kTiny);
    o.restrictions = std::move(restrictions);
    try {
      MainModel model(o);
    } catch (const model::ModelInputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const std::string u = model::ParseUniverse(kTiny).ToString();
  EXPECT_EQ(error_of({"va=99"}), "--restrict va=99: 99 is out of range 0..1 for universe " + u);
  EXPECT_EQ(error_of({"va=0,2"}), "--restrict va=0,2: 2 is out of range 0..1 for universe " + u);
  EXPECT_EQ(error_of({"mm=mm1"}), "--restrict mm=mm1: mm1 is out of range 0..0 for universe " + u);
  EXPECT_EQ(error_of({"npages=0"}),
            "--restrict npages=0: 0 is out of range 1..2 for universe " + u);
  EXPECT_EQ(error_of({"dev=dev3"}),
            "--restrict dev=dev3: dev3 is out of range 0..0 for universe " + u);
  EXPECT_EQ(error_of({"value=2"}),
            "--restrict value=2: 2 is out of range 1..1 for universe " + u + " and --values 1");
  // Used to throw std::out_of_range out of std::stoi.
  EXPECT_EQ(error_of({"va=99999999999999999999"}),
            "--restrict va=99999999999999999999: 99999999999999999999 is out of range 0..1 for "
            "universe " +
                u);
  EXPECT_EQ(error_of({"prot=2"}),
            "--restrict prot: '2' is not a value of prot; accepted: none, r, rw");
  EXPECT_EQ(error_of({"va=0", "mm=mm0", "npages=1,2", "dev=0", "value=1", "prot=rw"}), "");
}

// --op NAME of an op with no instance in the universe was dropped silently.
TEST(MainModel, OpWithoutAnInstanceIsAnError) {
  const char* no_devices = "mms=1,pages=2,folios=2,swap=1,devices=0,pmd_order=1";
  std::string error;
  try {
    MainModel model(Options("linux-6.15", no_devices, {"mmap", "dev_exclusive"}));
  } catch (const model::ModelInputError& e) {
    error = e.what();
  }
  EXPECT_EQ(error, "--op dev_exclusive: no instance in universe " +
                       model::ParseUniverse(no_devices).ToString() +
                       ": its argument dev has no value there");
  EXPECT_NO_THROW(MainModel(Options("linux-6.15", no_devices, {})));
}

// --alphabet devexcl-core: per (mm, va) the spec's page ops, one mmap of the spec's VMA per mm,
// and nothing the spec leaves out (bench/devexcl-core.md §4).
TEST(MainModel, DevexclCoreAlphabetHasTheBenchmarksOps) {
  MainModelOptions o;
  o.profile = model::ResolveProfile("linux-6.15");
  o.universe = model::ParseUniverse("mms=2,pages=2,folios=3,swap=2,devices=1,pmd_order=1");
  o.values = 1;
  o.alphabet = "devexcl-core";
  const MainModel model(o);
  std::set<std::string> names;
  for (int op = 0; op < model.OpCount(); ++op) names.insert(model.OpName(op));
  EXPECT_EQ(names.size(), static_cast<std::size_t>(model.OpCount()));
  for (const char* name : {"mmap mm=mm0 va=0 npages=2 prot=rw kind=private", "fork mm=mm1",
                           "cpu_write mm=mm1 va=1 value=1", "cpu_read mm=mm0 va=1",
                           "dev_exclusive dev=dev0 mm=mm1 va=1 npages=1",
                           "madvise mm=mm0 va=1 npages=1 advice=dontneed", "reclaim folio=@mm1:p0",
                           "migrate folio=@mm0:p1", "offline folio=@mm1:p1"})
    EXPECT_EQ(names.count(name), 1u) << name;
  // 2 mmap + 2 fork + 4 each of cpu_read, cpu_write, dev_exclusive, madvise, reclaim, migrate,
  // offline: nothing else (no munmap, mprotect, other mmap kinds or advice, device memory).
  EXPECT_EQ(model.OpCount(), 32);
  o.alphabet = "everything";
  EXPECT_THROW(MainModel{o}, model::ModelInputError);
}

TEST(MainModel, SymmetryGroupsParse) {
  EXPECT_TRUE(ParseSymmetryGroups("").swap_slots);
  EXPECT_FALSE(ParseSymmetryGroups("").mms);
  EXPECT_FALSE(ParseSymmetryGroups("off").Any());
  const SymmetryGroups g = ParseSymmetryGroups("mms,folios");
  EXPECT_TRUE(g.mms && g.folio_slots && !g.swap_slots);
  EXPECT_EQ(ParseSymmetryGroups("all").Describe(), "swap slots + mms + folio slots");
  EXPECT_THROW(ParseSymmetryGroups("swap,frames"), model::ModelInputError);
  EXPECT_THROW(ParseSymmetryGroups("swap,off"), model::ModelInputError);
}

// Bug 3/4's root (docs/kernel-rules.md#invariant-1): on 6.14 a device-exclusive entry drops the
// mapcount. The shortest counterexample is map, make exclusive (GUP faults the page in); as a
// .mmtrace it
// replays on the concrete model with the same violation at the last step.
TEST(MainModel, ShortestMapcountCounterexampleReplaysOn614) {
  const MainModel model(Options("linux-6.14", kTiny));
  const ExplorationResult r = Explore(model, 1);
  const Counterexample* c = r.Violation("mapcount-matches-mappings");
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(c->ops.size(), 2u);
  EXPECT_EQ(c->op_names.front().rfind("mmap", 0), 0u) << c->op_names.front();
  EXPECT_EQ(c->op_names.back().rfind("dev_exclusive", 0), 0u) << c->op_names.back();
  const traces::Trace t = model.MakeTrace(c->ops, c->name, "shortest", {"explored"});
  const traces::Trace parsed = traces::ParseTrace("cx.mmtrace", traces::PrintTrace(t));
  EXPECT_EQ(parsed, t);
  const traces::ReplayResult replay =
      traces::Replay(parsed, "cx.mmtrace", traces::TraceProfile(parsed, "cx.mmtrace"));
  EXPECT_TRUE(replay.matches) << replay.verdict;
  const int index = properties::PropertyIndex("mapcount-matches-mappings");
  EXPECT_EQ(replay.run.first_violation[static_cast<std::size_t>(index)],
            static_cast<int>(c->ops.size()));
}

TEST(MainModel, NoViolationOn615InATinyUniverse) {
  const MainModel model(Options("linux-6.15", kTiny));
  const ExplorationResult r = Explore(model, 1);
  EXPECT_EQ(r.status, ExplorationStatus::kComplete);
  EXPECT_GT(r.states, 100u);
  EXPECT_TRUE(r.violations.empty())
      << r.violations.front().name << ": " << r.violations.front().op_names.size() << " ops";
}

// Bug 4 (docs/kernel-rules.md#bug-04): memory offline loops forever on a device-exclusive folio
// on 6.14; the lasso's cycle is the offline op. 6.15 migrates it.
TEST(MainModel, OfflineLassoOn614NotOn615) {
  for (const char* profile : {"linux-6.14", "linux-6.15"}) {
    const MainModel model(Options(profile, kTiny));
    ExplorerOptions options;
    options.stop_at_violation = false;
    Explorer<MainModel> explorer(model, options);
    ASSERT_EQ(explorer.Run().status, ExplorationStatus::kComplete);
    bool lasso = false;
    for (const auto& property : model.LivenessProperties()) {
      if (property.name.rfind("offline-", 0) != 0) continue;
      const LivenessResult l = CheckLiveness(explorer, property);
      ASSERT_NE(l.verdict, LivenessVerdict::kNotChecked) << l.reason;
      if (l.verdict != LivenessVerdict::kViolated) continue;
      lasso = true;
      EXPECT_FALSE(l.deadlock);
      ASSERT_FALSE(l.cycle.empty());
      EXPECT_EQ(l.cycle.front().rfind("offline", 0), 0u) << l.cycle.front();
      bool exclusive_in_stem = false;
      for (const std::string& op : l.stem) exclusive_in_stem |= op.rfind("dev_exclusive", 0) == 0;
      EXPECT_TRUE(exclusive_in_stem);
    }
    EXPECT_EQ(lasso, std::string(profile) == "linux-6.14") << profile;
  }
}

// Liveness on a graph reduced by swap-slot and mm renaming: those renamings leave frames in
// place, so "frame F can be emptied" has the same verdict for every property as on the full
// graph, and the reduced lasso concretizes to ops of the concrete model.
TEST(MainModel, LivenessVerdictsSurviveMmSymmetry) {
  const std::vector<std::string> ops = {"mmap",          "fork",    "cpu_write",
                                        "dev_exclusive", "offline", "reclaim"};
  const char* universe = "mms=2,pages=2,folios=2,swap=1,devices=1,pmd_order=1";
  MainModelOptions po = Options("linux-6.14", universe, ops);
  po.restrictions.insert(po.restrictions.end(), {"kind=private", "npages=2", "va=0"});
  MainModelOptions so = po;
  so.symmetry.swap_slots = so.symmetry.mms = true;
  const MainModel plain(po), symmetric(so);
  ExplorerOptions options;
  options.stop_at_violation = false;
  Explorer<MainModel> full(plain, options), reduced(symmetric, options);
  ASSERT_EQ(full.Run().status, ExplorationStatus::kComplete);
  ASSERT_EQ(reduced.Run().status, ExplorationStatus::kComplete);
  ASSERT_TRUE(CheckSymmetry(symmetric, reduced, 2).exact);
  const auto plain_properties = plain.LivenessProperties();
  const auto symmetric_properties = symmetric.LivenessProperties();
  ASSERT_EQ(plain_properties.size(), symmetric_properties.size());
  int violated = 0;
  for (std::size_t i = 0; i < plain_properties.size(); ++i) {
    const LivenessResult a = CheckLiveness(full, plain_properties[i]);
    const LivenessResult b = CheckLiveness(reduced, symmetric_properties[i]);
    EXPECT_EQ(a.verdict, b.verdict) << plain_properties[i].name;
    if (b.verdict != LivenessVerdict::kViolated) continue;
    ++violated;
    std::vector<int> lasso;
    for (const std::string& name : b.stem) lasso.push_back(symmetric.OpIndex(name));
    for (const std::string& name : b.cycle) lasso.push_back(symmetric.OpIndex(name));
    EXPECT_EQ(symmetric.Concretize(lasso, -1).size(), lasso.size()) << b.property;
  }
  EXPECT_GT(violated, 0);  // the offline loop of bug 4 is there on 6.14
}

}  // namespace
}  // namespace mmcheck::solver::explicit_state
