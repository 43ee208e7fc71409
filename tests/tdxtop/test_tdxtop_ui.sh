#!/usr/bin/env bash
# test_tdxtop_ui.sh - tdxtop's curses UI driven in tmux (send-keys,
# capture-pane): start, sort, invert, filter, drill-down, back, help, view
# switch, resize, pause, quit; exit code 0 and the terminal restored (stty
# back in canonical mode with echo) after q and after SIGTERM.
# Loading BPF needs root: skipped otherwise.
set -uo pipefail
. "$(dirname "$0")/tmux.sh" ui

SPEC="steady:3,duration=600s"
# The TDs the simulator runs (pids), from tdxtop's own batch mode.
pids=$("$T" -b --json -n 1 --sim "$SPEC" | python3 -c '
import json, sys
o = json.loads(sys.stdin.readline())
print(" ".join(str(t["pid"]) for t in sorted(o["tds"], key=lambda t: t["pid"])))')
read -r -a PIDS <<<"$pids"
((${#PIDS[@]} >= 2)); ok $? "the simulator runs several TDs (${PIDS[*]})"

cap() { tm capture-pane -p -t "$sess" >"$tmp/screen"; }
# wait_for PATTERN [SECONDS]: until the screen matches (grep -E)
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

# A plain shell in a 140x40 pane; tdxtop runs in it, then we ask stty.
tm new-session -d -s "$sess" -x 140 -y 40 "env -i PATH=$PATH TERM=tmux-256color HOME=$tmp PS1='$ ' bash --norc --noprofile"
tm set-option -t "$sess" status off >/dev/null
sleep 0.3
keys "$T --sim '$SPEC' -d 0.3; echo \"rc=\$?\"; stty -a | tr ' ' '\n' | grep -xE -- '-?(icanon|echo)' | tr '\n' ' '; echo" Enter

wait_for "SC/s v" 10; ok $? "starts: TD view, sorted by SC/s descending"
wait_for "^ *${PIDS[0]} " 10; ok $? "a row per TD (pid ${PIDS[0]})"
grep -q "mode sim" "$tmp/screen" && grep -q "dropped 0" "$tmp/screen" && grep -q "lost 0" "$tmp/screen"
ok $? "header: mode, dropped and lost shown"
grep -qE "cpu [0-9.]+%" "$tmp/screen"; ok $? "header: tdxtop's own CPU"

keys '>'
wait_for "SLOWEST v" 5; ok $? "'>' sorts by the next column (SLOWEST)"
keys 'I'
wait_for "SLOWEST \^" 5; ok $? "'I' inverts the sort"
keys '<' '<'
wait_for "VCPU \^" 5; ok $? "'<' moves the sort column left"

# filter by the second TD's pid: only its row remains
keys 'f'
wait_for "filter \(pid" 5; ok $? "'f' prompts for a filter"
keys "${PIDS[1]}" Enter
wait_for "filter '${PIDS[1]}'" 5; ok $? "filter shown in the header"
cap
rows=$(grep -cE "^ *[0-9]+ +[a-z]" "$tmp/screen")
grep -qE "^ *${PIDS[1]} " "$tmp/screen" && [[ $rows == 1 ]]
ok $? "filter leaves only TD ${PIDS[1]} ($rows rows)"

# drill-down on the (only) selected row
keys Enter
wait_for "^TD ${PIDS[1]} \(" 5; ok $? "Enter opens the TD drill-down"
wait_for "SEAMCALL latency" 5 && grep -qE "\|\*+ *\|" "$tmp/screen"
ok $? "drill-down shows a log2 histogram with bars"
grep -q "By leaf" "$tmp/screen"; ok $? "drill-down breaks SEAMCALLs down by leaf"
keys Escape
wait_for "SLOWEST|SC/s" 5; ok $? "Esc goes back to the table"
keys 'F'
sleep 0.5
cap
rows=$(grep -cE "^ *[0-9]+ +[a-z]" "$tmp/screen")
((rows == ${#PIDS[@]})); ok $? "'F' clears the filter (${rows} rows)"

keys 'h'
wait_for "^Keys" 5 && grep -q "Columns of the TDs view" "$tmp/screen"
ok $? "'h' shows the help with the columns"
keys 'x'
wait_for "SC/s" 5; ok $? "any key leaves the help"

keys '2'
wait_for "CALLS/s" 5 && grep -q "TDH\." "$tmp/screen"; ok $? "'2': leaf view"
keys Enter
wait_for "Status classes" 5; ok $? "Enter on a leaf: its drill-down"
keys Escape '3'
wait_for "REQ/s" 5; ok $? "'3': MapGPA view"
keys '4'
wait_for "MIX2M" 5; ok $? "'4': mixing view"
keys '1'

tm resize-window -t "$sess" -x 90 -y 25
sleep 0.8
cap
width=$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$tmp/screen")
lines=$(wc -l <"$tmp/screen")
grep -q "^tdxtop" "$tmp/screen" && ((width <= 90 && lines <= 25)) && grep -q "PID" "$tmp/screen"
ok $? "resize to 90x25: redrawn within the new size (width $width, $lines lines)"
# narrow terminal: Right scrolls the columns after PID COMM sideways
! grep -q "MIX%" "$tmp/screen"; ok $? "at 90 columns MIX% is off screen"
keys Right Right Right Right Right Right Right
wait_for "^ +PID COMM .*MIX%" 5 && ! grep -q "VCPU" "$tmp/screen"
ok $? "Right scrolls: MIX% on screen, PID COMM kept, VCPU scrolled away"
keys Left Left Left Left Left Left Left
wait_for "^ +PID COMM +VCPU" 5; ok $? "Left scrolls back"
# a tiny terminal, in the table, the help and a drill-down: no crash
tm resize-window -t "$sess" -x 20 -y 4
sleep 0.6
keys h
sleep 0.4
keys x Enter
sleep 0.4
keys Escape
tm resize-window -t "$sess" -x 140 -y 40
wait_for "^ +PID COMM +VCPU" 5; ok $? "survives a 20x4 terminal and redraws at 140x40"

# leaf view of one TD (the selected one), then back to all TDs
keys Home 'l'
wait_for "interval [0-9.]+s  TD [0-9]+" 5
sel=$(grep -oE "interval [0-9.]+s  TD [0-9]+" "$tmp/screen" | awk '{ print $4 }')
[[ " ${PIDS[*]} " == *" $sel "* ]] && grep -q "CALLS/s" "$tmp/screen" &&
	! grep -qE "^TDH\.[A-Z.]+ +[0-9.k]+ +[2-9] " "$tmp/screen"
ok $? "'l': leaf view of the selected TD ($sel), one TD per leaf"
keys 'l'
sleep 0.6
cap
grep -q "CALLS/s" "$tmp/screen" && ! grep -qE "interval [0-9.]+s  TD [0-9]+" "$tmp/screen" &&
	grep -qE "^TDH\.[A-Z.]+ +[0-9.k]+ +[2-9] " "$tmp/screen"
ok $? "'l' again: all TDs"
keys '1'

# selection: Home, Down, Enter drills into the second row (not the first)
keys Home Down Enter
wait_for "^TD [0-9]+ \(" 5
second=$(grep -oE "^TD [0-9]+ \(" "$tmp/screen" | awk '{ print $2 }')
[[ " ${PIDS[*]} " == *" $second "* && $second != "$sel" ]]
ok $? "Home, Down, Enter: drill-down of the second row ($second, first $sel)"
keys Escape

# interval prompt
keys 'd'
wait_for "interval \(seconds\)" 5; ok $? "'d' prompts for the interval"
keys "0.5" Enter
wait_for "interval 0.50s" 5; ok $? "interval set to 0.5 s"
keys '+'
wait_for "interval 1.00s" 5; ok $? "'+' doubles the interval"
keys 'r'
wait_for "counters reset" 5; ok $? "'r' resets"

keys 'p'
wait_for "PAUSED" 5; ok $? "'p' pauses"
keys 'p'
keys 'c'
wait_for "since start" 5; ok $? "'c' switches to cumulative"

keys 'q'
wait_for "^-?icanon -?echo *$" 5
grep -q "^rc=0" "$tmp/screen"; ok $? "q: exit status 0"
grep -A1 -E "^rc=[0-9]+ *$" "$tmp/screen" | grep -qE "^icanon echo *$"
ok $? "q: terminal restored (icanon, echo)"

# SIGTERM: the handler only sets a flag; tdxtop leaves cleanly
keys "clear" Enter
keys "$T --sim '$SPEC' -d 0.3; echo \"rc=\$?\"; stty -a | tr ' ' '\n' | grep -xE -- '-?(icanon|echo)' | tr '\n' ' '; echo" Enter
wait_for "SC/s" 10
shell=$(tm display-message -p -t "$sess" '#{pane_pid}')
child=$(ps -o pid= --ppid "$shell" | head -n 1 | tr -d ' ')
[[ -n $child ]] && kill -TERM "$child"
wait_for "^-?icanon -?echo *$" 10
grep -q "^rc=0" "$tmp/screen"; ok $? "SIGTERM: exit status 0"
grep -A1 -E "^rc=[0-9]+ *$" "$tmp/screen" | grep -qE "^icanon echo *$"
ok $? "SIGTERM: terminal restored (icanon, echo)"

# colors: on by default, off with NO_COLOR (capture with escape sequences)
colors() { # colors ENV...: count SGR color codes on a fresh tdxtop screen
	keys "clear" Enter
	keys "env $* $T --sim '$SPEC' -d 0.3" Enter
	wait_for "SC/s" 10 >/dev/null
	sleep 0.5
	tm capture-pane -e -p -t "$sess" >"$tmp/escreen"
	keys q
	wait_for '^\$' 5 >/dev/null
	grep -cE $'\e\\[([0-9]+;)*(3[0-7]|9[0-7]|38;5;[0-9]+)(;[0-9]+)*m' "$tmp/escreen"
}
c_on=$(colors TERM=tmux-256color)
c_off=$(colors TERM=tmux-256color NO_COLOR=1)
((c_on > 0)); ok $? "colors by default ($c_on lines with color codes)"
((c_off == 0)); ok $? "NO_COLOR=1: no color codes ($c_off)"

echo "1..$n"
((fails == 0))
