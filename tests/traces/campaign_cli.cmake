# SPDX-License-Identifier: GPL-2.0
# mmcheck campaign | merge | shrink from the command line: exit statuses,
# one-line errors for bad input, traces and reports on disk, determinism,
# shards and merge, RapidCheck's reproduce string, and an interrupted run.
# Runs are bounded by --cases (deterministic) and tiny budgets.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

include(${CMAKE_CURRENT_LIST_DIR}/../cli/cli_helpers.cmake)

# The steps of a trace file (everything after its question line).
function(trace_steps file var)
  file(READ ${file} text)
  string(REGEX REPLACE ".*\nquestion [^\n]*\n" "" steps "${text}")
  set(${var} "${steps}" PARENT_SCOPE)
endfunction()

set(SMALL --seed 1 --budget 30s --cases 2000 --jobs 1)

# 6.14: the mapcount bug is found and shrunk to two steps; exit 0.
run(0 campaign --profile linux-6.14 --property mapcount-matches-mappings ${SMALL} --out ${WORK}/a)
# The default table is for mail: a block a profile, no line over 75 columns
# (but for the paths and the universe, which are as long as they are).
expect_match("${OUT}" "\nlinux-6.14 \\([0-9]+ steps\\)\n  mapcount-matches-mappings +expected, found, 2 steps\n    linux-6.14--mapcount-matches-mappings.mmtrace\n")
expect_match("${OUT}" "\ntraces in ${WORK}/a/\n")
string(REPLACE "\n" ";" lines "${OUT}")
foreach(line IN LISTS lines)
  string(LENGTH "${line}" width)
  if(width GREATER 75 AND NOT line MATCHES "^(  out |traces in |reports: )")
    message(FATAL_ERROR "a line of ${width} columns in the default report:\n${line}")
  endif()
endforeach()
set(TRACE ${WORK}/a/linux-6.14--mapcount-matches-mappings.mmtrace)
trace_steps(${TRACE} steps_a)
expect_match("${steps_a}" "^\n1 mmap mm=mm0 va=0 npages=1 prot=rw kind=private\n2 dev_exclusive dev=dev0 mm=mm0 va=0 npages=1  # violates mapcount-matches-mappings\n$")
file(READ ${WORK}/a/report.json json)
string(JSON verdict GET "${json}" verdict)
if(NOT verdict STREQUAL "as-expected")
  message(FATAL_ERROR "report.json verdict ${verdict}")
endif()
file(READ ${WORK}/a/report.xml xml)
expect_match("${xml}" "<testcase classname=\"linux-6.14\" name=\"mapcount-matches-mappings\">")

# Same seed, profile and universe: byte-identical trace.
run(0 campaign --profile linux-6.14 --property mapcount-matches-mappings ${SMALL} --out ${WORK}/b)
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${TRACE}
                ${WORK}/b/linux-6.14--mapcount-matches-mappings.mmtrace RESULT_VARIABLE differ)
if(differ)
  message(FATAL_ERROR "the same campaign wrote two different traces")
endif()

# The second run in the same directory (--force: it replaces the report) replays the corpus first.
run(0 campaign --profile linux-6.14 --property mapcount-matches-mappings ${SMALL} --out ${WORK}/a --force)
expect_match("${OUT}" "corpus: 1 traces replayed first")
expect_match("${OUT}" "expected, found, 2 steps\n    [^\n]*\\.mmtrace \\(corpus\\)\n")

# RapidCheck's reproduce string replays the failing case.
file(READ ${TRACE} text)
string(REGEX MATCH "RC_PARAMS=\"([^\"]+)\"" _ "${text}")
set(reproduce "${CMAKE_MATCH_1}")
expect_match("${reproduce}" "^reproduce=")
execute_process(COMMAND ${CMAKE_COMMAND} -E env "RC_PARAMS=${reproduce}" ${MMCHECK} campaign
                --profile linux-6.14 --property mapcount-matches-mappings --budget 30s --jobs 1
                --out ${WORK}/reproduced RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "reproduce run: exit ${rc}\n${out}\n${err}")
endif()
trace_steps(${WORK}/reproduced/linux-6.14--mapcount-matches-mappings.mmtrace steps_r)
if(NOT steps_r STREQUAL steps_a)
  message(FATAL_ERROR "the reproduce string gave another trace:\n${steps_r}")
endif()

# 6.15 with the bug put back by knobs: an unexpected violation, exit 1.
run(1 campaign --profile linux-6.15 --knob device_exclusive_mapcount=dropped
    --knob make_exclusive_impl=single-folio-walk --property mapcount-matches-mappings ${SMALL}
    --out ${WORK}/unexpected --wide)
# --wide: one line a row, for a terminal.
expect_match("${OUT}" "linux-6.15\\+device_exclusive_mapcount=dropped\\+make_exclusive_impl=single-folio-walk +mapcount-matches-mappings +UNEXPECTED")
file(GLOB traces ${WORK}/unexpected/*.mmtrace)
list(LENGTH traces n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "expected one trace in ${WORK}/unexpected, got: ${traces}")
endif()
file(READ ${traces} text)
expect_match("${text}" "knob device_exclusive_mapcount=dropped\n")
file(READ ${WORK}/unexpected/report.xml xml)
expect_match("${xml}" "<failure type=\"unexpected\"")

# Shards (by --shard and by GoogleTest's variables, two jobs) and merge.
set(SHARDED --profile linux-6.14 --profile linux-6.15 --property mapcount-matches-mappings
    --property reclaim-makes-progress --seed 9 --budget 30s --cases 300 --jobs 2)
run(0 campaign ${SHARDED} --shard 0/2 --out ${WORK}/s0 --format json)
string(JSON shard GET "${OUT}" shards 0)
if(NOT shard EQUAL 0)
  message(FATAL_ERROR "shard 0 report says shard ${shard}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E env GTEST_SHARD_INDEX=1 GTEST_TOTAL_SHARDS=2
                ${MMCHECK} campaign ${SHARDED} --out ${WORK}/s1 RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "shard 1: exit ${rc}\n${out}")
endif()
expect_match("${out}" "shard 1/2")
run(0 merge ${WORK}/s0 ${WORK}/s1/report.json --out ${WORK}/merged)
expect_match("${OUT}" "merged 2 reports: shards 0,1 of 2")
expect_match("${OUT}" "\nlinux-6.14 \\([0-9]+ steps\\)\n  mapcount-matches-mappings +expected, found, [0-9]+ steps\n")
if(NOT EXISTS ${WORK}/merged/linux-6.14--mapcount-matches-mappings.mmtrace OR
   NOT EXISTS ${WORK}/merged/report.json OR NOT EXISTS ${WORK}/merged/report.xml)
  message(FATAL_ERROR "merge did not write its report and traces")
endif()
run(3 merge ${WORK}/s0)
expect_match("${OUT}" "shards 0 of 2 \\(incomplete\\)")
run(2 merge ${WORK}/s0 ${WORK}/s0)
expect_one_line_error("shard 0/2 is also in another report")

# shrink: a padded trace comes down to three steps; -v logs the candidates.
file(WRITE ${WORK}/padded.mmtrace
"mmtrace 1
profile linux-6.14
universe mms=2,pages=4,folios=6,swap=4,devices=1,pmd_order=2
expect violates reclaim-makes-progress
question After EXCLUSIVE, can reclaim swap the page out?

1 mmap mm=mm0 va=0 npages=4 prot=rw kind=private
2 cpu_read mm=mm0 va=3
3 madvise mm=mm0 va=0 npages=4 advice=nohugepage
4 cpu_write mm=mm0 va=1 value=7
5 dev_exclusive dev=dev0 mm=mm0 va=1 npages=1
6 reclaim folio=@mm0:p1
")
run(0 shrink ${WORK}/padded.mmtrace -o ${WORK}/shrunk.mmtrace -v)
expect_match("${ERR}" "try removing")
expect_match("${ERR}" "6 -> 3 steps")
trace_steps(${WORK}/shrunk.mmtrace steps_s)
expect_match("${steps_s}" "^\n1 mmap [^\n]*\n2 dev_exclusive [^\n]*\n3 reclaim folio=@mm0:p0\n$")
run(0 shrink ${WORK}/padded.mmtrace)
expect_match("${OUT}" "^# Shrunk by mmcheck shrink from 6 to 3 steps")

# Bad input: one line, exit 2.
run(2 campaign --profile linux-9.99 --out ${WORK}/bad)
expect_one_line_error("unknown profile 'linux-9.99'")
run(2 campaign --property no-such-property --out ${WORK}/bad)
expect_one_line_error("unknown property 'no-such-property'")
run(2 campaign --budget 10x --out ${WORK}/bad)
expect_one_line_error("--budget: expected a duration .*got '10x'")
run(2 campaign --shard 3/2 --out ${WORK}/bad)
expect_one_line_error("bad shard '3/2'")
run(2 campaign --format yaml --out ${WORK}/bad)
expect_one_line_error("unknown format 'yaml'")
run(2 campaign --corpus ${WORK}/no-such-dir --out ${WORK}/bad)
expect_one_line_error("no-such-dir: no such corpus file or directory")
file(WRITE ${WORK}/broken/broken.mmtrace "mmtrace 1\nprofile linux-6.14\nuniverse mms=2\nexpect violates nothing-like-this\n")
run(2 campaign --corpus ${WORK}/broken --out ${WORK}/bad)
expect_one_line_error("broken.mmtrace:4:17: unknown property 'nothing-like-this'")
# An unreadable corpus file: a link to nothing.
file(MAKE_DIRECTORY ${WORK}/unreadable)
file(CREATE_LINK ${WORK}/nowhere ${WORK}/unreadable/gone.mmtrace SYMBOLIC)
run(2 campaign --corpus ${WORK}/unreadable --out ${WORK}/bad)
expect_one_line_error("gone.mmtrace: cannot open trace file")
run(2 shrink ${WORK}/no-such.mmtrace)
expect_one_line_error("no-such.mmtrace: cannot open trace file")
file(WRITE ${WORK}/clean.mmtrace
"mmtrace 1
profile linux-6.15
universe mms=2,pages=4,folios=6,swap=4,devices=1,pmd_order=2
expect holds
question q

1 mmap mm=mm0 va=0 npages=4 prot=rw kind=private
")
run(2 shrink ${WORK}/clean.mmtrace)
expect_one_line_error("nothing to shrink")
run(2 merge ${WORK}/padded.mmtrace)
expect_one_line_error("padded.mmtrace: not valid JSON")

# SIGTERM in the middle: exit 3, the report so far and the traces stay.
execute_process(COMMAND timeout --preserve-status -s TERM 3 ${MMCHECK} campaign --profile linux-6.15 --profile niethe-v1
                --seed 4 --budget 10m --jobs 2 --out ${WORK}/interrupted
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 3)
  message(FATAL_ERROR "interrupted campaign: exit ${rc}, expected 3\n${out}\n${err}")
endif()
expect_match("${err}" "interrupted: report as of [0-9-]+ [0-9:]+ in ${WORK}/interrupted")
file(READ ${WORK}/interrupted/report.json json)
string(JSON interrupted GET "${json}" interrupted)
string(JSON verdict GET "${json}" verdict)
if(NOT interrupted OR NOT verdict STREQUAL "inconclusive")
  message(FATAL_ERROR "interrupted report: interrupted=${interrupted} verdict=${verdict}")
endif()
