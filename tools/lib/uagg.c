// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * uagg.c - bpf/tdx_agg.bpf.h built for user space (uagg.h).
 *
 * The aggregation code refers to its maps and knobs as globals, as BPF code
 * does.  Here those globals are pointers and plain variables that a session
 * binds to its own tables before each feed, so several sessions can live in
 * one process (one at a time on a thread).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "uagg.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "tdx_agg.bpf.h"
#pragma GCC diagnostic pop

struct tdx_uagg {
	struct tdx_umap map[TDX_MAP_ID_MAX];
	struct tdx_umap counters, stream;
	struct {
		__u32 pids[16], npids, leaves, stream, sample_every;
		__u64 leaf_mask[TDX_LEAF_MAX / 64], min_lat_ns, gfn_min_ns;
	} knob;
};

static void bind(struct tdx_uagg *u)
{
#define TDX_X_BIND(id, bpf, snap, kt, vt, vf, per_td, in_snap) bpf = &u->map[TDX_MAP_##id];
	TDX_MAP_TABLE(TDX_X_BIND)
#undef TDX_X_BIND
	tdx_counters = &u->counters;
	tdx_stream = &u->stream;
	memcpy(filter_pids, u->knob.pids, sizeof(filter_pids));
	filter_npids = u->knob.npids;
	memcpy(filter_leaf_mask, u->knob.leaf_mask, sizeof(filter_leaf_mask));
	filter_leaves = u->knob.leaves;
	filter_min_lat_ns = u->knob.min_lat_ns;
	filter_gfn_min_ns = u->knob.gfn_min_ns;
	stream_enabled = u->knob.stream;
	stream_sample_every = u->knob.sample_every;
}

int tdx_uagg_new(struct tdx_uagg **out, const struct tdx_opts *opts, __u32 max_tds,
		 int (*stream_cb)(void *ctx, const void *data, size_t size), void *ctx)
{
	const struct tdx_filter *f = &opts->filter;
	struct tdx_uagg *u = calloc(1, sizeof(*u));
	int err = 0;

	*out = NULL;
	if (!u)
		return -ENOMEM;
#define TDX_X_INIT(id, bpf, snap, kt, vt, vf, per_td, in_snap)		\
	err = err ?: tdx_umap_init(&u->map[TDX_MAP_##id], TDX_UMAP_HASH,	\
				   sizeof(struct kt), sizeof(struct vt),	\
				   (__u32)(per_td) * max_tds);
	TDX_MAP_TABLE(TDX_X_INIT)
#undef TDX_X_INIT
	err = err ?: tdx_umap_init(&u->counters, TDX_UMAP_ARRAY, sizeof(__u32),
				   sizeof(struct tdx_counters), 1);
	err = err ?: tdx_umap_init(&u->stream, TDX_UMAP_RING, 0, 0, 0);
	if (err) {
		tdx_uagg_free(u);
		return err;
	}
	u->stream.cb = stream_cb;
	u->stream.cb_ctx = ctx;
	for (int i = 0; i < f->npids && i < 16; i++)
		u->knob.pids[i] = f->pids[i];
	u->knob.npids = f->npids > 16 ? 16 : (__u32)f->npids;
	for (int i = 0; i < TDX_LEAF_MAX / 64; i++) {
		u->knob.leaf_mask[i] = f->leaf_mask[i];
		if (f->leaf_mask[i])
			u->knob.leaves = 1;
	}
	u->knob.min_lat_ns = f->min_lat_ns;
	u->knob.gfn_min_ns = f->gfn_min_ns;
	u->knob.stream = opts->stream ? 1 : 0;
	u->knob.sample_every = opts->sample_every ? opts->sample_every : 1;
	*out = u;
	return 0;
}

void tdx_uagg_free(struct tdx_uagg *u)
{
	if (!u)
		return;
	for (int i = 0; i < TDX_MAP_ID_MAX; i++)
		tdx_umap_fini(&u->map[i]);
	tdx_umap_fini(&u->counters);
	tdx_umap_fini(&u->stream);
	free(u);
}

void tdx_uagg_feed(struct tdx_uagg *u, const struct tdx_event *evs, size_t n)
{
	bind(u);
	/* the aggregation only reads the event (a stream copies it out) */
	for (size_t i = 0; i < n; i++)
		tdx_handle_input((struct tdx_event *)&evs[i]);
}

struct tdx_umap *tdx_uagg_map(struct tdx_uagg *u, enum tdx_map_id id)
{
	return id < TDX_MAP_ID_MAX ? &u->map[id] : NULL;
}

struct tdx_umap *tdx_uagg_counters(struct tdx_uagg *u)
{
	return &u->counters;
}
