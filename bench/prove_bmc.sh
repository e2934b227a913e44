#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Bounded model checking of the symbolic subset (solver/smt/bmc.h) in the BMC
# universe (mms=2 for fork, 2 pages, 3 folios, 2 swap slots, 1 device), every
# symbolic property at once, Release build in build-bench-smt/:
#  1. the depth reached within the budget (default 60 s) on linux-6.15, on
#     mainline and niethe-v6 with one device-private page (--device-pages 1),
#     for this build and, with BEFORE=<mmcheck binary>, for another one: the
#     table "depth reached in 60 s, before / after";
#  2. linux-6.14: the depth and time of each expected violation's
#     counterexample (the shortest depth: BMC asks depth by depth);
#  3. bug 17 on niethe-v6-type-losing-downgrade (--device-pages 1): its depth
#     and time;
#  4. k-induction (--induction --depth 1) of mapcount-matches-mappings on
#     linux-6.15, the whole alphabet, each per-op query of the step case
#     bounded by IND_TIMEOUT (default 600 s): the verdict, the wall and CPU
#     time, and the slowest per-op queries (the -v lines);
#  5. the same questions with --engine explicit (breadth-first search over the
#     concrete model, solver/smt/bmc_explicit.cpp): for the three profiles of
#     part 1 the depth judged within the budget, or "every depth" when the
#     search saw every reachable state, with states, levels, seconds, CPU
#     seconds and peak memory; linux-6.14's three bugs and bug 17 with their
#     depths and times.
# "Depth reached" for this build: one run `prove --depth 64 --budget B -v`, the
# last depth whose query finished (the -v statistics lines): the depth, and
# the wall and CPU seconds of that depth alone (on a shared machine the CPU
# time is the figure load does not inflate). For BEFORE, whose
# BMC starts afresh at each depth: the largest D whose `prove --depth D`
# finishes within the budget (one run per depth).
# Usage: bench/prove_bmc.sh [budget-seconds]   BEFORE=<binary> adds the
# before column; JOBS=<n> sets the build parallelism (default 2);
# BUILD_DIR=<dir> uses an existing build's cli/mmcheck instead of building
# the Release one; PARTS="1 2 3 4 5" selects the parts; PROVE_JOBS=<n> runs
# parts 1-3 of this build with `prove --jobs n` (each depth's query as four
# cubes on n threads; default: prove's, one per core up to 4).
set -euo pipefail
cd "$(dirname "$0")/.."
budget=${1:-60}
dir=${BUILD_DIR:-build-bench-smt}
parts=${PARTS:-"1 2 3 4 5"}

if [ -z "${BUILD_DIR:-}" ]; then
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMMCHECK_BUILD_TESTS=OFF \
    -DMMCHECK_BUILD_BENCH=OFF >/dev/null
  cmake --build "$dir" --target mmcheck -j "${JOBS:-2}" >&2
fi
bin="$dir/cli/mmcheck"
echo "mmcheck prove --depth (BMC), $dir ($(grep -o "CMAKE_BUILD_TYPE:STRING=.*" "$dir/CMakeCache.txt" | cut -d= -f2)), $(nproc) CPU(s), load $(cut -d' ' -f1-3 /proc/loadavg)"
TIMEFORMAT='%R'
jobs_args=()
[ -n "${PROVE_JOBS:-}" ] && jobs_args=(--jobs "$PROVE_JOBS")
echo "prove --jobs ${PROVE_JOBS:-(default: $(nproc) core(s), at most 4)}"

# depth_after PROFILE [args]: the last depth this build finishes within the budget.
depth_after() {
  local profile=$1; shift
  timeout $((budget + 30)) "$bin" prove --profile "$profile" --depth 64 --budget "${budget}s" \
    --timeout "${budget}s" -v "${jobs_args[@]}" "$@" >"$dir/bmc-after.txt" 2>"$dir/bmc-after.err" || true
  grep -E "^$profile: depth [0-9]+: " "$dir/bmc-after.err" | grep -v '(unknown)' | tail -1 |
    sed -E 's/^[^:]*: depth ([0-9]+): ([0-9.]+) s( \(build [0-9.]+ s, solve [0-9.]+ s, cpu ([0-9.]+) s\))?.*/\1 \2 \4/' || true
}

# depth_before PROFILE [args]: the largest depth whose whole run BEFORE finishes within the budget.
depth_before() {
  local profile=$1; shift
  local reached=0 t rc
  for d in $(seq 1 64); do
    t=$( { time { timeout "$budget" "$BEFORE" prove --profile "$profile" --depth "$d" \
             --timeout "$budget" "$@" >"$dir/bmc-before.txt" 2>&1; echo $? >"$dir/bmc-rc"; }; } 2>&1 )
    rc=$(cat "$dir/bmc-rc")
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ] && [ "$rc" -ne 3 ]; then break; fi
    if grep -q "unknown (proved up to" "$dir/bmc-before.txt"; then break; fi
    reached="$d $t"
  done
  echo "$reached"
}

if [[ " $parts " == *" 1 "* ]]; then
  echo "== depth reached within ${budget} s, every symbolic property =="
  printf '%-34s %-22s %-22s\n' "profile" "before (depth, s)" "after (depth, s, cpu s)"
  for spec in "linux-6.15" "mainline --device-pages 1" "niethe-v6 --device-pages 1"; do
    read -r -a args <<<"$spec"
    after=$(depth_after "${args[@]}")
    before="-"
    [ -n "${BEFORE:-}" ] && before=$(depth_before "${args[@]}")
    printf '%-34s %-22s %-22s\n' "$spec" "${before:-0}" "${after:-0}"
  done
fi

if [[ " $parts " == *" 2 "* ]]; then
  echo "== linux-6.14: each expected violation's counterexample =="
  for prop in mapcount-matches-mappings reclaim-makes-progress migration-makes-progress; do
    t=$( { time { "$bin" prove --profile linux-6.14 --property "$prop" --depth 6 "${jobs_args[@]}" \
             --timeout "$budget" >"$dir/bmc-614.txt" 2>&1; echo $? >"$dir/bmc-rc"; }; } 2>&1 )
    printf '%-28s %6.2f s, exit %d: %s\n' "$prop" "$t" "$(cat "$dir/bmc-rc")" \
      "$(head -1 "$dir/bmc-614.txt" | grep -o 'refuted at depth [0-9]*' || head -1 "$dir/bmc-614.txt")"
  done
fi

if [[ " $parts " == *" 3 "* ]]; then
  echo "== niethe-v6-type-losing-downgrade (--device-pages 1): bug 17's counterexample =="
  t=$( { time { "$bin" prove --device-pages 1 --profile niethe-v6-type-losing-downgrade "${jobs_args[@]}" \
           --property device-private-entry-kind-preserved --depth 6 --timeout 600 \
           >"$dir/bmc-17.txt" 2>&1; echo $? >"$dir/bmc-rc"; }; } 2>&1 )
  printf 'device-private-entry-kind-preserved %6.2f s, exit %d: %s\n' "$t" "$(cat "$dir/bmc-rc")" \
    "$(head -1 "$dir/bmc-17.txt" | grep -o 'refuted at depth [0-9]*' || head -1 "$dir/bmc-17.txt")"
fi

if [[ " $parts " == *" 4 "* ]]; then
  ind_timeout=${IND_TIMEOUT:-600}
  echo "== linux-6.15: k-induction (k = 1), per-op queries of at most ${ind_timeout} s =="
  TIMEFORMAT='%R %U'
  t=$( { time { "$bin" prove --profile linux-6.15 --property mapcount-matches-mappings \
           --depth 1 --induction --timeout "${ind_timeout}s" -v >"$dir/bmc-ind.txt" \
           2>"$dir/bmc-ind.err"; echo $? >"$dir/bmc-rc"; }; } 2>&1 )
  read -r wall cpu <<<"$t"
  printf 'mapcount-matches-mappings --induction: %s s wall, %s s CPU, exit %d: %s\n' "$wall" "$cpu" \
    "$(cat "$dir/bmc-rc")" "$(head -1 "$dir/bmc-ind.txt" | cut -c1-200)"
  echo "slowest step-case queries:"
  grep -E ": step case, last step " "$dir/bmc-ind.err" |
    sed -E 's/^.*last step (.*): (unsat|sat|unknown) in ([0-9.]+) s$/\3 \2 \1/' | sort -rn | head -5
  TIMEFORMAT='%R'
fi

if [[ " $parts " == *" 5 "* ]]; then
  echo "== --engine explicit: depth judged within ${budget} s, every symbolic property =="
  TIMEFORMAT='%R %U'
  printf '%-34s %-12s %-10s %-7s %-9s %-9s %s\n' profile depth states levels "wall s" "cpu s" "peak MB"
  for spec in "linux-6.15" "mainline --device-pages 1" "niethe-v6 --device-pages 1"; do
    read -r -a args <<<"$spec"
    t=$( { time { "$bin" prove --engine explicit --profile "${args[@]}" --depth 100000 \
             --timeout "${budget}s" -v "${jobs_args[@]}" >"$dir/bmc-x.txt" 2>"$dir/bmc-x.err" || true; }; } 2>&1 )
    read -r wall cpu <<<"$t"
    line=$(grep -E ": explicit: " "$dir/bmc-x.err" | tail -1)
    states=$(sed -E 's/.*explicit: ([0-9]+) states in ([0-9]+) levels.*/\1/' <<<"$line")
    levels=$(sed -E 's/.*explicit: ([0-9]+) states in ([0-9]+) levels.*/\2/' <<<"$line")
    peak=$(sed -E 's/.*peak ([0-9]+) MB.*/\1/' <<<"$line")
    if grep -q "every reachable state seen" <<<"$line"; then depth="every"
    else depth=$(sed -E 's/.*levels 0\.\.([0-9]+) judged.*/\1/' <<<"$line"); fi
    printf '%-34s %-12s %-10s %-7s %-9s %-9s %s\n' "$spec" "$depth" "$states" "$levels" "$wall" "$cpu" "$peak"
  done
  TIMEFORMAT='%R'
  for prop in mapcount-matches-mappings reclaim-makes-progress migration-makes-progress; do
    t=$( { time { "$bin" prove --engine explicit --profile linux-6.14 --property "$prop" --depth 6 \
             "${jobs_args[@]}" --timeout "$budget" >"$dir/bmc-614.txt" 2>&1; echo $? >"$dir/bmc-rc"; }; } 2>&1 )
    printf 'linux-6.14 %-28s %6.2f s, exit %d: %s\n' "$prop" "$t" "$(cat "$dir/bmc-rc")" \
      "$(head -1 "$dir/bmc-614.txt" | grep -o 'refuted at depth [0-9]*' || head -1 "$dir/bmc-614.txt")"
  done
  t=$( { time { "$bin" prove --engine explicit --device-pages 1 \
           --profile niethe-v6-type-losing-downgrade "${jobs_args[@]}" \
           --property device-private-entry-kind-preserved --depth 6 --timeout 600 \
           >"$dir/bmc-17.txt" 2>&1; echo $? >"$dir/bmc-rc"; }; } 2>&1 )
  printf 'bug 17 device-private-entry-kind-preserved %6.2f s, exit %d: %s\n' "$t" "$(cat "$dir/bmc-rc")" \
    "$(head -1 "$dir/bmc-17.txt" | grep -o 'refuted at depth [0-9]*' || head -1 "$dir/bmc-17.txt")"
fi
