// SPDX-License-Identifier: GPL-2.0
/*
 * tdxtrace.bpf.c - the aggregation programs every tdxtrace tool loads.
 *
 * Three ways in, one aggregation (tdx_agg.bpf.h):
 *
 *  1. tp_btf/<event> and raw_tp/<event> on the tdxtrace tracepoints
 *     (include/tdxtrace/events.h).  The loader enables one of the two.
 *  2. stock mode, for kernels without the series: fentry/fexit on the
 *     tdh_* SEAMCALL wrappers and the KVM TDX functions BTF lists, and
 *     (tdx_stock.bpf.h) tp_btf on the upstream kvm/kvmmmu tracepoints.  They
 *     build the same argument arrays, with what the kernel exposes.
 *  3. tdx_drain: run by bpf_prog_test_run_opts(), drains a user ring buffer
 *     of struct tdx_event (replay, simulator, tdx_feed()).
 *
 * Only the programs the chosen mode needs are loaded (set_autoload).
 */
#include "tdx_agg.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* ------------------------------------------------ 1. the tracepoints */

/*
 * Copy the tracepoint's arguments (exactly nargs of them: a raw_tp program
 * reading past the tracepoint's arguments does not attach) into an event and
 * aggregate it.
 */
static __always_inline int on_tp(__u64 *ctx, __u32 kind, __u32 nargs)
{
	struct tdx_event ev;
	__u32 i;

	/* no stream: aggregate straight from the tracepoint's arguments */
	if (!stream_enabled)
		return tdx_dispatch(bpf_get_current_pid_tgid() >> 32, kind, ctx), 0;
	live_event(&ev, kind, nargs, 0);
#pragma unroll
	for (i = 0; i < TDX_EV_MAX_ARGS; i++)
		ev.args[i] = i < nargs ? ctx[i] : 0;
	tdx_handle(&ev);
	return 0;
}

/*
 * The same for an event whose first argument names its TD (kernel series
 * v2: pid = kvm->userspace_pid): that becomes the event's pid and args[]
 * holds the others.  Rare events (zaps, kicks, build, teardown): the copy
 * costs nothing that matters.
 */
static __always_inline int on_tp_td(__u64 *ctx, __u32 kind, __u32 nargs)
{
	struct tdx_event ev;
	__u32 i;

	live_event(&ev, kind, nargs - 1, 0);
	ev.pid = (__u32)ctx[0];
#pragma unroll
	for (i = 0; i < TDX_EV_MAX_ARGS; i++)
		ev.args[i] = i + 1 < nargs ? ctx[i + 1] : 0;
	tdx_handle(&ev);
	return 0;
}

#define TDX_X_ON_TP(id, nargs)						\
	(TDX_##id##_TD_ARG ? on_tp_td(ctx, TDX_EV_##id, nargs) :	\
			     on_tp(ctx, TDX_EV_##id, nargs))
#define TDX_X_PROGS(id, lower, sys, name, nargs)				\
SEC("tp_btf/" name)							\
int tp_btf_##id(__u64 *ctx)						\
{									\
	return TDX_X_ON_TP(id, nargs);					\
}									\
SEC("raw_tp/" name)							\
int raw_tp_##id(__u64 *ctx)						\
{									\
	return TDX_X_ON_TP(id, nargs);					\
}
TDX_EVENT_TABLE(TDX_X_PROGS)
#undef TDX_X_PROGS

/* ------------------------------------------------ 2. the fentry fallback */

/*
 * Local flavours of the TDX/KVM types the fallback reads.  The running
 * kernel's BTF decides the offsets (CO-RE); every read is guarded by
 * bpf_core_field_exists() so a kernel without a field still loads.
 */
struct kvm_arch___tdxtrace {
	__u64 gfn_direct_bits;
} __attribute__((preserve_access_index));

struct kvm___tdxtrace {
	struct kvm_arch___tdxtrace arch;
} __attribute__((preserve_access_index));

struct kvm_vcpu___tdxtrace {
	struct kvm___tdxtrace *kvm;
	int vcpu_id;
	struct kvm_run *run;
} __attribute__((preserve_access_index));

struct vcpu_tdx___tdxtrace {
	struct kvm_vcpu___tdxtrace vcpu;
	__u64 exit_gpa;
} __attribute__((preserve_access_index));

/* Start time of the wrapper or handler a thread is in. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
} fb_start SEC(".maps");

static __always_inline int fb_enter(void)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 ts = bpf_ktime_get_ns();

	bpf_map_update_elem(&fb_start, &id, &ts, BPF_ANY);
	return 0;
}

/* ns since fb_enter() of this thread, or 0 if the entry was not seen */
static __always_inline __u64 fb_elapsed(void)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 *ts = bpf_map_lookup_elem(&fb_start, &id);
	__u64 d;

	if (!ts)
		return 0;
	d = bpf_ktime_get_ns() - *ts;
	bpf_map_delete_elem(&fb_start, &id);
	return d;
}

static __always_inline int fb_seamcall(__u32 leaf, __u64 status, __u64 gpa,
				       __s64 sept_level)
{
	struct tdx_event ev;

	live_event(&ev, TDX_EV_SEAMCALL, 7, TDX_EVF_FALLBACK);
	ev.args[TDX_SEAMCALL_ARG_LEAF] = leaf;
	ev.args[TDX_SEAMCALL_ARG_STATUS] = status;
	ev.args[TDX_SEAMCALL_ARG_TDR] = 0;	/* not visible from the wrapper */
	ev.args[TDX_SEAMCALL_ARG_GPA] = gpa;
	ev.args[TDX_SEAMCALL_ARG_LEVEL] = (__u64)sept_level;
	ev.args[TDX_SEAMCALL_ARG_RETRIES] = 0;	/* folded inside sc_retry() */
	ev.args[TDX_SEAMCALL_ARG_DURATION] = fb_elapsed();
	ev.args[7] = 0;
	tdx_handle(&ev);
	return 0;
}

#define FB_ARG(ctx, i)	((i) >= 0 ? (ctx)[(i) < 0 ? 0 : (i)] : 0)

/*
 * FB_SEAMCALL(function, leaf, nargs, index of the gpa argument or -1,
 *	       index of the enum pg_level argument or -1)
 */
#define FB_SEAMCALL(fn, leaf, nargs, gpa_i, level_i)			\
SEC("fentry/" #fn)							\
int fb_in_##fn(__u64 *ctx)						\
{									\
	return fb_enter();						\
}									\
SEC("fexit/" #fn)							\
int fb_out_##fn(__u64 *ctx)						\
{									\
	return fb_seamcall(TDX_LEAF_##leaf, ctx[nargs],			\
			   FB_ARG(ctx, gpa_i),				\
			   (level_i) >= 0 ?				\
			   (__s64)(__u32)FB_ARG(ctx, level_i) - 1 : -1);\
}

/* Linux 7.2 arch/x86/virt/vmx/tdx/tdx.c (tdh_vp_enter is noinstr: no fentry) */
FB_SEAMCALL(tdh_mng_addcx,		MNG_ADDCX,		2, -1, -1)
FB_SEAMCALL(tdh_mem_page_add,		MEM_PAGE_ADD,		6,  1, -1)
FB_SEAMCALL(tdh_mem_sept_add,		MEM_SEPT_ADD,		6,  1,  2)
FB_SEAMCALL(tdh_vp_addcx,		VP_ADDCX,		2, -1, -1)
FB_SEAMCALL(tdh_mem_page_aug,		MEM_PAGE_AUG,		6,  1,  2)
FB_SEAMCALL(tdh_mem_range_block,	MEM_RANGE_BLOCK,	5,  1,  2)
FB_SEAMCALL(tdh_mng_key_config,		MNG_KEY_CONFIG,		1, -1, -1)
FB_SEAMCALL(tdh_mng_create,		MNG_CREATE,		2, -1, -1)
FB_SEAMCALL(tdh_vp_create,		VP_CREATE,		2, -1, -1)
FB_SEAMCALL(tdh_mng_rd,			MNG_RD,			3, -1, -1)
FB_SEAMCALL(tdh_mr_extend,		MR_EXTEND,		4,  1, -1)
FB_SEAMCALL(tdh_mr_finalize,		MR_FINALIZE,		1, -1, -1)
FB_SEAMCALL(tdh_vp_flush,		VP_FLUSH,		1, -1, -1)
FB_SEAMCALL(tdh_mng_vpflushdone,	MNG_VPFLUSHDONE,	1, -1, -1)
FB_SEAMCALL(tdh_mng_key_freeid,		MNG_KEY_FREEID,		1, -1, -1)
FB_SEAMCALL(tdh_mng_init,		MNG_INIT,		3, -1, -1)
FB_SEAMCALL(tdh_vp_rd,			VP_RD,			3, -1, -1)
FB_SEAMCALL(tdh_vp_wr,			VP_WR,			4, -1, -1)
FB_SEAMCALL(tdh_vp_init,		VP_INIT,		3, -1, -1)
FB_SEAMCALL(tdh_phymem_page_reclaim,	PHYMEM_PAGE_RECLAIM,	4, -1, -1)
FB_SEAMCALL(tdh_mem_track,		MEM_TRACK,		1, -1, -1)
FB_SEAMCALL(tdh_mem_page_remove,	MEM_PAGE_REMOVE,	5,  1,  2)
FB_SEAMCALL(tdh_phymem_cache_wb,	PHYMEM_CACHE_WB,	1, -1, -1)
FB_SEAMCALL(tdh_phymem_page_wbinvd_tdr,	PHYMEM_PAGE_WBINVD,	1, -1, -1)
FB_SEAMCALL(tdh_phymem_page_wbinvd_hkid, PHYMEM_PAGE_WBINVD,	2, -1, -1)

static __always_inline __u32 fb_vcpu_id(struct kvm_vcpu___tdxtrace *vcpu)
{
	if (!bpf_core_field_exists(vcpu->vcpu_id))
		return 0;
	return (__u32)BPF_CORE_READ(vcpu, vcpu_id);
}

/*
 * tdx_handle_ept_violation(vcpu): time, GPA and private/shared (from the
 * TD's shared-GPA bits); the mapping level, local retries and the RET_PF_*
 * result are not visible: level 0, retries 0, result 0 or the -errno the
 * handler returned.
 */
SEC("fentry/tdx_handle_ept_violation")
int fb_in_tdx_handle_ept_violation(__u64 *ctx)
{
	return fb_enter();
}

SEC("fexit/tdx_handle_ept_violation")
int fb_out_tdx_handle_ept_violation(__u64 *ctx)
{
	struct kvm_vcpu___tdxtrace *vcpu = (void *)ctx[0];
	struct vcpu_tdx___tdxtrace *tdx = NULL;
	__s64 ret = (__s32)ctx[1];
	struct tdx_event ev;
	__u64 gpa = 0, shared = 0;

	live_event(&ev, TDX_EV_EPT_VIOLATION, 8, TDX_EVF_FALLBACK);
	if (bpf_core_field_exists(tdx->exit_gpa)) {
		tdx = (void *)vcpu - bpf_core_field_offset(tdx->vcpu);
		gpa = BPF_CORE_READ(tdx, exit_gpa);
	}
	if (bpf_core_field_exists(vcpu->kvm->arch.gfn_direct_bits))
		shared = BPF_CORE_READ(vcpu, kvm, arch.gfn_direct_bits) << 12;
	ev.args[TDX_EPT_VIOLATION_ARG_VCPU] = fb_vcpu_id(vcpu);
	ev.args[TDX_EPT_VIOLATION_ARG_GPA] = gpa;
	ev.args[TDX_EPT_VIOLATION_ARG_EXIT_QUAL] = 0;
	ev.args[TDX_EPT_VIOLATION_ARG_PRIVATE] = shared && !(gpa & shared);
	ev.args[TDX_EPT_VIOLATION_ARG_LEVEL] = 0;
	ev.args[TDX_EPT_VIOLATION_ARG_RETRIES] = 0;
	ev.args[TDX_EPT_VIOLATION_ARG_RESULT] = ret < 0 ? (__u64)ret : 0;
	ev.args[TDX_EPT_VIOLATION_ARG_DURATION] = fb_elapsed();
	tdx_handle(&ev);
	return 0;
}

/*
 * __tdx_map_gpa(tdx): one chunk of a MapGPA request handed to the VMM as
 * KVM_HC_MAP_GPA_RANGE; read back from kvm_run (uapi) after it was filled.
 */
#define TDX_KVM_MAP_GPA_RANGE_ENCRYPTED (1ULL << 4)

SEC("fexit/__tdx_map_gpa")
int fb_out___tdx_map_gpa(__u64 *ctx)
{
	struct vcpu_tdx___tdxtrace *tdx = (void *)ctx[0];
	struct kvm_vcpu___tdxtrace *vcpu;
	struct kvm_run *run = NULL;
	struct tdx_event ev;
	__u64 gpa = 0, pages = 0, attrs = 0;

	if (!bpf_core_field_exists(tdx->vcpu))
		return 0;
	live_event(&ev, TDX_EV_MAP_GPA_CHUNK, 6, TDX_EVF_FALLBACK);
	vcpu = (void *)tdx + bpf_core_field_offset(tdx->vcpu);
	if (bpf_core_field_exists(vcpu->run))
		run = BPF_CORE_READ(vcpu, run);
	if (run) {
		gpa = BPF_CORE_READ(run, hypercall.args[0]);
		pages = BPF_CORE_READ(run, hypercall.args[1]);
		attrs = BPF_CORE_READ(run, hypercall.args[2]);
	}
	ev.args[TDX_MAP_GPA_CHUNK_ARG_VCPU] = fb_vcpu_id(vcpu);
	ev.args[TDX_MAP_GPA_CHUNK_ARG_GPA] = gpa;
	ev.args[TDX_MAP_GPA_CHUNK_ARG_SIZE] = pages << 12;
	ev.args[TDX_MAP_GPA_CHUNK_ARG_TO_SHARED] =
		!(attrs & TDX_KVM_MAP_GPA_RANGE_ENCRYPTED);
	ev.args[TDX_MAP_GPA_CHUNK_ARG_HC_RET] = 0;
	ev.args[TDX_MAP_GPA_CHUNK_ARG_RETRY] = 0;
	ev.args[6] = 0;
	ev.args[7] = 0;
	tdx_handle(&ev);
	return 0;
}

/* ------------------------------------------------ 2b. stock mode: upstream tracepoints */

#include "tdx_stock.bpf.h"

/* ------------------------------------------------ 3. replay / sim / tdx_feed */

struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 4096);
} tdx_replay SEC(".maps");

static long drain_one(struct bpf_dynptr *dp, void *data)
{
	struct tdx_counters *c;
	struct tdx_event ev;

	if (bpf_dynptr_read(&ev, sizeof(ev), dp, 0, 0)) {
		c = counters();
		if (c)
			c->bad_input++;
		return 0;
	}
	tdx_handle_input(&ev);
	return 0;
}

/* Returns the number of records drained (or a negative error). */
SEC("raw_tp")
int tdx_drain(void *ctx)
{
	return bpf_user_ringbuf_drain(&tdx_replay, drain_one, NULL, 0);
}
