#!/bin/sh
# Markdown tables from bench/guest.sh's output (make bench-guest writes
# it to build/bench/guest-raw.txt): rsp, RSPLIB and the echo limit side
# by side, min / median / max over the trials.  The echo limit pools the
# echo phases of both targets' runs.
#   bench/guest-md.sh build/bench/guest-raw.txt "COMMAND" >build/bench/guest.md
set -eu
RAW=${1:-build/bench/guest-raw.txt}
CMD=${2:-make bench-guest}

# "GROUP... VALUE" lines -> "GROUP... min median max", input order kept.
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
			printf "%s %s %s %s\n", k, a[1], med, a[m]
		}
	}'
}

# phase key [target|any] -> "pool policy inflight value" lines
pick() {
	grep " phase=$1 " "$RAW" | awk -v key="$2" -v tg="$3" '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		if (tg != "any" && f["target"] != tg) next
		print f["pool"], f["policy"], f["inflight"], f[key] }'
}

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pick resolve rate rsp | stats >"$T/rsp"
pick resolve rate rsplib | stats >"$T/rsplib"
pick echo rate any | stats >"$T/echo"
pick register rate rsp | stats >"$T/regrsp"
pick register rate rsplib | stats >"$T/regrsplib"
pick register bytes_per_pe rsp | stats >"$T/memrsp"
pick register bytes_per_pe rsplib | stats >"$T/memrsplib"

look() { # file pool policy [inflight] -> "min median max"
	awk -v p="$2" -v q="$3" -v i="${4:-}" \
	    '$1==p && $2==q && (i=="" || $3==i) { print $4, $5, $6; exit }' "$1"
}

model=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
echo "## In the SCTP test guest, one vCPU (make bench-guest)"
echo
echo "Last run: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown),"
echo "host ${model:-unknown CPU},"
echo "$(nproc) host CPUs; guest: Debian kernel under qemu TCG (software"
echo "emulation) with one vCPU, so generator, kernel SCTP and server share it."
echo
echo "Command: \`$CMD\`."
echo
echo "Kernel SCTP on loopback; rsp's registrar and RSPLIB 3.4.4's"
echo "rspregistrar (Debian rsplib-registrar) each fresh per trial, both with"
echo "\`-maxhrrate=100000000 -endpointkeepalivetransmissioninterval=600000\`"
echo "and 192.0.2.1 added to their ASAP endpoint (RSPLIB refuses PEs with"
echo "loopback addresses only); the echo limit is measured in each"
echo "generator run (both targets' runs pooled): a trivial echo server (one"
echo "send per echo) sent the registrar's own answer, each echo decoded and"
echo "checked by the generator like an answer.  rsp's transport (the"
echo "registrar's and the generator's) bundles the answers to one batch of"
echo "received messages into one SCTP packet (MSG_MORE); the trivial echo"
echo "server and RSPLIB do not (bench/README.md).  Resolutions/s and"
echo "registrations/s: min / median / max over the trials; ratios of medians."
echo "RSS per PE is meaningless for small pools (page granularity)."
echo
echo "### Handle resolutions/s"
echo
echo "| PEs | policy | in flight | rsp | RSPLIB | echo limit | rsp / echo | RSPLIB / echo | rsp / RSPLIB |"
echo "|---:|---|---:|---|---|---|---:|---:|---:|"
awk '{ print $1, $2, $3 }' "$T/echo" | while read -r pool pol inf; do
	r=$(look "$T/rsp" "$pool" "$pol" "$inf")
	l=$(look "$T/rsplib" "$pool" "$pol" "$inf")
	e=$(look "$T/echo" "$pool" "$pol" "$inf")
	echo "$pool $pol $inf ${r:-0 0 0} ${l:-0 0 0} ${e:-0 0 0}"
done | awk '{
	printf "| %d | %s | %d | %.0f / %.0f / %.0f | %.0f / %.0f / %.0f | %.0f / %.0f / %.0f | %.2f | %.2f | %.2f |\n",
	    $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
	    ($11 > 0 ? $5 / $11 : 0), ($11 > 0 ? $8 / $11 : 0),
	    ($8 > 0 ? $5 / $8 : 0) }'
echo
echo "### Registrations/s and registrar RSS per PE"
echo
echo "| PEs | policy | registrations/s rsp | registrations/s RSPLIB | RSS bytes/PE rsp | RSS bytes/PE RSPLIB |"
echo "|---:|---|---|---|---|---|"
awk '{ print $1, $2 }' "$T/regrsp" | while read -r pool pol; do
	echo "$pool $pol $(look "$T/regrsp" "$pool" "$pol") \
$(look "$T/regrsplib" "$pool" "$pol" || true) \
$(look "$T/memrsp" "$pool" "$pol") $(look "$T/memrsplib" "$pool" "$pol")"
done | awk '{
	printf "| %d | %s | %.0f / %.0f / %.0f | %.0f / %.0f / %.0f | %.0f / %.0f / %.0f | %.0f / %.0f / %.0f |\n",
	    $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14 }'

# ---- handle table: hsdump and registrar-to-registrar transfer ----
# "target=T xfer pes=N trial=K hsdump_ms=MS transfer_ms=MS" lines
xfer() { # key target -> "pes value" lines
	grep " xfer " "$RAW" | awk -v key="$1" -v tg="$2" '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		if (f["target"] == tg) print f["pes"], f[key] }'
}
look1() { # file pes -> "min median max" (0 0 0 when missing)
	awk -v p="$2" '$1==p { print $2, $3, $4; f = 1; exit }
	    END { if (!f) print 0, 0, 0 }' "$1"
}
xfer hsdump_ms rsp | stats >"$T/hdrsp"
xfer hsdump_ms rsplib | stats >"$T/hdrsplib"
xfer transfer_ms rsp | stats >"$T/xrsp"
xfer transfer_ms rsplib | stats >"$T/xrsplib"
if grep -q '^failover ' "$RAW"; then
	echo
	echo "### Failover of a PU session (rsp, kernel SCTP)"
	echo
	echo "bench/failover.sh with MODE=pingpong: a registrar, two Ping Pong"
	echo "PEs and \`rsp pingpongclient -interval=5\`; kill -9 of the PE in"
	echo "use; time from the PU's \"sctp: assoc N lost\" log line to its first"
	echo "Pong from the other PE, after the Cookie Echo (ReplyNo goes on"
	echo "from the cookie)."
	echo
	echo '```'
	sed -n 's/^failover //p' "$RAW"
	echo '```'
fi
[ -s "$T/hdrsp" ] || exit 0
echo
echo "### Handle table: hsdump and transfer to a new registrar"
echo
echo "Registrar A holds the PEs (registered by the generator over one"
echo "association).  hsdump: wall time of the target's own hsdump (rsp's"
echo "\`rsp hsdump\`, RSPLIB's \`hsdump\`) dumping A.  Transfer: a new"
echo "registrar B of the same kind starts with \`-peer=A\`; time from its"
echo "start to its \"normal operation\" log line (rsp), or to the start of"
echo "the first \`rsp hsdump\` poll (every 0.1 s) of B that shows every PE"
echo "(RSPLIB, which logs no such line; the poll's own time is not counted)."
echo "Milliseconds, min / median / max; rates in PEs/s from the medians."
echo
echo "| PEs | hsdump rsp (ms) | hsdump RSPLIB (ms) | hsdump PEs/s rsp / RSPLIB | rsp / RSPLIB | transfer rsp (ms) | transfer RSPLIB (ms) | transfer PEs/s rsp / RSPLIB | rsp / RSPLIB |"
echo "|---:|---|---|---|---:|---|---|---|---:|"
awk '{ print $1 }' "$T/hdrsp" | while read -r n; do
	echo "$n $(look1 "$T/hdrsp" "$n") $(look1 "$T/hdrsplib" "$n")" \
	    "$(look1 "$T/xrsp" "$n") $(look1 "$T/xrsplib" "$n")"
done | awk '
function rate(n, ms) { return ms > 0 ? n * 1000 / ms : 0 }
{
	hr = rate($1, $3); hl = rate($1, $6); xr = rate($1, $9); xl = rate($1, $12)
	printf "| %d | %d / %d / %d | %d / %d / %d | %.0f / %.0f | %.0f | %d / %d / %d | %d / %d / %d | %.0f / %.0f | %.0f |\n",
	    $1, $2, $3, $4, $5, $6, $7, hr, hl, (hl > 0 ? hr / hl : 0),
	    $8, $9, $10, $11, $12, $13, xr, xl, (xl > 0 ? xr / xl : 0) }'
