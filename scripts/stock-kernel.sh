#!/bin/sh
# Fetch (or reuse) Debian's stock kernel whose ABI matches the installed linux-headers-amd64:
# `apt-get download` + `dpkg -x` into the cache, never installed on the host.
# Prints the unpacked root on stdout; it holds boot/vmlinuz-$KREL and lib/modules/$KREL/.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
"$here/deps.sh" >&2
. "$here/kernel-release.sh"

cache=${AFC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/af_custom}
root="$cache/stock-kernel/$STOCK_KREL-$STOCK_VERSION"
if [ -f "$root/.afc-unpacked" ]; then
	echo "$root"
	exit 0
fi

echo "stock-kernel: fetching linux-image-$STOCK_KREL $STOCK_VERSION" >&2
rm -rf "$root"
mkdir -p "$root/deb"
cd "$root/deb"
# The signed image is the one Debian installs; the -unsigned twin carries the same bits.
apt-get download "linux-image-$STOCK_KREL=$STOCK_VERSION" >&2 ||
	apt-get download "linux-image-$STOCK_KREL-unsigned=$STOCK_VERSION" >&2
dpkg -x ./*.deb "$root"
rm -rf "$root/deb"
[ -f "$root/boot/vmlinuz-$STOCK_KREL" ] || { echo "stock-kernel: no vmlinuz in the package" >&2; exit 1; }
touch "$root/.afc-unpacked"
echo "$root"
