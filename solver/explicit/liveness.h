// SPDX-License-Identifier: GPL-2.0
// AG EF liveness on the graph a complete search explored: "from every reachable state a goal
// state is reachable using only the allowed operations", decided with Boost.Graph's
// strong_components, with a lasso (stem + cycle) when it fails.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/strong_components.hpp>

#include "solver/explicit/exploration_result.h"
#include "solver/explicit/explorer.h"
#include "solver/explicit/model_concept.h"
#include "util/process_memory.h"

namespace mmcheck::solver::explicit_state {

// Checks the AG EF property `property` on the graph `explorer` explored. The states that cannot
// reach the goal are found by propagating "reaches the goal" backwards over the condensation of
// the graph of the other states; the lasso ends in a terminal component of those.
// REQUIRES: explorer.Run() returned kComplete (otherwise the verdict is kNotChecked).
template <ExplorableModel Model>
LivenessResult CheckLiveness(const Explorer<Model>& explorer,
                             const LivenessProperty<typename Model::State>& property,
                             const LivenessOptions& options = {}) {
  using State = typename Model::State;
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
  constexpr std::uint32_t kNoParent = Explorer<Model>::kNoParent;
  const Model& model = explorer.model();
  const int op_count = model.OpCount();
  const auto start = std::chrono::steady_clock::now();
  LivenessResult result;
  result.property = property.name;
  auto finish = [&] {
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    result.seconds = elapsed.count();
    return result;
  };
  if (!explorer.Complete()) {
    // After a stop some successors are missing: the graph is not the reachable graph.
    result.reason = "the exploration did not complete";
    return finish();
  }
  const std::uint64_t n = explorer.StateCount();
  auto allowed = [&](int op) {
    return property.allowed_ops.empty() ||
           (static_cast<std::size_t>(op) < property.allowed_ops.size() && property.allowed_ops[op]);
  };

  // Pass 1: goal states, and "exit" states with an allowed edge straight into a goal state.
  // Both can reach the goal; only the remaining "undecided" states go into the graph.
  std::vector<bool> good(n, false);
  State post;
  for (std::uint32_t i = 0; i < n; ++i) {
    const State state = explorer.StateAt(i);
    if (property.goal(state)) {
      good[i] = true;
      continue;
    }
    for (int op = 0; op < op_count && !good[i]; ++op) {
      if (allowed(op) && model.Step(state, op, &post) && property.goal(post)) good[i] = true;
    }
  }
  // Vertices are the undecided states, in index order.
  std::vector<std::uint32_t> state_of;
  for (std::uint32_t i = 0; i < n; ++i) {
    if (!good[i]) state_of.push_back(i);
  }
  const std::uint64_t vertices = state_of.size();
  result.graph_vertices = vertices;
  // Bound the graph before building it, on top of what the process holds now (the explorer's
  // tables, `good`, `state_of`). Per vertex: the vertex table (2 to 4 slots of 4 bytes), the
  // adjacency_list<vecS, vecS>'s vector of out-edges (24 bytes, 16 more for malloc's header and
  // rounding) and at most one edge per allowed op (8 bytes, 16 with the vector's slack), the
  // component number (4), strong_components' root, discovery-time and color arrays and its
  // stack (28), the condensation's lists (24, and 4 per edge). The search's arrays stay
  // allocated. Measured on devexcl-core-L: 133 bytes per vertex with about one edge each.
  std::uint64_t allowed_count = 0;
  for (int op = 0; op < op_count; ++op) allowed_count += allowed(op) ? 1 : 0;
  const std::uint64_t estimate =
      util::RssBytes() + vertices * (16 + 40 + 4 + 28 + 24 + 20 * allowed_count);
  if (options.max_memory_bytes != 0 && estimate > options.max_memory_bytes) {
    result.reason = "the liveness graph would exceed the memory limit";
    return finish();
  }

  // A small table from encoding to vertex. The search was complete, so every successor of a
  // reached state was reached: a successor that is not a vertex is a good state.
  std::uint64_t vertex_slots = 16;
  while (vertex_slots < vertices * 2) vertex_slots *= 2;
  std::vector<std::uint32_t> vertex_table(vertex_slots, kNoParent);
  for (std::uint32_t v = 0; v < vertices; ++v) {
    std::uint64_t pos =
        explorer.HashEncoding(explorer.EncodingOf(state_of[v])) & (vertex_slots - 1);
    while (vertex_table[pos] != kNoParent) pos = (pos + 1) & (vertex_slots - 1);
    vertex_table[pos] = v;
  }
  auto vertex_of = [&](const std::uint8_t* encoding) {
    std::uint64_t pos = explorer.HashEncoding(encoding) & (vertex_slots - 1);
    for (; vertex_table[pos] != kNoParent; pos = (pos + 1) & (vertex_slots - 1)) {
      if (explorer.SameEncoding(explorer.EncodingOf(state_of[vertex_table[pos]]), encoding)) {
        return vertex_table[pos];
      }
    }
    return kNoParent;
  };

  // Pass 2: the graph of undecided states under the allowed ops. An edge to a good state makes
  // its source good-by-exit (recorded per vertex, not as an edge).
  Graph graph(vertices);
  std::vector<bool> exits(vertices, false);
  std::vector<std::uint8_t> encoding(explorer.EncodingStride(), 0);
  for (std::uint32_t v = 0; v < vertices; ++v) {
    const State state = explorer.StateAt(state_of[v]);
    for (int op = 0; op < op_count; ++op) {
      if (!allowed(op) || !model.Step(state, op, &post)) continue;
      model.Encode(post, encoding.data());
      const std::uint32_t target = vertex_of(encoding.data());
      if (target == kNoParent) {
        exits[v] = true;
      } else {
        boost::add_edge(v, target, graph);
        ++result.graph_edges;
      }
    }
  }

  std::vector<std::uint32_t> component(vertices);
  const std::uint32_t components =
      vertices == 0 ? 0
                    : static_cast<std::uint32_t>(boost::strong_components(
                          graph, boost::make_iterator_property_map(
                                     component.begin(), boost::get(boost::vertex_index, graph))));
  result.components = components;

  // A component reaches the goal if one of its vertices exits, or it has an edge into a
  // component that does. Propagate backwards over the condensation.
  std::vector<bool> component_good(components, false);
  std::vector<bool> component_has_out(components, false);
  std::vector<std::vector<std::uint32_t>> reverse_condensation(components);
  for (std::uint32_t v = 0; v < vertices; ++v) {
    if (exits[v]) component_good[component[v]] = true;
    for (auto [it, end] = boost::out_edges(v, graph); it != end; ++it) {
      const std::uint32_t w = static_cast<std::uint32_t>(boost::target(*it, graph));
      if (component[w] != component[v]) {
        component_has_out[component[v]] = true;
        reverse_condensation[component[w]].push_back(component[v]);
      }
    }
  }
  std::vector<std::uint32_t> work;
  for (std::uint32_t c = 0; c < components; ++c) {
    if (component_good[c]) work.push_back(c);
  }
  while (!work.empty()) {
    const std::uint32_t c = work.back();
    work.pop_back();
    for (std::uint32_t pred : reverse_condensation[c]) {
      if (!component_good[pred]) {
        component_good[pred] = true;
        work.push_back(pred);
      }
    }
  }
  reverse_condensation.clear();
  reverse_condensation.shrink_to_fit();

  std::uint32_t lasso_vertex = kNoParent;
  for (std::uint32_t v = 0; v < vertices; ++v) {
    if (component_good[component[v]]) continue;
    ++result.failing_states;
    // Vertices are in state (BFS) order, so the first bottom one has the shortest stem.
    if (lasso_vertex == kNoParent && !component_has_out[component[v]]) lasso_vertex = v;
  }
  if (result.failing_states == 0) {
    result.verdict = LivenessVerdict::kHolds;
    return finish();
  }
  if (lasso_vertex == kNoParent) {
    throw ExplorationError("liveness: failing states but no terminal failing component");
  }
  result.verdict = LivenessVerdict::kViolated;
  result.lasso_state = state_of[lasso_vertex];
  result.stem = explorer.OpNames(explorer.PathTo(result.lasso_state));

  // Shortest cycle through the lasso vertex inside its component: BFS from it until an edge
  // returns to it.
  const std::uint32_t home = lasso_vertex;
  std::vector<std::uint32_t> previous(vertices, kNoParent);
  std::deque<std::uint32_t> queue{home};
  std::uint32_t closing = kNoParent;  // the vertex whose edge returns home
  std::vector<bool> seen(vertices, false);
  seen[home] = true;
  while (!queue.empty() && closing == kNoParent) {
    const std::uint32_t v = queue.front();
    queue.pop_front();
    for (auto [it, end] = boost::out_edges(v, graph); it != end; ++it) {
      const std::uint32_t w = static_cast<std::uint32_t>(boost::target(*it, graph));
      if (w == home) {
        closing = v;
        break;
      }
      if (!seen[w] && component[w] == component[home]) {
        seen[w] = true;
        previous[w] = v;
        queue.push_back(w);
      }
    }
  }
  if (closing == kNoParent) {
    result.deadlock = true;  // a single vertex with no allowed op enabled
    return finish();
  }
  std::vector<std::uint32_t> cycle{home};
  for (std::uint32_t v = closing; v != home; v = previous[v]) cycle.push_back(v);
  std::reverse(cycle.begin() + 1, cycle.end());
  cycle.push_back(home);
  // Name each hop by the first allowed op that makes it.
  for (std::size_t k = 0; k + 1 < cycle.size(); ++k) {
    const State state = explorer.StateAt(state_of[cycle[k]]);
    const std::uint8_t* to = explorer.EncodingOf(state_of[cycle[k + 1]]);
    for (int op = 0; op < op_count; ++op) {
      if (!allowed(op) || !model.Step(state, op, &post)) continue;
      model.Encode(post, encoding.data());
      if (explorer.SameEncoding(encoding.data(), to)) {
        result.cycle.emplace_back(model.OpName(op));
        break;
      }
    }
  }
  return finish();
}

}  // namespace mmcheck::solver::explicit_state
