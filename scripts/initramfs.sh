#!/bin/sh
# initramfs.sh KERNEL OUT JOB [INTERACTIVE]: build the VM's initramfs for KERNEL (stock|debug).
#   busybox-static, iproute2's ip and tc with their shared libraries, the kernel modules the
#   kernel lacks, af_custom.ko (+ af_custom_kunit.ko), build/tools/, and JOB as /afc/run.
set -eu

kernel=$1
out=$2
job=$3
interactive=${4:-}
top=$(cd "$(dirname "$0")/.." && pwd)
mod="$top/build/$kernel"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

[ -f "$mod/af_custom.ko" ] || { echo "initramfs: $mod/af_custom.ko is not built" >&2; exit 1; }
[ -d "$top/build/tools" ] || { echo "initramfs: build/tools is not built" >&2; exit 1; }

mkdir -p "$root/bin" "$root/usr/sbin" "$root/afc/bin" "$root/afc/kmod" "$root/etc"
cp /bin/busybox "$root/bin/busybox"
cp "$top/scripts/vm/init" "$root/init"
chmod +x "$root/init"

# iproute2 by full path (busybox's own ip cannot make veth pairs), with its libraries; tipc
# configures TIPC for make bench.  AFC_INITRAMFS_EXTRA adds programs (make bench PROFILE=1: perf).
for bin in /usr/sbin/ip /usr/sbin/tc /usr/sbin/tipc ${AFC_INITRAMFS_EXTRA:-}; do
	cp "$bin" "$root/usr/sbin/"
	ldd "$bin" | awk '/=>/ { print $3 } /^\t\// { print $1 }' | while read -r lib; do
		[ -n "$lib" ] && cp -L --parents "$lib" "$root/"
	done
done
[ -d /usr/lib/x86_64-linux-gnu/tc ] && cp -r --parents /usr/lib/x86_64-linux-gnu/tc "$root/"

# Kernel modules: on the stock kernel they come from Debian's package, in dependency order.
if [ "$kernel" = stock ]; then
	. "$top/scripts/kernel-release.sh"
	stock=$("$top/scripts/stock-kernel.sh")
	kmods="$stock/lib/modules/$STOCK_KREL/kernel"
	: > "$root/afc/kmod/order"
	for m in drivers/net/veth.ko net/sched/sch_netem.ko net/ipv4/udp_tunnel.ko \
		 net/ipv6/ip6_udp_tunnel.ko net/tipc/tipc.ko drivers/net/tun.ko \
		 net/ipv6/tunnel6.ko net/ipv6/ip6_tunnel.ko net/ipv4/gre.ko net/ipv6/ip6_gre.ko \
		 drivers/virtio/virtio_ring.ko drivers/virtio/virtio.ko \
		 drivers/virtio/virtio_pci_modern_dev.ko drivers/virtio/virtio_pci_legacy_dev.ko \
		 drivers/virtio/virtio_pci.ko net/core/failover.ko drivers/net/net_failover.ko \
		 drivers/net/virtio_net.ko; do
		cp "$kmods/$m" "$root/afc/kmod/"
		basename "$m" >> "$root/afc/kmod/order"
	done
fi

cp "$mod"/*.ko "$root/afc/"
cp -r "$top/build/tools/." "$root/afc/bin/"
for s in "$top/scripts/vm/"*.sh; do [ -e "$s" ] && cp "$s" "$root/afc/bin/"; done
echo "$kernel" > "$root/afc/kernel"
cp "$job" "$root/afc/run"
chmod +x "$root/afc/run"
[ -n "$interactive" ] && touch "$root/afc/interactive"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
