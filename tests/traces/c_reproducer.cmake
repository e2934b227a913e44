# mmcheck export --c: every corpus trace's C reproducer compiles cleanly
# (-Wall -Wextra -Werror), and the device-free one, run on this machine's
# kernel, sees every outcome the model predicts (it prints PASS). A kernel
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
if(NOT rc EQUAL 0 OR NOT out MATCHES "PASS")
  message(FATAL_ERROR "the kernel disagrees with the model (exit ${rc}):\n${out}")
endif()
