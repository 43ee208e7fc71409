#!/usr/bin/env bash
# td-contention.sh - one round = vCPU contention: TDX_VCPUS (default 16)
# vCPUs first-touch memory at the same time for TDXBENCH_DURATION seconds,
# so faults land in the same 2M ranges and Secure-EPT page tables: vCPUs
# meet FROZEN_SPTE and retry, PAGE.AUG/SEPT.ADD can fail with OPERAND_BUSY.
TDX_VCPUS=${TDX_VCPUS:-16}
. "$(dirname "$0")/lib.sh"
tdx_check_host
mem_mib=$(( $(numfmt --from=iec "$TDX_MEM") / 1048576 ))
per=$(( mem_mib / 2 / TDX_VCPUS ))
tdx_run_guest "
i=0
while [ \$i -lt $TDX_VCPUS ]; do
	timeout \$DURATION dd if=/dev/zero of=/dev/shm/f\$i bs=64k count=$((per * 16)) 2>/dev/null &
	i=\$((i + 1))
done
wait"
