// SPDX-License-Identifier: GPL-2.0
// AG EF liveness on the graph a complete search explored: "from every reachable state a goal
// state is reachable using only the allowed operations", decided by strongly connected
// components, with a lasso (stem + cycle) when it fails.
//
// How: pass 1 marks the goal states and the "exit" states with an allowed edge straight into a
// goal state (every property at once, each state decoded once, on LivenessOptions::jobs
// threads). The remaining "undecided" states are the vertices of a compact graph (CSR: 4 bytes
// an edge) whose edges pass 2 recomputes from the model (successors found in the explorer's
// table, several threads). An iterative Tarjan numbers its components sinks first, so one pass
// in that order decides which components reach the goal; the lasso ends in a terminal component
// of those that do not. Nothing depends on the number of threads.
//
// When the search marked the goals already (ExplorerOptions::liveness_marks), pass 1 reads its
// marks instead of stepping every state again. Properties of a group with the same undecided
// states and allowed ops share one graph and its verdict.
#pragma once

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "solver/explicit/exploration_result.h"
#include "solver/explicit/explorer.h"
#include "solver/explicit/model_concept.h"
#include "util/process_memory.h"
#include "util/threads.h"

namespace mmcheck::solver::explicit_state {

namespace internal {

// The graph of one property's undecided states under its allowed ops, in CSR form.
struct LivenessGraph {
  std::vector<std::uint32_t> state_of;  // vertex -> state index, ascending
  std::vector<std::uint64_t> offsets;   // vertex v's edges: targets[offsets[v] .. offsets[v+1])
  std::vector<std::uint32_t> targets;   // in op order per vertex
  std::vector<std::uint8_t> exits;      // an allowed edge into a state that reaches the goal
};

// Tarjan's algorithm without recursion. Returns the component of every vertex, numbered in the
// order Tarjan completes them: every component reachable from c has a number below c's.
inline std::vector<std::uint32_t> StrongComponents(const LivenessGraph& graph,
                                                   std::uint32_t* count) {
  constexpr std::uint32_t kUnvisited = 0xffffffffu;
  const std::uint32_t n = static_cast<std::uint32_t>(graph.state_of.size());
  std::vector<std::uint32_t> order(n, kUnvisited);  // discovery number
  std::vector<std::uint32_t> low(n, 0);
  std::vector<std::uint32_t> component(n, kUnvisited);
  std::vector<std::uint32_t> stack;
  struct Frame {
    std::uint32_t vertex;
    std::uint64_t next_edge;
  };
  std::vector<Frame> frames;
  std::uint32_t discovered = 0;
  std::uint32_t components = 0;
  auto discover = [&](std::uint32_t v) {
    order[v] = low[v] = discovered++;
    stack.push_back(v);
    frames.push_back(Frame{v, graph.offsets[v]});
  };
  for (std::uint32_t root = 0; root < n; ++root) {
    if (order[root] != kUnvisited) continue;
    discover(root);
    while (!frames.empty()) {
      Frame& frame = frames.back();
      const std::uint32_t v = frame.vertex;
      if (frame.next_edge < graph.offsets[v + 1]) {
        const std::uint32_t w = graph.targets[frame.next_edge++];
        if (order[w] == kUnvisited) {
          discover(w);                            // invalidates `frame`
        } else if (component[w] == kUnvisited) {  // on the stack
          low[v] = std::min(low[v], order[w]);
        }
        continue;
      }
      if (low[v] == order[v]) {
        std::uint32_t w;
        do {
          w = stack.back();
          stack.pop_back();
          component[w] = components;
        } while (w != v);
        ++components;
      }
      frames.pop_back();
      if (!frames.empty()) {
        const std::uint32_t u = frames.back().vertex;
        low[u] = std::min(low[u], low[v]);
      }
    }
  }
  *count = components;
  return component;
}

}  // namespace internal

// Checks the AG EF properties `properties` on the graph `explorer` explored; one result per
// property, in order. REQUIRES: explorer.Run() returned kComplete (otherwise every verdict is
// kNotChecked).
template <ExplorableModel Model>
std::vector<LivenessResult> CheckLivenessAll(
    const Explorer<Model>& explorer,
    const std::vector<LivenessProperty<typename Model::State>>& properties,
    const LivenessOptions& options = {}) {
  using State = typename Model::State;
  constexpr std::uint32_t kNone = 0xffffffffu;
  const Model& model = explorer.model();
  const int op_count = model.OpCount();
  const int jobs = std::max(1, options.jobs);
  std::vector<LivenessResult> results(properties.size());
  for (std::size_t p = 0; p < properties.size(); ++p) results[p].property = properties[p].name;
  if (!explorer.Complete()) {
    // After a stop some successors are missing: the graph is not the reachable graph.
    for (LivenessResult& result : results) result.reason = "the exploration did not complete";
    return results;
  }
  const std::uint64_t n = explorer.StateCount();
  auto allowed = [&](const LivenessProperty<State>& property, int op) {
    return property.allowed_ops.empty() ||
           (static_cast<std::size_t>(op) < property.allowed_ops.size() && property.allowed_ops[op]);
  };
  // Contiguous ranges of [0, count) for the threads.
  auto on_threads = [&](std::uint64_t count, const auto& body) {
    const int threads = count < 1024 ? 1 : jobs;
    util::RunOnThreads(threads,
                       [&](int t) { body(count * t / threads, count * (t + 1) / threads); });
  };

  // Up to eight properties at a time share pass 1: bit k of good[i] = state i reaches the goal
  // of property first + k in at most one allowed step.
  for (std::size_t first = 0; first < properties.size(); first += 8) {
    const std::size_t group = std::min<std::size_t>(8, properties.size() - first);
    const auto pass1_start = std::chrono::steady_clock::now();
    std::vector<bool> any_allowed(op_count, false);
    for (int op = 0; op < op_count; ++op) {
      for (std::size_t k = 0; k < group; ++k) {
        if (allowed(properties[first + k], op)) any_allowed[op] = true;
      }
    }
    std::vector<std::uint8_t> good(n, 0);
    // The search marked these states already (ExplorerOptions::liveness_marks) when it knows
    // every property of the group: then bit k is its mark bit mark_bit[k].
    std::vector<int> mark_bit(group, -1);
    bool marked = options.use_search_marks;
    for (std::size_t k = 0; k < group && marked; ++k) {
      mark_bit[k] = explorer.GoalMarkBit(properties[first + k]);
      marked = mark_bit[k] >= 0;
    }
    if (marked) {
      on_threads(n, [&](std::uint64_t begin, std::uint64_t end) {
        for (std::uint64_t i = begin; i < end; ++i) {
          const std::uint8_t marks = explorer.GoalMarks(static_cast<std::uint32_t>(i));
          std::uint8_t bits = 0;
          for (std::size_t k = 0; k < group; ++k) {
            bits |= static_cast<std::uint8_t>(((marks >> mark_bit[k]) & 1u) << k);
          }
          good[i] = bits;
        }
      });
    } else {
      on_threads(n, [&](std::uint64_t begin, std::uint64_t end) {
        State post;
        for (std::uint64_t i = begin; i < end; ++i) {
          if (i + 8 < end) explorer.PrefetchState(static_cast<std::uint32_t>(i + 8));
          const State state = explorer.StateAt(static_cast<std::uint32_t>(i));
          const std::uint8_t all = static_cast<std::uint8_t>((1u << group) - 1);
          std::uint8_t bits = 0;
          for (std::size_t k = 0; k < group; ++k) {
            if (properties[first + k].goal(state)) bits |= static_cast<std::uint8_t>(1u << k);
          }
          for (int op = 0; op < op_count && bits != all; ++op) {
            if (!any_allowed[op] || !model.Step(state, op, &post)) continue;
            for (std::size_t k = 0; k < group; ++k) {
              if ((bits & (1u << k)) == 0 && allowed(properties[first + k], op) &&
                  properties[first + k].goal(post)) {
                bits |= static_cast<std::uint8_t>(1u << k);
              }
            }
          }
          good[i] = bits;
        }
      });
    }
    const double pass1_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - pass1_start).count() /
        static_cast<double>(group);

    // The last property whose graph was built, and its undecided states: a property with the
    // same undecided states and allowed ops has the same graph, so the same verdict and lasso.
    std::size_t built = properties.size();
    std::vector<std::uint64_t> built_undecided;
    for (std::size_t k = 0; k < group; ++k) {
      const LivenessProperty<State>& property = properties[first + k];
      LivenessResult& result = results[first + k];
      const auto start = std::chrono::steady_clock::now();
      auto finish = [&] {
        result.seconds =
            pass1_seconds +
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      };
      const std::uint8_t bit = static_cast<std::uint8_t>(1u << k);
      // Vertices are the undecided states, in index order; vertex_of[] maps states back by rank:
      // base[i / 64] plus the undecided states below i in its word.
      internal::LivenessGraph graph;
      std::vector<std::uint64_t> undecided((n + 63) / 64, 0);
      std::vector<std::uint32_t> base(undecided.size() + 1, 0);
      for (std::uint64_t i = 0; i < n; ++i) {
        if ((good[i] & bit) == 0) {
          undecided[i / 64] |= std::uint64_t{1} << (i % 64);
          graph.state_of.push_back(static_cast<std::uint32_t>(i));
        }
      }
      for (std::size_t w = 0; w < undecided.size(); ++w) {
        base[w + 1] = base[w] + static_cast<std::uint32_t>(std::popcount(undecided[w]));
      }
      auto vertex_of = [&](std::uint32_t state) {
        const std::uint64_t word = undecided[state / 64];
        const std::uint64_t below = (std::uint64_t{1} << (state % 64)) - 1;
        if ((word & (std::uint64_t{1} << (state % 64))) == 0) return kNone;
        return base[state / 64] + static_cast<std::uint32_t>(std::popcount(word & below));
      };
      if (built < properties.size() && properties[built].allowed_ops == property.allowed_ops &&
          built_undecided == undecided) {
        result = results[built];
        result.property = property.name;
        finish();
        continue;
      }
      built = first + k;
      built_undecided = undecided;
      const std::uint64_t vertices = graph.state_of.size();
      result.graph_vertices = vertices;
      // Bound the graph before building it, on top of what the process holds now. Per vertex:
      // state_of (4), offsets (8), exits (1), components and Tarjan's arrays and stacks (4 x 4 +
      // 12 for a frame), the component buckets (8) and the cycle search's arrays (5); per edge
      // 4 bytes, at most one an allowed op.
      std::uint64_t allowed_count = 0;
      for (int op = 0; op < op_count; ++op) allowed_count += allowed(property, op) ? 1 : 0;
      const std::uint64_t estimate =
          util::RssBytes() + vertices * (4 + 8 + 1 + 28 + 8 + 5 + 4 * allowed_count);
      if (options.max_memory_bytes != 0 && estimate > options.max_memory_bytes) {
        result.reason = "the liveness graph would exceed the memory limit";
        finish();
        continue;
      }

      // Pass 2: the edges of the undecided states under the allowed ops. The search was
      // complete, so every successor was reached; one that is not a vertex reaches the goal,
      // which makes its source good-by-exit (recorded per vertex, not as an edge).
      graph.offsets.assign(vertices + 1, 0);
      graph.exits.assign(vertices, 0);
      const int threads = vertices < 1024 ? 1 : jobs;
      std::vector<std::vector<std::uint32_t>> local(threads);
      util::RunOnThreads(threads, [&](int t) {
        const std::uint64_t begin = vertices * t / threads;
        const std::uint64_t end = vertices * (t + 1) / threads;
        State post;
        // A vertex's successors are encoded and hashed first, their table slots fetched all at
        // once, then looked up: the misses overlap instead of following each other.
        const std::size_t stride = explorer.EncodingStride();
        std::vector<std::uint8_t> encodings(stride * op_count, 0);  // padding stays zero
        std::vector<std::uint64_t> hashes(op_count);
        for (std::uint64_t v = begin; v < end; ++v) {
          if (v + 8 < end) explorer.PrefetchState(graph.state_of[v + 8]);
          const State state = explorer.StateAt(graph.state_of[v]);
          int successors = 0;
          for (int op = 0; op < op_count; ++op) {
            if (!allowed(property, op) || !model.Step(state, op, &post)) continue;
            std::uint8_t* encoding = encodings.data() + stride * successors;
            model.Encode(post, encoding);
            hashes[successors] = explorer.HashEncoding(encoding);
            explorer.PrefetchHome(hashes[successors]);
            ++successors;
          }
          std::uint64_t edges = 0;
          for (int k = 0; k < successors; ++k) {
            const std::optional<std::uint32_t> index =
                explorer.FindEncoding(hashes[k], encodings.data() + stride * k);
            if (!index) throw ExplorationError("liveness: a successor the search did not reach");
            const std::uint32_t target = vertex_of(*index);
            if (target == kNone) {
              graph.exits[v] = 1;
            } else {
              local[t].push_back(target);
              ++edges;
            }
          }
          graph.offsets[v + 1] = edges;
        }
      });
      for (std::uint64_t v = 0; v < vertices; ++v) graph.offsets[v + 1] += graph.offsets[v];
      graph.targets.reserve(graph.offsets[vertices]);
      for (std::vector<std::uint32_t>& part : local) {
        graph.targets.insert(graph.targets.end(), part.begin(), part.end());
        std::vector<std::uint32_t>().swap(part);
      }
      result.graph_edges = graph.targets.size();

      std::uint32_t components = 0;
      const std::vector<std::uint32_t> component = internal::StrongComponents(graph, &components);
      result.components = components;

      // A component reaches the goal if one of its vertices exits, or it has an edge into a
      // component that does. Every component it has edges into is numbered below it, so one
      // pass in number order decides them all.
      std::vector<std::uint32_t> bucket_start(components + 1, 0);
      for (std::uint32_t c : component) ++bucket_start[c + 1];
      for (std::uint32_t c = 0; c < components; ++c) bucket_start[c + 1] += bucket_start[c];
      std::vector<std::uint32_t> members(vertices);
      {
        std::vector<std::uint32_t> fill(bucket_start.begin(), bucket_start.end() - 1);
        for (std::uint32_t v = 0; v < vertices; ++v) members[fill[component[v]]++] = v;
      }
      std::vector<std::uint8_t> component_good(components, 0);
      std::vector<std::uint8_t> component_has_out(components, 0);
      for (std::uint32_t c = 0; c < components; ++c) {
        for (std::uint32_t m = bucket_start[c]; m < bucket_start[c + 1]; ++m) {
          const std::uint32_t v = members[m];
          if (graph.exits[v] != 0) component_good[c] = 1;
          for (std::uint64_t e = graph.offsets[v]; e < graph.offsets[v + 1]; ++e) {
            const std::uint32_t d = component[graph.targets[e]];
            if (d == c) continue;
            component_has_out[c] = 1;
            if (component_good[d] != 0) component_good[c] = 1;
          }
        }
      }
      std::vector<std::uint32_t>().swap(members);

      std::uint32_t lasso_vertex = kNone;
      for (std::uint32_t v = 0; v < vertices; ++v) {
        if (component_good[component[v]] != 0) continue;
        ++result.failing_states;
        // Vertices are in state (BFS) order, so the first bottom one has the shortest stem.
        if (lasso_vertex == kNone && component_has_out[component[v]] == 0) lasso_vertex = v;
      }
      if (result.failing_states == 0) {
        result.verdict = LivenessVerdict::kHolds;
        finish();
        continue;
      }
      if (lasso_vertex == kNone) {
        throw ExplorationError("liveness: failing states but no terminal failing component");
      }
      result.verdict = LivenessVerdict::kViolated;
      result.lasso_state = graph.state_of[lasso_vertex];
      result.stem = explorer.OpNames(explorer.PathTo(result.lasso_state));

      // Shortest cycle through the lasso vertex inside its component: BFS from it until an edge
      // returns to it.
      const std::uint32_t home = lasso_vertex;
      std::vector<std::uint32_t> previous(vertices, kNone);
      std::deque<std::uint32_t> queue{home};
      std::uint32_t closing = kNone;  // the vertex whose edge returns home
      std::vector<std::uint8_t> seen(vertices, 0);
      seen[home] = 1;
      while (!queue.empty() && closing == kNone) {
        const std::uint32_t v = queue.front();
        queue.pop_front();
        for (std::uint64_t e = graph.offsets[v]; e < graph.offsets[v + 1]; ++e) {
          const std::uint32_t w = graph.targets[e];
          if (w == home) {
            closing = v;
            break;
          }
          if (seen[w] == 0 && component[w] == component[home]) {
            seen[w] = 1;
            previous[w] = v;
            queue.push_back(w);
          }
        }
      }
      if (closing == kNone) {
        result.deadlock = true;  // a single vertex with no allowed op enabled
        finish();
        continue;
      }
      std::vector<std::uint32_t> cycle{home};
      for (std::uint32_t v = closing; v != home; v = previous[v]) cycle.push_back(v);
      std::reverse(cycle.begin() + 1, cycle.end());
      cycle.push_back(home);
      // Name each hop by the first allowed op that makes it.
      std::vector<std::uint8_t> encoding(explorer.EncodingStride(), 0);
      State post;
      for (std::size_t h = 0; h + 1 < cycle.size(); ++h) {
        const State state = explorer.StateAt(graph.state_of[cycle[h]]);
        const auto to = explorer.EncodingOf(graph.state_of[cycle[h + 1]]);
        for (int op = 0; op < op_count; ++op) {
          if (!allowed(property, op) || !model.Step(state, op, &post)) continue;
          model.Encode(post, encoding.data());
          if (explorer.SameEncoding(encoding.data(), to)) {
            result.cycle.emplace_back(model.OpName(op));
            break;
          }
        }
      }
      finish();
    }
  }
  return results;
}

// Checks one AG EF property (CheckLivenessAll of one).
template <ExplorableModel Model>
LivenessResult CheckLiveness(const Explorer<Model>& explorer,
                             const LivenessProperty<typename Model::State>& property,
                             const LivenessOptions& options = {}) {
  return CheckLivenessAll(explorer, std::vector<LivenessProperty<typename Model::State>>{property},
                          options)
      .front();
}

}  // namespace mmcheck::solver::explicit_state
