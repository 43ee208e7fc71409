/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdx_stock.bpf.h - stock mode: the upstream KVM tracepoints every 7.x TDX
 * host has, composed into the tdxtrace events (included by tdxtrace.bpf.c,
 * loaded with the fentry programs on the tdh_*() wrappers; issue 18).
 *
 *   kvm:kvm_entry / kvm:kvm_exit    TD entry/exit: time in the TD (entry
 *        to exit), the VMX exit reason KVM reports (vcpu_tdx.vt), the
 *        TDH.VP.ENTER status (vcpu_tdx.vp_enter_ret)  -> TDX_EV_VP_ENTER
 *   kvm_exit reason 48 + kvm:kvm_page_fault + kvmmmu:kvm_tdp_mmu_spte_changed
 *        until the next kvm_entry of that vCPU: an EPT violation with GPA,
 *        exit qualification, private/shared (the TD's shared-GPA bit),
 *        the level the fault mapped, time to re-entry -> TDX_EV_EPT_VIOLATION
 *   kvm_exit reason TDCALL (77) with TDVMCALL MapGPA (R10 0, R11 0x10001):
 *        the request (GPA R12, size R13)              -> TDX_EV_MAP_GPA
 *   kvm:kvm_vm_set_mem_attributes: each conversion the VMM makes (start,
 *        end, attributes as KVM applies them)         -> TDX_EV_MAP_GPA_CHUNK
 *
 * They build the same argument arrays as the tracepoints and go through the
 * same tdx_handle(): one aggregation.  What they cannot see is listed by
 * the loader (tdx_missing(), STOCK_MISSING in tools/lib/loader.c).
 */
#ifndef TDX_STOCK_BPF_H
#define TDX_STOCK_BPF_H

#define TDX_KVM_X86_TDX_VM		5	/* uapi/asm/kvm.h */
#define TDX_KVM_MEMORY_ATTRIBUTE_PRIVATE (1ULL << 3)
#define TDX_TDVMCALL_MAP_GPA		0x10001

struct vcpu_vt___tdxstock {
	union {
		__u32 full;
	} exit_reason;
} __attribute__((preserve_access_index));

struct tdx_module_args___tdxstock {
	__u64 r10, r11, r12, r13;
} __attribute__((preserve_access_index));

struct kvm_arch___tdxstock {
	__u8 vm_type;
	__u64 gfn_direct_bits;
} __attribute__((preserve_access_index));

struct kvm___tdxstock {
	struct kvm_arch___tdxstock arch;
} __attribute__((preserve_access_index));

struct kvm_vcpu___tdxstock {
	struct kvm___tdxstock *kvm;
	int vcpu_id;
} __attribute__((preserve_access_index));

struct vcpu_tdx___tdxstock {
	struct kvm_vcpu___tdxstock vcpu;
	struct vcpu_vt___tdxstock vt;
	struct tdx_module_args___tdxstock vp_enter_args;
	__u64 vp_enter_ret;
} __attribute__((preserve_access_index));

/* Per vCPU thread: where it is between kvm_entry and kvm_exit. */
struct stock_vcpu {
	__u64 entry_ns;		/* last kvm_entry, 0 = none seen */
	__u64 exit_ns;		/* the EPT-violation exit, while in_ept */
	__u64 gpa, exit_qual;
	__u32 in_ept, level;	/* level: highest PG_LEVEL_* mapped meanwhile */
	__u32 pf_seen, pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct stock_vcpu);
} stock_vcpu SEC(".maps");

static __always_inline struct vcpu_tdx___tdxstock *stock_td(void *v)
{
	struct kvm_vcpu___tdxstock *vcpu = v;
	struct vcpu_tdx___tdxstock *tdx = NULL;

	if (!bpf_core_field_exists(vcpu->kvm->arch.vm_type) ||
	    !bpf_core_field_exists(tdx->vt))
		return NULL;
	if (BPF_CORE_READ(vcpu, kvm, arch.vm_type) != TDX_KVM_X86_TDX_VM)
		return NULL;
	return (void *)vcpu - bpf_core_field_offset(tdx->vcpu);
}

static __always_inline struct stock_vcpu *stock_state(bool create)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct stock_vcpu *st = bpf_map_lookup_elem(&stock_vcpu, &id);
	struct stock_vcpu zero = {};

	if (st || !create)
		return st;
	bpf_map_update_elem(&stock_vcpu, &id, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&stock_vcpu, &id);
}

static __always_inline __u64 stock_shared_bit(struct kvm_vcpu___tdxstock *vcpu)
{
	if (!bpf_core_field_exists(vcpu->kvm->arch.gfn_direct_bits))
		return 0;
	return BPF_CORE_READ(vcpu, kvm, arch.gfn_direct_bits) << 12;
}

static __always_inline __u32 stock_vcpu_id(struct kvm_vcpu___tdxstock *vcpu)
{
	return bpf_core_field_exists(vcpu->vcpu_id) ? (__u32)BPF_CORE_READ(vcpu, vcpu_id) : 0;
}

/* The EPT violation a vCPU handled since its exit: emitted at re-entry. */
static __always_inline void stock_ept_done(struct kvm_vcpu___tdxstock *vcpu,
					   struct stock_vcpu *st, __u64 now)
{
	struct tdx_event ev;
	__u64 shared = stock_shared_bit(vcpu);

	live_event(&ev, TDX_EV_EPT_VIOLATION, 8, TDX_EVF_FALLBACK);
	ev.args[TDX_EPT_VIOLATION_ARG_VCPU] = stock_vcpu_id(vcpu);
	ev.args[TDX_EPT_VIOLATION_ARG_GPA] = st->gpa;
	ev.args[TDX_EPT_VIOLATION_ARG_EXIT_QUAL] = st->exit_qual;
	ev.args[TDX_EPT_VIOLATION_ARG_PRIVATE] = shared && !(st->gpa & shared);
	ev.args[TDX_EPT_VIOLATION_ARG_LEVEL] = st->level;
	ev.args[TDX_EPT_VIOLATION_ARG_RETRIES] = 0;	/* not visible */
	ev.args[TDX_EPT_VIOLATION_ARG_RESULT] = 0;	/* not visible */
	ev.args[TDX_EPT_VIOLATION_ARG_DURATION] = now - st->exit_ns;
	tdx_handle(&ev);
	st->in_ept = 0;
}

SEC("tp_btf/kvm_entry")
int BPF_PROG(stock_kvm_entry, void *v, bool force_immediate_exit)
{
	struct stock_vcpu *st;
	__u64 now;

	if (!stock_td(v))
		return 0;
	st = stock_state(true);
	if (!st)
		return 0;
	now = bpf_ktime_get_ns();
	if (st->in_ept && st->pf_seen)
		stock_ept_done(v, st, now);
	st->in_ept = 0;
	st->entry_ns = now;
	return 0;
}

SEC("tp_btf/kvm_exit")
int BPF_PROG(stock_kvm_exit, void *v, __u32 isa)
{
	struct vcpu_tdx___tdxstock *tdx = stock_td(v);
	struct stock_vcpu *st;
	struct tdx_event ev;
	__u64 now = bpf_ktime_get_ns(), status = 0;
	__u32 reason;

	if (!tdx)
		return 0;
	st = stock_state(true);
	if (!st)
		return 0;
	reason = BPF_CORE_READ(tdx, vt.exit_reason.full);
	if (bpf_core_field_exists(tdx->vp_enter_ret))
		status = BPF_CORE_READ(tdx, vp_enter_ret);
	live_event(&ev, TDX_EV_VP_ENTER, 4, TDX_EVF_FALLBACK);
	ev.args[TDX_VP_ENTER_ARG_VCPU] = stock_vcpu_id(v);
	/* the class is bits 63:32; the low half (the exit reason) is detail */
	ev.args[TDX_VP_ENTER_ARG_STATUS] = status;
	ev.args[TDX_VP_ENTER_ARG_EXIT_REASON] = reason;
	ev.args[TDX_VP_ENTER_ARG_DURATION] = st->entry_ns ? now - st->entry_ns : 0;
	if (st->entry_ns)	/* an exit whose entry was not seen has no time */
		tdx_handle(&ev);
	st->entry_ns = 0;
	if ((reason & 0xffff) == 48) {		/* EXIT_REASON_EPT_VIOLATION */
		st->in_ept = 1;
		st->pf_seen = 0;
		st->level = 0;
		st->exit_ns = now;
	} else if ((reason & 0xffff) == 77 && bpf_core_field_exists(tdx->vp_enter_args) &&
		   BPF_CORE_READ(tdx, vp_enter_args.r10) == 0 &&
		   BPF_CORE_READ(tdx, vp_enter_args.r11) == TDX_TDVMCALL_MAP_GPA) {
		__u64 gpa = BPF_CORE_READ(tdx, vp_enter_args.r12);
		__u64 shared = stock_shared_bit(v);

		live_event(&ev, TDX_EV_MAP_GPA, 4, TDX_EVF_FALLBACK);
		ev.args[TDX_MAP_GPA_ARG_VCPU] = stock_vcpu_id(v);
		ev.args[TDX_MAP_GPA_ARG_GPA] = gpa & ~shared;
		ev.args[TDX_MAP_GPA_ARG_SIZE] = BPF_CORE_READ(tdx, vp_enter_args.r13);
		ev.args[TDX_MAP_GPA_ARG_TO_SHARED] = shared && (gpa & shared);
		tdx_handle(&ev);
	}
	return 0;
}

SEC("tp_btf/kvm_page_fault")
int BPF_PROG(stock_kvm_page_fault, void *v, __u64 fault_address, __u64 error_code)
{
	struct stock_vcpu *st;

	if (!stock_td(v))
		return 0;
	st = stock_state(false);
	if (!st || !st->in_ept)
		return 0;
	st->gpa = fault_address;
	st->exit_qual = error_code;
	st->pf_seen = 1;
	return 0;
}

SEC("tp_btf/kvm_tdp_mmu_spte_changed")
int BPF_PROG(stock_spte_changed, int as_id, __u64 gfn, int level, __u64 old_spte,
	     __u64 new_spte)
{
	struct stock_vcpu *st = stock_state(false);

	/* only inside a TD vCPU's EPT violation: the level that fault mapped */
	if (!st || !st->in_ept || !st->pf_seen)
		return 0;
	if ((new_spte & 0x7) && (__u32)level > st->level)	/* present (R/W/X) */
		st->level = (__u32)level;
	return 0;
}

SEC("tp_btf/kvm_vm_set_mem_attributes")
int BPF_PROG(stock_set_mem_attributes, __u64 start, __u64 end, unsigned long attr)
{
	struct tdx_event ev;

	if (end <= start)
		return 0;
	live_event(&ev, TDX_EV_MAP_GPA_CHUNK, 6, TDX_EVF_FALLBACK);
	ev.args[TDX_MAP_GPA_CHUNK_ARG_VCPU] = 0;	/* the VMM's ioctl: no vCPU */
	ev.args[TDX_MAP_GPA_CHUNK_ARG_GPA] = start << 12;
	ev.args[TDX_MAP_GPA_CHUNK_ARG_SIZE] = (end - start) << 12;
	ev.args[TDX_MAP_GPA_CHUNK_ARG_TO_SHARED] = !(attr & TDX_KVM_MEMORY_ATTRIBUTE_PRIVATE);
	ev.args[TDX_MAP_GPA_CHUNK_ARG_HC_RET] = 0;
	ev.args[TDX_MAP_GPA_CHUNK_ARG_RETRY] = 0;
	tdx_handle(&ev);
	return 0;
}

#endif /* TDX_STOCK_BPF_H */
