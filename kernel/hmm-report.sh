#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# kernel/hmm-report.sh — the kernel's hmm-tests results beside the model's
# tests that stand for them.
#
# Usage: kernel/hmm-report.sh KTAP     (the stdout of kernel/hmm-tests.sh)
#
# For each test of the KTAP (`ok 2 hmm.hmm_device_private.anon_read`) prints
# its result and the mmcheck tests that reproduce it on the model: a unit
# test under tests/ whose comment block names it (`// hmm-tests anon_read:`)
# and a corpus trace whose header names it (`# hmm-tests.c TEST_F(hmm,
# exclusive)`). The mapping is read from those comments, so a new model
# test shows up here by naming the selftest it stands for.
#
# Stdout: one line per KTAP test — result (ok / FAIL / skip), the test's
#   name, and the model's tests or `-` — then
#   `hmm-report: N tests (P ok, F failed, S skipped); M covered by the model
#   (C selftests by name), U not`.
# Exit: 0 printed; 2 no KTAP file, or no test line in it.
set -euo pipefail
PROG=hmm-report.sh
# shellcheck source=kernel/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
top=$(cd "$MMCHECK_KERNEL_DIR/.." && pwd)

case ${1:-} in
-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; /SPDX-License-Identifier/d; s/^# \{0,1\}//' >&2; exit 0 ;;
'') die 2 "no KTAP file given (see --help)" ;;
esac
ktap=$1
[[ -f $ktap ]] || die 2 "setup: no such file '$ktap'"
grep -Eq '^(not )?ok [0-9]+ ' "$ktap" || die 2 "$ktap: no KTAP test line (\`ok N name\`) in it"

# selftest name <TAB> model test, from the unit tests' comment blocks ...
map=$(
	find "$top/tests" -name '*.cpp' -print0 | LC_ALL=C sort -z | xargs -0 awk '
		FNR == 1 {names = ""}
		/^\/\// {
			line = $0
			while (match(line, /hmm-tests(\.c)? [a-z][a-z0-9_]*/)) {
				word = substr(line, RSTART, RLENGTH); sub(/^hmm-tests(\.c)? /, "", word)
				names = names " " word; line = substr(line, RSTART + RLENGTH)
			}
			next
		}
		/^TEST(_F|_P)?\(/ {
			t = $0; sub(/^TEST(_F|_P)?\(/, "", t); sub(/\).*/, "", t); gsub(/, */, ".", t)
			n = split(names, w, " ")
			for (i = 1; i <= n; i++) print w[i] "\t" t
		}
		!/^\/\// {names = ""}'
	# ... and the corpus traces' headers.
	for f in "$top"/tests/corpus/*.mmtrace; do
		awk -v f="tests/corpus/$(basename "$f")" '
			/^mmtrace / {exit}
			/^#/ {
				line = $0
				while (match(line, /TEST_F\(hmm[0-9]*, *[a-z][a-z0-9_]*\)/)) {
					word = substr(line, RSTART, RLENGTH); sub(/^TEST_F\(hmm[0-9]*, */, "", word); sub(/\)$/, "", word)
					print word "\t" f; line = substr(line, RSTART + RLENGTH)
				}
				line = $0
				if (match(line, /hmm-tests\.c [a-z][a-z0-9_]*( and [a-z][a-z0-9_]*)*/)) {
					s = substr(line, RSTART + 12, RLENGTH - 12)
					n = split(s, w, / and /)
					for (i = 1; i <= n; i++) print w[i] "\t" f
				}
			}' "$f"
	done | sort -u
)

awk -F'\t' -v map="$map" '
	BEGIN {
		n = split(map, lines, "\n")
		for (i = 1; i <= n; i++) {
			if (split(lines[i], kv, "\t") != 2) continue
			if (!(kv[1] SUBSEP kv[2] in seen)) {
				seen[kv[1] SUBSEP kv[2]] = 1
				model[kv[1]] = model[kv[1]] ? model[kv[1]] ", " kv[2] : kv[2]
			}
		}
	}
	/^(not )?ok [0-9]+ / {
		name = $0; sub(/^(not )?ok [0-9]+ /, "", name); sub(/ #.*/, "", name)
		short = name; sub(/^.*\./, "", short)
		if ($0 ~ /# SKIP/) { r = "skip"; skip++ } else if ($0 ~ /^not ok/) { r = "FAIL"; fail++ } else { r = "ok"; pass++ }
		total++
		m = (short in model) ? model[short] : "-"
		if (m != "-") { covered++; byname[short] = 1 }
		printf "%-4s %-44s %s\n", r, name, m
	}
	END {
		nb = 0; for (k in byname) nb++
		printf "hmm-report: %d tests (%d ok, %d failed, %d skipped); %d covered by the model (%d selftests by name), %d not\n",
			total, pass, fail, skip, covered, nb, total - covered
	}' "$ktap"
