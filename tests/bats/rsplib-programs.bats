#!/usr/bin/env bats
# Debian's unmodified RSPLIB programs (package rsplib-tools, RSPLIB
# 3.4.4) on rsp's librsplib.so.3 (core/rsplib/, docs/library.md
# "RSPLIB's API"), found first through LD_LIBRARY_PATH, against rsp
# registrar and rsp server on 127.0.0.1 over the TCP mapping (which the
# library takes from -transport= or $RSP_TRANSPORT).

# shellcheck disable=SC2030,SC2031 # PIDS: each test is a subshell of its own
load common

setup_file() {
	LIBB=${RSP_LIBB:-$(dirname "$(dirname "${RSP_TESTBIN:?}")")/lib}
	export LIBB
}

setup() {
	: "${RSP:?set RSP to the rsp binary}"
	command -v rspterminal >/dev/null ||
	    skip "Debian's rspterminal is not installed (apt-get install rsplib-tools; scripts/deps.sh does)"
	[ -e "$LIBB/librsplib.so.3" ] || {
		echo "no $LIBB/librsplib.so.3: make lib" >&2
		return 1
	}
	T=$BATS_TEST_TMPDIR
	PIDS=
}

teardown() {
	exec 4>&- 2>/dev/null || true
	kill_pids
}

# start_pe NAME: an echo PE of EchoPool logging to $T/NAME.log.
start_pe() {
	"$RSP" server -transport=tcp -registrar=127.0.0.1:"$PORT" -quiet \
	    -loglevel=4 -logcolor=off -echo >"$T/$1.log" 2>&1 &
	PIDS="$PIDS $!"
	echo "$1 $!" >>"$T/pes"
	wait_for_line 'registered in pool' 5 "$T/$1.log"
}

pe_id() {
	sed -n 's/.*PE \$\([0-9a-f]*\) registered in pool.*/\1/p' "$T/$1.log"
}

# Debian's rspterminal on our library, its input the FIFO $T/in (kept
# open on fd 4: at the end of its input it would spin on POLLHUP, as on
# RSPLIB's own library), its stdout line-buffered (it flushes only
# after echoed lines, not after notifications); sets TPID.
start_terminal() {
	mkfifo "$T/in"
	LD_LIBRARY_PATH=$LIBB stdbuf -oL rspterminal -registrar=127.0.0.1:"$PORT" "$@" \
	    <"$T/in" >"$T/term.out" 2>"$T/term.err" &
	TPID=$!
	PIDS="$PIDS $TPID"
	exec 4>"$T/in"
}

# SIGINT to $TPID: the break detector of RSPLIB's programs ends their
# loop, then they call rsp_close, rsp_cleanup and rsp_freeinfo and exit 0.
stop_client() {
	kill -INT "$TPID"
	for _ in $(seq 50); do
		kill -0 "$TPID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$TPID" 2>/dev/null; then
		echo "$TPID did not end within 5 s of SIGINT" >&2
		return 1
	fi
	wait "$TPID"
}

# The PID of the PE named $1 ($T/pes).
pid_of() {
	awk -v n="$1" '$1 == n { print $2 }' "$T/pes"
}

# kill_used_pe PID: kill -9 the PE rspterminal uses; RSPLIB's failover
# notifications follow (the loss is noticed at once or on the next line
# sent), and the next line is echoed by another PE.
kill_used_pe() {
	kill -9 "$1"
	wait_for_line 'FAILOVER #1' 5 "$T/term.out" || {
		echo poke >&4
		wait_for_line 'FAILOVER #1' 5 "$T/term.out"
	}
	wait_for_line 'state=RSERPOOL_FAILOVER_COMPLETE' 10 "$T/term.out"
	echo second >&4
	wait_for_line '> second' 5 "$T/term.out"
}

@test "rspterminal (Debian) on librsplib.so.3: lines echoed by rsp server -echo" {
	start_registrar
	start_pe pe1
	RSP_TRANSPORT=tcp start_terminal -poolhandle=EchoPool
	echo hello >&4
	wait_for_line '> hello' 10 "$T/term.out"
	# The library in the process is ours, not RSPLIB's of /usr/lib.
	grep -q "$LIBB/librsplib.so.3" "/proc/$TPID/maps"
	if grep -q '/usr/lib/.*librsplib' "/proc/$TPID/maps"; then false; fi
	echo world >&4
	wait_for_line '> world' 5 "$T/term.out"
	id=$(pe_id pe1)
	grep -q "from PE \$$id> hello" "$T/term.out"
	grep -q "from PE \$$id> world" "$T/term.out"
	stop_client
	grep -q '^Terminated!' "$T/term.out"
}

@test "rspterminal (Debian): kill -9 the PE in use, RSPLIB's failover notifications, the other PE answers" {
	start_registrar
	start_pe pe1
	start_pe pe2
	# -transport= through rsp_initarg, not the environment.
	RSP_TRANSPORT='' start_terminal -transport=tcp
	echo first >&4
	wait_for_line '> first' 10 "$T/term.out"
	pick_victim pe_id pe1 pe2
	kill_used_pe "$(pid_of $victim)"
	grep -q "from PE \$$(pe_id $other)> second" "$T/term.out"
	grep -q 'state=RSERPOOL_FAILOVER_NECESSARY, cookie=no' "$T/term.out"
	# One failover, not a loop of them.
	if grep -q 'FAILOVER #2' "$T/term.out"; then false; fi
	stop_client
}

@test "rspterminal (Debian): a bad library option is refused with the value named" {
	run env LD_LIBRARY_PATH="$LIBB" timeout 10 rspterminal \
	    -registrar=127.0.0.1:1 -transport=udp </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"rsplib: bad option -transport=udp: expected sctp, tcp or auto"* ]]
	[[ "$output" == *"ERROR: Bad argument -transport=udp"* ]]
	run env LD_LIBRARY_PATH="$LIBB" timeout 10 rspterminal \
	    -registrar=127.0.0.1:99999 </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"bad option -registrar=127.0.0.1:99999"* ]]
}

# start_service NAME OPTION: a PE of that service logging to $T/NAME.log.
start_service() {
	"$RSP" server -transport=tcp -registrar=127.0.0.1:"$PORT" -quiet \
	    -loglevel=4 -logcolor=off "$2" >"$T/$1.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for_line 'registered in pool' 5 "$T/$1.log"
}

# calcapp_jobs: Debian's calcappclient on our library, 2 s of jobs
# against the registrar's CalcAppPool; at least 2 completed.
calcapp_jobs() {
	cd "$T" || return 1
	run env LD_LIBRARY_PATH="$LIBB" timeout 30 calcappclient \
	    -registrar=127.0.0.1:"$PORT" -transport=tcp -jobinterval=0.3 \
	    -jobsize=50000 -runtime=2 </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *"Job #1 completed"* ]]
	done=$(awk '/Total Jobs Completed/ { print $NF }' CalcAppPU.sca)
	[ "$done" -ge 2 ]
}

# scripting_job: Debian's scriptingclient on our library runs a work
# package (a script writing its output file) on a PE of ScriptingPool.
scripting_job() {
	mkdir "$T/pkg"
	# shellcheck disable=SC2016 # $1 is the script's
	printf '#!/bin/sh\necho ran-on-rsp >"$1"\n' >"$T/pkg/ssrun"
	chmod +x "$T/pkg/ssrun"
	tar czf "$T/job.tar.gz" -C "$T/pkg" .
	run env LD_LIBRARY_PATH="$LIBB" timeout 60 scriptingclient \
	    -registrar=127.0.0.1:"$PORT" -transport=tcp \
	    -input="$T/job.tar.gz" -output="$T/result" </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *"Download completed!"* ]]
	[ "$(cat "$T/result")" = ran-on-rsp ]
}

# start_pingpongclient OUT OPTION...: Debian's pingpongclient on our
# library against the registrar, its output line-buffered in $T/OUT, its
# PID in TPID; it has had 3 answers when this returns.
start_pingpongclient() {
	local out=$1
	shift
	LD_LIBRARY_PATH=$LIBB stdbuf -oL pingpongclient \
	    -registrar=127.0.0.1:"$PORT" -transport=tcp "$@" \
	    </dev/null >"$T/$out" 2>&1 &
	TPID=$!
	PIDS="$PIDS $TPID"
	wait_for_line 'Ack #3 from PE' 10 "$T/$out"
}

@test "pingpongclient (Debian) on librsplib.so.3: pings answered by rsp server -pingpong" {
	command -v pingpongclient >/dev/null ||
	    skip "Debian's pingpongclient is not installed (rsplib-services)"
	start_registrar
	start_service pp -pingpong
	start_pingpongclient ppc.out -interval=100
	grep -q "Ack #1 from PE \$$(pe_id pp) (reply #1)" "$T/ppc.out"
	stop_client
}

@test "calcappclient (Debian) on librsplib.so.3: jobs computed by rsp server -calcapp" {
	command -v calcappclient >/dev/null ||
	    skip "Debian's calcappclient is not installed (rsplib-services)"
	start_registrar
	start_service ca -calcapp
	calcapp_jobs
}

@test "scriptingclient (Debian) on librsplib.so.3: a work package run by rsp server -scripting" {
	command -v scriptingclient >/dev/null ||
	    skip "Debian's scriptingclient is not installed (rsplib-services)"
	start_registrar
	start_service ss -scripting
	scripting_job
}

# start_fractalpooluser: Debian's fractalpooluser, headless (Qt's
# offscreen platform), on our library, one view computed over and over;
# its output to $T/fpu.out, its PID in TPID.
start_fractalpooluser() {
	mkdir "$T/cfg"
	cat >"$T/cfg/view.fsf" <<'XML'
<!DOCTYPE XMLFractalSave>
<FractalV1>
 <Algorithm>
  <AlgorithmName>Mandelbrot</AlgorithmName>
  <C1Real>-0.5</C1Real>
  <C1Imag>1.0</C1Imag>
  <C2Real>1.5</C2Real>
  <C2Imag>-1.0</C2Imag>
  <Useroptions>
   <MaxIterations>1000</MaxIterations>
  </Useroptions>
 </Algorithm>
</FractalV1>
XML
	QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR=$T LD_LIBRARY_PATH=$LIBB \
	    stdbuf -oL fractalpooluser -registrar=127.0.0.1:"$PORT" \
	    -transport=tcp -logcolor=off -width=160 -height=100 -threads=2 \
	    -configdir="$T/cfg" -interimagetime=0 </dev/null >"$T/fpu.out" 2>&1 &
	TPID=$!
	PIDS="$PIDS $TPID"
}

# The number of lines matching $1 in file $2.
count() {
	grep -c -- "$1" "$2" 2>/dev/null || true
}

# in_both_logs PATTERN N TENTHS: wait at most TENTHS tenths of a second
# until the logs of PEs f1 and f2 together hold N lines matching
# PATTERN; $T/both.log is the two then, and must hold them.
in_both_logs() {
	for _ in $(seq "$3"); do
		[ $(($(count "$1" "$T/f1.log") + $(count "$1" "$T/f2.log"))) \
		    -ge "$2" ] && break
		sleep 0.1
	done
	cat "$T/f1.log" "$T/f2.log" >"$T/both.log"
	[ "$(count "$1" "$T/both.log")" -ge "$2" ]
}

@test "fractalpooluser (Debian, Qt offscreen) on librsplib.so.3: sessions fail over with their cookie, also after kill -9" {
	command -v fractalpooluser >/dev/null ||
	    skip "Debian's fractalpooluser is not installed (rsplib-services)"
	start_registrar
	for n in f1 f2; do
		"$RSP" server -transport=tcp -registrar=127.0.0.1:"$PORT" \
		    -loglevel=4 -logcolor=off -fractal -fgpfailureafter=4 \
		    >"$T/$n.log" 2>&1 &
		PIDS="$PIDS $!"
		echo "$n $!" >>"$T/pes"
		wait_for_line 'registered in pool' 5 "$T/$n.log"
	done
	start_fractalpooluser
	# The PEs end each session after 4 Data messages: the PU fails over,
	# and the other PE resumes from the cookie it echoes.
	in_both_logs 'image done' 2 300
	grep -q 'Cookie Echo, resuming at' "$T/both.log"
	grep -q 'FAILOVER (cookie=yes)' "$T/fpu.out"
	grep -q 'state=RSERPOOL_FAILOVER_COMPLETE, cookie=yes' "$T/fpu.out"
	# kill -9 of one PE: the other finishes the images.
	kill -9 "$(awk '$1 == "f1" { print $2 }' "$T/pes")"
	n=$(count 'image done' "$T/f2.log")
	for _ in $(seq 300); do
		[ "$(count 'image done' "$T/f2.log")" -ge $((n + 2)) ] && break
		sleep 0.1
	done
	[ "$(count 'image done' "$T/f2.log")" -ge $((n + 2)) ]
	# (a Qt program: it ignores SIGINT; teardown kills it)
}

# start_rspserver NAME OPTION...: Debian's rspserver (libcpprspserver) on
# our library, a PE of the service OPTION names, logging to $T/NAME.log
# (line-buffered); its PID goes to $T/pes.
start_rspserver() {
	local name=$1
	shift
	LD_LIBRARY_PATH=$LIBB stdbuf -oL rspserver -registrar=127.0.0.1:"$PORT" \
	    -transport=tcp "$@" </dev/null >"$T/$name.log" 2>&1 &
	PIDS="$PIDS $!"
	echo "$name $!" >>"$T/pes"
	wait_for_line 'Identifier  *= \$' 10 "$T/$name.log"
}

rspserver_id() {
	sed -n 's/.*Identifier  *= \$\([0-9a-f]*\).*/\1/p' "$T/$1.log"
}

# The PE IDs the registrar holds, one a line (hsdump's kv format).
hs_pes() {
	"$RSP" hsdump -transport=tcp -timeout=3000 -f kv 127.0.0.1:"$ENRP" |
	    sed -n 's/^pool=EchoPool pe=0x\([0-9a-f]*\) .*/\1/p' | sort
}

@test "rspserver -echo (Debian) on librsplib.so.3: in the handlespace, echoes to rsp terminal and rspterminal, fails over after kill -9" {
	start_registrar -enrp=127.0.0.1:0 -enrpannounce=off
	wait_for_line 'ENRP listening on' 5 "$T/registrar.log"
	ENRP=$(sed -n 's/.*ENRP listening on 127\.0\.0\.1:\([0-9]*\) (tcp)$/\1/p' \
	    "$T/registrar.log")
	start_rspserver e1 -echo
	start_rspserver e2 -echo
	# The library in rspserver is ours, not RSPLIB's of /usr/lib.
	grep -q "$LIBB/librsplib.so.3" "/proc/$(pid_of e1)/maps"
	[ "$(hs_pes)" = "$(printf '%s\n' "$(rspserver_id e1)" "$(rspserver_id e2)" | sort)" ]
	# rsp's own terminal.
	"$RSP" terminal -transport=tcp -registrar=127.0.0.1:"$PORT" \
	    -loglevel=4 -logcolor=off <<<"over rsp" >"$T/rt.out" 2>&1
	grep -q 'from PE \$[0-9a-f]*> over rsp' "$T/rt.out"
	# Debian's rspterminal, also on our library: a line, kill -9 of the
	# PE in use, RSPLIB's failover, the other PE echoes the next line.
	RSP_TRANSPORT=tcp start_terminal -poolhandle=EchoPool
	echo first >&4
	wait_for_line '> first' 10 "$T/term.out"
	pick_victim rspserver_id e1 e2
	grep -q 'state=RSERPOOL_SESSION_ADD' "$T/$victim.log"
	grep -q 'Echo 6 bytes on session' "$T/$victim.log"
	kill_used_pe "$(pid_of $victim)"
	grep -q "from PE \$$(rspserver_id $other)> second" "$T/term.out"
	stop_client
	# A graceful end (SIGINT) deregisters the other PE; the registrar
	# drops the killed one (its association is gone).
	kill -INT "$(pid_of $other)"
	wait_for_line '^Terminated!' 5 "$T/$other.log"
	wait_for_line "deregistered PE \\\$$(rspserver_id $other)" 5 \
	    "$T/registrar.log"
	for _ in $(seq 50); do
		[ -z "$(hs_pes)" ] && break
		sleep 0.1
	done
	[ -z "$(hs_pes)" ]
}

@test "rspserver -pingpong (Debian) on librsplib.so.3: a thread per session (rsp_accept), two pingpongclients at once" {
	command -v pingpongclient >/dev/null ||
	    skip "Debian's pingpongclient is not installed (rsplib-services)"
	start_registrar
	start_rspserver pp -pingpong
	for c in c1 c2; do
		LD_LIBRARY_PATH=$LIBB stdbuf -oL pingpongclient \
		    -registrar=127.0.0.1:"$PORT" -transport=tcp -interval=50 \
		    </dev/null >"$T/$c.out" 2>&1 &
		PIDS="$PIDS $!"
		echo "$c $!" >>"$T/pes"
	done
	id=$(rspserver_id pp)
	wait_for_line "Ack #10 from PE \\\$$id (reply #10)" 10 "$T/c1.out"
	wait_for_line "Ack #10 from PE \\\$$id (reply #10)" 10 "$T/c2.out"
	[ "$(grep -c 'New thread for RSerPool socket' "$T/pp.log")" -eq 2 ]
	for c in c1 c2; do
		TPID=$(pid_of $c)
		stop_client
	done
	# Each session's thread ends when its PU goes (rsp_recvfullmsg: 0).
	for _ in $(seq 50); do
		[ "$(grep -c 'has been stopped' "$T/pp.log")" -ge 2 ] && break
		sleep 0.1
	done
	[ "$(grep -c 'has been stopped' "$T/pp.log")" -eq 2 ]
}

@test "rspserver -calcapp (Debian) on librsplib.so.3: calcappclient's jobs computed" {
	command -v calcappclient >/dev/null ||
	    skip "Debian's calcappclient is not installed (rsplib-services)"
	start_registrar
	start_rspserver ca -calcapp
	calcapp_jobs
	grep -q 'is complete!' "$T/ca.log"
}

@test "rspserver -scripting (Debian) on librsplib.so.3: scriptingclient's work package run" {
	command -v scriptingclient >/dev/null ||
	    skip "Debian's scriptingclient is not installed (rsplib-services)"
	start_registrar
	start_rspserver ss -scripting
	scripting_job
	grep -q 'Download completed' "$T/ss.log"
}

@test "rspserver -fractal (Debian) on librsplib.so.3: fractalpooluser's sessions fail over to the other PE with its cookie (rsp_send_cookie, Cookie Echo)" {
	command -v fractalpooluser >/dev/null ||
	    skip "Debian's fractalpooluser is not installed (rsplib-services)"
	start_registrar
	# Each PE ends a session after 4 messages: the PU fails over.
	start_rspserver f1 -fractal -fgpfailureafter=4
	start_rspserver f2 -fractal -fgpfailureafter=4
	start_fractalpooluser
	in_both_logs 'Got CookieEcho' 2 100
	grep -q 'Disconnecting after 4 packets' "$T/both.log"
	grep -q 'FAILOVER (cookie=yes)' "$T/fpu.out"
	grep -q 'state=RSERPOOL_FAILOVER_COMPLETE, cookie=yes' "$T/fpu.out"
}

# RSPLIB 3.4.4's rsp_initarg() takes -logfile=, -logappend=, -logquiet,
# -loglevel= and -logcolor= (its libtdloglevel's options); ours too,
# handing them to libtdloglevel when the program has it.
@test "RSPLIB's -log* options on librsplib.so.3: rspserver's log into -logfile= (libtdloglevel), rspterminal's library log, bad values refused" {
	command -v pingpongclient >/dev/null ||
	    skip "Debian's pingpongclient is not installed (rsplib-services)"
	start_registrar
	start_rspserver pp -pingpong -logfile="$T/pp.flog" -loglevel=3
	start_pingpongclient c.out -interval=50
	stop_client
	# The program's own log lines went to the file, not to its output.
	wait_for_line 'New thread for RSerPool socket' 5 "$T/pp.flog"
	if grep -q 'New thread' "$T/pp.log"; then false; fi
	# rspterminal has no libtdloglevel: the library's own log, here its
	# failed connections at level 5 (none at the default level 3).
	LD_LIBRARY_PATH=$LIBB timeout -s INT 2 rspterminal -transport=tcp \
	    -registrar=127.0.0.1:1 -loglevel=5 -logfile="$T/t.flog" \
	    < <(sleep 5) >/dev/null 2>"$T/t.err" || true
	grep -q 'rsplib\[[0-9]*\]: tcpmap: assoc [0-9]*: connect: Connection refused' \
	    "$T/t.flog"
	[ ! -s "$T/t.err" ]
	for bad in -loglevel=x -loglevel=10 -logcolor=purple -logfile= \
	    -logfile="$T/no/such/dir/f" -logverbose; do
		run env LD_LIBRARY_PATH="$LIBB" timeout 10 rspterminal \
		    -registrar=127.0.0.1:1 "$bad" </dev/null
		[ "$status" -eq 1 ]
		[[ "$output" == *"rsplib: bad option $bad: "* ]]
	done
}

# last_table FILE: the last complete table rsp cspmonitor printed.
last_table() {
	awk 'BEGIN { RS = ""; ORS = "\n" } { t = $0 } END { print t }' "$1"
}

# wait_table PATTERN: at most 10 s until the monitor's last table
# matches PATTERN (grep -E).
wait_table() {
	for _ in $(seq 100); do
		last_table "$T/mon.out" | grep -qE -- "$1" && return 0
		sleep 0.1
	done
	echo "--- last table (waiting for '$1'):" >&2
	last_table "$T/mon.out" >&2
	return 1
}

@test "CSP from librsplib.so.3: rsp cspmonitor shows Debian's rspserver and pingpongclient on it, with their associations and final reports" {
	command -v pingpongclient >/dev/null ||
	    skip "Debian's pingpongclient is not installed (rsplib-services)"
	"$RSP" cspmonitor -localaddress=127.0.0.1:0 -updateinterval=200 -full \
	    -logcolor=off >"$T/mon.out" 2>"$T/mon.err" &
	PIDS="$PIDS $!"
	wait_for_line 'listening on' 5 "$T/mon.err"
	csp=127.0.0.1:$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) (UDP)$/\1/p' "$T/mon.err")
	start_registrar
	start_rspserver pp -pingpong -cspserver="$csp" -cspinterval=250
	# The interval from the environment, as RSPLIB's rsp_initinfo().
	CSP_INTERVAL=250 start_pingpongclient c.out -interval=100 \
	    -cspserver="$csp"
	id=$(rspserver_id pp)
	grep -q "Ack #1 from PE \\\$$id" "$T/c.out"
	# rspserver's CSP ID is its own random one; pingpongclient's too.
	wait_table 'PE \$[0-9a-f]{8} .* A=1 "1 Session"'
	wait_table "PU \\\$[0-9a-f]{14} .* A=2 \"1 Session\""
	run last_table "$T/mon.out"
	echo "$output"
	[[ "$output" == *"-> PE \$$id PingPong/TCP  duration="* ]]
	[ "$(grep -c -- '-> PR \$[0-9a-f]\{8\} ASAP/TCP  duration=' <<<"$output")" -eq 2 ]
	[[ "$output" == *"1 PEs, 1 PUs"* ]]
	# SIGINT: rsp_cleanup sends the final report, the PU goes at once.
	stop_client
	wait_table '1 PEs, 0 PUs'
	kill -INT "$(pid_of pp)"
	wait_table '0 PEs, 0 PUs'
}

# Smoke run of bench/rsplib.sh (the figures are for BENCHMARKS.md, not
# judged here): bench/rsplib_echo.c built against Debian's librsplib-dev,
# one short trial on our library and on the raw transport.
@test "bench/rsplib.sh: rsplib_echo (built against RSPLIB's headers) through its own echo PE and Debian's rspserver -echo on librsplib.so.3, and raw" {
	[ -f /usr/include/rserpool/rserpool.h ] &&
	    ls /usr/lib/*/librsplib.so >/dev/null 2>&1 ||
	    skip "RSPLIB's headers are not installed (apt-get install librsplib-dev; scripts/deps.sh does)"
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	gcc -O2 -Wall -Werror -o "$T/rsplib_echo" "$top/bench/rsplib_echo.c" -lrsplib
	run "$T/rsplib_echo" -inflight=0
	[ "$status" -eq 2 ]
	[[ "$output" == *"bad argument 0"* ]]
	run "$T/rsplib_echo" -bogus
	[ "$status" -eq 2 ]
	[[ "$output" == *"bad argument -bogus"* ]]
	# Ports of this run's own (a benchmark elsewhere may hold 3963-3964),
	# below the kernel's ephemeral range (32768 up), where any
	# connection's local port may sit
	run env RSP_LIBB="$LIBB" ECHO_BIN="$T/rsplib_echo" TRIALS=1 \
	    DURATION=200 PORT=$((10000 + RANDOM % 20000)) timeout 60 \
	    "$top/bench/rsplib.sh"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *"failed; its PE's log"* ]]
	for c in ours ours-rspserver raw raw-stream; do
		[[ "$output" =~ config=$c\ trial=1\ inflight=16\ msgs=[1-9][0-9]* ]]
		[[ "$output" =~ \|\ $c\ \|\ 1\ \|\ [1-9][0-9]*\ \( ]]
	done
	# each trial's rate against raw's of the same trial
	[[ "$output" =~ \|\ raw\ \|\ 16\ \|\ [1-9][0-9]*\ \([0-9-]*\)\ \|\ 1.00\ \| ]]
}
