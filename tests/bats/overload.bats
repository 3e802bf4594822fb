#!/usr/bin/env bats
# A registrar under hostile or excessive input over the TCP mapping on
# 127.0.0.1 (issue 15, "graceful at resource limits", "no
# amplification", "bounded state"): it serves what it can, answers each
# message at most once, logs a bounded number of lines, and never spins.

load common

# EchoPool, PE $12345678, SCTP port 7 at 127.0.0.1, RR, life 30000 ms.
REG='01 00 00 38 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0a 00 28 12 34 56 78 00 00 ab cd 00 00 75 30 00 04 00 10 00 07 00 01 00 01 00 08 7f 00 00 01 00 08 00 08 00 00 00 01'
HR='05 00 00 10 00 09 00 0c 45 63 68 6f 50 6f 6f 6c'

setup() {
	: "${RSP:?set RSP to the rsp binary}"
	T=$BATS_TEST_TMPDIR
	PIDS=
	CONNS=()
}

teardown() {
	local fd
	for fd in "${CONNS[@]}"; do
		exec {fd}>&- 2>/dev/null || true
	done
	kill_pids
}

# CPU time (user + system) of process $1 in clock ticks.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# Open $1 TCP connections to the registrar and keep them (CONNS).
open_conns() {
	local i fd
	for i in $(seq "$1"); do
		exec {fd}<>"/dev/tcp/127.0.0.1/$PORT" || return 1
		CONNS+=("$fd")
	done
}

close_conns() {
	local fd
	for fd in "${CONNS[@]}"; do
		exec {fd}>&-
	done
	CONNS=()
}

# asapcat sends the hex lines of stdin and prints $1 answers.
ask() {
	local n=$1
	shift
	run timeout 10 "$RSP" asapcat -connect=127.0.0.1:"$PORT" \
	    -transport=tcp -count="$n" -timeout=5000 "$@"
}

@test "out of descriptors the registrar pauses accepting, logs once a pause and does not spin" {
	# 32 descriptors: about 20 associations, then EMFILE with 60 more
	# connections waiting in the backlog.
	start_registrar -enrp=off
	prlimit --pid "$RPID" --nofile=32:32
	open_conns 80
	wait_for_line 'not accepting for 1000 ms' 5 "$T/registrar.log"
	t0=$(cpu_ticks "$RPID")
	sleep 3
	t1=$(cpu_ticks "$RPID")
	# A spinning accept() burns 300 ticks in 3 s; pausing, a handful.
	echo "cpu ticks in 3 s: $((t1 - t0))"
	[ $((t1 - t0)) -lt 60 ]
	n=$(grep -c 'tcpmap: accept:' "$T/registrar.log")
	echo "accept lines: $n"
	[ "$n" -le 8 ]
	# Resources back: the registrar serves again.
	close_conns
	sleep 1.5
	ask 1 <<<"$REG"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == *"type=registration_response flags=0x00"* ]]
}

@test "one message with 5,000 skip-and-report parameters brings back one error" {
	start_registrar -enrp=off
	params=$(for _ in $(seq 5000); do printf 'c0 77 00 04 '; done)
	len=$((16 + 4 * 5000))
	msg=$(printf '05 00 %02x %02x 00 09 00 0c 45 63 68 6f 50 6f 6f 6c %s' \
	    $((len >> 8)) $((len & 255)) "$params")
	ask 3 -timeout=2000 <<<"$msg"
	# The error and the resolution response, then silence.
	[ "$(grep -c 'event=msg' <<<"$output")" -eq 2 ]
	grep -q 'type=error' <<<"$output"
	grep -q 'type=handle_resolution_response' <<<"$output"
}

@test "a flood of bad messages costs a few log lines a second, with the count suppressed" {
	start_registrar -enrp=off
	# 300 messages of an unknown type, silently dropped kind (0x0f).
	ask 1 -timeout=1500 < <(for _ in $(seq 300); do echo '0f 00 00 04'; done)
	sleep 1.2
	ask 1 -timeout=500 <<<'0f 00 00 04'
	n=$(grep -c 'bad ASAP message' "$T/registrar.log")
	echo "bad-message lines: $n"
	[ "$n" -le 12 ]
	grep -q 'similar lines suppressed' "$T/registrar.log"
}

@test "-maxassociationspersource=2: a third association from 127.0.0.1 is refused until one goes" {
	start_registrar -enrp=off -maxassociationspersource=2
	open_conns 2
	ask 1 -timeout=2000 <<<"$REG"
	[ "$status" -ne 0 ]
	wait_for_line 'association from 127.0.0.1 refused: -maxassociationspersource=2' 5 "$T/registrar.log"
	close_conns
	sleep 0.5
	ask 1 <<<"$REG"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == *"type=registration_response flags=0x00"* ]]
	run "$RSP" registrar -maxassociationspersource=-1
	[ "$status" -eq 2 ]
	[[ "$output" == *"-maxassociationspersource"*"0..100000000"* ]]
}
