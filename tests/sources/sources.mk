# Event sources (tools/lib/{source,calib,sim,recfile,tracedat}.c): the sources
# benchmark.  The library's build flags are in tools/lib/lib.mk.

# make bench: simulator generation rate and replay throughput.
SOURCES_BENCH := $(O)/tests/bench_sources
$(SOURCES_BENCH): $(O)/obj/tests/sources/bench_sources.o $(LIBTDX)
	$(call link,$<)
$(O)/obj/tests/sources/bench_sources.o: override CFLAGS += -I$(SRC)/tests/lib

.PHONY: bench-sources
bench-sources: $(SOURCES_BENCH)
	$(Q)mkdir -p $(O)/bench && $(SOURCES_BENCH) $(O)/bench/sources.json
BENCH_TARGETS += bench-sources
