// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * driver.c - the session loop every report subcommand shares.
 *
 *   live, no interval:     run until Ctrl-C (or -d), then one report
 *   live, interval:        a report (of that interval) every INTERVAL
 *   offline, no interval:  feed the whole source, then one report
 *                          (reports with a time series sample it in 1 s steps)
 *   offline, interval:     step INTERVAL of source time per report
 *
 * Interval reports show deltas (tdx_snapshot_diff); COUNT limits how many.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "source.h"

#define SERIES_STEP_NS	1000000000ULL	/* offline time series step */
#define POLL_MS		100

volatile sig_atomic_t cli_stop;

static void on_signal(int sig)
{
	(void)sig;
	cli_stop = 1;
}

void cli_install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);	/* terminal gone: finish the file/report too */
}

int cli_exit_code(int err)
{
	/* TDX_EXIT_TABLE: a missing input is NOINPUT, no TDX UNAVAILABLE, ... */
	return tdx_cl_exit_code(NULL, err);
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/* The offline source's own info (a session opened by cli_open()). */
int cli_source_info(const struct cli *c, struct tdx_session *s, struct tdx_source_info *info)
{
	const struct tdx_source_info *i = tdx_source_of(s);

	if (!i) {
		fprintf(stderr, "%s: no offline source\n", c->prog);
		return TDX_EXIT_FAIL;
	}
	*info = *i;
	return 0;
}

int cli_open(struct cli *c, struct tdx_session **out)
{
	const char *missing;
	int err;

	tdx_set_verbose(c->verbose);
	/*
	 * Only reports that list the slowest GPAs track violations per GFN, and
	 * only the slow ones by default: fast faults would fill the table.
	 */
	if (c->gfn_min_set)
		c->topts.filter.gfn_min_ns = c->gfn_min_ns;
	else if (!strcmp(c->cmd, "ept") || !strcmp(c->cmd, "report"))
		c->topts.filter.gfn_min_ns = TDX_EPT_GFN_MIN_NS;
	else
		c->topts.filter.gfn_min_ns = TDX_GFN_TRACK_NONE;
	err = tdx_cl_resolve(&c->cl, &c->topts);	/* -g NAME */
	if (err)
		return err;
	err = tdx_open(out, &c->topts);
	if (err) {
		struct tdx_cl cl = c->cl;

		cl.opts = c->topts;	/* report FILE is a replay too */
		return tdx_cl_open_failed(&cl, err);
	}
	missing = tdx_missing(*out);
	if (missing && *missing)
		fprintf(stderr, "%s: note: in %s mode tdxtrace cannot see %s\n", c->prog,
			tdx_mode_name(tdx_mode(*out)), missing);
	/* offline: the source's header start, else its first event */
	c->start_ns = c->topts.source == TDX_SRC_LIVE ? tdx_now(*out) : tdx_start_ns(*out);
	return 0;
}

static void emit(struct cli *c, const struct cli_report *r, const struct tdx_snapshot *s)
{
	if (c->json) {
		struct json_object *o = r->json(c, s);

		cli_json_print(stdout, o);
		json_object_put(o);
	} else {
		r->text(stdout, c, s);
		fflush(stdout);
	}
}

static int advance_err(struct cli *c, int ret)
{
	fprintf(stderr, "%s: %s\n", c->prog, tdx_last_error());
	return cli_exit_code(ret);
}

/* Live: wait until deadline (mono ns) or a signal, polling the session. */
static int live_wait(struct tdx_session *s, __u64 deadline)
{
	while (!cli_stop) {
		__u64 now = mono_ns();
		int ms, ret;

		if (deadline && now >= deadline)
			break;
		ms = deadline ? (int)((deadline - now) / 1000000) + 1 : POLL_MS;
		if (ms > POLL_MS)
			ms = POLL_MS;
		ret = tdx_advance(s, 0, ms);
		if (ret < 0 && ret != -EINTR)
			return ret;
	}
	return 0;
}

int cli_collect(struct cli *c, const struct cli_report *r, struct tdx_session *s,
		struct tdx_snapshot *snap)
{
	bool offline = c->topts.source != TDX_SRC_LIVE;
	int ret;

	if (offline && r && r->sample) {
		struct tdx_snapshot prev = { 0 }, cur, delta;
		bool have_prev = false;

		do {
			ret = tdx_advance(s, SERIES_STEP_NS, 0);
			if (ret < 0)
				break;
			if (tdx_snapshot(s, &cur)) {
				if (have_prev)
					tdx_snapshot_free(&prev);
				return advance_err(c, -EIO);
			}
			if (have_prev && !tdx_snapshot_diff(&delta, &cur, &prev)) {
				r->sample(c, &cur, &delta);
				tdx_snapshot_free(&delta);
			} else {
				r->sample(c, &cur, &cur);
			}
			if (have_prev)
				tdx_snapshot_free(&prev);
			prev = cur;
			have_prev = true;
		} while (ret == 0 && !cli_stop);
		if (have_prev)
			tdx_snapshot_free(&prev);
	} else if (offline) {
		do
			ret = tdx_advance(s, 0, 0);
		while (ret == 0 && !cli_stop);
	} else {
		__u64 deadline = c->duration_ns ? mono_ns() + c->duration_ns : 0;

		if (!c->json)
			fprintf(stderr, "Tracing TDX events%s... Hit Ctrl-C to end.\n",
				c->topts.filter.npids ? " of the selected TDs" : "");
		ret = live_wait(s, deadline);
	}
	if (ret < 0)
		return advance_err(c, ret);
	ret = tdx_snapshot(s, snap);
	if (ret)
		return advance_err(c, ret);
	c->span_ns = snap->ts_ns > c->start_ns ? snap->ts_ns - c->start_ns : 0;
	return 0;
}

static int run_whole(struct cli *c, const struct cli_report *r, struct tdx_session *s,
		     struct tdx_snapshot *snap)
{
	int rc = cli_collect(c, r, s, snap);

	if (!rc)
		emit(c, r, snap);
	return rc;
}

static int run_intervals(struct cli *c, const struct cli_report *r, struct tdx_session *s,
			 struct tdx_snapshot *last)
{
	bool offline = c->topts.source != TDX_SRC_LIVE;
	__u64 end = c->duration_ns ? mono_ns() + c->duration_ns : 0;
	struct tdx_snapshot prev, cur, delta;
	__u64 prev_ts = c->start_ns;
	int ret = 0, rc = 0;
	long n = 0;

	if (tdx_snapshot(s, &prev))
		return advance_err(c, -EIO);
	if (!offline && !c->json)
		fprintf(stderr, "Tracing TDX events... Hit Ctrl-C to end.\n");
	for (;;) {
		bool done;

		if (offline) {
			ret = tdx_advance(s, c->interval_ns, 0);
		} else {
			__u64 deadline = mono_ns() + c->interval_ns;

			if (end && deadline > end)
				deadline = end;
			ret = live_wait(s, deadline);
		}
		if (ret < 0) {
			rc = advance_err(c, ret);
			break;
		}
		if (tdx_snapshot(s, &cur)) {
			rc = advance_err(c, -EIO);
			break;
		}
		if (tdx_snapshot_diff(&delta, &cur, &prev)) {
			tdx_snapshot_free(&cur);
			rc = advance_err(c, -ENOMEM);
			break;
		}
		/* an offline step covers INTERVAL of source time, even if quiet */
		c->span_ns = offline ? c->interval_ns : cur.ts_ns - prev_ts;
		prev_ts = offline ? prev_ts + c->interval_ns : cur.ts_ns;
		if (r->sample)
			r->sample(c, &cur, &delta);
		emit(c, r, &delta);
		if (!c->json)
			fputc('\n', stdout);
		tdx_snapshot_free(&delta);
		tdx_snapshot_free(&prev);
		prev = cur;
		n++;
		done = (c->count && n >= c->count) || cli_stop || (offline && ret == 1) ||
		       (end && mono_ns() >= end);
		if (done)
			break;
	}
	*last = prev;
	return rc;
}

int cli_run_report(struct cli *c, const struct cli_report *r)
{
	struct tdx_session *s;
	struct tdx_snapshot snap = { 0 };
	int rc;

	if (r->prepare)
		r->prepare(c);
	rc = cli_open(c, &s);
	if (rc)
		return rc;
	if (c->interval_ns)
		rc = run_intervals(c, r, s, &snap);
	else
		rc = run_whole(c, r, s, &snap);
	if (!rc && r->finish && r->finish(c, &snap))
		rc = TDX_EXIT_FAIL;
	tdx_snapshot_free(&snap);
	tdx_close(s);
	cli_mix_cleanup(c);
	return rc;
}
