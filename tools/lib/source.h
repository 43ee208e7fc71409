/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * source.h - offline event sources: the simulator, record files, trace.dat.
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
const struct tdx_source_info *tdx_source_info(const struct tdx_source *src);
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

/* ------------------------------------------------------------- calibration */
/*
 * The simulator's parameters: data/calibration.conf, embedded at build time.
 * A spec key calib=FILE (or TDXSIM_CALIB=FILE) reads another file instead.
 */
struct tdx_sim_leaf_calib {
	double median_ns;		/* lognormal body: median */
	double sigma;			/* lognormal body: shape */
	double tail_p;			/* probability of a Pareto tail sample */
	double tail_xm_ns;		/* Pareto scale (minimum) */
	double tail_alpha;		/* Pareto shape */
	double busy_p;			/* OPERAND_BUSY probability per call */
	double busy_zero_step_p;	/* ... while zero-step mitigation holds SEPT */
	double no_entropy_p;		/* RND_NO_ENTROPY probability per try */
	double rate_hz;			/* background calls per TD per second */
};

/* Text of the embedded calibration file (NUL-terminated). */
const char *tdx_sim_calib_text(void);
/* Parameters of one leaf from the calibration the spec selects (NULL = embedded). */
int tdx_sim_calib_leaf(const char *calib_path, __u32 leaf,
		       struct tdx_sim_leaf_calib *out);
/* A [global] parameter by key; -ENOENT if unknown. */
int tdx_sim_calib_global(const char *calib_path, const char *key, double *out);
/* Leaves the simulator generates (for benchmarks covering "all leaves"). */
int tdx_sim_leaves(__u32 *out, int max);

/* Kernel RND_NO_ENTROPY retry bound (sc_retry: RDRAND_RETRY_LOOPS). */
#define TDX_SIM_RND_RETRIES	10
/* Shared bit of a 4-level (GPAW 48) TD's GPA. */
#define TDX_SIM_SHARED_BIT	(1ULL << 47)

/* Counters of what the trace.dat importer skipped (last source opened). */
struct tdx_tracedat_stats {
	__u64 records;			/* records read */
	__u64 imported;			/* mapped to struct tdx_event */
	__u64 unknown;			/* events tdxtrace does not know: skipped */
	__u64 missed;			/* events the kernel reported missing (1 when
					   it did not store the count) */
	__u64 tds;			/* TDs found by grouping threads by TDR
					   (captures without a tgid field) */
	__u64 backwards;		/* records whose timestamp stepped back
					   (corrupt data): given the last one */
	__u64 short_records;		/* records shorter than their event's
					   fields (corrupt): skipped, counted in
					   info.lost as well */
};
int tdx_source_tracedat_stats(const struct tdx_source *src,
			      struct tdx_tracedat_stats *out);

/* Set the error tdx_last_error() returns (printf-style). */
void tdx_set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* TDXTRACE_SOURCE_H */
