#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""kcheck.py - helpers of scripts/kernel-check.sh that need more than shell.

  kcheck.py built-objs TREE CONFIG OBJ...
        print the objects of OBJ... that CONFIG (a .config) builds, by
        following the kbuild Makefiles of TREE up from each object
        (obj-$(CONFIG_X) += dir/, kvm-$(CONFIG_X86_64) += mmu/tdp_mmu.o).
  kcheck.py header-tus TREE OUTLIST
        write one translation unit per header of TREE that includes
        asm/tdx.h or asm/trace/tdx_symbols.h (arch/x86/include, include,
        arch/x86/kvm), next to the code that uses it; print "tu.o header"
        lines to OUTLIST.  The 32-bit build of kernel-check compiles them.
  kcheck.py status-class TREE
        compile the tree's tdx_status_class() (wherever the series put it)
        for the host with -m64 and -m32 and test it on statuses whose class
        is fixed by the TDX module ABI and KVM's use of it.  TAP output.
  kcheck.py leaf-decode TREE
        evaluate the leaf column of tdx:tdx_seamcall's print format as user
        space does (mask, then symbol table) for TDX module and P-SEAMLDR
        leaves.  TAP output.
  kcheck.py disasm BASE_OBJDIR PATCHED_OBJDIR EVENTS OBJ...
        for every static branch of a tracepoint named in EVENTS (a file, one
        name a line) in the patched objects: the site is a NOP, and the
        function's disabled path (the CFG from its entry with every one of
        these static branches not taken) has no more memory loads and no
        more conditional branches than the same function in the unpatched
        object.  TAP output.

Exit status: 0 if every check passed, 1 otherwise.
"""
import os
import re
import subprocess
import sys
import tempfile

# ------------------------------------------------------------ TAP
_n = 0
_failed = 0


def tap(ok, text, diag=None):
    global _n, _failed
    _n += 1
    print(("ok" if ok else "not ok"), _n, "-", text)
    if not ok:
        _failed += 1
        for line in str(diag or "").splitlines():
            print("#", line)
    return ok


def tap_end():
    print(f"1..{_n}")
    return 1 if _failed else 0


# ------------------------------------------------------------ built-objs
def read_config(path):
    cfg = {}
    for line in open(path):
        m = re.match(r'(CONFIG_\w+)=(.*)', line)
        if m:
            cfg[m.group(1)] = m.group(2)
    return cfg


def makefile_lines(d):
    for name in ("Kbuild", "Makefile"):
        p = os.path.join(d, name)
        if os.path.exists(p):
            text = open(p).read().replace("\\\n", " ")
            return text.splitlines()
    return []


def built(tree, cfg, path, depth=0):
    """Is PATH (an object 'a/b/c.o' or a directory 'a/b/') built by CFG?"""
    if depth > 12:
        return True
    top = path.rstrip('/').split('/')
    if len(top) <= 2:            # arch/x86, kernel, mm, ...: always descended
        return True
    d = os.path.dirname(path.rstrip('/'))
    rel = os.path.basename(path.rstrip('/')) + ('/' if path.endswith('/') else '')
    while d:
        for line in makefile_lines(os.path.join(tree, d)):
            m = re.match(r'\s*([\w-]+)-(\$\((CONFIG_\w+)\)|\$\(subst m,y,\$\((CONFIG_\w+)\)\)|y|m)\s*[:+]?=\s*(.*)', line)
            if not m or rel not in m.group(5).split():
                continue
            var = m.group(3) or m.group(4)
            if var and cfg.get(var) not in ('y', 'm'):
                continue
            # composite objects (kvm-y += x.o): kvm.o itself must be built
            if m.group(1) not in ('obj', 'lib', 'core', 'targets'):
                comp = os.path.join(d, m.group(1) + '.o')
                if not built(tree, cfg, comp, depth + 1):
                    continue
            return built(tree, cfg, d + '/', depth + 1)
        rel = os.path.basename(d) + '/' + rel
        d = os.path.dirname(d)
        if d.count('/') < 1:
            break
    return False


def cmd_built_objs(tree, config, objs):
    cfg = read_config(config)
    for o in objs:
        if built(tree, cfg, o):
            print(o)
    return 0


# ------------------------------------------------------------ header TUs
def cmd_header_tus(tree, outlist):
    pat = re.compile(r'#\s*include\s*[<"](asm/tdx\.h|asm/trace/tdx_symbols\.h)[>"]')
    found = []
    for root in ("arch/x86/include", "include", "arch/x86/kvm"):
        for dp, _, files in os.walk(os.path.join(tree, root)):
            for f in files:
                if not f.endswith('.h'):
                    continue
                p = os.path.join(dp, f)
                try:
                    if pat.search(open(p, errors='replace').read()):
                        found.append(os.path.relpath(p, tree))
                except OSError:
                    pass
    out = []
    for i, h in enumerate(sorted(found)):
        if h.startswith('arch/x86/kvm/'):
            d = os.path.dirname(h)
            inc = f'#include <linux/kvm_host.h>\n#include "{os.path.basename(h)}"\n'
        else:
            d = 'arch/x86/kernel'
            hdr = h.split('/include/', 1)[1] if '/include/' in h else h[len('include/'):]
            inc = f'#include <{hdr}>\n'
        tu = os.path.join(d, 'tdxtrace_hdrtest_' + re.sub(r'[^A-Za-z0-9]', '_', h[:-2]) + '.c')
        with open(os.path.join(tree, tu), 'w') as f:
            f.write(f'// SPDX-License-Identifier: GPL-2.0\n/* kernel-check: {h} on its own */\n{inc}')
        out.append(f"{tu[:-2]}.o {h}")
    with open(outlist, 'w') as f:
        f.write('\n'.join(out) + ('\n' if out else ''))
    return 0


# ------------------------------------------------------------ status class
STATUS_CASES = [
    (0x0000000000000000, 'SUCCESS', 'TDX_SUCCESS'),
    (0x0000000000000030, 'SUCCESS', 'TD exit: TDX_SUCCESS | EXIT_REASON_EPT_VIOLATION'),
    (0x000000000000000c, 'SUCCESS', 'TD exit: TDX_SUCCESS | EXIT_REASON_HLT'),
    (0x4000000100000000, 'ERROR', 'TDX_NON_RECOVERABLE_VCPU'),
    (0x4000000200000030, 'ERROR', 'TDX_NON_RECOVERABLE_TD with an exit reason'),
    (0x6000000500000000, 'ERROR', 'TDX_NON_RECOVERABLE_TD_NON_ACCESSIBLE'),
    (0x8000020000000092, 'BUSY', 'TDX_OPERAND_BUSY, operand SEPT'),
    (0x80000201000000a9, 'BUSY', 'TDX_PREVIOUS_TLB_EPOCH_BUSY'),
    (0x8000020200000000, 'BUSY', 'TDX_SYS_BUSY'),
    (0x8000020300000000, 'NO_ENTROPY', 'TDX_RND_NO_ENTROPY'),
    (0x8000000300000000, 'INTERRUPTED', 'TDX_INTERRUPTED_RESUMABLE'),
    (0x8000FF00FFFF0000, 'SW_ERROR', 'TDX_SEAMCALL_VMFAILINVALID'),
    (0x8000FF000000000d, 'SW_ERROR', 'TDX_SEAMCALL_GP'),
    (0xC0000B0000000000, 'ERROR', 'TDX_EPT_WALK_FAILED'),
    (0x0000081500000000, 'WARNING', 'TDX_KEY_CONFIGURED'),
]


def find_function(tree, name):
    """Source text of a static inline function NAME in the tree's x86 headers."""
    for rel in ("arch/x86/include/asm/trace/tdx_symbols.h", "arch/x86/include/asm/tdx.h"):
        p = os.path.join(tree, rel)
        if not os.path.exists(p):
            continue
        text = open(p).read()
        m = re.search(r'^enum tdx_status_class \{.*?\};', text, re.S | re.M)
        f = re.search(r'^static inline [\w ]+\b' + name + r'\(u64 status\)\n\{.*?^\}', text, re.S | re.M)
        if m and f:
            return rel, m.group(0), f.group(0)
    return None, None, None


def cmd_status_class(tree):
    rel, enum, func = find_function(tree, 'tdx_status_class')
    if not tap(func is not None, "tdx_status_class() and enum tdx_status_class found in the tree"):
        return tap_end()
    # The constants, as the tree defines them (asm/tdx.h, tdx_errno.h).
    defs = []
    for h in ("arch/x86/include/asm/shared/tdx_errno.h", "arch/x86/include/asm/tdx.h"):
        for line in open(os.path.join(tree, h)):
            if re.match(r'#define TDX_\w+\s', line) and '(' not in line.split(None, 2)[1]:
                defs.append(line.rstrip())
    stub = r'''
#include <stdint.h>
typedef uint64_t u64; typedef uint8_t u8; typedef uint32_t u32;
/* The kernel's definitions of the bit helpers (include/vdso/bits.h, linux/bits.h) */
#define _UL(x) (x##UL)
#define _ULL(x) (x##ULL)
#define _BITUL(x) (_UL(1) << (x))
#define _BITULL(x) (_ULL(1) << (x))
#define BIT_ULL(nr) (_ULL(1) << (nr))
#define GENMASK_ULL(h, l) (((~0ULL) - (1ULL << (l)) + 1) & (~0ULL >> (63 - (h))))
#define X86_TRAP_GP 13
#define X86_TRAP_UD 6
'''
    cases = "\n".join(f'\t{{ 0x{s:016x}ULL, TDX_STATUS_CLASS_{c} }}, /* {why} */'
                      for s, c, why in STATUS_CASES)
    prog = stub + "\n".join(defs) + "\n" + enum + "\n" + func + r'''
static const struct { u64 s; int c; } cases[] = {
''' + cases + r'''
};
#ifndef COMPILE_ONLY
#include <stdio.h>
int main(void)
{
	unsigned int i;
	int bad = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = tdx_status_class(cases[i].s);

		printf("%s 0x%016llx %d %d\n", got == cases[i].c ? "ok" : "BAD",
		       (unsigned long long)cases[i].s, got, cases[i].c);
		bad |= got != cases[i].c;
	}
	return bad;
}
#else
int tdx_status_class_of(int i);
int tdx_status_class_of(int i) { return tdx_status_class(cases[i].s); }
#endif
'''
    with tempfile.TemporaryDirectory() as td:
        c = os.path.join(td, 't.c')
        open(c, 'w').write(prog)
        for bits in ('64', '32'):
            exe = os.path.join(td, 't' + bits)
            # No 32-bit libc is needed: -m32 is compiled freestanding, and
            # run only where it links.
            cc = ['gcc', '-m' + bits, '-O2', '-Wall', '-Werror', '-Wshift-count-overflow']
            r = subprocess.run(cc + ['-ffreestanding', '-DCOMPILE_ONLY', '-c', '-o', exe + '.o', c],
                               capture_output=True, text=True)
            if not tap(r.returncode == 0, f"tdx_status_class() ({rel}) compiles with gcc -m{bits} -Werror",
                       r.stderr[-1500:]):
                continue
            r = subprocess.run(cc + ['-o', exe, c], capture_output=True, text=True)
            if r.returncode:
                print(f"# -m{bits}: not run (no {bits}-bit C library to link with)")
                continue
            r = subprocess.run([exe], capture_output=True, text=True)
            lines = r.stdout.splitlines()
            for (s, cls, why), line in zip(STATUS_CASES, lines):
                tap(line.startswith('ok '), f"-m{bits}: class of 0x{s:016x} ({why}) is {cls.lower()}", line)
    return tap_end()


# ------------------------------------------------------------ leaf decode
def cmd_leaf_decode(tree):
    p = os.path.join(tree, "arch/x86/virt/vmx/tdx/tdx_trace.h")
    if not tap(os.path.exists(p), "tdx_trace.h exists"):
        return tap_end()
    text = open(p).read()
    m = re.search(r'#define TDX_SEAMCALL_LEAF_SYMBOLS\s*\\\n(.*?)\n\n', text, re.S)
    table = {}
    if m:
        for v, name in re.findall(r'\{\s*(0x[0-9a-fA-F]+|\d+)(?:ULL|ull)?\s*,\s*"([^"]+)"\s*\}', m.group(1)):
            table[int(v, 0)] = name
    tap(bool(table), f"leaf symbol table parsed ({len(table)} leaves)")
    pm = re.search(r'__print_symbolic(?:_u64)?\(\s*__entry->leaf\s*&\s*(0x[0-9a-fA-F]+|\d+)(?:ULL|ull)?\s*,\s*'
                   r'TDX_SEAMCALL_LEAF_SYMBOLS', text)
    if not tap(pm is not None, "the print format decodes __entry->leaf through a mask and the table"):
        return tap_end()
    mask = int(pm.group(1), 0)

    def decode(fn):
        return table.get(fn & mask, f"0x{fn & mask:x}")
    for fn, want in ((0x8000000000000000, 'SEAMLDR.INFO'), (0x8000000000000001, 'SEAMLDR.INSTALL'),
                     (0x0000000000000006, 'TDH.MEM.PAGE.AUG'), (0x0000000000010016, 'TDH.VP.INIT'),
                     (0x0000000000000001, 'TDH.MNG.ADDCX'), (0x0000000000000000, 'TDH.VP.ENTER')):
        got = decode(fn)
        tap(got == want, f"leaf 0x{fn:016x} prints as {want}", f"printed as {got}")
    return tap_end()


# ------------------------------------------------------------ disassembly
INSN = re.compile(r'^\s*([0-9a-f]+):\s+((?:[0-9a-f]{2} )+)\s*(.*)$')
FUNC = re.compile(r'^([0-9a-f]+) <([^>]+)>:$')
COND_JMP = re.compile(r'^j(?!mp)[a-z]+$')


def disassemble(obj):
    """{section: {func: [(addr, size, mnemonic, operands)]}} of OBJ."""
    out = subprocess.run(['objdump', '-d', '--no-show-raw-insn', '-w', obj],
                         capture_output=True, text=True).stdout
    raw = subprocess.run(['objdump', '-d', '-w', obj], capture_output=True, text=True).stdout
    sizes = {}
    sec = None
    for line in raw.splitlines():
        m = re.match(r'^Disassembly of section (\S+):', line)
        if m:
            sec = m.group(1)
            continue
        m = INSN.match(line)
        if m:
            sizes[(sec, int(m.group(1), 16))] = len(m.group(2).split())
    funcs = {}
    sec = cur = None
    for line in out.splitlines():
        m = re.match(r'^Disassembly of section (\S+):', line)
        if m:
            sec = m.group(1)
            continue
        m = FUNC.match(line)
        if m:
            cur = m.group(2)
            funcs.setdefault(sec, {})[cur] = []
            continue
        m = re.match(r'^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$', line)
        if m and cur is not None and sec is not None:
            addr = int(m.group(1), 16)
            mn, ops = m.group(2), m.group(3)
            if mn in ('rep', 'repz', 'repnz', 'lock', 'notrack', 'bnd', 'cs', 'ds') and ops:
                mn2, _, ops = ops.partition(' ')
                mn = mn + ' ' + mn2
            funcs[sec][cur].append((addr, sizes.get((sec, addr), 1), mn, ops.strip()))
    return funcs


def jump_entries(obj):
    """[(code section, code offset, target offset, key symbol)] of __jump_table."""
    out = subprocess.run(['readelf', '-rW', obj], capture_output=True, text=True).stdout
    rel, cur = [], None
    for line in out.splitlines():
        m = re.match(r"^Relocation section '\.rela__jump_table'", line)
        if m:
            cur = rel
            continue
        if line.startswith("Relocation section"):
            cur = None
            continue
        if cur is None:
            continue
        f = line.split()
        if len(f) >= 5 and re.fullmatch(r'[0-9a-f]+', f[0]):
            off = int(f[0], 16)
            sym = f[4]
            add = int(f[6], 16) * (-1 if f[5] == '-' else 1) if len(f) >= 7 else 0
            cur.append((off, sym, add))
    by = {}
    for off, sym, add in rel:
        by[off] = (sym, add)
    ents = []
    for off in sorted(by):
        if off % 16:
            continue
        code, tgt, key = by.get(off), by.get(off + 4), by.get(off + 8)
        if code and tgt and key:
            ents.append((code[0], code[1], tgt[1], key[0]))
    return ents


def branch_target(ops):
    m = re.match(r'^([0-9a-f]+) <', ops)
    return int(m.group(1), 16) if m else None


def is_load(mn, ops):
    """An instruction that reads memory other than the stack frame (a
    spill/reload is counted apart).  Returns 'mem', 'stack' or None."""
    if mn.startswith(('lea', 'prefetch', 'data16')) or 'nop' in mn \
            or mn in ('call', 'jmp') or mn.startswith('j'):
        return None
    if mn.startswith('pop'):
        return 'stack'
    if '(' not in ops:
        return None
    # AT&T: source first.  A memory destination only is a store.
    parts = split_ops(ops)
    mem = [p for p in parts if '(' in p]
    if not mem:
        return None
    is_store_only = len(parts) >= 2 and '(' in parts[-1] and all('(' not in p for p in parts[:-1]) \
        and mn.startswith(('mov', 'set')) and not mn.startswith('movs')
    if is_store_only:
        return None
    # %rbp is a general register here (ORC unwinder, no frame pointer)
    if any(re.search(r'\(%(rsp|esp)\)', p) for p in mem):
        return 'stack'
    if any('%rip' in p for p in mem) and mn.startswith(('cmp', 'test')) is False and False:
        return 'mem'
    return 'mem'


def split_ops(ops):
    ops = ops.split('#')[0].strip()
    parts, depth, cur = [], 0, ''
    for ch in ops:
        if ch == '(':
            depth += 1
        elif ch == ')':
            depth -= 1
        if ch == ',' and depth == 0:
            parts.append(cur.strip())
            cur = ''
        else:
            cur += ch
    if cur.strip():
        parts.append(cur.strip())
    return parts


def disabled_path(insns, sites, both=()):
    """Instructions reachable from the function entry when every static
    branch at SITES (addresses) falls through; the static branches at BOTH
    (other keys, whose initial state this object does not say) are followed
    both ways, in the patched and the unpatched object alike.  In an object
    file a jump
    to another symbol (a tail call, __x86_return_thunk) is not relocated
    yet and shows the next instruction as its target: it leaves the
    function."""
    idx = {a: i for i, (a, _, _, _) in enumerate(insns)}
    seen = set()
    work = [0] if insns else []
    while work:
        i = work.pop()
        while i is not None and i < len(insns) and i not in seen:
            seen.add(i)
            a, sz, mn, ops = insns[i]
            nxt = i + 1
            t = branch_target(ops) if mn.startswith('j') else None
            if a in sites:
                i = nxt
                continue
            if a in both and t is not None and t in idx:
                work.append(idx[t])
                i = nxt
                continue
            external = t is not None and t == a + sz
            if mn in ('ret', 'retq', 'ud2', 'int3') or mn.startswith(('jmp', 'ret')):
                if t is not None and t in idx and not external:
                    work.append(idx[t])
                i = None
                continue
            if COND_JMP.match(mn):
                if t is not None and t in idx and not external:
                    work.append(idx[t])
            i = nxt
    return [insns[i] for i in sorted(seen)]


def stats(path):
    loads = sum(1 for _, _, mn, ops in path if is_load(mn, ops) == 'mem')
    stack = sum(1 for _, _, mn, ops in path if is_load(mn, ops) == 'stack')
    conds = sum(1 for _, _, mn, _ in path if COND_JMP.match(mn))
    return loads, stack, conds


def cmd_disasm(base_dir, patched_dir, events_file, objs):
    events = {l.strip() for l in open(events_file) if l.strip()}
    keysyms = {f"__tracepoint_{e}" for e in events}
    total_sites = 0
    for o in objs:
        po, bo = os.path.join(patched_dir, o), os.path.join(base_dir, o)
        if not os.path.exists(po):
            tap(False, f"{o}: patched object exists")
            continue
        ents = [e for e in jump_entries(po) if e[3] in keysyms]
        if not ents:
            continue
        pf = disassemble(po)
        bf = disassemble(bo) if os.path.exists(bo) else {}
        # every key's sites: the jump-table code offsets, per section
        allsites = {}
        for sec, code, tgt, key in jump_entries(po):
            allsites.setdefault(sec, set()).add(code)
        oursites, targets = {}, {}
        for sec, code, tgt, key in ents:
            oursites.setdefault(sec, {})[code] = key
            targets[(sec, code)] = tgt
        for sec, sites in oursites.items():
            for fname, insns in pf.get(sec, {}).items():
                lo = insns[0][0] if insns else 0
                hi = insns[-1][0] + insns[-1][1] if insns else 0
                here = {a: k for a, k in sites.items() if lo <= a < hi}
                if not here:
                    continue
                total_sites += len(here)
                at = {a: (mn, ops) for a, _, mn, ops in insns}

                # A static branch: a NOP, or (CONFIG_HAVE_JUMP_LABEL_HACK,
                # before objtool/jump_label_init() NOP it) a jmp to the
                # jump-table target.
                def is_site(a):
                    mn, ops = at.get(a, ('', ''))
                    if mn.startswith(('nop', 'xchg')):
                        return True
                    return mn == 'jmp' and branch_target(ops) == targets.get((sec, a))
                bad = [f"{a:#x} {' '.join(at.get(a, ('?', '')))} ({k[len('__tracepoint_'):]})"
                       for a, k in here.items() if not is_site(a)]
                tap(not bad, f"{o}: {fname}: {len(here)} static branch(es) of the series, "
                             f"each a jump-label NOP site", '\n'.join(bad))
                # disabled path: the series' static branches fall through,
                # those of other keys are followed both ways
                psites = {a for a in allsites.get(sec, set()) if lo <= a < hi}
                pp = stats(disabled_path(insns, set(here), psites - set(here)))
                binsns = bf.get(sec, {}).get(fname)
                if binsns is None:
                    tap(True, f"{o}: {fname}: new function, no unpatched counterpart "
                              f"(disabled path: {pp[0]} loads, {pp[2]} conditional branches)")
                    continue
                blo = binsns[0][0]
                bhi = binsns[-1][0] + binsns[-1][1]
                bsites = {a for a in {c for s, c, _, _ in jump_entries(bo) if s == sec} if blo <= a < bhi}
                bp = stats(disabled_path(binsns, set(), bsites))
                ok = pp[0] <= bp[0] and pp[2] <= bp[2]
                tap(ok, f"{o}: {fname}: disabled path adds no load and no branch "
                        f"(loads {bp[0]}->{pp[0]}, stack reloads {bp[1]}->{pp[1]}, "
                        f"conditional branches {bp[2]}->{pp[2]})")
    tap(total_sites > 0, f"static branches of the series found in the objects ({total_sites})")
    return tap_end()


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == 'built-objs' and len(args) >= 2:
        return cmd_built_objs(args[0], args[1], args[2:])
    if cmd == 'header-tus' and len(args) == 2:
        return cmd_header_tus(*args)
    if cmd == 'status-class' and len(args) == 1:
        return cmd_status_class(args[0])
    if cmd == 'leaf-decode' and len(args) == 1:
        return cmd_leaf_decode(args[0])
    if cmd == 'disasm' and len(args) >= 3:
        return cmd_disasm(args[0], args[1], args[2], args[3:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
