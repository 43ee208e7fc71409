// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_sim_hugepage.c - what the simulator gives the huge-page analysis
 * (issue 22, docs/hugepage.md, docs/sources.md):
 *
 *  - in "boot" and "boot4g" (memory starts unmapped) every page's
 *    kvm_mmu_private_map events alternate mapped / removed, starting with
 *    mapped: no removal of a page never mapped, no page mapped twice (the
 *    simulator once emitted both: an activity handled first but stamped
 *    later zapped or mapped behind another's back);
 *  - every private fault that maps a page carries an accept level (4K or
 *    2M), shared faults none;
 *  - boot: vCPU 0 accepts at least boot_accept_4k pages at 4K, and the other
 *    vCPUs enter the TD only after its first one;
 *  - the bounce range: requests of boot_bounce_kib at one GFN, alternating
 *    to shared / to private starting with to shared, at most
 *    boot_bounce_flips of them;
 *  - boot4g is 1 TD, 8 vCPUs, 4 GiB.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "tdxtrace.h"
#include "source.h"
#include "source_test.h"
#include "hugepage.h"

struct page_state { __u8 *st; __u64 n; };	/* 0 never, 1 mapped, 2 removed */

/* bounce_gfn: 0x7d3ff, or half the memory + 0x3ff when that is in the swiotlb area */
static void check(const char *spec, bool one_td_4g, __u64 bounce_gfn)
{
	struct tdx_source *src;
	struct tdx_event ev;
	double acc4k_want, flips_max, bounce_kib;
	struct page_state ps[8] = { { 0 } };
	__u64 bad_map = 0, maps = 0, no_level = 0, shared_level = 0, faults = 0;
	__u64 v0_4k[8] = { 0 }, first_v0_4k[8], first_ap[8], bounce = 0, bounce_bad = 0;
	__u32 pids[8] = { 0 }, npid = 0, vcpus = 0;
	int last_dir[8];

	tdx_sim_calib_global(NULL, "boot_accept_4k", &acc4k_want);
	tdx_sim_calib_global(NULL, "boot_bounce_flips", &flips_max);
	tdx_sim_calib_global(NULL, "boot_bounce_kib", &bounce_kib);
	for (int i = 0; i < 8; i++) {
		first_v0_4k[i] = first_ap[i] = ~0ULL;
		last_dir[i] = 0;	/* the range starts private: first flip to shared */
	}
	if (!ok(!tdx_source_open_sim(&src, spec), "%s: opens", spec))
		return;
	while (tdx_source_next(src, &ev) == 1) {
		const __u64 *a = ev.args;
		__u32 t;

		for (t = 0; t < npid && pids[t] != ev.pid; t++)
			;
		if (t == npid) {
			if (npid == 8 || !ev.pid)
				continue;
			pids[npid++] = ev.pid;
		}
		switch (ev.kind) {
		case TDX_EV_PRIVATE_MAP: {
			__u64 g = a[TDX_PRIVATE_MAP_ARG_GFN];
			__u8 want_old = a[TDX_PRIVATE_MAP_ARG_MAPPED] ? 0 : 1;

			if (g >= ps[t].n) {
				__u64 n = (g + 1) * 2;
				__u8 *p = realloc(ps[t].st, n);

				if (!p)
					break;
				memset(p + ps[t].n, 0, n - ps[t].n);
				ps[t].st = p;
				ps[t].n = n;
			}
			maps++;
			/* mapped: was never mapped or removed; removed: was mapped */
			if (a[TDX_PRIVATE_MAP_ARG_MAPPED] ? ps[t].st[g] == 1 : ps[t].st[g] != want_old)
				bad_map++;
			ps[t].st[g] = a[TDX_PRIVATE_MAP_ARG_MAPPED] ? 1 : 2;
			break;
		}
		case TDX_EV_EPT_VIOLATION: {
			int lv = tdx_hp_accept_level(a[TDX_EPT_VIOLATION_ARG_EXIT_QUAL]);

			if (!a[TDX_EPT_VIOLATION_ARG_PRIVATE]) {
				shared_level += lv != 0;
				break;
			}
			if (a[TDX_EPT_VIOLATION_ARG_RESULT] != 5)	/* RET_PF_FIXED */
				break;
			faults++;
			no_level += lv != TDX_PG_LEVEL_4K && lv != TDX_PG_LEVEL_2M;
			if (a[TDX_EPT_VIOLATION_ARG_VCPU] == 0 && lv == TDX_PG_LEVEL_4K) {
				v0_4k[t]++;
				if (first_v0_4k[t] == ~0ULL)
					first_v0_4k[t] = ev.ts_ns;
			}
			break;
		}
		case TDX_EV_VP_ENTER:
			if (a[TDX_VP_ENTER_ARG_VCPU] + 1 > vcpus)
				vcpus = (__u32)a[TDX_VP_ENTER_ARG_VCPU] + 1;
			if (a[TDX_VP_ENTER_ARG_VCPU] && first_ap[t] == ~0ULL)
				first_ap[t] = ev.ts_ns;
			break;
		case TDX_EV_MAP_GPA:
			if (a[TDX_MAP_GPA_ARG_SIZE] != (__u64)bounce_kib * 1024)
				break;
			if (a[TDX_MAP_GPA_ARG_GPA] >> 12 != bounce_gfn)
				break;
			if (t == 0)
				bounce++;
			bounce_bad += (int)a[TDX_MAP_GPA_ARG_TO_SHARED] == last_dir[t];
			last_dir[t] = (int)a[TDX_MAP_GPA_ARG_TO_SHARED];
			break;
		}
	}
	tdx_source_close(src);
	ok(maps > 0 && !bad_map, "%s: every page's private_map events alternate, from mapped "
	   "(%llu events, %llu out of order)", spec, (unsigned long long)maps,
	   (unsigned long long)bad_map);
	ok(faults > 0 && !no_level && !shared_level, "%s: %llu mapping faults carry an accept "
	   "level, shared ones none (%llu, %llu bad)", spec, (unsigned long long)faults,
	   (unsigned long long)no_level, (unsigned long long)shared_level);
	for (__u32 t = 0; t < npid; t++) {
		ok(v0_4k[t] >= (__u64)acc4k_want, "%s: TD %u: vCPU 0 accepts %llu pages at 4K "
		   "(boot_accept_4k %.0f)", spec, pids[t], (unsigned long long)v0_4k[t], acc4k_want);
		ok(first_ap[t] > first_v0_4k[t], "%s: TD %u: the other vCPUs start after vCPU 0's "
		   "first 4K accept", spec, pids[t]);
	}
	ok(bounce > 0 && bounce <= (__u64)flips_max && !bounce_bad,
	   "%s: the bounce range at GFN 0x%llx: %llu requests (at most %.0f), alternating from "
	   "to shared", spec, (unsigned long long)bounce_gfn, (unsigned long long)bounce,
	   flips_max);
	if (one_td_4g)
		ok(npid == 1 && vcpus == 8 && ps[0].n >= 0x100000 - 512,
		   "%s: 1 TD, 8 vCPUs, 4 GiB (%u, %u)", spec, npid, vcpus);
	for (__u32 t = 0; t < npid; t++)
		free(ps[t].st);
}

int main(void)
{
	check("boot:1", false, 0x40000 + 0x3ff);	/* 2 GiB: 0x7d3ff is in the swiotlb area */
	check("boot4g:1", true, 0x7d3ff);
	return tap_done();
}
