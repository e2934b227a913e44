#!/usr/bin/env bash
# Build mmcheck and run its main job: a short property campaign over every
# built-in profile (every property checked after every step of random
# operation sequences), printing the report. Counterexamples are shrunk and
# written as .mmtrace files into build/campaign/.
# With arguments, they replace the defaults and go to `mmcheck campaign`:
#   scripts/run.sh --profile linux-6.14 --budget 5s --seed 1
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(scripts/build.sh --no-tests)
# The universe has device pages so that the device-private profiles'
# expected violations are reachable (the model's default universe has none),
# two devices (a walk for one device's folio meeting the other's
# device-private PMD, balbir-v6-posted) and 2-page PMDs (an order-1 device
# folio, bug 21 on balbir-v6-posted, needs pmd_order=1).
if [ $# -eq 0 ]; then
  set -- --budget 30s --out "$dir/campaign" \
    --universe mms=2,pages=4,folios=6,swap=4,devices=2,pmd_order=1,device_pages=4
fi
exec "$dir/cli/mmcheck" campaign "$@"
