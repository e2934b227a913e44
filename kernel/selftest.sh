#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# kernel/selftest.sh — smoke test of the real-kernel runner, for CI.
#
# Usage: kernel/selftest.sh [--arch x86_64]
#
# Builds the kernel (cached: kernel/build.sh) and checks kernel/vm.sh's
# contract on tiny payloads: a passing KTAP payload exits 0 and its lines come
# out on stdout; a failing one exits 1; a payload that panics the kernel
# exits 3 with a `Bail out!` line; a payload that hangs hits the time limit and
# exits 3; a WARNING line on the console exits 4 with a `# dmesg:` line;
# --zram gives a swap device; a missing kernel exits 2.
# Stdout: one `ok N name` / `not ok N name` line per check, then
#   `selftest: N passed, N failed`. Exit: 0 when all pass, 1 otherwise,
#   2 when the kernel cannot be built.
set -euo pipefail
PROG=selftest.sh
# shellcheck source=kernel/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

arch=x86_64
while (($#)); do
	case $1 in
	--arch) arch=${2:?}; shift 2 ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; /SPDX-License-Identifier/d; s/^# \{0,1\}//' >&2; exit 0 ;;
	*) die 2 "unknown argument '$1' (see --help)" ;;
	esac
done
check_arch "$arch"
bz=$("$MMCHECK_KERNEL_DIR/build.sh" --arch "$arch") || exit 2
ensure_packages gcc libc6-dev || die 2 "stage packages failed: gcc libc6-dev"

work=$(mktemp -d "${TMPDIR:-/tmp}/mmcheck-selftest.XXXXXX")
trap 'rm -rf "$work"' EXIT
n=0 passed=0 failed=0

# payload NAME SCRIPT: a payload dir whose run is the given sh script.
payload() {
	mkdir -p "$work/$1"
	printf '#!/bin/sh\n%s\n' "$2" >"$work/$1/run"
	chmod +x "$work/$1/run"
}

# check NAME WANT_STATUS WANT_STDOUT_REGEX [vm.sh args...]
check() {
	local name=$1 want=$2 regex=$3 got
	shift 3
	n=$((n + 1))
	set +e
	"$MMCHECK_KERNEL_DIR/vm.sh" --arch "$arch" --log "$work/$name.log" "$@" >"$work/$name.out" 2>"$work/$name.err"
	got=$?
	set -e
	if [[ $got == "$want" ]] && { [[ -z $regex ]] || grep -Eq "$regex" "$work/$name.out"; }; then
		passed=$((passed + 1))
		printf 'ok %d %s\n' "$n" "$name"
	else
		failed=$((failed + 1))
		printf 'not ok %d %s\n' "$n" "$name"
		printf '# wanted exit %s and stdout matching /%s/, got exit %s\n' "$want" "$regex" "$got"
		sed 's/^/# stdout: /' "$work/$name.out"
		sed 's/^/# stderr: /' "$work/$name.err"
		tail -n 20 "$work/$name.log" 2>/dev/null | sed 's/^/# log: /'
	fi
}

# A static C program as well as a shell script: what exported reproducers are.
cat >"$work/hello.c" <<'EOF'
#include <stdio.h>
int main(void) { puts("ok 2 static-c"); return 0; }
EOF
payload pass 'echo "TAP version 13"; echo "1..2"; echo "ok 1 shell"; ./hello'
gcc -static -O2 -o "$work/pass/hello" "$work/hello.c" || die 2 "stage compile failed: hello.c"
payload fail 'echo "1..1"; echo "not ok 1 expected-failure"; exit 1'
payload panic 'echo "1..1"; echo c >/proc/sysrq-trigger; sleep 5'
payload hang 'echo "1..1"; sleep 1000'
payload warn 'echo "1..1"; echo "<4>WARNING: mmcheck-selftest" >/dev/kmsg; echo "ok 1 warned"'
payload zram 'grep -q zram0 /proc/swaps && echo "ok 1 zram-swap" || { echo "not ok 1 zram-swap"; cat /proc/swaps; exit 1; }'

check pass-exits-0 0 '^ok 2 static-c$' --kernel "$bz" --payload "$work/pass" --timeout 120
check fail-exits-1 1 '^not ok 1 expected-failure$' --kernel "$bz" --payload "$work/fail" --timeout 120
check panic-exits-3 3 '^Bail out! kernel panic' --kernel "$bz" --payload "$work/panic" --timeout 120
check hang-exits-3 3 '^Bail out! time limit' --kernel "$bz" --payload "$work/hang" --timeout 25
check warning-exits-4 4 '^# dmesg: .*WARNING: mmcheck-selftest' --kernel "$bz" --payload "$work/warn" --timeout 120
check zram-swap 0 '^ok 1 zram-swap$' --kernel "$bz" --payload "$work/zram" --zram 32M --timeout 120
check missing-kernel-exits-2 2 '' --kernel "$work/no-such-bzImage" --payload "$work/pass" --timeout 120

printf 'selftest: %d passed, %d failed\n' "$passed" "$failed"
((failed == 0))
