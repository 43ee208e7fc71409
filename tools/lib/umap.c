// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * umap.c - in-process hash, array and ring "maps" (umap.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "umap.h"

#define find_slot tdx__umap_find

#define UMAP_MIN_SLOTS 16

int tdx_umap_init(struct tdx_umap *m, enum tdx_umap_type type, __u32 ksz,
		  __u32 vsz, __u32 max)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->ksz = ksz;
	m->vsz = vsz;
	m->max = max;
	if (type == TDX_UMAP_ARRAY) {
		m->vals = calloc(max ? max : 1, vsz);
		return m->vals ? 0 : -ENOMEM;
	}
	return 0;
}

void tdx_umap_fini(struct tdx_umap *m)
{
	free(m->used);
	free(m->keys);
	free(m->vals);
	free(m->rec);
	memset(m, 0, sizeof(*m));
}

void tdx_umap_clear(struct tdx_umap *m)
{
	if (m->type == TDX_UMAP_ARRAY) {
		memset(m->vals, 0, (size_t)m->max * m->vsz);
		return;
	}
	if (m->used)
		memset(m->used, 0, m->cap);
	m->n = 0;
}

static int grow(struct tdx_umap *m)
{
	__u32 ncap = m->cap ? m->cap * 2 : UMAP_MIN_SLOTS;
	struct tdx_umap n = *m;

	n.cap = ncap;
	n.used = calloc(ncap, 1);
	n.keys = malloc((size_t)ncap * m->ksz);
	n.vals = malloc((size_t)ncap * m->vsz);
	if (!n.used || !n.keys || !n.vals) {
		free(n.used);
		free(n.keys);
		free(n.vals);
		return -ENOMEM;
	}
	for (__u32 i = 0; i < m->cap; i++) {
		bool found;
		long j;

		if (!m->used[i])
			continue;
		j = find_slot(&n, m->keys + (size_t)i * m->ksz, &found);
		n.used[j] = 1;
		memcpy(n.keys + (size_t)j * m->ksz, m->keys + (size_t)i * m->ksz, m->ksz);
		memcpy(n.vals + (size_t)j * m->vsz, m->vals + (size_t)i * m->vsz, m->vsz);
	}
	free(m->used);
	free(m->keys);
	free(m->vals);
	*m = n;
	return 0;
}

long tdx_umap_update(struct tdx_umap *m, const void *key, const void *val, __u64 flags)
{
	bool found = false;
	long i;

	if (m->type == TDX_UMAP_ARRAY) {
		void *v = tdx_umap_lookup(m, key);

		if (!v)
			return -E2BIG;
		if (flags == 1 /* BPF_NOEXIST */)
			return -EEXIST;
		memcpy(v, val, m->vsz);
		return 0;
	}
	if (m->cap) {
		/* a full map sees this for every new key it drops: the fast probe */
		i = tdx__umap_find_fast(m, key, &found);
		if (found) {
			if (flags == 1 /* BPF_NOEXIST */)
				return -EEXIST;
			memcpy(m->vals + (size_t)i * m->vsz, val, m->vsz);
			return 0;
		}
	}
	if (flags == 2 /* BPF_EXIST */)
		return -ENOENT;
	if (m->n >= m->max)
		return -E2BIG;
	if ((m->n + 1) * 2 > m->cap && grow(m))
		return -ENOMEM;
	i = find_slot(m, key, &found);
	m->used[i] = 1;
	memcpy(m->keys + (size_t)i * m->ksz, key, m->ksz);
	memcpy(m->vals + (size_t)i * m->vsz, val, m->vsz);
	m->n++;
	return 0;
}

void *tdx_umap_ring_reserve(struct tdx_umap *m, size_t size)
{
	if (size > m->rec_size) {
		char *r = realloc(m->rec, size);

		if (!r)
			return NULL;
		m->rec = r;
		m->rec_size = size;
	}
	return m->rec;
}

void tdx_umap_ring_submit(struct tdx_umap *m, void *rec)
{
	if (m->cb)
		m->cb(m->cb_ctx, rec, m->rec_size);
}

int tdx_umap_foreach(struct tdx_umap *m,
		     int (*fn)(const void *key, void *val, void *ctx), void *ctx)
{
	int r;

	if (m->type == TDX_UMAP_ARRAY) {
		for (__u32 i = 0; i < m->max; i++)
			if ((r = fn(&i, m->vals + (size_t)i * m->vsz, ctx)))
				return r;
		return 0;
	}
	for (__u32 i = 0; i < m->cap; i++) {
		if (!m->used[i])
			continue;
		if ((r = fn(m->keys + (size_t)i * m->ksz, m->vals + (size_t)i * m->vsz, ctx)))
			return r;
	}
	return 0;
}
