#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Explores the MAIN model (mmcheck explore --profile) and prints states, rate and memory, with
# and without swap-slot symmetry, then the shortest counterexample lengths of the
# device-exclusive bugs on linux-6.14 next to what `mmcheck shrink` makes of the corpus traces.
#
#   bench/explore_main.sh [path/to/mmcheck]            (default: build/cli/mmcheck)
#   bench/explore_main.sh --targets [path/to/mmcheck]  issue 16's three main-model targets only,
#       1 job, CPU seconds and load quoted: the restated target (2 folio slots, exhaustive,
#       check included), 3 folio slots for 10 minutes, the whole op table (THP never) for 10
#       minutes
#   bench/explore_main.sh --split [path/to/mmcheck]    where a state's time goes: perf (call
#       graphs) over the first 300,000 states of the restated target, 1 job, split into the
#       search's and the mm-renaming check's World copy, model::Apply, the "changed?" test,
#       property checks, encoding (canonical form included), section interning, decoding and
#       the explorer's own work (table, numbering)
#
# Universe: 1 mm plus its fork child (mms=2), 2 pages (one PMD of order 1), 3 folio slots,
# 2 swap slots, 1 device; data values 1..1 (--values 1). Figures of 2026-11-30 (2 jobs, idle):
#   * the whole op table (252 instances) does not finish: each BFS level is about 11x the one
#     before; in 60 s it numbers 6,659,714 states (depth 6 complete, 6,082,211 new at depth 6),
#     so depth 7 alone would be ~70M states;
#   * --alphabet devexcl-core (the ops standing for the benchmark machine's alphabet, at every
#     va), swap+mm symmetry: 11,494,070 states at depth 11 in 60 s (191k states/s, 223 bytes/state
#     of tables); a 1-job run stopped by an 18 GB limit had 44,453,793 states at depth 13 with the
#     levels still growing 1.5x. THP (order-1 folios, on by default) is part of that space;
#   * the same alphabet with transparent_hugepage=never and 2 folio slots (4 order-0 frames, one
#     more folio than the spec's 3) is exhaustive: 7,814,780 states in 58.5 s (134k states/s),
#     then 326 s for the symmetry check; 21,184,054 states in 160 s without symmetry;
#   * 2026-12-06 (after the check change, machine shared, load 2-5): THP never, 2 folio slots,
#     swap+mm symmetry: 16,735,094 states, 23 levels, 230 s search, 676 s mm-renaming check (swap
#     renamings trusted, 4,097 sampled); 3 folio slots, swap+mm: level 10 passes 1.78M states
#     (122k states per CPU-second, 1 job), far from exhaustive in 60 s;
#   * 2026-12-06, later (branch mainspeed; machine shared, load 10-11, so CPU seconds, not wall):
#     the mm-renaming check runs during the search on the successors the explorer computed, and
#     the encoding drops the shmem section when no op maps shared memory (devexcl-core: 144 ->
#     120 bytes/state encoded). 2 folio slots, swap+mm, 1 job: 16,735,094 states, 23 levels,
#     503,164,534 edges, as before; 579 CPU-s in all, check included (28.7k states per
#     CPU-second), 158.4 bytes/state of tables (was 182.5), peak 3,031 MB (was 3,538);
#     1 folio slot: 231,062 states, 7.8-8.4 -> 5.6 CPU-s including the check, tables 188 -> 161
#     bytes/state. The whole op table, THP never, 10 minutes (110 CPU-s at load 11): 5,769,745
#     states (levels 1..6 complete, 5,249,692 at level 6), 269 bytes/state of tables;
#   * 2026-12-06, branch mainmem (1 job, Release, machine shared, load 1.8-3.4 on 2 cores): the
#     encoding is bit-packed (each field in the bits of its range in the universe: 120 -> 47
#     bytes on this target) and interned (MainModelOptions::intern_sections: each distinct mm
#     section and rest of the world kept once; a state is 2 x 24 + 31 = 79 bits of section
#     numbers, so the explorer keeps it whole in a packed 16-byte slot), and the mm-renaming
#     check compares worlds before it writes encodings. THP never, 2 folio slots, swap+mm:
#     16,735,094 states, 23 levels, 503,164,534 edges (identical); tables 158.4 -> 42.4
#     bytes/state (section tables included), peak 3,031 -> 980 MB; 541 -> 548 CPU-s with the
#     check (check 313 -> 206 s; 30.9k -> 30.5k states per CPU-second, the second run at a
#     higher load). 3 folio slots, swap+mm, 10 minutes of wall time: both reach 16,131,398
#     states (levels 0-11 complete, 7,744,584 of level 12), before in 500 CPU-s with 183.8
#     bytes/state and a 4,205 MB peak, after (without the check shortcut) in 460 CPU-s with 44.3
#     bytes/state and a 994 MB peak;
#   * 2026-12-06, branch mainrate (1 job, Release, machine shared: load 3-6 throughout, so CPU
#     seconds): `--split` before the change: the search's encoding 20 %, model::Apply 13 %
#     (search) + 13 % (check), World copies 5 + 5 %, section interning 5 %, transition properties
#     4 + 4 %, the "changed?" tests 3 + 4 %, mm-renamed worlds compared 4 %, decoding 2 %,
#     allocation < 1 %, the explorer's own work 7-10 %; the mm-renaming check is 37 % in all.
#     Encode now copies the sections a successor shares with its decoded parent and compares
#     renamings of mms (and swap slots) by their mm sections before writing the rest. THP never,
#     2 folio slots, swap+mm: 16,735,094 states, 23 levels, 503,164,534 edges (identical),
#     575.7 -> 552.8 CPU-s with the check (29.1k -> 30.3k states per CPU-second; check 513 ->
#     471 s at this load), 42.4 bytes/state, peak 980 MB; 3 folio slots, first 1.5M states:
#     47.1 -> 43.1 CPU-s (two runs each, alternated); 10 minutes of wall time at load 4-6
#     (194 CPU-s): 8,386,814 states, levels 0-10 complete, 4.8M of level 11. The whole op table
#     with THP never, 3 folio slots, 10 minutes (216 CPU-s, load 4-6): 5,769,745 states, levels
#     0-6 complete (5,249,692 at level 6; each level about 11x the one before, so level 7 alone
#     would be ~58M states), 206.3 bytes/state of tables, 1,923 MB peak;
#   * the "story" alphabet below (map read-write private memory, fork, touch, make exclusive, the
#     three movers, all at va 0) is exhaustive in well under a second, with and without swap-slot
#     and mm symmetry (checked exact after the search).
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=all
case "${1:-}" in --targets | --split) MODE=${1#--}; shift ;; esac
MMCHECK=${1:-build/cli/mmcheck}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
U="--universe mms=2,pages=2,folios=3,swap=2,devices=1,pmd_order=1 --values 1 --jobs 2"
STORY=(--op mmap --op fork --op cpu_write --op cpu_read --op dev_exclusive --op offline
       --op reclaim --op migrate --restrict kind=private --restrict prot=rw --restrict npages=2
       --restrict va=0)

summary() {  # the figures of one text report
  grep -E '^  (alphabet|search|states|edges|diameter|per level|time) |^memory|^symmetry|^verdict' || true
}

TIME_FMT="  wall %e s, user %U s, sys %S s, max RSS %M KB (load before: $(cut -d' ' -f1-3 /proc/loadavg))"
if [ "$MODE" = targets ]; then
  T1="--universe mms=2,pages=2,folios=3,swap=2,devices=1,pmd_order=1 --values 1 --jobs 1"
  T_NEVER="--knob transparent_hugepage=never --max-memory 8000 --liveness none"
  echo "== restated target: devexcl-core, THP never, 2 folio slots, swap+mm symmetry, 1 job"
  /usr/bin/time -f "$TIME_FMT" "$MMCHECK" explore --profile linux-6.15 ${T1/folios=3/folios=2} \
    $T_NEVER --alphabet devexcl-core --symmetry swap,mms | summary
  echo "== 3 folio slots, devexcl-core, THP never, swap+mm symmetry, 1 job, 10 minutes"
  /usr/bin/time -f "$TIME_FMT" "$MMCHECK" explore --profile linux-6.15 $T1 $T_NEVER \
    --alphabet devexcl-core --symmetry swap,mms --budget 10m | summary || true
  echo "== the whole op table, THP never, 3 folio slots, 1 job, 10 minutes"
  /usr/bin/time -f "$TIME_FMT" "$MMCHECK" explore --profile linux-6.15 $T1 $T_NEVER \
    --budget 10m | summary || true
  echo "  (load after: $(cut -d' ' -f1-3 /proc/loadavg))"
  exit 0
fi
if [ "$MODE" = split ]; then
  command -v perf >/dev/null || { echo "explore_main.sh --split needs perf" >&2; exit 2; }
  perf record -q -F 499 --call-graph dwarf,16384 -o "$OUT/perf.data" "$MMCHECK" explore \
    --profile linux-6.15 --universe mms=2,pages=2,folios=2,swap=2,devices=1,pmd_order=1 --values 1 \
    --jobs 1 --knob transparent_hugepage=never --alphabet devexcl-core --liveness none \
    --symmetry swap,mms --max-states 300000 >/dev/null 2>&1 || true
  perf script -i "$OUT/perf.data" 2>/dev/null | python3 -c '
import collections, sys
samples, cur = [], []
for line in sys.stdin:
    if line and not line[0].isspace():
        if cur: samples.append(" | ".join(cur))
        cur = []
    elif line.strip():
        cur.append(line.strip())
if cur: samples.append(" | ".join(cur))
def part(s):
    where = "check" if "MainModel::Expanded" in s else "search"
    for key, name in (("MainModel::Decode", "decode"), ("SectionTable::Intern", "section interning"),
                      ("CanonicalSections", "encoding"), ("EncodeCanonical", "encoding"),
                      ("EncodeExact", "encoding"),
                      ("EncodeRenamed", "encoding"), ("WriteWorld", "encoding"),
                      ("SameUnderMmRenaming", "mm-renamed worlds compared"),
                      ("Rename", "renamed world built")):
        if key in s: return where, name
    if "MainModel::Step" in s:
        for key, name in (("model::Apply", "model::Apply"), ("CheckStep", "transition properties"),
                          ("World::operator=", "World copy"), ("model::Enabled", "Enabled")):
            if key in s: return where, name
        return where, "Step itself (the changed? test)"
    if "ViolatedStateProperties" in s or "CheckStep" in s: return where, "state properties"
    if "malloc" in s.split(" | ")[0] or "free" in s.split(" | ")[0]: return where, "allocation"
    return where, "explorer (table, numbering) and the rest"
count = collections.Counter(part(s) for s in samples)
for (where, name), n in count.most_common():
    print(f"  {100 * n / len(samples):5.1f} %  {where:6}  {name}")
print(f"  ({len(samples)} samples)")'
  exit 0
fi

echo "== linux-6.15, every op of the table, 60 s / 8 GB budget (exit 3 = limit reached)"
"$MMCHECK" explore --profile linux-6.15 $U --budget 60 --max-memory 8000 --liveness none | summary || true
echo "== linux-6.15, --alphabet devexcl-core, swap+mm symmetry, 60 s budget (exit 3 = limit reached)"
"$MMCHECK" explore --profile linux-6.15 $U --alphabet devexcl-core --symmetry swap,mms --budget 60 \
  --max-memory 8000 --liveness none | summary || true
THP_NEVER="--knob transparent_hugepage=never --alphabet devexcl-core --max-memory 8000 --liveness none"
echo "== linux-6.15, --alphabet devexcl-core, THP never, 2 folio slots, swap+mm symmetry (exhaustive)"
/usr/bin/time -f "  wall %e s, user %U s, sys %S s, max RSS %M KB (load: $(cut -d' ' -f1-3 /proc/loadavg))" \
  "$MMCHECK" explore --profile linux-6.15 ${U/folios=3/folios=2} $THP_NEVER --symmetry swap,mms | summary
# The restated target (issue 16 section 2): 3 folio slots, exhaustive within 60 s including the
# symmetry check. Swap-slot symmetry is exact by construction and only sampled by the check, so
# it costs nothing after the search; mm symmetry is checked on every state, during the search
# (its cost is in the search time and in the check's seconds).
for sym in "--symmetry swap" "--symmetry swap,mms" ""; do
  echo "== linux-6.15, --alphabet devexcl-core, THP never, 3 folio slots, ${sym:-without symmetry}"
  /usr/bin/time -f "  wall %e s, user %U s, sys %S s, max RSS %M KB (load: $(cut -d' ' -f1-3 /proc/loadavg))" \
    "$MMCHECK" explore --profile linux-6.15 $U $THP_NEVER $sym | summary
done
echo "== linux-6.15, every op of the table, THP never, 10 minute budget (exit 3 = limit reached)"
"$MMCHECK" explore --profile linux-6.15 $U --knob transparent_hugepage=never --budget 10m \
  --max-memory 8000 --liveness none | summary || true
for sym in "" "--symmetry swap,mms"; do
  echo "== linux-6.15, story alphabet ${sym:-without symmetry}"
  "$MMCHECK" explore --profile linux-6.15 $U "${STORY[@]}" $sym | summary
done

echo "== linux-6.14, story alphabet plus fork: shortest counterexamples (BFS)"
"$MMCHECK" explore --profile linux-6.14 $U "${STORY[@]/npages=2/npages=1,2}" --out "$OUT/cx" \
  | grep -E 'VIOLATED' | sed -E 's/ -> .*//' | cut -c1-160 || true

echo "== the same bugs in the corpus, shrunk by mmcheck shrink (steps before -> after)"
for t in bug-03-mapcount-dropped bug-03-unswappable-exclusive bug-04-offline-loops \
         bug-04-exclusive-migrates; do
  f=tests/corpus/$t.mmtrace
  before=$(grep -cE '^[0-9]+ ' "$f")
  after=$("$MMCHECK" shrink "$f" --budget 20s 2>/dev/null | grep -cE '^[0-9]+ ' || true)
  echo "  $t: $before -> $after steps ($(grep '^expect' "$f"), $(grep '^profile' "$f"))"
done
