#!/usr/bin/env python3
"""bench_exporter.py OUT.json - `make bench-exporter`: what `tdxtrace exporter` costs.

  scrape_cpu_ms       process CPU (utime+stime) per /metrics scrape at 64 TDs x
                      26 leaves on the simulator (source exhausted, --cache 0,
                      fine buckets, per leaf), mean of SCRAPES; goal <= 20 ms
  daemon_cpu_percent  process CPU over IDLE_S seconds with one scrape every 15 s
                      (the session idle: an exhausted source, as a live host
                      whose BPF programs run in the traced tasks' context);
                      goal < 1 %
  rss_kib             VmRSS after 20 and after SOAK scrapes (text and OpenMetrics
                      alternating); flat: growth < 2 MiB
Environment: BENCH_EXPORTER_SPEC, _ARGS (e.g. "--coarse"), _SCRAPES, _IDLE_S, _SOAK.
Exit 1 if a goal is missed.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

O = os.environ.get("O", "build")
T = os.path.join(O, "bin", "tdxtrace")
SPEC = os.environ.get("BENCH_EXPORTER_SPEC", "steady:1,tds=64,all_leaves=1,duration=2s")
SCRAPES = int(os.environ.get("BENCH_EXPORTER_SCRAPES", "30"))
IDLE_S = float(os.environ.get("BENCH_EXPORTER_IDLE_S", "30"))
SOAK = int(os.environ.get("BENCH_EXPORTER_SOAK", "300"))
ARGS = os.environ.get("BENCH_EXPORTER_ARGS", "").split()	# e.g. "--coarse"
HZ = os.sysconf("SC_CLK_TCK")


def cpu_s(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / HZ


def rss_kib(pid):
    m = re.search(r"VmRSS:\s+(\d+)", open("/proc/%d/status" % pid).read())
    return int(m.group(1))


def get(port, om=False):
    h = {"Accept": "application/openmetrics-text;version=1.0.0"} if om else {}
    req = urllib.request.Request("http://127.0.0.1:%d/metrics" % port, headers=h)
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read().decode()


if os.getuid() != 0:
    print("bench-exporter: needs root (BPF); skipped", file=sys.stderr)
    sys.exit(0)
out = sys.argv[1]
log = open(out + ".log", "w+")
p = subprocess.Popen([T, "exporter", "--listen", "127.0.0.1:0", "--sim", SPEC, "--pace", "0",
                      "--cache", "0", *ARGS], stderr=log, stdout=subprocess.DEVNULL)
port = None
for _ in range(150):
    log.seek(0)
    m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", log.read())
    if m:
        port = int(m.group(1))
        break
    time.sleep(0.1)
try:
    assert port, "exporter did not start: " + open(out + ".log").read()
    for _ in range(240):
        if "tdxtrace_source_exhausted 1" in get(port):
            break
        time.sleep(0.5)
    body = get(port)
    tds = len(set(re.findall(r'^tdxtrace_td_info\{pid="(\d+)"', body, re.M)))
    pairs = set(re.findall(r'^tdxtrace_seamcall_duration_seconds_count\{pid="(\d+)"[^}]*leaf="([^"]+)"',
                           body, re.M))
    leaves = len({l for _, l in pairs})
    samples = sum(1 for l in body.splitlines() if l and not l.startswith("#"))
    nbytes = len(body.encode())

    c0 = cpu_s(p.pid)
    t0 = time.time()
    for _ in range(SCRAPES):
        get(port)
    wall = time.time() - t0
    scrape_ms = (cpu_s(p.pid) - c0) / SCRAPES * 1000

    c0 = cpu_s(p.pid)
    t0 = time.time()
    nxt = t0
    while time.time() - t0 < IDLE_S:
        if time.time() >= nxt:
            get(port)
            nxt += 15
        time.sleep(0.2)
    idle_pct = (cpu_s(p.pid) - c0) / (time.time() - t0) * 100

    r0 = None
    for i in range(SOAK):
        get(port, om=bool(i % 2))
        if i == 19:
            r0 = rss_kib(p.pid)
    r1 = rss_kib(p.pid)
finally:
    p.send_signal(signal.SIGTERM)
    rc = p.wait(20)

res = {
    "bench": "exporter", "spec": SPEC, "args": ARGS, "tds": tds, "leaves": leaves, "td_leaf_pairs": len(pairs),
    "samples": samples, "bytes": nbytes, "samples_per_td": samples / tds if tds else None,
    "scrapes": SCRAPES, "scrape_cpu_ms": scrape_ms, "scrape_wall_ms": wall / SCRAPES * 1000,
    "scrape_cpu_goal_ms": 20, "idle_seconds": IDLE_S, "daemon_cpu_percent": idle_pct,
    "daemon_cpu_goal_percent": 1, "soak_scrapes": SOAK, "rss_kib_after_20": r0,
    "rss_kib_after_soak": r1, "rss_growth_kib": r1 - r0, "exit_code": rc,
}
json.dump(res, open(out, "w"), indent=1)
good = scrape_ms <= 20 and idle_pct < 1 and r1 - r0 < 2048 and rc == 0
print("exporter (%d TDs x %d leaves, %d samples, %.1f MB): scrape %.1f ms CPU (goal <= 20), "
      "daemon %.2f %% CPU at 15 s (goal < 1), RSS %d -> %d KiB over %d scrapes, exit %d%s" %
      (tds, leaves, samples, nbytes / 1e6, scrape_ms, idle_pct, r0, r1, SOAK, rc,
       "" if good else "  GOAL MISSED"))
sys.exit(0 if good else 1)
