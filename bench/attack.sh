#!/usr/bin/env bash
# Pool users under attack (issue 16; RFC 5355 2.1-2.4, 2.13), on
# loopback over the TCP mapping with real processes: one registrar, 10
# CalcApp PEs (IDs $10000001...), 30 CalcApp pool users (calcappclient).  From 127.0.0.66
# a new attacker comes every 0.1 s for the whole run; each registers 10
# fake PEs in CalcAppPool (at 127.0.0.66:9, where nothing listens),
# reports every honest PE unreachable, resolves the pool 10 times, and
# keeps its association to the end (its fake PEs stay while it does).
#
# Four runs, each SECONDS long:
#   none     no attack, the registrar's defaults
#   rsplib   the attack, every limit off (RSPLIB's defaults)
#   limits   the attack, rsp's default limits
#   acl      the attack, the default limits and an -acl that lets only
#            127.0.0.1 (the honest PEs) register
# The Endpoint Unreachable check (a Keep-Alive before a PE is removed)
# cannot be switched off: it is on in every run.
#
# Prints per run: jobs completed, the pool users' mean handling speed
# (calculations/s, from their vector files: job size / handling time),
# as a share of the no-attack run, fake PEs in the pool at the end and
# honest PEs lost.
#
# usage: bench/attack.sh [SECONDS]      (default 60)
# Environment: RSP (default build/rel/rsp), RUNS (default
# "none rsplib limits acl"), PUS (30), PES (10)
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
RSP=${RSP:-$top/build/rel/rsp}
SECONDS_RUN=${1:-60}
RUNS=${RUNS:-none rsplib limits acl}
PUS=${PUS:-30}
PES=${PES:-10}
T=$(mktemp -d)
NAME=bench/attack.sh
# shellcheck source=bench/lib.sh
source "$top/bench/lib.sh"
trap 'kill_pids; rm -rf "$T"' EXIT

# CalcAppPool's handle parameter, and the messages (RFC 5352 2.2) as
# asapcat's hex lines.
POOL=0009000f43616c63417070506f6f6c00
# fake_reg ID: a Registration of PE ID at 127.0.0.66:9 (TCP), life 90 s
fake_reg() {
	echo "0100003c${POOL}000a0028${1}0000000000015f90000500100009000100010008" \
	    "7f0000420008000800000001"
}
eu() { echo "0900001c${POOL}000e0008$1"; }
HR="05000014${POOL}"

start_registrar() {
	"$RSP" registrar -transport=tcp -asap=127.0.0.1:0 -enrp=127.0.0.1:0 \
	    -enrpannounce=off -asapannounce=off -minaddressscope=loopback \
	    -loglevel=3 -logcolor=off "$@" >"$T/registrar.log" 2>&1 &
	PIDS+=("$!")
	wait_line "$T/registrar.log" 'ENRP listening on' 10 || exit 1
	PORT=$(port "$T/registrar.log" ASAP)
	ENRP_PORT=$(port "$T/registrar.log" ENRP)
}

start_pes() {
	local i
	for i in $(seq "$PES"); do
		"$RSP" server -calcapp -transport=tcp -registrar=127.0.0.1:"$PORT" \
		    -identifier=$((0x10000000 + i)) \
		    -capvector=/dev/null -capscalar=/dev/null -loglevel=4 \
		    -logcolor=off >"$T/pe$i.log" 2>&1 &
		PIDS+=("$!")
	done
	for i in $(seq "$PES"); do
		wait_line "$T/pe$i.log" 'registered in pool' 10 || exit 1
	done
}

start_pus() {
	local i
	for i in $(seq "$PUS"); do
		"$RSP" calcappclient -transport=tcp -registrar=127.0.0.1:"$PORT" \
		    -jobinterval=5 -jobsize=1000000 -runtime="$SECONDS_RUN" \
		    -vector="$T/pu$i.vec" -scalar=/dev/null -loglevel=2 \
		    -logcolor=off >/dev/null 2>"$T/pu$i.err" &
		PIDS+=("$!")
		PU_PIDS="$PU_PIDS $!"
	done
}

# One attacker: its messages, then its association held for the run.
attacker() {
	local i id
	{
		for i in $(seq 10); do
			printf -v id '%08x' $((SRANDOM | 0x80000000))
			fake_reg "$id"
		done
		for i in $(seq "$PES"); do
			printf -v id '%08x' $((0x10000000 + i))
			eu "$id"
		done
		for i in $(seq 10); do echo "$HR"; done
		# (bounded: killing asapcat at the end leaves this sleep,
		# which ends by itself)
		sleep $((SECONDS_RUN + 30))
	} | "$RSP" asapcat -connect=127.0.0.1:"$PORT" -local=127.0.0.66 \
	    -transport=tcp >/dev/null 2>&1 &
	PIDS+=("$!")
}

# honest and fake PEs in the handlespace
count_pes() {
	local dump
	dump=$("$RSP" hsdump -transport=tcp -f kv 127.0.0.1:"$ENRP_PORT")
	HONEST=$(grep -c '^pool=CalcAppPool pe=0x100000[01][0-9a-f] ' <<<"$dump" || true)
	ALL=$(grep -c '^pool=CalcAppPool pe=' <<<"$dump" || true)
}

run() {
	local mode=$1 args=() t0 p
	case $mode in
	rsplib) args=(-maxregistrationrate=0 -maxpesperassociation=0 -maxpes=0
		-maxassociationspersource=0 -maxhrrate=0 -maxeurate=0) ;;
	acl)
		printf 'allow register 127.0.0.1 CalcAppPool\nallow resolve any *\n' \
		    >"$T/acl"
		args=(-acl="$T/acl")
		;;
	esac
	PU_PIDS=
	ATTACKERS=0
	start_registrar "${args[@]}"
	start_pes
	start_pus
	if [ "$mode" != none ]; then
		t0=$EPOCHREALTIME
		while awk -v a="$EPOCHREALTIME" -v b="$t0" -v s="$SECONDS_RUN" \
		    'BEGIN { exit !(a - b < s) }'; do
			attacker
			ATTACKERS=$((ATTACKERS + 1))
			sleep 0.1
		done
	fi
	for p in $PU_PIDS; do
		wait "$p" 2>/dev/null || true
	done
	count_pes
	report "$mode"
	kill_pids
	rm -f "$T"/*.vec "$T"/*.log "$T"/*.err
}

report() {
	local jobs speed
	# HandlingSpeed is field 12 of a vector line (after the line number)
	read -r jobs speed < <(cat "$T"/pu*.vec 2>/dev/null |
	    awk '$1 ~ /^[0-9]+$/ { n++; s += $12 }
	         END { printf "%d %.0f\n", n, n ? s / n : 0 }')
	[ -n "${BASE:-}" ] || BASE=$speed
	lost=$((PES - HONEST))
	printf '%-7s attackers %4d  jobs %4d  handling speed %8d calc/s (%3d %%)  fake PEs %5d  honest PEs lost %d\n' \
	    "$1" "$ATTACKERS" "$jobs" "$speed" \
	    $((BASE > 0 ? speed * 100 / BASE : 0)) $((ALL - HONEST)) "$lost"
}

echo "attack benchmark: $PES CalcApp PEs, $PUS pool users, ${SECONDS_RUN} s a run, $(nproc) CPUs"
for mode in $RUNS; do
	run "$mode"
done
