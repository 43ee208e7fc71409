/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * hist.h - the histogram layout every latency in tdxtrace uses.
 *
 * Log-linear ("HDR-like") buckets: each power of two is split into
 * 2^TDX_HIST_SUB_BITS equal sub-buckets, so a bucket is at most 12.5 % wide
 * and quantiles are good enough for regression tests, while the classic
 * log2 view (runqlat style) is exact: it is the sum of 8 sub-buckets.
 *
 *   value v < 8            -> slot v (exact)
 *   msb(v) = m >= 3        -> slot (m - 2) * 8 + ((v >> (m - 3)) & 7)
 *   v >= 2^40 (≈ 18 min)   -> last slot (clamped)
 *
 * Units are nanoseconds for latencies.  The functions here are inline, loop
 * free and usable from BPF and user space alike.
 */
#ifndef TDXTRACE_HIST_H
#define TDXTRACE_HIST_H

#include "types.h"

#define TDX_HIST_SUB_BITS	3
#define TDX_HIST_SUB		(1 << TDX_HIST_SUB_BITS)	/* 8 */
#define TDX_HIST_MAX_MSB	39
#define TDX_HIST_SLOTS		((TDX_HIST_MAX_MSB - 2) * TDX_HIST_SUB + TDX_HIST_SUB) /* 304 */
#define TDX_LOG2_SLOTS		41	/* log2 view: [0,1) [1,2) [2,4) ... [2^39, inf) */

/* Index of the most significant set bit; tdx_msb64(0) == 0. */
TDX_INLINE __u32 tdx_msb64(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8)  { v >>= 8;  r += 8; }
	if (v >> 4)  { v >>= 4;  r += 4; }
	if (v >> 2)  { v >>= 2;  r += 2; }
	if (v >> 1)  { r += 1; }
	return r;
}

/* Slot of a value, always < TDX_HIST_SLOTS. */
TDX_INLINE __u32 tdx_hist_slot(__u64 v)
{
	__u32 m, slot;

	if (v < TDX_HIST_SUB)
		return (__u32)v;
	m = tdx_msb64(v);
	if (m > TDX_HIST_MAX_MSB)
		return TDX_HIST_SLOTS - 1;
	slot = (m - 2) * TDX_HIST_SUB +
	       (__u32)((v >> (m - TDX_HIST_SUB_BITS)) & (TDX_HIST_SUB - 1));
	return slot < TDX_HIST_SLOTS ? slot : TDX_HIST_SLOTS - 1;
}

/* Lowest value that falls in a slot. */
TDX_INLINE __u64 tdx_hist_slot_lo(__u32 slot)
{
	__u32 m, sub;

	if (slot < TDX_HIST_SUB)
		return slot;
	m = slot / TDX_HIST_SUB + 2;
	sub = slot % TDX_HIST_SUB;
	return (__u64)(TDX_HIST_SUB + sub) << (m - TDX_HIST_SUB_BITS);
}

/* One past the highest value of a slot (the last slot is open-ended). */
TDX_INLINE __u64 tdx_hist_slot_hi(__u32 slot)
{
	if (slot + 1 >= TDX_HIST_SLOTS)
		return ~0ULL;
	return tdx_hist_slot_lo(slot + 1);
}

/* log2 bucket of a slot: bucket b holds [2^(b-1), 2^b) for b >= 1, 0 for v=0. */
TDX_INLINE __u32 tdx_hist_slot_log2(__u32 slot)
{
	__u64 lo = tdx_hist_slot_lo(slot);

	return lo ? tdx_msb64(lo) + 1 : 0;
}

/* Linear histogram of small counts (retries): 0..15 and "16 or more". */
#define TDX_RETRY_SLOTS 17
TDX_INLINE __u32 tdx_retry_slot(__u64 n)
{
	return n < TDX_RETRY_SLOTS - 1 ? (__u32)n : TDX_RETRY_SLOTS - 1;
}

#endif /* TDXTRACE_HIST_H */
