// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sim.c - tdxsim: a deterministic, seeded model of a TDX host that produces
 * struct tdx_event streams exactly as the kernel series' tracepoints would.
 *
 * Model (docs/sources.md has the long form):
 *  - TDs with vCPUs; each vCPU runs enter/exit cycles: time in the TD, an exit
 *    with a reason, the host's handling of it, a host gap, the next entry.
 *  - Handling an EPT violation on a private GPA maps the page: SEPT.ADD for
 *    missing Secure-EPT tables, then PAGE.AUG, each inside a FROZEN_SPTE
 *    window of the mirror SPTE; OPERAND_BUSY (likely while another vCPU of the
 *    TD holds the SEPT lock under zero-step mitigation) makes the handler retry
 *    locally.  Other vCPUs that fault the same SPTE while it is frozen record a
 *    frozen_retry and wait.
 *  - A MapGPA request (TDCALL exit) is processed in chunks of at most
 *    mapgpa_chunk_kib; converting to shared zaps private mappings (RANGE.BLOCK,
 *    TRACK, PAGE.REMOVE, PHYMEM.PAGE.WBINVD, private_map mapped=0); every page
 *    attribute flip updates a per-TD attribute model, and 2M/1G ranges report
 *    kvm_mmu_hugepage_mixed only when their mixed state really changes.
 *  - Every latency comes from data/calibration.conf.
 *
 * Determinism: every vCPU and every TD draws from its own xoshiro256** stream
 * seeded from (seed, id), and events leave through a heap ordered by
 * (timestamp, sequence number), so a seed always gives the same bytes.  Events
 * of one activity all carry timestamps >= its start and activities run in
 * start order, so an event is released once no pending activity can start
 * before it.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "source_int.h"

const char *const tdx_sim_scenarios[] = {
	"boot", "steady", "convert", "contention", "mixing", "regress", NULL,
};

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
#define SIM_MAX_TDS	TDX_MAX_TDS
#define SIM_MAX_VCPUS	512
#define IMAGE_PAGES	512ULL		/* initial firmware image (2 MiB) */

struct rng { __u64 s[4]; };

static __u64 splitmix64(__u64 *x)
{
	__u64 z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, __u64 seed, __u64 stream)
{
	__u64 x = seed ^ (stream * 0xd1342543de82ef95ULL);

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static inline __u64 rotl(__u64 x, int k) { return (x << k) | (x >> (64 - k)); }

static __u64 rng_u64(struct rng *r)
{
	__u64 *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
	s[2] ^= t; s[3] = rotl(s[3], 45);
	return res;
}

/* Uniform in (0, 1]. */
static double rng_unit(struct rng *r)
{
	return ((rng_u64(r) >> 11) + 1) * 0x1p-53;
}

static __u64 rng_below(struct rng *r, __u64 n)
{
	return n ? (__u64)(rng_unit(r) * (double)n) % n : 0;
}

static double rng_normal(struct rng *r)
{
	double u1 = rng_unit(r), u2 = rng_unit(r);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static double rng_lognormal(struct rng *r, double median, double sigma)
{
	return median * exp(sigma * rng_normal(r));
}

static double rng_exp(struct rng *r, double mean)
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
	struct tdx_sim_calib *cal;
	double leaf_scale[TDX_LEAF_MAX];
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

/* ------------------------------------------------------------ output heap */

static bool oless(const struct out_ev *a, const struct out_ev *b)
{
	return a->ev.ts_ns != b->ev.ts_ns ? a->ev.ts_ns < b->ev.ts_ns : a->seq < b->seq;
}

static void opush(struct sim *s, const struct tdx_event *ev)
{
	size_t i;

	if (s->on == s->ocap) {
		size_t nc = s->ocap ? s->ocap * 2 : 4096;
		struct out_ev *n = realloc(s->oheap, nc * sizeof(*n));

		if (!n) {
			s->err = -ENOMEM;
			return;
		}
		s->oheap = n;
		s->ocap = nc;
	}
	i = s->on++;
	s->oheap[i].ev = *ev;
	s->oheap[i].seq = s->seq++;
	while (i) {
		size_t p = (i - 1) / 2;
		struct out_ev tmp;

		if (!oless(&s->oheap[i], &s->oheap[p]))
			break;
		tmp = s->oheap[p]; s->oheap[p] = s->oheap[i]; s->oheap[i] = tmp;
		i = p;
	}
}

static void opop(struct sim *s, struct tdx_event *ev)
{
	size_t i = 0;

	*ev = s->oheap[0].ev;
	s->oheap[0] = s->oheap[--s->on];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct out_ev tmp;

		if (l < s->on && oless(&s->oheap[l], &s->oheap[m]))
			m = l;
		if (r < s->on && oless(&s->oheap[r], &s->oheap[m]))
			m = r;
		if (m == i)
			break;
		tmp = s->oheap[m]; s->oheap[m] = s->oheap[i]; s->oheap[i] = tmp;
		i = m;
	}
}

/* ---------------------------------------------------------- activity heap */

static bool aless(const struct sim *s, __u32 a, __u32 b)
{
	__u64 ta = s->vcpus[a].next, tb = s->vcpus[b].next;

	return ta != tb ? ta < tb : a < b;
}

static void apush(struct sim *s, __u32 v)
{
	__u32 i = s->an++;

	s->aheap[i] = v;
	while (i) {
		__u32 p = (i - 1) / 2, t;

		if (!aless(s, s->aheap[i], s->aheap[p]))
			break;
		t = s->aheap[p]; s->aheap[p] = s->aheap[i]; s->aheap[i] = t;
		i = p;
	}
}

static __u32 apop(struct sim *s)
{
	__u32 top = s->aheap[0], i = 0;

	s->aheap[0] = s->aheap[--s->an];
	for (;;) {
		__u32 l = 2 * i + 1, r = l + 1, m = i, t;

		if (l < s->an && aless(s, s->aheap[l], s->aheap[m]))
			m = l;
		if (r < s->an && aless(s, s->aheap[r], s->aheap[m]))
			m = r;
		if (m == i)
			break;
		t = s->aheap[m]; s->aheap[m] = s->aheap[i]; s->aheap[i] = t;
		i = m;
	}
	return top;
}

/* ----------------------------------------------------------------- events */

static void emit(struct sim *s, __u32 kind, __u64 ts, __u32 pid, __u32 tid,
		 __u16 cpu, int nargs, const __u64 *args)
{
	struct tdx_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.ts_ns = ts;
	ev.pid = pid;
	ev.tid = tid;
	ev.kind = (__u16)kind;
	ev.cpu = cpu;
	ev.nargs = (__u16)nargs;
	ev.flags = TDX_EVF_SIM;
	memcpy(ev.args, args, sizeof(__u64) * (size_t)nargs);
	opush(s, &ev);
}

/* An event in the current activity's context (TD s->ctd, vCPU s->cv or VMM). */
static void emit_ctx(struct sim *s, __u32 kind, __u64 ts, int nargs, const __u64 *args)
{
	__u32 pid = s->ctd ? s->ctd->pid : 0;
	__u32 tid = s->cv ? s->cv->tid : pid;
	__u16 cpu = s->cv ? s->cv->cpu : 0;

	emit(s, kind, ts, pid, tid, cpu, nargs, args);
}

#define SEXT(v) ((__u64)(__s64)(v))

static double leaf_sample(struct sim *s, struct rng *r, __u32 leaf)
{
	const struct tdx_sim_leaf_calib *c = &s->cal->leaf[leaf];
	double u = rng_unit(r), body = rng_lognormal(r, c->median_ns, c->sigma);
	double tail = c->tail_xm_ns / pow(rng_unit(r), 1.0 / (c->tail_alpha > 0 ? c->tail_alpha : 1));
	double v = u <= c->tail_p ? tail : body;

	return v * s->leaf_scale[leaf];
}

/* Is the TD's SEPT lock held by zero-step mitigation at time t? */
static bool zero_step_at(struct sim *s, struct sim_td *td, __u64 t)
{
	if (s->zs_rate <= 0)
		return false;
	while (td->zs_next <= t) {	/* draw the episodes up to t */
		unsigned i = td->zs_n++ % ZS_RING;
		__u64 len = (__u64)rng_lognormal(&td->rng, s->cal->zero_step_median_ns, 0.5);

		td->zs_start[i] = td->zs_next;
		td->zs_end[i] = td->zs_next + len;
		td->zs_next = td->zs_end[i] + 1 + (__u64)rng_exp(&td->rng, 1e9 / s->zs_rate);
	}
	for (unsigned k = 0; k < ZS_RING && k < td->zs_n; k++) {
		unsigned i = (td->zs_n - 1 - k) % ZS_RING;

		if (td->zs_start[i] <= t && t < td->zs_end[i])
			return true;
	}
	return false;
}

/*
 * One SEAMCALL issued at time start by the current context.  Emits the event
 * at its return; returns the return time.  *status_out gets the status.
 */
static __u64 seamcall(struct sim *s, struct rng *r, __u32 leaf, __u64 start,
		      __u64 gpa, int level, __u64 *status_out)
{
	const struct tdx_sim_leaf_calib *c = &s->cal->leaf[leaf];
	struct sim_td *td = s->ctd;
	double busy_p = c->busy_p, dur;
	__u64 status = 0, retries = 0, args[7], leafval = leaf;
	bool zs = false;

	if (td && c->busy_zero_step_p > 0)
		zs = zero_step_at(s, td, start);
	if (zs)
		busy_p = c->busy_zero_step_p;
	dur = leaf_sample(s, r, leaf);
	if (rng_unit(r) <= busy_p) {
		status = 0x8000020000000000ULL |
			 (leaf == TDX_LEAF_MEM_SEPT_ADD || leaf == TDX_LEAF_MEM_PAGE_AUG ?
			  OPERAND_ID_SEPT : OPERAND_ID_EPOCH);
		dur *= 0.25;
	} else if (c->no_entropy_p > 0) {
		while (rng_unit(r) <= c->no_entropy_p) {
			if (retries == TDX_SIM_RND_RETRIES) {
				status = 0x8000020300000000ULL;
				break;
			}
			retries++;
		}
		dur *= (double)(retries + 1);
	}
	if (leaf == TDX_LEAF_VP_INIT)
		leafval |= 1ULL << TDX_LEAF_VERSION_SHIFT;	/* VP.INIT v1 */
	if (dur < 50)
		dur = 50;
	args[TDX_SEAMCALL_ARG_LEAF] = leafval;
	args[TDX_SEAMCALL_ARG_STATUS] = status;
	args[TDX_SEAMCALL_ARG_TDR] = td ? td->tdr : 0;
	args[TDX_SEAMCALL_ARG_GPA] = gpa;
	args[TDX_SEAMCALL_ARG_LEVEL] = SEXT(level);
	args[TDX_SEAMCALL_ARG_RETRIES] = retries;
	args[TDX_SEAMCALL_ARG_DURATION] = (__u64)dur;
	emit_ctx(s, TDX_EV_SEAMCALL, start + (__u64)dur, 7, args);
	if (status_out)
		*status_out = status;
	return start + (__u64)dur;
}

/* ------------------------------------------------------ attribute model */

static void mixed_event(struct sim *s, __u64 ts, __u64 gfn, int level, bool mixed)
{
	__u64 a[3] = { gfn, (__u64)level, mixed };

	emit_ctx(s, TDX_EV_HUGEPAGE_MIXED, ts, 3, a);
}

/*
 * Set the attribute of [gfn, gfn+n) to shared or private at time ts (one
 * KVM_SET_MEMORY_ATTRIBUTES); report the 2M/1G ranges whose mixed state
 * changed between before and after, as KVM's post-set hook does.  Returns the
 * pages that flipped.
 */
static bool is_mixed(__u64 shared, __u64 span) { return shared > 0 && shared < span; }

static __u64 set_attr(struct sim *s, struct sim_td *td, __u64 gfn, __u64 n,
		      bool to_shared, __u64 ts)
{
	__u64 flipped = 0, end = gfn + n, g1_cur = ~0ULL, old1 = 0;

	if (end > td->npages)
		end = td->npages;
	for (__u64 r = gfn / PAGES_2M; r * PAGES_2M < end; r++) {
		__u64 lo = r * PAGES_2M > gfn ? r * PAGES_2M : gfn;
		__u64 hi = (r + 1) * PAGES_2M < end ? (r + 1) * PAGES_2M : end;
		unsigned old = td->shared_2m[r];
		__u64 g1 = r * PAGES_2M / PAGES_1G;

		if (g1 != g1_cur) {
			if (g1_cur < td->n1g && is_mixed(old1, PAGES_1G) !=
						is_mixed(td->shared_1g[g1_cur], PAGES_1G))
				mixed_event(s, ts, g1_cur * PAGES_1G, TDX_PG_LEVEL_1G,
					    is_mixed(td->shared_1g[g1_cur], PAGES_1G));
			g1_cur = g1;
			old1 = g1 < td->n1g ? td->shared_1g[g1] : 0;
		}
		for (__u64 g = lo; g < hi; g++) {
			if (bit_get(td->shared, g) == to_shared)
				continue;
			if (to_shared) {
				bit_set(td->shared, g);
				td->shared_2m[r]++;
				td->nshared++;
				if (g1 < td->n1g)
					td->shared_1g[g1]++;
			} else {
				bit_clr(td->shared, g);
				td->shared_2m[r]--;
				td->nshared--;
				if (g1 < td->n1g)
					td->shared_1g[g1]--;
			}
			flipped++;
		}
		if (is_mixed(old, PAGES_2M) != is_mixed(td->shared_2m[r], PAGES_2M))
			mixed_event(s, ts, r * PAGES_2M, TDX_PG_LEVEL_2M,
				    is_mixed(td->shared_2m[r], PAGES_2M));
	}
	if (g1_cur < td->n1g && is_mixed(old1, PAGES_1G) !=
				is_mixed(td->shared_1g[g1_cur], PAGES_1G))
		mixed_event(s, ts, g1_cur * PAGES_1G, TDX_PG_LEVEL_1G,
			    is_mixed(td->shared_1g[g1_cur], PAGES_1G));
	return flipped;
}

static void accept_push(struct sim_td *td, __u64 gfn, __u64 n)
{
	if (td->acc_tail - td->acc_head == ACCEPT_RING)
		td->acc_head++;		/* oldest is forgotten: never accepted */
	td->accept[td->acc_tail++ % ACCEPT_RING] = (struct accept_ent){ gfn, n };
}

/* Next private, unmapped page the guest touches; false if none. */
static bool accept_pop(struct sim_td *td, __u64 *gfn)
{
	while (td->acc_head != td->acc_tail) {
		struct accept_ent *e = &td->accept[td->acc_head % ACCEPT_RING];

		while (e->n) {
			__u64 g = e->gfn++;

			e->n--;
			if (g < td->npages && !bit_get(td->shared, g) && !bit_get(td->mapped, g)) {
				*gfn = g;
				return true;
			}
		}
		td->acc_head++;
	}
	while (td->cursor < td->cursor_end) {
		__u64 g = td->cursor++;

		if (!bit_get(td->shared, g) && !bit_get(td->mapped, g)) {
			*gfn = g;
			return true;
		}
	}
	return false;
}

/* ------------------------------------------------------- EPT violations */

static void frozen_event(struct sim *s, __u64 ts, __u64 gfn, int level, __u64 held, int result)
{
	__u64 a[5] = { gfn, SEXT(level), 1, held, SEXT(result) };

	emit_ctx(s, TDX_EV_SPTE_FROZEN, ts, 5, a);
}

static void frozen_add(struct sim_td *td, __u64 gfn, int level, __u64 start, __u64 end,
		       __u32 vcpu, bool aug)
{
	struct frozen_win *w = &td->frozen[td->frozen_n++ % FROZEN_RING];

	*w = (struct frozen_win){ gfn, start, end, vcpu, (__u16)level, aug };
}

/*
 * A frozen window of another vCPU over gfn that has not ended at t, or NULL.
 * (Windows that start after t belong to vCPUs that won the race for the SPTE:
 * this vCPU finds it frozen when it gets there.)
 */
static struct frozen_win *frozen_find(struct sim_td *td, __u64 gfn, __u64 t, __u32 vcpu)
{
	for (unsigned k = 0; k < FROZEN_RING && k < td->frozen_n; k++) {
		struct frozen_win *w = &td->frozen[(td->frozen_n - 1 - k) % FROZEN_RING];
		__u64 span = w->level == TDX_PG_LEVEL_4K ? 1 :
			     w->level == TDX_PG_LEVEL_2M ? PAGES_2M : PAGES_1G;

		if (w->vcpu != vcpu && t < w->end &&
		    gfn >= w->gfn && gfn < w->gfn + span)
			return w;
	}
	return NULL;
}

/*
 * Install the mirror SPTE at (gfn, level) through one external SEAMCALL,
 * frozen around it.  Returns the time after unfreezing; *busy on OPERAND_BUSY.
 */
static __u64 external_op(struct sim *s, struct rng *r, __u32 leaf, __u64 t, __u64 gfn,
			 int pg_level, bool *busy)
{
	__u64 fstart = t, st, ret, unfreeze;
	int sept_level = pg_level - 1;

	ret = seamcall(s, r, leaf, t + (__u64)s->cal->frozen_pre_ns, gfn << PAGE_SHIFT,
		       sept_level, &st);
	unfreeze = ret + (__u64)s->cal->frozen_post_ns;
	*busy = tdx_status_class(st) == TDX_SC_BUSY;
	frozen_add(s->ctd, gfn, pg_level, fstart, unfreeze, s->cv->id,
		   leaf == TDX_LEAF_MEM_PAGE_AUG);
	frozen_event(s, unfreeze, gfn, pg_level, unfreeze - fstart, *busy ? -EBUSY : 0);
	return unfreeze;
}

static __u64 ept_violation(struct sim *s, __u64 t0)
{
	struct sim_td *td = s->ctd;
	struct sim_vcpu *v = s->cv;
	struct rng *r = &v->rng;
	const struct tdx_sim_calib *c = s->cal;
	bool private = rng_unit(r) <= s->ept_private_p || !td->nshared;
	__u64 gfn = 0, t, args[8], retries = 0, gpa;
	int result = 1 /* RET_PF_FIXED set below */, level = TDX_PG_LEVEL_4K;
	double handler = rng_lognormal(r, c->ept_handler_median_ns, c->ept_handler_sigma);
	bool write = rng_unit(r) < 0.6;

	t = t0 + (__u64)(handler / 2);
	if (private) {
		bool found;

		if (s->sc == SC_CONTENTION) {
			gfn = s->hot_lo + rng_below(r, s->hot_hi - s->hot_lo);
			found = !bit_get(td->shared, gfn);
		} else {
			found = accept_pop(td, &gfn);
			for (int k = 0; !found && k < 16; k++) {
				/* nothing left to accept: a spurious fault on a mapped page */
				gfn = rng_below(r, td->npages);
				found = !bit_get(td->shared, gfn);
			}
		}
		if (!found)
			private = false;
	}
	if (private) {
		struct frozen_win *w;
		int tries = 0;

		result = 5;	/* RET_PF_FIXED */
		while ((w = frozen_find(td, gfn, t, v->id)) && tries++ < 8) {
			__u64 a[4] = { v->id, w->gfn, w->level, 1 };

			if (w->start > t)
				t = w->start;
			emit_ctx(s, TDX_EV_FROZEN_RETRY, t, 4, a);
			retries++;
			t = w->end + (__u64)c->ept_retry_gap_ns;
		}
		if (bit_get(td->mapped, gfn)) {
			result = 6;	/* RET_PF_SPURIOUS: someone mapped it */
		} else {
			__u64 r1 = gfn / PAGES_1G, r2 = gfn / PAGES_2M;
			bool busy;

			for (;;) {
				busy = false;
				if (!bit_get(td->sept1g, r1)) {
					t = external_op(s, r, TDX_LEAF_MEM_SEPT_ADD, t, r1 * PAGES_1G,
							TDX_PG_LEVEL_1G, &busy);
					if (!busy)
						bit_set(td->sept1g, r1);
				}
				if (!busy && !bit_get(td->sept2m, r2)) {
					t = external_op(s, r, TDX_LEAF_MEM_SEPT_ADD, t, r2 * PAGES_2M,
							TDX_PG_LEVEL_2M, &busy);
					if (!busy)
						bit_set(td->sept2m, r2);
				}
				if (!busy) {
					t = external_op(s, r, TDX_LEAF_MEM_PAGE_AUG, t, gfn,
							TDX_PG_LEVEL_4K, &busy);
					if (!busy) {
						__u64 a[3] = { gfn, TDX_PG_LEVEL_4K, 1 };

						bit_set(td->mapped, gfn);
						emit_ctx(s, TDX_EV_PRIVATE_MAP, t + 20, 3, a);
						t += 20;
						break;
					}
				}
				if (retries >= (__u64)c->ept_max_retries) {
					result = 1;	/* RET_PF_RETRY: back to the guest */
					break;
				}
				retries++;
				t += (__u64)c->ept_retry_gap_ns;
			}
		}
		gpa = gfn << PAGE_SHIFT;
	} else {
		/* shared: pick a shared page; KVM maps it huge when the range allows */
		__u64 lo = s->shared_lo, hi = s->shared_hi;
		int probes = 0;

		do {
			gfn = lo + rng_below(r, hi > lo ? hi - lo : 1);
		} while (!bit_get(td->shared, gfn) && ++probes < 8);
		if (!bit_get(td->shared, gfn)) {
			/* no shared page there (e.g. before swiotlb conversion at boot) */
			for (__u64 g = 0; g < td->npages; g += PAGES_2M)
				if (td->shared_2m[g / PAGES_2M]) {
					gfn = g;
					while (!bit_get(td->shared, gfn))
						gfn++;
					break;
				}
		}
		result = 5;
		if (td->shared_2m[gfn / PAGES_2M] == PAGES_2M)
			level = TDX_PG_LEVEL_2M;
		gpa = (gfn << PAGE_SHIFT) | TDX_SIM_SHARED_BIT;
	}
	t += (__u64)(handler / 2);
	args[TDX_EPT_VIOLATION_ARG_VCPU] = v->id;
	args[TDX_EPT_VIOLATION_ARG_GPA] = gpa;
	args[TDX_EPT_VIOLATION_ARG_EXIT_QUAL] = (write ? 0x2ULL : 0x1ULL) | 0x180ULL |
				      (private ? 0 : 0x8ULL);
	args[TDX_EPT_VIOLATION_ARG_PRIVATE] = private;
	args[TDX_EPT_VIOLATION_ARG_LEVEL] = SEXT(level);
	args[TDX_EPT_VIOLATION_ARG_RETRIES] = retries;
	args[TDX_EPT_VIOLATION_ARG_RESULT] = SEXT(result);
	args[TDX_EPT_VIOLATION_ARG_DURATION] = t - t0;
	emit_ctx(s, TDX_EV_EPT_VIOLATION, t, 8, args);
	return t;
}

/* ------------------------------------------------------------- MapGPA */

/* Zap the private mappings of [gfn, gfn+n): BLOCK, TRACK, REMOVE, WBINVD. */
static __u64 zap_private(struct sim *s, struct rng *r, __u64 t, __u64 gfn, __u64 n)
{
	struct sim_td *td = s->ctd;

	for (__u64 g = gfn; g < gfn + n && g < td->npages; g++) {
		__u64 a[3] = { g, TDX_PG_LEVEL_4K, 0 };

		if (!bit_get(td->mapped, g))
			continue;
		t = seamcall(s, r, TDX_LEAF_MEM_RANGE_BLOCK, t + 30, g << PAGE_SHIFT, 0, NULL);
		t = seamcall(s, r, TDX_LEAF_MEM_TRACK, t + 30, 0, -1, NULL);
		t = seamcall(s, r, TDX_LEAF_MEM_PAGE_REMOVE, t + 30, g << PAGE_SHIFT, 0, NULL);
		t = seamcall(s, r, TDX_LEAF_PHYMEM_PAGE_WBINVD, t + 30, 0, -1, NULL);
		bit_clr(td->mapped, g);
		t += 20;
		emit_ctx(s, TDX_EV_PRIVATE_MAP, t, 3, a);
	}
	return t;
}

static __u64 map_gpa(struct sim *s, __u64 t0, __u64 gfn, __u64 pages, bool to_shared)
{
	struct sim_td *td = s->ctd;
	struct sim_vcpu *v = s->cv;
	struct rng *r = &v->rng;
	const struct tdx_sim_calib *c = s->cal;
	__u64 chunk = (__u64)c->mapgpa_chunk_kib / 4, t = t0, done = 0, nchunks = 0;
	__u64 status = TDVMCALL_STATUS_SUCCESS;
	__u64 a[7];

	if (gfn + pages > td->npages)
		pages = td->npages - gfn;
	a[0] = v->id; a[1] = gfn << PAGE_SHIFT; a[2] = pages << PAGE_SHIFT; a[3] = to_shared;
	emit_ctx(s, TDX_EV_MAP_GPA, t, 4, a);
	while (done < pages) {
		__u64 n = pages - done < chunk ? pages - done : chunk;
		__u64 g = gfn + done;
		double rt = rng_lognormal(r, c->mapgpa_vmm_median_ns, c->mapgpa_vmm_sigma);
		bool retry;

		/*
		 * Exit to the VMM; it sets the attributes and KVM zaps the old
		 * side.  Attribute changes of one VM are serialised (slots_lock),
		 * so one waits for the previous one to finish.
		 */
		t += (__u64)(rt / 2);
		if (t <= td->attr_last)
			t = td->attr_last + 1;
		if (to_shared)
			t = zap_private(s, r, t, g, n);
		t += 50;
		set_attr(s, td, g, n, to_shared, t);
		td->attr_last = t;
		if (!to_shared)
			accept_push(td, g, n);
		t += (__u64)(rt / 2);
		done += n;
		nchunks++;
		retry = done < pages && rng_unit(r) <= c->mapgpa_retry_p;
		{
			__u64 ca[6] = { v->id, g << PAGE_SHIFT, n << PAGE_SHIFT, to_shared, 0, retry };

			emit_ctx(s, TDX_EV_MAP_GPA_CHUNK, t, 6, ca);
		}
		if (retry) {
			status = TDVMCALL_STATUS_RETRY;
			break;
		}
	}
	t += 100;
	a[0] = v->id; a[1] = gfn << PAGE_SHIFT; a[2] = done << PAGE_SHIFT; a[3] = to_shared;
	a[4] = status; a[5] = nchunks; a[6] = t - t0;
	emit_ctx(s, TDX_EV_MAP_GPA_DONE, t, 7, a);
	return t;
}

/* Pick and run a MapGPA request as the scenario shapes them. */
static __u64 tdcall_map_gpa(struct sim *s, __u64 t)
{
	struct sim_td *td = s->ctd;
	struct rng *r = &s->cv->rng;
	const struct tdx_sim_calib *c = s->cal;
	bool to_shared = rng_unit(r) <= c->mapgpa_to_shared_p;
	__u64 pages, gfn, small_max = (__u64)c->mapgpa_small_max_kib / 4;
	__u64 max = (__u64)c->mapgpa_max_kib / 4;

	if (small_max < 1)
		small_max = 1;
	if (max < small_max)
		max = small_max;
	if (rng_unit(r) <= c->mapgpa_small_p)
		pages = 1 + rng_below(r, small_max);
	else
		pages = small_max + 1 + rng_below(r, max - small_max + 1);
	switch (s->sc) {
	case SC_BOOT:
		if (!td->swiotlb_done && s->cv->id == 0 &&
		    t >= s->start_ns + (s->end_ns - s->start_ns) * 3 / 10) {
			td->swiotlb_done = true;
			return map_gpa(s, t, s->shared_lo, s->shared_hi - s->shared_lo, true);
		}
		/* firmware/early-boot conversions in low memory */
		gfn = rng_below(r, 4096);
		break;
	case SC_CONTENTION:
		to_shared = !td->hot_dir;
		td->hot_dir = to_shared;
		gfn = s->hot_lo;
		pages = s->hot_hi - s->hot_lo;
		break;
	case SC_MIXING:
		/* single pages scattered over memory go shared, and come back */
		gfn = rng_below(r, td->npages - pages);
		if (rng_unit(r) <= c->mixing_scatter_p) {
			pages = 1;
			gfn = rng_below(r, td->npages - 1);
			if (to_shared && td->scatter_n < 256)
				td->scatter[td->scatter_n++] = gfn;
			else if (!to_shared && td->scatter_n)
				gfn = td->scatter[--td->scatter_n];
		}
		break;
	default:
		gfn = s->pool_lo + rng_below(r, s->pool_hi - s->pool_lo - pages);
		break;
	}
	return map_gpa(s, t, gfn, pages, to_shared);
}

/* Background calls (VP.RD/WR, MNG.RD, everything with all_leaves=1). */
static __u64 background(struct sim *s, __u64 t, double per_exit)
{
	struct rng *r = &s->cv->rng;
	double u = rng_unit(r), p = exp(-per_exit), cum = p;
	int k = 0;

	while (u > cum && k < 32) {	/* Poisson(per_exit) calls */
		k++;
		p *= per_exit / k;
		cum += p;
	}
	for (int i = 0; i < k; i++) {
		double x = rng_unit(r) * s->bg_rate;
		int j = 0;
		__u32 leaf;
		struct sim_td *save = s->ctd;

		while (j < s->n_bg - 1 && x > s->bg_cum[j])
			j++;
		leaf = s->bg_leaf[j];
		if (tdx_leaf_name(leaf) && !strncmp(tdx_leaf_name(leaf), "TDH.SYS.", 8))
			s->ctd = NULL;		/* module-global: no TD */
		t = seamcall(s, r, leaf, t + 100, 0, -1, NULL);
		s->ctd = save;
	}
	return t;
}

/* ------------------------------------------------------------ vCPU cycle */

static void vcpu_cycle(struct sim *s, struct sim_vcpu *v)
{
	const struct tdx_sim_calib *c = s->cal;
	struct rng *r = &v->rng;
	__u64 t = v->next, exit_t, end, a[4];
	double in_td = rng_exp(r, 1e9 / s->rate);
	double trans = rng_lognormal(r, c->vp_transition_median_ns, c->vp_transition_sigma);
	double u = rng_unit(r), gap = rng_lognormal(r, c->host_gap_median_ns, c->host_gap_sigma);
	int reason;

	s->ctd = &s->tds[v->td];
	s->cv = v;
	if (u < s->w_exit[0])
		reason = EXIT_EPT;
	else if (u < s->w_exit[0] + s->w_exit[1])
		reason = EXIT_TDCALL;
	else if (u < s->w_exit[0] + s->w_exit[1] + s->w_exit[2])
		reason = EXIT_EXTINT;
	else
		reason = EXIT_PREEMPT;
	exit_t = t + (__u64)(in_td + trans);
	a[TDX_VP_ENTER_ARG_VCPU] = v->id;
	a[TDX_VP_ENTER_ARG_STATUS] = 0;
	a[TDX_VP_ENTER_ARG_EXIT_REASON] = (__u64)reason;
	a[TDX_VP_ENTER_ARG_DURATION] = exit_t - t;
	emit_ctx(s, TDX_EV_VP_ENTER, exit_t, 4, a);
	end = exit_t + 200;
	if (reason == EXIT_EPT) {
		end = ept_violation(s, end);
	} else if (reason == EXIT_TDCALL) {
		double p = s->mapgpa_p, u2 = rng_unit(r);
		int k = (int)p + (u2 <= p - (int)p);	/* p may exceed 1 */

		if (s->sc == SC_BOOT && v->id != 0)
			k = 0;		/* firmware conversions run on the BSP */
		while (k-- > 0)
			end = tdcall_map_gpa(s, end + 100);
	}
	if ((reason == EXIT_TDCALL || reason == EXIT_PREEMPT) && s->bg_rate > 0)
		end = background(s, end, s->bg_rate /
				 ((double)s->nvcpu_per_td * s->rate * (s->w_exit[1] + s->w_exit[3])));
	v->next = end + (__u64)gap;
	s->ctd = NULL;
	s->cv = NULL;
}

/* ------------------------------------------------------------ TD build */

/* The VMM builds a TD (boot): returns when its vCPUs may start. */
static __u64 build_td(struct sim *s, struct sim_td *td, __u64 t)
{
	struct rng *r = &td->rng;

	s->ctd = td;
	s->cv = NULL;
	t = seamcall(s, r, TDX_LEAF_MNG_CREATE, t, 0, -1, NULL) + 500;
	for (int pkg = 0; pkg < 2; pkg++)
		t = seamcall(s, r, TDX_LEAF_MNG_KEY_CONFIG, t, 0, -1, NULL) + 200;
	for (int i = 0; i < 4; i++)
		t = seamcall(s, r, TDX_LEAF_MNG_ADDCX, t, 0, -1, NULL) + 100;
	t = seamcall(s, r, TDX_LEAF_MNG_INIT, t, 0, -1, NULL) + 1000;
	for (__u32 v = 0; v < s->nvcpu_per_td; v++) {
		t = seamcall(s, r, TDX_LEAF_VP_CREATE, t, 0, -1, NULL) + 100;
		for (int i = 0; i < 4; i++)
			t = seamcall(s, r, TDX_LEAF_VP_ADDCX, t, 0, -1, NULL) + 100;
		t = seamcall(s, r, TDX_LEAF_VP_INIT, t, 0, -1, NULL) + 200;
	}
	/* initial image: PAGE.ADD + 16 MR.EXTEND per page, SEPT tables first */
	for (__u64 g = s->image_lo; g < s->image_lo + IMAGE_PAGES; g++) {
		__u64 a[3] = { g, TDX_PG_LEVEL_4K, 1 };

		if (!bit_get(td->sept1g, g / PAGES_1G)) {
			t = seamcall(s, r, TDX_LEAF_MEM_SEPT_ADD, t + 100,
				     (g / PAGES_1G) * PAGES_1G << PAGE_SHIFT, 2, NULL);
			bit_set(td->sept1g, g / PAGES_1G);
		}
		if (!bit_get(td->sept2m, g / PAGES_2M)) {
			t = seamcall(s, r, TDX_LEAF_MEM_SEPT_ADD, t + 100,
				     (g / PAGES_2M) * PAGES_2M << PAGE_SHIFT, 1, NULL);
			bit_set(td->sept2m, g / PAGES_2M);
		}
		t = seamcall(s, r, TDX_LEAF_MEM_PAGE_ADD, t + 100, g << PAGE_SHIFT, 0, NULL);
		bit_set(td->mapped, g);
		t += 50;
		emit_ctx(s, TDX_EV_PRIVATE_MAP, t, 3, a);
		for (int i = 0; i < 16; i++)
			t = seamcall(s, r, TDX_LEAF_MR_EXTEND, t + 30,
				     (g << PAGE_SHIFT) + (__u64)i * 256, -1, NULL);
	}
	t = seamcall(s, r, TDX_LEAF_MR_FINALIZE, t + 1000, 0, -1, NULL);
	s->ctd = NULL;
	return t + 10000;
}

/* ------------------------------------------------------------------ spec */

static int parse_u64(const char *key, const char *val, __u64 lo, __u64 hi, __u64 *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(val, &end, 0);
	if (errno || end == val || *end || *val == '-' || v < lo || v > hi) {
		tdx_set_error("simulator: %s=%s: want an integer in [%llu, %llu]", key, val,
			      (unsigned long long)lo, (unsigned long long)hi);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* "10", "10s", "500ms", "250us", "1000000ns" -> ns */
static int parse_duration(const char *val, __u64 *out)
{
	char *end;
	double v, mul = 1e9;

	errno = 0;
	v = strtod(val, &end);
	if (errno || end == val || !(v > 0))	/* NaN too */
		goto bad;
	if (!strcmp(end, "") || !strcmp(end, "s"))
		mul = 1e9;
	else if (!strcmp(end, "ms"))
		mul = 1e6;
	else if (!strcmp(end, "us"))
		mul = 1e3;
	else if (!strcmp(end, "ns"))
		mul = 1;
	else if (!strcmp(end, "m"))
		mul = 60e9;
	else
		goto bad;
	if (v * mul > 86400e9 || v * mul < 1)
		goto bad;
	*out = (__u64)(v * mul);
	return 0;
bad:
	tdx_set_error("simulator: duration=%s: want a positive time such as 10s, 500ms (at most a day)",
		      val);
	return -EINVAL;
}

struct sim_params {
	__u64 seed, tds, vcpus, duration, mem_mib, start, cpus;
	double rate;
	bool all_leaves;
	char calib[256];
	int regress_leaf;
	double regress_pct;
};

static const char *scenario_list(char *buf, size_t n)
{
	size_t o = 0;

	buf[0] = 0;
	for (int i = 0; tdx_sim_scenarios[i] && o < n; i++)
		o += (size_t)snprintf(buf + o, n - o, "%s%s", i ? ", " : "",
				      !strcmp(tdx_sim_scenarios[i], "regress") ?
				      "regress:LEAF:PCT" : tdx_sim_scenarios[i]);
	return buf;
}

static int parse_spec(const char *spec, enum scenario *sc, struct sim_params *p)
{
	char buf[512], *save = NULL, *head, *tok, *parts[5];
	int np = 0, err;
	bool have_seed = false;

	if (strlen(spec) >= sizeof(buf)) {
		tdx_set_error("simulator spec too long");
		return -EINVAL;
	}
	strcpy(buf, spec);
	head = strtok_r(buf, ",", &save);
	if (!head) {
		tdx_set_error("empty simulator spec");
		return -EINVAL;
	}
	/* split the head on ':' */
	{
		char *s = head, *c;

		while (np < 5) {
			parts[np++] = s;
			c = strchr(s, ':');
			if (!c)
				break;
			*c = 0;
			s = c + 1;
		}
		if (strchr(parts[np - 1], ':')) {
			tdx_set_error("simulator spec \"%s\": too many ':' fields", spec);
			return -EINVAL;
		}
	}
	{
		static const struct { const char *n; enum scenario sc; } names[] = {
			{ "boot", SC_BOOT }, { "steady", SC_STEADY }, { "convert", SC_CONVERT },
			{ "contention", SC_CONTENTION }, { "mixing", SC_MIXING },
			{ "regress", SC_REGRESS },
		};
		size_t i;
		char list[256];

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(parts[0], names[i].n))
				break;
		if (i == sizeof(names) / sizeof(names[0])) {
			tdx_set_error("unknown simulator scenario \"%s\" (known: %s)", parts[0],
				      scenario_list(list, sizeof(list)));
			return -EINVAL;
		}
		*sc = names[i].sc;
	}
	if (*sc == SC_REGRESS) {
		char *end;

		if (np < 3) {
			tdx_set_error("simulator: regress needs a leaf and a percentage: regress:LEAF:PCT[:SEED], e.g. regress:TDH.MEM.PAGE.AUG:5");
			return -EINVAL;
		}
		p->regress_leaf = tdx_leaf_parse(parts[1]);
		if (p->regress_leaf < 0) {
			tdx_set_error("simulator: regress: unknown leaf \"%s\"", parts[1]);
			return -EINVAL;
		}
		errno = 0;
		p->regress_pct = strtod(parts[2], &end);
		if (errno || end == parts[2] || (*end && strcmp(end, "%")) ||
		    !(p->regress_pct > -100 && p->regress_pct <= 100000)) {	/* NaN too */
			tdx_set_error("simulator: regress: \"%s\" is not a percentage above -100",
				      parts[2]);
			return -EINVAL;
		}
		if (np == 4) {
			err = parse_u64("seed", parts[3], 0, ~0ULL, &p->seed);
			if (err)
				return err;
			have_seed = true;
		} else if (np > 4) {
			tdx_set_error("simulator spec \"%s\": too many ':' fields", spec);
			return -EINVAL;
		}
	} else if (np == 2) {
		err = parse_u64("seed", parts[1], 0, ~0ULL, &p->seed);
		if (err)
			return err;
		have_seed = true;
	} else if (np > 2) {
		tdx_set_error("simulator spec \"%s\": want SCENARIO[:SEED][,key=val...]", spec);
		return -EINVAL;
	}
	while ((tok = strtok_r(NULL, ",", &save))) {
		char *eq = strchr(tok, '=');
		const char *key = tok, *val;

		if (!eq) {
			tdx_set_error("simulator: \"%s\" is not key=val (keys: seed, tds, vcpus, rate, duration, mem, cpus, start, all_leaves, calib)",
				      tok);
			return -EINVAL;
		}
		*eq = 0;
		val = eq + 1;
		if (!strcmp(key, "seed")) {
			if (have_seed) {
				tdx_set_error("simulator: seed given twice");
				return -EINVAL;
			}
			err = parse_u64(key, val, 0, ~0ULL, &p->seed);
		} else if (!strcmp(key, "tds")) {
			err = parse_u64(key, val, 1, SIM_MAX_TDS, &p->tds);
		} else if (!strcmp(key, "vcpus")) {
			err = parse_u64(key, val, 1, SIM_MAX_VCPUS, &p->vcpus);
		} else if (!strcmp(key, "mem")) {
			err = parse_u64(key, val, 64, 1 << 20, &p->mem_mib);
			if (!err && p->mem_mib % 2) {
				tdx_set_error("simulator: mem=%s: want an even number of MiB", val);
				err = -EINVAL;
			}
		} else if (!strcmp(key, "cpus")) {
			err = parse_u64(key, val, 1, 4096, &p->cpus);
		} else if (!strcmp(key, "start")) {
			err = parse_u64(key, val, 0, 1ULL << 62, &p->start);
		} else if (!strcmp(key, "all_leaves")) {
			__u64 b;

			err = parse_u64(key, val, 0, 1, &b);
			p->all_leaves = b;
		} else if (!strcmp(key, "duration")) {
			err = parse_duration(val, &p->duration);
		} else if (!strcmp(key, "rate")) {
			char *end;

			errno = 0;
			p->rate = strtod(val, &end);
			err = 0;
			/* NaN fails both; below 1e-3 the mean gap overflows u64 ns */
			if (errno || end == val || *end || !(p->rate >= 1e-3 && p->rate <= 1e7)) {
				tdx_set_error("simulator: rate=%s: want exits per vCPU per second in [0.001, 1e7]",
					      val);
				err = -EINVAL;
			}
		} else if (!strcmp(key, "calib")) {
			if (strlen(val) >= sizeof(p->calib) || !*val) {
				tdx_set_error("simulator: calib=: bad file name");
				return -EINVAL;
			}
			strcpy(p->calib, val);
			err = 0;
		} else {
			tdx_set_error("simulator: unknown key \"%s\" (keys: seed, tds, vcpus, rate, duration, mem, cpus, start, all_leaves, calib)",
				      key);
			return -EINVAL;
		}
		if (err)
			return err;
	}
	return 0;
}

/* ------------------------------------------------------------------ open */

static void sim_free(struct sim *s)
{
	if (!s)
		return;
	if (s->tds) {
		for (__u32 i = 0; i < s->ntd; i++) {
			free(s->tds[i].shared);
			free(s->tds[i].mapped);
			free(s->tds[i].sept2m);
			free(s->tds[i].sept1g);
			free(s->tds[i].shared_2m);
			free(s->tds[i].shared_1g);
		}
	}
	free(s->tds);
	free(s->vcpus);
	free(s->aheap);
	free(s->oheap);
	free(s->cal);
	free(s);
}

static int sim_next(struct tdx_source *src, struct tdx_event *ev)
{
	struct sim *s = src->priv;

	for (;;) {
		if (s->err)
			return s->err;
		if (s->on && (!s->an || s->oheap[0].ev.ts_ns <= s->vcpus[s->aheap[0]].next)) {
			opop(s, ev);
			return 1;
		}
		if (!s->an)
			return 0;
		{
			__u32 vi = apop(s);
			struct sim_vcpu *v = &s->vcpus[vi];

			if (v->next >= s->end_ns)
				continue;	/* this vCPU is done */
			vcpu_cycle(s, v);
			apush(s, vi);
		}
	}
}

static void sim_close(struct tdx_source *src)
{
	sim_free(src->priv);
	src->priv = NULL;
}

static const struct tdx_source_ops sim_ops = {
	.next = sim_next,
	.close = sim_close,
};

static int td_init(struct sim *s, struct sim_td *td, __u32 i)
{
	__u64 np = s->mem_pages;

	td->idx = i;
	td->pid = 10000 + i * 1000;
	td->tdr = 0x100000000ULL + (__u64)i * 0x200000ULL;
	td->npages = np;
	td->n2m = (np + PAGES_2M - 1) / PAGES_2M;
	td->n1g = np / PAGES_1G;	/* only whole 1G ranges can be huge */
	td->shared = calloc((np + 7) / 8, 1);
	td->mapped = calloc((np + 7) / 8, 1);
	td->sept2m = calloc((td->n2m + 7) / 8, 1);
	td->sept1g = calloc((np / PAGES_1G + 8) / 8 + 1, 1);
	td->shared_2m = calloc(td->n2m, sizeof(*td->shared_2m));
	td->shared_1g = calloc(td->n1g + 1, sizeof(*td->shared_1g));
	if (!td->shared || !td->mapped || !td->sept2m || !td->sept1g || !td->shared_2m ||
	    !td->shared_1g)
		return -ENOMEM;
	rng_seed(&td->rng, s->seed, 0x7d000000ULL + i);
	td->zs_next = s->start_ns + (__u64)rng_exp(&td->rng, s->zs_rate > 0 ? 1e9 / s->zs_rate : 1e9);
	return 0;
}

/* Initial memory state of a running TD ("steady" and friends). */
static void td_state_running(struct sim *s, struct sim_td *td, double mapped_p)
{
	__u64 mapped_hi = (__u64)(mapped_p * (double)td->npages);

	/* quietly: no events for the state the TD had before the trace */
	for (__u64 g = s->shared_lo; g < s->shared_hi; g++) {
		bit_set(td->shared, g);
		td->shared_2m[g / PAGES_2M]++;
		td->nshared++;
		if (g / PAGES_1G < td->n1g)
			td->shared_1g[g / PAGES_1G]++;
	}
	for (__u64 g = 0; g < td->npages; g++) {
		if ((g < mapped_hi || g >= s->image_lo) && !bit_get(td->shared, g)) {
			bit_set(td->mapped, g);
			bit_set(td->sept2m, g / PAGES_2M);
			bit_set(td->sept1g, g / PAGES_1G);
		}
	}
	td->cursor = mapped_hi;
	td->cursor_end = s->shared_lo;
}

int tdx_sim_open(struct tdx_source *src, const char *spec)
{
	struct sim_params p = { .seed = 1 };
	struct sim *s;
	enum scenario sc;
	const struct tdx_sim_calib *c;
	int err;

	err = parse_spec(spec, &sc, &p);
	if (err)
		return err;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->cal = malloc(sizeof(*s->cal)))) {
		free(s);
		tdx_set_error("out of memory");
		return -ENOMEM;
	}
	err = tdx_calib_load(s->cal, p.calib[0] ? p.calib : NULL);
	if (err)
		goto fail;
	c = s->cal;
	s->sc = sc;
	s->seed = p.seed;
	/* scenario defaults, then explicit keys */
	s->ntd = sc == SC_CONTENTION ? 1 : sc == SC_STEADY || sc == SC_REGRESS ? 4 : 2;
	s->nvcpu_per_td = sc == SC_CONTENTION ? 16 : 4;
	if (p.tds)
		s->ntd = (__u32)p.tds;
	if (p.vcpus)
		s->nvcpu_per_td = (__u32)p.vcpus;
	s->rate = p.rate > 0 ? p.rate : c->exit_rate_hz;
	s->start_ns = p.start ? p.start : 1000000000ULL;
	s->end_ns = s->start_ns + (p.duration ? p.duration : 10000000000ULL);
	s->mem_pages = (p.mem_mib ? p.mem_mib : (__u64)c->td_mem_mib) * 256;
	s->host_cpus = p.cpus ? (__u32)p.cpus : 64;
	s->all_leaves = p.all_leaves;
	if ((__u64)s->ntd * (s->mem_pages / 256) > (1ULL << 20)) {
		tdx_set_error("simulator: tds x mem = %llu MiB is above 1 TiB of simulated guest memory",
			      (unsigned long long)s->ntd * (s->mem_pages / 256));
		err = -EINVAL;
		goto fail;
	}
	if ((__u64)s->ntd * s->nvcpu_per_td > 16384) {
		tdx_set_error("simulator: tds x vcpus = %u is above 16384",
			      s->ntd * s->nvcpu_per_td);
		err = -EINVAL;
		goto fail;
	}
	for (int l = 0; l < TDX_LEAF_MAX; l++)
		s->leaf_scale[l] = 1.0;
	if (sc == SC_REGRESS) {
		if (!c->has_leaf[p.regress_leaf]) {
			tdx_set_error("simulator: regress: the calibration has no leaf %s",
				      tdx_leaf_name(p.regress_leaf));
			err = -EINVAL;
			goto fail;
		}
		s->leaf_scale[p.regress_leaf] = 1.0 + p.regress_pct / 100.0;
	}
	for (int l = 0; l < TDX_LEAF_MAX; l++) {
		if (!c->has_leaf[l] && l != TDX_LEAF_VP_ENTER) {
			/* every leaf the model issues must be calibrated */
			static const int used[] = {
				TDX_LEAF_MEM_PAGE_AUG, TDX_LEAF_MEM_SEPT_ADD, TDX_LEAF_MEM_PAGE_ADD,
				TDX_LEAF_MR_EXTEND, TDX_LEAF_MR_FINALIZE, TDX_LEAF_MEM_RANGE_BLOCK,
				TDX_LEAF_MEM_TRACK, TDX_LEAF_MEM_PAGE_REMOVE,
				TDX_LEAF_PHYMEM_PAGE_WBINVD, TDX_LEAF_MNG_CREATE,
				TDX_LEAF_MNG_KEY_CONFIG, TDX_LEAF_MNG_ADDCX, TDX_LEAF_MNG_INIT,
				TDX_LEAF_VP_CREATE, TDX_LEAF_VP_ADDCX, TDX_LEAF_VP_INIT,
			};
			for (size_t i = 0; i < sizeof(used) / sizeof(used[0]); i++) {
				if (used[i] == l) {
					tdx_set_error("simulator: the calibration lacks leaf %s",
						      tdx_leaf_name(l));
					err = -EINVAL;
					goto fail;
				}
			}
		}
	}
	/* exit mix and flow rates by scenario */
	s->w_exit[0] = c->w_exit_ept;
	s->w_exit[1] = c->w_exit_tdcall;
	s->w_exit[2] = c->w_exit_extint;
	s->w_exit[3] = c->w_exit_other;
	s->ept_private_p = c->ept_private_p;
	s->mapgpa_p = c->tdcall_mapgpa_p;
	s->zs_rate = c->zero_step_rate_hz;
	switch (sc) {
	case SC_BOOT:
		/* accept storm: the guest touches memory; firmware converts a lot */
		s->w_exit[0] = 0.85;
		s->w_exit[1] = 0.1;
		s->w_exit[2] = 0.04;
		s->w_exit[3] = 0.01;
		s->ept_private_p = 0.98;
		/* boot_conversions over the run, all on the BSP's TDCALL exits */
		s->mapgpa_p = c->boot_conversions /
			      (s->rate * (double)(s->end_ns - s->start_ns) / 1e9 * s->w_exit[1]);
		break;
	case SC_CONVERT:
		s->mapgpa_p = c->convert_mapgpa_p;
		break;
	case SC_CONTENTION:
		s->w_exit[0] = 0.6;
		s->w_exit[1] = 0.2;
		s->w_exit[2] = 0.15;
		s->w_exit[3] = 0.05;
		s->ept_private_p = 1.0;
		s->mapgpa_p = 0.05;
		s->zs_rate = c->contention_zero_step_rate_hz;
		break;
	case SC_MIXING:
		s->mapgpa_p = 0.05;
		break;
	default:
		break;
	}
	{
		double sum = s->w_exit[0] + s->w_exit[1] + s->w_exit[2] + s->w_exit[3];

		if (sum <= 0) {
			tdx_set_error("simulator: exit weights sum to 0");
			err = -EINVAL;
			goto fail;
		}
		for (int i = 0; i < 4; i++)
			s->w_exit[i] /= sum;
	}
	/* background leaves */
	for (int l = 0; l < TDX_LEAF_MAX; l++) {
		double rate;

		if (!c->has_leaf[l])
			continue;
		rate = c->leaf[l].rate_hz;
		if (s->all_leaves && rate < 5)
			rate = 5;
		if (rate <= 0)
			continue;
		s->bg_rate += rate;
		s->bg_cum[s->n_bg] = s->bg_rate;
		s->bg_leaf[s->n_bg++] = (__u32)l;
	}
	/* memory layout (pages) */
	{
		__u64 np = s->mem_pages, sh = (__u64)c->td_shared_mib * 256;

		if (sh > np / 4)
			sh = np / 4 / PAGES_2M * PAGES_2M;
		s->image_lo = np - IMAGE_PAGES;
		s->shared_hi = s->image_lo;
		s->shared_lo = s->shared_hi - sh;
		s->pool_lo = np / 2;
		s->pool_hi = s->pool_lo + (np / 4 < 65536 ? np / 4 : 65536);
		s->hot_lo = 16 * 256;
		s->hot_hi = s->hot_lo + ((__u64)c->contention_range_kib / 4 ? (__u64)c->contention_range_kib / 4 : 1);
		if (s->hot_hi > s->shared_lo) {
			tdx_set_error("simulator: mem is too small for this layout");
			err = -EINVAL;
			goto fail;
		}
	}
	s->tds = calloc(s->ntd, sizeof(*s->tds));
	s->nvcpus = s->ntd * s->nvcpu_per_td;
	s->vcpus = calloc(s->nvcpus, sizeof(*s->vcpus));
	s->aheap = calloc(s->nvcpus, sizeof(*s->aheap));
	if (!s->tds || !s->vcpus || !s->aheap) {
		err = -ENOMEM;
		tdx_set_error("out of memory");
		goto fail;
	}
	src->ops = &sim_ops;
	src->priv = s;
	tdx_strlcpy(src->info.format, "sim", sizeof(src->info.format));
	tdx_strlcpy(src->info.host, "sim", sizeof(src->info.host));
	tdx_strlcpy(src->info.kernel, "tdxsim", sizeof(src->info.kernel));
	tdx_strlcpy(src->info.tdx_module, "tdxsim", sizeof(src->info.tdx_module));
	src->info.start_ns = s->start_ns;
	src->info.n_td = s->ntd < TDX_SOURCE_MAX_TDS ? s->ntd : TDX_SOURCE_MAX_TDS;
	for (__u32 i = 0; i < s->ntd; i++) {
		struct sim_td *td = &s->tds[i];
		__u64 vstart;

		err = td_init(s, td, i);
		if (err) {
			tdx_set_error("out of memory for %u TDs of %llu MiB", s->ntd,
				      (unsigned long long)(s->mem_pages / 256));
			src->priv = NULL;
			goto fail;
		}
		if (i < TDX_SOURCE_MAX_TDS) {
			src->info.td[i].pid = td->pid;
			src->info.td[i].vcpus = s->nvcpu_per_td;
			snprintf(src->info.td[i].comm, sizeof(src->info.td[i].comm),
				 "qemu-td%u", i);
		}
		if (sc == SC_BOOT) {
			td->cursor = 0;
			td->cursor_end = s->image_lo;
			vstart = build_td(s, td, s->start_ns + (__u64)i * 20000000ULL);
		} else {
			td_state_running(s, td, sc == SC_CONTENTION ? 0.5 : c->steady_mapped_p);
			vstart = s->start_ns;
			if (sc == SC_CONTENTION)
				for (__u64 g = s->hot_lo; g < s->hot_hi; g++)
					bit_clr(td->mapped, g);
		}
		for (__u32 v = 0; v < s->nvcpu_per_td; v++) {
			struct sim_vcpu *vc = &s->vcpus[i * s->nvcpu_per_td + v];

			vc->td = i;
			vc->id = v;
			vc->tid = td->pid + 10 + v;
			vc->cpu = (__u16)((i * s->nvcpu_per_td + v) % s->host_cpus);
			rng_seed(&vc->rng, s->seed, ((__u64)i << 20) | v);
			vc->next = vstart + (__u64)rng_exp(&vc->rng, 1e9 / s->rate);
			apush(s, i * s->nvcpu_per_td + v);
		}
	}
	if (s->err) {
		err = s->err;
		tdx_set_error("out of memory");
		src->priv = NULL;
		goto fail;
	}
	return 0;
fail:
	sim_free(s);
	return err;
}

int tdx_sim_leaves(__u32 *out, int max)
{
	struct tdx_sim_calib *c = malloc(sizeof(*c));
	int n = 0;

	if (!c)
		return -ENOMEM;
	if (tdx_calib_load(c, NULL)) {
		free(c);
		return -EINVAL;
	}
	for (int l = 0; l < TDX_LEAF_MAX; l++)
		if (c->has_leaf[l] && n < max)
			out[n++] = (__u32)l;
	free(c);
	return n;
}
