#!/bin/bash
# The man pages (man/*.[0-9]): each one lints clean (mandoc -T lint -W warning) and renders with
# mandoc and man-db; af_custom.7 has the sections of packet(7)/tipc(7), names everything the
# headers define for users, and its example program compiles.
. "$(dirname "$0")/ktap.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
uapi=$top/include/uapi/linux/af_custom.h
page=$top/man/af_custom.7

pages=("$top"/man/*.[0-9])
[ -e "${pages[0]}" ] || pages=()

# Nothing on stdout or stderr: mandoc prints one line per warning or error.
lint() {
	local out
	out=$(mandoc -T lint -W warning "$1" 2>&1) || { echo "$out"; return 1; }
	[ -z "$out" ] || { echo "$out"; return 1; }
}

# mandoc and man-db (groff, its warnings on) both render it, without a message.
renders() {
	local err
	mandoc -T utf8 "$1" > "$tmp/mandoc.out" 2> "$tmp/mandoc.err" || { cat "$tmp/mandoc.err"; return 1; }
	[ -s "$tmp/mandoc.out" ] && [ ! -s "$tmp/mandoc.err" ] || { cat "$tmp/mandoc.err"; return 1; }
	err=$(MANWIDTH=80 man --warnings -E UTF-8 -l "$1" 2>&1 > "$tmp/man.out") || { echo "$err"; return 1; }
	[ -z "$err" ] || { echo "$err"; return 1; }
	grep -q 'NAME' "$tmp/man.out" || { echo "man -l printed no NAME section"; return 1; }
}

# has_sections PAGE MACRO TITLE...: every title appears as a ".SH"/".SS" heading.
has_sections() {
	local p=$1 macro=$2 t missing=0
	shift 2
	for t in "$@"; do
		grep -qE "^\\.$macro +\"?$t\"?\$" "$p" || { echo "no .$macro $t"; missing=1; }
	done
	return "$missing"
}

# mentions WHAT NAME...: each name appears in the page as a word.
mentions() {
	local what=$1 n missing=0
	shift
	[ "$#" -gt 0 ] || { echo "found no $what to look for"; return 1; }
	for n in "$@"; do
		grep -qw -- "$n" "$page" || { echo "$what $n is not in af_custom.7"; missing=1; }
	done
	return "$missing"
}

# The SOL_CUSTOM option names: the #defines in the UAPI header's block under that comment.
sol_custom_options() {
	awk '/SOL_CUSTOM options/ { on = 1; next } on && /^$/ { exit }
	     on && /^#define/ { print $2 }' "$uapi"
}

# struct sockaddr_custom's fields, from the header.
sockaddr_fields() {
	awk '/^struct sockaddr_custom/ { on = 1; next } on && /^}/ { exit }
	     on { for (i = 1; i <= NF; i++) if ($i ~ /^scu_/) { sub(/[;[].*/, "", $i); print $i } }' "$uapi"
}

# /proc/net/af_custom_stat's names: AFC_STAT_LIST and "drop_" + AFC_DROP_LIST (wire_format.h).
stat_names() {
	local wf=$top/include/af_custom/wire_format.h
	sed -n '/^#define AFC_STAT_LIST/,/^$/s/.*X([A-Z_]*, "\([a-z_]*\)").*/\1/p' "$wf"
	sed -n '/^#define AFC_DROP_LIST/,/^$/s/.*X([A-Z_]*, "\([a-z_]*\)").*/drop_\1/p' "$wf"
}

# Connection states of /proc/net/af_custom (module/core/conn.h).
conn_states() {
	sed -n '/^#define AFC_CONN_STATE_LIST/,/^$/s/.*X(\([A-Z_0-9]*\)).*/\1/p' "$top/module/core/conn.h"
}

define_value() { awk -v n="$1" '$1 == "#define" && $2 == n { print $3 }' "$uapi"; }

# The defaults the page states are the header's.
defaults_match() {
	local fam eth ok=0
	fam=$(define_value AF_CUSTOM)
	eth=$(define_value AF_CUSTOM_ETHERTYPE)
	[ -n "$fam" ] && [ -n "$eth" ] || { echo "AF_CUSTOM or AF_CUSTOM_ETHERTYPE not found in the header"; return 1; }
	grep -q "default $fam," "$page" || { echo "af_custom.7 does not give family's default as $fam"; ok=1; }
	grep -q "(default $eth)" "$page" || { echo "af_custom.7 does not give ethertype's default as $eth"; ok=1; }
	grep -q "0x88B5 by default" "$page" && [ "$eth" != 0x88B5 ] && { echo "DESCRIPTION's EtherType is stale"; ok=1; }
	return "$ok"
}

# The EXAMPLES program: the .EX/.EE block after ".SH EXAMPLES", roff escapes undone.
example_compiles() {
	sed -n '/^\.SH EXAMPLES/,/^\.SH/p' "$page" | sed -n '/^\.EX/,/^\.EE/{/^\.E[XE]/d;p}' |
		sed -e 's/\\e/\\/g' -e 's/\\-/-/g' > "$tmp/example.c"
	[ -s "$tmp/example.c" ] || { echo "no .EX block in EXAMPLES"; return 1; }
	gcc -Wall -Wextra -Werror -std=gnu11 -I"$top/include/uapi" -o "$tmp/example" "$tmp/example.c" &&
		{ "$tmp/example" > /dev/null 2>&1; [ "$?" -eq 1 ]; } ||
		{ echo "the example does not compile, or does not exit 1 on a missing argument"; return 1; }
}

plan $((2 * ${#pages[@]} + 9))
for p in "${pages[@]}"; do
	n=${p##*/}
	check "lint_${n}_mandoc_W_warning_is_silent" lint "$p"
	check "render_${n}_mandoc_and_man_l" renders "$p"
done
check af_custom_7_exists test -f "$page"
check af_custom_7_has_sections has_sections "$page" SH NAME SYNOPSIS DESCRIPTION ERRORS VERSIONS \
	NOTES BUGS EXAMPLES "SEE ALSO"
check af_custom_7_has_subsections has_sections "$page" SS "Address format" "Socket types" \
	"Socket options" Ioctls "\\/proc interfaces" "Module parameters"
check af_custom_7_names_every_sol_custom_option mentions "SOL_CUSTOM option" $(sol_custom_options)
check af_custom_7_names_every_sockaddr_field mentions "struct sockaddr_custom field" $(sockaddr_fields)
check af_custom_7_names_every_stat_counter mentions "af_custom_stat counter" $(stat_names)
check af_custom_7_names_every_connection_state mentions "connection state" $(conn_states)
check af_custom_7_defaults_are_the_headers defaults_match
check af_custom_7_example_compiles example_compiles
