/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * stats.h - the statistics behind `tdxbench compare`.
 *
 * Pure C, no I/O, deterministic (every random choice comes from a seeded
 * xoshiro256** generator), so the unit tests can check each piece against
 * values computed independently:
 *
 *  - Mann-Whitney U (two-sided): exact null distribution when there are no
 *    ties and both samples are small, otherwise the normal approximation with
 *    tie correction and continuity correction;
 *  - percentile bootstrap confidence interval of the ratio of means
 *    (new / base), resampling each side independently;
 *  - Holm (family-wise error) and Benjamini-Hochberg (false discovery rate)
 *    adjusted p-values;
 *  - the verdict rule that combines them with a practical threshold.
 */
#ifndef TDXBENCH_STATS_H
#define TDXBENCH_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- random */

struct tb_rng {
	uint64_t s[4];
};

void tb_rng_seed(struct tb_rng *r, uint64_t seed);
uint64_t tb_rng_next(struct tb_rng *r);
double tb_rng_unif(struct tb_rng *r);		/* [0, 1) */
double tb_rng_normal(struct tb_rng *r);		/* N(0, 1) */
uint32_t tb_rng_below(struct tb_rng *r, uint32_t n);	/* [0, n), unbiased */
/* A seed derived from (base, index) that does not collide for small index. */
uint64_t tb_derive_seed(uint64_t base, uint64_t index);

/* ------------------------------------------------------------ descriptive */

double tb_mean(const double *x, size_t n);
double tb_stddev(const double *x, size_t n);	/* sample (n - 1) */
/* Quantile of sorted data, linear interpolation (Hyndman-Fan type 7). */
double tb_quantile_sorted(const double *sorted, size_t n, double q);
/* Median of unsorted data (copies; returns NAN for n == 0 or on ENOMEM). */
double tb_median(const double *x, size_t n);

/* --------------------------------------------------------- Mann-Whitney U */

struct tb_mwu {
	double u;		/* U of x: #(x_i > y_j) + 0.5 #(x_i == y_j) */
	double mean;		/* n m / 2 */
	double sigma;		/* null standard deviation of U (tie-corrected) */
	double z;		/* continuity-corrected z (normal method) */
	double p;		/* two-sided p-value */
	bool exact;		/* p from the exact null distribution */
	bool ties;
};

/* Largest n + m for which the exact distribution is used (no ties). */
#define TB_MWU_EXACT_MAX 40

/* 0, or -EINVAL (n or m is 0, NaN input), -ENOMEM. */
int tb_mwu(const double *x, size_t n, const double *y, size_t m,
	   struct tb_mwu *out);
/*
 * Exact two-sided p-value of U = u for samples of n and m without ties:
 * min(1, 2 min(P(U <= u), P(U >= u))).  NAN if n + m > 2 * TB_MWU_EXACT_MAX.
 */
double tb_mwu_exact_p(size_t n, size_t m, double u);
/* Smallest two-sided p-value any outcome can reach with n and m rounds. */
double tb_mwu_min_p(size_t n, size_t m);

/* Standard normal upper tail P(Z > z), its inverse CDF, Student's t quantile. */
double tb_norm_sf(double z);
double tb_norm_quantile(double p);
double tb_t_quantile(double p, double df);

/* -------------------------------------------------------------- bootstrap */

struct tb_ci {
	double est;		/* mean(y) / mean(x) */
	double lo, hi;		/* percentile interval */
};

/*
 * Bootstrap CI at `level` (e.g. 0.95) of mean(y) / mean(x) with `iters`
 * resamples: the expanded percentile interval (percentiles widened for
 * small samples, see stats.c).  -EINVAL for empty samples or mean(x) == 0.
 */
int tb_bootstrap_ratio(const double *x, size_t n, const double *y, size_t m,
		       double level, unsigned iters, uint64_t seed,
		       struct tb_ci *out);

/* ------------------------------------------------- multiple comparisons */

/* Adjusted p-values (as R's p.adjust): out may alias p. -ENOMEM on failure. */
int tb_p_adjust_holm(const double *p, size_t n, double *out);
int tb_p_adjust_bh(const double *p, size_t n, double *out);

enum tb_correction {
	TB_CORR_HOLM,
	TB_CORR_BH,
	TB_CORR_NONE,
};
int tb_p_adjust(enum tb_correction c, const double *p, size_t n, double *out);
const char *tb_correction_name(enum tb_correction c);
int tb_correction_parse(const char *s);		/* -1 if unknown */

/* --------------------------------------------------------------- verdict */

enum tb_verdict {
	TB_SAME,	/* no practical change (|change| < threshold, or CI inside it) */
	TB_FASTER,	/* significant and at least threshold faster */
	TB_SLOWER,	/* significant and at least threshold slower */
	TB_UNKNOWN,	/* cannot tell: run more rounds */
};

struct tb_verdict_in {
	size_t n, m;		/* rounds with data, base and new */
	double ratio, lo, hi;	/* new / base and its CI */
	double p_adj;		/* corrected p-value */
	double alpha;		/* e.g. 0.05 */
	double threshold;	/* practical threshold as a fraction, e.g. 0.02 */
};

#define TB_MIN_ROUNDS 3

/*
 * slower:  p_adj < alpha and the whole CI above 1 + threshold: the change
 *          is real and at least the practical threshold
 * faster:  p_adj < alpha and the whole CI below 1 - threshold
 * same:    CI within [1 - threshold, 1 + threshold], or significant but the
 *          change is below the threshold, or both sides identical
 * unknown: everything else (e.g. not significant but a practical change is
 *          not excluded, or significant but the CI reaches below the
 *          threshold), or fewer than TB_MIN_ROUNDS rounds on a side
 */
enum tb_verdict tb_verdict(const struct tb_verdict_in *in);
const char *tb_verdict_name(enum tb_verdict v);

#endif /* TDXBENCH_STATS_H */
