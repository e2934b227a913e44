# SPDX-License-Identifier: GPL-2.0
# mmcheck export --c: every corpus trace's C reproducer compiles cleanly
# (-Wall -Wextra -Werror), and the device-free one, run on this machine's
# kernel, sees every outcome the model predicts (its KTAP has no "not ok"). A kernel
# without MAP_FIXED_NOREPLACE or fork would make it exit 4 (KSFT_SKIP),
# which CTest reports as skipped.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
include(${CMAKE_CURRENT_LIST_DIR}/../cli/cli_helpers.cmake)

file(GLOB traces ${SOURCE_DIR}/tests/corpus/*.mmtrace)
list(LENGTH traces n)
if(n LESS 10)
  message(FATAL_ERROR "expected the corpus in ${SOURCE_DIR}/tests/corpus, found ${n} traces")
endif()
foreach(trace ${traces})
  get_filename_component(name ${trace} NAME_WE)
  run(0 export ${trace} --c --out ${WORK}/${name}.c)
  execute_process(COMMAND ${CC} -std=gnu11 -Wall -Wextra -Werror -fsyntax-only ${WORK}/${name}.c
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${name}.c does not compile:\n${err}")
  endif()
endforeach()

# Bad usage: no format, or both.
run(2 export ${SOURCE_DIR}/tests/corpus/cpu-fork-cow-mprotect.mmtrace)
expect_match("${ERR}" "export needs a format: --itf or --c")
run(2 export ${SOURCE_DIR}/tests/corpus/cpu-fork-cow-mprotect.mmtrace --c --itf)

# The model against the running kernel.
execute_process(COMMAND ${CC} -std=gnu11 -O0 -o ${WORK}/cpu-fork-cow-mprotect
                        ${WORK}/cpu-fork-cow-mprotect.c RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cannot build the reproducer:\n${err}")
endif()
execute_process(COMMAND ${WORK}/cpu-fork-cow-mprotect RESULT_VARIABLE rc OUTPUT_VARIABLE out
                TIMEOUT 30)
if(rc EQUAL 4)
  message("SKIP: the reproducer cannot set up on this kernel\n${out}")
  return()
endif()
if(NOT rc EQUAL 0 OR NOT out MATCHES "^TAP version 13\n1\\.\\.18\nok 1 step 1: mmap "
   OR NOT out MATCHES "\nok 18 step 18: [^\n]*\n# Totals: pass:18 fail:0 xfail:0 xpass:0 skip:0 error:0\n$")
  message(FATAL_ERROR "the kernel disagrees with the model (exit ${rc}):\n${out}")
endif()

# The same program told to expect another value at step 5: KTAP says which
# step and why, and the exit status is kselftest's KSFT_FAIL.
file(READ ${WORK}/cpu-fork-cow-mprotect.c source)
string(REPLACE "expect(5, \"value read\", value, 9);" "expect(5, \"value read\", value, 109);"
       wrong "${source}")
if(wrong STREQUAL source)
  message(FATAL_ERROR "step 5's value check is not where this test expects it")
endif()
file(WRITE ${WORK}/wrong.c "${wrong}")
execute_process(COMMAND ${CC} -std=gnu11 -O0 -o ${WORK}/wrong ${WORK}/wrong.c RESULT_VARIABLE rc)
execute_process(COMMAND ${WORK}/wrong RESULT_VARIABLE rc OUTPUT_VARIABLE out TIMEOUT 30)
if(NOT rc EQUAL 1
   OR NOT out MATCHES "\n# step 5 \\(mm1\\): value read is 9, the model says 109\n"
   OR NOT out MATCHES "\nnot ok 5 step 5: cpu_read mm=mm1 va=0\n"
   OR NOT out MATCHES "\nok 6 step 6: "
   OR NOT out MATCHES "# Totals: pass:17 fail:1 ")
  message(FATAL_ERROR "a wrong expectation must fail its step (exit ${rc}):\n${out}")
endif()
