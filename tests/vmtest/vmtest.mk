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

# The VM has close to the possible-CPU count of the hosts users have, so
# per-CPU structures cost what they cost there (2 CPUs online): 255, the
# most QEMU's TCG boots (pc refuses 256, q35 needs KVM's irqchip for it, and
# possible_cpus= can only lower the count).  vm-tests.py's layout checks
# ($(O)/tools/layout, bpf/bpf.mk) assert the goals at that count.
VMTEST_POSSIBLE ?= 255
VMTEST_ENV = VMTEST_MAXCPUS=$(VMTEST_POSSIBLE) VMTEST_CMDLINE="tdx_possible=$(VMTEST_POSSIBLE)"

.PHONY: vmtest vmtest-shell
vmtest: all $(VMCHECK) $(LAYOUT_BENCH)
	$(Q)O=$(O) SRC=$(SRC) $(VMTEST_ENV) tests/vmtest/run.sh

vmtest-shell: all $(VMCHECK) $(LAYOUT_BENCH)
	$(Q)O=$(O) SRC=$(SRC) $(VMTEST_ENV) tests/vmtest/run.sh --shell
