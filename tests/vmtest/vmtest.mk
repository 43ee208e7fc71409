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

# The VM has the possible-CPU count of the hosts users have (256: per-CPU
# structures cost what they cost there; 2 CPUs online), checked by
# vm-tests.py's layout checks with $(O)/tools/layout (bpf/bpf.mk).
VMTEST_POSSIBLE ?= 256
VMTEST_ENV = VMTEST_CMDLINE="possible_cpus=$(VMTEST_POSSIBLE) tdx_possible=$(VMTEST_POSSIBLE)"

.PHONY: vmtest vmtest-shell
vmtest: all $(VMCHECK) $(LAYOUT_BENCH)
	$(Q)O=$(O) SRC=$(SRC) $(VMTEST_ENV) tests/vmtest/run.sh

vmtest-shell: all $(VMCHECK) $(LAYOUT_BENCH)
	$(Q)O=$(O) SRC=$(SRC) $(VMTEST_ENV) tests/vmtest/run.sh --shell
