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
