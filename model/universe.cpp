// SPDX-License-Identifier: GPL-2.0
#include "model/universe.h"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "model/profile.h"

namespace mmcheck::model {
namespace {

// One key of the universe text: the field it sets, its range, and whether
// ToString writes it when it is 0 (keys added later are left out at 0, so
// that older traces stay canonical).
struct UniverseKey {
  std::string_view key;
  int Universe::*member;
  int min, max;
  std::string_view doc;
  bool printed_at_zero = true;
};

constexpr UniverseKey kKeys[] = {
    {"mms", &Universe::mms, 1, 4, "address spaces"},
    {"pages", &Universe::pages, 1, 32, "virtual pages per mm"},
    {"folios", &Universe::folios, 1, 32, "folio slots"},
    {"swap", &Universe::swap_slots, 0, 64, "swap slots"},
    {"devices", &Universe::devices, 0, 4, "dmirror devices"},
    {"pmd_order", &Universe::pmd_order, 1, kMaxPmdOrder, "log2 of pages per PMD"},
    {"device_pages", &Universe::device_pages, 0, 8, "device-private pages per device", false},
    {"coherent", &Universe::coherent, 0, 4, "MEMORY_DEVICE_COHERENT devices (the last ones)",
     false},
};

// Every field of Universe is one key, in declaration order.
constexpr bool KeysMatchUniverse() {
  constexpr auto fields = Universe::Fields();
  if (std::size(kKeys) != std::tuple_size_v<decltype(fields)>) return false;
  size_t i = 0;
  bool same = true;
  std::apply([&](const auto&... f) { ((same = same && kKeys[i++].member == f.member), ...); },
             fields);
  return same;
}
static_assert(KeysMatchUniverse(), "every field of Universe needs its key in kKeys, in order");

// "mms, pages, folios, swap, devices, pmd_order, device_pages, coherent"
std::string KeyNames() {
  std::string s;
  for (const UniverseKey& k : kKeys) s += fmt::format("{}{}", s.empty() ? "" : ", ", k.key);
  return s;
}

}  // namespace

std::string Universe::ToString() const {
  std::string s;
  for (const UniverseKey& k : kKeys)
    if (k.printed_at_zero || this->*k.member > 0)
      s += fmt::format("{}{}={}", s.empty() ? "" : ",", k.key, this->*k.member);
  return s;
}

void ValidateUniverse(const Universe& u) {
  for (const UniverseKey& f : kKeys) {
    int v = u.*f.member;
    if (v < f.min || v > f.max)
      throw ModelInputError(fmt::format("universe: {}={} is out of range ({}: {}..{})", f.key, v,
                                        f.doc, f.min, f.max));
  }
  if (u.coherent > u.devices)
    throw ModelInputError(fmt::format(
        "universe: coherent={} is more than devices={} (coherent devices are the last ones)",
        u.coherent, u.devices));
  if (u.coherent > 0 && u.device_pages == 0)
    throw ModelInputError(
        fmt::format("universe: coherent={} needs device memory (device_pages > 0)", u.coherent));
  if (u.pages % u.PmdPages() != 0)
    throw ModelInputError(
        fmt::format("universe: pages={} must be a multiple of the PMD size {} (pmd_order={})",
                    u.pages, u.PmdPages(), u.pmd_order));
}

namespace {

// Calls visit(field, value) for each "key=value" of `text`, in order. A key
// given twice is an error, not "the last one wins".
template <typename Visit>
void ForEachUniverseItem(std::string_view text, Visit visit) {
  std::vector<std::string_view> given;  // "mms=2" for each key seen
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(',', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view item = text.substr(pos, end - pos);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos)
      throw ModelInputError(
          fmt::format("universe: '{}' is not key=value (keys: {})", item, KeyNames()));
    std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
    const UniverseKey* field = nullptr;
    for (const UniverseKey& f : kKeys)
      if (f.key == key) field = &f;
    if (!field)
      throw ModelInputError(fmt::format("universe: unknown key '{}' (keys: {})", key, KeyNames()));
    for (std::string_view earlier : given)
      if (earlier.substr(0, earlier.find('=')) == key)
        throw ModelInputError(
            fmt::format("universe: key '{}' is given twice ({}, then {}); give each key once", key,
                        earlier, item));
    given.push_back(item);
    int v = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || p != value.data() + value.size())
      throw ModelInputError(fmt::format("universe: {}='{}' is not a number", key, value));
    visit(*field, v);
    pos = end + 1;
  }
}

const UniverseKey& FieldOf(std::string_view key) {
  for (const UniverseKey& f : kKeys)
    if (f.key == key) return f;
  throw ModelInputError(fmt::format("universe: unknown key '{}'", key));
}

// pmd_order is the one need that is an upper bound.
bool IsUpperBound(std::string_view key) {
  return key == "pmd_order";
}

}  // namespace

Universe ParseUniverse(std::string_view text) {
  return ParseUniverse(text, Universe{});
}

Universe ParseUniverse(std::string_view text, const Universe& base) {
  Universe u = base;
  ForEachUniverseItem(text, [&](const UniverseKey& f, int v) { u.*f.member = v; });
  ValidateUniverse(u);
  return u;
}

UniverseNeeds ParseUniverseNeeds(std::string_view text) {
  UniverseNeeds n;
  ForEachUniverseItem(text, [&](const UniverseKey& f, int v) {
    if (v < f.min || v > f.max)
      throw ModelInputError(fmt::format("universe: {}={} is out of range ({}: {}..{})", f.key, v,
                                        f.doc, f.min, f.max));
    n.keys.emplace_back(std::string(f.key), v);
  });
  return n;
}

std::string UniverseNeeds::MissingIn(const Universe& u) const {
  std::string missing;
  for (const auto& [key, need] : keys) {
    const int has = u.*FieldOf(key).member;
    if (IsUpperBound(key) ? has <= need : has >= need) continue;
    missing += fmt::format("{}{}={} (has {})", missing.empty() ? "" : ", ", key, need, has);
  }
  return missing;
}

std::string UniverseNeeds::ToString() const {
  std::string s;
  for (const auto& [key, need] : keys) s += fmt::format("{}{}={}", s.empty() ? "" : ",", key, need);
  return s;
}

Universe UniverseMeeting(const std::vector<UniverseNeeds>& needs) {
  Universe u;
  for (const UniverseNeeds& n : needs)
    for (const auto& [key, need] : n.keys) {
      int& has = u.*FieldOf(key).member;
      has = IsUpperBound(key) ? std::min(has, need) : std::max(has, need);
    }
  ValidateUniverse(u);
  return u;
}

}  // namespace mmcheck::model
