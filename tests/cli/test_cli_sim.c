// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_cli_sim.c - `tdxtrace` end to end on simulator scenarios.
 *
 * The expected values are computed here by iterating the same simulator
 * stream (tdx_source_open_sim / tdx_source_next) and counting by the
 * semantics of include/tdxtrace/events.h: counts must match exactly,
 * quantiles within one histogram bucket of the exact sorted-sample value.
 * Every JSON line is validated against its schema in docs/cli.md.
 *
 * Runs the binary $O/bin/tdxtrace.  The `sim` printing and the usage errors
 * need no privileges; everything that loads BPF is skipped unless root.
 */
#include <errno.h>
#include <math.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "run.h"
#include "jschema.h"
#include "tdxtrace.h"
#include "source.h"

#define MAX_TD	 16
#define MAX_DUR	 (1 << 22)

static struct js_set schemas;
static char bin[4096], tmpdir[4096];
static bool root;

/* ------------------------------------------------------------ expected */

struct range { __u32 pid, level; __u64 gfn; int mixed; __u32 mapped_4k; };

struct expect {
	__u64 events[TDX_EV_MAX];
	int n_td;
	__u32 pid[MAX_TD];
	__u64 td_events[MAX_TD][TDX_EV_MAX];
	/* SEAMCALL per leaf, all TDs */
	__u64 leaf_count[TDX_LEAF_MAX], leaf_status[TDX_LEAF_MAX][TDX_SC_MAX];
	__u64 *leaf_dur[TDX_LEAF_MAX];
	size_t leaf_n[TDX_LEAF_MAX], leaf_cap[TDX_LEAF_MAX];
	/* per TD */
	__u64 ept_priv[MAX_TD], ept_shared[MAX_TD], ept_result[MAX_TD][TDX_EPT_RESULT_MAX];
	__u64 ept_retries[MAX_TD];
	__u64 map_req[MAX_TD][2], map_bytes[MAX_TD][2], map_chunks[MAX_TD];
	__u64 map_chunk_retries[MAX_TD], map_done[MAX_TD][4];
	__u64 fr_retries[MAX_TD][TDX_PG_LEVEL_MAX][2], fr_windows[MAX_TD][TDX_PG_LEVEL_MAX][2];
	__u64 to_mixed[MAX_TD][TDX_PG_LEVEL_MAX], to_unmixed[MAX_TD][TDX_PG_LEVEL_MAX];
	__u64 redundant[MAX_TD];
	/* ranges becoming mixed, by the TD's latest MapGPA request: [dir][size class] */
	int have_req[MAX_TD];
	__u64 req_dir[MAX_TD], req_size[MAX_TD];
	__u64 split[MAX_TD][2][4], split_other[MAX_TD];
	__s64 mixed_live[MAX_TD][TDX_PG_LEVEL_MAX], private_live[MAX_TD][TDX_PG_LEVEL_MAX];
	void *ranges;
	__u64 total;
};

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->level != y->level)
		return x->level < y->level ? -1 : 1;
	return x->gfn < y->gfn ? -1 : x->gfn > y->gfn;
}

static int td_idx(struct expect *e, __u32 pid)
{
	for (int i = 0; i < e->n_td; i++)
		if (e->pid[i] == pid)
			return i;
	if (e->n_td == MAX_TD)
		return -1;
	e->pid[e->n_td] = pid;
	return e->n_td++;
}

static void count_event(struct expect *e, const struct tdx_event *ev)
{
	const __u64 *a = ev->args;
	int t = td_idx(e, ev->pid);

	if (t < 0 || ev->kind >= TDX_EV_MAX)
		return;
	e->total++;
	e->events[ev->kind]++;
	e->td_events[t][ev->kind]++;
	switch (ev->kind) {
	case TDX_EV_SEAMCALL: {
		__u32 nr = (__u32)(a[TDX_SEAMCALL_ARG_LEAF] & TDX_LEAF_NR_MASK);

		if (nr >= TDX_LEAF_MAX)
			break;
		e->leaf_count[nr]++;
		e->leaf_status[nr][tdx_status_class(a[TDX_SEAMCALL_ARG_STATUS])]++;
		if (e->leaf_n[nr] == e->leaf_cap[nr]) {
			e->leaf_cap[nr] = e->leaf_cap[nr] ? e->leaf_cap[nr] * 2 : 1024;
			e->leaf_dur[nr] = realloc(e->leaf_dur[nr], e->leaf_cap[nr] * sizeof(__u64));
		}
		e->leaf_dur[nr][e->leaf_n[nr]++] = a[TDX_SEAMCALL_ARG_DURATION];
		break;
	}
	case TDX_EV_EPT_VIOLATION: {
		__s64 res = (__s64)a[TDX_EPT_VIOLATION_ARG_RESULT];

		if (a[TDX_EPT_VIOLATION_ARG_PRIVATE])
			e->ept_priv[t]++;
		else
			e->ept_shared[t]++;
		e->ept_result[t][res < 0 ? TDX_EPT_RESULT_ERR :
				 res < TDX_EPT_RESULT_ERR ? res : TDX_EPT_RESULT_ERR]++;
		e->ept_retries[t] += a[TDX_EPT_VIOLATION_ARG_RETRIES];
		break;
	}
	case TDX_EV_MAP_GPA:
		e->have_req[t] = 1;
		e->req_dir[t] = a[TDX_MAP_GPA_ARG_TO_SHARED] ? 1 : 0;
		e->req_size[t] = a[TDX_MAP_GPA_ARG_SIZE];
		e->map_req[t][a[TDX_MAP_GPA_ARG_TO_SHARED] ? 1 : 0]++;
		e->map_bytes[t][a[TDX_MAP_GPA_ARG_TO_SHARED] ? 1 : 0] += a[TDX_MAP_GPA_ARG_SIZE];
		break;
	case TDX_EV_MAP_GPA_CHUNK:
		e->map_chunks[t]++;
		e->map_chunk_retries[t] += a[TDX_MAP_GPA_CHUNK_ARG_RETRY] ? 1 : 0;
		break;
	case TDX_EV_MAP_GPA_DONE: {
		__u64 st = a[TDX_MAP_GPA_DONE_ARG_STATUS];

		e->map_done[t][st == TDVMCALL_STATUS_SUCCESS ? 0 : st == TDVMCALL_STATUS_RETRY ? 1 :
			       st == TDVMCALL_STATUS_INVALID_OPERAND ? 2 : 3]++;
		break;
	}
	case TDX_EV_FROZEN_RETRY:
		if (a[TDX_FROZEN_RETRY_ARG_LEVEL] < TDX_PG_LEVEL_MAX)
			e->fr_retries[t][a[TDX_FROZEN_RETRY_ARG_LEVEL]][a[TDX_FROZEN_RETRY_ARG_MIRROR] ? 1 : 0]++;
		break;
	case TDX_EV_SPTE_FROZEN:
		if (a[TDX_SPTE_FROZEN_ARG_LEVEL] < TDX_PG_LEVEL_MAX)
			e->fr_windows[t][a[TDX_SPTE_FROZEN_ARG_LEVEL]][a[TDX_SPTE_FROZEN_ARG_MIRROR] ? 1 : 0]++;
		break;
	case TDX_EV_HUGEPAGE_MIXED: {
		struct range key = { ev->pid, (__u32)a[TDX_HUGEPAGE_MIXED_ARG_LEVEL], a[TDX_HUGEPAGE_MIXED_ARG_GFN], 0, 0 };
		struct range **r = tsearch(&key, &e->ranges, range_cmp);
		int mixed = a[TDX_HUGEPAGE_MIXED_ARG_MIXED] ? 1 : 0;

		if (*r == &key) {	/* new: store a copy, not-mixed before */
			*r = malloc(sizeof(key));
			**r = key;
		}
		if ((*r)->mixed == mixed) {
			e->redundant[t]++;
		} else if (key.level < TDX_PG_LEVEL_MAX) {
			if (mixed && !e->have_req[t]) {
				e->split_other[t]++;
			} else if (mixed) {
				__u64 sz = e->req_size[t];

				e->split[t][e->req_dir[t]][sz <= 4096 ? 0 : sz <= 65536 ? 1 :
							     sz <= 2097152 ? 2 : 3]++;
			}
			(mixed ? e->to_mixed : e->to_unmixed)[t][key.level]++;
			e->mixed_live[t][key.level] += mixed ? 1 : -1;
		}
		(*r)->mixed = mixed;
		break;
	}
	case TDX_EV_PRIVATE_MAP: {
		/*
		 * Mappings made while tracing (issue 19): a 4K unmap its 2M range
		 * never counted was mapped before the trace and leaves the gauge.
		 */
		struct range key = { ev->pid, TDX_PG_LEVEL_2M, a[TDX_PRIVATE_MAP_ARG_GFN] & ~511ULL, 0, 0 };
		__u64 lv = a[TDX_PRIVATE_MAP_ARG_LEVEL];
		bool mapped = a[TDX_PRIVATE_MAP_ARG_MAPPED] != 0;
		struct range **r;

		if (lv >= TDX_PG_LEVEL_MAX)
			break;
		if (lv != TDX_PG_LEVEL_4K) {
			if (mapped)
				e->private_live[t][lv]++;
			else if (e->private_live[t][lv] > 0)
				e->private_live[t][lv]--;
			break;
		}
		r = tsearch(&key, &e->ranges, range_cmp);
		if (*r == &key) {
			*r = malloc(sizeof(key));
			**r = key;
		}
		if (mapped) {
			(*r)->mapped_4k++;
			e->private_live[t][lv]++;
		} else if ((*r)->mapped_4k) {
			(*r)->mapped_4k--;
			e->private_live[t][lv]--;
		}
		break;
	}
	}
}

static int expect_sim(struct expect *e, const char *spec)
{
	struct tdx_source *src;
	struct tdx_event ev;
	int r;

	memset(e, 0, sizeof(*e));
	if (tdx_source_open_sim(&src, spec)) {
		diag("%s: %s", spec, tdx_last_error());
		return -1;
	}
	while ((r = tdx_source_next(src, &ev)) == 1)
		count_event(e, &ev);
	tdx_source_close(src);
	return r;
}

static void expect_free(struct expect *e)
{
	for (int i = 0; i < TDX_LEAF_MAX; i++)
		free(e->leaf_dur[i]);
	tdestroy(e->ranges, free);
	memset(e, 0, sizeof(*e));
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static double exact_q(struct expect *e, int leaf, double q)
{
	size_t n = e->leaf_n[leaf], r = (size_t)ceil(q * (double)n);

	qsort(e->leaf_dur[leaf], n, sizeof(__u64), cmp_u64);
	return (double)e->leaf_dur[leaf][r ? r - 1 : 0];
}

/* ------------------------------------------------------------ running */

/* Parse the first JSON line of s and validate it against schema id. */
static struct json_object *json_line(const char *s, const char *id, const char *what)
{
	struct json_object *o = json_tokener_parse(s);
	int bad;

	if (!o) {
		ok(0, "%s: output is JSON", what);
		return NULL;
	}
	bad = js_validate(&schemas, o, id);
	ok(!bad, "%s: JSON validates against %s", what, id);
	if (bad)
		diag("%s", schemas.err);
	return o;
}


static __s64 jget_s64(struct json_object *o, const char *path)
{
	struct json_object *v = jpath(o, path);

	return v ? json_object_get_int64(v) : INT64_MIN;
}

/* The element of array arr whose key equals v. */
static struct json_object *find_by(struct json_object *arr, const char *key, __u64 v)
{
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i), *k;

		if (json_object_object_get_ex(e, key, &k) && json_object_get_uint64(k) == v)
			return e;
	}
	return NULL;
}

/*
 * One report subcommand's JSON on a scenario: its own run, or (to keep the
 * test short) the matching part of one `tdxtrace report --sim` run when
 * report_cache is set (the same renderers over the same aggregation).
 */
static struct json_object *report_cache;

static int run_cmd(char **out, const char *cmd, const char *spec)
{
	struct json_object *part;
	char path[64];

	if (!report_cache)
		return run(out, "%s %s --sim '%s' --json", bin, cmd, spec);
	snprintf(path, sizeof(path), "reports.%s", cmd);
	part = jpath(report_cache, path);
	*out = strdup(part ? json_object_to_json_string_ext(part, JSON_C_TO_STRING_PLAIN) : "");
	return part ? 0 : 1;
}

/* ------------------------------------------------------------ tests */

/*
 * `tdxtrace flows` (kernel series v2 flows) against the simulator's own
 * stream, counted here by the event semantics of events.h: exact counts per
 * TD, quantiles never above the maximum.
 */
static void test_flows(const char *spec)
{
	struct { __u32 pid; __u64 zaps, zap_kicks, kicked, tracks, kicks, bounces, attr, attr_pg[2],
		 build[5], pages, measured, releases, freed, leaks, wbs, resumes, tv_map; } td[MAX_TD];
	struct tdx_source *src;
	struct tdx_event ev;
	struct json_object *o;
	int ntd = 0, bad = 0, badq = 0;
	char *out, what[160];

	memset(td, 0, sizeof(td));
	snprintf(what, sizeof(what), "flows --sim %s", spec);
	if (tdx_source_open_sim(&src, spec)) {
		ok(0, "%s: simulator: %s", what, tdx_last_error());
		return;
	}
	while (tdx_source_next(src, &ev) == 1) {
		const __u64 *a = ev.args;
		int t;

		for (t = 0; t < ntd && td[t].pid != ev.pid; t++)
			;
		if (t == ntd) {
			if (ntd == MAX_TD)
				continue;
			td[ntd++].pid = ev.pid;
		}
		switch (ev.kind) {
		case TDX_EV_SEPT_ZAP:
			td[t].zaps++;
			td[t].zap_kicks += a[TDX_SEPT_ZAP_ARG_KICKS];
			td[t].kicked += a[TDX_SEPT_ZAP_ARG_KICKS] != 0;
			break;
		case TDX_EV_TRACK: td[t].tracks++; break;
		case TDX_EV_BUSY_KICK: td[t].kicks++; break;
		case TDX_EV_VCPU_BOUNCE: td[t].bounces++; break;
		case TDX_EV_ATTR_ZAP:
			td[t].attr++;
			td[t].attr_pg[a[TDX_ATTR_ZAP_ARG_TO_PRIVATE] ? 1 : 0] +=
				a[TDX_ATTR_ZAP_ARG_END] - a[TDX_ATTR_ZAP_ARG_START];
			break;
		case TDX_EV_TD_BUILD:
			td[t].build[a[TDX_TD_BUILD_ARG_CMD] < 5 ? a[TDX_TD_BUILD_ARG_CMD] : 0]++;
			if (a[TDX_TD_BUILD_ARG_CMD] == 3) {
				td[t].pages += a[TDX_TD_BUILD_ARG_NR_PAGES];
				if (a[TDX_TD_BUILD_ARG_MEASURED])
					td[t].measured += a[TDX_TD_BUILD_ARG_NR_PAGES];
			}
			break;
		case TDX_EV_HKID_RELEASE:
			td[t].releases++;
			td[t].freed += a[TDX_HKID_RELEASE_ARG_RELEASED] != 0;
			break;
		case TDX_EV_HKID_LEAK: td[t].leaks++; break;
		case TDX_EV_CACHE_WB:
			td[t].wbs++;
			td[t].resumes += a[TDX_CACHE_WB_ARG_RESUMES];
			break;
		case TDX_EV_TDVMCALL:
			td[t].tv_map += a[TDX_TDVMCALL_ARG_LEAF] == 0x10001;
			break;
		}
	}
	tdx_source_close(src);
	if (run(&out, "%s flows --sim '%s' --json", bin, spec) != 0) {
		ok(0, "%s runs", what);
		free(out);
		return;
	}
	o = json_line(out, "tdxtrace:flows", what);
	free(out);
	if (!o)
		return;
	for (int t = 0; t < ntd; t++) {
		struct json_object *z = find_by(jpath(o, "zaps"), "pid", td[t].pid);
		struct json_object *tr = find_by(jpath(o, "tracks"), "pid", td[t].pid);
		struct json_object *cz = find_by(jpath(o, "conversion_zaps"), "pid", td[t].pid);
		struct json_object *tw = find_by(jpath(o, "teardown"), "pid", td[t].pid);
		struct json_object *arr;
		__u64 kicks = 0, bounces = 0, build[5] = { 0 }, pages = 0, measured = 0, tvm = 0;

		bad += (z ? jget(z, "count") : 0) != td[t].zaps ||
		       (z ? jget(z, "kicks") : 0) != td[t].zap_kicks ||
		       (z ? jget(z, "kicked") : 0) != td[t].kicked;
		if (z && jget(z, "time.p99_ns") > jget(z, "time.max_ns"))
			badq++;
		bad += (tr ? jget(tr, "count") : 0) != td[t].tracks;
		bad += (cz ? jget(cz, "count") : 0) != td[t].attr ||
		       (cz ? jget(cz, "pages_to_shared") : 0) != td[t].attr_pg[0] ||
		       (cz ? jget(cz, "pages_to_private") : 0) != td[t].attr_pg[1];
		bad += (tw ? jget(tw, "releases") : 0) != td[t].releases ||
		       (tw ? jget(tw, "released") : 0) != td[t].freed ||
		       (tw ? jget(tw, "hkid_leaks") : 0) != td[t].leaks ||
		       (tw ? jget(tw, "cache_wb") : 0) != td[t].wbs ||
		       (tw ? jget(tw, "cache_wb_resumes") : 0) != td[t].resumes;
		arr = jpath(o, "kicks");
		for (size_t i = 0; arr && i < json_object_array_length(arr); i++)
			if (jget(json_object_array_get_idx(arr, i), "pid") == td[t].pid)
				kicks += jget(json_object_array_get_idx(arr, i), "kicks");
		arr = jpath(o, "bounces");
		for (size_t i = 0; arr && i < json_object_array_length(arr); i++)
			if (jget(json_object_array_get_idx(arr, i), "pid") == td[t].pid)
				bounces += jget(json_object_array_get_idx(arr, i), "count");
		arr = jpath(o, "build");
		for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
			struct json_object *b = json_object_array_get_idx(arr, i);
			const char *cmd = json_object_get_string(jpath(b, "cmd"));
			static const char *const names[5] = { "other", "INIT_VM", "INIT_VCPU",
							      "INIT_MEM_REGION", "FINALIZE_VM" };

			if (jget(b, "pid") != td[t].pid)
				continue;
			for (int k = 0; k < 5; k++)
				if (cmd && !strcmp(cmd, names[k]))
					build[k] += jget(b, "count");
			if (cmd && !strcmp(cmd, "INIT_MEM_REGION")) {
				pages += jget(b, "pages");
				measured += jget(b, "measured_pages");
			}
		}
		arr = jpath(o, "tdvmcalls");
		for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
			struct json_object *c = json_object_array_get_idx(arr, i);

			if (jget(c, "pid") == td[t].pid &&
			    !strcmp(json_object_get_string(jpath(c, "name")), "MapGPA"))
				tvm += jget(c, "calls");
		}
		bad += kicks != td[t].kicks || bounces != td[t].bounces || pages != td[t].pages ||
		       measured != td[t].measured || tvm != td[t].tv_map ||
		       memcmp(build, td[t].build, sizeof(build));
		if (bad)
			diag("TD %u: zaps %llu kicks %llu/%llu bounces %llu/%llu build pages %llu/%llu",
			     td[t].pid, (unsigned long long)td[t].zaps, (unsigned long long)kicks,
			     (unsigned long long)td[t].kicks, (unsigned long long)bounces,
			     (unsigned long long)td[t].bounces, (unsigned long long)pages,
			     (unsigned long long)td[t].pages);
	}
	ok(!bad && ntd > 0, "%s: zaps, kicks, bounces, tracks, conversion zaps, build, teardown "
	   "and TDVMCALLs per TD equal the stream's (%d TDs)", what, ntd);
	ok(!badq, "%s: zap time p99 never above its maximum", what);
	json_object_put(o);
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

static void test_usage(void)
{
	static const struct { const char *args; int want; } cases[] = {
		{ "", 2 },
		{ "frobnicate", 2 },
		{ "lat -l TDH.BOGUS", 2 },
		{ "lat --bogus", 2 },
		{ "lat -i 0", 2 },
		{ "lat 1 2 3", 2 },
		{ "stat --sim nope", 2 },
		{ "stat --sim steady,nokey=1", 2 },
		{ "record", 2 },
		{ "record -o x -R 3", 2 },
		{ "report", 2 },
		{ "sim", 2 },
		{ "mix --plot out.pdf", 2 },
	};
	char *out;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = run(&out, "%s %s 2>&1", bin, cases[i].args);

		ok(rc == cases[i].want && strstr(out, "Usage:"),
		   "'tdxtrace %s': usage on stderr, exit %d (got %d)", cases[i].args,
		   cases[i].want, rc);
		free(out);
	}
	ok(run(&out, "%s lat -h", bin) == 0 && strstr(out, "EXAMPLES:"),
	   "lat -h: help with EXAMPLES, exit 0");
	free(out);
	ok(run(&out, "%s help stat", bin) == 0 && strstr(out, "stat"), "help stat: exit 0");
	free(out);
	ok(run(&out, "%s stat --replay %s/does-not-exist 2>&1", bin, tmpdir) == TDX_EXIT_NOINPUT &&
	   strstr(out, "does-not-exist"), "missing replay file: one message, exit 66 (NOINPUT)");
	free(out);
	ok(run(&out, "%s report %s/does-not-exist 2>&1", bin, tmpdir) == TDX_EXIT_NOINPUT,
	   "report FILE missing: exit 66 as --replay");
	free(out);

	/* a usage error of a command: one message and one usage line, nothing more */
	for (size_t i = 2; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *nl;
		int lines = 0;

		run(&out, "%s %s 2>&1 >/dev/null", bin, cases[i].args);
		for (nl = out; (nl = strchr(nl, '\n')); nl++)
			lines++;
		ok(lines == 2 && !strncmp(out, "tdxtrace ", 9) && strstr(out, "\nUsage: tdxtrace "),
		   "'tdxtrace %s': two lines, message then usage (got %d)", cases[i].args, lines);
		free(out);
	}

	/* --plot where there is no picture: refused, not ignored (the issue: rc 0, no file) */
	static const char *const noplot[] = { "ept --sim steady", "convert --sim steady",
					       "contention --sim steady", "stat --sim steady",
					       "sim steady", "record --sim steady -o x.tdxrec" };
	for (size_t i = 0; i < sizeof(noplot) / sizeof(noplot[0]); i++) {
		int rc = run(&out, "%s %s --plot %s/p.svg 2>&1", bin, noplot[i], tmpdir);

		ok(rc == TDX_EXIT_USAGE && strstr(out, "draws no picture"),
		   "%s --plot: refused with a message, exit 2 (got %d)", noplot[i], rc);
		free(out);
	}

	/* shared vocabulary: -d is the interval (not a duration), -n the count */
	ok(run(&out, "%s stat --sim steady:1,duration=2s -d 500ms -n 2 --json", bin) == 0 &&
	   count_lines(out) == 2, "stat -d 500ms -n 2: two interval reports");
	free(out);
}

/* `tdxtrace sim --json` prints exactly the stream (no BPF needed). */
static void test_sim_print(const char *spec)
{
	struct tdx_source *src;
	struct tdx_event ev;
	char *out, *line, *save = NULL;
	int n = 0, bad = 0, invalid = 0;

	if (run(&out, "%s sim '%s' -N 300 --json", bin, spec) != 0) {
		ok(0, "sim %s --json runs", spec);
		free(out);
		return;
	}
	if (tdx_source_open_sim(&src, spec)) {
		ok(0, "open %s", spec);
		free(out);
		return;
	}
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct json_object *o = json_tokener_parse(line), *args;

		if (!o || tdx_source_next(src, &ev) != 1) {
			bad++;
			json_object_put(o);
			break;
		}
		if (js_validate(&schemas, o, "tdxtrace:sim-event"))
			invalid++;
		args = json_object_object_get(o, "args");
		if (jget(o, "ts_ns") != ev.ts_ns || jget(o, "pid") != ev.pid ||
		    jget(o, "tid") != ev.tid ||
		    json_object_object_length(args) != ev.nargs)
			bad++;
		else {
			int i = 0;

			json_object_object_foreach(args, k, v) {
				(void)k;
				if ((__u64)json_object_get_int64(v) != ev.args[i] &&
				    json_object_get_uint64(v) != ev.args[i])
					bad++;
				i++;
			}
		}
		n++;
		json_object_put(o);
	}
	tdx_source_close(src);
	ok(n == 300 && !bad, "sim %s --json -N 300: the stream's 300 events, fields equal (%d bad)",
	   spec, bad);
	ok(!invalid, "sim --json: every event validates against tdxtrace:sim-event");
	if (invalid)
		diag("%s", schemas.err);
	free(out);
}

static void check_stat(struct json_object *o, struct expect *e, const char *what)
{
	int bad = 0, badtd = 0;
	struct json_object *evs = json_object_object_get(o, "events");
	struct json_object *tds = json_object_object_get(o, "tds");

	for (int k = 1; k < TDX_EV_MAX; k++) {
		char p[64];

		snprintf(p, sizeof(p), "counters.events.%s", tdx_event_name(k));
		if (jget(o, p) != e->events[k] ||
		    jget(json_object_array_get_idx(evs, (size_t)k - 1), "count") != e->events[k]) {
			diag("%s: %s: got %llu, want %llu", what, tdx_event_name(k),
			     (unsigned long long)jget(o, p), (unsigned long long)e->events[k]);
			bad++;
		}
	}
	ok(!bad, "%s: every event kind counted exactly", what);
	for (int t = 0; t < e->n_td; t++) {
		struct json_object *td = find_by(tds, "pid", e->pid[t]);

		for (int k = 1; k < TDX_EV_MAX; k++) {
			char p[64];

			snprintf(p, sizeof(p), "events.%s", tdx_event_name(k));
			if (!td || jget(td, p) != e->td_events[t][k])
				badtd++;
		}
	}
	ok(!badtd && json_object_array_length(tds) == (size_t)e->n_td,
	   "%s: per-TD counts of every kind exact (%d TDs)", what, e->n_td);
	ok(jget(o, "counters.lost") == 0 && jget(o, "counters.bad_input") == 0 &&
	   jget(o, "counters.filtered") == 0, "%s: nothing lost, filtered or rejected", what);
}

static void test_stat(const char *spec, struct expect *e)
{
	struct json_object *o;
	char *out, what[128];

	snprintf(what, sizeof(what), "stat --sim %s", spec);
	if (run_cmd(&out, "stat", spec) != 0) {
		ok(0, "%s runs", what);
		free(out);
		return;
	}
	o = json_line(out, "tdxtrace:stat", what);
	if (o)
		check_stat(o, e, what);
	json_object_put(o);
	free(out);
}

static void test_lat(const char *spec, struct expect *e)
{
	struct json_object *o, *leaves;
	char *out, what[128];
	int bad = 0, badq = 0, rows = 0, busiest = -1;

	snprintf(what, sizeof(what), "lat --sim %s", spec);
	if (run_cmd(&out, "lat", spec) != 0) {
		ok(0, "%s runs", what);
		free(out);
		return;
	}
	o = json_line(out, "tdxtrace:lat", what);
	leaves = o ? json_object_object_get(o, "leaves") : NULL;
	for (int l = 0; l < TDX_LEAF_MAX; l++) {
		struct json_object *r;

		if (!e->leaf_count[l])
			continue;
		rows++;
		if (busiest < 0 || e->leaf_count[l] > e->leaf_count[busiest])
			busiest = l;
		r = find_by(leaves, "leaf", (__u64)l);
		if (!r || jget(r, "count") != e->leaf_count[l]) {
			bad++;
			continue;
		}
		for (int c = 0; c < TDX_SC_MAX; c++) {
			char p[64];

			snprintf(p, sizeof(p), "status.%s", tdx_status_class_name(c));
			if (jget(r, p) != e->leaf_status[l][c])
				bad++;
		}
		/* quantiles: within one bucket (12.5 %) of the exact value */
		for (int qi = 0; qi < 3; qi++) {
			static const double qs[] = { 0.5, 0.9, 0.99 };
			static const char *const qn[] = { "hist.p50_ns", "hist.p90_ns", "hist.p99_ns" };
			double want = exact_q(e, l, qs[qi]);
			struct json_object *g = jpath(r, qn[qi]);
			double got = g ? json_object_get_double(g) : -1;

			if (fabs(got - want) > want * 0.125 + 1) {
				diag("%s leaf %d %s: got %.0f, want %.0f", what, l, qn[qi], got, want);
				badq++;
			}
		}
	}
	ok(leaves && !bad && json_object_array_length(leaves) == (size_t)rows,
	   "%s: %d leaves, counts and status classes exact", what, rows);
	ok(!badq, "%s: p50/p90/p99 within a bucket of the exact quantiles", what);
	json_object_put(o);
	free(out);

	/* -P -p PID -l LEAF: one TD, one leaf, the rest filtered */
	if (busiest >= 0 && e->n_td > 1 && !report_cache) {
		__u32 pid = e->pid[0];
		struct expect one;
		struct tdx_source *src;
		struct tdx_event ev;
		__u64 filtered = 0;

		memset(&one, 0, sizeof(one));
		if (tdx_source_open_sim(&src, spec))
			return;
		while (tdx_source_next(src, &ev) == 1) {
			if (ev.pid != pid ||
			    (ev.kind == TDX_EV_SEAMCALL &&
			     (ev.args[0] & TDX_LEAF_NR_MASK) != (__u64)busiest)) {
				filtered++;
				continue;
			}
			count_event(&one, &ev);
		}
		tdx_source_close(src);
		snprintf(what, sizeof(what), "lat -P -p %u -l %s", pid, tdx_leaf_name(busiest));
		if (run(&out, "%s lat --sim '%s' -P -p %u -l %s --json", bin, spec, pid,
			tdx_leaf_name(busiest)) != 0) {
			ok(0, "%s runs", what);
		} else if ((o = json_line(out, "tdxtrace:lat", what))) {
			leaves = json_object_object_get(o, "leaves");
			ok(json_object_array_length(leaves) == 1 &&
			   jget(o, "leaves.0.pid") == pid &&
			   jget(o, "leaves.0.leaf") == (__u64)busiest &&
			   jget(o, "leaves.0.count") == one.leaf_count[busiest],
			   "%s: one row, that TD's count (%llu)", what,
			   (unsigned long long)one.leaf_count[busiest]);
			is_u64(jget(o, "counters.filtered"), filtered,
			       "%s: filtered = other TDs' events + other leaves", what);
			json_object_put(o);
		}
		free(out);
		expect_free(&one);
	}
}

static void test_ept_convert_contention_mix(const char *spec, struct expect *e)
{
	struct json_object *o;
	char *out, what[128];
	int bad;

	snprintf(what, sizeof(what), "ept --sim %s", spec);
	if (run_cmd(&out, "ept", spec) == 0 &&
	    (o = json_line(out, "tdxtrace:ept", what))) {
		struct json_object *tds = json_object_object_get(o, "tds");
		static const char *const rn[] = { "CONTINUE", "RETRY", "EMULATE", "WRITE_PROTECTED",
						  "INVALID", "FIXED", "SPURIOUS", "ERRNO" };

		bad = 0;
		for (int t = 0; t < e->n_td; t++) {
			struct json_object *r = find_by(tds, "pid", e->pid[t]);

			if (!e->ept_priv[t] && !e->ept_shared[t])
				continue;
			if (!r || jget(r, "private") != e->ept_priv[t] ||
			    jget(r, "shared") != e->ept_shared[t] ||
			    jget(r, "retries") != e->ept_retries[t])
				bad++;
			for (int k = 0; r && k < TDX_EPT_RESULT_MAX; k++) {
				char p[64];

				snprintf(p, sizeof(p), "results.%s", rn[k]);
				if (jget(r, p) != e->ept_result[t][k])
					bad++;
			}
		}
		ok(!bad, "%s: private/shared, retries and results per TD exact", what);
		json_object_put(o);
	} else {
		ok(0, "%s runs", what);
	}
	free(out);

	snprintf(what, sizeof(what), "convert --sim %s", spec);
	if (run_cmd(&out, "convert", spec) == 0 &&
	    (o = json_line(out, "tdxtrace:convert", what))) {
		struct json_object *tds = json_object_object_get(o, "tds");

		bad = 0;
		for (int t = 0; t < e->n_td; t++) {
			struct json_object *r = find_by(tds, "pid", e->pid[t]);

			if (!e->map_req[t][0] && !e->map_req[t][1] && !e->map_chunks[t])
				continue;
			if (!r || jget(r, "requests.to_shared") != e->map_req[t][1] ||
			    jget(r, "requests.to_private") != e->map_req[t][0] ||
			    jget(r, "request_bytes.to_shared") != e->map_bytes[t][1] ||
			    jget(r, "request_bytes.to_private") != e->map_bytes[t][0] ||
			    jget(r, "chunks") != e->map_chunks[t] ||
			    jget(r, "chunk_retries") != e->map_chunk_retries[t] ||
			    jget(r, "done_status.success") != e->map_done[t][0] ||
			    jget(r, "done_status.retry") != e->map_done[t][1] ||
			    jget(r, "done_status.invalid") != e->map_done[t][2] ||
			    jget(r, "done_status.other") != e->map_done[t][3])
				bad++;
		}
		ok(!bad, "%s: requests, bytes, chunks and outcomes per TD exact", what);
		json_object_put(o);
	} else {
		ok(0, "%s runs", what);
	}
	free(out);

	snprintf(what, sizeof(what), "contention --sim %s", spec);
	if (run_cmd(&out, "contention", spec) == 0 &&
	    (o = json_line(out, "tdxtrace:contention", what))) {
		struct json_object *fr = json_object_object_get(o, "frozen");
		static const char *const lv[] = { "none", "4K", "2M", "1G" };
		__u64 rows = 0;

		bad = 0;
		for (int t = 0; t < e->n_td; t++)
			for (int l = 0; l < TDX_PG_LEVEL_MAX; l++)
				for (int m = 0; m < 2; m++) {
					bool found = false;

					if (!e->fr_retries[t][l][m] && !e->fr_windows[t][l][m])
						continue;
					rows++;
					for (size_t i = 0; i < json_object_array_length(fr); i++) {
						struct json_object *r = json_object_array_get_idx(fr, i);

						if (jget(r, "pid") != e->pid[t] ||
						    strcmp(json_object_get_string(jpath(r, "level")), lv[l]) ||
						    strcmp(json_object_get_string(jpath(r, "root")),
							   m ? "mirror" : "direct"))
							continue;
						found = jget(r, "retries") == e->fr_retries[t][l][m] &&
							jget(r, "windows") == e->fr_windows[t][l][m];
					}
					if (!found)
						bad++;
				}
		ok(!bad && json_object_array_length(fr) == rows,
		   "%s: FROZEN_SPTE retries and windows per TD, level, root exact (%llu rows)",
		   what, (unsigned long long)rows);
		json_object_put(o);
	} else {
		ok(0, "%s runs", what);
	}
	free(out);

	snprintf(what, sizeof(what), "mix --sim %s", spec);
	if (run_cmd(&out, "mix", spec) == 0 &&
	    (o = json_line(out, "tdxtrace:mix", what))) {
		struct json_object *tds = json_object_object_get(o, "tds");

		bad = 0;
		for (int t = 0; t < e->n_td; t++) {
			struct json_object *r = find_by(tds, "pid", e->pid[t]);

			if (!e->td_events[t][TDX_EV_HUGEPAGE_MIXED] &&
			    !e->td_events[t][TDX_EV_PRIVATE_MAP])
				continue;
			if (!r || jget(r, "to_mixed.2M") != e->to_mixed[t][2] ||
			    jget(r, "to_mixed.1G") != e->to_mixed[t][3] ||
			    jget(r, "to_unmixed.2M") != e->to_unmixed[t][2] ||
			    jget(r, "redundant") != e->redundant[t] ||
			    jget_s64(r, "mixed.2M") != e->mixed_live[t][2] ||
			    jget_s64(r, "private_mapped.4K") != e->private_live[t][1]) {
				diag("%s: TD %u: to_mixed.2M %llu/%llu redundant %llu/%llu",
				     what, e->pid[t], (unsigned long long)jget(r, "to_mixed.2M"),
				     (unsigned long long)e->to_mixed[t][2],
				     (unsigned long long)jget(r, "redundant"),
				     (unsigned long long)e->redundant[t]);
				bad++;
			}
		}
		ok(!bad, "%s: transitions, mixed ranges and private mappings per TD exact", what);
		bad = 0;
		for (size_t i = 0; tds && i < json_object_array_length(tds); i++)
			for (int l = 1; l < TDX_PG_LEVEL_MAX; l++) {
				static const char *const key[] = { "", "private_mapped.4K",
					"private_mapped.2M", "private_mapped.1G" };

				bad += jget_s64(json_object_array_get_idx(tds, i), key[l]) < 0;
			}
		ok(!bad, "%s: no private-mapping count is negative (pages mapped before the trace are not counted, issue 19)",
		   what);
		bad = 0;
		for (int t = 0; t < e->n_td; t++) {
			struct json_object *r = find_by(tds, "pid", e->pid[t]);
			static const char *const cls[] = { "4K", "64K", "2M", "large" };

			if (!r)
				continue;
			for (int d = 0; d < 2; d++)
				for (int k = 0; k < 4; k++) {
					char p[64];

					snprintf(p, sizeof(p), "splits.%s.%s",
						 d ? "to_shared" : "to_private", cls[k]);
					if (jget(r, p) != e->split[t][d][k])
						bad++;
				}
			if (jget(r, "splits.other") != e->split_other[t])
				bad++;
		}
		ok(!bad, "%s: ranges split, by conversion direction and size, exact", what);
		ok(json_object_array_length(json_object_object_get(o, "series")) >= 1,
		   "%s: a time series over the run", what);
		json_object_put(o);
	} else {
		ok(0, "%s runs", what);
	}
	free(out);
}

static void test_intervals(const char *spec, struct expect *e)
{
	char *out, *line, *save = NULL;
	__u64 sum[TDX_EV_MAX] = { 0 };
	int n = 0, bad = 0;

	if (run(&out, "%s stat --sim '%s' -i 250ms --json", bin, spec) != 0) {
		ok(0, "stat -i runs");
		free(out);
		return;
	}
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct json_object *o = json_tokener_parse(line);

		if (!o || js_validate(&schemas, o, "tdxtrace:stat"))
			bad++;
		for (int k = 1; o && k < TDX_EV_MAX; k++) {
			char p[64];

			snprintf(p, sizeof(p), "counters.events.%s", tdx_event_name(k));
			sum[k] += jget(o, p);
		}
		n++;
		json_object_put(o);
	}
	for (int k = 1; k < TDX_EV_MAX; k++)
		if (sum[k] != e->events[k])
			bad++;
	ok(n > 1 && !bad, "stat -i 250ms: %d interval reports, valid, adding up to the totals", n);
	free(out);
	n = 0;
	ok(run(&out, "%s lat --sim '%s' --json 100ms 3", bin, spec) == 0, "lat INTERVAL COUNT runs");
	for (char *p = out; (p = strchr(p, '\n')); p++)
		n++;
	is_u64(n, 3, "lat 100ms 3: exactly three reports");
	free(out);
}

/* Events and source_lost of a file, through `stat --replay`. */
static int replay_counts(const char *path, __u64 *events, __u64 *lost)
{
	struct json_object *o;
	char *out;
	int rc = run(&out, "%s stat --replay %s --json", bin, path);

	*events = *lost = 0;
	o = rc == 0 ? json_tokener_parse(out) : NULL;
	free(out);
	if (!o)
		return -1;
	for (int k = 1; k < TDX_EV_MAX; k++) {
		char p[64];

		snprintf(p, sizeof(p), "counters.events.%s", tdx_event_name(k));
		*events += jget(o, p);
	}
	*lost = jget(o, "counters.source_lost");
	json_object_put(o);
	return 0;
}

/* Size limit and rotation, lost events, clean stop on SIGINT. */
static void test_record_limits(const char *spec, struct expect *e)
{
	char base[4200], name[4300], *out;
	struct json_object *o;
	__u64 sum = 0, ev, lost, files = 0, on_disk = 0;

	snprintf(base, sizeof(base), "%s/rot.tdxrec", tmpdir);
	if (run(&out, "%s record -o %s -s 256K --sim '%s' --json", bin, base, spec) == 0 &&
	    (o = json_line(out, "tdxtrace:record", "record -s 256K"))) {
		files = jget(o, "files");
		json_object_put(o);
	}
	free(out);
	for (__u64 i = 0; i < files + 2; i++) {
		if (i)
			snprintf(name, sizeof(name), "%s.%llu", base, (unsigned long long)i);
		else
			snprintf(name, sizeof(name), "%s", base);
		if (access(name, R_OK))
			continue;
		on_disk++;
		if (!replay_counts(name, &ev, &lost))
			sum += ev;
	}
	ok(files > 1 && on_disk == files && sum == e->total,
	   "record -s 256K: %llu files, their events add up to the stream's %llu",
	   (unsigned long long)files, (unsigned long long)e->total);

	snprintf(base, sizeof(base), "%s/keep.tdxrec", tmpdir);
	run(NULL, "%s record -o %s -s 256K -R 2 --sim '%s' 2>/dev/null", bin, base, spec);
	ok(run(&out, "ls %s | grep -c '^keep.tdxrec'", tmpdir) == 0 && atoi(out) == 2,
	   "record -s 256K -R 2: only the newest two files are kept");
	free(out);

	snprintf(base, sizeof(base), "%s/lost.tdxrec", tmpdir);
	/* the BPF ring buffer's losses: the user-space engine streams in line */
	if (run(&out, "TDXTRACE_ENGINE=bpf %s record -o %s -b 4K --sim '%s' --json", bin, base,
		spec) == 0 &&
	    (o = json_line(out, "tdxtrace:record", "record -b 4K"))) {
		__u64 w = jget(o, "events"), l = jget(o, "lost");

		ok(l > 0 && w + l == e->total,
		   "record with a 4K ring buffer: written %llu + lost %llu = the stream's %llu",
		   (unsigned long long)w, (unsigned long long)l, (unsigned long long)e->total);
		ok(!replay_counts(base, &ev, &lost) && ev == w && lost == l,
		   "the file replays its %llu events and reports the %llu lost",
		   (unsigned long long)w, (unsigned long long)l);
		json_object_put(o);
	} else {
		ok(0, "record -b 4K runs");
	}
	free(out);

	snprintf(base, sizeof(base), "%s/int.tdxrec", tmpdir);
	if (run(&out, "timeout --preserve-status -s INT 5 %s record -o %s --sim steady:1,duration=3600s --json",
		bin, base) == 0 && (o = json_line(out, "tdxtrace:record", "record, SIGINT"))) {
		__u64 w = jget(o, "events");

		ok(w > 0 && !replay_counts(base, &ev, &lost) && ev == w,
		   "record stopped by SIGINT: exit 0, a complete file with its %llu events",
		   (unsigned long long)w);
		json_object_put(o);
	} else {
		ok(0, "record stops cleanly on SIGINT (exit 0)");
	}
	free(out);
}

static void test_record_report(const char *spec, struct expect *e)
{
	char rec[4200], rec2[4200], *out;
	struct json_object *o;

	snprintf(rec, sizeof(rec), "%s/rec.tdxrec", tmpdir);
	snprintf(rec2, sizeof(rec2), "%s/sim.tdxrec", tmpdir);
	if (run(&out, "%s record -o %s --sim '%s' --json", bin, rec, spec) == 0 &&
	    (o = json_line(out, "tdxtrace:record", "record --sim"))) {
		is_u64(jget(o, "events"), e->total, "record: every event of the stream written");
		is_u64(jget(o, "lost"), 0, "record: nothing lost");
		json_object_put(o);
	} else {
		ok(0, "record --sim runs");
	}
	free(out);
	if (run(&out, "%s stat --replay %s --json", bin, rec) == 0 &&
	    (o = json_line(out, "tdxtrace:stat", "stat --replay recorded"))) {
		check_stat(o, e, "stat --replay of the recording");
		json_object_put(o);
	} else {
		ok(0, "stat --replay runs");
	}
	free(out);
	out = NULL;
	if (run(NULL, "%s sim '%s' -o %s 2>/dev/null", bin, spec, rec2) == 0 &&
	    run(NULL, "%s stat --replay %s --json > %s/s.json", bin, rec2, tmpdir) == 0 &&
	    run(&out, "cat %s/s.json", tmpdir) == 0 &&
	    (o = json_line(out, "tdxtrace:stat", "stat --replay of sim -o"))) {
		check_stat(o, e, "stat --replay of `sim -o`");
		json_object_put(o);
	} else {
		ok(0, "sim -o and stat --replay run");
	}
	free(out);
	if (run(&out, "%s report %s --json", bin, rec) == 0 &&
	    (o = json_line(out, "tdxtrace:report", "report FILE"))) {
		struct json_object *st = jpath(o, "reports.stat");

		if (st)
			check_stat(st, e, "report: its stat part");
		json_object_put(o);
	} else {
		ok(0, "report FILE --json runs");
	}
	free(out);
	test_record_limits(spec, e);
	ok(run(&out, "%s report %s", bin, rec) == 0 && strstr(out, "==== lat ====") &&
	   strstr(out, "==== mix ====") && strstr(out, "dropped"),
	   "report FILE (text): every report, with drop/loss counters");
	free(out);
}

static void test_plot(const char *spec)
{
	char path[4200], *out;
	struct stat st;
	FILE *f;
	unsigned char magic[8] = { 0 };

	snprintf(path, sizeof(path), "%s/lat.svg", tmpdir);
	ok(run(NULL, "%s lat --sim '%s' --plot %s >/dev/null", bin, spec, path) == 0 &&
	   run(&out, "head -c 4096 %s", path) == 0 && strstr(out, "<svg"),
	   "lat --plot FILE.svg writes an SVG");
	free(out);
	snprintf(path, sizeof(path), "%s/mix.png", tmpdir);
	ok(run(NULL, "%s mix --sim '%s' --plot %s >/dev/null", bin, spec, path) == 0 &&
	   !stat(path, &st) && (f = fopen(path, "rb")) && fread(magic, 1, 8, f) == 8 &&
	   !fclose(f) && !memcmp(magic, "\x89PNG\r\n\x1a\n", 8), "mix --plot FILE.png writes a PNG");
	ok(run(&out, "ls %s | grep -c tmp", tmpdir) == 1, "no temporary plot file left behind");
	free(out);
	/* plot files are 0644 under the umask (mkstemp made them 0600) */
	snprintf(path, sizeof(path), "%s/mode.svg", tmpdir);
	ok(run(NULL, "umask 022; %s lat --sim '%s' --plot %s >/dev/null", bin, spec, path) == 0 &&
	   !stat(path, &st) && (st.st_mode & 0777) == 0644,
	   "plot file mode 0644 under umask 022 (got %o)", (unsigned)(st.st_mode & 0777));
	snprintf(path, sizeof(path), "%s/mode2.svg", tmpdir);
	ok(run(NULL, "umask 027; %s mix --sim '%s' --plot %s >/dev/null", bin, spec, path) == 0 &&
	   !stat(path, &st) && (st.st_mode & 0777) == 0640,
	   "plot file mode 0640 under umask 027 (got %o)", (unsigned)(st.st_mode & 0777));
	/* -P: one curve per TD and leaf, titled with the pid */
	snprintf(path, sizeof(path), "%s/pertd.svg", tmpdir);
	ok(run(NULL, "%s lat -P --sim '%s' --plot %s >/dev/null", bin, spec, path) == 0 &&
	   run(&out, "grep -c 'TD 1[0-9]*000 ' %s", path) == 0 && atoi(out) >= 2,
	   "lat -P --plot: curves per TD");
	free(out);
	/* an interval: one curve per interval */
	snprintf(path, sizeof(path), "%s/intervals.svg", tmpdir);
	ok(run(NULL, "%s lat --sim '%s' -d 250ms --plot %s >/dev/null", bin, spec, path) == 0 &&
	   run(&out, "grep -c 'interval [0-9]' %s", path) == 0 && atoi(out) >= 2,
	   "lat -d 250ms --plot: curves per interval");
	free(out);
	/* -o: the text goes to the file, complete, 0644; nothing on stdout */
	snprintf(path, sizeof(path), "%s/stat.txt", tmpdir);
	ok(run(&out, "umask 022; %s stat --sim '%s' -o %s", bin, spec, path) == 0 && !*out &&
	   !stat(path, &st) && st.st_size > 0 && (st.st_mode & 0777) == 0644,
	   "stat -o FILE: the report in FILE (0644), stdout empty");
	free(out);
	snprintf(path, sizeof(path), "%s/nodir/stat.txt", tmpdir);
	ok(run(&out, "%s stat --sim '%s' -o %s 2>&1", bin, spec, path) == TDX_EXIT_CANTCREAT &&
	   strstr(out, "nodir"), "stat -o in a missing folder: exit 73 (CANTCREAT)");
	free(out);
}

int main(void)
{
	const char *o = getenv("O"), *src = getenv("SRC");
	static const char *const specs[] = {
		"steady:11,duration=1s", "boot:5,duration=1s", "convert:3,duration=500ms",
		"contention:9,duration=1s", "mixing:4,duration=1s",
	};
	char path[4096];

	snprintf(bin, sizeof(bin), "%s/bin/tdxtrace", o ? o : "build");
	snprintf(path, sizeof(path), "%s/docs/cli.md", src ? src : ".");
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_cli_sim.XXXXXX");
	root = geteuid() == 0;
	ok(js_load_md(&schemas, path) > 0, "schemas loaded from docs/cli.md");
	ok(access(bin, X_OK) == 0, "tdxtrace is built (%s)", bin);
	if (!mkdtemp(tmpdir))
		return tap_done();
	test_usage();
	test_sim_print(specs[0]);
	if (!root) {
		skip("BPF end-to-end tests need root");
		skip("the no-privilege exit code is checked as root (setpriv to nobody)");
	} else {
		char *out;
		int rc;

		/* live on a host without TDX: 69, what was probed, and what to try */
		rc = run(&out, "%s stat --duration 100ms 2>&1", bin);
		ok(rc == TDX_EXIT_UNAVAILABLE && strstr(out, "probed") && strstr(out, "--sim"),
		   "live without TDX: exit 69, says what was probed and suggests --sim (got %d)", rc);
		free(out);
		/* BPF without privileges: exit 77 and one sentence, not a libbpf dump */
		rc = run(&out, "TDXTRACE_ENGINE=bpf setpriv --reuid=65534 --regid=65534 "
			 "--clear-groups %s stat --sim '%s' 2>&1", bin, specs[0]);
		ok(rc == TDX_EXIT_NOPERM && strstr(out, "CAP_BPF"),
		   "stat in BPF as an unprivileged user: exit 77 with a message (got %d)", rc);
		free(out);
		/* offline needs no privileges: the user-space engine */
		rc = run(&out, "setpriv --reuid=65534 --regid=65534 --clear-groups "
			 "%s stat --sim '%s' --json 2>&1", bin, specs[0]);
		ok(rc == 0 && strstr(out, "\"events\""),
		   "stat --sim as an unprivileged user: exit 0 with the report (got %d)", rc);
		free(out);
		for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
			struct expect *e = calloc(1, sizeof(*e));

			if (expect_sim(e, specs[i]) < 0) {
				ok(0, "simulator %s", specs[i]);
				free(e);
				continue;
			}
			diag("%s: %llu events, %d TDs", specs[i], (unsigned long long)e->total, e->n_td);
			if (i > 0) {
				/* every report of this scenario from one `report --sim` */
				char *out;

				if (run(&out, "%s report --sim '%s' --json", bin, specs[i]) == 0) {
					report_cache = json_line(out, "tdxtrace:report", "report --sim");
				} else {
					ok(0, "report --sim %s runs", specs[i]);
				}
				free(out);
			}
			test_stat(specs[i], e);
			test_lat(specs[i], e);
			test_ept_convert_contention_mix(specs[i], e);
			if (i == 0) {
				test_intervals(specs[i], e);
				test_record_report(specs[i], e);
				test_plot(specs[i]);
			}
			json_object_put(report_cache);
			report_cache = NULL;
			expect_free(e);
			free(e);
		}
	}
	if (root) {
		/* the series-v2 flows: zaps with kicks (contention), build (boot), teardown */
		test_flows("contention:9,duration=1s,teardown=1,leak=1");
		test_flows("boot:5,duration=1s,tds=2,teardown=1");
		{
			char *out;
			/* -p of a TD that does not exist: nothing of series v2 is seen */
			int rc = run(&out, "%s flows --sim 'steady:11,duration=200ms' -p 1 2>&1", bin);

			ok(rc == 0 && strstr(out, "S-EPT zaps (") == NULL &&
			   strstr(out, "kernel series v2"),
			   "flows without v2 events: says they come from kernel series v2 (rc %d)", rc);
			free(out);
		}
	}
	run(NULL, "rm -rf %s", tmpdir);
	return tap_done();
}
