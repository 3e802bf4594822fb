# shellcheck shell=bash
# What tests/bats/tls/tls.bats (the TCP mapping) and tls-sctp.bats
# (kernel SCTP, RFC 3436) share: keys, a TLS registrar, PEs, ENRP
# registrars, hsdump waits.  TR names the transport (tcp or sctp), WAIT
# the seconds a helper waits for a process's line (slower in the SCTP
# guest's emulation), ENRP_TIMERS the registrars' peer timers.
# shellcheck disable=SC2034 # KPE, KPU, TPORT, PEPID: for the tests
# shellcheck disable=SC2153,SC2154 # PORT: start_registrar; status, output: bats run

HR='05 00 00 10 00 09 00 0c 45 63 68 6f 50 6f 6f 6c'

# The TLS build and fresh keys (openssl rand; none is committed):
# registrar.keys (pe1 for Echo*, pu1), pe.keys, pu.keys in $T.
tls_setup() {
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

# The port a registrar's log ($2) says $1 listens on at 127.0.0.1
# ("ASAP over TLS", "ENRP", "ENRP over TLS").
logged_port() {
	sed -n "s/.*$1 listening on 127\\.0\\.0\\.1:\\([0-9]*\\) ($TR).*/\\1/p" "$2"
}

# A registrar with ASAP over TLS besides the plain port: PORT and TPORT.
start_tls_registrar() {
	start_registrar -tlskeyfile="$T/registrar.keys" -asaptls=127.0.0.1:0 \
	    -enrp=off "$@"
	TPORT=$(logged_port 'ASAP over TLS' "$T/registrar.log")
	[ -n "$TPORT" ]
}

# A PE of pool $2 (EchoPool) on port $1, with the options after; its log
# $T/pe.log.
start_pe() {
	local port=$1 pool=$2
	shift 2
	"$RSP" server -echo -transport="$TR" -registrar=127.0.0.1:"$port" \
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
	run timeout 20 "$RSP" asapcat -connect=127.0.0.1:"$PORT" \
	    -transport="$TR" -count=1 -timeout=5000 <<<"$HR"
	[ "$status" -eq 0 ] || return 1
	grep -o 'pe[0-9]*\.id=' <<<"$output" | wc -l
}

# Registrar NAME with ASAP and ENRP over TLS, keys of file $2: sets
# NAME_TASAP, NAME_ENRP, NAME_TENRP, NAME_PID; log $T/NAME.log.
start_enrp() {
	local name=$1 keys=$2 log="$T/$1.log"
	shift 2
	"$RSP" registrar -transport="$TR" -asap=127.0.0.1:0 \
	    -asaptls=127.0.0.1:0 -asapannounce=off -enrpannounce=off \
	    -enrp=127.0.0.1:0 -enrptls=127.0.0.1:0 -tlskeyfile="$keys" \
	    -minaddressscope=loopback -loglevel=5 -logcolor=off \
	    "${ENRP_TIMERS[@]}" "$@" >"$log" 2>&1 3>&- &
	PIDS="$PIDS $!"
	eval "${name}_PID=$!"
	wait_for_line 'normal operation' "$WAIT" "$log"
	eval "${name}_TASAP=$(logged_port 'ASAP over TLS' "$log")"
	eval "${name}_ENRP=$(logged_port 'ENRP' "$log")"
	eval "${name}_TENRP=$(logged_port 'ENRP over TLS' "$log")"
}

# Wait at most 2 * WAIT s for hsdump (options before the address) to
# print $1.
wait_dump() {
	local want=$1
	shift
	for _ in $(seq $((WAIT * 4))); do
		timeout 10 "$RSP" hsdump -transport="$TR" -timeout=3000 "$@" \
		    2>/dev/null | grep -q -- "$want" && return 0
		sleep 0.5
	done
	timeout 10 "$RSP" hsdump -transport="$TR" -timeout=3000 "$@" >&2
	return 1
}

# tshark without its warning about root on stderr
ts() {
	tshark -n "$@" 2>/dev/null
}

# Registrar X on 127.0.0.2 with the test certificates (made in
# $T/certs), which name registrar.test and 127.0.0.1, not X's address:
# its plain ASAP port XP and its TLS port XT; log $T/x.log.
start_cert_registrar_x() {
	"$BATS_TEST_DIRNAME/../../unit/tls/mkcerts.sh" "$T/certs"
	"$RSP" registrar -transport="$TR" -asap=127.0.0.2:0 -asaptls=127.0.0.2:0 \
	    -asapannounce=off -enrp=off -minaddressscope=loopback -loglevel=5 \
	    -logcolor=off -tlscert="$T/certs/registrar.pem" \
	    -tlskey="$T/certs/registrar.key" >"$T/x.log" 2>&1 3>&- &
	PIDS="$PIDS $!"
	wait_for_line 'ASAP over TLS listening on' "$WAIT" "$T/x.log"
	XT=$(sed -n 's/.*ASAP over TLS listening on 127\.0\.0\.2:\([0-9]*\).*/\1/p' "$T/x.log")
	XP=$(sed -n 's/.*ASAP listening on 127\.0\.0\.2:\([0-9]*\).*/\1/p' "$T/x.log")
	[ -n "$XT" ] && [ -n "$XP" ]
}
