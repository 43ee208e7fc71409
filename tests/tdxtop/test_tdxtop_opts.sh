#!/usr/bin/env bash
# test_tdxtop_opts.sh - tdxtop's command line (the option groups every tool
# shares, tools/lib/cliopts.c): a usage error -> one message and one usage
# line, exit 2; a missing replay file 66, a corrupt one 65 (TDX_EXIT_TABLE);
# no privileges for live mode -> a message naming the capabilities and 77.
set -uo pipefail
O=${O:-build}
T=$O/bin/tdxtop
n=0
fails=0

ok() { # ok COND-STATUS DESCRIPTION
	n=$((n + 1))
	if [[ $1 == 0 ]]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fails=$((fails + 1)); fi
}

if [[ ! -x $T ]]; then
	echo "not ok 1 - $T is built"
	echo "1..1"
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect RC PATTERN ARGS...: exit status RC, stderr matches PATTERN, one
# "tdxtop:" message line (and for a usage error exactly one "Usage:" line
# after it, nothing else), nothing on stdout.
expect() {
	local rc=$1 pat=$2
	shift 2
	"$T" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	local got=$?
	local msgs
	msgs=$(grep -c '^tdxtop: ' "$tmp/err")
	local lines usage_ok=1
	lines=$(wc -l <"$tmp/err")
	if [[ $rc == 2 ]]; then
		[[ $lines == 2 && $(sed -n 2p "$tmp/err") == "Usage: tdxtop "* ]] || usage_ok=0
	fi
	if [[ $got == "$rc" ]] && grep -qiE -- "$pat" "$tmp/err" && [[ ! -s $tmp/out ]] &&
		((msgs == 1)) && ((usage_ok)); then
		ok 0 "tdxtop $* -> exit $rc, '$pat'"
	else
		ok 1 "tdxtop $* -> exit $rc, '$pat'"
		echo "#   got exit $got; stderr:"
		sed 's/^/#     /' "$tmp/err"
		[[ -s $tmp/out ]] && echo "#   stdout not empty"
	fi
}

expect 2 "unknown option '--bogus'" --bogus
expect 2 "unknown option in '-bx'" -bx
expect 2 "invalid interval '0'" -b -d 0 --sim steady
expect 2 "invalid interval 'abc'" -b -d abc --sim steady
expect 2 "invalid interval '-1'" -b -d -1 --sim steady
expect 2 "invalid interval '0.01' \(at least 0.05s\)" -b -d 0.01 --sim steady
expect 2 "invalid interval 'x'" -b --sim steady x
expect 2 "invalid count '0'" -b -n 0 --sim steady
expect 2 "invalid count '3x'" -b -n 3x --sim steady
expect 2 "invalid count '0'" -b --sim steady 1 0
expect 2 "option '--sim' needs an argument" -b --sim
expect 2 "option '-p' needs an argument" -b --sim steady -p
expect 2 "unknown simulator scenario.*nosuch" -b --sim nosuch
expect 2 "unknown simulator scenario.*known: boot" -b --sim nosuch:1
expect 2 "invalid --mode 'gpu'" -b --sim steady --mode gpu
# a missing input is NOINPUT (66), a file that is no capture DATAERR (65)
expect 66 "/nonexistent/rec.tdx: No such file" -b --replay /nonexistent/rec.tdx
printf 'this is not a capture\n' >"$tmp/garbage"
expect 65 "$tmp/garbage: unknown format" -b --replay "$tmp/garbage"
expect 2 "exclude each other" -b --sim steady --replay "$tmp/garbage"
expect 2 "exclude each other" -b --sim steady --json --csv
expect 2 "unknown SEAMCALL leaf 'TDH.NOPE'" -b -l TDH.NOPE --sim steady
expect 2 "unknown SEAMCALL leaf 'NOPE'" -b -l MEM.PAGE.AUG,NOPE --sim steady
expect 2 "invalid PID list 'x1'" -b -p x1 --sim steady
expect 2 "invalid PID list '-5'" -b -p -5 --sim steady
expect 2 "invalid PID list '-18446744073709550000'" -b -p -18446744073709550000 --sim steady
expect 2 "invalid PID list '1,,x'" -b -p 1,,x --sim steady
expect 2 "unknown sort column 'NOPE'" -b -s NOPE --sim steady
expect 2 "unknown view 'nope'" -b -V nope --sim steady
expect 2 "unexpected argument 'extra'" -b --sim steady 1 2 extra
expect 2 "-g nosuch: no TD in the source" -b --sim steady -g nosuch
expect 2 "not a terminal; use -b" --sim steady

# -p takes comma lists and repeats (the issue: -p 10000,11000 was "invalid pid");
# -g picks a TD by its VMM name; -l takes lists.  The TD table lists exactly those.
tds() { awk '/^ +PID COMM/ {t=1; next} t && /^$/ {exit} t {print $1}' "$tmp/out" | sort | tr '\n' ' '; }
"$T" -1 --sim steady -p 10000,11000 -p 12000 >"$tmp/out" 2>"$tmp/err"
ok $(( $? == 0 ? 0 : 1 )) "-p 10000,11000 -p 12000: exit 0"
[[ $(tds) == "10000 11000 12000 " ]]; ok $? "-p list and repeat: TDs $(tds)"
"$T" -1 --sim steady -g qemu-td1 >"$tmp/out" 2>"$tmp/err"
[[ $(tds) == "11000 " ]]; ok $? "-g qemu-td1: TD 11000 only ($(tds))"
"$T" -1 --sim steady -l MEM.PAGE.AUG,VP.RD >"$tmp/out" 2>"$tmp/err"
leaves=$(awk '/^LEAF/ {t=1; next} t && /^$/ {exit} t {print $1}' "$tmp/out" | sort | tr '\n' ' ')
[[ $leaves == "TDH.MEM.PAGE.AUG TDH.VP.RD " ]]; ok $? "-l A,B: leaves $leaves"

# -1: one report; [INTERVAL COUNT] positional as libbpf-tools: COUNT reports
"$T" -1 --sim steady >"$tmp/out" 2>&1
[[ $(grep -c '^tdxtop ' "$tmp/out") == 1 ]]; ok $? "-1: one report"
"$T" -b --sim steady 0.5 3 >"$tmp/out" 2>&1
[[ $(grep -c '^tdxtop .*window 0.50s' "$tmp/out") == 3 ]]; ok $? "[INTERVAL COUNT] = 0.5 3: three 0.5 s reports"
"$T" -b --sim steady -i 0.5 -n 2 >"$tmp/out" 2>&1
[[ $(grep -c '^tdxtop .*window 0.50s' "$tmp/out") == 2 ]]; ok $? "-i is -d: two 0.5 s reports"

# the JSON envelope every tool's JSON has (docs/cli.md): command, version,
# source {type, name, mode}, ts_ns, span_ns, window, counters
"$T" --json -n 2 -d 0.5 --sim steady:1 >"$tmp/out" 2>"$tmp/err"
python3 - "$tmp/out" <<'PY'
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
assert len(objs) == 2, len(objs)
for i, o in enumerate(objs, 1):
    assert o["command"] == "tdxtop" and o["version"], o.get("command")
    assert o["source"] == {"type": "sim", "name": o["source"]["name"], "mode": "sim"}, o["source"]
    assert o["source"]["name"].startswith("steady:1"), o["source"]
    w = o["window"]
    assert w["index"] == i and w["interval_ns"] == 500000000 and w["span_ns"] > 0, w
    assert w["cumulative"] is False and w["end_of_source"] is False, w
    assert o["span_ns"] == w["span_ns"]
    c = o["counters"]
    assert c["events"]["tdx_seamcall"] > 0 and "lost" in c and "dropped_total" in c, c
PY
ok $? "--json: the envelope (command, version, source, window, counters) in every object"

# --log: a header and one line per interval (kvm_stat -l); --csv the same as CSV
"$T" --log -n 3 -d 0.2 --sim steady:1 >"$tmp/out" 2>"$tmp/err"
[[ $? == 0 && $(wc -l <"$tmp/out") == 4 && $(head -1 "$tmp/out") == time* ]]
ok $? "--log -n 3: a header and 3 lines ($(wc -l <"$tmp/out") lines)"
"$T" --csv -n 3 -d 0.2 --sim steady:1 >"$tmp/out" 2>"$tmp/err"
python3 - "$tmp/out" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 3, len(rows)
for r in rows:
    assert abs(float(r["window_s"]) - 0.2) < 1e-6, r
    assert float(r["seamcall/s"]) > 0 and int(r["lost"]) == 0 and int(r["dropped"]) == 0, r
    assert int(r["tds"]) == 4, r
PY
ok $? "--csv: a header and 3 rows, per-second rates, the window's losses"

# -z: rows whose counts are all zero are left out (kvm_stat -z)
"$T" -b -V mapgpa -d 0.05 -n 8 --sim steady:1 >"$tmp/all" 2>&1
"$T" -b -z -V mapgpa -d 0.05 -n 8 --sim steady:1 >"$tmp/z" 2>&1
zero_rows() { awk '/PID COMM +REQ/ {t = 1; next} /^$/ {t = 0} t && $1 ~ /^[0-9]+$/ && $3 == 0 && $4 == 0 && $5 == 0 {n++} END {print n + 0}' "$1"; }
rows_of() { awk '/PID COMM +REQ/ {t = 1; next} /^$/ {t = 0} t && $1 ~ /^[0-9]+$/ {n++} END {print n + 0}' "$1"; }
(( $(zero_rows "$tmp/all") > 0 && $(zero_rows "$tmp/z") == 0 &&
   $(rows_of "$tmp/z") == $(rows_of "$tmp/all") - $(zero_rows "$tmp/all") ))
ok $? "-z: the $(zero_rows "$tmp/all") all-zero MapGPA rows are left out, the others kept"

# -o FILE: complete or not there; never a partial file; 0644 under umask 022
(umask 022; "$T" --csv -n 2 -d 0.1 --sim steady:1 -o "$tmp/run.csv") >"$tmp/out" 2>&1
[[ $? == 0 && ! -s $tmp/out && $(wc -l <"$tmp/run.csv") == 3 && $(stat -c %a "$tmp/run.csv") == 644 ]]
ok $? "-o FILE: the CSV in FILE (3 lines, mode $(stat -c %a "$tmp/run.csv" 2>/dev/null)), nothing on stdout"
echo "old" >"$tmp/keep.csv"
"$T" --csv -d 0.1 --sim steady:1,duration=600s -o "$tmp/keep.csv" >/dev/null 2>&1 &
pid=$!
sleep 1
ls -a "$tmp" | grep -q '^\.keep\.csv\.' ; tmp_seen=$?
kill -KILL $pid; wait $pid 2>/dev/null
[[ $(cat "$tmp/keep.csv") == old && $tmp_seen == 0 ]]
ok $? "-o FILE: written to a temporary; killed half way, FILE keeps its old content"
rm -f "$tmp"/.keep.csv.*
"$T" --csv -n 1 --sim steady:1 -o "$tmp/nodir/x.csv" >/dev/null 2>"$tmp/err"
[[ $? == 73 ]] && grep -q nodir "$tmp/err"; ok $? "-o in a missing folder: exit 73 (CANTCREAT) with a message"

# --help and --version go to stdout, exit 0
"$T" --help >"$tmp/out" 2>&1
ok $(( $? == 0 ? 0 : 1 )) "--help exits 0"
grep -q "^Usage: tdxtop" "$tmp/out"; ok $? "--help prints the usage"
grep -q -- "--json" "$tmp/out"; ok $? "--help documents --json"
"$T" --version | grep -qE '^tdxtop [0-9]+\.[0-9]+'; ok $? "--version"

# A reader that goes away (| head) ends tdxtop quietly with exit 0.
if [[ $(id -u) == 0 ]]; then
	"$T" --json -d 0.1 --sim steady:1 2>"$tmp/err" | head -n 1 >"$tmp/out"
	rc=${PIPESTATUS[0]}
	[[ $rc == 0 && ! -s $tmp/err ]] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out"
	ok $? "--json | head -n 1: exit 0 (got $rc), no message, one JSON object"
else
	n=$((n + 1)); echo "ok $n # SKIP loading BPF needs root"
fi

# Without privileges (BPF cannot load): exit 77, one message naming the
# capabilities.  The simulator loads the same BPF programs as live mode.
if [[ $(id -u) == 0 ]] && command -v setpriv >/dev/null; then
	# through BPF (offline in user space needs no privilege: test_cli_nobody)
	TDXTRACE_ENGINE=bpf setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$T" -b -n 1 --sim steady >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
elif [[ $(id -u) != 0 ]]; then
	TDXTRACE_ENGINE=bpf "$T" -b -n 1 --sim steady >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
else
	rc=skip
fi
if [[ $rc == skip ]]; then
	n=$((n + 1)); echo "ok $n # SKIP setpriv not available"
else
	[[ $rc == 77 ]]; ok $? "unprivileged: exit 77 (got $rc)"
	grep -q "CAP_BPF and CAP_PERFMON" "$tmp/err"; ok $? "the message names CAP_BPF and CAP_PERFMON"
	[[ $(wc -l <"$tmp/err") -le 2 ]]; ok $? "one message line and one hint"
	[[ ! -s $tmp/out ]]; ok $? "nothing on stdout"
fi

echo "1..$n"
((fails == 0))
