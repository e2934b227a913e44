# SPDX-License-Identifier: GPL-2.0
# Owned by solver/smt/ (Z3 lemmas). Append sources as solver/smt/foo.cpp.
list(APPEND MMCHECK_SOLVER_SOURCES
  ${CMAKE_CURRENT_SOURCE_DIR}/smt/query.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/smt/symbolic_encodings.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/smt/swap_lemmas.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/smt/pvmw_lemmas.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/smt/pfn_flag_lemmas.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/smt/arch_lemmas.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/smt/lemmas.cpp)
list(APPEND MMCHECK_SOLVER_SOURCES
  ${CMAKE_CURRENT_SOURCE_DIR}/smt/symbolic_model.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/smt/bmc.cpp)
