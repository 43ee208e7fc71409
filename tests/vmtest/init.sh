#!/bin/bash
# init.sh - PID 1 of the vmtest VM (tests/vmtest/run.sh boots it with init=).
#
# The root is the host's, read-only over virtio-9p.  This script mounts the
# kernel file systems and writable tmpfs scratch space (host paths under /tmp
# that the tests need are bound back), mounts the results share (9p tag "results"),
# then runs the in-VM tests, or a shell when booted with tdx_shell=1, and
# powers the VM off.  Settings come from the kernel command line as
# environment variables (tdx_src, tdx_o, tdx_ko, tdx_shell).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp LANG=C LC_ALL=C TERM=${TERM:-linux}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm 2>/dev/null
mount -t devpts devpts /dev/pts 2>/dev/null
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
# /tmp becomes a tmpfs; the host directories the tests need (the clone, the
# build directory, the test module) may live under the host's /tmp (a CI
# clone, a cache in /tmp): bind them back from the read-only root.
mkdir -p /run/hosttmp
mount --bind /tmp /run/hosttmp
mount -t tmpfs -o mode=1777 tmpfs /tmp
# Which paths to bind back is decided by what the tmpfs hid, not by their names.
for p in "${tdx_src:-}" "${tdx_o:-}" "${tdx_ko%/*}"; do
	[[ -n $p && ! -e $p ]] || continue
	h=/run/hosttmp/${p#/tmp/}
	{ [[ -e $h ]] && mkdir -p "$p" && mount --bind "$h" "$p"; } ||
		echo "vmtest-init: cannot bind the host's $p" >&2
done
mount -t tmpfs tmpfs /var/tmp 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
mkdir -p /tmp/results
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results /tmp/results ||
	echo "vmtest-init: cannot mount the results share" >&2
ulimit -l unlimited
hostname tdxtrace-vm

cd /tmp || exit 1
if [[ ${tdx_shell:-0} == 1 ]]; then
	echo "vmtest-init: shell (exit or Ctrl-D powers the VM off)"
	setsid -c bash -i </dev/ttyS0 >/dev/ttyS0 2>&1
	rc=0
else
	"$tdx_src/tests/vmtest/vm-tests.py" 2>&1 | tee /tmp/results/tap.txt
	rc=${PIPESTATUS[0]}
fi
echo "$rc" >/tmp/results/rc
sync
# The end must not need the root file system: once the kernel powers off,
# the 9p root goes away under anything still starting from it (a `sleep`
# failed there with EIO, init exited and the kernel panicked).  busybox (or
# poweroff) -f calls reboot(2) from a program already loaded and does not
# return; should neither run, sysrq 'o' and bash builtins only, and PID 1
# never exits.  run.sh reads this line as the end of the tests.
echo "vmtest-init: done (rc=$rc), powering off"
busybox poweroff -f 2>/dev/null
poweroff -f 2>/dev/null
echo o >/proc/sysrq-trigger
while :; do
	read -r -t 1 _ <>/dev/console
done
