/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * session_int.h - the session object shared by loader.c and snapshot.c.
 * Private to libtdxtrace: tools use tdxtrace.h only.
 */
#ifndef TDXTRACE_SESSION_INT_H
#define TDXTRACE_SESSION_INT_H

#include <bpf/libbpf.h>

#include "tdxtrace.h"
#include "source.h"

struct tdxtrace_bpf;
struct tdx_uagg;
struct tdx_umap;

#define TDX_FEED_BATCH 4096	/* events pulled from a source per feed */

struct tdx_session {
	struct tdxtrace_bpf *skel;		/* NULL with the user-space engine */
	struct tdx_uagg *uagg;			/* NULL with BPF */
	int map_fd[TDX_MAP_ID_MAX];
	struct tdx_opts opts;
	__u64 start_ns;
	enum tdx_attach_mode mode;
	int ncpus;

	struct bpf_link **links;
	int nlinks;
	char missing[1024];

	struct ring_buffer *stream;		/* optional event stream */
	struct user_ring_buffer *replay;	/* replay/sim/tdx_feed input */
	int drain_fd;

	struct tdx_source *src;			/* replay/sim source, or NULL */
	bool src_done;				/* src returned its end */
	size_t batch_i, batch_n;		/* events of batch[] not yet fed */
	__u64 now;				/* replay/sim: source time fed up to */
	struct tdx_event *batch;		/* read ahead from src */

	/* tdxmod.c: the TDX module of the current segment */
	char module[64];			/* version, "" if unknown */
	unsigned module_segment;		/* 0, +1 at each module update */
	__u64 module_seg_ns;			/* when the segment began (0: at the start) */

	/* snapshot.c: per-CPU batch buffers, kept between snapshots */
	void *snap_kbuf, *snap_vbuf;
	size_t snap_kcap, snap_vcap;		/* bytes */
};

/* The user-space engine's tables (NULL for a BPF session). */
struct tdx_umap *tdx__umap(const struct tdx_session *s, enum tdx_map_id id);
struct tdx_umap *tdx__umap_counters(const struct tdx_session *s);
/* Map fds by enum tdx_map_id, and the counters' fd (BPF sessions). */
int tdx__map_fd(const struct tdx_session *s, enum tdx_map_id id);
int tdx__counters_fd(const struct tdx_session *s);
/* The source's current info (TDs, lost count), NULL without a source. */
const struct tdx_source_info *tdx__source_info(const struct tdx_session *s);
void tdx__log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* tdxmod.c */
void tdx__module_init(struct tdx_session *s);
void tdx__module_poll(struct tdx_session *s);
void tdx__module_updated(struct tdx_session *s, __u64 ts_ns);
bool tdx__is_module_update(const struct tdx_event *ev);

#endif /* TDXTRACE_SESSION_INT_H */
