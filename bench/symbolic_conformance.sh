#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The exhaustive concrete/symbolic conformance (tests/solver/smt/
# exhaustive_conformance_test.cpp): every state of the BMC universes
# reachable from the prologue (breadth-first, no depth bound) and every
# transition from them, compared with the compiled symbolic step, for every
# built-in profile the symbolic model accepts and every value of every knob
# it accepts at any value; the strengthening invariants of k-induction on
# every such state. Searches whose symbolic models are the same are grouped:
# one leads, the others follow it by equivalence (every concrete step under
# their knobs on every state it visits; see tests/solver/smt/reachable.h).
# Prints one line a leader (states, BFS levels, transitions, comparisons and
# those also made through Z3, COMPLETE or INCOMPLETE, seconds, CPU seconds,
# peak RSS) and one a follower, then how many searches are complete.
# Usage: bench/symbolic_conformance.sh [MAX_STATES] [GTEST_FILTER]
#   MAX_STATES: bound each search to its first MAX_STATES states in BFS order
#   (empty or absent: none, the whole reachable set; a bounded search that
#   hit the bound says INCOMPLETE).
#   GTEST_FILTER: default the BMC universes (EveryEncodedProfile,
#   EveryValueOfEveryAcceptedKnob); '*SmallUniverse*' the smaller universe
#   CI searches completely, '*SmallDeviceUniverse*' the same with a device
#   page; '*' all.
#   BUILD_DIR=<dir> (default build/), VERBOSE=1: a line per BFS level,
#   THREADS=<n> (default 2), ONLY=<search name>: only that search's class,
#   LAZY=1: evaluate the symbolic tape lazily (ExprTape::Root) instead of
#   every node (the same results, for comparing their cost).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BUILD_DIR:-build}
cmake --build "$dir" --target mmcheck_exhaustive_tests -j "${JOBS:-2}" >&2
echo "exhaustive symbolic conformance, max states ${1:-unbounded}, $(nproc) CPU(s)," \
  "load $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${1:-}" ]; then export MMCHECK_EXHAUSTIVE_MAX_STATES=$1; fi
if [ -n "${VERBOSE:-}" ]; then export MMCHECK_EXHAUSTIVE_VERBOSE=1; fi
if [ -n "${THREADS:-}" ]; then export MMCHECK_EXHAUSTIVE_THREADS=$THREADS; fi
if [ -n "${ONLY:-}" ]; then export MMCHECK_EXHAUSTIVE_ONLY=$ONLY; fi
if [ -n "${LAZY:-}" ]; then export MMCHECK_EXHAUSTIVE_LAZY=1; fi
start=$(date +%s)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
set +e
"$dir/tests/mmcheck_exhaustive_tests" \
  --gtest_filter="${2:-SymbolicConformanceExhaustive.Every*}" 2>&1 | tee "$out" |
  grep --line-buffered -Ev \
    '^\[ *(RUN|OK|PASSED|==========|----------) *\]|^Running main|^Note: Google Test filter|^$'
status=${PIPESTATUS[0]}
set -e
echo "searches: $(grep -c 'COMPLETE' "$out" || true) in all," \
  "$(grep -c ' COMPLETE' "$out" || true) complete," \
  "$(grep -c 'INCOMPLETE' "$out" || true) incomplete" \
  "($(grep -c 'by equivalence' "$out" || true) of them by equivalence)"
echo "total $(($(date +%s) - start)) s, load $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
