// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_bpf_agg.c - the BPF aggregation against a reference model (root).
 *
 * Known event sequences go through the real programs in the kernel, both
 * through tdx_feed() (user ring buffer drained by one test_run per batch)
 * and through the raw_tp tracepoint programs (bpf_prog_test_run_opts with
 * ctx_in = the tracepoint's u64 arguments), and the maps must equal
 * tests/bpf/bpf_ref.h's model field by field: counts, every histogram slot,
 * status classes, min/max/sum, per-TD separation, mixing gauges, dropped
 * (map full), filters, lost (ring buffer full), sampling, bad input.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tap.h"
#include "tdxtrace.h"
#include "source.h"
#include "tdxtrace.skel.h"
#include "bpf_ref.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const uint64_t statuses[] = {
	0, 0, 0, 0, 0x8000020000000000ULL | 0x91, 0x8000020100000000ULL,
	0x8000020200000000ULL, 0x8000020300000000ULL, 0x8000000300000000ULL,
	0x8000FF00FFFF0000ULL, 0x8000FF000000000DULL, 0xC000010000000000ULL | 3,
	0x0000081500000000ULL, 0xC0000B0D00000000ULL,
	/* spec 1.5 (issue 18): RESTARTABLE, HOST_PRIORITY(_TIMEOUT), PAGE_SIZE_MISMATCH */
	0x8000000400000000ULL, 0x8000020400000000ULL, 0x9000020500000000ULL, 0xC0000B0B00000018ULL,
};

/* Values across the whole histogram range, exact small ones included. */
static uint64_t rnd_lat(void)
{
	switch (rnd() % 4) {
	case 0:
		return rnd() % 16;
	case 1:
		return 1000 + rnd() % 50000;
	case 2:
		return rnd() >> (rnd() % 64);
	default:
		return (rnd() % 8) << (rnd() % 45);
	}
}

/* One random event of kind k for TD pid (arguments in the ABI's ranges). */
static void gen_event(struct tdx_event *e, uint32_t pid, uint32_t k)
{
	__u64 *a = e->args;

	memset(e, 0, sizeof(*e));
	e->pid = pid;
	e->tid = pid + 1;
	e->kind = (uint16_t)k;
	e->nargs = (uint16_t)tdx_event_nargs(k);
	switch (k) {
	case TDX_EV_SEAMCALL:
		a[0] = (rnd() % 8 ? rnd() % 48 : rnd() % 256) | ((rnd() % 3) << 16);
		if (rnd() % 16 == 0)	/* P-SEAMLDR (bit 63), named, unnamed, out of range */
			a[0] = (1ULL << 63) | (rnd() % 4 ? rnd() % 5 : rnd() % 40);
		else if (rnd() % 64 == 0)	/* beyond every slot */
			a[0] = 0x1000 + rnd() % 0xe000;
		a[1] = statuses[rnd() % (sizeof(statuses) / sizeof(statuses[0]))];
		a[2] = rnd() & ~0xfffULL;
		a[3] = rnd() & 0xfffff000ULL;
		a[4] = (uint64_t)(int64_t)((int)(rnd() % 4) - 1);
		a[5] = rnd() % 3 ? 0 : rnd() % 11;
		a[6] = rnd_lat();
		break;
	case TDX_EV_VP_ENTER:
		a[0] = rnd() % 8;
		a[1] = statuses[rnd() % (sizeof(statuses) / sizeof(statuses[0]))];
		a[2] = rnd() % 4 ? rnd() % 90 : 0x80000000ULL | 48;
		if (rnd() % 16 == 0)	/* 7.3 EXIT_REASON_UNDEFINED, 7.2's -1u */
			a[2] = rnd() % 2 ? 0xdead : 0xffffffffULL;
		a[3] = rnd_lat();
		break;
	case TDX_EV_EPT_VIOLATION:
		a[0] = rnd() % 8;
		a[1] = (rnd() % 40) << 12 | (rnd() % 2 ? 1ULL << 47 : 0) | (rnd() & 0xfff);
		a[2] = rnd();
		a[3] = rnd() % 2;
		a[4] = rnd() % 6;
		a[5] = rnd() % 3 ? rnd() % 4 : rnd() % 40;
		a[6] = rnd() % 5 ? rnd() % 9 : (uint64_t)(int64_t)-(int64_t)(rnd() % 20);
		a[7] = rnd_lat();
		break;
	case TDX_EV_MAP_GPA:
		a[0] = rnd() % 8;
		a[1] = rnd() & 0xffff000;
		a[2] = (rnd() % 1024) << 12;
		a[3] = rnd() % 2;
		break;
	case TDX_EV_MAP_GPA_CHUNK:
		a[0] = rnd() % 8;
		a[1] = rnd() & 0xffff000;
		a[2] = (1 + rnd() % 512) << 12;
		a[3] = rnd() % 2;
		a[4] = rnd() % 4 ? 0 : (uint64_t)-(int64_t)(rnd() % 30);
		a[5] = rnd() % 5 == 0;
		break;
	case TDX_EV_MAP_GPA_DONE: {
		static const uint64_t st[] = { 0, 0, 1, 0x8000000000000000ULL,
					       0x8000000000000002ULL, 7 };
		a[0] = rnd() % 8;
		a[1] = rnd() & 0xffff000;
		a[2] = (rnd() % 1024) << 12;
		a[3] = rnd() % 2;
		a[4] = st[rnd() % 6];
		a[5] = rnd() % 9;
		a[6] = rnd_lat();
		break;
	}
	case TDX_EV_FROZEN_RETRY:
		a[0] = rnd() % 8;
		a[1] = rnd() % 100000;
		a[2] = 1 + rnd() % 3;
		a[3] = rnd() % 2;
		break;
	case TDX_EV_SPTE_FROZEN:
		a[0] = rnd() % 100000;
		a[1] = 1 + rnd() % 3;
		a[2] = rnd() % 2;
		a[3] = rnd_lat();
		a[4] = rnd() % 6 ? 0 : (uint64_t)(int64_t)-16;
		break;
	case TDX_EV_HUGEPAGE_MIXED:
		a[1] = rnd() % 5 ? 2 : 3;
		a[0] = (rnd() % 6) << (a[1] == 2 ? 9 : 18);
		a[2] = rnd() % 2;
		break;
	case TDX_EV_PRIVATE_MAP:
		a[0] = rnd() % (6 * 512);
		a[1] = rnd() % 6 ? 1 : 2;
		a[2] = rnd() % 3 != 0;
		break;
	/* kernel series v2: args[] without the pid (it is e->pid) */
	case TDX_EV_SEPT_ZAP: {
		static const uint64_t fl[] = { 0, 0, 0, 7, 29, 41, 38 };

		a[0] = rnd() % 100000;
		a[1] = rnd() % 8 ? 1 : 1 + rnd() % 5;
		a[2] = fl[rnd() % 7];
		a[3] = a[2] ? statuses[rnd() % (sizeof(statuses) / sizeof(statuses[0]))] : 0;
		a[4] = rnd() % 4 ? 0 : rnd() % 5;
		a[5] = rnd_lat();
		break;
	}
	case TDX_EV_BUSY_KICK: {
		static const uint64_t lf[] = { 7, 29, 38 }, op[] = { 0x92, 0xa9, 0x80 };

		a[0] = lf[rnd() % 3];
		a[1] = 0x8000020000000000ULL | op[rnd() % 3];
		a[2] = statuses[rnd() % (sizeof(statuses) / sizeof(statuses[0]))];
		a[3] = rnd_lat();
		break;
	}
	case TDX_EV_TRACK:
		a[0] = statuses[rnd() % (sizeof(statuses) / sizeof(statuses[0]))];
		a[1] = rnd_lat();
		a[2] = rnd() % 3 ? rnd_lat() : 0;
		break;
	case TDX_EV_VCPU_BOUNCE:
		a[0] = rnd() % 8;
		break;
	case TDX_EV_TD_BUILD:
		a[0] = (uint64_t)(int64_t)((int)(rnd() % 5) - 1);
		a[1] = rnd() % 7;	/* 0, 5, 6: not a known command */
		a[2] = rnd() & 0xffff000;
		a[3] = a[1] == 3 || rnd() % 9 == 0 ? rnd() % 4096 : 0;
		a[4] = rnd() % 2;
		a[5] = rnd() % 6 ? 0 : (uint64_t)(int64_t)-(int64_t)(1 + rnd() % 20);
		a[6] = a[5] && rnd() % 2 ? statuses[rnd() % (sizeof(statuses) / sizeof(statuses[0]))] : 0;
		a[7] = rnd_lat();
		break;
	case TDX_EV_CACHE_WB:
		a[0] = rnd() % 64;
		a[1] = rnd() % 4 ? 0 : rnd() % 9;
		a[2] = rnd() % 5 ? 0 : statuses[rnd() % (sizeof(statuses) / sizeof(statuses[0]))];
		break;
	case TDX_EV_HKID_RELEASE:
		a[0] = rnd() % 64;
		a[1] = rnd() % 33;
		a[2] = rnd() % 4 ? 0 : statuses[rnd() % (sizeof(statuses) / sizeof(statuses[0]))];
		a[3] = rnd() % 5 != 0;
		a[4] = rnd_lat();
		break;
	case TDX_EV_HKID_LEAK:
		a[0] = rnd() % 64;
		a[1] = rnd() % 2 ? 19 : 20;
		a[2] = statuses[rnd() % (sizeof(statuses) / sizeof(statuses[0]))];
		break;
	case TDX_EV_TDVMCALL:
		a[0] = rnd() % 8;
		a[1] = rnd() % 5 ? 0x10000 + rnd() % 6 : rnd();	/* guest-chosen */
		a[2] = rnd() % 4 ? 0 : (rnd() % 2 ? 1 : 0x8000000000000000ULL);
		a[3] = rnd() % 3 == 0;
		break;
	case TDX_EV_ATTR_ZAP:
		a[0] = rnd() % 0x100000;
		a[1] = rnd() % 10 ? a[0] + 1 + rnd() % 4096 : a[0];
		a[2] = rnd() % 2;
		a[3] = rnd() % 2;
		a[4] = rnd_lat();
		break;
	}
}

static struct tdx_event *gen_events(size_t n, const uint32_t *pids, int npids)
{
	struct tdx_event *evs = calloc(n, sizeof(*evs));

	for (size_t i = 0; i < n; i++) {
		gen_event(&evs[i], pids[rnd() % (uint64_t)npids],
			  1 + (uint32_t)(rnd() % (TDX_EV_MAX - 1)));
		evs[i].ts_ns = 1000000 + i * 1000;
	}
	return evs;
}

/* ------------------------------------------------------------ comparison */

static int first_diff(const void *a, const void *b, size_t sz)
{
	const uint64_t *x = a, *y = b;

	for (size_t i = 0; i < sz / 8; i++)
		if (x[i] != y[i])
			return (int)i;
	return -1;
}

/*
 * Every reference entry must be in the snapshot with an identical value, and
 * the snapshot has no other entry.
 */
#define CMP_ENTRIES(what, sarr, sn, rarr, rn, keyf) do {			\
	size_t __bad = 0, __miss = 0;						\
	for (size_t i = 0; i < (rn); i++) {					\
		size_t j;							\
		for (j = 0; j < (sn); j++)					\
			if (!memcmp(&(sarr)[j].keyf, &(rarr)[i].keyf,		\
				    sizeof((rarr)[i].keyf)))			\
				break;						\
		if (j == (sn)) {						\
			__miss++;						\
			continue;						\
		}								\
		int __d = first_diff(&(sarr)[j].v, &(rarr)[i].v,		\
				     sizeof((rarr)[i].v));			\
		if (__d >= 0) {							\
			if (!__bad)						\
				diag("%s entry %zu: word %d: got %llu want %llu", \
				     #what, i, __d,				\
				     (unsigned long long)((uint64_t *)&(sarr)[j].v)[__d], \
				     (unsigned long long)((uint64_t *)&(rarr)[i].v)[__d]); \
			__bad++;						\
		}								\
	}									\
	ok(!__bad && !__miss && (sn) == (rn),					\
	   "%s: %zu entries equal the reference (%zu differ, %zu missing, %zu extra)", \
	   label_ ## what(label), (size_t)(rn), __bad, __miss,			\
	   (sn) > (rn) ? (size_t)((sn) - (rn)) : (size_t)0);			\
} while (0)

static char lbuf[256];
#define LBL(name) \
	static const char *label_##name(const char *l) \
	{ snprintf(lbuf, sizeof(lbuf), "%s: " #name, l); return lbuf; }
LBL(leaf) LBL(vp) LBL(ept) LBL(gfn) LBL(map) LBL(frozen) LBL(mix)
LBL(flow) LBL(kick) LBL(bounce) LBL(life) LBL(tdvmcall)

static void cmp_counters(const char *label, const struct tdx_counters *got,
			 const struct tdx_counters *want, int check_streams)
{
	int d = -1;

	for (int k = 0; k < TDX_EV_MAX && d < 0; k++)
		if (got->events[k] != want->events[k])
			d = k;
	ok(d < 0, "%s: events by kind equal the reference", label);
	if (d >= 0)
		diag("kind %d: got %llu want %llu", d,
		     (unsigned long long)got->events[d], (unsigned long long)want->events[d]);
	is_u64(got->filtered, want->filtered, "%s: filtered", label);
	is_u64(got->bad_input, want->bad_input, "%s: bad_input", label);
	d = -1;
	for (int m = 0; m < TDX_MAP_ID_MAX && d < 0; m++)
		if (got->dropped[m] != want->dropped[m])
			d = m;
	ok(d < 0, "%s: dropped by map equal the reference", label);
	if (d >= 0)
		diag("map %d: got %llu want %llu", d,
		     (unsigned long long)got->dropped[d], (unsigned long long)want->dropped[d]);
	if (check_streams)
		ok(!got->lost && !got->streamed && !got->sampled_out,
		   "%s: nothing streamed or lost without a stream", label);
}

static void cmp_snapshot(const char *label, const struct tdx_snapshot *s,
			 const struct ref *r)
{
	cmp_counters(label, &s->counters, &r->c, 1);
	CMP_ENTRIES(leaf, s->leaf, s->n_leaf, r->leaf, r->n_leaf, key);
	CMP_ENTRIES(vp, s->vp, s->n_vp, r->vp, r->n_vp, pid);
	CMP_ENTRIES(ept, s->ept, s->n_ept, r->ept, r->n_ept, pid);
	CMP_ENTRIES(gfn, s->gfn, s->n_gfn, r->gfn, r->n_gfn, key);
	CMP_ENTRIES(map, s->map, s->n_map, r->map, r->n_map, pid);
	CMP_ENTRIES(frozen, s->frozen, s->n_frozen, r->frozen, r->n_frozen, key);
	CMP_ENTRIES(mix, s->mix, s->n_mix, r->mix, r->n_mix, pid);
	CMP_ENTRIES(flow, s->flow, s->n_flow, r->flow, r->n_flow, pid);
	CMP_ENTRIES(kick, s->kick, s->n_kick, r->kick, r->n_kick, key);
	CMP_ENTRIES(bounce, s->bounce, s->n_bounce, r->bounce, r->n_bounce, key);
	CMP_ENTRIES(life, s->life, s->n_life, r->life, r->n_life, pid);
	CMP_ENTRIES(tdvmcall, s->tdvmcall, s->n_tdvmcall, r->tdvmcall, r->n_tdvmcall, pid);
}

static struct tdx_session *open_feed(const struct tdx_filter *f, uint32_t max_tds)
{
	struct tdx_opts o = TDX_OPTS_INIT;
	struct tdx_session *s = NULL;
	int err;

	o.source = TDX_SRC_REPLAY;
	if (f)
		o.filter = *f;
	o.max_tds = max_tds;
	err = tdx_open(&s, &o);
	if (err)
		diag("tdx_open: %s", tdx_last_error());
	return s;
}

static void to_ref_filter(struct ref_filter *rf, const struct tdx_filter *f)
{
	memset(rf, 0, sizeof(*rf));
	memcpy(rf->pids, f->pids, sizeof(rf->pids));
	rf->npids = f->npids;
	rf->leaf_mask[0] = f->leaf_mask[0];
	rf->leaf_mask[1] = f->leaf_mask[1];
	rf->min_lat = f->min_lat_ns;
	rf->gfn_min = f->gfn_min_ns;
}

/* Feed evs to a fresh session and to the model; compare. */
static struct ref r, r_file;

static void run_case(const char *label, const struct tdx_event *evs, size_t n,
		     const struct tdx_filter *f, uint32_t max_tds)
{
	struct ref_filter rf;
	struct tdx_snapshot snap;
	struct tdx_session *s = open_feed(f, max_tds);
	int fed;

	if (!ok(s != NULL, "%s: session opens", label))
		return;
	if (f)
		to_ref_filter(&rf, f);
	ref_init(&r, f ? &rf : NULL, max_tds);
	for (size_t i = 0; i < n; i++)
		ref_apply(&r, &evs[i]);
	fed = tdx_feed(s, evs, n);
	is_u64(fed, n, "%s: tdx_feed accepted every event", label);
	if (ok(!tdx_snapshot(s, &snap), "%s: snapshot", label)) {
		cmp_snapshot(label, &snap, &r);
		tdx_snapshot_free(&snap);
	}
	tdx_close(s);
}

/* --------------------------------------------------------- the test cases */

static void test_random_feed(void)
{
	static const uint32_t pids[] = { 1001, 2002, 3003 };
	size_t n = 60000;
	struct tdx_event *evs = gen_events(n, pids, 3);

	run_case("feed, 3 TDs, 60000 random events", evs, n, NULL, 0);
	free(evs);
}

static void test_filters(void)
{
	static const uint32_t pids[] = { 11, 22, 33, 44 };
	size_t n = 20000;
	struct tdx_event *evs = gen_events(n, pids, 4);
	struct tdx_filter f;

	memset(&f, 0, sizeof(f));
	f.pids[0] = 22;
	f.pids[1] = 44;
	f.npids = 2;
	run_case("pid filter", evs, n, &f, 0);
	ok(r.c.filtered > 5000 && r.n_vp == 2, "pid filter: about half the events filtered");

	memset(&f, 0, sizeof(f));
	f.leaf_mask[0] = (1ULL << TDX_LEAF_MEM_PAGE_AUG) | (1ULL << TDX_LEAF_MEM_SEPT_ADD) |
			 (1ULL << TDX_LEAF_VP_ENTER);
	f.leaf_mask[1] = 1ULL << (TDX_LEAF_SYS_DISABLE - 64);
	run_case("leaf filter", evs, n, &f, 0);

	memset(&f, 0, sizeof(f));
	f.min_lat_ns = 20000;
	run_case("min latency filter", evs, n, &f, 0);
	ok(r.c.filtered > 1000, "min latency: the case filters events (%llu)",
	   (unsigned long long)r.c.filtered);

	{
		size_t all_gfns;

		run_case("no gfn threshold", evs, n, NULL, 0);
		all_gfns = r.n_gfn;
		memset(&f, 0, sizeof(f));
		f.gfn_min_ns = 20000;
		run_case("slowest-GPA threshold", evs, n, &f, 0);
		ok(r.n_gfn > 0 && r.n_gfn < all_gfns && r.c.filtered == 0,
		   "gfn threshold: fewer GFNs tracked (%zu of %zu), nothing filtered",
		   r.n_gfn, all_gfns);
		f.gfn_min_ns = TDX_GFN_TRACK_NONE;
		run_case("slowest-GPA table off", evs, n, &f, 0);
		ok(r.n_gfn == 0 && r.n_ept > 0, "gfn threshold ~0: no GFN tracked, EPT still counted");
	}
	free(evs);
}

static void test_dropped(void)
{
	static const uint32_t pids[] = { 5, 6, 7, 8, 9 };
	size_t n = 40000;
	struct tdx_event *evs = gen_events(n, pids, 5);

	/* per-TD maps hold 2 TDs: 3 of 5 TDs' events are dropped */
	run_case("max_tds=2 (maps full)", evs, n, NULL, 2);
	ok(r.c.dropped[TDX_MAP_VP] > 1000 && r.c.dropped[TDX_MAP_MIX] > 1000 &&
	   r.n_vp == 2 && r.n_mix == 2,
	   "max_tds=2: the case drops per-TD map updates (%llu VP events dropped)",
	   (unsigned long long)r.c.dropped[TDX_MAP_VP]);
	free(evs);
}

static struct tdx_event mk(uint32_t pid, uint32_t kind, uint64_t a0, uint64_t a1,
			   uint64_t a2)
{
	struct tdx_event e;

	memset(&e, 0, sizeof(e));
	e.pid = pid;
	e.kind = (uint16_t)kind;
	e.nargs = (uint16_t)tdx_event_nargs(kind);
	e.args[0] = a0;
	e.args[1] = a1;
	e.args[2] = a2;
	return e;
}

/* Hand-computed expectations for a known set/clear/redundant sequence. */
/*
 * Issue 19: pages mapped before tracing started are removed during it.  The
 * gauges count only mappings made while tracing: never negative (before the
 * fix: 4K -1, 2M -1).
 */
static void test_mix_pretrace(void)
{
	struct tdx_event ev[8];
	struct tdx_snapshot snap;
	struct tdx_session *s = open_feed(NULL, 0);
	int n = 0;

	if (!ok(s != NULL, "pretrace: session"))
		return;
	ev[n++] = mk(90, TDX_EV_PRIVATE_MAP, 5, 1, 0);		/* mapped before: removed */
	ev[n++] = mk(90, TDX_EV_PRIVATE_MAP, 6, 1, 0);		/* same */
	ev[n++] = mk(90, TDX_EV_PRIVATE_MAP, 7, 1, 1);		/* mapped while tracing */
	ev[n++] = mk(90, TDX_EV_PRIVATE_MAP, 1024, 2, 0);	/* a 2M mapping from before */
	is_u64(tdx_feed(s, ev, (size_t)n), n, "pretrace: fed");
	if (ok(!tdx_snapshot(s, &snap) && snap.n_mix == 1, "pretrace: one TD")) {
		const struct tdx_mix_stats *m = &snap.mix[0].v;

		is_u64(m->private_live[1], 1, "pretrace: 4K gauge counts the one mapping made while tracing");
		is_u64(m->private_live[2], 0, "pretrace: 2M gauge is not negative");
		is_u64(m->unmaps, 3, "pretrace: every removal is counted");
		is_u64(m->maps, 1, "pretrace: maps");
		tdx_snapshot_free(&snap);
	}
	tdx_close(s);
}

static void test_mixing(void)
{
	struct tdx_event ev[64];
	struct tdx_snapshot snap;
	struct tdx_session *s = open_feed(NULL, 0);
	const struct tdx_mix_stats *m;
	int n = 0;

	if (!ok(s != NULL, "mixing: session"))
		return;
	for (int g = 0; g < 10; g++)		/* 10 private 4K pages in 2M range 0 */
		ev[n++] = mk(77, TDX_EV_PRIVATE_MAP, (uint64_t)g, 1, 1);
	ev[n++] = mk(77, TDX_EV_HUGEPAGE_MIXED, 0, 2, 1);	/* range 0 mixed */
	ev[n++] = mk(77, TDX_EV_HUGEPAGE_MIXED, 0, 2, 1);	/* redundant */
	ev[n++] = mk(77, TDX_EV_PRIVATE_MAP, 5, 1, 0);		/* zap inside mixed */
	ev[n++] = mk(77, TDX_EV_PRIVATE_MAP, 600, 1, 1);	/* range 512, not mixed */
	ev[n++] = mk(77, TDX_EV_PRIVATE_MAP, 700, 2, 1);	/* a 2M mapping */
	ev[n++] = mk(77, TDX_EV_HUGEPAGE_MIXED, 512, 2, 1);	/* range 512 mixed: +1 */
	ev[n++] = mk(77, TDX_EV_HUGEPAGE_MIXED, 0, 2, 0);	/* range 0 unmixed: -9 */
	ev[n++] = mk(77, TDX_EV_HUGEPAGE_MIXED, 0, 3, 1);	/* 1G range 0 mixed */
	ev[n++] = mk(77, TDX_EV_HUGEPAGE_MIXED, 1024, 2, 0);	/* new range, redundant */
	ev[n++] = mk(77, TDX_EV_PRIVATE_MAP, 1500, 1, 0);	/* zap never seen mapped */
	ev[n++] = mk(77, TDX_EV_HUGEPAGE_MIXED, 0, 1, 1);	/* bad level */
	ev[n++] = mk(78, TDX_EV_HUGEPAGE_MIXED, 0, 2, 1);	/* other TD, same gfn */
	is_u64(tdx_feed(s, ev, (size_t)n), n, "mixing: fed");
	if (!ok(!tdx_snapshot(s, &snap) && snap.n_mix == 2, "mixing: 2 TDs in the snapshot"))
		goto out;
	m = &snap.mix[0].v;
	is_u64(snap.mix[0].pid, 77, "mixing: sorted by pid");
	is_u64(m->mixed_live[2], 1, "mixing: one 2M range mixed now");
	is_u64(m->mixed_live[3], 1, "mixing: one 1G range mixed now");
	is_u64(m->to_mixed[2], 2, "mixing: 2M transitions to mixed");
	is_u64(m->to_unmixed[2], 1, "mixing: 2M transitions to not mixed");
	is_u64(m->to_mixed[3], 1, "mixing: 1G transitions to mixed");
	is_u64(m->redundant, 2, "mixing: redundant events");
	is_u64(m->private_live[1], 10,
	       "mixing: 4K private mappings live (11 mapped, 1 zapped; gfn 1500 was never seen mapped)");
	is_u64(m->private_live[2], 1, "mixing: 2M private mappings live");
	is_u64(m->maps, 12, "mixing: maps");
	is_u64(m->unmaps, 2, "mixing: unmaps");
	is_u64(m->private_4k_in_mixed, 1, "mixing: 4K private pages inside mixed 2M ranges");
	is_u64(snap.mix[1].v.mixed_live[2], 1, "mixing: the other TD's range is its own");
	is_u64(snap.counters.bad_input, 1, "mixing: a bad level is counted as bad input");

	/* reset keeps gauges and range state, zeroes the counters */
	tdx_snapshot_free(&snap);
	ok(!tdx_reset(s), "mixing: reset");
	ev[0] = mk(77, TDX_EV_HUGEPAGE_MIXED, 0, 3, 0);		/* 1G unmixed */
	ev[1] = mk(77, TDX_EV_PRIVATE_MAP, 513, 1, 1);		/* inside mixed range 512 */
	is_u64(tdx_feed(s, ev, 2), 2, "mixing: fed after reset");
	if (ok(!tdx_snapshot(s, &snap) && snap.n_mix == 2, "mixing: snapshot after reset")) {
		m = &snap.mix[0].v;
		is_u64(m->mixed_live[2], 1, "mixing: 2M gauge kept across reset");
		is_u64(m->mixed_live[3], 0, "mixing: 1G gauge follows the range state");
		is_u64(m->to_unmixed[3], 1, "mixing: transition counted after reset");
		is_u64(m->to_mixed[2], 0, "mixing: counters zeroed by reset");
		is_u64(m->maps, 1, "mixing: maps zeroed by reset");
		is_u64(m->private_live[1], 11, "mixing: 4K gauge kept across reset");
		is_u64(m->private_4k_in_mixed, 2, "mixing: in-mixed gauge kept across reset");
		is_u64(snap.counters.bad_input, 0, "mixing: global counters zeroed by reset");
		is_u64(snap.counters.events[TDX_EV_PRIVATE_MAP], 1, "mixing: events after reset");
	}
out:
	tdx_snapshot_free(&snap);
	tdx_close(s);
}

static void test_bad_input(void)
{
	struct tdx_session *s = open_feed(NULL, 0);
	struct tdx_event ev[4];
	struct tdx_snapshot snap;

	if (!ok(s != NULL, "bad input: session"))
		return;
	ev[0] = mk(1, TDX_EV_SEAMCALL, 6, 0, 0);
	ev[1] = mk(1, 99, 0, 0, 0);			/* unknown kind */
	ev[2] = mk(1, TDX_EV_VP_ENTER, 0, 0, 0);
	ev[2].nargs = 3;				/* wrong nargs */
	ev[3] = mk(1, TDX_EV_NONE, 0, 0, 0);
	is_u64(tdx_feed(s, ev, 4), 4, "bad input: fed");
	if (ok(!tdx_snapshot(s, &snap), "bad input: snapshot")) {
		is_u64(snap.counters.bad_input, 3, "bad input: 3 records rejected and counted");
		is_u64(snap.counters.events[TDX_EV_SEAMCALL], 1, "bad input: the good one counted");
		is_u64(snap.n_vp, 0, "bad input: nothing aggregated from a bad record");
		tdx_snapshot_free(&snap);
	}
	tdx_close(s);
}

/* Snapshot diff: (A+B) - A == B for every field but gauges and min/max. */
static void test_diff(void)
{
	static const uint32_t pids[] = { 400, 500 };
	struct tdx_event *evs = gen_events(8000, pids, 2);
	struct tdx_snapshot s1, s2, d;
	struct tdx_session *s = open_feed(NULL, 0);
	size_t bad = 0;

	if (!ok(s != NULL, "diff: session"))
		goto out;
	/* the second half only has SEAMCALL and EPT events of TD 400 */
	for (size_t i = 4000; i < 8000; i++)
		gen_event(&evs[i], 400, i % 2 ? TDX_EV_SEAMCALL : TDX_EV_EPT_VIOLATION);
	ref_init(&r, NULL, 0);
	for (size_t i = 4000; i < 8000; i++)
		ref_apply(&r, &evs[i]);
	tdx_feed(s, evs, 4000);
	tdx_snapshot(s, &s1);
	tdx_feed(s, evs + 4000, 4000);
	tdx_snapshot(s, &s2);
	if (ok(!tdx_snapshot_diff(&d, &s2, &s1), "diff: computed")) {
		for (int k = 0; k < TDX_EV_MAX; k++)
			bad += d.counters.events[k] != r.c.events[k];
		ok(!bad, "diff: event counters are the second half's");
		is_u64(d.n_leaf, s2.n_leaf, "diff: one entry per current entry");
		bad = 0;
		for (size_t i = 0; i < d.n_leaf; i++) {
			size_t j;
			const struct tdx_leaf_stats *dv = &d.leaf[i].v, *rv = NULL;

			for (j = 0; j < r.n_leaf; j++)
				if (!memcmp(&r.leaf[j].key, &d.leaf[i].key, sizeof(d.leaf[i].key)))
					rv = &r.leaf[j].v;
			if (!rv) {
				bad += dv->count != 0 || tdx_hist_total(dv->hist) != 0;
				continue;
			}
			bad += dv->count != rv->count || dv->sum_ns != rv->sum_ns ||
			       memcmp(dv->hist, rv->hist, sizeof(dv->hist)) ||
			       memcmp(dv->status, rv->status, sizeof(dv->status));
		}
		ok(!bad, "diff: leaf counts, sums, statuses and histograms are the second half's");
		ok(d.n_ept == s2.n_ept && d.n_ept == 2 && d.ept[1].v.count[0] == 0 &&
		   d.ept[1].v.count[1] == 0, "diff: an idle TD diffs to zero");
		tdx_snapshot_free(&d);
	}
	tdx_snapshot_free(&s1);
	tdx_snapshot_free(&s2);
out:
	tdx_close(s);
	free(evs);
}

/* Two snapshots hold the same data, byte for byte (capacities aside). */
static int snap_same(const struct tdx_snapshot *a, const struct tdx_snapshot *b)
{
#define SAME(arr, cnt) (a->cnt == b->cnt && \
	(!a->cnt || !memcmp(a->arr, b->arr, a->cnt * sizeof(*a->arr))))
	return a->ts_ns == b->ts_ns && a->source_lost == b->source_lost &&
	       !memcmp(&a->counters, &b->counters, sizeof(a->counters)) &&
	       SAME(leaf, n_leaf) && SAME(vp, n_vp) && SAME(ept, n_ept) &&
	       SAME(gfn, n_gfn) && SAME(map, n_map) && SAME(frozen, n_frozen) &&
	       SAME(mix, n_mix) && SAME(td, n_td);
#undef SAME
}

/*
 * The reusing calls tdxtop makes every interval: tdx_snapshot_refresh() into
 * a filled snapshot equals a fresh tdx_snapshot(), and the in-place
 * tdx_snapshot_subtract() equals tdx_snapshot_diff(), both when the newer
 * snapshot has keys sorted between the older ones' (backward merge) and when
 * the older one has keys the newer lacks (after a reset).
 */
static void test_subtract(void)
{
	static const uint32_t pids1[] = { 400, 500 }, pids2[] = { 400, 450, 500, 600 };
	struct tdx_event *e1 = gen_events(3000, pids1, 2), *e2 = gen_events(3000, pids2, 4);
	struct tdx_snapshot a = { 0 }, b = { 0 }, inplace = { 0 }, fresh, d;
	struct tdx_session *s = open_feed(NULL, 0);
	size_t cap;

	if (!ok(s != NULL && e1 && e2, "subtract: session"))
		goto out;
	tdx_feed(s, e1, 3000);
	ok(!tdx_snapshot_refresh(s, &a) && !tdx_snapshot_refresh(s, &inplace),
	   "subtract: two snapshots of the first half");
	tdx_feed(s, e2, 3000);
	/* refresh into a snapshot that already holds the first half */
	ok(!tdx_snapshot_refresh(s, &b) && !tdx_snapshot_refresh(s, &b), "subtract: refresh twice");
	cap = b.cap_leaf;
	ok(!tdx_snapshot(s, &fresh) && snap_same(&b, &fresh),
	   "subtract: a refreshed snapshot equals a fresh one");
	is_u64(b.cap_leaf, cap, "subtract: refreshing again does not grow the arrays");
	ok(b.n_leaf > a.n_leaf && b.n_vp == 4 && a.n_vp == 2,
	   "subtract: the second half adds TDs between and after the first ones");
	if (ok(!tdx_snapshot_diff(&d, &b, &a), "subtract: diff") &&
	    ok(!tdx_snapshot_subtract(&inplace, &b), "subtract: in place"))
		ok(snap_same(&d, &inplace), "subtract: in place == diff (new keys interleaved)");
	tdx_snapshot_free(&d);
	tdx_snapshot_free(&fresh);

	/* a reset deletes keys: the older snapshot has keys the newer lacks */
	tdx_reset(s);
	tdx_feed(s, e1, 1000);			/* TDs 400 and 500 only, some leaves */
	ok(!tdx_snapshot_refresh(s, &a), "subtract: snapshot after reset");
	tdx_snapshot_free(&inplace);
	ok(!tdx_snapshot_refresh(s, &inplace) && !tdx_snapshot_refresh(s, &inplace) &&
	   snap_same(&a, &inplace), "subtract: a second copy after reset");
	tdx_snapshot_free(&inplace);
	{
		/* prev = the full second-half snapshot b, cur = a (fewer keys) */
		struct tdx_snapshot p = { 0 }, zero = { 0 };

		ok(!tdx_snapshot_diff(&d, &a, &b), "subtract: diff with vanished keys");
		/* p: a copy of b, through diff(b, nothing) */
		ok(!tdx_snapshot_diff(&p, &b, &zero), "subtract: copy of the older snapshot");
		p.ts_ns = b.ts_ns;
		ok(!tdx_snapshot_subtract(&p, &a), "subtract: in place, vanished keys");
		ok(snap_same(&d, &p), "subtract: in place == diff (vanished keys)");
		tdx_snapshot_free(&p);
		tdx_snapshot_free(&d);
	}
out:
	tdx_snapshot_free(&a);
	tdx_snapshot_free(&b);
	tdx_snapshot_free(&inplace);
	tdx_close(s);
	free(e1);
	free(e2);
}

struct stream_ctx {
	size_t got;
	int bad;
};

static int on_ev(void *ctx, const struct tdx_event *ev)
{
	struct stream_ctx *c = ctx;

	c->got++;
	if (ev->kind != TDX_EV_SEAMCALL || ev->pid != 9)
		c->bad++;
	return 0;
}

static void test_stream(void)
{
	struct tdx_opts o = TDX_OPTS_INIT;
	struct stream_ctx c = { 0, 0 };
	struct tdx_event *ev = calloc(1000, sizeof(*ev));
	struct tdx_snapshot snap;
	struct tdx_session *s = NULL;

	for (int i = 0; i < 1000; i++)
		gen_event(&ev[i], 9, TDX_EV_SEAMCALL);
	o.source = TDX_SRC_REPLAY;
	o.stream = true;
	o.stream_cb = on_ev;
	o.stream_ctx = &c;
	o.ringbuf_bytes = 4096;			/* 42 records of 96 bytes */
	if (!ok(!tdx_open(&s, &o), "stream: session with a one-page ring buffer"))
		goto out;
	is_u64(tdx_feed(s, ev, 1000), 1000, "stream: fed 1000 in one batch");
	if (ok(!tdx_snapshot(s, &snap), "stream: snapshot")) {
		const struct tdx_counters *k = &snap.counters;

		is_u64(k->streamed + k->lost, 1000, "stream: every event streamed or lost");
		ok(k->lost > 0, "stream: a full ring buffer counts lost (%llu)",
		   (unsigned long long)k->lost);
		is_u64(k->streamed, 4096 / 96, "stream: as many streamed as the ring holds");
		is_u64(c.got, k->streamed, "stream: callback got every streamed event");
		is_u64(k->events[TDX_EV_SEAMCALL], 1000, "stream: all aggregated anyway");
		tdx_snapshot_free(&snap);
	}
	ok(!c.bad, "stream: events arrive intact");
	tdx_close(s);

	memset(&c, 0, sizeof(c));
	o.ringbuf_bytes = 0;
	o.sample_every = 4;
	if (!ok(!tdx_open(&s, &o), "sampling: session"))
		goto out;
	tdx_feed(s, ev, 1000);
	if (ok(!tdx_snapshot(s, &snap), "sampling: snapshot")) {
		is_u64(snap.counters.streamed, 250, "sampling: 1 in 4 streamed");
		is_u64(snap.counters.sampled_out, 750, "sampling: 3 in 4 sampled out");
		is_u64(snap.counters.lost, 0, "sampling: nothing lost");
		is_u64(c.got, 250, "sampling: callback got 250");
		tdx_snapshot_free(&snap);
	}
	tdx_close(s);
out:
	free(ev);
}

/* A record file replayed through tdx_advance: same maps, lost and labels. */
static void test_replay_file(void)
{
	static const uint32_t pids[] = { 4242, 4343 };
	static struct tdx_source_info info;
	char path[] = "/tmp/test_bpf_agg.XXXXXX";
	size_t n = 30000;
	struct tdx_event *evs = gen_events(n, pids, 2);
	struct tdx_opts o = TDX_OPTS_INIT;
	struct tdx_session *s = NULL;
	struct tdx_snapshot snap;
	struct tdx_rec *rec;
	int fd = mkstemp(path), r, steps = 0;

	if (!ok(fd >= 0, "replay file: temp file"))
		goto out;
	close(fd);
	memset(&info, 0, sizeof(info));
	snprintf(info.format, sizeof(info.format), "tdxrec v1");
	info.n_td = 1;
	info.td[0].pid = 4242;
	snprintf(info.td[0].comm, sizeof(info.td[0].comm), "qemu-replayed");
	info.td[0].vcpus = 4;
	rec = tdx_rec_open(path, &info, NULL);
	if (!ok(rec != NULL, "replay file: write a record file")) {
		diag("%s", tdx_last_error());
		goto out;
	}
	tdx_rec_write(rec, evs, n / 2);
	tdx_rec_lost(rec, 7);
	tdx_rec_write(rec, evs + n / 2, n - n / 2);
	ok(!tdx_rec_close(rec), "replay file: closed");

	ref_init(&r_file, NULL, 0);
	for (size_t i = 0; i < n; i++)
		ref_apply(&r_file, &evs[i]);
	o.source = TDX_SRC_REPLAY;
	o.replay_path = path;
	if (!ok(!tdx_open(&s, &o), "replay file: session")) {
		diag("%s", tdx_last_error());
		goto out;
	}
	is_u64(tdx_mode(s), TDX_MODE_REPLAY, "replay file: mode");
	while ((r = tdx_advance(s, 1000000, 0)) == 0 && steps < 100000)	/* 1 ms windows */
		steps++;
	is_u64(r, 1, "replay file: advanced to the end");
	if (ok(!tdx_snapshot(s, &snap), "replay file: snapshot")) {
		cmp_snapshot("replay file", &snap, &r_file);
		is_u64(snap.source_lost, 7, "replay file: the file's lost count");
		ok(snap.n_td == 2 && snap.td[0].pid == 4242 &&
		   !strcmp(snap.td[0].comm, "qemu-replayed") && snap.td[0].vcpus == 4,
		   "replay file: TD labels from the file");
		tdx_snapshot_free(&snap);
	}
	tdx_close(s);
out:
	unlink(path);
	free(evs);
}

/* ----------------------------------------------------- raw_tp test_run path */

/*
 * The raw_tp programs read the tracepoint arguments from ctx; the TD is the
 * tgid of whoever runs them.  Each TD is a child process pinned to CPU 0, so
 * the per-CPU values are on CPU 0 only and compare directly.
 */
static int run_raw_tp(struct tdxtrace_bpf *k, const struct tdx_event *evs, size_t n,
		      uint32_t pid)
{
	int fds[TDX_EV_MAX] = { 0 };
	struct bpf_program *p;

	bpf_object__for_each_program(p, k->obj) {
		const char *sec = bpf_program__section_name(p);

		for (int e = 1; e < TDX_EV_MAX; e++)
			if (!strncmp(sec, "raw_tp/", 7) && !strcmp(sec + 7, tdx_event_name(e)))
				fds[e] = bpf_program__fd(p);
	}
	for (size_t i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o);

		if (evs[i].pid != pid)
			continue;
		__u64 ctx[TDX_EV_MAX_ARGS + 1];
		int td = tdx_event_td_arg(evs[i].kind) != NULL;

		/* the tracepoint's arguments: the TD's pid first where it has one */
		ctx[0] = evs[i].pid;
		memcpy(ctx + td, evs[i].args, evs[i].nargs * sizeof(__u64));
		o.ctx_in = ctx;
		o.ctx_size_in = (evs[i].nargs + td) * sizeof(__u64);
		if (bpf_prog_test_run_opts(fds[evs[i].kind], &o))
			return -errno;
	}
	return 0;
}

static int pin_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* CPU 0's copy of key in a per-CPU map equals want (vsz bytes). */
static int cpu0_equal(int fd, const void *key, const void *want, size_t vsz, int ncpu,
		      const char *what, enum tdx_map_id id)
{
	char *buf = calloc((size_t)ncpu, vsz);
	int d, r = 0;

	if (bpf_map_lookup_elem(fd, key, buf)) {
		diag("%s: key missing", what);
		free(buf);
		return 0;
	}
	/* one shared value (not per CPU), completed as a snapshot does */
	tdx_map_complete(id, buf);
	d = first_diff(buf, want, vsz);
	if (d >= 0)
		diag("%s: word %d: got %llu want %llu", what, d,
		     (unsigned long long)((uint64_t *)buf)[d],
		     (unsigned long long)((const uint64_t *)want)[d]);
	else
		r = 1;
	free(buf);
	return r;
}

static size_t map_count(int fd)
{
	char k[32], nk[32];
	void *prev = NULL;
	size_t n = 0;

	while (!bpf_map_get_next_key(fd, prev, nk)) {
		memcpy(k, nk, sizeof(k));
		prev = k;
		n++;
	}
	return n;
}

static void test_raw_tp(void)
{
	enum { NTD = 3 };
	struct tdxtrace_bpf *k;
	struct bpf_program *p;
	static const uint32_t idx[NTD] = { 0, 1, 2 };
	uint64_t seed = rng;
	uint32_t pids[NTD];
	int go[NTD][2], ncpu = libbpf_num_possible_cpus(), good = 0;
	size_t n = 6000;
	struct tdx_event *evs;

	k = tdxtrace_bpf__open();
	if (!ok(k != NULL, "raw_tp: open"))
		return;
	bpf_object__for_each_program(p, k->obj)
		bpf_program__set_autoload(p, !strncmp(bpf_program__section_name(p),
						      "raw_tp/", 7));
	if (!ok(!tdxtrace_bpf__load(k), "raw_tp: every raw_tp program passes the verifier"))
		goto out;

	/*
	 * Events are generated with TD indices 0..NTD-1 as pids from a saved
	 * generator state; each child (TD t) regenerates them and runs those of
	 * index t as itself, the parent maps indices to the children's pids.
	 */
	for (int t = 0; t < NTD; t++) {
		pid_t c;

		if (pipe(go[t]))
			goto out;
		c = fork();
		if (c == 0) {
			char b;

			close(go[t][1]);
			if (pin_cpu0() || read(go[t][0], &b, 1) != 1)
				_exit(3);
			rng = seed;
			evs = gen_events(n, idx, NTD);
			for (size_t i = 0; i < n; i++)
				evs[i].pid = evs[i].pid == (uint32_t)t ? (uint32_t)getpid() : 0;
			_exit(run_raw_tp(k, evs, n, (uint32_t)getpid()) ? 1 : 0);
		}
		close(go[t][0]);
		pids[t] = (uint32_t)c;
	}
	rng = seed;
	evs = gen_events(n, idx, NTD);
	for (size_t i = 0; i < n; i++)
		evs[i].pid = pids[evs[i].pid];
	ref_init(&r, NULL, 0);
	for (size_t i = 0; i < n; i++)
		ref_apply(&r, &evs[i]);
	for (int t = 0; t < NTD; t++) {
		int st = 0;

		if (write(go[t][1], "g", 1) != 1)
			diag("cannot start child");
		close(go[t][1]);
		waitpid((pid_t)pids[t], &st, 0);
		good += WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	is_u64(good, NTD, "raw_tp: %d TD processes ran their events by test_run", NTD);

	{
		int bad = 0;

		for (size_t i = 0; i < r.n_leaf; i++)
			bad += !cpu0_equal(bpf_map__fd(k->maps.tdx_leaf), &r.leaf[i].key,
					   &r.leaf[i].v, sizeof(r.leaf[i].v), ncpu, "leaf",
					   TDX_MAP_LEAF);
		for (size_t i = 0; i < r.n_vp; i++)
			bad += !cpu0_equal(bpf_map__fd(k->maps.tdx_vp), &r.vp[i].pid,
					   &r.vp[i].v, sizeof(r.vp[i].v), ncpu, "vp",
					   TDX_MAP_VP);
		for (size_t i = 0; i < r.n_ept; i++)
			bad += !cpu0_equal(bpf_map__fd(k->maps.tdx_ept), &r.ept[i].pid,
					   &r.ept[i].v, sizeof(r.ept[i].v), ncpu, "ept",
					   TDX_MAP_EPT);
		for (size_t i = 0; i < r.n_gfn; i++)
			bad += !cpu0_equal(bpf_map__fd(k->maps.tdx_ept_gfn), &r.gfn[i].key,
					   &r.gfn[i].v, sizeof(r.gfn[i].v), ncpu, "gfn",
					   TDX_MAP_EPT_GFN);
		for (size_t i = 0; i < r.n_map; i++)
			bad += !cpu0_equal(bpf_map__fd(k->maps.tdx_mapgpa), &r.map[i].pid,
					   &r.map[i].v, sizeof(r.map[i].v), ncpu, "mapgpa",
					   TDX_MAP_MAPGPA);
		for (size_t i = 0; i < r.n_frozen; i++)
			bad += !cpu0_equal(bpf_map__fd(k->maps.tdx_frozen), &r.frozen[i].key,
					   &r.frozen[i].v, sizeof(r.frozen[i].v), ncpu, "frozen",
					   TDX_MAP_FROZEN);
		for (size_t i = 0; i < r.n_mix; i++)
			bad += !cpu0_equal(bpf_map__fd(k->maps.tdx_mix), &r.mix[i].pid,
					   &r.mix[i].v, sizeof(r.mix[i].v), ncpu, "mix",
					   TDX_MAP_MIX);
#define RAW_CMP(arr, keyf, mapf, id)						\
		for (size_t i = 0; i < r.n_##arr; i++)				\
			bad += !cpu0_equal(bpf_map__fd(k->maps.mapf), &r.arr[i].keyf,	\
					   &r.arr[i].v, sizeof(r.arr[i].v), ncpu, #arr, id)
		RAW_CMP(flow, pid, tdx_flow, TDX_MAP_FLOW);
		RAW_CMP(kick, key, tdx_kick, TDX_MAP_KICK);
		RAW_CMP(bounce, key, tdx_bounce, TDX_MAP_BOUNCE);
		RAW_CMP(life, pid, tdx_life, TDX_MAP_LIFE);
		RAW_CMP(tdvmcall, pid, tdx_tdvmcall, TDX_MAP_TDVMCALL);
#undef RAW_CMP
		ok(!bad, "raw_tp: every entry equals the reference on CPU 0 (%d differ)", bad);
		ok(map_count(bpf_map__fd(k->maps.tdx_leaf)) == r.n_leaf &&
		   map_count(bpf_map__fd(k->maps.tdx_vp)) == r.n_vp &&
		   map_count(bpf_map__fd(k->maps.tdx_ept)) == r.n_ept &&
		   map_count(bpf_map__fd(k->maps.tdx_ept_gfn)) == r.n_gfn &&
		   map_count(bpf_map__fd(k->maps.tdx_mapgpa)) == r.n_map &&
		   map_count(bpf_map__fd(k->maps.tdx_frozen)) == r.n_frozen &&
		   map_count(bpf_map__fd(k->maps.tdx_mix)) == r.n_mix &&
		   map_count(bpf_map__fd(k->maps.tdx_flow)) == r.n_flow &&
		   map_count(bpf_map__fd(k->maps.tdx_kick)) == r.n_kick &&
		   map_count(bpf_map__fd(k->maps.tdx_bounce)) == r.n_bounce &&
		   map_count(bpf_map__fd(k->maps.tdx_life)) == r.n_life &&
		   map_count(bpf_map__fd(k->maps.tdx_tdvmcall)) == r.n_tdvmcall,
		   "raw_tp: no entry beyond the reference's");
		is_u64(r.n_vp, NTD, "raw_tp: one VP entry per TD process");
		{
			struct tdx_counters *c = calloc((size_t)ncpu, sizeof(*c));
			__u32 zero = 0;

			if (!bpf_map_lookup_elem(bpf_map__fd(k->maps.tdx_counters), &zero, c))
				ok(!memcmp(c[0].events, r.c.events, sizeof(r.c.events)) &&
				   c[0].bad_input == r.c.bad_input,
				   "raw_tp: event counters equal the reference");
			else
				ok(0, "raw_tp: read counters");
			free(c);
		}
	}
	free(evs);
out:
	tdxtrace_bpf__destroy(k);
}

int main(void)
{
	/* the BPF programs themselves; user space: test_uagg */
	setenv("TDXTRACE_ENGINE", "bpf", 1);
	if (geteuid() != 0) {
		skip("needs root (CAP_BPF, CAP_PERFMON) to load BPF programs");
		return tap_done();
	}
	tdx_set_verbose(getenv("TDX_VERBOSE") ? 2 : 0);
	test_random_feed();
	test_filters();
	test_dropped();
	test_mixing();
	test_mix_pretrace();
	test_bad_input();
	test_diff();
	test_subtract();
	test_stream();
	test_replay_file();
	test_raw_tp();
	return tap_done();
}
