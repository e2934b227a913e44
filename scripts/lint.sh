#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The checks CI enforces on the sources, beside the tests:
#   format  every tracked C++ file is as clang-format (.clang-format) prints it
#   spdx    every tracked source (C, C++, shell, CMake) names its licence in an
#           SPDX-License-Identifier line among its first three lines
#   tidy    clang-tidy (.clang-tidy) finds nothing in the product's sources
#           (model, properties, traces, solver, cli) that is not in the
#           baseline, scripts/clang-tidy-baseline.txt (file and check, one a
#           line: what was there when the checks were first enforced)
# Usage: scripts/lint.sh [format|spdx|tidy ...]   (default: format spdx tidy)
#        scripts/lint.sh --fix-format              rewrite the files instead
#        scripts/lint.sh --write-tidy-baseline     record today's findings
# Exit: 0 clean, 1 a check failed (each finding on stderr), 2 bad usage.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v clang-format >/dev/null || need+=(clang-format)
command -v clang-tidy >/dev/null || need+=(clang-tidy)
if ((${#need[@]})); then
	scripts/install-deps.sh --packages "${need[@]}" >&2
fi

cxx_files() { git ls-files '*.cpp' '*.h' | grep -v '^kernel/repro/'; }
source_files() { git ls-files '*.cpp' '*.h' '*.c' '*.sh' '*.cmake' 'CMakeLists.txt' '*/CMakeLists.txt' .ci/run; }
product_units() { git ls-files 'model/*.cpp' 'properties/*.cpp' 'traces/*.cpp' 'solver/*.cpp' 'cli/*.cpp'; }

failed=0
check_format() {
	local f bad=0
	while read -r f; do
		if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
			echo "lint: $f: not clang-formatted (scripts/lint.sh --fix-format)" >&2
			bad=1
		fi
	done < <(cxx_files)
	return $bad
}
check_spdx() {
	local f bad=0
	while read -r f; do
		head -n3 "$f" | grep -q 'SPDX-License-Identifier: ' && continue
		echo "lint: $f:1:1: no SPDX-License-Identifier line in its first three lines" >&2
		bad=1
	done < <(source_files)
	return $bad
}
# "file check" for every clang-tidy finding in the product's sources.
tidy_findings() {
	local dir logs
	dir=$(scripts/build.sh --cli-only)
	logs=$(mktemp -d)
	# One log a unit: parallel runs writing to one pipe could interleave lines.
	product_units | xargs -P "$(nproc)" -I{} sh -c \
		'clang-tidy -p "$0" --quiet "$1" >"$2/$(echo "$1" | tr / _).log" 2>/dev/null || true' \
		"$dir" {} "$logs"
	cat "$logs"/*.log |
		sed -nE "s|^$PWD/||; s|^([^ :]+):[0-9]+:[0-9]+: (warning\|error): .* \[([^]]+)\]\$|\1 \3|p" |
		{ grep -v '^/' || true; } | sort -u # findings in system headers are clang's, not ours
	rm -rf "$logs"
}
check_tidy() {
	local new
	new=$(comm -23 <(tidy_findings) <(sort -u scripts/clang-tidy-baseline.txt))
	[[ -z $new ]] && return 0
	sed 's/^/lint: clang-tidy, not in the baseline: /' <<<"$new" >&2
	return 1
}

checks=()
for a in "$@"; do
	case $a in
	format | spdx | tidy) checks+=("$a") ;;
	--fix-format) cxx_files | xargs clang-format -i; exit 0 ;;
	--write-tidy-baseline) tidy_findings >scripts/clang-tidy-baseline.txt; exit 0 ;;
	*) echo "lint.sh: unknown check '$a' (checks: format, spdx, tidy)" >&2; exit 2 ;;
	esac
done
((${#checks[@]})) || checks=(format spdx tidy)
for c in "${checks[@]}"; do
	if "check_$c"; then echo "lint: $c clean"; else failed=1; fi
done
exit $failed
