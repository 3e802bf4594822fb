#!/usr/bin/env bats
# rsp hsdump against a scripted registrar over the TCP mapping: the fake
# registrar is tests/unit/test_hsdump.c run as "test_hsdump -serve
# SCENARIO" (port 0, printed; one "got ..." line per ENRP message it
# receives).  The real RSPLIB registrar is in tests/interop/hsdump.bats.

setup() {
	: "${RSP:?set RSP to the rsp binary}"
	ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	FAKEBIN="${RSP_TESTBIN:-$ROOT/build/san/tests}/test_hsdump"
	[ -x "$FAKEBIN" ] || skip "no $FAKEBIN (make unit builds it)"
	FOUT="$BATS_TEST_TMPDIR/fake.out"
	FPID=
}

teardown() {
	if [ -n "$FPID" ]; then
		kill "$FPID" 2>/dev/null || true
		wait "$FPID" 2>/dev/null || true
	fi
}

# Start the fake registrar with scenario $1; sets FPID and PORT.
start_fake() {
	"$FAKEBIN" -serve "$1" tcp >"$FOUT" 2>&1 3>&- &
	FPID=$!
	for _ in $(seq 50); do
		grep -q '^port=' "$FOUT" && break
		sleep 0.1
	done
	PORT=$(sed -n 's/^port=\([0-9]*\) .*/\1/p' "$FOUT")
	[ -n "$PORT" ]
}

# Wait at most 5 s for a line matching $1 in the fake's output.
wait_fake() {
	for _ in $(seq 50); do
		grep -q -- "$1" "$FOUT" && return 0
		sleep 0.1
	done
	cat "$FOUT" >&2
	return 1
}

hsdump() {
	run timeout 20 "$RSP" hsdump -transport=tcp "$@"
}

@test "hsdump -f kv: RSPLIB's EchoPool response, one PE per line" {
	start_fake ok
	hsdump -f kv -identifier=0x1234abcd 127.0.0.1:"$PORT"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	[ "${lines[0]}" = "peer=0x53373994 enrp=sctp:9901/127.0.0.1/data" ]
	[ "${lines[1]}" = "pool=EchoPool pe=0xff34cfbd home=0x53373994 life=90000 policy=RoundRobin transport=sctp:43698/192.0.2.1/data+control asap=sctp:37858/127.0.0.1,::1,192.0.2.1/data" ]
	# 0xc35e is what the RSPLIB registrar sent in its own Presence.
	[ "${lines[2]}" = "owner=0x53373994 pes=1 checksum=0xc35e" ]
	[ "${lines[3]}" = "registrar=0x53373994 pools=1 pes=1 owners=1 responses=1 checksum=0xc35e peers=1" ]
}

@test "hsdump sends Presence, List Request, HT Request W=0, as RSPLIB's hsdump" {
	start_fake ok
	hsdump -f=kv -identifier=0x1234abcd 127.0.0.1:"$PORT"
	[ "$status" -eq 0 ]
	wait_fake '^event='
	run grep '^got ' "$FOUT"
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[0]}" = "got ppid=12 type=PRESENCE flags=0x00 sender=0x1234abcd receiver=0x00000000 checksum=0xffff server=0x1234abcd addrs=1" ]
	[ "${lines[1]}" = "got ppid=12 type=LIST_REQUEST flags=0x00 sender=0x1234abcd receiver=0x00000000" ]
	[ "${lines[2]}" = "got ppid=12 type=HANDLE_TABLE_REQUEST flags=0x00 sender=0x1234abcd receiver=0x00000000" ]
	# The table printed, hsdump shuts the association down gracefully.
	grep -q '^event=shutdown' "$FOUT"
}

@test "hsdump follows M=1: 300 PEs in three responses" {
	start_fake more
	hsdump -f kv 127.0.0.1:"$PORT"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^pool=BigPool ' <<<"$output")" -eq 300 ]
	[ "${lines[0]}" = "pool=BigPool pe=0x00000001 home=0x53373994 life=30000 policy=RoundRobin transport=sctp:7/10.1.1.1/data+control asap=sctp:40000/10.1.1.1/data" ]
	[ "${lines[299]%% *}" = "pool=BigPool" ]
	[[ "${lines[299]}" == *" pe=0x0000012c "* ]]
	[ "${lines[-1]}" = "registrar=0x53373994 pools=1 pes=300 owners=1 responses=3 checksum=0x42f9" ]
	wait_fake '^event='
	[ "$(grep -c 'type=HANDLE_TABLE_REQUEST flags=0x00' "$FOUT")" -eq 3 ]
}

@test "hsdump text output is RSPLIB-like" {
	start_fake ok
	hsdump 127.0.0.1:"$PORT"
	[ "$status" -eq 0 ]
	[[ "$output" == *'Handlespace[registrar=$53373994]: (1 Pools, 1 PoolElements)'* ]]
	[[ "$output" == *' +-- Pool "EchoPool", Policy "RoundRobin", Protocol SCTP, CtrlCh=yes: (1 nodes)'* ]]
	grep -q '^   - idx:#0001: \$ff34cfbd$' <<<"$output"
	grep -q '^     chsum=\$0000c35e home=\$53373994 life=90000ms$' <<<"$output"
	# The line rsplib-smoke.bats greps in RSPLIB's own hsdump output.
	grep -q '^ *userT: {.*192\.0\.2\.1.*}' <<<"$output"
}

@test "hsdump -f json is valid JSON with the pool and PE" {
	command -v python3 >/dev/null || skip "no python3"
	start_fake ok
	hsdump -f json 127.0.0.1:"$PORT"
	[ "$status" -eq 0 ]
	run python3 -c 'import json,sys; d=json.load(sys.stdin); p=d["pools"][0]; print(d["registrar"], d["pe_count"], d["checksum"], p["handle"], p["pes"][0]["id"], p["pes"][0]["transport"]["port"], d["owners"][0]["checksum"])' <<<"$output"
	[ "$status" -eq 0 ]
	[ "$output" = "1396128148 1 50014 EchoPool 4281651133 43698 50014" ]
}

@test "hsdump: R=1 from the registrar is an error, exit 1" {
	start_fake refuse
	hsdump -f kv 127.0.0.1:"$PORT"
	[ "$status" -eq 1 ]
	[[ "$output" == *'refused the handle table request (R=1)'* ]]
	! grep -q '^registrar=' <<<"$output"
}

@test "hsdump: an undecodable response is an error, exit 1" {
	start_fake garbage
	hsdump -f kv 127.0.0.1:"$PORT"
	[ "$status" -eq 1 ]
	[[ "$output" == *'bad ENRP message from the registrar: '*'0x0009'* ]]
}

@test "hsdump: no answer within -timeout, exit 1" {
	start_fake silent
	SECONDS=0
	hsdump -timeout=500 127.0.0.1:"$PORT"
	[ "$status" -eq 1 ]
	[[ "$output" == *'no complete handle table within 500 ms'* ]]
	[ "$SECONDS" -lt 5 ]
}

@test "hsdump: nobody listening, exit 1" {
	start_fake silent
	kill "$FPID"
	wait "$FPID" 2>/dev/null || true
	FPID=
	hsdump -timeout=3000 127.0.0.1:"$PORT"
	[ "$status" -eq 1 ]
	[[ "$output" == *"hsdump: 127.0.0.1:$PORT: "* ]]
}

@test "hsdump usage errors exit 2" {
	run "$RSP" hsdump
	[ "$status" -eq 2 ]
	[[ "$output" == *'give one registrar address'* ]]
	run "$RSP" hsdump 127.0.0.1 127.0.0.2
	[ "$status" -eq 2 ]
	run "$RSP" hsdump -f=yaml 127.0.0.1
	[ "$status" -eq 2 ]
	run "$RSP" hsdump -f xml 127.0.0.1
	[ "$status" -eq 2 ]
	run "$RSP" hsdump -timeout=0 127.0.0.1
	[ "$status" -eq 2 ]
	run "$RSP" hsdump -identifier=0x100000000 127.0.0.1
	[ "$status" -eq 2 ]
	run "$RSP" hsdump not-an-address
	[ "$status" -eq 2 ]
}
