#!/usr/bin/env bats
# Interop: Component Status Protocol both ways, over kernel SCTP for the
# components and UDP for the reports.  RSPLIB 3.4.4's cspmonitor shows
# rsp registrar, rsp server and rsp terminal; rsp cspmonitor shows
# RSPLIB's rspregistrar, rspserver and rspterminal.  dumpcap records the
# reports (UDP 2960) for tshark: tests/interop/run.sh judges
# $OUT/rsp-cspmonitor.pcapng on the host.  Guest only (make
# check-interop, or tests/vm/run-in-guest.sh -e RSP=... bats
# tests/interop/rsp-cspmonitor.bats).
#
# RSP: the rsp binary (default build/san/rsp, then build/rel/rsp).
# RSP_INTEROP_OUT: where the capture goes (default build/vm/interop); the
# logs go to its subdirectory cspmonitor/.

load interop

RSP_ASAP=127.0.0.1:13863      # rsp registrar
RSPLIB_ASAP=127.0.0.1:23863   # rspregistrar
RSPLIB_ENRP=127.0.0.1:29901
# Both monitors on the CSP port (tshark decodes CSP on UDP 2960 only).
RSPLIB_MON=127.0.0.1:2960     # RSPLIB's cspmonitor: rsp reports here
RSP_MON=127.0.0.2:2960        # rsp cspmonitor: RSPLIB reports here

# start VAR LOG CMD...: CMD in the background; its PID in $VAR and
# $LOGS/VAR.pid (teardown_file stops it).
start() {
	local var=$1 log=$2
	shift 2
	"$@" >"$log" 2>&1 </dev/null 3>&- &
	printf -v "$var" '%s' "$!"
	echo "$!" >"$LOGS/$var.pid"
	export "${var?}"
}

# The last screen of RSPLIB's cspmonitor, without its escape sequences.
rsplib_screen() {
	sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$LOGS/rsplib-cspmonitor.txt" |
	    awk '/Current Component Status/ { s = "" } { s = s $0 "\n" } END { printf "%s", s }'
}

# The last complete table of rsp cspmonitor.
rsp_table() {
	awk 'BEGIN { RS = ""; ORS = "\n" } { t = $0 } END { print t }' \
	    "$LOGS/rsp-cspmonitor.txt"
}

# wait_screen FN SECONDS REGEX: until FN's output matches (grep -E).
wait_screen() {
	local fn=$1 secs=$2 re=$3
	wait_for "$secs" eval "$fn | grep -qE -- '$re'"
}

# A terminal on a FIFO held open by fd 4 (9p cannot make FIFOs: tmpfs).
start_terminal() {
	local var=$1 log=$2 fifo=$3
	shift 3
	rm -f "$fifo"
	mkfifo "$fifo"
	# shellcheck disable=SC2016 # expanded by that bash
	start "$var" "$log" bash -c 'f=$1; shift; exec "$@" <"$f"' term "$fifo" "$@"
}

setup_file() {
	interop_need rspregistrar rspserver rspterminal cspmonitor dumpcap || return 1
	local top
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	export OUT=${RSP_INTEROP_OUT:-$top/build/vm/interop}
	export LOGS=$OUT/cspmonitor
	mkdir -p "$LOGS"
	rm -f "$LOGS"/* "$OUT/rsp-cspmonitor.pcapng"

	start DUMPCAP_PID "$LOGS/dumpcap.txt" dumpcap -q -i lo \
		-f "udp port 2960" -w "$OUT/rsp-cspmonitor.pcapng"
	wait_for 60 grep -q 'Capturing on' "$LOGS/dumpcap.txt" || {
		echo "# dumpcap did not start:" >&3
		sed 's/^/#   /' "$LOGS/dumpcap.txt" >&3
		return 1
	}
	start RMON_PID "$LOGS/rsplib-cspmonitor.txt" cspmonitor \
		-localaddress="$RSPLIB_MON" -full -updateinterval=500
	start MON_PID "$LOGS/rsp-cspmonitor.txt" "$RSP" cspmonitor \
		-localaddress="$RSP_MON" -full -updateinterval=500 -logcolor=off
	wait_for 60 grep -q 'listening on' "$LOGS/rsp-cspmonitor.txt" || {
		echo "# rsp cspmonitor did not start:" >&3
		sed 's/^/#   /' "$LOGS/rsp-cspmonitor.txt" >&3
		return 1
	}

	# Ours, reporting to RSPLIB's monitor.
	start REG_PID "$LOGS/rsp-registrar.txt" "$RSP" registrar -transport=sctp \
		-asap="$RSP_ASAP,192.0.2.1" -minaddressscope=loopback \
		-asapannounce=off -loglevel=4 -logcolor=off \
		-cspserver="$RSPLIB_MON" -cspinterval=500
	wait_for 60 grep -q 'ASAP listening on' "$LOGS/rsp-registrar.txt" || {
		echo "# rsp registrar did not start:" >&3
		sed 's/^/#   /' "$LOGS/rsp-registrar.txt" >&3
		return 1
	}
	start SRV_PID "$LOGS/rsp-server.txt" "$RSP" server -transport=sctp \
		-registrar="$RSP_ASAP" -loglevel=4 -logcolor=off \
		-cspserver="$RSPLIB_MON" -cspinterval=500

	# RSPLIB's, reporting to ours.
	start RREG_PID "$LOGS/rspregistrar.txt" rspregistrar -logcolor=off \
		-loglevel=3 -minaddressscope=loopback \
		-asap="$RSPLIB_ASAP,192.0.2.1" -enrp="$RSPLIB_ENRP,192.0.2.1" \
		-asapannounce=off -enrpannounce=off \
		-cspserver="$RSP_MON" -cspinterval=500
	start RSRV_PID "$LOGS/rspserver.txt" rspserver -logcolor=off -loglevel=3 \
		-echo -registrar="$RSPLIB_ASAP" \
		-cspserver="$RSP_MON" -cspinterval=500
}

teardown_file() {
	local f
	exec 4>&- 5>&- 2>/dev/null || true
	for f in TERM_PID RTERM_PID SRV_PID RSRV_PID REG_PID RREG_PID \
	    MON_PID RMON_PID DUMPCAP_PID; do
		[ -f "$LOGS/$f.pid" ] || continue
		stop "$(cat "$LOGS/$f.pid")"
		rm -f "$LOGS/$f.pid"
	done
}

@test "RSPLIB's cspmonitor shows rsp registrar, server and terminal" {
	local prid peid
	wait_for 60 grep -q 'registered in pool' "$LOGS/rsp-server.txt" || {
		cat "$LOGS/rsp-server.txt" "$LOGS/rsp-registrar.txt"
		false
	}
	prid=$(sed -n 's/.*registrar: \$\([0-9a-f]*\): ASAP listening.*/\1/p' "$LOGS/rsp-registrar.txt")
	peid=$(sed -n 's/.*PE \$\([0-9a-f]*\) registered in pool.*/\1/p' "$LOGS/rsp-server.txt")
	[ -n "$prid" ] && [ -n "$peid" ]
	start_terminal TERM_PID "$LOGS/rsp-terminal.txt" "$BATS_FILE_TMPDIR/t1" \
		"$RSP" terminal -transport=sctp -registrar="$RSP_ASAP" \
		-loglevel=4 -logcolor=off -cspserver="$RSPLIB_MON" -cspinterval=500
	exec 4>"$BATS_FILE_TMPDIR/t1"
	echo "csp-interop-$$" >&4
	wait_for 60 grep -q "from PE" "$LOGS/rsp-terminal.txt" || {
		cat "$LOGS/rsp-terminal.txt"
		false
	}
	if ! wait_screen rsplib_screen 60 "PE \\\$$peid .*A=1 \"1 Session\"" ||
	    ! wait_screen rsplib_screen 60 'PU \$[0-9a-f]{14} .*A=2 "1 Session"'; then
		rsplib_screen
		false
	fi
	run rsplib_screen
	echo "$output"
	[[ "$output" == *"1 PRs"*"1 PEs"*"1 PUs"* ]]
	[[ "$output" == *"PR \$$prid ["*"A=0 \"1[1] PEs in 1 Pool, 0 Peers\""* ]]
	[[ "$output" == *"-> PE \$$peid Data/SCTP"*"duration="* ]]
	[[ "$output" =~ '-> PR $'[0-9a-f]{8}' ASAP/SCTP' ]]
}

@test "RSPLIB's cspmonitor drops rsp terminal after its final report" {
	exec 4>&-
	wait_for 30 eval '! kill -0 $TERM_PID 2>/dev/null' || true
	rm -f "$LOGS/TERM_PID.pid"
	if ! wait_screen rsplib_screen 30 '0 PUs'; then
		rsplib_screen
		false
	fi
}

@test "rsp cspmonitor shows RSPLIB's rspregistrar, rspserver and rspterminal" {
	start_terminal RTERM_PID "$LOGS/rspterminal.txt" "$BATS_FILE_TMPDIR/t2" \
		rspterminal -logcolor=off -registrar="$RSPLIB_ASAP" \
		-cspserver="$RSP_MON" -cspinterval=500
	exec 5>"$BATS_FILE_TMPDIR/t2"
	echo "csp-interop-rsplib-$$" >&5
	wait_for 60 grep -q "from PE" "$LOGS/rspterminal.txt" || {
		cat -v "$LOGS/rspterminal.txt" "$LOGS/rspserver.txt"
		false
	}
	if ! wait_screen rsp_table 60 '1 PRs, 1 PEs, 1 PUs' ||
	    ! wait_screen rsp_table 60 'PU .*A=2' ||
	    ! wait_screen rsp_table 60 'PR .*PEs in 1 Pool'; then
		rsp_table
		cat "$LOGS/rsp-cspmonitor.txt" | tail -40
		false
	fi
	run rsp_table
	echo "$output"
	[[ "$output" =~ 'PR $'[0-9a-f]{8}' ['.*'] U='[0-9:]+' l='[0-9.]+'s A=0 "1[1] PEs in 1 Pool, 0 Peers"' ]]
	[[ "$output" =~ 'PE $'[0-9a-f]{8}' ['.*'A=1 ' ]]
	[[ "$output" =~ '-> PR $'[0-9a-f]{8}' ASAP/SCTP' ]]
	[[ "$output" =~ '-> PE $'[0-9a-f]{8}' Data/SCTP' ]]
	# Nothing RSPLIB sent was dropped.
	exec 5>&-
	stop "$RTERM_PID"
	rm -f "$LOGS/RTERM_PID.pid"
}

@test "rsp cspmonitor drops RSPLIB's rspserver after SIGTERM" {
	stop "$RSRV_PID"
	rm -f "$LOGS/RSRV_PID.pid"
	if ! wait_screen rsp_table 30 '1 PRs, 0 PEs, 0 PUs'; then
		rsp_table
		false
	fi
	stop "$MON_PID" INT
	rm -f "$LOGS/MON_PID.pid"
}
