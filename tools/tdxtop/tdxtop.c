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
	err = top_model_build(&a->model, w, &a->cur, dt > 0 ? dt : 1e-9,
			      a->leaf_pid);
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

static void usage(FILE *f)
{
	fprintf(f,
"Usage: tdxtop [OPTIONS]\n"
"Live monitor of Intel TDX confidential VMs (TDs) on a KVM host.\n"
"\n"
"Source (default: this kernel, needs CAP_BPF and CAP_PERFMON):\n"
"      --sim SCENARIO[:SEED][,key=val...]  the built-in simulator\n"
"      --replay FILE          a tdxtrace record file or a trace-cmd trace.dat\n"
"\n"
"Display:\n"
"  -d, --delay SECONDS        refresh interval (default 1, min 0.05)\n"
"  -n, --iterations N         stop after N refreshes\n"
"  -b, --batch                no curses: print a text report per interval\n"
"  -j, --json                 batch mode, one JSON object per interval\n"
"  -c, --cumulative           totals since start instead of per interval\n"
"  -s, --sort COLUMN          sort the TD view by COLUMN (e.g. P99, BUSY/s)\n"
"  -V, --view VIEW            start in view td, leaf, mapgpa or mix\n"
"      --no-color             no colors (also when NO_COLOR is set)\n"
"      --realtime             pace a replay/sim at one interval per interval\n"
"                             of wall time in batch mode too\n"
"Filters (applied in the kernel):\n"
"  -p, --pid PID              only this TD (VMM pid); repeatable, up to %d\n"
"  -l, --leaf LEAF            only this SEAMCALL leaf (name or number); repeatable\n"
"\n"
"  -v, --verbose              libbpf and loader messages\n"
"  -h, --help                 this help\n"
"      --version              version\n"
"\n"
"Examples:\n"
"  tdxtop                           watch this host's TDs\n"
"  tdxtop --sim steady              the simulator (no TDX hardware needed)\n"
"  tdxtop -b -d 5 -n 12 --json      one JSON line every 5 s for a minute\n"
"  tdxtop -p 4242 -V leaf           the SEAMCALLs of one TD\n"
"Keys: h help, q quit (more in the help screen and tdxtop(8)).\n",
		TDX_FILTER_MAX_PIDS);
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "tdxtop: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'tdxtop --help'.\n");
	return TDX_EXIT_USAGE;
}

enum {
	OPT_SIM = 256, OPT_REPLAY, OPT_NO_COLOR, OPT_REALTIME, OPT_VERSION,
};

static const struct option long_opts[] = {
	{ "sim",	required_argument, NULL, OPT_SIM },
	{ "replay",	required_argument, NULL, OPT_REPLAY },
	{ "delay",	required_argument, NULL, 'd' },
	{ "iterations",	required_argument, NULL, 'n' },
	{ "batch",	no_argument,	   NULL, 'b' },
	{ "json",	no_argument,	   NULL, 'j' },
	{ "cumulative",	no_argument,	   NULL, 'c' },
	{ "sort",	required_argument, NULL, 's' },
	{ "view",	required_argument, NULL, 'V' },
	{ "no-color",	no_argument,	   NULL, OPT_NO_COLOR },
	{ "realtime",	no_argument,	   NULL, OPT_REALTIME },
	{ "pid",	required_argument, NULL, 'p' },
	{ "leaf",	required_argument, NULL, 'l' },
	{ "verbose",	no_argument,	   NULL, 'v' },
	{ "help",	no_argument,	   NULL, 'h' },
	{ "version",	no_argument,	   NULL, OPT_VERSION },
	{ 0 }
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

/* Returns -1 to go on, or an exit code. */
static int parse_args(struct top_app *a, int argc, char **argv)
{
	const char *sort = NULL;
	char *end;
	int c, n_src = 0;

	while ((c = getopt_long(argc, argv, "d:n:bjcs:V:p:l:vh", long_opts,
				NULL)) != -1) {
		switch (c) {
		case OPT_SIM:
			a->opts.source = TDX_SRC_SIM;
			a->opts.sim_spec = optarg;
			n_src++;
			break;
		case OPT_REPLAY:
			a->opts.source = TDX_SRC_REPLAY;
			a->opts.replay_path = optarg;
			n_src++;
			break;
		case 'd':
			errno = 0;
			a->interval = strtod(optarg, &end);
			if (errno || end == optarg || *end || !isfinite(a->interval) ||
			    a->interval < 0.05 || a->interval > 86400)
				return usage_error("invalid delay '%s' (seconds, 0.05 to 86400)",
						   optarg);
			break;
		case 'n':
			errno = 0;
			a->iterations = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || a->iterations <= 0)
				return usage_error("invalid iteration count '%s' (a positive integer)",
						   optarg);
			break;
		case 'b':
			a->batch = true;
			break;
		case 'j':
			a->batch = a->json = true;
			break;
		case 'c':
			a->cumulative = true;
			break;
		case 's':
			sort = optarg;
			break;
		case 'V': {
			int v = parse_view(optarg);

			if (v < 0)
				return usage_error("unknown view '%s' (td, leaf, mapgpa, mix)",
						   optarg);
			a->view = (enum top_view)v;
			break;
		}
		case OPT_NO_COLOR:
			a->color = false;
			break;
		case OPT_REALTIME:
			a->realtime = true;
			break;
		case 'p': {
			unsigned long pid;

			errno = 0;
			pid = strtoul(optarg, &end, 10);
			if (errno || !isdigit((unsigned char)*optarg) || *end || !pid ||
			    pid > INT_MAX)	/* isdigit: strtoul takes "-5" as 2^64 - 5 */
				return usage_error("invalid pid '%s'", optarg);
			if (a->opts.filter.npids >= TDX_FILTER_MAX_PIDS)
				return usage_error("too many -p (at most %s)", "16");
			a->opts.filter.pids[a->opts.filter.npids++] = (__u32)pid;
			break;
		}
		case 'l': {
			int leaf = tdx_leaf_parse(optarg);

			if (leaf < 0)
				return usage_error("unknown SEAMCALL leaf '%s' (e.g. TDH.MEM.PAGE.AUG or 6)",
						   optarg);
			a->opts.filter.leaf_mask[leaf / 64] |= 1ULL << (leaf % 64);
			break;
		}
		case 'v':
			a->opts.verbose++;
			break;
		case 'h':
			usage(stdout);
			return TDX_EXIT_OK;
		case OPT_VERSION:
			printf("tdxtop %s\n", TDXTRACE_VERSION);
			return TDX_EXIT_OK;
		default:
			fprintf(stderr, "Try 'tdxtop --help'.\n");
			return TDX_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (n_src > 1)
		return usage_error("%s", "--sim and --replay are exclusive (give one source)");
	if (sort) {
		int col = top_col_find(a->view, sort);

		if (col < 0)
			return usage_error("unknown sort column '%s' (see tdxtop --help and the help screen)",
					   sort);
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
			fprintf(stderr, "tdxtop: %s\n", a->err);
			return TDX_EXIT_FAIL;
		}
		{
			__u64 t0 = top_mono_ns(), c0 = top_thread_cpu_ns();
			bool bad = false;

			errno = 0;
			if (a->json)
				bad = top_print_json(stdout, a) != 0;
			else
				top_print_text(stdout, a);
			if (fflush(stdout) == EOF || ferror(stdout) || bad) {
				if (errno == EPIPE)	/* the reader is gone (| head) */
					return TDX_EXIT_OK;
				fprintf(stderr, "tdxtop: write: %s\n",
					strerror(errno ? errno : EIO));
				return TDX_EXIT_FAIL;
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
		fprintf(stderr, "tdxtop: not a terminal; use -b (batch) or --json\n");
		return TDX_EXIT_USAGE;
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

	err = tdx_open(&a->s, &a->opts);
	if (err) {
		if (tdx_last_failure() == TDX_FAIL_SOURCE) {
			/* a bad --sim spec or --replay file: the input's fault */
			fprintf(stderr, "tdxtop: --%s %s: %s\n",
				a->opts.source == TDX_SRC_SIM ? "sim" : "replay",
				a->opts.source == TDX_SRC_SIM ? a->opts.sim_spec :
								a->opts.replay_path,
				tdx_last_error());
			/* missing/unreadable NOINPUT, corrupt DATAERR, bad spec USAGE */
			return tdx_source_exit_code(err, a->opts.source == TDX_SRC_SIM);
		}
		if (err == -EPERM || err == -EACCES) {
			if (strstr(tdx_last_error(), "CAP_"))
				fprintf(stderr, "tdxtop: %s\n", tdx_last_error());
			else
				fprintf(stderr, "tdxtop: need CAP_BPF and CAP_PERFMON (or root): %s\n",
					tdx_last_error());
			return TDX_EXIT_NOPERM;
		}
		fprintf(stderr, "tdxtop: %s\n", tdx_last_error());
		return err == -EINVAL || err == -ENOENT ? TDX_EXIT_USAGE :
							  TDX_EXIT_FAIL;
	}
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

	ret = a->batch ? run_batch(a) : top_ui_run(a);

	if (a->have_model)
		top_model_free(&a->model);
	tdx_window_close(a->wit);	/* owns a->cur and a->win */
	tdx_close(a->s);
	return ret;
}
