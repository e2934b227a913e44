// SPDX-License-Identifier: GPL-2.0
#include "traces/campaign.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <rapidcheck.h>
#include <rapidcheck/detail/TestListenerAdapter.h>

#include "properties/generators.h"
#include "properties/state_commands.h"
#include "traces/output_file.h"
#include "traces/scenarios.h"
#include "traces/shrink.h"

namespace mmcheck::traces {

using model::Op;
using properties::PropertyMask;
using properties::PropertyTable;
using Clock = std::chrono::steady_clock;

namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");

extern "C" void OnStopSignal(int) {
  g_stop.store(true, std::memory_order_relaxed);
}

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

uint64_t Mix(uint64_t z) {  // splitmix64 finaliser
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

PropertyMask Bit(int property) {
  return PropertyMask{1} << property;
}

std::string PropertyName(int property) {
  return std::string(PropertyTable()[static_cast<size_t>(property)].name);
}

bool IsAdvisory(int property) {
  return PropertyTable()[static_cast<size_t>(property)].severity == properties::Severity::kAdvisory;
}

PropertyMask ExpectedMask(const model::Profile& p) {
  PropertyMask m = 0;
  for (const model::ExpectedViolation& e : p.expect)
    m |= properties::MaskOf(e.property);  // 0 for lemma names
  return m;
}

std::string OneLine(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

std::string LocalTime() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

// How a violation of `q` at `step` stands in a run where the first expected
// violation happened at `first_expected` (0 = none yet).
enum class Standing { kRoot, kConsequence };
Standing Classify(int q, int step, PropertyMask expected, int first_expected) {
  if (expected & Bit(q)) return Standing::kRoot;
  return first_expected && first_expected <= step ? Standing::kConsequence : Standing::kRoot;
}

// The per-profile search state: results and remaining targets.
struct ProfileSearch {
  const CampaignOptions& o;
  const CampaignProfile& cp;
  const model::Profile& p;
  PropertyMask report, expected, check, targets;
  ProfileReport out;
  std::map<int, size_t> row;  // property -> index in out.results

  ProfileSearch(const CampaignOptions& options, const CampaignProfile& c)
      : o(options), cp(c), p(c.profile) {
    report = o.properties ? o.properties : properties::AllProperties();
    expected = ExpectedMask(p);
    check = report | expected;
    targets = report;
    out.name = p.name;
    for (int q = 0; q < static_cast<int>(PropertyTable().size()); ++q) {
      if (!(report & Bit(q))) continue;
      row[q] = out.results.size();
      PropertyResult r;
      r.property = PropertyName(q);
      r.expected = (expected & Bit(q)) != 0;
      r.advisory = IsAdvisory(q);
      out.results.push_back(std::move(r));
    }
  }

  PropertyResult& Result(int q) { return out.results[row.at(q)]; }

  // Records a root violation of target `q` and retires it.
  void Found(int q, PropertyResult evidence) {
    PropertyResult& r = Result(q);
    int consequences = r.consequences;
    std::string property = r.property;
    bool exp = r.expected, adv = r.advisory;
    r = std::move(evidence);
    r.property = property;
    r.expected = exp;
    r.advisory = adv;
    r.consequences = consequences;
    r.status = exp   ? ResultStatus::kFound
               : adv ? ResultStatus::kWarning
                     : ResultStatus::kUnexpected;
    targets &= ~Bit(q);
  }

  void Finish(bool interrupted) {
    // What the universe lacks of the profile's min_universe: an expectation
    // not found there is unreachable, not missing.
    const std::string unreachable = p.needs.MissingIn(o.universe);
    out.interrupted = interrupted;
    out.complete = !interrupted && out.error.empty();
    for (PropertyResult& r : out.results) {
      if (r.status != ResultStatus::kClean) continue;  // evidence already recorded
      if (r.expected && !unreachable.empty()) {
        r.status = ResultStatus::kUnreachable;
        r.detail = unreachable;
      } else if (r.expected) {
        r.status = out.complete ? ResultStatus::kMissing : ResultStatus::kIncomplete;
      } else if (r.consequences)
        r.status = ResultStatus::kConsequence;
    }
  }
};

// The first violations of one run, classified.
struct RunVerdict {
  int steps = 0;          // steps run
  int disabled_step = 0;  // a step whose precondition did not hold (1-based), 0 if none
  int failing = -1;       // the first target violated as a root cause, -1 if none
  int failing_step = 0;
  std::string detail;
  std::vector<int> consequences;  // properties violated as consequences
  bool any_root_unexpected = false;
};

// Runs `ops` on `initial` checking `check`, and classifies the first
// violations against `targets`. Stops early at the first root violation of
// a target, at a disabled step, or once no target can still be violated as
// a root cause (all remaining targets unexpected, an expected one seen).
RunVerdict RunAndClassify(const model::World& initial, const std::vector<Op>& ops,
                          PropertyMask check, PropertyMask expected, PropertyMask targets,
                          PropertyMask report) {
  RunVerdict v;
  properties::StepChecker sc(initial, check);
  int first_expected = 0;
  for (const Op& op : ops) {
    if (!model::Enabled(sc.world, op)) {
      v.disabled_step = sc.steps + 1;
      break;
    }
    sc.Step(op);
    v.steps = sc.steps;
    for (const properties::Violation& x : sc.last)
      if ((expected & Bit(x.property)) && !first_expected) first_expected = sc.steps;
    for (const properties::Violation& x : sc.last) {
      const int q = x.property;
      if (sc.first_violation[static_cast<size_t>(q)] != sc.steps || !(report & Bit(q))) continue;
      if (Classify(q, sc.steps, expected, first_expected) == Standing::kConsequence) {
        v.consequences.push_back(q);
        continue;
      }
      if ((targets & Bit(q)) && v.failing < 0) {
        v.failing = q;  // sc.last is in property-table order: the lowest index wins
        v.failing_step = sc.steps;
        v.detail = x.detail;
      }
    }
    if (v.failing >= 0) break;
    if (first_expected && !(targets & expected)) break;  // nothing left to find as a root
  }
  return v;
}

std::string Hex(uint64_t x) {
  return fmt::format("{:#018x}", x);
}

// Builds the counterexample trace for `q`.
Trace MakeTrace(const ProfileSearch& s, int q, const std::vector<Op>& ops, int step,
                const std::string& detail, const std::vector<std::string>& header) {
  Trace t;
  t.header_comments = header;
  t.profile = s.cp.trace_profile;
  t.universe = s.o.universe;
  t.knobs = s.o.knobs;
  t.expect = Expectation{false, PropertyName(q)};
  t.question = fmt::format("Can {} be violated on {}?", PropertyName(q), s.p.name);
  for (const Op& op : ops) {
    TraceStep ts;
    ts.op = op;
    t.steps.push_back(std::move(ts));
  }
  if (step > 0 && step <= static_cast<int>(t.steps.size()))
    t.steps[static_cast<size_t>(step - 1)].trailing = "violates " + PropertyName(q);
  (void)detail;
  return t;
}

// Replays the corpus on the profile (step 1 of the search).
void ReplayCorpus(ProfileSearch& s) {
  // The profile's own traces first, then the others, each group in corpus order.
  std::vector<const CorpusTrace*> order;
  for (int own = 1; own >= 0; --own)
    for (const CorpusTrace& c : s.o.corpus)
      if ((c.trace.profile == s.cp.trace_profile) == static_cast<bool>(own)) order.push_back(&c);
  for (const CorpusTrace* c : order) {
    if (c->trace.knobs != s.o.knobs) continue;  // another kernel
    const bool own = c->trace.profile == s.cp.trace_profile;
    if (own) CheckPreconditions(c->trace, c->path, s.p);  // TraceError at the step's line
    std::vector<Op> ops;
    for (const TraceStep& st : c->trace.steps) ops.push_back(st.op);
    model::World initial = model::World::Initial(c->trace.universe, s.p.knobs);
    RunVerdict v;
    // Every target this trace violates as a root cause, not only the first.
    PropertyMask targets = s.targets;
    for (;;) {
      v = RunAndClassify(initial, ops, s.check, s.expected, targets, s.report);
      if (v.failing < 0) break;
      PropertyResult e;
      e.source = "corpus";
      std::filesystem::path path(c->path);
      e.trace = !s.o.out_dir.empty() && path.parent_path() == std::filesystem::path(s.o.out_dir)
                    ? path.filename().string()
                    : c->path;
      e.trace_steps = static_cast<int>(ops.size());
      e.step = v.failing_step;
      e.detail = OneLine(v.detail);
      s.Found(v.failing, std::move(e));
      targets &= ~Bit(v.failing);
    }
    for (int q : v.consequences) s.Result(q).consequences++;
  }
}

}  // namespace

// ---------------------------------------------------------------- options

Shard ParseShard(std::string_view text) {
  Shard s;
  size_t slash = text.find('/');
  auto num = [](std::string_view t, int& v) {
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    return !t.empty() && ec == std::errc() && p == t.data() + t.size();
  };
  if (slash == std::string_view::npos || !num(text.substr(0, slash), s.index) ||
      !num(text.substr(slash + 1), s.count))
    throw model::ModelInputError(fmt::format("bad shard '{}': expected I/N, e.g. 0/4", text));
  if (s.count < 1 || s.index < 0 || s.index >= s.count)
    throw model::ModelInputError(
        fmt::format("bad shard '{}': the index must be in 0..N-1 (N >= 1)", text));
  return s;
}

std::optional<Shard> ShardFromEnvironment() {
  const char* index = std::getenv("GTEST_SHARD_INDEX");
  const char* total = std::getenv("GTEST_TOTAL_SHARDS");
  if (!index || !total) return std::nullopt;
  try {
    return ParseShard(fmt::format("{}/{}", index, total));
  } catch (const model::ModelInputError& e) {
    throw model::ModelInputError(
        fmt::format("GTEST_SHARD_INDEX={} GTEST_TOTAL_SHARDS={}: {}", index, total, e.what()));
  }
}

uint64_t CaseSeed(uint64_t base, std::string_view profile, Shard shard, uint64_t chunk) {
  const uint64_t stream =
      chunk * static_cast<uint64_t>(shard.count) + static_cast<uint64_t>(shard.index);
  return Mix(Mix(base) ^ Fnv1a(profile) ^ Mix(stream + 1));
}

std::string TraceFileName(std::string_view profile, std::string_view property) {
  std::string name;
  for (char c : profile)
    name +=
        std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ? c : '_';
  return fmt::format("{}--{}.mmtrace", name, property);
}

void InstallStopHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}
void RequestStop() {
  g_stop.store(true);
}
bool StopRequested() {
  return g_stop.load(std::memory_order_relaxed);
}
void ResetStop() {
  g_stop.store(false);
}

// ---------------------------------------------------------------- corpus

std::vector<CorpusTrace> LoadCorpus(const std::string& out_dir,
                                    const std::vector<std::string>& corpus_paths) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  auto add_dir = [&](const fs::path& dir) {
    std::vector<std::string> found;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
      if (it->path().extension() == ".mmtrace" && !it->is_directory(ec))
        found.push_back(it->path().string());
    if (ec)
      throw model::ModelInputError(
          fmt::format("{}: cannot list the corpus: {}", dir.string(), ec.message()));
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  };
  if (!out_dir.empty() && fs::is_directory(out_dir)) add_dir(out_dir);
  for (const std::string& p : corpus_paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec))
      add_dir(p);
    else if (fs::exists(p, ec))
      files.push_back(p);
    else
      throw model::ModelInputError(fmt::format("{}: no such corpus file or directory", p));
  }
  std::vector<CorpusTrace> out;
  for (const std::string& f : files) {
    if (std::find_if(out.begin(), out.end(), [&](const CorpusTrace& c) { return c.path == f; }) !=
        out.end())
      continue;
    out.push_back({f, ReadTraceFile(f)});
  }
  return out;
}

// ---------------------------------------------------------------- search

ProfileReport SearchProfile(const CampaignOptions& o, size_t profile_index, double budget_seconds,
                            ProfileTimings* timings,
                            const std::function<void(int64_t, int64_t)>& on_progress) {
  const CampaignProfile& cp = o.profiles[profile_index];
  ProfileSearch s(o, cp);
  const Clock::time_point start = Clock::now();
  ReplayCorpus(s);

  const model::Universe& u = o.universe;
  const model::World initial = model::World::Initial(u, s.p.knobs);
  const model::World after_prologue[] = {
      properties::PrologueState(u, s.p.knobs, model::kMapPrivate),
      properties::PrologueState(u, s.p.knobs, model::kMapShared),
      properties::PrologueState(u, s.p.knobs, model::kMapHugetlb)};
  const std::string rc_id = fmt::format("mmcheck campaign {}", s.p.name);
  // RC_PARAMS="reproduce=..." replays one RapidCheck case (configuration()
  // is only read then: it prints the configuration it uses).
  static const std::unordered_map<std::string, rc::detail::Reproduce> no_reproduce;
  const auto& rc_reproduce =
      std::getenv("RC_PARAMS") ? rc::detail::configuration().reproduce : no_reproduce;
  const bool reproducing = rc_reproduce.count(rc_id) > 0;

  double first_found = -1;
  Clock::time_point last_progress = start;
  bool interrupted = false;

  for (uint64_t chunk = 0; s.targets && !interrupted; ++chunk) {
    if (StopRequested()) {
      interrupted = true;
      break;
    }
    if (!reproducing && (Since(start) >= budget_seconds ||
                         (o.cases_per_profile && s.out.cases >= o.cases_per_profile)))
      break;
    if (reproducing && chunk > 0) break;
    const uint64_t seed = CaseSeed(o.seed, s.p.name, o.shard, chunk);

    // The case under test. `locked` is the target the first failing case
    // violated; RapidCheck's shrinking then keeps that one violated.
    int locked = -1;
    size_t original_length = 0;  // of the first failing case
    std::vector<Op> failing_ops;
    auto testable = [&] {
      if (StopRequested()) return;
      const bool shrinking = locked >= 0;
      if (!shrinking && !reproducing &&
          (Since(start) >= budget_seconds ||
           (o.cases_per_profile && s.out.cases >= o.cases_per_profile)))
        return;
      const int kind = *properties::GenPrologueKind();
      const auto cmds = *properties::GenCommands(after_prologue[kind]);
      std::vector<Op> ops = properties::OpsOf(u, kind, cmds);
      PropertyMask targets = shrinking ? Bit(locked) : s.targets;
      RunVerdict v = RunAndClassify(initial, ops, s.check, s.expected, targets, s.report);
      if (!shrinking) {
        s.out.cases++;
        s.out.steps += v.steps;
        for (int q : v.consequences) s.Result(q).consequences++;
        if (on_progress &&
            std::chrono::duration<double>(Clock::now() - last_progress).count() > 0.1) {
          last_progress = Clock::now();
          on_progress(s.out.steps, s.out.cases);
        }
      }
      if (v.failing < 0) return;
      if (!shrinking) {
        locked = v.failing;
        original_length = ops.size();
        if (first_found < 0) first_found = Since(start);
      }
      failing_ops = std::move(ops);
      RC_FAIL(PropertyName(v.failing));
    };

    rc::detail::TestParams params;
    params.seed = seed;
    params.maxSize = o.max_size;
    params.maxSuccess = o.cases_per_chunk;
    if (o.cases_per_profile)
      params.maxSuccess = static_cast<int>(std::min<int64_t>(
          o.cases_per_chunk, std::max<int64_t>(1, o.cases_per_profile - s.out.cases)));
    rc::detail::TestMetadata meta;
    meta.id = rc_id;
    meta.description = rc_id;
    rc::detail::TestListenerAdapter quiet;  // no output, no "reproduce" message at exit
    rc::detail::TestResult result = rc::detail::checkTestable(
        testable, meta, params, quiet, reproducing ? rc_reproduce : no_reproduce);

    rc::detail::FailureResult failure;
    if (result.match(failure) && locked >= 0) {
      const int q = locked;
      const std::vector<Op> rc_ops = failing_ops;
      // Then the trace shrinker.
      ShrinkOptions so;
      so.budget_seconds = o.shrink_seconds;
      so.stop = StopRequested;
      FailureTest test = ViolationTest(u, s.p.knobs, q, RootsBefore(s.p, q));
      ShrinkStats stats;
      std::vector<Op> ops = ShrinkOps(rc_ops, test, so, &stats);
      // Confirm on the model, checking every property.
      auto confirm = [&](const std::vector<Op>& candidate, int& step, std::string& detail) {
        ScenarioRun run;
        try {
          run = RunSteps(u, s.p.knobs, candidate);
        } catch (const model::ModelInputError&) {
          return false;
        }
        step = run.first_violation[static_cast<size_t>(q)];
        if (!step) return false;
        for (int e = 0; e < static_cast<int>(run.first_violation.size()); ++e)
          if (e != q && (RootsBefore(s.p, q) & Bit(e)) &&
              run.first_violation[static_cast<size_t>(e)] &&
              run.first_violation[static_cast<size_t>(e)] <= step)
            return false;
        for (const properties::Violation& x : run.steps[static_cast<size_t>(step - 1)].violations)
          if (x.property == q) detail = x.detail;
        return true;
      };
      int step = 0;
      std::string detail;
      if (!confirm(ops, step, detail)) {
        ops = rc_ops;
        if (!confirm(ops, step, detail)) {
          s.out.error = fmt::format("a counterexample for {} did not replay", PropertyName(q));
          break;
        }
      }
      rc::detail::Configuration config;
      config.reproduce[rc_id] = failure.reproduce;
      std::string reproduce = rc::detail::configToMinimalString(config);
      if (reproduce.ends_with(" seed=0")) reproduce.resize(reproduce.size() - 7);
      std::vector<std::string> header = {
          fmt::format("Found by mmcheck campaign: seed {}, shard {}/{}, RapidCheck case seed {} "
                      "(chunk {}).",
                      o.seed, o.shard.index, o.shard.count, Hex(seed), chunk),
          fmt::format("Shrunk from {} steps by RapidCheck to {}, then by mmcheck to {}.",
                      original_length, rc_ops.size(), ops.size()),
          fmt::format("Step {}: {}", step, OneLine(detail)),
          fmt::format("Reproduce: RC_PARAMS=\"{}\" mmcheck campaign --profile {} --property {} "
                      "--universe {}{}",
                      reproduce, cp.trace_profile, PropertyName(q), u.ToString(),
                      [&] {
                        std::string k;
                        for (const std::string& x : o.knobs) k += " --knob " + x;
                        return k;
                      }()),
      };
      Trace t = MakeTrace(s, q, ops, step, detail, header);
      PropertyResult e;
      e.source = "search";
      e.trace = TraceFileName(s.p.name, PropertyName(q));
      e.trace_steps = static_cast<int>(ops.size());
      e.step = step;
      e.seed = Hex(seed);
      e.reproduce = reproduce;
      e.detail = OneLine(detail);
      if (!o.out_dir.empty())
        WriteFileAtomically((std::filesystem::path(o.out_dir) / e.trace).string(), PrintTrace(t));
      s.Found(q, std::move(e));
      if (StopRequested()) interrupted = true;
      continue;
    }
    if (!result.template is<rc::detail::SuccessResult>()) {
      std::ostringstream os;
      rc::detail::printResultMessage(result, os);
      s.out.error = OneLine(os.str());
      break;
    }
  }
  if (StopRequested()) interrupted = true;
  s.Finish(interrupted);
  if (timings) {
    timings->seconds = Since(start);
    timings->first_counterexample_seconds = first_found;
  }
  if (on_progress) on_progress(s.out.steps, s.out.cases);
  return s.out;
}

// ---------------------------------------------------------------- campaign

namespace {

struct Running {
  pid_t pid = -1;
  int fd = -1;
  size_t profile = 0;
  std::string buffer;
  int64_t steps = 0, cases = 0;
  bool done = false;
};

void WriteAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

// Worker: searches one profile, reports progress lines and one result line.
[[noreturn]] void Worker(const CampaignOptions& o, size_t index, double budget, int fd) {
  int status = 0;
  try {
    ProfileTimings t;
    ProfileReport p = SearchProfile(o, index, budget, &t, [fd](int64_t steps, int64_t cases) {
      WriteAll(fd, nlohmann::json{{"steps", steps}, {"cases", cases}}.dump() + "\n");
    });
    Report one;
    one.profiles.push_back(p);
    one.profile_timings[p.name] = t;
    WriteAll(fd, nlohmann::json{{"report", ReportToJson(one)}}.dump() + "\n");
  } catch (const std::exception& e) {
    WriteAll(fd, nlohmann::json{{"error", e.what()}}.dump() + "\n");
    status = 1;
  }
  close(fd);
  _exit(status);
}

}  // namespace

Report RunCampaign(const CampaignOptions& o) {
  const Clock::time_point start = Clock::now();
  const size_t n = o.profiles.size();
  const int jobs = std::max(1, o.jobs);
  // Each profile's share: the budget over the rounds of `jobs` profiles.
  const size_t rounds = (n + static_cast<size_t>(jobs) - 1) / static_cast<size_t>(jobs);
  const double share = rounds ? o.budget_seconds / static_cast<double>(rounds) : 0;

  Report report;
  report.seed = o.seed;
  report.budget = o.budget_text;
  report.budget_seconds = o.budget_seconds;
  report.cases_per_profile = o.cases_per_profile;
  report.universe = o.universe.ToString();
  report.knobs = o.knobs;
  report.shard_count = o.shard.count;
  report.shards = {o.shard.index};
  report.run_id = NewRunId();
  for (const CorpusTrace& c : o.corpus) report.corpus.push_back(c.path);

  std::vector<std::optional<ProfileReport>> done(n);
  std::map<std::string, ProfileTimings> timings;
  Progress progress;
  progress.profiles_total = static_cast<int>(n);
  progress.budget_seconds = o.budget_seconds;

  auto build = [&](bool final) {
    Report r = report;
    for (size_t i = 0; i < n; ++i)
      if (done[i]) r.profiles.push_back(*done[i]);
    r.profile_timings = timings;
    r.interrupted = StopRequested();
    r.complete = final && !r.interrupted && r.profiles.size() == n;
    r.elapsed_seconds = Since(start);
    r.finished_at = LocalTime();
    return r;
  };
  int revision = 0;
  auto publish = [&](bool final) {
    Report r = build(final);
    r.revision = ++revision;
    if (!o.out_dir.empty()) {
      // Both synced before either is renamed; report.json, which merge reads, last.
      const std::filesystem::path dir(o.out_dir);
      WriteFilesAtomically({{(dir / "report.xml").string(), RenderJunit(r)},
                            {(dir / "report.json").string(), ReportToJson(r).dump(2) + "\n"}});
    }
    if (o.report_written) o.report_written(r);
    return r;
  };
  auto count_done = [&](const ProfileReport& p) {
    progress.profiles_done++;
    for (const PropertyResult& x : p.results) {
      progress.found += x.status == ResultStatus::kFound;
      progress.unexpected += x.status == ResultStatus::kUnexpected;
    }
  };

  if (jobs == 1 || n <= 1) {
    for (size_t i = 0; i < n && !StopRequested(); ++i) {
      ProfileTimings t;
      const int64_t steps_before = progress.steps, cases_before = progress.cases;
      ProfileReport p = SearchProfile(o, i, share, &t, [&](int64_t steps, int64_t cases) {
        progress.steps = steps_before + steps;
        progress.cases = cases_before + cases;
        progress.elapsed_seconds = Since(start);
        if (o.progress) o.progress(progress);
      });
      timings[p.name] = t;
      count_done(p);
      done[i] = std::move(p);
      publish(false);
    }
    return publish(true);
  }

  // Worker processes, one profile each, at most `jobs` at a time.
  std::vector<Running> running;
  size_t next = 0;
  int64_t steps_done = 0, cases_done = 0;
  bool forwarded = false;
  while (next < n || !running.empty()) {
    while (static_cast<int>(running.size()) < jobs && next < n && !StopRequested()) {
      int fds[2];
      if (pipe(fds) != 0)
        throw model::ModelInputError(fmt::format("pipe: {}", std::strerror(errno)));
      std::fflush(nullptr);
      pid_t pid = fork();
      if (pid < 0) throw model::ModelInputError(fmt::format("fork: {}", std::strerror(errno)));
      if (pid == 0) {
        close(fds[0]);
        for (const Running& r : running) close(r.fd);
        Worker(o, next, share, fds[1]);
      }
      close(fds[1]);
      running.push_back({pid, fds[0], next, "", 0, 0, false});
      ++next;
    }
    if (running.empty()) break;  // interrupted before anything else started
    if (StopRequested() && !forwarded) {
      for (const Running& r : running) kill(r.pid, SIGTERM);
      forwarded = true;
    }
    std::vector<pollfd> pfds;
    for (const Running& r : running) pfds.push_back({r.fd, POLLIN, 0});
    int ready = poll(pfds.data(), pfds.size(), 100);
    if (ready < 0 && errno != EINTR)
      throw model::ModelInputError(fmt::format("poll: {}", std::strerror(errno)));
    for (size_t k = 0; k < running.size(); ++k) {
      Running& r = running[k];
      if (ready <= 0 || !(pfds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      ssize_t got = read(r.fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got > 0) {
        r.buffer.append(buf, static_cast<size_t>(got));
        for (size_t nl; (nl = r.buffer.find('\n')) != std::string::npos;) {
          std::string line = r.buffer.substr(0, nl);
          r.buffer.erase(0, nl + 1);
          nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
          if (j.is_discarded()) continue;
          if (j.contains("steps")) {
            r.steps = j["steps"].get<int64_t>();
            r.cases = j["cases"].get<int64_t>();
          } else if (j.contains("report")) {
            Report one = ReportFromJson(j["report"], "worker");
            if (!one.profiles.empty()) {
              done[r.profile] = one.profiles[0];
              timings.insert(one.profile_timings.begin(), one.profile_timings.end());
            }
          } else if (j.contains("error")) {
            ProfileReport p;
            p.name = o.profiles[r.profile].profile.name;
            p.error = j["error"].get<std::string>();
            done[r.profile] = p;
          }
        }
        continue;
      }
      // End of file: the worker is done.
      close(r.fd);
      int status = 0;
      while (waitpid(r.pid, &status, 0) < 0 && errno == EINTR) {
      }
      if (!done[r.profile]) {
        ProfileReport p;
        p.name = o.profiles[r.profile].profile.name;
        p.error = WIFSIGNALED(status)
                      ? fmt::format("worker killed by signal {}", WTERMSIG(status))
                      : fmt::format("worker exited with status {}", WEXITSTATUS(status));
        done[r.profile] = p;
      }
      steps_done += done[r.profile]->steps;
      cases_done += done[r.profile]->cases;
      count_done(*done[r.profile]);
      r.done = true;
      publish(false);
    }
    running.erase(
        std::remove_if(running.begin(), running.end(), [](const Running& r) { return r.done; }),
        running.end());
    progress.steps = steps_done;
    progress.cases = cases_done;
    for (const Running& r : running) progress.steps += r.steps, progress.cases += r.cases;
    progress.elapsed_seconds = Since(start);
    if (o.progress) o.progress(progress);
  }
  return publish(true);
}

}  // namespace mmcheck::traces
