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


def proc_mem_kb(pid):
    """(VmRSS, VmHWM) in KiB."""
    rss = hwm = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    return rss, hwm


def sim_rss_kb(spec, seconds):
    helper = os.path.join(O, "bench", "tdxtop_simrss")
    out = subprocess.run([helper, spec, str(seconds)], capture_output=True, text=True,
                         check=True).stdout.split()
    return int(out[0])


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
    rss = []
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
            r, h = proc_mem_kb(p.pid)
            last = (time.monotonic(), proc_cpu_s(p.pid), h)
            if objs:
                rss.append(r)
        except (FileNotFoundError, ProcessLookupError, IndexError):
            break
    th.join()
    err = p.stderr.read()
    rc = p.wait()
    if rc != 0 or len(objs) < 3 or last is None or "t" not in first or not rss:
        print(f"bench-tdxtop: tdxtop failed (exit {rc}, {len(objs)} samples): {err.strip()}")
        return 1
    wall = last[0] - first["t"]
    cpu = last[1] - first["cpu"]
    steady = objs[1:]                      # the first window includes start-up
    # CPU time of tdxtop's thread (user + system) per step; wall times on a
    # loaded machine include waiting for a CPU.
    snap = [o["self"]["snapshot_cpu_us"] for o in steady]
    model = [o["self"]["model_cpu_us"] for o in steady]
    prints = [o["self"]["print_cpu_us"] for o in steady[1:]] or [0]
    feed = [o["self"]["advance_cpu_us"] for o in steady]
    snap_wall = [o["self"]["snapshot_us"] for o in steady]
    per_iv = statistics.median(s + m for s, m in zip(snap, model)) + statistics.median(prints)
    # At 1 Hz a monitor refresh costs per_iv us of one CPU each second.
    mon_pct = per_iv / 1e6 * 100.0
    cpu_pct = 100.0 * cpu / wall if wall > 0 else 0.0
    sim_kb = sim_rss_kb(spec, SECONDS_RUN)
    rss_mb = statistics.median(rss) / 1024.0
    hwm_mb = last[2] / 1024.0
    mon_rss_mb = max(0.0, rss_mb - sim_kb / 1024.0)
    leaves = len(steady[-1]["leaves"])
    tds = steady[-1]["td_count"]
    res = {
        "tool": "tdxtop",
        "spec": spec,
        "interval_s": 1.0,
        "intervals": len(objs),
        "tds": tds,
        "leaves": leaves,
        "leaf_entries": sum(t.get("tds", 0) for t in steady[-1]["leaves"]),
        "events_per_s": statistics.median(o["totals"]["events_per_s"] for o in steady),
        "refresh_us_per_interval": per_iv,
        "snapshot_us_median": statistics.median(snap),
        "snapshot_wall_us_median": statistics.median(snap_wall),
        "load_avg_1m": os.getloadavg()[0],
        "model_us_median": statistics.median(model),
        "print_us_median": statistics.median(prints),
        "feed_us_median": statistics.median(feed),
        "cpu_pct_monitor": mon_pct,
        "cpu_pct_process": cpu_pct,
        "rss_mb_median": rss_mb,
        "hwm_mb": hwm_mb,
        "sim_rss_mb": sim_kb / 1024.0,
        "rss_mb_monitor": mon_rss_mb,
        "target_cpu_pct": 1.0,
        "target_rss_mb": 20.0,
        "meets_cpu": mon_pct < 1.0,
        "meets_rss": mon_rss_mb < 20.0,
        "wall_s": wall,
        "cpu_s": cpu,
    }
    os.makedirs(os.path.join(O, "bench"), exist_ok=True)
    out = os.path.join(O, "bench", "tdxtop.json")
    with open(out, "w") as f:
        json.dump(res, f, indent=2)
        f.write("\n")
    ok = lambda b: "ok" if b else "OVER"
    print(f"tdxtop at 1 Hz, {tds} simulated TDs x {leaves} leaves "
          f"({res['leaf_entries']} TD x leaf entries), {res['events_per_s']:.0f} events/s, "
          f"{len(objs)} intervals")
    print(f"  {'metric':<44} {'value':>12} {'target':>9}")
    print(f"  {'CPU per refresh (snapshot+model+print)':<44} {per_iv:>9.0f} us")
    print(f"  {'  snapshot + diff (loader), median':<44} {res['snapshot_us_median']:>9.0f} us")
    print(f"  {'  model (rows, quantiles, sort), median':<44} {res['model_us_median']:>9.0f} us")
    print(f"  {'  JSON output, median':<44} {res['print_us_median']:>9.0f} us")
    print(f"  {'CPU as a monitor (refresh at 1 Hz)':<44} {mon_pct:>11.2f}% {'< 1 %':>9}  {ok(res['meets_cpu'])}")
    print(f"  {'CPU of the process incl. sim feed':<44} {cpu_pct:>11.2f}%")
    print(f"  {'RSS, median while running':<44} {rss_mb:>9.1f} MB")
    print(f"  {'RSS of the simulator alone':<44} {sim_kb / 1024.0:>9.1f} MB")
    print(f"  {'RSS as a monitor (without the simulator)':<44} {mon_rss_mb:>9.1f} MB {'< 20 MB':>9}  {ok(res['meets_rss'])}")
    print(f"  {'peak RSS (VmHWM, incl. BPF load)':<44} {hwm_mb:>9.1f} MB")
    print(f"  {'snapshot wall time, median':<44} {res['snapshot_wall_us_median']:>9.0f} us"
          f"   (load average {res['load_avg_1m']:.1f})")
    print(f"  -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
