#!/bin/sh
# The test job of `make check`, run inside the VM on either kernel.  Each block of results is
# framed by "AFC-BEGIN <what>" / "AFC-END" for scripts/results.py; everything in it is KTAP.
kernel=$(cat /afc/kernel)
failed=0

# step NAME COMMAND...: one KTAP case for a setup/teardown step.
step() {
	name=$1
	shift
	echo "AFC-BEGIN step $name"
	echo "1..1"
	if "$@"; then echo "ok 1 $name"; else echo "not ok 1 $name"; failed=1; fi
	echo "AFC-END"
}

ktap() {
	what=$1
	shift
	echo "AFC-BEGIN $what"
	"$@" || failed=1
	echo "AFC-END"
}

step insmod_af_custom insmod /afc/af_custom.ko || exit 1

if [ "$kernel" = debug ]; then
	# KUnit suites run when their module loads; debugfs keeps each suite's KTAP.
	step insmod_af_custom_kunit insmod /afc/af_custom_kunit.ko
	for r in /sys/kernel/debug/kunit/afc_*/results; do
		[ -e "$r" ] || continue
		suite=${r%/results}
		ktap "kunit ${suite##*/}" cat "$r"
	done
	step rmmod_af_custom_kunit rmmod af_custom_kunit
fi

ktap "selftest socket_test" /afc/bin/selftests/socket_test
ktap "selftest dgram_test" /afc/bin/selftests/dgram_test
ktap "selftest harden_test" /afc/bin/selftests/harden_test
ktap "selftest stream_test" /afc/bin/selftests/stream_test
ktap "selftest perf_smoke" /afc/bin/perf_smoke.sh

# Not a test (outside any block, so results.py skips it): what /proc/net/af_custom and the
# counters look like while a socket waits for a datagram.
afc recv any 5000 >/dev/null 2>&1 &
recv=$!
sleep 1
echo "== afc stat, with 'afc recv any 5000' waiting"
afc stat
kill $recv
wait $recv 2>/dev/null

ktap "selftest module_test" /afc/bin/selftests/module_test /afc/af_custom.ko

step rmmod_af_custom_at_the_end rmmod af_custom
exit $failed
