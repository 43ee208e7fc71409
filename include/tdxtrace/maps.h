/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * maps.h - keys and values of the BPF aggregation maps.
 *
 * The BPF programs (bpf/tdxtrace.bpf.c) write these; the loader library
 * (tools/lib) reads them, sums the per-CPU copies and hands the tools plain
 * arrays of these structs.  All counters are u64 sums so per-CPU copies merge
 * by addition, except *_min (merge: min) and *_max (merge: max); s64 "live"
 * gauges merge by addition too (a map on one CPU and an unmap on another sum
 * to zero).
 */
#ifndef TDXTRACE_MAPS_H
#define TDXTRACE_MAPS_H

#include "types.h"
#include "events.h"
#include "leaves.h"
#include "hist.h"

/* Map capacities (max_entries); a full map counts TDX_CNT_DROPPED. */
#define TDX_MAX_TDS		256
#define TDX_MAX_TD_LEAVES	(TDX_MAX_TDS * 24)
#define TDX_MAX_MIX_RANGES	(1 << 18)
#define TDX_MAX_EPT_GFNS	8192
#define TDX_EXIT_REASON_SLOTS	80	/* VMX basic exit reasons 0..78, 79 = other */

/* --- SEAMCALLs: per TD x leaf ------------------------------------------ */
struct tdx_leaf_key {
	__u32 pid;		/* TD (VMM tgid); 0 = not in a TD's context */
	__u32 leaf;		/* leaf number (version bits stripped) */
};

struct tdx_leaf_stats {
	__u64 count;
	__u64 sum_ns;
	__u64 min_ns;		/* ~0 until the first event */
	__u64 max_ns;
	__u64 retries;		/* RND_NO_ENTROPY retries inside the kernel */
	__u64 status[TDX_SC_MAX];
	__u64 last_version;	/* highest leaf version seen (per-CPU merge: max) */
	__u64 hist[TDX_HIST_SLOTS];
};

/* --- TD entry/exit: per TD ---------------------------------------------- */
struct tdx_vp_stats {
	__u64 count;
	__u64 sum_ns;
	__u64 max_ns;
	__u64 status[TDX_SC_MAX];
	__u64 exit_reason[TDX_EXIT_REASON_SLOTS];
	__u64 hist[TDX_HIST_SLOTS];	/* time in TD, entry to exit */
};

/* --- EPT violations: per TD --------------------------------------------- */
struct tdx_ept_stats {
	__u64 count[2];			/* [0] shared, [1] private */
	__u64 sum_ns;
	__u64 max_ns;
	__u64 retries;			/* sum of local retries */
	__u64 retry_hist[TDX_RETRY_SLOTS];
	__u64 result[TDX_EPT_RESULT_MAX];	/* RET_PF_*, [7] = -errno */
	__u64 level[TDX_PG_LEVEL_MAX];
	__u64 hist[TDX_HIST_SLOTS];	/* handling time */
};

/*
 * Slowest GPAs: per TD x gfn, only violations whose handling time is at least
 * the gfn_min_ns filter (tools default to TDX_EPT_GFN_MIN_NS).
 */
#define TDX_EPT_GFN_MIN_NS	100000ULL	/* 100 us */
#define TDX_GFN_TRACK_NONE	(~0ULL)
struct tdx_ept_gfn_key {
	__u32 pid;
	__u32 private;
	__u64 gfn;
};

struct tdx_ept_gfn_stats {
	__u64 count;
	__u64 sum_ns;
	__u64 max_ns;
	__u64 retries;
};

/* --- MapGPA: per TD ------------------------------------------------------ */
#define TDX_MAP_TO_PRIVATE 0
#define TDX_MAP_TO_SHARED  1
#define TDX_MAP_DONE_SUCCESS 0
#define TDX_MAP_DONE_RETRY   1
#define TDX_MAP_DONE_INVALID 2
#define TDX_MAP_DONE_OTHER   3
struct tdx_map_stats {
	__u64 requests[2];		/* by direction */
	__u64 req_bytes[2];
	__u64 done[2];			/* completed requests by direction */
	__u64 done_bytes[2];		/* bytes converted */
	__u64 done_status[4];		/* TDX_MAP_DONE_* */
	__u64 chunks;
	__u64 chunk_bytes;
	__u64 chunk_retries;		/* chunks handed back as RETRY */
	__u64 chunk_errors;		/* chunks with hc_ret != 0, not RETRY */
	__u64 sum_ns;
	__u64 max_ns;
	__u64 hist[TDX_HIST_SLOTS];	/* request round trip */
};

/* --- FROZEN_SPTE: per TD x level x root ----------------------------------- */
struct tdx_frozen_key {
	__u32 pid;
	__u16 level;			/* PG_LEVEL_* */
	__u16 mirror;			/* 1 mirror root, 0 direct */
};

struct tdx_frozen_stats {
	__u64 retries;			/* faults that met a frozen SPTE */
	__u64 frozen;			/* freeze/unfreeze windows */
	__u64 errors;			/* windows whose external op failed */
	__u64 held_sum_ns;
	__u64 held_max_ns;
	__u64 hist[TDX_HIST_SLOTS];	/* held time */
};

/* --- Hugepage mixing: per TD -------------------------------------------- */
struct tdx_mix_stats {
	__s64 mixed_live[TDX_PG_LEVEL_MAX];	/* ranges mixed now, [2] 2M [3] 1G */
	__u64 to_mixed[TDX_PG_LEVEL_MAX];	/* not mixed -> mixed */
	__u64 to_unmixed[TDX_PG_LEVEL_MAX];	/* mixed -> not mixed */
	__u64 redundant;			/* events that changed nothing */
	__s64 private_live[TDX_PG_LEVEL_MAX];	/* private mappings now, by level */
	__u64 maps;
	__u64 unmaps;
	__s64 private_4k_in_mixed;	/* 4K private mappings inside mixed 2M ranges */
};

/* Range state (global hash, updated atomically; not per-CPU). */
struct tdx_range_key {
	__u32 pid;
	__u32 level;			/* PG_LEVEL_2M or PG_LEVEL_1G */
	__u64 gfn;			/* first gfn of the range */
};

struct tdx_range_state {
	__u32 mixed;
	__u32 mapped_4k;		/* 4K private mappings inside (2M ranges) */
};

/* --- Global counters (per-CPU array, one entry) --------------------------- */
enum tdx_map_id {
	TDX_MAP_LEAF,
	TDX_MAP_VP,
	TDX_MAP_EPT,
	TDX_MAP_EPT_GFN,
	TDX_MAP_MAPGPA,
	TDX_MAP_FROZEN,
	TDX_MAP_MIX,
	TDX_MAP_RANGE,
	TDX_MAP_ID_MAX,
};

struct tdx_counters {
	__u64 events[TDX_EV_MAX];	/* events aggregated, by kind */
	__u64 filtered;			/* rejected by pid/leaf/min-latency filters */
	__u64 dropped[TDX_MAP_ID_MAX];	/* map full: update failed */
	__u64 lost;			/* ring buffer full (stream) */
	__u64 streamed;			/* events written to the ring buffer */
	__u64 sampled_out;		/* skipped by the stream sampling knob */
	__u64 bad_input;		/* replay records rejected (bad kind/nargs) */
};

#endif /* TDXTRACE_MAPS_H */
