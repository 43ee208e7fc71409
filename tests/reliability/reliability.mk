# Reliability (issue 5): the long soak, outside make check.
#   make soak [SOAK_SIM_SECONDS=3600 SOAK_DELAY=10]   figures appended to $(O)/soak.txt
SOAK_SIM_SECONDS ?= 3600
SOAK_DELAY ?= 10
.PHONY: soak
soak: all
	$(Q)O=$(O) SRC=$(SRC) SOAK_SIM_SECONDS=$(SOAK_SIM_SECONDS) SOAK_DELAY=$(SOAK_DELAY) \
		tests/reliability/soak.sh
