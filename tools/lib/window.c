// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * window.c - the one sampling loop (window.h): advance a session window by
 * window, each with its exact span, and hand out the window's delta and the
 * running total.  Two snapshots' worth of memory are reused every window:
 * the new total is read into the previous window's arrays, then the old
 * total becomes the window in place (tdx_snapshot_subtract).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "window.h"
#include "source.h"

#define POLL_MS 100

struct tdx_window_iter {
	struct tdx_session *s;
	struct tdx_window_opts o;
	bool offline, done, have_tot, have_win;
	__u64 t0, next_start, index;
	struct tdx_snapshot tot, win;
	unsigned seg;			/* module segment the window began in */
	__u64 lost_base;		/* the source's losses before the last
					   rebase: not in the totals */
};

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

static bool stopped(const struct tdx_window_iter *it)
{
	return it->o.stop && *it->o.stop;
}

int tdx_window_open(struct tdx_window_iter **out, struct tdx_session *s,
		    const struct tdx_window_opts *o)
{
	struct tdx_window_iter *it;
	enum tdx_attach_mode m;
	int err;

	*out = NULL;
	if (!s) {
		tdx_set_error("window: no session");
		return -EINVAL;
	}
	it = calloc(1, sizeof(*it));
	if (!it) {
		tdx_set_error("out of memory");
		return -ENOMEM;
	}
	it->s = s;
	if (o)
		it->o = *o;
	if (it->o.poll_ms <= 0)
		it->o.poll_ms = POLL_MS;
	m = tdx_mode(s);
	it->offline = m == TDX_MODE_REPLAY || m == TDX_MODE_SIM;
	it->t0 = it->offline ? tdx_start_ns(s) : mono_ns();
	it->next_start = it->t0;
	err = tdx_snapshot(s, &it->tot);	/* the baseline: what was there before */
	if (err) {
		free(it);
		return err;
	}
	/*
	 * Nothing is fed yet: a loss stamped at the very start (before the
	 * first event) belongs to the first window, not to the baseline.
	 */
	if (it->offline)
		it->tot.source_lost = 0;
	it->have_tot = true;
	*out = it;
	return 0;
}

int tdx_window_rebase(struct tdx_window_iter *it)
{
	int err;

	if (it->have_tot)
		tdx_snapshot_free(&it->tot);
	it->have_tot = false;
	err = tdx_snapshot(it->s, &it->tot);
	if (err)
		return err;
	/*
	 * The source's losses are not in the maps tdx_reset() zeroed: those
	 * before the reset leave the totals too (they were shown in their
	 * windows), so a total is the sum of the windows since the reset.
	 */
	it->lost_base = it->tot.source_lost;	/* tdx_snapshot: since the start */
	it->tot.source_lost = 0;
	it->have_tot = true;
	return 0;
}

/* Offline: feed the source up to end (0: all of it).  1 = end of source. */
static int feed_offline(struct tdx_window_iter *it, __u64 end)
{
	__u64 now = tdx_now(it->s);
	int r;

	if (!end) {
		unsigned seg = tdx_module_segment(it->s);

		do
			r = tdx_advance(it->s, 0, 0);
		while (r == 0 && !stopped(it) &&
		       !(it->o.segments && tdx_module_segment(it->s) != seg));
		return r;
	}
	/* a window that ends before the next event feeds nothing */
	if (end <= now)
		return 0;
	return tdx_advance(it->s, end - now, 0);
}

/* Live: wait until deadline (0: until *stop) polling the session. */
static int wait_live(struct tdx_window_iter *it, __u64 deadline)
{
	if (it->o.no_wait)
		return tdx_advance(it->s, 0, 0) < 0 ? -EIO : 0;
	while (!stopped(it)) {
		__u64 now = mono_ns();
		int ms, r;

		if (deadline && now >= deadline)
			break;
		ms = it->o.poll_ms;
		if (deadline && (deadline - now) / 1000000 + 1 < (__u64)ms)
			ms = (int)((deadline - now) / 1000000) + 1;
		r = tdx_advance(it->s, 0, ms);
		if (r < 0 && r != -EINTR)
			return r;
		if (it->o.segments && tdx_module_segment(it->s) != it->seg)
			break;
	}
	return 0;
}

int tdx_window_next(struct tdx_window_iter *it, struct tdx_window *w)
{
	__u64 start, end, want_end = 0;
	struct tdx_snapshot next;
	bool eof = false, last = false;
	int r;

	memset(w, 0, sizeof(*w));
	if (it->done || !it->have_tot)
		return 0;
	start = it->next_start;
	it->seg = tdx_module_segment(it->s);
	if (it->offline) {
		if (it->o.interval_ns)
			want_end = start + it->o.interval_ns;
		r = feed_offline(it, want_end);
		if (r < 0)
			return r;
		eof = r == 1;
		if (eof || !want_end) {
			/* the data ends at its last event: the window ends there */
			end = tdx_now(it->s);
			if (end < start)
				end = start;
		} else {
			end = want_end;
		}
		last = eof || stopped(it);
		if (it->o.segments && tdx_module_segment(it->s) != it->seg) {
			/* the window ends at the update (its last event) */
			__u64 u = tdx_module_segment_start(it->s);

			w->segment_end = true;
			end = u > start ? u : start;
		}
	} else {
		__u64 dur_end = it->o.duration_ns ? it->t0 + it->o.duration_ns : 0;

		if (it->o.interval_ns)
			want_end = start + it->o.interval_ns;
		if (dur_end && (!want_end || dur_end < want_end))
			want_end = dur_end;
		r = wait_live(it, want_end);
		if (r < 0)
			return r;
		end = mono_ns();
		last = stopped(it) || (dur_end && end >= dur_end);
		w->segment_end = it->o.segments && tdx_module_segment(it->s) != it->seg;
	}

	/* the new total into the last window's arrays, the old total becomes the window */
	if (it->have_win)
		next = it->win;
	else
		memset(&next, 0, sizeof(next));
	memset(&it->win, 0, sizeof(it->win));
	it->have_win = false;
	r = tdx_snapshot_refresh(it->s, &next);
	if (r) {
		tdx_snapshot_free(&next);
		return r;
	}
	/* since the first window or the last rebase (tdx_window_rebase) */
	next.source_lost = next.source_lost > it->lost_base ?
			   next.source_lost - it->lost_base : 0;
	r = tdx_snapshot_subtract(&it->tot, &next);
	if (r) {
		tdx_snapshot_free(&next);
		tdx_snapshot_free(&it->tot);
		it->have_tot = false;
		return r;
	}
	it->win = it->tot;
	it->have_win = true;
	it->tot = next;

	w->index = it->index++;
	w->start_ns = start;
	w->end_ns = end;
	w->span_ns = end - start;
	w->interval_ns = it->o.interval_ns;
	w->eof = eof;
	w->last = last;
	w->partial = it->o.interval_ns && w->span_ns < it->o.interval_ns;
	w->delta = &it->win;
	w->total = &it->tot;
	it->next_start = end;
	if (last)
		it->done = true;
	return 1;
}

void tdx_window_set_interval(struct tdx_window_iter *it, __u64 interval_ns)
{
	it->o.interval_ns = interval_ns;
}

const struct tdx_snapshot *tdx_window_total(const struct tdx_window_iter *it)
{
	return it && it->have_tot ? &it->tot : NULL;
}

int tdx_window_take_total(struct tdx_window_iter *it, struct tdx_snapshot *out)
{
	if (!it->have_tot || !it->index)
		return -ENOENT;
	*out = it->tot;
	memset(&it->tot, 0, sizeof(it->tot));
	it->have_tot = false;
	it->done = true;
	return 0;
}

void tdx_window_close(struct tdx_window_iter *it)
{
	if (!it)
		return;
	if (it->have_tot)
		tdx_snapshot_free(&it->tot);
	if (it->have_win)
		tdx_snapshot_free(&it->win);
	free(it);
}
