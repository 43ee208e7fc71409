/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * sim_int.h - the simulator's state, shared by its three files (private to
 * libtdxtrace):
 *   sim.c        the source: open, the activity and output heaps, events,
 *                SEAMCALL timing, the iterator
 *   sim_model.c  the host model: attributes and mixing, EPT violations,
 *                MapGPA, background calls, the vCPU cycle, TD build
 *   sim_spec.c   the "SCENARIO[:SEED][,key=val...]" spec
 */
#ifndef TDXTRACE_SIM_INT_H
#define TDXTRACE_SIM_INT_H

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "source_int.h"

enum scenario { SC_BOOT, SC_STEADY, SC_CONVERT, SC_CONTENTION, SC_MIXING, SC_REGRESS };

#define PAGE_SHIFT	12
#define PAGES_2M	512ULL
#define PAGES_1G	(512ULL * 512ULL)
#define EXIT_EXTINT	1
#define EXIT_EPT	48
#define EXIT_PREEMPT	52
#define EXIT_TDCALL	77
#define OPERAND_ID_SEPT	0x92ULL
#define OPERAND_ID_EPOCH 0xa9ULL
#define FROZEN_RING	64
#define ZS_RING		16
#define ACCEPT_RING	4096
#define ZAP_CACHE	4096		/* recent zaps by gfn % ZAP_CACHE */
#define SIM_MAX_TDS	TDX_MAX_TDS
#define SIM_MAX_VCPUS	512
#define IMAGE_PAGES	512ULL		/* initial firmware image (2 MiB) */

struct rng { __u64 s[4]; };

static inline __u64 splitmix64(__u64 *x)
{
	__u64 z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline void rng_seed(struct rng *r, __u64 seed, __u64 stream)
{
	__u64 x = seed ^ (stream * 0xd1342543de82ef95ULL);

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static inline __u64 rotl(__u64 x, int k) { return (x << k) | (x >> (64 - k)); }

static inline __u64 rng_u64(struct rng *r)
{
	__u64 *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
	s[2] ^= t; s[3] = rotl(s[3], 45);
	return res;
}

/* Uniform in (0, 1]. */
static inline double rng_unit(struct rng *r)
{
	return ((rng_u64(r) >> 11) + 1) * 0x1p-53;
}

static inline __u64 rng_below(struct rng *r, __u64 n)
{
	return n ? (__u64)(rng_unit(r) * (double)n) % n : 0;
}

static inline double rng_normal(struct rng *r)
{
	double u1 = rng_unit(r), u2 = rng_unit(r);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static inline double rng_lognormal(struct rng *r, double median, double sigma)
{
	return median * exp(sigma * rng_normal(r));
}

static inline double rng_exp(struct rng *r, double mean)
{
	return -mean * log(rng_unit(r));
}

/* ------------------------------------------------------------------ state */

struct frozen_win {
	__u64 gfn;			/* first gfn of the frozen SPTE */
	__u64 start, end;
	__u32 vcpu;
	__u16 level;			/* PG_LEVEL_* */
	__u16 aug;			/* a 4K leaf being mapped (vs a table) */
};

struct accept_ent { __u64 gfn, n; };

struct sim_td {
	__u32 pid;
	__u32 idx;
	__u64 tdr;
	__u64 npages, n2m, n1g;
	__u8 *shared;			/* bit per page: attribute shared */
	__u8 *mapped;			/* bit per page: private leaf mapped */
	__u8 *sept2m;			/* bit per 2M range: SEPT table present */
	__u8 *sept1g;			/* bit per 1G range */
	__u16 *shared_2m;		/* shared pages per 2M range */
	__u64 nshared;
	__u32 *shared_1g;
	struct frozen_win frozen[FROZEN_RING];
	unsigned frozen_n;
	struct rng rng;			/* zero-step episodes */
	__u64 zs_start[ZS_RING], zs_end[ZS_RING];
	unsigned zs_n;
	__u64 zs_next;			/* start of the next episode to draw */
	struct accept_ent accept[ACCEPT_RING];
	unsigned acc_head, acc_tail;
	__u64 cursor;			/* lazy-accept cursor (next page to try) */
	__u64 cursor_end;
	bool swiotlb_done;
	__u64 attr_last;		/* end of the last attribute change (serialised) */
	__u64 scatter[256];		/* "mixing": pages converted to shared */
	unsigned scatter_n;
	__u64 hot_dir;			/* contention: last conversion direction */
	__u64 acc4k_left;		/* boot: vCPU 0's 4K accepts still to come */
	__u8 *acc_mode;			/* per 2M range: accept level the guest uses (0: not yet) */
	__u64 last_map;			/* latest private_map mapped=1 event of the TD */
	struct { __u64 gfn, ts; } zapped[ZAP_CACHE];	/* when a page was last zapped */
	bool aps_up;			/* boot: the APs run (after firmware/early kernel) */
	__u64 bounce_done;		/* boot: bounce-range conversions so far */
	bool bounce_shared;		/* boot: the bounce range is shared now */
};

struct sim_vcpu {
	__u32 td, id, tid;
	__u16 cpu;
	__u64 next;			/* start of its next activity */
	struct rng rng;
};

struct out_ev {
	struct tdx_event ev;
	__u64 seq;
};

struct sim {
	enum scenario sc;
	__u64 seed;
	__u32 ntd, nvcpu_per_td, host_cpus;
	double rate;			/* exits per vCPU per second */
	__u64 start_ns, end_ns;
	__u64 mem_pages;
	bool all_leaves;
	bool teardown, torn;		/* TDs destroyed at the end; done */
	__u64 last_ts;			/* of the last event handed out */
	__u32 leak;
	struct tdx_sim_calib *cal;
	double leaf_scale[TDX_LEAF_MAX];
	char module_next[32];		/* sim_module_after()'s answer */
	/* derived */
	double w_exit[4];		/* ept, tdcall, extint, other */
	double ept_private_p, mapgpa_p, zs_rate;
	double bg_rate;			/* background SEAMCALLs per TD per second */
	double bg_cum[TDX_LEAF_MAX];
	__u32 bg_leaf[TDX_LEAF_MAX];
	int n_bg;
	__u64 shared_lo, shared_hi;	/* swiotlb region (pages) */
	__u64 image_lo;
	__u64 pool_lo, pool_hi;		/* bounce-buffer pool for "convert" */
	__u64 hot_lo, hot_hi;		/* "contention" range */
	__u64 bounce_lo, bounce_n;	/* boot: the range converted back and forth */
	double bounce_p;		/* boot: share of firmware conversions that flip it */
	struct sim_td *tds;
	struct sim_vcpu *vcpus;
	__u32 nvcpus;
	/* activity heap: vcpu indices by (next, index) */
	__u32 *aheap;
	__u32 an;
	/* output heap */
	struct out_ev *oheap;
	size_t on, ocap;
	__u64 seq;
	int err;
	/* per-activity context */
	struct sim_td *ctd;
	struct sim_vcpu *cv;
};

static inline bool bit_get(const __u8 *b, __u64 i) { return b[i >> 3] & (1u << (i & 7)); }
static inline void bit_set(__u8 *b, __u64 i) { b[i >> 3] |= (__u8)(1u << (i & 7)); }
static inline void bit_clr(__u8 *b, __u64 i) { b[i >> 3] &= (__u8)~(1u << (i & 7)); }

struct sim_params {
	__u64 seed, tds, vcpus, duration, mem_mib, start, cpus;
	double rate;
	bool all_leaves;
	bool teardown;			/* destroy every TD after the run */
	__u64 leak;			/* that many TDs leak their HKID */
	char calib[256];
	int regress_leaf;
	double regress_pct;
	__u64 update;		/* update=DURATION: a runtime module update then (0: none) */
};

#define SEXT(v) ((__u64)(__s64)(v))

/* Across the three files. */
void sim_emit_ctx(struct sim *s, __u32 kind, __u64 ts, int nargs, const __u64 *args);
__u64 sim_seamcall(struct sim *s, struct rng *r, __u32 leaf, __u64 start,
		      __u64 gpa, int level, __u64 *status_out);
__u64 sim_background(struct sim *s, __u64 t, double per_exit);
__u64 sim_build_td(struct sim *s, struct sim_td *td, __u64 t);
void sim_vcpu_cycle(struct sim *s, struct sim_vcpu *v);
/* sim_flows.c: the flows of kernel series v2 */
__u64 sim_zap_page(struct sim *s, struct rng *r, __u64 t, __u64 gfn);
void sim_attr_zap(struct sim *s, __u64 t0, __u64 t1, __u64 gfn, __u64 n, bool to_shared,
		  bool flush);
void sim_tdvmcall(struct sim *s, __u64 t, __u64 leaf, __u64 status, bool user_exit);
void sim_td_build(struct sim *s, __u64 t0, __u64 t1, int vcpu, __u32 cmd, __u64 gpa,
		  __u64 pages, bool measured);
__u64 sim_teardown(struct sim *s, struct sim_td *td, __u64 t, bool leak);
int sim_parse_spec(const char *spec, enum scenario *sc, struct sim_params *p);

#endif /* TDXTRACE_SIM_INT_H */
