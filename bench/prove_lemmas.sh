#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Times `mmcheck prove` over every built-in profile and every lemma (the Z3
# encoding lemmas of solver/smt/) in a Release build, build-bench-smt/.
# Target: under 5 s wall time per run. Also checks that the runs print the
# same output (determinism). Usage: bench/prove_lemmas.sh [runs]   (default 3)
# JOBS=<n> sets the build parallelism (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
dir=build-bench-smt

cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMMCHECK_BUILD_TESTS=OFF \
  -DMMCHECK_BUILD_BENCH=OFF >/dev/null
cmake --build "$dir" --target mmcheck -j "${JOBS:-2}" >&2
bin="$dir/cli/mmcheck"

echo "mmcheck prove, every built-in profile and lemma, Release, $(nproc) CPU(s), load $(cut -d' ' -f1-3 /proc/loadavg)"
TIMEFORMAT='%R %U %S'
status=0
for i in $(seq "$runs"); do
  rc=0
  t=$( { time "$bin" prove >"$dir/prove-$i.txt" 2>"$dir/prove-$i.err" || rc=$?; } 2>&1 )
  read -r real user sys <<<"$t"
  printf 'run %d: %6.2f s wall, %6.2f s user, %5.2f s sys, exit %d\n' "$i" "$real" "$user" "$sys" "$rc"
  [ "$rc" -eq 0 ] || status=1
  if [ "$i" -gt 1 ] && ! cmp -s "$dir/prove-1.txt" "$dir/prove-$i.txt"; then
    echo "run $i: output differs from run 1 (not deterministic)"
    status=1
  fi
  if awk -v r="$real" 'BEGIN { exit !(r >= 5.0) }'; then
    echo "run $i: over the 5 s target"
  fi
done
tail -n 1 "$dir/prove-1.txt"
exit "$status"
