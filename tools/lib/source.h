/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * source.h - offline event sources: the simulator, record files, trace.dat
 * (public, for tools that read or write events themselves: tdxtrace sim and
 * record).  What only the tests need is in source_test.h.
 *
 * A source is an iterator of struct tdx_event in timestamp order.  The loader
 * (tdx_open with TDX_SRC_REPLAY / TDX_SRC_SIM) pulls events from a source
 * and pushes them, batched, through a BPF user ring buffer into the same
 * aggregation code the live tracepoints run.
 */
#ifndef TDXTRACE_SOURCE_H
#define TDXTRACE_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "tdxtrace.h"

struct tdx_source;

/* spec: "SCENARIO[:SEED][,key=val...]", e.g. "steady:42", "regress:TDH.MEM.PAGE.AUG:5" */
int tdx_source_open_sim(struct tdx_source **out, const char *spec);
/* A tdxtrace record file or a trace-cmd trace.dat (detected by magic). */
int tdx_source_open_file(struct tdx_source **out, const char *path);
/*
 * Next event: 1 = *ev filled, 0 = end of source, <0 = -errno with
 * tdx_last_error() naming the file offset for corrupt input.
 */
int tdx_source_next(struct tdx_source *src, struct tdx_event *ev);
/*
 * Up to n (> 0) events at once, in order: the count (> 0), 0 at the end of
 * the source, <0 = -errno as tdx_source_next().  Record files hand over a
 * block at a time; other sources call next() in a loop.
 */
int tdx_source_next_batch(struct tdx_source *src, struct tdx_event *evs, int n);
const struct tdx_source_info *tdx_source_info(const struct tdx_source *src);

/*
 * The loss model (docs/reliability.md): every loss a source reports (a
 * record file's lost block, a trace.dat's missed events, a record cut
 * short) carries its time.  tdx_source_losses() lists those read so far,
 * in reading order; tdx_source_lost_until() sums those at or before ts_ns;
 * tdx_source_lost_read() sums all read so far.  info->lost is the source's
 * total when it states one up front (a record file's trailer), else the
 * losses read so far.
 */
struct tdx_source_loss {
	__u64 ts_ns;
	__u64 n;
};
const struct tdx_source_loss *tdx_source_losses(const struct tdx_source *src, size_t *n);
__u64 tdx_source_lost_until(const struct tdx_source *src, __u64 ts_ns);
__u64 tdx_source_lost_read(const struct tdx_source *src);
/*
 * The exit code (TDX_EXIT_TABLE) of a failure to open or read a source,
 * from its -errno: a missing or unreadable file NOINPUT, a corrupt one or
 * not a recording DATAERR, a source without TDX events NODATA, a bad
 * simulator spec USAGE (sim true), anything else FAIL.
 */
int tdx_source_exit_code(int err, bool sim);

/*
 * What a source has read so far: records, of which imported as events and
 * skipped (records of events tdxtrace does not know: a trace.dat's
 * sched_switch; records cut short).  For "no TDX events" messages.
 */
struct tdx_source_counts {
	__u64 records, events, skipped_unknown, skipped_short;
};
void tdx_source_counts(const struct tdx_source *src, struct tdx_source_counts *out);

/* The offline source a session reads (NULL: live, or fed by tdx_feed only). */
struct tdx_session;
const struct tdx_source *tdx_session_source(const struct tdx_session *s);
void tdx_source_close(struct tdx_source *src);

/* List of scenario names, NULL-terminated (for -h and error messages). */
extern const char *const tdx_sim_scenarios[];

/* ------------------------------------------------------------ record files */
/*
 * Writer of the tdxtrace record format (docs/sources.md).  A file is written
 * to "<path>.tmp" and renamed to its final name by tdx_rec_close() (or on
 * rotation), so a reader never sees a half-written file.
 *
 * Rotation: with max_bytes set, a file that reaches the size is finished and a
 * new one begins; files are named path, path.1, path.2, ...  With max_files
 * set, only the newest max_files files are kept.
 */
struct tdx_rec_opts {
	__u64 max_bytes;		/* 0 = no size limit */
	__u32 max_files;		/* 0 = keep all (with rotation) */
	__u32 block_events;		/* events per checksummed block, 0 = 4096 */
	bool compress;			/* zstd event blocks (type 3): ~12 B/event
					   on `steady` instead of 88 */
};

struct tdx_rec;

/* info: host/kernel/module/TD table to store (NULL: tdx_rec_host_info()). */
struct tdx_rec *tdx_rec_open(const char *path, const struct tdx_source_info *info,
			     const struct tdx_rec_opts *opts);
int tdx_rec_write(struct tdx_rec *r, const struct tdx_event *ev, size_t n);
/* n events lost by the producer before this point (a lost record). */
int tdx_rec_lost(struct tdx_rec *r, __u64 n);
/* Flush, write the trailer, rename into place, free.  0 or -errno. */
int tdx_rec_close(struct tdx_rec *r);
/* Remove the temporary file and free (error paths). */
void tdx_rec_abort(struct tdx_rec *r);
/* Events and lost counts written so far (all files), files finished. */
__u64 tdx_rec_events(const struct tdx_rec *r);
__u32 tdx_rec_files(const struct tdx_rec *r);
/* Fill host, kernel (uname), tdx_module (sysfs, when present) of this machine. */
void tdx_rec_host_info(struct tdx_source_info *info);

#define TDX_REC_MAGIC		"TDXTRACE"	/* 8 bytes, file offset 0 */
#define TDX_REC_VERSION		1

/*
 * Set the error tdx_last_error() returns (printf-style), for code that
 * reports through the library's error (tdxbench's result reader).
 */
void tdx_set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* TDXTRACE_SOURCE_H */
