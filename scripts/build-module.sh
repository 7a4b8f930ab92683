#!/bin/sh
# Build af_custom.ko (and af_custom_kunit.ko when the kernel has CONFIG_KUNIT) against one kernel.
#   build-module.sh NAME KDIR
# The sources are mirrored into build/NAME/ so that builds for several kernels coexist.
# Fails on any compiler, objtool or modpost warning, and on any global constructor or C++ runtime
# dependency in an object.
set -eu

name=$1
kdir=$2
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/build/$name"

mkdir -p "$out"
if command -v rsync > /dev/null; then
	rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' --exclude='*.mod*' \
		--exclude='modules.order' --exclude='Module.symvers' --exclude='build.log' \
		--include='/Kbuild' --include='/VERSION' --include='/module/***' --include='/include/***' --include='/kunit/***' \
		--exclude='*' "$top/" "$out/"
else
	# No rsync (a DKMS build, dkms.conf, on a machine without it): a fresh copy, no reuse.
	rm -rf "$out/module" "$out/include" "$out/kunit"
	cp -R "$top/Kbuild" "$top/VERSION" "$top/module" "$top/include" "$top/kunit" "$out/"
fi
# rsync --delete only prunes what the filter covers: drop objects whose sources are gone.
find "$out" -name '*.o' | while read -r o; do
	base=${o%.o}
	[ -e "$base.c" ] || [ -e "$base.cc" ] || [ "$(dirname "$o")" = "$out" ] || rm -f "$o"
done

status=0
make -C "$kdir" M="$out" modules > "$out/build.log" 2>&1 || status=$?
cat "$out/build.log"
[ "$status" -eq 0 ] || { echo "build-module: $name: build failed" >&2; exit 1; }

if grep -qiE 'warning:|objtool:|modpost: .*(undefined|missing)' "$out/build.log"; then
	echo "build-module: $name: the build printed warnings (above); warnings are errors here" >&2
	exit 1
fi

"$top/scripts/check-objects.sh" "$kdir" "$out"
echo "build-module: $name: $out/af_custom.ko"
