#!/bin/sh
# The benchmark matrix of issue 7, natively over the TCP mapping on this
# host, rsp's registrar only (the guest run with RSPLIB side by side is
# not here yet): for each pool size and policy, BENCH_TRIALS trials,
# each with a fresh registrar, of
#   registrations/s of the whole pool, the registrar's VmRSS growth per
#   PE, handle resolutions/s and latency with 1, 16 and 64 in flight,
#   and the echo limit (bench/asap_bench -echoserver) measured in the
#   same generator run with messages of the registrar's answer size.
# Then the handle table (bench/transfer.sh: transfer to a new registrar
# and hsdump, BENCH_XFER_SIZES PEs) and the PU failover time
# (bench/failover.sh, BENCH_FAILOVER_RUNS runs).
# Writes min/median/max to $BENCH_OUT (default BENCHMARKS.md) and the raw
# generator output to $BENCH_RAW (default build/bench/raw.txt).
#
#   make bench                                   the whole matrix
#   BENCH_SIZES="1 100" BENCH_TRIALS=1 BENCH_DURATION=500 make bench
#
# Environment: RSP, ASAP_BENCH (binaries, set by make bench),
# BENCH_SIZES, BENCH_POLICIES, BENCH_INFLIGHT, BENCH_TRIALS,
# BENCH_DURATION (ms per phase), BENCH_ASSOCS (registration
# associations), BENCH_XFER_SIZES (default "1000 10000 100000"; "" for
# none), BENCH_FAILOVER_RUNS (10; 0 for none), BENCH_OUT, BENCH_RAW.
set -eu

: "${RSP:?set RSP to the rsp binary}"
: "${ASAP_BENCH:?set ASAP_BENCH to bench/asap_bench}"
SIZES=${BENCH_SIZES:-1 100 10000 100000}
POLICIES=${BENCH_POLICIES:-RoundRobin LeastUsed}
INFLIGHT=${BENCH_INFLIGHT:-1,16,64}
TRIALS=${BENCH_TRIALS:-3}
DURATION=${BENCH_DURATION:-1000}
ASSOCS=${BENCH_ASSOCS:-1}
XFER_SIZES=${BENCH_XFER_SIZES-1000 10000 100000}
FAILOVER_RUNS=${BENCH_FAILOVER_RUNS:-10}
OUT=${BENCH_OUT:-BENCHMARKS.md}
RAW=${BENCH_RAW:-build/bench/raw.txt}
HOST_MD=$(dirname "$RAW")/host.md

TMP=$(mktemp -d)
RPID=
EPID=
cleanup() {
	for p in $RPID $EPID; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# wait_port LOG PATTERN-PREFIX: the port after "PREFIX 127.0.0.1:" in LOG.
wait_port() {
	i=0
	while [ $i -lt 100 ]; do
		p=$(sed -n "s/.*$2 127\.0\.0\.1:\([0-9]*\) .*/\1/p" "$1" 2>/dev/null || true)
		if [ -n "$p" ]; then
			echo "$p"
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	echo "bench/run.sh: no port in $1:" >&2
	cat "$1" >&2
	return 1
}

# Keep-alives every 10 minutes: the registrar's keep-alive traffic for
# 100,000 PEs would otherwise run into the resolution phases.  HR rate
# limit off: the generator is one association asking as fast as it can;
# and the per-association PE count and registration rate (a generator
# registers its PEs over few associations).
start_registrar() {
	rm -f "$TMP/registrar.log" # or the old one's port may be read
	"$RSP" registrar -transport=tcp -asap=127.0.0.1:0 -asapannounce=off \
	    -enrp=off -minaddressscope=loopback -maxhrrate=0 \
	    -maxpesperassociation=0 -maxregistrationrate=0 \
	    -endpointkeepalivetransmissioninterval=600000 -loglevel=3 \
	    -logcolor=off >"$TMP/registrar.log" 2>&1 &
	RPID=$!
	PORT=$(wait_port "$TMP/registrar.log" "ASAP listening on")
}

stop_registrar() {
	kill "$RPID" 2>/dev/null || true
	wait "$RPID" 2>/dev/null || true
	RPID=
}

mkdir -p "$(dirname "$RAW")"
: >"$RAW"
"$ASAP_BENCH" -transport=tcp -echoserver=127.0.0.1:0 >"$TMP/echo.log" 2>&1 &
EPID=$!
EPORT=$(wait_port "$TMP/echo.log" "echo listening on")

for size in $SIZES; do
	for policy in $POLICIES; do
		t=1
		while [ $t -le "$TRIALS" ]; do
			start_registrar
			echo "== pool=$size policy=$policy trial=$t" >&2
			if ! timeout 900 "$ASAP_BENCH" -transport=tcp \
			    -registrar=127.0.0.1:"$PORT" \
			    -echo=127.0.0.1:"$EPORT" -pes="$size" \
			    -assocs="$ASSOCS" -policy="$policy" \
			    -inflight="$INFLIGHT" -duration="$DURATION" \
			    -rsspid="$RPID" -timeout=60000 \
			    >"$TMP/out" 2>&1; then
				cat "$TMP/out" >&2
				echo "bench/run.sh: generator failed" >&2
				exit 1
			fi
			sed "s/^/pool=$size policy=$policy trial=$t /" \
			    "$TMP/out" >>"$RAW"
			stop_registrar
			t=$((t + 1))
		done
	done
done

XFER=$(dirname "$RAW")/transfer.txt
FAILOVER=$(dirname "$RAW")/failover.txt
: >"$XFER"
: >"$FAILOVER"
if [ -n "$XFER_SIZES" ]; then
	echo "== handle table transfer and hsdump: $XFER_SIZES PEs" >&2
	# shellcheck disable=SC2086
	TRIALS=$TRIALS bench/transfer.sh $XFER_SIZES >"$XFER"
fi
if [ "$FAILOVER_RUNS" -gt 0 ]; then
	echo "== failover, $FAILOVER_RUNS runs" >&2
	bench/failover.sh "$FAILOVER_RUNS" 2>/dev/null >"$FAILOVER"
fi

# ---- BENCHMARKS.md ----

# Lines "GROUP VALUE" -> "GROUP min median max n", groups in input order.
stats() {
	awk '
	{ k = $1; for (i = 2; i < NF; i++) k = k " " $i
	  if (!(k in n)) order[++ng] = k
	  v[k, ++n[k]] = $NF }
	END {
		for (g = 1; g <= ng; g++) {
			k = order[g]; m = n[k]
			for (i = 1; i <= m; i++) a[i] = v[k, i]
			for (i = 2; i <= m; i++)
				for (j = i; j > 1 && a[j-1] > a[j]; j--) {
					x = a[j]; a[j] = a[j-1]; a[j-1] = x }
			med = m % 2 ? a[(m+1)/2] : (a[m/2] + a[m/2+1]) / 2
			printf "%s %s %s %s %d\n", k, a[1], med, a[m], m
		}
	}'
}

# key=value field of a raw line
fld() {
	sed -n "s/.* $1=\([^ ]*\).*/\1/p"
}

phase_stats() { # phase key
	grep " phase=$1 " "$RAW" | while read -r line; do
		pool=$(echo "$line" | sed 's/^pool=\([^ ]*\).*/\1/')
		pol=$(echo "$line" | fld policy)
		inf=$(echo "$line" | fld inflight)
		val=$(echo "$line" | fld "$2")
		echo "$pool $pol $inf $val"
	done | stats
}

phase_stats resolve rate >"$TMP/res"
phase_stats echo rate >"$TMP/echo"
phase_stats resolve p50_us >"$TMP/p50"
phase_stats resolve p99_us >"$TMP/p99"
phase_stats register rate >"$TMP/reg"
phase_stats register bytes_per_pe >"$TMP/mem"

model=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
{
	echo "## On the host, TCP mapping (make bench-host)"
	echo
	echo "Last run: $(date -u '+%Y-%m-%d %H:%M UTC'), commit" \
	    "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)," \
	    "$(uname -sr)," \
	    "${model:-unknown CPU}, $(nproc) CPUs."
	echo
	echo "Command: \`BENCH_SIZES=\"$SIZES\" BENCH_POLICIES=\"$POLICIES\"" \
	    "BENCH_INFLIGHT=$INFLIGHT BENCH_TRIALS=$TRIALS" \
	    "BENCH_DURATION=$DURATION BENCH_ASSOCS=$ASSOCS make bench-host\`" \
	    "(bench/run.sh; generator bench/asap_bench.c, see bench/README.md)."
	echo
	echo "Natively on the host over the TCP mapping (127.0.0.1), rsp's"
	echo "registrar only; generator, registrar and echo server share the"
	echo "host's CPUs.  Each trial starts a fresh registrar"
	echo "(\`-maxhrrate=0 -maxpesperassociation=0 -maxregistrationrate=0\`"
	echo "\`-endpointkeepalivetransmissioninterval=600000\`),"
	echo "registers the pool over $ASSOCS association(s), then runs"
	echo "${DURATION} ms of handle resolutions per in-flight count on one"
	echo "association, then the same loop against the echo server"
	echo "(\`asap_bench -echoserver\`) with messages of the registrar's"
	echo "answer size: the echo limit.  Figures are min / median / max over"
	echo "$TRIALS trial(s).  Every answer was checked (type, no error cause,"
	echo "pool, PE IDs)."
	echo
	echo "**Indicative only** when the machine was shared or loaded during"
	echo "the run (as it was for the run recorded here unless stated"
	echo "otherwise): absolute figures vary by run; compare ratios from one"
	echo "run."
	echo
	echo "### Handle resolutions/s"
	echo
	echo "| PEs | policy | in flight | rsp (min / median / max) | echo limit (min / median / max) | rsp / echo (medians) | p50 µs | p99 µs |"
	echo "|---:|---|---:|---|---|---:|---:|---:|"
	while read -r pool pol inf mn md mx n; do
		e=$(awk -v p="$pool" -v q="$pol" -v i="$inf" \
		    '$1==p && $2==q && $3==i { print $4 " " $5 " " $6 }' "$TMP/echo")
		p50=$(awk -v p="$pool" -v q="$pol" -v i="$inf" \
		    '$1==p && $2==q && $3==i { print $5 }' "$TMP/p50")
		p99=$(awk -v p="$pool" -v q="$pol" -v i="$inf" \
		    '$1==p && $2==q && $3==i { print $5 }' "$TMP/p99")
		set -- $e
		awk -v pool="$pool" -v pol="$pol" -v inf="$inf" -v mn="$mn" \
		    -v md="$md" -v mx="$mx" -v emn="${1:-0}" -v emd="${2:-0}" \
		    -v emx="${3:-0}" -v p50="$p50" -v p99="$p99" 'BEGIN {
			printf "| %d | %s | %d | %.0f / %.0f / %.0f | %.0f / %.0f / %.0f | %.2f | %.0f | %.0f |\n",
			    pool, pol, inf, mn, md, mx, emn, emd, emx,
			    (emd > 0 ? md / emd : 0), p50, p99 }'
	done <"$TMP/res"
	echo
	echo "### Registrations/s and registrar memory per PE"
	echo
	echo "Registrations/s: the whole pool registered with 16 in flight per"
	echo "association.  Memory: growth of the registrar's VmRSS"
	echo "(/proc/PID/status) from before the first registration to after the"
	echo "last, divided by the PEs (one IPv4 address each); meaningless for"
	echo "small pools (page granularity)."
	echo
	echo "| PEs | policy | registrations/s (min / median / max) | bytes of RSS per PE (min / median / max) |"
	echo "|---:|---|---|---|"
	while read -r pool pol inf mn md mx n; do
		m=$(awk -v p="$pool" -v q="$pol" \
		    '$1==p && $2==q { print $4 " " $5 " " $6 }' "$TMP/mem")
		set -- $m
		awk -v pool="$pool" -v pol="$pol" -v mn="$mn" -v md="$md" \
		    -v mx="$mx" -v a="${1:-0}" -v b="${2:-0}" -v c="${3:-0}" \
		    'BEGIN { printf "| %d | %s | %.0f / %.0f / %.0f | %.0f / %.0f / %.0f |\n",
			pool, pol, mn, md, mx, a, b, c }'
	done <"$TMP/reg"
	echo
	if [ -s "$XFER" ]; then
		echo "### Handle table: transfer to a new registrar, hsdump"
		echo
		echo "bench/transfer.sh: registrar A holds the PEs; a new registrar B"
		echo "with \`-peer=A\` learns them from A, its mentor (from B's"
		echo "\"mentor is\" log line to \"normal operation (handle table from the"
		echo "mentor), N PEs known\"); then \`rsp hsdump\` dumps A (wall time of"
		echo "the tool's whole run).  PEs/s: min / median / max over the trials."
		echo
		echo "| PEs | transfer ms | transfer PEs/s | hsdump ms | hsdump PEs/s |"
		echo "|---:|---|---|---|---|"
		for n in $XFER_SIZES; do
			for k in transfer_ms transfer_rate hsdump_ms hsdump_rate; do
				grep " pes=$n " "$XFER" | tr ' ' '\n' |
				    sed -n "s/^$k=//p" | sort -n |
				    awk '{ v[++n] = $1 } END {
					printf "%s / %s / %s\n", v[1], v[int((n+1)/2)], v[n] }'
			done | paste -sd'|' - | sed "s/|/ | /g; s/^/| $n | /; s/\$/ |/"
		done
		echo
	fi
	if [ -s "$FAILOVER" ]; then
		echo "### Failover of a PU session"
		echo
		echo "bench/failover.sh: a registrar, two Ping Pong PEs and"
		echo "\`rsp pingpongclient -interval=5\`; kill -9 of the PE in use; time"
		echo "from the PU's log line for the loss (the transport reporting it)"
		echo "to its first Pong from the other PE, after the Cookie Echo."
		echo
		echo '```'
		cat "$FAILOVER"
		echo '```'
		echo
	fi
} >"$HOST_MD"
bench/report.sh "$OUT" "$(dirname "$RAW")"
echo "bench/run.sh: wrote $OUT (raw: $RAW)" >&2
