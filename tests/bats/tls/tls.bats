#!/usr/bin/env bats
# shellcheck disable=SC2153 # PORT, RPID: start_registrar (common.bash)
# TLS on the TCP mapping (issue 19; README.md "TLS"): pool elements and
# pool users reach the registrar's TLS port (-asaptls) with a pre-shared
# key of the key file (-tlskeyfile), the registrar checks each PE's
# pools against its identity's patterns, -tlsonly refuses plain
# registrations.  The TLS build only: make check-tls runs this file
# against build/tls-san/rsp (RSP=...); the default build has no TLS.
# Keys are made fresh here (openssl rand); none is committed.

load ../common
load tls

setup() {
	TR=tcp
	WAIT=10
	ENRP_TIMERS=(-peerheartbeatcycle=300 -peermaxtimelastheard=800
	    -peermaxtimenoresponse=600 -mentordiscoverytimeout=500)
	tls_setup
}

teardown() {
	kill_pids
}

@test "a PE and a pool user with their keys: registration and an echo session over TLS" {
	start_tls_registrar
	start_pe "$TPORT" EchoPool -tlskeyfile="$T/pe.keys"
	wait_for_line 'registered in pool EchoPool' 10 "$T/pe.log"
	grep -q 'TLSv1.3 up in [0-9.]* ms, identity "pe1"' "$T/registrar.log"
	[ "$(pes_in_echopool)" -eq 1 ]
	printf 'hello over tls\n' | timeout 20 "$RSP" terminal -transport=tcp \
	    -registrar=127.0.0.1:"$TPORT" -tlskeyfile="$T/pu.keys" \
	    -loglevel=5 -logcolor=off >"$T/terminal.out" 2>"$T/terminal.log"
	grep -q 'hello over tls' "$T/terminal.out"
	grep -q 'TLSv1.3 up' "$T/terminal.log"
	grep -q 'TLSv1.3 up in [0-9.]* ms, identity "pu1"' "$T/registrar.log"
}

@test "a wrong key or an unknown identity makes no association and no PE" {
	start_tls_registrar
	printf 'pe1 pe %s *\n' "$(openssl rand -hex 32)" >"$T/wrong.keys"
	start_pe "$TPORT" EchoPool -tlskeyfile="$T/wrong.keys"
	wait_for_line 'the client.s key for PSK identity "pe1" is not ours' 10 \
	    "$T/registrar.log"
	wait_for_line 'TLS: the peer refused the handshake' 10 "$T/pe.log"
	printf 'pe9 pe %s *\n' "$KPE" >"$T/unknown.keys"
	start_pe "$TPORT" EchoPool -tlskeyfile="$T/unknown.keys"
	wait_for_line 'PSK identity "pe9" is unknown here' 10 "$T/registrar.log"
	! grep -q 'registrar: assoc [0-9]* up\|registered PE' "$T/registrar.log" || false
	[ "$(pes_in_echopool)" -eq 0 ]
}

@test "a pool outside the identity's patterns is refused with 0x000a and counted" {
	start_tls_registrar -metricsfile="$T/registrar.prom"
	start_pe "$TPORT" OtherPool -tlskeyfile="$T/pe.keys"
	wait_for_line 'registration of PE .* in pool OtherPool: refused by the registrar: .*0x000a' \
	    10 "$T/pe.log"
	grep -q 'identity "pe1" (assoc [0-9]*) may not register in pool OtherPool' \
	    "$T/registrar.log"
	wait_for_line '^rsp_registrar_refusals_total{applet="registrar",cause="security"} [1-9]' 15 \
	    "$T/registrar.prom"
}

@test "plaintext on the TLS port makes no PE; TLS on the plain port neither" {
	start_tls_registrar -tcpheartbeatinterval=200
	start_pe "$TPORT" EchoPool
	wait_for_line 'tcpmap: assoc [0-9]* with 127.0.0.1:[0-9]*: TLS: no handshake within 800 ms' \
	    10 "$T/registrar.log"
	stop_pe
	start_pe "$PORT" EchoPool -tlskeyfile="$T/pe.keys" \
	    -tcpheartbeatinterval=200
	wait_for_line 'TLS: handshake failed' 10 "$T/pe.log"
	! grep -q 'registered PE' "$T/registrar.log" || false
	[ "$(pes_in_echopool)" -eq 0 ]
}

@test "-tlsonly: a plain registration is refused with 0x000a, a TLS one taken" {
	start_tls_registrar -tlsonly
	grep -q 'ASAP over TLS listening on .*; plain registrations refused' \
	    "$T/registrar.log"
	start_pe "$PORT" EchoPool
	wait_for_line 'refused by the registrar: .*0x000a' 10 "$T/pe.log"
	[ "$(pes_in_echopool)" -eq 0 ]
	stop_pe
	start_pe "$TPORT" EchoPool -tlskeyfile="$T/pe.keys"
	wait_for_line 'registered in pool EchoPool' 10 "$T/pe.log"
	[ "$(pes_in_echopool)" -eq 1 ]
}

@test "SIGHUP rereads the key file; a bad one keeps the keys in force" {
	local knew
	start_tls_registrar
	knew=$(openssl rand -hex 32)
	printf 'pe1 pe %s Echo*\npu1 admin\n' "$knew" >"$T/registrar.keys"
	kill -HUP "$RPID"
	wait_for_line "registrar.keys:2: expected IDENTITY ROLE KEY.*keeping the keys loaded before" \
	    10 "$T/registrar.log"
	start_pe "$TPORT" EchoPool -tlskeyfile="$T/pe.keys"
	wait_for_line 'registered in pool EchoPool' 10 "$T/pe.log"
	stop_pe
	printf 'pe1 pe %s Echo*\n' "$knew" >"$T/registrar.keys"
	kill -HUP "$RPID"
	wait_for_line 'keys reloaded (-tlskeyfile .*registrar.keys: 1 identities)' \
	    10 "$T/registrar.log"
	start_pe "$TPORT" EchoPool -tlskeyfile="$T/pe.keys"
	wait_for_line 'key for PSK identity "pe1" is not ours' 10 \
	    "$T/registrar.log"
	printf 'pe1 pe %s *\n' "$knew" >"$T/pe.keys"
	start_pe "$TPORT" EchoPool -tlskeyfile="$T/pe.keys"
	wait_for_line 'registered in pool EchoPool' 10 "$T/pe.log"
}

@test "OpenSSL's s_client completes a PSK handshake with the registrar's TLS port, not with a wrong key" {
	command -v openssl >/dev/null || skip "no openssl"
	start_tls_registrar
	run timeout 10 openssl s_client -connect 127.0.0.1:"$TPORT" \
	    -psk_identity pe1 -psk "$KPE" -tls1_3 \
	    -ciphersuites TLS_AES_128_GCM_SHA256 </dev/null
	[[ "$output" == *"TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256"* ]]
	run timeout 10 openssl s_client -connect 127.0.0.1:"$TPORT" \
	    -psk_identity pe1 -psk "$(openssl rand -hex 32)" -tls1_3 </dev/null
	[[ "$output" == *"alert decrypt error"* ]]
	wait_for_line 'key for PSK identity "pe1" is not ours' 10 \
	    "$T/registrar.log"
}

@test "bad TLS configurations: the key file's line, -tlsonly alone, a bad -asaptls" {
	printf 'pe1 pe %s\n' "$KPE" >"$T/bad.keys"
	run "$RSP" server -echo -transport=tcp -registrar=127.0.0.1:1 \
	    -tlskeyfile="$T/bad.keys"
	[ "$status" -eq 2 ]
	[[ "$output" == *"$T/bad.keys:1: role pe: expected at least one POOL-PATTERN"* ]]
	run "$RSP" terminal -transport=tcp -tlskeyfile="$T/none.keys"
	[ "$status" -eq 2 ]
	[[ "$output" == *"$T/none.keys: No such file or directory"* ]]
	run "$RSP" registrar -transport=tcp -tlskeyfile="$T/bad.keys"
	[ "$status" -eq 1 ]
	[[ "$output" == *"bad.keys:1: role pe"* ]]
	run timeout 10 "$RSP" registrar -transport=tcp -asap=127.0.0.1:0 \
	    -enrp=off -asapannounce=off -tlsonly
	[ "$status" -ne 0 ]
	[[ "$output" == *"-tlsonly needs -tlskeyfile"* ]]
	run timeout 10 "$RSP" registrar -transport=tcp -asap=127.0.0.1:0 \
	    -enrp=off -asapannounce=off -tlskeyfile="$T/registrar.keys" \
	    -asaptls=nonsense:x
	[ "$status" -ne 0 ]
	[[ "$output" == *"-asaptls: "*"nonsense"* ]]
}

@test "every TLS option: --help, --options, the man page and the completion" {
	local a o m n=0
	TOP=$(cd "$BATS_TEST_DIRNAME/../../.." && pwd)
	mkdir "$T/bin"
	ln -s "$(readlink -f "$RSP")" "$T/bin/rsp"
	for a in $("$RSP" --list); do
		m=$TOP/man/rsp-$a.1
		[ -f "$m" ] || m=$TOP/man/rsp-$a.8
		for o in $("$RSP" "$a" --options | cut -f1 | grep -E '^-(tls|asaptls)'); do
			n=$((n + 1))
			"$RSP" "$a" --help | grep -q -- "^  ${o%=}"
			o=${o#-}
			o=${o%=}
			grep -Eq "^\.(Op |It |)Fl $o( |\$)" "$m" ||
			    { echo "$m lacks .Fl $o"; false; }
			PATH="$T/bin:$PATH" run bash -c 'source "$1"; COMP_LINE="rsp $2 -${3:0:5}";
			    COMP_POINT=${#COMP_LINE}; read -r -a COMP_WORDS <<<"$COMP_LINE";
			    COMP_CWORD=2; _rsp; printf "%s\n" "${COMPREPLY[@]}"' _ \
			    "$TOP/completions/rsp.bash" "$a" "$o"
			grep -q -- "^-$o" <<<"$output" ||
			    { echo "no completion of -$o for $a: $output"; false; }
		done
	done
	# -tlskeyfile in every applet with transport options, and the
	# registrar's two
	[ "$n" -ge 11 ]
}

@test "ENRP over TLS: two registrars with the key synchronise, the PE fails over; a third without it cannot join" {
	local kr kadm
	kr=$(openssl rand -hex 32)
	kadm=$(openssl rand -hex 32)
	printf 'registrars registrar %s\npe1 pe %s Echo*\nroot admin %s\n' \
	    "$kr" "$KPE" "$kadm" >"$T/regs.keys"
	start_enrp A "$T/regs.keys" -identifier=0x0000000a
	# no mentor missed for a slow handshake (see tls-sctp.bats)
	start_enrp B "$T/regs.keys" -identifier=0x0000000b \
	    -peer=127.0.0.1:"$A_TENRP" -mentordiscoverytimeout=15000
	grep -q 'mentor is \$0000000a' "$T/B.log"
	# nothing sent while B's handshake was on counts as a failure
	! grep -q 'send PRESENCE on ENRP assoc' "$T/B.log" || false
	grep -q 'TLSv1.3 up in [0-9.]* ms, identity "registrars"' "$T/A.log"
	start_pe "$A_TASAP" EchoPool -tlskeyfile="$T/pe.keys" \
	    -registrar=127.0.0.1:"$B_TASAP"
	wait_for_line 'registered in pool EchoPool' 10 "$T/pe.log"
	# B learnt the PE from A over TLS; an admin identity reads it over
	# TLS too
	wait_dump '1 PoolElements' 127.0.0.1:"$B_ENRP"
	printf 'root admin %s\n' "$kadm" >"$T/admin.keys"
	wait_dump '1 PoolElements' -tlskeyfile="$T/admin.keys" \
	    127.0.0.1:"$B_TENRP"
	# A fails: the PE moves to B, over TLS
	kill -9 "$A_PID"
	wait_for_line 'registered PE .* in pool EchoPool' 20 "$T/B.log"
	# C with another key for "registrars" cannot join B
	printf 'registrars registrar %s\n' "$(openssl rand -hex 32)" \
	    >"$T/c.keys"
	start_enrp C "$T/c.keys" -identifier=0x0000000c \
	    -peer=127.0.0.1:"$B_TENRP"
	wait_for_line 'key for PSK identity "registrars" is not ours' 10 \
	    "$T/B.log"
	! grep -q 'peer \$0000000c' "$T/B.log" || false
}

@test "ENRP over TLS: a pe identity is no peer; -tlsonly refuses a plain peer" {
	local kr
	kr=$(openssl rand -hex 32)
	printf 'registrars registrar %s\npe1 pe %s Echo*\n' "$kr" "$KPE" \
	    >"$T/regs.keys"
	start_enrp A "$T/regs.keys" -identifier=0x0000000a -tlsonly
	# hsdump with a pe identity over TLS: neither registrar nor admin
	run timeout 10 "$RSP" hsdump -transport=tcp -timeout=2000 \
	    -tlskeyfile="$T/pe.keys" 127.0.0.1:"$A_TENRP"
	wait_for_line 'identity "pe1" is neither registrar nor admin: refused' \
	    10 "$T/A.log"
	# a registrar without TLS on the plain ENRP port
	"$RSP" registrar -transport=tcp -asap=127.0.0.1:0 -asapannounce=off \
	    -enrpannounce=off -enrp=127.0.0.1:0 -identifier=0x0000000d \
	    -peer=127.0.0.1:"$A_ENRP" -minaddressscope=loopback -loglevel=5 \
	    -logcolor=off -peerheartbeatcycle=300 -mentordiscoverytimeout=500 \
	    >"$T/D.log" 2>&1 3>&- &
	PIDS="$PIDS $!"
	wait_for_line '-tlsonly: ENRP association [0-9]* without TLS refused' \
	    10 "$T/A.log"
	! grep -q 'peer \$0000000d' "$T/A.log" || false
}

@test "certificates: a pool user checks the registrar's; a failed check hunts the next registrar and says why" {
	local xt
	# X on 127.0.0.2: its certificate names 127.0.0.1 only
	start_cert_registrar_x
	xt=$XT
	start_tls_registrar -tlscert="$T/certs/registrar.pem" \
	    -tlskey="$T/certs/registrar.key"
	start_pe "$TPORT" EchoPool -tlskeyfile="$T/pe.keys"
	wait_for_line 'registered in pool EchoPool' 10 "$T/pe.log"
	# X alone: refused, with the reason
	printf 'never\n' | timeout 30 "$RSP" terminal -transport=tcp \
	    -tlscafile="$T/certs/ca.pem" -registrar=127.0.0.2:"$xt" \
	    -loglevel=5 -logcolor=off >"$T/terminal0.out" 2>"$T/terminal0.log" &
	PIDS="$PIDS $!"
	wait_for_line "with 127.0.0.2:$xt: TLS: the peer's certificate is refused: .*does not match with the expected CN" \
	    10 "$T/terminal0.log"
	# X, then Y: the hunt goes on to Y (the library hunts several
	# registrars at once: Y may also win before X's check fails)
	printf 'checked\n' | timeout 30 "$RSP" terminal -transport=tcp \
	    -tlscafile="$T/certs/ca.pem" -registrar=127.0.0.2:"$xt" \
	    -registrar=127.0.0.1:"$TPORT" -loglevel=5 -logcolor=off \
	    >"$T/terminal.out" 2>"$T/terminal.log"
	grep -q checked "$T/terminal.out"
	grep -q "with 127.0.0.1:$TPORT: TLSv1.3 up" "$T/terminal.log"
	! grep -q never "$T/terminal0.out" || false
	# a CA that signed neither: no registrar, the reason logged
	printf 'never\n' | timeout 30 "$RSP" terminal -transport=tcp \
	    -tlscafile="$T/certs/other-ca.pem" -registrar=127.0.0.1:"$TPORT" \
	    -loglevel=5 -logcolor=off >"$T/terminal2.out" 2>"$T/terminal2.log" &
	PIDS="$PIDS $!"
	wait_for_line 'not correctly signed by the trusted CA' 10 \
	    "$T/terminal2.log"
	! grep -q never "$T/terminal2.out" || false
	# OpenSSL checks the same certificate and address
	run timeout 10 openssl s_client -connect 127.0.0.1:"$TPORT" \
	    -CAfile "$T/certs/ca.pem" -verify_ip 127.0.0.1 \
	    -verify_return_error </dev/null
	[[ "$output" == *"Verify return code: 0 (ok)"* ]]
}

@test "64 TLS associations at once: every handshake and registration goes through" {
	[ -n "${ASAP_BENCH:-}" ] || skip "set ASAP_BENCH (make check-tls does)"
	start_tls_registrar -maxpesperassociation=0 -maxregistrationrate=0 \
	    -maxhrrate=0
	run timeout 60 "$ASAP_BENCH" -transport=tcp \
	    -registrar=127.0.0.1:"$TPORT" -tlskeyfile="$T/pe.keys" -pes=64 \
	    -pool=EchoBench \
	    -assocs=64 -inflight=16 -duration=300
	[ "$status" -eq 0 ]
	[[ "$output" == *"phase=register pes=64 assocs=64"* ]]
	[ "$(grep -c 'TLSv1.3 up in' "$T/registrar.log")" -ge 64 ]
}

@test "a capture on lo: the TLS port carries TLS records only, no pool handle in clear" {
	local cpid pid
	command -v tshark >/dev/null || skip "no tshark"
	start_tls_registrar
	tshark -n -i lo -f "tcp port $TPORT or tcp port $PORT" \
	    -w "$T/lo.pcapng" >"$T/tshark.log" 2>&1 3>&- &
	cpid=$!
	PIDS="$PIDS $cpid"
	for _ in $(seq 50); do
		grep -q 'Capturing on' "$T/tshark.log" && break
		kill -0 "$cpid" 2>/dev/null || skip "cannot capture on lo: $(cat "$T/tshark.log")"
		sleep 0.1
	done
	start_pe "$TPORT" EchoPool -tlskeyfile="$T/pe.keys"
	pid=$PEPID
	wait_for_line 'registered in pool EchoPool' 10 "$T/pe.log"
	printf 'hello\n' | timeout 20 "$RSP" terminal -transport=tcp \
	    -registrar=127.0.0.1:"$TPORT" -tlskeyfile="$T/pu.keys" \
	    >"$T/terminal.out" 2>/dev/null
	grep -q hello "$T/terminal.out"
	# the control: a plain resolution on the plain port, in clear
	[ "$(pes_in_echopool)" -eq 1 ]
	kill "$pid"
	sleep 1
	kill -INT "$cpid"
	wait "$cpid" 2>/dev/null || true
	# 4563686f506f6f6c: "EchoPool"
	run ts -r "$T/lo.pcapng" -Y "tcp.port == $PORT" -T fields -e tcp.payload
	[[ "$output" == *4563686f506f6f6c* ]]
	run ts -r "$T/lo.pcapng" -Y "tcp.port == $TPORT && tcp.len > 0" \
	    -T fields -e tcp.payload
	[ -n "$output" ]
	[[ "$output" != *4563686f506f6f6c* ]]
	# every segment with data is TLS (but loopback's retransmissions)
	run ts -r "$T/lo.pcapng" -d "tcp.port==$TPORT,tls" \
	    -Y "tcp.port == $TPORT && tcp.len > 0 && !tls && !tcp.analysis.retransmission" \
	    -T fields -e frame.number -e _ws.col.Info
	[ -z "$output" ]
	run ts -r "$T/lo.pcapng" -d "tcp.port==$TPORT,tls" \
	    -Y "tls.handshake.type == 1" -T fields -e frame.number
	[ -n "$output" ]
}

# EchoPool, PE $12345678, SCTP port 7 at 127.0.0.1, RR, life 600,000 ms
# (tests/bats/threats.bats), and its deregistration.
REG='01 00 00 38 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0a 00 28 12 34 56 78 00 00 ab cd 00 09 27 c0 00 04 00 10 00 07 00 01 00 01 00 08 7f 00 00 01 00 08 00 08 00 00 00 01'
DEREG='02 00 00 18 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0e 00 08 12 34 56 78'

@test "the PE ID belongs to the TLS identity: the same one takes it over at once, another is refused" {
	start_tls_registrar -endpointkeepalivetransmissioninterval=60000
	printf 'pe2 pe %s *\n' "$(openssl rand -hex 32)" >"$T/pe2.keys"
	printf 'pe2 pe %s Echo*\n' "$(sed -n 's/^pe2 pe \([0-9a-f]*\).*/\1/p' "$T/pe2.keys")" \
	    >>"$T/registrar.keys"
	kill -HUP "$RPID"
	wait_for_line 'keys reloaded' 10 "$T/registrar.log"
	# the first association of pe1 holds PE $12345678
	mkfifo "$T/pe.in"
	"$RSP" asapcat -connect=127.0.0.1:"$TPORT" -transport=tcp \
	    -tlskeyfile="$T/pe.keys" -timeout=60000 <"$T/pe.in" \
	    >"$T/hold.out" 2>&1 3>&- &
	PIDS="$PIDS $!"
	exec 4>"$T/pe.in"
	echo "$REG" >&4
	wait_for_line 'type=registration_response flags=0x00' 10 "$T/hold.out"
	# another identity: 0x0004, and its deregistration 0x000a
	run timeout 10 "$RSP" asapcat -connect=127.0.0.1:"$TPORT" \
	    -transport=tcp -tlskeyfile="$T/pe2.keys" -count=2 -timeout=3000 \
	    <<<"$REG
$DEREG"
	[[ "$output" == *"type=registration_response flags=0x01"*"cause1=0x0004"* ]]
	[[ "$output" == *"type=deregistration_response"*"cause1=0x000a"* ]]
	# the same identity on a new association while the first still
	# lives: taken at once, then deregistered by it
	run timeout 10 "$RSP" asapcat -connect=127.0.0.1:"$TPORT" \
	    -transport=tcp -tlskeyfile="$T/pe.keys" -count=2 -timeout=3000 \
	    <<<"$REG
$DEREG"
	[[ "$output" == *"type=registration_response flags=0x00"* ]]
	[[ "$output" == *"type=deregistration_response flags=0x00"* ]]
	grep -q 're-registered PE \$12345678' "$T/registrar.log"
	[ "$(pes_in_echopool)" -eq 0 ]
	kill -0 "${PIDS##* }" # the first association's holder still runs
	exec 4>&-
}

@test "SIGHUP at a PE rereads its key file; a bad one is logged and changes nothing" {
	start_tls_registrar
	start_pe "$TPORT" EchoPool -tlskeyfile="$T/pe.keys"
	wait_for_line 'registered in pool EchoPool' 10 "$T/pe.log"
	kill -HUP "$PEPID"
	wait_for_line 'keys reloaded (-tlskeyfile .*pe.keys: 1 identities)' 10 \
	    "$T/pe.log"
	echo 'pe1 pe nothex *' >"$T/pe.keys"
	kill -HUP "$PEPID"
	wait_for_line 'pe.keys:1: key: expected 32 to 128 hex digits.*keeping the keys loaded before' \
	    10 "$T/pe.log"
	kill -0 "$PEPID"
	[ "$(pes_in_echopool)" -eq 1 ]
}

@test "SIGHUP at a pool user rereads its key file: its next association uses the new key" {
	start_tls_registrar
	"$RSP" server -pingpong -poolhandle=EchoPingPong -transport=tcp -registrar=127.0.0.1:"$TPORT" \
	    -tlskeyfile="$T/pe.keys" -loglevel=5 -logcolor=off \
	    >"$T/pe.log" 2>&1 3>&- &
	PIDS="$PIDS $!"
	wait_for_line 'registered in pool EchoPingPong' 10 "$T/pe.log"
	good=$(cat "$T/pu.keys")
	printf 'pu1 pu %s\n' "$(openssl rand -hex 16)" >"$T/pu.keys"
	"$RSP" pingpongclient -transport=tcp -registrar=127.0.0.1:"$TPORT" \
	    -poolhandle=EchoPingPong -tlskeyfile="$T/pu.keys" -interval=100 -loglevel=5 -logcolor=off \
	    >"$T/pu.out" 2>"$T/pu.log" 3>&- &
	PUPID=$!
	PIDS="$PIDS $PUPID"
	# The wrong key: refused, and the pool user hunts on.
	wait_for_line 'key for PSK identity "pu1" is not ours' 15 \
	    "$T/registrar.log"
	run grep -q '^Ack #' "$T/pu.out"
	[ "$status" -ne 0 ]
	echo 'pu1 pu nothex' >"$T/pu.keys"
	kill -HUP "$PUPID"
	wait_for_line 'pu.keys:1: key: expected 32 to 128 hex digits.*keeping the keys loaded before' \
	    10 "$T/pu.log"
	echo "$good" >"$T/pu.keys"
	kill -HUP "$PUPID"
	wait_for_line 'keys reloaded (-tlskeyfile .*pu.keys: 1 identities)' 10 \
	    "$T/pu.log"
	wait_for_line '^Ack #1 from PE' 30 "$T/pu.out"
	grep -q 'TLSv1.3 up in [0-9.]* ms, identity "pu1"' "$T/registrar.log"
	kill -0 "$PUPID"
}

@test "-tlsservername: a registrar's certificate is checked for that name instead of its address" {
	local xt xp
	# On 127.0.0.2, which its certificate does not name (registrar.test
	# and 127.0.0.1 only); the PE registers on the plain port.
	start_cert_registrar_x
	xt=$XT xp=$XP
	"$RSP" server -echo -transport=tcp -registrar=127.0.0.2:"$xp" \
	    -loglevel=5 -logcolor=off >"$T/pe.log" 2>&1 3>&- &
	PIDS="$PIDS $!"
	wait_for_line 'registered in pool EchoPool' 10 "$T/pe.log"
	printf 'by name\n' | timeout 30 "$RSP" terminal -transport=tcp \
	    -tlscafile="$T/certs/ca.pem" -tlsservername=registrar.test \
	    -registrar=127.0.0.2:"$xt" -loglevel=5 -logcolor=off \
	    >"$T/terminal.out" 2>"$T/terminal.log"
	grep -q 'by name' "$T/terminal.out"
	grep -q "with 127.0.0.2:$xt: TLSv1.3 up" "$T/terminal.log"
	# Another name: refused with the reason, as an address would be
	printf 'never\n' | timeout 30 "$RSP" terminal -transport=tcp \
	    -tlscafile="$T/certs/ca.pem" -tlsservername=other.test \
	    -registrar=127.0.0.2:"$xt" -loglevel=5 -logcolor=off \
	    >"$T/terminal2.out" 2>"$T/terminal2.log" &
	PIDS="$PIDS $!"
	wait_for_line "with 127.0.0.2:$xt: TLS: the peer's certificate is refused: .*does not match with the expected CN" \
	    10 "$T/terminal2.log"
	! grep -q never "$T/terminal2.out" || false
	# A name to check needs a CA to check with
	run "$RSP" terminal -transport=tcp -tlsservername=registrar.test \
	    -registrar=127.0.0.2:"$xt"
	[ "$status" -eq 2 ]
	[[ "$output" == *"-tlsservername=registrar.test: checks a certificate, so it needs -tlscafile"* ]]
}
