// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_bench_stats - tdxbench's statistics against values computed
 * independently here: exact Mann-Whitney p-values by enumerating every
 * assignment of ranks, the tie-corrected null variance by enumerating every
 * assignment of tied values, p-value adjustments against their textbook
 * definitions and R's p.adjust on a published example, bootstrap coverage
 * on known distributions, and the verdict rule.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../../tools/tdxbench/stats.h"

/* ---- enumeration helpers: every subset of size n of {0..N-1} ---------- */

/* Next combination in lexicographic order; 0 when done. */
static int next_comb(int *c, int n, int N)
{
	int i = n - 1;

	while (i >= 0 && c[i] == N - n + i)
		i--;
	if (i < 0)
		return 0;
	c[i]++;
	for (int j = i + 1; j < n; j++)
		c[j] = c[j - 1] + 1;
	return 1;
}

/*
 * Null distribution of U over all C(N, n) ways of choosing which of the
 * pooled values are "x": returns P(U <= u0), P(U >= u0), mean, variance.
 * U is computed by direct pairwise comparison, not from ranks.
 */
static void enum_u(const double *pool, int n, int N, double u0,
		   double *le, double *ge, double *mean, double *var)
{
	int c[32];
	double tot = 0, s = 0, s2 = 0, cle = 0, cge = 0;

	for (int i = 0; i < n; i++)
		c[i] = i;
	do {
		char isx[64] = { 0 };
		double u = 0;

		for (int i = 0; i < n; i++)
			isx[c[i]] = 1;
		for (int a = 0; a < N; a++) {
			if (!isx[a])
				continue;
			for (int b = 0; b < N; b++) {
				if (isx[b])
					continue;
				u += pool[a] > pool[b] ? 1 : pool[a] == pool[b] ? 0.5 : 0;
			}
		}
		tot++;
		s += u;
		s2 += u * u;
		if (u <= u0 + 1e-9)
			cle++;
		if (u >= u0 - 1e-9)
			cge++;
	} while (next_comb(c, n, N));
	*le = cle / tot;
	*ge = cge / tot;
	*mean = s / tot;
	*var = s2 / tot - (s / tot) * (s / tot);
}

static void test_mwu_exact(void)
{
	struct tb_rng rng;
	int bad = 0, checked = 0;
	const int sizes[][2] = { { 3, 3 }, { 4, 5 }, { 5, 5 }, { 6, 4 }, { 7, 7 }, { 8, 6 } };

	tb_rng_seed(&rng, 1);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		int n = sizes[k][0], m = sizes[k][1], N = n + m;

		for (int rep = 0; rep < 6; rep++) {
			double x[16], y[16], pool[32], le, ge, mu, var;
			struct tb_mwu r;

			/* distinct values, shifted y so p varies */
			for (int i = 0; i < n; i++)
				x[i] = tb_rng_unif(&rng);
			for (int i = 0; i < m; i++)
				y[i] = tb_rng_unif(&rng) + 0.15 * rep;
			memcpy(pool, x, n * sizeof(double));
			memcpy(pool + n, y, m * sizeof(double));
			if (tb_mwu(x, n, y, m, &r)) {
				bad++;
				continue;
			}
			enum_u(pool, n, N, r.u, &le, &ge, &mu, &var);
			double want = fmin(1, 2 * fmin(le, ge));

			checked++;
			if (!r.exact || fabs(r.p - want) > 1e-12) {
				bad++;
				diag("n=%d m=%d U=%g p=%.15g enumerated %.15g", n, m,
				     r.u, r.p, want);
			}
		}
	}
	ok(!bad && checked == 36, "exact U p-values equal enumeration (%d cases)", checked);

	/* the exact p of the most extreme outcome: 2 / C(N, n) */
	is_dbl(tb_mwu_exact_p(5, 5, 0), 2.0 / 252, 1e-15, "n=m=5, U=0: p = 2/252");
	is_dbl(tb_mwu_exact_p(10, 10, 100), 2.0 / 184756, 1e-15, "n=m=10, U=100: p = 2/184756");
	is_dbl(tb_mwu_min_p(7, 7), 2.0 / 3432, 1e-15, "smallest p at 7+7 rounds");
}

static void test_mwu_ties(void)
{
	/* values with heavy ties: mid-ranks, tie-corrected variance */
	const double x[] = { 1, 2, 2, 3, 3, 3, 5, 8 };
	const double y[] = { 2, 3, 4, 4, 5, 5, 8, 9 };
	double pool[16], le, ge, mu, var;
	struct tb_mwu r;
	double u = 0;

	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 8; j++)
			u += x[i] > y[j] ? 1 : x[i] == y[j] ? 0.5 : 0;
	memcpy(pool, x, sizeof(x));
	memcpy(pool + 8, y, sizeof(y));
	ok(!tb_mwu(x, 8, y, 8, &r), "tb_mwu with ties");
	is_dbl(r.u, u, 1e-12, "U by mid-ranks equals pairwise count (%g)", u);
	ok(r.ties && !r.exact, "ties detected, normal method used");
	enum_u(pool, 8, 16, r.u, &le, &ge, &mu, &var);
	is_dbl(r.mean, mu, 1e-9, "null mean equals enumeration");
	is_dbl(r.sigma * r.sigma, var, 1e-9,
	       "tie-corrected null variance equals enumeration (%g)", var);
	/* normal approximation close to the exact permutation p-value */
	is_dbl(r.p, fmin(1, 2 * fmin(le, ge)), 0.02,
	       "normal p with tie correction near the permutation p (%g)",
	       fmin(1, 2 * fmin(le, ge)));

	/* all equal: no evidence at all */
	{
		const double a[] = { 4, 4, 4 }, b[] = { 4, 4, 4, 4 };

		ok(!tb_mwu(a, 3, b, 4, &r) && r.p == 1, "all values equal: p = 1");
	}
	{
		const double a[] = { 1, NAN };

		ok(tb_mwu(a, 2, a, 1, &r) == -22, "NaN input rejected");
		ok(tb_mwu(a, 0, a, 1, &r) == -22, "empty sample rejected");
	}
}

static void test_mwu_normal_large(void)
{
	/* beyond the exact limit, normal approximation vs the exact DP */
	double x[30], y[30];
	struct tb_mwu r;

	for (int i = 0; i < 30; i++) {
		x[i] = i * 2;		/* 0 2 4 ... */
		y[i] = i * 2 + 7;	/* shifted: U well below the mean */
	}
	ok(!tb_mwu(x, 30, y, 30, &r) && !r.exact, "30+30 rounds: normal method");
	double pe = tb_mwu_exact_p(30, 30, r.u);

	ok(fabs(r.p - pe) < 0.1 * pe + 1e-4,
	   "normal p %g within 10%% of exact %g at 30+30", r.p, pe);
}

/* ---- adjustments ------------------------------------------------------- */

static void test_adjust(void)
{
	/* R: p.adjust(c(.01,.02,.03,.04,.05), "holm") = .05 .08 .09 .09 .09 */
	const double p[] = { 0.01, 0.02, 0.03, 0.04, 0.05 };
	const double holm[] = { 0.05, 0.08, 0.09, 0.09, 0.09 };
	double out[5];
	int bad = 0;

	tb_p_adjust_holm(p, 5, out);
	for (int i = 0; i < 5; i++)
		bad += fabs(out[i] - holm[i]) > 1e-12;
	ok(!bad, "Holm on R's example");
	tb_p_adjust_bh(p, 5, out);
	bad = 0;
	for (int i = 0; i < 5; i++)
		bad += fabs(out[i] - 0.05) > 1e-12;
	ok(!bad, "BH on R's example: all 0.05");

	/* random p-values, unsorted, against the definitions */
	struct tb_rng rng;
	double q[23], h[23], b[23];
	int n = 23;

	tb_rng_seed(&rng, 7);
	for (int i = 0; i < n; i++)
		q[i] = tb_rng_unif(&rng) * (i % 3 ? 1 : 0.01);
	tb_p_adjust_holm(q, n, h);
	tb_p_adjust_bh(q, n, b);
	bad = 0;
	for (int i = 0; i < n; i++) {
		/* Holm: max over p_j <= p_i of (n - rank_j + 1) p_j, capped at 1 */
		double hw = 0, bw = 1;

		for (int j = 0; j < n; j++) {
			int rank = 1;	/* 1-based rank of p_j, ties by index */

			for (int k = 0; k < n; k++)
				rank += q[k] < q[j] || (q[k] == q[j] && k < j);
			if (q[j] <= q[i])
				hw = fmax(hw, fmin(1, (n - rank + 1) * q[j]));
			/* BH: min over p_j >= p_i of n p_j / rank_j */
			if (q[j] >= q[i])
				bw = fmin(bw, fmin(1, (double)n * q[j] / rank));
		}
		bad += fabs(h[i] - hw) > 1e-12 || fabs(b[i] - bw) > 1e-12;
	}
	ok(!bad, "Holm and BH equal their definitions on 23 random p-values");
	ok(tb_correction_parse("BH") == TB_CORR_BH && tb_correction_parse("x") == -1,
	   "correction names parse");
}

/* ---- bootstrap --------------------------------------------------------- */

static void test_bootstrap(void)
{
	struct tb_rng rng;
	struct tb_ci ci;
	int cover = 0, reps = 400, n = 12;
	const double truth = 1.05;

	tb_rng_seed(&rng, 99);
	for (int rep = 0; rep < reps; rep++) {
		double x[12], y[12];

		for (int i = 0; i < n; i++) {
			x[i] = 1000 + 20 * tb_rng_normal(&rng);
			y[i] = truth * 1000 + 20 * tb_rng_normal(&rng);
		}
		tb_bootstrap_ratio(x, n, y, n, 0.95, 1000, tb_derive_seed(5, rep), &ci);
		cover += ci.lo <= truth && truth <= ci.hi;
	}
	/* 95% nominal; the plain percentile interval gives ~90% at n = 12 */
	ok(cover >= reps * 0.92 && cover <= reps * 0.985,
	   "bootstrap 95%% CI covers the true ratio in %d/%d normal trials", cover, reps);

	/* skewed data (exponential) */
	cover = 0;
	for (int rep = 0; rep < reps; rep++) {
		double x[20], y[20];

		for (int i = 0; i < 20; i++) {
			x[i] = 500 * (1 + 0.1 * -log(1 - tb_rng_unif(&rng)));
			y[i] = 500 * 0.9 * (1 + 0.1 * -log(1 - tb_rng_unif(&rng)));
		}
		tb_bootstrap_ratio(x, 20, y, 20, 0.95, 1000, tb_derive_seed(6, rep), &ci);
		cover += ci.lo <= 0.9 && 0.9 <= ci.hi;
	}
	ok(cover >= reps * 0.92 && cover <= reps * 0.985,
	   "bootstrap CI covers 0.9 in %d/%d exponential trials", cover, reps);

	{
		const double x[] = { 100, 100, 100 }, y[] = { 110, 110, 110, 110 };

		ok(!tb_bootstrap_ratio(x, 3, y, 4, 0.95, 200, 1, &ci) &&
		   fabs(ci.est - 1.1) < 1e-12 && fabs(ci.lo - 1.1) < 1e-12 &&
		   fabs(ci.hi - 1.1) < 1e-12, "constant samples: CI is the point 1.1");
		const double z[] = { 0, 0 };

		ok(tb_bootstrap_ratio(z, 2, y, 4, 0.95, 200, 1, &ci) == -22,
		   "zero base mean rejected");
	}
	/* same seed -> same interval */
	{
		const double x[] = { 1, 2, 3, 4, 5 }, y[] = { 2, 3, 4, 5, 6 };
		struct tb_ci a, b;

		tb_bootstrap_ratio(x, 5, y, 5, 0.95, 500, 42, &a);
		tb_bootstrap_ratio(x, 5, y, 5, 0.95, 500, 42, &b);
		ok(a.lo == b.lo && a.hi == b.hi, "bootstrap is deterministic per seed");
	}
}

/* ---- quantiles and verdicts --------------------------------------------- */

static void test_misc(void)
{
	const double v[] = { 1, 2, 3, 4 };
	const double u[] = { 5, 1, 3 };

	is_dbl(tb_quantile_sorted(v, 4, 0.5), 2.5, 1e-12, "type-7 median of 1..4");
	is_dbl(tb_quantile_sorted(v, 4, 0.9), 3.7, 1e-12, "type-7 q0.9 of 1..4");
	is_dbl(tb_median(u, 3), 3, 0, "median of unsorted");
	is_dbl(tb_stddev(v, 4), sqrt(5.0 / 3), 1e-12, "sample stddev");
	is_dbl(tb_norm_sf(1.959963984540054), 0.025, 1e-12, "normal tail at 1.96");
	is_dbl(tb_norm_quantile(0.975), 1.959963984540054, 1e-9, "normal quantile 0.975");
	is_dbl(tb_norm_quantile(0.001), -3.090232306167813, 1e-9, "normal quantile 0.001");
	/* Student t table values */
	is_dbl(tb_t_quantile(0.975, 9), 2.262157, 1e-3, "t(0.975, 9)");
	is_dbl(tb_t_quantile(0.975, 4), 2.776445, 3e-3, "t(0.975, 4)");
	is_dbl(tb_t_quantile(0.995, 19), 2.860935, 1e-3, "t(0.995, 19)");

	struct tb_rng r;
	int counts[5] = { 0 };

	tb_rng_seed(&r, 3);
	for (int i = 0; i < 50000; i++)
		counts[tb_rng_below(&r, 5)]++;
	int good = 1;

	for (int i = 0; i < 5; i++)
		good &= abs(counts[i] - 10000) < 400;	/* ~4.5 sigma */
	ok(good, "tb_rng_below uniform over 5 values");
	ok(tb_derive_seed(1, 0) != tb_derive_seed(1, 1) &&
	   tb_derive_seed(1, 0) != tb_derive_seed(2, 0), "derived seeds differ");
}

static void test_verdict(void)
{
	struct tb_verdict_in in = { .n = 10, .m = 10, .alpha = 0.05, .threshold = 0.02 };

#define V(r, l, h, p) (in.ratio = (r), in.lo = (l), in.hi = (h), in.p_adj = (p), \
		       tb_verdict(&in))
	ok(V(1.05, 1.04, 1.06, 0.001) == TB_SLOWER, "5%% slower, significant: slower");
	ok(V(0.95, 0.94, 0.96, 0.001) == TB_FASTER, "5%% faster, significant: faster");
	ok(V(1.01, 1.005, 1.015, 0.001) == TB_SAME, "1%% slower, significant: same (threshold)");
	ok(V(1.00, 0.99, 1.01, 0.6) == TB_SAME, "CI inside threshold: same");
	ok(V(1.03, 0.97, 1.09, 0.2) == TB_UNKNOWN, "wide CI, not significant: unknown");
	ok(V(1.05, 1.04, 1.06, 0.06) == TB_UNKNOWN, "5%% but p_adj above alpha: unknown");
	ok(V(1.05, 0.99, 1.10, 0.01) == TB_UNKNOWN, "significant but CI crosses 1: unknown");
	ok(V(1.03, 1.01, 1.05, 0.001) == TB_UNKNOWN,
	   "3%% slower, significant, CI reaches below the 2%% threshold: unknown");
	ok(V(0.97, 0.95, 0.99, 0.001) == TB_UNKNOWN, "same, downwards: unknown");
	ok(V(1.03, 1.021, 1.04, 0.001) == TB_SLOWER, "CI entirely above 1 + threshold: slower");
	in.n = 2;
	ok(V(1.5, 1.4, 1.6, 0.001) == TB_UNKNOWN, "2 rounds: unknown");
	in.n = 10;
	ok(V(1, 1, 1, 1) == TB_SAME, "identical: same");
#undef V
	ok(!strcmp(tb_verdict_name(TB_SLOWER), "slower"), "verdict names");
}

int main(void)
{
	test_mwu_exact();
	test_mwu_ties();
	test_mwu_normal_large();
	test_adjust();
	test_bootstrap();
	test_misc();
	test_verdict();
	return tap_done();
}
