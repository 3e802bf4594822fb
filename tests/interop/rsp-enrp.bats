#!/usr/bin/env bats
# ENRP interop: our registrar and RSPLIB 3.4.4's rspregistrar as static
# peers over kernel SCTP.  An RSPLIB echo PE registered at one is
# visible in the other's handlespace (Handle Update, Handle Table),
# read with our hsdump and RSPLIB's, with the same checksum.  Guest only:
#   tests/vm/run-in-guest.sh -e RSP=$PWD/build/san/rsp bats tests/interop/rsp-enrp.bats
# RSP: the rsp binary (default build/san/rsp).

RSPLIB_ASAP=127.0.0.1:3863
RSPLIB_ENRP=127.0.0.1:9901
OUR_ASAP=127.0.0.1:3864
OUR_ENRP=127.0.0.1:9902

# wait_for SECONDS CMD...: polls CMD every 0.2 s until it succeeds.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.2
	done
}

# stop PID: SIGTERM, up to 5 s to exit, then SIGKILL.
stop() {
	local pid=$1
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	wait_for 5 eval "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" 2>/dev/null || true
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
	rm -f "$OUT"/*.pid "$OUT"/*.log "$OUT"/*.txt
	start RSPLIB_PID "$OUT/rspregistrar.log" rspregistrar -logcolor=off \
		-loglevel=3 -minaddressscope=loopback -asap="$RSPLIB_ASAP" \
		-enrp="$RSPLIB_ENRP" -asapannounce=off -enrpannounce=off \
		-peer="$OUR_ENRP"
	start OUR_PID "$OUT/rsp-registrar.log" "$RSP" registrar \
		-transport=sctp -minaddressscope=loopback -asap="$OUR_ASAP" \
		-enrp="$OUR_ENRP" -asapannounce=off -peer="$RSPLIB_ENRP" \
		-loglevel=5 -logcolor=off
	wait_for 30 grep -q 'normal operation' "$OUT/rsp-registrar.log" || {
		echo "# our registrar did not start:" >&3
		sed 's/^/#   /' "$OUT/rsp-registrar.log" >&3
		return 1
	}
}

teardown_file() {
	local f
	for f in "$OUT"/*.pid; do
		[ -f "$f" ] || continue
		stop "$(cat "$f")"
		rm -f "$f"
	done
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
