#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# mmcheck diff and verify-series timings (issue 15): diff linux-6.14 vs
# linux-6.15 (target: a divergence in under 1 s), the same with return values
# ignored (the 2-step mapcount divergence), two equal profiles on the story
# alphabet (exhaustive), and verify-series hildenbrand-v2 at its default budget.
# Usage: bench/diff_review.sh [path/to/mmcheck]
set -euo pipefail
cd "$(dirname "$0")/.."
mmcheck=${1:-build/cli/mmcheck}
t() {  # prints the wall-clock seconds of "$@" and its exit status
  local start end rc=0
  start=$(date +%s.%N)
  "$@" >/tmp/diff_review.$$ 2>&1 || rc=$?
  end=$(date +%s.%N)
  printf '%-70s %6.3f s  exit %d  %s\n' "$*" "$(echo "$end - $start" | bc)" "$rc" \
    "$(grep -E '^(divergence|no divergence|inconclusive|verdict)' /tmp/diff_review.$$ | head -1)"
}
t "$mmcheck" diff linux-6.14 linux-6.15
t "$mmcheck" diff linux-6.14 linux-6.15 --ignore return
t "$mmcheck" diff linux-6.15 linux-6.15 --op mmap --op cpu_write --op dev_exclusive --op reclaim
t "$mmcheck" verify-series hildenbrand-v2 --seed 1
rm -f /tmp/diff_review.$$
