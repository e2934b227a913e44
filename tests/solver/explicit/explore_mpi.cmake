# SPDX-License-Identifier: GPL-2.0
# mmcheck explore --mpi under mpirun with 2 ranks and 4 (oversubscribed on a 2-core machine)
# against the one-process explorer: the same status, states, edges, self-loops, BFS levels,
# exit status and the same shortest counterexample of every property, on the devexcl-core
# benchmark machine and on the main model. Fails on the first difference.
#   -DMMCHECK=path -DMPIEXEC=path -DNP_FLAG=-n -DWORK=dir
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

# The members of a --format json report that must not depend on the number of processes.
function(comparable json out_var)
  set(kept "")
  foreach(key status limit states edges self_loops diameter level_sizes exit_status)
    string(JSON value ERROR_VARIABLE error GET "${json}" ${key})
    string(APPEND kept "${key}: ${value}\n")
  endforeach()
  string(JSON properties ERROR_VARIABLE error LENGTH "${json}" safety)
  if(properties GREATER 0)
    math(EXPR last "${properties} - 1")
    foreach(i RANGE ${last})
      string(JSON ops ERROR_VARIABLE error GET "${json}" safety ${i} counterexample)
      string(APPEND kept "counterexample ${i}: ${ops}\n")
    endforeach()
  endif()
  set(${out_var} "${kept}" PARENT_SCOPE)
endfunction()

# same_as_one_process(args...): explore with args in one process, then on 2 and 4 ranks.
function(same_as_one_process)
  execute_process(COMMAND ${MMCHECK} explore ${ARGN} --format json RESULT_VARIABLE want_rc
                  OUTPUT_VARIABLE want_out ERROR_VARIABLE want_err)
  comparable("${want_out}" want)
  if(NOT want MATCHES "states: [0-9]+")
    message(FATAL_ERROR "mmcheck explore ${ARGN}: no report (exit ${want_rc})\n${want_err}")
  endif()
  foreach(ranks 2 4)
    execute_process(COMMAND ${MPIEXEC} ${NP_FLAG} ${ranks} --oversubscribe ${MMCHECK} explore
                            --mpi ${ARGN} --format json
                    RESULT_VARIABLE got_rc OUTPUT_VARIABLE got_out ERROR_VARIABLE got_err)
    comparable("${got_out}" got)
    if(NOT got_rc EQUAL want_rc OR NOT got STREQUAL want)
      message(FATAL_ERROR "mmcheck explore ${ARGN}: ${ranks} ranks differ from one process\n"
                          "one process (exit ${want_rc}):\n${want}\n"
                          "${ranks} ranks (exit ${got_rc}):\n${got}\n${got_err}")
    endif()
    if(NOT got_out MATCHES "mpi: ${ranks} ranks, [0-9,]+ bytes sent")
      message(FATAL_ERROR "no mpi note with ${ranks} ranks:\n${got_out}")
    endif()
  endforeach()
  message(STATUS "same on 1, 2, 4 ranks: explore ${ARGN}")
endfunction()

# The benchmark machine: NEW holds everything; OLD violates P1 and P3 (with --no-stop in one
# search; without it the search stops at P1's level and P3 is searched again with P1 off).
same_as_one_process(--bench devexcl-core --sem new --no-stop)
same_as_one_process(--bench devexcl-core --sem old --no-stop)
same_as_one_process(--bench devexcl-core --sem old)
# A state limit cuts a level at the same state on any number of ranks (exit 3).
same_as_one_process(--bench devexcl-core --sem new --max-states 3000)

# The main model: linux-6.14's expected violations, shortest first; everything and stopping.
set(SMALL --universe mms=1,pages=2,folios=2,swap=1 --values 1 --op mmap --op cpu_write
    --op cpu_read --op dev_exclusive --op offline --op reclaim --op migrate
    --restrict prot=rw --liveness none)
same_as_one_process(--profile linux-6.14 ${SMALL})
same_as_one_process(--profile linux-6.14 ${SMALL} --stop-at-violation)

# Usage: --mpi leaves out what needs the whole graph in one process.
execute_process(COMMAND ${MMCHECK} explore --mpi --bench devexcl-core --sem new --jobs 2
                RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
if(NOT rc EQUAL 2 OR NOT err MATCHES "--mpi excludes --jobs")
  message(FATAL_ERROR "--mpi --jobs 2: exit ${rc}, expected 2\n${err}")
endif()
