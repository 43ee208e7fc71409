/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * uagg.h - the aggregation in user space (private to libtdxtrace).
 *
 * uagg.c compiles bpf/tdx_agg.bpf.h, the code the BPF programs run, against
 * in-process maps (umap.h): a session on an offline source (record file,
 * trace.dat, simulator) aggregates without loading BPF, so without
 * privileges, and gives the same maps bit for bit.
 */
#ifndef TDXTRACE_UAGG_H
#define TDXTRACE_UAGG_H

#include "tdxtrace.h"
#include "umap.h"

struct tdx_uagg;

/* Sizes (max_entries) as the loader sizes the BPF maps; knobs from opts. */
int tdx_uagg_new(struct tdx_uagg **out, const struct tdx_opts *opts, __u32 max_tds,
		 int (*stream_cb)(void *ctx, const void *data, size_t size), void *ctx);
void tdx_uagg_free(struct tdx_uagg *u);
/* Aggregate n records exactly as the BPF drain program does. */
void tdx_uagg_feed(struct tdx_uagg *u, const struct tdx_event *evs, size_t n);
/* The map of id (TDX_MAP_*), or the counters array. */
struct tdx_umap *tdx_uagg_map(struct tdx_uagg *u, enum tdx_map_id id);
struct tdx_umap *tdx_uagg_counters(struct tdx_uagg *u);

#endif /* TDXTRACE_UAGG_H */
