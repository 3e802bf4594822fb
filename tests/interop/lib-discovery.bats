#!/usr/bin/env bats
# The library's registrar discovery against RSPLIB 3.4.4: rspregistrar's
# ASAP Server Announces (server ID only, the registrar's SCTP port as
# the UDP source port) lead rsp server and rsp terminal to it without
# -registrar=, over kernel SCTP.  Guest only (make check-interop, or
# tests/vm/run-in-guest.sh -e RSP=... bats tests/interop/lib-discovery.bats).
# Announces are safe here: the guest has no network interface but lo.
#
# RSP: the rsp binary (default build/san/rsp).
# RSP_INTEROP_OUT: where the logs go (default build/vm/interop).

load interop

REG_ASAP=127.0.0.1:3863
REG_ENRP=127.0.0.1:9901

start() {
	local var=$1 log=$2
	shift 2
	"$@" >"$log" 2>&1 </dev/null 3>&- &
	printf -v "$var" '%s' "$!"
	echo "$!" >"$OUT/$var.pid"
	export "${var?}"
}

setup_file() {
	local p
	if [ ! -d /proc/sys/net/sctp ]; then
		echo "# no kernel SCTP here: run this in the SCTP test guest (tests/vm/README.md)" >&3
		return 1
	fi
	for p in rspregistrar rspserver; do
		command -v "$p" >/dev/null || {
			echo "# $p missing: make check-interop installs rsplib" >&3
			return 1
		}
	done
	export RSP=${RSP:-$BATS_TEST_DIRNAME/../../build/san/rsp}
	export OUT=${RSP_INTEROP_OUT:-$BATS_TEST_DIRNAME/../../build/vm/interop}/lib-discovery
	mkdir -p "$OUT"
	rm -f "$OUT"/*.pid "$OUT"/*.log
	start REG_PID "$OUT/rspregistrar.log" rspregistrar -logcolor=off \
		-loglevel=3 -minaddressscope=loopback \
		-asap="$REG_ASAP,192.0.2.1" -enrp="$REG_ENRP,192.0.2.1" \
		-asapannounce=auto -enrpannounce=off
}

teardown_file() {
	stop_all
}

@test "rsp server finds rspregistrar by its announces and serves rsp terminal" {
	start SRV_PID "$OUT/rsp-server.log" "$RSP" server -transport=sctp \
		-echo -loglevel=4 -logcolor=off -quiet
	if ! wait_for 60 grep -q 'registered in pool EchoPool' \
	    "$OUT/rsp-server.log"; then
		cat "$OUT/rsp-server.log" "$OUT/rspregistrar.log"
		false
	fi
	id=$(sed -n 's/.*PE \$\([0-9a-f]*\) registered in pool.*/\1/p' \
	    "$OUT/rsp-server.log")
	run timeout 60 "$RSP" terminal -transport=sctp -logcolor=off \
	    < <(printf 'via announces\n')
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"from PE \$$id> via announces"* ]]
	stop "$SRV_PID"
	rm -f "$OUT/SRV_PID.pid"
}

@test "rsp terminal reaches RSPLIB's rspserver through the announced rspregistrar" {
	start RSRV_PID "$OUT/rspserver.log" rspserver -logcolor=off \
		-loglevel=3 -echo -registrar="$REG_ASAP"
	sleep 3 # rspserver prints nothing on registration at this level
	run timeout 60 "$RSP" terminal -transport=sctp -logcolor=off \
	    -asapannounce=auto < <(printf 'to rsplib\n')
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"> to rsplib"* ]]
}
