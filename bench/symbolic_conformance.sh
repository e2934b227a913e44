#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The exhaustive concrete/symbolic conformance (tests/solver/smt/
# exhaustive_conformance_test.cpp): every state of the BMC universes within
# DEPTH steps of the prologue (default 1) and every transition from them,
# compared with the symbolic step, for every built-in profile the symbolic
# model accepts and every value of every knob it accepts at any value; the
# strengthening invariants of k-induction on every such state.
# Usage: bench/symbolic_conformance.sh [depth]   BUILD_DIR=<dir> (default build/)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BUILD_DIR:-build}
cmake --build "$dir" --target mmcheck_exhaustive_tests -j "${JOBS:-2}" >&2
echo "exhaustive symbolic conformance, depth ${1:-1}, $(nproc) CPU(s), load $(cut -d' ' -f1-3 /proc/loadavg)"
MMCHECK_EXHAUSTIVE_DEPTH=${1:-1} "$dir/tests/mmcheck_exhaustive_tests"
