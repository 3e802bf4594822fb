#!/usr/bin/env bash
# Handle table transfer and hsdump rate (issue 7), rsp's registrar over
# the TCP mapping on 127.0.0.1 (or kernel SCTP with TRANSPORT=sctp, in
# the test guest).  For each pool size N: registrar A holds N PEs
# (asap_bench registers them, then keeps its associations with
# -hold); registrar B starts with -peer=A and learns the
# handlespace from A, its mentor: the transfer time is from B's "mentor
# is" log line to its "normal operation (handle table from the mentor),
# N PEs known" line (log time stamps, ms).  Then `rsp hsdump` dumps A:
# wall time of the whole run of the tool, and PEs/s.
#
# usage: bench/transfer.sh [N...]   (default 1000 10000 100000)
# Environment: RSP (default build/rel/rsp), ASAP_BENCH (default
# build/rel/bench/asap_bench), TRANSPORT (tcp), TRIALS (3), REG_OPTS
# (extra options of both registrars, e.g. -mentordiscoverytimeout=500).
# Output: one line per trial,
#   transfer pes=N trial=T transfer_ms=MS transfer_rate=PES/s hsdump_ms=MS hsdump_rate=PES/s
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
RSP=${RSP:-$top/build/rel/rsp}
ASAP_BENCH=${ASAP_BENCH:-$top/build/rel/bench/asap_bench}
TRANSPORT=${TRANSPORT:-tcp}
TRIALS=${TRIALS:-3}
read -r -a EXTRA <<<"${REG_OPTS:-}"
[ $# -gt 0 ] || set -- 1000 10000 100000

TMP=$(mktemp -d)
NAME=bench/transfer.sh
# shellcheck source=bench/lib.sh
source "$top/bench/lib.sh"
trap 'kill_pids; [ -n "${KEEP:-}" ] || rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM


registrar() { # NAME LOGLEVEL EXTRA-ARGS...
	local name=$1 level=$2
	shift 2
	# or the previous trial's log may be read before the new one
	# truncates it
	rm -f "$TMP/$name.log"
	"$RSP" registrar -transport="$TRANSPORT" -asap=127.0.0.1:0 \
	    -enrp=127.0.0.1:0 -asapannounce=off -enrpannounce=off \
	    -minaddressscope=loopback -maxhrrate=0 -maxpesperassociation=0 \
	    -maxregistrationrate=0 \
	    -endpointkeepalivetransmissioninterval=600000 -loglevel="$level" \
	    -logcolor=off ${EXTRA[@]+"${EXTRA[@]}"} "$@" \
	    >"$TMP/$name.log" 2>&1 &
	PIDS+=($!)
	wait_line "$TMP/$name.log" 'ENRP listening on' 10
}

for n in "$@"; do
	for t in $(seq "$TRIALS"); do
		# A at notice level: a line per registration would slow
		# 1,000,000 of them down; B's "mentor is" is an info line.
		registrar A 3 -identifier=0x0000a000
		# a registrar drops ASAP messages until its start-up (the
		# search for a mentor) is over
		wait_line "$TMP/A.log" 'normal operation' 30
		asap=$(port "$TMP/A.log" ASAP)
		enrp=$(port "$TMP/A.log" ENRP)
		rm -f "$TMP/gen.log"
		"$ASAP_BENCH" -transport="$TRANSPORT" \
		    -registrar=127.0.0.1:"$asap" -pes="$n" -hold \
		    -timeout=120000 >"$TMP/gen.log" 2>&1 &
		PIDS+=($!)
		wait_line "$TMP/gen.log" '^phase=hold' 600
		registrar B 4 -identifier=0x0000b000 -peer=127.0.0.1:"$enrp"
		# the whole line: the log may be read while it is being written
		wait_line "$TMP/B.log" 'normal operation.* PEs known' 600
		known=$(sed -n 's/.*normal operation (.*), \([0-9]*\) PEs known.*/\1/p' \
		    "$TMP/B.log")
		if ! grep -q 'normal operation (handle table from the mentor)' \
		    "$TMP/B.log" || [ "$known" != "$n" ]; then
			echo "bench/transfer.sh: B knows ${known:-?} of $n PEs:" >&2
			tail -5 "$TMP/B.log" >&2
			exit 1
		fi
		t0=$(stamp_ms "$TMP/B.log" 'mentor is')
		t1=$(stamp_ms "$TMP/B.log" 'normal operation')
		xfer=$((t1 - t0))
		h0=$(date +%s%N)
		"$RSP" hsdump -transport="$TRANSPORT" -format=kv -timeout=600000 \
		    127.0.0.1:"$enrp" >"$TMP/dump.txt"
		h1=$(date +%s%N)
		dumped=$(grep -c '^pool=' "$TMP/dump.txt" || true)
		if [ "$dumped" != "$n" ]; then
			echo "bench/transfer.sh: hsdump shows $dumped of $n PEs" >&2
			exit 1
		fi
		hs=$(((h1 - h0) / 1000000))
		awk -v n="$n" -v t="$t" -v x="$xfer" -v h="$hs" 'BEGIN {
			printf "transfer pes=%d trial=%d transfer_ms=%d transfer_rate=%.0f hsdump_ms=%d hsdump_rate=%.0f\n",
			    n, t, x, n * 1000 / (x > 0 ? x : 1), h,
			    n * 1000 / (h > 0 ? h : 1) }'
		kill_pids
	done
done
