// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_recfile.c - the record file: byte-exact round trip, lost records,
 * rotation, atomic rename, errors with offsets for empty / truncated /
 * corrupt / wrong-version files, and (root) replay through the BPF
 * aggregation equal to feeding the same events.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "tap.h"
#include "tdxtrace.h"
#include "source.h"

static char dir[] = "/tmp/tdxrec-test-XXXXXX";

static struct tdx_event *sim_events(const char *spec, size_t *n, struct tdx_source_info *info)
{
	struct tdx_source *s;
	struct tdx_event *v = NULL, ev;
	size_t cap = 0;

	*n = 0;
	if (tdx_source_open_sim(&s, spec))
		return NULL;
	if (info)
		*info = *tdx_source_info(s);
	while (tdx_source_next(s, &ev) == 1) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 4096;
			v = realloc(v, cap * sizeof(*v));
		}
		v[(*n)++] = ev;
	}
	tdx_source_close(s);
	return v;
}

/* Read a whole file source; returns events read, *err the final status. */
static size_t read_all(const char *path, struct tdx_event *out, size_t max, int *err,
		       struct tdx_source_info *info)
{
	struct tdx_source *s;
	struct tdx_event ev;
	size_t n = 0;
	int r;

	*err = tdx_source_open_file(&s, path);
	if (*err)
		return 0;
	if (info)
		*info = *tdx_source_info(s);
	while ((r = tdx_source_next(s, &ev)) == 1) {
		if (out && n < max)
			out[n] = ev;
		n++;
	}
	*err = r;
	tdx_source_close(s);
	return n;
}

static int count_tmp(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		if (strstr(de->d_name, ".tmp"))
			n++;
	if (d)
		closedir(d);
	return n;
}

static long fsize(const char *p)
{
	struct stat st;

	return stat(p, &st) ? -1 : (long)st.st_size;
}

static unsigned char *slurp(const char *p, size_t *n)
{
	FILE *f = fopen(p, "rb");
	unsigned char *b;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	*n = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc(*n + 1);
	if (fread(b, 1, *n, f) != *n)
		*n = 0;
	fclose(f);
	return b;
}

static void spit(const char *p, const void *b, size_t n)
{
	FILE *f = fopen(p, "wb");

	if (n && fwrite(b, 1, n, f) != n)
		diag("short write");
	fclose(f);
}

/* An error (open or iteration) whose message names an offset. */
static int bad_file_error(const char *path, char *msg, size_t msz)
{
	int err;

	read_all(path, NULL, 0, &err, NULL);
	snprintf(msg, msz, "%s", err < 0 ? tdx_last_error() : "(no error)");
	return err < 0 && strstr(tdx_last_error(), "offset") != NULL;
}

/* ----------------------------------------------------- replay equality */

#pragma weak tdx_open

static bool snap_equal(const struct tdx_snapshot *a, const struct tdx_snapshot *b)
{
#define SAME(f) (a->n_##f == b->n_##f && \
		 (!a->n_##f || !memcmp(a->f, b->f, a->n_##f * sizeof(*a->f))))
	return !memcmp(&a->counters, &b->counters, sizeof(a->counters)) &&
	       SAME(leaf) && SAME(vp) && SAME(ept) && SAME(gfn) && SAME(map) &&
	       SAME(frozen) && SAME(mix);
#undef SAME
}

static void check_replay(const char *path, const struct tdx_event *ev, size_t n)
{
	struct tdx_opts o = TDX_OPTS_INIT;
	struct tdx_session *s1 = NULL, *s2 = NULL;
	struct tdx_snapshot a, b;
	int r;

	if (!tdx_open) {
		skip("loader not built into libtdxtrace");
		return;
	}
	if (getuid() != 0) {
		skip("replay through BPF needs root");
		return;
	}
	o.source = TDX_SRC_REPLAY;
	o.replay_path = path;
	r = tdx_open(&s1, &o);
	if (r) {
		ok(0, "tdx_open(TDX_SRC_REPLAY, %s): %s", path, tdx_last_error());
		return;
	}
	while ((r = tdx_advance(s1, 0, 0)) == 0)
		;
	o.replay_path = NULL;
	r = r < 0 ? r : tdx_open(&s2, &o);
	if (r) {
		ok(0, "replay / second session: %s", tdx_last_error());
		tdx_close(s1);
		return;
	}
	for (size_t i = 0; i < n; i += 10000)
		tdx_feed(s2, ev + i, n - i < 10000 ? n - i : 10000);
	if (tdx_snapshot(s1, &a) || tdx_snapshot(s2, &b)) {
		ok(0, "snapshots: %s", tdx_last_error());
	} else {
		__u64 total = 0;

		for (int k = 0; k < TDX_EV_MAX; k++)
			total += a.counters.events[k];
		ok(total == n && snap_equal(&a, &b),
		   "replay of the record file gives the same maps as tdx_feed of the same %zu events (%llu aggregated)",
		   n, (unsigned long long)total);
		tdx_snapshot_free(&a);
		tdx_snapshot_free(&b);
	}
	tdx_close(s1);
	tdx_close(s2);
}

int main(void)
{
	char path[256], p2[512], msg[512];
	struct tdx_source_info info, got_info;
	struct tdx_rec_opts ro = { .block_events = 1000 };
	struct tdx_event *ev, *back;
	struct tdx_rec *r;
	size_t n, m;
	int err;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	ev = sim_events("convert:4,duration=1", &n, &info);
	ok(ev && n > 50000, "simulator gives %zu events to record", n);
	snprintf(info.host, sizeof(info.host), "host-a");
	snprintf(info.tdx_module, sizeof(info.tdx_module), "1.5.06.00.0744");

	/* round trip with lost records in between */
	snprintf(path, sizeof(path), "%s/a.tdxrec", dir);
	r = tdx_rec_open(path, &info, &ro);
	ok(r != NULL, "tdx_rec_open: %s", r ? "ok" : tdx_last_error());
	if (!r)
		return tap_done();
	snprintf(p2, sizeof(p2), "%s.tmp", path);
	tdx_rec_write(r, ev, n / 3);
	tdx_rec_lost(r, 5);
	tdx_rec_write(r, ev + n / 3, n / 3);
	tdx_rec_lost(r, 7);
	tdx_rec_write(r, ev + 2 * (n / 3), n - 2 * (n / 3));
	ok(fsize(p2) > 0 && fsize(path) < 0, "while recording only %s.tmp exists", "a.tdxrec");
	ok(tdx_rec_events(r) == n, "writer counts %llu events", (unsigned long long)tdx_rec_events(r));
	ok(tdx_rec_close(r) == 0, "tdx_rec_close");
	ok(fsize(path) > (long)(n * 88) && count_tmp() == 0, "closed: renamed into place, no .tmp left");
	back = calloc(n + 10, sizeof(*back));
	m = read_all(path, back, n + 10, &err, &got_info);
	ok(err == 0 && m == n && !memcmp(back, ev, n * sizeof(*ev)),
	   "read back %zu of %zu events byte-identical (status %d)", m, n, err);
	ok(!strcmp(got_info.format, "tdxrec v1") && !strcmp(got_info.host, "host-a") &&
	   !strcmp(got_info.kernel, info.kernel) && !strcmp(got_info.tdx_module, "1.5.06.00.0744") &&
	   got_info.start_ns == info.start_ns && got_info.n_td == info.n_td &&
	   got_info.td[1].pid == info.td[1].pid && !strcmp(got_info.td[1].comm, info.td[1].comm) &&
	   got_info.td[1].vcpus == info.td[1].vcpus,
	   "header: format, host, kernel, TDX module, start time and TD table survive");
	ok(got_info.lost == 12, "trailer: %llu lost events (5 + 7)", (unsigned long long)got_info.lost);

	/* host info of this machine */
	{
		struct tdx_source_info hi;
		struct utsname u;

		memset(&hi, 0, sizeof(hi));
		tdx_rec_host_info(&hi);
		uname(&u);
		ok(strstr(hi.kernel, u.release) && !strcmp(hi.host, u.nodename),
		   "tdx_rec_host_info: host %s, kernel \"%s\", TDX module \"%s\"", hi.host, hi.kernel,
		   hi.tdx_module);
	}

	/* rotation */
	{
		struct tdx_rec_opts rot = { .max_bytes = 512 * 1024, .block_events = 512 };
		size_t files, total = 0;
		bool all_ok = true;

		snprintf(p2, sizeof(p2), "%s/rot.tdxrec", dir);
		r = tdx_rec_open(p2, &info, &rot);
		tdx_rec_write(r, ev, n);
		tdx_rec_close(r);
		for (files = 0;; files++) {
			char fp[600];
			size_t k;

			if (files)
				snprintf(fp, sizeof(fp), "%s.%zu", p2, files);
			else
				snprintf(fp, sizeof(fp), "%s", p2);
			if (fsize(fp) < 0)
				break;
			if (fsize(fp) > (long)rot.max_bytes) {
				diag("%s: %ld bytes", fp, fsize(fp));
				all_ok = false;
			}
			k = read_all(fp, back + total, n + 10 - total, &err, NULL);
			if (err) {
				diag("%s: %s", fp, tdx_last_error());
				all_ok = false;
			}
			total += k;
		}
		ok(files > 5 && all_ok && total == n && !memcmp(back, ev, n * sizeof(*ev)),
		   "rotation at 512 KiB: %zu complete files, none larger, together the same %zu events",
		   files, total);
		rot.max_files = 2;
		snprintf(p2, sizeof(p2), "%s/keep.tdxrec", dir);
		r = tdx_rec_open(p2, &info, &rot);
		tdx_rec_write(r, ev, n);
		files = tdx_rec_files(r);
		tdx_rec_close(r);
		{
			char fp[600];
			size_t present = 0, k;

			for (k = 0; k < 100; k++) {
				if (k)
					snprintf(fp, sizeof(fp), "%s.%zu", p2, k);
				else
					snprintf(fp, sizeof(fp), "%s", p2);
				present += fsize(fp) >= 0;
			}
			snprintf(fp, sizeof(fp), "%s.%zu", p2, files);
			ok(files > 3 && present == 2 && fsize(fp) > 0,
			   "max_files=2: %zu present of %zu written, the newest kept", present, files + 1);
		}
	}

	/* errors */
	{
		unsigned char *b;
		size_t len;
		long hsize;

		snprintf(p2, sizeof(p2), "%s/bad", dir);
		spit(p2, "", 0);
		read_all(p2, NULL, 0, &err, NULL);
		ok(err < 0 && strstr(tdx_last_error(), "empty") && strstr(tdx_last_error(), "offset 0"),
		   "empty file: %s", tdx_last_error());
		spit(p2, "hello world, not a trace", 24);
		read_all(p2, NULL, 0, &err, NULL);
		ok(err < 0 && strstr(tdx_last_error(), "unknown format"), "unknown file: %s",
		   tdx_last_error());

		/* a small file to cut and corrupt */
		snprintf(path, sizeof(path), "%s/small.tdxrec", dir);
		r = tdx_rec_open(path, &info, &(struct tdx_rec_opts){ .block_events = 100 });
		tdx_rec_write(r, ev, 400);
		tdx_rec_lost(r, 3);
		tdx_rec_write(r, ev + 400, 300);
		tdx_rec_close(r);
		b = slurp(path, &len);
		memcpy(&hsize, b + 12, 4);
		hsize &= 0xffffffff;

		b[8] = 2;
		spit(p2, b, len);
		read_all(p2, NULL, 0, &err, NULL);
		ok(err < 0 && strstr(tdx_last_error(), "version 2 at offset 8"), "wrong version: %s",
		   tdx_last_error());
		b[8] = 1;
		{
			const size_t cuts[] = { 3, 8, 15, 100, (size_t)hsize - 1, (size_t)hsize,
						(size_t)hsize + 10, (size_t)hsize + 32 + 500,
						len / 2, len - 56, len - 1 };
			size_t good = 0;

			for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
				spit(p2, b, cuts[i]);
				if (bad_file_error(p2, msg, sizeof(msg)))
					good++;
				else
					diag("cut at %zu: %s", cuts[i], msg);
				if (i == 7)
					diag("e.g. cut at %zu: %s", cuts[i], msg);
			}
			ok(good == sizeof(cuts) / sizeof(cuts[0]),
			   "truncated at %zu points: every one an error naming an offset", good);
		}
		{
			size_t flips = 0, caught = 0;

			for (size_t off = 0; off < len; off += 11) {
				b[off] ^= 0x5a;
				spit(p2, b, len);
				flips++;
				if (bad_file_error(p2, msg, sizeof(msg)))
					caught++;
				else
					diag("flip at %zu not caught: %s", off, msg);
				b[off] ^= 0x5a;
			}
			ok(flips > 1000 && caught == flips,
			   "a flipped byte anywhere (%zu places) is an error naming an offset (%zu caught)",
			   flips, caught);
		}
		spit(p2, b, len);
		m = read_all(p2, NULL, 0, &err, &got_info);
		ok(err == 0 && m == 700 && got_info.lost == 3, "the unmodified copy still reads (%zu events, %llu lost)",
		   m, (unsigned long long)got_info.lost);
		free(b);
	}

	/* a live capture is only nearly sorted: a step back in time is data, not corruption */
	{
		struct tdx_event three[3] = { ev[0], ev[1], ev[2] }, rb[3];

		three[0].ts_ns = 1000;
		three[1].ts_ns = 999;
		three[2].ts_ns = 1001;
		snprintf(p2, sizeof(p2), "%s/unsorted.tdxrec", dir);
		info.start_ns = 999;	/* no later than the events (the reader checks) */
		r = tdx_rec_open(p2, &info, NULL);
		tdx_rec_write(r, three, 3);
		tdx_rec_close(r);
		m = read_all(p2, rb, 3, &err, NULL);
		ok(err == 0 && m == 3 && !memcmp(rb, three, sizeof(three)),
		   "events recorded out of time order (two CPUs) read back as written");
		/*
		 * A start later than the events: the reader refuses such a
		 * header (test_bad_input.sh, an independent writer), so the
		 * writer moves it back to the first event.
		 */
		snprintf(p2, sizeof(p2), "%s/late.tdxrec", dir);
		info.start_ns = 5000;
		r = tdx_rec_open(p2, &info, NULL);
		tdx_rec_write(r, three, 3);
		tdx_rec_close(r);
		{
			struct tdx_source_info li;

			m = read_all(p2, rb, 3, &err, &li);
			ok(err == 0 && m == 3 && li.start_ns == 1000,
			   "a writer given a start later than its events writes the first event's (%llu): %s",
			   (unsigned long long)li.start_ns, err ? tdx_last_error() : "readable");
		}
		info.start_ns = 999;
	}

	/* writer input checks */
	{
		struct tdx_event badev = ev[0];

		r = tdx_rec_open(path, &info, NULL);
		badev.kind = 999;
		ok(tdx_rec_write(r, &badev, 1) == -EINVAL && strstr(tdx_last_error(), "kind 999"),
		   "writer refuses a non-event: %s", tdx_last_error());
		badev = ev[0];
		badev.nargs = 3;
		ok(tdx_rec_write(r, &badev, 1) == -EINVAL && strstr(tdx_last_error(), "nargs 3"),
		   "writer refuses a wrong argument count: %s", tdx_last_error());
		tdx_rec_abort(r);
		ok(count_tmp() == 0, "tdx_rec_abort removes the temporary file");
		snprintf(p2, sizeof(p2), "%s/nodir/x.tdxrec", dir);
		ok(!tdx_rec_open(p2, &info, NULL) && strstr(tdx_last_error(), "nodir"),
		   "unwritable path: %s", tdx_last_error());
	}

	/* replay through BPF */
	snprintf(path, sizeof(path), "%s/a.tdxrec", dir);
	check_replay(path, ev, n);

	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd))
			diag("cleanup failed");
	}
	free(ev);
	free(back);
	return tap_done();
}
