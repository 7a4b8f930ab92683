#!/bin/bash
# vm.sh [--kernel stock|debug] [--timeout SECONDS] [--name NAME] [--interactive] [--smp N]
#       [--nic listen:PORT|connect:PORT --mac MAC [--nic-opts PROPS]] [--monitor PATH] -- COMMAND...
#
# Boots Debian's stock kernel or the debug test kernel in QEMU (TCG: KVM is unusable here) with an
# initramfs holding busybox, iproute2, af_custom.ko and build/tools/, and runs COMMAND inside.
#   console (ttyS0)  -> build/vm/NAME.console.log, streamed live when AFC_VERBOSE=1
#   COMMAND's output -> build/vm/NAME.out (second serial port), streamed live to stdout
# Exit status: COMMAND's own; 124 when the VM timed out or died without reporting one; 99 when
# the kernel printed an oops, BUG, WARNING, KASAN, lockdep or kmemleak report (even if COMMAND
# passed).  --interactive gives a shell on the console instead (make vm).
# --nic adds a virtio-net NIC (eth0 in the guest, MAC MAC) whose other end is a QEMU stream netdev
# on 127.0.0.1:PORT, listening or connecting (scripts/vm-pair.sh joins two VMs so; a connecting
# VM starts once something listens there, within 120 s), with more virtio-net-pci properties
# PROPS (e.g. mrg_rxbuf=off); --monitor puts QEMU's monitor on the unix socket PATH (set_link).
# AFC_KERNEL_APPEND adds to the kernel command line (make bench: the clock source).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kernel=stock
timeout=
name=
interactive=
smp=2
nic=
mac=
nic_opts=
monitor=
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--name) name=$2; shift 2 ;;
	--interactive) interactive=1; shift ;;
	--smp) smp=$2; shift 2 ;;
	--nic) nic=$2; shift 2 ;;
	--mac) mac=$2; shift 2 ;;
	--nic-opts) nic_opts=$2; shift 2 ;;
	--monitor) monitor=$2; shift 2 ;;
	--) shift; break ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || [ -n "$interactive" ] || { echo "usage: vm.sh [--kernel stock|debug] -- COMMAND..." >&2; exit 2; }
name=${name:-$kernel}

"$top/scripts/deps.sh"
case "$kernel" in
stock)
	. "$top/scripts/kernel-release.sh"
	image="$("$top/scripts/stock-kernel.sh")/boot/vmlinuz-$STOCK_KREL"
	cmdline=""
	timeout=${timeout:-900}
	;;
debug)
	image="$("$top/scripts/test-kernel.sh")/arch/x86/boot/bzImage"
	cmdline="kasan_multi_shot"
	timeout=${timeout:-1800}
	;;
*) echo "vm: unknown kernel '$kernel' (stock or debug)" >&2; exit 2 ;;
esac

dir="$top/build/vm"
mkdir -p "$dir"
console="$dir/$name.console.log"
out="$dir/$name.out"
job="$dir/$name.job"
initrd="$dir/$name.initramfs.gz"
rm -f "$console" "$out"

{ echo '#!/bin/sh'; echo 'cd /afc'; [ $# -gt 0 ] && printf '%s\n' "$*"; } > "$job"
"$top/scripts/initramfs.sh" "$kernel" "$initrd" "$job" "$interactive"

cmdline="$cmdline ${AFC_KERNEL_APPEND:-}"
# no_timer_check: the IO-APIC timer check counts ticks against the TSC; a TCG vCPU starved by a
# loaded host misses them and the kernel panics ("IO-APIC + timer doesn't work!").
qemu=(qemu-system-x86_64 -nodefaults -no-reboot -display none
	-machine pc -cpu qemu64 -smp "$smp" -m 2048 -accel tcg,thread=multi
	-kernel "$image" -initrd "$initrd"
	-append "console=ttyS0 rdinit=/init panic=-1 oops=panic loglevel=6 no_timer_check $cmdline")
# Only loopback: no host networking, nothing needs root.
case "$nic" in
'') ;;
listen:*|connect:*)
	[ "${nic%%:*}" = listen ] && server=on || server=off
	qemu+=(-netdev "stream,id=n0,server=$server,addr.type=inet,addr.host=127.0.0.1,addr.port=${nic#*:}"
	       -device "virtio-net-pci,netdev=n0${mac:+,mac=$mac}${nic_opts:+,$nic_opts}")
	;;
*) echo "vm: --nic listen:PORT or connect:PORT" >&2; exit 2 ;;
esac
if [ -n "$monitor" ]; then
	qemu+=(-monitor "unix:$monitor,server=on,wait=off")
fi

# QEMU 7.2's stream netdev connects once, at start: wait for the listening VM's QEMU.
if [ "${nic%%:*}" = connect ]; then
	hex=$(printf '0100007F:%04X' "${nic#*:}")
	listening() { awk -v a="$hex" '$2 == a && $4 == "0A" { f = 1 } END { exit !f }' /proc/net/tcp; }
	for _ in $(seq 600); do
		listening && break
		sleep 0.2
	done
	listening || echo "vm: $name: nothing listens on 127.0.0.1:${nic#*:}; eth0 has no peer" >&2
fi

start=$(date +%s)
if [ -n "$interactive" ]; then
	"${qemu[@]}" -serial mon:stdio -serial "file:$out"
	exit 0
fi

timeout -k 10 "$timeout" "${qemu[@]}" -serial "file:$console" -serial "file:$out" </dev/null &
qpid=$!
touch "$console" "$out"
if [ "${AFC_VERBOSE:-0}" = 1 ]; then
	tail -n +1 -F --pid=$qpid "$console" 2>/dev/null &
else
	tail -n +1 -F --pid=$qpid "$out" 2>/dev/null | grep --line-buffered -v '^AFC-EXIT ' &
fi
tailpid=$!
qrc=0
wait $qpid || qrc=$?
wait $tailpid 2>/dev/null || true
elapsed=$(( $(date +%s) - start ))

rc=$(tr -d '\r' < "$out" | sed -n 's/^AFC-EXIT \([0-9]*\)$/\1/p' | tail -n 1)
if [ -z "$rc" ]; then
	echo "vm: $name: no exit status from the VM after ${elapsed} s (qemu status $qrc); console tail:" >&2
	tail -n 40 "$console" >&2
	rc=124
fi

# Kernel reports: any of these in the console log fails the run.
reports='BUG:|WARNING:|Oops|Kernel panic|general protection fault|KASAN:|UBSAN:|'\
'possible circular locking|possible recursive locking|inconsistent lock state|'\
'suspicious RCU usage|lock held when returning|lockdep is turned off|INFO: trying to register non-static key|'\
'unreferenced object|suspected memory leak|Call Trace:|soft lockup|hard LOCKUP|blocked for more than'
if grep -qE "$reports" "$console"; then
	echo "vm: $name: the kernel printed a report (see $console):" >&2
	grep -nE -A12 "$reports" "$console" | head -n 80 >&2
	echo "AFC-KERNEL-LOG dirty" >> "$out"
	[ "$rc" = 0 ] && rc=99
else
	echo "AFC-KERNEL-LOG clean" >> "$out"
fi
echo "vm: $name: $kernel kernel, exit status $rc, ${elapsed} s" >&2
exit "$rc"
