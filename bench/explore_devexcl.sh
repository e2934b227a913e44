#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds mmcheck (Release, in build-bench/) and explores the devexcl-core benchmark machine
# (bench/devexcl-core.md; bench/devexcl/) exhaustively: devexcl-core and devexcl-core-L, OLD and
# NEW, with --no-stop (spec §7: OLD counts cover the whole reachable set). Prints one table row
# per run, then devexcl-core-L NEW again with 1 and 2 jobs for the speed comparison with SPIN
# (about 130,000 states/s and 585 MB on a 2-vCPU machine, spec §8).
#
# Usage: bench/explore_devexcl.sh [--jobs N] [--skip-build]
# Run it on an otherwise idle machine: the timings are the point.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=2
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --jobs) jobs="$2"; shift 2 ;;
    --skip-build) build=0; shift ;;
    *) echo "usage: $0 [--jobs N] [--skip-build]" >&2; exit 2 ;;
  esac
done

if [ "$build" = 1 ]; then
  cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DMMCHECK_BUILD_TESTS=OFF -DMMCHECK_BUILD_BENCH=OFF >/dev/null
  cmake --build build-bench --target mmcheck -j 2 >/dev/null
fi
mmcheck=build-bench/cli/mmcheck
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# field FILE EXPR: a value of the --format json report (mmcheck-explore-bench, version 1),
# EXPR a Python expression over the report `r`.
field() {
  python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["format"] == "mmcheck-explore-bench" and r["version"] == 1, "not a bench report"
print(eval(sys.argv[2]))' "$1" "$2"
}

# safety_ops FILE LABEL: the length of the label's counterexample, or "-" when it holds.
safety_ops() {
  field "$1" "next((str(len(p['counterexample'])) if p['verdict'] == 'violated' else '-')
    for p in r['safety'] if p['label'] == '$2')"
}

# liveness FILE: "violated N/M", "holds" or "unchecked".
liveness() {
  field "$1" "(lambda l: 'unchecked' if not l else 'holds' if not any(x['verdict'] == 'violated'
    for x in l) else 'violated %d/%d' % (sum(x['verdict'] == 'violated' for x in l), len(l)))(
    [x for x in r['liveness'] if x['name'].startswith('offline-progress')])"
}

row_format="%-15s %-4s %5s %10s %11s %10s %5s %4s %4s %-14s %8s %11s %8s %8s %5s\n"
# shellcheck disable=SC2059
printf "$row_format" variant sem jobs states edges self-loops diam P1 P3 offline-progress \
  "time s" "states/s" "B/state" "peak MB" exit

run() {  # run BENCH SEM JOBS
  local file="$out/$1-$2-$3.json" status=0
  "$mmcheck" explore --bench "$1" --sem "$2" --jobs "$3" --no-stop --format json >"$file" || status=$?
  # shellcheck disable=SC2059
  printf "$row_format" "$1" "$2" "$3" "$(field "$file" "r['states']")" \
    "$(field "$file" "r['edges']")" "$(field "$file" "r['self_loops']")" \
    "$(field "$file" "r['diameter']")" "$(safety_ops "$file" P1)" "$(safety_ops "$file" P3)" \
    "$(liveness "$file")" "$(field "$file" "'%.6f' % r['seconds']")" \
    "$(field "$file" "r['states_per_second']")" "$(field "$file" "'%.2f' % r['bytes_per_state']")" \
    "$(field "$file" "'%.1f' % (r['peak_rss_bytes'] / 1e6)")" "$status"
}

for bench in devexcl-core devexcl-core-L; do
  for sem in old new; do
    run "$bench" "$sem" "$jobs"
  done
done
echo
echo "devexcl-core-L NEW, 1 and 2 jobs (SPIN: ~130,000 states/s, ~585 MB):"
run devexcl-core-L new 1
run devexcl-core-L new 2
echo
echo "time and states/s cover the search with every safety property checked on every state and"
echo "edge; liveness (offline-progress) runs after it and is not in them. Peak MB is the"
echo "process's peak RSS for the whole run, liveness included. exit: 0 = every verdict as in spec"
echo "§6 (bench/devexcl/expected.toml)."
