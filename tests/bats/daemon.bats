#!/usr/bin/env bats
# -daemonpidfile=FILE of rsp registrar and rsp server (RSPLIB's option):
# the command returns at once with status 0, FILE holds the PID of the
# process that goes on in the background; an unwritable FILE starts
# nothing and exits 1.  Over the TCP mapping on 127.0.0.1, announces off;
# the daemons are killed by the PIDs their files hold.

load common

setup() {
	: "${RSP:?set RSP to the rsp binary}"
	T=$BATS_TEST_TMPDIR
	PIDS=
}

teardown() {
	add_pidfiles
	kill_pids
}

# The daemon keeps the standard output and error it was given (as
# RSPLIB's): never `run` it, whose pipe it would hold open; a file.
daemonize() {
	timeout 10 "$@" >"$T/out" 2>&1 </dev/null
}

# alive PID: the process exists and is an rsp applet
alive() {
	kill -0 "$1" 2>/dev/null && grep -q rsp "/proc/$1/cmdline"
}

@test "registrar -daemonpidfile: returns 0 at once, the registrar runs on in the background" {
	daemonize "$RSP" registrar -transport=tcp -asap=127.0.0.1:0 \
	    -enrp=off -asapannounce=off -minaddressscope=loopback -loglevel=4 \
	    -logcolor=off -logfile="$T/registrar.log" \
	    -daemonpidfile="$T/registrar.pid"
	pid=$(cat "$T/registrar.pid")
	[[ "$pid" =~ ^[0-9]+$ ]]
	alive "$pid"
	wait_for_line 'ASAP listening on' 10 "$T/registrar.log"
	PORT=$(sed -n 's/.*ASAP listening on 127\.0\.0\.1:\([0-9]*\) ([a-z]*)$/\1/p' \
	    "$T/registrar.log")
	# it serves: a PE registers with it
	"$RSP" server -transport=tcp -registrar=127.0.0.1:"$PORT" -quiet \
	    -loglevel=4 -logcolor=off >"$T/pe.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for_line 'registered in pool' 10 "$T/pe.log"
	kill "$pid"
	for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
	! alive "$pid"
	grep -q 'shutting down' "$T/registrar.log"
}

@test "server -daemonpidfile: returns 0 at once, the PE registers from the background" {
	start_registrar
	daemonize "$RSP" server -transport=tcp \
	    -registrar=127.0.0.1:"$PORT" -quiet -loglevel=4 -logcolor=off \
	    -logfile="$T/pe.log" -daemonpidfile="$T/pe.pid"
	pid=$(cat "$T/pe.pid")
	alive "$pid"
	wait_for_line 'registered in pool' 10 "$T/pe.log"
	wait_for_line 'registered PE' 10 "$T/registrar.log"
	kill "$pid"
	# SIGTERM: it deregisters before it ends
	wait_for_line 'deregistered PE' 10 "$T/registrar.log"
}

@test "-daemonpidfile that cannot be written: nothing starts, exit 1" {
	run timeout 10 "$RSP" registrar -transport=tcp -asap=127.0.0.1:0 \
	    -enrp=off -asapannounce=off -daemonpidfile="$T/no/such/dir/r.pid"
	[ "$status" -eq 1 ]
	[[ "$output" == *"-daemonpidfile=$T/no/such/dir/r.pid: No such file or directory"* ]]
	run timeout 10 "$RSP" server -transport=tcp -registrar=127.0.0.1:9 \
	    -daemonpidfile="$T/no/such/dir/s.pid"
	[ "$status" -eq 1 ]
	[[ "$output" == *"No such file or directory"* ]]
	! pgrep -f "$T/no/such/dir" >/dev/null
}
