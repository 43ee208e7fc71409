/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * events.h - the tdxtrace event ABI.
 *
 * Every event tdxtrace consumes is a kernel tracepoint of the series in
 * kernel/patches.  This header fixes, for each, the tracepoint's name and the
 * order of its TP_PROTO arguments.  That order *is* the ABI:
 *
 *  - raw_tp / tp_btf BPF programs read ctx->args[TDX_<EV>_ARG_<FIELD>];
 *  - the fentry fallback builds the same u64 array from function arguments;
 *  - a record file stores struct tdx_event, i.e. kind + the same u64 array;
 *  - replay and the simulator push struct tdx_event into a BPF user ring
 *    buffer whose drain callback calls the same aggregation functions.
 *
 * So every source reaches one aggregation path with identical inputs.
 * Arguments narrower than 64 bits are carried zero-extended (bool, u32, u8)
 * or sign-extended (int) as the kernel's raw tracepoint glue does.
 *
 * The TD an event belongs to is the thread group (process id) of the VMM that
 * ran it (struct tdx_event.pid): KVM runs SEAMCALLs, EPT violations, MapGPA
 * and memory-attribute changes in the VMM's vCPU or ioctl threads.
 * SEAMCALL events additionally carry the TD's TDR physical address (0 for
 * module-global leaves) for consumers that see no process.
 */
#ifndef TDXTRACE_EVENTS_H
#define TDXTRACE_EVENTS_H

#include "types.h"

#define TDX_EV_MAX_ARGS 8

/*
 * X(ID, system, tracepoint name, number of TP_PROTO arguments)
 */
#define TDX_EVENT_TABLE(X)						\
	X(SEAMCALL,	    "tdx",    "tdx_seamcall",		  7)	\
	X(VP_ENTER,	    "kvm",    "kvm_tdx_vp_enter_exit",	  4)	\
	X(EPT_VIOLATION,    "kvm",    "kvm_tdx_ept_violation",	  8)	\
	X(MAP_GPA,	    "kvm",    "kvm_tdx_map_gpa",	  4)	\
	X(MAP_GPA_CHUNK,    "kvm",    "kvm_tdx_map_gpa_chunk",	  6)	\
	X(MAP_GPA_DONE,	    "kvm",    "kvm_tdx_map_gpa_done",	  7)	\
	X(FROZEN_RETRY,	    "kvmmmu", "kvm_tdp_mmu_frozen_retry", 4)	\
	X(SPTE_FROZEN,	    "kvmmmu", "kvm_tdp_mmu_spte_frozen",  5)	\
	X(HUGEPAGE_MIXED,   "kvmmmu", "kvm_mmu_hugepage_mixed",	  3)	\
	X(PRIVATE_MAP,	    "kvmmmu", "kvm_mmu_private_map",	  3)

enum tdx_event_kind {
	TDX_EV_NONE = 0,
#define TDX_X_ENUM(id, sys, name, nargs) TDX_EV_##id,
	TDX_EVENT_TABLE(TDX_X_ENUM)
#undef TDX_X_ENUM
	TDX_EV_MAX,
};

/*
 * tdx:tdx_seamcall - one SEAMCALL through the host wrappers (sc_retry path),
 * fired after it returns, RND_NO_ENTROPY retries folded in.
 */
enum {
	TDX_SEAMCALL_ARG_LEAF,		/* u64: leaf incl. version bits (RAX in) */
	TDX_SEAMCALL_ARG_STATUS,	/* u64: full completion status (RAX out) */
	TDX_SEAMCALL_ARG_TDR,		/* u64: TDR physical address, 0 if none */
	TDX_SEAMCALL_ARG_GPA,		/* u64: GPA operand (MEM leaves), else 0 */
	TDX_SEAMCALL_ARG_LEVEL,		/* int: SEPT level (0=4K,1=2M,2=1G), -1 n/a */
	TDX_SEAMCALL_ARG_RETRIES,	/* u32: RND_NO_ENTROPY retries (0 = first try) */
	TDX_SEAMCALL_ARG_DURATION,	/* u64: ns, first try to final return */
};

/* kvm:kvm_tdx_vp_enter_exit - TDH.VP.ENTER outcome, traced around noinstr code */
enum {
	TDX_VP_ENTER_ARG_VCPU,		/* u32: vcpu_id */
	TDX_VP_ENTER_ARG_STATUS,	/* u64: VP.ENTER status (RAX) */
	TDX_VP_ENTER_ARG_EXIT_REASON,	/* u32: VMX basic exit reason (low 16 bits) */
	TDX_VP_ENTER_ARG_DURATION,	/* u64: ns, before entry to after exit */
};

/* kvm:kvm_tdx_ept_violation - one tdx_handle_ept_violation() */
enum {
	TDX_EPT_ARG_VCPU,		/* u32: vcpu_id */
	TDX_EPT_ARG_GPA,		/* u64: faulting GPA (shared bit included) */
	TDX_EPT_ARG_EXIT_QUAL,		/* u64: exit qualification */
	TDX_EPT_ARG_PRIVATE,		/* bool: private (1) or shared (0) GPA */
	TDX_EPT_ARG_LEVEL,		/* int: mapping level, PG_LEVEL_* (1=4K) */
	TDX_EPT_ARG_RETRIES,		/* u32: local retries (zero-step mitigation loop) */
	TDX_EPT_ARG_RESULT,		/* int: final RET_PF_* or -errno */
	TDX_EPT_ARG_DURATION,		/* u64: ns in the handler */
};

/* kvm:kvm_tdx_map_gpa - the guest asks to convert [gpa, gpa+size) */
enum {
	TDX_MAP_GPA_ARG_VCPU,		/* u32 */
	TDX_MAP_GPA_ARG_GPA,		/* u64: start (shared bit stripped) */
	TDX_MAP_GPA_ARG_SIZE,		/* u64: bytes */
	TDX_MAP_GPA_ARG_TO_SHARED,	/* bool: 1 = to shared, 0 = to private */
};

/* kvm:kvm_tdx_map_gpa_chunk - user space completed one ≤2 MiB chunk */
enum {
	TDX_MAP_CHUNK_ARG_VCPU,		/* u32 */
	TDX_MAP_CHUNK_ARG_GPA,		/* u64: chunk start */
	TDX_MAP_CHUNK_ARG_SIZE,		/* u64: chunk bytes */
	TDX_MAP_CHUNK_ARG_TO_SHARED,	/* bool */
	TDX_MAP_CHUNK_ARG_HC_RET,	/* s64: KVM_HC_MAP_GPA_RANGE return from VMM */
	TDX_MAP_CHUNK_ARG_RETRY,	/* bool: handed back to the guest as RETRY */
};

/* kvm:kvm_tdx_map_gpa_done - the request finished (success, error, or retry) */
enum {
	TDX_MAP_DONE_ARG_VCPU,		/* u32 */
	TDX_MAP_DONE_ARG_GPA,		/* u64: request start */
	TDX_MAP_DONE_ARG_SIZE,		/* u64: bytes converted (may be < requested) */
	TDX_MAP_DONE_ARG_TO_SHARED,	/* bool */
	TDX_MAP_DONE_ARG_STATUS,	/* u64: TDVMCALL status to the guest (0 = SUCCESS) */
	TDX_MAP_DONE_ARG_CHUNKS,	/* u32: chunks handed to user space */
	TDX_MAP_DONE_ARG_DURATION,	/* u64: ns, request to completion (round trip) */
};

/* TDVMCALL status codes the MapGPA path returns (asm/shared/tdx.h). */
#define TDVMCALL_STATUS_SUCCESS		0x0000000000000000ULL
#define TDVMCALL_STATUS_RETRY		0x0000000000000001ULL
#define TDVMCALL_STATUS_INVALID_OPERAND	0x8000000000000000ULL
#define TDVMCALL_STATUS_ALIGN_ERROR	0x8000000000000002ULL

/* kvmmmu:kvm_tdp_mmu_frozen_retry - a fault met FROZEN_SPTE and will retry */
enum {
	TDX_FROZEN_RETRY_ARG_VCPU,	/* u32: vcpu_id of the waiter */
	TDX_FROZEN_RETRY_ARG_GFN,	/* u64 */
	TDX_FROZEN_RETRY_ARG_LEVEL,	/* int: PG_LEVEL_* of the frozen SPTE */
	TDX_FROZEN_RETRY_ARG_MIRROR,	/* bool: 1 = mirror (private) root, 0 = direct */
};

/* kvmmmu:kvm_tdp_mmu_spte_frozen - an SPTE was frozen around an external op */
enum {
	TDX_SPTE_FROZEN_ARG_GFN,	/* u64 */
	TDX_SPTE_FROZEN_ARG_LEVEL,	/* int: PG_LEVEL_* */
	TDX_SPTE_FROZEN_ARG_MIRROR,	/* bool */
	TDX_SPTE_FROZEN_ARG_HELD,	/* u64: ns between freeze and unfreeze */
	TDX_SPTE_FROZEN_ARG_RESULT,	/* int: 0 or -errno of the external op */
};

/* kvmmmu:kvm_mmu_hugepage_mixed - a 2M/1G range became mixed or not mixed */
enum {
	TDX_MIXED_ARG_GFN,		/* u64: first gfn of the range */
	TDX_MIXED_ARG_LEVEL,		/* int: PG_LEVEL_2M (2) or PG_LEVEL_1G (3) */
	TDX_MIXED_ARG_MIXED,		/* bool: new state */
};

/* kvmmmu:kvm_mmu_private_map - a private leaf SPTE was installed or removed */
enum {
	TDX_PRIVATE_MAP_ARG_GFN,	/* u64 */
	TDX_PRIVATE_MAP_ARG_LEVEL,	/* int: PG_LEVEL_* it is mapped at */
	TDX_PRIVATE_MAP_ARG_MAPPED,	/* bool: 1 = mapped, 0 = zapped */
};

/* Page-table levels as the kernel numbers them (enum pg_level). */
enum tdx_pg_level {
	TDX_PG_LEVEL_NONE = 0,
	TDX_PG_LEVEL_4K = 1,
	TDX_PG_LEVEL_2M = 2,
	TDX_PG_LEVEL_1G = 3,
	TDX_PG_LEVEL_MAX = 4,
};

/* KVM's RET_PF_* (arch/x86/kvm/mmu/mmu_internal.h, 7.2 order) */
#define TDX_RET_PF_TABLE(X)		\
	X(CONTINUE,	   0)		\
	X(RETRY,	   1)		\
	X(EMULATE,	   2)		\
	X(WRITE_PROTECTED, 3)		\
	X(INVALID,	   4)		\
	X(FIXED,	   5)		\
	X(SPURIOUS,	   6)
#define TDX_EPT_RESULT_ERR	7	/* result < 0 (-errno) */
#define TDX_EPT_RESULT_MAX	8

/*
 * One event as streamed (BPF ring buffer), recorded (record file) and
 * replayed (BPF user ring buffer).  88 bytes, no padding holes.
 */
struct tdx_event {
	__u64 ts_ns;		/* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u32 pid;		/* TD: thread group id of the VMM */
	__u32 tid;		/* thread (vCPU thread) */
	__u16 kind;		/* enum tdx_event_kind */
	__u16 cpu;
	__u16 nargs;		/* valid entries in args[] */
	__u16 flags;		/* TDX_EVF_* */
	__u64 args[TDX_EV_MAX_ARGS];
};

#define TDX_EVF_FALLBACK	0x1	/* built by the fentry fallback */
#define TDX_EVF_SIM		0x2	/* generated by the simulator */

#endif /* TDXTRACE_EVENTS_H */
