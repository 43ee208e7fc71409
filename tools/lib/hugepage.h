/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * hugepage.h - huge pages for TD private memory: a what-if model (issue 22).
 *
 * The model replays one event stream (any source: live, record file,
 * trace.dat, simulator) against policies for mapping private memory, per TD:
 *
 *   4k     Linux 7.2/7.3: private memory is mapped at 4 KB only (the baseline;
 *          tdx_gmem_max_mapping_level() returns PG_LEVEL_4K);
 *   v3     the huge-page series v3 (2026-01-06): 2 MB where the range allows,
 *          4 KB for build-time (PAGE.ADD) ranges, a one-way GUEST_INHIBIT when
 *          the guest accepts at 4 KB, split on conversion, no promotion;
 *   ideal  split on conversion (and on a 4 KB accept), collapse back to 2 MB
 *          when a range is whole again (all 512 pages private and mapped);
 *          with 1 GB backing, whole 1 GB ranges of it count at 1 GB.
 *
 * Inputs (docs/hugepage.md): conversions (kvm_tdx_map_gpa_chunk, else
 * _done), private EPT violations and kvm_mmu_private_map (the guest touching
 * a page; the accept level where the source has it), PAGE.ADD (build-time
 * memory), and SEAMCALL durations (the cost of each operation).  Nothing is
 * assumed about memory the trace did not show: a range with a mapping made
 * before the trace started is "unknown", never counted as 4K or huge.
 *
 * Library C with no BPF: feed events with tdx_hp_feed() in timestamp order.
 */
#ifndef TDXTRACE_HUGEPAGE_H
#define TDXTRACE_HUGEPAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdxtrace.h"

/* Policies, in report order. */
#define TDX_HP_POLICY_TABLE(X)						\
	X(4K,	 "4k",	  "7.2/7.3 today: 4 KB only (baseline)")		\
	X(V3,	 "v3",	  "huge-page series v3: 4 KB at build, one-way GUEST_INHIBIT, split on conversion, no promotion") \
	X(IDEAL, "ideal", "split on conversion, collapse when whole again")

enum tdx_hp_policy {
#define TDX_X_HP_POL(id, name, doc) TDX_HP_##id,
	TDX_HP_POLICY_TABLE(TDX_X_HP_POL)
#undef TDX_X_HP_POL
	TDX_HP_NPOL,
};
const char *tdx_hp_policy_name(int p);
const char *tdx_hp_policy_doc(int p);

/* Why a huge mapping was split. */
#define TDX_HP_CAUSE_TABLE(X)						\
	X(CONVERSION, "conversion", "private->shared conversion of part of the range") \
	X(ACCEPT,     "accept",	    "the guest accepted a page at 4 KB inside a 2 MB mapping") \
	X(ZAP,	      "punch_hole", "a private page removed without conversion (punch hole, memslot change)")

enum tdx_hp_cause {
#define TDX_X_HP_CAUSE(id, name, doc) TDX_HP_CAUSE_##id,
	TDX_HP_CAUSE_TABLE(TDX_X_HP_CAUSE)
#undef TDX_X_HP_CAUSE
	TDX_HP_NCAUSE,
};
const char *tdx_hp_cause_name(int c);

/*
 * SEAMCALL operations the policies issue differently, with the leaf whose
 * measured latency prices them.  PAGE.AUG at 2 MB is priced like PAGE.AUG
 * at 4 KB unless the source has 2 MB AUGs (SEPT level 1).
 */
#define TDX_HP_OP_TABLE(X)						\
	X(AUG_4K,   "TDH.MEM.PAGE.AUG (4K)",  6)			\
	X(AUG_2M,   "TDH.MEM.PAGE.AUG (2M)",  6)			\
	X(BLOCK,    "TDH.MEM.RANGE.BLOCK",    7)			\
	X(TRACK,    "TDH.MEM.TRACK",	      38)			\
	X(DEMOTE,   "TDH.MEM.PAGE.DEMOTE",    15)			\
	X(PROMOTE,  "TDH.MEM.PAGE.PROMOTE",   23)			\
	X(PAMT_ADD, "TDH.PHYMEM.PAMT.ADD",    58)

enum tdx_hp_op {
#define TDX_X_HP_OP(id, name, leaf) TDX_HP_OP_##id,
	TDX_HP_OP_TABLE(TDX_X_HP_OP)
#undef TDX_X_HP_OP
	TDX_HP_NOP,
};
const char *tdx_hp_op_name(int op);

/* Where an operation's cost comes from. */
enum tdx_hp_cost_src { TDX_HP_COST_MEASURED, TDX_HP_COST_CALIB, TDX_HP_COST_ASSUMED };
const char *tdx_hp_cost_src_name(int s);

/* The accept level of a private EPT violation (events.h, TDX_EPT_ACCEPT_*). */
#define TDX_HP_ACCEPT_SHIFT	TDX_EPT_ACCEPT_SHIFT
static inline int tdx_hp_accept_level(__u64 exit_qual)
{
	return (int)((exit_qual & TDX_EPT_ACCEPT_MASK) >> TDX_EPT_ACCEPT_SHIFT);
}

/* A memory slot of a TD (guest frame numbers), for alignment. */
struct tdx_hp_slot {
	__u32 pid;			/* 0: every TD */
	__u64 gfn, npages;
};

struct tdx_hp_params {
	bool backing_1g;		/* ideal: count whole 1G ranges at 1G */
	bool dpamt;			/* a split also adds PAMT pages (Dynamic PAMT) */
	__u64 step_ns;			/* series step (0: 100 ms) */
	const struct tdx_hp_slot *slots;/* NULL: slots unknown, ranges taken as aligned */
	size_t n_slots;
	const char *calib;		/* calibration file (NULL: the built-in) */
};

/* Per TD, per policy. */
struct tdx_hp_pol_stats {
	__u64 huge_2m, huge_1g;		/* ranges mapped huge now */
	__u64 pages_4k;			/* 4K private mappings now */
	__u64 max_huge_2m;		/* most 2M mappings at once */
	__u64 maps_2m;			/* 2M mappings made (faults at 2M + collapses) */
	__u64 splits[TDX_HP_NCAUSE];
	__u64 splits_1g;		/* ideal with 1G backing: 1G -> 2M */
	__u64 collapses, collapses_1g;	/* ideal */
	__u64 inhibits;			/* v3: GUEST_INHIBIT set */
	__u64 accept_4k_in_2m;		/* 4K accepts where 2M was mappable */
	__u64 lost_2m;			/* v3: ranges whole again but 4K forever */
	__u64 write_lock;		/* write mmu_lock acquisitions */
	__u64 ept;			/* private EPT violations under this policy */
	__u64 ops[TDX_HP_NOP];
	double cost_ns;			/* priced operations */
};

struct tdx_hp_flip {			/* a GFN converted the most */
	__u64 gfn;
	__u64 conversions;
	__u32 vcpu;			/* who converted it last */
	__u32 vcpus;			/* distinct vCPUs (of the first 64) */
};

#define TDX_HP_TOP_FLIPS 8

struct tdx_hp_td {
	__u32 pid;
	__u64 ept_private;		/* observed private EPT violations */
	__u64 conversions[2];		/* pages converted: [0] to private, [1] to shared */
	__u64 build_pages;		/* PAGE.ADD */
	__u64 touched_pages;		/* pages that became mapped (again after a removal: again) */
	__u64 unknown_ranges;		/* 2M ranges with mappings from before the trace */
	__u64 unknown_pages;		/* pages seen removed/faulted that were mapped before */
	__u64 misaligned_ranges;	/* touched ranges not huge-capable by slot */
	__u64 mixed_now, mixed_max;	/* 2M ranges with private and shared pages */
	__u64 max_gfn;			/* highest gfn seen (+1) */
	__u64 mem_pages;		/* TD memory: slots, else max_gfn rounded up to 1G */
	bool mem_estimated;		/* mem_pages from max_gfn (no slots) */
	__u64 accept_known, accept_4k;	/* private faults with a known accept level; at 4K */
	__u64 accept_4k_mappable;	/* 4K accepts where the range allowed 2M (private, aligned, no build page) */
	struct tdx_hp_pol_stats pol[TDX_HP_NPOL];
	struct tdx_hp_flip top[TDX_HP_TOP_FLIPS];
	size_t n_top;
};

/* One series point: share of mapped private memory that is huge, per policy. */
struct tdx_hp_point {
	double t_s;			/* since the first event */
	double share[TDX_HP_NPOL];	/* -1: nothing mapped yet */
	double share_1g;		/* ideal, 1G part (with backing_1g) */
};

/* Mixed-state tracking options of the v7 cover letter, memory in bytes. */
struct tdx_hp_track_mem {
	__u64 a_attr_bytes;		/* A: per-slot attribute byte per 4K page */
	__u64 b_spte_bytes;		/* B: SPTE_MIXED bit: 4K tables kept for mixed ranges */
	__u64 c_bitmap_bytes;		/* C: 512-bit mixed bitmap per kvm_mmu_page (2M/1G levels) */
};

struct tdx_hp;

int tdx_hp_new(struct tdx_hp **out, const struct tdx_hp_params *p);
/* Feed one event (timestamp order).  0, or -ENOMEM. */
int tdx_hp_feed(struct tdx_hp *h, const struct tdx_event *ev);
/* Same, as a stream callback (ctx: struct tdx_hp). */
int tdx_hp_stream_cb(void *ctx, const struct tdx_event *ev);
/* Finish: last series point, end-of-trace figures.  Call once before reading. */
void tdx_hp_finish(struct tdx_hp *h);
void tdx_hp_free(struct tdx_hp *h);

size_t tdx_hp_n_tds(const struct tdx_hp *h);
const struct tdx_hp_td *tdx_hp_td(const struct tdx_hp *h, size_t i);	/* by pid */
/* Share of the TD's mapped private memory that is huge now (-1: none mapped). */
double tdx_hp_share(const struct tdx_hp_td *t, int pol);
void tdx_hp_track_mem(const struct tdx_hp_td *t, struct tdx_hp_track_mem *m);
/* Cost per operation (ns) and its source; count of measured calls. */
double tdx_hp_op_cost(const struct tdx_hp *h, int op, int *src, __u64 *measured);
/* Series, all TDs together. */
const struct tdx_hp_point *tdx_hp_series(const struct tdx_hp *h, size_t *n);
__u64 tdx_hp_events(const struct tdx_hp *h);	/* events used */
/* 0, or -ENOMEM if the model ran out of memory (its figures are incomplete). */
int tdx_hp_error(const struct tdx_hp *h);
const struct tdx_hp_params *tdx_hp_params(const struct tdx_hp *h);

#endif /* TDXTRACE_HUGEPAGE_H */
