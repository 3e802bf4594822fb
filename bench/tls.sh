#!/bin/bash
# TLS against plain on the TCP mapping (issue 19, README.md "ASAP over
# TLS"), on this host, in one run of one registrar that listens on both
# ports (-asap and -asaptls):
#   register    registrations/s of BENCH_TLS_PES PEs over 1 association
#   resolve     handle resolutions/s with 1 and 16 in flight
#   memory      the registrar's VmRSS growth per association, with
#               BENCH_TLS_ASSOCS associations held (asap_bench -hold)
#   handshake   the registrar's "TLSv1.3 up in X ms" (server side,
#               accept to Finished, over loopback): BENCH_TLS_SEQ
#               generator runs one after the other (min/median/max),
#               and the last of the BENCH_TLS_ASSOCS opened at once
# each plain, then over TLS 1.3 with a pre-shared key.  Prints a
# Markdown table for BENCHMARKS.md.
#
#   make bench-tls             (builds build/tls-rel first)
#
# The registrar logs at level 5 (each handshake's time), in both modes.
# Environment: RSP, ASAP_BENCH (binaries of the TLS build, set by make
# bench-tls), BENCH_TLS_PES (10000), BENCH_TLS_ASSOCS (64),
# BENCH_TLS_SEQ (20),
# BENCH_DURATION (ms per resolution phase, 2000).
set -euo pipefail

: "${RSP:?set RSP to the rsp binary of the TLS build}"
: "${ASAP_BENCH:?set ASAP_BENCH to bench/asap_bench of the TLS build}"
PES=${BENCH_TLS_PES:-10000}
ASSOCS=${BENCH_TLS_ASSOCS:-64}
DURATION=${BENCH_DURATION:-2000}
SEQ=${BENCH_TLS_SEQ:-20}
top=$(cd "$(dirname "$0")/.." && pwd)

TMP=$(mktemp -d)
NAME=bench/tls.sh
# shellcheck source=bench/lib.sh
source "$top/bench/lib.sh"
trap 'kill_pids; rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM

rss_kb() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"
}

# rate PHASE-REGEX FILE: the rate= of the generator's line
rate() {
	grep -- "$1" "$2" | tr ' ' '\n' | sed -n 's/^rate=//p'
}

# handshakes FROM-LINE: the "up in" times of the log from that line on
handshakes() {
	tail -n +"$1" "$TMP/registrar.log" | grep -o 'up in [0-9.]* ms' |
	    awk '{ print $3 }' | sort -n
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}

printf 'bench pe %s *\n' "$(openssl rand -hex 32)" >"$TMP/keys"
"$RSP" registrar -transport=tcp -asap=127.0.0.1:0 -asaptls=127.0.0.1:0 \
    -tlskeyfile="$TMP/keys" -asapannounce=off -enrp=off \
    -minaddressscope=loopback -maxhrrate=0 -maxpesperassociation=0 \
    -maxregistrationrate=0 -endpointkeepalivetransmissioninterval=600000 \
    -loglevel=5 -logcolor=off >"$TMP/registrar.log" 2>&1 &
rpid=$!
PIDS+=("$rpid")
wait_line "$TMP/registrar.log" "ASAP listening on" 10
declare -A reg hr1 hr16 mem
for mode in plain tls; do
	if [ $mode = plain ]; then
		p=$(port "$TMP/registrar.log" ASAP)
		tls=()
	else
		p=$(port "$TMP/registrar.log" "ASAP over TLS")
		tls=(-tlskeyfile="$TMP/keys")
	fi
	"$ASAP_BENCH" -transport=tcp -registrar=127.0.0.1:"$p" "${tls[@]}" \
	    -pes="$PES" -pool=B$mode -inflight=1,16 -duration="$DURATION" \
	    >"$TMP/$mode.out"
	reg[$mode]=$(rate phase=register "$TMP/$mode.out")
	hr1[$mode]=$(rate 'phase=resolve inflight=1 ' "$TMP/$mode.out")
	hr16[$mode]=$(rate 'phase=resolve inflight=16 ' "$TMP/$mode.out")
	before=$(rss_kb "$rpid")
	from=$(($(wc -l <"$TMP/registrar.log") + 1))
	"$ASAP_BENCH" -transport=tcp -registrar=127.0.0.1:"$p" "${tls[@]}" \
	    -pes="$ASSOCS" -assocs="$ASSOCS" -pool=H$mode -hold \
	    >"$TMP/hold-$mode.out" 2>&1 &
	hpid=$!
	PIDS+=("$hpid")
	wait_line "$TMP/hold-$mode.out" phase=hold 30
	sleep 0.5
	mem[$mode]=$((($(rss_kb "$rpid") - before) * 1024 / ASSOCS))
	kill -9 "$hpid"
	wait "$hpid" 2>/dev/null || true
done
burst=$(handshakes "$from" | tail -1)
from=$(($(wc -l <"$TMP/registrar.log") + 1))
for _ in $(seq "$SEQ"); do
	"$ASAP_BENCH" -transport=tcp -registrar=127.0.0.1:"$p" "${tls[@]}" \
	    -pes=1 -pool=S -inflight=1 -duration=1 >/dev/null
done
echo "| | plain | TLS 1.3 PSK | TLS/plain |"
echo "| --- | --- | --- | --- |"
echo "| registrations/s ($PES PEs, 1 association) | ${reg[plain]} | ${reg[tls]} | $(ratio "${reg[tls]}" "${reg[plain]}") |"
echo "| resolutions/s, 1 in flight | ${hr1[plain]} | ${hr1[tls]} | $(ratio "${hr1[tls]}" "${hr1[plain]}") |"
echo "| resolutions/s, 16 in flight | ${hr16[plain]} | ${hr16[tls]} | $(ratio "${hr16[tls]}" "${hr16[plain]}") |"
echo "| registrar VmRSS per association ($ASSOCS held) | ${mem[plain]} B | ${mem[tls]} B | +$((mem[tls] - mem[plain])) B |"
handshakes "$from" | awk '{ v[NR] = $1 }
    END { if (NR) printf "| TLS handshake, registrar side, one at a time (%d) | | min %.3f, median %.3f, max %.3f ms | |\n",
        NR, v[1], v[int((NR + 1) / 2)], v[NR] }'
echo "| the last of $ASSOCS TLS handshakes begun at once | | $burst ms | |"
