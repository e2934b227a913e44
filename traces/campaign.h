// SPDX-License-Identifier: GPL-2.0
// Campaigns: RapidCheck stateful random testing of every profile against
// every property (properties/state_commands.h), with the regression corpus
// replayed first, time budgets, deterministic seeds and shards, several
// worker processes, counterexamples shrunk and written as .mmtrace files,
// and reports (traces/report.h).
//
// How one profile is searched:
//   1. Every corpus trace (DIR/*.mmtrace, then --corpus) is replayed on it.
//   2. RapidCheck runs chunks of cases. Case sequences start from the
//      Prologue; after every step the enabled properties are checked. A case
//      fails when it violates a *target* (a reported property not found yet)
//      as a root cause: an expected property, or a property the profile does
//      not expect violated before any expected one (at or after one, it is a
//      consequence: counted, never unexpected).
//   3. The failure is shrunk by RapidCheck, then by the trace shrinker
//      (traces/shrink.h), confirmed by traces::RunSteps and written as
//      DIR/<profile>--<property>.mmtrace with its seed and RapidCheck's
//      reproduce string.
//   4. The search goes on with the remaining targets until the profile's
//      share of the budget, the case limit or an interrupt.
//
// Seeds. Chunk k of profile P in shard I of N runs RapidCheck with
//   CaseSeed(S, P, I/N, k) = Mix(Mix(S) ^ Fnv1a(P.name) ^ Mix(k * N + I + 1))
// where Mix is the splitmix64 finaliser: shards of one base seed S never run
// the same chunk (k * N + I is unique), a profile's seeds do not depend on
// which other profiles run, and everything is reproducible from S.
//
// Jobs. RapidCheck keeps its implicit parameters in process-wide statics, so
// --jobs N > 1 runs profiles in up to N forked worker processes (one per
// profile), each reporting its ProfileReport back as JSON on a pipe. Results
// are joined in profile order, whatever the job count.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/profile.h"
#include "properties/properties.h"
#include "traces/report.h"
#include "traces/trace.h"

namespace mmcheck::traces {

struct Shard {
  int index = 0, count = 1;
  bool operator==(const Shard&) const = default;
};
// "I/N" with 0 <= I < N. Throws model::ModelInputError.
Shard ParseShard(std::string_view text);
// GTEST_SHARD_INDEX / GTEST_TOTAL_SHARDS when both are set. Throws
// model::ModelInputError when they are malformed.
std::optional<Shard> ShardFromEnvironment();

uint64_t CaseSeed(uint64_t base, std::string_view profile, Shard shard, uint64_t chunk);

// A profile to search, and how traces should name it.
struct CampaignProfile {
  model::Profile profile;     // knob overrides applied
  std::string trace_profile;  // the `profile` line of its traces: a built-in name or a path
};

// A corpus trace, parsed.
struct CorpusTrace {
  std::string path;
  Trace trace;
};

// Progress of a running campaign (for the terminal line).
struct Progress {
  int profiles_done = 0, profiles_total = 0;
  int64_t steps = 0, cases = 0;
  double elapsed_seconds = 0, budget_seconds = 0;
  int found = 0, unexpected = 0;
};

struct CampaignOptions {
  std::vector<CampaignProfile> profiles;
  std::vector<std::string> knobs;           // overrides already applied; written to traces
  properties::PropertyMask properties = 0;  // the properties to report (0 = all)
  model::Universe universe;
  uint64_t seed = 1;
  std::string budget_text = "20s";
  double budget_seconds = 20;     // total, split across profiles
  int64_t cases_per_profile = 0;  // 0 = no limit
  int jobs = 1;
  Shard shard;
  std::string out_dir;                                // traces and reports; "" = write nothing
  std::vector<CorpusTrace> corpus;                    // replayed first, in this order
  int cases_per_chunk = 100;                          // RapidCheck maxSuccess per chunk
  int max_size = 40;                                  // RapidCheck maxSize (commands per case)
  double shrink_seconds = 10;                         // per counterexample (trace shrinker)
  std::function<void(const Progress&)> progress;      // called a few times a second
  std::function<void(const Report&)> report_written;  // after each (partial) report
};

// Reads the corpus: DIR/*.mmtrace (sorted) and every --corpus path (a file,
// or a directory's *.mmtrace sorted). Throws TraceError (file:line:col) on a
// trace that does not parse or cannot be read, model::ModelInputError on a
// --corpus path that does not exist. A missing DIR is an empty corpus.
std::vector<CorpusTrace> LoadCorpus(const std::string& out_dir,
                                    const std::vector<std::string>& corpus_paths);

// Runs the campaign. Writes traces into out_dir as they are found, and
// out_dir/report.json and report.xml after every profile (atomically).
// Returns the final report.
Report RunCampaign(const CampaignOptions& options);

// The search of one profile, in this process (RunCampaign calls it, in a
// worker process when jobs > 1). `deadline_seconds` is the profile's share.
ProfileReport SearchProfile(const CampaignOptions& options, size_t profile_index,
                            double budget_seconds, ProfileTimings* timings,
                            const std::function<void(int64_t steps, int64_t cases)>& on_progress);

// The file a counterexample is written to: "<profile>--<property>.mmtrace"
// (characters other than [A-Za-z0-9._-] in the profile name become '_').
std::string TraceFileName(std::string_view profile, std::string_view property);

// Interrupts (SIGINT, SIGTERM): the handlers only set a flag, which the
// campaign polls between RapidCheck cases and shrink candidates.
void InstallStopHandlers();
void RequestStop();
bool StopRequested();
void ResetStop();  // for tests

}  // namespace mmcheck::traces
