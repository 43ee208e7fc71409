// SPDX-License-Identifier: GPL-2.0
/*
 * tdxtrace_test - fire every tdxtrace tracepoint with a known table of values.
 *
 * There is no TDX hardware under QEMU, so nothing in the kernel ever reaches
 * the tdxtrace tracepoints.  This module fires them itself, on demand, with
 * the argument values of table[] below, so that every consumer (ftrace text,
 * perf, trace-cmd, bpftrace, tdxtrace's BPF programs) can be checked against
 * a ground truth it did not produce.
 *
 * The tracepoints are looked up by name among the kernel's tracepoints
 * (for_each_kernel_tracepoint()) and those of loaded modules (KVM built as
 * modules), and fired through their iterator, i.e. the
 * same call trace_<name>() makes: every registered probe (ftrace, perf,
 * raw_tp/tp_btf BPF) runs with the given arguments.  This needs no export of
 * the tracepoint symbols, so kvm:* and kvmmmu:* events (static to KVM) are
 * reachable as well as tdx:tdx_seamcall.  The prototypes used for the calls
 * follow include/tdxtrace/events.h; `make vmtest` checks them against the
 * kernel's BTF (btf_trace_<name>) before the module is loaded.
 *
 * debugfs (/sys/kernel/debug/tdxtrace_test/):
 *   fire    write N (1..1000): fire the whole table N times in the writer's
 *           context (so the events belong to the writer's process: its TD)
 *   table   the table: "<system>:<event> <repeat> <nargs> <arg0> ..." (hex)
 *   counts  "<system>:<event> <fired>" since load (or the last write to it)
 *   fire_v2, table_v2
 *           the same for the events of kernel series v2 that events.h does
 *           not list yet (events_v2.h), and for v1 events with values v1
 *           decoded wrong; a table of its own, so that the v1 consumers
 *           never see these rows
 *   seamcall, seamcall_results (issue 18, stock mode)
 *           write N: call the kernel's real tdh_*() SEAMCALL wrappers N times
 *           each; their addresses come as module parameters (tdh_mem_track=
 *           0x..., read from /proc/kallsyms by vm-tests.py: with KVM built
 *           in, EXPORT_SYMBOL_FOR_KVM exports nothing, and with KVM=m only
 *           to "kvm" and "kvm-intel").  Under QEMU the SEAMCALL instruction
 *           raises #UD, which the kernel's SEAMCALL assembly returns as
 *           TDX_SW_ERROR | X86_TRAP_UD: real code paths, real returns.
 *           seamcall_results: "<wrapper> <leaf> <calls> <last status>".
 *   fire_stock, table_stock
 *           fire the upstream tracepoints stock mode composes
 *           (kvm:kvm_vm_set_mem_attributes) with known values
 * The table is also printed to the kernel log when the module loads.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/moduleparam.h>
#include <asm/tdx.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/uaccess.h>

#include "tdxtrace/events.h"
#include "tdxtrace/leaves.h"
#include "events_v2.h"

#define NS_PER_US 1000ULL

struct tt_event {
	const char *system;
	const char *name;
	int nargs;
	struct tracepoint *tp;
	struct module *owner;	/* module the tracepoint lives in, or NULL */
	atomic64_t fired;
};

static struct tt_event events[TDX_EV_MAX] = {
#define TT_EV(id, lower, sys, nm, n) [TDX_EV_##id] = { .system = sys, .name = nm, .nargs = n },
	TDX_EVENT_TABLE(TT_EV)
#undef TT_EV
};

struct tt_row {
	u16 kind;
	u16 repeat;
	u64 args[TDX_EV_MAX_ARGS];
};

#define U(x) ((u64)(s64)(x))	/* negative values, sign-extended as the glue does */
#define LEAF_V(nr, ver) (((u64)(ver) << TDX_LEAF_VERSION_SHIFT) | (nr))
#define SHARED_BIT (1ULL << 47)

/*
 * The ground truth.  Rows fire in this order, each `repeat` times in a row.
 * Values are chosen to cover every status class, leaf version bits, exact and
 * log-linear histogram slots, negative results, both MapGPA directions,
 * chunk retries and errors, both SEPT roots, and mixed/unmixed transitions
 * (including a redundant one).
 */
static const struct tt_row table[] = {
	/* SEAMCALL: leaf, status, tdr, gpa, level, retries, duration */
	{ TDX_EV_SEAMCALL, 5, { TDX_LEAF_MEM_PAGE_AUG, 0, 0x10a000000ULL, 0x80000000ULL, 0, 0, 1000 } },
	{ TDX_EV_SEAMCALL, 3, { LEAF_V(TDX_LEAF_MEM_PAGE_AUG, 1), 0x8000020000000090ULL,
				0x10a000000ULL, 0x80200000ULL, 1, 0, 2500 } },
	{ TDX_EV_SEAMCALL, 2, { TDX_LEAF_MEM_SEPT_ADD, 0xC0000B0000000000ULL, 0x10a000000ULL,
				0x80400000ULL, 1, 0, 700 } },
	{ TDX_EV_SEAMCALL, 1, { TDX_LEAF_MNG_CREATE, 0, 0x10a000000ULL, 0, U(-1), 0, 123456 } },
	{ TDX_EV_SEAMCALL, 1, { TDX_LEAF_PHYMEM_PAGE_RECLAIM, 0x8000020300000000ULL, 0x10a000000ULL,
				0, U(-1), 3, 45 * NS_PER_US } },
	{ TDX_EV_SEAMCALL, 2, { TDX_LEAF_SYS_RD, 0x0000081500000000ULL, 0, 0, U(-1), 0, 5 } },
	{ TDX_EV_SEAMCALL, 1, { TDX_LEAF_MEM_TRACK, 0x8000000300000000ULL, 0x10a000000ULL,
				0, U(-1), 0, 9 } },
	{ TDX_EV_SEAMCALL, 1, { TDX_LEAF_MR_EXTEND, 0x8000FF00FFFF0000ULL, 0x10a000000ULL,
				0x1000ULL, U(-1), 0, 1ULL << 20 } },
	{ TDX_EV_SEAMCALL, 4, { TDX_LEAF_MEM_PAGE_REMOVE, 0x8000020100000000ULL, 0x10a000000ULL,
				0x80600000ULL, 0, 0, 3000 } },

	/* VP_ENTER: vcpu, status, exit_reason, duration */
	{ TDX_EV_VP_ENTER, 6, { 0, 0, 48, 20 * NS_PER_US } },
	{ TDX_EV_VP_ENTER, 2, { 1, 0, 12, 150 * NS_PER_US } },
	{ TDX_EV_VP_ENTER, 1, { 1, 0x4000000200000000ULL, 0, 300 } },
	{ TDX_EV_VP_ENTER, 1, { 0, 0, 200, 64 } },

	/* EPT_VIOLATION: vcpu, gpa, exit_qual, private, level, retries, result, duration */
	{ TDX_EV_EPT_VIOLATION, 4, { 0, 0x100000ULL, 0x181, 1, 1, 0, 5, 8000 } },
	{ TDX_EV_EPT_VIOLATION, 2, { 1, SHARED_BIT | 0x200000ULL, 0x182, 0, 2, 2, 1, 12000 } },
	{ TDX_EV_EPT_VIOLATION, 1, { 0, 0x300000ULL, 0x184, 1, 1, 20, U(-EFAULT), 500 * NS_PER_US } },
	{ TDX_EV_EPT_VIOLATION, 1, { 2, 0x400000ULL, 0x181, 1, 3, 0, 6, 100 } },

	/* MAP_GPA: vcpu, gpa, size, to_shared */
	{ TDX_EV_MAP_GPA, 2, { 0, 0x10000000ULL, 0x400000ULL, 1 } },
	{ TDX_EV_MAP_GPA, 1, { 1, 0x20000000ULL, 0x1000ULL, 0 } },
	/* MAP_GPA_CHUNK: vcpu, gpa, size, to_shared, hc_ret, retry */
	{ TDX_EV_MAP_GPA_CHUNK, 3, { 0, 0x10000000ULL, 0x200000ULL, 1, 0, 0 } },
	{ TDX_EV_MAP_GPA_CHUNK, 1, { 0, 0x10200000ULL, 0x200000ULL, 1, U(-EAGAIN), 1 } },
	{ TDX_EV_MAP_GPA_CHUNK, 1, { 1, 0x20000000ULL, 0x1000ULL, 0, U(-EINVAL), 0 } },
	/* MAP_GPA_DONE: vcpu, gpa, size, to_shared, status, chunks, duration */
	{ TDX_EV_MAP_GPA_DONE, 1, { 0, 0x10000000ULL, 0x400000ULL, 1, TDVMCALL_STATUS_SUCCESS, 2,
				    250 * NS_PER_US } },
	{ TDX_EV_MAP_GPA_DONE, 1, { 0, 0x10000000ULL, 0x200000ULL, 1, TDVMCALL_STATUS_RETRY, 2,
				    90 * NS_PER_US } },
	{ TDX_EV_MAP_GPA_DONE, 1, { 1, 0x20000000ULL, 0, 0, TDVMCALL_STATUS_INVALID_OPERAND, 1,
				    40 * NS_PER_US } },
	{ TDX_EV_MAP_GPA_DONE, 1, { 1, 0x20001000ULL, 0, 0, TDVMCALL_STATUS_ALIGN_ERROR, 0, 2000 } },

	/* FROZEN_RETRY: vcpu, gfn, level, mirror */
	{ TDX_EV_FROZEN_RETRY, 5, { 0, 0x1000, 1, 1 } },
	{ TDX_EV_FROZEN_RETRY, 2, { 1, 0x2000, 2, 0 } },
	/* SPTE_FROZEN: gfn, level, mirror, held, result */
	{ TDX_EV_SPTE_FROZEN, 3, { 0x1000, 1, 1, 3000, 0 } },
	{ TDX_EV_SPTE_FROZEN, 1, { 0x2000, 2, 0, 70 * NS_PER_US, U(-EBUSY) } },

	/* HUGEPAGE_MIXED: gfn, level, mixed -- in this order per TD:
	 * 2M@0x200 mixed, again (redundant), 1G@0x40000 mixed then not mixed */
	{ TDX_EV_HUGEPAGE_MIXED, 1, { 0x200, 2, 1 } },
	{ TDX_EV_HUGEPAGE_MIXED, 1, { 0x200, 2, 1 } },
	{ TDX_EV_HUGEPAGE_MIXED, 1, { 0x40000, 3, 1 } },
	{ TDX_EV_HUGEPAGE_MIXED, 1, { 0x40000, 3, 0 } },
	/* PRIVATE_MAP: gfn, level, mapped */
	{ TDX_EV_PRIVATE_MAP, 3, { 0x201, 1, 1 } },
	{ TDX_EV_PRIVATE_MAP, 1, { 0x400, 2, 1 } },
	{ TDX_EV_PRIVATE_MAP, 1, { 0x400, 2, 0 } },
};

/*
 * The prototypes of events.h.  Narrow arguments are passed in full registers
 * (or 8-byte stack slots) by the x86-64 calling convention, so each callee
 * reads exactly the value its TP_PROTO type holds.
 */
typedef int (*it_seamcall_t)(void *, u64, u64, u64, u64, int, u32, u64);
typedef int (*it_vp_enter_t)(void *, u32, u64, u32, u64);
typedef int (*it_ept_t)(void *, u32, u64, u64, bool, int, u32, int, u64);
typedef int (*it_map_gpa_t)(void *, u32, u64, u64, bool);
typedef int (*it_map_chunk_t)(void *, u32, u64, u64, bool, s64, bool);
typedef int (*it_map_done_t)(void *, u32, u64, u64, bool, u64, u32, u64);
typedef int (*it_frozen_retry_t)(void *, u32, u64, int, bool);
typedef int (*it_spte_frozen_t)(void *, u64, int, bool, u64, int);
typedef int (*it_mixed_t)(void *, u64, int, bool);
typedef int (*it_private_map_t)(void *, u64, int, bool);

static void call_probes(const struct tt_row *r, void *it)
{
	const u64 *a = r->args;
#ifdef TT_HAVE_SRCU_FAST
	struct srcu_ctr __percpu *scp;

	/* What __do_trace_<name>() holds around the iterator (7.x) ... */
	scp = srcu_read_lock_fast_notrace(&tracepoint_srcu);
#endif
	/* ... and preemption off, as older kernels call probes. */
	preempt_disable_notrace();
	switch (r->kind) {
	case TDX_EV_SEAMCALL:
		((it_seamcall_t)it)(NULL, a[0], a[1], a[2], a[3], (int)a[4], (u32)a[5], a[6]);
		break;
	case TDX_EV_VP_ENTER:
		((it_vp_enter_t)it)(NULL, (u32)a[0], a[1], (u32)a[2], a[3]);
		break;
	case TDX_EV_EPT_VIOLATION:
		((it_ept_t)it)(NULL, (u32)a[0], a[1], a[2], !!a[3], (int)a[4], (u32)a[5],
			       (int)a[6], a[7]);
		break;
	case TDX_EV_MAP_GPA:
		((it_map_gpa_t)it)(NULL, (u32)a[0], a[1], a[2], !!a[3]);
		break;
	case TDX_EV_MAP_GPA_CHUNK:
		((it_map_chunk_t)it)(NULL, (u32)a[0], a[1], a[2], !!a[3], (s64)a[4], !!a[5]);
		break;
	case TDX_EV_MAP_GPA_DONE:
		((it_map_done_t)it)(NULL, (u32)a[0], a[1], a[2], !!a[3], a[4], (u32)a[5], a[6]);
		break;
	case TDX_EV_FROZEN_RETRY:
		((it_frozen_retry_t)it)(NULL, (u32)a[0], a[1], (int)a[2], !!a[3]);
		break;
	case TDX_EV_SPTE_FROZEN:
		((it_spte_frozen_t)it)(NULL, a[0], (int)a[1], !!a[2], a[3], (int)a[4]);
		break;
	case TDX_EV_HUGEPAGE_MIXED:
		((it_mixed_t)it)(NULL, a[0], (int)a[1], !!a[2]);
		break;
	case TDX_EV_PRIVATE_MAP:
		((it_private_map_t)it)(NULL, a[0], (int)a[1], !!a[2]);
		break;
	}
	preempt_enable_notrace();
#ifdef TT_HAVE_SRCU_FAST
	srcu_read_unlock_fast_notrace(&tracepoint_srcu, scp);
#endif
}

static void fire_row(const struct tt_row *r)
{
	struct tt_event *e = &events[r->kind];

	/* As trace_<name>() does: nothing to call while no probe is attached. */
	if (static_key_enabled(&e->tp->key))
		call_probes(r, e->tp->iterator);
	/* Counted whether or not a probe was attached: the call site ran. */
	atomic64_inc(&e->fired);
}

static void fire_table(unsigned int passes)
{
	unsigned int p, i, k;

	for (p = 0; p < passes; p++)
		for (i = 0; i < ARRAY_SIZE(table); i++)
			for (k = 0; k < table[i].repeat; k++)
				fire_row(&table[i]);
}

/* ------------------------------------------------------------ v2 events */

static struct tt_event events_v2[TDX_V2_EV_MAX] = {
#define TT_EV2(id, sys, nm, n) [TDX_V2_EV_##id] = { .system = sys, .name = nm, .nargs = n },
	TDX_V2_EVENT_TABLE(TT_EV2)
#undef TT_EV2
};

struct tt_row_v2 {
	u16 kind;
	u16 repeat;
	u64 args[TDX_V2_MAX_ARGS];
};

#define PID_A 4242		/* a VM's kvm->userspace_pid, not the writer's */
#define SEAMLDR_INSTALL 0x8000000000000001ULL

/*
 * Ground truth for the v2 events: every field at a distinct value, both
 * outcomes of each flag, a failed and a clean zap, a leak per leaf.
 */
static const struct tt_row_v2 table_v2[] = {
	/* v1 decoded these wrong: a P-SEAMLDR leaf (bit 63) ... */
	{ TDX_V2_EV_SEAMCALL, 1, { SEAMLDR_INSTALL, 0, 0, 0, U(-1), 0, 7000 } },
	/* ... TD exits (exit reason in bits 31:0) and NON_RECOVERABLE statuses */
	{ TDX_V2_EV_VP_ENTER, 2, { 3, 0x30, 48, 1500 } },
	{ TDX_V2_EV_VP_ENTER, 1, { 3, 0x4000000100000000ULL, 0, 800 } },
	/* BUSY_KICK: pid, leaf, status, retry_status, kick_ns */
	{ TDX_V2_EV_BUSY_KICK, 2, { PID_A, 29, 0x8000020000000092ULL, 0, 12000 } },
	{ TDX_V2_EV_BUSY_KICK, 1, { PID_A, 7, 0x80000200000000a9ULL, 0x8000020000000092ULL, 30000 } },
	/* SEPT_ZAP: pid, gfn, level, failed_leaf, status, kicks, duration_ns */
	{ TDX_V2_EV_SEPT_ZAP, 3, { PID_A, 0x80123, 1, 0, 0, 0, 4000 } },
	{ TDX_V2_EV_SEPT_ZAP, 1, { PID_A, 0x80124, 1, 29, 0xC0000B0D00000000ULL, 2, 90000 } },
	/* TRACK: pid, status, track_ns, ipi_ns */
	{ TDX_V2_EV_TRACK, 2, { PID_A, 0, 900, 2500 } },
	{ TDX_V2_EV_TRACK, 1, { PID_A, 0x8000020100000000ULL, 1900, 0 } },
	/* VCPU_BOUNCE: pid, vcpu_id */
	{ TDX_V2_EV_VCPU_BOUNCE, 4, { PID_A, 1 } },
	/* TD_BUILD: pid, vcpu_id, cmd, gpa, nr_pages, measured, ret, hw_error, duration_ns */
	{ TDX_V2_EV_TD_BUILD, 1, { PID_A, U(-1), 1, 0, 0, 0, 0, 0, 3000000 } },
	{ TDX_V2_EV_TD_BUILD, 2, { PID_A, 0, 2, 0, 0, 0, 0, 0, 150000 } },
	{ TDX_V2_EV_TD_BUILD, 1, { PID_A, 0, 3, 0xffc00000ULL, 512, 1, 0, 0, 80000000 } },
	{ TDX_V2_EV_TD_BUILD, 1, { PID_A, 0, 3, 0x100000ULL, 16, 0, U(-EINTR), 0, 700000 } },
	{ TDX_V2_EV_TD_BUILD, 1, { PID_A, U(-1), 4, 0, 0, 0, U(-EIO), 0xC000010000000000ULL, 40000 } },
	/* CACHE_WB: pid, hkid, resumes, status */
	{ TDX_V2_EV_CACHE_WB, 2, { PID_A, 17, 3, 0 } },
	/* HKID_RELEASE: pid, hkid, nr_vcpus, status, released, duration_ns */
	{ TDX_V2_EV_HKID_RELEASE, 1, { PID_A, 17, 4, 0, 1, 5000000 } },
	{ TDX_V2_EV_HKID_RELEASE, 1, { PID_A, 18, 2, 0x8000082400000000ULL, 0, 90000 } },
	/* HKID_LEAK: pid, hkid, leaf, status */
	{ TDX_V2_EV_HKID_LEAK, 1, { PID_A, 19, 19, 0x8000082400000000ULL } },
	{ TDX_V2_EV_HKID_LEAK, 1, { PID_A, 20, 20, 0xC000081100000000ULL } },
	/* TDVMCALL: vcpu_id, leaf, status, user_exit */
	{ TDX_V2_EV_TDVMCALL, 2, { 1, 0x10002, 0, 1 } },
	{ TDX_V2_EV_TDVMCALL, 1, { 0, 0x10000, 0, 0 } },
	{ TDX_V2_EV_TDVMCALL, 1, { 2, 0x10099, 0x8000000000000000ULL, 0 } },
	/* ATTR_ZAP: pid, start, end, to_private, flush, duration_ns */
	{ TDX_V2_EV_ATTR_ZAP, 1, { PID_A, 0x80000, 0x80200, 0, 1, 250000 } },
	{ TDX_V2_EV_ATTR_ZAP, 1, { PID_A, 0x80200, 0x80201, 1, 0, 3000 } },
};

/*
 * The v2 prototypes take at most 9 arguments of at most 64 bits: on x86-64
 * each goes in a full register or an 8-byte stack slot, so one prototype of
 * nine u64 calls every iterator, each callee reading the width its TP_PROTO
 * type has (int and u32 from the low half, bool and u16 from the low bytes).
 * tests/vmtest/check-btf.py checks the widths against the kernel's BTF.
 */
typedef int (*it_v2_t)(void *, u64, u64, u64, u64, u64, u64, u64, u64, u64);

static void fire_row_v2(const struct tt_row_v2 *r)
{
	struct tt_event *e = &events_v2[r->kind];
	const u64 *a = r->args;
#ifdef TT_HAVE_SRCU_FAST
	struct srcu_ctr __percpu *scp;
#endif

	if (static_key_enabled(&e->tp->key)) {
#ifdef TT_HAVE_SRCU_FAST
		scp = srcu_read_lock_fast_notrace(&tracepoint_srcu);
#endif
		preempt_disable_notrace();
		((it_v2_t)e->tp->iterator)(NULL, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8]);
		preempt_enable_notrace();
#ifdef TT_HAVE_SRCU_FAST
		srcu_read_unlock_fast_notrace(&tracepoint_srcu, scp);
#endif
	}
	atomic64_inc(&e->fired);
}

static ssize_t fire_v2_write(struct file *f, const char __user *ubuf, size_t len, loff_t *ppos)
{
	unsigned int passes, p, i, k;
	int err;

	err = kstrtouint_from_user(ubuf, len, 0, &passes);
	if (err)
		return err;
	if (passes < 1 || passes > 1000)
		return -EINVAL;
	for (p = 0; p < passes; p++)
		for (i = 0; i < ARRAY_SIZE(table_v2); i++)
			for (k = 0; k < table_v2[i].repeat; k++)
				fire_row_v2(&table_v2[i]);
	return len;
}

static const struct file_operations fire_v2_fops = {
	.owner = THIS_MODULE,
	.write = fire_v2_write,
	.llseek = noop_llseek,
};

static int table_v2_show(struct seq_file *m, void *v)
{
	unsigned int i;
	int j;

	seq_puts(m, "# system:event repeat nargs args... (u64, hex; TP_PROTO order of events_v2.h)\n");
	for (i = 0; i < ARRAY_SIZE(table_v2); i++) {
		const struct tt_event *e = &events_v2[table_v2[i].kind];

		seq_printf(m, "%s:%s %u %d", e->system, e->name, table_v2[i].repeat, e->nargs);
		for (j = 0; j < e->nargs; j++)
			seq_printf(m, " %#llx", table_v2[i].args[j]);
		seq_putc(m, '\n');
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(table_v2);

/* ------------------------------------------------------------ debugfs */

static ssize_t fire_write(struct file *f, const char __user *ubuf, size_t len, loff_t *ppos)
{
	unsigned int passes;
	int err;

	err = kstrtouint_from_user(ubuf, len, 0, &passes);
	if (err)
		return err;
	if (passes < 1 || passes > 1000)
		return -EINVAL;
	fire_table(passes);
	return len;
}

static const struct file_operations fire_fops = {
	.owner = THIS_MODULE,
	.write = fire_write,
	.llseek = noop_llseek,
};

static void print_row(struct seq_file *m, const struct tt_row *r)
{
	const struct tt_event *e = &events[r->kind];
	int j;

	seq_printf(m, "%s:%s %u %d", e->system, e->name, r->repeat, e->nargs);
	for (j = 0; j < e->nargs; j++)
		seq_printf(m, " %#llx", r->args[j]);
	seq_putc(m, '\n');
}

static int table_show(struct seq_file *m, void *v)
{
	unsigned int i;

	seq_puts(m, "# system:event repeat nargs args... (u64, hex; TP_PROTO order of events.h)\n");
	for (i = 0; i < ARRAY_SIZE(table); i++)
		print_row(m, &table[i]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(table);

static int counts_show(struct seq_file *m, void *v)
{
	int k;

	for (k = 1; k < TDX_EV_MAX; k++)
		seq_printf(m, "%s:%s %lld\n", events[k].system, events[k].name,
			   atomic64_read(&events[k].fired));
	return 0;
}

static int counts_open(struct inode *inode, struct file *file)
{
	return single_open(file, counts_show, inode->i_private);
}

static ssize_t counts_write(struct file *f, const char __user *ubuf, size_t len, loff_t *ppos)
{
	int k;

	for (k = 1; k < TDX_EV_MAX; k++)
		atomic64_set(&events[k].fired, 0);
	return len;
}

static const struct file_operations counts_fops = {
	.owner = THIS_MODULE,
	.open = counts_open,
	.read = seq_read,
	.write = counts_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/* ------------------------------------------- stock mode: real wrappers */

static unsigned long tdh_addr[4];
module_param_named(tdh_mem_track, tdh_addr[0], ulong, 0444);
MODULE_PARM_DESC(tdh_mem_track, "address of tdh_mem_track() (/proc/kallsyms)");
module_param_named(tdh_mem_page_aug, tdh_addr[1], ulong, 0444);
MODULE_PARM_DESC(tdh_mem_page_aug, "address of tdh_mem_page_aug()");
module_param_named(tdh_mem_range_block, tdh_addr[2], ulong, 0444);
MODULE_PARM_DESC(tdh_mem_range_block, "address of tdh_mem_range_block()");
module_param_named(tdh_phymem_cache_wb, tdh_addr[3], ulong, 0444);
MODULE_PARM_DESC(tdh_phymem_cache_wb, "address of tdh_phymem_cache_wb()");

/* The 7.2/7.3 prototypes (arch/x86/include/asm/tdx.h) */
typedef u64 (*tt_track_t)(struct tdx_td *td);
typedef u64 (*tt_aug_t)(struct tdx_td *td, u64 gpa, enum pg_level level, u64 pfn,
			u64 *ext_err1, u64 *ext_err2);
typedef u64 (*tt_block_t)(struct tdx_td *td, u64 gpa, enum pg_level level,
			  u64 *ext_err1, u64 *ext_err2);
typedef u64 (*tt_wb_t)(bool resume);

#define TT_AUG_GPA	0x80000000ULL	/* PG_LEVEL_4K */
#define TT_BLOCK_GPA	0x80200000ULL	/* PG_LEVEL_2M */

static const struct { const char *name; u32 leaf; } wrappers[4] = {
	{ "tdh_mem_track", TDX_LEAF_MEM_TRACK },
	{ "tdh_mem_page_aug", TDX_LEAF_MEM_PAGE_AUG },
	{ "tdh_mem_range_block", TDX_LEAF_MEM_RANGE_BLOCK },
	{ "tdh_phymem_cache_wb", TDX_LEAF_PHYMEM_CACHE_WB },
};
static atomic64_t wrapper_calls[4];
static u64 wrapper_status[4];
static struct page *tt_tdr, *tt_guest;
static struct tdx_td tt_td;

static void call_wrappers(void)
{
	u64 e1, e2, st;

	if (tdh_addr[0]) {
		st = ((tt_track_t)tdh_addr[0])(&tt_td);
		wrapper_status[0] = st;
		atomic64_inc(&wrapper_calls[0]);
	}
	if (tdh_addr[1]) {
		st = ((tt_aug_t)tdh_addr[1])(&tt_td, TT_AUG_GPA, PG_LEVEL_4K,
					     page_to_pfn(tt_guest), &e1, &e2);
		wrapper_status[1] = st;
		atomic64_inc(&wrapper_calls[1]);
	}
	if (tdh_addr[2]) {
		st = ((tt_block_t)tdh_addr[2])(&tt_td, TT_BLOCK_GPA, PG_LEVEL_2M, &e1, &e2);
		wrapper_status[2] = st;
		atomic64_inc(&wrapper_calls[2]);
	}
	if (tdh_addr[3]) {
		st = ((tt_wb_t)tdh_addr[3])(false);
		wrapper_status[3] = st;
		atomic64_inc(&wrapper_calls[3]);
	}
}

static ssize_t seamcall_write(struct file *f, const char __user *ubuf, size_t len, loff_t *ppos)
{
	unsigned int n, i;
	int err;

	err = kstrtouint_from_user(ubuf, len, 0, &n);
	if (err)
		return err;
	if (n < 1 || n > 10000 || !tt_tdr)
		return -EINVAL;
	for (i = 0; i < n; i++)
		call_wrappers();
	return len;
}

static const struct file_operations seamcall_fops = {
	.owner = THIS_MODULE,
	.write = seamcall_write,
	.llseek = noop_llseek,
};

static int seamcall_results_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < 4; i++)
		seq_printf(m, "%s %u %lld %#llx\n", wrappers[i].name, wrappers[i].leaf,
			   tdh_addr[i] ? atomic64_read(&wrapper_calls[i]) : -1LL,
			   wrapper_status[i]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(seamcall_results);

/* ----------------------------- stock mode: upstream tracepoints, known values */

static struct tt_event stock_tp = { .system = "kvm", .name = "kvm_vm_set_mem_attributes", .nargs = 3 };

/* kvm_vm_set_mem_attributes(gfn_t start, gfn_t end, unsigned long attr) */
static const u64 stock_rows[][3] = {
	{ 0x80000, 0x80200, 0 },	/* 2 MiB to shared */
	{ 0x80000, 0x80010, 8 },	/* 64 KiB back to private (KVM_MEMORY_ATTRIBUTE_PRIVATE) */
	{ 0x90000, 0x90001, 8 },	/* 4 KiB to private */
};

typedef void (*it3_t)(void *, u64, u64, u64);

static ssize_t fire_stock_write(struct file *f, const char __user *ubuf, size_t len, loff_t *ppos)
{
	unsigned int n, p, i;
	int err;
#ifdef TT_HAVE_SRCU_FAST
	struct srcu_ctr __percpu *scp;
#endif

	err = kstrtouint_from_user(ubuf, len, 0, &n);
	if (err)
		return err;
	if (n < 1 || n > 1000 || !stock_tp.tp)
		return -EINVAL;
	for (p = 0; p < n; p++)
		for (i = 0; i < ARRAY_SIZE(stock_rows); i++) {
			if (static_key_enabled(&stock_tp.tp->key)) {
#ifdef TT_HAVE_SRCU_FAST
				scp = srcu_read_lock_fast_notrace(&tracepoint_srcu);
#endif
				preempt_disable_notrace();
				((it3_t)stock_tp.tp->iterator)(NULL, stock_rows[i][0], stock_rows[i][1],
							       stock_rows[i][2]);
				preempt_enable_notrace();
#ifdef TT_HAVE_SRCU_FAST
				srcu_read_unlock_fast_notrace(&tracepoint_srcu, scp);
#endif
			}
			atomic64_inc(&stock_tp.fired);
		}
	return len;
}

static const struct file_operations fire_stock_fops = {
	.owner = THIS_MODULE,
	.write = fire_stock_write,
	.llseek = noop_llseek,
};

static int table_stock_show(struct seq_file *m, void *v)
{
	unsigned int i;

	seq_puts(m, "# system:event start_gfn end_gfn attributes (hex)\n");
	for (i = 0; i < ARRAY_SIZE(stock_rows); i++)
		seq_printf(m, "%s:%s %#llx %#llx %#llx\n", stock_tp.system, stock_tp.name,
			   stock_rows[i][0], stock_rows[i][1], stock_rows[i][2]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(table_stock);

/* ------------------------------------------------------------ init */

static void find_tp(struct tracepoint *tp, void *priv)
{
	int k;

	if (!stock_tp.tp && !strcmp(tp->name, stock_tp.name)) {
		stock_tp.tp = tp;
		stock_tp.owner = priv;
	}
	for (k = 1; k < TDX_EV_MAX; k++) {
		if (!events[k].tp && !strcmp(tp->name, events[k].name)) {
			events[k].tp = tp;
			events[k].owner = priv;
		}
	}
	for (k = 1; k < TDX_V2_EV_MAX; k++) {
		if (!events_v2[k].tp && !strcmp(tp->name, events_v2[k].name)) {
			events_v2[k].tp = tp;
			events_v2[k].owner = priv;
		}
	}
}

/*
 * Tracepoints of modules (kvm.ko and kvm-intel.ko when KVM is modular):
 * registering a tracepoint module notifier replays MODULE_STATE_COMING for
 * every module already loaded.  The owning module is pinned while we may
 * call its tracepoints.
 */
static int tp_module_cb(struct notifier_block *nb, unsigned long val, void *data)
{
	struct tp_module *tp_mod = data;
	struct module *mod = tp_mod->mod;
	unsigned int i;

	if (val != MODULE_STATE_COMING)
		return NOTIFY_OK;
	for (i = 0; i < mod->num_tracepoints; i++)
		find_tp(tracepoint_ptr_deref(&mod->tracepoints_ptrs[i]), mod);
	return NOTIFY_OK;
}

static struct notifier_block tp_module_nb = {
	.notifier_call = tp_module_cb,
};

static void put_owners(void)
{
	int k;

	for (k = 1; k < TDX_EV_MAX; k++) {
		if (events[k].owner)
			module_put(events[k].owner);
		events[k].owner = NULL;
	}
	for (k = 1; k < TDX_V2_EV_MAX; k++) {
		if (events_v2[k].owner)
			module_put(events_v2[k].owner);
		events_v2[k].owner = NULL;
	}
	if (stock_tp.owner)
		module_put(stock_tp.owner);
	stock_tp.owner = NULL;
}

static struct dentry *dir;

static int __init tt_init(void)
{
	unsigned int i;
	int k, missing = 0;

	for_each_kernel_tracepoint(find_tp, NULL);
	if (!register_tracepoint_module_notifier(&tp_module_nb))
		unregister_tracepoint_module_notifier(&tp_module_nb);
	for (k = 1; k < TDX_EV_MAX; k++) {
		if (events[k].owner && !try_module_get(events[k].owner)) {
			events[k].owner = NULL;
			events[k].tp = NULL;
		}
		if (!events[k].tp) {
			pr_err("tracepoint %s:%s not found in this kernel\n",
			       events[k].system, events[k].name);
			missing++;
		}
	}
	for (k = 1; k < TDX_V2_EV_MAX; k++) {
		if (events_v2[k].owner && !try_module_get(events_v2[k].owner)) {
			events_v2[k].owner = NULL;
			events_v2[k].tp = NULL;
		}
		if (!events_v2[k].tp) {
			pr_err("tracepoint %s:%s (series v2) not found in this kernel\n",
			       events_v2[k].system, events_v2[k].name);
			missing++;
		}
	}
	if (stock_tp.owner && !try_module_get(stock_tp.owner)) {
		stock_tp.owner = NULL;
		stock_tp.tp = NULL;
	}
	if (!stock_tp.tp)	/* stock mode's checks say so; not fatal */
		pr_warn("tracepoint %s:%s not found\n", stock_tp.system, stock_tp.name);
	if (missing) {
		put_owners();
		return -ENOENT;
	}
	tt_tdr = alloc_page(GFP_KERNEL | __GFP_ZERO);
	tt_guest = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!tt_tdr || !tt_guest) {
		if (tt_tdr)
			__free_page(tt_tdr);
		if (tt_guest)
			__free_page(tt_guest);
		tt_tdr = tt_guest = NULL;
		put_owners();
		return -ENOMEM;
	}
	tt_td.tdr_page = tt_tdr;

	dir = debugfs_create_dir("tdxtrace_test", NULL);
	if (IS_ERR(dir)) {
		__free_page(tt_tdr);
		__free_page(tt_guest);
		tt_tdr = tt_guest = NULL;
		put_owners();
		return PTR_ERR(dir);
	}
	debugfs_create_file("fire", 0200, dir, NULL, &fire_fops);
	debugfs_create_file("table", 0444, dir, NULL, &table_fops);
	debugfs_create_file("counts", 0644, dir, NULL, &counts_fops);
	debugfs_create_file("fire_v2", 0200, dir, NULL, &fire_v2_fops);
	debugfs_create_file("table_v2", 0444, dir, NULL, &table_v2_fops);
	debugfs_create_file("seamcall", 0200, dir, NULL, &seamcall_fops);
	debugfs_create_file("seamcall_results", 0444, dir, NULL, &seamcall_results_fops);
	debugfs_create_file("fire_stock", 0200, dir, NULL, &fire_stock_fops);
	debugfs_create_file("table_stock", 0444, dir, NULL, &table_stock_fops);

	pr_info("%zu rows over %d tracepoints; table:\n", ARRAY_SIZE(table), TDX_EV_MAX - 1);
	for (i = 0; i < ARRAY_SIZE(table); i++) {
		const struct tt_row *r = &table[i];
		const u64 *a = r->args;

		pr_info("  %s x%u: %#llx %#llx %#llx %#llx %#llx %#llx %#llx %#llx\n",
			events[r->kind].name, r->repeat, a[0], a[1], a[2], a[3],
			a[4], a[5], a[6], a[7]);
	}
	return 0;
}

static void __exit tt_exit(void)
{
	debugfs_remove_recursive(dir);
	put_owners();
	if (tt_tdr)
		__free_page(tt_tdr);
	if (tt_guest)
		__free_page(tt_guest);
}

module_init(tt_init);
module_exit(tt_exit);
MODULE_DESCRIPTION("tdxtrace test module: fires every tdxtrace tracepoint with known values");
MODULE_LICENSE("GPL");
