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

/*
 * Ablation arms (bpf_bench --profile): agg_seamcall with one part switched
 * off at a time, to see where the cost over naive_log2 goes.  sc_full is
 * the same code with nothing switched off (it must cost what seamcall does).
 */
#define SC_NO_MINMAX	0x01
#define SC_NO_SUM	0x02
#define SC_NO_HIST	0x04
#define SC_PLAIN	0x08	/* plain adds instead of lock add */
#define SC_NO_SLOT	0x10	/* histogram slot = dur & 255 */
#define SC_NO_COUNTERS	0x20	/* no counters lookup nor events[] */
#define SC_NO_STATUS	0x40
#define SC_INLINE	0x80	/* the call inlined */
#define SC_NO_RETRIES	0x100	/* retries argument 0 (bench_ev: v & 3) */
#define SC_WRITES	(SC_NO_MINMAX | SC_NO_SUM | SC_NO_HIST | SC_NO_STATUS | SC_NO_RETRIES)

#define P_ADD(f, p, v) do { if ((f) & SC_PLAIN) *(p) += (v); else ADD(p, v); } while (0)

static __always_inline int sc_body(__u32 pid, const __u64 *args, const unsigned f)
{
	struct tdx_leaf_key key = { .pid = pid };
	struct tdx_leaf_stats *v;
	__u64 leaf = args[TDX_SEAMCALL_ARG_LEAF];
	__u64 dur = args[TDX_SEAMCALL_ARG_DURATION];
	__u32 nr = tdx_leaf_slot(leaf), cls, s;

	key.leaf = nr;
	v = lookup_or_init(&tdx_leaf, &key, &zero_tdx_leaf, TDX_MAP_LEAF);
	if (!v)
		return AGG_OK;
	if (!(f & SC_NO_MINMAX)) {
		store_min(&v->min_ns, dur);
		store_max(&v->max_ns, dur);
	}
	if (!(f & SC_NO_SUM))
		P_ADD(f, &v->sum_ns, dur);
	if ((__u32)args[TDX_SEAMCALL_ARG_RETRIES])
		P_ADD(f, &v->retries, (__u32)args[TDX_SEAMCALL_ARG_RETRIES]);
	if (!(f & SC_NO_STATUS)) {
		cls = tdx_status_class(args[TDX_SEAMCALL_ARG_STATUS]);
		if (cls != TDX_SC_SUCCESS && cls < TDX_SC_MAX)
			P_ADD(f, &v->status[cls], 1);
	}
	if (!(f & SC_NO_HIST)) {
		s = (f & SC_NO_SLOT) ? (__u32)(dur & 255) : hist_slot(dur);
		if (s < TDX_HIST_SLOTS)
			P_ADD(f, &v->hist[s], 1);
	}
	return AGG_OK;
}

#define SC_ARM(name, flags)						\
static __noinline int sc_call_##name(__u32 pid, const __u64 *args)	\
{									\
	return sc_body(pid, args, (flags));				\
}									\
SEC("raw_tp/sys_enter")							\
int bench_sc_##name(__u64 *ctx)						\
{									\
	__u64 args[TDX_EV_MAX_ARGS];					\
	__u64 id = bpf_get_current_pid_tgid();				\
	__u64 v = (ctx[0] >> 3) ^ (ctx[1] * 0x9e3779b97f4a7c15ULL);	\
	struct tdx_counters *c = NULL;					\
	int r;								\
									\
	if ((id >> 32) != bench_tgid)					\
		return 0;						\
	args[TDX_SEAMCALL_ARG_LEAF] = TDX_LEAF_MEM_PAGE_AUG;		\
	args[TDX_SEAMCALL_ARG_STATUS] = (v & 7) ? 0 : 0x8000020000000000ULL; \
	args[TDX_SEAMCALL_ARG_RETRIES] = ((flags) & SC_NO_RETRIES) ? 0 : v & 3; \
	args[TDX_SEAMCALL_ARG_DURATION] = 500 + (v & 0xffff);		\
	if (!((flags) & SC_NO_COUNTERS)) {				\
		c = counters();						\
		if (!c)							\
			return 0;					\
	}								\
	if ((flags) & SC_INLINE)					\
		r = sc_body(id >> 32, args, (flags));			\
	else								\
		r = sc_call_##name(id >> 32, args);			\
	if (c && r == AGG_OK)						\
		c->events[TDX_EV_SEAMCALL]++;				\
	return 0;							\
}

SC_ARM(full,		0)
SC_ARM(no_minmax,	SC_NO_MINMAX)
SC_ARM(no_sum,		SC_NO_SUM)
SC_ARM(no_hist,		SC_NO_HIST)
SC_ARM(no_status,	SC_NO_STATUS)
SC_ARM(plain,		SC_PLAIN)
SC_ARM(no_slot,		SC_NO_SLOT)
SC_ARM(no_counters,	SC_NO_COUNTERS)
SC_ARM(inline,		SC_INLINE)
SC_ARM(no_retries,	SC_NO_RETRIES)
SC_ARM(lookup_only,	SC_WRITES)
SC_ARM(lookup_bare,	SC_WRITES | SC_NO_COUNTERS | SC_INLINE)
