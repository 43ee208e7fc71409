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
#include <stdint.h>
#include <string.h>

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

long tdx_umap_update(struct tdx_umap *m, const void *key, const void *val, __u64 flags);
void *tdx_umap_ring_reserve(struct tdx_umap *m, size_t size);
void tdx_umap_ring_submit(struct tdx_umap *m, void *rec);

/* Calls fn(key, value, ctx) for every entry (hash: in slot order); stops on non-zero. */
int tdx_umap_foreach(struct tdx_umap *m,
		     int (*fn)(const void *key, void *val, void *ctx), void *ctx);

/*
 * tdx_umap_lookup() below inlines one probe per key size; where the caller
 * passes a 4-byte key to an array (the counters), gcc cannot see that the
 * 8..16-byte probes are never reached and warns about them.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
#ifndef __clang__	/* gcc only; clang (the fuzzers) has no such warning */
#pragma GCC diagnostic ignored "-Wstringop-overread"
#endif

/* Keys are 4-byte multiples (the map table's key structs). */
static inline __attribute__((always_inline)) __u32 tdx__umap_hash(const void *key, __u32 ksz)
{
	const unsigned char *p = key;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ ksz;

	for (__u32 i = 0; i + 4 <= ksz; i += 4) {
		__u32 w;

		memcpy(&w, p + i, 4);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	return (__u32)(h ^ (h >> 29));
}

/* The map table's keys are 4, 8, 12 or 16 bytes: compare them as words. */
static inline bool key_eq(const void *a, const void *b, __u32 ksz)
{
	/* constant sizes: the compiler turns each into one or two compares */
	switch (ksz) {
	case 4:
		return !memcmp(a, b, 4);
	case 8:
		return !memcmp(a, b, 8);
	case 12:
		return !memcmp(a, b, 12);
	case 16:
		return !memcmp(a, b, 16);
	default:
		return !memcmp(a, b, ksz);
	}
}

/* The slot of key (ksz: m->ksz; a constant where inlined, see below). */
static inline __attribute__((always_inline)) long tdx__umap_find_k(const struct tdx_umap *m,
								    const void *key, __u32 ksz,
								    bool *found)
{
	__u32 mask = m->cap - 1, i = tdx__umap_hash(key, ksz) & mask;

	for (;;) {
		if (!m->used[i]) {
			*found = false;
			return i;
		}
		if (key_eq(m->keys + (size_t)i * ksz, key, ksz)) {
			*found = true;
			return i;
		}
		i = (i + 1) & mask;
	}
}

static inline __attribute__((always_inline)) long tdx__umap_find(const struct tdx_umap *m, const void *key, bool *found)
{
	return tdx__umap_find_k(m, key, m->ksz, found);
}

/*
 * The probe with the key size a constant: one copy per key size of the map
 * table, hash and compare unrolled (the same hash values as the generic
 * probe, so the same slots).
 */
static inline __attribute__((always_inline)) long tdx__umap_find_fast(const struct tdx_umap *m,
								       const void *key, bool *found)
{
	switch (m->ksz) {
	case 4:
		return tdx__umap_find_k(m, key, 4, found);
	case 8:
		return tdx__umap_find_k(m, key, 8, found);
	case 12:
		return tdx__umap_find_k(m, key, 12, found);
	case 16:
		return tdx__umap_find_k(m, key, 16, found);
	default:
		return tdx__umap_find(m, key, found);
	}
}

/* Inline: the aggregation calls it for every event. */
static inline __attribute__((always_inline)) void *tdx_umap_lookup(struct tdx_umap *m, const void *key)
{
	bool found;
	long i;

	if (m->type == TDX_UMAP_ARRAY) {
		__u32 idx;

		memcpy(&idx, key, sizeof(idx));
		return idx < m->max ? m->vals + (size_t)idx * m->vsz : NULL;
	}
	if (!m->n)
		return NULL;
	i = tdx__umap_find_fast(m, key, &found);
	return found ? m->vals + (size_t)i * m->vsz : NULL;
}

#pragma GCC diagnostic pop

#endif /* TDXTRACE_UMAP_H */
