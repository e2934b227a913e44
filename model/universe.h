// The bounds of a run: how many mms, pages, folios, swap slots and devices
// the model may use. Nothing in the model hard-codes a size.
#pragma once

#include <string>
#include <string_view>

namespace mmcheck::model {

// Hard ceilings that keep per-folio arrays fixed-size and states small.
inline constexpr int kMaxPmdOrder = 3;               // a "PMD" maps at most 8 pages
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
};

// Parses "key=value,..." starting from the defaults. Throws ModelInputError
// naming the culprit and the accepted range on bad input, or a key given twice.
Universe ParseUniverse(std::string_view text);
// The same, starting from `base`: the keys in `text` replace base's values.
Universe ParseUniverse(std::string_view text, const Universe& base);

// Throws ModelInputError if `u` is out of range (e.g. zero or absurd sizes).
void ValidateUniverse(const Universe& u);

}  // namespace mmcheck::model
