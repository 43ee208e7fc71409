#!/usr/bin/env bash
# test_bench_compare - `tdxbench compare` on crafted result files: verdicts,
# ratios and p-values against values computed here in Python (exact
# Mann-Whitney p by enumeration, Holm by its definition), exit codes
# (0 / 1 on a significant slowdown / 2 on bad input), JSON output, plotting,
# and clear errors with positions for malformed files.
set -uo pipefail
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
O=${O:-$SRC/build}
TB=$O/bin/tdxbench
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { local what=$1; shift; if "$@" >/dev/null; then ok "$what"; else nok "$what"; fi; }

if [[ ! -x $TB ]]; then
	echo "not ok 1 - $TB not built"
	exit 1
fi
T=$(mktemp -d /tmp/tdxbench-test.XXXXXX)
trap 'rm -rf "$T"' EXIT

# gen.py OUT ROUNDS SCALE_X SCALE_Y [SPREAD]: two rows; per round i the p50
# of X is 1000 + SPREAD (7 i + (i*i % 5)) (distinct; SPREAD 1 gives rounds
# ~5 % apart), other stats proportional; the NEW file multiplies X by
# SCALE_X and event row Y by SCALE_Y.
cat >"$T/gen.py" <<'EOF'
import json, sys
out, rounds, sx, sy = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
spread = float(sys.argv[5]) if len(sys.argv) > 5 else 1.0
def rd(base, scale, i):
    v = (base + spread * (7 * i + (i * i % 5))) * scale
    return {"count": 1000 + i, "p50_ns": v, "p90_ns": 1.5 * v, "p99_ns": 2.5 * v,
            "mean_ns": 1.2 * v, "hist": [[100, 500], [110, 500 + i]]}
doc = {"format": "tdxbench-result", "version": 1, "rounds": rounds,
       "meta": {"workload": "crafted"},
       "rows": [
         {"name": "TDH.MEM.PAGE.AUG", "kind": "seamcall", "leaf": 6,
          "rounds": [rd(1000, sx, i) for i in range(rounds)]},
         {"name": "ept_violation", "kind": "event",
          "rounds": [rd(5000, sy, i) for i in range(rounds)]}]}
json.dump(doc, open(out, "w"), indent=1)
EOF
gen() { python3 "$T/gen.py" "$@"; }

# expected exact two-sided p for two fully separated samples of n and m,
# and Holm-adjusted over k such tests: min(1, k * 2 / C(n+m, n))
expect_p() { python3 -c "import math; print(min(1, $3 * 2 / math.comb($1 + $2, $1)))"; }

gen "$T/base.json" 8 1 1
gen "$T/slow.json" 8 1.10 1
gen "$T/fast.json" 8 0.90 1
gen "$T/tight.json" 8 1 1 0.1
gen "$T/tiny.json" 8 1.005 1 0.1

# --- a 10 % slowdown of one leaf
"$TB" compare "$T/base.json" "$T/slow.json" --json >"$T/slow.out" 2>"$T/err"
rc=$?
check "10% slower leaf: exit 3, REGRESSION (got $rc)" test $rc -eq 3
check "JSON output parses" jq -e . "$T/slow.out"
v=$(jq -r '.rows[] | select(.name=="TDH.MEM.PAGE.AUG") | .verdict' "$T/slow.out" | sort -u)
check "every statistic of the slowed leaf is slower (got $v)" test "$v" = slower
v=$(jq -r '.rows[] | select(.name=="ept_violation") | .verdict' "$T/slow.out" | sort -u)
check "unchanged event row is same (got $v)" test "$v" = same
r=$(jq -r '.rows[] | select(.name=="TDH.MEM.PAGE.AUG" and .metric=="p50") | .ratio' "$T/slow.out")
check "ratio of round means is 1.10 (got $r)" python3 -c "assert abs($r - 1.10) < 1e-9"
want=$(expect_p 8 8 1)
p=$(jq -r '.rows[] | select(.name=="TDH.MEM.PAGE.AUG" and .metric=="p50") | .p' "$T/slow.out")
check "exact Mann-Whitney p = 2/C(16,8) (got $p, want $want)" \
	python3 -c "assert abs($p - $want) < 1e-12"
# Holm over the 8 tested rows: the 4 separated rows have the smallest p and
# share it, so each adjusted p is 8 * p (ranks 1..4: 8p, 7p, 6p, 5p -> cummax 8p)
want=$(expect_p 8 8 8)
pa=$(jq -r '.rows[] | select(.name=="TDH.MEM.PAGE.AUG" and .metric=="p99") | .p_adj' "$T/slow.out")
check "Holm-adjusted p = 8 p (got $pa, want $want)" python3 -c "assert abs($pa - $want) < 1e-12"
lo=$(jq -r '.rows[] | select(.name=="TDH.MEM.PAGE.AUG" and .metric=="p50") | .ci_lo' "$T/slow.out")
hi=$(jq -r '.rows[] | select(.name=="TDH.MEM.PAGE.AUG" and .metric=="p50") | .ci_hi' "$T/slow.out")
check "95% CI [$lo, $hi] contains 1.10 and excludes 1" \
	python3 -c "assert 1 < $lo <= 1.10 <= $hi < 1.2"
check "summary counts 4 slower" test "$(jq -r .summary.slower "$T/slow.out")" = 4
check "regression flag set" test "$(jq -r .regression "$T/slow.out")" = true

# --- text table
"$TB" compare "$T/base.json" "$T/slow.json" >"$T/slow.txt"
rc=$?
check "text output: exit 3" test $rc -eq 3
check "text table names the leaf and says slower" grep -qE '^TDH.MEM.PAGE.AUG +p50 .*\+10\.0%.*slower' "$T/slow.txt"
check "text table prints REGRESSION" grep -q '^REGRESSION' "$T/slow.txt"

# --- 10 % faster: exit 0, verdict faster
"$TB" compare "$T/base.json" "$T/fast.json" --json >"$T/fast.out"
rc=$?
check "10% faster: exit 0 (got $rc)" test $rc -eq 0
v=$(jq -r '.rows[] | select(.name=="TDH.MEM.PAGE.AUG") | .verdict' "$T/fast.out" | sort -u)
check "faster leaf verdict faster (got $v)" test "$v" = faster

# --- 0.5 % slower, rounds 0.07 % apart (separated): significant but under
# the 2 % threshold
"$TB" compare "$T/tight.json" "$T/tiny.json" --json >"$T/tiny.out"
rc=$?
check "0.5% slower: exit 0 (got $rc)" test $rc -eq 0
v=$(jq -r '.rows[] | select(.name=="TDH.MEM.PAGE.AUG") | .verdict' "$T/tiny.out" | sort -u)
check "below threshold: same (got $v)" test "$v" = same
"$TB" compare "$T/tight.json" "$T/tiny.json" --threshold 0.2 >/dev/null
check "with --threshold 0.2 the 0.5% change is a regression (exit 3)" test $? -eq 3

# --- identical files: "same" where the rounds are tight enough to exclude a
# 2 % change (CI of the ratio within +-2 %), "unknown" where they are not
"$TB" compare "$T/tight.json" "$T/tight.json" --json >"$T/same.out"
check "identical tight files: exit 0" test $? -eq 0
check "identical tight files: every row same" \
	test "$(jq -r '[.rows[].verdict] | unique | join(",")' "$T/same.out")" = same
"$TB" compare "$T/base.json" "$T/base.json" --json >"$T/same.out"
check "identical noisy files: exit 0" test $? -eq 0
v=$(jq -r '.rows[] | select(.name=="TDH.MEM.PAGE.AUG") | .verdict' "$T/same.out" | sort -u)
check "identical but rounds 5% apart: unknown, CI wider than +-2% (got $v)" test "$v" = unknown

# --- too few rounds: unknown, exit 0
gen "$T/b2.json" 2 1 1
gen "$T/s2.json" 2 1.5 1
"$TB" compare "$T/b2.json" "$T/s2.json" --json >"$T/few.out"
check "2 rounds, 50% slower: exit 0" test $? -eq 0
check "2 rounds: unknown" test "$(jq -r '[.rows[].verdict] | unique | join(",")' "$T/few.out")" = unknown
# 4 rounds, 10 % slower: smallest exact p 2/70 = 0.029, Holm x8 > 0.05 -> unknown
gen "$T/b4.json" 4 1 1
gen "$T/s4.json" 4 1.10 1
"$TB" compare "$T/b4.json" "$T/s4.json" --json >"$T/four.out"
check "4 rounds: exit 0" test $? -eq 0
v=$(jq -r '.rows[] | select(.name=="TDH.MEM.PAGE.AUG") | .verdict' "$T/four.out" | sort -u)
check "4 rounds, 10% slower, Holm over 8: unknown (got $v)" test "$v" = unknown
"$TB" compare "$T/b4.json" "$T/s4.json" --correction none --metrics p50 >/dev/null
check "4 rounds, one uncorrected test: slower (exit 3)" test $? -eq 3

# --- rows with few events per round are not tested
python3 - "$T/base.json" "$T/slow.json" "$T/fewb.json" "$T/fews.json" <<'EOF'
import json, sys
for src, dst in ((sys.argv[1], sys.argv[3]), (sys.argv[2], sys.argv[4])):
    d = json.load(open(src))
    for r in d["rows"][0]["rounds"]:
        r["count"] = 30
    json.dump(d, open(dst, "w"))
EOF
"$TB" compare "$T/fewb.json" "$T/fews.json" --json >"$T/fewev.out"
check "30 events per round, 10% slower: exit 0" test $? -eq 0
check "30 events per round: unknown, too few events" \
	test "$(jq -r '.rows[] | select(.name=="TDH.MEM.PAGE.AUG") | "\(.verdict) \(.note)"' "$T/fewev.out" | sort -u)" = "unknown too few events per round (see --min-events)"
"$TB" compare "$T/fewb.json" "$T/fews.json" --min-events 30 >/dev/null
check "--min-events 30 tests them again: exit 3" test $? -eq 3

# --- a row only in one file
python3 - "$T/base.json" "$T/extra.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
r = dict(d["rows"][1]); r["name"] = "map_gpa"; d["rows"].append(r)
json.dump(d, open(sys.argv[2], "w"))
EOF
"$TB" compare "$T/base.json" "$T/extra.json" --json >"$T/extra.out"
check "row only in new: exit 0" test $? -eq 0
check "row only in new: unknown with a note" \
	test "$(jq -r '.rows[] | select(.name=="map_gpa") | .note' "$T/extra.out" | sort -u)" = "only in new"

# --- bad input: not a result 65 (DATAERR), missing 66 (NOINPUT), with a clear message
head -c 300 "$T/base.json" >"$T/trunc.json"
"$TB" compare "$T/trunc.json" "$T/base.json" >/dev/null 2>"$T/err"
rc=$?
check "truncated JSON: exit 65 (got $rc)" test $rc -eq 65
check "truncated JSON: message names file and line/column ($(head -1 "$T/err"))" \
	grep -qE 'trunc.json: invalid JSON at line [0-9]+, column [0-9]+' "$T/err"
printf '{"format": "tdxbench-result",\n "version": 1,\n "rounds": 2,,\n' >"$T/syntax.json"
"$TB" compare "$T/syntax.json" "$T/base.json" >/dev/null 2>"$T/err"
check "syntax error: exit 65" test $? -eq 65
check "syntax error at line 3 ($(head -1 "$T/err"))" grep -q 'line 3, column' "$T/err"
echo '{"format": "other", "version": 1}' >"$T/fmt.json"
"$TB" compare "$T/base.json" "$T/fmt.json" >/dev/null 2>"$T/err"
check "wrong format: exit 65" test $? -eq 65
check "wrong format named" grep -q '"format" is "other"' "$T/err"
jq '.rows[0].rounds[3].p50_ns = "fast"' "$T/base.json" >"$T/type.json"
"$TB" compare "$T/base.json" "$T/type.json" >/dev/null 2>"$T/err"
check "wrong type: exit 65" test $? -eq 65
check "wrong type: JSON path in message ($(head -1 "$T/err"))" \
	grep -q 'rows\[0\] (TDH.MEM.PAGE.AUG).rounds\[3\]: "p50_ns" should be a number' "$T/err"
jq '.rows[1].rounds |= .[0:5]' "$T/base.json" >"$T/short.json"
"$TB" compare "$T/base.json" "$T/short.json" >/dev/null 2>"$T/err"
check "round count mismatch: exit 65" test $? -eq 65
check "round count mismatch explained" grep -q 'has 5 rounds, the file says 8' "$T/err"
: >"$T/empty.json"
"$TB" compare "$T/empty.json" "$T/base.json" >/dev/null 2>"$T/err"
check "empty file: exit 65" test $? -eq 65
"$TB" compare "$T/nonexistent.json" "$T/base.json" >/dev/null 2>"$T/err"
check "missing file: exit 66" test $? -eq 66
check "missing file: says so" grep -q 'No such file' "$T/err"
"$TB" compare "$T/base.json" "$T/slow.json" --threshold abc >/dev/null 2>&1
check "bad --threshold: exit 2" test $? -eq 2
"$TB" compare "$T/base.json" >/dev/null 2>&1
check "one file only: exit 2" test $? -eq 2
"$TB" frobnicate >/dev/null 2>&1
check "unknown command: exit 2" test $? -eq 2

# --- plot
if command -v gnuplot >/dev/null; then
	"$TB" compare "$T/base.json" "$T/slow.json" --plot "$T/cmp.svg" >/dev/null 2>"$T/err"
	rc=$?
	check "--plot: exit still 3 for the slowdown (got $rc)" test $rc -eq 3
	check "--plot writes an SVG with both panels" \
		bash -c "grep -q '<svg' '$T/cmp.svg' && grep -q 'TDH.MEM.PAGE.AUG (slower)' '$T/cmp.svg' && grep -q 'ept_violation (same)' '$T/cmp.svg'"
	"$TB" compare "$T/base.json" "$T/slow.json" --plot "$T/cmp.pdf" >/dev/null 2>&1
	check "--plot with an unknown extension: exit 2" test $? -eq 2
else
	echo "ok $((++n)) # SKIP gnuplot not installed"
fi

echo "1..$n"
((failed == 0))
