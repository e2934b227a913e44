// SPDX-License-Identifier: GPL-2.0
// What a model declares to be explored (DESIGN.md §2.3): the ExplorableModel concept, its
// safety properties and its AG EF liveness properties. A model includes this header only; the
// search (explorer.h), liveness (liveness.h) and output (graph_output.h) are templates over it.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace mmcheck::solver::explicit_state {

enum class PropertyKind {
  kState,       // checked on every reachable state
  kTransition,  // checked on every (pre, op, post) edge
};

// One named safety property of a model. Properties are numbered by their position in the
// model's Properties() list; bit i of a property mask stands for property i (at most 64).
struct PropertyInfo {
  std::string label;  // short label used by the spec and in reports, e.g. "P1"
  std::string name;   // stable kebab-case name, e.g. "mapcount-consistency"
  PropertyKind kind = PropertyKind::kState;
  bool sanity = false;  // a violation means the model implementation is wrong, not the kernel
  std::string description;
};

// A liveness property of the form AG EF goal: from every reachable state, some state satisfying
// `goal` is reachable using only the operations in `allowed_ops` (all operations when empty).
// The restriction models "only these actors keep running", e.g. the memory-offline thread.
// The name identifies the property: a search that marked the goals of the model's liveness
// properties (ExplorerOptions::liveness_marks) serves a property of the same name and allowed
// ops from those marks.
template <typename State>
struct LivenessProperty {
  std::string name;
  std::string description;
  std::function<bool(const State&)> goal;
  std::vector<bool> allowed_ops;  // indexed by op instance; empty = every op is allowed
};

// The model interface. All functions are const and deterministic; the explorer calls them from
// several threads at once.
//
//   InitialState()              the initial state.
//   OpCount(), OpName(op)       the alphabet of operation instances 0..OpCount()-1 (at most
//                               65535), in the fixed order the explorer tries them.
//   Step(s, op, &post)          false if op is disabled in s; otherwise writes the unique
//                               successor to post and returns true.
//   EncodingSize(), Encode, Decode
//                               a canonical fixed-size byte encoding: two states are equal iff
//                               their encodings are equal, and Decode(Encode(s)) == s. Their
//                               order means nothing to the explorer (the dump sorts StateTuples).
//   Properties()                the safety properties; ViolatedStateProperties(s, mask) and
//                               ViolatedTransitionProperties(pre, op, post, mask) return the
//                               mask bits of the properties that fail (only bits in mask need be
//                               computed).
//   LivenessProperties()        AG EF properties (may be empty).
//   StateTuple(s, &tuple)       the state as integers, for the dump; DescribeState(s) a short
//                               one-line picture, for DOT.
//   EncodingBits()              OPTIONAL: only the first EncodingBits() bits of an encoding
//                               (most significant bit of byte 0 first) are ever nonzero. An
//                               encoding of at most 79 bits is then kept whole in a 16-byte
//                               slot of the visited table (visited_table.h, "packed").
//   ExtraTableBytes()           OPTIONAL: memory the model keeps for its encodings (tables its
//                               Encode consults), counted with the explorer's tables.
//   Unchanged(post)             OPTIONAL: true when Step already knows post equals the state it
//                               stepped from; the explorer then counts a self-loop without
//                               encoding post. False is always allowed.
template <typename M>
concept ExplorableModel = requires(const M& m, const typename M::State& s, typename M::State* post,
                                   int op, std::uint8_t* out_bytes, const std::uint8_t* in_bytes,
                                   std::uint64_t mask, std::vector<int>* tuple) {
  { m.InitialState() } -> std::same_as<typename M::State>;
  { m.OpCount() } -> std::same_as<int>;
  { m.OpName(op) } -> std::convertible_to<std::string>;
  { m.Step(s, op, post) } -> std::same_as<bool>;
  { m.EncodingSize() } -> std::same_as<std::size_t>;
  { m.Encode(s, out_bytes) } -> std::same_as<void>;
  { m.Decode(in_bytes) } -> std::same_as<typename M::State>;
  { m.Properties() } -> std::same_as<const std::vector<PropertyInfo>&>;
  { m.ViolatedStateProperties(s, mask) } -> std::same_as<std::uint64_t>;
  { m.ViolatedTransitionProperties(s, op, s, mask) } -> std::same_as<std::uint64_t>;
  { m.LivenessProperties() } -> std::same_as<std::vector<LivenessProperty<typename M::State>>>;
  { m.StateTuple(s, tuple) } -> std::same_as<void>;
  { m.DescribeState(s) } -> std::same_as<std::string>;
};

}  // namespace mmcheck::solver::explicit_state
