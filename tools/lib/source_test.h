/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * source_test.h - the sources' internals the tests check: the simulator's
 * calibration and constants, the trace.dat importer's skip counters.  Not
 * for tools (they see tdxtrace.h and source.h).
 */
#ifndef TDXTRACE_SOURCE_TEST_H
#define TDXTRACE_SOURCE_TEST_H

#include "source.h"

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

#endif /* TDXTRACE_SOURCE_TEST_H */
