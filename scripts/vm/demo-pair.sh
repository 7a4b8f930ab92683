#!/bin/sh
# The two-host part of `make demo`: scripts/vm-pair.sh runs it in both VMs, whose virtio-net
# NICs (eth0) share one segment, as
#   demo-pair.sh server|client PEER_MAC
# The client sends 4 MiB of random bytes to the server over a stream connection; each end
# prints the byte count and SHA-256 of what it sent or received and checks them against the
# other end's (the client announces its figures first, the server reports what arrived).
set -e
role=$1
peer=$2
say() { printf '\n== %s\n' "$*"; }
ip=/usr/sbin/ip

# figures FILE: "BYTES SHA256" of FILE.
figures() { echo "$(wc -c < "$1") $(sha256sum < "$1" | cut -d' ' -f1)"; }

# send FILE PORT: FILE over a stream connection to the peer's PORT, again while nobody listens
# there yet.  Every wait is bounded: a peer that never booted must not hold the VM.
send() {
	end=$(( $(date +%s) + 90 ))
	while :; do
		timeout 120 afc connect eth0 "$peer" "$2" < "$1" > /dev/null 2> /tmp/connect.err &&
			return 0
		[ "$(date +%s)" -lt "$end" ] || break
		sleep 0.5
	done
	cat /tmp/connect.err >&2
	return 1
}

insmod /afc/af_custom.ko
$ip link set eth0 up
for _ in $(seq 100); do [ "$(cat /sys/class/net/eth0/carrier)" = 1 ] && break; sleep 0.1; done
say "$role: kernel $(uname -r), eth0 (virtio-net) $(cat /sys/class/net/eth0/address), peer $peer"

if [ "$role" = server ]; then
	say "server: listening on port 7200 for the data, 7201 for the client's figures"
	timeout 120 afc listen -i eth0 7201 < /dev/null > /tmp/announced &
	timeout 150 afc listen -i eth0 7200 < /dev/null > /tmp/got
	wait
	got=$(figures /tmp/got)
	echo "server: received ${got% *} bytes, SHA-256 ${got#* }"
	echo "server: the client sent $(cut -d' ' -f1 /tmp/announced) bytes," \
		"SHA-256 $(cut -d' ' -f2 /tmp/announced)"
	[ "$got" = "$(cat /tmp/announced)" ] || { echo "server: MISMATCH"; exit 1; }
	echo "server: byte count and SHA-256 match"
	echo "$got" > /tmp/report
	send /tmp/report 7202
else
	head -c 4194304 /dev/urandom > /tmp/data
	figures /tmp/data > /tmp/mine
	echo "client: sending $(cut -d' ' -f1 /tmp/mine) bytes," \
		"SHA-256 $(cut -d' ' -f2 /tmp/mine)"
	timeout 240 afc listen -i eth0 7202 < /dev/null > /tmp/report &
	send /tmp/mine 7201
	start=$(date +%s)
	send /tmp/data 7200
	echo "client: sent in $(( $(date +%s) - start )) s"
	wait
	echo "client: the server received $(cut -d' ' -f1 /tmp/report) bytes," \
		"SHA-256 $(cut -d' ' -f2 /tmp/report)"
	[ "$(cat /tmp/report)" = "$(cat /tmp/mine)" ] || { echo "client: MISMATCH"; exit 1; }
	echo "client: byte count and SHA-256 match"
fi

say "$role: counters (/proc/net/af_custom_stat)"
grep -E '^(tx|rx)_(frames|bytes) |^(conn_opened|conn_accepted|segs_retransmitted) ' \
	/proc/net/af_custom_stat | tr '\n' ' '
echo
# The last connection ends in TIME_WAIT (2 s) on the side that closed first.
for _ in $(seq 20); do rmmod af_custom 2>/dev/null && break; sleep 0.5; done
[ ! -e /sys/module/af_custom ] && echo "$role: af_custom unloaded"
