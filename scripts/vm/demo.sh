#!/bin/sh
# The demo job (make demo), run inside the VM on Debian's stock kernel: load the module, then
# carry datagrams between two network namespaces joined by a veth pair.
set -e
say() { printf '\n== %s\n' "$*"; }
ip=/usr/sbin/ip

say "kernel: $(uname -r)"
say "loading af_custom.ko"
insmod /afc/af_custom.ko
dmesg | grep 'af_custom: address family'
afc info

say "one socket of each supported type"
afc socket stream seqpacket dgram

say "types and protocols the family refuses"
afc socket raw rdm || true

say "two namespaces, left and right, joined by veth0 <-> veth1"
$ip netns add left
$ip netns add right
$ip link add veth0 netns left type veth peer name veth1 netns right
$ip -n left link set veth0 up
$ip -n right link set veth1 up
mac=$($ip -n right link show veth1 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
echo "right's veth1 has MAC $mac"

say "right listens on port 7000; left sends two datagrams, then one broadcast"
$ip netns exec right afc recv -i veth1 -c 3 7000 > /tmp/right.out &
sleep 1
$ip netns exec right afc stat -l
$ip netns exec left afc send veth0 "$mac" 7000 "hello from left" "second datagram"
$ip netns exec left afc send veth0 broadcast 7000 "to everyone on the segment"
wait
cat /tmp/right.out

for type in stream seqpacket; do
	say "a $type connection: left sends 4 MiB to right, which checks the hash"
	head -c 4194304 /dev/urandom > /tmp/data
	$ip netns exec right afc listen -v -t $type -i veth1 7100 > /tmp/got < /dev/null &
	sleep 1
	$ip netns exec right afc stat -l
	start=$(date +%s)
	$ip netns exec left afc connect -v -t $type veth0 "$mac" 7100 < /tmp/data
	wait
	echo "sent     $(sha256sum < /tmp/data)"
	echo "received $(sha256sum < /tmp/got)  ($(( $(date +%s) - start )) s)"
	[ "$(sha256sum < /tmp/data)" = "$(sha256sum < /tmp/got)" ] && echo "$type transfer intact"
	$ip netns exec right afc stat
done

say "afc stat: a stream listener, stream and seqpacket connections, a datagram socket"
# The connections stay established while the stdins at both ends (sleeps) are open.
sleep 8 | $ip netns exec right afc listen -k -i veth1 7200 > /dev/null &
keep=$!
$ip netns exec right afc listen -t dgram -i veth1 7400 > /dev/null &
dgram=$!
sleep 8 | $ip netns exec right afc listen -t seqpacket 7300 > /dev/null &
sleep 1
sleep 8 | $ip netns exec left afc connect veth0 "$mac" 7200 > /dev/null &
sleep 8 | $ip netns exec left afc connect -t seqpacket veth0 "$mac" 7300 > /dev/null &
sleep 2
echo "right:"; $ip netns exec right afc stat -a
echo "left:";  $ip netns exec left afc stat -a
echo "right, afc stat -s:"; $ip netns exec right afc stat -s
kill $keep $dgram
wait || true

say "counters in each namespace (afc stat -s)"
echo "left:";  $ip netns exec left afc stat -s | grep -E '^ *(tx|rx|conn|segs|window|out_of|dup|drop_rcv|drop_back)'
echo "right:"; $ip netns exec right afc stat -s | grep -E '^ *(tx|rx|conn|segs|window|out_of|dup|drop_rcv|drop_back)'

say "deleting the namespaces, unloading (no socket open, TIME_WAIT over)"
$ip netns del left
$ip netns del right
sleep 3
rmmod af_custom
[ ! -e /sys/module/af_custom ] && echo "af_custom unloaded"
