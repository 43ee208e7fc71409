#!/usr/bin/env bash
# run-tests.sh - the one test runner of `make check`.
#
#   tests/run-tests.sh [PATTERN...]     run tests whose name matches a PATTERN
#
# A test is an executable $O/tests/test_* (built by a fragment's TEST_BINS) or
# a script tests/*/test_*.sh.  Each prints TAP lines:
#     ok N - what            passed
#     not ok N - what        failed
#     ok N - what # SKIP why skipped (e.g. needs root)
# A test that exits non-zero without a "not ok" line counts as one failure;
# one that prints nothing and exits 0 counts as one failure too (a test that
# cannot fail is not a test).  Output of each test goes to $O/test-logs/.
#
# Environment: O (build dir), SRC (source dir), TEST_TIMEOUT (s, default 900).
# The last line is "N passed, N failed, N skipped"; exit 1 if any failed.
set -uo pipefail

SRC=${SRC:-$(cd "$(dirname "$0")/.." && pwd)}
O=${O:-$SRC/build}
export SRC O
TEST_TIMEOUT=${TEST_TIMEOUT:-900}
# ASan/LSan (make check SAN=1): leaks inside third-party libraries are listed,
# with the reason, in tests/lsan.supp; anything else fails the test.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$SRC/tests/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
logdir=$O/test-logs
mkdir -p "$logdir"

tests=()
while IFS= read -r t; do tests+=("$t"); done < <(
	{
		find "$O/tests" -maxdepth 1 -type f -name 'test_*' -perm -u+x 2>/dev/null
		find "$SRC/tests" -mindepth 2 -maxdepth 2 -type f -name 'test_*.sh' 2>/dev/null
	} | sort)

# A test's name is its path below $O (built tests) or $SRC (scripts), so that
# TESTS patterns and log names never depend on where the clone or the build
# directory is.
test_name() {
	case $1 in
	"$O"/*) echo "build/${1#"$O/"}" ;;
	*) echo "${1#"$SRC/"}" ;;
	esac
}

if (($#)); then
	sel=()
	for t in "${tests[@]}"; do
		name=$(test_name "$t")
		for p in "$@"; do
			if [[ $name == *$p* ]]; then sel+=("$t"); break; fi
		done
	done
	tests=("${sel[@]}")
fi

pass=0 fail=0 skip=0
failed=()
for t in "${tests[@]}"; do
	name=$(test_name "$t")
	log=$logdir/$(echo "$name" | tr '/' '_').log
	start=$(date +%s.%N)
	timeout --kill-after=10 "$TEST_TIMEOUT" "$t" >"$log" 2>&1 </dev/null
	rc=$?
	dur=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}')
	p=$(grep -cE '^ok [0-9]+' "$log" | tr -d ' ')
	s=$(grep -cE '^ok [0-9]+.*# *SKIP' "$log" | tr -d ' ')
	f=$(grep -cE '^not ok [0-9]+' "$log" | tr -d ' ')
	p=$((p - s))
	if ((rc != 0 && f == 0)); then
		f=1
		echo "not ok - $name exited with status $rc" >>"$log"
	fi
	if ((p + s + f == 0)); then
		f=1
		echo "not ok - $name reported no test" >>"$log"
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	status=PASS
	((f)) && status=FAIL && failed+=("$name")
	printf '%-4s %-44s %4d passed %3d failed %3d skipped  %6ss\n' \
		"$status" "$name" "$p" "$f" "$s" "$dur"
	if ((f)); then
		grep -E '^not ok|^#' "$log" | head -n 40 | sed 's/^/     | /'
	fi
done

if ((${#failed[@]})); then
	echo "failed: ${failed[*]} (logs in $logdir)"
fi
echo "$pass passed, $fail failed, $skip skipped"
((fail == 0))
