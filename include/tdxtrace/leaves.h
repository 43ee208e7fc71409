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
#define TDX_LEAF_MAX		128	/* leaf numbers are < TDX_LEAF_MAX */

/* Areas of the TDX host ABI: TDH.<AREA>.* */
enum tdx_area {
	TDX_AREA_VP,
	TDX_AREA_MNG,
	TDX_AREA_MEM,
	TDX_AREA_PHYMEM,
	TDX_AREA_MR,
	TDX_AREA_SYS,
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

/* TDX_LEAF_MEM_PAGE_AUG == 6, ... */
enum tdx_leaf {
#define TDX_X_ENUM(sfx, nr, name, area) TDX_LEAF_##sfx = nr,
	TDX_LEAF_TABLE(TDX_X_ENUM)
#undef TDX_X_ENUM
};

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
	X(TDX_OPERAND_BUSY_HOST_PRIORITY,	0x8000020400000000ULL, "OPERAND_BUSY_HOST_PRIORITY")

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
					   PREVIOUS_TLB_EPOCH_BUSY, SYS_BUSY */	\
	X(NO_ENTROPY,	"no_entropy")	/* RND_NO_ENTROPY (after the kernel's retries) */ \
	X(INTERRUPTED,	"interrupted")	/* INTERRUPTED_RESUMABLE */	\
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
	    cls == 0x8000020200000000ULL || cls == 0x8000020400000000ULL)
		return TDX_SC_BUSY;
	if (cls == 0x8000020300000000ULL)
		return TDX_SC_NO_ENTROPY;
	if (cls == 0x8000000300000000ULL)
		return TDX_SC_INTERRUPTED;
	return TDX_SC_ERROR;
}

#endif /* TDXTRACE_LEAVES_H */
