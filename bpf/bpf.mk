# BPF objects (bpf/*.bpf.c -> $(O)/bpf/NAME.bpf.o -> NAME.skel.h).
#   tdxtrace   the aggregation programs every tool loads (tools/lib/loader.c)
#   aggbench   the same aggregation on sys_enter, for `make bench` (bench/bpf)
BPF_SRCS += bpf/tdxtrace.bpf.c bpf/aggbench.bpf.c

# Atomic exchange on the hugepage range state needs BPF ISA v3.
BPF_CFLAGS += -mcpu=v3

# `make bench` part: added ns/event of each aggregation on raw_tp/sys_enter
# beside a count-only program, BPF_ENABLE_STATS, and replay throughput
# (bench/bpf_bench.c) -> $(O)/bench/bpf.json
BPF_BENCH := $(O)/tools/bpf_bench
$(BPF_BENCH): $(O)/obj/bench/bpf_bench.o $(LIBTDX)
	$(call link,$<,$(JSONC_LIBS))
$(O)/obj/bench/bpf_bench.o: $(O)/bpf/aggbench.skel.h

BENCH_TARGETS += bench-bpf
.PHONY: bench-bpf
bench-bpf: $(BPF_BENCH)
	$(Q)mkdir -p $(O)/bench
	$(Q)if [ "$$(id -u)" != 0 ]; then echo "bench-bpf: needs root, skipped"; exit 0; fi; \
	$(BPF_BENCH) -o $(O)/bench/bpf.json $(BPF_BENCH_ARGS)

# `make bench` part: kernel memory of the maps, snapshot bytes and CPU, and
# the user-space engine's offline rate (bench/layout.c) -> $(O)/bench/layout.json
LAYOUT_BENCH := $(O)/tools/layout
$(LAYOUT_BENCH): $(O)/obj/bench/layout.o $(LIBTDX)
	$(call link,$<,$(JSONC_LIBS))
BENCH_TARGETS += bench-layout
.PHONY: bench-layout
bench-layout: $(LAYOUT_BENCH)
	$(Q)mkdir -p $(O)/bench
	$(Q)if [ "$$(id -u)" != 0 ]; then echo "bench-layout: needs root, skipped"; exit 0; fi; \
	$(LAYOUT_BENCH) -o $(O)/bench/layout.json
