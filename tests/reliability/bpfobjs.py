#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""bpfobjs.py - BPF programs, maps and links of tdxtrace that no process holds.

  bpfobjs.py NAMES_FROM.bpf.o snap OUT.json     record the tdxtrace objects now
  bpfobjs.py NAMES_FROM.bpf.o leaks BEFORE.json list new unheld ones; exit 1 if any

tdxtrace's objects are recognised by name: the program and map names of the
BPF object file (from its BTF, truncated to the kernel's 15 characters) and
libbpf's internal maps ("tdxtrace.*").  An object is held when some process
has an fd of it (/proc/*/fdinfo: prog_id, map_id, link_id), or when it is a
map of a held program or the program of a held link.  Objects of other
people's concurrent runs are held by their processes; an object that is new
since BEFORE and held by nobody was leaked (pinned, or attached with no owner).
`leaks` retries for a few seconds: the kernel frees closed objects lazily.
"""
import glob
import json
import re
import subprocess
import sys
import time


def names_of(obj):
    out = subprocess.run(["bpftool", "btf", "dump", "file", obj], capture_output=True,
                         text=True).stdout
    names = set()
    for m in re.finditer(r"^\[\d+\] (?:FUNC|VAR) '([^']+)'", out, re.M):
        names.add(m.group(1)[:15])
    return names


def ours(name, names):
    return name in names or name.startswith("tdxtrace.") or name.startswith("tdxtrac")


def bpftool(kind):
    r = subprocess.run(["bpftool", "-j", kind, "show"], capture_output=True, text=True)
    try:
        return json.loads(r.stdout or "[]")
    except ValueError:
        return []


def snapshot(names):
    progs = {p["id"]: p for p in bpftool("prog")}
    maps = {m["id"]: m for m in bpftool("map")}
    links = {link["id"]: link for link in bpftool("link")}
    held_p, held_m, held_l = set(), set(), set()
    for f in glob.glob("/proc/[0-9]*/fdinfo/*"):
        try:
            txt = open(f).read()
        except OSError:
            continue
        for key, s in (("prog_id", held_p), ("map_id", held_m), ("link_id", held_l)):
            m = re.search(r"^%s:\s*(\d+)" % key, txt, re.M)
            if m:
                s.add(int(m.group(1)))
    for lid in held_l:
        if lid in links and "prog_id" in links[lid]:
            held_p.add(links[lid]["prog_id"])
    for pid in held_p:
        held_m.update(progs.get(pid, {}).get("map_ids", []))
    objs = {}
    for kind, d in (("prog", progs), ("map", maps)):
        for i, o in d.items():
            if ours(o.get("name", ""), names):
                objs["%s:%d" % (kind, i)] = {"name": o.get("name"),
                                             "held": i in (held_p if kind == "prog" else held_m)}
    for i, link in links.items():
        if "%s:%d" % ("prog", link.get("prog_id", -1)) in objs:
            objs["link:%d" % i] = {"name": "link of prog %d" % link["prog_id"], "held": i in held_l}
    pins = sorted(glob.glob("/sys/fs/bpf/**", recursive=True))
    return {"objs": objs, "pins": pins}


def main():
    names = names_of(sys.argv[1])
    if sys.argv[2] == "snap":
        json.dump(snapshot(names), open(sys.argv[3], "w"))
        return 0
    before = json.load(open(sys.argv[3]))
    for _ in range(20):
        now = snapshot(names)
        leaked = {k: v for k, v in now["objs"].items() if k not in before["objs"] and not v["held"]}
        pins = sorted(set(now["pins"]) - set(before["pins"]))
        if not leaked and not pins:
            return 0
        time.sleep(0.25)
    for k, v in sorted(leaked.items()):
        print("leaked %s (%s)" % (k, v["name"]))
    for p in pins:
        print("new pin %s" % p)
    return 1


if __name__ == "__main__":
    sys.exit(main())
