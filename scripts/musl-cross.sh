#!/bin/bash
# Builds musl for one target CPU with Debian's cross compiler, from Debian's
# musl source package, for make static ARCH=... (mk/cross.mk).  Everything
# stays under the build directory: the source in SRC (fetched once, with a
# deb-src list of its own passed to apt-get, the system's sources left
# alone), the installed libc and its musl-gcc wrapper in DIR.  Nothing is
# done when DIR/bin/musl-gcc exists.
# usage: scripts/musl-cross.sh TRIPLE DIR SRC [shared]
#   TRIPLE  the cross compiler's prefix without its dash: mips-linux-gnu
#   shared  libc.so as well (make size DYNAMIC=1: what a binary linked
#           against the router's own musl weighs, as OpenWrt links its
#           packages); the static builds do without it
set -euo pipefail
# musl is another project with its own make: nothing of ours may reach it.
# Our make exports its command line (ARCH=armhf, ...) through MAKEFLAGS,
# and musl's Makefile would take that ARCH over its own (arm, mips).
unset MAKEFLAGS MFLAGS MAKELEVEL ARCH

triple=${1:?usage: musl-cross.sh TRIPLE DIR SRC}
dir=${2:?usage: musl-cross.sh TRIPLE DIR SRC}
src=${3:?usage: musl-cross.sh TRIPLE DIR SRC}
shared=--disable-shared
[ "${4:-}" = shared ] && shared=
[ -x "$dir/bin/musl-gcc" ] && exit 0
command -v "$triple-gcc" >/dev/null || {
	echo "musl-cross: no $triple-gcc (scripts/deps.sh cross installs it)" >&2
	exit 1
}
mkdir -p "$src"
src=$(cd "$src" && pwd)
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# The source package of the release this machine runs, once.
fetch() {
	local apt=$src/apt codename
	codename=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release)
	mkdir -p "$apt/lists/partial"
	echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]" \
		"http://deb.debian.org/debian $codename main" >"$apt/sources.list"
	local o=(-o "Dir::Etc::SourceList=$apt/sources.list"
		-o "Dir::Etc::SourceParts=$apt/none"
		-o "Dir::State::Lists=$apt/lists" -qq)
	apt-get "${o[@]}" update >&2
	(cd "$src" && apt-get "${o[@]}" source musl >&2)
}
tree=$(find "$src" -maxdepth 2 -name configure -path '*/musl-*' | head -n 1)
if [ -z "$tree" ]; then
	fetch
	tree=$(find "$src" -maxdepth 2 -name configure -path '*/musl-*' | head -n 1)
fi
[ -n "$tree" ] || { echo "musl-cross: no musl source in $src" >&2; exit 1; }
tree=${tree%/configure}

# Out of the source tree, so that one source serves every CPU.
obj=$dir/obj
rm -rf "$obj"
mkdir -p "$obj"
start=$(date +%s)
(
	cd "$obj"
	CC=$triple-gcc "$tree/configure" --prefix="$dir" --target="$triple" \
		$shared --enable-wrapper=gcc >&2
	make -j"$(nproc)" >&2
	make install >&2
)
rm -rf "$obj"
echo "musl-cross: $triple in $(($(date +%s) - start)) s ($dir)" >&2
[ -x "$dir/bin/musl-gcc" ]
