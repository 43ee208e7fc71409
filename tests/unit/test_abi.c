// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_abi.c - properties of the event ABI: histogram layout, status classes,
 * leaf and event tables.  Expected values are computed here independently
 * (by brute force or from the TDX status encoding), not copied from the code.
 */
#include <stddef.h>
#include <string.h>

#include "tap.h"
#include "tdxtrace.h"

/* Reference slot: brute force over the documented definition. */
static unsigned ref_slot(uint64_t v)
{
	int m = 63;

	if (v < 8)
		return (unsigned)v;
	while (!(v >> m))
		m--;
	if (m > 39)
		return TDX_HIST_SLOTS - 1;
	return (unsigned)((m - 2) * 8 + ((v >> (m - 3)) & 7));
}

static void test_hist(void)
{
	int bad = 0, bad_bounds = 0, bad_width = 0;
	uint64_t vals[2000];
	int n = 0;

	for (uint64_t v = 0; v < 1024; v++)
		vals[n++] = v;
	for (int s = 10; s < 64 && n < 2000; s++) {
		vals[n++] = (1ULL << s) - 1;
		vals[n++] = 1ULL << s;
		vals[n++] = (1ULL << s) + (1ULL << (s - 1)) + 7;
	}
	for (int i = 0; i < n; i++) {
		unsigned s = tdx_hist_slot(vals[i]);

		if (s != ref_slot(vals[i]))
			bad++;
		if (s < TDX_HIST_SLOTS - 1 &&
		    (vals[i] < tdx_hist_slot_lo(s) || vals[i] >= tdx_hist_slot_hi(s)))
			bad_bounds++;
	}
	ok(bad == 0, "tdx_hist_slot matches the documented layout (%d values)", n);
	ok(bad_bounds == 0, "every value lies in [slot_lo, slot_hi)");
	is_u64(TDX_HIST_SLOTS, 304, "TDX_HIST_SLOTS is 304");
	is_u64(tdx_hist_slot(~0ULL), TDX_HIST_SLOTS - 1, "huge values clamp to the last slot");
	for (unsigned s = TDX_HIST_SUB; s + 1 < TDX_HIST_SLOTS; s++) {
		uint64_t lo = tdx_hist_slot_lo(s), hi = tdx_hist_slot_hi(s);

		if (hi <= lo || (hi - lo) * 8 > lo)
			bad_width++;
	}
	ok(bad_width == 0, "sub-buckets are at most 12.5%% of their lower bound wide");
	/* monotonic, contiguous */
	bad = 0;
	for (unsigned s = 0; s + 1 < TDX_HIST_SLOTS; s++)
		if (tdx_hist_slot_hi(s) != tdx_hist_slot_lo(s + 1))
			bad++;
	ok(bad == 0, "slots are contiguous");
	/* log2 view: value v -> bucket floor(log2 v)+1 */
	bad = 0;
	for (uint64_t v = 1; v < (1ULL << 39); v = v * 3 + 1) {
		unsigned b = tdx_hist_slot_log2(tdx_hist_slot(v));
		unsigned want = 0;

		while ((v >> want) > 0)
			want++;
		if (b != want)
			bad++;
	}
	ok(bad == 0, "log2 view of a slot equals floor(log2 v)+1");
}

static void test_quantile(void)
{
	static __u64 h[TDX_HIST_SLOTS];

	memset(h, 0, sizeof(h));
	is_dbl(tdx_hist_quantile(h, 0.5), 0, 0, "empty histogram: quantile 0");
	/* 1000 values uniformly in 1000..1999 ns */
	for (int v = 1000; v < 2000; v++)
		h[tdx_hist_slot(v)]++;
	is_u64(tdx_hist_total(h), 1000, "total counts every value");
	is_dbl(tdx_hist_quantile(h, 0.5), 1500, 1500 * 0.07, "p50 of U[1000,2000) within 7%%");
	is_dbl(tdx_hist_quantile(h, 0.9), 1900, 1900 * 0.07, "p90 of U[1000,2000) within 7%%");
	{
		__u64 l2[TDX_LOG2_SLOTS];
		__u64 s = 0;

		tdx_hist_log2(h, l2);
		for (int i = 0; i < TDX_LOG2_SLOTS; i++)
			s += l2[i];
		is_u64(s, 1000, "log2 view keeps every count");
		is_u64(l2[10] + l2[11], 1000, "1000..1999 ns land in log2 buckets 512-1023/1024-2047");
		is_u64(l2[10], 24, "1000..1023 -> bucket [512,1024)");
	}
}

static void test_status(void)
{
	is_u64(tdx_status_class(0), TDX_SC_SUCCESS, "0 is success");
	is_u64(tdx_status_class(0x8000020000000092ULL), TDX_SC_BUSY,
	       "OPERAND_BUSY with operand id SEPT is busy");
	is_u64(tdx_status_class(0x80000201000000a9ULL), TDX_SC_BUSY,
	       "PREVIOUS_TLB_EPOCH_BUSY is busy");
	is_u64(tdx_status_class(0x8000020300000000ULL), TDX_SC_NO_ENTROPY,
	       "RND_NO_ENTROPY");
	is_u64(tdx_status_class(0x8000000300000000ULL), TDX_SC_INTERRUPTED,
	       "INTERRUPTED_RESUMABLE");
	is_u64(tdx_status_class(0x8000FF00FFFF0000ULL), TDX_SC_SW_ERROR,
	       "VMFAILINVALID is a software error");
	is_u64(tdx_status_class(0x8000FF000000000dULL), TDX_SC_SW_ERROR, "#GP is a software error");
	is_u64(tdx_status_class(0x0000081500000000ULL), TDX_SC_WARNING,
	       "KEY_CONFIGURED (bit 63 clear) is a warning");
	is_u64(tdx_status_class(0xC0000B0D00000000ULL), TDX_SC_ERROR, "EPT_ENTRY_STATE_INCORRECT is an error");
	ok(!strcmp(tdx_status_name(0x8000020000000092ULL), "OPERAND_BUSY"), "status name ignores operand id");
	ok(!strcmp(tdx_status_class_name(TDX_SC_BUSY), "busy"), "class name");
}

static void test_leaves(void)
{
	ok(tdx_leaf_name(6) && !strcmp(tdx_leaf_name(6), "TDH.MEM.PAGE.AUG"), "leaf 6 is TDH.MEM.PAGE.AUG");
	is_u64(tdx_leaf_parse("TDH.MEM.PAGE.AUG"), 6, "parse dotted name");
	is_u64(tdx_leaf_parse("tdh_mem_sept_add"), 3, "parse macro name, any case");
	is_u64(tdx_leaf_parse("VP.ENTER"), 0, "parse without TDH. prefix");
	is_u64(tdx_leaf_parse("0x1c"), 28, "parse number");
	is_u64((__u64)(long long)tdx_leaf_parse("TDH.BOGUS"), (__u64)-1LL, "unknown name is -1");
	is_u64((__u64)(long long)tdx_leaf_parse("999"), (__u64)-1LL, "out-of-range number is -1");
	ok(tdx_leaf_name(5) == NULL, "leaf 5 is not a host leaf Linux uses");
}

static void test_events(void)
{
	is_u64(sizeof(struct tdx_event), 88, "struct tdx_event is 88 bytes");
	is_u64(offsetof(struct tdx_event, args), 24, "args start at offset 24");
	ok(!strcmp(tdx_event_name(TDX_EV_SEAMCALL), "tdx_seamcall"), "event name");
	ok(!strcmp(tdx_event_system(TDX_EV_FROZEN_RETRY), "kvmmmu"), "event system");
	is_u64(tdx_event_nargs(TDX_EV_EPT_VIOLATION), TDX_EPT_VIOLATION_ARG_DURATION + 1,
	       "EPT violation nargs matches its argument enum");
	is_u64(tdx_event_nargs(TDX_EV_SEAMCALL), TDX_SEAMCALL_ARG_DURATION + 1,
	       "SEAMCALL nargs matches its argument enum");
	is_u64(tdx_event_nargs(TDX_EV_MAP_GPA_DONE), TDX_MAP_GPA_DONE_ARG_DURATION + 1,
	       "MapGPA done nargs matches its argument enum");
	is_u64(tdx_event_nargs(TDX_EV_SPTE_FROZEN), TDX_SPTE_FROZEN_ARG_RESULT + 1,
	       "SPTE frozen nargs matches its argument enum");
	ok(tdx_event_nargs(TDX_EV_NONE) < 0 && tdx_event_nargs(TDX_EV_MAX) < 0,
	   "invalid kinds have no nargs");
}

int main(void)
{
	test_hist();
	test_quantile();
	test_status();
	test_leaves();
	test_events();
	return tap_done();
}
