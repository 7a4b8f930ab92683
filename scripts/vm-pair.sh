#!/bin/bash
# vm-pair.sh [--kernel stock|debug] [--name NAME] [--timeout SECONDS] [--smp N] [--nic-opts PROPS]
#            -- COMMAND...
#
# Two hosts on one Ethernet segment: boots two VMs with scripts/vm.sh, NAME-a and NAME-b, each
# with a virtio-net NIC (eth0) joined to the other's by a QEMU stream netdev on 127.0.0.1 (no
# host networking, no root), and runs in them
#   NAME-a (MAC 52:54:00:af:c0:01):  COMMAND server 52:54:00:af:c0:02
#   NAME-b (MAC 52:54:00:af:c0:02):  COMMAND client 52:54:00:af:c0:01
# Each VM is an ordinary vm.sh run: output in build/vm/NAME-a.out and NAME-b.out (both streamed
# here, prefixed "a |" and "b |"), console logs scanned for kernel reports, results for results.py.
#
# The NICs are virtio-net-pci with QEMU's defaults (mergeable receive buffers on), plus PROPS
# from --nic-opts (e.g. mrg_rxbuf=off).
#
# A guest asks the host for a link change by printing a line "AFC-HOST set_link off" (or "on"),
# optionally after "# " (a KTAP diagnostic line); the host runs "set_link n0 off|on" on that VM's
# QEMU monitor.  The guest sees the effect as its eth0 carrier (/sys/class/net/eth0/carrier).
#
# Exit status: 0 when both VMs' commands exited 0, else the first VM's non-zero status (vm.sh's:
# 124 timeout, 99 kernel report).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kernel=stock
name=pair
timeout=
smp=1
nic_opts=
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--name) name=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--nic-opts) nic_opts=$2; shift 2 ;;
	--) shift; break ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: vm-pair.sh [--kernel stock|debug] [--name NAME] -- COMMAND..." >&2; exit 2; }

mac_a=52:54:00:af:c0:01
mac_b=52:54:00:af:c0:02
"$top/scripts/deps.sh" || exit 1
# Fetch or build the kernel once, before two vm.sh runs would both want to.
case "$kernel" in
stock) "$top/scripts/stock-kernel.sh" > /dev/null || exit 1 ;;
debug) "$top/scripts/test-kernel.sh" > /dev/null || exit 1 ;;
esac
# Monitor sockets live in a short private directory (a unix socket path has 108 bytes at most).
tmp=$(mktemp -d /tmp/afc-pair.XXXXXX)
# Background jobs ignore SIGINT: on an interrupted run, stop both VMs (vm.sh, timeout, QEMU).
kill_tree() {
	local c
	for c in $(pgrep -P "$1"); do kill_tree "$c"; done
	kill "$1" 2>/dev/null
}
cleanup() {
	local f
	for f in "$tmp"/*.pid; do
		[ -e "$f" ] && [ ! -e "${f%.pid}.rc" ] && kill_tree "$(cat "$f")"
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Debian's python3 (deps.sh), not whatever is first on PATH: a pyenv shim takes seconds to start
# on a loaded machine, and the guests wait for their link changes.
python=/usr/bin/python3

# A free loopback port for the netdev (VM a listens on it, VM b connects to it).
port=$($python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# monitor VM COMMAND: one HMP command on VM's monitor; prints QEMU's answer, if any.
monitor() {
	$python - "$tmp/$1.monitor" "$2" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
def prompt():
    buf = b''
    while not buf.endswith(b'(qemu) '):
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    return buf.decode(errors='replace')
prompt()
s.sendall(sys.argv[2].encode() + b'\n')
# The monitor echoes the command line (with terminal escapes) up to the first newline; print
# what it answered after that, without the next prompt (set_link answers nothing).
answer = prompt().replace('\r', '').partition('\n')[2].rsplit('(qemu) ', 1)[0].strip()
if answer:
    print(answer)
EOF
}

# relay VM: prefix VM's output lines and act on its host requests.
relay() {
	local vm=$1 line req
	while IFS= read -r line; do
		printf '%s | %s\n' "$vm" "$line"
		case "$line" in
		"AFC-HOST "* | "# AFC-HOST "*)
			req=${line#*AFC-HOST }
			req=${req%$'\r'}
			case "$req" in
			"set_link off" | "set_link on")
				echo "vm-pair: $vm: set_link n0 ${req#set_link }"
				monitor "$vm" "set_link n0 ${req#set_link }" 2>&1 | sed "s/^/vm-pair: $vm: /"
				;;
			*) echo "vm-pair: $vm: unknown host request '$req' ignored" ;;
			esac
			;;
		esac
	done
}

# start VM NIC MAC ROLE PEER: one vm.sh in the background; its status goes to $tmp/VM.rc.
start() {
	local vm=$1 nic=$2 mac=$3 role=$4 peer=$5
	(
		"$top/scripts/vm.sh" --kernel "$kernel" --name "$name-$vm" ${timeout:+--timeout "$timeout"} \
			--smp "$smp" --nic "$nic" --mac "$mac" --nic-opts "$nic_opts" \
			--monitor "$tmp/$vm.monitor" \
			-- "$cmd $role $peer" 2>&1 &
		echo $! > "$tmp/$vm.pid"
		wait $!
		echo $? > "$tmp/$vm.rc"
	) | relay "$vm" &
}

start_s=$(date +%s)
cmd="$*"
start a "listen:$port" "$mac_a" server "$mac_b"
start b "connect:$port" "$mac_b" client "$mac_a"
wait

rc=0
for vm in a b; do
	r=$(cat "$tmp/$vm.rc" 2>/dev/null || echo 124)
	[ "$rc" = 0 ] && rc=$r
done
echo "vm-pair: $name: $kernel kernel, two VMs, exit status $rc, $(( $(date +%s) - start_s )) s" >&2
exit "$rc"
