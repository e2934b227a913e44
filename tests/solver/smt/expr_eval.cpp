// SPDX-License-Identifier: GPL-2.0
// The compiled Z3 expression evaluator (see expr_eval.h).
#include "tests/solver/smt/expr_eval.h"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <tuple>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

namespace mmcheck::solver::smt::testing {

namespace {

unsigned WidthOf(const z3::expr& e) {
  z3::sort s = e.get_sort();
  if (s.is_bool()) return 0;
  if (s.is_bv() && s.bv_size() >= 1 && s.bv_size() <= 64) return s.bv_size();
  throw std::invalid_argument("ExprTape: unsupported sort " + s.to_string() + " of " +
                              e.to_string().substr(0, 200));
}

uint64_t Mask(unsigned width) {
  return width == 0 ? 1 : width >= 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
}

// Two's complement value of a `width`-bit vector (1 <= width <= 64).
int64_t Signed(uint64_t x, unsigned width) {
  if (width < 64 && (x >> (width - 1)) & 1) x |= ~uint64_t{0} << width;
  return static_cast<int64_t>(x);
}

}  // namespace

ExprTape::ExprTape(const std::vector<z3::expr>& roots, const std::vector<z3::expr>& inputs)
    : input_count_(inputs.size()) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    const z3::expr& in = inputs[i];
    if (!in.is_const() || in.decl().decl_kind() != Z3_OP_UNINTERPRETED)
      throw std::invalid_argument("ExprTape: input is not a constant: " + in.to_string());
    if (!memo_.emplace(in.id(), static_cast<uint32_t>(nodes_.size())).second)
      throw std::invalid_argument("ExprTape: input given twice: " + in.to_string());
    nodes_.push_back(Node{Kind::kInput, static_cast<uint8_t>(WidthOf(in)), 0, 0, i});
  }
  for (const z3::expr& r : roots) roots_.push_back(Compile(r));
  memo_.clear();  // AST ids are unique only while the ASTs live
  Schedule();
}

void ExprTape::Schedule() {
  const size_t count = nodes_.size();
  // Compile numbered every node after its arguments: one pass gives depths.
  std::vector<uint32_t> depth(count, 0);
  std::vector<uint32_t> order;  // the new order, as old ids
  for (uint32_t i = 0; i < count; ++i) {
    const Node& n = nodes_[i];
    if (n.kind == Kind::kInput) order.push_back(i);  // inputs first, in order (0..inputs-1)
    if (n.kind == Kind::kNumeral || n.kind == Kind::kInput) continue;
    for (uint32_t j = 0; j < n.nargs; ++j)
      depth[i] = std::max(depth[i], depth[args_[n.args + j]] + 1);
  }
  for (uint32_t i = 0; i < count; ++i)
    if (nodes_[i].kind == Kind::kNumeral) order.push_back(i);
  first_insn_ = static_cast<uint32_t>(order.size());
  for (uint32_t i = 0; i < count; ++i)
    if (nodes_[i].kind != Kind::kNumeral && nodes_[i].kind != Kind::kInput) order.push_back(i);
  std::stable_sort(order.begin() + first_insn_, order.end(), [&](uint32_t a, uint32_t b) {
    const Node &x = nodes_[a], &y = nodes_[b];
    return std::tie(depth[a], x.kind, x.nargs, x.width) <
           std::tie(depth[b], y.kind, y.nargs, y.width);
  });
  std::vector<uint32_t> id(count);
  for (uint32_t i = 0; i < count; ++i) id[order[i]] = i;
  std::vector<Node> nodes;
  std::vector<uint32_t> args;
  for (uint32_t old : order) {
    Node n = nodes_[old];
    const uint32_t from = n.args;
    n.args = static_cast<uint32_t>(args.size());
    for (uint32_t j = 0; j < n.nargs; ++j) args.push_back(id[args_[from + j]]);
    nodes.push_back(n);
  }
  nodes_ = std::move(nodes);
  args_ = std::move(args);
  for (uint32_t& r : roots_) r = id[r];
  for (uint32_t i = first_insn_; i < count; ++i) {
    const Node& n = nodes_[i];
    const uint32_t* a = args_.data() + n.args;
    Insn insn{n.nargs > 0 ? a[0] : 0,
              n.nargs > 1 ? a[1] : 0,
              n.nargs > 2 ? a[2] : 0,
              n.args,
              n.nargs,
              0,
              n.kind,
              n.width};
    if (n.kind == Kind::kExtract) insn.extra = static_cast<uint32_t>(n.imm);
    if (HasExtra(n.kind) && n.kind != Kind::kExtract) insn.extra = nodes_[a[0]].width;
    const uint32_t at = static_cast<uint32_t>(insns_.size());
    // (A run may span two depths: its loop computes in order all the same.)
    if (runs_.empty() || runs_.back().kind != n.kind || runs_.back().nargs != n.nargs ||
        runs_.back().width != n.width)
      runs_.push_back(Run{n.kind, n.width, at, at, n.nargs, static_cast<uint32_t>(code_.size())});
    ++runs_.back().end;
    code_.insert(code_.end(), a, a + n.nargs);
    if (HasExtra(n.kind)) code_.push_back(insn.extra);
    insns_.push_back(insn);
  }
}

uint32_t ExprTape::Compile(const z3::expr& root) {
  // memo_: Z3 AST id -> node, shared by every root (the DAG is walked once).
  // Iterative post-order walk (deep ite chains would overflow a recursion).
  std::vector<std::pair<z3::expr, bool>> stack;
  stack.emplace_back(root, false);
  while (!stack.empty()) {
    const z3::expr e = stack.back().first;
    const bool expanded = stack.back().second;
    stack.pop_back();
    if (memo_.count(e.id())) continue;
    if (!e.is_app())
      throw std::invalid_argument("ExprTape: not an application: " + e.to_string().substr(0, 200));
    const unsigned n = e.num_args();
    if (!expanded) {
      stack.emplace_back(e, true);
      for (unsigned i = n; i-- > 0;) stack.emplace_back(e.arg(i), false);
      continue;
    }
    const unsigned width = WidthOf(e);
    Node node{Kind::kNumeral, static_cast<uint8_t>(width), static_cast<uint32_t>(args_.size()), n,
              0};
    for (unsigned i = 0; i < n; ++i) args_.push_back(memo_.at(e.arg(i).id()));
    const z3::func_decl d = e.decl();
    auto need = [&](bool ok) {
      if (!ok)
        throw std::invalid_argument(fmt::format("ExprTape: unexpected arguments of {}: {}",
                                                d.name().str(), e.to_string().substr(0, 200)));
    };
    switch (d.decl_kind()) {
      case Z3_OP_TRUE:
        node.imm = 1;
        break;
      case Z3_OP_FALSE:
        node.imm = 0;
        break;
      case Z3_OP_BNUM: {
        uint64_t v = 0;
        need(e.is_numeral_u64(v));
        node.imm = v;
        break;
      }
      case Z3_OP_NOT:
        need(n == 1);
        node.kind = Kind::kNot;
        break;
      case Z3_OP_AND:
        node.kind = Kind::kAnd;
        break;
      case Z3_OP_OR:
        node.kind = Kind::kOr;
        break;
      case Z3_OP_XOR:
        node.kind = Kind::kXor;
        break;
      case Z3_OP_IMPLIES:
        need(n == 2);
        node.kind = Kind::kImplies;
        break;
      case Z3_OP_ITE:
        need(n == 3);
        node.kind = Kind::kIte;
        break;
      case Z3_OP_EQ:
      case Z3_OP_IFF:
        need(n >= 2);
        node.kind = Kind::kEq;
        break;
      case Z3_OP_DISTINCT:
        node.kind = Kind::kDistinct;
        break;
      case Z3_OP_BADD:
        need(n >= 1);
        node.kind = Kind::kBvAdd;
        break;
      case Z3_OP_BSUB:
        need(n == 2);
        node.kind = Kind::kBvSub;
        break;
      case Z3_OP_BMUL:
        need(n >= 1);
        node.kind = Kind::kBvMul;
        break;
      case Z3_OP_BNEG:
        need(n == 1);
        node.kind = Kind::kBvNeg;
        break;
      case Z3_OP_BAND:
        need(n >= 1);
        node.kind = Kind::kBvAnd;
        break;
      case Z3_OP_BOR:
        need(n >= 1);
        node.kind = Kind::kBvOr;
        break;
      case Z3_OP_BXOR:
        need(n >= 1);
        node.kind = Kind::kBvXor;
        break;
      case Z3_OP_BNOT:
        need(n == 1);
        node.kind = Kind::kBvNot;
        break;
      case Z3_OP_ULEQ:
        need(n == 2);
        node.kind = Kind::kUle;
        break;
      case Z3_OP_ULT:
        need(n == 2);
        node.kind = Kind::kUlt;
        break;
      case Z3_OP_UGEQ:
        need(n == 2);
        node.kind = Kind::kUge;
        break;
      case Z3_OP_UGT:
        need(n == 2);
        node.kind = Kind::kUgt;
        break;
      case Z3_OP_SLEQ:
        need(n == 2);
        node.kind = Kind::kSle;
        break;
      case Z3_OP_SLT:
        need(n == 2);
        node.kind = Kind::kSlt;
        break;
      case Z3_OP_SGEQ:
        need(n == 2);
        node.kind = Kind::kSge;
        break;
      case Z3_OP_SGT:
        need(n == 2);
        node.kind = Kind::kSgt;
        break;
      case Z3_OP_EXTRACT: {
        need(n == 1);
        const int hi = Z3_get_decl_int_parameter(e.ctx(), d, 0);
        const int lo = Z3_get_decl_int_parameter(e.ctx(), d, 1);
        need(lo >= 0 && hi >= lo && static_cast<unsigned>(hi - lo + 1) == width);
        node.kind = Kind::kExtract;
        node.imm = static_cast<uint64_t>(lo);
        break;
      }
      case Z3_OP_CONCAT:
        need(n >= 1);
        node.kind = Kind::kConcat;
        break;
      case Z3_OP_ZERO_EXT:
        need(n == 1);
        node.kind = Kind::kZeroExt;
        break;
      case Z3_OP_BSHL:
        need(n == 2);
        node.kind = Kind::kShl;
        break;
      case Z3_OP_BLSHR:
        need(n == 2);
        node.kind = Kind::kLshr;
        break;
      case Z3_OP_UNINTERPRETED:
        throw std::invalid_argument("ExprTape: reads " + e.to_string().substr(0, 200) +
                                    ", which is not an input");
      default:
        throw std::invalid_argument(
            fmt::format("ExprTape: unsupported node {} (Z3 decl kind {:#x}) in {}", d.name().str(),
                        static_cast<int>(d.decl_kind()), e.to_string().substr(0, 200)));
    }
    if (node.kind != Kind::kNumeral) {
      // Boolean operators read booleans; bit-vector ones bit-vectors of the node's width.
      for (unsigned i = 0; i < n; ++i) {
        const unsigned aw = nodes_[args_[node.args + i]].width;
        switch (node.kind) {
          case Kind::kNot:
          case Kind::kAnd:
          case Kind::kOr:
          case Kind::kXor:
          case Kind::kImplies:
            need(aw == 0);
            break;
          case Kind::kIte:
            need(i == 0 ? aw == 0 : aw == width);
            break;
          case Kind::kBvAdd:
          case Kind::kBvSub:
          case Kind::kBvMul:
          case Kind::kBvNeg:
          case Kind::kBvAnd:
          case Kind::kBvOr:
          case Kind::kBvXor:
          case Kind::kBvNot:
          case Kind::kShl:
          case Kind::kLshr:
            need(aw == width);
            break;
          case Kind::kEq:
          case Kind::kDistinct:
            need(aw == nodes_[args_[node.args]].width);
            break;
          case Kind::kUle:
          case Kind::kUlt:
          case Kind::kUge:
          case Kind::kUgt:
          case Kind::kSle:
          case Kind::kSlt:
          case Kind::kSge:
          case Kind::kSgt:
            need(aw == nodes_[args_[node.args]].width && aw > 0);
            break;
          default:
            break;
        }
      }
    } else {
      need(n == 0);
    }
    memo_.emplace(e.id(), static_cast<uint32_t>(nodes_.size()));
    nodes_.push_back(node);
  }
  return memo_.at(root.id());
}

void ExprTape::Bind(Scratch& scratch) const {
  if (scratch.tape_ == this) return;
  scratch.tape_ = this;
  scratch.v_.assign(nodes_.size(), 0);
  scratch.stamp_.assign(nodes_.size(), 0);
  scratch.epoch_ = 0;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (i < first_insn_) scratch.stamp_[i] = kLeaf;
    if (nodes_[i].kind == Kind::kNumeral) scratch.v_[i] = nodes_[i].imm & Mask(nodes_[i].width);
  }
}

void ExprTape::SetInputs(std::span<const uint64_t> in, uint64_t* val) const {
  for (size_t i = 0; i < input_count_; ++i) {  // the inputs are nodes 0..input_count_-1
    const uint64_t x = in[i];
    if ((x & Mask(nodes_[i].width)) != x)
      throw std::invalid_argument(
          fmt::format("ExprTape::Eval: input {} = {:#x} exceeds its width", i, x));
    val[i] = x;
  }
}

template <ExprTape::Kind K>
inline uint64_t ExprTape::ComputeKind(const uint32_t* a, uint32_t nargs, unsigned width,
                                      uint32_t extra, const uint64_t* val) const {
  const uint64_t mask = Mask(width);
  uint64_t r = 0;
  switch (K) {
    case Kind::kNumeral:
    case Kind::kInput:
      break;  // not in insns_
    case Kind::kNot:
      r = val[a[0]] ^ 1;
      break;
    case Kind::kAnd:
      if (nargs == 2) return val[a[0]] & val[a[1]];
      r = 1;
      for (uint32_t j = 0; j < nargs; ++j) r &= val[a[j]];
      break;
    case Kind::kOr:
      if (nargs == 2) return val[a[0]] | val[a[1]];
      for (uint32_t j = 0; j < nargs; ++j) r |= val[a[j]];
      break;
    case Kind::kXor:
      for (uint32_t j = 0; j < nargs; ++j) r ^= val[a[j]];
      break;
    case Kind::kImplies:
      r = (val[a[0]] ^ 1) | val[a[1]];
      break;
    case Kind::kIte:
      return val[a[0]] ? val[a[1]] : val[a[2]];  // the branches fit the width
    case Kind::kEq:
      if (nargs == 2) return val[a[0]] == val[a[1]];
      r = 1;
      for (uint32_t j = 1; j < nargs; ++j) r &= val[a[j]] == val[a[0]];
      break;
    case Kind::kDistinct:
      r = 1;
      for (uint32_t j = 0; j < nargs; ++j)
        for (uint32_t k = j + 1; k < nargs; ++k) r &= val[a[j]] != val[a[k]];
      break;
    case Kind::kBvAdd:
      if (nargs == 2) return (val[a[0]] + val[a[1]]) & mask;
      for (uint32_t j = 0; j < nargs; ++j) r += val[a[j]];
      break;
    case Kind::kBvSub:
      r = val[a[0]] - val[a[1]];
      break;
    case Kind::kBvMul:
      r = 1;
      for (uint32_t j = 0; j < nargs; ++j) r *= val[a[j]];
      break;
    case Kind::kBvNeg:
      r = uint64_t{0} - val[a[0]];
      break;
    case Kind::kBvAnd:
      r = ~uint64_t{0};
      for (uint32_t j = 0; j < nargs; ++j) r &= val[a[j]];
      break;
    case Kind::kBvOr:
      for (uint32_t j = 0; j < nargs; ++j) r |= val[a[j]];
      break;
    case Kind::kBvXor:
      for (uint32_t j = 0; j < nargs; ++j) r ^= val[a[j]];
      break;
    case Kind::kBvNot:
      r = ~val[a[0]];
      break;
    case Kind::kUle:
      r = val[a[0]] <= val[a[1]];
      break;
    case Kind::kUlt:
      r = val[a[0]] < val[a[1]];
      break;
    case Kind::kUge:
      r = val[a[0]] >= val[a[1]];
      break;
    case Kind::kUgt:
      r = val[a[0]] > val[a[1]];
      break;
    case Kind::kSle:
      r = Signed(val[a[0]], extra) <= Signed(val[a[1]], extra);
      break;
    case Kind::kSlt:
      r = Signed(val[a[0]], extra) < Signed(val[a[1]], extra);
      break;
    case Kind::kSge:
      r = Signed(val[a[0]], extra) >= Signed(val[a[1]], extra);
      break;
    case Kind::kSgt:
      r = Signed(val[a[0]], extra) > Signed(val[a[1]], extra);
      break;
    case Kind::kExtract:
      r = val[a[0]] >> extra;
      break;
    case Kind::kConcat:
      for (uint32_t j = 0; j < nargs; ++j) {
        const unsigned w = nodes_[a[j]].width;
        r = (w >= 64 ? 0 : r << w) | val[a[j]];
      }
      break;
    case Kind::kZeroExt:
      r = val[a[0]];
      break;
    case Kind::kShl:
      r = val[a[1]] >= width ? 0 : val[a[0]] << val[a[1]];
      break;
    case Kind::kLshr:
      r = val[a[1]] >= width ? 0 : val[a[0]] >> val[a[1]];
      break;
  }
  return r & mask;
}

template <ExprTape::Kind K>
void ExprTape::RunKind(const Run& run, uint64_t* val) const {
  const uint32_t* c = code_.data() + run.code;
  uint64_t* dst = val + first_insn_ + run.begin;
  constexpr uint32_t kExtra = HasExtra(K) ? 1 : 0;
  const uint32_t words = run.nargs + kExtra;
  for (uint32_t i = run.begin; i < run.end; ++i, c += words)
    *dst++ = ComputeKind<K>(c, run.nargs, run.width, kExtra ? c[run.nargs] : 0, val);
}

// (The leaves' entries are never called: they are not instructions.)
template <size_t... I>
constexpr auto ExprTape::KindTables(std::index_sequence<I...> /*kinds*/) {
  return std::pair{
      std::array<ComputeFn, sizeof...(I)>{&ExprTape::ComputeKind<static_cast<Kind>(I)>...},
      std::array<RunFn, sizeof...(I)>{&ExprTape::RunKind<static_cast<Kind>(I)>...}};
}

uint64_t ExprTape::Compute(const Insn& n, const uint64_t* val) const {
  static constexpr auto kTables = KindTables(std::make_index_sequence<kKinds>{});
  return (this->*kTables.first[static_cast<size_t>(n.kind)])(args_.data() + n.args, n.nargs,
                                                             n.width, n.extra, val);
}

void ExprTape::Eval(std::span<const uint64_t> in, Scratch& scratch, std::span<uint64_t> out) const {
  if (in.size() != input_count_ || out.size() != roots_.size())
    throw std::invalid_argument(fmt::format("ExprTape::Eval: {} inputs and {} outputs, want {} {}",
                                            in.size(), out.size(), input_count_, roots_.size()));
  Bind(scratch);
  uint64_t* const val = scratch.v_.data();
  SetInputs(in, val);
  static constexpr auto kTables = KindTables(std::make_index_sequence<kKinds>{});
  for (const Run& run : runs_) (this->*kTables.second[static_cast<size_t>(run.kind)])(run, val);
  // The lazy values of the last Load are not these.
  if (++scratch.epoch_ == kLeaf) {
    for (size_t i = 0; i < nodes_.size(); ++i)
      if (i >= first_insn_) scratch.stamp_[i] = 0;
    scratch.epoch_ = 1;
  }
  for (size_t i = 0; i < roots_.size(); ++i) out[i] = val[roots_[i]];
}

void ExprTape::Load(std::span<const uint64_t> in, Scratch& scratch) const {
  if (in.size() != input_count_)
    throw std::invalid_argument(
        fmt::format("ExprTape::Load: {} inputs, want {}", in.size(), input_count_));
  Bind(scratch);
  SetInputs(in, scratch.v_.data());
  // A new epoch: every computed value is stale. (Once in 2^32 Loads the
  // stamps are cleared instead of wrapping.)
  if (++scratch.epoch_ == kLeaf) {
    for (size_t i = 0; i < nodes_.size(); ++i)
      if (i >= first_insn_) scratch.stamp_[i] = 0;
    scratch.epoch_ = 1;
  }
}

void ExprTape::EvalLazy(std::span<const uint64_t> in, Scratch& scratch,
                        std::span<uint64_t> out) const {
  if (out.size() != roots_.size())
    throw std::invalid_argument(
        fmt::format("ExprTape::EvalLazy: {} outputs, want {}", out.size(), roots_.size()));
  Load(in, scratch);
  for (size_t i = 0; i < roots_.size(); ++i) out[i] = Root(i, scratch);
}

// Post-order on an explicit stack (an ite chain can be thousands deep). A
// frame's phase: generic nodes 0 (arguments not pushed) or 1 (pushed, all
// computed when the frame is on top again); ite 0, 1 (condition computed),
// 2 (branch computed); and, or, => the index of the next argument to look
// at.
uint64_t ExprTape::Demand(uint32_t node, Scratch& scratch) const {
  uint64_t* const val = scratch.v_.data();
  uint32_t* const stamp = scratch.stamp_.data();
  const uint32_t epoch = scratch.epoch_;
  if (scratch.tape_ != this || epoch == 0)
    throw std::logic_error("ExprTape::Root before Load with this tape");
  if (stamp[node] >= epoch) return val[node];
  const uint32_t* const args = args_.data();
  std::vector<Scratch::Frame>& stack = scratch.stack_;
  stack.clear();
  stack.push_back({node, 0});
  uint64_t computed = 0;
  while (!stack.empty()) {
    const size_t top = stack.size() - 1;
    const uint32_t at = stack[top].node;
    if (stamp[at] >= epoch) {  // pushed twice (a repeated argument): done already
      stack.pop_back();
      continue;
    }
    const Insn& n = insns_[at - first_insn_];
    const uint32_t phase = stack[top].phase;
    auto need = [&](uint32_t arg, uint32_t next_phase) {
      if (stamp[arg] >= epoch) return false;
      stack[top].phase = next_phase;
      stack.push_back({arg, 0});
      return true;
    };
    uint64_t r = 0;
    switch (n.kind) {
      case Kind::kIte: {
        if (phase == 0 && need(n.a0, 1)) continue;
        const uint32_t branch = val[n.a0] ? n.a1 : n.a2;
        if (phase < 2 && need(branch, 2)) continue;
        r = val[branch];
        break;
      }
      case Kind::kAnd:
      case Kind::kOr:
      case Kind::kImplies: {
        // The value that decides: and's 0, or's 1; => is (not a0) or a1.
        const uint64_t decides = n.kind == Kind::kAnd ? 0 : 1;
        uint32_t j = phase;
        bool pushed = false;
        r = decides ^ 1;
        for (; j < n.nargs; ++j) {
          const uint32_t arg = args[n.args + j];
          if (need(arg, j)) {
            pushed = true;
            break;
          }
          const uint64_t x = n.kind == Kind::kImplies && j == 0 ? val[arg] ^ 1 : val[arg];
          if (x == decides) {
            r = decides;
            break;
          }
        }
        if (pushed) continue;
        break;
      }
      default: {
        if (phase == 0) {
          bool pushed = false;
          for (uint32_t j = 0; j < n.nargs; ++j) pushed = need(args[n.args + j], 1) || pushed;
          if (pushed) continue;
        }
        r = Compute(n, val);
        break;
      }
    }
    val[at] = r & Mask(n.width);
    stamp[at] = epoch;
    ++computed;
    stack.pop_back();
  }
  scratch.computed_ += computed;
  return val[node];
}

}  // namespace mmcheck::solver::smt::testing
