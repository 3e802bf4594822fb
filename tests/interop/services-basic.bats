#!/usr/bin/env bats
# Daytime, Discard, CharGen and Fractal interop with RSPLIB 3.4.4 over
# kernel SCTP, both directions (issue 6, rows 1 and 2 of the matrix):
#  - RSPLIB's rspserver -daytime / -discard / -fractal registered at rsp
#    registrar, used by rsp terminal and rsp fractalpooluser (RSPLIB
#    3.4.4's rspserver -chargen does not start: its CharGen option loop
#    takes "-chargen" itself for an unknown "-chargen..." parameter and
#    exits, see the first test);
#  - rsp server -daytime / -discard / -chargen registered at RSPLIB's
#    rspregistrar, used by RSPLIB's rspterminal.
# Echo, Ping Pong, CalcApp, Scripting and the Fractal service at RSPLIB's
# registrar have files of their own.  Guest only:
#   tests/vm/run-in-guest.sh -e RSP=$PWD/build/san/rsp \
#       bats tests/interop/services-basic.bats
# RSP: the rsp binary (default build/san/rsp).
# RSP_INTEROP_OUT: where the logs go (default build/vm/interop), here in
# its services-basic/ subdirectory.

load interop

bats_require_minimum_version 1.5.0

OUR_ASAP=127.0.0.1:3883
OUR_ENRP=127.0.0.1:9921
RSPLIB_ASAP=127.0.0.1:3884
RSPLIB_ENRP=127.0.0.1:9924
# RSPLIB's Daytime text, as rsp's (tests/bats/server-terminal.bats)
DAYTIME='(Sun|Mon|Tues|Wednes|Thurs|Fri|Satur)day, [0-9]{2}-[A-Z][a-z]+-[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}'

# RSPLIB's rspserver prints "Identifier = $xxxxxxxx" when it registered.
rsplib_pe() { # NAME SERVICE-OPTION [options]
	local name=$1
	shift
	start "$name" stdbuf -oL rspserver "$@" -logcolor=off -loglevel=3 \
	    -registrar="$OUR_ASAP"
	wait_for 60 grep -q 'Identifier *= *\$' "$OUT/$name.log" || {
		show "$OUT/$name.log"
		return 1
	}
}

rsplib_pe_id() {
	sed -n 's/.*Identifier *= *\$\([0-9a-f]*\).*/\1/p' "$OUT/$1.log" | head -1
}

rsp_pe() { # NAME SERVICE-OPTION [options]
	local name=$1
	shift
	start "$name" "$RSP" server "$@" -transport=sctp -quiet -loglevel=4 \
	    -logcolor=off -registrar="$RSPLIB_ASAP"
	wait_for 60 grep -q 'registered in pool' "$OUT/$name.log" || {
		show "$OUT/$name.log"
		return 1
	}
}

rsp_pe_id() {
	sed -n 's/.*PE \$\([0-9a-f]*\) registered in pool.*/\1/p' "$OUT/$1.log"
}

# our_pool_has POOL ID: rsp hsdump of our registrar lists PE ID in POOL.
our_pool_has() {
	"$RSP" hsdump -transport=sctp -format=kv -timeout=10000 "$OUR_ENRP" \
	    >"$OUT/ours.txt" 2>&1 </dev/null 3>&- &&
		grep -q "^pool=$1 .*pe=0x$2" "$OUT/ours.txt"
}

# rsplib_pool_has POOL ID: RSPLIB's hsdump of its registrar shows PE ID
# in POOL.
rsplib_pool_has() {
	timeout 20 hsdump "$RSPLIB_ENRP" >"$OUT/rsplib.txt" 2>&1 </dev/null 3>&- &&
		grep -qF "\"$1\" / \$$2" "$OUT/rsplib.txt" # ownership line
}

setup_file() {
	if [ ! -d /proc/sys/net/sctp ]; then
		echo "# no kernel SCTP here: run this in the SCTP test guest (tests/vm/README.md)" >&3
		return 1
	fi
	local p
	for p in rspregistrar rspserver rspterminal hsdump; do
		command -v "$p" >/dev/null || {
			echo "# $p missing: apt-get install rsplib-registrar rsplib-services rsplib-tools" >&3
			return 1
		}
	done
	export RSP=${RSP:-$BATS_TEST_DIRNAME/../../build/san/rsp}
	export OUT=${RSP_INTEROP_OUT:-$BATS_TEST_DIRNAME/../../build/vm/interop}/services-basic
	mkdir -p "$OUT"
	rm -f "$OUT"/*.pid "$OUT"/*.log "$OUT"/*.txt "$OUT"/*.png
	start OURREG "$RSP" registrar -transport=sctp \
		-asap="$OUR_ASAP,192.0.2.1" -enrp="$OUR_ENRP" \
		-minaddressscope=loopback -asapannounce=off -enrpannounce=off \
		-loglevel=4 -logcolor=off
	start RSPLIBREG rspregistrar -logcolor=off -loglevel=3 \
		-minaddressscope=loopback \
		-asap="$RSPLIB_ASAP,192.0.2.1" -enrp="$RSPLIB_ENRP,192.0.2.1" \
		-asapannounce=off -enrpannounce=off
	wait_for 30 grep -q 'normal operation' "$OUT/OURREG.log" || {
		echo "# our registrar did not start:" >&3
		sed 's/^/#   /' "$OUT/OURREG.log" >&3
		return 1
	}
}

teardown_file() {
	stop_all
}

# After each test: its PEs and clients; the registrars live for the file.
teardown() {
	local f
	for f in "$OUT"/*.pid; do
		[ -f "$f" ] || continue
		case $f in */OURREG.pid | */RSPLIBREG.pid) continue ;; esac
		stop "$(cat "$f")"
		rm -f "$f"
	done
}

@test "RSPLIB's Daytime, Discard and Fractal PEs register at rsp registrar" {
	local s pool
	# RSPLIB 3.4.4's own CharGen PE refuses its service option
	run timeout 20 rspserver -chargen -registrar="$OUR_ASAP"
	[ "$status" -eq 1 ]
	[[ "$output" == *"Unknown Character Generator parameter: -chargen"* ]]
	for s in daytime:DaytimePool discard:DiscardPool \
	    fractal:FractalGeneratorPool; do
		pool=${s#*:}
		rsplib_pe "r-${s%%:*}" "-${s%%:*}"
		if ! wait_for 30 our_pool_has "$pool" "$(rsplib_pe_id "r-${s%%:*}")"; then
			show "$OUT/ours.txt" "$OUT/OURREG.log"
			false
		fi
	done
}

@test "rsp terminal through rsp registrar: RSPLIB's Daytime PE answers with the time and ends the session" {
	rsplib_pe r-daytime -daytime
	run timeout 60 "$RSP" terminal -transport=sctp -registrar="$OUR_ASAP" \
	    -poolhandle=DaytimePool -logcolor=off </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ from\ PE\ \$$(rsplib_pe_id r-daytime)\>\ $DAYTIME ]]
	[[ "$output" == *"closed the session"* ]]
}

@test "rsp terminal through rsp registrar: RSPLIB's Discard PE takes lines, sends nothing" {
	rsplib_pe r-discard -discard
	run timeout 60 "$RSP" terminal -transport=sctp -registrar="$OUR_ASAP" \
	    -poolhandle=DiscardPool -logcolor=off -loglevel=5 \
	    < <(printf 'one\ntwo\n')
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *"from PE"* ]]
	[[ "$output" == *"$(rsplib_pe_id r-discard)"* ]]
}

@test "rsp fractalpooluser through rsp registrar: RSPLIB's Fractal PE computes the image" {
	rsplib_pe r-fractal -fractal
	run timeout 300 "$RSP" fractalpooluser -transport=sctp \
	    -registrar="$OUR_ASAP" -threads=1 -width=120 -height=80 \
	    -output="$OUT/rsplib-pe.png" -logcolor=off
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Image 1: 120x80, 1 session, 0 failovers"* ]]
	[ "$(head -c 8 "$OUT/rsplib-pe.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
}

@test "rsp's Daytime, Discard and CharGen PEs register at RSPLIB's rspregistrar" {
	local s pool
	for s in daytime:DaytimePool discard:DiscardPool chargen:CharGenPool; do
		pool=${s#*:}
		rsp_pe "o-${s%%:*}" "-${s%%:*}"
		if ! wait_for 30 rsplib_pool_has "$pool" "$(rsp_pe_id "o-${s%%:*}")"; then
			show "$OUT/rsplib.txt"
			false
		fi
	done
}

# RSPLIB's rspterminal, its input a FIFO held open (it gives up at end of
# input) with one line in it; stopped once REGEX is in its output or
# after SECONDS.  Its output is the judge.
rsplib_terminal() { # NAME POOL REGEX SECONDS
	local fifo=$BATS_FILE_TMPDIR/$1.fifo
	rm -f "$fifo"
	mkfifo "$fifo" # in the guest's tmpfs: 9p cannot make FIFOs
	# shellcheck disable=SC2016 # expanded by that bash
	start "$1" bash -c 'exec rspterminal -logcolor=off -registrar="$1" \
	    -poolhandle="$2" <"$3"' rspterminal "$RSPLIB_ASAP" "$2" "$fifo"
	exec 4>"$fifo"
	echo "hello" >&4
	wait_for "$4" grep -Eq "$3" "$OUT/$1.log" || true
	exec 4>&-
	stop "$(cat "$OUT/$1.pid")"
	rm -f "$OUT/$1.pid" "$fifo"
}

@test "RSPLIB's rspterminal through rspregistrar: rsp's Daytime PE answers with the time" {
	rsp_pe o-daytime -daytime
	rsplib_terminal t-daytime DaytimePool "$DAYTIME" 30
	show "$OUT/t-daytime.log"
	grep -Eq "$DAYTIME" "$OUT/t-daytime.log"
	grep -q "session .* up" "$OUT/o-daytime.log"
}

@test "RSPLIB's rspterminal through rspregistrar: rsp's CharGen PE streams the pattern" {
	rsp_pe o-chargen -chargen
	rsplib_terminal t-chargen CharGenPool '0123456789:;' 30
	# the first 20 characters of the pattern, in a row
	grep -qF ' !"#$%&'"'"'()*+,-./0123' "$OUT/t-chargen.log" || {
		head -c 2000 "$OUT/t-chargen.log" | cat -v
		false
	}
}
