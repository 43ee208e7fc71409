// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * record.c - `tdxtrace record -o FILE`: stream every event (BPF ring buffer,
 * opts.stream) into a tdxtrace record file, with a size limit and rotation.
 * Ctrl-C stops cleanly: the file gets its trailer and is renamed into place.
 * Events the ring buffer lost are counted and written as lost records, so a
 * replay reports them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "source.h"

static bool rec_compress;	/* -z */

struct rec_ctx {
	struct tdx_rec *rec;
	int err;
	char msg[256];
	const struct tdx_source *src;	/* offline: its losses are written through */
	size_t loss_i;			/* losses of src written so far */
	__u64 src_lost;			/* their sum */
};

/*
 * The source's own losses (lost blocks of a record file, missed events of a
 * trace.dat) go into the new file where they happened: before the first
 * event later than them (all of them at the end: before == ~0).
 */
static int write_src_losses(struct rec_ctx *r, __u64 before)
{
	const struct tdx_source_loss *l;
	size_t n;

	l = tdx_source_losses(r->src, &n);
	while (r->loss_i < n && l[r->loss_i].ts_ns < before) {
		int err = tdx_rec_lost(r->rec, l[r->loss_i].n);

		if (err)
			return err;
		r->src_lost += l[r->loss_i].n;
		r->loss_i++;
	}
	return 0;
}

static int rec_cb(void *ctx, const struct tdx_event *ev)
{
	struct rec_ctx *r = ctx;
	int err;

	if (r->err)
		return 0;
	err = r->src ? write_src_losses(r, ev->ts_ns) : 0;
	if (!err)
		err = tdx_rec_write(r->rec, ev, 1);
	if (err < 0) {
		r->err = err;
		snprintf(r->msg, sizeof(r->msg), "%s", tdx_last_error());
		cli_stop = 1;
	}
	return 0;
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/* Write the ring-buffer losses seen since the last call as a lost record. */
static int sync_lost(struct tdx_session *s, struct rec_ctx *r, __u64 *lost_seen,
		     struct tdx_snapshot *keep)
{
	struct tdx_snapshot snap;
	int err = tdx_snapshot(s, &snap);

	if (err)
		return err;
	if (snap.counters.lost > *lost_seen) {
		err = tdx_rec_lost(r->rec, snap.counters.lost - *lost_seen);
		*lost_seen = snap.counters.lost;
	}
	if (keep) {
		*keep = snap;
		return err;
	}
	tdx_snapshot_free(&snap);
	return err;
}

/*
 * Files written: closing flushes buffered events, which may rotate again, so
 * count from the last segment known finished (names: path, path.1, ...; the
 * newest segments are the ones -R keeps).
 */
static __u32 files_written(const char *path, __u32 finished)
{
	char name[4096];
	__u32 i = finished;

	for (;; i++) {
		if (i)
			snprintf(name, sizeof(name), "%s.%u", path, i);
		else
			snprintf(name, sizeof(name), "%s", path);
		if (access(name, F_OK))
			break;
	}
	return i ? i : 1;
}

static int record_run(struct cli *c)
{
	struct tdx_source_info *info = calloc(1, sizeof(*info));
	struct tdx_rec_opts ro = { .max_bytes = c->size_limit, .max_files = (__u32)c->rotate,
				   .compress = rec_compress };
	struct rec_ctx r = { 0 };
	struct tdx_snapshot snap = { 0 };
	struct tdx_session *s;
	__u64 lost_seen = 0, end, next_sync;
	int rc, ret = 0;

	if (!info)
		return TDX_EXIT_FAIL;
	c->topts.stream = true;
	c->topts.stream_cb = rec_cb;
	c->topts.stream_ctx = &r;
	rc = cli_open(c, &s);
	if (rc) {
		free(info);
		return rc;
	}
	/* header: the offline source's own info, or this host's (nothing is
	 * streamed before the first tdx_advance) */
	if (c->topts.source != TDX_SRC_LIVE) {
		rc = cli_source_info(c, s, info);
		if (rc) {
			free(info);
			tdx_close(s);
			return rc;
		}
	} else {
		tdx_rec_host_info(info);
		/* the session's opening, before the attach: no event is earlier */
		info->start_ns = tdx_start_ns(s);
	}
	/*
	 * A sampled recording says so in its header (1 in N; a sampled
	 * source sampled again: the product), so a replay is not read as the
	 * whole traffic.
	 */
	if (c->topts.sample_every > 1) {
		__u64 n = (__u64)c->topts.sample_every * (info->sample_every > 1 ? info->sample_every : 1);

		info->sample_every = n > 0xffff ? 0xffff : (__u32)n;
	}
	r.rec = tdx_rec_open(c->out_path, info, &ro);
	free(info);
	if (!r.rec) {
		fprintf(stderr, "%s: %s\n", c->prog, tdx_last_error());
		tdx_close(s);
		return TDX_EXIT_CANTCREAT;
	}
	r.src = tdx_session_source(s);
	if (c->topts.source == TDX_SRC_LIVE && !c->json)
		fprintf(stderr, "Recording TDX events to %s... Hit Ctrl-C to end.\n",
			c->out_path);
	end = c->duration_ns ? mono_ns() + c->duration_ns : 0;
	next_sync = mono_ns() + 1000000000ULL;
	while (!cli_stop && !r.err) {
		if (c->topts.source == TDX_SRC_LIVE) {
			if (end && mono_ns() >= end)
				break;
			ret = tdx_advance(s, 0, 100);
			if (ret < 0 && ret != -EINTR)
				break;
			ret = 0;
			if (mono_ns() >= next_sync) {
				ret = sync_lost(s, &r, &lost_seen, NULL);
				if (ret)
					break;
				next_sync = mono_ns() + 1000000000ULL;
			}
		} else {
			ret = tdx_advance(s, 100000000ULL, 0);	/* 100 ms of source time */
			if (ret)
				break;
		}
	}
	if (ret > 0)
		ret = 0;
	/* drain what is left in the ring buffer, then the final losses */
	if (!ret && !r.err && c->topts.source == TDX_SRC_LIVE)
		tdx_advance(s, 0, 0);
	if (!ret && !r.err && r.src)
		ret = write_src_losses(&r, ~0ULL);
	if (!ret && !r.err)
		ret = sync_lost(s, &r, &lost_seen, &snap);
	lost_seen += r.src_lost;
	if (ret || r.err) {
		fprintf(stderr, "%s: %s\n", c->prog, r.err ? r.msg : tdx_last_error());
		tdx_rec_abort(r.rec);
		tdx_close(s);
		tdx_snapshot_free(&snap);
		/* the file could not be written (full disk, ...): CANTCREAT */
		return r.err ? TDX_EXIT_CANTCREAT : cli_exit_code(ret);
	}
	{
		__u64 events = tdx_rec_events(r.rec);
		__u32 files = tdx_rec_files(r.rec);

		if (tdx_rec_close(r.rec)) {
			fprintf(stderr, "%s: %s\n", c->prog, tdx_last_error());
			rc = TDX_EXIT_CANTCREAT;
		} else if ((files = files_written(c->out_path, files)), c->json) {
			struct json_object *o;

			c->span_ns = snap.ts_ns > c->start_ns ? snap.ts_ns - c->start_ns : 0;
			o = cli_json_envelope(c, &snap, "record");
			json_object_object_add(o, "path", json_object_new_string(c->out_path));
			json_object_object_add(o, "events", cli_json_u64(events));
			json_object_object_add(o, "files", cli_json_u64(files));
			json_object_object_add(o, "lost", cli_json_u64(lost_seen));
			cli_json_print(stdout, o);
			json_object_put(o);
		} else {
			fprintf(stderr, "%s: %llu events in %u file%s at %s; lost %llu\n", c->prog,
				(unsigned long long)events, files, files > 1 ? "s" : "",
				c->out_path, (unsigned long long)lost_seen);
			if (c->rotate && files > (__u32)c->rotate)
				fprintf(stderr, "%s: kept the newest %d: %s.%u to %s.%u\n", c->prog,
					c->rotate, c->out_path, files - c->rotate, c->out_path,
					files - 1);
			cli_print_counters(stderr, &snap);
		}
	}
	tdx_snapshot_free(&snap);
	tdx_close(s);
	return rc;
}

static const struct argp_option record_options[] = {
	CLI_OPT_OUTPUT("Record file to write (required)"),
	{ "size", 's', "SIZE", 0, "Start a new file when one reaches SIZE (e.g. 100M): "
	  "FILE, FILE.1, FILE.2, ...", 0 },
	{ "rotate", 'R', "N", 0, "With -s: keep only the newest N files", 0 },
	CLI_OPT_DURATION("Live: stop after DURATION (default: Ctrl-C)"),
	{ "sample", 'S', "N", 0, "Record one event in N (default: all); the file says so", 0 },
	{ "compress", 'z', NULL, 0, "zstd-compress the event blocks (~12 instead of 88 "
	  "bytes an event; read back bit-identically)", 0 },
	{ "buffer", 'b', "SIZE", 0, "BPF ring buffer size (default 4M; a power of two "
	  "is used): larger loses fewer events in bursts", 0 },
	{},
};

static error_t record_parse(int key, char *arg, struct argp_state *state)
{
	struct cli *c = state->input;
	long long v;
	char *end;

	switch (key) {
	case 's':
		v = cli_parse_size(arg);
		if (v < 4096)
			return cli_usage_error(state, "invalid size '%s' (at least 4K)", arg);
		c->size_limit = (__u64)v;
		break;
	case 'R':
		c->rotate = (int)strtol(arg, &end, 10);
		if (*end || c->rotate <= 0)
			return cli_usage_error(state, "invalid file count '%s'", arg);
		break;
	case 'z':
		rec_compress = true;
		break;
	case 'S':
		v = strtol(arg, &end, 10);
		if (*end || v <= 0 || v > 0xffff)	/* the header holds 16 bits */
			return cli_usage_error(state, "invalid sampling '%s' (1 to 65535)", arg);
		c->topts.sample_every = (__u32)v;
		break;
	case 'b':
		v = cli_parse_size(arg);
		if (v < 4096 || v > (1LL << 30))
			return cli_usage_error(state, "invalid buffer size '%s' (4K to 1G)", arg);
		c->topts.ringbuf_bytes = (__u32)v;
		break;
	case ARGP_KEY_ARG:
		return cli_usage_error(state, "unexpected argument '%s'", arg);
	case ARGP_KEY_END:
		if (c->help_shown)
			break;
		if (!c->out_path)
			return cli_usage_error(state, "missing -o FILE");
		if (c->rotate && !c->size_limit)
			return cli_usage_error(state, "-R needs -s SIZE");
		break;
	default:
		return cli_opt_parse(key, arg, state);
	}
	return 0;
}

const struct cli_cmd cli_cmd_record = {
	.name = "record",
	.summary = "record events to a file (size limit, rotation, lost counts)",
	.options = record_options,
	.parser = record_parse,
	.doc = "Record TDX events into a tdxtrace record file (docs/sources.md), "
	       "for `tdxtrace report` or any command's --replay.  Lost events "
	       "(ring buffer full) are counted in the file."
	       "\v"
	       "EXAMPLES:\n"
	       "  tdxtrace record -o run.tdxrec               # until Ctrl-C\n"
	       "  tdxtrace record -o run.tdxrec --duration 60 -p 4242\n"
	       "  tdxtrace record -o ring.tdxrec -s 100M -R 5 # keep the newest 500 MiB\n"
	       "  tdxtrace record -o steady.tdxrec --sim steady:7",
	.children = cli_children_source,
	.run = record_run,
};
