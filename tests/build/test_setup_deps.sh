#!/usr/bin/env bash
# test_setup_deps.sh - scripts/setup-deps.sh: which groups each make target
# installs, and what --check reports, with a fake dpkg-query on PATH (nothing
# is installed or removed).
set -uo pipefail
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
S=$SRC/scripts/setup-deps.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
ok() {
	n=$((n + 1))
	if [[ $1 == 0 ]]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
groups_is() {	# groups_is "WANT" TARGET...
	local want=$1 got
	shift
	got=$("$S" --groups "$@")
	[[ $got == "$want" ]]; ok $? "make $*: groups '$got' (want '$want')"
}
groups_is "build" run
groups_is "build" all
groups_is "build" "build/bin/tdxtop"
groups_is "build test kernel exporter" check
groups_is "kernel" kernel-check
groups_is "build test kernel vm" vmtest
groups_is "" clean
groups_is "build test kernel exporter vm" run check vmtest

# A dpkg-query that knows only the packages listed in $tmp/installed.
mkdir -p "$tmp/bin"
cat >"$tmp/bin/dpkg-query" <<FAKE
#!/bin/sh
for p; do :; done
grep -qx "\$p" "$tmp/installed" && { printf 'install ok installed'; exit 0; }
exit 1
FAKE
chmod +x "$tmp/bin/dpkg-query"
check() { PATH=$tmp/bin:$PATH "$S" --check "$@"; }

: >"$tmp/installed"
out=$(check build)
rc=$?
[[ $rc == 1 ]] && grep -q '^build .*missing .*libtracecmd-dev' <<<"$out" && ! grep -q '^kernel' <<<"$out"
ok $? "--check build on a bare machine: exit $rc, the build group's packages only"
out=$(check vmtest)
[[ $(grep -c missing <<<"$out") == 4 ]] && grep -q '^vm .*qemu-system-x86' <<<"$out"
ok $? "--check vmtest reports the build, test, kernel and vm groups"

"$S" --list build test kernel vm exporter | sort -u >"$tmp/installed"
out=$(check)
rc=$?
[[ $rc == 0 ]] && ! grep -q missing <<<"$out"
ok $? "--check with every package present: exit $rc, nothing missing"
grep -v -x flex "$tmp/installed" >"$tmp/i2" && mv "$tmp/i2" "$tmp/installed"
out=$(check kernel-check)
rc=$?
[[ $rc == 1 && $(grep missing <<<"$out") == *"missing flex" ]]
ok $? "--check kernel-check names the one missing package (exit $rc: $out)"

# Installing a group that is all there does nothing (no apt-get, no root).
PATH=$tmp/bin:$PATH "$S" build >"$tmp/out" 2>&1
[[ $? == 0 && ! -s $tmp/out ]]
ok $? "installing a group whose packages are present does nothing"
"$S" no-such-group >/dev/null 2>&1
[[ $? == 2 ]]
ok $? "an unknown group is refused"
echo "1..$n"
