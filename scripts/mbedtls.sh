#!/bin/bash
# Fetches Mbed TLS's source from Debian's source package and unpacks it
# (issue 19; README.md, "TLS").  Debian 12 ships only Mbed TLS 2.28, so
# the source package of 3.6 LTS comes from Debian 13 (trixie), through a
# temporary source list: the system's sources and package lists are left
# as they are.  apt checks the files against trixie's signed Release
# file; this script checks the upstream tarball once more against the
# SHA-256 recorded here, so a build never silently changes library.
# The tarball is cached in DL_DIR: later builds need no network.
# usage: scripts/mbedtls.sh DL_DIR SRC_DIR
set -euo pipefail

VERSION=3.6.6
DEB_VERSION=3.6.6-0.1~deb13u1
SHA256=8fb65fae8dcae5840f793c0a334860a411f884cc537ea290ce1c52bb64ca007a
SUITE=trixie
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

dl=${1:?usage: mbedtls.sh DL_DIR SRC_DIR}
src=${2:?usage: mbedtls.sh DL_DIR SRC_DIR}
tarball=$dl/mbedtls_$VERSION.orig.tar.bz2

die() {
	echo "mbedtls.sh: $*" >&2
	exit 1
}

tmp=
trap '[ -z "$tmp" ] || rm -rf "$tmp"' EXIT

fetch() {
	local apt
	tmp=$(mktemp -d)
	mkdir -p "$tmp/lists/partial"
	printf 'deb-src [signed-by=%s] http://deb.debian.org/debian %s main\n' \
		"$KEYRING" "$SUITE" >"$tmp/sources.list"
	apt=(apt-get -q -o "Dir::Etc::SourceList=$tmp/sources.list"
		-o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$tmp/lists"
		-o APT::Sandbox::User=root)
	echo "mbedtls.sh: fetching Debian $SUITE's source package" \
		"mbedtls $DEB_VERSION into $dl" >&2
	if ! "${apt[@]}" update >"$tmp/update.log" 2>&1 ||
		grep -q '^[WE]:.*Failed to fetch' "$tmp/update.log"; then
		cat "$tmp/update.log" >&2
		die "cannot reach deb.debian.org ($SUITE's source index): offline?" \
			"Put mbedtls_$VERSION.orig.tar.bz2 (SHA-256 $SHA256) into $dl" \
			"by hand, or build without TLS=1"
	fi
	if ! (cd "$tmp" && "${apt[@]}" source --download-only \
		"mbedtls=$DEB_VERSION") >"$tmp/source.log" 2>&1; then
		cat "$tmp/source.log" >&2
		die "Debian $SUITE has no source package mbedtls=$DEB_VERSION" \
			"(any more?): update VERSION, DEB_VERSION and SHA256 in $0"
	fi
	mkdir -p "$dl"
	mv "$tmp/mbedtls_$VERSION.orig.tar.bz2" "$tarball"
}

[ -f "$tarball" ] || fetch
sum=$(sha256sum "$tarball" | cut -d' ' -f1)
[ "$sum" = "$SHA256" ] ||
	die "$tarball has SHA-256 $sum, expected $SHA256: delete it and rerun"
rm -rf "$src"
mkdir -p "$src"
tar -xjf "$tarball" -C "$src" --strip-components=1
echo "mbedtls.sh: Mbed TLS $VERSION unpacked in $src" >&2
