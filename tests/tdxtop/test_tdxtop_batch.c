// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_tdxtop_batch - `tdxtop -b --json --sim SPEC` checked against figures
 * computed here, independently, from the same simulator stream.
 *
 * The test opens the simulator itself (tdx_source_open_sim), cuts its events
 * into the windows tdxtop uses (tools/lib/window.h; source time: the
 * source's start t0, its header's start_ns or else the first event's
 * timestamp, window k = (t0 + k*I, t0 + (k+1)*I], the first one including
 * t0), and
 * counts per TD and per leaf: SEAMCALLs, BUSY statuses, private/shared EPT
 * violations, completed MapGPA requests and bytes, FROZEN_SPTE retries, and
 * the exact latency quantiles from the raw durations.  Counts must match
 * exactly, rates are count / I, quantiles must fall within one log-linear
 * bucket (12.5 %) of the exact value.  Loading BPF needs root: skipped
 * otherwise.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <json-c/json.h>

#include "tap.h"
#include "source.h"

#define MAXW  8
#define MAXTD 32

struct vec {
	__u64 *v;
	size_t n, cap;
};

static void push(struct vec *x, __u64 val)
{
	if (x->n == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 256;
		x->v = realloc(x->v, x->cap * sizeof(*x->v));
		if (!x->v)
			abort();
	}
	x->v[x->n++] = val;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* Exact quantile: the value of rank ceil(q*n) (1-based), as a histogram ranks. */
static double exact_q(struct vec *x, double q)
{
	size_t r;

	if (!x->n)
		return 0;
	qsort(x->v, x->n, sizeof(*x->v), cmp_u64);
	r = (size_t)(q * (double)x->n + 0.999999);
	if (r < 1)
		r = 1;
	if (r > x->n)
		r = x->n;
	return (double)x->v[r - 1];
}

struct td_exp {
	__u32 pid;
	__u64 sc, busy, ept_p, ept_s, conv, conv_bytes, frozen;
	struct vec lat;
};

struct win_exp {
	__u64 seamcalls, events;
	struct td_exp td[MAXTD];
	__u64 leaf_count[TDX_LEAF_MAX];
	struct vec leaf_lat[TDX_LEAF_MAX];
};

static struct win_exp W[MAXW];
static int ntd;

static struct td_exp *td_of(struct win_exp *w, __u32 pid)
{
	for (int i = 0; i < ntd; i++)
		if (w->td[i].pid == pid)
			return &w->td[i];
	return NULL;
}

static void reset_expect(void)
{
	for (int k = 0; k < MAXW; k++) {
		for (int i = 0; i < MAXTD; i++)
			free(W[k].td[i].lat.v);
		for (int l = 0; l < TDX_LEAF_MAX; l++)
			free(W[k].leaf_lat[l].v);
	}
	memset(W, 0, sizeof(W));
	ntd = 0;
}

/* Compute the expected windows for spec, interval_ns, nwin windows. */
static int expect(const char *spec, __u64 interval_ns, int nwin, __u32 only_pid)
{
	struct tdx_source *src;
	const struct tdx_source_info *info;
	struct tdx_event ev;
	__u64 t0 = 0;
	bool first = true;
	int r;

	reset_expect();
	if (!strncmp(spec, "file:", 5) ? tdx_source_open_file(&src, spec + 5) :
					 tdx_source_open_sim(&src, spec))
		return -1;
	info = tdx_source_info(src);
	while ((r = tdx_source_next(src, &ev)) == 1) {
		struct win_exp *w;
		struct td_exp *t;
		__u64 k;

		if (first)
			t0 = info->start_ns ? info->start_ns : ev.ts_ns, first = false;
		k = ev.ts_ns <= t0 ? 0 : (ev.ts_ns - t0 - 1) / interval_ns;
		if (k >= (__u64)nwin)
			break;
		if (only_pid && ev.pid != only_pid)
			continue;
		w = &W[k];
		w->events++;
		t = td_of(w, ev.pid);
		if (!t && ev.pid && ntd < MAXTD) {
			/* same TD order in every window */
			for (int j = 0; j < MAXW; j++)
				W[j].td[ntd].pid = ev.pid;
			ntd++;
			t = td_of(w, ev.pid);
		}
		switch (ev.kind) {
		case TDX_EV_SEAMCALL: {
			__u32 leaf = (__u32)(ev.args[TDX_SEAMCALL_ARG_LEAF] & TDX_LEAF_NR_MASK);
			__u64 d = ev.args[TDX_SEAMCALL_ARG_DURATION];

			w->seamcalls++;
			if (leaf < TDX_LEAF_MAX) {
				w->leaf_count[leaf]++;
				push(&w->leaf_lat[leaf], d);
			}
			if (t) {
				t->sc++;
				push(&t->lat, d);
				if (tdx_status_class(ev.args[TDX_SEAMCALL_ARG_STATUS]) == TDX_SC_BUSY)
					t->busy++;
			}
			break;
		}
		case TDX_EV_EPT_VIOLATION:
			if (t && ev.args[TDX_EPT_VIOLATION_ARG_PRIVATE])
				t->ept_p++;
			else if (t)
				t->ept_s++;
			break;
		case TDX_EV_MAP_GPA_DONE:
			if (t) {
				t->conv++;
				t->conv_bytes += ev.args[TDX_MAP_GPA_DONE_ARG_SIZE];
			}
			break;
		case TDX_EV_FROZEN_RETRY:
			if (t)
				t->frozen++;
			break;
		}
	}
	(void)info;
	tdx_source_close(src);
	return r < 0 ? -1 : 0;
}

static struct json_object *get(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, k, &v);
	return v;
}

static __u64 getu(struct json_object *o, const char *k)
{
	return (__u64)json_object_get_uint64(get(o, k));
}

static double getd(struct json_object *o, const char *k)
{
	return json_object_get_double(get(o, k));
}

static const char *tdxtop;

/* Run tdxtop, return its JSON lines (NULL-terminated) and exit status. */
static struct json_object **run(const char *args, int *status, int *nlines)
{
	char cmd[1024], *line = NULL;
	size_t cap = 0;
	struct json_object **out = calloc(64, sizeof(*out));
	FILE *p;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "%s %s", tdxtop, args);
	p = popen(cmd, "r");
	if (!p) {
		*status = -1;
		return out;
	}
	while (getline(&line, &cap, p) > 0 && n < 63) {
		out[n] = json_tokener_parse(line);
		if (!out[n]) {
			diag("not JSON: %s", line);
			continue;
		}
		n++;
	}
	free(line);
	*status = pclose(p);
	*nlines = n;
	return out;
}

static void free_lines(struct json_object **l)
{
	for (int i = 0; l[i]; i++)
		json_object_put(l[i]);
	free(l);
}

static struct json_object *find_row(struct json_object *arr, const char *key,
				    __u64 val)
{
	size_t n = json_object_array_length(arr);

	for (size_t i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(arr, i);

		if (getu(r, key) == val)
			return r;
	}
	return NULL;
}

/* Check every window of one run against the expectation. */
static void check_run(const char *spec, double interval, int nwin)
{
	char args[512];
	struct json_object **lines;
	int st, n;
	__u64 ins = (__u64)(interval * 1e9 + 0.5);

	if (expect(spec, ins, nwin, 0)) {
		ok(0, "%s: the simulator opens in the test: %s", spec, tdx_last_error());
		return;
	}
	if (!strncmp(spec, "file:", 5))
		snprintf(args, sizeof(args), "-b --json -d %g -n %d --replay '%s'", interval,
			 nwin, spec + 5);
	else
		snprintf(args, sizeof(args), "-b --json -d %g -n %d --sim '%s'", interval,
			 nwin, spec);
	lines = run(args, &st, &n);
	ok(st == 0, "%s: tdxtop %s exits 0 (status %d)", spec, args, st);
	is_u64(n, nwin, "%s: one JSON object per interval", spec);
	for (int k = 0; k < n && k < nwin; k++) {
		struct json_object *o = lines[k], *tds = get(o, "tds"),
				   *leaves = get(o, "leaves");
		struct win_exp *w = &W[k];
		int bad = 0, checked_q = 0;

		is_u64(getu(get(o, "totals"), "seamcalls"), w->seamcalls,
		       "%s window %d: SEAMCALLs", spec, k);
		is_dbl(getd(get(o, "totals"), "seamcalls_per_s"),
		       (double)w->seamcalls / interval, 1e-6 * (double)w->seamcalls / interval + 1e-9,
		       "%s window %d: SEAMCALLs/s = count / interval of source time", spec, k);
		is_dbl(getd(o, "window_s"), interval, 1e-12, "%s window %d: window_s", spec, k);
		{
			/* the maps the figures checked here come from */
			struct json_object *by = get(get(o, "dropped"), "by_map");
			__u64 d = getu(by, "leaf") + getu(by, "ept") + getu(by, "mapgpa") +
				  getu(by, "frozen");

			is_u64(d, 0, "%s window %d: nothing dropped from the leaf/ept/mapgpa/frozen maps",
			       spec, k);
			if (getu(get(o, "dropped"), "total") != d)
				diag("%s window %d: dropped elsewhere: %llu (ept_gfn %llu)", spec, k,
				     (unsigned long long)getu(get(o, "dropped"), "total"),
				     (unsigned long long)getu(by, "ept_gfn"));
		}
		for (int i = 0; i < ntd; i++) {
			struct td_exp *t = &w->td[i];
			struct json_object *r = find_row(tds, "pid", t->pid);

			if (!t->sc && !t->ept_p && !t->ept_s && !t->conv && !t->frozen)
				continue;
			if (!r) {
				ok(0, "%s window %d: TD %u has a row", spec, k, t->pid);
				bad++;
				continue;
			}
#define EQ(field, want) do { \
		if (getu(r, field) != (want)) { \
			diag("%s window %d TD %u %s: got %llu want %llu", spec, k, t->pid, \
			     field, (unsigned long long)getu(r, field), \
			     (unsigned long long)(want)); \
			bad++; \
		} } while (0)
			EQ("seamcalls", t->sc);
			EQ("busy", t->busy);
			EQ("ept_private", t->ept_p);
			EQ("ept_shared", t->ept_s);
			EQ("mapgpa_conv", t->conv);
			EQ("mapgpa_bytes", t->conv_bytes);
			EQ("frozen_retries", t->frozen);
#undef EQ
			{
				double rt = getd(r, "seamcalls_per_s");
				double er = (double)t->sc / interval;

				if (rt < er - 1e-6 * er - 1e-9 || rt > er + 1e-6 * er + 1e-9) {
					diag("TD %u SC/s %g want %g", t->pid, rt, er);
					bad++;
				}
			}
			if (t->lat.n >= 200) {
				double q50 = exact_q(&t->lat, 0.5), q99 = exact_q(&t->lat, 0.99);
				double g50 = getd(r, "p50_ns"), g99 = getd(r, "p99_ns");

				checked_q++;
				if (g50 < q50 * 0.87 || g50 > q50 * 1.13 ||
				    g99 < q99 * 0.87 || g99 > q99 * 1.13) {
					diag("TD %u p50 %g (exact %g) p99 %g (exact %g)",
					     t->pid, g50, q50, g99, q99);
					bad++;
				}
			}
		}
		ok(!bad, "%s window %d: every TD's counts, rates and quantiles (%d TDs, %d with quantiles)",
		   spec, k, ntd, checked_q);
		bad = 0;
		for (int l = 0; l < TDX_LEAF_MAX; l++) {
			struct json_object *r;

			if (!w->leaf_count[l])
				continue;
			r = find_row(leaves, "leaf", (__u64)l);
			if (!r || getu(r, "count") != w->leaf_count[l]) {
				diag("leaf %d: got %llu want %llu", l,
				     r ? (unsigned long long)getu(r, "count") : 0ULL,
				     (unsigned long long)w->leaf_count[l]);
				bad++;
				continue;
			}
			if (w->leaf_lat[l].n >= 200) {
				double q = exact_q(&w->leaf_lat[l], 0.9);
				double g = getd(r, "p90_ns");

				if (g < q * 0.87 || g > q * 1.13) {
					diag("leaf %d p90 %g exact %g", l, g, q);
					bad++;
				}
				if (getd(r, "max_ns") < (double)w->leaf_lat[l].v[w->leaf_lat[l].n - 1]) {
					diag("leaf %d max below the window's max", l);
					bad++;
				}
			}
		}
		ok(!bad, "%s window %d: every leaf's count and p90", spec, k);
	}
	free_lines(lines);
}

int main(void)
{
	const char *o = getenv("O");
	static char path[4096];
	struct json_object **lines;
	int st, n;

	snprintf(path, sizeof(path), "%s/bin/tdxtop", o ? o : "build");
	tdxtop = path;
	if (geteuid() != 0) {
		skip("loading the BPF aggregation needs root");
		return tap_done();
	}
	if (access(tdxtop, X_OK)) {
		ok(0, "%s exists", tdxtop);
		return tap_done();
	}

	check_run("steady:7,duration=3s", 0.5, 4);
	check_run("contention:3,duration=2s", 0.25, 4);
	check_run("convert:11,duration=2s", 1.0, 2);
	check_run("mixing:5,duration=2s", 0.5, 3);

	/* replay: record a simulation to a file, then the same checks on --replay */
	{
		char dir[] = "/tmp/tdxtop-test-XXXXXX", file[600], spec[640];
		struct tdx_source *src;
		struct tdx_rec *rec = NULL;
		struct tdx_event ev;
		int r = -1;

		if (mkdtemp(dir) && !tdx_source_open_sim(&src, "convert:5,duration=2s")) {
			snprintf(file, sizeof(file), "%s/convert.tdx", dir);
			rec = tdx_rec_open(file, tdx_source_info(src), NULL);
			while (rec && (r = tdx_source_next(src, &ev)) == 1)
				if (tdx_rec_write(rec, &ev, 1) < 0)
					break;
			tdx_source_close(src);
			if (rec && tdx_rec_close(rec))
				r = -1;
		}
		if (ok(r == 0, "recorded a simulation to a file (%s)", r ? tdx_last_error() : "ok")) {
			snprintf(spec, sizeof(spec), "file:%s", file);
			check_run(spec, 0.5, 3);
			lines = run("-b --json -n 1 --replay /dev/null", &st, &n);
			ok(WIFEXITED(st) && WEXITSTATUS(st) == TDX_EXIT_NODATA && n == 0,
			   "--replay of an empty file: exit 4 (NODATA), no output");
			free_lines(lines);

			/* corrupt bytes in the middle: found while reading, said, exit 1 */
			{
				char cmd[2048], msg[1024] = "";
				FILE *f = fopen(file, "r+b");
				size_t len = 0;

				if (f && !fseek(f, 0, SEEK_END)) {
					long size = ftell(f);

					fseek(f, size / 2, SEEK_SET);
					for (int i = 0; i < 64; i++)
						fputc(0x5a, f);
				}
				if (f)
					fclose(f);
				snprintf(cmd, sizeof(cmd), "%s -b --json -d 0.5 --replay '%s' 2>&1 >/dev/null",
					 tdxtop, file);
				f = popen(cmd, "r");
				if (f) {
					len = fread(msg, 1, sizeof(msg) - 1, f);
					st = pclose(f);
				}
				msg[len] = 0;
				/* exactly one line */
				ok(len && strchr(msg, '\n') == msg + len - 1,
				   "corrupt replay data: one message line");
				if (len)
					msg[len - 1] = 0;
				ok(WIFEXITED(st) && WEXITSTATUS(st) == 1 && strstr(msg, "offset"),
				   "corrupt replay data: the message names the offset, exit 1 (%s)", msg);
			}
		}
		unlink(file);
		rmdir(dir);
	}

	/* cumulative: the last object holds the sum of all windows */
	if (!expect("steady:9,duration=2s", 500000000ULL, 3, 0)) {
		__u64 want = W[0].seamcalls + W[1].seamcalls + W[2].seamcalls;

		lines = run("-b --json -c -d 0.5 -n 3 --sim steady:9,duration=2s", &st, &n);
		ok(st == 0 && n == 3, "cumulative run: 3 objects");
		if (n == 3) {
			is_u64(getu(get(lines[2], "totals"), "seamcalls"), want,
			       "cumulative: SEAMCALLs since start");
			is_dbl(getd(lines[2], "window_s"), 1.5, 1e-9,
			       "cumulative: window is the time since start");
			ok(json_object_get_boolean(get(lines[2], "cumulative")),
			   "cumulative flag in the JSON");
		}
		free_lines(lines);
	}

	/* kernel-side pid filter: only that TD, the rest counted as filtered */
	if (!expect("steady:4,duration=2s", 1000000000ULL, 1, 0) && ntd >= 2) {
		__u32 pid = W[0].td[1].pid;
		__u64 want_sc = W[0].td[1].sc;
		char args[256];

		snprintf(args, sizeof(args), "-b --json -n 1 -p %u --sim steady:4,duration=2s", pid);
		lines = run(args, &st, &n);
		ok(st == 0 && n == 1, "pid filter run");
		if (n == 1) {
			struct json_object *tds = get(lines[0], "tds");

			is_u64(json_object_array_length(tds), 1, "-p %u: one TD row", pid);
			is_u64(getu(json_object_array_get_idx(tds, 0), "pid"), pid,
			       "-p: the right TD");
			is_u64(getu(json_object_array_get_idx(tds, 0), "seamcalls"), want_sc,
			       "-p: its SEAMCALLs all counted");
			ok(getu(lines[0], "filtered") > 0, "-p: the other TDs' events are counted as filtered");
		}
		free_lines(lines);
	}

	/* kernel-side leaf filter: only PAGE.AUG, with exactly its calls */
	if (!expect("steady:4,duration=2s", 1000000000ULL, 1, 0)) {
		__u64 want = W[0].leaf_count[TDX_LEAF_MEM_PAGE_AUG];

		lines = run("-b --json -n 1 -l TDH.MEM.PAGE.AUG --sim steady:4,duration=2s", &st, &n);
		ok(st == 0 && n == 1, "leaf filter run");
		if (n == 1) {
			struct json_object *lv = get(lines[0], "leaves");

			ok(json_object_array_length(lv) == 1 &&
			   getu(json_object_array_get_idx(lv, 0), "leaf") == TDX_LEAF_MEM_PAGE_AUG,
			   "-l TDH.MEM.PAGE.AUG: only that leaf");
			is_u64(getu(get(lines[0], "totals"), "seamcalls"), want,
			       "-l: all of its calls counted, nothing else");
			ok(getu(lines[0], "filtered") >= W[0].seamcalls - want,
			   "-l: the other SEAMCALLs are counted as filtered");
		}
		free_lines(lines);
	}

	/* the source ends: tdxtop stops by itself and says so */
	lines = run("-b --json -d 1 --sim steady:1,duration=2s", &st, &n);
	ok(st == 0, "end of source: exit 0");
	ok(n >= 2 && n <= 3, "end of source: stops after the last window (%d objects)", n);
	if (n)
		ok(json_object_get_boolean(get(lines[n - 1], "end_of_source")),
		   "end of source flagged in the last object");
	free_lines(lines);

	/* plain text batch: header, dropped/lost shown, both tables */
	{
		char cmd[1024], buf[65536];
		size_t len;
		FILE *p;

		snprintf(cmd, sizeof(cmd), "%s -b -n 1 --sim steady:2,duration=2s", tdxtop);
		p = popen(cmd, "r");
		len = p ? fread(buf, 1, sizeof(buf) - 1, p) : 0;
		buf[len] = 0;
		st = p ? pclose(p) : -1;
		ok(st == 0, "text batch exits 0");
		ok(strstr(buf, "mode sim") && strstr(buf, "dropped 0") && strstr(buf, "lost 0"),
		   "text header: mode, dropped and lost");
		ok(strstr(buf, "PID") && strstr(buf, "SC/s") && strstr(buf, "MIX%"),
		   "text: TD table");
		ok(strstr(buf, "CALLS/s") && strstr(buf, "TDH.MEM.PAGE.AUG"), "text: leaf table");
		ok(!strstr(buf, "REQ/s"), "text: no MapGPA table by default");

		snprintf(cmd, sizeof(cmd), "%s -b -n 1 -V mapgpa -s REQ/s --sim convert:2,duration=2s",
			 tdxtop);
		p = popen(cmd, "r");
		len = p ? fread(buf, 1, sizeof(buf) - 1, p) : 0;
		buf[len] = 0;
		st = p ? pclose(p) : -1;
		ok(st == 0 && strstr(buf, "REQ/s v") && strstr(buf, ">PRIV/s"),
		   "text -V mapgpa -s REQ/s: the MapGPA table, sorted by REQ/s");
	}
	reset_expect();
	return tap_done();
}
