#!/bin/bash
# DKMS: `dkms add`, `build`, `install`, `remove` of this tree for Debian's stock kernel (the
# release of the installed linux-headers-amd64), all in trees under build/dkms-test/ (--dkmstree,
# --sourcetree, --installtree, no depmod, a signing key of its own): the host's /var/lib/dkms,
# /usr/src and /lib/modules are never written.
. "$(dirname "$0")/ktap.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/kernel-release.sh"
krel=$STOCK_KREL
version=$(cat "$top/VERSION")
arch=$(uname -m)

t=$top/build/dkms-test
rm -rf "$t"
mkdir -p "$t/checkout" "$t/src" "$t/dkms" "$t/lib/modules/$krel"
dklog=$t/dkms.log

# What `dkms add .` copies from a clean checkout: the top level's entries but dotfiles; build/
# is left out here (it holds this test's own trees).
tar -C "$top" --exclude=./build --exclude='./.*' -cf - . | tar -C "$t/checkout" -xf -

# dkms's signing key would default to /var/lib/dkms/mok.{key,pub}: keep it here (generated on
# first use when openssl is present, else the module is left unsigned).
export mok_signing_key=$t/mok.key mok_certificate=$t/mok.pub

dk() {
	{ echo "\$ dkms $*"; dkms "$@" --dkmstree "$t/dkms" --sourcetree "$t/src" --installtree "$t/lib/modules" \
		--kernelsourcedir "$STOCK_KDIR" --no-depmod; } >> "$dklog" 2>&1 ||
		{ tail -n 40 "$dklog"; [ -f "$t/dkms/af_custom/$version/build/make.log" ] &&
			tail -n 30 "$t/dkms/af_custom/$version/build/make.log"; return 1; }
}

conf_version() { sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/dkms.conf"; }

version_is_VERSION() {
	[ "$(conf_version)" = "$version" ] ||
		{ echo "dkms.conf PACKAGE_VERSION '$(conf_version)' is not VERSION '$version'"; return 1; }
}

# status LINE: `dkms status` shows exactly that line for af_custom.
status() {
	local s
	s=$(dkms status af_custom/"$version" --dkmstree "$t/dkms" --sourcetree "$t/src" \
		--installtree "$t/lib/modules" 2>&1)
	echo "$s"
	grep -qxF "$1" <<< "$s"
}

# The whole vermagic is the Debian kernel's own, as a module of its image package has it.
kernel_vermagic=$(root=$("$top/scripts/stock-kernel.sh" 2> /dev/null) &&
	modinfo -F vermagic "$(find "$root/lib/modules/$krel" -name 'veth.ko*' | head -n 1)")

ko=$t/dkms/af_custom/$version/$krel/$arch/module/af_custom.ko
built_module() {
	[ -f "$ko" ] || { echo "no $ko"; return 1; }
	local vm
	vm=$(modinfo -F vermagic "$ko")
	echo "vermagic: $vm; version: $(modinfo -F version "$ko")"
	[ -n "$kernel_vermagic" ] || { echo "no vermagic from Debian's image (scripts/stock-kernel.sh)"; return 1; }
	[ "$vm" = "$kernel_vermagic" ] && [ "${vm%% *}" = "$krel" ] &&
		[ "$(modinfo -F version "$ko")" = "$version" ] && [ "$(modinfo -F name "$ko")" = af_custom ]
}

installed_module() {
	local dst=$t/lib/modules/$krel/updates/dkms/af_custom.ko
	[ -f "$dst" ] || { echo "no $dst"; return 1; }
	[ "$(modinfo -F version "$dst")" = "$version" ]
}

removed() {
	local left
	left=$(find "$t/lib/modules" -name 'af_custom.ko*')
	[ -z "$left" ] || { echo "left: $left"; return 1; }
	[ ! -e "$t/dkms/af_custom/$version/$krel" ] || { echo "the build for $krel is still there"; return 1; }
	! dkms status --dkmstree "$t/dkms" --sourcetree "$t/src" --installtree "$t/lib/modules" | grep -q "$krel"
}

# Without rsync (not a dependency of dkms) the build falls back to a plain copy: a PATH of every
# program but rsync.
nobin=$t/no-rsync-bin
mkdir -p "$nobin"
for d in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
	for p in "$d"/*; do
		[ -x "$p" ] && [ "${p##*/}" != rsync ] && [ ! -e "$nobin/${p##*/}" ] && ln -s "$p" "$nobin/${p##*/}"
	done
done 2> /dev/null
build_without_rsync() {
	! PATH=$nobin command -v rsync > /dev/null || { echo "rsync is still on the PATH"; return 1; }
	PATH=$nobin dk build af_custom/"$version" -k "$krel" || return 1
	grep -q 'build-module: dkms:' "$t/dkms/af_custom/$version/$krel/$arch/log/make.log" ||
		{ echo "make.log does not show build-module.sh's build"; return 1; }
}

host_untouched() {
	[ ! -e /var/lib/dkms/af_custom/"$version"/source ] || [ -n "$had_var" ] || { echo "/var/lib/dkms/af_custom written"; return 1; }
	[ ! -e /usr/src/af_custom-"$version" ] || [ -n "$had_src" ] || { echo "/usr/src/af_custom-$version written"; return 1; }
	[ ! -e "/lib/modules/$krel/updates/dkms/af_custom.ko" ] || [ -n "$had_mod" ] || { echo "/lib/modules written"; return 1; }
	[ ! -e /var/lib/dkms/mok.key ] || [ -n "$had_key" ] || { echo "/var/lib/dkms/mok.key written"; return 1; }
}
had_var=$([ -e /var/lib/dkms/af_custom/"$version"/source ] && echo y)
had_src=$([ -e /usr/src/af_custom-"$version" ] && echo y)
had_mod=$([ -e "/lib/modules/$krel/updates/dkms/af_custom.ko" ] && echo y)
had_key=$([ -e /var/lib/dkms/mok.key ] && echo y)

plan 12
check dkms_conf_package_version_is_VERSION version_is_VERSION
check dkms_add_checkout dk add "$t/checkout"
check dkms_status_added status "af_custom/$version: added"
check dkms_build_for_debian_kernel dk build af_custom/"$version" -k "$krel"
check built_ko_has_vermagic_and_version built_module
check dkms_status_built status "af_custom/$version, $krel, $arch: built"
check dkms_install dk install af_custom/"$version" -k "$krel"
check installed_under_updates_dkms installed_module
check dkms_status_installed status "af_custom/$version, $krel, $arch: installed"
check dkms_remove eval 'dk remove af_custom/"$version" -k "$krel" && removed'
check dkms_build_without_rsync eval 'build_without_rsync && built_module'
check host_dkms_usr_src_lib_modules_untouched host_untouched
rm -rf "$t/dkms" "$t/src" "$t/checkout" "$nobin"
