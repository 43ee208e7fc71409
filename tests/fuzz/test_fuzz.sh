#!/usr/bin/env bash
# test_fuzz.sh - run every libFuzzer harness for FUZZ_SECONDS (default 60)
# from its seed corpus (tests/fuzz/corpus/<name>/), after replaying every
# crash reproducer in tests/fuzz/regress/<name>/.  One TAP point per harness
# and per reproducer set; total execs are reported.
set -uo pipefail
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
O=${O:-$SRC/build}
secs=${FUZZ_SECONDS:-60}
if [[ ${SAN:-0} == 1 ]]; then
	echo "ok 1 # SKIP fuzzers are sanitizer builds already: they run in the plain make check"
	exit 0
fi
n=0 total=0
# Leaks inside third-party libraries (documented in tests/lsan.supp).
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$SRC/tests/lsan.supp:print_suppressions=0}
# libtracecmd mallocs sizes read from the file; glibc returns NULL for an
# impossible size and the library handles it, so make ASan behave the same.
export ASAN_OPTIONS=${ASAN_OPTIONS:-allocator_may_return_null=1}
mkdir -p "$O/fuzz"
O=$(cd "$O" && pwd)
# libFuzzer's -close_fd_mask makes the sanitizers log a crash of a child (the
# trace.dat probe's, expected) to a file ".PID" in the working directory:
# that is the build directory's, never the clone's
cd "$O/fuzz" || exit 1
results=$O/fuzz/results.txt
: >"$results"
# The harnesses are the sources tests/fuzz/fuzz_*.c (as tests/fuzz/fuzz.mk
# builds them), not whatever $O/fuzz holds: a harness that was not built fails.
for src in "$SRC"/tests/fuzz/fuzz_*.c; do
	[[ -f $src ]] || continue
	name=${src##*/fuzz_}
	name=${name%.c}
	bin=$O/fuzz/fuzz_$name
	if [[ ! -x $bin ]]; then
		n=$((n + 1))
		echo "not ok $n - fuzz $name: $bin was not built"
		continue
	fi
	seeds=$SRC/tests/fuzz/corpus/$name
	regress=$SRC/tests/fuzz/regress/$name
	work=$O/fuzz/corpus-$name
	mkdir -p "$work"
	if [[ -d $regress ]] && compgen -G "$regress/*" >/dev/null; then
		n=$((n + 1))
		if "$bin" -close_fd_mask=3 "$regress"/* >"$O/fuzz/$name.regress.log" 2>&1; then
			echo "ok $n - $name: $(ls "$regress" | wc -l) crash reproducers no longer crash"
		else
			echo "not ok $n - $name: a reproducer in tests/fuzz/regress/$name crashes"
			tail -n 20 "$O/fuzz/$name.regress.log" | sed 's/^/# /'
		fi
	fi
	n=$((n + 1))
	log=$O/fuzz/$name.log
	"$bin" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$O/fuzz/$name-" \
		-timeout=10 -rss_limit_mb=2048 -close_fd_mask=3 "$work" ${seeds:+$( [[ -d $seeds ]] && echo "$seeds")} >"$log" 2>&1
	rc=$?
	execs=$(awk '/stat::number_of_executed_units/{print $2}' "$log" | tail -n1)
	execs=${execs:-0}
	total=$((total + execs))
	echo "$name $execs" >>"$results"
	if ((rc == 0)); then
		echo "ok $n - fuzz $name for ${secs}s: $execs execs, no crash"
	else
		echo "not ok $n - fuzz $name crashed (rc $rc); reproducer: $(ls "$O"/fuzz/"$name"-crash-* 2>/dev/null | head -n1)"
		grep -A 15 'ERROR:' "$log" | head -n 30 | sed 's/^/# /'
	fi
done
echo "# total fuzz execs: $total"
echo "total $total" >>"$results"
echo "1..$n"
