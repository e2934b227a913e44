# SPDX-License-Identifier: GPL-2.0
# Owned by the campaign/shrink work. Append to MMCHECK_TEST_SOURCES (paths relative to tests/).
list(APPEND MMCHECK_TEST_SOURCES
  traces/campaign_test.cpp
  traces/shrink_test.cpp
  traces/report_test.cpp)
# mmcheck campaign | merge | shrink on the command line: exit statuses,
# one-line errors, traces, shards, determinism, interrupts.
add_test(NAME campaign_cli COMMAND ${CMAKE_COMMAND} -DMMCHECK=$<TARGET_FILE:mmcheck>
  -DWORK=${CMAKE_CURRENT_BINARY_DIR}/campaign_cli
  -P ${CMAKE_CURRENT_SOURCE_DIR}/traces/campaign_cli.cmake)
# mmcheck export --c: the C reproducers (traces/c_reproducer.cpp).
list(APPEND MMCHECK_TEST_SOURCES traces/c_reproducer_test.cpp)
find_program(MMCHECK_CC NAMES cc gcc REQUIRED)
add_test(NAME c_reproducer COMMAND ${CMAKE_COMMAND} -DMMCHECK=$<TARGET_FILE:mmcheck>
  -DCC=${MMCHECK_CC} -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
  -DWORK=${CMAKE_CURRENT_BINARY_DIR}/c_reproducer
  -P ${CMAKE_CURRENT_SOURCE_DIR}/traces/c_reproducer.cmake)
set_tests_properties(c_reproducer PROPERTIES SKIP_REGULAR_EXPRESSION "SKIP: ")
# mmcheck diff and verify-series (issue 15).
list(APPEND MMCHECK_TEST_SOURCES traces/series_test.cpp)
add_test(NAME review_cli COMMAND ${CMAKE_COMMAND} -DMMCHECK=$<TARGET_FILE:mmcheck>
  -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DWORK=${CMAKE_CURRENT_BINARY_DIR}/review_cli
  -P ${CMAKE_CURRENT_SOURCE_DIR}/traces/review_cli.cmake)
