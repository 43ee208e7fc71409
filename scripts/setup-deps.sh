#!/usr/bin/env bash
# setup-deps.sh - install the Debian packages tdxtrace's targets need, by group.
#
# Each make target installs only the groups it uses, once (the Makefile keeps a
# stamp per group in $(O)/.deps/ and runs this before it reads the build, so
# flags computed with pkg-config see the packages):
#
#   group     packages for                                 installed by
#   build     compiling and linking the BPF objects/tools  make, make run, make install, every target below
#   test      the tests and benchmarks (fuzzers, tmux, ...) make check, make bench, make fuzz, make soak
#   kernel    applying/checkpatching/compiling the series   make check (kernel tier), make kernel-check, make vmtest
#   vm        building and booting the vmtest kernel       make vmtest
#   exporter  the metrics exporter's tests                 make check (empty until the exporter lands)
#   newcomer  a fresh Debian 12 in a chroot                make newcomer-check
#
# Idempotent: only packages that are missing are installed; a machine that has
# them all is left untouched and the script exits 0 quickly.  Run as root (or
# with sudo available).  Two runs at once (make -j) take turns on a lock.
#
#   scripts/setup-deps.sh [GROUP...]          install what GROUPs lack (default: all but newcomer)
#   scripts/setup-deps.sh --check [GROUP|TARGET...]  say what each group (or the
#                                             groups of a make target) lacks, exit 1 if anything
#   scripts/setup-deps.sh --groups TARGET...  print the groups those make targets need
#   scripts/setup-deps.sh --list [GROUP...]   print the packages of GROUPs
#
# To add a group: a PKGS_<group> line, its name in ALL_GROUPS, its targets in
# TARGETS_<group>, and the make targets that need it in target_groups().
set -euo pipefail

ALL_GROUPS=(build test kernel vm exporter newcomer)
# What `make deps` and a bare `setup-deps.sh` install: everything tdxtrace's
# own targets use.
DEFAULT_GROUPS=(build test kernel vm exporter)

# BPF toolchain, libraries and headers the tools compile and link against.
PKGS_build="make gcc pkg-config clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev
	libncurses-dev libjson-c-dev libtracecmd-dev libtraceevent-dev libtracefs-dev libzstd-dev libisal-dev
	libmicrohttpd-dev"
TARGETS_build="make, make run, make install"
# Tests and benchmarks: libFuzzer/ASan runtime, tmux (tdxtop UI test), the
# comparison tools (bpftrace, perf, trace-cmd), gnuplot (tdxtrace plot, tdxbench
# compare --plot), the scripts' helpers (procps: ps, which a minimal
# Debian lacks; util-linux, essential, has flock, setpriv and unshare), a
# standard JSON Schema validator for docs/cli.md's schemas (python3-jsonschema).
PKGS_test="libclang-rt-14-dev tmux bpftrace linux-perf trace-cmd gnuplot-nox python3 jq
	libcap2-bin procps python3-jsonschema"
TARGETS_test="make check, make bench, make fuzz, make soak"
# The kernel series: Debian's linux-source (xz), git am, checkpatch (perl),
# W=1 compiles of the touched files.  pahole (dwarves) too: without it
# Kconfig drops DEBUG_INFO_BTF from kernel/config/tdx.config (found by
# make newcomer-check).
PKGS_kernel="gcc make flex bison bc libssl-dev libelf-dev xz-utils git patch perl python3 dwarves"
TARGETS_kernel="make check, make kernel-check, make vmtest"
# The vmtest kernel's initramfs/modules and its VM.
PKGS_vm="cpio busybox-static qemu-system-x86 kmod rsync python3-ply"
TARGETS_vm="make vmtest"
# The metrics exporter's tests: a real Prometheus and promtool, YAML for the
# generated config, prometheus_client's strict OpenMetrics parser.  What the
# tdxtrace binary links (libmicrohttpd-dev) belongs to the build group.
PKGS_exporter="prometheus python3-yaml python3-prometheus-client"
TARGETS_exporter="make check"
# make newcomer-check: a minimal Debian 12 made with debootstrap.
PKGS_newcomer="debootstrap tmux git"
TARGETS_newcomer="make newcomer-check"

# target_groups TARGET: the groups a make target needs.  A goal not named
# here (a file such as build/bin/tdxtop, `all`, `run`, `install`) needs build.
target_groups() {
	case $1 in
	clean | distclean | help) ;;
	deps) echo "${DEFAULT_GROUPS[*]}" ;;
	check | test-bins) echo build test kernel exporter ;;
	kernel-check) echo kernel ;;
	vmtest | vmtest-shell) echo build test kernel vm ;;
	bench | bench-* | fuzz | soak) echo build test ;;
	newcomer-check) echo newcomer ;;
	*) echo build ;;
	esac
}

pkgs_of() {	# pkgs_of GROUP
	local v=PKGS_$1
	[[ -v $v ]] || { echo "setup-deps: no group '$1' (groups: ${ALL_GROUPS[*]})" >&2; exit 2; }
	echo ${!v}
}

missing_of() {	# missing_of PKG...: those not installed
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
	done
}

mode=install
case ${1:-} in
--check) mode=check; shift ;;
--groups) mode=groups; shift ;;
--list) mode=list; shift ;;
--help | -h) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
-*) echo "usage: $0 [--check|--groups|--list] [GROUP...|TARGET...]" >&2; exit 2 ;;
esac

if [[ $mode == groups ]]; then
	(($#)) || set -- all
	for t in "$@"; do target_groups "$t"; done | tr ' ' '\n' | awk 'NF && !seen[$0]++' | tr '\n' ' ' |
		sed 's/ $//'
	echo
	exit 0
fi

(($#)) || set -- "${DEFAULT_GROUPS[@]}"
if [[ $mode == check ]]; then
	# --check also takes make targets: `--check vmtest` checks its groups.
	args=()
	for a in "$@"; do
		v=PKGS_$a
		if [[ -v $v ]]; then args+=("$a"); else read -ra tg <<<"$(target_groups "$a")"; args+=("${tg[@]}"); fi
	done
	mapfile -t args < <(printf '%s\n' "${args[@]}" | awk 'NF && !seen[$0]++')
	set -- "${args[@]}"
fi
for g in "$@"; do pkgs_of "$g" >/dev/null; done

if [[ $mode == list ]]; then
	for g in "$@"; do pkgs_of "$g"; done | tr ' ' '\n' | awk 'NF && !seen[$0]++'
	exit 0
fi

if [[ $mode == check ]]; then
	rc=0
	for g in "$@"; do
		read -ra pk <<<"$(pkgs_of "$g")"
		t=TARGETS_$g
		mapfile -t miss < <(missing_of "${pk[@]}")
		if ((${#pk[@]} == 0)); then
			printf '%-9s (%s): no packages\n' "$g" "${!t}"
		elif ((${#miss[@]})); then
			printf '%-9s (%s): missing %s\n' "$g" "${!t}" "${miss[*]}"
			rc=1
		else
			printf '%-9s (%s): all %d present\n' "$g" "${!t}" "${#pk[@]}"
		fi
	done
	exit $rc
fi

want=()
for g in "$@"; do read -ra pk <<<"$(pkgs_of "$g")"; want+=("${pk[@]}"); done
((${#want[@]})) || exit 0
mapfile -t missing < <(missing_of "${want[@]}" | awk '!seen[$0]++')
((${#missing[@]})) || exit 0

SUDO=
if [[ $(id -u) -ne 0 ]]; then
	if command -v sudo >/dev/null; then
		SUDO=sudo
	else
		echo "setup-deps: need root to install: ${missing[*]}" >&2
		exit 1
	fi
fi

# One install at a time (make -j may set up two groups at once; apt has its
# own lock but fails instead of waiting).  flock is in util-linux (essential).
lock=/run/lock/tdxtrace-setup-deps.lock
[[ -d /run/lock ]] || lock=/tmp/tdxtrace-setup-deps.lock
exec 9>>"$lock"
flock 9
mapfile -t missing < <(missing_of "${missing[@]}")
((${#missing[@]})) || exit 0

echo "setup-deps ($*): installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup-deps ($*): done"
