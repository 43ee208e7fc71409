# Event sources (tools/lib/{source,calib,sim,recfile,tracedat}.c): build
# flags, the embedded calibration file, and the sources benchmark.

# trace.dat import uses libtracecmd/libtraceevent; the simulator uses libm.
TRACECMD_CFLAGS := $(shell pkg-config --cflags libtracecmd libtraceevent 2>/dev/null)
TRACECMD_LIBS := $(shell pkg-config --libs libtracecmd libtraceevent 2>/dev/null || echo -ltracecmd -ltraceevent)
# The trace.dat checker decompresses sections as libtracecmd would (zstd, zlib).
ZSTD_LIBS := $(shell pkg-config --libs libzstd 2>/dev/null || echo -lzstd) -lisal
PKG_LIBS += $(TRACECMD_LIBS) $(ZSTD_LIBS) -lm

$(O)/obj/tools/lib/tracedat.o: override CFLAGS += $(TRACECMD_CFLAGS)

# data/calibration.conf is embedded with .incbin: rebuild when it changes.
$(O)/obj/tools/lib/calib.o: override CFLAGS += -DTDX_CALIB_PATH='"$(SRC)/data/calibration.conf"'
$(O)/obj/tools/lib/calib.o: data/calibration.conf

# make bench: simulator generation rate and replay throughput.
SOURCES_BENCH := $(O)/tests/bench_sources
$(SOURCES_BENCH): $(O)/obj/tests/sources/bench_sources.o $(LIBTDX)
	$(call link,$<)
$(O)/obj/tests/sources/bench_sources.o: override CFLAGS += -I$(SRC)/tests/lib

.PHONY: bench-sources
bench-sources: $(SOURCES_BENCH)
	$(Q)mkdir -p $(O)/bench && $(SOURCES_BENCH) $(O)/bench/sources.json
BENCH_TARGETS += bench-sources
