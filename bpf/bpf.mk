# BPF objects (bpf/*.bpf.c -> $(O)/bpf/NAME.bpf.o -> NAME.skel.h).
#   tdxtrace   the aggregation programs every tool loads (tools/lib/loader.c)
#   aggbench   the same aggregation on sys_enter, for `make bench` (bench/bpf)
BPF_SRCS += bpf/tdxtrace.bpf.c bpf/aggbench.bpf.c

# Atomic exchange on the hugepage range state needs BPF ISA v3.
BPF_CFLAGS += -mcpu=v3
