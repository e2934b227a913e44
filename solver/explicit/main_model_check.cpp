// SPDX-License-Identifier: GPL-2.0
// The after-search check of the symmetry reduction (CheckSymmetry, MainModel::CheckSymmetryAt):
// whether every renaming of the groups is a bisimulation on the states explored.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <string>
#include <tuple>

#include <fmt/format.h>

#include "solver/explicit/main_model.h"
#include "solver/explicit/main_model_internal.h"
#include "util/threads.h"

namespace mmcheck::solver::explicit_state {

using model::World;

namespace {

// A successor as the symmetry check compares them: its canonical encoding and the properties
// the step into it violated.
struct ClassStep {
  std::vector<std::uint8_t> encoding;
  std::uint32_t violations = 0;
  int op = 0;  // the op that took it (for the witness; not compared)
  // Encodings all have the model's ExactEncodingSize(); memcmp orders them like the byte tuples
  // (and spares GCC 12's false -Wstringop-overread on vector<uint8_t>::operator<).
  int Compare(const ClassStep& o) const {
    const int c = std::memcmp(encoding.data(), o.encoding.data(), encoding.size());
    return c != 0 ? c : (violations < o.violations ? -1 : violations > o.violations ? 1 : 0);
  }
  bool SameClass(const ClassStep& o) const { return Compare(o) == 0; }
  bool operator<(const ClassStep& o) const { return Compare(o) < 0; }
};

std::string PermutationText(const char* what, const std::vector<int>& perm) {
  std::string out;
  for (std::size_t i = 0; i < perm.size(); ++i) {
    if (perm[i] == static_cast<int>(i)) continue;
    out += fmt::format("{}{} {}->{}", out.empty() ? "" : ", ", what, i, perm[i]);
  }
  return out;
}

}  // namespace

std::string MainModel::CheckSymmetryAt(const State& state, bool swap_renamings,
                                       const State* const* own_posts) const {
  auto successors = [&](const State& from) {
    std::vector<ClassStep> out;
    State post;
    for (int op = 0; op < OpCount(); ++op) {
      if (!Step(from, op, &post)) continue;
      ClassStep step;
      step.encoding.resize(exact_size_);
      EncodeCanonical(post, step.encoding.data());
      step.violations = Violations(post);
      step.op = op;
      out.push_back(std::move(step));
    }
    std::stable_sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end(),
                          [](const ClassStep& a, const ClassStep& b) { return a.SameClass(b); }),
              out.end());
    return out;
  };
  std::vector<ClassStep> mine;
  bool mine_known = false;
  thread_local std::vector<std::uint8_t> exact, renamed_bytes;
  exact.resize(exact_size_);
  renamed_bytes.resize(exact_size_);
  EncodeExact(state.world, exact.data());
  const std::uint64_t own = ViolatedStateProperties(state, ~std::uint64_t{0});
  thread_local OwnSteps own_steps;  // filled at the first renaming that needs it
  own_steps.known = false;
  for (std::size_t m = 0; m < mm_perms_.size(); ++m) {
    for (std::size_t b = 0; b < block_perms_.size(); ++b) {
      for (std::size_t k = 0; k < swap_perms_.size(); ++k) {
        if (m == 0 && b == 0 && k == 0) continue;  // the identity
        if (k != 0 && !swap_renamings) continue;
        const Renaming g{k, b, m};
        // A renaming that leaves this world as it is (say, of swap slots none of which is in
        // use) trivially has the same successors.
        EncodeRenamedAt(state.world, g, renamed_bytes.data());
        if (renamed_bytes == exact) continue;
        // Written only for a witness (formatting it for every state was a few % of the check).
        auto renaming = [&] {
          std::string text;
          for (const std::string& part :
               {PermutationText("mm", mm_perms_[m]), PermutationText("block", block_perms_[b]),
                PermutationText("swap", swap_perms_[k])}) {
            if (!part.empty()) text += (text.empty() ? "" : ", ") + part;
          }
          return text;
        };
        // One renamed world a thread, assigned into the capacity of the last one.
        thread_local State renamed;
        main_model_internal::RenameInto(state.world, swap_perms_[k], block_perms_[b], mm_perms_[m],
                                        &renamed.world);
        // The renaming must keep the state properties: the search judges them on the
        // representative only.
        const std::uint64_t twin = ViolatedStateProperties(renamed, ~std::uint64_t{0});
        if (own != twin) {
          return fmt::format(
              "renaming [{}]: the renamed state violates properties 0x{:x}, the "
              "explored state 0x{:x}",
              renaming(), twin, own);
        }
        // Fast, sufficient: op by op, the renamed op from the renamed state reaches the class
        // the op reaches from the state, with the same transition violations. The renaming
        // of mms is a bijection on the alphabet, so the two have the same successor classes.
        if (!own_steps.known) {
          const auto ops = static_cast<std::size_t>(OpCount());
          own_steps.known = true;
          own_steps.post.assign(ops, nullptr);
          own_steps.canonical.assign(ops * exact_size_, 0);
          own_steps.encoded.assign(ops, 0);
          if (own_posts != nullptr) {
            own_steps.post.assign(own_posts, own_posts + ops);
          } else {
            own_steps.posts.resize(ops);
            for (std::size_t op = 0; op < ops; ++op) {
              if (Step(state, static_cast<int>(op), &own_steps.posts[op]))
                own_steps.post[op] = &own_steps.posts[op];
            }
          }
        }
        if (OpsCommute(&own_steps, renamed, g)) continue;
        if (!mine_known) {
          mine = successors(state);
          mine_known = true;
        }
        const std::vector<ClassStep> theirs = successors(renamed);
        // The first class (in encoding order) that only one side reaches.
        std::size_t i = 0;
        while (i < mine.size() && i < theirs.size() && mine[i].SameClass(theirs[i])) ++i;
        if (i == mine.size() && i == theirs.size()) continue;
        const bool mine_only = i < mine.size() && (i == theirs.size() || mine[i] < theirs[i]);
        const ClassStep& lone = mine_only ? mine[i] : theirs[i];
        return fmt::format(
            "renaming [{}]: `{}` from the {} state reaches a class{} that the {} state does not "
            "reach ({} vs {} successor classes)",
            renaming(), names_[static_cast<std::size_t>(lone.op)],
            mine_only ? "explored" : "renamed",
            lone.violations != 0 ? fmt::format(" (violations 0x{:x})", lone.violations) : "",
            mine_only ? "renamed" : "explored", mine.size(), theirs.size());
      }
    }
  }
  return "";
}

bool MainModel::SameUnderMmRenaming(const World& x, const World& y, const Renaming& g) const {
  if (g.swap != 0 || g.block != 0) return false;  // index 0 is the identity
  return main_model_internal::SameUnderMmRenaming(x, y, mm_inverses_[g.mm]);
}

// Compares World's fields by hand (universe and knobs are the model's own, the same in both):
// a field added to World or Device must be added here, or it would be ignored.
static_assert(std::tuple_size_v<decltype(World::Fields())> == 10,
              "SameUnderMmRenaming lists World's fields: compare the new one");
static_assert(std::tuple_size_v<decltype(model::Device::Fields())> == 1,
              "SameUnderMmRenaming lists Device's fields: compare the new one");

bool main_model_internal::SameUnderMmRenaming(const World& x, const World& y,
                                              const std::vector<int>& source) {
  const std::size_t mms = y.mms.size();
  if (x.mms.size() != mms || source.size() != mms) return false;
  for (std::size_t t = 0; t < mms; ++t)
    if (!(x.mms[static_cast<std::size_t>(source[t])] == y.mms[t])) return false;
  if (x.pages != y.pages || x.swap != y.swap || x.shmem != y.shmem || x.pgmaps != y.pgmaps ||
      x.migrating != y.migrating || x.lock_thread_folio != y.lock_thread_folio ||
      x.devices.size() != y.devices.size())
    return false;
  const auto pages = static_cast<std::size_t>(y.universe.pages);
  for (std::size_t d = 0; d < y.devices.size(); ++d) {
    const std::vector<model::MirrorEntry>& a = x.devices[d].mirror;
    const std::vector<model::MirrorEntry>& b = y.devices[d].mirror;
    for (std::size_t t = 0; t < mms; ++t)
      for (std::size_t va = 0; va < pages; ++va)
        if (!(a[static_cast<std::size_t>(source[t]) * pages + va] == b[t * pages + va]))
          return false;
  }
  return true;
}

bool MainModel::OpsCommute(OwnSteps* own, const State& renamed, const Renaming& g) const {
  thread_local std::vector<std::uint8_t> got, want;
  got.resize(exact_size_);
  want.resize(exact_size_);
  thread_local State twin;
  for (int op = 0; op < OpCount(); ++op) {
    const auto o = static_cast<std::size_t>(op);
    const int renamed_op = renamed_ops_[g.mm][o];
    if (renamed_op < 0) return false;  // the alphabet is not closed under the renaming
    const bool enabled = own->post[o] != nullptr;
    if (Step(renamed, renamed_op, &twin) != enabled) return false;
    if (!enabled) continue;
    const State& post = *own->post[o];
    if (twin.step_violations != post.step_violations) return false;
    // Both steps left their worlds as they were (Step's `unchanged`): the renamed op's world is
    // the renamed world, g(x), which is g of the op's world, x. Most enabled ops are such
    // self-loops; the two encodings below are for the rest.
    if (post.unchanged && twin.unchanged) continue;
    // The step commutes with the renaming exactly (the renamed op's world is the renamed
    // world of the op's): the same class. Most steps do; the rest are compared by class.
    if (SameUnderMmRenaming(post.world, twin.world, g)) continue;
    EncodeRenamedAt(post.world, g, want.data());
    EncodeExact(twin.world, got.data());
    if (got == want) continue;
    std::uint8_t* canonical = own->canonical.data() + o * exact_size_;
    if (own->encoded[o] == 0) {
      EncodeCanonical(post, canonical);
      own->encoded[o] = 1;
    }
    EncodeCanonical(twin, got.data());
    if (std::memcmp(got.data(), canonical, exact_size_) != 0) return false;
  }
  return true;
}

void MainModel::Expanded(std::uint32_t index, const State& state, const State* posts,
                         const int* ops, int enabled) const {
  if (!search_check_) return;
  CheckDuringSearch& record = *search_check_;
  record.expanded.fetch_add(1, std::memory_order_relaxed);
  // Only the lowest failing state is reported: a state after a known failure need not be
  // checked (states below it are, whenever they are expanded: `lowest` only decreases).
  if (index > record.lowest.load(std::memory_order_relaxed)) return;
  const auto start = std::chrono::steady_clock::now();
  thread_local std::vector<const State*> post_of;
  post_of.assign(static_cast<std::size_t>(OpCount()), nullptr);
  for (int k = 0; k < enabled; ++k) post_of[static_cast<std::size_t>(ops[k])] = &posts[k];
  std::string witness = CheckSymmetryAt(state, /*swap_renamings=*/false, post_of.data());
  if (!witness.empty()) {
    const std::lock_guard<std::mutex> lock(record.mutex);
    if (index < record.lowest.load()) {
      record.lowest.store(index);
      record.witness = std::move(witness);
    }
  }
  const auto spent = std::chrono::steady_clock::now() - start;
  record.nanoseconds.fetch_add(
      static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(spent).count()),
      std::memory_order_relaxed);
}

std::vector<int> MainModel::RenamedOps(const std::vector<int>& mm) const {
  std::vector<int> out;
  for (const model::Op& op : ops_) {
    model::Op o = op;
    const model::OpInfo& info = model::InfoOf(o.code);
    for (std::size_t a = 0; a < info.args.size(); ++a) {
      if (info.args[a].kind == model::ArgKind::kMm)
        o.args[a] = static_cast<std::int16_t>(mm[static_cast<std::size_t>(o.args[a])]);
    }
    out.push_back(OpIndex(model::FormatOp(o)));
  }
  return out;
}

// Swap-slot renamings are exact by construction, so the check trusts them (see SymmetryCheck)
// and runs them only on a sample of the states:
//   * no op names a swap slot (model::ArgKind has no slot kind) and no property reads a slot's
//     index, only the counts and data that PTEs reach through it;
//   * a free slot carries no state (a count of 0; its stale data byte is never read and not
//     encoded);
//   * the one place the model picks slots, add_to_swap() in model/ops/vmscan.cpp (shrink_folio),
//     takes the lowest FREE slots: in a renamed world it takes other free slots, so its result
//     is the renamed result up to a renaming of free slots, which is the same class.
// So for every world x, op and swap renaming s, Step(s(x), op) is a swap renaming of
// Step(x, op) with the same violations: every swap renaming is an automorphism of the unreduced
// graph and Encode's least encoding is invariant under it. The group is the product of the swap
// renamings and the renamings of the other groups (which commute with them), so checking the
// latter at every representative suffices: for g = s.h, the successors of g(x) are s-renamings
// of those of h(x), whose classes are those of x.
constexpr std::uint64_t kSwapSampleStates = 4096;

SymmetryCheck CheckSymmetry(const MainModel& model, const Explorer<MainModel>& explorer, int jobs) {
  const auto start = std::chrono::steady_clock::now();
  SymmetryCheck check;
  const std::uint64_t states = explorer.StateCount();
  check.states = states;
  const SymmetryGroups& g = model.Options().symmetry;
  const model::Universe& u = model.Options().universe;
  auto factorial = [](int n) {
    std::uint64_t f = 1;
    for (int i = 2; i <= n; ++i) f *= static_cast<std::uint64_t>(i);
    return f;
  };
  const std::uint64_t swaps = g.swap_slots ? factorial(u.swap_slots) : 1;
  const std::uint64_t others =
      (g.folio_slots ? factorial(u.folios) : 1) * (g.mms ? factorial(u.mms) : 1);
  check.renamings = swaps * others - 1;
  if (!g.Any()) return check;
  // The states checked: every state for the renamings of the other groups; for the swap
  // renamings (trusted, see above) a deterministic sample, every stride-th state.
  const std::uint64_t stride =
      swaps > 1 ? std::max<std::uint64_t>(1, states / kSwapSampleStates) : 0;
  if (swaps > 1) check.swap_sampled = (states + stride - 1) / stride;
  const bool all_states = others > 1;
  if (!all_states) check.states = check.swap_sampled;
  // The other groups' renamings were checked during the search if its record covers exactly
  // this explorer's states: then only the swap sample is expanded here.
  const MainModel::CheckDuringSearch* during = model.SearchCheck();
  check.during_search = all_states && during != nullptr && &explorer.model() == &model &&
                        during->expanded.load() == states;
  const bool expand_all = all_states && !check.during_search;
  // Thread t checks states t, t + jobs, ... and stops at its first failure; the lowest of
  // those is the lowest failing state overall.
  std::vector<std::uint64_t> first(static_cast<std::size_t>(jobs), states);
  std::vector<std::string> witness(static_cast<std::size_t>(jobs));
  std::atomic<std::uint64_t> lowest{check.during_search ? std::min(states, during->lowest.load())
                                                        : states};
  util::RunOnThreads(jobs, [&](int t) {
    for (std::uint64_t i = static_cast<std::uint64_t>(t); i < states;
         i += static_cast<std::uint64_t>(jobs)) {
      const bool sampled = stride != 0 && i % stride == 0;
      if (!expand_all && !sampled) continue;
      if (i > lowest.load(std::memory_order_relaxed)) return;
      std::string w =
          model.CheckSymmetryAt(explorer.StateAt(static_cast<std::uint32_t>(i)), sampled);
      if (w.empty()) continue;
      first[static_cast<std::size_t>(t)] = i;
      witness[static_cast<std::size_t>(t)] = std::move(w);
      std::uint64_t seen = lowest.load();
      while (i < seen && !lowest.compare_exchange_weak(seen, i)) {
      }
      return;
    }
  });
  if (check.during_search && during->lowest.load() < states) {
    // A sampled state checks every renaming and its witness is the one a check of all states
    // after the search gives: it wins a tie (below, with <).
    check.exact = false;
    check.witness_state = static_cast<std::uint32_t>(during->lowest.load());
    check.witness = during->witness;
  }
  for (int t = 0; t < jobs; ++t) {
    if (first[static_cast<std::size_t>(t)] < states &&
        (check.exact || first[static_cast<std::size_t>(t)] <= check.witness_state)) {
      check.exact = false;
      check.witness_state = static_cast<std::uint32_t>(first[static_cast<std::size_t>(t)]);
      check.witness = witness[static_cast<std::size_t>(t)];
    }
  }
  check.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (check.during_search) check.seconds += static_cast<double>(during->nanoseconds.load()) * 1e-9;
  return check;
}

}  // namespace mmcheck::solver::explicit_state
