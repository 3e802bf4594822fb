#!/usr/bin/env bats
# Interop row: a registrar serves from its first second.  RSPLIB 3.4.4's
# rspserver registers into rsp registrar (ENRP on, so in its mentor
# phase) 0.5 s after the registrar started; RSPLIB's hsdump and
# rspterminal find the PE while the phase still runs, and the hsdump is
# no mentor.  Kernel SCTP, guest only (make check-interop).
#
# RSP: the rsp binary (default build/san/rsp, then build/rel/rsp).
# RSP_INTEROP_OUT: where the logs go (default build/vm/interop).

load interop

ASAP=127.0.0.1:3873
ENRP=127.0.0.1:9911

setup_file() {
	interop_need rspserver rspterminal hsdump || return 1
	local top
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	export OUT=${RSP_INTEROP_OUT:-$top/build/vm/interop}/startup
	mkdir -p "$OUT"
	rm -f "$OUT"/*.pid "$OUT"/*.log

	# A mentor phase far longer than the test: everything below happens
	# inside it (the default is 5 s, and TCG is slow).
	start registrar "$RSP" registrar -transport=sctp \
		-asap="$ASAP,192.0.2.1" -enrp="$ENRP,192.0.2.1" \
		-minaddressscope=loopback -asapannounce=off -enrpannounce=off \
		-mentordiscoverytimeout=120000 -loglevel=5 -logcolor=off
	wait_for 30 grep -q 'ENRP listening on' "$OUT/registrar.log" || {
		echo "# our registrar did not start:" >&3
		sed 's/^/#   /' "$OUT/registrar.log" >&3
		return 1
	}
	sleep 0.5
	start rspserver rspserver -logcolor=off -loglevel=3 -echo \
		-registrar="$ASAP"
}

teardown_file() {
	local f
	for f in rspterminal rspserver registrar; do
		[ -f "$OUT/$f.pid" ] || continue
		stop "$(cat "$OUT/$f.pid")"
		rm -f "$OUT/$f.pid"
	done
}

@test "RSPLIB's rspserver registers with rsp registrar in its mentor phase" {
	if ! wait_for 60 grep -q 'registered PE \$[0-9a-f]* in pool EchoPool' \
	    "$OUT/registrar.log"; then
		show "$OUT/registrar.log" "$OUT/rspserver.log"
		false
	fi
	run grep -q 'normal operation' "$OUT/registrar.log"
	[ "$status" -eq 1 ]
}

@test "RSPLIB's hsdump finds the PE, and is no mentor" {
	run timeout 60 hsdump "$ENRP"
	echo "$output" >"$OUT/hsdump.txt"
	[[ "$output" == *"(1 Pools, 1 PoolElements"* ]]
	run grep -q 'mentor is' "$OUT/registrar.log"
	[ "$status" -eq 1 ]
	if ! wait_for 30 grep -q 'left (it never acted as a registrar)' \
	    "$OUT/registrar.log"; then
		show "$OUT/registrar.log"
		false
	fi
}

@test "RSPLIB's rspterminal reaches the PE through rsp registrar" {
	local fifo=$BATS_FILE_TMPDIR/terminal.fifo line="startup-$$-$RANDOM"
	rm -f "$fifo"
	mkfifo "$fifo" # in the guest's tmpfs: 9p cannot make FIFOs
	# shellcheck disable=SC2016 # expanded by that bash
	start rspterminal bash -c 'exec rspterminal -logcolor=off \
		-registrar="$1" <"$2"' rspterminal "$ASAP" "$fifo"
	exec 4>"$fifo"
	echo "$line" >&4
	if ! wait_for 60 grep -q "from PE \\\$[0-9a-f]*> $line" "$OUT/rspterminal.log"; then
		exec 4>&-
		show "$OUT/rspterminal.log" "$OUT/registrar.log"
		false
	fi
	exec 4>&-
	stop "$(cat "$OUT/rspterminal.pid")"
	rm -f "$OUT/rspterminal.pid"
	run grep -q 'normal operation' "$OUT/registrar.log"
	[ "$status" -eq 1 ]
}
