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

# The VM's possible-CPU count: VMTEST_POSSIBLE=N boots N present CPUs
# (QEMU -smp N, at most 255 under TCG) and vm-tests.py asserts the layout
# goals at that count.  Not the default yet: in 7.2 neither -smp maxcpus=
# (hot-plug slots are not possible CPUs) nor maxcpus=/possible_cpus= (they
# only lower the count) give many possible CPUs with few online, and a VM
# with 255 online CPUs under TCG did not finish the tier here (docs/bpf.md).
VMTEST_POSSIBLE ?=
VMTEST_ENV = $(if $(VMTEST_POSSIBLE),VMTEST_SMP=$(VMTEST_POSSIBLE) VMTEST_CMDLINE="tdx_possible=$(VMTEST_POSSIBLE)")

# make bench-vm-layout: the layout goals (docs/bpf.md) measured in the VM at
# BENCH_VM_CPUS possible CPUs (255 = the most TCG boots), nothing else run in
# it: a benchmark for `make bench`, not a test (hours of emulation for the
# full tier at that CPU count).  Results: $(O)/vmtest/vmtest.tap, layout.json.
BENCH_VM_CPUS ?= 255
BENCH_TARGETS += bench-vm-layout
.PHONY: bench-vm-layout
bench-vm-layout: all $(LAYOUT_BENCH)
	$(Q)O=$(O) SRC=$(SRC) VMTEST_SMP=$(BENCH_VM_CPUS) VMTEST_MEM=$${VMTEST_MEM:-6G} \
		VMTEST_TIMEOUT=$${VMTEST_TIMEOUT:-5400} \
		VMTEST_CMDLINE="tdx_possible=$(BENCH_VM_CPUS) tdx_only=layout" tests/vmtest/run.sh

.PHONY: vmtest vmtest-shell
vmtest: all $(VMCHECK) $(LAYOUT_BENCH)
	$(Q)O=$(O) SRC=$(SRC) $(VMTEST_ENV) tests/vmtest/run.sh

vmtest-shell: all $(VMCHECK) $(LAYOUT_BENCH)
	$(Q)O=$(O) SRC=$(SRC) $(VMTEST_ENV) tests/vmtest/run.sh --shell
