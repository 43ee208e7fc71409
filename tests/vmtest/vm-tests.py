#!/usr/bin/env python3
"""vm-tests.py - the checks `make vmtest` runs inside the VM (as PID 1's child).

Every check prints one TAP line.  The ground truth is the test module's table
(/sys/kernel/debug/tdxtrace_test/table): the expected value of every check is
computed here from that table and the ABI headers, never taken from the
consumer under test.  Environment (kernel command line): tdx_src (the
checkout), tdx_o (its build dir), tdx_ko (the test module).
"""
import collections
import json
import os
import re
import subprocess
import sys
import time

SRC = os.environ.get('tdx_src', os.path.abspath(os.path.join(os.path.dirname(__file__), '../..')))
O = os.environ.get('tdx_o', os.path.join(SRC, 'build'))
KO = os.environ.get('tdx_ko', '')
RES = '/tmp/results'
TRACEFS = '/sys/kernel/tracing'
DBG = '/sys/kernel/debug/tdxtrace_test'
BIN = os.path.join(O, 'bin')

n = 0
failed = 0


def tap(ok, text, skip=None):
    global n, failed
    n += 1
    if skip is not None:
        print(f"ok {n} - {text} # SKIP {skip}", flush=True)
    elif ok:
        print(f"ok {n} - {text}", flush=True)
    else:
        failed += 1
        print(f"not ok {n} - {text}", flush=True)
    return ok


def diag(msg):
    for line in str(msg).rstrip('\n').split('\n'):
        print(f"# {line}", flush=True)


def run(cmd, timeout=120, **kw):
    """Run a command (list or shell string); return CompletedProcess (never raises)."""
    shell = isinstance(cmd, str)
    try:
        return subprocess.run(cmd, shell=shell, capture_output=True, text=True,
                              timeout=timeout, errors='replace', **kw)
    except subprocess.TimeoutExpired as e:
        return subprocess.CompletedProcess(cmd, 124, e.stdout or '', (e.stderr or '') + '\n[timeout]')
    except OSError as e:
        return subprocess.CompletedProcess(cmd, 127, '', str(e))


def wr(path, val):
    with open(path, 'w') as f:
        f.write(val)


def rd(path):
    with open(path) as f:
        return f.read()


def fire_cmd(passes):
    """Shell command that fires the table `passes` times in its own process."""
    return f"echo {passes} > {DBG}/fire"


# ---------------------------------------------------------------- the ABI
def parse_abi():
    ev = open(os.path.join(SRC, 'include/tdxtrace/events.h')).read()
    # X(ID, lower, "system", "tracepoint", nargs) rows of TDX_EVENT_TABLE
    table = re.findall(r'X\((\w+),\s*\w+,\s*"(\w+)",\s*"(\w+)",\s*(\d+)\)', ev)
    events = [{'id': i, 'sys': s, 'name': nm, 'nargs': int(k)} for i, s, nm, k in table]
    # argument names, in order, from each TDX_<ID>_ARGS(A, c) table: the
    # first of the "field|alias" names is the tracefs field
    for e in events:
        m = re.search(r'#define TDX_%s_ARGS\(A, c\)(.*?)\n\n' % e['id'], ev, re.S)
        rows = re.findall(r'A\(c, (\w+),\s*"([^"]+)"', m.group(1)) if m else []
        e['args'] = [names.split('|')[0] for _, names in rows]
        # every name an argument goes by: its tracefs field, the aliases, the enum
        e['names'] = [set(names.split('|')) | {enum.lower()} for enum, names in rows]
    lv = open(os.path.join(SRC, 'include/tdxtrace/leaves.h')).read()
    leaves = {int(nr): name for nr, name in
              re.findall(r'X\(\w+,\s*(\d+),\s*"([A-Z.]+)",\s*\w+\)', lv)}
    statuses = {int(v, 16): name for v, name in
                re.findall(r'X\(TDX_\w+,\s*0x([0-9A-Fa-f]+)ULL,\s*"(\w+)"\)', lv)}
    return events, leaves, statuses


EVENTS, LEAVES, STATUSES = parse_abi()
BYNAME = {e['name']: e for e in EVENTS}


def status_class(s):
    """Status class, written from the table comments of leaves.h (independently
    of tdx_status_class(), which the BPF programs use)."""
    if s >> 32 == 0:
        return 'success'
    if not s >> 62:
        return 'warning'
    if s & 0x8000FF0000000000 == 0x8000FF0000000000:
        return 'sw_error'
    hi = s >> 32
    if hi in (0x80000200, 0x80000201, 0x80000202, 0x80000204, 0x90000205):
        return 'busy'
    if hi == 0x80000203:
        return 'no_entropy'
    if hi in (0x80000003, 0x80000004):
        return 'interrupted'
    return 'error'


def s64(v):
    return v - (1 << 64) if v >> 63 else v


def load_table():
    rows = []
    for line in rd(f"{DBG}/table").splitlines():
        if not line or line.startswith('#'):
            continue
        f = line.split()
        sysname, name = f[0].split(':')
        rows.append({'sys': sysname, 'name': name, 'repeat': int(f[1]),
                     'args': [int(x, 16) if x != '0' else 0 for x in f[3:3 + int(f[2])]]})
    return rows


def expected_counts(rows, passes=1):
    c = collections.Counter()
    for r in rows:
        c[r['name']] += r['repeat'] * passes
    return c


# ---------------------------------------------------------------- tracefs
def ev_dir(e):
    return f"{TRACEFS}/events/{e['sys']}/{e['name']}"


def set_events(on):
    for e in EVENTS:
        p = ev_dir(e) + '/enable'
        if os.path.exists(p):
            wr(p, '1' if on else '0')


def format_fields(e):
    fields = []
    for line in rd(ev_dir(e) + '/format').splitlines():
        m = re.match(r'\s*field:(.*?);\s*offset:(\d+);\s*size:(\d+);\s*signed:(\d+);', line)
        if m and not m.group(1).split()[-1].startswith('common_'):
            decl = m.group(1).strip()
            fields.append((decl.split()[-1].split('[')[0], int(m.group(3)), int(m.group(4))))
    return fields


def documented_fields():
    """{event: [field, ...]} from docs/tracepoints.md: under a heading that
    names `sys:event`, the rows of its table whose cells include one that is a
    single backquoted name (| 0 | `leaf` | u64 | ... |).  An event with no
    such section falls back to a one-row layout: | `sys:event` | `f`, `g` |."""
    path = os.path.join(SRC, 'docs/tracepoints.md')
    if not os.path.exists(path):
        return None
    doc, rows = {}, {}
    cur = None
    for line in open(path):
        m = re.match(r'#+\s.*?`?(\w+):(\w+)`?\s*$', line)
        if m and m.group(2) in BYNAME:
            cur = m.group(2)
            doc.setdefault(cur, [])
            continue
        if line.startswith('#'):
            cur = None
            continue
        if not line.startswith('|'):
            continue
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        m = re.fullmatch(r'`(\w+):(\w+)`', cells[0]) if cells else None
        if m and m.group(2) in BYNAME:
            rows[m.group(2)] = re.findall(r'`(\w+)`', ' '.join(cells[1:]))
            continue
        if cur:
            for c in cells:
                m = re.fullmatch(r'`(\w+)`', c)
                if m:
                    if m.group(1) not in doc[cur]:
                        doc[cur].append(m.group(1))
                    break
    for ev, fields in rows.items():
        if not doc.get(ev):
            doc[ev] = fields
    return doc


def trace_lines(text):
    """ftrace/trace-cmd/perf text -> [(event, rest)] for our events."""
    out = []
    for line in text.splitlines():
        # "... tdx_seamcall: leaf=..." (ftrace, trace-cmd report) or
        # "tdx:tdx_seamcall: leaf=..." (perf script)
        for mm in re.finditer(r'(?:^|\s)(?:\w+:)?(\w+):\s', line):
            if mm.group(1) in BYNAME:
                out.append((mm.group(1), line[mm.end():].strip()))
                break
    return out


def kv(rest):
    """Field values printed as `name=value` or `name value` (numeric value)."""
    out = dict(re.findall(r'(\w+)=(\S+)', rest))
    tok = rest.replace(',', ' ').split()
    for a, b in zip(tok, tok[1:]):
        if re.fullmatch(r'[a-z_]+', a) and num(b) is not None:
            out.setdefault(a, b)
    return out


def arg_index(e, field):
    """events.h argument a printed field stands for: the same name, or the
    name with a unit/id suffix (duration_ns, vcpu_id, held_ns)."""
    for i, names in enumerate(e['names']):
        for a in names:
            if field in (a, a + '_ns', a + '_id'):
                return i
    return None


def num(v, base=0):
    v = v.rstrip(',')
    try:
        if base == 16 and not v.lower().startswith('0x'):
            return int(v, 16)
        return int(v, 0)
    except ValueError:
        return None


def print_bases(e):
    """{printed name: 16 or 10} from the event's `print fmt` ("gfn %llx" is
    hex without a 0x prefix, "level %d" decimal)."""
    try:
        fmt = [ln for ln in rd(ev_dir(e) + '/format').splitlines() if ln.startswith('print fmt:')][0]
    except (OSError, IndexError):
        return {}
    fmt = fmt.split('"')[1] if '"' in fmt else fmt
    return {m.group(1): 16 if m.group(3) in 'xX' else 10
            for m in re.finditer(r'(\w+)[ =](?:0x)?%[-#0-9.]*(?:ll|l|hh|h|z)?()([duxXsc])', fmt)}


# ---------------------------------------------------------------- checks
def check_events_exist():
    missing = [f"{e['sys']}:{e['name']}" for e in EVENTS if not os.path.isdir(ev_dir(e))]
    tap(not missing, f"all {len(EVENTS)} events of events.h are in tracefs" +
        (f" (missing: {' '.join(missing)})" if missing else ''))


def check_formats():
    doc = documented_fields()
    for e in EVENTS:
        if not os.path.isdir(ev_dir(e)):
            tap(False, f"{e['name']}: format (event missing)")
            continue
        have = [f[0] for f in format_fields(e)]
        open(f"{RES}/format-{e['name']}.txt", 'w').write(rd(ev_dir(e) + '/format'))
        if doc is None:
            tap(True, f"{e['name']}: format fields", skip="docs/tracepoints.md does not exist")
            continue
        want = doc.get(e['name'])
        if not want:
            tap(False, f"{e['name']}: documented in docs/tracepoints.md with a field table")
            continue
        miss = [f for f in want if f not in have]
        extra = [f for f in have if f not in want]
        tap(not miss and not extra,
            f"{e['name']}: format has the documented fields ({' '.join(want)})" +
            (f"; missing {miss}" if miss else '') + (f"; undocumented {extra}" if extra else ''))


def check_trace_text(rows):
    set_events(True)
    wr(f"{TRACEFS}/trace", '')
    r = run(fire_cmd(1))
    set_events(False)
    text = rd(f"{TRACEFS}/trace")
    open(f"{RES}/ftrace.txt", 'w').write(text)
    lines = trace_lines(text)
    got = collections.Counter(ev for ev, _ in lines)
    want = expected_counts(rows)
    tap(r.returncode == 0 and got == want,
        f"ftrace text: every event fired the table's number of times ({sum(want.values())} lines)")
    if got != want:
        diag(f"want {dict(want)}\ngot  {dict(got)}")

    # Leaf names: each SEAMCALL line names its leaf as leaves.h spells it.
    sc = [rest for ev, rest in lines if ev == 'tdx_seamcall']
    want_leaf = collections.Counter()
    for row in rows:
        if row['name'] == 'tdx_seamcall':
            want_leaf[LEAVES[row['args'][0] & 0xffff]] += row['repeat']
    got_leaf = collections.Counter()
    for rest in sc:
        for name in LEAVES.values():
            if re.search(r'(^|[\s=(])' + re.escape(name) + r'($|[\s,)])', rest):
                got_leaf[name] += 1
    tap(got_leaf == want_leaf, f"ftrace text: SEAMCALL leaf names decode ({len(want_leaf)} leaves)")
    if got_leaf != want_leaf:
        diag(f"want {dict(want_leaf)}\ngot  {dict(got_leaf)}\nsample: {sc[:3]}")

    # Status: each line shows its status class or name as documented.
    want_st = collections.Counter()
    for row in rows:
        if row['name'] == 'tdx_seamcall':
            want_st[row['args'][1]] += row['repeat']
    bad = []
    for st, cnt in want_st.items():
        cls = status_class(st)
        name = STATUSES.get(st) or STATUSES.get(st & 0xFFFFFFFF00000000)
        keys = [k for k in (name, cls, cls.upper()) if k]
        hits = sum(1 for rest in sc if any(re.search(r'\b' + re.escape(k) + r'\b', rest) for k in keys))
        if hits < cnt:
            bad.append(f"{st:#x} ({'/'.join(keys)}): {hits} of {cnt} lines")
    tap(not bad, "ftrace text: SEAMCALL status names/classes decode")
    for b in bad:
        diag(b)

    # Raw values: every numeric name=value whose name is an events.h argument
    # equals the table's value (by row, in firing order).
    seq = []
    for row in rows:
        seq += [row] * row['repeat']
    mism, compared = [], 0
    bases = {e['name']: print_bases(e) for e in EVENTS}
    for (ev, rest), row in zip(lines, seq):
        if ev != row['name']:
            mism.append(f"order: {ev} where {row['name']} was fired")
            break
        e = BYNAME[ev]
        for k, v in kv(rest).items():
            i = arg_index(e, k)
            if i is not None:
                x = num(v, bases[ev].get(k, 0))
                if x is None:
                    continue
                want_v = row['args'][i]
                compared += 1
                if x != want_v and x != s64(want_v) and (x & 0xffffffff) != (want_v & 0xffffffff):
                    mism.append(f"{ev} {k}={v}, fired {want_v:#x}")
    tap(not mism and compared > 0, f"ftrace text: {compared} numeric fields equal the fired values")
    for m in mism[:10]:
        diag(m)
    return text


def check_perf_stat(rows):
    evs = ','.join(f"{e['sys']}:{e['name']}" for e in EVENTS)
    # Per task (no -a): events fired in the writer's context count for it.
    r = run(['perf', 'stat', '-x', ',', '-e', evs, '--', 'sh', '-c', fire_cmd(2)], timeout=300)
    got = {}
    for line in r.stderr.splitlines():
        f = line.split(',')
        if len(f) > 3 and ':' in f[2]:
            got[f[2].split(':')[1]] = int(f[0]) if f[0].isdigit() else f[0]
    want = expected_counts(rows, 2)
    ok = r.returncode == 0 and all(got.get(k) == v for k, v in want.items()) and len(got) == len(EVENTS)
    tap(ok, "perf stat -e (per task): counts equal the module's (2 passes)")
    if not ok:
        diag(r.stderr[-2000:])


def check_perf_record(rows, ftrace_text):
    evs = [a for e in EVENTS for a in ('-e', f"{e['sys']}:{e['name']}")]
    data = '/tmp/perf.data'
    r = run(['perf', 'record', '-q', '-o', data, '-a'] + evs + ['--', 'sh', '-c', fire_cmd(1)], timeout=300)
    s = run(['perf', 'script', '-i', data, '-F', 'event,trace'], timeout=300)
    open(f"{RES}/perf-script.txt", 'w').write(s.stdout + s.stderr)
    lines = trace_lines(s.stdout)
    got = collections.Counter(ev for ev, _ in lines)
    want = expected_counts(rows)
    tap(r.returncode == 0 and s.returncode == 0 and got == want,
        "perf record + perf script: every event recorded the table's number of times")
    if got != want:
        diag(r.stderr[-1000:] + s.stderr[-1000:])
    # perf (libtraceevent) renders the print format like the kernel does.
    kern = [rest for _, rest in trace_lines(ftrace_text)]
    perf = [rest for _, rest in lines]
    diff = [(a, b) for a, b in zip(kern, perf) if a != b]
    tap(len(kern) == len(perf) and not diff, "perf script decodes every field as the kernel's trace text does")
    for a, b in diff[:5]:
        diag(f"kernel: {a}\nperf:   {b}")


def check_trace_cmd(rows, ftrace_text):
    evs = [a for e in EVENTS for a in ('-e', f"{e['sys']}:{e['name']}")]
    dat = f"{RES}/trace.dat"
    r = run(['trace-cmd', 'record', '-q', '-o', dat] + evs +
            ['sh', '-c', 'echo $$ > /tmp/trace-cmd.pid; ' + fire_cmd(1)], timeout=300, cwd='/tmp')
    s = run(['trace-cmd', 'report', '-i', dat], timeout=300)
    open(f"{RES}/trace-cmd-report.txt", 'w').write(s.stdout + s.stderr)
    lines = trace_lines(s.stdout)
    got = collections.Counter(ev for ev, _ in lines)
    want = expected_counts(rows)
    tap(r.returncode == 0 and s.returncode == 0 and got == want,
        "trace-cmd record + report: every event recorded the table's number of times")
    if got != want:
        diag(r.stdout[-800:] + r.stderr[-800:] + s.stderr[-800:])
    kern = [rest for _, rest in trace_lines(ftrace_text)]
    tc = [rest for _, rest in lines]
    diff = [(a, b) for a, b in zip(kern, tc) if a != b]
    tap(len(kern) == len(tc) and not diff, "trace-cmd report decodes every field as the kernel's trace text does")
    for a, b in diff[:5]:
        diag(f"kernel:    {a}\ntrace-cmd: {b}")
    try:
        pid = int(rd('/tmp/trace-cmd.pid'))
    except (OSError, ValueError):
        pid = 0
    return (dat, pid) if r.returncode == 0 and pid else (None, 0)


def recipes():
    path = os.path.join(SRC, 'docs/perf.md')
    if not os.path.exists(path):
        return None
    out = []
    for block in re.findall(r'```sh\n(.*?)```', open(path).read(), re.S):
        m = re.match(r'#\s*recipe:\s*(\S+)', block)
        if m:
            out.append((m.group(1), block))
    return out


def check_recipes():
    rs = recipes()
    if rs is None:
        tap(True, "docs/perf.md recipes run", skip="docs/perf.md does not exist")
        return
    if not rs:
        tap(False, "docs/perf.md has recipes (```sh blocks starting with '# recipe: NAME')")
        return
    for name, block in rs:
        # Fire the table repeatedly in the background while the recipe runs;
        # a recipe still running after 120 s gets SIGINT (a user's Ctrl-C).
        bg = subprocess.Popen(['sh', '-c', f"for i in $(seq 300); do {fire_cmd(1)}; sleep 0.5; done"])
        script = f"/tmp/recipe-{name}.sh"
        open(script, 'w').write("set -e\ncd /tmp\n" + block)
        p = subprocess.Popen(['bash', script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, errors='replace', start_new_session=True)
        try:
            out, _ = p.communicate(timeout=120)
            rc = p.returncode
            stopped = False
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, 2)
            try:
                out, _ = p.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, 9)
                out, _ = p.communicate()
            rc, stopped = p.returncode, True
        bg.kill()
        bg.wait()
        open(f"{RES}/recipe-{name}.txt", 'w').write(out)
        # Output must mention at least one of our events or produce data.
        ok = (rc == 0 or (stopped and rc in (0, 130, -2))) and out.strip() != ''
        tap(ok, f"docs/perf.md recipe '{name}' runs" + ('' if ok else f" (exit {rc})"))
        if not ok:
            diag(out[-1500:])
            # a hist trigger or filter the kernel refused says why here
            diag('error_log: ' + rd('/sys/kernel/tracing/error_log')[-800:])


# ------------------------------------------------------- tdxtrace tools
def expected_agg(rows, pid_passes):
    """Ground truth of the BPF aggregation, computed from the table."""
    leaf = {}
    vp, ept, mp, fr, mix = {}, {}, {}, {}, {}
    for pid, passes in pid_passes.items():
        state = {}
        for _ in range(passes):
            for row in rows:
                a = row['args']
                for _ in range(row['repeat']):
                    nm = row['name']
                    if nm == 'tdx_seamcall':
                        k = (pid, a[0] & 0xffff)
                        s = leaf.setdefault(k, {'count': 0, 'sum_ns': 0, 'min_ns': None, 'max_ns': 0,
                                                'retries': 0, 'status': collections.Counter()})
                        s['count'] += 1
                        s['sum_ns'] += a[6]
                        s['min_ns'] = a[6] if s['min_ns'] is None else min(s['min_ns'], a[6])
                        s['max_ns'] = max(s['max_ns'], a[6])
                        s['retries'] += a[5]
                        s['status'][status_class(a[1])] += 1
                    elif nm == 'kvm_tdx_vp_enter_exit':
                        s = vp.setdefault(pid, {'count': 0, 'sum_ns': 0, 'max_ns': 0})
                        s['count'] += 1
                        s['sum_ns'] += a[3]
                        s['max_ns'] = max(s['max_ns'], a[3])
                    elif nm == 'kvm_tdx_ept_violation':
                        s = ept.setdefault(pid, {'shared': 0, 'private': 0, 'sum_ns': 0, 'retries': 0})
                        s['private' if a[3] else 'shared'] += 1
                        s['sum_ns'] += a[7]
                        s['retries'] += a[5]
                    elif nm == 'kvm_tdx_map_gpa':
                        s = mp.setdefault(pid, collections.Counter())
                        s['requests'] += 1
                        s['req_bytes'] += a[2]
                    elif nm == 'kvm_tdx_map_gpa_chunk':
                        s = mp.setdefault(pid, collections.Counter())
                        s['chunks'] += 1
                        s['chunk_bytes'] += a[2]
                    elif nm == 'kvm_tdx_map_gpa_done':
                        s = mp.setdefault(pid, collections.Counter())
                        s['done'] += 1
                        s['done_bytes'] += a[2]
                    elif nm == 'kvm_tdp_mmu_frozen_retry':
                        s = fr.setdefault(pid, collections.Counter())
                        s['retries'] += 1
                    elif nm == 'kvm_tdp_mmu_spte_frozen':
                        s = fr.setdefault(pid, collections.Counter())
                        s['frozen'] += 1
                        s['held_sum_ns'] += a[3]
                    elif nm == 'kvm_mmu_hugepage_mixed':
                        s = mix.setdefault(pid, collections.Counter())
                        key = (a[0], a[1])
                        old = state.get(key, 0)
                        if a[2] and not old:
                            s['to_mixed'] += 1
                        elif not a[2] and old:
                            s['to_unmixed'] += 1
                        else:
                            s['redundant'] += 1
                        state[key] = 1 if a[2] else 0
                    elif nm == 'kvm_mmu_private_map':
                        s = mix.setdefault(pid, collections.Counter())
                        s['maps' if a[2] else 'unmaps'] += 1
    return {'leaf': leaf, 'vp': vp, 'ept': ept, 'map': mp, 'frozen': fr, 'mix': mix}


def passthrough(r, what):
    """Relay a checker's TAP lines (run.sh renumbers them) and count them."""
    global n, failed
    seen = 0
    for line in r.stdout.splitlines():
        if line.startswith('ok ') or line.startswith('not ok '):
            n += 1
            seen += 1
            failed += line.startswith('not ok ')
        print(line, flush=True)
    if r.returncode not in (0, 1) or not seen:
        tap(False, f"{what} ran (exit {r.returncode})")
        diag(r.stderr[-1500:])


def check_tools(dat, dat_pid):
    checker = os.path.join(O, 'vmtest', 'vmcheck')
    bpf_obj = os.path.join(O, 'bpf', 'tdxtrace.bpf.o')
    if not os.access(checker, os.X_OK) or not os.path.exists(bpf_obj):
        tap(False, f"BPF live checks ({checker} and {bpf_obj} must be built: make vmtest builds them)")
        return
    r = run([checker, '--bpf-obj', bpf_obj, '--fire', f"{DBG}/fire", '--table', f"{DBG}/table",
             '--fire-v2', f"{DBG}/fire_v2", '--table-v2', f"{DBG}/table_v2"],
            timeout=900)
    passthrough(r, 'vmcheck (live)')
    if dat is None:
        tap(False, "replay of the trace.dat captured in the VM (no trace.dat)")
        return
    r = run([checker, '--table', f"{DBG}/table", '--replay', dat, '--replay-pid', str(dat_pid)],
            timeout=300)
    passthrough(r, 'vmcheck --replay trace.dat')


def cpu_list_count(text):
    n = 0
    for part in text.strip().split(','):
        if not part:
            continue
        a, _, b = part.partition('-')
        n += int(b or a) - int(a) + 1
    return n


def check_layout():
    """The in-kernel layout at the possible-CPU count hosts have (issue: core
    v2): bench/layout loads the aggregation (BPF engine) on the simulator at
    64 TDs x all leaves and --check asserts the memlock sum of every map and
    the bytes and CPU of a snapshot against the goals (docs/bpf.md)."""
    possible = cpu_list_count(rd('/sys/devices/system/cpu/possible'))
    want = int(os.environ.get('tdx_possible', '0') or 0)
    if want:
        tap(possible == want, f"the VM has {want} possible CPUs ({possible}; "
            f"{rd('/sys/devices/system/cpu/online').strip()} online)")
    layout = os.path.join(O, 'tools', 'layout')
    if not os.access(layout, os.X_OK):
        tap(False, f"{layout} is built (make vmtest builds it)")
        return
    out = os.path.join(RES, 'layout.json')
    r = run([layout, '--check', '--no-offline', '-o', out], timeout=600)
    for line in r.stdout.splitlines():
        diag(line)
    try:
        j = json.load(open(out))
    except (OSError, ValueError):
        tap(False, f"layout ran (exit {r.returncode}): {r.stderr[-500:]}")
        return
    mib = 1 << 20
    tap(j['possible_cpus'] == possible,
        f"layout measured at {j['possible_cpus']} possible CPUs")
    tap(j['leaf_entries'] >= 64 * 20,
        f"64 TDs x all leaves: {j['leaf_entries']} TD x leaf entries")
    tap(j['memlock_bytes'] <= 64 * mib,
        f"memlock of all tdxtrace maps {j['memlock_bytes'] / mib:.1f} MiB <= 64 MiB "
        f"at {possible} possible CPUs")
    tap(j['snapshot_bytes'] <= 8 * mib,
        f"a snapshot copies {j['snapshot_bytes'] / mib:.2f} MiB <= 8 MiB")
    # CPU time under TCG is emulation (10-20x the host's): measured, not judged
    # here; bench-layout on the host judges it (docs/bpf.md)
    diag(f"a snapshot costs {j['snapshot_cpu_ms']:.2f} ms of emulated CPU (TCG)")


def parse_v2():
    path = os.path.join(SRC, 'tests/kernel/module/events_v2.h')
    text = open(path).read()
    table = re.findall(r'X\((\w+),\s*"(\w+)",\s*"(\w+)",\s*(\d+)\)', text)
    evs = [{'id': i, 'sys': sy, 'name': nm, 'nargs': int(k)} for i, sy, nm, k in table]
    enums = [re.findall(r'^\s*TDX_V2_\w+?_ARG_(\w+),', body, re.M)
             for body in re.findall(r'enum \{\n(.*?)\};', text, re.S)]
    enums = [e for e in enums if e]
    for e, names in zip(evs, enums):
        e['args'] = [a.lower() for a in names]
        # what arg_index() matches a printed field against (as parse_abi)
        e['names'] = [{a} for a in e['args']]
    return evs


def load_table_v2():
    rows = []
    for line in rd(f"{DBG}/table_v2").splitlines():
        if not line or line.startswith('#'):
            continue
        f = line.split()
        sysname, name = f[0].split(':')
        rows.append({'sys': sysname, 'name': name, 'repeat': int(f[1]),
                     'args': [int(x, 0) for x in f[3:3 + int(f[2])]]})
    return rows


def v2_lines(text, names):
    out = []
    for line in text.splitlines():
        for mm in re.finditer(r'(?:^|\s)(?:\w+:)?(\w+):\s', line):
            if mm.group(1) in names:
                out.append((mm.group(1), line[mm.end():].strip()))
                break
    return out


# Decodes that v1 got wrong or that the v2 events promise, by table row
# (name, index of the row among that event's rows): a regex the line matches.
V2_DECODES = [
    ('tdx_seamcall', 0, r'leaf SEAMLDR\.INSTALL\b', 'P-SEAMLDR leaf decoded (v1: TDH.MNG.ADDCX)'),
    ('kvm_tdx_vp_enter_exit', 0, r'status 0x0000000000000030 SUCCESS \(success\)',
     'TD exit status 0x30 is class success (v1: warning)'),
    ('kvm_tdx_vp_enter_exit', 1, r'NON_RECOVERABLE_VCPU \(error\)',
     'NON_RECOVERABLE status is class error (v1: warning)'),
    ('kvm_tdx_busy_kick', 0, r'leaf TDH\.MEM\.PAGE\.REMOVE .*operand SEPT', 'OPERAND_BUSY operand SEPT decoded'),
    ('kvm_tdx_busy_kick', 1, r'leaf TDH\.MEM\.RANGE\.BLOCK .*operand TD_EPOCH .*OPERAND_BUSY',
     'operand TD_EPOCH and the retry status decoded'),
    ('kvm_tdx_sept_zap', 1, r'failed_leaf TDH\.MEM\.PAGE\.REMOVE .*EPT_ENTRY_STATE_INCORRECT',
     'failed zap names its SEAMCALL and status'),
    ('kvm_tdx_td_build', 2, r'cmd INIT_MEM_REGION .*nr_pages 512 measured', 'INIT_MEM_REGION measured pages'),
    ('kvm_tdx_td_build', 4, r'cmd FINALIZE_VM .*ret -5', 'FINALIZE_VM failure'),
    ('kvm_tdx_hkid_leak', 1, r'leaf TDH\.MNG\.KEY\.FREEID .*KEY_STATE_INCORRECT', 'HKID leak names the failed leaf'),
    ('kvm_tdx_tdvmcall', 0, r'leaf GetQuote status SUCCESS user_exit', 'TDVMCALL leaf and user exit'),
    ('kvm_tdx_hkid_release', 1, r'not_released', 'HKID not released'),
]


def check_v2():
    evs = parse_v2()
    byname = {e['name']: e for e in evs}
    v1names = set(BYNAME)
    missing = [f"{e['sys']}:{e['name']}" for e in evs if not os.path.isdir(ev_dir(e))]
    tap(not missing, f"v2: all {len(evs)} events of events_v2.h are in tracefs" +
        (f" (missing: {' '.join(missing)})" if missing else ''))
    if missing or not os.path.exists(f"{DBG}/table_v2"):
        tap(False, "v2: the test module has a v2 table")
        return
    # Formats of the new events: exactly the TP_PROTO arguments, by name.
    for e in evs:
        if e['name'] in v1names:
            continue
        have = [f[0] for f in format_fields(e)]
        open(f"{RES}/format-{e['name']}.txt", 'w').write(rd(ev_dir(e) + '/format'))
        tap(sorted(have) == sorted(e['args']),
            f"v2: {e['name']}: format fields are its arguments ({' '.join(e['args'])})" +
            ('' if sorted(have) == sorted(e['args']) else f"; format has {have}"))
    rows = load_table_v2()
    tap({r['name'] for r in rows} == set(byname), f"v2: the module's v2 table covers all {len(evs)} events")
    names = set(byname)

    def enable(on):
        for e in evs:
            wr(ev_dir(e) + '/enable', '1' if on else '0')

    # ftrace text: counts, values, decodes
    enable(True)
    wr(f"{TRACEFS}/trace", '')
    r = run(f"echo 1 > {DBG}/fire_v2")
    enable(False)
    text = rd(f"{TRACEFS}/trace")
    open(f"{RES}/ftrace-v2.txt", 'w').write(text)
    lines = v2_lines(text, names)
    got = collections.Counter(ev for ev, _ in lines)
    want = expected_counts(rows)
    tap(r.returncode == 0 and got == want, f"v2: ftrace text: every event fired the table's number of times "
        f"({sum(want.values())} lines)")
    if got != want:
        diag(f"want {dict(want)}\ngot  {dict(got)}")
    seq = []
    for row in rows:
        seq += [row] * row['repeat']
    mism, compared = [], 0
    for (ev, rest), row in zip(lines, seq):
        if ev != row['name']:
            mism.append(f"order: {ev} where {row['name']} was fired")
            break
        e = byname[ev]
        bases = print_bases(e)
        for k, v in kv(rest).items():
            i = arg_index(e, k)
            if i is None:
                continue
            x = num(v, bases.get(k, 0))
            if x is None:
                continue
            w = row['args'][i]
            compared += 1
            if x != w and x != s64(w) and (x & 0xffffffff) != (w & 0xffffffff):
                mism.append(f"{ev} {k}={v}, fired {w:#x}")
    tap(not mism and compared > 0, f"v2: ftrace text: {compared} numeric fields equal the fired values")
    for m in mism[:10]:
        diag(m)
    byev = collections.defaultdict(list)
    for ev, rest in lines:
        byev[ev].append(rest)
    # row index -> line index: rows of one event in order, with repeats
    for name, ri, rx, what in V2_DECODES:
        idx = 0
        k = 0
        for row in rows:
            if row['name'] != name:
                continue
            if k == ri:
                break
            idx += row['repeat']
            k += 1
        ls = byev.get(name, [])
        ok = idx < len(ls) and re.search(rx, ls[idx]) is not None
        tap(ok, f"v2: {name}: {what}")
        if not ok:
            diag(ls[idx] if idx < len(ls) else f"no line {idx} of {name}")
    kern = [rest for _, rest in lines]

    # perf stat (per task), perf record/script, trace-cmd record/report
    evargs = ','.join(f"{e['sys']}:{e['name']}" for e in evs)
    r = run(['perf', 'stat', '-x', ',', '-e', evargs, '--', 'sh', '-c', f"echo 2 > {DBG}/fire_v2"], timeout=300)
    pgot = {}
    for line in r.stderr.splitlines():
        f = line.split(',')
        if len(f) > 3 and ':' in f[2]:
            pgot[f[2].split(':')[1]] = int(f[0]) if f[0].isdigit() else f[0]
    want2 = expected_counts(rows, 2)
    ok = r.returncode == 0 and all(pgot.get(k) == v for k, v in want2.items())
    tap(ok, "v2: perf stat -e (per task): counts equal the module's (2 passes)")
    if not ok:
        diag(r.stderr[-1500:])
    evl = [a for e in evs for a in ('-e', f"{e['sys']}:{e['name']}")]
    data = '/tmp/perf-v2.data'
    r = run(['perf', 'record', '-q', '-o', data, '-a'] + evl + ['--', 'sh', '-c', f"echo 1 > {DBG}/fire_v2"],
            timeout=300)
    sp = run(['perf', 'script', '-i', data, '-F', 'event,trace'], timeout=300)
    open(f"{RES}/perf-script-v2.txt", 'w').write(sp.stdout + sp.stderr)
    perf = [rest for _, rest in v2_lines(sp.stdout, names)]
    diff = [(a, b) for a, b in zip(kern, perf) if a != b]
    tap(r.returncode == 0 and len(perf) == len(kern) and not diff,
        "v2: perf record + script: every event recorded and decoded as the kernel's trace text")
    for a, b in diff[:5]:
        diag(f"kernel: {a}\nperf:   {b}")
    if len(perf) != len(kern):
        diag(f"{len(perf)} perf lines, {len(kern)} kernel lines\n" + r.stderr[-800:] + sp.stderr[-800:])
    dat = f"{RES}/trace-v2.dat"
    r = run(['trace-cmd', 'record', '-q', '-o', dat] + evl + ['sh', '-c', f"echo 1 > {DBG}/fire_v2"],
            timeout=300, cwd='/tmp')
    st = run(['trace-cmd', 'report', '-i', dat], timeout=300)
    open(f"{RES}/trace-cmd-report-v2.txt", 'w').write(st.stdout + st.stderr)
    tc = [rest for _, rest in v2_lines(st.stdout, names)]
    diff = [(a, b) for a, b in zip(kern, tc) if a != b]
    tap(r.returncode == 0 and len(tc) == len(kern) and not diff,
        "v2: trace-cmd record + report: every event recorded and decoded as the kernel's trace text")
    for a, b in diff[:5]:
        diag(f"kernel:    {a}\ntrace-cmd: {b}")
    if len(tc) != len(kern):
        diag(f"{len(tc)} trace-cmd lines, {len(kern)} kernel lines\n" + r.stderr[-800:] + st.stderr[-800:])


# ------------------------------------------------ stock mode (issue 18)
STOCK_WRAPPERS = ['tdh_mem_track', 'tdh_mem_page_aug', 'tdh_mem_range_block', 'tdh_phymem_cache_wb']


def kallsyms(names):
    """Addresses of kernel functions, from /proc/kallsyms (root)."""
    want, got = set(names), {}
    try:
        for line in open('/proc/kallsyms'):
            a, t, nm = line.split()[:3]
            if nm in want and t in 'tT' and int(a, 16):
                got[nm] = a
    except OSError:
        pass
    return got


def bpf_links(pid):
    try:
        return sum(os.readlink(f'/proc/{pid}/fd/{fd}').startswith(('anon_inode:bpf_link',
                                                                  'anon_inode:bpf-link'))
                   for fd in os.listdir(f'/proc/{pid}/fd'))
    except OSError:
        return -1


def run_live(args, during, timeout=240):
    """Start tdxtrace ARGS (live, --json), wait until its programs are
    attached, run during(), stop it with SIGINT; return (json or None, stderr)."""
    p = subprocess.Popen([os.path.join(BIN, 'tdxtrace')] + args + ['--json'],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    t0, last, stable = time.time(), -1, 0
    while time.time() - t0 < timeout and p.poll() is None:
        k = bpf_links(p.pid)
        stable = stable + 1 if k > 0 and k == last else 0
        last = k
        if stable >= 4:
            break
        time.sleep(0.5)
    if p.poll() is None:
        during()
        time.sleep(0.5)
        p.send_signal(2)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    try:
        return json.loads(out), err
    except ValueError:
        return None, err + out[-500:]


def wrapper_results():
    res = {}
    for line in rd(f'{DBG}/seamcall_results').splitlines():
        name, leaf, calls, st = line.split()
        res[name] = {'leaf': int(leaf), 'calls': int(calls), 'status': int(st, 16)}
    return res


def check_stock(addrs):
    """Stock mode on the real tdh_*() wrappers and the upstream tracepoints:
    exact calls, leaves, statuses and a plausible latency; the series'
    tdx_seamcall tracepoint sees the same calls; conversions from
    kvm_vm_set_mem_attributes equal the module's table."""
    if not os.path.exists(f'{DBG}/seamcall'):
        tap(False, "the test module has the stock-mode files (seamcall, fire_stock)")
        return
    tap(len(addrs) == len(STOCK_WRAPPERS), f"stock: /proc/kallsyms has the wrappers ({sorted(addrs)})")
    calls = 40
    per_mode = {}
    for mode in ('stock', 'tracepoints'):
        before = wrapper_results()
        j, err = run_live(['lat', '--mode', mode], lambda: wr(f'{DBG}/seamcall', str(calls)))
        after = wrapper_results()
        if not tap(j is not None, f"stock: tdxtrace lat --mode {mode} ran on the real wrappers"):
            diag(err[-1500:])
            continue
        tap(j['source']['mode'].startswith('stock') == (mode == 'stock'),
            f"stock: --mode {mode} runs in mode '{j['source']['mode']}'")
        leaves = {l['leaf']: l for l in j.get('leaves', [])
                  if l.get('pid', os.getpid()) in (os.getpid(), 0) or 'pid' not in l}
        per_mode[mode] = {}
        for w in STOCK_WRAPPERS:
            if w not in addrs:
                continue
            made = after[w]['calls'] - before[w]['calls']
            st = after[w]['status']
            cls = status_class(st)
            l = leaves.get(after[w]['leaf'])
            got = l['count'] if l else 0
            per_mode[mode][w] = got
            tap(made == calls and got == made,
                f"stock: {mode}: {w}: {got} calls of leaf {after[w]['leaf']} seen, {made} made")
            if l:
                tap(l['status'].get(cls, 0) == made,
                    f"stock: {mode}: {w}: all {made} returned {st:#x} ({cls})")
                h = l['hist']
                tap(0 < h['min_ns'] <= h['max_ns'] < 50_000_000,
                    f"stock: {mode}: {w}: latency {h['min_ns']}..{h['max_ns']} ns, p50 {h['p50_ns']:.0f} ns")
    if 'stock' in per_mode and 'tracepoints' in per_mode:
        tap(per_mode['stock'] == per_mode['tracepoints'],
            f"stock: stock mode and the tdx_seamcall tracepoint agree on the calls "
            f"({per_mode['stock']} / {per_mode['tracepoints']})")

    # conversions: kvm:kvm_vm_set_mem_attributes with the module's values
    rows = []
    for line in rd(f'{DBG}/table_stock').splitlines():
        if line.startswith('#'):
            continue
        _, s, e, a = line.split()
        rows.append((int(s, 16), int(e, 16), int(a, 16)))
    passes = 5
    j, err = run_live(['convert', '--mode', 'stock'], lambda: wr(f'{DBG}/fire_stock', str(passes)))
    if not tap(j is not None, "stock: tdxtrace convert --mode stock ran"):
        diag(err[-1500:])
        return
    td = next((t for t in j.get('tds', []) if t['pid'] == os.getpid()), None)
    want_chunks = passes * len(rows)
    want_bytes = passes * sum((e - s) * 4096 for s, e, a in rows)
    tap(td is not None and td['chunks'] == want_chunks and td['chunk_bytes'] == want_bytes,
        f"stock: conversions from kvm_vm_set_mem_attributes: {td and td['chunks']} chunks, "
        f"{td and td['chunk_bytes']} bytes (want {want_chunks}, {want_bytes})")
    tap('FROZEN_SPTE' in err and 'hugepage mixing' in err,
        "stock: the tool says what stock mode cannot see")


def check_dmesg():
    r = run(['dmesg'])
    open(f"{RES}/dmesg.txt", 'w').write(r.stdout)


def main():
    t0 = time.time()
    print(f"# kernel {os.uname().release}, {os.cpu_count()} CPUs", flush=True)
    if os.environ.get('tdx_only') == 'layout':
        # make bench-vm-layout: only the layout at many possible CPUs (a
        # benchmark, not a test: no module, no tracing tools per CPU)
        check_layout()
        check_dmesg()
        diag(f"in-VM layout run took {time.time() - t0:.1f}s")
        print("1..%d" % n)
        return 1 if failed else 0
    # Modules to load first (harness debugging: e.g. one defining the events
    # for a kernel without the series), comma-separated.
    for pre in filter(None, os.environ.get('tdx_preload', '').split(',')):
        rp = run(['insmod', pre])
        tap(rp.returncode == 0, f"insmod {os.path.basename(pre)} (tdx_preload)")
        if rp.returncode:
            diag(rp.stderr)
    addrs = kallsyms(STOCK_WRAPPERS)
    r = run(['insmod', KO] + [f'{w}=0x{a}' for w, a in addrs.items()]) if KO else None
    loaded = r is not None and r.returncode == 0
    tap(loaded, f"insmod {os.path.basename(KO) or '(no module)'}: every tracepoint found")
    if not loaded:
        diag((r.stderr if r else 'tdx_ko not set') + '\n' + run(['dmesg']).stdout[-1500:])
    check_events_exist()
    check_formats()
    if not loaded:
        check_dmesg()
        print("1..%d" % n)
        return 1
    rows = load_table()
    covered = {r['name'] for r in rows}
    # the series-v2 events have a table of their own (table_v2, check_v2)
    v1 = set(BYNAME) - {e['name'] for e in parse_v2()} | {'tdx_seamcall', 'kvm_tdx_vp_enter_exit'}
    tap(covered == v1, f"the module's table covers all {len(v1)} v1 events ({len(rows)} rows)")
    text = check_trace_text(rows)
    check_perf_stat(rows)
    check_perf_record(rows, text)
    dat, dat_pid = check_trace_cmd(rows, text)
    check_recipes()
    check_tools(dat, dat_pid)
    check_stock(addrs)
    check_v2()
    if os.environ.get('tdx_possible'):
        # make vmtest boots with possible_cpus=256 (VMTEST_POSSIBLE)
        check_layout()
    check_dmesg()
    diag(f"in-VM tests took {time.time() - t0:.1f}s")
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
