# shellcheck shell=sh disable=SC2034  # failed is the caller's
# KTAP framing for the in-VM check jobs (check.sh, check-pair.sh), sourced as /afc/bin/ktap.sh
# (scripts/initramfs.sh copies scripts/vm/*.sh there; nothing runs /afc/bin/*.sh by pattern).
# Each block is framed by "AFC-BEGIN <what>" / "AFC-END" for scripts/results.py.  A failure sets
# the caller's $failed to 1.

# step NAME COMMAND...: one KTAP case for a setup/teardown step.
step() {
	name=$1
	shift
	echo "AFC-BEGIN step $name"
	echo "1..1"
	if "$@"; then echo "ok 1 $name"; else echo "not ok 1 $name"; failed=1; fi
	echo "AFC-END"
}

# ktap WHAT COMMAND...: COMMAND's KTAP output as the block WHAT.
ktap() {
	what=$1
	shift
	echo "AFC-BEGIN $what"
	"$@" || failed=1
	echo "AFC-END"
}

# rmmod_when_idle: rmmod af_custom, waiting up to 10 s for the last sockets to go: connections
# in TIME_WAIT (2 s), and every socket's memory one RCU grace period after its last reference.
rmmod_when_idle() {
	for _ in $(seq 20); do
		rmmod af_custom 2>/dev/null && return 0
		sleep 0.5
	done
	rmmod af_custom
}
