#!/bin/bash
# The whole test job, as CI runs it (.ci/run) and as a developer does on a
# fresh Debian 12 machine (as root):
#   1. install missing build/test packages (scripts/deps.sh; none if present)
#      and unpack promtool (scripts/promtool.sh)
#   2. build the release binary                       make
#   3. unit tests, fuzz corpus replay, bats (ASan+UBSan)  make check
#      and the chaos suite, bounded (ASan+UBSan)         make chaos
#   4. static musl build and its size, the TLS variant's unit tests
#      (make check-tls), bats against the static binary (a subset,
#      STATIC_BATS); the static musl
#      builds for mips, mipsel, armhf and aarch64 under qemu-user (make
#      check-cross), and the size budgets of every build (make size)
#   5. libFuzzer targets (clang ASan+UBSan), FUZZ_RUNS inputs each   make fuzz
#   6. the suite over kernel SCTP in a qemu guest, RSPLIB interop and TLS
#      over SCTP in two more at the same time (make check-sctp,
#      make check-interop, make check-sctp-tls)
#   7. clang-format check (make check-format) and shellcheck
# and closes with one "N passed, N failed" line over all of them.
# Environment: BUILDROOT (default build), FUZZ_RUNS (default 200000; 0 skips),
# FUZZ_MAX_S (default 10: seconds a libFuzzer target may take at most),
# JOBS (default: number of CPUs), SCTP_GUEST (default 1; 0 skips the qemu
# guest runs: make check-sctp and make check-interop), CHAOS_STEPS
# (default 20; 0: only the start and the final recovery), CHAOS_SEED
# (default random), CROSS (default 1; 0 skips make check-cross and sizes
# only this machine's build), STATIC_BATS (bats files, without .bats,
# run against the static binary; all: every one).
set -euo pipefail
cd "$(dirname "$0")/.."

BUILDROOT=${BUILDROOT:-build}
FUZZ_RUNS=${FUZZ_RUNS:-200000}
JOBS=${JOBS:-$(nproc)}
M=(make -j"$JOBS" BUILDROOT="$BUILDROOT")
LOG=$BUILDROOT/test.log
mkdir -p "$BUILDROOT"
: >"$LOG"

# Each step says when it starts, in seconds since the run began: CI's
# log is where the 45-minute budget is checked step by step.
# The summary repeats them with each step's length, and names what
# failed: CI shows only the end of the log.
STEPS=()
step() {
	printf '\n=== %s (at %d s)\n' "$*" "$SECONDS"
	STEPS+=("$SECONDS ${*%% (*}")
}

# counted NAME CMD...: a step that prints no counts of its own; its
# failure is counted and fails the run at the summary.
counted() {
	local name=$1
	shift
	step "$name"
	if "$@"; then
		echo "$name: 1 passed, 0 failed" >>"$LOG"
	else
		echo "$name: 0 passed, 1 failed" >>"$LOG"
	fi
}

step "dependencies"
scripts/deps.sh
# promtool, unpacked from Debian's prometheus package, never installed
# or started (scripts/promtool.sh): metrics.bats checks every applet's
# metrics with it.  About 10 s the first time, nothing after.
PROMTOOL=$(scripts/promtool.sh "$BUILDROOT")
export PROMTOOL

step "build"
"${M[@]}"

step "make check (unit tests, fuzz replay, bats; ASan+UBSan)"
# Compile in parallel, then run the tests one after the other: timing
# tests stay quiet and the output readable.
"${M[@]}" VARIANT=san "$BUILDROOT/san/rsp"
# bats writes TAP when its output is not a terminal: counted below.
make BUILDROOT="$BUILDROOT" check 2>&1 | tee -a "$LOG"

# The chaos suite (tests/chaos/README.md): registrars, PEs and pool
# users in network namespaces under random kill -9, SIGSTOP/SIGCONT,
# partitions and restarts, invariants checked after every step.  20
# steps take about 2 minutes; the seed is random unless CHAOS_SEED is
# set, and a failure prints the command that replays its steps.  The
# heal bound is 60 s here, not the suite's 10 s: its runs before 8d65b3d
# saw heals of 7-33 s (issue 15, item 6); that lag is fixed (bench/heal.sh:
# under 1 s), but the 10 s bound has passed too few seeds since to be CI's.
step "make chaos (CHAOS_STEPS=${CHAOS_STEPS:-20})"
if CHAOS_STEPS=${CHAOS_STEPS:-20} CHAOS_HEAL_BOUND=${CHAOS_HEAL_BOUND:-60} \
	make BUILDROOT="$BUILDROOT" chaos; then
	echo "chaos: 1 passed, 0 failed" >>"$LOG"
else
	echo "chaos: 0 passed, 1 failed" >>"$LOG"
fi

step "make static"
"${M[@]}" static

# The TLS variant (issue 19, README.md "TLS"): Mbed TLS built from
# Debian 13's source package (fetched once into $BUILDROOT/dl, then
# cached), its wrapper's unit tests and OpenSSL against it, and the
# applets over TLS (tests/bats/tls/: 16 tests, about 40 s).  From scratch,
# the tarball cached: 2 min 47 s on the two cores under a load of 7 (57 s
# of CPU; about 50 s when the machine was quiet before the bats came);
# 10 s more to fetch the tarball.
step "make check-tls (the TLS variant's unit tests and bats, ASan+UBSan)"
if ! "${M[@]}" check-tls 2>&1 | tee -a "$LOG"; then
	echo "check-tls: 0 passed, 1 failed" >>"$LOG"
fi

# The static binary is the one shipped, built with musl, -Oz and LTO:
# the files that exercise what differs from the glibc sanitizer build
# above (addresses and interfaces, time stamps and printf, the HTTP
# endpoint, daemon and pid file, ENRP, the TCP mapping, tshark's view),
# about 2 minutes; STATIC_BATS=all runs the whole suite (about 6
# minutes), as the sanitizer build does in make check.
STATIC_BATS=${STATIC_BATS:-tcpmap server-terminal registrar-enrp hsdump tshark cspmonitor cli daemon metrics}
step "bats against the static (musl) binary ($STATIC_BATS)"
root=$(cd "$BUILDROOT" && pwd)
static_bats=(tests/bats)
if [ "$STATIC_BATS" != all ]; then
	static_bats=()
	for f in $STATIC_BATS; do static_bats+=("tests/bats/$f.bats"); done
fi
RSP=$root/static/rsp RSP_TESTBIN=$root/san/tests bats --timing "${static_bats[@]}" 2>&1 |
	tee -a "$LOG"

# The router profile without its features (README "Build-time
# features"): 7 bats tests against that binary, about 20 s.
step "make check-features (the router profile, every feature left out)"
# A build failure prints no TAP: counted here, and the run goes on.
if ! "${M[@]}" check-features 2>&1 | tee -a "$LOG"; then
	echo "check-features: 0 passed, 1 failed" >>"$LOG"
fi

# The routers' CPUs under qemu-user (README "Cross builds"): musl is built
# for each once and kept in $BUILDROOT/musl; the counts go to the summary.
# CI's time: the unit tests on all four, the bats smoke subset on
# big-endian mips only (CROSS_BATS_ARCHS; about 100 s more per CPU).
if [ "${CROSS:-1}" != 0 ]; then
	step "make check-cross (mips, mipsel, armhf, aarch64 under qemu-user)"
	CROSS_BATS_ARCHS=${CROSS_BATS_ARCHS:-mips} \
		make BUILDROOT="$BUILDROOT" JOBS="$JOBS" check-cross 2>&1 |
		tee -a "$LOG" || echo "check-cross: 0 passed, 1 failed" >>"$LOG"
	counted "make size" "${M[@]}" size
else
	counted "make size" "${M[@]}" size SIZE_ARCHS=
fi

if [ "$FUZZ_RUNS" -gt 0 ] && ls tests/fuzz/fuzz_*.c >/dev/null 2>&1; then
	step "libFuzzer: build, then $FUZZ_RUNS runs per target (seed 1)"
	"${M[@]}" fuzz
	art=$(cd "$BUILDROOT" && pwd)/fuzz/artifacts
	mkdir -p "$art"
	for f in "$BUILDROOT"/fuzz/fuzz_*; do
		[ -x "$f" ] || continue
		n=${f##*/fuzz_}
		new=$(mktemp -d)
		seeds=()
		[ -d "tests/fuzz/corpus/$n" ] && seeds=("tests/fuzz/corpus/$n")
		# A fixed seed and run count: the same binary and corpus give the
		# same result.  New inputs go to a temp dir, never into the
		# checked-in corpus; a crash is kept in $art.
		# At most FUZZ_MAX_S (10) seconds a target: the four stateful
		# ones stop there (300-4,000 inputs/s); depth comes from make
		# fuzz-soak (docs/fuzzing.md), CI keeps CI's time.
		if "$f" -seed=1 -runs="$FUZZ_RUNS" \
			-max_total_time="${FUZZ_MAX_S:-10}" \
			-artifact_prefix="$art/$n-" -print_final_stats=0 \
			"$new" "${seeds[@]}" >"$new.log" 2>&1; then
			echo "ok fuzz $n"
			echo "fuzz: 1 passed, 0 failed" >>"$LOG"
		else
			grep -v '^INFO\|^#' "$new.log" | tail -n 30
			echo "not ok fuzz $n (input saved in $art)"
			echo "fuzz: 0 passed, 1 failed" >>"$LOG"
		fi
		rm -rf "$new" "$new.log"
	done
fi

# Kernel SCTP: this machine has none, so the same suite runs again in a
# qemu guest with Debian's kernel (tests/vm/README.md), then RSPLIB's own
# programs against each other and ours there (tests/interop/).  The two
# guests run at once: each is about 12 minutes of emulation using one
# CPU on average (user time / wall time 0.92 in a guest run), and the
# host has nothing else to do by then.  What both use is built first,
# so that their two makes find nothing to build; the packages
# check-interop needs are scripts/deps.sh's, so it installs nothing
# while the other guest runs on the host's root.  Their outputs follow
# one after the other when both are done.  SCTP_GUEST=0 skips both.
guest_run() {
	local name=$1 out=$BUILDROOT/$1.out
	if make BUILDROOT="$BUILDROOT" "$name" >"$out" 2>&1; then
		echo "$name: 1 passed, 0 failed" >>"$out"
	else
		echo "$name: 0 passed, 1 failed" >>"$out"
	fi
}
# TLS over SCTP (make check-sctp-tls, about 4 minutes) runs beside them
# in a third guest, on the TLS sanitizer build of make check-tls.
if [ "${SCTP_GUEST:-1}" != 0 ]; then
	step "check-sctp, check-interop, check-sctp-tls (qemu guests with kernel SCTP at once)"
	"${M[@]}" VARIANT=san "$BUILDROOT/san/rsp" \
		"$BUILDROOT/san/bench/asap_bench" unit-bins lib
	"${M[@]}" TLS=1 VARIANT=san "$BUILDROOT/tls-san/rsp" \
		"$BUILDROOT/tls-san/bench/asap_bench"
	guests=(check-sctp check-interop check-sctp-tls)
	pids=()
	for name in "${guests[@]}"; do
		guest_run "$name" &
		pids+=($!)
	done
	wait "${pids[@]}" || true
	for name in "${guests[@]}"; do
		echo "--- $name"
		tee -a "$LOG" <"$BUILDROOT/$name.out"
	done
fi

# Lints: a failure is counted, and fails the run at the summary.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	counted check-format make -s check-format
fi
counted shellcheck shellcheck -x .ci/run scripts/*.sh completions/rsp.bash \
	tests/chaos/*.sh tests/chaos/*.bash tests/unit/tls/*.sh
# The systemd units: systemd-analyze verify and security --offline,
# exposure at most 2.0 (about 1.5 s; no systemd running needed).
counted check-systemd scripts/check-systemd.sh "$BUILDROOT/rel/rsp"
# OpenWrt's /bin/sh is busybox ash: POSIX sh plus `local`.
counted shellcheck-openwrt shellcheck -s sh openwrt/net/rsp/files/rsp.init \
	tests/openwrt/*.sh

# Unit tests and the extra steps print "N passed, N failed"; bats prints TAP.
step "summary"
# Each step's length, then every failed test or count of the log.
prev=
for s in "${STEPS[@]}"; do
	[ -z "$prev" ] || printf '%6d s  %s\n' $((${s%% *} - ${prev%% *})) "${prev#* }"
	prev=$s
done
grep -E '^not ok [0-9]|^[a-z -]+: [0-9]+ passed, [1-9][0-9]* failed|^[0-9]+ passed, [1-9][0-9]* failed' \
	"$LOG" | sed 's/^/FAILED: /' || true
awk '
/^([a-z-]+: )?[0-9]+ passed, [0-9]+ failed/ {
	s = $0; sub(/^[a-z-]+: /, "", s); split(s, w, " ")
	p += w[1]; f += w[3]; next
}
/^ok [0-9]/ { p++ }
/^not ok [0-9]/ { f++ }
END {
	printf "%d passed, %d failed\n", p, f
	exit f > 0
}' "$LOG"
