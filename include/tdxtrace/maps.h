/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * maps.h - the aggregation maps: one table row per map, one field table per
 * key and value.
 *
 * The BPF programs (bpf/tdx_agg.bpf.h) and, for offline sources, the same
 * code compiled into user space (tools/lib/uagg.c) write these; the loader
 * library reads them back as plain arrays of { key, value } (tdxtrace.h,
 * struct tdx_snapshot).  From the tables below follow: the structs, the BPF
 * map definitions and their sizes, the snapshot's arrays, how each field of
 * a window is computed (merge kind), the map names tools print, and the
 * field tables of docs/bpf.md (checked by tests/unit/test_abi).
 *
 * Layout (issue "core v2"): every statistics map is ONE shared hash, not a
 * per-CPU one, allocated on demand (BPF_F_NO_PREALLOC): its memory grows
 * with the TDs and leaves traced, not with max_entries, and never with the
 * number of possible CPUs.  Values are updated with atomic instructions
 * (docs/bpf.md, "Layout and cost").  Only struct tdx_counters is per-CPU.
 */
#ifndef TDXTRACE_MAPS_H
#define TDXTRACE_MAPS_H

#include "types.h"
#include "events.h"
#include "leaves.h"
#include "hist.h"

/* Map capacities (max_entries) scale with max_tds (default TDX_MAX_TDS). */
#define TDX_MAX_TDS		256
#define TDX_EXIT_REASON_SLOTS	80	/* tdx_exit_reason_slot(): 0..77, 78 = 0xdead, 79 = other */

/*
 * Field tables.  Each row is one member of the struct:
 *   F(c, type, name, merge, "meaning")		a scalar
 *   V(c, type, name, n, merge, "meaning")	an array of n
 * merge says how two values combine and how a window (cur - prev) is made:
 *   SUM    a counter: added; a window subtracts
 *   MIN    the minimum (~0 = none yet); a window keeps the newer value
 *   MAX    the maximum; a window keeps the newer value
 *   GAUGE  a level (s64, may go up and down); a window keeps the newer value
 */
enum tdx_merge { TDX_MERGE_SUM, TDX_MERGE_MIN, TDX_MERGE_MAX, TDX_MERGE_GAUGE };

/* --- SEAMCALLs: per TD x leaf ------------------------------------------ */
#define TDX_LEAF_KEY(F, V, c)						\
	F(c, __u32, pid, SUM, "TD (VMM tgid); 0 = not in a TD's context")	\
	F(c, __u32, leaf, SUM, "leaf number (version bits stripped)")

#define TDX_LEAF_STATS(F, V, c)						\
	F(c, __u64, count, SUM, "SEAMCALLs (the reader completes it: histogram total)") \
	F(c, __u64, sum_ns, SUM, "total latency, ns")			\
	F(c, __u64, min_ns, MIN, "lowest latency, ns (~0 = none)")	\
	F(c, __u64, max_ns, MAX, "highest latency, ns")			\
	F(c, __u64, retries, SUM, "RND_NO_ENTROPY retries inside the kernel") \
	V(c, __u64, status, TDX_SC_MAX, SUM, "calls by status class ([success]: completed by the reader)") \
	F(c, __u64, last_version, MAX, "highest leaf version seen")	\
	V(c, __u64, hist, TDX_HIST_SLOTS, SUM, "latency histogram (hist.h)")

/* --- TD entry/exit: per TD ---------------------------------------------- */
#define TDX_TD_KEY(F, V, c)						\
	F(c, __u32, pid, SUM, "TD (VMM tgid)")

#define TDX_VP_STATS(F, V, c)						\
	F(c, __u64, count, SUM, "TD entries (the reader completes it: histogram total)") \
	F(c, __u64, sum_ns, SUM, "total time in the TD, ns")		\
	F(c, __u64, max_ns, MAX, "longest stay, ns")			\
	V(c, __u64, status, TDX_SC_MAX, SUM, "entries by status class ([success]: completed by the reader)") \
	V(c, __u64, exit_reason, TDX_EXIT_REASON_SLOTS, SUM, "exits by VMX basic reason") \
	V(c, __u64, hist, TDX_HIST_SLOTS, SUM, "time in TD, entry to exit")

/* --- EPT violations: per TD --------------------------------------------- */
#define TDX_EPT_STATS(F, V, c)						\
	V(c, __u64, count, 2, SUM, "[0] shared, [1] private ([1]: completed by the reader)") \
	F(c, __u64, sum_ns, SUM, "total handling time, ns")		\
	F(c, __u64, max_ns, MAX, "longest handling, ns")		\
	F(c, __u64, retries, SUM, "sum of local retries")		\
	V(c, __u64, retry_hist, TDX_RETRY_SLOTS, SUM, "violations by local retries ([0]: completed by the reader)") \
	V(c, __u64, result, TDX_EPT_RESULT_MAX, SUM, "RET_PF_*, [7] = -errno") \
	V(c, __u64, level, TDX_PG_LEVEL_MAX, SUM, "by mapping level ([4K]: completed by the reader)") \
	V(c, __u64, hist, TDX_HIST_SLOTS, SUM, "handling time")

/*
 * Slowest GPAs: per TD x gfn, only violations whose handling time is at least
 * the gfn_min_ns filter (tools default to TDX_EPT_GFN_MIN_NS).
 */
#define TDX_EPT_GFN_MIN_NS	100000ULL	/* 100 us */
#define TDX_GFN_TRACK_NONE	(~0ULL)
#define TDX_EPT_GFN_KEY(F, V, c)					\
	F(c, __u32, pid, SUM, "TD")					\
	F(c, __u32, private, SUM, "1 private, 0 shared")		\
	F(c, __u64, gfn, SUM, "guest frame number")

#define TDX_EPT_GFN_STATS(F, V, c)					\
	F(c, __u64, count, SUM, "violations")				\
	F(c, __u64, sum_ns, SUM, "total handling time, ns")		\
	F(c, __u64, max_ns, MAX, "longest handling, ns")		\
	F(c, __u64, retries, SUM, "local retries")

/* --- MapGPA: per TD ------------------------------------------------------ */
#define TDX_MAP_TO_PRIVATE 0
#define TDX_MAP_TO_SHARED  1
#define TDX_MAP_DONE_SUCCESS 0
#define TDX_MAP_DONE_RETRY   1
#define TDX_MAP_DONE_INVALID 2
#define TDX_MAP_DONE_OTHER   3
#define TDX_MAPGPA_STATS(F, V, c)					\
	V(c, __u64, requests, 2, SUM, "requests by direction (TDX_MAP_TO_*)") \
	V(c, __u64, req_bytes, 2, SUM, "bytes requested")		\
	V(c, __u64, done, 2, SUM, "completed requests by direction")	\
	V(c, __u64, done_bytes, 2, SUM, "bytes converted")		\
	V(c, __u64, done_status, 4, SUM, "TDX_MAP_DONE_*")		\
	F(c, __u64, chunks, SUM, "chunks handed to user space")	\
	F(c, __u64, chunk_bytes, SUM, "bytes in chunks")		\
	F(c, __u64, chunk_retries, SUM, "chunks handed back as RETRY")	\
	F(c, __u64, chunk_errors, SUM, "chunks with hc_ret != 0, not RETRY") \
	F(c, __u64, sum_ns, SUM, "total round trip, ns")		\
	F(c, __u64, max_ns, MAX, "longest round trip, ns")		\
	V(c, __u64, hist, TDX_HIST_SLOTS, SUM, "request round trip")

/* --- FROZEN_SPTE: per TD x level x root ----------------------------------- */
#define TDX_FROZEN_KEY(F, V, c)						\
	F(c, __u32, pid, SUM, "TD")					\
	F(c, __u16, level, SUM, "PG_LEVEL_*")				\
	F(c, __u16, mirror, SUM, "1 mirror root, 0 direct")

#define TDX_FROZEN_STATS(F, V, c)					\
	F(c, __u64, retries, SUM, "faults that met a frozen SPTE")	\
	F(c, __u64, frozen, SUM, "freeze/unfreeze windows")		\
	F(c, __u64, errors, SUM, "windows whose external op failed")	\
	F(c, __u64, held_sum_ns, SUM, "total held time, ns")		\
	F(c, __u64, held_max_ns, MAX, "longest hold, ns")		\
	V(c, __u64, hist, TDX_HIST_SLOTS, SUM, "held time")

/* --- Hugepage mixing: per TD -------------------------------------------- */
#define TDX_MIX_STATS(F, V, c)						\
	V(c, __s64, mixed_live, TDX_PG_LEVEL_MAX, GAUGE, "ranges mixed now, [2] 2M [3] 1G") \
	V(c, __u64, to_mixed, TDX_PG_LEVEL_MAX, SUM, "not mixed -> mixed") \
	V(c, __u64, to_unmixed, TDX_PG_LEVEL_MAX, SUM, "mixed -> not mixed") \
	F(c, __u64, redundant, SUM, "events that changed nothing")	\
	V(c, __s64, private_live, TDX_PG_LEVEL_MAX, GAUGE, "private mappings now, by level") \
	F(c, __u64, maps, SUM, "private mappings installed")		\
	F(c, __u64, unmaps, SUM, "private mappings removed")		\
	F(c, __s64, private_4k_in_mixed, GAUGE, "4K private mappings inside mixed 2M ranges")

/* --- S-EPT zaps, TLB tracking, attribute zaps: per TD (series v2) -------- */
/* failed_leaf of kvm_tdx_sept_zap, as an index of zap_failed[] */
#define TDX_ZAP_FAIL_BLOCK	0	/* TDH.MEM.RANGE.BLOCK (leaf 7) */
#define TDX_ZAP_FAIL_REMOVE	1	/* TDH.MEM.PAGE.REMOVE (29) */
#define TDX_ZAP_FAIL_WBINVD	2	/* TDH.PHYMEM.PAGE.WBINVD (41) */
#define TDX_ZAP_FAIL_OTHER	3
#define TDX_ZAP_FAIL_SLOTS	4
#define TDX_FLOW_STATS(F, V, c)						\
	F(c, __u64, zaps, SUM, "private leaf SPTEs zapped (kvm_tdx_sept_zap)") \
	F(c, __u64, zap_sum_ns, SUM, "total zap time, ns")		\
	F(c, __u64, zap_max_ns, MAX, "longest zap, ns")			\
	V(c, __u64, zap_level, TDX_PG_LEVEL_MAX, SUM, "zaps by PG_LEVEL_* ([0]: out of range)") \
	V(c, __u64, zap_failed, TDX_ZAP_FAIL_SLOTS, SUM, "zaps whose SEAMCALL failed: BLOCK, REMOVE, WBINVD, other") \
	F(c, __u64, zap_kicks, SUM, "busy kicks during zaps")		\
	F(c, __u64, zaps_kicked, SUM, "zaps that needed at least one kick") \
	V(c, __u64, zap_hist, TDX_HIST_SLOTS, SUM, "zap time")		\
	F(c, __u64, tracks, SUM, "TLB tracking rounds (kvm_tdx_track)")	\
	F(c, __u64, track_errors, SUM, "rounds whose TDH.MEM.TRACK did not succeed") \
	F(c, __u64, track_sum_ns, SUM, "total TDH.MEM.TRACK time, ns")	\
	F(c, __u64, track_max_ns, MAX, "longest TDH.MEM.TRACK, ns")	\
	F(c, __u64, ipi_sum_ns, SUM, "total time kicking vCPUs out, ns") \
	F(c, __u64, ipi_max_ns, MAX, "longest kick of all vCPUs, ns")	\
	V(c, __u64, track_hist, TDX_HIST_SLOTS, SUM, "TDH.MEM.TRACK + IPI time") \
	F(c, __u64, bounces, SUM, "vCPU runs refused while a zap held vCPUs out") \
	F(c, __u64, attr_zaps, SUM, "attribute-change zaps (kvm_mmu_attr_zap)") \
	V(c, __u64, attr_zap_gfns, 2, SUM, "gfns in those ranges: [0] private zapped (to shared), [1] shared zapped (to private)") \
	F(c, __u64, attr_zap_flushes, SUM, "zaps that needed a TLB flush") \
	F(c, __u64, attr_zap_sum_ns, SUM, "total attribute-zap time, ns")	\
	F(c, __u64, attr_zap_max_ns, MAX, "longest attribute zap, ns")	\
	V(c, __u64, attr_zap_hist, TDX_HIST_SLOTS, SUM, "attribute-zap time")

/* OPERAND_BUSY escalations: per TD x leaf x busy operand (series v2) */
#define TDX_KICK_KEY(F, V, c)						\
	F(c, __u32, pid, SUM, "TD")					\
	F(c, __u32, leaf, SUM, "leaf that met OPERAND_BUSY")		\
	F(c, __u32, operand, SUM, "busy operand id (status bits 31:0): 0x92 SEPT, 0xa9 TD_EPOCH, 0x80 TDR")

#define TDX_KICK_STATS(F, V, c)						\
	F(c, __u64, kicks, SUM, "times KVM kicked all vCPUs and retried") \
	F(c, __u64, still_busy, SUM, "retries that were busy again")	\
	F(c, __u64, retry_failed, SUM, "retries that failed otherwise")	\
	F(c, __u64, sum_ns, SUM, "total kick + retry time, ns")		\
	F(c, __u64, max_ns, MAX, "longest kick + retry, ns")		\
	V(c, __u64, hist, TDX_HIST_SLOTS, SUM, "kick + retry time")

/* vCPUs held out of the TD by a zap: per TD x vCPU (series v2) */
#define TDX_BOUNCE_KEY(F, V, c)						\
	F(c, __u32, pid, SUM, "TD")					\
	F(c, __u32, vcpu, SUM, "vcpu_id")

#define TDX_BOUNCE_STATS(F, V, c)					\
	F(c, __u64, bounces, SUM, "runs refused (kvm_tdx_vcpu_bounce)")

/* --- TD build and teardown: per TD (series v2) ----------------------------- */
/* cmd of kvm_tdx_td_build (enum kvm_tdx_cmd_id) as an index; 0 = other */
#define TDX_BUILD_INIT_VM	 1
#define TDX_BUILD_INIT_VCPU	 2
#define TDX_BUILD_INIT_MEM_REGION 3
#define TDX_BUILD_FINALIZE_VM	 4
#define TDX_BUILD_CMD_SLOTS	 5
#define TDX_LIFE_STATS(F, V, c)						\
	V(c, __u64, build, TDX_BUILD_CMD_SLOTS, SUM, "TD build commands by KVM_TDX_* ([0]: other)") \
	V(c, __u64, build_errors, TDX_BUILD_CMD_SLOTS, SUM, "commands that returned an error") \
	V(c, __u64, build_sum_ns, TDX_BUILD_CMD_SLOTS, SUM, "total time per command, ns") \
	V(c, __u64, build_max_ns, TDX_BUILD_CMD_SLOTS, MAX, "longest command, ns") \
	F(c, __u64, build_pages, SUM, "pages added by INIT_MEM_REGION")	\
	F(c, __u64, build_measured_pages, SUM, "of those, measured (MR.EXTEND)") \
	F(c, __u64, last_hw_error, MAX, "highest SEAMCALL status a command handed to user space") \
	F(c, __u64, releases, SUM, "HKID releases (kvm_tdx_hkid_release)") \
	F(c, __u64, released, SUM, "of those, HKID freed")		\
	F(c, __u64, release_sum_ns, SUM, "total release time, ns")	\
	F(c, __u64, release_max_ns, MAX, "longest release, ns")		\
	F(c, __u64, release_vcpus, SUM, "vCPUs flushed by the releases")	\
	F(c, __u64, cache_wbs, SUM, "TDH.PHYMEM.CACHE.WB runs (one per package)") \
	F(c, __u64, cache_wb_resumes, SUM, "CACHE.WB resumed after INTERRUPTED_RESUMABLE") \
	F(c, __u64, cache_wb_errors, SUM, "CACHE.WB runs with a final error") \
	F(c, __u64, hkid_leaks, SUM, "HKIDs leaked (kvm_tdx_hkid_leak): lost until reboot") \
	F(c, __u64, leak_last_status, MAX, "highest status of a leak's failed SEAMCALL")

/* --- TDVMCALLs KVM dispatches: per TD (series v2) ------------------------- */
/*
 * The sub-functions KVM handles (R11 of a TDG.VP.VMCALL with R10 = 0), as an
 * index of the tdvmcall arrays: X(ID, leaf, "name").  The guest chooses the
 * value, so anything else counts in the last slot and never creates a key.
 */
#define TDX_KVM_TDVMCALL_TABLE(X)						\
	X(GET_TD_VM_CALL_INFO,	   0x10000, "GetTdVmCallInfo")		\
	X(MAP_GPA,		   0x10001, "MapGPA")			\
	X(GET_QUOTE,		   0x10002, "GetQuote")			\
	X(REPORT_FATAL_ERROR,	   0x10003, "ReportFatalError")		\
	X(SETUP_EVENT_NOTIFY_INTR, 0x10004, "SetupEventNotifyInterrupt")
#define TDX_TDVMCALL_SLOTS	8	/* [0] not named (other), [1..5] the table */
#define TDX_TDVMCALL_STATS(F, V, c)					\
	V(c, __u64, calls, TDX_TDVMCALL_SLOTS, SUM, "TDVMCALLs by sub-function ([0]: any other)") \
	V(c, __u64, user_exits, TDX_TDVMCALL_SLOTS, SUM, "handed to the VMM")	\
	V(c, __u64, errors, TDX_TDVMCALL_SLOTS, SUM, "answered with a status other than SUCCESS") \
	F(c, __u64, other_last_leaf, MAX, "highest unnamed sub-function seen")

/* Range state (not in snapshots): the truth behind the mixing gauges. */
#define TDX_RANGE_KEY(F, V, c)						\
	F(c, __u32, pid, SUM, "TD")					\
	F(c, __u32, level, SUM, "PG_LEVEL_2M or PG_LEVEL_1G")		\
	F(c, __u64, gfn, SUM, "first gfn of the range")

#define TDX_RANGE_STATE(F, V, c)					\
	F(c, __u32, mixed, GAUGE, "1 while the range is mixed")		\
	F(c, __u32, mapped_4k, GAUGE, "4K private mappings inside (2M ranges)")

/* The key structs: K(struct name, field table). */
#define TDX_KEY_TABLE(K)						\
	K(tdx_td_key,	   TDX_TD_KEY)					\
	K(tdx_leaf_key,	   TDX_LEAF_KEY)				\
	K(tdx_ept_gfn_key, TDX_EPT_GFN_KEY)				\
	K(tdx_frozen_key,  TDX_FROZEN_KEY)				\
	K(tdx_range_key,   TDX_RANGE_KEY)				\
	K(tdx_kick_key,	   TDX_KICK_KEY)				\
	K(tdx_bounce_key,  TDX_BOUNCE_KEY)

/*
 * The map table.
 *
 *   X(ID, BPF map name, snapshot array, key struct, value struct,
 *     value fields, entries per TD, in snapshots)
 *
 * max_entries = entries per TD x max_tds.  A map is sized so a full host
 * (max_tds TDs) fits; since no entry is allocated before it is used, the
 * capacity costs nothing until it is used.  A full map counts
 * counters.dropped[TDX_MAP_<ID>]; the event still counts everywhere else.
 */
#define TDX_MAP_TABLE(X)							\
	X(LEAF,	   tdx_leaf,	leaf,	tdx_leaf_key,	 tdx_leaf_stats,    TDX_LEAF_STATS,    24,   1) \
	X(VP,	   tdx_vp,	vp,	tdx_td_key,	 tdx_vp_stats,	    TDX_VP_STATS,      1,    1) \
	X(EPT,	   tdx_ept,	ept,	tdx_td_key,	 tdx_ept_stats,	    TDX_EPT_STATS,     1,    1) \
	X(EPT_GFN, tdx_ept_gfn,	gfn,	tdx_ept_gfn_key, tdx_ept_gfn_stats, TDX_EPT_GFN_STATS, 32,   1) \
	X(MAPGPA,  tdx_mapgpa,	map,	tdx_td_key,	 tdx_map_stats,	    TDX_MAPGPA_STATS,  1,    1) \
	X(FROZEN,  tdx_frozen,	frozen,	tdx_frozen_key,	 tdx_frozen_stats,  TDX_FROZEN_STATS,  8,    1) \
	X(MIX,	   tdx_mix,	mix,	tdx_td_key,	 tdx_mix_stats,	    TDX_MIX_STATS,     1,    1) \
	X(RANGE,   tdx_range,	range,	tdx_range_key,	 tdx_range_state,   TDX_RANGE_STATE,   1024, 0) \
	X(FLOW,	   tdx_flow,	flow,	tdx_td_key,	 tdx_flow_stats,    TDX_FLOW_STATS,    1,    1) \
	X(KICK,	   tdx_kick,	kick,	tdx_kick_key,	 tdx_kick_stats,    TDX_KICK_STATS,    8,    1) \
	X(BOUNCE,  tdx_bounce,	bounce,	tdx_bounce_key,	 tdx_bounce_stats,  TDX_BOUNCE_STATS,  64,   1) \
	X(LIFE,	   tdx_life,	life,	tdx_td_key,	 tdx_life_stats,    TDX_LIFE_STATS,    1,    1) \
	X(TDVMCALL, tdx_tdvmcall, tdvmcall, tdx_td_key,	 tdx_tdvmcall_stats, TDX_TDVMCALL_STATS, 1,   1)

/* The structs, from the field tables. */
#define TDX_X_FDECL(c, type, name, merge, doc) type name;
#define TDX_X_VDECL(c, type, name, n, merge, doc) type name[n];
#define TDX_X_KEY_STRUCT(kt, kf) struct kt { kf(TDX_X_FDECL, TDX_X_VDECL, kt) };
#define TDX_X_VAL_STRUCT(id, bpf, snap, kt, vt, vf, per_td, in_snap)	\
	struct vt { vf(TDX_X_FDECL, TDX_X_VDECL, vt) };
TDX_KEY_TABLE(TDX_X_KEY_STRUCT)
TDX_MAP_TABLE(TDX_X_VAL_STRUCT)
#undef TDX_X_KEY_STRUCT
#undef TDX_X_VAL_STRUCT

/* Map ids: TDX_MAP_<ID>. */
enum tdx_map_id {
#define TDX_X_MAP_ENUM(id, ...) TDX_MAP_##id,
	TDX_MAP_TABLE(TDX_X_MAP_ENUM)
#undef TDX_X_MAP_ENUM
	TDX_MAP_ID_MAX,
};

/* --- Global counters (per-CPU array, one entry) --------------------------- */
#define TDX_COUNTERS(F, V, c)						\
	V(c, __u64, events, TDX_EV_MAX, SUM, "events aggregated, by kind") \
	F(c, __u64, filtered, SUM, "rejected by pid/leaf/min-latency filters") \
	V(c, __u64, dropped, TDX_MAP_ID_MAX, SUM, "map full: insert failed, by map") \
	F(c, __u64, lost, SUM, "ring buffer full (stream)")		\
	F(c, __u64, streamed, SUM, "events written to the ring buffer")	\
	F(c, __u64, sampled_out, SUM, "skipped by the stream sampling knob") \
	F(c, __u64, bad_input, SUM, "replay records rejected (bad kind/nargs)") \
	F(c, __u64, contended, SUM, "min/max updates given up after racing CPUs")

struct tdx_counters { TDX_COUNTERS(TDX_X_FDECL, TDX_X_VDECL, tdx_counters) };

#endif /* TDXTRACE_MAPS_H */
