#!/usr/bin/env bash
# The data path of RSPLIB's API (issue 18): the same RSPLIB programs on
# RSPLIB's librsplib.so.3 and on rsp's.  bench/rsplib_echo.c (built
# against Debian's librsplib-dev) echoes fixed-size messages through
# Debian's rspserver -echo, both on the library under test, with 1 and
# 16 messages in flight; the same client on a plain socket against its
# own echo server is the raw transport's figure.
#   On the host (no kernel SCTP): our library over the TCP mapping,
#   rsp registrar, and raw TCP.  RSPLIB's library needs kernel SCTP.
#   In the SCTP test guest: RSPLIB's library and ours over kernel SCTP,
#   RSPLIB's rspregistrar, and raw SCTP, in the same run.
# Prints one line per trial (config=... inflight=N rate=R p50_us=X
# p99_us=Y) and then the medians as a markdown table.
#
# usage: bench/rsplib.sh
# Environment: RSP (rsp binary, default build/rel/rsp: the host's
# registrar), RSP_LIBB (our librsplib.so.3's directory, default
# build/lib), ECHO_BIN (default build/bench-rsplib/rsplib_echo),
# TRIALS (3), DURATION (ms per phase, 2000), SIZE (bytes, 64), PORT
# (3963: the registrar's; the raw echo server's is the next), BASE_LIBB
# (another build's librsplib.so.3 directory: a "base" configuration in
# the same run, to compare two versions of ours).
set -eu -o pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
RSP=${RSP:-$top/build/rel/rsp}
RSP_LIBB=${RSP_LIBB:-$top/build/lib}
ECHO_BIN=${ECHO_BIN:-$top/build/bench-rsplib/rsplib_echo}
TRIALS=${TRIALS:-3}
DURATION=${DURATION:-2000}
SIZE=${SIZE:-64}
T=$(mktemp -d)
NAME=bench/rsplib.sh
# shellcheck source=bench/lib.sh
source "$top/bench/lib.sh"

cleanup() {
	kill_pids
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

for f in "$ECHO_BIN" "$RSP_LIBB/librsplib.so.3"; do
	[ -e "$f" ] || { echo "$NAME: no $f (make bench-rsplib)" >&2; exit 2; }
done
command -v rspserver >/dev/null ||
	{ echo "$NAME: Debian's rspserver is missing (apt-get install rsplib-services)" >&2; exit 2; }

if [ -d /proc/sys/net/sctp ]; then
	where=guest transport=sctp
else
	where=host transport=tcp
fi
# PORT: the registrar's ASAP port on the host, PORT+1 the raw echo's
# (tests pick others: two runs on one machine must not meet).
PORT=${PORT:-3963}
ASAP=127.0.0.1:$PORT

# The logs are emptied here, not by the redirection of a command put in
# the background: that runs later, and a wait for a line of the last
# trial's log would pass at once (the raw client was refused).
start_registrar() {
	: >"$T/reg.log"
	if [ $where = host ]; then
		"$RSP" registrar -transport=tcp -asap="$ASAP" -asapannounce=off \
		    -minaddressscope=loopback -loglevel=4 >"$T/reg.log" 2>&1 &
		PIDS+=($!)
		wait_line "$T/reg.log" 'ASAP listening on' 10
	else
		rspregistrar -minaddressscope=loopback -asap="$ASAP",192.0.2.1 \
		    -enrp=127.0.0.1:9963,192.0.2.1 -asapannounce=off \
		    -enrpannounce=off -loglevel=1 >"$T/reg.log" 2>&1 &
		PIDS+=($!)
		sleep 1
	fi
}

# wait_pe: the echo PE is in the registrar's handlespace (30 s at most).
wait_pe() {
	local i
	if [ $where = host ]; then
		wait_line "$T/reg.log" 'registered PE .* in pool EchoPool' 30
		return
	fi
	for i in $(seq 60); do
		timeout 10 hsdump 127.0.0.1:9963 2>&1 | grep -q 'Pool "EchoPool"' &&
			return 0
		sleep 0.5
	done
	echo "$NAME: the echo PE did not register within 30 s" >&2
	return 1
}

# run CONFIG: one trial of CONFIG (rsplib, ours, raw) on stdout.
run() {
	local config=$1 libpath=
	[ "$config" = ours ] && libpath=$RSP_LIBB
	[ "$config" = base ] && libpath=$BASE_LIBB
	if [ "$config" = raw ]; then
		: >"$T/raw.log"
		# shellcheck disable=SC2046 # -sctp or nothing
		"$ECHO_BIN" -rawecho=$((PORT + 1)) $([ $transport = sctp ] && echo -sctp) \
		    >"$T/raw.log" 2>&1 &
		PIDS+=($!)
		wait_line "$T/raw.log" 'listening on' 10
		# shellcheck disable=SC2046 # -sctp or nothing
		"$ECHO_BIN" -raw=127.0.0.1:$((PORT + 1)) $([ $transport = sctp ] && echo -sctp) \
		    -duration="$DURATION" -size="$SIZE" -inflight=1,16
	else
		# Its output (a line per message echoed, buffered) into a
		# file of the tmpfs: the same cost on either library.
		: >"$T/srv.log"
		LD_LIBRARY_PATH=$libpath RSP_TRANSPORT=$transport rspserver -echo \
		    -registrar="$ASAP" -loglevel=0 >"$T/srv.log" 2>&1 &
		PIDS+=($!)
		wait_pe
		LD_LIBRARY_PATH=$libpath RSP_TRANSPORT=$transport timeout 120 \
		    "$ECHO_BIN" -registrar="$ASAP" -duration="$DURATION" \
		    -size="$SIZE" -inflight=1,16
	fi
	kill_pids
}

configs="ours raw"
[ $where = guest ] && configs="rsplib ours raw"
[ -n "${BASE_LIBB:-}" ] && configs="base $configs"
echo "# $NAME on the $where ($transport), $(uname -r), $(nproc) CPU(s), trials=$TRIALS duration=${DURATION}ms size=${SIZE}B" >&2
for i in $(seq "$TRIALS"); do
	for c in $configs; do
		[ "$c" = raw ] || start_registrar
		run "$c" >"$T/one.txt"
		sed "s/^/config=$c /" "$T/one.txt" | tee -a "$T/all.txt"
	done
	echo "# trial $i done" >&2
done

# The medians: | config | in flight | msgs/s | p50 µs | p99 µs |
median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
echo
echo "| library ($where, $transport) | in flight | msgs/s (median of $TRIALS) | p50 µs | p99 µs |"
echo "|---|---:|---:|---:|---:|"
for c in $configs; do
	for n in 1 16; do
		sel() { grep "^config=$c inflight=$n " "$T/all.txt" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
		echo "| $c | $n | $(sel rate | median) | $(sel p50_us | median) | $(sel p99_us | median) |"
	done
done
