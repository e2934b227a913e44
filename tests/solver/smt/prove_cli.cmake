# SPDX-License-Identifier: GPL-2.0
# `mmcheck prove` from the command line: verdicts against [[expect]], the exit
# statuses (0 as expected, 1 a refutation, 2 usage, 3 inconclusive; see
# cli/prove_command.cpp), and one-line usage errors. Run by CTest as
# smt_prove_cli (see tests.cmake) with -DMMCHECK=<path to mmcheck>.
include(${CMAKE_CURRENT_LIST_DIR}/../../cli/cli_helpers.cmake)

# Every built-in profile and lemma: all as expected.
run(0 prove)
expect_match("${OUT}" "linux-6.14 +swap-special-types-distinct +proved")
expect_match("${OUT}" "niethe-v2-arch64 +pvmw-encoding-injective +refuted, expected")
expect_match("${OUT}" " 0 unexpected, 0 unknown")

# Bug 14: the witness uses bit 63.
run(0 prove --profile niethe-v2-arch64 --lemma pvmw-encoding-injective)
expect_match("${OUT}" "witness: .*=0x8000000000000000")

# Bug 23: the one-sided check_pte, not expected by linux-6.15, exits 1.
run(1 prove --profile linux-6.15 --knob check_pte_overlap=one-sided
    --lemma check-pte-overlap-exact)
expect_match("${OUT}" "REFUTED, UNEXPECTED .*pte_nr=0x")

run(0 prove --profile niethe-v1 --lemma hmm-pfn-flags-disjoint --format json)
expect_json("${OUT}" "mmcheck-prove" format)
expect_json("${OUT}" "refuted" results 0 verdict)
expect_json("${OUT}" ON results 0 expected_refutation)
expect_match("${OUT}" "\"exit_status\": 0")

run(0 prove --list)
expect_match("${OUT}" "pvmw-ttu-sync-keeps-kind +TTU_SYNC")

run(2 prove --lemma no-such-lemma)
expect_match("${ERR}" "unknown lemma 'no-such-lemma' \\(accepted: .*pvmw-match-sound.*all\\)")
run(2 prove --profile linux-9.99)
expect_match("${ERR}" "unknown profile 'linux-9.99'")
# Bounded model checking (solver/smt/bmc.h): linux-6.14's mapcount bug is
# refuted at depth 1 as expected, the trace is written and its replay on the
# concrete model confirms the violation; linux-6.15 is proved to depth 1.
set(bmc_out "${CMAKE_CURRENT_BINARY_DIR}/prove-bmc-out")
file(REMOVE_RECURSE "${bmc_out}")
run(0 prove --profile linux-6.14 --property mapcount-matches-mappings --depth 1 --out "${bmc_out}")
expect_match("${OUT}" "linux-6.14  mapcount-matches-mappings  refuted at depth 1, expected \\(fixed by hildenbrand-v2 16/17")
expect_match("${OUT}" "replay confirms: folio pfn 0x[0-9a-f]+: mapcount 0 but 1 entries map it")
expect_match("${OUT}" "trace: .*linux-6.14-mapcount-matches-mappings.mmtrace")
file(READ "${bmc_out}/linux-6.14-mapcount-matches-mappings.mmtrace" bmc_trace)
expect_match("${bmc_trace}" "expect violates mapcount-matches-mappings")
expect_match("${bmc_trace}" "3 dev_exclusive dev=dev0 mm=mm0 va=0 npages=")
run(0 replay "${bmc_out}/linux-6.14-mapcount-matches-mappings.mmtrace")
run(0 prove --profile linux-6.15 --property mapcount-matches-mappings --depth 1 --verbose)
expect_match("${OUT}" "linux-6.15  mapcount-matches-mappings  proved up to depth 1")
expect_match("${OUT}" " 1 proved, 0 refuted as expected, 0 unexpected, 0 unknown")
# -v splits each depth's time into building the step and solving, with the CPU time.
expect_match("${ERR}" "linux-6.15: depth 1: [0-9.]+ s \\(build [0-9.]+ s, solve [0-9.]+ s, cpu [0-9.]+ s\\), sat ")
# A depth whose query is cut by the timeout is written once, marked "(unknown)", and never again
# as if it had finished (bench/prove_bmc.sh reads the last unmarked line as the depth reached).
run(3 prove --profile linux-6.15 --property mapcount-matches-mappings --depth 3 --timeout 10ms -v)
string(REGEX MATCH "linux-6.15: depth ([0-9]+): [^\n]*\\(unknown\\)" cut_line "${ERR}")
if(NOT cut_line)
  message(FATAL_ERROR "no depth cut by a 10 ms timeout:\n${ERR}")
endif()
string(REGEX MATCHALL "linux-6.15: depth ${CMAKE_MATCH_1}: " cut_lines "${ERR}")
list(LENGTH cut_lines cut_count)
if(NOT cut_count EQUAL 1)
  message(FATAL_ERROR "the cut depth ${CMAKE_MATCH_1} is written ${cut_count} times:\n${ERR}")
endif()
# An expected violation not reached within the bound is inconclusive (exit 3),
# never "as expected": reclaim of the exclusive folio needs a second step.
run(3 prove --profile linux-6.14 --property reclaim-makes-progress --depth 1 --format json)
expect_match("${OUT}" "\"verdict\": \"proved-bounded\"")
expect_match("${OUT}" "\"outcome\": \"inconclusive\"")
expect_match("${OUT}" "\"exit_status\": 3")
run(2 prove --property no-such-property)
expect_match("${ERR}" "--property: unknown or not symbolic property 'no-such-property' \\(accepted: .*reclaim-makes-progress")
run(2 prove --depth 0)
expect_match("${ERR}" "--depth: expected a whole number in 1..100000")
run(2 prove --depth 65)
expect_match("${ERR}" "--depth 65: at most 64 with --engine sat")
# --engine explicit (solver/smt/bmc_explicit.cpp): the same question by breadth-first search.
# linux-6.14's mapcount bug at depth 1, its trace written and replayed; fork and munmap alone
# on linux-6.15 exhaust their reachable set below the bound: proved at every depth.
file(REMOVE_RECURSE "${bmc_out}")
run(0 prove --engine explicit --profile linux-6.14 --property mapcount-matches-mappings --depth 3
    --out "${bmc_out}" -v)
expect_match("${OUT}" "linux-6.14  mapcount-matches-mappings  refuted at depth 1, expected")
expect_match("${OUT}" "prove --depth 3 --engine explicit: ")
expect_match("${ERR}" "linux-6.14: explicit: level 1 reached: 11 states \\(12 in all\\), [0-9.]+ s")
expect_match("${ERR}" "linux-6.14: explicit: [0-9]+ states in [0-9]+ levels \\(1 11 [0-9 ]+\\), .*stopped at the first violation")
file(READ "${bmc_out}/linux-6.14-mapcount-matches-mappings.mmtrace" bmc_trace)
expect_match("${bmc_trace}" "Found by breadth-first search")
expect_match("${bmc_trace}" "3 dev_exclusive dev=dev0 mm=mm0 va=0 npages=")
run(0 replay "${bmc_out}/linux-6.14-mapcount-matches-mappings.mmtrace")
run(0 prove --engine explicit --profile linux-6.15 --op fork --op munmap --depth 40 --format json)
expect_json("${OUT}" "exhausted" results 0 verdict)
expect_json("${OUT}" "explicit" summary engine)
run(2 prove --engine explicit --induction)
expect_match("${ERR}" "--induction needs --engine sat")
run(2 prove --engine cdcl)
expect_match("${ERR}" "--engine: cdcl not in \{sat,explicit\}")
run(2 prove --depth 1 --lemma all)
expect_match("${ERR}" "--lemma cannot be combined")
run(2 prove --timeout 0)
expect_match("${ERR}" "--timeout")
run(2 prove --format xml)
# The device-private universe (--device-pages 1): one step of every op on
# mainline keeps the pgmap refs balanced; the confusion what-if is not
# encoded (unknown, exit 3); a bad --device-pages is a usage error.
run(0 prove --device-pages 1 --profile mainline --property pgmap-refs-balance --depth 1)
expect_match("${OUT}" "mainline  pgmap-refs-balance  proved up to depth 1")
expect_match("${OUT}" "device_pages=1")
run(3 prove --device-pages 1 --profile niethe-v2-no-pvmw-kind --property pgmap-refs-balance --depth 1)
expect_match("${OUT}" "not encoded: knob pvmw_device_private=none with device-private offsets")
run(2 prove --device-pages 2)
expect_match("${ERR}" "--device-pages: expected a whole number in 0..1; got '2'")
