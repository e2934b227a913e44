#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the libFuzzer targets in fuzz/ with clang (-fsanitize=fuzzer,address,
# undefined) into build-fuzz/ and run each for N seconds (default 60), seeded
# with tests/corpus/*.mmtrace and profiles/*.toml.
# Usage: scripts/fuzz.sh [--seconds N] [--target NAME]...
# Exit status: 0 when no target crashed, 1 when one did (the input is saved
# as build-fuzz/crashes/<target>-crash-<sha1>; make it a regression test),
# 2 for bad usage. Inputs the targets find interesting accumulate in
# build-fuzz/corpus/<target>/ across runs.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) [ $# -ge 2 ] && [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -gt 0 ] ||
                 { echo "fuzz.sh: --seconds needs a positive whole number" >&2; exit 2; }
               seconds=$2; shift 2 ;;
    --target) [ $# -ge 2 ] || { echo "fuzz.sh: --target needs a name" >&2; exit 2; }
              targets+=("$2"); shift 2 ;;
    *) echo "fuzz.sh: unknown option $1 (usage: scripts/fuzz.sh [--seconds N] [--target NAME])" >&2
       exit 2 ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(trace_parser_fuzz profile_loader_fuzz)

# The build's own packages, then clang and its libFuzzer/sanitizer runtimes,
# which only fuzzing needs. apt's chatter goes to stderr.
scripts/install-deps.sh >&2
scripts/install-deps.sh --packages clang-14 libclang-rt-14-dev >&2

dir=build-fuzz
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DMMCHECK_BUILD_FUZZ=ON -DMMCHECK_BUILD_TESTS=OFF -DMMCHECK_BUILD_BENCH=OFF >&2
cmake --build "$dir" -j "$(nproc)" --target "${targets[@]}" >&2

mkdir -p "$dir/crashes"
status=0
for t in "${targets[@]}"; do
  case "$t" in
    trace_parser_fuzz) seeds=(tests/corpus/*.mmtrace) ;;
    profile_loader_fuzz) seeds=(profiles/*.toml) ;;
    *) echo "fuzz.sh: unknown target $t (trace_parser_fuzz, profile_loader_fuzz)" >&2; exit 2 ;;
  esac
  corpus="$dir/corpus/$t"
  mkdir -p "$corpus"
  cp -n "${seeds[@]}" "$corpus/"
  echo "fuzz.sh: $t for ${seconds}s (corpus $corpus)" >&2
  # -timeout: one input taking 10 s is a hang worth reporting.
  if ! "$dir/fuzz/$t" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
       -artifact_prefix="$dir/crashes/$t-" "$corpus" >"$dir/$t.log" 2>&1; then
    status=1
    echo "fuzz.sh: $t FAILED; see $dir/$t.log and $dir/crashes/" >&2
    tail -n 40 "$dir/$t.log" >&2
  else
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$dir/$t.log" | sed "s/^/fuzz.sh: $t: /" >&2 || true
  fi
done
[ $status -eq 0 ] && echo "fuzz.sh: ${#targets[@]} target(s), ${seconds}s each: no crash" >&2
exit $status
