#!/usr/bin/env bats
# Scripting Service interop over kernel SCTP: RSPLIB 3.4.4's
# scriptingclient against rsp server -scripting, and rsp scriptingclient
# against RSPLIB's rspserver -scripting (with its scriptingcontrol), each
# through RSPLIB's registrar and through rsp registrar.  The work package
# is a tar.gz with a tiny ssrun that packs the environment file it got;
# the second run of each pair must find the environment in the PE's
# cache.  Guest only (make check-interop, or
# tests/vm/run-in-guest.sh -e RSP=... bats tests/interop/scripting.bats).
#
# RSP: the rsp binary (default build/san/rsp, then build/rel/rsp).
# RSP_INTEROP_OUT: where the logs go (default build/vm/interop).

load interop

RSPLIB_ASAP=127.0.0.1:3863
RSPLIB_ENRP=127.0.0.1:9901
OUR_ASAP=127.0.0.1:3873
OUR_ENRP=127.0.0.1:9911

# start VAR LOG CMD...: CMD in the background; its PID in $VAR and
# $OUT/VAR.pid (teardown stops it).
start() {
	local var=$1 log=$2
	shift 2
	"$@" >"$log" 2>&1 </dev/null 3>&- &
	printf -v "$var" '%s' "$!"
	echo "$!" >"$OUT/$var.pid"
	export "${var?}"
}

setup_file() {
	interop_need rspregistrar rspserver scriptingclient scriptingcontrol || return 1
	local top
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	export OUT=${RSP_INTEROP_OUT:-$top/build/vm/interop}/scripting
	mkdir -p "$OUT"
	rm -f "$OUT"/*.pid "$OUT"/*.log

	start RSPLIB_REG_PID "$OUT/rspregistrar.log" rspregistrar -logcolor=off \
		-loglevel=3 -minaddressscope=loopback \
		-asap="$RSPLIB_ASAP,192.0.2.1" -enrp="$RSPLIB_ENRP,192.0.2.1" \
		-asapannounce=off -enrpannounce=off
	start OUR_REG_PID "$OUT/rsp-registrar.log" "$RSP" registrar \
		-transport=sctp -minaddressscope=loopback \
		-asap="$OUR_ASAP,192.0.2.1" -enrp="$OUR_ENRP" -asapannounce=off \
		-loglevel=4 -logcolor=off
	wait_for 60 grep -q 'ASAP listening on' "$OUT/rsp-registrar.log" || {
		echo "# our registrar did not start:" >&3
		sed 's/^/#   /' "$OUT/rsp-registrar.log" >&3
		return 1
	}
}

teardown_file() {
	stop_all
}

setup() {
	W=$BATS_TEST_TMPDIR # the guest's tmpfs
	export TMPDIR=$W/tmp
	mkdir -p "$TMPDIR" "$W/pkg"
	printf '#!/bin/sh\ncat "$2" >result.txt\necho "ran on $(hostname)" >>result.txt\ntar czf "$1" result.txt\n' \
		>"$W/pkg/ssrun"
	chmod +x "$W/pkg/ssrun"
	tar czf "$W/job.tar.gz" -C "$W/pkg" ssrun
	echo "environment $BATS_TEST_NUMBER $RANDOM" >"$W/env.txt"
}

teardown() {
	local f
	for f in PE_PID PE2_PID CLIENT_PID CLIENT1_PID CLIENT2_PID; do
		[ -f "$OUT/$f.pid" ] || continue
		stop "$(cat "$OUT/$f.pid")" KILL
		rm -f "$OUT/$f.pid"
	done
}

# Both runs of a pair must return the environment and the second must
# be served from the cache.
check_results() {
	local r
	for r in 1 2; do
		tar xzf "$W/out$r.tar.gz" -O result.txt >"$W/result$r.txt"
		head -n 1 "$W/result$r.txt" | cmp - "$W/env.txt"
		grep -q '^ran on ' "$W/result$r.txt"
	done
}

# rsplib_client NAME REGISTRAR POOL RUN
rsplib_client() {
	timeout 180 scriptingclient -logcolor=off -registrar="$2" \
		-poolhandle="$3" -input="$W/job.tar.gz" -output="$W/out$4.tar.gz" \
		-environment="$W/env.txt" -retrydelay=500 >"$OUT/$1-client$4.log" 2>&1 </dev/null
}

# rsp_client NAME REGISTRAR POOL RUN
rsp_client() {
	timeout 180 "$RSP" scriptingclient -transport=sctp -logcolor=off \
		-registrar="$2" -poolhandle="$3" -input="$W/job.tar.gz" \
		-output="$W/out$4.tar.gz" -environment="$W/env.txt" \
		-retrydelay=500 >"$OUT/$1-client$4.log" 2>&1 </dev/null
}

# RSPLIB's scriptingclient against our PE through REGISTRAR.
rsplib_client_rsp_pe() {
	local name=$1 reg=$2 pool=$3
	start PE_PID "$OUT/$name-pe.log" "$RSP" server -scripting \
		-transport=sctp -registrar="$reg" -poolhandle="$pool" \
		-loglevel=4 -logcolor=off
	wait_for 60 grep -q 'registered in pool' "$OUT/$name-pe.log" ||
		{ cat "$OUT/$name-pe.log"; false; }
	rsplib_client "$name" "$reg" "$pool" 1 ||
		{ cat "$OUT/$name-client1.log" "$OUT/$name-pe.log"; false; }
	grep -q 'needs environment' "$OUT/$name-client1.log"
	rsplib_client "$name" "$reg" "$pool" 2 ||
		{ cat "$OUT/$name-client2.log" "$OUT/$name-pe.log"; false; }
	grep -q 'has cached environment' "$OUT/$name-client2.log"
	grep -q 'cache hit' "$OUT/$name-pe.log"
	check_results
	# Both sessions cleaned up.
	[ -z "$(ls "$TMPDIR" | grep rspSS-Session)" ]
}

# Our scriptingclient against RSPLIB's PE through REGISTRAR.
rsp_client_rsplib_pe() {
	local name=$1 reg=$2 pool=$3
	# RSPLIB's PE runs scriptingcontrol from PATH (or ./).
	start PE_PID "$OUT/$name-pe.log" bash -c 'cd "$1" && exec rspserver \
		-scripting -registrar="$2" -poolhandle="$3" -logcolor=off \
		-loglevel=3' rspserver "$W" "$reg" "$pool"
	rsp_client "$name" "$reg" "$pool" 1 ||
		{ cat "$OUT/$name-client1.log" "$OUT/$name-pe.log"; false; }
	grep -q 'needs environment' "$OUT/$name-client1.log"
	grep -q 'Download completed! Status 0' "$OUT/$name-client1.log"
	rsp_client "$name" "$reg" "$pool" 2 ||
		{ cat "$OUT/$name-client2.log" "$OUT/$name-pe.log"; false; }
	grep -q 'has cached environment' "$OUT/$name-client2.log"
	check_results
}

@test "RSPLIB scriptingclient runs a job on rsp server -scripting (RSPLIB registrar)" {
	rsplib_client_rsp_pe rsplibreg-rsplibpu "$RSPLIB_ASAP" SSPool1
}

@test "RSPLIB scriptingclient runs a job on rsp server -scripting (rsp registrar)" {
	rsplib_client_rsp_pe rspreg-rsplibpu "$OUR_ASAP" SSPool2
}

@test "rsp scriptingclient runs a job on RSPLIB rspserver -scripting (RSPLIB registrar)" {
	rsp_client_rsplib_pe rsplibreg-rsppu "$RSPLIB_ASAP" SSPool3
}

@test "rsp scriptingclient runs a job on RSPLIB rspserver -scripting (rsp registrar)" {
	rsp_client_rsplib_pe rspreg-rsppu "$OUR_ASAP" SSPool4
}

# A mixed pool: rsp server -scripting and RSPLIB's rspserver -scripting
# in POOL at REGISTRAR, each with its own TMPDIR so that the work
# directory tells which PE runs the job.  The job writes its directory to
# $W/started and sleeps; the PE running it is killed with SIGKILL, and
# the client given as CLIENT... must finish on the other PE.
mixed_pool_failover() {
	local name=$1 reg=$2 pool=$3 victim
	shift 3
	mkdir -p "$W/tmp-rsp" "$W/tmp-rsplib"
	printf '#!/bin/sh\npwd >>"%s/started"\nsleep 4\necho "done in $(pwd)" >result.txt\ntar czf "$1" result.txt\n' \
		"$W" >"$W/pkg/ssrun"
	tar czf "$W/job.tar.gz" -C "$W/pkg" ssrun
	start PE_PID "$OUT/$name-rsp-pe.log" env TMPDIR="$W/tmp-rsp" "$RSP" \
		server -scripting -transport=sctp -registrar="$reg" \
		-poolhandle="$pool" -loglevel=4 -logcolor=off
	start PE2_PID "$OUT/$name-rsplib-pe.log" env TMPDIR="$W/tmp-rsplib" \
		rspserver -scripting -registrar="$reg" -poolhandle="$pool" \
		-logcolor=off -loglevel=3
	wait_for 60 grep -q 'registered in pool' "$OUT/$name-rsp-pe.log" ||
		{ cat "$OUT/$name-rsp-pe.log"; false; }
	sleep 3 # RSPLIB's PE logs nothing on registration at this level
	start CLIENT_PID "$OUT/$name-client.log" "$@"
	if ! wait_for 120 test -s "$W/started"; then
		cat "$OUT/$name-client.log" "$OUT/$name-rsp-pe.log" "$OUT/$name-rsplib-pe.log"
		false
	fi
	if grep -q tmp-rsplib/ "$W/started"; then
		victim=$PE2_PID
	else
		victim=$PE_PID
	fi
	echo "# first PE: $(head -n 1 "$W/started")" >&3
	kill -KILL "$victim"
	if ! wait_for 150 eval '! kill -0 $CLIENT_PID 2>/dev/null'; then
		cat "$OUT/$name-client.log"
		false
	fi
	wait "$CLIENT_PID" || { cat "$OUT/$name-client.log"; false; }
	rm -f "$OUT/CLIENT_PID.pid"
	# Finished on the other PE.
	[ "$(wc -l <"$W/started")" -ge 2 ]
	result=$(tar xzf "$W/out.tar.gz" -O result.txt)
	if [ "$victim" = "$PE_PID" ]; then
		[[ "$result" == "done in $W/tmp-rsplib/"* ]]
	else
		[[ "$result" == "done in $W/tmp-rsp/"* ]]
	fi
}

@test "mixed pool, the working PE killed: rsp scriptingclient finishes on the other (RSPLIB registrar)" {
	mixed_pool_failover mixed-rsppu "$RSPLIB_ASAP" SSPool5 \
		"$RSP" scriptingclient -transport=sctp -logcolor=off \
		-registrar="$RSPLIB_ASAP" -poolhandle=SSPool5 \
		-input="$W/job.tar.gz" -output="$W/out.tar.gz" -retrydelay=500
	grep -q 'FAILOVER, trial 2 of 3' "$OUT/mixed-rsppu-client.log"
}

@test "mixed pool, the working PE killed: RSPLIB scriptingclient finishes on the other (rsp registrar)" {
	mixed_pool_failover mixed-rsplibpu "$OUR_ASAP" SSPool6 \
		scriptingclient -logcolor=off -registrar="$OUR_ASAP" \
		-poolhandle=SSPool6 -input="$W/job.tar.gz" \
		-output="$W/out.tar.gz" -retrydelay=500
	grep -q 'Download completed' "$OUT/mixed-rsplibpu-client.log"
}

# A PE at its limit (-ssmaxthreads=1) started by CMD...: client A's slow
# job holds it; client B gets Not Ready, retries on the same PE (the only
# one) and finishes after A.  $1: name, $2: registrar, $3: pool,
# $4: "rsp" or "rsplib" (the clients), then the PE's command.
busy_pe() {
	local name=$1 reg=$2 pool=$3 pu=$4 r
	shift 4
	printf '#!/bin/sh\nsleep 4\necho done >result.txt\ntar czf "$1" result.txt\n' \
		>"$W/pkg/ssrun"
	tar czf "$W/job.tar.gz" -C "$W/pkg" ssrun
	start PE_PID "$OUT/$name-pe.log" "$@"
	sleep 3
	for r in 1 2; do
		if [ "$pu" = rsp ]; then
			set -- "$RSP" scriptingclient -transport=sctp
		else
			set -- scriptingclient
		fi
		start "CLIENT${r}_PID" "$OUT/$name-client$r.log" "$@" \
			-logcolor=off -registrar="$reg" -poolhandle="$pool" \
			-input="$W/job.tar.gz" -output="$W/out$r.tar.gz" \
			-retrydelay=500
		[ "$r" = 2 ] && break
		wait_for 120 grep -q 'is processing' "$OUT/$name-client1.log" ||
			{ cat "$OUT/$name-client1.log" "$OUT/$name-pe.log"; false; }
	done
	for r in 1 2; do
		local pid_var="CLIENT${r}_PID"
		wait "${!pid_var}" || { cat "$OUT/$name-client$r.log"; false; }
		rm -f "$OUT/$pid_var.pid"
		[ "$(tar xzf "$W/out$r.tar.gz" -O result.txt)" = done ]
	done
}

@test "rsp server -scripting at -ssmaxthreads: RSPLIB scriptingclient gets Not Ready and waits its turn" {
	busy_pe busy-rsppe "$RSPLIB_ASAP" SSPool7 rsplib "$RSP" server \
		-scripting -ssmaxthreads=1 -transport=sctp \
		-registrar="$RSPLIB_ASAP" -poolhandle=SSPool7 -loglevel=4 \
		-logcolor=off
	grep -q 'refused: fully loaded' "$OUT/busy-rsppe-pe.log"
	grep -q 'is not ready yet' "$OUT/busy-rsppe-client2.log"
}

@test "RSPLIB rspserver -scripting at -ssmaxthreads: rsp scriptingclient gets Not Ready and waits its turn" {
	busy_pe busy-rsplibpe "$OUR_ASAP" SSPool8 rsp rspserver -scripting \
		-ssmaxthreads=1 -registrar="$OUR_ASAP" -poolhandle=SSPool8 \
		-logcolor=off -loglevel=3
	grep -q 'is not ready: it is full (reason 1)' "$OUT/busy-rsplibpe-client2.log"
}
