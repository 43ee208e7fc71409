#!/usr/bin/env bash
# test_install.sh - `make install DESTDIR=...`: stripped tools, the man pages,
# the bash completion under the tools' names; `make uninstall` with the same
# DESTDIR removes every file install put there and nothing else.
set -uo pipefail
O=${O:-build}
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
n=0
fails=0
ok() {
	n=$((n + 1))
	if [[ $1 == 0 ]]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fails=$((fails + 1)); fi
}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
mkdir -p "$d/root/usr/local/share/man/man8"
echo keep >"$d/root/usr/local/share/man/man8/other.8"	# not ours: stays
# the tools are built (make check builds them first): install only copies
make -s -C "$SRC" O="$(cd "$O" && pwd)" install DESTDIR="$d/root" >"$d/log" 2>&1
ok $? "make install DESTDIR=... (log: $(tail -1 "$d/log"))"
p=$d/root/usr/local
for t in tdxtop tdxtrace tdxbench; do
	[[ -x $p/sbin/$t ]] && file "$p/sbin/$t" | grep -q ', stripped'
	ok $? "$t installed, stripped"
	[[ -f $p/share/man/man8/$t.8 && $(stat -c %a "$p/share/man/man8/$t.8") == 644 ]]
	ok $? "$t.8 installed 0644"
	[[ -f $p/share/bash-completion/completions/$t ]] &&
		grep -q "complete -F _$t $t" "$p/share/bash-completion/completions/$t"
	ok $? "bash completion for $t installed under its name"
done
"$p/sbin/tdxtrace" --version | grep -q '^tdxtrace '; ok $? "the installed tdxtrace runs"
make -s -C "$SRC" O="$(cd "$O" && pwd)" uninstall DESTDIR="$d/root" >"$d/log" 2>&1
ok $? "make uninstall DESTDIR=..."
left=$(cd "$d/root" && find . -type f | sort | tr '\n' ' ')
[[ $left == "./usr/local/share/man/man8/other.8 " ]]; ok $? "uninstall removes what install put there, nothing else (left: $left)"
echo "1..$n"
((fails == 0))
