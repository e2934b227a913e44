// SPDX-License-Identifier: GPL-2.0
// ErrorOf: the message of a ModelInputError thrown by `f`, or "" if none.
#pragma once

#include <string>

#include "model/profile.h"

namespace mmcheck::testing {

template <typename F>
std::string ErrorOf(F&& f) {
  try {
    f();
  } catch (const model::ModelInputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace mmcheck::testing
