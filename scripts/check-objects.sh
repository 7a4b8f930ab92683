#!/bin/sh
# check-objects.sh KDIR BUILD_DIR: reject global constructors and C++ runtime dependencies.
#
# A global constructor would run on a kernel with CONFIG_CONSTRUCTORS (the KASAN test kernel) and
# silently not on Debian's.  Without KASAN no object may carry .init_array/.ctors at all; with
# KASAN, the compiler's own sanitizer constructor (_sub_I_*, registering globals) is expected, so
# only C++ dynamic initializers (_GLOBAL__sub_I_*) and destructors are rejected.
set -eu

kdir=$1
dir=$2
kasan=n
grep -q '^CONFIG_KASAN=y' "$kdir/.config" && kasan=y

bad=0
for o in $(find "$dir/module" "$dir/kunit" -name '*.o' 2>/dev/null) "$dir"/*.ko; do
	[ -e "$o" ] || continue
	if [ "$kasan" = n ] && objdump -h "$o" | grep -qE ' \.(init_array|ctors|fini_array|dtors)'; then
		echo "check-objects: $o carries a constructor/destructor section" >&2
		bad=1
	fi
	if nm "$o" | grep -qE '_GLOBAL__sub_[ID]_|__cxa_(guard_acquire|atexit|pure_virtual|throw)|__gxx_personality|_Unwind_|_ZTI|_ZTV'; then
		echo "check-objects: $o needs C++ runtime support (global ctor, guard, RTTI, unwinding):" >&2
		nm "$o" | grep -E '_GLOBAL__sub_[ID]_|__cxa_|__gxx_personality|_Unwind_|_ZTI|_ZTV' >&2
		bad=1
	fi
done
exit "$bad"
