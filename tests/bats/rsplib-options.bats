#!/usr/bin/env bats
# RSPLIB's command-line options that rsp takes so that RSPLIB users keep
# their command lines, each checked by what it does: the registrar timing
# options of every pool element and pool user, -asapannounce in every
# client, -logappend=FILE, -chargenmaxthreads, -uptime/-downtime of
# rsp server and rsp registrar, the registrar's -disable-ipv6,
# -autoclosetimeout and -quiet, fractalpooluser's -identifier and
# -sendtimeout, -ssverbose, and calcappclient's -daemonpidfile.  Over the
# TCP mapping on 127.0.0.1, announces off (nothing joins a multicast
# group); every process is killed by PID in teardown.

load common

TIMING='-registrarannouncetimeout=4000 -registrarconnecttimeout=2000
-registrarconnectmaxtrials=2 -registrarrequesttimeout=2500
-registrarresponsetimeout=2500 -registrarrequestmaxtrials=1'

setup() {
	: "${RSP:?set RSP to the rsp binary}"
	T=$BATS_TEST_TMPDIR
	PIDS=
}

teardown() {
	add_pidfiles
	kill_pids
}

# start_server NAME [options]: a PE logging to $T/NAME.log, registered;
# SPID is its PID.
start_server() {
	local name=$1
	shift
	"$RSP" server -transport=tcp -registrar=127.0.0.1:"$PORT" \
	    -loglevel=4 -logcolor=off "$@" >"$T/$name.log" 2>&1 &
	SPID=$!
	PIDS="$PIDS $SPID"
	wait_for_line 'registered in pool' 10 "$T/$name.log"
}

@test "every PE and PU applet takes RSPLIB's -registrar*timeout and *maxtrials options" {
	start_registrar
	start_server pe -pingpong -quiet
	# shellcheck disable=SC2086
	run timeout 20 "$RSP" pingpongclient -transport=tcp \
	    -registrar=127.0.0.1:"$PORT" $TIMING -interval=100 -runtime=1500 \
	    -quiet -logcolor=off
	[ "$status" -eq 0 ]
	[[ "$output" == *"received="[1-9]* ]]
	# shellcheck disable=SC2086
	run timeout 20 "$RSP" terminal -transport=tcp \
	    -registrar=127.0.0.1:"$PORT" $TIMING -poolhandle=PingPongPool \
	    -runtime=300 </dev/null
	[ "$status" -eq 0 ]
	for a in server calcappclient scriptingclient fractalpooluser; do
		# shellcheck disable=SC2086
		"$RSP" "$a" --help | grep -q -- -registrarrequestmaxtrials=N
		run "$RSP" "$a" -registrarresponsetimeout=0
		[ "$status" -eq 2 ]
		[[ "$output" == *"-registrarresponsetimeout: expected an integer in 1..86400000"* ]]
	done
}

@test "clients learn registrars from announces like RSPLIB's: -asapannounce=off needs -registrar" {
	for a in terminal pingpongclient calcappclient fractalpooluser; do
		run timeout 10 "$RSP" "$a" -asapannounce=off
		[ "$status" -eq 2 ]
		[[ "$output" == *"(not off without -registrar=)"* ]]
		run timeout 10 "$RSP" "$a" -asapannounce=10.0.0.1:3863
		[ "$status" -eq 2 ]
	done
	run timeout 10 "$RSP" scriptingclient -input=/dev/null -output="$T/o" \
	    -asapannounce=off
	[ "$status" -eq 2 ]
	[[ "$output" == *"(not off without -registrar=)"* ]]
}

@test "-logappend=FILE appends the log to FILE (RSPLIB's form); bare -logappend appends to -logfile" {
	for i in 1 2; do
		timeout -s INT 1 "$RSP" registrar -transport=tcp \
		    -asap=127.0.0.1:0 -asapannounce=off -logcolor=off \
		    -logappend="$T/a.log" || true
	done
	[ "$(grep -c 'ASAP listening on' "$T/a.log")" -eq 2 ]
	for i in 1 2; do
		timeout -s INT 1 "$RSP" registrar -transport=tcp \
		    -asap=127.0.0.1:0 -asapannounce=off -logcolor=off \
		    -logfile="$T/b.log" -logappend || true
	done
	[ "$(grep -c 'ASAP listening on' "$T/b.log")" -eq 2 ]
	# without -logappend the file starts over
	timeout -s INT 1 "$RSP" registrar -transport=tcp -asap=127.0.0.1:0 \
	    -asapannounce=off -logcolor=off -logfile="$T/b.log" || true
	[ "$(grep -c 'ASAP listening on' "$T/b.log")" -eq 1 ]
}

@test "-chargenmaxthreads=1: a second CharGen session is closed at once" {
	start_registrar
	start_server cg -chargen -chargenmaxthreads=1 -quiet
	# The first session reads for 3 s; the second one meanwhile gets
	# nothing and is closed by the PE.
	"$RSP" terminal -transport=tcp -registrar=127.0.0.1:"$PORT" \
	    -poolhandle=CharGenPool -runtime=3000 -logcolor=off </dev/null \
	    >/dev/null 2>"$T/t1.err" &
	PIDS="$PIDS $!"
	sleep 1
	run timeout 20 "$RSP" terminal -transport=tcp \
	    -registrar=127.0.0.1:"$PORT" -poolhandle=CharGenPool -runtime=1500 \
	    -loglevel=3 -logcolor=off </dev/null
	[[ "$output" != *"from PE"* ]]
	[[ "$output" == *"closed"* ]]
	# the first one was served meanwhile, and is not closed by the PE
	grep -q 'connected to PE' "$T/t1.err"
	! grep -q 'closed the session' "$T/t1.err"
}

@test "server -uptime/-downtime: the PE goes down and comes back under new PE IDs" {
	start_registrar
	"$RSP" server -transport=tcp -registrar=127.0.0.1:"$PORT" \
	    -uptime=0.4 -downtime=0.2 -loglevel=4 -logcolor=off \
	    >"$T/pe.out" 2>"$T/pe.log" &
	PIDS="$PIDS $!"
	for _ in $(seq 100); do
		[ "$(grep -c 'deregistered PE' "$T/registrar.log")" -ge 2 ] &&
			break
		sleep 0.1
	done
	ids=$(sed -n 's/.*registered PE \$\([0-9a-f]*\) in pool.*/\1/p' \
	    "$T/registrar.log" | sort -u | wc -l)
	[ "$ids" -ge 2 ]
	grep -q '^Uptime [0-9.]* s$' "$T/pe.out"
	grep -q '^Waiting for [0-9.]* s \.\.\.$' "$T/pe.out"
	run "$RSP" server -uptime=soon
	[ "$status" -eq 2 ]
	[[ "$output" == *"-uptime=soon: expected a number"* ]]
}

@test "registrar -uptime/-downtime: a new registrar (new ID) after each down time; -quiet" {
	"$RSP" registrar -transport=tcp -asap=127.0.0.1:0 -asapannounce=off \
	    -uptime=0.3 -downtime=0.1 -logcolor=off >"$T/r.out" 2>"$T/r.log" &
	PIDS="$PIDS $!"
	for _ in $(seq 100); do
		[ "$(grep -c 'ASAP listening on' "$T/r.log")" -ge 3 ] && break
		sleep 0.1
	done
	ids=$(sed -n 's/.*registrar: \$\([0-9a-f]*\): ASAP listening.*/\1/p' \
	    "$T/r.log" | sort -u | wc -l)
	[ "$ids" -ge 3 ]
	grep -q 'uptime over, going down' "$T/r.log"
	grep -q '^Running registrar for' "$T/r.out"
	# -quiet: the same, silently
	"$RSP" registrar -transport=tcp -asap=127.0.0.1:0 -asapannounce=off \
	    -uptime=0.2 -quiet -logcolor=off >"$T/q.out" 2>"$T/q.log" &
	PIDS="$PIDS $!"
	for _ in $(seq 100); do
		[ "$(grep -c 'ASAP listening on' "$T/q.log")" -ge 2 ] && break
		sleep 0.1
	done
	[ "$(grep -c 'ASAP listening on' "$T/q.log")" -ge 2 ]
	[ ! -s "$T/q.out" ]
}

@test "registrar -disable-ipv6: -asap=auto listens on the IPv4 wildcard only" {
	timeout -s INT 1 "$RSP" registrar -transport=tcp -asap=auto:0 \
	    -asapannounce=off -disable-ipv6 -logcolor=off 2>"$T/r.log" || true
	grep -q 'ASAP listening on 0\.0\.0\.0:[0-9]* (tcp)$' "$T/r.log"
}

@test "registrar -autoclosetimeout: an idle pool user's association is closed, PEs' are not" {
	start_registrar -autoclosetimeout=1
	start_server pe -quiet
	# A terminal that resolved once and then only waits.
	"$RSP" terminal -transport=tcp -registrar=127.0.0.1:"$PORT" \
	    -logcolor=off < <(sleep 4) >/dev/null 2>&1 &
	PIDS="$PIDS $!"
	wait_for_line 'idle for 1 s, closing' 8 "$T/registrar.log"
	sleep 2
	# The PE's association is idle between keep-alives (every 5 s) but
	# carries a registration: never closed.
	! grep -q 'removed PE' "$T/registrar.log"
}

@test "registrar -statsfile/-statsinterval/-scalar/-object: RSPLIB's statistics files" {
	start_registrar -statsfile="$T/stats.txt" -statsinterval=100 \
	    -scalar="$T/r.sca" -object=pr1
	start_server pe -quiet -runtime=600
	run timeout 20 "$RSP" terminal -transport=tcp \
	    -registrar=127.0.0.1:"$PORT" -runtime=300 </dev/null
	wait_for_line 'deregistered PE' 10 "$T/registrar.log"
	sleep 0.3
	kill -INT "$RPID"
	for _ in $(seq 50); do kill -0 "$RPID" 2>/dev/null || break; sleep 0.1; done
	head -1 "$T/stats.txt" | grep -q '^AbsTime RelTime Runtime UserTime SystemTime   Peers Pools PoolElements OwnedPoolElements   Registrations Reregistrations Deregistrations HandleResolutions FailureReports Synchronizations HandleUpdates EndpointKeepAlives$'
	# 18 columns; the totals at the end: 1 registration, 1 resolution,
	# 1 deregistration; while the PE was there, 1 pool with 1 PE
	[ "$(sed -n 2p "$T/stats.txt" | wc -w)" -eq 18 ]
	tail -1 "$T/stats.txt" | awk '{ exit !($11 == 1 && $13 == 1 && $14 == 1) }'
	awk 'NR > 1 && $8 == 1 && $9 == 1 && $10 == 1 { ok = 1 } END { exit !ok }' "$T/stats.txt"
	[ "$(sed -n 2,3p "$T/stats.txt" | cut -c1-6 | tr '\n' ' ')" = "000001 000002 " ]
	grep -qx 'run 1 "scenario"' "$T/r.sca"
	grep -qx 'scalar "pr1" "Registrar Total Registrations" 1' "$T/r.sca"
	grep -qx 'scalar "pr1" "Registrar Total Handle Resolutions" 1' "$T/r.sca"
	grep -q '^scalar "pr1" "Registrar Average Number Of Pool Elements" 0\.[0-9]*[1-9][0-9]*$' "$T/r.sca"
	run "$RSP" registrar -statsinterval=5
	[ "$status" -eq 2 ]
}

@test "registrar -actionlogfile: a line per protocol action, RSPLIB's columns" {
	start_registrar -actionlogfile="$T/actions.txt" \
	    -endpointkeepalivetransmissioninterval=300
	start_server pe -quiet -runtime=1000
	run timeout 20 "$RSP" terminal -transport=tcp \
	    -registrar=127.0.0.1:"$PORT" -runtime=300 </dev/null
	wait_for_line 'deregistered PE' 10 "$T/registrar.log"
	head -1 "$T/actions.txt" | grep -qx 'AbsTime RelTime   Direction Protocol Action Reason   Flags Counter Time   PoolHandle PoolElementID   SenderID ReceiverID TargetID   ErrorCode'
	for a in '"Recv" "ASAP" "Registration" "Requested"' \
	    '"Send" "ASAP" "RegistrationResponse" "Requested"' \
	    '"Send" "ASAP" "EndpointKeepAlive" "KeepAliveTransmissionTimer"' \
	    '"Recv" "ASAP" "EndpointKeepAliveAck" "InTime"' \
	    '"Recv" "ASAP" "HandleResolution" "Requested"' \
	    '"Send" "ASAP" "HandleResolutionResponse" "Requested"' \
	    '"Recv" "ASAP" "Deregistration" "Requested"'; do
		grep -q "^[0-9]\{6\} [0-9.]* [0-9.]* $a 0x[0-9a-f]* [0-9]* [0-9.]* \"EchoPool\" 0x[0-9a-f]* 0x[0-9a-f]* 0x[0-9a-f]* 0x[0-9a-f]* [0-9a-f]*\$" "$T/actions.txt" ||
			{ echo "missing: $a"; cat "$T/actions.txt"; false; }
	done
	# removals without a Deregistration: a PE that stops answering, one
	# whose association goes away
	start_server pe2 -quiet
	kill -STOP "$SPID"
	wait_for_line '"Deregistration" "KeepAliveTimeoutTimer"' 20 "$T/actions.txt"
	start_server pe3 -quiet
	kill -9 "$SPID"
	wait_for_line '"Deregistration" "Disconnect"' 20 "$T/actions.txt"
}

@test "fractalpooluser -identifier names it in CSP reports; -sendtimeout does not fire while the PE takes the Parameter" {
	# A CSP reporter names the local addresses, and under qemu-user for
	# big-endian MIPS getifaddrs() never returns (scripts/check-cross.sh).
	[ -z "${RSP_TEST_NO_GETIFADDRS:-}" ] ||
		skip "CSP reports: no getifaddrs() here (RSP_TEST_NO_GETIFADDRS)"
	start_registrar
	start_server fg -fractal -quiet
	"$RSP" cspmonitor -localaddress=127.0.0.1:0 -updateinterval=200 \
	    -logcolor=off >"$T/mon.out" 2>"$T/mon.err" &
	PIDS="$PIDS $!"
	wait_for_line 'listening on' 10 "$T/mon.err"
	csp=$(sed -n 's/.*listening on \(127\.0\.0\.1:[0-9]*\).*/\1/p' \
	    "$T/mon.err" | head -1)
	run timeout 60 "$RSP" fractalpooluser -transport=tcp \
	    -registrar=127.0.0.1:"$PORT" -identifier=0xabc123 -sendtimeout=100 \
	    -width=120 -height=80 -images=2 -interimagetime=1 \
	    -output="$T/f.png" -cspserver="$csp" \
	    -cspinterval=250 -logcolor=off
	[ "$status" -eq 0 ]
	[[ "$output" == *"0 failovers"* ]]
	grep -q 'PU \$00000000abc123' "$T/mon.out"
	run "$RSP" fractalpooluser -identifier=0 -registrar=127.0.0.1:1
	[ "$status" -eq 2 ]
	run "$RSP" fractalpooluser -sendtimeout=99 -registrar=127.0.0.1:1
	[ "$status" -eq 2 ]
}

@test "server -ssverbose logs each upload and download" {
	start_registrar
	start_server ss -scripting -ssverbose -quiet
	mkdir -p "$T/pkg"
	printf '#!/bin/sh\necho done >r.txt\ntar czf "$1" r.txt\n' >"$T/pkg/ssrun"
	chmod +x "$T/pkg/ssrun"
	tar czf "$T/p.tar.gz" -C "$T/pkg" .
	run timeout 60 "$RSP" scriptingclient -transport=tcp \
	    -registrar=127.0.0.1:"$PORT" -input="$T/p.tar.gz" \
	    -output="$T/out.tar.gz" -quiet -logcolor=off
	[ "$status" -eq 0 ]
	wait_for_line 'upload of [0-9]* messages, [0-9]* bytes' 10 "$T/ss.log"
	wait_for_line 'download of [0-9]* messages, [0-9]* bytes' 10 "$T/ss.log"
}

@test "calcappclient -daemonpidfile: returns 0 at once, the client runs on in the background" {
	start_registrar
	start_server ca -calcapp -capvector="$T/ca.vec" -capscalar="$T/ca.sca" -quiet
	timeout 10 "$RSP" calcappclient -transport=tcp \
	    -registrar=127.0.0.1:"$PORT" -runtime=60 -jobinterval=0.2 \
	    -jobsize=10000 -vector="$T/c.vec" -scalar="$T/c.sca" \
	    -loglevel=4 -logcolor=off -logfile="$T/cac.log" \
	    -daemonpidfile="$T/cac.pid" >"$T/cac.out" 2>&1 </dev/null
	pid=$(cat "$T/cac.pid")
	[[ "$pid" =~ ^[0-9]+$ ]]
	kill -0 "$pid"
	wait_for_line 'PE \$' 15 "$T/cac.log"
}
