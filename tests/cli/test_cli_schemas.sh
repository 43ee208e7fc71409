#!/usr/bin/env bash
# test_cli_schemas.sh - docs/cli.md's JSON schemas with a standard validator
# (python3-jsonschema, draft 2020-12): every schema is valid and every $ref
# resolves (the issue: "#/$defs/envelope" from another schema resolves in
# no standard validator); then every command's --json on the simulator
# scenarios, tdxtop's too, validates against its schema.
set -uo pipefail
O=${O:-build}
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
B=$O/bin
CHK="python3 $SRC/tests/cli/jsonschema_check.py $SRC/docs/cli.md"
n=0
fails=0
ok() {
	n=$((n + 1))
	if [[ $1 == 0 ]]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fails=$((fails + 1)); fi
}
if ! python3 -c 'import jsonschema, referencing' 2>/dev/null; then
	echo "not ok 1 - python3-jsonschema is installed (scripts/setup-deps.sh test)"
	echo "1..1"
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

$CHK --check >"$tmp/out" 2>&1; ok $? "schemas valid, every \$ref resolves: $(tail -1 "$tmp/out")"

# valid CMD... : the JSON lines of a command against a schema
valid() {
	local id=$1
	shift
	"$@" >"$tmp/json" 2>"$tmp/err"
	local rc=$?
	$CHK "$id" <"$tmp/json" >"$tmp/out" 2>&1
	local v=$?
	ok $(( rc == 0 && v == 0 ? 0 : 1 )) "$(basename "$1") ${*:2} -> $id ($(tail -1 "$tmp/out"))"
	((rc == 0 && v == 0)) || sed 's/^/#   /' "$tmp/out" "$tmp/err" | head -8
}

for sc in steady:2,duration=1s boot:3,duration=1s convert:4,duration=500ms \
	  contention:5,duration=1s mixing:6,duration=1s; do
	for cmd in lat ept convert mix contention stat; do
		valid "tdxtrace:$cmd" "$B/tdxtrace" "$cmd" --sim "$sc" --json
	done
	valid tdxtrace:report "$B/tdxtrace" report --sim "$sc" --json
done
valid tdxtrace:lat "$B/tdxtrace" lat --sim steady:2,duration=2s -P -d 500ms --json
valid tdxtrace:stat "$B/tdxtrace" stat --sim steady:2,duration=2s -z -d 1 --json
valid tdxtrace:sim-event "$B/tdxtrace" sim steady:2,duration=20ms --json
"$B/tdxtrace" sim steady:2,duration=1s -o "$tmp/r.tdxrec" >/dev/null 2>&1
valid tdxtrace:report "$B/tdxtrace" report "$tmp/r.tdxrec" --json
valid tdxtrace:record "$B/tdxtrace" record --replay "$tmp/r.tdxrec" -o "$tmp/r2.tdxrec" --json
# a span of 0 (every event at the header's start): rates are null
python3 "$SRC/tests/reliability/mkrec.py" "$tmp/z.rec" --tds 1 --events-per-td 3 --step 0 >/dev/null
for cmd in stat ept report; do
	valid "tdxtrace:$cmd" "$B/tdxtrace" "$cmd" --replay "$tmp/z.rec" --json
done
# tdxbench compare --json: the envelope of the new result (pretty: compacted for the validator)
if [[ $(id -u) == 0 ]]; then
	"$B/tdxbench" run sim:steady --rounds 3 --duration 0.1 --seed 3 -o "$tmp/b1.json" 2>/dev/null
	"$B/tdxbench" run sim:steady --rounds 3 --duration 0.1 --seed 4 -o "$tmp/b2.json" 2>/dev/null
	valid tdxtrace:tdxbench-compare bash -c "'$B/tdxbench' compare '$tmp/b1.json' '$tmp/b2.json' --json | jq -c ."
	"$B/tdxbench" compare "$tmp/b1.json" "$tmp/b2.json" --json >"$tmp/cmp.json"
	python3 - "$tmp/cmp.json" "$tmp/b2.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); r = json.load(open(sys.argv[2]))
want = sum(sum(x['count'] for x in row['rounds']) for row in r['rows'] if row['kind'] == 'seamcall')
got = c['counters']['events']['tdx_seamcall']
print('# seamcalls in the new result', want, 'envelope counters', got, 'source', c['source'], 'span', c['span_ns'])
sys.exit(not (got == want and c['source'] == {'type': 'sim', 'name': 'sim:steady', 'mode': 'sim'}
              and 0.9 * 3e8 <= c['span_ns'] <= 1.1 * 3e8 and c['window']['interval_ns'] == 100000000))
PY
	ok $? "tdxbench compare --json: counters, source and span (3 rounds of 0.1 s) are the new result's"
fi
if [[ $(id -u) == 0 ]]; then
	valid tdxtrace:tdxtop "$B/tdxtop" --json -n 1 --replay "$tmp/z.rec"
	valid tdxtrace:tdxtop "$B/tdxtop" --json -n 3 -d 0.3 --sim steady:2
	valid tdxtrace:tdxtop "$B/tdxtop" --json -n 2 -d 0.5 -c --replay "$tmp/r.tdxrec"
else
	n=$((n + 1)); echo "ok $n # SKIP tdxtop loads BPF (needs root)"
fi
echo "1..$n"
((fails == 0))
