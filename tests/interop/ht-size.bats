#!/usr/bin/env bats
# Handle Table Responses of rsp registrar towards RSPLIB 3.4.4's
# rspregistrar over kernel SCTP: ours carry up to
# -maxelementsperhtrequest (128) PEs, several kilobytes, where RSPLIB's own
# stop at 1400 bytes (docs/wire.md 4.4.3); RSPLIB reads ENRP messages of up
# to 64 KiB.  A new rspregistrar learns 300 PEs from ours, its mentor.
# The PEs come from bench/asap_bench (RSP_BENCH, default next to $RSP),
# which holds their registrations while it resolves.  Guest only:
#   tests/vm/run-in-guest.sh -e RSP=$PWD/build/san/rsp \
#       bats tests/interop/ht-size.bats

load interop

OUR_ASAP=127.0.0.1:3896
OUR_ENRP=127.0.0.1:9936
RSPLIB_ASAP=127.0.0.1:3897
RSPLIB_ENRP=127.0.0.1:9937

# RSPLIB's hsdump of its registrar into $OUT/$1 shows $2 PEs.
rsplib_has() {
	timeout 60 hsdump "$RSPLIB_ENRP" >"$OUT/$1" 2>&1 </dev/null 3>&- &&
		grep -q "Handlespace.*(1 Pools, $2 PoolElements" "$OUT/$1"
}

setup_file() {
	if [ ! -d /proc/sys/net/sctp ]; then
		echo "# no kernel SCTP here: run this in the SCTP test guest (tests/vm/README.md)" >&3
		return 1
	fi
	command -v rspregistrar >/dev/null && command -v hsdump >/dev/null || {
		echo "# apt-get install rsplib-registrar rsplib-tools" >&3
		return 1
	}
	export RSP=${RSP:-$BATS_TEST_DIRNAME/../../build/san/rsp}
	export RSP_BENCH=${RSP_BENCH:-$(dirname "$RSP")/bench/asap_bench}
	[ -x "$RSP_BENCH" ] || {
		echo "# $RSP_BENCH missing (make VARIANT=san build/san/bench/asap_bench)" >&3
		return 1
	}
	export OUT=${RSP_INTEROP_OUT:-$BATS_TEST_DIRNAME/../../build/vm/interop}/ht-size
	mkdir -p "$OUT"
	rm -f "$OUT"/*.pid "$OUT"/*.log "$OUT"/*.txt
}

teardown_file() {
	stop_all
}

@test "a new rspregistrar learns 300 PEs from rsp registrar in responses of 128 PEs" {
	start OURREG "$RSP" registrar -transport=sctp -minaddressscope=loopback \
		-asap="$OUR_ASAP,192.0.2.1" -enrp="$OUR_ENRP,192.0.2.1" \
		-asapannounce=off -enrpannounce=off -identifier=0x0000c001 \
		-maxpesperassociation=0 -maxregistrationrate=0 \
		-loglevel=5 -logcolor=off
	wait_for 30 grep -q 'normal operation' "$OUT/OURREG.log"
	start GEN "$RSP_BENCH" -transport=sctp -registrar="$OUR_ASAP" -pes=300 \
		-inflight=1 -duration=600000 -timeout=60000
	if ! wait_for 120 grep -q '^phase=register' "$OUT/GEN.log"; then
		cat "$OUT/GEN.log"
		false
	fi
	start RSPLIBREG rspregistrar -logcolor=off -loglevel=3 \
		-minaddressscope=loopback -asap="$RSPLIB_ASAP,192.0.2.1" \
		-enrp="$RSPLIB_ENRP,192.0.2.1" -asapannounce=off \
		-enrpannounce=off -identifier=0x0000c002 -peer="$OUR_ENRP"
	if ! wait_for 120 rsplib_has rsplib.txt 300; then
		tail -20 "$OUT/rsplib.txt" "$OUT/RSPLIBREG.log"
		false
	fi
	grep -q 'handle table to \$0000c002: 128 PEs, more' "$OUT/OURREG.log"
}
