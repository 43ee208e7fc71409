#!/usr/bin/env bash
# lib.sh - shared part of the TDX-host workloads of `tdxbench run` (sourced).
#
# Each workload boots one TD with QEMU from a throw-away initramfs (busybox)
# whose /init runs the workload's guest commands and powers off.  One run of
# a script is one round; tdxbench runs it with TDXBENCH_DURATION (seconds)
# and TDXBENCH_ROUND set, and collects the aggregation while it runs.
#
# Needs, on a TDX host (kernel with KVM_INTEL_TDX, TDX module initialised):
#   QEMU with TDX support (upstream >= 10.1), a TDX-capable OVMF (TDVF),
#   a guest kernel with CONFIG_INTEL_TDX_GUEST, busybox-static, cpio.
# Environment (defaults in brackets):
#   TDX_QEMU [qemu-system-x86_64]   TDX_BIOS [/usr/share/ovmf/OVMF.inteltdx.fd]
#   TDX_KERNEL [/boot/vmlinuz-$(uname -r)]   TDX_VCPUS [4]   TDX_MEM [4G]
#   TDX_EXTRA (more QEMU arguments)           TDX_APPEND (more kernel arguments)
#
# The QEMU command line (see docs/benchmarks.md):
#   qemu-system-x86_64 -accel kvm -cpu host -smp N -m MEM
#     -object '{"qom-type":"tdx-guest","id":"tdx0"}'
#     -machine q35,kernel-irqchip=split,confidential-guest-support=tdx0,hpet=off
#     -bios TDVF -kernel BZIMAGE -initrd INITRD -append "console=ttyS0 ..."
#     -nographic -nodefaults -serial stdio -no-reboot
# This cannot run on a machine without TDX (the tdxtrace CI has none): there,
# use `tdxbench run sim:SCENARIO`.
set -euo pipefail

TDX_QEMU=${TDX_QEMU:-qemu-system-x86_64}
TDX_BIOS=${TDX_BIOS:-/usr/share/ovmf/OVMF.inteltdx.fd}
TDX_KERNEL=${TDX_KERNEL:-/boot/vmlinuz-$(uname -r)}
TDX_VCPUS=${TDX_VCPUS:-4}
TDX_MEM=${TDX_MEM:-4G}
TDXBENCH_DURATION=${TDXBENCH_DURATION:-10}

die() { echo "${0##*/}: $*" >&2; exit 1; }

tdx_check_host() {
	[[ -e /dev/kvm ]] || die "no /dev/kvm"
	if [[ -r /sys/module/kvm_intel/parameters/tdx ]] &&
	   [[ $(cat /sys/module/kvm_intel/parameters/tdx) != Y ]]; then
		die "kvm_intel.tdx is off (load kvm_intel with tdx=1)"
	fi
	[[ -r /sys/module/kvm_intel/parameters/tdx ]] || die "this KVM has no TDX support"
	[[ -r $TDX_BIOS ]] || die "no TDVF firmware at $TDX_BIOS (set TDX_BIOS)"
	[[ -r $TDX_KERNEL ]] || die "no guest kernel at $TDX_KERNEL (set TDX_KERNEL)"
	command -v "$TDX_QEMU" >/dev/null || die "no $TDX_QEMU"
	command -v busybox >/dev/null || die "busybox (busybox-static) is needed for the guest"
}

# tdx_run_guest 'guest shell commands': build an initramfs whose init runs
# the commands (with DURATION set) and powers off, then boot the TD.
tdx_run_guest() {
	local cmds=$1 dir rc=0
	dir=$(mktemp -d /tmp/tdxbench-td.XXXXXX)
	mkdir -p "$dir/root/bin" "$dir/root/proc" "$dir/root/sys" "$dir/root/dev" \
		"$dir/root/tmp" "$dir/root/dev/shm"
	cp "$(command -v busybox)" "$dir/root/bin/busybox"
	cat >"$dir/root/init" <<EOS
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin DURATION=$TDXBENCH_DURATION
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mkdir -p /dev/shm; mount -t tmpfs -o size=90% tmpfs /dev/shm
$cmds
echo TDXBENCH-GUEST-DONE
poweroff -f
EOS
	chmod +x "$dir/root/init"
	(cd "$dir/root" && find . | cpio -o -H newc --quiet | gzip -1) >"$dir/initrd.gz"
	timeout --kill-after=10 $((TDXBENCH_DURATION * 3 + 120)) \
	"$TDX_QEMU" -accel kvm -cpu host -smp "$TDX_VCPUS" -m "$TDX_MEM" \
		-object '{"qom-type":"tdx-guest","id":"tdx0"}' \
		-machine q35,kernel-irqchip=split,confidential-guest-support=tdx0,hpet=off \
		-bios "$TDX_BIOS" -kernel "$TDX_KERNEL" -initrd "$dir/initrd.gz" \
		-append "console=ttyS0 panic=-1 ${TDX_APPEND:-}" \
		-nographic -nodefaults -serial stdio -no-reboot ${TDX_EXTRA:-} \
		>"$dir/console.log" 2>&1 || rc=$?
	if ! grep -q TDXBENCH-GUEST-DONE "$dir/console.log"; then
		echo "${0##*/}: the TD did not finish (exit $rc); console:" >&2
		tail -n 30 "$dir/console.log" >&2
		rm -rf "$dir"
		return 1
	fi
	rm -rf "$dir"
}
