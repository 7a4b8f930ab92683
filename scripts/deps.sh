#!/bin/sh
# deps.sh [PACKAGE...]: install, from Debian packages, everything that building and testing
# af_custom needs, and the PACKAGEs one target needs besides (make bench: gnuplot-nox).
# Idempotent: when every package is already installed it does nothing (not even apt-get update).
set -eu

PKGS="
linux-headers-amd64
linux-source-6.1
qemu-system-x86
busybox-static
cpio
kmod
iproute2
g++
gcc
make
bc
flex
bison
libelf-dev
libssl-dev
dwarves
xz-utils
rsync
python3
tshark
dkms
mandoc
man-db
$*
"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

[ -z "$missing" ] && exit 0

echo "deps: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# tshark (the dissector test): dumpcap not setuid, and no question asked about it.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
