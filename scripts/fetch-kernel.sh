#!/usr/bin/env bash
# fetch-kernel.sh - get Debian's linux-source-<ver> and extract it into a cache.
#
#   scripts/fetch-kernel.sh 7.2|7.3      prints the path of the extracted tree
#
# 7.2 comes from suite "sid", 7.3 from "trixie-backports".  The package is
# downloaded with `apt-get download` through a private apt configuration: its
# own sources file (built from the Debian mirror URI the system already uses),
# its own lists, cache and state directories.  /etc/apt is never written.
#
# Cache: $TDXTRACE_CACHE, else $XDG_CACHE_HOME/tdxtrace, else ~/.cache/tdxtrace.
# An already extracted tree is reused (its .tdxtrace-extracted stamp records
# the .deb's SHA256).  Messages go to stderr; stdout is only the tree path.
set -euo pipefail

ver=${1:-}
case $ver in
7.2) suite=sid ;;
7.3) suite=trixie-backports ;;
*) echo "usage: $0 7.2|7.3" >&2; exit 2 ;;
esac

cache=${TDXTRACE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tdxtrace}
aptdir=$cache/apt
srcdir=$cache/src
mkdir -p "$aptdir/lists/partial" "$aptdir/archives/partial" "$aptdir/state" "$srcdir"

log() { echo "fetch-kernel: $*" >&2; }

# If a tree is already extracted, reuse it without touching the network.
for t in "$srcdir"/linux-source-"$ver"; do
	if [[ -f $t/.tdxtrace-extracted && -f $t/Makefile ]]; then
		echo "$t"
		exit 0
	fi
done

# The mirror the system uses (deb822 or one-line sources).
mirror=$(grep -hoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list.d/*.sources \
	/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
	grep -v security | head -n1 | tr -d ' ' || true)
mirror=${mirror%/}
[[ -n $mirror ]] || mirror=http://deb.debian.org/debian
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

cat >"$aptdir/sources.list" <<SRC
deb [signed-by=$keyring] $mirror $suite main
SRC
: >"$aptdir/state/status"

APT=(-o Dir::Etc::SourceList="$aptdir/sources.list"
	-o Dir::Etc::SourceParts=/dev/null
	-o Dir::Etc::Preferences=/dev/null
	-o Dir::Etc::PreferencesParts=/dev/null
	-o Dir::State="$aptdir/state"
	-o Dir::State::Lists="$aptdir/lists"
	-o Dir::State::status="$aptdir/state/status"
	-o Dir::Cache="$aptdir/cache"
	-o Dir::Cache::Archives="$aptdir/archives"
	-o APT::Get::List-Cleanup=0
	-o Debug::NoLocking=1)
mkdir -p "$aptdir/cache"

log "updating private package lists for $suite from $mirror"
apt-get "${APT[@]}" -qq update >&2

pkg=linux-source-$ver
pver=$(apt-cache "${APT[@]}" show "$pkg" 2>/dev/null | awk '/^Version:/{print $2; exit}')
[[ -n $pver ]] || { log "$pkg not found in $suite"; exit 1; }
sha=$(apt-cache "${APT[@]}" show "$pkg=$pver" | awk '/^SHA256:/{print $2; exit}')

debdir=$cache/debs
mkdir -p "$debdir"
deb=$(ls "$debdir/${pkg}_${pver//:/%3a}"_*.deb 2>/dev/null | head -n1 || true)
if [[ -z $deb ]]; then
	log "downloading $pkg $pver"
	(cd "$debdir" && apt-get "${APT[@]}" -qq download "$pkg=$pver" >&2)
	deb=$(ls "$debdir/${pkg}_"*.deb | head -n1)
fi
# Verify against the signed index (apt-get download verifies too; this makes the
# reuse of a cached .deb safe as well).
got=$(sha256sum "$deb" | awk '{print $1}')
if [[ -n $sha && $got != "$sha" ]]; then
	log "checksum mismatch for $deb (want $sha, got $got); removing it"
	rm -f "$deb"
	exit 1
fi

out=$srcdir/$pkg
tmp=$(mktemp -d "$srcdir/.extract.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log "extracting $deb"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './usr/src/*.tar.*'
tarball=$(ls "$tmp"/usr/src/linux-source-*.tar.* | head -n1)
tar -x -C "$tmp" -f "$tarball"
rm -f "$tarball"
tree=$(find "$tmp" -maxdepth 1 -type d -name 'linux-source-*' | head -n1)
[[ -f $tree/Makefile ]] || { log "no kernel tree in $deb"; exit 1; }
echo "package=$pkg version=$pver sha256=$got" >"$tree/.tdxtrace-extracted"
rm -rf "$out"
mv "$tree" "$out"
log "ready: $out ($pkg $pver)"
echo "$out"
