# vmtest: boot the patched kernel under QEMU and test every layer end to end.
#
#   make vmtest           build (cached) kernel + test module, boot, run the checks
#   make vmtest-shell     the same VM with an interactive shell on this terminal
#
# tests/vmtest/run.sh does the work; see docs/testing.md.  The kernel build is
# cached outside the clone ($XDG_CACHE_HOME/tdxtrace/vmtest), so only the first
# run (or a changed series/config) builds a kernel.
VMCHECK := $(O)/vmtest/vmcheck

$(VMCHECK): $(O)/obj/tests/vmtest/vmcheck.o $(LIBTDX)
	$(call link,$<)

# The VM's possible-CPU count: 256 by default, as on a TDX host (224 to 512
# CPUs), with 2 online.  kernel/testing's possible_cpus= patch adds the CPUs
# above what QEMU describes as possible CPUs that are never present (under TCG
# QEMU's hot-plug slots are not usable: the kernel sees no known hypervisor,
# and the FADT predates online-capable MADT entries), so every per-CPU
# allocation is made for 256 CPUs while only 2 run.  vm-tests.py then asserts
# the layout goals (docs/bpf.md) at that count.  VMTEST_POSSIBLE= (empty)
# boots with QEMU's count (2).
VMTEST_POSSIBLE ?= 256
VMTEST_ENV = $(if $(VMTEST_POSSIBLE),VMTEST_CMDLINE="possible_cpus=$(VMTEST_POSSIBLE) tdx_possible=$(VMTEST_POSSIBLE) $(VMTEST_CMDLINE)")

# make bench-vm-layout: only the layout measurement (bench/layout in the VM at
# BENCH_VM_CPUS possible CPUs, nothing else run): for `make bench`, to measure
# other counts (e.g. BENCH_VM_CPUS=512, the most CONFIG_NR_CPUS allows).
# Results: $(O)/vmtest/vmtest.tap, results/layout.json.
BENCH_VM_CPUS ?= 512
BENCH_TARGETS += bench-vm-layout
.PHONY: bench-vm-layout
bench-vm-layout: all $(LAYOUT_BENCH)
	$(Q)O=$(O) SRC=$(SRC) \
		VMTEST_CMDLINE="possible_cpus=$(BENCH_VM_CPUS) tdx_possible=$(BENCH_VM_CPUS) tdx_only=layout" \
		tests/vmtest/run.sh

.PHONY: vmtest vmtest-shell
vmtest: all $(VMCHECK) $(LAYOUT_BENCH)
	$(Q)O=$(O) SRC=$(SRC) $(VMTEST_ENV) tests/vmtest/run.sh

vmtest-shell: all $(VMCHECK) $(LAYOUT_BENCH)
	$(Q)O=$(O) SRC=$(SRC) $(VMTEST_ENV) tests/vmtest/run.sh --shell
