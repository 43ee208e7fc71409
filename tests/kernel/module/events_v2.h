/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * events_v2.h - the tracepoints of kernel series v2 that include/tdxtrace/
 * events.h does not list yet (kernel/ABI-v2.md describes them for the core's
 * tables), in the same layout as events.h so that tests/vmtest/check-btf.py
 * and vm-tests.py read both: X(ID, system, name, nargs), then one argument
 * enum per event, in TP_PROTO order, each entry commented with its C type.
 *
 * The test module fires them (and two v1 events with values that v1 decoded
 * wrong) from a table of its own, /sys/kernel/debug/tdxtrace_test/table_v2,
 * so that the v1 consumers (vmcheck, the BPF programs) never see them.
 * When the core's event tables take these events over, this file goes.
 */
#ifndef TDXTRACE_TEST_EVENTS_V2_H
#define TDXTRACE_TEST_EVENTS_V2_H

#define TDX_V2_MAX_ARGS 9

#define TDX_V2_EVENT_TABLE(X)						\
	X(SEAMCALL,	    "tdx",    "tdx_seamcall",		  7)	\
	X(VP_ENTER,	    "kvm",    "kvm_tdx_vp_enter_exit",	  4)	\
	X(BUSY_KICK,	    "kvm",    "kvm_tdx_busy_kick",	  5)	\
	X(SEPT_ZAP,	    "kvm",    "kvm_tdx_sept_zap",	  7)	\
	X(TRACK,	    "kvm",    "kvm_tdx_track",		  4)	\
	X(VCPU_BOUNCE,	    "kvm",    "kvm_tdx_vcpu_bounce",	  2)	\
	X(TD_BUILD,	    "kvm",    "kvm_tdx_td_build",	  9)	\
	X(CACHE_WB,	    "kvm",    "kvm_tdx_cache_wb",	  4)	\
	X(HKID_RELEASE,	    "kvm",    "kvm_tdx_hkid_release",	  6)	\
	X(HKID_LEAK,	    "kvm",    "kvm_tdx_hkid_leak",	  4)	\
	X(TDVMCALL,	    "kvm",    "kvm_tdx_tdvmcall",	  4)	\
	X(ATTR_ZAP,	    "kvmmmu", "kvm_mmu_attr_zap",	  6)

enum tdx_v2_event_kind {
	TDX_V2_EV_NONE = 0,
#define TDX_V2_X_ENUM(id, sys, name, nargs) TDX_V2_EV_##id,
	TDX_V2_EVENT_TABLE(TDX_V2_X_ENUM)
#undef TDX_V2_X_ENUM
	TDX_V2_EV_MAX,
};

/* tdx:tdx_seamcall (as in events.h) */
enum {
	TDX_V2_SEAMCALL_ARG_LEAF,	/* u64 */
	TDX_V2_SEAMCALL_ARG_STATUS,	/* u64 */
	TDX_V2_SEAMCALL_ARG_TDR,	/* u64 */
	TDX_V2_SEAMCALL_ARG_GPA,	/* u64 */
	TDX_V2_SEAMCALL_ARG_LEVEL,	/* int */
	TDX_V2_SEAMCALL_ARG_RETRIES,	/* u32 */
	TDX_V2_SEAMCALL_ARG_DURATION,	/* u64 */
};

/* kvm:kvm_tdx_vp_enter_exit (as in events.h) */
enum {
	TDX_V2_VP_ENTER_ARG_VCPU,	/* u32 */
	TDX_V2_VP_ENTER_ARG_STATUS,	/* u64 */
	TDX_V2_VP_ENTER_ARG_EXIT_REASON,	/* u32 */
	TDX_V2_VP_ENTER_ARG_DURATION,	/* u64 */
};

/* kvm:kvm_tdx_busy_kick */
enum {
	TDX_V2_BUSY_KICK_ARG_PID,	/* int: kvm->userspace_pid */
	TDX_V2_BUSY_KICK_ARG_LEAF,	/* u16: TDX module leaf number */
	TDX_V2_BUSY_KICK_ARG_STATUS,	/* u64: the TDX_OPERAND_BUSY status */
	TDX_V2_BUSY_KICK_ARG_RETRY_STATUS,	/* u64: status of the retry */
	TDX_V2_BUSY_KICK_ARG_KICK_NS,	/* u64 */
};

/* kvm:kvm_tdx_sept_zap */
enum {
	TDX_V2_SEPT_ZAP_ARG_PID,	/* int */
	TDX_V2_SEPT_ZAP_ARG_GFN,	/* u64 */
	TDX_V2_SEPT_ZAP_ARG_LEVEL,	/* int: PG_LEVEL_*, 1 = 4K */
	TDX_V2_SEPT_ZAP_ARG_FAILED_LEAF,	/* u16: 0 = none */
	TDX_V2_SEPT_ZAP_ARG_STATUS,	/* u64 */
	TDX_V2_SEPT_ZAP_ARG_KICKS,	/* u32 */
	TDX_V2_SEPT_ZAP_ARG_DURATION_NS,	/* u64 */
};

/* kvm:kvm_tdx_track */
enum {
	TDX_V2_TRACK_ARG_PID,		/* int */
	TDX_V2_TRACK_ARG_STATUS,	/* u64 */
	TDX_V2_TRACK_ARG_TRACK_NS,	/* u64 */
	TDX_V2_TRACK_ARG_IPI_NS,	/* u64 */
};

/* kvm:kvm_tdx_vcpu_bounce */
enum {
	TDX_V2_VCPU_BOUNCE_ARG_PID,	/* int */
	TDX_V2_VCPU_BOUNCE_ARG_VCPU_ID,	/* u32 */
};

/* kvm:kvm_tdx_td_build */
enum {
	TDX_V2_TD_BUILD_ARG_PID,	/* int */
	TDX_V2_TD_BUILD_ARG_VCPU_ID,	/* int: -1 for VM commands */
	TDX_V2_TD_BUILD_ARG_CMD,	/* u32: enum kvm_tdx_cmd_id */
	TDX_V2_TD_BUILD_ARG_GPA,	/* u64 */
	TDX_V2_TD_BUILD_ARG_NR_PAGES,	/* u64 */
	TDX_V2_TD_BUILD_ARG_MEASURED,	/* bool */
	TDX_V2_TD_BUILD_ARG_RET,	/* int */
	TDX_V2_TD_BUILD_ARG_HW_ERROR,	/* u64 */
	TDX_V2_TD_BUILD_ARG_DURATION_NS,	/* u64 */
};

/* kvm:kvm_tdx_cache_wb */
enum {
	TDX_V2_CACHE_WB_ARG_PID,	/* int */
	TDX_V2_CACHE_WB_ARG_HKID,	/* int */
	TDX_V2_CACHE_WB_ARG_RESUMES,	/* u32 */
	TDX_V2_CACHE_WB_ARG_STATUS,	/* u64 */
};

/* kvm:kvm_tdx_hkid_release */
enum {
	TDX_V2_HKID_RELEASE_ARG_PID,	/* int */
	TDX_V2_HKID_RELEASE_ARG_HKID,	/* int */
	TDX_V2_HKID_RELEASE_ARG_NR_VCPUS,	/* u32 */
	TDX_V2_HKID_RELEASE_ARG_STATUS,	/* u64 */
	TDX_V2_HKID_RELEASE_ARG_RELEASED,	/* bool */
	TDX_V2_HKID_RELEASE_ARG_DURATION_NS,	/* u64 */
};

/* kvm:kvm_tdx_hkid_leak */
enum {
	TDX_V2_HKID_LEAK_ARG_PID,	/* int */
	TDX_V2_HKID_LEAK_ARG_HKID,	/* int */
	TDX_V2_HKID_LEAK_ARG_LEAF,	/* u16 */
	TDX_V2_HKID_LEAK_ARG_STATUS,	/* u64 */
};

/* kvm:kvm_tdx_tdvmcall */
enum {
	TDX_V2_TDVMCALL_ARG_VCPU_ID,	/* u32 */
	TDX_V2_TDVMCALL_ARG_LEAF,	/* u64 */
	TDX_V2_TDVMCALL_ARG_STATUS,	/* u64 */
	TDX_V2_TDVMCALL_ARG_USER_EXIT,	/* bool */
};

/* kvmmmu:kvm_mmu_attr_zap */
enum {
	TDX_V2_ATTR_ZAP_ARG_PID,	/* int */
	TDX_V2_ATTR_ZAP_ARG_START,	/* u64: gfn */
	TDX_V2_ATTR_ZAP_ARG_END,	/* u64: gfn, exclusive */
	TDX_V2_ATTR_ZAP_ARG_TO_PRIVATE,	/* bool */
	TDX_V2_ATTR_ZAP_ARG_FLUSH,	/* bool */
	TDX_V2_ATTR_ZAP_ARG_DURATION_NS,	/* u64 */
};

#endif /* TDXTRACE_TEST_EVENTS_V2_H */
