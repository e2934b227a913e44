#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build mmcheck and run its main job: a short property campaign over every
# built-in profile (every property checked after every step of random
# operation sequences), printing the report. Counterexamples are shrunk and
# written as .mmtrace files into build/campaign/.
#
# Arguments go to `mmcheck campaign`; --budget (30s) and --out
# (build/campaign, replaced on each run: --force) take these defaults when
# not given:
#   scripts/run.sh --profile linux-6.14 --budget 5s --seed 1
# With no --universe, the campaign runs in the smallest universe that reaches
# every selected profile's expectations (each profile's min_universe).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(scripts/build.sh --cli-only)
extra=()
case " $* " in *" --budget "*|*" --budget="*) ;; *) extra+=(--budget 30s) ;; esac
case " $* " in *" --out "*|*" --out="*) ;; *) extra+=(--out "$dir/campaign" --force) ;; esac
exec "$dir/cli/mmcheck" campaign "${extra[@]}" "$@"
