#!/usr/bin/env bats
# Debian's unmodified RSPLIB 3.4.4 programs on rsp's librsplib.so.3
# (docs/library.md "RSPLIB's API") over kernel SCTP, against RSPLIB's
# rspregistrar and against rsp registrar, and against programs on
# RSPLIB's own library both ways.  The host runs the same programs over
# the TCP mapping (tests/bats/rsplib-programs.bats).  Guest only:
#   tests/vm/run-in-guest.sh -e RSP=$PWD/build/san/rsp \
#       -e RSP_LIBB=$PWD/build/lib bats tests/interop/rsplib-on-rsp.bats
# RSP: the rsp binary (default build/san/rsp).
# RSP_LIBB: the directory of our librsplib.so.3 (default build/lib).
# RSP_INTEROP_OUT: where the logs go (default build/vm/interop), here in
# its rsplib-on-rsp/ subdirectory.

load interop

RSPLIB_ASAP=127.0.0.1:3914
RSPLIB_ENRP=127.0.0.1:9953
OUR_ASAP=127.0.0.1:3913

# start NAME CMD...: RSPLIB's program CMD in the background, its output
# line-buffered in $OUT/NAME.log, its PID in $OUT/NAME.pid.
start() {
	local name=$1
	shift
	stdbuf -oL "$@" >"$OUT/$name.log" 2>&1 </dev/null 3>&- &
	echo "$!" >"$OUT/$name.pid"
}

# ours CMD...: CMD with our library first on the search path.
ours() {
	LD_LIBRARY_PATH=$RSP_LIBB "$@"
}

pid_of() {
	cat "$OUT/$1.pid"
}

# echo_pes REGISTRAR: rspserver -echo PEs e1 and e2 on our library,
# registered.
echo_pes() {
	ours start e1 rspserver -echo -registrar="$1" -logcolor=off
	ours start e2 rspserver -echo -registrar="$1" -logcolor=off
	wait_pe e1
	wait_pe e2
}

# RSPLIB's rspserver prints "Identifier = $xxxxxxxx" once registered.
pe_id() {
	sed -n 's/.*Identifier *= *\$\([0-9a-f]*\).*/\1/p' "$OUT/$1.log" | head -1
}

# wait_pe NAME: rspserver NAME registered (60 s at most).
wait_pe() {
	wait_for 60 grep -q 'Identifier *= *\$' "$OUT/$1.log" || {
		show "$OUT/$1.log"
		return 1
	}
}

# uses_ours NAME: the process NAME runs on our library, not RSPLIB's.
uses_ours() {
	grep -q "$RSP_LIBB/librsplib.so.3" "/proc/$(pid_of "$1")/maps"
}

start_rsplib_registrar() {
	start reg rspregistrar -minaddressscope=loopback \
	    -asap="$RSPLIB_ASAP,192.0.2.1" -enrp="$RSPLIB_ENRP,192.0.2.1" \
	    -asapannounce=off -enrpannounce=off -loglevel=2 -logcolor=off
}

start_our_registrar() {
	# Not through stdbuf: its LD_PRELOAD upsets the sanitizer build.
	"$RSP" registrar -transport=sctp -asap="$OUR_ASAP,192.0.2.1" \
	    -minaddressscope=loopback -asapannounce=off -loglevel=4 \
	    -logcolor=off >"$OUT/reg.log" 2>&1 </dev/null 3>&- &
	echo "$!" >"$OUT/reg.pid"
	wait_for 30 grep -q 'ASAP listening on' "$OUT/reg.log" || {
		show "$OUT/reg.log"
		return 1
	}
}

# The pool EchoPool in RSPLIB's registrar, as its hsdump shows it.
echo_pool() {
	timeout 30 hsdump "$RSPLIB_ENRP" 2>&1 |
	    sed -n '/Pool "EchoPool"/,/Selection:/p'
}

# terminal REGISTRAR: Debian's rspterminal on our library, its input the
# FIFO $fifo kept open on fd 4, its output $OUT/term.log.
terminal() {
	fifo=$BATS_TEST_TMPDIR/term.fifo
	mkfifo "$fifo" # in the guest's tmpfs: 9p cannot make FIFOs
	# shellcheck disable=SC2016 # expanded by that bash
	ours start term bash -c 'exec rspterminal -logcolor=off -registrar="$1" <"$2"' \
	    rspterminal "$1" "$fifo"
	exec 4>"$fifo"
}

# echo_failover: a line echoed by one of the PEs e1, e2 (rspserver on
# our library), kill -9 of the PE in use, the next line echoed by the
# other after RSPLIB's failover notifications.
echo_failover() {
	local used victim other
	echo first >&4
	wait_for 60 grep -q '> first' "$OUT/term.log" || {
		show "$OUT/term.log"
		return 1
	}
	uses_ours term
	used=$(sed -n 's/.*from PE \$\([0-9a-f]*\)> first.*/\1/p' "$OUT/term.log")
	if [ "$used" = "$(pe_id e1)" ]; then victim=e1 other=e2; else
		victim=e2 other=e1; fi
	[ "$used" = "$(pe_id $victim)" ]
	# A line written before the loss is known dies with the PE (as on
	# RSPLIB's library): poke until the failover shows, then write.
	kill -9 "$(pid_of $victim)"
	wait_for 30 eval 'grep -q "FAILOVER #1" "$OUT/term.log" || { echo poke >&4; false; }'
	wait_for 30 grep -q 'state=RSERPOOL_FAILOVER_COMPLETE' "$OUT/term.log"
	echo second >&4
	wait_for 60 grep -q "from PE \\\$$(pe_id $other)> second" "$OUT/term.log" || {
		show "$OUT/term.log"
		return 1
	}
	echo "$other" >"$OUT/survivor"
}

setup_file() {
	interop_need rspregistrar rspserver rspterminal hsdump pingpongclient \
	    calcappclient || return 1
	local top
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	export RSP_LIBB=${RSP_LIBB:-$top/build/lib}
	[ -e "$RSP_LIBB/librsplib.so.3" ] || {
		echo "# no $RSP_LIBB/librsplib.so.3: make lib" >&3
		return 1
	}
	export OUT=${RSP_INTEROP_OUT:-$top/build/vm/interop}/rsplib-on-rsp
	rm -rf "$OUT"
	mkdir -p "$OUT"
}

teardown() {
	exec 4>&- 2>/dev/null || true
	stop_all
}

@test "RSPLIB's registrar: rspserver -echo and rspterminal on our library, kill -9 failover, deregistration on SIGINT" {
	start_rsplib_registrar
	echo_pes "$RSPLIB_ASAP"
	uses_ours e1
	pool=$(echo_pool)
	echo "$pool"
	[[ $pool == *"\$$(pe_id e1)"* && $pool == *"\$$(pe_id e2)"* ]]
	[[ $pool == *"userT: {192.0.2.1} "*"/SCTP+CtrlCh"* ]]
	terminal "$RSPLIB_ASAP"
	echo_failover
	# SIGINT: rspserver deregisters and ends; the pool goes.
	kill -INT "$(pid_of "$(cat "$OUT/survivor")")"
	wait_for 30 eval '[ -z "$(echo_pool)" ]'
}

@test "RSPLIB's registrar: pingpongclient on our library with rspserver -pingpong on RSPLIB's, and the other way round" {
	start_rsplib_registrar
	start pp-rsplib rspserver -pingpong -registrar="$RSPLIB_ASAP" -logcolor=off
	wait_pe pp-rsplib
	ours start ppc-ours pingpongclient -registrar="$RSPLIB_ASAP" -interval=100
	wait_for 60 grep -q "Ack #5 from PE \\\$$(pe_id pp-rsplib)" "$OUT/ppc-ours.log" || {
		show "$OUT/ppc-ours.log"
		return 1
	}
	uses_ours ppc-ours
	stop "$(pid_of ppc-ours)" INT
	stop "$(pid_of pp-rsplib)" INT
	ours start pp-ours rspserver -pingpong -registrar="$RSPLIB_ASAP" -logcolor=off
	wait_pe pp-ours
	uses_ours pp-ours
	start ppc-rsplib pingpongclient -registrar="$RSPLIB_ASAP" -interval=100
	wait_for 60 grep -q "Ack #5 from PE \\\$$(pe_id pp-ours)" "$OUT/ppc-rsplib.log" || {
		show "$OUT/ppc-rsplib.log" "$OUT/pp-ours.log"
		return 1
	}
	grep -q 'New thread for RSerPool socket' "$OUT/pp-ours.log"
}

@test "rsp registrar: rspserver -echo and rspterminal on our library, kill -9 failover; calcappclient on ours with rspserver -calcapp on ours" {
	start_our_registrar
	echo_pes "$OUR_ASAP"
	grep -q "registered PE \\\$$(pe_id e1) in pool EchoPool" "$OUT/reg.log"
	grep -q "registered PE \\\$$(pe_id e2) in pool EchoPool" "$OUT/reg.log"
	terminal "$OUR_ASAP"
	echo_failover
	ours start ca rspserver -calcapp -registrar="$OUR_ASAP" -logcolor=off
	wait_pe ca
	cd "$BATS_TEST_TMPDIR"
	run ours timeout 60 calcappclient -registrar="$OUR_ASAP" \
	    -jobinterval=0.5 -jobsize=50000 -runtime=3
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Job #1 completed"* ]]
	grep -q 'is complete!' "$OUT/ca.log"
}
