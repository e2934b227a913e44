// SPDX-License-Identifier: GPL-2.0
// The built-in profile a solver test names.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "model/profile.h"

namespace mmcheck::solver::smt::testing {

// Throws (the test fails with the name) when there is no built-in profile `name`.
inline const model::Profile& Builtin(std::string_view name) {
  const model::Profile* p = model::ProfileSet::Builtin().Find(name);
  if (p == nullptr) throw std::runtime_error("no built-in profile " + std::string(name));
  return *p;
}

}  // namespace mmcheck::solver::smt::testing
