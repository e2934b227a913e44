#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# kernel/repro/run.sh — run a kernel/repro/*.c reproducer on the Debian 6.12
# kernel under QEMU, for one architecture.
#
# Usage: kernel/repro/run.sh [--arch x86_64|arm64] [--log FILE] NAME
#   NAME is a file kernel/repro/NAME.c. The kernel comes from kernel/build.sh
#   --arch (cached), the reproducer is linked statically (gcc, or Debian's
#   aarch64-linux-gnu-gcc for arm64) and run as the VM's payload by
#   kernel/vm.sh with a 64 MiB zram swap device.
# Stdout: the reproducer's KTAP lines and vm.sh's `# dmesg:` lines.
# Exit: vm.sh's (0 ok, 1 reproducer reported failures, 4 kernel complained).
set -euo pipefail
PROG=kernel/repro/run.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=kernel/common.sh
source "$here/../common.sh"
arch=x86_64 logfile=''
while (($#)); do
	case $1 in
	--arch) arch=${2:?}; shift 2 ;;
	--log) logfile=${2:?}; shift 2 ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; /SPDX-License-Identifier/d; s/^# \{0,1\}//' >&2; exit 0 ;;
	-*) die 2 "unknown option '$1'" ;;
	*) break ;;
	esac
done
name=${1:?usage: kernel/repro/run.sh [--arch ARCH] NAME}
src=$here/$name.c
[[ -r $src ]] || die 2 "no reproducer $src"
check_arch "$arch"
cc=gcc
if [[ $arch == arm64 ]]; then
	ensure_packages gcc-aarch64-linux-gnu libc6-dev-arm64-cross || die 2 "cannot install the arm64 cross compiler"
	cc=aarch64-linux-gnu-gcc
fi
kernel=$("$here/../build.sh" --arch "$arch")
work=$(mktemp -d "${TMPDIR:-/tmp}/mmcheck-repro.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/payload"
"$cc" -static -O2 -Wall -o "$work/payload/run" "$src" -lpthread || die 2 "compiling $src failed"
[[ -n $logfile ]] || logfile=$work/vm.log
# A loaded host can make TCG miss the x86 IO-APIC timer check at boot.
append=''
[[ $arch == x86_64 ]] && append=no_timer_check
set +e
"$here/../vm.sh" --arch "$arch" --kernel "$kernel" --payload "$work/payload" --log "$logfile" \
	--memory 1G --zram 64M --timeout 600 --append "$append"
rc=$?
set -e
exit "$rc"
