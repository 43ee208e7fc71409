// SPDX-License-Identifier: GPL-2.0
/*
 * aggbench.bpf.c - the aggregation functions on a real, high-rate
 * tracepoint of any kernel (raw_tp/sys_enter), for `make bench`.
 *
 * sys_enter has two arguments (regs, id); each program builds the argument
 * array of its kind from those two and calls the same tdx_dispatch() the
 * tdxtrace programs call on their tracepoint's arguments.  bench_count does only what every program must do (the
 * pid check and one per-CPU counter), so "aggregation minus count" is the
 * added cost of the aggregation itself.
 */
#include "tdx_agg.bpf.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 bench_tgid = 0;

/* Nothing at all: the floor every program pays (dispatch, the slow path). */
SEC("raw_tp/sys_enter")
int bench_empty(__u64 *ctx)
{
	return 0;
}

/*
 * A naive reference, as a first prototype would write it: per-CPU hash
 * keyed by (pid, leaf), count, sum and a 64-slot log2 histogram, no
 * filters, no counters.  Only for the side-by-side figure in `make bench`.
 */
struct naive_val {
	__u64 count, sum, hist[64];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct tdx_leaf_key);
	__type(value, struct naive_val);
} bench_naive_map SEC(".maps");

static const struct naive_val naive_zero;

SEC("raw_tp/sys_enter")
int bench_naive(__u64 *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct tdx_leaf_key key = { .pid = id >> 32, .leaf = TDX_LEAF_MEM_PAGE_AUG };
	struct naive_val *v;
	__u64 dur = 500 + ((ctx[1] * 0x9e3779b97f4a7c15ULL) & 0xffff);

	if ((id >> 32) != bench_tgid)
		return 0;
	v = bpf_map_lookup_elem(&bench_naive_map, &key);
	if (!v) {
		bpf_map_update_elem(&bench_naive_map, &key, &naive_zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&bench_naive_map, &key);
		if (!v)
			return 0;
	}
	v->count++;
	v->sum += dur;
	v->hist[tdx_msb64(dur) & 63]++;
	return 0;
}

SEC("raw_tp/sys_enter")
int bench_count(__u64 *ctx)
{
	struct tdx_counters *c;

	if ((bpf_get_current_pid_tgid() >> 32) != bench_tgid)
		return 0;
	c = counters();
	if (c)
		c->events[TDX_EV_NONE]++;
	return 0;
}

/*
 * Arguments derived from (regs, id): a few distinct keys and spread
 * latencies, so the hashes and histograms do real work.
 */
static __always_inline int bench_ev(__u64 *ctx, __u64 task, __u32 kind, __u32 nargs)
{
	__u64 args[TDX_EV_MAX_ARGS];
	__u64 regs = ctx[0], id = ctx[1];
	__u64 v = (regs >> 3) ^ (id * 0x9e3779b97f4a7c15ULL);
	__u64 dur = 500 + (v & 0xffff);

	args[0] = id;
	args[1] = v;
	args[2] = v >> 7;
	args[3] = v & 1;
	args[4] = 1 + (v & 1);
	args[5] = v & 3;
	args[6] = dur;
	args[7] = dur;
	switch (kind) {
	case TDX_EV_SEAMCALL:
		args[TDX_SEAMCALL_ARG_LEAF] = TDX_LEAF_MEM_PAGE_AUG;
		args[TDX_SEAMCALL_ARG_STATUS] = (v & 7) ? 0 :
			0x8000020000000000ULL;
		break;
	case TDX_EV_VP_ENTER:
		args[TDX_VP_ENTER_ARG_EXIT_REASON] = 48;
		args[TDX_VP_ENTER_ARG_DURATION] = dur;
		break;
	case TDX_EV_HUGEPAGE_MIXED:
		args[TDX_HUGEPAGE_MIXED_ARG_GFN] = (v & 0xf) << 9;
		args[TDX_HUGEPAGE_MIXED_ARG_LEVEL] = TDX_PG_LEVEL_2M;
		args[TDX_HUGEPAGE_MIXED_ARG_MIXED] = (v >> 4) & 1;
		break;
	case TDX_EV_PRIVATE_MAP:
		args[TDX_PRIVATE_MAP_ARG_GFN] = v & 0xffff;
		args[TDX_PRIVATE_MAP_ARG_LEVEL] = TDX_PG_LEVEL_4K;
		args[TDX_PRIVATE_MAP_ARG_MAPPED] = (v >> 5) & 1;
		break;
	}
	/* as on_tp() without a stream: the arguments are aggregated in place */
	tdx_dispatch(task >> 32, kind, args);
	return 0;
}

#define BENCH_PROG(name, kind, nargs)				\
SEC("raw_tp/sys_enter")						\
int bench_##name(__u64 *ctx)					\
{								\
	__u64 id = bpf_get_current_pid_tgid();			\
								\
	if ((id >> 32) != bench_tgid)				\
		return 0;					\
	return bench_ev(ctx, id, kind, nargs);			\
}

BENCH_PROG(seamcall,	TDX_EV_SEAMCALL,	7)
BENCH_PROG(vp_enter,	TDX_EV_VP_ENTER,	4)
BENCH_PROG(ept,		TDX_EV_EPT_VIOLATION,	8)
BENCH_PROG(map_gpa_done, TDX_EV_MAP_GPA_DONE,	7)
BENCH_PROG(spte_frozen,	TDX_EV_SPTE_FROZEN,	5)
BENCH_PROG(mixed,	TDX_EV_HUGEPAGE_MIXED,	3)
BENCH_PROG(private_map,	TDX_EV_PRIVATE_MAP,	3)
