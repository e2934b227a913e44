#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# kernel/conform.sh — run mmcheck traces on the real kernel and compare every
# outcome with what the model predicts (the klitmus7 of mmcheck).
#
# Usage: kernel/conform.sh [--out DIR] [--random N] [--seed S] [--steps K]
#                          [--timeout SECONDS] [--batch N] [--strict]
#                          [--knob NAME=VALUE ...] [TRACE|DIR ...]
#
# Each trace (a .mmtrace file, or every *.mmtrace of a DIR; default: the
# corpus, tests/corpus, plus the --random ones) is exported with
# `mmcheck export --c` against the profile of the kernel the VM boots,
# linux-6.12, compiled statically, and run in boots of that kernel
# (kernel/vm.sh), --batch programs a boot (default 200: the initramfs holds
# them in the VM's RAM). --timeout is per boot. The C program checks every outcome the model predicts:
# return values, values read by CPU and device, cpages/faults, snapshot bytes,
# SIGSEGV/SIGBUS. A trace is one KTAP test: `ok` when the kernel agreed on every
# outcome, `not ok` with the first differences as diagnostics.
#
# A program that disagrees runs again, up to three runs in all. One that
# agrees on a later run is `flaky`: the model's outcome is one the kernel
# gives, but not every time (its outcome depends on timing the model does not
# have; docs/real-kernel.md lists the known cases). Flaky traces are listed
# with their first run's difference and do not fail the run unless --strict.
#
# The VM swaps to a 64 MiB zram device, so MADV_PAGEOUT pages anonymous
# memory out as the model's reclaim does (without swap the kernel keeps them
# and every later migration or snapshot of them differs).
#
# The model runs with transparent_hugepage=never: the programs map a few pages
# at a time, so the real kernel never puts a THP in them, while the model's
# PMDs are scaled down to a few pages. THP behaviour is not compared here.
#
# Not runnable, and said so per trace: traces with a step that has no
# user-space trigger (reclaim, migrate, offline, ... : `mmcheck ops` says
# which), or that map hugetlb pages.
#
# --knob NAME=VALUE (repeatable) changes the model's profile for the export,
# to ask what the kernel would have done had it behaved as the knob says
# (kernel/shrink.sh uses it in its self-test).
#
# --random N adds N random traces of user-space steps (`mmcheck generate
# --user-space`, seed S, K steps each).
#
# Stdout: one line per trace (agree / DISAGREE / flaky / not runnable /
#   skipped) and a summary line
#   `conform: N traces: A agree, D disagree, F flaky, R not runnable, S skipped`.
# DIR (default build/conform): the exported C files, the programs, each
#   boot's console log (console-N.log), the KTAP and report.txt.
# Exit: 0 every runnable trace agreed (flaky ones included unless --strict);
#   1 a disagreement (or a flaky trace with --strict); 2 setup (packages,
#   kernel build, mmcheck build, export or compile failure); 3 inconclusive
#   (the VM hung, panicked, or stopped before the last trace).
set -euo pipefail
PROG=conform.sh
# shellcheck source=kernel/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
top=$(cd "$MMCHECK_KERNEL_DIR/.." && pwd)

out=$top/build/conform random=0 seed=1 steps=8 timeout_s='' batch=200 strict=0 profile=linux-6.12
inputs=() knobs=()
while (($#)); do
	case $1 in
	--out) out=${2:?}; shift 2 ;;
	--random) random=${2:?}; shift 2 ;;
	--seed) seed=${2:?}; shift 2 ;;
	--steps) steps=${2:?}; shift 2 ;;
	--timeout) timeout_s=${2:?}; shift 2 ;;
	--batch) batch=${2:?}; shift 2 ;;
	--strict) strict=1; shift ;;
	--knob) knobs+=(--knob "${2:?}"); shift 2 ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; /SPDX-License-Identifier/d; s/^# \{0,1\}//' >&2; exit 0 ;;
	-*) die 2 "unknown option '$1' (see --help)" ;;
	*) inputs+=("$1"); shift ;;
	esac
done
for n in "$random" "$seed" "$steps" "$batch" ${timeout_s:+"$timeout_s"}; do
	[[ $n =~ ^[0-9]+$ ]] || die 2 "setup: '$n' is not a whole number (--random, --seed, --steps, --batch, --timeout)"
done
((batch > 0)) || die 2 "setup: --batch must be at least 1"
((${#inputs[@]} > 0 || random > 0)) || inputs=("$top/tests/corpus")

# ---- the tools: mmcheck, the kernel, a static C compiler
mmcheck=${MMCHECK:-}
if [[ -z $mmcheck ]]; then
	bdir=$("$top/scripts/build.sh" --cli-only) || die 2 "stage mmcheck-build failed"
	mmcheck=$top/$bdir/cli/mmcheck
fi
[[ -x $mmcheck ]] || die 2 "setup: no mmcheck binary at '$mmcheck'"
entry=$("$MMCHECK_KERNEL_DIR/build.sh" --print entry) || die 2 "stage kernel-build failed"
ensure_packages gcc libc6-dev || die 2 "stage packages failed: apt-get could not install gcc libc6-dev"

rm -rf "$out"
mkdir -p "$out/src" "$out/payload" "$out/random" || die 2 "setup: cannot create '$out'"

# ---- the traces
traces=()
for in in "${inputs[@]}"; do
	if [[ -d $in ]]; then
		while IFS= read -r f; do traces+=("$f"); done < <(find "$in" -maxdepth 1 -name '*.mmtrace' | LC_ALL=C sort)
	elif [[ -f $in ]]; then
		traces+=("$in")
	else
		die 2 "setup: no trace or directory '$in'"
	fi
done
if ((random > 0)); then
	"$mmcheck" generate --profile "$profile" --knob transparent_hugepage=never --user-space \
		--count "$random" --seed "$seed" --steps "$steps" --out "$out/random" >&2 ||
		die 2 "stage generate failed"
	while IFS= read -r f; do traces+=("$f"); done < <(find "$out/random" -name '*.mmtrace' | LC_ALL=C sort)
fi
((${#traces[@]} > 0)) || die 2 "setup: no traces to run"

# ---- export and compile: one C program per runnable trace
declare -A verdict reason
names=()
runnable=()
for t in "${traces[@]}"; do
	name=$(basename "$t" .mmtrace)
	[[ -z ${verdict[$name]+x} ]] || name=$name-$(printf '%s' "$t" | sha256sum | cut -c1-6)
	names+=("$name")
	if ! "$mmcheck" export "$t" --c --profile "$profile" --knob transparent_hugepage=never \
		${knobs[@]+"${knobs[@]}"} --out "$out/src/$name.c" 2>"$out/src/$name.err"; then
		# Written for another profile: its steps do not all run on 6.12's model.
		verdict[$name]="not runnable"
		reason[$name]="the model cannot replay it on $profile: $(head -n1 "$out/src/$name.err" | sed 's/^.*: step /step /')"
		continue
	fi
	not_reproduced=$(grep -o 'not reproduced: [a-z_]*' "$out/src/$name.c" | sed 's/not reproduced: //' | sort -u | paste -sd, - || true)
	if [[ -n $not_reproduced ]]; then
		verdict[$name]="not runnable"
		reason[$name]="no user-space trigger for: $not_reproduced"
		continue
	fi
	gcc -static -O0 -w -o "$out/payload/$name" "$out/src/$name.c" 2>"$out/src/$name.gcc" ||
		die 2 "stage compile failed: $out/src/$name.c: $(grep -m1 error "$out/src/$name.gcc")"
	runnable+=("$name")
done

# ---- the canary: a copy of the first program that checks cpages, with the
# model's number off by 100. It must come back `not ok`, or the comparison
# has no teeth and the run proves nothing.
canary=''
for name in "${runnable[@]}"; do
	grep -q '"cpages", cmd.cpages, [0-9]*);' "$out/src/$name.c" || continue
	canary=canary-$name
	perl -pe 'if (!$done && s/("cpages", cmd\.cpages, )(\d+)\);/$1 . ($2 + 100) . ");"/e) { $done = 1 }' \
		"$out/src/$name.c" >"$out/src/$canary.c"
	gcc -static -O0 -w -o "$out/payload/$canary" "$out/src/$canary.c" ||
		die 2 "stage compile failed: $out/src/$canary.c"
	runnable+=("$canary")
	break
done

# ---- boots of --batch programs each (the initramfs holds them in RAM), each
# program under a time limit, dmesg read after each
write_run() { # NAME... : the payload's run script for these programs
	printf '#!/bin/sh\n# Generated by kernel/conform.sh.\n'
	printf 'echo never >/sys/kernel/mm/transparent_hugepage/enabled\n'
	printf 'dmesg -c >/dev/null\necho "KTAP version 1"\necho "1..%d"\ni=0\n' "$#"
	printf 'for t in'
	printf ' %s' "$@"
	printf '; do\n'
	cat <<'RUN'
	i=$((i + 1))
	# A failing program runs again, up to twice: the kernel's outcome can
	# depend on timing the model does not have (docs/real-kernel.md,
	# "Flaky traces"). The first run's output is kept either way.
	run=1
	while :; do
		# A program stuck in the kernel (after an oops, a task can wait
		# forever on a lock it held) cannot be killed: end this boot and
		# say which.
		./$t >/tmp/out 2>&1 &
		pid=$!
		n=0
		while kill -0 $pid 2>/dev/null && [ $n -lt 600 ]; do usleep 100000; n=$((n + 1)); done
		if kill -0 $pid 2>/dev/null; then
			sed 's/^/# /' /tmp/out
			dmesg -c | grep -E 'WARNING:|BUG:|Oops|Bad page|bad_page|RIP:' | sed 's/^/# dmesg: /'
			echo "not ok $i $t # HUNG: not finished after 60 s"
			echo "Bail out! $t hung"
			exit 3
		fi
		wait $pid
		rc=$?
		if [ $run -eq 1 ]; then
			first=$rc
			sed 's/^/# /' /tmp/out
			dmesg -c | grep -E 'WARNING:|BUG:|Oops|Bad page|bad_page|RIP:' | sed 's/^/# dmesg: /'
		else
			dmesg -c >/dev/null
		fi
		case $rc in 0 | 4) break ;; esac
		[ $run -lt 3 ] || break
		run=$((run + 1))
	done
	case $rc in
	0) if [ $first -eq 0 ]; then echo "ok $i $t"; else echo "ok $i $t # FLAKY: failed on run 1, agreed on run $run"; fi ;;
	4) echo "ok $i $t # SKIP no dmirror device" ;;
	*) echo "not ok $i $t # exit $rc on $run runs" ;;
	esac
done
RUN
}
vmrc=0
: >"$out/ktap"
# Device-coherent minors 2 and 3 need test_hmm's spm_addr_dev0/1 over memory
# hidden from the page allocator (kernel/hmm-tests.sh says why).
# shellcheck disable=SC2016 # the $ is memmap's syntax
append='memmap=512M$0x40000000 test_hmm.spm_addr_dev0=0x40000000 test_hmm.spm_addr_dev1=0x50000000'
queue=("${runnable[@]}")
boot=0
while ((${#queue[@]} > 0)); do
	boot=$((boot + 1))
	part=("${queue[@]:0:batch}")
	dir=$out/boot-$boot
	mkdir -p "$dir"
	for name in "${part[@]}"; do ln -f "$out/payload/$name" "$dir/$name"; done
	write_run "${part[@]}" >"$dir/run"
	chmod +x "$dir/run"
	set +e
	"$MMCHECK_KERNEL_DIR/vm.sh" --kernel "$entry/bzImage" --payload "$dir" --memory 1536M --zram 64M \
		--timeout "${timeout_s:-$((120 + 10 * ${#part[@]}))}" --append "$append" \
		--log "$out/console-$boot.log" >"$out/ktap-$boot"
	rc=$?
	set -e
	rm -rf "$dir"
	cat "$out/ktap-$boot" >>"$out/ktap"
	((rc != 2)) || die 2 "stage vm failed (see $out/console-$boot.log)"
	if ((rc == 3)); then
		vmrc=3
		break
	fi
	# The programs after one that hung go to the next boot.
	done_here=0
	for name in "${part[@]}"; do
		grep -Eq "^(not )?ok [0-9]+ $name( |$)" "$out/ktap-$boot" || break
		done_here=$((done_here + 1))
	done
	if ((done_here == 0)); then
		vmrc=3
		break
	fi
	queue=("${queue[@]:done_here}")
done

# ---- read the KTAP back
if [[ -n $canary ]]; then
	grep -Eq "^not ok [0-9]+ $canary( |$)" "$out/ktap" || {
		log "inconclusive: the canary $canary (cpages off by 100) did not fail: outcomes are not being compared"
		exit 3
	}
	unset 'runnable[${#runnable[@]}-1]'
fi
# The program's first complaint in its (first) run, e.g. "step 3 (mm0):
# cpages is 0, the model says 1", or the kernel's first WARNING/BUG line.
# The program prints KTAP of its own (one result a step; a mismatch is a
# "# step N (mmM): ..." diagnostic line), nested here under "# ".
first_complaint() { # NAME
	awk -v t="$1" '
		/^# dmesg/ {dm = dm ? dm : substr($0, 10); next}
		/^# # step [0-9]+ \(mm[0-9]+\): / {st = st ? st : substr($0, 5); next}
		/^# # / && !/^# # Totals:/ {other = other ? other : substr($0, 5); next}
		$0 ~ "^(not )?ok [0-9]+ " t "( |$)" {
			sub(/^.*# /, "")
			print (st ? st : other ? other : dm ? "kernel: " dm " (" $0 ")" : $0)
			exit
		}
		/^(not )?ok / {st = ""; other = ""; dm = ""}' "$out/ktap"
}
agree=0 disagree=0 flaky=0 skipped=0 norun=0
for name in "${runnable[@]}"; do
	line=$(grep -E "^(not )?ok [0-9]+ $name( |$)" "$out/ktap" || true)
	case $line in
	"ok "*"# SKIP"*) verdict[$name]=skipped; reason[$name]=${line#*# SKIP }; skipped=$((skipped + 1)) ;;
	"ok "*"# FLAKY"*)
		verdict[$name]=flaky
		reason[$name]="${line#*# FLAKY: }; run 1: $(first_complaint "$name")"
		flaky=$((flaky + 1)) ;;
	"ok "*) verdict[$name]=agree; agree=$((agree + 1)) ;;
	"not ok "*)
		verdict[$name]=DISAGREE
		reason[$name]=$(first_complaint "$name")
		disagree=$((disagree + 1)) ;;
	*) verdict[$name]="no result"; reason[$name]="the VM stopped before it ran" ;;
	esac
done
for name in "${names[@]}"; do [[ ${verdict[$name]} == "not runnable" ]] && norun=$((norun + 1)); done

{
	for name in "${names[@]}"; do
		printf '%-48s %-13s %s\n' "$name" "${verdict[$name]}" "${reason[$name]:-}"
	done
	printf 'conform: %d traces: %d agree, %d disagree, %d flaky, %d not runnable, %d skipped (linux-6.12 under QEMU; %s)\n' \
		"${#names[@]}" "$agree" "$disagree" "$flaky" "$norun" "$skipped" "$(basename "$(dirname "$entry/x")")"
} | tee "$out/report.txt"

if ((vmrc == 3)); then
	log "inconclusive: a VM run did not finish (see $out/console-*.log)"
	exit 3
fi
for name in "${runnable[@]}"; do
	[[ ${verdict[$name]} != "no result" ]] || { log "inconclusive: $name has no result"; exit 3; }
done
((disagree == 0)) || exit 1
((flaky == 0 || !strict)) || exit 1
exit 0
