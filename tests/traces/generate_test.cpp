// SPDX-License-Identifier: GPL-2.0
// traces/generate: random traces for the real-kernel conformance run.
#include "traces/generate.h"

#include <gtest/gtest.h>

#include "traces/c_reproducer.h"
#include "traces/replay.h"

namespace mmcheck::traces {
namespace {

GenerateOptions Options(bool user_space) {
  GenerateOptions o;
  o.trace_profile = "linux-6.12";
  o.profile = *model::ProfileSet::Builtin().Find("linux-6.12");
  o.knobs = {"transparent_hugepage=never"};
  model::ApplyKnobOverride(o.profile, o.knobs[0]);
  o.universe = model::ParseUniverse("devices=2,device_pages=8");
  o.seed = 7;
  o.steps = 8;
  o.user_space = user_space;
  return o;
}

// Trace i of a seed is the same every time, another index gives another
// trace, and the text round-trips through the parser.
TEST(Generate, DeterministicPerSeedAndIndex) {
  const GenerateOptions o = Options(false);
  EXPECT_EQ(PrintTrace(RandomTrace(o, 3)), PrintTrace(RandomTrace(o, 3)));
  EXPECT_NE(PrintTrace(RandomTrace(o, 3)), PrintTrace(RandomTrace(o, 4)));
  const Trace t = RandomTrace(o, 3);
  EXPECT_EQ(PrintTrace(ParseTrace("t", PrintTrace(t))), PrintTrace(t));
}

// With user_space, every step of every trace becomes C (none is a comment),
// and the expect line is what replay on the profile says.
TEST(Generate, UserSpaceTracesExportWhole) {
  const GenerateOptions o = Options(true);
  for (uint64_t i = 0; i < 20; ++i) {
    const Trace t = RandomTrace(o, i);
    ASSERT_EQ(t.steps.size(), 8u) << PrintTrace(t);
    const ReplayResult r = Replay(t, "t", o.profile);
    EXPECT_TRUE(r.matches) << PrintTrace(t) << r.verdict;
    EXPECT_EQ(ExportCReproducer(t, "t", r).commented_steps, 0) << PrintTrace(t);
  }
}

}  // namespace
}  // namespace mmcheck::traces
