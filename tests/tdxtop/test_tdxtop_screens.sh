#!/usr/bin/env bash
# test_tdxtop_screens.sh - tdxtop at 80x24 and 160x45 in tmux (capture-pane):
# the loss counters always on screen, a number never cut into a plausible
# wrong value at the right edge (after scrolling sideways too), the key
# footer and the column help fitting the screen, the sort marker apart from
# its column name, the TD filter filtering the leaf table too, and nothing
# of tdxtop left in the shell after a resize and q.  The screens are
# compared with each other: a paused screen at 160 columns (every column
# whole) against the same data at 80.  Needs root (BPF) and tmux.
set -uo pipefail
. "$(dirname "$0")/tmux.sh" scr

cap() { tm capture-pane -p -t "$sess" >"$tmp/${1:-screen}"; }
wait_for() {
	local pat=$1 t=${2:-10} i
	for ((i = 0; i < t * 10; i++)); do
		cap
		grep -qE -- "$pat" "$tmp/screen" && return 0
		sleep 0.1
	done
	echo "# screen while waiting for '$pat':"
	sed 's/^/#   /' "$tmp/screen"
	return 1
}
keys() { tm send-keys -t "$sess" "$@"; }
resize() { tm resize-window -t "$sess" -x "$1" -y "$2"; sleep 0.6; }
show() { sed 's/^/#   /' "$tmp/$1"; }

# the rows of a table screen: "KEY token token ..." per row, by pid or leaf
rows() { grep -E '^ *[0-9]+ |^TDH\.' "$tmp/$1"; }
# cells_whole NARROW WIDE: every row of NARROW is made of whole cells of the
# same row (same first token) of WIDE, in order
cells_whole() {
	python3 - "$tmp/$1" "$tmp/$2" <<'PY'
import re, sys
def rows(path):
    out = {}
    for line in open(path):
        t = line.split()
        if t and (re.fullmatch(r'\d+', t[0]) or t[0].startswith('TDH.')):
            out.setdefault(t[0], t)
    return out
narrow, wide = rows(sys.argv[1]), rows(sys.argv[2])
bad = 0
for k, t in narrow.items():
    w = wide.get(k)
    if not w:
        print(f"#   row {k}: not on the wide screen"); bad += 1; continue
    it = iter(w)
    if not all(any(x == y for y in it) for x in t):
        print(f"#   row {k}: {' '.join(t)}\n#   wide:  {' '.join(w)}"); bad += 1
sys.exit(1 if bad or not narrow else 0)
PY
}

tm new-session -d -s "$sess" -x 160 -y 45 "env -i PATH=$PATH TERM=tmux-256color HOME=$tmp PS1='$ ' bash --norc --noprofile"
tm set-option -t "$sess" status off >/dev/null
sleep 0.3
SPEC="steady:3,duration=600s"
keys "clear; $T --sim '$SPEC' -d 0.3; echo rc=\$?" Enter
wait_for "SC/s v" 10; ok $? "160x45: TD view, the sort marker apart from its name ('SC/s v')"
grep -qE 'SC/sv' "$tmp/screen"; ok $(( $? == 0 ? 1 : 0 )) "no marker glued to a name ('SC/sv')"
sleep 1
keys p
sleep 0.5
cap wide
grep -q '\[PAUSED\]' "$tmp/wide"; ok $? "paused (the same data from here on)"
for f in "dropped [0-9]+ \(\+[0-9]+\)" "lost [0-9]+ \(\+[0-9]+\)"; do
	grep -qE "$f" "$tmp/wide"; ok $? "160x45: '$f' on screen"
done

# the same data at 80x24
resize 80 24
cap narrow
for f in "dropped [0-9]+ \(\+[0-9]+\)" "lost [0-9]+ \(\+[0-9]+\)"; do
	grep -qE "$f" "$tmp/narrow"; ok $? "80x24: '$f' on screen, whole" || show narrow
done
cells_whole narrow wide; ok $? "80x24: every table row is whole cells of the 160-column row"
bad=0
for k in 1 2 3 4 5 6; do
	keys Right
	sleep 0.3
	cap "scrolled$k"
	cells_whole "scrolled$k" wide || { bad=1; echo "# scrolled right $k:"; show "scrolled$k"; }
done
ok $bad "80x24 scrolled right 1-6 times: whole cells only (no 1343 shown as 134)"
last=$(tail -n 1 "$tmp/scrolled6")
[[ ${#last} -lt 80 && $last =~ (help|quit|details|view|sort|columns|filter|invert|TD|cumulative|pause|reset|interval)$ ]]
ok $? "80x24: the key footer fits and ends with a whole item ('$last')"
keys Left Left Left Left Left Left
sleep 0.3

# help: the column help and the last sentence fit (wrapped, not cut)
keys h
sleep 0.4
: >"$tmp/help"
for k in $(seq 1 12); do
	cap h
	cat "$tmp/h" >>"$tmp/help"
	keys Down Down Down Down
	sleep 0.15
done
tr -s ' \n' '  ' <"$tmp/help" | grep -q "source time for --replay and --sim."
ok $? "80x24 help: the last sentence is whole (wrapped, not cut at 80)"
tr -s ' \n' '  ' <"$tmp/help" | grep -q "% of private memory in mixed 2M ranges"
ok $? "80x24 help: the column help is whole"
awk 'length > 80 { bad = 1 } END { exit bad }' "$tmp/help"; ok $? "80x24 help: no line wider than the screen"
keys Escape
sleep 0.3

# the TD filter filters the leaf table under the TD table
resize 160 45
keys f
sleep 0.2
keys "qemu-td1" Enter
sleep 0.6
cap filt
tds=$(awk '/^LEAF/ {t = 1; next} t && NF > 2 && $1 ~ /^TDH/ {print $3}' "$tmp/filt" | sort -u | tr '\n' ' ')
[[ $tds == "1 " ]]; ok $? "TD filter qemu-td1: the leaf table counts one TD (TDS column: $tds)" || show filt
keys F
sleep 0.6
cap unf
tds=$(awk '/^LEAF/ {t = 1; next} t && NF > 2 && $1 ~ /^TDH/ {print $3}' "$tmp/unf" | sort -n | tail -1)
[[ $tds -ge 2 ]]; ok $? "F clears it: leaves of several TDs again ($tds)"

# resizes while it draws, then q: the shell shows nothing of tdxtop
keys p
for s in "80 24" "120 30" "70 20" "160 45" "80 24"; do
	# shellcheck disable=SC2086
	tm resize-window -t "$sess" -x ${s% *} -y ${s#* }
	sleep 0.15
done
sleep 0.5
keys q
wait_for "^rc=0" 5; ok $? "q after resizes: exit 0"
cap shell
! grep -qE 'tdxtop|SEAMCALL|qemu-td|TDH\.' "$tmp/shell"; ok $? "no fragment of tdxtop left in the shell after resizes" || show shell

echo "1..$n"
((fails == 0))
