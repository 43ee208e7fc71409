# libFuzzer harnesses (clang): every tests/fuzz/fuzz_*.c is linked with the
# library compiled with -fsanitize=fuzzer-no-link,address,undefined.
#   make fuzz [FUZZ_SECONDS=300]   run every harness, report execs
# A short run of each (FUZZ_SECONDS_CHECK, default 60) is part of make check
# (tests/fuzz/test_fuzz.sh); crash reproducers live in tests/fuzz/regress/<harness>/
# and are replayed by the same test.
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(O)/fuzz/%,$(FUZZ_SRCS))
FUZZ_CFLAGS := -g -O1 -fno-omit-frame-pointer -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror \
	-Wno-unused-command-line-argument \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
	-I$(SRC)/include -I$(SRC)/tools/lib -I$(O)/bpf $(PKG_CFLAGS)
FUZZ_LIB_OBJS = $(patsubst %.c,$(O)/fuzz/obj/%.o,$(LIB_SRCS))
FUZZ_SECONDS ?= 300

# SKELS is set after the fragments are read: expand it late.
.SECONDEXPANSION:
$(O)/fuzz/obj/%.o: %.c | $$(SKELS)
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(O)/fuzz/fuzz_%: $(O)/fuzz/obj/tests/fuzz/fuzz_%.o $$(FUZZ_LIB_OBJS)
	$(call msg,LD-FUZZ,$@)
	$(Q)$(CLANG) -fsanitize=fuzzer,address,undefined -o $@ $^ $(PKG_LIBS) $(FUZZ_LDLIBS)

# (the SAN=1 check skips the fuzzers: they are sanitizer builds already)
ifneq ($(SAN),1)
CHECK_DEPS += $(FUZZ_BINS)
endif

.PHONY: fuzz
fuzz: $(FUZZ_BINS)
	$(Q)O=$(O) SRC=$(SRC) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/test_fuzz.sh

# Harnesses of code outside libtdxtrace link those objects too (built with the
# fuzz flags by the rule above) and their libraries.
FUZZ_LDLIBS := $(JSONC_LIBS) -lm
$(O)/fuzz/fuzz_bench_json: $(O)/fuzz/obj/tools/tdxbench/result.o
FUZZ_CLI_OBJS = $(patsubst %.c,$(O)/fuzz/obj/%.o,$(filter-out %/main.c,$(sort $(wildcard tools/tdxtrace/*.c))))
$(O)/fuzz/fuzz_cli_args: $$(FUZZ_CLI_OBJS)
# Per-object flags the library's own build gives these files (tools/lib/lib.mk).
$(O)/fuzz/obj/tools/lib/calib.o: FUZZ_CFLAGS += $(CALIB_CFLAGS)
$(O)/fuzz/obj/tools/lib/calib.o: data/calibration.conf
$(O)/fuzz/obj/tools/lib/tracedat.o: FUZZ_CFLAGS += $(TRACECMD_CFLAGS)
