# SPDX-License-Identifier: GPL-2.0
#
# af_custom — top-level targets.  Every target installs its own dependencies first (scripts/deps.sh).
#
#   make              build af_custom.ko for Debian's stock kernel (linux-headers-amd64)
#   make KDIR=<tree>  build it against any other kernel tree (into build/custom/)
#   make debug        build the debug test kernel (cached) and the modules for it, KUnit included
#   make tools        build the user-space programs (afc CLI, selftests) into build/tools/
#   make demo         the main job: boot the stock kernel in a VM, load the module, show it working;
#                     then two VMs joined by virtio-net carry a stream from one to the other
#   make check        every test: KUnit on the debug kernel, selftests on both kernels, two-host
#                     selftests (two stock VMs over virtio-net), host tests
#   make bench        af_custom against TCP, TIPC and AF_UNIX in one stock-kernel VM: table, ratios,
#                     build/bench/ (CSV, JSON, plot); PROFILE=1 adds a perf profile, BENCH_ARGS
#                     options of scripts/vm/bench.sh (-t SECONDS, -n REPETITIONS, -q)
#   make vm           an interactive shell in the VM with the module loaded (KERNEL=debug for the other)
#   make install      install the module (/lib/modules/<kernel>/updates/, then depmod), afc, the
#                     UAPI header, the man pages and /etc/modprobe.d/af_custom.conf (commented out);
#                     DESTDIR= stages (no depmod), PREFIX= (default /usr/local) places the user
#                     files, KDIR= installs the build/custom/ module for that tree's kernel
#   make uninstall    remove exactly what `make install` (same DESTDIR, PREFIX, KDIR) put there
#   make clean        remove build/ (the kernel cache outside the checkout stays)
#
# DKMS: dkms.conf (`dkms add .`, `dkms build`, `dkms install`); see the README.

SHELL := /bin/bash
TOP := $(CURDIR)
KERNEL ?= stock

.PHONY: all deps modules stock debug custom tools demo check bench vm clean

ifdef KDIR
all: custom
else
all: stock
endif

deps:
	@scripts/deps.sh

stock: deps
	@. scripts/kernel-release.sh && scripts/build-module.sh stock "$$STOCK_KDIR"

custom: deps
	@scripts/build-module.sh custom "$(KDIR)"

debug: deps
	@scripts/build-module.sh debug "$$(scripts/test-kernel.sh)"

modules: stock debug

tools: deps
	@$(MAKE) -s -C tools OUT=$(TOP)/build/tools

demo: stock tools
	@scripts/vm.sh --kernel stock --name demo -- /afc/bin/demo.sh
	@start=$$(date +%s); \
	scripts/vm-pair.sh --kernel stock --name demo-pair -- /afc/bin/demo-pair.sh; rc=$$?; \
	echo "demo: the two-VM part took $$(( $$(date +%s) - start )) s"; exit $$rc

vm: $(KERNEL) tools
	@scripts/vm.sh --kernel $(KERNEL) --name shell --interactive -- \
		'insmod /afc/af_custom.ko && afc info'

check: modules tools
	@rm -f build/vm/*.out; start=$$(date +%s); \
	scripts/vm.sh --kernel stock --name check-stock -- /afc/bin/check.sh || true; \
	scripts/vm.sh --kernel debug --name check-debug -- /afc/bin/check.sh || true; \
	echo "check: both VM runs took $$(( $$(date +%s) - start )) s"; \
	start=$$(date +%s); \
	scripts/vm-pair.sh --kernel stock --name check-pair -- /afc/bin/check-pair.sh || true; \
	echo "check: the two-VM run took $$(( $$(date +%s) - start )) s"; \
	scripts/host-check.sh; \
	scripts/results.py check-stock check-debug check-pair-a check-pair-b host

bench: stock tools
	@PROFILE="$(PROFILE)" BENCH_ARGS="$(BENCH_ARGS)" scripts/bench.sh

clean:
	rm -rf build

# scripts/install.sh holds the one list of installed files that both targets walk.
.PHONY: install uninstall
PREFIX ?= /usr/local
afc-install = DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" KDIR="$(KDIR)" scripts/install.sh

install: $(if $(KDIR),custom,stock) tools
	@$(afc-install) install

uninstall:
	@$(afc-install) uninstall
