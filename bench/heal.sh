#!/usr/bin/env bash
# Partition heal (issue 15): two registrars in network namespaces joined
# by a bridge (tests/chaos/net.bash), -peer to each other, a PE at the
# first.  The second is cut off for CUT seconds (long enough for both to
# declare the other dead and keep trying to reach it), then plugged in
# again; the time from the heal to both handlespace dumps agreeing (same
# PE, same home) is measured with hsdump every 0.2 s.
#
# usage: bench/heal.sh [CUT...]      (default 30)
# Environment: RSP (default build/rel/rsp), TRIALS (3).  Root (ip netns).
# Output: one line per trial,
#   heal cut_s=CUT trial=T converged_s=S
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
RSP=${RSP:-$top/build/rel/rsp}
TRIALS=${TRIALS:-3}
[ $# -gt 0 ] || set -- 30
# shellcheck disable=SC2034 # net.bash names its namespaces after RUN
RUN=$$
# shellcheck source=tests/chaos/net.bash
source "$top/tests/chaos/net.bash"
TMP=$(mktemp -d)
NAME=bench/heal.sh
# shellcheck source=bench/lib.sh
source "$top/bench/lib.sh"

cleanup() {
	kill_pids
	net_teardown
}
trap 'cleanup; rm -rf "$TMP"' EXIT

# The PE lines of registrar I's dump, without what differs by registrar.
dump() {
	ip netns exec "${NS_R[$1]}" "$RSP" hsdump -transport=tcp -timeout=1500 \
	    "$(reg_ip "$1")":9901 2>/dev/null |
	    sed -e 's/registrar=[[:xdigit:]$]*//' -e 's/life=[0-9]*ms//' |
	    grep -E 'PoolElements|home=' || true
}

# trial CUT: RESULT := ms from the heal to agreement, or "timeout".
trial() {
	local cut=$1 i o start now a b
	net_setup 2 >/dev/null
	for i in 0 1; do
		o=$((1 - i))
		ip netns exec "${NS_R[$i]}" "$RSP" registrar -transport=tcp \
		    -asap="$(reg_ip "$i")":3863 -enrp="$(reg_ip "$i")":9901 \
		    -peer="$(reg_ip "$o")":9901 -asapannounce=off \
		    -enrpannounce=off -identifier=$((i + 16)) -loglevel=3 \
		    -logcolor=off >"$TMP/r$i.log" 2>&1 &
		PIDS+=($!)
	done
	sleep 2
	ip netns exec "${NS_R[0]}" "$RSP" server -echo -transport=tcp \
	    -registrar="$(reg_ip 0)":3863 -registrar="$(reg_ip 1)":3863 \
	    -loglevel=2 >"$TMP/pe.log" 2>&1 &
	PIDS+=($!)
	sleep 4
	net_cut 1
	sleep "$cut"
	net_heal 1
	start=$(date +%s%N)
	for _ in $(seq 300); do
		a=$(dump 0)
		b=$(dump 1)
		if [ -n "$a" ] && [ "$a" = "$b" ] &&
		    [[ "$a" == *"1 PoolElements"* ]]; then
			now=$(date +%s%N)
			RESULT=$(((now - start) / 1000000))
			return 0
		fi
		sleep 0.2
	done
	RESULT=timeout
}

for cut in "$@"; do
	for t in $(seq "$TRIALS"); do
		trial "$cut"
		r=$RESULT
		cleanup
		if [ "$r" = timeout ]; then
			echo "heal cut_s=$cut trial=$t converged_s=none"
		else
			echo "heal cut_s=$cut trial=$t converged_s=$(printf '%d.%03d' $((r / 1000)) $((r % 1000)))"
		fi
	done
done
