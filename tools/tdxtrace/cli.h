/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * cli.h - the internals of `tdxtrace <cmd>`.
 *
 * Every subcommand is a struct cli_cmd: an argp parser (its own options, with
 * the common source/output options as an argp child) and a run function.
 * Report subcommands (lat, ept, convert, mix, contention, stat) are a struct
 * cli_report: text and JSON renderers of one struct tdx_snapshot.  The
 * renderers are pure (snapshot in, text or json-c object out) so they are
 * unit-tested on synthetic snapshots; the driver (driver.c) owns the session:
 * open, advance by interval, snapshot, diff, render, close.
 */
#ifndef TDXTRACE_CLI_H
#define TDXTRACE_CLI_H

#include <argp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include <json-c/json.h>

#include "cliopts.h"
#include "tdxtrace.h"

struct cli;
struct tdx_source_info;

/* One report over a snapshot (cumulative, or the delta of one interval). */
struct tdx_window;

struct cli_report {
	const char *name;	/* "lat": the JSON "command" and report key */
	/* Optional: adjust the session options before tdx_open (streaming). */
	void (*prepare)(struct cli *c);
	void (*text)(FILE *f, const struct cli *c, const struct tdx_snapshot *s);
	struct json_object *(*json)(const struct cli *c, const struct tdx_snapshot *s);
	/* Optional: --csv, one line per report (w: its window, NULL: the whole run) */
	void (*csv)(FILE *f, const struct cli *c, const struct tdx_snapshot *s,
		    const struct tdx_window *w);
	/*
	 * Optional: called once per interval with the delta snapshot, to
	 * collect a time series (mix over time) for the final report / plot.
	 */
	void (*sample)(struct cli *c, const struct tdx_snapshot *cur,
		       const struct tdx_snapshot *delta);
	/* Optional: called after the last report (plots). 0 or -errno. */
	int (*finish)(struct cli *c, const struct tdx_snapshot *s);
};

/* A time series point of `mix` (and whatever else wants one). */
struct cli_mix_point {
	double t_s;		/* seconds since the source start */
	__s64 mixed_2m, mixed_1g;
	__u64 to_mixed, to_unmixed;
	__s64 private_4k, private_2m, private_1g;
};

/* lat --plot with an interval: one curve per interval (and per TD with -P). */
struct cli_lat_point {
	long interval;			/* 1, 2, ... */
	double t0_s, t1_s;		/* the interval, seconds since the start */
	__u32 pid;			/* -P: the TD; else 0 (all) */
	__u64 l2[TDX_LOG2_SLOTS];	/* SEAMCALLs of every selected leaf */
};

/*
 * Ranges that became mixed, per TD, attributed to the TD's latest MapGPA
 * request: [direction (0 private, 1 shared)][size class].
 */
#define CLI_SPLIT_CLASSES 4		/* <=4K, <=64K, <=2M, >2M */
#define CLI_SPLIT_MAX_TDS 256
struct cli_split {
	__u32 pid;
	bool have_req;
	__u32 req_dir;
	__u64 req_size;
	__u64 by[2][CLI_SPLIT_CLASSES];
	__u64 other;			/* no MapGPA request seen before */
};

struct cli {
	const char *cmd;		/* "lat" */
	const char *prog;		/* "tdxtrace lat" (messages) */

	/* source and filters (common options) */
	struct tdx_opts topts;
	const char *replay_path;
	const char *sim_spec;

	/* output */
	bool json;
	const char *plot;		/* --plot FILE.svg|png */
	int verbose;
	bool timestamps;		/* -T */

	/* time */
	__u64 interval_ns;		/* -i; 0 = one report at the end */
	long count;			/* reports to print; 0 = until the end */
	__u64 duration_ns;		/* -d: live run time; 0 = until Ctrl-C */
	int npos;			/* positionals seen (INTERVAL COUNT / FILE...) */

	/* report options */
	bool per_td;			/* -P */
	__u64 unit_div;			/* 1, 1000 (-u, default), 1000000 (-m) */
	const char *unit_name;		/* "nsecs", "usecs", "msecs" */
	int top;			/* -n: rows in top-N tables */
	__u64 gfn_min_ns;		/* ept --gpa-min: slowest-GPA threshold */
	bool gfn_min_set;
	__u64 start_ns;			/* source start (offline), for rates/times */
	__u64 span_ns;			/* time the current report covers (rates) */

	/* subcommand private state */
	const char *out_path;		/* record/sim: -o FILE */
	__u64 size_limit;		/* record: -s SIZE (bytes per file) */
	int rotate;			/* record: -R N files kept */
	long max_events;		/* sim: -N events */
	const char *file_arg;		/* report FILE */

	/* lat series (sample callback, --plot with an interval) */
	struct cli_lat_point *lat_series;
	size_t n_lat_series, cap_lat_series;
	long n_intervals;
	double t_s;			/* end of the last interval (s since start) */

	/* mix series (sample callback) */
	struct cli_mix_point *series;
	size_t n_series, cap_series;

	/* mix: which conversions split ranges (stream correlation, mix.c) */
	bool splits;			/* correlate (offline default, --splits live) */
	struct cli_split *split;
	size_t n_split;
	void *split_ranges;		/* tsearch tree of range states */

	bool help_shown;		/* -h/--usage printed: exit 0 */

	struct tdx_cl cl;		/* the shared options as parsed (cliopts.h) */
};

/*
 * A subcommand.  Its argp is put together by cli_parse(): the command's own
 * options (NULL: none) parsed by parser (NULL: cli_opt_parse), args_doc and
 * doc (--help), and the common options of children.  A report command takes
 * the source, time and output options and [INTERVAL [COUNT]] (args_doc and
 * children are not used); the driver runs it.  The others give run.
 */
struct cli_cmd {
	const char *name;
	const char *summary;
	const struct argp_option *options;
	argp_parser_t parser;
	const char *args_doc;
	const char *doc;
	const struct argp_child *children;	/* cli_children_source/_output */
	const struct cli_report *report;	/* report commands: the driver runs it */
	int (*run)(struct cli *c);		/* the others */
	bool plot;				/* draws a picture (--plot) */
};

/* ---- opts.c: common options and parsing */
/* Markers of the other commands: source, filters and output; output only */
extern const struct argp_child cli_children_source[], cli_children_output[];
/*
 * Options several commands take, each with the command's own help text:
 * cli_opt_parse() parses them.  A command that gives one of these keys
 * another meaning (lat: -n, nanoseconds) handles that key itself.
 */
#define CLI_KEY_TOP		0x103	/* long options only: no short letter */
#define CLI_KEY_DURATION	0x102
#define CLI_OPT_TOP(doc)	{ "top", CLI_KEY_TOP, "N", 0, doc, 0 }
#define CLI_OPT_MSECS		{ "milliseconds", 'm', NULL, 0, "Histograms in milliseconds", 0 }
#define CLI_OPT_PER_TD(doc)	{ "per-td", 'P', NULL, 0, doc, 0 }
#define CLI_OPT_OUTPUT(doc)	{ "output", 'o', "FILE", 0, doc, 0 }
#define CLI_OPT_DURATION(doc)	{ "duration", CLI_KEY_DURATION, "DURATION", 0, doc, 0 }
/* The parser of those (a command's parser ends with it): --top -m -P -o --duration. */
error_t cli_opt_parse(int key, char *arg, struct argp_state *state);

void cli_init(struct cli *c, const char *cmd);
/*
 * Parse argv (argv[0] is the subcommand name) with the command's argp.
 * Returns 0 (go on), 1 (help was printed: exit 0) or TDX_EXIT_USAGE after
 * printing one message and the usage line to stderr.
 */
int cli_parse(struct cli *c, const struct cli_cmd *cmd, int argc, char **argv);
/* Usage error from inside an argp parser: message + usage, returns EINVAL. */
error_t cli_usage_error(struct argp_state *state, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Parse "1.5", "250ms", "2s", "10us", "3m" -> ns; -1 on error. */
long long cli_parse_duration(const char *s, const char *default_unit);
/* Parse "100M", "4k", "1G", "123" -> bytes; -1 on error. */
long long cli_parse_size(const char *s);
/* Parse "PID[,PID...]" into the filter; -1 on error. */
int cli_parse_pids(struct tdx_filter *f, const char *s);
/* Parse "LEAF[,LEAF...]" into the filter's leaf mask; -1 and *bad on error. */
int cli_parse_leaves(struct tdx_filter *f, const char *s, char *bad, size_t badlen);

/* ---- fmt.c: shared formatting */
const char *cli_td_comm(const struct tdx_snapshot *s, __u32 pid);
/* "12.3 us", "1.20 ms", "850 ns" */
const char *cli_fmt_ns(char *buf, size_t len, double ns);
const char *cli_fmt_bytes(char *buf, size_t len, double bytes);
/* Seconds covered by the current report (c->span_ns); 0 if unknown. */
double cli_seconds(const struct cli *c);
/* Dropped / lost counters line (every text report ends with it). */
void cli_print_counters(FILE *f, const struct tdx_snapshot *s);
void cli_print_header(FILE *f, const struct cli *c, const struct tdx_snapshot *s);
__u64 cli_dropped_total(const struct tdx_counters *k);
const char *cli_map_name(int id);
/* json helpers */
struct json_object *cli_json_u64(__u64 v);
/* n per second over secs; null (unknown) when the span is 0, never 0 */
struct json_object *cli_json_rate(__u64 n, double secs);
struct json_object *cli_json_hist(const __u64 *hist, __u64 sum_ns, __u64 min_ns,
				  __u64 max_ns);
struct json_object *cli_json_status(const __u64 *status);
struct json_object *cli_json_counters(const struct tdx_snapshot *s);
/* The envelope every JSON report has: command, version, source, ts, counters. */
struct json_object *cli_json_envelope(const struct cli *c, const struct tdx_snapshot *s,
				      const char *command);
void cli_json_print(FILE *f, struct json_object *o);
/* Summary line of a latency histogram: count avg p50 p90 p99 max. */
void cli_print_lat_summary(FILE *f, const struct cli *c, const __u64 *hist,
			   __u64 count, __u64 sum_ns, __u64 max_ns);
void cli_print_status(FILE *f, const char *indent, const __u64 *status);

/* ---- reports (one file each) */
extern const struct cli_report cli_report_lat, cli_report_ept, cli_report_convert,
	cli_report_mix, cli_report_contention, cli_report_stat, cli_report_flows;
/* mix: the stream callback that attributes splits (ctx: struct cli). */
int cli_mix_stream(void *ctx, const struct tdx_event *ev);
void cli_mix_cleanup(struct cli *c);
/* stat helper: events of one kind attributed to one TD from the maps. */
__u64 cli_td_events(const struct tdx_snapshot *s, __u32 pid, int kind);

/* ---- sim.c: decoding single events (sim, record -P) */
const char *cli_event_arg_name(int kind, int i);
void cli_print_event(FILE *f, const struct tdx_event *ev, __u64 start_ns);
struct json_object *cli_json_event(const struct tdx_event *ev);

/* ---- plot.c: gnuplot through a pipe into FILE.tmp, then rename */
int cli_plot_lat(const struct cli *c, const struct tdx_snapshot *s);
int cli_plot_mix(const struct cli *c);
/*
 * Time series: rows of (t_s, col 1..ncols), one line per column (names);
 * a negative value is plotted as no data.  extra: gnuplot commands (or NULL).
 */
int cli_plot_series(const char *path, const char *title, const char *ylabel,
		    const char *extra, const char *const *names, int ncols, const double *rows,
		    size_t nrows);
/* Terminal for a file name: "svg", "pngcairo"; NULL if unsupported. */
const char *cli_plot_terminal(const char *path);

/* ---- driver.c: sessions (needs the loader) */
extern volatile sig_atomic_t cli_stop;
void cli_install_signals(void);
/* tdx_open with the command's options; prints the error and returns an exit code. */
int cli_open(struct cli *c, struct tdx_session **out);
/* The header of the offline source (--replay/FILE or --sim) into *info; exit code. */
int cli_source_info(const struct cli *c, struct tdx_session *s, struct tdx_source_info *info);
/*
 * Run the session to its end (offline) or to Ctrl-C / -d (live) and take the
 * snapshot; r->sample (if r and set) collects a time series.  Exit code.
 */
int cli_collect(struct cli *c, const struct cli_report *r, struct tdx_session *s,
		struct tdx_snapshot *snap);
/* The whole loop of a report subcommand; returns the exit code. */
int cli_run_report(struct cli *c, const struct cli_report *r);
/* Exit code for a library error (-EPERM -> 77). */
int cli_exit_code(int err);

/* ---- subcommands */
extern const struct cli_cmd cli_cmd_lat, cli_cmd_ept, cli_cmd_convert, cli_cmd_mix,
	cli_cmd_contention, cli_cmd_stat, cli_cmd_record, cli_cmd_report, cli_cmd_sim,
	cli_cmd_hugepage;
extern const struct cli_cmd cli_cmd_exporter;	/* exporter*.c, docs/exporter.md */
extern const struct cli_cmd cli_cmd_flows;	/* flows.c: kernel series v2 flows */
extern const struct cli_cmd *const cli_cmds[];

#endif /* TDXTRACE_CLI_H */
