#!/bin/bash
# host-check.sh: the host half of `make check`, after the VM runs.  Runs every scripts/host/*_test.sh
# (each prints one KTAP document on stdout, its own diagnostics as "# ..." lines) and frames them
# like a VM run into build/vm/host.out, so scripts/results.py counts them with the rest.
# A test script that exits non-zero without a complete plan shows up as missing results.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/build/vm/host.out"
mkdir -p "$top/build/vm"
: > "$out"
status=0
for t in "$top"/scripts/host/*_test.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	echo "host-check: $name" >&2
	{
		echo "AFC-BEGIN $name"
		bash "$t" 2>&1 || status=1
		echo "AFC-END"
	} | tee -a "$out" | grep -E '^(not )?ok |^# ' >&2 || true
done
echo "AFC-EXIT $status" >> "$out"
exit 0
