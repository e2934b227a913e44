# SPDX-License-Identifier: GPL-2.0
# Command-line smoke test: listings work; bad input gives a one-line error
# and exit status 2; the scenario run matches every expected verdict.
include(${CMAKE_CURRENT_LIST_DIR}/cli_helpers.cmake)

run(0 ops)
expect_match("${OUT}" "make_device_exclusive")
run(0 knobs)
expect_match("${OUT}" "device_exclusive_mapcount = dropped.kept")
run(0 profiles)
expect_match("${OUT}" "hildenbrand-v2-16")
run(0 properties)
expect_match("${OUT}" "mapcount-matches-mappings")
run(0 scenarios --scenario bug-03-unswappable-exclusive)
expect_match("${OUT}" "linux-6.14 +symptom +symptom +ok")
expect_match("${OUT}" "0 mismatched")

run(2 scenarios --profile linux-9.99)
expect_match("${ERR}" "unknown profile 'linux-9.99'")
run(2 scenarios --knob device_exclusive_mapcount=sometimes)
expect_match("${ERR}" "accepted: dropped, kept")
run(2 scenarios --knob make_exclusive_lock=lock-retry --profile linux-6.14)
expect_match("${ERR}" "contradictory knobs")
run(2 scenarios --scenario no-such-scenario)
expect_match("${ERR}" "unknown scenario")
run(2 no-such-command)
run(2 scenarios --universe mms=0)
expect_match("${ERR}" "universe: mms=0 is out of range")
run(2 scenarios --universe pages=100000)
expect_match("${ERR}" "pages=100000 is out of range")
run(2 scenarios --universe pages=2,pmd_order=1 --scenario bug-03-unswappable-exclusive)
expect_match("${ERR}" "is not enabled in this state")
run(0 scenarios --universe mms=2,pages=8,folios=8,swap=8,devices=2 --scenario bug-12-fork-enomem)

# A profile file with an error is reported as file:line:col.
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/bad-profile.toml
     "[profile]\nname = \"x\"\ndoc = \"d\"\nkernel = \"k\"\n[knobs]\nbogus = \"1\"\n")
run(2 scenarios --profile ${CMAKE_CURRENT_BINARY_DIR}/bad-profile.toml)
expect_match("${ERR}" "bad-profile.toml:6:1: unknown knob 'bogus'")

# A knob override changes the expectation with the semantics: 6.15 with the
# mapcount dropped again shows the symptom, and it is expected there.
run(0 scenarios --profile linux-6.15 --knob device_exclusive_mapcount=dropped
    --knob make_exclusive_impl=single-folio-walk --scenario bug-03-mapcount-dropped)
expect_match("${OUT}" "dropped\\+make_exclusive_impl=single-folio-walk +symptom +symptom +ok")

# Traces: the corpus replays as expected; a wrong expectation is exit 1; a
# malformed trace is exit 2 with file:line:col.
run(0 replay -q ${SOURCE_DIR}/tests/corpus/bug-03-mapcount-dropped.mmtrace
    ${SOURCE_DIR}/tests/corpus/hmm-exclusive.mmtrace)
expect_match("${OUT}" "2 traces: 2 as expected, 0 not")
file(READ ${SOURCE_DIR}/tests/corpus/bug-03-mapcount-dropped.mmtrace text)
string(REPLACE "expect violates mapcount-matches-mappings" "expect holds" text "${text}")
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/wrong.mmtrace "${text}")
run(1 replay ${CMAKE_CURRENT_BINARY_DIR}/wrong.mmtrace)
expect_match("${OUT}" "NOT as expected")
string(REPLACE "value=7" "value=seven" text "${text}")
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/bad.mmtrace "${text}")
run(2 replay ${CMAKE_CURRENT_BINARY_DIR}/bad.mmtrace)
expect_match("${ERR}" "bad.mmtrace:[0-9]+:[0-9]+: value='seven' is not a number")
run(2 replay ${CMAKE_CURRENT_BINARY_DIR}/does-not-exist.mmtrace)
expect_match("${ERR}" "cannot open trace file")
run(0 replay ${SOURCE_DIR}/tests/corpus/bug-03-mapcount-dropped.mmtrace
    --profile hildenbrand-v2-15 --profile hildenbrand-v2-16)
expect_match("${OUT}" "first difference: verdict")
run(0 render ${SOURCE_DIR}/tests/corpus/hmm-exclusive.mmtrace --dot)
expect_match("${OUT}" "^digraph mmtrace")
run(0 export ${SOURCE_DIR}/tests/corpus/hmm-exclusive.mmtrace --itf
    --out ${CMAKE_CURRENT_BINARY_DIR}/hmm-exclusive.itf.json)
file(READ ${CMAKE_CURRENT_BINARY_DIR}/hmm-exclusive.itf.json itf)
expect_match("${itf}" "\"format\": \"ITF\"")
