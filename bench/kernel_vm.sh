#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmarks of the real-kernel runner (issue 12, kernel/):
#   1. kernel build from scratch (unpack + tinyconfig + fragment + make -j$(nproc)
#      + headers_install), in a temporary MMCHECK_CACHE, wall seconds, with the
#      load average before and after (other compiles on the machine slow it);
#   2. the same from the cache (must be ~0: no unpack, no make);
#   3. VM boot to payload start (guest clock) and a whole trivial VM run (wall);
#   4. the kernel's hmm-tests in the VM: wall, and in-guest run time;
#   5. payload programs per minute in one VM boot: N static hello-world
#      binaries run one after another inside one payload.
# Usage: bench/kernel_vm.sh [--no-scratch] [--hello N (default 50)]
#   --no-scratch skips 1 (it costs the whole kernel build).
# Stdout: `name: value` lines. Numbers go in issue notes, never in tests.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
k=$here/kernel
scratch=1 hello=50
while (($#)); do
	case $1 in
	--no-scratch) scratch=0; shift ;;
	--hello) hello=${2:?}; shift 2 ;;
	*) echo "bench/kernel_vm.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "cores: $(nproc)"
if ((scratch)); then
	echo "build_scratch_load_before: $(load)"
	t=$(now)
	MMCHECK_CACHE=$work/cache "$k/build.sh" >/dev/null
	echo "build_scratch_wall_s: $(since "$t")"
	echo "build_scratch_load_after: $(load)"
	t=$(now)
	MMCHECK_CACHE=$work/cache "$k/build.sh" >/dev/null
	echo "build_cached_wall_s: $(since "$t")"
	rm -rf "$work/cache"
fi
# The rest uses the normal cache (built here if missing).
bz=$("$k/build.sh")
t=$(now)
"$k/build.sh" >/dev/null
echo "build_cached_wall_s (user cache): $(since "$t")"

# 3. boot: an empty payload.
mkdir -p "$work/empty"
printf '#!/bin/sh\necho "ok 1 empty"\n' >"$work/empty/run"
chmod +x "$work/empty/run"
for i in 1 2 3; do
	t=$(now)
	"$k/vm.sh" --kernel "$bz" --payload "$work/empty" --log "$work/empty.log" >/dev/null 2>"$work/empty.err"
	w=$(since "$t")
	boot=$(sed -n 's/.*boot to payload \([0-9.]*\)s.*/\1/p' "$work/empty.err")
	echo "vm_empty_run_$i: boot_to_payload_guest_s=$boot wall_s=$w (incl. initramfs packing)"
done

# 4. hmm-tests.
t=$(now)
set +e
"$k/hmm-tests.sh" --log "$work/hmm.log" >"$work/hmm.ktap" 2>"$work/hmm.err"
rc=$?
set -e
w=$(since "$t")
inguest=$(sed -n 's/.*payload \([0-9.]*\)s (guest clock).*/\1/p' "$work/hmm.err")
echo "hmm_tests: exit=$rc wall_s=$w (incl. compile) in_guest_s=$inguest $(grep -m1 '^# Totals' "$work/hmm.ktap" | sed 's/^# //')"

# 5. payloads per minute.
mkdir -p "$work/hello"
cat >"$work/hello.c" <<'EOF'
#include <stdio.h>
int main(int argc, char **argv) { printf("ok %s hello\n", argv[1]); return 0; }
EOF
gcc -static -O2 -o "$work/hello/hello" "$work/hello.c"
{
	echo '#!/bin/sh'
	echo "echo 1..$hello"
	echo "i=1; while [ \$i -le $hello ]; do ./hello \$i; i=\$((i+1)); done"
} >"$work/hello/run"
chmod +x "$work/hello/run"
t=$(now)
"$k/vm.sh" --kernel "$bz" --payload "$work/hello" --log "$work/hello.log" >"$work/hello.out" 2>"$work/hello.err"
w=$(since "$t")
inguest=$(sed -n 's/.*payload \([0-9.]*\)s (guest clock).*/\1/p' "$work/hello.err")
oks=$(grep -c '^ok ' "$work/hello.out" || true)
echo "hello_payloads: n=$hello ok=$oks in_guest_s=$inguest wall_s=$w per_min_in_guest=$(awk -v n="$oks" -v s="$inguest" 'BEGIN { if (s > 0) printf "%.0f", 60 * n / s; else print "inf" }') per_min_incl_boot=$(awk -v n="$oks" -v s="$w" 'BEGIN { printf "%.0f", 60 * n / s }')"
echo "load_at_end: $(load)"
