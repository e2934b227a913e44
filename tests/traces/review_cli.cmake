# SPDX-License-Identifier: GPL-2.0
# mmcheck diff and verify-series on the command line (issue 15): exit statuses, the
# divergence and its side-by-side view, the exhaustive "no divergence", the series table
# (75 columns) and a deliberately broken series.
include(${CMAKE_CURRENT_LIST_DIR}/../cli/cli_helpers.cmake)
file(MAKE_DIRECTORY ${WORK})

# Fails when a line of OUT is longer than 75 columns (file(STRINGS) splits lines only at
# newlines, whatever the text holds).
function(expect_at_most_75_columns what)
  file(WRITE ${WORK}/out.txt "${OUT}")
  file(STRINGS ${WORK}/out.txt long LENGTH_MINIMUM 76)
  if(long)
    message(FATAL_ERROR "mmcheck ${what}: lines longer than 75 columns:\n${long}")
  endif()
endfunction()

# Two equal profiles: no divergence, and the BFS says it was exhaustive.
run(0 diff linux-6.15 linux-6.15 --op mmap --op cpu_write --op dev_exclusive --op reclaim)
expect_match("${OUT}" "no divergence, exhaustive")
# 6.14 vs 6.15: a divergence, its first step marked, a summary, the trace written.
run(1 diff linux-6.14 linux-6.15 --out ${WORK}/d.mmtrace)
expect_match("${OUT}" "divergence in [0-9]+ steps? \\(shortest in this universe\\)")
expect_match("${OUT}" "<== first difference: ")
expect_match("${OUT}" "At step [0-9]+, `")
file(READ ${WORK}/d.mmtrace trace)
expect_match("${trace}" "profile linux-6.14")
# The written trace replays, and replay marks the same first difference.
run(0 replay ${WORK}/d.mmtrace --profile linux-6.14 --profile linux-6.15)
expect_match("${OUT}" "<== first difference: ")
run(1 diff linux-6.14 linux-6.15 --format json)
expect_match("${OUT}" "\"verdict\": \"divergence\"")
expect_match("${OUT}" "\"first_divergent_step\": [1-9]")
# A BFS cut short and no random search: inconclusive.
run(3 diff linux-6.15 linux-6.15 --engine explore --max-states 5)
expect_match("${OUT}" "inconclusive")
run(2 diff linux-6.14 linux-6.15 --ignore events)
expect_one_line_error("unknown class of difference 'events'")
run(2 diff linux-6.14)
run(2 diff linux-6.14 no-such-profile)
expect_one_line_error("unknown profile 'no-such-profile'")

# verify-series: bad input.
run(2 verify-series no-such-series)
expect_one_line_error("unknown series 'no-such-series' \\(built-in: .*hildenbrand-v2")
file(WRITE ${WORK}/bad.toml "[series]\nname = \"x\"\nbase = \"linux-6.14\"\ndoc = \"d\"\n[[patch]]\nnumber = 2\ntitle = \"t\"\n")
run(2 verify-series ${WORK}/bad.toml)
expect_one_line_error("bad.toml:[0-9]+:[0-9]+: patch number 2 out of order")

# The deliberately broken series: 02/03 reintroduces the mapcount bug.
run(1 verify-series ${SOURCE_DIR}/tests/traces/broken-series.toml --budget 4s --seed 1 --jobs 2)
expect_match("${OUT}" "bisectability broken: 02/03 \"mm/rmap: drop the")
expect_match("${OUT}" "02/03  *mm/rmap: [^\n]* -  *A[^\n]* \\+A")
run(1 verify-series ${SOURCE_DIR}/tests/traces/broken-series.toml --budget 4s --seed 1 --jobs 2
    --format json)
expect_match("${OUT}" "\"verdict\": \"unexpected\"")
expect_match("${OUT}" "\"breaks_bisectability\": \"02/03 [^\n]*introduces mapcount-matches-mappings")

# --explore: a breadth-first search of every prefix; its shortest counterexamples join the
# campaign's corpus. The search finds the reintroduced bug of 02/03 (at depth 2) and nothing
# on the base.
run(1 verify-series ${SOURCE_DIR}/tests/traces/broken-series.toml --budget 2s --seed 1 --jobs 2
    --explore --explore-budget 1s --explore-universe mms=1,pages=2,folios=2,swap=1,devices=1,pmd_order=1)
expect_match("${OUT}" "\nexplore: breadth-first in\n      mms=1,pages=2,[^\n]*, 1s a prefix\n")
expect_match("${OUT}" "\nbase explore: (exhaustive,|cut short at) [0-9]+ states, 0 violated\n")
expect_match("${OUT}" "\n02/03 explore: (exhaustive,|cut short at) [0-9]+ states, [1-9][0-9]* violated\n")
expect_match("${OUT}" "bisectability broken: 02/03")
expect_at_most_75_columns("verify-series --explore")

# hildenbrand-v2: 01 fixes the hugetlb BUG, 10-12 the garbage-subpage corruption, 16 the
# mapcount/reclaim/migration trio, nothing introduced; every line fits a mail.
run(0 verify-series hildenbrand-v2 --budget 12s --seed 1 --jobs 2)
expect_match("${OUT}" "nothing introduced")
expect_at_most_75_columns("verify-series")
run(0 verify-series hildenbrand-v2 --budget 12s --seed 1 --jobs 2 --format markdown)
expect_match("${OUT}" "\\| 01/17 \\| mm/gup: reject FOLL_SPLIT_PMD with hugetlb VMAs \\| [^|]* \\| no-kernel-bug \\| – \\| yes \\|")
expect_match("${OUT}" "\\| 1[0-2]/17 \\| [^|]* \\| [^|]* \\| no-memory-corruption \\| – \\| yes \\|")
expect_match("${OUT}" "\\| 16/17 \\| [^|]* \\| [^|]* \\| mapcount-matches-mappings, reclaim-makes-progress, migration-makes-progress \\| – \\| yes \\|")

# The listings fit a mail unless --wide.
foreach(listing ops knobs profiles properties)
  run(0 ${listing})
  expect_at_most_75_columns(${listing})
endforeach()
run(0 knobs --wide)
expect_match("${OUT}" "\n    kernel: hildenbrand-v2 01/17 mm/gup: reject FOLL_SPLIT_PMD with hugetlb VMAs \\(")

# report --since: a run compared with itself has nothing new and nothing fixed.
run(0 campaign --profile linux-6.15 --budget 1s --seed 1 --jobs 1 --out ${WORK}/run1 --force)
run(0 report ${WORK}/run1 --since ${WORK}/run1/report.json)
expect_match("${OUT}" "0 new, 0 fixed, 0 still failing")
run(0 report ${WORK}/run1 --since ${WORK}/run1 --format json)
expect_match("${OUT}" "\"new\": \\[\\]")
run(2 report ${WORK}/run1 --since ${WORK}/no-such-run)
expect_one_line_error("no-such-run")
