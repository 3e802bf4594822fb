#!/usr/bin/env bats
# ENRP between rsp registrars over the TCP mapping on 127.0.0.1: each
# binds ASAP and ENRP on port 0 and logs them; later ones name an
# earlier one with -peer (an unknown sender of a Presence becomes a
# peer, so one direction is enough).  asapcat plays the pool element,
# rsp hsdump reads each registrar's handlespace.  Announces (ASAP and
# multicast Presence) are off: nothing may leave the host, except in the
# network namespace the multicast test creates.  RSP_TRANSPORT=sctp (in
# the SCTP guest) runs the same tests over kernel SCTP.

# EchoPool, PE $12345678, SCTP port 7 at 127.0.0.1 data+control, RR,
# life 30000 ms.
REG='01 00 00 38 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0a 00 28 12 34 56 78 00 00 ab cd 00 00 75 30 00 04 00 10 00 07 00 01 00 01 00 08 7f 00 00 01 00 08 00 08 00 00 00 01'
# PingPongPool, PE $00000001, otherwise the same.
REG2='01 00 00 3c 00 09 00 10 50 69 6e 67 50 6f 6e 67 50 6f 6f 6c 00 0a 00 28 00 00 00 01 00 00 ab cd 00 00 75 30 00 04 00 10 00 07 00 01 00 01 00 08 7f 00 00 01 00 08 00 08 00 00 00 01'
DEREG='02 00 00 18 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0e 00 08 12 34 56 78'

setup() {
	: "${RSP:?set RSP to the rsp binary}"
	TR=${RSP_TRANSPORT:-tcp}
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
	"$RSP" registrar -transport="$TR" -asap=127.0.0.1:0 -asapannounce=off \
	    -enrpannounce=off -enrp=127.0.0.1:0 -minaddressscope=loopback \
	    -loglevel=5 \
	    -logcolor=off -peerheartbeatcycle=300 -peermaxtimelastheard=800 \
	    -peermaxtimenoresponse=600 -mentordiscoverytimeout=500 "$@" \
	    >"$log" 2>&1 &
	PIDS="$PIDS $!"
	eval "${name}_PID=$!"
	wait_for_line 'ENRP listening on' 5 "$log"
	asap=$(sed -n 's/.*ASAP listening on 127\.0\.0\.1:\([0-9]*\) ('"$TR"')$/\1/p' "$log")
	enrp=$(sed -n 's/.*ENRP listening on 127\.0\.0\.1:\([0-9]*\) ('"$TR"')$/\1/p' "$log")
	[ -n "$asap" ] && [ -n "$enrp" ]
	eval "${name}_ASAP=$asap ${name}_ENRP=$enrp"
	wait_for_line 'normal operation' 5 "$log"
}

# Wait at most $2 s for a line matching $1 in file $3 (or $4...).
wait_for_line() {
	local re=$1 s=$2
	shift 2
	for _ in $(seq $((s * 10))); do
		cat -- "$@" 2>/dev/null | grep -q -- "$re" && return 0
		sleep 0.1
	done
	for f in "$@"; do
		echo "--- $f:" >&2
		cat "$f" >&2
	done
	return 1
}

# A pool element on ASAP port $1 holding its association while fd $2
# stays open; output in $BATS_TEST_TMPDIR/pe$2.out.
hold_pe() {
	local fifo="$BATS_TEST_TMPDIR/pe$2.in"
	mkfifo "$fifo"
	"$RSP" asapcat -connect=127.0.0.1:"$1" -transport="$TR" \
	    -timeout=20000 <"$fifo" >"$BATS_TEST_TMPDIR/pe$2.out" 2>&1 3>&- &
	PIDS="$PIDS $!"
	eval "exec $2>\"$fifo\""
}

# The pool lines and the checksum line of hsdump for ENRP port $1,
# without the registrar's own ID.
dump() {
	"$RSP" hsdump -transport="$TR" -timeout=3000 127.0.0.1:"$1" |
	    grep -E '^ *\+-- Pool|Checksums|PoolElements' |
	    sed 's/registrar=\$[0-9a-f]*//'
}

# Wait at most 5 s for hsdump of ENRP port $1 to mention $2.
wait_dump() {
	for _ in $(seq 50); do
		"$RSP" hsdump -transport="$TR" -timeout=3000 127.0.0.1:"$1" |
		    grep -q -- "$2" && return 0
		sleep 0.1
	done
	"$RSP" hsdump -transport="$TR" 127.0.0.1:"$1" >&2
	return 1
}

@test "a PE registered at A is known at B with the same checksum" {
	start A -identifier=0x0000000a
	# (4 s for A to answer, not start's 500 ms: a loaded CI guest
	# took longer once; start waits 5 s for normal operation)
	start B -identifier=0x0000000b -peer=127.0.0.1:"$A_ENRP" \
	    -mentordiscoverytimeout=4000
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
	    -transport="$TR" -count=1 -timeout=5000 \
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
	diff <(dump "$C_ENRP") <(dump "$A_ENRP")
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

@test "ENRP option errors: bad values exit 1, out of range 2" {
	run "$RSP" registrar -enrp=nonsense: -asapannounce=off
	[ "$status" -eq 1 ]
	[[ "$output" == *"configuration error"* ]]
	run "$RSP" registrar -peer=bad -asapannounce=off
	[ "$status" -eq 1 ]
	run "$RSP" registrar -maxelementsperhtrequest=0
	[ "$status" -eq 2 ]
}

# srv NAME ASAP-PORT [options]: an rsp server (PE) registered at the
# registrar on ASAP-PORT only, logging to $BATS_TEST_TMPDIR/NAME.log.
srv() {
	local name=$1 port=$2
	shift 2
	"$RSP" server -transport="$TR" -registrar=127.0.0.1:"$port" -quiet \
	    -loglevel=4 -logcolor=off "$@" >"$BATS_TEST_TMPDIR/$name.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for_line 'registered in pool' 10 "$BATS_TEST_TMPDIR/$name.log"
}

# The PE ID of server NAME.
srv_id() {
	sed -n 's/.*PE \$\([0-9a-f]*\) registered in pool.*/\1/p' \
	    "$BATS_TEST_TMPDIR/$1.log" | head -1
}

# home_of ENRP-PORT PE-ID: the home registrar of the PE in that dump.
home_of() {
	"$RSP" hsdump -transport="$TR" -timeout=3000 -f kv 127.0.0.1:"$1" |
	    sed -n "s/.* pe=0x$2 .*home=0x\([0-9a-f]*\).*/\1/p"
}

# Wait at most $1 s until every registrar's dump (ENRP ports $3...)
# shows $2 PEs and all of them are the same.
wait_converged() {
	local end=$((SECONDS + $1)) n=$2 first p ok
	shift 2
	while [ "$SECONDS" -lt "$end" ]; do
		ok=1
		first=$(dump "$1")
		[[ "$first" == *"$n PoolElements"* ]] || ok=0
		for p in "$@"; do
			[ "$(dump "$p")" = "$first" ] || ok=0
		done
		[ "$ok" -eq 1 ] && return 0
		sleep 0.3
	done
	for p in "$@"; do
		echo "--- registrar at ENRP port $p:" >&2
		dump "$p" >&2
	done
	return 1
}

@test "three registrars started one after another converge (rsp server PEs)" {
	start A -identifier=0x0000000a
	srv pe1 "$A_ASAP" -echo
	srv pe2 "$A_ASAP" -discard
	start B -identifier=0x0000000b -peer=127.0.0.1:"$A_ENRP"
	srv pe3 "$B_ASAP" -echo
	start C -identifier=0x0000000c -peer=127.0.0.1:"$B_ENRP"
	srv pe4 "$C_ASAP" -daytime
	wait_converged 15 4 "$A_ENRP" "$B_ENRP" "$C_ENRP"
	d=$(dump "$C_ENRP")
	echo "$d"
	[[ "$d" == *'"EchoPool"'* && "$d" == *'"DiscardPool"'* &&
	    "$d" == *'"DaytimePool"'* ]]
	[[ "$d" == *'home $0000000a='*'(2 PEs)'* ]]
	[[ "$d" == *'home $0000000b='*'(1 PEs)'* ]]
	[[ "$d" == *'home $0000000c='*'(1 PEs)'* ]]
	[ "$(home_of "$B_ENRP" "$(srv_id pe1)")" = 0000000a ]
}

# A listener that takes associations and never answers: a server
# listed as a peer that stays silent.  Sets SILENT (its port).
start_silent() {
	local out="$BATS_TEST_TMPDIR/silent.out"
	"$RSP" asapcat -listen=127.0.0.1:0 -transport="$TR" -timeout=60000 \
	    >"$out" 2>&1 &
	PIDS="$PIDS $!"
	wait_for_line '^event=listening' 5 "$out"
	SILENT=$(sed -n 's/^event=listening .*addr=.*:\([0-9]*\)$/\1/p' "$out")
	[ -n "$SILENT" ]
}

# kill_takeover SIGNAL [poll]: A owns two PEs, C one; A dies by SIGNAL;
# B or C (whichever notices first; if both, the lower ID) takes A's PEs
# over; nothing is lost.  poll: hsdump polls B and C every second, and
# both list a silent server as a peer.
kill_takeover() {
	local t tid p silent=()
	if [ "${2:-}" = poll ]; then
		start_silent
		silent=(-peer=127.0.0.1:"$SILENT")
	fi
	start A -identifier=0x0000000a
	start B -identifier=0x0000000b -peer=127.0.0.1:"$A_ENRP" \
	    -takeoverexpiryinterval=3000 "${silent[@]}"
	start C -identifier=0x0000000c -peer=127.0.0.1:"$B_ENRP" \
	    -takeoverexpiryinterval=3000 "${silent[@]}"
	srv pe1 "$A_ASAP" -echo
	srv pe2 "$A_ASAP" -discard
	srv pe3 "$C_ASAP" -echo
	wait_converged 15 3 "$A_ENRP" "$B_ENRP" "$C_ENRP"
	if [ "${2:-}" = poll ]; then
		# a monitoring script: hsdump of both survivors every second
		# (each run is a peer for as long as it is connected)
		(for _ in $(seq 40); do
			for p in "$B_ENRP" "$C_ENRP"; do
				"$RSP" hsdump -transport="$TR" -timeout=2000 \
				    -f kv 127.0.0.1:"$p" >/dev/null 2>&1
			done
			sleep 1
		done) &
		PIDS="$PIDS $!"
	fi
	sleep 2
	kill -"$1" "$A_PID"
	wait "$A_PID" 2>/dev/null || true
	wait_for_line 'takeover of \$0000000a completed: 2 PEs' 15 \
	    "$BATS_TEST_TMPDIR/B.log" "$BATS_TEST_TMPDIR/C.log"
	if grep -q 'takeover of \$0000000a completed' "$BATS_TEST_TMPDIR/B.log"; then
		t=B tid=0000000b
	else
		t=C tid=0000000c
	fi
	echo "taker: $t" >&2
	! grep -q 'takeover of \$0000000a completed' \
	    "$BATS_TEST_TMPDIR/$(tr BC CB <<<"$t").log"
	wait_for_line "PE \$$(srv_id pe1) accepted us as its home" 10 \
	    "$BATS_TEST_TMPDIR/$t.log"
	wait_for_line "PE \$$(srv_id pe2) accepted us as its home" 10 \
	    "$BATS_TEST_TMPDIR/$t.log"
	if [ "$TR" = sctp ]; then
		# over kernel SCTP the PE's hunt endpoint listens where it
		# registered from: the Keep-Alive H=1 reaches it there, at its
		# ASAP transport (docs/library.md, takeover)
		! grep -q 'not at its ASAP transport' "$BATS_TEST_TMPDIR/$t.log"
	fi
	wait_converged 10 3 "$B_ENRP" "$C_ENRP"
	for p in "$B_ENRP" "$C_ENRP"; do
		[ "$(home_of "$p" "$(srv_id pe1)")" = "$tid" ]
		[ "$(home_of "$p" "$(srv_id pe2)")" = "$tid" ]
		[ "$(home_of "$p" "$(srv_id pe3)")" = 0000000c ]
	done
	[[ "$(dump "$C_ENRP")" != *'$0000000a'* ]]
	# the PEs keep answering their new home's keep-alives
	sleep 2
	[ "$(home_of "$B_ENRP" "$(srv_id pe1)")" = "$tid" ]
	[ "$(home_of "$C_ENRP" "$(srv_id pe2)")" = "$tid" ]
}

@test "killing the home registrar: another takes over its PEs, none lost" {
	kill_takeover KILL
}

@test "killing the home registrar while hsdump polls the survivors and a silent server is listed: taken over, none lost" {
	kill_takeover KILL poll
	! grep -q 'takeover of .* expired' "$BATS_TEST_TMPDIR/B.log" \
	    "$BATS_TEST_TMPDIR/C.log"
}

@test "SIGINT: the registrar exits 0 without updates; its PEs are taken over" {
	kill_takeover INT
	grep -q 'shutting down' "$BATS_TEST_TMPDIR/A.log"
	! grep -q 'removed PE' "$BATS_TEST_TMPDIR/A.log"
}

@test "ENRP takeover and multicast option errors: bad values exit 1, out of range 2" {
	run "$RSP" registrar -enrpannounce=nowhere -asapannounce=off
	[ "$status" -eq 1 ]
	[[ "$output" == *"-enrpannounce"* ]]
	run "$RSP" registrar -enrpannounce=10.1.1.1:9901 -asapannounce=off
	[ "$status" -eq 1 ]
	[[ "$output" == *"not a multicast address"* ]]
	run "$RSP" registrar -enrpmulticast=nowhere -asapannounce=off
	[ "$status" -eq 1 ]
	run "$RSP" registrar -takeoverexpiryinterval=0
	[ "$status" -eq 2 ]
}

# Multicast: only inside a network namespace of our own, whose lo
# carries 239.0.0.0/8, so nothing leaves the machine.
@test "registrars find each other by multicast Presence (network namespace)" {
	command -v ip >/dev/null || skip "no ip(8)"
	local ns="rspenrp$$" pre
	ip netns add "$ns" 2>/dev/null ||
	    skip "ip netns add not permitted here (needs CAP_SYS_ADMIN)"
	ip -n "$ns" link set lo up multicast on
	ip -n "$ns" route add 239.0.0.0/8 dev lo src 127.0.0.1
	pre="ip netns exec $ns"
	for n in A B; do
		$pre "$RSP" registrar -transport="$TR" -asap=127.0.0.1:0 \
		    -asapannounce=off -enrp=127.0.0.1:0 -enrpannounce=auto \
		    -identifier=0x0000000$(tr AB ab <<<"$n") \
		    -minaddressscope=loopback -loglevel=5 -logcolor=off \
		    -peerheartbeatcycle=300 -mentordiscoverytimeout=500 \
		    >"$BATS_TEST_TMPDIR/$n.log" 2>&1 &
		PIDS="$PIDS $!"
	done
	wait_for_line 'ENRP Presence to and from 239.0.0.51:9901, TTL 30' 5 \
	    "$BATS_TEST_TMPDIR/A.log"
	# whoever hears the other first tells it by unicast
	wait_for_line 'peer \$0000000[ab] heard on the multicast group' 10 \
	    "$BATS_TEST_TMPDIR/A.log" "$BATS_TEST_TMPDIR/B.log"
	wait_for_line 'peer \$0000000b alive' 10 "$BATS_TEST_TMPDIR/A.log"
	wait_for_line 'peer \$0000000a alive' 10 "$BATS_TEST_TMPDIR/B.log"
	a=$(sed -n 's/.*ASAP listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' \
	    "$BATS_TEST_TMPDIR/A.log")
	be=$(sed -n 's/.*ENRP listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' \
	    "$BATS_TEST_TMPDIR/B.log")
	$pre "$RSP" server -transport="$TR" -registrar=127.0.0.1:"$a" -quiet \
	    -loglevel=4 -logcolor=off -echo >"$BATS_TEST_TMPDIR/pe.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for_line 'registered in pool' 10 "$BATS_TEST_TMPDIR/pe.log"
	for _ in $(seq 50); do
		$pre "$RSP" hsdump -transport="$TR" -timeout=3000 \
		    127.0.0.1:"$be" >"$BATS_TEST_TMPDIR/hs.txt" 2>&1 || true
		grep -q '1 PoolElements' "$BATS_TEST_TMPDIR/hs.txt" && break
		sleep 0.2
	done
	cat "$BATS_TEST_TMPDIR/hs.txt"
	grep -q 'home=\$0000000a' "$BATS_TEST_TMPDIR/hs.txt"
	for p in $PIDS; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	PIDS=
	ip netns del "$ns"
}
