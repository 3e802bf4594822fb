#!/usr/bin/env bats
# Interop matrix, first row: our registrar with RSPLIB 3.4.4's echo PE
# (rspserver) and terminal (rspterminal) over kernel SCTP.  Guest only
# (make check-interop, or tests/vm/run-in-guest.sh -e RSP=... bats
# tests/interop/rsp-registrar.bats).
#
# RSP: the rsp binary (default build/san/rsp, then build/rel/rsp).
# RSP_INTEROP_OUT: where the logs go (default build/vm/interop).

load interop

REG_ASAP=127.0.0.1:3863
HR='05 00 00 10 00 09 00 0c 45 63 68 6f 50 6f 6f 6c'

# start VAR LOG CMD...: CMD in the background; its PID in $VAR and
# $OUT/VAR.pid (teardown_file stops it).
start() {
	local var=$1 log=$2
	shift 2
	"$@" >"$log" 2>&1 </dev/null 3>&- &
	printf -v "$var" '%s' "$!"
	echo "$!" >"$OUT/$var.pid"
	export "${var?}"
}

setup_file() {
	interop_need rspserver rspterminal || return 1
	local top
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	export OUT=${RSP_INTEROP_OUT:-$top/build/vm/interop}
	mkdir -p "$OUT"
	rm -f "$OUT"/REG_PID.pid "$OUT"/SRV_PID.pid "$OUT"/TERM_PID.pid \
	    "$OUT"/REG2_PID.pid "$OUT"/SRV2_PID.pid \
	    "$OUT"/rsp-registrar*.log

	start REG_PID "$OUT/rsp-registrar.log" "$RSP" registrar -transport=sctp \
		-asap="$REG_ASAP,192.0.2.1" -minaddressscope=loopback \
		-asapannounce=off -loglevel=7 -logcolor=off \
		-endpointkeepalivetransmissioninterval=500
	wait_for 30 grep -q 'ASAP listening on' "$OUT/rsp-registrar.log" || {
		echo "# our registrar did not start:" >&3
		sed 's/^/#   /' "$OUT/rsp-registrar.log" >&3
		return 1
	}
	start SRV_PID "$OUT/rsp-registrar-rspserver.log" rspserver \
		-logcolor=off -loglevel=3 -echo -registrar="$REG_ASAP"
}

teardown_file() {
	local f
	for f in TERM_PID SRV_PID SRV2_PID REG2_PID REG_PID; do
		[ -f "$OUT/$f.pid" ] || continue
		stop "$(cat "$OUT/$f.pid")"
		rm -f "$OUT/$f.pid"
	done
}

@test "RSPLIB's echo PE registers with rsp registrar" {
	if ! wait_for 60 grep -q 'registered PE \$[0-9a-f]* in pool EchoPool' \
	    "$OUT/rsp-registrar.log"; then
		cat "$OUT/rsp-registrar.log" "$OUT/rsp-registrar-rspserver.log"
		false
	fi
	run timeout 30 "$RSP" asapcat -connect="$REG_ASAP" -transport=sctp \
	    -count=1 -timeout=20000 <<<"$HR"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"type=handle_resolution_response flags=0x00 handle=EchoPool policy="*" pes=1 "* ]]
}

@test "RSPLIB's PE acknowledges our keep-alives" {
	# Every KA-Ack moves the PE back to idle (core/registrar/registrar.c).
	if ! wait_for 60 eval '[ "$(grep -c "keep-alive wait-ack -> idle" "$OUT/rsp-registrar.log")" -ge 3 ]'; then
		cat "$OUT/rsp-registrar.log"
		false
	fi
	run grep -q 'no keep-alive ack' "$OUT/rsp-registrar.log"
	[ "$status" -eq 1 ]
}

@test "rspterminal's line comes back from the echo PE through rsp registrar" {
	local fifo=$BATS_FILE_TMPDIR/terminal.fifo line="rsp-reg-$$-$RANDOM"
	rm -f "$fifo"
	mkfifo "$fifo" # in the guest's tmpfs: 9p cannot make FIFOs
	# shellcheck disable=SC2016 # expanded by that bash
	start TERM_PID "$OUT/rsp-registrar-rspterminal.log" bash -c 'exec rspterminal -logcolor=off \
		-registrar="$1" <"$2"' rspterminal "$REG_ASAP" "$fifo"
	exec 4>"$fifo"
	echo "$line" >&4
	if ! wait_for 60 grep -q "from PE \\\$[0-9a-f]*> $line" "$OUT/rsp-registrar-rspterminal.log"; then
		exec 4>&-
		cat -v "$OUT/rsp-registrar-rspterminal.log" "$OUT/rsp-registrar.log"
		false
	fi
	exec 4>&-
	stop "$TERM_PID"
	rm -f "$OUT/TERM_PID.pid"
}

@test "killing the PE (association lost) removes it from rsp registrar" {
	stop "$SRV_PID" KILL
	rm -f "$OUT/SRV_PID.pid"
	if ! wait_for 60 grep -q 'removed PE \$[0-9a-f]* of pool EchoPool: association gone' \
	    "$OUT/rsp-registrar.log"; then
		cat "$OUT/rsp-registrar.log"
		false
	fi
	run timeout 30 "$RSP" asapcat -connect="$REG_ASAP" -transport=sctp \
	    -count=1 -timeout=20000 <<<"$HR"
	[[ "$output" == *"cause1=0x0009"* ]]
}

# Announces are safe here: the guest has no network interface but lo.
@test "RSPLIB's PE finds rsp registrar by its Server Announces alone" {
	start REG2_PID "$OUT/rsp-registrar-announce.log" "$RSP" registrar \
		-transport=sctp -asap=127.0.0.1,192.0.2.1:3864 \
		-minaddressscope=loopback -asapannounce=auto \
		-serverannouncecycle=500 -loglevel=4 -logcolor=off
	# No -registrar: the PE listens for announces on 239.0.0.50:3863.
	start SRV2_PID "$OUT/rsp-registrar-announce-rspserver.log" rspserver \
		-logcolor=off -loglevel=3 -echo
	if ! wait_for 60 grep -q 'registered PE \$[0-9a-f]* in pool EchoPool' \
	    "$OUT/rsp-registrar-announce.log"; then
		cat "$OUT/rsp-registrar-announce.log" \
		    "$OUT/rsp-registrar-announce-rspserver.log"
		false
	fi
	grep -q 'server announces to 239.0.0.50:3863 every 500 ms' \
	    "$OUT/rsp-registrar-announce.log"
	stop "$SRV2_PID"
	stop "$REG2_PID"
	rm -f "$OUT/SRV2_PID.pid" "$OUT/REG2_PID.pid"
}
