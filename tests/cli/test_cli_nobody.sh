#!/usr/bin/env bash
# test_cli_nobody - every offline command works without privileges, as perf
# report and trace-cmd report do: the simulator, record files and trace.dat
# are aggregated in user space (docs/bpf.md, "One aggregation").  Run as
# root, each command is run again as nobody (setpriv); without root, as
# the user running it.  A live session without privileges still says which
# capability it lacks (exit 77).
set -uo pipefail
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
O=${O:-$SRC/build}
B=$O/bin
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }

T=$(mktemp -d /tmp/tdxtrace-nobody.XXXXXX)
trap 'rm -rf "$T"' EXIT
chmod 0777 "$T"
as=()
if [[ $(id -u) == 0 ]]; then
	as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
who=$("${as[@]}" id -un 2>/dev/null || id -un)

sim=steady:3,duration=1s
"$B/tdxtrace" sim "$sim" -o "$T/in.tdxrec" >/dev/null 2>&1
chmod 0644 "$T/in.tdxrec"
# a copy in the test's own directory: the clone's folders need not be
# readable by nobody (a clone under a 0700 mktemp -d is not)
cp "$SRC/tests/fuzz/corpus/recfile/tracedat-v7.dat" "$T/in.dat"
chmod 0644 "$T/in.dat"
dat=$T/in.dat

run() {	# run DESCRIPTION CMD...: exit 0 and some output, as $who
	local what=$1
	shift
	"${as[@]}" "$@" >"$T/out" 2>"$T/err"
	local rc=$?
	if ((rc == 0)) && [[ -s $T/out || -s $T/err ]]; then
		ok "$what as $who: exit 0"
	else
		nok "$what as $who: exit $rc ($(head -c 200 "$T/err"))"
	fi
}

for c in lat ept convert mix contention stat; do
	run "tdxtrace $c --sim" "$B/tdxtrace" "$c" --sim "$sim" --json
	run "tdxtrace $c --replay FILE" "$B/tdxtrace" "$c" --replay "$T/in.tdxrec" --json
done
run "tdxtrace report FILE" "$B/tdxtrace" report "$T/in.tdxrec"
run "tdxtrace report trace.dat" "$B/tdxtrace" report "$dat"
run "tdxtrace record --sim -o" "$B/tdxtrace" record --sim "$sim" -o "$T/out.tdxrec"
run "tdxtrace record --replay -o" "$B/tdxtrace" record --replay "$T/in.tdxrec" -o "$T/out2.tdxrec"
run "tdxtrace sim -o" "$B/tdxtrace" sim "$sim" -o "$T/sim.tdxrec"
run "tdxtop --sim, batch" "$B/tdxtop" --sim "$sim" -b -n 2
run "tdxtop --replay, batch" "$B/tdxtop" --replay "$T/in.tdxrec" -b -n 2

if ((${#as[@]})); then
	# BPF without privileges: one sentence naming the capabilities, exit 77
	TDXTRACE_ENGINE=bpf "${as[@]}" "$B/tdxtrace" stat --sim "$sim" >/dev/null 2>"$T/err"
	rc=$?
	if ((rc == 77)) && grep -q CAP_BPF "$T/err"; then
		ok "the BPF engine as nobody: exit 77 naming CAP_BPF"
	else
		nok "the BPF engine as nobody: exit $rc ($(head -c 200 "$T/err"))"
	fi
fi
echo "1..$n"
exit $((failed > 0))
