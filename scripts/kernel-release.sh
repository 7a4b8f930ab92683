# Sourced by scripts: which Debian kernel the installed linux-headers-amd64 targets.
# Sets STOCK_KREL (e.g. 6.1.0-56-amd64), STOCK_VERSION (e.g. 6.1.192-2) and STOCK_KDIR.
# The host's running kernel is not Debian's, so `uname -r` is never used.
_hdr=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 | tr ',' '\n' | sed -n 's/^ *linux-headers-\([^ ]*\) (= \([^)]*\)).*/\1 \2/p' | head -n 1)
STOCK_KREL=${_hdr% *}
STOCK_VERSION=${_hdr#* }
STOCK_KDIR=/usr/src/linux-headers-$STOCK_KREL
[ -n "$STOCK_KREL" ] && [ -d "$STOCK_KDIR" ] || { echo "kernel-release: linux-headers-amd64 is not installed" >&2; exit 1; }
