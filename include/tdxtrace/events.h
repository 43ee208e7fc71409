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
 * The event table: one row per event.
 *
 *   X(ID, lower, system, tracepoint, number of TP_PROTO arguments)
 *
 * ID names the kind (TDX_EV_<ID>), the argument table (TDX_<ID>_ARGS) and
 * its enum (TDX_<ID>_ARG_<FIELD>); `lower` names the aggregation function
 * agg_<lower>() in bpf/tdx_agg.bpf.h.  From this table follow: the BPF
 * programs (tp_btf/raw_tp per row) and their dispatch, the replay checks,
 * the names (tdx_event_name), the trace.dat field map, the event decoder
 * of `tdxtrace sim`/`record -P`, and the field tables of
 * docs/tracepoints.md (checked by tests/unit/test_abi).
 */
#define TDX_EVENT_TABLE(X)							\
	X(SEAMCALL,	  seamcall,	  "tdx",    "tdx_seamcall",		7) \
	X(VP_ENTER,	  vp_enter,	  "kvm",    "kvm_tdx_vp_enter_exit",	4) \
	X(EPT_VIOLATION,  ept_violation,  "kvm",    "kvm_tdx_ept_violation",	8) \
	X(MAP_GPA,	  map_gpa,	  "kvm",    "kvm_tdx_map_gpa",		4) \
	X(MAP_GPA_CHUNK,  map_gpa_chunk,  "kvm",    "kvm_tdx_map_gpa_chunk",	6) \
	X(MAP_GPA_DONE,	  map_gpa_done,	  "kvm",    "kvm_tdx_map_gpa_done",	7) \
	X(FROZEN_RETRY,	  frozen_retry,	  "kvmmmu", "kvm_tdp_mmu_frozen_retry",	4) \
	X(SPTE_FROZEN,	  spte_frozen,	  "kvmmmu", "kvm_tdp_mmu_spte_frozen",	5) \
	X(HUGEPAGE_MIXED, hugepage_mixed, "kvmmmu", "kvm_mmu_hugepage_mixed",	3) \
	X(PRIVATE_MAP,	  private_map,	  "kvmmmu", "kvm_mmu_private_map",	3)

enum tdx_event_kind {
	TDX_EV_NONE = 0,
#define TDX_X_ENUM(id, lower, sys, name, nargs) TDX_EV_##id,
	TDX_EVENT_TABLE(TDX_X_ENUM)
#undef TDX_X_ENUM
	TDX_EV_MAX,
};

/*
 * Argument tables, one per event, in TP_PROTO order (that order is the ABI):
 *
 *   A(FIELD, "tracefs field|alias...", format, "meaning")
 *
 * The first name is the field of the tracepoint's format file (kernel/
 * patches), the others older spellings the trace.dat importer accepts.
 * format: U unsigned, S signed (carried sign-extended), X hex, B bool.
 */
#define TDX_SEAMCALL_ARGS(A, c)							\
	A(c, LEAF,	    "leaf|fn",		       X, "leaf incl. version bits (RAX in)") \
	A(c, STATUS,   "status|err",	       X, "full completion status (RAX out)") \
	A(c, TDR,	    "tdr",		       X, "TDR physical address, 0 if none") \
	A(c, GPA,	    "gpa",		       X, "GPA operand (MEM leaves), else 0") \
	A(c, LEVEL,    "level",		       S, "SEPT level (0=4K, 1=2M, 2=1G), -1 n/a") \
	A(c, RETRIES,  "retries",		       U, "RND_NO_ENTROPY retries (0 = first try)") \
	A(c, DURATION, "duration_ns|duration",    U, "ns, first try to final return")

#define TDX_VP_ENTER_ARGS(A, c)							\
	A(c, VCPU,	       "vcpu_id|vcpu",	       U, "vcpu_id")			\
	A(c, STATUS,      "status",	       X, "TDH.VP.ENTER status (RAX)")	\
	A(c, EXIT_REASON, "exit_reason",	       U, "VMX basic exit reason (low 16 bits)") \
	A(c, DURATION,    "duration_ns|duration", U, "ns, before entry to after exit")

#define TDX_EPT_VIOLATION_ARGS(A, c)						\
	A(c, VCPU,	     "vcpu_id|vcpu",		 U, "vcpu_id")			\
	A(c, GPA,	     "gpa",			 X, "faulting GPA (shared bit included)") \
	A(c, EXIT_QUAL, "exit_qual|exit_qualification", X, "exit qualification")	\
	A(c, PRIVATE,   "private|is_private",	 B, "private (1) or shared (0) GPA") \
	A(c, LEVEL,     "level",			 S, "mapping level, PG_LEVEL_* (1=4K)") \
	A(c, RETRIES,   "retries",			 U, "local retries (zero-step mitigation loop)") \
	A(c, RESULT,    "result|ret",		 S, "final RET_PF_* or -errno")	\
	A(c, DURATION,  "duration_ns|duration",	 U, "ns in the handler")

#define TDX_MAP_GPA_ARGS(A, c)							\
	A(c, VCPU,	     "vcpu_id|vcpu", U, "vcpu_id")				\
	A(c, GPA,	     "gpa",	     X, "start (shared bit stripped)")		\
	A(c, SIZE,	     "size",	     U, "bytes")				\
	A(c, TO_SHARED, "to_shared",    B, "1 = to shared, 0 = to private")

#define TDX_MAP_GPA_CHUNK_ARGS(A, c)						\
	A(c, VCPU,	     "vcpu_id|vcpu", U, "vcpu_id")				\
	A(c, GPA,	     "gpa",	     X, "chunk start")				\
	A(c, SIZE,	     "size",	     U, "chunk bytes")				\
	A(c, TO_SHARED, "to_shared",    B, "1 = to shared, 0 = to private")	\
	A(c, HC_RET,    "hc_ret",	     S, "KVM_HC_MAP_GPA_RANGE return from the VMM") \
	A(c, RETRY,     "retry",	     B, "handed back to the guest as RETRY")

#define TDX_MAP_GPA_DONE_ARGS(A, c)						\
	A(c, VCPU,	     "vcpu_id|vcpu",	     U, "vcpu_id")			\
	A(c, GPA,	     "gpa",		     X, "request start")		\
	A(c, SIZE,	     "size",		     U, "bytes converted (may be < requested)") \
	A(c, TO_SHARED, "to_shared",	     B, "1 = to shared, 0 = to private") \
	A(c, STATUS,    "status",		     U, "TDVMCALL status to the guest (0 = SUCCESS)") \
	A(c, CHUNKS,    "chunks",		     U, "chunks handed to user space")	\
	A(c, DURATION,  "duration_ns|duration", U, "ns, request to completion (round trip)")

#define TDX_FROZEN_RETRY_ARGS(A, c)						\
	A(c, VCPU,	  "vcpu_id|vcpu",     U, "vcpu_id of the waiter")		\
	A(c, GFN,	  "gfn",	      X, "gfn")					\
	A(c, LEVEL,  "level",	      S, "PG_LEVEL_* of the frozen SPTE")	\
	A(c, MIRROR, "mirror|is_mirror", B, "1 = mirror (private) root, 0 = direct")

#define TDX_SPTE_FROZEN_ARGS(A, c)							\
	A(c, GFN,	  "gfn",	      X, "gfn")					\
	A(c, LEVEL,  "level",	      S, "PG_LEVEL_*")				\
	A(c, MIRROR, "mirror|is_mirror", B, "1 = mirror (private) root, 0 = direct") \
	A(c, HELD,	  "held_ns|held",     U, "ns between freeze and unfreeze")	\
	A(c, RESULT, "result|ret",	      S, "0 or -errno of the external op")

#define TDX_HUGEPAGE_MIXED_ARGS(A, c)						\
	A(c, GFN,	 "gfn",		  X, "first gfn of the range")			\
	A(c, LEVEL, "level",	  S, "PG_LEVEL_2M (2) or PG_LEVEL_1G (3)")	\
	A(c, MIXED, "state|mixed",	  B, "new state: 1 mixed, 0 not mixed")

#define TDX_PRIVATE_MAP_ARGS(A, c)							\
	A(c, GFN,	  "gfn",	   X, "gfn")					\
	A(c, LEVEL,  "level",	   S, "PG_LEVEL_* it is mapped at")		\
	A(c, MAPPED, "state|mapped",  B, "1 = mapped, 0 = zapped")

/* TDX_<ID>_ARG_<FIELD>: the index of each argument in args[]; TDX_<ID>_NARGS. */
#define TDX_X_ARG_ONE(id, f, n, fmt, doc) TDX_##id##_ARG_##f,
#define TDX_X_ARG_ENUM(id, lower, sys, name, nargs)			\
	enum { TDX_##id##_ARGS(TDX_X_ARG_ONE, id) TDX_##id##_NARGS };
TDX_EVENT_TABLE(TDX_X_ARG_ENUM)
#undef TDX_X_ARG_ENUM

/* The table's argument count is the argument table's length. */
#define TDX_X_NARGS_OK(id, lower, sys, name, nargs)			\
	_Static_assert(nargs == TDX_##id##_NARGS, #id ": nargs != argument table");
TDX_EVENT_TABLE(TDX_X_NARGS_OK)
#undef TDX_X_NARGS_OK

/* Argument formats (the `format` column). */
enum tdx_arg_fmt { TDX_ARG_U, TDX_ARG_S, TDX_ARG_X, TDX_ARG_B };

/* TDVMCALL status codes the MapGPA path returns (asm/shared/tdx.h). */
#define TDVMCALL_STATUS_SUCCESS		0x0000000000000000ULL
#define TDVMCALL_STATUS_RETRY		0x0000000000000001ULL
#define TDVMCALL_STATUS_INVALID_OPERAND	0x8000000000000000ULL
#define TDVMCALL_STATUS_ALIGN_ERROR	0x8000000000000002ULL

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
