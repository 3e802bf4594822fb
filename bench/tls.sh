#!/bin/sh
# TLS against plain on the TCP mapping (issue 19, README.md "ASAP over
# TLS"), on this host, in one run of one registrar that listens on both
# ports (-asap and -asaptls):
#   handshake   the registrar's "TLSv1.3 up in X ms" of BENCH_TLS_ASSOCS
#               associations opened at once (min/median/max; server side,
#               accept to Finished, over loopback)
#   register    registrations/s of BENCH_TLS_PES PEs over 1 association
#   resolve     handle resolutions/s with 1 and 16 in flight
#   memory      the registrar's VmRSS growth per association, with
#               BENCH_TLS_ASSOCS associations held (asap_bench -hold)
# each plain, then over TLS.  Prints a Markdown table for BENCHMARKS.md.
#
#   make bench-tls             (builds build/tls-rel first)
#
# Environment: RSP, ASAP_BENCH (binaries of the TLS build, set by make
# bench-tls), BENCH_TLS_PES (10000), BENCH_TLS_ASSOCS (64),
# BENCH_DURATION (ms per resolution phase, 2000).
set -eu

: "${RSP:?set RSP to the rsp binary of the TLS build}"
: "${ASAP_BENCH:?set ASAP_BENCH to bench/asap_bench of the TLS build}"
PES=${BENCH_TLS_PES:-10000}
ASSOCS=${BENCH_TLS_ASSOCS:-64}
DURATION=${BENCH_DURATION:-2000}

TMP=$(mktemp -d)
RPID=
HPID=
cleanup() {
	for p in $HPID $RPID; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# port LOG PREFIX: the port after "PREFIX 127.0.0.1:" in LOG.
port() {
	i=0
	while [ $i -lt 100 ]; do
		p=$(sed -n "s/.*$2 127\.0\.0\.1:\([0-9]*\).*/\1/p" "$1")
		[ -n "$p" ] && { echo "$p"; return 0; }
		sleep 0.1
		i=$((i + 1))
	done
	echo "bench/tls.sh: no port in $1" >&2
	cat "$1" >&2
	return 1
}

rss_kb() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"
}

# field KEY LINE: the value of KEY= in a key=value line.
field() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

KEY=$(openssl rand -hex 32)
printf 'bench pe %s *\n' "$KEY" >"$TMP/keys"
"$RSP" registrar -transport=tcp -asap=127.0.0.1:0 -asaptls=127.0.0.1:0 \
    -tlskeyfile="$TMP/keys" -asapannounce=off -enrp=off \
    -minaddressscope=loopback -maxhrrate=0 -maxpesperassociation=0 \
    -maxregistrationrate=0 -endpointkeepalivetransmissioninterval=600000 \
    -loglevel=4 -logcolor=off >"$TMP/registrar.log" 2>&1 &
RPID=$!
TPORT=$(port "$TMP/registrar.log" "ASAP over TLS listening on")
PORT=$(port "$TMP/registrar.log" "ASAP listening on")

echo "| | plain | TLS 1.3 PSK | TLS/plain |"
echo "| --- | --- | --- | --- |"
for mode in plain tls; do
	if [ $mode = plain ]; then
		p=$PORT
		set --
	else
		p=$TPORT
		set -- -tlskeyfile="$TMP/keys"
	fi
	"$ASAP_BENCH" -transport=tcp -registrar=127.0.0.1:"$p" "$@" \
	    -pes="$PES" -pool=B$mode -inflight=1,16 -duration="$DURATION" \
	    >"$TMP/$mode.out"
	eval "reg_$mode=\$(field rate \"\$(grep phase=register \"\$TMP/\$mode.out\")\")"
	eval "hr1_$mode=\$(field rate \"\$(grep 'phase=resolve inflight=1 ' \"\$TMP/\$mode.out\")\")"
	eval "hr16_$mode=\$(field rate \"\$(grep 'phase=resolve inflight=16 ' \"\$TMP/\$mode.out\")\")"
	# memory: ASSOCS associations held, one PE each
	before=$(rss_kb "$RPID")
	"$ASAP_BENCH" -transport=tcp -registrar=127.0.0.1:"$p" "$@" \
	    -pes="$ASSOCS" -assocs="$ASSOCS" -pool=H$mode -hold >"$TMP/hold-$mode.out" 2>&1 &
	HPID=$!
	i=0
	while ! grep -q phase=hold "$TMP/hold-$mode.out" && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 0.5
	after=$(rss_kb "$RPID")
	eval "mem_$mode=$(((after - before) * 1024 / ASSOCS))"
	kill "$HPID"
	wait "$HPID" 2>/dev/null || true
	HPID=
done
# shellcheck disable=SC2154 # set by eval above
{
	echo "| registrations/s ($PES PEs, 1 association) | $reg_plain | $reg_tls | $(echo "$reg_tls $reg_plain" | awk '{printf "%.2f", $1 / $2}') |"
	echo "| resolutions/s, 1 in flight | $hr1_plain | $hr1_tls | $(echo "$hr1_tls $hr1_plain" | awk '{printf "%.2f", $1 / $2}') |"
	echo "| resolutions/s, 16 in flight | $hr16_plain | $hr16_tls | $(echo "$hr16_tls $hr16_plain" | awk '{printf "%.2f", $1 / $2}') |"
	echo "| registrar VmRSS per association ($ASSOCS held) | $mem_plain B | $mem_tls B | +$((mem_tls - mem_plain)) B |"
}
grep -o 'up in [0-9.]* ms' "$TMP/registrar.log" | awk '{print $3}' | sort -n |
    awk '{v[NR] = $1} END {if (NR) printf "| TLS handshake (registrar side, %d associations) | | min %.3f / median %.3f / max %.3f ms | |\n", NR, v[1], v[int((NR + 1) / 2)], v[NR]}'
