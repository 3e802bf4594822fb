#!/usr/bin/env bats
# ENRP interop: our registrar and RSPLIB 3.4.4's rspregistrar as static
# peers over kernel SCTP.  An RSPLIB echo PE registered at one is
# visible in the other's handlespace (Handle Update, Handle Table),
# read with our hsdump and RSPLIB's, with the same checksum.  Then each
# takes over the other's PEs when the other is killed (ENRP takeover,
# Keep-Alive with H), and a second pair finds itself by multicast
# Presence on lo (the guest has no NIC).  Guest only:
#   tests/vm/run-in-guest.sh -e RSP=$PWD/build/san/rsp bats tests/interop/rsp-enrp.bats
# RSP: the rsp binary (default build/san/rsp).

load interop

RSPLIB_ASAP=127.0.0.1:3863
RSPLIB_ENRP=127.0.0.1:9901
OUR_ASAP=127.0.0.1:3864
OUR_ENRP=127.0.0.1:9902
RSPLIB_ID=00005150
OUR_ID=0000abcd
# Peer monitoring: 2 s + 2 s instead of 5 s + 5 s (RSPLIB's minimum is 1 s).
# ENRP endpoints include 192.0.2.1: RSPLIB skips loopback addresses in a
# Server Information and refuses a Presence without another one.
FAST="-peermaxtimelastheard=2000 -peermaxtimenoresponse=2000"

# rsplib_registrar LOG [options]: RSPLIB's registrar at RSPLIB_ASAP/ENRP.
rsplib_registrar() {
	local log=$1
	shift
	# shellcheck disable=SC2086
	start RSPLIB_PID "$log" rspregistrar -logcolor=off -loglevel=3 \
		-minaddressscope=loopback -asap="$RSPLIB_ASAP,192.0.2.1" \
		-enrp="$RSPLIB_ENRP,192.0.2.1" -asapannounce=off -enrpannounce=off \
		-identifier=0x$RSPLIB_ID $FAST "$@"
}

# our_registrar LOG [options]: ours at OUR_ASAP/ENRP.
our_registrar() {
	local log=$1
	shift
	# shellcheck disable=SC2086
	start OUR_PID "$log" "$RSP" registrar -transport=sctp \
		-minaddressscope=loopback -asap="$OUR_ASAP,192.0.2.1" \
		-enrp="$OUR_ENRP,192.0.2.1" -asapannounce=off -enrpannounce=off \
		-identifier=0x$OUR_ID $FAST -loglevel=5 -logcolor=off "$@"
	wait_for 30 grep -q 'normal operation' "$log"
}

# kill9 NAME: SIGKILL the process of $OUT/NAME.pid, wait until gone.
kill9() {
	local pid
	pid=$(cat "$OUT/$1.pid")
	kill -KILL "$pid" 2>/dev/null || true
	wait_for 10 eval "! kill -0 $pid 2>/dev/null"
	rm -f "$OUT/$1.pid"
}

# RSPLIB's hsdump of RSPLIB_ENRP into $OUT/$1 shows 2 PEs, both its own
# (its dump lists each PE twice: index and selection order).
rsplib_owns_both() {
	rsplib_dump_has "$RSPLIB_ENRP" "$1" 2 &&
		[ "$(grep -o "chsum=\\\$[0-9a-f]* home=\\\$$RSPLIB_ID" "$OUT/$1" |
			sort -u | wc -l)" -eq 2 ]
}
# start NAME LOG CMD...: CMD in the background, its PID in $OUT/NAME.pid.
start() {
	local name=$1 log=$2
	shift 2
	"$@" >"$log" 2>&1 </dev/null 3>&- &
	echo "$!" >"$OUT/$name.pid"
}

# RSPLIB's hsdump of ENRP endpoint $1 into $OUT/$2 shows $3 PEs.
rsplib_dump_has() {
	timeout 20 hsdump "$1" >"$OUT/$2" 2>&1 </dev/null 3>&- &&
		grep -q "Handlespace.*(1 Pools, $3 PoolElements" "$OUT/$2"
}

# Our hsdump -f kv of ENRP endpoint $1 shows $2 PEs; output in $OUT/$3.
rsp_dump_has() {
	timeout 20 "$RSP" hsdump -transport=sctp -timeout=10000 -f kv "$1" \
	    >"$OUT/$3" 2>&1 </dev/null 3>&- &&
		[ "$(grep -c '^pool=EchoPool ' "$OUT/$3")" -eq "$2" ]
}

# The handlespace checksum line of RSPLIB's hsdump output $1.
rsplib_sum() {
	sed -n 's/^-- Checksums: Handlespace=\(\$[0-9a-f]*\).*/\1/p' "$OUT/$1"
}

setup_file() {
	if [ ! -d /proc/sys/net/sctp ]; then
		echo "# no kernel SCTP here: run this in the SCTP test guest (tests/vm/run-in-guest.sh)" >&3
		return 1
	fi
	local p
	for p in rspregistrar rspserver hsdump; do
		command -v "$p" >/dev/null || {
			echo "# $p missing: apt-get install rsplib-registrar rsplib-services rsplib-tools" >&3
			return 1
		}
	done
	export RSP=${RSP:-$BATS_TEST_DIRNAME/../../build/san/rsp}
	export OUT=${RSP_INTEROP_OUT:-$BATS_TEST_DIRNAME/../../build/vm/interop}/enrp
	mkdir -p "$OUT"
	rm -f "$OUT"/*.pid "$OUT"/*.log "$OUT"/*.txt "$OUT"/rsp-enrp.pcapng
	# Everything on lo, for tshark's verdict on the host
	# (tests/interop/run.sh): SCTP, and the multicast Presences.
	if command -v dumpcap >/dev/null; then
		start DUMPCAP_PID "$OUT/dumpcap.log" dumpcap -q -i lo \
			-f 'sctp or udp port 9901' -w "$OUT/rsp-enrp.pcapng"
		wait_for 60 grep -q 'Capturing on' "$OUT/dumpcap.log" || {
			echo "# dumpcap did not start:" >&3
			sed 's/^/#   /' "$OUT/dumpcap.log" >&3
			return 1
		}
	fi
	rsplib_registrar "$OUT/rspregistrar.log" -peer="$OUR_ENRP"
	our_registrar "$OUT/rsp-registrar.log" -peer="$RSPLIB_ENRP" || {
		echo "# our registrar did not start:" >&3
		sed 's/^/#   /' "$OUT/rsp-registrar.log" >&3
		return 1
	}
}

teardown_file() {
	stop_all
}

@test "rsp registrar and rspregistrar see each other as peers" {
	if ! wait_for 60 grep -q 'peer \$[0-9a-f]* alive' "$OUT/rsp-registrar.log"; then
		cat "$OUT/rsp-registrar.log" "$OUT/rspregistrar.log"
		false
	fi
	run timeout 20 hsdump "$OUR_ENRP"
	echo "$output"
}

@test "a PE registered at rspregistrar is in rsp registrar's handlespace" {
	start SRV1_PID "$OUT/rspserver1.log" rspserver -logcolor=off \
		-loglevel=2 -echo -registrar="$RSPLIB_ASAP"
	if ! wait_for 90 rsp_dump_has "$OUR_ENRP" 1 ours-1.txt; then
		cat "$OUT/ours-1.txt" "$OUT/rsp-registrar.log" "$OUT/rspserver1.log"
		false
	fi
	wait_for 30 rsplib_dump_has "$OUR_ENRP" rsplib-of-ours-1.txt 1
	wait_for 30 rsplib_dump_has "$RSPLIB_ENRP" rsplib-of-rsplib-1.txt 1
	cat "$OUT/rsplib-of-ours-1.txt" "$OUT/rsplib-of-rsplib-1.txt"
	[ -n "$(rsplib_sum rsplib-of-ours-1.txt)" ]
	[ "$(rsplib_sum rsplib-of-ours-1.txt)" = "$(rsplib_sum rsplib-of-rsplib-1.txt)" ]
}

@test "a PE registered at rsp registrar is in rspregistrar's handlespace" {
	start SRV2_PID "$OUT/rspserver2.log" rspserver -logcolor=off \
		-loglevel=2 -echo -registrar="$OUR_ASAP"
	if ! wait_for 90 rsplib_dump_has "$RSPLIB_ENRP" rsplib-of-rsplib-2.txt 2; then
		cat "$OUT/rsplib-of-rsplib-2.txt" "$OUT/rsp-registrar.log" \
		    "$OUT/rspserver2.log" "$OUT/rspregistrar.log"
		false
	fi
	wait_for 30 rsp_dump_has "$RSPLIB_ENRP" 2 rsplib-2.txt
	wait_for 30 rsplib_dump_has "$OUR_ENRP" rsplib-of-ours-2.txt 2
	[ "$(rsplib_sum rsplib-of-ours-2.txt)" = "$(rsplib_sum rsplib-of-rsplib-2.txt)" ]
}

# The PE ID of the one PE with home $1 in our hsdump -f kv output $2.
pe_of() {
	sed -n "s/^pool=EchoPool pe=0x\([0-9a-f]*\) .*home=0x$1.*/\1/p" "$OUT/$2" |
		head -1
}

@test "killing rspregistrar: rsp registrar takes over its PE (Keep-Alive H)" {
	local id
	wait_for 30 rsp_dump_has "$OUR_ENRP" 2 ours-4.txt
	id=$(pe_of "$RSPLIB_ID" ours-4.txt)
	[ -n "$id" ]
	kill9 RSPLIB_PID
	if ! wait_for 60 grep -q "PE \\\$$id accepted us as its home" \
	    "$OUT/rsp-registrar.log"; then
		cat "$OUT/rsp-registrar.log" "$OUT/rspserver1.log"
		false
	fi
	grep -q 'takeover of \$'"$RSPLIB_ID"' completed: 1 PEs' \
	    "$OUT/rsp-registrar.log"
	wait_for 30 rsp_dump_has "$OUR_ENRP" 2 ours-5.txt
	[ "$(pe_of "$OUR_ID" ours-5.txt)" != "" ]
	[ "$(grep -c "home=0x$OUR_ID" "$OUT/ours-5.txt")" -eq 2 ]
	# it stays: the RSPLIB PE answers our keep-alives
	sleep 8
	rsp_dump_has "$OUR_ENRP" 2 ours-6.txt
	[ "$(grep -c "home=0x$OUR_ID" "$OUT/ours-6.txt")" -eq 2 ]
}

# RSPLIB finishes a takeover only on the last Init Takeover Ack: alone
# with the dead peer it waits for none and lets it expire.  A second rsp
# registrar (default, slower timers: it notices later) is the third
# peer that acknowledges.
@test "a new rspregistrar syncs from rsp registrar, then takes over its PEs" {
	rsplib_registrar "$OUT/rspregistrar2.log" -peer="$OUR_ENRP"
	start OUR2_PID "$OUT/rsp-registrar2.log" "$RSP" registrar \
		-transport=sctp -minaddressscope=loopback \
		-asap=127.0.0.1:3865,192.0.2.1 -enrp=127.0.0.1:9903,192.0.2.1 \
		-asapannounce=off -enrpannounce=off -identifier=0xabcf0000 \
		-peer="$OUR_ENRP" -loglevel=5 -logcolor=off
	if ! wait_for 90 rsplib_dump_has "$RSPLIB_ENRP" rsplib-of-rsplib-3.txt 2; then
		cat "$OUT/rsplib-of-rsplib-3.txt" "$OUT/rspregistrar2.log"
		false
	fi
	wait_for 30 rsplib_dump_has "$OUR_ENRP" rsplib-of-ours-3.txt 2
	[ "$(rsplib_sum rsplib-of-ours-3.txt)" = "$(rsplib_sum rsplib-of-rsplib-3.txt)" ]
	wait_for 60 grep -q 'peer \$'"$RSPLIB_ID"' alive' "$OUT/rsp-registrar2.log"
	# hsdump is a peer too; RSPLIB would wait for its ack until the
	# takeover expires: let the registrars forget it first (2 s + 2 s)
	sleep 6
	kill9 OUR_PID
	if ! wait_for 60 grep -q 'Takeover of peer \$'"$OUR_ID"' completed' \
	    "$OUT/rspregistrar2.log"; then
		cat "$OUT/rspregistrar2.log" "$OUT/rsp-registrar2.log"
		false
	fi
	grep -q 'acknowledging \$'"$RSPLIB_ID"'.s takeover of \$'"$OUR_ID" \
	    "$OUT/rsp-registrar2.log"
	if ! wait_for 90 rsplib_owns_both rsplib-4.txt; then
		cat "$OUT/rsplib-4.txt" "$OUT/rspregistrar2.log"
		false
	fi
	cat "$OUT/rsplib-4.txt"
	# they stay: both RSPLIB PEs answer RSPLIB's keep-alives, and the
	# second rsp registrar agrees
	sleep 8
	rsplib_owns_both rsplib-5.txt
	rsp_dump_has 127.0.0.1:9903 2 ours2-5.txt
	[ "$(grep -c "home=0x$RSPLIB_ID" "$OUT/ours2-5.txt")" -eq 2 ]
}

@test "rsp registrar and rspregistrar find each other by multicast Presence" {
	start MC_RSPLIB_PID "$OUT/mc-rspregistrar.log" rspregistrar \
		-logcolor=off -loglevel=3 -minaddressscope=loopback \
		-asap=127.0.0.1:3873,192.0.2.1 -enrp=127.0.0.1:9911,192.0.2.1 \
		-asapannounce=off -enrpannounce=auto -identifier=0x00005151
	start MC_OUR_PID "$OUT/mc-rsp-registrar.log" "$RSP" registrar \
		-transport=sctp -minaddressscope=loopback \
		-asap=127.0.0.1:3874,192.0.2.1 -enrp=127.0.0.1:9912,192.0.2.1 \
		-asapannounce=off -enrpannounce=auto -identifier=0x0000abce \
		-loglevel=5 -logcolor=off
	if ! wait_for 60 grep -q 'peer \$00005151 alive' "$OUT/mc-rsp-registrar.log"; then
		cat "$OUT/mc-rsp-registrar.log" "$OUT/mc-rspregistrar.log"
		false
	fi
	grep -q 'ENRP Presence to and from 239.0.0.51:9901' "$OUT/mc-rsp-registrar.log"
	start MC_SRV_PID "$OUT/mc-rspserver.log" rspserver -logcolor=off \
		-loglevel=2 -echo -registrar=127.0.0.1:3873
	if ! wait_for 90 rsp_dump_has 127.0.0.1:9912 1 mc-ours.txt; then
		cat "$OUT/mc-ours.txt" "$OUT/mc-rsp-registrar.log" "$OUT/mc-rspserver.log"
		false
	fi
	wait_for 30 rsplib_dump_has 127.0.0.1:9911 mc-rsplib-of-rsplib.txt 1
	wait_for 30 rsplib_dump_has 127.0.0.1:9912 mc-rsplib-of-ours.txt 1
	[ "$(rsplib_sum mc-rsplib-of-ours.txt)" = "$(rsplib_sum mc-rsplib-of-rsplib.txt)" ]
	grep -q "home=0x00005151" "$OUT/mc-ours.txt"
}

# An rsp PE registered at rspregistrar: RSPLIB records the port it
# registered from as its ASAP transport; the PE's hunt endpoint listens
# there (over kernel SCTP), so our registrar's Keep-Alive H=1 reaches it
# at its ASAP transport, as it would an RSPLIB PE.
@test "killing rspregistrar: rsp registrar takes over an rsp server PE too" {
	local id
	start MC_RSPSRV_PID "$OUT/mc-rsp-server.log" "$RSP" server \
		-transport=sctp -registrar=127.0.0.1:3873 -local=192.0.2.1:0 \
		-echo -loglevel=4 -logcolor=off -quiet
	if ! wait_for 60 grep -q 'registered in pool' "$OUT/mc-rsp-server.log"; then
		cat "$OUT/mc-rsp-server.log" "$OUT/mc-rspregistrar.log"
		false
	fi
	id=$(sed -n 's/.*PE \$\([0-9a-f]*\) registered in pool.*/\1/p' \
	    "$OUT/mc-rsp-server.log" | head -1)
	wait_for 60 rsp_dump_has 127.0.0.1:9912 2 mc-ours-2.txt
	grep -q "pe=0x$id .*home=0x00005151" "$OUT/mc-ours-2.txt"
	sleep 12 # hsdump peers are forgotten (5 s + 5 s)
	kill9 MC_RSPLIB_PID
	if ! wait_for 60 grep -q "PE \\\$$id accepted us as its home" \
	    "$OUT/mc-rsp-registrar.log"; then
		cat "$OUT/mc-rsp-registrar.log" "$OUT/mc-rsp-server.log"
		false
	fi
	! grep -q "PE \$$id not at its ASAP transport" "$OUT/mc-rsp-registrar.log"
	wait_for 30 rsp_dump_has 127.0.0.1:9912 2 mc-ours-3.txt
	[ "$(grep -c "home=0x0000abce" "$OUT/mc-ours-3.txt")" -eq 2 ]
}
