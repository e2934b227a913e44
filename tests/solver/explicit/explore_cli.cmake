# SPDX-License-Identifier: GPL-2.0
# mmcheck explore on the main model from the command line: exit statuses, one-line errors for
# bad usage, counterexample traces in --out that `mmcheck replay` reproduces, the offline lasso
# on linux-6.14 and none on linux-6.15. Tiny universes: each run takes well under a second.
include(${SOURCE_DIR}/tests/cli/cli_helpers.cmake)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})


set(TINY --universe mms=1,pages=2,folios=2,swap=1 --values 1 --op mmap --op cpu_write
    --op cpu_read --op dev_exclusive --op offline --op reclaim --op migrate --restrict prot=rw)

# Bad usage: exit 2, one line naming the culprit.
run(2 explore)
expect_one_line_error("--profile")
run(2 explore --profile no-such-kernel)
expect_one_line_error("no-such-kernel")
run(2 explore --profile linux-6.15 --op no_such_op)
expect_one_line_error("no_such_op.*accepted: mmap")
run(2 explore --profile linux-6.15 --restrict kind=weird)
expect_one_line_error("weird.*private")
run(2 explore --profile linux-6.15 --universe mms=9)
expect_one_line_error("mms=9")
run(2 explore --profile linux-6.15 --property no-such-property)
expect_one_line_error("no-such-property")
run(2 explore --profile linux-6.15 --liveness sometimes)
expect_one_line_error("sometimes.*offline")

# linux-6.14: the expected violations, shortest first, written as traces that replay.
run(0 explore --profile linux-6.14 ${TINY} --out ${WORK}/cx)
expect_match("${OUT}" "mapcount-matches-mappings +VIOLATED \\(expected\\), 2 ops")
expect_match("${OUT}" "offline-empties-frame-0 +VIOLATED.*cycle \\(1\\): offline folio=@mm0:p0")
expect_match("${OUT}" "verdict +as expected")
if(NOT EXISTS ${WORK}/cx/mapcount-matches-mappings.mmtrace)
  message(FATAL_ERROR "no counterexample trace written")
endif()
run(0 replay ${WORK}/cx/mapcount-matches-mappings.mmtrace)
expect_match("${OUT}" "violates mapcount-matches-mappings at step 2.*as expected")
run(0 replay ${WORK}/cx/lasso-offline-empties-frame-0.mmtrace)

# --liveness with no value means the default checks (the README's example writes it so).
run(0 explore --profile linux-6.14 ${TINY} --liveness --out ${WORK}/cx-default-liveness)
expect_match("${OUT}" "offline-empties-frame-0 +VIOLATED")
expect_match("${OUT}" "reclaim-empties-frame-0 +VIOLATED")

# linux-6.15: nothing violated, no lasso. The JSON report parses back, in its envelope.
run(0 explore --profile linux-6.15 ${TINY} --format json)
expect_json("${OUT}" "mmcheck-explore" format)
expect_json("${OUT}" 1 version)
expect_json("${OUT}" "linux-6.15" profile)
expect_json("${OUT}" "complete" status)
expect_json("${OUT}" ON as_expected)
expect_json("${OUT}" 0 exit_status)
string(JSON states GET "${OUT}" states)
string(JSON levels LENGTH "${OUT}" level_sizes)
string(JSON diameter GET "${OUT}" diameter)
math(EXPR level_count "${diameter} + 1")
if(NOT states GREATER 1 OR NOT levels EQUAL level_count)
  message(FATAL_ERROR "states ${states}, ${levels} level sizes for diameter ${diameter}:\n${OUT}")
endif()
string(JSON safety LENGTH "${OUT}" safety)
math(EXPR last "${safety} - 1")
foreach(i RANGE ${last})
  string(JSON verdict GET "${OUT}" safety ${i} verdict)
  if(verdict STREQUAL "violated")
    message(FATAL_ERROR "linux-6.15 shows a violation:\n${OUT}")
  endif()
endforeach()
string(JSON liveness LENGTH "${OUT}" liveness)
if(NOT liveness GREATER 0)
  message(FATAL_ERROR "no liveness verdicts:\n${OUT}")
endif()

# The stop rule: the main model explores everything unless told; both rules at once is an error.
run(0 explore --profile linux-6.14 ${TINY} --liveness none --format json)
expect_json("${OUT}" "complete" status)
run(0 explore --profile linux-6.14 ${TINY} --liveness none --stop-at-violation --format json)
expect_json("${OUT}" "stopped-at-violation" status)
run(2 explore --profile linux-6.14 ${TINY} --stop-at-violation --no-stop)
expect_one_line_error("--stop-at-violation and --no-stop")

# The benchmark machine: stops at the first violation unless told, verdicts as spec §6 expects
# (bench/devexcl/expected.toml), its own report format.
run(0 explore --bench devexcl-core --sem old --format json)
expect_json("${OUT}" "mmcheck-explore-bench" format)
expect_json("${OUT}" 1 version)
expect_json("${OUT}" "stopped-at-violation" status)
expect_json("${OUT}" "P1" safety 0 label)
expect_json("${OUT}" "violated" safety 0 verdict)
expect_json("${OUT}" "make_device_exclusive(mm0,va0)" safety 0 counterexample 0)
expect_json("${OUT}" "P3" safety 2 label)
expect_json("${OUT}" "P1 not asserted" safety 2 note)
expect_json("${OUT}" "reclaim(f0)" safety 2 counterexample 2)
run(0 explore --bench devexcl-core --sem new --no-stop --format json)
expect_json("${OUT}" "complete" status)
expect_json("${OUT}" 57110 states)
expect_json("${OUT}" 704444 edges)
expect_json("${OUT}" "holds" liveness 0 verdict)
run(2 explore --bench devexcl-core --sem new --profile linux-6.15)
expect_one_line_error("exclude each other")
run(2 explore --profile linux-6.15 --sem new)
expect_one_line_error("--sem applies only to --bench")

# A knob override brings the 6.14 mapcount behaviour back: unexpected on 6.15 (exit 1).
run(1 explore --profile linux-6.15 ${TINY} --knob device_exclusive_mapcount=dropped)
expect_match("${OUT}" "UNEXPECTED")

# Symmetry: fewer or equal states, same verdict; limits give exit 3.
run(0 explore --profile linux-6.14 ${TINY} --symmetry --liveness none)
expect_match("${OUT}" "symmetry swap slots")
expect_match("${OUT}" "symmetry +trivial: these groups have no renaming")
run(0 explore --profile linux-6.14 --universe mms=1,pages=2,folios=2,swap=2 --values 1 --op mmap
    --op cpu_write --op reclaim --restrict prot=rw --symmetry swap --liveness none)
expect_match("${OUT}" "symmetry +exact: each of the 1 renamings is a bisimulation")
# Folio-slot renaming is checked after the search; first-fit migration breaks it: exit 3 with
# the witness, and the counterexamples are still printed.
run(3 explore --profile linux-6.14 ${TINY} --symmetry folios --liveness none --format json)
expect_json("${OUT}" OFF symmetry_check exact)
string(JSON witness GET "${OUT}" symmetry_check witness)
expect_match("${witness}" "^renaming \\[block 0->1")
run(2 explore --profile linux-6.15 --symmetry swap,frames)
expect_one_line_error("frames.*accepted: swap, mms, folios")
run(3 explore --profile linux-6.15 ${TINY} --max-states 10)
expect_match("${OUT}" "INCONCLUSIVE")
# --max-depth N judges levels 0..N and expands none of level N: linux-6.14's mapcount bug needs
# two ops (mmap, dev_exclusive), so it is found within depth 2 and not within depth 1.
run(3 explore --profile linux-6.14 ${TINY} --max-depth 1)
expect_match("${OUT}" "search +limit-reached: max depth")
expect_match("${OUT}" "per level +1 7 \\(partial\\)")
expect_match("${OUT}" "mapcount-matches-mappings +not violated before the stop \\(expected violated; not reached before the stop\\)")
expect_match("${OUT}" "INCONCLUSIVE: the max depth limit stopped the search")
run(3 explore --profile linux-6.14 ${TINY} --max-depth 2)
expect_match("${OUT}" "mapcount-matches-mappings +VIOLATED \\(expected\\), 2 ops")
run(2 explore --profile linux-6.14 ${TINY} --max-depth -1)
expect_one_line_error("--max-depth")
