// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_hugepage.c - the huge-page what-if model (tools/lib/hugepage.c) on
 * small traces built here, event by event, as the kernel series would emit
 * them; every expected figure is worked out by hand in the comments from the
 * policy rules of docs/hugepage.md, not taken from a run.
 *
 * Cases: a range converted once (and whole again), a range flipping, a 4K
 * accept under v3 (inhibit, one way) and inside a 2M mapping, 1G ranges,
 * slot misalignment, memory mapped before the trace started.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "tdxtrace.h"
#include "hugepage.h"

#define A2M TDX_PG_LEVEL_2M
#define A4K TDX_PG_LEVEL_4K

static struct tdx_hp *H;
static __u64 T = 1000000000ULL;

static __u32 TID;		/* 0: the TD's one vCPU thread, pid + 1 */

static void feed(struct tdx_event *e, __u32 pid, int kind)
{
	e->ts_ns = T += 1000;
	e->pid = pid;
	e->tid = TID ? TID : pid + 1;
	e->kind = (__u16)kind;
	e->nargs = (__u16)tdx_event_nargs(kind);
	if (tdx_hp_feed(H, e))
		ok(0, "feed failed");
}

static void map_ev(__u32 pid, __u64 gfn)
{
	struct tdx_event e = { 0 };

	e.args[TDX_PRIVATE_MAP_ARG_GFN] = gfn;
	e.args[TDX_PRIVATE_MAP_ARG_LEVEL] = TDX_PG_LEVEL_4K;
	e.args[TDX_PRIVATE_MAP_ARG_MAPPED] = 1;
	feed(&e, pid, TDX_EV_PRIVATE_MAP);
}

static void violation(__u32 pid, __u32 vcpu, __u64 gfn, int accept)
{
	struct tdx_event e = { 0 };

	e.args[TDX_EPT_VIOLATION_ARG_VCPU] = vcpu;
	e.args[TDX_EPT_VIOLATION_ARG_GPA] = gfn << 12;
	e.args[TDX_EPT_VIOLATION_ARG_EXIT_QUAL] = 0x181 | ((__u64)accept << TDX_HP_ACCEPT_SHIFT);
	e.args[TDX_EPT_VIOLATION_ARG_PRIVATE] = 1;
	e.args[TDX_EPT_VIOLATION_ARG_LEVEL] = 1;
	e.args[TDX_EPT_VIOLATION_ARG_RESULT] = 5;	/* RET_PF_FIXED */
	feed(&e, pid, TDX_EV_EPT_VIOLATION);
}

/* The guest touches a private page: its map event, then the EPT violation. */
static void fault(__u32 pid, __u32 vcpu, __u64 gfn, int accept)
{
	map_ev(pid, gfn);
	violation(pid, vcpu, gfn, accept);
}

static void zap(__u32 pid, __u64 gfn)
{
	struct tdx_event e = { 0 };

	e.args[TDX_PRIVATE_MAP_ARG_GFN] = gfn;
	e.args[TDX_PRIVATE_MAP_ARG_LEVEL] = TDX_PG_LEVEL_4K;
	feed(&e, pid, TDX_EV_PRIVATE_MAP);
}

/* A MapGPA request of one chunk; to shared, the mapped pages are zapped first. */
static void convert(__u32 pid, __u32 vcpu, __u64 gfn, __u64 n, bool to_shared,
		    const __u64 *mapped, size_t nmapped)
{
	struct tdx_event e = { 0 };

	e.args[TDX_MAP_GPA_ARG_VCPU] = vcpu;
	e.args[TDX_MAP_GPA_ARG_GPA] = gfn << 12;
	e.args[TDX_MAP_GPA_ARG_SIZE] = n << 12;
	e.args[TDX_MAP_GPA_ARG_TO_SHARED] = to_shared;
	feed(&e, pid, TDX_EV_MAP_GPA);
	for (size_t i = 0; i < nmapped; i++)
		zap(pid, mapped[i]);
	memset(&e, 0, sizeof(e));
	e.args[TDX_MAP_GPA_CHUNK_ARG_VCPU] = vcpu;
	e.args[TDX_MAP_GPA_CHUNK_ARG_GPA] = gfn << 12;
	e.args[TDX_MAP_GPA_CHUNK_ARG_SIZE] = n << 12;
	e.args[TDX_MAP_GPA_CHUNK_ARG_TO_SHARED] = to_shared;
	feed(&e, pid, TDX_EV_MAP_GPA_CHUNK);
	memset(&e, 0, sizeof(e));
	e.args[TDX_MAP_GPA_DONE_ARG_VCPU] = vcpu;
	e.args[TDX_MAP_GPA_DONE_ARG_GPA] = gfn << 12;
	e.args[TDX_MAP_GPA_DONE_ARG_SIZE] = n << 12;
	e.args[TDX_MAP_GPA_DONE_ARG_TO_SHARED] = to_shared;
	feed(&e, pid, TDX_EV_MAP_GPA_DONE);
}

static void seamcall(__u32 pid, __u32 leaf, __u64 gpa, int level, __u64 dur)
{
	struct tdx_event e = { 0 };

	e.args[TDX_SEAMCALL_ARG_LEAF] = leaf;
	e.args[TDX_SEAMCALL_ARG_GPA] = gpa;
	e.args[TDX_SEAMCALL_ARG_LEVEL] = (__u64)(__s64)level;
	e.args[TDX_SEAMCALL_ARG_DURATION] = dur;
	feed(&e, pid, TDX_EV_SEAMCALL);
}

static const struct tdx_hp_td *td(__u32 pid)
{
	for (size_t i = 0; i < tdx_hp_n_tds(H); i++)
		if (tdx_hp_td(H, i)->pid == pid)
			return tdx_hp_td(H, i);
	return NULL;
}

static __u64 ops(const struct tdx_hp_pol_stats *p)
{
	__u64 n = 0;

	for (int o = 0; o < TDX_HP_NOP; o++)
		n += p->ops[o];
	return n;
}

static void start(bool backing_1g, const struct tdx_hp_slot *slots, size_t n)
{
	struct tdx_hp_params p = { .dpamt = true, .backing_1g = backing_1g,
				   .slots = slots, .n_slots = n };

	tdx_hp_free(H);
	if (tdx_hp_new(&H, &p))
		exit((ok(0, "tdx_hp_new"), 1));
}

/* ---------------------------------------------------------------- cases */

/*
 * Range 0 faulted whole at 2M, 4 pages converted to shared, converted back
 * and faulted again (at 4K: the rest of the range is accepted already).
 *   4k:    516 faults, 516 AUG 4K, 512 mapped at the end.
 *   v3:    fault 1 maps 2M (AUG 2M), 511 faults avoided; the conversion
 *          splits (BLOCK TRACK DEMOTE + 2 PAMT.ADD, 1 write lock); the 4
 *          re-faults map 4K (4 AUG): 5 faults, 10 calls; whole again but 4K
 *          forever (lost 1).
 *   ideal: as v3, then the 4th re-fault makes it whole: collapse (BLOCK
 *          TRACK PROMOTE, 1 more write lock): 2M at the end, 13 calls.
 * Two PAGE.AUG calls of 8 and 12 us: AUG 4K costs 10 us measured.
 */
static void test_converted_once(void)
{
	const __u32 pid = 100;
	const __u64 conv[4] = { 10, 11, 12, 13 };
	const struct tdx_hp_td *t;
	int src = -1;
	__u64 n;
	double block, track;

	start(false, NULL, 0);
	seamcall(pid, TDX_LEAF_MEM_PAGE_AUG, 0x1000, 0, 8000);
	seamcall(pid, TDX_LEAF_MEM_PAGE_AUG, 0x2000, 0, 12000);
	for (__u64 g = 0; g < 512; g++)
		fault(pid, 1, g, A2M);
	convert(pid, 2, 10, 4, true, conv, 4);
	t = td(pid);
	is_u64(t->pol[TDX_HP_V3].splits[TDX_HP_CAUSE_CONVERSION], 1, "once: v3 splits on the conversion");
	is_u64(t->pol[TDX_HP_V3].pages_4k, 508, "once: v3 has 508 4K mappings after the split");
	is_u64(t->pol[TDX_HP_4K].pages_4k, 508, "once: 4k has 508 mappings");
	convert(pid, 2, 10, 4, false, NULL, 0);
	for (__u64 g = 10; g < 14; g++)
		fault(pid, 1, g, A4K);
	tdx_hp_finish(H);
	t = td(pid);
	is_u64(t->pol[TDX_HP_4K].ept, 516, "once: 4k takes every fault");
	is_u64(t->pol[TDX_HP_4K].ops[TDX_HP_OP_AUG_4K], 516, "once: 4k: 516 PAGE.AUG");
	is_u64(t->pol[TDX_HP_4K].pages_4k, 512, "once: 4k: 512 mapped at the end");
	ok(tdx_hp_share(t, TDX_HP_4K) == 0, "once: 4k: nothing huge");
	is_u64(t->pol[TDX_HP_V3].ept, 5, "once: v3: 5 faults (511 avoided)");
	is_u64(t->pol[TDX_HP_V3].maps_2m, 1, "once: v3: one 2M mapping made");
	is_u64(ops(&t->pol[TDX_HP_V3]), 10, "once: v3: AUG 2M + split (5) + 4 AUG 4K = 10 calls");
	is_u64(t->pol[TDX_HP_V3].write_lock, 1, "once: v3: one write mmu_lock (the split)");
	is_u64(t->pol[TDX_HP_V3].lost_2m, 1, "once: v3: whole again, kept 4K (no promotion)");
	is_u64(t->pol[TDX_HP_V3].huge_2m, 0, "once: v3: no 2M mapping at the end");
	is_u64(t->pol[TDX_HP_V3].inhibits, 0, "once: v3: no inhibit");
	is_u64(t->pol[TDX_HP_IDEAL].collapses, 1, "once: ideal collapses when whole again");
	is_u64(t->pol[TDX_HP_IDEAL].huge_2m, 1, "once: ideal: 2M at the end");
	is_u64(t->pol[TDX_HP_IDEAL].pages_4k, 0, "once: ideal: no 4K mapping left");
	is_u64(t->pol[TDX_HP_IDEAL].write_lock, 2, "once: ideal: split + collapse");
	is_u64(ops(&t->pol[TDX_HP_IDEAL]), 13, "once: ideal: 10 calls + BLOCK TRACK PROMOTE");
	ok(tdx_hp_share(t, TDX_HP_IDEAL) == 1.0, "once: ideal: all of it huge");
	is_u64(t->conversions[1], 4, "once: 4 pages converted to shared");
	is_u64(t->accept_4k_mappable, 4, "once: the 4K re-accepts: the range is private again, 2M mappable");
	/* costs: measured AUG, the rest from the calibration or assumptions */
	ok(tdx_hp_op_cost(H, TDX_HP_OP_AUG_4K, &src, &n) == 10000 && src == TDX_HP_COST_MEASURED &&
	   n == 2, "once: AUG 4K costs 10 us, measured over 2 calls");
	block = tdx_hp_op_cost(H, TDX_HP_OP_BLOCK, &src, NULL);
	ok(src == TDX_HP_COST_CALIB && block > 0, "once: RANGE.BLOCK from the calibration");
	track = tdx_hp_op_cost(H, TDX_HP_OP_TRACK, NULL, NULL);
	ok(fabs(t->pol[TDX_HP_4K].cost_ns - 516 * 10000.0) < 1e-6, "once: 4k costs 516 AUG");
	ok(fabs(t->pol[TDX_HP_V3].cost_ns -
		(5 * 10000.0 + block + track + tdx_hp_op_cost(H, TDX_HP_OP_DEMOTE, NULL, NULL) +
		 2 * tdx_hp_op_cost(H, TDX_HP_OP_PAMT_ADD, NULL, NULL))) < 1e-6,
	   "once: v3 costs 5 AUG + BLOCK + TRACK + DEMOTE + 2 PAMT.ADD");
}

/*
 * Range 1 (gfns 512-1023) faulted whole at 2M, then gfn 600 flips 10 times
 * (to shared, to private, re-fault at 4K) by vCPU 3.
 *   4k: 522 faults.  v3: split once, then 4K forever: 11 faults, 1 write
 *   lock, 16 calls (AUG 2M, split 5, 10 AUG 4K).  ideal: a split and a
 *   collapse per flip: 10 + 10, 20 write locks, 11 2M mappings made.
 *   Top GFN: 600, 20 conversions, vCPU 3.
 */
static void test_flipping(void)
{
	const __u32 pid = 200;
	const __u64 g600 = 600;
	const struct tdx_hp_td *t;

	start(false, NULL, 0);
	for (__u64 g = 512; g < 1024; g++)
		fault(pid, 0, g, A2M);
	for (int i = 0; i < 10; i++) {
		convert(pid, 3, 600, 1, true, &g600, 1);
		convert(pid, 3, 600, 1, false, NULL, 0);
		fault(pid, 0, 600, A4K);
	}
	tdx_hp_finish(H);
	t = td(pid);
	is_u64(t->pol[TDX_HP_4K].ept, 522, "flip: 4k: 522 faults");
	is_u64(t->pol[TDX_HP_V3].splits[TDX_HP_CAUSE_CONVERSION], 1, "flip: v3 splits once");
	is_u64(t->pol[TDX_HP_V3].write_lock, 1, "flip: v3: one write lock");
	is_u64(t->pol[TDX_HP_V3].ept, 11, "flip: v3: 11 faults");
	is_u64(ops(&t->pol[TDX_HP_V3]), 16, "flip: v3: 16 calls");
	is_u64(t->pol[TDX_HP_IDEAL].splits[TDX_HP_CAUSE_CONVERSION], 10, "flip: ideal splits every flip");
	is_u64(t->pol[TDX_HP_IDEAL].collapses, 10, "flip: ideal collapses every flip");
	is_u64(t->pol[TDX_HP_IDEAL].write_lock, 20, "flip: ideal: 20 write locks");
	is_u64(t->pol[TDX_HP_IDEAL].maps_2m, 11, "flip: ideal: 11 2M mappings made");
	is_u64(t->pol[TDX_HP_IDEAL].ept, 11, "flip: ideal: 11 faults");
	ok(t->n_top == 1 && t->top[0].gfn == 600 && t->top[0].conversions == 20 &&
	   t->top[0].vcpu == 3 && t->top[0].vcpus == 1,
	   "flip: the most-converted GFN is 0x258, 20 times, by vCPU 3 alone");
}

/*
 * v3's one-way GUEST_INHIBIT.  TD 300, range 2 (1024-1535): vCPU 0 accepts
 * all 512 pages at 4K.  v3: the first sets the inhibit (1 write lock) and
 * everything stays 4K, lost once whole; ideal: 4K until whole, then one
 * collapse.  The whole range goes shared and back, and is faulted at 2M:
 * v3 maps 4K (the inhibit stays), ideal maps 2M (the 2M leaf was zapped
 * whole, no split).  Range 3 (1536-2047): a 2M mapping, then a 4K accept
 * inside it: v3 splits (cause accept) and inhibits in the same lock hold.
 */
static void test_accept_4k(void)
{
	const __u32 pid = 300;
	__u64 all[512];
	const struct tdx_hp_td *t;

	start(false, NULL, 0);
	for (__u64 g = 1024; g < 1536; g++) {
		fault(pid, 0, g, A4K);
		all[g - 1024] = g;
	}
	t = td(pid);
	is_u64(t->pol[TDX_HP_V3].max_huge_2m, 0, "accept: v3 never had a 2M mapping there");
	is_u64(t->pol[TDX_HP_V3].maps_2m, 0, "accept: v3 made no 2M mapping");
	is_u64(t->pol[TDX_HP_V3].inhibits, 1, "accept: v3 sets GUEST_INHIBIT once");
	is_u64(t->pol[TDX_HP_V3].pages_4k, 512, "accept: v3: 512 4K mappings");
	is_u64(t->pol[TDX_HP_V3].lost_2m, 1, "accept: v3: whole but 4K");
	is_u64(t->pol[TDX_HP_IDEAL].collapses, 1, "accept: ideal collapses the whole range");
	is_u64(t->pol[TDX_HP_IDEAL].inhibits, 0, "accept: ideal has no inhibit");
	is_u64(t->accept_4k_mappable, 512, "accept: 512 4K accepts where the attributes allowed 2M");
	convert(pid, 0, 1024, 512, true, all, 512);
	convert(pid, 0, 1024, 512, false, NULL, 0);
	fault(pid, 1, 1024, A2M);
	t = td(pid);
	is_u64(t->pol[TDX_HP_V3].huge_2m, 0, "accept: one way: v3 keeps 4K after the inhibit");
	is_u64(t->pol[TDX_HP_V3].pages_4k, 1, "accept: v3: the new fault maps 4K");
	is_u64(t->pol[TDX_HP_V3].inhibits, 1, "accept: v3: still one inhibit");
	is_u64(t->pol[TDX_HP_IDEAL].huge_2m, 1, "accept: ideal maps 2M again");
	is_u64(t->pol[TDX_HP_IDEAL].splits[TDX_HP_CAUSE_CONVERSION], 0,
	       "accept: ideal: a whole-range conversion needs no split");
	/* range 3: 4K accept inside a 2M mapping */
	fault(pid, 1, 1536, A2M);
	fault(pid, 0, 1600, A4K);
	tdx_hp_finish(H);
	t = td(pid);
	is_u64(t->pol[TDX_HP_V3].splits[TDX_HP_CAUSE_ACCEPT], 1, "accept: v3 splits on a 4K accept in 2M");
	is_u64(t->pol[TDX_HP_V3].inhibits, 2, "accept: v3 inhibits that range too");
	is_u64(t->pol[TDX_HP_V3].write_lock, 2, "accept: v3: 2 write locks (inhibit; split+inhibit)");
	is_u64(t->pol[TDX_HP_IDEAL].splits[TDX_HP_CAUSE_ACCEPT], 1, "accept: ideal splits too");
	is_u64(t->pol[TDX_HP_IDEAL].write_lock, 2, "accept: ideal: collapse + split");
	is_u64(t->pol[TDX_HP_4K].ept, 515, "accept: 4k: 515 faults");
	is_u64(t->pol[TDX_HP_V3].ept, 515, "accept: v3: 515 faults (all 4K or splitting)");
	is_u64(t->pol[TDX_HP_IDEAL].ept, 515, "accept: ideal: 515 faults");
	is_u64(t->accept_4k, 513, "accept: 513 accepts at 4K");
}

/*
 * 1G: the first page of each of the 512 2M ranges of 1G range 0, at 2M.
 * ideal with 1G backing: 512 2M mappings, then one 1G collapse.  A
 * conversion of gfn 5 splits 1G -> 2M and that 2M -> 4K: 3 write locks,
 * AUG 2M x512 + 3 + 3 + 5 = 523 calls.  Without 1G backing: no 1G.
 */
static void test_1g(void)
{
	const struct tdx_hp_td *t;

	for (int backing = 1; backing >= 0; backing--) {
		__u32 pid = 400 + (__u32)backing;

		start(backing, NULL, 0);
		for (__u64 r = 0; r < 512; r++)
			fault(pid, 0, r * 512, A2M);
		t = td(pid);
		is_u64(t->pol[TDX_HP_IDEAL].huge_1g, (__u64)backing, "1G (backing %d): 1G mappings", backing);
		is_u64(t->pol[TDX_HP_V3].huge_1g, 0, "1G (backing %d): v3 is 2M only", backing);
		is_u64(t->pol[TDX_HP_V3].huge_2m, 512, "1G (backing %d): v3: 512 2M", backing);
		convert(pid, 0, 5, 1, true, NULL, 0);	/* gfn 5 was never mapped: no zap */
		tdx_hp_finish(H);
		t = td(pid);
		is_u64(t->pol[TDX_HP_IDEAL].splits_1g, (__u64)backing, "1G (backing %d): 1G split", backing);
		is_u64(t->pol[TDX_HP_IDEAL].write_lock, 1 + 2 * (__u64)backing,
		       "1G (backing %d): write locks", backing);
		is_u64(ops(&t->pol[TDX_HP_IDEAL]), 517 + 6 * (__u64)backing,
		       "1G (backing %d): calls", backing);
		is_u64(t->pol[TDX_HP_IDEAL].huge_2m, 511, "1G (backing %d): 511 2M left", backing);
		is_u64(t->pol[TDX_HP_IDEAL].pages_4k, 511, "1G (backing %d): 511 4K", backing);
		is_u64(t->mem_pages, 512 * 512, "1G (backing %d): size from the highest GFN: 1G", backing);
		ok(t->mem_estimated, "1G (backing %d): size is an estimate", backing);
	}
}

/*
 * Slot 0x100 + 0x1000 pages: range 0 (0-511) is not whole inside it (4K
 * only), range 1 (512-1023) is.  Faults: all of range 1, pages 256-511.
 * v3: one 2M + 256 4K: share 512/768; 257 faults; memory from the slot.
 */
static void test_slots(void)
{
	const struct tdx_hp_slot slot = { .pid = 500, .gfn = 0x100, .npages = 0x1000 };
	const struct tdx_hp_td *t;

	start(false, &slot, 1);
	for (__u64 g = 512; g < 1024; g++)
		fault(500, 0, g, A2M);
	for (__u64 g = 256; g < 512; g++)
		fault(500, 0, g, A2M);
	fault(501, 0, 0, A2M);		/* another TD: no slot of its own, so aligned */
	tdx_hp_finish(H);
	t = td(500);
	is_u64(t->pol[TDX_HP_V3].huge_2m, 1, "slots: v3: the aligned range is 2M");
	is_u64(t->pol[TDX_HP_V3].pages_4k, 256, "slots: v3: the misaligned one 4K");
	is_u64(t->pol[TDX_HP_V3].ept, 257, "slots: v3: 257 faults");
	ok(fabs(tdx_hp_share(t, TDX_HP_V3) - 512.0 / 768) < 1e-12, "slots: v3 share 2/3");
	is_u64(t->misaligned_ranges, 1, "slots: one misaligned range");
	ok(t->mem_pages == 0x1000 && !t->mem_estimated, "slots: memory size from the slot");
	is_u64(td(501)->pol[TDX_HP_V3].huge_2m, 1, "slots: a TD without slots is not limited");
}

/*
 * Memory mapped before the trace: a zap of gfn 2053 never seen mapped
 * (range 4) and a spurious fault on gfn 3072 (range 6) make those ranges
 * unknown; range 5 (2560-3071) is faulted whole.  Unknown ranges count in
 * no policy: 4k has 512 pages (range 5) + 0, never a negative count.
 */
static void test_pretrace(void)
{
	const __u32 pid = 600;
	struct tdx_event e = { 0 };
	const struct tdx_hp_td *t;
	size_t n;
	const struct tdx_hp_point *pt;
	bool in_range = true;

	start(false, NULL, 0);
	zap(pid, 2053);
	fault(pid, 0, 2053, A4K);
	for (__u64 g = 2560; g < 3072; g++)
		fault(pid, 0, g, A2M);
	e.args[TDX_EPT_VIOLATION_ARG_GPA] = 3072ULL << 12;
	e.args[TDX_EPT_VIOLATION_ARG_PRIVATE] = 1;
	e.args[TDX_EPT_VIOLATION_ARG_RESULT] = 6;	/* RET_PF_SPURIOUS */
	feed(&e, pid, TDX_EV_EPT_VIOLATION);
	zap(pid, 3072);
	tdx_hp_finish(H);
	t = td(pid);
	is_u64(t->unknown_ranges, 2, "pretrace: 2 ranges unknown");
	is_u64(t->unknown_pages, 2, "pretrace: 2 pages seen mapped from before");
	is_u64(t->pol[TDX_HP_4K].pages_4k, 512, "pretrace: 4k counts the known range only");
	is_u64(t->pol[TDX_HP_V3].huge_2m, 1, "pretrace: v3: the known range is 2M");
	is_u64(t->pol[TDX_HP_V3].pages_4k, 0, "pretrace: v3: no 4K (unknown excluded, not negative)");
	ok(tdx_hp_share(t, TDX_HP_4K) == 0 && tdx_hp_share(t, TDX_HP_V3) == 1,
	   "pretrace: shares over known memory");
	is_u64(t->pol[TDX_HP_4K].ept, 514, "pretrace: 4k: every fault counts");
	is_u64(t->pol[TDX_HP_V3].ept, 3, "pretrace: v3: unknown-range faults count, range 5 once");
	pt = tdx_hp_series(H, &n);
	for (size_t i = 0; i < n; i++)
		for (int p = 0; p < TDX_HP_NPOL; p++)
			if (!(pt[i].share[p] == -1 || (pt[i].share[p] >= 0 && pt[i].share[p] <= 1)))
				in_range = false;
	ok(n > 0 && in_range, "pretrace: %zu series points, every share in [0,1] or none", n);
}

/*
 * Build time: PAGE.ADD and its mapping for the 512 pages of range 8
 * (4096-4607), then a fault in range 9 at 2M.  No policy counts a PAGE.AUG
 * for build pages.  4k and v3: 512 4K (v3 never merges them); ideal: 4K,
 * collapsed when whole (BLOCK TRACK PROMOTE).  Range 9: 2M in v3 and ideal.
 */
static void test_build(void)
{
	const __u32 pid = 700;
	const struct tdx_hp_td *t;

	start(false, NULL, 0);
	for (__u64 g = 4096; g < 4608; g++) {
		struct tdx_event e = { 0 };

		seamcall(pid, TDX_LEAF_MEM_PAGE_ADD, g << 12, 0, 14000);
		e.args[TDX_PRIVATE_MAP_ARG_GFN] = g;
		e.args[TDX_PRIVATE_MAP_ARG_LEVEL] = TDX_PG_LEVEL_4K;
		e.args[TDX_PRIVATE_MAP_ARG_MAPPED] = 1;
		feed(&e, pid, TDX_EV_PRIVATE_MAP);
	}
	fault(pid, 0, 4608, A2M);
	tdx_hp_finish(H);
	t = td(pid);
	is_u64(t->build_pages, 512, "build: 512 PAGE.ADD");
	is_u64(t->pol[TDX_HP_4K].ops[TDX_HP_OP_AUG_4K], 1, "build: 4k: one PAGE.AUG (the fault)");
	is_u64(t->pol[TDX_HP_4K].pages_4k, 513, "build: 4k: 513 4K mappings");
	is_u64(t->pol[TDX_HP_V3].pages_4k, 512, "build: v3: the build range stays 4K");
	is_u64(t->pol[TDX_HP_V3].huge_2m, 1, "build: v3: range 9 is 2M");
	is_u64(ops(&t->pol[TDX_HP_V3]), 1, "build: v3: one call (AUG 2M)");
	is_u64(t->pol[TDX_HP_IDEAL].collapses, 1, "build: ideal collapses the whole build range");
	is_u64(t->pol[TDX_HP_IDEAL].huge_2m, 2, "build: ideal: 2 2M mappings");
	is_u64(ops(&t->pol[TDX_HP_IDEAL]), 4, "build: ideal: BLOCK TRACK PROMOTE + AUG 2M");
	is_u64(t->pol[TDX_HP_IDEAL].ept, 1, "build: ideal: one fault");
}

/*
 * Two vCPU threads interleave: map 0 (thread A), map 512 (B), fault 0 (A,
 * at 4K), fault 512 (B, at 2M).  Each violation belongs to its own thread's
 * mapping: v3 inhibits range 0 (4K) and maps range 1 at 2M; 2 faults.
 */
static void test_interleaved(void)
{
	const __u32 pid = 800;
	const struct tdx_hp_td *t;

	start(false, NULL, 0);
	TID = 801;
	map_ev(pid, 0);
	TID = 802;
	map_ev(pid, 512);
	TID = 801;
	violation(pid, 0, 0, A4K);
	TID = 802;
	violation(pid, 1, 512, A2M);
	TID = 0;
	tdx_hp_finish(H);
	t = td(pid);
	is_u64(t->pol[TDX_HP_V3].ept, 2, "interleaved: v3: both faults count");
	is_u64(t->pol[TDX_HP_V3].inhibits, 1, "interleaved: v3: range 0 inhibited by its 4K accept");
	is_u64(t->pol[TDX_HP_V3].huge_2m, 1, "interleaved: v3: range 1 at 2M");
	is_u64(t->pol[TDX_HP_V3].maps_2m, 1, "interleaved: v3: one 2M mapping made");
	is_u64(t->pol[TDX_HP_V3].splits[TDX_HP_CAUSE_ACCEPT], 0, "interleaved: v3: no split");
}

int main(void)
{
	test_converted_once();
	test_flipping();
	test_accept_4k();
	test_1g();
	test_slots();
	test_pretrace();
	test_build();
	test_interleaved();
	tdx_hp_free(H);
	return tap_done();
}
