#!/bin/sh
# bench/resolutions.png: handle resolutions/s against pool size (medians,
# RoundRobin, 16 in flight) for rsp's registrar, RSPLIB's and the echo
# limit in the SCTP test guest (build/bench/guest-raw.txt), and rsp over
# the TCP mapping on the host (build/bench/raw.txt) on a second axis.
# Needs gnuplot (Debian gnuplot-nox; installed when missing and root).
#   bench/plot.sh [DIR [PNG]]      default build/bench bench/resolutions.png
set -eu
DIR=${1:-build/bench}
PNG=${2:-bench/resolutions.png}
INFLIGHT=${BENCH_PLOT_INFLIGHT:-16}
POLICY=${BENCH_PLOT_POLICY:-RoundRobin}

if ! command -v gnuplot >/dev/null; then
	[ "$(id -u)" -eq 0 ] || { echo "bench/plot.sh: gnuplot missing (apt-get install gnuplot-nox)" >&2; exit 2; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >&2
fi

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# median rate per pool size: FILE PHASE TARGET(any|rsp|rsplib) -> "pool median"
series() {
	[ -s "$1" ] || return 0
	grep " phase=$2 " "$1" | awk -v tg="$3" -v inf="$INFLIGHT" -v pol="$POLICY" '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		if (tg != "any" && f["target"] != tg) next
		if (f["inflight"] != inf || f["policy"] != pol) next
		print f["pool"], f["rate"] }' | sort -n -k1,1 -k2,2 | awk '
	function flush() { if (n) print p, (n % 2 ? v[(n+1)/2] : (v[n/2] + v[n/2+1]) / 2) }
	$1 != p { flush(); p = $1; n = 0 }
	{ v[++n] = $2 }
	END { flush() }'
}

series "$DIR/guest-raw.txt" resolve rsp >"$T/rsp"
series "$DIR/guest-raw.txt" resolve rsplib >"$T/rsplib"
series "$DIR/guest-raw.txt" echo any >"$T/echo"
series "$DIR/raw.txt" resolve any >"$T/host"
series "$DIR/raw.txt" echo any >"$T/hostecho"

plots=""
add() { # file title style axes
	[ -s "$1" ] || return 0
	[ -z "$plots" ] || plots="$plots, "
	plots="$plots'$1' using 1:2 with linespoints $3 title '$2' axes $4"
}
add "$T/rsp" "rsp registrar (guest, SCTP)" "lw 2 pt 7" x1y1
add "$T/rsplib" "RSPLIB 3.4.4 rspregistrar (guest, SCTP)" "lw 2 pt 5" x1y1
add "$T/echo" "echo limit (guest, SCTP)" "dt 2 pt 1" x1y1
add "$T/host" "rsp registrar (host, TCP mapping; right axis)" "lw 2 pt 9" x1y2
add "$T/hostecho" "echo limit (host, TCP mapping; right axis)" "dt 3 pt 2" x1y2
[ -n "$plots" ] || { echo "bench/plot.sh: no data in $DIR" >&2; exit 1; }

gnuplot <<EOF
set terminal png size 900,560
set output '$PNG'
set title "Handle resolutions/s against pool size ($POLICY, $INFLIGHT in flight, medians)"
set logscale x
set xlabel 'PEs in the pool'
set ylabel 'resolutions/s (SCTP test guest, one vCPU)'
set y2label 'resolutions/s (host, TCP mapping)'
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set key bottom right
set grid
plot $plots
EOF
echo "bench/plot.sh: wrote $PNG" >&2
