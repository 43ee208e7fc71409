/* SPDX-License-Identifier: GPL-2.0 OR (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tdx_agg_env.h - what the aggregation code (tdx_agg.bpf.h) needs from its
 * target, for the two targets it is built for:
 *
 *   __bpf__  (clang -target bpf): vmlinux.h, libbpf's helpers, real maps;
 *   else     (tools/lib/uagg.c, gcc): the same names over in-process tables
 *            (struct tdx_umap, tools/lib/umap.h), so offline sources
 *            aggregate without BPF privileges, bit for bit as in the kernel.
 *
 * Map definitions go through TDX_AGG_MAP / TDX_AGG_PERCPU_ARRAY /
 * TDX_AGG_RINGBUF; knobs the loader sets are TDX_KNOB (BPF rodata).
 */
#ifndef TDX_AGG_ENV_H
#define TDX_AGG_ENV_H

#ifdef __bpf__

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#define TDX_KNOB const volatile
/* shared values, many CPUs: lock add / lock cmpxchg */
#define TDX_ATOMIC_ADD(p, v)	((void)__sync_fetch_and_add((p), (v)))
#define TDX_CAS(p, old, v)	__sync_val_compare_and_swap((p), (old), (v))
#define TDX_MAP_REF void *

#define TDX_AGG_MAP(name, K, V, max)					\
	struct {							\
		__uint(type, BPF_MAP_TYPE_HASH);			\
		__uint(map_flags, BPF_F_NO_PREALLOC);			\
		__uint(max_entries, max);				\
		__type(key, K);						\
		__type(value, V);					\
	} name SEC(".maps");

#define TDX_AGG_PERCPU_ARRAY(name, V, max)				\
	struct {							\
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);		\
		__uint(max_entries, max);				\
		__type(key, __u32);					\
		__type(value, V);					\
	} name SEC(".maps");

#define TDX_AGG_RINGBUF(name, bytes)					\
	struct {							\
		__uint(type, BPF_MAP_TYPE_RINGBUF);			\
		__uint(max_entries, bytes);				\
	} name SEC(".maps");

#else /* user space */

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "umap.h"

#define TDX_KNOB static
/* one thread feeds a session: plain read-modify-write, same results */
#define TDX_ATOMIC_ADD(p, v)	((void)(*(p) += (v)))
#define TDX_CAS(p, old, v)	tdx_cas64((p), (old), (v))
static inline __u64 tdx_cas64(__u64 *p, __u64 old, __u64 v)
{
	__u64 cur = *p;

	if (cur == old)
		*p = v;
	return cur;
}
#define TDX_MAP_REF struct tdx_umap **
#define SEC(name)
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
/*
 * BPF keeps one subprogram per event kind (verifier limits); in user space
 * each is called from one place, the dispatch: gcc inlines it there, one
 * call per event fewer.
 */
#undef __noinline
#define __noinline

/* A map is a pointer the session binds before it feeds (uagg.c). */
#define TDX_AGG_MAP(name, K, V, max) static struct tdx_umap *name;
#define TDX_AGG_PERCPU_ARRAY(name, V, max) static struct tdx_umap *name;
#define TDX_AGG_RINGBUF(name, bytes) static struct tdx_umap *name;

#define BPF_ANY		0
#define BPF_NOEXIST	1
#define BPF_EXIST	2

#define bpf_map_lookup_elem(map, key)	tdx_umap_lookup(*(map), (key))
#define bpf_map_update_elem(map, key, val, flags) \
	tdx_umap_update(*(map), (key), (val), (flags))
#define bpf_ringbuf_reserve(map, size, flags) tdx_umap_ring_reserve(*(map), (size))
#define bpf_ringbuf_submit(p, flags)	tdx_umap_ring_submit(tdx_stream, (p))

/* Only live events call these; offline events carry their own. */
static inline __u64 bpf_ktime_get_ns(void) { return 0; }
static inline __u32 bpf_get_smp_processor_id(void) { return 0; }
static inline __u64 bpf_get_current_pid_tgid(void) { return 0; }

#endif /* __bpf__ */

#endif /* TDX_AGG_ENV_H */
