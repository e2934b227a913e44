# SPDX-License-Identifier: GPL-2.0
# Helpers for command-line tests run as `cmake -DMMCHECK=... -P script`.
#   run(EXIT args...)          runs mmcheck, fails unless it exits with EXIT;
#                              sets OUT and ERR in the caller
#   expect_match(TEXT REGEX)   fails unless TEXT matches REGEX
#   expect_one_line_error(RE)  fails unless ERR matches RE and is one line
#   expect_json(JSON WANT PATH...)  fails unless the JSON member at PATH is WANT
function(run expect_rc)
  execute_process(COMMAND ${MMCHECK} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT rc EQUAL expect_rc)
    message(FATAL_ERROR "mmcheck ${ARGN}: exit ${rc}, expected ${expect_rc}\n${out}\n${err}")
  endif()
  set(OUT "${out}" PARENT_SCOPE)
  set(ERR "${err}" PARENT_SCOPE)
endfunction()

function(expect_match text regex)
  if(NOT "${text}" MATCHES "${regex}")
    message(FATAL_ERROR "expected output matching '${regex}', got:\n${text}")
  endif()
endfunction()

function(expect_one_line_error regex)
  expect_match("${ERR}" "${regex}")
  string(STRIP "${ERR}" e)
  if(e MATCHES "\n")
    message(FATAL_ERROR "expected a one-line error, got:\n${ERR}")
  endif()
endfunction()

# expect_json(JSON WANT PATH...): the member at PATH of the JSON text is WANT (booleans compare
# as CMake booleans: ON/OFF).
function(expect_json json want)
  string(JSON got ERROR_VARIABLE error GET "${json}" ${ARGN})
  if(error)
    message(FATAL_ERROR "no ${ARGN} in the JSON (${error}):\n${json}")
  endif()
  if(want STREQUAL "ON" OR want STREQUAL "OFF")
    if((want AND NOT got) OR (NOT want AND got))
      message(FATAL_ERROR "${ARGN} is ${got}, expected ${want}:\n${json}")
    endif()
  elseif(NOT got STREQUAL want)
    message(FATAL_ERROR "${ARGN} is '${got}', expected '${want}':\n${json}")
  endif()
endfunction()
