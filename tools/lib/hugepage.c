// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * hugepage.c - the huge-page what-if model (hugepage.h, docs/hugepage.md).
 *
 * State per TD: a hash of the 2M ranges the trace touched.  Each range keeps
 * what the trace shows (attribute shared per page, private pages in use,
 * build-time pages, whether it had mappings from before the trace) and, per
 * policy, how that policy would have it mapped now: nothing, 4K pages
 * (a bitmap), or one 2M mapping.  Every event updates the observed state and
 * then asks each policy what it would have done; counters per policy follow.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hugepage.h"
#include "source_int.h"

#define P2M		512ULL
#define P1G		(512ULL * 512ULL)
#define WORDS		(P2M / 64)
#define RET_PF_SPURIOUS	6
#define SERIES_CAP	20000
#define FOLLOW		64

enum { L_NONE, L_4K, L_2M };

struct hp_conv {			/* per-page conversion counts of one range */
	__u32 n[P2M];
	__u16 vcpu[P2M];
	__u64 mask[P2M];		/* vCPUs (id % 64) that converted it */
};

struct hp_range {
	__u64 idx;			/* gfn >> 9 */
	__u64 shared[WORDS];		/* attribute: shared */
	__u64 used[WORDS];		/* private page mapped now (trace) */
	__u64 pmap[TDX_HP_NPOL][WORDS];	/* policy: 4K mapping present */
	__u16 nshared, nused, pn4k[TDX_HP_NPOL];
	__u8 plevel[TDX_HP_NPOL];
	bool build, unknown, misaligned, inhibit, lost_counted;
	bool v3_sticky;			/* v3: a 4K table exists, no promotion */
	__s64 pending_gfn[TDX_HP_NPOL];	/* a 2M map made by a map event, fault not seen */
	bool max_bumped[TDX_HP_NPOL];	/* that map raised max_huge_2m */
	struct hp_conv *conv;
};

struct hp_g1 {
	__u64 idx;			/* gfn >> 18 */
	__u32 huge;			/* ideal: children mapped at 2M */
	bool is1g;
};

struct hp_tdstate {
	struct tdx_hp_td pub;
	struct hp_range **tab;		/* open addressing by idx */
	size_t cap, n;
	struct hp_g1 *g1;
	size_t g1cap, g1n;
	bool seen_chunk;
	struct hp_follow {		/* per vCPU thread (tid % FOLLOW): a map event whose */
		__u32 tid;		/* violation has not come yet */
		__s64 gfn;
		bool covered[TDX_HP_NPOL];	/* the policy had the page mapped before */
	} fol[FOLLOW];
	__s64 last_add;			/* gfn of the last PAGE.ADD: its map event is no AUG */
	bool req_open;			/* a to-shared MapGPA request in progress */
	__u64 req_lo, req_hi;		/* its gfns */
};

struct hp_leafcost { __u64 n; double sum; };

struct tdx_hp {
	struct tdx_hp_params p;
	struct tdx_hp_slot *slots;
	struct hp_tdstate *tds;		/* sorted by pid */
	size_t ntd, tdcap;
	struct hp_leafcost meas[TDX_HP_NOP];
	double calib[TDX_HP_NOP];
	int calib_src[TDX_HP_NOP];
	struct tdx_hp_point *series;
	size_t nseries;
	__u64 step, t0, next_pt;
	bool have_t0, finished;
	__u64 last_ts;
	__u64 events;
	int err;
};

/* ---------------------------------------------------------------- names */

static const char *const pol_names[] = {
#define TDX_X(id, name, doc) name,
	TDX_HP_POLICY_TABLE(TDX_X)
#undef TDX_X
};
static const char *const pol_docs[] = {
#define TDX_X(id, name, doc) doc,
	TDX_HP_POLICY_TABLE(TDX_X)
#undef TDX_X
};
static const char *const cause_names[] = {
#define TDX_X(id, name, doc) name,
	TDX_HP_CAUSE_TABLE(TDX_X)
#undef TDX_X
};
static const char *const op_names[] = {
#define TDX_X(id, name, leaf) name,
	TDX_HP_OP_TABLE(TDX_X)
#undef TDX_X
};
static const __u32 op_leaf[] = {
#define TDX_X(id, name, leaf) leaf,
	TDX_HP_OP_TABLE(TDX_X)
#undef TDX_X
};

const char *tdx_hp_policy_name(int p) { return p >= 0 && p < TDX_HP_NPOL ? pol_names[p] : NULL; }
const char *tdx_hp_policy_doc(int p) { return p >= 0 && p < TDX_HP_NPOL ? pol_docs[p] : NULL; }
const char *tdx_hp_cause_name(int c) { return c >= 0 && c < TDX_HP_NCAUSE ? cause_names[c] : NULL; }
const char *tdx_hp_op_name(int op) { return op >= 0 && op < TDX_HP_NOP ? op_names[op] : NULL; }

const char *tdx_hp_cost_src_name(int s)
{
	return s == TDX_HP_COST_MEASURED ? "measured" : s == TDX_HP_COST_CALIB ? "calibration" :
	       "assumption";
}

/* ------------------------------------------------------------- bitmaps */

static bool tb(const __u64 *b, unsigned i) { return b[i / 64] >> (i % 64) & 1; }
static void sb(__u64 *b, unsigned i) { b[i / 64] |= 1ULL << (i % 64); }
static void cb(__u64 *b, unsigned i) { b[i / 64] &= ~(1ULL << (i % 64)); }

/* ------------------------------------------------------------ TD tables */

static struct hp_tdstate *td_get(struct tdx_hp *h, __u32 pid)
{
	size_t lo = 0, hi = h->ntd;

	while (lo < hi) {
		size_t m = (lo + hi) / 2;

		if (h->tds[m].pub.pid == pid)
			return &h->tds[m];
		if (h->tds[m].pub.pid < pid)
			lo = m + 1;
		else
			hi = m;
	}
	if (h->ntd == h->tdcap) {
		size_t nc = h->tdcap ? h->tdcap * 2 : 8;
		struct hp_tdstate *n = realloc(h->tds, nc * sizeof(*n));

		if (!n)
			return NULL;
		h->tds = n;
		h->tdcap = nc;
	}
	memmove(&h->tds[lo + 1], &h->tds[lo], (h->ntd - lo) * sizeof(*h->tds));
	memset(&h->tds[lo], 0, sizeof(*h->tds));
	h->tds[lo].pub.pid = pid;
	for (int k = 0; k < FOLLOW; k++)
		h->tds[lo].fol[k].gfn = -1;
	h->tds[lo].last_add = -1;
	h->ntd++;
	return &h->tds[lo];
}

static size_t hslot(__u64 idx, size_t cap)
{
	return (size_t)((idx * 0x9e3779b97f4a7c15ULL) >> 20) & (cap - 1);
}

static bool range_misaligned(const struct tdx_hp *h, __u32 pid, __u64 lo, __u64 n)
{
	bool any = false;

	for (size_t i = 0; i < h->p.n_slots; i++) {
		const struct tdx_hp_slot *s = &h->slots[i];

		if (s->pid && s->pid != pid)
			continue;
		any = true;
		if (s->gfn <= lo && lo + n <= s->gfn + s->npages)
			return false;
	}
	return any;		/* slots known for this TD and none holds it whole */
}

static struct hp_range *range_find(struct hp_tdstate *t, __u64 idx)
{
	if (!t->cap)
		return NULL;
	for (size_t i = hslot(idx, t->cap);; i = (i + 1) & (t->cap - 1)) {
		if (!t->tab[i])
			return NULL;
		if (t->tab[i]->idx == idx)
			return t->tab[i];
	}
}

static struct hp_range *range_get(struct tdx_hp *h, struct hp_tdstate *t, __u64 idx)
{
	struct hp_range *r = range_find(t, idx);
	size_t i;

	if (r)
		return r;
	if ((t->n + 1) * 2 > t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 64;
		struct hp_range **n = calloc(nc, sizeof(*n));

		if (!n)
			return NULL;
		for (size_t k = 0; k < t->cap; k++) {
			if (!t->tab[k])
				continue;
			for (i = hslot(t->tab[k]->idx, nc); n[i]; i = (i + 1) & (nc - 1))
				;
			n[i] = t->tab[k];
		}
		free(t->tab);
		t->tab = n;
		t->cap = nc;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->idx = idx;
	for (int p = 0; p < TDX_HP_NPOL; p++)
		r->pending_gfn[p] = -1;
	r->misaligned = range_misaligned(h, t->pub.pid, idx * P2M, P2M);
	for (i = hslot(idx, t->cap); t->tab[i]; i = (i + 1) & (t->cap - 1))
		;
	t->tab[i] = r;
	t->n++;
	if ((idx + 1) * P2M > t->pub.max_gfn)
		t->pub.max_gfn = (idx + 1) * P2M;
	return r;
}

static struct hp_g1 *g1_get(struct hp_tdstate *t, __u64 idx)
{
	size_t i;

	for (i = 0; i < t->g1n; i++)
		if (t->g1[i].idx == idx)
			return &t->g1[i];
	if (t->g1n == t->g1cap) {
		size_t nc = t->g1cap ? t->g1cap * 2 : 8;
		struct hp_g1 *n = realloc(t->g1, nc * sizeof(*n));

		if (!n)
			return NULL;
		t->g1 = n;
		t->g1cap = nc;
	}
	t->g1[t->g1n] = (struct hp_g1){ .idx = idx };
	return &t->g1[t->g1n++];
}

/* --------------------------------------------------------- policy moves */

static void op(struct tdx_hp_pol_stats *ps, int o, __u64 n) { ps->ops[o] += n; }

/* aug: the page is added by PAGE.AUG (build-time pages come with PAGE.ADD) */
static void map4k(struct hp_range *r, int p, struct tdx_hp_pol_stats *ps, unsigned i, bool aug)
{
	if (tb(r->pmap[p], i))
		return;
	sb(r->pmap[p], i);
	r->pn4k[p]++;
	ps->pages_4k++;
	if (aug)
		op(ps, TDX_HP_OP_AUG_4K, 1);
}

static void unmap4k(struct hp_range *r, int p, struct tdx_hp_pol_stats *ps, unsigned i)
{
	if (!tb(r->pmap[p], i))
		return;
	cb(r->pmap[p], i);
	r->pn4k[p]--;
	ps->pages_4k--;
}

/* ideal with 1G backing: a child range entered (+1) or left (-1) 2M */
static void g1_move(struct tdx_hp *h, struct hp_tdstate *t, struct hp_range *r, int d)
{
	struct tdx_hp_pol_stats *ps = &t->pub.pol[TDX_HP_IDEAL];
	struct hp_g1 *g;

	if (!h->p.backing_1g)
		return;
	g = g1_get(t, r->idx / P2M);
	if (!g) {
		h->err = -ENOMEM;
		return;
	}
	if (d > 0) {
		g->huge++;
		if (g->huge == P2M && !range_misaligned(h, t->pub.pid, g->idx * P1G, P1G)) {
			g->is1g = true;
			ps->huge_1g++;
			ps->collapses_1g++;
			ps->write_lock++;
			op(ps, TDX_HP_OP_BLOCK, 1);
			op(ps, TDX_HP_OP_TRACK, 1);
			op(ps, TDX_HP_OP_PROMOTE, 1);
		}
	} else {
		if (g->is1g) {
			g->is1g = false;
			ps->huge_1g--;
			ps->splits_1g++;
			ps->write_lock++;
			op(ps, TDX_HP_OP_BLOCK, 1);
			op(ps, TDX_HP_OP_TRACK, 1);
			op(ps, TDX_HP_OP_DEMOTE, 1);
		}
		g->huge--;
	}
}

static void set_2m(struct tdx_hp *h, struct hp_tdstate *t, struct hp_range *r, int p)
{
	struct tdx_hp_pol_stats *ps = &t->pub.pol[p];

	r->plevel[p] = L_2M;
	ps->huge_2m++;
	r->max_bumped[p] = ps->huge_2m > ps->max_huge_2m;
	if (r->max_bumped[p])
		ps->max_huge_2m = ps->huge_2m;
	if (p == TDX_HP_IDEAL)
		g1_move(h, t, r, +1);
}

static void leave_2m(struct tdx_hp *h, struct hp_tdstate *t, struct hp_range *r, int p)
{
	t->pub.pol[p].huge_2m--;
	if (p == TDX_HP_IDEAL)
		g1_move(h, t, r, -1);
}

/* Split a 2M mapping into 512 4K mappings (BLOCK, TRACK, [PAMT.ADD], DEMOTE). */
static void split(struct tdx_hp *h, struct hp_tdstate *t, struct hp_range *r, int p, int cause)
{
	struct tdx_hp_pol_stats *ps = &t->pub.pol[p];

	leave_2m(h, t, r, p);
	r->plevel[p] = L_4K;
	r->pending_gfn[p] = -1;
	ps->splits[cause]++;
	ps->write_lock++;
	op(ps, TDX_HP_OP_BLOCK, 1);
	op(ps, TDX_HP_OP_TRACK, 1);
	op(ps, TDX_HP_OP_DEMOTE, 1);
	if (h->p.dpamt)
		op(ps, TDX_HP_OP_PAMT_ADD, 2);	/* the new SEPT page and the 2M page's 4K PAMT */
	memset(r->pmap[p], 0xff, sizeof(r->pmap[p]));
	r->pn4k[p] = P2M;
	ps->pages_4k += P2M;
	if (p == TDX_HP_V3)
		r->v3_sticky = true;
}

static bool whole(const struct hp_range *r, int p)
{
	return !r->nshared && r->pn4k[p] == P2M;
}

/* After a 4K mapping: ideal collapses a whole range; v3 counts it lost. */
static void after_4k(struct tdx_hp *h, struct hp_tdstate *t, struct hp_range *r, int p)
{
	struct tdx_hp_pol_stats *ps = &t->pub.pol[p];

	if (!whole(r, p) || r->unknown || r->misaligned)
		return;
	if (p == TDX_HP_IDEAL) {
		ps->pages_4k -= P2M;
		r->pn4k[p] = 0;
		memset(r->pmap[p], 0, sizeof(r->pmap[p]));
		ps->collapses++;
		ps->maps_2m++;
		ps->write_lock++;
		op(ps, TDX_HP_OP_BLOCK, 1);
		op(ps, TDX_HP_OP_TRACK, 1);
		op(ps, TDX_HP_OP_PROMOTE, 1);
		set_2m(h, t, r, p);
	} else if (p == TDX_HP_V3 && !r->lost_counted) {
		r->lost_counted = true;
		ps->lost_2m++;
	}
}

/*
 * The guest touches private page i of r: a mapping event (fault false) or
 * an EPT violation (fault true), accept its accept level (0 unknown).  The
 * kernel series emits the mapping before the violation of the same access,
 * from the same vCPU thread: follow (from page_touched) marks such a
 * violation, whose decisions were taken at the mapping; fo->covered[p] says
 * whether policy p had the page mapped before that access (then the
 * violation would not have happened).
 */
static void touch(struct tdx_hp *h, struct hp_tdstate *t, struct hp_range *r, unsigned i,
		  int accept, bool fault, bool follow, bool build, struct hp_follow *fo)
{
	__s64 gfn = (__s64)(r->idx * P2M + i);
	bool accept4k = accept == TDX_PG_LEVEL_4K;

	for (int p = 0; p < TDX_HP_NPOL; p++) {
		struct tdx_hp_pol_stats *ps = &t->pub.pol[p];
		bool capable;

		if (follow && fo->covered[p] && p != TDX_HP_4K) {
			/* mapped before this access: only a 4K accept in a 2M mapping faults */
			if (accept4k && r->plevel[p] == L_2M) {
				ps->ept++;
				ps->accept_4k_in_2m++;
				split(h, t, r, p, TDX_HP_CAUSE_ACCEPT);
				if (p == TDX_HP_V3 && !r->inhibit) {
					r->inhibit = true;
					ps->inhibits++;
				}
			}
			continue;
		}
		if (follow) {
			ps->ept++;
			if (!(accept4k && r->plevel[p] == L_2M && r->pending_gfn[p] == gfn)) {
				if (r->plevel[p] == L_2M && r->pending_gfn[p] == gfn)
					r->pending_gfn[p] = -1;
				continue;
			}
			/* the access mapped 2M at its map event, but accepts at 4K: undo */
			r->pending_gfn[p] = -1;
			if (r->max_bumped[p] && ps->max_huge_2m == ps->huge_2m)
				ps->max_huge_2m--;
			leave_2m(h, t, r, p);
			ps->maps_2m--;
			ps->ops[TDX_HP_OP_AUG_2M]--;
			r->plevel[p] = L_NONE;
		} else if (!fault) {
			fo->covered[p] = r->plevel[p] == L_2M ||
					(r->plevel[p] == L_4K && tb(r->pmap[p], i));
		}
		if (p == TDX_HP_4K) {
			if (fault && !follow)
				ps->ept++;
			r->plevel[p] = L_4K;
			map4k(r, p, ps, i, !build);
			continue;
		}
		if (r->plevel[p] == L_2M) {
			if (accept4k && fault) {
				/* host level > accept level: split (v3 also inhibits) */
				ps->ept++;
				ps->accept_4k_in_2m++;
				split(h, t, r, p, TDX_HP_CAUSE_ACCEPT);
				if (p == TDX_HP_V3 && !r->inhibit) {
					r->inhibit = true;
					ps->inhibits++;	/* same write-lock hold as the split */
				}
			}
			continue;	/* otherwise a fault on a huge mapping: avoided */
		}
		if (fault && !follow)
			ps->ept++;
		/* PAGE.ADD adds 4K pages only: build-time memory starts at 4K */
		capable = !r->unknown && !r->misaligned && !r->nshared && !build &&
			  (p != TDX_HP_V3 || (!r->build && !r->inhibit && !r->v3_sticky));
		if (r->plevel[p] == L_NONE && capable && accept4k) {
			ps->accept_4k_in_2m++;
			if (p == TDX_HP_V3) {
				r->inhibit = true;
				ps->inhibits++;
				ps->write_lock++;
			}
		} else if (r->plevel[p] == L_NONE && capable) {
			set_2m(h, t, r, p);
			ps->maps_2m++;
			op(ps, TDX_HP_OP_AUG_2M, 1);
			r->pending_gfn[p] = fault ? -1 : gfn;
			continue;
		}
		r->plevel[p] = L_4K;
		if (p == TDX_HP_V3)
			r->v3_sticky = true;
		map4k(r, p, ps, i, !build);
		after_4k(h, t, r, p);
	}
}

/* Page i of r leaves private use (conversion to shared, or a zap). */
static void release(struct tdx_hp *h, struct hp_tdstate *t, struct hp_range *r, unsigned i,
		    int cause, bool whole_range)
{
	for (int p = 0; p < TDX_HP_NPOL; p++) {
		struct tdx_hp_pol_stats *ps = &t->pub.pol[p];

		if (r->plevel[p] == L_2M) {
			if (whole_range) {	/* the whole 2M leaf goes: no split */
				leave_2m(h, t, r, p);
				r->plevel[p] = L_NONE;
				r->pending_gfn[p] = -1;
				continue;
			}
			split(h, t, r, p, cause);
		}
		if (r->plevel[p] == L_4K) {
			unmap4k(r, p, ps, i);
			if (!r->pn4k[p] && p != TDX_HP_V3)
				r->plevel[p] = L_NONE;	/* no table is left behind in the model */
		}
	}
}

/* A range holds mappings from before the trace: take it out of every policy. */
static void make_unknown(struct tdx_hp *h, struct hp_tdstate *t, struct hp_range *r)
{
	if (r->unknown)
		return;
	r->unknown = true;
	t->pub.unknown_ranges++;
	for (int p = 0; p < TDX_HP_NPOL; p++) {
		struct tdx_hp_pol_stats *ps = &t->pub.pol[p];

		if (r->plevel[p] == L_2M)
			leave_2m(h, t, r, p);
		ps->pages_4k -= r->pn4k[p];
		r->pn4k[p] = 0;
		memset(r->pmap[p], 0, sizeof(r->pmap[p]));
		r->plevel[p] = L_NONE;
	}
}

static void mixed_update(struct hp_tdstate *t, bool was, const struct hp_range *r)
{
	bool now = r->nshared && r->nshared < P2M;

	if (was == now)
		return;
	if (now) {
		if (++t->pub.mixed_now > t->pub.mixed_max)
			t->pub.mixed_max = t->pub.mixed_now;
	} else {
		t->pub.mixed_now--;
	}
}

static void set_shared(struct hp_tdstate *t, struct hp_range *r, unsigned i, bool shared)
{
	bool was = r->nshared && r->nshared < P2M;

	if (tb(r->shared, i) == shared)
		return;
	if (shared) {
		sb(r->shared, i);
		r->nshared++;
	} else {
		cb(r->shared, i);
		r->nshared--;
	}
	mixed_update(t, was, r);
}

static void count_conv(struct tdx_hp *h, struct hp_range *r, unsigned i, __u32 vcpu)
{
	if (!r->conv && !(r->conv = calloc(1, sizeof(*r->conv)))) {
		h->err = -ENOMEM;
		return;
	}
	r->conv->n[i]++;
	r->conv->vcpu[i] = (__u16)vcpu;
	r->conv->mask[i] |= 1ULL << (vcpu % 64);
}

/* Pages [gfn, gfn+n) converted (one KVM_SET_MEMORY_ATTRIBUTES). */
static void convert(struct tdx_hp *h, struct hp_tdstate *t, __u64 gfn, __u64 n, bool to_shared,
		    __u32 vcpu)
{
	__u64 end = gfn + n;

	t->pub.conversions[to_shared] += n;
	for (__u64 idx = gfn / P2M; idx * P2M < end; idx++) {
		__u64 lo = idx * P2M > gfn ? idx * P2M : gfn;
		__u64 hi = (idx + 1) * P2M < end ? (idx + 1) * P2M : end;
		bool whole_range = lo == idx * P2M && hi == (idx + 1) * P2M;
		struct hp_range *r = range_get(h, t, idx);

		if (!r) {
			h->err = -ENOMEM;
			return;
		}
		for (__u64 g = lo; g < hi; g++) {
			unsigned i = (unsigned)(g - idx * P2M);

			count_conv(h, r, i, vcpu);
			if (to_shared && tb(r->used, i)) {
				cb(r->used, i);
				r->nused--;
			}
			if (to_shared && !r->unknown)
				release(h, t, r, i, TDX_HP_CAUSE_CONVERSION, whole_range);
			set_shared(t, r, i, to_shared);
		}
	}
}

/* ------------------------------------------------------------- events */

static void page_touched(struct tdx_hp *h, struct hp_tdstate *t, __u32 tid, __u64 gfn,
			 int accept, bool fault, bool spurious)
{
	struct hp_follow *fo = &t->fol[tid % FOLLOW];
	bool build = !fault && t->last_add == (__s64)gfn;
	struct hp_range *r = range_get(h, t, gfn / P2M);
	unsigned i = (unsigned)(gfn % P2M);
	bool follow = fault && fo->tid == tid && fo->gfn == (__s64)gfn;

	if (!r) {
		h->err = -ENOMEM;
		return;
	}
	if (fault) {
		t->pub.ept_private++;
		if (fo->tid == tid)
			fo->gfn = -1;
	}
	if (fault && accept) {
		t->pub.accept_known++;
		t->pub.accept_4k += accept == TDX_PG_LEVEL_4K;
	}
	set_shared(t, r, i, false);	/* a private access: private now */
	if (fault && accept == TDX_PG_LEVEL_4K && !r->nshared && !r->misaligned && !r->build &&
	    !r->unknown)
		t->pub.accept_4k_mappable++;
	if (!tb(r->used, i)) {
		if (spurious) {		/* mapped, but not by anything we saw */
			t->pub.unknown_pages++;
			make_unknown(h, t, r);
		}
		sb(r->used, i);
		r->nused++;
		t->pub.touched_pages++;
	} else if (!fault) {
		return;			/* mapped twice: nothing new */
	}
	if (r->unknown) {
		if (fault)
			for (int p = 0; p < TDX_HP_NPOL; p++)
				t->pub.pol[p].ept++;
		return;
	}
	if (!fault) {
		fo->tid = tid;
		fo->gfn = (__s64)gfn;
	}
	touch(h, t, r, i, accept, fault, follow, build, fo);
}

static void page_zapped(struct tdx_hp *h, struct hp_tdstate *t, __u64 gfn)
{
	struct hp_range *r = range_get(h, t, gfn / P2M);
	unsigned i = (unsigned)(gfn % P2M);

	if (!r) {
		h->err = -ENOMEM;
		return;
	}
	if (!tb(r->used, i)) {
		/* removed, never seen mapped: mapped before the trace */
		t->pub.unknown_pages++;
		make_unknown(h, t, r);
		return;
	}
	cb(r->used, i);
	r->nused--;
	if (r->unknown)
		return;
	if (t->req_open && gfn >= t->req_lo && gfn < t->req_hi)
		return;		/* the conversion under way zaps it: convert() decides */
	release(h, t, r, i, TDX_HP_CAUSE_ZAP, false);
}

static void leaf_measure(struct tdx_hp *h, const struct tdx_event *ev)
{
	__u32 leaf = (__u32)(ev->args[TDX_SEAMCALL_ARG_LEAF] & 0xffff);
	__s64 level = (__s64)ev->args[TDX_SEAMCALL_ARG_LEVEL];
	__u64 status = ev->args[TDX_SEAMCALL_ARG_STATUS];

	if (status)
		return;		/* failed calls (BUSY) are priced apart from the work */
	for (int o = 0; o < TDX_HP_NOP; o++) {
		if (op_leaf[o] != leaf)
			continue;
		if (o == TDX_HP_OP_AUG_4K && level != 0)
			continue;
		if (o == TDX_HP_OP_AUG_2M && level != 1)
			continue;
		h->meas[o].n++;
		h->meas[o].sum += (double)ev->args[TDX_SEAMCALL_ARG_DURATION];
	}
}

static double share_of(__u64 huge_2m, __u64 huge_1g, __u64 p4k, bool with_1g, double *s1g)
{
	double huge = (double)huge_2m * P2M, tot = huge + (double)p4k;

	if (s1g)
		*s1g = tot > 0 && with_1g ? (double)huge_1g * P1G / tot : 0;
	return tot > 0 ? huge / tot : -1;
}

static void push_point(struct tdx_hp *h, __u64 ts)
{
	struct tdx_hp_point *pt;

	if (h->nseries == SERIES_CAP) {	/* halve the resolution */
		for (size_t i = 0; i < SERIES_CAP / 2; i++)
			h->series[i] = h->series[2 * i + 1];
		h->nseries = SERIES_CAP / 2;
		h->step *= 2;
	}
	if (!h->series && !(h->series = calloc(SERIES_CAP, sizeof(*h->series)))) {
		h->err = -ENOMEM;
		return;
	}
	pt = &h->series[h->nseries++];
	pt->t_s = (double)(ts - h->t0) / 1e9;
	for (int p = 0; p < TDX_HP_NPOL; p++) {
		__u64 h2 = 0, h1 = 0, p4 = 0;
		double s1 = 0;

		for (size_t i = 0; i < h->ntd; i++) {
			h2 += h->tds[i].pub.pol[p].huge_2m;
			h1 += h->tds[i].pub.pol[p].huge_1g;
			p4 += h->tds[i].pub.pol[p].pages_4k;
		}
		pt->share[p] = share_of(h2, h1, p4, p == TDX_HP_IDEAL && h->p.backing_1g, &s1);
		if (p == TDX_HP_IDEAL)
			pt->share_1g = s1;
	}
}

int tdx_hp_feed(struct tdx_hp *h, const struct tdx_event *ev)
{
	struct hp_tdstate *t;
	const __u64 *a = ev->args;

	if (h->err)
		return h->err;
	if (!h->have_t0) {
		h->have_t0 = true;
		h->t0 = ev->ts_ns;
		h->next_pt = ev->ts_ns;
	}
	while (ev->ts_ns >= h->next_pt && !h->err) {
		push_point(h, h->next_pt);
		h->next_pt += h->step;
		if (ev->ts_ns >= h->next_pt + h->step * 16)	/* a long gap: skip ahead */
			h->next_pt = ev->ts_ns - (ev->ts_ns - h->t0) % h->step;
	}
	if (ev->ts_ns > h->last_ts)
		h->last_ts = ev->ts_ns;
	switch (ev->kind) {
	case TDX_EV_SEAMCALL:
		leaf_measure(h, ev);
		if ((a[TDX_SEAMCALL_ARG_LEAF] & 0xffff) == TDX_LEAF_MEM_PAGE_ADD &&
		    !a[TDX_SEAMCALL_ARG_STATUS]) {
			struct hp_range *r;

			if (!(t = td_get(h, ev->pid)) ||
			    !(r = range_get(h, t, (a[TDX_SEAMCALL_ARG_GPA] >> 12) / P2M)))
				return h->err = -ENOMEM;
			r->build = true;
			t->pub.build_pages++;
			t->last_add = (__s64)(a[TDX_SEAMCALL_ARG_GPA] >> 12);
		}
		break;
	case TDX_EV_EPT_VIOLATION:
		if (!(t = td_get(h, ev->pid)))
			return h->err = -ENOMEM;
		if (a[TDX_EPT_VIOLATION_ARG_PRIVATE]) {
			page_touched(h, t, ev->tid, (a[TDX_EPT_VIOLATION_ARG_GPA] >> 12),
				     tdx_hp_accept_level(a[TDX_EPT_VIOLATION_ARG_EXIT_QUAL]), true,
				     (__s64)a[TDX_EPT_VIOLATION_ARG_RESULT] == RET_PF_SPURIOUS);
		} else {
			/* a shared access: that page is shared (shared bit ignored) */
			__u64 gfn = (a[TDX_EPT_VIOLATION_ARG_GPA] >> 12) & ((1ULL << 39) - 1);
			struct hp_range *r = range_find(t, gfn / P2M);

			if (r && !r->unknown && !tb(r->shared, (unsigned)(gfn % P2M)))
				set_shared(t, r, (unsigned)(gfn % P2M), true);
		}
		break;
	case TDX_EV_PRIVATE_MAP:
		if (!(t = td_get(h, ev->pid)))
			return h->err = -ENOMEM;
		if (a[TDX_PRIVATE_MAP_ARG_MAPPED])
			page_touched(h, t, ev->tid, a[TDX_PRIVATE_MAP_ARG_GFN], 0, false, false);
		else
			page_zapped(h, t, a[TDX_PRIVATE_MAP_ARG_GFN]);
		break;
	case TDX_EV_MAP_GPA:
		if (!(t = td_get(h, ev->pid)))
			return h->err = -ENOMEM;
		t->req_open = a[TDX_MAP_GPA_ARG_TO_SHARED] != 0;
		t->req_lo = a[TDX_MAP_GPA_ARG_GPA] >> 12;
		t->req_hi = t->req_lo + (a[TDX_MAP_GPA_ARG_SIZE] >> 12);
		break;
	case TDX_EV_MAP_GPA_CHUNK:
		if (!(t = td_get(h, ev->pid)))
			return h->err = -ENOMEM;
		t->seen_chunk = true;
		if (!a[TDX_MAP_GPA_CHUNK_ARG_HC_RET])
			convert(h, t, a[TDX_MAP_GPA_CHUNK_ARG_GPA] >> 12,
				a[TDX_MAP_GPA_CHUNK_ARG_SIZE] >> 12,
				a[TDX_MAP_GPA_CHUNK_ARG_TO_SHARED] != 0,
				(__u32)a[TDX_MAP_GPA_CHUNK_ARG_VCPU]);
		break;
	case TDX_EV_MAP_GPA_DONE:
		if (!(t = td_get(h, ev->pid)))
			return h->err = -ENOMEM;
		t->req_open = false;
		if (!t->seen_chunk)	/* a source without chunk events */
			convert(h, t, a[TDX_MAP_GPA_DONE_ARG_GPA] >> 12,
				a[TDX_MAP_GPA_DONE_ARG_SIZE] >> 12,
				a[TDX_MAP_GPA_DONE_ARG_TO_SHARED] != 0,
				(__u32)a[TDX_MAP_GPA_DONE_ARG_VCPU]);
		break;
	default:
		return 0;
	}
	h->events++;
	return h->err;
}

int tdx_hp_stream_cb(void *ctx, const struct tdx_event *ev)
{
	tdx_hp_feed(ctx, ev);
	return 0;
}

/* ------------------------------------------------------------- results */

static void top_flips(struct hp_tdstate *t)
{
	struct tdx_hp_td *d = &t->pub;

	d->n_top = 0;
	for (size_t k = 0; k < t->cap; k++) {
		struct hp_range *r = t->tab[k];

		if (!r || !r->conv)
			continue;
		for (unsigned i = 0; i < P2M; i++) {
			__u64 n = r->conv->n[i], gfn = r->idx * P2M + i;
			size_t j;

			if (!n || (d->n_top == TDX_HP_TOP_FLIPS &&
				   n <= d->top[TDX_HP_TOP_FLIPS - 1].conversions))
				continue;
			j = d->n_top < TDX_HP_TOP_FLIPS ? d->n_top++ : TDX_HP_TOP_FLIPS - 1;
			/* insertion: by count, then gfn */
			while (j > 0 && (d->top[j - 1].conversions < n ||
					 (d->top[j - 1].conversions == n && d->top[j - 1].gfn > gfn))) {
				d->top[j] = d->top[j - 1];
				j--;
			}
			d->top[j].gfn = gfn;
			d->top[j].conversions = n;
			d->top[j].vcpu = r->conv->vcpu[i];
			d->top[j].vcpus = (__u32)__builtin_popcountll(r->conv->mask[i]);
		}
	}
}

void tdx_hp_finish(struct tdx_hp *h)
{
	if (h->finished)
		return;
	h->finished = true;
	if (h->have_t0 && !h->err) {
		/* the state at the last event (replacing a point at that time) */
		if (h->nseries && h->series[h->nseries - 1].t_s >= (double)(h->last_ts - h->t0) / 1e9)
			h->nseries--;
		push_point(h, h->last_ts);
	}
	for (size_t i = 0; i < h->ntd; i++) {
		struct hp_tdstate *t = &h->tds[i];
		__u64 slot_pages = 0;
		bool any = false;

		top_flips(t);
		for (size_t s = 0; s < h->p.n_slots; s++) {
			if (h->slots[s].pid && h->slots[s].pid != t->pub.pid)
				continue;
			any = true;
			slot_pages += h->slots[s].npages;
		}
		for (size_t k = 0; k < t->cap; k++)
			if (t->tab[k] && t->tab[k]->misaligned)	/* touched, converted or built */
				t->pub.misaligned_ranges++;
		t->pub.mem_estimated = !any;
		t->pub.mem_pages = any ? slot_pages : (t->pub.max_gfn + P1G - 1) / P1G * P1G;
		for (int p = 0; p < TDX_HP_NPOL; p++) {
			struct tdx_hp_pol_stats *ps = &t->pub.pol[p];

			ps->cost_ns = 0;
			for (int o = 0; o < TDX_HP_NOP; o++)
				ps->cost_ns += (double)ps->ops[o] * tdx_hp_op_cost(h, o, NULL, NULL);
		}
	}
}

double tdx_hp_op_cost(const struct tdx_hp *h, int o, int *src, __u64 *measured)
{
	if (o < 0 || o >= TDX_HP_NOP)
		return 0;
	if (measured)
		*measured = h->meas[o].n;
	if (h->meas[o].n) {
		if (src)
			*src = TDX_HP_COST_MEASURED;
		return h->meas[o].sum / (double)h->meas[o].n;
	}
	if (o == TDX_HP_OP_AUG_2M && h->meas[TDX_HP_OP_AUG_4K].n &&
	    h->calib_src[o] != TDX_HP_COST_CALIB) {
		/* priced like a 4K AUG of this source (assumption, docs) */
		if (src)
			*src = TDX_HP_COST_ASSUMED;
		return h->meas[TDX_HP_OP_AUG_4K].sum / (double)h->meas[TDX_HP_OP_AUG_4K].n;
	}
	if (src)
		*src = h->calib_src[o];
	return h->calib[o];
}

double tdx_hp_share(const struct tdx_hp_td *t, int p)
{
	return share_of(t->pol[p].huge_2m, t->pol[p].huge_1g, t->pol[p].pages_4k, false, NULL);
}

void tdx_hp_track_mem(const struct tdx_hp_td *t, struct tdx_hp_track_mem *m)
{
	__u64 pages = t->mem_pages;

	/* A: one attribute byte per 4K page of the slots */
	m->a_attr_bytes = pages;
	/* B: a spare SPTE bit costs no memory, but a mixed 2M range keeps its 4K table */
	m->b_spte_bytes = t->mixed_max * 4096;
	/* C: 512 mixed bits in each page-table page that maps 2M (one per 1G) and 1G (per 512G) */
	m->c_bitmap_bytes = 64 * ((pages + P1G - 1) / P1G + (pages + P1G * 512 - 1) / (P1G * 512));
}

size_t tdx_hp_n_tds(const struct tdx_hp *h) { return h->ntd; }

const struct tdx_hp_td *tdx_hp_td(const struct tdx_hp *h, size_t i)
{
	return i < h->ntd ? &h->tds[i].pub : NULL;
}

const struct tdx_hp_point *tdx_hp_series(const struct tdx_hp *h, size_t *n)
{
	*n = h->nseries;
	return h->series;
}

__u64 tdx_hp_events(const struct tdx_hp *h) { return h->events; }
int tdx_hp_error(const struct tdx_hp *h) { return h->err; }
const struct tdx_hp_params *tdx_hp_params(const struct tdx_hp *h) { return &h->p; }

/* ------------------------------------------------------------ lifetime */

static int load_costs(struct tdx_hp *h)
{
	struct tdx_sim_calib *c = malloc(sizeof(*c));
	int err;

	if (!c)
		return -ENOMEM;
	err = tdx_calib_load(c, h->p.calib);
	if (err) {
		free(c);
		return err;
	}
	for (int o = 0; o < TDX_HP_NOP; o++) {
		__u32 leaf = op_leaf[o];

		if (o != TDX_HP_OP_AUG_2M && leaf < TDX_LEAF_MAX && c->has_leaf[leaf]) {
			h->calib[o] = c->leaf[leaf].median_ns;
			h->calib_src[o] = TDX_HP_COST_CALIB;
		}
	}
	/* leaves the 7.2 module does not have: [global] hp_* keys (assumptions) */
	h->calib[TDX_HP_OP_AUG_2M] = c->hp_aug_2m_ns;
	h->calib_src[TDX_HP_OP_AUG_2M] = TDX_HP_COST_ASSUMED;
	if (h->calib_src[TDX_HP_OP_DEMOTE] != TDX_HP_COST_CALIB) {
		h->calib[TDX_HP_OP_DEMOTE] = c->hp_demote_ns;
		h->calib_src[TDX_HP_OP_DEMOTE] = TDX_HP_COST_ASSUMED;
	}
	if (h->calib_src[TDX_HP_OP_PROMOTE] != TDX_HP_COST_CALIB) {
		h->calib[TDX_HP_OP_PROMOTE] = c->hp_promote_ns;
		h->calib_src[TDX_HP_OP_PROMOTE] = TDX_HP_COST_ASSUMED;
	}
	if (h->calib_src[TDX_HP_OP_PAMT_ADD] != TDX_HP_COST_CALIB) {
		h->calib[TDX_HP_OP_PAMT_ADD] = c->hp_pamt_add_ns;
		h->calib_src[TDX_HP_OP_PAMT_ADD] = TDX_HP_COST_ASSUMED;
	}
	free(c);
	return 0;
}

int tdx_hp_new(struct tdx_hp **out, const struct tdx_hp_params *p)
{
	struct tdx_hp *h = calloc(1, sizeof(*h));
	int err;

	*out = NULL;
	if (!h)
		return -ENOMEM;
	if (p)
		h->p = *p;
	h->step = h->p.step_ns ? h->p.step_ns : 100000000ULL;
	for (int o = 0; o < TDX_HP_NOP; o++)
		h->calib_src[o] = TDX_HP_COST_ASSUMED;
	err = load_costs(h);
	if (!err && h->p.n_slots) {
		h->slots = calloc(h->p.n_slots, sizeof(*h->slots));
		if (!h->slots)
			err = -ENOMEM;
		else
			memcpy(h->slots, h->p.slots, h->p.n_slots * sizeof(*h->slots));
	}
	h->p.slots = h->slots;
	if (err) {
		tdx_hp_free(h);
		return err;
	}
	*out = h;
	return 0;
}

void tdx_hp_free(struct tdx_hp *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->ntd; i++) {
		struct hp_tdstate *t = &h->tds[i];

		for (size_t k = 0; k < t->cap; k++) {
			if (t->tab[k])
				free(t->tab[k]->conv);
			free(t->tab[k]);
		}
		free(t->tab);
		free(t->g1);
	}
	free(h->tds);
	free(h->slots);
	free(h->series);
	free(h);
}
