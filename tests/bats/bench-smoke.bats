#!/usr/bin/env bats
# Smoke run of the ASAP load generator (bench/asap_bench.c, issue 7):
# an rsp registrar on 127.0.0.1 (TCP mapping unless $RSP_TRANSPORT says
# otherwise), 100 PEs registered, 1 s of handle resolutions per
# in-flight count, then the echo limit against the generator's own echo
# server.  Checks the generator exits 0 and prints sane numbers; the
# numbers themselves are for `make bench`, never judged here.

setup() {
	: "${RSP:?set RSP to the rsp binary}"
	BENCH=${RSP_BENCH:-$(dirname "$RSP")/bench/asap_bench}
	[ -x "$BENCH" ] || skip "no asap_bench (make bench-asap)"
	TR=${RSP_TRANSPORT:-tcp}
	LOG="$BATS_TEST_TMPDIR/registrar.log"
	ELOG="$BATS_TEST_TMPDIR/echo.log"
	RPID=
	EPID=
}

teardown() {
	local p
	for p in $RPID $EPID; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

start_registrar() {
	"$RSP" registrar -transport="$TR" -asap=127.0.0.1:0 -asapannounce=off \
	    -enrp=off -minaddressscope=loopback -maxhrrate=0 -loglevel=3 \
	    -logcolor=off >"$LOG" 2>&1 &
	RPID=$!
	for _ in $(seq 100); do
		grep -q 'ASAP listening on' "$LOG" && break
		sleep 0.1
	done
	PORT=$(sed -n 's/.*ASAP listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$LOG")
	[ -n "$PORT" ]
}

start_echo() { # [ECHO-SERVER-OPTIONS...]
	"$BENCH" -transport="$TR" -echoserver=127.0.0.1:0 "$@" >"$ELOG" 2>&1 &
	EPID=$!
	for _ in $(seq 100); do
		grep -q 'echo listening on' "$ELOG" && break
		sleep 0.1
	done
	EPORT=$(sed -n 's/^echo listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$ELOG")
	[ -n "$EPORT" ]
}

# The value of key $1 on the output line starting with "phase=$2" and
# "inflight=$3".
field() {
	printf '%s\n' "$output" | grep "^phase=$2 " |
	    { if [ -n "${3:-}" ]; then grep " inflight=$3 "; else cat; fi; } |
	    sed -n "s/.* $1=\([0-9.]*\).*/\1/p"
}

# A number > 0 (awk: integers and decimals).
positive() {
	[ -n "$1" ] && awk -v v="$1" 'BEGIN { exit !(v > 0) }'
}

@test "bench smoke: 100 PEs, 1 s of resolutions, echo limit" {
	start_registrar
	start_echo
	run timeout 120 "$BENCH" -transport="$TR" -registrar=127.0.0.1:"$PORT" \
	    -echo=127.0.0.1:"$EPORT" -pes=100 -assocs=2 -inflight=1,16 \
	    -duration=1000 -rsspid="$RPID" -timeout=30000
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[ "$(field pes register)" = 100 ]
	positive "$(field rate register)"
	[ -n "$(field bytes_per_pe register)" ]
	for n in 1 16; do
		positive "$(field rate resolve $n)"
		positive "$(field count resolve $n)"
		positive "$(field p50_us resolve $n)"
		positive "$(field rate echo $n)"
		# p50 <= p99 <= max
		awk -v a="$(field p50_us resolve $n)" \
		    -v b="$(field p99_us resolve $n)" \
		    -v c="$(field max_us resolve $n)" \
		    'BEGIN { exit !(a <= b && b <= c) }'
	done
	# The registrar answered with PEs, so its answers are bigger than
	# the 16-byte request; the echo used the same size.
	[ "$(field size resolve 1)" -gt 16 ]
	[ "$(field size echo 1)" = "$(field size resolve 1)" ]
	kill -0 "$RPID"
}

@test "bench smoke: -echobatch echo server, -echosize, no registrar" {
	start_echo -echobatch
	run timeout 60 "$BENCH" -transport="$TR" -echo=127.0.0.1:"$EPORT" \
	    -echosize=100 -inflight=1,16 -duration=500 -timeout=30000
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	for n in 1 16; do
		positive "$(field rate echo $n)"
		[ "$(field size echo $n)" = 100 ]
	done
	kill -0 "$EPID"
}

@test "bench smoke: a wrong answer exits 1 (rate-limited registrar)" {
	"$RSP" registrar -transport="$TR" -asap=127.0.0.1:0 -asapannounce=off \
	    -enrp=off -minaddressscope=loopback -maxhrrate=1 -loglevel=3 \
	    -logcolor=off >"$LOG" 2>&1 &
	RPID=$!
	for _ in $(seq 100); do
		grep -q 'ASAP listening on' "$LOG" && break
		sleep 0.1
	done
	PORT=$(sed -n 's/.*ASAP listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$LOG")
	run timeout 120 "$BENCH" -transport="$TR" -registrar=127.0.0.1:"$PORT" \
	    -pes=10 -inflight=16 -duration=1000 -timeout=30000
	printf '%s\n' "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"wrong handle resolution answer"* ]]
}

@test "bench smoke: usage errors exit 2" {
	run "$BENCH" -inflight=0 -registrar=127.0.0.1:1
	[ "$status" -eq 2 ]
	run "$BENCH"
	[ "$status" -eq 2 ]
	run "$BENCH" -policy=NoSuchPolicy -registrar=127.0.0.1:1
	[ "$status" -eq 2 ]
}

# bench/scale.sh (issue 15) at a tiny scale, so that it cannot rot: every
# part runs and prints its key=value lines and medians.
@test "bench smoke: bench/scale.sh, 2,000 PEs (500 for reference), takeover of 300" {
	export ASAP_BENCH=$BENCH
	run env SCALE_PES=2000 SCALE_REF_PES=500 TAKEOVER_PES=300 TRIALS=1 \
	    SCALE_DURATION=200 SCALE_ROUNDS=1 \
	    REG_OPTS=-mentordiscoverytimeout=300 \
	    TAKEOVER_PEER_OPTS="-peerheartbeatcycle=300 -peermaxtimelastheard=600 -peermaxtimenoresponse=600" \
	    timeout 300 "$BATS_TEST_DIRNAME/../../bench/scale.sh"
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	line() { printf '%s\n' "$output" | grep "^$1" | head -1; }
	val() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }
	l=$(line 'register .*pes=2000 ')
	[ -n "$l" ]
	positive "$(val rate "$l")"
	positive "$(val bytes_per_pe "$l")"
	[ "$(printf '%s\n' "$output" | grep -c '^resolve ')" -eq 4 ]
	positive "$(val rate "$(line 'resolve .*pool_pes=1 hritems=0')")"
	positive "$(val rate "$(line 'resolve .*pool_pes=2000 hritems=1')")"
	positive "$(val transfer_ms "$(line 'transfer pes=2000 ')")"
	positive "$(val transfer_ms "$(line 'transfer pes=500 ')")"
	l=$(line 'takeover ')
	positive "$(val detect_ms "$l")"
	# Both after the detection; no order between them: the PEs' acks to
	# the taker race its Handle Updates to the other survivor, whose log
	# line may come a few ms after the last ack.
	awk -v d="$(val detect_ms "$l")" -v h="$(val homed_ms "$l")" \
	    -v a="$(val acked_ms "$l")" 'BEGIN { exit !(d <= h && d <= a) }'
	l=$(line 'result ')
	positive "$(val register_rate_500 "$l")"
	positive "$(val bytes_per_pe_2000 "$l")"
	positive "$(val resolve_ratio_hritems0 "$l")"
	positive "$(val transfer_ms_2000 "$l")"
	positive "$(val takeover_acked_ms "$l")"
}
