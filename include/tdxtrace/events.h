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
 *
 * Events of kernel series v2 that can fire outside the VMM's threads (MMU
 * notifiers, IPIs, kworkers, teardown) name their TD in their first TP_PROTO
 * argument instead (kvm->userspace_pid).  That argument is the row
 * A(c, PID, "pid", int, P, ...) of their argument table; its value becomes
 * struct tdx_event.pid and it is not in args[], so args[] holds the
 * tracepoint's other arguments in TP_PROTO order (TDX_<ID>_TD_ARG is 1 for
 * these events, 0 for the others).
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
	X(PRIVATE_MAP,	  private_map,	  "kvmmmu", "kvm_mmu_private_map",	3) \
	X(SEPT_ZAP,	  sept_zap,	  "kvm",    "kvm_tdx_sept_zap",		7) \
	X(BUSY_KICK,	  busy_kick,	  "kvm",    "kvm_tdx_busy_kick",	5) \
	X(TRACK,	  track,	  "kvm",    "kvm_tdx_track",		4) \
	X(VCPU_BOUNCE,	  vcpu_bounce,	  "kvm",    "kvm_tdx_vcpu_bounce",	2) \
	X(TD_BUILD,	  td_build,	  "kvm",    "kvm_tdx_td_build",		9) \
	X(CACHE_WB,	  cache_wb,	  "kvm",    "kvm_tdx_cache_wb",		4) \
	X(HKID_RELEASE,	  hkid_release,	  "kvm",    "kvm_tdx_hkid_release",	6) \
	X(HKID_LEAK,	  hkid_leak,	  "kvm",    "kvm_tdx_hkid_leak",	4) \
	X(TDVMCALL,	  tdvmcall,	  "kvm",    "kvm_tdx_tdvmcall",		4) \
	X(ATTR_ZAP,	  attr_zap,	  "kvmmmu", "kvm_mmu_attr_zap",		6)

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
 *   A(c, FIELD, "tracefs field|alias...", type, format, "meaning")
 *
 * The first name is the field of the tracepoint's format file (kernel/
 * patches), the others older spellings the trace.dat importer accepts.
 * type: the TP_PROTO type (u64, s64, u32, int, bool; checked against the
 * kernel's BTF in vmtest).  format: U unsigned, S signed (carried
 * sign-extended), X hex, B bool, P the TD's pid (first argument only; see
 * the top of this file).  c is the event ID, for the generators.
 */
#define TDX_SEAMCALL_ARGS(A, c)							\
	A(c, LEAF,	    "leaf|fn", u64, X, "leaf incl. version bits (RAX in)") \
	A(c, STATUS,   "status|err", u64, X, "full completion status (RAX out)") \
	A(c, TDR,	    "tdr", u64, X, "TDR physical address, 0 if none") \
	A(c, GPA,	    "gpa", u64, X, "GPA operand (MEM leaves), else 0") \
	A(c, LEVEL,    "level", int, S, "SEPT level (0=4K, 1=2M, 2=1G), -1 n/a") \
	A(c, RETRIES,  "retries", u32, U, "RND_NO_ENTROPY retries (0 = first try)") \
	A(c, DURATION, "duration_ns|duration", u64, U, "ns, first try to final return")

#define TDX_VP_ENTER_ARGS(A, c)							\
	A(c, VCPU,	       "vcpu_id|vcpu", u32, U, "vcpu_id")			\
	A(c, STATUS,      "status", u64, X, "TDH.VP.ENTER status (RAX)")	\
	A(c, EXIT_REASON, "exit_reason", u32, U, "VMX basic exit reason (low 16 bits)") \
	A(c, DURATION,    "duration_ns|duration", u64, U, "ns, before entry to after exit")

#define TDX_EPT_VIOLATION_ARGS(A, c)						\
	A(c, VCPU,	     "vcpu_id|vcpu", u32, U, "vcpu_id")			\
	A(c, GPA,	     "gpa", u64, X, "faulting GPA (shared bit included)") \
	A(c, EXIT_QUAL, "exit_qual|exit_qualification", u64, X, "exit qualification")	\
	A(c, PRIVATE,   "private|is_private", bool, B, "private (1) or shared (0) GPA") \
	A(c, LEVEL,     "level", int, S, "mapping level, PG_LEVEL_* (1=4K)") \
	A(c, RETRIES,   "retries", u32, U, "local retries (zero-step mitigation loop)") \
	A(c, RESULT,    "result|ret", int, S, "final RET_PF_* or -errno")	\
	A(c, DURATION,  "duration_ns|duration", u64, U, "ns in the handler")

#define TDX_MAP_GPA_ARGS(A, c)							\
	A(c, VCPU,	     "vcpu_id|vcpu", u32, U, "vcpu_id")				\
	A(c, GPA,	     "gpa", u64, X, "start (shared bit stripped)")		\
	A(c, SIZE,	     "size", u64, U, "bytes")				\
	A(c, TO_SHARED, "to_shared", bool, B, "1 = to shared, 0 = to private")

#define TDX_MAP_GPA_CHUNK_ARGS(A, c)						\
	A(c, VCPU,	     "vcpu_id|vcpu", u32, U, "vcpu_id")				\
	A(c, GPA,	     "gpa", u64, X, "chunk start")				\
	A(c, SIZE,	     "size", u64, U, "chunk bytes")				\
	A(c, TO_SHARED, "to_shared", bool, B, "1 = to shared, 0 = to private")	\
	A(c, HC_RET,    "hc_ret", s64, S, "KVM_HC_MAP_GPA_RANGE return from the VMM") \
	A(c, RETRY,     "retry", bool, B, "handed back to the guest as RETRY")

#define TDX_MAP_GPA_DONE_ARGS(A, c)						\
	A(c, VCPU,	     "vcpu_id|vcpu", u32, U, "vcpu_id")			\
	A(c, GPA,	     "gpa", u64, X, "request start")		\
	A(c, SIZE,	     "size", u64, U, "bytes converted (may be < requested)") \
	A(c, TO_SHARED, "to_shared", bool, B, "1 = to shared, 0 = to private") \
	A(c, STATUS,    "status", u64, U, "TDVMCALL status to the guest (0 = SUCCESS)") \
	A(c, CHUNKS,    "chunks", u32, U, "chunks handed to user space")	\
	A(c, DURATION,  "duration_ns|duration", u64, U, "ns, request to completion (round trip)")

#define TDX_FROZEN_RETRY_ARGS(A, c)						\
	A(c, VCPU,	  "vcpu_id|vcpu", u32, U, "vcpu_id of the waiter")		\
	A(c, GFN,	  "gfn", u64, X, "gfn")					\
	A(c, LEVEL,  "level", int, S, "PG_LEVEL_* of the frozen SPTE")	\
	A(c, MIRROR, "mirror|is_mirror", bool, B, "1 = mirror (private) root, 0 = direct")

#define TDX_SPTE_FROZEN_ARGS(A, c)							\
	A(c, GFN,	  "gfn", u64, X, "gfn")					\
	A(c, LEVEL,  "level", int, S, "PG_LEVEL_*")				\
	A(c, MIRROR, "mirror|is_mirror", bool, B, "1 = mirror (private) root, 0 = direct") \
	A(c, HELD,	  "held_ns|held", u64, U, "ns between freeze and unfreeze")	\
	A(c, RESULT, "result|ret", int, S, "0 or -errno of the external op")

#define TDX_HUGEPAGE_MIXED_ARGS(A, c)						\
	A(c, GFN,	 "gfn", u64, X, "first gfn of the range")			\
	A(c, LEVEL, "level", int, S, "PG_LEVEL_2M (2) or PG_LEVEL_1G (3)")	\
	A(c, MIXED, "state|mixed", bool, B, "new state: 1 mixed, 0 not mixed")

#define TDX_PRIVATE_MAP_ARGS(A, c)							\
	A(c, GFN,	  "gfn", u64, X, "gfn")					\
	A(c, LEVEL,  "level", int, S, "PG_LEVEL_* it is mapped at")		\
	A(c, MAPPED, "state|mapped", bool, B, "1 = mapped, 0 = zapped")

/* --- kernel series v2: S-EPT zap, busy escalation, TLB tracking ---------- */
#define TDX_SEPT_ZAP_ARGS(A, c)							\
	A(c, PID,	  "pid", int, P, "TD (kvm->userspace_pid)")		\
	A(c, GFN,	  "gfn", u64, X, "gfn of the private leaf SPTE removed") \
	A(c, LEVEL,	  "level", int, S, "PG_LEVEL_* (1=4K)")		\
	A(c, FAILED_LEAF, "failed_leaf", u16, U, "leaf that failed: 0 none, 7 BLOCK, 29 REMOVE, 41 WBINVD") \
	A(c, STATUS,	  "status", u64, X, "status of failed_leaf, 0 if none")	\
	A(c, KICKS,	  "kicks", u32, U, "busy kicks (kvm_tdx_busy_kick) during this zap") \
	A(c, DURATION,	  "duration_ns", u64, U, "ns, whole zap")

#define TDX_BUSY_KICK_ARGS(A, c)						\
	A(c, PID,	   "pid", int, P, "TD (kvm->userspace_pid)")		\
	A(c, LEAF,	   "leaf", u16, U, "leaf that met OPERAND_BUSY: 7 BLOCK, 29 REMOVE, 38 TRACK") \
	A(c, STATUS,	   "status", u64, X, "the OPERAND_BUSY status; operand id = bits 31:0") \
	A(c, RETRY_STATUS, "retry_status", u64, X, "status of the retry after the kick") \
	A(c, KICK,	   "kick_ns", u64, U, "ns, kick of all vCPUs + retried SEAMCALL")

#define TDX_TRACK_ARGS(A, c)							\
	A(c, PID,	  "pid", int, P, "TD (kvm->userspace_pid)")		\
	A(c, STATUS,	  "status", u64, X, "TDH.MEM.TRACK status")		\
	A(c, TRACK,	  "track_ns", u64, U, "ns in TDH.MEM.TRACK incl. a busy kick") \
	A(c, IPI,	  "ipi_ns", u64, U, "ns in kvm_make_all_cpus_request()")

#define TDX_VCPU_BOUNCE_ARGS(A, c)						\
	A(c, PID,	  "pid", int, P, "TD (kvm->userspace_pid)")		\
	A(c, VCPU,	  "vcpu_id", u32, U, "vCPU held out of the TD by a S-EPT zap")

/* --- kernel series v2: TD build and teardown ------------------------------ */
#define TDX_TD_BUILD_ARGS(A, c)							\
	A(c, PID,	  "pid", int, P, "TD (kvm->userspace_pid)")		\
	A(c, VCPU,	  "vcpu_id", int, S, "vCPU, -1 for VM commands")	\
	A(c, CMD,	  "cmd", u32, U, "KVM_TDX_* command: 1 INIT_VM, 2 INIT_VCPU, 3 INIT_MEM_REGION, 4 FINALIZE_VM") \
	A(c, GPA,	  "gpa", u64, X, "first GPA (INIT_MEM_REGION)")	\
	A(c, NR_PAGES,	  "nr_pages", u64, U, "pages added (INIT_MEM_REGION)")	\
	A(c, MEASURED,	  "measured", bool, B, "KVM_TDX_MEASURE_MEMORY_REGION")	\
	A(c, RET,	  "ret", int, S, "ioctl result (0 or -errno)")		\
	A(c, HW_ERROR,	  "hw_error", u64, X, "SEAMCALL status handed to user space") \
	A(c, DURATION,	  "duration_ns", u64, U, "ns in the command")

#define TDX_CACHE_WB_ARGS(A, c)							\
	A(c, PID,	  "pid", int, P, "TD (kvm->userspace_pid)")		\
	A(c, HKID,	  "hkid", int, S, "the TD's private key id")		\
	A(c, RESUMES,	  "resumes", u32, U, "TDH.PHYMEM.CACHE.WB resumed after INTERRUPTED_RESUMABLE") \
	A(c, STATUS,	  "status", u64, X, "final status (NO_HKID_READY_TO_WBCACHE = 0)")

#define TDX_HKID_RELEASE_ARGS(A, c)						\
	A(c, PID,	  "pid", int, P, "TD (kvm->userspace_pid)")		\
	A(c, HKID,	  "hkid", int, S, "the TD's private key id")		\
	A(c, NR_VCPUS,	  "nr_vcpus", u32, U, "vCPUs flushed")			\
	A(c, STATUS,	  "status", u64, X, "status of the last SEAMCALL")	\
	A(c, RELEASED,	  "released", bool, B, "1 = HKID freed, 0 = leaked")	\
	A(c, DURATION,	  "duration_ns", u64, U, "ns, whole release")

#define TDX_HKID_LEAK_ARGS(A, c)						\
	A(c, PID,	  "pid", int, P, "TD (kvm->userspace_pid)")		\
	A(c, HKID,	  "hkid", int, S, "the key id that is lost until reboot") \
	A(c, LEAF,	  "leaf", u16, U, "leaf that failed: 19 VPFLUSHDONE, 20 KEY.FREEID") \
	A(c, STATUS,	  "status", u64, X, "its status")

/* --- kernel series v2: TDVMCALLs and attribute zaps ----------------------- */
#define TDX_TDVMCALL_ARGS(A, c)							\
	A(c, VCPU,	  "vcpu_id", u32, U, "vcpu_id")				\
	A(c, LEAF,	  "leaf", u64, X, "TDVMCALL sub-function (R11): 0x10000 GetTdVmCallInfo, 0x10001 MapGPA, 0x10002 GetQuote, 0x10003 ReportFatalError, 0x10004 SetupEventNotifyInterrupt") \
	A(c, STATUS,	  "status", u64, X, "TDVMCALL status to the guest (R10), 0 when user_exit") \
	A(c, USER_EXIT,	  "user_exit", bool, B, "handed to the VMM (KVM_EXIT_TDX/HYPERCALL)")

#define TDX_ATTR_ZAP_ARGS(A, c)							\
	A(c, PID,	  "pid", int, P, "TD (kvm->userspace_pid)")		\
	A(c, START,	  "start", u64, X, "first gfn")				\
	A(c, END,	  "end", u64, X, "gfn after the last (exclusive)")	\
	A(c, TO_PRIVATE,  "to_private", bool, B, "1 = shared mappings zapped (to private), 0 = private") \
	A(c, FLUSH,	  "flush", bool, B, "a TLB flush was needed")		\
	A(c, DURATION,	  "duration_ns", u64, U, "ns in the zap")

/*
 * TDX_<ID>_ARG_<FIELD>: the index of each argument in args[] (the TD's pid
 * row, format P, has none: it is struct tdx_event.pid); TDX_<ID>_NARGS the
 * length of args[]; TDX_<ID>_TD_ARG 1 if the tracepoint's first argument is
 * the TD's pid.  TDX_<ID>_TP_<FIELD>: the TP_PROTO position (ctx index).
 */
#define TDX_X_ARG_ONE(id, f, n, type, fmt, doc) TDX_X_ARG_ONE_##fmt(id, f)
#define TDX_X_ARG_ONE_U(id, f) TDX_##id##_ARG_##f,
#define TDX_X_ARG_ONE_S(id, f) TDX_##id##_ARG_##f,
#define TDX_X_ARG_ONE_X(id, f) TDX_##id##_ARG_##f,
#define TDX_X_ARG_ONE_B(id, f) TDX_##id##_ARG_##f,
#define TDX_X_ARG_ONE_P(id, f)
#define TDX_X_ARG_TP(id, f, n, type, fmt, doc) TDX_##id##_TP_##f,
#define TDX_X_ARG_ISTD(id, f, n, type, fmt, doc) TDX_X_ARG_ISTD_##fmt
#define TDX_X_ARG_ISTD_U
#define TDX_X_ARG_ISTD_S
#define TDX_X_ARG_ISTD_X
#define TDX_X_ARG_ISTD_B
#define TDX_X_ARG_ISTD_P +1
#define TDX_X_ARG_ENUM(id, lower, sys, name, nargs)			\
	enum { TDX_##id##_ARGS(TDX_X_ARG_ONE, id) TDX_##id##_NARGS };	\
	enum { TDX_##id##_ARGS(TDX_X_ARG_TP, id) TDX_##id##_TP_NARGS };	\
	enum { TDX_##id##_TD_ARG = 0 TDX_##id##_ARGS(TDX_X_ARG_ISTD, id) };
TDX_EVENT_TABLE(TDX_X_ARG_ENUM)
#undef TDX_X_ARG_ENUM

/*
 * The table's argument count is the argument table's length; a P row is the
 * first; args[] fits struct tdx_event.
 */
#define TDX_X_ARG_PFIRST(id, f, n, type, fmt, doc) TDX_X_ARG_PFIRST_##fmt(id, f)
#define TDX_X_ARG_PFIRST_U(id, f)
#define TDX_X_ARG_PFIRST_S(id, f)
#define TDX_X_ARG_PFIRST_X(id, f)
#define TDX_X_ARG_PFIRST_B(id, f)
#define TDX_X_ARG_PFIRST_P(id, f)					\
	_Static_assert(TDX_##id##_TP_##f == 0, #id ": the pid (P) row must be the first");
#define TDX_X_NARGS_OK(id, lower, sys, name, nargs)			\
	_Static_assert(nargs == TDX_##id##_TP_NARGS, #id ": nargs != argument table"); \
	_Static_assert(TDX_##id##_NARGS + TDX_##id##_TD_ARG == nargs, #id ": more than one P row"); \
	_Static_assert(TDX_##id##_NARGS <= TDX_EV_MAX_ARGS, #id ": too many arguments"); \
	TDX_##id##_ARGS(TDX_X_ARG_PFIRST, id)
TDX_EVENT_TABLE(TDX_X_NARGS_OK)
#undef TDX_X_NARGS_OK

/* Argument formats (the `format` column). */
enum tdx_arg_fmt { TDX_ARG_U, TDX_ARG_S, TDX_ARG_X, TDX_ARG_B, TDX_ARG_P };

/*
 * The guest's accept level of a private EPT violation (TDG.MEM.PAGE.ACCEPT,
 * reported by the TDX module in the extended exit qualification), which the
 * huge-page analysis needs: kvm_tdx_ept_violation has all 8 arguments in use,
 * so tdxtrace carries it in exit_qual bits 62:60 as a PG_LEVEL_* (1 4K, 2 2M,
 * 3 1G), 0 = not known.  VMX defines no EPT-violation qualification bit there.
 * The simulator fills it; kernel series v2 does not (its v3 layout change
 * adds the field: kernel/ABI-v2.md), so on real captures it reads 0.
 */
#define TDX_EPT_ACCEPT_SHIFT	60
#define TDX_EPT_ACCEPT_MASK	(7ULL << TDX_EPT_ACCEPT_SHIFT)

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
