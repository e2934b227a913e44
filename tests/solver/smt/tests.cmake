# SPDX-License-Identifier: GPL-2.0
# Owned by solver/smt tests. Append to MMCHECK_TEST_SOURCES (paths relative to tests/).
# ctest names: Smt* (GoogleTest suites) and smt_prove_cli (the command line):
#   ctest -R 'Smt|smt_'
list(APPEND MMCHECK_TEST_SOURCES
  solver/smt/swap_entry_test.cpp
  solver/smt/pvmw_encoding_test.cpp
  solver/smt/pfn_flags_test.cpp
  solver/smt/encoding_config_test.cpp
  solver/smt/symbolic_conformance_test.cpp
  solver/smt/lemmas_test.cpp)

if(TARGET mmcheck)
  add_test(NAME smt_prove_cli COMMAND ${CMAKE_COMMAND} -DMMCHECK=$<TARGET_FILE:mmcheck>
    -P ${CMAKE_CURRENT_LIST_DIR}/prove_cli.cmake)
endif()
list(APPEND MMCHECK_TEST_SOURCES
  solver/smt/bmc_conformance_test.cpp
  solver/smt/bmc_test.cpp
  solver/smt/bmc_explicit_test.cpp
  solver/smt/reachable.cpp
  solver/smt/expr_eval.cpp
  solver/smt/expr_eval_test.cpp
  solver/smt/exhaustive_slice_test.cpp
  solver/smt/symbolic_knobs_test.cpp
  solver/smt/symbolic_step_test.cpp)

# The exhaustive concrete/symbolic conformance (every reachable state of the
# BMC universes, every accepted profile and knob value: far longer than the
# unit suite): its own binary, not in CTest; bench/symbolic_conformance.sh
# runs it (MMCHECK_EXHAUSTIVE_MAX_STATES bounds each search). The unit suite
# runs its slice (exhaustive_slice_test.cpp).
add_executable(mmcheck_exhaustive_tests
  ${CMAKE_CURRENT_LIST_DIR}/exhaustive_conformance_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/reachable.cpp
  ${CMAKE_CURRENT_LIST_DIR}/expr_eval.cpp)
target_link_libraries(mmcheck_exhaustive_tests PRIVATE mmcheck_solver GTest::gtest
  GTest::gtest_main)
