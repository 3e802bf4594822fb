#!/usr/bin/env bash
# The data path of RSPLIB's API (issue 18): the same RSPLIB programs on
# RSPLIB's librsplib.so.3 and on rsp's.  bench/rsplib_echo.c (built
# against Debian's librsplib-dev) echoes fixed-size messages with 1 and
# 16 messages in flight through a pool's echo PE, both ends on the
# library under test.  Configurations:
#   LIB        the echo PE is rsplib_echo -pe (rsp_poll, rsp_recvfullmsg,
#              rsp_sendmsg, one thread): the library's data path at both
#              ends, what the 0.9x target of issue 18 is about
#   LIB-rspserver  the echo PE is Debian's rspserver -echo (C++, a
#              thread per session, rsp_poll per message, a log line per
#              message): a real RSPLIB program, its own work included
#   raw        the same client on a plain socket against its own echo
#              server that reads and writes one message at a time, as an
#              echo through rsp_recvmsg/rsp_sendmsg does (and as any read
#              of SCTP does)
#   raw-stream the same, the server writing back whatever one read
#              brought (several messages per system call with 16 in
#              flight: TCP only; over SCTP the same as raw)
# LIB: ours (rsp's library), rsplib (RSPLIB's, guest only), base
# (BASE_LIBB).
#   On the host (no kernel SCTP): our library over the TCP mapping,
#   rsp registrar, and raw TCP.  RSPLIB's library needs kernel SCTP.
#   In the SCTP test guest: RSPLIB's library and ours over kernel SCTP,
#   RSPLIB's rspregistrar, and raw SCTP, in the same run.
# Prints one line per trial (config=... inflight=N rate=R p50_us=X
# p99_us=Y) and then the medians as a markdown table, with the ratio of
# each configuration's rate to raw's.
#
# usage: bench/rsplib.sh
# Environment: RSP (rsp binary, default build/rel/rsp: the host's
# registrar), RSP_LIBB (our librsplib.so.3's directory, default
# build/lib), ECHO_BIN (default build/bench-rsplib/rsplib_echo),
# TRIALS (3), DURATION (ms per phase, 2000), SIZE (bytes, 64), PORT
# (3963: the registrar's; the raw echo server's is the next), BASE_LIBB
# (another build's librsplib.so.3 directory: "base" configurations in
# the same run, to compare two versions of ours), CONFIGS (a subset of
# the configurations, in the order given), SPIN (1: a busy loop per CPU
# in the idle scheduling class during the run, which any runnable task
# preempts: it keeps the CPUs out of their idle states, as idle=poll or
# disabled C-states do on bare metal, since a virtual CPU woken from
# idle takes tens of µs, most of an idle round trip and at random
# (bench/rsplib.md); default 0).
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

# The spinners are not in PIDS: kill_pids ends each trial's processes.
SPINNERS=()
cleanup_spinners() {
	[ ${#SPINNERS[@]} -eq 0 ] || kill "${SPINNERS[@]}" 2>/dev/null || true
}
trap 'cleanup_spinners; cleanup' EXIT
if [ "${SPIN:-0}" = 1 ]; then
	for _ in $(seq "$(nproc)"); do
		chrt -i 0 sh -c 'while :; do :; done' &
		SPINNERS+=($!)
	done
fi

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

# run CONFIG: one trial of CONFIG on stdout.
run() {
	local config=$1 lib=${1%-rspserver} libpath=
	case $lib in
	ours) libpath=$RSP_LIBB ;;
	base) libpath=$BASE_LIBB ;;
	esac
	if [ "${config#raw}" != "$config" ]; then
		: >"$T/raw.log"
		# shellcheck disable=SC2046 # -sctp, -permessage or nothing
		"$ECHO_BIN" -rawecho=$((PORT + 1)) $([ $transport = sctp ] && echo -sctp) \
		    $([ "$config" = raw ] && echo -permessage) -size="$SIZE" \
		    >"$T/raw.log" 2>&1 &
		PIDS+=($!)
		wait_line "$T/raw.log" 'listening on' 10
		# shellcheck disable=SC2046 # -sctp or nothing
		"$ECHO_BIN" -raw=127.0.0.1:$((PORT + 1)) $([ $transport = sctp ] && echo -sctp) \
		    -duration="$DURATION" -size="$SIZE" -inflight=1,16
	else
		# rspserver's output (a line per message echoed, buffered)
		# into a file of the tmpfs: the same cost on either library.
		: >"$T/srv.log"
		if [ "$lib" = "$config" ]; then
			LD_LIBRARY_PATH=$libpath RSP_TRANSPORT=$transport "$ECHO_BIN" \
			    -pe -poolhandle=EchoPool -registrar="$ASAP" \
			    >"$T/srv.log" 2>&1 &
		else
			LD_LIBRARY_PATH=$libpath RSP_TRANSPORT=$transport rspserver -echo \
			    -registrar="$ASAP" -loglevel=0 >"$T/srv.log" 2>&1 &
		fi
		PIDS+=($!)
		wait_pe
		LD_LIBRARY_PATH=$libpath RSP_TRANSPORT=$transport timeout 120 \
		    "$ECHO_BIN" -registrar="$ASAP" -duration="$DURATION" \
		    -size="$SIZE" -inflight=1,16 ||
			{ echo "$NAME: $config failed; its PE's log:" >&2
			  tail -n 20 "$T/srv.log" >&2; }
	fi
	kill_pids
}

configs="ours ours-rspserver raw raw-stream"
[ $where = guest ] && configs="rsplib rsplib-rspserver $configs"
[ -n "${BASE_LIBB:-}" ] && configs="base base-rspserver $configs"
configs=${CONFIGS:-$configs}
echo "# $NAME on the $where ($transport), $(uname -r), $(nproc) CPU(s), trials=$TRIALS duration=${DURATION}ms size=${SIZE}B spin=${SPIN:-0}" >&2
for i in $(seq "$TRIALS"); do
	for c in $configs; do
		[ "${c#raw}" != "$c" ] || start_registrar
		run "$c" >"$T/one.txt"
		sed "s/^/config=$c trial=$i /" "$T/one.txt" | tee -a "$T/all.txt"
	done
	echo "# trial $i done" >&2
done

# The medians: | config | in flight | msgs/s | x raw | p50 µs | p99 µs |
# "x raw": the median over the trials of the rate divided by raw's of
# the same trial (configurations interleave within a trial, so the
# machine's load of the moment divides out).
median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
sel() { grep "^config=$1 .*inflight=$2 " "$T/all.txt" | sed -n "s/.* $3=\([0-9]*\).*/\1/p"; }
ratios() {
	local i a b
	for i in $(seq "$TRIALS"); do
		a=$(grep "^config=$1 trial=$i inflight=$2 " "$T/all.txt" | sed -n 's/.* rate=\([0-9]*\).*/\1/p')
		b=$(grep "^config=raw trial=$i inflight=$2 " "$T/all.txt" | sed -n 's/.* rate=\([0-9]*\).*/\1/p')
		[ -n "$a" ] && [ -n "$b" ] && awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f\n", a / b }'
	done
}
echo
echo "| library ($where, $transport) | in flight | msgs/s (median of $TRIALS; min-max) | x raw (median) | p50 µs | p99 µs |"
echo "|---|---:|---:|---:|---:|---:|"
for c in $configs; do
	for n in 1 16; do
		r=$(sel "$c" $n rate | sort -n)
		echo "| $c | $n | $(echo "$r" | median) ($(echo "$r" | head -n 1)-$(echo "$r" | tail -n 1)) | $(ratios "$c" $n | median) | $(sel "$c" $n p50_us | median) | $(sel "$c" $n p99_us | median) |"
	done
done
