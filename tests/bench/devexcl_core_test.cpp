// SPDX-License-Identifier: GPL-2.0
// Tests of the devexcl-core benchmark machine (bench/devexcl/devexcl_core.h) against its spec,
// bench/devexcl-core.md.
//
// The real test is the cross-check: a second, deliberately naive implementation of the spec
// (below, namespace naive: plain structs and vectors, guards and effects written out from the
// spec text, a std::set<std::vector<int>> BFS) must reach exactly the same state set, with the
// same edge, self-loop and diameter figures, shortest counterexample lengths and liveness
// failures. The pinned numbers further down are a regression pin taken from runs that passed
// that cross-check.
#include "bench/devexcl/devexcl_core.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bench/devexcl/expected_verdicts.h"
#include "solver/explicit/explorer.h"
#include "solver/explicit/graph_output.h"
#include "solver/explicit/liveness.h"

namespace mmcheck::bench {
namespace {

using solver::explicit_state::CheckLiveness;
using solver::explicit_state::CheckLivenessAll;
using solver::explicit_state::Counterexample;
using solver::explicit_state::ExplorationResult;
using solver::explicit_state::ExplorationStatus;
using solver::explicit_state::Explorer;
using solver::explicit_state::ExplorerOptions;
using solver::explicit_state::LivenessOptions;
using solver::explicit_state::LivenessResult;
using solver::explicit_state::LivenessVerdict;
using solver::explicit_state::WriteStateDump;

// ---------------------------------------------------------------------------------------------
// The naive reference: the spec, written out as plainly as possible. Shares no code with
// devexcl_core.cpp.
namespace naive {

constexpr int NONE = 0, PRESENT = 1, DEVEXCL = 2, SWAP = 3;

struct Config {
  int npg;
  int nf;
  int ns;
  bool old;
};

struct Pte {
  int kind = NONE;
  int id = 0;
  int w = 0;
};

struct Folio {
  int alloc = 0, ref = 0, map = 0, ax = 0, dirty = 0, grant = 0;
};

struct World {
  int mm1 = 0;
  std::vector<Pte> pte;
  std::vector<Folio> fo;
  std::vector<int> cnt;
};

World Initial(const Config& c) {
  World w;
  w.pte.resize(2 * c.npg);
  w.fo.resize(c.nf);
  w.cnt.resize(c.ns);
  return w;
}

// The spec §2.1 tuple.
std::vector<int> Tuple(const World& w) {
  std::vector<int> t{w.mm1};
  for (const Pte& p : w.pte) t.push_back(p.kind);
  for (const Pte& p : w.pte) t.push_back(p.id);
  for (const Pte& p : w.pte) t.push_back(p.w);
  for (const Folio& f : w.fo) t.push_back(f.alloc);
  for (const Folio& f : w.fo) t.push_back(f.ref);
  for (const Folio& f : w.fo) t.push_back(f.map);
  for (const Folio& f : w.fo) t.push_back(f.ax);
  for (const Folio& f : w.fo) t.push_back(f.dirty);
  for (const Folio& f : w.fo) t.push_back(f.grant);
  for (int c : w.cnt) t.push_back(c);
  return t;
}

World FromTuple(const Config& c, const std::vector<int>& t) {
  World w = Initial(c);
  std::size_t i = 0;
  w.mm1 = t[i++];
  for (Pte& p : w.pte) p.kind = t[i++];
  for (Pte& p : w.pte) p.id = t[i++];
  for (Pte& p : w.pte) p.w = t[i++];
  for (Folio& f : w.fo) f.alloc = t[i++];
  for (Folio& f : w.fo) f.ref = t[i++];
  for (Folio& f : w.fo) f.map = t[i++];
  for (Folio& f : w.fo) f.ax = t[i++];
  for (Folio& f : w.fo) f.dirty = t[i++];
  for (Folio& f : w.fo) f.grant = t[i++];
  for (int& n : w.cnt) n = t[i++];
  return w;
}

bool exists(const Config& c, const World& w, int p) {
  return p < c.npg || w.mm1 == 1;
}
bool names(const World& w, int p, int f) {
  return (w.pte[p].kind == PRESENT || w.pte[p].kind == DEVEXCL) && w.pte[p].id == f;
}
int mapped(const World& w, int f) {
  int n = 0;
  for (std::size_t p = 0; p < w.pte.size(); ++p) n += names(w, static_cast<int>(p), f) ? 1 : 0;
  return n;
}
bool FREE_F(const World& w) {
  for (const Folio& f : w.fo) {
    if (f.alloc == 0) return true;
  }
  return false;
}
bool FREE_S(const World& w) {
  for (int c : w.cnt) {
    if (c == 0) return true;
  }
  return false;
}
int alloc_folio(const World& w) {
  for (std::size_t f = 0; f < w.fo.size(); ++f) {
    if (w.fo[f].alloc == 0) return static_cast<int>(f);
  }
  return -1;
}
int alloc_slot(const World& w) {
  for (std::size_t s = 0; s < w.cnt.size(); ++s) {
    if (w.cnt[s] == 0) return static_cast<int>(s);
  }
  return -1;
}
int new_folio(World& w, int ax, int dirty) {
  const int g = alloc_folio(w);
  w.fo[g] = Folio{1, 1, 1, ax, dirty, 0};
  return g;
}
void free_folio(World& w, int f) {
  w.fo[f] = Folio{};
}
void put(World& w, int f) {
  w.fo[f].ref -= 1;
  if (w.fo[f].ref == 0) free_folio(w, f);
}
void restore(const Config& c, World& w, int p) {
  const int f = w.pte[p].id;
  w.pte[p] = Pte{PRESENT, f, 1};
  if (c.old) w.fo[f].map += 1;
}

bool WF(const World& w, int p) {
  const Pte& e = w.pte[p];
  if (e.kind == NONE) return FREE_F(w);
  if (e.kind == PRESENT && e.w == 1) return true;
  if (e.kind == PRESENT && e.w == 0) {
    const Folio& f = w.fo[e.id];
    if (f.ax == 1 || f.ref == 1) return true;
    return FREE_F(w);
  }
  if (e.kind == DEVEXCL) return w.fo[e.id].grant == 0;
  return FREE_F(w);  // SWAP
}

void write_fault(const Config& c, World& w, int p) {
  const Pte e = w.pte[p];
  if (e.kind == NONE) {
    const int g = new_folio(w, 1, 1);
    w.pte[p] = Pte{PRESENT, g, 1};
  } else if (e.kind == PRESENT && e.w == 1) {
    w.fo[e.id].dirty = 1;
  } else if (e.kind == PRESENT && (w.fo[e.id].ax == 1 || w.fo[e.id].ref == 1)) {
    w.fo[e.id].ax = 1;
    w.fo[e.id].dirty = 1;
    w.pte[p].w = 1;
  } else if (e.kind == PRESENT) {
    const int g = new_folio(w, 1, 1);
    w.pte[p] = Pte{PRESENT, g, 1};
    w.fo[e.id].map -= 1;
    put(w, e.id);
  } else if (e.kind == DEVEXCL) {
    restore(c, w, p);
    w.fo[e.id].dirty = 1;
  } else {  // SWAP
    const int g = new_folio(w, 1, 1);
    w.pte[p] = Pte{PRESENT, g, 1};
    w.cnt[e.id] -= 1;
  }
}

struct Op {
  std::string name;
  bool is_reclaim = false;
  int folio = -1;
  bool offline = false;  // migrate or device_release
  std::function<std::optional<World>(const World&)> apply;
};

std::vector<Op> Alphabet(const Config& c) {
  std::vector<Op> ops;
  for (int p = 0; p < 2 * c.npg; ++p) {
    const std::string at =
        "(mm" + std::to_string(p / c.npg) + ",va" + std::to_string(p % c.npg) + ")";
    ops.push_back(
        {"cpu_write" + at, false, -1, false, [c, p](const World& w) -> std::optional<World> {
           if (!exists(c, w, p) || !WF(w, p)) return std::nullopt;
           World v = w;
           write_fault(c, v, p);
           return v;
         }});
    ops.push_back(
        {"cpu_read" + at, false, -1, false, [c, p](const World& w) -> std::optional<World> {
           if (!exists(c, w, p)) return std::nullopt;
           const Pte e = w.pte[p];
           World v = w;
           if (e.kind == DEVEXCL && w.fo[e.id].grant == 0) {
             restore(c, v, p);
             return v;
           }
           if (e.kind == SWAP && FREE_F(w)) {
             const int excl = w.cnt[e.id] == 1 ? 1 : 0;
             const int g = new_folio(v, excl, 0);
             v.pte[p] = Pte{PRESENT, g, 0};
             v.cnt[e.id] -= 1;
             return v;
           }
           return std::nullopt;
         }});
    ops.push_back({"make_device_exclusive" + at, false, -1, false,
                   [c, p](const World& w) -> std::optional<World> {
                     if (!exists(c, w, p) || !WF(w, p)) return std::nullopt;
                     World v = w;
                     write_fault(c, v, p);
                     const int f = v.pte[p].id;
                     v.pte[p] = Pte{DEVEXCL, f, 0};
                     v.fo[f].dirty = 1;
                     if (c.old) v.fo[f].map -= 1;
                     v.fo[f].grant = 1;
                     v.fo[f].ref += 1;
                     return v;
                   }});
    ops.push_back({"munmap" + at, false, -1, false, [c, p](const World& w) -> std::optional<World> {
                     if (!exists(c, w, p) || w.pte[p].kind == NONE) return std::nullopt;
                     World v = w;
                     const Pte e = w.pte[p];
                     if (e.kind == PRESENT) {
                       v.fo[e.id].map -= 1;
                       put(v, e.id);
                     } else if (e.kind == DEVEXCL) {
                       if (!c.old) v.fo[e.id].map -= 1;
                       put(v, e.id);
                     } else {
                       v.cnt[e.id] -= 1;
                     }
                     v.pte[p] = Pte{};
                     return v;
                   }});
  }
  for (int f = 0; f < c.nf; ++f) {
    const std::string of = "(f" + std::to_string(f) + ")";
    ops.push_back(
        {"device_release" + of, false, f, true, [f](const World& w) -> std::optional<World> {
           if (w.fo[f].grant != 1) return std::nullopt;
           World v = w;
           v.fo[f].grant = 0;
           put(v, f);
           return v;
         }});
    ops.push_back({"reclaim" + of, true, f, false, [f](const World& w) -> std::optional<World> {
                     if (w.fo[f].alloc != 1 || w.fo[f].grant != 0 || !FREE_S(w)) {
                       return std::nullopt;
                     }
                     World v = w;
                     const int s = alloc_slot(v);
                     if (v.fo[f].map > 0) {
                       for (std::size_t p = 0; p < v.pte.size(); ++p) {
                         if (!names(v, static_cast<int>(p), f)) continue;
                         v.pte[p] = Pte{SWAP, s, 0};
                         v.cnt[s] += 1;
                         v.fo[f].map -= 1;
                         v.fo[f].ref -= 1;
                       }
                       if (v.fo[f].ref == 0) free_folio(v, f);
                     }
                     return v;
                   }});
    ops.push_back({"migrate" + of, false, f, true, [f](const World& w) -> std::optional<World> {
                     if (w.fo[f].alloc != 1 || w.fo[f].grant != 0 || !FREE_F(w)) {
                       return std::nullopt;
                     }
                     World v = w;
                     const int g = alloc_folio(v);
                     const int n = mapped(v, f);
                     if (v.fo[f].map > 0 && v.fo[f].ref == n) {
                       for (std::size_t p = 0; p < v.pte.size(); ++p) {
                         if (!names(v, static_cast<int>(p), f)) continue;
                         const int writable = (v.pte[p].kind == PRESENT && v.pte[p].w == 1) ? 1 : 0;
                         v.pte[p] = Pte{PRESENT, g, writable};
                       }
                       v.fo[g] = Folio{1, n, n, w.fo[f].ax, w.fo[f].dirty, 0};
                       free_folio(v, f);
                     }
                     return v;
                   }});
  }
  ops.push_back({"fork", false, -1, false, [c](const World& w) -> std::optional<World> {
                   if (w.mm1 != 0) return std::nullopt;
                   for (int p = 0; p < c.npg; ++p) {
                     if (w.pte[p].kind == DEVEXCL && w.fo[w.pte[p].id].grant == 1) {
                       return std::nullopt;
                     }
                   }
                   World v = w;
                   v.mm1 = 1;
                   for (int va = 0; va < c.npg; ++va) {
                     const int p = va;
                     const int child = c.npg + va;
                     if (v.pte[p].kind == DEVEXCL) restore(c, v, p);
                     const Pte e = v.pte[p];
                     if (e.kind == PRESENT) {
                       v.pte[p].w = 0;
                       v.fo[e.id].ax = 0;
                       v.fo[e.id].map += 1;
                       v.fo[e.id].ref += 1;
                       v.pte[child] = Pte{PRESENT, e.id, 0};
                     } else if (e.kind == SWAP) {
                       v.cnt[e.id] += 1;
                       v.pte[child] = Pte{SWAP, e.id, 0};
                     }
                   }
                   return v;
                 }});
  return ops;
}

bool P1(const World& w) {
  for (std::size_t f = 0; f < w.fo.size(); ++f) {
    if (w.fo[f].alloc == 1 && w.fo[f].map != mapped(w, static_cast<int>(f))) return false;
  }
  return true;
}
bool P2(const World& w) {
  for (const Folio& f : w.fo) {
    if (f.alloc == 1 && f.ref < f.map + f.grant) return false;
  }
  return true;
}
bool P4(const World& w) {
  for (const Pte& e : w.pte) {
    if ((e.kind == PRESENT || e.kind == DEVEXCL) && w.fo[e.id].alloc == 0) return false;
    if (e.kind == SWAP && w.cnt[e.id] == 0) return false;
  }
  return true;
}
// S2 and S3, to catch a broken reference as well.
bool Sane(const World& w) {
  for (std::size_t f = 0; f < w.fo.size(); ++f) {
    if (w.fo[f].alloc == 1 && w.fo[f].ref != mapped(w, static_cast<int>(f)) + w.fo[f].grant) {
      return false;
    }
  }
  for (std::size_t s = 0; s < w.cnt.size(); ++s) {
    int users = 0;
    for (const Pte& e : w.pte) users += (e.kind == SWAP && e.id == static_cast<int>(s)) ? 1 : 0;
    if (users != w.cnt[s]) return false;
  }
  return true;
}

struct Result {
  std::uint64_t edges = 0;
  std::uint64_t self_loops = 0;
  int diameter = 0;
  int p1_length = -1;  // shortest counterexample lengths, -1 = holds
  int p2_length = -1;
  int p3_length = -1;
  int p4_length = -1;
  bool sane = true;
  std::set<std::vector<int>> states;
  std::vector<std::uint64_t> offline_failing;  // per folio
};

Result Enumerate(const Config& c) {
  const std::vector<Op> ops = Alphabet(c);
  Result r;
  std::deque<std::pair<World, int>> queue;
  const World start = Initial(c);
  r.states.insert(Tuple(start));
  queue.emplace_back(start, 0);
  auto first = [](int* length, int depth) {
    if (*length < 0) *length = depth;
  };
  while (!queue.empty()) {
    const auto [w, depth] = queue.front();
    queue.pop_front();
    r.diameter = std::max(r.diameter, depth);
    if (!P1(w)) first(&r.p1_length, depth);
    if (!P2(w)) first(&r.p2_length, depth);
    if (!P4(w)) first(&r.p4_length, depth);
    r.sane = r.sane && Sane(w);
    const std::vector<int> own = Tuple(w);
    for (const Op& op : ops) {
      const std::optional<World> v = op.apply(w);
      if (!v) continue;
      ++r.edges;
      const std::vector<int> t = Tuple(*v);
      if (t == own) ++r.self_loops;
      if (op.is_reclaim) {
        for (std::size_t p = 0; p < v->pte.size(); ++p) {
          if (names(*v, static_cast<int>(p), op.folio)) first(&r.p3_length, depth + 1);
        }
      }
      if (r.states.insert(t).second) queue.emplace_back(*v, depth + 1);
    }
  }
  // offline-progress-f: the least fixpoint of "goal, or an offline op leads to a good state".
  for (int f = 0; f < c.nf; ++f) {
    std::set<std::vector<int>> good;
    for (const std::vector<int>& t : r.states) {
      const World w = FromTuple(c, t);
      if (w.fo[f].alloc == 0 || !FREE_F(w)) good.insert(t);
    }
    for (bool changed = true; changed;) {
      changed = false;
      for (const std::vector<int>& t : r.states) {
        if (good.count(t) != 0) continue;
        const World w = FromTuple(c, t);
        for (const Op& op : ops) {
          if (!op.offline) continue;
          const std::optional<World> v = op.apply(w);
          if (v && good.count(Tuple(*v)) != 0) {
            good.insert(t);
            changed = true;
            break;
          }
        }
      }
    }
    r.offline_failing.push_back(r.states.size() - good.size());
  }
  return r;
}

std::string Dump(const std::set<std::vector<int>>& states) {
  std::string out;
  for (const std::vector<int>& t : states) {
    for (std::size_t k = 0; k < t.size(); ++k) {
      if (k != 0) out += ',';
      out += std::to_string(t[k]);
    }
    out += '\n';
  }
  return out;
}

}  // namespace naive

// ---------------------------------------------------------------------------------------------

DevexclUniverse Universe(const char* bench, DevexclSemantics semantics) {
  return *DevexclBenchByName(bench, semantics);
}

ExplorerOptions Exhaustive(int jobs = 1) {
  ExplorerOptions options;
  options.jobs = jobs;
  options.stop_at_violation = false;  // spec §7: OLD counts are taken with pan -A
  return options;
}

// Fails the test if a sanity invariant (an implementation bug, never a finding) was violated.
void ExpectNoSanityViolation(const ExplorationResult& result) {
  for (const Counterexample& counterexample : result.violations) {
    EXPECT_FALSE(counterexample.sanity)
        << "implementation bug: " << counterexample.label << " " << counterexample.name
        << " fails after " << ::testing::PrintToString(counterexample.op_names);
  }
}

std::string ExplorerDump(const Explorer<DevexclCoreModel>& explorer) {
  std::ostringstream out;
  WriteStateDump(explorer, out);
  return out.str();
}

int ShortestLength(const ExplorationResult& result, const char* label) {
  const Counterexample* counterexample = result.Violation(label);
  return counterexample == nullptr ? -1 : static_cast<int>(counterexample->ops.size());
}

// The cross-check: the compact model and the naive reference agree on everything.
void CrossCheck(const char* bench, DevexclSemantics semantics) {
  const DevexclUniverse universe = Universe(bench, semantics);
  const DevexclCoreModel model(universe);
  Explorer<DevexclCoreModel> explorer(model, Exhaustive());
  const ExplorationResult result = explorer.Run();
  ASSERT_EQ(result.status, ExplorationStatus::kComplete);
  ExpectNoSanityViolation(result);

  const naive::Result reference =
      naive::Enumerate({universe.pages_per_mm, universe.folios, universe.slots,
                        semantics == DevexclSemantics::kOld});
  ASSERT_TRUE(reference.sane) << "the naive reference breaks S2/S3";
  EXPECT_EQ(result.states, reference.states.size());
  EXPECT_EQ(result.edges, reference.edges);
  EXPECT_EQ(result.self_loops, reference.self_loops);
  EXPECT_EQ(static_cast<int>(result.diameter), reference.diameter);
  // Same set of states, compared line by line in the spec's dump format.
  EXPECT_TRUE(ExplorerDump(explorer) == naive::Dump(reference.states))
      << "the state sets differ; diff the two dumps";
  EXPECT_EQ(ShortestLength(result, "P1"), reference.p1_length);
  EXPECT_EQ(ShortestLength(result, "P2"), reference.p2_length);
  EXPECT_EQ(ShortestLength(result, "P3"), reference.p3_length);
  EXPECT_EQ(ShortestLength(result, "P4"), reference.p4_length);
  const auto liveness = model.LivenessProperties();
  ASSERT_EQ(liveness.size(), reference.offline_failing.size());
  for (std::size_t f = 0; f < liveness.size(); ++f) {
    const LivenessResult verdict = CheckLiveness(explorer, liveness[f]);
    EXPECT_EQ(verdict.failing_states, reference.offline_failing[f]) << liveness[f].name;
    EXPECT_EQ(verdict.verdict, reference.offline_failing[f] == 0 ? LivenessVerdict::kHolds
                                                                 : LivenessVerdict::kViolated);
  }
}

TEST(DevexclCoreTest, CompactModelMatchesNaiveReferenceNew) {
  CrossCheck("devexcl-core", DevexclSemantics::kNew);
}

TEST(DevexclCoreTest, CompactModelMatchesNaiveReferenceOld) {
  CrossCheck("devexcl-core", DevexclSemantics::kOld);
}

#ifdef MMCHECK_SLOW_TESTS_BINARY
// devexcl-core-L through the naive reference takes about 7 minutes and 2 GB: only in
// mmcheck_slow_tests (tests/CMakeLists.txt), never in the unit suite.
TEST(DevexclCoreTest, CompactModelMatchesNaiveReferenceLarge) {
  CrossCheck("devexcl-core-L", DevexclSemantics::kNew);
  CrossCheck("devexcl-core-L", DevexclSemantics::kOld);
}
#endif

// Spec §6 verdicts, with the exact counterexamples.
TEST(DevexclCoreTest, OldViolatesP1AndP3WithTheSpecsShortestCounterexamples) {
  const DevexclCoreModel model(Universe("devexcl-core", DevexclSemantics::kOld));
  Explorer<DevexclCoreModel> explorer(model, Exhaustive());
  const ExplorationResult result = explorer.Run();
  ExpectNoSanityViolation(result);
  ASSERT_NE(result.Violation("P1"), nullptr);
  EXPECT_EQ(result.Violation("P1")->op_names,
            std::vector<std::string>{"make_device_exclusive(mm0,va0)"});
  ASSERT_NE(result.Violation("P3"), nullptr);
  EXPECT_EQ(result.Violation("P3")->op_names,
            (std::vector<std::string>{"make_device_exclusive(mm0,va0)", "device_release(f0)",
                                      "reclaim(f0)"}));
  EXPECT_EQ(result.Violation("P2"), nullptr);
  EXPECT_EQ(result.Violation("P4"), nullptr);
}

TEST(DevexclCoreTest, P3WithP1NotAssertedStopsAtTheThreeOpCounterexample) {
  const DevexclCoreModel model(Universe("devexcl-core", DevexclSemantics::kOld));
  ExplorerOptions options;  // stop at the first violation, like SPIN without -A
  options.asserted_properties = ~model.PropertyMask({"P1"});
  Explorer<DevexclCoreModel> explorer(model, options);
  const ExplorationResult result = explorer.Run();
  EXPECT_EQ(result.status, ExplorationStatus::kStoppedAtViolation);
  EXPECT_EQ(result.Violation("P1"), nullptr);
  ASSERT_NE(result.Violation("P3"), nullptr);
  EXPECT_EQ(result.Violation("P3")->ops.size(), 3u);
}

TEST(DevexclCoreTest, NewSatisfiesEveryProperty) {
  const DevexclCoreModel model(Universe("devexcl-core", DevexclSemantics::kNew));
  Explorer<DevexclCoreModel> explorer(model, ExplorerOptions{});
  const ExplorationResult result = explorer.Run();
  EXPECT_EQ(result.status, ExplorationStatus::kComplete);
  for (const Counterexample& counterexample : result.violations) {
    ADD_FAILURE() << counterexample.label << " fails after "
                  << ::testing::PrintToString(counterexample.op_names);
  }
}

TEST(DevexclCoreTest, OfflineProgressFailsUnderOldWithTheSeedLasso) {
  const DevexclCoreModel model(Universe("devexcl-core", DevexclSemantics::kOld));
  Explorer<DevexclCoreModel> explorer(model, Exhaustive());
  explorer.Run();
  const auto liveness = model.LivenessProperties();
  ASSERT_EQ(liveness.size(), 3u);
  const LivenessResult f0 = CheckLiveness(explorer, liveness[0]);
  EXPECT_EQ(f0.property, "offline-progress-f0");
  EXPECT_EQ(f0.verdict, LivenessVerdict::kViolated);
  // The DEVEXCL-only folio: mapcount 0, so migrate(f0) is an -EAGAIN self-loop forever.
  EXPECT_EQ(f0.stem,
            (std::vector<std::string>{"make_device_exclusive(mm0,va0)", "device_release(f0)"}));
  EXPECT_EQ(f0.cycle, std::vector<std::string>{"migrate(f0)"});
  EXPECT_FALSE(f0.deadlock);
  EXPECT_EQ(model.DescribeState(explorer.StateAt(f0.lasso_state)),
            "mm0[X0 -] mm1[absent] f0(r1 m0 ax d) f1(-) f2(-) sw[0 0]");
  for (std::size_t f = 1; f < liveness.size(); ++f) {
    EXPECT_EQ(CheckLiveness(explorer, liveness[f]).verdict, LivenessVerdict::kViolated);
  }
}

TEST(DevexclCoreTest, OfflineProgressHoldsUnderNew) {
  const DevexclCoreModel model(Universe("devexcl-core", DevexclSemantics::kNew));
  Explorer<DevexclCoreModel> explorer(model, Exhaustive());
  explorer.Run();
  for (const auto& property : model.LivenessProperties()) {
    const LivenessResult result = CheckLiveness(explorer, property);
    EXPECT_EQ(result.verdict, LivenessVerdict::kHolds) << property.name;
  }
}

// Liveness decides every property the same way on one and two threads, and all properties at
// once as one by one (graph figures, failing states, lassos).
TEST(DevexclCoreTest, LivenessIsTheSameOnOneAndTwoThreadsAndOneByOne) {
  for (DevexclSemantics semantics : {DevexclSemantics::kOld, DevexclSemantics::kNew}) {
    const DevexclCoreModel model(Universe("devexcl-core", semantics));
    Explorer<DevexclCoreModel> explorer(model, Exhaustive(2));
    ASSERT_EQ(explorer.Run().status, ExplorationStatus::kComplete);
    const auto properties = model.LivenessProperties();
    LivenessOptions one, two;
    two.jobs = 2;
    const std::vector<LivenessResult> a = CheckLivenessAll(explorer, properties, one);
    const std::vector<LivenessResult> b = CheckLivenessAll(explorer, properties, two);
    ASSERT_EQ(a.size(), properties.size());
    ASSERT_EQ(b.size(), properties.size());
    for (std::size_t p = 0; p < properties.size(); ++p) {
      const LivenessResult c = CheckLiveness(explorer, properties[p]);
      for (const LivenessResult* other : {&b[p], &c}) {
        EXPECT_EQ(other->verdict, a[p].verdict) << p;
        EXPECT_EQ(other->failing_states, a[p].failing_states) << p;
        EXPECT_EQ(other->graph_vertices, a[p].graph_vertices) << p;
        EXPECT_EQ(other->graph_edges, a[p].graph_edges) << p;
        EXPECT_EQ(other->components, a[p].components) << p;
        EXPECT_EQ(other->lasso_state, a[p].lasso_state) << p;
        EXPECT_EQ(other->stem, a[p].stem) << p;
        EXPECT_EQ(other->cycle, a[p].cycle) << p;
      }
      // Undecided states exist (the graph has work in it) and, under OLD, fail.
      EXPECT_GT(a[p].graph_vertices, 1024u) << p;  // enough to split over two threads
      EXPECT_EQ(a[p].verdict, semantics == DevexclSemantics::kOld ? LivenessVerdict::kViolated
                                                                  : LivenessVerdict::kHolds);
    }
  }
}

// The goals the search marks (ExplorerOptions::liveness_marks) are those liveness's own pass
// finds, state by state, and liveness decides the same from them; a property the search did not
// mark (other allowed ops) is not served from the marks.
TEST(DevexclCoreTest, LivenessMarksOfTheSearchAreLivenessPassOne) {
  for (DevexclSemantics semantics : {DevexclSemantics::kOld, DevexclSemantics::kNew}) {
    const DevexclCoreModel model(Universe("devexcl-core", semantics));
    ExplorerOptions options = Exhaustive(2);
    options.liveness_marks = true;
    Explorer<DevexclCoreModel> explorer(model, options);
    ASSERT_EQ(explorer.Run().status, ExplorationStatus::kComplete);
    const auto properties = model.LivenessProperties();
    ASSERT_GE(properties.size(), 2u);
    DevexclCoreModel::State post;
    std::uint64_t marked = 0;
    for (std::uint32_t i = 0; i < explorer.StateCount(); ++i) {
      const DevexclCoreModel::State state = explorer.StateAt(i);
      for (std::size_t p = 0; p < properties.size(); ++p) {
        bool reaches = properties[p].goal(state);
        for (int op = 0; op < model.OpCount() && !reaches; ++op) {
          reaches = properties[p].allowed_ops[op] && model.Step(state, op, &post) &&
                    properties[p].goal(post);
        }
        const int bit = explorer.GoalMarkBit(properties[p]);
        ASSERT_EQ(bit, static_cast<int>(p));
        ASSERT_EQ(((explorer.GoalMarks(i) >> bit) & 1u) != 0, reaches) << i << " " << p;
        marked += reaches ? 1 : 0;
      }
    }
    EXPECT_GT(marked, 0u);
    EXPECT_LT(marked, explorer.StateCount() * properties.size());
    LivenessOptions from_marks, recomputed;
    recomputed.use_search_marks = false;
    const std::vector<LivenessResult> a = CheckLivenessAll(explorer, properties, from_marks);
    const std::vector<LivenessResult> b = CheckLivenessAll(explorer, properties, recomputed);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t p = 0; p < properties.size(); ++p) {
      EXPECT_EQ(a[p].property, properties[p].name);
      EXPECT_EQ(a[p].verdict, b[p].verdict) << p;
      EXPECT_EQ(a[p].failing_states, b[p].failing_states) << p;
      EXPECT_EQ(a[p].graph_vertices, b[p].graph_vertices) << p;
      EXPECT_EQ(a[p].graph_edges, b[p].graph_edges) << p;
      EXPECT_EQ(a[p].components, b[p].components) << p;
      EXPECT_EQ(a[p].lasso_state, b[p].lasso_state) << p;
      EXPECT_EQ(a[p].stem, b[p].stem) << p;
      EXPECT_EQ(a[p].cycle, b[p].cycle) << p;
    }
    auto other = properties[0];
    other.allowed_ops.assign(model.OpCount(), true);
    EXPECT_EQ(explorer.GoalMarkBit(other), -1);
  }
}

TEST(DevexclCoreTest, ResultsAndNumberingAreIdenticalForOneTwoAndThreeJobs) {
  const DevexclCoreModel model(Universe("devexcl-core", DevexclSemantics::kOld));
  Explorer<DevexclCoreModel> one(model, Exhaustive(1));
  const ExplorationResult first = one.Run();
  for (int jobs : {2, 3}) {
    Explorer<DevexclCoreModel> many(model, Exhaustive(jobs));
    const ExplorationResult result = many.Run();
    EXPECT_EQ(result.states, first.states);
    EXPECT_EQ(result.edges, first.edges);
    EXPECT_EQ(result.self_loops, first.self_loops);
    EXPECT_EQ(result.level_sizes, first.level_sizes);
    ASSERT_EQ(result.violations.size(), first.violations.size());
    for (std::size_t v = 0; v < first.violations.size(); ++v) {
      EXPECT_EQ(result.violations[v].ops, first.violations[v].ops);
      EXPECT_EQ(result.violations[v].last_state, first.violations[v].last_state);
    }
    std::uint32_t first_difference = 0;
    while (first_difference < first.states &&
           std::memcmp(one.EncodingOf(first_difference), many.EncodingOf(first_difference),
                       model.EncodingSize()) == 0) {
      ++first_difference;
    }
    EXPECT_EQ(first_difference, first.states) << "state numbering differs with " << jobs << " jobs";
  }
}

TEST(DevexclCoreTest, EncodingRoundTripsAndBothPackersAgree) {
  const DevexclCoreModel model(Universe("devexcl-core", DevexclSemantics::kNew));
  ::setenv("MMCHECK_NO_BMI2", "1", 1);
  const DevexclCoreModel portable(Universe("devexcl-core", DevexclSemantics::kNew));
  ::unsetenv("MMCHECK_NO_BMI2");
  Explorer<DevexclCoreModel> explorer(model, Exhaustive());
  explorer.Run();
  EXPECT_EQ(model.EncodingSize(), 8u);  // 49 bits, padded to a word
  std::vector<std::uint8_t> a(8), b(8);
  for (std::uint32_t i = 0; i < explorer.StateCount(); ++i) {
    const DevexclCoreModel::State state = explorer.StateAt(i);
    model.Encode(state, a.data());
    portable.Encode(state, b.data());
    ASSERT_EQ(0, std::memcmp(a.data(), explorer.EncodingOf(i), model.EncodingSize())) << i;
    ASSERT_EQ(a, b) << "pext and portable packers disagree on state " << i;
  }
}

// -XL packs 69 bits into two words; the explorer keeps them whole in its packed table. The first
// 200,000 states (a search cut short) round-trip, and the pext and portable packers agree.
TEST(DevexclCoreTest, WideEncodingRoundTripsAndBothPackersAgree) {
  const DevexclCoreModel model(Universe("devexcl-core-XL", DevexclSemantics::kNew));
  ::setenv("MMCHECK_NO_BMI2", "1", 1);
  const DevexclCoreModel portable(Universe("devexcl-core-XL", DevexclSemantics::kNew));
  ::unsetenv("MMCHECK_NO_BMI2");
  EXPECT_EQ(model.EncodingBits(), 69u);
  ExplorerOptions options = Exhaustive(2);
  options.max_states = 200000;
  Explorer<DevexclCoreModel> explorer(model, options);
  const ExplorationResult result = explorer.Run();
  EXPECT_EQ(result.status, ExplorationStatus::kLimitReached);
  EXPECT_STREQ(explorer.TableLayout(), "packed");
  ASSERT_GT(explorer.StateCount(), 100000u);
  std::vector<std::uint8_t> a(16), b(16);
  for (std::uint32_t i = 0; i < explorer.StateCount(); ++i) {
    const DevexclCoreModel::State state = explorer.StateAt(i);
    model.Encode(state, a.data());
    portable.Encode(state, b.data());
    ASSERT_EQ(0, std::memcmp(a.data(), explorer.EncodingOf(i), 16)) << i;
    ASSERT_EQ(a, b) << "pext and portable packers disagree on state " << i;
    const DevexclCoreModel::State back = portable.Decode(a.data());
    ASSERT_EQ(model.DescribeState(back), model.DescribeState(state)) << i;
    ASSERT_EQ(explorer.Find(state), std::optional<std::uint32_t>(i));
  }
}

// Single operations from spec §4, drawn as DescribeState pictures.
class DevexclStepTest : public ::testing::Test {
 protected:
  using State = DevexclCoreModel::State;
  static State After(const DevexclCoreModel& model, const std::vector<std::string>& ops) {
    State state = model.InitialState();
    for (const std::string& name : ops) {
      const int op = model.OpIndex(name);
      EXPECT_GE(op, 0) << name;
      EXPECT_TRUE(model.Step(state, op, &state)) << name << " is disabled";
    }
    return state;
  }
  DevexclCoreModel old_{Universe("devexcl-core", DevexclSemantics::kOld)};
  DevexclCoreModel new_{Universe("devexcl-core", DevexclSemantics::kNew)};
};

TEST_F(DevexclStepTest, MakeDeviceExclusiveDropsTheMapcountOnlyUnderOld) {
  EXPECT_EQ(old_.DescribeState(After(old_, {"make_device_exclusive(mm0,va0)"})),
            "mm0[X0 -] mm1[absent] f0(r2 m0 ax d g) f1(-) f2(-) sw[0 0]");
  EXPECT_EQ(new_.DescribeState(After(new_, {"make_device_exclusive(mm0,va0)"})),
            "mm0[X0 -] mm1[absent] f0(r2 m1 ax d g) f1(-) f2(-) sw[0 0]");
}

TEST_F(DevexclStepTest, ReclaimOfAnExclusiveOnlyFolioIsASelfLoopUnderOldAndSwapsUnderNew) {
  const std::vector<std::string> setup = {"make_device_exclusive(mm0,va0)", "device_release(f0)"};
  State old_state = After(old_, setup);
  const std::string before = old_.DescribeState(old_state);
  ASSERT_TRUE(old_.Step(old_state, old_.OpIndex("reclaim(f0)"), &old_state));
  EXPECT_EQ(old_.DescribeState(old_state), before);
  EXPECT_EQ(new_.DescribeState(After(new_, {setup[0], setup[1], "reclaim(f0)"})),
            "mm0[S0 -] mm1[absent] f0(-) f1(-) f2(-) sw[1 0]");
}

TEST_F(DevexclStepTest, MigrateRevokesExclusivityUnderNewAndLoopsUnderOld) {
  const std::vector<std::string> ops = {"make_device_exclusive(mm0,va0)", "device_release(f0)",
                                        "migrate(f0)"};
  EXPECT_EQ(new_.DescribeState(After(new_, ops)),
            "mm0[P1 -] mm1[absent] f0(-) f1(r1 m1 ax d) f2(-) sw[0 0]");
  EXPECT_EQ(old_.DescribeState(After(old_, ops)),
            "mm0[X0 -] mm1[absent] f0(r1 m0 ax d) f1(-) f2(-) sw[0 0]");
}

TEST_F(DevexclStepTest, ForkRestoresTheExclusiveEntryAndCowSharesIt) {
  const std::vector<std::string> ops = {"make_device_exclusive(mm0,va0)", "device_release(f0)",
                                        "fork"};
  EXPECT_EQ(old_.DescribeState(After(old_, ops)),
            "mm0[P0 -] mm1[P0 -] f0(r2 m2 d) f1(-) f2(-) sw[0 0]");
  EXPECT_EQ(new_.DescribeState(After(new_, ops)),
            "mm0[P0 -] mm1[P0 -] f0(r2 m2 d) f1(-) f2(-) sw[0 0]");
}

TEST_F(DevexclStepTest, ReadSwapInOfASharedSlotIsNotExclusive) {
  const State state =
      After(new_, {"cpu_write(mm0,va0)", "fork", "reclaim(f0)", "cpu_read(mm1,va0)"});
  EXPECT_EQ(new_.DescribeState(state), "mm0[S0 -] mm1[P0 -] f0(r1 m1) f1(-) f2(-) sw[1 0]");
}

TEST_F(DevexclStepTest, GrantedFoliosDisableForkReclaimMigrateAndRestore) {
  State state = After(new_, {"make_device_exclusive(mm0,va0)"});
  State post;
  for (const char* name : {"fork", "reclaim(f0)", "migrate(f0)", "cpu_read(mm0,va0)",
                           "cpu_write(mm0,va0)", "make_device_exclusive(mm0,va0)"}) {
    EXPECT_FALSE(new_.Step(state, new_.OpIndex(name), &post)) << name;
  }
  EXPECT_TRUE(new_.Step(state, new_.OpIndex("munmap(mm0,va0)"), &post));  // zap takes no lock
  EXPECT_EQ(new_.DescribeState(post), "mm0[- -] mm1[absent] f0(r1 m0 ax d g) f1(-) f2(-) sw[0 0]");
}

TEST_F(DevexclStepTest, OutOfRangeSuccessorsFailTheFieldRangeCheck) {
  const State pre = new_.InitialState();
  State broken = pre;
  broken.alloc[0] = 1;
  broken.map[0] = 255;  // a mapcount that went below zero
  EXPECT_NE(new_.ViolatedTransitionProperties(pre, 0, broken, ~std::uint64_t{0}) &
                new_.PropertyMask({"S0"}),
            0u);
  EXPECT_EQ(new_.ViolatedTransitionProperties(pre, 0, pre, ~std::uint64_t{0}), 0u);
  EXPECT_THROW(new_.PropertyMask({"P9"}), std::invalid_argument);
}

TEST(DevexclCoreTest, AlphabetSizesMatchTheSpec) {
  EXPECT_EQ(DevexclCoreModel(Universe("devexcl-core", DevexclSemantics::kNew)).OpCount(), 26);
  EXPECT_EQ(DevexclCoreModel(Universe("devexcl-core-L", DevexclSemantics::kNew)).OpCount(), 34);
  const DevexclCoreModel xl(Universe("devexcl-core-XL", DevexclSemantics::kNew));
  EXPECT_EQ(xl.OpCount(), 37);
  EXPECT_EQ(xl.EncodingSize(), 16u);  // 69 bits: two words
  EXPECT_FALSE(DevexclBenchByName("devexcl-core-XXL", DevexclSemantics::kNew).has_value());
}

// Every named variant has a reference state count for NEW in expected.toml (the one figure SPIN
// gives for -XL), so `mmcheck explore --bench` always has something to compare a run with.
TEST(DevexclCoreTest, EveryVariantHasAReferenceStateCount) {
  for (const char* bench : {"devexcl-core", "devexcl-core-L", "devexcl-core-XL"}) {
    ASSERT_TRUE(DevexclBenchByName(bench, DevexclSemantics::kNew).has_value()) << bench;
    const ExpectedCounts counts = DevexclExpectedCounts(bench, DevexclSemantics::kNew);
    EXPECT_TRUE(counts.states.has_value()) << bench;
  }
  EXPECT_FALSE(DevexclExpectedCounts("devexcl-core-XXL", DevexclSemantics::kNew).states);
}

// Regression pin: the four figures of every variant, taken from runs that passed the naive
// cross-check (CompactModelMatchesNaiveReference*, including the slow -L one). The only test
// that explores devexcl-core-L.
TEST(DevexclCoreTest, PinnedFiguresOfAllFourVariants) {
  struct Pin {
    const char* bench;
    DevexclSemantics semantics;
    std::uint64_t states, edges, self_loops;
    std::uint32_t diameter;
  };
  const Pin pins[] = {
      {"devexcl-core", DevexclSemantics::kOld, 40988, 502136, 33402, 13},
      {"devexcl-core", DevexclSemantics::kNew, 57110, 704444, 19656, 13},
      {"devexcl-core-L", DevexclSemantics::kOld, 1854916, 26733170, 1534923, 16},
      {"devexcl-core-L", DevexclSemantics::kNew, 2675392, 38404451, 1007046, 16},
  };
  for (const Pin& pin : pins) {
    SCOPED_TRACE(std::string(pin.bench) +
                 (pin.semantics == DevexclSemantics::kOld ? " OLD" : " NEW"));
    const DevexclCoreModel model(Universe(pin.bench, pin.semantics));
    Explorer<DevexclCoreModel> explorer(model, Exhaustive(2));
    const ExplorationResult result = explorer.Run();
    EXPECT_EQ(result.status, ExplorationStatus::kComplete);
    EXPECT_EQ(result.states, pin.states);
    EXPECT_EQ(result.edges, pin.edges);
    EXPECT_EQ(result.self_loops, pin.self_loops);
    EXPECT_EQ(result.diameter, pin.diameter);
    ExpectNoSanityViolation(result);
    // expected.toml's reference counts, which `mmcheck explore --bench` compares runs with.
    const ExpectedCounts reference = DevexclExpectedCounts(pin.bench, pin.semantics);
    EXPECT_EQ(reference.states, std::optional<std::uint64_t>(result.states));
    EXPECT_EQ(reference.edges, std::optional<std::uint64_t>(result.edges));
    EXPECT_EQ(reference.self_loops, std::optional<std::uint64_t>(result.self_loops));
    EXPECT_EQ(reference.diameter, std::optional<std::uint64_t>(result.diameter));
    if (pin.semantics == DevexclSemantics::kOld) {
      EXPECT_EQ(ShortestLength(result, "P1"), 1);
      EXPECT_EQ(ShortestLength(result, "P3"), 3);
      EXPECT_EQ(result.violations.size(), 2u);
    } else {
      EXPECT_TRUE(result.violations.empty());
    }
  }
}

}  // namespace
}  // namespace mmcheck::bench
