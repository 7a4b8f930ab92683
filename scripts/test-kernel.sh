#!/bin/sh
# Build (or reuse) the debug test kernel: Debian's linux-source-6.1 + tinyconfig + test-kernel.config.
# The result lives outside the checkout, keyed by the source package version and the fragment's hash,
# and is reused until either changes.  Prints the kernel tree's path (KDIR for module builds) on stdout.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
"$here/deps.sh" >&2

cache=${AFC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/af_custom}
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
fraghash=$(sha256sum "$here/test-kernel.config" | cut -c1-12)
tree="$cache/test-kernel/$srcver-$fraghash/linux"
stamp="$tree/.afc-built"

if [ -f "$stamp" ]; then
	echo "$tree"
	exit 0
fi

jobs=${AFC_JOBS:-$(($(nproc) + 1))}
echo "test-kernel: building linux-source-6.1 $srcver with fragment $fraghash in $tree (-j$jobs)" >&2
start=$(date +%s)
rm -rf "$tree"
mkdir -p "$tree"
tar -xf /usr/src/linux-source-6.1.tar.xz -C "$tree" --strip-components=1

cd "$tree"
make -s tinyconfig >/dev/null
./scripts/kconfig/merge_config.sh -m .config "$here/test-kernel.config" >/dev/null 2>&1
make -s olddefconfig >&2

# Every requested symbol must survive Kconfig's dependency resolution.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qx "$line" .config || { echo "test-kernel: $line did not stick" >&2; bad=1; } ;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }; sym=${sym%% *}
		! grep -q "^$sym=" .config || { echo "test-kernel: $sym should be unset" >&2; bad=1; } ;;
	esac
done < "$here/test-kernel.config"
[ "$bad" -eq 0 ] || exit 1

make -s -j"$jobs" bzImage modules >&2
touch "$stamp"
# Trees for other source versions or fragments are stale now: free their disk space.
for old in "$cache/test-kernel"/*; do
	[ "$old" = "${tree%/linux}" ] || rm -rf "$old"
done
echo "test-kernel: built in $(( $(date +%s) - start )) s" >&2
echo "$tree"
