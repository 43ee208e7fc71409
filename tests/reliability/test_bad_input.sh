#!/usr/bin/env bash
# test_bad_input.sh - bad input everywhere, one table over all tools: wrong
# options, unknown leaf / scenario / column names, missing, empty, foreign,
# truncated and corrupt files, unwritable and full outputs.  Each row: the
# exit status (TDX_EXIT_TABLE: 2 usage, 4 no data, 65 corrupt, 66 missing or
# unreadable input, 73 cannot create the output; "!0" = any failure but not a crash/signal),
# a regex the error message (the first line on stderr) must match, and the
# command.  Every row also checks that stderr is short (the message, maybe
# argp's usage after it), there is no libbpf noise, and no output file or temporary is left
# (nothing written half-way).  The disk-full rows mount a 64 KiB tmpfs
# (skipped where mount is not allowed).  Commands that load BPF need root.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
need_root
tmp=$(mktemp -d)
mnt=$tmp/full
cleanup() { mountpoint -q "$mnt" && umount "$mnt"; rm -rf "$tmp"; }
trap cleanup EXIT
cd "$tmp" || exit 1
python3 "$SRC/tests/reliability/mkrec.py" good.rec >/dev/null
head -c 1000 good.rec >trunc.rec
cp good.rec corrupt.rec
printf 'XXXX' | dd of=corrupt.rec bs=1 seek=700 conv=notrunc status=none
echo hello >garbage
python3 "$SRC/tests/reliability/mkrec.py" late.rec --start 5000000 >/dev/null
python3 "$SRC/tests/reliability/mkrec.py" none.rec --events-per-td 0 >/dev/null
mkdir adir dest.dir
mknod dest.dev c 1 3	# a device node (like /dev/full): must not be replaced
: >empty
printf '{"format":"tdxbench-result"' >bad.json
printf '{"format":"something-else","version":1}' >foreign.json
"$B/tdxtrace" sim steady:1 -N 3 -o sim.rec >/dev/null 2>&1

rows=$(cat <<'EOF_ROWS'
2|unknown command 'bogus'|tdxtrace bogus
2|unknown option '--bogus'|tdxtrace stat --bogus
2|unknown SEAMCALL leaf 'TDH.NOPE'|tdxtrace lat -l TDH.NOPE --sim steady
2|unknown simulator scenario "nosuch"|tdxtrace stat --sim nosuch
2|rate=nan|tdxtrace stat --sim steady,rate=nan
2|invalid interval 'nan'|tdxtrace stat -i nan --sim steady
2|invalid PID list '0'|tdxtrace stat -p 0 --sim steady
2|exclude each other|tdxtrace stat --sim steady --replay good.rec
2|--csv: tdxtrace lat has no one-line-per-interval output|tdxtrace lat --csv --sim steady
2|--csv: tdxbench compare has no one-line-per-interval output|tdxbench compare --csv foreign.json foreign.json
2|--json and --csv exclude each other|tdxtrace stat --csv --json --sim steady
2|invalid event count '-5'|tdxtrace sim steady -o out.rec -N -5
2|ending in .svg or .png|tdxtrace lat --replay good.rec --plot out.xyz
66|No such file or directory|tdxtrace stat --replay nofile.rec
4|empty file|tdxtrace stat --replay empty
65|unknown format at offset 0|tdxtrace stat --replay garbage
65|truncated|tdxtrace stat --replay trunc.rec
65|offset 388: payload checksum mismatch|tdxtrace report corrupt.rec
65|checksum mismatch|tdxtrace record --replay corrupt.rec -o out.rec
73|No such file or directory|tdxtrace record --sim steady,duration=10ms -o nodir/out.rec
73|dest.dir: is a directory|tdxtrace record --sim steady,duration=10ms -o dest.dir
73|dest.dev: not a regular file|tdxtrace record --sim steady,duration=10ms -o dest.dev
66|No such file or directory|tdxtrace stat --replay nofile.rec
66|No such file or directory|tdxtrace lat --replay nofile.rec -i 1
66|No such file or directory|tdxtrace report nofile.rec
66|No such file or directory|tdxtrace record --replay nofile.rec -o out.rec
66|Is a directory|tdxtrace ept --replay adir
65|unknown format at offset 0|tdxtrace ept --replay garbage
65|truncated|tdxtrace contention --replay trunc.rec
65|later than the first event|tdxtrace stat --replay late.rec
4|no TDX events \(0 records read\)|tdxtrace stat --replay none.rec
4|no TDX events|tdxtrace report none.rec
2|unknown option '--bogus'|tdxtop --bogus
2|unknown SEAMCALL leaf 'NOPE'|tdxtop -l NOPE --sim steady -b -n 1
2|invalid interval '0'|tdxtop -d 0 --sim steady -b -n 1
2|invalid count 'x'|tdxtop -n x --sim steady -b
2|unknown simulator scenario "nosuch"|tdxtop --sim nosuch -b -n 1
2|unknown sort column 'NOCOLUMN'|tdxtop -s NOCOLUMN --sim steady -b -n 1
2|unknown view 'nope'|tdxtop -V nope --sim steady -b -n 1
2|invalid PID list 'abc'|tdxtop -p abc --sim steady -b -n 1
65|unknown format at offset 0|tdxtop --replay garbage -b -n 1
66|No such file or directory|tdxtop --replay nofile.rec -b -n 1
!0|checksum mismatch|tdxtop --replay corrupt.rec -j -n 5
4|tdxtop: none.rec: no TDX events \(0 records read\)|tdxtop --replay none.rec -b -n 1
4|tdxtop: none.rec: no TDX events|tdxtop --replay none.rec --json -n 5
4|tdxtop: none.rec: no TDX events|tdxtop --replay none.rec --csv
4|empty file|tdxtop --replay empty -b -n 1
2|needs one WORKLOAD|tdxbench run
2|unknown command 'bogus'|tdxbench bogus
2|unknown simulator scenario "nosuch"|tdxbench run sim:nosuch -o out.json
2|--rounds '0'|tdxbench run sim:steady --rounds 0 -o out.json
2|--threshold 'abc'|tdxbench compare foreign.json foreign.json --threshold abc
66|nofile.json: No such file|tdxbench compare nofile.json foreign.json
!0|bad.json: invalid JSON at line 1|tdxbench compare bad.json foreign.json
65|garbage: invalid JSON at line 1, column 1|tdxbench compare garbage foreign.json
!0|foreign.json|tdxbench compare foreign.json foreign.json
!0|cannot write|tdxbench run sim:steady:1 --rounds 2 --duration 0.01 -o nodir/out.json
EOF_ROWS
)
if mkdir -p "$mnt" && mount -t tmpfs -o size=64k tmpfs "$mnt" 2>/dev/null; then
	head -c 60000 /dev/zero >"$mnt/fill"
	rows+=$'\n''73|No space left on device|tdxtrace record --sim steady:1,duration=1s -o full/out.rec'
	rows+=$'\n''73|No space left on device|tdxtrace record --sim steady:1,duration=1s -s 64k -o full/out.rec'
	rows+=$'\n''!0|No space left on device|tdxbench run sim:steady:1 --rounds 2 --duration 0.01 -o full/out.json'
	rows+=$'\n''!0|No space left on device|tdxtrace sim steady:1,duration=1s -o full/out.rec'
else
	n=$((n + 1))
	echo "ok $n # SKIP cannot mount a small tmpfs here: disk-full rows not run"
fi

before=$(find . -newer empty -o -name 'out*' | sort)
while IFS='|' read -r want re cmd; do
	[[ -z $cmd ]] && continue
	n=$((n + 1))
	# shellcheck disable=SC2086
	timeout 120 $B/$cmd >out.stdout 2>out.stderr
	rc=$?
	lines=$(wc -l <out.stderr)
	left=$(find . full -maxdepth 1 \( -name 'out*' -a ! -name 'out.std*' \) 2>/dev/null | tr '\n' ' ')
	why=""
	if [[ $want == "!0" ]]; then
		((rc == 0 || rc >= 124)) && why="exit $rc"
	elif ((rc != want)); then
		why="exit $rc, want $want"
	fi
	head -n 1 out.stderr | grep -qE -- "$re" || why+=" first stderr line does not match /$re/"
	((lines > 40)) && why+=" $lines lines on stderr"
	grep -qi 'libbpf' out.stderr && why+=" libbpf noise"
	[[ -n $left ]] && why+=" left: $left"
	if [[ -z $why ]]; then
		echo "ok $n - $cmd: exit $rc: $(head -n 1 out.stderr)"
	else
		echo "not ok $n - $cmd:$why"
		sed 's/^/# /' out.stderr | head -n 4
	fi
	rm -f out.rec* out.json* full/out*
done <<<"$rows"
n=$((n + 1))
if [[ -d dest.dir && -c dest.dev ]]; then
	echo "ok $n - the directory and the device node given as outputs are untouched"
else
	echo "not ok $n - an output that is not a regular file was replaced: $(ls -ld dest.dir dest.dev 2>&1)"
fi
echo "1..$n"
