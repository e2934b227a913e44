# SPDX-License-Identifier: GPL-2.0
# Bad input about outputs, numbers and durations (issue 14): one line naming the option (and its
# valid range), exit 2, before anything runs; outputs that never destroy what is there; one
# duration syntax for every command; a whole-run budget for prove.
include(${CMAKE_CURRENT_LIST_DIR}/cli_helpers.cmake)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

set(TRACE ${SOURCE_DIR}/tests/corpus/hmm-exclusive.mmtrace)
# A main-model exploration of well under a second that finds mapcount-matches-mappings.
set(TINY --universe mms=1,pages=2,folios=2,swap=1 --values 1 --op mmap --op cpu_write
    --op dev_exclusive --op reclaim --restrict prot=rw --liveness none)
# A campaign of a few hundred cases.
set(SMALL --profile linux-6.14 --property mapcount-matches-mappings --seed 1
    --cases 200 --jobs 1)

# ---- Numbers: refused with the option and its range, never wrapped, clamped or "no limit".
run(2 explore --profile linux-6.14 --max-states -1)
expect_one_line_error(
  "^mmcheck: error: --max-states: expected a whole number in 0..4294967294 \\(0 = no limit\\); got '-1'")
foreach(bad -5 nan inf 1e12 5XB)
  run(2 explore --profile linux-6.14 --max-memory ${bad})
  expect_one_line_error("--max-memory: expected a size in MB in 0..1000000000 \\(0 = no limit\\).*got '${bad}'")
endforeach()
foreach(bad nan -1 0 0s inf 10x)
  run(2 explore --profile linux-6.14 --budget ${bad})
  expect_one_line_error("--budget: expected a duration > 0 and at most 30 days.*got '${bad}'")
endforeach()
run(2 prove --depth -1)
expect_one_line_error("--depth: expected a whole number in 1..100000; got '-1'")
run(2 prove --depth 0)
expect_one_line_error("--depth: expected a whole number in 1..100000; got '0'")
foreach(bad -1 18446744073709551616)
  run(2 campaign --seed ${bad} --out ${WORK}/never)
  expect_one_line_error("--seed: expected a whole number in 0..18446744073709551615; got '${bad}'")
endforeach()
run(2 campaign --cases -3 --out ${WORK}/never)
expect_one_line_error("--cases: expected a whole number in 0..9223372036854775807 \\(0 = no limit\\)")
run(2 campaign --jobs 0 --out ${WORK}/never)
expect_one_line_error("--jobs: expected a whole number in 1..1024; got '0'")
# A budget of nothing is not a clean run.
run(2 campaign --budget 0s --out ${WORK}/never)
expect_one_line_error("--budget: expected a duration > 0 .*got '0s'")
# A key given twice is not "the last one wins".
run(2 campaign --universe mms=2,mms=1 --out ${WORK}/never)
expect_one_line_error("universe: key 'mms' is given twice \\(mms=2, then mms=1\\)")
run(2 explore --profile linux-6.14 --universe pages=2,pages=4)
expect_one_line_error("universe: key 'pages' is given twice")
run(2 scenarios --universe swap=2,swap=2)
expect_one_line_error("universe: key 'swap' is given twice")
if(EXISTS ${WORK}/never)
  message(FATAL_ERROR "a refused campaign created its --out")
endif()

# ---- Durations: one syntax everywhere; a plain number is seconds.
run(0 explore --profile linux-6.14 ${TINY} --budget 10m)
expect_match("${OUT}" "verdict +as expected")
run(0 explore --profile linux-6.14 ${TINY} --budget 600)
run(0 explore --profile linux-6.14 ${TINY} --budget 1.5h --max-memory 2GB --max-states 0)
run(0 campaign ${SMALL} --budget 1m --out ${WORK}/minutes)
expect_match("${OUT}" "budget 1m ")
run(0 campaign ${SMALL} --budget 90 --out ${WORK}/plain)
expect_match("${OUT}" "budget 90s ")
run(0 prove --profile linux-6.14 --lemma swap-entry-round-trip --timeout 30s)
run(0 prove --profile linux-6.14 --lemma swap-entry-round-trip --timeout 30)
run(2 prove --timeout 25h)
expect_one_line_error("--timeout: expected a duration > 0 and at most 24h")

# prove --budget bounds the whole run (--timeout bounds one query): what it stops is unknown,
# exit 3, never a pass.
run(3 prove --profile linux-6.15 --budget 1ms)
expect_match("${OUT}" "unknown .*the whole-run --budget ran out")
expect_match("${OUT}" "the whole-run --budget 1ms ran out\\)\n$")
run(3 prove --profile linux-6.15 --property all --depth 8 --timeout 5 --budget 1ms)
expect_match("${OUT}" "the whole-run --budget 1ms ran out\\)\n$")
run(3 prove --profile linux-6.15 --property all --depth 8 --budget 1ms --format json)
string(JSON ran_out GET "${OUT}" summary budget_ran_out)
if(NOT ran_out)
  message(FATAL_ERROR "prove --format json does not say the budget ran out:\n${OUT}")
endif()
# A budget that suffices changes nothing.
run(0 prove --profile linux-6.14 --property mapcount-matches-mappings --depth 1 --budget 10m)
expect_match("${OUT}" "refuted at depth 1, expected")
# prove --op cuts the BMC alphabet to the named ops: one that is no symbolic op, or a device op
# without --device-pages 1, is refused before the run; dev_exclusive alone finds linux-6.14's
# mapcount bug at depth 1, and an alphabet without it does not reach it (exit 3).
run(2 prove --profile linux-6.14 --depth 1 --op mmap)
expect_one_line_error("^mmcheck: error: --op: 'mmap' is not an op of the symbolic model \\(accepted: munmap, ")
run(2 prove --profile linux-6.14 --depth 1 --op dev_release)
expect_one_line_error("--op: 'dev_release' is not an op of the symbolic model")
run(0 prove --profile linux-6.14 --property mapcount-matches-mappings --depth 1 --op dev_exclusive)
expect_match("${OUT}" "refuted at depth 1, expected")
run(3 prove --profile linux-6.14 --property mapcount-matches-mappings --depth 1 --op cpu_write
    --op munmap)
expect_match("${OUT}" "mapcount-matches-mappings +NOT REACHED up to depth 1 \\(expected")

# ---- Outputs that cannot be written are refused before the run, not after it.
if(IS_DIRECTORY /proc/self)
  # /proc: a directory in which no one can create a file, root included.
  run(2 campaign --profile linux-6.14 --budget 10m --out /proc)
  expect_one_line_error("^mmcheck: error: --out: cannot write into /proc: creating a file there")
  if(NOT OUT STREQUAL "")
    message(FATAL_ERROR "the campaign started before it checked --out:\n${OUT}")
  endif()
  run(2 explore --profile linux-6.14 ${TINY} --out /proc)
  expect_one_line_error("--out: cannot write into /proc")
endif()
run(2 explore --profile linux-6.14 ${TINY} --out ${WORK}/explore-out
    --dump-states ${WORK}/no-such-dir/states.txt)
expect_one_line_error("--dump-states: cannot write ${WORK}/no-such-dir/states.txt")
file(GLOB written ${WORK}/explore-out/*)
if(written)
  message(FATAL_ERROR "explore searched (and wrote ${written}) before it checked --dump-states")
endif()
run(2 explore --profile linux-6.14 ${TINY} --dot ${WORK})
expect_one_line_error("--dot: cannot write ${WORK}: it is a directory")
run(2 export ${TRACE} --itf --out ${WORK}/no-such-dir/x.json)
expect_one_line_error("--out: cannot write ${WORK}/no-such-dir/x.json")
run(2 prove --profile linux-6.14 --property mapcount-matches-mappings --depth 1 --out ${TRACE}/x)
expect_one_line_error("--out: cannot write into ${TRACE}/x")

# ---- Outputs follow links and write into FIFOs in place, replacing neither.
file(WRITE ${WORK}/target.json "old\n")
file(CREATE_LINK target.json ${WORK}/link.json SYMBOLIC)
run(0 export ${TRACE} --itf --out ${WORK}/link.json)
if(NOT IS_SYMLINK ${WORK}/link.json)
  message(FATAL_ERROR "export --out replaced a symbolic link with a file")
endif()
file(READ ${WORK}/target.json itf)
expect_match("${itf}" "\"format\": \"ITF\"")
execute_process(COMMAND mkfifo ${WORK}/fifo RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "mkfifo failed")
endif()
# mmcheck writes into the FIFO while cat reads it (a pipeline runs both at once).
execute_process(COMMAND ${MMCHECK} render ${TRACE} --dot --out ${WORK}/fifo
                COMMAND cat ${WORK}/fifo
                RESULTS_VARIABLE rcs OUTPUT_VARIABLE dot ERROR_VARIABLE err TIMEOUT 60)
if(NOT rcs STREQUAL "0;0")
  message(FATAL_ERROR "render --out FIFO: exits ${rcs}\n${err}")
endif()
expect_match("${dot}" "^digraph mmtrace")
execute_process(COMMAND test -p ${WORK}/fifo RESULT_VARIABLE not_fifo)
if(not_fifo)
  message(FATAL_ERROR "render --out replaced a FIFO with a file")
endif()

# ---- A second campaign into one --out: refused without --force, the first report kept.
run(0 campaign ${SMALL} --out ${WORK}/nightly)
file(READ ${WORK}/nightly/report.json first)
run(2 campaign ${SMALL} --out ${WORK}/nightly)
expect_one_line_error("--out ${WORK}/nightly: it holds the report of an earlier run \\(report.json\\); add --force")
file(READ ${WORK}/nightly/report.json after)
if(NOT after STREQUAL first)
  message(FATAL_ERROR "a refused campaign changed the earlier report")
endif()
run(2 merge ${WORK}/minutes --out ${WORK}/nightly)
expect_one_line_error("add --force")

# ---- The report pair: both files name the same run and revision; a temporary file a killed
# run left (its pid is no process: above pid_max) is removed by the next run.
file(WRITE ${WORK}/nightly/report.xml.tmp.2147483647 "<half")
run(0 campaign ${SMALL} --out ${WORK}/nightly --force)
expect_match("${OUT}" "removed 1 temporary file\\(s\\) a killed run left in ${WORK}/nightly: report.xml.tmp.2147483647")
expect_match("${OUT}" "expected, found, 2 steps\n +linux-6.14--mapcount-matches-mappings\\.mmtrace \\(corpus\\)")  # --force keeps the traces: the corpus
if(EXISTS ${WORK}/nightly/report.xml.tmp.2147483647)
  message(FATAL_ERROR "the stale temporary file is still there")
endif()
file(READ ${WORK}/nightly/report.json json)
string(JSON run_id GET "${json}" timings run_id)
string(JSON revision GET "${json}" timings revision)
file(READ ${WORK}/nightly/report.xml xml)
expect_match("${xml}" "<!-- mmcheck run ${run_id} revision ${revision}: ")
file(GLOB leftovers ${WORK}/nightly/*.tmp.*)
if(leftovers)
  message(FATAL_ERROR "temporary files left: ${leftovers}")
endif()
run(0 merge ${WORK}/minutes --out ${WORK}/nightly --force)
