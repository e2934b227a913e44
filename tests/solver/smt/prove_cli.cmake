# `mmcheck prove` from the command line: verdicts against [[expect]], the exit
# statuses of DESIGN.md §2.5, and one-line usage errors. Run by CTest as
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
expect_match("${OUT}" "\"verdict\": \"refuted\", \"expected_refutation\": true")
expect_match("${OUT}" "\"exit_status\": 0")

run(0 prove --list)
expect_match("${OUT}" "pvmw-ttu-sync-keeps-kind +TTU_SYNC")

run(2 prove --lemma no-such-lemma)
expect_match("${ERR}" "unknown lemma 'no-such-lemma' \\(accepted: .*pvmw-match-sound.*all\\)")
run(2 prove --profile linux-9.99)
expect_match("${ERR}" "unknown profile 'linux-9.99'")
run(2 prove --depth 4)
expect_match("${ERR}" "not built yet")
run(2 prove --induction)
expect_match("${ERR}" "not built yet")
run(2 prove --timeout 0)
expect_match("${ERR}" "--timeout")
run(2 prove --format xml)
