#!/usr/bin/env bash
# newcomer-check.sh - `make newcomer-check`: the README's first steps, as a new
# user takes them, on a fresh Debian 12 (not part of `make check`).
#
# 1. A minimal Debian 12 (bookworm, debootstrap --variant=minbase) is made once
#    and kept in the cache; each run copies it into a new root.  The machine
#    then lacks every package of scripts/setup-deps.sh.
# 2. In that root (chroot, as root), the README's steps: `apt-get install git
#    make`, a fresh clone of this repository's HEAD at a path with a dot and a
#    deep folder (NEWCOMER_PATH, default /home/new.user/src/a/b/tdxtrace-0.2),
#    then `make run` in a pseudo-terminal (tmux) until tdxtop's first screen,
#    `q`, and `make check` (no terminal, as CI).  Each step is timed.
# BPF needs the host's kernel file systems: /proc, /sys (with /sys/kernel/btf,
# tracefs, debugfs, bpffs) and /dev are bound into the root (as slaves, so
# nothing propagates back) and unmounted on exit, whatever happened.
#
# Downloads are cached outside the clone so that a rerun is fast: the base
# system, the .debs apt fetches (bound on the root's /var/cache/apt/archives)
# and the linux-source .debs of the kernel tier.  Nothing else is: every
# package is installed, and every build and kernel tree made, anew.
#
# Environment: O (results in $O/newcomer/), NEWCOMER_PATH, NEWCOMER_KEEP=1
# (keep the root after the run, for a look inside), NEWCOMER_MIRROR,
# TDXTRACE_CACHE (else $XDG_CACHE_HOME/tdxtrace, else ~/.cache/tdxtrace).
# Prints the figures and closes with "N passed, N failed"; exit 1 on failure.
set -uo pipefail
# (The whole script is one block, read before it runs: editing the file
# during a run does not change that run.)
{
SRC=${SRC:-$(cd "$(dirname "$0")/.." && pwd)}
O=${O:-$SRC/build}
cache=${TDXTRACE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tdxtrace}/newcomer
root=$cache/root
base=$cache/base
out=$O/newcomer
clone=${NEWCOMER_PATH:-/home/new.user/src/a/b/tdxtrace-0.2}
suite=bookworm
mirror=${NEWCOMER_MIRROR:-$(grep -hoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list.d/*.sources \
	/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | grep -v security | head -n1 | tr -d ' ')}
mirror=${mirror:-http://deb.debian.org/debian}
mirror=${mirror%/}

log() { echo "newcomer: $*" >&2; }
die() { log "$*"; exit 1; }
[[ $(id -u) == 0 ]] || die "needs root (debootstrap, chroot, mounts)"
for c in debootstrap tmux git chroot findmnt; do
	command -v "$c" >/dev/null || die "needs $c (scripts/setup-deps.sh newcomer)"
done

mkdir -p "$cache" "$out"
# One run at a time per cache (a second would remove the first's root).
exec 8>"$cache/.lock"
flock -n 8 || die "another newcomer-check is running (lock $cache/.lock)"
results=$out/results.txt
: >"$results"
n=0 pass=0 fail=0
tap() {	# tap ok|"not ok" TEXT
	n=$((n + 1))
	if [[ $1 == ok ]]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
	echo "$1 $n - $2" | tee -a "$results"
}
verdict() { (($1 == 0)) && echo ok || echo "not ok"; }	# verdict STATUS
note() { echo "# $*" | tee -a "$results"; }
secs() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }'; }

# ---------------------------------------------------------------- mounts
mounted_under() {	# the mount points at or below $1, deepest first
	findmnt -rn -o TARGET | awk -v r="$1" '$0 == r || index($0, r "/") == 1' | sort -r
}
unmount_all() {
	local m left
	for m in $(mounted_under "$root"); do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "cannot unmount $m"
	done
	left=$(mounted_under "$root")
	[[ -z $left ]] || { log "still mounted: $left"; return 1; }
}
kill_inside() {	# end the processes this script started in the root
	local p r
	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) || continue
		[[ $r == "$root" ]] && kill -9 "${p#/proc/}" 2>/dev/null
	done
	return 0
}
tsock=$cache/tmux.sock
cleanup() {
	tmux -S "$tsock" kill-server 2>/dev/null
	kill_inside
	sleep 1
	if unmount_all && [[ ${NEWCOMER_KEEP:-0} != 1 ]]; then
		rm -rf "$root"
	fi
}

# A previous run that was killed may have left its mounts: never remove a
# root that still has the host's /sys or /dev under it.
kill_inside
unmount_all || die "a previous root is still mounted under $root: unmount it first"
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- base
t=$(date +%s.%N)
if [[ ! -f $base/.tdxtrace-base ]]; then
	log "debootstrap --variant=minbase $suite from $mirror (once; kept in $base)"
	rm -rf "$base.tmp"
	if ! debootstrap --variant=minbase "$suite" "$base.tmp" "$mirror" >"$out/debootstrap.log" 2>&1; then
		tail -n 20 "$out/debootstrap.log" | sed 's/^/# /'
		tap "not ok" "debootstrap a minimal Debian 12"
		echo "$pass passed, $fail failed"
		exit 1
	fi
	date -u +%FT%TZ >"$base.tmp/.tdxtrace-base"
	rm -rf "$base" && mv "$base.tmp" "$base"
	note "base system made with debootstrap: $(secs "$t") s"
else
	note "base system from the cache (made $(cat "$base/.tdxtrace-base"))"
fi
rm -rf "$root"
cp -a "$base" "$root" || die "cannot copy the base into $root"
rm -f "$root/.tdxtrace-base"
cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
# The Debian archive reachable here is a dated snapshot: its sid and
# backports Release files (the kernel tier's linux-source) are past their
# Valid-Until, and the machines here are set up to accept that.  A fresh
# machine of this kind is too; debootstrap's root is not.
if [[ $(apt-config dump 2>/dev/null) == *'Acquire::Check-Valid-Until "false"'* ]]; then
	echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99newcomer-snapshot"
fi
# The host's kernel file systems, as a booted machine has them.
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys" && mount --make-rslave "$root/sys"
mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev"
for fs in tracefs:kernel/tracing debugfs:kernel/debug bpf:fs/bpf; do
	d=$root/sys/${fs#*:}
	mountpoint -q "$d" || mount -t "${fs%%:*}" "${fs%%:*}" "$d" 2>/dev/null ||
		log "no ${fs%%:*} in the root"
done
mkdir -p "$cache/apt-archives/partial" "$cache/kernel-debs" "$root/mnt/tdxtrace.git" \
	"$root/var/cache/apt/archives" "$root/root/.cache/tdxtrace/debs"
mount --bind "$cache/apt-archives" "$root/var/cache/apt/archives"
mount --bind "$cache/kernel-debs" "$root/root/.cache/tdxtrace/debs"
gitdir=$(git -C "$SRC" rev-parse --path-format=absolute --git-common-dir) || die "$SRC is not a git clone"
mount --bind -o ro "$gitdir" "$root/mnt/tdxtrace.git" && mount -o remount,bind,ro "$root/mnt/tdxtrace.git"
rev=$(git -C "$SRC" rev-parse HEAD)
[[ -z $(git -C "$SRC" status --porcelain --untracked-files=no) ]] ||
	log "the work tree has uncommitted changes: the clone has HEAD ($rev) without them"

# in_root CMD: run CMD (a bash command line) as root in the new root, with a
# login's environment.
in_root() {
	chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 TERM="${TERM_IN:-dumb}" /bin/bash -c "$1"
}

note "commit $(git -C "$SRC" log -1 --format='%h %s' "$rev")"
note "clone at $clone (a dot and a deep folder); host $(uname -r), $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg)"
have=$(in_root "dpkg-query -W -f='\${Package} \${Status}\n' $(tr '\n' ' ' < <("$SRC/scripts/setup-deps.sh" --list build test kernel vm)) 2>/dev/null | awk '/install ok installed/ { print \$1 }'" | tr '\n' ' ')
[[ -z $have ]]; tap "$(verdict $?)" "the fresh root has none of setup-deps.sh's packages${have:+ (has: $have)}"

# ---------------------------------------------------------------- README steps
t=$(date +%s.%N)
in_root "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends git make ca-certificates" \
	>"$out/apt.log" 2>&1
r=$?
tap "$(verdict $r)" "apt-get install git make: $(secs "$t") s"
t=$(date +%s.%N)
in_root "git clone -q /mnt/tdxtrace.git '$clone' && git -C '$clone' checkout -q $rev" >"$out/clone.log" 2>&1
r=$?
tap "$(verdict $r)" "git clone into $clone: $(secs "$t") s"

# make run in a pseudo-terminal until tdxtop's first screen, then q.
rm -f "$out/run.rc" "$out/run-pane.log"
t=$(date +%s.%N)
{
	echo "root='$root'"
	declare -f in_root
	echo "TERM_IN=tmux-256color in_root 'cd $clone && make run'"
	echo "echo \$? >'$out/run.rc'"
	echo "sleep 600"
} >"$out/run-in-pane.sh"
tmux -S "$tsock" new-session -d -s newcomer -x 160 -y 50 "bash '$out/run-in-pane.sh'"
tmux -S "$tsock" set-option -t newcomer status off >/dev/null
tmux -S "$tsock" pipe-pane -t newcomer -o "cat >>'$out/run-pane.log'"
first=
for ((i = 0; i < 3600; i++)); do
	tmux -S "$tsock" capture-pane -p -t newcomer >"$out/screen.txt" 2>/dev/null
	if grep -q 'SC/s' "$out/screen.txt" && grep -q 'mode sim' "$out/screen.txt"; then
		first=$(secs "$t")
		break
	fi
	[[ -f $out/run.rc ]] && break
	sleep 1
done
if [[ -n $first ]]; then
	sleep 3
	tmux -S "$tsock" capture-pane -p -t newcomer >"$out/first-screen.txt"
	tap ok "make run: first tdxtop screen after $first s (screen: $out/first-screen.txt)"
	tq=$(date +%s.%N)
	tmux -S "$tsock" send-keys -t newcomer q
	for ((i = 0; i < 600; i++)); do [[ -f $out/run.rc ]] && break; sleep 0.1; done
	rc=$(cat "$out/run.rc" 2>/dev/null || echo none)
	[[ $rc == 0 ]]; tap "$(verdict $?)" "make run: q quits tdxtop after $(secs "$tq") s, exit status $rc"
else
	sed 's/^/# screen: /' "$out/screen.txt" | tail -n 30
	tap "not ok" "make run: no tdxtop screen (exit status $(cat "$out/run.rc" 2>/dev/null || echo none); pane log: $out/run-pane.log)"
fi
tmux -S "$tsock" kill-server 2>/dev/null

# make check, as the README's second command (no terminal).
t=$(date +%s.%N)
# (its own session: a signal meant for whoever started this script's process
# group does not reach it)
setsid -w bash -c "$(declare -f in_root); root='$root'; in_root 'cd $clone && make check'" \
	</dev/null >"$out/check.log" 2>&1
r=$?
dt=$(secs "$t")
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out/check.log" | tail -n1)
grep -E '^(PASS|FAIL) ' "$out/check.log" | sed 's/^/# /' >>"$results"
grep -E '^FAIL|^     \|' "$out/check.log" | head -n 60 | sed 's/^/# /'
rm -rf "$out/test-logs" && cp -a "$root$clone/build/test-logs" "$out/test-logs" 2>/dev/null
tap "$(verdict $r)" "make check (first run): ${summary:-no summary line} in $dt s (exit $r; log: $out/check.log)"

note "figures also in $results"
echo "$pass passed, $fail failed"
((fail == 0))
exit
}
