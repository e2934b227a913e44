// SPDX-License-Identifier: GPL-2.0
// What one step of the model shows: the kernel-visible outcome of the
// operation (return value, signal, values read, dmirror counts), the kernel's
// messages (BUG/WARN/corruption/dump_page), the progress obligations of the
// background movers and the data mismatches. model/ops fills it; properties
// and traces read it. Depends on nothing else of the model.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mmcheck::model {

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

// Everything one step (model::Apply) reports besides the new world.
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

}  // namespace mmcheck::model
