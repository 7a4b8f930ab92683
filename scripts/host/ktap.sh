# ktap.sh: sourced by the host tests (scripts/host/*_test.sh) to print KTAP.
#   plan N            "1..N"
#   check NAME CMD... one case: runs CMD, "ok"/"not ok" with NAME; CMD's output becomes "# " lines
#   skip NAME WHY     one skipped case
ktap_n=0
plan() { echo "KTAP version 1"; echo "1..$1"; }
check() {
	local name=$1 log rc
	shift
	ktap_n=$((ktap_n + 1))
	log=$("$@" 2>&1) && rc=0 || rc=$?
	[ -n "$log" ] && printf '%s\n' "$log" | sed 's/^/# /'
	if [ "$rc" -eq 0 ]; then echo "ok $ktap_n $name"; else echo "not ok $ktap_n $name"; fi
	return 0
}
skip() { ktap_n=$((ktap_n + 1)); echo "ok $ktap_n $1 # SKIP $2"; }
