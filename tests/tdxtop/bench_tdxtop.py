#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""bench_tdxtop.py - what tdxtop itself costs (make bench-tdxtop).

Runs tdxtop at 1 Hz for SECONDS_RUN intervals on the simulator with 64 TDs
calling every leaf (--realtime: one interval of source time per second of
wall time, as a live session), and measures it from outside through /proc:
CPU time (utime + stime) over wall time after the first sample, and peak RSS
(VmHWM).  tdxtop's own JSON says how long each refresh took (snapshot, diff,
model) and how long feeding the simulator took; on a live host the kernel
does the feeding, so the CPU attributable to tdxtop as a monitor is the total
minus the feeding.  Targets: < 1 % of one CPU and < 20 MB RSS.

Writes $O/bench/tdxtop.json and prints a table.
"""
import json
import os
import statistics
import subprocess
import sys
import threading
import time

O = os.environ.get("O", "build")
SECONDS_RUN = int(os.environ.get("SECONDS_RUN", "20"))
TDS = int(os.environ.get("TDXTOP_BENCH_TDS", "64"))
TDXTOP = os.path.join(O, "bin", "tdxtop")
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def proc_cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[11], [12] are utime, stime (stat fields 14 and 15)
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_hwm_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main():
    if os.geteuid() != 0:
        print("bench-tdxtop: skipped (loading BPF needs root)")
        return 0
    spec = f"steady:1,tds={TDS},all_leaves=1,duration={SECONDS_RUN + 30}s"
    cmd = [TDXTOP, "-b", "--json", "--realtime", "-d", "1", "-n", str(SECONDS_RUN),
           "--sim", spec]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    objs = []
    first = {}
    samples = []
    done = threading.Event()

    def reader():
        for line in p.stdout:
            o = json.loads(line)
            if not objs:
                first["t"] = time.monotonic()
                first["cpu"] = proc_cpu_s(p.pid)
            objs.append(o)
        done.set()

    th = threading.Thread(target=reader)
    th.start()
    last = None
    while not done.wait(0.2):
        try:
            last = (time.monotonic(), proc_cpu_s(p.pid), proc_hwm_kb(p.pid))
            samples.append(last)
        except (FileNotFoundError, ProcessLookupError, IndexError):
            break
    th.join()
    err = p.stderr.read()
    rc = p.wait()
    if rc != 0 or len(objs) < 3 or last is None or "t" not in first:
        print(f"bench-tdxtop: tdxtop failed (exit {rc}, {len(objs)} samples): {err.strip()}")
        return 1
    # CPU from the first sample to the last reading before exit
    wall = last[0] - first["t"]
    cpu = last[1] - first["cpu"]
    steady = objs[1:]                      # the first window includes start-up
    feed_s = sum(o["self"]["advance_us"] for o in steady) / 1e6
    refresh = [o["self"]["refresh_us"] for o in steady]
    prints = [o["self"]["print_us"] for o in steady[1:]] or [0]
    cpu_pct = 100.0 * cpu / wall if wall > 0 else 0.0
    # the feeding runs on our CPU in sim mode only; tdxtop as a monitor:
    mon_pct = max(0.0, 100.0 * (cpu - feed_s) / wall) if wall > 0 else 0.0
    hwm_mb = last[2] / 1024.0
    leaves = len(steady[-1]["leaves"])
    tds = steady[-1]["td_count"]
    res = {
        "tool": "tdxtop",
        "spec": spec,
        "interval_s": 1.0,
        "intervals": len(objs),
        "tds": tds,
        "leaves": leaves,
        "events_per_s": statistics.median(o["totals"]["events_per_s"] for o in steady),
        "wall_s": wall,
        "cpu_s": cpu,
        "cpu_pct_total": cpu_pct,
        "feed_s": feed_s,
        "cpu_pct_monitor": mon_pct,
        "refresh_us_median": statistics.median(refresh),
        "refresh_us_max": max(refresh),
        "print_us_median": statistics.median(prints),
        "max_rss_mb": hwm_mb,
        "target_cpu_pct": 1.0,
        "target_rss_mb": 20.0,
        "meets_cpu": mon_pct < 1.0,
        "meets_rss": hwm_mb < 20.0,
        "clk_tck": CLK_TCK,
    }
    os.makedirs(os.path.join(O, "bench"), exist_ok=True)
    out = os.path.join(O, "bench", "tdxtop.json")
    with open(out, "w") as f:
        json.dump(res, f, indent=2)
        f.write("\n")
    print(f"tdxtop at 1 Hz, {tds} simulated TDs x {leaves} leaves, "
          f"{res['events_per_s']:.0f} events/s, {len(objs)} intervals")
    print(f"  {'metric':<34} {'value':>12} {'target':>10}")
    print(f"  {'CPU, monitor (total - sim feed)':<34} {mon_pct:>11.2f}% {'< 1 %':>10}"
          f"  {'ok' if res['meets_cpu'] else 'OVER'}")
    print(f"  {'CPU, total incl. sim feed':<34} {cpu_pct:>11.2f}% {'':>10}")
    print(f"  {'peak RSS (VmHWM)':<34} {hwm_mb:>9.1f} MB {'< 20 MB':>10}"
          f"  {'ok' if res['meets_rss'] else 'OVER'}")
    print(f"  {'refresh per interval, median':<34} {res['refresh_us_median']:>9.0f} us")
    print(f"  {'refresh per interval, max':<34} {res['refresh_us_max']:>9.0f} us")
    print(f"  {'JSON print per interval, median':<34} {res['print_us_median']:>9.0f} us")
    print(f"  -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
