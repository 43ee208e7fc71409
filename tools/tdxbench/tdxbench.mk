# tdxbench: latency regression benchmarks (tools/tdxbench/), its tests'
# extra link inputs, and the `make bench` parts it owns (bench-regress,
# bench-overhead).  See docs/benchmarks.md.
TDXBENCH_SRCS := tools/tdxbench/tdxbench.c tools/tdxbench/stats.c \
	tools/tdxbench/result.c tools/tdxbench/compare.c tools/tdxbench/run.c
TDXBENCH_OBJS := $(patsubst %.c,$(O)/obj/%.o,$(TDXBENCH_SRCS))
TDXBENCH_LIBS := $(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c) -lm

# (until the loader, tools/lib/loader.c, lands, tdxbench cannot link)
ifneq ($(wildcard tools/lib/loader.c),)
BINS += $(O)/bin/tdxbench
endif

$(O)/bin/tdxbench: $(TDXBENCH_OBJS) $(LIBTDX)
	$(call link,$(TDXBENCH_OBJS),$(TDXBENCH_LIBS))

# tests/bench/test_*.c link the statistics and result code besides libtdxtrace
TDXBENCH_TEST_OBJS := $(O)/obj/tools/tdxbench/stats.o $(O)/obj/tools/tdxbench/result.o
$(O)/tests/test_bench_stats $(O)/tests/test_bench_result: $(TDXBENCH_TEST_OBJS)
$(O)/tests/test_bench_stats $(O)/tests/test_bench_result: LDLIBS += $(TDXBENCH_TEST_OBJS) $(TDXBENCH_LIBS)
