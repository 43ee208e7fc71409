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
#include "window.h"

#define SERIES_STEP_NS	1000000000ULL	/* offline time series step */

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

static bool src_is_sim;		/* the session's source (cli_open) */

int cli_exit_code(int err)
{
	/* TDX_EXIT_TABLE: a source's fault (missing/unreadable NOINPUT, corrupt
	   DATAERR, a bad spec USAGE, nothing in it NODATA), else no TDX
	   UNAVAILABLE, no privileges NOPERM */
	if (tdx_last_failure() == TDX_FAIL_SOURCE)
		return tdx_source_exit_code(err, src_is_sim);
	return tdx_cl_exit_code(NULL, err);
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
	src_is_sim = c->topts.source == TDX_SRC_SIM;
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

/*
 * TDX module segments (issue 18): a runtime module update ends one; each
 * is reported on its own under its module, so no figure mixes two modules.
 * seg_split once an update was seen; seg_n/seg_module: the segment shown.
 */
static unsigned seg_n;
static bool seg_split;
static char seg_module[64];

static void seg_init(struct tdx_session *s)
{
	seg_n = tdx_module_segment(s);
	seg_split = false;
	snprintf(seg_module, sizeof(seg_module), "%s", tdx_module_version(s));
}

/* After the segment's report: the next one starts from zero at the update. */
static int seg_next(struct cli *c, struct tdx_session *s, struct tdx_window_iter *it)
{
	int err;

	fprintf(stderr, "%s: TDX module update: %s -> %s; a new segment starts\n", c->prog,
		seg_module[0] ? seg_module : "unknown",
		tdx_module_version(s)[0] ? tdx_module_version(s) : "unknown");
	seg_n = tdx_module_segment(s);
	snprintf(seg_module, sizeof(seg_module), "%s", tdx_module_version(s));
	c->start_ns = tdx_module_segment_start(s);
	err = tdx_reset(s);
	if (!err)
		err = tdx_window_rebase(it);
	return err;
}

/*
 * An interval report's window (NULL for a whole-run report): JSON "window",
 * and a text line for a partial one, so a short last window is never read
 * as a full interval.
 */
static void emit_window(struct cli *c, const struct cli_report *r, const struct tdx_snapshot *s,
			const struct tdx_window *w)
{
	if (c->cl.csv) {	/* only reports with a csv() take --csv (opts.c) */
		r->csv(stdout, c, s, w);
		fflush(stdout);
		return;
	}
	if (seg_split && !c->json)
		printf("==== TDX module %s (segment %u) ====\n",
		       seg_module[0] ? seg_module : "unknown", seg_n);
	if (c->json) {
		struct json_object *o = r->json(c, s);

		if (seg_split && json_object_is_type(o, json_type_object)) {
			json_object_object_add(o, "tdx_module", json_object_new_string(seg_module));
			json_object_object_add(o, "module_segment", cli_json_u64(seg_n));
		}

		if (w) {
			/* the envelope's window, with where this one lies in the source */
			struct json_object *j = NULL;

			if (!json_object_object_get_ex(o, "window", &j) || !j) {
				j = json_object_new_object();
				json_object_object_add(o, "window", j);
			}
			json_object_object_add(j, "index", cli_json_u64(w->index));
			json_object_object_add(j, "start_ns", cli_json_u64(w->start_ns));
			json_object_object_add(j, "end_ns", cli_json_u64(w->end_ns));
			json_object_object_add(j, "partial", json_object_new_boolean(w->partial));
			json_object_object_add(j, "last", json_object_new_boolean(w->last));
		}
		cli_json_print(stdout, o);
		json_object_put(o);
	} else {
		r->text(stdout, c, s);
		if (w && w->partial)
			printf("(partial window: %.3f s of %.3f s, %s)\n", (double)w->span_ns / 1e9,
			       (double)w->interval_ns / 1e9,
			       w->eof ? "the data ends" : "stopped");
		fflush(stdout);
	}
}

static void emit(struct cli *c, const struct cli_report *r, const struct tdx_snapshot *s)
{
	emit_window(c, r, s, NULL);
}

static int advance_err(struct cli *c, int ret)
{
	fprintf(stderr, "%s: %s\n", c->prog, tdx_last_error());
	/* reading an offline source failed: its fault (corrupt: DATAERR) */
	if (c->topts.source != TDX_SRC_LIVE)
		return tdx_source_exit_code(ret, c->topts.source == TDX_SRC_SIM);
	return cli_exit_code(ret);
}

/*
 * An offline source that gave no TDX event is not an idle host: say what
 * was read and skipped, exit NODATA (tools/lib/cliopts.h, shared with
 * tdxtop).
 */
static int check_source_data(struct cli *c, struct tdx_session *s)
{
	char msg[1024];
	int rc = tdx_cl_check_source(&c->cl, s, c->replay_path ? c->replay_path : c->sim_spec,
				     msg, sizeof(msg));

	fputs(msg, stderr);
	return rc;
}

/*
 * The session cut into windows (tools/lib/window.h): the one loop.  Offline
 * windows have the source's time, the last one ends at the last event.
 */
static int open_windows(struct cli *c, struct tdx_session *s, __u64 interval_ns,
			struct tdx_window_iter **it)
{
	struct tdx_window_opts wo = {
		.interval_ns = interval_ns,
		.duration_ns = c->topts.source == TDX_SRC_LIVE ? c->duration_ns : 0,
		.stop = &cli_stop,
		.segments = true,
	};
	int ret = tdx_window_open(it, s, &wo);

	return ret ? advance_err(c, ret) : 0;
}

int cli_collect(struct cli *c, const struct cli_report *r, struct tdx_session *s,
		struct tdx_snapshot *snap)
{
	bool offline = c->topts.source != TDX_SRC_LIVE;
	struct tdx_window_iter *it;
	struct tdx_window w;
	__u64 first = 0;
	bool any = false;
	int ret;

	/* offline time series (r->sample) are sampled in 1 s windows */
	ret = open_windows(c, s, offline && r && r->sample ? SERIES_STEP_NS : 0, &it);
	if (ret)
		return ret;
	if (!offline && !c->json)
		fprintf(stderr, "Tracing TDX events%s... Hit Ctrl-C to end.\n",
			c->topts.filter.npids ? " of the selected TDs" : "");
	seg_init(s);
	while ((ret = tdx_window_next(it, &w)) == 1) {
		if (!any)
			first = w.start_ns;
		any = true;
		c->span_ns = w.end_ns - first;
		if (offline && r && r->sample)
			r->sample(c, w.total, w.delta);
		if (w.segment_end && !w.last) {
			/* report the segment that ended, then start from zero */
			seg_split = true;
			if (r)
				emit(c, r, w.total);
			if (!c->json && !c->cl.csv)
				fputc('\n', stdout);
			ret = seg_next(c, s, it);
			if (ret)
				break;
			first = w.end_ns;
			continue;
		}
		if (w.last || cli_stop)
			break;
	}
	if (ret < 0) {
		tdx_window_close(it);
		return advance_err(c, ret);
	}
	ret = tdx_window_take_total(it, snap);
	tdx_window_close(it);
	if (ret)
		return advance_err(c, ret);
	return check_source_data(c, s);
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
	struct tdx_window_iter *it;
	struct tdx_window w;
	int ret, rc;
	long n = 0;

	rc = open_windows(c, s, c->interval_ns, &it);
	if (rc)
		return rc;
	seg_init(s);
	if (!offline && !c->json)
		fprintf(stderr, "Tracing TDX events... Hit Ctrl-C to end.\n");
	while ((ret = tdx_window_next(it, &w)) == 1) {
		/* a window's rates are per second of its real span (a last,
		   partial window: up to the source's last event) */
		c->span_ns = w.span_ns;
		if (r->sample)
			r->sample(c, w.total, w.delta);
		emit_window(c, r, w.delta, &w);
		if (!c->json && !c->cl.csv)
			fputc('\n', stdout);
		n++;
		if (w.segment_end && !w.last) {
			/* the window ended at the module update: the next starts from zero */
			seg_split = true;
			rc = seg_next(c, s, it);
			if (rc) {
				ret = rc;
				break;
			}
		}
		if ((c->count && n >= c->count) || w.last || cli_stop)
			break;
	}
	if (ret < 0)
		rc = advance_err(c, ret);
	else if (tdx_window_take_total(it, last))
		rc = advance_err(c, -ENOENT);
	tdx_window_close(it);
	return rc ? rc : check_source_data(c, s);
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
