/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * leaves.h - SEAMCALL leaf and status tables (the single source of truth).
 *
 * Leaf numbers are those Linux defines in arch/x86/virt/vmx/tdx/tdx.h; status
 * codes those of arch/x86/include/asm/shared/tdx_errno.h and asm/tdx.h.
 * tests/unit/test_abi_kernel.sh checks both tables against a real kernel
 * tree, so a renumbered or renamed leaf fails `make check`.
 *
 * A leaf value as passed to SEAMCALL (RAX) carries a version in bits 16..23:
 * leaf number = value & TDX_LEAF_NR_MASK, version = value >> TDX_LEAF_VERSION_SHIFT.
 */
#ifndef TDXTRACE_LEAVES_H
#define TDXTRACE_LEAVES_H

#include "types.h"

#define TDX_LEAF_NR_MASK	0xffffULL
#define TDX_LEAF_VERSION_SHIFT	16
#define TDX_LEAF_MAX		128	/* aggregation slots (tdx_leaf_slot()) are < TDX_LEAF_MAX */

/* Areas of the TDX host ABI: TDH.<AREA>.* */
enum tdx_area {
	TDX_AREA_VP,
	TDX_AREA_MNG,
	TDX_AREA_MEM,
	TDX_AREA_PHYMEM,
	TDX_AREA_MR,
	TDX_AREA_SYS,
	TDX_AREA_MIG,		/* service TDs and live migration (spec 1.5) */
	TDX_AREA_MAX,
};

/*
 * X(kernel macro suffix, number, printed name, area)
 * Kernel macro = TDH_<suffix>, e.g. TDH_MEM_PAGE_AUG.
 */
#define TDX_LEAF_TABLE(X)						\
	X(VP_ENTER,		 0, "TDH.VP.ENTER",		VP)	\
	X(MNG_ADDCX,		 1, "TDH.MNG.ADDCX",		MNG)	\
	X(MEM_PAGE_ADD,		 2, "TDH.MEM.PAGE.ADD",		MEM)	\
	X(MEM_SEPT_ADD,		 3, "TDH.MEM.SEPT.ADD",		MEM)	\
	X(VP_ADDCX,		 4, "TDH.VP.ADDCX",		VP)	\
	X(MEM_PAGE_AUG,		 6, "TDH.MEM.PAGE.AUG",		MEM)	\
	X(MEM_RANGE_BLOCK,	 7, "TDH.MEM.RANGE.BLOCK",	MEM)	\
	X(MNG_KEY_CONFIG,	 8, "TDH.MNG.KEY.CONFIG",	MNG)	\
	X(MNG_CREATE,		 9, "TDH.MNG.CREATE",		MNG)	\
	X(VP_CREATE,		10, "TDH.VP.CREATE",		VP)	\
	X(MNG_RD,		11, "TDH.MNG.RD",		MNG)	\
	X(MR_EXTEND,		16, "TDH.MR.EXTEND",		MR)	\
	X(MR_FINALIZE,		17, "TDH.MR.FINALIZE",		MR)	\
	X(VP_FLUSH,		18, "TDH.VP.FLUSH",		VP)	\
	X(MNG_VPFLUSHDONE,	19, "TDH.MNG.VPFLUSHDONE",	MNG)	\
	X(MNG_KEY_FREEID,	20, "TDH.MNG.KEY.FREEID",	MNG)	\
	X(MNG_INIT,		21, "TDH.MNG.INIT",		MNG)	\
	X(VP_INIT,		22, "TDH.VP.INIT",		VP)	\
	X(PHYMEM_PAGE_RDMD,	24, "TDH.PHYMEM.PAGE.RDMD",	PHYMEM)	\
	X(VP_RD,		26, "TDH.VP.RD",		VP)	\
	X(PHYMEM_PAGE_RECLAIM,	28, "TDH.PHYMEM.PAGE.RECLAIM",	PHYMEM)	\
	X(MEM_PAGE_REMOVE,	29, "TDH.MEM.PAGE.REMOVE",	MEM)	\
	X(SYS_KEY_CONFIG,	31, "TDH.SYS.KEY.CONFIG",	SYS)	\
	X(SYS_INIT,		33, "TDH.SYS.INIT",		SYS)	\
	X(SYS_RD,		34, "TDH.SYS.RD",		SYS)	\
	X(SYS_LP_INIT,		35, "TDH.SYS.LP.INIT",		SYS)	\
	X(SYS_TDMR_INIT,	36, "TDH.SYS.TDMR.INIT",	SYS)	\
	X(MEM_TRACK,		38, "TDH.MEM.TRACK",		MEM)	\
	X(PHYMEM_CACHE_WB,	40, "TDH.PHYMEM.CACHE.WB",	PHYMEM)	\
	X(PHYMEM_PAGE_WBINVD,	41, "TDH.PHYMEM.PAGE.WBINVD",	PHYMEM)	\
	X(VP_WR,		43, "TDH.VP.WR",		VP)	\
	X(SYS_CONFIG,		45, "TDH.SYS.CONFIG",		SYS)	\
	X(SYS_SHUTDOWN,		52, "TDH.SYS.SHUTDOWN",		SYS)	\
	X(SYS_UPDATE,		53, "TDH.SYS.UPDATE",		SYS)	\
	X(SYS_DISABLE,		69, "TDH.SYS.DISABLE",		SYS)

/*
 * Leaves of the TDX module ABI spec (1.5, 348551-006) that no kernel release
 * calls yet: the huge-page (DEMOTE, PROMOTE, UNBLOCK), Dynamic PAMT, TDX
 * Connect extension and live-migration series will.  Named and counted the
 * day they appear; tests/unit/test_abi_kernel.sh checks that a kernel that
 * defines one of them gives it the same number, and tells when one moves
 * into the kernel's tdx.h (then it belongs in TDX_LEAF_TABLE).
 */
#define TDX_LEAF_SPEC_TABLE(X)						\
	X(MEM_PAGE_RELOCATE,	 5, "TDH.MEM.PAGE.RELOCATE",	MEM)	\
	X(MEM_RD,		12, "TDH.MEM.RD",		MEM)	\
	X(MNG_WR,		13, "TDH.MNG.WR",		MNG)	\
	X(MEM_WR,		14, "TDH.MEM.WR",		MEM)	\
	X(MEM_PAGE_DEMOTE,	15, "TDH.MEM.PAGE.DEMOTE",	MEM)	\
	X(MEM_PAGE_PROMOTE,	23, "TDH.MEM.PAGE.PROMOTE",	MEM)	\
	X(MEM_SEPT_RD,		25, "TDH.MEM.SEPT.RD",		MEM)	\
	X(MNG_KEY_RECLAIMID,	27, "TDH.MNG.KEY.RECLAIMID",	MNG)	\
	X(MEM_SEPT_REMOVE,	30, "TDH.MEM.SEPT.REMOVE",	MEM)	\
	X(SYS_INFO,		32, "TDH.SYS.INFO",		SYS)	\
	X(SYS_RDALL,		37, "TDH.SYS.RDALL",		SYS)	\
	X(MEM_RANGE_UNBLOCK,	39, "TDH.MEM.RANGE.UNBLOCK",	MEM)	\
	X(MEM_SEPT_WR,		42, "TDH.MEM.SEPT.WR",		MEM)	\
	X(SYS_LP_SHUTDOWN,	44, "TDH.SYS.LP.SHUTDOWN",	SYS)	\
	X(SERVTD_BIND,		48, "TDH.SERVTD.BIND",		MIG)	\
	X(SERVTD_PREBIND,	49, "TDH.SERVTD.PREBIND",	MIG)	\
	X(PHYMEM_PAMT_ADD,	58, "TDH.PHYMEM.PAMT.ADD",	PHYMEM)	\
	X(PHYMEM_PAMT_REMOVE,	59, "TDH.PHYMEM.PAMT.REMOVE",	PHYMEM)	\
	X(EXT_INIT,		60, "TDH.EXT.INIT",		SYS)	\
	X(EXT_MEM_ADD,		61, "TDH.EXT.MEM.ADD",		SYS)	\
	X(EXPORT_ABORT,		64, "TDH.EXPORT.ABORT",		MIG)	\
	X(EXPORT_BLOCKW,	65, "TDH.EXPORT.BLOCKW",	MIG)	\
	X(EXPORT_RESTORE,	66, "TDH.EXPORT.RESTORE",	MIG)	\
	X(EXPORT_MEM,		68, "TDH.EXPORT.MEM",		MIG)	\
	X(EXPORT_PAUSE,		70, "TDH.EXPORT.PAUSE",		MIG)	\
	X(EXPORT_TRACK,		71, "TDH.EXPORT.TRACK",		MIG)	\
	X(EXPORT_STATE_IMMUTABLE, 72, "TDH.EXPORT.STATE.IMMUTABLE", MIG) \
	X(EXPORT_STATE_TD,	73, "TDH.EXPORT.STATE.TD",	MIG)	\
	X(EXPORT_STATE_VP,	74, "TDH.EXPORT.STATE.VP",	MIG)	\
	X(EXPORT_UNBLOCKW,	75, "TDH.EXPORT.UNBLOCKW",	MIG)	\
	X(IMPORT_ABORT,		80, "TDH.IMPORT.ABORT",		MIG)	\
	X(IMPORT_END,		81, "TDH.IMPORT.END",		MIG)	\
	X(IMPORT_COMMIT,	82, "TDH.IMPORT.COMMIT",	MIG)	\
	X(IMPORT_MEM,		83, "TDH.IMPORT.MEM",		MIG)	\
	X(IMPORT_TRACK,		84, "TDH.IMPORT.TRACK",		MIG)	\
	X(IMPORT_STATE_IMMUTABLE, 85, "TDH.IMPORT.STATE.IMMUTABLE", MIG) \
	X(IMPORT_STATE_TD,	86, "TDH.IMPORT.STATE.TD",	MIG)	\
	X(IMPORT_STATE_VP,	87, "TDH.IMPORT.STATE.VP",	MIG)	\
	X(MIG_STREAM_CREATE,	96, "TDH.MIG.STREAM.CREATE",	MIG)

/*
 * P-SEAMLDR calls (Linux 7.2 seamldr.c, runtime module update) go through
 * the same SEAMCALL path with bit 63 of the leaf set: 0x8000000000000000 is
 * SEAMLDR.INFO, not TDH.VP.ENTER.  X(suffix, number in bits 0..15, name).
 */
#define TDX_LEAF_SEAMLDR_BIT	(1ULL << 63)
#define TDX_SEAMLDR_TABLE(X)						\
	X(INFO,		0, "SEAMLDR.INFO")					\
	X(INSTALL,	1, "SEAMLDR.INSTALL")					\
	X(SHUTDOWN,	2, "SEAMLDR.SHUTDOWN")					\
	X(SEAMINFO,	3, "SEAMLDR.SEAMINFO")					\
	X(CLEANUP,	4, "SEAMLDR.CLEANUP")

/*
 * Aggregation slots.  Every statistic is keyed by a slot < TDX_LEAF_MAX:
 *   0 .. TDX_LEAF_SLOT_SEAMLDR-1     host leaf number (value & 0xffff)
 *   TDX_LEAF_SLOT_SEAMLDR + n        P-SEAMLDR leaf n (bit 63 set), n < 15
 *   TDX_LEAF_SLOT_OTHER              any other value: a host leaf number
 *                                    >= TDX_LEAF_SLOT_SEAMLDR or a P-SEAMLDR
 *                                    leaf >= 15 (counted, never named)
 * An unnamed slot below TDX_LEAF_SLOT_SEAMLDR is printed as its number.
 */
#define TDX_LEAF_SLOT_SEAMLDR	112
#define TDX_LEAF_SLOT_OTHER	(TDX_LEAF_MAX - 1)

/* TDX_LEAF_MEM_PAGE_AUG == 6, ..., TDX_LEAF_MEM_PAGE_DEMOTE == 15 */
enum tdx_leaf {
#define TDX_X_ENUM(sfx, nr, name, area) TDX_LEAF_##sfx = nr,
	TDX_LEAF_TABLE(TDX_X_ENUM)
	TDX_LEAF_SPEC_TABLE(TDX_X_ENUM)
#undef TDX_X_ENUM
};

/* TDX_SEAMLDR_INFO == 0 (the number), TDX_LEAF_SLOT_SEAMLDR_INFO == 112 */
enum tdx_seamldr_leaf {
#define TDX_X_ENUM(sfx, nr, name) TDX_SEAMLDR_##sfx = nr,		\
	TDX_LEAF_SLOT_SEAMLDR_##sfx = TDX_LEAF_SLOT_SEAMLDR + nr,
	TDX_SEAMLDR_TABLE(TDX_X_ENUM)
#undef TDX_X_ENUM
};

/* The slot of a leaf value as passed in RAX (version bits ignored). BPF-safe. */
TDX_INLINE __u32 tdx_leaf_slot(__u64 leaf)
{
	__u32 nr = (__u32)(leaf & TDX_LEAF_NR_MASK);

	if (leaf & TDX_LEAF_SEAMLDR_BIT)
		return nr < TDX_LEAF_SLOT_OTHER - TDX_LEAF_SLOT_SEAMLDR ?
		       TDX_LEAF_SLOT_SEAMLDR + nr : TDX_LEAF_SLOT_OTHER;
	return nr < TDX_LEAF_SLOT_SEAMLDR ? nr : TDX_LEAF_SLOT_OTHER;
}

/* ------------------------------------------------------------------ */
/* Status codes (RAX after SEAMCALL).  The class is the high 32 bits.  */

#define TDX_STATUS_CLASS_MASK	0xFFFFFFFF00000000ULL
#define TDX_STATUS_ERROR_BIT	(1ULL << 63)
#define TDX_STATUS_NON_RECOVERABLE_BIT (1ULL << 62)
#define TDX_STATUS_SW_ERROR	0x8000FF0000000000ULL	/* TDX_SW_ERROR */

/* X(kernel macro, value, printed name) - the architectural status codes. */
#define TDX_STATUS_TABLE(X)							\
	X(TDX_SUCCESS,				0x0000000000000000ULL, "SUCCESS")	\
	X(TDX_NON_RECOVERABLE_VCPU,		0x4000000100000000ULL, "NON_RECOVERABLE_VCPU") \
	X(TDX_NON_RECOVERABLE_TD,		0x4000000200000000ULL, "NON_RECOVERABLE_TD") \
	X(TDX_NON_RECOVERABLE_TD_NON_ACCESSIBLE, 0x6000000500000000ULL, "NON_RECOVERABLE_TD_NON_ACCESSIBLE") \
	X(TDX_NON_RECOVERABLE_TD_WRONG_APIC_MODE, 0x6000000700000000ULL, "NON_RECOVERABLE_TD_WRONG_APIC_MODE") \
	X(TDX_INTERRUPTED_RESUMABLE,		0x8000000300000000ULL, "INTERRUPTED_RESUMABLE") \
	X(TDX_SYS_BUSY,				0x8000020200000000ULL, "SYS_BUSY")	\
	X(TDX_OPERAND_INVALID,			0xC000010000000000ULL, "OPERAND_INVALID") \
	X(TDX_OPERAND_BUSY,			0x8000020000000000ULL, "OPERAND_BUSY")	\
	X(TDX_PREVIOUS_TLB_EPOCH_BUSY,		0x8000020100000000ULL, "PREVIOUS_TLB_EPOCH_BUSY") \
	X(TDX_RND_NO_ENTROPY,			0x8000020300000000ULL, "RND_NO_ENTROPY") \
	X(TDX_PAGE_METADATA_INCORRECT,		0xC000030000000000ULL, "PAGE_METADATA_INCORRECT") \
	X(TDX_VCPU_NOT_ASSOCIATED,		0x8000070200000000ULL, "VCPU_NOT_ASSOCIATED") \
	X(TDX_KEY_GENERATION_FAILED,		0x8000080000000000ULL, "KEY_GENERATION_FAILED") \
	X(TDX_KEY_STATE_INCORRECT,		0xC000081100000000ULL, "KEY_STATE_INCORRECT") \
	X(TDX_KEY_CONFIGURED,			0x0000081500000000ULL, "KEY_CONFIGURED") \
	X(TDX_NO_HKID_READY_TO_WBCACHE,		0x0000082100000000ULL, "NO_HKID_READY_TO_WBCACHE") \
	X(TDX_FLUSHVP_NOT_DONE,			0x8000082400000000ULL, "FLUSHVP_NOT_DONE") \
	X(TDX_EPT_WALK_FAILED,			0xC0000B0000000000ULL, "EPT_WALK_FAILED") \
	X(TDX_EPT_ENTRY_STATE_INCORRECT,	0xC0000B0D00000000ULL, "EPT_ENTRY_STATE_INCORRECT") \
	X(TDX_METADATA_FIELD_NOT_READABLE,	0xC0000C0200000000ULL, "METADATA_FIELD_NOT_READABLE")

/*
 * Status codes of the TDX module ABI spec (1.5) that the kernel headers do
 * not define yet (so the kernel checks cannot compare them): named, and
 * classed by tdx_status_class(), all the same.
 */
#define TDX_STATUS_SPEC_TABLE(X)						\
	X(TDX_INTERRUPTED_RESTARTABLE,		0x8000000400000000ULL, "INTERRUPTED_RESTARTABLE") \
	X(TDX_OPERAND_BUSY_HOST_PRIORITY,	0x8000020400000000ULL, "OPERAND_BUSY_HOST_PRIORITY") \
	X(TDX_HOST_PRIORITY_BUSY_TIMEOUT,	0x9000020500000000ULL, "HOST_PRIORITY_BUSY_TIMEOUT") \
	X(TDX_GPA_RANGE_NOT_BLOCKED,		0xC0000B0600000000ULL, "GPA_RANGE_NOT_BLOCKED") \
	X(TDX_TLB_TRACKING_NOT_DONE,		0xC0000B0800000000ULL, "TLB_TRACKING_NOT_DONE") \
	X(TDX_EPT_INVALID_PROMOTE_CONDITIONS,	0xC0000B0900000000ULL, "EPT_INVALID_PROMOTE_CONDITIONS") \
	X(TDX_PAGE_SIZE_MISMATCH,		0xC0000B0B00000000ULL, "PAGE_SIZE_MISMATCH")

/* Software errors the kernel synthesises (asm/tdx.h), full 64-bit values. */
#define TDX_SEAMCALL_VMFAILINVALID_VAL	(TDX_STATUS_SW_ERROR | 0xFFFF0000ULL)
#define TDX_SEAMCALL_GP_VAL		(TDX_STATUS_SW_ERROR | 13ULL)
#define TDX_SEAMCALL_UD_VAL		(TDX_STATUS_SW_ERROR | 6ULL)

/*
 * Status classes: what the aggregation counts per leaf.  Every 64-bit status
 * falls in exactly one class (tdx_status_class()).
 */
#define TDX_STATUS_CLASS_TABLE(X)					\
	X(SUCCESS,	"success")	/* class (bits 63:32) 0: the low half is	\
					   detail, e.g. VP.ENTER's exit reason */	\
	X(WARNING,	"warning")	/* bits 63 and 62 clear, class non-zero */	\
	X(BUSY,		"busy")		/* OPERAND_BUSY(_HOST_PRIORITY),	\
					   PREVIOUS_TLB_EPOCH_BUSY, SYS_BUSY,	\
					   HOST_PRIORITY_BUSY_TIMEOUT */	\
	X(NO_ENTROPY,	"no_entropy")	/* RND_NO_ENTROPY (after the kernel's retries) */ \
	X(INTERRUPTED,	"interrupted")	/* INTERRUPTED_RESUMABLE,	\
					   INTERRUPTED_RESTARTABLE */	\
	X(SW_ERROR,	"sw_error")	/* kernel-made: VMFAILINVALID, #GP, #UD */ \
	X(ERROR,	"error")	/* any other error (bit 63 set), and	\
					   NON_RECOVERABLE (bit 62: KVM bugs the VM) */

enum tdx_status_class {
#define TDX_X_ENUM(id, name) TDX_SC_##id,
	TDX_STATUS_CLASS_TABLE(TDX_X_ENUM)
#undef TDX_X_ENUM
	TDX_SC_MAX,
};

/*
 * Classify a full 64-bit SEAMCALL status as KVM reads it
 * (TDX_SEAMCALL_STATUS_MASK): the class is bits 63:32, so a TDH.VP.ENTER
 * return with an exit reason in bits 31:0 is a success; bit 62
 * (non-recoverable) is an error like bit 63.  BPF-safe (no loops, no tables).
 */
TDX_INLINE __u32 tdx_status_class(__u64 status)
{
	__u64 cls = status & TDX_STATUS_CLASS_MASK;

	if (cls == 0)
		return TDX_SC_SUCCESS;
	if (!(status & (TDX_STATUS_ERROR_BIT | TDX_STATUS_NON_RECOVERABLE_BIT)))
		return TDX_SC_WARNING;
	if ((status & TDX_STATUS_SW_ERROR) == TDX_STATUS_SW_ERROR)
		return TDX_SC_SW_ERROR;
	if (cls == 0x8000020000000000ULL || cls == 0x8000020100000000ULL ||
	    cls == 0x8000020200000000ULL || cls == 0x8000020400000000ULL ||
	    cls == 0x9000020500000000ULL)
		return TDX_SC_BUSY;
	if (cls == 0x8000020300000000ULL)
		return TDX_SC_NO_ENTROPY;
	if (cls == 0x8000000300000000ULL || cls == 0x8000000400000000ULL)
		return TDX_SC_INTERRUPTED;
	return TDX_SC_ERROR;
}

/* ------------------------------------------------------------------ */
/*
 * TD exit reasons: the VMX basic exit reason KVM reports for a TD (kvm_exit,
 * TDH.VP.ENTER's RAX bits 15:0).  X(name, number) for the reasons a TD can
 * exit with; 7.3 adds EXIT_REASON_UNDEFINED (0xdead: TDH.VP.ENTER failed so
 * no reason is defined, or entry was skipped for wait_for_sept_zap; 7.2 used
 * -1u) and NOTIFY/BUS_LOCK exits for TDs.  A TDVMCALL that KVM does not
 * translate (MapGPA, GetQuote, ...) is reported as TDCALL (77).
 */
#define TDX_EXIT_REASON_TABLE(X)					\
	X(EXCEPTION_NMI,	 0)					\
	X(EXTERNAL_INTERRUPT,	 1)					\
	X(TRIPLE_FAULT,		 2)					\
	X(INIT_SIGNAL,		 3)					\
	X(SIPI_SIGNAL,		 4)					\
	X(INTERRUPT_WINDOW,	 7)					\
	X(NMI_WINDOW,		 8)					\
	X(CPUID,		10)					\
	X(HLT,			12)					\
	X(VMCALL,		18)					\
	X(IO_INSTRUCTION,	30)					\
	X(MSR_READ,		31)					\
	X(MSR_WRITE,		32)					\
	X(EPT_VIOLATION,	48)					\
	X(EPT_MISCONFIG,	49)					\
	X(PREEMPTION_TIMER,	52)					\
	X(WBINVD,		54)					\
	X(XSETBV,		55)					\
	X(BUS_LOCK,		74)					\
	X(NOTIFY,		75)					\
	X(SEAMCALL,		76)					\
	X(TDCALL,		77)

#define TDX_EXIT_REASON_UNDEFINED	0xdead	/* 7.3 asm/vmx.h EXIT_REASON_UNDEFINED */

/*
 * Slots of the per-TD exit_reason[] array (maps.h, TDX_EXIT_REASON_SLOTS 80):
 * reasons 0..77 at their number, 0xdead at TDX_EXIT_SLOT_UNDEFINED, any
 * other value (7.2's -1u, a reason >= 78) at TDX_EXIT_SLOT_OTHER.
 */
#define TDX_EXIT_SLOT_UNDEFINED		78
#define TDX_EXIT_SLOT_OTHER		79

TDX_INLINE __u32 tdx_exit_reason_slot(__u32 reason)
{
	reason &= 0xffff;	/* basic exit reason */
	if (reason < TDX_EXIT_SLOT_UNDEFINED)
		return reason;
	return reason == TDX_EXIT_REASON_UNDEFINED ? TDX_EXIT_SLOT_UNDEFINED :
						     TDX_EXIT_SLOT_OTHER;
}

/*
 * TDVMCALL sub-functions (GHCI 1.5; R11 of a TDG.VP.VMCALL).  KVM exposes
 * them only through what they turn into: CPUID, HLT, IO, MSR and #VE MMIO
 * (reported as EPT_MISCONFIG) are kvm_exit reasons of their own, every other
 * one is kvm_exit reason TDCALL (77); MapGPA additionally surfaces as
 * KVM_HC_MAP_GPA_RANGE to the VMM and, once the VMM converts the range, as
 * kvm:kvm_vm_set_mem_attributes.  X(name, R11 value, kvm_exit reason).
 */
#define TDX_TDVMCALL_TABLE(X)						\
	X(CPUID,			10,	 10)			\
	X(HLT,				12,	 12)			\
	X(IO,				30,	 30)			\
	X(RDMSR,			31,	 31)			\
	X(WRMSR,			32,	 32)			\
	X(MMIO,				48,	 49)			\
	X(GET_TD_VM_CALL_INFO,		0x10000, 77)			\
	X(MAP_GPA,			0x10001, 77)			\
	X(GET_QUOTE,			0x10002, 77)			\
	X(REPORT_FATAL_ERROR,		0x10003, 77)			\
	X(SETUP_EVENT_NOTIFY_INTERRUPT,	0x10004, 77)

#endif /* TDXTRACE_LEAVES_H */
