#!/bin/bash
# bench.sh: `make bench`.  One boot of Debian's stock kernel (QEMU TCG, 2 vCPUs) runs
# scripts/vm/bench.sh: `afc perf` between two network namespaces joined by veth, for af_custom
# stream and seqpacket, TCP, TIPC stream and seqpacket and AF_UNIX; scripts/bench-report.py then
# prints the table of medians, spreads and ratios and writes build/bench/ (results.csv,
# results.json, report.txt, throughput.png).  A benchmark, not a test: it never fails on a figure.
#
#   BENCH_ARGS  options for scripts/vm/bench.sh (-t SECONDS per figure, -n REPETITIONS, -q quick)
#   PROFILE=1   also record a perf profile of the af_custom stream run (build/bench/profile.txt)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/build/bench"
args=${BENCH_ARGS:-}

"$top/scripts/deps.sh" gnuplot-nox
mkdir -p "$out"
if [ "${PROFILE:-0}" = 1 ]; then
	# Debian's linux-perf matches the 6.1 kernel; it goes into the initramfs with its libraries.
	"$top/scripts/deps.sh" linux-perf
	export AFC_INITRAMFS_EXTRA=/usr/bin/perf
	args="$args -p"
fi
# Under TCG the kernel distrusts the TSC and falls back to the HPET: every clock read is then an
# emulated device access (and clock_gettime a system call instead of the vDSO).  The TSC is
# QEMU's host clock here, monotonic on every vCPU.
export AFC_KERNEL_APPEND="clocksource=tsc tsc=reliable"

start=$(date +%s)
rc=0
# The result lines go to build/vm/bench.out; the terminal shows progress and errors.
"$top/scripts/vm.sh" --kernel stock --name bench --timeout 2400 -- "/afc/bin/bench.sh $args" |
	grep --line-buffered -v '^{"afc_perf"' || rc=$?
[ "$rc" = 0 ] || echo "bench: the VM run ended with status $rc (see build/vm/bench.console.log)" >&2
cp "$top/build/vm/bench.out" "$out/bench.out"
"$top/scripts/bench-report.py" "$out/bench.out" "$out"
echo "bench: $(( $(date +%s) - start )) s in all"
