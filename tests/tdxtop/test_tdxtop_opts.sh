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
