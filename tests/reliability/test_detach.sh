#!/usr/bin/env bash
# test_detach.sh - clean exit: SIGINT, SIGTERM and SIGHUP, errors, and kills at
# random moments (start-up, BPF load, attach, running) leave no tdxtrace BPF
# program, map or link and no pin behind (tests/reliability/bpfobjs.py
# compares the kernel's objects before and after, ignoring those held by
# other processes' fds), and handled signals end the tool with a normal exit.
# Tools run on --sim (which loads the BPF programs and test_runs them).
#   DETACH_RUNS (default 16): random-kill iterations.  Needs root.
set -uo pipefail
# job control: background jobs of a script otherwise start with SIGINT ignored
set -m
. "$(dirname "$0")/lib.sh"
runs=${DETACH_RUNS:-16}

need_root
for b in tdxtrace tdxtop tdxbench; do
	[[ -x $B/$b ]] || { echo "not ok 1 - $B/$b is not built"; exit 1; }
done
obj=$O/bpf/tdxtrace.bpf.o
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
# wait until process $1 holds a BPF program (loaded), up to 60 s
loaded() {
	for _ in $(seq 600); do
		grep -qs '^prog_id' /proc/"$1"/fdinfo/* && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
objs() { python3 "$SRC/tests/reliability/bpfobjs.py" "$obj" "$@"; }

# long-running commands (paced or with a long simulated time)
cmd_tdxtop=("$B/tdxtop" -b --realtime -d 0.2 --sim steady:3)
cmd_stat=("$B/tdxtrace" stat -i 0.2 --sim steady:3,duration=30m)
cmd_bench=("$B/tdxbench" run sim:steady:3 --rounds 1000 --duration 1 -o "$tmp/bench.json")
names=(tdxtop stat bench)

objs snap "$tmp/before.json"

# 1. each handled signal once the tool runs: normal exit status, no leak
for tool in "${names[@]}"; do
	declare -n cmd=cmd_$tool
	for sig in INT TERM HUP; do
		"${cmd[@]}" >"$tmp/out" 2>&1 &
		p=$!
		pids+=("$p")
		loaded "$p"
		sleep 0.5
		kill -s "$sig" "$p" 2>/dev/null
		wait "$p"
		rc=$?
		if ((rc < 128)) && objs leaks "$tmp/before.json" >"$tmp/leaks"; then
			ok "$tool: SIG$sig after start: exit $rc, no BPF object left"
		else
			nok "$tool: SIG$sig after start: exit $rc (>= 128: signal not handled)"
			sed 's/^/# /' "$tmp/leaks" "$tmp/out" | tail -n 8
		fi
	done
done

# 2. record: a handled signal finishes the file (renamed, readable, no .tmp)
"$B/tdxtrace" record --sim steady:3,duration=30m -o "$tmp/r.rec" >"$tmp/out" 2>&1 &
p=$!
pids+=("$p")
for _ in $(seq 50); do [[ -e $tmp/r.rec.tmp ]] && break; sleep 0.1; done
sleep 0.3
kill -HUP "$p"
wait "$p"
rc=$?
if ((rc == 0)) && [[ -e $tmp/r.rec && ! -e $tmp/r.rec.tmp ]] &&
	"$B/tdxtrace" report "$tmp/r.rec" >/dev/null 2>&1; then
	ok "tdxtrace record: SIGHUP finishes a readable file and leaves no .tmp"
else
	nok "tdxtrace record: SIGHUP: exit $rc, $(ls "$tmp" | tr '\n' ' ')"
fi
rm -f "$tmp"/r.rec*

# 3. errors after the BPF programs are loaded: a corrupt record file
python3 "$SRC/tests/reliability/mkrec.py" "$tmp/bad.rec" --tds 2 --events-per-td 400 --block 50 >/dev/null
printf 'XXXX' | dd of="$tmp/bad.rec" bs=1 seek=30000 conv=notrunc status=none
for c in "tdxtop -b -n 3" "tdxtrace stat" "tdxtrace lat -j"; do
	# shellcheck disable=SC2086
	$B/$c --replay "$tmp/bad.rec" >"$tmp/out" 2>&1
	rc=$?
	if ((rc != 0 && rc < 128)) && grep -q "offset" "$tmp/out" &&
		objs leaks "$tmp/before.json" >"$tmp/leaks"; then
		ok "$c on a corrupt file: exit $rc with the offset named, no BPF object left"
	else
		nok "$c on a corrupt file: exit $rc"
		sed 's/^/# /' "$tmp/leaks" "$tmp/out" | tail -n 5
	fi
done

# 4. kills at random moments (any signal, SIGKILL included) during start-up and run
sigs=(INT TERM HUP KILL)
bad=0
for i in $(seq "$runs"); do
	tool=${names[RANDOM % ${#names[@]}]}
	declare -n cmd=cmd_$tool
	sig=${sigs[RANDOM % 4]}
	delay=$(awk -v r=$RANDOM 'BEGIN{printf "%.3f", r / 32768 * 1.5}')
	"${cmd[@]}" >"$tmp/out" 2>&1 &
	p=$!
	pids+=("$p")
	sleep "$delay"
	kill -s "$sig" "$p" 2>/dev/null
	wait "$p"
	echo "# run $i: $tool SIG$sig after ${delay}s: exit $?"
done
if objs leaks "$tmp/before.json" >"$tmp/leaks"; then
	ok "$runs kills at random moments (0-1.5 s, INT/TERM/HUP/KILL): no BPF object or pin left"
else
	nok "random kills left BPF objects"
	sed 's/^/# /' "$tmp/leaks" | head
fi
echo "1..$n"
