#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install every Debian package mmcheck needs to build and test. Idempotent:
# packages already present are not touched, and apt is only called when
# something is missing. Silent on stdout (callers capture it): apt's output
# goes to stderr.
#
# scripts/install-deps.sh --packages PKG...  installs just those (the one
# place that calls apt: fuzzing's clang, the kernel runner's QEMU, lint's
# clang-tidy ask for theirs here).
set -euo pipefail
exec >&2

PACKAGES=(
  g++ cmake ninja-build pkg-config
  librapidcheck-dev libz3-dev libboost-graph-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev libfmt-dev nlohmann-json3-dev libtomlplusplus-dev libxxhash-dev
  libopenmpi-dev openmpi-bin
)

if [ "${1:-}" = --packages ]; then
  shift
  PACKAGES=("$@")
elif [ $# -gt 0 ]; then
  echo "install-deps: unknown option $1 (usage: install-deps.sh [--packages PKG...])" >&2
  exit 2
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
