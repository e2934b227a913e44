# SPDX-License-Identifier: GPL-2.0
# Bad input files and arguments on the command line (issue 14): each gets one
# line naming the file (file:line:col) or the option, exit 2, and no crash.
include(${CMAKE_CURRENT_LIST_DIR}/cli_helpers.cmake)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

# An unknown command is named, with the commands there are.
run(2 no-such-command)
expect_one_line_error("^mmcheck: error: unknown command 'no-such-command' \\(commands: ops, .*replay")
run(2)
expect_one_line_error("^mmcheck: error: a command is required: ops, ")

# Item 1: a series with base = "" crashed (--profile FILE and a trace's profile line).
file(WRITE ${WORK}/empty-base.toml
     "[series]\nname = \"s\"\ndoc = \"d\"\nbase = \"\"\n[[patch]]\nnumber = 1\ntitle = \"t\"\n")
run(2 scenarios --profile ${WORK}/empty-base.toml)
expect_one_line_error("empty-base.toml:4:8: 'base' is empty")
file(READ ${SOURCE_DIR}/tests/corpus/hmm-exclusive.mmtrace trace)
string(REGEX REPLACE "\nprofile [^\n]*\n" "\nprofile empty-base.toml\n" with_profile "${trace}")
file(WRITE ${WORK}/with-profile.mmtrace "${with_profile}")
run(2 replay ${WORK}/with-profile.mmtrace)
expect_one_line_error("with-profile.mmtrace:[0-9]+:9: .*empty-base.toml:4:8: 'base' is empty")

# Item 2: a misspelled property in [[expect]] is an error at load.
file(WRITE ${WORK}/typo.toml "[profile]\nname = \"typo\"\ndoc = \"d\"\nkernel = \"k\"\n"
     "base = \"linux-6.14\"\n[[expect]]\nproperty = \"mapcount-matches-mapping\"\n"
     "fixed_by = \"x\"\n")
run(2 scenarios --profile ${WORK}/typo.toml)
expect_one_line_error("typo.toml:7:12: unknown property or lemma 'mapcount-matches-mapping'")

# Item 3: --restrict outside the universe.
run(2 explore --profile linux-6.15 --universe mms=1,pages=2 --restrict va=99)
expect_one_line_error("--restrict va=99: 99 is out of range 0..1 for universe mms=1,pages=2")

# Item 6: a knob line that contradicts the profile, also with two --profile.
string(REGEX REPLACE "\nexpect " "\nknob make_exclusive_lock=lock-retry\nexpect " knobbed "${trace}")
file(WRITE ${WORK}/knob.mmtrace "${knobbed}")
run(2 replay ${WORK}/knob.mmtrace --profile linux-6.14 --profile linux-6.15)
expect_one_line_error(
  "knob.mmtrace:[0-9]+:6: knob make_exclusive_lock=lock-retry: contradictory knobs on profile 'linux-6.14")

# Item 7: endless and oversized inputs stop at the limit, at once.
run(2 replay /dev/zero)
expect_one_line_error("^/dev/zero: trace file is larger than 1 MiB, the limit for a trace file")
run(2 scenarios --profile /dev/zero)
expect_one_line_error("^/dev/zero: profile file is larger than 1 MiB, the limit for a profile file")

# Item 10: a directory is a directory; a NUL byte and raw bytes are escaped.
run(2 replay ${WORK})
expect_one_line_error("cli_bad_input: is a directory, not a trace file")
string(ASCII 1 27 ctl)
file(WRITE ${WORK}/binary.mmtrace "mmtrace 1\nprofil${ctl}[2J linux-6.14\n")
run(2 replay ${WORK}/binary.mmtrace)
expect_one_line_error("binary.mmtrace:2:1: expected 'profile', got 'profil\\\\x01\\\\x1b\\[2J'")
if(ERR MATCHES "${ctl}")
  message(FATAL_ERROR "raw control bytes echoed: ${ERR}")
endif()
