#!/usr/bin/env bash
# Bounded model checking of the device-exclusive operations (solver/smt/bmc.h)
# in the BMC universe (mms=2 for fork, 2 pages, 3 folios, 2 swap slots, 1
# device), Release build in build-bench-smt/:
#  1. linux-6.15: the largest depth whose `mmcheck prove --depth D` finishes
#     within the budget (default 60 s per run), for each property in PROPS;
#  2. linux-6.14: the time to the counterexample of each expected violation;
#  3. with one device-private page (--device-pages 1, adding dev_migrate_to_dev,
#     dev_migrate_to_sys, dev_release and unlock_folio): the depth reached on
#     mainline and niethe-v6 for the device-private properties, and the time
#     to bug 17's counterexample on niethe-v6-type-losing-downgrade;
#  4. k-induction (--induction --depth 1) of mapcount-matches-mappings on
#     linux-6.15 within the budget.
# Usage: bench/prove_bmc.sh [budget-seconds]   PROPS="p1 p2" overrides the
# properties of part 1; JOBS=<n> sets the build parallelism (default 2);
# BUILD_DIR=<dir> uses an existing build's cli/mmcheck instead of building
# the Release one; PARTS="1 2 3 4" selects the parts.
set -euo pipefail
cd "$(dirname "$0")/.."
budget=${1:-60}
dir=${BUILD_DIR:-build-bench-smt}
props=${PROPS:-"mapcount-matches-mappings reclaim-makes-progress"}
parts=${PARTS:-"1 2 3 4"}

if [ -z "${BUILD_DIR:-}" ]; then
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMMCHECK_BUILD_TESTS=OFF \
    -DMMCHECK_BUILD_BENCH=OFF >/dev/null
  cmake --build "$dir" --target mmcheck -j "${JOBS:-2}" >&2
fi
bin="$dir/cli/mmcheck"
echo "mmcheck prove --depth (BMC), $dir ($(grep -o "CMAKE_BUILD_TYPE:STRING=.*" "$dir/CMakeCache.txt" | cut -d= -f2)), $(nproc) CPU(s), load $(cut -d' ' -f1-3 /proc/loadavg)"
TIMEFORMAT='%R'

# depth_reached PROFILE PROP [extra args]: the largest depth within the budget.
depth_reached() {
  local profile=$1 prop=$2; shift 2
  local reached=0 t rc
  for d in $(seq 1 64); do
    t=$( { time { timeout "$budget" "$bin" prove --profile "$profile" --property "$prop" \
             --depth "$d" --timeout "$budget" "$@" >"$dir/bmc-run.txt" 2>&1; echo $? >"$dir/bmc-rc"; }; } 2>&1 )
    rc=$(cat "$dir/bmc-rc")
    if [ "$rc" -ne 0 ]; then
      printf '%-16s %-36s depth %2d: exit %d after %6.2f s (stop)\n' "$profile" "$prop" "$d" "$rc" "$t"
      break
    fi
    printf '%-16s %-36s depth %2d: %6.2f s\n' "$profile" "$prop" "$d" "$t"
    reached=$d
  done
  echo "$profile $prop: depth $reached reached within ${budget} s"
}

if [[ " $parts " == *" 1 "* ]]; then
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
fi

if [[ " $parts " == *" 2 "* ]]; then
echo "== linux-6.14: time to the counterexample =="
for prop in mapcount-matches-mappings reclaim-makes-progress migration-makes-progress; do
  t=$( { time { "$bin" prove --profile linux-6.14 --property "$prop" --depth 6 \
           --timeout "$budget" >"$dir/bmc-614.txt" 2>&1; echo $? >"$dir/bmc-rc"; }; } 2>&1 )
  rc=$(cat "$dir/bmc-rc")
  printf '%-28s %6.2f s, exit %d: %s\n' "$prop" "$t" "$rc" \
    "$(head -1 "$dir/bmc-614.txt" | grep -o 'refuted at depth [0-9]*.*expected' || head -1 "$dir/bmc-614.txt")"
done
fi

if [[ " $parts " == *" 3 "* ]]; then
echo "== device-private (--device-pages 1): depth reached within ${budget} s per run =="
depth_reached mainline pgmap-refs-balance --device-pages 1
depth_reached niethe-v6 device-private-entry-kind-preserved --device-pages 1
echo "== niethe-v6-type-losing-downgrade: time to bug 17's counterexample =="
t=$( { time { "$bin" prove --device-pages 1 --profile niethe-v6-type-losing-downgrade \
         --property device-private-entry-kind-preserved --depth 3 --timeout 600 \
         >"$dir/bmc-17.txt" 2>&1; echo $? >"$dir/bmc-rc"; }; } 2>&1 )
printf 'device-private-entry-kind-preserved %6.2f s, exit %d: %s\n' "$t" "$(cat "$dir/bmc-rc")" \
  "$(head -1 "$dir/bmc-17.txt" | grep -o 'refuted at depth [0-9]*' || head -1 "$dir/bmc-17.txt")"
fi

if [[ " $parts " == *" 4 "* ]]; then
echo "== linux-6.15: k-induction (k = 1) within ${budget} s =="
t=$( { time { timeout $((budget + 30)) "$bin" prove --profile linux-6.15 \
         --property mapcount-matches-mappings --depth 1 --induction --timeout "$budget" \
         >"$dir/bmc-ind.txt" 2>&1; echo $? >"$dir/bmc-rc"; }; } 2>&1 )
printf 'mapcount-matches-mappings --induction %6.2f s, exit %d: %s\n' "$t" "$(cat "$dir/bmc-rc")" \
  "$(head -1 "$dir/bmc-ind.txt" | cut -c1-160)"
fi
