#!/usr/bin/env bats
# Registrar discovery in the library, through rsp server (PE) and rsp
# terminal (PU) with real registrars: static registrar lists with
# failover to the second registrar when the one in use dies, and ASAP
# Server Announces on 239.0.0.50:3863 inside a network namespace of the
# test's own (nothing sends or joins multicast outside it).  Every
# process is started in the background with its PID kept and killed in
# teardown.  RSP_TRANSPORT (tcp, the default here, or sctp in the SCTP
# guest) picks the transport.

HR='05 00 00 10 00 09 00 0c 45 63 68 6f 50 6f 6f 6c'

load common

setup() {
	: "${RSP:?set RSP to the rsp binary}"
	T=$BATS_TEST_TMPDIR
	TR=${RSP_TRANSPORT:-tcp}
	PIDS=
	NS=
}

teardown() {
	exec 4>&- 2>/dev/null || true
	kill_pids
	[ -z "$NS" ] || ip netns del "$NS" 2>/dev/null || true
}

# Wait at most $2 s for a line matching $1 in file $3.

# start_registrar NAME [options]: sets RPID and PORT (ASAP on
# 127.0.0.1, port 0), log $T/NAME.log.  $IN prefixes the command
# (ip netns exec).
start_registrar() {
	local name=$1
	shift
	$IN "$RSP" registrar -transport="$TR" -asap=127.0.0.1:0 \
	    -minaddressscope=loopback -loglevel=5 -logcolor=off "$@" \
	    >"$T/$name.log" 2>&1 &
	RPID=$!
	PIDS="$PIDS $RPID"
	wait_for_line 'ASAP listening on' 10 "$T/$name.log"
	PORT=$(sed -n 's/.*ASAP listening on 127\.0\.0\.1:\([0-9]*\) (.*)$/\1/p' "$T/$name.log")
	[ -n "$PORT" ]
}

# start_server NAME [options]: a PE logging to $T/NAME.log; sets SPID
# and waits for its registration.
start_server() {
	local name=$1
	shift
	$IN "$RSP" server -transport="$TR" -quiet -loglevel=4 -logcolor=off \
	    "$@" >"$T/$name.log" 2>&1 &
	SPID=$!
	PIDS="$PIDS $SPID"
	wait_for_line 'registered in pool' 20 "$T/$name.log"
}

pe_id() {
	sed -n 's/.*PE \$\([0-9a-f]*\) registered in pool.*/\1/p' "$T/$1.log"
}

# knows PORT ID: the registrar on PORT resolves EchoPool to PE ID.
knows() {
	timeout 10 $IN "$RSP" asapcat -connect=127.0.0.1:"$1" \
	    -transport="$TR" -count=1 -timeout=5000 <<<"$HR" |
	    grep -q "id=0x$2 "
}

@test "two registrars: the PE moves to the second when the first dies" {
	start_registrar r1 -asapannounce=off
	R1=$RPID P1=$PORT
	start_registrar r2 -asapannounce=off
	R2=$RPID P2=$PORT
	start_server pe -registrar=127.0.0.1:"$P1" -registrar=127.0.0.1:"$P2" \
	    -rereginterval=30000
	id=$(pe_id pe)
	# The hunt starts at a random registrar: find the one in use.
	if knows "$P1" "$id"; then
		dead=$R1 live=$P2
	else
		knows "$P2" "$id"
		dead=$R2 live=$P1
	fi
	! knows "$live" "$id"
	kill -9 "$dead"
	for _ in $(seq 100); do
		knows "$live" "$id" && break
		sleep 0.1
	done
	knows "$live" "$id"
	kill -0 "$SPID" # still running
}

@test "two registrars: the PU moves to the second when the first dies" {
	start_registrar r1 -asapannounce=off
	R1=$RPID P1=$PORT
	start_registrar r2 -asapannounce=off
	R2=$RPID P2=$PORT
	# One PE known to each registrar only.
	start_server pe1 -registrar=127.0.0.1:"$P1"
	S1=$SPID
	start_server pe2 -registrar=127.0.0.1:"$P2"
	S2=$SPID
	mkfifo "$T/in"
	timeout 60 "$RSP" terminal -transport="$TR" -logcolor=off \
	    -registrar=127.0.0.1:"$P1" -registrar=127.0.0.1:"$P2" \
	    <"$T/in" >"$T/term.out" 2>"$T/term.err" &
	PIDS="$PIDS $!"
	exec 4>"$T/in"
	echo first >&4
	wait_for_line '> first' 10 "$T/term.out"
	used=$(sed -n 's/^from PE \$\([0-9a-f]*\)> first$/\1/p' "$T/term.out")
	# Registrar and PE of the side in use die together.
	if [ "$used" = "$(pe_id pe1)" ]; then
		kill -9 "$R1" "$S1"
		other=$(pe_id pe2)
	else
		[ "$used" = "$(pe_id pe2)" ]
		kill -9 "$R2" "$S2"
		other=$(pe_id pe1)
	fi
	wait_for_line 'failover to PE' 20 "$T/term.err" || {
		echo poke >&4 # the failure shows on the next line sent
		wait_for_line 'failover to PE' 20 "$T/term.err"
	}
	echo second >&4
	wait_for_line '> second' 10 "$T/term.out"
	exec 4>&-
	grep -q "^from PE \$$other> second$" "$T/term.out"
	grep -q "failover to PE \$$other" "$T/term.err"
}

@test "no registrar reachable: the PE keeps hunting, then registers" {
	# A port nobody listens on yet; the registrar comes up later there.
	start_registrar probe -asapannounce=off
	port=$PORT
	kill -9 "$RPID"
	wait "$RPID" 2>/dev/null || true
	$IN "$RSP" server -transport="$TR" -quiet -loglevel=4 -logcolor=off \
	    -registrar=127.0.0.1:"$port" >"$T/pe.log" 2>&1 &
	SPID=$!
	PIDS="$PIDS $SPID"
	sleep 1
	kill -0 "$SPID"
	! grep -q 'registered in pool' "$T/pe.log"
	"$RSP" registrar -transport="$TR" -asap=127.0.0.1:"$port" \
	    -asapannounce=off -minaddressscope=loopback -loglevel=5 \
	    -logcolor=off >"$T/late.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for_line 'registered in pool' 20 "$T/pe.log"
}

# A network namespace whose lo carries 239.0.0.0/8: announces stay in it.
make_netns() {
	command -v ip >/dev/null || skip "no ip(8)"
	NS="rspdisc$$"
	ip netns add "$NS" 2>/dev/null || {
		NS=
		skip "ip netns add not permitted here (needs CAP_SYS_ADMIN)"
	}
	ip -n "$NS" link set lo up multicast on
	ip -n "$NS" route add 239.0.0.0/8 dev lo src 127.0.0.1
	IN="ip netns exec $NS"
}

@test "announces: PE and PU find the registrar without -registrar (netns)" {
	make_netns
	start_registrar r1 -asapannounce=auto -serverannouncecycle=200
	grep -q 'server announces to 239.0.0.50:3863' "$T/r1.log"
	start_server pe
	id=$(pe_id pe)
	knows "$PORT" "$id"
	run timeout 30 $IN "$RSP" terminal -transport="$TR" -logcolor=off \
	    < <(printf 'hello\n')
	[ "$status" -eq 0 ]
	[[ "$output" == *"from PE \$$id> hello"* ]]
}

@test "announces combine with static registrars; a dead static one is skipped (netns)" {
	make_netns
	start_registrar r1 -asapannounce=auto -serverannouncecycle=200
	start_server pe -registrar=127.0.0.1:1 -asapannounce=auto
	id=$(pe_id pe)
	knows "$PORT" "$id"
	run timeout 30 $IN "$RSP" terminal -transport="$TR" -logcolor=off \
	    -registrar=127.0.0.1:1 -asapannounce=239.0.0.50:3863 \
	    < <(printf 'again\n')
	[ "$status" -eq 0 ]
	[[ "$output" == *"from PE \$$id> again"* ]]
}

@test "announces on another group are not heard: -asapannounce picks the group (netns)" {
	make_netns
	start_registrar r1 -asapannounce=239.0.0.77:3863 -serverannouncecycle=200
	$IN "$RSP" server -transport="$TR" -quiet -loglevel=4 -logcolor=off \
	    -asapannounce=auto >"$T/deaf.log" 2>&1 &
	PIDS="$PIDS $!"
	start_server pe -asapannounce=239.0.0.77:3863
	sleep 1
	! grep -q 'registered in pool' "$T/deaf.log"
}

@test "docs/library.md shows the example program it says the tests build" {
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	# The C blocks before it are fragments; the example has main.
	awk 'BEGIN { n = 0 } /^```c$/ { n++; on = 1; buf = ""; next }
	     /^```$/ { if (on && buf ~ /int\nmain/) { printf "%s", buf; exit }
	               on = 0; next }
	     on { buf = buf $0 "\n" }' "$TOP/docs/library.md" >"$T/doc.c"
	cmp "$T/doc.c" "$TOP/docs/examples/resolve.c"
}
