# SPDX-License-Identifier: GPL-2.0
# Owned by the campaign/shrink work: RapidCheck campaigns, the trace
# shrinker and campaign reports.
list(APPEND MMCHECK_CAMPAIGN_SOURCES
  ${CMAKE_CURRENT_SOURCE_DIR}/campaign.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/shrink.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/report.cpp)
