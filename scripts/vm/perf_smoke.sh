#!/bin/sh
# perf_smoke.sh: KTAP.  Keeps `afc perf` (make bench's measurement program) working: a one-second
# run of each measurement per af_custom type between two namespaces joined by a veth; each must
# print one well-formed result line that moved data across the veth.  Then every connection
# must be gone (TIME_WAIT included) once the servers are stopped.
IP=/usr/sbin/ip
n=0
fails=0

ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; fails=$((fails + 1)); fi
}

# field LINE NAME: the number NAME of a result line (empty when absent).
field() {
	echo "$1" | sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p"
}

cleanup() {
	# shellcheck disable=SC2086
	[ -n "${pids:-}" ] && kill $pids 2>/dev/null && wait $pids 2>/dev/null
	pids=
	$IP netns del afc-ps-a 2>/dev/null
	$IP netns del afc-ps-b 2>/dev/null
}

echo "KTAP version 1"
echo "1..7"
$IP netns add afc-ps-a && $IP netns add afc-ps-b &&
	$IP -n afc-ps-a link add psv0 type veth peer name psv1 netns afc-ps-b &&
	$IP -n afc-ps-a link set psv0 up && $IP -n afc-ps-b link set psv1 up ||
	echo "# namespace/veth setup failed"
mac=$($IP -n afc-ps-b link show psv1 | awk '/link\/ether/ { print $2 }')
pids=
for t in stream seqpacket; do
	port=7200
	[ $t = seqpacket ] && port=7201
	$IP netns exec afc-ps-b afc perf server afc-$t any $port 2>/dev/null &
	pids="$pids $!"
done

for t in stream seqpacket; do
	port=7200
	[ $t = seqpacket ] && port=7201
	for m in stream rr crr; do
		# -w: the first connect retries while the server starts and the link comes up.
		line=$($IP netns exec afc-ps-a afc perf client -m $m -s 1K -t 1 -w 10 -i psv0 \
			afc-$t psv0 "$mac" $port)
		rc=$?
		echo "# $line"
		bytes=$(field "$line" bytes)
		ops=$(field "$line" ops)
		wire=$(field "$line" wire_bytes)
		good=1
		[ $rc = 0 ] || { echo "# exit status $rc"; good=0; }
		# One JSON object of "key":number|"string" members, nothing else.
		echo "$line" | grep -Eq '^\{("[a-z0-9_]+":("[^"]*"|-?[0-9]+(\.[0-9]+)?)(,|\}$))+$' ||
			{ echo "# not a well-formed result line"; good=0; }
		echo "$line" | grep -q "\"transport\":\"afc-$t\",.*\"test\":\"$m\"" ||
			{ echo "# wrong transport or test"; good=0; }
		[ "${bytes:-0}" -gt 0 ] && [ "${ops:-0}" -gt 0 ] ||
			{ echo "# moved no data"; good=0; }
		# What was read crossed the veth (frames both ways count, so at least as many bytes).
		[ "${wire:-0}" -ge "${bytes:-1}" ] ||
			{ echo "# $wire bytes on psv0 for $bytes bytes read"; good=0; }
		case $m in
		rr) [ -n "$(field "$line" lat_p50_us)" ] && [ -n "$(field "$line" lat_p99_us)" ] ||
			{ echo "# no latency figures"; good=0; } ;;
		stream) [ -n "$(field "$line" cpu_ns_per_byte)" ] || { echo "# no CPU figure"; good=0; } ;;
		esac
		ok $((1 - good)) "afc_perf_${t}_$m"
	done
done

# shellcheck disable=SC2086
kill $pids 2>/dev/null
# shellcheck disable=SC2086
wait $pids 2>/dev/null
pids=
left=
i=0
while [ $i -lt 100 ]; do
	left=$($IP netns exec afc-ps-a cat /proc/net/af_custom
		$IP netns exec afc-ps-b cat /proc/net/af_custom)
	[ "$(echo "$left" | awk '$1 != "sl" && NF' | wc -l)" = 0 ] && break
	sleep 0.1
	i=$((i + 1))
done
[ $i -lt 100 ] || echo "$left" | sed 's/^/# /'
ok $((i < 100 ? 0 : 1)) "afc_perf_leaves_no_socket"
cleanup
[ $fails = 0 ]
