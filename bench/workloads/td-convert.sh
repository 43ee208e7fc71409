#!/usr/bin/env bash
# td-convert.sh - one round = a conversion storm (MapGPA) for
# TDXBENCH_DURATION seconds: the guest unbinds and rebinds its virtio-blk
# driver in a loop; every bind allocates DMA-coherent vrings, which a TDX
# guest converts to shared (MapGPA to shared), and every unbind frees them
# (MapGPA back to private), so KVM exits to QEMU with KVM_HC_MAP_GPA_RANGE
# and zaps the old mappings.  Needs a guest kernel with virtio_blk built in.
. "$(dirname "$0")/lib.sh"
tdx_check_host
img=$(mktemp /tmp/tdxbench-disk.XXXXXX)
truncate -s 64M "$img"
trap 'rm -f "$img"' EXIT
export TDX_EXTRA="${TDX_EXTRA:-} -drive file=$img,if=none,id=d0,format=raw -device virtio-blk-pci,drive=d0"
tdx_run_guest '
d=$(basename $(readlink /sys/block/vda/device 2>/dev/null) 2>/dev/null)
[ -n "$d" ] || { echo "no virtio disk in the guest" >&2; d=none; }
end=$(( $(date +%s) + DURATION ))
while [ "$d" != none ] && [ $(date +%s) -lt $end ]; do
	echo $d > /sys/bus/virtio/drivers/virtio_blk/unbind
	echo $d > /sys/bus/virtio/drivers/virtio_blk/bind
done'
