#!/usr/bin/env bash
# Configure and build mmcheck. Usage: scripts/build.sh [--sanitize] [--no-tests]
# Builds into build/ (or build-asan/ with --sanitize) and prints the build dir.
set -euo pipefail
cd "$(dirname "$0")/.."
"$(pwd)/scripts/install-deps.sh"

dir=build
args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
for a in "$@"; do
  case "$a" in
    --sanitize) dir=build-asan; args+=(-DMMCHECK_SANITIZE=ON -DMMCHECK_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug) ;;
    --no-tests) args+=(-DMMCHECK_BUILD_TESTS=OFF -DMMCHECK_BUILD_BENCH=OFF) ;;
    *) echo "build.sh: unknown option $a" >&2; exit 2 ;;
  esac
done
cmake -S . -B "$dir" -G Ninja "${args[@]}" >/dev/null
cmake --build "$dir" -j "$(nproc)" >&2
echo "$dir"
