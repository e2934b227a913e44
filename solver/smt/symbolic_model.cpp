// SPDX-License-Identifier: GPL-2.0
// The symbolic transition relation (see symbolic_model.h): the model's
// construction (its alphabet) and Step, which dispatches an op like
// model/operations.cpp does to the encoded kernel functions of
// solver/smt/symbolic/ (Exec, symbolic/exec.h). Every op of model::OpCode
// has its case: those outside the symbolic subset are refused, so a new op
// is a compile error (-Werror=switch) until it is encoded or refused.
#include "solver/smt/symbolic_model.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "solver/smt/symbolic/exec.h"

namespace mmcheck::solver::smt {

using model::Knobs;
using model::Op;
using model::OpCode;
using model::Universe;
using symbolic::Exec;
using symbolic::kCounterBits;
using symbolic::Ref;
using L = SymbolicLayout;

namespace symbolic {

// ApplyCpuRead / ApplyCpuWrite (model/operations.cpp): FaultIn, then
// MarkAccessed and, for a write, the data through the mapping.
void Exec::CpuAccess(int mm, int va, bool write, const z3::expr& value) {
  z3::expr ok = FaultIn(mm, va, write);
  If(ok, [&] {
    // MarkAccessed()
    Set(lay_.Pte(mm, va, L::kYoung), T());
    if (!write) return;
    Set(lay_.Pte(mm, va, L::kDirty), T());
    Set(lay_.Pte(mm, va, L::kSoftDirty), T());
    ForFolio(
        Pte(mm, va, L::kPfn),
        [&](const Ref& fr) {
          If(!Pte(mm, va, L::kSpecial), [&] {
            SetFr(fr, L::kData, value);
            SetFr(fr, L::kFDirty, T());
            Set(lay_.Logical(mm, va), value);
          });
        },
        [] {});  // corruption: SIGBUS
  });
}

}  // namespace symbolic

SymbolicModel::SymbolicModel(z3::context& ctx, const Universe& u, const Knobs& knobs,
                             const std::vector<OpCode>& ops)
    : ctx_(ctx), layout_(u), knobs_(knobs) {
  if (std::string why = SymbolicKnobsUnsupported(u, knobs); !why.empty())
    throw std::invalid_argument("SymbolicModel: " + why);
  for (const model::OpInfo& info : model::OpTable()) {
    if (!IsSymbolicOp(info.code)) continue;
    const auto& dev_ops = SymbolicDeviceOpCodes();
    if (u.device_pages == 0 &&
        std::find(dev_ops.begin(), dev_ops.end(), info.code) != dev_ops.end())
      continue;  // never enabled without device pages
    if (!ops.empty() && std::find(ops.begin(), ops.end(), info.code) == ops.end()) continue;
    // Every argument combination in range; value fixed at 1 (symbolic).
    std::vector<std::vector<int>> combos = {{}};
    for (const model::ArgInfo& a : info.args) {
      auto [lo, hi] = model::ArgRange(a.kind, u);
      if (a.kind == model::ArgKind::kValue) lo = hi = 1;
      std::vector<std::vector<int>> next;
      for (const auto& c : combos)
        for (int v = lo; v <= hi; ++v) {
          next.push_back(c);
          next.back().push_back(v);
        }
      combos = std::move(next);
    }
    for (const auto& c : combos) {
      Op op;
      op.code = info.code;
      for (size_t i = 0; i < c.size(); ++i) op.args[i] = static_cast<int16_t>(c[i]);
      // Range preconditions that do not depend on the state.
      if ((info.code == OpCode::kMunmap && op.Arg(1) + op.Arg(2) > u.pages) ||
          ((info.code == OpCode::kDeviceExclusive || info.code == OpCode::kDeviceMigrateToDev ||
            info.code == OpCode::kDeviceMigrateToSys) &&
           op.Arg(2) + op.Arg(3) > u.pages))
        continue;
      alphabet_.push_back(op);
    }
  }
}

z3::expr SymbolicModel::FreshField(const std::string& prefix, int i) const {
  std::string n = prefix + layout_.name(i);
  return layout_.width(i) == 0 ? ctx_.bool_const(n.c_str())
                               : ctx_.bv_const(n.c_str(), layout_.width(i));
}

SymState SymbolicModel::Fresh(const std::string& prefix) const {
  SymState s;
  for (int i = 0; i < layout_.size(); ++i) s.push_back(FreshField(prefix, i));
  return s;
}

SymState SymbolicModel::Constant(const std::vector<uint64_t>& values) const {
  SymState s;
  for (int i = 0; i < layout_.size(); ++i) {
    uint64_t v = values[static_cast<size_t>(i)];
    s.push_back(layout_.width(i) == 0 ? ctx_.bool_val(v != 0) : ctx_.bv_val(v, layout_.width(i)));
  }
  return s;
}

SymStep SymbolicModel::Step(const SymState& s, const Op& op, const z3::expr& value,
                            bool eager) const {
  Exec e(ctx_, layout_, knobs_, s, eager);
  z3::expr enabled = ctx_.bool_val(true);
  z3::expr reclaim_stuck = ctx_.bool_val(false), migrate_stuck = ctx_.bool_val(false);
  z3::expr outside = ctx_.bool_val(false);
  const Universe& u = layout_.universe();
  auto mm_exists = [&](int mm) { return s[static_cast<size_t>(layout_.MmExists(mm))]; };
  switch (op.code) {
    case OpCode::kMunmap:
      enabled = mm_exists(op.Arg(0));
      e.If(enabled, [&] { e.do_munmap(op.Arg(0), op.Arg(1), op.Arg(2)); });
      break;
    case OpCode::kFork:
      enabled = mm_exists(op.Arg(0));
      e.If(enabled, [&] { e.dup_mmap(op.Arg(0)); });
      break;
    case OpCode::kCpuRead:
    case OpCode::kCpuWrite:
      enabled = mm_exists(op.Arg(0));
      e.If(enabled,
           [&] { e.CpuAccess(op.Arg(0), op.Arg(1), op.code == OpCode::kCpuWrite, value); });
      break;
    case OpCode::kDeviceExclusive:
      enabled = ctx_.bool_val(op.Arg(0) < u.devices) && mm_exists(op.Arg(1));
      e.If(enabled, [&] { e.dmirror_exclusive(op.Arg(0), op.Arg(1), op.Arg(2), op.Arg(3)); });
      break;
    case OpCode::kReclaim:
    case OpCode::kMigrate: {
      int mm = op.Arg(0), va = op.Arg(1);
      enabled = ctx_.bool_val(false);
      std::vector<z3::expr> at;  // decided on the state before the step
      for (int fr = 0; fr < layout_.frames(); ++fr) {
        at.push_back(mm_exists(mm) && e.FolioAt(mm, va, fr));
        enabled = enabled || at.back();
      }
      const Ref folio(at);  // FolioAt(mm, va), encoded once
      const z3::expr ram = enabled;
      // A device-private folio is on no LRU: shrink_folio and migrate_folio
      // return at once (and it is not eligible for either).
      for (int d = 0; d < layout_.dev_frames(); ++d)
        enabled = enabled || (mm_exists(mm) && e.MapsDev(mm, va, d) &&
                              e.Get(layout_.Frame(layout_.DevFrame(d), L::kAlloc)));
      e.If(ram, [&] {
        z3::expr stuck =
            op.code == OpCode::kReclaim ? e.shrink_folio(folio) : e.MigrateWithProgress(folio);
        if (op.code == OpCode::kReclaim)
          e.Assign(reclaim_stuck, stuck);
        else
          e.Assign(migrate_stuck, stuck);
      });
      break;
    }
    case OpCode::kDeviceMigrateToDev:
    case OpCode::kDeviceMigrateToSys:
      enabled = ctx_.bool_val(u.device_pages > 0 && op.Arg(0) < u.devices) && mm_exists(op.Arg(1));
      e.If(enabled, [&] {
        if (op.code == OpCode::kDeviceMigrateToDev)
          e.dmirror_migrate_to_device(op.Arg(0), op.Arg(1), op.Arg(2), op.Arg(3));
        else
          e.dmirror_migrate_to_system(op.Arg(0), op.Arg(1), op.Arg(2), op.Arg(3));
      });
      break;
    case OpCode::kDeviceRelease:
      enabled = ctx_.bool_val(u.device_pages > 0 && op.Arg(0) < u.devices);
      e.If(enabled, [&] { e.migrate_device_range_unmap(op.Arg(0)); });
      break;
    case OpCode::kUnlockFolio:
      // EnabledUnlock: no lock_folio thread in the subset, so an eviction.
      enabled = ctx_.bool_val(false);
      for (int d = 0; d < layout_.dev_frames(); ++d)
        enabled =
            enabled || s[static_cast<size_t>(layout_.Migrating(d))] != ctx_.bv_val(0, kCounterBits);
      e.If(enabled, [&] { e.migrate_device_finalize_evict(); });
      break;
    // Outside the symbolic subset (IsSymbolicOp is false): never in the
    // alphabet, refused if asked.
    case OpCode::kMmap:
    case OpCode::kMprotect:
    case OpCode::kMadvise:
    case OpCode::kDeviceRead:
    case OpCode::kDeviceWrite:
    case OpCode::kDeviceCheckExclusive:
    case OpCode::kOffline:
    case OpCode::kSplit:
    case OpCode::kMkclean:
    case OpCode::kLockFolio:
    case OpCode::kDeviceSnapshot:
    case OpCode::kMremap:
      throw std::invalid_argument(fmt::format(
          "SymbolicModel::Step: {} is not in the symbolic subset", model::FormatOp(op)));
  }
  return {std::move(e.state()), enabled, reclaim_stuck, migrate_stuck, outside};
}

}  // namespace mmcheck::solver::smt
