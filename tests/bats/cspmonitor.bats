#!/usr/bin/env bats
# Component Status Protocol over loopback: rsp registrar, rsp server and
# rsp terminal report (-cspserver, -cspinterval) to a running
# rsp cspmonitor, which shows every one of them with its associations;
# a component that stops reporting disappears (at once with its final
# report, or after 10 report intervals when killed); garbage datagrams
# are ignored.  The monitor's stdout is a file: plain tables, one per
# -updateinterval, each followed by an empty line.  Announces are off;
# every process is killed by PID in teardown.

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

# The last complete table the monitor printed.
last_table() {
	awk 'BEGIN { RS = ""; ORS = "\n" } { t = $0 } END { print t }' \
	    "$T/mon.out"
}

# Wait at most $1 s until the last table matches (grep -E) $2, or, with
# -v, no longer matches.
wait_table() {
	local neg=
	if [ "$1" = -v ]; then
		neg=1
		shift
	fi
	for _ in $(seq $(($1 * 10))); do
		if last_table | grep -qE -- "$2"; then
			[ -z "$neg" ] && return 0
		else
			[ -n "$neg" ] && return 0
		fi
		sleep 0.1
	done
	echo "--- last table (waiting for ${neg:+no }'$2'):" >&2
	last_table >&2
	return 1
}

start_monitor() {
	"$RSP" cspmonitor -localaddress=127.0.0.1:0 -updateinterval=200 \
	    -loglevel=3 -logcolor=off "$@" >"$T/mon.out" 2>"$T/mon.err" &
	MPID=$!
	PIDS="$PIDS $MPID"
	wait_for_line 'listening on' 5 "$T/mon.err"
	CSP=127.0.0.1:$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) (UDP)$/\1/p' "$T/mon.err")
	[ "$CSP" != 127.0.0.1: ]
}

# The registrar, reporting to the monitor; sets PRID too.
start_csp_registrar() {
	start_registrar -cspserver="$CSP" -cspinterval=250 "$@"
	PRID=$(sed -n 's/.*registrar: \$\([0-9a-f]*\): ASAP listening.*/\1/p' "$T/registrar.log")
	[ -n "$PRID" ]
}

start_server() {
	"$RSP" server -transport=tcp -registrar=127.0.0.1:"$PORT" -quiet \
	    -loglevel=4 -logcolor=off -cspserver="$CSP" -cspinterval=250 \
	    "$@" >"$T/server.log" 2>&1 &
	SPID=$!
	PIDS="$PIDS $SPID"
	wait_for_line 'registered in pool' 5 "$T/server.log"
	PEID=$(sed -n 's/.*PE \$\([0-9a-f]*\) registered in pool.*/\1/p' "$T/server.log")
}

# A terminal whose standard input stays open (fd 4) until stop_terminal.
start_terminal() {
	mkfifo "$T/in"
	"$RSP" terminal -transport=tcp -registrar=127.0.0.1:"$PORT" \
	    -loglevel=4 -logcolor=off -cspserver="$CSP" -cspinterval=250 \
	    <"$T/in" >"$T/terminal.log" 2>&1 &
	TPID=$!
	PIDS="$PIDS $TPID"
	exec 4>"$T/in"
	echo hello >&4
	wait_for_line 'from PE' 10 "$T/terminal.log"
}

@test "cspmonitor shows the registrar, the server and the terminal with their associations" {
	start_monitor -full
	start_csp_registrar
	start_server
	start_terminal
	wait_table 10 '1 PRs, 1 PEs, 1 PUs'
	# The reports that follow the registration and the session.
	wait_table 10 "PE \\\$$PEID .*A=1 \"1 Session\""
	wait_table 10 'PU .*A=2 "1 Session"'
	run last_table
	echo "$output"
	[[ "$output" == *"PR \$$PRID ["*"A=0 \"1[1] PEs in 1 Pool, 0 Peers\""* ]]
	[[ "$output" == *"PE \$$PEID ["*"A=1 \"1 Session\""* ]]
	[[ "$output" =~ PU\ \$[0-9a-f]{14}\ \[.*A=2\ \"1\ Session\" ]]
	# The PE's and the PU's registrar association, the PU's session.
	[ "$(grep -c -- '-> PR \$[0-9a-f]\{8\} ASAP/TCP  duration=' <<<"$output")" -eq 2 ]
	[[ "$output" == *"-> PE \$$PEID Data/TCP  duration=0:00:0"* ]]
	# Locations: the host name.
	[[ "$output" == *"[$(hostname)"* ]]
	# No colour into a file.
	! grep -q $'\x1b' "$T/mon.out"
}

@test "cspmonitor: a stopped component disappears (final report, or silence)" {
	start_monitor
	start_csp_registrar
	start_server
	start_terminal
	wait_table 10 '1 PRs, 1 PEs, 1 PUs'
	# End of input: the terminal exits and sends its final report.
	exec 4>&-
	wait "$TPID" || true
	wait_table 10 '1 PRs, 1 PEs, 0 PUs'
	# SIGKILL: no final report; gone after 10 x 250 ms of silence
	# (the exact timing: tests/unit/test_cspmon.c).
	kill -9 "$SPID"
	wait_table 15 '1 PRs, 0 PEs, 0 PUs'
	last_table | grep -q '"0\[0\] PEs in 0 Pools, 0 Peers"' ||
	    wait_table 10 '"0\[0\] PEs in 0 Pools, 0 Peers"'
	# SIGTERM: the registrar's final report.
	kill -TERM "$RPID"
	wait "$RPID"
	wait_table 10 '0 PRs, 0 PEs, 0 PUs'
	kill -0 "$MPID"
}

@test "cspmonitor ignores garbage datagrams and keeps working" {
	start_monitor
	start_csp_registrar
	wait_table 10 '1 PRs'
	for i in $(seq 20); do
		printf 'garbage %d' "$i" >/dev/udp/127.0.0.1/"${CSP#*:}"
	done
	# Truncated and oversized reports, a wrong version, random bytes.
	head -c 287 /dev/zero | tr '\0' '\1' >/dev/udp/127.0.0.1/"${CSP#*:}"
	head -c 1200 /dev/urandom >/dev/udp/127.0.0.1/"${CSP#*:}"
	printf '\x01\x00\x01\x20\x00\x00\x03\x00' >/dev/udp/127.0.0.1/"${CSP#*:}"
	sleep 1
	kill -0 "$MPID"
	wait_table 5 "PR \\\$$PRID"
	run last_table
	[[ "$output" == *"1 PRs, 0 PEs, 0 PUs"* ]]
	kill -TERM "$MPID"
	wait "$MPID"
}

@test "cspmonitor -once prints one table and exits; -runtime ends the run" {
	run timeout 10 "$RSP" cspmonitor -localaddress=127.0.0.1:0 -once \
	    -updateinterval=100 -loglevel=1
	[ "$status" -eq 0 ]
	[ "$output" = "Current Component Status -- 0 PRs, 0 PEs, 0 PUs" ]
	SECONDS=0
	run timeout 10 "$RSP" cspmonitor -localaddress=127.0.0.1:0 \
	    -runtime=700 -updateinterval=200 -loglevel=1
	[ "$status" -eq 0 ]
	[ "$SECONDS" -lt 5 ]
	[ "$(grep -c 'Current Component Status' <<<"$output")" -ge 2 ]
}

@test "cspmonitor -color=on colours the table" {
	start_monitor -color=on
	start_csp_registrar
	# the registrar's line, not the header's "0 PRs": under load the
	# first report can come after the first table
	wait_table 10 "PR \\\$$PRID"
	# The table's line may still be on its way (seen under qemu-user).
	wait_for_line $'\x1b\\[31;1mPR \\$'"$PRID" 5 "$T/mon.out"
}

@test "CSP options: usage errors exit 2 (the registrar's configuration errors 1)" {
	run "$RSP" registrar -cspinterval=100
	[ "$status" -eq 1 ]
	[[ "$output" == *"minimum of 250"* ]]
	run "$RSP" server -registrar=127.0.0.1:3863 -cspserver=no-such-host
	[ "$status" -eq 2 ]
	run "$RSP" terminal -registrar=127.0.0.1:3863 -cspserver=127.0.0.1:99999
	[ "$status" -eq 2 ]
	CSP_INTERVAL=soon run "$RSP" registrar
	[ "$status" -eq 1 ]
	run "$RSP" cspmonitor -compact -full
	[ "$status" -eq 2 ]
	run "$RSP" cspmonitor -localaddress=nowhere
	[ "$status" -eq 2 ]
	run "$RSP" cspmonitor -updateinterval=10
	[ "$status" -eq 2 ]
}

@test "CSP_SERVER and CSP_INTERVAL turn reporting on, as in RSPLIB" {
	start_monitor
	CSP_SERVER=$CSP CSP_INTERVAL=300 "$RSP" registrar -transport=tcp \
	    -asap=127.0.0.1:0 -asapannounce=off -loglevel=4 -logcolor=off \
	    >"$T/registrar.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_table 10 '1 PRs'
}

# RSPLIB's screen: the last one, without its escape sequences.
rsplib_screen() {
	sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$T/rsplib.out" |
	    awk '/Current Component Status/ { s = "" } { s = s $0 "\n" } END { printf "%s", s }'
}

@test "RSPLIB's cspmonitor shows rsp's registrar, server and terminal (UDP, on this host)" {
	command -v cspmonitor >/dev/null ||
	    skip "RSPLIB's cspmonitor not installed (rsplib-tools)"
	local port
	for _ in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 40000))
		cspmonitor -localaddress=127.0.0.1:"$port" -full \
		    -updateinterval=200 >"$T/rsplib.out" 2>&1 </dev/null &
		RMPID=$!
		PIDS="$PIDS $RMPID"
		sleep 0.5
		kill -0 "$RMPID" 2>/dev/null && break
	done
	CSP=127.0.0.1:$port
	start_csp_registrar
	start_server
	start_terminal
	for _ in $(seq 100); do
		rsplib_screen | grep -q "PE \\\$$PEID .*A=1 \"1 Session\"" &&
		    rsplib_screen | grep -qE 'PU \$[0-9a-f]{14} .*A=2' && break
		sleep 0.1
	done
	run rsplib_screen
	echo "$output"
	[[ "$output" == *"1 PRs"*"1 PEs"*"1 PUs"* ]]
	[[ "$output" == *"PR \$$PRID ["*"\"1[1] PEs in 1 Pool, 0 Peers\""* ]]
	[[ "$output" == *"PE \$$PEID ["*"A=1 \"1 Session\""* ]]
	[[ "$output" == *"-> PE \$$PEID Data/TCP"* ]]
}

@test "cspmonitor: two peer registrars list each other (ENRP associations)" {
	start_monitor -full
	"$RSP" registrar -transport=tcp -asap=127.0.0.1:0 -asapannounce=off \
	    -enrp=127.0.0.1:0 -enrpannounce=off -minaddressscope=loopback \
	    -loglevel=4 -logcolor=off -peerheartbeatcycle=300 \
	    -mentordiscoverytimeout=500 \
	    -cspserver="$CSP" -cspinterval=250 >"$T/pr1.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for_line 'ENRP listening on' 5 "$T/pr1.log"
	enrp1=$(sed -n 's/.*ENRP listening on 127\.0\.0\.1:\([0-9]*\) (tcp)$/\1/p' "$T/pr1.log")
	id1=$(sed -n 's/.*registrar: \$\([0-9a-f]*\): ASAP listening.*/\1/p' "$T/pr1.log")
	"$RSP" registrar -transport=tcp -asap=127.0.0.1:0 -asapannounce=off \
	    -enrp=127.0.0.1:0 -enrpannounce=off -peer=127.0.0.1:"$enrp1" \
	    -minaddressscope=loopback -loglevel=4 -logcolor=off \
	    -peerheartbeatcycle=300 -mentordiscoverytimeout=500 \
	    -cspserver="$CSP" -cspinterval=250 >"$T/pr2.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for_line 'ENRP listening on' 5 "$T/pr2.log"
	id2=$(sed -n 's/.*registrar: \$\([0-9a-f]*\): ASAP listening.*/\1/p' "$T/pr2.log")
	wait_table 15 "PR \\\$$id1 .*A=1 \"0\\[0\\] PEs in 0 Pools, 1 Peer\""
	wait_table 15 "PR \\\$$id2 .*A=1 \"0\\[0\\] PEs in 0 Pools, 1 Peer\""
	run last_table
	echo "$output"
	[[ "$output" == *"-> PR \$$id2 ENRP/TCP"* ]]
	[[ "$output" == *"-> PR \$$id1 ENRP/TCP"* ]]
}

@test "cspmonitor: a PE with a load-based policy reports its load (L=)" {
	start_monitor
	start_csp_registrar
	start_server -policy=LeastUsed
	wait_table 10 "PE \\\$$PEID .* A=1 L=  0% \"0 Sessions\""
	# A registrar reports no workload: no L= field.
	run last_table
	! grep '^PR ' <<<"$output" | grep -q 'L='
}

@test "cspmonitor on a terminal redraws in place, in colour" {
	command -v script >/dev/null || skip "script(1) not installed"
	run timeout 10 script -qfec "$RSP cspmonitor -localaddress=127.0.0.1:0 -once -updateinterval=200 -loglevel=1" /dev/null
	[ "$status" -eq 0 ]
	# Clear once, home, the coloured header, erase the rest.
	[[ "$output" == $'\x1b[H\x1b[2J\x1b[HCurrent Component Status -- \x1b[31;1m0 PRs'* ]]
	[[ "$output" == *$'\x1b[0J' ]]
	# -color=off on a terminal: plain text, the screen cleared each time.
	run timeout 10 script -qfec "$RSP cspmonitor -localaddress=127.0.0.1:0 -once -updateinterval=200 -loglevel=1 -color=off" /dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\x1b[H\x1b[2JCurrent Component Status -- 0 PRs, 0 PEs, 0 PUs'* ]]
}

@test "cspmonitor shows pingpongclient and calcappclient; the other clients' CSP options are checked" {
	start_monitor -full
	start_csp_registrar
	start_server -pingpong
	"$RSP" pingpongclient -transport=tcp -registrar=127.0.0.1:"$PORT" \
	    -interval=100 -quiet -loglevel=3 -logcolor=off \
	    -cspserver="$CSP" -cspinterval=250 >"$T/ppc.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_table 10 'PU .*A=2 "1 Session"'
	"$RSP" server -calcapp -transport=tcp -registrar=127.0.0.1:"$PORT" \
	    -capvector="$T/cap.vec" -capscalar="$T/cap.sca" \
	    -quiet -loglevel=3 -logcolor=off >"$T/cap.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for_line 'registered in pool' 5 "$T/cap.log"
	"$RSP" calcappclient -transport=tcp -registrar=127.0.0.1:"$PORT" \
	    -jobinterval=0.2 -jobsize=1000 -runtime=30 -loglevel=3 \
	    -logcolor=off -vector="$T/v" -scalar="$T/s" \
	    -cspserver="$CSP" -cspinterval=250 >"$T/cac.log" 2>&1 &
	PIDS="$PIDS $!"
	# The CalcApp PE does not report (no -cspserver): two PUs, one PE.
	wait_table 10 '1 PRs, 1 PEs, 2 PUs'
	for a in fractalpooluser scriptingclient; do
		run "$RSP" "$a" -registrar=127.0.0.1:1 -cspinterval=5
		[ "$status" -eq 2 ]
		[[ "$output" == *"minimum of 250"* ]]
	done
}

@test "cspmonitor shows fractalpooluser with its sessions to the fractal PEs" {
	start_monitor -full
	start_csp_registrar
	start_server -fractal
	"$RSP" fractalpooluser -transport=tcp -registrar=127.0.0.1:"$PORT" \
	    -images=0 -runtime=30000 -threads=2 -width=200 -height=120 \
	    -output="$T/f.png" -loglevel=3 -logcolor=off \
	    -cspserver="$CSP" -cspinterval=250 >"$T/fpu.log" 2>&1 &
	PIDS="$PIDS $!"
	# one PE (the fractal server), one PU with its sessions
	wait_table 15 '1 PRs, 1 PEs, 1 PUs'
	wait_table 15 'PU .*Session'
}

@test "cspmonitor shows scriptingclient while its job runs" {
	start_monitor -full
	start_csp_registrar
	start_server -scripting
	mkdir "$T/pkg"
	# a job that takes a while: the client is in the table meanwhile
	printf '#!/bin/sh\nsleep 4\necho done >r.txt\ntar czf "$1" r.txt\n' \
	    >"$T/pkg/ssrun"
	tar czf "$T/job.tar.gz" -C "$T/pkg" .
	"$RSP" scriptingclient -transport=tcp -registrar=127.0.0.1:"$PORT" \
	    -input="$T/job.tar.gz" -output="$T/out.tar.gz" -quiet \
	    -logcolor=off -cspserver="$CSP" -cspinterval=250 \
	    >"$T/sc.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_table 15 '1 PRs, 1 PEs, 1 PUs'
	wait_table 15 'PU .*1 Session'
}
