#!/usr/bin/env bash
# test_abi_kernel.sh - the ABI tables in include/tdxtrace/leaves.h against a
# real kernel tree (Debian linux-source-7.2 by default; KERNEL_TREE=... or
# ABI_KERNEL=7.3 to check another).  A renumbered, renamed, added or removed
# leaf or status code makes this fail.
#
# The check is compiled: the kernel's own #define lines are extracted and put
# beside our tables in one C file, so the comparison uses the C preprocessor's
# values, not a text match of our header.
set -uo pipefail
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
O=${O:-$SRC/build}
ver=${ABI_KERNEL:-7.2}
n=0
tap() { n=$((n + 1)); echo "$1 $n - $2"; }

tree=${KERNEL_TREE:-}
if [[ -z $tree ]]; then
	if ! tree=$("$SRC/scripts/fetch-kernel.sh" "$ver" 2>"$O/fetch-kernel-$ver.log"); then
		cat "$O/fetch-kernel-$ver.log" | sed 's/^/# /'
		tap "not ok" "fetch linux-source-$ver"
		exit 1
	fi
fi
tdx_h=$tree/arch/x86/virt/vmx/tdx/tdx.h
errno_h=$tree/arch/x86/include/asm/shared/tdx_errno.h
asm_tdx_h=$tree/arch/x86/include/asm/tdx.h
seamldr_c=$tree/arch/x86/virt/vmx/tdx/seamldr.c	# 7.2+ (runtime module update)
shared_tdx_h=$tree/arch/x86/include/asm/shared/tdx.h
for f in "$tdx_h" "$errno_h" "$asm_tdx_h"; do
	[[ -f $f ]] || { tap "not ok" "kernel header $f exists"; exit 1; }
done
tap ok "kernel $ver headers found in $tree"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Kernel leaf names and our leaf names (through the C preprocessor).
grep -E '^#define[[:space:]]+TDH_[A-Z0-9_]+[[:space:]]+[0-9]+' "$tdx_h" |
	awk '{print $2, $3}' | sort >"$work/kernel_leaves"
cat >"$work/ours.c" <<C
#include "tdxtrace/leaves.h"
#define X(sfx, nr, name, area) OURLEAF TDH_##sfx nr name
TDX_LEAF_TABLE(X)
#undef X
#define X(macro, val, name) OURSTATUS macro val
TDX_STATUS_TABLE(X)
C
gcc -E -P -I"$SRC/include" "$work/ours.c" | tr ' ' '\n' | grep -v '^$' |
	awk '/^OURLEAF$/{getline a; getline b; print a, b} ' | sort >"$work/our_leaves"
if diff <(awk '{print $1}' "$work/kernel_leaves") <(awk '{print $1}' "$work/our_leaves") >"$work/namediff"; then
	tap ok "leaf names: the $(wc -l <"$work/our_leaves") leaves of tdx.h and leaves.h are the same set"
else
	sed 's/^/# /' "$work/namediff"
	tap "not ok" "leaf names differ between tdx.h (<) and leaves.h (>)"
fi

# Numbers: compile the kernel's defines beside our enum.
{
	echo '#include <stdio.h>'
	echo '#include "tdxtrace/leaves.h"'
	grep -E '^#define[[:space:]]+TDH_[A-Z0-9_]+[[:space:]]+[0-9]+' "$tdx_h"
	grep -E '^#define[[:space:]]+TDX_VERSION_SHIFT' "$tdx_h"
	grep -hE '^#define[[:space:]]+EXIT_REASON_[A-Z0-9_]+[[:space:]]+(0x[0-9A-Fa-f]+|[0-9]+)[[:space:]]*$' \
		"$tree/arch/x86/include/uapi/asm/vmx.h" "$tree/arch/x86/include/asm/vmx.h"
	grep -hE '^#define[[:space:]]+P_SEAMLDR_[A-Z]+[[:space:]]+0x[0-9A-Fa-f]+' "$seamldr_c" 2>/dev/null | sed 's/$/ULL/'
	grep -hoE '^#define[[:space:]]+TDVMCALL_[A-Z_]+[[:space:]]+0x1000[0-9A-Fa-f]' "$shared_tdx_h" |
		sed 's/^#define[[:space:]]*\(TDVMCALL_[A-Z_]*\)/#define K_\1/'
	echo '#define X(name, nr, reason) enum { TDX_TDVMCALL_VAL_##name = nr };'
	echo 'TDX_TDVMCALL_TABLE(X)'
	echo '#undef X'
	echo '#include <string.h>'
	grep -E '^#define[[:space:]]+TDX_[A-Z0-9_]+[[:space:]]+0x[0-9A-Fa-f]+ULL' "$errno_h" "$asm_tdx_h" |
		sed 's/^[^:]*://' | sed 's/^#define[[:space:]]*\(TDX_[A-Z0-9_]*\)/#define K_\1/'
	echo 'static int n, bad;'
	echo 'static void chk(const char *what, unsigned long long ours, unsigned long long theirs) {'
	echo '	n++; if (ours != theirs) { bad++; printf("# %s: ours 0x%llx, kernel 0x%llx\n", what, ours, theirs); } }'
	echo 'int main(void) {'
	echo '#define X(sfx, nr, name, area) chk("TDH_" #sfx, TDX_LEAF_##sfx, TDH_##sfx);'
	echo '	TDX_LEAF_TABLE(X)'
	echo '#undef X'
	echo '	chk("TDX_VERSION_SHIFT", TDX_LEAF_VERSION_SHIFT, TDX_VERSION_SHIFT);'
	echo '#define X(macro, val, name) chk(#macro, val, K_##macro);'
	echo '	TDX_STATUS_TABLE(X)'
	echo '#undef X'
	echo '	chk("TDX_SW_ERROR", TDX_STATUS_SW_ERROR, 0x8000000000000000ULL | 0x0000FF0000000000ULL);'
	# Issue 18: the spec's leaves and statuses, where this kernel has them
	# too, carry the kernel's numbers.
	gcc -E -P -I"$SRC/include" -x c - <<'C2' | tr ' ' '\n' | grep -v '^$' |
#include "tdxtrace/leaves.h"
#define X(sfx, nr, name, area) SPECLEAF sfx
TDX_LEAF_SPEC_TABLE(X)
#undef X
#define X(macro, val, name) SPECSTATUS macro
TDX_STATUS_SPEC_TABLE(X)
C2
	awk '/^SPECLEAF$/{getline a; printf "#ifdef TDH_%s\n\tchk(\"spec TDH_%s\", TDX_LEAF_%s, TDH_%s);\n#endif\n", a, a, a, a}
	     /^SPECSTATUS$/{getline a; printf "#ifdef K_%s\n\tchk(\"spec %s\", 0, 0); { unsigned long long v = 0;\n#define X(m, val, name) if (!strcmp(#m, \"%s\")) v = val;\n\tTDX_STATUS_SPEC_TABLE(X)\n#undef X\n\tchk(\"spec %s\", v, K_%s); }\n#endif\n", a, a, a, a, a}'
	# VMX exit reasons (uapi/asm/vmx.h, asm/vmx.h for 7.3's 0xdead)
	echo '#define X(name, nr) chk("EXIT_REASON_" #name, nr, EXIT_REASON_##name);'
	echo '	TDX_EXIT_REASON_TABLE(X)'
	echo '#undef X'
	echo '#ifdef EXIT_REASON_UNDEFINED'
	echo '	chk("EXIT_REASON_UNDEFINED", TDX_EXIT_REASON_UNDEFINED, EXIT_REASON_UNDEFINED);'
	echo '#endif'
	# P-SEAMLDR leaves of seamldr.c (7.2+): bit 63 and the table's number
	for m in $(grep -hoE '^#define[[:space:]]+P_SEAMLDR_[A-Z]+[[:space:]]+0x[0-9A-Fa-f]+' "$seamldr_c" 2>/dev/null | awk '{print $2}'); do
		echo "	chk(\"$m\", TDX_LEAF_SEAMLDR_BIT | TDX_SEAMLDR_${m#P_SEAMLDR_}, $m);"
		echo "	chk(\"$m slot\", tdx_leaf_slot($m), TDX_LEAF_SLOT_SEAMLDR_${m#P_SEAMLDR_});"
	done
	# TDVMCALL sub-functions (asm/shared/tdx.h)
	echo '#define X(name, nr, reason) chk("TDVMCALL_" #name, nr, K_TDVMCALL_##name);'
	grep -hoE '^#define[[:space:]]+TDVMCALL_(GET_TD_VM_CALL_INFO|MAP_GPA|GET_QUOTE|REPORT_FATAL_ERROR|SETUP_EVENT_NOTIFY_INTERRUPT)[[:space:]]+0x[0-9A-Fa-f]+' "$shared_tdx_h" |
		awk '{printf "#ifdef K_%s\n\tchk(\"%s\", TDX_TDVMCALL_VAL_%s, K_%s);\n#endif\n", $2, $2, substr($2, 10), $2}'
	echo '#undef X'
	echo '	printf("%s %d - %d leaf numbers and status codes equal the kernel'"'"'s\n", bad ? "not ok" : "ok", '"$n"' + 1, n);'
	echo '	return bad != 0; }'
	echo '#define TDX_SUCCESS_UNUSED'
} >"$work/check.c"
# TDX_SUCCESS lives in asm/tdx.h as a plain 0; define it for the compare.
grep -q 'K_TDX_SUCCESS' "$work/check.c" || sed -i '3i #define K_TDX_SUCCESS 0ULL' "$work/check.c"
if gcc -std=gnu11 -I"$SRC/include" -o "$work/check" "$work/check.c" 2>"$work/cc.log"; then
	"$work/check"
	n=$((n + 1))
else
	sed 's/^/# /' "$work/cc.log" | head -n 30
	tap "not ok" "compile the leaf/status comparison (a code ours names is missing from the kernel)"
fi

# Kernel status codes we do not know (new codes should be added to the table).
grep -hE '^#define[[:space:]]+TDX_[A-Z0-9_]+[[:space:]]+0x[0-9A-Fa-f]+ULL' "$errno_h" |
	awk '$2 != "TDX_SEAMCALL_STATUS_MASK" {print $2}' | sort >"$work/kernel_status"
grep -oE 'X\(TDX_[A-Z0-9_]+' "$SRC/include/tdxtrace/leaves.h" | sed 's/X(//' | sort >"$work/our_status"
missing=$(comm -23 "$work/kernel_status" "$work/our_status" | tr '\n' ' ')
if [[ -z $missing ]]; then
	tap ok "every status code of tdx_errno.h is in TDX_STATUS_TABLE"
else
	tap "not ok" "status codes missing from TDX_STATUS_TABLE: $missing"
fi
echo "1..$n"
