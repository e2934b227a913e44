# SPDX-License-Identifier: GPL-2.0
# Sourced by the kernel/*.sh scripts: shared helpers. Not executable on its own.
# shellcheck shell=bash

# shellcheck disable=SC2034 # used by the scripts that source this file
MMCHECK_KERNEL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The Debian source package every script builds from; its version keys the cache.
# shellcheck disable=SC2034
MMCHECK_SRC_PKG=linux-source-6.12

# Progress and errors go to stderr; stdout carries only each script's result.
log() { printf '%s: %s\n' "${PROG:-kernel}" "$*" >&2; }

# die STATUS MESSAGE: one line on stderr, then exit.
die() {
	local status=$1
	shift
	printf '%s: %s\n' "${PROG:-kernel}" "$*" >&2
	exit "$status"
}

cache_root() { printf '%s/kernel\n' "${MMCHECK_CACHE:-$HOME/.cache/mmcheck}"; }

# ensure_packages PKG...: install the missing ones (scripts/install-deps.sh,
# the one place that calls apt); all apt output to stderr. A fresh Debian 12
# machine (CI, a newcomer) has none of them.
ensure_packages() {
	"$(dirname "${BASH_SOURCE[0]}")/../scripts/install-deps.sh" --packages "$@" >&2
}

# check_arch ARCH: x86_64 (CI's) and arm64 (cross-built, QEMU virt; the arm64
# finding) have a config fragment and a QEMU command line.
check_arch() {
	case $1 in
	x86_64 | arm64) ;;
	*) die 2 "architecture '$1' is not supported (x86_64 or arm64)" ;;
	esac
}
