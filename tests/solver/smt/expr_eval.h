// SPDX-License-Identifier: GPL-2.0
// A compiled evaluator of Z3 expressions over concrete values, for the
// exhaustive conformance check (tests/solver/smt/reachable.h): the symbolic
// step of an op instance is built once over fresh state constants, walked
// once into a tape of nodes in topological order, and the tape is evaluated
// on the projection of every concrete state, instead of building and
// simplifying a numeral Z3 expression per transition.
//
// The tape knows the node kinds the symbolic model builds: true/false, not,
// and, or, xor, =>, ite, =, distinct, bit-vector numerals, add, sub, mul,
// neg, and, or, xor, not, unsigned and signed comparisons, extract, concat, zero
// extension and the logical shifts, on widths up to 64. Any other kind, a
// constant that is not an input or a wider bit-vector is refused with
// std::invalid_argument naming it: the evaluator never guesses. The
// evaluator is cross-checked against Z3 (substitute + simplify) by
// tests/solver/smt/expr_eval_test.cpp and on a sample of the exhaustive run.
#pragma once

#include <z3++.h>

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

namespace mmcheck::solver::smt::testing {

class ExprTape {
 public:
  // Compiles `roots`, which may read only the constants `inputs` (bool or
  // bit-vector). Throws std::invalid_argument on a node it does not know.
  ExprTape(const std::vector<z3::expr>& roots, const std::vector<z3::expr>& inputs);

  size_t nodes() const { return nodes_.size(); }
  size_t roots() const { return roots_.size(); }
  size_t inputs() const { return input_count_; }

  // The values of every node during Eval, reused between calls: the
  // numerals are written once, at the first Eval with this tape. One per
  // thread (Eval is const and writes only here).
  class Scratch {
   private:
    friend class ExprTape;
    const ExprTape* tape_ = nullptr;
    std::vector<uint64_t> v_;
  };

  // Evaluates every root on `in` (one value per input, in order: a bool is
  // 0 or 1, a bit-vector must fit its width) into `out` (one value per
  // root, the same encoding).
  void Eval(std::span<const uint64_t> in, Scratch& scratch, std::span<uint64_t> out) const;

 private:
  enum class Kind : uint8_t {
    kNumeral,
    kInput,
    kNot,
    kAnd,
    kOr,
    kXor,
    kImplies,
    kIte,
    kEq,
    kDistinct,
    kBvAdd,
    kBvSub,
    kBvMul,
    kBvNeg,
    kBvAnd,
    kBvOr,
    kBvXor,
    kBvNot,
    kUle,
    kUlt,
    kUge,
    kUgt,
    kSle,
    kSlt,
    kSge,
    kSgt,
    kExtract,
    kConcat,
    kZeroExt,
    kShl,
    kLshr,
  };
  struct Node {
    Kind kind;
    uint8_t width;      // 0: bool
    uint32_t args = 0;  // first argument in args_
    uint32_t nargs = 0;
    uint64_t imm = 0;  // numeral value, input index, extract's low bit
  };
  // One node's evaluation: what Eval runs, numerals and inputs left out,
  // the mask and up to three argument indices at hand.
  struct Insn {
    Kind kind;
    uint8_t width;
    uint32_t dst;
    uint32_t nargs;
    uint32_t a0, a1, a2;  // the first three arguments
    uint32_t args;        // all of them, in args_
    uint64_t mask;
    uint64_t imm;
  };
  uint32_t Compile(const z3::expr& root);

  std::vector<Node> nodes_;
  std::vector<Insn> insns_;
  std::vector<uint32_t> args_;
  std::vector<uint32_t> roots_;
  size_t input_count_ = 0;
  std::unordered_map<unsigned, uint32_t> memo_;  // during construction only
};

}  // namespace mmcheck::solver::smt::testing
