// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_uagg.c - the aggregation in user space (tools/lib/uagg.c) is the BPF
 * aggregation, bit for bit, and needs no privileges.
 *
 *  - every simulator scenario (plus filters, a stream, and max_tds small
 *    enough to fill the maps) and every record file of the fuzz corpus:
 *    the snapshot of the user-space engine equals the BPF engine's, byte
 *    for byte (counters and every map array), at the end and for a window;
 *  - as nobody: offline sessions open, aggregate and snapshot; a BPF
 *    session says which capability is missing.
 * The BPF half needs root; without it only the unprivileged half runs.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "tdxtrace.h"

/* Byte-compare two snapshots; says what differs first. */
static bool snap_same(const struct tdx_snapshot *a, const struct tdx_snapshot *b,
		      const char **what)
{
	*what = "counters";
	if (memcmp(&a->counters, &b->counters, sizeof(a->counters)))
		return false;
#define TDX_X_CMP(id, bpf, snap, kt, vt, vf, per_td, in_snap)			\
	TDX_X_IF_##in_snap(*what = #snap;						\
		if (a->n_##snap != b->n_##snap ||				\
		    (a->n_##snap && memcmp(a->snap, b->snap, a->n_##snap * sizeof(*a->snap)))) \
			return false;)
	TDX_MAP_TABLE(TDX_X_CMP)
#undef TDX_X_CMP
	*what = "tds";
	return a->n_td == b->n_td;
}

static __u64 total_events(const struct tdx_snapshot *s)
{
	__u64 t = 0;

	for (int k = 0; k < TDX_EV_MAX; k++)
		t += s->counters.events[k];
	return t;
}

static int count_ev(void *ctx, const struct tdx_event *ev)
{
	(void)ev;
	++*(__u64 *)ctx;
	return 0;
}

/*
 * Run one source through both engines: a snapshot after the first window
 * of win_ns, the window itself, and the snapshot at the end must match.
 */
static void compare(const char *label, struct tdx_opts o, __u64 win_ns, bool want_events)
{
	struct tdx_session *s[2] = { NULL, NULL };
	struct tdx_snapshot mid[2], end[2];
	__u64 streamed[2] = { 0, 0 };
	int err[2], r;
	const char *what = "";
	bool same_mid, same_end;

	memset(mid, 0, sizeof(mid));
	memset(end, 0, sizeof(end));
	for (int e = 0; e < 2; e++) {
		o.engine = e ? TDX_ENGINE_BPF : TDX_ENGINE_USER;
		if (o.stream) {
			o.stream_cb = count_ev;
			o.stream_ctx = &streamed[e];
		}
		err[e] = tdx_open(&s[e], &o);
	}
	if (err[0] || err[1]) {
		ok(err[0] == err[1], "%s: both engines refuse it alike (%d, %d)", label,
		   err[0], err[1]);
		goto out;
	}
	is_u64(tdx_engine(s[0]), TDX_ENGINE_USER, "%s: user-space engine", label);
	for (int e = 0; e < 2; e++) {
		r = tdx_advance(s[e], win_ns, 0);
		if (r < 0 || tdx_snapshot(s[e], &mid[e]))
			break;
		while ((r = tdx_advance(s[e], 0, 0)) == 0)
			;
		if (r < 0 || tdx_snapshot(s[e], &end[e]))
			break;
		tdx_snapshot_subtract(&mid[e], &end[e]);	/* mid becomes the rest */
	}
	same_mid = snap_same(&mid[0], &mid[1], &what);
	ok(same_mid, "%s: window after %.1f s identical (first difference: %s)", label,
	   (double)win_ns / 1e9, same_mid ? "none" : what);
	same_end = snap_same(&end[0], &end[1], &what);
	ok(same_end && (!want_events || total_events(&end[0]) > 0),
	   "%s: end snapshot identical, %llu events (first difference: %s)", label,
	   (unsigned long long)total_events(&end[0]), same_end ? "none" : what);
	if (o.stream)
		ok(streamed[0] == streamed[1] && streamed[0] == end[0].counters.streamed,
		   "%s: the same %llu events streamed", label, (unsigned long long)streamed[0]);
out:
	for (int e = 0; e < 2; e++) {
		tdx_snapshot_free(&mid[e]);
		tdx_snapshot_free(&end[e]);
		tdx_close(s[e]);
	}
}

static void test_scenarios(void)
{
	static const char *const specs[] = {
		"boot:3,duration=4s", "steady:7,duration=3s", "convert:5,duration=3s",
		"contention:9,duration=3s", "mixing:2,duration=3s", "regress:4,duration=3s",
		"steady:11,duration=2s,tds=16",
	};
	struct tdx_opts o = TDX_OPTS_INIT;

	o.source = TDX_SRC_SIM;
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		o.sim_spec = specs[i];
		compare(specs[i], o, 1000000000ULL, true);
	}
	/* filters, a stream, full maps */
	o.sim_spec = "steady:3,duration=2s";
	o.filter.min_lat_ns = 5000;
	o.filter.leaf_mask[0] = ~0ULL << 3;
	o.filter.gfn_min_ns = 0;
	compare("steady with leaf/latency filters, every GFN", o, 500000000ULL, true);
	o = (struct tdx_opts)TDX_OPTS_INIT;
	o.source = TDX_SRC_SIM;
	o.sim_spec = "mixing:6,duration=2s";
	o.max_tds = 2;
	compare("mixing with max_tds=2 (maps full: drops)", o, 500000000ULL, true);
	o.max_tds = 0;
	o.sim_spec = "steady:8,duration=1s";
	o.stream = true;
	o.sample_every = 3;
	o.ringbuf_bytes = 64 << 20;
	compare("steady streamed, one in 3", o, 300000000ULL, true);
}

static void test_corpus(void)
{
	char dir[1024], path[1400];
	const char *src = getenv("SRC");
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/recfile", src ? src : ".");
	d = opendir(dir);
	if (!ok(d != NULL, "corpus: %s", dir))
		return;
	while ((de = readdir(d))) {
		struct tdx_opts o = TDX_OPTS_INIT;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		o.source = TDX_SRC_REPLAY;
		o.replay_path = path;
		o.filter.gfn_min_ns = 0;
		compare(de->d_name, o, 10000000ULL, false);
		n++;
	}
	closedir(d);
	ok(n > 50, "corpus: %d record files compared", n);
}

/* As nobody: offline works in user space; BPF names the capability. */
static void test_unprivileged(void)
{
	int fds[2], st = 0;
	char msg[512];
	ssize_t len;
	pid_t c;

	memset(msg, 0, sizeof(msg));
	if (pipe(fds))
		return;
	c = fork();
	if (c == 0) {
		struct tdx_opts o = TDX_OPTS_INIT;
		struct tdx_snapshot snap;
		struct tdx_session *s;
		int err;

		close(fds[0]);
		if (geteuid() == 0 && (setgid(65534) || setuid(65534)))
			_exit(3);
		o.source = TDX_SRC_SIM;
		o.sim_spec = "steady:1,duration=1s";
		err = tdx_open(&s, &o);
		if (!err) {
			while (tdx_advance(s, 0, 0) == 0)
				;
			err = tdx_snapshot(s, &snap);
			dprintf(fds[1], "%d %llu %zu|", err,
				err ? 0ULL : (unsigned long long)total_events(&snap),
				err ? 0 : snap.n_leaf);
			if (!err)
				tdx_snapshot_free(&snap);
			tdx_close(s);
		} else {
			dprintf(fds[1], "%d 0 0|", err);
		}
		o.engine = TDX_ENGINE_BPF;
		err = tdx_open(&s, &o);
		dprintf(fds[1], "%d %s", err, err ? tdx_last_error() : "");
		tdx_close(s);
		_exit(0);
	}
	close(fds[1]);
	for (size_t got = 0; got < sizeof(msg) - 1; got += (size_t)len) {
		len = read(fds[0], msg + got, sizeof(msg) - 1 - got);
		if (len <= 0)
			break;
	}
	close(fds[0]);
	waitpid(c, &st, 0);
	{
		int e1 = 1, e2 = 1;
		unsigned long long evs = 0;
		size_t leaves = 0;
		char *bar = strchr(msg, '|');

		if (sscanf(msg, "%d %llu %zu", &e1, &evs, &leaves) != 3)
			e1 = 1;
		ok(e1 == 0 && evs > 1000 && leaves > 0,
		   "as nobody: a sim session aggregates in user space (%llu events, %zu leaf rows)",
		   evs, leaves);
		if (bar)
			e2 = atoi(bar + 1);
		ok(e2 == -EPERM && bar && strstr(bar, "CAP_BPF"),
		   "as nobody: a BPF session says which capability is missing (%s)",
		   bar ? bar + 1 : msg);
	}
}

int main(void)
{
	test_unprivileged();
	if (geteuid() != 0) {
		skip("the BPF half needs root (CAP_BPF, CAP_PERFMON)");
		return tap_done();
	}
	test_scenarios();
	test_corpus();
	return tap_done();
}
