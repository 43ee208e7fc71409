#!/usr/bin/env bash
# test_run_demo.sh - what `make run` shows stays representative for minutes.
#
# `make run` starts tdxtop on the simulator spec RUN_SIM of the Makefile.  A
# newcomer watches it for minutes, so every minute of the first 12 must look
# like the first: SEAMCALL rate within 30 % of minute 1, FROZEN_SPTE retries
# in each, the source not at its end.  As a control, plain `steady` (2 GiB
# TDs, whose lazy accept is done after ~40 s) must fail the same check: that
# is the fade the demo spec avoids.  Simulated time runs faster than wall
# time in batch mode (~20 s here).  Loading BPF needs root: skipped otherwise.
set -uo pipefail
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
O=${O:-$SRC/build}
T=$O/bin/tdxtop
n=0
ok() {
	n=$((n + 1))
	if [[ $1 == 0 ]]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
if [[ $(id -u) != 0 ]]; then
	echo "ok 1 # SKIP loading the BPF aggregation needs root"
	exit 0
fi
if [[ ! -x $T ]]; then
	echo "not ok 1 - $T is built"
	exit 1
fi
spec=$(sed -n 's/^RUN_SIM ?= *//p' "$SRC/Makefile")
[[ -n $spec ]]; ok $? "the Makefile names the demo's spec (RUN_SIM = $spec)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# minutes SPEC N: one line per simulated minute: "seamcalls/s frozen_retries end_of_source"
minutes() {
	"$T" -j -d 60 -n "$2" --sim "$1,duration=3600s" 2>"$tmp/err" | python3 -c '
import json, sys
for line in sys.stdin:
    o = json.loads(line)
    t = o["totals"]
    print(round(t["seamcalls_per_s"]), t["frozen_retries"], int(o["end_of_source"]))'
}
# steady_check FILE: exit 0 if every minute looks like the first
steady_check() {
	awk 'NR == 1 { first = $1 }
	     { if ($1 < 0.7 * first || $1 > 1.3 * first || $2 == 0 || $3 != 0) bad = bad " minute " NR ": " $1 "/s, " $2 " frozen retries" }
	     END { if (NR < 2 || first == 0) { print "no data"; exit 1 } if (bad != "") { print bad; exit 1 } }' "$1"
}

minutes "$spec" 12 >"$tmp/demo"
[[ $(wc -l <"$tmp/demo") == 12 ]]; ok $? "tdxtop -j gives 12 minutes of '$spec' ($(tr '\n' ' ' <"$tmp/err" | head -c 200))"
why=$(steady_check "$tmp/demo")
ok $? "every minute of the demo looks like the first (SEAMCALL/s, frozen retries: $(awk '{printf "%s/%s ", $1, $2}' "$tmp/demo"))${why:+:$why}"

minutes steady 3 >"$tmp/plain"
why=$(steady_check "$tmp/plain")
[[ $? != 0 ]]; ok $? "control: plain 'steady' fades after its first minute ($(awk '{printf "%s/%s ", $1, $2}' "$tmp/plain")), and the check sees it"
echo "1..$n"
