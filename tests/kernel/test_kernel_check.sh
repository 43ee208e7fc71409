#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# test_kernel_check.sh - the fast tier of `make kernel-check`, in TAP.
#
# Runs scripts/kernel-check.sh --fast --tap: every patch of kernel/series is
# applied with `git am` and checked with checkpatch.pl --strict on 7.2 and 7.3,
# and the final state is W=1-compiled on 7.2 against the unpatched baseline.
# Warm (trees, git copies and prepared output directory cached under
# ~/.cache/tdxtrace): ~2-3 min on 2 idle cores.  Cold: add the Debian source
# download/extraction (scripts/fetch-kernel.sh), ~1-2 min per base for the git
# copies, ~1 min for defconfig + prepare and ~1 min for the baseline build.
#
# If a kernel source tree cannot be obtained (no cache and no network), the
# test is skipped with the reason, since nothing can be checked.
set -uo pipefail
if [[ ${SAN:-0} == 1 ]]; then
	# Nothing here is built with the sanitizers: the plain make check runs it.
	echo "ok 1 # SKIP kernel-check has no sanitizer build; it runs in the plain make check"
	exit 0
fi
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$SRC" || exit 1

for v in 7.2 7.3; do
	if ! scripts/fetch-kernel.sh "$v" >/dev/null 2>"${TMPDIR:-/tmp}/tdxtrace-fetch-$v.log"; then
		echo "ok 1 # SKIP Linux $v sources unavailable: $(tail -n1 "${TMPDIR:-/tmp}/tdxtrace-fetch-$v.log")"
		exit 0
	fi
done

scripts/kernel-check.sh --fast --tap
rc=$?
echo "# kernel-check --fast exit status $rc"
exit $rc
