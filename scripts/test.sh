#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build mmcheck and run the whole test suite with CTest; the last line says
# how many tests ran. A build with no tests is an error, never a pass.
# Usage: scripts/test.sh [--sanitize]   (ASan + UBSan build in build-asan/)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(scripts/build.sh "$@")
cd "$dir"
ctest --output-on-failure --no-tests=error -j "$(nproc)"
