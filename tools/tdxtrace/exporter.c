// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * exporter.c - `tdxtrace exporter`: keep one tdxtrace session and serve its
 * aggregates to Prometheus (docs/exporter.md).
 *
 * The main thread owns the session: live, it only keeps it open; replay/sim,
 * it feeds the source at --pace seconds of source time per wall second (0:
 * all at once) and then holds the final figures.  Scrapes (exporter_http.c)
 * take a snapshot under e->lock and render it (exporter_render.c).
 *
 * Signals (blocked in every thread, taken by sigtimedwait here):
 *   SIGHUP           close and reopen the session (re-attach, relabel; the
 *                    counters restart, which Prometheus treats as a reset)
 *   SIGTERM, SIGINT  stop serving, detach, exit 0
 *
 * Exit codes: 0 stopped by a signal, 1 runtime error (cannot listen, session
 * failed at start), 2 usage, 77 missing privileges.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exporter.h"
#include "source.h"

#define DEFAULT_LISTEN	"127.0.0.1:9479"
#define STEP_MS		50		/* main loop tick, offline */
#define LIVE_STEP_MS	1000		/* main loop tick, live */
/*
 * Offline sources are fed in steps of exactly FEED_STEP_NS of source time (one
 * lock hold each), as `tdxtrace <report> -i 100ms` steps them: a scrape sees
 * the state after k whole steps (tdxtrace_source_fed_seconds = k x 0.1), so a
 * window between two scrapes equals the sum of that report's intervals.
 */
#define FEED_STEP_NS	100000000ULL
#define RETRY_NS	30000000000ULL	/* reopen after a failed SIGHUP reopen */

enum {
	OPT_LISTEN = 0x200,
	OPT_LEAF_GROUPS,
	OPT_BUCKETS,
	OPT_COARSE,
	OPT_PACE,
	OPT_CACHE,
	OPT_MAX_CONN,
	OPT_TIMEOUT,
};

static struct {
	const char *listen;
	bool leaf_groups;
	enum exp_buckets buckets;
	double pace;
	__u64 cache_ns;
	unsigned max_conn, timeout_s;
} xo = { DEFAULT_LISTEN, false, EXP_BUCKETS_FINE, 1.0, 1000000000ULL, 32, 10 };

static const struct argp_option exporter_options[] = {
	{ "listen", OPT_LISTEN, "ADDR:PORT", 0,
	  "Serve on ADDR:PORT, numeric, [ADDR6]:PORT for IPv6 (default " DEFAULT_LISTEN
	  "; port 0 picks one)", 0 },
	{ "leaf-groups", OPT_LEAF_GROUPS, NULL, 0,
	  "SEAMCALL series per leaf group (leaf=\"TDH.MEM.*\") instead of per leaf", 0 },
	{ "buckets", OPT_BUCKETS, "fine|coarse", 0,
	  "Histogram bounds: fine = every power of two from 256 ns to 1.07 s (23, "
	  "default), coarse = every other one (12)", 0 },
	{ "coarse", OPT_COARSE, NULL, 0, "--leaf-groups and --buckets coarse: the small cardinality budget", 0 },
	{ "pace", OPT_PACE, "FACTOR", 0,
	  "Replay/sim: seconds of source time fed per second (default 1; 0 = all at once)", 0 },
	{ "cache", OPT_CACHE, "DURATION", 0,
	  "Scrapes within DURATION of a render share it (default 1s; 0 = never)", 0 },
	{ "max-connections", OPT_MAX_CONN, "N", 0, "Concurrent HTTP connections (default 32)", 0 },
	{ "timeout", OPT_TIMEOUT, "SECONDS", 0,
	  "Close an HTTP connection idle that long (default 10)", 0 },
	{},
};

static error_t exporter_parse(int key, char *arg, struct argp_state *state)
{
	long long ns;
	char *end;
	unsigned long v;

	switch (key) {
	case OPT_LISTEN:
		if (exp_listen_check(arg))
			return cli_usage_error(state, "invalid --listen '%s' (want ADDR:PORT with "
					       "a numeric address, or [ADDR6]:PORT)", arg);
		xo.listen = arg;
		break;
	case OPT_LEAF_GROUPS:
		xo.leaf_groups = true;
		break;
	case OPT_BUCKETS:
		if (!strcmp(arg, "fine"))
			xo.buckets = EXP_BUCKETS_FINE;
		else if (!strcmp(arg, "coarse"))
			xo.buckets = EXP_BUCKETS_COARSE;
		else
			return cli_usage_error(state, "invalid --buckets '%s' (fine or coarse)", arg);
		break;
	case OPT_COARSE:
		xo.leaf_groups = true;
		xo.buckets = EXP_BUCKETS_COARSE;
		break;
	case OPT_PACE:
		errno = 0;
		xo.pace = strtod(arg, &end);
		if (errno || end == arg || *end || !(xo.pace >= 0) || xo.pace > 1e6)
			return cli_usage_error(state, "invalid --pace '%s' (a factor >= 0)", arg);
		break;
	case OPT_CACHE:
		ns = !strcmp(arg, "0") ? 0 : cli_parse_duration(arg, "s");
		if (ns < 0 || ns > 3600000000000LL)
			return cli_usage_error(state, "invalid --cache '%s'", arg);
		xo.cache_ns = (__u64)ns;
		break;
	case OPT_MAX_CONN:
	case OPT_TIMEOUT:
		errno = 0;
		v = strtoul(arg, &end, 10);
		if (errno || end == arg || *end || v == 0 || v > 100000 || *arg == '-')
			return cli_usage_error(state, "invalid --%s '%s'", key == OPT_MAX_CONN ?
					       "max-connections" : "timeout", arg);
		if (key == OPT_MAX_CONN)
			xo.max_conn = (unsigned)v;
		else
			xo.timeout_s = (unsigned)v;
		break;
	default:
		return cli_opt_parse(key, arg, state);
	}
	return 0;
}

/* ------------------------------------------------------------ session */

/* Open the session into e (under e->lock); exit code. */
static int session_open(struct exp *e)
{
	struct tdx_session *s;
	const char *missing;
	int rc = cli_open(e->c, &s);

	if (rc)
		return rc;
	e->s = s;
	e->host.up = true;
	e->host.offline_done = false;
	missing = tdx_missing(s);
	snprintf(e->missing, sizeof(e->missing), "%s", missing ? missing : "");
	e->host.missing = e->missing;
	return 0;
}

static void session_close(struct exp *e)
{
	exp_cache_drop(e);
	if (e->s)
		tdx_close(e->s);
	e->s = NULL;
	e->host.up = false;
	tdx_snapshot_free(&e->snap);
	memset(&e->snap, 0, sizeof(e->snap));
	exp_labels_clear(e->labels);
}

/* After the session opened: the offline source's info comes from it. */
static void host_facts(struct exp *e)
{
	const struct tdx_source_info *info = e->s ? tdx_source_of(e->s) : NULL;
	bool live = e->c->topts.source == TDX_SRC_LIVE;

	exp_host_facts(&e->host, live, !live && info ? info->tdx_module : NULL);
}

struct pacer {
	__u64 t0;		/* wall clock at the start */
	__u64 fed_ns;		/* source time fed */
};

/* One tick of an offline session: feed the whole steps the pace allows. */
static int feed(struct exp *e, struct pacer *p)
{
	__u64 want;
	int ret = 0;

	if (!e->s || e->host.offline_done)
		return 0;
	if (xo.pace == 0) {
		want = p->fed_ns + FEED_STEP_NS;
	} else {
		double w = (double)(exp_mono_ns() - p->t0) * xo.pace;

		want = w > 1.8e19 ? ~0ULL : (__u64)w;
	}
	while (p->fed_ns + FEED_STEP_NS <= want && !e->host.offline_done) {
		pthread_mutex_lock(&e->lock);
		ret = e->s ? tdx_advance(e->s, FEED_STEP_NS, 0) : 0;
		if (ret >= 0)
			p->fed_ns += FEED_STEP_NS;
		if (ret == 1)
			e->host.offline_done = true;
		e->host.fed_ns = p->fed_ns;
		pthread_mutex_unlock(&e->lock);
		if (ret < 0)
			return ret;
		if (xo.pace == 0)
			break;		/* let signals in between steps */
	}
	return 0;
}

static void reopen(struct exp *e, struct pacer *p)
{
	int rc;

	pthread_mutex_lock(&e->lock);
	session_close(e);
	e->host.reopens++;
	rc = session_open(e);
	host_facts(e);
	pthread_mutex_unlock(&e->lock);
	p->t0 = exp_mono_ns();
	p->fed_ns = 0;
	e->host.fed_ns = 0;
	if (rc)
		fprintf(stderr, "%s: reopen failed; serving tdxtrace_session_up 0, retrying "
			"in 30 s or on SIGHUP\n", e->c->prog);
	else
		fprintf(stderr, "%s: session reopened (%s mode)\n", e->c->prog,
			tdx_mode_name(tdx_mode(e->s)));
}

static int run_exporter(struct cli *c)
{
	struct exp e = { .c = c };
	struct pacer p = { 0 };
	sigset_t set;
	bool live = c->topts.source == TDX_SRC_LIVE;
	__u64 down_since = 0;
	int rc;

	if (c->json || c->plot) {
		fprintf(stderr, "%s: --json and --plot do not apply (the output is /metrics)\n",
			c->prog);
		return TDX_EXIT_USAGE;
	}
	pthread_mutex_init(&e.lock, NULL);
	e.listen = xo.listen;
	e.cache_ns = xo.cache_ns;
	e.conn_limit = xo.max_conn;
	e.conn_timeout_s = xo.timeout_s;
	e.ropts.leaf_groups = xo.leaf_groups;
	e.ropts.buckets = xo.buckets;
	e.host.source = live ? "live" : c->topts.source == TDX_SRC_SIM ? "sim" : "replay";
	e.host.source_name = c->sim_spec ? c->sim_spec : c->replay_path ? c->replay_path : "";
	e.labels = exp_labels_new(live);
	if (!e.labels)
		return TDX_EXIT_FAIL;

	/* every thread (libmicrohttpd's too) inherits the blocked set */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	rc = session_open(&e);
	host_facts(&e);
	if (!rc)
		rc = exp_http_start(&e);
	p.t0 = exp_mono_ns();
	while (!rc) {
		struct timespec ts;
		int ms = live ? LIVE_STEP_MS : STEP_MS, sig;

		if (!live && xo.pace == 0 && e.s && !e.host.offline_done)
			ms = 0;
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (long)(ms % 1000) * 1000000L;
		sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGINT || sig == SIGTERM)
			break;
		if (sig == SIGHUP) {
			reopen(&e, &p);
			down_since = e.s ? 0 : exp_mono_ns();
			continue;
		}
		if (!e.s) {
			if (exp_mono_ns() - down_since >= RETRY_NS) {
				reopen(&e, &p);
				down_since = e.s ? 0 : exp_mono_ns();
			}
			continue;
		}
		if (live) {
			int ret;

			pthread_mutex_lock(&e.lock);
			ret = tdx_advance(e.s, 0, 0);
			pthread_mutex_unlock(&e.lock);
			if (ret < 0 && ret != -EINTR && ret != -EAGAIN)
				fprintf(stderr, "%s: %s\n", c->prog, tdx_last_error());
		} else if (feed(&e, &p) < 0) {
			fprintf(stderr, "%s: %s\n", c->prog, tdx_last_error());
			rc = TDX_EXIT_FAIL;
		}
	}
	exp_http_stop(&e);
	pthread_mutex_lock(&e.lock);
	session_close(&e);
	pthread_mutex_unlock(&e.lock);
	exp_labels_free(e.labels);
	pthread_mutex_destroy(&e.lock);
	return rc;
}

const struct cli_cmd cli_cmd_exporter = {
	.name = "exporter",
	.summary = "Serve Prometheus/OpenMetrics metrics of this host's TDs",
	.options = exporter_options,
	.parser = exporter_parse,
	.args_doc = "",
	.doc = "Keep one tdxtrace session and serve its aggregates on /metrics: "
	       "Prometheus text 0.0.4, or OpenMetrics 1.0 when the scraper asks "
	       "(Accept: application/openmetrics-text).  SIGHUP reopens the session, "
	       "SIGTERM detaches and exits.  Metrics, labels and the cardinality budget: "
	       "docs/exporter.md.\v"
	       "EXAMPLES:\n"
	       "  tdxtrace exporter                          # 127.0.0.1:9479, live\n"
	       "  tdxtrace exporter --listen 0.0.0.0:9479    # for a remote Prometheus\n"
	       "  tdxtrace exporter --coarse                 # hundreds of TDs\n"
	       "  tdxtrace exporter --sim steady --listen 127.0.0.1:0\n",
	.children = cli_children_source,
	.run = run_exporter,
};
