# SPDX-License-Identifier: GPL-2.0
# mmcheck fmt: traces in canonical form. The corpus is canonical (--check
# exits 0); a trace with a one-line long step is named by --check (exit 1)
# and left alone, then rewritten with its step wrapped at 75 columns; a
# trace that does not parse is file:line:col, exit 2, and nothing is written.
include(${CMAKE_CURRENT_LIST_DIR}/cli_helpers.cmake)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

file(GLOB corpus ${SOURCE_DIR}/tests/corpus/*.mmtrace)
run(0 fmt --check ${corpus})
if(NOT OUT STREQUAL "")
  message(FATAL_ERROR "corpus traces not in canonical form:\n${OUT}")
endif()

set(header "mmtrace 1\nprofile linux-6.14\nuniverse mms=1,pages=2,folios=2,swap=1,devices=1,pmd_order=1\nexpect holds\nquestion q\n\n")
set(long "1 mmap mm=mm0 va=0 npages=2 prot=rw kind=private => ret=0 entry@mm0:p0=none entry@mm0:p1=none\n")
file(WRITE ${WORK}/long.mmtrace "${header}${long}")
run(1 fmt --check ${WORK}/long.mmtrace ${corpus})
expect_match("${OUT}" "^${WORK}/long.mmtrace: not in canonical form \\(mmcheck fmt ${WORK}/long.mmtrace\\)\n$")
file(READ ${WORK}/long.mmtrace text)
if(NOT text STREQUAL "${header}${long}")
  message(FATAL_ERROR "fmt --check changed the file:\n${text}")
endif()
run(0 fmt ${WORK}/long.mmtrace)
file(READ ${WORK}/long.mmtrace text)
expect_match("${text}" "\n1 mmap mm=mm0 va=0 npages=2 prot=rw kind=private\n   => ret=0 entry@mm0:p0=none entry@mm0:p1=none\n$")
run(0 fmt --check ${WORK}/long.mmtrace)

file(WRITE ${WORK}/bad.mmtrace "${header}1 mmap mm=mm9 va=0 npages=2 prot=rw kind=private\n")
file(WRITE ${WORK}/long2.mmtrace "${header}${long}")
run(2 fmt ${WORK}/long2.mmtrace ${WORK}/bad.mmtrace)
expect_one_line_error("${WORK}/bad.mmtrace:7:[0-9]+: ")
file(READ ${WORK}/long2.mmtrace text)
if(NOT text STREQUAL "${header}${long}")
  message(FATAL_ERROR "fmt rewrote a file although another did not parse:\n${text}")
endif()
