#!/bin/bash
# The README's first screen: what it is, `make demo` and `make check`, the example program exactly
# as tools/examples/hello.c has it (which `make tools` builds), and where the docs are.
. "$(dirname "$0")/ktap.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
readme=$top/README.md
hello=$top/tools/examples/hello.c
screen=45	# lines: a terminal's first screen

# The first ```c block of the README.
readme_example() { awk '/^```c$/ { on = 1; next } on && /^```$/ { exit } on' "$readme"; }

same_code() {
	diff <(readme_example) "$hello" || { echo "(< README, > tools/examples/hello.c)"; return 1; }
}

first_screen_has() {
	local what missing=0
	for what in "$@"; do
		head -n "$screen" "$readme" | grep -qF -- "$what" || { echo "'$what' is not in the first $screen lines"; missing=1; }
	done
	return "$missing"
}

example_on_first_screen() {
	local end
	end=$(awk '/^```c$/ { on = 1; next } on && /^```$/ { print NR; exit }' "$readme")
	[ -n "$end" ] && [ "$end" -le "$screen" ] || { echo "the example ends at line ${end:-?}"; return 1; }
}

# `make tools` builds it, with the tools' own flags (-Wall -Wextra -Werror, static).
built_by_make_tools() {
	make -s -C "$top/tools" -n OUT="$tmp/out" all | grep -q 'examples/hello\.c' ||
		{ echo "tools/Makefile's all does not build examples/hello"; return 1; }
	make -s -C "$top/tools" OUT="$tmp/out" "$tmp/out/examples/hello" && [ -x "$tmp/out/examples/hello" ]
}

plan 5
check readme_example_is_tools_examples_hello_c same_code
check readme_example_is_on_the_first_screen example_on_first_screen
check readme_first_screen_has_commands_and_docs first_screen_has "make demo" "make check" \
	"man/af_custom.7" "man/afc.8" "Documentation/"
check readme_first_screen_says_what_it_is first_screen_has "socket(AF_CUSTOM" "Ethernet" "Debian 12"
check example_is_built_by_make_tools built_by_make_tools
