#!/usr/bin/env bash
# test_cli_module_update - a runtime TDX module update (issue 18) splits what
# every tool reports: the simulator's update= emits TDH.SYS.SHUTDOWN,
# SEAMLDR.INSTALL and TDH.SYS.UPDATE; stat, report (of a recording) and
# --json print one segment per module, the SEAMCALL counts of the segments
# are those of the events before and after the update (counted from
# `tdxtrace sim` itself), and tdxbench refuses to mix two modules.
set -uo pipefail
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
O=${O:-$SRC/build}
B=$O/bin
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }

T=$(mktemp -d /tmp/tdxtrace-modupd.XXXXXX)
trap 'rm -rf "$T"' EXIT
spec=steady:5,tds=2,duration=2s,update=700ms

# ground truth: the simulator's own events, SEAMCALLs before/after SYS.UPDATE
"$B/tdxtrace" sim "$spec" >"$T/events.txt" 2>/dev/null
read -r before after < <(awk '/tdx_seamcall/ { if (seen) a++; else b++ }
	/tdx_seamcall/ && /leaf=TDH.SYS.UPDATE/ && /SUCCESS/ { seen = 1 }
	END { print b + 0, a + 0 }' "$T/events.txt")
check "the simulator prints the update ($before SEAMCALLs up to it, $after after)" \
	'[[ $before -gt 0 && $after -gt 0 ]]'
check "SEAMLDR.INSTALL is printed as P-SEAMLDR" 'grep -q "leaf=SEAMLDR.INSTALL" "$T/events.txt"'

"$B/tdxtrace" stat --sim "$spec" >"$T/stat.txt" 2>"$T/stat.err"
check "stat: exit 0" '[[ $? == 0 ]]'
check "stat: two segments, one per module" \
	'[[ $(grep -c "^==== TDX module" "$T/stat.txt") == 2 ]] && grep -q "^==== TDX module tdxsim (segment 0)" "$T/stat.txt" && grep -q "^==== TDX module tdxsim.u1 (segment 1)" "$T/stat.txt"'
got=$(awk '/tdx:tdx_seamcall/ && !td { print $1; td = 0 } /^TD / { td = 1 } /^==== / { td = 0 }' "$T/stat.txt" | tr '\n' ' ')
check "stat: SEAMCALLs per segment equal the events ($before $after, got $got)" \
	'[[ "$got" == "$before $after " ]]'
check "stat: the update is said on stderr" 'grep -q "TDX module update: tdxsim -> tdxsim.u1" "$T/stat.err"'

"$B/tdxtrace" stat --json --sim "$spec" >"$T/stat.json" 2>/dev/null
check "stat --json: one document per segment with its module" \
	'python3 - "$T/stat.json" <<PY
import json, sys
t = open(sys.argv[1]).read(); d = json.JSONDecoder(); i = 0; mods = []
while t[i:].strip():
    t2 = t[i:].lstrip(); o, k = d.raw_decode(t2); i = len(t) - len(t2) + k
    mods.append((o.get("tdx_module"), o.get("module_segment")))
sys.exit(0 if mods == [("tdxsim", 0), ("tdxsim.u1", 1)] else 1)
PY'

"$B/tdxtrace" sim "$spec" -o "$T/u.tdxrec" >/dev/null 2>&1
"$B/tdxtrace" report "$T/u.tdxrec" >"$T/report.txt" 2>/dev/null
check "report of a recording: two segments, every report in each" \
	'[[ $(grep -c "^==== TDX module" "$T/report.txt") == 2 && $(grep -c "^==== lat ====" "$T/report.txt") == 2 ]]'

"$B/tdxbench" run "sim:$spec" -o "$T/b.json" --rounds 2 >/dev/null 2>"$T/bench.err"
rc=$?
check "tdxbench: a run across a module update fails (exit $rc), no result written" \
	'[[ $rc == 1 && ! -s $T/b.json ]] && grep -q "never mixes two modules" "$T/bench.err"'

echo "1..$n"
exit $((failed > 0))
