# tmux.sh - sourced by the tdxtop tests that drive the UI in tmux:
#   . "$(dirname "$0")/tmux.sh" TAG
# sets T (the tdxtop binary), n/fails and ok(), skips (exit 0) without root
# or tmux, and gives a private tmux server (tm ...) on session tdxtop-TAG-PID
# that is killed, with its temporary directory, on exit.
O=${O:-build}
T=$(cd "$(dirname "$O/bin/tdxtop")" 2>/dev/null && pwd)/tdxtop
n=0
fails=0

ok() {
	n=$((n + 1))
	if [[ $1 == 0 ]]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fails=$((fails + 1)); fi
}

if [[ $(id -u) != 0 ]]; then
	echo "ok 1 # SKIP loading the BPF aggregation needs root"
	echo "1..1"
	exit 0
fi
if ! command -v tmux >/dev/null; then
	echo "ok 1 # SKIP tmux is not installed"
	echo "1..1"
	exit 0
fi
if [[ ! -x $T ]]; then
	echo "not ok 1 - $O/bin/tdxtop is built"
	echo "1..1"
	exit 1
fi

sess=tdxtop-${1:?tag}-$$
tmp=$(mktemp -d)
sock=$tmp/tmux.sock
tm() { tmux -S "$sock" "$@"; }
cleanup() {
	tm kill-server 2>/dev/null
	sleep 0.2	# the pane's shell may still write into $tmp (HOME)
	rm -rf "$tmp" 2>/dev/null || { sleep 0.5; rm -rf "$tmp"; }
}
trap cleanup EXIT
