// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bench_sources.c - `make bench` part for the event sources: simulator
 * generation rate, record write/read rate, and replay throughput through the
 * BPF aggregation (root only; target >= 1 M events/s).  Best of 3 runs each.
 * Writes a JSON object to the file named by argv[1] and a summary to stdout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tdxtrace.h"
#include "source.h"

#pragma weak tdx_open

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* events/s of generating a scenario; *n gets the count */
static double bench_sim(const char *spec, size_t *n)
{
	double best = 0;

	for (int rep = 0; rep < 3; rep++) {
		struct tdx_source *s;
		struct tdx_event ev;
		size_t k = 0;
		double t0 = now(), dt;

		if (tdx_source_open_sim(&s, spec)) {
			fprintf(stderr, "bench: %s\n", tdx_last_error());
			return -1;
		}
		while (tdx_source_next(s, &ev) == 1)
			k++;
		tdx_source_close(s);
		dt = now() - t0;
		if (k / dt > best)
			best = (double)k / dt;
		*n = k;
	}
	return best;
}

int main(int argc, char **argv)
{
	const char *out = argc > 1 ? argv[1] : "sources.json";
	char path[] = "/tmp/tdxbench-rec-XXXXXX";
	size_t n_steady = 0, n_64 = 0, n = 0, cap = 0;
	double sim_steady, sim_64, wr = 0, rd = 0, replay = -1, feed = -1;
	struct tdx_event *ev = NULL, e;
	struct tdx_source *s;
	const char *replay_note = "";
	FILE *f;
	int fd;

	sim_steady = bench_sim("steady:1,duration=20", &n_steady);
	sim_64 = bench_sim("steady:1,tds=64,vcpus=2,all_leaves=1,duration=2", &n_64);

	/* events to record and replay */
	if (tdx_source_open_sim(&s, "steady:2,duration=20"))
		return 1;
	while (tdx_source_next(s, &e) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 1 << 16;
			ev = realloc(ev, cap * sizeof(*ev));
		}
		ev[n++] = e;
	}
	tdx_source_close(s);
	fd = mkstemp(path);
	close(fd);
	for (int rep = 0; rep < 3; rep++) {
		struct tdx_rec *r = tdx_rec_open(path, tdx_source_info(NULL), NULL);
		double t0 = now(), dt;

		if (!r) {
			fprintf(stderr, "bench: %s\n", tdx_last_error());
			return 1;
		}
		tdx_rec_write(r, ev, n);
		tdx_rec_close(r);
		dt = now() - t0;
		if (n / dt > wr)
			wr = (double)n / dt;
	}
	for (int rep = 0; rep < 3; rep++) {
		double t0 = now(), dt;
		size_t k = 0;

		if (tdx_source_open_file(&s, path))
			return 1;
		while (tdx_source_next(s, &e) == 1)
			k++;
		tdx_source_close(s);
		dt = now() - t0;
		if (k != n)
			fprintf(stderr, "bench: read %zu of %zu\n", k, n);
		if (k / dt > rd)
			rd = (double)k / dt;
	}
	/* replay through the BPF aggregation */
	if (!tdx_open) {
		replay_note = "loader not built";
	} else if (getuid() != 0) {
		replay_note = "needs root";
	} else {
		for (int rep = 0; rep < 3; rep++) {
			struct tdx_opts o = TDX_OPTS_INIT;
			struct tdx_session *ss;
			double t0, dt;
			int r;

			o.source = TDX_SRC_REPLAY;
			o.replay_path = path;
			if (tdx_open(&ss, &o)) {
				replay_note = tdx_last_error();
				break;
			}
			t0 = now();
			while ((r = tdx_advance(ss, 0, 0)) == 0)
				;
			dt = now() - t0;
			tdx_close(ss);
			if (r < 0)
				break;
			if (n / dt > replay)
				replay = (double)n / dt;
			o.replay_path = NULL;
			if (tdx_open(&ss, &o))
				break;
			t0 = now();
			for (size_t i = 0; i < n; i += 8192)
				tdx_feed(ss, ev + i, n - i < 8192 ? n - i : 8192);
			dt = now() - t0;
			tdx_close(ss);
			if (n / dt > feed)
				feed = (double)n / dt;
		}
	}
	unlink(path);
	f = fopen(out, "w");
	if (!f) {
		fprintf(stderr, "bench: %s: %s\n", out, strerror(errno));
		return 1;
	}
	fprintf(f, "{\n  \"sim_steady_events_per_s\": %.0f,\n  \"sim_steady_events\": %zu,\n"
		   "  \"sim_64td_all_leaves_events_per_s\": %.0f,\n  \"sim_64td_events\": %zu,\n"
		   "  \"record_write_events_per_s\": %.0f,\n  \"record_read_events_per_s\": %.0f,\n",
		sim_steady, n_steady, sim_64, n_64, wr, rd);
	if (replay > 0)
		fprintf(f, "  \"replay_file_events_per_s\": %.0f,\n  \"replay_feed_events_per_s\": %.0f,\n",
			replay, feed);
	else
		fprintf(f, "  \"replay_file_events_per_s\": null,\n  \"replay_skipped\": \"%s\",\n",
			replay_note);
	fprintf(f, "  \"replay_target_events_per_s\": 1000000,\n  \"replay_events\": %zu\n}\n", n);
	fclose(f);
	printf("sources: sim %.2f M ev/s (steady), %.2f M ev/s (64 TDs); record write %.2f M/s, read %.2f M/s; ",
	       sim_steady / 1e6, sim_64 / 1e6, wr / 1e6, rd / 1e6);
	if (replay > 0)
		printf("replay %.2f M ev/s (record file read + BPF aggregation), tdx_feed %.2f M ev/s; target 1 M/s %s\n",
		       replay / 1e6, feed / 1e6, replay >= 1e6 ? "met" : "NOT met");
	else
		printf("replay skipped (%s)\n", replay_note);
	printf("sources: wrote %s\n", out);
	free(ev);
	return 0;
}
