#!/usr/bin/env bash
# test_windows.sh - the one window iterator (tools/lib/window.h) and the loss
# model, through the tools (issue 19's rates, issue 20's losses):
#   - a window that runs past the end of the data is divided by its real span
#     (stat INTERVAL longer than the capture gives the whole-file rate)
#   - the last, partial window ends at the last event, marked (JSON window,
#     a text line); windows tile the span
#   - stat, report and ept agree on one file (one span definition)
#   - a record file's lost blocks land in the interval where they happened
#     (stat -i, tdxtop windows and totals), and `record --replay` writes them
#     through so the copy places them the same way
# No BPF needed (user-space engine).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
t() { n=$((n + 1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; echo "# $2"; fi; }

for b in tdxtrace tdxtop; do
	[[ -x $B/$b ]] || { echo "not ok 1 - $B/$b is not built"; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
py() { python3 -c "$1"; }

"$B/tdxtrace" sim steady:3,duration=4s -o "$tmp/s.rec" >/dev/null 2>&1
# whole file, and one window of 60 s (longer than the 4 s capture)
"$B/tdxtrace" stat --replay "$tmp/s.rec" -j >"$tmp/whole.j"
"$B/tdxtrace" stat --replay "$tmp/s.rec" -j 60 >"$tmp/i60.j"
t "stat INTERVAL longer than the capture: one window, span and rate of the data" "py '
import json,sys
w=json.load(open(\"$tmp/whole.j\")); l=[json.loads(x) for x in open(\"$tmp/i60.j\")]
win = l[0].pop(\"window\", {}) if l else {}
w.pop(\"window\", None)   # every report has one (envelope); the rest must equal
ok = len(l)==1 and l[0]==w and 3.9e9 < w[\"span_ns\"] < 4.1e9 and win.get(\"partial\") and win.get(\"last\")
print(\"# spans\", w[\"span_ns\"], [x[\"span_ns\"] for x in l])
sys.exit(not ok)'"
"$B/tdxtrace" stat --replay "$tmp/s.rec" 60 >"$tmp/i60.t"
"$B/tdxtrace" stat --replay "$tmp/s.rec" >"$tmp/whole.t"
t "stat 60 text prints the whole file's rates (not divided by 60 s)" \
	"diff <(grep -v '^\$' $tmp/whole.t) <(grep -v -e '^\$' -e '^(partial window' $tmp/i60.t) >/dev/null && grep -q '^(partial window: 4.001 s of 60.000 s, the data ends)' $tmp/i60.t"
"$B/tdxtrace" stat --replay "$tmp/s.rec" -j 1.5 >"$tmp/i15.j"
t "windows of 1.5 s tile the capture; the last is partial, divided by its real span" "py '
import json,sys
w=json.load(open(\"$tmp/whole.j\")); l=[json.loads(x) for x in open(\"$tmp/i15.j\")]
sp=[x[\"span_ns\"] for x in l]
ev=lambda d: sum(d[\"counters\"][\"events\"].values())
print(\"# spans\", sp)
sys.exit(not (len(l)==3 and sp[0]==sp[1]==1500000000 and 0 < sp[2] < 1500000000
	and sum(sp)==w[\"span_ns\"] and sum(map(ev,l))==ev(w)))'"
t "the last window is marked partial (JSON window.partial/last, text line), the others not" "python3 -c '
import json,sys
l=[json.loads(x)[\"window\"] for x in open(\"$tmp/i15.j\")]
sys.exit([(x[\"partial\"],x[\"last\"]) for x in l]!=[(False,False),(False,False),(True,True)]
	or l[1][\"start_ns\"]!=l[0][\"end_ns\"] or l[2][\"start_ns\"]!=l[1][\"end_ns\"])' &&
	[[ \$('$B/tdxtrace' stat --replay $tmp/s.rec 1.5 | grep -c '^(partial window: 1.001 s of 1.500 s, the data ends)') == 1 ]]"
"$B/tdxtrace" report --replay "$tmp/s.rec" -j >"$tmp/rep.j"
"$B/tdxtrace" ept --replay "$tmp/s.rec" -j >"$tmp/ept.j"
t "report, stat and ept on one file: one span, the same EPT rates" "py '
import json,sys
w=json.load(open(\"$tmp/whole.j\")); r=json.load(open(\"$tmp/rep.j\")); e=json.load(open(\"$tmp/ept.j\"))
print(\"# spans\", w[\"span_ns\"], r[\"span_ns\"], e[\"span_ns\"])
sys.exit(not (w[\"span_ns\"]==r[\"span_ns\"]==e[\"span_ns\"]))'"
head -n1 <("$B/tdxtrace" report --replay "$tmp/s.rec") >"$tmp/rep.t"
grep -o 'over [0-9.]* s' "$tmp/whole.t" | head -n1 | awk '{print $2}' >"$tmp/span"
t "report's header span is stat's ($(cat "$tmp/span") s)" "grep -q ', $(cat "$tmp/span") s\$' $tmp/rep.t"

# losses: 100 events 10 ms apart from 11 ms; lost 5 after event 10, 7 after 55, 3 at the end
python3 "$SRC/tests/reliability/mkrec.py" "$tmp/l.rec" --tds 1 --events-per-td 100 \
	--step 10000000 --lost 5@10 --lost 7@55 --lost 3 >/dev/null
want="5 7 0 3"
lost_of() { py "
import json,sys
print(' '.join(str(json.loads(x)['counters']['source_lost']) for x in open('$1')))"; }
"$B/tdxtrace" stat --replay "$tmp/l.rec" -j 0.3 >"$tmp/l.j"
t "stat -i: each lost block in the window where it happened ($want)" "[[ \$(lost_of $tmp/l.j) == '$want' ]]"
"$B/tdxtrace" lat --replay "$tmp/l.rec" -j 0.3 >"$tmp/l2.j"
t "lat -i: the same" "[[ \$(lost_of $tmp/l2.j) == '$want' ]]"
"$B/tdxtop" -j -d 0.3 --replay "$tmp/l.rec" >"$tmp/top.j"
t "tdxtop windows: lost per window $want, totals 5 12 12 15" "py '
import json,sys
l=[json.loads(x)[\"lost\"] for x in open(\"$tmp/top.j\")]
print(\"#\", l)
sys.exit([x[\"window\"] for x in l]!=[5,7,0,3] or [x[\"total\"] for x in l]!=[5,12,12,15])'"
"$B/tdxtop" -b -d 0.3 --replay "$tmp/l.rec" >"$tmp/top.t"
t "tdxtop text: lost 5 (+5) ... lost 15 (+3)" \
	"[[ \$(grep -o 'lost [0-9]* (+[0-9]*)' $tmp/top.t | tr '\n' ,) == 'lost 5 (+5),lost 12 (+7),lost 12 (+0),lost 15 (+3),' ]]"
"$B/tdxtrace" record --replay "$tmp/l.rec" -o "$tmp/copy.rec" -j >"$tmp/rec.j" 2>&1
t "record --replay writes the lost blocks through (JSON lost 15)" \
	"py 'import json,sys; sys.exit(json.load(open(\"$tmp/rec.j\"))[\"lost\"] != 15)'"
"$B/tdxtrace" stat --replay "$tmp/copy.rec" -j 0.3 >"$tmp/c.j"
t "the copy places them in the same windows ($want)" "[[ \$(lost_of $tmp/c.j) == '$want' ]]"
# stat --csv -i (kvm_stat -c): one line per window, each loss in its window
python3 "$SRC/tests/reliability/mkrec.py" "$tmp/csv.rec" --tds 2 --events-per-td 10 --lost 5@12 >/dev/null
"$B/tdxtrace" stat --csv --replay "$tmp/csv.rec" -i 1us >"$tmp/s.csv"
t "stat --csv -i 1us: a header and 2 windows; 20 SEAMCALLs, the lost 5 in the second" \
	"py 'import csv,sys; r=list(csv.DictReader(open(\"$tmp/s.csv\"))); sys.exit(not (len(r) == 2 and sum(int(x[\"tdx_seamcall\"]) for x in r) == 20 and [x[\"source_lost\"] for x in r] == [\"0\", \"5\"] and r[0][\"span_s\"] == \"0.000001\"))'"
echo "1..$n"
