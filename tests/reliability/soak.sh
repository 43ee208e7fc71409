#!/usr/bin/env bash
# soak.sh - tdxtop batch mode (-j) on the simulator over a long compressed
# period: RSS and fd count of tdxtop sampled every second of wall time must
# stay flat after start-up, and the events it counts (sum of its windows,
# split by kind) must equal exactly what `tdxtrace stat` counts for the same
# deterministic simulation in one go.
#
#   SOAK_SIM_SECONDS  simulated seconds (default 3600: one hour equivalent)
#   SOAK_DELAY        tdxtop interval, simulated seconds (default 10)
#   SOAK_SPEC         simulator spec without duration (default steady:5,tds=8)
#   SOAK_LOG          where to append the figures (default $O/soak.txt)
# Prints TAP; `make soak` runs the long one, test_soak_short.sh a 10 s one.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
secs=${SOAK_SIM_SECONDS:-3600}
delay=${SOAK_DELAY:-10}
spec="${SOAK_SPEC:-steady:5,tds=8},duration=${secs}s"
log=${SOAK_LOG:-$O/soak.txt}
need_root
tmp=$(mktemp -d)
trap 'kill $tp 2>/dev/null; rm -rf "$tmp"' EXIT
start=$(date +%s)
start_ms=$(date +%s%3N)
"$B/tdxtop" -j -d "$delay" --sim "$spec" >"$tmp/top.json" 2>"$tmp/top.err" &
tp=$!
while kill -0 $tp 2>/dev/null; do
	rss=$(awk '/^VmRSS/{print $2}' /proc/$tp/status 2>/dev/null)
	fds=$(ls /proc/$tp/fd 2>/dev/null | wc -l)
	# ms since start; 20 samples a second, so that a fast machine (the
	# short soak's 120 simulated s can take 3 s of wall time) still gives
	# dozens after start-up
	[[ -n $rss ]] && echo "$(($(date +%s%3N) - start_ms)) $rss $fds" >>"$tmp/samples"
	sleep 0.05
done
wait $tp
rc=$?
wall=$(($(date +%s) - start))
"$B/tdxtrace" stat --json --sim "$spec" >"$tmp/stat.json" 2>"$tmp/stat.err"
rcs=$?
python3 - "$tmp" "$secs" "$wall" "$spec" "$log" "$rc" "$rcs" <<'PY'
import json, os, sys
tmp, secs, wall, spec, log, rc, rcs = sys.argv[1:8]
n = 0
def tap(cond, what):
    global n
    n += 1
    print(("ok" if cond else "not ok"), n, "-", what)
kinds = {"seamcalls": "tdx_seamcall", "ept_violations": "kvm_tdx_ept_violation",
         "vp_enters": "kvm_tdx_vp_enter_exit"}
top = {"events": 0}
iters = 0
dropped = lost = 0
for line in open(f"{tmp}/top.json"):
    d = json.loads(line)
    iters += 1
    top["events"] += d["totals"]["events"]
    for k in kinds:
        top[k] = top.get(k, 0) + d["totals"][k]
    dropped, lost = d["dropped"]["total"], d["lost"]["total"]
tap(rc == "0" and iters > 0, f"tdxtop ran {iters} intervals over {secs} simulated s and exited {rc}")
st = json.load(open(f"{tmp}/stat.json")) if rcs == "0" else None
ev = st["counters"]["events"] if st else {}
total = sum(ev.values())
tap(st is not None and top["events"] == total,
    f"events counted by tdxtop ({top['events']}) == tdxtrace stat ({total})")
for k, name in kinds.items():
    tap(st is not None and top[k] == ev.get(name),
        f"{name}: tdxtop {top[k]} == tdxtrace stat {ev.get(name)}")
tap(st is not None and st["counters"]["dropped_total"] == dropped and lost == 0,
    f"dropped counted alike ({dropped} / {st['counters']['dropped_total'] if st else '?'}), nothing lost")
s = [tuple(map(int, l.split())) for l in open(f"{tmp}/samples")]
print("# samples (ms, RSS KiB, fds): " + " ".join("%d:%d:%d" % x for x in s[:12]) + (" ..." if len(s) > 12 else ""))
if os.environ.get("SAN") == "1":
    # ASan's quarantine and shadow memory grow RSS by design
    rss0 = rss1 = 0
    fd0 = set()
    for what in ("RSS flat", "fd count flat"):
        n += 1
        print(f"ok {n} # SKIP {what}: not meaningful under ASan (SAN=1)")
elif len([x for x in s[:-2] if x[0] >= max(1000, s[-1][0] // 5)]) >= 6:
    # start-up (BPF load, first snapshots) is the first fifth, at least 1 s;
    # the last two samples may catch the exit, when tdxtop closes its fds
    warm = [x for x in s[:-2] if x[0] >= max(1000, s[-1][0] // 5)]
    rss0, rss1 = warm[0][1], max(x[1] for x in warm)
    fd0 = set(x[2] for x in warm)
    tap(rss1 <= rss0 * 1.10 + 4096,
        f"RSS flat: {rss0} KiB after start-up, at most {rss1} KiB later ({len(s)} samples)")
    tap(len(fd0) == 1, f"fd count flat: {sorted(fd0)}")
else:
    rss0 = rss1 = 0
    fd0 = set()
    tap(False, f"too few RSS samples ({len(s)})")
figs = (f"soak {spec}: {secs} simulated s in {wall} s wall, {iters} intervals, "
        f"{top['events']} events, dropped {dropped}, lost {lost}, "
        f"RSS {rss0}->{rss1} KiB, fds {sorted(fd0)}")
print("# " + figs)
open(log, "a").write(figs + "\n")
print(f"1..{n}")
PY
