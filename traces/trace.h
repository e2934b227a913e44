// SPDX-License-Identifier: GPL-2.0
// The .mmtrace format: a human-writable, line-oriented, versioned trace.
//
//   # Bug 3: device-exclusive pages cannot be swapped out (6.14).
//   mmtrace 1
//   profile linux-6.14
//   universe mms=2,pages=4,folios=6,swap=4,devices=1,pmd_order=2
//   knob device_exclusive_mapcount=dropped        (optional, repeatable)
//   expect violates reclaim-makes-progress        (or: expect holds)
//   question After EXCLUSIVE, can reclaim swap the page out?
//
//   1 mmap mm=mm0 va=0 npages=4 prot=rw kind=private
//   # a comment belongs to the step after it
//   2 cpu_write mm=mm0 va=0 value=7
//   3 dev_exclusive dev=dev0 mm=mm0 va=0 npages=1   # trailing comments too
//   4 reclaim folio=@mm0:p0
//   5 cpu_read mm=mm0 va=0 => ret=0 value=7       (optional step expectations)
//
// Header lines come in that order. Steps are numbered from 1 without gaps;
// every argument of the op is named exactly once. After "=>" a step may
// state what it must show, as hmm-tests asserts it (StepExpect); replay
// checks each. Folios are named by a
// mapping of them (@mm0:p3). The parser is strict: any mistake is a
// TraceError "file:line:col: what is wrong". PrintTrace(ParseTrace(t)) == t
// for every trace in canonical form (single spaces, canonical values).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/operations.h"
#include "model/profile.h"

namespace mmcheck::traces {

inline constexpr int kTraceFormatVersion = 1;
// The printer keeps a step within this many columns (mail) by moving its
// expectations onto continuation lines that start with "=>".
inline constexpr size_t kTraceWidth = 75;

// A malformed trace; the message is "file:line:col: what is wrong".
class TraceError : public model::ModelInputError {
 public:
  using model::ModelInputError::ModelInputError;
};

struct Expectation {
  bool holds = true;     // "expect holds"
  std::string property;  // "expect violates <property>" when !holds
  bool operator==(const Expectation&) const = default;
};

// What one step must show (every field optional), written after "=>" in
// this order:
//   ret=0|-EBUSY|-N    the return value, by errno name
//   signal=none|SIGSEGV|SIGBUS
//   blocked=yes|no     the op would sleep on a lock another thread holds
//   value=N            the value read (cpu_read, dev_read, dev_exclusive)
//   cpages=N faults=N  the dmirror ioctl's counts
//   snapshot=ff,11,00  HMM_DMIRROR_SNAPSHOT's bytes, one per page (hex)
//   event=none|bug,corruption,warn,dump-page
//                      the kinds of the kernel events, in order
//   entry@mm0:p1=KIND  the entry of page 1 of mm0 after the step
//                      (none, present, swap, device-exclusive, ..., huge-pmd)
struct StepExpect {
  std::optional<int> ret;
  std::optional<model::Signal> signal;
  std::optional<bool> blocked;
  std::optional<int> value;
  std::optional<int> cpages, faults;
  std::optional<std::vector<uint8_t>> snapshot;
  std::optional<std::vector<model::EventKind>> events;
  struct Entry {
    int mm = 0, va = 0;
    std::string kind;
    bool operator==(const Entry&) const = default;
  };
  std::vector<Entry> entries;  // in the order given
  bool Empty() const { return *this == StepExpect{}; }
  bool operator==(const StepExpect&) const = default;
};

// "ret=0 value=7": the canonical text of `e` (empty when it states nothing).
std::string PrintStepExpect(const StepExpect& e);
// Where `result` (and the world after the step) differ from `e`: one line
// each, "ret is -EBUSY, the trace expects 0".
std::vector<std::string> StepExpectMismatches(const StepExpect& e, const model::StepResult& result,
                                              const model::World& after);
// The expectations a step's outcome meets in full: what `mmcheck replay
// --fill` writes (entries are not filled: a trace names the pages it cares
// about).
StepExpect ExpectationsOf(const model::StepResult& result);
// "bug", "corruption", "warn", "dump-page", "info".
std::string_view EventKindName(model::EventKind k);

struct TraceStep {
  model::Op op;
  std::vector<std::string> comments;  // full-line comments before the step, without "# "
  std::string trailing;               // trailing comment, without "# "
  int line = 0;                       // source line (0 for generated steps); not printed
  StepExpect expect;                  // after "=>"
  bool operator==(const TraceStep& o) const {
    return op == o.op && expect == o.expect && comments == o.comments && trailing == o.trailing;
  }
};

struct Trace {
  std::vector<std::string> header_comments;  // comment lines before "mmtrace"
  int version = kTraceFormatVersion;
  std::string profile;  // a built-in name or a .toml path
  model::Universe universe;
  std::vector<std::string> knobs;  // "name=value" overrides, in order
  Expectation expect;
  std::string question;
  std::vector<TraceStep> steps;
  int profile_line = 0, profile_column = 0;  // for error messages; not printed
  struct Position {
    int line = 0, column = 0;
  };
  std::vector<Position> knob_positions;  // of each knob's name=value; not printed
  bool operator==(const Trace& o) const {
    return header_comments == o.header_comments && version == o.version && profile == o.profile &&
           universe == o.universe && knobs == o.knobs && expect == o.expect &&
           question == o.question && steps == o.steps;
  }
};

// Parses `text` (named `file` in errors). Checks syntax, op names, argument
// names, values and ranges against the universe, and property names; it does
// not run the model (see CheckPreconditions). Throws TraceError.
//
// Line endings are LF or CRLF (one CR before the LF is dropped; any other CR
// is an error), a leading UTF-8 byte-order mark is skipped, and a NUL byte or
// a line over 4 KiB is an error (model::CheckInputText). So for any text t
// that parses, PrintTrace(ParseTrace(PrintTrace(ParseTrace(t)))) ==
// PrintTrace(ParseTrace(t)), and for a canonical t, PrintTrace(ParseTrace(t))
// == t. Messages quote the input with non-printable bytes escaped (\x00).
Trace ParseTrace(std::string_view file, std::string_view text);
// Reads (at most 1 MiB, model::ReadInputFile) and parses a file. Throws
// TraceError (also when unreadable, a directory, or too large).
Trace ReadTraceFile(const std::string& path);
// The canonical text of `t`.
std::string PrintTrace(const Trace& t);
// One step line without its number: "reclaim folio=@mm0:p0".
std::string PrintOp(const model::Op& op);

// Resolves the trace's profile (built-in name or a .toml path relative to
// the trace file's directory) and applies its knob overrides. Throws
// TraceError at the profile or knob line.
model::Profile TraceProfile(const Trace& t, std::string_view file);
// Applies the trace's knob lines to `p` (a profile given on the command line
// instead of the trace's). Throws TraceError "file:line:col: knob ...:
// contradictory knobs on profile 'NAME': ..." at the knob line.
void ApplyTraceKnobs(const Trace& t, std::string_view file, model::Profile& p);

// Runs the steps on the model and throws TraceError at the first step
// whose precondition does not hold ("file:line:1: step 3: ... not enabled").
void CheckPreconditions(const Trace& t, std::string_view file, const model::Profile& p);

}  // namespace mmcheck::traces
