#!/bin/bash
# make bench's report: scripts/bench-report.py on a made-up run with known figures.
. "$(dirname "$0")/ktap.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# line LABEL TEST SIZE REP FIELDS: one result line as `afc perf client` prints it.
line() {
	printf '{"afc_perf":1,"transport":"%s","label":"%s","test":"%s",' "${1%-1cpu}" "$1" "$2"
	printf '"size":%s,"flows":1,"rep":%s,%s}\n' "$3" "$4" "$5"
}

{
	echo 'AFC-BENCH-CONFIG seconds=2 reps=3 kernel=6.1.0-test cpus=2 clocksource=tsc'
	# The warm-up (rep 0) must not count.
	line afc-stream stream 65536 0 '"bytes":1,"ops":1,"mbit_s":9999'
	for rep in 1 2 3; do
		a=$((rep == 1 ? 100 : rep == 2 ? 300 : 200))
		line afc-stream stream 65536 $rep \
			"\"bytes\":1000,\"ops\":10,\"mbit_s\":$a,\"cpu_ns_per_byte\":10,\"wire_bytes\":1050"
		line tcp stream 65536 $rep \
			'"bytes":1000,"ops":10,"mbit_s":400,"cpu_ns_per_byte":5,"wire_bytes":1000'
		line tipc-stream stream 65536 $rep '"bytes":1000,"ops":10,"mbit_s":100,"wire_bytes":0'
		line unix-1cpu stream 65536 $rep '"bytes":1000,"ops":10,"mbit_s":800'
		line afc-stream rr 1 $rep '"bytes":10,"ops":10,"lat_p50_us":80,"lat_p99_us":500'
		line tcp rr 1 $rep '"bytes":10,"ops":10,"lat_p50_us":100,"lat_p99_us":400'
		line afc-stream crr 16 $rep '"bytes":16,"ops":1,"ops_s":90'
		line tcp crr 16 $rep '"bytes":16,"ops":1,"ops_s":100'
	done
	echo 'AFC-BENCH-ERROR tipc-seqpacket -m crr -t 2 -r 1'
	echo 'AFC-BENCH-PROFILE-BEGIN afc-stream 64K'
	echo '    12.00%  [k] _ZN3afc5wire4csumEv'
	echo 'AFC-BENCH-PROFILE-END'
	echo 'AFC-BENCH-DONE 600 s'
} > "$tmp/bench.out"

report() {
	python3 "$top/scripts/bench-report.py" --no-plot "$tmp/bench.out" "$tmp/out" > "$tmp/stdout"
}

# json EXPR: a Python expression over the results.json document `d` must be true.
json() {
	python3 -c "import json, sys
d = json.load(open('$tmp/out/results.json'))
v = ($1)
print(v)
sys.exit(0 if v is True else 1)"
}

csv_row() {
	grep -qx "$1" "$tmp/out/results.csv" || { grep "${1%%,*}" "$tmp/out/results.csv"; return 1; }
}

plan 8
check writes_the_table_csv_and_json report
check median_and_min_max_of_three_repetitions_without_the_warmup \
	csv_row 'afc-stream,stream,65536,1,mbit_s,200,100,300,3,100;300;200'
check ratio_of_medians_with_per_repetition_range \
	json "[(r['ratio'], r['min'], r['max']) for r in d['ratios']
	       if r['figure'] == 'stream 64 KiB x1' and r['field'] == 'mbit_s'
	       and r['afc'] == 'afc-stream' and r['other'] == 'tcp'] == [(0.5, 0.25, 0.75)]"
check targets_met_and_missed \
	json "{(t['figure'], t['other']): t['met'] for t in d['targets']} == {
	       ('stream 64 KiB x1', 'tcp'): False, ('stream 64 KiB x1', 'tipc-stream'): True,
	       ('stream 1 KiB x1', 'tcp'): None, ('rr 1 B median', 'tcp'): True,
	       ('rr 1 B median', 'tipc-stream'): None, ('connections', 'tcp'): False,
	       ('stream 64 KiB x1', 'unix'): None, ('stream 64 KiB x1', 'unix-1cpu'): False}"
check failed_measurements_are_listed \
	eval "json \"d['errors'] == ['tipc-seqpacket -m crr -t 2 -r 1']\" &&
	      grep -q '1 measurement(s) failed' $tmp/stdout"
check table_shows_medians_spreads_and_ratios \
	eval "grep -q 'stream 64 KiB x1 (Mbit/s) *200 \[100-300\] *400 \[400-400\]' $tmp/stdout &&
	      grep -q 'rr 1 B median (us) *0.80 \[0.80-0.80\]' $tmp/stdout"
check wire_bytes_per_payload_byte \
	json "[r['median'] for r in d['results'] if r['figure'] == 'wire_per_byte'] == [1.05, 1.0, 0.0]"
check plot_script_and_data_and_profile \
	eval "grep -q 'index 0 using 1:2:3:4 with yerrorlines' $tmp/out/throughput.gp &&
	      grep -qx '65536 200.0000 100.0000 300.0000' $tmp/out/throughput.dat &&
	      grep -q 'csum' $tmp/out/profile.txt"
