#!/usr/bin/env bash
# test_klog_check.sh - tests/vmtest/check-klog.py tells a harness shutdown
# from a kernel bug, on console logs shaped like the VM's (no VM needed).
set -uo pipefail
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
chk=$SRC/tests/vmtest/check-klog.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
ok() {
	n=$((n + 1))
	if [[ $1 == 0 ]]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
# expect NAME WANT_RC WANT_GREP: run the check on $tmp/NAME.log
expect() {
	local out rc
	out=$(python3 "$chk" "$tmp/$1.log" 2>&1)
	rc=$?
	[[ $rc == "$2" ]] && grep -qE -- "$3" <<<"$out"
	ok $? "$1: exit $rc (want $2), $(tr '\n' ';' <<<"$out" | head -c 160)"
}
tests_ran() {
	cat <<'L'
[    3.101] tdxtrace_test: loading out-of-tree module taints kernel.
ok 1 - every event of events.h is in tracefs
ok 64 - vmcheck: loader end to end
L
}

{ tests_ran; cat <<'L'
vmtest-init: done (rc=0), powering off
[   90.200] reboot: Power down
L
} >"$tmp/clean.log"
expect clean 0 '^end: done, poweroff$'

# The flaky end of issue 15: sysrq o, then a program from the 9p root.
{ tests_ran; cat <<'L'
vmtest-init: done (rc=0), powering off
[   90.100] sysrq: Power Off
/tdxtrace/tests/vmtest/init.sh: line 57: /usr/bin/sleep: Input/output error
[   90.300] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00007e00
[   90.301] CPU: 1 PID: 1 Comm: init.sh Tainted: G           O       7.2.13 #1
[   90.302] Call Trace:
[   90.303]  <TASK>
[   90.304]  dump_stack_lvl+0x47/0x60
[   90.305]  panic+0x33b/0x360
[   90.306]  do_exit+0x9a4/0xb60
[   90.307]  </TASK>
[   90.308] ---[ end Kernel panic - not syncing: Attempted to kill init! exitcode=0x00007e00 ]---
L
} >"$tmp/init-exit.log"
expect init-exit 0 '^harness: .*Attempted to kill init'
out=$(python3 "$chk" "$tmp/init-exit.log")
! grep -q '^kernel:' <<<"$out"; ok $? "init-exit: the harness's panic is not reported as the kernel's"

{ cat <<'L'
[    5.000] ------------[ cut here ]------------
[    5.001] WARNING: CPU: 0 PID: 212 at arch/x86/kvm/vmx/tdx.c:1234 tdx_vcpu_run+0x12/0x40
L
	tests_ran; echo "vmtest-init: done (rc=0), powering off"; echo "[   90.200] reboot: Power down"
} >"$tmp/warn.log"
expect warn 1 '^kernel: .*WARNING: CPU: 0 PID: 212 at arch/x86/kvm/vmx/tdx.c'

# A bug during the shutdown is still the kernel's, even after init's end.
{ tests_ran; cat <<'L'
vmtest-init: done (rc=0), powering off
[   90.150] BUG: kernel NULL pointer dereference, address: 0000000000000008
[   90.151] Oops: 0000 [#1] PREEMPT SMP NOPTI
[   90.160] Kernel panic - not syncing: Fatal exception
L
} >"$tmp/shutdown-bug.log"
expect shutdown-bug 1 '^kernel: .*BUG: kernel NULL pointer'
out=$(python3 "$chk" "$tmp/shutdown-bug.log")
grep -q '^kernel: .*Fatal exception' <<<"$out"; ok $? "shutdown-bug: the oops's panic is the kernel's too"

# init dying before its end is not excused.
{ echo "ok 1 - every event of events.h is in tracefs"
	echo "[   20.000] Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b"
} >"$tmp/init-died-early.log"
expect init-died-early 1 '^end: no-done, no-poweroff$'

{ tests_ran; echo "vmtest-init: done (rc=0), powering off"; } >"$tmp/hang.log"
expect hang 0 '^end: done, no-poweroff$'
echo "1..$n"
