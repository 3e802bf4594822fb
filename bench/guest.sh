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
# Environment: RSP, ASAP_BENCH; BENCH_SIZES (default "100"),
# BENCH_POLICIES (RoundRobin), BENCH_INFLIGHT (1,16,64), BENCH_TRIALS (1),
# BENCH_DURATION (ms, 1000), BENCH_TARGETS ("rsp rsplib").
set -eu

: "${RSP:?}" "${ASAP_BENCH:?}"
SIZES=${BENCH_SIZES:-100}
POLICIES=${BENCH_POLICIES:-RoundRobin}
INFLIGHT=${BENCH_INFLIGHT:-1,16,64}
TRIALS=${BENCH_TRIALS:-1}
DURATION=${BENCH_DURATION:-1000}
TMP=$(mktemp -d)
RPID=
EPID=
cleanup() {
	for p in $RPID $EPID; do
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
		    -maxhrrate=100000000 \
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
