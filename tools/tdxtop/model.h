/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * model.h - tdxtop's data model: pure functions from snapshots to rows.
 *
 * The sampler (tdxtop.c) takes a snapshot per interval and hands the model a
 * "window": the difference between two snapshots (interval mode) or the
 * snapshot itself (cumulative mode), plus the window's length in seconds.
 * The model turns it into rows (one per TD, leaf, ...), each column of which
 * is described by a struct top_col so that the curses view, the text batch
 * output and sorting all agree on what a column is.  No I/O, no clock, no
 * curses: tests/tdxtop/test_tdxtop_model.c drives it with synthetic snapshots.
 */
#ifndef TDXTOP_MODEL_H
#define TDXTOP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "tdxtrace.h"

enum top_view {
	TOP_VIEW_TD,		/* one row per TD (default) */
	TOP_VIEW_LEAF,		/* one row per SEAMCALL leaf */
	TOP_VIEW_MAPGPA,	/* MapGPA conversions per TD */
	TOP_VIEW_MIX,		/* hugepage mixing per TD */
	TOP_VIEW_MAX,
};

/* Column value kinds: how a column is read, printed and sorted. */
enum top_col_kind {
	TOP_C_U32,		/* __u32 */
	TOP_C_STR,		/* char[] (left aligned) */
	TOP_C_LEAF,		/* int leaf number, -1 = none; printed as its name */
	TOP_C_COUNT,		/* __u64 */
	TOP_C_RATE,		/* double, per second */
	TOP_C_NS,		/* double nanoseconds, printed human (1.2us) */
	TOP_C_PCT,		/* double percent, < 0 = not applicable */
	TOP_C_MB,		/* double MiB or MiB/s */
};

struct top_col {
	const char *name;	/* header, e.g. "SC/s" */
	const char *json;	/* JSON member name */
	int width;
	enum top_col_kind kind;
	size_t off;		/* offset of the value in the row struct */
	const char *help;	/* one line (help screen and docs/tdxtop.md) */
};

struct top_td {
	__u32 pid;
	char comm[32];
	__u32 vcpus;
	__u64 sc;		/* SEAMCALLs in the window */
	double sc_rate;
	int slow_leaf;		/* leaf with the highest p99, -1 if none */
	double slow_p99;
	double p50, p99;	/* ns, all SEAMCALLs of the TD */
	__u64 busy;		/* SEAMCALLs that returned a BUSY-class status */
	double busy_rate;
	__u64 ept_priv, ept_shared;
	double ept_priv_rate, ept_shared_rate;
	__u64 conv;		/* completed MapGPA requests (both directions) */
	__u64 conv_bytes;	/* bytes they converted */
	double conv_rate, conv_mbs;
	__u64 frozen;		/* faults that met a FROZEN_SPTE */
	double frozen_rate;
	double mixed_pct;	/* % of private memory inside mixed 2M ranges */
};

struct top_leaf {
	int leaf;
	__u32 ntds;		/* TDs that called it in the window */
	__u64 count;
	double rate;
	double p50, p90, p99, mean;
	double max;		/* ns */
	__u64 status[TDX_SC_MAX];
	__u64 errors;		/* every non-success class */
};

struct top_map {
	__u32 pid;
	char comm[32];
	__u64 req;		/* requests, both directions */
	double req_rate;
	double to_priv_rate, to_shared_rate;	/* completed, by direction */
	double priv_mbs, shared_mbs;		/* MiB/s converted */
	double avg_kb;		/* average request size, KiB */
	__u64 chunks;
	double chunk_rate;
	__u64 retries;		/* chunks handed back as RETRY + RETRY completions */
	__u64 errors;		/* chunk errors + INVALID/OTHER completions */
	double p50, p99, max;	/* request round trip, ns */
};

struct top_mix {
	__u32 pid;
	char comm[32];
	double priv_mb;		/* private memory mapped now, MiB */
	__u64 mixed_2m, mixed_1g;	/* ranges mixed now */
	double to_mixed_rate, to_unmixed_rate;
	double in_mixed_mb;	/* 4K private memory inside mixed 2M ranges */
	double mixed_pct;
	double map_rate, unmap_rate;
	__u64 priv_4k, priv_2m, priv_1g;	/* private mappings now, by level */
	__u64 redundant;
};

struct top_totals {
	double dt;		/* window length, seconds */
	__u64 events, seamcalls, ept, vp, mapgpa, frozen, mix;
	double events_rate, seamcalls_rate, ept_rate, vp_rate, mapgpa_rate;
	__u64 dropped, lost, filtered, bad_input;		/* in the window */
	__u64 dropped_total, lost_total, filtered_total;	/* since start */
	__u64 dropped_by_map[TDX_MAP_ID_MAX];			/* since start */
	size_t n_td;
};

struct top_model {
	const struct tdx_snapshot *win;	/* not owned */
	struct top_totals tot;
	struct top_td *td;
	struct top_leaf *leaf;
	struct top_map *map;
	struct top_mix *mix;
	size_t n_td, n_leaf, n_map, n_mix;
};

/*
 * Build the rows of every view.  win: the window (diff or cumulative), cum:
 * the latest full snapshot (for since-start counters), dt: window seconds
 * (> 0).  leaf_pid: only this TD's SEAMCALLs in the leaf view (0 = all).
 * Returns 0 or -ENOMEM.
 */
int top_model_build(struct top_model *m, const struct tdx_snapshot *win,
		    const struct tdx_snapshot *cum, double dt, __u32 leaf_pid);
/* The same; the leaf rows count only the TDs the TD view's filter shows. */
int top_model_build_filtered(struct top_model *m, const struct tdx_snapshot *win,
			     const struct tdx_snapshot *cum, double dt, __u32 leaf_pid,
			     const char *td_filter);
void top_model_free(struct top_model *m);

/* Columns of a view; *n gets their number. */
const struct top_col *top_cols(enum top_view v, size_t *n);
const char *top_view_name(enum top_view v);
/* Column index by header or JSON name (case-insensitive), -1 if none. */
int top_col_find(enum top_view v, const char *name);
/* Rows of a view: base pointer, count and row size. */
void *top_rows(const struct top_model *m, enum top_view v, size_t *n,
	       size_t *size);

/* Value of a column as a number (strings: 0). */
double top_col_num(const struct top_col *c, const void *row);
/* Printed value, at most size-1 chars, no padding. */
void top_col_fmt(const struct top_col *c, const void *row, char *buf,
		 size_t size);
/* Compare two rows by a column: <0, 0, >0 (ascending). */
int top_col_cmp(const struct top_col *c, const void *a, const void *b);

/*
 * Sort rows of a view by column col, descending if desc (ties: by key
 * column ascending, so the order is stable across refreshes).
 */
void top_sort(struct top_model *m, enum top_view v, int col, bool desc);

/*
 * Does a row match a filter string?  TD-like views: the pid in decimal
 * (exact) or a case-insensitive substring of the VMM name; leaf view: a
 * substring of the leaf name ("aug", "MEM.PAGE").  "" matches everything.
 */
bool top_match(enum top_view v, const void *row, const char *filter);

/* Human formatting helpers (pure; exposed for tests). */
void top_fmt_ns(double ns, char *buf, size_t size);	/* "850ns" "12.3us" */
void top_fmt_rate(double r, char *buf, size_t size);	/* "950" "12.3k" "4.50M" */
void top_fmt_count(__u64 n, char *buf, size_t size);	/* "42" "123.4k" */

/*
 * Drill-down text for a TD (pid) or a leaf (leaf >= 0, pid 0 = all TDs):
 * latency histogram with log2 bars and breakdowns, written to f.
 */
void top_detail_td(FILE *f, const struct top_model *m, __u32 pid);
void top_detail_leaf(FILE *f, const struct top_model *m, int leaf, __u32 pid);

/* Merge the SEAMCALL histograms of one TD (pid) or all (pid 0) and leaf (-1 = all). */
__u64 top_merge_leaf_hist(const struct tdx_snapshot *s, __u32 pid, int leaf,
			  __u64 *hist);

#endif /* TDXTOP_MODEL_H */
