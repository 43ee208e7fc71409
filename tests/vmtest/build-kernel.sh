#!/usr/bin/env bash
# build-kernel.sh - build the kernel `make vmtest` boots, cached outside the clone.
#
#   tests/vmtest/build-kernel.sh         prints the artifact directory (bzImage, config, key)
#
# The kernel is Debian's linux-source-$VMTEST_KERNEL (default 7.2, via
# scripts/fetch-kernel.sh) + the series (kernel/series, else kernel/patches/*.patch)
# + the test-only patches (kernel/testing/*.patch), configured as allnoconfig
# + kernel/config/tdx.config + tests/vmtest/vm.config (VMTEST_BASE=x86_64_defconfig
# for a defconfig-based kernel: about twice the build time).
#
# Cache ($TDXTRACE_CACHE, else $XDG_CACHE_HOME/tdxtrace, else ~/.cache/tdxtrace):
#   vmtest/<ver>/src    one work tree: pristine + the last applied patches
#   vmtest/<ver>/obj    its object directory (O=), reused: make is incremental
#   vmtest/<key>/       the artifacts for one key = hash(base, config, patches)
# A key already built is returned at once.  When only the patches change, the
# work tree goes from the old series to the new one without a fresh copy: every
# file the old or the new patches touch is staged from the pristine tree, the
# new series is applied to the stage (the same as reverse-applying the old
# series and applying the new one, but it cannot fail on an old patch that was
# edited or removed since), and only the files whose content differs are
# rewritten in the work tree.  make then recompiles what depends on those files
# and nothing else; the object directory persists.  The config is regenerated
# each time, but an identical .config touches no include/config/ stamp, so it
# costs nothing.  The key still names exactly what was built; the log says how
# many objects were compiled.
#
# Environment: VMTEST_KERNEL (7.2), VMTEST_JOBS (2), VMTEST_UNPATCHED=1 (base
# kernel, no series: to bring up the boot before a series exists),
# VMTEST_BASE (allnoconfig), VMTEST_NICE (10),
# VMTEST_EXTRA_PATCHES="a.patch b.patch" (applied after the series).
# Messages go to stderr; stdout is only the artifact directory.
set -euo pipefail

SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
ver=${VMTEST_KERNEL:-7.2}
jobs=${VMTEST_JOBS:-2}
base=${VMTEST_BASE:-allnoconfig}
nice=${VMTEST_NICE:-10}
cache=${TDXTRACE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tdxtrace}
vmc=$cache/vmtest
mkdir -p "$vmc"

log() { echo "vmtest-build: $*" >&2; }
die() { log "$*"; exit 1; }

# One build at a time per cache (CI and a developer may share it).
exec 9>"$vmc/.lock"
flock 9

pristine=$("$SRC/scripts/fetch-kernel.sh" "$ver") || die "cannot fetch linux-source-$ver"

# ---------------------------------------------------------------- inputs
patches=()
if [[ ${VMTEST_UNPATCHED:-0} != 1 ]]; then
	if [[ -f $SRC/kernel/series ]]; then
		while read -r p _; do
			[[ -z $p || $p == \#* ]] && continue
			if [[ -f $SRC/kernel/patches/$p ]]; then patches+=("$SRC/kernel/patches/$p")
			elif [[ -f $SRC/kernel/$p ]]; then patches+=("$SRC/kernel/$p")
			else die "kernel/series names $p, which is neither in kernel/patches/ nor kernel/"
			fi
		done <"$SRC/kernel/series"
	else
		for p in "$SRC"/kernel/patches/*.patch; do [[ -f $p ]] && patches+=("$p"); done
	fi
	for p in "$SRC"/kernel/testing/*.patch; do [[ -f $p ]] && patches+=("$p"); done
fi
# Extra patches (debugging: e.g. a local fix on top of the series).
for p in ${VMTEST_EXTRA_PATCHES:-}; do
	[[ -f $p ]] || die "VMTEST_EXTRA_PATCHES: no file $p"
	patches+=("$(realpath "$p")")
done
fragments=()
[[ -f $SRC/kernel/config/tdx.config ]] && fragments+=("$SRC/kernel/config/tdx.config")
fragments+=("$SRC/tests/vmtest/vm.config")

# The key: base package, build script, fragments and patches (contents, in order).
key=$({
	echo "ver=$ver base=$base"
	cat "$pristine/.tdxtrace-extracted"
	sha256sum "$SRC/tests/vmtest/build-kernel.sh" | cut -d' ' -f1
	for f in "${fragments[@]}"; do echo "fragment ${f#"$SRC"/}"; cat "$f"; done
	for p in "${patches[@]}"; do echo "patch ${p#"$SRC"/}"; cat "$p"; done
} | sha256sum | cut -c1-16)
out=$vmc/$ver-$key
work=$vmc/$ver/src
obj=$vmc/$ver/obj
# A cached key counts if its artifacts exist and, unless VMTEST_NEED_OBJ=0,
# the object directory is at that key too (modules are built against it).
# run.sh asks with VMTEST_NEED_OBJ=0 first: a module already built for the
# key needs no object directory, so runs of two series on one cache do not
# rebuild the shared object directory back and forth.
if [[ -f $out/done ]] && { [[ ${VMTEST_NEED_OBJ:-1} == 0 ]] ||
	[[ $(cat "$obj/.tdxtrace-key" 2>/dev/null) == "$key" ]]; }; then
	log "cached: $out (${#patches[@]} patches)"
	echo "$out"
	exit 0
fi

# ---------------------------------------------------------------- work tree
if ! cmp -s "$pristine/.tdxtrace-extracted" "$work/.tdxtrace-extracted" 2>/dev/null; then
	log "copying $pristine to $work (new base; object directory reset)"
	rm -rf "$work" "$obj"
	mkdir -p "$(dirname "$work")"
	cp -a "$pristine" "$work.tmp"
	: >"$work.tmp/.tdxtrace-touched"
	mv "$work.tmp" "$work"
fi

# Files the new patches touch, and those the previous ones touched.
touched_new=$(for p in "${patches[@]}"; do
	sed -nE 's@^(\+\+\+|---) [ab]/([^[:space:]]+).*@\2@p' "$p"
done | sort -u)
touched=$( { echo "$touched_new"; cat "$work/.tdxtrace-touched"; } | grep -v '^$' | sort -u || true)

stage=$(mktemp -d "$vmc/.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
while IFS= read -r f; do
	[[ -z $f ]] && continue
	if [[ -f $pristine/$f ]]; then
		mkdir -p "$stage/$(dirname "$f")"
		cp -p "$pristine/$f" "$stage/$f"
	fi
done <<<"$touched"
for p in "${patches[@]}"; do
	if ! patch -d "$stage" -p1 -N -s --no-backup-if-mismatch -r - <"$p" >"$stage.log" 2>&1; then
		sed 's/^/  /' "$stage.log" >&2
		rm -f "$stage.log"
		die "${p#"$SRC"/} does not apply to linux-source-$ver"
	fi
done
rm -f "$stage.log"
changed=0
while IFS= read -r f; do
	[[ -z $f ]] && continue
	if [[ -f $stage/$f ]]; then
		if ! cmp -s "$stage/$f" "$work/$f"; then
			mkdir -p "$(dirname "$work/$f")"
			cp "$stage/$f" "$work/$f"	# new mtime: make rebuilds its dependents
			changed=$((changed + 1))
		fi
	elif [[ -e $work/$f ]]; then
		rm -f "$work/$f"
		changed=$((changed + 1))
	fi
done <<<"$touched"
echo "$touched_new" >"$work/.tdxtrace-touched"
log "${#patches[@]} patches applied, $changed files rewritten in $work"

# ---------------------------------------------------------------- config
mkdir -p "$obj"
blog=$vmc/$ver/build.log
: >"$blog"
kmake() { nice -n "$nice" make -C "$work" O="$obj" "$@" >>"$blog" 2>&1; }
kmake "$base" || die "$base failed (see $blog)"
"$work/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${fragments[@]}" >>"$blog" 2>&1 ||
	die "merge_config failed (see $blog)"
kmake olddefconfig || die "olddefconfig failed (see $blog)"
# Every option the fragments set must have survived olddefconfig (a missing
# dependency silently drops one otherwise).
bad=0
while IFS= read -r line; do
	if ! grep -qxF "$line" "$obj/.config"; then
		log "config: '$line' requested but not in the final .config"
		bad=1
	fi
done < <(cat "${fragments[@]}" | grep -E '^CONFIG_[A-Z0-9_]+=' || true)
((bad == 0)) || die "config fragments do not hold (fix their dependencies)"

# ---------------------------------------------------------------- build
log "building bzImage and modules with -j$jobs (log: $blog)"
start=$(date +%s)
if ! kmake -j"$jobs" bzImage modules; then
	grep -E 'error|Error' "$blog" | head -n 30 >&2 || true
	die "kernel build failed (see $blog)"
fi
log "built in $(($(date +%s) - start)) s ($(grep -cE '^  (CC|AS)( \[M\])? ' "$blog" || true) objects compiled)"

mkdir -p "$out.tmp"
cp "$obj/arch/x86/boot/bzImage" "$obj/.config" "$obj/System.map" "$out.tmp/"
# The kernel's BTF on its own (a few MB): run.sh checks the tracepoint
# prototypes against it even when the object directory has moved on to
# another key (bpftool reads raw BTF files).
objcopy -O binary --only-section=.BTF "$obj/vmlinux" "$out.tmp/vmlinux.btf" 2>>"$blog" ||
	rm -f "$out.tmp/vmlinux.btf"
[[ -f $obj/Module.symvers ]] && cp "$obj/Module.symvers" "$out.tmp/"
{
	echo "version=$ver"
	echo "key=$key"
	echo "src=$work"
	echo "obj=$obj"
	cat "$pristine/.tdxtrace-extracted"
	for p in "${patches[@]}"; do echo "patch=${p#"$SRC"/}"; done
	for f in "${fragments[@]}"; do echo "fragment=${f#"$SRC"/}"; done
} >"$out.tmp/build-info"
echo "$key" >"$obj/.tdxtrace-key"
rm -rf "$out"
mv "$out.tmp" "$out"
touch "$out/done"
echo "$out"
