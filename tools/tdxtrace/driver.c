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
 *
 * A runtime TDX module update (tdx_module_segment() moves on) ends a
 * segment: the report of the segment so far is printed under a "TDX module"
 * header, the aggregation is reset (tdx_reset: counters, minima and maxima)
 * and the next segment starts from nothing, so no figure mixes two modules.
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
	/* an unreadable input file is the input's fault, not a privilege */
	if (tdx_last_failure() == TDX_FAIL_SOURCE)
		return TDX_EXIT_FAIL;
	return err == -EPERM || err == -EACCES ? TDX_EXIT_NOPERM : TDX_EXIT_FAIL;
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
	err = tdx_open(out, &c->topts);
	if (err) {
		fprintf(stderr, "%s: %s\n", c->prog, tdx_last_error());
		return cli_exit_code(err);
	}
	missing = tdx_missing(*out);
	if (missing && *missing)
		fprintf(stderr, "%s: note: in %s mode tdxtrace cannot see %s\n", c->prog,
			tdx_mode_name(tdx_mode(*out)), missing);
	/* offline: the source's header start, else its first event */
	c->start_ns = c->topts.source == TDX_SRC_LIVE ? tdx_now(*out) : tdx_start_ns(*out);
	return 0;
}

/* The segment being reported (issue 18); seg_split once a segment ended. */
static unsigned seg_n;
static bool seg_split;
static char seg_module[64];

static void emit(struct cli *c, const struct cli_report *r, const struct tdx_snapshot *s)
{
	if (seg_split && !c->json)
		printf("==== TDX module %s (segment %u) ====\n",
		       seg_module[0] ? seg_module : "unknown", seg_n);
	if (c->json) {
		struct json_object *o = r->json(c, s);

		if (seg_split && json_object_is_type(o, json_type_object)) {
			json_object_object_add(o, "tdx_module", json_object_new_string(seg_module));
			json_object_object_add(o, "module_segment", cli_json_u64(seg_n));
		}

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

static bool segment_ended(struct tdx_session *s)
{
	return tdx_module_segment(s) != seg_n;
}

/*
 * A module update was seen: report the segment that ended (snap, taken
 * before the update's effects... its last event is the TDH.SYS.UPDATE),
 * then reset the aggregation.  0, or an exit code.
 */
static int segment_close(struct cli *c, const struct cli_report *r, struct tdx_session *s,
			 struct tdx_snapshot *snap)
{
	int err;

	seg_split = true;
	if (r) {
		__u64 end = tdx_module_segment_start(s);	/* the update's time */

		c->span_ns = end > c->start_ns ? end - c->start_ns : 0;
		emit(c, r, snap);
	}
	if (!c->json)
		fputc('\n', stdout);
	fprintf(stderr, "%s: TDX module update: %s -> %s; a new segment starts\n", c->prog,
		seg_module[0] ? seg_module : "unknown",
		tdx_module_version(s)[0] ? tdx_module_version(s) : "unknown");
	seg_n = tdx_module_segment(s);
	snprintf(seg_module, sizeof(seg_module), "%s", tdx_module_version(s));
	c->start_ns = tdx_module_segment_start(s);	/* spans count from here */
	err = tdx_reset(s);
	return err ? advance_err(c, err) : 0;
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
		if (segment_ended(s))
			break;
	}
	return 0;
}

int cli_collect(struct cli *c, const struct cli_report *r, struct tdx_session *s,
		struct tdx_snapshot *snap)
{
	bool offline = c->topts.source != TDX_SRC_LIVE;
	int ret;

	seg_n = tdx_module_segment(s);
	seg_split = false;
	snprintf(seg_module, sizeof(seg_module), "%s", tdx_module_version(s));
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
			if (segment_ended(s)) {
				int rc = segment_close(c, r, s, &cur);

				tdx_snapshot_free(&prev);
				have_prev = false;
				if (rc)
					return rc;
			}
		} while (ret == 0 && !cli_stop);
		if (have_prev)
			tdx_snapshot_free(&prev);
	} else if (offline) {
		do {
			ret = tdx_advance(s, 0, 0);
			if (ret >= 0 && segment_ended(s)) {
				int rc = tdx_snapshot(s, snap) ? advance_err(c, -EIO) :
					 segment_close(c, r, s, snap);

				tdx_snapshot_free(snap);
				if (rc)
					return rc;
			}
		} while (ret == 0 && !cli_stop);
	} else {
		__u64 deadline = c->duration_ns ? mono_ns() + c->duration_ns : 0;

		if (!c->json)
			fprintf(stderr, "Tracing TDX events%s... Hit Ctrl-C to end.\n",
				c->topts.filter.npids ? " of the selected TDs" : "");
		for (;;) {
			ret = live_wait(s, deadline);
			if (ret < 0 || !segment_ended(s))
				break;
			if (tdx_snapshot(s, snap))
				return advance_err(c, -EIO);
			ret = segment_close(c, r, s, snap);
			tdx_snapshot_free(snap);
			if (ret)
				return ret;
		}
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

	seg_n = tdx_module_segment(s);
	seg_split = false;
	snprintf(seg_module, sizeof(seg_module), "%s", tdx_module_version(s));
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
		if (offline && segment_ended(s) && tdx_module_segment_start(s) >= prev_ts - c->interval_ns) {
			/* the window ended early, at the module update */
			c->span_ns = tdx_module_segment_start(s) - (prev_ts - c->interval_ns);
			prev_ts = tdx_module_segment_start(s);
		}
		if (r->sample)
			r->sample(c, &cur, &delta);
		emit(c, r, &delta);
		if (!c->json)
			fputc('\n', stdout);
		tdx_snapshot_free(&delta);
		tdx_snapshot_free(&prev);
		prev = cur;
		n++;
		if (segment_ended(s)) {
			/* the window ended at the update: the next starts from zero */
			rc = segment_close(c, NULL, s, &cur);
			tdx_snapshot_free(&prev);
			if (!rc && tdx_snapshot(s, &prev))
				rc = advance_err(c, -EIO);
			if (rc) {
				prev = (struct tdx_snapshot){ 0 };
				break;
			}
		}
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
