#!/bin/bash
# constants.sh [--check|--update]: the block of tools/wireshark/af_custom.lua between its
# "-- BEGIN constants" and "-- END constants" lines is generated from the module's headers by
# constants.c.  --check (the default) fails, showing the difference, when the block is stale;
# --update rewrites it.  CC defaults to gcc.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
lua="$here/af_custom.lua"
mode=${1:---check}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"${CC:-gcc}" -Wall -Werror -I"$top/include/uapi" -o "$tmp/constants" "$here/constants.c"
"$tmp/constants" > "$tmp/block"
if ! grep -q '^-- BEGIN constants' "$lua" || ! grep -q '^-- END constants' "$lua"; then
	echo "constants: no BEGIN/END constants lines in $lua" >&2
	exit 1
fi
# The file with the block replaced by what the headers say now.
awk -v block="$tmp/block" '
	/^-- END constants/ { skip = 0 }
	!skip { print }
	/^-- BEGIN constants/ { while ((getline l < block) > 0) print l; skip = 1 }
' "$lua" > "$tmp/new.lua"

case "$mode" in
--check)
	if ! diff -u "$lua" "$tmp/new.lua"; then
		echo "constants: $lua is stale; run $0 --update" >&2
		exit 1
	fi
	;;
--update)
	cmp -s "$lua" "$tmp/new.lua" || cp "$tmp/new.lua" "$lua"
	;;
*) echo "usage: constants.sh [--check|--update]" >&2; exit 2 ;;
esac
