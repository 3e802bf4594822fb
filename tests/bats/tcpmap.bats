#!/usr/bin/env bats
# asapcat over the TCP mapping (PROTOCOLS.md section 7): a listener
# echoing in the background, a client sending ASAP messages as hex.
# The listener binds port 0 and prints the port it got, so parallel
# runs never collide and no port has to be guessed.

REG='01 00 00 38 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0a 00 28 12 34 56 78 00 00 ab cd 00 00 75 30 00 04 00 10 00 07 00 01 00 01 00 08 0a 01 01 01 00 08 00 08 00 00 00 01'
HR='05 00 00 10 00 09 00 0c 45 63 68 6f 50 6f 6f 6c'

setup() {
	: "${RSP:?set RSP to the rsp binary}"
	OUT="$BATS_TEST_TMPDIR/listener.out"
	LPID=
}

teardown() {
	if [ -n "$LPID" ]; then
		kill "$LPID" 2>/dev/null || true
		wait "$LPID" 2>/dev/null || true
	fi
}

# Start the echoing listener; sets LPID and PORT.  Waits at most 5 s.
start_listener() {
	"$RSP" asapcat -listen=127.0.0.1:0 -echo -transport=tcp \
	    -timeout=30000 "$@" >"$OUT" 2>&1 &
	LPID=$!
	for _ in $(seq 50); do
		grep -q '^event=listening' "$OUT" && break
		sleep 0.1
	done
	PORT=$(sed -n 's/^event=listening .*addr=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$OUT")
	[ -n "$PORT" ]
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
}

@test "asapcat --help lists the transport options" {
	run "$RSP" asapcat --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"-transport=sctp|tcp|auto"* ]]
	[[ "$output" == *"-tcpheartbeatinterval="* ]]
	[[ "$output" == *"-echo"* ]]
}

@test "-transport=sctp without kernel SCTP fails with exit status 1" {
	[ ! -d /proc/sys/net/sctp ] || skip "this kernel has SCTP"
	run "$RSP" asapcat -listen=127.0.0.1:0 -transport=sctp
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot listen"* ]]
}

@test "asapcat over kernel SCTP echoes a registration (SCTP guest only)" {
	[ -d /proc/sys/net/sctp ] || skip "no kernel SCTP here"
	"$RSP" asapcat -listen=127.0.0.1:0 -echo -transport=sctp \
	    -timeout=30000 >"$OUT" 2>&1 &
	LPID=$!
	for _ in $(seq 50); do
		grep -q '^event=listening' "$OUT" && break
		sleep 0.1
	done
	PORT=$(sed -n 's/^event=listening .*addr=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$OUT")
	[ -n "$PORT" ]
	run timeout 10 "$RSP" asapcat -connect=127.0.0.1:"$PORT" \
	    -transport=sctp -count=1 -timeout=5000 <<<"$REG"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ppid=11 stream=0 len=56 proto=asap type=registration flags=0x00 handle=EchoPool"* ]]
}
