// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_agg_slot.c - the aggregation's own slot computation (bpf/tdx_agg.bpf.h:
 * hist_slot() on a branch-free msb in BPF, clz in user space) gives exactly
 * the slot of include/tdxtrace/hist.h's tdx_hist_slot(), for every value
 * class: 0..2^16, every power of two and its neighbours, every slot's first
 * and last value, and pseudo-random values over the whole u64 range.
 */
#include <stdio.h>

#include "tap.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wunused-variable"
#include "../../bpf/tdx_agg.bpf.h"
#pragma GCC diagnostic pop

static unsigned long bad_msb, bad_nb, bad_slot, checked;

static void check(__u64 v)
{
	checked++;
	if (agg_msb64(v) != tdx_msb64(v) && bad_msb++ < 5)
		diag("agg_msb64(%#llx) = %u, tdx_msb64 = %u", (unsigned long long)v,
		     agg_msb64(v), tdx_msb64(v));
	if (agg_msb64_nobranch(v) != tdx_msb64(v) && bad_nb++ < 5)
		diag("agg_msb64_nobranch(%#llx) = %u, tdx_msb64 = %u", (unsigned long long)v,
		     agg_msb64_nobranch(v), tdx_msb64(v));
	if (hist_slot(v) != tdx_hist_slot(v) && bad_slot++ < 5)
		diag("hist_slot(%#llx) = %u, tdx_hist_slot = %u", (unsigned long long)v,
		     hist_slot(v), tdx_hist_slot(v));
}

int main(void)
{
	__u64 x = 0x9e3779b97f4a7c15ULL;

	printf("1..4\n");
	for (__u64 v = 0; v <= 1 << 16; v++)
		check(v);
	for (int b = 0; b < 64; b++) {
		__u64 p = 1ULL << b;

		check(p - 1);
		check(p);
		check(p + 1);
		check(p | (p - 1));
		check(~0ULL >> b);
	}
	for (__u32 s = 0; s < TDX_HIST_SLOTS; s++) {
		check(tdx_hist_slot_lo(s));
		if (tdx_hist_slot_hi(s) != ~0ULL)
			check(tdx_hist_slot_hi(s) - 1);
	}
	for (int i = 0; i < 1000000; i++) {
		/* xorshift64, then a random shift: every magnitude */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		check(x >> (x & 63));
	}
	ok(checked > 1000000, "%lu values checked", checked);
	ok(!bad_msb, "agg_msb64 == tdx_msb64 (%lu differ)", bad_msb);
	ok(!bad_nb, "agg_msb64_nobranch (the BPF one) == tdx_msb64 (%lu differ)", bad_nb);
	ok(!bad_slot, "hist_slot == tdx_hist_slot (%lu differ)", bad_slot);
	return tap_done();
}
