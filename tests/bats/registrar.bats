#!/usr/bin/env bats
# rsp registrar over the TCP mapping on 127.0.0.1: asapcat plays the
# pool element and the pool user, sending hex ASAP messages.  The
# registrar binds port 0 and logs the port it got ("ASAP listening on
# 127.0.0.1:PORT (tcp)").  Announces are off here: nothing may send
# multicast out of the host; the announce test runs in a network
# namespace of its own.

load asap-msgs

setup() {
	: "${RSP:?set RSP to the rsp binary}"
	LOG="$BATS_TEST_TMPDIR/registrar.log"
	RPID=
	CPID=
}

teardown() {
	local p
	exec 4>&-
	for p in $CPID $RPID; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

# Start the registrar on 127.0.0.1:0 with extra options; sets RPID and
# PORT.  Waits at most 5 s.
start_registrar() {
	"$RSP" registrar -transport=tcp -asap=127.0.0.1:0 -asapannounce=off \
	    -minaddressscope=loopback -loglevel=5 -logcolor=off "$@" \
	    >"$LOG" 2>&1 &
	RPID=$!
	for _ in $(seq 50); do
		grep -q 'ASAP listening on' "$LOG" && break
		sleep 0.1
	done
	PORT=$(sed -n 's/.*ASAP listening on 127\.0\.0\.1:\([0-9]*\) (tcp)$/\1/p' "$LOG")
	[ -n "$PORT" ]
}

# One exchange: stdin lines to the registrar, $1 answers expected.
ask() {
	local n=$1
	shift
	run timeout 10 "$RSP" asapcat -connect=127.0.0.1:"$PORT" \
	    -transport=tcp -count="$n" -timeout=5000 "$@"
}

# A pool element that keeps its association while fd 4 stays open;
# its output goes to $BATS_TEST_TMPDIR/pe.out.  Sets CPID.
hold_pe() {
	mkfifo "$BATS_TEST_TMPDIR/pe.in"
	"$RSP" asapcat -connect=127.0.0.1:"$PORT" -transport=tcp \
	    -timeout=20000 <"$BATS_TEST_TMPDIR/pe.in" \
	    >"$BATS_TEST_TMPDIR/pe.out" 2>&1 3>&- &
	CPID=$!
	exec 4>"$BATS_TEST_TMPDIR/pe.in"
}

# Wait at most $2 (default 5) s for a line matching $1 in file $3.
wait_for_line() {
	for _ in $(seq $((${2:-5} * 10))); do
		grep -q -- "$1" "${3:-$LOG}" && return 0
		sleep 0.1
	done
	echo "--- ${3:-$LOG}:" >&2
	cat "${3:-$LOG}" >&2
	return 1
}

@test "registration is accepted and logged at info level" {
	start_registrar
	ask 1 <<<"$REG"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == "event=msg assoc=1 ppid=11 stream=0 len=24 proto=asap type=registration_response flags=0x00 handle=EchoPool pe_id=0x12345678" ]]
	wait_for_line 'registered PE \$12345678 in pool EchoPool'
}

@test "handle resolution returns the registered PE with our home PR ID" {
	start_registrar -identifier=0x0000abcd
	hold_pe
	echo "$REG" >&4
	wait_for_line 'type=registration_response' 5 "$BATS_TEST_TMPDIR/pe.out"
	ask 1 <<<"$HR"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == *"type=handle_resolution_response flags=0x00 handle=EchoPool policy=round_robin pes=1 pe1.id=0x12345678 pe1.home=0x0000abcd pe1.life=30000 pe1.transport=sctp:7/127.0.0.1/data+control pe1.policy=round_robin" ]]
}

@test "a policy inconsistent with the pool's is refused with 0x0005" {
	start_registrar
	hold_pe
	echo "$REG" >&4
	wait_for_line 'type=registration_response' 5 "$BATS_TEST_TMPDIR/pe.out"
	ask 1 <<<"$REG_RAND"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == *"type=registration_response flags=0x01 handle=EchoPool pe_id=0x22222222 cause1=0x0005 cause1.name=inconsistent_pooling_policy"* ]]
	wait_for_line 'registration of PE \$22222222 in pool EchoPool (assoc 2) refused: '
}

@test "an emptied pool disappears: the next PE may bring another policy" {
	start_registrar
	hold_pe
	echo "$REG" >&4
	wait_for_line 'type=registration_response' 5 "$BATS_TEST_TMPDIR/pe.out"
	echo "$DEREG" >&4
	wait_for_line 'type=deregistration_response' 5 "$BATS_TEST_TMPDIR/pe.out"
	ask 1 <<<"$REG_RAND"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == *"type=registration_response flags=0x00 handle=EchoPool pe_id=0x22222222"* ]]
	[[ "${lines[1]}" != *"cause1="* ]]
}

@test "user addresses not on the association are refused with 0x0003" {
	start_registrar
	ask 1 <<<"$REG_FOREIGN"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == *"type=registration_response flags=0x01 handle=EchoPool pe_id=0x33333333 cause1=0x0003"* ]]
	ask 1 <<<"$HR"
	[[ "${lines[1]}" == *"cause1=0x0009"* ]]
}

@test "an association below -minaddressscope is refused with 0x0003" {
	start_registrar -minaddressscope=site-local
	ask 1 <<<"$REG"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == *"type=registration_response flags=0x01 "*"cause1=0x0003"* ]]
}

@test "deregistration removes the PE; an unknown PE is answered with success" {
	start_registrar
	hold_pe
	echo "$REG" >&4
	wait_for_line 'type=registration_response' 5 "$BATS_TEST_TMPDIR/pe.out"
	echo "$DEREG" >&4
	wait_for_line 'type=deregistration_response' 5 "$BATS_TEST_TMPDIR/pe.out"
	grep -q 'type=deregistration_response flags=0x00 handle=EchoPool pe_id=0x12345678$' "$BATS_TEST_TMPDIR/pe.out"
	wait_for_line 'deregistered PE \$12345678 of pool EchoPool'
	ask 1 <<<"$HR"
	[[ "${lines[1]}" == *"type=handle_resolution_response flags=0x00 handle=EchoPool cause1=0x0009"* ]]
	ask 1 <<<"$DEREG"
	[[ "${lines[1]}" == *"type=deregistration_response flags=0x00 handle=EchoPool pe_id=0x12345678" ]]
}

@test "handle resolution of an unknown pool gets 0x0009" {
	start_registrar
	ask 1 <<<"$HR_NOPOOL"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == "event=msg assoc=1 ppid=11 stream=0 len=24 proto=asap type=handle_resolution_response flags=0x00 handle=NoPool cause1=0x0009 cause1.name=unknown_pool_handle" ]]
}

@test "a malformed message gets an ASAP_ERROR with the decoder's cause" {
	start_registrar
	ask 1 <<<"05 00 00 08 00 09 00 08"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == *"type=error flags=0x00 cause1=0x"* ]]
	wait_for_line 'bad ASAP message on assoc 1'
}

@test "an unknown message type gets an ASAP_ERROR 0x0002" {
	start_registrar
	ask 1 <<<"7f 00 00 04"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == *"type=error flags=0x00 cause1=0x0002"* ]]
}

@test "a PPID other than 11 aborts the association" {
	start_registrar
	run timeout 10 "$RSP" asapcat -connect=127.0.0.1:"$PORT" \
	    -transport=tcp -ppid=12 -count=1 -timeout=5000 <<<"$HR"
	[ "$status" -eq 1 ]
	[[ "$output" == *"event=lost assoc=1"* ]]
	wait_for_line 'PPID 12 on the ASAP socket'
}

@test "keep-alive arrives; a silent PE is aborted and removed" {
	start_registrar -endpointkeepalivetransmissioninterval=300 \
	    -endpointkeepalivetimeoutinterval=300 -identifier=0xabcd
	hold_pe
	echo "$REG" >&4
	wait_for_line 'type=endpoint_keep_alive flags=0x00 server=0x0000abcd handle=EchoPool pe_id=0x12345678' 5 "$BATS_TEST_TMPDIR/pe.out"
	wait_for_line 'event=lost assoc=1' 5 "$BATS_TEST_TMPDIR/pe.out"
	wait_for_line 'no keep-alive ack in 300 ms, aborting'
	wait_for_line 'removed PE \$12345678 of pool EchoPool: keep-alive timeout'
	ask 1 <<<"$HR"
	[[ "${lines[1]}" == *"cause1=0x0009"* ]]
}

@test "keep-alive acks keep the PE registered" {
	local n
	start_registrar -endpointkeepalivetransmissioninterval=300 \
	    -endpointkeepalivetimeoutinterval=2000 -loglevel=7
	hold_pe
	echo "$REG" >&4
	# Answer each keep-alive as it comes, three times.
	for n in 1 2 3; do
		for _ in $(seq 100); do
			[ "$(grep -c 'type=endpoint_keep_alive ' "$BATS_TEST_TMPDIR/pe.out")" -ge "$n" ] && break
			sleep 0.1
		done
		echo "$KA_ACK" >&4
	done
	for _ in $(seq 50); do
		[ "$(grep -c 'keep-alive wait-ack -> idle' "$LOG")" -ge 3 ] && break
		sleep 0.1
	done
	run grep -c 'keep-alive wait-ack -> idle' "$LOG"
	[ "$output" -ge 3 ]
	run grep -q 'no keep-alive ack' "$LOG"
	[ "$status" -eq 1 ]
	ask 1 <<<"$HR"
	[[ "${lines[1]}" == *"pes=1 pe1.id=0x12345678"* ]]
}

@test "closing the PE's association removes its PE" {
	start_registrar
	hold_pe
	echo "$REG" >&4
	wait_for_line 'type=registration_response' 5 "$BATS_TEST_TMPDIR/pe.out"
	exec 4>&-
	wait_for_line 'removed PE \$12345678 of pool EchoPool: association gone'
	ask 1 <<<"$HR"
	[[ "${lines[1]}" == *"cause1=0x0009"* ]]
}

@test "a registration life expiry removes the PE" {
	start_registrar
	hold_pe
	echo "$REG_SHORT" >&4
	wait_for_line 'registration life expired'
	ask 1 <<<"$HR"
	[[ "${lines[1]}" == *"cause1=0x0009"* ]]
}

@test "-maxbadpereports reports make the registrar ask the PE: one that answers stays, one that does not goes" {
	start_registrar -maxbadpereports=2 -endpointkeepalivetransmissioninterval=60000 \
	    -endpointkeepalivetimeoutinterval=800
	hold_pe
	echo "$REG" >&4
	wait_for_line 'type=registration_response' 5 "$BATS_TEST_TMPDIR/pe.out"
	ask 1 -timeout=300 <<<"$EU
$EU"
	wait_for_line 'PE \$12345678 of pool EchoPool: 2 unreachability reports, asking it'
	wait_for_line 'type=endpoint_keep_alive ' 5 "$BATS_TEST_TMPDIR/pe.out"
	echo "$KA_ACK" >&4
	wait_for_line 'PE \$12345678 answered: its unreachability reports are dismissed'
	sleep 1
	ask 1 <<<"$HR"
	[[ "${lines[1]}" == *"pe1.id=0x12345678"* ]]
	# reported again, and this time silent: removed
	ask 1 -timeout=300 <<<"$EU
$EU"
	wait_for_line 'no keep-alive ack in 800 ms'
	wait_for_line 'removed PE \$12345678 of pool EchoPool: keep-alive timeout'
	ask 1 <<<"$HR"
	[[ "${lines[1]}" == *"cause1=0x0009"* ]]
}

@test "-maxhrrate: excess handle resolutions are refused with 0x0009" {
	start_registrar -maxhrrate=1
	hold_pe
	echo "$REG" >&4
	wait_for_line 'type=registration_response' 5 "$BATS_TEST_TMPDIR/pe.out"
	ask 2 <<<"$HR
$HR"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == *"pes=1 pe1.id=0x12345678"* ]]
	[[ "${lines[2]}" == *"cause1=0x0009"* ]]
}

@test "-maxhresitems and the HR option choose how many PEs come back" {
	local pe
	start_registrar -maxhresitems=2
	hold_pe
	for pe in 11111111 22222222 33333333; do
		echo "${REG/12 34 56 78/${pe:0:2} ${pe:2:2} ${pe:4:2} ${pe:6:2}}" >&4
	done
	wait_for_line 'registered PE \$33333333'
	ask 1 <<<"$HR"
	[[ "${lines[1]}" == *" pes=2 "* ]]
	# Items=5 in the option: all three.
	ask 1 <<<"05 00 00 18 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 80 3f 00 08 00 00 00 05"
	[[ "${lines[1]}" == *" pes=3 "* ]]
}

@test "SIGTERM shuts the registrar down cleanly" {
	start_registrar
	local st=0
	kill -TERM "$RPID"
	wait "$RPID" || st=$?
	RPID=
	[ "$st" -eq 0 ]
	grep -q 'shutting down' "$LOG"
}

@test "registrar: configuration errors exit 1 before any socket, usage errors 2" {
	# A value the configuration cannot use: exit 1, said on stderr.  A
	# free port proves no socket was opened: -asap would bind it.
	run "$RSP" registrar -identifier=0
	[ "$status" -eq 1 ]
	[[ "$output" == *"configuration error: -identifier=0"* ]]
	run "$RSP" registrar -minaddressscope=planet
	[ "$status" -eq 1 ]
	run "$RSP" registrar -asap=1.2.3.4:99999
	[ "$status" -eq 1 ]
	run "$RSP" registrar -asap=127.0.0.1:0 -asapannounce=nowhere -loglevel=5
	[ "$status" -eq 1 ]
	[[ "$output" != *"listening"* ]]
	# Out of range or unknown: a usage error, exit 2.
	run "$RSP" registrar -maxhresitems=129
	[ "$status" -eq 2 ]
	run "$RSP" registrar -nosuchoption
	[ "$status" -eq 2 ]
}

# Announces: only inside a network namespace of our own, whose lo
# carries 239.0.0.0/8, so nothing leaves the machine.
@test "server announces go to the group from the ASAP port (network namespace)" {
	command -v ip >/dev/null || skip "no ip(8)"
	command -v python3 >/dev/null || skip "no python3 to receive multicast"
	local ns="rspreg$$"
	ip netns add "$ns" 2>/dev/null ||
	    skip "ip netns add not permitted here (needs CAP_SYS_ADMIN)"
	ip -n "$ns" link set lo up multicast on
	ip -n "$ns" route add 239.0.0.0/8 dev lo src 127.0.0.1
	ip netns exec "$ns" python3 -c '
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("239.0.0.50", 3863))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
    struct.pack("4s4s", socket.inet_aton("239.0.0.50"), socket.inet_aton("127.0.0.1")))
s.settimeout(5)
for _ in range(2):
    d, a = s.recvfrom(65535)
    print("from=%s:%d hex=%s" % (a[0], a[1], d.hex()))
sys.stdout.flush()
' >"$BATS_TEST_TMPDIR/mc.out" 2>&1 &
	CPID=$!
	sleep 0.5
	ip netns exec "$ns" "$RSP" registrar -transport=tcp \
	    -asap=127.0.0.1:3863 -asapannounce=auto -identifier=0x1234abcd \
	    -serverannouncecycle=200 -minaddressscope=loopback -loglevel=5 \
	    >"$LOG" 2>&1 &
	RPID=$!
	wait "$CPID" || true
	CPID=
	kill "$RPID"
	wait "$RPID" || true
	RPID=
	ip netns del "$ns"
	cat "$BATS_TEST_TMPDIR/mc.out"
	grep -q 'server announces to 239.0.0.50:3863 every 200 ms, TTL 30' "$LOG"
	# 0a, length 0x18, server ID, TCP transport: port 3863, 127.0.0.1
	run grep -c '^from=127.0.0.1:3863 hex=0a0000181234abcd000500100f170000000100087f000001$' \
	    "$BATS_TEST_TMPDIR/mc.out"
	[ "$output" -eq 2 ]
}
