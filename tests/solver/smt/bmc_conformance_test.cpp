// SPDX-License-Identifier: GPL-2.0
// The symbolic transition relation (solver/smt/symbolic_model.h) agrees with
// the concrete model: for states reached by random op sequences of the
// symbolic subset and a random next op, the symbolic step evaluated on the
// projected state equals the projection of model::Apply, and the symbolic
// precondition equals model::Enabled. The symbolic state properties agree
// with properties::CheckStep on the same states. Both universes are covered:
// BmcUniverse() and BmcDeviceUniverse() (one device-private page, adding
// device-private migration, dev_release and unlock_folio), the latter on
// every profile SymbolicKnobsUnsupported() accepts (all but the pfn/offset
// confusion what-if). Seeds are fixed (printed by RapidCheck on failure;
// `MMCHECK_SEED` overrides the walk's seed).
#include "solver/smt/symbolic_model.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <set>

#include <fmt/format.h>

#include "model/profile.h"
#include "properties/properties.h"
#include "tests/solver/smt/reachable.h"

namespace mmcheck::solver::smt {
namespace {

using model::Op;
using model::OpCode;

using testing::CompareStep;
using testing::Numeral;

// The built-in profiles the symbolic model encodes in universe `u`.
std::vector<std::string> ConformanceProfiles(const model::Universe& u) {
  std::vector<std::string> out;
  for (const model::Profile& p : model::ProfileSet::Builtin().All())
    if (SymbolicKnobsUnsupported(u, p.knobs).empty()) out.push_back(p.name);
  return out;
}

// Every op code in the alphabet of universe `u`.
std::vector<OpCode> Codes(const model::Universe& u) {
  std::vector<OpCode> out = SymbolicOpCodes();
  if (u.device_pages > 0)
    out.insert(out.end(), SymbolicDeviceOpCodes().begin(), SymbolicDeviceOpCodes().end());
  return out;
}

TEST(SymbolicConformance, DeviceUniverseCoversAllButTheUnencodedWhatIfs) {
  // Left out, each with the knob named: offsets with no pvmw kind test (the
  // confusion what-if), test_hmm's one-page-past invalidation (linux-6.12),
  // arm64's young helper, and the unconverted dmirror driver.
  const auto names = ConformanceProfiles(BmcDeviceUniverse());
  for (const char* p : {"mainline", "linux-6.15", "niethe-v6", "niethe-v6-type-losing-downgrade"})
    EXPECT_NE(std::find(names.begin(), names.end(), p), names.end()) << p;
  for (const model::Profile& p : model::ProfileSet::Builtin().All()) {
    const bool one_past =
        p.knobs.dmirror_invalidate_range == model::DmirrorInvalidateRange::kOnePast;
    const bool arm64 = p.knobs.arch == model::PteArch::kArm64;
    const std::string why = SymbolicKnobsUnsupported(BmcDeviceUniverse(), p.knobs);
    if (!why.empty()) {
      EXPECT_EQ(why.rfind("knob ", 0), 0u) << p.name << ": " << why;
    }
    EXPECT_EQ(SymbolicKnobsUnsupported(BmcUniverse(), p.knobs).empty(), !one_past && !arm64)
        << p.name;
  }
  for (const char* p :
       {"linux-6.12", "niethe-v2-no-pvmw-kind", "mainline-arm64", "niethe-v6-unconverted-driver"})
    EXPECT_EQ(std::find(names.begin(), names.end(), p), names.end()) << p;
}

model::World Prologue(const model::Universe& u, const model::Knobs& k) {
  model::World w = model::World::Initial(u, k);
  for (const Op& op : BmcPrologue(u)) model::Apply(w, op);
  return w;
}

// RapidCheck: random subset op sequences from the prologue, a random next op.
RC_GTEST_PROP(SymbolicConformance, StepMatchesApply, ()) {
  const model::Universe u = *rc::gen::element(BmcUniverse(), BmcDeviceUniverse());
  const auto names = ConformanceProfiles(u);
  const std::string profile =
      names[static_cast<size_t>(*rc::gen::inRange<size_t>(0, names.size()))];
  z3::context ctx;
  SymbolicModel sm(ctx, u, model::ProfileSet::Builtin().Find(profile)->knobs);
  const auto& alphabet = sm.Alphabet();
  auto gen_op = rc::gen::map(
      rc::gen::pair(rc::gen::resize(100, rc::gen::inRange<size_t>(0, alphabet.size())),
                    rc::gen::inRange(1, 256)),
      [alphabet](const std::pair<size_t, int>& p) {  // by value: shrinking runs it later
        Op op = alphabet[p.first];
        if (op.code == OpCode::kCpuWrite) op.args[2] = static_cast<int16_t>(p.second);
        return op;
      });
  const auto ops = *rc::gen::resize(12, rc::gen::container<std::vector<Op>>(gen_op));
  model::World w = Prologue(u, sm.knobs());
  for (const Op& op : ops) {
    if (!model::Enabled(w, op)) continue;
    model::World after = w;
    model::Apply(after, op);
    if (sm.layout().OutsideSubset(after).empty()) w = std::move(after);  // stay in the subset
  }
  // The next op: a uniformly chosen op code, preferably an enabled instance.
  // (resize: RapidCheck scales inRange with the size; every code equally likely.)
  const std::vector<OpCode> codes = Codes(u);
  const OpCode code = codes[*rc::gen::resize(100, rc::gen::inRange<size_t>(0, codes.size()))];
  std::vector<Op> candidates, enabled;
  for (const Op& op : alphabet)
    if (op.code == code) {
      candidates.push_back(op);
      if (model::Enabled(w, op)) enabled.push_back(op);
    }
  const std::vector<Op>& pool = enabled.empty() ? candidates : enabled;
  Op next = pool[*rc::gen::resize(100, rc::gen::inRange<size_t>(0, pool.size()))];
  if (next.code == OpCode::kCpuWrite)
    next.args[2] = static_cast<int16_t>(*rc::gen::inRange(1, 256));
  RC_TAG(model::InfoOf(next.code).name);
  const std::string diff = CompareStep(sm, w, next);
  if (!diff.empty()) RC_FAIL(profile + ": " + diff);
}

// A seeded walk checking every op instance of the alphabet at every visited
// state, on the profiles before and after the Hildenbrand series; asserts
// that every op of the subset was checked enabled and changed the state.
TEST(SymbolicConformance, EveryOpInstanceAlongSeededWalks) {
  const char* env = std::getenv("MMCHECK_SEED");
  const uint64_t seed = env ? std::strtoull(env, nullptr, 0) : 20261130;
  std::printf("SymbolicConformance walk seed: %llu (replay: MMCHECK_SEED=%llu)\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  for (const model::Universe& u : {BmcUniverse(), BmcDeviceUniverse()}) {
    std::set<OpCode> enabled_seen, changed_seen;
    const std::vector<const char*> profiles =
        u.device_pages == 0
            ? std::vector<const char*>{"linux-6.14", "linux-6.15", "hildenbrand-v2-11"}
            : std::vector<const char*>{"mainline", "niethe-v6", "niethe-v6-type-losing-downgrade"};
    for (const char* profile : profiles) {
      const model::Profile* p = model::ProfileSet::Builtin().Find(profile);
      ASSERT_NE(p, nullptr) << profile;
      z3::context ctx;
      SymbolicModel sm(ctx, u, p->knobs);
      for (int walk = 0; walk < 2; ++walk) {
        model::World w = Prologue(u, p->knobs);
        for (int step = 0; step < 7; ++step) {
          // The strengthening invariants of k-induction hold on reachable
          // states of the profiles without the bugs they would rule out.
          if (std::string(profile) != "linux-6.14") {
            for (const std::string& inv : SymbolicModel::StrengtheningInvariants()) {
              ASSERT_EQ(Numeral(sm.Holds(inv, sm.Constant(sm.layout().Project(w)))), 1u)
                  << profile << " walk " << walk << " step " << step << ": " << inv;
            }
          }
          std::vector<Op> enabled;
          for (Op op : sm.Alphabet()) {
            if (op.code == OpCode::kCpuWrite) op.args[2] = static_cast<int16_t>(1 + rng() % 255);
            std::string diff = CompareStep(sm, w, op);
            ASSERT_EQ(diff, "") << profile << " walk " << walk << " step " << step;
            if (!model::Enabled(w, op)) continue;
            model::World probe = w;
            model::Apply(probe, op);
            if (!sm.layout().OutsideSubset(probe).empty()) continue;  // checked by CompareStep
            enabled.push_back(op);
            enabled_seen.insert(op.code);
            model::World after = w;
            model::Apply(after, op);
            if (!(sm.layout().Project(after) == sm.layout().Project(w)))
              changed_seen.insert(op.code);
          }
          ASSERT_FALSE(enabled.empty());
          // In the device universe, every other step is a device op when one
          // is enabled, so the walks reach evictions and their unlock.
          std::vector<Op> device;
          for (const Op& op : enabled)
            if (std::find(SymbolicDeviceOpCodes().begin(), SymbolicDeviceOpCodes().end(),
                          op.code) != SymbolicDeviceOpCodes().end())
              device.push_back(op);
          const std::vector<Op>& pool = !device.empty() && rng() % 2 ? device : enabled;
          model::Apply(w, pool[rng() % pool.size()]);
        }
      }
    }
    for (OpCode code : Codes(u)) {
      EXPECT_TRUE(enabled_seen.count(code))
          << u.ToString() << ": " << model::InfoOf(code).name << " never enabled";
      EXPECT_TRUE(changed_seen.count(code))
          << u.ToString() << ": " << model::InfoOf(code).name << " never changed the state";
    }
  }
}

}  // namespace
}  // namespace mmcheck::solver::smt
