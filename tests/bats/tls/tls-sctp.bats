#!/usr/bin/env bats
# shellcheck disable=SC2153 # PORT, RPID: start_registrar (common.bash)
# TLS over kernel SCTP (RFC 3436; docs/wire.md 7.6; README.md "ASAP over
# TLS"): the same options as on the TCP mapping, on 3864/sctp
# (asap-sctp-tls) and 9902/sctp (enrp-sctp-tls).  Kernel SCTP only: make
# check-sctp-tls runs this file in the SCTP guest (tests/vm/) against
# the TLS sanitizer build with RSP_BATS_TRANSPORT=sctp; elsewhere every
# test skips.  Keys are made fresh here (openssl rand).

load ../common
load tls

setup() {
	[ "${RSP_BATS_TRANSPORT:-}" = sctp ] ||
	    skip "kernel SCTP only (make check-sctp-tls: in the guest)"
	TR=sctp
	WAIT=20
	ENRP_TIMERS=(-peerheartbeatcycle=500 -peermaxtimelastheard=1500
	    -peermaxtimenoresponse=1000 -mentordiscoverytimeout=800)
	tls_setup
}

teardown() {
	kill_pids
}

@test "TLS/SCTP: a PE registers with its key, a pool user resolves it and echoes; a capture shows TLS records only" {
	local cpid
	start_tls_registrar
	# the capture (the guest's lo): dumpcap when there is one
	if command -v dumpcap >/dev/null; then
		dumpcap -i lo -f sctp -w "$T/lo.pcapng" >"$T/dumpcap.log" 2>&1 3>&- &
		cpid=$!
		PIDS="$PIDS $cpid"
		wait_for_line 'Capturing on' 30 "$T/dumpcap.log"
	fi
	start_pe "$TPORT" EchoPool -tlskeyfile="$T/pe.keys"
	wait_for_line 'registered in pool EchoPool' 20 "$T/pe.log"
	grep -q 'sctp: assoc [0-9]* with 127.0.0.1:[0-9]*: TLSv1.3 up in [0-9.]* ms, identity "pe1"' \
	    "$T/registrar.log"
	grep -q 'sctp: assoc [0-9]* with 127.0.0.1:'"$TPORT"': TLSv1.3 up' "$T/pe.log"
	[ "$(pes_in_echopool)" -eq 1 ]
	printf 'hello over tls/sctp\n' | timeout 30 "$RSP" terminal -transport=sctp \
	    -registrar=127.0.0.1:"$TPORT" -tlskeyfile="$T/pu.keys" \
	    -loglevel=5 -logcolor=off >"$T/terminal.out" 2>"$T/terminal.log"
	grep -q 'hello over tls/sctp' "$T/terminal.out"
	grep -q 'TLSv1.3 up in [0-9.]* ms, identity "pu1"' "$T/registrar.log"
	[ -n "${cpid:-}" ] || skip "no dumpcap: the capture is not checked"
	stop_pe
	sleep 1
	kill -INT "$cpid"
	wait "$cpid" 2>/dev/null || true
	# every DATA chunk on the TLS port is a TLS record with PPID 11;
	# the handshake is there; the pool's name is not in clear (it is on
	# the plain port: the control)
	run ts -r "$T/lo.pcapng" --disable-protocol asap \
	    -d "sctp.port==$TPORT,tls" -Y "sctp.port == $TPORT && sctp.data_payload_proto_id && !tls" \
	    -T fields -e frame.number -e _ws.col.Info
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run ts -r "$T/lo.pcapng" --disable-protocol asap \
	    -d "sctp.port==$TPORT,tls" -Y "sctp.port == $TPORT && tls.handshake.type == 1" \
	    -T fields -e sctp.data_payload_proto_id
	[[ "$output" == 11* ]]
	run ts -r "$T/lo.pcapng" -Y "sctp.port == $TPORT && sctp.data_payload_proto_id" \
	    -T fields -e sctp.data_payload_proto_id
	[ "$(tr ',' '\n' <<<"$output" | sort -u)" = 11 ]
	ts -r "$T/lo.pcapng" -Y "sctp.port == $TPORT" -w "$T/tls.pcapng"
	ts -r "$T/lo.pcapng" -Y "sctp.port == $PORT" -w "$T/plain.pcapng"
	grep -aq EchoPool "$T/plain.pcapng"
	! grep -aq EchoPool "$T/tls.pcapng" || false
}

@test "TLS/SCTP: a wrong key or an unknown identity makes no PE, with the reason on both sides" {
	start_tls_registrar
	printf 'pe1 pe %s *\n' "$(openssl rand -hex 32)" >"$T/wrong.keys"
	start_pe "$TPORT" EchoPool -tlskeyfile="$T/wrong.keys"
	wait_for_line 'sctp: assoc [0-9]* with .*: TLS: the client.s key for PSK identity "pe1" is not ours' \
	    20 "$T/registrar.log"
	wait_for_line 'sctp: assoc [0-9]* with .*: TLS: the peer refused the handshake' 20 "$T/pe.log"
	stop_pe
	printf 'pe9 pe %s *\n' "$KPE" >"$T/unknown.keys"
	start_pe "$TPORT" EchoPool -tlskeyfile="$T/unknown.keys"
	wait_for_line 'PSK identity "pe9" is unknown here' 20 "$T/registrar.log"
	! grep -q 'registered PE' "$T/registrar.log" || false
	[ "$(pes_in_echopool)" -eq 0 ]
}

@test "TLS/SCTP: -tlsonly refuses a plain registration with 0x000a; a pool outside the patterns too; SIGHUP rereads the keys" {
	local knew
	start_tls_registrar -tlsonly
	grep -q 'ASAP over TLS listening on .* (sctp); plain registrations refused' \
	    "$T/registrar.log"
	start_pe "$PORT" EchoPool
	wait_for_line 'refused by the registrar: .*0x000a' 20 "$T/pe.log"
	stop_pe
	start_pe "$TPORT" OtherPool -tlskeyfile="$T/pe.keys"
	wait_for_line 'in pool OtherPool: refused by the registrar: .*0x000a' 20 "$T/pe.log"
	grep -q 'identity "pe1" (assoc [0-9]*) may not register in pool OtherPool' \
	    "$T/registrar.log"
	stop_pe
	[ "$(pes_in_echopool)" -eq 0 ]
	# a new key for pe1: the old one is refused, the new one registers
	knew=$(openssl rand -hex 32)
	printf 'pe1 pe %s Echo*\n' "$knew" >"$T/registrar.keys"
	kill -HUP "$RPID"
	wait_for_line 'keys reloaded (-tlskeyfile .*registrar.keys: 1 identities)' \
	    20 "$T/registrar.log"
	start_pe "$TPORT" EchoPool -tlskeyfile="$T/pe.keys"
	wait_for_line 'key for PSK identity "pe1" is not ours' 20 "$T/registrar.log"
	stop_pe
	printf 'pe1 pe %s *\n' "$knew" >"$T/pe.keys"
	start_pe "$TPORT" EchoPool -tlskeyfile="$T/pe.keys"
	wait_for_line 'registered in pool EchoPool' 20 "$T/pe.log"
	[ "$(pes_in_echopool)" -eq 1 ]
}

@test "TLS/SCTP: a registrar's Presence goes when its handshake ends, not a heartbeat cycle later" {
	printf 'registrars registrar %s\n' "$(openssl rand -hex 32)" >"$T/regs.keys"
	start_enrp A "$T/regs.keys" -identifier=0x0000000a
	# B's first Presence meets the handshake (EAGAIN) and its heartbeat
	# cycle (26-34 s) is past its mentor discovery (15 s): only the
	# Presence sent once the handshake is done finds the mentor
	start_enrp B "$T/regs.keys" -identifier=0x0000000b \
	    -peer=127.0.0.1:"$A_TENRP" -peerheartbeatcycle=30000 \
	    -peermaxtimelastheard=60000 -peermaxtimenoresponse=30000 \
	    -mentordiscoverytimeout=15000
	grep -q 'mentor is \$0000000a' "$T/B.log"
}

@test "TLS/SCTP: two registrars with the key synchronise over ENRP and take over the PE; a third without it cannot join" {
	local kr kadm
	kr=$(openssl rand -hex 32)
	kadm=$(openssl rand -hex 32)
	printf 'registrars registrar %s\npe1 pe %s Echo*\nroot admin %s\n' \
	    "$kr" "$KPE" "$kadm" >"$T/regs.keys"
	start_enrp A "$T/regs.keys" -identifier=0x0000000a
	# B's TLS handshake with A may outlast -mentordiscoverytimeout
	# (1.3 s on a loaded CI's guest): B waits longer for its mentor
	start_enrp B "$T/regs.keys" -identifier=0x0000000b \
	    -peer=127.0.0.1:"$A_TENRP" -mentordiscoverytimeout=15000
	wait_for_line 'mentor is \$0000000a' 20 "$T/B.log"
	# nothing sent while B's handshake was on counts as a failure
	! grep -q 'send PRESENCE on ENRP assoc' "$T/B.log" || false
	grep -q 'sctp: assoc [0-9]* with .*: TLSv1.3 up in [0-9.]* ms, identity "registrars"' "$T/A.log"
	start_pe "$A_TASAP" EchoPool -tlskeyfile="$T/pe.keys" \
	    -registrar=127.0.0.1:"$B_TASAP"
	wait_for_line 'registered in pool EchoPool' 20 "$T/pe.log"
	# B learnt the PE from A over TLS; an admin identity reads B over
	# TLS too (hsdump on B's TLS ENRP port)
	wait_dump '1 PoolElements' 127.0.0.1:"$B_ENRP"
	printf 'root admin %s\n' "$kadm" >"$T/admin.keys"
	wait_dump '1 PoolElements' -tlskeyfile="$T/admin.keys" \
	    127.0.0.1:"$B_TENRP"
	# A fails: B takes the PE over, the PE registers with B over TLS
	kill -9 "$A_PID"
	wait_for_line 'registered PE .* in pool EchoPool' 30 "$T/B.log"
	# C with another key for "registrars" cannot join B
	printf 'registrars registrar %s\n' "$(openssl rand -hex 32)" >"$T/c.keys"
	start_enrp C "$T/c.keys" -identifier=0x0000000c \
	    -peer=127.0.0.1:"$B_TENRP"
	wait_for_line 'key for PSK identity "registrars" is not ours' 20 "$T/B.log"
	! grep -q 'peer \$0000000c' "$T/B.log" || false
}

@test "TLS/SCTP certificates: a pool user refuses a wrong certificate, says why and hunts the next registrar" {
	local xt
	# X on 127.0.0.2: its certificate names 127.0.0.1 only
	start_cert_registrar_x
	xt=$XT
	start_tls_registrar -tlscert="$T/certs/registrar.pem" \
	    -tlskey="$T/certs/registrar.key"
	start_pe "$TPORT" EchoPool -tlskeyfile="$T/pe.keys"
	wait_for_line 'registered in pool EchoPool' 20 "$T/pe.log"
	# X, then Y: X's check fails with the reason, the hunt goes on to Y
	printf 'checked\n' | timeout 60 "$RSP" terminal -transport=sctp \
	    -tlscafile="$T/certs/ca.pem" -registrar=127.0.0.2:"$xt" \
	    -registrar=127.0.0.1:"$TPORT" -loglevel=5 -logcolor=off \
	    >"$T/terminal.out" 2>"$T/terminal.log"
	grep -q checked "$T/terminal.out"
	grep -q "sctp: assoc [0-9]* with 127.0.0.1:$TPORT: TLSv1.3 up" "$T/terminal.log"
	# X alone: refused, with the reason
	printf 'never\n' | timeout 60 "$RSP" terminal -transport=sctp \
	    -tlscafile="$T/certs/ca.pem" -registrar=127.0.0.2:"$xt" \
	    -loglevel=5 -logcolor=off >"$T/terminal0.out" 2>"$T/terminal0.log" &
	PIDS="$PIDS $!"
	wait_for_line "with 127.0.0.2:$xt: TLS: the peer's certificate is refused: .*does not match with the expected CN" \
	    20 "$T/terminal0.log"
	# a CA that signed neither: no registrar, the reason logged
	printf 'never\n' | timeout 60 "$RSP" terminal -transport=sctp \
	    -tlscafile="$T/certs/other-ca.pem" -registrar=127.0.0.1:"$TPORT" \
	    -loglevel=5 -logcolor=off >"$T/terminal2.out" 2>"$T/terminal2.log" &
	PIDS="$PIDS $!"
	wait_for_line 'not correctly signed by the trusted CA' 20 "$T/terminal2.log"
	! grep -q never "$T/terminal0.out" "$T/terminal2.out" || false
}

@test "TLS/SCTP: plaintext on the TLS port is aborted as no TLS record; TLS on the plain port gets no handshake" {
	start_tls_registrar
	start_pe "$TPORT" EchoPool
	wait_for_line 'sctp: assoc [0-9]* with .*: TLS: a user message that is not one whole TLS record' \
	    20 "$T/registrar.log"
	stop_pe
	start_pe "$PORT" EchoPool -tlskeyfile="$T/pe.keys"
	# the registrar drops the ClientHello (an unknown ASAP type): the
	# PE's hunt gives the association up, which says why
	wait_for_line 'sctp: assoc [0-9]*: given up during its TLS handshake' \
	    30 "$T/pe.log"
	grep -q 'bad ASAP message on assoc [0-9]*: unknown message type' \
	    "$T/registrar.log"
	! grep -q 'registered PE' "$T/registrar.log" || false
	[ "$(pes_in_echopool)" -eq 0 ]
}

@test "TLS/SCTP: 300 PEs over 16 TLS associations; ENRP over TLS carries their Handle Table across records to a peer and to hsdump" {
	local kr kadm
	[ -n "${ASAP_BENCH:-}" ] || skip "set ASAP_BENCH (make check-sctp-tls does)"
	kr=$(openssl rand -hex 32)
	kadm=$(openssl rand -hex 32)
	printf 'registrars registrar %s\npe1 pe %s Echo*\nroot admin %s\n' \
	    "$kr" "$KPE" "$kadm" >"$T/regs.keys"
	printf 'root admin %s\n' "$kadm" >"$T/admin.keys"
	start_enrp A "$T/regs.keys" -identifier=0x0000000a \
	    -maxpesperassociation=0 -maxregistrationrate=0 -maxhrrate=0
	"$ASAP_BENCH" -transport=sctp -registrar=127.0.0.1:"$A_TASAP" \
	    -tlskeyfile="$T/pe.keys" -pes=300 -assocs=16 -inflight=16 \
	    -pool=EchoBench -hold >"$T/bench.out" 2>"$T/bench.log" 3>&- &
	PIDS="$PIDS $!"
	wait_for_line 'phase=hold pes=300' 60 "$T/bench.out"
	[ "$(grep -c 'TLSv1.3 up in [0-9.]* ms, identity "pe1"' "$T/A.log")" -ge 16 ]
	# a Handle Table of 300 PEs is longer than a record (4096 bytes):
	# the admin's hsdump over TLS, then a peer that joins over TLS
	wait_dump '300 PoolElements' -tlskeyfile="$T/admin.keys" \
	    127.0.0.1:"$A_TENRP"
	# B's TLS handshake with A may outlast -mentordiscoverytimeout
	# (1.3 s on a loaded CI's guest): B waits longer for its mentor
	start_enrp B "$T/regs.keys" -identifier=0x0000000b \
	    -peer=127.0.0.1:"$A_TENRP" -mentordiscoverytimeout=15000
	wait_dump '300 PoolElements' 127.0.0.1:"$B_ENRP"
}
