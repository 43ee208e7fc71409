# libtdxtrace: the loader library every tool links (tools/lib/).
LIB_SRCS += tools/lib/common.c tools/lib/tables.c
# the option groups, session opening and output files every tool shares (issue 19)
LIB_SRCS += tools/lib/cliopts.c tools/lib/envelope.c
# event sources (issue 7): simulator + calibration, record files, trace.dat
LIB_SRCS += tools/lib/source.c tools/lib/calib.c tools/lib/hugepage.c tools/lib/sim.c tools/lib/sim_model.c tools/lib/sim_spec.c tools/lib/sim_flows.c tools/lib/recfile.c tools/lib/tracedat.c \
	tools/lib/tracedat_check.c
# loader (issue 6): BPF sessions, feeding, snapshots
LIB_SRCS += tools/lib/loader.c tools/lib/snapshot.c tools/lib/tdxmod.c
# one sampling loop (window.h) and one quantile path (quant.h) for every tool
LIB_SRCS += tools/lib/window.c tools/lib/quant.c
# the aggregation in user space: bpf/tdx_agg.bpf.h built against tools/lib/umap.c
LIB_SRCS += tools/lib/umap.c tools/lib/uagg.c
$(O)/obj/tools/lib/uagg.o: override CFLAGS += -I$(SRC)/bpf
$(O)/fuzz/obj/tools/lib/uagg.o: FUZZ_CFLAGS += -I$(SRC)/bpf

# The library's own build flags (pkg-config is asked after setup: see the
# top Makefile).  trace.dat import uses libtracecmd/libtraceevent; the
# trace.dat checker decompresses sections as libtracecmd would (zstd, zlib);
# record files use ISA-L's CRC-32; the simulator uses libm.
TRACECMD_CFLAGS := $(shell pkg-config --cflags libtracecmd libtraceevent 2>/dev/null)
TRACECMD_LIBS := $(shell pkg-config --libs libtracecmd libtraceevent 2>/dev/null || echo -ltracecmd -ltraceevent)
ZSTD_LIBS := $(shell pkg-config --libs libzstd 2>/dev/null || echo -lzstd)
ISAL_LIBS := $(shell pkg-config --libs libisal 2>/dev/null || echo -lisal)
PKG_LIBS += $(TRACECMD_LIBS) $(ZSTD_LIBS) $(ISAL_LIBS) -lm

$(O)/obj/tools/lib/tracedat.o: override CFLAGS += $(TRACECMD_CFLAGS)

# data/calibration.conf is embedded with .incbin: rebuild when it changes.
CALIB_CFLAGS := -DTDX_CALIB_PATH='"$(SRC)/data/calibration.conf"'
$(O)/obj/tools/lib/calib.o: override CFLAGS += $(CALIB_CFLAGS)
$(O)/obj/tools/lib/calib.o: data/calibration.conf
