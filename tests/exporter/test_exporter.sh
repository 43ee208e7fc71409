#!/usr/bin/env bash
# test_exporter.sh - `tdxtrace exporter` with Debian's prometheus and promtool
# in the loop (tests/exporter/exporter_check.py has the list).  Loopback only,
# bounded (about 40 s).  Needs root (the simulator loads BPF), prometheus,
# promtool, python3-yaml (and python3-prometheus-client for a strict OpenMetrics
# parse; skipped without it): installed by scripts/setup-deps.sh; tried here
# once with apt-get if missing, else the tier is one SKIP that says why.
set -uo pipefail
# Debian's python3 (its python3-yaml, python3-prometheus-client), not a
# python3 earlier in PATH (pyenv) that lacks them
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
O=${O:-$SRC/build}
export SRC O

if [[ $(id -u) != 0 ]]; then
	echo "ok 1 # SKIP needs root (the simulator loads BPF)"
	echo "1..1"
	exit 0
fi
need=()
command -v prometheus >/dev/null || need+=(prometheus)
command -v promtool >/dev/null || need+=(prometheus)
$PY -c 'import yaml' 2>/dev/null || need+=(python3-yaml)
$PY -c 'import prometheus_client' 2>/dev/null || need+=(python3-prometheus-client)
if ((${#need[@]})) && command -v apt-get >/dev/null; then
	echo "# installing ${need[*]}"
	DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -qq --no-install-recommends \
		"${need[@]}" >/dev/null 2>&1 || true
fi
if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null ||
	! $PY -c 'import yaml' 2>/dev/null; then
	echo "ok 1 # SKIP prometheus, promtool or python3-yaml missing and not installable (apt-get install prometheus python3-yaml)"
	echo "1..1"
	exit 0
fi
if [[ ! -x $O/bin/tdxtrace ]]; then
	echo "not ok 1 - $O/bin/tdxtrace is not built"
	exit 1
fi
exec "$PY" "$SRC/tests/exporter/exporter_check.py"
