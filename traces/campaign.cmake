# Owned by the campaign/shrink work. Append sources:
#   list(APPEND MMCHECK_CAMPAIGN_SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/campaign.cpp)
list(APPEND MMCHECK_CAMPAIGN_SOURCES)
