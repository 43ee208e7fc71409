// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_losses.c - every way tdxtrace can lose data is counted, forced here
 * through the library with exact expected counts (the tools' display of the
 * same counters is tests/reliability/test_losses.sh):
 *
 *   map full     max_tds = 4, events of 8 TDs fed round-robin: the per-TD
 *                VP map takes the first 4 TDs, every event of the other 4
 *                counts in dropped[TDX_MAP_VP]
 *   ring full    stream with the smallest ring buffer (one page), 2000
 *                events fed in one batch: streamed + lost == fed, lost > 0,
 *                the callback saw exactly `streamed` events
 *   source lost  a record file with lost blocks (written by tdx_rec_lost):
 *                snapshot.source_lost == the sum, events intact
 *   after reset  the same file through the window iterator, reset (tdxtop's
 *                r key, a TDX module update) after the first loss: the
 *                totals count only the losses since the reset, equal to the
 *                sum of the windows' since then (before: the source's
 *                losses before the reset stayed in the total)
 *
 * Needs root (BPF); skips otherwise.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "source.h"
#include "tdxtrace.h"
#include "window.h"

/* ok() that shows the library's message on failure */
static int check(int cond, const char *what)
{
	if (!ok(cond, "%s", what))
		diag("%s", tdx_last_error());
	return cond;
}

static struct tdx_event vp_event(__u64 ts, __u32 pid, __u64 dur)
{
	struct tdx_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.ts_ns = ts;
	ev.pid = ev.tid = pid;
	ev.kind = TDX_EV_VP_ENTER;
	ev.nargs = (__u16)tdx_event_nargs(TDX_EV_VP_ENTER);
	ev.args[2] = 48;	/* exit reason: EPT violation */
	ev.args[3] = dur;
	return ev;
}

static void map_full(void)
{
	enum { TDS = 8, MAXTDS = 4, K = 25 };
	struct tdx_opts o = TDX_OPTS_INIT;
	struct tdx_event evs[TDS * K];
	struct tdx_session *s;
	struct tdx_snapshot snap;
	__u64 ts = 1000;

	o.source = TDX_SRC_REPLAY;
	o.max_tds = MAXTDS;
	for (int i = 0; i < K; i++)
		for (int t = 0; t < TDS; t++)
			evs[i * TDS + t] = vp_event(ts += 10, 5000 + t, 100 + i);
	if (!check(!tdx_open(&s, &o), "map full: open a feed session with max_tds 4"))
		return;
	is_u64(tdx_feed(s, evs, TDS * K), TDS * K, "map full: all events accepted");
	if (ok(!tdx_snapshot(s, &snap), "map full: snapshot")) {
		is_u64(snap.counters.events[TDX_EV_VP_ENTER], TDS * K,
		       "map full: every event counted");
		is_u64(snap.counters.dropped[TDX_MAP_VP], (TDS - MAXTDS) * K,
		       "map full: the events of the TDs beyond max_tds are counted as dropped");
		is_u64(snap.n_vp, MAXTDS, "map full: the VP map holds max_tds TDs");
		tdx_snapshot_free(&snap);
	}
	tdx_close(s);
}

static int count_cb(void *ctx, const struct tdx_event *ev)
{
	(void)ev;
	++*(__u64 *)ctx;
	return 0;
}

static void ring_full(void)
{
	enum { N = 2000 };
	struct tdx_opts o = TDX_OPTS_INIT;
	struct tdx_event *evs = calloc(N, sizeof(*evs));
	struct tdx_session *s;
	struct tdx_snapshot snap;
	__u64 seen = 0;

	o.source = TDX_SRC_REPLAY;
	o.engine = TDX_ENGINE_BPF;	/* the kernel's ring buffer fills */
	o.stream = true;
	o.ringbuf_bytes = 1;	/* rounded up to one page */
	o.stream_cb = count_cb;
	o.stream_ctx = &seen;
	for (int i = 0; i < N; i++)
		evs[i] = vp_event(1000 + (__u64)i * 10, 6000 + i % 3, 100);
	if (!check(!tdx_open(&s, &o), "ring full: open a streaming session with a one-page ring buffer")) {
		free(evs);
		return;
	}
	is_u64(tdx_feed(s, evs, N), N, "ring full: all events accepted");
	tdx_advance(s, 0, 0);
	if (ok(!tdx_snapshot(s, &snap), "ring full: snapshot")) {
		ok(snap.counters.lost > 0 && snap.counters.lost < N,
		   "ring full: lost counted (%llu of %d)", (unsigned long long)snap.counters.lost, N);
		is_u64(snap.counters.streamed + snap.counters.lost, N,
		       "ring full: streamed + lost == events fed");
		is_u64(seen, snap.counters.streamed,
		       "ring full: the callback saw every streamed event");
		is_u64(snap.counters.events[TDX_EV_VP_ENTER], N,
		       "ring full: aggregation is unaffected by the stream loss");
		tdx_snapshot_free(&snap);
	}
	tdx_close(s);
	free(evs);
}

static void source_lost(void)
{
	char path[] = "/tmp/tdxtrace-losses-XXXXXX";
	struct tdx_opts o = TDX_OPTS_INIT;
	struct tdx_source_info info;
	struct tdx_event evs[30];
	struct tdx_session *s;
	struct tdx_snapshot snap;
	struct tdx_rec *r;
	int fd = mkstemp(path);

	if (fd < 0) {
		ok(0, "source lost: mkstemp");
		return;
	}
	close(fd);
	memset(&info, 0, sizeof(info));
	for (int i = 0; i < 30; i++)
		evs[i] = vp_event(1000 + (__u64)i, 7000, 100);
	r = tdx_rec_open(path, &info, NULL);
	check(r && !tdx_rec_write(r, evs, 10) && !tdx_rec_lost(r, 5) &&
	   !tdx_rec_write(r, evs + 10, 20) && !tdx_rec_lost(r, 11) && !tdx_rec_close(r),
	   "source lost: wrote a record file with 30 events and lost blocks of 5 and 11");
	o.source = TDX_SRC_REPLAY;
	o.replay_path = path;
	if (check(!tdx_open(&s, &o), "source lost: open the replay")) {
		while (tdx_advance(s, 0, 0) == 0)
			;
		if (ok(!tdx_snapshot(s, &snap), "source lost: snapshot")) {
			is_u64(snap.source_lost, 16, "source lost: snapshot.source_lost == 5 + 11");
			is_u64(snap.counters.events[TDX_EV_VP_ENTER], 30,
			       "source lost: the 30 events are all replayed");
			tdx_snapshot_free(&snap);
		}
		tdx_close(s);
	}
	unlink(path);
}

static void reset_lost(void)
{
	char path[] = "/tmp/tdxtrace-losses-XXXXXX";
	struct tdx_opts o = TDX_OPTS_INIT;
	struct tdx_window_opts wo = { .interval_ns = 1000 };
	struct tdx_source_info info;
	struct tdx_event evs[30];
	struct tdx_window_iter *it;
	struct tdx_session *s;
	struct tdx_window w;
	struct tdx_rec *r;
	__u64 sum = 0, lost[8] = { 0 }, tot[8] = { 0 }, ev_tot = 0, ev_sum = 0;
	int fd = mkstemp(path), nw = 0;

	if (fd < 0) {
		ok(0, "reset: mkstemp");
		return;
	}
	close(fd);
	memset(&info, 0, sizeof(info));
	/* events every 100 ns from 1000: lost 5 at 1900 (window 0), 11 at 3900 (window 2) */
	for (int i = 0; i < 30; i++)
		evs[i] = vp_event(1000 + 100 * (__u64)i, 7000, 100);
	r = tdx_rec_open(path, &info, NULL);
	check(r && !tdx_rec_write(r, evs, 10) && !tdx_rec_lost(r, 5) &&
	      !tdx_rec_write(r, evs + 10, 20) && !tdx_rec_lost(r, 11) && !tdx_rec_close(r),
	      "reset: a record file with lost blocks of 5 (at 1900 ns) and 11 (at 3900 ns)");
	o.source = TDX_SRC_REPLAY;
	o.replay_path = path;
	if (!check(!tdx_open(&s, &o), "reset: open the replay")) {
		unlink(path);
		return;
	}
	if (check(!tdx_window_open(&it, s, &wo), "reset: window iterator")) {
		while (nw < 8 && tdx_window_next(it, &w) == 1) {
			lost[nw] = w.delta->source_lost;
			tot[nw] = w.total->source_lost;
			if (nw) {
				sum += lost[nw];
				ev_sum += w.delta->counters.events[TDX_EV_VP_ENTER];
			}
			ev_tot = w.total->counters.events[TDX_EV_VP_ENTER];
			nw++;
			if (nw == 1) {	/* the r key after the first window */
				check(!tdx_reset(s) && !tdx_window_rebase(it), "reset: tdx_reset + rebase");
			}
			if (w.last)
				break;
		}
		ok(nw == 3, "reset: three windows (got %d)", nw);
		is_u64(lost[0], 5, "reset: the first window holds the loss of 5");
		is_u64(tot[1], 0, "reset: the total after the reset holds no earlier loss");
		is_u64(lost[nw - 1], 11, "reset: the last window holds the loss of 11");
		is_u64(tot[nw - 1], sum, "reset: the total == the windows' losses since the reset");
		is_u64(tot[nw - 1], 11, "reset: ... == 11, not 16");
		ok(ev_tot == ev_sum && ev_tot > 10 && ev_tot < 30,
		   "reset: the events total == the windows' since the reset (%llu, %llu)",
		   (unsigned long long)ev_tot, (unsigned long long)ev_sum);
		tdx_window_close(it);
	}
	tdx_close(s);
	unlink(path);
}

int main(void)
{
	if (geteuid() != 0) {
		skip("needs root (BPF)");
		return tap_done();
	}
	map_full();
	ring_full();
	source_lost();
	reset_lost();
	return tap_done();
}
