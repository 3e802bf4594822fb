#!/bin/bash
# make check-cross: rsp built static with musl for the routers' CPUs
# (mk/cross.mk) and run under qemu-user.  For each ARCH:
#   1. make static ARCH=...: the binary that would be flashed;
#   2. the unit tests (the wire codec's vectors above all), built by the
#      same compiler and libc, run under qemu (make VARIANT=static-test unit);
#   3. bats over the TCP mapping against the static binary, in a namespace
#      where the CPU's binaries run through qemu (scripts/qemu-ns.sh): the
#      CROSS_SMOKE files, or the whole suite for the ARCHes named in
#      CROSS_BATS_FULL (CROSS_BATS_FULL=mips: big-endian, where a
#      byte-order bug shows; not CI's default: it does not fit CI's time,
#      README "Cross builds").
# Each step prints "N passed, N failed" or TAP, which scripts/test.sh counts.
#
# qemu-user (7.2, and 10.0 of bookworm-backports) leaves the last, empty
# attribute of a netlink link message unswapped for a big-endian CPU, and
# musl's getifaddrs() then loops for ever.  So on mips (and only there) the
# unit tests skip the one local-address check (RSP_TEST_NO_GETIFADDRS) and
# test_cspmon (the CSP reporter names the local addresses), bats leaves
# out BE_SKIP for the same reason and finds no test_cspmon to run (the
# OpenWrt test runs its PE without CSP reports there); the
# little-endian ARCHes run them all.  qemu-user also hands SO_ERROR
# through untranslated, in the host's errno numbers, which MIPS does not
# share: test_transport is told the host's ECONNREFUSED on mips and mipsel.
# usage: scripts/check-cross.sh [ARCH...]   (default: mips mipsel armhf aarch64)
# Environment: BUILDROOT (build), JOBS (CPUs), CROSS_BATS_FULL (none),
# CROSS_SMOKE (bats files, default below), CROSS_BATS_ARCHS (the ARCHes
# that run bats at all; default: every one given).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

BUILDROOT=${BUILDROOT:-build}
JOBS=${JOBS:-$(nproc)}
FULL=" ${CROSS_BATS_FULL:-} "
SMOKE=${CROSS_SMOKE:-tcpmap server-terminal registrar-enrp hsdump tshark cspmonitor}
BE_SKIP=" cspmonitor "
[ $# -gt 0 ] || set -- mips mipsel armhf aarch64
BATS_ARCHS=" ${CROSS_BATS_ARCHS:-$*} "
M=(make -s --no-print-directory BUILDROOT="$BUILDROOT")
root=$(mkdir -p "$BUILDROOT" && cd "$BUILDROOT" && pwd)

declare -A qcpu=([mips]=mips [mipsel]=mipsel [armhf]=arm [aarch64]=aarch64)
# A hung test fails after this many seconds instead of stopping the run.
# A full run has the fractal tests, whose slow reference images take many
# minutes with emulated floating point: their own bound is longer there.
export BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-600}
if [ -n "${CROSS_BATS_FULL:-}" ]; then
	export RSP_FRACTAL_TIMEOUT=${RSP_FRACTAL_TIMEOUT:-1800}
	BATS_TEST_TIMEOUT=$((RSP_FRACTAL_TIMEOUT * 2 + 300))
fi

# step NAME ARCH CMD...: run, time, and count one step (scripts/test.sh
# counts "name: N passed, N failed"; the name has no digits).
step() {
	local name=$1 arch=$2 t0=$SECONDS
	shift 2
	if "$@"; then
		echo "$name: 1 passed, 0 failed ($arch, $((SECONDS - t0)) s)"
	else
		echo "$name: 0 passed, 1 failed ($arch, $((SECONDS - t0)) s)"
		return 1
	fi
}

for arch in "$@"; do
	cpu=${qcpu[$arch]:-}
	[ -n "$cpu" ] || { echo "check-cross: unknown ARCH $arch" >&2; exit 2; }
	echo "=== $arch"
	t0=$SECONDS
	step cross-build "$arch" "${M[@]}" -j"$JOBS" static ARCH="$arch" ||
		continue
	bin=$root/static-$arch/rsp
	step cross-build-unit "$arch" "${M[@]}" -j"$JOBS" \
		VARIANT=static-test ARCH="$arch" unit-bins || continue
	be=
	[ "$arch" = mips ] && be=1
	hosterr=
	[[ $arch == mips* ]] && hosterr=$(python3 -c \
		'import errno; print(errno.ECONNREFUSED)')
	tests=$root/static-test-$arch/tests
	if [ -n "$be" ]; then
		# The test programs bats runs, but test_cspmon.
		mkdir -p "$tests/be"
		for t in "$tests"/test_*; do
			[ "${t##*/}" = test_cspmon ] || ln -sfn "$t" "$tests/be/"
		done
		tests=$tests/be
	fi
	# Each unit test counts itself; one that hangs (timeout) cannot.
	step cross-unit "$arch" env ${be:+RSP_TEST_NO_GETIFADDRS=1} \
		${hosterr:+RSP_TEST_HOST_ECONNREFUSED=$hosterr} \
		"${M[@]}" VARIANT=static-test ARCH="$arch" \
		${be:+UNIT_SKIP=test_cspmon} unit
	files=()
	if [[ $BATS_ARCHS != *" $arch "* && $FULL != *" $arch "* ]]; then
		echo "cross $arch: $((SECONDS - t0)) s in all (no bats)"
		continue
	fi
	if [[ $FULL == *" $arch "* ]]; then
		for f in tests/bats/*.bats; do
			n=${f##*/}
			[[ -n $be && $BE_SKIP == *" ${n%.bats} "* ]] || files+=("$f")
		done
	else
		for f in $SMOKE; do
			[[ -n $be && $BE_SKIP == *" $f "* ]] ||
				files+=("tests/bats/$f.bats")
		done
	fi
	t1=$SECONDS
	RSP_TRANSPORT=tcp RSP=$bin RSP_TESTBIN=$tests \
		env ${be:+RSP_TEST_NO_GETIFADDRS=1} \
		scripts/qemu-ns.sh "$cpu" bats "${files[@]}"
	echo "cross bats $arch: $((SECONDS - t1)) s (${files[*]})"
	echo "cross $arch: $((SECONDS - t0)) s in all"
done
