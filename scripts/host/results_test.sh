#!/bin/bash
# The result counter itself: scripts/results.py on KTAP documents with known counts.
. "$(dirname "$0")/ktap.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# KUnit blocks go through the kernel's kunit.py (extracted from linux-source-6.1).
kunit_py="$("$top/scripts/kernel-tools.sh" 2>/dev/null)/tools/testing/kunit/kunit.py"

# count FILE-CONTENT EXPECTED-LAST-LINE [RESULTS.PY OPTIONS...]: results.py on a fake run must
# end with that line.
count() {
	local content=$1 want=$2
	shift 2
	mkdir -p "$tmp/build/vm" "$tmp/scripts"
	cp "$top/scripts/results.py" "$tmp/scripts/"
	printf '%b' "$content" > "$tmp/build/vm/fake.out"
	python3 "$tmp/scripts/results.py" "$@" fake > "$tmp/got"
	got=$(tail -n 1 "$tmp/got")
	[ "$got" = "$want" ] || { cat "$tmp/got"; echo "got '$got', want '$want'"; return 1; }
}

# named LINE: the last count's output has that line.
named() { grep -qxF "$1" "$tmp/got" || { cat "$tmp/got"; echo "no line '$1'"; return 1; }; }

end='AFC-END\nAFC-EXIT 0\nAFC-KERNEL-LOG clean\n'

# kselftest_harness.h (6.1) output: TAP 13, fixtures, a skip without a name (named by its RUN
# line), an expected failure, diagnostics on stderr.
kselftest='AFC-BEGIN selftest x_test\nTAP version 13\n1..4\n# Starting 4 tests from 2 test cases.
#  RUN           global.a ...\n#            OK  global.a\nok 1 global.a
#  RUN           global.b ...\n#      SKIP      no tun device\n#            OK  global.b
ok 2 # SKIP no tun device\n#  RUN           pair.c ...\n# x_test.c:10:c:Expected 0 (0) == n (1)
# c: Test failed at step #2\n#          FAIL  pair.c\nnot ok 3 pair.c
#  RUN           pair.d ...\nok 4 pair.d # XFAIL known\n# FAILED: 3 / 4 tests passed.
# Totals: pass:2 fail:1 xfail:0 xpass:0 skip:1 error:0\n'
# A test program that crashed after two of its five cases.
crashed='AFC-BEGIN selftest y_test\nTAP version 13\n1..5\n#  RUN           global.a ...
ok 1 global.a\n#  RUN           global.b ...\nok 2 global.b\n#  RUN           global.c ...\n'
kunit_ok='AFC-BEGIN kunit afc_s\nKTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: afc_s
    1..3\n    ok 1 one\n    ok 2 two # SKIP not here\n    not ok 3 three\nnot ok 1 afc_s\n'
kunit_cut='AFC-BEGIN kunit afc_t\nKTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: afc_t
    1..4\n    ok 1 one\n'

plan 14
check counts_passed_failed_and_skipped_cases \
	count "AFC-BEGIN t\n1..3\nok 1 a\nnot ok 2 b\nok 3 c # SKIP why\n$end" \
	'3 passed, 1 failed, 1 skipped'
check counts_missing_results_of_a_plan_as_failed \
	count "AFC-BEGIN t\n1..3\nok 1 a\n$end" '3 passed, 2 failed, 0 skipped'
check dirty_kernel_log_and_unfinished_vm_fail \
	count 'AFC-BEGIN t\n1..1\nok 1 a\nAFC-END\nAFC-KERNEL-LOG dirty\n' '1 passed, 2 failed, 0 skipped'
check counts_kselftest_tap13_with_skip_xfail_and_failure \
	count "$kselftest$end" '4 passed, 1 failed, 1 skipped'
check names_a_nameless_kselftest_skip_by_its_run_line named 'skipped fake/selftest/x_test/global.b'
check counts_the_cases_a_crashed_test_program_never_reported_as_failed \
	count "$crashed$end" '4 passed, 3 failed, 0 skipped'
check block_without_a_plan_fails_and_a_skipped_plan_skips \
	count "AFC-BEGIN t\n# nothing ran\nAFC-END\nAFC-BEGIN u\n1..0 # SKIP no device\n$end" \
	'2 passed, 1 failed, 1 skipped'
check kunit_block_is_counted_by_kunit_py_parse \
	count "$kunit_ok$end" '3 passed, 1 failed, 1 skipped' --kunit-py "$kunit_py"
check kunit_py_names_the_cases named 'FAILED  fake/kunit/afc_s/three'
check kunit_py_counts_the_cases_a_crashed_suite_never_reported_as_failed \
	count "$kunit_cut$end" '3 passed, 3 failed, 0 skipped' --kunit-py "$kunit_py"
check kunit_block_without_kunit_py_fails \
	count "$kunit_ok$end" '3 passed, 2 failed, 1 skipped' --kunit-py "$tmp/no-kunit.py"
check a_result_glued_to_the_end_marker_still_counts \
	count 'AFC-BEGIN t\n1..2\nok 1 a\nnot ok 2 b\n# partialAFC-END\nAFC-EXIT 1\nAFC-KERNEL-LOG clean\n' \
	'3 passed, 1 failed, 0 skipped'
check a_block_replaced_by_the_next_one_fails \
	count 'AFC-BEGIN t\n1..1\nok 1 a\nAFC-BEGIN u\n1..1\nok 1 b\nAFC-END\nAFC-EXIT 0\nAFC-KERNEL-LOG clean\n' \
	'4 passed, 1 failed, 0 skipped'
check a_failed_job_without_a_failed_case_fails \
	count 'AFC-BEGIN t\n1..1\nok 1 a\nAFC-END\nAFC-EXIT 1\nAFC-KERNEL-LOG clean\n' \
	'3 passed, 1 failed, 0 skipped'
