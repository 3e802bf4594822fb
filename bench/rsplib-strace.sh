#!/usr/bin/env bash
# System calls per echoed message of RSPLIB's API on rsp's library
# (issue 18, bench/rsplib.md): bench/rsplib_echo.c's echo PE (-pe) and
# client on our librsplib.so.3, then the raw echo, each under
# `strace -f -c` for DURATION ms with 1 and 16 messages in flight.
# Prints each process's calls per message (strace slows everything:
# only the counts mean something).  Over kernel SCTP where the kernel
# has it (the test guest: tests/vm/run-in-guest.sh bench/rsplib-strace.sh),
# else over the TCP mapping.
# Environment: RSP, RSP_LIBB, ECHO_BIN (as bench/rsplib.sh), DURATION
# (3000), PORT (4963).
set -eu -o pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
RSP=${RSP:-$top/build/rel/rsp}
RSP_LIBB=${RSP_LIBB:-$top/build/lib}
ECHO_BIN=${ECHO_BIN:-$top/build/bench-rsplib/rsplib_echo}
DURATION=${DURATION:-3000}
PORT=${PORT:-4963}
NAME=bench/rsplib-strace.sh
T=$(mktemp -d)
# shellcheck source=bench/lib.sh
source "$top/bench/lib.sh"
trap 'kill_pids; rm -rf "$T"' EXIT

command -v strace >/dev/null || { echo "$NAME: strace missing" >&2; exit 2; }
if [ -d /proc/sys/net/sctp ]; then tr=sctp raw=-sctp; else tr=tcp raw=; fi

# per_msg FILE MSGS: strace's table as "syscall calls/message", busiest first
per_msg() {
	awk -v m="$2" '$NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ &&
	    $NF != "total" && $4 / m >= 0.01 {
		printf "  %-16s %6.2f\n", $NF, $4 / m }' "$1" | sort -k2 -nr
}
msgs() { sed -n 's/.* msgs=\([0-9]*\) .*/\1/p' "$1"; }

"$RSP" registrar -transport="$tr" -asap=127.0.0.1:"$PORT" -asapannounce=off \
    -enrpannounce=off -minaddressscope=loopback -loglevel=4 >"$T/reg.log" 2>&1 &
PIDS+=($!)
wait_line "$T/reg.log" 'ASAP listening on' 10
for n in 1 16; do
	LD_LIBRARY_PATH=$RSP_LIBB RSP_TRANSPORT=$tr strace -f -c -o "$T/pe.st" \
	    "$ECHO_BIN" -pe -poolhandle=EchoPool -registrar=127.0.0.1:"$PORT" \
	    >"$T/pe.log" 2>&1 &
	pe=$!
	wait_line "$T/reg.log" 'registered PE .* in pool EchoPool' 60
	LD_LIBRARY_PATH=$RSP_LIBB RSP_TRANSPORT=$tr strace -f -c -o "$T/pu.st" \
	    "$ECHO_BIN" -registrar=127.0.0.1:"$PORT" -duration="$DURATION" \
	    -size=64 -inflight="$n" >"$T/pu.out"
	pkill -f "$ECHO_BIN -pe" || true
	wait "$pe" || true
	: >"$T/reg.log"
	"$ECHO_BIN" -rawecho=$((PORT + 1)) $raw -permessage -size=64 \
	    >"$T/raw.log" 2>&1 &
	PIDS+=($!)
	wait_line "$T/raw.log" 'listening on' 10
	strace -f -c -o "$T/raw.st" "$ECHO_BIN" -raw=127.0.0.1:$((PORT + 1)) $raw \
	    -duration="$DURATION" -size=64 -inflight="$n" >"$T/raw.out"
	kill "${PIDS[-1]}"
	echo "$tr, $n in flight: library $(msgs "$T/pu.out") messages, raw $(msgs "$T/raw.out")"
	echo " client on the library, calls per message:"
	per_msg "$T/pu.st" "$(msgs "$T/pu.out")"
	echo " echo PE on the library:"
	per_msg "$T/pe.st" "$(msgs "$T/pu.out")"
	echo " raw client:"
	per_msg "$T/raw.st" "$(msgs "$T/raw.out")"
done
