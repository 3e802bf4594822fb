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
	used=$(sed -n 's/.*from PE \$\([0-9a-f]*\)> first.*/\1/p' "$T/term.out")
	if [ "$used" = "$(pe_id pe1)" ]; then victim=pe1; other=pe2; else
		victim=pe2; other=pe1; fi
	[ "$used" = "$(pe_id $victim)" ]
	kill -9 "$(awk -v n=$victim '$1 == n { print $2 }' "$T/pes")"
	wait_for_line 'FAILOVER #1' 5 "$T/term.out" || {
		# the failure is noticed on the next line sent
		echo poke >&4
		wait_for_line 'FAILOVER #1' 5 "$T/term.out"
	}
	wait_for_line 'state=RSERPOOL_FAILOVER_COMPLETE' 10 "$T/term.out"
	echo second >&4
	wait_for_line '> second' 5 "$T/term.out"
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

@test "pingpongclient (Debian) on librsplib.so.3: pings answered by rsp server -pingpong" {
	command -v pingpongclient >/dev/null ||
	    skip "Debian's pingpongclient is not installed (rsplib-services)"
	start_registrar
	start_service pp -pingpong
	LD_LIBRARY_PATH=$LIBB stdbuf -oL pingpongclient \
	    -registrar=127.0.0.1:"$PORT" -transport=tcp -interval=100 \
	    </dev/null >"$T/ppc.out" 2>&1 &
	TPID=$!
	PIDS="$PIDS $TPID"
	wait_for_line 'Ack #3 from PE' 10 "$T/ppc.out"
	grep -q "Ack #1 from PE \$$(pe_id pp) (reply #1)" "$T/ppc.out"
	stop_client
}

@test "calcappclient (Debian) on librsplib.so.3: jobs computed by rsp server -calcapp" {
	command -v calcappclient >/dev/null ||
	    skip "Debian's calcappclient is not installed (rsplib-services)"
	start_registrar
	start_service ca -calcapp
	cd "$T"
	run env LD_LIBRARY_PATH="$LIBB" timeout 30 calcappclient \
	    -registrar=127.0.0.1:"$PORT" -transport=tcp -jobinterval=0.3 \
	    -jobsize=50000 -runtime=2 </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *"Job #1 completed"* ]]
	done=$(awk '/Total Jobs Completed/ { print $NF }' CalcAppPU.sca)
	[ "$done" -ge 2 ]
}

@test "scriptingclient (Debian) on librsplib.so.3: a work package run by rsp server -scripting" {
	command -v scriptingclient >/dev/null ||
	    skip "Debian's scriptingclient is not installed (rsplib-services)"
	start_registrar
	start_service ss -scripting
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

# The number of lines matching $1 in file $2.
count() {
	grep -c -- "$1" "$2" 2>/dev/null || true
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
	# The PEs end each session after 4 Data messages: the PU fails over,
	# and the other PE resumes from the cookie it echoes.
	for _ in $(seq 300); do
		[ $(($(count 'image done' "$T/f1.log") +
		    $(count 'image done' "$T/f2.log"))) -ge 2 ] && break
		sleep 0.1
	done
	cat "$T/f1.log" "$T/f2.log" >"$T/both.log"
	[ "$(count 'image done' "$T/both.log")" -ge 2 ]
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
