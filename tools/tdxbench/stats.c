// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * stats.c - Mann-Whitney U, bootstrap CI of a ratio, p-value adjustment and
 * the verdict rule of `tdxbench compare`.  See stats.h.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stats.h"

/* ---------------------------------------------------------------- random */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void tb_rng_seed(struct tb_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** (Blackman and Vigna, 2018) */
uint64_t tb_rng_next(struct tb_rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

double tb_rng_unif(struct tb_rng *r)
{
	return (double)(tb_rng_next(r) >> 11) * 0x1.0p-53;
}

double tb_rng_normal(struct tb_rng *r)
{
	double u1, u2;

	do
		u1 = tb_rng_unif(r);
	while (u1 <= 0.0);
	u2 = tb_rng_unif(r);
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

uint32_t tb_rng_below(struct tb_rng *r, uint32_t n)
{
	/* Lemire's multiply-shift with rejection: no modulo bias. */
	uint64_t m = (uint64_t)(uint32_t)tb_rng_next(r) * n;
	uint32_t lo = (uint32_t)m;

	if (lo < n) {
		uint32_t t = -n % n;

		while (lo < t) {
			m = (uint64_t)(uint32_t)tb_rng_next(r) * n;
			lo = (uint32_t)m;
		}
	}
	return (uint32_t)(m >> 32);
}

uint64_t tb_derive_seed(uint64_t base, uint64_t index)
{
	uint64_t x = base ^ (index * 0xd1b54a32d192ed03ULL);

	return splitmix64(&x);
}

/* ------------------------------------------------------------ descriptive */

double tb_mean(const double *x, size_t n)
{
	double s = 0;

	if (!n)
		return NAN;
	for (size_t i = 0; i < n; i++)
		s += x[i];
	return s / (double)n;
}

double tb_stddev(const double *x, size_t n)
{
	double mu, s = 0;

	if (n < 2)
		return 0;
	mu = tb_mean(x, n);
	for (size_t i = 0; i < n; i++)
		s += (x[i] - mu) * (x[i] - mu);
	return sqrt(s / (double)(n - 1));
}

double tb_quantile_sorted(const double *v, size_t n, double q)
{
	double h;
	size_t i;

	if (!n)
		return NAN;
	if (q <= 0)
		return v[0];
	if (q >= 1)
		return v[n - 1];
	h = (double)(n - 1) * q;
	i = (size_t)h;
	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (h - (double)i) * (v[i + 1] - v[i]);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double tb_median(const double *x, size_t n)
{
	double *c, r;

	if (!n)
		return NAN;
	c = malloc(n * sizeof(*c));
	if (!c)
		return NAN;
	memcpy(c, x, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_double);
	r = tb_quantile_sorted(c, n, 0.5);
	free(c);
	return r;
}

/* --------------------------------------------------------- Mann-Whitney U */

double tb_norm_sf(double z)
{
	return 0.5 * erfc(z / M_SQRT2);
}

/*
 * Null distribution of U for n and m without ties: c(n, m, u), the number of
 * arrangements with U = u, obeys c(n, m, u) = c(n - 1, m, u - m) + c(n, m - 1, u)
 * (the largest value is an x, beating all m y's, or a y).  Counts are kept
 * as doubles: C(80, 40) ~ 1e23 is far inside double range and the relative
 * rounding error stays ~1e-15.  Returns a malloc'ed array of n*m + 1 counts.
 */
static double *mwu_counts(size_t n, size_t m)
{
	size_t umax = n * m;
	/* cur[j][u] for the current i, j = 0..m */
	double *prev, *cur, *res = NULL;
	size_t w = umax + 1;

	prev = calloc((m + 1) * w, sizeof(double));
	cur = calloc((m + 1) * w, sizeof(double));
	if (!prev || !cur)
		goto out;
	/* i = 0: one arrangement, U = 0, for every j */
	for (size_t j = 0; j <= m; j++)
		prev[j * w] = 1;
	for (size_t i = 1; i <= n; i++) {
		memset(cur, 0, (m + 1) * w * sizeof(double));
		cur[0] = 1;	/* j = 0: U = 0 */
		for (size_t j = 1; j <= m; j++)
			for (size_t u = 0; u <= i * j; u++) {
				double c = cur[(j - 1) * w + u];

				if (u >= j)
					c += prev[j * w + u - j];
				cur[j * w + u] = c;
			}
		double *t = prev;

		prev = cur;
		cur = t;
	}
	res = malloc(w * sizeof(double));
	if (res)
		memcpy(res, prev + m * w, w * sizeof(double));
out:
	free(prev);
	free(cur);
	return res;
}

double tb_mwu_exact_p(size_t n, size_t m, double u)
{
	double *c, tot = 0, le = 0, ge = 0, p;

	if (!n || !m || n + m > 2 * TB_MWU_EXACT_MAX)
		return NAN;
	c = mwu_counts(n, m);
	if (!c)
		return NAN;
	for (size_t k = 0; k <= n * m; k++) {
		tot += c[k];
		if ((double)k <= u + 1e-9)
			le += c[k];
		if ((double)k >= u - 1e-9)
			ge += c[k];
	}
	free(c);
	p = 2 * fmin(le, ge) / tot;
	return p > 1 ? 1 : p;
}

double tb_mwu_min_p(size_t n, size_t m)
{
	if (!n || !m)
		return 1;
	if (n + m <= TB_MWU_EXACT_MAX)
		return tb_mwu_exact_p(n, m, 0);
	/* normal approximation at the extreme U = 0 */
	double mu = (double)n * (double)m / 2;
	double sd = sqrt((double)n * (double)m * (double)(n + m + 1) / 12);

	return fmin(1, 2 * tb_norm_sf((mu - 0.5) / sd));
}

struct ranked {
	double v;
	int from_x;
};

static int cmp_ranked(const void *a, const void *b)
{
	return cmp_double(&((const struct ranked *)a)->v,
			  &((const struct ranked *)b)->v);
}

int tb_mwu(const double *x, size_t n, const double *y, size_t m,
	   struct tb_mwu *out)
{
	size_t N = n + m, i = 0;
	struct ranked *r;
	double rx = 0, tie_sum = 0;
	double nd = (double)n, md = (double)m, Nd = (double)N;

	memset(out, 0, sizeof(*out));
	if (!n || !m)
		return -EINVAL;
	for (size_t k = 0; k < n; k++)
		if (isnan(x[k]))
			return -EINVAL;
	for (size_t k = 0; k < m; k++)
		if (isnan(y[k]))
			return -EINVAL;
	r = malloc(N * sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++)
		r[k] = (struct ranked){ x[k], 1 };
	for (size_t k = 0; k < m; k++)
		r[n + k] = (struct ranked){ y[k], 0 };
	qsort(r, N, sizeof(*r), cmp_ranked);
	/* mid-ranks over runs of ties */
	while (i < N) {
		size_t j = i;
		double t, mid;

		while (j + 1 < N && r[j + 1].v == r[i].v)
			j++;
		t = (double)(j - i + 1);
		mid = ((double)i + (double)j) / 2 + 1;	/* 1-based */
		for (size_t k = i; k <= j; k++)
			if (r[k].from_x)
				rx += mid;
		if (t > 1) {
			tie_sum += t * t * t - t;
			out->ties = true;
		}
		i = j + 1;
	}
	free(r);

	out->u = rx - nd * (nd + 1) / 2;
	out->mean = nd * md / 2;
	out->sigma = sqrt(nd * md / 12 *
			  ((Nd + 1) - (N > 1 ? tie_sum / (Nd * (Nd - 1)) : 0)));
	{
		double d = fabs(out->u - out->mean);

		d = d > 0.5 ? d - 0.5 : 0;
		out->z = out->sigma > 0 ? d / out->sigma : 0;
		if (out->u < out->mean)
			out->z = -out->z;
	}
	if (!out->ties && N <= TB_MWU_EXACT_MAX) {
		out->p = tb_mwu_exact_p(n, m, out->u);
		out->exact = true;
		if (isnan(out->p))
			return -ENOMEM;
	} else if (out->sigma > 0) {
		out->p = fmin(1, 2 * tb_norm_sf(fabs(out->z)));
	} else {
		out->p = 1;	/* every value equal */
	}
	return 0;
}

/* Inverse of the standard normal CDF (Acklam's rational approximation,
 * relative error < 1.2e-9, refined by one Halley step). */
double tb_norm_quantile(double p)
{
	static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02,
		-2.759285104469687e+02, 1.383577518672690e+02,
		-3.066479806614716e+01, 2.506628277459239e+00 };
	static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02,
		-1.556989798598866e+02, 6.680131188771972e+01,
		-1.328068155288572e+01 };
	static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01,
		-2.400758277161838e+00, -2.549732539343734e+00,
		4.374664141464968e+00, 2.938163982698783e+00 };
	static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01,
		2.445134137142996e+00, 3.754408661907416e+00 };
	double q, r, x, e, u;

	if (!(p > 0 && p < 1))
		return p == 0 ? -INFINITY : p == 1 ? INFINITY : NAN;
	if (p < 0.02425) {
		q = sqrt(-2 * log(p));
		x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	} else if (p <= 1 - 0.02425) {
		q = p - 0.5;
		r = q * q;
		x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
		    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
	} else {
		q = sqrt(-2 * log(1 - p));
		x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	e = 0.5 * erfc(-x / M_SQRT2) - p;
	u = e * sqrt(2 * M_PI) * exp(x * x / 2);
	return x - u / (1 + x * u / 2);
}

/*
 * Quantile of Student's t with df degrees of freedom: the Cornish-Fisher
 * expansion around the normal quantile (Abramowitz & Stegun 26.7.5); error
 * below 1e-3 for df >= 3 at the usual levels.
 */
double tb_t_quantile(double p, double df)
{
	double z = tb_norm_quantile(p), z2 = z * z;
	double g1 = (z2 + 1) * z / 4;
	double g2 = ((5 * z2 + 16) * z2 + 3) * z / 96;
	double g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384;
	double g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160;

	return z + g1 / df + g2 / (df * df) + g3 / (df * df * df) +
	       g4 / (df * df * df * df);
}

/* -------------------------------------------------------------- bootstrap */

int tb_bootstrap_ratio(const double *x, size_t n, const double *y, size_t m,
		       double level, unsigned iters, uint64_t seed,
		       struct tb_ci *out)
{
	double mx = tb_mean(x, n), my = tb_mean(y, m);
	double *est;
	struct tb_rng rng;
	unsigned k = 0;

	memset(out, 0, sizeof(*out));
	if (!n || !m || !(mx != 0) || isnan(my) || !(level > 0 && level < 1) ||
	    iters < 10)
		return -EINVAL;
	out->est = my / mx;
	est = malloc(iters * sizeof(*est));
	if (!est)
		return -ENOMEM;
	tb_rng_seed(&rng, seed);
	for (unsigned b = 0; b < iters; b++) {
		double sx = 0, sy = 0;

		for (size_t i = 0; i < n; i++)
			sx += x[tb_rng_below(&rng, (uint32_t)n)];
		for (size_t i = 0; i < m; i++)
			sy += y[tb_rng_below(&rng, (uint32_t)m)];
		if (sx == 0)
			continue;	/* all-zero resample: ratio undefined */
		est[k++] = (sy / (double)m) / (sx / (double)n);
	}
	if (!k) {
		free(est);
		return -EINVAL;
	}
	qsort(est, k, sizeof(*est), cmp_double);
	/*
	 * Expanded percentile interval (Hesterberg 2015): the plain percentile
	 * interval is too narrow for few rounds (it estimates the spread with
	 * divisor n and a normal instead of a t quantile), so widen the
	 * percentiles used: alpha'/2 = Phi(-sqrt(n/(n-1)) t_{alpha/2, n-1}),
	 * n being the smaller sample.
	 */
	{
		size_t ns = n < m ? n : m;
		double a2 = (1 - level) / 2;

		if (ns >= 3) {
			double t = tb_t_quantile(1 - a2, (double)(ns - 1));

			/* Phi(-x) = erfc(x / sqrt 2) / 2 */
			a2 = 0.5 * erfc(sqrt((double)ns / (double)(ns - 1)) * t / M_SQRT2);
		}
		out->lo = tb_quantile_sorted(est, k, a2);
		out->hi = tb_quantile_sorted(est, k, 1 - a2);
	}
	free(est);
	return 0;
}

/* ------------------------------------------------- multiple comparisons */

struct pidx {
	double p;
	size_t i;
};

static int cmp_pidx(const void *a, const void *b)
{
	const struct pidx *x = a, *y = b;

	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

static struct pidx *sorted_p(const double *p, size_t n)
{
	struct pidx *s = malloc((n ? n : 1) * sizeof(*s));

	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++)
		s[i] = (struct pidx){ p[i], i };
	qsort(s, n, sizeof(*s), cmp_pidx);
	return s;
}

int tb_p_adjust_holm(const double *p, size_t n, double *out)
{
	struct pidx *s = sorted_p(p, n);
	double run = 0;

	if (!s)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++) {
		double v = fmin(1, (double)(n - k) * s[k].p);

		run = fmax(run, v);
		out[s[k].i] = run;
	}
	free(s);
	return 0;
}

int tb_p_adjust_bh(const double *p, size_t n, double *out)
{
	struct pidx *s = sorted_p(p, n);
	double run = 1;

	if (!s)
		return -ENOMEM;
	for (size_t k = n; k-- > 0;) {
		double v = fmin(1, (double)n / (double)(k + 1) * s[k].p);

		run = fmin(run, v);
		out[s[k].i] = run;
	}
	free(s);
	return 0;
}

int tb_p_adjust(enum tb_correction c, const double *p, size_t n, double *out)
{
	switch (c) {
	case TB_CORR_HOLM:
		return tb_p_adjust_holm(p, n, out);
	case TB_CORR_BH:
		return tb_p_adjust_bh(p, n, out);
	default:
		if (out != p)
			memmove(out, p, n * sizeof(*out));
		return 0;
	}
}

static const char *const corr_names[] = {
	[TB_CORR_HOLM] = "holm",
	[TB_CORR_BH] = "bh",
	[TB_CORR_NONE] = "none",
};

const char *tb_correction_name(enum tb_correction c)
{
	return (unsigned)c <= TB_CORR_NONE ? corr_names[c] : "?";
}

int tb_correction_parse(const char *s)
{
	for (int c = 0; c <= TB_CORR_NONE; c++)
		if (!strcasecmp(s, corr_names[c]))
			return c;
	return -1;
}

/* --------------------------------------------------------------- verdict */

enum tb_verdict tb_verdict(const struct tb_verdict_in *in)
{
	double t = in->threshold;
	bool sig = in->p_adj < in->alpha;

	if (in->n < TB_MIN_ROUNDS || in->m < TB_MIN_ROUNDS || isnan(in->ratio))
		return TB_UNKNOWN;
	if (in->lo == in->hi && in->ratio == 1)
		return TB_SAME;
	if (sig && in->lo > 1 + t)
		return TB_SLOWER;
	if (sig && in->hi < 1 - t)
		return TB_FASTER;
	if (in->lo >= 1 - t && in->hi <= 1 + t)
		return TB_SAME;
	if (sig && fabs(in->ratio - 1) < t)
		return TB_SAME;
	return TB_UNKNOWN;
}

const char *tb_verdict_name(enum tb_verdict v)
{
	static const char *const names[] = {
		[TB_SAME] = "same", [TB_FASTER] = "faster",
		[TB_SLOWER] = "slower", [TB_UNKNOWN] = "unknown",
	};

	return (unsigned)v <= TB_UNKNOWN ? names[v] : "?";
}
