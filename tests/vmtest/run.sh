#!/usr/bin/env bash
# run.sh - `make vmtest`: build (or reuse) the patched kernel and the test
# module, check the tracepoint prototypes in the kernel's BTF, boot the
# kernel under QEMU (TCG) with the host root read-only over virtio-9p, run
# tests/vmtest/vm-tests.sh inside, and report every check as one TAP stream
# with one summary line.  Exit 0 only if nothing failed.
#
#   tests/vmtest/run.sh            build, boot, test
#   tests/vmtest/run.sh --shell    build, boot into an interactive shell
#                                  (console on this terminal; `exit` powers off)
#
# Environment: O (tdxtrace build dir with bin/ and lib/, default build/),
# VMTEST_TIMEOUT (s, whole VM run, default 900), VMTEST_MEM (default 2G),
# VMTEST_SMP (default 2), VMTEST_MAXCPUS (QEMU -smp N,maxcpus=M; under TCG
# the kernel does not use QEMU's hot-plug slots as possible CPUs, so the
# possible-CPU count comes from possible_cpus=N on VMTEST_CMDLINE instead:
# kernel/testing's patch lets it raise the count; vmtest.mk's
# VMTEST_POSSIBLE), VMTEST_CMDLINE (appended to the kernel command line),
# plus build-kernel.sh's VMTEST_KERNEL/JOBS/UNPATCHED.
# VMTEST_IMAGE=bzImage [VMTEST_INITRD=...] boots that kernel instead of
# building one (to debug the harness; the initramfs must exec $tdx_init);
# VMTEST_KO=module to test with it, VMTEST_PRELOAD=a.ko,b.ko loaded before.
# Outputs: $O/vmtest/{console.log,results/,vmtest.tap,build.log}.
set -uo pipefail

SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
O=${O:-$SRC/build}
export SRC O
shell=0
case ${1:-} in
--shell) shell=1 ;;
"") ;;
*) echo "usage: $0 [--shell]" >&2; exit 2 ;;
esac

out=$O/vmtest
mkdir -p "$out"
tapf=$out/vmtest.tap
: >"$tapf"
n=0 pass=0 fail=0 skip=0
tap() {	# tap ok|not ok|skip "text"
	local line
	n=$((n + 1))
	case $1 in
	ok) pass=$((pass + 1)); line="ok $n - $2" ;;
	skip) skip=$((skip + 1)); line="ok $n - $2" ;;
	*) fail=$((fail + 1)); line="not ok $n - $2" ;;
	esac
	echo "$line" | tee -a "$tapf"
}
finish() {
	echo "1..$n" | tee -a "$tapf"
	echo "vmtest: $pass passed, $fail failed, $skip skipped (TAP: $tapf, console: $out/console.log)" |
		tee -a "$tapf"
	((fail == 0 && n > 0))
	exit $?
}
t0=$(date +%s)

# ---------------------------------------------------------------- build
if [[ -n ${VMTEST_IMAGE:-} ]]; then
	# Debugging the harness itself: boot this kernel image (and
	# VMTEST_INITRD) instead of building one; no test module, no BTF check.
	bzimage=$VMTEST_IMAGE
	ko=${VMTEST_KO:-}
	tap skip "kernel build # SKIP VMTEST_IMAGE=$bzimage given"
	boot_extra=" rdinit=/init tdx_init=$SRC/tests/vmtest/init.sh"
elif ! art=$(VMTEST_NEED_OBJ=0 "$SRC/tests/vmtest/build-kernel.sh" 2>"$out/build.log"); then
	sed 's/^/# /' "$out/build.log" | tail -n 30
	tap "not ok" "build the vmtest kernel (log: $out/build.log)"
	finish
fi
if [[ -z ${VMTEST_IMAGE:-} ]]; then
bzimage=$art/bzImage
boot_extra=
sed 's/^/# /' "$out/build.log"
tap ok "kernel $(sed -n 's/^version=//p' "$art/build-info") with $(grep -c '^patch=' "$art/build-info") patches: $art"
# A module not yet built for this key needs the object directory at the key:
# bring it there (incremental) and build again.
if ! ko=$("$SRC/tests/vmtest/build-module.sh" "$art" 2>"$out/module.log") &&
	grep -q 'not at key' "$out/module.log"; then
	echo "# the object directory is at another key: rebuilding it for the module" | tee -a "$tapf"
	if art=$("$SRC/tests/vmtest/build-kernel.sh" 2>>"$out/build.log"); then
		ko=$("$SRC/tests/vmtest/build-module.sh" "$art" 2>"$out/module.log")
	fi
fi
if [[ -z ${ko:-} || ! -f ${ko:-/nonexistent} ]]; then
	sed 's/^/# /' "$out/module.log" | tail -n 30
	tap "not ok" "build the test module against it"
	finish
fi
tap ok "test module built: $ko"
t_build=$(($(date +%s) - t0))
echo "# build/cache step: ${t_build}s" | tee -a "$tapf"

# ------------------------------------------------ prototypes vs events.h
obj=$(sed -n 's/^obj=//p' "$art/build-info")
btf=$art/vmlinux.btf
[[ -f $btf ]] || btf=$obj/vmlinux
if python3 "$SRC/tests/vmtest/check-btf.py" "$btf" "$SRC/include/tdxtrace/events.h" \
	>"$out/btf.txt" 2>&1; then
	sed 's/^/# /' "$out/btf.txt"
	tap ok "BTF: every btf_trace_<event> prototype has the argument count and types of events.h"
else
	sed 's/^/# /' "$out/btf.txt"
	tap "not ok" "BTF: tracepoint prototypes differ from events.h (the test module would pass wrong values)"
fi
# The series v2 events the test module fires from its second table.
if python3 "$SRC/tests/vmtest/check-btf.py" "$btf" "$SRC/tests/kernel/module/events_v2.h" \
	>"$out/btf-v2.txt" 2>&1; then
	sed 's/^/# /' "$out/btf-v2.txt"
	tap ok "BTF: every series v2 event has the argument count and types of events_v2.h"
else
	sed 's/^/# /' "$out/btf-v2.txt"
	tap "not ok" "BTF: series v2 tracepoint prototypes differ from events_v2.h"
fi
fi

# ---------------------------------------------------------------- boot
res=$out/results
rm -rf "$res"
mkdir -p "$res"
timeout_s=${VMTEST_TIMEOUT:-900}
cmdline="console=ttyS0 root=/dev/root rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=262144,cache=loose ro"
cmdline+=" init=$SRC/tests/vmtest/init.sh panic=-1 oops=panic loglevel=4 nokaslr"
cmdline+=" tdx_src=$SRC tdx_o=$O tdx_ko=$ko tdx_shell=$shell$boot_extra"
[[ -n ${VMTEST_PRELOAD:-} ]] && cmdline+=" tdx_preload=$VMTEST_PRELOAD"
[[ -n ${VMTEST_CMDLINE:-} ]] && cmdline+=" $VMTEST_CMDLINE"
smp=${VMTEST_SMP:-2}
machine=pc
if [[ -n ${VMTEST_MAXCPUS:-} ]]; then
	if ((VMTEST_MAXCPUS > 255)); then
		tap "not ok" "VMTEST_MAXCPUS=$VMTEST_MAXCPUS: QEMU TCG boots at most 255 possible CPUs (APIC IDs above 254 need KVM's x2APIC irqchip)"
		finish
	fi
	smp+=",maxcpus=$VMTEST_MAXCPUS"
fi
qemu=(qemu-system-x86_64 -machine "$machine" -cpu max -accel tcg,thread=single -m "${VMTEST_MEM:-2G}"
	-smp "$smp" -nographic -no-reboot -kernel "$bzimage" ${VMTEST_INITRD:+-initrd "$VMTEST_INITRD"} -append "$cmdline"
	-fsdev "local,id=rootfs,path=/,security_model=none,readonly=on,multidevs=remap"
	-device "virtio-9p-pci,fsdev=rootfs,mount_tag=/dev/root"
	-fsdev "local,id=results,path=$res,security_model=none,multidevs=remap"
	-device "virtio-9p-pci,fsdev=results,mount_tag=results")
echo "# ${qemu[*]}" >"$out/qemu.cmd"
if ((shell)); then
	exec "${qemu[@]}"
fi
t1=$(date +%s)
timeout --kill-after=10 "$timeout_s" "${qemu[@]}" </dev/null >"$out/console.log" 2>&1
qrc=$?
t_vm=$(($(date +%s) - t1))
echo "# VM run: ${t_vm}s (qemu exit $qrc)" | tee -a "$tapf"

if [[ ! -f $res/rc ]]; then
	grep -E 'Kernel panic|BUG:|Oops|WARNING:|Call Trace' "$out/console.log" | head -n 20 | sed 's/^/# /'
	tail -n 20 "$out/console.log" | sed 's/^/# console: /'
	((qrc == 124)) && why="timed out after ${timeout_s}s" || why="qemu exit $qrc"
	tap "not ok" "the VM ran the tests to the end ($why; console: $out/console.log)"
fi
# The VM's own TAP lines, renumbered into this stream (from the results
# share, else from the console, which init also writes them to).
vmtap=$res/tap.txt
[[ -s $vmtap ]] || vmtap=$out/console.log
if [[ -f $vmtap ]]; then
	while IFS= read -r line; do
		if [[ $line =~ ^ok\ [0-9]+\ (-\ )?(.*)$ ]]; then
			text=${BASH_REMATCH[2]}
			if [[ $text =~ \#\ *SKIP ]]; then tap skip "$text"; else tap ok "$text"; fi
		elif [[ $line =~ ^not\ ok\ [0-9]+\ (-\ )?(.*)$ ]]; then
			tap "not ok" "${BASH_REMATCH[2]}"
		elif [[ $line == \#* ]]; then
			echo "$line" | tee -a "$tapf"
		fi
	done < <(tr -d '\r' <"$vmtap")
fi
# The in-VM tests' own exit status: a crash of vm-tests.py (a traceback after
# its last TAP line) is a failure, not a shorter run.
if [[ -f $res/rc ]]; then
	vrc=$(tr -dc '0-9' <"$res/rc")
	if [[ ${vrc:-1} == 0 ]] || grep -q '^not ok' "$tapf"; then
		tap ok "the in-VM tests ended with their own verdict (rc ${vrc:-?})"
	else
		grep -h -A12 '^Traceback' "$out/console.log" | head -n 20 | sed 's/^/# /'
		tap "not ok" "the in-VM tests ended with their own verdict (rc $vrc without a failed test: vm-tests.py crashed)"
	fi
fi
# The kernel log, in two checks, so that a harness shutdown is told from a
# kernel bug (tests/vmtest/check-klog.py): (1) no BUG/WARNING/Oops/panic from
# the kernel under test, anywhere; the only thing not counted is init
# exiting after it printed "vmtest-init: done", whose panic ("Attempted to
# kill init") is the harness's; (2) the harness's own end: after "done" the
# kernel powered off ("reboot: Power down") and init did not exit.
klog=("$out/console.log")
[[ -f $res/dmesg.txt ]] && klog+=("$res/dmesg.txt")
if python3 "$SRC/tests/vmtest/check-klog.py" "${klog[@]}" >"$out/klog-check.txt"
then
	tap ok "kernel log has no BUG/WARNING/Oops from the kernel under test"
else
	sed 's/^/# /' "$out/klog-check.txt"
	grep -h -E -A5 'BUG:|WARNING:|Oops|Kernel panic' "$out/console.log" | head -n 30 | sed 's/^/# /'
	tap "not ok" "kernel log has no BUG/WARNING/Oops from the kernel under test"
fi
if [[ ! -f $res/rc ]]; then
	tap skip "the VM powered off by itself after the tests # SKIP the tests did not finish"
elif grep -q '^harness:' "$out/klog-check.txt"; then
	sed -n 's/^harness: /# /p' "$out/klog-check.txt"
	tap "not ok" "the VM powered off by itself after the tests (init exited instead: a harness bug, tests/vmtest/init.sh)"
elif grep -q '^end: done, poweroff' "$out/klog-check.txt"; then
	tap ok "the VM powered off by itself after the tests"
else
	sed -n '/vmtest-init: done/,$p' "$out/console.log" | tail -n 10 | sed 's/^/# console: /'
	tap "not ok" "the VM powered off by itself after the tests (no 'reboot: Power down' after init's end)"
fi
echo "# total: $(($(date +%s) - t0))s" | tee -a "$tapf"
finish
