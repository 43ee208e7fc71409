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

#define TDX_SOURCE_MAX_TDS 1024

struct tdx_source_info {
	char format[32];		/* "sim", "tdxrec v1", "trace.dat v7" */
	char host[64];
	char kernel[128];
	char tdx_module[64];		/* TDX module version, "" if unknown */
	__u64 start_ns;			/* first timestamp (CLOCK_MONOTONIC base) */
	__u64 lost;			/* events the producer lost (trailer / lost records) */
	size_t n_td;
	struct tdx_td_info td[TDX_SOURCE_MAX_TDS];
};

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

/* Set the error tdx_last_error() returns (printf-style). */
void tdx_set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* TDXTRACE_SOURCE_H */
