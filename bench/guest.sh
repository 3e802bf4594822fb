#!/bin/sh
# Side-by-side run in the SCTP test guest (make bench-guest: one vCPU,
# tests/vm/run-in-guest.sh with VM_SMP=1): rsp's registrar, RSPLIB's
# rspregistrar (Debian rsplib-registrar 3.4.4) and the echo limit
# (asap_bench -echoserver), each loaded by the same generator over kernel
# SCTP on 127.0.0.1.  The registrars also listen on 192.0.2.1 (on lo in
# the guest, tests/vm/init): RSPLIB drops loopback addresses from a PE's
# transport and refuses a PE left without any.  Prints the generator's lines prefixed with
# "target=rsp|rsplib pool=N policy=P trial=T".
#
# Then, per target, the handle table: registrar A holds BENCH_XFER_SIZES
# PEs (default 1000); the target's own hsdump dumps A (wall time), and a
# new registrar B with -peer=A learns them from A: from B's start to its
# "normal operation" log line (rsp), or to the start of the first
# `rsp hsdump` poll of B that shows them all (RSPLIB, which logs no such
# line; the poll's own time is not counted).  Lines "target=T
# xfer pes=N trial=K hsdump_ms=MS transfer_ms=MS".
#
# Environment: RSP, ASAP_BENCH; BENCH_SIZES (default "1 100 10000
# 100000"), BENCH_POLICIES ("RoundRobin LeastUsed"), BENCH_INFLIGHT
# (1,16,64), BENCH_TRIALS (3),
# BENCH_DURATION (ms, 1000), BENCH_TARGETS ("rsp rsplib"),
# BENCH_XFER_SIZES ("1000 10000"; "" for none), BENCH_FAILOVER_RUNS (10; 0 for
# none: bench/failover.sh over kernel SCTP, rsp only, lines "failover ...").
set -eu

: "${RSP:?}" "${ASAP_BENCH:?}"
SIZES=${BENCH_SIZES-1 100 10000 100000}
POLICIES=${BENCH_POLICIES:-RoundRobin LeastUsed}
INFLIGHT=${BENCH_INFLIGHT:-1,16,64}
TRIALS=${BENCH_TRIALS:-3}
DURATION=${BENCH_DURATION:-1000}
XFER_SIZES=${BENCH_XFER_SIZES-1000 10000}
TMP=$(mktemp -d)
RPID=
EPID=
XPIDS=
cleanup() {
	for p in $RPID $EPID $XPIDS; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

wait_for() { # file pattern
	i=0
	while [ $i -lt 300 ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "bench/guest.sh: '$2' not in $1:" >&2
	cat "$1" >&2
	return 1
}

"$ASAP_BENCH" -transport=sctp -echoserver=127.0.0.1:0 >"$TMP/echo.log" 2>&1 &
EPID=$!
wait_for "$TMP/echo.log" "echo listening on"
EPORT=$(sed -n 's/^echo listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$TMP/echo.log")

# The same limits for both: no HR rate limit to speak of, keep-alives
# every 10 minutes (out of the measured phases).
start() { # rsp|rsplib
	rm -f "$TMP/reg.log"
	if [ "$1" = rsp ]; then
		"$RSP" registrar -transport=sctp -asap=127.0.0.1,192.0.2.1:3863 \
		    -enrp=off -asapannounce=off -minaddressscope=loopback \
		    -maxhrrate=100000000 -maxpesperassociation=0 \
		    -maxregistrationrate=0 \
		    -endpointkeepalivetransmissioninterval=600000 \
		    -loglevel=3 -logcolor=off >"$TMP/reg.log" 2>&1 &
		RPID=$!
		wait_for "$TMP/reg.log" "ASAP listening on"
	else
		rspregistrar -minaddressscope=loopback \
		    -asap=127.0.0.1:3863,192.0.2.1 -enrp=127.0.0.1:9901,192.0.2.1 -asapannounce=off -enrpannounce=off \
		    -maxhrrate=100000000 \
		    -endpointkeepalivetransmissioninterval=600000 \
		    -loglevel=${RSPLIB_LOGLEVEL:-1} -logcolor=off >"$TMP/reg.log" 2>&1 &
		RPID=$!
		sleep 2
	fi
}

stop() {
	kill "$RPID" 2>/dev/null || true
	wait "$RPID" 2>/dev/null || true
	RPID=
}

for size in $SIZES; do
	for policy in $POLICIES; do
		t=1
		while [ $t -le "$TRIALS" ]; do
			for target in ${BENCH_TARGETS:-rsp rsplib}; do
				start $target
				echo "== $target pool=$size policy=$policy trial=$t" >&2
				timeout 900 "$ASAP_BENCH" -transport=sctp \
				    -registrar=127.0.0.1:3863 \
				    -echo=127.0.0.1:"$EPORT" -pes="$size" \
				    -policy="$policy" -inflight="$INFLIGHT" \
				    -duration="$DURATION" -rsspid="$RPID" \
				    -timeout=60000 >"$TMP/out" 2>&1 || {
					cat "$TMP/out" "$TMP/reg.log" >&2
					exit 1
				}
				sed "s/^/target=$target pool=$size policy=$policy trial=$t /" "$TMP/out"
				stop
			done
			t=$((t + 1))
		done
	done
done

# ---- handle table: hsdump and registrar-to-registrar transfer ----

ms_now() { echo $(($(date +%s%N) / 1000000)); }

# Wall-clock ms of the first log line of file $1 matching $2 (rsp's
# "YYYY-MM-DD HH:MM:SS.mmm" time stamps).
stamp_ms() {
	l=$(grep -m1 -- "$2" "$1" | cut -c1-23)
	s=$(date -d "${l% *} ${l#* }" +%s)
	echo $((s * 1000 + $(echo "${l##*.}" | sed 's/^0*//;s/^$/0/')))
}

# xfer_registrar TARGET NAME ENRP-PORT ASAP-PORT [ARGS...]
xfer_registrar() {
	target=$1 name=$2 enrp=$3 asap=$4
	shift 4
	if [ "$target" = rsp ]; then
		"$RSP" registrar -transport=sctp \
		    -asap=127.0.0.1,192.0.2.1:"$asap" \
		    -enrp=127.0.0.1,192.0.2.1:"$enrp" -asapannounce=off \
		    -enrpannounce=off -minaddressscope=loopback \
		    -endpointkeepalivetransmissioninterval=600000 \
		    -loglevel=4 -logcolor=off "$@" >"$TMP/$name.log" 2>&1 &
	else
		rspregistrar -minaddressscope=loopback \
		    -asap=127.0.0.1:"$asap",192.0.2.1 \
		    -enrp=127.0.0.1:"$enrp",192.0.2.1 -asapannounce=off \
		    -enrpannounce=off \
		    -endpointkeepalivetransmissioninterval=600000 \
		    -loglevel=${RSPLIB_LOGLEVEL:-1} -logcolor=off "$@" \
		    >"$TMP/$name.log" 2>&1 &
	fi
	XPIDS="$XPIDS $!"
}

xfer_stop() {
	for p in $XPIDS; do
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	XPIDS=
}

# PEs in the handlespace of the registrar at ENRP port $1 (rsp hsdump)
count_pes() {
	"$RSP" hsdump -transport=sctp -format=kv -timeout=60000 \
	    127.0.0.1:"$1" 2>/dev/null | grep -c '^pool=' || true
}

for n in $XFER_SIZES; do
	t=1
	while [ $t -le "$TRIALS" ]; do
		for target in ${BENCH_TARGETS:-rsp rsplib}; do
			echo "== $target handle table pes=$n trial=$t" >&2
			xfer_registrar "$target" A 9901 3863
			if [ "$target" = rsp ]; then
				wait_for "$TMP/A.log" "normal operation"
			else
				sleep 2
			fi
			"$ASAP_BENCH" -transport=sctp -registrar=127.0.0.1:3863 \
			    -pes="$n" -inflight=1 -duration=3600000 \
			    -timeout=60000 >"$TMP/gen.log" 2>&1 &
			XPIDS="$XPIDS $!"
			wait_for "$TMP/gen.log" "^phase=register"
			t0=$(ms_now)
			if [ "$target" = rsp ]; then
				"$RSP" hsdump -transport=sctp -format=kv \
				    -timeout=600000 127.0.0.1:9901 >"$TMP/dump"
				got=$(grep -c '^pool=' "$TMP/dump" || true)
			else
				timeout 1800 hsdump 127.0.0.1:9901 >"$TMP/dump" 2>&1 || true
				got=$(sed -n 's/.*Handlespace.*(1 Pools, \([0-9]*\) PoolElements.*/\1/p' "$TMP/dump")
			fi
			t1=$(ms_now)
			if [ "$got" != "$n" ]; then
				echo "bench/guest.sh: $target hsdump shows $got of $n PEs" >&2
				head -40 "$TMP/dump" >&2
				exit 1
			fi
			b0=$(ms_now)
			xfer_registrar "$target" B 9902 3864 -peer=127.0.0.1:9901
			if [ "$target" = rsp ]; then
				# B's own line when the table is complete
				wait_for "$TMP/B.log" "normal operation"
				b1=$(stamp_ms "$TMP/B.log" "normal operation")
				got=$(count_pes 9902)
			else
				# RSPLIB logs nothing of the kind: poll it with
				# rsp hsdump; the successful poll's start counts
				# (in RSPLIB's favour: the table may have been
				# complete only during that poll)
				i=0
				while :; do
					b1=$(ms_now)
					got=$(count_pes 9902)
					[ "$got" = "$n" ] && break
					i=$((i + 1))
					if [ $i -gt 3000 ]; then
						break
					fi
					sleep 0.1
				done
			fi
			if [ "$got" != "$n" ]; then
				echo "bench/guest.sh: $target B knows $got of $n PEs" >&2
				tail -20 "$TMP/B.log" >&2
				exit 1
			fi
			echo "target=$target xfer pes=$n trial=$t hsdump_ms=$((t1 - t0)) transfer_ms=$((b1 - b0))"
			xfer_stop
		done
		t=$((t + 1))
	done
done

# ---- failover of a PU session (rsp only) ----
if [ "${BENCH_FAILOVER_RUNS:-10}" -gt 0 ]; then
	echo "== failover, ${BENCH_FAILOVER_RUNS:-10} runs" >&2
	TRANSPORT=sctp MODE=pingpong "$(dirname "$0")/failover.sh" \
	    "${BENCH_FAILOVER_RUNS:-10}" 2>/dev/null | sed 's/^/failover /'
fi
