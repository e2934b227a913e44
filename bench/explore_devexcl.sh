#!/usr/bin/env bash
# Builds mmcheck (Release, in build-bench/) and explores the devexcl-core benchmark machine
# (the devexcl-core spec shared with SPIN (bench/devexcl-core-vs-main-model.md)) exhaustively: devexcl-core and devexcl-core-L, OLD and NEW,
# with --no-stop (spec §7: OLD counts cover the whole reachable set). Prints one table row per
# run, then devexcl-core-L NEW again with 1 and 2 jobs for the speed comparison with SPIN
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

# json_number FILE KEY: a top-level number of the --format json report.
json_number() { sed -n "s/^  \"$2\": \([0-9.]*\),\{0,1\}$/\1/p" "$1"; }

# safety_ops FILE LABEL: the length of the label's counterexample, or "-" when it holds.
safety_ops() {
  local line
  line=$(grep "\"label\": \"$2\"" "$1")
  if ! grep -q '"verdict": "violated"' <<<"$line"; then echo "-"; return; fi
  sed 's/.*"counterexample": \[\(.*\)\]}.*/\1/' <<<"$line" | grep -o '"[^"]*"' | wc -l
}

# liveness FILE: "violated N/M", "holds" or "unchecked".
liveness() {
  local total violated
  total=$(grep -c '"name": "offline-progress' "$1" || true)
  violated=$(grep '"name": "offline-progress' "$1" | grep -c '"verdict": "violated"' || true)
  if [ "$total" = 0 ]; then echo "unchecked"
  elif [ "$violated" = 0 ]; then echo "holds"
  else echo "violated $violated/$total"; fi
}

row_format="%-15s %-4s %5s %10s %11s %10s %5s %4s %4s %-14s %8s %11s %8s %8s %5s\n"
# shellcheck disable=SC2059
printf "$row_format" variant sem jobs states edges self-loops diam P1 P3 offline-progress \
  "time s" "states/s" "B/state" "peak MB" exit

run() {  # run BENCH SEM JOBS
  local file="$out/$1-$2-$3.json" status=0
  "$mmcheck" explore --bench "$1" --sem "$2" --jobs "$3" --no-stop --format json >"$file" || status=$?
  local peak
  peak=$(json_number "$file" peak_rss_bytes)
  # shellcheck disable=SC2059
  printf "$row_format" "$1" "$2" "$3" "$(json_number "$file" states)" \
    "$(json_number "$file" edges)" "$(json_number "$file" self_loops)" \
    "$(json_number "$file" diameter)" "$(safety_ops "$file" P1)" "$(safety_ops "$file" P3)" \
    "$(liveness "$file")" "$(json_number "$file" seconds)" \
    "$(json_number "$file" states_per_second)" "$(json_number "$file" bytes_per_state)" \
    "$(awk -v b="$peak" 'BEGIN { printf "%.1f", b / 1e6 }')" "$status"
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
echo "process's VmHWM for the whole run, liveness included. exit: 0 = every verdict as in spec §6."
