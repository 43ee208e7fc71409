// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * run.c - `tdxbench run`: rounds of a workload while the tdxtrace
 * aggregation collects, one result row per SEAMCALL leaf (summed over TDs)
 * and per latency event (TD entry/exit, EPT violation, MapGPA round trip,
 * FROZEN_SPTE hold time), per round.
 *
 * sim: workloads open a fresh session per round whose simulator seed is
 * derived from the base seed and the round number, and feed --duration
 * seconds of simulated time.  Script workloads (a TDX host) attach live
 * once, and per round zero the maps (tdx_reset), run the script, and
 * snapshot when it exits.
 */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include <json-c/json.h>

#include "tdxtrace.h"
#include "source.h"
#include "tdxbench.h"
#include "window.h"
#include "envelope.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* ------------------------------------------------------------- metadata */

static void trim(char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
}

static int read_small(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = 0;
	trim(buf);
	return 0;
}

static void meta_str(struct tb_result *r, const char *k, const char *v)
{
	json_object_object_add(r->meta, k, json_object_new_string(v));
}

void tb_meta_host(struct tb_result *r)
{
	struct utsname u;
	char buf[256], line[512];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;
	DIR *d;

	meta_str(r, "tdxtrace_version", TDXTRACE_VERSION);
	gmtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	meta_str(r, "created", buf);
	if (!uname(&u)) {
		meta_str(r, "host", u.nodename);
		snprintf(line, sizeof(line), "%s %s %s", u.sysname, u.release, u.machine);
		meta_str(r, "kernel", line);
		meta_str(r, "kernel_version", u.version);
	}
	f = fopen("/proc/cpuinfo", "r");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "model name", 10)) {
				char *p = strchr(line, ':');

				if (p) {
					p++;
					while (*p == ' ')
						p++;
					trim(p);
					meta_str(r, "cpu_model", p);
				}
				break;
			}
		fclose(f);
	}
	meta_str(r, "cpus", (snprintf(buf, sizeof(buf), "%ld",
				      sysconf(_SC_NPROCESSORS_ONLN)), buf));

	/*
	 * TDX module: /sys/firmware/tdx/tdx_module/ (kernels that expose it)
	 * holds small text attributes (status, version or major/minor/update
	 * versions, build date...).  Store every one; "tdx_module" is the
	 * version string, "" when there is no TDX module sysfs.
	 */
	d = opendir("/sys/firmware/tdx/tdx_module");
	if (d) {
		json_object *mod = json_object_new_object();
		struct dirent *e;

		while ((e = readdir(d))) {
			char p[512];

			if (e->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "/sys/firmware/tdx/tdx_module/%s", e->d_name);
			if (read_small(p, buf, sizeof(buf)))
				continue;
			json_object_object_add(mod, e->d_name, json_object_new_string(buf));
		}
		closedir(d);
		json_object_object_add(r->meta, "tdx_module_sysfs", mod);
	}
	/* the one reader of the version (7.2+ faux tdx_host first): tdxmod.c */
	{
		char ver[64];

		tdx_module_version_read(ver, sizeof(ver));	/* "" when unknown */
		meta_str(r, "tdx_module", ver);
	}
}

/*
 * A runtime TDX module update during a round (issue 18): the round would mix
 * two modules' latencies, and so would the result.  Refused: no result.
 */
static bool module_updated(struct tdx_session *s, unsigned seg0, const char *ver0, unsigned k)
{
	if (tdx_module_segment(s) == seg0)
		return false;
	fprintf(stderr, "tdxbench: round %u: the TDX module was updated during the run "
		"(%s -> %s); a result never mixes two modules: run again\n", k,
		ver0[0] ? ver0 : "unknown",
		tdx_module_version(s)[0] ? tdx_module_version(s) : "unknown");
	return true;
}

/* ------------------------------------------------------------------ sim */

/*
 * One round = one window of the session (tools/lib/window.h): offline the
 * whole source, live from round_begin() (after the reset, before the
 * workload starts) to round_end().  *snap gets the round's totals (free
 * with tdx_snapshot_free); round_end() closes the iterator.
 */
static int round_begin(struct tdx_session *s, struct tdx_window_iter **it)
{
	struct tdx_window_opts wo = { .no_wait = true, .stop = &stop };

	return tdx_window_open(it, s, &wo);
}

/*
 * What the rounds counted, summed (every counter of TDX_COUNTERS is a
 * __u64 SUM): the result's meta "counters" and "span_ns", which
 * `tdxbench compare --json` puts in its envelope.
 */
static struct tdx_snapshot run_sum;
static __u64 run_span_ns;

static void sum_round(const struct tdx_snapshot *s, __u64 span_ns)
{
	__u64 *d = (__u64 *)&run_sum.counters;
	const __u64 *v = (const __u64 *)&s->counters;

	_Static_assert(sizeof(struct tdx_counters) % sizeof(__u64) == 0, "counters are __u64");
	for (size_t i = 0; i < sizeof(struct tdx_counters) / sizeof(__u64); i++)
		d[i] += v[i];
	run_sum.source_lost += s->source_lost;
	run_sum.mode = s->mode;
	run_span_ns += span_ns;
}

static int round_end(struct tdx_window_iter *it, struct tdx_snapshot *snap)
{
	struct tdx_window w;
	int err;

	err = tdx_window_next(it, &w);
	if (err == 1)
		err = tdx_window_take_total(it, snap);
	if (!err)
		sum_round(snap, w.span_ns);
	else if (!err)
		err = -ENODATA;
	tdx_window_close(it);
	return err;
}

static int run_sim(const struct tb_run_opts *o, struct tb_result *res, const char *spec)
{
	struct json_object *warnings = NULL;
	char rspec[512];
	uint64_t spec_seed, base;
	int err;

	if (tb_sim_round_spec(spec, 1, o->duration_s, rspec, sizeof(rspec), &spec_seed)) {
		fprintf(stderr, "tdxbench: bad simulator spec '%s' (want "
			"SCENARIO[:SEED][,key=val...]; tdxbench sets seed= itself)\n", spec);
		return TDX_EXIT_USAGE;
	}
	/* let the simulator judge the rest of the spec before loading BPF */
	{
		struct tdx_source *src;

		if (tdx_source_open_sim(&src, rspec)) {
			fprintf(stderr, "tdxbench: %s\n", tdx_last_error());
			return TDX_EXIT_USAGE;
		}
		tdx_source_close(src);
	}
	base = o->seed ? o->seed : spec_seed ? spec_seed : 1;
	json_object_object_add(res->meta, "seed", json_object_new_uint64(base));
	json_object_object_add(res->meta, "round_seeds",
			       json_object_new_string("tb_round_seed(seed, round)"));
	for (unsigned k = 0; k < o->rounds && !stop; k++) {
		struct tdx_opts to = TDX_OPTS_INIT;
		struct tdx_window_iter *wit;
		struct tdx_session *s;
		struct tdx_snapshot snap;

		tb_sim_round_spec(spec, tb_round_seed(base, k), o->duration_s, rspec,
				  sizeof(rspec), &spec_seed);
		if (k == 0)
			meta_str(res, "sim_spec_round0", rspec);
		to.source = TDX_SRC_SIM;
		to.sim_spec = rspec;
		to.verbose = o->verbose;
		/* tdxbench reads the SEAMCALL latencies: no slowest-GPA table */
		to.filter.gfn_min_ns = TDX_GFN_TRACK_NONE;
		err = tdx_open(&s, &to);
		if (err) {
			fprintf(stderr, "tdxbench: %s: %s\n", rspec, tdx_last_error());
			return err == -EPERM || err == -EACCES ? TDX_EXIT_NOPERM : TDX_EXIT_FAIL;
		}
		/* the spec ends the source after its duration: one window of it all */
		err = round_begin(s, &wit);
		if (!err)
			err = round_end(wit, &snap);
		if (!err && module_updated(s, 0, "tdxsim", k)) {
			tdx_snapshot_free(&snap);
			tdx_close(s);
			return TDX_EXIT_FAIL;
		}
		if (err < 0) {
			fprintf(stderr, "tdxbench: round %u: %s\n", k, tdx_last_error());
			tdx_close(s);
			return TDX_EXIT_FAIL;
		}
		if (!err) {
			err = tb_round_from_snapshot(res, k, &snap);
			if (o->verbose)
				fprintf(stderr, "round %u: %s: %zu leaf entries\n", k, rspec,
					snap.n_leaf);
			if (!err && (snap.counters.bad_input || snap.source_lost)) {
				fprintf(stderr, "tdxbench: round %u: %llu events rejected, "
					"%llu lost by the source\n", k,
					(unsigned long long)snap.counters.bad_input,
					(unsigned long long)snap.source_lost);
				err = -EIO;
			}
			/* a full map is counted and shown, the round kept (as live) */
			for (int m = 0; !err && m < TDX_MAP_ID_MAX; m++)
				if (snap.counters.dropped[m]) {
					char w[160];

					snprintf(w, sizeof(w), "round %u: map %s full: %llu updates "
						 "dropped", k, tdx_map_name((enum tdx_map_id)m),
						 (unsigned long long)snap.counters.dropped[m]);
					fprintf(stderr, "tdxbench: warning: %s\n", w);
					if (!warnings) {
						warnings = json_object_new_array();
						json_object_object_add(res->meta, "warnings", warnings);
					}
					json_object_array_add(warnings, json_object_new_string(w));
				}
			tdx_snapshot_free(&snap);
		}
		tdx_close(s);
		if (err) {
			if (err != -EIO && err != -ENOSPC)
				fprintf(stderr, "tdxbench: round %u: snapshot: %s\n", k,
					tdx_last_error());
			return TDX_EXIT_FAIL;
		}
		if (o->progress)
			o->progress(k + 1, o->rounds);
	}
	return 0;
}

/* -------------------------------------------------------- script (live) */

static int run_script(const struct tb_run_opts *o, struct tb_result *res)
{
	struct tdx_opts to = TDX_OPTS_INIT;
	struct tdx_session *s;
	json_object *warnings = NULL;
	char ver0[64];
	unsigned seg0;
	struct stat st;
	int err;

	if (stat(o->workload, &st) || !S_ISREG(st.st_mode) || access(o->workload, X_OK)) {
		fprintf(stderr, "tdxbench: workload '%s' is neither sim:SCENARIO nor an "
			"executable script\n", o->workload);
		return TDX_EXIT_USAGE;
	}
	to.verbose = o->verbose;
	to.filter.gfn_min_ns = TDX_GFN_TRACK_NONE;	/* no slowest-GPA table */
	err = tdx_open(&s, &to);
	if (err) {
		fprintf(stderr, "tdxbench: %s\n", tdx_last_error());
		return err == -EPERM || err == -EACCES ? TDX_EXIT_NOPERM : TDX_EXIT_FAIL;
	}
	meta_str(res, "mode", tdx_mode_name(tdx_mode(s)));
	if (*tdx_missing(s))
		meta_str(res, "missing", tdx_missing(s));
	seg0 = tdx_module_segment(s);
	snprintf(ver0, sizeof(ver0), "%s", tdx_module_version(s));
	for (unsigned k = 0; k < o->rounds && !stop; k++) {
		struct tdx_window_iter *wit;
		struct tdx_snapshot snap;
		char dur[32], rnd[32];
		int status = 0;
		pid_t pid, w = 0;

		if (tdx_reset(s) || round_begin(s, &wit)) {
			fprintf(stderr, "tdxbench: reset: %s\n", tdx_last_error());
			tdx_close(s);
			return TDX_EXIT_FAIL;
		}
		snprintf(dur, sizeof(dur), "%g", o->duration_s);
		snprintf(rnd, sizeof(rnd), "%u", k);
		pid = fork();
		if (pid < 0) {
			perror("tdxbench: fork");
			tdx_window_close(wit);
			tdx_close(s);
			return TDX_EXIT_FAIL;
		}
		if (pid == 0) {
			setenv("TDXBENCH_DURATION", dur, 1);
			setenv("TDXBENCH_ROUND", rnd, 1);
			execl(o->workload, o->workload, (char *)NULL);
			fprintf(stderr, "tdxbench: exec %s: %s\n", o->workload, strerror(errno));
			_exit(127);
		}
		while (!stop && (w = waitpid(pid, &status, WNOHANG)) == 0)
			poll(NULL, 0, 100);
		if (w == 0) {	/* interrupted */
			kill(pid, SIGTERM);
			waitpid(pid, &status, 0);
			tdx_window_close(wit);
			break;
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "tdxbench: round %u: workload %s failed (status %d)\n",
				k, o->workload, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
			tdx_window_close(wit);
			tdx_close(s);
			return TDX_EXIT_FAIL;
		}
		if (module_updated(s, seg0, ver0, k)) {
			tdx_close(s);
			return TDX_EXIT_FAIL;
		}
		err = round_end(wit, &snap);
		if (!err) {
			__u64 dropped = 0;

			err = tb_round_from_snapshot(res, k, &snap);
			for (int m = 0; m < TDX_MAP_ID_MAX; m++)
				dropped += snap.counters.dropped[m];
			if (dropped) {
				/* the histograms miss events: say so, keep the round */
				char w[128];

				snprintf(w, sizeof(w), "round %u: %llu map updates dropped "
					 "(aggregation map full)", k, (unsigned long long)dropped);
				fprintf(stderr, "tdxbench: warning: %s\n", w);
				if (!warnings) {
					warnings = json_object_new_array();
					json_object_object_add(res->meta, "warnings", warnings);
				}
				json_object_array_add(warnings, json_object_new_string(w));
			}
			tdx_snapshot_free(&snap);
		}
		if (err) {
			fprintf(stderr, "tdxbench: round %u: %s\n", k, tdx_last_error());
			tdx_close(s);
			return TDX_EXIT_FAIL;
		}
		if (o->progress)
			o->progress(k + 1, o->rounds);
	}
	tdx_close(s);
	return 0;
}

int tb_run(const struct tb_run_opts *o)
{
	struct tb_result res;
	struct sigaction sa = { .sa_handler = on_signal };
	int rc;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	tb_result_init(&res, o->rounds);
	tb_meta_host(&res);
	meta_str(&res, "workload", o->workload);
	json_object_object_add(res.meta, "rounds", json_object_new_int((int)o->rounds));
	json_object_object_add(res.meta, "duration_s", json_object_new_double(o->duration_s));
	if (!strncmp(o->workload, "sim:", 4)) {
		meta_str(&res, "source", "sim");
		meta_str(&res, "mode", "sim");
		rc = run_sim(o, &res, o->workload + 4);
	} else {
		meta_str(&res, "source", "live");
		rc = run_script(o, &res);
	}
	if (!rc && stop) {
		fprintf(stderr, "tdxbench: interrupted; no result written\n");
		rc = TDX_EXIT_FAIL;
	}
	if (!rc) {
		json_object_object_add(res.meta, "counters", tdx_json_counters(&run_sum));
		json_object_object_add(res.meta, "span_ns", json_object_new_uint64(run_span_ns));
		meta_str(&res, "mode", tdx_mode_name(run_sum.mode));
		tb_result_sort(&res);
		if (!res.nrows)
			fprintf(stderr, "tdxbench: warning: the workload produced no events\n");
		if (tb_result_write(&res, o->out)) {
			fprintf(stderr, "tdxbench: %s\n", tdx_last_error());
			rc = TDX_EXIT_CANTCREAT;
		}
	}
	tb_result_free(&res);
	return rc;
}
