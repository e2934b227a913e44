#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The distributed explorer (mmcheck explore --mpi) on 1, 2 and 4 MPI ranks against the
# one-process explorer: states (identical on every row, or the script says so), time, states/s
# and the bytes the ranks sent each other per state. Two searches: the devexcl-core benchmark
# machine (devexcl-core-L, NEW, --no-stop) and the main model (MAIN below).
#
# Usage: bench/explore_mpi.sh [--skip-build] [--mmcheck PATH] [--ranks "1 2 4"]
# Builds mmcheck (Release, in build-bench/, with MMCHECK_MPI). 4 ranks on a 2-core machine are
# oversubscribed: that row shows the cost of the protocol, not a speed-up. Run it on an
# otherwise idle machine: the timings are the point.
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
ranks_list="1 2 4"
mmcheck=build-bench/cli/mmcheck
while [ $# -gt 0 ]; do
  case "$1" in
    --skip-build) build=0; shift ;;
    --ranks) ranks_list="$2"; shift 2 ;;
    --mmcheck) mmcheck="$2"; build=0; shift 2 ;;
    *) echo "usage: $0 [--skip-build] [--mmcheck PATH] [--ranks \"1 2 4\"]" >&2; exit 2 ;;
  esac
done
if [ "$build" = 1 ]; then
  cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DMMCHECK_MPI=ON \
    -DMMCHECK_BUILD_TESTS=OFF -DMMCHECK_BUILD_BENCH=OFF >/dev/null
  cmake --build build-bench --target mmcheck -j 2 >/dev/null
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi

MAIN=(--profile linux-6.15 --universe mms=2,pages=2,folios=1,swap=1,devices=1,pmd_order=1
      --values 1 --knob transparent_hugepage=never --alphabet devexcl-core --liveness none)

json_number() { sed -n "s/^  \"$2\": \([0-9.]*\),\{0,1\}$/\1/p" "$1"; }
# mpi_figure FILE: "bytes sent", "bytes/state" and the largest rank's peak MB from the
# report's mpi note, or "- - -".
mpi_figure() {
  local note
  note=$(grep -o '"mpi: [^"]*"' "$1" | head -1 || true)
  if [ -z "$note" ]; then echo "- - -"; return; fi
  sed -E 's/.* ranks, ([0-9,]+) bytes sent \(([0-9.]+) bytes\/state\).*largest rank peak ([0-9.]+) MB.*/\1 \2 \3/' \
    <<<"$note" | tr -d ,
}

row_format="%-9s %12s %13s %9s %11s %14s %8s %8s %5s\n"
table() {  # table NAME ARGS...: one row per process count
  local name=$1
  shift
  echo "== $name: $*"
  # shellcheck disable=SC2059
  printf "$row_format" engine states edges "time s" "states/s" "bytes sent" "B/state" "peak MB" exit
  # peak MB: the process's VmHWM; with ranks, the largest rank's (each holds ~1/N of the states)
  local first_states=""
  for ranks in one $ranks_list; do
    local file="$out/$name-$ranks.json" status=0 start end
    start=$(date +%s.%N)
    if [ "$ranks" = one ]; then
      "$mmcheck" explore "$@" --format json >"$file" || status=$?
    else
      mpirun -n "$ranks" --oversubscribe "$mmcheck" explore --mpi "$@" --format json \
        >"$file" || status=$?
    fi
    end=$(date +%s.%N)
    local states sent per_state peak
    states=$(json_number "$file" states)
    read -r sent per_state peak <<<"$(mpi_figure "$file")"
    if [ "$peak" = - ]; then
      peak=$(awk -v b="$(json_number "$file" peak_rss_bytes)" 'BEGIN { printf "%.1f", b / 1e6 }')
    fi
    # shellcheck disable=SC2059
    printf "$row_format" "$([ "$ranks" = one ] && echo "1 process" || echo "$ranks ranks")" \
      "$states" "$(json_number "$file" edges)" "$(json_number "$file" seconds)" \
      "$(json_number "$file" states_per_second)" "$sent" "$per_state" \
      "$peak" "$status"
    if [ -z "$first_states" ]; then first_states=$states
    elif [ "$states" != "$first_states" ]; then echo "  STATES DIFFER from one process"; fi
    echo "    (whole run including mpirun: $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }') s)"
  done
}

echo "load before: $(uptime)"
table devexcl-core-L --bench devexcl-core-L --sem new --no-stop
table main "${MAIN[@]}"
echo "load after: $(uptime)"
