#!/usr/bin/env python3
"""check-btf.py VMLINUX EVENTS_H - compare each tdxtrace tracepoint's
prototype in the kernel's BTF (typedef btf_trace_<name>) with events.h.

events.h fixes every tracepoint's TP_PROTO argument count (TDX_EVENT_TABLE)
and, in the comment of each argument enum entry, its C type (u64, u32, int,
bool, s64).  This reads both and the BTF (through `bpftool -j btf dump`) and
checks count, size and signedness of every argument.  The test module fires
the tracepoints with the events.h prototypes, so this is what makes its
values trustworthy.  Exit 1 on any difference.
"""
import json
import re
import subprocess
import sys

vmlinux, events_h = sys.argv[1], sys.argv[2]
text = open(events_h).read()

# TDX_EVENT_TABLE rows: X(ID, lower, "sys", "name", nargs)
table = re.findall(r'X\((\w+),\s*\w+,\s*"(\w+)",\s*"(\w+)",\s*(\d+)\)', text)
# Argument tables: A(c, FIELD, "names", type, fmt, "doc") rows, in order.
enums = []
for ev, _, _, _ in table:
    m = re.search(r'#define TDX_%s_ARGS\(A, c\)(.*?)\n\n' % ev, text, re.S)
    enums.append(re.findall(r'A\(c, (\w+),\s*"[^"]*",\s*(\w+),', m.group(1)) if m else [])
if not all(enums):
    print(f"events.h: {len(table)} events, argument tables missing for "
          f"{[t[0] for t, e in zip(table, enums) if not e]}")
    sys.exit(1)

WANT = {'u64': (8, False), 's64': (8, True), 'u32': (4, False), 'int': (4, True),
        'bool': (1, None), 'u16': (2, False), 'u8': (1, False)}

out = subprocess.run(['bpftool', '-j', 'btf', 'dump', 'file', vmlinux],
                     check=True, capture_output=True, text=True).stdout
types = {t['id']: t for t in json.loads(out)['types']}
by_name = {t.get('name'): t for t in types.values() if t['kind'] == 'TYPEDEF'}


def resolve(tid):
    while True:
        t = types.get(tid)
        if t is None:
            return ('void', 0, None)
        if t['kind'] in ('TYPEDEF', 'CONST', 'VOLATILE', 'RESTRICT', 'TYPE_TAG'):
            tid = t['type_id']
            continue
        if t['kind'] == 'INT':
            enc = t.get('encoding', '')
            signed = None if enc == 'BOOL' else enc == 'SIGNED'
            return (t['name'], t['size'], signed)
        if t['kind'] == 'ENUM':
            return ('enum ' + t.get('name', ''), t['size'], False)
        return (t['kind'].lower(), 8 if t['kind'] == 'PTR' else 0, None)


bad = 0
for (ev, sysname, name, nargs), args in zip(table, enums):
    td = by_name.get('btf_trace_' + name)
    if td is None:
        print(f"{sysname}:{name}: no btf_trace_{name} in the kernel's BTF (tracepoint missing)")
        bad += 1
        continue
    ptr = types[td['type_id']]
    proto = types[ptr['type_id']]
    params = proto['params'][1:]  # [0] is void *__data
    got = [resolve(p['type_id']) for p in params]
    if len(params) != int(nargs) or len(args) != int(nargs):
        print(f"{sysname}:{name}: {len(params)} arguments in BTF, {nargs} in TDX_EVENT_TABLE, "
              f"{len(args)} in its enum")
        bad += 1
        continue
    desc = []
    for (aname, atype), (tname, size, signed) in zip(args, got):
        wsize, wsigned = WANT.get(atype, (None, None))
        ok = wsize == size and (wsigned == signed)
        desc.append(f"{tname}" + ("" if ok else f"(!={atype})"))
        if not ok:
            bad += 1
    print(f"{sysname}:{name}({', '.join(desc)})")
sys.exit(1 if bad else 0)
