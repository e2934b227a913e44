#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds mmcheck (Release, in build-bench/) and explores the devexcl-core benchmark machine
# (bench/devexcl-core.md; bench/devexcl/) exhaustively: devexcl-core and devexcl-core-L, OLD and
# NEW, with --no-stop (spec §7: OLD counts cover the whole reachable set). Prints one table row
# per run, then devexcl-core-L NEW again with 1 and 2 jobs for the speed comparison with SPIN
# (about 130,000 states/s and 585 MB on a 2-vCPU machine, spec §8).
#
# Then devexcl-core-XL NEW (28,622,144 states; SPIN about 312 s and 4 GB) unless --no-xl. Each
# row gives the search and liveness times, the whole process's wall time, states/s, the
# search's ns per state and per edge, the process's CPU seconds (user + system: on a shared
# machine the wall time depends on the load, the CPU time much less), and the peak RSS.
#
# Usage: bench/explore_devexcl.sh [--jobs N] [--skip-build] [--no-xl] [--mmcheck PATH]
# --mmcheck runs that binary instead of building one (e.g. a build of another commit, to compare).
# Run it on an otherwise idle machine: the timings are the point.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=2
build=1
xl=1
mmcheck="build-bench/cli/mmcheck"
while [ $# -gt 0 ]; do
  case "$1" in
    --jobs) jobs="$2"; shift 2 ;;
    --skip-build) build=0; shift ;;
    --no-xl) xl=0; shift ;;
    --mmcheck) mmcheck="$2"; build=0; shift 2 ;;
    *) echo "usage: $0 [--jobs N] [--skip-build] [--no-xl] [--mmcheck PATH]" >&2; exit 2 ;;
  esac
done

if [ "$build" = 1 ]; then
  cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DMMCHECK_BUILD_TESTS=OFF -DMMCHECK_BUILD_BENCH=OFF >/dev/null
  cmake --build build-bench --target mmcheck -j 2 >/dev/null
fi
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

row_format="%-15s %-4s %4s %10s %11s %10s %4s %3s %3s %-14s %7s %6s %7s %7s %7s %9s %6s %6s %6s %4s\n"
# shellcheck disable=SC2059
printf "$row_format" variant sem jobs states edges self-loops diam P1 P3 offline-progress \
  "srch s" "grow s" "live s" "wall s" "cpu s" "states/s" ns/st ns/edg "peakMB" exit

run() {  # run BENCH SEM JOBS
  local file="$out/$1-$2-$3.json" status start end wall cpu
  start=$(date +%s.%N)
  # The exit status and the CPU seconds (user + system) of the run.
  read -r status cpu < <(python3 -c '
import resource, subprocess, sys
status = subprocess.run(sys.argv[2:], stdout=open(sys.argv[1], "w")).returncode
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(status, "%.2f" % (usage.ru_utime + usage.ru_stime))' "$file" "$mmcheck" explore \
    --bench "$1" --sem "$2" --jobs "$3" --no-stop --format json)
  end=$(date +%s.%N)
  wall=$(python3 -c "print('%.2f' % ($end - $start))")
  # ns/state and ns/edge: the search's wall time per state and per edge, all threads together
  # (a bare open-addressing lookup on this machine kind is about 23 ns, issue 16).
  # shellcheck disable=SC2059
  printf "$row_format" "$1" "$2" "$3" "$(field "$file" "r['states']")" \
    "$(field "$file" "r['edges']")" "$(field "$file" "r['self_loops']")" \
    "$(field "$file" "r['diameter']")" "$(safety_ops "$file" P1)" "$(safety_ops "$file" P3)" \
    "$(liveness "$file")" "$(field "$file" "'%.2f' % r['seconds']")" \
    "$(field "$file" "'%.2f' % r.get('grow_seconds', 0)")" \
    "$(field "$file" "'%.2f' % r['liveness_seconds']")" "$wall" "$cpu" \
    "$(field "$file" "'%.0f' % r['states_per_second']")" \
    "$(field "$file" "'%.0f' % (r['seconds'] * 1e9 / r['states'])")" \
    "$(field "$file" "'%.1f' % (r['seconds'] * 1e9 / r['edges'])")" \
    "$(field "$file" "'%.0f' % (r['peak_rss_bytes'] / 1e6)")" "$status"
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for bench in devexcl-core devexcl-core-L; do
  for sem in old new; do
    run "$bench" "$sem" "$jobs"
  done
done
echo
echo "devexcl-core-L NEW, 1 and 2 jobs (SPIN: ~20.5 s, ~130,000 states/s, ~585 MB):"
run devexcl-core-L new 1
run devexcl-core-L new 2
if [ "$xl" = 1 ]; then
  echo
  echo "devexcl-core-XL NEW (SPIN: 28,622,144 states in ~312 s, ~4 GB):"
  run devexcl-core-XL new "$jobs"
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "srch s and states/s cover the search with every safety property checked on every state and"
echo "edge; grow s is the part of srch s spent growing the visited table; live s is liveness"
echo "(offline-progress), after it; wall s is the whole process, cpu s its user + system CPU time"
echo "(all threads; the load above says how shared the cores were). Peak MB is the process's peak"
echo "RSS for the whole run, liveness included. exit: 0 = every verdict and count as in spec §6/§7"
echo "(bench/devexcl/expected.toml)."
