#!/usr/bin/env bats
# RSPLIB interop smoke test: RSPLIB 3.4.4's own registrar, echo PE and
# terminal talk SCTP to each other while dumpcap records the loopback.
# Proves the SCTP test guest is fit for the RSPLIB interop matrix.
# Runs inside the guest only: make check-interop (tests/interop/run.sh), which
# then judges the capture on the host (tests/interop/pcap-verdict.sh).
#
# RSP_INTEROP_OUT: where the capture and the logs go (default build/vm/interop,
# on the shared filesystem, so the host can read them afterwards).

load interop

REG_ASAP=127.0.0.1:3863
REG_ENRP=127.0.0.1:9901

# Starts CMD... in the background with its output in LOG; the PID goes to
# the variable named VAR and to $OUT/VAR.pid (teardown_file kills it).
start() {
	local var=$1 log=$2
	shift 2
	"$@" >"$log" 2>&1 </dev/null 3>&- &
	printf -v "$var" '%s' "$!"
	echo "$!" >"$OUT/$var.pid"
	export "${var?}"
}

hsdump_has_echopool() {
	timeout 20 hsdump "$REG_ENRP" >"$OUT/hsdump.txt" 2>&1 </dev/null 3>&- &&
		grep -q 'Pool "EchoPool"' "$OUT/hsdump.txt"
}

setup_file() {
	if [ ! -d /proc/sys/net/sctp ]; then
		echo "# no kernel SCTP here: run this through 'make check-interop' (the SCTP test guest)" >&3
		return 1
	fi
	local p
	for p in rspregistrar rspserver rspterminal hsdump dumpcap; do
		if ! command -v "$p" >/dev/null; then
			echo "# $p missing: make check-interop installs rsplib-registrar rsplib-services rsplib-tools tshark on the host" >&3
			return 1
		fi
	done
	export OUT=${RSP_INTEROP_OUT:-$BATS_TEST_DIRNAME/../../build/vm/interop}
	mkdir -p "$OUT"
	rm -f "$OUT"/*.pid "$OUT"/*.log "$OUT/rsplib-smoke.pcapng" "$OUT/hsdump.txt"
	export PCAP=$OUT/rsplib-smoke.pcapng

	# Capture first, and wait until dumpcap says it captures.
	start DUMPCAP_PID "$OUT/dumpcap.log" dumpcap -q -i lo -f sctp -w "$PCAP"
	wait_for 60 grep -q 'Capturing on' "$OUT/dumpcap.log" || {
		echo "# dumpcap did not start:" >&3
		sed 's/^/#   /' "$OUT/dumpcap.log" >&3
		return 1
	}

	start REG_PID "$OUT/rspregistrar.log" rspregistrar -logcolor=off -loglevel=3 \
		-minaddressscope=loopback \
		-asap="$REG_ASAP,192.0.2.1" -enrp="$REG_ENRP,192.0.2.1" \
		-asapannounce=off -enrpannounce=off
	start SRV_PID "$OUT/rspserver.log" rspserver -logcolor=off -loglevel=3 \
		-echo -registrar="$REG_ASAP"
}

teardown_file() {
	local f
	for f in TERM_PID SRV_PID REG_PID DUMPCAP_PID; do
		[ -f "$OUT/$f.pid" ] || continue
		stop "$(cat "$OUT/$f.pid")"
		rm -f "$OUT/$f.pid"
	done
}

@test "RSPLIB echo PE registers: hsdump $REG_ENRP shows EchoPool" {
	if ! wait_for 30 hsdump_has_echopool; then
		cat "$OUT/hsdump.txt" "$OUT/rspregistrar.log" "$OUT/rspserver.log"
		false
	fi
	grep -q '^ *userT: {.*192\.0\.2\.1.*}' "$OUT/hsdump.txt"
}

@test "rspterminal's line comes back from the echo PE" {
	local fifo=$BATS_FILE_TMPDIR/terminal.fifo line="rsp-interop-$$-$RANDOM"
	rm -f "$fifo"
	mkfifo "$fifo" # in the guest's tmpfs: 9p cannot make FIFOs
	# The terminal does not end at end of input: hold the FIFO open on fd 4,
	# and stop the terminal once the answer is there.
	# shellcheck disable=SC2016 # expanded by that bash
	start TERM_PID "$OUT/rspterminal.log" bash -c 'exec rspterminal -logcolor=off \
		-registrar="$1" <"$2"' rspterminal "$REG_ASAP" "$fifo"
	exec 4>"$fifo"
	echo "$line" >&4
	if ! wait_for 30 grep -q "from PE \\\$[0-9a-f]*> $line" "$OUT/rspterminal.log"; then
		exec 4>&-
		cat -v "$OUT/rspterminal.log" "$OUT/rspserver.log"
		false
	fi
	exec 4>&-
	stop "$TERM_PID"
	rm -f "$OUT/TERM_PID.pid"
}

@test "the PE deregisters on SIGTERM: EchoPool leaves the handlespace" {
	stop "$SRV_PID"
	rm -f "$OUT/SRV_PID.pid"
	if ! wait_for 30 eval '! hsdump_has_echopool'; then
		cat "$OUT/hsdump.txt"
		false
	fi
	grep -q 'Handlespace.*(0 Pools' "$OUT/hsdump.txt"
	# Its log is complete now that it has exited.
	grep -q "Echo .* bytes on session" "$OUT/rspserver.log"
}
