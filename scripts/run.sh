#!/usr/bin/env bash
# Build mmcheck and run its main job: every built-in bug scenario on every
# profile, expected and observed verdicts side by side. Extra arguments go
# to `mmcheck scenarios`.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(scripts/build.sh --no-tests)
exec "$dir/cli/mmcheck" scenarios "$@"
