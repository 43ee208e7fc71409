#!/usr/bin/env bash
# test_privileges.sh - as an unprivileged user (nobody, no capabilities), every
# tool that loads BPF prints one clear line naming the capabilities and exits
# 77 (or 1), without libbpf noise; with the documented minimal capabilities,
# CAP_BPF + CAP_PERFMON as ambient capabilities of user nobody, the same
# command works.  With CAP_BPF alone it is refused (so CAP_PERFMON is really
# needed on this kernel).  The commands are offline ones run through the BPF
# programs (TDXTRACE_ENGINE=bpf); by default offline sources aggregate in
# user space and need no privilege at all, which is checked too, as is
# `tdxtrace sim`.
# Run as root (setpriv drops to nobody); skipped otherwise.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_root "to drop to nobody with setpriv"
command -v setpriv >/dev/null || { echo "ok 1 # SKIP no setpriv"; echo "1..1"; exit 0; }
tmp=$(mktemp -d)
chmod 1777 "$tmp"
trap 'rm -rf "$tmp"' EXIT
# nobody must be able to reach the binaries
if ! setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$B/tdxtop"; then
	echo "ok 1 # SKIP $B is not reachable by user nobody"; echo "1..1"; exit 0
fi
python3 "$SRC/tests/reliability/mkrec.py" "$tmp/r.rec" >/dev/null && chmod 644 "$tmp/r.rec"

as() {	# as CAPS cmd...   (CAPS: "" = none, or "+bpf,+perfmon"), through BPF
	local caps=$1
	shift
	TDXTRACE_ENGINE=${ENGINE:-bpf} setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all${caps:+,$caps} --ambient-caps=-all${caps:+,$caps} \
		--bounding-set=-all${caps:+,$caps} "$@"
}

cmds=(
	"$B/tdxtop -b -n 1 --sim steady:1"
	"$B/tdxtop -j -n 1 --replay $tmp/r.rec"
	"$B/tdxtrace stat --sim steady:1,duration=50ms"
	"$B/tdxtrace lat --replay $tmp/r.rec --json"
	"$B/tdxtrace record --sim steady:1,duration=50ms -o $tmp/out.rec"
	"$B/tdxbench run sim:steady:1 --rounds 2 --duration 0.01 -o $tmp/out.json"
)
for c in "${cmds[@]}"; do
	short=${c#"$B/"}
	short=${short//$tmp\//}
	# shellcheck disable=SC2086
	as "" $c >"$tmp/out" 2>"$tmp/err"
	rc=$?
	lines=$(wc -l <"$tmp/err")
	if [[ ($rc == 77 || $rc == 1) && $lines == 1 ]] && grep -q 'CAP_BPF' "$tmp/err" &&
		! grep -qi 'libbpf' "$tmp/err" && [[ ! -s $tmp/out ]]; then
		ok "no capabilities: $short: exit $rc, one line: $(cat "$tmp/err")"
	else
		nok "no capabilities: $short: exit $rc, $lines stderr lines (want 77 or 1, one line naming CAP_BPF, no libbpf noise)"
		sed 's/^/# /' "$tmp/err" | head -n 6
	fi
	as "+bpf" $c >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [[ $rc == 77 || $rc == 1 ]] && grep -q 'CAP_PERFMON' "$tmp/err"; then
		ok "CAP_BPF alone: $short: refused (exit $rc), CAP_PERFMON named"
	else
		nok "CAP_BPF alone: $short: exit $rc"
		sed 's/^/# /' "$tmp/err" | head -n 3
	fi
	rm -f "$tmp/out.rec" "$tmp/out.json"
	# the default: offline in user space, no capability needed
	ENGINE=user as "" $c >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [[ $rc == 0 && -s $tmp/out ]] || [[ $rc == 0 && $c == *" -o "* ]]; then
		ok "no capabilities, user-space engine (the default offline): $short works"
	else
		nok "no capabilities, user-space engine: $short: exit $rc"
		sed 's/^/# /' "$tmp/err" | head -n 6
	fi
	rm -f "$tmp/out.rec" "$tmp/out.json"
	as "+bpf,+perfmon" $c >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [[ $rc == 0 && -s $tmp/out ]] || [[ $rc == 0 && $c == *" -o "* ]]; then
		ok "CAP_BPF + CAP_PERFMON as nobody: $short works"
	else
		nok "CAP_BPF + CAP_PERFMON as nobody: $short: exit $rc"
		sed 's/^/# /' "$tmp/err" | head -n 6
	fi
done
as "" "$B/tdxtrace" sim steady:1 -N 5 >"$tmp/out" 2>"$tmp/err"
rc=$?
if [[ $rc == 0 ]] && (($(wc -l <"$tmp/out") == 5)); then
	ok "tdxtrace sim needs no privilege (5 events printed as nobody)"
else
	nok "tdxtrace sim as nobody: exit $rc"
	sed 's/^/# /' "$tmp/err" | head -n 3
fi
echo "1..$n"
