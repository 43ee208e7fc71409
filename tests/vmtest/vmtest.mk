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

.PHONY: vmtest vmtest-shell
vmtest: all $(VMCHECK)
	$(Q)O=$(O) SRC=$(SRC) tests/vmtest/run.sh

vmtest-shell: all $(VMCHECK)
	$(Q)O=$(O) SRC=$(SRC) tests/vmtest/run.sh --shell
