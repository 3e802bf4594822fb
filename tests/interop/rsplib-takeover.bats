#!/usr/bin/env bats
# ENRP interop, the last direction of row 4 of the matrix: RSPLIB 3.4.4's
# rspregistrar takes over rsp server PEs when their home, an rsp
# registrar, is killed.  RSPLIB sends its Endpoint Keep-Alive with the H
# bit to the port each PE registered from (its ASAP transport); an rsp PE
# listens there on its hunt endpoint (kernel SCTP), answers, and takes
# RSPLIB as its new home (docs/library.md, takeover).
#
# RSPLIB completes a takeover only when every other peer acknowledged
# it: a second rsp registrar is that other peer, with the default (slower)
# peer timers so that RSPLIB notices the death first.  Guest only:
#   tests/vm/run-in-guest.sh -e RSP=$PWD/build/san/rsp \
#       bats tests/interop/rsplib-takeover.bats
# RSP: the rsp binary (default build/san/rsp).

load interop

RSPLIB_ASAP=127.0.0.1:3893
RSPLIB_ENRP=127.0.0.1:9931
HOME_ASAP=127.0.0.1:3894
HOME_ENRP=127.0.0.1:9932
ACK_ASAP=127.0.0.1:3895
ACK_ENRP=127.0.0.1:9933
RSPLIB_ID=00006150
HOME_ID=0000bcd1
ACK_ID=0000bcd2
# Peer monitoring: 2 s + 2 s instead of 5 s + 5 s; ENRP endpoints with
# 192.0.2.1 (RSPLIB skips loopback addresses in a Server Information).
FAST="-peermaxtimelastheard=2000 -peermaxtimenoresponse=2000"

# our_registrar NAME ID ASAP ENRP [options]
our_registrar() {
	local name=$1 id=$2 asap=$3 enrp=$4
	shift 4
	# shellcheck disable=SC2086
	start "$name" "$RSP" registrar -transport=sctp -minaddressscope=loopback \
		-asap="$asap,192.0.2.1" -enrp="$enrp,192.0.2.1" \
		-asapannounce=off -enrpannounce=off -identifier=0x$id \
		-loglevel=5 -logcolor=off "$@"
}

# rsp_pe NAME: an rsp echo PE registered at the home registrar.
rsp_pe() {
	start "$1" "$RSP" server -echo -transport=sctp -registrar="$HOME_ASAP" \
		-local=192.0.2.1:0 -loglevel=5 -logcolor=off -quiet
	wait_for 60 grep -q 'registered in pool' "$OUT/$1.log"
}

pe_id() {
	sed -n 's/.*PE \$\([0-9a-f]*\) registered in pool.*/\1/p' \
	    "$OUT/$1.log" | head -1
}

# RSPLIB's hsdump of its registrar into $OUT/$1 shows PE $2 with home $3
# (its ownership lines: "- $HOME -> "POOL" / $PE ...").
rsplib_has() {
	timeout 20 hsdump "$RSPLIB_ENRP" >"$OUT/$1" 2>&1 </dev/null 3>&- &&
		grep -qF "\$$3 -> \"EchoPool\" / \$$2" "$OUT/$1"
}

setup_file() {
	if [ ! -d /proc/sys/net/sctp ]; then
		echo "# no kernel SCTP here: run this in the SCTP test guest (tests/vm/README.md)" >&3
		return 1
	fi
	local p
	for p in rspregistrar hsdump; do
		command -v "$p" >/dev/null || {
			echo "# $p missing: apt-get install rsplib-registrar rsplib-tools" >&3
			return 1
		}
	done
	export RSP=${RSP:-$BATS_TEST_DIRNAME/../../build/san/rsp}
	export OUT=${RSP_INTEROP_OUT:-$BATS_TEST_DIRNAME/../../build/vm/interop}/rsplib-takeover
	mkdir -p "$OUT"
	rm -f "$OUT"/*.pid "$OUT"/*.log "$OUT"/*.txt
}

teardown_file() {
	stop_all
}

@test "killing rsp registrar: rspregistrar takes over its rsp server PEs (Keep-Alive H at their ASAP transport)" {
	local a b f
	# shellcheck disable=SC2086
	our_registrar HOME "$HOME_ID" "$HOME_ASAP" "$HOME_ENRP" $FAST
	wait_for 30 grep -q 'normal operation' "$OUT/HOME.log"
	# shellcheck disable=SC2086
	start RSPLIB rspregistrar -logcolor=off -loglevel=3 \
		-minaddressscope=loopback -asap="$RSPLIB_ASAP,192.0.2.1" \
		-enrp="$RSPLIB_ENRP,192.0.2.1" -asapannounce=off \
		-enrpannounce=off -identifier=0x$RSPLIB_ID $FAST \
		-peer="$HOME_ENRP"
	our_registrar ACK "$ACK_ID" "$ACK_ASAP" "$ACK_ENRP" -peer="$HOME_ENRP" \
		-peer="$RSPLIB_ENRP"
	rsp_pe pe1
	rsp_pe pe2
	a=$(pe_id pe1)
	b=$(pe_id pe2)
	for p in "$a" "$b"; do
		if ! wait_for 90 rsplib_has before.txt "$p" "$HOME_ID"; then
			cat "$OUT/before.txt" "$OUT/RSPLIB.log"
			false
		fi
	done
	wait_for 60 grep -q "peer \$$RSPLIB_ID alive" "$OUT/ACK.log"
	# hsdump is a peer too: RSPLIB would wait for its ack until the
	# takeover expires; let the registrars forget it first (2 s + 2 s)
	sleep 6
	f=$(cat "$OUT/HOME.pid")
	kill -KILL "$f"
	wait_for 10 eval "! kill -0 $f 2>/dev/null"
	rm -f "$OUT/HOME.pid"
	if ! wait_for 90 grep -q "Takeover of peer \$$HOME_ID completed" \
	    "$OUT/RSPLIB.log"; then
		cat "$OUT/RSPLIB.log" "$OUT/ACK.log"
		false
	fi
	for p in "$a" "$b"; do
		if ! wait_for 60 rsplib_has after.txt "$p" "$RSPLIB_ID"; then
			cat "$OUT/after.txt" "$OUT/pe1.log" "$OUT/pe2.log"
			false
		fi
	done
	# and stay: they answer RSPLIB's keep-alives (RSPLIB's defaults, 5 s
	# between keep-alives and 5 s for the ack, would have removed a
	# silent PE within 15 s)
	sleep 15
	rsplib_has after2.txt "$a" "$RSPLIB_ID"
	rsplib_has after2.txt "$b" "$RSPLIB_ID"
}
