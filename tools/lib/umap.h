/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * umap.h - in-process stand-ins for the BPF maps the aggregation uses, so
 * the same aggregation code (bpf/tdx_agg.bpf.h) runs in user space for
 * offline sources (tools/lib/uagg.c).
 *
 * Semantics follow the kernel's:
 *  - a hash holds at most max entries: inserting one more fails with -E2BIG
 *    (the aggregation counts it in counters.dropped[]), BPF_NOEXIST on a
 *    present key fails with -EEXIST;
 *  - an array has max zeroed entries indexed by a __u32 key;
 *  - a ring calls a callback on submit (no loss: the consumer is in line).
 * Memory grows with the entries used (open addressing, doubled at half
 * load), never with max.  A value pointer stays valid until the next insert
 * into the same map, which the aggregation code never holds across.
 */
#ifndef TDXTRACE_UMAP_H
#define TDXTRACE_UMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

enum tdx_umap_type { TDX_UMAP_HASH, TDX_UMAP_ARRAY, TDX_UMAP_RING };

struct tdx_umap {
	enum tdx_umap_type type;
	__u32 ksz, vsz, max;		/* key, value bytes; max entries */
	__u32 n, cap;			/* entries; slots (power of two, hash) */
	__u8 *used;			/* slot in use (hash) */
	char *keys, *vals;
	/* ring: submit() hands the record to cb */
	int (*cb)(void *ctx, const void *data, size_t size);
	void *cb_ctx;
	size_t rec_size;
	char *rec;
};

int tdx_umap_init(struct tdx_umap *m, enum tdx_umap_type type, __u32 ksz,
		  __u32 vsz, __u32 max);
void tdx_umap_fini(struct tdx_umap *m);
void tdx_umap_clear(struct tdx_umap *m);

void *tdx_umap_lookup(struct tdx_umap *m, const void *key);
long tdx_umap_update(struct tdx_umap *m, const void *key, const void *val, __u64 flags);
void *tdx_umap_ring_reserve(struct tdx_umap *m, size_t size);
void tdx_umap_ring_submit(struct tdx_umap *m, void *rec);

/* Calls fn(key, value, ctx) for every entry (hash: in slot order); stops on non-zero. */
int tdx_umap_foreach(struct tdx_umap *m,
		     int (*fn)(const void *key, void *val, void *ctx), void *ctx);

#endif /* TDXTRACE_UMAP_H */
