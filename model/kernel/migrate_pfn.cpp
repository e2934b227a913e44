// SPDX-License-Identifier: GPL-2.0
// Migrate PFN flags; see migrate_pfn.h for the kernel sources.
#include "model/kernel/migrate_pfn.h"

namespace mmcheck::model::kernel {

std::vector<NamedMask> MigratePfnFlags(const MigratePfnLayout& l) {
  std::vector<NamedMask> out = {
      {"MIGRATE_PFN_VALID", MIGRATE_PFN_VALID},
      {"MIGRATE_PFN_MIGRATE", MIGRATE_PFN_MIGRATE},
      {"MIGRATE_PFN_WRITE", MIGRATE_PFN_WRITE},
  };
  if (l.compound) out.push_back({"MIGRATE_PFN_COMPOUND", MIGRATE_PFN_COMPOUND});
  if (l.device_private) out.push_back({"MIGRATE_PFN_DEVICE_PRIVATE", MIGRATE_PFN_DEVICE_PRIVATE});
  return out;
}

}  // namespace mmcheck::model::kernel
