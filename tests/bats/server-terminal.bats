#!/usr/bin/env bats
# rsp server (pool element) and rsp terminal (pool user) with rsp
# registrar, over the TCP mapping on 127.0.0.1.  Announces are off:
# nothing may send multicast out of the host.  Every process is started
# in the background with its PID kept, and killed in teardown.

HR='05 00 00 10 00 09 00 0c 45 63 68 6f 50 6f 6f 6c'

load common

setup() {
	: "${RSP:?set RSP to the rsp binary}"
	T=$BATS_TEST_TMPDIR
	PIDS=
}

teardown() {
	exec 4>&- 2>/dev/null || true
	kill_pids
}

# Wait at most $2 s for a line matching $1 in file $3.


# start_server NAME [options]: a PE logging to $T/NAME.log; sets SPID
# and waits for its registration.
start_server() {
	local name=$1
	shift
	"$RSP" server -transport=tcp -registrar=127.0.0.1:"$PORT" -quiet \
	    -loglevel=4 -logcolor=off "$@" >"$T/$name.log" 2>&1 &
	SPID=$!
	PIDS="$PIDS $SPID"
	echo "$name $SPID" >>"$T/servers"
	wait_for_line 'registered in pool' 5 "$T/$name.log"
}

pe_id() {
	sed -n 's/.*PE \$\([0-9a-f]*\) registered in pool.*/\1/p' "$T/$1.log"
}

# Handle resolution for EchoPool through asapcat.
resolve() {
	run timeout 10 "$RSP" asapcat -connect=127.0.0.1:"$PORT" \
	    -transport=tcp -count=1 -timeout=5000 <<<"$HR"
}

terminal() {
	timeout 20 "$RSP" terminal -transport=tcp -registrar=127.0.0.1:"$PORT" \
	    -logcolor=off "$@"
}

@test "echo: the terminal's lines come back from the PE" {
	start_registrar
	start_server pe1 -echo
	run terminal < <(printf 'hello\nworld\n')
	[ "$status" -eq 0 ]
	id=$(pe_id pe1)
	[[ "$output" == *"from PE \$$id> hello"* ]]
	[[ "$output" == *"from PE \$$id> world"* ]]
	[[ "$output" == *"terminal: connected to PE \$$id"* ]]
}

@test "failover: kill -9 the PE in use, later lines come from the other PE" {
	start_registrar
	start_server pe1 -echo
	start_server pe2 -echo
	mkfifo "$T/in"
	terminal <"$T/in" >"$T/term.out" 2>"$T/term.err" &
	PIDS="$PIDS $!"
	exec 4>"$T/in"
	echo first >&4
	wait_for_line '> first' 5 "$T/term.out"
	pick_victim pe_id pe1 pe2
	pid=$(awk -v n=$victim '$1 == n { print $2 }' "$T/servers")
	[ -n "$pid" ]
	kill -9 "$pid"
	wait_for_line 'failover to PE' 5 "$T/term.err" || {
		# the failure is noticed on the next line sent
		echo poke >&4
		wait_for_line 'failover to PE' 5 "$T/term.err"
	}
	echo second >&4
	wait_for_line '> second' 5 "$T/term.out"
	exec 4>&-
	new=$(pe_id $other)
	grep -q "^from PE \$$new> second$" "$T/term.out"
	[ "$new" != "$(pe_id $victim)" ]
	grep -q "failover to PE \$$new" "$T/term.err"
}

@test "failover: lines the killed PE never acknowledged are counted" {
	start_registrar
	start_server pe1 -echo
	start_server pe2 -echo
	mkfifo "$T/in"
	terminal -loglevel=5 <"$T/in" >"$T/term.out" 2>"$T/term.err" &
	PIDS="$PIDS $!"
	exec 4>"$T/in"
	echo first >&4
	wait_for_line '> first' 5 "$T/term.out"
	pick_victim pe_id pe1 pe2
	pid=$(awk -v n=$victim '$1 == n { print $2 }' "$T/servers")
	[ -n "$pid" ]
	# Stopped, the PE reads nothing: its lines stay unacknowledged.
	kill -STOP "$pid"
	printf 'lost1\nlost2\nlost3\n' >&4
	sleep 0.3
	kill -9 "$pid"
	wait_for_line 'failover to PE' 10 "$T/term.err"
	wait_for_line '3 line(s) may be lost' 5 "$T/term.err"
	echo after >&4
	wait_for_line '> after' 5 "$T/term.out"
	exec 4>&-
	! grep -q '> lost' "$T/term.out"
}

@test "daytime: one message with the local time, then the session ends" {
	start_registrar
	start_server pe1 -daytime
	run terminal -poolhandle=DaytimePool </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" =~ from\ PE\ \$[0-9a-f]{8}\>\ (Sun|Mon|Tues|Wednes|Thurs|Fri|Satur)day,\ [0-9]{2}-[A-Z][a-z]+-[0-9]{4}\ [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} ]]
	[[ "$output" == *"closed the session"* ]]
}

@test "discard: nothing comes back, the session is served" {
	start_registrar
	start_server pe1 -discard
	run terminal -poolhandle=DiscardPool < <(printf 'a\nb\n')
	[ "$status" -eq 0 ]
	[[ "$output" != *"from PE"* ]]
	grep -q 'session .* up' "$T/pe1.log"
}

@test "chargen: 1024-byte messages of the CharGen pattern" {
	start_registrar
	start_server pe1 -chargen
	terminal -poolhandle=CharGenPool -runtime=1000 </dev/null 2>/dev/null |
	    head -c 3000 >"$T/cg.out" || true
	id=$(pe_id pe1)
	prefix="from PE \$$id> "
	[ "$(head -c ${#prefix} "$T/cg.out")" = "$prefix" ]
	# bytes 0..97 of the pattern: 0x1e .. 0x7f
	want=$(printf '%s' "$prefix" | wc -c)
	got=$(tail -c +$((want + 1)) "$T/cg.out" | head -c 98 | od -An -tx1 | tr -d ' \n')
	exp=$(for i in $(seq 30 127); do printf '%02x' "$i"; done)
	[ "$got" = "$exp" ]
	# the next message starts right after 1024 bytes
	second=$(tail -c +$((want + 1025)) "$T/cg.out" | head -c ${#prefix})
	[ "$second" = "$prefix" ]
}

@test "re-registration keeps the PE past 3 x a short interval" {
	start_registrar
	start_server pe1 -rereginterval=200
	sleep 2
	resolve
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == *"pe1.id=0x$(pe_id pe1) "*"pe1.life=600 "* ]]
	grep -q "re-registered PE \$$(pe_id pe1)" "$T/registrar.log"
}

@test "keep-alives are answered: the PE survives short keep-alive timers" {
	start_registrar -endpointkeepalivetransmissioninterval=100 \
	    -endpointkeepalivetimeoutinterval=300
	start_server pe1
	sleep 1.5
	resolve
	[[ "${lines[1]}" == *"pe1.id=0x$(pe_id pe1) "* ]]
	! grep -q 'no keep-alive ack' "$T/registrar.log"
}

@test "SIGTERM deregisters the PE: resolution then gets 0x0009" {
	start_registrar
	start_server pe1
	resolve
	[[ "${lines[1]}" == *"pe1.id=0x$(pe_id pe1) "* ]]
	kill -TERM "$SPID"
	wait "$SPID"
	grep -q "deregistered PE \$$(pe_id pe1)" "$T/registrar.log"
	grep -q "PE \$$(pe_id pe1) deregistered$" "$T/pe1.log"
	resolve
	[[ "${lines[1]}" == *"cause1=0x0009"* ]]
}

@test "-policy takes RSPLIB's forms with parameters, -identifier the PE ID" {
	start_registrar
	start_server pe1 -policy=LeastUsedDegradation:0.5 -identifier=0x1234abcd
	resolve
	[[ "${lines[1]}" == *"pe1.id=0x1234abcd "*"pe1.policy=least_used_with_degradation,0,2147483648"* ]]
}

@test "-policy=WeightedRandom:7 registers weight 7" {
	start_registrar
	start_server pe1 -policy=WeightedRandom:7 -poolhandle=EchoPool
	resolve
	[[ "${lines[1]}" == *"pe1.policy=weighted_random,7"* ]]
}

@test "bad -policy, -identifier, two services, no registrar: usage errors" {
	run "$RSP" server -registrar=127.0.0.1:1 -policy=NoSuchPolicy
	[ "$status" -eq 2 ]
	run "$RSP" server -registrar=127.0.0.1:1 -policy=LeastUsedDegradation:2
	[ "$status" -eq 2 ]
	run "$RSP" server -registrar=127.0.0.1:1 -identifier=0
	[ "$status" -eq 2 ]
	run "$RSP" server -registrar=127.0.0.1:1 -echo -discard
	[ "$status" -eq 2 ]
	# no registrar at all; a bad announce group
	run "$RSP" server -asapannounce=off
	[ "$status" -eq 2 ]
	run "$RSP" terminal -asapannounce=off
	[ "$status" -eq 2 ]
	run "$RSP" server -asapannounce=127.0.0.1:3863
	[ "$status" -eq 2 ]
	run "$RSP" terminal -registrar=127.0.0.1:1 -asapannounce=nowhere
	[ "$status" -eq 2 ]
}

@test "-runtime deregisters and exits 0; -local sets the user port" {
	start_registrar
	start_server pe1 -runtime=800 -local=127.0.0.1:0
	wait "$SPID"
	grep -q "deregistered PE \$$(pe_id pe1)" "$T/registrar.log"
}

@test "the PE fails over to a second registrar when the first is down" {
	start_registrar
	"$RSP" server -transport=tcp -registrar=127.0.0.1:1 \
	    -registrar=127.0.0.1:"$PORT" -quiet -logcolor=off \
	    >"$T/pe1.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for_line 'registered in pool' 5 "$T/pe1.log"
}
