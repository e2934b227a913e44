// SPDX-License-Identifier: GPL-2.0
// The bounds of a run: how many mms, pages, folios, swap slots and devices
// the model may use. Nothing in the model hard-codes a size.
#pragma once

#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "model/fields.h"

namespace mmcheck::model {

// Hard ceilings that keep per-folio arrays fixed-size and states small.
inline constexpr int kMaxPmdOrder = 3;  // a "PMD" maps at most 8 pages
inline constexpr int kMaxPagesPerFolio = 1 << kMaxPmdOrder;

struct Universe {
  int mms = 2;         // address spaces (fork allocates the lowest free one)
  int pages = 4;       // virtual pages per mm; a multiple of the PMD size
  int folios = 6;      // folio slots; each holds a folio of order 0..pmd_order
  int swap_slots = 4;  // swap slots, one page each
  int devices = 1;     // dmirror devices
  int pmd_order = 2;   // pages per PMD = 1 << pmd_order (the kernel's HPAGE_PMD_ORDER, scaled)
  // Device-private pages per device (one MEMORY_DEVICE_PRIVATE dev_pagemap
  // each, like one lib/test_hmm.c chunk). 0 = no device memory: every
  // device-private operation is disabled and the world is exactly the one
  // before device-private memory was modelled.
  int device_pages = 0;
  // How many of the devices are MEMORY_DEVICE_COHERENT (lib/test_hmm.c
  // minors 2 and 3, the hmm_device_coherent / hmm2_device_coherent
  // selftest variants): the last `coherent` devices. Their pages are
  // ordinary PFNs mapped by present PTEs, in every address space (Niethe's
  // series moves only MEMORY_DEVICE_PRIVATE out of the PFN space).
  // Requires device_pages > 0; 0 = every device is MEMORY_DEVICE_PRIVATE.
  int coherent = 0;

  int PmdPages() const { return 1 << pmd_order; }
  int PmdsPerMm() const { return pages / PmdPages(); }

  int DeviceFrames() const { return devices * device_pages; }
  // Whether device `d` is MEMORY_DEVICE_COHERENT (the last `coherent` ones).
  bool DeviceCoherent(int d) const { return device_pages > 0 && d >= devices - coherent; }

  // "mms=2,pages=4,folios=6,swap=4,devices=1,pmd_order=2" (",device_pages=N"
  // and ",coherent=N" are appended only when N > 0, so older traces stay
  // canonical).
  std::string ToString() const;
  bool operator==(const Universe&) const = default;
  // Every field, in declaration order (model/fields.h).
  static constexpr auto Fields() {
    return std::tuple{Field{"mms", &Universe::mms},
                      Field{"pages", &Universe::pages},
                      Field{"folios", &Universe::folios},
                      Field{"swap_slots", &Universe::swap_slots},
                      Field{"devices", &Universe::devices},
                      Field{"pmd_order", &Universe::pmd_order},
                      Field{"device_pages", &Universe::device_pages},
                      Field{"coherent", &Universe::coherent}};
  }
};
static_assert(FieldsListed<Universe>(), "a field of Universe is missing from Universe::Fields()");

// Parses "key=value,..." starting from the defaults. Throws ModelInputError
// naming the culprit and the accepted range on bad input, or a key given twice.
Universe ParseUniverse(std::string_view text);
// The same, starting from `base`: the keys in `text` replace base's values.
Universe ParseUniverse(std::string_view text, const Universe& base);

// Throws ModelInputError if `u` is out of range (e.g. zero or absurd sizes).
void ValidateUniverse(const Universe& u);

// What a profile needs of a universe to reach its expected violations (the
// profile file's `min_universe = "devices=2,pmd_order=1,device_pages=4"`):
// at least the given number of each counted key, and PMDs of at most
// 1 << pmd_order pages (smaller PMDs are what make order-1 folios exist).
// A key not given needs nothing.
struct UniverseNeeds {
  std::vector<std::pair<std::string, int>> keys;  // as written, in order

  bool empty() const { return keys.empty(); }
  // What `u` lacks, as "devices=2 (has 1), device_pages=4 (has 0)"; "" when
  // `u` meets every need.
  std::string MissingIn(const Universe& u) const;
  std::string ToString() const;  // "devices=2,pmd_order=1,device_pages=4"
  bool operator==(const UniverseNeeds&) const = default;
};

// Parses "key=value,..." with the keys and ranges of ParseUniverse. Throws
// ModelInputError naming the culprit.
UniverseNeeds ParseUniverseNeeds(std::string_view text);

// The default universe grown (or, for pmd_order, shrunk) just enough to meet
// every need: the universe a campaign uses when none is given.
// Throws ModelInputError when the result is not a valid universe.
Universe UniverseMeeting(const std::vector<UniverseNeeds>& needs);

}  // namespace mmcheck::model
