#!/bin/sh
# The two-host block of `make check`: scripts/vm-pair.sh runs it in both VMs as
#   check-pair.sh server|client PEER_MAC
# Blocks framed for scripts/results.py as in check.sh.
role=$1
peer=$2
failed=0

# shellcheck source=scripts/vm/ktap.sh
. /afc/bin/ktap.sh

# Waits up to 10 s for eth0's carrier after bringing it up.
eth0_up() {
	/usr/sbin/ip link set eth0 up || return 1
	for _ in $(seq 100); do
		[ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" = 1 ] && return 0
		sleep 0.1
	done
	return 1
}


step insmod_af_custom insmod /afc/af_custom.ko || exit 1
step eth0_up eth0_up
echo "AFC-BEGIN selftest twohost_test"
/afc/bin/selftests/twohost_test "$role,$peer" || failed=1
echo "AFC-END"
grep -E '^(rx_frames|tx_frames|segs_retransmitted|conn_timedout|drop_rcvbuf_full) ' /proc/net/af_custom_stat | tr '\n' ' '
echo
step rmmod_af_custom_at_the_end rmmod_when_idle
exit $failed
