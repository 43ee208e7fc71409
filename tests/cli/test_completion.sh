#!/usr/bin/env bash
# test_completion.sh - the bash completion (tools/completion/tdxtrace.bash):
# commands, each command's options from its --help, scenarios for --sim,
# values of --mode and -V, files for --replay; for all three tools.
set -uo pipefail
O=${O:-build}
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
B=$(cd "$O/bin" 2>/dev/null && pwd)
n=0
fails=0
ok() {
	n=$((n + 1))
	if [[ $1 == 0 ]]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fails=$((fails + 1)); fi
}
# shellcheck source=/dev/null
source "$SRC/tools/completion/tdxtrace.bash"
# comp LINE: COMPREPLY for the last word of LINE (a trailing space: a new word)
comp() {
	read -r -a COMP_WORDS <<<"$1"
	[[ $1 == *" " ]] && COMP_WORDS+=("")
	COMP_WORDS[0]=$B/${COMP_WORDS[0]}
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	"_$(basename "${COMP_WORDS[0]}")"
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
}
has() { [[ " $1 " == *" $2 "* ]]; }

r=$(comp "tdxtrace ")
has "$r" lat && has "$r" report && has "$r" exporter; ok $? "tdxtrace <Tab>: the commands ($r)"
r=$(comp "tdxtrace s")
[[ $r == "sim stat " ]]; ok $? "tdxtrace s<Tab>: sim stat ($r)"
r=$(comp "tdxtrace lat --")
has "$r" --sim && has "$r" --leaf && has "$r" --guest && has "$r" --plot && has "$r" --delay
ok $? "tdxtrace lat --<Tab>: the shared and lat's options"
r=$(comp "tdxtrace stat --p")
[[ $r == "--pid " ]]; ok $? "tdxtrace stat --p<Tab>: --pid only (stat has no --plot) ($r)"
r=$(comp "tdxtrace lat --sim ")
has "$r" steady && has "$r" boot; ok $? "--sim <Tab>: the scenarios ($r)"
r=$(comp "tdxtrace sim c")
[[ $r == "contention convert " ]]; ok $? "tdxtrace sim c<Tab>: scenarios ($r)"
r=$(comp "tdxtop --mode ")
[[ $r == "auto bpf user " ]]; ok $? "tdxtop --mode <Tab> ($r)"
r=$(comp "tdxtop -V m")
[[ $r == "mapgpa mix " ]]; ok $? "tdxtop -V m<Tab> ($r)"
r=$(comp "tdxtop --c")
[[ $r == "--count --csv --cumulative " ]]; ok $? "tdxtop --c<Tab> ($r)"
tmp=$(mktemp -d)
touch "$tmp/run.tdxrec"
r=$(comp "tdxtop --replay $tmp/ru")
[[ $r == "$tmp/run.tdxrec " ]]; ok $? "--replay <Tab>: files"
rm -rf "$tmp"
r=$(comp "tdxbench ")
[[ $r == "--help --version compare run " ]]; ok $? "tdxbench <Tab> ($r)"
r=$(comp "tdxbench run --r")
[[ $r == "--rounds " ]]; ok $? "tdxbench run --r<Tab> ($r)"
r=$(comp "tdxbench run sim:st")
[[ $r == "sim:steady " ]]; ok $? "tdxbench run sim:st<Tab> ($r)"
r=$(comp "tdxbench compare --c")
[[ $r == "--correction " ]]; ok $? "tdxbench compare --c<Tab> ($r)"
echo "1..$n"
((fails == 0))
