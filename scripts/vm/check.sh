#!/bin/sh
# The test job of `make check`, run inside the VM on either kernel.  Each block of results is
# framed by "AFC-BEGIN <what>" / "AFC-END" for scripts/results.py; everything in it is KTAP.
kernel=$(cat /afc/kernel)
failed=0

# shellcheck source=scripts/vm/ktap.sh
. /afc/bin/ktap.sh

step insmod_af_custom insmod /afc/af_custom.ko || exit 1

if [ "$kernel" = debug ]; then
	# KUnit suites run when their module loads; debugfs keeps each suite's KTAP.
	step insmod_af_custom_kunit insmod /afc/af_custom_kunit.ko
	suites=0
	for r in /sys/kernel/debug/kunit/afc_*/results; do
		[ -e "$r" ] || continue
		suites=$((suites + 1))
		suite=${r%/results}
		ktap "kunit ${suite##*/}" cat "$r"
	done
	# A suite that did not run must not pass by being absent.
	step kunit_suites_ran [ "$suites" -ge 12 ]
	step rmmod_af_custom_kunit rmmod af_custom_kunit
fi

ktap "selftest socket_test" /afc/bin/selftests/socket_test
ktap "selftest dgram_test" /afc/bin/selftests/dgram_test
ktap "selftest harden_test" /afc/bin/selftests/harden_test
ktap "selftest stream_test" /afc/bin/selftests/stream_test
ktap "selftest gso_test" /afc/bin/selftests/gso_test
ktap "selftest lookup_test" /afc/bin/selftests/lookup_test
ktap "selftest afc_test" /afc/bin/selftests/afc_test
ktap "selftest perf_smoke" /afc/bin/perf_smoke.sh

# Frames of every kind for the dissector test (scripts/host/dissector_test.sh), on one kernel.
if [ "$kernel" = stock ]; then
	/afc/bin/capture.sh || failed=1
fi

# Not a test (outside any block, so results.py skips it): what afc stat shows while a socket
# waits for a datagram, and the counters.
afc recv 5000 >/dev/null 2>&1 &
recv=$!
sleep 1
echo "== afc stat -a, with 'afc recv 5000' waiting"
afc stat -a
afc stat -s
kill $recv
wait $recv 2>/dev/null

ktap "selftest module_test" /afc/bin/selftests/module_test /afc/af_custom.ko

step rmmod_af_custom_at_the_end rmmod_when_idle

# afc where the module is not loaded: the plain message, exit status 1.
afc_says_not_loaded() {
	msg=$(afc stat 2>&1 >/dev/null)
	rc=$?
	echo "# afc stat: exit $rc: $msg"
	[ "$rc" -eq 1 ] && [ "$msg" = "afc: the af_custom module is not loaded (modprobe af_custom)" ]
}
step afc_says_the_module_is_not_loaded afc_says_not_loaded
exit $failed
