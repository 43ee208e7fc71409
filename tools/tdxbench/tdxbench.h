/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tdxbench.h - internal interfaces of tdxbench: compare and run.
 */
#ifndef TDXBENCH_H
#define TDXBENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tdxtrace/leaves.h"
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
	uint64_t min_events;	/* rows with a median per-round count below: unknown */
};

#define TB_ALL_METRICS ((1u << TB_M_MAX) - 1)
#define TB_CMP_OPTS_INIT { .threshold = 0.02, .alpha = 0.05, .level = 0.95, \
			   .boot_iters = 2000, .seed = 1, .corr = TB_CORR_HOLM, \
			   .metrics = TB_ALL_METRICS, .min_events = 50 }

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
/* JSON with the envelope (docs/cli.md) of the new result nr */
int tb_cmp_write_json(FILE *f, const struct tb_cmp *c, const struct tb_cmp_opts *o,
		      const struct tb_result *nr, const char *base_name, const char *new_name);
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
	/* called after each round (done of total); NULL: no progress line */
	void (*progress)(unsigned done, unsigned total);
};

int tb_run(const struct tb_run_opts *o);

/* ----------------------------------------------------------- rounds.c */

/* Seed of round `round` of a sim: workload with base seed `base`. */
uint64_t tb_round_seed(uint64_t base, unsigned round);
/*
 * "SCENARIO[:ARGS][:SEED][,key=val...]" -> the same spec with SEED set to
 * `seed` and, when duration_s > 0 and the spec has no duration= key,
 * ",duration=<duration_s>".  *spec_seed: the SEED the spec had (0: none).
 * -EINVAL for a malformed spec or one with seed= (tdxbench sets seeds).
 */
int tb_sim_round_spec(const char *spec, uint64_t seed, double duration_s,
		      char *out, size_t len, uint64_t *spec_seed);

/* Rows of one round from an aggregation snapshot (the run path). */
struct tdx_snapshot;
int tb_round_from_snapshot(struct tb_result *r, size_t round,
			   const struct tdx_snapshot *snap);

/* The same rows accumulated in user space from events (validation harness). */
enum { TB_EV_VP, TB_EV_EPT, TB_EV_MAP, TB_EV_FROZEN, TB_EV_ROWS };
struct tb_acc {
	uint64_t leaf[TDX_LEAF_MAX][TDX_HIST_SLOTS];
	double leaf_sum[TDX_LEAF_MAX];
	uint64_t ev[TB_EV_ROWS][TDX_HIST_SLOTS];
	double ev_sum[TB_EV_ROWS];
	/* what the BPF maps keep besides: a leaf's lowest and highest value
	   (leaf_min valid once leaf_seen), an event's highest */
	uint64_t leaf_min[TDX_LEAF_MAX], leaf_max[TDX_LEAF_MAX];
	bool leaf_seen[TDX_LEAF_MAX];
	uint64_t ev_max[TB_EV_ROWS];
};
struct tdx_event;
void tb_acc_reset(struct tb_acc *a);
void tb_acc_event(struct tb_acc *a, const struct tdx_event *ev);
/* Feed a whole simulator spec (must end: give duration=).  0 or -errno. */
int tb_acc_sim(struct tb_acc *a, const char *spec);
int tb_acc_to_round(const struct tb_acc *a, struct tb_result *r, size_t round);

/* Fill r->meta with host metadata (kernel, CPU, TDX module, version). */
void tb_meta_host(struct tb_result *r);

#endif /* TDXBENCH_H */
