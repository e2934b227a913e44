// SPDX-License-Identifier: GPL-2.0
// SymbolicModel::Step covers the op table (solver/smt/symbolic_model.cpp):
// its switch over model::OpCode has no default, so a new op does not
// compile until it has a case; these tests check what the cases do. Every op
// of the symbolic subset is encoded and in the alphabet (the device ops only
// in a universe with device pages), and every other op of model::OpTable()
// is refused by name rather than encoded as some other op.
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "model/operations.h"
#include "model/profile.h"
#include "solver/smt/symbolic_model.h"
#include "tests/solver/smt/builtin_profile.h"

namespace mmcheck::solver::smt {
namespace {

using testing::Builtin;

// The op of `info` with every argument at the low end of its range.
model::Op LowestInstance(const model::OpInfo& info, const model::Universe& u) {
  model::Op op;
  op.code = info.code;
  for (size_t i = 0; i < info.args.size(); ++i)
    op.args[i] = static_cast<int16_t>(model::ArgRange(info.args[i].kind, u).first);
  return op;
}

bool InAlphabet(const SymbolicModel& sm, model::OpCode code) {
  return std::any_of(sm.Alphabet().begin(), sm.Alphabet().end(),
                     [&](const model::Op& op) { return op.code == code; });
}

TEST(SymbolicStep, EveryOpOfTheTableIsEncodedOrRefused) {
  z3::context ctx;
  const model::Universe u = BmcDeviceUniverse();
  SymbolicModel sm(ctx, u, Builtin("niethe-v6").knobs);
  const SymState s = sm.Fresh("s.");
  const z3::expr value = ctx.bv_const("value", 8);
  int encoded = 0, refused = 0;
  for (const model::OpInfo& info : model::OpTable()) {
    const model::Op op = LowestInstance(info, u);
    SCOPED_TRACE(model::FormatOp(op));
    if (IsSymbolicOp(info.code)) {
      const SymStep st = sm.Step(s, op, value, false);
      EXPECT_EQ(st.next.size(), static_cast<size_t>(sm.layout().size()));
      EXPECT_TRUE(InAlphabet(sm, info.code));
      ++encoded;
      continue;
    }
    EXPECT_FALSE(InAlphabet(sm, info.code));
    try {
      sm.Step(s, op, value, false);
      ADD_FAILURE() << "an op outside the symbolic subset was encoded";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(model::FormatOp(op) + " is not in the symbolic subset"),
                std::string::npos)
          << e.what();
    }
    ++refused;
  }
  EXPECT_EQ(encoded, static_cast<int>(SymbolicOpCodes().size() + SymbolicDeviceOpCodes().size()));
  EXPECT_GT(refused, 0);
}

// Without device pages the device ops are never enabled, so they are left
// out of the alphabet; the other symbolic ops are all in it.
TEST(SymbolicStep, DeviceOpsOnlyWithDevicePages) {
  z3::context ctx;
  SymbolicModel sm(ctx, BmcUniverse(), Builtin("linux-6.15").knobs);
  for (model::OpCode code : SymbolicOpCodes())
    EXPECT_TRUE(InAlphabet(sm, code)) << model::InfoOf(code).name;
  for (model::OpCode code : SymbolicDeviceOpCodes())
    EXPECT_FALSE(InAlphabet(sm, code)) << model::InfoOf(code).name;
}

}  // namespace
}  // namespace mmcheck::solver::smt
