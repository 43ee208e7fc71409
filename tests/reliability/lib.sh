# shellcheck shell=bash
# lib.sh - sourced by the tests/reliability/ scripts: where the build is, the
# TAP counter with ok/nok, and the root check every one of them starts with.
SRC=${SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
O=${O:-$SRC/build}
B=$O/bin
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); echo "not ok $n - $*"; }
# need_root [WHY]: the whole test is one skip unless run as root.
need_root() {
	if [[ $(id -u) != 0 ]]; then
		echo "ok 1 # SKIP needs root (${1:-BPF})"
		echo "1..1"
		exit 0
	fi
}
