// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_sim.c - tdxsim: determinism, ABI conformity, causality, and
 * statistics that match the calibration (expected values computed here from
 * the calibration parameters, not copied from a run).
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "tdxtrace.h"
#include "source_test.h"

#define A(ev, i) ((ev)->args[i])

struct evs {
	struct tdx_event *v;
	size_t n, cap;
	struct tdx_source_info info;
};

static int load(const char *spec, struct evs *e)
{
	struct tdx_source *s;
	struct tdx_event ev;
	int r;

	memset(e, 0, sizeof(*e));
	r = tdx_source_open_sim(&s, spec);
	if (r) {
		diag("open %s: %s", spec, tdx_last_error());
		return r;
	}
	e->info = *tdx_source_info(s);
	while ((r = tdx_source_next(s, &ev)) == 1) {
		if (e->n == e->cap) {
			e->cap = e->cap ? e->cap * 2 : 65536;
			e->v = realloc(e->v, e->cap * sizeof(ev));
			if (!e->v)
				abort();
		}
		e->v[e->n++] = ev;
	}
	if (r < 0)
		diag("next %s: %s", spec, tdx_last_error());
	tdx_source_close(s);
	return r;
}

static __u64 fnv(const struct evs *e)
{
	__u64 h = 1469598103934665603ULL;
	const unsigned char *p = (const void *)e->v;

	for (size_t i = 0; i < e->n * sizeof(*e->v); i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

static bool is_leaf(const struct tdx_event *ev, __u32 leaf)
{
	return ev->kind == TDX_EV_SEAMCALL && (A(ev, 0) & TDX_LEAF_NR_MASK) == leaf;
}

/* ------------------------------------------------------------ ABI checks */

static void check_abi(const char *name, const struct evs *e)
{
	size_t bad_kind = 0, bad_nargs = 0, bad_flags = 0, back = 0, bad_pid = 0;

	for (size_t i = 0; i < e->n; i++) {
		const struct tdx_event *ev = &e->v[i];
		bool pid_ok = false;

		if (ev->kind == TDX_EV_NONE || ev->kind >= TDX_EV_MAX)
			bad_kind++;
		else if (ev->nargs != tdx_event_nargs(ev->kind))
			bad_nargs++;
		if (ev->flags != TDX_EVF_SIM)
			bad_flags++;
		if (i && ev->ts_ns < e->v[i - 1].ts_ns)
			back++;
		if (ev->pid == 0) {
			const char *ln = ev->kind == TDX_EV_SEAMCALL ?
					 tdx_leaf_name(A(ev, 0) & TDX_LEAF_NR_MASK) : NULL;

			pid_ok = ln && !strncmp(ln, "TDH.SYS.", 8) && A(ev, TDX_SEAMCALL_ARG_TDR) == 0;
		}
		for (size_t t = 0; t < e->info.n_td && !pid_ok; t++) {
			const struct tdx_td_info *td = &e->info.td[t];

			if (td->pid == ev->pid &&
			    (ev->tid == td->pid || (ev->tid >= td->pid + 10 &&
						    ev->tid < td->pid + 10 + td->vcpus)))
				pid_ok = true;
		}
		if (!pid_ok)
			bad_pid++;
	}
	ok(!bad_kind && !bad_nargs && !bad_flags,
	   "%s: %zu events, all known kinds with the documented nargs and TDX_EVF_SIM (%zu/%zu/%zu bad)",
	   name, e->n, bad_kind, bad_nargs, bad_flags);
	ok(!back, "%s: timestamps never go backwards (%zu times)", name, back);
	ok(!bad_pid, "%s: every event's pid is a TD of the source info (or 0 for TDH.SYS.*) and its tid a thread of it (%zu bad)",
	   name, bad_pid);
}

/* ------------------------------------------------------- causality checks */

struct tid_state {
	__u32 tid;
	const struct tdx_event *last_vp;	/* last VP.ENTER exit */
	const struct tdx_event *augs[64];	/* AUG successes since it */
	int naug;
	const struct tdx_event *last_aug, *last_add, *last_remove, *last_ext;
	const struct tdx_event *req;		/* open MapGPA request */
	__u64 req_next_gpa, req_chunks, req_bytes;
	int last_chunk_retry;
};

static struct tid_state *tid_get(struct tid_state *t, size_t *n, __u32 tid)
{
	for (size_t i = 0; i < *n; i++)
		if (t[i].tid == tid)
			return &t[i];
	memset(&t[*n], 0, sizeof(t[*n]));
	t[*n].tid = tid;
	return &t[(*n)++];
}

static int cmp_end(const void *a, const void *b)
{
	const struct tdx_event *x = *(const struct tdx_event *const *)a;
	const struct tdx_event *y = *(const struct tdx_event *const *)b;

	return x->ts_ns < y->ts_ns ? -1 : x->ts_ns > y->ts_ns;
}

static __u64 level_span(__u64 level)
{
	return level == TDX_PG_LEVEL_1G ? 512 * 512 : level == TDX_PG_LEVEL_2M ? 512 : 1;
}

static void check_causality(const char *name, const struct evs *e, __u64 chunk_max)
{
	size_t ntid = 0, nfrozen = 0;
	struct tid_state *ts = calloc(20000, sizeof(*ts));
	const struct tdx_event **frozen = calloc(e->n + 1, sizeof(*frozen));
	size_t ept_bad = 0, aug_bad = 0, map_bad = 0, zap_bad = 0, gpa_bad = 0, win_bad = 0;
	size_t retry_bad = 0, ept_n = 0, fixed_n = 0, zap_n = 0, retry_n = 0, chunk_n = 0;
	size_t mixed_bad = 0, mixed_n = 0;

	for (size_t i = 0; i < e->n; i++) {
		const struct tdx_event *ev = &e->v[i];
		struct tid_state *t = tid_get(ts, &ntid, ev->tid);

		switch (ev->kind) {
		case TDX_EV_VP_ENTER:
			t->last_vp = ev;
			t->naug = 0;
			break;
		case TDX_EV_SEAMCALL: {
			__u32 leaf = A(ev, 0) & TDX_LEAF_NR_MASK;
			bool success = A(ev, 1) == 0;

			if (leaf == TDX_LEAF_MEM_PAGE_AUG && success) {
				if (t->naug < 64)
					t->augs[t->naug++] = ev;
				t->last_aug = ev;
			}
			if (leaf == TDX_LEAF_MEM_PAGE_ADD)
				t->last_add = ev;
			if (leaf == TDX_LEAF_MEM_PAGE_REMOVE)
				t->last_remove = ev;
			if ((leaf == TDX_LEAF_MEM_PAGE_AUG || leaf == TDX_LEAF_MEM_SEPT_ADD) &&
			    ev->tid != ev->pid)
				t->last_ext = ev;
			break;
		}
		case TDX_EV_SPTE_FROZEN: {
			const struct tdx_event *x = t->last_ext;
			__u64 end = ev->ts_ns, start = end - A(ev, 3);

			frozen[nfrozen++] = ev;
			if (!x || x->ts_ns > end || x->ts_ns - A(x, 6) < start ||
			    ((A(x, 1) != 0) != ((__s64)A(ev, 4) == -EBUSY)) ||
			    A(x, 3) >> 12 != A(ev, 0))
				win_bad++;
			t->last_ext = NULL;
			break;
		}
		case TDX_EV_EPT_VIOLATION: {
			__u64 start = ev->ts_ns - A(ev, 7);

			ept_n++;
			if (!t->last_vp || A(t->last_vp, 2) != 48 || t->last_vp->ts_ns > start)
				ept_bad++;
			if (A(ev, 3) && A(ev, 6) == 5) {
				bool found = false;

				fixed_n++;
				for (int k = 0; k < t->naug; k++) {
					const struct tdx_event *a = t->augs[k];

					if (A(a, 3) == A(ev, 1) && a->ts_ns <= ev->ts_ns &&
					    a->ts_ns - A(a, 6) >= start)
						found = true;
				}
				if (!found)
					aug_bad++;
			}
			if (A(ev, 3) != !(A(ev, 1) & TDX_SIM_SHARED_BIT))
				gpa_bad++;
			break;
		}
		case TDX_EV_PRIVATE_MAP:
			if (A(ev, 2)) {
				const struct tdx_event *src = ev->tid == ev->pid ? t->last_add : t->last_aug;

				if (!src || A(src, 3) >> 12 != A(ev, 0))
					map_bad++;
			} else {
				zap_n++;
				if (!t->last_remove || A(t->last_remove, 3) >> 12 != A(ev, 0) ||
				    !t->req || !A(t->req, 3) ||
				    A(ev, 0) < A(t->req, 1) >> 12 ||
				    A(ev, 0) >= (A(t->req, 1) + A(t->req, 2)) >> 12)
					zap_bad++;
			}
			break;
		case TDX_EV_MAP_GPA:
			if (t->req)
				gpa_bad++;
			t->req = ev;
			t->req_next_gpa = A(ev, 1);
			t->req_chunks = t->req_bytes = 0;
			t->last_chunk_retry = 0;
			break;
		case TDX_EV_MAP_GPA_CHUNK:
			chunk_n++;
			if (!t->req || A(ev, 1) != t->req_next_gpa || A(ev, 2) > chunk_max ||
			    !A(ev, 2) || A(ev, 3) != A(t->req, 3))
				gpa_bad++;
			t->req_next_gpa += A(ev, 2);
			t->req_chunks++;
			t->req_bytes += A(ev, 2);
			t->last_chunk_retry = (int)A(ev, 5);
			break;
		case TDX_EV_MAP_GPA_DONE:
			if (!t->req || A(ev, 1) != A(t->req, 1) || A(ev, 2) != t->req_bytes ||
			    A(ev, 5) != t->req_chunks || A(ev, 6) != ev->ts_ns - t->req->ts_ns ||
			    (A(ev, 4) == TDVMCALL_STATUS_RETRY) != (t->last_chunk_retry == 1) ||
			    (A(ev, 4) == 0 && A(ev, 2) != A(t->req, 2)))
				gpa_bad++;
			t->req = NULL;
			break;
		default:
			break;
		}
	}
	/* frozen_retry: another vCPU's window over that gfn was open then */
	qsort(frozen, nfrozen, sizeof(*frozen), cmp_end);
	for (size_t i = 0; i < e->n; i++) {
		const struct tdx_event *ev = &e->v[i];
		size_t lo = 0, hi = nfrozen;
		bool found = false;

		if (ev->kind != TDX_EV_FROZEN_RETRY)
			continue;
		retry_n++;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (frozen[mid]->ts_ns <= ev->ts_ns)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t k = lo; k < nfrozen && k < lo + 2000 && !found; k++) {
			const struct tdx_event *f = frozen[k];

			if (f->pid == ev->pid && f->tid != ev->tid &&
			    f->ts_ns - A(f, 3) <= ev->ts_ns && A(f, 1) == A(ev, 2) &&
			    A(ev, 1) == A(f, 0) && A(ev, 1) % level_span(A(f, 1)) == 0)
				found = true;
		}
		if (!found)
			retry_bad++;
	}
	/* hugepage_mixed: each event flips its range's state */
	{
		struct { __u32 pid; __u32 level; __u64 gfn; __u64 mixed; } *st =
			calloc(e->n + 1, sizeof(*st));
		size_t ns = 0;

		for (size_t i = 0; i < e->n; i++) {
			const struct tdx_event *ev = &e->v[i];
			size_t k;

			if (ev->kind != TDX_EV_HUGEPAGE_MIXED)
				continue;
			mixed_n++;
			if (A(ev, 0) % level_span(A(ev, 1)) || (A(ev, 1) != 2 && A(ev, 1) != 3))
				mixed_bad++;
			for (k = 0; k < ns; k++)
				if (st[k].pid == ev->pid && st[k].level == A(ev, 1) &&
				    st[k].gfn == A(ev, 0))
					break;
			if (k < ns && st[k].mixed == A(ev, 2))
				mixed_bad++;
			if (k == ns && ns < 200000) {
				st[ns].pid = ev->pid;
				st[ns].level = (__u32)A(ev, 1);
				st[ns].gfn = A(ev, 0);
				ns++;
			}
			if (k < ns)
				st[k].mixed = A(ev, 2);
		}
		free(st);
	}
	ok(!ept_bad, "%s: each of %zu EPT violations follows its vCPU's exit with reason 48 (%zu bad)",
	   name, ept_n, ept_bad);
	ok(!aug_bad, "%s: each of %zu fixed private EPT violations contains a successful PAGE.AUG of its GPA (%zu bad)",
	   name, fixed_n, aug_bad);
	ok(!map_bad, "%s: every private_map mapped=1 follows the PAGE.AUG/PAGE.ADD of that gfn (%zu bad)",
	   name, map_bad);
	ok(!zap_bad, "%s: each of %zu zaps follows PAGE.REMOVE of the gfn inside a to-shared MapGPA of a range holding it (%zu bad)",
	   name, zap_n, zap_bad);
	ok(!gpa_bad, "%s: %zu MapGPA chunks are contiguous, <= %llu bytes, and add up to their done event; private flag matches the shared bit (%zu bad)",
	   name, chunk_n, (unsigned long long)chunk_max, gpa_bad);
	ok(!win_bad, "%s: every SEPT.ADD/PAGE.AUG lies inside the FROZEN_SPTE window that follows it, -EBUSY iff OPERAND_BUSY (%zu bad)",
	   name, win_bad);
	ok(!retry_bad, "%s: each of %zu frozen_retry events falls in another vCPU's frozen window on that SPTE (%zu bad)",
	   name, retry_n, retry_bad);
	ok(!mixed_bad, "%s: each of %zu hugepage_mixed events is aligned and changes its range's state (%zu bad)",
	   name, mixed_n, mixed_bad);
	free(ts);
	free(frozen);
}

/*
 * boot starts with all memory private, so the test can keep its own
 * attribute model and predict every hugepage_mixed event from the MapGPA
 * chunks (the attribute change happens inside each chunk).
 */
static void check_mixed_model(const struct evs *e)
{
	const __u64 pages = 2048ULL * 256;	/* td_mem_mib of the spec below */
	struct model { __u32 pid; __u8 *sh; __u32 *c2m; __u32 *c1g; } m[4] = { { 0 } };
	struct pend { __u64 gfn, level, mixed; } *pend = calloc(e->n + 1, sizeof(*pend));
	size_t npend[4] = { 0 }, bad = 0, checked = 0;
	struct pend *pq[4];

	for (int i = 0; i < 4; i++) {
		m[i].sh = calloc(pages, 1);
		m[i].c2m = calloc(pages / 512, sizeof(__u32));
		m[i].c1g = calloc(pages / 512 / 512 + 1, sizeof(__u32));
		pq[i] = calloc(100000, sizeof(struct pend));
	}
	for (size_t i = 0; i < e->n; i++) {
		const struct tdx_event *ev = &e->v[i];
		int t;

		for (t = 0; t < 4 && m[t].pid && m[t].pid != ev->pid; t++)
			;
		if (t == 4)
			continue;
		m[t].pid = ev->pid;
		if (ev->kind == TDX_EV_HUGEPAGE_MIXED && npend[t] < 100000) {
			pq[t][npend[t]++] = (struct pend){ A(ev, 0), A(ev, 1), A(ev, 2) };
		} else if (ev->kind == TDX_EV_MAP_GPA_CHUNK) {
			__u64 g0 = A(ev, 1) >> 12, n = A(ev, 2) >> 12;
			bool sh = A(ev, 3);
			struct pend want[64];
			size_t nw = 0;
			__u64 r0 = g0 / 512, r1 = (g0 + n - 1) / 512;
			__u64 q0 = g0 / (512 * 512), q1 = (g0 + n - 1) / (512 * 512);
			__u32 old2[64], old1[4];

			for (__u64 r = r0; r <= r1 && r - r0 < 64; r++)
				old2[r - r0] = m[t].c2m[r];
			for (__u64 q = q0; q <= q1 && q - q0 < 4; q++)
				old1[q - q0] = m[t].c1g[q];
			for (__u64 g = g0; g < g0 + n && g < pages; g++) {
				if (m[t].sh[g] == sh)
					continue;
				m[t].sh[g] = sh;
				m[t].c2m[g / 512] += sh ? 1 : -1;
				m[t].c1g[g / 512 / 512] += sh ? 1 : -1;
			}
			for (__u64 r = r0; r <= r1 && r - r0 < 64; r++) {
				bool was = old2[r - r0] && old2[r - r0] < 512;
				bool now = m[t].c2m[r] && m[t].c2m[r] < 512;

				if (was != now && nw < 64)
					want[nw++] = (struct pend){ r * 512, 2, now };
			}
			for (__u64 q = q0; q <= q1 && q - q0 < 4; q++) {
				bool was = old1[q - q0] && old1[q - q0] < 512 * 512;
				bool now = m[t].c1g[q] && m[t].c1g[q] < 512 * 512;

				if (was != now && nw < 64)
					want[nw++] = (struct pend){ q * 512 * 512, 3, now };
			}
			/* compare as sets */
			checked++;
			if (nw != npend[t]) {
				bad++;
			} else {
				for (size_t a = 0; a < nw; a++) {
					bool f = false;

					for (size_t b = 0; b < npend[t]; b++)
						if (!memcmp(&want[a], &pq[t][b], sizeof(want[a])))
							f = true;
					if (!f) {
						bad++;
						break;
					}
				}
			}
			npend[t] = 0;
		}
	}
	ok(checked > 100 && !bad,
	   "boot: hugepage_mixed events equal the test's own attribute model after each of %zu MapGPA chunks (%zu differ)",
	   checked, bad);
	for (int i = 0; i < 4; i++) {
		free(m[i].sh);
		free(m[i].c2m);
		free(m[i].c1g);
		free(pq[i]);
	}
	free(pend);
}

/* ---------------------------------------------------------- statistics */

static double norm_cdf(double z) { return 0.5 * erfc(-z / sqrt(2.0)); }

/* The calibration's latency mixture: CDF and quantile (bisection). */
static double mix_cdf(const struct tdx_sim_leaf_calib *c, double scale, double x)
{
	double xs = x / scale, body, tail = 0;

	body = xs > 0 ? norm_cdf((log(xs) - log(c->median_ns)) / c->sigma) : 0;
	if (c->tail_p > 0 && xs >= c->tail_xm_ns)
		tail = 1 - pow(c->tail_xm_ns / xs, c->tail_alpha);
	return (1 - c->tail_p) * body + c->tail_p * tail;
}

static double mix_quantile(const struct tdx_sim_leaf_calib *c, double scale, double q)
{
	double lo = 1, hi = 1e13;

	for (int i = 0; i < 200; i++) {
		double mid = sqrt(lo * hi);

		if (mix_cdf(c, scale, mid) < q)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* Durations of successful calls of a leaf, sorted. */
static __u64 *leaf_durations(const struct evs *e, __u32 leaf, size_t *n, size_t *busy,
			     size_t *total)
{
	__u64 *d = malloc((e->n + 1) * sizeof(*d));
	size_t k = 0, b = 0, t = 0;

	for (size_t i = 0; i < e->n; i++) {
		const struct tdx_event *ev = &e->v[i];

		if (!is_leaf(ev, leaf))
			continue;
		t++;
		if (tdx_status_class(A(ev, 1)) == TDX_SC_BUSY)
			b++;
		if (A(ev, 1) == 0)
			d[k++] = A(ev, 6);
	}
	qsort(d, k, sizeof(*d), cmp_u64);
	*n = k;
	if (busy)
		*busy = b;
	if (total)
		*total = t;
	return d;
}

static double emp_q(const __u64 *d, size_t n, double q)
{
	size_t i = (size_t)(q * (double)n);

	return n ? (double)d[i < n ? i : n - 1] : 0;
}

/* |observed - expected| within k binomial sigmas */
static int binom_ok(size_t hits, size_t n, double p, double k)
{
	double sd = sqrt((double)n * p * (1 - p));

	return fabs((double)hits - (double)n * p) <= k * sd + 1;
}

/*
 * Empirical quantiles against the calibration's mixture: the observed q
 * quantile of n samples must lie between the model's quantiles at
 * q -/+ 4 binomial standard deviations (sqrt(q(1-q)/n)).
 */
static void check_quantiles(const char *name, const struct evs *e, __u32 leaf, double scale)
{
	struct tdx_sim_leaf_calib c;
	static const double qs[] = { 0.5, 0.9, 0.99, 0.999 };
	size_t n;
	__u64 *d = leaf_durations(e, leaf, &n, NULL, NULL);

	if (tdx_sim_calib_leaf(NULL, leaf, &c)) {
		ok(0, "calibration has %s", tdx_leaf_name(leaf));
		free(d);
		return;
	}
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		double sd = sqrt(qs[i] * (1 - qs[i]) / (double)(n ? n : 1));
		double want = mix_quantile(&c, scale, qs[i]), got = emp_q(d, n, qs[i]);
		double lo = mix_quantile(&c, scale, qs[i] - 4 * sd);
		double hi = mix_quantile(&c, scale, qs[i] + 4 * sd < 1 ? qs[i] + 4 * sd : 1 - 1e-12);

		ok(n > 10000 && got >= lo && got <= hi,
		   "%s: %s p%g over %zu calls = %.0f ns; calibration mixture %.0f, 4-sigma band [%.0f, %.0f]",
		   name, tdx_leaf_name(leaf), qs[i] * 100, n, got, want, lo, hi);
	}
	free(d);
}

static void check_rates(const struct evs *e)
{
	double w[4], sum = 0, rate, priv_p, trans_med, trans_sig, busy_p;
	size_t reasons[4] = { 0 }, nvp = 0, ept = 0, priv = 0, n, busy, total;
	double vp_sum = 0;
	struct tdx_sim_leaf_calib aug;
	__u64 *d;

	tdx_sim_calib_global(NULL, "w_exit_ept", &w[0]);
	tdx_sim_calib_global(NULL, "w_exit_tdcall", &w[1]);
	tdx_sim_calib_global(NULL, "w_exit_extint", &w[2]);
	tdx_sim_calib_global(NULL, "w_exit_other", &w[3]);
	tdx_sim_calib_global(NULL, "exit_rate_hz", &rate);
	tdx_sim_calib_global(NULL, "ept_private_p", &priv_p);
	tdx_sim_calib_global(NULL, "vp_transition_median_ns", &trans_med);
	tdx_sim_calib_global(NULL, "vp_transition_sigma", &trans_sig);
	for (int i = 0; i < 4; i++)
		sum += w[i];
	for (size_t i = 0; i < e->n; i++) {
		const struct tdx_event *ev = &e->v[i];

		if (ev->kind == TDX_EV_VP_ENTER) {
			__u64 r = A(ev, 2);

			nvp++;
			vp_sum += (double)A(ev, 3);
			reasons[r == 48 ? 0 : r == 77 ? 1 : r == 1 ? 2 : 3]++;
		} else if (ev->kind == TDX_EV_EPT_VIOLATION) {
			ept++;
			priv += A(ev, 3) != 0;
		}
	}
	for (int i = 0; i < 4; i++)
		ok(binom_ok(reasons[i], nvp, w[i] / sum, 5),
		   "steady: exit reason class %d: %zu of %zu exits, calibration weight %.3f (5 sigma)",
		   i, reasons[i], nvp, w[i] / sum);
	ok(binom_ok(priv, ept, priv_p, 5), "steady: %zu of %zu EPT violations private, ept_private_p %.2f (5 sigma)",
	   priv, ept, priv_p);
	{
		double want = 1e9 / rate + trans_med * exp(trans_sig * trans_sig / 2);
		double got = vp_sum / (double)nvp;

		ok(fabs(got - want) <= 0.01 * want,
		   "steady: mean time in TD %.0f ns, calibration 1/exit_rate + transition mean = %.0f (1%%)",
		   got, want);
	}
	tdx_sim_calib_leaf(NULL, TDX_LEAF_MEM_PAGE_AUG, &aug);
	busy_p = aug.busy_p;
	d = leaf_durations(e, TDX_LEAF_MEM_PAGE_AUG, &n, &busy, &total);
	ok(binom_ok(busy, total, busy_p, 5),
	   "steady (no zero-step): %zu of %zu PAGE.AUG OPERAND_BUSY, busy_p %.4f (5 sigma)",
	   busy, total, busy_p);
	free(d);
}

/* A calibration with RND_NO_ENTROPY frequent on one leaf, written by the test. */
static void check_no_entropy(void)
{
	const double p = 0.3;
	const char *text = tdx_sim_calib_text();
	const char *sec = strstr(text, "[leaf TDH.MNG.KEY.CONFIG]");
	char path[] = "/tmp/tdxsim-calib-XXXXXX", spec[256];
	size_t hist[12] = { 0 }, n = 0, fails = 0;
	double mean = 0, want_mean = 0;
	struct evs e;
	FILE *f;
	int fd;

	if (!sec) {
		ok(0, "embedded calibration has [leaf TDH.MNG.KEY.CONFIG]");
		return;
	}
	fd = mkstemp(path);
	f = fdopen(fd, "w");
	/* copy, replacing that section's no_entropy_p and rate_hz */
	{
		const char *next = strstr(sec + 1, "\n[");
		size_t pre = (size_t)(sec - text);

		fwrite(text, 1, pre, f);
		fprintf(f, "[leaf TDH.MNG.KEY.CONFIG]\nmedian_ns = 30000\nsigma = 0.2\ntail_p = 0\n"
			   "tail_xm_ns = 100000\ntail_alpha = 2\nbusy_p = 0\nbusy_zero_step_p = 0\n"
			   "no_entropy_p = %g\nrate_hz = 400\n", p);
		if (next)
			fputs(next, f);
	}
	fclose(f);
	snprintf(spec, sizeof(spec), "steady:9,duration=10,tds=2,calib=%s", path);
	if (load(spec, &e) < 0) {
		ok(0, "simulator with a test calibration file");
		unlink(path);
		return;
	}
	for (size_t i = 0; i < e.n; i++) {
		const struct tdx_event *ev = &e.v[i];

		if (!is_leaf(ev, TDX_LEAF_MNG_KEY_CONFIG))
			continue;
		n++;
		hist[A(ev, 5) < 11 ? A(ev, 5) : 11]++;
		mean += (double)A(ev, 5);
		fails += tdx_status_class(A(ev, 1)) == TDX_SC_NO_ENTROPY;
	}
	mean /= n ? (double)n : 1;
	/* retries k < 10: p^k (1-p); k = 10: p^10 */
	for (int k = 0; k < 10; k++)
		want_mean += k * pow(p, k) * (1 - p);
	want_mean += 10 * pow(p, 10);
	for (int k = 0; k < 3; k++)
		ok(binom_ok(hist[k], n, pow(p, k) * (1 - p), 5),
		   "no_entropy_p=%.1f: %zu of %zu KEY.CONFIG calls needed %d retries, expected fraction %.4f (5 sigma)",
		   p, hist[k], n, k, pow(p, k) * (1 - p));
	ok(n > 5000 && fabs(mean - want_mean) < 0.03,
	   "no_entropy_p=%.1f: mean retries %.4f, geometric model %.4f", p, mean, want_mean);
	ok(fails <= 2, "RND_NO_ENTROPY as final status only after 10 retries (p^11): %zu of %zu", fails, n);
	free(e.v);
	unlink(path);
}

static void count_kinds(const struct evs *e, size_t *k)
{
	memset(k, 0, sizeof(*k) * TDX_EV_MAX);
	for (size_t i = 0; i < e->n; i++)
		k[e->v[i].kind]++;
}

static void check_mapgpa_stats(const struct evs *e)
{
	double to_sh, small_p, small_kib;
	size_t n = 0, sh = 0, small = 0;

	tdx_sim_calib_global(NULL, "mapgpa_to_shared_p", &to_sh);
	tdx_sim_calib_global(NULL, "mapgpa_small_p", &small_p);
	tdx_sim_calib_global(NULL, "mapgpa_small_max_kib", &small_kib);
	for (size_t i = 0; i < e->n; i++) {
		const struct tdx_event *ev = &e->v[i];

		if (ev->kind != TDX_EV_MAP_GPA)
			continue;
		n++;
		sh += A(ev, 3) != 0;
		small += A(ev, 2) <= small_kib * 1024;
	}
	ok(n > 1000 && binom_ok(sh, n, to_sh, 5),
	   "convert: %zu of %zu MapGPA requests to shared, mapgpa_to_shared_p %.2f (5 sigma)", sh, n, to_sh);
	ok(binom_ok(small, n, small_p, 5),
	   "convert: %zu of %zu requests <= %.0f KiB, mapgpa_small_p %.2f (5 sigma)", small, n,
	   small_kib, small_p);
}

/* ------------------------------------------------------------------ main */

int main(void)
{
	struct evs a, b, c;
	double chunk_kib;
	__u64 chunk_max;
	static const char *const specs[] = {
		"boot:3,duration=3", "steady:3,duration=3", "convert:3,duration=3",
		"contention:3,duration=3", "mixing:3,duration=3",
		"regress:TDH.MEM.PAGE.AUG:20:3,duration=3",
	};

	tdx_sim_calib_global(NULL, "mapgpa_chunk_kib", &chunk_kib);
	chunk_max = (__u64)chunk_kib * 1024;
	ok(chunk_max == 2 << 20, "calibration: MapGPA chunk is 2 MiB (TDX_MAP_GPA_MAX_LEN)");

	/* determinism */
	load("steady:42,duration=2", &a);
	load("steady:42,duration=2", &b);
	load("steady:43,duration=2", &c);
	ok(a.n > 10000 && a.n == b.n && fnv(&a) == fnv(&b),
	   "same seed: byte-identical streams (%zu events)", a.n);
	ok(c.n != a.n || fnv(&a) != fnv(&c), "different seeds: different streams");
	ok(!strcmp(a.info.host, "sim") && !strcmp(a.info.kernel, "tdxsim") && a.info.n_td == 4 &&
	   !strcmp(a.info.td[3].comm, "qemu-td3") && a.info.td[3].vcpus == 4,
	   "source info: host sim, kernel tdxsim, TD table with comm qemu-td3 and vcpus");
	free(a.v); free(b.v); free(c.v);

	/* ABI and causality in every scenario */
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct evs e;

		if (load(specs[i], &e) < 0) {
			ok(0, "%s runs", specs[i]);
			continue;
		}
		check_abi(specs[i], &e);
		check_causality(specs[i], &e, chunk_max);
		if (i == 0) {
			size_t k[TDX_EV_MAX];
			bool order = true;
			__u32 seen_finalize[8] = { 0 };

			check_mixed_model(&e);
			count_kinds(&e, k);
			/* a TD runs (VP.ENTER) only after its MR.FINALIZE */
			for (size_t j = 0; j < e.n; j++) {
				const struct tdx_event *ev = &e.v[j];
				__u32 t = (ev->pid - 10000) / 1000;

				if (t >= 8)
					continue;
				if (is_leaf(ev, TDX_LEAF_MR_FINALIZE))
					seen_finalize[t] = 1;
				if (ev->kind == TDX_EV_VP_ENTER && !seen_finalize[t])
					order = false;
			}
			ok(order, "boot: no TD enters before its TDH.MR.FINALIZE");
			ok(e.v[0].kind == TDX_EV_SEAMCALL && is_leaf(&e.v[0], TDX_LEAF_MNG_CREATE),
			   "boot: the trace begins with TDH.MNG.CREATE");
		}
		free(e.v);
	}

	/* statistics over a long steady run */
	if (load("steady:11,duration=60", &a) == 0) {
		check_quantiles("steady", &a, TDX_LEAF_MEM_PAGE_AUG, 1.0);
		check_rates(&a);
	}
	/* regress: one leaf slower, the rest identical */
	if (load("regress:TDH.MEM.PAGE.AUG:50:11,duration=60", &b) == 0) {
		size_t na, nb, va, vb;
		__u64 *da = leaf_durations(&a, TDX_LEAF_MEM_PAGE_AUG, &na, NULL, NULL);
		__u64 *db = leaf_durations(&b, TDX_LEAF_MEM_PAGE_AUG, &nb, NULL, NULL);
		__u64 *ra = leaf_durations(&a, TDX_LEAF_VP_RD, &va, NULL, NULL);
		__u64 *rb = leaf_durations(&b, TDX_LEAF_VP_RD, &vb, NULL, NULL);
		double r50 = emp_q(db, nb, 0.5) / emp_q(da, na, 0.5);
		double r99 = emp_q(db, nb, 0.99) / emp_q(da, na, 0.99);

		check_quantiles("regress:AUG:50", &b, TDX_LEAF_MEM_PAGE_AUG, 1.5);
		ok(fabs(r50 - 1.5) < 0.03 && fabs(r99 - 1.5) < 0.1,
		   "regress:TDH.MEM.PAGE.AUG:50: AUG p50 x%.3f, p99 x%.3f against steady with the same seed",
		   r50, r99);
		ok(va > 1000 && (va > vb ? va - vb : vb - va) <= va / 100 &&
		   fabs(emp_q(rb, vb, 0.5) / emp_q(ra, va, 0.5) - 1) < 0.01,
		   "regress: other leaves unchanged (TDH.VP.RD: %zu vs %zu calls, same p50)", va, vb);
		free(da); free(db); free(ra); free(rb);
		free(b.v);
	}
	/* contention and mixing against steady */
	if (load("contention:11,duration=20", &b) == 0) {
		size_t na, ta, ba, nb, tb, bb, ka[TDX_EV_MAX], kb[TDX_EV_MAX];
		__u64 *d1 = leaf_durations(&a, TDX_LEAF_MEM_PAGE_AUG, &na, &ba, &ta);
		__u64 *d2 = leaf_durations(&b, TDX_LEAF_MEM_PAGE_AUG, &nb, &bb, &tb);
		double fa = (double)ba / (double)ta, fb = (double)bb / (double)tb;

		count_kinds(&a, ka);
		count_kinds(&b, kb);
		ok(fb > 5 * fa, "contention: PAGE.AUG OPERAND_BUSY %.4f vs steady %.4f (zero-step holds the SEPT lock)",
		   fb, fa);
		ok((double)kb[TDX_EV_FROZEN_RETRY] / (double)kb[TDX_EV_EPT_VIOLATION] >
		   20 * (double)ka[TDX_EV_FROZEN_RETRY] / (double)ka[TDX_EV_EPT_VIOLATION],
		   "contention: frozen_retry per EPT violation %.4f vs steady %.5f",
		   (double)kb[TDX_EV_FROZEN_RETRY] / (double)kb[TDX_EV_EPT_VIOLATION],
		   (double)ka[TDX_EV_FROZEN_RETRY] / (double)ka[TDX_EV_EPT_VIOLATION]);
		free(d1); free(d2); free(b.v);
	}
	if (load("mixing:11,duration=20", &b) == 0) {
		size_t ka[TDX_EV_MAX], kb[TDX_EV_MAX];

		count_kinds(&a, ka);
		count_kinds(&b, kb);
		ok((double)kb[TDX_EV_HUGEPAGE_MIXED] / (double)kb[TDX_EV_MAP_GPA] >
		   2 * (double)ka[TDX_EV_HUGEPAGE_MIXED] / (double)ka[TDX_EV_MAP_GPA],
		   "mixing: %.2f mixed-state changes per MapGPA vs steady %.2f",
		   (double)kb[TDX_EV_HUGEPAGE_MIXED] / (double)kb[TDX_EV_MAP_GPA],
		   (double)ka[TDX_EV_HUGEPAGE_MIXED] / (double)ka[TDX_EV_MAP_GPA]);
		free(b.v);
	}
	free(a.v);
	if (load("convert:5,duration=30", &b) == 0) {
		check_mapgpa_stats(&b);
		free(b.v);
	}
	check_no_entropy();

	/* boot: the published number of firmware conversions per TD */
	if (load("boot:13", &b) == 0) {
		double conv, rate;
		size_t per_td[2] = { 0 }, exits[2] = { 0 }, good = 0;

		tdx_sim_calib_global(NULL, "boot_conversions", &conv);
		tdx_sim_calib_global(NULL, "exit_rate_hz", &rate);
		for (size_t i = 0; i < b.n; i++) {
			const struct tdx_event *ev = &b.v[i];
			__u32 t = (ev->pid - 10000) / 1000;

			if (t >= 2)
				continue;
			if (ev->kind == TDX_EV_MAP_GPA)
				per_td[t]++;
			if (ev->kind == TDX_EV_VP_ENTER && A(ev, 0) == 0)
				exits[t]++;
		}
		/*
		 * The calibration spreads boot_conversions over the BSP's TDCALL
		 * exits as if it exited exit_rate_hz times a second for the whole
		 * 10 s; it exits less (TD build, handling time), so the expected
		 * count scales with its real exits.  5 sigma of a Poisson count.
		 */
		for (int t = 0; t < 2; t++) {
			double want = conv * (double)exits[t] / (rate * 10.0);

			good += fabs((double)per_td[t] - want) <= 5 * sqrt(want) + 2;
			diag("TD %d: %zu MapGPA, BSP exits %zu, expected %.0f", t, per_td[t], exits[t], want);
		}
		ok(good == 2 && per_td[0] > conv * 0.8,
		   "boot: %zu and %zu MapGPA requests per TD, as boot_conversions = %.0f per boot (source: edk2) predicts for the BSP's exits",
		   per_td[0], per_td[1], conv);
		free(b.v);
	}

	/* 64 TDs x every background leaf (tdxtop's benchmark) */
	if (load("steady:1,tds=64,vcpus=1,all_leaves=1,duration=4", &b) == 0) {
		__u32 leaves[TDX_LEAF_MAX];
		int nl = tdx_sim_leaves(leaves, TDX_LEAF_MAX);
		static __u8 seen[64][TDX_LEAF_MAX];
		size_t missing = 0, pids = 0;

		memset(seen, 0, sizeof(seen));
		for (size_t i = 0; i < b.n; i++) {
			const struct tdx_event *ev = &b.v[i];
			__u32 t = (ev->pid - 10000) / 1000;

			if (ev->kind == TDX_EV_SEAMCALL && ev->pid && t < 64)
				seen[t][A(ev, 0) & TDX_LEAF_NR_MASK] = 1;
		}
		for (int t = 0; t < 64; t++) {
			pids += b.info.td[t].pid == 10000u + 1000u * (unsigned)t;
			for (int l = 0; l < nl; l++) {
				const char *name = tdx_leaf_name(leaves[l]);

				if (strncmp(name, "TDH.SYS.", 8) && !seen[t][leaves[l]])
					missing++;
			}
		}
		ok(b.info.n_td == 64 && pids == 64 && nl >= 20 && !missing,
		   "tds=64,all_leaves=1: 64 TDs, each issues all %d calibrated TD leaves (%zu TD x leaf pairs missing)",
		   nl, missing);
		free(b.v);
	}

	/* bad specs: one clear message each */
	{
		static const struct { const char *spec, *needle; } bad[] = {
			{ "nosuch", "unknown simulator scenario" },
			{ "steady:xyz", "seed" },
			{ "steady,tds=0", "tds" },
			{ "steady,vcpus=100000", "vcpus" },
			{ "steady,frobs=1", "unknown key" },
			{ "steady,tds=256,mem=8192", "1 TiB" },
			{ "steady,duration=-1", "duration" },
			{ "regress:TDH.NOPE:5", "unknown leaf" },
			{ "regress:TDH.MEM.PAGE.AUG", "regress needs" },
			{ "regress:TDH.MEM.PAGE.AUG:nan", "percentage" },
			{ "steady,calib=/nonexistent/file", "/nonexistent/file" },
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct tdx_source *s = NULL;
			int r = tdx_source_open_sim(&s, bad[i].spec);

			ok(r == -EINVAL && !s && strstr(tdx_last_error(), bad[i].needle),
			   "spec \"%s\" rejected: %s", bad[i].spec, tdx_last_error());
		}
	}

	/* the calibration file: embedded copy is current, every value has provenance */
	{
		char path[4096];
		const char *src = getenv("SRC");
		FILE *f;
		char *text = NULL;
		size_t len = 0;

		snprintf(path, sizeof(path), "%s/data/calibration.conf", src ? src : ".");
		f = fopen(path, "r");
		if (f) {
			text = calloc(1, 1 << 20);
			len = fread(text, 1, (1 << 20) - 1, f);
			fclose(f);
		}
		ok(text && len && !strcmp(text, tdx_sim_calib_text()),
		   "the library embeds the current %s", path);
		if (text) {
			size_t lines = 0, bare = 0;
			char *save = NULL;

			for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
				if (!strchr(l, '=') || l[0] == '#')
					continue;
				lines++;
				if (!strstr(l, "assumption") && !strstr(l, "source:"))
					bare++;
			}
			ok(lines > 100 && !bare,
			   "each of %zu calibration values says \"source:\" or \"assumption\" (%zu bare)",
			   lines, bare);
		}
		free(text);
	}
	{
		static const struct { const char *text, *needle; } bad[] = {
			{ "[global]\nnope = 1\n", ":2: unknown key" },
			{ "[leaf TDH.MEM.PAGE.AUG]\nmedian_ns = 1\n", "lacks key" },
			{ "[leaf TDH.FOO]\n", "unknown leaf" },
			{ "x = 1\n", "outside a section" },
			{ "[global]\nexit_rate_hz = nan\n", ":2: exit_rate_hz = nan" },
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char path[] = "/tmp/tdxsim-bad-XXXXXX";
			int fd = mkstemp(path);
			struct tdx_sim_leaf_calib c;
			int r;

			if (write(fd, bad[i].text, strlen(bad[i].text)) < 0)
				diag("write failed");
			close(fd);
			r = tdx_sim_calib_leaf(path, TDX_LEAF_MEM_PAGE_AUG, &c);
			ok(r == -EINVAL && strstr(tdx_last_error(), bad[i].needle),
			   "bad calibration rejected with its line: %s", tdx_last_error());
			unlink(path);
		}
	}
	return tap_done();
}
