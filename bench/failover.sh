#!/usr/bin/env bash
# Failover latency of a pool user session (issue 7), over the TCP
# mapping on 127.0.0.1 with real processes: a registrar, two echo PEs
# and `rsp terminal` sending a line every ~2 ms.  Each run kills -9 the
# PE in use and measures from the terminal's loss log line (the
# association failed, or the PE's close) to the first answer from the
# other PE.  Prints each run and min/median/max in ms.
#
# usage: bench/failover.sh [RUNS]   (RSP=path/to/rsp, default build/rel/rsp)
set -eu

RSP=${RSP:-$(dirname "$0")/../build/rel/rsp}
RUNS=${1:-10}
export TZ=UTC
T=$(mktemp -d)
PIDS=

cleanup() {
	local p
	exec 4>&- 2>/dev/null || true
	for p in $PIDS; do
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$T"
}
trap cleanup EXIT

# wait_for REGEX FILE: at most 10 s
wait_for() {
	for _ in $(seq 100); do
		grep -q -- "$1" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "timeout waiting for '$1' in $2" >&2
	cat "$2" >&2
	exit 1
}

# "2026-11-24 16:51:24.181" -> ms since the epoch
log_ms() {
	local s
	s=$(date -d "${1% *} ${1#* }" +%s 2>/dev/null) || return 1
	echo $((s * 1000 + 10#${1##*.}))
}

start_pe() {
	"$RSP" server -echo -transport=tcp -registrar=127.0.0.1:"$PORT" \
	    -quiet -loglevel=4 -logcolor=off >"$T/$1.log" 2>&1 &
	PIDS="$PIDS $!"
	echo "$!" >"$T/$1.pid"
	wait_for 'registered in pool' "$T/$1.log"
	sed -n 's/.*PE \$\([0-9a-f]*\) registered in pool.*/\1/p' \
	    "$T/$1.log" >"$T/$1.id"
}

"$RSP" registrar -transport=tcp -asap=127.0.0.1:0 -asapannounce=off \
    -minaddressscope=loopback -loglevel=4 -logcolor=off \
    >"$T/registrar.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 'ASAP listening on' "$T/registrar.log"
PORT=$(sed -n 's/.*ASAP listening on 127\.0\.0\.1:\([0-9]*\) (tcp)$/\1/p' \
    "$T/registrar.log")

results=()
for run in $(seq "$RUNS"); do
	start_pe a
	start_pe b
	: >"$T/term.err"
	: >"$T/answers"
	mkfifo "$T/in"
	mkfifo "$T/out"
	# every answer with the time it was read (ms)
	while IFS= read -r l; do
		t=${EPOCHREALTIME/./}
		echo "$((t / 1000)) $l"
	done <"$T/out" >"$T/answers" &
	reader=$!
	"$RSP" terminal -transport=tcp -registrar=127.0.0.1:"$PORT" \
	    -loglevel=5 -logcolor=off <"$T/in" >"$T/out" 2>"$T/term.err" &
	term=$!
	PIDS="$PIDS $reader $term"
	exec 4>"$T/in"
	( i=0; while :; do echo "line$i"; i=$((i + 1)); sleep 0.002; done ) >&4 &
	gen=$!
	PIDS="$PIDS $gen"
	wait_for 'from PE' "$T/answers"
	used=$(sed -n '1s/^[0-9]* from PE \$\([0-9a-f]*\)>.*/\1/p' "$T/answers")
	if [ "$used" = "$(cat "$T/a.id")" ]; then victim=a other=b; else
		victim=b other=a; fi
	new=$(cat "$T/$other.id")
	kill -9 "$(cat "$T/$victim.pid")"
	wait_for "^[0-9]* from PE \\\$$new>" "$T/answers"
	loss=$(grep -m1 -E 'tcpmap: assoc [0-9]+ failed|closed the session' \
	    "$T/term.err" | cut -c1-23)
	t0=$(log_ms "$loss")
	t1=$(grep -m1 "^[0-9]* from PE \\\$$new>" "$T/answers" | cut -d' ' -f1)
	ms=$((t1 - t0))
	lost=$(sed -n 's/.*terminal: \([0-9]*\) line(s) may be lost.*/\1/p' \
	    "$T/term.err")
	echo "run $run: ${ms} ms (loss logged $loss, unacked ${lost:-0})"
	results+=("$ms")
	kill "$gen" 2>/dev/null || true
	exec 4>&-
	rm -f "$T/in" "$T/out"
	kill -9 "$(cat "$T/$other.pid")" "$term" 2>/dev/null || true
	for p in $gen $term $reader $(cat "$T/a.pid" "$T/b.pid"); do
		wait "$p" 2>/dev/null || true
	done
	PIDS=$(echo "$PIDS" | awk '{print $1}') # the registrar
	sleep 0.5 # let the registrar drop the PEs
done

sorted=($(printf '%s\n' "${results[@]}" | sort -n))
n=${#sorted[@]}
echo "failover over $n runs: min ${sorted[0]} ms," \
    "median ${sorted[$((n / 2))]} ms, max ${sorted[$((n - 1))]} ms"
