// The one table of operations: kernel entry point -> model operation, its
// arguments, its user-space trigger. CLI listings, scenarios, RapidCheck
// generators and explorers all iterate OpTable(); nothing else lists ops.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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

enum : uint8_t { kAdviceHugepage, kAdviceNohugepage, kAdvicePageout, kAdviceDontneed, kAdviceFree };

struct ArgInfo {
  std::string_view name;
  ArgKind kind;
};

inline constexpr int kMaxArgs = 5;

struct Op {
  OpCode code = OpCode::kCpuRead;
  std::array<int16_t, kMaxArgs> args{};
  int16_t Arg(int i) const { return args[static_cast<size_t>(i)]; }
  bool operator==(const Op&) const = default;
};

// Signals delivered to the faulting task.
enum class Signal : uint8_t { kNone, kSigsegv, kSigbus };

// The kernel-visible outcome of one operation.
struct Outcome {
  int ret = 0;  // 0, or -errno (e.g. -EBUSY, -EPERM, -ENOMEM)
  Signal signal = Signal::kNone;
  bool blocked = false;        // would sleep until another thread releases a lock
  int value = -1;              // cpu_read: the value read
  int cpages = 0, faults = 0;  // dmirror ioctl results
  std::vector<uint8_t> prot;   // dev_snapshot: one HMM_DMIRROR_PROT_* byte per page
  bool operator==(const Outcome&) const = default;
};

// What the kernel printed or did that a property may judge.
enum class EventKind : uint8_t {
  kBug,         // BUG_ON / VM_BUG_ON: the kernel would oops
  kCorruption,  // the kernel wrote or read through the wrong page or entry
  kWarn,        // WARN_ON / VM_WARN_ON (advisory)
  kDumpPage,    // dump_page() output (e.g. "migration failure")
  kInfo,        // model notes shown in traces
};
// Prefix of the kInfo event a kernel page_vma_mapped_walk() that missed one
// of its folio's mappings reports (properties: pvmw-sound-and-complete).
inline constexpr const char* kPvmwMissPrefix = "pvmw missed a mapping: ";
struct KernelEvent {
  EventKind kind;
  std::string text;
};

// A progress obligation: an eligible folio that reclaim or migration must move.
struct ProgressCheck {
  enum Kind : uint8_t { kReclaim, kMigration } kind;
  uint32_t pfn;     // the folio's head PFN before the operation
  bool progressed;  // reclaimed (no entry references it) / migrated
  std::string why;  // why it did not progress
};

// A read that returned something other than what was last written.
struct DataMismatch {
  int mm, va;
  int got, expected;
  std::string who;  // "cpu", "dev0"
};

struct StepResult {
  Outcome outcome;
  std::vector<KernelEvent> events;
  std::vector<ProgressCheck> progress;
  std::vector<DataMismatch> mismatches;
  // False: purely informational texts (dump_page() output) are left empty. The explorer steps
  // millions of times and never shows them; traces and campaigns keep them.
  bool texts = true;

  void Event(EventKind k, std::string text) { events.push_back({k, std::move(text)}); }
};

using ApplyFn = void (*)(World&, const Op&, StepResult&);
using EnabledFn = bool (*)(const World&, const Op&);

struct OpInfo {
  OpCode code;
  std::string_view name;          // trace/CLI name, snake_case
  std::string_view kernel_entry;  // the kernel function(s) it runs through
  std::string_view trigger;       // the user-space trigger, if any
  std::string_view doc;
  std::vector<ArgInfo> args;
  EnabledFn enabled;  // precondition (all arguments in range, etc.)
  ApplyFn apply;
  // Arguments 0 and 1 (mm, va) name a folio by a mapping of it; traces
  // write them as "folio=@mm0:p3" so they survive shrinking.
  bool names_folio = false;
};

const std::vector<OpInfo>& OpTable();
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
