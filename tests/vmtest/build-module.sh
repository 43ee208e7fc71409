#!/usr/bin/env bash
# build-module.sh - build tests/kernel/module against the vmtest kernel.
#
#   tests/vmtest/build-module.sh ARTDIR     prints the path of tdxtrace_test.ko
#
# ARTDIR is what build-kernel.sh printed.  The module is built in a copy of
# its sources (plus the tdxtrace ABI headers) under ARTDIR/mod-<hash>/, so
# the clone stays clean and a second run with the same sources builds nothing.
set -euo pipefail

SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
art=${1:?usage: $0 ARTDIR}
log() { echo "vmtest-module: $*" >&2; }
die() { log "$*"; exit 1; }

obj=$(sed -n 's/^obj=//p' "$art/build-info")
key=$(sed -n 's/^key=//p' "$art/build-info")
msrc=$SRC/tests/kernel/module
hash=$({
	for f in "$msrc"/* "$SRC"/include/tdxtrace/*.h; do echo "$f"; cat "$f"; done
} | sha256sum | cut -c1-16)
out=$art/mod-$hash
if [[ -f $out/tdxtrace_test.ko ]]; then
	echo "$out/tdxtrace_test.ko"
	exit 0
fi

exec 9>"$(dirname "$art")/.lock"
flock 9
# The object directory holds the last kernel built; modules must be built
# against the very kernel they are loaded into.
if [[ $(cat "$obj/.tdxtrace-key" 2>/dev/null) != "$key" ]]; then
	die "the kernel object directory $obj is not at key $key any more; rerun build-kernel.sh"
fi

rm -rf "$out.tmp"
mkdir -p "$out.tmp/include/tdxtrace"
cp "$msrc"/Kbuild "$msrc"/Makefile "$msrc"/*.c "$msrc"/*.h "$out.tmp/"
cp "$SRC"/include/tdxtrace/*.h "$out.tmp/include/tdxtrace/"
# (without our make's command-line variables: an O= given to tdxtrace's make
# would reach kbuild through MAKEFLAGS)
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL nice -n 10 make -C "$out.tmp" KDIR="$obj" >"$out.tmp/build.log" 2>&1; then
	sed 's/^/  /' "$out.tmp/build.log" | tail -n 40 >&2
	die "module build failed"
fi
rm -rf "$out"
mv "$out.tmp" "$out"
echo "$out/tdxtrace_test.ko"
