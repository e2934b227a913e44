# SPDX-License-Identifier: GPL-2.0
# Owned by solver/explicit tests. Append to MMCHECK_TEST_SOURCES (paths relative to tests/).
list(APPEND MMCHECK_TEST_SOURCES
  solver/explicit/explorer_test.cpp
  bench/devexcl_core_test.cpp
  bench/expected_verdicts_test.cpp)
list(APPEND MMCHECK_TEST_SOURCES solver/explicit/main_model_test.cpp
  solver/explicit/main_model_sections_test.cpp)
# mmcheck explore (main model) on the command line.
add_test(NAME explore_cli COMMAND ${CMAKE_COMMAND} -DMMCHECK=$<TARGET_FILE:mmcheck>
  -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DWORK=${CMAKE_CURRENT_BINARY_DIR}/explore_cli
  -P ${CMAKE_CURRENT_SOURCE_DIR}/solver/explicit/explore_cli.cmake)
list(APPEND MMCHECK_TEST_SOURCES solver/explicit/diff_model_test.cpp)
# mmcheck explore --mpi on 2 and 4 ranks gives what one process gives (when built with MPI).
if(MMCHECK_WITH_MPI)
  add_test(NAME explore_mpi COMMAND ${CMAKE_COMMAND} -DMMCHECK=$<TARGET_FILE:mmcheck>
    -DMPIEXEC=${MPIEXEC_EXECUTABLE} -DNP_FLAG=${MPIEXEC_NUMPROC_FLAG}
    -DWORK=${CMAKE_CURRENT_BINARY_DIR}/explore_mpi
    -P ${CMAKE_CURRENT_SOURCE_DIR}/solver/explicit/explore_mpi.cmake)
  # Open MPI refuses to start as root unless told; CI containers run as root.
  # Under ASan, LeakSanitizer reports what Open MPI itself (libmpi and the
  # components it loads) keeps until exit, in every rank: leak checking is off
  # for this test only (the one-process runs it compares with are checked by
  # the rest of the suite).
  set_tests_properties(explore_mpi PROPERTIES
    ENVIRONMENT "OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1;ASAN_OPTIONS=detect_leaks=0")
endif()
