#!/usr/bin/env bash
# td-boot.sh - one round = boot a TD to its init and power it off.
# Exercises TD creation (MNG.CREATE/KEY.CONFIG/INIT, VP.CREATE/INIT,
# PAGE.ADD + MR.EXTEND of the initial image, MR.FINALIZE), the boot-time
# private/shared conversions of the guest kernel and firmware, and teardown
# (PAGE.REMOVE/RECLAIM, KEY.FREEID).  TDXBENCH_DURATION is not used.
# QEMU command line and requirements: lib.sh, docs/benchmarks.md.
. "$(dirname "$0")/lib.sh"
tdx_check_host
tdx_run_guest 'true'
