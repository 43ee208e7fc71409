# SPDX-License-Identifier: GPL-2.0
# make kernel-check: apply, checkpatch and W=1-compile the tracepoint series
# (kernel/series) on every base (7.2 and 7.3), after each patch.  The work is
# done by scripts/kernel-check.sh; caches live under ~/.cache/tdxtrace.
#   make kernel-check                       all bases, every patch
#   make kernel-check KERNEL_BASES=7.2      one base
#   make kernel-check KERNEL_CHECK_FAST=1   the fast tier run by `make check`
KERNEL_BASES ?= 7.2 7.3
KERNEL_CHECK_FAST ?= 0

kernel-check: | $(DEPS_STAMP)
	$(Q)scripts/kernel-check.sh --bases "$(KERNEL_BASES)" \
		$(if $(filter 1,$(KERNEL_CHECK_FAST)),--fast)
