/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * result.h - the tdxbench result file (JSON, json-c) and its in-memory form.
 *
 *   {
 *     "format": "tdxbench-result", "version": 1,
 *     "meta": { "tdxtrace_version", "created", "host", "kernel", "cpu_model",
 *               "tdx_module", "workload", "source", "mode", "rounds",
 *               "duration_s", "seed", ... },
 *     "rounds": N,
 *     "rows": [
 *       { "name": "TDH.MEM.PAGE.AUG", "kind": "seamcall", "leaf": 6,
 *         "rounds": [ { "count": 123, "mean_ns": 4100.5, "p50_ns": 3900,
 *                       "p90_ns": 6100, "p99_ns": 9800, "min_ns": 812,
 *                       "max_ns": 10230 (each only where it is kept),
 *                       "hist": [[slot, count], ...] }, ... N entries ] },
 *       { "name": "ept_violation", "kind": "event", ... }, ...
 *     ]
 *   }
 *
 * Slots are those of include/tdxtrace/hist.h (sparse: only non-zero ones).
 * A round in which a row saw nothing has "count": 0 and no quantiles.
 */
#ifndef TDXBENCH_RESULT_H
#define TDXBENCH_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdxtrace/hist.h"

#define TB_RESULT_FORMAT "tdxbench-result"
#define TB_RESULT_VERSION 1

enum tb_metric {
	TB_M_P50,
	TB_M_P90,
	TB_M_P99,
	TB_M_MEAN,
	TB_M_MAX,
};

extern const char *const tb_metric_names[TB_M_MAX];	/* "p50" ... "mean" */

struct tb_round {
	uint64_t count;
	double v[TB_M_MAX];		/* ns, by enum tb_metric; 0 if count == 0 */
	uint64_t min_ns;		/* lowest value seen; TDX_MIN_UNTRACKED:
					   not kept (events; files before it) */
	uint64_t max_ns;		/* highest value seen; 0: not kept */
	size_t nslots;			/* sparse histogram (may be empty) */
	uint32_t *slot;
	uint64_t *slot_count;
};

#define TB_NAME_LEN 64

struct tb_row {
	char name[TB_NAME_LEN];		/* leaf name, or event row name */
	char kind[16];			/* "seamcall" or "event" */
	int leaf;			/* leaf number, -1 for events */
	struct tb_round *round;		/* result->rounds entries */
};

struct json_object;

struct tb_result {
	struct json_object *meta;	/* owned; free-form metadata */
	size_t rounds;
	size_t nrows;
	struct tb_row *rows;
};

void tb_result_init(struct tb_result *r, size_t rounds);
void tb_result_free(struct tb_result *r);
/* Find or add a row; NULL on ENOMEM. */
struct tb_row *tb_result_row(struct tb_result *r, const char *name,
			     const char *kind, int leaf);
/*
 * Fill round `i` of `row` from a full histogram (TDX_HIST_SLOTS counters):
 * quantiles by tdx_quantile (quant.h), clamped to [min_ns, max_ns] of the
 * round (min_ns TDX_MIN_UNTRACKED / max_ns 0: that side is not kept),
 * mean = sum_ns / count when sum_ns is known
 * (sum_ns < 0: the mean of the histogram's slot midpoints).
 */
int tb_round_set_hist(struct tb_round *rd, const uint64_t *hist, double sum_ns,
		      uint64_t min_ns, uint64_t max_ns);
/* Sort rows: seamcall rows by leaf, then events by name. */
void tb_result_sort(struct tb_result *r);

/* Write to path ("-" = stdout).  0 or -errno (message in tdx_last_error). */
int tb_result_write(const struct tb_result *r, const char *path);
/*
 * Read and validate.  0, or -EINVAL with tdx_last_error() naming the file
 * and the position (line, column) of a syntax error or the JSON path of a
 * schema error; -errno for I/O errors.
 */
int tb_result_read(struct tb_result *r, const char *path);
/* Parse from a buffer (what tb_result_read does after reading the file). */
int tb_result_parse(struct tb_result *r, const char *buf, size_t len,
		    const char *name);

#endif /* TDXBENCH_RESULT_H */
