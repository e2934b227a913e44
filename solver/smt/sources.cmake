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
# The symbolic model: SymbolicModel (construction, Step) and, under
# symbolic/, its knob table, layout, properties and the step encoder (Exec,
# symbolic/exec.h) in files named like the model/ops/ files they mirror.
list(APPEND MMCHECK_SOLVER_SOURCES
  ${CMAKE_CURRENT_SOURCE_DIR}/smt/symbolic_model.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/smt/symbolic/knobs.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/smt/symbolic/layout.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/smt/symbolic/properties.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/smt/symbolic/memory.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/smt/symbolic/gup.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/smt/symbolic/page_vma_mapped.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/smt/symbolic/rmap.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/smt/symbolic/vmscan.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/smt/symbolic/migrate.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/smt/symbolic/mmap.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/smt/symbolic/migrate_device.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/smt/symbolic/test_hmm.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/smt/bmc.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/smt/bmc_explicit.cpp)
