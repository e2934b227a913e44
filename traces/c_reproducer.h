// SPDX-License-Identifier: GPL-2.0
// A trace as a C reproducer in the style of the kernel's
// tools/testing/selftests/mm/hmm-tests.c: one process per model mm (fork
// makes the children), dmirror ioctls through /dev/hmm_dmirrorN
// (lib/test_hmm.c, loaded by test_hmm.sh), and a check of every outcome the
// model predicts: return values, values read, SIGSEGV, the dmirror
// cpages/faults counts, and HMM_DMIRROR_SNAPSHOT's per-page bytes (the PMD
// bit masked off where the model's scaled-down PMD maps the page).
//
// Steps without a user-space trigger (reclaim, migration, offline, mkclean,
// THP split, the lock thread, and ops on hugetlb mappings, whose model PMDs
// are scaled down) are kept as comments, and the file says it is partial.
// The program's expectations come from the run on the profile given, so
// `--profile linux-6.15` gives a test that a fixed kernel passes.
#pragma once

#include <string>

#include "traces/replay.h"
#include "traces/trace.h"

namespace mmcheck::traces {

struct CReproducer {
  std::string source;       // the C file
  int commented_steps = 0;  // steps kept as comments (no user-space trigger)
};

// The C reproducer of trace `t` (read from `file`) as run in `r`.
CReproducer ExportCReproducer(const Trace& t, std::string_view file, const ReplayResult& r);

// Whether step `rec`, run from `before` to `after`, becomes C (it has a
// user-space trigger) rather than a comment.
bool Reproducible(const StepRecord& rec, const model::World& before, const model::World& after);

}  // namespace mmcheck::traces
