# Owned by solver/explicit tests. Append to MMCHECK_TEST_SOURCES (paths relative to tests/).
list(APPEND MMCHECK_TEST_SOURCES
  solver/explicit/explorer_test.cpp
  solver/explicit/devexcl_core_test.cpp)
list(APPEND MMCHECK_TEST_SOURCES solver/explicit/main_model_test.cpp)
