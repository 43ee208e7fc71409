/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdx_agg.bpf.h - the in-kernel aggregation shared by every BPF object.
 *
 * One static __noinline function per event kind takes the TD key (pid) and
 * the u64 argument array of include/tdxtrace/events.h and updates the maps of
 * include/tdxtrace/maps.h.  Every producer calls the same functions:
 *
 *   - tp_btf / raw_tp programs on the tdxtrace tracepoints (tdxtrace.bpf.c),
 *   - the fentry/fexit fallback, which builds the same arrays,
 *   - the user ring buffer drain (replay, simulator, tdx_feed()),
 *   - the benchmark programs on sys_enter (aggbench.bpf.c).
 *
 * Hot statistics live in per-CPU hashes (no lock, no atomics); the hugepage
 * range state is one global hash updated with atomics so that the mixed flag
 * and the 4K count of a range are exact across CPUs.  Every failed insert is
 * counted in counters.dropped[map], every ring buffer reserve failure in
 * counters.lost.
 */
#ifndef TDX_AGG_BPF_H
#define TDX_AGG_BPF_H

/*
 * One source, two targets: clang -target bpf builds this for the kernel;
 * tools/lib/uagg.c builds the same functions into user space for offline
 * sources (tdx_agg_env.h maps the few BPF helpers and the maps onto
 * in-process tables there).
 */
#include "tdx_agg_env.h"

#include "tdxtrace/events.h"
#include "tdxtrace/leaves.h"
#include "tdxtrace/hist.h"
#include "tdxtrace/maps.h"

#ifndef E2BIG
#define E2BIG	7
#endif
#ifndef EEXIST
#define EEXIST	17
#endif

/* ------------------------------------------------------------ rodata knobs */
/* Set by the loader between open and load. */
TDX_KNOB __u32 filter_pids[16] = {};	/* TDX_FILTER_MAX_PIDS */
TDX_KNOB __u32 filter_npids = 0;
TDX_KNOB __u64 filter_leaf_mask[TDX_LEAF_MAX / 64] = {};
TDX_KNOB __u32 filter_leaves = 0;		/* leaf mask in use */
TDX_KNOB __u64 filter_min_lat_ns = 0;
TDX_KNOB __u64 filter_gfn_min_ns = 0;	/* slowest-GPA table threshold */
TDX_KNOB __u32 stream_enabled = 0;
TDX_KNOB __u32 stream_sample_every = 1;

/* -------------------------------------------------------------------- maps */
/*
 * The statistics maps, from TDX_MAP_TABLE (include/tdxtrace/maps.h): shared
 * hashes allocated on demand, sized by the loader (entries per TD x
 * max_tds).  TDX_AGG_MAP is the map definition of the target.
 */
#define TDX_X_MAPDEF(id, bpf, snap, kt, vt, vf, per_td, in_snap)	\
	TDX_AGG_MAP(bpf, struct kt, struct vt, (per_td) * TDX_MAX_TDS)
TDX_MAP_TABLE(TDX_X_MAPDEF)
#undef TDX_X_MAPDEF

TDX_AGG_PERCPU_ARRAY(tdx_counters, struct tdx_counters, 1)

/* Optional event stream (record, tdxtop's event view); sized by the loader. */
TDX_AGG_RINGBUF(tdx_stream, 4096)

/*
 * Initial values of new entries (too big for the 512-byte BPF stack): all
 * zero but the MIN fields, which start at ~0 ("none yet").
 */
#define TDX_X_ZF(c, type, name, merge, doc) TDX_X_Z_##merge(name)
#define TDX_X_ZV(c, type, name, n, merge, doc)
#define TDX_X_Z_MIN(name) .name = ~0ULL,
#define TDX_X_Z_SUM(name)
#define TDX_X_Z_MAX(name)
#define TDX_X_Z_GAUGE(name)
#define TDX_X_ZERO(id, bpf, snap, kt, vt, vf, per_td, in_snap)		\
	static const struct vt zero_##bpf = { vf(TDX_X_ZF, TDX_X_ZV, vt) };
TDX_MAP_TABLE(TDX_X_ZERO)
#undef TDX_X_ZERO

/* Return codes of the aggregation functions. */
#define AGG_OK		0
#define AGG_FILTERED	1
#define AGG_BAD		2

/* ----------------------------------------------------------------- helpers */
static __always_inline struct tdx_counters *counters(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&tdx_counters, &zero);
}

static __always_inline void count_drop(__u32 map_id)
{
	struct tdx_counters *c = counters();

	if (c && map_id < TDX_MAP_ID_MAX)
		c->dropped[map_id]++;
}

/*
 * Find or create the value of key; a full map (or any other insert failure)
 * is counted in counters.dropped[map_id] and returns NULL.
 */
static __always_inline void *lookup_or_init(TDX_MAP_REF map, const void *key,
					    const void *zero, __u32 map_id)
{
	void *v = bpf_map_lookup_elem(map, key);
	long err;

	if (v)
		return v;
	err = bpf_map_update_elem(map, key, zero, BPF_NOEXIST);
	if (err && err != -EEXIST) {
		count_drop(map_id);
		return NULL;
	}
	v = bpf_map_lookup_elem(map, key);
	if (!v)
		count_drop(map_id);
	return v;
}

/*
 * Index masked so the verifier sees the bound even where the compiler
 * proved it and dropped a check (n: power of two).
 */
#define BOUNDED(x, n) ({ __u32 __x = (x); asm volatile("" : "+r"(__x)); __x & ((n) - 1); })

/*
 * Shared values, many CPUs: every update is one atomic instruction (lock
 * add on x86); a minimum or maximum is a compare-and-swap that only runs
 * when the value improves, retried a few times against racing CPUs and
 * counted in counters.contended if it still loses (never silently).
 */
#define ADD(p, v)	TDX_ATOMIC_ADD(p, v)
#define TDX_CAS_TRIES	4

static __always_inline void count_contended(void)
{
	struct tdx_counters *c = counters();

	if (c)
		c->contended++;
}

static __always_inline void store_max(__u64 *p, __u64 v)
{
	__u64 old = *(volatile __u64 *)p, seen;
	int i;

	for (i = 0; i < TDX_CAS_TRIES; i++) {
		if (v <= old)
			return;
		seen = TDX_CAS(p, old, v);
		if (seen == old)
			return;
		old = seen;
	}
	if (v > *(volatile __u64 *)p)
		count_contended();
}

static __always_inline void store_min(__u64 *p, __u64 v)
{
	__u64 old = *(volatile __u64 *)p, seen;
	int i;

	for (i = 0; i < TDX_CAS_TRIES; i++) {
		if (v >= old)
			return;
		seen = TDX_CAS(p, old, v);
		if (seen == old)
			return;
		old = seen;
	}
	if (v < *(volatile __u64 *)p)
		count_contended();
}

/*
 * tdx_msb64() without a branch.  BPF has no clz, and tdx_msb64()'s six
 * data-dependent branches mispredict on spread latencies; here each step
 * is arithmetic: for x < 2^32, (x + 2^32 - 2^k) >> 32 is 1 iff x >= 2^k.
 * The asm barriers keep the compiler from turning a step back into a
 * compare (a branch in BPF).
 */
static __always_inline __u32 agg_msb64_nobranch(__u64 v)
{
	__u64 r, s;

	r = (((v >> 32) + 0xffffffffULL) >> 32) << 5;
	v >>= r;
	asm volatile("" : "+r"(v));
	s = ((v + 0xffff0000ULL) >> 32) << 4;
	v >>= s;
	r |= s;
	asm volatile("" : "+r"(v));
	s = ((v + 0xffffff00ULL) >> 32) << 3;
	v >>= s;
	r |= s;
	asm volatile("" : "+r"(v));
	s = ((v + 0xfffffff0ULL) >> 32) << 2;
	v >>= s;
	r |= s;
	asm volatile("" : "+r"(v));
	s = ((v + 0xfffffffcULL) >> 32) << 1;
	v >>= s;
	r |= s;
	return (__u32)(r | (v >> 1));
}

/* The same index: one instruction in user space. */
static __always_inline __u32 agg_msb64(__u64 v)
{
#ifdef __bpf__
	return agg_msb64_nobranch(v);
#else
	return v ? 63 - (__u32)__builtin_clzll(v) : 0;
#endif
}

/*
 * tdx_hist_slot() (hist.h) on agg_msb64(), with a bound the verifier can
 * see; tests/bpf/test_agg_slot.c holds the two equal.
 */
static __always_inline __u32 hist_slot(__u64 v)
{
	__u32 m, s;

	if (v < TDX_HIST_SUB)
		return (__u32)v;
	m = agg_msb64(v);
	if (m > TDX_HIST_MAX_MSB)
		return TDX_HIST_SLOTS - 1;
	s = (m - 2) * TDX_HIST_SUB +
	    (__u32)((v >> (m - TDX_HIST_SUB_BITS)) & (TDX_HIST_SUB - 1));
	return s < TDX_HIST_SLOTS ? s : TDX_HIST_SLOTS - 1;
}

#define HIST_ADD(h, v) do {						\
	__u32 __s = hist_slot(v);					\
	if (__s < TDX_HIST_SLOTS)					\
		ADD(&(h)[__s], 1);					\
} while (0)

static __always_inline bool below_min_lat(__u64 ns)
{
	return filter_min_lat_ns && ns < filter_min_lat_ns;
}

static __always_inline bool pid_allowed(__u32 pid)
{
	__u32 i;

	if (!filter_npids)
		return true;
	for (i = 0; i < 16; i++) {
		if (i >= filter_npids)
			break;
		if (filter_pids[i] == pid)
			return true;
	}
	return false;
}

/* PG_LEVEL_* as an index of the [TDX_PG_LEVEL_MAX] arrays, 0 if out of range. */
static __always_inline __u32 level_idx(__u64 level)
{
	return level < TDX_PG_LEVEL_MAX ? (__u32)level : 0;
}

/* ------------------------------------------------------------ aggregations */

/*
 * Always inlined where the event kind is a constant (the live SEAMCALL
 * program, the benchmark): the hottest event saves a subprogram call and
 * return (a "safe RET" under the SRSO mitigation of AMD hosts); the replay
 * drain calls it through agg_seamcall() like every other kind.
 */
static __always_inline int agg_seamcall_inl(__u32 pid, const __u64 *args)
{
	struct tdx_leaf_key key = { .pid = pid };
	struct tdx_leaf_stats *v;
	__u64 leaf = args[TDX_SEAMCALL_ARG_LEAF];
	__u64 dur = args[TDX_SEAMCALL_ARG_DURATION];
	__u32 nr = tdx_leaf_slot(leaf), cls;	/* P-SEAMLDR, unknown: leaves.h */

	if (filter_leaves) {
		if (nr >= TDX_LEAF_MAX)
			return AGG_FILTERED;
		if (!(filter_leaf_mask[(nr / 64) & 1] & (1ULL << (nr % 64))))
			return AGG_FILTERED;
	}
	if (below_min_lat(dur))
		return AGG_FILTERED;

	key.leaf = nr;
	v = lookup_or_init(&tdx_leaf, &key, &zero_tdx_leaf, TDX_MAP_LEAF);
	if (!v)
		return AGG_OK;
	/*
	 * The common call costs two atomic adds (sum, histogram slot): count
	 * and status[SUCCESS] are not stored but completed by the reader
	 * (tdx_map_complete(): the histogram's total, and what the other
	 * classes leave), so nothing else is written unless it is non-zero.
	 */
	store_min(&v->min_ns, dur);
	store_max(&v->max_ns, dur);
	ADD(&v->sum_ns, dur);
	if ((__u32)args[TDX_SEAMCALL_ARG_RETRIES])
		ADD(&v->retries, (__u32)args[TDX_SEAMCALL_ARG_RETRIES]);
	cls = tdx_status_class(args[TDX_SEAMCALL_ARG_STATUS]);
	if (cls != TDX_SC_SUCCESS && cls < TDX_SC_MAX)
		ADD(&v->status[cls], 1);
	if ((leaf >> TDX_LEAF_VERSION_SHIFT) & 0xff)
		store_max(&v->last_version, (leaf >> TDX_LEAF_VERSION_SHIFT) & 0xff);
	HIST_ADD(v->hist, dur);
	return AGG_OK;
}

static __noinline int agg_seamcall(__u32 pid, const __u64 *args)
{
	return agg_seamcall_inl(pid, args);
}

static __noinline int agg_vp_enter(__u32 pid, const __u64 *args)
{
	struct tdx_vp_stats *v;
	__u64 dur = args[TDX_VP_ENTER_ARG_DURATION];
	__u32 reason = tdx_exit_reason_slot((__u32)args[TDX_VP_ENTER_ARG_EXIT_REASON]), cls;

	v = lookup_or_init(&tdx_vp, &pid, &zero_tdx_vp, TDX_MAP_VP);
	if (!v)
		return AGG_OK;
	/* count and status[SUCCESS]: completed by the reader, as for SEAMCALLs */
	ADD(&v->sum_ns, dur);
	store_max(&v->max_ns, dur);
	cls = tdx_status_class(args[TDX_VP_ENTER_ARG_STATUS]);
	if (cls != TDX_SC_SUCCESS && cls < TDX_SC_MAX)
		ADD(&v->status[cls], 1);
	if (reason >= TDX_EXIT_REASON_SLOTS)	/* for the verifier */
		reason = TDX_EXIT_SLOT_OTHER;
	ADD(&v->exit_reason[reason], 1);
	HIST_ADD(v->hist, dur);
	return AGG_OK;
}

static __noinline int agg_ept_violation(__u32 pid, const __u64 *args)
{
	struct tdx_ept_gfn_key gkey = { .pid = pid };
	struct tdx_ept_gfn_stats *g;
	struct tdx_ept_stats *v;
	__u64 dur = args[TDX_EPT_VIOLATION_ARG_DURATION];
	__u64 retries = (__u32)args[TDX_EPT_VIOLATION_ARG_RETRIES];
	__s64 result = (__s64)args[TDX_EPT_VIOLATION_ARG_RESULT];
	__u32 priv = args[TDX_EPT_VIOLATION_ARG_PRIVATE] ? 1 : 0, rs, rslot, lv;

	if (below_min_lat(dur))
		return AGG_FILTERED;

	v = lookup_or_init(&tdx_ept, &pid, &zero_tdx_ept, TDX_MAP_EPT);
	if (v) {
		/*
		 * The common violation (private, no local retry, at 4K) costs
		 * three atomic adds (sum, result, histogram): count[private],
		 * retry_hist[0] and level[4K] are completed by the reader from
		 * the histogram's total (tdx_map_complete()).
		 */
		if (!priv)
			ADD(&v->count[0], 1);
		ADD(&v->sum_ns, dur);
		store_max(&v->max_ns, dur);
		if (retries) {
			ADD(&v->retries, retries);
			rslot = tdx_retry_slot(retries);
			if (rslot < TDX_RETRY_SLOTS)
				ADD(&v->retry_hist[rslot], 1);
		}
		/* RET_PF_* 0..6; -errno and unknown values go to the error slot */
		rs = result >= 0 && result < TDX_EPT_RESULT_ERR ?
			(__u32)result : TDX_EPT_RESULT_ERR;
		if (rs < TDX_EPT_RESULT_MAX)
			ADD(&v->result[rs], 1);
		lv = BOUNDED(level_idx(args[TDX_EPT_VIOLATION_ARG_LEVEL]), 4);
		if (lv != TDX_PG_LEVEL_4K)
			ADD(&v->level[lv], 1);
		HIST_ADD(v->hist, dur);
	}

	if (filter_gfn_min_ns && dur < filter_gfn_min_ns)
		return AGG_OK;
	gkey.private = priv;
	gkey.gfn = args[TDX_EPT_VIOLATION_ARG_GPA] >> 12;
	g = lookup_or_init(&tdx_ept_gfn, &gkey, &zero_tdx_ept_gfn, TDX_MAP_EPT_GFN);
	if (g) {
		ADD(&g->count, 1);
		ADD(&g->sum_ns, dur);
		store_max(&g->max_ns, dur);
		ADD(&g->retries, retries);
	}
	return AGG_OK;
}

static __noinline int agg_map_gpa(__u32 pid, const __u64 *args)
{
	struct tdx_map_stats *v;
	__u32 dir = args[TDX_MAP_GPA_ARG_TO_SHARED] ? 1 : 0;

	v = lookup_or_init(&tdx_mapgpa, &pid, &zero_tdx_mapgpa, TDX_MAP_MAPGPA);
	if (!v)
		return AGG_OK;
	ADD(&v->requests[dir], 1);
	ADD(&v->req_bytes[dir], args[TDX_MAP_GPA_ARG_SIZE]);
	return AGG_OK;
}

static __noinline int agg_map_gpa_chunk(__u32 pid, const __u64 *args)
{
	struct tdx_map_stats *v;

	v = lookup_or_init(&tdx_mapgpa, &pid, &zero_tdx_mapgpa, TDX_MAP_MAPGPA);
	if (!v)
		return AGG_OK;
	ADD(&v->chunks, 1);
	ADD(&v->chunk_bytes, args[TDX_MAP_GPA_CHUNK_ARG_SIZE]);
	if (args[TDX_MAP_GPA_CHUNK_ARG_RETRY])
		ADD(&v->chunk_retries, 1);
	else if (args[TDX_MAP_GPA_CHUNK_ARG_HC_RET])
		ADD(&v->chunk_errors, 1);
	return AGG_OK;
}

static __noinline int agg_map_gpa_done(__u32 pid, const __u64 *args)
{
	struct tdx_map_stats *v;
	__u64 dur = args[TDX_MAP_GPA_DONE_ARG_DURATION];
	__u64 st = args[TDX_MAP_GPA_DONE_ARG_STATUS];
	__u32 dir = args[TDX_MAP_GPA_DONE_ARG_TO_SHARED] ? 1 : 0, cls;

	if (below_min_lat(dur))
		return AGG_FILTERED;
	v = lookup_or_init(&tdx_mapgpa, &pid, &zero_tdx_mapgpa, TDX_MAP_MAPGPA);
	if (!v)
		return AGG_OK;
	ADD(&v->done[dir], 1);
	ADD(&v->done_bytes[dir], args[TDX_MAP_GPA_DONE_ARG_SIZE]);
	if (st == TDVMCALL_STATUS_SUCCESS)
		cls = TDX_MAP_DONE_SUCCESS;
	else if (st == TDVMCALL_STATUS_RETRY)
		cls = TDX_MAP_DONE_RETRY;
	else if (st == TDVMCALL_STATUS_INVALID_OPERAND)
		cls = TDX_MAP_DONE_INVALID;
	else
		cls = TDX_MAP_DONE_OTHER;
	ADD(&v->done_status[BOUNDED(cls, 4)], 1);
	ADD(&v->sum_ns, dur);
	store_max(&v->max_ns, dur);
	HIST_ADD(v->hist, dur);
	return AGG_OK;
}

static __noinline int agg_frozen_retry(__u32 pid, const __u64 *args)
{
	struct tdx_frozen_key key = {
		.pid = pid,
		.level = (__u16)args[TDX_FROZEN_RETRY_ARG_LEVEL],
		.mirror = args[TDX_FROZEN_RETRY_ARG_MIRROR] ? 1 : 0,
	};
	struct tdx_frozen_stats *v;

	v = lookup_or_init(&tdx_frozen, &key, &zero_tdx_frozen, TDX_MAP_FROZEN);
	if (v)
		ADD(&v->retries, 1);
	return AGG_OK;
}

static __noinline int agg_spte_frozen(__u32 pid, const __u64 *args)
{
	struct tdx_frozen_key key = {
		.pid = pid,
		.level = (__u16)args[TDX_SPTE_FROZEN_ARG_LEVEL],
		.mirror = args[TDX_SPTE_FROZEN_ARG_MIRROR] ? 1 : 0,
	};
	struct tdx_frozen_stats *v;
	__u64 held = args[TDX_SPTE_FROZEN_ARG_HELD];

	v = lookup_or_init(&tdx_frozen, &key, &zero_tdx_frozen, TDX_MAP_FROZEN);
	if (!v)
		return AGG_OK;
	ADD(&v->frozen, 1);
	if ((__u32)args[TDX_SPTE_FROZEN_ARG_RESULT])
		ADD(&v->errors, 1);
	ADD(&v->held_sum_ns, held);
	store_max(&v->held_max_ns, held);
	HIST_ADD(v->hist, held);
	return AGG_OK;
}

static __always_inline struct tdx_mix_stats *mix_stats(__u32 pid)
{
	return lookup_or_init(&tdx_mix, &pid, &zero_tdx_mix, TDX_MAP_MIX);
}

/*
 * kvm_mmu_hugepage_mixed: flip the range's global mixed flag atomically; the
 * old value says whether this was a transition or a redundant event.  A 2M
 * range that becomes (un)mixed moves its 4K private mappings in (out of)
 * private_4k_in_mixed, so that gauge is exact at any time.
 */
static __noinline int agg_hugepage_mixed(__u32 pid, const __u64 *args)
{
	struct tdx_range_key key = { .pid = pid };
	struct tdx_range_state *st;
	struct tdx_mix_stats *v;
	__u64 level = args[TDX_HUGEPAGE_MIXED_ARG_LEVEL];
	__u32 mixed = args[TDX_HUGEPAGE_MIXED_ARG_MIXED] ? 1 : 0, old, lv;

	if (level != TDX_PG_LEVEL_2M && level != TDX_PG_LEVEL_1G)
		return AGG_BAD;
	lv = BOUNDED((__u32)level, 4);
	key.level = lv;
	key.gfn = args[TDX_HUGEPAGE_MIXED_ARG_GFN];
	st = lookup_or_init(&tdx_range, &key, &zero_tdx_range, TDX_MAP_RANGE);
	v = mix_stats(pid);
	if (!st)
		return AGG_OK;
	old = __sync_lock_test_and_set(&st->mixed, mixed);
	if (!v)
		return AGG_OK;
	if (old == mixed) {
		ADD(&v->redundant, 1);
		return AGG_OK;
	}
	if (mixed) {
		ADD(&v->to_mixed[lv], 1);
		ADD(&v->mixed_live[lv], 1);
		if (lv == TDX_PG_LEVEL_2M)
			ADD(&v->private_4k_in_mixed, (__s64)st->mapped_4k);
	} else {
		ADD(&v->to_unmixed[lv], 1);
		ADD(&v->mixed_live[lv], -1);
		if (lv == TDX_PG_LEVEL_2M)
			ADD(&v->private_4k_in_mixed, -(__s64)st->mapped_4k);
	}
	return AGG_OK;
}

/*
 * kvm_mmu_private_map: count private mappings by level; a 4K mapping also
 * counts in its 2M range (atomically), and in private_4k_in_mixed while that
 * range is mixed.  The gauges count mappings made while tracing: the unmap
 * of a page mapped before tracing started (a 4K page its range never
 * counted; for 2M/1G, an unmap that would take the gauge below 0) counts in
 * unmaps only, so no gauge goes negative (issue 19: `mix --sim convert`
 * showed "4K -57985").
 */
static __always_inline void gauge_dec_floor0(__s64 *g)
{
	if (__sync_fetch_and_add(g, -1) <= 0)
		__sync_fetch_and_add(g, 1);
}

static __noinline int agg_private_map(__u32 pid, const __u64 *args)
{
	struct tdx_range_key key = { .pid = pid, .level = TDX_PG_LEVEL_2M };
	struct tdx_range_state *st;
	struct tdx_mix_stats *v;
	__u64 level = args[TDX_PRIVATE_MAP_ARG_LEVEL];
	__u32 mapped = args[TDX_PRIVATE_MAP_ARG_MAPPED] ? 1 : 0, old;
	__u32 lv = BOUNDED(level_idx(level), 4);

	v = mix_stats(pid);
	if (v)
		ADD(mapped ? &v->maps : &v->unmaps, 1);
	if (level != TDX_PG_LEVEL_4K) {
		if (!v)
			return AGG_OK;
		if (mapped)
			ADD(&v->private_live[lv], 1);
		else
			gauge_dec_floor0(&v->private_live[lv]);
		return AGG_OK;
	}

	key.gfn = args[TDX_PRIVATE_MAP_ARG_GFN] & ~511ULL;
	st = lookup_or_init(&tdx_range, &key, &zero_tdx_range, TDX_MAP_RANGE);
	if (!st) {
		/* no range state (map full): the gauge alone, kept >= 0 */
		if (v && mapped)
			ADD(&v->private_live[lv], 1);
		else if (v)
			gauge_dec_floor0(&v->private_live[lv]);
		return AGG_OK;
	}
	if (mapped) {
		__sync_fetch_and_add(&st->mapped_4k, 1);
	} else {
		old = __sync_fetch_and_add(&st->mapped_4k, -1);
		if (!old) {
			/* never counted: mapped before tracing started */
			__sync_fetch_and_add(&st->mapped_4k, 1);
			return AGG_OK;
		}
	}
	if (!v)
		return AGG_OK;
	ADD(&v->private_live[lv], mapped ? 1 : -1);
	if (st->mixed) {
		ADD(&v->private_4k_in_mixed, mapped ? 1 : -1);
	}
	return AGG_OK;
}

/* ------------------------------------- kernel series v2: zaps and flows */
/*
 * These events name their TD in their first TP_PROTO argument (pid: the
 * VM's, they fire from MMU notifiers, IPIs and kworkers too); the producer
 * puts it in the event's pid, so pid here is the TD as everywhere.  They are
 * rare next to SEAMCALLs (one per zap, kick, build command), so their
 * handlers store everything rather than completing fields in the reader.
 */
static __always_inline struct tdx_flow_stats *flow_stats(__u32 pid)
{
	return lookup_or_init(&tdx_flow, &pid, &zero_tdx_flow, TDX_MAP_FLOW);
}

static __noinline int agg_sept_zap(__u32 pid, const __u64 *args)
{
	struct tdx_flow_stats *v = flow_stats(pid);
	__u64 dur = args[TDX_SEPT_ZAP_ARG_DURATION];
	__u32 kicks = (__u32)args[TDX_SEPT_ZAP_ARG_KICKS], fs;
	__u32 failed = (__u16)args[TDX_SEPT_ZAP_ARG_FAILED_LEAF];

	if (!v)
		return AGG_OK;
	ADD(&v->zaps, 1);
	ADD(&v->zap_sum_ns, dur);
	store_max(&v->zap_max_ns, dur);
	ADD(&v->zap_level[BOUNDED(level_idx(args[TDX_SEPT_ZAP_ARG_LEVEL]), 4)], 1);
	if (failed) {
		fs = failed == TDX_LEAF_MEM_RANGE_BLOCK ? TDX_ZAP_FAIL_BLOCK :
		     failed == TDX_LEAF_MEM_PAGE_REMOVE ? TDX_ZAP_FAIL_REMOVE :
		     failed == TDX_LEAF_PHYMEM_PAGE_WBINVD ? TDX_ZAP_FAIL_WBINVD :
		     TDX_ZAP_FAIL_OTHER;
		ADD(&v->zap_failed[BOUNDED(fs, TDX_ZAP_FAIL_SLOTS)], 1);
	}
	if (kicks) {
		ADD(&v->zap_kicks, kicks);
		ADD(&v->zaps_kicked, 1);
	}
	HIST_ADD(v->zap_hist, dur);
	return AGG_OK;
}

static __noinline int agg_busy_kick(__u32 pid, const __u64 *args)
{
	__u64 status = args[TDX_BUSY_KICK_ARG_STATUS];
	__u64 retry = args[TDX_BUSY_KICK_ARG_RETRY_STATUS];
	__u64 dur = args[TDX_BUSY_KICK_ARG_KICK];
	struct tdx_kick_key key = {
		.pid = pid,
		.leaf = (__u16)args[TDX_BUSY_KICK_ARG_LEAF],
		.operand = (__u32)status,
	};
	struct tdx_kick_stats *v;
	__u32 cls = tdx_status_class(retry);

	v = lookup_or_init(&tdx_kick, &key, &zero_tdx_kick, TDX_MAP_KICK);
	if (!v)
		return AGG_OK;
	ADD(&v->kicks, 1);
	if (cls == TDX_SC_BUSY)
		ADD(&v->still_busy, 1);
	else if (cls != TDX_SC_SUCCESS)
		ADD(&v->retry_failed, 1);
	ADD(&v->sum_ns, dur);
	store_max(&v->max_ns, dur);
	HIST_ADD(v->hist, dur);
	return AGG_OK;
}

static __noinline int agg_track(__u32 pid, const __u64 *args)
{
	struct tdx_flow_stats *v = flow_stats(pid);
	__u64 track = args[TDX_TRACK_ARG_TRACK], ipi = args[TDX_TRACK_ARG_IPI];

	if (!v)
		return AGG_OK;
	ADD(&v->tracks, 1);
	if (tdx_status_class(args[TDX_TRACK_ARG_STATUS]) != TDX_SC_SUCCESS)
		ADD(&v->track_errors, 1);
	ADD(&v->track_sum_ns, track);
	store_max(&v->track_max_ns, track);
	ADD(&v->ipi_sum_ns, ipi);
	store_max(&v->ipi_max_ns, ipi);
	HIST_ADD(v->track_hist, track + ipi);
	return AGG_OK;
}

static __noinline int agg_vcpu_bounce(__u32 pid, const __u64 *args)
{
	struct tdx_bounce_key key = {
		.pid = pid, .vcpu = (__u32)args[TDX_VCPU_BOUNCE_ARG_VCPU],
	};
	struct tdx_flow_stats *f = flow_stats(pid);
	struct tdx_bounce_stats *v;

	if (f)
		ADD(&f->bounces, 1);
	v = lookup_or_init(&tdx_bounce, &key, &zero_tdx_bounce, TDX_MAP_BOUNCE);
	if (v)
		ADD(&v->bounces, 1);
	return AGG_OK;
}

static __noinline int agg_attr_zap(__u32 pid, const __u64 *args)
{
	struct tdx_flow_stats *v = flow_stats(pid);
	__u64 start = args[TDX_ATTR_ZAP_ARG_START], end = args[TDX_ATTR_ZAP_ARG_END];
	__u64 dur = args[TDX_ATTR_ZAP_ARG_DURATION];
	__u32 dir = args[TDX_ATTR_ZAP_ARG_TO_PRIVATE] ? 1 : 0;

	if (!v)
		return AGG_OK;
	ADD(&v->attr_zaps, 1);
	if (end > start)
		ADD(&v->attr_zap_gfns[dir], end - start);
	if (args[TDX_ATTR_ZAP_ARG_FLUSH])
		ADD(&v->attr_zap_flushes, 1);
	ADD(&v->attr_zap_sum_ns, dur);
	store_max(&v->attr_zap_max_ns, dur);
	HIST_ADD(v->attr_zap_hist, dur);
	return AGG_OK;
}

static __always_inline struct tdx_life_stats *life_stats(__u32 pid)
{
	return lookup_or_init(&tdx_life, &pid, &zero_tdx_life, TDX_MAP_LIFE);
}

static __noinline int agg_td_build(__u32 pid, const __u64 *args)
{
	struct tdx_life_stats *v = life_stats(pid);
	__u64 cmd = (__u32)args[TDX_TD_BUILD_ARG_CMD];
	__u64 dur = args[TDX_TD_BUILD_ARG_DURATION];
	__u64 pages = args[TDX_TD_BUILD_ARG_NR_PAGES];
	__u32 c;

	if (!v)
		return AGG_OK;
	c = BOUNDED(cmd < TDX_BUILD_CMD_SLOTS ? (__u32)cmd : 0, 8);
	if (c >= TDX_BUILD_CMD_SLOTS)
		return AGG_OK;
	ADD(&v->build[c], 1);
	if ((__u32)args[TDX_TD_BUILD_ARG_RET])
		ADD(&v->build_errors[c], 1);
	ADD(&v->build_sum_ns[c], dur);
	store_max(&v->build_max_ns[c], dur);
	if (c == TDX_BUILD_INIT_MEM_REGION && pages) {
		ADD(&v->build_pages, pages);
		if (args[TDX_TD_BUILD_ARG_MEASURED])
			ADD(&v->build_measured_pages, pages);
	}
	if (args[TDX_TD_BUILD_ARG_HW_ERROR])
		store_max(&v->last_hw_error, args[TDX_TD_BUILD_ARG_HW_ERROR]);
	return AGG_OK;
}

static __noinline int agg_cache_wb(__u32 pid, const __u64 *args)
{
	struct tdx_life_stats *v = life_stats(pid);

	if (!v)
		return AGG_OK;
	ADD(&v->cache_wbs, 1);
	ADD(&v->cache_wb_resumes, (__u32)args[TDX_CACHE_WB_ARG_RESUMES]);
	if (args[TDX_CACHE_WB_ARG_STATUS])
		ADD(&v->cache_wb_errors, 1);
	return AGG_OK;
}

static __noinline int agg_hkid_release(__u32 pid, const __u64 *args)
{
	struct tdx_life_stats *v = life_stats(pid);
	__u64 dur = args[TDX_HKID_RELEASE_ARG_DURATION];

	if (!v)
		return AGG_OK;
	ADD(&v->releases, 1);
	if (args[TDX_HKID_RELEASE_ARG_RELEASED])
		ADD(&v->released, 1);
	ADD(&v->release_sum_ns, dur);
	store_max(&v->release_max_ns, dur);
	ADD(&v->release_vcpus, (__u32)args[TDX_HKID_RELEASE_ARG_NR_VCPUS]);
	return AGG_OK;
}

static __noinline int agg_hkid_leak(__u32 pid, const __u64 *args)
{
	struct tdx_life_stats *v = life_stats(pid);

	if (!v)
		return AGG_OK;
	ADD(&v->hkid_leaks, 1);
	store_max(&v->leak_last_status, args[TDX_HKID_LEAK_ARG_STATUS]);
	return AGG_OK;
}

/* Slot of a TDVMCALL sub-function in the tdvmcall arrays (0: not named). */
static __always_inline __u32 tdvmcall_slot(__u64 leaf)
{
	__u32 slot = 0, i = 1;

#define TDX_X_TVSLOT(id, nr, name) if (leaf == (nr)) slot = i; i++;
	TDX_KVM_TDVMCALL_TABLE(TDX_X_TVSLOT)
#undef TDX_X_TVSLOT
	return slot;
}

static __noinline int agg_tdvmcall(__u32 pid, const __u64 *args)
{
	struct tdx_tdvmcall_stats *v;
	__u64 leaf = args[TDX_TDVMCALL_ARG_LEAF];
	__u32 slot = BOUNDED(tdvmcall_slot(leaf), TDX_TDVMCALL_SLOTS);

	v = lookup_or_init(&tdx_tdvmcall, &pid, &zero_tdx_tdvmcall, TDX_MAP_TDVMCALL);
	if (!v)
		return AGG_OK;
	ADD(&v->calls[slot], 1);
	if (args[TDX_TDVMCALL_ARG_USER_EXIT])
		ADD(&v->user_exits[slot], 1);
	else if (args[TDX_TDVMCALL_ARG_STATUS] != TDVMCALL_STATUS_SUCCESS)
		ADD(&v->errors[slot], 1);
	if (!slot)
		store_max(&v->other_last_leaf, leaf);
	return AGG_OK;
}

/* ------------------------------------------------------------ dispatching */

static __always_inline void stream_event(struct tdx_event *ev,
					 struct tdx_counters *c)
{
	struct tdx_event *out;
	__u32 every = stream_sample_every;

	if (every > 1 && (c->streamed + c->sampled_out + c->lost) % every) {
		c->sampled_out++;
		return;
	}
	out = bpf_ringbuf_reserve(&tdx_stream, sizeof(*out), 0);
	if (!out) {
		c->lost++;
		return;
	}
	__builtin_memcpy(out, ev, sizeof(*out));
	bpf_ringbuf_submit(out, 0);
	c->streamed++;
}

/*
 * One event's arguments (the tracepoint's u64 array) for TD pid: filters,
 * the aggregation of its kind, the per-kind counter.  Returns AGG_*.
 * Live programs without a stream call it on the tracepoint's own context,
 * so nothing is copied on the hot path.
 */
static __always_inline int tdx_dispatch(__u32 pid, __u32 kind, const __u64 *args)
{
	struct tdx_counters *c = counters();
	int r;

	if (!c)
		return AGG_BAD;
	if (!pid_allowed(pid)) {
		c->filtered++;
		return AGG_FILTERED;
	}
	if (__builtin_constant_p(kind) && kind == TDX_EV_SEAMCALL) {
		r = agg_seamcall_inl(pid, args);
	} else {
		switch (kind) {
#define TDX_X_CASE(id, lower, sys, name, nargs)				\
		case TDX_EV_##id:					\
			r = agg_##lower(pid, args);			\
			break;
		TDX_EVENT_TABLE(TDX_X_CASE)
#undef TDX_X_CASE
		default:
			r = AGG_BAD;
			break;
		}
	}
	if (r == AGG_FILTERED) {
		c->filtered++;
		return r;
	}
	if (r == AGG_BAD) {
		c->bad_input++;
		return r;
	}
	if (kind < TDX_EV_MAX)
		c->events[kind]++;
	return r;
}

/*
 * One event, whatever produced it.  ev->args holds the tracepoint's
 * arguments; ev->pid is the TD.  Aggregated, then streamed when asked.
 */
static __always_inline int tdx_handle(struct tdx_event *ev)
{
	struct tdx_counters *c;
	int r = tdx_dispatch(ev->pid, ev->kind, ev->args);

	if (r == AGG_OK && stream_enabled) {
		c = counters();
		if (c)
			stream_event(ev, c);
	}
	return r;
}

/*
 * One replayed record (record file, trace.dat, simulator, tdx_feed()): its
 * kind and argument count must match the event table, else it counts as
 * bad input.  The BPF drain program and the user-space engine both call it.
 */
static __always_inline bool tdx_input_ok(__u32 kind, __u32 nargs)
{
	switch (kind) {
#define TDX_X_NARGS(id, lower, sys, name, n) case TDX_EV_##id: return nargs == TDX_##id##_NARGS;
	TDX_EVENT_TABLE(TDX_X_NARGS)
#undef TDX_X_NARGS
	}
	return false;
}

static __always_inline int tdx_handle_input(struct tdx_event *ev)
{
	struct tdx_counters *c;
	__u32 kind = ev->kind;

	if (tdx_input_ok(kind, ev->nargs))
		return tdx_handle(ev);
	c = counters();
	if (c)
		c->bad_input++;
	return AGG_BAD;
}

/* Fill the header of an event produced live on this CPU by task id. */
static __always_inline void live_event_id(struct tdx_event *ev, __u64 id,
					  __u32 kind, __u32 nargs, __u32 flags)
{
	ev->pid = id >> 32;
	ev->tid = (__u32)id;
	ev->kind = kind;
	ev->nargs = nargs;
	ev->flags = flags;
	if (stream_enabled) {
		ev->ts_ns = bpf_ktime_get_ns();
		ev->cpu = bpf_get_smp_processor_id();
	} else {
		ev->ts_ns = 0;
		ev->cpu = 0;
	}
}

static __always_inline void live_event(struct tdx_event *ev, __u32 kind,
				       __u32 nargs, __u32 flags)
{
	live_event_id(ev, bpf_get_current_pid_tgid(), kind, nargs, flags);
}

#endif /* TDX_AGG_BPF_H */
