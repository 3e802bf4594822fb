#!/usr/bin/env bats
# What a new user meets in the first minute (issue "a registrar serves
# from its first second"), over the TCP mapping on 127.0.0.1: a
# registrar with ENRP serves ASAP during its mentor phase, an hsdump run
# neither becomes a mentor nor stays a peer, and every refusal reaches
# the user with its cause and a distinct exit status (README "When
# something fails").  Announces are off; every process is killed by PID
# in teardown.

load common

setup() {
	: "${RSP:?set RSP to the rsp binary}"
	T=$BATS_TEST_TMPDIR
	PIDS=
}

teardown() {
	kill_pids
}

# reg NAME [options]: a registrar with ENRP on a free port, its default
# 5 s mentor phase, logging to $T/NAME.log; sets NAME_ASAP, NAME_ENRP,
# NAME_PID.  It does not wait for the end of the mentor phase.
reg() {
	local name=$1 log="$T/$1.log" asap enrp
	shift
	"$RSP" registrar -transport=tcp -asap=127.0.0.1:0 -asapannounce=off \
	    -enrp=127.0.0.1:0 -enrpannounce=off -minaddressscope=loopback \
	    -loglevel=5 -logcolor=off "$@" >"$log" 2>&1 3>&- &
	PIDS="$PIDS $!"
	eval "${name}_PID=$!"
	wait_for_line 'ENRP listening on' 10 "$log"
	asap=$(sed -n 's/.*ASAP listening on 127\.0\.0\.1:\([0-9]*\) (tcp)$/\1/p' "$log")
	enrp=$(sed -n 's/.*ENRP listening on 127\.0\.0\.1:\([0-9]*\) (tcp)$/\1/p' "$log")
	[ -n "$asap" ] && [ -n "$enrp" ]
	eval "${name}_ASAP=$asap ${name}_ENRP=$enrp"
}

# pe NAME ASAP-PORT [options]: an rsp server logging to $T/NAME.log.
pe() {
	local name=$1 port=$2
	shift 2
	"$RSP" server -transport=tcp -registrar=127.0.0.1:"$port" -quiet \
	    -logcolor=off "$@" >"$T/$name.log" 2>&1 3>&- &
	PIDS="$PIDS $!"
	eval "${name}_PID=$!"
}

kv() {
	"$RSP" hsdump -transport=tcp -timeout=3000 -f kv 127.0.0.1:"$1" |
	    tail -n 1
}

@test "a PE registers within 1 s of a registrar with ENRP starting, and leaves when killed" {
	reg A -endpointkeepalivetransmissioninterval=300 \
	    -endpointkeepalivetimeoutinterval=300
	pe pe1 "$A_ASAP" -echo
	wait_for_line 'registered in pool EchoPool' 1 "$T/pe1.log"
	[[ "$(kv "$A_ENRP")" == *" pes=1 "* ]]
	# all of it inside the 5 s mentor phase
	! grep -q 'normal operation' "$T/A.log"
	kill -9 "$pe1_PID"
	for _ in $(seq 30); do
		[[ "$(kv "$A_ENRP")" == *" pes=0 "* ]] && break
		sleep 0.1
	done
	[[ "$(kv "$A_ENRP")" == *" pes=0 "* ]]
	grep -q 'removed PE' "$T/A.log"
}

@test "hsdump in the first second is no mentor and leaves the peer list" {
	reg A -mentordiscoverytimeout=1500
	for _ in 1 2 3; do
		"$RSP" hsdump -transport=tcp -timeout=3000 127.0.0.1:"$A_ENRP" \
		    >/dev/null
	done
	wait_for_line 'normal operation' 5 "$T/A.log"
	grep -q 'normal operation (no mentor found)' "$T/A.log"
	! grep -q 'mentor is' "$T/A.log"
	[ "$(grep -c 'left (it never acted as a registrar)' "$T/A.log")" -eq 3 ]
	# the dump itself is no peer either
	[[ "$(kv "$A_ENRP")" == *" peers=0" ]]
}

@test "a registrar registers PEs in its mentor phase; both end with equal handlespaces" {
	reg A -mentordiscoverytimeout=300 -peerheartbeatcycle=500
	wait_for_line 'normal operation' 5 "$T/A.log"
	pe pe1 "$A_ASAP" -echo
	wait_for_line 'registered in pool' 5 "$T/pe1.log"
	# A cannot answer yet: B stays in its mentor phase while its PE
	# registers there.
	kill -STOP "$A_PID"
	reg B -peer=127.0.0.1:"$A_ENRP" -mentordiscoverytimeout=20000 \
	    -peerheartbeatcycle=500
	pe pe2 "$B_ASAP" -echo
	wait_for_line 'registered in pool' 5 "$T/pe2.log"
	! grep -q 'normal operation' "$T/B.log"
	kill -CONT "$A_PID"
	wait_for_line 'normal operation (handle table from the mentor)' 10 \
	    "$T/B.log"
	for _ in $(seq 50); do
		a=$(kv "$A_ENRP" | sed 's/registrar=[^ ]* //; s/ responses=[0-9]*//')
		b=$(kv "$B_ENRP" | sed 's/registrar=[^ ]* //; s/ responses=[0-9]*//')
		[[ "$a" == *" pes=2 "* && "$a" == "$b" ]] && break
		sleep 0.2
	done
	echo "A: $a" >&2
	echo "B: $b" >&2
	[[ "$a" == *" pes=2 "* ]]
	[ "$a" = "$b" ]
	# pe2 stayed homed at B
	id2=$(sed -n 's/.*PE \$\([0-9a-f]*\) registered.*/\1/p' "$T/pe2.log")
	bid=$(sed -n 's/.*registrar: \$\([0-9a-f]*\): ASAP listening.*/\1/p' "$T/B.log")
	"$RSP" hsdump -transport=tcp -f kv 127.0.0.1:"$A_ENRP" |
	    grep "pe=0x$id2" | grep -q "home=0x$bid"
}

@test "server: a policy refusal names both policies, exit 3" {
	reg A
	pe pe1 "$A_ASAP" -echo -policy=RoundRobin
	wait_for_line 'registered in pool' 5 "$T/pe1.log"
	run timeout 10 "$RSP" server -transport=tcp -registrar=127.0.0.1:"$A_ASAP" \
	    -echo -policy=LeastUsed -logcolor=off -quiet
	echo "$output" >&2
	[ "$status" -eq 3 ]
	[[ "$output" == *"pool EchoPool uses RoundRobin, this PE asked for LeastUsed (cause 0x0005: inconsistent pooling policy)"* ]]
}

@test "server: addresses below -minaddressscope are named, exit 3" {
	"$RSP" registrar -transport=tcp -asap=127.0.0.1:0 -asapannounce=off \
	    -enrp=off -logcolor=off >"$T/R.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for_line 'ASAP listening on' 10 "$T/R.log"
	port=$(sed -n 's/.*ASAP listening on 127\.0\.0\.1:\([0-9]*\) (tcp)$/\1/p' "$T/R.log")
	run timeout 10 "$RSP" server -transport=tcp -registrar=127.0.0.1:"$port" \
	    -echo -logcolor=off -quiet
	[ "$status" -eq 3 ]
	[[ "$output" == *"at 127.0.0.1:"*"below the registrar's -minaddressscope (cause 0x0003: invalid values)"* ]]
}

@test "server: no registrar reachable names the ones tried and keeps trying" {
	run timeout 10 "$RSP" server -transport=tcp -registrar=127.0.0.1:1 \
	    -registrar=127.0.0.2:1 -echo -logcolor=off -quiet -runtime=1500
	[ "$status" -eq 0 ]
	[[ "$output" == *"no registrar reachable: tried 127.0.0.1:1, 127.0.0.2:1"* ||
	    "$output" == *"no registrar reachable: tried 127.0.0.2:1, 127.0.0.1:1"* ]]
	# said once, not at every hunt round
	[ "$(grep -c 'no registrar reachable: tried' <<<"$output")" -eq 1 ]
}

@test "terminal: an unknown pool is named and ends it with exit 4" {
	reg A
	SECONDS=0
	run timeout 20 "$RSP" terminal -transport=tcp \
	    -registrar=127.0.0.1:"$A_ASAP" -poolhandle=NoSuchPool -giveup=1000 \
	    -logcolor=off </dev/null
	[ "$status" -eq 4 ]
	[ "$SECONDS" -lt 10 ]
	[[ "$output" == *"terminal: no such pool: pool NoSuchPool (cause 0x0009: unknown pool handle)"* ]]
	[[ "$output" == *"giving up after 1000 ms"* ]]
	[ "$(grep -c 'no such pool: pool NoSuchPool' <<<"$output")" -eq 2 ]
}

@test "terminal: the default -giveup is seconds, not minutes" {
	reg A
	SECONDS=0
	run timeout 30 "$RSP" terminal -transport=tcp \
	    -registrar=127.0.0.1:"$A_ASAP" -poolhandle=NoSuchPool \
	    -logcolor=off </dev/null
	[ "$status" -eq 4 ]
	[ "$SECONDS" -le 15 ]
	[[ "$output" == *"giving up after 10000 ms"* ]]
}

@test "terminal: -giveup=0 keeps trying, as RSPLIB's" {
	reg A
	run timeout 3 "$RSP" terminal -transport=tcp \
	    -registrar=127.0.0.1:"$A_ASAP" -poolhandle=NoSuchPool -giveup=0 \
	    -logcolor=off </dev/null
	[ "$status" -eq 124 ]
	[ "$(grep -c 'no such pool: pool NoSuchPool' <<<"$output")" -eq 1 ]
}

@test "terminal: no registrar reachable, exit 5" {
	run timeout 20 "$RSP" terminal -transport=tcp -registrar=127.0.0.1:1 \
	    -giveup=1000 -logcolor=off </dev/null
	[ "$status" -eq 5 ]
	[[ "$output" == *"no registrar reachable: tried 127.0.0.1:1"* ]]
}

@test "terminal: a PE that does not answer is named, exit 6" {
	# asapcat registers EchoPool PE $12345678 at TCP 127.0.0.1:1, where
	# nobody listens, and holds the association (the PE stays)
	reg A -maxbadpereports=1000
	mkfifo "$T/pe.in"
	"$RSP" asapcat -connect=127.0.0.1:"$A_ASAP" -transport=tcp \
	    -timeout=30000 <"$T/pe.in" >"$T/pe.out" 2>&1 &
	PIDS="$PIDS $!"
	exec 4>"$T/pe.in"
	echo '01 00 00 38 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0a 00 28 12 34 56 78 00 00 ab cd 00 00 75 30 00 05 00 10 00 01 00 01 00 01 00 08 7f 00 00 01 00 08 00 08 00 00 00 01' >&4
	wait_for_line 'type=registration_response' 5 "$T/pe.out"
	run timeout 20 "$RSP" terminal -transport=tcp \
	    -registrar=127.0.0.1:"$A_ASAP" -giveup=1000 -logcolor=off </dev/null
	exec 4>&-
	echo "$output" >&2
	[ "$status" -eq 6 ]
	[[ "$output" == *"no pool element available: PE \$12345678 at 127.0.0.1:1 did not answer"* ]]
}

@test "pingpongclient: a full PE is named as full" {
	reg A
	pe pe1 "$A_ASAP" -pingpong -pppmaxthreads=1 -loglevel=3
	wait_for_line 'registered in pool' 5 "$T/pe1.log"
	"$RSP" pingpongclient -transport=tcp -registrar=127.0.0.1:"$A_ASAP" \
	    -interval=100 -logcolor=off -quiet >"$T/c1.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for_line 'connected to PE' 5 "$T/c1.log"
	"$RSP" pingpongclient -transport=tcp -registrar=127.0.0.1:"$A_ASAP" \
	    -interval=100 -logcolor=off -quiet >"$T/c2.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for_line 'ended the session at once: it is full' 5 "$T/c2.log"
	grep -q 'rejected: all 1 sessions' "$T/pe1.log"
}

@test "pingpongclient: a refused cookie is named" {
	reg A -endpointkeepalivetransmissioninterval=60000
	pe pe1 "$A_ASAP" -pingpong
	wait_for_line 'registered in pool' 5 "$T/pe1.log"
	"$RSP" pingpongclient -transport=tcp -registrar=127.0.0.1:"$A_ASAP" \
	    -interval=100 -logcolor=off -quiet >"$T/c1.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for_line 'connected to PE' 5 "$T/c1.log"
	sleep 1 # a Pong with a cookie
	# A Fractal Generator PE in the Ping Pong pool takes no Ping Pong
	# cookie.
	pe pe2 "$A_ASAP" -fractal -poolhandle=PingPongPool -loglevel=3
	wait_for_line 'registered in pool' 5 "$T/pe2.log"
	kill -9 "$pe1_PID"
	wait_for_line 'it refused our cookie, or it is full' 10 "$T/c1.log"
	grep -q 'cookie refused' "$T/pe2.log"
}

@test "the other pool users give up on an unknown pool with exit 4" {
	reg A
	run timeout 20 "$RSP" pingpongclient -transport=tcp \
	    -registrar=127.0.0.1:"$A_ASAP" -poolhandle=NoSuchPool -giveup=500 \
	    -logcolor=off
	[ "$status" -eq 4 ]
	[[ "$output" == *"pingpongclient: no such pool: pool NoSuchPool"* ]]
	run timeout 20 "$RSP" calcappclient -transport=tcp \
	    -registrar=127.0.0.1:"$A_ASAP" -poolhandle=NoSuchPool -giveup=500 \
	    -jobinterval=0.01 -runtime=30 -vector="$T/v" -scalar="$T/s" \
	    -logcolor=off
	[ "$status" -eq 4 ]
	[[ "$output" == *"calcappclient: no such pool: pool NoSuchPool"* ]]
	echo x >"$T/in"
	run timeout 20 "$RSP" scriptingclient -transport=tcp \
	    -registrar=127.0.0.1:"$A_ASAP" -poolhandle=NoSuchPool -giveup=500 \
	    -input="$T/in" -output="$T/out" -logcolor=off
	[ "$status" -eq 4 ]
	[[ "$output" == *"scriptingclient: no such pool: pool NoSuchPool"* ]]
	run timeout 20 "$RSP" fractalpooluser -transport=tcp \
	    -registrar=127.0.0.1:"$A_ASAP" -poolhandle=NoSuchPool -giveup=500 \
	    -output="$T/f.ppm" -logcolor=off
	[ "$status" -eq 4 ]
	[[ "$output" == *"fractalpooluser: no such pool: pool NoSuchPool"* ]]
}
