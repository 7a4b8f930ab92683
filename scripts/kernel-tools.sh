#!/bin/sh
# kernel-tools.sh: the kernel's own test tools, taken from Debian's linux-source-6.1 (never copied
# into this tree): tools/testing/selftests/kselftest_harness.h with the kselftest.h it includes
# (tools/Makefile compiles the selftests with -I on that directory) and tools/testing/kunit/ whole
# (kunit.py imports its siblings; scripts/results.py runs `kunit.py parse`).
#
# Prints the directory that holds tools/testing/ on stdout.  The members are extracted once per
# source package version into build/kernel-tools/; extracting them decompresses the whole
# archive (30-60 s), so later calls only print the path.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh" >&2

tarball=/usr/src/linux-source-6.1.tar.xz
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
base="$top/build/kernel-tools"
dir="$base/$srcver"
stamp="$dir/.afc-extracted"

[ -f "$stamp" ] && { echo "$dir"; exit 0; }

mkdir -p "$base"
# Two callers at once (make -j, a VM job and the tools build): one extracts, the other waits.
exec 9>"$base/.lock"
flock 9
if [ ! -f "$stamp" ]; then
	echo "kernel-tools: extracting kselftest_harness.h, kselftest.h and kunit/ from" \
	     "$tarball ($srcver)" >&2
	tmp=$(mktemp -d "$base/.tmp.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	tar -xJf "$tarball" -C "$tmp" --strip-components=1 \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/tools/testing/selftests/kselftest.h \
		linux-source-6.1/tools/testing/kunit
	[ -f "$tmp/tools/testing/selftests/kselftest_harness.h" ] &&
		[ -f "$tmp/tools/testing/kunit/kunit.py" ] ||
		{ echo "kernel-tools: $tarball lacks the harness or kunit.py" >&2; exit 1; }
	touch "$tmp/.afc-extracted"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	trap - EXIT
	# Trees of other source versions are stale now.
	for old in "$base"/*; do
		[ "$old" = "$dir" ] || rm -rf "$old"
	done
fi
echo "$dir"
