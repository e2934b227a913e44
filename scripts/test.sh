#!/usr/bin/env bash
# Build mmcheck and run the whole test suite with CTest.
# Usage: scripts/test.sh [--sanitize]   (ASan + UBSan build in build-asan/)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(scripts/build.sh "$@")
cd "$dir"
ctest --output-on-failure -j "$(nproc)"
