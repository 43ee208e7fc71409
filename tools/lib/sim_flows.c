// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sim_flows.c - the flows kernel series v2 traces, as the simulator runs
 * them: the S-EPT zap of one private page (BLOCK, TRACK, REMOVE, WBINVD with
 * the OPERAND_BUSY "kick all vCPUs and retry" escalation and the vCPUs it
 * bounces), TLB tracking with its IPI, the zap of an attribute change, the
 * TDVMCALLs KVM dispatches, the TD build commands and the teardown (CACHE.WB
 * per package, HKID release, a leaked HKID when asked).
 *
 * Each mirrors where the series fires its event in 7.2 (kernel/ABI-v2.md):
 * the events carry what the kernel would put in them, and their times are
 * the sums of the simulated SEAMCALLs they wrap, so `tdxtrace flows` on the
 * simulator agrees with the per-leaf SEAMCALL statistics of the same run.
 */
#include "sim_int.h"

#define TDX_SC_IS_BUSY(st) (tdx_status_class(st) == TDX_SC_BUSY)

/* Kick-and-retry time beyond the retried SEAMCALL: an IPI round to every vCPU. */
static __u64 ipi_ns(struct sim *s, struct rng *r)
{
	/* ~1.5 us per vCPU kicked out of the TD, lognormal spread (assumption) */
	return (__u64)rng_lognormal(r, 1500.0 * (s->nvcpu_per_td ? s->nvcpu_per_td : 1), 0.4);
}

/*
 * One SEAMCALL that KVM wraps in tdh_do_no_vcpus(): on OPERAND_BUSY it kicks
 * every vCPU out of the TD (they bounce until the zap ends) and retries once.
 * Returns the end time; *kicks counts the escalations.
 */
static __u64 no_vcpus(struct sim *s, struct rng *r, __u32 leaf, __u64 t, __u64 gpa,
		      int level, __u32 *kicks)
{
	struct sim_td *td = s->ctd;
	__u64 st = 0, rst = 0, end, first;

	first = sim_seamcall(s, r, leaf, t, gpa, level, &st);
	if (!TDX_SC_IS_BUSY(st))
		return first;
	end = first + ipi_ns(s, r);
	/* vCPUs that tried to enter while the zap held them out */
	for (__u32 v = 0; td && v < s->nvcpu_per_td; v++) {
		if (rng_unit(r) < 0.5) {
			__u64 a[TDX_VCPU_BOUNCE_NARGS] = { v };

			sim_emit_ctx(s, TDX_EV_VCPU_BOUNCE, first + 200 + v * 10, TDX_VCPU_BOUNCE_NARGS, a);
		}
	}
	end = sim_seamcall(s, r, leaf, end, gpa, level, &rst);
	{
		__u64 a[TDX_BUSY_KICK_NARGS];

		a[TDX_BUSY_KICK_ARG_LEAF] = leaf;
		a[TDX_BUSY_KICK_ARG_STATUS] = st;
		a[TDX_BUSY_KICK_ARG_RETRY_STATUS] = rst;
		a[TDX_BUSY_KICK_ARG_KICK] = end - first;
		sim_emit_ctx(s, TDX_EV_BUSY_KICK, end, TDX_BUSY_KICK_NARGS, a);
	}
	(*kicks)++;
	return end;
}

/* tdx_track(): TDH.MEM.TRACK (busy: kick and retry), then the IPI round. */
static __u64 track(struct sim *s, struct rng *r, __u64 t, __u32 *kicks)
{
	__u64 a[TDX_TRACK_NARGS], t1 = no_vcpus(s, r, TDX_LEAF_MEM_TRACK, t, 0, -1, kicks);
	__u64 ipi = ipi_ns(s, r);

	a[TDX_TRACK_ARG_STATUS] = 0;
	a[TDX_TRACK_ARG_TRACK] = t1 - t;
	a[TDX_TRACK_ARG_IPI] = ipi;
	sim_emit_ctx(s, TDX_EV_TRACK, t1 + ipi, TDX_TRACK_NARGS, a);
	return t1 + ipi;
}

__u64 sim_zap_page(struct sim *s, struct rng *r, __u64 t, __u64 gfn)
{
	__u64 a[TDX_SEPT_ZAP_NARGS], t0 = t;
	__u32 kicks = 0;

	t = no_vcpus(s, r, TDX_LEAF_MEM_RANGE_BLOCK, t + 30, gfn << PAGE_SHIFT, 0, &kicks);
	t = track(s, r, t + 30, &kicks);
	t = no_vcpus(s, r, TDX_LEAF_MEM_PAGE_REMOVE, t + 30, gfn << PAGE_SHIFT, 0, &kicks);
	t = sim_seamcall(s, r, TDX_LEAF_PHYMEM_PAGE_WBINVD, t + 30, 0, -1, NULL);
	a[TDX_SEPT_ZAP_ARG_GFN] = gfn;
	a[TDX_SEPT_ZAP_ARG_LEVEL] = TDX_PG_LEVEL_4K;
	a[TDX_SEPT_ZAP_ARG_FAILED_LEAF] = 0;
	a[TDX_SEPT_ZAP_ARG_STATUS] = 0;
	a[TDX_SEPT_ZAP_ARG_KICKS] = kicks;
	a[TDX_SEPT_ZAP_ARG_DURATION] = t - t0;
	sim_emit_ctx(s, TDX_EV_SEPT_ZAP, t, TDX_SEPT_ZAP_NARGS, a);
	return t;
}

void sim_attr_zap(struct sim *s, __u64 t0, __u64 t1, __u64 gfn, __u64 n, bool to_shared,
		  bool flush)
{
	__u64 a[TDX_ATTR_ZAP_NARGS];

	a[TDX_ATTR_ZAP_ARG_START] = gfn;
	a[TDX_ATTR_ZAP_ARG_END] = gfn + n;
	a[TDX_ATTR_ZAP_ARG_TO_PRIVATE] = !to_shared;
	a[TDX_ATTR_ZAP_ARG_FLUSH] = flush;
	a[TDX_ATTR_ZAP_ARG_DURATION] = t1 > t0 ? t1 - t0 : 0;
	sim_emit_ctx(s, TDX_EV_ATTR_ZAP, t1, TDX_ATTR_ZAP_NARGS, a);
}

void sim_tdvmcall(struct sim *s, __u64 t, __u64 leaf, __u64 status, bool user_exit)
{
	__u64 a[TDX_TDVMCALL_NARGS];

	a[TDX_TDVMCALL_ARG_VCPU] = s->cv ? s->cv->id : 0;
	a[TDX_TDVMCALL_ARG_LEAF] = leaf;
	a[TDX_TDVMCALL_ARG_STATUS] = user_exit ? 0 : status;
	a[TDX_TDVMCALL_ARG_USER_EXIT] = user_exit;
	sim_emit_ctx(s, TDX_EV_TDVMCALL, t, TDX_TDVMCALL_NARGS, a);
}

void sim_td_build(struct sim *s, __u64 t0, __u64 t1, int vcpu, __u32 cmd, __u64 gpa,
		  __u64 pages, bool measured)
{
	__u64 a[TDX_TD_BUILD_NARGS];

	a[TDX_TD_BUILD_ARG_VCPU] = (__u64)(__s64)vcpu;
	a[TDX_TD_BUILD_ARG_CMD] = cmd;
	a[TDX_TD_BUILD_ARG_GPA] = gpa;
	a[TDX_TD_BUILD_ARG_NR_PAGES] = pages;
	a[TDX_TD_BUILD_ARG_MEASURED] = measured;
	a[TDX_TD_BUILD_ARG_RET] = 0;
	a[TDX_TD_BUILD_ARG_HW_ERROR] = 0;
	a[TDX_TD_BUILD_ARG_DURATION] = t1 - t0;
	sim_emit_ctx(s, TDX_EV_TD_BUILD, t1, TDX_TD_BUILD_NARGS, a);
}

/*
 * Destroy a TD (tdx_mmu_release_hkid()): VP.FLUSH per vCPU, MNG.VPFLUSHDONE,
 * CACHE.WB on one CPU per package (resumed after INTERRUPTED_RESUMABLE),
 * MNG.KEY.FREEID.  leak: KEY.FREEID fails and the HKID is lost.
 */
__u64 sim_teardown(struct sim *s, struct sim_td *td, __u64 t, bool leak)
{
	struct rng *r = &td->rng;
	__u64 t0 = t, st = 0, a[TDX_HKID_RELEASE_NARGS];
	int hkid = 16 + (int)td->idx;

	s->ctd = td;
	s->cv = NULL;
	for (__u32 v = 0; v < s->nvcpu_per_td; v++)
		t = sim_seamcall(s, r, TDX_LEAF_VP_FLUSH, t + 100, 0, -1, NULL);
	t = sim_seamcall(s, r, TDX_LEAF_MNG_VPFLUSHDONE, t + 100, 0, -1, NULL);
	for (int pkg = 0; pkg < 2; pkg++) {
		__u64 w[TDX_CACHE_WB_NARGS];
		__u32 resumes = (__u32)rng_below(r, 4);

		for (__u32 i = 0; i <= resumes; i++)
			t = sim_seamcall(s, r, TDX_LEAF_PHYMEM_CACHE_WB, t + 50, 0, -1, NULL);
		w[TDX_CACHE_WB_ARG_HKID] = (__u64)hkid;
		w[TDX_CACHE_WB_ARG_RESUMES] = resumes;
		w[TDX_CACHE_WB_ARG_STATUS] = 0;
		sim_emit_ctx(s, TDX_EV_CACHE_WB, t, TDX_CACHE_WB_NARGS, w);
	}
	t = sim_seamcall(s, r, TDX_LEAF_MNG_KEY_FREEID, t + 100, 0, -1, NULL);
	if (leak) {
		__u64 l[TDX_HKID_LEAK_NARGS];

		/* the module would refuse: an operand still in use */
		st = 0xC000081100000000ULL;
		l[TDX_HKID_LEAK_ARG_HKID] = (__u64)hkid;
		l[TDX_HKID_LEAK_ARG_LEAF] = TDX_LEAF_MNG_KEY_FREEID;
		l[TDX_HKID_LEAK_ARG_STATUS] = st;
		sim_emit_ctx(s, TDX_EV_HKID_LEAK, t + 10, TDX_HKID_LEAK_NARGS, l);
	}
	a[TDX_HKID_RELEASE_ARG_HKID] = (__u64)hkid;
	a[TDX_HKID_RELEASE_ARG_NR_VCPUS] = s->nvcpu_per_td;
	a[TDX_HKID_RELEASE_ARG_STATUS] = st;
	a[TDX_HKID_RELEASE_ARG_RELEASED] = !leak;
	a[TDX_HKID_RELEASE_ARG_DURATION] = t + 20 - t0;
	sim_emit_ctx(s, TDX_EV_HKID_RELEASE, t + 20, TDX_HKID_RELEASE_NARGS, a);
	s->ctd = NULL;
	return t + 20;
}
