// SPDX-License-Identifier: GPL-2.0
// The compiled expression evaluator (expr_eval.h) against Z3: every node
// kind it knows, on seeded random values, gives what Z3's substitute +
// simplify gives; a node kind it does not know, a constant that is not an
// input and a too-wide bit-vector are refused, never guessed.
#include "tests/solver/smt/expr_eval.h"

#include <gtest/gtest.h>

#include <random>
#include <stdexcept>

namespace mmcheck::solver::smt::testing {
namespace {

uint64_t ByZ3(const z3::expr& e, const z3::expr_vector& from, const z3::expr_vector& to) {
  z3::expr copy = e;  // substitute is not const
  z3::expr s = copy.substitute(from, to).simplify();
  if (s.is_true()) return 1;
  if (s.is_false()) return 0;
  uint64_t v = 0;
  EXPECT_TRUE(s.is_numeral_u64(v)) << s;
  return v;
}

TEST(ExprTape, EveryKnownNodeKindAgreesWithZ3) {
  z3::context c;
  z3::expr a = c.bv_const("a", 8), b = c.bv_const("b", 8), w = c.bv_const("w", 9);
  z3::expr p = c.bool_const("p"), q = c.bool_const("q");
  z3::expr big = c.bv_const("big", 64);
  const std::vector<z3::expr> inputs = {a, b, w, p, q, big};
  std::vector<z3::expr> roots = {c.bool_val(true),
                                 c.bool_val(false),
                                 c.bv_val(200, 8),
                                 c.bv_val(~uint64_t{0} >> 1, 64),
                                 !p,
                                 p && q,
                                 p || q,
                                 p ^ q,
                                 z3::implies(p, q),
                                 z3::mk_and(z3::expr_vector(c)),
                                 z3::ite(p, a, b),
                                 z3::ite(q, p, !p),
                                 a == b,
                                 p == q,
                                 a != b,
                                 a + b,
                                 a - b,
                                 a * b,
                                 -a,
                                 a & b,
                                 a | b,
                                 a ^ b,
                                 ~a,
                                 a + b + a,
                                 z3::ule(a, b),
                                 z3::ult(a, b),
                                 z3::uge(a, b),
                                 z3::ugt(a, b),
                                 a <= b,
                                 a<b, a >= b, a>
                                     b,
                                 big<big + 1, w> c.bv_val(3, 9),
                                 a.extract(6, 2),
                                 z3::concat(a, w),
                                 z3::zext(a, 1),
                                 z3::zext(a, 56),
                                 z3::shl(a, b),
                                 z3::lshr(a, b),
                                 z3::shl(w, z3::zext(a, 1)),
                                 z3::lshr(big, z3::zext(a, 56)),
                                 big + big,
                                 big * big,
                                 z3::concat(a.extract(3, 0), big.extract(59, 0)),
                                 z3::ite(z3::ule(a, b) && p, a - b, b - a) == c.bv_val(3, 8)};
  {
    z3::expr_vector three(c);
    three.push_back(a);
    three.push_back(b);
    three.push_back(a + 1);
    roots.push_back(z3::distinct(three));
    z3::expr_vector bools(c);
    bools.push_back(p);
    bools.push_back(q);
    bools.push_back(p || q);
    roots.push_back(z3::mk_or(bools));
    roots.push_back(z3::mk_and(bools));
  }
  const ExprTape tape(roots, inputs);
  ASSERT_EQ(tape.roots(), roots.size());
  z3::expr_vector from(c);
  for (const z3::expr& e : inputs) from.push_back(e);
  std::mt19937_64 rng(20261206);
  testing::ExprTape::Scratch scratch;
  std::vector<uint64_t> out(roots.size());
  for (int trial = 0; trial < 300; ++trial) {
    // Edge values often: 0, all ones, shift amounts at and past the width.
    auto pick = [&](unsigned width) {
      const uint64_t mask = width >= 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
      switch (rng() % 5) {
        case 0:
          return uint64_t{0};
        case 1:
          return mask;
        case 2:
          return static_cast<uint64_t>(rng() % 10);
        default:
          return rng() & mask;
      }
    };
    const std::vector<uint64_t> in = {pick(8), pick(8), pick(9), rng() % 2, rng() % 2, pick(64)};
    z3::expr_vector to(c);
    to.push_back(c.bv_val(in[0], 8));
    to.push_back(c.bv_val(in[1], 8));
    to.push_back(c.bv_val(in[2], 9));
    to.push_back(c.bool_val(in[3] != 0));
    to.push_back(c.bool_val(in[4] != 0));
    to.push_back(c.bv_val(in[5], 64));
    tape.Eval(in, scratch, out);
    for (size_t i = 0; i < roots.size(); ++i)
      ASSERT_EQ(out[i], ByZ3(roots[i], from, to)) << roots[i] << " on trial " << trial;
  }
}

TEST(ExprTape, RefusesWhatItDoesNotKnow) {
  z3::context c;
  z3::expr a = c.bv_const("a", 8), b = c.bv_const("b", 8);
  EXPECT_THROW(ExprTape({z3::udiv(a, b)}, {a, b}), std::invalid_argument);
  EXPECT_THROW(ExprTape({z3::urem(a, b)}, {a, b}), std::invalid_argument);
  EXPECT_THROW(ExprTape({z3::srem(a, b)}, {a, b}), std::invalid_argument);
  EXPECT_THROW(ExprTape({z3::ashr(a, b)}, {a, b}), std::invalid_argument);
  EXPECT_THROW(ExprTape({z3::sext(a, 2)}, {a, b}), std::invalid_argument);
  EXPECT_THROW(ExprTape({a + c.bv_const("stranger", 8)}, {a}), std::invalid_argument);
  z3::expr wide = c.bv_const("wide", 65);
  EXPECT_THROW(ExprTape({wide.extract(7, 0)}, {wide}), std::invalid_argument);
  EXPECT_THROW(ExprTape({c.int_const("i") > 0}, {a}), std::invalid_argument);
  EXPECT_THROW(ExprTape({a}, {a + 1}), std::invalid_argument);  // an input must be a constant
  // Inputs are checked against their widths at evaluation.
  const ExprTape t({a + b}, {a, b});
  testing::ExprTape::Scratch scratch;
  std::vector<uint64_t> out(1);
  EXPECT_THROW(t.Eval(std::vector<uint64_t>{256, 0}, scratch, out), std::invalid_argument);
  EXPECT_THROW(t.Eval(std::vector<uint64_t>{1}, scratch, out), std::invalid_argument);
  t.Eval(std::vector<uint64_t>{255, 2}, scratch, out);
  EXPECT_EQ(out[0], 1u);
}

// A Scratch keeps one tape's numerals between calls: handed to another tape
// it is refilled, so alternating tapes with one Scratch gives each its own
// numerals (7 + a, then a - 200, then 7 + a again).
TEST(ExprTape, OneScratchAlternatingBetweenTapes) {
  z3::context c;
  z3::expr a = c.bv_const("a", 8);
  const ExprTape plus7({a + c.bv_val(7, 8)}, {a});
  const ExprTape minus200({a - c.bv_val(200, 8), c.bv_val(3, 8) * a}, {a});
  ExprTape::Scratch scratch;
  std::vector<uint64_t> one(1), two(2);
  plus7.Eval(std::vector<uint64_t>{10}, scratch, one);
  EXPECT_EQ(one[0], 17u);
  minus200.Eval(std::vector<uint64_t>{10}, scratch, two);
  EXPECT_EQ(two[0], (10u + 256u - 200u) % 256u);
  EXPECT_EQ(two[1], 30u);
  plus7.Eval(std::vector<uint64_t>{250}, scratch, one);
  EXPECT_EQ(one[0], 1u);
}

}  // namespace
}  // namespace mmcheck::solver::smt::testing
