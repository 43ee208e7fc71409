/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tdxbench.h - internal interfaces of tdxbench: compare and run.
 */
#ifndef TDXBENCH_H
#define TDXBENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "result.h"
#include "stats.h"

/* ---------------------------------------------------------------- compare */

struct tb_cmp_opts {
	double threshold;	/* practical threshold, fraction (0.02 = 2 %) */
	double alpha;		/* significance level after correction */
	double level;		/* bootstrap CI level */
	unsigned boot_iters;	/* bootstrap resamples */
	uint64_t seed;		/* bootstrap seed (compare is deterministic) */
	enum tb_correction corr;
	unsigned metrics;	/* bit (1 << enum tb_metric) per metric compared */
};

#define TB_ALL_METRICS ((1u << TB_M_MAX) - 1)
#define TB_CMP_OPTS_INIT { .threshold = 0.02, .alpha = 0.05, .level = 0.95, \
			   .boot_iters = 2000, .seed = 1, .corr = TB_CORR_HOLM, \
			   .metrics = TB_ALL_METRICS }

struct tb_cmp_row {
	char name[TB_NAME_LEN];
	char kind[16];
	int leaf;
	enum tb_metric metric;
	size_t n, m;		/* rounds with data: base, new */
	double base, new;	/* mean over rounds of the metric (ns) */
	double ratio, lo, hi;	/* new / base, bootstrap CI */
	double p, p_adj;	/* Mann-Whitney U two-sided; corrected; NAN if untested */
	bool exact;
	enum tb_verdict verdict;
	const char *note;	/* why unknown, or NULL */
};

struct tb_cmp {
	struct tb_cmp_row *rows;
	size_t n;
	size_t counts[TB_UNKNOWN + 1];	/* rows by verdict */
	size_t tested;			/* rows that entered the correction */
};

int tb_compare(const struct tb_result *base, const struct tb_result *new,
	       const struct tb_cmp_opts *o, struct tb_cmp *out);
void tb_cmp_free(struct tb_cmp *c);
/* 1 if any row is slower, else 0 (the exit code of `tdxbench compare`). */
int tb_cmp_exit(const struct tb_cmp *c);
void tb_cmp_print(FILE *f, const struct tb_cmp *c, const struct tb_cmp_opts *o,
		  bool all);
int tb_cmp_write_json(FILE *f, const struct tb_cmp *c, const struct tb_cmp_opts *o,
		      const char *base_name, const char *new_name);
/* gnuplot: before/after CDFs of every row with histograms. */
int tb_cmp_plot(const struct tb_result *base, const struct tb_result *new,
		const struct tb_cmp *c, const char *out_path);

/* -------------------------------------------------------------------- run */

struct tb_run_opts {
	const char *workload;	/* "sim:SPEC" or a workload script */
	const char *out;
	unsigned rounds;
	double duration_s;	/* per round: sim source time, or script duration */
	uint64_t seed;		/* base seed of sim rounds */
	int verbose;
};

int tb_run(const struct tb_run_opts *o);

/* Rows of one round from an aggregation snapshot (used by run and tests). */
struct tdx_snapshot;
int tb_round_from_snapshot(struct tb_result *r, size_t round,
			   const struct tdx_snapshot *snap);

/* Fill r->meta with host metadata (kernel, CPU, TDX module, version). */
void tb_meta_host(struct tb_result *r);

#endif /* TDXBENCH_H */
