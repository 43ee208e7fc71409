#!/usr/bin/env python3
"""exporter_check.py - `tdxtrace exporter` with the real parts (TAP).

Run by test_exporter.sh (root, prometheus/promtool present).  Everything is
on 127.0.0.1 and bounded: every wait has a deadline, every request a timeout.

  A, B   two simulated hosts (different scenarios and seeds, finite sources)
         scraped every second by Debian's prometheus with a generated config;
         the test queries its HTTP API and compares with `tdxtrace stat/lat`
         on the same sources: counters equal, histogram_quantile() within
         one exported bucket of tdxtrace's quantile
  rules  promtool check rules / test rules; every rule and dashboard
         expression returns series on that server
  C      a third exporter (--coarse, short timeouts) for bad input:
         malformed HTTP, huge headers, slow and idle clients over the
         connection limit, parallel scrapes, wrong methods/paths; SIGHUP
         reopens, SIGTERM exits 0
"""
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

import yaml

SRC = os.environ.get("SRC") or os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
O = os.environ.get("O") or os.path.join(SRC, "build")
TDXTRACE = os.path.join(O, "bin", "tdxtrace")
RULES = os.path.join(SRC, "deploy/prometheus/tdxtrace-rules.yml")
RULES_TEST = os.path.join(SRC, "tests/exporter/rules-test.yml")
DASHBOARD = os.path.join(SRC, "deploy/grafana/tdxtrace-dashboard.json")
DOC = os.path.join(SRC, "docs/exporter.md")
RENDER_C = os.path.join(SRC, "tools/tdxtrace/exporter_render.c")

SPEC_A = "steady:11,duration=8s"
SPEC_B = "contention:22,duration=8s"
SPEC_C = "steady:33,duration=600s"

n = 0
procs = []


def ok(cond, what, diag=None):
    global n
    n += 1
    print(("ok" if cond else "not ok") + " %d - %s" % (n, what), flush=True)
    if not cond and diag:
        for line in str(diag).splitlines()[:20]:
            print("# " + line, flush=True)
    return cond


def skip(what, why):
    global n
    n += 1
    print("ok %d - %s # SKIP %s" % (n, what, why), flush=True)


def http_get(port, path="/metrics", headers=None, timeout=5, method="GET"):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), headers=headers or {},
                                 method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode("utf-8", "replace")


def start_exporter(name, *args):
    log = open(os.path.join(tmp, name + ".log"), "w+")
    p = subprocess.Popen([TDXTRACE, "exporter", "--listen", "127.0.0.1:0", *args],  # a later --listen wins
                         stdout=subprocess.DEVNULL, stderr=log)
    procs.append(p)
    deadline = time.time() + 15
    while time.time() < deadline and p.poll() is None:
        log.seek(0)
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", log.read())
        if m:
            return p, int(m.group(1))
        time.sleep(0.1)
    log.seek(0)
    return p, None


def metric_value(body, name, labels=""):
    for line in body.splitlines():
        if line.startswith(name + labels + " ") or (not labels and line.startswith(name + " ")):
            return float(line.split()[-1])
    return None


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def prom_query(expr, timeout=5):
    url = "http://127.0.0.1:%d/api/v1/query?%s" % (prom_port, urllib.parse.urlencode({"query": expr}))
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            d = json.load(r)
    except urllib.error.HTTPError as e:
        return None, e.read().decode()
    except OSError as e:
        return None, str(e)
    if d.get("status") != "success":
        return None, d.get("error")
    return d["data"]["result"], None


def tool_json(cmd, spec, *extra):
    out = subprocess.run([TDXTRACE, cmd, "--sim", spec, "--json", *extra], capture_output=True,
                         text=True, timeout=120)
    return json.loads(out.stdout)


def stop(p, sig=signal.SIGTERM, timeout=10):
    if p.poll() is not None:
        return p.returncode
    p.send_signal(sig)
    try:
        return p.wait(timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        return None


# ------------------------------------------------------------------ start
# Prometheus first (its start takes seconds), on ports chosen here, so that it
# scrapes A and B from their first second: the windows then move.
tmp = tempfile.mkdtemp(prefix="tdxtrace-exporter-")
t_start = time.time()
prom_port, port_a, port_b = free_port(), free_port(), free_port()
prom_dir = os.path.join(tmp, "prom")
os.makedirs(prom_dir)
cfg = {
    "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
    "rule_files": [RULES],
    "scrape_configs": [{"job_name": "tdxtrace", "static_configs": [
        {"targets": ["127.0.0.1:%d" % port_a], "labels": {"host": "a"}},
        {"targets": ["127.0.0.1:%d" % port_b], "labels": {"host": "b"}}]}],
}
with open(os.path.join(prom_dir, "prometheus.yml"), "w") as f:
    yaml.safe_dump(cfg, f)
prom_log = open(os.path.join(tmp, "prometheus.log"), "w")
prom = subprocess.Popen(["prometheus", "--config.file=" + os.path.join(prom_dir, "prometheus.yml"),
                         "--storage.tsdb.path=" + os.path.join(prom_dir, "data"),
                         "--web.listen-address=127.0.0.1:%d" % prom_port,
                         "--storage.tsdb.retention.time=1h", "--log.level=warn"],
                        stdout=prom_log, stderr=prom_log, cwd=prom_dir)
procs.append(prom)
ready = False
for _ in range(100):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/-/ready" % prom_port, timeout=1) as r:
            ready = r.status == 200
    except OSError:
        pass
    if ready:
        break
    time.sleep(0.2)
ok(ready, "prometheus ready on 127.0.0.1:%d (%.1f s)" % (prom_port, time.time() - t_start),
   open(os.path.join(tmp, "prometheus.log")).read()[-2000:])

a, pa = start_exporter("a", "--sim", SPEC_A, "--pace", "1", "--listen", "127.0.0.1:%d" % port_a)
b, pb = start_exporter("b", "--sim", SPEC_B, "--pace", "1", "--listen", "127.0.0.1:%d" % port_b)
c, port_c = start_exporter("c", "--sim", SPEC_C, "--pace", "0.2", "--coarse", "--timeout", "2",
                           "--max-connections", "16", "--cache", "0")
if not ok(pa == port_a and pb == port_b and port_c, "three exporters listen on 127.0.0.1 (ports %s %s %s)" %
          (pa, pb, port_c), open(os.path.join(tmp, "a.log")).read()):
    for p in procs:
        stop(p)
    print("1..%d" % n)
    sys.exit(1)

# ------------------------------------------------------------------ formats (while A runs)
st, hdr, text = http_get(port_a)
ok(st == 200 and hdr.get("Content-Type", "").startswith("text/plain; version=0.0.4"),
   "A: /metrics is text 0.0.4 by default", hdr)
pc = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True,
                    timeout=30)
ok(pc.returncode == 0, "promtool check metrics: A's text scrape (fine buckets, per leaf)",
   pc.stdout + pc.stderr)
st, hdr, om = http_get(port_a, headers={"Accept": "application/openmetrics-text;version=1.0.0,"
                                        "application/openmetrics-text;version=0.0.1;q=0.75,"
                                        "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"})
om_ok = (st == 200 and hdr.get("Content-Type", "").startswith("application/openmetrics-text; version=1.0.0")
         and om.endswith("# EOF\n") and "# TYPE tdxtrace_events counter" in om
         and "tdxtrace_events_total{" in om and "# TYPE tdxtrace_build info" in om
         and 'le="+Inf"' in om)
ok(om_ok, "A: Prometheus' Accept gets OpenMetrics 1.0 (# EOF, counter family without _total, info)",
   hdr)
try:
    from prometheus_client.openmetrics.parser import text_string_to_metric_families as om_parse
except ImportError:
    om_parse = None
if om_parse:
    try:
        nf = len(list(om_parse(om)))
        ok(nf > 30, "prometheus_client's strict OpenMetrics parser accepts A's scrape (%d families)" % nf)
    except Exception as ex:
        ok(False, "prometheus_client's strict OpenMetrics parser accepts A's scrape", repr(ex))
else:
    skip("strict OpenMetrics parse", "no python3-prometheus-client")
for _ in range(50):		# C feeds 0.1 s steps at pace 0.2: its first SEAMCALLs
    st, hdr, text_c = http_get(port_c)
    if "tdxtrace_seamcall_duration_seconds_count{" in text_c:
        break
    time.sleep(0.2)
pc = subprocess.run(["promtool", "check", "metrics"], input=text_c, capture_output=True, text=True,
                    timeout=30)
les = set(re.findall(r'tdxtrace_seamcall_duration_seconds_bucket\{[^}]*le="([^"]+)"', text_c))
leaves = set(re.findall(r'tdxtrace_seamcall_duration_seconds_count\{[^}]*leaf="([^"]+)"', text_c))
ok(pc.returncode == 0 and len(les) == 13 and leaves and all(x.endswith(".*") for x in leaves),
   "C --coarse: promtool-clean, 12 bounds + Inf, leaf groups %s" % sorted(leaves),
   pc.stdout + pc.stderr)

# every family the renderer writes is in docs/exporter.md
fams = set(re.findall(r'family\(r, "(tdxtrace_[a-z0-9_]+)"', open(RENDER_C).read()))
fams |= set(re.findall(r'\{ "(tdxtrace_frozen_[a-z_]+)"', open(RENDER_C).read()))
doc = open(DOC).read() if os.path.exists(DOC) else ""
missing = sorted(f for f in fams if f not in doc)
ok(fams and not missing, "docs/exporter.md names all %d metric families" % len(fams), missing)

# ------------------------------------------------------------------ rules, offline
pc = subprocess.run(["promtool", "check", "rules", RULES], capture_output=True, text=True, timeout=30)
ok(pc.returncode == 0, "promtool check rules deploy/prometheus/tdxtrace-rules.yml", pc.stdout + pc.stderr)
pc = subprocess.run(["promtool", "test", "rules", os.path.basename(RULES_TEST)], capture_output=True,
                    text=True, timeout=60, cwd=os.path.dirname(RULES_TEST))
ok(pc.returncode == 0, "promtool test rules tests/exporter/rules-test.yml", pc.stdout + pc.stderr)

# ------------------------------------------------------------------ wait for the data
deadline = time.time() + 45
done = False
while time.time() < deadline:
    r, err = prom_query('count(tdxtrace_source_exhausted == 1)')
    if r and float(r[0]["value"][1]) == 2:
        done = True
        break
    time.sleep(0.5)
ok(done, "prometheus scraped both exporters to the end of their sources (%.0f s)" % (time.time() - t_start),
   open(os.path.join(tmp, "prometheus.log")).read()[-2000:])
time.sleep(2.5)		# a scrape or two of the final figures

# ------------------------------------------------------------------ counters and quantiles
bounds = [1 << k for k in range(8, 31)]


def bucket_width(v):
    lo = 0
    for bnd in bounds:
        if v <= bnd:
            return bnd - lo
        lo = bnd
    return math.inf


for name, port, spec in (("A", port_a, SPEC_A), ("B", port_b, SPEC_B)):
    inst = 'instance="127.0.0.1:%d"' % port
    stat = tool_json("stat", spec)
    r, err = prom_query('tdxtrace_events_total{%s}' % inst)
    got = {s["metric"]["event"]: int(float(s["value"][1])) for s in (r or [])}
    want = {k: v for k, v in stat["counters"]["events"].items()}
    ok(got and got == want, "%s: tdxtrace_events_total in prometheus == `tdxtrace stat` (%d events)" %
       (name, sum(want.values())), "got %s\nwant %s\n%s" % (got, want, err))

    # windows: every scrape saw k whole 0.1 s steps; its counters must be the
    # sum of the first k intervals of `tdxtrace stat -i 100ms`
    ivs = subprocess.run([TDXTRACE, "stat", "--sim", spec, "-i", "100ms", "--json"], capture_output=True,
                         text=True, timeout=120).stdout.splitlines()
    cum = [{}]
    for line in ivs:
        ev = json.loads(line)["counters"]["events"]
        cum.append({k: cum[-1].get(k, 0) + v for k, v in ev.items()})
    fed, _ = prom_query('tdxtrace_source_fed_seconds{%s}[5m]' % inst)
    evs, _ = prom_query('tdxtrace_events_total{%s}[5m]' % inst)
    steps = {ts: round(float(v) * 10) for ts, v in (fed[0]["values"] if fed else [])}
    bad, ks = [], set()
    for series in evs or []:
        e = series["metric"]["event"]
        for ts, v in series["values"]:
            k = steps.get(ts)
            if k is None or k >= len(cum):
                bad.append((e, ts, k))
                continue
            ks.add(k)
            if cum[k].get(e, 0) != int(float(v)):
                bad.append((e, k, int(float(v)), cum[k].get(e)))
    ok(evs and len(ks) >= 3 and not bad,
       "%s: at each of %d scrapes (%d distinct windows) every event counter == the sum of "
       "`tdxtrace stat -i 100ms` intervals up to that scrape's source time" %
       (name, len(steps), len(ks)), bad[:10])

    det = {e["name"]: e.get("detail", {}) for e in stat["events"]}
    r, _ = prom_query('sum by (gpa) (tdxtrace_ept_violations_total{%s})' % inst)
    ept = {s["metric"]["gpa"]: int(float(s["value"][1])) for s in (r or [])}
    ev = det.get("kvm_tdx_ept_violation", {})
    r, _ = prom_query('sum by (direction) (tdxtrace_mapgpa_requests_total{%s})' % inst)
    mg = {s["metric"]["direction"]: int(float(s["value"][1])) for s in (r or [])}
    mv = det.get("kvm_tdx_map_gpa", {})
    ok(ept == {"private": ev.get("private"), "shared": ev.get("shared")} and
       mg == {"private": mv.get("to_private"), "shared": mv.get("to_shared")},
       "%s: EPT violations by GPA kind and MapGPA requests by direction == `tdxtrace stat`" % name,
       "ept %s vs %s; mapgpa %s vs %s" % (ept, ev, mg, mv))

    lat = tool_json("lat", spec, "-P")
    rows = {(str(e["pid"]), e["name"]): e for e in lat["leaves"]}
    r, _ = prom_query('tdxtrace_seamcall_duration_seconds_count{%s}' % inst)
    cnt = {(s["metric"]["pid"], s["metric"]["leaf"]): int(float(s["value"][1])) for s in (r or [])}
    bad = [(k, v, rows.get(k, {}).get("count")) for k, v in cnt.items() if rows.get(k, {}).get("count") != v]
    ok(cnt and not bad and len(cnt) == len(rows),
       "%s: SEAMCALL count per TD x leaf == `tdxtrace lat -P` (%d series)" % (name, len(cnt)), bad[:10])

    worst, checked, off = 0.0, 0, []
    for q in (0.5, 0.9, 0.99):
        r, _ = prom_query('histogram_quantile(%g, tdxtrace_seamcall_duration_seconds_bucket{%s})' % (q, inst))
        for s in r or []:
            k = (s["metric"]["pid"], s["metric"]["leaf"])
            tq = rows[k]["hist"]["p%d_ns" % round(q * 100)] if k in rows else None
            pq = float(s["value"][1]) * 1e9
            if tq is None or math.isnan(pq) or tq > bounds[-1]:
                continue
            checked += 1
            w = bucket_width(tq)
            worst = max(worst, abs(pq - tq) / w)
            if abs(pq - tq) > w * (1 + 1e-9):
                off.append((k, q, pq, tq, w))
    ok(checked and not off,
       "%s: histogram_quantile() within one exported bucket of tdxtrace's p50/p90/p99 "
       "(%d quantiles, worst %.2f bucket widths)" % (name, checked, worst), off[:10])

# ------------------------------------------------------------------ every expression returns series


def base_expr(e):
    """An alert's expression without its final threshold comparison."""
    return re.sub(r"\s*(>|<|>=|<=|==|!=)\s*[0-9.e+-]+\s*$", "", e.strip())


rules = yaml.safe_load(open(RULES))
for g in rules["groups"]:
    for rule in g["rules"]:
        name = rule.get("alert") or rule.get("record")
        if rule.get("labels", {}).get("tdxtrace_requires"):
            skip("rule %s returns series" % name, "needs %s" % rule["labels"]["tdxtrace_requires"])
            continue
        r, err = prom_query(base_expr(rule["expr"]))
        full, err2 = prom_query(rule["expr"])
        ok(r and full is not None, "rule %s: expression returns %d series (full alert expression "
           "evaluates)" % (name, len(r or [])), "%s\n%s %s" % (rule["expr"], err, err2))

dash = json.load(open(DASHBOARD))
exprs = []
for p in dash["panels"]:
    for t in p.get("targets", []):
        exprs.append((p["title"], t["expr"]))
for v in dash["templating"]["list"]:
    if v["type"] == "query":
        m = re.match(r"label_values\((.*),\s*\w+\)$", v["definition"])
        exprs.append(("variable " + v["name"], m.group(1) if m else v["definition"]))
empty = []
for title, e in exprs:
    q = e.replace("$instance", ".+").replace("$pid", ".+").replace("$__rate_interval", "30s")
    r, err = prom_query(q)
    if not r:
        empty.append((title, e, err))
ok(exprs and not empty, "dashboard: all %d expressions (panels and variables) return series" % len(exprs),
   "\n".join("%s: %s %s" % x for x in empty))

alerts, _ = prom_query('ALERTS')
firing = sorted({s["metric"]["alertname"] for s in alerts or []})
print("# alerts pending/firing on the simulated fleet: %s" % (firing or "none"))
r, _ = prom_query('up{job="tdxtrace"} == 1')
r2, _ = prom_query('sum(scrape_samples_scraped{job="tdxtrace"})')
ok(r and len(r) == 2, "both targets up, scraped as OpenMetrics without parse errors (%s samples)" %
   (r2[0]["value"][1] if r2 else "?"))

# the exporter refuses what it cannot do, with the documented exit codes
pu = subprocess.run([TDXTRACE, "exporter", "--sim", SPEC_A, "--listen", "127.0.0.1:%d" % port_a],
                    capture_output=True, text=True, timeout=30)
pb = subprocess.run([TDXTRACE, "exporter", "--sim", SPEC_A, "--listen", "localhost:99999"],
                    capture_output=True, text=True, timeout=30)
pj = subprocess.run([TDXTRACE, "exporter", "--sim", SPEC_A, "--json"], capture_output=True, text=True,
                    timeout=30)
ok(pu.returncode == 1 and "cannot listen" in pu.stderr and pb.returncode == 2 and
   "invalid --listen" in pb.stderr and pj.returncode == 2 and "do not apply" in pj.stderr, "port in use: exit 1 (%r); bad --listen, --json: exit 2 (%r)" %
   (pu.stderr.strip()[-60:], pb.stderr.strip().splitlines()[0] if pb.stderr else ""))

# a replay file: the same figures as `tdxtrace stat --replay`, held at the end
rec = os.path.join(tmp, "r.tdxrec")
subprocess.run([TDXTRACE, "sim", "convert:5,duration=2s", "-o", rec], capture_output=True, timeout=60)
r_p, r_port = start_exporter("r", "--replay", rec, "--pace", "0")
body = ""
for _ in range(100):
    if not r_port:
        break
    _, _, body = http_get(r_port)
    if "tdxtrace_source_exhausted 1" in body:
        break
    time.sleep(0.2)
want = json.loads(subprocess.run(
    [TDXTRACE, "stat", "--replay", rec, "--json"], capture_output=True, text=True, timeout=60).stdout)
got = {m.group(1): int(m.group(2)) for m in re.finditer(r'^tdxtrace_events_total\{event="([^"]+)"\} (\d+)$',
                                                         body, re.M)}
ok(got and got == want["counters"]["events"] and 'source="replay"' in body,
   "--replay FILE --pace 0: events == `tdxtrace stat --replay` (%d), session_info source=replay" %
   sum(got.values()), "got %s want %s" % (got, want["counters"]["events"]))
stop(r_p)

# live on a host without TDX: a clear message and exit 69 (UNAVAILABLE), nothing listens
lv = subprocess.Popen([TDXTRACE, "exporter", "--listen", "127.0.0.1:0"], stdout=subprocess.DEVNULL,
                      stderr=subprocess.PIPE, text=True)
try:
    _, lv_err = lv.communicate(timeout=15)
    if "listening" in lv_err:
        skip("live without TDX: exit 69", "the live session opened: this host has TDX")
    else:
        ok(lv.returncode in (69, 77) and lv_err.strip(),
           "live without TDX host support: exit %d, %r" % (lv.returncode, lv_err.strip()[-80:]))
except subprocess.TimeoutExpired:
    stop(lv)
    skip("live without TDX: exit 69", "the live session opened: this host has TDX")

# ------------------------------------------------------------------ bad input (C)


def raw(data, timeout=5, read=True):
    s = socket.create_connection(("127.0.0.1", port_c), timeout=timeout)
    try:
        s.sendall(data)
        if not read:
            return s
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            out += chunk
        return out
    finally:
        if read:
            s.close()


def alive():
    try:
        st, _, body = http_get(port_c, timeout=5)
        return st == 200 and "tdxtrace_session_up 1" in body
    except OSError:
        return False


resp = raw(b"GARBAGE / NOTHTTP\r\n\r\n")
ok((resp == b"" or resp.startswith(b"HTTP/1.1 400") or resp.startswith(b"HTTP/1.0 400")) and alive(),
   "malformed request line: 400 or closed, still serving (%r)" % resp[:20])
resp = raw(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n")
ok((resp == b"" or re.match(rb"HTTP/1\.[01] (431|413|400)", resp)) and alive(),
   "100 KiB header: refused (%r), still serving" % resp[:24])
resp = raw(b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n")
ok((resp == b"" or re.match(rb"HTTP/1\.[01] (4\d\d)", resp)) and alive(),
   "absurd Content-Length: refused (%r), still serving" % resp[:24])
resp = raw(b"GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: " + b"application/openmetrics-text;q=0.9," * 600 +
           b"\r\n\r\n")
ok(alive(), "a 20 KiB Accept header is parsed without harm (%r)" % resp[:15])

# slow clients: trickle a header byte at a time; scrapes still answer, session moves
slow = [raw(b"GET /metrics HTTP/1.1\r\nHo", read=False) for _ in range(6)]
st0, _, b0 = http_get(port_c, timeout=3)
t0 = metric_value(b0, "tdxtrace_source_time_seconds")
for s in slow:
    try:
        s.sendall(b"s")
    except OSError:
        pass
time.sleep(1.2)
t1s = time.time()
st1, _, b1 = http_get(port_c, timeout=3)
t1 = metric_value(b1, "tdxtrace_source_time_seconds")
ok(st0 == 200 and st1 == 200 and t0 is not None and t1 is not None and t1 > t0 and time.time() - t1s < 2,
   "6 slow clients: scrapes answer, the session keeps moving (source time %.2f -> %.2f s)" %
   ((t0 or 0), (t1 or 0)))
for s in slow:
    s.close()

# over the connection limit: the extra ones are refused, all recover after the timeout
idle = []
for _ in range(24):
    try:
        idle.append(socket.create_connection(("127.0.0.1", port_c), timeout=2))
    except OSError:
        pass
time.sleep(0.3)
closed = 0
for s in idle:
    s.settimeout(0.2)
    try:
        if s.recv(1) == b"":
            closed += 1
    except socket.timeout:
        pass
    except OSError:
        closed += 1
time.sleep(2.5)			# --timeout 2 closes the idle ones
ok(closed >= 8 and alive(), "24 idle connections at a limit of 16: %d refused, served again after "
   "the idle timeout" % closed)
for s in idle:
    s.close()

# parallel scrapes
results = []


def scrape_one():
    try:
        st, _, body = http_get(port_c, timeout=10, headers={"Accept": "application/openmetrics-text"})
        results.append(st == 200 and body.endswith("# EOF\n"))
    except OSError:
        results.append(False)


ths = [threading.Thread(target=scrape_one) for _ in range(12)]
t0 = time.time()
for t in ths:
    t.start()
for t in ths:
    t.join(20)
ok(len(results) == 12 and all(results), "12 parallel OpenMetrics scrapes: all complete (%.2f s)" %
   (time.time() - t0))

st_post, hdr_post, _ = http_get(port_c, method="POST")
st_404, _, _ = http_get(port_c, path="/nope")
st_idx, _, idx = http_get(port_c, path="/")
st_head, _, head_body = http_get(port_c, method="HEAD")
ok(st_post == 405 and "GET" in hdr_post.get("Allow", "") and st_404 == 404 and st_idx == 200 and
   'href="/metrics"' in idx and st_head == 200 and head_body == "",
   "POST 405 (Allow: GET, HEAD), /nope 404, / links /metrics, HEAD has no body")
_, _, body = http_get(port_c)
errs = metric_value(body, "tdxtrace_exporter_http_errors_total")
ok(c.poll() is None and errs and errs >= 2, "C survived it all; counted %s HTTP errors" % errs)

# ------------------------------------------------------------------ signals
c.send_signal(signal.SIGHUP)
reopened = False
for _ in range(50):
    time.sleep(0.2)
    try:
        _, _, body = http_get(port_c, timeout=3)
    except OSError:
        continue
    if metric_value(body, "tdxtrace_exporter_session_reopens_total") == 1 and \
            metric_value(body, "tdxtrace_session_up") == 1:
        reopened = True
        break
ok(reopened, "SIGHUP: the session is reopened (reopens_total 1, session_up 1)")
t0 = time.time()
rcs = [stop(p) for p in (a, b, c)]
ok(rcs == [0, 0, 0] and time.time() - t0 < 10, "SIGTERM: every exporter detaches and exits 0 (%s)" % rcs)
stop(prom)
print("# exporter tier took %.1f s" % (time.time() - t_start))
print("1..%d" % n)
