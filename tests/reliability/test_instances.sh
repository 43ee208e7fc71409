#!/usr/bin/env bash
# test_instances.sh - two instances at once work independently: A and B run
# the same simulated workload side by side (each its own BPF session); B is
# killed part-way; A's per-interval counts must equal those of a reference run
# made alone (C), interval by interval.  Needs root.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
need_root
tmp=$(mktemp -d)
trap 'kill -KILL $pa $pb 2>/dev/null; rm -rf "$tmp"' EXIT
set -m
spec=steady:11,tds=3
iters=15
cmd=("$B/tdxtop" -j -n $iters -d 0.2 --sim $spec)
"${cmd[@]}" --realtime >"$tmp/a" 2>"$tmp/a.err" &
pa=$!
"${cmd[@]}" --realtime >"$tmp/b" 2>"$tmp/b.err" &
pb=$!
# kill B once it has printed a few intervals (A still running)
for _ in $(seq 300); do (($(wc -l <"$tmp/b") >= 4)) && break; sleep 0.1; done
kill -TERM $pb
wait $pb
rcb=$?
alive=0
kill -0 $pa 2>/dev/null && alive=1
wait $pa
rca=$?
"${cmd[@]}" >"$tmp/c" 2>"$tmp/c.err"
rcc=$?
summ() { python3 -c '
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    t = d["totals"]
    print(d["iteration"], t["events"], t["seamcalls"], t["ept_violations"], t["vp_enters"], d["dropped"]["total"], d["lost"]["total"])
' "$1"; }
n=$((n + 1))
if ((rcb == 0 && alive)); then
	echo "ok $n - B detached cleanly (exit $rcb) after $(wc -l <"$tmp/b") intervals while A was running"
else
	echo "not ok $n - B exit $rcb, A alive when B left: $alive"
fi
n=$((n + 1))
if ((rca == 0 && rcc == 0)) && (($(wc -l <"$tmp/a") == iters)) && diff <(summ "$tmp/a") <(summ "$tmp/c") >"$tmp/d"; then
	echo "ok $n - A's $iters intervals equal a run made alone (events, per-kind counts, dropped, lost)"
else
	echo "not ok $n - A (exit $rca, $(wc -l <"$tmp/a") lines) differs from the lone run (exit $rcc)"
	sed 's/^/# /' "$tmp/d" "$tmp/a.err" | head
fi
echo "1..$n"
