#!/usr/bin/env bash
# Scale (issue 15), rsp's registrar over the TCP mapping on 127.0.0.1,
# the -O2 build:
#
#  register  SCALE_PES PEs (default 1,000,000) into one registrar:
#            registrations/s and the registrar's VmRSS growth per PE
#            (asap_bench -rsspid); a fresh registrar per trial;
#  resolve   in that registrar, with those PEs still registered, handle
#            resolutions/s of a pool of 1 PE and of the pool of
#            SCALE_PES PEs: same policy, same in-flight count, same
#            registrar, one fresh generator per measurement (asap_bench
#            -resolveonly), SCALE_ROUNDS times each, the two pools
#            alternating; once as a PU asks
#            by default (no item count: the registrar's -maxhresitems, 3
#            PEs per answer from the big pool, 1 from the small) and once
#            with 1 item asked (answers of the same size from both);
#  transfer  a new registrar learning SCALE_PES PEs from its mentor
#            (bench/transfer.sh);
#  takeover  three registrars A, B, C with -peer to each other;
#            TAKEOVER_PES PEs registered at A, whose generator listens
#            (asap_bench -pelisten) so that the new home reaches the PEs;
#            once B and C know them all, kill -9 A.  From the kill:
#            detect_ms   the first "initiating takeover" of B or C;
#            homed_ms    the last PE owned by the taker in both survivors'
#                        handlespaces (the taker's "takeover of $A
#                        completed: N PEs are ours", the other's "took
#                        over $A: N PEs change home", whichever is later);
#            acked_ms    the last PE acknowledging its new home (the
#                        generator answering the taker's Keep-Alive with
#                        the H flag: phase=rehome last_ms).
#            Then both survivors' handlespaces are checked with `rsp
#            hsdump -f kv`: every PE there, homed at the taker.
#
# Keep-alives, as an operator would set them for so many PEs: every
# SCALE_KA_INTERVAL ms (600,000) per PE at 1,000,000 PEs and every
# TAKEOVER_KA_INTERVAL ms (60,000) at 100,000: both about 1,700
# Keep-Alives/s, a few per cent of what one registrar handles (the RFC's
# default 5 s would be 200,000/s); timeout the default 5 s.  ENRP timers
# are RSPLIB's defaults unless TAKEOVER_PEER_OPTS says otherwise (a kill
# is noticed after -peermaxtimelastheard + -peermaxtimenoresponse).
#
# usage: bench/scale.sh [PART...]   (default: register resolve transfer
#                                    takeover; resolve implies register)
# Environment: RSP (build/rel/rsp), ASAP_BENCH (build/rel/bench/asap_bench),
# SCALE_PES (1000000), TAKEOVER_PES (100000), TRIALS (3), SCALE_DURATION
# (ms per resolution measurement, 2000), SCALE_ROUNDS (resolution
# measurements per pool, item count and trial, 3), SCALE_INFLIGHT (16), SCALE_POLICY
# (RoundRobin), SCALE_ASSOCS (registration associations, 1), SCALE_REF_PES
# (100000; "" for none: registration and transfer also at this size, to
# compare),
# SCALE_KA_INTERVAL (600000), TAKEOVER_KA_INTERVAL (60000),
# TAKEOVER_PEER_OPTS (""), REG_OPTS (extra options of every registrar,
# e.g. -mentordiscoverytimeout=500 for a quick run).
# Output (stdout): key=value lines, one per measurement, then medians:
#   scale date=... commit=... cpu=... cpus=N pes=N takeover_pes=N trials=N
#   register trial=T pes=N seconds=S rate=R bytes_per_pe=B load=L
#   resolve trial=T pool_pes=N hritems=K inflight=F rate=R p50_us=.. p99_us=..
#           size=BYTES cpu_ns=NS load=L   (cpu_ns: the registrar's CPU time
#           per resolution, /proc/PID/schedstat: less sensitive to other
#           load than the rate)
#   transfer pes=N trial=T transfer_ms=MS ... (bench/transfer.sh)
#   takeover trial=T pes=N detect_ms=.. adopt_ms=.. homed_ms=.. acked_ms=.. load=L
#   result KEY=MEDIAN ...
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
RSP=${RSP:-$top/build/rel/rsp}
ASAP_BENCH=${ASAP_BENCH:-$top/build/rel/bench/asap_bench}
PES=${SCALE_PES:-1000000}
TPES=${TAKEOVER_PES:-100000}
TRIALS=${TRIALS:-3}
DURATION=${SCALE_DURATION:-2000}
ROUNDS=${SCALE_ROUNDS:-3}
REF=${SCALE_REF_PES-100000}
INFLIGHT=${SCALE_INFLIGHT:-16}
POLICY=${SCALE_POLICY:-RoundRobin}
ASSOCS=${SCALE_ASSOCS:-1}
KA=${SCALE_KA_INTERVAL:-600000}
TKA=${TAKEOVER_KA_INTERVAL:-60000}
read -r -a PEER_OPTS <<<"${TAKEOVER_PEER_OPTS:-}"
read -r -a EXTRA <<<"${REG_OPTS:-}"
[ $# -gt 0 ] || set -- register resolve transfer takeover
export TZ=UTC

TMP=$(mktemp -d)
RESULTS=$TMP/results
NAME=bench/scale.sh
# shellcheck source=bench/lib.sh
source "$top/bench/lib.sh"
trap 'kill_pids; [ -n "${KEEP:-}" ] || rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM

die() {
	echo "bench/scale.sh: $*" >&2
	exit 1
}

say() {
	echo "== $*" >&2
}

load() {
	cut -d' ' -f1-3 /proc/loadavg | tr ' ' /
}

# CPU time a process has run, ns (/proc/PID/schedstat)
cpu_ns() {
	cut -d' ' -f1 "/proc/$1/schedstat"
}


# field KEY LINE
field() {
	sed -n "s/.*[ ^]$1=\([^ ]*\).*/\1/p" <<<" $2"
}

# median of the numbers on stdin
median() {
	sort -g | awk '{ v[++n] = $1 } END {
		if (n == 0) { print "-"; exit }
		print (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2) }'
}

# registrar NAME KA-INTERVAL EXTRA-ARGS...: started, its pid in $RPID;
# log in $TMP/NAME.log
registrar() {
	local name=$1 ka=$2
	shift 2
	rm -f "$TMP/$name.log"
	# the caps of issue 16 off: one generator association registers
	# 1,000,000 PEs, and the 1-PE pool comes on top of them
	"$RSP" registrar -transport=tcp -asap=127.0.0.1:0 -asapannounce=off \
	    -minaddressscope=loopback -maxhrrate=0 -maxpesperassociation=0 \
	    -maxregistrationrate=0 -maxpes=0 -maxpesperpeer=0 \
	    -endpointkeepalivetransmissioninterval="$ka" -loglevel=3 \
	    -logcolor=off ${EXTRA[@]+"${EXTRA[@]}"} "$@" \
	    >"$TMP/$name.log" 2>&1 &
	RPID=$!
	PIDS+=("$RPID")
	wait_line "$TMP/$name.log" 'ASAP listening on' 10
}

# gen NAME ARGS...: an asap_bench in the background, output in
# $TMP/NAME.out, its pid in $GPID
gen() {
	local name=$1
	shift
	# or the previous trial's output may be read before the new one
	# truncates it
	rm -f "$TMP/$name.out" "$TMP/$name.err"
	"$ASAP_BENCH" -transport=tcp -timeout=120000 "$@" \
	    >"$TMP/$name.out" 2>"$TMP/$name.err" &
	GPID=$!
	PIDS+=("$GPID")
}

record() {
	echo "$*"
	echo "$*" >>"$RESULTS"
}

# ---- register and resolve ----

# One resolution measurement of pool POOL (N PEs from IDBASE) with
# HRITEMS items asked; prints the resolve line.
resolve_one() { # TRIAL POOL N IDBASE HRITEMS ASAP-PORT
	local out l c0 c1
	c0=$(cpu_ns "$RPID")
	out=$(timeout 600 "$ASAP_BENCH" -transport=tcp \
	    -registrar=127.0.0.1:"$6" -pool="$2" -pes="$3" -idbase="$4" \
	    -resolveonly -hritems="$5" -policy="$POLICY" \
	    -inflight="$INFLIGHT" -duration="$DURATION" -timeout=120000 \
	    2>&1) || die "resolution of $2 failed: $out"
	c1=$(cpu_ns "$RPID")
	l=$(grep '^phase=resolve' <<<"$out")
	record "resolve trial=$1 pool_pes=$3 hritems=$5 inflight=$INFLIGHT" \
	    "policy=$POLICY rate=$(field rate "$l")" \
	    "p50_us=$(field p50_us "$l") p99_us=$(field p99_us "$l")" \
	    "size=$(field size "$l")" \
	    "cpu_ns=$(((c1 - c0) / $(field count "$l")))" "load=$(load)"
}

# The registration alone at the reference size, for comparison.
ref_trial() { # TRIAL
	local t=$1 asap l
	registrar R "$KA" -enrp=off
	asap=$(port "$TMP/R.log" ASAP)
	say "trial $t: registering $REF PEs (reference)"
	gen ref -registrar=127.0.0.1:"$asap" -pes="$REF" -pool=BigPool \
	    -policy="$POLICY" -assocs="$ASSOCS" -hold -rsspid="$RPID"
	wait_line "$TMP/ref.out" '^phase=hold' 3600 ||
	    die "registration failed: $(cat "$TMP/ref.err")"
	l=$(grep '^phase=register' "$TMP/ref.out")
	record "register trial=$t pes=$REF assocs=$ASSOCS policy=$POLICY" \
	    "seconds=$(field seconds "$l") rate=$(field rate "$l")" \
	    "bytes_per_pe=$(field bytes_per_pe "$l") load=$(load)"
	kill_pids
}

register_trial() { # TRIAL DO-RESOLVE
	local t=$1 asap l big=16 small=8 h order r p
	registrar R "$KA" -enrp=off
	asap=$(port "$TMP/R.log" ASAP)
	say "trial $t: registering $PES PEs"
	gen big -registrar=127.0.0.1:"$asap" -pes="$PES" -pool=BigPool \
	    -policy="$POLICY" -assocs="$ASSOCS" -idbase="$big" -hold \
	    -rsspid="$RPID"
	wait_line "$TMP/big.out" '^phase=hold' 3600 ||
	    die "registration failed: $(cat "$TMP/big.err")"
	l=$(grep '^phase=register' "$TMP/big.out")
	record "register trial=$t pes=$PES assocs=$ASSOCS policy=$POLICY" \
	    "seconds=$(field seconds "$l") rate=$(field rate "$l")" \
	    "rss_before_kb=$(field rss_before_kb "$l")" \
	    "rss_after_kb=$(field rss_after_kb "$l")" \
	    "bytes_per_pe=$(field bytes_per_pe "$l") load=$(load)"
	if [ "$2" = 1 ]; then
		gen small -registrar=127.0.0.1:"$asap" -pes=1 -pool=OnePool \
		    -policy="$POLICY" -idbase="$small" -hold
		wait_line "$TMP/small.out" '^phase=hold' 60
		# ROUNDS pairs, alternating which pool goes first, against
		# drift of the load
		for r in $(seq "$ROUNDS"); do
			order="big small"
			[ $(((t + r) % 2)) = 1 ] && order="small big"
			for h in 0 1; do
				for p in $order; do
					if [ "$p" = small ]; then
						resolve_one "$t" OnePool 1 "$small" \
						    "$h" "$asap"
					else
						resolve_one "$t" BigPool "$PES" \
						    "$big" "$h" "$asap"
					fi
				done
			done
		done
	fi
	kill -0 "$RPID" || die "the registrar died: $(tail -5 "$TMP/R.log")"
	kill_pids
}

# ---- takeover ----

takeover_trial() { # TRIAL
	local t=$1 ea eb ec pa asap pb pc t0 l s known n i
	local detect c_done c_other winner other acked
	say "trial $t: takeover of $TPES PEs"
	registrar A "$TKA" -identifier=0x000000a1 -enrp=127.0.0.1:0 \
	    -enrpannounce=off ${PEER_OPTS[@]+"${PEER_OPTS[@]}"}
	pa=$RPID
	ea=$(port "$TMP/A.log" ENRP)
	registrar B "$TKA" -identifier=0x000000a2 -enrp=127.0.0.1:0 \
	    -enrpannounce=off -peer=127.0.0.1:"$ea" \
	    ${PEER_OPTS[@]+"${PEER_OPTS[@]}"}
	pb=$RPID
	eb=$(port "$TMP/B.log" ENRP)
	registrar C "$TKA" -identifier=0x000000a3 -enrp=127.0.0.1:0 \
	    -enrpannounce=off -peer=127.0.0.1:"$ea" -peer=127.0.0.1:"$eb" \
	    ${PEER_OPTS[@]+"${PEER_OPTS[@]}"}
	pc=$RPID
	ec=$(port "$TMP/C.log" ENRP)
	for n in A B C; do
		wait_line "$TMP/$n.log" 'normal operation' 60
	done
	asap=$(port "$TMP/A.log" ASAP)
	gen tk -registrar=127.0.0.1:"$asap" -pes="$TPES" -hold \
	    -pelisten=127.0.0.1:0
	wait_line "$TMP/tk.out" '^phase=hold' 3600 ||
	    die "registration failed: $(cat "$TMP/tk.err")"
	# B and C must know every PE of A before the kill
	for p in "$eb" "$ec"; do
		i=0
		while :; do
			known=$("$RSP" hsdump -transport=tcp -f kv -timeout=60000 \
			    127.0.0.1:"$p" | grep -c '^pool=.* home=0x000000a1 ' ||
			    true)
			[ "$known" -ge "$TPES" ] && break
			i=$((i + 1))
			[ $i -lt 120 ] || die "peer on $p knows $known of $TPES PEs"
			sleep 0.5
		done
	done
	l=$(load)
	t0=$(date +%s%3N)
	kill -9 "$pa"
	wait "$pa" 2>/dev/null || true
	wait_line "$TMP/tk.out" '^phase=rehome' 120 ||
	    die "not every PE re-homed: $(grep -h 'takeover\|took over' \
	        "$TMP/B.log" "$TMP/C.log")"
	acked=$(field last_ms "$(grep '^phase=rehome' "$TMP/tk.out")")
	detect=$(for n in B C; do
		stamp_ms "$TMP/$n.log" 'initiating takeover of dead peer .000000a1' ||
		    true
	done | sort -n | head -1)
	winner=
	for n in B C; do
		if grep -q 'takeover of .000000a1 completed' "$TMP/$n.log"; then
			winner=$n
		fi
	done
	[ -n "$winner" ] || die "no survivor completed the takeover"
	other=B
	[ "$winner" = B ] && other=C
	c_done=$(stamp_ms "$TMP/$winner.log" 'takeover of .000000a1 completed')
	s=$(sed -n 's/.*takeover of .000000a1 completed: \([0-9]*\) PEs.*/\1/p' \
	    "$TMP/$winner.log")
	[ "$s" = "$TPES" ] || die "the taker adopted $s of $TPES PEs"
	wait_line "$TMP/$other.log" 'took over .000000a1' 30
	c_other=$(stamp_ms "$TMP/$other.log" 'took over .000000a1')
	# both survivors: every PE there, homed at the taker
	for p in "$eb" "$ec"; do
		n=$("$RSP" hsdump -transport=tcp -f kv -timeout=60000 \
		    127.0.0.1:"$p" | grep -c "^pool=.* home=0x000000a$(
		    [ "$winner" = B ] && echo 2 || echo 3) " || true)
		[ "$n" = "$TPES" ] ||
		    die "a survivor shows $n of $TPES PEs at the taker"
	done
	record "takeover trial=$t pes=$TPES taker=$winner" \
	    "detect_ms=$((detect - t0)) adopt_ms=$((c_done - detect))" \
	    "homed_ms=$(($(printf '%s\n' "$c_done" "$c_other" | sort -n |
	        tail -1) - t0)) acked_ms=$((acked - t0))" \
	    "ka_interval=$TKA load=$l"
	if ! kill -0 "$pb" || ! kill -0 "$pc"; then
		die "a survivor died"
	fi
	kill_pids
}

# ---- main ----

: >"$RESULTS"
model=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
echo "scale date=$(date -u +%Y-%m-%dT%H:%MZ)" \
    "commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo -)" \
    "cpu=\"${model:-unknown}\" cpus=$(nproc) pes=$PES takeover_pes=$TPES" \
    "trials=$TRIALS inflight=$INFLIGHT policy=$POLICY" \
    "ka_interval=$KA takeover_ka_interval=$TKA load=$(load)"
want() {
	local p
	for p in "${PARTS[@]}"; do
		[ "$p" = "$1" ] && return 0
	done
	return 1
}
PARTS=("$@")
for t in $(seq "$TRIALS"); do
	if [ -n "$REF" ] && { want register || want resolve; }; then
		ref_trial "$t"
	fi
	if want resolve; then
		register_trial "$t" 1
	elif want register; then
		register_trial "$t" 0
	fi
done
if want transfer; then
	say "transfer of $PES PEs to a new registrar"
	TRIALS=$TRIALS RSP=$RSP ASAP_BENCH=$ASAP_BENCH \
	    "$top/bench/transfer.sh" ${REF:+"$REF"} "$PES" | while read -r l; do
		record "$l load=$(load)"
	done
fi
if want takeover; then
	for t in $(seq "$TRIALS"); do
		takeover_trial "$t"
	done
fi

# medians
med() { # LINE-PREFIX-REGEX KEY
	grep -- "$1" "$RESULTS" | while read -r l; do
		field "$2" "$l"
	done | median
}
out="result"
if want register || want resolve; then
	for n in $REF $PES; do
		out="$out register_rate_$n=$(med "^register .*pes=$n " rate)"
		out="$out bytes_per_pe_$n=$(med "^register .*pes=$n " \
		    bytes_per_pe)"
	done
fi
if want resolve; then
	for h in 0 1; do
		r1=$(med "^resolve .*pool_pes=1 hritems=$h " rate)
		rn=$(med "^resolve .*pool_pes=$PES hritems=$h " rate)
		out="$out resolve_rate_1_hritems$h=$r1"
		out="$out resolve_rate_${PES}_hritems$h=$rn"
		out="$out resolve_ratio_hritems$h=$(awk -v a="$rn" -v b="$r1" \
		    'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')"
		r1=$(med "^resolve .*pool_pes=1 hritems=$h " cpu_ns)
		rn=$(med "^resolve .*pool_pes=$PES hritems=$h " cpu_ns)
		out="$out cpu_ns_1_hritems$h=$r1 cpu_ns_${PES}_hritems$h=$rn"
	done
fi
if want transfer; then
	for n in $REF $PES; do
		out="$out transfer_ms_$n=$(med "^transfer pes=$n " transfer_ms)"
	done
fi
if want takeover; then
	for k in detect_ms adopt_ms homed_ms acked_ms; do
		out="$out takeover_$k=$(med '^takeover ' "$k")"
	done
fi
echo "$out"
