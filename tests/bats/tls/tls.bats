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

HR='05 00 00 10 00 09 00 0c 45 63 68 6f 50 6f 6f 6c'

setup() {
	: "${RSP:?set RSP to the rsp binary of the TLS build}"
	"$RSP" registrar --options | grep -q '^-tlskeyfile=' ||
	    skip "not a TLS build (make TLS=1)"
	T=$BATS_TEST_TMPDIR
	PIDS=
	KPE=$(openssl rand -hex 32)
	KPU=$(openssl rand -hex 16)
	printf '# test keys\npe1 pe %s Echo*\npu1 pu %s\n' "$KPE" "$KPU" \
	    >"$T/registrar.keys"
	printf 'pe1 pe %s *\n' "$KPE" >"$T/pe.keys"
	printf 'pu1 pu %s\n' "$KPU" >"$T/pu.keys"
}

teardown() {
	kill_pids
}

# A registrar with ASAP over TLS besides the plain port: PORT and TPORT.
start_tls_registrar() {
	start_registrar -tlskeyfile="$T/registrar.keys" -asaptls=127.0.0.1:0 \
	    -enrp=off "$@"
	TPORT=$(sed -n 's/.*ASAP over TLS listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
	    "$T/registrar.log")
	[ -n "$TPORT" ]
}

# A PE of pool $2 (EchoPool) on port $1, with the options after; its log
# $T/pe.log.
start_pe() {
	local port=$1 pool=$2
	shift 2
	"$RSP" server -echo -transport=tcp -registrar=127.0.0.1:"$port" \
	    -poolhandle="$pool" -loglevel=5 -logcolor=off "$@" \
	    >"$T/pe.log" 2>&1 3>&- &
	PEPID=$!
	PIDS="$PIDS $PEPID"
}

stop_pe() {
	kill_tree "$PEPID"
	wait "$PEPID" 2>/dev/null || true
}

# How many PEs the registrar gives for EchoPool (asked on the plain port).
pes_in_echopool() {
	run timeout 10 "$RSP" asapcat -connect=127.0.0.1:"$PORT" \
	    -transport=tcp -count=1 -timeout=3000 <<<"$HR"
	[ "$status" -eq 0 ] || return 1
	grep -o 'pe[0-9]*\.id=' <<<"$output" | wc -l
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
	wait_for_line 'registrar.keys reloaded, 1 identities' 10 "$T/registrar.log"
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

@test "bad TLS configurations: the key file's line, -tlsonly alone, SCTP, a bad -asaptls" {
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
	run "$RSP" registrar -transport=sctp -tlskeyfile="$T/registrar.keys"
	[ "$status" -eq 1 ]
	[[ "$output" == *"TLS runs on the TCP mapping (-transport=tcp)"* ]]
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
