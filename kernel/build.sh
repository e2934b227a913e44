#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# kernel/build.sh — build (or find in the cache) the Linux 6.12 kernel that
# mmcheck's real-kernel runs boot.
#
# Usage: kernel/build.sh [--arch x86_64|arm64] [--print bzimage|source|headers|entry]
#
#   Builds arch/x86/boot/bzImage (x86_64) or arch/arm64/boot/Image (arm64,
#   cross-compiled with Debian's gcc-aarch64-linux-gnu) from Debian's
#   linux-source-6.12 with `make tinyconfig` + kernel/config/<arch>.config, and
#   caches it outside the repository in
#     ${MMCHECK_CACHE:-$HOME/.cache/mmcheck}/kernel/<pkg-version>-<arch>-<sha12>/
#       bzImage|Image  .config  build.log  headers/include (make headers_install)
#   where <sha12> is the first 12 hex digits of the fragment's sha256. The
#   unpacked source tree is kept too, in .../kernel/src/<pkg-version>/ (hmm-tests
#   compile against it). A second run with the entry present runs no make.
#   A build happens in a temporary directory that is renamed into place, so a
#   killed build leaves no half entry.
#
# Stdout: one path — the kernel image (default; bzImage or Image), the source tree (--print source),
#   the installed uapi headers' include dir (--print headers) or the cache
#   entry directory (--print entry). Progress goes to stderr.
# Exit: 0 success; 2 any failure, with one line on stderr naming the stage
#   (packages, unpack, config, make, headers, install).
set -euo pipefail
PROG=kernel/build.sh
# shellcheck source=kernel/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

arch=x86_64
print=bzimage
while (($#)); do
	case $1 in
	--arch) arch=${2:?--arch needs a value}; shift 2 ;;
	--arch=*) arch=${1#*=}; shift ;;
	--print) print=${2:?--print needs a value}; shift 2 ;;
	--print=*) print=${1#*=}; shift ;;
	--print-source) print=source; shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; /SPDX-License-Identifier/d; s/^# \{0,1\}//' >&2; exit 0 ;;
	*) die 2 "unknown argument '$1' (see --help)" ;;
	esac
done
check_arch "$arch"
case $print in bzimage | source | headers | entry) ;; *) die 2 "--print wants bzimage, source, headers or entry, not '$print'" ;; esac

fragment=$MMCHECK_KERNEL_DIR/config/$arch.config
[[ -r $fragment ]] || die 2 "stage config failed: no fragment $fragment"

# Build dependencies: the compiler and kbuild's host tools; xz for the tarball
# and for CONFIG_KERNEL_XZ.
ensure_packages "$MMCHECK_SRC_PKG" build-essential flex bison bc libelf-dev xz-utils ||
	die 2 "stage packages failed: apt-get could not install the build dependencies"
# Per-architecture make target and image; x86_64 builds natively, arm64 with
# Debian's cross compiler (CROSS_COMPILE=aarch64-linux-gnu-).
cross=()
image=bzImage image_path=arch/x86/boot/bzImage
if [[ $arch == arm64 ]]; then
	ensure_packages gcc-aarch64-linux-gnu ||
		die 2 "stage packages failed: apt-get could not install gcc-aarch64-linux-gnu"
	cross=(CROSS_COMPILE=aarch64-linux-gnu-)
	image=Image image_path=arch/arm64/boot/Image
fi

version=$(dpkg-query -W -f='${Version}' "$MMCHECK_SRC_PKG")
tarball=/usr/src/$MMCHECK_SRC_PKG.tar.xz
[[ -r $tarball ]] || die 2 "stage packages failed: $tarball missing although $MMCHECK_SRC_PKG $version is installed"
sha12=$(sha256sum "$fragment" | cut -c1-12)
root=$(cache_root)
entry=$root/$version-$arch-$sha12
srcdir=$root/src/$version/$MMCHECK_SRC_PKG

emit() {
	case $print in
	bzimage) printf '%s\n' "$entry/$image" ;;
	source) printf '%s\n' "$srcdir" ;;
	headers) printf '%s\n' "$entry/headers/include" ;;
	entry) printf '%s\n' "$entry" ;;
	esac
}

# The fast path: a complete entry (it only ever appears by rename) and its source.
if [[ -f $entry/$image && -d $srcdir ]]; then
	emit
	exit 0
fi

mkdir -p "$root/src" || die 2 "stage unpack failed: cannot create $root"
# One builder at a time per cache; a second one waits, then finds the entry.
exec 9>"$root/.lock"
flock 9
if [[ -f $entry/$image && -d $srcdir ]]; then
	emit
	exit 0
fi

if [[ ! -d $srcdir ]]; then
	log "unpacking $tarball ($version)"
	tmp_src=$(mktemp -d "$root/src/.unpack.XXXXXX")
	if ! tar -C "$tmp_src" -xf "$tarball" >&2; then
		rm -rf "$tmp_src"
		die 2 "stage unpack failed: tar -xf $tarball"
	fi
	[[ -d $tmp_src/$MMCHECK_SRC_PKG ]] || { rm -rf "$tmp_src"; die 2 "stage unpack failed: no $MMCHECK_SRC_PKG/ in $tarball"; }
	rm -rf "${srcdir%/*}"
	mv "$tmp_src" "${srcdir%/*}"
fi

if [[ ! -f $entry/$image ]]; then
	# The object directory survives a failed or killed build, so a rerun
	# resumes make where it stopped (kbuild rebuilds any object whose .cmd
	# record is missing); it is removed once the entry is in place.
	obj=$root/.obj-$version-$arch-$sha12
	out=$(mktemp -d "$root/.entry-$version-$arch-$sha12.XXXXXX")
	trap 'rm -rf "$out"' EXIT
	mkdir -p "$obj" "$out/headers"
	blog=$out/build.log
	# The log keeps its final name in the entry; a failed build's log is kept
	# beside the cache so the error message can point at it.
	fail() {
		local stage=$1 keep=$root/failed-$version-$arch-$sha12.log
		cp "$blog" "$keep" 2>/dev/null || true
		die 2 "stage $stage failed, see $keep"
	}
	kmake() { make -C "$srcdir" O="$obj" ARCH="$arch" "${cross[@]}" "$@" >>"$blog" 2>&1; }
	jobs=$(nproc)
	log "configuring: tinyconfig + kernel/config/$arch.config"
	kmake tinyconfig || fail config
	"$srcdir/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$fragment" >>"$blog" 2>&1 || fail config
	kmake olddefconfig || fail config
	# Kconfig drops an option whose dependencies are unmet without a word:
	# every =y we asked for must be in the final .config.
	dropped=()
	while IFS= read -r line; do
		grep -qxF "$line" "$obj/.config" || dropped+=("${line%=y}")
	done < <(grep -E '^CONFIG_[A-Za-z0-9_]+=y$' "$fragment")
	if ((${#dropped[@]})); then
		printf 'dropped by olddefconfig: %s\n' "${dropped[*]}" >>"$blog"
		cp "$blog" "$root/failed-$version-$arch-$sha12.log" 2>/dev/null || true
		die 2 "stage config failed: olddefconfig dropped ${dropped[*]} (unmet dependencies or unknown symbols; see $root/failed-$version-$arch-$sha12.log)"
	fi
	log "make -j$jobs $image (log: $blog while building)"
	start=$SECONDS
	kmake -j"$jobs" "$image" || fail make
	log "make took $((SECONDS - start)) s"
	# `make headers` + a copy of the .h files is headers_install without its
	# rsync dependency.
	kmake headers || fail headers
	(cd "$obj/usr" && find include -name '*.h' -exec cp --parents -t "$out/headers" {} +) >>"$blog" 2>&1 || fail headers
	cp "$obj/$image_path" "$obj/.config" "$out/" || fail install
	printf '%s\n' "$version" >"$out/source-version"
	chmod 755 "$out"
	rm -rf "$entry"
	mv -T "$out" "$entry" || fail install
	rm -f "$root/failed-$version-$arch-$sha12.log"
	rm -rf "$obj"
fi
emit
