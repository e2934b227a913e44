#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Configure and build mmcheck. Usage: scripts/build.sh [--sanitize] [--cli-only]
# Builds into build/ (or build-asan/ with --sanitize) and prints the build
# directory on stdout: nothing else goes there (callers capture it).
#
# --cli-only builds just the mmcheck command in the same, fully configured
# build directory: the test suite stays configured, so scripts/test.sh after
# scripts/run.sh (or the other way round) never finds a build without tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh >&2

dir=build
args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DMMCHECK_BUILD_TESTS=ON)
targets=()
for a in "$@"; do
  case "$a" in
    --sanitize) dir=build-asan; args=(-DMMCHECK_SANITIZE=ON -DMMCHECK_BUILD_TESTS=ON -DMMCHECK_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug) ;;
    --cli-only) targets=(--target mmcheck) ;;
    *) echo "build.sh: unknown option $a (options: --sanitize, --cli-only)" >&2; exit 2 ;;
  esac
done
if command -v ccache >/dev/null; then args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B "$dir" -G Ninja "${args[@]}" >&2
cmake --build "$dir" -j "$(nproc)" "${targets[@]}" >&2
echo "$dir"
