/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tdxtop.h - state shared by tdxtop's sampler (tdxtop.c), its curses view
 * (view.c) and its batch output (batch.c).
 */
#ifndef TDXTOP_H
#define TDXTOP_H

#include <signal.h>
#include <stdbool.h>

#include "cliopts.h"
#include "model.h"

struct top_app {
	/* options */
	struct tdx_opts opts;
	double interval;		/* seconds */
	long iterations;		/* 0 = until quit / end of source */
	struct tdx_cl cl;		/* the shared options as parsed */
	bool batch, json, cumulative, color, realtime;
	bool log, csv;			/* --log: a line per interval; --csv */
	bool skip_zero;			/* -z: no all-zero rows */
	FILE *out;			/* batch output: stdout or -o's temporary */
	enum top_view view;
	int sort_col[TOP_VIEW_MAX];
	bool sort_desc[TOP_VIEW_MAX];
	char filter[TOP_VIEW_MAX][64];	/* per view: rows shown match (top_match) */
	__u32 leaf_pid;			/* leaf view: one TD (0 = all) */

	/* session */
	struct tdx_session *s;
	bool offline;			/* replay or sim */
	char host[72], kernel[136], mode[48], source[160];
	const char *missing;		/* what the attach mode cannot see */

	/* samples */
	struct tdx_window_iter *wit;	/* the sampling loop (tools/lib/window.h) */
	struct tdx_snapshot cur, win;	/* views of wit's total and window */
	bool have_cur, have_win;
	struct top_model model;
	bool have_model;
	double dt;			/* window length (s) of the last sample */
	double cum_dt;			/* since start or reset (s) */
	double cpu_pct;			/* tdxtop's own CPU over the last window */
	long rss_kb;			/* peak RSS */
	double refresh_us;		/* snapshot + model of the last sample */
	double snapshot_us;		/* of which: reading the maps, diff */
	double model_us;		/* of which: rows, quantiles, sorting */
	double advance_us;		/* feeding the source (replay/sim) */
	double draw_us;			/* drawing / printing the last sample */
	/* the same as CPU time of the thread (user + system) */
	double snapshot_cpu_us, model_cpu_us, advance_cpu_us, draw_cpu_us;
	long iter;			/* samples taken */
	bool ended;			/* replay/sim source exhausted */
	bool paused;
	char err[256];			/* why top_sample() failed */
	int exit_code;			/* top_sample() failed with this code
					   (TDX_EXIT_NODATA), 0: FAIL */
	char notice[1024];		/* what the source held that the figures
					   do not say (tdx_cl_check_source) */
	__u64 last_mono_ns;		/* when the last sample was taken */
	__u64 last_cpu_ns;		/* our CPU time then */
};

extern volatile sig_atomic_t top_quit;

/* tdxtop.c */
/* advance + snapshot + model; on failure a->err says why */
int top_sample(struct top_app *a);
int top_rebuild(struct top_app *a);		/* model again (toggle, sort) */
int top_reset(struct top_app *a);		/* zero maps and windows */
__u64 top_mono_ns(void);
__u64 top_thread_cpu_ns(void);

/* batch.c */
void top_print_text(FILE *f, struct top_app *a);
int top_print_json(FILE *f, struct top_app *a);
/* --log / --csv: one line per interval (header: the column names first). */
void top_print_log(FILE *f, struct top_app *a, bool header);
/* -z: every number of the row (but its keys) is zero. */
bool top_row_zero(enum top_view v, const void *row);
/*
 * One table header / row, columns padded as the curses view pads them; skip
 * non-key columns scrolled away (key columns: top_key_cols()).
 */
int top_fmt_header(char *buf, size_t size, enum top_view v, int sort_col,
		   bool desc, int skip);
int top_fmt_row(char *buf, size_t size, enum top_view v, const void *row,
		int skip);
int top_key_cols(enum top_view v);
/* The same cut to the whole cells that fit in maxw characters (0: all). */
int top_fmt_header_fit(char *buf, size_t size, enum top_view v, int sort_col,
		       bool desc, int skip, int maxw);
int top_fmt_row_fit(char *buf, size_t size, enum top_view v, const void *row,
		    int skip, int maxw);

/* Names of the maps that dropped updates ("ept_gfn,mix"), and one map's name. */
void top_dropped_maps(const struct top_totals *t, char *buf, size_t size);

/* view.c: the curses UI loop; returns an exit code. */
int top_ui_run(struct top_app *a);

#endif /* TDXTOP_H */
