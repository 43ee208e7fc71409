#!/usr/bin/env bash
# td-memtouch.sh - one round = a TD that writes TDX_TOUCH_MIB (default: half
# of TDX_MEM) of fresh memory for up to TDXBENCH_DURATION seconds: every
# first touch of a private page is an EPT violation that KVM resolves with
# TDH.MEM.PAGE.AUG (and SEPT.ADD for new page-table pages).
. "$(dirname "$0")/lib.sh"
tdx_check_host
mem_mib=$(( $(numfmt --from=iec "$TDX_MEM") / 1048576 ))
touch_mib=${TDX_TOUCH_MIB:-$((mem_mib / 2))}
tdx_run_guest "timeout \$DURATION dd if=/dev/zero of=/dev/shm/fill bs=1M count=$touch_mib 2>/dev/null; true"
