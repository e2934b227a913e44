# SPDX-License-Identifier: GPL-2.0
# Owned by the kernel-encodings work (model/kernel/). Append .cpp files here.
list(APPEND MMCHECK_KERNEL_SOURCES
  ${CMAKE_CURRENT_SOURCE_DIR}/kernel/swap_entry.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/kernel/migrate_pfn.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/kernel/hmm_pfn.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/kernel/encoding_config.cpp)
