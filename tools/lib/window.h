/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * window.h - the one sampling loop of every tool: a session (live, replay
 * or simulator) cut into windows of exact span.
 *
 *   struct tdx_window_opts wo = { .interval_ns = 1000000000ULL, .stop = &stop };
 *   struct tdx_window_iter *it;
 *   struct tdx_window w;
 *   tdx_window_open(&it, s, &wo);
 *   while (tdx_window_next(it, &w) == 1) {
 *           show(w.delta, w.span_ns);          // this window
 *           if (w.last) break;
 *   }
 *   tdx_window_close(it);
 *
 * Time is source time: an offline source's event clock, CLOCK_MONOTONIC
 * live.  The first window begins at tdx_start_ns() (the header's start, the
 * first event when there is none, the session's opening live); each window
 * begins where the one before ended.  An offline window ends INTERVAL later
 * or at the source's last event, whichever comes first: that last window is
 * marked partial and its span is its real length, so a rate divided by
 * span_ns is a rate per second of data.  Live, a window ends after INTERVAL,
 * at *stop or at the duration.
 *
 * Losses: delta and total carry every loss counted in the window where it
 * happened (counters.lost / dropped[] from the BPF side, source_lost: the
 * lost blocks of a record file, the missed events of a trace.dat, records
 * cut short, each at its timestamp).  A total counts them since the first
 * window or since the last tdx_window_rebase(), like the counters
 * tdx_reset() zeroes: it is the sum of the windows since then.
 */
#ifndef TDXTRACE_WINDOW_H
#define TDXTRACE_WINDOW_H

#include <signal.h>
#include <stdbool.h>

#include "tdxtrace.h"

struct tdx_window_opts {
	__u64 interval_ns;		/* window length; 0 = one window: the
					   whole offline source, or live until
					   *stop / duration */
	__u64 duration_ns;		/* live: the last window ends this long
					   after the first began (0 = no limit) */
	bool no_wait;			/* live: a window ends when
					   tdx_window_next() is called (the
					   caller paced it, e.g. tdxtop's UI) */
	volatile sig_atomic_t *stop;	/* set (by a signal): end the current
					   window now; it is the last */
	int poll_ms;			/* live wait step (0 = 100 ms) */
	bool segments;			/* a TDX module update ends the window
					   at the update (w->segment_end) */
};

struct tdx_window {
	__u64 index;			/* 0, 1, ... */
	__u64 start_ns, end_ns;		/* source time */
	__u64 span_ns;			/* end_ns - start_ns: divide by this */
	__u64 interval_ns;		/* what was asked (0: whole source) */
	bool partial;			/* span_ns < interval_ns (end of data,
					   stop, duration) */
	bool eof;			/* the offline source has no more events */
	bool last;			/* no window follows (eof, stop, duration) */
	bool segment_end;		/* opts.segments: a TDX module update
					   ended it (tdx_module_segment() moved
					   on); the caller reports, tdx_reset()s
					   and tdx_window_rebase()s */
	const struct tdx_snapshot *delta;	/* this window (valid until next call) */
	const struct tdx_snapshot *total;	/* since the first window began */
};

struct tdx_window_iter;

int tdx_window_open(struct tdx_window_iter **out, struct tdx_session *s,
		    const struct tdx_window_opts *o);
/*
 * The next window: 1 = *w filled, 0 = none left (the last one was
 * returned), <0 = -errno with tdx_last_error() set.
 */
int tdx_window_next(struct tdx_window_iter *it, struct tdx_window *w);
/* Windows from the next one on are interval_ns long (tdxtop's d/+/- keys). */
void tdx_window_set_interval(struct tdx_window_iter *it, __u64 interval_ns);
/* The running total (the baseline before the first window), NULL if none. */
const struct tdx_snapshot *tdx_window_total(const struct tdx_window_iter *it);
/* The session was reset (tdx_reset): the zeroed maps are the new baseline. */
int tdx_window_rebase(struct tdx_window_iter *it);
/*
 * Hand the last total to the caller (it frees it with tdx_snapshot_free);
 * 0, or -ENOENT before the first window.
 */
int tdx_window_take_total(struct tdx_window_iter *it, struct tdx_snapshot *out);
void tdx_window_close(struct tdx_window_iter *it);

#endif /* TDXTRACE_WINDOW_H */
