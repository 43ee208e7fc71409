#!/usr/bin/env bash
# test_tdxtop_opts.sh - tdxtop's command line: bad options, unknown scenario,
# unreadable replay file -> one clear message and exit 66 (corrupt: 65); no privileges for
# live mode -> a message naming the capabilities and exit 77.
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
# "tdxtop:" message line at most before the hint, nothing on stdout.
expect() {
	local rc=$1 pat=$2
	shift 2
	"$T" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	local got=$?
	local msgs
	msgs=$(grep -c '^tdxtop: ' "$tmp/err")
	if [[ $got == "$rc" ]] && grep -qiE -- "$pat" "$tmp/err" && [[ ! -s $tmp/out ]] &&
		((msgs <= 2)); then
		ok 0 "tdxtop $* -> exit $rc, '$pat'"
	else
		ok 1 "tdxtop $* -> exit $rc, '$pat'"
		echo "#   got exit $got; stderr:"
		sed 's/^/#     /' "$tmp/err"
		[[ -s $tmp/out ]] && echo "#   stdout not empty"
	fi
}

expect 2 "unrecognized option" --bogus
expect 2 "invalid delay '0'" -b -d 0 --sim steady
expect 2 "invalid delay 'abc'" -b -d abc --sim steady
expect 2 "invalid delay '-1'" -b -d -1 --sim steady
expect 2 "invalid iteration count '0'" -b -n 0 --sim steady
expect 2 "invalid iteration count '3x'" -b -n 3x --sim steady
expect 2 "requires an argument" -b --sim
expect 2 "unknown simulator scenario.*nosuch" -b --sim nosuch
expect 2 "unknown simulator scenario.*known: boot" -b --sim nosuch:1
expect 66 "--replay /nonexistent/rec.tdx" -b --replay /nonexistent/rec.tdx	# NOINPUT
printf 'this is not a capture\n' >"$tmp/garbage"
expect 65 "--replay $tmp/garbage" -b --replay "$tmp/garbage"	# DATAERR
expect 2 "exclusive" -b --sim steady --replay "$tmp/garbage"
expect 2 "unknown SEAMCALL leaf 'TDH.NOPE'" -b -l TDH.NOPE --sim steady
expect 2 "invalid pid 'x1'" -b -p x1 --sim steady
expect 2 "invalid pid '-5'" -b -p -5 --sim steady
expect 2 "invalid pid '-18446744073709550000'" -b -p -18446744073709550000 --sim steady
expect 2 "unknown sort column 'NOPE'" -b -s NOPE --sim steady
expect 2 "unknown view 'nope'" -b -V nope --sim steady
expect 2 "unexpected argument 'extra'" -b --sim steady extra
expect 2 "not a terminal; use -b" --sim steady

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
	[[ $(wc -l <"$tmp/err") == 1 ]]; ok $? "one message line"
	[[ ! -s $tmp/out ]]; ok $? "nothing on stdout"
fi

echo "1..$n"
((fails == 0))
