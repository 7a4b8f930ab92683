#!/bin/sh
# bench.sh [-t SECONDS] [-n REPS] [-q] [-p] [-c COMMANDS]: the in-VM half of `make bench`
# (stock kernel).
#
# Namespaces a and b joined by veth0 (a) <-> veth1 (b).  The servers (`afc perf server`) run in b,
# except AF_UNIX's, which runs in a; every client runs in a:
#   afc-stream, afc-seqpacket   af_custom over the veth
#   tcp                         TCP over IPv4 on the same veth (10.77.0.1 -> 10.77.0.2)
#   tipc-stream, tipc-seqpacket TIPC, its Ethernet bearer on the same veth
#   unix                        AF_UNIX stream inside a: the copy-cost ceiling
#   unix-1cpu                   the same, client and server on CPU 0 (stream only): under TCG
#                               AF_UNIX between two vCPUs is several times slower than on one
# Each repetition runs every measurement for every transport in turn (so a slow spell of the host
# hits all transports alike); each measurement prints one JSON line (`afc perf client`).
#   -t  seconds per measurement (default 2)      -n  repetitions (default 3)
#   -q  quick: one repetition of 0.5 s each      -p  also profile the af_custom stream run (perf)
#   -c  instead of the measurements, run the shell COMMANDS, which may call
#       `client TRANSPORT [afc perf client options]` (e.g. -c 'client unix -s 1K -t 5')
secs=2
reps=3
profile=
commands=
while getopts t:n:qpc: o; do
	case $o in
	t) secs=$OPTARG ;;
	n) reps=$OPTARG ;;
	q) secs=0.5; reps=1 ;;
	p) profile=1 ;;
	c) commands=$OPTARG; reps=0 ;;
	*) exit 2 ;;
	esac
done

IP=/usr/sbin/ip
TIPC=/usr/sbin/tipc
start=$(date +%s)

fail() {
	echo "AFC-BENCH-ERROR $*"
	exit 1
}

insmod /afc/af_custom.ko || fail "insmod af_custom.ko"

# The namespaces and the veth; no IPv6 (its autoconfiguration would add frames to the link).
for ns in a b; do
	$IP netns add $ns || fail "ip netns add $ns"
	$IP netns exec $ns sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6;
		echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6'
	$IP -n $ns link set lo up
done
$IP -n a link add veth0 type veth peer name veth1 netns b || fail "veth"
$IP -n a addr add 10.77.0.1/24 dev veth0
$IP -n b addr add 10.77.0.2/24 dev veth1
$IP -n a link set veth0 up
$IP -n b link set veth1 up
mac=$($IP -n b link show veth1 | awk '/link\/ether/ { print $2 }')
i=0
until $IP netns exec a ping -c 1 -W 1 10.77.0.2 >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 20 ] || fail "veth: no ping reply"
done

# TIPC: a node identity per namespace, an Ethernet bearer on each veth end, then the link.
$IP netns exec a $TIPC node set identity 11 || fail "tipc node set identity (a)"
$IP netns exec b $TIPC node set identity 22 || fail "tipc node set identity (b)"
$IP netns exec a $TIPC bearer enable media eth device veth0 || fail "tipc bearer (a)"
$IP netns exec b $TIPC bearer enable media eth device veth1 || fail "tipc bearer (b)"
i=0
until $IP netns exec a $TIPC link list | grep -v broadcast | grep -q ': up'; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "tipc link did not come up"
	sleep 0.1
done

echo "== setup"
$IP -n a -br link show veth0
$IP -n b -br link show veth1
$IP netns exec a $TIPC link list
$IP netns exec a $TIPC node list

transports="afc-stream afc-seqpacket tcp tipc-stream tipc-seqpacket unix"
stream_transports="$transports unix-1cpu"
pids=
server() {
	ns=$1
	shift
	$IP netns exec "$ns" afc perf server "$@" &
	pids="$pids $!"
}
server b afc-stream any 7100
server b afc-seqpacket any 7101
server b tcp 0.0.0.0 5201
server b tipc-stream 18888 1
server b tipc-seqpacket 18889 1
server a unix @afc-perf
$IP netns exec a taskset -c 0 afc perf server unix @afc-perf-1cpu &
pids="$pids $!"

addr() {
	case $1 in
	afc-stream) echo "veth0 $mac 7100" ;;
	afc-seqpacket) echo "veth0 $mac 7101" ;;
	tcp) echo "10.77.0.2 5201" ;;
	tipc-stream) echo "18888 1" ;;
	tipc-seqpacket) echo "18889 1" ;;
	unix) echo "@afc-perf" ;;
	unix-1cpu) echo "@afc-perf-1cpu" ;;
	esac
}

# client NAME OPTIONS...: one measurement, its JSON line on stdout.
client() {
	t=$1
	shift
	case $t in
	unix-1cpu) pin="taskset -c 0" transport=unix ;;
	*) pin='' transport=$t ;;
	esac
	# shellcheck disable=SC2046
	$pin $IP netns exec a afc perf client -i veth0 -l "$t" "$@" "$transport" $(addr "$t") ||
		echo "AFC-BENCH-ERROR $t $*"
}

echo "AFC-BENCH-CONFIG seconds=$secs reps=$reps kernel=$(uname -r) cpus=$(nproc)" \
	"transports=$(echo "$stream_transports" | tr ' ' ,)" \
	"clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"

# Warm-up (rep 0, not counted): each server answers, TIPC's name table has the services.
for t in $stream_transports; do
	client "$t" -m rr -s 1 -t 0.3 -w 20 -r 0
done

[ -n "$commands" ] && eval "$commands"

rep=1
while [ $rep -le "$reps" ]; do
	echo "== repetition $rep of $reps ($(($(date +%s) - start)) s)"
	for flows in 1 4; do
		for size in 64 1K 16K 64K; do
			for t in $stream_transports; do
				client "$t" -m stream -s $size -P $flows -t "$secs" -r $rep
			done
		done
	done
	for size in 1 1K; do
		for t in $transports; do
			client "$t" -m rr -s $size -t "$secs" -r $rep
		done
	done
	for t in $transports; do
		client "$t" -m crr -t "$secs" -r $rep
	done
	rep=$((rep + 1))
done

# af_custom's counters over the whole run (retransmissions, drops), one line per namespace.
for ns in a b; do
	echo "AFC-BENCH-STAT $ns $($IP netns exec $ns cat /proc/net/af_custom_stat | tr '\n' ' ')"
done

if [ -n "$profile" ]; then
	if command -v perf >/dev/null; then
		echo "AFC-BENCH-PROFILE-BEGIN afc-stream 64K, 1 flow, perf record -a -g"
		# No PMU under TCG: perf falls back to the cpu-clock timer.  Samples taken with
		# interrupts off land where they are enabled again (_raw_spin_unlock_irqrestore).
		# shellcheck disable=SC2046
		perf record -a -g -o /tmp/perf.data -- $IP netns exec a \
			afc perf client -m stream -s 64K -t 3 -i veth0 afc-stream $(addr afc-stream) 2>&1
		echo "== every CPU, flat (native_safe_halt is idle)"
		perf report -i /tmp/perf.data --stdio --no-children --sort sym \
			--percent-limit 0.5 -g none 2>&1 | grep -v '^$' | grep -v 'tips.txt'
		echo "== without idle, with callers, symbols over 2%"
		perf report -i /tmp/perf.data --stdio --no-children --sort sym \
			--comms afc,ksoftirqd/0,ksoftirqd/1 --percent-limit 2 -g graph,2 2>&1 |
			grep -v '^$' | grep -v 'tips.txt' | head -n 250
		echo "AFC-BENCH-PROFILE-END"
	else
		echo "AFC-BENCH-PROFILE-BEGIN"
		echo "no perf in the VM (make bench PROFILE=1 puts it there)"
		echo "AFC-BENCH-PROFILE-END"
	fi
fi

# shellcheck disable=SC2086
kill $pids
# shellcheck disable=SC2086
wait $pids 2>/dev/null
echo "AFC-BENCH-DONE $(($(date +%s) - start)) s"
