// SPDX-License-Identifier: GPL-2.0
// RapidCheck generators for model operations, drawn from the one op table:
// the op is chosen by index, every argument in its range for the universe.
// Arguments shrink towards the low end of their ranges (mm0, page 0, one
// page, PROT_NONE -> rw order as in ArgSymbols).
#pragma once

#include <ostream>

#include <rapidcheck.h>

#include "model/operations.h"

namespace mmcheck::model {
// How RapidCheck prints an op in a counterexample: "cpu_write mm=mm0 va=1 value=7".
inline void showValue(const Op& op, std::ostream& os) {
  os << FormatOp(op);
}
}  // namespace mmcheck::model

namespace mmcheck::properties {

// An op with in-range arguments for universe `u` (it may still be disabled
// in a given state: replays skip disabled ops).
inline rc::Gen<model::Op> GenOp(const model::Universe& u) {
  const int n_ops = static_cast<int>(model::OpTable().size());
  return rc::gen::map(
      rc::gen::tuple(rc::gen::inRange(0, n_ops), rc::gen::inRange(0, 256), rc::gen::inRange(0, 256),
                     rc::gen::inRange(0, 256), rc::gen::inRange(0, 256), rc::gen::inRange(0, 256)),
      [u](const std::tuple<int, int, int, int, int, int>& t) {
        const model::OpInfo& info = model::OpTable()[static_cast<size_t>(std::get<0>(t))];
        int raw[model::kMaxArgs] = {std::get<1>(t), std::get<2>(t), std::get<3>(t), std::get<4>(t),
                                    std::get<5>(t)};
        model::Op op;
        op.code = info.code;
        for (size_t i = 0; i < info.args.size(); ++i) {
          auto [lo, hi] = model::ArgRange(info.args[i].kind, u);
          op.args[i] = static_cast<int16_t>(hi < lo ? lo : lo + raw[i] % (hi - lo + 1));
        }
        return op;
      });
}

// A sequence that starts by mapping all of mm0 read-write and private (so
// most random ops find memory to act on), then random ops. The prologue is
// fixed: shrinking removes only the random part.
inline std::vector<model::Op> Prologue(const model::Universe& u) {
  return {model::MakeOp(model::OpCode::kMmap,
                        {0, 0, u.pages, model::kProtReadWrite, model::kMapPrivate})};
}

inline rc::Gen<std::vector<model::Op>> GenOps(const model::Universe& u) {
  return rc::gen::map(rc::gen::container<std::vector<model::Op>>(GenOp(u)),
                      [u](std::vector<model::Op> ops) {
                        std::vector<model::Op> all = Prologue(u);
                        all.insert(all.end(), ops.begin(), ops.end());
                        return all;
                      });
}

}  // namespace mmcheck::properties
