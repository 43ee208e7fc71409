#!/usr/bin/env bash
# test_first_build.sh - a fresh machine's first `make`: pkg-config knows no
# package until the setup step has run.
#
# A copy of the source tree (no build outputs) is built into a temporary O=
# with a fake pkg-config first on PATH that answers nothing (as on a machine
# without the -dev packages' .pc files) until a marker exists, and a fake
# scripts/setup-deps.sh that, asked to install, only creates the marker (its
# questions --groups/--check/--list go to the real script).  The first make
# must then build everything, with the flags pkg-config gives after setup;
# setup must run once per group, only for the groups a goal needs.
# Fails on a Makefile that asks pkg-config while it is read, before setup.
set -uo pipefail
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
O=${O:-$SRC/build}
n=0
ok() {
	n=$((n + 1))
	if [[ $1 == 0 ]]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
if [[ ${SAN:-0} == 1 ]]; then
	echo "ok 1 # SKIP the build system is tested in the plain make check"
	exit 0
fi
real_pc=$(command -v pkg-config) || { echo "not ok 1 - pkg-config is installed (the build group)"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
state=$tmp/state
mkdir -p "$tmp/src" "$tmp/bin" "$state"
# The tree as a clone has it: everything but .git and build outputs.
tar -C "$SRC" --exclude=./.git --exclude=./build --exclude="./${O#"$SRC"/}" \
	--exclude='./tests/fuzz/corpus-*' -cf - . | tar -C "$tmp/src" -xf -
cp "$SRC/scripts/setup-deps.sh" "$tmp/setup-deps.real.sh"

cat >"$tmp/bin/pkg-config" <<EOF
#!/bin/sh
# fake pkg-config: no package is known until setup has run
if [ -e "$state/installed" ]; then
	echo "after setup: \$*" >>"$state/pkg-config.log"
	exec "$real_pc" "\$@"
fi
echo "before setup: \$*" >>"$state/pkg-config.log"
for a in "\$@"; do
	case \$a in -*) ;; *) echo "Package \$a was not found in the pkg-config search path." >&2 ;; esac
done
exit 1
EOF
cat >"$tmp/src/scripts/setup-deps.sh" <<EOF
#!/usr/bin/env bash
# fake setup: questions go to the real script; installing flips the marker
case \${1:-} in
--groups | --check | --list | --help) exec "$tmp/setup-deps.real.sh" "\$@" ;;
esac
echo "install \${*:-(all)}" >>"$state/setup.log"
touch "$state/installed"
EOF
chmod +x "$tmp/bin/pkg-config" "$tmp/src/scripts/setup-deps.sh"

# run_make LOG ARGS...: make in the copy, with the fakes, not the outer make's flags
run_make() {
	local logf=$1
	shift
	(cd "$tmp/src" && env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS -u MAKEOVERRIDES \
		PATH="$tmp/bin:$PATH" nice -n 10 make -j2 O="$tmp/o" "$@") >"$logf" 2>&1
}

t0=$SECONDS
run_make "$tmp/make1.log" V=1 all
rc=$?
((rc == 0)) || tail -n 15 "$tmp/make1.log" | sed 's/^/# /'
ok $rc "the first make builds everything, no second try ($((SECONDS - t0)) s)"
[[ -x $tmp/o/bin/tdxtop && -x $tmp/o/bin/tdxtrace && -x $tmp/o/bin/tdxbench ]]
ok $? "tdxtop, tdxtrace and tdxbench are built"
want=$("$real_pc" --cflags libtracecmd libtraceevent)
grep -E -- ' -c tools/lib/tracedat\.c ' "$tmp/make1.log" | grep -qF -- "$want"
ok $? "tracedat.c is compiled with pkg-config's flags for libtracecmd ($want)"
[[ $(cat "$state/setup.log" 2>/dev/null) == "install build" ]]
ok $? "make installs the build group only, once (setup: $(tr '\n' ';' <"$state/setup.log" 2>/dev/null))"
grep -q '^after setup' "$state/pkg-config.log"
ok $? "pkg-config is asked after setup ($(grep -c '^after setup' "$state/pkg-config.log") queries; $(grep -c '^before setup' "$state/pkg-config.log") before)"

run_make "$tmp/make2.log" all
rc=$?
[[ $rc == 0 && $(wc -l <"$state/setup.log") == 1 ]] && ! grep -qE '^  (CC|LD|BPF) ' "$tmp/make2.log"
ok $? "a second make neither sets up nor builds anything (exit $rc)"

run_make "$tmp/make3.log" -n check
sort "$state/setup.log" | tr '\n' ' ' >"$tmp/groups"
[[ $(cat "$tmp/groups") == "install build install exporter install kernel install test " ]]
ok $? "make check adds the test, kernel and exporter groups, each once (setup: $(cat "$tmp/groups"))"

before=$(wc -l <"$state/setup.log")
run_make "$tmp/make4.log" clean
[[ $(wc -l <"$state/setup.log") == "$before" && ! -e $tmp/o ]]
ok $? "make clean sets nothing up"
echo "1..$n"
