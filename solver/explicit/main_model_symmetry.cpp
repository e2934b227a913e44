// SPDX-License-Identifier: GPL-2.0
// The symmetry groups (--symmetry) and Rename, which is built from the field lists of
// model/fields.h: every field of every struct reachable from World has a role here, checked at
// compile time, so a new field cannot be left out of the renaming.
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <numeric>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include <fmt/format.h>

#include "solver/explicit/main_model.h"
#include "solver/explicit/main_model_internal.h"

namespace mmcheck::solver::explicit_state {

using model::Mm;
using model::Page;
using model::Pmd;
using model::Pte;
using model::Vma;
using model::World;

namespace main_model_internal {

std::vector<int> Inverse(const std::vector<int>& p) {
  std::vector<int> inverse(p.size());
  for (std::size_t i = 0; i < p.size(); ++i)
    inverse[static_cast<std::size_t>(p[i])] = static_cast<int>(i);
  return inverse;
}

std::vector<std::vector<int>> Permutations(int n) {
  std::vector<int> p(static_cast<std::size_t>(n));
  std::iota(p.begin(), p.end(), 0);
  std::vector<std::vector<int>> out;
  do out.push_back(p);
  while (std::next_permutation(p.begin(), p.end()));
  return out;
}

}  // namespace main_model_internal

namespace {

// How Rename treats a field. Every field of every struct reachable from World has exactly one
// role (kRoles below, checked against the struct's Fields() at compile time): a field added to
// the model without a role here does not compile.
enum class Role {
  kConstant,      // the same in every world of a search (the universe, the knobs)
  kPlain,         // names no mm, RAM frame or swap slot: copied as it is
  kNested,        // a struct, or a vector of structs, renamed field by field in place
  kByMm,          // a vector indexed by mm: element m goes to mm[m], then renamed field by field
  kByFrame,       // a vector indexed by frame: element f goes to the renamed frame
  kBySwap,        // a vector indexed by swap slot: element s goes to swap[s]
  kMirrorRows,    // a device's mirror, [mm * pages + va]: row m goes to row mm[m]
  kFrame,         // a frame index, or a vector of them (-1 and device frames stay)
  kPmdNumber,     // Pmd::pfn: a huge PMD's head PFN follows its frame
  kPteNumber,     // Pte::pfn: a swap entry's slot, or the number of the frame it resolves to
  kMirrorNumber,  // MirrorEntry::pfn: the number of the frame it resolves to
};

struct FieldRole {
  std::string_view name;
  Role role;
};

template <typename S>
struct Roles;
template <>
struct Roles<World> {
  static constexpr FieldRole kRoles[] = {
      {"universe", Role::kConstant},
      {"knobs", Role::kConstant},
      {"mms", Role::kByMm},
      {"pages", Role::kByFrame},
      {"swap", Role::kBySwap},
      {"shmem", Role::kNested},
      {"devices", Role::kNested},
      {"pgmaps", Role::kNested},
      {"migrating", Role::kFrame},  // device frames, which keep their places
      {"lock_thread_folio", Role::kFrame},
  };
};
template <>
struct Roles<Mm> {
  static constexpr FieldRole kRoles[] = {
      {"exists", Role::kPlain}, {"vmas", Role::kNested}, {"pmds", Role::kNested},
      {"ptes", Role::kNested},  {"rss", Role::kPlain},   {"logical", Role::kPlain},
  };
};
template <>
struct Roles<Vma> {
  // shmem names a shmem object, which no group renames.
  static constexpr FieldRole kRoles[] = {
      {"start", Role::kPlain},    {"end", Role::kPlain},
      {"read", Role::kPlain},     {"write", Role::kPlain},
      {"shared", Role::kPlain},   {"hugetlb", Role::kPlain},
      {"hugepage", Role::kPlain}, {"nohugepage", Role::kPlain},
      {"anon_vma", Role::kPlain}, {"anon_vma_inherited", Role::kPlain},
      {"shmem", Role::kPlain},    {"pgoff", Role::kPlain},
  };
};
template <>
struct Roles<Pmd> {
  static constexpr FieldRole kRoles[] = {
      {"kind", Role::kPlain},  {"pfn", Role::kPmdNumber}, {"write", Role::kPlain},
      {"dirty", Role::kPlain}, {"young", Role::kPlain},
  };
};
template <>
struct Roles<Pte> {
  static constexpr FieldRole kRoles[] = {
      {"kind", Role::kPlain},    {"pfn", Role::kPteNumber}, {"write", Role::kPlain},
      {"dirty", Role::kPlain},   {"young", Role::kPlain},   {"soft_dirty", Role::kPlain},
      {"uffd_wp", Role::kPlain}, {"special", Role::kPlain}, {"swp_exclusive", Role::kPlain},
  };
};
template <>
struct Roles<Page> {
  static constexpr FieldRole kRoles[] = {
      {"head", Role::kFrame},
      {"order", Role::kPlain},
      {"refcount", Role::kPlain},
      {"large_mapcount", Role::kPlain},
      {"entire_mapcount", Role::kPlain},
      {"anon", Role::kPlain},
      {"hugetlb", Role::kPlain},
      {"dirty", Role::kPlain},
      {"swapbacked", Role::kPlain},
      {"lru", Role::kPlain},
      {"locked", Role::kPlain},
      {"shmem", Role::kPlain},
      {"index", Role::kPlain},
      {"mapcount", Role::kPlain},
      {"anon_exclusive", Role::kPlain},
      {"data", Role::kPlain},
  };
};
template <>
struct Roles<model::SwapSlot> {
  static constexpr FieldRole kRoles[] = {{"count", Role::kPlain}, {"data", Role::kPlain}};
};
template <>
struct Roles<model::Shmem> {
  static constexpr FieldRole kRoles[] = {
      {"folio", Role::kFrame}, {"logical", Role::kPlain}, {"users", Role::kPlain}};
};
template <>
struct Roles<model::Device> {
  static constexpr FieldRole kRoles[] = {{"mirror", Role::kMirrorRows}};
};
template <>
struct Roles<model::MirrorEntry> {
  static constexpr FieldRole kRoles[] = {
      {"perm", Role::kPlain}, {"pfn", Role::kMirrorNumber}, {"device_private", Role::kPlain}};
};
template <>
struct Roles<model::DevPagemap> {
  // first_frame is a device frame: device memory keeps its places under every renaming.
  static constexpr FieldRole kRoles[] = {
      {"type", Role::kPlain},        {"owner", Role::kPlain},    {"ref", Role::kPlain},
      {"first_frame", Role::kPlain}, {"nr_pages", Role::kPlain}, {"range_start", Role::kPlain},
  };
};

// The role of field I of S. Not a constant expression (a compile error) for a field without one.
template <typename S, std::size_t I>
constexpr Role RoleOf() {
  constexpr std::string_view name = std::get<I>(S::Fields()).name;
  for (const FieldRole& r : Roles<S>::kRoles)
    if (r.name == name) return r.role;
  throw "a field of the model has no role in main_model_symmetry.cpp";  // NOLINT
}

// Whether Roles<S> names each field of S::Fields() exactly once, and nothing else.
template <typename S>
constexpr bool RolesCover() {
  constexpr auto fields = S::Fields();
  bool ok = std::size(Roles<S>::kRoles) == model::ListedFieldCount<S>();
  std::apply(
      [&](const auto&... field) {
        auto once = [&](std::string_view name) {
          int n = 0;
          for (const FieldRole& r : Roles<S>::kRoles) n += r.name == name ? 1 : 0;
          return n == 1;
        };
        ok = ok && (once(field.name) && ...);
      },
      fields);
  return ok;
}
static_assert(RolesCover<World>() && RolesCover<Mm>() && RolesCover<Vma>() && RolesCover<Pmd>() &&
                  RolesCover<Pte>() && RolesCover<Page>() && RolesCover<model::SwapSlot>() &&
                  RolesCover<model::Shmem>() && RolesCover<model::Device>() &&
                  RolesCover<model::MirrorEntry>() && RolesCover<model::DevPagemap>(),
              "every field of the model needs a role in Rename (main_model_symmetry.cpp)");

template <typename T>
struct IsVector : std::false_type {};
template <typename T, typename A>
struct IsVector<std::vector<T, A>> : std::true_type {};

// Writes the renaming of `w` into `out` (a copy of `w`), field by field from the field lists.
// References are resolved in `w` (World::EntryFrame and friends read only the universe, the
// knobs and the device pagemaps, which no renaming touches).
class Renamer {
 public:
  Renamer(const World& w, const std::vector<int>& swap, const std::vector<int>& block,
          const std::vector<int>& mm)
      : w_(w),
        swap_(swap),
        block_(block),
        mm_(mm),
        block_pages_(w.universe.PmdPages()),
        ram_(w.RamFrames()),
        pages_(static_cast<std::size_t>(w.universe.pages)) {}

  template <typename S>
  void Fields(const S& from, S& to) const {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (Field<S, I>(from, to), ...);
    }
    (std::make_index_sequence<model::ListedFieldCount<S>()>{});
  }

 private:
  template <typename S, std::size_t I>
  void Field(const S& from, S& to) const {
    constexpr auto field = std::get<I>(S::Fields());
    constexpr Role role = RoleOf<S, I>();
    const auto& src = from.*(field.member);
    auto& dst = to.*(field.member);
    using T = std::remove_cvref_t<decltype(src)>;
    if constexpr (role == Role::kConstant || role == Role::kPlain) {
      dst = src;
    } else if constexpr (role == Role::kNested) {
      if constexpr (IsVector<T>::value) {
        dst.resize(src.size());  // `to` may be another element's copy (renamed mms)
        for (std::size_t i = 0; i < src.size(); ++i) Fields(src[i], dst[i]);
      } else {
        Fields(src, dst);
      }
    } else if constexpr (role == Role::kByMm) {
      for (std::size_t i = 0; i < src.size(); ++i)
        Fields(src[i], dst[static_cast<std::size_t>(mm_[i])]);
    } else if constexpr (role == Role::kByFrame) {
      for (std::size_t i = 0; i < src.size(); ++i)
        Fields(src[i], dst[static_cast<std::size_t>(Frame(static_cast<int>(i)))]);
    } else if constexpr (role == Role::kBySwap) {
      for (std::size_t i = 0; i < src.size(); ++i)
        Fields(src[i], dst[static_cast<std::size_t>(swap_[i])]);
    } else if constexpr (role == Role::kMirrorRows) {
      for (std::size_t i = 0; i < src.size(); ++i) {
        const std::size_t row = static_cast<std::size_t>(mm_[i / pages_]) * pages_ + i % pages_;
        Fields(src[i], dst[row]);
      }
    } else if constexpr (role == Role::kFrame) {
      if constexpr (IsVector<T>::value) {
        dst.resize(src.size());
        for (std::size_t i = 0; i < src.size(); ++i) dst[i] = Frame16(src[i]);
      } else {
        dst = Frame16(src);
      }
    } else if constexpr (role == Role::kPmdNumber) {
      static_assert(std::is_same_v<S, Pmd>);
      dst = from.kind == model::PmdKind::kHuge ? Number(w_.FrameOf(src), src) : src;
    } else if constexpr (role == Role::kPteNumber) {
      static_assert(std::is_same_v<S, Pte>);
      if (from.kind == model::PteKind::kSwap)
        dst = src < swap_.size() ? static_cast<std::uint32_t>(swap_[src]) : src;
      else
        dst = model::HasPfn(from.kind) ? Number(w_.EntryFrame(from), src) : src;
    } else if constexpr (role == Role::kMirrorNumber) {
      static_assert(std::is_same_v<S, model::MirrorEntry>);
      dst = from.perm != model::kMirrorNone ? Number(w_.MirrorFrame(from), src) : src;
    }
  }
  // Fields of types without a field list (none today) would land here: a compile error.

  int Frame(int f) const {
    if (f < 0 || f >= ram_) return f;
    return block_[static_cast<std::size_t>(f / block_pages_)] * block_pages_ + f % block_pages_;
  }
  std::int16_t Frame16(std::int16_t f) const { return static_cast<std::int16_t>(Frame(f)); }
  // The number an entry resolved to frame `resolved` carries after the renaming.
  std::uint32_t Number(int resolved, std::uint32_t number) const {
    return resolved < 0 || resolved >= ram_ ? number : w_.PfnOf(Frame(resolved));
  }

  const World& w_;
  const std::vector<int>& swap_;
  const std::vector<int>& block_;
  const std::vector<int>& mm_;
  int block_pages_, ram_;
  std::size_t pages_;
};

}  // namespace

World Rename(const World& w, const std::vector<int>& swap, const std::vector<int>& block,
             const std::vector<int>& mm) {
  World out = w;
  Renamer(w, swap, block, mm).Fields(w, out);
  return out;
}

void main_model_internal::RenameInto(const World& w, const std::vector<int>& swap,
                                     const std::vector<int>& block, const std::vector<int>& mm,
                                     World* out) {
  *out = w;  // into the capacity *out already has
  Renamer(w, swap, block, mm).Fields(w, *out);
}

std::string SymmetryGroups::Describe() const {
  std::string out;
  if (swap_slots) out += "swap slots";
  if (mms) out += std::string(out.empty() ? "" : " + ") + "mms";
  if (folio_slots) out += std::string(out.empty() ? "" : " + ") + "folio slots";
  return out.empty() ? "off" : out;
}

SymmetryGroups ParseSymmetryGroups(std::string_view text) {
  SymmetryGroups g;
  if (text.empty()) {
    g.swap_slots = true;
    return g;
  }
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find(',', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view item = text.substr(pos, end - pos);
    if (item == "swap") {
      g.swap_slots = true;
    } else if (item == "mms") {
      g.mms = true;
    } else if (item == "folios") {
      g.folio_slots = true;
    } else if (item == "all") {
      g.swap_slots = g.mms = g.folio_slots = true;
    } else if (item != "off" || text != "off") {
      throw model::ModelInputError(
          fmt::format("--symmetry '{}': unknown group '{}'; accepted: swap, mms, folios, all "
                      "(comma-separated), "
                      "off",
                      text, item));
    }
    pos = end + 1;
  }
  return g;
}

}  // namespace mmcheck::solver::explicit_state
