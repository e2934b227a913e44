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
//
// Two ways to evaluate, with the same results: Eval computes every node in
// order (eager); Load then Root computes only what the roots asked for
// need, on demand: an ite computes its condition and then one branch, and,
// or and => stop at the first argument that decides them, and a node
// computed for one root is reused by the next (lazy; the exhaustive run's).
#pragma once

#include <z3++.h>

#include <cstdint>
#include <span>
#include <unordered_map>
#include <utility>
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
   public:
    // Nodes computed by Root since the scratch was made (the lazy
    // evaluation's work, for benchmarks).
    uint64_t computed() const { return computed_; }

   private:
    friend class ExprTape;
    struct Frame {
      uint32_t node;
      uint32_t phase;  // what of the node's arguments is done (per kind)
    };
    const ExprTape* tape_ = nullptr;
    std::vector<uint64_t> v_;
    // Lazy: node i's value in v_ is current when stamp_[i] >= epoch_
    // (leaves: always, kLeaf).
    std::vector<uint32_t> stamp_;
    uint32_t epoch_ = 0;
    std::vector<Frame> stack_;
    uint64_t computed_ = 0;
  };

  // Evaluates every root on `in` (one value per input, in order: a bool is
  // 0 or 1, a bit-vector must fit its width) into `out` (one value per
  // root, the same encoding). Eager: every node.
  void Eval(std::span<const uint64_t> in, Scratch& scratch, std::span<uint64_t> out) const;

  // Lazy evaluation: Load sets the inputs (as Eval's `in`) and forgets the
  // values computed for the previous Load; Root(i) is then root i's value,
  // computing only the nodes it needs and not computed yet since Load.
  void Load(std::span<const uint64_t> in, Scratch& scratch) const;
  uint64_t Root(size_t i, Scratch& scratch) const { return Demand(roots_[i], scratch); }
  // Load, then every root in order into `out`: Eval's result, lazily.
  void EvalLazy(std::span<const uint64_t> in, Scratch& scratch, std::span<uint64_t> out) const;

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
    kLshr,  // the last: kKinds below
  };
  static constexpr size_t kKinds = static_cast<size_t>(Kind::kLshr) + 1;
  struct Node {
    Kind kind;
    uint8_t width;      // 0: bool
    uint32_t args = 0;  // first argument in args_
    uint32_t nargs = 0;
    uint64_t imm = 0;  // numeral value, input index, extract's low bit
  };
  // One node's evaluation, numerals and inputs left out: instruction i
  // computes node first_insn_ + i (what Root walks).
  struct Insn {
    uint32_t a0, a1, a2;  // the first three arguments
    uint32_t args;        // all of them, in args_
    uint32_t nargs;
    uint32_t extra;  // kExtract: the low bit; signed comparisons: the arguments' width
    Kind kind;
    uint8_t width;
  };
  // Whether kind `k` needs Insn::extra.
  static constexpr bool HasExtra(Kind k) {
    return k == Kind::kExtract || k == Kind::kSle || k == Kind::kSlt || k == Kind::kSge ||
           k == Kind::kSgt;
  }
  // Consecutive instructions of one kind, argument count and width, computed
  // by one loop (Eval): the kind's code is then a predictable branch, not
  // one indirect jump a node. Their arguments (then `extra` if HasExtra)
  // are packed in code_ from `code`: what Eval streams once a state.
  struct Run {
    Kind kind;
    uint8_t width;
    uint32_t begin, end;  // in insns_
    uint32_t nargs;
    uint32_t code;  // in code_
  };
  uint32_t Compile(const z3::expr& root);
  // Renumbers the nodes: inputs, numerals, then the others by depth (1 +
  // their deepest argument's), kind, argument count and width, into insns_,
  // runs_ and code_.
  void Schedule();
  // The value of a node of kind K and `width` whose arguments are
  // a[0..nargs) in `val`.
  template <Kind K>
  uint64_t ComputeKind(const uint32_t* a, uint32_t nargs, unsigned width, uint32_t extra,
                       const uint64_t* val) const;
  template <Kind K>
  void RunKind(const Run& run, uint64_t* val) const;
  using ComputeFn = uint64_t (ExprTape::*)(const uint32_t*, uint32_t, unsigned, uint32_t,
                                           const uint64_t*) const;
  using RunFn = void (ExprTape::*)(const Run&, uint64_t*) const;
  // ComputeKind and RunKind of every kind, indexed by the kind's value.
  template <size_t... I>
  static constexpr auto KindTables(std::index_sequence<I...> kinds);
  // Prepares `scratch` for this tape (numerals, stamps) if it was another's.
  void Bind(Scratch& scratch) const;
  void SetInputs(std::span<const uint64_t> in, uint64_t* val) const;
  // The value of instruction `n` from its arguments' values in `val`.
  uint64_t Compute(const Insn& n, const uint64_t* val) const;
  uint64_t Demand(uint32_t node, Scratch& scratch) const;

  static constexpr uint32_t kLeaf = ~uint32_t{0};  // stamp of numerals and inputs

  std::vector<Node> nodes_;
  std::vector<Insn> insns_;
  std::vector<Run> runs_;
  std::vector<uint32_t> code_;
  uint32_t first_insn_ = 0;  // the node insns_[0] computes
  std::vector<uint32_t> args_;
  std::vector<uint32_t> roots_;
  size_t input_count_ = 0;
  std::unordered_map<unsigned, uint32_t> memo_;  // during construction only
};

}  // namespace mmcheck::solver::smt::testing
