#!/usr/bin/env bash
# setup-deps.sh - install every Debian package tdxtrace's build and tests need.
#
# Idempotent: only packages that are missing are installed; a machine that has
# them all is left untouched and the script exits 0 quickly.  Run as root (or
# with sudo available).  `make` runs it once through build/.deps-stamp.
#
#   scripts/setup-deps.sh            install what is missing
#   scripts/setup-deps.sh --check    list what is missing, exit 1 if anything is
set -euo pipefail

PKGS=(
	# BPF toolchain and libraries
	clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config make gcc
	libclang-rt-14-dev
	# tools
	libncurses-dev libjson-c-dev libtracecmd-dev libtraceevent-dev libtracefs-dev libzstd-dev
	trace-cmd gnuplot-nox
	# tests and benchmarks
	tmux bpftrace linux-perf python3 jq util-linux libcap2-bin
	# tdxtrace exporter (issue 21): HTTP server; prometheus/promtool and YAML for its tests
	libmicrohttpd-dev prometheus python3-yaml python3-prometheus-client
	# kernel-check and vmtest
	flex bison bc libssl-dev dwarves cpio busybox-static qemu-system-x86
	xz-utils git patch rsync kmod python3-ply
)

missing=()
for p in "${PKGS[@]}"; do
	[[ $p == \#* ]] && continue
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done

if [[ ${1:-} == --check ]]; then
	if ((${#missing[@]})); then
		printf 'missing: %s\n' "${missing[*]}"
		exit 1
	fi
	echo "all ${#PKGS[@]} packages present"
	exit 0
fi

if ((${#missing[@]} == 0)); then
	exit 0
fi

SUDO=
if [[ $(id -u) -ne 0 ]]; then
	if command -v sudo >/dev/null; then
		SUDO=sudo
	else
		echo "setup-deps: need root to install: ${missing[*]}" >&2
		exit 1
	fi
fi

echo "setup-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup-deps: done"
