#!/usr/bin/env bash
# Failover latency of a pool user session (issue 7) on 127.0.0.1 with
# real processes: a registrar, two PEs and a PU.  Each run kills -9 the
# PE in use and measures from the PU's log line for the loss (the
# transport reporting it: "tcpmap: assoc N failed", "sctp: assoc N
# lost", or the PE's close) to the session's resumption on the other PE:
#   MODE=terminal   echo PEs, `rsp terminal` sending a line every ~2 ms:
#                   the first answer from the other PE;
#   MODE=pingpong   Ping Pong PEs (they send cookies), `rsp
#                   pingpongclient -interval=5`: its first Pong from the
#                   other PE, after its "failover to PE ... (cookie
#                   echoed)" line (connected, the Cookie Echo sent first);
#                   the Pong's ReplyNo goes on from the cookie.
# Prints each run and min/median/max in ms.
#
# usage: bench/failover.sh [RUNS]
# Environment: RSP (default build/rel/rsp), TRANSPORT (tcp; sctp in the
# test guest), MODE (pingpong).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
RSP=${RSP:-$top/build/rel/rsp}
RUNS=${1:-10}
TRANSPORT=${TRANSPORT:-tcp}
MODE=${MODE:-pingpong}
export TZ=UTC
T=$(mktemp -d)
NAME=bench/failover.sh
# shellcheck source=bench/lib.sh
source "$top/bench/lib.sh"

cleanup() {
	exec 4>&- 2>/dev/null || true
	kill_pids
	rm -rf "$T"
}
trap cleanup EXIT


service=-echo
[ "$MODE" = pingpong ] && service=-pingpong

start_pe() {
	"$RSP" server "$service" -transport="$TRANSPORT" \
	    -registrar=127.0.0.1:"$PORT" -quiet -loglevel=4 -logcolor=off \
	    >"$T/$1.log" 2>&1 &
	PIDS+=("$!")
	echo "$!" >"$T/$1.pid"
	wait_line "$T/$1.log" 'registered in pool' 10 || exit 1
	sed -n 's/.*PE \$\([0-9a-f]*\) registered in pool.*/\1/p' \
	    "$T/$1.log" >"$T/$1.id"
}

LOSS='tcpmap: assoc [0-9]+ failed|sctp: assoc [0-9]+ lost|closed the session'

# start_pu: the PU; sets PU (pid) and GEN (the line generator or "")
start_pu() {
	GEN=
	if [ "$MODE" = pingpong ]; then
		"$RSP" pingpongclient -transport="$TRANSPORT" \
		    -registrar=127.0.0.1:"$PORT" -interval=5 -loglevel=5 \
		    -logcolor=off >"$T/out" 2>"$T/pu.err" &
		PU=$!
		PIDS+=("$PU")
		wait_line "$T/pu.err" 'connected to PE' 10 || exit 1
		sed -n 's/.*connected to PE \$\([0-9a-f]*\).*/\1/p' "$T/pu.err" \
		    >"$T/used"
		return
	fi
	mkfifo "$T/in"
	mkfifo "$T/out"
	# every answer with the time it was read (ms)
	while IFS= read -r l; do
		t=${EPOCHREALTIME/./}
		echo "$((t / 1000)) $l"
	done <"$T/out" >"$T/answers" &
	PIDS+=("$!")
	READER=$!
	"$RSP" terminal -transport="$TRANSPORT" -registrar=127.0.0.1:"$PORT" \
	    -loglevel=5 -logcolor=off <"$T/in" >"$T/out" 2>"$T/pu.err" &
	PU=$!
	PIDS+=("$PU")
	exec 4>"$T/in"
	( i=0; while :; do echo "line$i"; i=$((i + 1)); sleep 0.002; done ) >&4 &
	GEN=$!
	PIDS+=("$GEN")
	wait_line "$T/answers" 'from PE' 10 || exit 1
	sed -n '1s/^[0-9]* from PE \$\([0-9a-f]*\)>.*/\1/p' "$T/answers" \
	    >"$T/used"
}

# resumed_ms NEW-PE-ID: when the session resumed on it (ms since epoch)
resumed_ms() {
	local l
	if [ "$MODE" = pingpong ]; then
		wait_line "$T/pu.err" "failover to PE \\\$$1 (cookie echoed)" 10 || exit 1
		wait_line "$T/pu.err" "Pong #[0-9]* from PE \\\$$1" 10 || exit 1
		l=$(grep -m1 "Pong #[0-9]* from PE \\\$$1" "$T/pu.err" |
		    cut -c1-23)
		log_ms "$l"
		return
	fi
	wait_line "$T/answers" "^[0-9]* from PE \\\$$1>" 10 || exit 1
	grep -m1 "^[0-9]* from PE \\\$$1>" "$T/answers" | cut -d' ' -f1
}

stop_pu() {
	[ -n "$GEN" ] && kill "$GEN" 2>/dev/null
	exec 4>&-
	rm -f "$T/in" "$T/out"
	kill -9 "$PU" 2>/dev/null || true
	for p in $GEN $PU ${READER:-} $(cat "$T/a.pid" "$T/b.pid"); do
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

"$RSP" registrar -transport="$TRANSPORT" -asap=127.0.0.1:0 -enrp=off \
    -asapannounce=off -minaddressscope=loopback -loglevel=4 -logcolor=off \
    >"$T/registrar.log" 2>&1 &
PIDS+=("$!")
wait_line "$T/registrar.log" 'ASAP listening on' 10 || exit 1
PORT=$(port "$T/registrar.log" ASAP)

results=()
for run in $(seq "$RUNS"); do
	start_pe a
	start_pe b
	: >"$T/pu.err"
	: >"$T/answers"
	start_pu
	if [ "$(cat "$T/used")" = "$(cat "$T/a.id")" ]; then victim=a other=b; else
		victim=b other=a; fi
	new=$(cat "$T/$other.id")
	vpid=$(cat "$T/$victim.pid")
	kill -9 "$vpid"
	wait "$vpid" 2>/dev/null || true # reaped quietly: no "Killed" line
	t1=$(resumed_ms "$new")
	loss=$(grep -m1 -E "$LOSS" "$T/pu.err" | cut -c1-23)
	t0=$(log_ms "$loss")
	ms=$((t1 - t0))
	lost=$(sed -n 's/.*terminal: \([0-9]*\) line(s) may be lost.*/\1/p' \
	    "$T/pu.err")
	echo "run $run: ${ms} ms (loss logged $loss, unacked ${lost:-0})"
	results+=("$ms")
	stop_pu 2>/dev/null
	PIDS=("${PIDS[0]}") # the registrar
	sleep 0.5 # let the registrar drop the PEs
done

mapfile -t sorted < <(printf '%s\n' "${results[@]}" | sort -n)
n=${#sorted[@]}
echo "failover ($MODE, $TRANSPORT) over $n runs: min ${sorted[0]} ms," \
    "median ${sorted[$((n / 2))]} ms, max ${sorted[$((n - 1))]} ms"
