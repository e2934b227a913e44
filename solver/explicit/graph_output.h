// SPDX-License-Identifier: GPL-2.0
// The explored graph as text: every state as a sorted tuple dump, the state graph as DOT, or
// only some paths (counterexamples, lassos) as DOT when the graph is too large to draw.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "solver/explicit/explorer.h"
#include "util/text.h"

namespace mmcheck::solver::explicit_state {

// Writes every reached state, one per line, as comma-separated decimals of StateTuple(),
// sorted as integer tuples. The order is the tuples' own, not the stored encodings': a model may
// store numbers that depend on the order threads met its states (MainModel's interned sections).
template <ExplorableModel Model>
void WriteStateDump(const Explorer<Model>& explorer, std::ostream& out) {
  std::vector<std::vector<int>> tuples(explorer.StateCount());
  for (std::uint32_t i = 0; i < tuples.size(); ++i)
    explorer.model().StateTuple(explorer.StateAt(i), &tuples[i]);
  std::sort(tuples.begin(), tuples.end());
  std::string line;
  for (const std::vector<int>& tuple : tuples) {
    line.clear();
    for (std::size_t k = 0; k < tuple.size(); ++k) {
      if (k != 0) line += ',';
      line += std::to_string(tuple[k]);
    }
    line += '\n';
    out << line;
  }
}

// Writes the state graph as DOT: every state (labelled with its index, BFS level and
// DescribeState) and every edge labelled with its op. REQUIRES: StateCount() <= max_states,
// else throws std::runtime_error.
template <ExplorableModel Model>
void WriteDot(const Explorer<Model>& explorer, std::ostream& out, std::uint64_t max_states) {
  if (explorer.StateCount() > max_states) {
    throw std::runtime_error("the state graph has " + std::to_string(explorer.StateCount()) +
                             " states, more than the " + std::to_string(max_states) +
                             " a DOT drawing is useful for");
  }
  out << "digraph states {\n  node [shape=box, fontname=\"monospace\", fontsize=10];\n";
  for (std::uint32_t i = 0; i < explorer.StateCount(); ++i) {
    out << "  s" << i << " [label=\"#" << i << " (level " << explorer.LevelOf(i) << ")\\n"
        << util::EscapeQuoted(explorer.model().DescribeState(explorer.StateAt(i))) << "\""
        << (i == 0 ? ", penwidth=2" : "") << "];\n";
  }
  for (std::uint32_t i = 0; i < explorer.StateCount(); ++i) {
    for (const auto& [op, target] : explorer.Successors(i)) {
      out << "  s" << i << " -> s" << target << " [label=\""
          << util::EscapeQuoted(explorer.model().OpName(op)) << "\"];\n";
    }
  }
  out << "}\n";
}

// Writes DOT of paths from the initial state: each path is a (title, ops) pair; states shared
// by several paths are drawn once.
template <ExplorableModel Model>
void WritePathsDot(const Explorer<Model>& explorer, std::ostream& out,
                   const std::vector<std::pair<std::string, std::vector<int>>>& paths) {
  using State = typename Model::State;
  const Model& model = explorer.model();
  out << "digraph paths {\n  node [shape=box, fontname=\"monospace\", fontsize=10];\n";
  std::vector<std::vector<std::uint8_t>> drawn;  // encodings already drawn, in drawing order
  auto node_of = [&](const State& state, bool* fresh) {
    std::vector<std::uint8_t> encoding = explorer.EncodePadded(state);
    for (std::size_t k = 0; k < drawn.size(); ++k) {
      if (drawn[k] == encoding) {
        *fresh = false;
        return k;
      }
    }
    drawn.push_back(std::move(encoding));
    *fresh = true;
    return drawn.size() - 1;
  };
  for (const auto& [title, ops] : paths) {
    State state = model.InitialState();
    bool fresh = false;
    std::size_t node = node_of(state, &fresh);
    if (fresh) {
      out << "  n" << node << " [label=\"" << util::EscapeQuoted(model.DescribeState(state))
          << "\", penwidth=2];\n";
    }
    for (std::size_t k = 0; k < ops.size(); ++k) {
      State post;
      if (!model.Step(state, ops[k], &post)) {
        throw ExplorationError("paths DOT: op " + std::string(model.OpName(ops[k])) +
                               " is not enabled on the path");
      }
      const std::size_t next = node_of(post, &fresh);
      if (fresh) {
        out << "  n" << next << " [label=\"" << util::EscapeQuoted(model.DescribeState(post))
            << "\"];\n";
      }
      out << "  n" << node << " -> n" << next << " [label=\"" << util::EscapeQuoted(title) << ": "
          << (k + 1) << ". " << util::EscapeQuoted(model.OpName(ops[k])) << "\"];\n";
      node = next;
      state = post;
    }
  }
  out << "}\n";
}

}  // namespace mmcheck::solver::explicit_state
