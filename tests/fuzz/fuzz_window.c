// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_window.c - the window iterator (tools/lib/window.c) and the loss
 * model: a random stream of events and losses is written as a record file
 * (tdx_rec_*, small blocks), replayed through a user-space session and cut
 * into windows of a random interval.
 *
 * Input: byte 0 picks the interval (1..16 x 37 us) and byte 1 the block
 * size; then 3-byte items: op (bit 0: 0 = event, 1 = loss), u16 param
 * (event: time step in 100 ns; loss: count - 1).
 *
 * Invariants: every loss lands in exactly the window holding its time (the
 * last event before it), every event in the window holding its timestamp;
 * per-window losses and events sum to the totals; the windows tile the
 * capture (each starts where the last ended, only the last is partial, it
 * ends at the last event).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source.h"
#include "window.h"

#define MAXW 48		/* windows at most: each costs two snapshots */
#define START_NS 1000000ULL

static char path[64];

/* abort with the line and the window, so a reproducer explains itself */
#define FAIL(w) do { fprintf(stderr, "fuzz_window: invariant at line %d (window %llu: %llu..%llu lost %llu events %llu)\n", \
	__LINE__, (unsigned long long)(w).index, (unsigned long long)(w).start_ns,	\
	(unsigned long long)(w).end_ns, (unsigned long long)((w).delta ? (w).delta->source_lost : 0), \
	(unsigned long long)((w).delta ? (w).delta->counters.events[TDX_EV_SEAMCALL] : 0)); abort(); } while (0)

static __u64 win_of(__u64 ts, __u64 t0, __u64 iv)
{
	return ts <= t0 ? 0 : (ts - t0 - 1) / iv;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static __u64 want_lost[MAXW], want_ev[MAXW];
	struct tdx_source_info info = { .format = "fuzz", .start_ns = START_NS };
	struct tdx_rec_opts ro = { 0 };
	struct tdx_opts o = TDX_OPTS_INIT;
	struct tdx_window_opts wo = { 0 };
	struct tdx_window_iter *it;
	struct tdx_session *s;
	struct tdx_window w;
	struct tdx_rec *rec;
	__u64 ts = START_NS, last_ts = START_NS, iv, nw = 0, tot_lost = 0, tot_ev = 0;
	__u64 got_lost = 0, got_ev = 0, prev_end = START_NS, idx = 0;
	int r;

	if (size < 2 || size > 3 * 20000)
		return 0;
	if (!path[0])
		snprintf(path, sizeof(path), "/dev/shm/fuzz_window.%d.rec", (int)getpid());
	iv = (__u64)(data[0] % 16 + 1) * 37000;
	ro.block_events = (__u32)data[1] % 9 + 1;
	memset(want_lost, 0, sizeof(want_lost));
	memset(want_ev, 0, sizeof(want_ev));
	rec = tdx_rec_open(path, &info, &ro);
	if (!rec)
		abort();
	for (size_t i = 2; i + 3 <= size; i += 3) {
		__u16 param = (__u16)(data[i + 1] | data[i + 2] << 8);
		__u64 k;

		if (data[i] & 1) {
			/* a loss: its time is the last event before it */
			k = win_of(last_ts, START_NS, iv);
			if (k >= MAXW || tdx_rec_lost(rec, (__u64)param + 1))
				break;
			want_lost[k] += (__u64)param + 1;
			tot_lost += (__u64)param + 1;
		} else {
			struct tdx_event ev = {
				.kind = TDX_EV_SEAMCALL, .nargs = TDX_SEAMCALL_NARGS,
				.pid = 1000 + (param & 3), .tid = 1000 + (param & 3),
			};

			ts += (__u64)param * 100;
			k = win_of(ts, START_NS, iv);
			if (k >= MAXW)
				break;
			ev.ts_ns = ts;
			ev.args[TDX_SEAMCALL_ARG_LEAF] = 6;
			ev.args[TDX_SEAMCALL_ARG_DURATION] = 1000;
			if (tdx_rec_write(rec, &ev, 1))
				abort();
			last_ts = ts;
			want_ev[k]++;
			tot_ev++;
		}
	}
	if (tdx_rec_close(rec))
		abort();
	nw = win_of(last_ts, START_NS, iv) + 1;

	o.source = TDX_SRC_REPLAY;
	o.replay_path = path;
	o.engine = TDX_ENGINE_USER;
	o.filter.gfn_min_ns = TDX_GFN_TRACK_NONE;
	o.max_tds = 8;		/* 4 pids: small maps, fast runs */
	if (tdx_open(&s, &o))
		abort();
	wo.interval_ns = iv;
	if (tdx_window_open(&it, s, &wo))
		abort();
	while ((r = tdx_window_next(it, &w)) == 1) {
		__u64 ev = w.delta->counters.events[TDX_EV_SEAMCALL];

		if (w.index != idx || idx >= nw || w.start_ns != prev_end ||
		    w.end_ns < w.start_ns || w.span_ns != w.end_ns - w.start_ns)
			FAIL(w);
		if (w.delta->source_lost != want_lost[idx] || ev != want_ev[idx])
			FAIL(w);	/* a loss or an event in the wrong window */
		if (!w.last && (w.partial || w.span_ns != iv))
			FAIL(w);
		if (w.last && (w.end_ns != (tot_ev ? last_ts : START_NS) || idx + 1 != nw))
			FAIL(w);	/* the last window ends at the last event */
		got_lost += w.delta->source_lost;
		got_ev += ev;
		prev_end = w.end_ns;
		idx++;
		if (w.last)
			break;
	}
	if (r < 0 || got_lost != tot_lost || got_ev != tot_ev || idx != nw ||
	    tdx_window_total(it)->source_lost != tot_lost)
		FAIL(w);
	tdx_window_close(it);
	tdx_close(s);
	unlink(path);
	return 0;
}
