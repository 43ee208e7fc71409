#!/usr/bin/env bash
# bench-regress.sh - `make bench` part of tdxbench: is `tdxbench compare`
# trustworthy?  Writes $O/bench/regress.json and prints a table.
#
#  1. tdxbench-validate: AA (default 500) A/A comparisons (steady vs steady,
#     different seeds) -> false-alarm rate; AB (default 200) A/B comparisons
#     (steady vs regress:LEAF:5) -> power.  Rounds come from the simulator's
#     event stream aggregated in user space (no BPF session per round).
#  2. The real path, a few times: `tdxbench run sim:...` (BPF aggregation
#     through the loader) + `tdxbench compare`, A/A and A/B; and a check that
#     the user-space rounds equal the `tdxbench run` rounds for one seed.
#
# Environment: O, SRC, TDXBENCH_AA, TDXBENCH_AB, TDXBENCH_ROUNDS,
# TDXBENCH_DURATION, TDXBENCH_REAL (real-path comparisons of each kind),
# TDXBENCH_SEED.
set -uo pipefail
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
O=${O:-$SRC/build}
AA=${TDXBENCH_AA:-500}
AB=${TDXBENCH_AB:-200}
ROUNDS=${TDXBENCH_ROUNDS:-10}
DUR=${TDXBENCH_DURATION:-0.5}
REAL=${TDXBENCH_REAL:-3}
# not the seed (1) the verdict rule was tuned on: a held-out check
SEED=${TDXBENCH_SEED:-20261125}
LEAF=TDH.MEM.PAGE.AUG
PCT=5
TB=$O/bin/tdxbench
VAL=$O/tools/tdxbench-validate
OUT=$O/bench
mkdir -p "$OUT"
tmp=$(mktemp -d /tmp/tdxbench-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

echo "== tdxbench: A/A false alarms and A/B power ($AA + $AB comparisons, $ROUNDS rounds x ${DUR}s)"
"$VAL" --aa "$AA" --ab "$AB" --rounds "$ROUNDS" --duration "$DUR" --leaf "$LEAF" \
	--pct "$PCT" --jobs 2 --seed "$SEED" -o "$tmp/val.json" | tee "$tmp/val.txt" || exit 1

real_json='{"ran": false, "why": "needs root (BPF)"}'
if [[ $(id -u) -eq 0 ]]; then
	echo "== tdxbench: the real path (tdxbench run + compare), $REAL A/A and $REAL A/B"
	fa=0 det=0 fails=0
	for i in $(seq 1 "$REAL"); do
		b=$((1000 + 3 * i))
		"$TB" run sim:steady -o "$tmp/base$i.json" --rounds "$ROUNDS" --duration "$DUR" \
			--seed "$b" || fails=$((fails + 1))
		"$TB" run sim:steady -o "$tmp/aa$i.json" --rounds "$ROUNDS" --duration "$DUR" \
			--seed $((b + 1)) || fails=$((fails + 1))
		"$TB" run "sim:regress:$LEAF:$PCT" -o "$tmp/ab$i.json" --rounds "$ROUNDS" \
			--duration "$DUR" --seed $((b + 2)) || fails=$((fails + 1))
		"$TB" compare "$tmp/base$i.json" "$tmp/aa$i.json" >"$tmp/aa$i.txt"
		aarc=$?
		((aarc == 1)) && fa=$((fa + 1))
		((aarc > 1)) && fails=$((fails + 1))
		"$TB" compare "$tmp/base$i.json" "$tmp/ab$i.json" --json >"$tmp/ab$i.cmp"
		rc=$?
		((rc > 1)) && fails=$((fails + 1))
		if jq -e --arg l "$LEAF" '[.rows[] | select(.name == $l and .verdict == "slower")] | length > 0' \
			"$tmp/ab$i.cmp" >/dev/null; then
			det=$((det + 1))
		fi
		printf '  pair %d: A/A exit %d; A/B exit %d, %s p50,p90,p99,mean: %s\n' "$i" "$aarc" "$rc" \
			"$LEAF" "$(jq -r --arg l "$LEAF" '[.rows[] | select(.name == $l) | .verdict] | join(",")' "$tmp/ab$i.cmp")"
	done
	# equivalence: user-space rounds == BPF rounds for the same seed
	"$VAL" --emit steady --seed 1003 --rounds "$ROUNDS" --duration "$DUR" -o "$tmp/emit.json"
	q='[.rows[] | {name, h: [.rounds[] | .hist]}] | sort_by(.name)'
	if [[ -s $tmp/base1.json ]] && [[ "$(jq -c "$q" "$tmp/emit.json")" == "$(jq -c "$q" "$tmp/base1.json")" ]]; then
		eq=true
	else
		eq=false
	fi
	echo "  user-space rounds identical to tdxbench run rounds (seed 1003): $eq"
	real_json=$(jq -n --argjson n "$REAL" --argjson fa "$fa" --argjson det "$det" \
		--argjson fails "$fails" --argjson eq "$eq" \
		'{ran: true, path: "tdxbench run sim:... (loader + BPF aggregation) and tdxbench compare",
		  aa_comparisons: $n, aa_false_alarms: $fa, ab_comparisons: $n, ab_detected: $det,
		  errors: $fails, user_space_rounds_equal_bpf_rounds: $eq}')
fi

jq --argjson real "$real_json" '. + {real_path: $real}' "$tmp/val.json" >"$OUT/regress.json"
cp "$tmp/val.txt" "$OUT/regress.txt"
echo "  -> $OUT/regress.json"
jq -e '.pass' "$OUT/regress.json" >/dev/null || echo "  WARNING: a validation target is not met"
exit 0
