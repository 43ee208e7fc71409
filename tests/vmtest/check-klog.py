#!/usr/bin/env python3
"""check-klog.py - read the vmtest VM's kernel log: a bug in the kernel under
test, or the harness's own shutdown?

    check-klog.py console.log [dmesg.txt]

Prints one line per finding:
    kernel: LINE     a BUG/WARNING/Oops/panic line of the kernel under test
    harness: LINE    init (tests/vmtest/init.sh) exited after its last line
                     "vmtest-init: done": the kernel's "Attempted to kill
                     init" panic and its trace are the harness's, not a bug
    end: done|no-done, poweroff|no-poweroff
                     whether init reached its end, and whether the kernel
                     then powered off ("reboot: Power down")
Exit status 1 if any "kernel:" line was printed, else 0.
"""
import re
import sys

BAD = re.compile(r'BUG:|WARNING:|Oops|Kernel panic|general protection fault')
DONE = 'vmtest-init: done'
INIT_EXIT = 'Kernel panic - not syncing: Attempted to kill init'
BLOCK_END = 'end Kernel panic'


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    found, harness = [], []
    done = poweroff = False
    for i, path in enumerate(argv[1:]):
        console = i == 0
        try:
            with open(path, errors='replace') as f:
                lines = [l.rstrip('\r\n') for l in f]
        except OSError:
            continue
        in_init_exit = False
        for l in lines:
            if console and DONE in l:
                done = True
            if in_init_exit:
                if BLOCK_END in l:
                    in_init_exit = False
                continue
            if console and done and INIT_EXIT in l:
                harness.append(l)
                in_init_exit = True
                continue
            if console and done and 'reboot: Power down' in l:
                poweroff = True
            if BAD.search(l):
                found.append(l)
    for l in found[:20]:
        print('kernel:', l)
    for l in harness:
        print('harness:', l)
    print('end: %s, %s' % ('done' if done else 'no-done', 'poweroff' if poweroff else 'no-poweroff'))
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
