#!/usr/bin/env bash
# test_bench_run - `tdxbench run` end to end on the simulator (root: it
# loads the BPF aggregation), then `tdxbench compare` on what it wrote:
#  - the result file has the rounds, rows, quantiles and metadata promised;
#  - its histograms equal, round by round, an aggregation computed in user
#    space from the same simulator seeds (tdxbench-validate --emit), so the
#    BPF path and the validation harness measure the same thing;
#  - a 20 % slower PAGE.AUG (regress: scenario) is flagged, exit 3 (REGRESSION);
#    steady vs steady with other seeds is not, exit 0;
#  - bad workloads and options exit 2 with a message.
set -uo pipefail
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
O=${O:-$SRC/build}
TB=$O/bin/tdxbench
VAL=$O/tools/tdxbench-validate
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { local what=$1; shift; if "$@" >/dev/null; then ok "$what"; else nok "$what"; fi; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $*"; }

if [[ ! -x $TB ]]; then
	echo "not ok 1 - $TB not built"
	exit 1
fi
T=$(mktemp -d /tmp/tdxbench-run.XXXXXX)
trap 'rm -rf "$T"' EXIT

# --- usage errors need no privilege
"$TB" run sim:steady >/dev/null 2>"$T/err"
check "run without -o: exit 2" test $? -eq 2
"$TB" run sim:nosuchscenario -o "$T/x.json" --rounds 1 >/dev/null 2>"$T/err"
rc=$?
check "unknown scenario: exit 2, got $rc ($(head -1 "$T/err"))" test $rc -eq 2
"$TB" run sim:steady:1:2:3 -o "$T/x.json" >/dev/null 2>"$T/err"
check "malformed spec: exit 2" test $? -eq 2
"$TB" run sim:steady,seed=4 -o "$T/x.json" >/dev/null 2>"$T/err"
check "seed= in the spec is refused (tdxbench sets it per round): exit 2" test $? -eq 2
"$TB" run /nonexistent/workload.sh -o "$T/x.json" >/dev/null 2>"$T/err"
check "missing workload script: exit 2" test $? -eq 2

# --- offline needs no privilege; long and many-TD rounds fit the maps
# (a tool sizes or skips the maps it does not use: no slowest-GPA table)
chmod 0755 "$T" && mkdir -p "$T/nobody" && chmod 0777 "$T/nobody"
for spec in "sim:steady --duration 20" "sim:steady,tds=8" "sim:steady,tds=8 --duration 20"; do
	# shellcheck disable=SC2086
	setpriv --reuid=65534 --regid=65534 --clear-groups "$TB" run $spec --rounds 2 \
		-o "$T/nobody/long.json" >/dev/null 2>"$T/err"
	rc=$?
	check "run $spec as nobody: exit 0, got $rc ($(head -1 "$T/err"))" test $rc -eq 0
	check "run $spec: no map full, no warning" test ! -s "$T/err"
	rm -f "$T/nobody/long.json"
done
# the progress line: one per round with --progress (stderr not a terminal)
"$TB" run sim:steady --rounds 3 --duration 100ms --progress -o "$T/p.json" >/dev/null 2>"$T/err"
check "--progress: a line per round, the last 'round 3/3' ($(tail -1 "$T/err"))" \
	bash -c "[[ \$(grep -c '^tdxbench: round [1-3]/3 ' '$T/err') == 3 ]] && tail -1 '$T/err' | grep -q 'round 3/3'"
"$TB" run sim:steady --rounds 2 --duration 100ms -o "$T/p.json" >/dev/null 2>"$T/err"
check "no progress line when stderr is a file and no --progress" test ! -s "$T/err"
rm -f "$T/p.json"
"$TB" run sim:steady -o "$T/x.json" --rounds 0 >/dev/null 2>"$T/err"
check "--rounds 0: exit 2" test $? -eq 2
check "no result file written on usage errors" test ! -e "$T/x.json"

if [[ $(id -u) -ne 0 ]]; then
	skip "needs root to load the BPF aggregation"
	echo "1..$n"
	((failed == 0))
	exit
fi

# 8 rounds: the smallest Mann-Whitney p at 8+8 rounds (2/12870) survives a
# Holm correction over the ~50 rows x statistics of a steady run
R=8 D=0.2
"$TB" run sim:steady -o "$T/base.json" --rounds $R --duration $D --seed 11 2>"$T/err"
rc=$?
check "run sim:steady: exit 0 (got $rc: $(head -1 "$T/err"))" test $rc -eq 0
if ((rc != 0)); then
	echo "1..$n"
	exit 1
fi
check "result: format and rounds" \
	test "$(jq -r '"\(.format) \(.version) \(.rounds)"' "$T/base.json")" = "tdxbench-result 1 $R"
check "result: metadata (kernel, cpu, version, workload, seed)" \
	jq -e --arg k "$(uname -r)" '.meta | (.kernel | contains($k)) and (.cpu_model | length > 0)
		and .tdxtrace_version and .workload == "sim:steady" and .seed == 11
		and has("tdx_module") and .duration_s == 0.2 and .rounds == 8' "$T/base.json"
check "result: a PAGE.AUG row with leaf 6 and $R rounds" \
	jq -e --argjson r $R '[.rows[] | select(.name == "TDH.MEM.PAGE.AUG" and .leaf == 6 and
		.kind == "seamcall" and (.rounds | length) == $r)] | length == 1' "$T/base.json"
check "result: event rows (vp_enter, ept_violation)" \
	jq -e '[.rows[] | select(.kind == "event") | .name] | contains(["vp_enter", "ept_violation"])' \
	"$T/base.json"
# quantiles ordered, counts equal the histogram totals, mean inside [p0, max]
check "every round: count = sum of histogram, p50 <= p90 <= p99" \
	jq -e '[.rows[].rounds[] | select(.count > 0) |
		(.count == ([.hist[][1]] | add)) and .p50_ns <= .p90_ns and .p90_ns <= .p99_ns]
		| all' "$T/base.json"
# the one quantile path: a round keeps the maps' min (SEAMCALLs) and max, and
# no quantile leaves [min, max] (before: no max kept, p99 not clamped)
check "every round keeps max_ns (SEAMCALL rows min_ns too), quantiles in [min, max]" \
	jq -e '[.rows[] | .kind as $k | .rounds[] | select(.count > 0) |
		has("max_ns") and ($k == "event" or has("min_ns")) and .p99_ns <= .max_ns and
		(.min_ns // 0) <= .p50_ns] | all' "$T/base.json"
check "rounds differ (different derived seeds)" \
	jq -e '[.rows[] | select(.name == "TDH.MEM.PAGE.AUG") | .rounds[].count] | unique | length > 1' \
	"$T/base.json"

# the BPF aggregation == the user-space aggregation of the same events
if [[ -x $VAL ]]; then
	"$VAL" --emit steady --seed 11 --rounds $R --duration $D -o "$T/emit.json"
	q='[.rows[] | {name, kind, c: [.rounds[].count], h: [.rounds[].hist],
		m: [.rounds[] | [.min_ns, .max_ns]]}] | sort_by(.name)'
	check "BPF rounds equal user-space rounds, histogram by histogram, min and max" \
		test "$(jq -c "$q" "$T/base.json")" = "$(jq -c "$q" "$T/emit.json")"
	q='[.rows[] | [.rounds[].mean_ns]] | flatten'
	check "and their means agree" python3 -c "
import json, sys
a = json.load(open('$T/base.json')); b = json.load(open('$T/emit.json'))
ka = {r['name']: r for r in a['rows']}; kb = {r['name']: r for r in b['rows']}
assert ka.keys() == kb.keys()
for k in ka:
    for x, y in zip(ka[k]['rounds'], kb[k]['rounds']):
        if x['count']:
            assert abs(x['mean_ns'] - y['mean_ns']) <= 1e-9 * y['mean_ns'], (k, x['mean_ns'], y['mean_ns'])
"
else
	skip "tdxbench-validate not built"
fi

# same seed -> same result rows
"$TB" run sim:steady -o "$T/again.json" --rounds $R --duration $D --seed 11 2>/dev/null
check "same seed: identical rows" test "$(jq -c .rows "$T/base.json")" = "$(jq -c .rows "$T/again.json")"

# A/A and A/B through compare
"$TB" run sim:steady -o "$T/aa.json" --rounds $R --duration $D --seed 12 2>/dev/null
"$TB" run sim:regress:TDH.MEM.PAGE.AUG:20 -o "$T/ab.json" --rounds $R --duration $D --seed 13 2>/dev/null
"$TB" compare "$T/base.json" "$T/aa.json" --json >"$T/aa.out"
rc=$?
check "A/A compare: exit 0 (got $rc)" test $rc -eq 0
"$TB" compare "$T/base.json" "$T/ab.json" --json >"$T/ab.out"
rc=$?
check "A/B (PAGE.AUG +20%) compare: exit 3 (got $rc)" test $rc -eq 3
check "A/B: PAGE.AUG p50 slower" test "$(jq -r '.rows[] | select(.name == "TDH.MEM.PAGE.AUG" and .metric == "p50") | .verdict' "$T/ab.out")" = slower
r=$(jq -r '.rows[] | select(.name == "TDH.MEM.PAGE.AUG" and .metric == "mean") | .ratio' "$T/ab.out")
check "A/B: PAGE.AUG mean ratio near 1.20 (got $r)" python3 -c "assert 1.15 < $r < 1.25"
check "A/B: no unrelated leaf flagged" \
	test "$(jq -r '[.rows[] | select(.verdict == "slower" and .kind == "seamcall") | .name] | unique | join(",")' "$T/ab.out")" = TDH.MEM.PAGE.AUG

echo "1..$n"
((failed == 0))
