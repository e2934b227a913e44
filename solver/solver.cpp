// SPDX-License-Identifier: GPL-2.0
// Anchor so the solver library is never empty.
namespace mmcheck::solver {
int SolverLibraryAnchor() {
  return 0;
}
}  // namespace mmcheck::solver
