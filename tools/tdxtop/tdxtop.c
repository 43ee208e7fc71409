// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tdxtop - live monitor of Intel TDX confidential VMs on a KVM host.
 *
 * What top is for processes and kvm_stat for VM exits: per TD and per
 * SEAMCALL leaf rates and latency quantiles, EPT violations, MapGPA
 * conversions, FROZEN_SPTE retries and hugepage mixing, from the in-kernel
 * aggregation of the tdxtrace BPF programs.  Sources: this kernel (default),
 * a recorded file (--replay) or the built-in simulator (--sim).
 *
 * This file: options, opening the session, and the sampler (advance the
 * source, take a snapshot, diff it with the previous one, build the model).
 * The curses UI is in view.c, batch output in batch.c, the model in model.c.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <malloc.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "source.h"
#include "tdxtop.h"
#include "window.h"

volatile sig_atomic_t top_quit;

static void on_signal(int sig)
{
	(void)sig;
	top_quit = 1;
}

__u64 top_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

__u64 top_thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

static __u64 cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((__u64)ru.ru_utime.tv_sec + (__u64)ru.ru_stime.tv_sec) * 1000000000ULL +
	       ((__u64)ru.ru_utime.tv_usec + (__u64)ru.ru_stime.tv_usec) * 1000ULL;
}

static long peak_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* ----------------------------------------------------------- sampling */

int top_rebuild(struct top_app *a)
{
	const struct tdx_snapshot *w;
	double dt;
	int err;

	if (!a->have_cur)
		return 0;
	if (a->cumulative || !a->have_win) {
		w = &a->cur;
		dt = a->cumulative ? a->cum_dt : a->dt;
	} else {
		w = &a->win;
		dt = a->dt;
	}
	if (a->have_model)
		top_model_free(&a->model);
	a->have_model = false;
	/* the TD view's filter also filters the leaf tables (their TDs) */
	/* dt 0 (a window of span 0): every rate is unknown, not n / 1 ns */
	err = top_model_build_filtered(&a->model, w, &a->cur, dt,
				       a->leaf_pid, a->filter[TOP_VIEW_TD]);
	if (err)
		return err;
	a->have_model = true;
	for (int v = 0; v < TOP_VIEW_MAX; v++)
		top_sort(&a->model, (enum top_view)v, a->sort_col[v],
			 a->sort_desc[v]);
	return 0;
}

/*
 * One window of the session (tools/lib/window.h): a replay or simulation
 * advances by one interval of source time, its last window up to the last
 * event (its real span); live, the window is the time since the last
 * sample.  The iterator owns both snapshots: a->cur and a->win are views
 * of them, valid until the next sample.
 */
int top_sample(struct top_app *a)
{
	__u64 t0, t1, t2, now, cpu, c0, c1, c2, c3;
	struct tdx_window w;
	int ret;

	t0 = top_mono_ns();
	c0 = top_thread_cpu_ns();
	if (a->ended) {
		/* nothing is left to feed: keep showing the last window */
		t1 = t0;
		c1 = c2 = c0;
		now = t0;
		goto model;
	}
	if (a->offline)
		tdx_window_set_interval(a->wit, (__u64)llround(a->interval * 1e9));
	ret = tdx_window_next(a->wit, &w);
	t1 = top_mono_ns();
	c1 = top_thread_cpu_ns();
	if (ret <= 0) {
		snprintf(a->err, sizeof(a->err), "%s", ret ? tdx_last_error() :
			 "no window left");
		return ret ? ret : -ENODATA;
	}
	a->ended = w.eof;
	if (a->ended && a->offline) {
		/* a source without TDX events is not an idle host: NODATA */
		int rc = tdx_cl_check_source(&a->cl, a->s, tdx_cl_source_name(&a->cl),
					     a->notice, sizeof(a->notice));

		if (rc) {
			int k = (int)strcspn(a->notice, "\n");

			if (k >= (int)sizeof(a->err))
				k = (int)sizeof(a->err) - 1;
			memcpy(a->err, a->notice, (size_t)k);
			a->err[k] = 0;
			a->notice[0] = 0;
			a->exit_code = rc;
			return -ENODATA;
		}
	}
	a->cur = *w.total;
	a->have_cur = true;
	a->win = *w.delta;
	a->have_win = true;
	a->dt = (double)w.span_ns / 1e9;
	a->cum_dt += a->dt;
	now = top_mono_ns();
	c2 = top_thread_cpu_ns();
	a->snapshot_us = (double)(now - t1) / 1e3;
model:
	cpu = cpu_ns();
	if (now > a->last_mono_ns)
		a->cpu_pct = (double)(cpu - a->last_cpu_ns) * 100.0 /
			     (double)(now - a->last_mono_ns);
	a->last_mono_ns = now;
	a->last_cpu_ns = cpu;
	a->rss_kb = peak_rss_kb();

	ret = top_rebuild(a);
	if (ret) {
		snprintf(a->err, sizeof(a->err), "out of memory");
		return ret;
	}
	/*
	 * No malloc_trim() here: returning the freed snapshot to the system made
	 * the next one page-fault its whole 4-12 MB back in (64 TDs: 108 ms of
	 * CPU per refresh instead of 13 ms).  The heap stays at its high mark.
	 */
	t2 = top_mono_ns();
	c3 = top_thread_cpu_ns();
	a->advance_cpu_us = (double)(c1 - c0) / 1e3;
	a->snapshot_cpu_us = (double)(c2 - c1) / 1e3;
	a->model_cpu_us = (double)(c3 - c2) / 1e3;
	a->advance_us = (double)(t1 - t0) / 1e3;
	a->refresh_us = (double)(t2 - t1) / 1e3;
	a->model_us = (double)(t2 - now) / 1e3;
	a->iter++;
	return 0;
}

int top_reset(struct top_app *a)
{
	const struct tdx_snapshot *base;
	int err = tdx_reset(a->s);

	if (err)
		return err;
	a->have_win = false;
	a->have_cur = false;
	a->cum_dt = 0;
	/* the zeroed maps are the new baseline */
	err = tdx_window_rebase(a->wit);
	if (err)
		return err;
	base = tdx_window_total(a->wit);
	if (base) {
		a->cur = *base;
		a->have_cur = true;
	}
	a->last_mono_ns = top_mono_ns();
	a->last_cpu_ns = cpu_ns();
	return top_rebuild(a);
}

/* ------------------------------------------------------------ options */

static const char version[] = "tdxtop " TDXTRACE_VERSION;

static const char doc[] =
"Live monitor of Intel TDX confidential VMs (TDs) on a KVM host: per TD and "
"per SEAMCALL leaf rates and latency quantiles, EPT violations, MapGPA "
"conversions, FROZEN_SPTE retries and hugepage mixing.  [INTERVAL [COUNT]]: "
"refresh every INTERVAL (default 1 s, at least 0.05 s), stop after COUNT."
"\v"
"Examples:\n"
"  tdxtop                           watch this host's TDs\n"
"  tdxtop --sim steady              the simulator (no TDX hardware needed)\n"
"  tdxtop -b -d 5 -n 12 --json      one JSON line every 5 s for a minute\n"
"  tdxtop --log --sim steady 1 10   one line per interval (kvm_stat -l)\n"
"  tdxtop --csv -o run.csv -n 60    the same as CSV, into run.csv\n"
"  tdxtop -1 --sim steady           one report of one interval, then exit\n"
"  tdxtop -p 4242 -V leaf           the SEAMCALLs of one TD\n"
"  tdxtop -g vm1                    the TD of libvirt domain vm1\n"
"Keys: h help, q quit (more in the help screen and tdxtop(8)).\n"
"Exit codes: tdxtop(8), EXIT STATUS.";

enum {
	OPT_NO_COLOR = 0x200, OPT_REALTIME, OPT_VERSION, OPT_LOG,
};

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Display:", 1 },
	{ "batch", 'b', NULL, 0, "No curses: print a text report per interval", 1 },
	{ "log", OPT_LOG, NULL, 0, "No curses: one line per interval (kvm_stat -l); "
	  "with --csv as CSV", 1 },
	{ "cumulative", 'c', NULL, 0, "Totals since start instead of per interval", 1 },
	{ "sort", 's', "COLUMN", 0, "Sort the TD view by COLUMN (e.g. P99, BUSY/s)", 1 },
	{ "view", 'V', "VIEW", 0, "Start in view td, leaf, mapgpa or mix", 1 },
	{ "no-color", OPT_NO_COLOR, NULL, 0, "No colors (also when NO_COLOR is set)", 1 },
	{ "realtime", OPT_REALTIME, NULL, 0, "Pace a replay/sim at one interval per "
	  "interval of wall time in batch mode too", 1 },
	{ "version", OPT_VERSION, NULL, 0, "Print the version", -1 },
	{},
};

static int parse_view(const char *s)
{
	if (!strcasecmp(s, "td") || !strcasecmp(s, "tds"))
		return TOP_VIEW_TD;
	if (!strcasecmp(s, "leaf") || !strcasecmp(s, "leaves"))
		return TOP_VIEW_LEAF;
	if (!strcasecmp(s, "mapgpa") || !strcasecmp(s, "map"))
		return TOP_VIEW_MAPGPA;
	if (!strcasecmp(s, "mix") || !strcasecmp(s, "mixing"))
		return TOP_VIEW_MIX;
	return -1;
}

struct parse_state {
	struct top_app *a;
	const char *sort;
	bool version;
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct parse_state *ps = state->input;
	struct top_app *a = ps->a;

	switch (key) {
	case 'b':
		a->batch = true;
		break;
	case OPT_LOG:
		a->batch = a->log = true;
		break;
	case 'c':
		a->cumulative = true;
		break;
	case 's':
		ps->sort = arg;
		break;
	case 'V': {
		int v = parse_view(arg);

		if (v < 0)
			return tdx_cl_usage_error(state, "unknown view '%s' (td, leaf, mapgpa, mix)",
						  arg);
		a->view = (enum top_view)v;
		break;
	}
	case OPT_NO_COLOR:
		a->color = false;
		break;
	case OPT_REALTIME:
		a->realtime = true;
		break;
	case OPT_VERSION:
		printf("%s\n", version);
		ps->version = true;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* Returns -1 to go on, or an exit code. */
static int parse_args(struct top_app *a, int argc, char **argv)
{
	static const struct argp argp = { .options = options, .parser = parse_opt, .doc = doc };
	struct parse_state ps = { .a = a };
	struct tdx_cl *cl = &a->cl;
	int rc;

	tdx_cl_init(cl, "tdxtop", TDX_CL_SOURCE | TDX_CL_FILTER | TDX_CL_JSON | TDX_CL_CSV |
		    TDX_CL_OUTPUT | TDX_CL_ZERO | TDX_CL_TIME | TDX_CL_VERBOSE);
	cl->min_interval_ns = 50000000;		/* 0.05 s */
	cl->args_doc = "[INTERVAL [COUNT]]";
	rc = tdx_cl_parse(cl, &argp, &ps, argc, argv);
	if (rc == 1 || ps.version)
		return TDX_EXIT_OK;
	if (rc)
		return rc;
	a->opts = cl->opts;
	if (cl->interval_ns)
		a->interval = (double)cl->interval_ns / 1e9;
	a->iterations = cl->count;
	a->skip_zero = cl->skip_zero;
	a->csv = cl->csv;
	if (cl->json)
		a->batch = a->json = true;
	if (cl->csv)
		a->batch = a->log = true;	/* CSV is the log mode's format */
	if (cl->once || cl->out_path)
		a->batch = true;
	if (a->log && a->json)
		return tdx_cl_usage_errorf(cl, "--log and --json exclude each other");
	if (ps.sort) {
		int col = top_col_find(a->view, ps.sort);

		if (col < 0)
			return tdx_cl_usage_errorf(cl, "unknown sort column '%s' (see the "
						   "help screen, h)", ps.sort);
		a->sort_col[a->view] = col;
	}
	if (a->opts.filter.npids == 1)
		a->leaf_pid = a->opts.filter.pids[0];
	/* the drill-down's slowest GPAs: only slow violations, or the table fills */
	a->opts.filter.gfn_min_ns = TDX_EPT_GFN_MIN_NS;
	return -1;
}

/* Label an offline source: what it is, and its host/kernel. */
static void label_source(struct top_app *a)
{
	const struct tdx_source_info *info = tdx_source_of(a->s);

	if (a->opts.source == TDX_SRC_SIM)
		snprintf(a->source, sizeof(a->source), "sim %s", a->opts.sim_spec);
	else
		snprintf(a->source, sizeof(a->source), "replay %s", a->opts.replay_path);
	if (info) {
		snprintf(a->host, sizeof(a->host), "%s", info->host[0] ? info->host : "?");
		snprintf(a->kernel, sizeof(a->kernel), "%s",
			 info->kernel[0] ? info->kernel : "?");
	}
}

static int run_batch(struct top_app *a)
{
	bool pace = !a->offline || a->realtime;
	__u64 step = (__u64)llround(a->interval * 1e9);
	__u64 next = top_mono_ns() + step;
	int err;

	while (!top_quit) {
		if (pace) {
			struct timespec ts = {
				.tv_sec = (time_t)(next / 1000000000ULL),
				.tv_nsec = (long)(next % 1000000000ULL),
			};

			/* sleep interval - elapsed; a signal ends the wait */
			if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
					    NULL) == EINTR && top_quit)
				break;
			next += step;
			if (next < top_mono_ns())	/* overrun: skip, don't burst */
				next = top_mono_ns() + step;
		}
		err = top_sample(a);
		if (err) {
			if (a->exit_code) {	/* the message names the tool */
				fprintf(stderr, "%s\n", a->err);
				return a->exit_code;
			}
			fprintf(stderr, "tdxtop: %s\n", a->err);
			return TDX_EXIT_FAIL;
		}
		{
			__u64 t0 = top_mono_ns(), c0 = top_thread_cpu_ns();
			bool bad = false;

			errno = 0;
			if (a->json)
				bad = top_print_json(a->out, a) != 0;
			else if (a->log)
				top_print_log(a->out, a, a->iter == 1 ||
					      (!a->csv && a->iter % 20 == 1));
			else
				top_print_text(a->out, a);
			if (fflush(a->out) == EOF || ferror(a->out) || bad) {
				if (errno == EPIPE)	/* the reader is gone (| head) */
					return TDX_EXIT_OK;
				fprintf(stderr, "tdxtop: write: %s\n",
					strerror(errno ? errno : EIO));
				return TDX_EXIT_CANTCREAT;
			}
			a->draw_us = (double)(top_mono_ns() - t0) / 1e3;
			a->draw_cpu_us = (double)(top_thread_cpu_ns() - c0) / 1e3;
		}
		if (a->iterations && a->iter >= a->iterations)
			break;
		if (a->ended)
			break;
	}
	return TDX_EXIT_OK;
}

int main(int argc, char **argv)
{
	static struct top_app app;
	struct top_app *a = &app;
	struct sigaction sa;
	const char *nc = getenv("NO_COLOR");
	int ret, err;

	setlocale(LC_ALL, "");
	a->opts = (struct tdx_opts)TDX_OPTS_INIT;
	a->interval = 1.0;
	a->color = !(nc && *nc);
	for (int v = 0; v < TOP_VIEW_MAX; v++)
		a->sort_desc[v] = true;
	a->sort_col[TOP_VIEW_TD] = top_col_find(TOP_VIEW_TD, "SC/s");
	a->sort_col[TOP_VIEW_LEAF] = top_col_find(TOP_VIEW_LEAF, "CALLS/s");
	a->sort_col[TOP_VIEW_MAPGPA] = top_col_find(TOP_VIEW_MAPGPA, "REQ/s");
	a->sort_col[TOP_VIEW_MIX] = top_col_find(TOP_VIEW_MIX, "MIX%");

	ret = parse_args(a, argc, argv);
	if (ret >= 0)
		return ret;
	if (!a->batch && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		return tdx_cl_usage_errorf(&a->cl, "not a terminal; use -b (batch), --log "
					   "or --json");
	}
	a->offline = a->opts.source != TDX_SRC_LIVE;
	if (!a->batch && a->opts.source == TDX_SRC_SIM &&
	    !strstr(a->opts.sim_spec, "duration=") &&
	    strncmp(a->opts.sim_spec, "boot", 4)) {
		/*
		 * A monitor should keep moving: the simulator's default of 10 s
		 * is made for tests.  Stationary scenarios run an hour in the
		 * UI unless duration= is given (boot spreads its conversions
		 * over the duration, so it keeps the simulator's default).
		 */
		static char spec[512];

		snprintf(spec, sizeof(spec), "%s,duration=3600s", a->opts.sim_spec);
		a->opts.sim_spec = spec;
	}
	if (!a->offline) {
		struct utsname u;

		if (uname(&u) == 0) {
			snprintf(a->host, sizeof(a->host), "%s", u.nodename);
			snprintf(a->kernel, sizeof(a->kernel), "%s", u.release);
		}
		snprintf(a->source, sizeof(a->source), "live");
	}
	tdx_set_verbose(a->opts.verbose);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* only sets a flag; no SA_RESTART */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* -g NAME: the pids of that guest; errors say what was probed */
	err = tdx_cl_resolve(&a->cl, &a->opts);
	if (err)
		return err;
	if (a->opts.filter.npids == 1)
		a->leaf_pid = a->opts.filter.pids[0];
	err = tdx_open(&a->s, &a->opts);
	if (err)
		return tdx_cl_open_failed(&a->cl, err);
	{
		struct tdx_window_opts wo = {
			/* live: tdxtop's UI paces the windows */
			.interval_ns = a->offline ? (__u64)llround(a->interval * 1e9) : 0,
			.no_wait = !a->offline,
		};

		err = tdx_window_open(&a->wit, a->s, &wo);
		if (err) {
			fprintf(stderr, "tdxtop: %s\n", tdx_last_error());
			tdx_close(a->s);
			return TDX_EXIT_FAIL;
		}
	}
	if (a->offline)
		label_source(a);
	snprintf(a->mode, sizeof(a->mode), "%s", tdx_mode_name(tdx_mode(a->s)));
	a->missing = tdx_missing(a->s);
	a->last_mono_ns = top_mono_ns();
	a->last_cpu_ns = cpu_ns();

	if (a->batch) {
		struct tdx_cl_out out;

		/* -o FILE: a temporary next to it, renamed when complete */
		err = tdx_cl_out_open(&out, a->cl.out_path);
		if (err) {
			fprintf(stderr, "tdxtop: %s\n", tdx_last_error());
			ret = TDX_EXIT_CANTCREAT;
		} else {
			a->out = out.f;
			ret = run_batch(a);
			err = tdx_cl_out_close(&out, ret == TDX_EXIT_OK);
			if (err && ret == TDX_EXIT_OK) {
				fprintf(stderr, "tdxtop: %s\n", tdx_last_error());
				ret = TDX_EXIT_CANTCREAT;
			}
		}
	} else {
		ret = top_ui_run(a);
	}

	fputs(a->notice, stderr);	/* skipped records, a sampled recording */
	if (a->have_model)
		top_model_free(&a->model);
	tdx_window_close(a->wit);	/* owns a->cur and a->win */
	tdx_close(a->s);
	return ret;
}
