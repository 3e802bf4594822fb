#!/usr/bin/env bats
# rsp server -pingpong / -calcapp (pool elements) with rsp pingpongclient
# and rsp calcappclient (pool users) and rsp registrar, as real processes
# over the TCP mapping on 127.0.0.1 (RSP_BATS_TRANSPORT=sctp: over kernel
# SCTP, in the SCTP test guest).  Announces are off.  Every process is
# started in the background with its PID kept and killed in teardown.

bats_require_minimum_version 1.5.0

load common

setup() {
	: "${RSP:?set RSP to the rsp binary}"
	T=$BATS_TEST_TMPDIR
	TR=${RSP_BATS_TRANSPORT:-tcp}
	PIDS=
	cd "$T" || return 1
}

teardown() {
	kill_pids
}

# Wait at most $2 s for a line matching $1 in file $3.


# start_server NAME [options]: a PE logging to $T/NAME.log; sets SPID
# and waits for its registration.
start_server() {
	local name=$1
	shift
	"$RSP" server -transport="$TR" -registrar=127.0.0.1:"$PORT" -quiet \
	    -loglevel=5 -logcolor=off "$@" >"$T/$name.log" 2>&1 3>&- &
	SPID=$!
	PIDS="$PIDS $SPID"
	echo "$name $SPID" >>"$T/servers"
	wait_for_line 'registered in pool' 10 "$T/$name.log"
}

pe_id() {
	sed -n 's/.*PE \$\([0-9a-f]*\) registered in pool.*/\1/p' "$T/$1.log"
}

pe_pid() {
	awk -v n="$1" '$1 == n { print $2 }' "$T/servers"
}

pingpong() {
	timeout 60 "$RSP" pingpongclient -transport="$TR" \
	    -registrar=127.0.0.1:"$PORT" -logcolor=off "$@"
}

calcapp_pe() {
	local name=$1
	shift
	start_server "$name" -calcapp -capvector="$T/$name.vec" \
	    -capscalar="$T/$name.sca" "$@"
}

calcapp() {
	timeout 120 "$RSP" calcappclient -transport="$TR" \
	    -registrar=127.0.0.1:"$PORT" -logcolor=off -vector="$T/pu.vec" \
	    -scalar="$T/pu.sca" "$@"
}

@test "pingpong: Pongs carry the MessageNo and ReplyNo 1, 2, 3, ..." {
	start_registrar
	start_server pe1 -pingpong
	run pingpong -interval=50 -runtime=3000 -loglevel=2
	[ "$status" -eq 0 ]
	id=$(pe_id pe1)
	[ "${lines[0]}" = "Ack #1 from PE \$$id (reply #1)" ]
	[ "${lines[1]}" = "Ack #2 from PE \$$id (reply #2)" ]
	[[ "${lines[-1]}" =~ ^pingpongclient:\ sent=[0-9]+\ received=([0-9]+)\ failovers=0\ closed=0\ gaps=0\ last_reply=([0-9]+)$ ]]
	[ "${BASH_REMATCH[1]}" -ge 5 ]
	[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]
}

@test "pingpong: the PU survives -pppfailureafter failovers, ReplyNo goes on from the cookie" {
	start_registrar
	start_server pe1 -pingpong -pppfailureafter=3
	start_server pe2 -pingpong -pppfailureafter=3
	run pingpong -interval=50 -runtime=6000 -quiet
	echo "$output" | tail -n 5 # shown when a check below fails
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" =~ ^pingpongclient:\ sent=[0-9]+\ received=([0-9]+)\ failovers=([0-9]+)\ closed=[0-9]+\ gaps=0\ last_reply=([0-9]+)$ ]]
	received=${BASH_REMATCH[1]}
	[ "$received" -ge 12 ]
	[ "${BASH_REMATCH[2]}" -ge 3 ]
	# every reply counted once: the numbering went on across PEs
	[ "$received" = "${BASH_REMATCH[3]}" ]
	grep -q 'failure tester, aborting' "$T/pe1.log"
	grep -q 'failure tester, aborting' "$T/pe2.log"
	grep -q 'resumed from cookie, next reply' "$T/pe1.log"
	grep -q 'resumed from cookie, next reply' "$T/pe2.log"
}

@test "pingpong: a full PE (-pppmaxthreads=1) closes new sessions, PUs go to the other PE" {
	start_registrar
	start_server pe1 -pingpong -pppmaxthreads=1
	"$RSP" pingpongclient -transport="$TR" -registrar=127.0.0.1:"$PORT" \
	    -interval=200 -runtime=60000 >"$T/a.out" 2>"$T/a.err" 3>&- &
	PIDS="$PIDS $!"
	wait_for_line "from PE \$$(pe_id pe1)" 10 "$T/a.out"
	start_server pe2 -pingpong
	id2=$(pe_id pe2)
	for c in b c d; do
		pingpong -interval=100 -runtime=2500 >"$T/$c.out" 2>"$T/$c.err"
		grep -q "^Ack #[0-9]* from PE \$$id2 (reply #1)$" "$T/$c.out"
		run ! grep -q "from PE \$$(pe_id pe1)" "$T/$c.out"
	done
	grep -q 'rejected: all 1 sessions busy' "$T/pe1.log"
	grep -q 'closed the session' "$T/b.err" "$T/c.err" "$T/d.err"
	run ! grep -q 'rejected' "$T/pe2.log"
}

@test "pingpong: a malformed message aborts the session" {
	start_registrar
	start_server pe1 -pingpong
	run timeout 20 "$RSP" terminal -transport="$TR" -poolhandle=PingPongPool \
	    -registrar=127.0.0.1:"$PORT" -logcolor=off -runtime=1500 \
	    < <(echo not-a-ping)
	wait_for_line 'aborting' 5 "$T/pe1.log"
	grep -q 'pingpong: session [0-9]*: .*, aborting' "$T/pe1.log"
}

@test "calcapp: a job completes, JobSize = Completed; statistics and files" {
	start_registrar
	calcapp_pe pe1 -capcapacity=2000000
	run calcapp -jobinterval=0.01 -jobsize=1000000 -fixedjobsize -jobcount=2
	[ "$status" -eq 0 ]
	id=$(pe_id pe1)
	[[ "$output" == *"Job #1 accepted by PE \$$id"* ]]
	[[ "$output" == *"Job #1 completed by PE \$$id: JobSize=1000000 Completed=1000000 "* ]]
	[[ "$output" == *"Job #2 completed by PE \$$id: JobSize=1000000 Completed=1000000 "* ]]
	[[ "$output" == *"CalcApp statistics: queued=2 started=2 completed=2 requests=2 accepts=2 rejects=0 completes=2 "* ]]
	grep -q '"CalcAppPU Total Jobs Completed" 2$' "$T/pu.sca"
	[ "$(wc -l <"$T/pu.vec")" -eq 3 ]
	[ "$(wc -l <"$T/pe1.vec")" -eq 3 ]
	kill -TERM "$SPID"
	wait "$SPID" || true
	grep -q '"CalcAppPE Total Jobs Accepted" 2$' "$T/pe1.sca"
	grep -q '"CalcAppPE Service Capacity" 2000000$' "$T/pe1.sca"
}

# start_job SIZE: one job of SIZE calculations on pe1, a slow PE (5 s a
# million, so that a kill lands mid-job however loaded the machine),
# then pe2 up at the default speed to take it over (calcapp_pe options
# in $OPTS for both); sets CPID, VICTIM=pe1 and OTHER=pe2.
start_job() {
	start_registrar
	calcapp_pe pe1 $OPTS -capcapacity=200000
	calcapp -jobinterval=0.01 -jobsize="$1" -fixedjobsize -jobcount=1 \
	    >"$T/pu.out" 2>"$T/pu.err" 3>&- &
	CPID=$!
	PIDS="$PIDS $CPID"
	wait_for_line 'accepted by PE' 10 "$T/pu.out"
	VICTIM=pe1 OTHER=pe2
	grep -q "^Job #1 accepted by PE \$$(pe_id pe1)$" "$T/pu.out"
	calcapp_pe pe2 $OPTS
}

# The job's client ended; show what it printed.
job_done() {
	wait "$CPID" || true
	cat "$T/pu.out" "$T/pu.err"
}

@test "calcapp: kill -9 of the PE, the job resumes on another PE from the cookie" {
	OPTS="-capcookiemaxtime=0.3 -capkeepalivetransmissioninterval=500"
	start_job 6000000
	wait_for_line 'calcapp: cookie for job' 10 "$T/$VICTIM.log"
	kill -9 "$(pe_pid $VICTIM)"
	job_done
	id2=$(pe_id $OTHER)
	grep -q "^Failover of job #1 to PE \$$id2 (cookie echo)$" "$T/pu.out"
	grep -q "^Job #1 completed by PE \$$id2: JobSize=6000000 Completed=6000000 " "$T/pu.out"
	# the new PE started from the cookie's progress, not from 0
	done=$(sed -n 's/.*of size 6000000, completed \([0-9]*\), accepted from cookie echo.*/\1/p' "$T/$OTHER.log")
	[ "$done" -gt 0 ]
	grep -q 'requests=1 accepts=2 ' "$T/pu.out"
}

@test "calcapp: with a load policy the PE re-registers jobs / -capmaxjobs as its load" {
	start_registrar
	calcapp_pe pe1 -policy=LeastUsed -capmaxjobs=4
	calcapp -jobinterval=0.01 -jobsize=100000000 -fixedjobsize -jobcount=1 \
	    >"$T/pu.out" 2>"$T/pu.err" 3>&- &
	PIDS="$PIDS $!"
	wait_for_line 'accepted by PE' 10 "$T/pu.out"
	# CalcAppPool: 11 bytes, padded
	hr='05 00 00 14 00 09 00 0f 43 61 6c 63 41 70 70 50 6f 6f 6c 00'
	for _ in $(seq 50); do
		run timeout 10 "$RSP" asapcat -connect=127.0.0.1:"$PORT" \
		    -transport="$TR" -count=1 -timeout=5000 <<<"$hr"
		[[ "$output" == *"pe1.policy=least_used,1073741823"* ]] && break
		sleep 0.1
	done
	echo "$output"
	[[ "$output" == *"pe1.policy=least_used,1073741823"* ]]
}

@test "calcapp: SIGTERM sends every job a last cookie (-capcleanshutdownprobability=1)" {
	# no periodic cookies
	OPTS="-capcookiemaxtime=100000 -capcookiemaxcalculations=1e12"
	OPTS="$OPTS -capcleanshutdownprobability=1"
	start_job 5000000
	kill -TERM "$(pe_pid $VICTIM)"
	job_done
	id2=$(pe_id $OTHER)
	grep -q "^Job #1 completed by PE \$$id2: JobSize=5000000 Completed=5000000 " "$T/pu.out"
	grep -q "^Failover of job #1 to PE \$$id2 (cookie echo)$" "$T/pu.out"
	grep -q 'completed [1-9][0-9]*, accepted from cookie echo' "$T/$OTHER.log"
	grep -q 'requests=1 ' "$T/pu.out"
}

@test "calcapp: -capcleanshutdownprobability=0: no last cookie, the job starts again" {
	OPTS="-capcookiemaxtime=100000 -capcookiemaxcalculations=1e12"
	OPTS="$OPTS -capcleanshutdownprobability=0"
	start_job 5000000
	kill -TERM "$(pe_pid $VICTIM)"
	job_done
	id2=$(pe_id $OTHER)
	grep -q "^Job #1 completed by PE \$$id2: JobSize=5000000 Completed=5000000 " "$T/pu.out"
	grep -q "^Failover of job #1 to PE \$$id2$" "$T/pu.out"
	grep -q 'requests=2 ' "$T/pu.out"
	run ! grep -q 'cookie for job' "$T/$VICTIM.log"
}

@test "calcapp: a full PE (-capmaxjobs=1) rejects, the PU goes to the other PE" {
	start_registrar
	calcapp_pe pe1 -capmaxjobs=1
	"$RSP" calcappclient -transport="$TR" -registrar=127.0.0.1:"$PORT" \
	    -jobinterval=0.01 -jobsize=100000000 -fixedjobsize -jobcount=1 \
	    -vector="$T/a.vec" -scalar="$T/a.sca" >"$T/a.out" 2>&1 3>&- &
	PIDS="$PIDS $!"
	wait_for_line 'accepted by PE' 10 "$T/a.out"
	calcapp_pe pe2
	run calcapp -jobinterval=0.01 -jobsize=300000 -fixedjobsize -jobcount=3
	[ "$status" -eq 0 ]
	id1=$(pe_id pe1)
	id2=$(pe_id pe2)
	[[ "$output" == *"rejected by PE \$$id1"* ]]
	[[ "$output" == *"Job #3 completed by PE \$$id2: JobSize=300000 Completed=300000 "* ]]
	[[ "$output" != *"completed by PE \$$id1"* ]]
	[[ "$output" == *"completed=3 "* ]]
	grep -q 'rejected: 1 jobs running' "$T/pe1.log"
}

@test "pingpongclient, calcappclient, server: usage errors exit 2" {
	run "$RSP" pingpongclient -asapannounce=off
	[ "$status" -eq 2 ]
	run "$RSP" pingpongclient -registrar=127.0.0.1:1 -interval=0
	[ "$status" -eq 2 ]
	run "$RSP" pingpongclient -registrar=127.0.0.1:1 -nosuchoption
	[ "$status" -eq 2 ]
	run "$RSP" calcappclient -asapannounce=off
	[ "$status" -eq 2 ]
	run "$RSP" calcappclient -registrar=127.0.0.1:1 -jobinterval=abc
	[ "$status" -eq 2 ]
	[[ "$output" == *"-jobinterval=abc: expected a number"* ]]
	run "$RSP" calcappclient -registrar=127.0.0.1:1 -jobsize=0
	[ "$status" -eq 2 ]
	run "$RSP" calcappclient -registrar=127.0.0.1:1 -keepalivetimeoutinterval=10
	[ "$status" -eq 2 ]
	run "$RSP" calcappclient -registrar=127.0.0.1:1 \
	    -poolhandle=0123456789012345678901234567890123
	[ "$status" -eq 2 ]
	run "$RSP" server -registrar=127.0.0.1:1 -pingpong -calcapp
	[ "$status" -eq 2 ]
	run "$RSP" server -registrar=127.0.0.1:1 -calcapp \
	    -capcleanshutdownprobability=1.5
	[ "$status" -eq 2 ]
	run "$RSP" server -registrar=127.0.0.1:1 -calcapp -capcapacity=fast
	[ "$status" -eq 2 ]
	run "$RSP" server -registrar=127.0.0.1:1 -calcapp -capcookiemaxtime=0.01
	[ "$status" -eq 2 ]
	run "$RSP" server -registrar=127.0.0.1:1 -pingpong -pppmaxthreads=0
	[ "$status" -eq 2 ]
	run "$RSP" server -registrar=127.0.0.1:1 -calcapp -capmaxjobs=0
	[ "$status" -eq 2 ]
}

@test "calcapp: an unwritable -capvector is a runtime error (exit 1)" {
	start_registrar
	run timeout 20 "$RSP" server -transport="$TR" -registrar=127.0.0.1:"$PORT" \
	    -calcapp -capvector=/nonexistent/dir/x.vec -capscalar="$T/x.sca"
	[ "$status" -eq 1 ]
	[[ "$output" == *"/nonexistent/dir/x.vec"* ]]
}
