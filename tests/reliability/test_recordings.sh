#!/usr/bin/env bash
# test_recordings.sh - what a written recording guarantees (issue 20):
#   - a simulator recording is byte-identical for the same spec (its start
#     time is the simulated start; SOURCE_DATE_EPOCH sets it for any file)
#   - rotation honours small size limits (-s 100k: no file above 100 KiB)
#     and the segments' spans tile the capture
#   - a signal ends a recording cleanly: a complete file, no temporary
#   - a sampled recording says so; a compressed one (-z) is <= 20 B/event on
#     steady and reads back bit-identically
# No BPF needed (user-space engine).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
t() { n=$((n + 1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; echo "# $2"; fi; }

[[ -x $B/tdxtrace ]] || { echo "not ok 1 - $B/tdxtrace is not built"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$B/tdxtrace" sim steady:7,duration=1s -o "$tmp/a.rec" 2>/dev/null
sleep 1.1
"$B/tdxtrace" sim steady:7,duration=1s -o "$tmp/b.rec" 2>/dev/null
"$B/tdxtrace" record --sim steady:7,duration=1s -o "$tmp/c.rec" 2>/dev/null
t "sim -o twice, a second apart: the same bytes" "cmp -s $tmp/a.rec $tmp/b.rec"
t "record --sim gives the same bytes as sim -o" "cmp -s $tmp/a.rec $tmp/c.rec"
SOURCE_DATE_EPOCH=1700000000 "$B/tdxtrace" record --replay "$tmp/a.rec" -o "$tmp/d.rec" 2>/dev/null
sleep 1.1
SOURCE_DATE_EPOCH=1700000000 "$B/tdxtrace" record --replay "$tmp/a.rec" -o "$tmp/e.rec" 2>/dev/null
t "SOURCE_DATE_EPOCH: a copy of a recording is reproducible too" \
	"cmp -s $tmp/d.rec $tmp/e.rec && [[ \$(od -An -tu8 -j32 -N8 $tmp/d.rec | tr -d ' ') == 1700000000000000000 ]]"

mkdir "$tmp/rot"
"$B/tdxtrace" record --sim steady:2,duration=1s -o "$tmp/rot/x.rec" -s 100k 2>/dev/null
nfiles=$(ls "$tmp/rot" | wc -l)
big=$(find "$tmp/rot" -type f -size +102400c | wc -l)
t "-s 100k: $nfiles files, none above 100 KiB" "(( nfiles > 3 && big == 0 ))"
"$B/tdxtrace" stat --sim steady:2,duration=1s -j >"$tmp/whole.j"
for f in "$tmp"/rot/x.rec*; do "$B/tdxtrace" stat --replay "$f" -j; done >"$tmp/seg.j"
t "the segments' events and spans add up to the whole capture's" "python3 -c '
import json,sys
w=json.load(open(\"$tmp/whole.j\")); l=[json.loads(x) for x in open(\"$tmp/seg.j\")]
ev=lambda d: sum(d[\"counters\"][\"events\"].values())
print(\"#\", len(l), sum(x[\"span_ns\"] for x in l), w[\"span_ns\"], sum(map(ev,l)), ev(w))
sys.exit(sum(map(ev,l))!=ev(w) or sum(x[\"span_ns\"] for x in l)!=w[\"span_ns\"])'"

"$B/tdxtrace" record --sim steady:3,duration=3600s -o "$tmp/sig.rec" >/dev/null 2>&1 &
pid=$!
sleep 1.5
kill -TERM $pid
wait $pid
rc=$?
t "SIGTERM during a recording: exit 0 and a complete file" \
	"(( rc == 0 )) && '$B/tdxtrace' stat --replay $tmp/sig.rec >/dev/null 2>&1"
t "no temporary file left after the signal" "! ls $tmp/sig.rec.tmp 2>/dev/null"
"$B/tdxtrace" record --sim steady:1,duration=1s -S 10 -o "$tmp/samp.rec" 2>/dev/null
"$B/tdxtrace" stat --replay "$tmp/samp.rec" >/dev/null 2>"$tmp/samp.err"
t "a sampled recording (-S 10) is marked and reported on replay" \
	"grep -q '1 event in 10 kept' $tmp/samp.err && '$B/tdxtrace' report --replay $tmp/samp.rec -j 2>/dev/null | python3 -c 'import json,sys; sys.exit(json.load(sys.stdin)[\"file\"][\"sample_every\"] != 10)'"
"$B/tdxtrace" record --replay "$tmp/samp.rec" -S 2 -o "$tmp/samp2.rec" 2>/dev/null
t "sampling a sampled recording again multiplies the mark (1 in 20)" \
	"[[ \$(od -An -tx4 -j300 -N4 $tmp/samp2.rec | tr -d ' ') == 00140001 ]]"
# compressed recordings (record -z): small, read back bit-identically
export SOURCE_DATE_EPOCH=1700000000
"$B/tdxtrace" record --sim steady -z -o "$tmp/z.rec" 2>/dev/null
"$B/tdxtrace" record --sim steady -o "$tmp/u.rec" 2>/dev/null
nev=$("$B/tdxtrace" stat --replay "$tmp/u.rec" -j | python3 -c 'import json,sys; print(sum(json.load(sys.stdin)["counters"]["events"].values()))')
bpe=$(( $(stat -c %s "$tmp/z.rec") * 100 / nev ))
t "record -z on steady: $((bpe / 100)).$((bpe % 100)) bytes an event (target <= 20, uncompressed 88)" "(( bpe <= 2000 ))"
"$B/tdxtrace" record --replay "$tmp/z.rec" -o "$tmp/z2u.rec" 2>/dev/null
"$B/tdxtrace" record --replay "$tmp/u.rec" -o "$tmp/u2u.rec" 2>/dev/null
t "a compressed recording reads back bit-identically (its uncompressed copy equals the plain one's)" \
	"cmp -s $tmp/z2u.rec $tmp/u2u.rec"
unset SOURCE_DATE_EPOCH
echo "1..$n"
