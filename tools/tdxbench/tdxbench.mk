# tdxbench: latency regression benchmarks (tools/tdxbench/), its tests'
# extra link inputs, and the `make bench` parts it owns (bench-regress,
# bench-overhead).  See docs/benchmarks.md.
TDXBENCH_SRCS := tools/tdxbench/tdxbench.c tools/tdxbench/stats.c \
	tools/tdxbench/result.c tools/tdxbench/compare.c tools/tdxbench/run.c \
	tools/tdxbench/rounds.c
TDXBENCH_OBJS := $(patsubst %.c,$(O)/obj/%.o,$(TDXBENCH_SRCS))
TDXBENCH_LIBS := $(JSONC_LIBS) -lm

BINS += $(O)/bin/tdxbench
MAN_PAGES += docs/man/tdxbench.8

$(O)/bin/tdxbench: $(TDXBENCH_OBJS) $(LIBTDX)
	$(call link,$(TDXBENCH_OBJS),$(TDXBENCH_LIBS))

# tests/bench/test_bench_stats.c links the statistics besides libtdxtrace
# (stats.o needs nothing from the library, so its place after it is fine)
$(O)/tests/test_bench_stats: $(O)/obj/tools/tdxbench/stats.o
$(O)/tests/test_bench_stats: LDLIBS += $(O)/obj/tools/tdxbench/stats.o -lm

# The validation harness of `make bench` (not installed): A/A false alarms
# and A/B power of `tdxbench compare` on the simulator.
TDXBENCH_LIB_OBJS := $(filter-out $(O)/obj/tools/tdxbench/tdxbench.o,$(TDXBENCH_OBJS))
TDXBENCH_VALIDATE := $(O)/tools/tdxbench-validate
$(TDXBENCH_VALIDATE): $(O)/obj/tools/tdxbench/validate.o $(TDXBENCH_LIB_OBJS) $(LIBTDX)
	$(call link,$(O)/obj/tools/tdxbench/validate.o $(TDXBENCH_LIB_OBJS),$(TDXBENCH_LIBS))

# The overhead benchmark (bench/overhead.c, on aggbench.bpf.c's programs).
OVERHEAD_BIN := $(O)/tools/overhead
$(OVERHEAD_BIN): $(O)/obj/bench/overhead.o $(LIBTDX)
	$(call link,$<,$(TDXBENCH_LIBS))
$(O)/obj/bench/overhead.o: $(O)/bpf/aggbench.skel.h

BENCH_TARGETS += bench-tdxbench bench-overhead
.PHONY: bench-tdxbench bench-overhead

# A/A false-alarm rate and A/B power of `tdxbench compare` (simulator), plus
# a few comparisons through the real `tdxbench run` path.
bench-tdxbench: $(TDXBENCH_VALIDATE) $(O)/bin/tdxbench
	$(Q)O=$(O) SRC=$(SRC) tools/tdxbench/bench-regress.sh

# What tracing costs: none / count-only / tdxtrace / bpftrace / perf record
# on raw_syscalls:sys_enter.  bpftrace and perf need tracefs mounted.
bench-overhead: $(OVERHEAD_BIN)
	$(Q)mkdir -p $(O)/bench
	$(Q)if [ "$$(id -u)" != 0 ]; then echo "bench-overhead: needs root, skipped"; exit 0; fi; \
	if [ ! -d /sys/kernel/tracing/events ]; then \
		echo "bench-overhead: mounting tracefs at /sys/kernel/tracing"; \
		mount -t tracefs tracefs /sys/kernel/tracing || exit 1; \
	fi; \
	$(OVERHEAD_BIN) -o $(O)/bench/overhead.json $(OVERHEAD_ARGS)
CHECK_DEPS += $(TDXBENCH_VALIDATE)
