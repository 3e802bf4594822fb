#!/usr/bin/env bats
# asapcat over the TCP mapping (docs/wire.md section 7): a listener
# echoing in the background, a client sending ASAP messages as hex.
# The listener binds port 0 and prints the port it got, so parallel
# runs never collide and no port has to be guessed.  The tests marked
# "SCTP guest only" run where the kernel has SCTP (make check-sctp, or
# tests/vm/run-in-guest.sh bats tests/bats/tcpmap.bats); the multi-homed
# one also needs 192.0.2.1 on lo, as the guest has.

REG='01 00 00 38 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0a 00 28 12 34 56 78 00 00 ab cd 00 00 75 30 00 04 00 10 00 07 00 01 00 01 00 08 0a 01 01 01 00 08 00 08 00 00 00 01'
HR='05 00 00 10 00 09 00 0c 45 63 68 6f 50 6f 6f 6c'

setup() {
	: "${RSP:?set RSP to the rsp binary}"
	OUT="$BATS_TEST_TMPDIR/listener.out"
	LPID=
	CPID=
}

teardown() {
	local p
	exec 4>&-
	for p in $CPID $LPID; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

# Start the echoing listener on ${LADDR:-127.0.0.1:0} over ${T:-tcp};
# sets LPID and PORT.  Waits at most 5 s.
start_listener() {
	"$RSP" asapcat -listen="${LADDR:-127.0.0.1:0}" -echo \
	    -transport="${T:-tcp}" -timeout=30000 "$@" >"$OUT" 2>&1 &
	LPID=$!
	for _ in $(seq 50); do
		grep -q '^event=listening' "$OUT" && break
		sleep 0.1
	done
	PORT=$(sed -n 's/^event=listening .*addr=.*:\([0-9]*\)$/\1/p' "$OUT")
	[ -n "$PORT" ]
}

# A client over transport $1 that holds its association (its stdin, a
# FIFO, stays open until teardown); sets CPID.
hold_client() {
	mkfifo "$BATS_TEST_TMPDIR/c1.in"
	"$RSP" asapcat -connect=127.0.0.1:"$PORT" -transport="$1" -count=1 \
	    -timeout=10000 <"$BATS_TEST_TMPDIR/c1.in" \
	    >"$BATS_TEST_TMPDIR/c1.out" 2>&1 3>&- &
	CPID=$!
	exec 4>"$BATS_TEST_TMPDIR/c1.in"
}

need_sctp() {
	[ -d /proc/sys/net/sctp ] || skip "no kernel SCTP here"
}

# Wait at most 5 s for a line matching $1 in the listener's output.
wait_listener() {
	for _ in $(seq 50); do
		grep -q -- "$1" "$OUT" && return 0
		sleep 0.1
	done
	cat "$OUT" >&2
	return 1
}

@test "asapcat echoes a registration and a handle resolution, decoded" {
	start_listener
	run timeout 10 "$RSP" asapcat -connect=127.0.0.1:"$PORT" \
	    -transport=tcp -count=2 -timeout=5000 <<<"$REG
# comments and blank lines are skipped

$HR"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "event=up assoc=1 peer=127.0.0.1:$PORT" ]]
	[[ "${lines[1]}" == "event=msg assoc=1 ppid=11 stream=0 len=56 proto=asap type=registration flags=0x00 handle=EchoPool pes=1 pe1.id=0x12345678 pe1.home=0x0000abcd pe1.life=30000 pe1.transport=sctp:7/10.1.1.1/data+control pe1.policy=round_robin" ]]
	[[ "${lines[2]}" == "event=msg assoc=1 ppid=11 stream=0 len=16 proto=asap type=handle_resolution flags=0x00 handle=EchoPool" ]]
	wait_listener 'type=handle_resolution'
	run grep -c '^event=msg assoc=1 ppid=11' "$OUT"
	[ "$output" = 2 ]
}

@test "without -count the client exits 0 once its messages are acknowledged" {
	start_listener
	run timeout 10 "$RSP" asapcat -connect=127.0.0.1:"$PORT" \
	    -transport=tcp -timeout=5000 <<<"$HR"
	[ "$status" -eq 0 ]
	[[ "$output" == *"type=handle_resolution"* ]]
	[[ "${lines[-1]}" == "event=shutdown assoc=1" ]]
	wait_listener '^event=shutdown assoc=1'
}

@test "other PPIDs are printed as hex; -hex adds hex to decoded lines" {
	start_listener
	run timeout 10 "$RSP" asapcat -connect=127.0.0.1:"$PORT" \
	    -transport=tcp -ppid=0 -count=1 -timeout=5000 <<<"de ad be ef"
	[ "$status" -eq 0 ]
	[[ "$output" == *"event=msg assoc=1 ppid=0 stream=0 len=4 hex=deadbeef"* ]]
	run timeout 10 "$RSP" asapcat -connect=127.0.0.1:"$PORT" \
	    -transport=tcp -hex -count=1 -timeout=5000 <<<"$HR"
	[ "$status" -eq 0 ]
	[[ "$output" == *"handle=EchoPool hex=0500001000090"* ]]
}

@test "a message the codec rejects is shown with its decode error" {
	start_listener
	run timeout 10 "$RSP" asapcat -connect=127.0.0.1:"$PORT" \
	    -transport=tcp -count=1 -timeout=5000 <<<"05 00 00 08 00 09 00 08"
	[ "$status" -eq 0 ]
	[[ "$output" == *"event=msg assoc=1 ppid=11 stream=0 len=8 decode_error="* ]]
}

@test "nobody listening: cant-start and exit status 1" {
	start_listener
	kill "$LPID"
	wait "$LPID" 2>/dev/null || true
	LPID=
	run timeout 10 "$RSP" asapcat -connect=127.0.0.1:"$PORT" \
	    -transport=tcp -timeout=5000 <<<"$HR"
	[ "$status" -eq 1 ]
	[[ "$output" == *"event=cant-start assoc=1 error="* ]]
}

@test "too few answers before -timeout: exit status 1" {
	start_listener
	run timeout 10 "$RSP" asapcat -connect=127.0.0.1:"$PORT" \
	    -transport=tcp -count=3 -timeout=500 <<<"$HR"
	[ "$status" -eq 1 ]
	[[ "$output" == *timeout* ]]
}

@test "asapcat usage errors exit with status 2" {
	run "$RSP" asapcat -transport=tcp
	[ "$status" -eq 2 ]
	[[ "$output" == *"exactly one of -listen and -connect"* ]]
	run "$RSP" asapcat -listen=127.0.0.1:0 -connect=127.0.0.1:1
	[ "$status" -eq 2 ]
	run "$RSP" asapcat -connect=127.0.0.1
	[ "$status" -eq 2 ]
	run "$RSP" asapcat -connect=127.0.0.1:1 -transport=udp
	[ "$status" -eq 2 ]
	run "$RSP" asapcat -connect=127.0.0.1:1 -tcpheartbeatmaxloss=0
	[ "$status" -eq 2 ]
	run "$RSP" asapcat -listen=127.0.0.1:0 -maxassociations=0
	[ "$status" -eq 2 ]
	[[ "$output" == *"-maxassociations"* ]]
	run "$RSP" asapcat -listen=127.0.0.1:0 -onetoone
	[ "$status" -eq 2 ]
	run "$RSP" asapcat -connect=127.0.0.1:1 -peeloff
	[ "$status" -eq 2 ]
}

@test "asapcat --help lists the transport options" {
	run "$RSP" asapcat --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"-transport=sctp|tcp|auto"* ]]
	[[ "$output" == *"-tcpheartbeatinterval="* ]]
	[[ "$output" == *"-maxassociations=N"*"default 200000"* ]]
	[[ "$output" == *'$RSP_TRANSPORT'* ]]
	[[ "$output" == *"-echo"* ]]
	[[ "$output" == *"-peeloff"* ]]
	[[ "$output" == *"-onetoone"* ]]
}

@test "-maxassociations=1: a second association is refused and logged" {
	start_listener -maxassociations=1
	# The first client holds its association while its stdin is open.
	hold_client tcp
	wait_listener '^event=up assoc=1 '
	run timeout 10 "$RSP" asapcat -connect=127.0.0.1:"$PORT" \
	    -transport=tcp -timeout=5000 <<<"$HR"
	[ "$status" -eq 1 ]
	[[ "$output" == *"event=cant-start assoc=1 error="* ]]
	wait_listener 'tcpmap: 1 association(s) refused: -maxassociations=1 reached'
	run grep -c '^event=up' "$OUT"
	[ "$output" = 1 ]
}

@test "without -transport, \$RSP_TRANSPORT names the transport" {
	RSP_TRANSPORT=tcp run "$RSP" asapcat -listen=127.0.0.1:0 -timeout=200
	[ "$status" -eq 0 ]
	[[ "$output" == *"event=listening transport=tcp addr=127.0.0.1:"* ]]
	# -transport wins over the environment.
	RSP_TRANSPORT=sctp run "$RSP" asapcat -listen=127.0.0.1:0 \
	    -transport=tcp -timeout=200
	[ "$status" -eq 0 ]
	[[ "$output" == *"transport=tcp"* ]]
	# A value that names no transport is ignored, with a warning.
	RSP_TRANSPORT=udp run "$RSP" asapcat -listen=127.0.0.1:0 -timeout=200
	[ "$status" -eq 0 ]
	[[ "$output" == *'$RSP_TRANSPORT=udp ignored'* ]]
	[[ "$output" == *"event=listening transport="* ]]
}

@test "\$RSP_TRANSPORT=sctp without kernel SCTP fails with exit status 1" {
	[ ! -d /proc/sys/net/sctp ] || skip "this kernel has SCTP"
	RSP_TRANSPORT=sctp run "$RSP" asapcat -listen=127.0.0.1:0
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot listen"* ]]
}

@test "-peeloff and -onetoone over the TCP mapping" {
	start_listener -peeloff
	run timeout 10 "$RSP" asapcat -connect=127.0.0.1:"$PORT" \
	    -transport=tcp -onetoone -count=1 -timeout=5000 <<<"$HR"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "event=up assoc=1 peer=127.0.0.1:$PORT" ]]
	[[ "${lines[1]}" == *"type=handle_resolution flags=0x00 handle=EchoPool" ]]
	wait_listener '^event=shutdown assoc=1'
	run cat "$OUT"
	[[ "${lines[1]}" == "event=up assoc=1 peer=127.0.0.1:"* ]]
	[[ "${lines[2]}" == "event=peeloff assoc=1" ]]
	[[ "${lines[3]}" == "event=msg assoc=1 ppid=11 stream=0 len=16 "* ]]
}

@test "-transport=sctp without kernel SCTP fails with exit status 1" {
	[ ! -d /proc/sys/net/sctp ] || skip "this kernel has SCTP"
	run "$RSP" asapcat -listen=127.0.0.1:0 -transport=sctp
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot listen"* ]]
}

@test "asapcat over kernel SCTP echoes a registration (SCTP guest only)" {
	need_sctp
	T=sctp start_listener
	run timeout 10 "$RSP" asapcat -connect=127.0.0.1:"$PORT" \
	    -transport=sctp -count=1 -timeout=5000 <<<"$REG"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ppid=11 stream=0 len=56 proto=asap type=registration flags=0x00 handle=EchoPool"* ]]
}

@test "kernel SCTP: acknowledged, shut down, exit 0 without -count (SCTP guest only)" {
	need_sctp
	T=sctp start_listener
	run timeout 10 "$RSP" asapcat -connect=127.0.0.1:"$PORT" \
	    -transport=sctp -ppid=12 -timeout=5000 <<<"de ad be ef"
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" == "event=shutdown assoc="* ]]
	# A SACK says nothing about the peer application (unlike the TCP
	# mapping's ACK), so the echo may or may not beat our SHUTDOWN;
	# the listener has the message either way.
	wait_listener '^event=msg assoc=.* ppid=12 stream=0 len=4 '
	wait_listener '^event=shutdown assoc='
}

@test "kernel SCTP: one-to-one client, peeled-off server (SCTP guest only)" {
	need_sctp
	T=sctp start_listener -peeloff
	run timeout 10 "$RSP" asapcat -connect=127.0.0.1:"$PORT" \
	    -transport=sctp -onetoone -timeout=5000 <<<"$REG
$HR"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "event=up assoc="*" peer=127.0.0.1:$PORT" ]]
	[[ "$output" == *"type=registration flags=0x00 handle=EchoPool"* ]]
	[[ "$output" == *"type=handle_resolution flags=0x00 handle=EchoPool"* ]]
	[[ "${lines[-1]}" == "event=shutdown assoc="* ]]
	wait_listener '^event=shutdown assoc='
	grep -q '^event=peeloff assoc=' "$OUT"
	run grep -c 'ppid=11 stream=0' "$OUT"
	[ "$output" = 2 ]
}

@test "kernel SCTP: multi-homed 127.0.0.1 + 192.0.2.1 (SCTP guest only)" {
	need_sctp
	ip -4 addr show dev lo 2>/dev/null | grep -q '192\.0\.2\.1/' ||
	    skip "192.0.2.1 is not on lo"
	T=sctp LADDR=127.0.0.1,192.0.2.1:0 start_listener
	grep -q '^event=listening transport=sctp addr=.*127\.0\.0\.1' "$OUT"
	grep -q '^event=listening transport=sctp addr=.*192\.0\.2\.1' "$OUT"
	run timeout 10 "$RSP" asapcat -connect=127.0.0.1,192.0.2.1:"$PORT" \
	    -transport=sctp -onetoone -count=1 -timeout=5000 <<<"$HR"
	[ "$status" -eq 0 ]
	# The client sees both server addresses in the association.
	[[ "${lines[0]}" == "event=up assoc="*"peer="*"127.0.0.1"* ]]
	[[ "${lines[0]}" == *"192.0.2.1"*":$PORT" ]]
	[[ "${lines[1]}" == *"type=handle_resolution flags=0x00 handle=EchoPool" ]]
	# And the server both of the (wildcard-bound) client's.
	wait_listener '^event=up assoc=.*192\.0\.2\.1'
	grep -q '^event=up assoc=.*127\.0\.0\.1' "$OUT"
}

@test "kernel SCTP chosen by \$RSP_TRANSPORT=sctp (SCTP guest only)" {
	need_sctp
	RSP_TRANSPORT=sctp "$RSP" asapcat -listen=127.0.0.1:0 -echo \
	    -timeout=30000 >"$OUT" 2>&1 &
	LPID=$!
	wait_listener '^event=listening transport=sctp '
	PORT=$(sed -n 's/^event=listening .*addr=.*:\([0-9]*\)$/\1/p' "$OUT")
	RSP_TRANSPORT=sctp run timeout 10 "$RSP" asapcat \
	    -connect=127.0.0.1:"$PORT" -count=1 -timeout=5000 <<<"$HR"
	[ "$status" -eq 0 ]
	[[ "$output" == *"type=handle_resolution flags=0x00 handle=EchoPool"* ]]
}

@test "kernel SCTP: -maxassociations=1 refuses a second one (SCTP guest only)" {
	need_sctp
	T=sctp start_listener -maxassociations=1
	hold_client sctp
	wait_listener '^event=up assoc='
	run timeout 10 "$RSP" asapcat -connect=127.0.0.1:"$PORT" \
	    -transport=sctp -count=1 -timeout=5000 <<<"$HR"
	[ "$status" -eq 1 ]
	[[ "$output" == *"event=lost assoc="* || "$output" == *"event=cant-start assoc="* ]]
	wait_listener 'sctp: 1 association(s) refused: -maxassociations=1 reached'
	run grep -c '^event=up' "$OUT"
	[ "$output" = 1 ]
}
