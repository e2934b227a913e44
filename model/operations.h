// SPDX-License-Identifier: GPL-2.0
// The one table of operations: kernel entry point -> model operation, its
// arguments, its user-space trigger. CLI listings, trace parsing and
// printing, scenarios, RapidCheck generators and the explorers iterate
// OpTable(); nothing else lists ops.
//
// Adding an operation: an OpCode, its model/ops function, and its row in
// model/operations.cpp (RowOf). RowOf and every other switch over OpCode
// have no `default`, and the build makes -Wswitch an error, so the compiler
// names each place a new op is missing from (the row, the C export, the
// explorer's named alphabets).
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/fixed_list.h"
#include "model/step.h"
#include "model/world.h"

namespace mmcheck::model {

enum class OpCode : uint8_t {
  kMmap,
  kMunmap,
  kMprotect,
  kMadvise,
  kFork,
  kCpuRead,
  kCpuWrite,
  kDeviceRead,
  kDeviceWrite,
  kDeviceExclusive,
  kDeviceCheckExclusive,
  kReclaim,
  kMigrate,
  kOffline,
  kSplit,
  kMkclean,
  kLockFolio,
  kUnlockFolio,
  // Device-private memory (issue 4); enabled only when universe.device_pages > 0.
  kDeviceMigrateToDev,
  kDeviceMigrateToSys,
  kDeviceRelease,
  // HMM_DMIRROR_SNAPSHOT: reads the page tables, changes nothing.
  kDeviceSnapshot,
  // mremap(MREMAP_MAYMOVE | MREMAP_FIXED) of a range within one VMA.
  kMremap,
};

// How an argument is drawn and printed.
enum class ArgKind : uint8_t {
  kMm,       // 0 .. universe.mms-1, printed "mm0"
  kVa,       // 0 .. universe.pages-1, printed as a number
  kNpages,   // 1 .. universe.pages
  kDevice,   // 0 .. universe.devices-1, printed "dev0"
  kValue,    // 1 .. 255: a byte to write
  kProt,     // none | r | rw
  kMapKind,  // private | shared | hugetlb
  kAdvice,   // hugepage | nohugepage | pageout | dontneed | free
};

struct ArgInfo {
  std::string_view name;
  ArgKind kind{};
};

inline constexpr int kMaxArgs = 5;

struct Op {
  OpCode code = OpCode::kCpuRead;
  std::array<int16_t, kMaxArgs> args{};
  int16_t Arg(int i) const { return args[static_cast<size_t>(i)]; }
  bool operator==(const Op&) const = default;
};

using ApplyFn = void (*)(World&, const Op&, StepResult&);
using EnabledFn = bool (*)(const World&, const Op&);

// One row of the op table (a literal type: the table is constexpr).
struct OpInfo {
  OpCode code{};
  std::string_view name;          // trace/CLI name, snake_case
  std::string_view kernel_entry;  // the kernel function(s) it runs through
  std::string_view trigger;       // the user-space trigger, if any
  std::string_view doc;
  FixedList<ArgInfo, kMaxArgs> args;
  EnabledFn enabled = nullptr;  // precondition (all arguments in range, etc.)
  ApplyFn apply = nullptr;
  // Arguments 0 and 1 (mm, va) name a folio by a mapping of it; traces
  // write them as "folio=@mm0:p3" so they survive shrinking.
  bool names_folio = false;
};

// Every row, in OpCode order: OpTable()[i].code == OpCode(i).
std::span<const OpInfo> OpTable();
const OpInfo& InfoOf(OpCode code);
const OpInfo* FindOp(std::string_view name);

// Inclusive range of an argument in universe `u`.
std::pair<int, int> ArgRange(ArgKind kind, const Universe& u);
// Symbolic names for enumerated arguments (prot, map kind, advice); empty otherwise.
const std::vector<std::string_view>& ArgSymbols(ArgKind kind);
std::string FormatArg(ArgKind kind, int value);

// "cpu_write mm=mm0 va=1 value=7", "reclaim folio=@mm0:p3"
std::string FormatOp(const Op& op);

// How a trace or listing writes each argument of `info`, in order:
// "folio=@mmM:pN", "mm=mmM", "va=N", "prot=none|r|rw", ... What the trace
// parser accepts, with ranges from the universe (`mmcheck ops`).
std::string OpSyntax(const OpInfo& info);

// A return value as the kernel's name for it: "0", "-EBUSY", or "-N" for an
// errno the model never returns.
std::string RetName(int ret);

// Whether `op` may run in `w` (its arguments are in range and its
// precondition holds).
bool Enabled(const World& w, const Op& op);

// Runs one operation. REQUIRES: Enabled(w, op). With `texts` false, informational event
// texts are left empty (StepResult::texts); kinds, progress and everything else are the same.
StepResult Apply(World& w, const Op& op, bool texts = true);

// Builds an op from positional arguments; for tests and scenarios.
Op MakeOp(OpCode code, std::initializer_list<int> args);

}  // namespace mmcheck::model
