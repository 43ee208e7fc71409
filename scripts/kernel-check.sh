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
#              the series touches, with W=1, and compare the warnings with those
#              of the unpatched baseline (file and message, line numbers
#              ignored): any new warning, or a failed build, fails.
# Config: x86_64 defconfig + kernel/config/tdx.config + olddefconfig; every
# fragment line must survive olddefconfig.  `make prepare` runs once per base
# and config (cached).
#
# --fast (the `make check` tier): apply and checkpatch on every base, but the
# W=1 compile only for the final state on the first base.
# --tap: print TAP lines as well (for tests/kernel/test_kernel_check.sh).
#
# Cache: $TDXTRACE_CACHE (default ~/.cache/tdxtrace): kwork/<ver> (git copies
# of the pristine trees; branch "base" is the pristine commit), kbuild/<ver>-
# <config hash> (output directories).  Never touches the pristine trees.
#
# Prints a summary table base x patch x apply/checkpatch/compile; exits 1 on
# any failure, 2 on usage errors.
set -uo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${TDXTRACE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tdxtrace}
FRAGMENT=$SRC/kernel/config/tdx.config
SERIES=$SRC/kernel/series
JOBS=${KERNEL_CHECK_JOBS:-2}

# checkpatch message types accepted inside trace headers only: the TP_*()
# macros are written with spaces inside parentheses, continuation lines ending
# in '(' and aligned to the macro, and symbol tables as brace lists.
TRACE_IDIOM_TYPES="SPACING OPEN_ENDED_LINE COMPLEX_MACRO PARENTHESIS_ALIGNMENT"

fast=0 tap=0
bases="7.2 7.3"
usage() { echo "usage: $0 [--fast] [--tap] [--bases \"7.2 7.3\"]" >&2; exit 2; }
while (($#)); do
	case $1 in
	--fast) fast=1 ;;
	--tap) tap=1 ;;
	--bases) [[ $# -ge 2 ]] || usage; bases=$2; shift ;;
	-h|--help) usage ;;
	*) echo "kernel-check: unknown argument '$1'" >&2; usage ;;
	esac
	shift
done

log() { echo "kernel-check: $*" >&2; }
die() { log "$*"; exit 1; }

[[ -f $SERIES ]] || die "no $SERIES"
[[ -f $FRAGMENT ]] || die "no $FRAGMENT"
patches=()
while read -r p; do
	[[ -z $p || $p == \#* ]] && continue
	[[ -f $SRC/kernel/patches/$p ]] || die "kernel/series lists $p, which is not in kernel/patches/"
	patches+=("$SRC/kernel/patches/$p")
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

GIT=(git -c user.name="tdxtrace kernel-check" -c user.email=dev@tdxtrace.invalid
	-c advice.detachedHead=false -c core.hooksPath=/dev/null)

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
	(cd "$repo.tmp" && git init -q -b base && git add -f -A . &&
		"${GIT[@]}" commit -q -m "linux-source $ver baseline ($stamp)") || return 1
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

# Output directory configured and prepared once per base and config.
setup_build() {
	local ver=$1 repo=$2 hash out
	hash=$( { cat "$FRAGMENT"; echo "$ver"; } | sha256sum | cut -c1-12)
	out=$CACHE/kbuild/$ver-$hash
	if [[ -f $out/.tdxtrace-prepared ]]; then
		echo "$out"
		return 0
	fi
	log "$ver: configuring and preparing $out (once)"
	mkdir -p "$out"
	(cd "$repo" &&
		make -s O="$out" defconfig &&
		scripts/kconfig/merge_config.sh -m -O "$out" "$out/.config" "$FRAGMENT" &&
		make -s O="$out" olddefconfig) >"$out/config.log" 2>&1 ||
		{ log "$ver: configuration failed, see $out/config.log"; return 1; }
	local line missing=0
	while read -r line; do
		[[ $line == CONFIG_* ]] || continue
		if ! grep -qxF "$line" "$out/.config"; then
			log "$ver: $line from tdx.config did not survive olddefconfig"
			missing=1
		fi
	done <"$FRAGMENT"
	((missing == 0)) || return 1
	(cd "$repo" && make -s -j"$JOBS" O="$out" prepare) >"$out/prepare.log" 2>&1 ||
		{ log "$ver: make prepare failed, see $out/prepare.log"; return 1; }
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
compile_objs() {
	local repo=$1 out=$2 warnfile=$3 log=$4
	shift 4
	local o
	for o in "$@"; do rm -f "$out/$o"; done
	(cd "$repo" && make -j"$JOBS" O="$out" W=1 "$@") >"$log" 2>&1
	local rc=$?
	grep -E '(warning|error):|^Warning: ' "$log" |
		sed -E "s|$repo/||g; s|$out/||g; s|^(Warning: )?([^ :]+):[0-9]+(:[0-9]+)?|\1\2|" |
		sort >"$warnfile"
	return $rc
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
for ver in $bases; do
	case $ver in 7.2|7.3) ;; *) echo "kernel-check: unknown base '$ver'" >&2; exit 2 ;; esac
	src=$("$SRC/scripts/fetch-kernel.sh" "$ver") || die "$ver: fetch-kernel.sh failed"
	repo=$(setup_repo "$ver" "$src") || die "$ver: cannot set up a git copy of $src"
	do_cc=1
	((fast && !first)) && do_cc=0
	out=
	if ((do_cc)); then
		out=$(setup_build "$ver" "$repo") || { record R_CC "$ver" 0 FAIL; tapline fail "$ver: config and prepare"; first=0; continue; }
	fi
	reset_repo "$repo" || die "$ver: cannot reset $repo"
	wdir=$out
	[[ -n $wdir ]] || wdir=$CACHE/kbuild/$ver-nocompile
	mkdir -p "$wdir/kernel-check"

	# Objects: every .c the series touches (after the whole series).
	objs=()
	while read -r f; do
		[[ $f == *.c ]] && objs+=("${f%.c}.o")
	done < <(grep -hE '^\+\+\+ b/' "${patches[@]}" | sed 's|^+++ b/||' | sort -u)

	if ((do_cc)); then
		key=$(printf '%s\n' "${objs[@]}" | sha256sum | cut -c1-12)
		base_warn=$out/kernel-check/baseline-$key.warn
		if [[ ! -f $base_warn ]]; then
			log "$ver: W=1 baseline of ${#objs[@]} objects"
			if compile_objs "$repo" "$out" "$base_warn.tmp" "$out/kernel-check/baseline.log" "${objs[@]}"; then
				mv "$base_warn.tmp" "$base_warn"
			else
				log "$ver: the unpatched baseline does not build, see $out/kernel-check/baseline.log"
				record R_CC "$ver" 0 FAIL
				tapline fail "$ver: unpatched baseline builds"
				first=0
				continue
			fi
		fi
	fi

	i=0
	applied_all=1
	for p in "${patches[@]}"; do
		i=$((i + 1))
		name=$(basename "$p")
		if (cd "$repo" && "${GIT[@]}" am -q "$p") >"$wdir/kernel-check/am-$i.log" 2>&1; then
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
		if ((do_cc)) && { ((!fast)) || ((i == ${#patches[@]})); }; then
			warn=$out/kernel-check/patch-$i.warn
			if compile_objs "$repo" "$out" "$warn" "$out/kernel-check/patch-$i.log" "${objs[@]}"; then
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
	reset_repo "$repo"
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
echo "kernel-check: $(( $(date +%s) - t0 )) s, $fails failure(s)"
((fails == 0))
