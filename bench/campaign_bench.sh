#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmarks of `mmcheck campaign` (issue 3 quality bars):
#   1. time to the first counterexample on linux-6.14 (before the mapcount
#      fix), over 20 seeds: median and max. Two figures per seed: the
#      search time to the first failing case (report.json timings) and the
#      wall time of a whole run that stops at the shrunk mapcount trace
#      (process start, search, shrinking, writing). Target: median <= 1 s.
#   2. the length of the shrunk mapcount trace (the minimum is 2 steps:
#      mmap, then dev_exclusive, which faults the page in through GUP and
#      converts it; the test suite checks that no single step does it).
#   3. throughput, steps/s including generation and checks, default
#      universe, one job: on linux-6.15 (full-length cases) and over every
#      built-in profile.
#   4. determinism: the same seed, profile and universe twice, diffing the
#      traces and the reports without their timings.
# Usage: bench/campaign_bench.sh [seconds for throughput, default 10]
# BUILD_DIR=<dir> (default build-bench-campaign, Release), JOBS=<n> build
# parallelism (default 2). Numbers go in issue notes, never in tests.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
dir=${BUILD_DIR:-build-bench-campaign}

if [ ! -x "$dir/cli/mmcheck" ] || [ -z "${BUILD_DIR:-}" ]; then
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMMCHECK_BUILD_TESTS=OFF \
    -DMMCHECK_BUILD_BENCH=OFF >/dev/null
  cmake --build "$dir" --target mmcheck -j "${JOBS:-2}" >&2
fi
bin="$dir/cli/mmcheck"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
json() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"; }
median() { sort -g | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "median %.4f s, max %.4f s", m, v[NR] }'; }

echo "mmcheck campaign benchmarks, $(grep -m1 CMAKE_BUILD_TYPE: "$dir/CMakeCache.txt" | cut -d= -f2), $(nproc) CPU(s), load $(cut -d' ' -f1-3 /proc/loadavg)"
status=0

# 1 and 2.
: >"$work/search" && : >"$work/wall" && : >"$work/lengths"
for seed in $(seq 1 20); do
  "$bin" campaign --profile linux-6.14 --seed "$seed" --budget 2s --jobs 1 --out "$work/any-$seed" >/dev/null
  json "$work/any-$seed/report.json" "r['timings']['profiles']['linux-6.14']['first_counterexample_seconds']" >>"$work/search"
  start=$(date +%s.%N)
  "$bin" campaign --profile linux-6.14 --property mapcount-matches-mappings --seed "$seed" \
    --budget 60s --jobs 1 --out "$work/mapcount-$seed" >/dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l >>"$work/wall"
  grep -c '^[0-9]' "$work/mapcount-$seed/linux-6.14--mapcount-matches-mappings.mmtrace" >>"$work/lengths"
done
echo "first counterexample on linux-6.14, 20 seeds: search $(median <"$work/search");" \
  "whole run to the shrunk mapcount trace $(median <"$work/wall")"
awk '$1 > 1.0 { bad = 1 } END { exit bad }' <(median <"$work/wall" | awk '{ print $2 }') ||
  { echo "  over the 1 s target"; status=1; }
echo "shrunk mapcount trace lengths (steps): $(sort -n "$work/lengths" | uniq -c | awk '{ printf "%s x %s  ", $1, $2 }')"
echo "  the trace of seed 1:"
sed 's/^/    /' "$work/mapcount-1/linux-6.14--mapcount-matches-mappings.mmtrace"
[ "$(sort -n "$work/lengths" | tail -n 1)" -le 2 ] || { echo "  not minimal"; status=1; }

# 3.
"$bin" campaign --profile linux-6.15 --seed 1 --budget "${secs}s" --jobs 1 --out "$work/tp615" >/dev/null
echo "throughput, linux-6.15, 1 job, ${secs} s: $(json "$work/tp615/report.json" "'%.0f steps/s, %d steps, %d cases' % (r['summary']['steps'] / r['timings']['elapsed_seconds'], r['summary']['steps'], r['summary']['cases'])")"
"$bin" campaign --seed 1 --budget "${secs}s" --jobs 1 --out "$work/tpall" >/dev/null || true
echo "throughput, every built-in profile, 1 job, ${secs} s: $(json "$work/tpall/report.json" "'%.0f steps/s, %d steps, %d cases, verdict %s' % (r['summary']['steps'] / r['timings']['elapsed_seconds'], r['summary']['steps'], r['summary']['cases'], r['verdict'])")"

# 4.
for run in 1 2; do
  "$bin" campaign --profile linux-6.14 --profile hildenbrand-v2-16 --seed 7 --budget 10m --cases 3000 \
    --jobs 2 --out "$work/det-$run" >/dev/null
  json "$work/det-$run/report.json" "json.dumps({k: v for k, v in r.items() if k != 'timings'}, indent=1)" \
    >"$work/det-$run.json"
done
if diff -r -x report.json -x report.xml "$work/det-1" "$work/det-2" >/dev/null &&
   diff "$work/det-1.json" "$work/det-2.json" >/dev/null; then
  echo "determinism: $(ls "$work/det-1"/*.mmtrace | wc -l) traces and the reports (less timings) byte-identical over two runs"
else
  echo "determinism: the two runs differ"
  diff -r -x report.json -x report.xml "$work/det-1" "$work/det-2" | head -20 || true
  status=1
fi
exit "$status"
