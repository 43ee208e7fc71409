#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""mkrec.py - write a tdxtrace record file from the byte layout in
docs/sources.md / tools/lib/recfile.c, independently of the C writer, so the
reliability tests and fuzz seeds can hold what the tools never write
themselves (lost-event blocks, many TDs, odd shapes).

  mkrec.py OUT [--tds N] [--events-per-td K] [--lost N[@POS]]... [--block K]
           [--step NS] [--start NS]

Events are tdx_seamcall records (kind 1, 7 args) of leaf TDH.MEM.PAGE.AUG
(leaf 6), status 0, duration 1000 + i ns (or with --kind vp_enter,
kvm_tdx_vp_enter_exit records, --kind ept kvm_tdx_ept_violation records at
level i % 4), round-robin over pids 1000..1000+N-1.  --lost N@POS writes a lost block of N events after
POS events (default: after all of them), stamped with the time of the last
event before it.  Events are --step ns apart (default 100) from --start
(the header start_ns, default 1 ms).  Prints "events E lost L".
"""
import argparse
import struct
import sys
import zlib


def crc(b):
    return zlib.crc32(b) & 0xffffffff


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--tds", type=int, default=2)
    ap.add_argument("--events-per-td", type=int, default=10)
    ap.add_argument("--lost", action="append", default=[])
    ap.add_argument("--block", type=int, default=64)
    ap.add_argument("--leaf", type=int, default=6)
    ap.add_argument("--kind", choices=["seamcall", "vp_enter", "ept"], default="seamcall")
    ap.add_argument("--step", type=int, default=100, help="ns between events")
    ap.add_argument("--start", type=int, default=1_000_000, help="header start_ns")
    a = ap.parse_args()

    evs = []
    ts = 1_000_000
    for i in range(a.events_per_td):
        for t in range(a.tds):
            ts += a.step
            if a.kind == "seamcall":
                kind, nargs, args = 1, 7, [a.leaf, 0, 0x1000, 0x2000 * i, 0, 0, 1000 + i, 0]
            elif a.kind == "vp_enter":  # vcpu, status, exit_reason (48 = EPT violation), duration
                kind, nargs, args = 2, 4, [0, 0, 48, 1000 + i, 0, 0, 0, 0]
            else:   # kvm_tdx_ept_violation: vcpu gpa exit_qual private level retries result duration;
                    # level i % 4 (0 = unmapped afterwards), private
                kind, nargs, args = 3, 8, [0, 0x1000 * i, 0, 1, i % 4, 0, 0, 1000 + i]
            evs.append(struct.pack("<QIIHHHH8Q", ts, 1000 + t, 1000 + t, kind, t % 4, nargs, 0, *args))
    lost = []
    for spec in a.lost:
        n, _, pos = spec.partition("@")
        lost.append((int(pos) if pos else len(evs), int(n)))

    ntd = min(a.tds, 1024)
    hsize = 304 + ntd * 40 + 4
    h = bytearray(hsize)
    h[0:8] = b"TDXTRACE"
    struct.pack_into("<IIII", h, 8, 1, hsize, 88, 1)
    struct.pack_into("<QQ", h, 24, a.start, 0)
    h[40:40 + 8] = b"mkrec.py"
    h[104:104 + 5] = b"Linux"
    struct.pack_into("<II", h, 296, ntd, 0)
    for t in range(ntd):
        struct.pack_into("<II", h, 304 + t * 40, 1000 + t, 1)
        name = b"qemu-td%d" % t
        h[304 + t * 40 + 8:304 + t * 40 + 8 + len(name)] = name
    struct.pack_into("<I", h, hsize - 4, crc(bytes(h[:hsize - 4])))

    out = bytearray(h)
    seq = 0

    def block(btype, count, payload):
        nonlocal seq
        bh = bytearray(32)
        struct.pack_into("<IIIIQI", bh, 0, 0x4b4c4254, btype, count, len(payload), seq, crc(payload))
        struct.pack_into("<I", bh, 28, crc(bytes(bh[:28])))
        out.extend(bh)
        out.extend(payload)
        seq += 1

    i = 0
    total_lost = 0
    while i <= len(evs):
        for pos, n in lost:
            if pos == i:
                # the loss's time: the last event before it (as the C writer)
                lts = struct.unpack_from("<Q", evs[i - 1])[0] if i else a.start
                block(2, 1, struct.pack("<QQ", n, lts))
                total_lost += n
        if i == len(evs):
            break
        end = len(evs)
        for pos, _ in lost:
            if i < pos < end:
                end = pos
        end = min(end, i + a.block)
        block(1, end - i, b"".join(evs[i:end]))
        i = end
    first = struct.unpack_from("<Q", evs[0])[0] if evs else 0
    last = struct.unpack_from("<Q", evs[-1])[0] if evs else 0
    t = bytearray(56)
    struct.pack_into("<IIQQQQQI", t, 0, 0x444e4554, 1, len(evs), total_lost, seq, first, last, 0)
    struct.pack_into("<I", t, 52, crc(bytes(t[:52])))
    out.extend(t)
    with open(a.out, "wb") as f:
        f.write(out)
    print(f"events {len(evs)} lost {total_lost}")


if __name__ == "__main__":
    sys.exit(main())
