// SPDX-License-Identifier: GPL-2.0
// The compiled expression evaluator (expr_eval.h) against Z3: every node
// kind it knows, on seeded random values, gives what Z3's substitute +
// simplify gives; a node kind it does not know, a constant that is not an
// input and a too-wide bit-vector are refused, never guessed.
#include "tests/solver/smt/expr_eval.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <stdexcept>

#include "model/profile.h"
#include "solver/smt/symbolic_model.h"
#include "tests/solver/smt/reachable.h"

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
  testing::ExprTape::Scratch scratch, lazy;
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
    // Lazily, the roots asked for in reverse: the same values.
    tape.Load(in, lazy);
    for (size_t i = roots.size(); i-- > 0;)
      ASSERT_EQ(tape.Root(i, lazy), out[i]) << roots[i] << " lazily on trial " << trial;
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

// Lazy evaluation computes what the asked roots need and nothing else: an
// ite's untaken branch, the arguments of and/or/=> past the one that
// decides. Counted by Scratch::computed().
TEST(ExprTape, LazyEvaluationSkipsWhatIsNotNeeded) {
  z3::context c;
  z3::expr a = c.bv_const("a", 8), b = c.bv_const("b", 8), p = c.bool_const("p");
  const z3::expr costly = (a * b + a) * (b - a) + (a ^ b);  // 6 nodes
  const ExprTape tape({z3::ite(p, a, costly), z3::ite(p, b, costly), p && z3::ugt(costly, a),
                       p || z3::ugt(costly, b)},
                      {a, b, p});
  ExprTape::Scratch s;
  tape.Load(std::vector<uint64_t>{3, 5, 1}, s);
  EXPECT_EQ(tape.Root(0, s), 3u);
  EXPECT_EQ(s.computed(), 1u);  // the ite alone
  EXPECT_EQ(tape.Root(1, s), 5u);
  EXPECT_EQ(s.computed(), 2u);
  EXPECT_EQ(tape.Root(3, s), 1u);  // p decides the or
  EXPECT_EQ(s.computed(), 3u);
  // p false: the branches and the and need `costly`, computed once.
  tape.Load(std::vector<uint64_t>{3, 5, 0}, s);
  const uint64_t want = ((3 * 5 + 3) * (5 - 3) + (3 ^ 5)) & 0xff;
  EXPECT_EQ(tape.Root(0, s), want);
  EXPECT_EQ(s.computed(), 3u + 1u + 6u);
  EXPECT_EQ(tape.Root(1, s), want);
  EXPECT_EQ(tape.Root(2, s), 0u);  // p decides the and
  EXPECT_EQ(s.computed(), 3u + 1u + 6u + 2u);
  ExprTape::Scratch fresh;  // no Load
  EXPECT_THROW(tape.Root(0, fresh), std::logic_error);
}

// A chain of 1,500 ites, 1,500 deep (the lazy walk keeps its own stack;
// Z3 takes seconds to build much longer chains): eager and lazy give the
// branch the input selects.
TEST(ExprTape, DeepIteChain) {
  z3::context c;
  z3::expr x = c.bv_const("x", 16);
  z3::expr e = c.bv_val(0xffff, 16);
  const int n = 1500;
  for (int i = 0; i < n; ++i) e = z3::ite(x == c.bv_val(i, 16), c.bv_val(n - i, 16), e);
  const ExprTape tape({e}, {x});
  ExprTape::Scratch eager, lazy;
  std::vector<uint64_t> out(1), out_lazy(1);
  for (uint64_t v : {0u, 1u, 777u, 1499u, 1500u, 65'535u}) {
    const std::vector<uint64_t> in = {v};
    tape.Eval(in, eager, out);
    tape.EvalLazy(in, lazy, out_lazy);
    const uint64_t want = v < static_cast<uint64_t>(n) ? n - v : 0xffff;
    EXPECT_EQ(out[0], want) << v;
    EXPECT_EQ(out_lazy[0], want) << v;
  }
}

// The tape CheckAllReachable evaluates -- every step of the alphabet and
// every property of the symbolic model, in the BMC universes -- gives the
// same values eagerly, lazily (whole, and root by root in a random order
// and subset) and through Z3 (on a sample), on reachable states and on
// random states of the layout's widths (seeded: the seed is printed).
TEST(ExprTape, LazyAndEagerAgreeOnTheSymbolicModelsTapes) {
  const uint64_t seed = 20261206;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  for (const model::Universe& u : {BmcUniverse(), BmcDeviceUniverse()}) {
    const model::Profile* prof =
        model::ProfileSet::Builtin().Find(u.device_pages ? "niethe-v6" : "linux-6.15");
    ASSERT_NE(prof, nullptr);
    z3::context ctx;
    const SymbolicModel sm(ctx, u, prof->knobs);
    const CompiledModel cm(sm);
    const SymbolicLayout& lay = sm.layout();
    std::vector<z3::expr> roots;
    for (size_t i = 0; i < sm.Alphabet().size(); ++i)
      for (const z3::expr& e : cm.StepRoots(i)) roots.push_back(e);
    roots.insert(roots.end(), cm.property_roots().begin(), cm.property_roots().end());
    const ExprTape tape(roots, cm.InputConstants());
    ASSERT_GT(tape.nodes(), 10'000u);
    // Reachable states, then random ones.
    const ReachableStates reach = EnumerateReachable(sm, {1, 2}, 60, 1000, {});
    std::vector<std::vector<uint64_t>> inputs;
    for (const model::World& w : reach.states) {
      std::vector<uint64_t> in = lay.Project(w);
      in.push_back(1 + rng() % 2);
      inputs.push_back(std::move(in));
    }
    for (int i = 0; i < 60; ++i) {
      std::vector<uint64_t> in;
      for (int f = 0; f < lay.size(); ++f) {
        const unsigned wd = lay.width(f);
        in.push_back(wd == 0 ? rng() % 2 : rng() & ((uint64_t{1} << wd) - 1));
      }
      in.push_back(rng() & 0xff);
      inputs.push_back(std::move(in));
    }
    ExprTape::Scratch eager, lazy, partial;
    std::vector<uint64_t> want(tape.roots()), got(tape.roots());
    std::vector<size_t> order(tape.roots());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    uint64_t lazy_computed = 0;
    for (size_t k = 0; k < inputs.size(); ++k) {
      const std::vector<uint64_t>& in = inputs[k];
      tape.Eval(in, eager, want);
      const uint64_t before = lazy.computed();
      tape.EvalLazy(in, lazy, got);
      lazy_computed += lazy.computed() - before;
      ASSERT_EQ(got, want) << u.ToString() << " input " << k;
      std::shuffle(order.begin(), order.end(), rng);
      tape.Load(in, partial);
      for (size_t j = 0; j < order.size() / 3; ++j)
        ASSERT_EQ(tape.Root(order[j], partial), want[order[j]])
            << u.ToString() << " input " << k << " root " << order[j];
      if (k % 30 == 0) {  // Z3 on a sample: one op's step and the properties
        const size_t op = rng() % sm.Alphabet().size();
        const std::span<const uint64_t> state(in.data(), in.size() - 1);
        const std::vector<uint64_t> z3 = cm.StepByZ3(op, state, in.back());
        size_t at = 0;
        for (size_t i = 0; i < op; ++i) at += cm.StepRoots(i).size();
        for (size_t i = 0; i < z3.size(); ++i)
          ASSERT_EQ(want[at + i], z3[i]) << u.ToString() << " input " << k << " op " << op;
        ASSERT_EQ(cm.PropertiesByZ3(state),
                  std::vector<uint64_t>(
                      want.end() - static_cast<std::ptrdiff_t>(cm.property_count()), want.end()));
      }
    }
    // Lazily, fewer nodes than all of them (the ites' other branches).
    EXPECT_LT(lazy_computed, tape.nodes() * inputs.size()) << u.ToString();
  }
}

}  // namespace
}  // namespace mmcheck::solver::smt::testing
