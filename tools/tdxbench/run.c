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

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* ------------------------------------------------------------- snapshot */

static int add_hist(struct tb_result *r, size_t round, const char *name,
		    const char *kind, int leaf, const __u64 *hist, double sum_ns)
{
	struct tb_row *row = tb_result_row(r, name, kind, leaf);

	if (!row)
		return -ENOMEM;
	return tb_round_set_hist(&row->round[round], (const uint64_t *)hist, sum_ns);
}

int tb_round_from_snapshot(struct tb_result *r, size_t round,
			   const struct tdx_snapshot *snap)
{
	static __u64 h[TDX_LEAF_MAX][TDX_HIST_SLOTS];
	static double sum[TDX_LEAF_MAX];
	__u64 eh[TDX_HIST_SLOTS];
	double es;
	int err;

	/* SEAMCALLs: per leaf, summed over TDs */
	memset(h, 0, sizeof(h));
	memset(sum, 0, sizeof(sum));
	for (size_t i = 0; i < snap->n_leaf; i++) {
		__u32 l = snap->leaf[i].key.leaf;

		if (l >= TDX_LEAF_MAX)
			continue;
		for (int s = 0; s < TDX_HIST_SLOTS; s++)
			h[l][s] += snap->leaf[i].v.hist[s];
		sum[l] += (double)snap->leaf[i].v.sum_ns;
	}
	for (int l = 0; l < TDX_LEAF_MAX; l++) {
		const char *name = tdx_leaf_name((__u32)l);
		char buf[32];

		if (!tdx_hist_total(h[l]))
			continue;
		if (!name) {
			snprintf(buf, sizeof(buf), "leaf.%d", l);
			name = buf;
		}
		err = add_hist(r, round, name, "seamcall", l, h[l], sum[l]);
		if (err)
			return err;
	}

#define EVENT_ROW(arr, n, name, sumfield)					\
	do {								\
		memset(eh, 0, sizeof(eh));				\
		es = 0;							\
		for (size_t i = 0; i < (n); i++) {			\
			for (int s = 0; s < TDX_HIST_SLOTS; s++)	\
				eh[s] += (arr)[i].v.hist[s];		\
			es += (double)(arr)[i].v.sumfield;		\
		}							\
		if (tdx_hist_total(eh)) {				\
			err = add_hist(r, round, name, "event", -1, eh, es); \
			if (err)					\
				return err;				\
		}							\
	} while (0)

	EVENT_ROW(snap->vp, snap->n_vp, "vp_enter", sum_ns);
	EVENT_ROW(snap->ept, snap->n_ept, "ept_violation", sum_ns);
	EVENT_ROW(snap->map, snap->n_map, "map_gpa", sum_ns);
	EVENT_ROW(snap->frozen, snap->n_frozen, "spte_frozen", held_sum_ns);
#undef EVENT_ROW
	return 0;
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
		char ver[160] = "", maj[32] = "", min[32] = "", upd[32] = "";
		struct dirent *e;

		while ((e = readdir(d))) {
			char p[512];

			if (e->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "/sys/firmware/tdx/tdx_module/%s", e->d_name);
			if (read_small(p, buf, sizeof(buf)))
				continue;
			json_object_object_add(mod, e->d_name, json_object_new_string(buf));
			if (!strcmp(e->d_name, "version"))
				snprintf(ver, sizeof(ver), "%.31s", buf);
			else if (!strcmp(e->d_name, "major_version"))
				snprintf(maj, sizeof(maj), "%.31s", buf);
			else if (!strcmp(e->d_name, "minor_version"))
				snprintf(min, sizeof(min), "%.31s", buf);
			else if (!strcmp(e->d_name, "update_version"))
				snprintf(upd, sizeof(upd), "%.31s", buf);
		}
		closedir(d);
		if (!ver[0] && maj[0])
			snprintf(ver, sizeof(ver), "%s.%s%s%s", maj, min[0] ? min : "0",
				 upd[0] ? "." : "", upd);
		meta_str(r, "tdx_module", ver);
		json_object_object_add(r->meta, "tdx_module_sysfs", mod);
	} else {
		meta_str(r, "tdx_module", "");
	}
}

/* ------------------------------------------------------------------ sim */

/* Positional arguments of a scenario before the optional seed. */
static int scenario_args(const char *scen)
{
	return !strcmp(scen, "regress") ? 2 : 0;
}

/*
 * "SCENARIO[:ARGS...][:SEED][,key=val...]" -> the same with SEED replaced by
 * `seed`.  *spec_seed gets the SEED given (0 if none).  -EINVAL if too many
 * positional fields.
 */
static int sim_round_spec(const char *spec, uint64_t seed, char *out, size_t len,
			  uint64_t *spec_seed)
{
	char head[256], *tail, *f[8], *save;
	const char *comma = strchr(spec, ',');
	size_t hl = comma ? (size_t)(comma - spec) : strlen(spec);
	int nf = 0, na, w;

	if (hl >= sizeof(head))
		return -EINVAL;
	memcpy(head, spec, hl);
	head[hl] = 0;
	tail = comma ? (char *)comma : (char *)"";
	for (char *t = strtok_r(head, ":", &save); t && nf < 8; t = strtok_r(NULL, ":", &save))
		f[nf++] = t;
	if (!nf)
		return -EINVAL;
	na = scenario_args(f[0]);
	*spec_seed = 0;
	if (nf > 1 + na + 1)
		return -EINVAL;
	if (nf == 1 + na + 1) {
		char *end;

		errno = 0;
		*spec_seed = strtoull(f[nf - 1], &end, 0);
		if (errno || *end)
			return -EINVAL;
		nf--;
	}
	w = snprintf(out, len, "%s", f[0]);
	for (int i = 1; i < nf && w >= 0 && (size_t)w < len; i++)
		w += snprintf(out + w, len - (size_t)w, ":%s", f[i]);
	if (w >= 0 && (size_t)w < len)
		w += snprintf(out + w, len - (size_t)w, ":%llu%s",
			      (unsigned long long)seed, tail);
	return w < 0 || (size_t)w >= len ? -EINVAL : 0;
}

static int run_sim(const struct tb_run_opts *o, struct tb_result *res, const char *spec)
{
	char rspec[512];
	uint64_t spec_seed, base;
	__u64 dur = (__u64)(o->duration_s * 1e9);
	int err;

	if (sim_round_spec(spec, 1, rspec, sizeof(rspec), &spec_seed)) {
		fprintf(stderr, "tdxbench: bad simulator spec '%s' "
			"(want SCENARIO[:SEED][,key=val...])\n", spec);
		return TDX_EXIT_USAGE;
	}
	base = o->seed ? o->seed : spec_seed ? spec_seed : 1;
	json_object_object_add(res->meta, "seed", json_object_new_uint64(base));
	for (unsigned k = 0; k < o->rounds && !stop; k++) {
		struct tdx_opts to = TDX_OPTS_INIT;
		struct tdx_session *s;
		struct tdx_snapshot snap;
		__u64 start;
		uint64_t seed = tb_derive_seed(base, k);

		/* keep seeds printable and within 63 bits for any parser */
		seed &= 0x7fffffffffffffffULL;
		sim_round_spec(spec, seed, rspec, sizeof(rspec), &spec_seed);
		to.source = TDX_SRC_SIM;
		to.sim_spec = rspec;
		to.verbose = o->verbose;
		err = tdx_open(&s, &to);
		if (err) {
			fprintf(stderr, "tdxbench: %s: %s\n", rspec, tdx_last_error());
			return err == -EPERM || err == -EACCES ? TDX_EXIT_NOPERM :
			       err == -EINVAL || err == -ENOENT ? TDX_EXIT_USAGE : TDX_EXIT_FAIL;
		}
		start = tdx_now(s);
		err = 0;
		/* feed in 100 ms slices of source time so SIGINT stays responsive */
		while (!stop) {
			__u64 done = tdx_now(s) - start;
			__u64 step = dur - done < 100000000ULL ? dur - done : 100000000ULL;

			if (done >= dur || !step)
				break;
			err = tdx_advance(s, step, 0);
			if (err)
				break;
		}
		if (err < 0) {
			fprintf(stderr, "tdxbench: round %u: %s\n", k, tdx_last_error());
			tdx_close(s);
			return TDX_EXIT_FAIL;
		}
		err = tdx_snapshot(s, &snap);
		if (!err) {
			err = tb_round_from_snapshot(res, k, &snap);
			if (o->verbose)
				fprintf(stderr, "round %u: %s: %zu leaf rows, dropped/lost %llu\n",
					k, rspec, snap.n_leaf,
					(unsigned long long)snap.counters.lost);
			tdx_snapshot_free(&snap);
		}
		tdx_close(s);
		if (err) {
			fprintf(stderr, "tdxbench: round %u: snapshot: %s\n", k, tdx_last_error());
			return TDX_EXIT_FAIL;
		}
	}
	return 0;
}

/* -------------------------------------------------------- script (live) */

static int run_script(const struct tb_run_opts *o, struct tb_result *res)
{
	struct tdx_opts to = TDX_OPTS_INIT;
	struct tdx_session *s;
	struct stat st;
	int err;

	if (stat(o->workload, &st) || !S_ISREG(st.st_mode) || access(o->workload, X_OK)) {
		fprintf(stderr, "tdxbench: workload '%s' is neither sim:SCENARIO nor an "
			"executable script\n", o->workload);
		return TDX_EXIT_USAGE;
	}
	to.verbose = o->verbose;
	err = tdx_open(&s, &to);
	if (err) {
		fprintf(stderr, "tdxbench: %s\n", tdx_last_error());
		return err == -EPERM || err == -EACCES ? TDX_EXIT_NOPERM : TDX_EXIT_FAIL;
	}
	meta_str(res, "mode", tdx_mode_name(tdx_mode(s)));
	if (*tdx_missing(s))
		meta_str(res, "missing", tdx_missing(s));
	for (unsigned k = 0; k < o->rounds && !stop; k++) {
		struct tdx_snapshot snap;
		char dur[32], rnd[32];
		int status = 0;
		pid_t pid, w = 0;

		if (tdx_reset(s)) {
			fprintf(stderr, "tdxbench: reset: %s\n", tdx_last_error());
			tdx_close(s);
			return TDX_EXIT_FAIL;
		}
		snprintf(dur, sizeof(dur), "%g", o->duration_s);
		snprintf(rnd, sizeof(rnd), "%u", k);
		pid = fork();
		if (pid < 0) {
			perror("tdxbench: fork");
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
			tdx_advance(s, 0, 100);
		if (w == 0) {	/* interrupted */
			kill(pid, SIGTERM);
			waitpid(pid, &status, 0);
			break;
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "tdxbench: round %u: workload %s failed (status %d)\n",
				k, o->workload, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
			tdx_close(s);
			return TDX_EXIT_FAIL;
		}
		err = tdx_snapshot(s, &snap);
		if (!err) {
			err = tb_round_from_snapshot(res, k, &snap);
			tdx_snapshot_free(&snap);
		}
		if (err) {
			fprintf(stderr, "tdxbench: round %u: %s\n", k, tdx_last_error());
			tdx_close(s);
			return TDX_EXIT_FAIL;
		}
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
		tb_result_sort(&res);
		if (!res.nrows)
			fprintf(stderr, "tdxbench: warning: the workload produced no events\n");
		if (tb_result_write(&res, o->out)) {
			fprintf(stderr, "tdxbench: %s\n", tdx_last_error());
			rc = TDX_EXIT_FAIL;
		}
	}
	tb_result_free(&res);
	return rc;
}
