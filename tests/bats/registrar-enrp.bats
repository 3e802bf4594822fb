#!/usr/bin/env bats
# ENRP between rsp registrars over the TCP mapping on 127.0.0.1: each
# binds ASAP and ENRP on port 0 and logs them; later ones name an
# earlier one with -peer (an unknown sender of a Presence becomes a
# peer, so one direction is enough).  asapcat plays the pool element,
# rsp hsdump reads each registrar's handlespace.  Announces (ASAP and
# multicast Presence) are off: nothing may leave the host.

# EchoPool, PE $12345678, SCTP port 7 at 127.0.0.1 data+control, RR,
# life 30000 ms.
REG='01 00 00 38 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0a 00 28 12 34 56 78 00 00 ab cd 00 00 75 30 00 04 00 10 00 07 00 01 00 01 00 08 7f 00 00 01 00 08 00 08 00 00 00 01'
# PingPongPool, PE $00000001, otherwise the same.
REG2='01 00 00 3c 00 09 00 10 50 69 6e 67 50 6f 6e 67 50 6f 6f 6c 00 0a 00 28 00 00 00 01 00 00 ab cd 00 00 75 30 00 04 00 10 00 07 00 01 00 01 00 08 7f 00 00 01 00 08 00 08 00 00 00 01'
DEREG='02 00 00 18 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0e 00 08 12 34 56 78'

setup() {
	: "${RSP:?set RSP to the rsp binary}"
	PIDS=
}

teardown() {
	local p
	exec 4>&- 5>&-
	for p in $PIDS; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

# start NAME [options]: registrar NAME (log $BATS_TEST_TMPDIR/NAME.log);
# sets ${NAME}_ASAP, ${NAME}_ENRP and ${NAME}_PID.
start() {
	local name=$1 log="$BATS_TEST_TMPDIR/$1.log" asap enrp
	shift
	"$RSP" registrar -transport=tcp -asap=127.0.0.1:0 -asapannounce=off \
	    -enrp=127.0.0.1:0 -minaddressscope=loopback -loglevel=5 \
	    -logcolor=off -peerheartbeatcycle=300 -peermaxtimelastheard=800 \
	    -peermaxtimenoresponse=600 -mentordiscoverytimeout=500 "$@" \
	    >"$log" 2>&1 &
	PIDS="$PIDS $!"
	eval "${name}_PID=$!"
	wait_for_line 'ENRP listening on' 5 "$log"
	asap=$(sed -n 's/.*ASAP listening on 127\.0\.0\.1:\([0-9]*\) (tcp)$/\1/p' "$log")
	enrp=$(sed -n 's/.*ENRP listening on 127\.0\.0\.1:\([0-9]*\) (tcp)$/\1/p' "$log")
	[ -n "$asap" ] && [ -n "$enrp" ]
	eval "${name}_ASAP=$asap ${name}_ENRP=$enrp"
	wait_for_line 'normal operation' 5 "$log"
}

# Wait at most $2 s for a line matching $1 in file $3.
wait_for_line() {
	for _ in $(seq $(($2 * 10))); do
		grep -q -- "$1" "$3" && return 0
		sleep 0.1
	done
	echo "--- $3:" >&2
	cat "$3" >&2
	return 1
}

# A pool element on ASAP port $1 holding its association while fd $2
# stays open; output in $BATS_TEST_TMPDIR/pe$2.out.
hold_pe() {
	local fifo="$BATS_TEST_TMPDIR/pe$2.in"
	mkfifo "$fifo"
	"$RSP" asapcat -connect=127.0.0.1:"$1" -transport=tcp \
	    -timeout=20000 <"$fifo" >"$BATS_TEST_TMPDIR/pe$2.out" 2>&1 3>&- &
	PIDS="$PIDS $!"
	eval "exec $2>\"$fifo\""
}

# The pool lines and the checksum line of hsdump for ENRP port $1,
# without the registrar's own ID.
dump() {
	"$RSP" hsdump -transport=tcp -timeout=3000 127.0.0.1:"$1" |
	    grep -E '^ *\+-- Pool|Checksums|PoolElements' |
	    sed 's/registrar=\$[0-9a-f]*//'
}

# Wait at most 5 s for hsdump of ENRP port $1 to mention $2.
wait_dump() {
	for _ in $(seq 50); do
		"$RSP" hsdump -transport=tcp -timeout=3000 127.0.0.1:"$1" |
		    grep -q -- "$2" && return 0
		sleep 0.1
	done
	"$RSP" hsdump -transport=tcp 127.0.0.1:"$1" >&2
	return 1
}

@test "a PE registered at A is known at B with the same checksum" {
	start A -identifier=0x0000000a
	start B -identifier=0x0000000b -peer=127.0.0.1:"$A_ENRP"
	grep -q 'mentor is \$0000000a' "$BATS_TEST_TMPDIR/B.log"
	hold_pe "$A_ASAP" 4
	echo "$REG" >&4
	echo "$REG2" >&4
	wait_for_line 'type=registration_response' 5 "$BATS_TEST_TMPDIR/pe4.out"
	wait_dump "$B_ENRP" '2 PoolElements'
	a=$(dump "$A_ENRP")
	b=$(dump "$B_ENRP")
	echo "A: $a" >&2
	echo "B: $b" >&2
	[ "$a" = "$b" ]
	[[ "$b" == *EchoPool* && "$b" == *PingPongPool* ]]
	# B resolves the PE registered at A: its home is A
	run timeout 10 "$RSP" asapcat -connect=127.0.0.1:"$B_ASAP" \
	    -transport=tcp -count=1 -timeout=5000 \
	    <<<'05 00 00 10 00 09 00 0c 45 63 68 6f 50 6f 6f 6c'
	[[ "$output" == *"pe1.id=0x12345678 pe1.home=0x0000000a"* ]]
}

@test "deregistration at A removes the PE at B" {
	start A
	start B -peer=127.0.0.1:"$A_ENRP"
	hold_pe "$A_ASAP" 4
	echo "$REG" >&4
	wait_dump "$B_ENRP" '1 PoolElements'
	echo "$DEREG" >&4
	wait_dump "$B_ENRP" '0 PoolElements'
	wait_for_line 'deregistered PE \$12345678' 5 "$BATS_TEST_TMPDIR/A.log"
}

@test "a registrar started later learns the handlespace from its mentor" {
	start A
	start B -peer=127.0.0.1:"$A_ENRP"
	hold_pe "$A_ASAP" 4
	echo "$REG" >&4
	echo "$REG2" >&4
	wait_dump "$B_ENRP" '2 PoolElements'
	start C -peer=127.0.0.1:"$B_ENRP" -maxelementsperhtrequest=1
	wait_for_line 'handle table from the mentor' 5 "$BATS_TEST_TMPDIR/C.log"
	grep -q 'normal operation (handle table from the mentor), 2 PEs known' \
	    "$BATS_TEST_TMPDIR/C.log"
	[ "$(dump "$C_ENRP")" = "$(dump "$A_ENRP")" ]
	# C learned A from B's peer list
	wait_for_line 'learned from' 5 "$BATS_TEST_TMPDIR/C.log"
}

@test "killing A: B drops it as a peer after the timeouts" {
	start A -identifier=0x0000000a
	start B -peer=127.0.0.1:"$A_ENRP"
	wait_for_line 'peer \$0000000a alive' 5 "$BATS_TEST_TMPDIR/B.log"
	kill "$A_PID"
	wait "$A_PID" 2>/dev/null || true
	wait_for_line 'peer \$0000000a dead' 5 "$BATS_TEST_TMPDIR/B.log"
}

@test "ENRP option errors exit with status 2" {
	run "$RSP" registrar -enrp=nonsense: -asapannounce=off
	[ "$status" -eq 2 ]
	run "$RSP" registrar -peer=bad -asapannounce=off
	[ "$status" -eq 2 ]
	run "$RSP" registrar -maxelementsperhtrequest=0
	[ "$status" -eq 2 ]
}
