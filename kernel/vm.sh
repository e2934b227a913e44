#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# kernel/vm.sh — boot a kernel under QEMU (TCG) with a payload and collect its
# KTAP output.
#
# Usage: kernel/vm.sh --kernel BZIMAGE --payload DIR --log FILE
#                     [--timeout SECONDS]  (default 300; the whole VM run)
#                     [--memory SIZE]      (default 512M; QEMU -m syntax)
#                     [--append "ARGS"]    (extra kernel command line)
#                     [--zram SIZE]        (swap on a zram device of SIZE, e.g. 64M)
#                     [--arch x86_64|arm64]
#
# arm64 (issue 13): qemu-system-aarch64 -machine virt, the kernel console on
# the PL011 (ttyAMA0) and the payload's output on a virtio console (hvc0)
# instead of ttyS0/ttyS1; the initramfs gets Debian's busybox-static:arm64
# (fetched with `apt-get download`, dpkg's arm64 architecture added once).
#
# The payload DIR must hold an executable `run`; it is packed at /payload in a
# busybox-static initramfs whose /init installs the applet symlinks, mounts proc, sysfs, devtmpfs, debugfs
# and a tmpfs on /tmp, sets up zram swap if asked, runs `cd /payload && ./run`
# as root with stdout+stderr on the second serial port, and powers off.
# The kernel console (first serial port) and the payload's output (second
# serial port) are kept apart, so a kernel message can never split a KTAP line.
#
# Stdout: the payload's lines between MMCHECK-PAYLOAD-BEGIN and
#   MMCHECK-PAYLOAD-END (its KTAP), then one `# dmesg: ...` KTAP diagnostic line
#   per WARNING:/BUG:/Oops/panic line the kernel printed; when the run is
#   inconclusive (exit 3) the lines are partial and a last `Bail out! REASON`
#   line says so.
# Stderr: progress and a one-line summary (`vm.sh: result ...`).
# FILE: the whole console log, then the payload's raw output after a
#   `==== payload output (ttyS1) ====` line.
# Exit: 0 the payload ran and exited 0, and the kernel printed no WARNING/BUG/Oops;
#       1 the payload ran and exited non-zero (reported failures);
#       2 setup error (missing kernel or payload, packing, QEMU would not start);
#       3 inconclusive: time limit, kernel panic, or no end marker;
#       4 the payload ran to its end but the kernel printed a WARNING/BUG/Oops
#         (takes precedence over 0 and 1).
set -euo pipefail
PROG=vm.sh
# shellcheck source=kernel/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

kernel='' payload='' logfile='' timeout_s=300 memory=512M append='' zram='' arch=x86_64
while (($#)); do
	case $1 in
	--kernel) kernel=${2:?}; shift 2 ;;
	--payload) payload=${2:?}; shift 2 ;;
	--log) logfile=${2:?}; shift 2 ;;
	--timeout) timeout_s=${2:?}; shift 2 ;;
	--memory) memory=${2:?}; shift 2 ;;
	--append) append=${2?}; shift 2 ;;
	--zram) zram=${2:?}; shift 2 ;;
	--arch) arch=${2:?}; shift 2 ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; /SPDX-License-Identifier/d; s/^# \{0,1\}//' >&2; exit 0 ;;
	*) die 2 "unknown argument '$1' (see --help)" ;;
	esac
done
check_arch "$arch"
[[ -n $kernel && -n $payload && -n $logfile ]] || die 2 "--kernel, --payload and --log are required (see --help)"
[[ -f $kernel ]] || die 2 "setup: no kernel image '$kernel'"
[[ -x $payload/run && -f $payload/run ]] || die 2 "setup: payload '$payload' has no executable 'run'"
[[ $timeout_s =~ ^[0-9]+$ && $timeout_s -gt 0 ]] || die 2 "setup: --timeout wants a positive number of seconds, not '$timeout_s'"
[[ -z $zram || $zram =~ ^[0-9]+[KMG]?$ ]] || die 2 "setup: --zram wants a size like 64M, not '$zram'"

if [[ $arch == arm64 ]]; then
	ensure_packages qemu-system-arm cpio gzip ||
		die 2 "setup: apt-get could not install qemu-system-arm cpio gzip"
	# busybox-static:arm64, unpacked once into the cache (no arm64 package is installed).
	bbdir=$(cache_root)/busybox-arm64
	if [[ ! -x $bbdir/bin/busybox ]]; then
		if ! dpkg --print-foreign-architectures | grep -qx arm64; then
			dpkg --add-architecture arm64 && apt-get update -q >&2 ||
				die 2 "setup: cannot add dpkg architecture arm64 for busybox-static:arm64"
		fi
		bbtmp=$(mktemp -d "${TMPDIR:-/tmp}/mmcheck-bb.XXXXXX")
		chmod 777 "$bbtmp"
		(cd "$bbtmp" && apt-get download -q busybox-static:arm64 >&2) &&
			mkdir -p "$bbdir" && dpkg-deb -x "$bbtmp"/busybox-static_*_arm64.deb "$bbdir" ||
			{ rm -rf "$bbtmp"; die 2 "setup: apt-get download busybox-static:arm64 failed"; }
		rm -rf "$bbtmp"
	fi
	busybox=$bbdir/bin/busybox
	[[ -x $busybox ]] || die 2 "setup: no $busybox"
else
ensure_packages qemu-system-x86 busybox-static cpio gzip ||
	die 2 "setup: apt-get could not install qemu-system-x86 busybox-static cpio gzip"
busybox=/bin/busybox
fi
# The dynamic `busybox` package also ships /bin/busybox; an initramfs has no libc.
readelf -l "$busybox" 2>/dev/null | grep -q INTERP &&
	die 2 "setup: $busybox is dynamically linked (install busybox-static)"

work=$(mktemp -d "${TMPDIR:-/tmp}/mmcheck-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT

# ---- the initramfs
root=$work/root
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,payload}
cp "$busybox" "$root/bin/busybox"
cp -a "$payload/." "$root/payload/" || die 2 "setup: cannot copy payload '$payload'"
cat >"$root/init" <<'INIT'
#!/bin/busybox sh
# mmcheck VM init: mount, run /payload/run, report its status, power off.
# One busybox call makes the applet symlinks (270 ln calls on the host cost 0.6 s).
/bin/busybox --install -s /bin
export PATH=/bin:/sbin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
port=ttyS1
for arg in $(cat /proc/cmdline); do
	case $arg in
	mmcheck.zram=*) zram=${arg#mmcheck.zram=} ;;
	mmcheck.port=*) port=${arg#mmcheck.port=} ;;
	esac
done
if [ -n "$zram" ]; then
	echo "$zram" >/sys/block/zram0/disksize && mkswap /dev/zram0 >/dev/null &&
		swapon /dev/zram0 && echo "mmcheck-init: zram swap $zram on"
fi
stty -F /dev/$port raw -echo 2>/dev/null
exec 3>/dev/$port
read up _ </proc/uptime
echo "MMCHECK-PAYLOAD-BEGIN uptime=$up"
echo "MMCHECK-PAYLOAD-BEGIN uptime=$up" >&3
cd /payload && ./run >&3 2>&3 </dev/null
rc=$?
read up _ </proc/uptime
echo "MMCHECK-PAYLOAD-END rc=$rc" >&3
# Closing the port waits until its output has drained, so nothing is lost
# to the power-off.
exec 3>&-
echo "MMCHECK-PAYLOAD-END rc=$rc uptime=$up"
poweroff -f
INIT
chmod +x "$root/init"
initrd=$work/initrd.gz
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 --reproducible | gzip -n -1) >"$initrd" ||
	die 2 "setup: packing the initramfs failed"

# ---- the VM
# A fixed command line and CPU model: runs are comparable across machines.
# loglevel=5 keeps boot chatter off the slow emulated UART while WARNING and
# worse still reach the console; panic=-1 + -no-reboot turns a panic into exit.
cmdline="console=ttyS0 loglevel=5 panic=-1 rdinit=/init"
[[ -n $zram ]] && cmdline+=" mmcheck.zram=$zram"
[[ -n $append ]] && cmdline+=" $append"
console=$work/console.log
pout=$work/payload.out
: >"$console"
: >"$pout"
mkdir -p "$(dirname "$logfile")" || die 2 "setup: cannot create the log's directory"
log "booting $(basename "$kernel") (TCG, -m $memory, timeout ${timeout_s}s)"
start=$(date +%s.%N)
set +e
if [[ $arch == arm64 ]]; then
	cmdline=${cmdline/console=ttyS0/console=ttyAMA0}
	cmdline+=" mmcheck.port=hvc0"
	timeout -k 10 "$timeout_s" qemu-system-aarch64 \
		-nodefaults -display none -no-reboot -monitor none \
		-machine virt -accel tcg -cpu cortex-a57 -smp 2 -m "$memory" \
		-kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
		-serial "file:$console" \
		-device virtio-serial-device -chardev "file,id=payload,path=$pout" \
		-device virtconsole,chardev=payload \
		</dev/null >"$work/qemu.out" 2>&1
else
timeout -k 10 "$timeout_s" qemu-system-x86_64 \
	-nodefaults -display none -no-reboot -monitor none \
	-machine pc -accel tcg -cpu qemu64 -smp 2 -m "$memory" \
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
	-serial "file:$console" -serial "file:$pout" \
	</dev/null >"$work/qemu.out" 2>&1
fi
qrc=$?
set -e
wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
tr -d '\r' <"$console" >"$work/console.txt"
tr -d '\r' <"$pout" >"$work/payload.txt"
{
	cat "$work/console.txt"
	[[ ! -s $work/console.txt || $(tail -c1 "$work/console.txt") == '' ]] || echo
	printf '==== payload output (ttyS1) ====\n'
	cat "$work/payload.txt"
	[[ ! -s $work/payload.txt || $(tail -c1 "$work/payload.txt") == '' ]] || echo
	if [[ -s $work/qemu.out ]]; then
		printf '==== qemu (exit %s) ====\n' "$qrc"
		cat "$work/qemu.out"
	fi
} >"$logfile"

# QEMU could not start at all (bad kernel file, bad option): a setup error.
if ((qrc != 0 && qrc != 124 && qrc != 137)) && [[ ! -s $work/console.txt ]]; then
	die 2 "setup: qemu-system-x86_64 exited $qrc before the kernel printed anything: $(head -n1 "$work/qemu.out")"
fi

# ---- the results
awk '/^MMCHECK-PAYLOAD-BEGIN/{on=1; next} /^MMCHECK-PAYLOAD-END/{on=0} on' "$work/payload.txt"
complaints=$(grep -E 'WARNING:|BUG:|Oops|Kernel panic|general protection fault|kernel BUG' "$work/console.txt" || true)
if [[ -n $complaints ]]; then
	while IFS= read -r line; do
		printf '# dmesg: %s\n' "$line"
	done <<<"$complaints"
fi

endline=$(grep -m1 '^MMCHECK-PAYLOAD-END rc=' "$work/payload.txt" || true)
beginline=$(grep -m1 '^MMCHECK-PAYLOAD-BEGIN' "$work/console.txt" || true)
boot=${beginline##*uptime=}
[[ -n $beginline ]] || boot='?'
endcon=$(grep -m1 '^MMCHECK-PAYLOAD-END rc=.* uptime=' "$work/console.txt" || true)
ran='?'
[[ -n $endcon && -n $beginline ]] && ran=$(awk -v a="$boot" -v b="${endcon##*uptime=}" 'BEGIN { printf "%.2f", b - a }')
timing="boot to payload ${boot}s, payload ${ran}s (guest clock), wall ${wall}s"
first_complaint=$(head -n1 <<<"$complaints")
# Inconclusive: the lines above are partial; a KTAP `Bail out!` says so on
# stdout too, so no caller mistakes them for a whole result.
inconclusive() {
	printf 'Bail out! %s\n' "$1"
	log "result inconclusive: $1, see $logfile"
	exit 3
}
((qrc == 124 || qrc == 137)) && inconclusive "time limit ${timeout_s}s reached (hang); $timing"
grep -q 'Kernel panic' "$work/console.txt" &&
	inconclusive "kernel panic: $(grep -m1 'Kernel panic' "$work/console.txt" | sed 's/^\[ *[0-9.]*\] //')"
[[ -n $endline ]] || inconclusive "no MMCHECK-PAYLOAD-END marker (payload or init died, qemu exit $qrc)"
rc=${endline#MMCHECK-PAYLOAD-END rc=}
if [[ -n $complaints ]]; then
	log "result kernel-complained: payload rc=$rc, $(wc -l <<<"$complaints") WARNING/BUG/Oops line(s), first: $first_complaint; $timing"
	exit 4
fi
if [[ $rc != 0 ]]; then
	log "result payload-failed: rc=$rc; $timing"
	exit 1
fi
log "result ok: rc=0; $timing"
exit 0
