#!/bin/bash
# The result counter itself: scripts/results.py on KTAP documents with known counts.
. "$(dirname "$0")/ktap.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# count FILE-CONTENT EXPECTED-LAST-LINE: results.py on a fake run must end with that line.
count() {
	mkdir -p "$tmp/build/vm" "$tmp/scripts"
	cp "$top/scripts/results.py" "$tmp/scripts/"
	printf '%b' "$1" > "$tmp/build/vm/fake.out"
	got=$(python3 "$tmp/scripts/results.py" fake | tail -n 1)
	[ "$got" = "$2" ] || { echo "got '$got', want '$2'"; return 1; }
}
plan 3
check counts_passed_failed_and_skipped_cases \
	count 'AFC-BEGIN t\n1..3\nok 1 a\nnot ok 2 b\nok 3 c # SKIP why\nAFC-END\nAFC-EXIT 0\nAFC-KERNEL-LOG clean\n' \
	'3 passed, 1 failed, 1 skipped'
check counts_missing_results_of_a_plan_as_failed \
	count 'AFC-BEGIN t\n1..3\nok 1 a\nAFC-END\nAFC-EXIT 0\nAFC-KERNEL-LOG clean\n' '3 passed, 2 failed, 0 skipped'
check dirty_kernel_log_and_unfinished_vm_fail \
	count 'AFC-BEGIN t\n1..1\nok 1 a\nAFC-END\nAFC-KERNEL-LOG dirty\n' '1 passed, 2 failed, 0 skipped'
