#!/bin/bash
# Installs the Debian 12 packages that building and testing rsp needs, and
# only those missing: a machine that has them all runs no apt-get at all.
# Needs root when something is missing.
# usage: scripts/deps.sh [-n] [build|all]
#   -n     only print what is missing
#   build  what `make` needs (scripts/demo.sh); all (default): the tests too
set -euo pipefail

dry=
[ "${1:-}" = -n ] && { dry=1; shift; }
profile=${1:-all}

# package          why
PKGS=(
	build-essential # gcc, make, libc headers: the build
	libsctp-dev     # <netinet/sctp.h>, <linux/sctp.h>: kernel SCTP API
)
[ "$profile" = build ] || PKGS+=(
	bats            # tests/bats
	musl-tools      # musl-gcc: make static, make size
	clang           # make fuzz (libFuzzer)
	libclang-rt-14-dev # libFuzzer and sanitizer runtimes for clang 14
	tshark          # tshark.bats: Wireshark dissects ASAP/ENRP (oracle)
	iproute2        # ip: network namespaces in integration tests
	bsdextrautils   # hexdump
	xxd             # xxd
	mandoc          # mandoc -Tlint for man/*.[18]
	clang-format    # make check-format (OpenBSD KNF, .clang-format)
	shellcheck      # lint of scripts/, .ci/run, completions/
	jq              # metrics.bats: the JSON status is valid, its values
	# openwrt.bats: OpenWrt's shell (ash) runs the init script; the SCTP
	# test guest's initramfs needs the static one (the two packages
	# conflict: asking for busybox here made every run swap them)
	busybox-static
	qemu-system-x86 # the SCTP test guest (tests/vm/): both guests at once
	                # must not each run apt-get
	python3         # systemd.bats plays systemd's notify socket
	systemd         # systemd-analyze: make check-systemd (not started)
	rsplib-registrar # make check-interop: RSPLIB's registrar in the guest
	rsplib-tools    # rsplib-programs.bats: RSPLIB's rspterminal on librsplib
	rsplib-services # rsplib-programs.bats: RSPLIB's pingpongclient, calcappclient, scriptingclient
	librsplib-dev   # library.bats: RSPLIB's headers, an application built against them
	# make check-cross, make size (mk/cross.mk): Debian's cross compilers
	# and kernel headers per CPU; musl is built from its source package
	# (apt-get source: dpkg-dev); qemu-user runs the binaries; xz -9e
	gcc-mips-linux-gnu gcc-mipsel-linux-gnu gcc-arm-linux-gnueabihf
	gcc-aarch64-linux-gnu linux-libc-dev-mips-cross
	linux-libc-dev-mipsel-cross linux-libc-dev-armhf-cross
	linux-libc-dev-arm64-cross qemu-user-static dpkg-dev xz-utils
)

missing=()
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) || st=
	[ "$st" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ -n "$dry" ]; then
	printf '%s\n' "${missing[@]}"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing ${missing[*]}; as root: apt-get install ${missing[*]}" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark would ask whether non-root users may capture packets.
echo 'wireshark-common wireshark-common/install-setuid boolean false' |
	debconf-set-selections
apt_get() {
	apt-get -y -qq -o Dpkg::Options::=--force-confdef \
		-o Dpkg::Options::=--force-confold "$@" </dev/null
}
# A fresh machine has no package lists yet; a stale one may 404.
apt_get update >&2
apt_get install --no-install-recommends "${missing[@]}" >&2
