#!/bin/sh
# The demo job (make demo), run inside the VM on Debian's stock kernel.
set -e
say() { printf '\n== %s\n' "$*"; }

say "kernel: $(uname -r)"
say "loading af_custom.ko"
insmod /afc/af_custom.ko
dmesg | grep 'af_custom: address family'
afc info

say "one socket of each supported type"
afc socket stream seqpacket dgram


say "types and protocols the family refuses"
afc socket raw rdm || true

say "unloading (no socket open)"
rmmod af_custom
[ ! -e /sys/module/af_custom ] && echo "af_custom unloaded"
