#!/usr/bin/env bash
# test_unit.sh - `make install` installs the exporter's systemd unit, rules and
# dashboard; the unit passes `systemd-analyze verify` and its hardening
# `systemd-analyze security --offline` exposure stays at or below 3.0 ("OK").
# Installs into a temporary PREFIX (no DESTDIR) so ExecStart= names a real file.
set -uo pipefail
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
O=${O:-$SRC/build}
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); echo "not ok $n - $*"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unit=$tmp/usr/lib/systemd/system/tdxtrace-exporter.service

if make -s -C "$SRC" O="$O" SAN="${SAN:-0}" PREFIX="$tmp/usr" install >"$tmp/install.log" 2>&1 &&
	[[ -f $unit && -x $tmp/usr/sbin/tdxtrace &&
	   -f $tmp/usr/share/tdxtrace/prometheus/tdxtrace-rules.yml &&
	   -f $tmp/usr/share/tdxtrace/grafana/tdxtrace-dashboard.json ]]; then
	ok "make install: unit, tdxtrace, rules and dashboard in place"
else
	nok "make install: unit, tdxtrace, rules and dashboard in place"
	sed 's/^/# /' "$tmp/install.log" | tail -20
fi
if grep -qx "ExecStart=$tmp/usr/sbin/tdxtrace exporter \$TDXTRACE_EXPORTER_ARGS" "$unit"; then
	ok "ExecStart= is the installed tdxtrace"
else
	nok "ExecStart= is the installed tdxtrace"
	grep ExecStart "$unit" | sed 's/^/# /'
fi
if ! command -v systemd-analyze >/dev/null; then
	echo "ok $((n + 1)) - systemd-analyze verify # SKIP no systemd-analyze (apt-get install systemd)"
	echo "ok $((n + 2)) - systemd-analyze security # SKIP no systemd-analyze"
	n=$((n + 2))
else
	if out=$(MANPATH=$tmp/usr/share/man timeout 60 systemd-analyze verify "$unit" 2>&1) && [[ -z $out ]]; then
		ok "systemd-analyze verify: clean (man:tdxtrace(8) found)"
	else
		nok "systemd-analyze verify"
		echo "$out" | sed 's/^/# /'
	fi
	if out=$(timeout 60 systemd-analyze security --offline=yes --threshold=30 "$unit" 2>&1); then
		ok "systemd-analyze security: $(echo "$out" | grep -o 'exposure level.*' | tr -d '\n')"
	else
		nok "systemd-analyze security exposure above 3.0"
		echo "$out" | tail -30 | sed 's/^/# /'
	fi
fi
for c in 'DynamicUser=yes' 'NoNewPrivileges=yes' 'ProtectSystem=strict' \
	'CapabilityBoundingSet=CAP_BPF CAP_PERFMON CAP_SYS_RESOURCE' 'ExecReload=/bin/kill -HUP $MAINPID'; do
	if grep -qxF "$c" "$unit"; then ok "unit has $c"; else nok "unit has $c"; fi
done
echo "1..$n"
