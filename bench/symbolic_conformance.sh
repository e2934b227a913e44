#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The exhaustive concrete/symbolic conformance (tests/solver/smt/
# exhaustive_conformance_test.cpp): every state of the BMC universes
# reachable from the prologue (breadth-first, no depth bound) and every
# transition from them, compared with the compiled symbolic step, for every
# built-in profile the symbolic model accepts and every value of every knob
# it accepts at any value; the strengthening invariants of k-induction on
# every such state. Prints one line a search: states, BFS levels,
# transitions, comparisons (and those also made through Z3), seconds.
# Usage: bench/symbolic_conformance.sh [MAX_STATES] [GTEST_FILTER]
#   MAX_STATES: bound each search to its first MAX_STATES states in BFS order
#   (default: none, the whole reachable set; a bounded search says INCOMPLETE).
#   BUILD_DIR=<dir> (default build/), VERBOSE=1: a line per BFS level.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BUILD_DIR:-build}
cmake --build "$dir" --target mmcheck_exhaustive_tests -j "${JOBS:-2}" >&2
echo "exhaustive symbolic conformance, max states ${1:-unbounded}, $(nproc) CPU(s)," \
  "load $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${1:-}" ]; then export MMCHECK_EXHAUSTIVE_MAX_STATES=$1; fi
if [ -n "${VERBOSE:-}" ]; then export MMCHECK_EXHAUSTIVE_VERBOSE=1; fi
start=$(date +%s)
"$dir/tests/mmcheck_exhaustive_tests" --gtest_filter="${2:-*}" |
  grep --line-buffered -Ev '^\[ *(RUN|OK) *\]|^Running main|^Note: Google Test filter'
echo "total $(($(date +%s) - start)) s, load $(cut -d' ' -f1-3 /proc/loadavg)"
