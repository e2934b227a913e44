# SPDX-License-Identifier: GPL-2.0
# Owned by solver/explicit/ (explorer). Append sources as solver/explicit/foo.cpp.
list(APPEND MMCHECK_SOLVER_SOURCES
  ${CMAKE_CURRENT_SOURCE_DIR}/explicit/exploration_result.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/explicit/record_arena.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/explicit/main_model.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/explicit/main_model_alphabet.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/explicit/main_model_check.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/explicit/main_model_encoding.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/explicit/main_model_sections.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/explicit/main_model_symmetry.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/explicit/diff_model.cpp)
