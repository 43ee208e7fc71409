# libtdxtrace: the loader library every tool links (tools/lib/).
LIB_SRCS += tools/lib/common.c tools/lib/tables.c
# event sources (issue 7): simulator + calibration, record files, trace.dat
LIB_SRCS += tools/lib/source.c tools/lib/calib.c tools/lib/sim.c tools/lib/sim_model.c tools/lib/sim_spec.c tools/lib/recfile.c tools/lib/tracedat.c \
	tools/lib/tracedat_check.c
# loader (issue 6): BPF sessions, feeding, snapshots
LIB_SRCS += tools/lib/loader.c tools/lib/snapshot.c
# the aggregation in user space: bpf/tdx_agg.bpf.h built against tools/lib/umap.c
LIB_SRCS += tools/lib/umap.c tools/lib/uagg.c
$(O)/obj/tools/lib/uagg.o: override CFLAGS += -I$(SRC)/bpf
$(O)/fuzz/obj/tools/lib/uagg.o: FUZZ_CFLAGS += -I$(SRC)/bpf
