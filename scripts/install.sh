#!/bin/bash
# install.sh install|uninstall|list: `make install`, `make uninstall`, and the list both use.
#
# Environment (the Makefile passes its variables):
#   DESTDIR  staging root; when set, depmod is not run
#   PREFIX   default /usr/local: bin/afc, include/linux/af_custom.h, share/man/man<N>/
#   KDIR     the kernel tree of a `make KDIR=...` build (build/custom/); default Debian's stock
#            headers (build/stock/, scripts/kernel-release.sh)
# The module goes to /lib/modules/<release>/updates/ and the modprobe.d example to /etc, both
# under DESTDIR but not under PREFIX, where modprobe and depmod look.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
action=${1:-}
DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr/local}
KDIR=${KDIR:-}

die() { echo "install: $*" >&2; exit 1; }

# The kernel the module is (or was) built for.  Uninstall needs no build: the release comes
# from the kernel tree, and install checks that the module's vermagic agrees.
if [ -n "$KDIR" ]; then
	build=custom
	[ -r "$KDIR/include/config/kernel.release" ] || die "$KDIR has no include/config/kernel.release"
	krel=$(cat "$KDIR/include/config/kernel.release")
else
	build=stock
	. "$top/scripts/kernel-release.sh"
	krel=$STOCK_KREL
fi
ko=$top/build/$build/af_custom.ko
modprobe_conf=/etc/modprobe.d/af_custom.conf

# The one list, SOURCE<tab>MODE<tab>DESTINATION (without DESTDIR); "-" is generated here.
# afc goes to bin/, as ss(8) does: its commands are ordinary socket calls any user may make.
files() {
	local m b
	printf '%s\t0644\t%s\n' "$ko" "/lib/modules/$krel/updates/af_custom.ko"
	printf '%s\t0644\t%s\n' "$top/include/uapi/linux/af_custom.h" "$PREFIX/include/linux/af_custom.h"
	printf '%s\t0755\t%s\n' "$top/build/tools/afc" "$PREFIX/bin/afc"
	for m in "$top"/man/*.[0-9]; do
		[ -e "$m" ] || continue
		b=${m##*/}
		printf '%s\t0644\t%s\n' "$m" "$PREFIX/share/man/man${b##*.}/$b"
	done
	printf '%s\t0644\t%s\n' - "$modprobe_conf"
}

# /etc/modprobe.d/af_custom.conf: the module's own parameter descriptions (modinfo), so the
# defaults shown are the ones built in; test-only parameters ("testing: ...") are left out.
modprobe_example() {
	local name desc def
	echo "# af_custom module options (af_custom(7)); installed by af_custom's \`make install\`."
	echo "# Uncomment a line to use it.  The values shown are the defaults."
	modinfo -F parm "$ko" | while IFS=: read -r name desc; do
		case $desc in testing:*) continue ;; esac
		def=$(sed -n 's/.*(default \([^)]*\)).*/\1/p' <<< "$desc")
		echo "#"
		echo "# $name: $desc"
		echo "#options af_custom $name=${def:-VALUE}"
	done
}

# Under DESTDIR the staged tree is someone else's to index (a package's postinst runs depmod).
# The example is ours while every line is a comment; once an administrator made a line active,
# the file is theirs: install does not overwrite it and uninstall does not remove it.
edited() { [ -f "$1" ] && grep -q '^[[:space:]]*[^#[:space:]]' "$1"; }

depmod_target() {
	[ -z "$DESTDIR" ] && [ -d "/lib/modules/$krel" ] || return 0
	depmod -a "$krel" || die "depmod -a $krel failed"
}

case $action in
list)
	files | cut -f 3
	;;
install)
	[ -f "$ko" ] || die "$ko is not built (make $([ "$build" = custom ] && echo "KDIR=$KDIR"))"
	built_for=$(modinfo -F vermagic "$ko" | cut -d ' ' -f 1)
	[ "$built_for" = "$krel" ] || die "$ko was built for $built_for, not $krel: rebuild it"
	tmp=$(mktemp)
	trap 'rm -f "$tmp"' EXIT
	modprobe_example > "$tmp"
	while IFS=$'\t' read -r src mode dst; do
		if [ "$src" = - ]; then
			if edited "$DESTDIR$dst"; then
				echo "install: keeping $DESTDIR$dst (it has active lines)"
				continue
			fi
			src=$tmp
		fi
		[ -f "$src" ] || die "$src is missing"
		install -D -m "$mode" "$src" "$DESTDIR$dst"
		echo "install: $DESTDIR$dst"
	done < <(files)
	depmod_target
	;;
uninstall)
	while IFS=$'\t' read -r src _ dst; do
		if [ "$src" = - ] && edited "$DESTDIR$dst"; then
			echo "uninstall: keeping $DESTDIR$dst (it has active lines)"
		elif [ -e "$DESTDIR$dst" ] || [ -L "$DESTDIR$dst" ]; then
			rm -f "$DESTDIR$dst"
			echo "uninstall: $DESTDIR$dst"
		fi
	done < <(files)
	depmod_target
	;;
*)
	die "usage: install.sh install|uninstall|list"
	;;
esac
