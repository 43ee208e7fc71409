#!/usr/bin/env bash
# test_losses.sh - losses are shown by the tools, in text and JSON.
#
# Record files written by mkrec.py (independent of the C writer):
#   vp.rec    300 TDs x 3 kvm_tdx_vp_enter_exit events, round-robin: the VP
#             map holds TDX_MAX_TDS (256), so (300-256)*3 = 132 are dropped
#   lost.rec  40 events with lost blocks of 17 and 4 (21 lost by the source)
# tdxtrace stat/lat and tdxtop -b / -j must show exactly those numbers.
# (Ring-buffer loss is not reachable from the tools' options; the library
# test test_losses forces it.  tdxbench refuses a round with any loss, see
# docs/reliability.md.)  Needs root for BPF.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
t() { n=$((n + 1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; echo "# $2"; fi; }

need_root
for b in tdxtrace tdxtop; do
	[[ -x $B/$b ]] || { echo "not ok 1 - $B/$b is not built"; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tds=300 k=3 max=256
python3 "$SRC/tests/reliability/mkrec.py" "$tmp/vp.rec" --tds $tds --events-per-td $k --kind vp_enter >/dev/null
python3 "$SRC/tests/reliability/mkrec.py" "$tmp/lost.rec" --tds 2 --events-per-td 20 --lost 17@10 --lost 4 >/dev/null
drop=$(((tds - max) * k))

"$B/tdxtrace" stat --replay "$tmp/vp.rec" >"$tmp/o" 2>&1
t "tdxtrace stat text: dropped $drop (vp full)" "grep -q 'dropped $drop (vp full: $drop)' $tmp/o"
"$B/tdxtrace" stat --replay "$tmp/vp.rec" --json >"$tmp/j" 2>&1
t "tdxtrace stat JSON: counters.dropped.vp == $drop" \
	"python3 -c 'import json,sys; d=json.load(open(\"$tmp/j\")); sys.exit(d[\"counters\"][\"dropped\"][\"vp\"] != $drop or d[\"counters\"][\"dropped_total\"] != $drop)'"
"$B/tdxtrace" lat --replay "$tmp/lost.rec" >"$tmp/o" 2>&1
t "tdxtrace lat text: source lost 21" "grep -q 'source lost 21' $tmp/o"
"$B/tdxtrace" lat --replay "$tmp/lost.rec" --json >"$tmp/j" 2>&1
t "tdxtrace lat JSON: counters.source_lost == 21" \
	"python3 -c 'import json,sys; d=json.load(open(\"$tmp/j\")); sys.exit(d[\"counters\"][\"source_lost\"] != 21)'"

"$B/tdxtop" -b -n 1 --replay "$tmp/vp.rec" >"$tmp/o" 2>&1
t "tdxtop batch text: dropped $drop" "grep -q 'dropped $drop ' $tmp/o"
"$B/tdxtop" -j -n 1 --replay "$tmp/vp.rec" >"$tmp/j" 2>&1
t "tdxtop JSON: dropped.total and by_map.vp == $drop" \
	"python3 -c 'import json,sys; d=json.loads(open(\"$tmp/j\").readline()); sys.exit(d[\"dropped\"][\"total\"] != $drop or d[\"dropped\"][\"by_map\"][\"vp\"] != $drop)'"
"$B/tdxtop" -b -n 1 --replay "$tmp/lost.rec" >"$tmp/o" 2>&1
t "tdxtop batch text: lost 21" "grep -q 'lost 21 ' $tmp/o"
"$B/tdxtop" -j -n 1 --replay "$tmp/lost.rec" >"$tmp/j" 2>&1
t "tdxtop JSON: lost.total == 21" \
	"python3 -c 'import json,sys; d=json.loads(open(\"$tmp/j\").readline()); sys.exit(d[\"lost\"][\"total\"] != 21)'"
echo "1..$n"
