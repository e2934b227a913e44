// SPDX-License-Identifier: GPL-2.0
// Checking a consumer of model::World against the field lists (model/fields.h):
// for every field path ("mms.ptes.pfn"), change one instance of it in a world
// where every struct has instances, and see whether the consumer's output
// (the explorer's encoding, the state picture, ITF) changes. A field whose
// every instance leaves the output as it was is one the consumer ignores:
// the tests require each such field to be on the consumer's documented list.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "model/fields.h"
#include "model/operations.h"
#include "model/profile.h"
#include "model/world.h"

namespace mmcheck::testing {

// A different value of the same type, close to the old one (a flipped bool,
// the next enumerator, a number with its lowest bit flipped) so that counts,
// frames and PFNs stay inside every range a consumer checks. Knobs: the first
// knob's next value.
template <typename T>
void Perturb(T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    v = !v;
  } else if constexpr (std::is_enum_v<T>) {
    v = static_cast<T>(static_cast<std::underlying_type_t<T>>(v) + 1);
  } else if constexpr (std::is_integral_v<T>) {
    v = static_cast<T>(v ^ 1);
  } else {
    static_assert(std::is_same_v<T, model::Knobs>, "a leaf type Perturb does not know");
    const model::KnobInfo& k = model::KnobTable()[0];
    k.set(v, (k.get(v) + 1) % static_cast<int>(k.values.size()));
  }
}

// The field paths of `w`'s leaves, in order, one entry per instance.
inline std::vector<std::string> LeafPaths(const model::World& w) {
  std::vector<std::string> paths;
  model::ForEachLeaf(w, "", [&](const std::string& path, const auto&) { paths.push_back(path); });
  return paths;
}

// `w` with its leaf number `index` (in LeafPaths order) perturbed.
inline model::World WithLeafPerturbed(const model::World& w, size_t index) {
  model::World out = w;
  size_t i = 0;
  model::ForEachLeaf(out, "", [&](const std::string&, auto& leaf) {
    if (i++ == index) Perturb(leaf);
  });
  return out;
}

// The field paths of `w` none of whose instances changes `output` when
// perturbed. Paths starting with one of `skipped` are not tried.
inline std::set<std::string> FieldsNotReflected(
    const model::World& w, const std::function<std::string(const model::World&)>& output,
    const std::set<std::string>& skipped = {}) {
  const std::string before = output(w);
  const std::vector<std::string> paths = LeafPaths(w);
  std::set<std::string> reflected, seen;
  for (size_t i = 0; i < paths.size(); ++i) {
    const std::string& path = paths[i];
    bool skip = false;
    for (const std::string& s : skipped) skip = skip || path == s || path.starts_with(s + ".");
    if (skip || reflected.count(path)) continue;
    seen.insert(path);
    if (output(WithLeafPerturbed(w, i)) != before) reflected.insert(path);
  }
  std::set<std::string> missing;
  for (const std::string& path : seen)
    if (!reflected.count(path)) missing.insert(path);
  return missing;
}

// Every field path of World (each once).
inline std::set<std::string> AllFieldPaths(const model::World& w) {
  const std::vector<std::string> paths = LeafPaths(w);
  return {paths.begin(), paths.end()};
}

// A world in which every struct of World has instances and most fields are
// not at their defaults: two mms (one forked), a huge PMD, a THP split to
// PTEs, a shmem mapping, a device-exclusive entry, a swap entry, a
// device-private page, a device eviction in flight, and the lock thread
// holding a folio.
inline model::World RichWorld() {
  using model::OpCode;
  model::Universe u =
      model::ParseUniverse("mms=2,pages=6,folios=6,swap=4,devices=2,pmd_order=1,device_pages=2");
  model::World w = model::World::Initial(u, model::ProfileSet::Builtin().Find("mainline")->knobs);
  auto run = [&](OpCode code, std::initializer_list<int> args) {
    const model::Op op = model::MakeOp(code, args);
    if (model::Enabled(w, op)) model::Apply(w, op);
  };
  run(OpCode::kMmap, {0, 0, 2, model::kProtReadWrite, model::kMapPrivate});
  run(OpCode::kCpuWrite, {0, 0, 5});
  run(OpCode::kMmap, {0, 2, 2, model::kProtReadWrite, model::kMapShared});
  run(OpCode::kCpuWrite, {0, 2, 6});
  run(OpCode::kMmap, {0, 4, 2, model::kProtReadWrite, model::kMapPrivate});
  run(OpCode::kCpuWrite, {0, 5, 8});
  run(OpCode::kFork, {0});
  run(OpCode::kCpuWrite, {1, 0, 7});
  run(OpCode::kSplit, {0, 0});
  run(OpCode::kDeviceExclusive, {0, 0, 1, 1});
  run(OpCode::kReclaim, {1, 1});
  run(OpCode::kReclaim, {1, 1});
  run(OpCode::kDeviceMigrateToDev, {1, 1, 0, 1});
  run(OpCode::kDeviceRelease, {1});
  // The lock thread's folio: the first folio head (lock_folio itself needs
  // no eviction in flight).
  for (size_t f = 0; f < w.pages.size(); ++f)
    if (w.pages[f].head == static_cast<int>(f)) {
      w.lock_thread_folio = static_cast<int16_t>(f);
      break;
    }
  return w;
}

}  // namespace mmcheck::testing
