#!/usr/bin/env bash
# Bounded model checking of the device-exclusive operations (solver/smt/bmc.h)
# in the BMC universe (mms=2 for fork, 2 pages, 3 folios, 2 swap slots, 1
# device), Release build in build-bench-smt/:
#  1. linux-6.15: the largest depth whose `mmcheck prove --depth D` finishes
#     within the budget (default 60 s per run), for each property in PROPS;
#  2. linux-6.14: the time to the counterexample of each expected violation.
# Usage: bench/prove_bmc.sh [budget-seconds]   PROPS="p1 p2" overrides the
# properties of part 1; JOBS=<n> sets the build parallelism (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
budget=${1:-60}
dir=build-bench-smt
props=${PROPS:-"mapcount-matches-mappings reclaim-makes-progress"}

cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMMCHECK_BUILD_TESTS=OFF \
  -DMMCHECK_BUILD_BENCH=OFF >/dev/null
cmake --build "$dir" --target mmcheck -j "${JOBS:-2}" >&2
bin="$dir/cli/mmcheck"
echo "mmcheck prove --depth (BMC), Release, $(nproc) CPU(s), load $(cut -d' ' -f1-3 /proc/loadavg)"
TIMEFORMAT='%R'

echo "== linux-6.15: depth reached within ${budget} s per run =="
for prop in $props; do
  reached=0
  for d in $(seq 1 64); do
    t=$( { time { timeout "$budget" "$bin" prove --profile linux-6.15 --property "$prop" \
             --depth "$d" --timeout "$budget" >"$dir/bmc-615.txt" 2>&1; echo $? >"$dir/bmc-rc"; }; } 2>&1 )
    rc=$(cat "$dir/bmc-rc")
    if [ "$rc" -ne 0 ]; then
      printf '%-28s depth %2d: exit %d after %6.2f s (stop)\n' "$prop" "$d" "$rc" "$t"
      break
    fi
    printf '%-28s depth %2d: %6.2f s, %s\n' "$prop" "$d" "$t" "$(head -1 "$dir/bmc-615.txt" | cut -c1-90)"
    reached=$d
  done
  echo "$prop: depth $reached reached within ${budget} s"
done

echo "== linux-6.14: time to the counterexample =="
for prop in mapcount-matches-mappings reclaim-makes-progress migration-makes-progress; do
  t=$( { time { "$bin" prove --profile linux-6.14 --property "$prop" --depth 6 \
           --timeout "$budget" >"$dir/bmc-614.txt" 2>&1; echo $? >"$dir/bmc-rc"; }; } 2>&1 )
  rc=$(cat "$dir/bmc-rc")
  printf '%-28s %6.2f s, exit %d: %s\n' "$prop" "$t" "$rc" \
    "$(head -1 "$dir/bmc-614.txt" | grep -o 'refuted at depth [0-9]*.*expected' || head -1 "$dir/bmc-614.txt")"
done
