// SPDX-License-Identifier: GPL-2.0
// Exhaustive breadth-first exploration on several processes (MPI), for universes that outgrow
// one machine: hash-partitioned state ownership, as in Stern and Dill's parallel Murphi, PReach
// and DiVinE.
//
// Each rank owns the states whose fingerprint maps to it (the low half of the 64-bit XXH3 of
// the encoding; the table uses the high half), keeps them in its own table and expands them.
// The search is level-synchronous, in rounds: each rank expands a slice of its frontier, then
// one MPI_Alltoallv hands every successor (encoding and its key, the (parent, op) edge that
// produced it) to its owner, which inserts it or lowers its key. A rank never sends a
// successor it has sent before (a small exact cache): the earlier copy had the smaller key, or
// it was numbered in an earlier level, and either way the owner ignores this one.
//
// Same results as the one-process explorer (explorer.h), not just the same counts: there, a
// new state gets the least (parent index, op) edge that reached it and a level is numbered in
// key order. Here each owner keeps the least key of its new states the same way; at the end of
// the level the ranks exchange their sorted keys (MPI_Allgatherv, 8 bytes per new state to
// every other rank) and each numbers its states with their position in the merged order. So
// every state gets the global index the one-process run gives it, with the same parent link;
// BFS levels, first violations (least (index, op), reduced with MPI_MIN) and shortest
// counterexamples (walked back across owners) are identical, for any number of ranks.
//
// Not here: liveness (AG EF needs the whole graph on one process; run without --mpi), the
// symmetry check, state dumps and DOT, threads within a rank (--jobs). Limits: max states is
// exact (the same cut as one process); the time budget and the memory limit (per rank: the
// limit shared among the ranks on one machine) are checked once per round.
#pragma once

#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL
#endif
#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "solver/explicit/exploration_result.h"
#include "solver/explicit/model_concept.h"
#include "solver/explicit/rank_group.h"
#include "solver/explicit/record_arena.h"
#include "util/process_memory.h"

namespace mmcheck::solver::explicit_state {

// What the distribution cost, summed over the ranks.
struct DistributedStats {
  int ranks = 1;
  std::uint64_t bytes_sent = 0;       // to other ranks: successor records and level keys
  std::uint64_t records_sent = 0;     // successors sent to another rank
  std::uint64_t records_cached = 0;   // successors not sent: the rank had sent them before
  std::uint64_t rounds = 0;           // all-to-all exchanges (the same on every rank)
  std::uint64_t max_rank_states = 0;  // states of the fullest rank (balance: states / ranks)
  std::uint64_t max_rank_peak_rss_bytes = 0;  // the largest VmHWM of a rank (whole process)
};

template <ExplorableModel Model>
class DistributedExplorer {
 public:
  using State = typename Model::State;
  static constexpr std::uint32_t kNoParent = 0xffffffffu;

  // REQUIRES: as Explorer's; options.jobs is ignored (one thread per rank).
  DistributedExplorer(const Model& model, ExplorerOptions options, RankGroup& group)
      : model_(model),
        options_(std::move(options)),
        group_(group),
        encoding_bytes_(model.EncodingSize()),
        stride_((model.EncodingSize() + 7) / 8 * 8),
        record_bytes_(model.EncodingSize() + kKeyBytes),
        op_count_(model.OpCount()),
        encodings_(stride_) {
    if (encoding_bytes_ == 0) throw ExplorationError("explorer: EncodingSize() must be > 0");
    if (op_count_ <= 0 || op_count_ > 65535)
      throw ExplorationError("explorer: OpCount() must be in 1..65535");
    if (model.Properties().size() > 64) throw ExplorationError("explorer: at most 64 properties");
    if (options_.max_depth != 0) throw ExplorationError("explorer: no max_depth across ranks");
    for (std::size_t i = 0; i < model.Properties().size(); ++i) {
      const std::uint64_t bit = std::uint64_t{1} << i;
      (model.Properties()[i].kind == PropertyKind::kState ? state_properties_
                                                          : transition_properties_) |= bit;
    }
  }

  // Explores every reachable state (or until a stop condition). COLLECTIVE: every rank calls
  // it and gets the same result (times are this rank's). REQUIRES: called once.
  ExplorationResult Run();
  const DistributedStats& stats() const { return stats_; }

 private:
  // A successor on the wire: the encoding (encoding_bytes_, unpadded), then the key's 6 bytes.
  static constexpr std::size_t kKeyBytes = 6;
  static constexpr std::uint64_t kNoHit = ~std::uint64_t{0};
  static constexpr std::uint64_t kTombstone = ~std::uint64_t{0};
  static constexpr int kCacheShift = 16;  // the send cache: 65536 encodings

  std::uint64_t Hash(const std::uint8_t* encoding) const { return XXH3_64bits(encoding, stride_); }
  int Owner(std::uint64_t hash) const {
    return static_cast<int>(((hash & 0xffffffffu) * static_cast<std::uint64_t>(group_.size())) >>
                            32);
  }
  // Inserts a successor this rank owns, or lowers the key of a state new in this level.
  void Visit(std::uint64_t hash, const std::uint8_t* encoding, std::uint64_t key);
  void Place(std::uint64_t hash, std::uint64_t slot_value);
  void Grow();
  // Returns the table position of `encoding`. REQUIRES: it is in the table.
  std::uint64_t PositionOf(std::uint64_t hash, const std::uint8_t* encoding) const;
  // Whether this rank sent `encoding` before; remembers it if not.
  bool SentBefore(std::uint64_t hash, const std::uint8_t* encoding);
  // Numbers the states new in this level in global key order. Returns how many were numbered
  // over all ranks (fewer than found when max states cuts the level).
  std::uint64_t NumberLevel(std::uint64_t base, bool* cut);
  // The ops from the initial state to each of `targets` (global indices). COLLECTIVE.
  std::vector<std::vector<int>> PathsTo(std::vector<std::uint64_t> targets);
  bool OverTime() const {
    if (options_.time_budget_seconds <= 0) return false;
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
    return elapsed.count() > options_.time_budget_seconds;
  }

  const Model& model_;
  ExplorerOptions options_;
  RankGroup& group_;
  std::size_t encoding_bytes_;
  std::size_t stride_;
  std::size_t record_bytes_;
  int op_count_;
  std::uint64_t state_properties_ = 0;
  std::uint64_t transition_properties_ = 0;

  // This rank's states in global index order (numbered), then the current level's new ones in
  // the order they arrived (pending).
  internal::RecordArena encodings_;
  std::vector<std::uint32_t> global_;  // global index of each numbered state, ascending
  // parent << 16 | op: the BFS parent link of a numbered state; the least key so far of a
  // pending one.
  std::vector<std::uint64_t> links_;
  std::uint64_t pending_begin_ = 0;  // the first pending state
  // Open addressing, linear probing: (hash >> 32) << 32 | (local index + 1); 0 is empty.
  std::vector<std::uint64_t> table_;
  std::uint64_t table_mask_ = 0;
  std::uint64_t table_used_ = 0;
  std::vector<std::uint64_t> cache_hashes_;
  std::vector<std::uint8_t> cache_encodings_;

  std::chrono::steady_clock::time_point start_;
  DistributedStats stats_;
};

// ---------------------------------------------------------------------------------------------
// Implementation.

template <ExplorableModel Model>
void DistributedExplorer<Model>::Place(std::uint64_t hash, std::uint64_t slot_value) {
  std::uint64_t pos = (hash >> 32) & table_mask_;
  while (table_[pos] != 0) pos = (pos + 1) & table_mask_;
  table_[pos] = slot_value;
}

template <ExplorableModel Model>
void DistributedExplorer<Model>::Grow() {
  std::vector<std::uint64_t> old = std::move(table_);
  table_.assign(old.size() * 2, 0);
  table_mask_ = table_.size() - 1;
  for (std::uint64_t value : old) {
    if (value != 0 && value != kTombstone) Place(value, value);  // the high half is the hash's
  }
}

template <ExplorableModel Model>
void DistributedExplorer<Model>::Visit(std::uint64_t hash, const std::uint8_t* encoding,
                                       std::uint64_t key) {
  const std::uint64_t tag = hash & ~std::uint64_t{0xffffffffu};
  for (std::uint64_t pos = (hash >> 32) & table_mask_;; pos = (pos + 1) & table_mask_) {
    const std::uint64_t value = table_[pos];
    if (value == 0) {
      const std::uint64_t index = encodings_.size();
      std::memcpy(encodings_.Append(), encoding, stride_);
      links_.push_back(key);
      table_[pos] = tag | (index + 1);
      if (++table_used_ * 10 > table_.size() * 7) Grow();
      return;
    }
    if (value == kTombstone || (value & ~std::uint64_t{0xffffffffu}) != tag) continue;
    const std::uint64_t index = (value & 0xffffffffu) - 1;
    if (std::memcmp(encodings_.At(index), encoding, stride_) != 0) continue;
    if (index >= pending_begin_ && key < links_[index]) links_[index] = key;
    return;
  }
}

template <ExplorableModel Model>
std::uint64_t DistributedExplorer<Model>::PositionOf(std::uint64_t hash,
                                                     const std::uint8_t* encoding) const {
  const std::uint64_t tag = hash & ~std::uint64_t{0xffffffffu};
  for (std::uint64_t pos = (hash >> 32) & table_mask_;; pos = (pos + 1) & table_mask_) {
    const std::uint64_t value = table_[pos];
    if (value == 0) throw ExplorationError("distributed explorer: a pending state left the table");
    if (value == kTombstone || (value & ~std::uint64_t{0xffffffffu}) != tag) continue;
    if (std::memcmp(encodings_.At((value & 0xffffffffu) - 1), encoding, stride_) == 0) return pos;
  }
}

template <ExplorableModel Model>
bool DistributedExplorer<Model>::SentBefore(std::uint64_t hash, const std::uint8_t* encoding) {
  const std::uint64_t line = (hash >> 16) & ((std::uint64_t{1} << kCacheShift) - 1);
  std::uint8_t* cached = cache_encodings_.data() + line * stride_;
  if (cache_hashes_[line] == hash && std::memcmp(cached, encoding, stride_) == 0) return true;
  cache_hashes_[line] = hash;
  std::memcpy(cached, encoding, stride_);
  return false;
}

template <ExplorableModel Model>
std::uint64_t DistributedExplorer<Model>::NumberLevel(std::uint64_t base, bool* cut) {
  const std::uint64_t count = encodings_.size() - pending_begin_;
  // This rank's new states in key order.
  std::vector<std::uint32_t> order(count);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return links_[pending_begin_ + a] < links_[pending_begin_ + b];
  });
  std::vector<std::uint64_t> keys(count);
  for (std::uint64_t k = 0; k < count; ++k) keys[k] = links_[pending_begin_ + order[k]];
  // A state's global position in the level: how many keys of all ranks are smaller. Keys are
  // distinct (one edge leads to one state), so the positions are 0..total-1.
  std::vector<std::size_t> from;
  const std::vector<std::uint64_t> all = group_.AllGather(keys, &from);
  const std::uint64_t total = all.size();
  std::vector<std::uint64_t> position(count);
  for (std::uint64_t k = 0; k < count; ++k) position[k] = k;
  for (int r = 0; r < group_.size(); ++r) {
    if (r == group_.rank()) continue;
    std::size_t next = from[r];
    for (std::uint64_t k = 0; k < count; ++k) {
      while (next < from[r + 1] && all[next] < keys[k]) ++next;
      position[k] += next - from[r];
    }
  }
  std::uint64_t numbered = total;
  if (options_.max_states != 0 && base + total > options_.max_states) {
    numbered = options_.max_states > base ? options_.max_states - base : 0;
    *cut = true;
  }
  // Rewrite the pending range in key order; the table follows each state to its new place.
  std::vector<std::uint8_t> moved(count * stride_);
  for (std::uint64_t k = 0; k < count; ++k) {
    std::memcpy(moved.data() + k * stride_, encodings_.At(pending_begin_ + order[k]), stride_);
  }
  std::vector<std::uint64_t> positions_in_table(count);
  for (std::uint64_t k = 0; k < count; ++k) {
    const std::uint8_t* encoding = moved.data() + k * stride_;
    positions_in_table[k] = PositionOf(Hash(encoding), encoding);
  }
  std::uint64_t kept = 0;
  for (std::uint64_t k = 0; k < count; ++k) {
    const std::uint64_t index = pending_begin_ + k;
    if (position[k] >= numbered) {
      table_[positions_in_table[k]] = kTombstone;  // beyond the cut: never found again
      continue;
    }
    std::memcpy(encodings_.MutableAt(index), moved.data() + k * stride_, stride_);
    links_[index] = keys[k];
    global_.push_back(static_cast<std::uint32_t>(base + position[k]));
    std::uint64_t& value = table_[positions_in_table[k]];
    value = (value & ~std::uint64_t{0xffffffffu}) | (index + 1);
    ++kept;
  }
  while (encodings_.size() > pending_begin_ + kept) encodings_.PopBack();
  links_.resize(pending_begin_ + kept);
  pending_begin_ = encodings_.size();
  return numbered;
}

template <ExplorableModel Model>
std::vector<std::vector<int>> DistributedExplorer<Model>::PathsTo(
    std::vector<std::uint64_t> targets) {
  std::vector<std::vector<int>> paths(targets.size());
  std::vector<bool> done(targets.size(), false);
  for (;;) {
    // The owner of each target gives its parent link; the others give the largest value.
    std::vector<std::uint64_t> links(targets.size(), kNoHit);
    bool any = false;
    for (std::size_t t = 0; t < targets.size(); ++t) {
      if (done[t]) continue;
      any = true;
      auto it = std::lower_bound(global_.begin(), global_.end(), targets[t]);
      if (it != global_.end() && *it == targets[t]) links[t] = links_[it - global_.begin()];
    }
    if (!any) break;
    group_.Min(&links);
    for (std::size_t t = 0; t < targets.size(); ++t) {
      if (done[t]) continue;
      if (links[t] == kNoHit) throw ExplorationError("distributed explorer: no rank owns a state");
      const std::uint64_t parent = links[t] >> 16;
      if (parent == kNoParent) {
        done[t] = true;
        std::reverse(paths[t].begin(), paths[t].end());
        continue;
      }
      paths[t].push_back(static_cast<int>(links[t] & 0xffff));
      targets[t] = parent;
    }
  }
  return paths;
}

template <ExplorableModel Model>
ExplorationResult DistributedExplorer<Model>::Run() {
  start_ = std::chrono::steady_clock::now();
  ExplorationResult result;
  result.jobs = 1;
  stats_.ranks = group_.size();
  const std::uint64_t bytes_before = group_.bytes_sent();
  const std::vector<PropertyInfo>& properties = model_.Properties();
  const std::uint64_t memory_limit =
      options_.max_memory_bytes == 0
          ? 0
          : options_.max_memory_bytes / static_cast<std::uint64_t>(group_.local_size());
  table_.assign(std::uint64_t{1} << 12, 0);
  table_mask_ = table_.size() - 1;
  cache_hashes_.assign(std::uint64_t{1} << kCacheShift, 0);
  cache_encodings_.assign((std::uint64_t{1} << kCacheShift) * stride_, 0);

  std::vector<std::uint8_t> encoding(stride_, 0);
  model_.Encode(model_.InitialState(), encoding.data());
  if (Owner(Hash(encoding.data())) == group_.rank()) {
    Visit(Hash(encoding.data()), encoding.data(), std::uint64_t{kNoParent} << 16);
    global_.push_back(0);
    pending_begin_ = 1;
  }
  std::uint64_t states = 1;
  std::vector<std::uint64_t> level_start{0};

  std::uint64_t asserted = options_.asserted_properties;
  if (properties.size() < 64) asserted &= (std::uint64_t{1} << properties.size()) - 1;
  // Per property, the least (state << 16 | op + 1) that violates it (op + 1 is 0 for a state
  // property): the first hit of a one-process BFS.
  std::vector<std::uint64_t> first_hit(properties.size(), kNoHit);
  std::uint64_t found_mask = 0;
  bool stopped_at_violation = false;
  const char* limit = nullptr;
  std::uint64_t edges = 0, self_loops = 0;
  // Frontier states a rank expands per round: a round's messages stay near 8 MB.
  const std::uint64_t per_round = std::clamp<std::uint64_t>(
      (std::uint64_t{8} << 20) / (static_cast<std::uint64_t>(op_count_) * record_bytes_), 16,
      65536);
  std::vector<State> successors(op_count_);
  std::vector<int> ops(op_count_);
  std::vector<std::vector<std::uint8_t>> out(group_.size());
  std::vector<std::uint8_t> in;
  std::vector<std::size_t> from;
  double expand_seconds = 0, number_seconds = 0;

  std::uint64_t frontier_begin = 0;  // local index of the frontier's first state
  for (;;) {
    const auto expand_start = std::chrono::steady_clock::now();
    const std::uint64_t frontier_end = pending_begin_;
    const std::uint64_t check_mask = asserted & ~found_mask;
    const std::uint64_t state_mask = check_mask & state_properties_;
    const std::uint64_t transition_mask = check_mask & transition_properties_;
    std::vector<std::uint64_t> rounds{(frontier_end - frontier_begin + per_round - 1) / per_round};
    group_.Max(&rounds);
    std::vector<std::uint64_t> hits(properties.size(), kNoHit);
    std::uint64_t next = frontier_begin;
    bool stop = false;
    for (std::uint64_t round = 0; round < rounds[0] && !stop; ++round) {
      for (std::vector<std::uint8_t>& part : out) part.clear();
      const std::uint64_t end = std::min(frontier_end, next + per_round);
      for (; next < end; ++next) {
        const std::uint64_t index = global_[next];
        const State state = model_.Decode(encodings_.At(next));
        const std::uint8_t* own = encodings_.At(next);
        if (state_mask != 0) {
          for (std::uint64_t failed = model_.ViolatedStateProperties(state, state_mask);
               failed != 0; failed &= failed - 1) {
            std::uint64_t& hit = hits[__builtin_ctzll(failed)];
            hit = std::min(hit, index << 16);
          }
        }
        int enabled = 0;
        for (int op = 0; op < op_count_; ++op) {
          if (model_.Step(state, op, &successors[enabled])) ops[enabled++] = op;
        }
        edges += enabled;
        for (int k = 0; k < enabled; ++k) {
          const State& post = successors[k];
          const int op = ops[k];
          if (transition_mask != 0) {
            for (std::uint64_t failed =
                     model_.ViolatedTransitionProperties(state, op, post, transition_mask);
                 failed != 0; failed &= failed - 1) {
              std::uint64_t& hit = hits[__builtin_ctzll(failed)];
              hit = std::min(hit, index << 16 | static_cast<std::uint64_t>(op + 1));
            }
          }
          if constexpr (requires {
                          { model_.Unchanged(post) } -> std::same_as<bool>;
                        }) {
            if (model_.Unchanged(post)) {
              ++self_loops;
              continue;
            }
          }
          model_.Encode(post, encoding.data());
          if (std::memcmp(encoding.data(), own, stride_) == 0) {
            ++self_loops;
            continue;
          }
          const std::uint64_t hash = Hash(encoding.data());
          const std::uint64_t key = index << 16 | static_cast<std::uint64_t>(op);
          const int owner = Owner(hash);
          if (owner == group_.rank()) {
            Visit(hash, encoding.data(), key);
          } else if (SentBefore(hash, encoding.data())) {
            ++stats_.records_cached;
          } else {
            std::vector<std::uint8_t>& part = out[owner];
            const std::size_t at = part.size();
            part.resize(at + record_bytes_);
            std::memcpy(part.data() + at, encoding.data(), encoding_bytes_);
            for (std::size_t b = 0; b < kKeyBytes; ++b)
              part[at + encoding_bytes_ + b] = static_cast<std::uint8_t>(key >> (8 * b));
            ++stats_.records_sent;
          }
        }
      }
      group_.AllToAll(out, &in, &from);
      ++stats_.rounds;
      std::fill(encoding.begin(), encoding.end(), 0);
      for (std::size_t at = 0; at < in.size(); at += record_bytes_) {
        std::memcpy(encoding.data(), in.data() + at, encoding_bytes_);
        std::uint64_t key = 0;
        for (std::size_t b = 0; b < kKeyBytes; ++b)
          key |= std::uint64_t{in[at + encoding_bytes_ + b]} << (8 * b);
        Visit(Hash(encoding.data()), encoding.data(), key);
      }
      // Every rank learns whether any must stop: over time, or over its share of the memory.
      std::vector<std::uint64_t> stops{
          OverTime() ? 1u : 0u, memory_limit != 0 && util::RssBytes() > memory_limit ? 1u : 0u};
      group_.Max(&stops);
      if (stops[1] != 0) limit = "max memory";
      if (stops[0] != 0) limit = "time budget";
      stop = limit != nullptr;
    }
    group_.Min(&hits);
    for (std::size_t p = 0; p < properties.size(); ++p) {
      first_hit[p] = std::min(first_hit[p], hits[p]);
      if (first_hit[p] != kNoHit) found_mask |= std::uint64_t{1} << p;
    }
    const auto number_start = std::chrono::steady_clock::now();
    expand_seconds += std::chrono::duration<double>(number_start - expand_start).count();
    if (stop) {
      // A partial level: its states are not numbered (the figures cover whole levels).
      for (std::uint64_t i = pending_begin_; i < encodings_.size(); ++i) {
        table_[PositionOf(Hash(encodings_.At(i)), encodings_.At(i))] = kTombstone;
      }
      while (encodings_.size() > pending_begin_) encodings_.PopBack();
      links_.resize(pending_begin_);
      break;
    }
    bool cut = false;
    const std::uint64_t numbered = NumberLevel(states, &cut);
    number_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - number_start).count();
    frontier_begin = frontier_end;
    if (numbered > 0) level_start.push_back(states);
    states += numbered;
    if (cut) {
      limit = "max states";
      break;
    }
    if (found_mask != 0 && options_.stop_at_violation && numbered > 0) {
      stopped_at_violation = true;
      break;
    }
    if (numbered == 0) break;  // the last level had no successor that was new
  }

  std::vector<std::uint64_t> sums{edges,
                                  self_loops,
                                  group_.bytes_sent() - bytes_before,
                                  stats_.records_sent,
                                  stats_.records_cached,
                                  encodings_.AllocatedBytes() + table_.capacity() * 8 +
                                      global_.capacity() * 4 + links_.capacity() * 8 +
                                      cache_hashes_.capacity() * 8 + cache_encodings_.capacity()};
  group_.Sum(&sums);
  std::vector<std::uint64_t> fullest{encodings_.size(), util::PeakRssBytes()};
  group_.Max(&fullest);
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
  result.status = limit != nullptr       ? ExplorationStatus::kLimitReached
                  : stopped_at_violation ? ExplorationStatus::kStoppedAtViolation
                                         : ExplorationStatus::kComplete;
  result.limit = limit != nullptr ? limit : "";
  result.states = states;
  result.edges = sums[0];
  result.self_loops = sums[1];
  result.diameter = static_cast<std::uint32_t>(level_start.size() - 1);
  for (std::size_t l = 0; l < level_start.size(); ++l) {
    const std::uint64_t end = l + 1 < level_start.size() ? level_start[l + 1] : states;
    result.level_sizes.push_back(end - level_start[l]);
  }
  result.seconds = elapsed.count();
  result.expand_seconds = expand_seconds;
  result.number_seconds = number_seconds;
  result.states_per_second = result.seconds > 0 ? states / result.seconds : 0;
  result.structure_bytes = sums[5];
  result.bytes_per_state = states > 0 ? static_cast<double>(sums[5]) / states : 0;
  result.peak_rss_bytes = util::PeakRssBytes();
  stats_.bytes_sent = sums[2];
  stats_.records_sent = sums[3];
  stats_.records_cached = sums[4];
  stats_.max_rank_states = fullest[0];
  stats_.max_rank_peak_rss_bytes = fullest[1];

  std::vector<std::uint64_t> targets;
  for (std::size_t p = 0; p < properties.size(); ++p) {
    if (first_hit[p] != kNoHit) targets.push_back(first_hit[p] >> 16);
  }
  const std::vector<std::vector<int>> paths = PathsTo(targets);
  std::size_t t = 0;
  for (std::size_t p = 0; p < properties.size(); ++p) {
    if (first_hit[p] == kNoHit) continue;
    Counterexample counterexample;
    counterexample.property = static_cast<int>(p);
    counterexample.label = properties[p].label;
    counterexample.name = properties[p].name;
    counterexample.sanity = properties[p].sanity;
    counterexample.last_state = static_cast<std::uint32_t>(first_hit[p] >> 16);
    counterexample.ops = paths[t++];
    if ((first_hit[p] & 0xffff) != 0)
      counterexample.ops.push_back(static_cast<int>(first_hit[p] & 0xffff) - 1);
    for (int op : counterexample.ops) counterexample.op_names.emplace_back(model_.OpName(op));
    result.violations.push_back(std::move(counterexample));
  }
  return result;
}

}  // namespace mmcheck::solver::explicit_state
