#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# kernel-check.sh - check the tdxtrace kernel series against real kernel trees.
#
#   scripts/kernel-check.sh [--fast] [--bases "7.2 7.3"] [--tap]
#
# For each base (Debian linux-source, see scripts/fetch-kernel.sh):
#   apply      every patch of kernel/series with `git am`, one at a time, on a
#              fresh branch of a git copy of the pristine tree;
#   checkpatch scripts/checkpatch.pl --strict on every patch; the known false
#              positives of the trace-event idiom are accepted only inside trace
#              headers (see is_trace_header and TRACE_IDIOM_TYPES);
#   compile    after each patch (bisectable) every object built from a .c file
#              the series touches, or that includes a directory-local header it
#              touches (seamldr.c for seamcall_internal.h), with W=1, and
#              compare the warnings with those of the unpatched baseline (file
#              and message, line numbers ignored): any new warning, or a failed
#              build, fails.  Configuration "x86_64".
#   kvm-m      the final state, the same objects, with KVM, KVM_INTEL and
#              KVM_AMD as modules and KVM_WERROR (kernel/config/kvm-m.config),
#              plus: every tracepoint symbol kvm-intel's objects use is exported
#              by kvm's objects (what modpost would say);
#   i386       the final state, ARCH=i386 (kernel/config/i386.config): the
#              touched objects i386 builds, the 32-bit includers of asm/tdx.h
#              (process.o, traps.o, cpu/common.o, lapic.o, vmx.o, svm.o) and one
#              translation unit per header that includes asm/tdx.h or
#              asm/trace/tdx_symbols.h, W=1, no new warning;
#   unit       tdx_status_class() compiled for the host (-m64 and -m32) and
#              tested on statuses whose class the TDX ABI fixes; the leaf
#              column of tdx_seamcall's print format evaluated for TDX module
#              and P-SEAMLDR leaves (scripts/kcheck.py);
#   disasm     objdump of the final x86_64 objects: every static branch of the
#              series' tracepoints is a NOP, and in every function holding one
#              the disabled path (all static branches not taken) has no more
#              memory loads and no more conditional branches than the same
#              function of the unpatched baseline (scripts/kcheck.py disasm).
# Configs: x86_64 = x86_64 defconfig + kernel/config/tdx.config; every
# fragment line must survive olddefconfig.  `make prepare` runs once per base
# and config (cached).  KERNEL_CHECK_CONFIGS="x86_64 kvm-m i386" selects them.
#
# --fast (the `make check` tier): apply, checkpatch and the unit stage on every
# base, but the W=1 compile (x86_64 only) only for the final state on the
# first base.
# --final: every stage, but the x86_64 W=1 compile only for the final state
# (not after each patch): e.g. to run the checks on an older series.
# --tap: print TAP lines as well (for tests/kernel/test_kernel_check.sh).
# --series FILE: check the patches FILE lists (names relative to its
# directory's patches/, else to its directory), e.g. an older series.
#
# Cache: $TDXTRACE_CACHE (default ~/.cache/tdxtrace): kwork/<ver> (git copies
# of the pristine trees; branch "base" is the pristine commit), kbuild/<ver>-
# <config>-<config hash> (output directories).  Never touches the pristine
# trees.
#
# Prints a summary table base x patch x apply/checkpatch/compile and one line
# per final-state stage; exits 1 on any failure, 2 on usage errors.
set -uo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${TDXTRACE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tdxtrace}
FRAGMENT=$SRC/kernel/config/tdx.config
SERIES=$SRC/kernel/series
JOBS=${KERNEL_CHECK_JOBS:-2}
CONFIGS=${KERNEL_CHECK_CONFIGS:-x86_64 kvm-m i386}
KCHECK=$SRC/scripts/kcheck.py

# checkpatch message types accepted inside trace headers only: the TP_*()
# macros are written with spaces inside parentheses, continuation lines ending
# in '(' and aligned to the macro, and symbol tables as brace lists.
TRACE_IDIOM_TYPES="SPACING OPEN_ENDED_LINE COMPLEX_MACRO PARENTHESIS_ALIGNMENT"

fast=0 tap=0 final=0
bases="7.2 7.3"
usage() { echo "usage: $0 [--fast|--final] [--tap] [--bases \"7.2 7.3\"] [--series FILE]" >&2; exit 2; }
while (($#)); do
	case $1 in
	--fast) fast=1 ;;
	--final) final=1 ;;
	--tap) tap=1 ;;
	--bases) [[ $# -ge 2 ]] || usage; bases=$2; shift ;;
	--series) [[ $# -ge 2 ]] || usage; SERIES=$(realpath "$2"); shift ;;
	-h|--help) usage ;;
	*) echo "kernel-check: unknown argument '$1'" >&2; usage ;;
	esac
	shift
done

log() { echo "kernel-check: $*" >&2; }
die() { log "$*"; exit 1; }

[[ -f $SERIES ]] || die "no $SERIES"
[[ -f $FRAGMENT ]] || die "no $FRAGMENT"
sdir=$(dirname "$SERIES")
patches=()
while read -r p _; do
	[[ -z $p || $p == \#* ]] && continue
	if [[ -f $sdir/patches/$p ]]; then patches+=("$sdir/patches/$p")
	elif [[ -f $sdir/$p ]]; then patches+=("$sdir/$p")
	else die "$SERIES lists $p, which is neither in $sdir/patches/ nor $sdir/"
	fi
done <"$SERIES"
((${#patches[@]})) || die "kernel/series is empty"

# One kernel-check at a time per cache (make check and make kernel-check share
# the git copies and output directories).
mkdir -p "$CACHE"
exec 9>"$CACHE/kernel-check.lock"
if ! flock -n 9; then
	log "waiting for another kernel-check using $CACHE"
	flock 9
fi

# gc.auto=0: a background "git gc --auto" of an 80k-file tree would repack
# for minutes (and, inheriting fd 9, hold the lock while it does).
GIT=(git -c user.name="tdxtrace kernel-check" -c user.email=dev@tdxtrace.invalid
	-c advice.detachedHead=false -c core.hooksPath=/dev/null -c gc.auto=0)

# A git copy of the pristine tree, created once: branch "base".
setup_repo() {
	local ver=$1 src=$2 repo=$CACHE/kwork/$1
	local stamp
	stamp=$(cat "$src/.tdxtrace-extracted" 2>/dev/null)
	if [[ -d $repo/.git && -f $repo/.git/tdxtrace-base && $(cat "$repo/.git/tdxtrace-base") == "$stamp" ]]; then
		echo "$repo"
		return 0
	fi
	if [[ -d $repo/.git ]] && (cd "$repo" && git rev-parse -q --verify base >/dev/null); then
		# created by hand from the same tree: adopt it
		echo "$stamp" >"$repo/.git/tdxtrace-base"
		echo "$repo"
		return 0
	fi
	log "$ver: creating git copy of $src (once, ~1-2 min)"
	rm -rf "$repo.tmp"
	mkdir -p "$CACHE/kwork"
	cp -a "$src" "$repo.tmp" || return 1
	(cd "$repo.tmp" && git init -q -b base && git config gc.auto 0 && git add -f -A . &&
		"${GIT[@]}" commit -q -m "linux-source $ver baseline ($stamp)") 9>&- || return 1
	echo "$stamp" >"$repo.tmp/.git/tdxtrace-base"
	rm -rf "$repo"
	mv "$repo.tmp" "$repo"
	echo "$repo"
}

# Fresh branch at base, clean tree.
reset_repo() {
	local repo=$1
	(cd "$repo" &&
		{ git am --abort >/dev/null 2>&1 || true; } &&
		git checkout -q -f -B kernel-check base &&
		git clean -q -fdx) >/dev/null 2>&1
}

# Fragments and ARCH of a kernel-check configuration.
cfg_fragments() {
	case $1 in
	x86_64) echo "$FRAGMENT" ;;
	kvm-m) echo "$FRAGMENT $SRC/kernel/config/kvm-m.config" ;;
	i386) echo "$SRC/kernel/config/i386.config" ;;
	esac
}
cfg_arch() { [[ $1 == i386 ]] && echo i386 || echo x86_64; }

# Output directory configured and prepared once per base and config.
setup_build() {
	local ver=$1 repo=$2 cfg=${3:-x86_64} hash out arch frags f
	arch=$(cfg_arch "$cfg")
	frags=$(cfg_fragments "$cfg")
	hash=$( { for f in $frags; do cat "$f"; done; echo "$ver $cfg"; } | sha256sum | cut -c1-12)
	out=$CACHE/kbuild/$ver-$cfg-$hash
	if [[ -f $out/.tdxtrace-prepared ]]; then
		echo "$out"
		return 0
	fi
	log "$ver: configuring and preparing $out ($cfg, once)"
	mkdir -p "$out"
	# shellcheck disable=SC2086
	(cd "$repo" &&
		make -s ARCH="$arch" O="$out" defconfig &&
		scripts/kconfig/merge_config.sh -m -O "$out" "$out/.config" $frags &&
		make -s ARCH="$arch" O="$out" olddefconfig) >"$out/config.log" 2>&1 ||
		{ log "$ver: configuration failed, see $out/config.log"; return 1; }
	# Every line of the fragments (the last one wins) must have survived.
	local line missing=0
	declare -A want=()
	for f in $frags; do
		while read -r line; do
			[[ $line == CONFIG_*=* ]] && want[${line%%=*}]=$line
		done <"$f"
	done
	for line in "${want[@]}"; do
		if ! grep -qxF "$line" "$out/.config"; then
			log "$ver: $cfg: $line did not survive olddefconfig"
			missing=1
		fi
	done
	((missing == 0)) || return 1
	(cd "$repo" && nice -n 10 make -s -j"$JOBS" ARCH="$arch" O="$out" prepare) >"$out/prepare.log" 2>&1 ||
		{ log "$ver: make prepare failed, see $out/prepare.log"; return 1; }
	echo "$arch" >"$out/.tdxtrace-arch"
	touch "$out/.tdxtrace-prepared"
	echo "$out"
}

is_trace_header() {
	[[ $1 =~ (^|/)include/trace/ || $1 =~ /asm/trace/ || $1 =~ (^|/)[^/]*trace[^/]*\.h$ ]]
}

# Is file $2 covered by an F: directory pattern of $1/MAINTAINERS?
covered() {
	local pat
	while read -r pat; do
		[[ $pat == */ && $2 == "$pat"* ]] && return 0
		[[ $pat == "$2" ]] && return 0
	done < <(sed -n 's/^F:[[:space:]]*//p' "$1/MAINTAINERS")
	return 1
}

# checkpatch one patch; print offending findings; return 1 if any.
run_checkpatch() {
	local repo=$1 patch=$2 out rc=0
	# /usr/bin first: checkpatch runs spdxcheck.py with python3, which
	# needs the distribution's python3-ply, not a pyenv/venv python.
	out=$(cd "$repo" && PATH=/usr/bin:$PATH perl scripts/checkpatch.pl \
		--strict --show-types "$patch" 2>"$wdir/kernel-check/checkpatch.err")
	# A checkpatch that did not run (or died) must not look like a clean one.
	if ! grep -qE '^total: [0-9]+ errors, [0-9]+ warnings' <<<"$out"; then
		echo "checkpatch.pl did not complete on $patch:"
		cat "$wdir/kernel-check/checkpatch.err"
		return 1
	fi
	# Files the patch adds (for FILE_PATH_CHANGES): covered by MAINTAINERS?
	local added
	added=$(grep -E '^\+\+\+ b/' "$patch" | sed 's|^+++ b/||' | while read -r f; do
		grep -qE "^--- /dev/null$" <(grep -B1 -F "+++ b/$f" "$patch") && echo "$f"; done)
	local block type file
	while IFS= read -r -d '' block; do
		type=$(sed -n '1s/^\(ERROR\|WARNING\|CHECK\):\([A-Z_0-9]*\):.*/\2/p' <<<"$block")
		[[ -n $type ]] || continue
		file=$(sed -n 's/^#[0-9]*: FILE: \([^:]*\):.*/\1/p' <<<"$block" | head -n1)
		if [[ -n $file ]] && is_trace_header "$file" && [[ " $TRACE_IDIOM_TYPES " == *" $type "* ]]; then
			continue
		fi
		# "added file(s), does MAINTAINERS need updating?": no, when every
		# added file is under a directory some MAINTAINERS entry covers.
		if [[ $type == FILE_PATH_CHANGES && -n $added ]]; then
			local f ok=1
			for f in $added; do
				covered "$repo" "$f" || ok=0
			done
			((ok)) && continue
		fi
		printf '%s\n\n' "$block"
		rc=1
	done < <(awk 'BEGIN{RS=""} {printf "%s%c", $0, 0}' <<<"$out")
	return $rc
}

# W=1 build of the objects; warnings (normalized) to $3.  Returns make's status.
# KCHECK_KEEP_GOING=1: make -k (every object is tried; header TUs).
compile_objs() {
	local repo=$1 out=$2 warnfile=$3 log=$4
	shift 4
	local o arch
	arch=$(cat "$out/.tdxtrace-arch" 2>/dev/null || echo x86_64)
	for o in "$@"; do rm -f "$out/$o"; done
	(cd "$repo" && nice -n 10 make ${KCHECK_KEEP_GOING:+-k} -j"$JOBS" ARCH="$arch" O="$out" W=1 "$@") >"$log" 2>&1
	local rc=$?
	grep -E '(warning|error):|^Warning: ' "$log" |
		sed -E "s|$repo/||g; s|$out/||g; s|^(Warning: )?([^ :]+):[0-9]+(:[0-9]+)?|\1\2|" |
		sort >"$warnfile"
	return $rc
}

# Objects of the list ($3...) that configuration directory $2 builds.
built_objs() {
	local repo=$1 out=$2
	shift 2
	python3 "$KCHECK" built-objs "$repo" "$out/.config" "$@"
}

# Directory-local headers touched -> the .c files of the same directory that
# include them (a changed seamcall_internal.h rebuilds seamldr.c as well as
# tdx.c).  For trace headers, only the file that instantiates the events
# (CREATE_TRACE_POINTS): elsewhere they only declare trace_*() (the i386
# configuration compiles those includers explicitly).
local_includers() {
	local repo=$1 h d b c
	shift
	for h in "$@"; do
		[[ $h == *.h && $h != include/* && $h != */include/* ]] || continue
		d=$(dirname "$h") b=$(basename "$h")
		for c in "$repo/$d"/*.c; do
			[[ -f $c ]] && grep -qE "#[[:space:]]*include[[:space:]]*\"$b\"" "$c" || continue
			if is_trace_header "$h" && ! grep -q CREATE_TRACE_POINTS "$c"; then
				continue
			fi
			echo "$d/$(basename "$c")"
		done
	done
}

# Objects patch $2 affects (its .c files and the local includers of its
# headers), among those of the list ($3...).
patch_objs() {
	local repo=$1 p=$2 f o
	shift 2
	local -A in=()
	for o in "$@"; do in[$o]=1; done
	{ grep -E '^\+\+\+ b/' "$p" | sed 's|^+++ b/||' | grep '\.c$'
	  local_includers "$repo" $(grep -E '^\+\+\+ b/' "$p" | sed 's|^+++ b/||'); } |
		sort -u | while read -r f; do
			o=${f%.c}.o
			[[ -n ${in[$o]:-} ]] && echo "$o"
		done
}

# Stage results outside the per-patch table: name -> ok/FAIL, in order.
declare -A R_STAGE
stages=()
stage() { # base name result [detail file]
	local key="$1:$2"
	[[ -n ${R_STAGE[$key]:-} ]] || stages+=("$key")
	R_STAGE[$key]=$3
	[[ $3 == FAIL ]] && fails=$((fails + 1))
	tapline "$([[ $3 == ok ]] && echo ok || echo fail)" "$1: $2"
	return 0
}

# Relay a kcheck.py TAP stream: every line to the log, failures to stderr.
kcheck_stage() { # base name outfile cmd...
	local ver=$1 name=$2 outf=$3
	shift 3
	python3 "$KCHECK" "$@" >"$outf" 2>&1
	local rc=$? nok
	nok=$(grep -c '^ok ' "$outf")
	if ((rc == 0)); then
		stage "$ver" "$name ($nok checks)" ok
	else
		stage "$ver" "$name ($(grep -c '^not ok' "$outf") of $((nok + $(grep -c '^not ok' "$outf"))) checks failed, see $outf)" FAIL
		grep -A3 '^not ok' "$outf" | head -n 40 | sed 's/^/    /' >&2
		((tap)) && grep -A3 '^not ok' "$outf" | head -n 40 | sed 's/^/# /'
	fi
}

# Compare a W=1 build with its baseline: record a stage.
compare_stage() { # base name base_warn out warn log rc
	local ver=$1 name=$2 bw=$3 warn=$5 logf=$6 rc=$7 new
	new=$(diff "$bw" "$warn" | sed -n 's/^> //p')
	if ((rc == 0)) && [[ -z $new ]]; then
		stage "$ver" "$name" ok
	else
		stage "$ver" "$name" FAIL
		((rc)) && log "$ver: $name: build failed, see $logf"
		[[ -n $new ]] && { log "$ver: $name: new warnings:"; sed 's/^/    /' <<<"$new" | head -n 30 >&2; }
		((tap)) && [[ -n $new ]] && sed 's/^/# /' <<<"$new" | head -n 30
		((rc)) && grep -E 'error' "$logf" | head -n 20 | sed 's/^/    /' >&2
	fi
	return 0
}

declare -A R_APPLY R_CP R_CC
fails=0 tapn=0
tapline() {
	((tap)) || return 0
	tapn=$((tapn + 1))
	if [[ $1 == ok ]]; then echo "ok $tapn - $2"; else echo "not ok $tapn - $2"; fi
}
record() { # kind base idx result
	local -n arr=$1
	arr[$2:$3]=$4
	[[ $4 == FAIL ]] && fails=$((fails + 1))
	return 0
}

t0=$(date +%s)
first=1
have_cfg() { [[ " $CONFIGS " == *" $1 "* ]]; }
# Events the series defines (for the disassembly check).
events_file=$(mktemp)
trap 'rm -f "$events_file"' EXIT
grep -hE '^\+(TRACE_EVENT|TRACE_EVENT_CONDITION|DEFINE_EVENT|DEFINE_EVENT_PRINT)\(' "${patches[@]}" |
	sed -E 's/^\+TRACE_EVENT(_CONDITION)?\(([a-z0-9_]+).*/\2/; s/^\+DEFINE_EVENT(_PRINT)?\([a-z0-9_]+, *([a-z0-9_]+).*/\2/' |
	sort -u >"$events_file"
for ver in $bases; do
	case $ver in 7.2|7.3) ;; *) echo "kernel-check: unknown base '$ver'" >&2; exit 2 ;; esac
	src=$("$SRC/scripts/fetch-kernel.sh" "$ver") || die "$ver: fetch-kernel.sh failed"
	repo=$(setup_repo "$ver" "$src") || die "$ver: cannot set up a git copy of $src"
	do_cc=1
	((fast && !first)) && do_cc=0
	have_cfg x86_64 || do_cc=0
	# Final-state configurations (not in --fast).
	extra=()
	if ((!fast)); then
		for c in kvm-m i386; do have_cfg "$c" && extra+=("$c"); done
	fi
	declare -A OUT=()
	out=
	if ((do_cc)); then
		out=$(setup_build "$ver" "$repo" x86_64) || { record R_CC "$ver" 0 FAIL; tapline fail "$ver: config and prepare"; first=0; continue; }
		OUT[x86_64]=$out
	fi
	for c in "${extra[@]}"; do
		OUT[$c]=$(setup_build "$ver" "$repo" "$c") || { stage "$ver" "$c: config and prepare" FAIL; unset "OUT[$c]"; }
	done
	reset_repo "$repo" || die "$ver: cannot reset $repo"
	wdir=$out
	[[ -n $wdir ]] || wdir=$CACHE/kbuild/$ver-nocompile
	mkdir -p "$wdir/kernel-check"

	# Objects: every .c the series touches, and the .c files that include
	# a directory-local header it touches (after the whole series).
	touched=$(grep -hE '^\+\+\+ b/' "${patches[@]}" | sed 's|^+++ b/||' | sort -u)
	mapfile -t srcs < <( { grep '\.c$' <<<"$touched"; local_includers "$repo" $touched; } | sort -u)
	allobjs=()
	for f in "${srcs[@]}"; do [[ -n $f ]] && allobjs+=("${f%.c}.o"); done
	i386_extra=(arch/x86/kernel/process.o arch/x86/kernel/traps.o arch/x86/kernel/cpu/common.o
		arch/x86/kvm/lapic.o arch/x86/kvm/vmx/vmx.o arch/x86/kvm/svm/svm.o)
	declare -A OBJS=()
	for c in "${!OUT[@]}"; do
		if [[ $c == i386 ]]; then
			OBJS[$c]=$(built_objs "$repo" "${OUT[$c]}" "${allobjs[@]}" "${i386_extra[@]}" | sort -u | tr '\n' ' ')
		else
			OBJS[$c]=$(built_objs "$repo" "${OUT[$c]}" "${allobjs[@]}" | tr '\n' ' ')
		fi
	done

	# Baselines (cached per object list): warnings, and for x86_64 the
	# objects themselves (the disassembly check compares with them).
	declare -A BASEW=()
	for c in "${!OUT[@]}"; do
		o=${OUT[$c]}
		# shellcheck disable=SC2086
		key=$(printf '%s\n' ${OBJS[$c]} | sha256sum | cut -c1-12)
		BASEW[$c]=$o/kernel-check/baseline-$key.warn
		mkdir -p "$o/kernel-check"
		if [[ ! -f ${BASEW[$c]} || ! -d $o/kernel-check/baseline-$key.objs ]]; then
			log "$ver: $c: W=1 baseline of $(wc -w <<<"${OBJS[$c]}") objects"
			# shellcheck disable=SC2086
			if compile_objs "$repo" "$o" "${BASEW[$c]}.tmp" "$o/kernel-check/baseline.log" ${OBJS[$c]}; then
				rm -rf "$o/kernel-check/baseline-$key.objs"
				for ob in ${OBJS[$c]}; do
					mkdir -p "$o/kernel-check/baseline-$key.objs/$(dirname "$ob")"
					cp "$o/$ob" "$o/kernel-check/baseline-$key.objs/$ob"
				done
				mv "${BASEW[$c]}.tmp" "${BASEW[$c]}"
			else
				log "$ver: $c: the unpatched baseline does not build, see $o/kernel-check/baseline.log"
				stage "$ver" "$c: unpatched baseline builds" FAIL
				unset "OUT[$c]"
				continue
			fi
		fi
		if [[ $c == i386 ]]; then
			# One TU per header that includes asm/tdx.h, unpatched.
			python3 "$KCHECK" header-tus "$repo" "$o/kernel-check/hdr-base.list"
			mapfile -t tus < <(cut -d' ' -f1 "$o/kernel-check/hdr-base.list")
			KCHECK_KEEP_GOING=1 compile_objs "$repo" "$o" "$o/kernel-check/hdr-base.warn" \
				"$o/kernel-check/hdr-base.log" "${tus[@]}"
			: >"$o/kernel-check/hdr-base.ok"
			for t in "${tus[@]}"; do [[ -f $o/$t ]] && echo "$t" >>"$o/kernel-check/hdr-base.ok"; done
			reset_repo "$repo"
		fi
	done
	if [[ -n $out ]]; then
		key=$(printf '%s\n' ${OBJS[x86_64]} | sha256sum | cut -c1-12)
		base_warn=$out/kernel-check/baseline-$key.warn
		base_objs=$out/kernel-check/baseline-$key.objs
		objs=(${OBJS[x86_64]})
	fi

	i=0
	applied_all=1
	for p in "${patches[@]}"; do
		i=$((i + 1))
		name=$(basename "$p")
		if (cd "$repo" && "${GIT[@]}" am -q "$p") >"$wdir/kernel-check/am-$i.log" 2>&1 9>&-; then
			record R_APPLY "$ver" $i ok
			tapline ok "$ver: $name applies"
		else
			record R_APPLY "$ver" $i FAIL
			tapline fail "$ver: $name applies"
			sed 's/^/    /' "$wdir/kernel-check/am-$i.log" >&2
			(cd "$repo" && git am --abort) >/dev/null 2>&1
			applied_all=0
			break
		fi
		if findings=$(run_checkpatch "$repo" "$p"); then
			record R_CP "$ver" $i ok
			tapline ok "$ver: $name checkpatch --strict"
		else
			record R_CP "$ver" $i FAIL
			tapline fail "$ver: $name checkpatch --strict"
			log "$ver: $name: checkpatch findings outside the trace-event idiom:"
			sed 's/^/    /' <<<"$findings" >&2
			((tap)) && sed 's/^/# /' <<<"$findings"
		fi
		if ((do_cc)) && [[ -n ${OUT[x86_64]:-} ]] && { ((!fast && !final)) || ((i == ${#patches[@]})); }; then
			warn=$out/kernel-check/patch-$i.warn
			# Each patch recompiles what it affects (the other objects
			# are as the previous patch left them); the last, all.
			if ((i == ${#patches[@]})); then
				pobjs=("${objs[@]}")
			else
				mapfile -t pobjs < <(patch_objs "$repo" "$p" "${objs[@]}")
			fi
			if ((${#pobjs[@]} == 0)); then
				record R_CC "$ver" $i ok
				tapline ok "$ver: $name compiles with W=1 (no object affected)"
			elif compile_objs "$repo" "$out" "$warn" "$out/kernel-check/patch-$i.log" "${pobjs[@]}"; then
				new=$(diff "$base_warn" "$warn" | sed -n 's/^> //p')
				if [[ -z $new ]]; then
					record R_CC "$ver" $i ok
					tapline ok "$ver: $name compiles with W=1, no new warning"
				else
					record R_CC "$ver" $i FAIL
					tapline fail "$ver: $name compiles with W=1, no new warning"
					log "$ver: $name: new W=1 warnings:"
					sed 's/^/    /' <<<"$new" >&2
					((tap)) && sed 's/^/# /' <<<"$new"
				fi
			else
				record R_CC "$ver" $i FAIL
				tapline fail "$ver: $name compiles with W=1"
				log "$ver: $name: build failed, see $out/kernel-check/patch-$i.log"
				grep -E 'error' "$out/kernel-check/patch-$i.log" | head -n 20 | sed 's/^/    /' >&2
			fi
		fi
	done
	((applied_all)) || log "$ver: series stopped at patch $i"

	if ((applied_all)); then
		# ---- final state: unit checks (no kernel build)
		kcheck_stage "$ver" "unit: tdx_status_class()" "$wdir/kernel-check/unit-status-class.tap" status-class "$repo"
		kcheck_stage "$ver" "unit: tdx_seamcall leaf decode" "$wdir/kernel-check/unit-leaf-decode.tap" leaf-decode "$repo"
		# ---- final state: disassembly of the x86_64 objects
		if ((do_cc && !fast)) && [[ -n ${OUT[x86_64]:-} && -d $base_objs ]]; then
			kcheck_stage "$ver" "disasm: static branches are NOPs, disabled paths add no load or branch" \
				"$out/kernel-check/disasm.tap" disasm "$base_objs" "$out" "$events_file" "${objs[@]}"
		fi
		# ---- final state: KVM as modules with KVM_WERROR
		if [[ -n ${OUT[kvm-m]:-} ]]; then
			o=${OUT[kvm-m]}
			# shellcheck disable=SC2086
			compile_objs "$repo" "$o" "$o/kernel-check/final.warn" "$o/kernel-check/final.log" ${OBJS[kvm-m]}
			compare_stage "$ver" "kvm-m: KVM=m KVM_INTEL=m KVM_AMD=m KVM_WERROR=y, W=1, no new warning" \
				"${BASEW[kvm-m]}" "$o" "$o/kernel-check/final.warn" "$o/kernel-check/final.log" $?
			# modpost's view: tracepoints kvm-intel uses are exported by kvm.
			# (nm output is read whole: grep -q on a pipe would kill nm
			# with SIGPIPE, which pipefail turns into a miss.)
			miss=()
			kvmsyms=$(for kob in ${OBJS[kvm-m]}; do
				[[ $kob == arch/x86/kvm/* && $kob != arch/x86/kvm/vmx/* && -f $o/$kob ]] && nm "$o/$kob" 2>/dev/null
			done)
			for ob in ${OBJS[kvm-m]}; do
				[[ $ob == arch/x86/kvm/vmx/* && -f $o/$ob ]] || continue
				while read -r sym; do
					ev=${sym#__tracepoint_}
					grep -qE " [DdBb] __tracepoint_$ev\$" <<<"$kvmsyms" || continue
					grep -qE "__(export_symbol|ksymtab)_+tracepoint_$ev\$" <<<"$kvmsyms" ||
						miss+=("$ev ($ob)")
				done < <(nm -u "$o/$ob" | sed -n 's/^ *U \(__tracepoint_[a-z0-9_]*\)$/\1/p' | sort -u)
			done
			if ((${#miss[@]} == 0)); then
				stage "$ver" "kvm-m: every tracepoint kvm-intel fires is exported by kvm" ok
			else
				stage "$ver" "kvm-m: every tracepoint kvm-intel fires is exported by kvm (missing: ${miss[*]})" FAIL
			fi
		fi
		# ---- final state: i386
		if [[ -n ${OUT[i386]:-} ]]; then
			o=${OUT[i386]}
			# shellcheck disable=SC2086
			compile_objs "$repo" "$o" "$o/kernel-check/final.warn" "$o/kernel-check/final.log" ${OBJS[i386]}
			compare_stage "$ver" "i386: $(wc -w <<<"${OBJS[i386]}") objects (KVM=m, KVM_WERROR=y), W=1, no new warning" \
				"${BASEW[i386]}" "$o" "$o/kernel-check/final.warn" "$o/kernel-check/final.log" $?
			python3 "$KCHECK" header-tus "$repo" "$o/kernel-check/hdr.list"
			mapfile -t tus < <(cut -d' ' -f1 "$o/kernel-check/hdr.list")
			KCHECK_KEEP_GOING=1 compile_objs "$repo" "$o" "$o/kernel-check/hdr.warn" \
				"$o/kernel-check/hdr.log" "${tus[@]}"
			bad=()
			for t in "${tus[@]}"; do
				[[ -f $o/$t ]] || grep -qxF "$t" "$o/kernel-check/hdr-base.ok" ||
					bad+=("$(grep -F "$t " "$o/kernel-check/hdr.list" | cut -d' ' -f2)")
				# a header TU that built unpatched must still build
				[[ ! -f $o/$t ]] && grep -qxF "$t" "$o/kernel-check/hdr-base.ok" &&
					bad+=("$(grep -F "$t " "$o/kernel-check/hdr.list" | cut -d' ' -f2)")
			done
			new=$(diff "$o/kernel-check/hdr-base.warn" "$o/kernel-check/hdr.warn" | sed -n 's/^> //p')
			if ((${#bad[@]} == 0)) && [[ -z $new ]]; then
				stage "$ver" "i386: ${#tus[@]} headers including asm/tdx.h compile on their own, no new warning" ok
			else
				stage "$ver" "i386: ${#tus[@]} headers including asm/tdx.h compile on their own, no new warning" FAIL
				((${#bad[@]})) && log "$ver: i386: headers that do not compile: ${bad[*]} (see $o/kernel-check/hdr.log)"
				[[ -n $new ]] && sed 's/^/    /' <<<"$new" | head -n 20 >&2
				((tap)) && [[ -n $new ]] && sed 's/^/# /' <<<"$new" | head -n 20
			fi
		fi
	fi
	reset_repo "$repo"
	unset OUT OBJS BASEW
	first=0
done

# Summary table.
printf '\n%-5s %-62s %-6s %-10s %-7s\n' base patch apply checkpatch compile
for ver in $bases; do
	[[ -n ${R_CC[$ver:0]:-} ]] && printf '%-5s %-62s %-6s %-10s %-7s\n' "$ver" "(config/prepare/baseline)" - - "${R_CC[$ver:0]}"
	i=0
	for p in "${patches[@]}"; do
		i=$((i + 1))
		printf '%-5s %-62.62s %-6s %-10s %-7s\n' "$ver" "$(basename "$p")" \
			"${R_APPLY[$ver:$i]:--}" "${R_CP[$ver:$i]:--}" "${R_CC[$ver:$i]:--}"
	done
done
if ((${#stages[@]})); then
	echo
	for k in "${stages[@]}"; do
		printf '%-5s %-4s %s\n' "${k%%:*}" "${R_STAGE[$k]}" "${k#*:}"
	done
fi
echo "kernel-check: $(( $(date +%s) - t0 )) s, $fails failure(s)"
((fails == 0))
