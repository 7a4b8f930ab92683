#!/bin/bash
# `make install` / `make uninstall` into staging directories (DESTDIR): exactly the expected files,
# the built ones, for Debian's stock kernel (or KDIR's); the header compiles; the modprobe.d
# example parses; PREFIX is honoured; uninstall leaves no file behind.  Never touches the host.
. "$(dirname "$0")/ktap.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$top/scripts/kernel-release.sh"
krel=$STOCK_KREL
version=$(cat "$top/VERSION")
uapi=$top/include/uapi/linux/af_custom.h

# expected PREFIX [KREL]: the files `make install` must put under DESTDIR, and no others.
expected() {
	local prefix=${1#/} m b
	echo "lib/modules/${2:-$krel}/updates/af_custom.ko"
	echo "etc/modprobe.d/af_custom.conf"
	echo "$prefix/bin/afc"
	echo "$prefix/include/linux/af_custom.h"
	echo "$prefix/share/man/man7/af_custom.7"
	# Every page of man/ (afc.8 comes with the afc CLI).
	for m in "$top"/man/*.[0-9]; do
		b=${m##*/}
		echo "$prefix/share/man/man${b##*.}/$b"
	done
}

# present DIR: every file or link under DIR, relative to it.
present() { (cd "$1" && find . \( -type f -o -type l \) | sed 's|^\./||' | sort); }

# make_in ARGS...: run make quietly, its output kept in case of failure.
make_in() {
	local log=$tmp/make.log
	make -s -C "$top" "$@" > "$log" 2>&1 || { tail -n 30 "$log"; return 1; }
}

exactly() {
	local dir=$1
	shift
	diff <(expected "$@" | sort -u) <(present "$dir") ||
		{ echo "(< expected but missing, > installed but not expected)"; return 1; }
}

vermagic_release() { modinfo -F vermagic "$1" | cut -d ' ' -f 1; }

# The whole vermagic is the Debian kernel's own: compare with a module of its image package.
debian_vermagic() {
	local ko=$1 root veth
	[ "$(vermagic_release "$ko")" = "$krel" ] || { echo "built for $(vermagic_release "$ko"), not $krel"; return 1; }
	root=$("$top/scripts/stock-kernel.sh") || return 1
	veth=$(find "$root/lib/modules/$krel" -name 'veth.ko*' | head -n 1)
	[ -n "$veth" ] || { echo "no veth.ko in $root"; return 1; }
	[ "$(modinfo -F vermagic "$ko")" = "$(modinfo -F vermagic "$veth")" ] ||
		{ echo "vermagic '$(modinfo -F vermagic "$ko")' is not the kernel's '$(modinfo -F vermagic "$veth")'"; return 1; }
}

same_as_built() {
	local s=$1/usr/local
	cmp "$1/lib/modules/$krel/updates/af_custom.ko" "$top/build/stock/af_custom.ko" &&
		cmp "$s/bin/afc" "$top/build/tools/afc" &&
		cmp "$s/include/linux/af_custom.h" "$uapi" &&
		cmp "$s/share/man/man7/af_custom.7" "$top/man/af_custom.7" &&
		[ "$(modinfo -F version "$1/lib/modules/$krel/updates/af_custom.ko")" = "$version" ]
}

modes() {
	local s=$1/usr/local f m bad=0
	for f in "$s/bin/afc:755" "$s/include/linux/af_custom.h:644" "$s/share/man/man7/af_custom.7:644" \
		"$1/lib/modules/$krel/updates/af_custom.ko:644" "$1/etc/modprobe.d/af_custom.conf:644"; do
		m=$(stat -c %a "${f%:*}")
		[ "$m" = "${f##*:}" ] || { echo "${f%:*}: mode $m, want ${f##*:}"; bad=1; }
	done
	head -c 4 "$s/bin/afc" | grep -q 'ELF' || { echo "afc is not an ELF executable"; bad=1; }
	return "$bad"
}

# A tiny program against the installed header only: it compiles, uses that header, and the
# structure has the size the kernel expects (16 bytes, as struct sockaddr).
header_compiles() {
	local inc=$1/usr/local/include
	cat > "$tmp/uses_header.c" <<-'EOF'
	#include <sys/socket.h>
	#include <linux/af_custom.h>
	_Static_assert(sizeof(struct sockaddr_custom) == 16, "sockaddr_custom is 16 bytes");
	int main(void)
	{
		struct sockaddr_custom a = { .scu_family = AF_CUSTOM, .scu_ifindex = 0 };

		return a.scu_family == PF_CUSTOM && SOL_CUSTOM > 0 ? 0 : 1;
	}
	EOF
	gcc -Wall -Wextra -Werror -I"$inc" -o "$tmp/uses_header" "$tmp/uses_header.c" && "$tmp/uses_header" &&
		gcc -I"$inc" -M "$tmp/uses_header.c" | grep -q "$inc/linux/af_custom.h" ||
		{ echo "the program does not build against $inc/linux/af_custom.h"; return 1; }
}

# Everything is commented out; uncommented, modprobe accepts the lines with the header's defaults.
modprobe_example() {
	local conf=$1/etc/modprobe.d/af_custom.conf fam eth
	fam=$(awk '$1 == "#define" && $2 == "AF_CUSTOM" { print $3 }' "$uapi")
	eth=$(awk '$1 == "#define" && $2 == "AF_CUSTOM_ETHERTYPE" { print $3 }' "$uapi")
	if grep -v '^#' "$conf" | grep -q '[^[:space:]]'; then
		echo "active lines in $conf:"; grep -v '^#' "$conf"; return 1
	fi
	sed 's/^#options /options /' "$conf" > "$tmp/uncommented.conf"
	modprobe -C "$tmp/uncommented.conf" --showconfig > "$tmp/showconfig" 2>&1 || { cat "$tmp/showconfig"; return 1; }
	grep -qx "options af_custom family=$fam" "$tmp/showconfig" &&
		grep -qix "options af_custom ethertype=$eth" "$tmp/showconfig" ||
		{ echo "modprobe sees:"; grep af_custom "$tmp/showconfig"; return 1; }
	! grep -q fault_init_step "$conf" || { echo "the test-only parameter is in the example"; return 1; }
}

# An administrator's active line makes the file theirs: reinstalling keeps it, uninstalling
# leaves it (and only it).
edited_conf_is_kept() {
	local d=$1 conf=$1/etc/modprobe.d/af_custom.conf
	make_in install DESTDIR="$d" || return 1
	echo "options af_custom ethertype=0x88b6" >> "$conf"
	make_in install DESTDIR="$d" || return 1
	grep -qx "options af_custom ethertype=0x88b6" "$conf" || { echo "install overwrote the edited file"; return 1; }
	make_in uninstall DESTDIR="$d" || return 1
	diff <(present "$d") <(echo etc/modprobe.d/af_custom.conf) &&
		grep -qx "options af_custom ethertype=0x88b6" "$conf"
}

no_files_left() {
	local left
	left=$(present "$1")
	[ -z "$left" ] || { echo "left behind:"; echo "$left"; return 1; }
}

plan 15
stage=$tmp/stage
check make_install_destdir make_in install DESTDIR="$stage"
check installs_exactly_the_expected_files exactly "$stage" /usr/local
check module_has_the_debian_kernels_vermagic debian_vermagic "$stage/lib/modules/$krel/updates/af_custom.ko"
check installed_files_are_the_built_ones same_as_built "$stage"
check installed_modes modes "$stage"
check installed_header_compiles header_compiles "$stage"
check modprobe_d_example_is_commented_and_parses modprobe_example "$stage"
check make_uninstall_destdir make_in uninstall DESTDIR="$stage"
check uninstall_leaves_no_files no_files_left "$stage"
check modprobe_d_edited_by_admin_is_kept edited_conf_is_kept "$tmp/edited"

pfx=$tmp/prefix
check make_install_prefix make_in install DESTDIR="$pfx" PREFIX=/opt/af_custom
check prefix_is_honoured exactly "$pfx" /opt/af_custom
check uninstall_prefix_leaves_no_files eval 'make_in uninstall DESTDIR="$pfx" PREFIX=/opt/af_custom && no_files_left "$pfx"'

# KDIR: the module built for that tree goes under that kernel's release.  The debug test kernel
# is the tree at hand (make check has built it; standalone this builds it once, ~9 minutes).
kdir=$("$top/scripts/test-kernel.sh" 2> "$tmp/test-kernel.log") || { cat "$tmp/test-kernel.log"; kdir=; }
kdrel=$(cat "$kdir/include/config/kernel.release" 2>/dev/null)
kd=$tmp/kdir
check make_install_kdir_goes_to_that_kernel eval 'make_in install DESTDIR="$kd" KDIR="$kdir" &&
	exactly "$kd" /usr/local "$kdrel" &&
	[ "$(vermagic_release "$kd/lib/modules/$kdrel/updates/af_custom.ko")" = "$kdrel" ]'
check uninstall_kdir_leaves_no_files eval 'make_in uninstall DESTDIR="$kd" KDIR="$kdir" && no_files_left "$kd"'
