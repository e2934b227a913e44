# Owned by solver/explicit tests. Append to MMCHECK_TEST_SOURCES (paths relative to tests/).
list(APPEND MMCHECK_TEST_SOURCES
  solver/explicit/explorer_test.cpp
  bench/devexcl_core_test.cpp
  bench/expected_verdicts_test.cpp)
list(APPEND MMCHECK_TEST_SOURCES solver/explicit/main_model_test.cpp)
# mmcheck explore (main model) on the command line.
add_test(NAME explore_cli COMMAND ${CMAKE_COMMAND} -DMMCHECK=$<TARGET_FILE:mmcheck>
  -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DWORK=${CMAKE_CURRENT_BINARY_DIR}/explore_cli
  -P ${CMAKE_CURRENT_SOURCE_DIR}/solver/explicit/explore_cli.cmake)
list(APPEND MMCHECK_TEST_SOURCES solver/explicit/diff_model_test.cpp)
