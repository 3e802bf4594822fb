#!/usr/bin/env bats
# rsp hsdump against RSPLIB 3.4.4's own registrar over kernel SCTP, its
# output compared with RSPLIB's hsdump.  The registrar sends at most one
# PE per Handle Table Response (-maxelementsperhtrequest=1), so three
# echo PEs need M=1 continuations.
# Runs inside the SCTP test guest only:
#   tests/vm/run-in-guest.sh -e RSP=$PWD/build/san/rsp bats tests/interop/hsdump.bats
# (or make check-interop).  RSP: the rsp binary (default build/san/rsp).

load interop

REG_ASAP=127.0.0.1:3863
REG_ENRP=127.0.0.1:9901

# start NAME LOG CMD...: CMD in the background, its PID in $OUT/NAME.pid.
start() {
	local name=$1 log=$2
	shift 2
	"$@" >"$log" 2>&1 </dev/null 3>&- &
	echo "$!" >"$OUT/$name.pid"
}

# RSPLIB's hsdump shows N PEs (its final "(N Pools, M PoolElements" line).
rsplib_has_pes() {
	timeout 20 hsdump "$REG_ENRP" >"$OUT/hsdump-rsplib.txt" 2>&1 </dev/null 3>&- &&
		grep -q "Handlespace.*($2 Pools, $1 PoolElements" "$OUT/hsdump-rsplib.txt"
}

start_server() {
	start "SRV$1_PID" "$OUT/rspserver$1.log" rspserver -logcolor=off \
		-loglevel=2 -echo -registrar="$REG_ASAP"
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
	"$RSP" hsdump --help >/dev/null 2>&1 || {
		echo "# $RSP has no hsdump applet: make VARIANT=san first" >&3
		return 1
	}
	export OUT=${RSP_INTEROP_OUT:-$BATS_TEST_DIRNAME/../../build/vm/interop}/hsdump
	mkdir -p "$OUT"
	rm -f "$OUT"/*.pid "$OUT"/*.log "$OUT"/*.txt
	start REG_PID "$OUT/rspregistrar.log" rspregistrar -logcolor=off \
		-loglevel=3 -minaddressscope=loopback \
		-asap="$REG_ASAP,192.0.2.1" -enrp="$REG_ENRP,192.0.2.1" \
		-asapannounce=off -enrpannounce=off -maxelementsperhtrequest=1
	start_server 1
}

teardown_file() {
	stop_all
}

# The PE IDs RSPLIB's hsdump printed (its Index section), sorted.
rsplib_pes() {
	grep -o '^   - idx:#[0-9]*: \$[0-9a-f]\{8\} flags=' "$OUT/hsdump-rsplib.txt" |
		sed 's/.*\$\(.*\) flags=/0x\1/' | sort
}

# RSPLIB's hsdump prints its handlespace checksum in host byte order
# (little-endian here): $0000f2cb is 0xcbf2 on the wire and in ours.
rsplib_checksum() {
	sed -n 's/^-- Checksums: Handlespace=\$0000\(..\)\(..\),.*/0x\2\1/p' \
		"$OUT/hsdump-rsplib.txt"
}

@test "rsp hsdump -f kv over SCTP shows RSPLIB's echo PE, as RSPLIB's hsdump does" {
	if ! wait_for 60 rsplib_has_pes 1 1; then
		cat "$OUT/hsdump-rsplib.txt" "$OUT/rspregistrar.log" "$OUT/rspserver1.log"
		false
	fi
	run timeout 30 "$RSP" hsdump -transport=sctp -timeout=10000 "$REG_ENRP" -f kv
	echo "$output" >"$OUT/hsdump-rsp-1.txt"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q '^pool=EchoPool pe=0x[0-9a-f]\{8\} home=0x[0-9a-f]\{8\} .*transport=sctp:[0-9]*/.*192\.0\.2\.1' <<<"$output"
	[ "$(grep -c '^pool=' <<<"$output")" -eq 1 ]
	# Same PE ID as RSPLIB's hsdump printed.
	[ "$(sed -n 's/^pool=EchoPool pe=\(0x[0-9a-f]*\) .*/\1/p' <<<"$output")" = "$(rsplib_pes)" ]
	# Home and life as RSPLIB's hsdump printed them.
	local home life
	home=$(sed -n 's/^pool=EchoPool .* home=0x\([0-9a-f]*\) .*/\1/p' <<<"$output")
	life=$(sed -n 's/^pool=EchoPool .* life=\([0-9]*\) .*/\1/p' <<<"$output")
	grep -q "home=\\\$$home life=${life}ms" "$OUT/hsdump-rsplib.txt"
	# The registrar is the PE's home; our checksum over its PEs is the
	# one it announces (its Presence), so the summary names it.
	grep -q "^registrar=0x$home pools=1 pes=1 owners=1 responses=[0-9]* checksum=$(rsplib_checksum)\( \|$\)" <<<"$output"
}

@test "rsp hsdump follows M=1: three PEs, one per response, match RSPLIB's hsdump" {
	start_server 2
	start_server 3
	if ! wait_for 90 rsplib_has_pes 3 1; then
		cat "$OUT/hsdump-rsplib.txt" "$OUT"/rspserver*.log
		false
	fi
	run timeout 30 "$RSP" hsdump -transport=sctp -timeout=10000 -f=kv "$REG_ENRP"
	echo "$output" >"$OUT/hsdump-rsp-3.txt"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^pool=EchoPool ' <<<"$output")" -eq 3 ]
	grep -q '^registrar=0x[0-9a-f]* pools=1 pes=3 owners=1 responses=[3-9]' <<<"$output"
	[ "$(sed -n 's/^pool=EchoPool pe=\(0x[0-9a-f]*\) .*/\1/p' <<<"$output" | sort)" = "$(rsplib_pes)" ]
	# The handlespace checksum over the three PEs is RSPLIB's.
	[ -n "$(rsplib_checksum)" ]
	grep -q " checksum=$(rsplib_checksum)\( \|\$\)" <<<"$(grep '^registrar=' <<<"$output")"
}

@test "rsp hsdump text and json against RSPLIB's registrar" {
	local t0=$SECONDS
	run timeout 30 "$RSP" hsdump -transport=sctp -timeout=10000 "$REG_ENRP"
	echo "$output" >"$OUT/hsdump-rsp-text.txt"
	echo "# took $((SECONDS - t0)) s" >&3
	[ "$status" -eq 0 ]
	# Done once the table is out: not waiting out -timeout.
	[ $((SECONDS - t0)) -lt 8 ]
	# RSPLIB's pool line, word for word.
	grep -qF "$(grep -m1 '^ +-- Pool "EchoPool"' "$OUT/hsdump-rsplib.txt")" <<<"$output"
	grep -q '^ *userT: {.*192\.0\.2\.1.*}' <<<"$output"
	if command -v python3 >/dev/null; then
		run timeout 30 "$RSP" hsdump -transport=sctp -timeout=10000 -f json "$REG_ENRP"
		[ "$status" -eq 0 ]
		python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["pe_count"] == 3' <<<"$output"
	fi
}
