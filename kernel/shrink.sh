#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# kernel/shrink.sh — shrink a trace on which the real kernel disagrees with
# the model, with the kernel as the oracle.
#
# Usage: kernel/shrink.sh [--out DIR] [--budget SECONDS] [--knob NAME=VALUE ...]
#                         TRACE
#
# TRACE must DISAGREE under kernel/conform.sh (same --knob). Each round
# writes every trace that is TRACE's current best minus one chunk of steps
# (chunks of half, a quarter, ... down to one step, as in delta debugging;
# steps renumbered), runs them all in one boot through kernel/conform.sh,
# and keeps the shortest that still disagrees *the same way*: the same
# first difference with the step number left out (`HMM_DMIRROR_WRITE is
# -14, the model says 0`), or the same kernel WARNING/BUG location. A
# candidate that the model cannot replay (a step whose mm was made by a
# dropped fork, say) is not runnable and is skipped. Rounds go on until no
# candidate disagrees the same way or --budget (default 600 s) is spent.
#
# Only a disagreement is kept: a candidate that is `flaky` (disagrees, then
# agrees on a rerun) does not count, so a flaky TRACE cannot be shrunk here.
#
# Stdout: one line per round (`round N: K candidates, best M steps`), then
#   `shrink: N -> M steps: DIR/shrunk.mmtrace (FIRST DIFFERENCE)`.
# DIR (default build/shrink): shrunk.mmtrace, with a header saying where it
#   came from and what the kernel did, and round-N/ with each round's
#   conform.sh output.
# Exit: 0 shrunk (or already minimal); 1 TRACE does not disagree; 2 setup
#   (bad arguments, conform.sh setup errors); 3 inconclusive (a VM run did
#   not finish).
set -euo pipefail
PROG=shrink.sh
# shellcheck source=kernel/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
top=$(cd "$MMCHECK_KERNEL_DIR/.." && pwd)

out=$top/build/shrink budget=600 trace='' knobs=()
while (($#)); do
	case $1 in
	--out) out=${2:?}; shift 2 ;;
	--budget) budget=${2:?}; shift 2 ;;
	--knob) knobs+=(--knob "${2:?}"); shift 2 ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; /SPDX-License-Identifier/d; s/^# \{0,1\}//' >&2; exit 0 ;;
	-*) die 2 "unknown option '$1' (see --help)" ;;
	*) [[ -z $trace ]] || die 2 "one TRACE only (got '$trace' and '$1')"; trace=$1; shift ;;
	esac
done
[[ -n $trace ]] || die 2 "no TRACE given (see --help)"
[[ -f $trace ]] || die 2 "setup: no such trace '$trace'"
[[ $budget =~ ^[0-9]+$ ]] || die 2 "setup: --budget '$budget' is not a whole number of seconds"

rm -rf "$out"
mkdir -p "$out" || die 2 "setup: cannot create '$out'"

# A trace is a header (everything before the first step line) and steps: a
# line `N op ...` and any lines after it up to the next step line.
split_trace() { # FILE DIR : DIR/header, DIR/step-1 ... DIR/step-N
	awk -v d="$2" '
		/^[0-9]+ / {n++; f = sprintf("%s/step-%d", d, n)}
		{print > (n ? f : d "/header")}
		END {print n + 0 > (d "/count")}' "$1"
}
# join DIR I... : the trace made of DIR's header and the given steps, renumbered
join_steps() {
	local d=$1 i k=0
	shift
	cat "$d/header"
	for i in "$@"; do
		k=$((k + 1))
		sed "1s/^[0-9]*/$k/" "$d/step-$i"
	done
}
# The kind of a disagreement, without its step number: conform.sh's reason
# (`step 3 (mm0): cpages is 0, the model says 1` or `kernel: [ 1.2] WARNING:
# CPU: 0 PID: 9 at lib/test_hmm.c:280 ...`).
kind_of() {
	sed -E 's/^step [0-9]+ \(mm[0-9]+\): //; s/^kernel: \[[ 0-9.]*\] //; s/CPU: [0-9]+ PID: [0-9]+ //; s/\+0x[0-9a-f]+\/0x[0-9a-f]+//g'
}
# conform ROUND DIR : run DIR's traces; writes `name<TAB>verdict<TAB>kind`
# lines for the disagreeing ones to $out/round-ROUND.tsv
conform() {
	local rc=0
	"$MMCHECK_KERNEL_DIR/conform.sh" --out "$out/round-$1" ${knobs[@]+"${knobs[@]}"} "$2" \
		>"$out/round-$1.txt" 2>"$out/round-$1.err" || rc=$?
	case $rc in
	0 | 1) ;;
	3) log "inconclusive: a VM run did not finish in round $1 (see $out/round-$1)"; exit 3 ;;
	*) die 2 "round $1: conform.sh failed (exit $rc): $(tail -n1 "$out/round-$1.err")" ;;
	esac
	awk '!/^conform: / {name = $1; $1 = ""; sub(/^ +/, "");
		if (sub(/^DISAGREE +/, "")) print name "\tDISAGREE\t" $0}' "$out/round-$1.txt" |
		while IFS=$'\t' read -r name verdict reason; do
			printf '%s\t%s\t%s\n' "$name" "$verdict" "$(kind_of <<<"$reason")"
		done >"$out/round-$1.tsv"
}

start=$SECONDS
work=$out/work
mkdir -p "$work/best" "$work/round-0"
split_trace "$trace" "$work/best"
steps=$(cat "$work/best/count")
((steps > 0)) || die 2 "setup: '$trace' has no steps"
cp "$trace" "$work/round-0/original.mmtrace"
conform 0 "$work/round-0"
want=$(awk -F'\t' '$1 == "original" {print $3}' "$out/round-0.tsv")
[[ -n $want ]] || {
	log "'$trace' does not disagree on the kernel ($(grep -E '^original ' "$out/round-0.txt" | awk '{print $2}'))"
	exit 1
}
orig_steps=$steps
cur=()
for ((i = 1; i <= steps; i++)); do cur+=("$i"); done

round=0 chunk=$(((steps + 1) / 2))
while ((${#cur[@]} > 1 && SECONDS - start < budget)); do
	round=$((round + 1))
	cand=$work/round-$round
	mkdir -p "$cand"
	# Candidates: the current steps minus one chunk, for every chunk size
	# from `chunk` down to 1 (the larger cuts first, as delta debugging).
	n=${#cur[@]} k=0
	declare -A picks=()
	for ((size = chunk; size >= 1; size = size / 2)); do
		for ((from = 0; from < n; from += size)); do
			keep=("${cur[@]:0:from}" "${cur[@]:from+size}")
			((${#keep[@]} > 0)) || continue
			key=${keep[*]}
			[[ -z ${picks[$key]+x} ]] || continue
			k=$((k + 1))
			picks[$key]=c$k
			join_steps "$work/best" "${keep[@]}" >"$cand/c$k.mmtrace"
		done
		((size > 1)) || break
	done
	conform "$round" "$cand"
	best='' best_len=$n
	while IFS=$'\t' read -r name _ kind; do
		[[ $kind == "$want" ]] || continue
		for key in "${!picks[@]}"; do
			[[ ${picks[$key]} == "$name" ]] || continue
			read -ra keep <<<"$key"
			if ((${#keep[@]} < best_len)); then best=$key best_len=${#keep[@]}; fi
		done
	done <"$out/round-$round.tsv"
	unset picks
	echo "round $round: $k candidates, ${best:+best $best_len steps}${best:-none smaller disagrees the same way}"
	[[ -n $best ]] || break
	read -ra cur <<<"$best"
	chunk=$(((${#cur[@]} + 1) / 2))
done
if ((SECONDS - start >= budget)); then log "budget of $budget s spent; the result may shrink further"; fi

{
	printf '# Shrunk by kernel/shrink.sh from %s: %d -> %d steps.\n' "$(basename "$trace")" "$orig_steps" "${#cur[@]}"
	printf '# The kernel disagrees with the model the same way: %s\n' "$want"
	((${#knobs[@]} == 0)) || printf '# conform.sh knobs: %s\n' "${knobs[*]}"
	join_steps "$work/best" "${cur[@]}"
} >"$out/shrunk.mmtrace"
echo "shrink: $orig_steps -> ${#cur[@]} steps: $out/shrunk.mmtrace ($want)"
